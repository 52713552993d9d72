// This file implements DatabaseQueue (one connection behind a lock: serialized reads and
// writes, Sendable) and Configuration. Layer: L7. Spec: Spec/L7-api.md §Connections.
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options for opening a ``DatabaseQueue``.
///
/// ```swift
/// var config = Configuration()
/// config.prepareDatabase { db in db.trace { print($0.sql) } }
/// let queue = try DatabaseQueue(path: "app.db", configuration: config)
/// ```
public struct Configuration: Sendable {
    /// Open the file read-only: every access is then as inside `read { }`.
    public var readonly = false
    /// `Database.busyTimeout` (milliseconds) of every connection opened with this configuration.
    public var busyTimeout = 0
    /// Called on the connection right after it opens (register functions, set hooks).
    public var prepareDatabase: (@Sendable (Database) throws -> Void)?

    public init() {}

    /// Sets `prepareDatabase`.
    public mutating func prepareDatabase(_ body: @escaping @Sendable (Database) throws -> Void) {
        prepareDatabase = body
    }
}

/// A database connection that serializes every access: one closure at a time, from any
/// thread or task.
///
/// ```swift
/// let queue = try DatabaseQueue(path: "app.db")      // or DatabaseQueue() for :memory:
/// try queue.write { db in
///     try db.execute(sql: "CREATE TABLE IF NOT EXISTS player(id INTEGER PRIMARY KEY, name TEXT)")
///     try db.execute(sql: "INSERT INTO player(name) VALUES (?)", arguments: ["Arthur"])
/// }
/// let names = try queue.read { db in try String.fetchAll(db, sql: "SELECT name FROM player") }
/// let count = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM player") }
/// ```
/// `read` runs its closure with the connection restricted to reading: a write inside throws
/// `DatabaseError` with code `.readonly` before it runs. `write` runs its closure in one
/// transaction, committed when the closure returns and rolled back when it throws.
/// Access is not reentrant: calling the queue from inside one of its own closures throws
/// `misuse` instead of deadlocking.
///
/// In `async` code, `try await queue.read { db in … }` waits for the connection by
/// suspending (never blocking a thread) and runs the synchronous closure; a closure that
/// `await`s selects the variant taking an `async` closure, which holds the connection across
/// its suspensions. Synchronous code keeps the synchronous variants.
public final class DatabaseQueue: @unchecked Sendable {
    // @unchecked: `database` is only touched between `gate.enter()` and `gate.leave()`.
    private let database: Database
    private let gate = Gate()
    /// The thread inside `access` (0 for none), to refuse reentrant calls.
    private let owner = Atomic<UInt>(0)
    /// The path the queue was opened with.
    public let path: String
    public let configuration: Configuration

