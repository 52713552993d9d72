// This file implements a tiny end-to-end harness for L5: MemoryVFS → Pager → BTree →
// Schema.load → Compiler.prepare → VM.step, and a comparison of its output with sqlite3's
// on the same script. Layer: L5 tests. Spec: Spec/L5-sql.md §Testing.
import Foundation
import LoomBase
import LoomVFS
import LoomPager
import LoomBTree
import LoomRecord
import LoomVDBE
import LoomTestSupport
import Testing
@testable import LoomSQL

/// One statement's outcome: its rows (values joined by "|") or its error message.
struct StatementOutcome: Equatable, CustomStringConvertible {
    var rows: [String] = []
    var error: String? = nil
    var description: String { error.map { "error: \($0)" } ?? rows.joined(separator: "\n") }
}

/// A connection in miniature: what L6 does, just enough to run statements.
final class MiniSession {
    let vfs: any VFS
    let pager: Pager
    let btree: BTree
    let context: ExecutionContext
    var schema: Schema

    /// A session on a MemoryVFS database, or on the file at `path` (PosixVFS).
    init(path: String? = nil) throws {
        vfs = path == nil ? MemoryVFS() : PosixVFS()
        pager = try Pager(vfs: vfs, path: path ?? "x")
        btree = BTree(pager: pager)
        context = ExecutionContext(btree: btree)
        schema = Schema()
        try reloadSchema()
    }

    func reloadSchema() throws {
        schema = try Schema.loadAll(context)
        context.schemaChanged = false
    }

    /// Runs every statement of `sql`; returns one outcome per statement. A statement that
    /// fails does not stop the script (as the sqlite3 shell reading standard input).
    func run(_ sql: String) -> [StatementOutcome] {
        var outcomes: [StatementOutcome] = []
        var at = 0
        while true {
            var outcome = StatementOutcome()
            do {
                guard let stmt = try Compiler.prepare(sql, from: at, schema: schema) else { break }
                at = stmt.end
                let vm = VM(program: stmt.program, context: context)
                do {
                    while try vm.step() {
                        outcome.rows.append((0..<vm.columnCount).map { render(vm.column($0)) }.joined(separator: "|"))
                    }
                } catch let e as DatabaseError {
                    outcome.error = e.message
                }
                if context.schemaChanged { try reloadSchema() }
            } catch let e as DatabaseError {
                outcome.error = e.message
                // Skip the failing statement: find its end through the parser.
                var parser = Parser(sql: sql)
                if let next = try? parser.parseNext(from: at) { at = next.end } else {
                    at = skipToSemicolon(sql, from: at)
                }
            } catch {
                outcome.error = "\(error)"
                at = skipToSemicolon(sql, from: at)
            }
            outcomes.append(outcome)
            if at >= sql.utf8.count { break }
        }
        return outcomes
    }

    private func skipToSemicolon(_ sql: String, from: Int) -> Int {
        let bytes = Array(sql.utf8)
        var i = from
        while i < bytes.count && bytes[i] != UInt8(ascii: ";") { i += 1 }
        return min(i + 1, bytes.count)
    }
}

/// A value as the sqlite3 shell prints it in list mode.
func render(_ v: Value) -> String {
    switch v {
    case .null: return ""
    case .integer(let i): return String(i)
    case .real(let d): return renderReal(d)
    case .text(let s): return s
    case .blob(let b): return String(decoding: b, as: UTF8.self)
    }
}

enum EndToEndOracle {
    /// Runs `statements` (one per entry, no trailing ';') through sqlite3 and returns one
    /// outcome per statement.
    static func run(_ statements: [String]) throws -> [StatementOutcome] {
        let marker = "~~end~~"
        var script = ""
        for s in statements {
            script += s.replacingOccurrences(of: "\n", with: " ") + ";\n"
            script += "SELECT '\(marker)';\n"
        }
        let out = try Oracle.run([":memory:"], input: script)
        var outcomes = Array(repeating: StatementOutcome(), count: statements.count)
        var index = 0
        for line in out.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == marker { index += 1; continue }
            if index < outcomes.count { outcomes[index].rows.append(String(line)) }
        }
        for line in out.stderr.split(separator: "\n") {
            for prefix in ["Parse error near line ", "Runtime error near line ", "Error: near line "] {
                guard line.hasPrefix(prefix) else { continue }
                let rest = line.dropFirst(prefix.count)
                guard let colon = rest.firstIndex(of: ":"), let n = Int(rest[..<colon]) else { continue }
                var message = String(rest[rest.index(after: colon)...].dropFirst())
                if let r = message.range(of: #" \(\d+\)$"#, options: .regularExpression) {
                    message.removeSubrange(r)
                }
                let k = (n - 1) / 2
                if k < outcomes.count { outcomes[k].error = message; outcomes[k].rows = [] }
            }
        }
        return outcomes
    }
}

/// Runs `statements` through Loom and sqlite3 and returns the mismatches.
func compareWithSQLite(_ statements: [String]) throws -> [(String, loom: StatementOutcome, sqlite: StatementOutcome)] {
    let expected = try EndToEndOracle.run(statements)
    let session = try MiniSession()
    var mismatches: [(String, loom: StatementOutcome, sqlite: StatementOutcome)] = []
    for (i, s) in statements.enumerated() {
        let got = session.run(s).first ?? StatementOutcome()
        if got != expected[i] { mismatches.append((s, got, expected[i])) }
    }
    return mismatches
}

/// Runs `statements` through Loom and sqlite3 and records one issue per mismatch (at most
/// `limit`), each prefixed with `label` and followed by `note` (a seed, say).
func expectMatchesSQLite(_ statements: [String], label: String = "", note: String = "", limit: Int = 20,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
    let mismatches = try compareWithSQLite(statements)
    let prefix = label.isEmpty ? "" : "\(label): "
    for m in mismatches.prefix(limit) {
        Issue.record("\(prefix)\(m.0)\n  loom:   \(m.loom)\n  sqlite: \(m.sqlite)\(note)", sourceLocation: sourceLocation)
    }
    if mismatches.count > limit {
        Issue.record("\(prefix)\(mismatches.count - limit) more mismatches", sourceLocation: sourceLocation)
    }
}

/// Runs `script` into a new file by Loom and into another by sqlite3 (both in `dir`), then
/// expects sqlite3 to find Loom's file sound and to print the same for `check` on both files.
/// Returns the path of sqlite3's file.
@discardableResult
func expectLoomFileMatchesSQLite(_ script: [String], check: String, in dir: TemporaryDirectory,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let loomFile = dir.file("loom.db"), sqliteFile = dir.file("sqlite.db")
    do {
        let session = try MiniSession(path: loomFile)
        for s in script {
            let outcome = session.run(s)
            #expect(outcome.allSatisfy { $0.error == nil }, "\(s): \(outcome)", sourceLocation: sourceLocation)
        }
    }
    _ = try Oracle.run([sqliteFile], input: script.joined(separator: ";\n") + ";\n")
    let checkSQL = "PRAGMA integrity_check; " + check
    let fromLoom = try Oracle.run([loomFile, checkSQL])
    let fromSQLite = try Oracle.run([sqliteFile, checkSQL])
    #expect(fromLoom.stdout.hasPrefix("ok\n"), sourceLocation: sourceLocation)
    #expect(fromLoom.stdout == fromSQLite.stdout, sourceLocation: sourceLocation)
    #expect(fromLoom.stderr == "", sourceLocation: sourceLocation)
    return sqliteFile
}
