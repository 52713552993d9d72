// Differential tests: generated queries run through Loom and through sqlite3, results compared
// (rows sorted, as sqllogictest's rowsort; errors compared by whether each query failed).
import Foundation
import Testing
import Loom
import LoomTestSupport

/// Generates random SQL expressions over the columns of `t(a INTEGER, b REAL, c TEXT, d)`.
struct ExpressionGenerator {
    var rng: SeededRNG

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    mutating func literal() -> String {
        switch rng.next() % 8 {
        case 0: return "NULL"
        case 1: return String(Int64(bitPattern: rng.next()) % 1000)
        case 2: return pick(["0", "1", "-1", "9223372036854775807", "-9223372036854775808", "2147483648"])
        case 3: return pick(["0.5", "-2.25", "1e20", "3.0", "0.1", "1.5e-7", "123456.789"])
        case 4: return pick(["'abc'", "'ABC'", "''", "'12'", "' 7 '", "'3.5x'", "'-0'", "'a%'"])
        case 5: return pick(["x'4142'", "x''", "x'41'"])  // no NUL: see COMPAT.md on NULs in text
        default: return String(rng.next() % 20)
        }
    }

    mutating func expression(depth: Int = 0) -> String {
        if depth > 3 || chance(25) {
            return chance(55) ? pick(["a", "b", "c", "d", "a", "b"]) : literal()
        }
        let l = expression(depth: depth + 1)
        switch rng.next() % 14 {
        case 0, 1, 2:
            let op = pick(["+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=", "AND", "OR",
                           "IS", "IS NOT", "&", "|", "<<", ">>", "==", "!="])
            return "(\(l) \(op) \(expression(depth: depth + 1)))"
        case 3: return "(\(pick(["-", "+", "NOT", "~"])) \(l))"  // a space: "--" would start a comment
        case 4:
            let f = pick(["abs", "length", "upper", "lower", "typeof", "hex", "quote", "unicode", "trim", "sign"])
            return "\(f)(\(l))"
        case 5:
            let f = pick(["coalesce", "ifnull", "nullif", "max", "min", "instr", "round"])
            return "\(f)(\(l), \(expression(depth: depth + 1)))"
        // Start positions stay small: SQLite's substr wraps around near ±2^63 (COMPAT.md).
        case 6: return "substr(\(l), \(pick(["1", "2", "-1", "0", "(a % 5)"])), \(pick(["1", "2", "3"])))"
        case 7:
            return "CASE WHEN \(l) THEN \(expression(depth: depth + 1)) ELSE \(expression(depth: depth + 1)) END"
        case 8: return "(\(l) BETWEEN \(literal()) AND \(literal()))"
        case 9: return "(\(l) IN (\(literal()), \(literal()), \(expression(depth: depth + 1))))"
        case 10: return "(\(l) \(pick(["LIKE", "GLOB", "NOT LIKE"])) \(pick(["'a%'", "'%1%'", "'_'", "'A*'", "c"])))"
        case 11: return "CAST(\(l) AS \(pick(["INTEGER", "REAL", "TEXT", "NUMERIC", "BLOB"])))"
        case 12: return "(\(l) IS NULL)"
        default: return "(\(l) COLLATE \(pick(["NOCASE", "BINARY", "RTRIM"])))"
        }
    }

    mutating func query() -> String {
        let columns = (0..<Int(1 + rng.next() % 3)).map { _ in expression() }.joined(separator: ", ")
        switch rng.next() % 4 {
        case 0: return "SELECT \(columns) FROM t"
        case 1: return "SELECT \(columns) FROM t WHERE \(expression())"
        case 2:
            let agg = pick(["count(*)", "count(a)", "sum(a)", "total(b)", "min(c)", "max(b)", "avg(a)", "group_concat(a)"])
            return "SELECT \(agg), \(pick(["a", "c", "typeof(d)"])) FROM t GROUP BY 2"
        default: return "SELECT \(columns)"
        }
    }
}

@Suite(.enabled(if: Oracle.isAvailable)) struct DifferentialTests {
    static let setup = """
        CREATE TABLE t(a INTEGER, b REAL, c TEXT, d);
        INSERT INTO t VALUES(1, 1.5, 'abc', NULL), (2, -0.5, 'ABC', 7), (NULL, NULL, NULL, 'x'),
          (-3, 2.0, '12', 2.5), (40, 1e10, ' 7 ', x'4142'), (5, 0.1, 'a%b', 'abc'),
          (0, -7.25, '', 0), (9223372036854775807, 3.0, '3.5x', -1), (7, 7.0, 'Zeta', '7');
        """

    @Test func generatedQueriesMatchSqlite3() throws {
        var generator = ExpressionGenerator(rng: SeededRNG())
        let seed = generator.rng.seed
        let queries = (0..<400).map { _ in generator.query() }

        // sqlite3: one query per line after the setup; errors name their line.
        let setupLines = Self.setup.split(separator: "\n", omittingEmptySubsequences: false).count
        var script = Self.setup + "\n"
        for (i, q) in queries.enumerated() { script += "SELECT '#\(i)';\n\(q);\n" }
        let out = try Oracle.run([":memory:"], input: script)
        var expected: [[String]] = Array(repeating: [], count: queries.count)
        var current = -1
        var outputLines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        if outputLines.last == "" { outputLines.removeLast() }  // the final newline
        for line in outputLines {
            if line.hasPrefix("#"), let n = Int(line.dropFirst()) { current = n; continue }
            if current >= 0 { expected[current].append(String(line)) }
        }
        var failedExpected = Set<Int>()
        for line in out.stderr.split(separator: "\n") where line.contains("error near line") {
            let digits = line.split(separator: "line ").last?.prefix(while: \.isNumber) ?? ""
            if let n = Int(digits) { failedExpected.insert((n - setupLines - 2) / 2) }
        }

        let db = try Database()
        try db.execute(Self.setup)
        var mismatches: [String] = []
        for (i, q) in queries.enumerated() {
            var rows: [String] = []
            var failed = false
            do {
                let stmt = try db.prepare(q)
                while try stmt.step() {
                    // sqlite3 prints values as C strings: up to the first NUL byte.
                    rows.append(stmt.row.map { value in
                        String((value.textRepresentation ?? "").prefix { $0 != "\0" })
                    }.joined(separator: "|"))
                }
            } catch {
                failed = true
            }
            let want = expected[i]
            if failed != failedExpected.contains(i) || rows.sorted() != want.sorted() {
                mismatches.append("\(q)\n  loom \(failed ? "error " : "")\(rows)\n  sqlite3 \(failedExpected.contains(i) ? "error " : "")\(want)")
            }
        }
        #expect(mismatches.isEmpty, "seed \(seed): \(mismatches.count) of \(queries.count) differ:\n\(mismatches.prefix(8).joined(separator: "\n"))")
    }
}
