// This file implements the simulation runner: it plays a plan on one SimVFS through the
// public Loom API, with a model (a database per committed state) that every answer, every
// recovery and every commit is checked against.
// Layer: tools over L7 (LoomSim). Spec: Spec/testing.md ("Simulation").
import Loom

/// What one run found.
///
/// ```swift
/// let report = Simulation.run(seed: 1, options: SimulationOptions(connections: 3, powerLosses: 10, faults: true))
/// print(report.powerLosses, report.commitsChecked, report.violations)
/// ```
public struct SimulationReport: Sendable, Equatable {
    /// Property violations (the run stops at the first one).
    public var violations: [String] = []
    public var powerLosses = 0
    public var faultsInjected = 0
    /// Commits the model recorded.
    public var commits = 0
    /// Commits whose survival was checked: present in a recovered database or in the final one.
    public var commitsChecked = 0
    /// Statements that got `SQLITE_BUSY` and were retried later.
    public var busyRetries = 0
    /// Transactions the application gave up (too many BUSY answers, or an error).
    public var abandoned = 0
    /// FNV-1a hash of the VFS trace and the runner's event log: equal for equal plans.
    public var traceHash: UInt64 = 0
    /// The SELECT answers in order (`--<step>` then `sqlite3`-style list rows).
    public var transcript = ""
    /// The runner's event log (one line per statement outcome, fault, power loss, recovery).
    public var events: [String] = []

    public var passed: Bool { violations.isEmpty }

    public init() {}
}

/// Plays a plan.
///
/// ```swift
/// let report = Simulation.run(SimulationPlan(seed: 3, options: SimulationOptions(powerLosses: 5)))
/// #expect(report.violations == [])
/// ```
public enum Simulation {
    /// Runs `plan` and checks every property (Spec/testing.md, "Simulation").
    public static func run(_ plan: SimulationPlan) -> SimulationReport {
        let runner = SimulationRunner(plan)
        runner.run()
        return runner.report
    }

    /// Generates the plan for `seed` and runs it.
    public static func run(seed: UInt64, options: SimulationOptions = SimulationOptions()) -> SimulationReport {
        run(SimulationPlan(seed: seed, options: options))
    }
}

extension Result where Failure == DatabaseError {
    var failureMessage: String? {
        if case .failure(let e) = self { return e.message }
        return nil
    }
}

/// A stop signal: the first violation ends the run.
struct Violation: Error { let message: String }

/// One simulated connection as the application sees it.
struct SimConnection {
    var db: Database?
    /// The model's view: an explicit transaction is open.
    var inTransaction = false
    /// Index (into the current epoch's states) of the snapshot this transaction reads.
    var snapshot: Int?
    /// The transaction's own view once it wrote: its snapshot plus its writes.
    var shadow: Database?
    /// Answers given so far in this read transaction, by query.
    var answers: [String: String] = [:]
    /// Statements waiting behind one that got BUSY.
    var backlog: [String] = []
    var busyCount = 0
    /// Dropping statements until the plan's current transaction ends (after giving it up).
    var skipping = false
    /// Whether the plan's statement stream for this connection is inside BEGIN … COMMIT.
    var inPlanTransaction = false
}

enum StatementKind {
    case begin(immediate: Bool), commit, rollback, query, write, other

    init(_ sql: String) {
        let upper = sql.uppercased()
        if upper.hasPrefix("BEGIN") { self = .begin(immediate: upper.contains("IMMEDIATE") || upper.contains("EXCLUSIVE")) }
        else if upper == "COMMIT" || upper == "END" { self = .commit }
        else if upper.hasPrefix("ROLLBACK") { self = .rollback }
        else if upper.hasPrefix("SELECT") { self = .query }
        else if upper.hasPrefix("PRAGMA") { self = .other }
        else { self = .write }
    }
}

