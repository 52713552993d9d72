// VACUUM, VACUUM INTO and ANALYZE compared with sqlite3: the rebuilt files pass sqlite3's
// integrity_check with the same rows and schema; sqlite_stat1 rows equal sqlite3's.
// Layer: L5/L6 (through the shell). Spec: Spec/L5-sql.md §ANALYZE, Spec/L6-session.md §VACUUM.
import Foundation
import Testing
import LoomTestSupport

@Suite("VACUUM and ANALYZE", .enabled(if: Oracle.isAvailable))
struct VacuumAnalyzeTests {
    @Test("ANALYZE scripts match sqlite3", arguments: [
        """
            CREATE TABLE t(a, b, c, d TEXT COLLATE NOCASE);
            CREATE INDEX tab ON t(a, b);
            CREATE UNIQUE INDEX tc ON t(c);
            CREATE INDEX td ON t(d);

            CREATE TABLE e(x);
            CREATE TABLE e2(x); CREATE INDEX e2x ON e2(x);
            CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID;
            WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<100) INSERT INTO t SELECT i%7, i%3, i, CASE i%4 WHEN 0 THEN 'a' WHEN 1 THEN 'A' ELSE NULL END FROM s;
            INSERT INTO e VALUES(1),(2);
            INSERT INTO w VALUES(1,1),(2,NULL),(3,NULL);
            ANALYZE;
            SELECT * FROM sqlite_stat1 ORDER BY 1,2;
            SELECT sql FROM sqlite_schema WHERE name='sqlite_stat1';
            DELETE FROM t WHERE c > 10;
            ANALYZE t;
            SELECT * FROM sqlite_stat1 ORDER BY 1,2;
            ANALYZE tab;
            ANALYZE main.e;
            ANALYZE nosuch;
            ANALYZE main;
            SELECT * FROM sqlite_stat1 ORDER BY 1,2;
            SELECT rowid, * FROM sqlite_stat1;
            """,
        """
            CREATE TABLE t(a, b, c, d TEXT COLLATE NOCASE);
            CREATE INDEX tab ON t(a, b);
            CREATE UNIQUE INDEX tc ON t(c);
            CREATE INDEX td ON t(d);

            CREATE TABLE e(x);
            CREATE TABLE e2(x); CREATE INDEX e2x ON e2(x);
            CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID;
            WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<100) INSERT INTO t SELECT i%7, i%3, i, CASE i%4 WHEN 0 THEN 'a' WHEN 1 THEN 'A' ELSE NULL END FROM s;
            INSERT INTO e VALUES(1),(2);
            INSERT INTO w VALUES(1,1),(2,NULL),(3,NULL);
            ANALYZE;
            SELECT * FROM sqlite_stat1 ORDER BY 1,2;
            SELECT rowid,* FROM sqlite_stat1; ANALYZE; SELECT rowid, * FROM sqlite_stat1; CREATE INDEX tz ON t(b); CREATE INDEX ty ON t(c,d); ANALYZE t; SELECT rowid, * FROM sqlite_stat1; DROP TABLE t; SELECT * FROM sqlite_stat1;
            """,
        // Indexes with collations and NULLs, a multi-column unique index, re-ANALYZE of one index.
        "CREATE TABLE t(a TEXT COLLATE NOCASE, b, c);CREATE INDEX ta ON t(a);CREATE UNIQUE INDEX tbc ON t(b, c);CREATE INDEX tcb ON t(c DESC, b);WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<57) INSERT INTO t SELECT char(65 + i % 5 + (i % 2) * 32), i % 11, CASE WHEN i % 4 = 0 THEN NULL ELSE i END FROM s;\nANALYZE;\nSELECT * FROM sqlite_stat1 ORDER BY 1,2;\nDELETE FROM t WHERE b > 5;\nANALYZE tcb;\nSELECT * FROM sqlite_stat1 ORDER BY 1,2;\nDROP INDEX ta;\nSELECT * FROM sqlite_stat1 ORDER BY 1,2;\nANALYZE main;ANALYZE nosuch.t;\nSELECT count(*) FROM sqlite_stat1;",
    ])
    func analyze(_ script: String) throws {
        try expectSameScript(script)
    }

    static let vacuumSetup = """
        CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT, c AS (b||'x'));
        CREATE TABLE u(x, y UNIQUE);
        CREATE INDEX ub ON u(x COLLATE NOCASE);
        CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID;
        CREATE VIEW vv AS SELECT * FROM t;
        CREATE TRIGGER tt AFTER INSERT ON t BEGIN INSERT INTO u VALUES(new.b, NULL); END;
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<800) INSERT INTO t(b) SELECT hex(randomblob(40)) || i FROM s;
        INSERT INTO w SELECT a, b FROM t;
        DELETE FROM t WHERE a % 3 = 0;
        DELETE FROM u WHERE rowid % 2 = 0;
        PRAGMA user_version=7;
        """
    static let vacuumCheck = """
        PRAGMA freelist_count;
        PRAGMA integrity_check;
        SELECT count(*), sum(a), max(length(c)) FROM t;
        SELECT count(*), sum(length(x)) FROM u; SELECT count(*) FROM w;
        SELECT * FROM sqlite_sequence;
        PRAGMA user_version;
        SELECT type, name, tbl_name, sql FROM sqlite_schema;
        """

    @Test("VACUUM leaves no free pages, the same rows and schema; sqlite3 checks the file")
    func vacuumInPlace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        for (engine, path) in [("sqlite3", dir.file("s.db")), ("loom", dir.file("l.db"))] {
            let script = VacuumAnalyzeTests.vacuumSetup + "\nVACUUM;\nPRAGMA auto_vacuum=FULL;\nVACUUM;\n"
            if engine == "sqlite3" { _ = try runSQLite([path], input: script) } else { _ = runLoom([path], input: script) }
        }
        let expected = try runSQLite([dir.file("s.db")], input: VacuumAnalyzeTests.vacuumCheck + "PRAGMA auto_vacuum;\n")
        let got = try runSQLite([dir.file("l.db")], input: VacuumAnalyzeTests.vacuumCheck + "PRAGMA auto_vacuum;\n")
        #expect(got == expected)
    }

    @Test("VACUUM INTO writes a compact copy; errors as sqlite3")
    func vacuumInto() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        for (engine, path) in [("sqlite3", dir.file("s.db")), ("loom", dir.file("l.db"))] {
            let script = VacuumAnalyzeTests.vacuumSetup + "\nPRAGMA page_size=1024;\nVACUUM INTO '\(path)';\n"
            if engine == "sqlite3" { _ = try runSQLite([dir.file("src-s.db")], input: script) } else { _ = runLoom([dir.file("src-l.db")], input: script) }
        }
        let check = VacuumAnalyzeTests.vacuumCheck + "PRAGMA page_size;\n"
        #expect(try runSQLite([dir.file("l.db")], input: check) == runSQLite([dir.file("s.db")], input: check))
        try expectSameScript("""
            CREATE TABLE t(a);
            BEGIN;
            VACUUM;
            COMMIT;
            VACUUM INTO '\(dir.file("l.db"))';
            VACUUM nosuch;
            VACUUM main INTO 1;
            VACUUM temp;
            VACUUM;
            """)
    }
}
