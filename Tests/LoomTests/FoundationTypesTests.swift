// This file tests Date and UUID as DatabaseValueConvertible (the LoomFoundation library):
// GRDB's storage formats, reading numbers and text, and records with such properties.
// Layer: L7 tests. Spec: Spec/L7-api.md §Foundation types.
import Foundation
import Testing
import LoomFoundation

@Suite struct FoundationTypesTests {
    @Test func dateStoredAsUTCText() throws {
        let db = try Database()
        let date = Date(timeIntervalSince1970: 1_700_000_000.123)
        #expect(date.databaseValue == .text("2023-11-14 22:13:20.123"))
        #expect(Date(timeIntervalSince1970: 0).databaseValue == .text("1970-01-01 00:00:00.000"))
        #expect(Date(timeIntervalSince1970: -1).databaseValue == .text("1969-12-31 23:59:59.000"))
        try db.execute(sql: "CREATE TABLE t(d)")
        try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [date])
        let back = try Date.fetchOne(db, sql: "SELECT d FROM t")
        #expect(back.map { abs($0.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001 } == true)
        // SQLite's date functions understand the text.
        #expect(try String.fetchOne(db, sql: "SELECT datetime(d) FROM t") == "2023-11-14 22:13:20")
    }

    @Test(arguments: [
        ("2023-11-14", 1_699_920_000.0),
        ("2023-11-14 22:13", 1_700_000_000.0 - 20),
        ("2023-11-14 22:13:20", 1_700_000_000.0),
        ("2023-11-14T22:13:20.5", 1_700_000_000.5),
        ("2023-11-14 22:13:20Z", 1_700_000_000.0),
        ("2023-11-14 23:13:20+01:00", 1_700_000_000.0),
        ("2000-02-29 00:00:00.000", 951_782_400.0),
    ])
    func dateFromText(_ text: String, _ seconds: Double) {
        let d = Date.fromDatabaseValue(.text(text))
        #expect(d.map { abs($0.timeIntervalSince1970 - seconds) < 0.0005 } == true, "\(text)")
    }

    @Test func dateFromNumbersAndRejects() {
        #expect(Date.fromDatabaseValue(.integer(86_400)) == Date(timeIntervalSince1970: 86_400))
        #expect(Date.fromDatabaseValue(.real(1.5)) == Date(timeIntervalSince1970: 1.5))
        for bad in ["", "2023-13-01", "2023-11-14 25:00", "yesterday", "2023-11-14 22:13:20 junk"] {
            #expect(Date.fromDatabaseValue(.text(bad)) == nil, "\(bad)")
        }
        #expect(Date.fromDatabaseValue(.null) == nil)
        #expect(abs(Date(julianDay: 2_440_587.5).timeIntervalSince1970) < 1e-6)
        #expect(abs(Date(timeIntervalSince1970: 86_400).julianDay - 2_440_588.5) < 1e-9)
    }

    @Test func uuidAsBlob() throws {
        let id = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        #expect(id.databaseValue == .blob([0xE6, 0x21, 0xE1, 0xF8, 0xC3, 0x6C, 0x49, 0x5A,
                                          0x93, 0xFC, 0x0C, 0x24, 0x7A, 0x3E, 0x6E, 0x5F]))
        #expect(UUID.fromDatabaseValue(id.databaseValue) == id)
        #expect(UUID.fromDatabaseValue(.text("e621e1f8-c36c-495a-93fc-0c247a3e6e5f")) == id)
        #expect(UUID.fromDatabaseValue(.blob([1, 2, 3])) == nil)
        #expect(UUID.fromDatabaseValue(.text("nope")) == nil)
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(u); INSERT INTO t VALUES (?)", arguments: [id])
        #expect(try String.fetchOne(db, sql: "SELECT hex(u) FROM t") == "E621E1F8C36C495A93FC0C247A3E6E5F")
        #expect(try UUID.fetchOne(db, sql: "SELECT u FROM t") == id)
    }

    struct Event: Codable, Equatable, FetchableRecord, PersistableRecord {
        var id: UUID
        var at: Date
    }

    @Test func recordsWithDateAndUUID() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE event(id BLOB PRIMARY KEY, at TEXT)")
        var e = Event(id: UUID(), at: Date(timeIntervalSince1970: 1_000_000))
        try e.insert(db)
        #expect(try String.fetchOne(db, sql: "SELECT at FROM event") == "1970-01-12 13:46:40.000")
        #expect(try Event.fetchAll(db, sql: "SELECT * FROM event") == [e])
    }
}
