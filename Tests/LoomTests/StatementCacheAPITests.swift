// The statement cache seen through the public API (Spec/L6-session.md SC4): statements whose
// literals became hidden parameters still declare none, keep their values across reset and
// clearBindings, and report the user's text, column names and declared types.
import Testing
import Loom
import LoomTestSupport

@Suite struct StatementCacheAPITests {
    @Test func hiddenParametersAreInvisible() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
        try db.execute("INSERT INTO t VALUES(1, 'one')")
        try db.execute("INSERT INTO t VALUES(2, 'two')")
        for (key, name) in [(1, "one"), (2, "two"), (1, "one")] {
            let stmt = try db.prepare("SELECT b AS name FROM t WHERE a=\(key)")
            #expect(stmt.parameterCount == 0)
            #expect(stmt.parameterName(at: 1) == nil)
            #expect(stmt.sql == "SELECT b AS name FROM t WHERE a=\(key)")
            #expect(stmt.columnNames == ["name"])
            #expect(stmt.columnDeclaredTypes == ["TEXT"])
            #expect(throws: DatabaseError.self) { try stmt.bind(.integer(5), at: 1) }
            #expect(try stmt.step())
            #expect(stmt.column(0) == .text(name))
            #expect(try stmt.step() == false)
            stmt.clearBindings()
            try stmt.reset()
            #expect(try stmt.step())
            #expect(stmt.column(0) == .text(name))
        }
    }

    @Test func reusedProgramsKeepTheirOwnValues() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
        for i in 1...5 { try db.execute("INSERT INTO t VALUES(\(i), 'v\(i)')") }
        // Two live statements of one shape: each reads its own literal.
        let first = try db.prepare("SELECT b FROM t WHERE a=2")
        let second = try db.prepare("SELECT b FROM t WHERE a=4")
        #expect(try second.step())
        #expect(try first.step())
        #expect(first.column(0) == .text("v2"))
        #expect(second.column(0) == .text("v4"))
        // A statement with parameters of its own is not rewritten.
        let mixed = try db.prepare("SELECT b FROM t WHERE a=? OR a=3 ORDER BY a")
        #expect(mixed.parameterCount == 1)
        try mixed.bind([.integer(1)])
        #expect(try mixed.step())
        #expect(mixed.column(0) == .text("v1"))
        #expect(try mixed.step())
        #expect(mixed.column(0) == .text("v3"))
        #expect(try db.queryAll("SELECT b FROM t WHERE a IN (5, 1) ORDER BY a") == [[.text("v1")], [.text("v5")]])
        #expect(try db.queryAll("SELECT b FROM t WHERE a IN (2, 3) ORDER BY a") == [[.text("v2")], [.text("v3")]])
    }

    @Test func functionRegistrationRecompiles() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
        try db.execute("INSERT INTO t VALUES(1, 'x')")
        #expect(try db.queryFirstRow("SELECT upper(b) FROM t WHERE a=1") == [.text("X")])
        db.add(function: DatabaseFunction("upper", argumentCount: 1) { _ in "mine" })
        #expect(try db.queryFirstRow("SELECT upper(b) FROM t WHERE a=1") == [.text("mine")])
    }
}
