// This file tests partial indexes and indexes on expressions against sqlite3: CREATE INDEX
// checks and messages, entries kept on every write path (files checked by sqlite3's
// integrity_check both ways), pragmas. Layer: L5 tests. Spec: Spec/L5-sql.md §Expression and partial indexes.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct IndexExpressionTests {
    static let scripts: [String: [String]] = [
        "create errors": [
            "CREATE TABLE t(a, b, c TEXT COLLATE nocase)",
            "CREATE TABLE u(x)",
            "CREATE INDEX e1 ON t(random())",
            "CREATE INDEX e2 ON t(a) WHERE random() > 0",
            "CREATE INDEX e3 ON t((SELECT 1))",
            "CREATE INDEX e4 ON t(a) WHERE b IN (SELECT x FROM u)",
            "CREATE INDEX e5 ON t(u.x)",
            "CREATE INDEX e6 ON t(a) WHERE u.x > 0",
            "CREATE INDEX e7 ON t(count(a))",
            "CREATE INDEX e9 ON t(a + ?)",
            "CREATE INDEX e10 ON t(a) WHERE b > ?",
            "CREATE INDEX e11 ON t(nosuch(a))",
            "CREATE INDEX e12 ON t(a) WHERE zz > 0",
            "CREATE INDEX e13 ON t(zz + 1)",
            "CREATE INDEX e15 ON t(rowid + 1)",
            "CREATE INDEX e16 ON t(a) WHERE rowid > 0",
            "CREATE INDEX e22 ON t(t.a + 1)",
            "CREATE INDEX e19 ON t(cast(a AS text), +c, b, (a))",
            "CREATE INDEX e20 ON t(1)",
            "SELECT name, sql FROM sqlite_schema",
            "PRAGMA index_list(t)",
            "PRAGMA index_info(e19)",
            "PRAGMA index_xinfo(e19)",
        ],
        "maintenance": [
            "CREATE TABLE t(a, b, c TEXT COLLATE nocase)",
            "INSERT INTO t VALUES(1, 2, 'X'), (3, -4, 'y'), (5, 6, NULL), ('7', 8, 'Z')",
            "CREATE INDEX e1 ON t(a + b)",
            "CREATE INDEX e2 ON t(a) WHERE b > 0",
            "CREATE UNIQUE INDEX e3 ON t(lower(c)) WHERE c IS NOT NULL",
            "CREATE INDEX e4 ON t(cast(a AS text) DESC, c, b * 2)",
            "INSERT INTO t VALUES(9, 10, 'w')",
            "INSERT INTO t VALUES(9, 10, 'W')",
            "INSERT OR IGNORE INTO t VALUES(9, 10, 'W')",
            "UPDATE t SET b = b + 1 WHERE a = 1",
            "UPDATE t SET c = 'z' WHERE a = 1",
            "UPDATE OR REPLACE t SET c = 'z' WHERE a = 1",
            "DELETE FROM t WHERE a = 3",
            "INSERT OR REPLACE INTO t VALUES(11, 12, 'x')",
            "INSERT INTO t VALUES(12, 1, 'q') ON CONFLICT DO UPDATE SET b = -b",
            "INSERT INTO t VALUES(13, 1, 'Q') ON CONFLICT DO UPDATE SET b = -b",
            "CREATE UNIQUE INDEX e5 ON t(b) WHERE b < 0",
            "INSERT INTO t VALUES(14, -1, NULL)",
            "INSERT INTO t VALUES(14, -1, NULL) ON CONFLICT(b) WHERE b < 0 DO UPDATE SET a = 99",
            "CREATE UNIQUE INDEX e6 ON t(a * 10 + 1)",
            "INSERT INTO t VALUES(5, 0, 'n1') ON CONFLICT(A*10 + 1) DO UPDATE SET b = 100",
            "INSERT INTO t VALUES(5, 0, 'n2') ON CONFLICT(a * 10 + 2) DO NOTHING",
            "INSERT INTO t VALUES(5, 0, 'n3') ON CONFLICT(lower(c)) WHERE c IS NOT NULL DO NOTHING",
            "SELECT * FROM t ORDER BY a",
            "SELECT * FROM t WHERE a + b > 3 ORDER BY 1",
        ],
        "triggers and without rowid": [
            "CREATE TABLE w(k PRIMARY KEY, v, n INT) WITHOUT ROWID",
            "CREATE INDEX w1 ON w(v) WHERE n > 0",
            "CREATE UNIQUE INDEX w2 ON w(upper(v))",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER tr AFTER INSERT ON log BEGIN INSERT INTO w VALUES(new.x, 'v' || new.x, new.x - 2); END",
            "INSERT INTO log VALUES(1), (2), (3), (4)",
            "INSERT INTO w VALUES(9, 'V1', 1)",
            "INSERT OR REPLACE INTO w VALUES(9, 'V1', 1)",
            "UPDATE w SET n = -n",
            "UPDATE w SET v = 'x' || v WHERE k > 2",
            "DELETE FROM w WHERE k = 4",
            "SELECT * FROM w ORDER BY k",
        ],
        "alter": [
            "CREATE TABLE t(a, b, c)",
            "CREATE INDEX i1 ON t(a + b)",
            "CREATE INDEX i2 ON t(a) WHERE c > 0",
            "ALTER TABLE t DROP COLUMN b",
            "ALTER TABLE t DROP COLUMN c",
            "ALTER TABLE t RENAME COLUMN b TO bb",
            "ALTER TABLE t RENAME COLUMN c TO cc",
            "SELECT sql FROM sqlite_schema",
            "INSERT INTO t VALUES(1, 2, 3)",
            "SELECT * FROM t",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        try expectMatchesSQLite(statements, label: name)
    }

    static let fileScript = [
        "CREATE TABLE t(a, b, c TEXT COLLATE nocase, d)",
        "CREATE TABLE w(k PRIMARY KEY, v, n INT) WITHOUT ROWID",
        "CREATE INDEX e1 ON t(a + b)",
        "CREATE INDEX e2 ON t(a) WHERE b > 0",
        "CREATE UNIQUE INDEX e3 ON t(lower(c)) WHERE c IS NOT NULL",
        "CREATE INDEX e4 ON t(cast(a AS text) DESC, c COLLATE binary, b * 2, substr(c, 2) COLLATE nocase)",
        "CREATE INDEX w1 ON w(v) WHERE n > 0",
        "CREATE INDEX w2 ON w(n * 2, v || 'x')",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200) "
            + "INSERT INTO t(a, b, c) SELECT i, i % 7 - 3, CASE WHEN i % 5 = 0 THEN NULL ELSE 'c' || i END FROM s",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200) "
            + "INSERT INTO w SELECT i, 'v' || (i % 13), i % 5 - 2 FROM s",
        "UPDATE t SET b = -b WHERE a % 3 = 0",
        "UPDATE t SET c = upper(c) WHERE a % 4 = 0",
        "DELETE FROM t WHERE a % 11 = 0",
        "UPDATE w SET n = n + 1 WHERE k % 3 = 0",
        "DELETE FROM w WHERE k % 7 = 0",
        "UPDATE t SET d = a * 2 WHERE a % 2 = 1",
        "UPDATE t SET d = d + 1, c = c || 'u' WHERE a % 9 = 1",
        "INSERT OR REPLACE INTO t VALUES(1000, 1, 'C2', 0)",
    ]

    static let check = "SELECT count(*), sum(a), sum(b), sum(d) FROM t; SELECT count(*), sum(n) FROM w; "
        + "SELECT name, sql FROM sqlite_schema ORDER BY name"

    @Test func loomFileIsSoundInSQLite() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        try expectLoomFileMatchesSQLite(Self.fileScript, check: Self.check, in: dir)
    }

    @Test func sqliteFileOpensAndStaysSoundAfterLoomWrites() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        let file = dir.file("made-by-sqlite.db")
        _ = try Oracle.run([file], input: Self.fileScript.joined(separator: ";\n") + ";\n")
        let writes = [
            "SELECT count(*) FROM t WHERE a + b > 10",
            "INSERT INTO t VALUES(2000, 5, 'new', 1)",
            "UPDATE t SET a = a + 1, b = b - 1 WHERE a % 2 = 0",
            "UPDATE t SET d = -a WHERE a % 5 = 0",
            "DELETE FROM t WHERE b < 0",
            "INSERT INTO w VALUES(5000, 'vv', 3)",
            "UPDATE w SET v = v || 'y', n = -n WHERE k % 2 = 0",
            "DELETE FROM w WHERE n = 0",
        ]
        do {
            let session = try MiniSession(path: file)
            for s in writes {
                let outcome = session.run(s)
                #expect(outcome.allSatisfy { $0.error == nil }, "\(s): \(outcome)")
            }
        }
        let reference = dir.file("reference.db")
        _ = try Oracle.run([reference], input: (Self.fileScript + writes).joined(separator: ";\n") + ";\n")
        let checkSQL = "PRAGMA integrity_check; " + Self.check
        let mine = try Oracle.run([file, checkSQL])
        #expect(mine.stdout.hasPrefix("ok\n"), "\(mine.stdout)")
        #expect(mine.stdout == (try Oracle.run([reference, checkSQL])).stdout)
    }
}
