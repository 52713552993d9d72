// This file tests joins end to end against sqlite3: RIGHT and FULL OUTER JOIN (ON, USING,
// NATURAL, mixed with LEFT and inner joins, WHERE terms, aggregates, subqueries, views,
// EXPLAIN QUERY PLAN) by hand-written queries and seeded random joins over small tables with
// NULLs. Layer: L5 tests. Spec: Spec/L5-sql.md §Planner (P9).
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct JoinTests {
    static let setup = [
        "CREATE TABLE a(x, y)",
        "CREATE TABLE b(x, z)",
        "CREATE TABLE c(x, w)",
        "CREATE TABLE e(x, v)",
        "CREATE TABLE k(x INT PRIMARY KEY, u) WITHOUT ROWID",
        "CREATE INDEX bx ON b(x)",
        "INSERT INTO a VALUES(1,'a1'),(2,'a2'),(NULL,'an'),(4,'a4'),(2,'a2b')",
        "INSERT INTO b VALUES(2,'b2'),(3,'b3'),(NULL,'bn'),(4,'b4'),(6,'b6')",
        "INSERT INTO c VALUES(2,'c2'),(3,'c3'),(5,'c5'),(NULL,'cn')",
        "INSERT INTO k VALUES(1,'k1'),(3,'k3'),(7,'k7')",
        "CREATE VIEW vf AS SELECT a.y, b.z, coalesce(a.x, b.x) AS x FROM a FULL JOIN b ON a.x = b.x",
    ]

    /// Queries whose rows (and their order) must equal sqlite3's.
    static let queries = [
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x",
        "SELECT * FROM a RIGHT OUTER JOIN b ON a.x = b.x",
        "SELECT * FROM a FULL JOIN b ON a.x = b.x",
        "SELECT * FROM a FULL OUTER JOIN b ON a.x = b.x AND b.z > 'b2'",
        "SELECT * FROM a RIGHT JOIN b USING(x)",
        "SELECT x, a.x, b.x FROM a FULL JOIN b USING(x)",
        "SELECT * FROM a NATURAL FULL JOIN b",
        "SELECT * FROM a NATURAL RIGHT JOIN c",
        "SELECT *, x FROM a FULL JOIN b USING(x) FULL JOIN c USING(x)",
        "SELECT * FROM a FULL JOIN b USING(x) JOIN c USING(x)",
        "SELECT * FROM a FULL JOIN b USING(x) LEFT JOIN c USING(x)",
        // WHERE terms are not pushed below the RIGHT JOIN.
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x WHERE a.y IS NULL",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x WHERE a.x > 1",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x WHERE b.z > 'b2'",
        "SELECT * FROM a FULL JOIN b ON a.x = b.x WHERE a.x = 2 OR b.x = 3",
        "SELECT * FROM a FULL JOIN b ON a.x = b.x WHERE a.x IS NULL OR b.x IS NULL",
        "SELECT * FROM a RIGHT JOIN b ON 1",
        "SELECT * FROM a FULL JOIN b ON 0",
        "SELECT * FROM a RIGHT JOIN b ON a.y = 'a1'",
        // Many tables.
        "SELECT * FROM a FULL JOIN b ON a.x = b.x FULL JOIN c ON c.x = b.x",
        "SELECT * FROM a LEFT JOIN b ON a.x = b.x RIGHT JOIN c ON c.x = a.x",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x JOIN c ON c.x = b.x",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x LEFT JOIN c ON c.x = a.x",
        "SELECT * FROM a JOIN c ON a.x = c.x RIGHT JOIN b ON b.x = a.x",
        "SELECT * FROM a, c RIGHT JOIN b ON b.x = c.x WHERE a.x = 1 OR a.x IS NULL",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x RIGHT JOIN c ON c.x = b.x",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x JOIN c ON c.x = a.x",
        "SELECT * FROM a RIGHT JOIN b ON a.x = b.x CROSS JOIN k",
        "SELECT * FROM a FULL JOIN k ON a.x = k.x",
        "SELECT * FROM k RIGHT JOIN a ON a.x = k.x FULL JOIN b ON b.x = k.x",
        "SELECT * FROM a FULL JOIN (SELECT x, z FROM b WHERE x > 2) AS s ON s.x = a.x",
        "SELECT * FROM (SELECT x FROM a WHERE x > 1) AS s RIGHT JOIN c ON c.x = s.x",
        // Aggregates, GROUP BY, DISTINCT, ORDER BY, LIMIT.
        "SELECT count(*), sum(a.x), count(b.x), group_concat(z) FROM a FULL JOIN b ON a.x = b.x",
        "SELECT b.z, count(a.x) FROM a RIGHT JOIN b ON a.x = b.x GROUP BY b.z",
        "SELECT DISTINCT a.x IS NULL, b.x IS NULL FROM a FULL JOIN b ON a.x = b.x",
        "SELECT * FROM a FULL JOIN b ON a.x = b.x ORDER BY 1, 2, 3, 4",
        "SELECT * FROM a FULL JOIN b ON a.x = b.x ORDER BY b.z DESC LIMIT 3",
        "SELECT a.y, b.z FROM a FULL JOIN b ON a.x = b.x LIMIT 2 OFFSET 4",
        // Subqueries and views.
        "SELECT c.x, (SELECT count(*) FROM a RIGHT JOIN b ON a.x = b.x WHERE b.x = c.x) FROM c",
        "SELECT * FROM c WHERE x IN (SELECT b.x FROM a RIGHT JOIN b ON a.x = b.x WHERE a.x IS NULL)",
        "SELECT * FROM c WHERE EXISTS (SELECT 1 FROM a FULL JOIN b ON a.x = b.x WHERE coalesce(a.x, b.x) = c.x)",
        "SELECT * FROM vf",
        "SELECT * FROM vf WHERE y IS NULL",
        "SELECT * FROM vf RIGHT JOIN c USING(x)",
        "WITH q AS (SELECT * FROM a RIGHT JOIN b USING(x)) SELECT count(*) FROM q",
        // Errors.
        "SELECT * FROM a NATURAL RIGHT JOIN b ON a.x = b.x",
        "SELECT * FROM a RIGHT JOIN b USING(q)",
        "SELECT * FROM a, c RIGHT JOIN b USING(x)",
        "SELECT * FROM a RIGHT JOIN b ON 1 NATURAL JOIN c",
        "SELECT * FROM a JOIN b USING(x) RIGHT JOIN c USING(x)",
    ]

    @Test func handWrittenJoinsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        try expectMatchesSQLite(Self.setup + Self.queries, label: "join")
    }

    @Test func queryPlansMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let plans = [
            "SELECT * FROM a RIGHT JOIN b ON a.x = b.x",
            "SELECT * FROM a FULL JOIN b ON a.x = b.x",
            "SELECT * FROM a RIGHT JOIN b USING(x) RIGHT JOIN c USING(x)",
            "SELECT * FROM a FULL JOIN b ON a.x = b.x ORDER BY 1",
            "SELECT * FROM a JOIN c ON a.x = c.x RIGHT JOIN b ON b.x = a.x LEFT JOIN c AS c2 ON c2.x = b.x",
            "SELECT * FROM a RIGHT JOIN c ON a.x = c.x",
            "SELECT * FROM a FULL JOIN k ON a.x = k.x",
            "SELECT count(*) FROM a RIGHT JOIN b ON a.x = b.x",
            "SELECT b.x FROM a FULL JOIN b USING(x)",
        ]
        try PlannerTests.expectSamePlans(setup: Self.setup, queries: plans)
    }

    /// Writes through a view whose query has a RIGHT JOIN, and UPDATE … FROM it.
    @Test func rightJoinInDataChanges() throws {
        guard Oracle.isAvailable else { return }
        try expectMatchesSQLite(Self.setup + [
            "CREATE TABLE log(x, y, z)",
            "INSERT INTO log SELECT a.x, a.y, b.z FROM a FULL JOIN b ON a.x = b.x",
            "SELECT * FROM log",
            "DELETE FROM log WHERE z IN (SELECT b.z FROM a RIGHT JOIN b ON a.x = b.x WHERE a.x IS NULL)",
            "SELECT * FROM log",
            "CREATE TABLE t(x, q)",
            "INSERT INTO t VALUES(1, 0), (2, 0), (3, 0), (6, 0)",
            "UPDATE t SET q = coalesce(a.y, '') || coalesce(b.z, '') FROM a RIGHT JOIN b ON a.x = b.x WHERE t.x = b.x",
            "SELECT * FROM t",
            "UPDATE t SET q = c.w FROM a FULL JOIN c USING(x) WHERE t.x = x",
            "SELECT * FROM t",
        ], label: "dml")
    }

    /// Random joins (2-4 items of RIGHT, FULL, LEFT, inner, comma and CROSS joins with ON,
    /// USING or NATURAL) over small tables with NULLs, with WHERE terms, aggregates and
    /// subqueries; rows compared as multisets unless the query orders them.
    @Test func randomJoinsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        let rounds = Int(ProcessInfo.processInfo.environment["LOOM_JOIN_ROUNDS"] ?? "") ?? 5
        for round in 0 ..< rounds {
            var statements = [
                "CREATE TABLE t1(a INTEGER, b)",
                "CREATE TABLE t2(a, b TEXT)",
                "CREATE TABLE t3(a INT, b INT)",
                "CREATE INDEX t3a ON t3(a)",
                "CREATE TABLE t4(a INT PRIMARY KEY, b) WITHOUT ROWID",
                "CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE b IS NOT NULL",
            ]
            for table in ["t1", "t2", "t3", "t4"] {
                let rows = round == 0 ? 0 : Int.random(in: 0 ... 6, using: &rng)
                var used = Set<Int>()
                for _ in 0 ..< rows {
                    func v() -> String {
                        Int.random(in: 0 ... 4, using: &rng) == 0 ? "NULL" : String(Int.random(in: 0 ... 4, using: &rng))
                    }
                    var a = v()
                    if table == "t4" {
                        let key = Int.random(in: 0 ... 6, using: &rng)
                        if used.contains(key) { continue }
                        used.insert(key)
                        a = String(key)
                    }
                    statements.append("INSERT INTO \(table) VALUES(\(a), \(v()))")
                }
            }
            let setupCount = statements.count
            for _ in 0 ..< 80 { statements.append(Self.randomJoinQuery(&rng)) }
            if let dump = ProcessInfo.processInfo.environment["LOOM_JOIN_DUMP"] {
                try (statements.joined(separator: ";\n") + ";\n").write(toFile: dump + "\(round).sql", atomically: true, encoding: .utf8)
            }
            let expected = try EndToEndOracle.run(statements)
            let session = try MiniSession()
            var failures = 0
            for (i, s) in statements.enumerated() {
                var got = session.run(s).first ?? StatementOutcome()
                var want = expected[i]
                if i >= setupCount && !s.contains("ORDER BY") {
                    got.rows.sort()
                    want.rows.sort()
                }
                if got != want {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("seed \(rng.seed) round \(round): \(s)\n loom: \(got)\n sqlite: \(want)")
                    }
                }
            }
            #expect(failures == 0, "seed \(rng.seed) round \(round): \(failures) mismatches")
        }
    }

    static func randomJoinQuery(_ rng: inout SeededRNG) -> String {
        func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0 ..< xs.count, using: &rng)] }
        let n = Int.random(in: 2 ... 4, using: &rng)
        let items = ["t1", "t2", "t3", "t4", "v1", "(SELECT a, b FROM t2 WHERE a IS NOT NULL)"]
        var from = "\(pick(items)) AS x1"
        var usingJoin = false
        for i in 2 ... n {
            let op = pick(["JOIN", "LEFT JOIN", "RIGHT JOIN", "RIGHT JOIN", "FULL JOIN", "FULL JOIN", ",", "CROSS JOIN"])
            let item = "\(pick(items)) AS x\(i)"
            if op == "," || op == "CROSS JOIN" {
                from += " \(op) \(item)"
                continue
            }
            let j = Int.random(in: 1 ..< i, using: &rng)
            switch Int.random(in: 0 ... 9, using: &rng) {
            case 0 where n == 2:
                from += " NATURAL \(op) \(item)"
                usingJoin = true
            case 1:
                from += " \(op) \(item) USING(a)"
                usingJoin = true
            default:
                let on = pick([
                    "x\(j).a = x\(i).a", "x\(j).b = x\(i).a", "x\(j).a = x\(i).a AND x\(i).b > 1",
                    "x\(j).a = x\(i).b OR x\(i).a IS NULL", "x\(i).b IS NULL", "x\(j).a < x\(i).a",
                    "x\(i).a = 2", "coalesce(x\(j).b, 0) = x\(i).b",
                ])
                from += " \(op) \(item) ON \(on)"
            }
        }
        func column() -> String { "x\(Int.random(in: 1 ... n, using: &rng)).\(pick(["a", "b"]))" }
        var whereTerms: [String] = []
        for _ in 0 ..< Int.random(in: 0 ... 2, using: &rng) {
            whereTerms.append(pick([
                "\(column()) > 1", "\(column()) IS NULL", "\(column()) IS NOT NULL", "\(column()) = \(column())",
                "coalesce(\(column()), \(column()), -1) = 2", "\(column()) IN (1, 3)",
                "(\(column()) IS NULL OR \(column()) < 3)", "\(column()) = (SELECT max(a) FROM t3)",
            ]))
        }
        let whereClause = whereTerms.isEmpty ? "" : " WHERE " + whereTerms.joined(separator: " AND ")
        switch Int.random(in: 0 ... 9, using: &rng) {
        case 0, 1, 2:
            return "SELECT * FROM \(from)\(whereClause)"
        case 3:
            return "SELECT count(*), count(\(column())), sum(\(column())) FROM \(from)\(whereClause)"
        case 4:
            let g = column()
            return "SELECT \(g), count(*), max(\(column())) FROM \(from)\(whereClause) GROUP BY \(g)"
        case 5:
            return "SELECT DISTINCT \(column()), \(column()) FROM \(from)\(whereClause)"
        case 6:
            return "SELECT o.a, (SELECT count(*) FROM \(from) WHERE x1.a = o.a\(whereTerms.isEmpty ? "" : " AND " + whereTerms.joined(separator: " AND "))) FROM t1 AS o"
        case 7 where usingJoin:
            return "SELECT a, * FROM \(from)\(whereClause)"
        default:
            let cols = (1 ... n).flatMap { ["x\($0).a", "x\($0).b"] }
            return "SELECT \(cols.joined(separator: ", ")) FROM \(from)\(whereClause) ORDER BY \(cols.indices.map { String($0 + 1) }.joined(separator: ", "))"
        }
    }
}
