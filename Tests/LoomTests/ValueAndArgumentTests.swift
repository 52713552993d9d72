// Tests of DatabaseValueConvertible, StatementArguments and SQL interpolation (L7).
// Spec: Spec/L7-api.md §Values, §Arguments.
import Testing
import Loom

private enum Color: String, DatabaseValueConvertible { case red, green }
private enum Grade: Int, DatabaseValueConvertible { case low = 1, high = 2 }

@Suite struct ValueAndArgumentTests {
    @Test func everyStandardTypeRoundTrips() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a, b, c, d, e, f, g, h, i, j)")
        try db.execute(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [true, Int8(-8), UInt16(65535), Int64.max, 2.5, Float(0.5), "héllo",
                                   [UInt8]([0, 255]), Color.green, nil as Int?])
        let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM t"))
        #expect(try row["a"] as Bool == true)
        #expect(try row["b"] as Int8 == -8)
        #expect(try row["c"] as UInt16 == 65535)
        #expect(try row["d"] as Int64 == .max)
        #expect(try row["e"] as Double == 2.5)
        #expect(try row["f"] as Float == 0.5)
        #expect(try row["g"] as String == "héllo")
        #expect(try row["h"] as [UInt8] == [0, 255])
        #expect(try row["i"] as Color == .green)
        #expect(try row["j"] as Int? == nil)
        #expect(try row["j"] as DatabaseValue == .null)
    }

    @Test(arguments: [Int64(128), -129, 1 << 40])
    func outOfRangeIntegersThrowInsteadOfTrapping(value: Int64) throws {
        let db = try Database()
        let row = try #require(try Row.fetchOne(db, sql: "SELECT ? AS v", arguments: [value]))
        #expect(throws: RowDecodingError.valueMismatch(.integer(value), type: "Int8", column: "v")) {
            let _: Int8 = try row["v"]
        }
        #expect(throws: RowDecodingError.self) { let _: Int8 = try row[0] }
        #expect(try row["v"] as Int64 == value)
    }

    @Test func unconvertibleValuesThrowTypedErrors() throws {
        let db = try Database()
        let row = try #require(try Row.fetchOne(db, sql: "SELECT NULL AS n, 'x' AS s, 1.5 AS r, 3 AS g"))
        #expect(throws: RowDecodingError.unexpectedNull(type: "String", column: "n")) { let _: String = try row["n"] }
        #expect(throws: RowDecodingError.valueMismatch(.text("x"), type: "Int", column: "s")) { let _: Int = try row["s"] }
        #expect(throws: RowDecodingError.self) { let _: Int = try row["r"] }   // not integral
        #expect(throws: RowDecodingError.self) { let _: Grade = try row["g"] }  // no case 3
        #expect(throws: RowDecodingError.columnNotFound("zzz", available: ["n", "s", "r", "g"])) { let _: Int = try row["zzz"] }
        #expect(throws: RowDecodingError.indexOutOfRange(9, count: 4)) { let _: Int = try row[9] }
        #expect(try row["S"] as String == "x")   // case-insensitive
    }

    @Test func positionalAndNamedArguments() throws {
        let db = try Database()
        #expect(try Row.fetchOne(db, sql: "SELECT ?, ?3, ?2", arguments: [1, 2, 3])?.databaseValues
                == [.integer(1), .integer(3), .integer(2)])
        let named = try #require(try Row.fetchOne(db, sql: "SELECT :a, @b, $c, :a",
                                                  arguments: ["a": 1, "b": "two", "c": 3.5]))
        #expect(named.databaseValues == [.integer(1), .text("two"), .real(3.5), .integer(1)])
        // Named values first, the rest positionally.
        let mixed = try #require(try Row.fetchOne(db, sql: "SELECT :a, ?", arguments: ["a": 1] + [2]))
        #expect(mixed.databaseValues == [.integer(1), .integer(2)])
        #expect { try db.execute(sql: "SELECT ?, ?", arguments: [1]) } throws: { ($0 as? DatabaseError)?.code == .misuse }
        #expect { try db.execute(sql: "SELECT ?", arguments: [1, 2]) } throws: { ($0 as? DatabaseError)?.code == .misuse }
        #expect { try db.execute(sql: "SELECT :x", arguments: ["y": 1]) } throws: { ($0 as? DatabaseError)?.code == .misuse }
    }

    @Test func argumentsSpreadOverSeveralStatements() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (?); INSERT INTO t VALUES (?)", arguments: [1, 2])
        #expect(try Int.fetchAll(db, sql: "SELECT a FROM t ORDER BY a") == [1, 2])
    }

    @Test func interpolationBindsValuesInsteadOfSplicingText() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(name TEXT, n INT)")
        let hostile = "x'); DROP TABLE t; --"
        try db.execute(literal: "INSERT INTO t VALUES (\(hostile), \(42))")
        let query: SQL = "SELECT name FROM \(identifier: "t") WHERE n IN (\(list: [41, 42]))"
        #expect(query.sql == "SELECT name FROM \"t\" WHERE n IN (?, ?)")
        #expect(try String.fetchAll(db, literal: query) == [hostile])
        let none: String? = nil
        #expect(try Row.fetchOne(db, literal: "SELECT \(none) IS NULL AS x").map { try $0["x"] as Bool } == true)
        var built: SQL = "SELECT n FROM t WHERE "
        built.append("n = \(42)")
        #expect(try Int.fetchOne(db, literal: built) == 42)
    }

    @Test func valueFetching() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (1), (NULL), (3)")
        #expect(try Int?.fetchAll(db, sql: "SELECT a FROM t") == [1, nil, 3])
        #expect(throws: RowDecodingError.self) { try Int.fetchAll(db, sql: "SELECT a FROM t") }
        #expect(try Int.fetchOne(db, sql: "SELECT a FROM t WHERE a IS NULL") == nil)
        #expect(try Int.fetchOne(db, sql: "SELECT a FROM t WHERE 0") == nil)
        #expect(try Int.fetchSet(db, sql: "SELECT a FROM t WHERE a NOT NULL") == [1, 3])
        let cursor = try Int.fetchCursor(db, sql: "SELECT a FROM t WHERE a NOT NULL ORDER BY a")
        #expect(try Array(cursor) == [1, 3])
    }
}
