// Tests of decoding Codable records row after row (L7): the per-fetch decoding context (one
// shared keyed container, the key-order memo) must give the same results and errors as
// decoding each row on its own. Spec: Spec/L7-api.md §Records, decoding invariants.
import Foundation
import Testing
import Synchronization
import Loom

private final class ResultBox: Sendable { let items = Mutex<[Item]?>(nil) }

private struct Item: Decodable, Equatable, FetchableRecord {
    var id: Int64
    var name: String
    var score: Int
    var note: String?
}

/// Asks for its keys in an order that depends on the row (so the memo misses on odd rows).
private struct Shuffled: Decodable, Equatable, FetchableRecord {
    var a: Int
    var b: String
    var c: Double
    enum CodingKeys: String, CodingKey { case a, b, c }
    init(a: Int, b: String, c: Double) { self.a = a; self.b = b; self.c = c }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let a = try container.decode(Int.self, forKey: .a)
        if a % 2 == 0 {
            b = try container.decode(String.self, forKey: .b)
            c = try container.decode(Double.self, forKey: .c)
        } else {
            c = try container.decode(Double.self, forKey: .c)
            b = try container.decode(String.self, forKey: .b)
        }
        self.a = a
    }
}

private struct Inner: Codable, Equatable { var x: Int; var tags: [String] }

private struct Nested: Decodable, Equatable, FetchableRecord {
    var id: Int
    var inner: Inner?
    var extra: String?     // no such column in the queries below: nil
}

private struct Left: Decodable, Equatable, FetchableRecord { var id: Int; var name: String }
private struct Right: Decodable, Equatable, FetchableRecord { var score: Int; var note: String? }

/// Two records from one row (the shared container is in use by the first: the second
/// decodes on its own).
private struct Joined: FetchableRecord, Equatable {
    var left: Left
    var right: Right
    init(left: Left, right: Right) { self.left = left; self.right = right }
    init(row: Row) throws {
        left = try Left(row: row)
        right = try Right(row: row)
    }
}

/// Keeps every row it is built from and decodes the first one again inside later records:
/// a row that outlives its record must keep its own values.
private struct Hoarder: FetchableRecord {
    static let kept = Mutex<[Row]>([])
    var item: Item
    var first: Item
    init(row: Row) throws {
        Hoarder.kept.withLock { $0.append(row) }
        item = try Item(row: row)
        let firstRow = Hoarder.kept.withLock { $0[0] }
        first = try Item(row: firstRow)
    }
}

@Suite(.serialized) struct RecordDecodingTests {
    private func makeDB() throws -> Database {
        let db = try Database()
        try db.execute(sql: """
            CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INT, note TEXT);
            INSERT INTO item VALUES (1, 'a', 10, NULL), (2, 'b', 20, 'x'), (3, 'c', 30, NULL), (4, 'd', 40, 'y');
            """)
        return db
    }

    private let items = [Item(id: 1, name: "a", score: 10, note: nil), Item(id: 2, name: "b", score: 20, note: "x"),
                         Item(id: 3, name: "c", score: 30, note: nil), Item(id: 4, name: "d", score: 40, note: "y")]

    @Test func fetchAllMatchesDecodingEachRowAlone() throws {
        let db = try makeDB()
        let all = try Item.fetchAll(db, sql: "SELECT * FROM item ORDER BY id")
        #expect(all == items)
        let one = try Row.fetchAll(db, sql: "SELECT * FROM item ORDER BY id").map(Item.init(row:))
        #expect(one == items)
        // A cursor shares one context too.
        let cursor = try Item.fetchCursor(db, sql: "SELECT * FROM item ORDER BY id")
        #expect(try Array(cursor) == items)
    }

    @Test func columnOrderDiffersBetweenStatements() throws {
        let db = try makeDB()
        // The same type over statements whose columns come in other orders (and with case
        // differences): each fetch finds its own columns.
        let a = try Item.fetchAll(db, sql: "SELECT id, name, score, note FROM item ORDER BY id")
        let b = try Item.fetchAll(db, sql: "SELECT note, score, NAME, Id FROM item ORDER BY id")
        let c = try Item.fetchAll(db, sql: "SELECT score AS score, note, id, name, 99 AS other FROM item ORDER BY id")
        #expect(a == items && b == items && c == items)
    }

    @Test func repeatedFetchesOfOneStatementSizeTheirArrays() throws {
        let db = try makeDB()
        try db.execute(sql: """
            WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 996)
            INSERT INTO item SELECT v + 10, 'n' || v, v, NULL FROM s
            """)
        let sql = "SELECT * FROM item WHERE id <= ? ORDER BY id"
        let big = try Item.fetchAll(db, sql: sql, arguments: [2000])
        #expect(big.count == 1000 && big.prefix(4).elementsEqual(items))
        // The next fetch reserves for 1000 but returns 3: right-sized, same records.
        let small = try Item.fetchAll(db, sql: sql, arguments: [3])
        #expect(small == Array(items.prefix(3)))
        #expect(small.capacity < 500)
        #expect(try Item.fetchAll(db, sql: sql, arguments: [0]).isEmpty)
        #expect(try Item.fetchAll(db, sql: sql, arguments: [4]) == items)
    }

