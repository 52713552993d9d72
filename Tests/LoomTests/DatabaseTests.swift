// Tests of the public API (L7): statements, values, transactions and capability levels.
import Testing
import Loom
import LoomTestSupport

@Suite struct DatabaseTests {
    @Test func roundTripsEveryValueType() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(a, b, c, d, e)")
        let stmt = try db.prepare("INSERT INTO t VALUES(?, ?, ?, ?, ?)")
        try stmt.bind([.null, .integer(-7), .real(2.5), .text("héllo"), .blob([0, 1, 255])])
        #expect(try stmt.step() == false)
        let row = try db.queryFirstRow("SELECT a, b, c, d, e, typeof(e) FROM t")
        #expect(row == [.null, .integer(-7), .real(2.5), .text("héllo"), .blob([0, 1, 255]), .text("blob")])
        #expect(db.lastInsertRowID == 1)
        #expect(db.changes == 1)
    }

    @Test func statementsAreReusableWithNewBindings() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT)")
        let insert = try db.prepare("INSERT INTO t(y) VALUES(?)")
        for name in ["a", "b", "c"] {
            try insert.reset()
            try insert.bind([.text(name)])
            _ = try insert.step()
        }
        let rows = try db.queryAll("SELECT x, y FROM t WHERE x >= ? ORDER BY x DESC", [.integer(2)])
        #expect(rows == [[.integer(3), .text("c")], [.integer(2), .text("b")]])
        #expect(try db.prepare("SELECT x AS k, y FROM t").columnNames == ["k", "y"])
    }

    @Test func anEmptyDatabaseReadsAsEmpty() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        for path in [":memory:", dir.file("new.db")] {
            let db = try Database(path: path)
            #expect(try db.queryAll("SELECT count(*) FROM sqlite_master") == [[.integer(0)]])
            #expect(try db.queryAll("SELECT * FROM sqlite_schema").isEmpty)
            #expect(try db.queryAll("PRAGMA integrity_check") == [[.text("ok")]])
            #expect { try db.queryAll("SELECT * FROM t") } throws: { ($0 as? DatabaseError)?.message == "no such table: t" }
        }
    }

    @Test func namedParameters() throws {
        let db = try Database()
        let stmt = try db.prepare("SELECT :a, @b, $c, ?5, :a")
        #expect(stmt.parameterCount == 5)
        #expect((1...5).map { stmt.parameterName(at: $0) } == [":a", "@b", "$c", nil, "?5"])
        try stmt.bind(.integer(1), named: ":a")
        try stmt.bind(.text("b"), named: "@b")
        try stmt.bind(.real(2.5), named: "$c")
        try stmt.bind(.blob([1]), named: "?5")
        #expect(try stmt.step())
        #expect(stmt.row == [.integer(1), .text("b"), .real(2.5), .blob([1]), .integer(1)])
        #expect { try stmt.bind(.null, named: ":nope") } throws: { ($0 as? DatabaseError)?.code == .range }
    }

    @Test func explicitTransactionsCommitAndRollBack() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(a)")
        try db.begin()
        #expect(db.isAutocommit == false)
        try db.execute("INSERT INTO t VALUES(1)")
        try db.rollback()
        #expect(db.isAutocommit)
        #expect(try db.queryAll("SELECT count(*) FROM t") == [[.integer(0)]])
        try db.beginImmediate()
        try db.execute("INSERT INTO t VALUES(2)")
        try db.commit()
        #expect(try db.queryAll("SELECT a FROM t") == [[.integer(2)]])
    }

    @Test func errorsCarrySQLiteCodesAndMessages() throws {
        let db = try Database()
        #expect { try db.execute("SELEC 1") } throws: { error in
            let e = error as? DatabaseError
            return e?.code == .error && e?.message == "near \"SELEC\": syntax error" && e?.offset == 0
        }
        try db.execute("CREATE TABLE t(a UNIQUE)")
        try db.execute("INSERT INTO t VALUES(1)")
        #expect { try db.execute("INSERT INTO t VALUES(1)") } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            let isConstraint: Bool = { if case .constraint = e.code { return true }; return false }()
            return isConstraint && e.message == "UNIQUE constraint failed: t.a"
        }
        #expect { try db.queryAll("SELECT * FROM nosuch") } throws: { error in
            (error as? DatabaseError)?.message == "no such table: nosuch"
        }
    }

    @Test func statementsRecompileAfterASchemaChange() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("schema.db")
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t(a); INSERT INTO t VALUES(1), (2)")
        let query = try db.prepare("SELECT * FROM t WHERE a >= ?")
        try query.bind([.integer(2)])
        // Another connection changes the schema: the statement's program is stale.
        let other = try Database(path: path)
        try other.execute("DROP TABLE t; CREATE TABLE t(a, b); INSERT INTO t VALUES(5, 'five')")
        try other.close()
        #expect(try query.step())
        #expect(query.row == [.integer(5), .text("five")])
        #expect(query.columnNames == ["a", "b"])
        #expect(try query.step() == false)
        // A finished statement rewinds itself on the next step, as sqlite3_step does.
        #expect(try query.step())
        #expect(query.row == [.integer(5), .text("five")])
    }

    /// The session compiles against its cached schema without checking the cookie (Spec/L6
    /// invariant 1a): a change by another connection is still seen by the next statement,
    /// through the program's cookie check, a failed name lookup, or the check made for a
    /// program that reads no table.
    @Test func freshStatementsSeeSchemaChangesByOthers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("lazy.db")
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t(a); INSERT INTO t VALUES(1); CREATE VIEW v AS SELECT 1 AS x")
        #expect(try db.queryAll("SELECT * FROM t") == [[.integer(1)]])
        #expect(try db.queryAll("SELECT * FROM v") == [[.integer(1)]])
        func change(_ sql: String) throws {
            let other = try Database(path: path)
            try other.execute(sql)
            try other.close()
        }
        try change("ALTER TABLE t ADD COLUMN b DEFAULT 7")
        #expect(try db.queryAll("SELECT * FROM t") == [[.integer(1), .integer(7)]])
        try change("CREATE TABLE u(c); INSERT INTO u VALUES(3)")
        #expect(try db.queryAll("SELECT * FROM u") == [[.integer(3)]])
        try change("DROP VIEW v; CREATE VIEW v AS SELECT 2 AS x")
        #expect(try db.queryAll("SELECT * FROM v") == [[.integer(2)]])
        try change("DROP TABLE u")
        #expect { try db.queryAll("SELECT * FROM u") } throws: { error in
            (error as? DatabaseError)?.message == "no such table: u"
        }
        try change("CREATE INDEX ta ON t(a)")
        try db.execute("INSERT INTO t VALUES(2, 8)")
        #expect(try db.queryAll("SELECT a FROM t INDEXED BY ta WHERE a = 2") == [[.integer(2)]])
    }

    @Test func malformedSQLNeverCrashes() throws {
        let db = try Database()
        let inputs = ["", ";", "SELECT", "SELECT (", "CREATE TABLE", "INSERT INTO", "x'zz'", "SELECT 'abc",
                      "SELECT * FROM t WHERE", String(repeating: "(", count: 100_000),
                      String(repeating: "SELECT 1 UNION ", count: 2000) + "SELECT 1", "\u{0}", "SELECT 1e999999"]
        for sql in inputs {
            _ = try? db.execute(sql)
        }
        #expect(try db.queryAll("SELECT 1") == [[.integer(1)]])
    }
}

