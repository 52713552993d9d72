// This file runs end-to-end scripts for the later SQL features (TEMP views and triggers,
// recursive CTEs, RETURNING details) and compares every statement's rows or error with
// sqlite3's. Layer: L5 tests. Spec: Spec/L5-sql.md §Testing.
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct EndToEndMoreTests {
    static let scripts: [String: [String]] = [
        "tempViewsAndTriggers": [
            "CREATE TABLE t1(x INTEGER, y TEXT)",
            "INSERT INTO t1 VALUES(1,'a'),(2,'b'),(-3,'c')",
            "CREATE TABLE log(msg TEXT)",
            "CREATE TEMP VIEW v1 AS SELECT x FROM t1 WHERE x>0",
            "SELECT * FROM v1 ORDER BY x",
            "CREATE VIEW temp.v2 AS SELECT y FROM t1",
            "SELECT count(*) FROM v2",
            "CREATE TEMPORARY VIEW v1 AS SELECT 1",
            "CREATE TEMP VIEW IF NOT EXISTS v1 AS SELECT 1",
            "CREATE TEMP TRIGGER tr1 AFTER INSERT ON t1 BEGIN INSERT INTO log VALUES('ins '||new.x); END",
            "INSERT INTO t1 VALUES(5,'e')",
            "SELECT * FROM log",
            "SELECT * FROM v1 ORDER BY x",
            "SELECT name FROM sqlite_schema ORDER BY name",
            "DROP TRIGGER tr1",
            "INSERT INTO t1 VALUES(6,'f')",
            "SELECT count(*) FROM log",
            "DROP TABLE v1",
            "DROP VIEW v1",
            "SELECT * FROM v1",
            "DROP VIEW v2",
            "DROP VIEW IF EXISTS v2",
            "DROP VIEW v2",
        ],
        "recursiveCTE": [
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<5) SELECT * FROM c",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT 4) SELECT group_concat(i) FROM c",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT 4 OFFSET 2) SELECT group_concat(i) FROM c",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT 0) SELECT count(*) FROM c",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT (x*3)%7 FROM c) SELECT group_concat(x) FROM c",
            "WITH c(x) AS (SELECT 1 UNION SELECT (x*3)%7 FROM c) SELECT count(*) FROM c",
            "CREATE TABLE org(name TEXT PRIMARY KEY, boss TEXT)",
            "INSERT INTO org VALUES('Alice',NULL),('Bob','Alice'),('Cindy','Alice'),('Dave','Bob'),('Emma','Bob'),('Fred','Cindy'),('Gail','Cindy')",
            "WITH RECURSIVE u(name,level) AS (VALUES('Alice',0) UNION ALL SELECT org.name, u.level+1 FROM org JOIN u ON org.boss=u.name ORDER BY 2) SELECT substr('..........',1,level*3) || name FROM u",
            "WITH RECURSIVE u(name,level) AS (VALUES('Alice',0) UNION ALL SELECT org.name, u.level+1 FROM org JOIN u ON org.boss=u.name ORDER BY 2 DESC) SELECT substr('..........',1,level*3) || name FROM u",
            "WITH RECURSIVE u(name,level) AS (VALUES('Alice',0) UNION ALL SELECT org.name, u.level+1 FROM org, u WHERE org.boss=u.name ORDER BY level DESC, name LIMIT 5) SELECT name FROM u",
            "WITH RECURSIVE u(name,level) AS (SELECT 'Alice' AS n, 0 AS l UNION ALL SELECT org.name, u.level+1 FROM org, u WHERE org.boss=u.name ORDER BY l DESC, n LIMIT 5) SELECT name FROM u",
            "WITH RECURSIVE c(x) AS (SELECT 5 AS k UNION ALL SELECT x-1 FROM c WHERE x>0 ORDER BY k+0) SELECT * FROM c",
            "WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM cnt WHERE x<3), cnt2(y) AS (SELECT x*10 FROM cnt) SELECT x, y FROM cnt, cnt2 ORDER BY x, y",
            "CREATE TABLE t(a, b)",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<100) INSERT INTO t SELECT i, i*i FROM c",
            "SELECT count(*), sum(b) FROM t",
            "WITH RECURSIVE fib(a,b) AS (SELECT 0,1 UNION ALL SELECT b, a+b FROM fib WHERE b < 100) SELECT a FROM fib",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<3) SELECT i, (SELECT count(*) FROM c AS d WHERE d.i<=c.i) FROM c",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<3 UNION ALL SELECT i+10 FROM c WHERE i<2) SELECT * FROM c",
            "WITH RECURSIVE c(i) AS (SELECT 1, 2 UNION ALL SELECT i+1 FROM c WHERE i<3) SELECT * FROM c",
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1, 2 FROM c WHERE i<3) SELECT * FROM c",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<1000) SELECT x%7 AS g, count(*), sum(x) FROM c GROUP BY g ORDER BY g",
        ],
        "updateDeleteLimit": [
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c UNIQUE)",
            "INSERT INTO t VALUES(1,'x',10),(2,'y',20),(3,'x',30),(4,'z',40),(5,'y',50)",
            "DELETE FROM t RETURNING a ORDER BY b DESC, a LIMIT 2",
            "SELECT * FROM t",
            "DELETE FROM t RETURNING * LIMIT 1 OFFSET 1",
            "SELECT * FROM t",
            "DELETE FROM t ORDER BY a",
            "UPDATE t SET b = b || '!' RETURNING a, b ORDER BY a DESC LIMIT 1",
            "UPDATE t SET c = c + 1 RETURNING c ORDER BY c DESC LIMIT 5",
            "UPDATE t SET c = c + 10 WHERE a > 1 ORDER BY c LIMIT 1",
            "SELECT * FROM t",
            "UPDATE t SET b = 'q' ORDER BY a",
            "UPDATE t SET b = 'w' LIMIT -1",
            "DELETE FROM t WHERE a = 1 LIMIT 0",
            "SELECT * FROM t",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER tr AFTER DELETE ON t BEGIN INSERT INTO log VALUES(old.a); END",
            "DELETE FROM t ORDER BY a DESC LIMIT 2",
            "SELECT * FROM log",
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
