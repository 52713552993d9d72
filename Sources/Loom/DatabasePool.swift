// This file implements DatabasePool: one writer connection and up to N reader connections on
// a WAL database, so reads run concurrently with each other and with the writer (on real
// threads), each on a stable snapshot; and the optional background checkpointer.
// Layer: L7. Spec: Spec/L7-api.md §DatabasePool.
import Synchronization
import LoomPager
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A WAL database opened through several connections: one writer and a pool of readers.
///
/// ```swift
/// let pool = try DatabasePool(path: "app.db")
/// try pool.write { db in
///     try db.execute(sql: "CREATE TABLE IF NOT EXISTS player(id INTEGER PRIMARY KEY, name TEXT)")
///     try db.execute(sql: "INSERT INTO player(name) VALUES (?)", arguments: ["Arthur"])
/// }
/// let count = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM player") }
/// ```
/// The database is switched to WAL mode when the pool opens. Writes are serialized on the
/// writer connection: `write` runs its closure in one transaction (`BEGIN IMMEDIATE` …
/// `COMMIT`), rolled back when the closure throws. Reads run on reader connections, at most
/// `maximumReaderCount` at a time, concurrently with each other and with the writer: `read`
/// runs its closure in a read transaction whose snapshot is taken before the closure starts
/// and stays fixed until it returns (it never sees part of a transaction, nor a transaction
/// committed meanwhile), with the connection restricted to reading (a write throws
/// `DatabaseError` with code `.readonly` and changes nothing).
///
/// The pool is `Sendable`: share it between threads and tasks. In `async` code,
/// `try await pool.read { db in … }` waits for a connection by suspending, not by blocking a
/// thread, and runs the synchronous closure; a closure that `await`s selects the variant
/// taking an `async` closure.
/// Calling `write` from inside one of the pool's own `write` closures throws `misuse`.
public final class DatabasePool: Sendable {
    /// The path the pool was opened with.
    public let path: String
    public let configuration: Configuration
    /// The most reader connections open at once.
    public let maximumReaderCount: Int
    private let writer: ConnectionSlots
    private let readers: ConnectionSlots
    /// The thread inside `write` (0 for none), to refuse reentrant calls.
    private let writerOwner = Atomic<UInt>(0)
    private let checkpointer = Mutex<Checkpointer?>(nil)

    /// Opens (creating if needed) the database at `path` and switches it to WAL mode.
    /// Throws when the database cannot use WAL (an in-memory database, for example).
    ///
    /// `configuration.prepareDatabase` runs on every connection the pool opens;
    /// `configuration.busyTimeout` is set on each of them.
    public init(path: String, configuration: Configuration = Configuration(), maximumReaderCount: Int = 5) throws {
        self.path = path
        self.configuration = configuration
        self.maximumReaderCount = max(1, maximumReaderCount)
        let config = configuration
        let first = try Database(path: path, capability: configuration.readonly ? .read : .admin)
        first.busyTimeout = configuration.busyTimeout
        if !configuration.readonly {
            let mode = try first.queryFirstRow("PRAGMA journal_mode = WAL")?.first
            guard mode == .text("wal") else {
                try? first.close()
                throw DatabaseError(.cannotOpen, "DatabasePool needs a database in WAL mode")
            }
        }
        try config.prepareDatabase?(first)
        writer = ConnectionSlots(capacity: 1, idle: [first]) {
            throw DatabaseError(.misuse, "the writer connection is closed")
        }
        readers = ConnectionSlots(capacity: self.maximumReaderCount, idle: []) {
            // Readers open with full rights (WAL readers write read marks into the -shm);
            // `read` restricts each use to reading.
            let db = try Database(path: path, capability: config.readonly ? .read : .admin)
            db.busyTimeout = config.busyTimeout
            try config.prepareDatabase?(db)
            return db
        }
    }

    // MARK: Reading

    /// Runs `value` on a reader connection, in a read transaction on one snapshot, with the
    /// connection restricted to reading. Runs concurrently with other reads and with writes.
    ///
    /// ```swift
    /// let players = try pool.read { db in try Player.fetchAll(db) }
    /// ```
    public func read<T>(_ value: (Database) throws -> T) throws -> T {
        let db = try readers.acquire()
        defer { readers.release(db) }
        return try Self.snapshotRead(db) { try value($0) }
    }

