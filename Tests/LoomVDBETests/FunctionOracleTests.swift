// This file tests L4's built-in scalar functions against sqlite3 on literal arguments.
// Layer: L4 tests. Spec: Spec/L4-vdbe.md (§Functions).
import LoomBase
import LoomRecord
import LoomTestSupport
import Testing
@testable import LoomVDBE

private func lit(_ sql: String, _ v: Value) -> Expr { .literal(sql, v) }
private func s(_ x: String) -> Expr { lit("'" + x.replacingOccurrences(of: "'", with: "''") + "'", .text(x)) }
private func i(_ x: Int64) -> Expr { lit(x < 0 ? "(\(x))" : "\(x)", .integer(x)) }
private func r(_ x: Double) -> Expr { lit("(\(x))", .real(x)) }
private let null = lit("NULL", .null)
private let blob = lit("x'00ff41'", .blob([0, 0xff, 0x41]))

@Suite struct FunctionOracleTests {
    static let calls: [Expr] = [
        .call("abs", [i(-5)]), .call("abs", [r(-2.5)]), .call("abs", [s("-3x")]), .call("abs", [null]),
        .call("char", [i(72), i(105), i(0x1F600)]), .call("coalesce", [null, null, i(3)]),
        .call("ifnull", [null, s("x")]), .call("iif", [i(0), s("a"), s("b")]), .call("iif", [s("1"), s("a"), s("b")]),
        .call("instr", [s("hello"), s("ll")]), .call("instr", [s("héllo"), s("l")]), .call("instr", [s("abc"), s("")]),
        .call("instr", [null, s("a")]), .call("hex", [s("abc")]), .call("hex", [blob]), .call("hex", [r(1.5)]),
        .call("length", [s("héllo")]), .call("length", [blob]), .call("length", [i(12345)]), .call("length", [null]),
        .call("lower", [s("ABC déF")]), .call("upper", [s("abc déf")]), .call("upper", [i(1)]),
        .call("ltrim", [s("  ab  ")]), .call("rtrim", [s("  ab  ")]), .call("trim", [s("  ab  ")]),
        .call("trim", [s("xxabyx"), s("xy")]), .call("ltrim", [s("xxabyx"), s("x")]), .call("trim", [null]),
        .call("nullif", [i(1), i(1)]), .call("nullif", [i(1), i(2)]), .call("nullif", [s("a"), s("A")]),
        .call("quote", [s("it's")]), .call("quote", [blob]), .call("quote", [r(0.1)]), .call("quote", [null]),
        .call("replace", [s("hello world"), s("o"), s("0")]), .call("replace", [s("abc"), s(""), s("x")]),
        .call("replace", [s("aaa"), s("aa"), s("b")]), .call("replace", [null, s("a"), s("b")]),
        .call("round", [r(2.5)]), .call("round", [r(-2.5)]), .call("round", [r(3.14159), i(2)]),
        .call("round", [r(1.005), i(2)]), .call("round", [i(7)]), .call("round", [s("2.675"), i(2)]), .call("round", [null]),
        .call("round", [r(123456.789), i(-1)]), .call("round", [r(0.5)]), .call("round", [r(1e17)]),
        .call("sign", [i(-4)]), .call("sign", [r(0.0)]), .call("sign", [s("abc")]), .call("sign", [s("2")]),
        .call("substr", [s("hello"), i(2)]), .call("substr", [s("hello"), i(2), i(3)]), .call("substr", [s("hello"), i(0), i(2)]),
        .call("substr", [s("hello"), i(-3)]), .call("substr", [s("hello"), i(-3), i(2)]), .call("substr", [s("hello"), i(3), i(-2)]),
        .call("substr", [s("hello"), i(-10), i(3)]), .call("substr", [s("héllo"), i(2), i(2)]), .call("substr", [blob, i(2), i(1)]),
        .call("substr", [s("hello"), i(10)]), .call("substring", [s("hello"), i(0)]), .call("substr", [i(12345), i(2), i(2)]),
        .call("typeof", [i(1)]), .call("typeof", [r(1)]), .call("typeof", [s("1")]), .call("typeof", [blob]), .call("typeof", [null]),
        .call("unicode", [s("é")]), .call("unicode", [s("")]), .call("zeroblob", [i(3)]), .call("sqlite_version", []),
        .call("likely", [i(5)]), .call("unlikely", [s("a")]), .call("likelihood", [i(5), r(0.5)]),
        .call("max", [i(1), r(2.5), i(2)]), .call("min", [s("b"), s("a"), s("c")]), .call("max", [i(1), null]),
        .call("min", [i(1), s("1")]), .call("max", [blob, s("z")]),
        .call("like", [s("a%"), s("ABC")]), .call("like", [s("_b_"), s("abc")]), .call("like", [s("a\\%"), s("a%"), s("\\")]),
        .call("like", [s("a\\%"), s("ab"), s("\\")]), .call("like", [s("%é%"), s("xéy")]), .call("like", [null, s("a")]),
        .call("like", [s("%b%c"), s("abxbc")]), .call("like", [s("a"), s("A")]),
        .call("glob", [s("a*"), s("abc")]), .call("glob", [s("a*"), s("Abc")]), .call("glob", [s("[a-c]?"), s("bz")]),
        .call("glob", [s("[^a-c]*"), s("bz")]), .call("glob", [s("*.txt"), s("x.txt")]), .call("glob", [s("?"), s("é")]),
        .call("printf", [s("%5.2f|%-5d|%05d|%x|%X|%o"), r(3.14159), i(42), i(42), i(255), i(255), i(8)]),
        .call("printf", [s("%e|%g|%s|%.2s|%10s|%-10s|%c"), r(12345.678), r(0.0001), s("hi"), s("hello"), s("r"), s("l"), s("xyz")]),
        .call("printf", [s("%q|%Q|%Q|%w|%%|%d"), s("it's"), s("a'b"), null, s("a\"b"), s("12abc")]),
        .call("printf", [s("%d %s")]), .call("printf", [s("%,d"), i(1234567)]), .call("printf", [s("%.3g"), r(1234.5)]),
        .call("printf", [s("%+d % d"), i(5), i(5)]), .call("printf", [s("%s"), r(1.5)]), .call("printf", [s("%d"), r(3.9)]),
        .call("format", [s("%i"), s("7")]), .call("printf", [s("%f"), s("abc")]), .call("printf", [s("%.3s"), s("héllo")]),
        .call("printf", [s("%*d|%-*d|"), i(5), i(1), i(4), i(2)]), .call("printf", [s("%.*f"), i(2), r(2.71828)]),
        .call("printf", [s("%08.3f|%+.1e"), r(-3.5), r(12345)]), .call("printf", [s("%x"), i(-1)]), .call("printf", [null]),
        .call("printf", [s("%5s|%-6.2f|"), null, r(1.0)]), .call("printf", [s("%g|%g|%g"), r(1e20), r(100), r(1.5e-7)]),
    ]

