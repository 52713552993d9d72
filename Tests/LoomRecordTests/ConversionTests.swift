// This file tests SQLite's value conversions (renderReal, text → number, CAST, affinity)
// against the sqlite3 CLI. Layer: L2 tests. Spec: Spec/L2-record.md (invariants C1-C8, A1-A5).
import Testing
import LoomTestSupport
@testable import LoomRecord

/// A SQL literal for a value (strings via quote doubling; control characters via char()).
func sqlLiteral(_ v: Value) -> String {
    switch v {
    case .null: return "NULL"
    case .integer(let i): return i == .min ? "(-9223372036854775807-1)" : "\(i)"
    case .real(let d): return d < 0 || (d == 0 && d.sign == .minus) ? "(-\(d.magnitude))" : "\(d)"
    case .text(let s):
        var parts: [String] = []
        var cur = ""
        for u in s.unicodeScalars {
            if u.value < 0x20 {
                if !cur.isEmpty { parts.append("'\(cur.replacingOccurrences("'", "''"))'"); cur = "" }
                parts.append("char(\(u.value))")
            } else { cur.unicodeScalars.append(u) }
        }
        if !cur.isEmpty || parts.isEmpty { parts.append("'\(cur.replacingOccurrences("'", "''"))'") }
        return "(" + parts.joined(separator: "||") + ")"
    case .blob(let b):
        let hex = "0123456789abcdef".map { $0 }
        return "x'" + String(b.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }) + "'"
    }
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}

func typeName(_ v: Value) -> String {
    switch v {
    case .null: return "null"
    case .integer: return "integer"
    case .real: return "real"
    case .text: return "text"
    case .blob: return "blob"
    }
}

/// "type:text" as sqlite3 prints `typeof(x)||':'||x`.
func typed(_ v: Value) -> String { typeName(v) + ":" + (v.textValue ?? "") }

/// Runs one SELECT per line and returns sqlite3's output lines.
func oracleLines(_ selects: [String]) throws -> [String] {
    let out = try Oracle.run([":memory:"], input: selects.map { $0 + ";\n" }.joined())
    var lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

@Suite struct RenderRealTests {
    static let fixed: [(Double, String)] = [
        (1.0, "1.0"), (0.3, "0.3"), (1e20, "1.0e+20"), (1.5e-7, "1.5e-07"), (123456789012.0, "123456789012.0"),
        (.infinity, "Inf"), (-.infinity, "-Inf"), (-0.0, "0.0"), (0.0, "0.0"), (1e15, "1.0e+15"), (1e14, "100000000000000.0"),
        (1e16, "1.0e+16"), (0.1 + 0.2, "0.3"), (1 / 3.0, "0.333333333333333"), (9007199254740992.0, "9.00719925474099e+15"),
        (0.0001, "0.0001"), (0.00001, "1.0e-05"), (Double.leastNonzeroMagnitude, "4.94065645841247e-324"),
        (1.7976931348623157e308, "1.79769313486232e+308"), (100.0, "100.0"), (-2.5, "-2.5"),
        (109801901087506.5, "109801901087507.0"), (742145859677949.5, "742145859677949.0"),
    ]

    @Test(arguments: fixed)
    func fixedValues(_ d: Double, _ text: String) {
        #expect(renderReal(d) == text)
    }

    @Test func matchesSqlite3OnManyDoubles() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        var values: [Double] = []
        while values.count < 600 {
            let d: Double
            switch values.count % 5 {
            case 0: d = Double(bitPattern: rng.next())
            case 1: d = Double.random(in: -1e6...1e6, using: &rng)
            case 2: d = Double(Int64.random(in: -100_000_000_000_000_000...100_000_000_000_000_000, using: &rng))
            case 3:  // 15 digits then a 5: near a rounding boundary
                let m = Int64.random(in: 100_000_000_000_000...999_999_999_999_999, using: &rng)
                d = Double("\(m)5e\(Int.random(in: -25...25, using: &rng))") ?? 1
            default: d = Double.random(in: 0...1, using: &rng) * pow10(Int.random(in: -30...30, using: &rng))
            }
            // sqlite3's own text-to-double conversion is not exact near the ends of the
            // exponent range, so the literal would name a different double there.
            if d.isFinite, d == 0 || (d.magnitude > 1e-290 && d.magnitude < 1e290) { values.append(d) }
        }
        let lines = try oracleLines(values.map { "SELECT CAST(\(sqlLiteral(.real($0))) AS TEXT)||'|'||quote(\(sqlLiteral(.real($0))))" })
        #expect(lines.count == values.count)
        var mismatches: [String] = []
        for line in lines {
            // sqlite3 3.40's text-to-double conversion is not correctly rounded, so the double
            // it rendered may differ from the literal's: recover that double exactly from its
            // 20-significant-digit quote() form and check Loom renders the same double alike.
            guard let bar = line.firstIndex(of: "|"), let d = Double(line[line.index(after: bar)...]) else {
                mismatches.append("unparsable sqlite3 line \(line)")
                continue
            }
            if renderReal(d) + "|" + renderRealForQuote(d) != line {
                mismatches.append("\(d): loom \(renderReal(d))|\(renderRealForQuote(d)) sqlite3 \(line)")
            }
        }
        #expect(mismatches.isEmpty, "seed \(rng.seed): \(mismatches.prefix(10))")
    }
}

func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
}

@Suite struct TextConversionTests {
    static let strings: [String] = [
        "12abc", " 3.9x", "1e5", "  -12", "0x10", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999", "1e30", "+5", "- 5", ".5", "5.", "", "abc", "3.0", "1e3", " 1e3 ",
        "1.5e", "1e+", "3.0e0x", "  12  ", "1e400", "-1e400", "-0", "-0.0", "9223372036854775807",
        "-9223372036854775808", "9223372036854775807.0", "1_000", "12e", "-5.", "4.5e-1", " 12\t",
        "\t\n\u{0B}\u{0C}\r12", "12\u{0B}", "１２", "000000000000000000000012", "-00", "92233720368547758070",
        "-92233720368547758090", "1.0e+0", ".", "-", "e5", "1e-400", "123456789012345678901", "0.1", "  ",
        "1.7976931348623157e308", "2e308", "Infinity", "NaN", "1 2", "+.5e1 ", "9007199254740993",
        "9007199254740993.0", "12.34.56", "1e2e3", "0000.000100", "-.e1",
    ]

    @Test func castsMatchSqlite3() throws {
        guard Oracle.isAvailable else { return }
        var selects: [String] = []
        var expected: [String] = []
        for s in Self.strings {
            let lit = sqlLiteral(.text(s))
            selects.append("SELECT typeof(CAST(\(lit) AS NUMERIC))||':'||CAST(\(lit) AS NUMERIC), "
                + "typeof(CAST(\(lit) AS INTEGER))||':'||CAST(\(lit) AS INTEGER), "
                + "typeof(CAST(\(lit) AS REAL))||':'||CAST(\(lit) AS REAL)")
            let v = Value.text(s)
            expected.append([typed(v.castToNumeric), typed(v.castToInteger), typed(v.castToReal)].joined(separator: "|"))
        }
        let lines = try oracleLines(selects)
        #expect(lines.count == expected.count)
        for (i, (line, exp)) in zip(lines, expected).enumerated() {
            #expect(line == exp, "string \(Self.strings[i].debugDescription)")
        }
    }

    @Test func affinityMatchesSqlite3() throws {
        guard Oracle.isAvailable else { return }
        var values: [Value] = Self.strings.map { .text($0) }
        values += [.integer(0), .integer(-7), .integer(.max), .integer(.min), .real(3.0), .real(3.5), .real(-0.0),
                   .real(1e18), .real(1e19), .real(9223372036854774784.0), .real(-9223372036854775808.0),
                   .real(9007199254740993.0), .real(1e20), .real(1.5e-7), .blob([0x31, 0x32]), .blob([]), .null]
        let affinities: [(String, Affinity)] = [("NUMERIC", .numeric), ("INTEGER", .integer), ("REAL", .real),
                                                ("TEXT", .text), ("BLOB", .blob)]
        var sql = "CREATE TABLE t(k INTEGER PRIMARY KEY, " + affinities.map { "c\($0.0) \($0.0)" }.joined(separator: ", ") + ");\n"
        for (k, v) in values.enumerated() {
            let lit = sqlLiteral(v)
            sql += "INSERT INTO t VALUES(\(k), \(Array(repeating: lit, count: affinities.count).joined(separator: ", ")));\n"
        }
        sql += "SELECT " + affinities.map { "typeof(c\($0.0))||':'||quote(typeof(c\($0.0))='blob' OR typeof(c\($0.0))='null')||':'||replace(replace(ifnull(CAST(c\($0.0) AS TEXT),''),char(10),'~'),char(13),'~')" }
            .joined(separator: ", ") + " FROM t ORDER BY k;\n"
        let out = try Oracle.run([":memory:"], input: sql)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == values.count)
        for (v, line) in zip(values, lines) {
            let exp = affinities.map { a -> String in
                let r = a.1.apply(to: v)
                let isBlobOrNull: Bool = { if case .blob = r { return true }; return r.isNull }()
                return typeName(r) + ":" + (isBlobOrNull ? "1" : "0") + ":"
                    + String((r.textValue ?? "").map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? "~" : $0 })
            }.joined(separator: "|")
            #expect(line == exp, "value \(v)")
        }
    }

    @Test(arguments: [
        ("INT", Affinity.integer), ("BIGINT", .integer), ("VARCHAR(10)", .text), ("NCHAR", .text), ("CLOB", .text),
        ("TEXT", .text), ("BLOB", .blob), ("", .blob), ("REAL", .real), ("FLOAT", .real), ("DOUBLE PRECISION", .real),
        ("NUMERIC", .numeric), ("DECIMAL(10,5)", .numeric), ("BOOLEAN", .numeric), ("DATE", .numeric),
        ("CHARINT", .integer), ("FLOATING POINT", .integer), ("STRING", .numeric), ("int", .integer), ("blobby", .blob),
    ])
    func declaredTypes(_ decl: String, _ affinity: Affinity) {
        #expect(Affinity(declaredType: decl) == affinity)
    }

    @Test func nilDeclaredTypeIsBlob() { #expect(Affinity(declaredType: nil) == .blob) }

    @Test func realToInteger() {
        #expect(Value.real(1e30).integerValue == .max)
        #expect(Value.real(-1e30).integerValue == .min)
        #expect(Value.real(-3.9).integerValue == -3)
        #expect(Value.blob([0x31, 0x32]).integerValue == 12)
        #expect(Value.real(1.5).castToBlob == .blob(Array("1.5".utf8)))
        #expect(Value.integer(12).castToBlob == .blob(Array("12".utf8)))
        #expect(Value.null.castToText == .null)
    }
}

@Suite struct ComparisonTests {
    @Test(arguments: [
        (Value.null, Value.integer(0), -1), (.integer(1), .real(1.5), -1), (.real(2.0), .integer(2), 0),
        (.integer(.max), .real(9223372036854775808.0), -1), (.integer(9007199254740993), .real(9007199254740992.0), 1),
        (.integer(.min), .real(-9223372036854775808.0), 0), (.integer(5), .text("1"), -1), (.text("b"), .blob([0]), -1),
        (.blob([1, 2]), .blob([1, 2, 0]), -1), (.blob([2]), .blob([1, 9]), 1), (.text("a"), .text("B"), 1),
        (.real(-0.0), .integer(0), 0), (.real(.infinity), .integer(.max), 1), (.real(-.infinity), .integer(.min), -1),
    ])
    func pairs(_ a: Value, _ b: Value, _ sign: Int) {
        #expect(compareValues(a, b).signum() == sign)
        #expect(compareValues(b, a).signum() == -sign)
    }

    @Test func collations() {
        #expect(Collation(name: "nocase") == .nocase)
        #expect(Collation(name: "Binary") == .binary)
        #expect(Collation(name: "RTRIM") == .rtrim)
        #expect(Collation(name: "french") == nil)
        #expect(Collation.nocase.compare("ABC", "abc") == 0)
        #expect(Collation.nocase.compare("É", "é") != 0)   // ASCII only
        #expect(Collation.rtrim.compare("a  ", "a") == 0)
        #expect(Collation.rtrim.compare("a \t", "a") > 0)
        #expect(Collation.binary.compare("a", "a ") < 0)
        // UTF-8 byte order, not Swift's String order: U+FFFD (EF BF BD) sorts before U+10000 (F0 ...).
        #expect(Collation.binary.compare("\u{FFFD}", "\u{10000}") < 0)
        // "é" precomposed vs decomposed: Swift calls them equal, bytes differ.
        #expect(Collation.binary.compare("\u{E9}", "e\u{301}") != 0)
    }

    @Test func sortOrderMatchesSqlite3() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        var values: [Value] = [.integer(.max), .integer(.min), .real(9223372036854775808.0), .real(-9223372036854775808.0),
                               .integer(9007199254740993), .real(9007199254740992.0), .text("a "), .text("A"), .text("a")]
        for _ in 0..<150 {
            var v = randomValue(&rng)
            if case .text(let s) = v { v = .text(s.filter { $0 != "\u{0}" }) }
            if case .real(let d) = v, !d.isFinite { v = .real(1) }
            values.append(v)
        }
        for (name, coll) in [("BINARY", Collation.binary), ("NOCASE", .nocase), ("RTRIM", .rtrim)] {
            var sql = "CREATE TABLE t(k INTEGER PRIMARY KEY, v);\n"
            for (k, v) in values.enumerated() { sql += "INSERT INTO t VALUES(\(k), \(sqlLiteral(v)));\n" }
            sql += "SELECT k FROM t ORDER BY v COLLATE \(name), k;\n"
            let out = try Oracle.run([":memory:"], input: sql)
            let theirs = out.stdout.split(separator: "\n").compactMap { Int($0) }
            let ours = values.indices.sorted { a, b in
                let c = compareValues(values[a], values[b], collation: coll)
                return c != 0 ? c < 0 : a < b
            }
            #expect(theirs == ours, "collation \(name) seed \(rng.seed)")
        }
    }

    @Test func keysComparePrefixEqual() {
        let info = KeyInfo(collations: [.binary, .nocase], descending: [false, true])
        #expect(compareKeys([.integer(1)], [.integer(1), .text("x")], keyInfo: info) == 0)
        #expect(compareKeys([.integer(1), .text("a")], [.integer(1), .text("B")], keyInfo: info) > 0)
        #expect(compareKeys([.integer(1), .text("b")], [.integer(1), .text("B")], keyInfo: info) == 0)
        #expect(compareKeys([.integer(1), .text("b"), .integer(3)], [.integer(1), .text("B"), .integer(4)], keyInfo: info) < 0)
        #expect(compareKeys([.integer(0)], [.integer(1)], keyInfo: info) < 0)
    }
}
