// This file tests INSERT … SELECT against sqlite3: rows inserted straight from the SELECT,
// and through an ephemeral table when the SELECT reads the target or the target has triggers.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Codegen (INSERT … SELECT).
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct InsertSelectTests {
    static let scripts: [String: [String]] = [
        "ordinary": [
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL)",
            "CREATE TABLE u(x, y, z)",
            "INSERT INTO u VALUES (3,'c',1.5),(1,'a','2'),(2,'b',NULL),(7,'g',x'01')",
            "INSERT INTO t SELECT * FROM u WHERE x < 5",
            "INSERT INTO t(b, c) SELECT y, z FROM u ORDER BY x DESC LIMIT 2 OFFSET 1",
            "INSERT INTO t SELECT x + 10, y, z FROM u UNION ALL SELECT 100, 'k', 0",
            "INSERT INTO t SELECT DISTINCT x % 2 + 200, 'd', 1 FROM u",
            "INSERT INTO t(a, b) SELECT count(*) + 300, group_concat(y) FROM u GROUP BY x % 2",
            "INSERT INTO t(b) SELECT y FROM u WHERE 0",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 20) INSERT INTO t(b) SELECT n FROM c",
            "INSERT INTO t SELECT x, y, z FROM u",
            "INSERT INTO t(a) SELECT 'abc'",
            "INSERT INTO t SELECT 1, 2",
            "SELECT a, b, c, typeof(b), typeof(c) FROM t ORDER BY a",
            "SELECT changes(), total_changes()",
        ],
        "conflicts": [
            "CREATE TABLE k(p UNIQUE, q NOT NULL, r CHECK (r IS NULL OR r > 0))",
            "CREATE TABLE u(x, y)",
            "INSERT INTO u VALUES (1,'a'),(2,'b'),(3,'c'),(4,NULL)",
            "INSERT OR IGNORE INTO k(p, q) SELECT x % 2, y FROM u",
            "SELECT * FROM k ORDER BY p",
            "INSERT OR REPLACE INTO k(p, q) SELECT x % 2, y FROM u WHERE y IS NOT NULL",
            "SELECT * FROM k ORDER BY p",
            "INSERT INTO k(p, q) SELECT x % 2, y FROM u WHERE y IS NOT NULL ON CONFLICT(p) DO UPDATE SET q = q || excluded.q",
            "SELECT * FROM k ORDER BY p",
            "INSERT INTO k(p, q) SELECT x + 10, y FROM u",
            "INSERT INTO k(p, q, r) SELECT x + 20, 'q', -x FROM u",
            "INSERT INTO k(p, q) SELECT 1, 'dup' FROM u",
            "SELECT * FROM k ORDER BY p",
            "CREATE TABLE w(x INTEGER PRIMARY KEY AUTOINCREMENT, y)",
            "INSERT INTO w(y) SELECT y FROM u",
            "INSERT INTO w(y) SELECT seq FROM sqlite_sequence",
            "INSERT INTO w(y) SELECT last_insert_rowid() FROM u",
            "INSERT INTO w(y) SELECT changes() FROM u",
            "SELECT * FROM w",
            "SELECT * FROM sqlite_sequence",
            "INSERT INTO w(y) SELECT 'r' || x FROM u WHERE x < 3 RETURNING x, y",
        ],
        "sameTable": [
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b)",
            "INSERT INTO t VALUES (1, 'x'), (2, 'y')",
            "INSERT INTO t(b) SELECT b FROM t",
            "INSERT INTO t(b) SELECT b FROM t",
            "INSERT INTO t SELECT a + 100, b FROM t",
            "INSERT INTO t(b) SELECT (SELECT count(*) FROM t) FROM t WHERE a < 3",
            "INSERT INTO t(b) SELECT y FROM (SELECT b AS y FROM t WHERE a > 100)",
            "WITH c AS (SELECT b FROM t WHERE a < 3) INSERT INTO t(b) SELECT b FROM c",
            "INSERT INTO t(b) SELECT 'in' FROM (SELECT 1) WHERE 1 IN (SELECT a FROM t)",
            "SELECT count(*), max(a) FROM t",
            "SELECT * FROM t ORDER BY a",
            "CREATE TABLE s(a, b UNIQUE)",
            "CREATE INDEX sa ON s(a)",
            "INSERT INTO s VALUES (1, 1), (2, 2)",
            "INSERT INTO s SELECT a + 10, b + 10 FROM s WHERE a > 0",
            "INSERT INTO s SELECT a, b + 100 FROM s INDEXED BY sa WHERE a > 1",
            "INSERT INTO s SELECT * FROM s",
            "SELECT * FROM s ORDER BY a, b",
        ],
        "view": [
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b)",
            "INSERT INTO t VALUES (1, 'x'), (2, 'y')",
            "CREATE VIEW v AS SELECT a + 10 AS a, b || b AS b FROM t",
            "CREATE VIEW vv AS SELECT * FROM v WHERE a > 0",
            "INSERT INTO t SELECT * FROM v",
            "INSERT INTO t SELECT a + 100, b FROM vv",
            "SELECT * FROM t ORDER BY a",
            "CREATE TABLE o(a, b)",
            "INSERT INTO o SELECT * FROM v",
            "SELECT * FROM o ORDER BY a",
        ],
        "triggers": [
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b)",
            "CREATE TABLE u(x, y)",
            "CREATE TABLE log(m)",
            "INSERT INTO u VALUES (1, 'a'), (2, 'b')",
            "CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO u VALUES (new.a + 10, 'trig'); INSERT INTO log VALUES (new.a); END",
            "INSERT INTO t SELECT * FROM u",
            "INSERT INTO t(b) SELECT y FROM u",
            "SELECT * FROM t ORDER BY a",
            "SELECT * FROM u ORDER BY x",
            "SELECT * FROM log ORDER BY m",
            "CREATE TRIGGER tb BEFORE INSERT ON t BEGIN INSERT INTO log VALUES (new.b); END",
            "INSERT INTO t(b) SELECT y FROM u WHERE x < 3",
            "SELECT count(*) FROM u",
            "SELECT * FROM log ORDER BY m",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        try expectMatchesSQLite(statements, label: name)
    }

    static let schema = """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b);
        CREATE TABLE u(x, y);
        CREATE INDEX tb ON t(b);
        CREATE VIEW v AS SELECT * FROM t;
        CREATE TABLE g(a, b);
        CREATE TRIGGER gi AFTER INSERT ON g BEGIN SELECT 1; END;
        """

    static func usesEphemeral(_ sql: String) throws -> Bool {
        let schema = try CodegenOracle.schema(Self.schema)
        let p = try #require(try Compiler.prepare(sql, from: 0, schema: schema))
        return p.program.instructions.contains { $0.opcodeName == "OpenEphemeral" }
    }

    /// The direct path is taken only when it is safe (SQLite's rule).
    @Test func ephemeralTableOnlyWhenNeeded() throws {
        guard Oracle.isAvailable else { return }
        #expect(try !Self.usesEphemeral("INSERT INTO t SELECT x, y FROM u"))
        #expect(try !Self.usesEphemeral("INSERT INTO t(b) SELECT y FROM u WHERE x > (SELECT min(x) FROM u)"))
        #expect(try Self.usesEphemeral("INSERT INTO t SELECT * FROM t"))
        #expect(try Self.usesEphemeral("INSERT INTO t(b) SELECT b FROM t WHERE b > 0"))
        #expect(try Self.usesEphemeral("INSERT INTO t(b) SELECT (SELECT max(a) FROM t) FROM u"))
        #expect(try Self.usesEphemeral("INSERT INTO t SELECT * FROM v"))
        #expect(try Self.usesEphemeral("WITH c AS (SELECT * FROM t) INSERT INTO t SELECT * FROM c"))
        #expect(try Self.usesEphemeral("INSERT INTO g SELECT x, y FROM u"))
        #expect(try Self.usesEphemeral("INSERT INTO t SELECT x, y FROM u RETURNING a"))
    }
}
