// This file implements snapshot reads without statements: the effect of `BEGIN DEFERRED`
// followed by a read of `main` (which starts the snapshot) and of the `COMMIT` that ends it,
// for DatabasePool.read. Layer: L6. Spec: Spec/L6-session.md (§Snapshot reads).
import LoomBase
import LoomVDBE

extension Connection {
    /// Opens an explicit read transaction on `main` now, as `BEGIN DEFERRED` followed by
    /// `SELECT 1 FROM sqlite_schema LIMIT 1` would, without compiling or running either: the
    /// connection leaves autocommit mode, the read snapshot is taken (waiting through the
    /// busy handler like any read) and the cached schema is checked against the snapshot's
    /// schema cookie (reloaded when it changed). Throws `error` ("cannot start a transaction
    /// within a transaction") outside autocommit mode; on any failure nothing stays open.
    package func beginSnapshotRead() throws {
        try checkOpen()
        guard context.isAutocommit else {
            throw DatabaseError(.error, "cannot start a transaction within a transaction")
        }
        guard let main = context.databases.first ?? nil else { throw DatabaseError(.misuse) }
        if main.transactionState == .none {
            try btree.beginTransaction(write: false)
            main.transactionState = .read
            context.refreshTransactionState()
        }
        context.isAutocommit = false
        do {
            _ = try currentSchema()
        } catch {
            context.isAutocommit = true
            context.rollbackAll()
            throw error
        }
    }

    /// Ends the transaction `beginSnapshotRead` opened, as `COMMIT` does: back to autocommit,
    /// and the transaction ends once no statement is running (a statement left in the middle
    /// of a run keeps it open until it is reset, as it keeps SQLite's). Does nothing when the
    /// connection is already in autocommit mode (the transaction was ended meanwhile).
    /// Throws what a commit of a write (made meanwhile by the caller's statements) throws.
    package func endSnapshotRead() throws {
        guard !context.isAutocommit else { return }
        try context.leaveTransactionForCommit(ownWriters: 0)
        guard context.activeStatementCount == 0, context.transactionState != .none else { return }
        try context.commitAll()
    }
}
