// This file implements Database, the public connection type, and its capability levels.
// Layer: L7. Spec: Spec/L7-api.md.
import LoomBase
import LoomVFS
import LoomSession

public typealias DatabaseError = LoomBase.DatabaseError
public typealias ResultCode = LoomBase.ResultCode

/// What a connection may do. Each level includes the ones below it.
///
/// ```swift
/// let db = try Database(path: "app.db", capability: .read)
/// try db.execute("DELETE FROM t")   // throws DatabaseError with code .readonly
/// ```
public enum Capability: Int, Comparable, Sendable {
    /// SELECT only (and read-only PRAGMAs).
    case read = 0
    /// Plus INSERT, UPDATE, DELETE and transactions.
    case write = 1
    /// Plus CREATE, DROP, ALTER and every other statement.
    case admin = 2
    public static func < (a: Capability, b: Capability) -> Bool { a.rawValue < b.rawValue }
}

/// A connection to one SQLite database: `:memory:` or a file.
///
/// ```swift
/// let db = try Database()                       // :memory:, admin
/// try db.execute("CREATE TABLE t(a); INSERT INTO t VALUES(1)")
/// let rows = try db.queryAll("SELECT a FROM t") // [[.integer(1)]]
/// ```
/// Corresponds to SQLite's `sqlite3` handle (`sqlite3_open_v2` … `sqlite3_close`).
/// A `Database` is used from one thread at a time.
public final class Database {
    /// The path it was opened with (`:memory:` for an in-memory database).
    public let path: String
    public let capability: Capability

    /// Opens (creating if needed, unless `capability == .read`) the database at `path`.
    /// Uses `PosixVFS` for files and a private `MemoryVFS` for `:memory:` or an empty path.
    public init(path: String = ":memory:", capability: Capability = .admin) throws {
        self.path = path
        self.capability = capability
        throw DatabaseError(.misuse, "not implemented")
    }

    /// Opens `path` on the given VFS (for example a `MemoryVFS` shared between connections).
    public init(path: String, capability: Capability = .admin, vfs: any VFS) throws {
        self.path = path
        self.capability = capability
        throw DatabaseError(.misuse, "not implemented")
    }

    /// Runs every statement in `sql`, in order, discarding rows (`sqlite3_exec`).
    public func execute(_ sql: String) throws { throw DatabaseError(.misuse, "not implemented") }

    /// Compiles the first statement of `sql`; the rest must be empty (whitespace, comments,
    /// semicolons) or the call throws `misuse`.
    public func prepare(_ sql: String) throws -> Statement { throw DatabaseError(.misuse, "not implemented") }

    /// Compiles the first statement at or after UTF-8 byte `offset` of `sql`
    /// (`sqlite3_prepare_v2` with its tail): returns the statement, or nil when only
    /// whitespace and comments remain, and the UTF-8 offset just past what it consumed.
    /// Errors carry `offset` (absolute in `sql`) where SQLite reports one.
    public func prepareNext(_ sql: String, from offset: Int) throws -> (statement: Statement?, tail: Int) {
        throw DatabaseError(.misuse, "not implemented")
    }

    /// All rows of a query, with `arguments` bound to its parameters in order.
    public func queryAll(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> [[DatabaseValue]] {
        throw DatabaseError(.misuse, "not implemented")
    }

    /// The first row of a query, or nil when it returns none.
    public func queryFirstRow(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> [DatabaseValue]? {
        throw DatabaseError(.misuse, "not implemented")
    }

    /// `BEGIN` (deferred).
    public func begin() throws { try execute("BEGIN") }
    /// `BEGIN IMMEDIATE`.
    public func beginImmediate() throws { try execute("BEGIN IMMEDIATE") }
    /// `COMMIT`.
    public func commit() throws { try execute("COMMIT") }
    /// `ROLLBACK`.
    public func rollback() throws { try execute("ROLLBACK") }

    /// True outside an explicit transaction (`sqlite3_get_autocommit`).
    public var isAutocommit: Bool { true }
    /// Rows changed by the last INSERT/UPDATE/DELETE (`sqlite3_changes64`).
    public var changes: Int { 0 }
    /// Rows changed since the connection opened (`sqlite3_total_changes64`).
    public var totalChanges: Int { 0 }
    /// The rowid of the last successful INSERT (`sqlite3_last_insert_rowid`).
    public var lastInsertRowID: Int64 { 0 }

    /// Whether `sql` ends a complete statement (`sqlite3_complete`): the shell uses it to
    /// know when to stop reading lines.
    public static func isComplete(_ sql: String) -> Bool { false }

    /// Closes the connection, rolling back any open transaction. Further use throws `misuse`.
    public func close() throws {}
}

/// A compiled statement.
///
/// ```swift
/// let stmt = try db.prepare("SELECT name FROM player WHERE score > ?")
/// try stmt.bind([.integer(50)])
/// while try stmt.step() { print(stmt.column(0)) }
/// ```
/// Corresponds to SQLite's `sqlite3_stmt`.
public final class Statement {
    /// The text of this statement (without the tail).
    public let sql: String
    init(sql: String) { self.sql = sql }

    /// Result columns (`sqlite3_column_count`).
    public var columnCount: Int { 0 }
    /// Result column names as SQLite names them (`sqlite3_column_name`).
    public var columnNames: [String] { [] }
    /// True when the statement cannot write the database (`sqlite3_stmt_readonly`).
    public var isReadOnly: Bool { true }
    /// Number of parameters (`sqlite3_bind_parameter_count`).
    public var parameterCount: Int { 0 }
    /// The `EXPLAIN` setting: 0 none, 1 `EXPLAIN`, 2 `EXPLAIN QUERY PLAN` (`sqlite3_stmt_isexplain`).
    public var explainMode: Int { 0 }

    /// Binds `value` to parameter `index` (1-based). Throws `range`.
    public func bind(_ value: DatabaseValue, at index: Int) throws {}
    /// Binds `values` to parameters 1... in order.
    public func bind(_ values: [DatabaseValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: i + 1) }
    }
    /// Runs to the next row. Returns true when a row is available, false when done.
    public func step() throws -> Bool { false }
    /// Column `index` (0-based) of the current row.
    public func column(_ index: Int) -> DatabaseValue { .null }
    /// All columns of the current row.
    public var row: [DatabaseValue] { (0..<columnCount).map(column) }
    /// Rewinds to run again; bindings stay (`sqlite3_reset`).
    public func reset() throws {}
    /// Sets every parameter to NULL (`sqlite3_clear_bindings`).
    public func clearBindings() {}
}
