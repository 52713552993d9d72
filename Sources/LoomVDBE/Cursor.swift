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

    let storage: Storage
    /// Index key layout (nil for rowid tables and pseudo cursors).
    let keyInfo: KeyInfo?
    /// On a NULL row (NullRow): Column and Rowid give NULL.
    var nullRow = false
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
