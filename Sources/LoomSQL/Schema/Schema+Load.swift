// This file implements Schema.load: reading sqlite_schema (root page 1) and the header's
// schema cookie through a small VDBE program. Layer: L5. Spec: Spec/L5-sql.md §Schema.
import LoomBase
import LoomBTree
import LoomRecord
import LoomVDBE

extension Schema {
    /// Reads sqlite_schema (root page 1) through a BTree read transaction the caller has
    /// open, and parses each CREATE text with the parser.
    ///
    /// A database whose schema cookie is 0 has never had a schema object: its schema is
    /// empty without reading page 1 (which a new, empty file does not have yet).
    package static func load(from btree: BTree, database: Int = 0,
                             databaseName: String = "main", skippingMalformed: Bool = false) throws -> Schema {
        let rows = try readSchemaRows(btree)
        let schema = try build(rows: rows.rows, cookie: rows.cookie, fileFormat: rows.format,
                               database: database, databaseName: databaseName, skippingMalformed: skippingMalformed)
        // sqlite_stat1 feeds the planner's estimates; an unreadable one is ignored, as SQLite
        // ignores statistics it cannot use.
        if let stat = schema.tables["sqlite_stat1"], stat.rootPage > 0,
           let statRows = try? readStat1(btree, root: stat.rootPage) {
            schema.loadStatistics(statRows)
        }
        return schema
    }

    /// The (tbl, idx, stat) rows of sqlite_stat1 (root page `root`).
    static func readStat1(_ btree: BTree, root: UInt32) throws -> [(table: String, index: String?, stat: String)] {
        let program = Program(instructions: [
            .openRead(cursor: 0, root: Int(root), columnCount: 3),  // 0
            .rewind(cursor: 0, target: 7),                          // 1
            .column(cursor: 0, column: 0, dest: 1),                 // 2
            .column(cursor: 0, column: 1, dest: 2),                 // 3
            .column(cursor: 0, column: 2, dest: 3),                 // 4
            .resultRow(start: 1, count: 3),                         // 5
            .next(cursor: 0, target: 2),                            // 6
            .halt(),                                                // 7
        ], registerCount: 4, cursorCount: 1, columnNames: ["tbl", "idx", "stat"])
        let context = ExecutionContext(btree: btree)
        context.isAutocommit = false
        let vm = VM(program: program, context: context)
        var out: [(table: String, index: String?, stat: String)] = []
        while try vm.step() {
            guard case .text(let table) = vm.column(0), case .text(let stat) = vm.column(2) else { continue }
            var index: String? = nil
            if case .text(let i) = vm.column(1) { index = i }
            out.append((table, index, stat))
        }
        return out
    }

    /// Loads the schema of every open database of `context`: main's, with the temp and
    /// attached databases' schemas linked to it (`linked`, `databaseNames`). Each database
    /// is read inside its open transaction, or a read transaction opened for the load.
    package static func loadAll(_ context: ExecutionContext) throws -> Schema {
        func withRead<R>(_ handle: DatabaseHandle, _ body: () throws -> R) throws -> R {
            if handle.transactionState != .none { return try body() }
            try handle.btree.beginTransaction(write: false)
            defer { handle.btree.endTransaction() }
            return try body()
        }
        guard let mainHandle = context.databases.first ?? nil else { return Schema() }
        // PRAGMA writable_schema=ON: rows that do not parse are skipped, not an error.
        let tolerant = context.pragmaSettings["writable_schema", default: 0] != 0
        let main = try withRead(mainHandle) { try load(from: mainHandle.btree, skippingMalformed: tolerant) }
        var names: [String?] = ["main", "temp"]
        for (i, handle) in context.databases.enumerated() where i >= 1 {
            if i >= 2 { names.append(handle?.name) }
            guard let handle else { continue }
            let other = try withRead(handle) {
                try load(from: handle.btree, database: i, databaseName: handle.name, skippingMalformed: tolerant)
            }
            main.linked.append(other)
        }
        main.databaseNames = names
        for other in main.linked { other.databaseNames = names }
        return main
    }

    /// The program: row 1 = (schema cookie, schema format); then one row per schema entry.
    static let readerProgram: Program = {
        let instructions: [Instruction] = [
            .readCookie(dest: 1, field: .schemaCookie),          // 0
            .readCookie(dest: 2, field: .schemaFormat),          // 1
            .resultRow(start: 1, count: 2),                      // 2
            .openRead(cursor: 0, root: 1, columnCount: 5),       // 3
            .rewind(cursor: 0, target: 12),                      // 4
            .column(cursor: 0, column: 0, dest: 3),              // 5
            .column(cursor: 0, column: 1, dest: 4),              // 6
            .column(cursor: 0, column: 2, dest: 5),              // 7
            .column(cursor: 0, column: 3, dest: 6),              // 8
            .column(cursor: 0, column: 4, dest: 7),              // 9
            .resultRow(start: 3, count: 5),                      // 10
            .next(cursor: 0, target: 5),                         // 11
            .halt(),                                             // 12
        ]
        return Program(instructions: instructions, registerCount: 8, cursorCount: 1,
                       columnNames: ["type", "name", "tbl_name", "rootpage", "sql"])
    }()

    static func readSchemaRows(_ btree: BTree) throws -> (rows: [SchemaRow], cookie: UInt32, format: UInt32) {
        let context = ExecutionContext(btree: btree)
        // The caller owns the transaction: the reader must not end it.
        context.isAutocommit = false
        let vm = VM(program: readerProgram, context: context)
        guard try vm.step() else { throw DatabaseError.corrupt(page: 1, "schema reader") }
        let cookie = UInt32(truncatingIfNeeded: integer(vm.column(0)))
        let format = UInt32(truncatingIfNeeded: integer(vm.column(1)))
        var rows: [SchemaRow] = []
        if cookie == 0 && format == 0 {
            vm.reset()
            return ([], 0, 0)
        }
        while try vm.step() {
            guard case .text(let type) = vm.column(0), case .text(let name) = vm.column(1) else {
                throw malformed("?", "invalid schema row")
            }
            var tableName = name
            if case .text(let t) = vm.column(2) { tableName = t }
            var sql: String? = nil
            if case .text(let s) = vm.column(4) { sql = s }
            rows.append(SchemaRow(type: type, name: name, tableName: tableName,
                                  rootPage: integer(vm.column(3)), sql: sql))
        }
        return (rows, cookie, format)
    }

    private static func integer(_ v: Value) -> Int64 {
        switch v {
        case .integer(let i): return i
        case .real(let d): return d >= -9.2e18 && d <= 9.2e18 ? Int64(d) : 0
        default: return 0
        }
    }
}
