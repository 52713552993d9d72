// This file implements Database, the public connection type, and its capability levels.
// Layer: L7. Spec: Spec/L7-api.md.
// The error and result-code types live in the base target so every layer throws them; users
// reach them (and the `~=` that lets `case .constraint` match extended codes) through Loom.
@_exported import LoomBase
@_exported import LoomVFS
import LoomPager
import LoomVDBE
import LoomSQL
import LoomSession


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
    let connection: Connection

    /// Opens (creating if needed, unless `capability == .read`) the database at `path`.
    /// Uses `PosixVFS` for files and a private `MemoryVFS` for `:memory:` or an empty path.
    ///
    /// `file:` URIs are understood as SQLite's CLI understands them: `file:data.db`,
    /// `file:data.db?mode=ro` (read-only), `file::memory:` and `file:name?mode=memory` (a
    /// private in-memory database), and `file:name?mode=memory&cache=shared` — an in-memory
    /// database shared by every connection of this process that opens the same name, alive
    /// while one of them is open (see ``init(sharedMemoryNamed:capability:)``).
    public convenience init(path: String = ":memory:", capability: Capability = .admin) throws {
        if let uri = DatabaseURI(path) {
            if uri.isMemory {
                if uri.sharedCache {
                    try self.init(sharedMemoryNamed: uri.path, capability: capability)
                } else {
                    try self.init(path: ":memory:", capability: capability, vfs: MemoryVFS(), inMemory: true, privateMemory: true)
                }
                return
            }
            let level = uri.readOnly ? min(capability, .read) : capability
            try self.init(path: uri.path, capability: level, vfs: PosixVFS(), inMemory: false)
            return
        }
        let inMemory = path == ":memory:" || path.isEmpty
        let vfs: any VFS = inMemory ? MemoryVFS() : PosixVFS()
        try self.init(path: inMemory ? ":memory:" : path, capability: capability, vfs: vfs, inMemory: inMemory,
                      privateMemory: inMemory)
    }

    /// Opens the in-memory database called `name`, shared by every connection of this process
    /// that opens the same name (created empty by the first; gone when the last one closes).
    ///
    /// ```swift
    /// let a = try Database(sharedMemoryNamed: "cache")
    /// let b = try Database(sharedMemoryNamed: "cache")   // same database as `a`
    /// try a.execute("CREATE TABLE t(x)")
    /// try b.execute("INSERT INTO t VALUES (1)")
    /// ```
    /// Corresponds to `sqlite3_open_v2("file:cache?mode=memory&cache=shared", …)`. Unlike
    /// SQLite's shared cache, each connection keeps its own page cache and they lock the whole
    /// database against each other (`busy`, never `SQLITE_LOCKED`); see COMPAT.md.
    public convenience init(sharedMemoryNamed name: String, capability: Capability = .admin) throws {
        let vfs = SharedMemoryDatabases.attach(name)
        do {
            try self.init(path: name, capability: capability, vfs: vfs, inMemory: true)
        } catch {
            SharedMemoryDatabases.detach(name)
            throw error
        }
        sharedMemoryName = name
    }

    /// Opens `path` on the given VFS (for example a `MemoryVFS` shared between connections).
    public convenience init(path: String, capability: Capability = .admin, vfs: any VFS) throws {
        try self.init(path: path, capability: capability, vfs: vfs, inMemory: false)
    }

    private init(path: String, capability: Capability, vfs: any VFS, inMemory: Bool, privateMemory: Bool = false) throws {
        self.path = path
        self.capability = capability
        var options = PagerOptions()
        options.readOnly = capability == .read && !inMemory
        if inMemory { options.journalMode = .memory }
        // A private `:memory:` database (not a shared named one) is memory-resident.
        options.memoryResident = privateMemory
        connection = try Connection(vfs: vfs, path: path, options: options, isInMemory: inMemory)
    }

    /// Runs every statement in `sql`, in order, discarding rows (`sqlite3_exec`).
    public func execute(_ sql: String) throws {
        var offset = 0
        while true {
            let (statement, tail) = try prepareNext(sql, from: offset)
            guard let statement else { return }
            while try statement.step() {}
            offset = tail
        }
    }

    /// Compiles the first statement of `sql`; anything after it other than whitespace,
    /// comments and semicolons makes the call throw `misuse`.
    public func prepare(_ sql: String) throws -> Statement {
        let (statement, tail) = try prepareNext(sql, from: 0)
        guard let statement else { throw DatabaseError(.misuse, "not an SQL statement", sql: sql) }
        if try connection.prepare(sql, from: tail) != nil {
            throw DatabaseError(.misuse, "multiple statements found", sql: sql)
        }
        return statement
    }

    /// Compiles the first statement at or after UTF-8 byte `offset` of `sql`
    /// (`sqlite3_prepare_v2` with its tail): returns the statement, or nil when only
    /// whitespace and comments remain, and the UTF-8 offset just past what it consumed.
    /// Errors carry `offset` (absolute in `sql`) where SQLite reports one.
    public func prepareNext(_ sql: String, from offset: Int) throws -> (statement: Statement?, tail: Int) {
        guard let prepared = try withAuthorizer({ try connection.prepare(sql, from: offset) }) else {
            return (nil, sql.utf8.count)
        }
        let required = try authorize(prepared)
        let vm = connection.makeVM(prepared)
        return (Statement(sql: prepared.sql, vm: vm, kind: prepared.kind, requiredCapability: required,
                          database: self), prepared.end)
    }

    /// Compiles `statement`'s text again against the current schema (after `SQLITE_SCHEMA`).
    fileprivate func recompile(_ statement: Statement) throws -> VM {
        // The program found the schema cookie changed: reload the schema before compiling
        // (the session compiles against its cached schema without checking the cookie).
        connection.context.schemaChanged = true
        guard let prepared = try withAuthorizer({ try connection.prepare(statement.sql, from: 0) }) else {
            throw DatabaseError(.schema, sql: statement.sql)
        }
        _ = try authorize(prepared)
        return connection.makeVM(prepared)
    }

    /// Refuses a statement above this connection's current capability before it runs;
    /// returns the capability the statement needs.
    private func authorize(_ prepared: PreparedStatement) throws -> Capability {
        var needed: Capability
        switch prepared.kind {
        case .select, .transaction: needed = .read
        case .insert, .update, .delete: needed = .write
        case .ddl, .pragma, .other: needed = .admin
        }
        // A read-only program is allowed at any level (EXPLAIN, read-only PRAGMAs).
        if prepared.program.isReadOnly && prepared.kind != .ddl { needed = .read }
        try check(needed, sql: prepared.sql)
        return needed
    }

    /// Throws when `needed` is above the current capability: `readonly` at `.read` (the
    /// connection's own level or inside `DatabaseQueue.read`), `authDenied` otherwise.
    func check(_ needed: Capability, sql: String) throws {
        let current = currentCapability
        guard needed > current else { return }
        if current == .read {
            throw DatabaseError(.readonly, "attempt to write a readonly database", sql: sql)
        }
        throw DatabaseError(.authDenied, "not authorized", sql: sql)
    }

    /// Nesting depth of read-only sections (`DatabaseQueue.read`); above 0 the connection
    /// acts as `.read` whatever its capability.
    var readOnlyDepth = 0

    /// The level statements are checked against now: `.read` inside a read-only section,
    /// the connection's `capability` otherwise.
    public var currentCapability: Capability { readOnlyDepth > 0 ? .read : capability }

    /// Runs `body` with the connection restricted to `.read`: any statement that would write
    /// throws `readonly` before it runs (GRDB's `readOnly(_:)`).
    ///
    /// ```swift
    /// try db.readOnly { try db.execute(sql: "DELETE FROM t") }   // throws .readonly
    /// ```
    public func readOnly<T>(_ body: () throws -> T) rethrows -> T {
        readOnlyDepth += 1
        defer { readOnlyDepth -= 1 }
        return try body()
    }

    /// Observers and hooks (Database+Hooks.swift); nil when none is set.
    var hooks = Hooks()
    /// Finished statement runs by kind (Database+Statistics.swift).
    var statementTimings = StatementTimingTable()
    /// The counters as of the connection's last release to a DatabasePool (guarded by the
    /// pool's mutex; DatabasePool.statistics reads it for connections in use).
    var statisticsAtRelease: RawStatistics?
    /// The authorizer bound while compiling (Database+Authorizer.swift).
    var authorizer: (@Sendable (AuthorizationRequest) -> AuthorizationDecision)?
    /// Prepared statements by SQL text (Database+Fetch.swift).
    var statementCache: [String: Statement] = [:]

    /// All rows of a query, with `arguments` bound to its parameters in order.
    public func queryAll(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> [[DatabaseValue]] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var rows: [[DatabaseValue]] = []
        while try statement.step() { rows.append(statement.row) }
        return rows
    }

    /// The first row of a query, or nil when it returns none.
    public func queryFirstRow(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> [DatabaseValue]? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return nil }
        let row = statement.row
        try statement.reset()
        return row
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
    public var isAutocommit: Bool { connection.context.isAutocommit }
    /// Rows changed by the last INSERT/UPDATE/DELETE (`sqlite3_changes64`).
    public var changes: Int { connection.context.changes }
    /// Rows changed since the connection opened (`sqlite3_total_changes64`).
    public var totalChanges: Int { connection.context.totalChanges }
    /// The rowid of the last successful INSERT (`sqlite3_last_insert_rowid`).
    public var lastInsertRowID: Int64 { connection.context.lastInsertRowID }

    /// Whether `sql` ends a complete statement (`sqlite3_complete`): the shell uses it to
    /// know when to stop reading lines.
    public static func isComplete(_ sql: String) -> Bool { SQLText.isComplete(sql) }

    /// Closes the connection, rolling back any open transaction. Further use throws `misuse`.
    public func close() throws {
        statementCache.removeAll()
        let wasWriting = connection.context.transactionState == .write
        defer { releaseSharedMemory() }
        try connection.close()
        if wasWriting { hooks.rollback?() }
    }

    /// The name of the shared in-memory database this connection uses (nil for others).
    var sharedMemoryName: String?

    private func releaseSharedMemory() {
        guard let name = sharedMemoryName else { return }
        sharedMemoryName = nil
        SharedMemoryDatabases.detach(name)
    }

    deinit {
        if sharedMemoryName != nil {
            try? connection.close()
            releaseSharedMemory()
        }
    }
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
    private(set) var vm: VM {
        didSet { shape = Shape(vm) }
    }
    /// Column count and EXPLAIN mode of `vm`'s program, read once per program (the shell
    /// asks for them several times per statement; each read went through the program box).
    private var shape: Shape
    private struct Shape {
        let columnCount: Int
        let explainMode: Int
        init(_ vm: VM) {
            let program = vm.program
            columnCount = vm.columnCount
            explainMode = program.isExplain ? 1 : program.isQueryPlan ? 2 : 0
        }
    }
    let kind: StatementKind
    /// The least capability that may run it (checked again at each run, since a cached
    /// statement may run inside a read-only section).
    let requiredCapability: Capability
    /// True between a step that returned a row and the end of the run (or a reset).
    private(set) var isActive = false
    /// State of the current run for hooks and trace: the transaction state before its first
    /// step, when it started, and the rows it returned (nil when no run is in progress).
    private var run: RunState?
    /// The row layout built for the current column names (Database+Fetch.swift).
    var cachedLayout: RowLayout?
    /// How many records the last record fetch of this statement returned (its next one
    /// reserves that much; Database+Fetch.swift).
    @usableFromInline var recordCountHint = 0
    /// The connection it runs on (kept alive by the statement, as GRDB's statements do).
    private let database: Database
    /// Values bound so far, by parameter number, so a re-prepared program gets them again.
    private var bindings: [Int: DatabaseValue] = [:]
    /// True once a step since the last reset returned a row (then no re-prepare).
    private var hasProducedRow = false
    /// The connection's flag-PRAGMA generation the program was compiled at: a run that
    /// starts at another one compiles the statement again (SQLite expires statements when
    /// such a flag changes).
    private var flagsGeneration: UInt64

    /// SQLite retries a statement whose schema changed under it up to this many times
    /// (`SQLITE_MAX_SCHEMA_RETRY`).
    static let maxSchemaRetries = 25

    init(sql: String, vm: VM, kind: StatementKind, requiredCapability: Capability, database: Database) {
        self.sql = sql
        self.vm = vm
        shape = Shape(vm)
        self.kind = kind
        self.requiredCapability = requiredCapability
        self.database = database
        flagsGeneration = database.connection.context.flagsGeneration
    }

    /// A statement released in the middle of a run ends that run, as `sqlite3_finalize`
    /// does: otherwise it would count as running forever and keep the connection's
    /// transaction (a read snapshot) open after COMMIT.
    deinit {
        if isActive { vm.reset() }
    }

    /// Result columns (`sqlite3_column_count`).
    public var columnCount: Int { shape.columnCount }
    /// Result column names as SQLite names them (`sqlite3_column_name`).
    public var columnNames: [String] { vm.columnNames }
    /// The declared type of each result column (`sqlite3_column_decltype`): the type a
    /// table column was declared with, nil for an expression or an untyped column.
    ///
    /// ```swift
    /// let stmt = try db.prepare("SELECT name, score + 1 FROM player")
    /// stmt.columnDeclaredTypes   // ["TEXT", nil]
    /// ```
    public var columnDeclaredTypes: [String?] {
        let types = vm.program.columnDeclaredTypes
        return types.count == columnCount ? types : Array(repeating: nil, count: columnCount)
    }
    /// True when the statement cannot write the database (`sqlite3_stmt_readonly`).
    public var isReadOnly: Bool { vm.program.isReadOnly }
    /// Number of parameters (`sqlite3_bind_parameter_count`).
    public var parameterCount: Int { vm.program.parameterCount }
    /// The `EXPLAIN` setting: 0 none, 1 `EXPLAIN`, 2 `EXPLAIN QUERY PLAN` (`sqlite3_stmt_isexplain`).
    public var explainMode: Int { shape.explainMode }

    /// Binds `value` to parameter `index` (1-based). Throws `range`.
    public func bind(_ value: DatabaseValue, at index: Int) throws {
        try vm.bind(value.engineValue, at: index)
        bindings[index] = value
    }
    /// Binds `values` to parameters 1... in order.
    public func bind(_ values: [DatabaseValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: i + 1) }
    }
    /// Binds `value` to the parameter called `name`, prefix included (`":id"`, `"@id"`,
    /// `"$id"`, `"?3"`). Throws `range` when the statement has no such parameter.
    ///
    /// ```swift
    /// let stmt = try db.prepare("SELECT * FROM t WHERE id = :id")
    /// try stmt.bind(.integer(7), named: ":id")
    /// ```
    /// Corresponds to `sqlite3_bind_parameter_index` followed by `sqlite3_bind_*`.
    public func bind(_ value: DatabaseValue, named name: String) throws {
        guard let index = vm.program.parameterIndex(named: name) else {
            throw DatabaseError(.range, "column index out of range", sql: sql)
        }
        try bind(value, at: index)
    }
    /// The name of parameter `index` (1-based) with its prefix, or nil for a plain `?`
    /// (`sqlite3_bind_parameter_name`).
    public func parameterName(at index: Int) -> String? {
        let names = vm.program.parameterNames
        guard index >= 1, index <= names.count else { return nil }
        return names[index - 1]
    }
    /// Runs to the next row. Returns true when a row is available, false when done.
    ///
    /// A statement that is done rewinds itself on the next call, as `sqlite3_step` does. When
    /// the schema changed since it was compiled (`SQLITE_SCHEMA`) and it has not produced a
    /// row yet, it is compiled again and rerun with the same bindings, as `sqlite3_step` does
    /// for statements from `sqlite3_prepare_v2`.
    public func step() throws -> Bool {
        if vm.isDone { try reset() }
        if run == nil {
            if flagsGeneration != database.connection.context.flagsGeneration && !hasProducedRow {
                try recompile()
            }
            try database.check(requiredCapability, sql: sql)
            run = database.beginRun()
        }
        var retries = 0
        while true {
            do {
                let hasRow = try vm.step()
                if hasRow {
                    hasProducedRow = true
                    isActive = true
                    run?.rows += 1
                } else {
                    endRun(error: nil)
                }
                return hasRow
            } catch var error as DatabaseError {
                if case .schema = error.code, !hasProducedRow, retries < Self.maxSchemaRetries {
                    retries += 1
                    try recompile()
                    continue
                }
                if error.sql == nil { error.sql = sql }
                endRun(error: error)
                throw error
            }
        }
    }

    /// Ends the current run: hooks for a transaction it ended, the trace event.
    private func endRun(error: DatabaseError?) {
        isActive = false
        guard let finished = run else { return }
        run = nil
        database.endRun(finished, statement: self, error: error)
    }

    private func recompile() throws {
        flagsGeneration = database.connection.context.flagsGeneration
        let fresh = try database.recompile(self)
        for (index, value) in bindings where index <= fresh.program.parameterCount {
            try fresh.bind(value.engineValue, at: index)
        }
        vm = fresh
    }

    /// Column `index` (0-based) of the current row.
    public func column(_ index: Int) -> DatabaseValue { DatabaseValue(vm.column(index)) }
    /// All columns of the current row.
    public var row: [DatabaseValue] { (0..<columnCount).map(column) }
    /// Rewinds to run again; bindings stay (`sqlite3_reset`).
    public func reset() throws {
        vm.reset()
        hasProducedRow = false
        if run != nil { endRun(error: nil) }
    }
    /// Sets every parameter to NULL (`sqlite3_clear_bindings`).
    public func clearBindings() {
        vm.clearBindings()
        bindings.removeAll()
    }
}
