// UPSERT conflict targets: partial unique indexes picked by the target's WHERE, COLLATE in
// the target, which clause matches nothing (its ordinal), compared with sqlite3.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md §Codegen (UPSERT).
import Foundation
import Testing
import LoomTestSupport

@Suite("UPSERT targets", .enabled(if: Oracle.isAvailable))
struct UpsertTargetTests {
    static let scripts: [String] = [
        """
        CREATE TABLE t(a, b, c);
        CREATE UNIQUE INDEX ta ON t(a) WHERE b > 0;
        CREATE UNIQUE INDEX tc ON t(c COLLATE NOCASE);
        INSERT INTO t VALUES(1, 1, 'x');
        INSERT INTO t VALUES(1, 2, 'y') ON CONFLICT(a) WHERE b > 0 DO UPDATE SET c = excluded.c || '!';
        SELECT * FROM t;
        INSERT INTO t VALUES(1, 2, 'z') ON CONFLICT(a) DO NOTHING;
        INSERT INTO t VALUES(1, 2, 'z') ON CONFLICT(a) WHERE b > 1 DO NOTHING;
        INSERT INTO t VALUES(1, 2, 'z') ON CONFLICT(a) WHERE b>0 DO NOTHING;
        INSERT INTO t VALUES(1, 2, 'z') ON CONFLICT(a) WHERE (b > 0) DO NOTHING;
        INSERT INTO t VALUES(1, -1, 'w') ON CONFLICT(a) WHERE b > 0 DO NOTHING;
        SELECT * FROM t;
        INSERT INTO t VALUES(5, 5, 'W') ON CONFLICT(c) WHERE 1 DO UPDATE SET b = 99;
        INSERT INTO t VALUES(5, 5, 'W') ON CONFLICT(c COLLATE nocase) DO UPDATE SET b = 98;
        INSERT INTO t VALUES(5, 5, 'W') ON CONFLICT(c COLLATE binary) DO UPDATE SET b = 97;
        SELECT * FROM t;
        INSERT INTO t VALUES(1, 2, 'z') ON CONFLICT(a) WHERE b > 0 DO NOTHING ON CONFLICT(b) DO NOTHING;
        INSERT INTO t VALUES(1, 2, 'z') ON CONFLICT(c) DO NOTHING ON CONFLICT(b) DO NOTHING ON CONFLICT DO NOTHING;
        INSERT INTO t VALUES(1, 2, 'zz') ON CONFLICT(c) DO NOTHING ON CONFLICT(a) WHERE b>0 DO UPDATE SET c='second';
        SELECT * FROM t;
        CREATE TABLE u(x INTEGER PRIMARY KEY, y);
        INSERT INTO u VALUES(1, 1) ON CONFLICT(x) WHERE y > 0 DO UPDATE SET y = 5;
        INSERT INTO u VALUES(1, 1) ON CONFLICT(x) WHERE y > 0 DO UPDATE SET y = 5;
        INSERT INTO u VALUES(1, 1) ON CONFLICT(rowid) WHERE y > 0 DO UPDATE SET y = 6;
        SELECT * FROM u;
        CREATE TABLE v(p, q, UNIQUE(p));
        CREATE UNIQUE INDEX vq ON v(q) WHERE q IS NOT NULL;
        INSERT INTO v VALUES(1, 1);
        INSERT INTO v VALUES(2, 1) ON CONFLICT(q) WHERE q IS NOT NULL DO UPDATE SET p = p + 10;
        INSERT INTO v VALUES(1, 7) ON CONFLICT(p) WHERE q > 0 DO UPDATE SET q = excluded.q;
        SELECT * FROM v;
        INSERT INTO v VALUES(3, 1) ON CONFLICT(q) WHERE nosuch > 0 DO NOTHING;
        INSERT INTO v VALUES(3, 1) ON CONFLICT(q) WHERE q IS NOT NULL AND 1 DO NOTHING;
        CREATE TABLE w(k TEXT PRIMARY KEY, z) WITHOUT ROWID;
        CREATE UNIQUE INDEX wz ON w(z) WHERE z > 10;
        INSERT INTO w VALUES('a', 20);
        INSERT INTO w VALUES('b', 20) ON CONFLICT(z) WHERE z > 10 DO UPDATE SET k = 'c';
        INSERT INTO w VALUES('c', 1) ON CONFLICT(k) WHERE z > 10 DO UPDATE SET z = 30;
        SELECT * FROM w;
        """,
        """
        CREATE TABLE t(a,b,c UNIQUE);
        INSERT INTO t VALUES(1,2,3) ON CONFLICT(b) DO NOTHING ON CONFLICT(c) DO NOTHING;
        INSERT INTO t VALUES(1,2,3) ON CONFLICT DO NOTHING ON CONFLICT(c) DO NOTHING;
        INSERT INTO t VALUES(1,2,3) ON CONFLICT(c) DO NOTHING ON CONFLICT(c) DO NOTHING ON CONFLICT(b) DO NOTHING;
        INSERT INTO t VALUES(1,2,3) ON CONFLICT(b) WHERE c > 0 DO NOTHING;
        CREATE UNIQUE INDEX tb ON t(b) WHERE a IS NOT NULL;
        INSERT INTO t VALUES(1,2,4) ON CONFLICT(b) WHERE a IS NOT NULL DO UPDATE SET c = excluded.c + 100;
        INSERT INTO t VALUES(1,2,4) ON CONFLICT(b) WHERE a IS NOT NULL DO UPDATE SET c = excluded.c + 100;
        INSERT INTO t VALUES(1,2,5) ON CONFLICT(b) WHERE t.a IS NOT NULL DO UPDATE SET c = excluded.c + 200;
        INSERT INTO t VALUES(NULL,2,6) ON CONFLICT(b) WHERE a IS NOT NULL DO UPDATE SET c = 0;
        INSERT INTO t VALUES(7,2,104) ON CONFLICT(c) DO UPDATE SET a = 70 ON CONFLICT(b) WHERE a IS NOT NULL DO UPDATE SET a = 80;
        INSERT INTO t VALUES(7,2,999) ON CONFLICT(c) DO UPDATE SET a = 70 ON CONFLICT(b) WHERE a IS NOT NULL DO UPDATE SET a = 80;
        SELECT * FROM t ORDER BY rowid;
        INSERT INTO t VALUES(1,2,4) ON CONFLICT(b) WHERE a IS NOT NULL DO UPDATE SET c = excluded.c + 100 RETURNING *;
        """
    ]

