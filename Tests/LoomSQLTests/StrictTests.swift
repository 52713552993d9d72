// This file tests STRICT tables against sqlite3: datatype errors at CREATE, the checks of
// INSERT / UPDATE, the ANY type, and the stored text. Layer: L5 tests. Spec: Spec/L5-sql.md §STRICT tables.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct StrictTests {
    static let scripts: [String: [String]] = [
        "create": [
            "CREATE TABLE a(x xyz) STRICT",
            "CREATE TABLE b(x) STRICT",
            "CREATE TABLE c(x varchar(10)) strict",
            "CREATE TABLE d(x INT not null, y Integer primary key, z real, w TEXT, v blob, u any) strict, without rowid",
            "CREATE TABLE e(x int, y ANY) Strict",
            "CREATE TABLE f(x xyz)",
            "SELECT type, name, tbl_name, sql FROM sqlite_schema",
            "PRAGMA table_info(e)",
        ],
        "insert": [
            "CREATE TABLE t(a int, b integer, c real, d text, e blob, f any) strict",
            "INSERT INTO t VALUES('1', '2', '3.5', 4, x'00', '5')",
            "INSERT INTO t VALUES(' 12 ', 2.0, 2, 4.5, NULL, 1.0)",
            "INSERT INTO t VALUES(NULL, NULL, '1e3', NULL, NULL, x'01')",
            "SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e), typeof(f), a, b, c, d, f FROM t",
            "INSERT INTO t(a) VALUES('abc')",
            "INSERT INTO t(a) VALUES(1.5)",
            "INSERT INTO t(a) VALUES(x'00')",
            "INSERT INTO t(a) VALUES('0x10')",
            "INSERT INTO t(a) VALUES(9223372036854775807.0)",
            "INSERT INTO t(b) VALUES('x')",
            "INSERT INTO t(c) VALUES('x')",
            "INSERT INTO t(c) VALUES(x'01')",
            "INSERT INTO t(d) VALUES(x'01')",
            "INSERT INTO t(e) VALUES(2)",
            "INSERT INTO t(e) VALUES('x')",
            "INSERT OR IGNORE INTO t(a) VALUES('x')",
            "INSERT OR REPLACE INTO t(a) VALUES('x')",
            "SELECT count(*) FROM t",
        ],
        "order": [
            "CREATE TABLE t(a Int not null, b int check(b > 0), c INTEGER PRIMARY KEY) strict",
            "INSERT INTO t VALUES(NULL, 'x', 1)",
            "INSERT INTO t VALUES(1, 'x', 1)",
            "INSERT INTO t VALUES(1, -1, 1)",
            "INSERT INTO t VALUES(1, 1, 'x')",
            "INSERT INTO t VALUES(1, 1, '5')",
            "SELECT * FROM t",
        ],
        "update": [
            "CREATE TABLE t(a int, b text) strict",
            "INSERT INTO t VALUES(1, 'x')",
            "UPDATE t SET a = 'q'",
            "UPDATE OR IGNORE t SET a = 2.5",
            "UPDATE t SET a = '7', b = 8",
            "SELECT a, typeof(a), b, typeof(b) FROM t",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        try expectMatchesSQLite(statements, label: name)
    }
}
