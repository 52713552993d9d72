// This file runs SQL scripts end to end (parse → codegen → VM on MemoryVFS) and compares
// every statement's rows or error with sqlite3's. Layer: L5 tests. Spec: Spec/L5-sql.md §Testing.
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct EndToEndTests {
    static let scripts: [String: [String]] = [
        "basics": [
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d)",
            "INSERT INTO t VALUES(1, 'one', 1.5, NULL)",
            "INSERT INTO t(b, c) VALUES('two', 2), ('three', '3.0')",
            "INSERT INTO t VALUES('x', 1, 1, 1)",
            "INSERT INTO t VALUES(1, 'dup', 0, 0)",
            "SELECT * FROM t",
            "SELECT a, b, c, typeof(c) FROM t ORDER BY c DESC",
            "SELECT count(*), sum(a), avg(c), min(b), max(b), total(d) FROM t",
            "SELECT b FROM t WHERE a = 2",
            "SELECT b FROM t WHERE rowid = '3'",
            "SELECT a FROM t WHERE c > 1 LIMIT 1 OFFSET 1",
            "UPDATE t SET d = a * 10 WHERE a > 1",
            "SELECT * FROM t",
            "DELETE FROM t WHERE a = 2",
            "SELECT * FROM t",
            "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema",
            "SELECT 1 + 1, 'a' || 'b', 7 / 2, 7 % 3, -(2), NULL IS NULL, 3 > 2",
            "REPLACE INTO t VALUES(1, 'uno', 1, 1)",
            "SELECT * FROM t WHERE b = 'uno'",
            "CREATE INDEX tb ON t(b)",
            "SELECT a FROM t WHERE b = 'three'",
            "INSERT INTO t SELECT a + 10, b || '!', c, d FROM t",
            "SELECT count(*), max(a) FROM t",
        ],
        "constraints": [
            "CREATE TABLE u(x NOT NULL, y UNIQUE, z DEFAULT 7)",
            "INSERT INTO u(x, y) VALUES(1, 'a')",
            "INSERT INTO u(y) VALUES('b')",
            "INSERT INTO u VALUES(2, 'a', 0)",
            "INSERT INTO u VALUES(3, NULL, 0), (4, NULL, 1)",
            "CREATE INDEX uz ON u(z)",
            "SELECT * FROM u WHERE z = 7",
            "UPDATE u SET y = 'a' WHERE x = 3",
            "UPDATE u SET y = 'c' WHERE x = 3",
            "SELECT * FROM u ORDER BY y",
            "INSERT OR IGNORE INTO u VALUES(9, 'c', 9)",
            "INSERT OR REPLACE INTO u VALUES(5, 'c', 5)",
            "SELECT * FROM u ORDER BY x",
            "SELECT count(*) FROM u",
            "DELETE FROM u",
            "SELECT count(*) FROM u",
            "CREATE TABLE u(q)",
            "DROP INDEX uz",
            "DROP TABLE u",
            "SELECT name FROM sqlite_schema",
        ],
        "queries": [
            "CREATE TABLE e(id INTEGER PRIMARY KEY, dept TEXT, salary INT)",
            "INSERT INTO e VALUES (1,'a',10),(2,'b',20),(3,'a',30),(4,'c',NULL),(5,'b',5)",
            "SELECT dept, count(*), sum(salary), max(salary) FROM e GROUP BY dept",
            "SELECT dept, count(*) c FROM e GROUP BY dept HAVING c > 1 ORDER BY dept DESC",
            "SELECT DISTINCT dept FROM e ORDER BY 1",
            "CREATE TABLE d(name TEXT, boss TEXT)",
            "INSERT INTO d VALUES('a','x'),('b','y')",
            "SELECT e.id, d.boss FROM e JOIN d ON e.dept = d.name ORDER BY e.id",
            "SELECT e.id, d.boss FROM e LEFT JOIN d ON e.dept = d.name ORDER BY e.id",
            "SELECT id FROM e WHERE salary > (SELECT avg(salary) FROM e)",
            "SELECT id FROM e WHERE dept IN ('a', 'c')",
            "SELECT id FROM e WHERE dept IN (SELECT name FROM d)",
            "SELECT id, (SELECT boss FROM d WHERE name = dept) FROM e",
            "SELECT id FROM e WHERE EXISTS (SELECT 1 FROM d WHERE d.name = e.dept)",
            "SELECT id FROM e WHERE salary NOT IN (10, 20, NULL)",
            "SELECT 1 UNION SELECT 2 UNION ALL SELECT 1",
            "SELECT dept FROM e UNION SELECT name FROM d ORDER BY 1 DESC",
            "SELECT CASE WHEN salary > 10 THEN 'hi' ELSE 'lo' END FROM e",
            "SELECT coalesce(salary, -1), salary IS NULL, salary BETWEEN 5 AND 20 FROM e",
            "SELECT * FROM (SELECT dept, sum(salary) s FROM e GROUP BY dept) WHERE s > 10",
            "SELECT count(*) FROM e, d",
            "SELECT e.dept, d.boss FROM e, d WHERE e.dept = d.name AND e.salary > 5",
            "SELECT id FROM e ORDER BY salary DESC, id LIMIT 3",
            "CREATE VIEW rich AS SELECT id, salary FROM e WHERE salary >= 20",
            "SELECT * FROM rich",
            "CREATE TABLE e2 AS SELECT id, dept, salary * 2 AS s, 'x' FROM e WHERE id < 4",
            "SELECT sql FROM sqlite_schema WHERE name = 'e2'",
            "SELECT * FROM e2",
            "WITH big(i, s) AS (SELECT id, salary FROM e WHERE salary > 10) SELECT i, s FROM big ORDER BY s",
            "WITH a AS (SELECT 1 AS v), b AS (SELECT v + 1 AS w FROM a) SELECT * FROM a, b",
        ],
        "transactions": [
            "CREATE TABLE k(v)",
            "BEGIN",
            "INSERT INTO k VALUES(1)",
            "BEGIN",
            "ROLLBACK",
            "SELECT count(*) FROM k",
            "COMMIT",
            "ROLLBACK",
            "BEGIN IMMEDIATE",
            "INSERT INTO k VALUES(2)",
            "COMMIT",
            "SELECT * FROM k",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        let mismatches = try compareWithSQLite(statements)
        for m in mismatches {
            Issue.record("\(name): \(m.0)\n  loom:   \(m.loom)\n  sqlite: \(m.sqlite)")
        }
    }
}
