// Writes to attached databases whose tables have indexes, foreign keys or WITHOUT ROWID
// secondary indexes: every cursor the program opens is on the table's own database, so
// main's trees are never touched. Compared with sqlite3, with integrity_check of both.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md §ATTACH.
import Foundation
import Testing
import LoomTestSupport

@Suite("Writes to attached databases", .enabled(if: Oracle.isAvailable))
struct AttachedWriteTests {
    static let scripts: [String] = [
        // One-row UPDATE / DELETE by rowid on an attached table whose index has the same
        // name and root page number as one in main.
        """
        ATTACH ':memory:' AS aux;
        CREATE TABLE main.t(a INTEGER PRIMARY KEY, b);
        CREATE INDEX main.tb ON t(b);
        INSERT INTO main.t VALUES(1, 'm1'), (2, 'm2');
        CREATE TABLE aux.t(a INTEGER PRIMARY KEY, b, c);
        CREATE INDEX aux.tb ON t(c);
        INSERT INTO aux.t VALUES(1, 'x1', 'c1'), (2, 'x2', 'c2'), (3, 'x3', 'c3');
        UPDATE aux.t SET c = 'zz' WHERE a = 1;
        DELETE FROM aux.t WHERE a = 2;
        DELETE FROM aux.t WHERE rowid = 3;
        SELECT * FROM aux.t; SELECT * FROM main.t;
        SELECT c FROM aux.t WHERE c = 'zz'; SELECT b FROM main.t WHERE b = 'm2';
        PRAGMA aux.integrity_check; PRAGMA main.integrity_check;
        """,
        // Foreign keys inside an attached database: the parent lookup reads aux's trees.
        """
        PRAGMA foreign_keys = ON;
        ATTACH ':memory:' AS aux;
        CREATE TABLE main.p(id INTEGER PRIMARY KEY, k UNIQUE);
        INSERT INTO main.p VALUES(1, 'one');
        CREATE TABLE aux.p(id INTEGER PRIMARY KEY, k UNIQUE);
        CREATE TABLE aux.c(x REFERENCES p(id), y REFERENCES p(k));
        INSERT INTO aux.p VALUES(5, 'five');
        INSERT INTO aux.c VALUES(5, 'five');
        INSERT INTO aux.c VALUES(1, NULL);
        INSERT INTO aux.c VALUES(NULL, 'one');
        SELECT * FROM aux.c;
        PRAGMA aux.integrity_check;
        """,
        // Parent-side actions inside an attached database: CASCADE, and a refused delete.
        """
        PRAGMA foreign_keys = ON;
        ATTACH ':memory:' AS aux;
        CREATE TABLE aux.p(id INTEGER PRIMARY KEY);
        CREATE TABLE aux.c(x REFERENCES p(id) ON DELETE CASCADE);
        CREATE TABLE aux.q(id INTEGER PRIMARY KEY);
        CREATE TABLE aux.r(y REFERENCES q(id));
        INSERT INTO aux.p VALUES(5), (6); INSERT INTO aux.c VALUES(5), (6);
        INSERT INTO aux.q VALUES(1); INSERT INTO aux.r VALUES(1);
        DELETE FROM aux.p WHERE id = 5;
        DELETE FROM aux.q WHERE id = 1;
        SELECT * FROM aux.c; SELECT * FROM aux.q;
        PRAGMA aux.foreign_key_check;
        """,
        // CREATE INDEX on an attached WITHOUT ROWID table.
        """
        ATTACH ':memory:' AS aux;
        CREATE TABLE main.w(k INT PRIMARY KEY, v) WITHOUT ROWID;
        INSERT INTO main.w VALUES(1, 'a');
        CREATE TABLE aux.w(k INT PRIMARY KEY, v) WITHOUT ROWID;
        INSERT INTO aux.w VALUES(1, 'b'), (2, 'c');
        CREATE INDEX aux.wv ON w(v);
        SELECT k FROM aux.w WHERE v = 'c';
        PRAGMA aux.integrity_check; PRAGMA main.integrity_check;
        """,
    ]

    @Test("scripts match sqlite3", arguments: AttachedWriteTests.scripts)
    func matches(_ script: String) throws {
        try expectSameScript(script)
    }
}
