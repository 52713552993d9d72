// Tests of user-defined aggregate functions written in Swift (L7 DatabaseFunction(aggregate:)).
// Spec: Spec/L7-api.md §Migrations and functions (invariant 24).
import Testing
import Loom

private struct Product: DatabaseAggregate {
    var result: Int64 = 1
    var rows = 0
    mutating func step(_ values: [DatabaseValue]) {
        rows += 1
        if let v = Int64.fromDatabaseValue(values[0]) { result = result &* v }
    }
    func finalize() -> (any DatabaseValueConvertible)? { rows == 0 ? nil : result }
}

private struct Joined: DatabaseAggregate {
    var parts: [String] = []
    mutating func step(_ values: [DatabaseValue]) {
        parts.append(values.map { $0.textRepresentation ?? "NULL" }.joined(separator: ":"))
    }
    func finalize() -> (any DatabaseValueConvertible)? { parts.joined(separator: ",") }
}

private struct Failing: DatabaseAggregate {
    struct Bad: Error, CustomStringConvertible { var description: String { "bad row" } }
    mutating func step(_ values: [DatabaseValue]) throws {
        if Int.fromDatabaseValue(values[0]) == 3 { throw Bad() }
    }
    func finalize() throws -> (any DatabaseValueConvertible)? {
        throw DatabaseError(.constraint, "finalize refused")
    }
}

@Suite struct AggregateFunctionTests {
    func makeDatabase() throws -> Database {
        let db = try Database()
        db.add(function: DatabaseFunction("product", argumentCount: 1, pure: true, aggregate: Product.self))
        db.add(function: DatabaseFunction("joined", aggregate: Joined.self))
        try db.execute(sql: "CREATE TABLE t(g, x); INSERT INTO t VALUES('a', 2), ('a', 3), ('b', 5), ('b', NULL), ('c', 7)")
        return db
    }

    @Test func aggregatesOverTheWholeTableAndPerGroup() throws {
        let db = try makeDatabase()
        #expect(try Int.fetchOne(db, sql: "SELECT product(x) FROM t") == 210)
        #expect(try String.fetchAll(db, sql: "SELECT g || '=' || product(x) FROM t GROUP BY g ORDER BY g")
                == ["a=6", "b=5", "c=7"])
        // No rows: finalize of a fresh aggregate (NULL here).
        #expect(try String.fetchOne(db, sql: "SELECT typeof(product(x)) FROM t WHERE 0") == "null")
        // HAVING and ORDER BY on the aggregate.
        #expect(try String.fetchAll(db, sql: "SELECT g FROM t GROUP BY g HAVING product(x) > 5 ORDER BY product(x) DESC")
                == ["c", "a"])
        // Any number of arguments; DISTINCT with one argument.
        #expect(try String.fetchOne(db, sql: "SELECT joined(g, x) FROM (SELECT * FROM t ORDER BY rowid)")
                == "a:2,a:3,b:5,b:NULL,c:7")
        #expect(try String.fetchOne(db, sql: "SELECT joined(DISTINCT g) FROM (SELECT * FROM t ORDER BY rowid)")
                == "a,b,c")
    }

    @Test func aggregatesAsWindowFunctions() throws {
        let db = try makeDatabase()
        let running = try Int.fetchAll(db, sql: """
            SELECT product(x) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t
            """)
        #expect(running == [2, 6, 30, 30, 210])
        let sliding = try Int.fetchAll(db, sql: """
            SELECT product(x) OVER (ORDER BY rowid ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t
            """)
        #expect(sliding == [2, 6, 15, 5, 7])
        let partitioned = try Int.fetchAll(db, sql: "SELECT product(x) OVER (PARTITION BY g) FROM t ORDER BY rowid")
        #expect(partitioned == [6, 6, 5, 5, 7])
        // FILTER works in the window form (filtered rows are not stepped).
        let filtered = try Int.fetchAll(db, sql: "SELECT product(x) FILTER (WHERE x > 2) OVER () FROM t LIMIT 1")
        #expect(filtered == [105])
    }

    @Test func errorsFailTheStatement() throws {
        let db = try makeDatabase()
        db.add(function: DatabaseFunction("failing", argumentCount: 1, aggregate: Failing.self))
        do {
            _ = try Int.fetchOne(db, sql: "SELECT failing(x) FROM t")
            Issue.record("expected an error")
        } catch let error as DatabaseError {
            #expect(error.code == .error)
            #expect(error.message == "bad row")
        }
        do {
            _ = try Int.fetchOne(db, sql: "SELECT failing(x) FROM t WHERE x < 3")
            Issue.record("expected an error")
        } catch let error as DatabaseError {
            #expect(error.code == .constraint)
            #expect(error.message == "finalize refused")
        }
        // Wrong argument count and misuse are prepare-time errors, as for built-ins.
        #expect(throws: DatabaseError.self) { try Int.fetchOne(db, sql: "SELECT product(x, x) FROM t") }
        #expect(throws: DatabaseError.self) { try Int.fetchOne(db, sql: "SELECT x FROM t WHERE product(x) > 1") }
        // FILTER without OVER is refused rather than feeding NULLs.
        #expect(throws: DatabaseError.self) { try Int.fetchOne(db, sql: "SELECT product(x) FILTER (WHERE x > 2) FROM t") }
    }

    @Test func removingAndShadowing() throws {
        let db = try makeDatabase()
        let f = DatabaseFunction("product", argumentCount: 1, pure: true, aggregate: Product.self)
        db.remove(function: f)
        #expect(throws: DatabaseError.self) { try Int.fetchOne(db, sql: "SELECT product(x) FROM t") }
        // A user aggregate named like a built-in hides it for its argument count.
        db.add(function: DatabaseFunction("max", argumentCount: 1, aggregate: Product.self))
        #expect(try Int.fetchOne(db, sql: "SELECT max(x) FROM t") == 210)
        #expect(try Int.fetchOne(db, sql: "SELECT max(1, 2)") == 2)
    }
}
