// This file implements SimulationGenerator: from a seed, a plan of SQL transactions over
// several connections, interleaved by a seeded scheduler, with faults and power losses.
// Layer: tools over L7 (LoomSim). Spec: Spec/testing.md ("Simulation").
import Loom

/// What to generate.
///
/// ```swift
/// let options = SimulationOptions(connections: 3, statements: 80, powerLosses: 10, faults: true)
/// let plan = SimulationPlan(seed: 1, options: options)
/// ```
public struct SimulationOptions: Sendable, Equatable {
    /// Simulated connections sharing one database file (1 gives a serial workload).
    public var connections: Int
    /// Statement steps in the plan (the schema comes on top).
    public var statements: Int
    /// Power losses to arm (some between statements, some in the middle of a VFS call);
    /// only in configurations that promise to survive them.
    public var powerLosses: Int
    /// Whether to arm I/O errors, short reads/writes, disk-full and fsync failures.
    public var faults: Bool
    /// Fixes the configuration instead of drawing it from the seed.
    public var config: SimulationConfig?

    public init(connections: Int = 3, statements: Int = 60, powerLosses: Int = 0, faults: Bool = false,
                config: SimulationConfig? = nil) {
        self.connections = max(1, connections)
        self.statements = max(0, statements)
        self.powerLosses = max(0, powerLosses)
        self.faults = faults
        self.config = config
    }
}

/// SplitMix64: the generator's and the runner's own choices.
struct SimRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed ^ 0x5DEE_CE66_D1CE_4E5B }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Builds plans from seeds.
public enum SimulationGenerator {
    /// The schema every plan starts with (connection 0).
    public static let schema = [
        "CREATE TABLE t1(k INTEGER PRIMARY KEY, a INTEGER, b TEXT)",
        "CREATE INDEX t1a ON t1(a)",
        "CREATE TABLE t2(x TEXT PRIMARY KEY, y)",
    ]

    /// The plan for `seed`.
    public static func plan(seed: UInt64, options: SimulationOptions) -> SimulationPlan {
        var rng = SimRNG(seed)
        let config = options.config ?? drawConfig(&rng, powerLosses: options.powerLosses > 0)
        var steps: [SimulationPlan.Step] = schema.map { .sql(connection: 0, $0) }
        var scripts = (0..<options.connections).map { _ in [String]() }
        // Power losses and faults go at drawn positions among the statements.
        var powerAt: [Int: Int] = [:]
        if config.survivesPowerLoss {
            for _ in 0..<options.powerLosses { powerAt[rng.below(max(1, options.statements)), default: 0] += 1 }
        }
        for i in 0..<options.statements {
            let c = rng.below(options.connections)
            if scripts[c].isEmpty { scripts[c] = transaction(&rng, config: config) }
            steps.append(.sql(connection: c, scripts[c].removeFirst()))
            if options.faults && rng.chance(6) { steps.append(.fault(fault(&rng))) }
            for _ in 0..<(powerAt[i] ?? 0) {
                if rng.chance(40) { steps.append(.powerLoss) } else {
                    let op = rng.pick([SimVFS.Operation.write, .write, .sync, .sync, .read, .truncate, .delete])
                    steps.append(.fault(SimVFS.Fault(op, nth: 1 + rng.below(op == .read || op == .write ? 12 : 4),
                                                     kind: .powerLoss)))
                }
            }
        }
        // Every connection finishes the transaction it is in.
        for c in 0..<options.connections {
            for sql in scripts[c] where isTransactionEnd(sql) { steps.append(.sql(connection: c, sql)) }
        }
        return SimulationPlan(seed: seed, config: config, connections: options.connections, steps: steps)
    }

    static func isTransactionEnd(_ sql: String) -> Bool { sql == "COMMIT" || sql == "ROLLBACK" }

    static func drawConfig(_ rng: inout SimRNG, powerLosses: Bool) -> SimulationConfig {
        let mode = rng.pick(["delete", "truncate", "persist", "wal", "wal"])
        let sync: String
        if mode == "wal" { sync = rng.pick(["full", "normal"]) }
        else { sync = powerLosses ? rng.pick(["full", "full", "extra"]) : rng.pick(["full", "extra", "normal", "off"]) }
        var c = SimulationConfig(journalMode: mode, synchronous: sync, pageSize: rng.pick([512, 1024, 4096]))
        if rng.chance(30) { c.cacheSize = 3 + rng.below(8) }
        if mode == "wal" && rng.chance(60) { c.walAutocheckpoint = 2 + rng.below(8) }
        return c
    }

