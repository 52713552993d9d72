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
    }

    let storage: Storage
    /// Index key layout (nil for rowid tables and pseudo cursors).
    let keyInfo: KeyInfo?
    /// On a NULL row (NullRow): Column and Rowid give NULL.
    var nullRow = false
    /// Schema number of the database a B-tree cursor reads (ExecutionContext.databases).
    var database = 0
    /// Positioned on an entry.
    var isValid = false
    /// Decoded current record (table payload or index key), invalidated on every move.
    var reader: RecordReader?
    /// The sequence counter (Sequence).
    var sequence: Int64 = 0
    /// After Delete: the key of the deleted entry, so Next/Prev continue from it.
    var deletedRowid: Int64?
    var deletedKey: [Value]?
    /// Pseudo cursors: the blob the reader was built from.
    var pseudoBytes: [UInt8] = []
    /// OpenEphemeral: the private in-memory B-tree the cursor owns.
    var ephemeralTree: BTree?

    init(_ storage: Storage, keyInfo: KeyInfo?) {
        self.storage = storage
        self.keyInfo = keyInfo
    }

    var isIndex: Bool {
        switch storage {
        case .index: return true
        case .memory(let m): return !m.isIntKey
        case .sorter: return true
        default: return false
        }
    }

    /// Forget the cached record (the cursor moved or the entry changed).
    @inline(__always) func moved(valid: Bool) {
        isValid = valid
        reader = nil
        nullRow = false
        deletedRowid = nil
        deletedKey = nil
    }
}

/// An in-memory B-tree substitute for OpenEphemeral: a sorted array of entries (rowid
/// table, or index keyed by the decoded record under `keyInfo`).
final class MemoryTree {
    struct Entry {
        var rowid: Int64
        var key: [Value]
        var record: [UInt8]
    }
    let isIntKey: Bool
    let keyInfo: KeyInfo
    var entries: [Entry] = []
    var position = -1

    init(keyInfo: KeyInfo?) {
        self.isIntKey = keyInfo == nil
        self.keyInfo = keyInfo ?? KeyInfo()
    }

    /// First index whose entry is >= (or > when `strict`) the probe.
    func lowerBound(rowid: Int64) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].rowid < rowid { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// First index whose key compares >= probe (`strict`: > probe), prefix-equal = equal.
    func bound(key: [Value], strict: Bool) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = compareKeys(entries[mid].key, key, keyInfo: keyInfo)
            if c < 0 || (strict && c == 0) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func insert(rowid: Int64, record: [UInt8]) {
        let i = lowerBound(rowid: rowid)
        if i < entries.count, entries[i].rowid == rowid {
            entries[i].record = record
        } else {
            entries.insert(Entry(rowid: rowid, key: [], record: record), at: i)
        }
    }

    func insert(key: [Value], record: [UInt8]) {
        // Full-key comparison: equal only when every field is equal and lengths match.
        let i = bound(key: key, strict: false)
        var j = i
        while j < entries.count, compareKeys(entries[j].key, key, keyInfo: keyInfo) == 0 {
            if entries[j].key.count == key.count { entries[j].record = record; return }
            j += 1
        }
        entries.insert(Entry(rowid: 0, key: key, record: record), at: i)
    }
}

/// The sorter behind SorterOpen: encoded records collected in one byte arena, then sorted
/// by their leading fields under the KeyInfo; ties keep insertion order.
///
/// Records stay encoded (no per-record `[Value]`): the sort compares record bytes directly,
/// with a fast path on an integer first field (SQLite's sorter does the same).
final class Sorter {
    let keyInfo: KeyInfo
    /// Fields that take part in the comparison.
    let keyFields: Int
    /// All records, back to back; record i is `arena[ends[i-1] ..< ends[i]]`.
    private var arena: [UInt8] = []
    private var ends: [Int] = []
    /// One per record: the first field as an integer when it is one, for a compare without
    /// parsing the records.
    private struct Entry {
        var prefix: Int64
        var index: UInt32
        var prefixIsInteger: Bool
    }
    private var entries: [Entry] = []
    private(set) var sorted = false
    var position = 0

    init(keyInfo: KeyInfo) {
        self.keyInfo = keyInfo
        self.keyFields = max(keyInfo.collations.count, keyInfo.descending.count, 1)
    }

    /// Records inserted.
    var count: Int { ends.count }
    /// Records in the sorted order (0 before `sort`).
    var sortedCount: Int { sorted ? entries.count : 0 }

    func insert(_ record: [UInt8]) throws {
        guard ends.count < Int(UInt32.max) else { throw DatabaseError(.full) }
        // The first field, when it is an integer (a malformed record is caught at sort).
        var prefix: Int64 = 0
        var isInteger = false
        record.withUnsafeBytes { raw in
            guard let (hs, hl) = Varint.read(raw, at: 0), hs <= UInt64(raw.count), Int(hs) > hl,
                  let (t, _) = Varint.read(raw, at: hl), t >= 1, t <= 9, t != 7,
                  let n = SerialType.contentLength(t), n <= raw.count - Int(hs) else { return }
            if case .integer(let i) = RecordCodec.value(serialType: t, in: raw, at: Int(hs)) {
                prefix = i
                isInteger = true
            }
        }
        sorted = false
        entries.append(Entry(prefix: prefix, index: UInt32(ends.count), prefixIsInteger: isInteger))
        arena.append(contentsOf: record)
        ends.append(arena.count)
    }

    func sort() throws {
        let ki = keyInfo
        let fields = keyFields
        let firstDescending = ki.isDescending(0)
        let ends = self.ends
        var failure: DatabaseError?
        // The arena pointer lives only for the sort: the comparator reads records in place.
        arena.withUnsafeBytes { raw in
            entries.sort { x, y in
                if x.prefixIsInteger && y.prefixIsInteger {
                    if x.prefix != y.prefix { return firstDescending ? x.prefix > y.prefix : x.prefix < y.prefix }
                    if fields == 1 { return x.index < y.index }
                }
                let xi = Int(x.index), yi = Int(y.index)
                let a = UnsafeRawBufferPointer(rebasing: raw[(xi == 0 ? 0 : ends[xi - 1])..<ends[xi]])
                let b = UnsafeRawBufferPointer(rebasing: raw[(yi == 0 ? 0 : ends[yi - 1])..<ends[yi]])
                let c: Int
                do { c = try compareRecords(a, b, fieldCount: fields, keyInfo: ki) } catch {
                    failure = error as? DatabaseError ?? DatabaseError.corrupt(page: nil, "sorter record")
                    c = 0
                }
                return c != 0 ? c < 0 : xi < yi
            }
        }
        if let failure { throw failure }
        sorted = true
        position = 0
    }

    func reset() {
        arena.removeAll()
        ends.removeAll()
        entries.removeAll()
        sorted = false
        position = 0
    }

    /// The record at the current position of the sorted order.
    var current: [UInt8]? {
        guard position >= 0, position < entries.count else { return nil }
        let i = Int(entries[position].index)
        return Array(arena[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
    }
}
