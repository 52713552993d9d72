// REPLACE into tables with several unique indexes, and UPDATEs that grow, shrink and overflow
// rows on nearly full pages: the same rows as sqlite3, and files sqlite3's integrity_check
// accepts. They exercise the B-tree's descent from a deleted slot (Spec/L3-btree.md K5b)
// and its one-step cell replacement (P4b). Tests only (Foundation allowed).
import Foundation
import Testing
import Loom
import LoomTestSupport

@Suite(.enabled(if: Oracle.isAvailable)) struct ReplaceAndGrowTests {
    /// Runs `script` in Loom on a new file and in sqlite3 on another, then compares `query`'s
    /// rows and checks Loom's file with sqlite3's integrity_check.
    private func compare(_ script: String, query: String, pragmas: String = "PRAGMA page_size=512;") throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let loomPath = dir.file("loom.db"), sqlitePath = dir.file("sqlite.db")
        let db = try Database(path: loomPath)
        try db.execute(pragmas)
        try db.execute(script)
        try db.close()
        // (The script's output is not compared: `PRAGMA secure_delete=0` prints its value.)
        let built = try Oracle.run([sqlitePath], input: pragmas + "\n" + script)
        #expect(built.stderr == "")
        let reference = try Oracle.run([sqlitePath], input: query)
        let loomRows = try Oracle.run([loomPath], input: query)
        #expect(loomRows.stdout == reference.stdout)
        let check = try Oracle.run([loomPath, "PRAGMA integrity_check;"])
        #expect(check.stdout == "ok\n")
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func replaceWithSeveralUniqueIndexesMatchesSqlite3(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        var script = """
            CREATE TABLE src(a INTEGER, b INTEGER, c TEXT);
            CREATE TABLE z(a INTEGER UNIQUE, b INTEGER, c TEXT);
            CREATE UNIQUE INDEX zb ON z(b);
            CREATE INDEX zc ON z(c DESC);
            CREATE TABLE t(a INTEGER UNIQUE, b INTEGER, c TEXT);
            CREATE INDEX tbc ON t(b, c);
            BEGIN;

            """
        let words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        for i in 0..<1500 {
            // Duplicate c values (a few words), so index entries share prefixes.
            let c = words[Int(rng.next() % 9)] + (rng.next() % 3 == 0 ? "" : " \(rng.next() % 40)")
            script += "INSERT INTO src VALUES(\(rng.next() % 2000), \(i), '\(c)');\n"
        }
        script += """
            COMMIT;
            REPLACE INTO z(a, b, c) SELECT a, b, c FROM src;
            REPLACE INTO t(a, b, c) SELECT a, b, c FROM src;
            DELETE FROM z WHERE a % 7 = 0;
            DELETE FROM t WHERE b % 5 = 0;
            REPLACE INTO z(a, b, c) SELECT a, b, c FROM src;
            REPLACE INTO z(a, b, c) SELECT a, (b * 7) % 1500, c FROM src WHERE a % 3 = 0;
            REPLACE INTO t(a, b, c) SELECT a, b, c || 'x' FROM src WHERE a % 2 = 0;
            REPLACE INTO t(a, b, c) SELECT a, b, c FROM src;
            BEGIN;
            REPLACE INTO z(a, b, c) SELECT a + 1, b, c FROM src WHERE b % 4 = 0;
            ROLLBACK;

            """
        let query = """
            SELECT rowid, a, b, c FROM z ORDER BY rowid;
            SELECT a, b FROM z ORDER BY c DESC, rowid;
            SELECT rowid, a, b, c FROM t ORDER BY rowid;
            SELECT b, c, rowid FROM t ORDER BY b, c;

            """
        try compare(script, query: query)
    }

    @Test(arguments: ["PRAGMA page_size=512;", "PRAGMA page_size=1024; PRAGMA secure_delete=0;",
                      "PRAGMA page_size=512; PRAGMA auto_vacuum=1;"])
    func growingAndShrinkingRowsMatchSqlite3(pragmas: String) throws {
        var rng = SeededRNG(seed: 7)
        var script = """
            CREATE TABLE g(a INTEGER, b INTEGER, c TEXT);
            CREATE INDEX gb ON g(b);
            BEGIN;

            """
        for i in 0..<2000 {
            script += "INSERT INTO g VALUES(\(i), \(rng.next() % 100000), '\(String(repeating: "c", count: Int(rng.next() % 30)))');\n"
        }
        // Every row grows by a few bytes (the UPDATE after ADD COLUMN of speedtest1 test 250),
        // then by more, some past the page (overflow) and back, some shrink.
        script += """
            COMMIT;
            ALTER TABLE g ADD COLUMN d INT DEFAULT 123;
            UPDATE g SET d = b * 4;
            UPDATE g SET c = c || 'grown' WHERE a % 3 = 0;
            UPDATE g SET c = substr(c, 1, 2) WHERE a % 5 = 0;
            UPDATE g SET c = hex(zeroblob(450 + a % 350)) WHERE a % 97 = 0;
            UPDATE g SET d = x'', c = 'small' WHERE a % 194 = 0;
            BEGIN;
            UPDATE g SET c = c || c WHERE a % 2 = 1;
            ROLLBACK;
            UPDATE g SET d = d * 100000 WHERE a % 11 = 0;

            """
        let query = """
            SELECT rowid, a, b, c, typeof(d), length(d), d FROM g ORDER BY rowid;
            SELECT count(*), sum(b) FROM g WHERE b > 50000;

            """
        try compare(script, query: query, pragmas: pragmas)
    }
}
