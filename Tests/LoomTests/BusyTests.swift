// This file tests SQLITE_BUSY semantics: BEGIN DEFERRED/IMMEDIATE/EXCLUSIVE between two
// connections and against sqlite3 processes, in rollback-journal and WAL modes; the busy
// handler and busy timeout (on SimVFS's virtual clock); BUSY_SNAPSHOT; interrupt; shared
// in-memory databases; locking_mode=EXCLUSIVE; journal_size_limit.
// Layer: tests (L7 over L6/L1). Spec: Spec/L1-pager.md, Spec/L7-api.md.
import Foundation
import Testing
import Loom
import LoomVFS
import LoomPager
import LoomTestSupport

private func expectBusy(_ code: ResultCode = .busy, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code)")
    } catch let e as DatabaseError {
        #expect(e.code == code)
        #expect(e.message == "database is locked")
    } catch {
        Issue.record("unexpected \(error)")
    }
}

private func count(_ db: Database, _ table: String = "t") throws -> Int64 {
    guard case .integer(let n)? = try db.queryFirstRow("SELECT count(*) FROM \(table)")?.first else { return -1 }
    return n
}

private func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

@Suite struct BusyTests {
    static let modes = ["delete", "wal"]

    @Test(arguments: modes) func immediateBlocksOtherWriters(mode: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = try Database(path: dir.file("x.db"))
        try a.execute("PRAGMA journal_mode=\(mode); CREATE TABLE t(x); INSERT INTO t VALUES(1)")
        let b = try Database(path: dir.file("x.db"))
        try a.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES(2)")
        expectBusy { try b.execute("INSERT INTO t VALUES(3)") }
        expectBusy { try b.execute("BEGIN IMMEDIATE") }
        #expect(b.isAutocommit)
        // Readers go on (rollback mode: RESERVED allows SHARED; WAL: a snapshot).
        #expect(try count(b) == 1)
        try a.execute("COMMIT")
        try b.execute("INSERT INTO t VALUES(3)")
        #expect(try count(a) == 3)
    }

