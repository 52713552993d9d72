// Foreign keys (foreignkeys.html) and trigger bodies run per row, compared with sqlite3 on
// fixed scripts and on generated schemas and statement mixes.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md §Foreign keys.
import Foundation
import Testing
import LoomTestSupport

@Suite("Foreign keys", .enabled(if: Oracle.isAvailable))
struct ForeignKeyTests {
    static let scripts: [String] = [
        // fk3
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p(id INTEGER PRIMARY KEY, x);
        CREATE TABLE c(a REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED, b);
        INSERT INTO c VALUES(1,1);
        SELECT count(*) FROM c;
        BEGIN; INSERT INTO c VALUES(2,2); COMMIT;
        SELECT count(*) FROM c;
        INSERT INTO p VALUES(2,0);
        COMMIT;
        SELECT count(*) FROM c;
        CREATE TABLE q(a, b UNIQUE); CREATE TABLE d(z REFERENCES q(a));
        INSERT INTO d VALUES(1);
        DELETE FROM q;
        CREATE TABLE d2(z REFERENCES nothere(a));
        INSERT INTO d2 VALUES(1);
        INSERT INTO d2 VALUES(NULL);
        PRAGMA foreign_keys=OFF;
        INSERT INTO d VALUES(1);
        PRAGMA foreign_key_check;
        PRAGMA foreign_key_check(d);
        """,
        // fk4
        """
        CREATE TABLE p(id INTEGER PRIMARY KEY, x UNIQUE);
        CREATE TABLE c(a REFERENCES p(id), b REFERENCES p(x), e);
        CREATE TABLE c2(a, b, FOREIGN KEY(a,b) REFERENCES p2(u,v));
        CREATE TABLE p2(u,v, UNIQUE(u,v));
        INSERT INTO c VALUES(1,1,1),(NULL,2,2),(3,NULL,3);
        INSERT INTO c2 VALUES(1,2),(NULL,1);
        INSERT INTO p2 VALUES(1,3);
        PRAGMA foreign_key_check;
        SELECT '--';
        PRAGMA foreign_key_check(c2);
        PRAGMA main.foreign_key_check(c);
        PRAGMA foreign_key_check(nosuch);
        PRAGMA foreign_key_check('p');
        .headers on
        PRAGMA foreign_key_check;
        """,
        // fk5
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p(id INTEGER PRIMARY KEY);
        CREATE TABLE c(a REFERENCES p ON DELETE CASCADE);
        CREATE TABLE log(x);
        CREATE TRIGGER tp AFTER DELETE ON p BEGIN INSERT INTO log VALUES('p'||old.id); END;
        CREATE TRIGGER tc AFTER DELETE ON c BEGIN INSERT INTO log VALUES('c'||old.a); END;
        INSERT INTO p VALUES(1),(2); INSERT INTO c VALUES(1),(2),(2);
        DROP TABLE p;
        SELECT * FROM log; SELECT count(*) FROM c;
        CREATE TABLE p2(id INTEGER PRIMARY KEY);
        CREATE TABLE c2(a REFERENCES p2);
        INSERT INTO p2 VALUES(1); INSERT INTO c2 VALUES(1);
        DROP TABLE p2;
        SELECT name FROM sqlite_master;
        INSERT INTO c2 VALUES(5);
        INSERT OR REPLACE INTO c2 VALUES(5);
        CREATE TABLE p3(id INTEGER PRIMARY KEY, v);
        CREATE TABLE c3(a REFERENCES p3 ON DELETE CASCADE);
        INSERT INTO p3 VALUES(1,1); INSERT INTO c3 VALUES(1);
        INSERT OR REPLACE INTO p3 VALUES(1,2);
        SELECT count(*) FROM c3;
        REPLACE INTO p3 VALUES(1,3);
        CREATE TABLE t(id INTEGER PRIMARY KEY, parent REFERENCES t ON DELETE CASCADE);
        INSERT INTO t VALUES(1,NULL),(2,1),(3,2),(4,3);
        DELETE FROM t WHERE id=1;
        SELECT count(*) FROM t;
        """,
        // fk6
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p(a, b, c, PRIMARY KEY(a,b));
        CREATE TABLE ch(x, y, z DEFAULT 5, FOREIGN KEY(x,y) REFERENCES p ON UPDATE CASCADE ON DELETE SET NULL);
        INSERT INTO p VALUES(1,2,3),(4,5,6),('a','b','c');
        INSERT INTO ch VALUES(1,2,0),(4,5,1),(4,5,2),('a','b',3),(NULL,9,4);
        INSERT INTO ch VALUES(7,8,9);
        UPDATE p SET a=10 WHERE a=1;
        SELECT * FROM ch ORDER BY z;
        DELETE FROM p WHERE a=4;
        SELECT * FROM ch ORDER BY z;
        UPDATE ch SET x=99 WHERE z=3;
        UPDATE ch SET y='b' WHERE z=3;
        SELECT * FROM ch ORDER BY z;
        CREATE TABLE p2(id INTEGER PRIMARY KEY, v UNIQUE);
        CREATE TABLE c2(r REFERENCES p2(v) ON DELETE RESTRICT, s REFERENCES p2 ON DELETE SET DEFAULT DEFAULT 1);
        INSERT INTO p2 VALUES(1,'one'),(2,'two'),(3,'three');
        INSERT INTO c2 VALUES('two',3),(NULL,2);
        DELETE FROM p2 WHERE id=2;
        DELETE FROM p2 WHERE id=3;
        SELECT * FROM c2;
        DELETE FROM p2 WHERE id=1;
        SELECT * FROM c2;
        BEGIN;
        INSERT INTO c2 VALUES('zzz', NULL);
        PRAGMA defer_foreign_keys=ON;
        INSERT INTO c2 VALUES('yyy', NULL);
        PRAGMA defer_foreign_keys;
        DELETE FROM c2 WHERE r='yyy';
        COMMIT;
        PRAGMA defer_foreign_keys;
        SELECT * FROM c2;
        CREATE TABLE p3(id INTEGER PRIMARY KEY);
        CREATE TABLE c3(a REFERENCES p3 DEFERRABLE INITIALLY DEFERRED);
        BEGIN;
        INSERT INTO c3 VALUES(1),(2);
        INSERT INTO p3 VALUES(1);
        COMMIT;
        DELETE FROM c3 WHERE a=2;
        COMMIT;
        SELECT * FROM c3;
        BEGIN; DELETE FROM p3; COMMIT; ROLLBACK;
        SELECT * FROM p3;
        CREATE TABLE log(m);
        CREATE TRIGGER trg AFTER UPDATE ON ch BEGIN INSERT INTO log VALUES(old.x || '->' || new.x); END;
        UPDATE p SET a=11 WHERE a=10;
        SELECT * FROM log;
        INSERT OR REPLACE INTO p VALUES(11,2,'r');
        SELECT * FROM ch ORDER BY z;
        UPDATE p SET c='q' WHERE a=11;
        SELECT * FROM ch ORDER BY z;
        INSERT INTO c3 SELECT 5;
        INSERT INTO c3 VALUES('1');
        SELECT typeof(a) FROM c3;
        CREATE TABLE s(id INTEGER PRIMARY KEY, up REFERENCES s);
        INSERT INTO s VALUES(1,1),(2,3),(3,1);
        INSERT INTO s VALUES(5,6);
        UPDATE s SET id=10 WHERE id=1;
        DELETE FROM s WHERE id=3;
        DELETE FROM s WHERE id=2;
        DELETE FROM s;
        SELECT count(*) FROM s;
        PRAGMA foreign_key_list(ch);
        """,
        // trig1
        """
        CREATE TABLE t(a); CREATE TABLE u(x); CREATE TABLE log(n);
        CREATE TRIGGER tr BEFORE INSERT ON t BEGIN INSERT INTO log VALUES((SELECT count(*) FROM u)); INSERT INTO u VALUES(new.a); END;
        INSERT INTO t VALUES(1),(2),(3);
        SELECT * FROM log;
        """,
        // trig2
        """
        CREATE TABLE t(a); CREATE TABLE u(x); CREATE TABLE log(n, m);
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES((SELECT count(*) FROM u), new.a IN (SELECT x FROM u)); INSERT INTO u VALUES(new.a); END;
        INSERT INTO t VALUES(1),(2),(3);
        INSERT INTO t SELECT x FROM u WHERE x IN (SELECT x FROM u);
        SELECT * FROM log;
        """,
        // dropInTxn
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p1(id INTEGER PRIMARY KEY, v TEXT UNIQUE, w);
        CREATE TABLE c1(k INTEGER PRIMARY KEY, r REFERENCES p1, s TEXT REFERENCES p1(v));
        INSERT INTO p1 VALUES(1,'v1',0),(2,'v2',0);
        INSERT INTO c1 VALUES(1,1,'v1');
        BEGIN;
        DROP TABLE p1;
        SELECT * FROM p1;
        INSERT INTO c1 VALUES(2,2,NULL);
        SELECT * FROM c1;
        ROLLBACK;
        SELECT * FROM p1;
        PRAGMA integrity_check;
        """,
        // affinity
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p(a INT UNIQUE, t TEXT UNIQUE);
        CREATE TABLE c(x REFERENCES p(a), y REFERENCES p(t), xi INT REFERENCES p(a), yt TEXT REFERENCES p(t));
        INSERT INTO p VALUES(1,'1'),(2,'2');
        INSERT INTO c(x) VALUES('1');
        INSERT INTO c(y) VALUES(1);
        INSERT INTO c(xi) VALUES('1');
        INSERT INTO c(yt) VALUES(1);
        INSERT INTO c(x) VALUES(1.0);
        INSERT INTO c(y) VALUES(2.0);
        SELECT count(*) FROM c;
        DELETE FROM p WHERE a=2;
        CREATE TABLE c2(x REFERENCES p(a) ON DELETE CASCADE);
        CREATE TABLE c3(y REFERENCES p(t) ON DELETE CASCADE);
        INSERT INTO c2 VALUES(1),('1');
        INSERT INTO c3 VALUES(1),('1');
        SELECT '--';
        DELETE FROM c;
        DELETE FROM p WHERE a=1;
        SELECT quote(x) FROM c2; SELECT quote(y) FROM c3;
        """,
        // scanAffinity
        """
        CREATE TABLE p(a INT UNIQUE, t TEXT UNIQUE);
        CREATE TABLE c(x REFERENCES p(a));
        CREATE TABLE d(y REFERENCES p(t));
        CREATE TABLE e(z INT REFERENCES p(t));
        INSERT INTO p VALUES(1,'1'),(2,'2'),(3,'3');
        INSERT INTO c VALUES('1'); INSERT INTO d VALUES(2); INSERT INTO e VALUES(3);
        PRAGMA foreign_keys=ON;
        DELETE FROM p WHERE a=1;
        DELETE FROM p WHERE a=2;
        DELETE FROM p WHERE a=3;
        SELECT * FROM p;
        """,
        // replaceCascade
        """
        PRAGMA foreign_keys=ON;
        CREATE TABLE p1(id INTEGER PRIMARY KEY, v TEXT UNIQUE, w);
        CREATE TABLE c1(k INTEGER PRIMARY KEY, r REFERENCES p1 ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, s TEXT);
        INSERT INTO p1 VALUES(1,'V1','x');
        INSERT INTO c1(r,s) VALUES('1','V1');
        INSERT INTO c1(r,s) VALUES(1,'V1');
        DELETE FROM c1 WHERE r=1;
        SELECT 'c1', k, quote(r) FROM c1;
        INSERT OR REPLACE INTO p1 VALUES(1,'V1',2);
        SELECT 'c1', k, quote(r) FROM c1;
        """,
    ]

    @Test("fixed scripts match sqlite3", arguments: ForeignKeyTests.scripts)
    func fixed(_ script: String) throws {
        try expectSameScript(script)
    }

    @Test("cases one by one", arguments: [
        // Actions by column type: the action's WHERE compares the parent value without affinity.
        "CREATE TABLE p(a INT UNIQUE);CREATE TABLE c(x REFERENCES p(a) ON DELETE CASCADE);INSERT INTO p VALUES(1);\nINSERT INTO c VALUES(1);\nINSERT INTO c VALUES('1');\nDELETE FROM p;\nSELECT quote(x) FROM c;",
        "CREATE TABLE p(a INTEGER PRIMARY KEY);CREATE TABLE c(x REFERENCES p ON DELETE CASCADE);INSERT INTO p VALUES(1);\nINSERT INTO c VALUES('1');\nDELETE FROM p;\nSELECT quote(x) FROM c;",
        "CREATE TABLE p(a TEXT UNIQUE);CREATE TABLE c(x INT REFERENCES p(a) ON UPDATE CASCADE);INSERT INTO p VALUES(1);\nINSERT INTO c VALUES(1);\nUPDATE p SET a=2;\nSELECT quote(x) FROM c;",
        // RESTRICT on UPDATE only when the key changes; not while defer_foreign_keys is on.
        "CREATE TABLE p(id INTEGER PRIMARY KEY);CREATE TABLE c(r REFERENCES p ON UPDATE RESTRICT);INSERT INTO p VALUES(2);INSERT INTO c VALUES(2);\nUPDATE p SET id=2.0;\nUPDATE p SET id=3;\nBEGIN;PRAGMA defer_foreign_keys=ON;\nUPDATE p SET id=3;\nCOMMIT;\nSELECT * FROM p;",
        // defer_foreign_keys resets when a transaction ends, and on a failed COMMIT.
        "PRAGMA defer_foreign_keys=ON;\nPRAGMA defer_foreign_keys;\nCOMMIT;\nPRAGMA defer_foreign_keys;\nCREATE TABLE t(a);PRAGMA defer_foreign_keys=ON;SELECT * FROM t;PRAGMA defer_foreign_keys;",
        // Mismatch and missing parents are compile errors while foreign_keys is on.
        "CREATE TABLE p(a, b);CREATE TABLE c(x REFERENCES p(a));\nINSERT INTO c VALUES(1);\nPRAGMA foreign_keys=ON;\nINSERT INTO c VALUES(1);\nDELETE FROM p;\nUPDATE p SET a=1;\nPRAGMA foreign_key_check;\nPRAGMA foreign_key_check(c);\nPRAGMA foreign_key_check(p);",
        "CREATE TABLE c(x REFERENCES nowhere, y);\nINSERT INTO c VALUES(1,2),(NULL,3);\nPRAGMA foreign_key_check;\nPRAGMA foreign_keys=ON;\nINSERT INTO c VALUES(1,2);\nINSERT INTO c VALUES(NULL,2);\nPRAGMA foreign_key_check(nosuch);",
        // Composite keys with collations, WITHOUT ROWID children in foreign_key_check.
        "CREATE TABLE p(a TEXT COLLATE NOCASE, b, UNIQUE(a,b));CREATE TABLE c(x, y, FOREIGN KEY(x,y) REFERENCES p(a,b));CREATE TABLE w(k PRIMARY KEY, z REFERENCES p(a)) WITHOUT ROWID;\nINSERT INTO p VALUES('A',1);\nINSERT INTO c VALUES('a',1),('b',1),(NULL,7);INSERT INTO w VALUES(1,'q');\nPRAGMA foreign_key_check;\nPRAGMA foreign_keys=ON;\nINSERT INTO c VALUES('a',1);\nINSERT INTO c VALUES('a',2);",
        // Create-time errors.
        "CREATE TABLE c(a REFERENCES p(x,y));\nCREATE TABLE c(a, FOREIGN KEY(a) REFERENCES p(x,y));\nCREATE TABLE c(a, FOREIGN KEY(b) REFERENCES p(x));\nPRAGMA foreign_key_list(c);",
        // Self-referencing cascade three levels deep; a tree deeper than Loom nests fails instead.
        "PRAGMA foreign_keys=ON;CREATE TABLE t(id INTEGER PRIMARY KEY, up REFERENCES t ON DELETE CASCADE ON UPDATE CASCADE);INSERT INTO t VALUES(1,NULL),(2,1),(3,2),(4,3),(5,1);\nUPDATE t SET id=10 WHERE id=1;\nSELECT * FROM t;\nDELETE FROM t WHERE id=10;\nSELECT count(*) FROM t;",
        // WITHOUT ROWID parent and children: mismatch names the newest child; DROP TABLE's implicit DELETE.
        "CREATE TABLE p(a INT PRIMARY KEY, b) WITHOUT ROWID;CREATE TABLE c1(x REFERENCES p(b));CREATE TABLE c2(y REFERENCES p(b));\nDELETE FROM p;\nINSERT INTO c1 VALUES(1);",
        "CREATE TABLE p(a INT PRIMARY KEY, b) WITHOUT ROWID;CREATE TABLE c(x INT PRIMARY KEY, y REFERENCES p ON DELETE CASCADE) WITHOUT ROWID;CREATE TABLE d(z REFERENCES p);CREATE TRIGGER tp AFTER DELETE ON p BEGIN INSERT INTO d VALUES(99); END;INSERT INTO p VALUES(1,1),(2,2);INSERT INTO c VALUES(1,1),(2,2);\nDROP TABLE p;\nSELECT * FROM c;SELECT * FROM d;\nINSERT INTO p VALUES(3,3);",
        "CREATE TABLE p(a INT PRIMARY KEY, b) WITHOUT ROWID;CREATE TABLE d(z REFERENCES p);INSERT INTO p VALUES(1,1);INSERT INTO d VALUES(1);\nDROP TABLE p;\nSELECT * FROM p;",
        // Triggers in a cascade, a BEFORE trigger whose body reads a subquery per row.
        "PRAGMA foreign_keys=ON;CREATE TABLE p(id INTEGER PRIMARY KEY);CREATE TABLE c(r REFERENCES p ON DELETE SET NULL, n);CREATE TABLE log(m);CREATE TRIGGER tc BEFORE UPDATE ON c BEGIN INSERT INTO log VALUES((SELECT count(*) FROM log) || ':' || new.n); END;INSERT INTO p VALUES(1),(2);INSERT INTO c VALUES(1,'a'),(1,'b'),(2,'c');\nDELETE FROM p WHERE id=1;\nSELECT * FROM log;SELECT * FROM c;",
    ])
    func single(_ script: String) throws {
        try expectSameScript("PRAGMA foreign_keys=ON;\n" + script)
    }

    /// A schema of two parents (rowid and composite keys), three children (one referencing
    /// itself), random actions and deferral, then a random mix of writes, transactions,
    /// PRAGMA defer_foreign_keys / foreign_key_check and DROP TABLE.
    static func generatedScript(_ rng: inout SeededRNG) -> String {
        let actions = ["", " ON DELETE CASCADE", " ON DELETE SET NULL", " ON DELETE SET DEFAULT", " ON DELETE RESTRICT",
                       " ON UPDATE CASCADE", " ON UPDATE SET NULL", " ON DELETE CASCADE ON UPDATE CASCADE", " ON UPDATE RESTRICT"]
        let deferral = ["", " DEFERRABLE INITIALLY DEFERRED"]
        var lines = ["PRAGMA foreign_keys=ON;",
                     "CREATE TABLE p1(id INTEGER PRIMARY KEY, v TEXT UNIQUE, w);",
                     "CREATE TABLE p2(a INT, b TEXT, x, PRIMARY KEY(a,b));",
                     "CREATE TABLE c1(k INTEGER PRIMARY KEY, r REFERENCES p1\(rng.pick(actions))\(rng.pick(deferral)), s TEXT DEFAULT 'v1' REFERENCES p1(v)\(rng.pick(actions)));",
                     "CREATE TABLE c2(k INTEGER PRIMARY KEY, a, b, FOREIGN KEY(a,b) REFERENCES p2\(rng.pick(actions))\(rng.pick(deferral)));",
                     "CREATE TABLE c3(k INTEGER PRIMARY KEY, up REFERENCES c3\(rng.pick(actions)));",
                     // WITHOUT ROWID parent and child.
                     "CREATE TABLE p3(a INT, b TEXT, PRIMARY KEY(a,b)) WITHOUT ROWID;",
                     "CREATE TABLE c4(n INT PRIMARY KEY, a, b, r REFERENCES p1\(rng.pick(actions)), FOREIGN KEY(a,b) REFERENCES p3\(rng.pick(actions))\(rng.pick(deferral))) WITHOUT ROWID;"]
        if rng.chance(50) { lines.append("CREATE INDEX c1r ON c1(r);") }
        if rng.chance(50) { lines.append("CREATE INDEX c2ab ON c2(a,b);") }
        let dump = "SELECT 'c1',* FROM c1 ORDER BY rowid; SELECT 'c2',* FROM c2 ORDER BY rowid; SELECT 'c3',* FROM c3 ORDER BY rowid; SELECT 'p1',* FROM p1 ORDER BY rowid; SELECT 'p2',* FROM p2 ORDER BY rowid; SELECT 'p3',* FROM p3; SELECT 'c4',* FROM c4;"
        func value(_ rng: inout SeededRNG) -> String { rng.pick(["1", "2", "3", "4", "NULL", "'1'", "'v1'", "'v2'", "'v3'", "'x'", "2.0"]) }
        func text(_ rng: inout SeededRNG) -> String { rng.pick(["'v1'", "'v2'", "'v3'", "'v4'", "NULL", "'V1'"]) }
        for _ in 0..<40 {
            let k = rng.next() % 136
            switch k {
            case 0..<8: lines.append(rng.pick(["BEGIN;", "COMMIT;", "ROLLBACK;", "PRAGMA defer_foreign_keys=ON;", "PRAGMA defer_foreign_keys;"]))
            case 8..<20: lines.append("INSERT INTO p1 VALUES(\(rng.pick(["1", "2", "3", "4", "NULL"])),\(text(&rng)),\(value(&rng)));")
            case 20..<30: lines.append("INSERT INTO p2 VALUES(\(value(&rng)),\(text(&rng)),\(value(&rng)));")
            case 30..<42: lines.append("INSERT INTO c1(r,s) VALUES(\(value(&rng)),\(text(&rng)));")
            case 42..<50: lines.append("INSERT INTO c2(a,b) VALUES(\(value(&rng)),\(text(&rng)));")
            case 50..<56: lines.append("INSERT INTO c3 VALUES(\(rng.pick(["1", "2", "3", "4", "5"])),\(rng.pick(["1", "2", "3", "4", "5", "NULL"])));")
            case 56..<64:
                lines.append(rng.pick(["DELETE FROM p1 WHERE id=\(value(&rng));", "DELETE FROM p2 WHERE a=\(value(&rng));",
                                       "DELETE FROM p1 WHERE v=\(text(&rng));", "DELETE FROM c3 WHERE k=\(value(&rng));"]))
            case 64..<72:
                lines.append(rng.pick(["UPDATE p1 SET id=\(value(&rng)) WHERE id=\(value(&rng));", "UPDATE p1 SET v=\(text(&rng)) WHERE id=\(value(&rng));",
                                       "UPDATE p2 SET b=\(text(&rng)) WHERE a=\(value(&rng));", "UPDATE p1 SET w=\(value(&rng));"]))
            case 72..<80:
                lines.append(rng.pick(["UPDATE c1 SET r=\(value(&rng)) WHERE k=\(value(&rng));", "UPDATE c2 SET a=\(value(&rng));",
                                       "UPDATE c3 SET up=\(value(&rng)) WHERE k=\(value(&rng));"]))
            case 80..<86: lines.append(rng.pick(["DELETE FROM c1 WHERE r=\(value(&rng));", "DELETE FROM c2 WHERE a=\(value(&rng));"]))
            case 86..<90:
                lines.append(rng.pick(["INSERT OR REPLACE INTO p1 VALUES(\(rng.pick(["1", "2", "3"])),\(text(&rng)),\(value(&rng)));",
                                       "REPLACE INTO p2 VALUES(\(value(&rng)),\(text(&rng)),0);"]))
            case 90..<93: lines.append("PRAGMA foreign_key_check;")
            case 100..<112: lines.append("INSERT INTO p3 VALUES(\(value(&rng)),\(text(&rng)));")
            case 112..<124: lines.append("INSERT INTO c4 VALUES(\(rng.pick(["1", "2", "3", "4", "5", "6"])),\(value(&rng)),\(text(&rng)),\(value(&rng)));")
            case 124..<132:
                lines.append(rng.pick(["DELETE FROM p3 WHERE a=\(value(&rng));", "UPDATE p3 SET b=\(text(&rng)) WHERE a=\(value(&rng));",
                                       "DELETE FROM c4 WHERE n=\(value(&rng));", "UPDATE c4 SET a=\(value(&rng)), b=\(text(&rng)) WHERE n=\(value(&rng));",
                                       "UPDATE p3 SET a=\(value(&rng)) WHERE b=\(text(&rng));", "UPDATE c4 SET r=\(value(&rng));"]))
            case 132..<136:
                lines.append(rng.pick(["REPLACE INTO p3 VALUES(\(value(&rng)),\(text(&rng)));",
                                       "REPLACE INTO c4 VALUES(\(rng.pick(["1", "2", "3"])),\(value(&rng)),\(text(&rng)),\(value(&rng)));"]))
            case 93..<95: lines.append(rng.pick(["DROP TABLE c2;", "DROP TABLE p2;", "DROP TABLE p1;"]))
            default: lines.append(dump)
            }
        }
        lines.append(dump)
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("generated schemas and writes match sqlite3")
    func generated() throws {
        var rng = SeededRNG()
        let seed = rng.seed
        var failures = 0
        for i in 0..<40 where failures < 3 {
            let script = ForeignKeyTests.generatedScript(&rng)
            if try !expectSameScript(script, note: "seed \(seed), script \(i)\n") { failures += 1 }
        }
    }
}
