// This file checks auto-vacuum files written by Loom: after random inserts, updates and
// deletes sqlite3's integrity_check says ok (pointer maps valid), FULL files shrink at
// commit and INCREMENTAL files keep their free pages. Layer: L7 tests over L3.
// Spec: Spec/L3-btree.md ("Auto-vacuum and pointer maps").
import Foundation
import Testing
import Loom
import LoomTestSupport

@Suite(.enabled(if: Oracle.isAvailable)) struct FixtureAutoVacuumTests {
    @Test(arguments: ["full", "incremental"])
    func loomWritesKeepPointerMapsValid(mode: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("av.db")
        _ = try Oracle.run([path], input: """
            PRAGMA page_size=1024; PRAGMA auto_vacuum=\(mode);
            CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, n INTEGER);
            CREATE INDEX t_s ON t(s);
            """)
        var rng = SeededRNG(seed: mode == "full" ? 1 : 2)
        let db = try Database(path: path)
        for round in 0..<8 {
            try db.begin()
            for _ in 0..<150 {
                let len = Int(rng.next() % 20 == 0 ? 3000 + rng.next() % 4000 : rng.next() % 120)
                try db.execute("INSERT INTO t(s, n) VALUES('\(String(repeating: "x", count: len))\(rng.next() % 100000)', \(rng.next() % 1000))")
            }
            try db.execute("DELETE FROM t WHERE n % 7 = \(round % 7)")
            try db.execute("UPDATE t SET s = s || 'u' WHERE n % 11 = \(round % 11)")
            if round == 3 { try db.execute("CREATE TABLE extra(a, b); INSERT INTO extra SELECT s, n FROM t; CREATE INDEX extra_b ON extra(b)") }
            if round == 5 { try db.execute("DROP TABLE extra") }
            if round == 6 { try db.execute("CREATE TABLE late(z); INSERT INTO late SELECT s FROM t; CREATE INDEX late_z ON late(z)") }
            try db.commit()
            let check = try Oracle.run([path, "PRAGMA integrity_check"])
            #expect(check.stdout == "ok\n", "round \(round): \(check.stdout)")
            let q = "SELECT id, s, n FROM t"
            #expect(try loomOutput(db, q) == (try Oracle.run([path, q])).stdout)
        }
        let before = try Oracle.run([path, "PRAGMA page_count"]).stdout
        try db.execute("DELETE FROM t WHERE id % 10 <> 0")
        let free = try Oracle.run([path, "PRAGMA freelist_count"]).stdout
        let after = try Oracle.run([path, "PRAGMA page_count"]).stdout
        if mode == "full" {
            #expect(free == "0\n")
            #expect(Int(after.dropLast()) ?? 0 < Int(before.dropLast()) ?? 0)
        } else {
            #expect(free != "0\n")
        }
        #expect(try Oracle.run([path, "PRAGMA integrity_check"]).stdout == "ok\n")
        #expect(try loomOutput(db, "PRAGMA integrity_check") == "ok\n")
        // Roots stay low, as SQLite keeps them (its vacuum never moves a root page).
        let roots = try Oracle.run([path, "SELECT max(rootpage) FROM sqlite_schema"]).stdout
        #expect(Int(roots.dropLast()) ?? 99 < 10, "\(roots)")
        try db.close()
        // sqlite3 can go on writing the file (its own vacuum moves pages Loom placed).
        let more = try Oracle.run([path], input: "PRAGMA incremental_vacuum; DELETE FROM t WHERE id % 20 = 0; DELETE FROM late; PRAGMA integrity_check;")
        #expect(more.stdout.hasSuffix("ok\n"), "\(more.stdout) \(more.stderr)")
    }

    /// A file Loom creates with PRAGMA auto_vacuum, then shrinks with incremental_vacuum.
    @Test(arguments: [1, 2])
    func loomCreatesAutoVacuumFiles(mode: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("new.db")
        let db = try Database(path: path)
        try db.execute("PRAGMA page_size = 512")
        try db.execute("PRAGMA auto_vacuum = \(mode == 1 ? "FULL" : "incremental")")
        try db.execute("CREATE TABLE a(x); CREATE TABLE b(y TEXT); CREATE INDEX b_y ON b(y)")
        try db.begin()
        for i in 1...400 { try db.execute("INSERT INTO b VALUES(printf('%.*c', \(i % 700), 'q'))") }
        try db.commit()
        try db.execute("INSERT INTO a SELECT y FROM b")
        #expect(try loomOutput(db, "PRAGMA auto_vacuum") == "\(mode)\n")
        #expect(try Oracle.run([path, "PRAGMA auto_vacuum"]).stdout == "\(mode)\n")
        #expect(try Oracle.run([path, "PRAGMA integrity_check"]).stdout == "ok\n")
        try db.execute("DELETE FROM b WHERE rowid % 3 <> 0; DROP TABLE a")
        #expect(try Oracle.run([path, "PRAGMA integrity_check"]).stdout == "ok\n")
        let free = Int(try Oracle.run([path, "PRAGMA freelist_count"]).stdout.dropLast()) ?? -1
        if mode == 1 {
            #expect(free == 0)
        } else {
            #expect(free > 10)
            try db.execute("PRAGMA incremental_vacuum(10)")
            #expect(Int(try Oracle.run([path, "PRAGMA freelist_count"]).stdout.dropLast()) == free - 10)
            try db.execute("PRAGMA incremental_vacuum")
            #expect(try Oracle.run([path, "PRAGMA freelist_count"]).stdout == "0\n")
        }
        #expect(try Oracle.run([path, "PRAGMA integrity_check"]).stdout == "ok\n")
        let q = "SELECT rowid, y FROM b"
        #expect(try loomOutput(db, q) == (try Oracle.run([path, q])).stdout)
        try db.close()
    }

    /// integrity_check compares pointer-map entries with the trees, in SQLite's words.
    @Test func badPointerMapEntryIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("pm.db")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtureDirectory + "/autovacuum-full.db")))
        bytes[1024] = 4   // page 2 is the pointer map; its first entry is page 3's type
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let db = try Database(path: path, capability: .read)
        defer { try? db.close() }
        let loom = try loomOutput(db, "PRAGMA integrity_check")
        let sqlite = try Oracle.run([path, "PRAGMA integrity_check"]).stdout
        #expect(sqlite.contains("Bad ptr map entry key=3 expected=(1,0) got=(4,0)"))
        #expect(loom.contains("Bad ptr map entry key=3 expected=(1,0) got=(4,0)"), "\(loom)")
    }
}
