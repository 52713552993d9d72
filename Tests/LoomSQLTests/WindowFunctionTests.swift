// This file tests window functions end to end against sqlite3: a table of hand-written
// queries (every function, frame type, EXCLUDE, NULLs, ties, partitions, errors) and a seeded
// random generator of window queries. Layer: L5 tests. Spec: Spec/L5-sql.md §Window functions.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct WindowFunctionTests {
    static let setup = [
        "CREATE TABLE t(a INTEGER, b TEXT, c, d REAL)",
        "INSERT INTO t VALUES(1,'x',3,1.5),(2,'y',1,NULL),(3,'x',2,2.5),(4,'y',5,-1.0),(5,'z',4,0.0),(6,'x',1,1.5),(NULL,'x',2,3.0),(7,NULL,NULL,2.0),(3,'X',2,2.5)",
        "CREATE TABLE e(a, b)",
        "CREATE TABLE s(k TEXT COLLATE NOCASE, v INTEGER)",
        "INSERT INTO s VALUES('a',1),('A',2),('b',3),('B',4),('a',5)",
        "CREATE TABLE f(a)",
        "INSERT INTO f VALUES(0.1),(0.2),(0.3),(1e16),(1),(0.7),(NULL),('abc'),(5)",
    ]

    static let queries = [
        // Ranking functions, ties and NULLs in ORDER BY.
        "SELECT a, row_number() OVER (ORDER BY c), rank() OVER (ORDER BY c), dense_rank() OVER (ORDER BY c) FROM t",
        "SELECT a, percent_rank() OVER (ORDER BY b), cume_dist() OVER (ORDER BY b) FROM t",
        "SELECT a, rank() OVER (PARTITION BY b ORDER BY a DESC), percent_rank() OVER (PARTITION BY b ORDER BY a) FROM t",
        "SELECT a, row_number() OVER (ORDER BY a NULLS LAST), rank() OVER (ORDER BY c DESC NULLS FIRST) FROM t",
        "SELECT a, ntile(2) OVER (ORDER BY a), ntile(4) OVER (ORDER BY a), ntile(100) OVER (PARTITION BY b ORDER BY a) FROM t",
        "SELECT a, ntile(0) OVER () FROM t",
        "SELECT a, ntile(a) OVER (ORDER BY a) FROM t",
        "SELECT a, ntile(c) OVER (ORDER BY a NULLS LAST), ntile('2') OVER (ORDER BY a), ntile(2.5) OVER (ORDER BY a) FROM t",
        "SELECT a, ntile(0.5) OVER () FROM t",
        "SELECT a, nth_value(a, '2') OVER (ORDER BY a), sum(a) OVER (ORDER BY a ROWS '1' PRECEDING), sum(a) OVER (ORDER BY a RANGE '1' PRECEDING) FROM t",
        "SELECT a, nth_value(a, 2.5) OVER () FROM t",
        // lag / lead.
        "SELECT a, lag(a) OVER (ORDER BY a), lead(a) OVER (ORDER BY a), lag(a, 2, 'd') OVER (ORDER BY a), lead(a, 3, -1) OVER (ORDER BY a) FROM t",
        "SELECT a, lag(a, 0) OVER (), lag(a, -1) OVER (), lead(a, NULL) OVER (), lead(b, a) OVER (ORDER BY a) FROM t",
        "SELECT a, lag(c) OVER (PARTITION BY b ORDER BY a), lead(c, 1, 0) OVER (PARTITION BY b ORDER BY a) FROM t",
        // first_value / last_value / nth_value.
        "SELECT a, first_value(a) OVER (ORDER BY c), last_value(a) OVER (ORDER BY c), nth_value(a, 2) OVER (ORDER BY c) FROM t",
        "SELECT a, first_value(b) OVER w, last_value(b) OVER w, nth_value(b, 3) OVER w FROM t WINDOW w AS (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING)",
        "SELECT a, nth_value(a, 0) OVER () FROM t",
        "SELECT a, nth_value(a, 2.0) OVER (ORDER BY a) FROM t",
        // Aggregates as windows, default frames.
        "SELECT a, count(*) OVER (), count(a) OVER (), sum(a) OVER (), total(a) OVER (), avg(a) OVER (), min(a) OVER (), max(a) OVER () FROM t",
        "SELECT a, count(*) OVER (ORDER BY c), sum(a) OVER (ORDER BY c), avg(a) OVER (ORDER BY c), min(b) OVER (ORDER BY c), max(b) OVER (ORDER BY c) FROM t",
        "SELECT a, group_concat(a) OVER (ORDER BY a), group_concat(b, '-') OVER (PARTITION BY b ORDER BY a) FROM t",
        "SELECT a, sum(d) OVER (ORDER BY a ROWS UNBOUNDED PRECEDING), total(d) OVER (PARTITION BY b) FROM t",
        // ROWS frames.
        "SELECT a, sum(a) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
        "SELECT a, sum(a) OVER (ORDER BY a ROWS BETWEEN 2 FOLLOWING AND 4 FOLLOWING), count(*) OVER (ORDER BY a ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM t",
        "SELECT a, sum(a) OVER (ORDER BY a ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), max(a) OVER (ORDER BY a ROWS 2 PRECEDING) FROM t",
        "SELECT a, min(a) OVER (ORDER BY a DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM t",
        // RANGE frames with offsets, NULLs, descending, reals.
        "SELECT a, sum(a) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
        "SELECT a, sum(a) OVER (ORDER BY a DESC RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
        "SELECT a, count(*) OVER (ORDER BY a NULLS LAST RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
        "SELECT a, count(*) OVER (ORDER BY a RANGE BETWEEN 2 FOLLOWING AND 1 FOLLOWING) FROM t",
        "SELECT d, count(*) OVER (ORDER BY d RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING) FROM t",
        "SELECT b, count(*) OVER (ORDER BY b RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
        "SELECT a, sum(a) OVER (ORDER BY c RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM t",
        // Sliding frames over reals: rows leave before rows enter, as SQLite's inverse steps.
        "SELECT a, sum(a) OVER (ORDER BY rowid ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), avg(a) OVER (ORDER BY rowid ROWS 2 PRECEDING), total(a) OVER (ORDER BY rowid ROWS 1 PRECEDING) FROM f",
        "SELECT a, count(*) OVER (ORDER BY a RANGE BETWEEN 0.5 PRECEDING AND 0.5 FOLLOWING), sum(a) OVER (ORDER BY a DESC RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f",
        "SELECT a, lead(a, 1.5) OVER (), lag(a, 1.5, 'd') OVER (), lag(a, '1') OVER (), lead(a, 'x', 'd') OVER () FROM f",
        // GROUPS frames.
        "SELECT a, c, sum(a) OVER (ORDER BY c GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
        "SELECT a, c, count(*) OVER (ORDER BY c GROUPS 2 PRECEDING), group_concat(a) OVER (ORDER BY c GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t",
        // EXCLUDE.
        "SELECT a, c, sum(a) OVER (ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM t",
        "SELECT a, c, group_concat(a) OVER (ORDER BY c ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP) FROM t",
        "SELECT a, c, group_concat(a) OVER (ORDER BY c RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM t",
        "SELECT a, c, first_value(a) OVER w, last_value(a) OVER w, nth_value(a, 2) OVER w FROM t WINDOW w AS (ORDER BY c GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES)",
        "SELECT a, count(*) OVER (ORDER BY c ROWS CURRENT ROW EXCLUDE CURRENT ROW), sum(a) OVER (EXCLUDE NO OTHERS) FROM t",
        // FILTER.
        "SELECT a, sum(a) FILTER (WHERE a > 2) OVER (ORDER BY a), count(*) FILTER (WHERE b = 'x') OVER () FROM t",
        "SELECT a, avg(a) FILTER (WHERE c > 1) OVER (ORDER BY a ROWS 2 PRECEDING) FROM t",
        "SELECT count(*) FILTER (WHERE a > 2), sum(a) FILTER (WHERE b = 'x'), min(b) FILTER (WHERE a > 3) FROM t",
        "SELECT b, count(*) FILTER (WHERE a > 2), group_concat(a, '-') FILTER (WHERE a % 2) FROM t GROUP BY b",
        // Named windows and chaining; several windows (output order).
        "SELECT a, sum(a) OVER w, row_number() OVER w FROM t WINDOW w AS (PARTITION BY b ORDER BY a)",
        "SELECT a, sum(a) OVER (w ORDER BY c) FROM t WINDOW w AS (PARTITION BY b)",
        "SELECT a, sum(a) OVER w2 FROM t WINDOW w AS (PARTITION BY b), w2 AS (w ORDER BY c ROWS 1 PRECEDING)",
        "SELECT a, sum(a) OVER (w ROWS 1 PRECEDING) FROM t WINDOW w AS (ORDER BY c)",
        "SELECT a, row_number() OVER (ORDER BY c), row_number() OVER (PARTITION BY b), row_number() OVER (ORDER BY b DESC), count(*) OVER (ORDER BY c) FROM t",
        "SELECT a, row_number() OVER (), sum(a) OVER (ORDER BY c) FROM t",
        "SELECT a, row_number() OVER (ORDER BY b), row_number() OVER (ORDER BY c) FROM t",
        // Collations.
        "SELECT k, v, row_number() OVER (PARTITION BY k ORDER BY v), rank() OVER (ORDER BY k) FROM s",
        "SELECT k, v, rank() OVER (ORDER BY k COLLATE BINARY), max(k) OVER () FROM s",
        // ORDER BY, LIMIT, DISTINCT, GROUP BY, subqueries, CTEs.
        "SELECT a FROM t ORDER BY row_number() OVER (ORDER BY a DESC)",
        "SELECT a, rank() OVER (ORDER BY c) AS r FROM t ORDER BY r DESC, a LIMIT 4 OFFSET 1",
        "SELECT DISTINCT b, count(*) OVER (PARTITION BY b) FROM t",
        "SELECT b, sum(a), sum(sum(a)) OVER (ORDER BY b), rank() OVER (ORDER BY count(*)) FROM t GROUP BY b",
        "SELECT b, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC, b) FROM t GROUP BY b HAVING count(*) > 1",
        "SELECT sum(a), count(*) OVER () FROM t",
        "SELECT * FROM (SELECT a, rank() OVER (ORDER BY b) r FROM t) WHERE r > 2",
        "WITH q AS (SELECT a, sum(a) OVER (ORDER BY a) s FROM t) SELECT * FROM q ORDER BY s DESC",
        "SELECT a, (SELECT count(*) OVER () FROM t t2 WHERE t2.a < t.a LIMIT 1) FROM t",
        "SELECT x, sum(x) OVER (ORDER BY x) FROM (SELECT 1 x UNION ALL SELECT 2 UNION ALL SELECT 2)",
        "SELECT t.a, e.b, count(*) OVER () FROM t LEFT JOIN e ON t.a = e.a",
        "CREATE VIEW v AS SELECT b, sum(c) OVER (PARTITION BY b) s FROM t",
        "SELECT * FROM v ORDER BY b",
        "SELECT b, rank() OVER (ORDER BY b) FROM t UNION ALL SELECT 'zz', 1 ORDER BY 1",
        "CREATE TABLE u(x, y)",
        "INSERT INTO u SELECT c, row_number() OVER (ORDER BY rowid) FROM t",
        "SELECT * FROM u",
        "SELECT row_number() OVER (), rank() OVER (ORDER BY 1)",
        // Empty input.
        "SELECT a, row_number() OVER (), sum(a) OVER (ORDER BY b) FROM e",
        "SELECT count(*) OVER () FROM t WHERE 0",
        // Errors.
        "SELECT sum(row_number() OVER ()) FROM t",
        "SELECT row_number() OVER (ORDER BY row_number() OVER ()) FROM t",
        "SELECT a FROM t WHERE row_number() OVER () > 1",
        "SELECT a FROM t GROUP BY row_number() OVER ()",
        "SELECT sum(a) OVER w FROM t",
        "SELECT nosuch(a) OVER () FROM t",
        "SELECT abs(a) OVER () FROM t",
        "SELECT row_number(a) OVER () FROM t",
        "SELECT row_number() FROM t",
        "SELECT rank() FILTER (WHERE a > 1) OVER () FROM t",
        "SELECT count(DISTINCT a) OVER () FROM t",
        "SELECT sum(a) OVER (ROWS -1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS 1.5 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN 1 PRECEDING AND 'x' FOLLOWING) FROM t",
        "SELECT sum(a) OVER (ORDER BY a RANGE -1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (RANGE 1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ORDER BY a, b RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t",
        "SELECT a, sum(a) OVER (w ORDER BY b) FROM t WINDOW w AS (ORDER BY c)",
        "SELECT a, sum(a) OVER (w PARTITION BY b) FROM t WINDOW w AS (ORDER BY c)",
        "SELECT a, sum(a) OVER (w) FROM t WINDOW w AS (ORDER BY c ROWS 1 PRECEDING)",
        "SELECT count(*) FILTER (WHERE count(*) > 1) FROM t",
    ]

    @Test func queriesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let mismatches = try compareWithSQLite(Self.setup + Self.queries)
        for m in mismatches {
            Issue.record("\(m.0)\n loom: \(m.loom)\n sqlite: \(m.sqlite)")
        }
        #expect(mismatches.isEmpty)
    }

    /// Random window queries over a random table (integers, NULLs, duplicates, text).
    @Test func randomQueriesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        for round in 0 ..< 5 {
            var statements = ["CREATE TABLE r(a INTEGER, b, c INTEGER, p TEXT)"]
            let rows = round == 0 ? 0 : Int.random(in: 1 ... 25, using: &rng)
            for _ in 0 ..< rows {
                func v(_ range: ClosedRange<Int>) -> String {
                    if Int.random(in: 0 ... 9, using: &rng) == 0 { return "NULL" }
                    let k = Int.random(in: range, using: &rng)
                    // Round 4: REAL values (float rounding of sliding sums, RANGE offsets on reals).
                    return round == 4 ? "\(k).\(Int.random(in: 0 ... 9, using: &rng))" : String(k)
                }
                let b = Int.random(in: 0 ... 5, using: &rng) == 0 ? "'t\(Int.random(in: 0 ... 2, using: &rng))'" : v(-3 ... 6)
                let p = ["'p'", "'q'", "'r'", "NULL"].randomElement(using: &rng) ?? "NULL"
                statements.append("INSERT INTO r VALUES(\(v(0 ... 8)), \(b), \(v(-5 ... 5)), \(p))")
            }
            for _ in 0 ..< 60 { statements.append(Self.randomQuery(&rng)) }
            if let dump = ProcessInfo.processInfo.environment["LOOM_WINDOW_DUMP"] {
                try (statements.joined(separator: ";\n") + ";\n").write(toFile: dump + "\(round).sql", atomically: true, encoding: .utf8)
            }
            let mismatches = try compareWithSQLite(statements)
            for m in mismatches {
                Issue.record("seed \(rng.seed) round \(round): \(m.0)\n loom: \(m.loom)\n sqlite: \(m.sqlite)")
            }
            #expect(mismatches.isEmpty)
        }
    }

    static func randomQuery(_ rng: inout SeededRNG) -> String {
        func pick(_ xs: [String]) -> String { xs.randomElement(using: &rng) ?? xs[0] }
        let columns = ["a", "b", "c"]
        // Half the queries with several windows order every window totally (rowid last), so
        // a difference in how peers are ordered cannot hide other differences.
        let n = Int.random(in: 1 ... 3, using: &rng)
        let total = n > 1 && Bool.random(using: &rng)
        func window() -> String {
            var parts: [String] = []
            if Bool.random(using: &rng) { parts.append("PARTITION BY " + pick(["p", "a % 2", "p, c > 0"])) }
            var orderTerms = 0
            if Int.random(in: 0 ... 3, using: &rng) > 0 || total {
                orderTerms = Int.random(in: 1 ... 2, using: &rng)
                var terms = (0 ..< orderTerms).map { _ in
                    pick(columns) + pick(["", " DESC", " ASC", " NULLS LAST", " DESC NULLS FIRST"])
                }
                if total { terms.append("rowid"); orderTerms += 1 }
                parts.append("ORDER BY " + terms.joined(separator: ", "))
            }
            if Bool.random(using: &rng) {
                var unit = pick(["ROWS", "GROUPS", "RANGE"])
                let n1 = Int.random(in: 0 ... 3, using: &rng), n2 = Int.random(in: 0 ... 3, using: &rng)
                let bounds: [(String, String)] = [
                    ("UNBOUNDED PRECEDING", "CURRENT ROW"), ("\(n1) PRECEDING", "\(n2) FOLLOWING"),
                    ("CURRENT ROW", "UNBOUNDED FOLLOWING"), ("\(n1) PRECEDING", "CURRENT ROW"),
                    ("\(n1) FOLLOWING", "\(n1 + n2) FOLLOWING"), ("\(n1 + n2) PRECEDING", "\(n1) PRECEDING"),
                    ("UNBOUNDED PRECEDING", "UNBOUNDED FOLLOWING"), ("CURRENT ROW", "\(n2) FOLLOWING"),
                ]
                let (s, e) = bounds.randomElement(using: &rng) ?? bounds[0]
                if unit == "RANGE" && orderTerms != 1 && (s.hasSuffix("ING") && s.first?.isNumber == true || e.first?.isNumber == true) {
                    unit = "ROWS"
                }
                var frame = "\(unit) BETWEEN \(s) AND \(e)"
                if Bool.random(using: &rng) { frame += pick([" EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES", " EXCLUDE NO OTHERS"]) }
                parts.append(frame)
            }
            return "(" + parts.joined(separator: " ") + ")"
        }
        func function() -> String {
            let col = pick(columns)
            let f = pick([
                "row_number()", "rank()", "dense_rank()", "percent_rank()", "cume_dist()", "ntile(\(Int.random(in: 1 ... 4, using: &rng)))",
                "lag(\(col))", "lead(\(col), 2, -1)", "lag(\(col), \(Int.random(in: 0 ... 3, using: &rng)))",
                "first_value(\(col))", "last_value(\(col))", "nth_value(\(col), \(Int.random(in: 1 ... 3, using: &rng)))",
                "count(*)", "count(\(col))", "sum(\(col))", "total(\(col))", "avg(\(col))", "min(\(col))", "max(\(col))",
                "group_concat(\(col), '.')", "sum(\(col)) FILTER (WHERE c > 0)", "count(*) FILTER (WHERE p = 'q')",
            ])
            return f + " OVER " + window()
        }
        let fs = (0 ..< n).map { _ in function() }
        var q = "SELECT a, b, c, p, " + fs.joined(separator: ", ") + " FROM r"
        if Int.random(in: 0 ... 4, using: &rng) == 0 { q += " WHERE c IS NOT NULL" }
        switch Int.random(in: 0 ... 2, using: &rng) {
        case 0: q += " ORDER BY a, b, c, p, rowid"
        case 1: q += " ORDER BY " + (1 ... 4 + n).map(String.init).joined(separator: ", ")
        default: break
        }
        return q
    }
}
