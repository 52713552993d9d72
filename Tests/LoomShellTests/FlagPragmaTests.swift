// This file tests the flag PRAGMAs that change what statements do (legacy_alter_table,
// reverse_unordered_selects, writable_schema, ignore_check_constraints, count_changes):
// each script runs in sqlite3 and in loom and their output is compared.
// Layer: L5/L6 (through the shell). Spec: Spec/L6-session.md §PRAGMAs, Spec/L5-sql.md.
import Foundation
import Testing
import Loom
import LoomTestSupport

@Suite("Flag pragmas against sqlite3", .enabled(if: Oracle.isAvailable))
struct FlagPragmaTests {
    static let schema = "SELECT type, name, tbl_name, sql FROM sqlite_schema;\nSELECT type, name, tbl_name, sql FROM sqlite_temp_schema;\n"

    /// PRAGMA legacy_alter_table=ON (lang_altertable.html §2, pragma.html).
    static let legacyAlterScripts: [String] = [
        // RENAME TO: only the CREATE TABLE name and the ON table of indexes and triggers;
        // views, trigger bodies, CHECK and partial-index WHERE keep the old name; nothing
        // broken elsewhere stops it; sqlite_sequence and autoindex names follow.
        """
        PRAGMA legacy_alter_table=ON;
        CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c CHECK (c > a), "t" TEXT);
        CREATE INDEX ti ON t(b) WHERE b > 0;
        CREATE INDEX "t2" ON "t" (c);
        CREATE TABLE child(x REFERENCES t(a), y REFERENCES "t", FOREIGN KEY(x) REFERENCES T);
        CREATE VIEW v AS SELECT * FROM t;
        CREATE VIEW v2 AS SELECT t.a FROM t JOIN child ON t.a=child.x;
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO child VALUES(new.a, (SELECT max(a) FROM t)); END;
        CREATE TRIGGER "tr3" BEFORE DELETE ON "t" WHEN old.a > 0 BEGIN SELECT 1; END;
        CREATE TRIGGER tr2 AFTER INSERT ON child BEGIN UPDATE t SET b=1; END;
        CREATE TEMP VIEW tv AS SELECT * FROM t;
        CREATE TEMP TRIGGER ttr AFTER INSERT ON t BEGIN SELECT 1; END;
        CREATE TABLE seqt(a INTEGER PRIMARY KEY AUTOINCREMENT);
        INSERT INTO seqt VALUES(5);
        CREATE VIEW bad AS SELECT * FROM nosuch;
        CREATE TRIGGER badtr AFTER INSERT ON seqt WHEN (SELECT count(*) FROM t) > 0 BEGIN INSERT INTO nosuch VALUES(1); END;
        ALTER TABLE t RENAME TO "new t";
        ALTER TABLE seqt RENAME TO seq2;
        \(schema)SELECT * FROM sqlite_sequence;
        ALTER TABLE "new t" RENAME TO u;
        \(schema)PRAGMA legacy_alter_table;
        """,
        // REFERENCES (in other tables and the table's own) are renamed only while
        // foreign_keys is on; the renamed table and its indexes are checked afterwards.
        """
        PRAGMA legacy_alter_table=ON;
        PRAGMA foreign_keys=ON;
        CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c CHECK(c>b), p REFERENCES t(a), FOREIGN KEY (c) REFERENCES "T"(b));
        CREATE TABLE child(x REFERENCES t(a), y REFERENCES "t", z REFERENCES other, FOREIGN KEY(x) REFERENCES T);
        CREATE TABLE c2(x, FOREIGN KEY (x) REFERENCES t);
        CREATE TRIGGER trg AFTER INSERT ON t WHEN (SELECT count(*) FROM t) > 0 BEGIN SELECT nosuchfn(); END;
        ALTER TABLE t RENAME TO t2;
        \(schema)PRAGMA foreign_keys=OFF;
        ALTER TABLE t2 RENAME TO u;
        \(schema)CREATE TABLE k(a CHECK (k.a > 0), b);
        CREATE INDEX ki ON k(b) WHERE k.b > 0;
        ALTER TABLE k RENAME TO k2;
        DROP INDEX ki;
        ALTER TABLE k RENAME TO k2;
        CREATE TABLE m(a, b);
        CREATE INDEX mi ON m(b) WHERE m.b > 0;
        ALTER TABLE m RENAME TO m2;
        \(schema)PRAGMA legacy_alter_table=OFF;
        DROP TRIGGER trg;
        ALTER TABLE u RENAME TO w;
        \(schema)
        """,
        // RENAME COLUMN and DROP COLUMN: the same edits as without the flag, but a view or
        // trigger that does not resolve fails as "SQL logic error", and triggers are not
        // checked after the edit.
        """
        PRAGMA legacy_alter_table=ON;
        CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c CHECK(c>b), p REFERENCES t(a));
        CREATE INDEX ti ON t(b) WHERE b > 0;
        CREATE TABLE child(x REFERENCES t(b));
        CREATE VIEW v AS SELECT b FROM t;
        CREATE TRIGGER trg AFTER INSERT ON t BEGIN SELECT new.b; UPDATE t SET b = 1; END;
        ALTER TABLE t RENAME COLUMN b TO bb;
        \(schema)ALTER TABLE t RENAME COLUMN a TO c;
        ALTER TABLE t RENAME COLUMN q TO c;
        CREATE TABLE h(a, b);
        CREATE TRIGGER htr AFTER INSERT ON h BEGIN SELECT new.b; END;
        ALTER TABLE h DROP COLUMN b;
        CREATE TABLE k(a, b, c);
        CREATE VIEW kv AS SELECT b FROM k;
        ALTER TABLE k DROP COLUMN b;
        CREATE TABLE m(a, b);
        CREATE TABLE n(a, c);
        CREATE VIEW mv AS SELECT b, c FROM m, n;
        ALTER TABLE m RENAME COLUMN b TO c;
        DROP VIEW mv;
        CREATE TRIGGER mtr AFTER INSERT ON n BEGIN SELECT b, c FROM m, n; END;
        ALTER TABLE m RENAME COLUMN b TO c;
        \(schema)CREATE TRIGGER otr AFTER INSERT ON k BEGIN SELECT * FROM nosuch; END;
        ALTER TABLE m RENAME COLUMN a TO aa;
        ALTER TABLE h ADD COLUMN z;
        ALTER TABLE h DROP COLUMN z;
        DROP TRIGGER otr;
        CREATE TABLE d(a, b, c CHECK(c>b), d, e AS (d+1), FOREIGN KEY (d) REFERENCES x(y));
        ALTER TABLE d DROP COLUMN b;
        ALTER TABLE d DROP COLUMN d;
        ALTER TABLE d DROP COLUMN a;
        CREATE TEMP TABLE tt(a, b);
        CREATE TEMP VIEW tv AS SELECT a FROM tt;
        ALTER TABLE tt RENAME COLUMN a TO aa;
        \(schema)
        """,
    ]

