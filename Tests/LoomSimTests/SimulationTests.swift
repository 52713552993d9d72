// This file tests the deterministic simulation: identical traces for identical seeds, seeds
// with concurrent connections, faults and power losses passing every property, serial runs
// against sqlite3, the shrinker, and a replay of every plan in Fixtures/bugbase.
// Layer: tests (LoomSim over L7). Spec: Spec/testing.md ("Simulation").
import Foundation
import Testing
import Loom
import LoomSim
import LoomTestSupport

/// Fixtures/bugbase at the package root.
private let bugbase = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/bugbase")

@Suite struct SimulationTests {
    static let stress = SimulationOptions(connections: 3, statements: 50, powerLosses: 6, faults: true)

    @Test func planTextRoundTrips() throws {
        let plan = SimulationPlan(seed: 11, options: Self.stress)
        #expect(try SimulationPlan(parsing: plan.text) == plan)
        #expect(plan.text.hasPrefix("loom-sim 1\nseed 11\nconfig "))
        #expect(throws: DatabaseError.self) { try SimulationPlan(parsing: "loom-sim 1\nseed 1\n") }
        #expect(throws: DatabaseError.self) {
            try SimulationPlan(parsing: "loom-sim 1\nseed 1\nconfig wal full 1024\nconnections 1\nc3 SELECT 1\n")
        }
    }

    /// The same plan run twice gives the same VFS trace, event log and figures.
    @Test(arguments: [UInt64(3), 8, 21]) func sameSeedSameTrace(seed: UInt64) {
        let plan = SimulationPlan(seed: seed, options: Self.stress)
        let a = Simulation.run(plan)
        let b = Simulation.run(plan)
        #expect(a.traceHash == b.traceHash)
        #expect(a == b)
        #expect(Simulation.run(SimulationPlan(seed: seed + 1000, options: Self.stress)).traceHash != a.traceHash)
    }

    /// A handful of seeds through every property (the CI step runs thousands, in release).
    @Test func concurrentSeedsWithFaultsAndPowerLosses() {
        var totals = SimulationReport()
        for seed in UInt64(1)...10 {
            let report = Simulation.run(seed: seed, options: Self.stress)
            #expect(report.violations == [], "seed \(seed)")
            totals.powerLosses += report.powerLosses
            totals.commitsChecked += report.commitsChecked
            totals.busyRetries += report.busyRetries
        }
        #expect(totals.powerLosses > 10)
        #expect(totals.commitsChecked > 10)
        #expect(totals.busyRetries > 0)
    }

    /// Each journal mode and synchronous level, concurrent, with power losses where allowed.
    @Test(arguments: ["delete full", "delete extra", "truncate full", "persist extra", "wal full", "wal normal",
                      "persist normal", "delete off"])
    func configurations(_ config: String) throws {
        let parts = config.split(separator: " ").map(String.init)
        let c = SimulationConfig(journalMode: parts[0], synchronous: parts[1], pageSize: 1024, cacheSize: 4,
                                 walAutocheckpoint: parts[0] == "wal" ? 3 : nil)
        for seed in UInt64(1)...2 {
            let options = SimulationOptions(connections: 3, statements: 40, powerLosses: 4, faults: true, config: c)
            let plan = SimulationPlan(seed: seed, options: options)
            #expect(plan.steps.contains(.powerLoss) || !c.survivesPowerLoss || plan.steps.contains { if case .fault = $0 { return true } else { return false } })
            let report = Simulation.run(plan)
            #expect(report.violations == [], "\(config) seed \(seed)")
        }
    }

    /// Serial plans give what sqlite3 gives for the same statements.
    @Test(.enabled(if: Oracle.isAvailable), arguments: [UInt64(2), 5, 9, 14])
    func serialRunsMatchSqlite3(seed: UInt64) throws {
        let plan = SimulationPlan(seed: seed, options: SimulationOptions(connections: 1, statements: 60))
        #expect(plan.isSerial)
        let report = Simulation.run(plan)
        #expect(report.violations == [])
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let out = try Oracle.run([dir.file("sim.db")], input: SimulationOracle.sqlite3Script(plan))
        #expect(out.stderr == "")
        #expect(report.transcript == out.stdout, "\(SimulationOracle.firstDifference(report.transcript, out.stdout))")
        #expect(report.transcript.contains("--"))
    }

    /// The shrinker keeps only what a failure needs (here a stand-in failure: two commits that
    /// changed the database, one a power loss then recovered).
    @Test func shrinkerFindsASmallPlan() {
        let plan = SimulationPlan(seed: 4, options: SimulationOptions(connections: 3, statements: 40, powerLosses: 3))
        let fails: (SimulationReport) -> Bool = { $0.commitsChecked >= 2 && $0.powerLosses >= 1 }
        #expect(fails(Simulation.run(plan)))
        let small = Simulation.shrink(plan, stillFails: fails)
        #expect(fails(Simulation.run(small)))
        #expect(small.steps.count <= 4)
        #expect(small.steps.count < plan.steps.count)
        #expect(small.connections == 1)
    }

    /// Every plan in the bug base replays without a violation, unless it carries a
    /// `# skip: <reason>` line (a known engine bug not yet fixed).
    @Test func bugbaseReplays() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: bugbase.path)
            .filter { $0.hasPrefix("sim-") && $0.hasSuffix(".txt") }.sorted()
        #expect(!files.isEmpty)
        for name in files {
            let text = try String(contentsOf: bugbase.appendingPathComponent(name), encoding: .utf8)
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("# skip:") }) { continue }
            let plan = try SimulationPlan(parsing: text)
            let report = Simulation.run(plan)
            #expect(report.violations == [], "\(name)")
        }
    }
}
