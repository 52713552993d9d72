// This file implements SimulationPlan: the text form of one simulation run (configuration,
// the scheduled SQL steps of every connection, armed faults and power losses).
// Layer: tools over L7 (LoomSim). Spec: Spec/testing.md ("Simulation").
import Loom

/// One deterministic simulation run, as a readable, editable plan.
///
/// ```swift
/// let plan = SimulationPlan(seed: 7, options: SimulationOptions(connections: 3, powerLosses: 4))
/// print(plan.text)                         // "loom-sim 1\nseed 7\nconfig wal full 1024 …"
/// let same = try SimulationPlan(parsing: plan.text)
/// ```
/// Steps run in order: a statement step runs one SQL statement on one connection (a
/// connection that gets `SQLITE_BUSY` keeps it in its backlog and retries later); a fault
/// step arms a `SimVFS.Fault`; a power-loss step cuts the power between statements.
public struct SimulationPlan: Sendable, Equatable {
    /// Seeds the simulated VFS (its randomness and its crash outcomes).
    public var seed: UInt64
    public var config: SimulationConfig
    public var connections: Int
    public var steps: [Step]

    public enum Step: Sendable, Equatable {
        /// `c<n> <sql>`: connection `n` runs one statement.
        case sql(connection: Int, String)
        /// `fault <operation|any> <nth> <kind>`: arms a fault in the VFS.
        case fault(SimVFS.Fault)
        /// `power-loss`: the power fails now.
        case powerLoss
    }

    public init(seed: UInt64, config: SimulationConfig, connections: Int, steps: [Step]) {
        self.seed = seed
        self.config = config
        self.connections = connections
        self.steps = steps
    }

    /// The plan generated from `seed` (`SimulationGenerator`).
    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        self = SimulationGenerator.plan(seed: seed, options: options)
    }

    /// True when one connection runs every statement and no fault or power loss is armed:
    /// then the run must give what `sqlite3` gives for `serialScript`.
    public var isSerial: Bool {
        steps.allSatisfy { if case .sql(let c, _) = $0 { return c == 0 } else { return false } }
    }

    /// The plan's text (the bug-base format, see Spec/testing.md).
    public var text: String {
        var s = "loom-sim 1\nseed \(seed)\nconfig \(config.text)\nconnections \(connections)\n"
        for step in steps { s += step.text + "\n" }
        return s
    }

    /// Parses `text`; lines starting with `#` and blank lines are ignored.
    public init(parsing text: String) throws {
        var seed: UInt64?
        var config: SimulationConfig?
        var connections: Int?
        var steps: [Step] = []
        var versionSeen = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.drop { $0 == " " }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (head, rest) = SimulationPlan.split(line)
            switch head {
            case "loom-sim":
                guard rest == "1" else { throw SimulationPlan.error("unsupported plan version \(rest)") }
                versionSeen = true
            case "seed":
                seed = UInt64(rest)
            case "config":
                config = SimulationConfig(parsing: rest)
                if config == nil { throw SimulationPlan.error("bad config line: \(rest)") }
            case "connections":
                connections = Int(rest)
            case "power-loss":
                steps.append(.powerLoss)
            case "fault":
                guard let f = SimulationPlan.parseFault(rest) else { throw SimulationPlan.error("bad fault line: \(line)") }
                steps.append(.fault(f))
            default:
                guard head.hasPrefix("c"), let n = Int(head.dropFirst()), n >= 0, n < 64, !rest.isEmpty else {
                    throw SimulationPlan.error("bad plan line: \(line)")
                }
                steps.append(.sql(connection: n, rest))
            }
        }
        guard versionSeen, let seed, let config, let connections, connections >= 1 else {
            throw SimulationPlan.error("a plan needs the lines loom-sim 1, seed, config and connections")
        }
        let highest = steps.reduce(0) { m, s in if case .sql(let c, _) = s { return max(m, c) } else { return m } }
        guard highest < connections else { throw SimulationPlan.error("step on connection \(highest) of \(connections)") }
        self.init(seed: seed, config: config, connections: connections, steps: steps)
    }

    static func split(_ line: Substring) -> (String, String) {
        guard let space = line.firstIndex(of: " ") else { return (String(line), "") }
        return (String(line[..<space]), String(line[line.index(after: space)...]))
    }

    static func error(_ message: String) -> DatabaseError { DatabaseError(.error, message) }

    static let faultKinds: [(String, SimVFS.FaultKind)] = [
        ("io", .ioError), ("short-read", .shortRead), ("short-write", .shortWrite),
        ("disk-full", .diskFull), ("sync-failure", .syncFailure), ("cannot-open", .cannotOpen),
        ("power-loss", .powerLoss),
    ]

    static func parseFault(_ text: String) -> SimVFS.Fault? {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 3, let nth = Int(parts[1]), nth >= 1,
              let kind = faultKinds.first(where: { $0.0 == parts[2] })?.1 else { return nil }
        let op: SimVFS.Operation?
        if parts[0] == "any" { op = nil } else {
            guard let o = SimVFS.Operation(rawValue: parts[0]) else { return nil }
            op = o
        }
        return SimVFS.Fault(op, nth: nth, kind: kind)
    }
}