    /// `read` from async code: waits for a reader by suspending, then runs the synchronous
    /// `value` on one snapshot. In an `async` function Swift picks this overload for a
    /// closure that does not `await` (GRDB's shape).
    ///
    /// ```swift
    /// let players = try await pool.read { db in try Player.fetchAll(db) }
    /// ```
    public func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        let db = try await readers.acquireAsync()
        defer { readers.release(db) }
        return try Self.snapshotRead(db) { try value($0) }
    }

    /// `read` with an `async` closure, which may `await` while it holds the reader.
    public func read<T: Sendable>(_ value: @Sendable (Database) async throws -> T) async throws -> T {
        let db = try await readers.acquireAsync()
        defer { readers.release(db) }
        db.readOnlyDepth += 1
        defer { db.readOnlyDepth -= 1 }
        try db.connection.beginSnapshotRead()
        do {
            let result = try await value(db)
            try db.connection.endSnapshotRead()
            return result
        } catch {
            Self.rollbackAfterError(db)
            throw error
        }
    }

    /// Runs `value` in a read transaction whose snapshot is taken before it starts: the
    /// effect of `BEGIN DEFERRED` plus a read of the schema (GRDB's pattern; a deferred
    /// transaction would otherwise start at its first read) and of `COMMIT` after it, without
    /// running those statements (Connection.beginSnapshotRead / endSnapshotRead).
    /// A closure threw inside a snapshot read: ROLLBACK (a statement, so hooks and
    /// statistics see it as they see the user's own) when a transaction is still open.
    private static func rollbackAfterError(_ db: Database) {
        if !db.isAutocommit { try? db.execute(sql: "ROLLBACK") }
    }

    private static func snapshotRead<T>(_ db: Database, _ value: (Database) throws -> T) throws -> T {
        try db.readOnly {
            try db.connection.beginSnapshotRead()
            do {
                let result = try value(db)
                try db.connection.endSnapshotRead()
                return result
            } catch {
                Self.rollbackAfterError(db)
                throw error
            }
        }
    }

    // MARK: Writing

    /// Runs `updates` on the writer connection in one transaction (`BEGIN IMMEDIATE` …
    /// `COMMIT`), rolled back when it throws. Writes are serialized; reads go on meanwhile.
    ///
    /// ```swift
    /// try pool.write { db in try db.execute(sql: "UPDATE player SET score = score + 1") }
    /// ```
    public func write<T>(_ updates: (Database) throws -> T) throws -> T {
        try writeAccess { db in try db.inTransaction(begin: "BEGIN IMMEDIATE") { try updates(db) } }
    }

    /// `write` from async code: waits for the writer by suspending, then runs the
    /// synchronous `updates` in one transaction.
    ///
    /// ```swift
    /// try await pool.write { db in try db.execute(sql: "DELETE FROM player") }
    /// ```
    public func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        let db = try await writer.acquireAsync()
        defer { writer.release(db) }
        return try db.inTransaction(begin: "BEGIN IMMEDIATE") { try updates(db) }
    }

    /// `write` with an `async` closure, which may `await` while it holds the writer.
    public func write<T: Sendable>(_ updates: @Sendable (Database) async throws -> T) async throws -> T {
        let db = try await writer.acquireAsync()
        defer { writer.release(db) }
        return try await db.inTransaction(begin: "BEGIN IMMEDIATE") { try await updates(db) }
    }

    /// Runs `updates` on the writer connection with no implicit transaction (pragmas,
    /// `VACUUM`, checkpoints, transactions you manage yourself).
    public func writeWithoutTransaction<T>(_ updates: (Database) throws -> T) throws -> T {
        try writeAccess(updates)
    }

    /// `writeWithoutTransaction` from async code, with a synchronous closure.
    public func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        let db = try await writer.acquireAsync()
        defer { writer.release(db) }
        return try updates(db)
    }

    /// `writeWithoutTransaction` with an `async` closure.
    public func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) async throws -> T) async throws -> T {
        let db = try await writer.acquireAsync()
        defer { writer.release(db) }
        return try await updates(db)
    }

    private func writeAccess<T>(_ body: (Database) throws -> T) throws -> T {
        let me = currentThreadID()
        if me != 0, writerOwner.load(ordering: .relaxed) == me {
            throw DatabaseError(.misuse, "database access is not reentrant")
        }
        let db = try writer.acquire()
        writerOwner.store(me, ordering: .relaxed)
        defer {
            writerOwner.store(0, ordering: .relaxed)
            writer.release(db)
        }
        return try body(db)
    }

    // MARK: Checkpoints, interrupt, close

    /// `PRAGMA wal_checkpoint(mode)` on the writer connection: SQLite's three numbers.
    ///
    /// ```swift
    /// let result = try pool.checkpoint(.truncate)
    /// ```
    @discardableResult
    public func checkpoint(_ mode: CheckpointKind = .passive) throws -> CheckpointOutcome {
        try writeAccess { db in
            let row = try db.queryFirstRow("PRAGMA wal_checkpoint(\(mode.rawValue))") ?? []
            func int(_ i: Int) -> Int {
                guard i < row.count, case .integer(let n) = row[i] else { return -1 }
                return Int(n)
            }
            return CheckpointOutcome(busy: int(0) != 0, logFrames: int(1), checkpointedFrames: int(2))
        }
    }

    /// The counters of every connection the pool has opened (``Database/statistics``),
    /// summed: statements by kind, cache hits and misses, pages read and written, WAL frames,
    /// checkpoints and busy waits. An idle connection counts as of now; one in use by a
    /// `read` or `write` at the time of the call counts as of the end of its last use.
    ///
    /// ```swift
    /// let stats = pool.statistics()
    /// print(stats.statements[.select]?.count ?? 0, stats.walFramesWritten)
    /// ```
    public func statistics() -> DatabaseStatistics {
        writer.statistics() + readers.statistics()
    }

    /// Interrupts every statement running on the pool's connections (`sqlite3_interrupt` on
    /// each); they fail with `interrupt`.
    public func interrupt() {
        writer.forEachOpen { $0.interrupt() }
        readers.forEachOpen { $0.interrupt() }
    }

    /// Stops the checkpointer, waits for every connection to come back, and closes them all;
    /// later calls throw `misuse`.
    public func close() throws {
        let task = checkpointer.withLock { c -> Task<Void, Never>? in
            let t = c?.task
            c = nil
            return t
        }
        task?.cancel()
        var failure: (any Error)?
        for db in readers.closeAll() {
            do { try db.close() } catch { failure = failure ?? error }
        }
        for db in writer.closeAll() {
            do { try db.close() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// Starts a background task that runs a checkpoint of `mode` every `interval` on the
    /// writer connection (waiting for it like any write), until the pool closes or
    /// `stopCheckpointing()` is called. Every failure — an error, or a checkpoint that
    /// reports busy — is passed to `onFailure`; the task goes on after it.
    ///
    /// ```swift
    /// pool.startCheckpointing(every: .seconds(5), mode: .passive) { failure in
    ///     log("checkpoint failed: \(failure)")
    /// }
    /// ```
    /// Apps that use it usually also turn off the automatic checkpoint
    /// (`PRAGMA wal_autocheckpoint = 0`) so commits never pay for one.
    public func startCheckpointing(every interval: Duration, mode: CheckpointKind = .passive,
                                   onFailure: @escaping @Sendable (CheckpointFailure) -> Void) {
        stopCheckpointing()
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                guard let pool = self else { return }
                do {
                    let outcome = try await pool.writeWithoutTransaction { (db: Database) async throws -> CheckpointOutcome in
                        let row = try db.queryFirstRow("PRAGMA wal_checkpoint(\(mode.rawValue))") ?? []
                        guard row.count == 3, case .integer(let b) = row[0], case .integer(let l) = row[1],
                              case .integer(let c) = row[2] else {
                            return CheckpointOutcome(busy: true, logFrames: -1, checkpointedFrames: -1)
                        }
                        return CheckpointOutcome(busy: b != 0, logFrames: Int(l), checkpointedFrames: Int(c))
                    }
                    if outcome.busy { onFailure(.busy(outcome)) }
                } catch let error as DatabaseError {
                    if error.code == .misuse { return }   // the pool closed
                    onFailure(.error(error))
                } catch {
                    onFailure(.error(DatabaseError(.error, "\(error)")))
                }
            }
        }
        checkpointer.withLock { $0 = Checkpointer(task: task) }
    }

    /// Stops the background checkpointer (if running).
    public func stopCheckpointing() {
        let task = checkpointer.withLock { c -> Task<Void, Never>? in
            let t = c?.task
            c = nil
            return t
        }
        task?.cancel()
    }

    private struct Checkpointer: Sendable {
        var task: Task<Void, Never>
    }
}

