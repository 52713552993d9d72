// Tests of records: Codable rows, persistence by primary key, nested values as JSON text,
// table names (L7). Spec: Spec/L7-api.md §Records.
import Testing
import Loom
import LoomTestSupport

private struct Address: Codable, Equatable {
    var street: String
    var zip: Int?
    var tags: [String]
}

private enum Level: String, Codable { case rookie, pro }

private struct Member: Codable, Equatable, FetchableRecord, PersistableRecord {
    var id: Int64?
    var name: String
    var level: Level
    var address: Address?
    var scores: [Double]
    var avatar: [UInt8]
    var active: Bool
}

private struct HTTPRequest: TableRecord {}
private struct PlayerScore: TableRecord {}

private struct Pair: Codable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "pairs"
    var a: Int
    var b: Int
    var label: String
}

private struct Manual: FetchableRecord, MutablePersistableRecord {
    var id: Int64?
    var name: String
    init(id: Int64?, name: String) { self.id = id; self.name = name }
    init(row: Row) throws {
        id = try row["id"]
        name = try row["name"]
    }
    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
    }
    mutating func didInsert(_ inserted: InsertionSuccess) throws { id = inserted.rowID }
}

@Suite struct RecordTests {
    private func makeDB() throws -> Database {
        let db = try Database()
        try db.execute(sql: """
            CREATE TABLE member(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, level TEXT, address TEXT,
                                scores TEXT, avatar BLOB, active BOOLEAN);
            CREATE TABLE pairs(a INT, b INT, label TEXT, PRIMARY KEY(a, b));
            CREATE TABLE manual(id INTEGER PRIMARY KEY, name TEXT);
            """)
        return db
    }

    private let ada = Member(id: nil, name: "Ada", level: .pro,
                             address: Address(street: "1 \"Main\" St", zip: nil, tags: ["home", "é"]),
                             scores: [1.5, 2], avatar: [0, 1, 255], active: true)

    @Test func defaultTableNames() {
        #expect(Member.databaseTableName == "member")
        #expect(HTTPRequest.databaseTableName == "httpRequest")
        #expect(PlayerScore.databaseTableName == "playerScore")
        #expect(Pair.databaseTableName == "pairs")
    }

    @Test func insertFetchUpdateDelete() throws {
        let db = try makeDB()
        var m = ada
        try m.insert(db)
        #expect(m.id == 1)
        #expect(try Member.fetchOne(db, key: 1) == m)
        #expect(try Member.fetchAll(db) == [m])
        // Nested values are JSON text; enums their raw value; blobs blobs; Bool 0/1.
        let raw = try #require(try Row.fetchOne(db, sql: "SELECT level, address, scores, typeof(avatar), active FROM member"))
        #expect(try raw["level"] as String == "pro")
        #expect(try raw["address"] as String == #"{"street":"1 \"Main\" St","zip":null,"tags":["home","é"]}"#)
        #expect(try raw["scores"] as String == "[1.5,2.0]")
        #expect(try raw[3] as String == "blob")
        #expect(try raw["active"] as Int == 1)

        m.name = "Ada L."
        m.address = nil
        try m.update(db)
        #expect(try Member.find(db, key: 1) == m)
        #expect(try String?.fetchOne(db, sql: "SELECT address FROM member") == nil)
        m.name = "only name"
        m.active = false
        try m.update(db, columns: ["name"])
        #expect(try Member.find(db, key: 1).active == true)
        #expect(try m.exists(db))
        #expect(try m.delete(db))
        #expect(try !m.delete(db))
        #expect(throws: RecordError.recordNotFound(databaseTableName: "member", key: ["id": .integer(1)])) { try m.update(db) }
        #expect(throws: RecordError.self) { try Member.find(db, key: 1) }
    }

    @Test func saveUpsertAndInserted() throws {
        let db = try makeDB()
        var m = ada
        try m.save(db)                 // no id: insert
        #expect(m.id == 1)
        m.active = false
        try m.save(db)                 // id present: update
        #expect(try Member.fetchCount(db) == 1)
        var other = ada
        other.id = 7
        other.name = "Bob"
        try other.save(db)             // id not in table: insert with that id
        #expect(try Member.fetchOne(db, key: 7)?.name == "Bob")
        var up = ada
        up.id = 7
        up.name = "Bobby"
        try up.upsert(db)              // conflict on id: update
        #expect(try Member.fetchOne(db, key: 7)?.name == "Bobby")
        var fresh = ada
        fresh.name = "Cy"
        try fresh.upsert(db)           // no conflict: insert, id from RETURNING
        #expect(fresh.id == 8)
        let copy = try Member(id: nil, name: "Di", level: .rookie, address: nil, scores: [], avatar: [], active: true).inserted(db)
        #expect(copy.id == 9)
        #expect(try Member.fetchCount(db) == 4)
        #expect(try Member.deleteOne(db, key: 9))
        #expect(try !Member.exists(db, key: 9))
        #expect(try Member.deleteAll(db) == 3)
    }

    @Test func compositeKeysAndManualRecords() throws {
        let db = try makeDB()
        var p = Pair(a: 1, b: 2, label: "x")
        try p.insert(db)
        #expect(try Pair.fetchOne(db, key: ["a": 1, "b": 2]) == p)
        p.label = "y"
        try p.update(db)
        #expect(try Pair.fetchOne(db, key: ["a": 1, "b": 2])?.label == "y")
        #expect(try p.delete(db))

        var m = Manual(id: nil, name: "hand")
        try m.insert(db)
        #expect(m.id == 1)
        #expect(try Manual.fetchOne(db, key: 1)?.name == "hand")
    }

    @Test func constraintErrorsAndDecodingErrorsAreTyped() throws {
        let db = try makeDB()
        var m = ada
        try m.insert(db)
        var dup = ada
        #expect { try dup.insert(db) } throws: { error in
            guard let code = (error as? DatabaseError)?.code else { return false }
            if case .constraint = code { return true } else { return false }
        }
        try dup.insert(db, onConflict: .ignore)
        #expect(dup.id != nil)
        try db.execute(sql: "UPDATE member SET address = 'not json', level = 'wizard'")
        #expect(throws: RowDecodingError.self) { try Member.fetchAll(db) }
        try db.execute(sql: "UPDATE member SET level = NULL")
        #expect(throws: RowDecodingError.self) { try Member.fetchAll(db) }
    }

    @Test func cursorsOfRecords() throws {
        let db = try makeDB()
        for i in 0..<50 { _ = try Manual(id: nil, name: "n\(i)").inserted(db) }
        let cursor = try Manual.fetchCursor(db, sql: "SELECT * FROM manual ORDER BY id")
        var ids: [Int64] = []
        try cursor.forEach { ids.append($0.id ?? -1) }
        #expect(ids == Array(1...50))
    }

    @Test func recordsMatchTheOracle() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("r.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE member(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, level TEXT, address TEXT, scores TEXT, avatar BLOB, active BOOLEAN)")
            var m = ada
            try m.insert(db)
        }
        try queue.close()
        let out = try Oracle.run([path, "SELECT id, name, level, json_extract(address, '$.tags[1]'), hex(avatar), active FROM member"])
        #expect(out.stdout == "1|Ada|pro|é|0001FF|1\n")
    }
}