    @Test func exclusiveBlocksReadersInRollbackMode() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = try Database(path: dir.file("x.db"))
        try a.execute("CREATE TABLE t(x); INSERT INTO t VALUES(1)")
        let b = try Database(path: dir.file("x.db"))
        try a.execute("BEGIN EXCLUSIVE")
        expectBusy { _ = try count(b) }
        try a.execute("COMMIT")
        #expect(try count(b) == 1)
        // In WAL mode EXCLUSIVE is IMMEDIATE: readers still read.
        try a.execute("PRAGMA journal_mode=WAL")
        try a.execute("BEGIN EXCLUSIVE; INSERT INTO t VALUES(2)")
        #expect(try count(b) == 1)
        expectBusy { try b.execute("INSERT INTO t VALUES(3)") }
        try a.execute("COMMIT")
        #expect(try count(b) == 2)
    }

    /// The handler gets 0, 1, 2, …; the holder commits inside it, and the waiter goes on.
    @Test(arguments: modes) func busyHandlerRetriesUntilTheLockIsFree(mode: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = try Database(path: dir.file("x.db"))
        try a.execute("PRAGMA journal_mode=\(mode); CREATE TABLE t(x)")
        let b = try Database(path: dir.file("x.db"))
        try a.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES(1)")
        var calls: [Int] = []
        b.setBusyHandler { n in
            calls.append(n)
            if n == 2 { try? a.execute("COMMIT") }
            return true
        }
        try b.execute("INSERT INTO t VALUES(2)")
        #expect(calls == [0, 1, 2])
        #expect(try count(a) == 2)
        // A handler that gives up: busy after exactly one call.
        calls = []
        b.setBusyHandler { n in calls.append(n); return false }
        try a.execute("BEGIN IMMEDIATE")
        expectBusy { try b.execute("INSERT INTO t VALUES(3)") }
        #expect(calls == [0])
        try a.execute("ROLLBACK")
    }

    /// A connection holding a read transaction that needs to write fails at once: the
    /// handler is not called (SQLite's deadlock rule). In WAL mode, once the other writer
    /// committed, the stale snapshot gives BUSY_SNAPSHOT (517).
    @Test(arguments: modes) func readTransactionUpgradeDoesNotWait(mode: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = try Database(path: dir.file("x.db"))
        try a.execute("PRAGMA journal_mode=\(mode); CREATE TABLE t(x); INSERT INTO t VALUES(1)")
        let b = try Database(path: dir.file("x.db"))
        var called = false
        b.setBusyHandler { _ in called = true; return true }
        try b.execute("BEGIN")
        #expect(try count(b) == 1)
        try a.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES(2)")
        expectBusy { try b.execute("INSERT INTO t VALUES(3)") }
        #expect(!called)
        if mode == "wal" {
            try a.execute("COMMIT")
            expectBusy(.busySnapshot) { try b.execute("INSERT INTO t VALUES(3)") }
            #expect(try count(b) == 1)   // still the old snapshot
            try b.execute("ROLLBACK")
            try b.execute("INSERT INTO t VALUES(3)")
            #expect(try count(b) == 3)
        } else {
            // Rollback mode: the writer cannot commit while b reads; b ends, then it can.
            expectBusy { try a.execute("COMMIT") }
            #expect(!a.isAutocommit)   // still open: COMMIT may be retried
            try b.execute("ROLLBACK")
            try a.execute("COMMIT")
            #expect(try count(b) == 2)
        }
    }

    /// busy_timeout sleeps through the VFS: on SimVFS the virtual clock moves by the
    /// timeout, with SQLite's schedule (1, 2, 5, 10, … ms), and nothing really waits.
    @Test func busyTimeoutSleepsOnTheVirtualClock() throws {
        let vfs = SimVFS(seed: 7)
        let a = try Database(path: "x.db", vfs: vfs)
        try a.execute("CREATE TABLE t(x)")
        let b = try Database(path: "x.db", vfs: vfs)
        #expect(try b.queryFirstRow("PRAGMA busy_timeout = 250") == [.integer(250)])
        #expect(b.busyTimeout == 250)
        try a.execute("BEGIN IMMEDIATE")
        let before = vfs.currentTimeMilliseconds()
        expectBusy { try b.execute("INSERT INTO t VALUES(1)") }
        let waited = vfs.currentTimeMilliseconds() - before
        #expect(waited >= 250 && waited < 260)
        b.busyTimeout = 0
        #expect(try b.queryFirstRow("PRAGMA busy_timeout") == [.integer(0)])
        try a.execute("COMMIT")
    }

    @Test func busyDelaySchedule() {
        #expect((0..<13).map { Pager.busyDelay(retry: $0, timeout: 10_000) } == [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, 100])
        #expect(Pager.busyDelay(retry: 3, timeout: 10) == 2)   // 1+2+5 spent, 2 left
        #expect(Pager.busyDelay(retry: 4, timeout: 10) == 0)
    }

    // MARK: Against sqlite3 processes

    @Test(.enabled(if: Oracle.isAvailable), arguments: modes)
    func sqlite3ProcessHoldsTheWriteLock(mode: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("x.db")
        _ = try Oracle.run([path, "PRAGMA journal_mode=\(mode); CREATE TABLE t(x); INSERT INTO t VALUES(1);"])
        let other = try OracleProcess([path])
        defer { other.close() }
        try other.send("BEGIN IMMEDIATE; INSERT INTO t VALUES(2);")
        let db = try Database(path: path)
        #expect(try count(db) == 1)
        expectBusy { try db.execute("INSERT INTO t VALUES(3)") }
        db.busyTimeout = 30
        expectBusy { try db.execute("INSERT INTO t VALUES(3)") }
        try other.send("COMMIT;")
        try db.execute("INSERT INTO t VALUES(3)")
        #expect(try count(db) == 3)
        // Loom holds the lock now: sqlite3 is refused, then succeeds.
        try db.execute(mode == "wal" ? "BEGIN IMMEDIATE" : "BEGIN EXCLUSIVE")
        let refused = try other.send("INSERT INTO t VALUES(4);")
        #expect(refused.contains("database is locked"))
        if mode == "delete" {
            #expect(try other.send("SELECT count(*) FROM t;").contains("database is locked"))
        } else {
            #expect(try other.send("SELECT count(*) FROM t;") == "3\n")
        }
        try db.execute("COMMIT")
        #expect(try other.send("INSERT INTO t VALUES(4); SELECT count(*) FROM t;") == "4\n")
        try db.close()
    }

    @Test(.enabled(if: Oracle.isAvailable)) func busySnapshotAgainstSqlite3() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("x.db")
        _ = try Oracle.run([path, "PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES(1);"])
        let other = try OracleProcess([path])
        defer { other.close() }
        let db = try Database(path: path)
        db.busyTimeout = 1000
        try db.execute("BEGIN")
        #expect(try count(db) == 1)
        try other.send("INSERT INTO t VALUES(2);")
        expectBusy(.busySnapshot) { try db.execute("INSERT INTO t VALUES(3)") }
        try db.execute("ROLLBACK")
        try db.execute("INSERT INTO t VALUES(3)")
        #expect(try other.send("SELECT count(*) FROM t;") == "3\n")
        // And the other way round: sqlite3 gets SQLITE_BUSY_SNAPSHOT from a Loom commit.
        try other.send("BEGIN; SELECT count(*) FROM t;")
        try db.execute("INSERT INTO t VALUES(4)")
        #expect(try other.send("INSERT INTO t VALUES(5);").contains("database is locked"))
        try other.send("ROLLBACK;")
        try db.close()
    }

    // MARK: Interrupt

    @Test func interruptStopsARunningStatement() throws {
        let db = try Database()
        try db.execute("CREATE TABLE t(x); WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 1000) INSERT INTO t SELECT n FROM c")
        let handle = db.interruptHandle
        db.add(function: DatabaseFunction("stop_at", argumentCount: 1) { args in
            if args[0] == .integer(500) { handle.interrupt() }
            return 1
        })
        do {
            _ = try db.queryAll("SELECT sum(stop_at(x)) FROM t")
            Issue.record("not interrupted")
        } catch let e as DatabaseError {
            #expect(e.code == .interrupt)
            #expect(e.message == "interrupted")
        }
        // The next statement runs normally.
        #expect(try count(db) == 1000)
        // A write in an explicit transaction: the whole transaction is rolled back.
        try db.execute("BEGIN; INSERT INTO t VALUES(-1)")
        #expect(throws: DatabaseError.self) { try db.execute("UPDATE t SET x = x WHERE stop_at(x) = 1") }
        #expect(db.isAutocommit)
        #expect(try count(db) == 1000)
    }

    @Test func interruptFromAnotherThread() throws {
        let db = try Database()
        let handle = db.interruptHandle
        let started = DispatchSemaphore(value: 0)
        db.add(function: DatabaseFunction("started", argumentCount: 0) { _ in started.signal(); return 1 })
        let thread = Thread {
            started.wait()
            handle.interrupt()
        }
        thread.start()
        #expect(throws: DatabaseError.self) {
            _ = try db.queryAll("WITH RECURSIVE c(n) AS (SELECT started() UNION ALL SELECT n+1 FROM c) SELECT count(*) FROM c")
        }
    }

    // MARK: Shared in-memory databases

    @Test func sharedMemoryDatabaseByName() throws {
        let a = try Database(path: "file:shared1?mode=memory&cache=shared")
        let b = try Database(sharedMemoryNamed: "shared1")
        let c = try Database(path: "file:other?mode=memory&cache=shared")
        try a.execute("CREATE TABLE t(x); INSERT INTO t VALUES(1)")
        try b.execute("INSERT INTO t VALUES(2)")
        #expect(try count(a) == 2)
        #expect(throws: DatabaseError.self) { _ = try count(c) }
        try a.execute("BEGIN IMMEDIATE")
        expectBusy { try b.execute("INSERT INTO t VALUES(3)") }
        try a.execute("COMMIT")
        try a.close()
        #expect(try count(b) == 2)
        try b.close()
        // The last connection closed: the name starts empty again.
        let d = try Database(sharedMemoryNamed: "shared1")
        #expect(throws: DatabaseError.self) { _ = try count(d) }
        // A private memory URI is not shared.
        let e = try Database(path: "file:shared1?mode=memory")
        try e.execute("CREATE TABLE u(x)")
        #expect(throws: DatabaseError.self) { _ = try count(d, "u") }
    }

    // MARK: locking_mode=EXCLUSIVE

    @Test(.enabled(if: Oracle.isAvailable)) func exclusiveLockingModeKeepsLocks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("x.db")
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t(x)")
        #expect(try db.queryFirstRow("PRAGMA locking_mode = EXCLUSIVE") == [.text("exclusive")])
        #expect(try count(db) == 0)
        // SHARED is kept after the read: sqlite3 may read but not write.
        #expect(try Oracle.run([path, "SELECT count(*) FROM t;"]).stdout == "0\n")
        #expect(try Oracle.run([path, "INSERT INTO t VALUES(9);"]).stderr.contains("database is locked"))
        try db.execute("INSERT INTO t VALUES(1)")
        // EXCLUSIVE is kept after the write: sqlite3 cannot even read.
        #expect(try Oracle.run([path, "SELECT count(*) FROM t;"]).stderr.contains("database is locked"))
        #expect(try db.queryFirstRow("PRAGMA locking_mode = NORMAL") == [.text("normal")])
        #expect(try count(db) == 1)
        #expect(try Oracle.run([path, "SELECT count(*) FROM t;"]).stdout == "1\n")
        try db.close()
    }

    @Test(.enabled(if: Oracle.isAvailable)) func exclusiveLockingModeWALHasNoShm() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("x.db")
        let db = try Database(path: path)
        try db.execute("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; CREATE TABLE t(x)")
        for i in 0..<50 { try db.execute("INSERT INTO t VALUES(\(i))") }
        #expect(fileExists(path + "-wal"))
        #expect(!fileExists(path + "-shm"))
        #expect(try count(db) == 50)
        #expect(try Oracle.run([path, "SELECT count(*) FROM t;"]).stderr.contains("database is locked"))
        try db.close()
        #expect(!fileExists(path + "-wal"))
        #expect(try Oracle.run([path, "PRAGMA journal_mode; SELECT count(*) FROM t;"]).stdout == "wal\n50\n")
    }

    // MARK: journal_size_limit

    /// PERSIST keeps the journal; journal_size_limit cuts it after each commit, exactly as
    /// sqlite3 does.
    @Test(.enabled(if: Oracle.isAvailable)) func journalSizeLimitInPersistMode() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        func journalSize(_ p: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: p + "-journal"))?[.size] as? Int) ?? -1
        }
        let script = """
            PRAGMA journal_mode=PERSIST; CREATE TABLE t(x);
            WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 400) INSERT INTO t SELECT randomblob(300) FROM c;
            UPDATE t SET x = randomblob(300);
            """
        var sizes: [Int] = []
        for limit in [-1, 0, 20000] {
            let p = dir.file("loom\(limit).db"), q = dir.file("sqlite\(limit).db")
            let db = try Database(path: p)
            try db.execute("PRAGMA journal_size_limit=\(limit);" + script)
            try db.close()
            _ = try Oracle.run([q], input: "PRAGMA journal_size_limit=\(limit);" + script)
            #expect(journalSize(p) == journalSize(q), "limit \(limit)")
            sizes.append(journalSize(p))
        }
        #expect(sizes[0] > 20000 && sizes[1] == 0 && sizes[2] == 20000, "\(sizes)")
    }
}
