// This file implements the crash-test harness: seeded SQL workloads run through the public
// Loom API on SimVFS, power-loss outcomes recovered and checked against the committed prefix.
// Layer: tests (L7 over L0). Spec: Spec/L0-vfs.md ("SimVFS"), Spec/L1-pager.md.
import Foundation
import Loom
import LoomVFS

/// Journal mode and synchronous level of one crash configuration.
struct CrashConfig: Sendable, CustomStringConvertible {
    var journalMode: String
    var synchronous: String
    /// `PRAGMA cache_size` (pages); a tiny cache makes transactions spill dirty pages into the
    /// file before COMMIT, which writes several journal segments.
    var cacheSize: Int? = nil
    /// `PRAGMA wal_autocheckpoint` (WAL configurations): small values checkpoint and
    /// rewind the log inside the workload.
    var walAutocheckpoint: Int? = nil
    /// Whether a COMMIT that returned must survive every power loss. True for FULL/EXTRA in
    /// TRUNCATE/PERSIST mode and for EXTRA in DELETE mode; in DELETE mode with FULL the unlink
    /// of the journal is not made durable (no directory sync), so a power loss right after
    /// COMMIT may resurrect the journal and roll the last transaction back, as in SQLite.
    var commitsDurable: Bool {
        switch (journalMode, synchronous) {
        case ("delete", "extra"), ("truncate", "full"), ("truncate", "extra"),
             ("persist", "full"), ("persist", "extra"), ("wal", "full"), ("wal", "extra"): return true
        default: return false
        }
    }
    var description: String {
        "\(journalMode)/\(synchronous)" + (cacheSize.map { "/cache\($0)" } ?? "") + (walAutocheckpoint.map { "/ckpt\($0)" } ?? "")
    }
    var pragmas: String {
        "PRAGMA journal_mode = \(journalMode); PRAGMA synchronous = \(synchronous);"
            + (cacheSize.map { " PRAGMA cache_size = \($0);" } ?? "")
            + (walAutocheckpoint.map { " PRAGMA wal_autocheckpoint = \($0);" } ?? "")
    }
    static let all: [CrashConfig] = [
        CrashConfig(journalMode: "delete", synchronous: "full"),
        CrashConfig(journalMode: "delete", synchronous: "extra"),
        CrashConfig(journalMode: "truncate", synchronous: "full"),
        CrashConfig(journalMode: "persist", synchronous: "full"),
        CrashConfig(journalMode: "persist", synchronous: "full", cacheSize: 3),
        CrashConfig(journalMode: "wal", synchronous: "full"),
        CrashConfig(journalMode: "wal", synchronous: "full", walAutocheckpoint: 3),
    ]
    static func named(_ s: String) -> CrashConfig? {
        let parts = s.split(separator: "/").map(String.init)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        var c = CrashConfig(journalMode: parts[0], synchronous: parts[1])
        if parts.count == 3 {
            if parts[2].hasPrefix("ckpt"), let n = Int(parts[2].dropFirst(4)) {
                c.walAutocheckpoint = n
                return c
            }
            guard parts[2].hasPrefix("cache"), let n = Int(parts[2].dropFirst(5)) else { return nil }
            c.cacheSize = n
        }
        return c
    }
}

/// A seeded list of SQL transactions and the table state after each prefix of them.
struct CrashWorkload {
    let seed: UInt64
    /// `transactions[0]` creates the schema.
    var transactions: [String] = []
    /// `states[i]`: the dump after the first `i` transactions (`states[0]`: no table).
    var states: [String] = []

    init(seed: UInt64, count: Int) {
        self.seed = seed
        var rng = SplitMix(seed)
        var rows: [Int: String] = [:]
        states.append("<no table>")
        transactions.append("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v);")
        states.append(CrashWorkload.dump(rows))
        for _ in 0..<count {
            var sql = "BEGIN;"
            for _ in 0..<(1 + rng.below(6)) {
                switch rng.below(10) {
                case 0..<6:
                    let k = 1 + rng.below(40)
                    let v = CrashWorkload.text(&rng)
                    sql += "INSERT OR REPLACE INTO t VALUES(\(k), '\(v)');"
                    rows[k] = v
                case 6..<8:
                    let k = 1 + rng.below(40)
                    sql += "DELETE FROM t WHERE k >= \(k) AND k < \(k + 4);"
                    for key in k..<(k + 4) { rows[key] = nil }
                default:
                    let k = 1 + rng.below(40)
                    let v = CrashWorkload.text(&rng)
                    sql += "UPDATE t SET v = '\(v)' WHERE k = \(k);"
                    if rows[k] != nil { rows[k] = v }
                }
            }
            transactions.append(sql + "COMMIT;")
            states.append(CrashWorkload.dump(rows))
        }
    }