    @Test("ON CONFLICT(target) WHERE … matches sqlite3", arguments: scripts)
    func script(_ script: String) throws {
        try expectSameScript(script)
    }

    /// Which constraint an INSERT trips first: NOT NULL and CHECK before a supplied rowid's
    /// conflict, an upsert's target index before the rowid (SQLite's order), in every OR mode.
    @Test func constraintOrder() throws {
        var rng = SeededRNG(seed: 7)
        var lines = ["CREATE TABLE t(a INTEGER PRIMARY KEY, b NOT NULL, c CHECK(c IS NULL OR c > 0), d UNIQUE, e);",
                     "CREATE TABLE p(a INTEGER PRIMARY KEY, b UNIQUE);",
                     "INSERT INTO p VALUES(3, 3);",
                     "INSERT INTO p VALUES(3, 3), (4, 3) ON CONFLICT(b) DO UPDATE SET a = excluded.a + 10;",
                     "INSERT INTO p VALUES(14, 5) ON CONFLICT(b) DO UPDATE SET a = excluded.a + 10;",
                     "INSERT INTO p VALUES(20, 3) ON CONFLICT(a) DO NOTHING;",
                     "SELECT * FROM p;"]
        let modes = ["", " OR IGNORE", " OR REPLACE", " OR ABORT", " OR FAIL"]
        let upserts = ["", "", " ON CONFLICT(d) DO UPDATE SET e = coalesce(e, 0) + 1", " ON CONFLICT(a) DO UPDATE SET e = -1",
                       " ON CONFLICT DO NOTHING", " ON CONFLICT(d) DO NOTHING ON CONFLICT(a) DO UPDATE SET e = 7"]
        for i in 0 ..< 200 {
            let a = Bool.random(using: &rng) ? "NULL" : String(Int.random(in: 1 ... 6, using: &rng))
            let b = ["NULL", "'x'", "'y'"].randomElement(using: &rng) ?? "NULL"
            let c = ["NULL", "0", "1", "2"].randomElement(using: &rng) ?? "NULL"
            let d = Bool.random(using: &rng) ? "NULL" : String(Int.random(in: 1 ... 6, using: &rng))
            let upsert = upserts.randomElement(using: &rng) ?? ""
            let mode = upsert.isEmpty ? (modes.randomElement(using: &rng) ?? "") : ""
            lines.append("INSERT\(mode) INTO t VALUES(\(a), \(b), \(c), \(d), NULL)\(upsert);")
            if i % 40 == 39 { lines.append("SELECT * FROM t ORDER BY a;") }
        }
        try expectSameScript(lines.joined(separator: "\n"))
    }

