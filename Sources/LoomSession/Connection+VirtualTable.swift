// This file implements the connection's side of virtual tables: it is the host through which
// modules run SQL (shadow tables), and it keeps the registry's connected tables in step with
// the schema. Layer: L6. Spec: Spec/L6-session.md §Virtual tables, Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord
import LoomVDBE
import LoomSQL

extension Connection: VirtualTableHost {
    /// Runs each statement of `sql` to completion (rows discarded). `arguments` bind `?1…`
    /// of every statement that has parameters. `changes()` and `last_insert_rowid()` of the
    /// enclosing statement are kept.
    package func execute(_ sql: String, _ arguments: [Value]) throws {
        try nested {
            var offset = 0
            while let stmt = try prepare(sql, from: offset) {
                offset = stmt.end
                let vm = makeVM(stmt)
                for (i, v) in arguments.enumerated() where i < stmt.program.parameterCount {
                    try vm.bind(v, at: i + 1)
                }
                while try vm.step() {}
            }
        }
    }

    /// Runs one statement and returns its rows.
    package func query(_ sql: String, _ arguments: [Value]) throws -> [[Value]] {
        try nested {
            guard let stmt = try prepare(sql, from: 0) else { return [] }
            let vm = makeVM(stmt)
            for (i, v) in arguments.enumerated() where i < stmt.program.parameterCount {
                try vm.bind(v, at: i + 1)
            }
            var rows: [[Value]] = []
            while try vm.step() {
                rows.append((0 ..< vm.columnCount).map { vm.column($0) })
            }
            return rows
        }
    }

    private func nested<R>(_ body: () throws -> R) throws -> R {
        let changes = context.changes, rowid = context.lastInsertRowID
        defer {
            context.changes = changes
            context.lastInsertRowID = rowid
        }
        return try body()
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
    }
}
