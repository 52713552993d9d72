// This file implements the virtual-table protocol: modules (create/connect), tables
// (declared schema, bestIndex, open, update, transaction hooks, rename, destroy) and cursors
// (filter, next, eof, column, rowid), plus the host through which a module runs SQL on its
// owning connection. Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord

/// Runs SQL on the connection that owns a virtual table (L6's `Connection` implements it).
/// Modules keeping state in shadow tables (FTS5) use it from any of their callbacks; the
/// statements run nested inside the statement that called the module, in its transaction.
///
/// ```swift
/// try host.execute("INSERT INTO t_data(id, block) VALUES (?, ?)", [.integer(1), .blob(b)])
/// let rows = try host.query("SELECT block FROM t_data WHERE id = ?", [.integer(1)])
/// ```
/// Corresponds to `sqlite3_exec` / `sqlite3_prepare_v2` on the `sqlite3*` handed to xCreate.
package protocol VirtualTableHost: AnyObject {
    /// Runs every statement of `sql` (parameters `?1…` bound to `arguments`, for the last
    /// statement only when there are several), discarding rows.
    func execute(_ sql: String, _ arguments: [Value]) throws
    /// Runs one statement and returns its rows.
    func query(_ sql: String, _ arguments: [Value]) throws -> [[Value]]
    /// Runs `body` keeping `last_insert_rowid()` as it was: FTS5 writes its pending data so
    /// at sync and savepoints (sqlite3's fts5 StorageSync); other nested writes change it.
    func keepingLastInsertRowid(_ body: () throws -> Void) throws
}

extension VirtualTableHost {
    package func keepingLastInsertRowid(_ body: () throws -> Void) throws { try body() }
    package func execute(_ sql: String) throws { try execute(sql, []) }
    package func query(_ sql: String) throws -> [[Value]] { try query(sql, []) }
}

/// What xCreate / xConnect receive: SQLite's argv (module name, schema name, table name,
/// then the module arguments as written), and the host connection.
package struct VirtualTableContext {
    package var moduleName: String
    /// "main" (or the schema the table lives in; "main" for table-valued functions).
    package var schemaName: String
    package var tableName: String
    /// The arguments between the parentheses of `USING module(…)`, each as written
    /// (trimmed); empty for eponymous tables.
    package var arguments: [String]
    package var host: any VirtualTableHost
    package init(moduleName: String, schemaName: String, tableName: String, arguments: [String],
                 host: any VirtualTableHost) {
        self.moduleName = moduleName
        self.schemaName = schemaName
        self.tableName = tableName
        self.arguments = arguments
        self.host = host
    }
}

/// A virtual-table module, registered on a connection under a name.
///
/// ```swift
/// final class Series: VirtualTableModule {
///     var kind: VirtualTableModuleKind { .eponymousOnly }
///     func connect(_ context: VirtualTableContext) throws -> any VirtualTable { SeriesTable() }
/// }
/// ```
/// Corresponds to SQLite's `sqlite3_module` (`xCreate`, `xConnect`).
package protocol VirtualTableModule: AnyObject {
    /// Whether the module has an eponymous table and whether CREATE VIRTUAL TABLE may use it.
    var kind: VirtualTableModuleKind { get }
    /// xCreate: a new table is made by CREATE VIRTUAL TABLE (shadow tables are made here).
    /// The default is `connect` (SQLite modules whose xCreate == xConnect).
    func create(_ context: VirtualTableContext) throws -> any VirtualTable
    /// xConnect: attach to a table that already exists (the schema was loaded, or the
    /// eponymous table is used).
    func connect(_ context: VirtualTableContext) throws -> any VirtualTable
}

/// SQLite's three shapes of module.
package enum VirtualTableModuleKind: Sendable, Equatable {
    /// Only through CREATE VIRTUAL TABLE (xCreate ≠ xConnect, e.g. FTS5).
    case ordinary
    /// CREATE VIRTUAL TABLE works, and the module's name is also a table (xCreate == xConnect).
    case eponymous
    /// Only as the module's own table / table-valued function (xCreate == NULL: json_each,
    /// generate_series, pragma_*). CREATE VIRTUAL TABLE says "no such module".
    case eponymousOnly
}

extension VirtualTableModule {
    package func create(_ context: VirtualTableContext) throws -> any VirtualTable { try connect(context) }
}

