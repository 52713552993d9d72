// This file tests the loom-slt executable end to end: worker processes, parallel files in
// input order, a crashing worker counted as failures without stopping the run, usage errors.
// Layer: tools tests (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Testing
import Foundation
import LoomTestSupport

/// The built loom-slt beside the test bundle (swift test builds every product).
let loomSLTBinary: String? = {
    var candidates: [String] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // …/debug/LoomPackageTests.xctest (a file) or a bundle directory below debug/
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("loom-slt").path)
            dir = dir.deletingLastPathComponent()
        }
    }
    candidates.append(packageRoot + "/.build/debug/loom-slt")
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite(.enabled(if: loomSLTBinary != nil && Oracle.isAvailable)) struct CommandTests {
    let fixture = packageRoot + "/Fixtures/slt/sample.test"

    func slt(_ args: [String]) throws -> Oracle.Output {
        try runProcess(loomSLTBinary ?? "", args)
    }

    @Test func parallelWorkersReportInInputOrder() throws {
        let out = try slt(["--sqlite3", Oracle.path ?? "", "--jobs", "2", fixture, fixture, fixture])
        #expect(out.status == 0)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.prefix(3).allSatisfy { $0.hasPrefix(fixture + ": 83 passed, 0 failed, 2 skipped (") })
        #expect(lines.last == "249 passed, 0 failed, 6 skipped")
    }

    @Test func crashingWorkerFailsOnlyItsFile() throws {
        let out = try slt(["--sqlite3", Oracle.path ?? "", "--jobs", "2", "--crash-after", "10", fixture, fixture])
        #expect(out.status == 0)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains("worker died (signal 6)") }.count == 2)
        // 10 records ran, the other 75 (83 + 2 skipped − 10) count as failed; the run goes on
        #expect(lines.last == "20 passed, 150 failed")
    }

    @Test func showPrintsFailureDetails() throws {
        let dir = try TemporaryDirectory("loom-slt-test")
        defer { dir.cleanup() }
        let text = String(decoding: FileManager.default.contents(atPath: fixture) ?? Data(), as: UTF8.self)
        let altered = dir.file("altered.test")
        try text.replacingOccurrences(of: "1000\n1180\n1240\n", with: "1000\n1181\n1240\n")
            .write(toFile: altered, atomically: true, encoding: .utf8)
        let out = try slt(["--sqlite3", Oracle.path ?? "", "--show", "1", altered])
        #expect(out.stdout.contains("altered.test:109: wrong result"))
        #expect(out.stdout.contains("    1181"))
        #expect(out.stdout.hasSuffix("82 passed, 1 failed, 2 skipped\n"))
    }

    @Test func usageErrors() throws {
        #expect(try slt([]).status == 2)
        #expect(try slt(["--jobs", "x", fixture]).status == 2)
        #expect(try slt(["/no/such/file.test"]).status == 2)
        #expect(try slt(["--help"]).status == 0)
    }
}
