// This file implements the statement undo log: inside an explicit transaction a statement
// that fails with ABORT backs out its own row changes (SQLite's statement journal), leaving
// the transaction's earlier work in place. Layer: L4. Spec: Spec/L4-vdbe.md (§Transactions).
import LoomBase
import LoomBTree
import LoomPager
import LoomRecord

/// One B-tree row change made by the running statement.
enum UndoEntry {
    /// A table insert; `previous` is the payload it replaced (nil: the rowid was new).
    case tableInsert(root: PageNumber, rowid: Int64, previous: [UInt8]?)
    /// New rowids `first ... last` inserted one after another into one table (an INSERT …
    /// SELECT appending 1M rows is one entry, not 1M: the log held ~36 MiB in micro_c).
    case tableInsertRun(root: PageNumber, first: Int64, last: Int64)
    case tableDelete(root: PageNumber, rowid: Int64, payload: [UInt8])
    /// An index insert of a key that was not present.
    case indexInsert(root: PageNumber, keyInfo: KeyInfo, key: [Value])
    case indexDelete(root: PageNumber, keyInfo: KeyInfo, record: [UInt8])
}

extension VM {
    /// Logs a table insert, merging a new rowid that follows the previous new rowid of the
    /// same table into one run.
    func logTableInsert(root: PageNumber, rowid: Int64, previous: [UInt8]?) {
        if previous == nil, let n = undoLog?.count, n > 0, let last = undoLog?[n - 1] {
            var merged: UndoEntry? = nil
            switch last {
            case .tableInsert(let r, let prior, nil) where r == root && prior != Int64.max && rowid == prior + 1:
                merged = .tableInsertRun(root: root, first: prior, last: rowid)
            case .tableInsertRun(let r, let first, let prior) where r == root && prior != Int64.max && rowid == prior + 1:
                merged = .tableInsertRun(root: root, first: first, last: rowid)
            default:
                break
            }
            if let merged {
                undoLog?[n - 1] = merged
                return
            }
        }
        undoLog?.append(.tableInsert(root: root, rowid: rowid, previous: previous))
    }

    /// Undo the statement's row changes, newest first. Errors here leave the transaction
    /// as it is (the original error is reported).
    func undoStatement() {
        guard let log = undoLog, !log.isEmpty else { return }
        undoLog = nil
        let tree = context.btree
        for entry in log.reversed() {
            do {
                switch entry {
                case .tableInsert(let root, let rowid, let previous):
                    let c = try tree.tableCursor(root: root, writable: true)
                    if let previous {
                        try c.insert(rowid: rowid, payload: previous)
                    } else if try c.seek(rowid: rowid) == .found {
                        try c.delete()
                    }
                case .tableInsertRun(let root, let first, let last):
                    let c = try tree.tableCursor(root: root, writable: true)
                    for rowid in (first...last).reversed() where try c.seek(rowid: rowid) == .found {
                        try c.delete()
                    }
                case .tableDelete(let root, let rowid, let payload):
                    try tree.tableCursor(root: root, writable: true).insert(rowid: rowid, payload: payload)
                case .indexInsert(let root, let keyInfo, let key):
                    let c = try tree.indexCursor(root: root, writable: true, keyInfo: keyInfo)
                    if try c.seek(key: key) == .found, try c.key().count == key.count { try c.delete() }
                case .indexDelete(let root, let keyInfo, let record):
                    try tree.indexCursor(root: root, writable: true, keyInfo: keyInfo).insert(record: record)
                }
            } catch {
                continue
            }
        }
    }
}