    @Test func scalarFunctionsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let exprs = Self.calls
        let expected = try oracleQuoted(exprs.map(\.sql))
        #expect(expected.count == exprs.count)
        for (e, want) in zip(exprs, expected) {
            let got = loomQuoted(e)
            #expect(got == want, "\(e.sql)")
        }
    }

    @Test func lookupErrorsUseSQLiteMessages() throws {
        #expect(throws: DatabaseError(.error, "no such function: nosuch")) {
            try FunctionRegistry.resolve(name: "nosuch", argc: 1)
        }
        #expect(throws: DatabaseError(.error, "wrong number of arguments to function substr()")) {
            try FunctionRegistry.resolve(name: "substr", argc: 1)
        }
        #expect(throws: DatabaseError(.error, "wrong number of arguments to function coalesce()")) {
            try FunctionRegistry.resolve(name: "coalesce", argc: 1)
        }
        #expect(FunctionRegistry.isAggregate(name: "MAX", argc: 1))
        #expect(!FunctionRegistry.isAggregate(name: "max", argc: 2))
        #expect(FunctionRegistry.isAggregate(name: "count", argc: 0))
    }

    @Test func runtimeErrors() throws {
        #expect(loomQuoted(.call("abs", [i(Int64.min)])) == "ERROR")
        #expect(loomQuoted(.call("like", [s("a"), s("a"), s("xy")])) == "ERROR")
    }
}
