// UPDATE's MakeRecord keeping fields: the columns an UPDATE does not assign (and nothing
// else reads) are copied from the stored row as they are (Spec/L4-vdbe.md "MakeRecord
// keeping", Spec/L2-record.md R11). Compared with sqlite3 end to end, with integrity_check;
// a file written by sqlite3 keeps its exact bytes through a Loom UPDATE.
// Layer: L4/L5 (through the shell).
import Testing
import LoomTestSupport

@Suite("UPDATE keeps unassigned fields as stored", .enabled(if: Oracle.isAvailable))
struct KeptFieldsTests {
    @Test("every storage class, ALTER TABLE defaults and overflow rows match sqlite3")
    func storageClasses() throws {
        try expectSameScript("""
            CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b REAL, c TEXT, d BLOB, e);
            INSERT INTO t VALUES(1, 5, 2.0, 'x', x'0102', NULL), (2, NULL, 3.5, NULL, NULL, 'zz'),
              (3, 9223372036854775807, -0.0, 'abc', zeroblob(3000), 1e300),
              (4, -129, 1e-300, printf('%.*c', 5000, 'q'), x'', 0.5);
            INSERT INTO t(a, b, c, d, e) SELECT a + 1, b * 2, c || 'y', d, e FROM t;
            ALTER TABLE t ADD COLUMN f TEXT DEFAULT 'dflt';
            ALTER TABLE t ADD COLUMN g REAL DEFAULT 7;
            ALTER TABLE t ADD COLUMN h DEFAULT NULL;
            ALTER TABLE t ADD COLUMN i INT DEFAULT '12';
            UPDATE t SET e = e || '!' WHERE id % 2 = 0;
            SELECT id, a, b, typeof(b), length(c), hex(substr(d, 1, 4)), length(d), e, f, g, typeof(g), h, i, typeof(i)
              FROM t ORDER BY id;
            UPDATE t SET a = -a;
            UPDATE t SET g = g + 1 WHERE id > 2;
            UPDATE t SET id = id + 100 WHERE id = 1;
            SELECT id, a, b, typeof(b), length(c), length(d), e, f, g, typeof(g), quote(h), i, typeof(i)
              FROM t ORDER BY id;
            PRAGMA integrity_check;
            """)
    }

    @Test("NOT NULL, CHECK, STRICT, indexes, triggers, RETURNING and upserts still see the row")
    func readers() throws {
        try expectSameScript("""
            CREATE TABLE u(x, y NOT NULL, z CHECK(z > 0), w);
            INSERT INTO u VALUES(1, 2, 3, 'a'), (2, 4, 6, 'b');
            UPDATE u SET x = x + 10;
            UPDATE OR REPLACE u SET w = NULL WHERE x = 11;
            SELECT * FROM u ORDER BY x;
            CREATE TABLE s(a INTEGER, b TEXT, c ANY) STRICT;
            INSERT INTO s VALUES(1, 'one', x'00');
            UPDATE s SET a = 2;
            SELECT a, b, hex(c) FROM s;
            CREATE TABLE v(a UNIQUE, b, c);
            CREATE INDEX vb ON v(b);
            INSERT INTO v VALUES(1, 'p', 'q'), (2, 'r', 's');
            UPDATE v SET c = c || c;
            UPDATE v SET b = upper(b) WHERE a = 2;
            SELECT * FROM v ORDER BY a;
            SELECT * FROM v WHERE b = 'R';
            CREATE TABLE log(msg);
            CREATE TRIGGER vt AFTER UPDATE ON v BEGIN INSERT INTO log VALUES(old.b || '>' || new.b || '/' || new.c); END;
            UPDATE v SET c = 'z';
            SELECT * FROM log;
            UPDATE v SET c = 'y' WHERE a = 1 RETURNING a, b, c;
            INSERT INTO v VALUES(1, 'new', 'row') ON CONFLICT(a) DO UPDATE SET c = 'upserted';
            SELECT * FROM v ORDER BY a;
            PRAGMA integrity_check;
            """)
    }

    @Test("an UPDATE of a file sqlite3 wrote keeps the other fields' bytes (invalid UTF-8 too)")
    func storedBytes() throws {
        let dir = try TemporaryDirectory("kept-fields")
        defer { dir.cleanup() }
        let file = dir.file("k.db")
        _ = try runSQLite([file], input: """
            CREATE TABLE w(p TEXT, q INT, r REAL);
            INSERT INTO w VALUES(CAST(x'61ff62' AS TEXT), 1, 3.0), (CAST(x'c328' AS TEXT), 2, 0.25);
            """)
        let update = runLoom([file], input: "UPDATE w SET q = q * 10;\n")
        #expect(update.stderr == "")
        let check = try runSQLite([file], input: "SELECT hex(p), q, r, typeof(r) FROM w ORDER BY q;\nPRAGMA integrity_check;\n")
        #expect(check.stdout == "61FF62|10|3.0|real\nC328|20|0.25|real\nok\n")
    }
}