    /// Opens (creating if needed) the database at `path`; `:memory:` for a private
    /// in-memory database.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.configuration = configuration
        database = try Database(path: path, capability: configuration.readonly ? .read : .admin)
        database.busyTimeout = configuration.busyTimeout
        try configuration.prepareDatabase?(database)
    }

    /// Opens a private in-memory database.
    public convenience init(configuration: Configuration = Configuration()) throws {
        try self.init(path: ":memory:", configuration: configuration)
    }

    /// Runs `body` with the connection, holding the lock.
    private func access<T>(_ body: (Database) throws -> T) throws -> T {
        let me = currentThreadID()
        if me != 0, owner.load(ordering: .relaxed) == me {
            throw DatabaseError(.misuse, "database access is not reentrant")
        }
        gate.enter()
        owner.store(me, ordering: .relaxed)
        defer {
            owner.store(0, ordering: .relaxed)
            gate.leave()
        }
        return try body(database)
    }

    /// Runs an async `body` with the connection; the gate stays held across its suspensions.
    private func access<T>(_ body: (Database) async throws -> T) async throws -> T {
        let me = currentThreadID()
        if me != 0, owner.load(ordering: .relaxed) == me {
            throw DatabaseError(.misuse, "database access is not reentrant")
        }
        await gate.enterAsync()
        defer { gate.leave() }
        return try await body(database)
    }

    /// Runs `value` with read-only access: any statement that would write throws `readonly`.
    /// The reads see one snapshot (a deferred transaction when none is open).
    ///
    /// ```swift
    /// let players = try queue.read { db in try Player.fetchAll(db) }
    /// ```
    public func read<T>(_ value: (Database) throws -> T) throws -> T {
        try access { db in try Self.readTransaction(db, value) }
    }

    /// `read` from async code: waits for the connection by suspending, then runs the
    /// synchronous `value`. In an `async` function Swift picks this overload for a closure
    /// that does not `await` (GRDB's shape).
    ///
    /// ```swift
    /// let rows = try await queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM player") }
    /// ```
    public func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        try await access { (db: Database) async throws -> T in
            db.readOnlyDepth += 1
            defer { db.readOnlyDepth -= 1 }
            return try await Self.transaction(db, begin: "BEGIN DEFERRED") { try value($0) }
        }
    }

    /// `read` with an `async` closure, which may `await` while it holds the connection.
    ///
    /// ```swift
    /// let n = try await queue.read { db in
    ///     await Task.yield()
    ///     return try Int.fetchOne(db, sql: "SELECT count(*) FROM player")
    /// }
    /// ```
    public func read<T: Sendable>(_ value: @Sendable (Database) async throws -> T) async throws -> T {
        try await access { db in
            db.readOnlyDepth += 1
            defer { db.readOnlyDepth -= 1 }
            return try await Self.transaction(db, begin: "BEGIN DEFERRED", value)
        }
    }

    /// Runs `updates` in one transaction (`BEGIN IMMEDIATE` … `COMMIT`), rolled back when it
    /// throws. Returns what `updates` returns.
    ///
    /// ```swift
    /// try queue.write { db in
    ///     var player = Player(id: nil, name: "Arthur", score: 100)
    ///     try player.insert(db)
    /// }
    /// ```
    public func write<T>(_ updates: (Database) throws -> T) throws -> T {
        try access { db in try Self.writeTransaction(db, updates) }
    }

    /// `write` from async code: waits for the connection by suspending, then runs the
    /// synchronous `updates` in one transaction.
    ///
    /// ```swift
    /// try await queue.write { db in try db.execute(sql: "DELETE FROM player") }
    /// ```
    public func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try await access { (db: Database) async throws -> T in
            try await Self.transaction(db, begin: "BEGIN IMMEDIATE") { try updates($0) }
        }
    }

    /// `write` with an `async` closure, which may `await` while it holds the connection.
    public func write<T: Sendable>(_ updates: @Sendable (Database) async throws -> T) async throws -> T {
        try await access { db in try await Self.transaction(db, begin: "BEGIN IMMEDIATE", updates) }
    }

    /// Runs `updates` with full access and no implicit transaction (for `VACUUM`, pragmas,
    /// or transactions you manage yourself).
    ///
    /// ```swift
    /// try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
    /// ```
    public func writeWithoutTransaction<T>(_ updates: (Database) throws -> T) throws -> T {
        try access(updates)
    }

    /// `writeWithoutTransaction` from async code, with a synchronous closure.
    public func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try await access { (db: Database) async throws -> T in try updates(db) }
    }

    /// `writeWithoutTransaction` with an `async` closure.
    public func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) async throws -> T) async throws -> T {
        try await access { db in try await updates(db) }
    }

    /// GRDB's name for ``writeWithoutTransaction(_:)-(Database)->T``.
    public func inDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        try access(body)
    }

    /// The connection's counters (``Database/statistics``), read under the queue's lock.
    ///
    /// ```swift
    /// let hits = try queue.statistics().cacheHits
    /// ```
    public func statistics() throws -> DatabaseStatistics {
        try access { db in db.statistics }
    }

    /// Closes the connection; later accesses throw `misuse`.
    public func close() throws {
        try access { db in try db.close() }
    }

    private static func readTransaction<T>(_ db: Database, _ value: (Database) throws -> T) throws -> T {
        try db.readOnly { try db.inTransaction(begin: "BEGIN DEFERRED") { try value(db) } }
    }

    private static func transaction<T>(_ db: Database, begin: String,
                                       _ body: (Database) async throws -> T) async throws -> T {
        try await db.inTransaction(begin: begin) { try await body(db) }
    }

    private static func writeTransaction<T>(_ db: Database, _ updates: (Database) throws -> T) throws -> T {
        try db.inTransaction(begin: "BEGIN IMMEDIATE") { try updates(db) }
    }
}

extension Database {
    /// Runs `body` in one transaction: `begin` opens it (when one is already open, `body`
    /// just runs inside that one; nil: the caller opened it), COMMIT follows, and ROLLBACK
    /// when `body` or the COMMIT throws. DatabaseQueue and DatabasePool share it.
    func inTransaction<T>(begin: String?, _ body: () throws -> T) throws -> T {
        if let begin {
            guard isAutocommit else { return try body() }
            try execute(sql: begin)
        }
        do {
            let result = try body()
            if !isAutocommit { try execute(sql: "COMMIT") }
            return result
        } catch {
            if !isAutocommit { try? execute(sql: "ROLLBACK") }
            throw error
        }
    }

    /// `inTransaction` for async bodies.
    func inTransaction<T>(begin: String?, _ body: () async throws -> T) async throws -> T {
        if let begin {
            guard isAutocommit else { return try await body() }
            try execute(sql: begin)
        }
        do {
            let result = try await body()
            if !isAutocommit { try execute(sql: "COMMIT") }
            return result
        } catch {
            if !isAutocommit { try? execute(sql: "ROLLBACK") }
            throw error
        }
    }
}

/// An identifier of the calling thread (0 when unknown); DatabaseQueue and DatabasePool
/// detect reentrant use with it.
func currentThreadID() -> UInt {
    #if canImport(Glibc)
    return UInt(pthread_self())
    #else
    return 0
    #endif
}

/// A lock that may be released from another thread than the one that took it (an async
/// closure may resume elsewhere). Synchronous callers block on a pthread condition variable;
/// async callers suspend (a continuation), so a task holding the lock across an `await`
/// never waits for a thread that is blocked on the same lock.
private final class Gate: @unchecked Sendable {
    // Raw pointers: pthread objects must not move once initialized. `busy` and `waiters`
    // are guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func enter() {
        pthread_mutex_lock(mutex)
        while busy { pthread_cond_wait(condition, mutex) }
        busy = true
        pthread_mutex_unlock(mutex)
    }

    func enterAsync() async {
        pthread_mutex_lock(mutex)
        if !busy {
            busy = true
            pthread_mutex_unlock(mutex)
            return
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Still under `mutex`: `leave` cannot run between the check and the append.
            waiters.append(continuation)
            pthread_mutex_unlock(mutex)
        }
        // `leave` handed the lock over with `busy` still true.
    }

    func leave() {
        pthread_mutex_lock(mutex)
        if !waiters.isEmpty {
            let next = waiters.removeFirst()
            pthread_mutex_unlock(mutex)
            next.resume()
            return
        }
        busy = false
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }
}
