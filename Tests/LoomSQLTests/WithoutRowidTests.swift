// This file tests WITHOUT ROWID tables: Loom reads a file written by sqlite3 (several types,
// overflow values, composite / DESC / NOCASE keys, secondary indexes) and returns the same
// rows for scans, key lookups and ranges. Layer: L5 tests. Spec: Spec/L5-sql.md §WITHOUT ROWID.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct WithoutRowidTests {
    /// The database sqlite3 writes: enough rows for interior pages, text past the overflow
    /// threshold, and every storage class.
    static let setup = """
        CREATE TABLE t1(a TEXT, b INT, c REAL, d BLOB, e, PRIMARY KEY(b, a)) WITHOUT ROWID;
        CREATE INDEX t1e ON t1(e);
        CREATE INDEX t1ca ON t1(c, a);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
        INSERT INTO t1 SELECT
            CASE WHEN i % 50 = 0 THEN printf('%.*c', 3000 + i, 'x') || i ELSE 'k' || i END,
            i % 37, i * 1.5, CAST('blob' || i AS BLOB),
            CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN i WHEN 2 THEN 'e' || i ELSE i / 7.0 END
        FROM n;
        CREATE TABLE t2(k TEXT PRIMARY KEY COLLATE NOCASE, v) WITHOUT ROWID;
        INSERT INTO t2 VALUES('apple', 1), ('Banana', 2), ('cherry', 3), ('DATE', 4);
        CREATE TABLE t3(x, y, z, PRIMARY KEY(y DESC, x)) WITHOUT ROWID;
        INSERT INTO t3 VALUES(1, 'b', 10), (2, 'a', 20), (3, 'c', 30), (1, 'a', 40), (2, 'c', 50);
        CREATE TABLE r(id INTEGER PRIMARY KEY, y);
        INSERT INTO r VALUES(1, 'a'), (2, 'c'), (3, 'z');
        """

    /// Queries whose output must match sqlite3's; `sorted` ones have no defined order.
    static let queries: [(sql: String, sorted: Bool)] = [
        ("SELECT a, b, c, hex(d), e, typeof(e) FROM t1", true),
        ("SELECT a, b, c, hex(d), e FROM t1 ORDER BY b, a", false),
        ("SELECT * FROM t2", false),
        ("SELECT * FROM t3", false),
        ("SELECT z, y, x FROM t3 ORDER BY y DESC, x", false),
        ("SELECT a, c FROM t1 WHERE b = 5 ORDER BY a", false),
        ("SELECT a, c FROM t1 WHERE b = 5 AND a = 'k5'", false),
        ("SELECT length(a), b FROM t1 WHERE b = 3 AND a > 'k3' ORDER BY a", false),
        ("SELECT count(*), sum(b), max(length(a)) FROM t1", false),
        ("SELECT b, count(*) FROM t1 GROUP BY b", false),
        ("SELECT a FROM t1 WHERE b IN (1, 2) AND a < 'k2'", true),
        ("SELECT e FROM t1 WHERE e = 'e6'", false),
        ("SELECT a, b FROM t1 WHERE c = 15.0", false),
        ("SELECT v FROM t2 WHERE k = 'BANANA'", false),
        ("SELECT k FROM t2 WHERE k > 'b' ORDER BY k", false),
        ("SELECT z FROM t3 WHERE y = 'c'", true),
        ("SELECT r.id, t3.z FROM r JOIN t3 ON t3.y = r.y ORDER BY 1, 2", false),
        ("SELECT r.id, t3.z FROM r LEFT JOIN t3 ON t3.y = r.y AND t3.x = 2 ORDER BY 1, 2", false),
        ("SELECT rowid FROM t2", false),
    ]

    @Test func readsFileWrittenBySQLite() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        let file = dir.file("wr.db")
        _ = try Oracle.run([file], input: Self.setup)
        let session = try MiniSession(path: file)
        for q in Self.queries {
            let expected = try Oracle.run([file, q.sql])
            var want = expected.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if want.last == "" { want.removeLast() }
            let outcome = session.run(q.sql).first ?? StatementOutcome()
            if !expected.stderr.isEmpty {
                #expect(outcome.error != nil && expected.stderr.contains(outcome.error ?? "~"), "\(q.sql): \(outcome)")
                continue
            }
            #expect(outcome.error == nil, "\(q.sql): \(outcome.error ?? "")")
            #expect(!want.isEmpty, "\(q.sql): sqlite3 returned no rows")
            let got = q.sorted ? outcome.rows.sorted() : outcome.rows
            #expect(got == (q.sorted ? want.sorted() : want), "\(q.sql)")
        }
    }

    @Test func keyLookupsUseThePrimaryKey() throws {
        let session = try MiniSession()
        _ = session.run("CREATE TABLE t(a, b, c, PRIMARY KEY(a, b)) WITHOUT ROWID")
        let plan = session.run("EXPLAIN QUERY PLAN SELECT c FROM t WHERE a = 1 AND b > 2").first?.rows ?? []
        #expect(plan.contains { $0.hasSuffix("SEARCH t USING PRIMARY KEY (a=? AND b>?)") }, "\(plan)")
        let scan = session.run("EXPLAIN QUERY PLAN SELECT * FROM t").first?.rows ?? []
        #expect(scan.contains { $0.hasSuffix("SCAN t") }, "\(scan)")
    }

    @Test func insertMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        let mismatches = try compareWithSQLite([
            "CREATE TABLE t(a TEXT, b INT, c, d REAL NOT NULL DEFAULT 2, PRIMARY KEY(b, a)) WITHOUT ROWID",
            "INSERT INTO t VALUES('x', '1', 'c1', 1), ('y', 1, 'c2', 3)",
            "INSERT INTO t(b, a) VALUES(2, 'x')",
            "INSERT INTO t VALUES('x', 1, 'dup', 0)",
            "INSERT OR IGNORE INTO t VALUES('x', 1, 'dup', 0), ('z', 0, 'new', 0)",
            "INSERT INTO t VALUES(NULL, 5, 'n', 0)",
            "INSERT INTO t(a, b, d) VALUES('q', 9, NULL)",
            "INSERT INTO t(rowid, a, b) VALUES(1, 'r', 1)",
            "SELECT *, typeof(b), typeof(d) FROM t",
            "SELECT rowid FROM t",
            "CREATE TABLE u(k PRIMARY KEY, v UNIQUE, w) WITHOUT ROWID",
            "INSERT INTO u VALUES(1, 'a', 0), (2, 'b', 0), (3, NULL, 0), (4, NULL, 0)",
            "INSERT INTO u VALUES(5, 'a', 0)",
            "INSERT INTO u SELECT k + 10, v || 'x', w FROM u",
            "SELECT * FROM u ORDER BY k",
            "SELECT k FROM u WHERE v = 'bx'",
            "DELETE FROM t WHERE b = 1",
            "SELECT changes()",
            "SELECT * FROM t",
            "DELETE FROM u WHERE v LIKE '%x' OR k = 3",
            "SELECT changes()",
            "SELECT * FROM u ORDER BY k",
            "INSERT INTO u VALUES(11, 'ax', 1)",
            "UPDATE u SET w = w + k, v = upper(v) WHERE k > 1",
            "SELECT changes()",
            "SELECT * FROM u ORDER BY k",
            "UPDATE u SET k = k + 1",
            "SELECT * FROM u ORDER BY k",
            "UPDATE u SET v = 'AX' WHERE k = 2",
            "UPDATE u SET k = 12 WHERE k = 2",
            "UPDATE u SET k = NULL",
            "UPDATE u SET rowid = 1",
            "SELECT * FROM u ORDER BY k",
            "UPDATE t SET b = b * 10, c = a || b",
            "SELECT * FROM t",
            "DELETE FROM u",
            "SELECT count(*) FROM u",
        ])
        for m in mismatches { Issue.record("\(m.0)\nloom: \(m.loom)\nsqlite3: \(m.sqlite)") }
    }

    /// Rows Loom inserts into sqlite3's WITHOUT ROWID tables (secondary indexes included)
    /// pass integrity_check and read back the same in sqlite3.
    @Test func insertedFileIsValidForSQLite() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        let file = dir.file("ins.db")
        _ = try Oracle.run([file], input: """
            CREATE TABLE t(a TEXT, b INT, c, PRIMARY KEY(b DESC, a)) WITHOUT ROWID;
            CREATE INDEX tc ON t(c, a);
            CREATE UNIQUE INDEX tb ON t(c COLLATE nocase, b);
            """)
        let session = try MiniSession(path: file)
        let inserts = [
            "INSERT INTO t VALUES('a', 1, 'x'), ('b', 1, 'Y'), ('c', 2, NULL)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) " +
                "INSERT INTO t SELECT printf('%.*c', 1000 + i, 'k') || i, i % 13, 'c' || i FROM n",
            "INSERT INTO t VALUES('zz', 1, 'X')",
            "DELETE FROM t WHERE b = 3 OR c = 'x'",
            "DELETE FROM t WHERE b = 5 AND a > 'kkkk'",
            "UPDATE t SET c = upper(c), a = a || 'u' WHERE b IN (4, 7)",
            "UPDATE t SET b = b + 100 WHERE b = 6",
        ]
        var errors: [String] = []
        for s in inserts { errors += session.run(s).compactMap(\.error) }
        #expect(errors == ["UNIQUE constraint failed: t.c, t.b"])
        let check = try Oracle.run([file, "PRAGMA integrity_check"])
        #expect(check.stdout == "ok\n", "\(check.stdout)")
        let query = "SELECT length(a), b, c FROM t ORDER BY b DESC, a"
        let expected = try Oracle.run([file, query])
        let count = try Oracle.run([file, "SELECT count(*) FROM t"])
        #expect(count.stdout == "\(403 - 1 - 31 - 31)\n")
        #expect(session.run(query).first?.rows.joined(separator: "\n") == String(expected.stdout.dropLast()))
    }

    /// OR REPLACE / OR IGNORE, UPSERT, UPDATE OR …, RETURNING, triggers, ORDER BY / LIMIT,
    /// changes() and constraint texts (check order: newest constraint first, the PRIMARY KEY
    /// at its automatic index number) as sqlite3.
    @Test func conflictsTriggersAndReturningMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let mismatches = try compareWithSQLite([
            "CREATE TABLE t(a PRIMARY KEY, b UNIQUE, c) WITHOUT ROWID",
            "CREATE INDEX tc ON t(c)",
            "SELECT type, name, tbl_name, sql FROM sqlite_schema",
            "INSERT INTO t VALUES(1, 2, 3)",
            "SELECT changes(), total_changes()",
            "INSERT INTO t VALUES(1, 2, 4)",
            "INSERT INTO t VALUES(5, 2, 4)",
            "CREATE TABLE u(a, b UNIQUE, c, PRIMARY KEY(a)) WITHOUT ROWID",
            "INSERT INTO u VALUES(1, 2, 3)",
            "INSERT INTO u VALUES(1, 2, 4)",
            "CREATE TABLE v(a UNIQUE, b, PRIMARY KEY(b)) WITHOUT ROWID",
            "INSERT INTO v VALUES(1, 2)",
            "INSERT INTO v VALUES(1, 2)",
            "SELECT name FROM sqlite_schema WHERE type = 'index'",
            "INSERT OR REPLACE INTO t VALUES(7, 2, 9)",
            "SELECT changes(), total_changes()",
            "SELECT * FROM t",
            "INSERT INTO t VALUES(8, 3, 9) ON CONFLICT(b) DO UPDATE SET c = excluded.c + 100",
            "INSERT INTO t VALUES(8, 2, 9) ON CONFLICT(b) DO UPDATE SET c = excluded.c + 100",
            "SELECT * FROM t",
            "INSERT INTO t VALUES(8, 2, 9) ON CONFLICT(a) DO UPDATE SET c = excluded.c + 1000 WHERE c < 50",
            "INSERT INTO t VALUES(8, 2, 9) ON CONFLICT(a) DO UPDATE SET c = excluded.c + 1000",
            "SELECT * FROM t",
            "INSERT INTO t VALUES(8, 3, 9) ON CONFLICT DO NOTHING",
            "SELECT changes(), total_changes()",
            "REPLACE INTO t VALUES(8, 2, 1)",
            "SELECT * FROM t",
            "INSERT OR IGNORE INTO t VALUES(8, 5, 5), (9, 5, 5), (10, 5, 6)",
            "SELECT changes()",
            "SELECT * FROM t",
            "UPDATE OR IGNORE t SET b = 5 WHERE a = 8",
            "SELECT changes()",
            "SELECT * FROM t",
            "UPDATE OR REPLACE t SET b = 5 WHERE a = 8",
            "SELECT * FROM t",
            "UPDATE t SET b = b + 1 RETURNING *",
            "DELETE FROM t WHERE a = 8 RETURNING a, b",
            "CREATE TABLE log(x)",
            "CREATE TRIGGER tr1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES('ins ' || new.a || ' ' || new.b); END",
            "CREATE TRIGGER tr2 BEFORE DELETE ON t BEGIN INSERT INTO log VALUES('del ' || old.a); END",
            "CREATE TRIGGER tr3 AFTER UPDATE ON t BEGIN INSERT INTO log VALUES('upd ' || old.a || '->' || new.a); END",
            "INSERT INTO t VALUES(20, 21, 22)",
            "UPDATE t SET a = a + 100 WHERE a = 20",
            "DELETE FROM t WHERE a > 100",
            "SELECT * FROM log",
            "INSERT INTO t VALUES(30, 31, 32), (31, 32, 33) RETURNING a, c",
            "DELETE FROM t ORDER BY a DESC LIMIT 1",
            "UPDATE t SET c = -c ORDER BY a LIMIT 2",
            "SELECT * FROM t",
        ])
        for m in mismatches { Issue.record("\(m.0)\nloom: \(m.loom)\nsqlite3: \(m.sqlite)") }
    }

    /// CREATE INDEX on a WITHOUT ROWID table and writes through such indexes give files that
    /// pass sqlite3's integrity_check; the planner's choices read the same rows.
    @Test func createIndexAndWritesAreValidForSQLite() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        let file = dir.file("idx.db")
        let session = try MiniSession(path: file)
        let script = [
            "CREATE TABLE w(a TEXT COLLATE nocase, b INT, c REAL, d, PRIMARY KEY(b DESC, a)) WITHOUT ROWID",
            "CREATE INDEX wc ON w(c, a)",
            "CREATE UNIQUE INDEX wd ON w(d COLLATE nocase)",
            "INSERT INTO w VALUES('x', 1, 1.5, 'p'), ('Y', 2, 2.0, 'Q'), ('z', 3, 3, 'r')",
            "INSERT OR REPLACE INTO w VALUES('X', 1, 9.5, 's')",
            "INSERT INTO w VALUES('q', 5, 5, 'P') ON CONFLICT(d) DO UPDATE SET c = excluded.c * 10",
            "REPLACE INTO w VALUES('n', 7, 7, 'R')",
            "UPDATE w SET c = c + 1 WHERE b >= 3",
            "UPDATE OR REPLACE w SET d = 's' WHERE b = 5",
            "DELETE FROM w WHERE a = 'z'",
            "CREATE TABLE k(a, b, c, PRIMARY KEY(a, b)) WITHOUT ROWID",
            "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 500) " +
                "INSERT INTO k SELECT i % 7, i, 'v' || (i % 13) FROM r",
            "CREATE INDEX kc ON k(c)",
            "CREATE INDEX kcb ON k(c, b)",
            "UPDATE k SET c = c || 'x' WHERE b % 3 = 0",
            "DELETE FROM k WHERE b % 5 = 0",
            "REPLACE INTO k VALUES(1, 1, 'zz')",
        ]
        var errors: [String] = []
        for s in script { errors += session.run(s).compactMap(\.error) }
        #expect(errors.isEmpty, "\(errors)")
        let check = try Oracle.run([file, "PRAGMA integrity_check"])
        #expect(check.stdout == "ok\n", "\(check.stdout)")
        for q in ["SELECT * FROM w ORDER BY b", "SELECT * FROM k WHERE c = 'v1x' ORDER BY a, b",
                  "SELECT a, b FROM k WHERE c > 'v5' AND b < 100 ORDER BY 1, 2",
                  "SELECT count(*), sum(b) FROM k WHERE c BETWEEN 'v1' AND 'v3'",
                  "SELECT a, b, c FROM k WHERE c = 'v2' AND a = 3 ORDER BY b",
                  "SELECT * FROM w WHERE d = 'S' COLLATE nocase"] {
            let expected = try Oracle.run([file, q])
            #expect(session.run(q).first?.rows.joined(separator: "\n") == String(expected.stdout.dropLast()), "\(q)")
        }
    }

    /// Collated composite keys, several ON CONFLICT clauses, OR FAIL, RETURNING, non-covering
    /// secondary index plans, RAISE(IGNORE) and REPLACE with triggers, as sqlite3.
    @Test func upsertsPlansAndTriggersMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let mismatches = try compareWithSQLite([
            "create table p(a text collate nocase, b int, c, d not null default 'dd', primary key(a, b)) without rowid",
            "create unique index pc on p(c)",
            "insert into p values('A',1,10,'x'),('b',2,20,'y')",
            "insert into p values('a',1,11,'z')",
            "insert or replace into p values('a',1,11,null)",
            "select * from p",
            "insert into p values('c',3,20,'q') on conflict(c) do update set d=excluded.d||'!' on conflict do nothing",
            "insert into p values('B',2,30,'q') on conflict(a,b) do update set c=excluded.c where c>100",
            "insert into p values('x',9,99,'w') on conflict(b) do nothing",
            "insert into p values('x',9,99,'w') on conflict(rowid) do nothing",
            "select * from p",
            "insert or fail into p values('m',5,50,'m'),('n',6,50,'n')",
            "select * from p order by c",
            "select d from p where c>=20 order by c",
            "update p set c=c+1 returning a,c",
            "update or rollback p set c=20 where a='m'",
            "select * from p order by c",
            "create table q(k primary key, v) without rowid",
            "create trigger qt before insert on q begin select raise(ignore) where new.v<0; end",
            "create trigger qd after delete on q begin insert into q values(old.k||'_gone', 0); end",
            "insert into q values(1,1),(2,-1),(3,3)",
            "replace into q values(1,100)",
            "delete from q where k=3",
            "select * from q order by k",
        ])
        for m in mismatches { Issue.record("\(m.0)\nloom: \(m.loom)\nsqlite3: \(m.sqlite)") }
        // The plans sqlite3 3.40 prints for these (a non-covering secondary index seeks the row).
        let session = try MiniSession()
        _ = session.run("CREATE TABLE p(a TEXT COLLATE nocase, b INT, c, d, PRIMARY KEY(a, b)) WITHOUT ROWID")
        _ = session.run("CREATE UNIQUE INDEX pc ON p(c)")
        for (q, plan) in [("SELECT d FROM p WHERE c = 20", "SEARCH p USING INDEX pc (c=?)"),
                          ("SELECT a, b FROM p WHERE c = 20", "SEARCH p USING COVERING INDEX pc (c=?)"),
                          ("SELECT * FROM p WHERE a = 'b' AND b = 2", "SEARCH p USING PRIMARY KEY (a=? AND b=?)")] {
            let rows = session.run("EXPLAIN QUERY PLAN " + q).first?.rows ?? []
            #expect(rows.count == 1 && rows.first?.hasSuffix("|" + plan) == true, "\(q): \(rows)")
        }
    }
}
