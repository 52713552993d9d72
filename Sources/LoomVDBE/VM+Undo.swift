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
    case tableDelete(root: PageNumber, rowid: Int64, payload: [UInt8])
    /// An index insert of a key that was not present.
    case indexInsert(root: PageNumber, keyInfo: KeyInfo, key: [Value])
    case indexDelete(root: PageNumber, keyInfo: KeyInfo, record: [UInt8])
}

extension VM {
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
