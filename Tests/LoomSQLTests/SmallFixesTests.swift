// This file tests small compatibility fixes against sqlite3: trigger tbl_name as written,
// STRICT columns without a type, bare rowid in joins, and unary + dropping affinity.
// Layer: L5 tests. Spec: Spec/L5-sql.md.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct SmallFixesTests {
    static let scripts: [String: [String]] = [
        "trigger tbl_name as written": [
            "CREATE TABLE t1(a)",
            "CREATE TRIGGER tr AFTER INSERT ON T1 BEGIN SELECT 1; END",
            "CREATE TRIGGER tr2 BEFORE DELETE ON main.\"T1\" BEGIN SELECT 1; END",
            "CREATE TEMP TRIGGER tr3 AFTER UPDATE ON T1 BEGIN SELECT 1; END",
            "CREATE INDEX i ON T1(a)",
            "SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name",
            "INSERT INTO t1 VALUES(1)",
            "DROP TABLE t1",
            "SELECT count(*) FROM sqlite_schema",
            "CREATE TABLE t1(a)",
            "INSERT INTO t1 VALUES(2)",
            "SELECT * FROM t1",
        ],
        "strict columns need a type": [
            "CREATE TABLE b(x) STRICT",
            "CREATE TABLE b2(x int, y) STRICT",
            "CREATE TABLE b3(x int, y primary key) STRICT, WITHOUT ROWID",
            "CREATE TABLE b4(x int, y primary key) WITHOUT ROWID, STRICT",
            "CREATE TABLE b6(x int, \"y\" AS (1)) STRICT",
            "CREATE TABLE b7(x int, y GENERATED ALWAYS AS (1) STORED) STRICT",
            "CREATE TABLE t(a int) STRICT",
            "ALTER TABLE t ADD COLUMN b",
            "ALTER TABLE t ADD COLUMN c DEFAULT 1",
            "ALTER TABLE t ADD COLUMN e xyz",
            "ALTER TABLE t ADD COLUMN d text",
            "INSERT INTO t VALUES(1, 'x')",
            "INSERT INTO t VALUES(1, 2)",
            "SELECT * FROM t",
            "SELECT name, sql FROM sqlite_schema ORDER BY name",
        ],
        "bare rowid in a join": [
            "CREATE TABLE t1(a)",
            "CREATE TABLE t2(b)",
            "CREATE TABLE w(b PRIMARY KEY) WITHOUT ROWID",
            "CREATE TABLE r(b, rowid)",
            "CREATE VIEW v AS SELECT 1 AS x",
            "INSERT INTO t1 VALUES(5)",
            "INSERT INTO t2 VALUES(6)",
            "INSERT INTO r VALUES(8, 9)",
            "SELECT rowid FROM t1, t2",
            "SELECT oid FROM t1 JOIN t2",
            "SELECT _rowid_ FROM t1, t2 WHERE a = 5",
            "SELECT a FROM t1, t2 WHERE rowid = 1",
            "SELECT rowid FROM t1 x, t1 y",
            "SELECT rowid FROM t1, r",
            "SELECT rowid FROM t1, v",
            "SELECT rowid FROM t1, (SELECT 1)",
            "SELECT t1.rowid, t2.rowid FROM t1, t2",
            "SELECT (SELECT rowid FROM t1 x, t1 y) FROM t2",
        ],
        "unary plus drops affinity": [
            "CREATE TABLE t(a TEXT, n INTEGER, c COLLATE NOCASE)",
            "INSERT INTO t VALUES('1', 1, 'A')",
            "CREATE TABLE s(x, y TEXT, z INTEGER)",
            "INSERT INTO s VALUES(1, '1', 1)",
            "SELECT a IN (SELECT x FROM s), +a IN (SELECT x FROM s) FROM t",
            "SELECT n IN (SELECT y FROM s), +n IN (SELECT y FROM s) FROM t",
            "SELECT a IN (SELECT z FROM s), +a IN (SELECT z FROM s), n IN (SELECT +y FROM s), +n IN (SELECT +y FROM s) FROM t",
            "SELECT a = 1, +a = 1, a = (SELECT x FROM s), +a = (SELECT x FROM s), +a = (SELECT z FROM s) FROM t",
            "SELECT a IN (1, 2), +a IN (1, 2), n IN ('1'), +n IN ('1'), +a BETWEEN 0 AND 5 FROM t",
            "SELECT count(*) FROM s WHERE +y IN (SELECT n FROM t)",
            "SELECT count(*) FROM s WHERE +y = (SELECT +n FROM t)",
            "SELECT +c = 'a', +c IN ('a'), +c IN (SELECT 'a'), +(c COLLATE BINARY) = 'a' FROM t",
            "CREATE INDEX ta ON t(a)",
            "SELECT count(*) FROM t WHERE +a = 1",
            "SELECT count(*) FROM t WHERE a = 1",
            "SELECT +a, typeof(+n), +n + 1 FROM t ORDER BY +a",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        try expectMatchesSQLite(statements, label: name)
    }
}
