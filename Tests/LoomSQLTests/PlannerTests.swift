// This file tests the planner: randomized queries over tables with mixed affinities,
// collations and indexes (ranges, IN lists and subqueries, OR, ORDER BY, joins) must return
// what sqlite3 returns, and EXPLAIN QUERY PLAN must read like sqlite3's for common shapes.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Planner.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct PlannerTests {
    static let setup = [
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER, c TEXT, d REAL, e, f TEXT COLLATE NOCASE)",
        "CREATE INDEX tb ON t(b)",
        "CREATE INDEX tcb ON t(c, b DESC)",
        "CREATE INDEX tf ON t(f)",
        "CREATE INDEX tde ON t(d, e)",
        "CREATE TABLE u(x, y INTEGER)",
        "CREATE INDEX ux ON u(x)",
    ]

    struct Gen {
        var rng: SeededRNG
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
        mutating func value() -> String {
            pick(["NULL", "\(int(12) - 3)", "\(int(12) - 3)", "'\(int(10))'", "2.5", "-1.5", "'a'", "'B'", "'b'",
                  "x'41'", "'7.0'"])
        }
        mutating func literal() -> String {
            pick(["\(int(12) - 3)", "\(int(12) - 3)", "'\(int(10))'", "2.5", "'a'", "'B'", "NULL", "'3'"])
        }
        mutating func column() -> String { pick(["a", "b", "c", "d", "e", "f", "rowid"]) }
        mutating func term(prefix: String = "") -> String {
            let col = prefix + column()
            switch int(8) {
            case 0, 1: return "\(col) \(pick(["=", "<", "<=", ">", ">="])) \(literal())"
            case 2: return "\(literal()) \(pick(["=", "<", ">="])) \(col)"
            case 3: return "\(col) BETWEEN \(literal()) AND \(literal())"
            case 4: return "\(col) IN (\(literal()), \(literal()), \(literal()))"
            case 5: return "\(col) IN (SELECT \(pick(["x", "y"])) FROM u WHERE y > \(int(6)))"
            case 6: return "(\(col) = \(literal()) OR \(col) = \(literal()))"
            default: return "\(col) \(pick([">", "<"])) \(literal()) AND \(col) \(pick(["<", "<=", ">="])) \(literal())"
            }
        }
        mutating func query() -> (sql: String, ordered: Bool) {
            let select = pick(["a", "b", "*", "a, b", "c, b", "f", "d, e", "count(*)"])
            var sql = "SELECT \(select) FROM t"
            let n = int(3)
            if n > 0 { sql += " WHERE " + (0..<n).map { _ in term() }.joined(separator: " AND ") }
            if select == "count(*)" { return (sql, false) }
            if int(2) == 0 {
                let col = pick(["b", "c", "f", "d", "rowid", "a"])
                let dir = pick(["", " DESC"])
                sql += " ORDER BY \(col)\(dir), a\(dir)"
                if int(2) == 0 { sql += " LIMIT \(int(5) + 1)" }
                return (sql, true)
            }
            return (sql, false)
        }
        mutating func join() -> String {
            let on = pick(["t.b = u.x", "u.x = t.c", "t.a = u.y", "u.y = t.b", "t.f = u.x"])
            let kind = pick(["", "LEFT "])
            var sql = "SELECT t.a, u.rowid, u.x FROM t \(kind)JOIN u ON \(on)"
            if int(2) == 0 { sql += " WHERE \(term(prefix: "t."))" }
            return sql
        }
    }

    static func normalize(_ rows: [String], ordered: Bool) -> [String] { ordered ? rows : rows.sorted() }

    @Test func randomizedQueriesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var g = Gen(rng: SeededRNG())
        var statements = Self.setup
        for i in 1...80 {
            statements.append("INSERT INTO t VALUES(\(g.int(3) == 0 ? "NULL" : String(i)), \(g.value()), \(g.value()), "
                              + "\(g.value()), \(g.value()), \(g.value()))")
        }
        for _ in 1...25 { statements.append("INSERT INTO u VALUES(\(g.value()), \(g.value()))") }
        let setupCount = statements.count
        var ordered: [Bool] = []
        for _ in 0..<300 {
            let q = g.query()
            statements.append(q.sql)
            ordered.append(q.ordered)
        }
        for _ in 0..<60 {
            statements.append(g.join())
            ordered.append(false)
        }
        try Self.expectSameResults(statements, setupCount: setupCount, ordered: ordered, seed: g.rng.seed)
    }

    /// Runs `statements` on Loom and on sqlite3 and records up to five statements after the
    /// first `setupCount` whose error or rows differ (`ordered[i]`: row order counts).
    static func expectSameResults(_ statements: [String], setupCount: Int, ordered: [Bool], seed: UInt64) throws {
        let expected = try EndToEndOracle.run(statements)
        let session = try MiniSession()
        var failures = 0
        for (i, s) in statements.enumerated() {
            let got = session.run(s).first ?? StatementOutcome()
            if i < setupCount { continue }
            let o = ordered[i - setupCount]
            let want = expected[i]
            let same = got.error == want.error
                && normalize(got.rows, ordered: o) == normalize(want.rows, ordered: o)
            if !same && failures < 5 {
                failures += 1
                Issue.record("seed \(seed): \(s)\nloom:   \(got)\nsqlite: \(want)")
            }
        }
    }

    /// Runs `setup`, then EXPLAIN QUERY PLAN of each query, through sqlite3 and Loom and
    /// records an issue (prefixed by `note`) for each plan tree that differs.
    static func expectSamePlans(setup: [String], queries: [String], note: String = "",
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard Oracle.isAvailable else { return }
        let script = setup.map { $0 + ";\n" }.joined() + queries.map { "EXPLAIN QUERY PLAN \($0);\n" }.joined()
        let out = try Oracle.run([":memory:"], input: script)
        let expected = out.stdout.components(separatedBy: "QUERY PLAN\n").dropFirst().map { "QUERY PLAN\n" + $0 }
        let session = try MiniSession()
        for s in setup { _ = session.run(s) }
        for (i, q) in queries.enumerated() {
            let got = tree(session.run("EXPLAIN QUERY PLAN " + q).first?.rows ?? [])
            let want = i < expected.count ? expected[i] : ""
            #expect(got == want, "\(note)\(q)", sourceLocation: sourceLocation)
        }
    }

    /// The plan tree as the sqlite3 shell prints it.
    static func tree(_ rows: [String]) -> String {
        var nodes: [(id: Int, parent: Int, detail: String)] = []
        for row in rows {
            let parts = row.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, let id = Int(parts[0]), let parent = Int(parts[1]) else { continue }
            nodes.append((id, parent, String(parts[3])))
        }
        var text = "QUERY PLAN\n"
        func walk(_ parent: Int, _ prefix: String) {
            let children = nodes.filter { $0.parent == parent }
            for (i, node) in children.enumerated() {
                let last = i == children.count - 1
                text += prefix + (last ? "`--" : "|--") + node.detail + "\n"
                walk(node.id, prefix + (last ? "   " : "|  "))
            }
        }
        walk(0, "")
        return text
    }

    static let eqpQueries = [
        "SELECT * FROM t WHERE a > 5 AND a < 10",
        "SELECT * FROM t WHERE a >= 5",
        "SELECT * FROM t WHERE a = 5",
        "SELECT * FROM t WHERE b = 5",
        "SELECT b FROM t WHERE b > 5",
        "SELECT * FROM t WHERE c = 'x' AND b > 1 AND b < 9",
        "SELECT * FROM t WHERE b IN (1, 2, 3)",
        "SELECT * FROM t WHERE b IN (SELECT y FROM u)",
        "SELECT * FROM t WHERE a IN (1, 2, 3)",
        "SELECT * FROM t WHERE b = 1 OR b = 2",
        "SELECT * FROM t ORDER BY b",
        "SELECT * FROM t ORDER BY e",
        "SELECT * FROM t ORDER BY a DESC",
        "SELECT a FROM t WHERE b > 3 ORDER BY b DESC LIMIT 2",
        "SELECT * FROM t WHERE c = 'q' ORDER BY b DESC",
        "SELECT * FROM u, t WHERE t.a = u.y",
        "SELECT * FROM t, u WHERE t.a = u.y",
        "SELECT * FROM u, t WHERE t.b = u.y",
        "SELECT * FROM u, u AS v WHERE u.x = v.y",
        "SELECT * FROM t LEFT JOIN u ON u.y = t.b",
        "SELECT (SELECT y FROM u WHERE x = t.c) FROM t",
        "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.y = t.b)",
        "SELECT 1 UNION ALL SELECT 2",
        "SELECT b FROM t EXCEPT SELECT y FROM u",
        "SELECT * FROM (SELECT * FROM u LIMIT 3) AS q, t",
        "SELECT 1",
        "SELECT c FROM t ORDER BY d",
        "SELECT max(b) FROM t",
        "SELECT min(b) FROM t",
        "SELECT min(b), max(b) FROM t",
        "SELECT max(a) FROM t",
        "SELECT min(a) FROM t",
        "SELECT max(b) FROM t WHERE b < 10",
        "SELECT min(b) FROM t WHERE c = 'x'",
        "SELECT max(b) + 1, a FROM t",
        "SELECT b, count(*) FROM t GROUP BY b",
        "SELECT d, count(e) FROM t GROUP BY d",
        "SELECT c, sum(b) FROM t GROUP BY c",
        "SELECT f, count(*) FROM t GROUP BY f",
        "SELECT e, count(*) FROM t GROUP BY e",
        "UPDATE t SET c = 1 WHERE b = 3",
        "DELETE FROM t WHERE a > 3",
    ]

    @Test func explainQueryPlanMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        var script = Self.setup.map { $0 + ";\n" }.joined()
        for q in Self.eqpQueries { script += "EXPLAIN QUERY PLAN \(q);\n" }
        let out = try Oracle.run([":memory:"], input: script)
        // sqlite3 prints one "QUERY PLAN" tree per statement.
        var expected = out.stdout.components(separatedBy: "QUERY PLAN\n").dropFirst().map { "QUERY PLAN\n" + $0 }
        let session = try MiniSession()
        for s in Self.setup { _ = session.run(s) }
        for (i, q) in Self.eqpQueries.enumerated() {
            let got = Self.tree(session.run("EXPLAIN QUERY PLAN " + q).first?.rows ?? [])
            let want = i < expected.count ? expected[i] : ""
            #expect(got == want, "\(q)")
        }
        expected.removeAll()
    }
}
