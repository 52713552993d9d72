// This file is the usage example of issue 7 ("A Swift API that Swift developers reach for
// first"), verbatim as top-level code, followed by lines that print what it computed so
// APIExampleTests can check the run. Layer: L7 (a user of the public API). Spec: Spec/L7-api.md.
import Loom

struct Player: Codable, Equatable, FetchableRecord, PersistableRecord {
    var id: Int64?
    var name: String
    var score: Int
}

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
let rows = try await queue.read { db in try Row.fetchAll(db, sql: "SELECT name FROM player") }
let name: String = try rows[0]["name"]        // throws on NULL or a value that cannot convert

// Not part of the example: what it computed, for the test.
print(best.map { "\($0.id.map(String.init) ?? "nil")|\($0.name)|\($0.score)" }.joined(separator: ","))
print(count.map(String.init) ?? "nil")
print(name)
