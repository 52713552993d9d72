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
