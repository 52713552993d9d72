// This file implements the compile-time authorizer: the action codes, the callback the
// connection installs, and the checks the resolver and codegen make while compiling
// (`sqlite3_set_authorizer`). Layer: L5. Spec: Spec/L5-sql.md §Authorizer.
import LoomBase
import LoomRecord
import LoomVDBE
import Synchronization

/// SQLite's authorizer action codes (`SQLITE_CREATE_INDEX` … `SQLITE_RECURSIVE`).
package enum AuthorizerAction: Int32, Sendable {
    case createIndex = 1, createTable, createTempIndex, createTempTable, createTempTrigger,
         createTempView, createTrigger, createView, delete, dropIndex, dropTable, dropTempIndex,
         dropTempTable, dropTempTrigger, dropTempView, dropTrigger, dropView, insert, pragma,
         read, select, transaction, update, attach, detach, alterTable, reindex, analyze,
         createVirtualTable, dropVirtualTable, function, savepoint, recursive
}

/// One question to the authorizer: the action and SQLite's four detail strings.
package struct AuthorizationRequest: Sendable, Equatable {
    package var action: AuthorizerAction
    package var argument1: String?
    package var argument2: String?
    package var database: String?
    /// The innermost trigger or view responsible for the access (nil at top level).
    package var accessor: String?
}

/// The authorizer's answer (`SQLITE_OK`, `SQLITE_DENY`, `SQLITE_IGNORE`).
package enum AuthorizationDecision: Sendable { case ok, deny, ignore }

/// The authorizer of the statement being compiled, bound by the connection's owner around
/// `Compiler.prepare` (a task-local, as the connection's functions are).
package enum Authorization {
    @TaskLocal package static var current: AuthorizationSession? = nil
    /// False until some connection sets an authorizer: until then the checks skip the
    /// task-local lookup (compile time stays as it was without authorizers).
    package static let everInstalled = Atomic<Bool>(false)

    /// The bound session, without a task-local lookup while no authorizer was ever set.
    static var active: AuthorizationSession? {
        everInstalled.load(ordering: .relaxed) ? current : nil
    }
}

/// One compilation's authorizer: the callback and the table cursors a READ was asked for
/// (a table read for no column is reported with an empty column name, as SQLite does).
/// Used by the one thread compiling the statement.
package final class AuthorizationSession: @unchecked Sendable {
    let callback: (AuthorizationRequest) -> AuthorizationDecision
    var readCursors: Set<Int> = []

    package init(_ callback: @escaping (AuthorizationRequest) -> AuthorizationDecision) {
        self.callback = callback
    }
}

extension Compilation {
    /// Asks the authorizer about one action. Deny throws SQLite's "not authorized"
    /// (`SQLITE_AUTH`); the result is false for ignore. Checks made while compiling
    /// SQLite's own helpers (foreign-key lookups and actions) are not asked.
    func authorize(_ action: AuthorizerAction, _ argument1: String?, _ argument2: String?,
                   database: String?) throws -> Bool {
        guard let callback = Authorization.active?.callback else { return true }
        if let context = authorizationContext, context.isEmpty || context.hasPrefix("sqlite_") { return true }
        let request = AuthorizationRequest(action: action, argument1: argument1, argument2: argument2,
                                           database: database, accessor: authorizationContext)
        switch callback(request) {
        case .ok: return true
        case .ignore: return false
        case .deny: throw DatabaseError(.authDenied, "not authorized", sql: sql)
        }
    }

    /// The schema name of database `number`.
    func databaseName(_ number: Int) -> String {
        number < schema.databaseNames.count ? schema.databaseNames[number] ?? "main" : "main"
    }

    /// The database a DDL statement names: TEMP, an explicit schema, else main.
    private func ddlDatabase(temporary: Bool, _ schemaName: String?) -> String {
        if temporary { return "temp" }
        if let schemaName, let n = schema.databaseNumber(named: schemaName) { return databaseName(n) }
        return schemaName ?? "main"
    }