    /// AUTOINCREMENT: sqlite_sequence takes every rowid the statement reached, also for rows
    /// skipped by OR IGNORE, replaced, or taken by an upsert (SQLite raises it before the checks).
    @Test func autoincrementCountsSkippedRows() throws {
        var rng = SeededRNG(seed: 11)
        var lines = ["CREATE TABLE w(a INTEGER PRIMARY KEY AUTOINCREMENT, b UNIQUE, c NOT NULL DEFAULT 5);",
                     "CREATE TRIGGER tr BEFORE INSERT ON w WHEN new.b = 99 BEGIN SELECT 1; END;"]
        let modes = ["", " OR IGNORE", " OR REPLACE"]
        for i in 0 ..< 150 {
            let a = Bool.random(using: &rng) ? "NULL" : String(Int.random(in: 1 ... 30, using: &rng))
            let b = ["NULL", "1", "2", "99"].randomElement(using: &rng) ?? "NULL"
            let c = Bool.random(using: &rng) ? "NULL" : "3"
            let tail = i % 7 == 3 ? " ON CONFLICT(b) DO UPDATE SET c = c + 1" : ""
            let mode = tail.isEmpty ? (modes.randomElement(using: &rng) ?? "") : ""
            lines.append("INSERT\(mode) INTO w VALUES(\(a), \(b), \(c))\(tail);")
            if i % 30 == 29 { lines.append("SELECT * FROM w ORDER BY a; SELECT * FROM sqlite_sequence;") }
        }
        try expectSameScript(lines.joined(separator: "\n"))
    }

    /// UPDATE that changes the rowid: NOT NULL and CHECK before the rowid's conflict, which
    /// comes after BEFORE triggers (one here deletes the row in the way), in every OR mode.
    @Test func updateConstraintOrder() throws {
        var rng = SeededRNG(seed: 3)
        var lines = ["CREATE TABLE t(a INTEGER PRIMARY KEY, b NOT NULL, c CHECK(c IS NULL OR c > 0), d UNIQUE, e);",
                     "CREATE TABLE log(x);",
                     "CREATE TRIGGER tb BEFORE UPDATE ON t WHEN new.e = 9 BEGIN DELETE FROM t WHERE a = new.a AND a <> old.a; INSERT INTO log VALUES(old.a); END;"]
        for i in 1 ... 8 { lines.append("INSERT INTO t VALUES(\(i), 'x', \(i), \(i), NULL);") }
        let modes = ["", " OR IGNORE", " OR REPLACE", " OR ABORT", " OR FAIL"]
        for i in 0 ..< 200 {
            var sets: [String] = []
            if Int.random(in: 0 ..< 10, using: &rng) < 8 {
                sets.append("a = " + (["a + 1", "a - 1", String(Int.random(in: 1 ... 10, using: &rng))].randomElement(using: &rng) ?? "a"))
            }
            if Int.random(in: 0 ..< 10, using: &rng) < 3 { sets.append("b = " + (Bool.random(using: &rng) ? "NULL" : "'z'")) }
            if Int.random(in: 0 ..< 10, using: &rng) < 3 { sets.append("c = " + (["NULL", "0", "5"].randomElement(using: &rng) ?? "NULL")) }
            if Int.random(in: 0 ..< 10, using: &rng) < 3 { sets.append("d = " + String(Int.random(in: 1 ... 10, using: &rng))) }
            if Int.random(in: 0 ..< 10, using: &rng) < 2 { sets.append("e = 9") }
            if sets.isEmpty { sets = ["e = 1"] }
            let filter = ["a = \(Int.random(in: 1 ... 10, using: &rng))", "a > \(Int.random(in: 1 ... 10, using: &rng))", "d IS NULL", "1"]
                .randomElement(using: &rng) ?? "1"
            let mode = modes.randomElement(using: &rng) ?? ""
            lines.append("UPDATE\(mode) t SET \(sets.joined(separator: ", ")) WHERE \(filter);")
            if i % 5 == 2 {
                lines.append("INSERT OR IGNORE INTO t VALUES(\(Int.random(in: 1 ... 12, using: &rng)), 'n', 1, \(Int.random(in: 1 ... 12, using: &rng)), NULL);")
            }
            if i % 40 == 39 { lines.append("SELECT * FROM t ORDER BY a; SELECT * FROM log;") }
        }
        try expectSameScript(lines.joined(separator: "\n"))
    }
}
