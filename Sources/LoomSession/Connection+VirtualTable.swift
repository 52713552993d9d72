// This file implements the connection's side of virtual tables: it is the host through which
// modules run SQL (shadow tables), and it keeps the registry's connected tables in step with
// the schema. Layer: L6. Spec: Spec/L6-session.md §Virtual tables, Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord
import LoomVDBE
import LoomSQL
import LoomFTS5

extension Connection: VirtualTableHost {
    /// Runs each statement of `sql` to completion (rows discarded). `arguments` bind `?1…`
    /// of every statement that has parameters. As in sqlite3 (whose modules run their SQL
    /// through the API), a nested write sets `changes()` and `last_insert_rowid()`; the
    /// enclosing statement sets `changes()` again when it ends, so only writes made after it
    /// ended (pending data written at commit) keep its count.
    package func execute(_ sql: String, _ arguments: [Value]) throws {
        try nested {
            if let cached = try cachedStatement(sql) {
                defer { cached.busy = false }
                try bind(cached.vm, arguments)
                while try cached.vm.step() {}
                return
            }
            var offset = 0
            while let stmt = try prepare(sql, from: offset) {
                offset = stmt.end
                let vm = makeVM(stmt)
                try bind(vm, arguments)
                while try vm.step() {}
            }
        }
    }

    /// Runs one statement and returns its rows.
    package func query(_ sql: String, _ arguments: [Value]) throws -> [[Value]] {
        try nested {
            var rows: [[Value]] = []
            if let cached = try cachedStatement(sql) {
                defer { cached.busy = false }
                try bind(cached.vm, arguments)
                while try cached.vm.step() {
                    rows.append((0 ..< cached.vm.columnCount).map { cached.vm.column($0) })
                }
                return rows
            }
            guard let stmt = try prepare(sql, from: 0) else { return [] }
            let vm = makeVM(stmt)
            try bind(vm, arguments)
            while try vm.step() {
                rows.append((0 ..< vm.columnCount).map { vm.column($0) })
            }
            return rows
        }
    }

    private func bind(_ vm: VM, _ arguments: [Value]) throws {
        for (i, v) in arguments.enumerated() where i < vm.program.parameterCount {
            try vm.bind(v, at: i + 1)
        }
    }

    /// The cached compiled form of a one-statement `sql`, reset and marked busy (nil: not
    /// cacheable, or in use by an enclosing call). Entries die with the schema they were
    /// compiled against.
    private func cachedStatement(_ sql: String) throws -> VirtualTableRegistry.HostStatement? {
        let registry = context.virtualTables
        let schema = try currentSchema()
        if let e = registry.hostStatements[sql] {
            if e.busy { return nil }
            if e.schema === schema {
                e.vm.reset()
                e.busy = true
                return e
            }
        }
        guard let stmt = try prepare(sql, from: 0), [.select, .insert, .update, .delete].contains(stmt.kind),
              Connection.onlyTrivia(sql, from: stmt.end) else { return nil }
        if registry.hostStatements.count >= 256 { registry.hostStatements = [:] }
        let e = VirtualTableRegistry.HostStatement(vm: makeVM(stmt), schema: schema)
        registry.hostStatements[sql] = e
        e.busy = true
        return e
    }

    private func nested<R>(_ body: () throws -> R) throws -> R {
        guard context.committingEndedStatement else { return try body() }
        // After the statement ended (commit): its changes() stays.
        let changes = context.changes
        defer { context.changes = changes }
        return try body()
    }

    package func keepingLastInsertRowid(_ body: () throws -> Void) throws {
        let rowid = context.lastInsertRowID
        defer { context.lastInsertRowID = rowid }
        try body()
    }

    /// Gives a freshly loaded schema the registry, and disconnects virtual tables the
    /// schema no longer holds with the same text (Spec/L4-vdbe.md §Virtual tables, 3).
    func attachVirtualTables(to schema: Schema) {
        schema.virtualTables = context.virtualTables
        var keep: [String: String] = [:]
        for table in schema.allTables where table.isVirtual {
            if let sql = table.sql { keep[table.name.lowercasedASCII] = sql }
        }
        context.virtualTables.retain(keep)
    }

    /// Makes the registry point at this connection and registers the built-in modules.
    func installVirtualTables() {
        context.virtualTables.host = self
        BuiltinModules.register(in: context.virtualTables, btree: btree)
        // FTS5 (issue 8): the module and its functions (bm25, highlight, snippet).
        FTS5Module.register(in: context.virtualTables)
        for f in FTS5Module.functions { userFunctions[f.name, default: []].append(f) }
    }
}
