// This file implements test engines for LoomSLTTests: canned answers from a dictionary.
// Layer: tools tests (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Foundation
import Loom
@testable import LoomSLT

struct FakeError: Error, CustomStringConvertible {
    var description: String
}

/// An engine whose answers are a Swift dictionary keyed by SQL text.
final class FakeEngine: SLTEngine {
    enum Answer {
        case rows([[SLTValue]])
        /// Rows produced before a run-time error while stepping.
        case stepError([[SLTValue]])
        case prepareError
        case ok
        case execError
    }
    var answers: [String: Answer]
    var log: [String] = []
    init(_ answers: [String: Answer]) { self.answers = answers }

    func execute(_ sql: String) throws {
        log.append(sql)
        switch answers[sql] {
        case .execError, .prepareError: throw FakeError(description: "exec error")
        case nil: throw FakeError(description: "no canned answer for \(sql)")
        default: return
        }
    }

    func query(_ sql: String) throws -> (rows: [[SLTValue]], error: Error?) {
        log.append(sql)
        switch answers[sql] {
        case .rows(let r): return (r, nil)
        case .stepError(let r): return (r, FakeError(description: "integer overflow"))
        case .ok: return ([], nil)
        default: throw FakeError(description: "prepare error")
        }
    }
}

/// Runs a script text with a fake engine.
func run(_ script: String, _ engine: SLTEngine, engineName: String = "sqlite", ht: Int? = nil,
         halt: Bool = false) -> FileResult {
    var o = RunOptions()
    o.engineName = engineName
    o.hashThreshold = ht
    o.haltOnFailure = halt
    return Runner(options: o).run(script: parseScript(Array(script.utf8)), engine: engine)
}

/// The package root (tests live in Tests/LoomSLTTests).
let packageRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()