    static func fault(_ rng: inout SimRNG) -> SimVFS.Fault {
        switch rng.below(10) {
        case 0, 1: return SimVFS.Fault(.write, nth: 1 + rng.below(10), kind: .ioError)
        case 2: return SimVFS.Fault(.write, nth: 1 + rng.below(10), kind: .shortWrite)
        case 3: return SimVFS.Fault(.write, nth: 1 + rng.below(10), kind: .diskFull)
        case 4: return SimVFS.Fault(.sync, nth: 1 + rng.below(4), kind: .syncFailure)
        case 5: return SimVFS.Fault(.read, nth: 1 + rng.below(10), kind: .ioError)
        case 6: return SimVFS.Fault(.truncate, nth: 1, kind: .ioError)
        case 7: return SimVFS.Fault(.delete, nth: 1, kind: .ioError)
        // No short reads: a short read in the middle of the file is, for SQLite's pager as for
        // Loom's, the end of the file (zero-filled, no error), so data loss is undetectable
        // (Fixtures/bugbase/sim-2-delete-2c-short-read.txt).
        case 8: return SimVFS.Fault(.open, nth: 1 + rng.below(2), kind: .ioError)
        default: return SimVFS.Fault(.sync, nth: 1 + rng.below(4), kind: .ioError)
        }
    }

    /// One transaction's statements for one connection.
    static func transaction(_ rng: inout SimRNG, config: SimulationConfig) -> [String] {
        switch rng.below(10) {
        case 0, 1, 2:
            // A lone statement in autocommit mode.
            if config.journalMode == "wal" && rng.chance(10) {
                return [rng.pick(["PRAGMA wal_checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA wal_checkpoint(RESTART)"])]
            }
            return [rng.chance(35) ? query(&rng) : write(&rng)]
        case 3, 4:
            // A read transaction that repeats a query: both answers must agree.
            let q = query(&rng)
            var s = ["BEGIN", q]
            if rng.chance(50) { s.append(query(&rng)) }
            s.append(q)
            return s + ["COMMIT"]
        default:
            var s = [rng.pick(["BEGIN", "BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"])]
            for _ in 0..<(1 + rng.below(5)) { s.append(rng.chance(25) ? query(&rng) : write(&rng)) }
            s.append(rng.chance(15) ? "ROLLBACK" : "COMMIT")
            return s
        }
    }

    static func word(_ rng: inout SimRNG) -> String {
        let syllables = ["ka", "lo", "mi", "ne", "su", "ra", "to", "vi", "ze", "po"]
        return (0..<(1 + rng.below(4))).map { _ in rng.pick(syllables) }.joined()
    }

    /// A text value: usually short, sometimes long enough for overflow pages.
    static func text(_ rng: inout SimRNG) -> String {
        if rng.chance(12) { return "printf('%-\(200 + rng.below(1800))s', '\(word(&rng))')" }
        return "'\(word(&rng))'"
    }

    static func write(_ rng: inout SimRNG) -> String {
        switch rng.below(9) {
        case 0, 1: return "INSERT INTO t1(a, b) VALUES(\(rng.below(100)), \(text(&rng)))"
        case 2: return "INSERT OR REPLACE INTO t1(k, a, b) VALUES(\(1 + rng.below(60)), \(rng.below(100)), \(text(&rng)))"
        case 3:
            let m = 2 + rng.below(5)
            return "UPDATE t1 SET a = a + \(1 + rng.below(9)), b = \(text(&rng)) WHERE k % \(m) = \(rng.below(m))"
        case 4:
            let lo = rng.below(100)
            return "DELETE FROM t1 WHERE a BETWEEN \(lo) AND \(lo + rng.below(15))"
        case 5: return "INSERT OR REPLACE INTO t2(x, y) VALUES('\(word(&rng))', \(rng.below(1000)).25)"
        case 6: return "INSERT OR REPLACE INTO t2(x, y) VALUES('\(word(&rng))', \(text(&rng)))"
        case 7: return "DELETE FROM t2 WHERE x < '\(word(&rng))' AND x > '\(word(&rng))'"
        default:
            return "UPDATE t2 SET y = NULL WHERE x >= '\(word(&rng))' AND x < '\(word(&rng))'"
        }
    }

    static func query(_ rng: inout SimRNG) -> String {
        switch rng.below(6) {
        case 0: return "SELECT k, a, b FROM t1 ORDER BY k"
        case 1: return "SELECT count(*), sum(a), max(k), total(length(b)) FROM t1"
        case 2:
            let lo = rng.below(100)
            return "SELECT k, a FROM t1 WHERE a BETWEEN \(lo) AND \(lo + rng.below(30)) ORDER BY a, k"
        case 3: return "SELECT x, y FROM t2 ORDER BY x"
        case 4: return "SELECT a, count(*) FROM t1 GROUP BY a HAVING count(*) > 1 ORDER BY a"
        default: return "SELECT (SELECT count(*) FROM t1) + (SELECT count(*) FROM t2), (SELECT group_concat(x, ',') FROM (SELECT x FROM t2 ORDER BY x))"
        }
    }
}