    static func text(_ rng: inout SplitMix) -> String {
        let n = 1 + rng.below(rng.below(4) == 0 ? 700 : 60)
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return String((0..<n).map { _ in letters[rng.below(letters.count)] })
    }

    static func dump(_ rows: [Int: String]) -> String {
        rows.keys.sorted().map { "\($0)|\(rows[$0] ?? "")\n" }.joined()
    }
}

/// SplitMix64 for the harness's own choices.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// A crash point: a snapshot and the range of committed-prefix lengths allowed after it.
struct CrashPoint {
    let snapshot: SimVFS.Snapshot
    let minimum: Int
    let maximum: Int
}

enum CrashHarness {
    static let path = "crash.db"

    static func open(_ vfs: SimVFS, _ config: CrashConfig) throws -> Database {
        let db = try Database(path: path, vfs: vfs)
        try db.execute(config.pragmas)
        return db
    }

    /// The table state as `CrashWorkload.dump` renders it.
    static func dump(_ db: Database) throws -> String {
        // An empty file is an empty database. (Loom throws "page out of range" when it reads
        // sqlite_master of a 0-page file: see Spec/L0-vfs.md, "Findings".)
        guard try db.queryFirstRow("PRAGMA page_count")?.first != .integer(0) else { return "<no table>" }
        let exists = try db.queryAll("SELECT count(*) FROM sqlite_master WHERE name = 't'")
        guard exists.first?.first == .integer(1) else { return "<no table>" }
        return try db.queryAll("SELECT k, v FROM t ORDER BY k").map { row in
            row.map { $0.textRepresentation ?? "" }.joined(separator: "|") + "\n"
        }.joined()
    }

    static func integrity(_ db: Database) throws -> String {
        try db.queryAll("PRAGMA integrity_check").map { $0.first?.textRepresentation ?? "" }.joined(separator: "\n")
    }

    /// Runs the workload with a snapshot at every sync (and every `writeEvery`-th write);
    /// returns the crash points with their allowed ranges.
    /// `leftovers` receives what the clean run left behind (see `SimVFS.leftovers`).
    static func crashPoints(_ workload: CrashWorkload, _ config: CrashConfig, writeEvery: Int,
                            leftovers: inout [String]) throws -> [CrashPoint] {
        let vfs = SimVFS(seed: workload.seed)
        vfs.setSnapshotAtSync(true)
        vfs.setSnapshotAtWrites(every: writeEvery)
        var points: [CrashPoint] = []
        let db = try Database(path: path, vfs: vfs)
        try db.execute("PRAGMA page_size = 512")
        try db.execute(config.pragmas)
        for s in vfs.takeSnapshots() { points.append(CrashPoint(snapshot: s, minimum: 0, maximum: 0)) }
        for (i, sql) in workload.transactions.enumerated() {
            try db.execute(sql)
            let lo = config.commitsDurable ? i : max(0, i - 1)
            for s in vfs.takeSnapshots() { points.append(CrashPoint(snapshot: s, minimum: lo, maximum: i + 1)) }
        }
        try db.close()
        // After the last commit: a power loss at rest.
        let n = workload.transactions.count
        points.append(CrashPoint(snapshot: vfs.snapshot(label: "end"), minimum: config.commitsDurable ? n : n - 1, maximum: n))
        leftovers = vfs.leftovers()
        return points
    }

    /// Recovers the crash outcome in `vfs` and returns the recovered dump, or a failure.
    static func recover(_ vfs: SimVFS, _ config: CrashConfig) -> Result<String, HarnessError> {
        do {
            let db = try open(vfs, config)
            let d = try dump(db)
            let ic = try integrity(db)
            try db.close()
            guard ic == "ok" else { return .failure(HarnessError("integrity_check: \(ic)")) }
            let left = vfs.leftovers()
            guard left.isEmpty else { return .failure(HarnessError("leftovers after recovery: \(left)")) }
            return .success(d)
        } catch {
            return .failure(HarnessError("recovery threw \(error)"))
        }
    }

