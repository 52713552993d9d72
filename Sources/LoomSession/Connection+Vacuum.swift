// This file implements VACUUM and VACUUM INTO (lang_vacuum.html): the database is rebuilt
// table by table into a fresh file (no free pages, rows packed in rowid order, the pending
// auto_vacuum mode applied), which then replaces the original page by page or is the INTO file.
// Layer: L6. Spec: Spec/L6-session.md (§VACUUM).
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomBTree
import LoomVDBE
import LoomSQL

extension Connection {
    /// A program for a VACUUM statement, or nil when `statement` is not one.
    func vacuumStatement(_ statement: Statement, prepared: PreparedStatement) throws -> PreparedStatement? {
        guard case .vacuum(let schemaName, let into) = statement.kind else { return nil }
        if let schemaName, !schemaName.equalsIgnoringCase("main"), !schemaName.equalsIgnoringCase("temp") {
            // SQLite points at the name: the first token after VACUUM.
            let bytes = Array(prepared.sql.utf8)
            var i = min(6, bytes.count)
            while i < bytes.count, bytes[i] == 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0D) { i += 1 }
            throw DatabaseError(.error, "unknown database \(schemaName)", sql: prepared.sql, offset: i)
        }
        var target: String? = nil
        var badTarget = false
        if let into {
            if case .literal(.string(let s)) = into.kind { target = s } else { badTarget = true }
        }
        let invalidTarget = badTarget
        let isTemp = schemaName?.equalsIgnoringCase("temp") ?? false
        nonisolated(unsafe) let connection = self
        let path = target
        let function = FunctionDefinition(name: "vacuum", argumentCount: 0, isDeterministic: false,
                                          body: .scalar({ _, _ in
            if invalidTarget { throw DatabaseError(.error, "non-text filename") }
            // The temp database holds no tables in Loom: nothing to rebuild.
            if isTemp && path == nil { return .null }
            try connection.vacuum(into: path)
            return .null
        }))
        var handled = prepared
        handled.program = Program(instructions: [.initialize(target: 1),
                                                 .function(function: function, arguments: 0, argumentCount: 0, dest: 0),
                                                 .halt()],
                                  registerCount: 1, cursorCount: 0, columnNames: [], isReadOnly: true)
        handled.program.parameterCount = prepared.program.parameterCount
        return handled
    }

    /// Rebuilds the database into `path` (VACUUM INTO) or in place (V1-V4 of the Spec).
    func vacuum(into path: String?) throws {
        guard context.isAutocommit, context.transactionState == .none else {
            throw DatabaseError(.error, "cannot VACUUM from within a transaction")
        }
        guard context.activeStatementCount <= 1 else {
            throw DatabaseError(.error, "cannot VACUUM - SQL statements in progress")
        }
        let schema = try currentSchema()
        if schema.allTables.contains(where: \.isVirtual) {
            throw DatabaseError(.error, "VACUUM of a database with virtual tables is not supported yet")
        }
        let pageSize = pager.pageSize
        let pendingAutoVacuum = context.pragmaSettings["pending_auto_vacuum"].map { Int($0) }
        let autoVacuum = try pendingAutoVacuum ?? withReadTransaction { () -> Int in
            _ = try btree.getMeta(.schemaCookie)
            return try btree.autoVacuumMode()
        }
        // The copy keeps the text encoding (a UTF-16 file stays UTF-16 in the same order).
        let encoding = try withReadTransaction { () -> TextEncoding in
            _ = try btree.getMeta(.schemaCookie)
            return btree.textEncoding
        }
        let target: Connection
        var options = PagerOptions()
        // VACUUM INTO writes a pending PRAGMA page_size (an in-memory database has none).
        options.pageSizeForNewDatabase = path == nil || isInMemory ? pageSize
            : Int(context.pragmaSettings["pending_page_size"] ?? Int64(pageSize))
        options.journalMode = path == nil ? .off : .delete
        if let path {
            let vfs = PosixVFS()
            if let size = try? fileSize(vfs, path), size > 0 {
                throw DatabaseError(.error, "output file already exists")
            }
            target = try Connection(vfs: vfs, path: path, options: options)
        } else {
            target = try Connection(vfs: MemoryVFS(), path: "vacuum", options: options, isInMemory: true)
        }
        defer { try? target.close() }
        target.btree.autoVacuumForNewDatabase = autoVacuum
        target.btree.textEncodingForNewDatabase = encoding
        try copyContent(of: schema, into: target)
        context.endAutocommitRead()
        if path == nil {
            try target.backup(to: self)
            context.pragmaSettings["pending_auto_vacuum"] = nil
        }
    }

    private func fileSize(_ vfs: PosixVFS, _ path: String) throws -> Int64? {
        guard try vfs.access(path, .exists) else { return nil }
        let file = try vfs.open(path, flags: [.readOnly, .mainDatabase])
        defer { try? file.close() }
        return try file.size()
    }

    /// Copies tables, their rows, indexes, views, triggers, sqlite_sequence and the header's
    /// user fields into the empty `target`, in one transaction.
    private func copyContent(of schema: Schema, into target: Connection) throws {
        var rows: [(type: String, name: String, sql: String)] = []
        try query(self, "SELECT type, name, sql FROM sqlite_schema") { r in
            if case .text(let type) = r[0], case .text(let name) = r[1], case .text(let sql) = r[2] {
                rows.append((type, name, sql))
            }
        }
        var header: [(String, Value)] = []
        for field in ["user_version", "application_id"] {
            try query(self, "PRAGMA \(field)") { header.append((field, $0.first ?? .integer(0))) }
        }
        try execute(target, "BEGIN")
        do {
            for row in rows where row.type == "table" && !row.name.lowercasedASCII.hasPrefix("sqlite_") {
                try execute(target, row.sql)
            }
            for row in rows where row.type == "table" && !row.name.lowercasedASCII.hasPrefix("sqlite_") {
                guard let table = schema.table(named: row.name) else { continue }
                try copyRows(of: table, into: target)
            }
            for row in rows where row.type == "index" { try execute(target, row.sql) }
            if schema.table(named: "sqlite_sequence") != nil {
                var sequence: [[Value]] = []
                try query(self, "SELECT name, seq FROM sqlite_sequence") { sequence.append($0) }
                try execute(target, "DELETE FROM sqlite_sequence")
                for s in sequence { try execute(target, "INSERT INTO sqlite_sequence(name, seq) VALUES(?1, ?2)", s) }
            }
            for row in rows where row.type == "view" || row.type == "trigger" { try execute(target, row.sql) }
            for (field, value) in header {
                if case .integer(let v) = value, v != 0 { try execute(target, "PRAGMA \(field)=\(v)") }
            }
            try execute(target, "COMMIT")
        } catch {
            try? execute(target, "ROLLBACK")
            throw error
        }
    }

    /// INSERT … of every row of `table` (rowid kept; generated columns recomputed).
    private func copyRows(of table: Table, into target: Connection) throws {
        let stored = table.columns.indices.filter { table.columns[$0].generated == nil }
        var names = stored.map { quoted(table.columns[$0].name) }
        var rowidName: String? = nil
        if table.hasRowid && table.rowidAlias == nil {
            rowidName = ["rowid", "_rowid_", "oid"].first { n in table.columnIndex(named: n) == nil }
            if let rowidName { names.insert(rowidName, at: 0) }
        }
        guard !names.isEmpty else { return }
        let list = names.joined(separator: ", ")
        let placeholders = names.indices.map { "?\($0 + 1)" }.joined(separator: ", ")
        let insertSQL = "INSERT INTO \(quoted(table.name))(\(list)) VALUES(\(placeholders))"
        guard let insert = try target.prepare(insertSQL, from: 0) else { return }
        let vm = target.makeVM(insert)
        let order = table.hasRowid ? " ORDER BY rowid" : ""
        try query(self, "SELECT \(list) FROM \(quoted(table.name))\(order)") { values in
            vm.reset()
            for (i, v) in values.enumerated() { try vm.bind(v, at: i + 1) }
            while try vm.step() {}
        }
        vm.reset()
    }

    private func quoted(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// Runs one statement on `connection`, calling `row` per result row.
    private func query(_ connection: Connection, _ sql: String, _ arguments: [Value] = [],
                       _ row: ([Value]) throws -> Void) throws {
        guard let statement = try connection.prepare(sql, from: 0) else { return }
        let vm = connection.makeVM(statement)
        for (i, v) in arguments.enumerated() { try vm.bind(v, at: i + 1) }
        defer { vm.reset() }
        while try vm.step() {
            try row((0..<vm.columnCount).map { vm.column($0) })
        }
    }

    private func execute(_ connection: Connection, _ sql: String, _ arguments: [Value] = []) throws {
        try query(connection, sql, arguments) { _ in }
    }
}
