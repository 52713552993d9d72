// This file tests the planner's use of partial indexes, expression indexes, MULTI-INDEX OR
// and the LIKE/GLOB prefix ranges: EXPLAIN QUERY PLAN must read as sqlite3's, and randomized
// queries over such indexes must return what sqlite3 returns.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Planner (P10-P14).
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct PlannerIndexKindsTests {
    static let setup = [
        "CREATE TABLE t(a INTEGER, b INTEGER, c, d TEXT COLLATE NOCASE, e TEXT)",
        "CREATE INDEX ta ON t(a)",
        "CREATE INDEX tb ON t(b)",
        "CREATE INDEX tp ON t(c) WHERE c IS NOT NULL",
        "CREATE INDEX tp2 ON t(c, a) WHERE b > 5",
        "CREATE INDEX te ON t(lower(e))",
        "CREATE INDEX te2 ON t(a + b)",
        "CREATE INDEX td ON t(d)",
        "CREATE INDEX tee ON t(e)",
        "CREATE TABLE u(x INTEGER PRIMARY KEY, y, z TEXT)",
        "CREATE INDEX uy ON u(y) WHERE y > 0",
        "CREATE INDEX uz ON u(z COLLATE NOCASE)",
    ]

    static let eqpQueries = [
        // Partial indexes.
        "SELECT * FROM t WHERE c = 3",
        "SELECT * FROM t WHERE c > 3",
        "SELECT * FROM t WHERE c = 3 AND b > 5",
        "SELECT * FROM t WHERE c > 3 AND b > 5",
        "SELECT * FROM t WHERE c IN (1, 2)",
        "SELECT c FROM t WHERE c LIKE 'x%'",
        "SELECT * FROM u WHERE y = 4",
        "SELECT * FROM u WHERE y = 4 AND y > 0",
        "SELECT * FROM u WHERE y > 0 ORDER BY y",
        "SELECT * FROM u ORDER BY y",
        // Expression indexes.
        "SELECT * FROM t WHERE lower(e) = 'x'",
        "SELECT * FROM t WHERE lower(e) > 'x'",
        "SELECT lower(e) FROM t WHERE lower(e) > 'x'",
        "SELECT * FROM t WHERE a + b > 3",
        "SELECT * FROM t WHERE a + b BETWEEN 2 AND 5",
        "SELECT * FROM t WHERE a + b IN (1, 2, 3)",
        "SELECT * FROM t ORDER BY a + b",
        "SELECT a + b FROM t ORDER BY a + b DESC",
        "SELECT * FROM t WHERE b + a = 2",
        "SELECT * FROM u, t WHERE lower(t.e) = u.z",
        // LIKE / GLOB.
        "SELECT * FROM t WHERE d LIKE 'abc%'",
        "SELECT * FROM t WHERE d LIKE 'a_c%'",
        "SELECT * FROM t WHERE d LIKE '%abc'",
        "SELECT * FROM t WHERE e LIKE 'abc%'",
        "SELECT * FROM t WHERE e GLOB 'abc*'",
        "SELECT * FROM t WHERE e GLOB 'ab?c*'",
        "SELECT * FROM t WHERE d GLOB 'abc*'",
        "SELECT * FROM u WHERE z LIKE 'Q%'",
        "SELECT * FROM t WHERE d LIKE 'ab!%%' ESCAPE '!'",
        // MULTI-INDEX OR.
        "SELECT * FROM t WHERE a = 1 OR b = 2",
        "SELECT a FROM t WHERE a = 1 OR b = 2",
        "SELECT * FROM t WHERE a > 1 OR b = 2",
        "SELECT * FROM t WHERE (a = 1 AND b = 3) OR c = 2",
        "SELECT * FROM t WHERE a = 1 OR rowid = 5",
        "SELECT * FROM t WHERE a = 1 OR rowid > 5",
        "SELECT * FROM t WHERE a = 1 OR e = 2",
        "SELECT * FROM t WHERE a = 1 OR b = 2 ORDER BY a",
        "SELECT * FROM t WHERE d = 1 AND (a = 1 OR b = 2)",
        "SELECT * FROM t WHERE a IN (1, 2) OR b = 2",
        "SELECT * FROM t WHERE lower(e) = 'x' OR a = 3",
        "SELECT * FROM t, t AS t2 WHERE (t2.a = t.a OR t2.b = t.b)",
        "SELECT count(*) FROM t WHERE a = 1 OR b = 2",
        "SELECT * FROM t WHERE a = 1 OR a = 2 OR b = 3",
        "SELECT * FROM t LEFT JOIN t AS t2 ON t2.a = 1 OR t2.b = 2",
        "SELECT * FROM u WHERE x = 3 OR z = 'q' COLLATE NOCASE",
        // DISTINCT without a temp b-tree.
        "SELECT DISTINCT a FROM t",
        "SELECT DISTINCT a FROM t WHERE a > 5",
        "SELECT DISTINCT a FROM t WHERE b = 5",
        "SELECT DISTINCT a FROM t ORDER BY a DESC",
        "SELECT DISTINCT a FROM t ORDER BY b",
        "SELECT DISTINCT a + b FROM t",
        "SELECT DISTINCT lower(e) FROM t",
        "SELECT DISTINCT c FROM t WHERE c > 0",
        "SELECT DISTINCT d FROM t",
        "SELECT DISTINCT d COLLATE BINARY FROM t",
        "SELECT DISTINCT rowid, a FROM t",
        "SELECT DISTINCT x FROM u",
        "SELECT DISTINCT x, y FROM u",
        "SELECT DISTINCT t.a FROM t, u WHERE u.x = t.b",
        "SELECT DISTINCT a FROM t LIMIT 3",
        // IS NULL / IS NOT NULL, min/max and GROUP BY over index expressions.
        "SELECT * FROM t WHERE a IS NULL",
        "SELECT * FROM t WHERE a IS NULL OR b = 2",
        "SELECT * FROM t WHERE c IS NOT NULL",
        "SELECT a FROM t WHERE a IS NOT NULL",
        "SELECT * FROM t WHERE a IS NOT NULL",
        "SELECT c FROM t WHERE c IS NOT NULL ORDER BY c",
        "SELECT * FROM t WHERE c = 5 OR c = 6",
        "SELECT * FROM t WHERE b > 5 AND c IS NULL",
        "SELECT max(a + b) FROM t",
        "SELECT min(lower(e)) FROM t",
        "SELECT lower(e), count(*) FROM t GROUP BY lower(e)",
        "SELECT a + b, count(*) FROM t GROUP BY a + b",
        "SELECT * FROM t WHERE a = 1 OR b IN (SELECT a FROM t)",
        "SELECT * FROM t WHERE (a = 1 OR b = 2) AND (c = 3 OR d = 4)",
        "SELECT * FROM t WHERE a = 1 OR (b = 2 AND c = 3)",
        // Partial indexes walked whole, ORDER BY by an index against a sorter.
        "SELECT * FROM t, u WHERE t.c = u.x",
        "SELECT * FROM t WHERE b > 5 ORDER BY c",
        "SELECT * FROM t WHERE b > 5 ORDER BY c LIMIT 3",
        "SELECT * FROM t WHERE b > 5 ORDER BY c LIMIT 30",
        "SELECT * FROM t WHERE c > 5 ORDER BY c DESC",
        "SELECT DISTINCT c FROM t WHERE b > 5",
        "SELECT * FROM t WHERE a > 5 ORDER BY b",
        "SELECT * FROM t WHERE a > 5 AND a < 9 ORDER BY b",
        "SELECT * FROM t WHERE a > 5 ORDER BY b LIMIT 2",
        // MULTI-INDEX OR against an ordered or covering single path.
        "SELECT a FROM t WHERE b > 5 OR b < 2",
        "SELECT rowid FROM t WHERE a > 5 OR b < 3 ORDER BY rowid",
        "SELECT rowid, a FROM t WHERE a > 5 OR b < 3 ORDER BY a",
        "SELECT rowid FROM t WHERE a > 5 OR b < 3",
        // UPDATE and DELETE.
        "DELETE FROM t WHERE c = 3",
        "DELETE FROM t WHERE a = 1 OR b = 2",
        "UPDATE t SET e = 1 WHERE lower(e) = 'x'",
        "UPDATE t SET e = 1 WHERE a = 1 OR b = 2",
        "UPDATE t SET c = 1 WHERE c > 3 AND b > 5",
        "DELETE FROM t WHERE d LIKE 'ab%'",
        "UPDATE t SET a = 5 WHERE a + b = 3",
    ]


    @Test func explainQueryPlanMatchesSQLite() throws {
        try PlannerTests.expectSamePlans(setup: Self.setup, queries: Self.eqpQueries)
    }

    struct Gen {
        var rng: SeededRNG
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
        mutating func value() -> String {
            pick(["NULL", "\(int(12) - 3)", "\(int(12) - 3)", "'\(int(10))'", "2.5", "'abc'", "'ABD'", "'ab'", "'Abc%'",
                  "x'61'", "'a_c'", "'b'", "'é'"])
        }
        mutating func text() -> String { pick(["'a'", "'ab'", "'abc'", "'AB'", "'b'", "'é'", "'z'", "'A'"]) }
        mutating func term() -> String {
            switch int(12) {
            case 0: return "c \(pick(["=", ">", "<", ">="])) \(value())"
            case 1: return "b > 5"
            case 2: return "lower(e) \(pick(["=", ">", "<="])) \(text())"
            case 3: return "a + b \(pick(["=", ">", "<"])) \(int(10) - 2)"
            case 4: return "d LIKE \(pick(["'a%'", "'AB%'", "'ab_'", "'a%c'", "'é%'", "'Z%'", "'@%'", "'1%'"]))"
            case 5: return "e GLOB \(pick(["'a*'", "'ab*'", "'A*'", "'a?c'", "'é*'"]))"
            case 6: return "(a = \(int(8)) OR b = \(int(8)))"
            case 7: return "(a = \(int(8)) OR c = \(value()) OR lower(e) = \(text()))"
            case 8: return "c IS NOT NULL"
            case 9: return "e LIKE \(pick(["'a%'", "'ab%'"]))"
            case 10: return pick(["(a > \(int(8)) OR b < \(int(4)))", "a IS NULL", "(a IS NULL OR b = \(int(8)))",
                                  "c IS NOT NULL", "(c = \(value()) OR c = \(value()))"])
            default: return "a \(pick(["=", ">", "<"])) \(int(8))"
            }
        }
        mutating func join() -> String {
            let on = pick(["t2.a = t.a OR t2.b = t.b", "t2.a = 1 OR t2.b = t.b", "t2.c = t.c OR t2.a = t.b",
                           "t2.a = t.a OR t2.rowid = t.b"])
            return "SELECT t.rowid, t2.rowid FROM t \(pick(["LEFT JOIN", "JOIN"])) t AS t2 ON \(on)"
                + (int(2) == 0 ? " WHERE t.a = \(int(8))" : "")
        }
        mutating func query() -> (sql: String, ordered: Bool) {
            let select = pick(["*", "a, b", "lower(e)", "a + b", "c", "d", "count(*)", "rowid, c", "DISTINCT a",
                               "min(lower(e))", "max(a + b)", "min(c)", "max(c)",
                               "DISTINCT d", "DISTINCT lower(e)", "DISTINCT a + b", "DISTINCT c", "DISTINCT d COLLATE BINARY"])
            var sql = "SELECT \(select) FROM t"
            let n = select.hasPrefix("DISTINCT") ? int(3) : int(3) + 1
            if n > 0 { sql += " WHERE " + (0..<n).map { _ in term() }.joined(separator: " AND ") }
            if select.hasSuffix(")") { return (sql, false) }
            if select.hasPrefix("DISTINCT") {
                if int(2) == 0 { sql += " ORDER BY 1\(pick(["", " DESC"]))"; return (sql, true) }
                return (sql, false)
            }
            if int(3) == 0 {
                sql += " ORDER BY \(pick(["a + b", "lower(e)", "c", "d"]))\(pick(["", " DESC"])), rowid"
                return (sql, true)
            }
            return (sql, false)
        }
    }

    @Test func randomizedQueriesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var g = Gen(rng: SeededRNG())
        var statements = Self.setup
        for i in 1...120 {
            statements.append("INSERT INTO t VALUES(\(g.int(4) == 0 ? "NULL" : String(g.int(9))), \(g.int(10)), "
                              + "\(g.value()), \(g.value()), \(g.value()))")
            if i % 3 == 0 { statements.append("INSERT INTO u VALUES(NULL, \(g.int(6) - 2), \(g.value()))") }
        }
        let setupCount = statements.count
        var ordered: [Bool] = []
        for _ in 0..<250 {
            let q = g.query()
            statements.append(q.sql)
            ordered.append(q.ordered)
        }
        for _ in 0..<15 {
            statements.append(g.join())
            ordered.append(false)
        }
        // Changes through the same kinds of plans, then the whole table and its indexes.
        for i in 0..<40 {
            let w = (0..<(g.int(2) + 1)).map { _ in g.term() }.joined(separator: " AND ")
            statements.append(i % 3 == 0 ? "DELETE FROM t WHERE \(w)"
                              : "UPDATE t SET \(g.pick(["a", "b", "c", "d", "e"])) = \(g.value()) WHERE \(w)")
            ordered.append(false)
            if i % 8 == 7 {
                statements.append("SELECT rowid, * FROM t ORDER BY rowid")
                ordered.append(true)
            }
        }
        // Each index read after the changes (the entries must still match the rows).
        for q in ["SELECT rowid FROM t WHERE c > -100 AND b > 5", "SELECT rowid FROM t WHERE c > -100",
                  "SELECT rowid FROM t WHERE lower(e) > ''", "SELECT rowid FROM t WHERE a + b > -100",
                  "SELECT rowid FROM t WHERE d LIKE 'a%'", "SELECT rowid FROM t WHERE a = 1 OR b = 2"] {
            statements.append(q)
            ordered.append(false)
        }
        try PlannerTests.expectSameResults(statements, setupCount: setupCount, ordered: ordered, seed: g.rng.seed)
    }
}
