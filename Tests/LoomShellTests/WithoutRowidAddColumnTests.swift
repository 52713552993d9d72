// Rows of a WITHOUT ROWID table written before ALTER TABLE ADD COLUMN are shorter than the
// table: every read of a missing column gives its DEFAULT (SELECT, WHERE, CREATE INDEX, and
// the row copies UPDATE, DELETE and DROP COLUMN make), so an UPDATE never writes NULL over it.
// Compared with sqlite3, with integrity_check. Layer: L5 (through the shell).
// Spec: Spec/L5-sql.md §WITHOUT ROWID.
import Testing
import LoomTestSupport

@Suite("WITHOUT ROWID rows older than ADD COLUMN", .enabled(if: Oracle.isAvailable))
struct WithoutRowidAddColumnTests {
    static let scripts: [String] = [
        """
        CREATE TABLE w(a PRIMARY KEY, b, c) WITHOUT ROWID;
        INSERT INTO w VALUES(1, 2, 3), (5, 6, 7);
        ALTER TABLE w ADD COLUMN d DEFAULT 9;
        ALTER TABLE w ADD COLUMN e TEXT DEFAULT 'x';
        SELECT * FROM w; SELECT d, e FROM w WHERE a = 5;
        UPDATE w SET b = b + 1 WHERE a = 1;
        SELECT * FROM w; SELECT a FROM w WHERE d = 9 AND e = 'x';
        CREATE INDEX wd ON w(d);
        SELECT a, d FROM w WHERE d = 9;
        UPDATE w SET a = a + 10;
        SELECT * FROM w;
        DELETE FROM w WHERE d = 9 AND a = 11 RETURNING *;
        SELECT * FROM w;
        PRAGMA integrity_check;
        """,
        """
        CREATE TABLE w(a TEXT, b INT, PRIMARY KEY(b, a)) WITHOUT ROWID;
        INSERT INTO w VALUES('p', 1), ('q', 2), ('r', 3);
        ALTER TABLE w ADD COLUMN n INTEGER DEFAULT 42;
        UPDATE w SET a = upper(a) WHERE b >= 2 ORDER BY b LIMIT 1;
        REPLACE INTO w(a, b) VALUES('p', 1);
        SELECT * FROM w ORDER BY b; SELECT sum(n) FROM w;
        PRAGMA integrity_check;
        """,
        // DROP COLUMN copies the records: a short row keeps the later columns' defaults.
        """
        CREATE TABLE w(a PRIMARY KEY, b, c) WITHOUT ROWID;
        INSERT INTO w VALUES(1, 2, 3);
        ALTER TABLE w ADD COLUMN d DEFAULT 9;
        ALTER TABLE w ADD COLUMN e DEFAULT 8;
        ALTER TABLE w DROP COLUMN d;
        SELECT * FROM w; INSERT INTO w(a) VALUES(2); SELECT * FROM w;
        PRAGMA integrity_check;
        """,
    ]

    @Test("scripts match sqlite3", arguments: WithoutRowidAddColumnTests.scripts)
    func matches(_ script: String) throws {
        try expectSameScript(script)
    }
}