final class SimulationRunner {
    let plan: SimulationPlan
    let vfs: SimVFS
    static let path = "sim.db"
    static let busyLimit = 4
    var report = SimulationReport()
    var connections: [SimConnection]
    /// The committed states since the last power loss (index 0: the state it started from).
    var states: [Database] = []
    var dumps: [String] = []
    /// Commits of this epoch up to each state (commits that changed nothing share a state).
    var commitsUpTo: [Int] = []
    var epochCommits = 0
    /// Transactions whose COMMIT failed and which were found not committed, since the last
    /// commit: a power loss may still bring them back.
    var ghosts: [Database] = []
    /// The state a failed COMMIT left visible (found committed), until the next commit.
    var fragile: Int?
    /// Connections that died in a power loss (kept, never closed).
    var graveyard: [Database] = []
    var log: [String] = []
    /// Faults fired / power losses seen before the current statement.
    var faultMark = 0
    var powerMark = 0
    var stepIndex = 0

    /// The running application's view of the disk; replaced after each power loss.
    var process: ProcessVFS

    init(_ plan: SimulationPlan) {
        self.plan = plan
        vfs = SimVFS(seed: plan.seed, tracing: true)
        process = ProcessVFS(vfs)
        connections = Array(repeating: SimConnection(), count: plan.connections)
    }

