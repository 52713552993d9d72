// This file implements VMCursor, the VM's cursor slots: B-tree table and index cursors,
// in-memory ephemeral trees, pseudo-tables over a register, and sorters.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Cursors).
import LoomBase
import LoomBTree
import LoomRecord

/// One open cursor of a running VM.
final class VMCursor {
    enum Storage {
        case table(TableCursor)
        case index(IndexCursor)
        case memory(MemoryTree)
        /// Reads the record blob held in a register.
        case pseudo(Register)
        case sorter(Sorter)
        /// A virtual table's cursor (VOpen).
        case virtual(any VirtualTableCursor, VirtualTableReference)
    }

    /// `var` only so that an ephemeral table can move from a MemoryTree to a B-tree when it
    /// grows (`VM.spillEphemeral`).
    var storage: Storage { didSet { tableRef = VMCursor.tableReference(storage) } }
    /// The B-tree table cursor `storage` holds, unretained (the enum keeps it alive; kept in
    /// step by `storage`'s didSet). Binding it out of the enum retained and released it on
    /// every Rowid, Column and Next of a scan (~6 retain/release pairs a row).
    private(set) var tableRef: Unmanaged<TableCursor>?
    /// Index key layout (nil for rowid tables and pseudo cursors). (`var` only for reuse.)
    private(set) var keyInfo: KeyInfo?
    /// On a NULL row (NullRow): Column and Rowid give NULL.
    var nullRow = false
    /// Schema number of the database a B-tree cursor reads (ExecutionContext.databases).
    var database = 0
    /// Positioned on an entry.
    var isValid = false
    /// The current record (table payload or index key, or a pseudo cursor's register blob),
    /// parsed; valid while `hasRow`. One buffer per cursor, refilled in place row after row
    /// so a scan allocates nothing per row (`VM.loadRow`).
    var row = RecordBuffer()
    /// `row` holds the current entry (cleared on every move).
    var hasRow = false
    /// Table cursors: the current entry's rowid once read (cleared on every move, like
    /// `hasRow`), so repeated Rowid ops on one row decode the cell once.
    var cachedRowid: Int64?
    /// Pseudo cursors: the register blob `row` was loaded from (kept to recognise it).
    var pseudoSource: [UInt8] = []
    /// Pseudo cursors: SorterData loads `row` straight from the sorter (its register is not
    /// written), so `row` is the current record whatever the register holds.
    var fedBySorter = false
    /// The sequence counter (Sequence).
    var sequence: Int64 = 0
    /// After Delete: the key of the deleted entry, so Next/Prev continue from it.
    var deletedRowid: Int64?
    var deletedKey: [Value]?
    /// After a NotExists/SeekRowid that found no row: the rowid it looked for (an Insert of
    /// that rowid right after replaces nothing, so its undo entry needs no seek).
    var absentRowid: Int64?
    /// OpenEphemeral: the private in-memory B-tree the cursor owns.
    var ephemeralTree: BTree?
    /// Opened by OpenEphemeral (a MemoryTree here may move to a B-tree when it grows).
    var isEphemeral = false

    init(_ storage: Storage, keyInfo: KeyInfo?) {
        self.storage = storage
        self.keyInfo = keyInfo
        tableRef = VMCursor.tableReference(storage)
    }

    private static func tableReference(_ storage: Storage) -> Unmanaged<TableCursor>? {
        if case .table(let t) = storage { return Unmanaged.passUnretained(t) }
        return nil
    }

    /// Calls `body` with the table cursor lent at +0 (nil when this is not a B-tree table
    /// cursor). `body` must not replace `storage`.
    @inline(__always)
    func withTable<R>(_ body: (TableCursor) throws -> R) rethrows -> R? {
        guard let u = tableRef else { return nil }
        return try u._withUnsafeGuaranteedRef(body)
    }

    /// Drops what the cursor reads (its B-tree cursor, keys, ephemeral tree) so it can wait
    /// in `ExecutionContext.spareCursors`; the row buffer keeps its allocation.
    func recycle() {
        storage = .pseudo(0)
        keyInfo = nil
        pseudoSource = []
        deletedKey = nil
        ephemeralTree = nil
    }

