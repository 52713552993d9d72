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
    case tableInsert(database: Int, root: PageNumber, rowid: Int64, previous: [UInt8]?)
    case tableDelete(database: Int, root: PageNumber, rowid: Int64, payload: [UInt8])
    /// An index insert of a key that was not present.
    case indexInsert(database: Int, root: PageNumber, keyInfo: KeyInfo, key: [Value])
    case indexDelete(database: Int, root: PageNumber, keyInfo: KeyInfo, record: [UInt8])
}

extension VM {
    /// Undo the statement's row changes, newest first. Errors here leave the transaction
    /// as it is (the original error is reported).
    func undoStatement() {
        guard let log = undoLog, !log.isEmpty else { return }
        undoLog = nil
        for entry in log.reversed() {
            do {
                switch entry {
                case .tableInsert(let db, let root, let rowid, let previous):
                    let c = try context.tree(db).tableCursor(root: root, writable: true)
                    if let previous {
                        try c.insert(rowid: rowid, payload: previous)
                    } else if try c.seek(rowid: rowid) == .found {
                        try c.delete()
                    }
                case .tableDelete(let db, let root, let rowid, let payload):
                    try context.tree(db).tableCursor(root: root, writable: true).insert(rowid: rowid, payload: payload)
                case .indexInsert(let db, let root, let keyInfo, let key):
                    let c = try context.tree(db).indexCursor(root: root, writable: true, keyInfo: keyInfo)
                    if try c.seek(key: key) == .found, try c.key().count == key.count { try c.delete() }
                case .indexDelete(let db, let root, let keyInfo, let record):
                    try context.tree(db).indexCursor(root: root, writable: true, keyInfo: keyInfo).insert(record: record)
                }
            } catch {
                continue
            }
        }
    }
}

extension VM {
    /// Opens this statement's savepoint on `tree` (its write transaction just began or the
    /// statement is the first to write it), one above the user's savepoints.
    func openStatementSavepoint(on tree: BTree) {
        guard var trees = statementSavepointTrees, !trees.contains(where: { $0 === tree }) else { return }
        tree.openSavepoint()
        trees.append(tree)
        statementSavepointTrees = trees
    }

    /// Ends the statement savepoint: rolled back (a failed DDL statement inside an explicit
    /// transaction) or released. A transaction that already ended has none left.
    func endStatementSavepoint(rollback: Bool) {
        guard let trees = statementSavepointTrees else { return }
        statementSavepointTrees = nil
        let index = context.savepoints.count
        for tree in trees where tree.pager.savepointCount > index {
            if rollback {
                try? tree.rollbackToSavepoint(index)
                context.schemaChanged = true
            }
            tree.releaseSavepoint(index)
        }
    }
}
