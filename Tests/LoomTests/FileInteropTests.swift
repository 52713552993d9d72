// Files written by Loom open in sqlite3 (integrity_check ok, same rows), files written by
// sqlite3 open in Loom, and a writer killed mid-transaction loses nothing committed.
import Foundation
import Testing
import Loom
import LoomTestSupport

/// The rows of a query rendered as sqlite3's list mode prints them.
func listOutput(_ db: Database, _ sql: String) throws -> String {
    try db.queryAll(sql).map { row in row.map { $0.textRepresentation ?? "" }.joined(separator: "|") + "\n" }.joined()
}

@Suite(.enabled(if: Oracle.isAvailable)) struct FileInteropTests {
    @Test(arguments: [512, 4096])
    func loomWrittenFileOpensInSqlite3(pageSize: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("loom.db")
        let db = try Database(path: path)
        if pageSize != 4096 { try db.execute("PRAGMA page_size = \(pageSize)") }
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT, r REAL, b BLOB)")
        try db.execute("CREATE TABLE u(x TEXT UNIQUE, y)")
        var rng = SeededRNG()
        try db.begin()
        let insert = try db.prepare("INSERT INTO t(k, s, r, b) VALUES(?, ?, ?, ?)")
        for i in 0..<3000 {
            try insert.reset()
            let text = String(repeating: "abcdefghij", count: Int(rng.next() % 30)) + "\(i)"
            let blob = (0..<Int(rng.next() % 50)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            try insert.bind([.integer(Int64(bitPattern: rng.next()) >> 20), .text(text), .real(Double(i) / 7), .blob(blob)])
            _ = try insert.step()
        }
        // A few rows far larger than a page: overflow chains.
        try db.execute("INSERT INTO t(k, s) VALUES(-1, '\(String(repeating: "overflow", count: 5000))')")
        for i in 0..<500 { try db.execute("INSERT INTO u VALUES('key\(i)', \(i * i))") }
        try db.commit()
        try db.execute("DELETE FROM t WHERE id % 3 = 0; UPDATE t SET s = 'changed' WHERE id % 5 = 1")
        let query = "SELECT id, k, s, r, hex(b) FROM t ORDER BY id; SELECT x, y FROM u ORDER BY x;"
        let loomRows = try listOutput(db, "SELECT id, k, s, r, hex(b) FROM t ORDER BY id")
            + listOutput(db, "SELECT x, y FROM u ORDER BY x")
        try db.close()

        let check = try Oracle.run([path, "PRAGMA integrity_check;"])
        #expect(check.stdout == "ok\n")
        #expect(check.stderr == "")
        let rows = try Oracle.run([path], input: query)
        #expect(rows.stdout == loomRows)
        let size = try Oracle.run([path, "PRAGMA page_size; PRAGMA page_count;"])
        let lines = size.stdout.split(separator: "\n")
        #expect(lines.first == Substring(String(pageSize)))
        #expect((lines.last.flatMap { Int($0) } ?? 0) > 20, "the table should span many pages")
    }

    @Test func sqlite3WrittenFileOpensInLoom() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("sqlite.db")
        let script = """
            PRAGMA page_size=1024;
            CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 5000)
              INSERT INTO t SELECT i, 'row ' || i || printf('%.*c', i % 200, 'x'), i / 3.0, randomblob(i % 7) FROM n;
            INSERT INTO t VALUES(6000, printf('%.*c', 100000, 'y'), NULL, zeroblob(20000));
            CREATE INDEX tb ON t(b);
            DELETE FROM t WHERE a % 4 = 0;
            """
        let made = try Oracle.run([path], input: script)
        #expect(made.stderr == "")
        let query = "SELECT a, b, c, hex(d) FROM t ORDER BY a"
        let expected = try Oracle.run([path, query]).stdout
        let db = try Database(path: path, capability: .read)
        #expect(try listOutput(db, query) == expected)
        #expect(try db.queryAll("SELECT count(*) FROM t") == [[.integer(3750)]])
    }
}

@Suite(.enabled(if: Oracle.isAvailable && LoomExecutable.path != nil)) struct KilledWriterTests {
    /// A `loom` process killed with SIGKILL in the middle of a large transaction leaves a
    /// hot journal; sqlite3 and Loom both open the file at the last committed state.
    @Test func killedWriterLeavesLastCommittedState() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("killed.db")
        let loom = try #require(LoomExecutable.path)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: loom)
        process.arguments = [path]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        func send(_ s: String) { input.fileHandleForWriting.write(Data(s.utf8)) }
        // Committed state: 200 rows.
        send("PRAGMA cache_size = 10;\nCREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);\nBEGIN;\n")
        for i in 1...200 { send("INSERT INTO t VALUES(\(i), '\(String(repeating: "c", count: 300))');\n") }
        send("COMMIT;\n")
        // Uncommitted: rewrite every row and add many more, enough to spill past a tiny cache.
        send("BEGIN;\nUPDATE t SET b = 'uncommitted';\n")
        for i in 201...3000 { send("INSERT INTO t VALUES(\(i), '\(String(repeating: "u", count: 300))');\n") }
        // A marker file written through .output tells when the shell has run everything
        // sent so far (its standard output is buffered); then kill it mid-transaction.
        let marker = dir.file("marker.txt")
        send(".output \(marker)\nSELECT 'ready';\n.output stdout\n")
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline,
              (try? String(contentsOfFile: marker, encoding: .utf8))?.contains("ready") != true {
            usleep(20_000)
        }
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "ready\n")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: path + "-journal"), "a hot journal is left behind")

        // Both engines open copies of the crashed files.
        for engine in ["sqlite3", "loom"] {
            let copy = dir.file("copy-\(engine).db")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            try FileManager.default.copyItem(atPath: path + "-journal", toPath: copy + "-journal")
            if engine == "sqlite3" {
                let out = try Oracle.run([copy, "SELECT count(*), count(DISTINCT b) FROM t; PRAGMA integrity_check;"])
                #expect(out.stdout == "200|1\nok\n")
            } else {
                let db = try Database(path: copy)
                #expect(try db.queryAll("SELECT count(*), count(DISTINCT b) FROM t") == [[.integer(200), .integer(1)]])
                try db.close()
                #expect(try Oracle.run([copy, "PRAGMA integrity_check;"]).stdout == "ok\n")
            }
        }
    }
}

/// The built `loom` executable (debug build next to the test bundle), if present.
enum LoomExecutable {
    static let path: String? = {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let candidates = [bundleDir.appendingPathComponent("loom").path,
                          bundleDir.deletingLastPathComponent().appendingPathComponent("loom").path,
                          FileManager.default.currentDirectoryPath + "/.build/debug/loom"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}
