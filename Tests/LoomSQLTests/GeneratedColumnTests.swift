// This file tests generated columns (VIRTUAL and STORED) against sqlite3: values on INSERT and
// UPDATE, reads, table_xinfo, errors, and a file sqlite3 checks and reads the same.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Generated columns.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct GeneratedColumnTests {
    static let scripts: [String: [String]] = [
        "basic": [
            "CREATE TABLE t(a int, b as (a*2), c text as (a || 'x') stored, d)",
            "INSERT INTO t VALUES(1, 4)",
            "INSERT INTO t(a) VALUES(2)",
            "INSERT INTO t(d, a) VALUES('dd', 3)",
            "SELECT *, typeof(b), typeof(c) FROM t",
            "SELECT b, c FROM t WHERE b > 2 ORDER BY c DESC",
            "UPDATE t SET a = a + 10 WHERE d IS NULL",
            "SELECT * FROM t",
            "PRAGMA table_xinfo(t)",
            "PRAGMA table_info(t)",
            "SELECT sql FROM sqlite_schema",
        ],
        "errors": [
            "CREATE TABLE t(a, b as (a*2))",
            "INSERT INTO t VALUES(1, 2)",
            "INSERT INTO t(a, b) VALUES(1, 2)",
            "INSERT INTO t VALUES(1)",
            "UPDATE t SET b = 3",
            "CREATE TABLE u(a, b as (x))",
            "CREATE TABLE w(a, b as (c), c as (b))",
            "INSERT INTO w(a) VALUES(1)",
            "CREATE TABLE n(a, b as (a) not null, c as (a) check (c > 0))",
            "INSERT INTO n VALUES(NULL)",
            "INSERT INTO n VALUES(-1)",
            "INSERT INTO n VALUES(1)",
            "SELECT * FROM n",
            "CREATE TABLE p(a default 1 as (2))",
            "CREATE TABLE q(a as (1) primary key)",
            "CREATE TABLE r(a, b as (abs(a)), c as (changes()))",
            "CREATE TABLE r2(a, b as (random()))",
            "CREATE TABLE r3(a, b as (upper(a) || coalesce(a, 1)))",
            "CREATE TABLE r4(a as (1), b as (2))",
        ],
        "chains": [
            "CREATE TABLE t(a, c as (b + 1) stored, b as (a) stored, d int as (a), e as (c * d))",
            "INSERT INTO t VALUES('5')",
            "UPDATE t SET a = 7",
            "SELECT a, b, c, d, e, typeof(d) FROM t",
            "SELECT * FROM t WHERE e = 64",
            "CREATE INDEX te ON t(e)",
            "INSERT INTO t VALUES(1)",
            "SELECT e FROM t WHERE e = 2",
            "ALTER TABLE t DROP COLUMN e",
            "SELECT * FROM t",
            "ALTER TABLE t DROP COLUMN a",
        ],
        "statements": [
            "CREATE TABLE t(id INTEGER PRIMARY KEY, a, v AS (a * 10), s AS (a + 1) STORED, u UNIQUE)",
            "CREATE TABLE log(x, y)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.v, new.s); END",
            "CREATE TRIGGER tu AFTER UPDATE ON t BEGIN INSERT INTO log VALUES(old.v, new.v); END",
            "INSERT INTO t(a, u) VALUES(1, 1) RETURNING v, s",
            "INSERT INTO t DEFAULT VALUES",
            "INSERT INTO t(a, u) SELECT a + 5, u + 5 FROM t WHERE a IS NOT NULL",
            "INSERT INTO t(a, u) VALUES(9, 1) ON CONFLICT(u) DO UPDATE SET a = excluded.a + excluded.v",
            "INSERT OR REPLACE INTO t(a, u) VALUES(3, 6)",
            "UPDATE t SET a = 2 WHERE v = 30 RETURNING *",
            "DELETE FROM t WHERE s = 3 RETURNING v",
            "SELECT * FROM t ORDER BY id",
            "SELECT * FROM log",
            "SELECT t1.v, t2.s FROM t AS t1 JOIN t AS t2 ON t1.id = t2.id ORDER BY 1",
            "SELECT count(*), sum(v), max(s) FROM t GROUP BY v > 50",
            "ALTER TABLE t ADD COLUMN w AS (a * 100)",
            "ALTER TABLE t ADD COLUMN w2 AS (a * 100) STORED",
            "ALTER TABLE t ADD COLUMN w3 AS (nosuch)",
            "ALTER TABLE t ADD COLUMN w4 AS (a) NOT NULL",
            "ALTER TABLE t ADD COLUMN w5 AS (a || 'x') NOT NULL",
            "CREATE TABLE e(a)",
            "ALTER TABLE e ADD COLUMN s AS (a + 1) STORED",
            "INSERT INTO e VALUES(1)",
            "SELECT * FROM e",
            "SELECT * FROM t ORDER BY id",
            "CREATE VIEW vv AS SELECT v, w FROM t",
            "SELECT * FROM vv ORDER BY 1",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        try expectMatchesSQLite(statements, label: name)
    }

    /// A file with VIRTUAL and STORED columns written by Loom passes sqlite3's
    /// integrity_check and reads the same as sqlite3's own.
    @Test func fileIsValidForSQLite() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory("gencol")
        defer { dir.cleanup() }
        let script = [
            "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, v AS (upper(a)), s INT AS (length(a)) STORED, z)",
            "CREATE INDEX tv ON t(v)",
            "CREATE INDEX ts ON t(s, z)",
            "INSERT INTO t(a, z) VALUES('one', 1), ('three', 3), (NULL, 4)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO t(a, z) SELECT printf('%0300d', i), i FROM n",
            "UPDATE t SET a = a || 'x' WHERE id % 3 = 0",
            "DELETE FROM t WHERE id % 7 = 0",
        ]
        let sqliteFile = try expectLoomFileMatchesSQLite(script, check: "SELECT * FROM t; SELECT v, s FROM t ORDER BY v, s;", in: dir)
        // And Loom reads sqlite3's file the same.
        let session = try MiniSession(path: sqliteFile)
        let rows = session.run("SELECT * FROM t; SELECT v, s FROM t ORDER BY v, s").flatMap(\.rows)
        let expected = try Oracle.run([sqliteFile, "SELECT * FROM t; SELECT v, s FROM t ORDER BY v, s;"])
        #expect(rows.joined(separator: "\n") + "\n" == expected.stdout)
    }
}
