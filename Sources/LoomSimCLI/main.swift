// This file implements loom-sim, the deterministic simulation's command line: runs seeds,
// prints the figures, shrinks failing seeds into Fixtures/bugbase/, compares serial runs
// with sqlite3. Layer: tools (Foundation allowed). Spec: Spec/testing.md ("Simulation").
import Foundation
import LoomSim

let usage = """
    usage: loom-sim [--seeds N] [--start S] [--connections K] [--statements M] [--power-losses [P]]
                    [--faults] [--jobs J] [--bugbase DIR] [--no-shrink] [--oracle] [--print-plan]
                    [--replay FILE...]
      --seeds N          run seeds S ..< S+N (default 100, start 1)
      --connections K    simulated connections (default 3; 1 = serial)
      --statements M     statement steps per plan (default 60)
      --power-losses [P] arm P power losses per plan (default 10 when given)
      --faults           arm I/O errors, short reads/writes, disk full, fsync failures
      --jobs J           run seeds on J threads (default 1)
      --bugbase DIR      where shrunk failing plans are saved (default Fixtures/bugbase)
      --oracle           serial plans (K = 1, no faults) are also run through sqlite3
      --print-plan       print each seed's plan
      --events           print each run's event log
      --replay FILE...   run saved plans instead of seeds
    Exits 1 when any property is violated.
    """

struct Settings: Sendable {
    var seeds = 100, start: UInt64 = 1, jobs = 1
    var options = SimulationOptions()
    var bugbase = "Fixtures/bugbase", shrink = true, oracle = false, printPlan = false, printEvents = false
    var replay: [String] = []
}

func parseArguments() -> Settings {
    var s = Settings()
    var args = Array(CommandLine.arguments.dropFirst())
    func intArg(_ name: String) -> Int {
        guard !args.isEmpty, let n = Int(args.removeFirst()) else {
            FileHandle.standardError.write(Data("\(name) needs a number\n\(usage)\n".utf8)); exit(2)
        }
        return n
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        switch a {
        case "--seeds": s.seeds = intArg(a)
        case "--start": s.start = UInt64(max(0, intArg(a)))
        case "--connections": s.options.connections = max(1, intArg(a))
        case "--statements": s.options.statements = max(0, intArg(a))
        case "--power-losses":
            if let n = args.first.flatMap({ Int($0) }) { args.removeFirst(); s.options.powerLosses = n } else { s.options.powerLosses = 10 }
        case "--faults": s.options.faults = true
        case "--jobs": s.jobs = max(1, intArg(a))
        case "--bugbase": s.bugbase = args.isEmpty ? s.bugbase : args.removeFirst()
        case "--no-shrink": s.shrink = false
        case "--oracle": s.oracle = true
        case "--print-plan": s.printPlan = true
        case "--events": s.printEvents = true
        case "--replay": s.replay = args; args = []
        case "-h", "--help": print(usage); exit(0)
        default: FileHandle.standardError.write(Data("unknown option \(a)\n\(usage)\n".utf8)); exit(2)
        }
    }
    return s
}

let settings = parseArguments()

/// Runs a serial plan's statements through sqlite3; nil when sqlite3 is absent.
func sqlite3Transcript(_ plan: SimulationPlan) -> String? {
    let exe = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let exe else { return nil }
    let dir = NSTemporaryDirectory() + "loom-sim-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = [dir + "/sim.db"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let script = Data(SimulationOracle.sqlite3Script(plan).utf8)
    let writer = Thread {
        try? input.fileHandleForWriting.write(contentsOf: script)
        try? input.fileHandleForWriting.close()
    }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

struct Outcome: Sendable {
    var seed: UInt64
    var plan: SimulationPlan
    var report: SimulationReport
    var oracleMismatch: String?
}

func runOne(_ plan: SimulationPlan) -> Outcome {
    var report = Simulation.run(plan)
    var mismatch: String? = nil
    if settings.oracle && plan.isSerial && report.passed, let expected = sqlite3Transcript(plan), expected != report.transcript {
        mismatch = "differs from sqlite3"
        report.violations.append("serial run differs from sqlite3:\n" + SimulationOracle.firstDifference(report.transcript, expected))
    }
    return Outcome(seed: plan.seed, plan: plan, report: report, oracleMismatch: mismatch)
}

var plans: [SimulationPlan] = []
if !settings.replay.isEmpty {
    for file in settings.replay {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let p = try? SimulationPlan(parsing: text) else {
            FileHandle.standardError.write(Data("cannot read plan \(file)\n".utf8)); exit(2)
        }
        if text.split(separator: "\n").contains(where: { $0.hasPrefix("# skip:") }) {
            print("skipped \(file) (# skip:)")
            continue
        }
        plans.append(p)
    }
} else {
    plans = (0..<UInt64(settings.seeds)).map { SimulationPlan(seed: settings.start &+ $0, options: settings.options) }
}

let started = Date()
let results = Mutex2<[Int: Outcome]>([:])
let next = Mutex2(0)
let all = plans
let threads = (0..<min(settings.jobs, max(1, all.count))).map { _ in
    Thread {
        while true {
            let i: Int = next.with { n in defer { n += 1 }; return n }
            guard i < all.count else { return }
            let o = runOne(all[i])
            results.with { $0[i] = o }
        }
    }
}
for t in threads { t.start() }
while results.with({ $0.count }) < all.count { usleep(20_000) }

var totals = SimulationReport()
var failing: [Outcome] = []
var concurrent = 0
for i in all.indices {
    guard let o = results.with({ $0[i] }) else { continue }
    if settings.printPlan { print(o.plan.text) }
    if settings.printEvents { print(o.report.events.joined(separator: "\n")) }
    totals.powerLosses += o.report.powerLosses
    totals.faultsInjected += o.report.faultsInjected
    totals.commits += o.report.commits
    totals.commitsChecked += o.report.commitsChecked
    totals.busyRetries += o.report.busyRetries
    totals.abandoned += o.report.abandoned
    if o.plan.connections > 1 { concurrent += 1 }
    if !o.report.passed { failing.append(o) }
}
for o in failing {
    print("seed \(o.seed): VIOLATION \(o.report.violations.first ?? "")")
    guard settings.shrink, settings.replay.isEmpty else { continue }
    let wantOracle = o.oracleMismatch != nil
    let small = Simulation.shrink(o.plan) { report in
        if !report.passed { return true }
        return false
    }
    let minimal = wantOracle ? o.plan : small
    let report = Simulation.run(minimal)
    let first = (report.violations.first ?? o.report.violations.first ?? "").replacingOccurrences(of: "\n", with: "\n# ")
    let text = "# \(first)\n" + minimal.text
    try? FileManager.default.createDirectory(atPath: settings.bugbase, withIntermediateDirectories: true)
    let file = settings.bugbase + "/sim-\(o.seed)-\(minimal.config.journalMode)-\(minimal.connections)c.txt"
    try? text.write(toFile: file, atomically: true, encoding: .utf8)
    print("  shrunk \(o.plan.steps.count) → \(minimal.steps.count) steps: \(file)")
}
let seconds = Date().timeIntervalSince(started)
print("seeds \(all.count) (\(concurrent) with concurrent connections), power losses \(totals.powerLosses), faults injected \(totals.faultsInjected), commits \(totals.commits), commits checked \(totals.commitsChecked), busy retries \(totals.busyRetries), abandoned \(totals.abandoned), violations \(failing.count) in \(String(format: "%.1f", seconds)) s")
exit(failing.isEmpty ? 0 : 1)
