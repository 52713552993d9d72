// ALTER TABLE on TEMP and attached tables (RENAME TO, RENAME COLUMN, ADD COLUMN, DROP COLUMN):
// the schema rows of the table's own database edited as sqlite3 does, compared with sqlite3.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md §ALTER TABLE.
import Foundation
import Testing
import LoomTestSupport

@Suite("ALTER TABLE on TEMP and attached tables", .enabled(if: Oracle.isAvailable))
struct AlterOtherDatabaseTests {
    static let scripts: [String] = [
        // TEMP tables: their indexes and triggers, and a TEMP trigger on a main table.
        """
        CREATE TEMP TABLE t(a, b UNIQUE, c CHECK (c > 0));
        CREATE INDEX temp.ti ON t(a);
        CREATE TEMP TABLE t2(x);
        CREATE TEMP VIEW tv AS SELECT * FROM t2;
        CREATE TEMP TRIGGER tt AFTER INSERT ON t BEGIN INSERT INTO t2 VALUES(new.b); END;
        CREATE TABLE main.m(p, q);
        CREATE TEMP TRIGGER tm AFTER INSERT ON m BEGIN INSERT INTO t(a, b, c) VALUES(new.p, new.q, 1); END;
        INSERT INTO t VALUES(1, 2, 3);
        ALTER TABLE t ADD COLUMN d DEFAULT 7;
        SELECT * FROM t;
        ALTER TABLE t DROP COLUMN d;
        ALTER TABLE t RENAME TO t3;
        ALTER TABLE m RENAME COLUMN p TO pp;
        ALTER TABLE temp.t3 RENAME COLUMN c TO cc;
        SELECT type, name, tbl_name, sql FROM sqlite_temp_master ORDER BY name;
        SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name;
        INSERT INTO m VALUES(5, 6);
        SELECT * FROM t3; SELECT * FROM t2;
        ALTER TABLE t3 RENAME COLUMN b TO bb;
        CREATE TEMP VIEW tv2 AS SELECT t3.a AS q FROM t3;
        ALTER TABLE t3 RENAME COLUMN a TO aa;
        DROP VIEW tv2;
        ALTER TABLE t3 DROP COLUMN b;
        ALTER TABLE t3 RENAME TO t2;
        PRAGMA temp.integrity_check;
        """,
        // Attached tables: AUTOINCREMENT, index, view, trigger, WITHOUT ROWID.
        """
        ATTACH ':memory:' AS aux;
        CREATE TABLE aux.u(a INTEGER PRIMARY KEY AUTOINCREMENT, b, c);
        CREATE INDEX aux.ui ON u(b);
        CREATE VIEW aux.uv AS SELECT a, b FROM u;
        CREATE TRIGGER aux.ut AFTER INSERT ON u BEGIN UPDATE u SET c = 1 WHERE a = new.a; END;
        CREATE TABLE u(z);
        INSERT INTO aux.u(b) VALUES('x');
        ALTER TABLE aux.u RENAME COLUMN b TO bb;
        ALTER TABLE aux.u ADD COLUMN d;
        ALTER TABLE aux.u DROP COLUMN c;
        ALTER TABLE aux.u RENAME TO u2;
        CREATE TABLE aux.w(k INT PRIMARY KEY, v, z) WITHOUT ROWID;
        INSERT INTO aux.w VALUES(1, 2, 3), (4, 5, 6);
        ALTER TABLE aux.w DROP COLUMN z;
        ALTER TABLE aux.w RENAME COLUMN v TO vv;
        SELECT * FROM aux.w;
        SELECT type, name, tbl_name, sql FROM aux.sqlite_master ORDER BY name;
        SELECT * FROM aux.u2; SELECT * FROM aux.sqlite_sequence;
        SELECT type, name, sql FROM main.sqlite_master;
        PRAGMA aux.integrity_check;
        ALTER TABLE aux.u2 RENAME TO w;
        ALTER TABLE aux.u2 RENAME TO sqlite_x;
        ALTER TABLE aux.nosuch RENAME TO y;
        """,
    ]

    @Test("scripts match sqlite3", arguments: AlterOtherDatabaseTests.scripts)
    func matches(_ script: String) throws {
        try expectSameScript(script)
    }
}