    /// A recycled cursor as `init(storage, keyInfo:)` leaves a new one.
    func reuse(_ storage: Storage, keyInfo: KeyInfo?) {
        self.storage = storage
        self.keyInfo = keyInfo
        nullRow = false
        database = 0
        isValid = false
        hasRow = false
        cachedRowid = nil
        fedBySorter = false
        sequence = 0
        deletedRowid = nil
        absentRowid = nil
        isEphemeral = false
    }

    var isIndex: Bool {
        switch storage {
        case .index: return true
        case .memory(let m): return !m.isIntKey
        case .sorter: return true
        default: return false
        }
    }

    /// `moved(valid:)` after a B-tree table cursor stepped (Next/Prev) with no delete pending:
    /// `deletedRowid` and `deletedKey` are nil already, so they are not written (clearing the
    /// key array called its outlined destroy on every row of a scan).
    @inline(__always) func steppedTable(valid: Bool) {
        isValid = valid
        hasRow = false
        cachedRowid = nil
        nullRow = false
        absentRowid = nil
    }

    /// Forget the cached record (the cursor moved or the entry changed).
    @inline(__always) func moved(valid: Bool) {
        steppedTable(valid: valid)
        deletedRowid = nil
        deletedKey = nil
    }
}

/// The cursor slots of one VM frame, indexed by cursor number.
///
/// Why not `[VMCursor?]`: reading a slot out of an array hands back an owned reference, a
/// retain and a release around every Column/Rowid/Next (~7% of a GROUP BY scan's
/// instructions went to swift_retain/swift_release). Here each slot holds an `Unmanaged`
/// reference the table owns, and `withCursor` lends it to the caller at +0.
final class CursorTable {
    // Unsafe: `base` points to `capacity` initialised slots, each nil or a reference retained
    // by this table (released when the slot is replaced and in deinit). Slots `count ..<
    // capacity` are nil (a recycled table keeps its allocation). Cursor numbers come from
    // codegen; every access is range-checked.
    private var base: UnsafeMutablePointer<Unmanaged<VMCursor>?>
    private(set) var count: Int
    private(set) var capacity: Int

    init(count: Int) {
        let n = max(count, 1)
        base = UnsafeMutablePointer<Unmanaged<VMCursor>?>.allocate(capacity: n)
        base.initialize(repeating: nil, count: n)
        self.count = n
        capacity = n
    }

    deinit {
        for i in 0 ..< count { base[i]?.release() }
        base.deinitialize(count: capacity)
        base.deallocate()
    }

    var indices: Range<Int> { 0 ..< count }

    /// Readies an empty table (every slot nil, `isEmpty`) for a program of `n` cursors.
    func reuse(count n: Int) {
        if n > capacity { grow(to: n) }
        count = max(n, 1)
    }

    /// True when every slot is closed.
    var isEmpty: Bool {
        for i in 0 ..< count where base[i] != nil { return false }
        return true
    }

    /// The cursor in slot `i` (nil when closed or out of range); setting a slot past the end
    /// grows the table.
    subscript(i: Int) -> VMCursor? {
        get { i >= 0 && i < count ? base[i]?.takeUnretainedValue() : nil }
        set {
            precondition(i >= 0, "bad cursor number")
            if i >= count {
                guard newValue != nil else { return }
                if i >= capacity { grow(to: i + 1) }
                count = i + 1
            }
            let old = base[i]
            base[i] = newValue.map { Unmanaged.passRetained($0) }
            old?.release()
        }
    }

    /// Empties slot `i` and hands its cursor to the caller (+1), nil when it was closed.
    func take(_ i: Int) -> VMCursor? {
        guard i >= 0, i < count, let u = base[i] else { return nil }
        base[i] = nil
        return u.takeRetainedValue()
    }

    private func grow(to n: Int) {
        let capacity = max(n, 2 * self.capacity)
        let b = UnsafeMutablePointer<Unmanaged<VMCursor>?>.allocate(capacity: capacity)
        b.moveInitialize(from: base, count: self.capacity)
        (b + self.capacity).initialize(repeating: nil, count: capacity - self.capacity)
        base.deallocate()
        base = b
        self.capacity = capacity
    }