/// `PRAGMA wal_checkpoint` modes.
///
/// ```swift
/// try pool.checkpoint(.truncate)
/// ```
public enum CheckpointKind: String, Sendable {
    case passive = "PASSIVE", full = "FULL", restart = "RESTART", truncate = "TRUNCATE"
}

/// What a checkpoint reports (`PRAGMA wal_checkpoint`'s row).
///
/// ```swift
/// let outcome = try pool.checkpoint(.passive)
/// if outcome.busy { print("\(outcome.checkpointedFrames) of \(outcome.logFrames) frames") }
/// ```
public struct CheckpointOutcome: Sendable, Equatable {
    /// A reader or writer prevented part of the work (FULL/RESTART/TRUNCATE: not completed).
    public var busy: Bool
    /// Frames in the log.
    public var logFrames: Int
    /// Frames copied into the database.
    public var checkpointedFrames: Int

    public init(busy: Bool, logFrames: Int, checkpointedFrames: Int) {
        self.busy = busy
        self.logFrames = logFrames
        self.checkpointedFrames = checkpointedFrames
    }
}

/// Why a background checkpoint did not complete (``DatabasePool/startCheckpointing(every:mode:onFailure:)``).
///
/// ```swift
/// pool.startCheckpointing(every: .seconds(30), mode: .passive) { failure in
///     if case .busy(let outcome) = failure { print("readers kept", outcome.logFrames, "frames") }
/// }
/// ```
public enum CheckpointFailure: Error, Sendable {
    /// The checkpoint threw.
    case error(DatabaseError)
    /// The checkpoint ran but readers or a writer kept it from completing.
    case busy(CheckpointOutcome)
}

