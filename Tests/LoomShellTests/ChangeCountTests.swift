// changes() and total_changes() as SQLite counts them: a statement's own rows reach
// total_changes() when it ends, and not at all when it is undone (ABORT, ROLLBACK); each
// trigger-body statement adds its rows when it ends (ResetCount), even if the statement
// that fired it fails later; PRAGMA count_changes counts the statement's own rows only.
// Also SQLite's limits on one FROM clause (64 tables in a join, 200 terms). Compared with
// sqlite3. Layer: L4/L5 (through the shell). Spec: Spec/L4-vdbe.md §Sub-programs.
import Testing
import LoomTestSupport

@Suite("change counts and join limits", .enabled(if: Oracle.isAvailable))
struct ChangeCountTests {
    static let scripts: [String] = [
        // Failed multi-row INSERTs under ABORT, FAIL, ROLLBACK and IGNORE, with a trigger.
        """
        CREATE TABLE t(a UNIQUE);
        CREATE TABLE log(x);
        INSERT INTO t VALUES(1),(1);
        SELECT total_changes(), changes();
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END;
        INSERT INTO t VALUES(2),(2);
        SELECT total_changes(), changes();
        INSERT OR FAIL INTO t VALUES(3),(3);
        SELECT total_changes(), changes();
        BEGIN;
        INSERT INTO t VALUES(4),(4);
        SELECT total_changes(), changes();
        INSERT OR ROLLBACK INTO t VALUES(5),(5);
        SELECT total_changes(), changes();
        INSERT OR IGNORE INTO t VALUES(6),(6);
        SELECT total_changes(), changes();
        UPDATE t SET a = a + 100;
        SELECT total_changes(), changes();
        DELETE FROM t;
        SELECT total_changes(), changes(), (SELECT count(*) FROM log);
        """,
        // What a statement and its triggers see while it runs.
        """
        CREATE TABLE t(a);
        CREATE TABLE log(x);
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN
          INSERT INTO log VALUES(total_changes()); INSERT INTO log VALUES(changes());
        END;
        INSERT INTO t SELECT total_changes() FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3);
        SELECT * FROM t; SELECT * FROM log; SELECT total_changes(), changes();
        PRAGMA count_changes = 1;
        INSERT INTO t VALUES(9),(10);
        DELETE FROM log;
        SELECT total_changes(), changes();
        """,
        // Cascades, INSTEAD OF triggers, RAISE(IGNORE), upserts, WITHOUT ROWID, DROP TABLE.
        """
        PRAGMA foreign_keys = ON;
        CREATE TABLE p(id INTEGER PRIMARY KEY);
        CREATE TABLE c(pid REFERENCES p ON DELETE CASCADE);
        INSERT INTO p VALUES(1),(2);
        INSERT INTO c VALUES(1),(1),(2);
        DELETE FROM p WHERE id = 1;
        SELECT total_changes(), changes();
        CREATE TABLE v0(a); CREATE VIEW vv AS SELECT a FROM v0;
        CREATE TRIGGER ti INSTEAD OF INSERT ON vv BEGIN
          INSERT INTO v0 VALUES(new.a); INSERT INTO v0 VALUES(new.a);
        END;
        INSERT INTO vv VALUES(1),(2);
        SELECT total_changes(), changes();
        CREATE TRIGGER tr2 AFTER INSERT ON v0 WHEN new.a = 2 BEGIN SELECT RAISE(IGNORE); END;
        CREATE TRIGGER tr3 BEFORE INSERT ON v0 BEGIN DELETE FROM c; END;
        INSERT INTO v0 VALUES(2);
        SELECT total_changes(), changes();
        DROP TRIGGER tr3;
        DROP TABLE c;
        SELECT total_changes(), changes();
        PRAGMA count_changes = 1;
        INSERT INTO vv VALUES(7);
        UPDATE v0 SET a = a + 1;
        CREATE TABLE u(a PRIMARY KEY, b) WITHOUT ROWID;
        INSERT INTO u VALUES(1,1),(2,2) ON CONFLICT DO NOTHING;
        INSERT INTO u VALUES(1,5) ON CONFLICT(a) DO UPDATE SET b = 9;
        INSERT OR REPLACE INTO u VALUES(2,7);
        DELETE FROM u;
        SELECT total_changes(), changes();
        """,
    ]

    @Test("scripts match sqlite3", arguments: ChangeCountTests.scripts)
    func matches(_ script: String) throws {
        try expectSameScript(script)
    }

    /// `FROM t t1, …, t tN` (or UPDATE t … FROM with N more): 64 tables in a join are
    /// allowed, 65 are not, and more than 200 terms fail in SQLite's parser first.
    @Test("FROM clause size limits match sqlite3", arguments: [64, 65, 201])
    func joinLimit(_ n: Int) throws {
        let list = (1...n).map { "t t\($0)" }.joined(separator: ", ")
        try expectSameScript("CREATE TABLE t(a); SELECT count(*) FROM \(list);")
        let joins = (2...n).map { "JOIN t t\($0)" }.joined(separator: " ")
        try expectSameScript("CREATE TABLE t(a); SELECT count(*) FROM t t1 \(joins);")
        let from = (1..<n).map { "t t\($0)" }.joined(separator: ", ")
        try expectSameScript("CREATE TABLE t(a); UPDATE t SET a = 1 FROM \(from);")
    }
}