    /// The statement-level check made before a statement is compiled. Returns an empty
    /// program (and its kind) when the authorizer ignores the statement; INSERT, UPDATE and
    /// DELETE are checked by their codegen instead, where trigger bodies are compiled too.
    func authorizeStatement(_ statement: Statement) throws -> (Program, StatementKind)? {
        guard Authorization.active != nil else { return nil }
        var allowed = true
        var kind: StatementKind = .other
        func ask(_ a: AuthorizerAction, _ x: String?, _ y: String?, _ db: String?) throws {
            allowed = try authorize(a, x, y, database: db) && allowed
        }
        switch statement.kind {
        case .select:
            kind = .select
        case .createTable(let t):
            kind = .ddl
            try ask(t.temporary ? .createTempTable : .createTable, t.name, nil, ddlDatabase(temporary: t.temporary, t.schema))
        case .createIndex(let i):
            kind = .ddl
            let db = ddlDatabase(temporary: false, i.schema)
            try ask(db == "temp" ? .createTempIndex : .createIndex, i.name, i.table, db)
        case .createView(let v):
            kind = .ddl
            try ask(v.temporary ? .createTempView : .createView, v.name, nil, ddlDatabase(temporary: v.temporary, v.schema))
        case .createTrigger(let t):
            kind = .ddl
            let db = ddlDatabase(temporary: t.temporary, t.schema)
            try ask(db == "temp" ? .createTempTrigger : .createTrigger, t.name, t.table, db)
        case .createVirtualTable(let v):
            kind = .ddl
            try ask(.createVirtualTable, v.name, v.module, ddlDatabase(temporary: false, v.schema))
        case .drop(let d):
            kind = .ddl
            try authorizeDrop(d, ask)
        case .alterTable(let a):
            kind = .ddl
            let db = ddlDatabase(temporary: false, a.schema)
            try ask(.alterTable, db, a.table, nil)
        case .pragma(let p):
            kind = .pragma
            try ask(.pragma, p.name.lowercasedASCII, p.value, p.schema)
        case .begin:
            kind = .transaction
            try ask(.transaction, "BEGIN", nil, nil)
        case .commit:
            kind = .transaction
            try ask(.transaction, "COMMIT", nil, nil)
        case .rollback(let savepoint):
            kind = .transaction
            if let savepoint { try ask(.savepoint, "ROLLBACK", savepoint, nil) }
            else { try ask(.transaction, "ROLLBACK", nil, nil) }
        case .savepoint(let name):
            kind = .transaction
            try ask(.savepoint, "BEGIN", name, nil)
        case .release(let name):
            kind = .transaction
            try ask(.savepoint, "RELEASE", name, nil)
        case .attach(let file, _, _):
            try ask(.attach, literalText(file), nil, nil)
        case .detach(let name):
            try ask(.detach, literalText(name), nil, nil)
        case .reindex(_, let name):
            try ask(.reindex, name, nil, "main")
        case .analyze(let schemaName, let name):
            try ask(.analyze, name ?? schemaName, nil, "main")
        default:
            return nil
        }
        if allowed { return nil }
        let b = CodeBuilder()
        b.emit(.halt())
        return (Program(instructions: b.finish(), registerCount: 1, cursorCount: 0, columnNames: []), kind)
    }

    private func authorizeDrop(_ d: Drop,
                               _ ask: (AuthorizerAction, String?, String?, String?) throws -> Void) throws {
        let named = d.schema
        switch d.kind {
        case .table:
            let table = schema.table(named: d.name, in: named)
            let db = table.map { databaseName($0.database) } ?? ddlDatabase(temporary: false, named)
            if table?.isVirtual == true {
                try ask(.dropVirtualTable, d.name, nil, db)
            } else {
                try ask(db == "temp" ? .dropTempTable : .dropTable, d.name, nil, db)
            }
            if let table, !table.isVirtual { try ask(.delete, table.name, nil, db) }
        case .view:
            let view = schema.table(named: d.name, in: named)
            let db = view.map { databaseName($0.database) } ?? ddlDatabase(temporary: false, named)
            try ask(db == "temp" ? .dropTempView : .dropView, d.name, nil, db)
            if let view { try ask(.delete, view.name, nil, db) }
        case .index:
            let index = schema.index(named: d.name, in: named)
            let db = index.map { databaseName($0.database) } ?? ddlDatabase(temporary: false, named)
            try ask(db == "temp" ? .dropTempIndex : .dropIndex, d.name, index?.tableName, db)
        case .trigger:
            let trigger = schema.trigger(named: d.name)
            let db = trigger.map { databaseName($0.database) } ?? ddlDatabase(temporary: false, named)
            try ask(db == "temp" ? .dropTempTrigger : .dropTrigger, d.name, trigger?.tableName, db)
        }
    }

