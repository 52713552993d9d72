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
    /// New rowids `first ... last` inserted one after another into one table (an INSERT …
    /// SELECT appending 1M rows is one entry, not 1M: the log held ~36 MiB in micro_c).
    case tableInsertRun(database: Int, root: PageNumber, first: Int64, last: Int64)
    case tableDelete(database: Int, root: PageNumber, rowid: Int64, payload: [UInt8])
    /// An index insert of a key that was not present: the inserted record, decoded only if
    /// the statement is undone (a decode per inserted entry, with its arrays and strings, was
    /// a tenth of a bulk INSERT's instructions inside BEGIN … COMMIT).
    case indexInsert(database: Int, root: PageNumber, keyInfo: KeyInfo, record: [UInt8])
    case indexDelete(database: Int, root: PageNumber, keyInfo: KeyInfo, record: [UInt8])
}

extension VM {
    /// Logs a table insert, merging a new rowid that follows the previous new rowid of the
    /// same table into one run.
    func logTableInsert(database: Int, root: PageNumber, rowid: Int64, previous: [UInt8]?) {
        if previous == nil, let n = undoLog?.count, n > 0, let last = undoLog?[n - 1] {
            var merged: UndoEntry? = nil
            switch last {
            case .tableInsert(let d, let r, let prior, nil) where d == database && r == root && prior != Int64.max && rowid == prior + 1:
                merged = .tableInsertRun(database: database, root: root, first: prior, last: rowid)
            case .tableInsertRun(let d, let r, let first, let prior) where d == database && r == root && prior != Int64.max && rowid == prior + 1:
                merged = .tableInsertRun(database: database, root: root, first: first, last: rowid)
            default:
                break
            }
            if let merged {
                undoLog?[n - 1] = merged
                return
            }
        }
        undoLog?.append(.tableInsert(database: database, root: root, rowid: rowid, previous: previous))
    }

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
                case .tableInsertRun(let db, let root, let first, let last):
                    let c = try context.tree(db).tableCursor(root: root, writable: true)
                    for rowid in (first...last).reversed() where try c.seek(rowid: rowid) == .found {
                        try c.delete()
                    }
                case .tableDelete(let db, let root, let rowid, let payload):
                    try context.tree(db).tableCursor(root: root, writable: true).insert(rowid: rowid, payload: payload)
                case .indexInsert(let db, let root, let keyInfo, let record):
                    let key = try RecordCodec.decode(record)
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
