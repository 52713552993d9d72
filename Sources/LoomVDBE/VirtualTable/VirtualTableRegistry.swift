// This file implements VirtualTableRegistry: a connection's modules, its connected virtual
// tables, and the tables taking part in the open transaction (their begin/sync/commit/
// rollback hooks). Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord

/// The virtual-table state of one connection (`ExecutionContext.virtualTables`).
package final class VirtualTableRegistry {
    /// Modules by lower-case name.
    package private(set) var modules: [String: any VirtualTableModule] = [:]
    /// The module names in registration order (PRAGMA module_list).
    package private(set) var moduleOrder: [String] = []
    /// The connection that owns the tables (set by L6).
    package weak var host: (any VirtualTableHost)?

    /// One connected table with the schema text it was connected for.
    package struct Entry {
        package var table: any VirtualTable
        /// The CREATE VIRTUAL TABLE text (nil for an eponymous table).
        package var sql: String?
    }
    /// Connected tables by lower-case table name.
    package private(set) var connected: [String: Entry] = [:]
    /// Tables whose `begin` ran in the open transaction, in order.
    package private(set) var inTransaction: [ObjectIdentifier: any VirtualTable] = [:]
    private var transactionOrder: [ObjectIdentifier] = []

    package init() {}

    /// A compiled shadow-table statement the host keeps for reuse (SQLite modules keep their
    /// sqlite3_stmt handles the same way): valid while `schema` is the connection's schema.
    package final class HostStatement {
        package let vm: VM
        package let schema: AnyObject
        /// True while a call is stepping it (a nested call with the same text compiles anew).
        package var busy = false
        package init(vm: VM, schema: AnyObject) { self.vm = vm; self.schema = schema }
    }
    /// The host's statement cache by SQL text (bounded: cleared when it grows past 256).
    package var hostStatements: [String: HostStatement] = [:]

    /// Registers `module` as `name` (a later registration of the same name replaces it).
    package func register(_ module: any VirtualTableModule, named name: String) {
        let key = name.lowercasedASCII
        if modules[key] == nil { moduleOrder.append(name) }
        modules[key] = module
    }

    package func module(named name: String) -> (any VirtualTableModule)? {
        if let m = modules[name.lowercasedASCII] { return m }
        // pragma_NAME modules are made on first use, as SQLite does.
        if let m = PragmaModule.named(name) {
            register(m, named: name.lowercasedASCII)
            return m
        }
        return nil
    }

    /// The connected table `name`, connecting (or, with `create`, creating) it first.
    /// A table connected for another schema text is disconnected and connected again.
    package func table(named name: String, module moduleName: String, arguments: [String], sql: String?,
                       create: Bool = false) throws -> any VirtualTable {
        let key = name.lowercasedASCII
        if !create, let entry = connected[key], entry.sql == sql { return entry.table }
        guard let module = module(named: moduleName) else {
            throw DatabaseError(.error, "no such module: \(moduleName)")
        }
        if sql != nil && module.kind == .eponymousOnly {
            throw DatabaseError(.error, "no such module: \(moduleName)")
        }
        guard let host else { throw DatabaseError(.misuse, "virtual table used without a connection") }
        if let old = connected.removeValue(forKey: key) { old.table.disconnect() }
        let context = VirtualTableContext(moduleName: moduleName, schemaName: "main", tableName: name,
                                          arguments: arguments, host: host)
        let table: any VirtualTable
        do {
            table = try create ? module.create(context) : module.connect(context)
        } catch let e as DatabaseError {
            throw e
        } catch {
            throw DatabaseError(.error, "vtable constructor failed: \(name)")
        }
        connected[key] = Entry(table: table, sql: sql)
        return table
    }

    /// Forgets table `name` (after DROP TABLE, which calls `destroy` itself).
    package func remove(named name: String) {
        if let e = connected.removeValue(forKey: name.lowercasedASCII) {
            inTransaction[ObjectIdentifier(e.table)] = nil
            transactionOrder.removeAll { $0 == ObjectIdentifier(e.table) }
        }
    }

    /// Disconnects every connected table whose name is not in `keep` (lower-case) with
    /// the same text (after a schema reload). Eponymous tables stay.
    package func retain(_ keep: [String: String]) {
        for (key, entry) in connected {
            guard let sql = entry.sql else { continue }
            if keep[key] != sql {
                connected[key] = nil
                if inTransaction[ObjectIdentifier(entry.table)] == nil { entry.table.disconnect() }
            }
        }
    }

    /// Disconnects everything (connection close).
    package func disconnectAll() {
        hostStatements = [:]
        for entry in connected.values { entry.table.disconnect() }
        connected = [:]
        inTransaction = [:]
        transactionOrder = []
    }

    // MARK: Transactions

    /// VBegin: calls `begin` once per transaction per table.
    package func begin(_ table: any VirtualTable) throws {
        let id = ObjectIdentifier(table)
        guard inTransaction[id] == nil else { return }
        try table.begin()
        inTransaction[id] = table
        transactionOrder.append(id)
    }

    /// Before the pager commits: `sync` of every table in the transaction.
    package func syncAll() throws {
        for id in transactionOrder { try inTransaction[id]?.sync() }
    }

    /// After the pager committed: `commit` of every table; the set empties.
    package func commitAll() {
        let tables = transactionOrder.compactMap { inTransaction[$0] }
        inTransaction = [:]
        transactionOrder = []
        for t in tables { try? t.commit() }
    }

    /// The transaction rolled back: `rollback` of every table; the set empties.
    package func rollbackAll() {
        let tables = transactionOrder.compactMap { inTransaction[$0] }
        inTransaction = [:]
        transactionOrder = []
        for t in tables { try? t.rollback() }
    }

    package var hasTransaction: Bool { !transactionOrder.isEmpty }

    // MARK: Savepoints

    /// The tables given a statement-level savepoint by the running statement, and its level.
    private var statementTables: [any VirtualTable] = []
    private var statementLevel = 0

    /// A statement inside a transaction is about to write a virtual table: every table in
    /// the transaction gets `beginStatement(level)` (before the pager's savepoint opens).
    package func statementSavepointAll(level: Int) throws {
        statementTables = []
        statementLevel = level
        for id in transactionOrder {
            guard let t = inTransaction[id] else { continue }
            try t.beginStatement(level)
            statementTables.append(t)
        }
    }

    /// `table` joins the statement savepoint at its first write (once).
    package func statementSavepoint(_ table: any VirtualTable, level: Int) throws {
        guard !statementTables.contains(where: { $0 === table }) else { return }
        statementLevel = level
        try table.beginStatement(level)
        statementTables.append(table)
    }

    /// The statement ended: its tables' `rollbackTo` (failed) or `release`.
    package func endStatement(rollback: Bool) {
        let tables = statementTables
        statementTables = []
        for t in tables { try? t.endStatement(statementLevel, rollback: rollback) }
    }

    /// SAVEPOINT opened savepoint `level` (0 = outermost): `savepoint(level)` of every table
    /// in the transaction, before the pager's savepoint opens (FTS5 writes its pending data
    /// there, so it belongs to the enclosing level).
    package func savepointAll(_ level: Int) throws {
        for id in transactionOrder { try inTransaction[id]?.savepoint(level) }
    }

    /// RELEASE of savepoint `level` (and every newer one).
    package func releaseAll(_ level: Int) throws {
        for id in transactionOrder { try inTransaction[id]?.release(level) }
    }

    /// ROLLBACK TO savepoint `level`, after the pager rolled back: tables drop what they
    /// keep in memory since that savepoint.
    package func rollbackToAll(_ level: Int) throws {
        for id in transactionOrder { try inTransaction[id]?.rollbackTo(level) }
    }
}
