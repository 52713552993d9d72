// This file proves the runner exact on real corpus text: Fixtures/slt/sample.test passes on
// the real sqlite3 (an oracle engine), and each deliberately altered copy fails exactly once.
// Layer: tools tests (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Testing
import Foundation
import LoomTestSupport
@testable import LoomSLT

@Suite struct FixtureTests {
    static let fixture = packageRoot + "/Fixtures/slt/sample.test"
    static let corpus = packageRoot + "/../shared/slt"
    static var canRun: Bool { Oracle.isAvailable && FileManager.default.fileExists(atPath: fixture) }

    func text() throws -> String {
        guard let data = FileManager.default.contents(atPath: Self.fixture) else { throw FakeError(description: "no fixture") }
        return String(decoding: data, as: UTF8.self)
    }

    func runOnSQLite(_ script: String) throws -> FileResult {
        let engine = try SQLite3CLIEngine(path: Oracle.path ?? "/usr/bin/sqlite3")
        return Runner().run(script: parseScript(Array(script.utf8)), engine: engine)
    }

    /// Replaces exactly one occurrence of `old`.
    func alter(_ s: String, _ old: String, _ new: String) throws -> String {
        let parts = s.components(separatedBy: old)
        guard parts.count == 2 else { throw FakeError(description: "\(old) occurs \(parts.count - 1) times") }
        return parts.joined(separator: new)
    }

    @Test(.enabled(if: canRun)) func originalPasses() throws {
        let r = try runOnSQLite(try text())
        #expect(r.failed == 0)
        #expect(r.passed == 83)
        #expect(r.skipped == 2)
    }

    @Test(.enabled(if: canRun)) func changedExpectedValueFails() throws {
        let r = try runOnSQLite(try alter(try text(), "1000\n1180\n1240\n", "1000\n1181\n1240\n"))
        #expect(r.failed == 1)
        #expect(r.failures.first?.line == 109)
        #expect(r.failures.first?.reason == "wrong result")
    }

    @Test(.enabled(if: canRun)) func changedHashFails() throws {
        let r = try runOnSQLite(try alter(try text(), "808146289313018fce25f1a280bd8c30", "808146289313018fce25f1a280bd8c31"))
        #expect(r.failed == 1)
        #expect(r.failures.first?.line == 101)
    }

    @Test(.enabled(if: canRun)) func changedValueCountFails() throws {
        let r = try runOnSQLite(try alter(try text(), "60 values hashing to 808", "59 values hashing to 808"))
        #expect(r.failed == 1)
    }

    @Test(.enabled(if: canRun)) func wrongLabelGroupFails() throws {
        // The run query of group label-36 (values -59 ×3) claims group label-7 (-51, -68, -69,
        // set by a query skipped as mysql-only): its own block still matches, the label does not.
        let r = try runOnSQLite(try alter(try text(), "skipif mysql # not compatible\r\nquery I rowsort label-36",
                                          "skipif mysql # not compatible\r\nquery I rowsort label-7"))
        #expect(r.failed == 1)
        #expect(r.failures.first?.reason.hasPrefix("label label-7") == true)
    }

    @Test(.enabled(if: canRun)) func swappedRowUnderNosortFails() throws {
        let r = try runOnSQLite(try alter(try text(), "1000\n1180\n1240\n", "1180\n1000\n1240\n"))
        #expect(r.failed == 1)
        #expect(r.failures.first?.line == 109)
    }

    /// Under rowsort the engine's order does not matter (RunnerTests), but the expected block
    /// is written sorted and is not re-sorted: a misordered block fails.
    @Test(.enabled(if: canRun)) func misorderedBlockUnderRowsortFails() throws {
        let r = try runOnSQLite(try alter(try text(), "query I rowsort label-7\r\nSELECT - col2 / - col0 - + 69 AS col0 FROM tab1 AS cor0\r\n----\r\n-51\r\n-68\r\n-69",
                                          "query I rowsort label-7\r\nSELECT - col2 / - col0 - + 69 AS col0 FROM tab1 AS cor0\r\n----\r\n-68\r\n-51\r\n-69"))
        #expect(r.failed == 1)
    }

    @Test(.enabled(if: canRun)) func statementKindFlipFails() throws {
        let r = try runOnSQLite(try alter(try text(), "statement ok\nCREATE TABLE t1(", "statement error\nCREATE TABLE t1("))
        #expect(r.failed == 1)
        #expect(r.failures.first?.line == 1)
    }

    /// The quick corpus set on the real sqlite3: every record passes (skips when the corpus
    /// or sqlite3 is absent).
    @Test(.enabled(if: Oracle.isAvailable && FileManager.default.fileExists(atPath: corpus + "/select1.test")))
    func quickCorpusPassesOnSQLite() throws {
        var options = CommandOptions()
        options.implementation = .sqlite3(Oracle.path ?? "/usr/bin/sqlite3")
        for file in try collectScripts([Self.corpus + "/select1.test", Self.corpus + "/evidence"]) {
            let report = runFileInProcess(file, options: options)
            #expect(report.failed == 0, "\(file)")
            #expect(report.passed > 0, "\(file)")
        }
    }
}
