// This file tests index seeks on row-value ranges, `(a, b) > (x, y)` and friends: EXPLAIN
// QUERY PLAN must read as sqlite3's, and randomized ranges (NULLs, mixed types, DESC and
// NOCASE columns, truncated vectors) must return what sqlite3 returns.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Planner (P15).
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct RowValuePlannerTests {
    static let setup = [
        "CREATE TABLE t(a, b, c)",
        "CREATE INDEX tab ON t(a, b)",
        "CREATE TABLE u(x, y)",
        "CREATE TABLE w(p INTEGER, q TEXT COLLATE NOCASE, r)",
        "CREATE INDEX wpq ON w(p, q, r)",
        "CREATE TABLE d(a, b)",
        "CREATE INDEX dab ON d(a, b DESC)",
    ]

    static let eqpQueries = [
        "SELECT * FROM t WHERE (a, b) > (1, 2)",
        "SELECT * FROM t WHERE (a, b) >= (1, 2)",
        "SELECT * FROM t WHERE (a, b) < (1, 2)",
        "SELECT * FROM t WHERE (a, b) <= (1, 2)",
        "SELECT * FROM t WHERE (1, 2) < (a, b)",
        "SELECT * FROM t WHERE (a, b) > (1, 2) AND (a, b) < (5, 6)",
        "SELECT * FROM t WHERE (a, b) BETWEEN (1, 2) AND (3, 4)",
        "SELECT * FROM t WHERE (b, a) > (1, 2)",
        "SELECT * FROM t WHERE (a, c) > (1, 2)",
        "SELECT * FROM t WHERE a = 1 AND (b, c) > (1, 2)",
        "SELECT * FROM t WHERE (a) > (1)",
        "SELECT * FROM t WHERE (a, b) = (1, 2)",
        "SELECT * FROM t WHERE (a, b) > (1, 2) ORDER BY a, b",
        "SELECT * FROM t WHERE (a, b) > (1, 2) ORDER BY a DESC",
        "SELECT * FROM u, t WHERE (t.a, t.b) > (u.x, u.y)",
        "SELECT * FROM w WHERE (p, q, r) > (1, 'a', 3)",
        "SELECT * FROM w WHERE (p, q) > (1, 'a')",
        "SELECT * FROM w WHERE (p, q COLLATE BINARY) > (1, 'a')",
        "SELECT * FROM w WHERE p = 2 AND (q, r) < ('b', 1)",
        "SELECT * FROM d WHERE (a, b) > (1, 2)",
    ]

    @Test func explainQueryPlanMatchesSQLite() throws {
        try PlannerTests.expectSamePlans(setup: Self.setup, queries: Self.eqpQueries)
    }

    @Test func randomizedRangesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func value() -> String {
            ["NULL", "\(int(6))", "\(int(6))", "\(int(6))", "'\(int(6))'", "2.5", "'a'", "'B'", "x'01'"][int(9)]
        }
        var statements = Self.setup
        for _ in 0..<150 {
            statements.append("INSERT INTO t VALUES(\(value()), \(value()), \(value()))")
            statements.append("INSERT INTO w VALUES(\(value()), \(value()), \(value()))")
            statements.append("INSERT INTO d VALUES(\(value()), \(value()))")
        }
        let setupCount = statements.count
        var ordered: [Bool] = []
        let ops = [">", ">=", "<", "<="]
        for _ in 0..<300 {
            let op = ops[int(4)], op2 = ops[int(4)]
            let sql: String
            switch int(6) {
            case 0: sql = "SELECT rowid FROM t WHERE (a, b) \(op) (\(value()), \(value()))"
            case 1: sql = "SELECT rowid FROM t WHERE (a, b) \(op) (\(value()), \(value())) AND (a, b) \(op2) (\(value()), \(value()))"
            case 2: sql = "SELECT rowid FROM t WHERE (a, b) BETWEEN (\(value()), \(value())) AND (\(value()), \(value()))"
            case 3: sql = "SELECT rowid FROM w WHERE (p, q, r) \(op) (\(value()), \(value()), \(value()))"
            case 4: sql = "SELECT rowid FROM w WHERE p = \(value()) AND (q, r) \(op) (\(value()), \(value()))"
            default: sql = "SELECT rowid FROM d WHERE (a, b) \(op) (\(value()), \(value()))"
            }
            statements.append(sql)
            ordered.append(false)
        }
        try PlannerTests.expectSameResults(statements, setupCount: setupCount, ordered: ordered, seed: rng.seed)
    }
}