    func run() {
        do {
            let empty = try Database()
            states = [empty]
            dumps = [try Self.dump(empty)]
            commitsUpTo = [0]
            for (i, step) in plan.steps.enumerated() {
                stepIndex = i
                switch step {
                case .fault(let f):
                    vfs.inject(f)
                    log.append("arm \(step.text)")
                case .powerLoss:
                    vfs.powerLoss()
                    try afterPowerLoss(candidate: nil)
                case .sql(let c, let sql):
                    receive(c, sql)
                    try drain(c)
                    for other in connections.indices where other != c && !connections[other].backlog.isEmpty {
                        try drain(other)
                    }
                }
            }
            // The plan is over: let every backlog finish (each round makes progress or
            // brings a connection nearer to giving up).
            var rounds = 0
            while connections.contains(where: { !$0.backlog.isEmpty }) && rounds < 100 {
                rounds += 1
                for c in connections.indices where !connections[c].backlog.isEmpty { try drain(c) }
            }
            try finish()
        } catch let v as Violation {
            report.violations.append("step \(stepIndex + 1): \(v.message)")
        } catch {
            report.violations.append("step \(stepIndex + 1): harness error \(error)")
        }
        if report.violations.isEmpty { for c in connections.indices { try? connections[c].db?.close() } }
        report.faultsInjected = vfs.statistics.faultsFired
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ s: String) {
            for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 10) &* 0x100_0000_01b3
        }
        for line in vfs.trace { mix(line) }
        for line in log { mix(line) }
        report.traceHash = h
        report.events = log
    }

    func fail(_ message: String) -> Violation {
        log.append("violation \(message)")
        return Violation(message: message)
    }

    /// A statement arrives for connection `c` from the plan.
    func receive(_ c: Int, _ sql: String) {
        switch StatementKind(sql) {
        case .begin: connections[c].inPlanTransaction = true
        case .commit, .rollback: connections[c].inPlanTransaction = false
        default: break
        }
        if connections[c].skipping {
            if case .begin = StatementKind(sql), connections[c].backlog.isEmpty {
                // The abandoned transaction never ended in the plan; a new one starts.
                connections[c].skipping = false
            } else {
                if connections[c].backlog.isEmpty, SimulationGenerator.isTransactionEnd(sql) { connections[c].skipping = false }
                if connections[c].backlog.isEmpty { log.append("c\(c) skip"); return }
            }
        }
        connections[c].backlog.append(sql)
    }

    /// Runs connection `c`'s backlog until it is empty or a statement gets BUSY.
    func drain(_ c: Int) throws {
        while let sql = connections[c].backlog.first {
            let done = try execute(c, sql)
            if !done { return }
            if !connections[c].backlog.isEmpty { connections[c].backlog.removeFirst() }
        }
    }

    /// Drops the rest of connection `c`'s current transaction from its backlog (the head is
    /// the statement that failed); when its end has not arrived yet, skips until it does.
    func abandon(_ c: Int, failed sql: String) {
        report.abandoned += 1
        log.append("c\(c) abandon")
        var rest = Array(connections[c].backlog.dropFirst())
        let wasEnd = SimulationGenerator.isTransactionEnd(sql)
        if !wasEnd {
            if let end = rest.firstIndex(where: SimulationGenerator.isTransactionEnd) {
                rest.removeSubrange(0...end)
            } else {
                rest = []
                connections[c].skipping = connections[c].inPlanTransaction
            }
        }
        // Keep the failed head in place: drain() removes it.
        connections[c].backlog = [sql] + rest
        endTransaction(c)
    }

    func endTransaction(_ c: Int) {
        connections[c].inTransaction = false
        connections[c].snapshot = nil
        connections[c].shadow = nil
        connections[c].answers = [:]
        connections[c].busyCount = 0
    }

    /// Opens connection `c` (with the configuration's pragmas) when it has no handle.
    func open(_ c: Int) throws -> Database {
        if let db = connections[c].db { return db }
        if process.isDead { process = ProcessVFS(vfs) }
        let db = try Database(path: Self.path, vfs: process)
        do {
            try db.execute(plan.config.pragmas)
        } catch {
            if vfs.statistics.powerLosses == powerMark { try? db.close() } else { graveyard.append(db) }
            throw error
        }
        connections[c].db = db
        log.append("c\(c) open")
        return db
    }

    var latest: Int { states.count - 1 }

    /// Runs one statement on connection `c`. Returns false when it must be retried later.
    func execute(_ c: Int, _ sql: String) throws -> Bool {
        faultMark = vfs.statistics.faultsFired
        powerMark = vfs.statistics.powerLosses
        let kind = StatementKind(sql)
        var conn = connections[c]
        // The model's answer, computed on the database that holds the connection's view.
        var model: Result<String, DatabaseError>? = nil
        var newShadow: Database? = nil
        switch kind {
        case .query:
            let view: Database
            if !conn.inTransaction { view = states[latest] }
            else if let s = conn.shadow { view = s }
            else { view = states[conn.snapshot ?? latest] }
            model = Self.answer(view, sql)
        case .write:
            // The write applies to the latest state (a writer must hold the newest snapshot).
            let target: Database
            if let s = conn.shadow { target = s } else {
                target = try Self.copy(states[latest])
                newShadow = target
            }
            try Self.exec(target, "BEGIN")
            model = Self.answer(target, sql)
        default: break
        }
        // The real run.
        var real: Result<String, DatabaseError>
        do {
            let db = try open(c)
            real = .success(try Self.rows(db, sql))
        } catch let e as DatabaseError {
            real = .failure(e)
        }
        conn.db = connections[c].db
        let crashed = vfs.statistics.powerLosses > powerMark
        let faulted = vfs.statistics.faultsFired > faultMark || crashed
        log.append("c\(c) \(Self.outcome(real)) \(sql.prefix(40))" + (real.failureMessage.map { " (\($0))" } ?? ""))
        // Undo the model's write when the real statement did not happen inside a transaction
        // that goes on (BUSY); a failed autocommit write stays in its copy, which is then
        // only a candidate (it may have committed).
        if case .write = kind, let target = conn.shadow ?? newShadow {
            if case .success = real { try Self.exec(target, "COMMIT") }
            else if !conn.inTransaction { try Self.exec(target, "COMMIT") }
            else { try Self.exec(target, "ROLLBACK") }
        }
        if crashed {
            // The statement in flight may or may not have committed.
            var candidate: Database? = nil
            if case .commit = kind, conn.inTransaction { candidate = conn.shadow }
            if case .write = kind, !conn.inTransaction { candidate = newShadow }
            try afterPowerLoss(candidate: candidate)
            return true
        }
        if case .failure(let e) = real, e.code.primary == .busy {
            report.busyRetries += 1
            conn.busyCount += 1
            connections[c] = conn
            if let db = conn.db, conn.inTransaction, db.isAutocommit {
                // The engine rolled the transaction back itself.
                abandon(c, failed: sql)
                return true
            }
            if conn.busyCount < Self.busyLimit { return false }
            // Give up, as an application would: roll back and drop the rest.
            if conn.inTransaction || !(conn.db?.isAutocommit ?? true) { try rollback(c) }
            if vfs.statistics.powerLosses > powerMark { try afterPowerLoss(candidate: nil); return true }
            var isBegin = false
            if case .begin = kind { isBegin = true }
            if conn.inTransaction || isBegin { abandon(c, failed: sql) } else {
                connections[c].busyCount = 0
                report.abandoned += 1
            }
            return true
        }
        conn.busyCount = 0
        // Compare the answer with the model's.
        switch (real, model) {
        case (.success(let r), .success(let m)?) where r != m:
            throw fail("c\(c) \(sql): Loom answered\n\(r)the model says\n\(m)")
        case (.success, .failure(let m)?):
            throw fail("c\(c) \(sql): Loom succeeded where the model fails with \(m.message)")
        case (.failure(let e), let m) where !faulted:
            if case .failure(let me)? = m, me.message == e.message { break }
            if case .commit = kind, !conn.inTransaction { break }
            if case .rollback = kind, !conn.inTransaction { break }
            if case .begin = kind, conn.inTransaction { break }
            throw fail("c\(c) \(sql): unexpected error \(e.code.rawValue) \(e.message) (no fault fired)")
        default: break
        }
        if case .success(let r) = real, case .query = kind {
            report.transcript += "--\(stepIndex + 1)\n" + Self.listRows(r)
        }
        // Advance the model.
        switch (kind, real) {
        case (.begin(let immediate), .success):
            conn.inTransaction = true
            conn.snapshot = immediate ? latest : nil
        case (.query, .success(let r)):
            if conn.inTransaction && conn.shadow == nil {
                if conn.snapshot == nil { conn.snapshot = latest }
                if let earlier = conn.answers[sql], earlier != r {
                    throw fail("c\(c) \(sql): a read transaction got two answers:\n\(earlier)then\n\(r)")
                }
                conn.answers[sql] = r
            }
        case (.write, .success):
            if conn.inTransaction {
                if conn.shadow == nil {
                    if let s = conn.snapshot, dumps[s] != dumps[latest] {
                        throw fail("c\(c) \(sql): a write succeeded on a stale snapshot (state \(s) of \(latest))")
                    }
                    conn.shadow = newShadow
                    conn.snapshot = latest
                }
            } else if let s = newShadow {
                try commit(s)
            }
        case (.commit, .success):
            if let s = conn.shadow { try commit(s) }
            conn.inTransaction = false
            conn.snapshot = nil
            conn.shadow = nil
            conn.answers = [:]
        case (.rollback, .success):
            conn.inTransaction = false
            conn.snapshot = nil
            conn.shadow = nil
            conn.answers = [:]
        default: break
        }
        connections[c] = conn
        if case .success = real {
            if let db = conn.db, db.isAutocommit == conn.inTransaction {
                throw fail("c\(c) \(sql): the engine's autocommit flag (\(db.isAutocommit)) disagrees with the model")
            }
            return true
        }
        // A failed statement: the application rolls back and drops the transaction; a write
        // whose COMMIT failed may or may not have happened, so the database decides.
        var candidate: Database? = nil
        if case .commit = kind, conn.inTransaction { candidate = conn.shadow }
        if case .write = kind, !conn.inTransaction { candidate = newShadow }
        let wasInTransaction = conn.inTransaction || !(connections[c].db?.isAutocommit ?? true)
        if wasInTransaction { try rollback(c) }
        var isBegin = false
        if case .begin = kind { isBegin = true }
        if wasInTransaction || isBegin { abandon(c, failed: sql) }
        if vfs.statistics.powerLosses > powerMark { try afterPowerLoss(candidate: candidate); return true }
        if let candidate { try resolve(candidate) }
        return true
    }

    /// The application's ROLLBACK after an error; when even that fails, it closes the
    /// connection and opens a new one later.
    func rollback(_ c: Int) throws {
        guard let db = connections[c].db else { return }
        if !db.isAutocommit {
            do { try db.execute("ROLLBACK") } catch {
                log.append("c\(c) rollback failed")
                if vfs.statistics.powerLosses == powerMark { try? db.close() } else { graveyard.append(db) }
                connections[c].db = nil
            }
        }
        endTransaction(c)
    }

    /// Records a commit: `state` becomes the newest committed state.
    /// A commit that changed nothing adds no state: it may have written nothing at all, and
    /// then a power loss can still undo the commit before it (DELETE mode, FULL).
    func commit(_ state: Database) throws {
        report.commits += 1
        epochCommits += 1
        let d = try Self.dump(state)
        if d == dumps[latest] { commitsUpTo[latest] = epochCommits; return }
        // A commit that wrote overwrites the frames of a failed one (WAL) or made the file
        // durable past it; with NORMAL in WAL the log is not synced, so they stay possible.
        if !(plan.config.journalMode == "wal" && plan.config.synchronous == "normal") { ghosts = [] }
        fragile = nil
        states.append(state)
        dumps.append(d)
        commitsUpTo.append(epochCommits)
    }

    /// After a write whose outcome the application cannot know (its COMMIT failed), the
    /// committed state must be either the previous one or the one with the write.
    func resolve(_ candidate: Database) throws {
        vfs.clearFaults()
        let seen = try committedDump()
        if seen == dumps[latest] {
            log.append("resolve: not committed")
            // Its bytes may still be on disk (WAL frames written before a failed fsync, as in
            // SQLite): a power loss before the next commit may bring it back.
            ghosts.append(candidate)
            return
        }
        let withWrite = try Self.dump(candidate)
        if seen == withWrite {
            log.append("resolve: committed")
            try commit(candidate)
            // Visible, but what failed may be what made it durable (the journal's zeroed
            // header, its unlink): a power loss before the next commit may undo it, as in SQLite.
            fragile = latest
            return
        }
        throw fail("after a failed commit the database holds neither the last committed state nor the failed transaction:\n\(seen)")
    }

    /// The committed state as a new connection sees it; when the file is locked, as a copy of
    /// the live files sees it (a copy recovers a hot journal, reads only committed frames).
    func committedDump() throws -> String {
        do {
            let db = try Database(path: Self.path, vfs: process)
            defer { try? db.close() }
            try db.execute(plan.config.pragmas)
            return try Self.dump(db)
        } catch let e as DatabaseError where e.code.primary == .busy {
            let copy = SimVFS(seed: 0)
            for suffix in ["", "-journal", "-wal"] {
                if let bytes = vfs.contents(of: Self.path + suffix) { copy.install(Self.path + suffix, bytes: bytes) }
            }
            let db = try Database(path: Self.path, vfs: copy)
            defer { try? db.close() }
            return try Self.dump(db)
        }
    }

    /// A power loss happened: every connection is gone. The recovered database must pass
    /// integrity_check and hold a committed state the configuration allows.
    func afterPowerLoss(candidate: Database?) throws {
        report.powerLosses += 1
        log.append("power loss")
        vfs.clearFaults()
        process = ProcessVFS(vfs)
        for c in connections.indices {
            // A dead process closes nothing: closing would run path operations (deleting the
            // journal) on the disk after the power loss. The handle is only dropped.
            if let dead = connections[c].db { graveyard.append(dead) }
            connections[c].db = nil
            endTransaction(c)
            connections[c].backlog = []
            connections[c].skipping = connections[c].inPlanTransaction
        }
        let db: Database
        do { db = try open(0) } catch { throw fail("reopening after a power loss: \(error)") }
        let ic: String
        let seen: String
        do {
            ic = try Self.rows(db, "PRAGMA integrity_check")
            seen = try Self.dump(db)
        } catch { throw fail("reading after a power loss: \(error)") }
        guard ic == "t:ok\n" else { throw fail("integrity_check after a power loss: \(ic)") }
        let atRisk = plan.config.commitsAtRisk ?? latest
        var lowest = max(0, latest - atRisk)
        if let f = fragile { lowest = max(0, min(lowest, f - 1)) }
        fragile = nil
        var matched: Int? = nil
        for i in stride(from: latest, through: lowest, by: -1) where dumps[i] == seen { matched = i; break }
        if matched == nil {
            for c in [candidate].compactMap({ $0 }) + ghosts where try Self.dump(c) == seen {
                try commit(c)
                matched = latest
                break
            }
        }
        ghosts = []
        guard let j = matched else {
            let which = dumps.lastIndex(of: seen).map { "state \($0)" } ?? "no committed state"
            throw fail("after a power loss the database holds \(which); allowed states \(lowest)...\(latest):\n\(seen)")
        }
        report.commitsChecked += commitsUpTo[j]
        log.append("recovered state \(j) of \(latest)")
        states = [states[j]]
        dumps = [dumps[j]]
        commitsUpTo = [0]
        epochCommits = 0
    }

    /// End of the plan: every connection closes; a fresh one must see the last committed state.
    func finish() throws {
        let before = vfs.statistics.powerLosses
        for c in connections.indices {
            if let db = connections[c].db {
                if vfs.statistics.powerLosses > before { graveyard.append(db); connections[c].db = nil; continue }
                do { try db.close() } catch {
                    log.append("c\(c) close failed \(error)")
                }
                connections[c].db = nil
            }
            endTransaction(c)
        }
        vfs.clearFaults()
        if vfs.statistics.powerLosses > before { try afterPowerLoss(candidate: nil) }
        let db = try open(0)
        let ic = try Self.rows(db, "PRAGMA integrity_check")
        guard ic == "t:ok\n" else { throw fail("integrity_check at the end: \(ic)") }
        let seen = try Self.dump(db)
        try db.close()
        connections[0].db = nil
        // A failed commit's WAL frames come back when the index is rebuilt (every connection
        // closed), as in SQLite.
        for g in ghosts where try Self.dump(g) == seen {
            log.append("ghost came back")
            report.commitsChecked += epochCommits
            return
        }
        guard seen == dumps[latest] else {
            throw fail("at the end the database holds \(dumps.lastIndex(of: seen).map { "state \($0)" } ?? "no committed state"), not the last commit:\n\(seen)")
        }
        report.commitsChecked += epochCommits
        // With NORMAL/OFF SQLite leaves some writes unsynced on purpose (a truncated journal).
        if vfs.statistics.faultsFired == 0 && ["full", "extra"].contains(plan.config.synchronous) {
            let left = vfs.leftovers()
            if !left.isEmpty { throw fail("leftovers at the end: \(left)") }
        }
    }

    // MARK: Helpers

    static func copy(_ db: Database) throws -> Database {
        let d = try Database()
        try db.backup(to: d)
        return d
    }

    static func exec(_ db: Database, _ sql: String) throws {
        do { try db.execute(sql) } catch { throw Violation(message: "model: \(sql): \(error)") }
    }

    /// The rows of one statement, each value typed: `i:1|t:abc|n`.
    static func rows(_ db: Database, _ sql: String) throws -> String {
        let st = try db.prepare(sql)
        var out = ""
        while try st.step() {
            out += st.row.map(render).joined(separator: "|") + "\n"
        }
        return out
    }

    static func answer(_ db: Database, _ sql: String) -> Result<String, DatabaseError> {
        do { return .success(try rows(db, sql)) } catch let e as DatabaseError { return .failure(e) } catch {
            return .failure(DatabaseError(.error, "\(error)"))
        }
    }

    static func render(_ v: DatabaseValue) -> String {
        switch v {
        case .null: return "n"
        case .integer(let i): return "i:\(i)"
        case .real(let r): return "r:\(DatabaseValue.renderReal(r, significantDigits: 17))"
        case .text(let t): return "t:\(t)"
        case .blob(let b): return "b:" + b.map { String($0, radix: 16) }.joined()
        }
    }

    /// The typed rows as `sqlite3`'s list mode prints them (NULL empty, reals `%!.15g`).
    static func listRows(_ typed: String) -> String {
        typed.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map { cell -> String in
                if cell == "n" { return "" }
                if cell.hasPrefix("r:"), let d = Double(cell.dropFirst(2)) { return DatabaseValue.renderReal(d) }
                return String(cell.dropFirst(2))
            }.joined(separator: "|") + "\n"
        }.joined()
    }

    static func outcome(_ r: Result<String, DatabaseError>) -> String {
        switch r {
        case .success: return "ok"
        case .failure(let e): return "err\(e.code.rawValue)"
        }
    }

    /// Every table's rows in rowid order, typed.
    static func dump(_ db: Database) throws -> String {
        if try db.queryFirstRow("PRAGMA page_count")?.first == .integer(0) { return "" }
        var out = ""
        for row in try db.queryAll("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
            guard case .text(let name) = row.first else { continue }
            out += "[\(name)]\n" + (try rows(db, "SELECT * FROM \"\(name)\" ORDER BY rowid"))
        }
        return out
    }
}
