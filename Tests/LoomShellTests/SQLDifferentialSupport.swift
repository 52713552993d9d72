// This file implements script comparison for SQL features checked end to end through the
// shell: the same script piped into sqlite3 and into loom, stdout and stderr compared.
// Layer: tests. Spec: Spec/testing.md, Spec/L5-sql.md.
import Foundation
import Testing
import LoomTestSupport

/// stderr without the "  <statement>\n  ^--- error here" context lines (where loom knows an
/// error offset sqlite3 does not report, a difference outside these features).
func withoutErrorContext(_ text: String) -> String {
    var out: [Substring] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.drop { $0 == " " }
        if line.hasPrefix("  ") && (trimmed.hasPrefix("^---") || trimmed.hasSuffix("error here ---^")) {
            if let last = out.last, last.hasPrefix("  ") { out.removeLast() }
            continue
        }
        out.append(line)
    }
    return out.joined(separator: "\n")
}

/// Runs `script` on a fresh in-memory database in sqlite3 and in loom; records an issue when
/// stdout or stderr (error context lines aside) differ. Returns true when they agree.
@discardableResult
func expectSameScript(_ script: String, note: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
    let expected = try runSQLite([":memory:"], input: script)
    let got = runLoom([":memory:"], input: script)
    let same = got.stdout == expected.stdout && withoutErrorContext(got.stderr) == withoutErrorContext(expected.stderr)
    if !same {
        Issue.record("""
            \(note)script:
            \(script)
            loom stdout:
            \(got.stdout)
            sqlite3 stdout:
            \(expected.stdout)
            loom stderr:
            \(got.stderr)
            sqlite3 stderr:
            \(expected.stderr)
            """, sourceLocation: sourceLocation)
    }
    return same
}

extension SeededRNG {
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
}
