// This file tests the schema model: affinity, the rowid alias and automatic indexes, against
// the sqlite_schema rows sqlite3 itself writes. Layer: L5 tests. Spec: Spec/L5-sql.md §Schema.
import Testing
import LoomBase
import LoomRecord
import LoomTestSupport
@testable import LoomSQL

@Suite struct SchemaTests {
    @Test func columnAffinities() throws {
        guard Oracle.isAvailable else { return }
        let schema = try CodegenOracle.schema(
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d, e VARCHAR(10), f FLOATING POINT, g DECIMAL(5,2), h BLOB, i CHARINT);")
        let t = try #require(schema.table(named: "T"))
        #expect(t.columns.map(\.affinity) == [.integer, .text, .real, .blob, .text, .integer, .numeric, .blob, .integer])
        #expect(t.rowidAlias == 0)
        #expect(t.rootPage == 2)
        #expect(schema.indexes(on: "t").isEmpty)
    }

    @Test(arguments: [
        ("CREATE TABLE t(x INTEGER PRIMARY KEY DESC, y)", nil as Int?),
        ("CREATE TABLE t(x integer, y, PRIMARY KEY(x DESC))", 0),
        ("CREATE TABLE t(x INT PRIMARY KEY, y)", nil),
        ("CREATE TABLE t(y, x INTEGER PRIMARY KEY ASC)", 1),
        ("CREATE TABLE t(x INTEGER, y, PRIMARY KEY(x, y))", nil),
    ])
    func rowidAlias(sql: String, alias: Int?) throws {
        guard Oracle.isAvailable else { return }
        let rows = try CodegenOracle.schemaRows(sql + ";")
        let schema = try Schema.build(rows: rows, cookie: 1, fileFormat: 4)
        let t = try #require(schema.table(named: "t"))
        #expect(t.rowidAlias == alias)
        // Every index row sqlite3 wrote is known, with the same root page.
        for row in rows where row.type == "index" {
            let index = try #require(schema.index(named: row.name))
            #expect(Int64(index.rootPage) == row.rootPage)
        }
        #expect(schema.indexes(on: "t").count == rows.filter { $0.type == "index" }.count)
    }

    @Test func automaticIndexesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let setup = """
        CREATE TABLE v(x INT PRIMARY KEY, y UNIQUE, z, UNIQUE(y,z));
        CREATE TABLE w(a UNIQUE, b, UNIQUE(a), PRIMARY KEY(a), UNIQUE(b,a), UNIQUE(b COLLATE nocase));
        CREATE TABLE k(a PRIMARY KEY, b) WITHOUT ROWID;
        CREATE INDEX vz ON v(z DESC, x);
        """
        let rows = try CodegenOracle.schemaRows(setup)
        let schema = try Schema.build(rows: rows, cookie: 1, fileFormat: 4)
        let expectedNames = Set(rows.filter { $0.type == "index" }.map(\.name))
        #expect(Set(schema.indexOrder.compactMap { schema.indexes[$0]?.name }) == expectedNames)
        let v3 = try #require(schema.index(named: "sqlite_autoindex_v_3"))
        #expect(v3.columns.map(\.column) == [1, 2])
        #expect(v3.isUnique)
        let w3 = try #require(schema.index(named: "sqlite_autoindex_w_3"))
        #expect(w3.columns.first?.collation == "NOCASE")
        let vz = try #require(schema.index(named: "vz"))
        #expect(vz.columns.map(\.descending) == [true, false])
        #expect(!vz.isUnique)
        #expect(schema.table(named: "k")?.isWithoutRowid == true)
        // Constraint checking order: the newest index first, as SQLite checks them.
        #expect(schema.indexes(on: "v").first?.name == "vz")
    }

    @Test func builtInSchemaTable() throws {
        let schema = Schema()
        for name in ["sqlite_master", "SQLITE_SCHEMA", "sqlite_temp_master", "sqlite_temp_schema"] {
            #expect(schema.table(named: name)?.rootPage == 1)
        }
        #expect(schema.table(named: "nosuch") == nil)
    }

    @Test func malformedSchemaIsCorrupt() throws {
        let rows = [SchemaRow(type: "table", name: "t", tableName: "t", rootPage: 2, sql: "CREATE TABLE t(a")]
        #expect(throws: DatabaseError.self) { try Schema.build(rows: rows, cookie: 1, fileFormat: 4) }
    }
}
