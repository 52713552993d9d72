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
