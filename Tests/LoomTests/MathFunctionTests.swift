// Math functions (lang_mathfunc.html) compared with sqlite3 over a grid of arguments.
import Foundation
import Testing
import Loom
import LoomTestSupport

@Suite(.enabled(if: Oracle.isAvailable)) struct MathFunctionTests {
    static let arguments = ["0", "1", "-1", "2", "0.5", "-0.5", "3.7", "-2.5", "1e300", "-1e-300",
                            "9223372036854775807", "'4'", "' 9 '", "'12.0'", "'1e2'", "'abc'", "'3x'",
                            "x'34'", "NULL", "100", "1000"]
    static let unary = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "ceiling", "cos", "cosh",
                        "degrees", "exp", "floor", "ln", "log", "log10", "log2", "radians", "sin", "sinh",
                        "sqrt", "tan", "tanh", "trunc"]
    static let binary = ["atan2", "log", "mod", "pow", "power"]

    @Test func everyFunctionMatchesSqlite3() throws {
        var exprs: [String] = ["pi()"]
        for f in Self.unary { for x in Self.arguments { exprs.append("\(f)(\(x))") } }
        for f in Self.binary {
            for x in Self.arguments.prefix(8) {  // quote() of results near 1e189 renders differently (COMPAT.md)
                for y in ["0", "2", "-3", "0.5", "'2'", "NULL", "10"] {
                exprs.append("\(f)(\(x), \(y))")
            } }
        }
        let sql = exprs.map { "SELECT quote(\($0)), typeof(\($0));" }.joined(separator: "\n")
        let expected = try Oracle.run([":memory:"], input: sql).stdout
        let db = try Database()
        var got = ""
        for e in exprs {
            for row in try db.queryAll("SELECT quote(\(e)), typeof(\(e))") {
                got += row.map { $0.textRepresentation ?? "" }.joined(separator: "|") + "\n"
            }
        }
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let have = got.split(separator: "\n", omittingEmptySubsequences: false)
        let diffs = zip(exprs, zip(have, want)).filter { $1.0 != $1.1 }.map { "\($0): loom \($1.0) sqlite3 \($1.1)" }
        #expect(have.count == want.count)
        #expect(diffs.isEmpty, "\(diffs.count) differ: \(diffs.prefix(10))")
    }
}

@Suite(.enabled(if: Oracle.isAvailable)) struct SoundexTests {
    @Test func soundexMatchesSqlite3() throws {
        var rng = SeededRNG()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzAEHWY -1é'")
        var inputs = ["Robert", "Rupert", "Tymczak", "Pfister", "Ashcraft", "Honeyman", "", "123abc", "Abéb"]
        for _ in 0..<200 {
            inputs.append(String((0..<Int(rng.next() % 9)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        let literals = inputs.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
        let sql = literals.map { "SELECT soundex(\($0));" }.joined(separator: "\n") + "\nSELECT soundex(NULL), soundex(42), sqlite_source_id();\n"
        let expected = try Oracle.run([":memory:"], input: sql).stdout
        let db = try Database()
        var got = ""
        for l in literals { got += (try db.queryFirstRow("SELECT soundex(\(l))")?.first?.textRepresentation ?? "") + "\n" }
        got += (try db.queryFirstRow("SELECT soundex(NULL), soundex(42), sqlite_source_id()") ?? [])
            .map { $0.textRepresentation ?? "" }.joined(separator: "|") + "\n"
        #expect(got == expected, "seed \(rng.seed)")
    }
}