extension SimulationPlan.Step {
    /// The step's plan line.
    public var text: String {
        switch self {
        case .sql(let c, let sql): return "c\(c) \(sql)"
        case .powerLoss: return "power-loss"
        case .fault(let f):
            let kind = SimulationPlan.faultKinds.first { $0.1 == f.kind }?.0 ?? "io"
            return "fault \(f.operation?.rawValue ?? "any") \(f.nth) \(kind)"
        }
    }
}

/// The database configuration of a run: every connection opens with these pragmas.
///
/// ```swift
/// let wal = SimulationConfig(journalMode: "wal", synchronous: "normal", pageSize: 1024, walAutocheckpoint: 3)
/// let report = Simulation.run(seed: 9, options: SimulationOptions(powerLosses: 5, config: wal))
/// ```
public struct SimulationConfig: Sendable, Equatable {
    /// `delete`, `truncate`, `persist` or `wal`.
    public var journalMode: String
    /// `off`, `normal`, `full` or `extra`.
    public var synchronous: String
    public var pageSize: Int
    /// `PRAGMA cache_size` in pages (small values spill dirty pages before COMMIT).
    public var cacheSize: Int?
    /// `PRAGMA wal_autocheckpoint` (WAL only).
    public var walAutocheckpoint: Int?

    public init(journalMode: String, synchronous: String, pageSize: Int, cacheSize: Int? = nil,
                walAutocheckpoint: Int? = nil) {
        self.journalMode = journalMode
        self.synchronous = synchronous
        self.pageSize = pageSize
        self.cacheSize = cacheSize
        self.walAutocheckpoint = walAutocheckpoint
    }

    /// `wal full 1024 cache=5 ckpt=3`
    public var text: String {
        "\(journalMode) \(synchronous) \(pageSize)" + (cacheSize.map { " cache=\($0)" } ?? "")
            + (walAutocheckpoint.map { " ckpt=\($0)" } ?? "")
    }

    init?(parsing text: String) {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count >= 3, ["delete", "truncate", "persist", "wal"].contains(parts[0]),
              ["off", "normal", "full", "extra"].contains(parts[1]),
              let ps = Int(parts[2]), [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536].contains(ps) else { return nil }
        self.init(journalMode: parts[0], synchronous: parts[1], pageSize: ps)
        for p in parts.dropFirst(3) {
            if p.hasPrefix("cache="), let n = Int(p.dropFirst(6)) { cacheSize = n }
            else if p.hasPrefix("ckpt="), let n = Int(p.dropFirst(5)) { walAutocheckpoint = n }
            else { return nil }
        }
    }

    /// The pragmas each connection runs after it opens.
    var pragmas: String {
        "PRAGMA page_size = \(pageSize); PRAGMA journal_mode = \(journalMode); PRAGMA synchronous = \(synchronous);"
            + (cacheSize.map { " PRAGMA cache_size = \($0);" } ?? "")
            + (walAutocheckpoint.map { " PRAGMA wal_autocheckpoint = \($0);" } ?? "")
    }

    /// Whether a power loss may be simulated at all: with `synchronous=off` (and NORMAL in a
    /// rollback mode, on a disk that tears sectors) SQLite itself promises no integrity.
    public var survivesPowerLoss: Bool {
        switch synchronous {
        case "full", "extra": return true
        case "normal": return journalMode == "wal"
        default: return false
        }
    }

    /// How many of the last commits a power loss may undo: 0 when every COMMIT that returned
    /// is durable; 1 in DELETE mode with FULL (the journal's unlink is not directory-synced,
    /// so it may come back and roll the last transaction back, as in SQLite); nil (any, back to
    /// the last recovered state) in WAL mode with NORMAL (the log is synced only at checkpoints).
    public var commitsAtRisk: Int? {
        if journalMode == "wal" { return synchronous == "normal" ? nil : 0 }
        if journalMode == "delete" && synchronous == "full" { return 1 }
        return 0
    }
}