@Suite struct CapabilityTests {
    @Test func readConnectionsOnlyRead() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("cap.db")
        let admin = try Database(path: path)
        try admin.execute("CREATE TABLE t(a); INSERT INTO t VALUES(1)")
        try admin.close()

        let reader = try Database(path: path, capability: .read)
        #expect(try reader.queryAll("SELECT a FROM t") == [[.integer(1)]])
        for sql in ["INSERT INTO t VALUES(2)", "UPDATE t SET a = 3", "DELETE FROM t", "CREATE TABLE u(b)", "DROP TABLE t"] {
            #expect { try reader.execute(sql) } throws: { ($0 as? DatabaseError)?.code == .readonly }
        }
        #expect(try reader.queryAll("SELECT a FROM t") == [[.integer(1)]])
    }

    @Test func writeConnectionsCannotChangeTheSchema() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("cap.db")
        try Database(path: path).execute("CREATE TABLE t(a)")
        let writer = try Database(path: path, capability: .write)
        try writer.execute("INSERT INTO t VALUES(1); UPDATE t SET a = 2; INSERT INTO t VALUES(3); DELETE FROM t WHERE a = 3")
        for sql in ["CREATE TABLE u(b)", "DROP TABLE t", "CREATE INDEX i ON t(a)"] {
            #expect { try writer.execute(sql) } throws: { ($0 as? DatabaseError)?.code == .authDenied }
        }
        #expect(try writer.queryAll("SELECT a FROM t") == [[.integer(2)]])
    }
}
