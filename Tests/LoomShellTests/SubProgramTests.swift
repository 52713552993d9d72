// Trigger bodies and foreign-key actions as sub-programs: chains and recursion of any depth
// (up to SQLite's 1000 frames), compared with sqlite3. Layer: L5/L4 (through the shell).
// Spec: Spec/L5-sql.md §Codegen (C13), Spec/L4-vdbe.md §Sub-programs.
import Foundation
import Testing
import LoomTestSupport

@Suite("Sub-programs", .enabled(if: Oracle.isAvailable))
struct SubProgramTests {
    static let scripts: [String] = [
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE n(id INTEGER PRIMARY KEY, p INTEGER REFERENCES n(id) ON DELETE CASCADE ON UPDATE CASCADE, v);
        CREATE INDEX np ON n(p);
        WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<1100) INSERT INTO n SELECT i, CASE WHEN i>1 THEN i-1 END, i FROM c;
        DELETE FROM n WHERE id=1;
        SELECT count(*) FROM n;
        DELETE FROM n WHERE id=400;
        SELECT count(*) FROM n;
        UPDATE n SET id=id+10000 WHERE id=1;
        SELECT count(*), min(id), max(id) FROM n;
        BEGIN;
        DELETE FROM n WHERE id=10001;
        SELECT count(*) FROM n;
        ROLLBACK;
        SELECT count(*) FROM n;
        CREATE TABLE log(x);
        CREATE TRIGGER tl AFTER DELETE ON n BEGIN INSERT INTO log VALUES(old.id); END;
        DELETE FROM n WHERE id=200;
        SELECT count(*), min(x), max(x) FROM log;
        SELECT count(*) FROM n;
        """,
        """
        CREATE TABLE t(x);
        CREATE TRIGGER tr AFTER INSERT ON t WHEN new.x < 2000 BEGIN INSERT INTO t VALUES(new.x+1); END;
        INSERT INTO t VALUES(1);
        SELECT count(*) FROM t;
        PRAGMA recursive_triggers=ON;
        INSERT INTO t VALUES(1001);
        SELECT count(*), max(x) FROM t;
        DELETE FROM t;
        INSERT INTO t VALUES(1000);
        SELECT count(*) FROM t;
        INSERT INTO t VALUES(1500);
        SELECT count(*) FROM t;
        INSERT INTO t VALUES(5);
        SELECT count(*) FROM t;
        CREATE TABLE u(x);
        CREATE TRIGGER bu BEFORE INSERT ON u WHEN new.x < 10 BEGIN INSERT INTO u VALUES(new.x+1); END;
        INSERT INTO u VALUES(1);
        SELECT group_concat(x) FROM u;
        PRAGMA recursive_triggers=OFF;
        DELETE FROM u;
        INSERT INTO u VALUES(1);
        SELECT group_concat(x) FROM u;
        CREATE TABLE a(x); CREATE TABLE b(x);
        CREATE TRIGGER ta AFTER INSERT ON a WHEN new.x < 20 BEGIN INSERT INTO b VALUES(new.x+1); END;
        CREATE TRIGGER tb AFTER INSERT ON b BEGIN INSERT INTO a VALUES(new.x+1); END;
        INSERT INTO a VALUES(0);
        SELECT group_concat(x) FROM a; SELECT group_concat(x) FROM b;
        PRAGMA recursive_triggers=ON;
        DELETE FROM a; DELETE FROM b;
        INSERT INTO a VALUES(0);
        SELECT group_concat(x) FROM a; SELECT group_concat(x) FROM b;
        """,
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p(id INTEGER PRIMARY KEY, k UNIQUE);
        CREATE TABLE c(id INTEGER PRIMARY KEY, pk UNIQUE REFERENCES p(k) ON DELETE SET NULL ON UPDATE CASCADE);
        CREATE TABLE g(id INTEGER PRIMARY KEY, ck DEFAULT 'dflt' REFERENCES c(pk) ON UPDATE SET DEFAULT ON DELETE CASCADE);
        CREATE TABLE h(id INTEGER PRIMARY KEY, gk REFERENCES g(id) ON DELETE SET NULL);
        INSERT INTO p VALUES(1,'a'),(2,'b'),(3,'dflt');
        INSERT INTO c VALUES(1,'a'),(2,'b'),(3,'dflt');
        INSERT INTO g VALUES(1,'a'),(2,'b'),(3,'a');
        INSERT INTO h VALUES(1,1),(2,3),(3,2);
        UPDATE p SET k='z' WHERE id=1;
        SELECT * FROM c ORDER BY id; SELECT * FROM g ORDER BY id; SELECT * FROM h ORDER BY id;
        DELETE FROM p WHERE id=2;
        SELECT * FROM c ORDER BY id; SELECT * FROM g ORDER BY id; SELECT * FROM h ORDER BY id;
        DELETE FROM c WHERE id=3;
        SELECT * FROM c ORDER BY id; SELECT * FROM g ORDER BY id; SELECT * FROM h ORDER BY id;
        CREATE TABLE x(id INTEGER PRIMARY KEY, up REFERENCES x ON DELETE SET NULL, w);
        CREATE TRIGGER xt AFTER UPDATE OF up ON x BEGIN DELETE FROM x WHERE id=old.id+100; END;
        WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i<300) INSERT INTO x SELECT i, i-1, i FROM r;
        UPDATE x SET up=NULL WHERE id=1;
        INSERT INTO x VALUES(1000, NULL, 0);
        DELETE FROM x WHERE id=10;
        SELECT count(*), sum(up IS NULL) FROM x;
        """,
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE n(id INTEGER PRIMARY KEY, p REFERENCES n(id) ON DELETE CASCADE);
        WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<100) INSERT INTO n SELECT i, CASE WHEN i>1 THEN i-1 END FROM c;
        CREATE TRIGGER stop BEFORE DELETE ON n WHEN old.id=80 BEGIN SELECT RAISE(ABORT, 'no 80'); END;
        DELETE FROM n WHERE id=1;
        SELECT count(*) FROM n;
        BEGIN;
        INSERT INTO n VALUES(101, 100);
        DELETE FROM n WHERE id=50;
        SELECT count(*) FROM n;
        COMMIT;
        SELECT count(*) FROM n;
        DROP TRIGGER stop;
        CREATE TRIGGER ign BEFORE DELETE ON n WHEN old.id=80 BEGIN SELECT RAISE(IGNORE); END;
        DELETE FROM n WHERE id=1;
        SELECT count(*), group_concat(id) FROM n;
        DROP TRIGGER ign;
        CREATE TRIGGER f BEFORE DELETE ON n WHEN old.id=90 BEGIN SELECT RAISE(FAIL, 'fail 90'); END;
        DELETE FROM n WHERE id=80;
        SELECT count(*) FROM n;
        DROP TRIGGER f;
        CREATE TRIGGER r BEFORE DELETE ON n WHEN old.id=95 BEGIN SELECT RAISE(ROLLBACK, 'rb 95'); END;
        BEGIN;
        INSERT INTO n VALUES(500, NULL);
        DELETE FROM n WHERE id=80;
        SELECT count(*) FROM n;
        COMMIT;
        SELECT count(*) FROM n;
        CREATE TABLE q(id INTEGER PRIMARY KEY, p REFERENCES q(id));
        INSERT INTO q VALUES(1,NULL),(2,1);
        CREATE TABLE q2(id INTEGER PRIMARY KEY, p REFERENCES q(id) ON DELETE CASCADE);
        INSERT INTO q2 VALUES(1,1);
        DELETE FROM q WHERE id=1;
        SELECT count(*) FROM q;
        """,
        """
        CREATE TABLE v(x); CREATE TABLE log(a,b);
        CREATE TRIGGER bv BEFORE INSERT ON v BEGIN INSERT INTO log VALUES(new.rowid, new.x); END;
        INSERT INTO v VALUES(1);
        INSERT INTO v(rowid,x) VALUES(7,2);
        SELECT * FROM log;
        CREATE TABLE w(id INTEGER PRIMARY KEY, x);
        CREATE TRIGGER bw BEFORE INSERT ON w BEGIN INSERT INTO log VALUES(new.id, new.rowid); END;
        INSERT INTO w(x) VALUES(1);
        SELECT * FROM log;
        """
    ]

    /// Deep self-referencing cascades and the trigger depth limit; recursive triggers
    /// (on/off, BEFORE and AFTER, mutual); SET NULL / SET DEFAULT / CASCADE chains;
    /// RAISE(ABORT / IGNORE / FAIL / ROLLBACK) deep inside a cascade; NEW.rowid in BEFORE INSERT.
    @Test("deep actions and recursive triggers match sqlite3", arguments: scripts)
    func script(_ script: String) throws {
        try expectSameScript(script)
    }

    /// A 50-table parent→child chain of ON DELETE / ON UPDATE CASCADE, with a logging trigger
    /// on every table fired by the actions.
    @Test func fiftyLevelChain() throws {
        var lines = ["PRAGMA foreign_keys=ON;", "CREATE TABLE log(t, id);", "CREATE TABLE t0(id INTEGER PRIMARY KEY, v);"]
        for i in 1 ..< 50 {
            lines.append("CREATE TABLE t\(i)(id INTEGER PRIMARY KEY, p REFERENCES t\(i - 1)(id) ON DELETE CASCADE ON UPDATE CASCADE, v);")
            lines.append("CREATE TRIGGER d\(i) AFTER DELETE ON t\(i) BEGIN INSERT INTO log VALUES(\(i), old.id); END;")
            lines.append("INSERT INTO t\(i) VALUES(1,1,'x'),(2,2,'y'),(3,1,'z');")
        }
        lines.insert("INSERT INTO t0 VALUES(1,'a'),(2,'b');", at: 3)
        lines += ["UPDATE t0 SET id=7 WHERE id=1;", "SELECT count(*), sum(p=7) FROM t1;",
                  "DELETE FROM t0 WHERE id=7;", "SELECT count(*), min(t), max(t) FROM log;",
                  (0 ..< 50).map { "SELECT count(*) FROM t\($0);" }.joined(separator: " ")]
        try expectSameScript(lines.joined(separator: "\n"))
    }
}
