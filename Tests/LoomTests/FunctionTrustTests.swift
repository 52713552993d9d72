// Tests of the innocuous / direct-only flags of application functions (sqlite3's
// SQLITE_INNOCUOUS / SQLITE_DIRECTONLY) under PRAGMA trusted_schema: views and triggers
// outside temp and DEFAULT expressions refuse untrusted functions with "unsafe use of f()",
// as the sqlite3 shell does with its own functions (shell_int32: plain, readfile: direct-only,
// sha3: innocuous). Layer: L7 over L5. Spec: Spec/L7-api.md §Migrations and functions.
import Testing
import Loom

private struct Count: DatabaseAggregate {
    var n = 0
    mutating func step(_ values: [DatabaseValue]) { n += 1 }
    func finalize() -> (any DatabaseValueConvertible)? { n }
}

@Suite struct FunctionTrustTests {
    func makeDatabase() throws -> Database {
        let db = try Database()
        db.add(function: DatabaseFunction("plain", argumentCount: 1) { $0[0] })
        db.add(function: DatabaseFunction("safe", argumentCount: 1, innocuous: true) { $0[0] })
        db.add(function: DatabaseFunction("direct", argumentCount: 1, innocuous: true, directOnly: true) { $0[0] })
        db.add(function: DatabaseFunction("plaincount", argumentCount: 1, aggregate: Count.self))
        db.add(function: DatabaseFunction("safecount", argumentCount: 1, innocuous: true, aggregate: Count.self))
        try db.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES(1), (2)")
        return db
    }

    private func expectUnsafe(_ db: Database, _ sql: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try db.execute(sql: sql)
            Issue.record("expected unsafe use of \(name)()", sourceLocation: sourceLocation)
        } catch let error as DatabaseError {
            #expect(error.code == .error, sourceLocation: sourceLocation)
            #expect(error.message == "unsafe use of \(name)()", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func flagsAreReported() {
        let f = DatabaseFunction("f", argumentCount: 1, innocuous: true, directOnly: true) { $0[0] }
        #expect(f.isInnocuous && f.isDirectOnly && !f.isPure)
        let g = DatabaseFunction("g") { _ in nil }
        #expect(!g.isInnocuous && !g.isDirectOnly)
    }

    @Test func viewsUnderTrustedSchemaOff() throws {
        let db = try makeDatabase()
        try db.execute(sql: """
            CREATE VIEW vp AS SELECT plain(x) AS v FROM t;
            CREATE VIEW vs AS SELECT safe(x) AS v FROM t;
            CREATE VIEW vd AS SELECT direct(x) AS v FROM t;
            CREATE VIEW va AS SELECT plaincount(x) AS v FROM t;
            CREATE VIEW vsa AS SELECT safecount(x) AS v FROM t;
            CREATE VIEW vn AS SELECT (SELECT plain(1)) AS v;
            CREATE VIEW vo AS SELECT v FROM vp;
            CREATE TEMP VIEW tp AS SELECT plain(x) AS v FROM t;
            CREATE TEMP VIEW td AS SELECT direct(x) AS v FROM t;
            """)
        // trusted_schema on (the default): only direct-only functions are refused.
        #expect(try Int.fetchAll(db, sql: "SELECT v FROM vp") == [1, 2])
        #expect(try Int.fetchOne(db, sql: "SELECT v FROM va") == 2)
        expectUnsafe(db, "SELECT * FROM vd", "direct")
        try db.execute(sql: "PRAGMA trusted_schema = OFF")
        expectUnsafe(db, "SELECT * FROM vp", "plain")
        expectUnsafe(db, "SELECT * FROM va", "plaincount")
        expectUnsafe(db, "SELECT * FROM vn", "plain")
        expectUnsafe(db, "SELECT * FROM vo", "plain")
        expectUnsafe(db, "SELECT * FROM vd", "direct")
        #expect(try Int.fetchAll(db, sql: "SELECT v FROM vs") == [1, 2])
        #expect(try Int.fetchOne(db, sql: "SELECT v FROM vsa") == 2)
        // TEMP views are the application's own: never refused.
        #expect(try Int.fetchAll(db, sql: "SELECT v FROM tp") == [1, 2])
        #expect(try Int.fetchAll(db, sql: "SELECT v FROM td") == [1, 2])
        // Direct calls are always allowed.
        #expect(try Int.fetchAll(db, sql: "SELECT plain(x) FROM t") == [1, 2])
        #expect(try Int.fetchAll(db, sql: "SELECT direct(x) FROM t") == [1, 2])
        // Written as called (the name's case kept).
        expectUnsafe(db, "CREATE VIEW vq AS SELECT PLAIN(x) FROM t; SELECT * FROM vq", "PLAIN")
    }

    @Test func triggersAndDefaults() throws {
        let db = try makeDatabase()
        try db.execute(sql: """
            CREATE TABLE log(v);
            CREATE TABLE a(x); CREATE TABLE b(x); CREATE TABLE c(x);
            CREATE TRIGGER ta AFTER INSERT ON a BEGIN INSERT INTO log VALUES(plain(new.x)); END;
            CREATE TRIGGER tb AFTER INSERT ON b BEGIN INSERT INTO log VALUES(safe(new.x)); END;
            CREATE TEMP TRIGGER tc AFTER INSERT ON c BEGIN INSERT INTO log VALUES(direct(new.x)); END;
            CREATE TABLE d(x DEFAULT (plain(5)));
            CREATE TABLE e(x DEFAULT (direct(6)));
            CREATE TABLE k(x CHECK (plain(x) IS NOT NULL));
            """)
        try db.execute(sql: "INSERT INTO a VALUES(1); INSERT INTO d DEFAULT VALUES")
        expectUnsafe(db, "INSERT INTO e DEFAULT VALUES", "direct")
        try db.execute(sql: "PRAGMA trusted_schema = OFF")
        expectUnsafe(db, "INSERT INTO a VALUES(2)", "plain")
        expectUnsafe(db, "INSERT INTO d DEFAULT VALUES", "plain")
        try db.execute(sql: "INSERT INTO b VALUES(3); INSERT INTO c VALUES(4); INSERT INTO d VALUES(7)")
        // CHECK constraints are not refused (sqlite3 3.40.1 does not either).
        try db.execute(sql: "INSERT INTO k VALUES(8)")
        #expect(try Int.fetchAll(db, sql: "SELECT v FROM log ORDER BY rowid") == [1, 3, 4])
        #expect(try Int.fetchAll(db, sql: "SELECT x FROM d ORDER BY rowid") == [5, 7])
    }
}
