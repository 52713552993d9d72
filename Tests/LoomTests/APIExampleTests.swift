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
    @Test func issueExampleRunsAsWritten() async throws {
        let queue = try DatabaseQueue(path: ":memory:")
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE player(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INT)")
            try db.execute(sql: "INSERT INTO player(name, score) VALUES (?, ?)", arguments: ["Arthur", 100])
            var p = Player(id: nil, name: "Barbara", score: 1000)
            try p.insert(db)                                  // sets p.id from the new rowid
            #expect(p.id == 2)
        }
        let best = try queue.read { db in
            try Player.fetchAll(db, sql: "SELECT * FROM player WHERE score > ? ORDER BY score DESC", arguments: [50])
        }
        let count = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM player") }
        let rows = try await queue.read { db in try Row.fetchAll(db, sql: "SELECT name FROM player") }
        let name: String = try rows[0]["name"]        // throws on NULL or a value that cannot convert

        #expect(best == [Player(id: 2, name: "Barbara", score: 1000), Player(id: 1, name: "Arthur", score: 100)])
        #expect(count == 2)
        #expect(name == "Arthur")
        #expect(throws: RowDecodingError.self) { let _: Int = try rows[0]["name"] }
    }
}
