// This file implements the shrinker: delta debugging over a failing plan's steps (and its
// connections) until no single removal keeps it failing.
// Layer: tools over L7 (LoomSim). Spec: Spec/testing.md ("Simulation").
import Loom

extension Simulation {
    /// The smallest plan found that still fails `stillFails` (by default: any violation).
    ///
    /// ```swift
    /// let report = Simulation.run(plan)
    /// if !report.passed { print(Simulation.shrink(plan).text) }   // a minimal bug-base entry
    /// ```
    /// Removes whole connections first, then chunks of steps (halves, quarters, … single
    /// steps: ddmin), keeping every removal after which the plan still fails; at most
    /// `maxRuns` runs.
    public static func shrink(_ plan: SimulationPlan, maxRuns: Int = 2000,
                              stillFails: (SimulationReport) -> Bool = { !$0.passed }) -> SimulationPlan {
        var best = plan
        var runs = 0
        func fails(_ p: SimulationPlan) -> Bool {
            guard runs < maxRuns else { return false }
            runs += 1
            return stillFails(run(p))
        }
        // Drop connections (renumbering the ones above).
        var c = best.connections - 1
        while c >= 0 && best.connections > 1 {
            var p = best
            p.steps = best.steps.compactMap { step in
                guard case .sql(let n, let sql) = step else { return step }
                if n == c { return nil }
                return .sql(connection: n > c ? n - 1 : n, sql)
            }
            p.connections -= 1
            if fails(p) { best = p }
            c -= 1
        }
        // ddmin over the steps.
        var chunk = max(1, best.steps.count / 2)
        while true {
            var removedAny = false
            var start = 0
            while start < best.steps.count {
                var p = best
                p.steps.removeSubrange(start..<min(best.steps.count, start + chunk))
                if fails(p) { best = p; removedAny = true } else { start += chunk }
            }
            if chunk == 1 && !removedAny { break }
            if !removedAny { chunk = max(1, chunk / 2) }
        }
        // Connections left without a step go too.
        let used = best.steps.reduce(0) { m, s in if case .sql(let n, _) = s { return max(m, n + 1) } else { return m } }
        if used < best.connections {
            var p = best
            p.connections = max(1, used)
            if fails(p) { best = p }
        }
        return best
    }
}
