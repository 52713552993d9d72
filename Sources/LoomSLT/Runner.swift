// This file implements the sqllogictest runner: it runs one script's records against an
// SLTEngine and checks statements, query results, hashes and labels.
// Layer: tools (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Foundation

/// What the runner needs from a database engine.
///
/// ```swift
/// final class MyEngine: SLTEngine { ... }
/// let result = Runner(options: .init()).run(script: records, engine: MyEngine())
/// ```
public protocol SLTEngine: AnyObject {
    /// Runs every statement in `sql` (like `sqlite3_exec`); throws on the first error.
    func execute(_ sql: String) throws
    /// Prepares the first statement of `sql` (throws if that fails) and steps it to the end.
    /// An error while stepping is returned beside the rows produced before it.
    func query(_ sql: String) throws -> (rows: [[SLTValue]], error: Error?)
}

/// Runner settings.
public struct RunOptions: Sendable {
    /// The engine name that skipif/onlyif (and conditional halts) test against.
    public var engineName = "sqlite"
    /// When set, the hash threshold, and `hash-threshold` records are ignored.
    public var hashThreshold: Int? = nil
    /// Stop a file at its first failure.
    public var haltOnFailure = false
    public init() {}
}

/// One failed record.
public struct Failure: Sendable {
    public var line: Int
    public var sql: String
    public var reason: String
    public var expected: [String]
    public var got: [String]

    /// A multi-line report: location, SQL, expected and got.
    public func report(path: String) -> String {
        var s = "\(path):\(line): \(reason)\n"
        s += sql.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }.joined(separator: "\n")
        s += "\n  expected:\n" + (expected.isEmpty ? "    (nothing)" : expected.prefix(40).map { "    " + $0 }.joined(separator: "\n"))
        if expected.count > 40 { s += "\n    ... (\(expected.count) lines)" }
        s += "\n  got:\n" + (got.isEmpty ? "    (nothing)" : got.prefix(40).map { "    " + $0 }.joined(separator: "\n"))
        if got.count > 40 { s += "\n    ... (\(got.count) lines)" }
        return s
    }
}

/// The outcome of one test record.
public enum Outcome: Sendable, Equatable { case passed, failed, skipped }

/// Counts for one script.
public struct FileResult: Sendable {
    public var passed = 0
    public var failed = 0
    public var skipped = 0
    public var failures: [Failure] = []
    /// Why the file stopped early (halt, unknown record, --halt), if it did.
    public var stopReason: String? = nil
    public init() {}
}

/// Runs scripts against an engine.
public struct Runner: Sendable {
    public var options: RunOptions
    public init(options: RunOptions = RunOptions()) { self.options = options }

    /// Runs `records` on `engine`. `onOutcome` sees each test record's outcome as it happens
    /// (worker processes stream these to the parent).
    public func run(script records: [Record], engine: SLTEngine,
                    onOutcome: (Outcome, Failure?) -> Void = { _, _ in }) -> FileResult {
        var result = FileResult()
        var threshold = options.hashThreshold ?? 8
        var labels: [String: String] = [:]
        func note(_ outcome: Outcome, _ failure: Failure? = nil) {
            switch outcome {
            case .passed: result.passed += 1
            case .failed: result.failed += 1
            case .skipped: result.skipped += 1
            }
            if let failure { result.failures.append(failure) }
            onOutcome(outcome, failure)
        }

        for record in records {
            guard record.runs(on: options.engineName) else {
                if case .query(_, _, let label?, _, let expected) = record.kind, labels[label] == nil {
                    labels[label] = expected.labelHash
                }
                if record.isTest { note(.skipped) }
                continue
            }
            switch record.kind {
            case .hashThreshold(let n):
                if options.hashThreshold == nil { threshold = n }
            case .halt:
                result.stopReason = "halt at line \(record.line)"
                return result
            case .unknown(let text):
                note(.failed, Failure(line: record.line, sql: text, reason: "unknown record", expected: [], got: []))
                result.stopReason = "unknown record at line \(record.line)"
                return result
            case .statement(let expectError, let sql):
                var error: Error? = nil
                do { try engine.execute(sql) } catch let e { error = e }
                if expectError == (error != nil) {
                    note(.passed)
                } else {
                    let got = error.map { ["error: \(describe($0))"] } ?? ["ok"]
                    note(.failed, Failure(line: record.line, sql: sql,
                                          reason: expectError ? "statement succeeded, expected an error" : "statement failed",
                                          expected: [expectError ? "error" : "ok"], got: got))
                }
            case .query(let types, let sort, let label, let sql, let expected):
                if let failure = check(types: types, sort: sort, label: label, sql: sql, expected: expected,
                                       line: record.line, threshold: threshold, labels: &labels, engine: engine) {
                    note(.failed, failure)
                } else {
                    note(.passed)
                }
            }
            if options.haltOnFailure && result.failed > 0 {
                result.stopReason = "stopped at the first failure (--halt)"
                return result
            }
        }
        return result
    }

    private func check(types: [UInt8], sort: SortMode, label: String?, sql: String, expected: Expected,
                       line: Int, threshold: Int, labels: inout [String: String],
                       engine: SLTEngine) -> Failure? {
        let rows: [[SLTValue]]
        do {
            rows = try engine.query(sql).rows
        } catch let e {
            return Failure(line: line, sql: sql, reason: "query failed to prepare",
                           expected: expected.lines, got: ["error: \(describe(e))"])
        }
        if let bad = rows.first(where: { $0.count != types.count }) {
            return Failure(line: line, sql: sql,
                           reason: "query has \(bad.count) columns, type string \"\(String(decoding: types, as: UTF8.self))\"",
                           expected: expected.lines, got: [])
        }
        let values = sortedValues(renderRows(rows, types: types), sort)
        let hashed = threshold > 0 && values.count > threshold
        let md5 = (hashed || label != nil) ? hashValues(values) : ""
        let got = hashed ? ["\(values.count) values hashing to \(md5)"] : values
        if got != expected.lines {
            return Failure(line: line, sql: sql, reason: "wrong result", expected: expected.lines, got: got)
        }
        if let label {
            if let previous = labels[label] {
                if previous != md5 {
                    return Failure(line: line, sql: sql, reason: "label \(label): hash differs from its group",
                                   expected: ["\(label) hashing to \(previous)"], got: ["\(label) hashing to \(md5)"])
                }
            } else {
                labels[label] = md5
            }
        }
        return nil
    }
}

/// An error's message without decoration.
func describe(_ error: Error) -> String {
    if let e = error as? DatabaseErrorLike { return e.messageText }
    return String(describing: error)
}

/// Lets the runner print SQLite-style messages for Loom's errors.
protocol DatabaseErrorLike { var messageText: String { get } }
