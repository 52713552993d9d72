// This file implements the differential side of the simulation: the sqlite3 script of a
// serial plan (callers run it; LoomSim starts no process) and a readable first difference.
// Layer: tools over L7 (LoomSim). Spec: Spec/testing.md ("Simulation").

/// Turns serial plans into `sqlite3` scripts whose output equals `SimulationReport.transcript`.
///
/// ```swift
/// let plan = SimulationPlan(seed: 5, options: SimulationOptions(connections: 1))
/// let script = SimulationOracle.sqlite3Script(plan)    // feed to `sqlite3 sim.db`
/// // its standard output must equal Simulation.run(plan).transcript
/// ```
public enum SimulationOracle {
    /// The script: configuration pragmas with output suppressed, then every step; each
    /// SELECT is preceded by `.print --<step>` (steps numbered from 1).
    public static func sqlite3Script(_ plan: SimulationPlan) -> String {
        var s = ".output /dev/null\n\(plan.config.pragmas)\n.output stdout\n"
        for (i, step) in plan.steps.enumerated() {
            guard case .sql(_, let sql) = step else { continue }
            if sql.uppercased().hasPrefix("SELECT") {
                s += ".print --\(i + 1)\n\(sql);\n"
            } else {
                s += ".output /dev/null\n\(sql);\n.output stdout\n"
            }
        }
        return s
    }

    /// The first line where two transcripts differ, with the step header above it.
    public static func firstDifference(_ loom: String, _ sqlite: String) -> String {
        let a = loom.split(separator: "\n", omittingEmptySubsequences: false)
        let b = sqlite.split(separator: "\n", omittingEmptySubsequences: false)
        var header = ""
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? String(a[i]) : "<end>"
            let y = i < b.count ? String(b[i]) : "<end>"
            if x.hasPrefix("--") && x == y { header = x }
            if x != y { return "\(header): loom \(x.prefix(200)) | sqlite3 \(y.prefix(200))" }
        }
        return "identical"
    }
}
