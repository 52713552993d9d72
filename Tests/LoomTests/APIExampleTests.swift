// Tests the usage example of issue 7 ("A Swift API that Swift developers reach for first"),
// as written. Layer: L7. Spec: Spec/L7-api.md.
import Testing
import Loom

private struct Player: Codable, Equatable, FetchableRecord, PersistableRecord {
    var id: Int64?
    var name: String
    var score: Int
}

@Suite struct APIExampleTests {
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
