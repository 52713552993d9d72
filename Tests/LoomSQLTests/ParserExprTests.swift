// This file tests expression parsing: SQLite's operator precedence (rendered back fully
// parenthesised), literals, parameters, spans and the depth limits.
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser".
import Testing
@testable import LoomSQL
import LoomBase
import LoomTestSupport

@Suite struct ParserExprTests {
    @Test(arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("a OR b AND c", "(a OR (b AND c))"),
        ("NOT a = b", "(NOT (a = b))"),
        ("NOT a AND b", "((NOT a) AND b)"),
        ("a = b < c", "(a = (b < c))"),
        ("a < b = c", "((a < b) = c)"),
        ("a & b + c", "(a & (b + c))"),
        ("a || b * c", "((a || b) * c)"),
        ("a < b & c", "(a < (b & c))"),
        ("-a || b", "((-a) || b)"),
        ("-a COLLATE x", "((-a) COLLATE x)"),
        ("a || b COLLATE x", "(a || (b COLLATE x))"),
        ("~a + b", "((~a) + b)"),
        ("a = b = c", "((a = b) = c)"),
        ("a IS NOT b", "(a IS NOT b)"),
        ("a IS NULL", "(a ISNULL)"),
        ("a IS NOT NULL", "(a NOTNULL)"),
        ("a NOT NULL", "(a NOTNULL)"),
        ("a ISNULL = 0", "((a ISNULL) = 0)"),
        ("a IS DISTINCT FROM b", "(a IS NOT b)"),
        ("a IS NOT DISTINCT FROM b", "(a IS b)"),
        ("a BETWEEN 1 AND 2 AND c", "((a BETWEEN 1 AND 2) AND c)"),
        ("a BETWEEN b = c AND d", "(a BETWEEN (b = c) AND d)"),
        ("a NOT BETWEEN 1 AND 2 + 3", "(a NOT BETWEEN 1 AND (2 + 3))"),
        ("a LIKE b ESCAPE c", "(a LIKE b ESCAPE c)"),
        ("a NOT GLOB b || c", "(a NOT GLOB (b || c))"),
        ("a LIKE b < c ESCAPE d", "(a LIKE (b < c) ESCAPE d)"),
        ("a IN (1, 2) = 0", "((a IN (1, 2)) = 0)"),
        ("a NOT IN ()", "(a NOT IN ())"),
        ("1 + NOT 2 = 3", "(1 + (NOT (2 = 3)))"),
        ("a -> b ->> c", "((a -> b) ->> c)"),
        ("a << 1 | 2", "((a << 1) | 2)"),
        ("(a, b) = (1, 2)", "((a, b) = (1, 2))"),
        ("- - 1", "(-(-1))"),
        ("CASE WHEN a THEN b ELSE c END", "CASE WHEN a THEN b ELSE c END"),
        ("CASE x WHEN 1 THEN 2 END", "CASE x WHEN 1 THEN 2 END"),
        ("CAST(a AS VARCHAR ( 10 ))", "CAST(a AS VARCHAR ( 10 ))"),
        ("count(*) + count(DISTINCT a)", "(count(*) + count(DISTINCT a))"),
        ("s.t.c", "s.t.c"),
        ("true AND false", "(TRUE AND FALSE)"),
    ])
    func precedence(_ input: String, _ expected: String) throws {
        #expect(renderExpr(try parseExpr(input)) == expected)
    }

    @Test func literals() throws {
        #expect(try parseExpr("9223372036854775807").kind == .literal(.integer(Int64.max)))
        #expect(try parseExpr("9223372036854775808").kind == .literal(.bigInteger("9223372036854775808")))
        #expect(try parseExpr("0x7fffffffffffffff").kind == .literal(.integer(Int64.max)))
        #expect(try parseExpr("0xffffffffffffffff").kind == .literal(.integer(-1)))
        #expect(try parseExpr("0x0000000000000000001").kind == .literal(.integer(1)))
        #expect(try parseExpr("1.5e3").kind == .literal(.real(1500)))
        #expect(try parseExpr(".5").kind == .literal(.real(0.5)))
        #expect(try parseExpr("5.").kind == .literal(.real(5)))
        #expect(try parseExpr("1.e2").kind == .literal(.real(100)))
        #expect(try parseExpr("'it''s'").kind == .literal(.string("it's")))
        #expect(try parseExpr("x'0aFf'").kind == .literal(.blob([0x0a, 0xff])))
        #expect(try parseExpr("X''").kind == .literal(.blob([])))
        #expect(try parseExpr("NULL").kind == .literal(.null))
        #expect(try parseExpr("current_timestamp").kind == .literal(.currentTimestamp))
        #expect(try parseExpr("\"a\"\"b\"").kind == .column(ColumnRef(column: "a\"b", isDoubleQuoted: true)))
        #expect(try parseExpr("[a b]").kind == .column(ColumnRef(column: "a b")))
        #expect(try parseExpr("`a``b`").kind == .column(ColumnRef(column: "a`b")))
        #expect(parseError("SELECT 0x11111111111111111")! == ("hex literal too big: 0x11111111111111111", 7))
    }

    @Test func parameters() throws {
        let s = try parseOne("SELECT ?1, ?, :a, ?2, :a, ?, @b, $c, ?5")
        guard case .select(let sel) = s.kind, case .select(let core) = sel.first else { Issue.record(); return }
        let idx = core.columns.map { c -> Int in
            if case .expr(let e, _) = c, case .parameter(let p) = e.kind { return p.index }
            return -1
        }
        #expect(idx == [1, 2, 3, 2, 3, 4, 5, 6, 5])
        #expect(s.parameterCount == 6)
        #expect(s.parameterNames == ["?1", "?2", ":a", nil, "@b", "$c"])
        #expect(parseError("SELECT ?0")! == ("variable number must be between ?1 and ?250000", 7))
        #expect(parseError("SELECT ?250001")! == ("variable number must be between ?1 and ?250000", 7))
    }

    @Test func spansKeepSourceText() throws {
        let sql = "SELECT a  +  1, (b), f( x ) AS y FROM t"
        let s = try parseOne(sql)
        guard case .select(let sel) = s.kind, case .select(let core) = sel.first else { Issue.record(); return }
        let texts = core.columns.map { c -> String in
            if case .expr(let e, _) = c { return e.span.text(in: sql) }
            return ""
        }
        #expect(texts == ["a  +  1", "(b)", "f( x )"])
        #expect(s.span.text(in: sql) == sql)
    }

    @Test func depthLimits() throws {
        let chain999 = "SELECT " + String(repeating: "1+", count: 999) + "1"
        #expect(parseError(chain999) == nil)
        let chain1000 = "SELECT " + String(repeating: "1+", count: 1000) + "1"
        #expect(parseError(chain1000)?.0 == "Expression tree is too large (maximum depth 1000)")
        // 100k nested parentheses: an error, never a stack overflow.
        let parens = "SELECT " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        #expect(parseError(parens)?.0 == "parser stack overflow")
        #expect(parseError("SELECT " + String(repeating: "(", count: 93) + "1" + String(repeating: ")", count: 93)) == nil)
        #expect(parseError("SELECT " + String(repeating: "- ", count: 100_000) + "1")?.0 == "parser stack overflow")
        #expect(parseError("SELECT " + String(repeating: "NOT ", count: 100_000) + "1")?.0 == "parser stack overflow")
        #expect(parseError("SELECT " + String(repeating: "(SELECT ", count: 10_000) + "1")?.0 == "parser stack overflow")
        #expect(parseError("SELECT " + String(repeating: "abs(", count: 10_000) + "1")?.0 == "parser stack overflow")
        #expect(parseError("SELECT " + String(repeating: "CASE WHEN 1 THEN ", count: 10_000) + "1")?.0 == "parser stack overflow")
        // A 1 MB flat expression: depth error, quickly.
        let big = "SELECT " + String(repeating: "1 + ", count: 250_000) + "1"
        #expect(parseError(big)?.0 == "Expression tree is too large (maximum depth 1000)")
        // A large IN list is fine.
        let list = "SELECT 1 IN (" + String(repeating: "1,", count: 300_000) + "1)"
        #expect(parseError(list) == nil)
    }
}