    @Test func keyOrderChangingBetweenRows() throws {
        let db = try makeDB()
        let got = try Shuffled.fetchAll(db, sql: "SELECT id AS a, name AS b, score * 1.5 AS c FROM item ORDER BY id")
        #expect(got == [Shuffled(a: 1, b: "a", c: 15), Shuffled(a: 2, b: "b", c: 30),
                        Shuffled(a: 3, b: "c", c: 45), Shuffled(a: 4, b: "d", c: 60)])
    }

    @Test func missingColumnThrowsColumnNotFound() throws {
        let db = try makeDB()
        #expect(throws: RowDecodingError.columnNotFound("score", available: ["id", "name", "note"])) {
            try Item.fetchAll(db, sql: "SELECT id, name, note FROM item")
        }
        // The failed fetch reset its statement (the cache hands out the same one again),
        // and a right query still decodes.
        let sql = "SELECT id, name, note FROM item"
        #expect(throws: RowDecodingError.self) { try Item.fetchAll(db, sql: sql) }
        #expect(try db.cachedStatement(sql: sql) === db.cachedStatement(sql: sql))
        #expect(try Item.fetchAll(db, sql: "SELECT * FROM item ORDER BY id") == items)
    }

    @Test func typeMismatchInALaterRowThrows() throws {
        let db = try makeDB()
        try db.execute(sql: "UPDATE item SET score = 'lots' WHERE id = 3")
        #expect(throws: RowDecodingError.valueMismatch(.text("lots"), type: "Int", column: "score")) {
            try Item.fetchAll(db, sql: "SELECT * FROM item ORDER BY id")
        }
        try db.execute(sql: "UPDATE item SET score = NULL WHERE id = 3")
        #expect(throws: RowDecodingError.unexpectedNull(type: "Int", column: "score")) {
            try Item.fetchAll(db, sql: "SELECT * FROM item ORDER BY id")
        }
        // Rows before the bad one decoded fine; a cursor reports the error at that row.
        let cursor = try Item.fetchCursor(db, sql: "SELECT * FROM item ORDER BY id")
        #expect(try cursor.next() == items[0])
        #expect(try cursor.next() == items[1])
        #expect(throws: RowDecodingError.self) { try cursor.next() }
    }

    @Test func nestedAndOptionalFields() throws {
        let db = try makeDB()
        let got = try Nested.fetchAll(db, sql: """
            SELECT id, CASE WHEN id % 2 = 0 THEN json_object('x', id, 'tags', json_array(name, 'z')) END AS inner
            FROM item ORDER BY id
            """)
        #expect(got == [Nested(id: 1, inner: nil, extra: nil), Nested(id: 2, inner: Inner(x: 2, tags: ["b", "z"]), extra: nil),
                        Nested(id: 3, inner: nil, extra: nil), Nested(id: 4, inner: Inner(x: 4, tags: ["d", "z"]), extra: nil)])
        // Bad JSON in one row is a typed error.
        #expect(throws: RowDecodingError.self) {
            try Nested.fetchAll(db, sql: "SELECT id, CASE WHEN id = 3 THEN '{bad' END AS inner FROM item ORDER BY id")
        }
    }

    @Test func twoRecordsFromOneRow() throws {
        let db = try makeDB()
        let got = try Joined.fetchAll(db, sql: "SELECT * FROM item ORDER BY id")
        #expect(got == items.map { Joined(left: Left(id: Int($0.id), name: $0.name), right: Right(score: $0.score, note: $0.note)) })
    }

    @Test func rowsThatOutliveTheirRecordKeepTheirValues() throws {
        let db = try makeDB()
        Hoarder.kept.withLock { $0.removeAll() }
        let got = try Hoarder.fetchAll(db, sql: "SELECT * FROM item ORDER BY id")
        #expect(got.map(\.item) == items)
        #expect(got.map(\.first) == Array(repeating: items[0], count: 4))
        // After the fetch, the kept rows still decode (on this thread and on another one).
        let kept = Hoarder.kept.withLock { $0 }
        #expect(try kept.map(Item.init(row:)) == items)
        let box = ResultBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let decoded = try? kept.map(Item.init(row:))
            box.items.withLock { $0 = decoded }
        }
        group.wait()
        #expect(box.items.withLock { $0 } == items)
        Hoarder.kept.withLock { $0.removeAll() }
    }
}