    /// Calls `body` with the open cursor `id`, lent without a retain (the slot keeps it
    /// alive: `body` must not close or replace cursor `id`). Throws `SQLITE_INTERNAL` when
    /// the slot is empty.
    @inline(__always)
    func withCursor<R>(_ id: CursorID, _ body: (VMCursor) throws -> R) throws -> R {
        guard id >= 0, id < count, let u = base[id] else {
            throw DatabaseError(.internal, "cursor \(id) is not open")
        }
        return try u._withUnsafeGuaranteedRef(body)
    }
}

/// An in-memory substitute for a B-tree: a sorted array of entries (rowid table, or index
/// keyed by the decoded record under `keyInfo`). Used for NullRow on a never-opened cursor and
/// for OpenEphemeral rowid tables while they are small (`VM.ephemeralMemoryLimit`): a
/// recursive CTE's queue (append at the end, delete the first) then costs an array append and
/// an index bump per row instead of B-tree cell edits and rebalancing.
///
/// Live entries are `entries[head...]`: deleting the first live entry only advances `head`
/// (the array is compacted once the dead prefix passes half of it). Positions are indices
/// into `entries`, valid when in `head ..< entries.count`.
final class MemoryTree {
    struct Entry {
        var rowid: Int64
        var key: [Value]
        var record: [UInt8]
    }
    let isIntKey: Bool
    let keyInfo: KeyInfo
    var entries: [Entry] = []
    /// Index of the first live entry.
    private(set) var head = 0
    var position = -1
    /// Record bytes held by live entries.
    private(set) var recordBytes = 0

    init(keyInfo: KeyInfo?) {
        self.isIntKey = keyInfo == nil
        self.keyInfo = keyInfo ?? KeyInfo()
    }

    var isEmpty: Bool { head >= entries.count }
    var count: Int { entries.count - head }
    var firstPosition: Int { head }
    var lastPosition: Int { entries.count - 1 }
    var lastRowid: Int64? { isEmpty ? nil : entries[entries.count - 1].rowid }
    @inline(__always) func isLive(_ p: Int) -> Bool { p >= head && p < entries.count }

    /// First index whose entry is >= (or > when `strict`) the probe.
    func lowerBound(rowid: Int64) -> Int {
        var lo = head, hi = entries.count
        // Append bias: a rowid past the last entry needs no search.
        if hi > lo, entries[hi - 1].rowid < rowid { return hi }
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].rowid < rowid { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// First index whose key compares >= probe (`strict`: > probe), prefix-equal = equal.
    func bound(key: [Value], strict: Bool) -> Int {
        var lo = head, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = compareKeys(entries[mid].key, key, keyInfo: keyInfo)
            if c < 0 || (strict && c == 0) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func insert(rowid: Int64, record: [UInt8]) {
        let i = lowerBound(rowid: rowid)
        recordBytes += record.count
        if i < entries.count, entries[i].rowid == rowid {
            recordBytes -= entries[i].record.count
            entries[i].record = record
        } else if i == entries.count {
            entries.append(Entry(rowid: rowid, key: [], record: record))
        } else {
            entries.insert(Entry(rowid: rowid, key: [], record: record), at: i)
        }
    }

    func insert(key: [Value], record: [UInt8]) {
        // Full-key comparison: equal only when every field is equal and lengths match.
        let i = bound(key: key, strict: false)
        var j = i
        while j < entries.count, compareKeys(entries[j].key, key, keyInfo: keyInfo) == 0 {
            if entries[j].key.count == key.count {
                recordBytes += record.count - entries[j].record.count
                entries[j].record = record
                return
            }
            j += 1
        }
        recordBytes += record.count
        entries.insert(Entry(rowid: 0, key: key, record: record), at: i)
    }

    /// Removes the live entry at `p` and returns it. Positions after `p` shift down by one,
    /// except when `p` is the first live entry (then nothing moves: `head` advances).
    func remove(at p: Int) -> Entry {
        precondition(isLive(p))
        let e: Entry
        if p == head {
            e = entries[p]
            entries[p] = Entry(rowid: e.rowid, key: [], record: [])
            head += 1
            if head == entries.count {
                entries.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= entries.count {
                entries.removeSubrange(0 ..< head)
                head = 0
            }
        } else {
            e = entries.remove(at: p)
        }
        recordBytes -= e.record.count
        return e
    }

    func removeAll() {
        entries.removeAll()
        head = 0
        position = -1
        recordBytes = 0
    }
}