/// One connected virtual table.
///
/// Corresponds to SQLite's `sqlite3_vtab` with the table methods of `sqlite3_module`.
package protocol VirtualTable: AnyObject {
    /// The `CREATE TABLE x(…)` text declaring the columns (`sqlite3_declare_vtab`); column
    /// types may carry the word HIDDEN. The table name in it is ignored.
    var declaredSchema: String { get }
    /// xBestIndex: read `info.constraints` / `orderBy` / `columnsUsed`, fill the outputs.
    /// Throwing `VirtualTableConstraintError` (SQLITE_CONSTRAINT) marks the plan unusable.
    func bestIndex(_ info: inout IndexInfo) throws
    /// xOpen.
    func open() throws -> any VirtualTableCursor
    /// xUpdate with SQLite's argv: `arguments[0]` the old rowid (NULL for INSERT),
    /// `arguments[1]` the new rowid (NULL: the module picks one), then one value per declared
    /// column (hidden ones included). One argument alone is a DELETE of that rowid.
    /// Returns the rowid of an inserted row (nil: the module has none to report).
    /// The default throws "table X may not be modified" (a read-only module).
    func update(_ arguments: [Value]) throws -> Int64?
    /// xUpdate knowing the statement's conflict mode (SQLite's `sqlite3_vtab_on_conflict`,
    /// e.g. `.replace` for INSERT OR REPLACE). The default calls `update(_:)`.
    func update(_ arguments: [Value], onConflict: ConflictAction) throws -> Int64?
    /// Transaction hooks (xBegin, xSync, xCommit, xRollback): begin before the first write
    /// of a transaction, sync then commit when it commits, rollback when it rolls back.
    func begin() throws
    func sync() throws
    func commit() throws
    func rollback() throws
    /// xSavepoint / xRelease / xRollbackTo with the savepoint level (SAVEPOINT, RELEASE,
    /// ROLLBACK TO).
    func savepoint(_ level: Int) throws
    func release(_ level: Int) throws
    func rollbackTo(_ level: Int) throws
    /// The statement savepoint (level = open user savepoints): a statement inside a
    /// transaction is about to write this table; `endStatement` when it ends, rolled back
    /// when it failed. Defaults: `savepoint(level)`, then `rollbackTo` or `release`.
    func beginStatement(_ level: Int) throws
    func endStatement(_ level: Int, rollback: Bool) throws
    /// xRename (ALTER TABLE … RENAME TO). Default: nothing to do.
    func rename(to newName: String) throws
    /// xDestroy (DROP TABLE): delete shadow tables. Default: `disconnect()`.
    func destroy() throws
    /// xDisconnect: the connection forgets the table (schema reload, close).
    func disconnect()
    /// Whether `xUpdate` exists: false makes INSERT/UPDATE/DELETE fail at prepare with
    /// "table X may not be modified".
    var isWritable: Bool { get }
    /// Whether `column(i)` of this table returns a value with SQLite's JSON subtype
    /// (json_each's value/json columns for containers). Default false.
    func columnIsJSON(_ column: Int, cursor: any VirtualTableCursor) -> Bool
    /// xFindFunction, asked at prepare time when a call of function `name` (already known to
    /// the connection) with `argumentCount` arguments has a column of this table as its
    /// left-most argument (the left operand of `x MATCH y`, `x LIKE y`, `x REGEXP y`; else
    /// the first argument): an implementation to use instead, or nil (the default) for none.
    func findFunction(named name: String, argumentCount: Int) -> FunctionDefinition?
    /// The constraint operator (`ConstraintOperator.isFunction`: raw value 150…255) under which
    /// a WHERE term `name(col, expr)` of this table's overload of the 2-argument function
    /// `name` is offered to bestIndex (xFindFunction returning ≥ SQLITE_INDEX_CONSTRAINT_FUNCTION);
    /// nil (the default): the call is not a constraint. Only asked when `findFunction`
    /// returned an overload.
    func findFunctionConstraint(named name: String, argumentCount: Int) -> ConstraintOperator?
}

extension VirtualTable {
    package func update(_ arguments: [Value]) throws -> Int64? {
        throw DatabaseError(.error, "table may not be modified")
    }
    package func update(_ arguments: [Value], onConflict: ConflictAction) throws -> Int64? {
        try update(arguments)
    }
    package var isWritable: Bool { false }
    package func begin() throws {}
    package func sync() throws {}
    package func commit() throws {}
    package func rollback() throws {}
    package func savepoint(_ level: Int) throws {}
    package func release(_ level: Int) throws {}
    package func rollbackTo(_ level: Int) throws {}
    package func beginStatement(_ level: Int) throws { try savepoint(level) }
    package func endStatement(_ level: Int, rollback: Bool) throws {
        if rollback { try rollbackTo(level) } else { try release(level) }
    }
    package func rename(to newName: String) throws {}
    package func destroy() throws { disconnect() }
    package func disconnect() {}
    package func columnIsJSON(_ column: Int, cursor: any VirtualTableCursor) -> Bool { false }
    package func findFunction(named name: String, argumentCount: Int) -> FunctionDefinition? { nil }
    package func findFunctionConstraint(named name: String, argumentCount: Int) -> ConstraintOperator? { nil }
}

/// A cursor over a virtual table (`sqlite3_vtab_cursor`).
package protocol VirtualTableCursor: AnyObject {
    /// xFilter: start a scan with the plan chosen by bestIndex; `arguments[k]` is the
    /// right-hand value of the constraint given `argvIndex` k + 1.
    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws
    /// xFilter when bestIndex took IN lists at once (`ConstraintUsage.inAllAtOnce`):
    /// `inLists[k]` holds the distinct values of the list whose constraint has argvIndex k + 1
    /// (in the list's collation order, NULLs left out; `arguments[k]` is NULL there, as
    /// `sqlite3_vtab_in_first/next` see it). Default: `filter(indexNumber:indexString:arguments:)`.
    func filter(indexNumber: Int32, indexString: String?, arguments: [Value], inLists: [Int: [Value]]) throws
    func next() throws
    var eof: Bool { get }
    /// xColumn: the value of declared column `i` (hidden columns included) of the current row.
    func column(_ i: Int) throws -> Value
    /// xRowid.
    func rowid() throws -> Int64
    /// xClose. Default: nothing.
    func close()
}

extension VirtualTableCursor {
    package func close() {}
    package func filter(indexNumber: Int32, indexString: String?, arguments: [Value], inLists: [Int: [Value]]) throws {
        try filter(indexNumber: indexNumber, indexString: indexString, arguments: arguments)
    }
}

/// Thrown by `bestIndex` to reject a combination of usable constraints (SQLite's
/// SQLITE_CONSTRAINT from xBestIndex): the planner tries another.
package struct VirtualTableConstraintError: Error, Sendable {
    package init() {}
}