    @Test("legacy_alter_table scripts match sqlite3", arguments: FlagPragmaTests.legacyAlterScripts)
    func legacyAlterTable(_ script: String) throws {
        try expectSameScript(script)
    }

    static let reverseSetup = """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c);
        INSERT INTO t VALUES(1,'x',10),(2,'y',20),(3,'x',30),(4,'z',40),(5,'y',50),(6,'w',60);
        CREATE INDEX tb ON t(b);
        CREATE INDEX tc ON t(c);
        CREATE TABLE u(k, v);
        INSERT INTO u VALUES(1,'p'),(1,'q'),(3,'r'),(5,'s'),(6,'t');
        CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
        INSERT INTO w VALUES('m',1),('a',2),('q',3),('c',4);
        CREATE VIEW vw AS SELECT a, b FROM t WHERE a > 1;
        PRAGMA reverse_unordered_selects=ON;

        """

    /// PRAGMA reverse_unordered_selects=ON: loops without ORDER BY walk backwards (table and
    /// index scans, ranges, IN lists, joins, MULTI-INDEX OR branches); ORDER BY, GROUP BY and
    /// DISTINCT keep their order.
    static let reverseScripts: [String] = [
        """
        SELECT a FROM t;
        SELECT * FROM t;
        SELECT a FROM t WHERE b = 'x';
        SELECT b FROM t;
        SELECT a FROM t WHERE a > 2;
        SELECT a FROM t WHERE a IN (2, 4, 1);
        SELECT a FROM t WHERE b IN ('x', 'z');
        SELECT a FROM t WHERE b > 'x';
        SELECT a FROM t WHERE c BETWEEN 15 AND 45;
        SELECT a FROM t WHERE b IN ('x', 'y') AND c > 10;
        SELECT * FROM t WHERE a = 3;
        SELECT * FROM t LIMIT 2 OFFSET 1;
        SELECT * FROM w;
        SELECT k FROM w WHERE k > 'b';
        SELECT k, v FROM u WHERE rowid > 2;
        SELECT k FROM u WHERE rowid IN (1, 3, 4);
        SELECT * FROM t WHERE b = 'x' OR c = 40;
        SELECT * FROM t WHERE b = 'x' OR c > 40;
        SELECT * FROM vw;
        SELECT * FROM (SELECT a, b FROM t WHERE a < 4);
        SELECT * FROM (SELECT a, b FROM t WHERE a < 4 LIMIT 2);
        WITH x AS (SELECT a FROM t WHERE a < 5) SELECT * FROM x;
        """,
        """
        SELECT a, k, v FROM t, u WHERE a = k;
        SELECT a, k, v FROM t JOIN u ON a = k;
        SELECT a, k, v FROM t LEFT JOIN u ON a = k;
        SELECT a, v FROM t, u WHERE u.v > 'p' AND t.a = u.k;
        SELECT a, v FROM u, t WHERE t.b = 'x' AND t.a = u.k;
        SELECT a, b, k FROM t JOIN w ON w.v = t.a;
        SELECT * FROM t NATURAL JOIN t AS t2;
        SELECT a FROM t WHERE a IN (SELECT k FROM u);
        SELECT a FROM t WHERE a IN (SELECT k FROM u) AND b IN ('x', 'y', 'z');
        SELECT (SELECT group_concat(v) FROM u WHERE k = a) FROM t;
        SELECT EXISTS (SELECT 1 FROM t WHERE c > 10);
        SELECT a FROM t UNION ALL SELECT k FROM u;
        SELECT a FROM t UNION SELECT k FROM u;
        """,
        """
        SELECT group_concat(a) FROM t;
        SELECT group_concat(b) FROM t WHERE a > 2;
        SELECT max(a), min(a), count(*) FROM t;
        SELECT b, count(*), group_concat(a) FROM t GROUP BY b;
        SELECT c % 20, count(*) FROM t GROUP BY c % 20;
        SELECT DISTINCT b FROM t;
        SELECT DISTINCT a FROM t;
        SELECT DISTINCT c % 20 FROM t;
        SELECT * FROM (SELECT DISTINCT b FROM t);
        SELECT a, row_number() OVER () FROM t;
        SELECT a, sum(c) OVER (ORDER BY a) FROM t;
        SELECT a FROM t ORDER BY a;
        SELECT a FROM t ORDER BY b, a;
        SELECT a FROM t ORDER BY c DESC;
        SELECT a FROM t WHERE b = 'x' UNION ALL SELECT a FROM t WHERE b = 'y' ORDER BY 1;
        """,
        // Statements that write: rows found backwards (trigger order, RETURNING).
        """
        CREATE TABLE log(x);
        CREATE TRIGGER tr AFTER UPDATE ON t BEGIN INSERT INTO log VALUES(new.a); END;
        UPDATE t SET c = c + 1 WHERE c > 20;
        SELECT x FROM log;
        DELETE FROM u WHERE k > 1 RETURNING k;
        INSERT INTO u SELECT a, b FROM t WHERE a < 4;
        SELECT rowid, * FROM u;
        PRAGMA reverse_unordered_selects;
        PRAGMA reverse_unordered_selects=OFF;
        SELECT a FROM t;
        SELECT * FROM w;
        """,
    ]

