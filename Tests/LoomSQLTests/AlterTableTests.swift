// This file tests ALTER TABLE RENAME TO / RENAME COLUMN / DROP COLUMN against sqlite3: the
// stored schema text after each change, the rows, and the error messages.
// Layer: L5 tests. Spec: Spec/L5-sql.md §ALTER TABLE.
import Foundation
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomBTree
import LoomVDBE
import LoomTestSupport
@testable import LoomSQL

@Suite struct AlterTableTests {
    static let schemaQuery = "SELECT type, name, tbl_name, sql FROM sqlite_schema"

    static let scripts: [String: [String]] = [
        "rename-table": [
            "CREATE TABLE t1(a INTEGER primary key, \"b\" text, [c] unique, d references t1(b), check(b>0))",
            "CREATE INDEX i1 on t1(b, c)",
            "CREATE TABLE t2(x references t1(b), y, foreign key(y) references \"t1\"(a))",
            "CREATE VIEW v1 as select a, b as bb, t1.c from t1 where b in (select b from t1)",
            "CREATE TRIGGER tr1 after insert on t1 begin insert into t2 values(new.b, new.a); update t1 set b = b+1 where a = new.a; end",
            "CREATE TABLE t3(id integer primary key autoincrement, z)",
            "INSERT INTO t3(z) VALUES(1)",
            "INSERT INTO t1 VALUES(1, 5, 6, 7)",
            "ALTER TABLE t1 RENAME TO \"new t\"",
            schemaQuery,
            "ALTER TABLE t3 RENAME TO t4",
            schemaQuery,
            "SELECT * FROM sqlite_sequence",
            "INSERT INTO t4(z) VALUES(2)",
            "SELECT * FROM t4",
            "SELECT * FROM \"new t\"",
            "SELECT * FROM v1",
            "SELECT * FROM t2",
        ],
        "rename-table-errors": [
            "CREATE TABLE t(a, b)",
            "CREATE TABLE u(x)",
            "CREATE INDEX ix ON t(a)",
            "CREATE VIEW v AS SELECT 1",
            "ALTER TABLE t RENAME TO u",
            "ALTER TABLE t RENAME TO U",
            "ALTER TABLE t RENAME TO ix",
            "ALTER TABLE t RENAME TO t",
            "ALTER TABLE t RENAME TO sqlite_x",
            "ALTER TABLE sqlite_master RENAME TO x",
            "ALTER TABLE sqlite_schema RENAME TO x",
            "ALTER TABLE v RENAME TO w",
            "ALTER TABLE nosuch RENAME TO w",
            "ALTER TABLE main.t RENAME TO t3",
            "ALTER TABLE t3 RENAME TO T4",
            schemaQuery,
        ],
        "rename-table-quoting": [
            "CREATE TABLE [x y](a, b)",
            "CREATE TABLE t2(p REFERENCES `x y`, q)",
            "CREATE VIEW v AS SELECT \"x y\".a, z.b FROM [x y] AS z, t2 WHERE main.[x y].a = 1",
            "CREATE TRIGGER tr BEFORE DELETE ON [x y] FOR EACH ROW WHEN old.a > 0 BEGIN DELETE FROM t2 WHERE p = old.a; INSERT INTO \"x y\"(a) SELECT q FROM t2; END",
            "ALTER TABLE \"x y\" RENAME TO \"a\"\"b\"",
            schemaQuery,
            "ALTER TABLE \"a\"\"b\" RENAME TO key",
            schemaQuery,
        ],
        "rename-column": [
            "CREATE TABLE t1(a INTEGER primary key, \"b\" text, [c] unique, `d` references t1(b), e)",
            "CREATE INDEX i1 on t1(b, c, [c], \"c\", e)",
            "CREATE TABLE t2(x references t1(b), y, foreign key(y) references \"t1\"(a))",
            "CREATE VIEW v1 as select a, b as bb, t1.c, \"t1\".e, [e] from t1 where b in (select b from t1)",
            "CREATE TRIGGER tr1 after insert on t1 begin insert into t2 values(new.b, new.a); update t1 set b = b+1, e=new.e where a = new.a; end",
            "INSERT INTO t1 VALUES(1, 2, 3, 4, 5)",
            "ALTER TABLE t1 RENAME COLUMN c TO \"select\"",
            "ALTER TABLE t1 RENAME e TO E2",
            "ALTER TABLE t1 RENAME COLUMN d TO \"d d\"",
            "ALTER TABLE t1 RENAME COLUMN b TO key",
            schemaQuery,
            "SELECT * FROM v1",
            "INSERT INTO t1 VALUES(2, 3, 4, 5, 6)",
            "SELECT * FROM t1",
            "SELECT * FROM t2",
        ],
        "rename-column-scopes": [
            "CREATE TABLE t(a, b)",
            "CREATE TABLE o(a, z)",
            "CREATE VIEW v AS SELECT a AS b, b FROM t, (SELECT a AS zz FROM t) WHERE a > 0 ORDER BY b",
            "CREATE VIEW w AS SELECT o.a, t.a, z FROM o JOIN t ON o.z = t.b WHERE t.a IN (SELECT a FROM o)",
            "CREATE VIEW x AS SELECT q.a FROM t AS q UNION SELECT a FROM o",
            "CREATE TRIGGER tr AFTER UPDATE OF a, b ON t WHEN new.a > 0 BEGIN UPDATE t SET a = old.a WHERE b = new.b; INSERT INTO t(a, b) SELECT a, b FROM t; DELETE FROM t WHERE a IS NULL; UPDATE o SET a = new.a; END",
            "CREATE INDEX ti ON t(b COLLATE nocase, a)",
            "ALTER TABLE t RENAME COLUMN a TO q",
            schemaQuery,
            "ALTER TABLE t RENAME COLUMN q TO \"_x\"",
            schemaQuery,
        ],
        "rename-column-errors": [
            "CREATE TABLE t(a, b)",
            "CREATE VIEW v AS SELECT a FROM t",
            "ALTER TABLE t RENAME COLUMN x TO y",
            "ALTER TABLE t RENAME COLUMN a TO b",
            "ALTER TABLE t RENAME COLUMN a TO B",
            "CREATE TABLE t2(a, Bb)",
            "ALTER TABLE t2 RENAME COLUMN a TO bB",
            "CREATE TABLE t3(Bb, a)",
            "ALTER TABLE t3 RENAME COLUMN a TO bB",
            "ALTER TABLE t RENAME COLUMN rowid TO y",
            "ALTER TABLE v RENAME COLUMN a TO b",
            "ALTER TABLE t RENAME COLUMN a TO A",
            "ALTER TABLE t RENAME COLUMN A TO a",
            schemaQuery,
        ],
        "rename-column-broken-view": [
            "CREATE TABLE t(a, b)",
            "CREATE VIEW v AS SELECT x FROM t",
            "ALTER TABLE t RENAME COLUMN b TO c",
            "ALTER TABLE t RENAME TO u",
            "DROP VIEW v",
            "ALTER TABLE t RENAME COLUMN b TO c",
            schemaQuery,
        ],
        "rename-table-references": [
            "CREATE TABLE t(t, a CHECK (t.a > 0), b DEFAULT 't')",
            "CREATE TABLE u(x, y, FOREIGN KEY (x, y) REFERENCES t (t, a) ON DELETE CASCADE ON UPDATE SET NULL)",
            "CREATE TRIGGER tu AFTER INSERT ON u WHEN (SELECT count(*) FROM t WHERE t.t = new.x) = 0 BEGIN INSERT INTO t(t, a) VALUES(new.x, 1); UPDATE OR IGNORE t SET b = 't' WHERE t = new.x; SELECT 't' FROM main.t; END",
            "CREATE VIEW v AS WITH c AS (SELECT t FROM t) SELECT t.t, c.t AS ct, 't' AS lit FROM t, c LEFT JOIN u ON u.x = t.t",
            "CREATE VIEW w AS SELECT * FROM t AS tt WHERE tt.a IN (SELECT a FROM t)",
            "ALTER TABLE T RENAME TO t2",
            schemaQuery,
            "INSERT INTO u VALUES(5, 6)",
            "SELECT * FROM t2",
            "SELECT * FROM v",
            "ALTER TABLE t2 RENAME COLUMN t TO tc",
            schemaQuery,
            "ALTER TABLE u RENAME COLUMN x TO xx",
            schemaQuery,
            "SELECT * FROM w",
        ],
        "rename-column-joins": [
            "CREATE TABLE a(id, v)",
            "CREATE TABLE b(id, v, aid)",
            "CREATE VIEW j AS SELECT a.v, b.v AS bv, aid FROM a JOIN b ON a.id = b.aid WHERE a.v > 0 GROUP BY a.v HAVING count(b.v) > 0 ORDER BY a.v",
            "CREATE VIEW k AS SELECT x.id FROM a x, b y WHERE x.id = y.aid AND y.v = x.v",
            "CREATE VIEW m AS SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE aid = id)",
            "CREATE TRIGGER tb BEFORE UPDATE OF v ON b BEGIN UPDATE a SET v = new.v WHERE id = new.aid; END",
            "ALTER TABLE a RENAME COLUMN v TO value",
            "ALTER TABLE b RENAME COLUMN aid TO a_id",
            "ALTER TABLE a RENAME COLUMN id TO \"ID\"",
            schemaQuery,
            "ALTER TABLE b RENAME COLUMN v TO w",
            schemaQuery,
        ],
        "broken-triggers": [
            "CREATE TABLE t(a)",
            "CREATE TABLE u(b)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES(new.zz); END",
            "ALTER TABLE u RENAME TO u2",
            "ALTER TABLE u RENAME COLUMN b TO c",
            "DROP TRIGGER tr",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES(zz); END",
            "ALTER TABLE u RENAME COLUMN b TO c",
            "DROP TRIGGER tr",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO nosuch VALUES(1); END",
            "ALTER TABLE u RENAME COLUMN b TO c",
            "DROP TRIGGER tr",
            "CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN UPDATE u SET b = old.a + new.a; DELETE FROM u WHERE b = old.a; END",
            "CREATE TRIGGER td BEFORE DELETE ON u BEGIN SELECT b FROM t; END",
            "ALTER TABLE u RENAME COLUMN b TO c",
            "DROP TRIGGER td",
            "CREATE TRIGGER td BEFORE DELETE ON u BEGIN SELECT a FROM t WHERE a = old.b; END",
            "CREATE TRIGGER te AFTER INSERT ON t WHEN a > 0 BEGIN SELECT 1; END",
            "INSERT INTO t VALUES(1)",
            "DROP TRIGGER te",
            "ALTER TABLE u RENAME COLUMN b TO c",
            "ALTER TABLE t RENAME COLUMN a TO b",
            schemaQuery,
        ],
        "view-shapes": [
            "CREATE TABLE t(a, b, c)",
            "CREATE TABLE o(a, d)",
            "CREATE VIEW v1 AS SELECT a, count(*) AS n FROM t GROUP BY a HAVING count(b) > 1 ORDER BY n",
            "CREATE VIEW v2 AS SELECT * FROM t NATURAL JOIN o",
            "CREATE VIEW v3 AS SELECT x.a, y.d FROM t x JOIN o y USING (a)",
            "CREATE VIEW v4 AS SELECT s.a FROM (SELECT a, b FROM t) AS s WHERE s.b > 0",
            "CREATE VIEW v6 AS SELECT (SELECT max(b) FROM t WHERE t.a = o.a) AS mb, d FROM o",
            "CREATE VIEW v7 AS SELECT CAST(b AS text), b COLLATE nocase, b IS NULL, b BETWEEN 1 AND c FROM t",
            "CREATE VIEW v8 AS SELECT a FROM t WHERE b IN (SELECT d FROM o) UNION ALL SELECT b FROM t ORDER BY 1",
            "ALTER TABLE t RENAME COLUMN b TO bb",
            "SELECT name, sql FROM sqlite_schema",
            "ALTER TABLE t RENAME COLUMN a TO aa",
            "SELECT name, sql FROM sqlite_schema",
            "ALTER TABLE t RENAME TO tt",
            "SELECT name, sql FROM sqlite_schema",
        ],
        "strings-and-triggers": [
            "CREATE TABLE t('a', \"b\" DEFAULT 'b', c CHECK (c <> 'c'), d AS (a || 'a' || b))",
            "CREATE TABLE log(x, y)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log SELECT a, b FROM t WHERE c = new.c; INSERT INTO log(x) VALUES(new.a) ON CONFLICT DO NOTHING; END",
            "INSERT INTO t(a, c) VALUES(1, 2)",
            "ALTER TABLE t RENAME COLUMN a TO \"A x\"",
            "ALTER TABLE t RENAME COLUMN b TO c2",
            "ALTER TABLE t RENAME COLUMN c TO 'c'",
            "SELECT name, sql FROM sqlite_schema",
            "SELECT * FROM t",
            "SELECT * FROM log",
            "ALTER TABLE t DROP COLUMN d",
            "ALTER TABLE t DROP COLUMN c2",
            "SELECT name, sql FROM sqlite_schema",
            "ALTER TABLE log RENAME TO \"log\"",
            "ALTER TABLE log RENAME TO Log2",
            "ALTER TABLE t RENAME TO log",
            "SELECT name, sql FROM sqlite_schema",
        ],
        "error-texts": [
            "CREATE TABLE t(a primary key, b unique, c)",
            "alter table nosuch rename to x",
            "alter table aux.t rename to x",
            "alter table t rename column  x to y",
            "alter   table t drop column   \"zz\"",
            "ALTER TABLE t RENAME TO t",
            "ALTER TABLE t RENAME TO sqlite_t",
            "ALTER TABLE sqlite_master RENAME TO x",
            "ALTER TABLE t DROP a",
            "ALTER TABLE t DROP b",
            "create view v as select 1",
            "alter table v rename to w",
            "alter table v drop column x",
            "alter table v rename column x to y",
        ],
        "temp-objects": [
            "CREATE TABLE t(a, b)",
            "CREATE TABLE log(v)",
            "CREATE TEMP VIEW tv AS SELECT a FROM t",
            "CREATE TEMP TRIGGER tt AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END",
            "ALTER TABLE t RENAME COLUMN a TO x",
            "ALTER TABLE t RENAME TO u",
            schemaQuery,
            "INSERT INTO u VALUES(1, 2)",
            "SELECT * FROM tv",
            "SELECT * FROM log",
        ],
        "drop-column": [
            "CREATE TABLE t(a,b  /*x*/ ,  c   integer not null default 5 , d)",
            "INSERT INTO t VALUES(1, 2, 3, 4), (5, 6, 7, 8)",
            "ALTER TABLE t DROP COLUMN c",
            schemaQuery,
            "SELECT * FROM t",
            "ALTER TABLE t DROP d",
            schemaQuery,
            "SELECT * FROM t",
            "ALTER TABLE t DROP COLUMN a",
            schemaQuery,
            "SELECT * FROM t",
            "ALTER TABLE t DROP COLUMN b",
            "CREATE TABLE u(  a  ,  b   , primary key(a)) ",
            "ALTER TABLE u ADD COLUMN e DEFAULT 'x'",
            "INSERT INTO u(a, b) VALUES(1, 2)",
            "ALTER TABLE u DROP COLUMN b",
            schemaQuery,
            "SELECT * FROM u",
            "CREATE TABLE w(id INTEGER PRIMARY KEY, p, q CHECK(q > 0), r REFERENCES w(id))",
            "INSERT INTO w VALUES(NULL, 1, 2, 3)",
            "ALTER TABLE w DROP COLUMN q",
            "ALTER TABLE w DROP COLUMN r",
            "SELECT * FROM w",
            "SELECT rowid, * FROM w",
            schemaQuery,
        ],
        "drop-column-errors": [
            "CREATE TABLE t(a primary key, b unique, c, d, e, f, g, h, check(c > 0), foreign key(d) references t(a))",
            "CREATE INDEX ie ON t(e)",
            "CREATE VIEW vf AS SELECT f FROM t",
            "CREATE TRIGGER tg AFTER INSERT ON t BEGIN SELECT new.g; END",
            "ALTER TABLE t DROP COLUMN a",
            "ALTER TABLE t DROP COLUMN b",
            "ALTER TABLE t DROP COLUMN c",
            "ALTER TABLE t DROP COLUMN d",
            "ALTER TABLE t DROP COLUMN e",
            "ALTER TABLE t DROP COLUMN f",
            "ALTER TABLE t DROP COLUMN g",
            "ALTER TABLE t DROP COLUMN x",
            "ALTER TABLE t DROP COLUMN rowid",
            "ALTER TABLE t DROP COLUMN h",
            "CREATE TABLE one(a)",
            "ALTER TABLE one DROP COLUMN a",
            "CREATE VIEW v AS SELECT 1 AS a, 2 AS b",
            "ALTER TABLE v DROP COLUMN a",
            "ALTER TABLE sqlite_master DROP COLUMN sql",
            schemaQuery,
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

    /// A file altered by Loom passes sqlite3's integrity_check and reads as sqlite3's own.
    @Test func alteredFileIsValidForSQLite() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory("alter")
        defer { dir.cleanup() }
        let script = [
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b INT DEFAULT 7, c UNIQUE, d)",
            "CREATE INDEX td ON t(d, a)",
            "CREATE VIEW v AS SELECT a, d FROM t AS x WHERE x.c > 0 AND a IN (SELECT a FROM t)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET d = new.a || 'x' WHERE id = new.id; END",
            "INSERT INTO t(a, b, c, d) VALUES('one', 1, 1, 'p'), ('two', NULL, 2, 'q')",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t(a, c, d) SELECT printf('%0500d', i), i + 10, i FROM n",
            "ALTER TABLE t ADD COLUMN e DEFAULT 'zz'",
            "ALTER TABLE t DROP COLUMN b",
            "ALTER TABLE t RENAME COLUMN a TO aa",
            "ALTER TABLE t RENAME TO \"t 2\"",
            "INSERT INTO \"t 2\"(aa, c, d) VALUES('three', 3, 'r')",
        ]
        let loomFile = dir.file("loom.db"), sqliteFile = dir.file("sqlite.db")
        do {
            let session = try MiniSession(path: loomFile)
            for s in script {
                let outcome = session.run(s)
                #expect(outcome.allSatisfy { $0.error == nil }, "\(s): \(outcome)")
            }
        }
        _ = try Oracle.run([sqliteFile], input: script.joined(separator: ";\n") + ";\n")
        let check = "PRAGMA integrity_check; SELECT type, name, tbl_name, sql FROM sqlite_schema; "
            + "SELECT * FROM \"t 2\"; SELECT * FROM v; SELECT * FROM sqlite_sequence;"
        let fromLoom = try Oracle.run([loomFile, check])
        let fromSQLite = try Oracle.run([sqliteFile, check])
        #expect(fromLoom.stdout.hasPrefix("ok\n"))
        #expect(fromLoom.stdout == fromSQLite.stdout)
        #expect(fromLoom.stderr == "")
    }
}
