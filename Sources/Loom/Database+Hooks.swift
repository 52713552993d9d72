// This file implements the connection's hooks: commit, rollback and update hooks and the
// trace hook (each statement's SQL, duration and rows). They are observed at L7, where every statement
// run starts and ends. Layer: L7. Spec: Spec/L7-api.md §Hooks.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One finished statement run, as the trace hook sees it.
///
/// ```swift
/// db.trace { event in print("\(event.sql) \(event.duration) \(event.rowCount) rows") }
/// ```
/// Corresponds to SQLite's `sqlite3_trace_v2` with `SQLITE_TRACE_PROFILE`, plus the row count.
public struct TraceEvent: Sendable {
    /// The statement's SQL text.
    public let sql: String
    /// Time from its first step to its end (done, error or reset).
    public let duration: Duration
    /// Rows it returned.
    public let rowCount: Int
    /// Rows it changed (INSERT/UPDATE/DELETE; 0 otherwise).
    public let changes: Int
    /// The error that ended it, if any.
    public let error: DatabaseError?
}

/// One row changed by an INSERT, UPDATE or DELETE, as the update hook sees it.
///
/// ```swift
/// db.updateHook { event in
///     print(event.kind, event.databaseName, event.tableName, event.rowID)   // insert main player 1
/// }
/// ```
/// Corresponds to the arguments of SQLite's `sqlite3_update_hook` callback.
public struct DatabaseEvent: Sendable, Equatable {
    /// What happened to the row.
    public enum Kind: Sendable, Equatable {
        /// `SQLITE_INSERT` (18).
        case insert
        /// `SQLITE_UPDATE` (23).
        case update
        /// `SQLITE_DELETE` (9).
        case delete
    }
    public let kind: Kind
    /// `main`, `temp`, or the name of an attached database.
    public let databaseName: String
    public let tableName: String
    /// The row's rowid (after the change, for an UPDATE).
    public let rowID: Int64

    public init(kind: Kind, databaseName: String, tableName: String, rowID: Int64) {
        self.kind = kind
        self.databaseName = databaseName
        self.tableName = tableName
        self.rowID = rowID
    }
}

/// The hooks set on one connection.
struct Hooks {
    var commit: (() -> Void)?
    var rollback: (() -> Void)?
    var trace: ((TraceEvent) -> Void)?
}

/// What a statement remembers about its current run.
struct RunState {
    /// The write transaction was open before the run started.
    var wasWriting: Bool
    /// When it started, in nanoseconds of the monotonic clock. (Not a ContinuousClock.Instant:
    /// that type's layout is resilient, so every copy of a RunState was value-witness calls,
    /// ~400 instructions per statement.)
    var start: Int64
    var rows = 0

    /// The monotonic clock (CLOCK_MONOTONIC), in nanoseconds.
    static func now() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) &* 1_000_000_000 &+ Int64(t.tv_nsec)
    }
}

extension Database {
    /// Sets (or with nil removes) the hook called after each transaction commits, explicit
    /// (`COMMIT`, `DatabaseQueue.write`) or implicit (a write statement in autocommit mode).
    ///
    /// ```swift
    /// var commits = 0
    /// db.commitHook { commits += 1 }
    /// ```
    /// Corresponds to SQLite's `sqlite3_commit_hook`, but runs after the commit and cannot
    /// turn it into a rollback.
    public func commitHook(_ hook: (() -> Void)?) { hooks.commit = hook }

    /// Sets (or removes) the hook called after a write transaction rolls back: `ROLLBACK`, a
    /// failed autocommit statement, a `DatabaseQueue.write` whose closure threw, or closing
    /// the connection with a transaction open.
    ///
    /// ```swift
    /// db.rollbackHook { print("rolled back") }
    /// ```
    /// Corresponds to SQLite's `sqlite3_rollback_hook`.
    public func rollbackHook(_ hook: (() -> Void)?) { hooks.rollback = hook }

    /// Sets (or removes) the trace hook, called when each statement run ends.
    ///
    /// ```swift
    /// db.trace { event in log.append("\(event.sql) took \(event.duration)") }
    /// ```
    /// Corresponds to SQLite's `sqlite3_trace_v2` (`SQLITE_TRACE_PROFILE`).
    public func trace(_ hook: ((TraceEvent) -> Void)?) { hooks.trace = hook }

    /// Sets (or with nil removes) the hook called for each row an INSERT, UPDATE or DELETE
    /// writes to a rowid table, including rows written by triggers and by foreign-key actions.
    ///
    /// ```swift
    /// var changed: [DatabaseEvent] = []
    /// db.updateHook { changed.append($0) }
    /// try db.execute(sql: "INSERT INTO player(name) VALUES ('Arthur')")
    /// // changed == [DatabaseEvent(kind: .insert, databaseName: "main", tableName: "player", rowID: 1)]
    /// ```
    /// As SQLite's, it is not called for WITHOUT ROWID tables, internal tables
    /// (`sqlite_sequence`, the schema), rows REPLACE deletes on a conflict, virtual tables, or
    /// a `DELETE` without WHERE that empties the table in one step (the truncate
    /// optimization; add `WHERE true` to see each row). It runs while the statement runs,
    /// before the transaction commits, and must not use the connection.
    /// Corresponds to SQLite's `sqlite3_update_hook`.
    public func updateHook(_ hook: ((DatabaseEvent) -> Void)?) {
        guard let hook else {
            connection.setUpdateHook(nil)
            return
        }
        connection.setUpdateHook { change in
            let kind: DatabaseEvent.Kind
            switch change.kind {
            case .insert: kind = .insert
            case .update: kind = .update
            case .delete: kind = .delete
            }
            hook(DatabaseEvent(kind: kind, databaseName: change.database, tableName: change.table, rowID: change.rowid))
        }
    }

    /// Called at a statement's first step.
    func beginRun() -> RunState {
        RunState(wasWriting: connection.context.transactionState == .write, start: RunState.now())
    }

    /// Called when a statement's run ends (done, error or reset).
    func endRun(_ run: RunState, statement: Statement, error: DatabaseError?) {
        let duration = Duration.nanoseconds(max(RunState.now() &- run.start, 0))
        recordRun(statement.kind, duration: duration)
        if let trace = hooks.trace {
            let changed = statement.isReadOnly ? 0 : changes
            trace(TraceEvent(sql: statement.sql, duration: duration, rowCount: run.rows,
                             changes: changed, error: error))
        }
        guard hooks.commit != nil || hooks.rollback != nil else { return }
        // Only a run that leaves no transaction open can have ended one.
        guard connection.context.transactionState == .none, connection.context.isAutocommit else { return }
        guard run.wasWriting || !statement.isReadOnly else { return }
        if error != nil || statement.isRollback {
            hooks.rollback?()
        } else {
            hooks.commit?()
        }
    }
}

extension Statement {
    /// True for `ROLLBACK` (not `ROLLBACK TO`, which leaves the transaction open anyway).
    var isRollback: Bool {
        guard kind == .transaction else { return false }
        let head = sql.utf8.drop { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }.prefix(8)
        return String(decoding: head, as: UTF8.self).asciiFolded == "rollback"
    }
}