    /// Checks one power loss; `recoveryFault` adds a second power loss during recovery.
    /// Returns nil on success or the failure text.
    static func check(_ point: CrashPoint, crashSeed: UInt64, workload: CrashWorkload, config: CrashConfig,
                      recoveryFault: SimVFS.Fault?, cache: inout [UInt64: Result<String, HarnessError>],
                      counters: inout CrashCounters) -> String? {
        let vfs = SimVFS(crashing: point.snapshot, seed: crashSeed)
        counters.powerLosses += 1
        let result: Result<String, HarnessError>
        if let recoveryFault {
            vfs.inject(recoveryFault)
            var untyped: String?
            do {
                let db = try open(vfs, config)
                defer { try? db.close() }
                _ = try dump(db)
            } catch is DatabaseError {
            } catch {
                untyped = "\(error)"
            }
            vfs.clearFaults()
            if let untyped { return "\(point.snapshot.label): untyped error during recovery: \(untyped)" }
            counters.powerLosses += vfs.statistics.powerLosses
            counters.faults += vfs.statistics.faultsFired
            result = recover(vfs, config)
        } else {
            let fp = vfs.fingerprint()
            if let cached = cache[fp] { result = cached } else {
                result = recover(vfs, config)
                cache[fp] = result
                counters.recoveries += 1
            }
        }
        counters.checked += 1
        switch result {
        case .failure(let e): return "\(point.snapshot.label): \(e.message)"
        case .success(let d):
            let allowed = workload.states[point.minimum...point.maximum]
            if allowed.contains(d) { return nil }
            let which = workload.states.firstIndex(of: d).map { "state after \($0) transactions" } ?? "no committed state"
            return "\(point.snapshot.label): recovered \(which), allowed \(point.minimum)...\(point.maximum)"
        }
    }

    /// The bugbase directory (Fixtures/bugbase at the package root).
    static var bugbase: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/bugbase")
    }

    /// Saves a failing case as a small text file (see Spec/L0-vfs.md, "Bugbase format").
    static func save(_ repro: CrashRepro, failure: String) {
        let dir = bugbase
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let name = "crash-\(repro.config.description.replacingOccurrences(of: "/", with: "-"))-\(repro.workloadSeed)-\(repro.point)-\(repro.crashSeed).txt"
        let text = "# \(failure.replacingOccurrences(of: "\n", with: " "))\n" + repro.text
        try? text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}

/// One reproducible power loss.
struct CrashRepro {
    var config: CrashConfig
    var workloadSeed: UInt64
    var transactions: Int
    var writeEvery: Int
    var point: Int
    var crashSeed: UInt64
    /// "write:3" / "sync:2": a power loss at that call of recovery; "io-read:2": an I/O error.
    var recoveryFault: String?

    var text: String {
        var s = "loom-crash 1\nconfig \(config)\nworkload \(workloadSeed) \(transactions)\nwrite-every \(writeEvery)\n"
        s += "point \(point)\ncrash \(crashSeed)\n"
        if let recoveryFault { s += "recovery-fault \(recoveryFault)\n" }
        return s
    }

    init(config: CrashConfig, workloadSeed: UInt64, transactions: Int, writeEvery: Int, point: Int,
         crashSeed: UInt64, recoveryFault: String?) {
        self.config = config
        self.workloadSeed = workloadSeed
        self.transactions = transactions
        self.writeEvery = writeEvery
        self.point = point
        self.crashSeed = crashSeed
        self.recoveryFault = recoveryFault
    }

    init?(parsing text: String) {
        var fields: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ").map(String.init)
            if let key = parts.first { fields[key] = Array(parts.dropFirst()) }
        }
        guard fields["loom-crash"] == ["1"],
              let c = fields["config"]?.first.flatMap(CrashConfig.named),
              let w = fields["workload"], w.count == 2, let ws = UInt64(w[0]), let wn = Int(w[1]),
              let we = fields["write-every"]?.first.flatMap({ Int($0) }),
              let p = fields["point"]?.first.flatMap({ Int($0) }),
              let cs = fields["crash"]?.first.flatMap({ UInt64($0) }) else { return nil }
        self.init(config: c, workloadSeed: ws, transactions: wn, writeEvery: we, point: p, crashSeed: cs,
                  recoveryFault: fields["recovery-fault"]?.first)
    }

    var fault: SimVFS.Fault? {
        guard let r = recoveryFault else { return nil }
        let parts = r.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]) else { return nil }
        var name = String(parts[0])
        var kind = SimVFS.FaultKind.powerLoss
        if name.hasPrefix("io-") { name.removeFirst(3); kind = .ioError }
        guard let op = SimVFS.Operation(rawValue: name) else { return nil }
        return SimVFS.Fault(op, nth: n, kind: kind)
    }

    /// Replays the case; nil when it passes.
    func replay() throws -> String? {
        let workload = CrashWorkload(seed: workloadSeed, count: transactions)
        var leftovers: [String] = []
        let points = try CrashHarness.crashPoints(workload, config, writeEvery: writeEvery, leftovers: &leftovers)
        guard point < points.count else { return "point \(point) out of range (\(points.count))" }
        var cache: [UInt64: Result<String, HarnessError>] = [:]
        var counters = CrashCounters()
        return CrashHarness.check(points[point], crashSeed: crashSeed, workload: workload, config: config,
                                  recoveryFault: fault, cache: &cache, counters: &counters)
    }
}

struct CrashCounters {
    var powerLosses = 0
    var faults = 0
    var checked = 0
    var recoveries = 0
    var commits = 0
}

struct HarnessError: Error, CustomStringConvertible {
    let message: String
    init(_ m: String) { message = m }
    var description: String { message }
}
