// This file tests loom-bench: section parsing, marker insertion, statistics, arguments, and
// the whole mechanism end to end with sqlite3 on both sides (skips without sqlite3).
// Layer: tools tests (loom-bench). Spec: Spec/tools.md, section loom-bench.
import Testing
import Foundation
import LoomTestSupport
@testable import LoomBench

@Suite struct BenchSectionTests {
    let script = """
        PRAGMA threads=0;
        -- begin test 100 2500 INSERTs into table with no index
        CREATE TABLE z1(a);
        INSERT INTO z1 VALUES(1);
        -- end test 100
        -- begin test 110   ordered INSERTS
        SELECT count(*) FROM z1;
        -- end test 110
        """

    @Test func sections() {
        #expect(parseSections(script) == [Section(id: "100", title: "2500 INSERTs into table with no index"),
                                          Section(id: "110", title: "ordered INSERTS")])
        #expect(parseSections("SELECT 1;\n-- begin test\n").isEmpty)
        #expect(parseSections("-- begin test 7\r\nSELECT 1;\r\n") == [Section(id: "7", title: "")])
    }

    @Test func markers() {
        let lines = insertMarkers(script).split(separator: "\n").map(String.init)
        #expect(lines == [
            "PRAGMA threads=0;",
            "SELECT 'loom-bench-mark begin 100';",
            "-- begin test 100 2500 INSERTs into table with no index",
            "CREATE TABLE z1(a);",
            "INSERT INTO z1 VALUES(1);",
            "-- end test 100",
            "SELECT 'loom-bench-mark end 100';",
            "SELECT 'loom-bench-mark begin 110';",
            "-- begin test 110   ordered INSERTS",
            "SELECT count(*) FROM z1;",
            "-- end test 110",
            "SELECT 'loom-bench-mark end 110';",
        ])
    }

    @Test func statistics() {
        #expect(median([]) == nil)
        #expect(median([3]) == 3)
        #expect(median([5, 1, 3]) == 3)
        #expect(median([4, 1, 3, 2]) == 2.5)
        #expect(ratio(3, 2) == 1.5)
        #expect(ratio(1, 0) == nil)
        #expect(ratio(nil, 2) == nil)
        let d = sectionDurations([("begin 1", 1.0), ("end 1", 1.5), ("begin 2", 2.0), ("setup", 0.1), ("end 2", 4.0),
                                  ("end 3", 9.0)])
        #expect(d == ["1": 0.5, "2": 2.0])
    }

    @Test func arguments() throws {
        let o = try parseBenchArguments(["--runs", "5", "--db", "file", "--loom", "/x/loom", "--sqlite3", "/y",
                                         "--setup", "s.sql", "--timeout", "9", "a.sql", "b.sql"])
        #expect(o.runs == 5 && o.db == .file && o.loom == "/x/loom" && o.sqlite3 == "/y")
        #expect(o.setup == "s.sql" && o.timeout == 9 && o.scripts == ["a.sql", "b.sql"])
        #expect(throws: BenchUsageError.self) { try parseBenchArguments(["--db", "disk", "a"]) }
        #expect(throws: BenchUsageError.self) { try parseBenchArguments(["--runs", "0", "a"]) }
        #expect(throws: BenchUsageError.self) { try parseBenchArguments([]) }
    }

    @Test func tableLayout() {
        #expect(table([["a", "1"], ["bbb", "22"]]) == "a     1\nbbb  22")
    }
}

@Suite(.enabled(if: Oracle.isAvailable)) struct BenchEndToEndTests {
    func options(_ scripts: [String], _ db: DatabaseKind = .memory) -> BenchOptions {
        var o = BenchOptions()
        o.runs = 2
        o.db = db
        o.loom = Oracle.path
        o.sqlite3 = Oracle.path
        o.scripts = scripts
        return o
    }

    @Test func sectionedScriptBothSides() throws {
        let dir = try TemporaryDirectory("loom-bench-test")
        defer { dir.cleanup() }
        let script = dir.file("tiny.sql")
        try """
            -- begin test 100 create and fill
            CREATE TABLE t(a, b);
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<2000)
            INSERT INTO t SELECT x, x*2 FROM c;
            -- end test 100
            -- begin test 200 aggregate
            SELECT count(*), sum(b) FROM t;
            -- end test 200
            """.write(toFile: script, atomically: true, encoding: .utf8)
        for db in [DatabaseKind.memory, .file] {
            let results = try Bench(options: options([script], db)).run()
            #expect(results.count == 1)
            let r = try #require(results.first)
            #expect(r.sections.map(\.id) == ["100", "200"])
            for side in [r.loom, r.sqlite3] {
                #expect(side.seconds.count == 2)
                #expect(side.notes.isEmpty)
                #expect(side.maxRSSKiB > 0)
                #expect(side.sections["100"]?.count == 2)
                #expect(side.sections["200"]?.count == 2)
            }
            let text = report(results, options: options([script], db))
            #expect(text.contains("tiny.sql per test:"))
            #expect(text.contains("create and fill"))
        }
    }

    @Test func setupRunsFirstOnTheSameDatabase() throws {
        let dir = try TemporaryDirectory("loom-bench-test")
        defer { dir.cleanup() }
        try "CREATE TABLE s(x); INSERT INTO s VALUES(1),(2);".write(toFile: dir.file("setup.sql"), atomically: true, encoding: .utf8)
        // Fails (exit status 1) unless the setup ran first on the same database.
        try ".bail on\nSELECT x FROM s;\n".write(toFile: dir.file("q.sql"), atomically: true, encoding: .utf8)
        for db in [DatabaseKind.memory, .file] {
            var o = options([dir.file("q.sql")], db)
            o.setup = dir.file("setup.sql")
            let r = try #require(try Bench(options: o).run().first)
            #expect(r.loom.notes.isEmpty && r.sqlite3.notes.isEmpty, "\(db)")
            #expect(r.loom.seconds.count == 2)
        }
        // without the setup the same script fails, and the report says so
        let r = try #require(try Bench(options: options([dir.file("q.sql")])).run().first)
        #expect(r.loom.notes.count == 2)
    }

    @Test func timeoutKillsTheRun() throws {
        let dir = try TemporaryDirectory("loom-bench-test")
        defer { dir.cleanup() }
        let script = dir.file("forever.sql")
        try "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c;\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let result = try runChild(executable: Oracle.path ?? "", arguments: [], stdinPath: script,
                                  captureMarks: false, timeout: 0.3)
        #expect(result.timedOut)
        #expect(result.note == "timed out")
    }

    @Test func rssWithoutGNUTimeIsPolled() throws {
        let dir = try TemporaryDirectory("loom-bench-test")
        defer { dir.cleanup() }
        let script = dir.file("mem.sql")
        try "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<300000) SELECT count(DISTINCT x) FROM c;\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let r = try runChild(executable: Oracle.path ?? "", arguments: [], stdinPath: script,
                             captureMarks: false, timeout: 60, gnuTime: nil)
        #expect(r.exitStatus == 0)
        #expect(r.maxRSSKiB > 1000)
    }
}
