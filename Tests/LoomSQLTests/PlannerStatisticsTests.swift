// This file tests the planner's use of sqlite_stat1 and its cost model: plans before and
// after ANALYZE (and after stat1 rows written by hand, reloaded by ANALYZE sqlite_schema)
// must read like sqlite3's, and ORDER BY … LIMIT through the top-N sorter must return
// sqlite3's rows. Layer: L5 tests. Spec: Spec/L5-sql.md §Planner (P1, P3, P9).
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct PlannerStatisticsTests {
    static let setup = [
        "CREATE TABLE big(x, y)",
        "CREATE TABLE small(x, y)",
        "CREATE INDEX bx ON big(x)",
        "CREATE INDEX sx ON small(x)",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<2000) INSERT INTO big SELECT i%100, i FROM c",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<5) INSERT INTO small SELECT i, i FROM c",
        "CREATE TABLE t(a, b, c)",
        "CREATE INDEX ta ON t(a)",
        "CREATE INDEX tb ON t(b)",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<1000) INSERT INTO t SELECT i%2, i, i FROM c",
        "CREATE TABLE s(a, b)",
        "CREATE INDEX sa ON s(a)",
        "CREATE INDEX sb ON s(b)",
        "CREATE TABLE w(a, b, c, d)",
        "CREATE INDEX wab ON w(a, b)",
        "CREATE INDEX wac ON w(a, c)",
    ]

    static let queries = [
        "SELECT * FROM big, small WHERE big.x = small.x",
        "SELECT * FROM small, big WHERE big.x = small.x",
        "SELECT * FROM t WHERE a = 1 AND b = 5",
        "SELECT * FROM t WHERE b = 1 AND a = 5",
        "SELECT * FROM t WHERE a = 1",
        "SELECT * FROM t WHERE a = 1 AND b > 5",
        "SELECT * FROM s WHERE a = 1",
        "SELECT * FROM s WHERE b = 1",
        "SELECT * FROM s WHERE a > 1",
        "SELECT * FROM s WHERE a = 1 AND b = 1",
        "SELECT a FROM s WHERE a = 1",
        "SELECT * FROM w WHERE a = 1 AND b = 2 AND c > 5",
        "SELECT * FROM w WHERE a = 1 AND c > 5",
    ]

    /// Runs `steps` (SQL, or nil for "compare the plans now") through sqlite3 and Loom.
    func comparePlans(_ extra: [String]) throws {
        try PlannerTests.expectSamePlans(setup: Self.setup + extra, queries: Self.queries,
                                         note: "\(extra.last ?? "no stats"): ")
    }

    @Test func plansWithoutStatistics() throws { try comparePlans([]) }

    @Test func plansAfterAnalyze() throws { try comparePlans(["ANALYZE"]) }

    @Test func plansAfterHandWrittenStatistics() throws {
        try comparePlans([
            "ANALYZE",
            "DELETE FROM sqlite_stat1 WHERE tbl = 's'",
            "INSERT INTO sqlite_stat1 VALUES('s', 'sa', '1000 900'), ('s', 'sb', '1000 400')",
            "ANALYZE sqlite_schema",
        ])
    }

    @Test func statisticsLoadWithTheSchema() throws {
        let session = try MiniSession()
        for s in Self.setup { _ = session.run(s) }
        #expect(session.schema.indexStatistics.isEmpty)
        _ = session.run("ANALYZE")
        #expect(session.schema.indexStatistics["ta"] == [1000, 500])
        #expect(session.schema.indexStatistics["sx"] == [5, 1])
        #expect(session.schema.tableRowEstimates["big"] == 2000)
        _ = session.run("DROP INDEX ta")
        #expect(session.schema.indexStatistics["ta"] == nil)
    }

    @Test func minMaxAndGroupByIndexMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var statements = [
            "CREATE TABLE z(a INTEGER PRIMARY KEY, b, c TEXT, d)",
            "CREATE INDEX zb ON z(b)",
            "CREATE INDEX zcd ON z(c, d DESC)",
            "SELECT min(b), max(b), min(a), max(a) FROM z",
            "SELECT min(b) FROM z", "SELECT max(b) FROM z", "SELECT min(d) FROM z WHERE c = 'k1'",
            "SELECT b, count(*) FROM z GROUP BY b",
        ]
        statements.append("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<200) "
            + "INSERT INTO z SELECT NULL, CASE WHEN i%7=0 THEN NULL ELSE (i*37)%50 END, 'k'||(i%5), "
            + "CASE WHEN i%3=0 THEN NULL WHEN i%4=0 THEN 'x'||i ELSE i%9 END FROM n")
        for q in ["SELECT min(b) FROM z", "SELECT max(b) FROM z", "SELECT min(a) FROM z", "SELECT max(a) FROM z",
                  "SELECT min(b), a FROM z", "SELECT max(b), a, c FROM z", "SELECT max(b) + 1 FROM z WHERE b < 20",
                  "SELECT min(b) FROM z WHERE b > 7", "SELECT min(d) FROM z WHERE c = 'k1'",
                  "SELECT max(d) FROM z WHERE c = 'k2'", "SELECT min(d), rowid FROM z WHERE c = 'k3'",
                  "SELECT min(b) FROM z WHERE b IS NULL", "SELECT max(b) FROM z WHERE a > 500",
                  "SELECT min(c COLLATE nocase) FROM z",
                  "SELECT b, count(*), group_concat(a) FROM z GROUP BY b",
                  "SELECT b, count(*) FROM z GROUP BY b HAVING count(*) > 4 ORDER BY 2 DESC, 1 LIMIT 5",
                  "SELECT c, max(d), a FROM z GROUP BY c", "SELECT c, min(d), count(*) FROM z WHERE d IS NOT NULL GROUP BY c",
                  "SELECT b, sum(a) FROM z WHERE b > 10 GROUP BY b", "SELECT DISTINCT b FROM z",
                  "SELECT (SELECT max(b) FROM z AS q WHERE q.b < z.b) FROM z WHERE a < 10"] {
            statements.append(q)
        }
        let expected = try EndToEndOracle.run(statements)
        let session = try MiniSession()
        for (i, s) in statements.enumerated() {
            let got = session.run(s).first ?? StatementOutcome()
            #expect(got.rows == expected[i].rows && got.error == expected[i].error, "\(s)")
        }
    }

    @Test func orderByLimitMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        let statements = [
            "CREATE TABLE z(a INTEGER, b, c TEXT)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300) "
                + "INSERT INTO z SELECT (i*7919)%101, CASE WHEN i%13=0 THEN NULL ELSE i%17 END, 'v'||(i%23) FROM n",
            "SELECT a, b, c FROM z ORDER BY a LIMIT 10",
            "SELECT a, b, c FROM z ORDER BY b DESC, c LIMIT 7 OFFSET 3",
            "SELECT a, b FROM z ORDER BY b NULLS LAST, a DESC LIMIT 12",
            "SELECT a, b, c FROM z WHERE c LIKE '%1%' ORDER BY c, b LIMIT 5",
            "SELECT a FROM z ORDER BY a LIMIT -1 OFFSET 295",
            "SELECT a FROM z ORDER BY a LIMIT 0",
            "SELECT a, b FROM z ORDER BY b LIMIT 4 OFFSET -2",
            "SELECT b, count(*) FROM z GROUP BY b ORDER BY 2 DESC, b LIMIT 3",
            "SELECT a FROM z UNION SELECT b FROM z ORDER BY 1 DESC LIMIT 4",
            "SELECT (SELECT c FROM z AS q WHERE q.b = z.b ORDER BY a DESC LIMIT 1) FROM z WHERE a < 5 ORDER BY a, rowid",
        ]
        let expected = try EndToEndOracle.run(statements)
        let session = try MiniSession()
        for (i, s) in statements.enumerated() {
            let got = session.run(s).first ?? StatementOutcome()
            #expect(got.rows == expected[i].rows && got.error == expected[i].error, "\(s)")
        }
    }
}
