// This file tests the connection's counters (Database.statistics): statements by kind with
// their duration histogram, page cache hits and misses, pages read and written, WAL frames,
// checkpoints and busy waits. Layer: L7 tests. Spec: Spec/L7-api.md §Statistics.
import Testing
import Loom
import LoomTestSupport

@Suite struct StatisticsTests {
    @Test func statementsByKind() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
        _ = try Int.fetchAll(db, sql: "SELECT a FROM t")
        try db.execute(sql: "BEGIN; UPDATE t SET a = 3; COMMIT; PRAGMA user_version")
        let s = db.statistics
        #expect(s.statements[.ddl]?.count == 1)
        #expect(s.statements[.dml]?.count == 3)
        #expect(s.statements[.select]?.count == 1)
        #expect(s.statements[.transaction]?.count == 2)
        #expect(s.statements[.other]?.count == 1)
        for (_, t) in s.statements {
            #expect(t.histogram.reduce(0, +) == t.count)
            #expect(t.histogram.count == StatementTimings.bucketLimits.count + 1)
        }
    }

    @Test func pageCounts() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("s.db")
        do {
            let db = try Database(path: path)
            try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (zeroblob(10000))")
            let s = db.statistics
            #expect(s.pagesWritten >= 4)        // schema, table root, overflow pages
            #expect(s.walFramesWritten == 0)
            try db.close()
        }
        let db = try Database(path: path)
        _ = try db.queryAll("SELECT length(a) FROM t")
        let first = db.statistics
        #expect(first.cacheMisses >= 3)
        #expect(first.pagesRead == first.cacheMisses)
        _ = try db.queryAll("SELECT length(a) FROM t")
        let second = db.statistics
        #expect(second.cacheHits > first.cacheHits)
        #expect(second.pagesWritten == 0)
    }

    @Test func walFramesAndCheckpoints() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let db = try Database(path: dir.file("w.db"))
        _ = try db.queryAll("PRAGMA journal_mode=WAL")
        try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (1)")
        let before = db.statistics
        #expect(before.walFramesWritten >= 2)
        _ = try db.queryAll("PRAGMA wal_checkpoint(TRUNCATE)")
        let after = db.statistics
        #expect(after.checkpoints == before.checkpoints + 1)
        #expect(after.checkpointDuration >= before.checkpointDuration)
        try db.close()
    }

    @Test func busyWaitsAreCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("b.db")
        let a = try Database(path: path)
        let b = try Database(path: path)
        try a.execute(sql: "CREATE TABLE t(x)")
        try a.execute(sql: "BEGIN IMMEDIATE")
        var asked = 0
        b.setBusyHandler { retries in asked += 1; return retries < 2 }
        #expect(throws: DatabaseError.self) { try b.execute(sql: "INSERT INTO t VALUES (1)") }
        #expect(b.statistics.busyWaits == 2)
        #expect(asked == 3)
        try a.execute(sql: "ROLLBACK")
    }

    @Test func queueStatistics() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(a)") }
        _ = try queue.read { db in try Int.fetchAll(db, sql: "SELECT a FROM t") }
        #expect(try queue.statistics().statements[.select]?.count == 1)
    }

    /// A pool sums its writer's and readers' counters; a connection in use counts as of its
    /// last release, so statistics() can be read from inside a read without racing it.
    @Test func poolStatistics() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pool = try DatabasePool(path: dir.file("p.db"), maximumReaderCount: 3)
        defer { try? pool.close() }
        try pool.write { db in try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES (1), (2)") }
        let before = pool.statistics()
        #expect(before.statements[.ddl]?.count == 1)
        #expect(before.statements[.dml]?.count == 1)
        #expect(before.walFramesWritten > 0)
        for _ in 0..<4 { _ = try pool.read { db in try Int.fetchAll(db, sql: "SELECT a FROM t") } }
        // Nested reads take a second reader connection; both are summed.
        let inside = try pool.read { outer in
            _ = try Int.fetchAll(outer, sql: "SELECT a FROM t")
            _ = try pool.read { inner in try Int.fetchAll(inner, sql: "SELECT count(*) FROM t") }
            return pool.statistics()
        }
        // A read pins its snapshot without running statements of its own (no probe SELECT
        // is counted). The outer read's SELECT is not counted yet (its connection is
        // in use): 4 reads + the inner one.
        #expect(inside.statements[.select]?.count == 5)
        let after = pool.statistics()
        #expect(after.statements[.select]?.count == 6)
        #expect(after.statements[.dml]?.count == 1)
        #expect(after.cacheHits + after.cacheMisses > before.cacheHits + before.cacheMisses)
    }
}