@Suite struct ParserHostileInputTests {
    /// Random bytes and random token soups: every input either parses or throws a
    /// DatabaseError — never traps.
    @Test func randomInputsNeverTrap() {
        var rng = SeededRNG()
        let vocabulary = Keyword.allCases.map(\.rawValue) + ["(", ")", ",", ";", ".", "*", "+", "-", "'x'", "\"y\"", "[z]",
            "1", "1.5", "x'00'", "?", "?2", ":a", "#1", "$b", "||", "->>", "=", "<>", "~", "/*", "--", "'", "\"", "[", "x'0"]
        for round in 0..<3000 {
            var sql = ""
            if round % 3 == 0 {
                let n = Int(rng.next() % 64)
                let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                sql = String(decoding: bytes, as: UTF8.self)
            } else {
                let n = Int(rng.next() % 40)
                sql = (0..<n).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
            }
            var p = Parser(sql: sql)
            do { _ = try p.parseAll() } catch is DatabaseError {} catch { Issue.record("\(error) for \(sql)") }
            _ = SQLText.isComplete(sql)
        }
    }

    @Test func deepNestingOfEveryKindIsAnError() {
        let kinds = ["(", "(SELECT ", "abs(", "CASE WHEN ", "NOT ", "- ", "~", "EXISTS (SELECT ", "x IN (",
                     "CAST(", "1 + (", "(SELECT * FROM (", "x BETWEEN (", "count(*) OVER (PARTITION BY ", "(VALUES("]
        for k in kinds {
            let sql = "SELECT " + String(repeating: k, count: 50_000)
            #expect(parseError(sql)?.0 == "parser stack overflow", "\(k)")
        }
        let trigger = "CREATE TRIGGER t AFTER INSERT ON x BEGIN " + String(repeating: "SELECT (", count: 50_000)
        #expect(parseError(trigger)?.0 == "parser stack overflow")
        let ddl = "CREATE TABLE t(a CHECK(" + String(repeating: "(", count: 50_000)
        #expect(parseError(ddl)?.0 == "parser stack overflow")
        let with = "WITH " + String(repeating: "a AS (WITH ", count: 50_000)
        #expect(parseError(with) != nil)
        #expect(parseError(String(repeating: "EXPLAIN ", count: 100_000) + "SELECT 1") != nil)
        let from = "SELECT * FROM " + String(repeating: "(", count: 50_000)
        #expect(parseError(from)?.0 == "parser stack overflow")
    }
}
