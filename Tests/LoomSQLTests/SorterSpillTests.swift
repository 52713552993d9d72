// This file tests the memory-bounded paths of L4 end to end: sorts that spill runs to a
// temporary file and merge them, recursive CTEs read as co-routines, and the statement
// undo log's runs of new rowids. Layer: L5 tests (through L4). Spec: Spec/L4-vdbe.md
// (Sorter spill, statement undo log).
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct SorterSpillTests {
    /// 8k rows of ~50 bytes each in the sorter: more than the 256 KiB minimum sort budget, so every sort below
    /// spills at least one run.
    static let setup = """
        CREATE TABLE t(a INTEGER, b TEXT);
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 8000)
        INSERT INTO t SELECT (x * 7919) % 1000, printf('value-%08d-padding', x) FROM c;
        """
    static let queries = """
        SELECT a, count(*), min(b), max(b) FROM t GROUP BY a ORDER BY a LIMIT 4;
        SELECT a, b FROM t ORDER BY a DESC, b LIMIT 3;
        SELECT b FROM t ORDER BY a, b LIMIT 2 OFFSET 4000;
        SELECT count(*), sum(length(b)) FROM (SELECT b FROM t ORDER BY b);
        SELECT a, b FROM t ORDER BY a LIMIT 3;
        """

    /// The same results with spilling (cache_size 1: the 256 KiB floor) and without
    /// (temp_store = MEMORY), and ties of an ORDER BY on `a` alone keep insertion order.
    @Test func spilledSortsMatchInMemorySorts() throws {
        let spilled = try MiniSession()
        spilled.pager.setCacheSize(1)
        _ = spilled.run(Self.setup)
        let inMemory = try MiniSession()
        inMemory.context.pragmaSettings["temp_store"] = 2
        _ = inMemory.run(Self.setup)
        let a = spilled.run(Self.queries), b = inMemory.run(Self.queries)
        #expect(a == b)
        #expect(a.allSatisfy { $0.error == nil && !$0.rows.isEmpty })
        // a = 0 holds x = 1000, 2000, … in insertion order.
        #expect(a.last?.rows == ["0|value-00001000-padding", "0|value-00002000-padding", "0|value-00003000-padding"])
        #expect(a[3].rows == ["8000|176000"])
    }

    @Test func spilledSortsMatchSqlite3() throws {
        guard Oracle.isAvailable else { return }
        let session = try MiniSession()
        session.pager.setCacheSize(1)
        _ = session.run(Self.setup)
        let ours = session.run(Self.queries)
        let statements = (Self.setup + Self.queries).split(separator: ";").map(String.init)
            .filter { !$0.allSatisfy(\.isWhitespace) }
        let theirs = try EndToEndOracle.run(statements)
        #expect(ours == Array(theirs.suffix(ours.count)))
    }

    /// Records larger than the merge's 64 KiB read buffer and the spill's staging buffer
    /// (a reader grows its buffer; a record is staged in pieces), mixed with small ones.
    @Test func spilledSortsOfLargeRecordsMatchInMemorySorts() throws {
        let setup = """
            CREATE TABLE big(a INTEGER, b BLOB);
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60)
            INSERT INTO big SELECT (x * 37) % 11, CASE WHEN x % 3 = 0 THEN zeroblob(70000 + x) ELSE x'0102' END FROM c;
            """
        let queries = """
            SELECT a, length(b), count(*) FROM big GROUP BY a, length(b) ORDER BY a, 2 LIMIT 12;
            SELECT a, length(b) FROM big ORDER BY a DESC, length(b) LIMIT 8;
            SELECT sum(length(b)) FROM (SELECT b FROM big ORDER BY a);
            """
        let spilled = try MiniSession()
        spilled.pager.setCacheSize(1)
        _ = spilled.run(setup)
        let inMemory = try MiniSession()
        inMemory.context.pragmaSettings["temp_store"] = 2
        _ = inMemory.run(setup)
        let a = spilled.run(queries), b = inMemory.run(queries)
        #expect(a == b)
        #expect(a.allSatisfy { $0.error == nil && !$0.rows.isEmpty })
        // 20 blobs of 70000 + x bytes (x = 3, 6, …, 60) and 40 of 2 bytes.
        #expect(a.last?.rows == ["1400710"])
    }

    /// A recursive CTE as the outer loop streams its rows; inner references still work.
    @Test func recursiveCTEAsCoroutine() throws {
        let session = try MiniSession()
        let out = session.run("""
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4) SELECT x, x * x FROM c;
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT a.x, b.x FROM c a, c b WHERE a.x = b.x;
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3 OFFSET 1) SELECT sum(x) FROM c;
            """)
        #expect(out.map(\.rows) == [["1|1", "2|4", "3|9", "4|16"], ["1|1", "2|2", "3|3"], ["9"]])
    }

    /// Ephemeral rowid tables start as an in-memory array and move to a B-tree past 4096 rows
    /// (Spec/L4-vdbe.md, cursor kinds): a breadth-first CTE whose queue grows to 8192 rows,
    /// a materialised CTE read twice, and a queue that empties and refills one row at a time.
    @Test func ephemeralTablesSpillToBTrees() throws {
        let session = try MiniSession()
        let sql = """
            WITH RECURSIVE t(x, d) AS (SELECT 1, 0 UNION ALL SELECT x * 2 + b, d + 1 FROM t, (SELECT 0 AS b UNION ALL SELECT 1) WHERE d < 13) SELECT count(*), sum(x), max(x) FROM t;
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 9000) SELECT count(*), sum(a.x) FROM c a WHERE a.x IN (SELECT x * 3 FROM c);
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT count(*), sum(x) FROM c;
            WITH RECURSIVE t(x, d) AS (SELECT 1, 0 UNION SELECT x * 2 + b, d + 1 FROM t, (SELECT 0 AS b UNION ALL SELECT 1) WHERE d < 12) SELECT count(*), sum(x) FROM t;
            """
        let out = session.run(sql)
        #expect(out.map(\.rows) == [["16383|134209536|16383"], ["3000|13504500"], ["20000|200010000"], ["8191|33550336"]])
        if Oracle.isAvailable {
            let statements = sql.split(separator: "\n").map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
            #expect(out == (try EndToEndOracle.run(statements)))
        }
    }

    /// Inside BEGIN, an INSERT … SELECT that fails after appending rows backs all of them
    /// out (they were logged as one run) and keeps the transaction's earlier rows.
    @Test func abortedAppendRunIsUndone() throws {
        let session = try MiniSession()
        let out = session.run("""
            CREATE TABLE m(id INTEGER PRIMARY KEY, v);
            BEGIN;
            INSERT INTO m VALUES (5000, 'keep');
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000) INSERT INTO m SELECT x, x FROM c;
            SELECT count(*), min(id), max(id) FROM m;
            COMMIT;
            SELECT count(*), group_concat(v) FROM m;
            """)
        #expect(out[3].error == "UNIQUE constraint failed: m.id")
        #expect(out[4].rows == ["1|5000|5000"])
        #expect(out[6].rows == ["1|keep"])
    }
}
