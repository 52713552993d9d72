// Tests the usage example of issue 7 ("A Swift API that Swift developers reach for first"),
// as written. Layer: L7. Spec: Spec/L7-api.md.
import Testing
import Foundation
import Loom
import LoomTestSupport

private struct Player: Codable, Equatable, FetchableRecord, PersistableRecord {
    var id: Int64?
    var name: String
    var score: Int
}

/// The build directory holding this test bundle, its modules and the `LoomExample` program.
private let buildDirectory: String? = {
    guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // …/debug/LoomPackageTests.xctest is a file on Linux, a bundle directory elsewhere
    for _ in 0..<4 {
        if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("LoomExample").path) {
            return dir.path
        }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}()

private let exampleSource: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources/LoomExample/main.swift").path

/// The Swift compiler that built this package, found on PATH.
private let swiftc: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    return path.split(separator: ":").map { $0 + "/swiftc" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite struct APIExampleTests {
    /// Sources/LoomExample/main.swift holds the example verbatim as top-level code (the form the
    /// issue wrote it in) and prints what it computed; `swift test` builds it beside the tests.
    @Test(.enabled(if: buildDirectory != nil)) func issueExampleProgramRunsAsWritten() throws {
        let out = try runProcess((buildDirectory ?? "") + "/LoomExample", [])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "2|Barbara|1000,1|Arthur|100\n2\nArthur\n")
    }

    /// The example compiles as written; its one diagnostic is Swift's own warning on the
    /// `try await queue.read` line (top-level code ranks the synchronous `read` first, so the
    /// `await` covers no asynchronous call). The LoomExample target suppresses exactly that.
    @Test(.enabled(if: buildDirectory != nil && swiftc != nil)) func issueExampleTypeChecksWithOnlyItsOwnWarning() throws {
        let modules = (buildDirectory ?? "") + "/Modules"
        let out = try runProcess(swiftc ?? "", ["-typecheck", "-swift-version", "6", "-I", modules, exampleSource])
        #expect(out.status == 0, "\(out.stderr)")
        let diagnostics = out.stderr.split(separator: "\n")
            .filter { $0.contains(": warning: ") || $0.contains(": error: ") }
            .map { line in line.range(of: "main.swift:").map { String(line[$0.upperBound...]) } ?? String(line) }
        #expect(Set(diagnostics) == ["23:16: warning: no 'async' operations occur within 'await' expression"])
    }

    /// The example in an async function. Swift ranks an `async` overload above a synchronous
    /// one there, so every access is awaited (as with GRDB); the example's `await` line picks
    /// the async variant taking a synchronous closure, with no warning.
    @Test func issueExampleRunsAsWritten() async throws {
        let queue = try DatabaseQueue(path: ":memory:")
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE player(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INT)")
            try db.execute(sql: "INSERT INTO player(name, score) VALUES (?, ?)", arguments: ["Arthur", 100])
            var p = Player(id: nil, name: "Barbara", score: 1000)
            try p.insert(db)                                  // sets p.id from the new rowid
            #expect(p.id == 2)
        }
        let best = try await queue.read { db in
            try Player.fetchAll(db, sql: "SELECT * FROM player WHERE score > ? ORDER BY score DESC", arguments: [50])
        }
        let count = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM player") }
        let rows = try await queue.read { db in try Row.fetchAll(db, sql: "SELECT name FROM player") }
        let name: String = try rows[0]["name"]        // throws on NULL or a value that cannot convert

        #expect(best == [Player(id: 2, name: "Barbara", score: 1000), Player(id: 1, name: "Arthur", score: 100)])
        #expect(count == 2)
        #expect(name == "Arthur")
        #expect(throws: RowDecodingError.self) { let _: Int = try rows[0]["name"] }
    }

    /// The example's synchronous lines exactly as written, in synchronous code.
    @Test func issueExampleSynchronousLinesAsWritten() throws {
        let queue = try DatabaseQueue(path: ":memory:")
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE player(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INT)")
            try db.execute(sql: "INSERT INTO player(name, score) VALUES (?, ?)", arguments: ["Arthur", 100])
            var p = Player(id: nil, name: "Barbara", score: 1000)
            try p.insert(db)                                  // sets p.id from the new rowid
        }
        let best = try queue.read { db in
            try Player.fetchAll(db, sql: "SELECT * FROM player WHERE score > ? ORDER BY score DESC", arguments: [50])
        }
        let count = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM player") }
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT name FROM player") }
        let name: String = try rows[0]["name"]
        #expect(best.map(\.name) == ["Barbara", "Arthur"])
        #expect(count == 2)
        #expect(name == "Arthur")
    }

    /// An async closure (one that awaits) selects the variant that holds the connection across
    /// its suspensions; a write inside `read` still fails with `readonly`.
    @Test func asyncClosuresAndReadonly() async throws {
        let queue = try DatabaseQueue()
        try await queue.write { db in try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (1)") }
        let n = try await queue.read { db in
            await Task.yield()
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM t")
        }
        #expect(n == 1)
        await #expect { try await queue.read { db in try db.execute(sql: "DELETE FROM t") } }
            throws: { ($0 as? DatabaseError)?.code == .readonly }
        #expect(try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 1)
        try await queue.writeWithoutTransaction { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        #expect(try await queue.read { db in try Int.fetchAll(db, sql: "SELECT a FROM t") } == [1, 2])
    }
}
