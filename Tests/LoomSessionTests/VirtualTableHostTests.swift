// This file tests the connection as a virtual-table host: a module keeping its rows in a
// shadow table it creates (xCreate), reads and writes through `VirtualTableHost`, and drops
// (xDestroy), the way FTS5 does. Layer: L6 (with L4's protocol). Spec: Spec/L6-session.md
// §Virtual tables, Spec/L4-vdbe.md §Virtual tables.
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomVDBE
import LoomSession

/// `CREATE VIRTUAL TABLE n USING shadowed`: rows live in the ordinary table `n_data`.
private final class ShadowModule: VirtualTableModule {
    var kind: VirtualTableModuleKind { .ordinary }
    func create(_ context: VirtualTableContext) throws -> any VirtualTable {
        try context.host.execute("CREATE TABLE \(context.tableName)_data(id INTEGER PRIMARY KEY, x)")
        return try connect(context)
    }
    func connect(_ context: VirtualTableContext) throws -> any VirtualTable {
        ShadowTable(name: context.tableName, host: context.host)
    }
}

private final class ShadowTable: VirtualTable {
    let name: String
    let host: any VirtualTableHost
    init(name: String, host: any VirtualTableHost) { self.name = name; self.host = host }
    var declaredSchema: String { "CREATE TABLE x(x)" }
    var isWritable: Bool { true }
    func bestIndex(_ info: inout IndexInfo) throws {}
    func open() throws -> any VirtualTableCursor {
        ShadowCursor(rows: try host.query("SELECT id, x FROM \(name)_data ORDER BY id"))
    }
    func update(_ arguments: [Value]) throws -> Int64? {
        if arguments.count == 1 {
            try host.execute("DELETE FROM \(name)_data WHERE id = ?", [arguments[0]])
            return nil
        }
        if !arguments[0].isNull { try host.execute("DELETE FROM \(name)_data WHERE id = ?", [arguments[0]]) }
        let rows = try host.query("INSERT INTO \(name)_data(id, x) VALUES (?, ?) RETURNING id", [arguments[1], arguments[2]])
        return rows.first?.first?.integerValue
    }
    func destroy() throws { try host.execute("DROP TABLE \(name)_data") }
}

private final class ShadowCursor: VirtualTableCursor {
    let all: [[Value]]
    var position = 0
    init(rows: [[Value]]) { all = rows }
    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws { position = 0 }
    func next() throws { position += 1 }
    var eof: Bool { position >= all.count }
    func column(_ i: Int) throws -> Value { all[position][1] }
    func rowid() throws -> Int64 { all[position][0].integerValue }
}

@Suite("Virtual-table host")
struct VirtualTableHostTests {
    @Test func moduleKeepsRowsInShadowTables() throws {
        let connection = try Connection(vfs: MemoryVFS(), path: "host.db", options: PagerOptions())
        connection.context.virtualTables.register(ShadowModule(), named: "shadowed")
        _ = try run(connection, "CREATE VIRTUAL TABLE n USING shadowed")
        #expect(try run(connection, "SELECT name, rootpage > 0 FROM sqlite_schema ORDER BY name")
                == [[.text("n"), .integer(0)], [.text("n_data"), .integer(1)]])
        _ = try run(connection, "INSERT INTO n VALUES ('a'), ('b'); INSERT INTO n(rowid, x) VALUES (10, 'c')")
        #expect(try run(connection, "SELECT last_insert_rowid()") == [[.integer(10)]])
        #expect(try run(connection, "SELECT rowid, x FROM n") == [[.integer(1), .text("a")], [.integer(2), .text("b")],
                                                                    [.integer(10), .text("c")]])
        _ = try run(connection, "UPDATE n SET x = x || '!' WHERE rowid > 1; DELETE FROM n WHERE x = 'a'")
        #expect(try run(connection, "SELECT x FROM n_data ORDER BY id") == [[.text("b!")], [.text("c!")]])
        // A failed CREATE leaves neither the table nor its shadow table.
        #expect(throws: DatabaseError.self) { try run(connection, "CREATE VIRTUAL TABLE n USING shadowed") }
        _ = try run(connection, "DROP TABLE n")
        #expect(try run(connection, "SELECT count(*) FROM sqlite_schema") == [[.integer(0)]])
        try connection.close()
    }
}