/// Connections handed out one holder at a time, at most `capacity` open. Synchronous callers
/// block on a condition variable; async callers suspend on a continuation, so a task that
/// holds a connection across an `await` never waits on a blocked thread.
private final class ConnectionSlots: @unchecked Sendable {
    // @unchecked: every field is guarded by `mutex`; a Database is used by one holder at a
    // time (between acquire and release).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var idle: [Database]
    private var all: [Database]
    private var opened: Int
    private let capacity: Int
    private var closed = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let make: () throws -> Database

    init(capacity: Int, idle: [Database], make: @escaping () throws -> Database) {
        self.capacity = capacity
        self.idle = idle
        self.all = idle
        self.opened = idle.count
        self.make = make
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private enum Take { case got(Database), open, wait }

    /// Under `mutex`: an idle connection, or the right to open one, or nothing.
    private func take() throws -> Take {
        if closed { throw DatabaseError(.misuse, "the database pool is closed") }
        if let db = idle.popLast() { return .got(db) }
        if opened < capacity {
            opened += 1
            return .open
        }
        return .wait
    }

    private func open() throws -> Database {
        do {
            let db = try make()
            pthread_mutex_lock(mutex)
            all.append(db)
            pthread_mutex_unlock(mutex)
            return db
        } catch {
            pthread_mutex_lock(mutex)
            opened -= 1
            wakeOne()
            pthread_mutex_unlock(mutex)
            throw error
        }
    }

    func acquire() throws -> Database {
        pthread_mutex_lock(mutex)
        while true {
            let t: Take
            do { t = try take() } catch {
                pthread_mutex_unlock(mutex)
                throw error
            }
            switch t {
            case .got(let db):
                pthread_mutex_unlock(mutex)
                return db
            case .open:
                pthread_mutex_unlock(mutex)
                return try open()
            case .wait:
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    func acquireAsync() async throws -> Database {
        while true {
            pthread_mutex_lock(mutex)
            let t: Take
            do { t = try take() } catch {
                pthread_mutex_unlock(mutex)
                throw error
            }
            switch t {
            case .got(let db):
                pthread_mutex_unlock(mutex)
                return db
            case .open:
                pthread_mutex_unlock(mutex)
                return try open()
            case .wait:
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    // Still under `mutex`: `release` cannot run between the check and this.
                    waiters.append(c)
                    pthread_mutex_unlock(mutex)
                }
            }
        }
    }

    /// Under `mutex`: lets one waiter (async first) try again.
    private func wakeOne() {
        if !waiters.isEmpty {
            waiters.removeFirst().resume()
        }
        pthread_cond_broadcast(condition)
    }

    func release(_ db: Database) {
        pthread_mutex_lock(mutex)
        // Its counters as of now, for `statistics()` while it is in use (reading a connection
        // another thread is using would race); a fixed-size copy, no allocation.
        db.statisticsAtRelease = db.rawStatistics
        idle.append(db)
        wakeOne()
        pthread_mutex_unlock(mutex)
    }

    /// The sum of every open connection's counters: current for idle ones, as of their last
    /// release for those in use.
    func statistics() -> DatabaseStatistics {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var total = DatabaseStatistics()
        for db in all {
            let isIdle = idle.contains { $0 === db }
            if let s = isIdle ? db.statistics : db.statisticsAtRelease?.statistics { total = total + s }
        }
        return total
    }

    /// Calls `body` on every connection opened so far (interrupt is thread-safe).
    func forEachOpen(_ body: (Database) -> Void) {
        pthread_mutex_lock(mutex)
        let list = all
        pthread_mutex_unlock(mutex)
        for db in list { body(db) }
    }

    /// Marks the slots closed, waits until every connection is back, and returns them.
    func closeAll() -> [Database] {
        pthread_mutex_lock(mutex)
        while idle.count < opened { pthread_cond_wait(condition, mutex) }
        closed = true
        let list = idle
        idle = []
        all = []
        opened = 0
        let pending = waiters
        waiters = []
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        for w in pending { w.resume() }
        return list
    }
}
