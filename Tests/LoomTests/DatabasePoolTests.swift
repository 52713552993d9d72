// This file tests DatabasePool: readers on real threads concurrent with the writer never see
// part of a transaction, read closures keep one snapshot, writes inside reads fail with
// `readonly`, a failed write rolls back, busy timeouts end in `busy`, async variants, and the
// background checkpointer reports failures.
// Layer: tests (L7). Spec: Spec/L7-api.md §DatabasePool.
import Foundation
import Testing
import Loom
import LoomTestSupport
import Synchronization

private func int(_ db: Database, _ sql: String) throws -> Int {
    try Int.fetchOne(db, sql: sql) ?? -1
}

@Suite struct DatabasePoolTests {
    /// Transfers between accounts keep the total at 1000; rows are inserted in pairs. Four
    /// reader threads check both invariants on every snapshot while the writer runs.
    @Test func concurrentReadersNeverSeePartialTransactions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pool = try DatabasePool(path: dir.file("pool.db"), maximumReaderCount: 4)
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER)")
            try db.execute(sql: "CREATE TABLE pair(id INTEGER PRIMARY KEY, k INTEGER)")
            for i in 0..<10 { try db.execute(sql: "INSERT INTO account VALUES (?, 100)", arguments: [i]) }
        }
        let failures = Mutex<[String]>([])
        let writesDone = Atomic<Bool>(false)
        let snapshotsSeen = Atomic<Int>(0)
        let writer = Thread {
            var rng = SeededRNG(seed: 1)
            for step in 0..<150 {
                do {
                    try pool.write { db in
                        let from = Int(rng.next() % 10), to = Int(rng.next() % 10), amount = Int(rng.next() % 50)
                        try db.execute(sql: "UPDATE account SET balance = balance - ? WHERE id = ?", arguments: [amount, from])
                        try db.execute(sql: "INSERT INTO pair(k) VALUES (?)", arguments: [step])
                        try db.execute(sql: "UPDATE account SET balance = balance + ? WHERE id = ?", arguments: [amount, to])
                        try db.execute(sql: "INSERT INTO pair(k) VALUES (?)", arguments: [step])
                    }
                } catch {
                    failures.withLock { $0.append("write: \(error)") }
                }
            }
            writesDone.store(true, ordering: .releasing)
        }
        var readers: [Thread] = []
        for _ in 0..<4 {
            let t = Thread {
                var rounds = 0
                while !writesDone.load(ordering: .acquiring) || rounds < 20 {
                    rounds += 1
                    do {
                        try pool.read { db in
                            let total = try int(db, "SELECT sum(balance) FROM account")
                            let pairs = try int(db, "SELECT count(*) FROM pair")
                            let again = try int(db, "SELECT count(*) FROM pair")
                            if total != 1000 { failures.withLock { $0.append("total \(total)") } }
                            if pairs % 2 != 0 { failures.withLock { $0.append("pairs \(pairs)") } }
                            if again != pairs { failures.withLock { $0.append("snapshot moved \(pairs) -> \(again)") } }
                        }
                        snapshotsSeen.add(1, ordering: .relaxed)
                    } catch {
                        failures.withLock { $0.append("read: \(error)") }
                    }
                }
            }
            readers.append(t)
        }
        writer.start()
        readers.forEach { $0.start() }
        while !writer.isFinished || readers.contains(where: { !$0.isFinished }) { usleep(1000) }
        #expect(failures.withLock { $0 } == [])
        #expect(snapshotsSeen.load(ordering: .relaxed) >= 80)
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM pair") } == 300)
        #expect(try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        try pool.close()
        #expect(throws: DatabaseError.self) { try pool.read { _ in 1 } }
    }

    @Test func writesInsideReadFailWithReadonlyAndChangeNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pool = try DatabasePool(path: dir.file("pool.db"))
        try pool.write { db in try db.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1)") }
        for sql in ["INSERT INTO t VALUES (2)", "DELETE FROM t", "CREATE TABLE u(y)", "DROP TABLE t", "PRAGMA user_version = 3"] {
            do {
                try pool.read { db in try db.execute(sql: sql) }
                Issue.record("\(sql) was allowed")
            } catch let e as DatabaseError {
                #expect(e.code == .readonly, "\(sql)")
            }
        }
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 1)
        #expect(try pool.read { db in try int(db, "PRAGMA user_version") } == 0)
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM sqlite_schema") } == 1)
        // A write whose closure throws is rolled back.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO t VALUES (5)")
                throw Stop()
            }
        }
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 1)
        #expect(try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        try pool.close()
    }

    /// The snapshot is pinned before the closure runs (a commit made after `read` began but
    /// before the closure's first statement stays invisible), a schema the writer changed is
    /// seen by the next read, a closure that throws or leaves a statement mid-run leaves the
    /// reader usable, and BEGIN inside a read is refused (a transaction is open).
    @Test func readPinsItsSnapshotBeforeTheClosureRuns() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pool = try DatabasePool(path: dir.file("pool.db"), maximumReaderCount: 1)
        try pool.write { db in try db.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1)") }
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 1)
        let seen = try pool.read { db -> [Int] in
            #expect(!db.isAutocommit)
            try pool.write { w in try w.execute(sql: "INSERT INTO t VALUES (2); CREATE TABLE u(y)") }
            let count = try int(db, "SELECT count(*) FROM t")
            let tables = try int(db, "SELECT count(*) FROM sqlite_schema")
            return [count, tables]
        }
        #expect(seen == [1, 1])
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 2)
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM u") } == 0)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try pool.read { db in
                _ = try int(db, "SELECT count(*) FROM t")
                throw Stop()
            }
        }
        #expect(throws: DatabaseError.self) { try pool.read { db in try db.execute(sql: "BEGIN") } }
        // A statement left mid-run inside the closure: the next read still starts cleanly.
        _ = try pool.read { db in
            let s = try db.makeStatement(sql: "SELECT x FROM t")
            _ = try s.step()
        }
        try pool.write { w in try w.execute(sql: "INSERT INTO t VALUES (3)") }
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 3)
        #expect(try pool.read { db in db.isAutocommit ? 1 : 0 } == 0)
        try pool.close()
    }

    /// Another connection holds the write lock: the pool's writer waits (busy timeout)
    /// and fails with `busy`; once the lock is free the write goes through.
    @Test func busyTimeoutWaitsThenFailsWithBusy() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var config = Configuration()
        config.busyTimeout = 30
        let pool = try DatabasePool(path: dir.file("pool.db"), configuration: config)
        try pool.write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        let other = try Database(path: dir.file("pool.db"))
        try other.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
        do {
            try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
            Issue.record("write went through")
        } catch let e as DatabaseError {
            #expect(e.code == .busy)
            #expect(e.message == "database is locked")
        }
        // Reads are not blocked by the writer.
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 0)
        try other.execute("COMMIT")
        try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        #expect(try pool.read { db in try int(db, "SELECT count(*) FROM t") } == 2)
        try other.close()
        try pool.close()
    }

    @Test func asyncReadsAndWrites() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pool = try DatabasePool(path: dir.file("pool.db"), maximumReaderCount: 3)
        try await pool.write { (db: Database) async throws in
            try db.execute(sql: "CREATE TABLE t(x)")
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await pool.write { (db: Database) async throws in
                        try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [i])
                    }
                    return try await pool.read { (db: Database) async throws -> Int in
                        await Task.yield()
                        return try int(db, "SELECT count(*) FROM t")
                    }
                }
            }
            for try await n in group { #expect(n >= 1 && n <= 20) }
        }
        let total = try await pool.read { (db: Database) async throws -> Int in try int(db, "SELECT sum(x) FROM t") }
        #expect(total == 190)
        try pool.close()
    }

    /// The checkpointer reports a TRUNCATE checkpoint that a reader keeps from completing.
    @Test func checkpointerReportsFailures() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pool = try DatabasePool(path: dir.file("pool.db"))
        try await pool.write { db in try db.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1)") }
        let reported = Mutex<[CheckpointFailure]>([])
        // A reader holds its snapshot while the checkpointer runs.
        let holder = try Database(path: dir.file("pool.db"))
        try holder.execute("BEGIN")
        _ = try holder.queryAll("SELECT * FROM t")
        try await pool.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        pool.startCheckpointing(every: .milliseconds(2), mode: .truncate) { failure in
            reported.withLock { $0.append(failure) }
        }
        while reported.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
        pool.stopCheckpointing()
        if case .busy(let outcome)? = reported.withLock({ $0.first }) {
            #expect(outcome.busy)
        } else {
            Issue.record("expected a busy report")
        }
        try holder.execute("COMMIT")
        try holder.close()
        let outcome = try pool.checkpoint(.truncate)
        #expect(outcome == CheckpointOutcome(busy: false, logFrames: 0, checkpointedFrames: 0))
        try pool.close()
    }
}