    @Test("reverse_unordered_selects scripts match sqlite3", arguments: FlagPragmaTests.reverseScripts)
    func reverseUnorderedSelects(_ script: String) throws {
        try expectSameScript(FlagPragmaTests.reverseSetup + script)
    }

    /// A cached statement compiled before the flag changed is compiled again (SQLite
    /// expires every statement when a flag pragma is set).
    @Test func flagChangeRecompilesCachedStatements() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a INTEGER PRIMARY KEY); INSERT INTO t VALUES(1), (2), (3)")
        let select = "SELECT a FROM t"
        func values() throws -> [Int64] {
            try Row.fetchAll(db, sql: select).map { row in try row[0] as Int64 }
        }
        #expect(try values() == [1, 2, 3])
        try db.execute(sql: "PRAGMA reverse_unordered_selects=ON")
        #expect(try values() == [3, 2, 1])
        let statement = try db.prepare(select)
        try db.execute(sql: "PRAGMA reverse_unordered_selects=OFF")
        var seen: [DatabaseValue] = []
        while try statement.step() { seen.append(statement.column(0)) }
        #expect(seen == [.integer(1), .integer(2), .integer(3)])
    }

    /// PRAGMA writable_schema: sqlite_schema is read-only while off (SQLite's error texts),
    /// writable while on; RESET turns it off and reads the schema again; while on, rows that
    /// do not parse are skipped.
    static let writableSchemaScripts: [String] = [
        """
        CREATE TABLE p(a);
        INSERT INTO sqlite_schema VALUES('table','q','q',0,'CREATE TABLE q(a)');
        UPDATE sqlite_master SET sql = 'x';
        DELETE FROM sqlite_schema;
        INSERT INTO sqlite_temp_schema VALUES('table','q','q',0,'CREATE TABLE q(a)');
        INSERT INTO temp.sqlite_master VALUES('table','q','q',0,'CREATE TABLE q(a)');
        PRAGMA writable_schema=ON;
        INSERT INTO sqlite_schema VALUES('table','q','q',0,'CREATE TABLE q(a)');
        SELECT type, name, rootpage, sql FROM sqlite_schema;
        DELETE FROM sqlite_schema WHERE name = 'q';
        SELECT type, name, rootpage, sql FROM sqlite_schema;
        PRAGMA writable_schema;
        PRAGMA writable_schema=OFF;
        PRAGMA writable_schema;
        """,
        """
        CREATE TABLE p(a);
        PRAGMA writable_schema=ON;
        INSERT INTO sqlite_schema VALUES('table','bad','bad',0,'CREATE TABLE bad(');
        UPDATE sqlite_schema SET sql='CREATE TABLE p(a, b)' WHERE name='p';
        SELECT * FROM p;
        PRAGMA writable_schema=RESET;
        PRAGMA writable_schema;
        SELECT * FROM p;
        PRAGMA writable_schema=ON;
        SELECT name FROM sqlite_schema;
        DELETE FROM sqlite_schema WHERE name='bad';
        PRAGMA writable_schema=OFF;
        INSERT INTO p VALUES(1, 2);
        SELECT b FROM p;
        """,
    ]

    @Test("writable_schema scripts match sqlite3", arguments: FlagPragmaTests.writableSchemaScripts)
    func writableSchema(_ script: String) throws {
        try expectSameScript(script)
    }

    /// sqlite3's `.dump` of a virtual table (`PRAGMA writable_schema=ON` and an INSERT of its
    /// sqlite_schema row) loads into loom; the table then works on the next connection, in
    /// loom and in sqlite3.
    @Test func dumpWithVirtualTableLoads() throws {
        let dir = try TemporaryDirectory("loom-writable-schema")
        defer { dir.cleanup() }
        let source = dir.file("source.db"), target = dir.file("target.db")
        _ = try runSQLite([source], input: """
            CREATE VIRTUAL TABLE f USING fts5(x, y);
            INSERT INTO f VALUES('hello world', 'one'), ('more text', 'two');
            CREATE TABLE p(a INTEGER PRIMARY KEY, b);
            INSERT INTO p VALUES(1, 'x');
            """)
        let dump = try runSQLite([source], input: ".dump\n").stdout
        #expect(dump.contains("PRAGMA writable_schema=ON;"))
        let load = runLoom([target], input: dump)
        #expect(load.stderr == "")
        let queries = """
            SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema;
            SELECT * FROM f WHERE f MATCH 'hello';
            SELECT rowid, * FROM f;
            SELECT * FROM p;
            PRAGMA integrity_check;
            """
        let expected = try runSQLite([target], input: queries)
        #expect(expected.stderr == "")
        let got = runLoom([target], input: queries)
        #expect(got.stdout == expected.stdout)
        #expect(got.stderr == expected.stderr)
        // Written by loom, read by sqlite3.
        _ = runLoom([target], input: "INSERT INTO f VALUES('loom text', 'three');\n")
        let after = "SELECT rowid, * FROM f WHERE f MATCH 'text';\nPRAGMA integrity_check;\n"
        #expect(runLoom([target], input: after).stdout == (try runSQLite([target], input: after)).stdout)
    }

    /// PRAGMA ignore_check_constraints=ON: CHECK constraints are neither enforced nor
    /// reported by integrity_check / quick_check.
    @Test func ignoreCheckConstraints() throws {
        try expectSameScript("""
            CREATE TABLE t(a CHECK (a > 0), b CONSTRAINT pos CHECK (b > 0), CHECK (a < b));
            PRAGMA ignore_check_constraints=ON;
            INSERT INTO t VALUES(-1, -2);
            INSERT INTO t VALUES(5, 1);
            UPDATE t SET b = -5 WHERE a = 5;
            INSERT INTO t VALUES(1, 2) ON CONFLICT DO NOTHING;
            SELECT * FROM t;
            PRAGMA integrity_check;
            PRAGMA quick_check;
            PRAGMA ignore_check_constraints;
            PRAGMA ignore_check_constraints=OFF;
            PRAGMA integrity_check;
            PRAGMA quick_check;
            INSERT INTO t VALUES(-1, -2);
            UPDATE t SET b = -6 WHERE a = 5;
            PRAGMA ignore_check_constraints=1;
            UPDATE t SET b = -6 WHERE a = 5;
            SELECT * FROM t;
            """)
    }

    /// PRAGMA count_changes=ON: INSERT/UPDATE/DELETE return one row, "rows inserted" /
    /// "rows updated" / "rows deleted" (not counting trigger and FK-action changes nor an
    /// upsert's updates; counting the view rows INSTEAD OF triggers fired for); none with
    /// RETURNING.
    @Test func countChanges() throws {
        try expectSameScript("""
            .headers on
            CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE);
            CREATE TABLE log(x);
            CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END;
            CREATE VIEW v AS SELECT * FROM t;
            CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES(new.a, new.b); END;
            CREATE TRIGGER vd INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE a = old.a; END;
            PRAGMA count_changes=ON;
            INSERT INTO t VALUES(1, 'x'), (2, 'y');
            INSERT INTO t SELECT a + 10, b || 'z' FROM t;
            INSERT INTO t VALUES(1, 'q') ON CONFLICT(a) DO UPDATE SET b = 'upd';
            INSERT OR IGNORE INTO t VALUES(1, 'w');
            INSERT OR REPLACE INTO t VALUES(2, 'r');
            UPDATE t SET b = b || '!' WHERE a > 10;
            UPDATE t SET b = 'none' WHERE a > 100;
            DELETE FROM t WHERE a = 11;
            INSERT INTO v VALUES(30, 'view');
            DELETE FROM v WHERE a >= 30;
            INSERT INTO t VALUES(40, 'ret') RETURNING a;
            DELETE FROM log;
            DELETE FROM t;
            CREATE TABLE u(k);
            INSERT INTO u DEFAULT VALUES;
            BEGIN; INSERT INTO u VALUES(2); COMMIT;
            SELECT changes();
            PRAGMA count_changes;
            PRAGMA count_changes=OFF;
            INSERT INTO u VALUES(3);
            PRAGMA count_changes=1;
            CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID;
            INSERT INTO w VALUES(1, 'a'), (2, 'b');
            INSERT INTO w VALUES(1, 'c') ON CONFLICT(k) DO UPDATE SET v = 'd';
            UPDATE w SET v = 'e';
            DELETE FROM w WHERE k = 1;
            SELECT * FROM w;
            """)
    }

    /// EXPLAIN appends the sub-programs (trigger bodies, foreign-key actions) after the
    /// statement's program, each from address 0, a trigger's first row commented
    /// "-- TRIGGER name", as sqlite3 does: the same programs in the same order (the opcodes
    /// inside differ between the two engines).
    @Test func explainListsSubPrograms() throws {
        let script = """
            PRAGMA foreign_keys=ON;
            CREATE TABLE p(id INTEGER PRIMARY KEY);
            CREATE TABLE c(pid REFERENCES p ON DELETE CASCADE);
            CREATE TABLE log(x);
            CREATE TRIGGER tr AFTER DELETE ON c BEGIN INSERT INTO log VALUES(old.pid); END;
            CREATE TRIGGER tp BEFORE DELETE ON p BEGIN SELECT 1; END;
            EXPLAIN DELETE FROM p WHERE id = 1;
            EXPLAIN INSERT INTO log VALUES(1);
            """
        /// Per program listed: its first row's comment ("" when none).
        func programs(_ output: String) -> [String] {
            output.split(separator: "\n").compactMap { line -> String? in
                guard line.split(separator: " ").first == "0" else { return nil }
                guard let r = line.range(of: "-- TRIGGER ") else { return "" }
                return "-- TRIGGER " + (line[r.upperBound...].split(separator: " ").first.map(String.init) ?? "")
            }
        }
        let expected = programs(try runSQLite([":memory:"], input: script).stdout)
        #expect(expected == ["", "-- TRIGGER tp", "", "-- TRIGGER tr", ""])
        #expect(programs(runLoom([":memory:"], input: script).stdout) == expected)
    }
}