    /// ATTACH's file and DETACH's name as the authorizer sees them: a literal's text.
    private func literalText(_ e: Expr) -> String? {
        switch e.kind {
        case .literal(.string(let s)): return s
        case .column(let ref) where ref.table == nil: return ref.column
        default: return nil
        }
    }
}

extension Resolver {
    /// `columnExpr` for a column a statement reads, asked of the authorizer (READ with the
    /// table, column and database): NULL when it answers ignore.
    func authorizedColumn(_ source: SourceItem, _ index: Int) throws -> RExpr {
        let expr = columnExpr(source, index)
        guard let session = Authorization.active else { return expr }
        let table = source.table
        let name = index >= 0 ? table.columns[index].name : "ROWID"
        if source.isStoredTable {
            // Reading only the rowid still leaves the table "unread" (SQLite 3.40).
            if index >= 0 && index != table.rowidAlias { session.readCursors.insert(source.cursor) }
            return try c.authorize(.read, table.name, name, database: c.databaseName(table.database)) ? expr : .null
        }
        // A view's columns are asked about under the view's name (its body was asked already).
        if let view = c.schema.table(named: table.name), view.isView {
            return try c.authorize(.read, view.name, name, database: c.databaseName(view.database)) ? expr : .null
        }
        return expr
    }

    /// READ (table, "") for each table of `select` (and its compound terms) no column but
    /// the rowid was read from, as in `SELECT count(*) FROM t`.
    func authorizeUnreadSources(_ select: ResolvedSelect) throws {
        guard let session = Authorization.active else { return }
        var core: ResolvedSelect? = select
        while let s = core {
            for source in s.sources where source.isStoredTable && !session.readCursors.contains(source.cursor) {
                session.readCursors.insert(source.cursor)
                _ = try c.authorize(.read, source.table.name, "", database: nil)
            }
            core = s.compound?.1
        }
    }

    /// Runs `body` with `name` (a WITH table) as the accessor the authorizer is told of.
    func withAuthorizationContext<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        guard Authorization.active != nil else { return try body() }
        let saved = c.authorizationContext
        c.authorizationContext = name
        defer { c.authorizationContext = saved }
        return try body()
    }

    /// FUNCTION (NULL, name) for a function call.
    func authorizeFunction(_ name: String) throws {
        guard Authorization.active != nil else { return }
        if try !c.authorize(.function, nil, name.lowercasedASCII, database: nil) {
            // SQLite treats ignore on FUNCTION as deny.
            throw DatabaseError(.authDenied, "not authorized", sql: c.sql)
        }
    }

    /// SELECT (once per SELECT, subqueries and view bodies included).
    func authorizeSelect() throws {
        guard Authorization.active != nil else { return }
        _ = try c.authorize(.select, nil, nil, database: nil)
    }
}

extension Codegen {
    /// INSERT / DELETE of `table` (false: ignored, the statement does nothing).
    func authorizeWrite(_ action: AuthorizerAction, _ table: Table) throws -> Bool {
        guard Authorization.active != nil else { return true }
        return try c.authorize(action, table.name, nil, database: c.databaseName(table.database))
    }

    /// UPDATE of one column (false: ignored, the column keeps its value).
    func authorizeUpdate(_ table: Table, column: String) throws -> Bool {
        guard Authorization.active != nil else { return true }
        return try c.authorize(.update, table.name, column, database: c.databaseName(table.database))
    }
}
