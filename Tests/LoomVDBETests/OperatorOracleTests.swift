// This file tests L4's operator semantics against sqlite3: generated expressions over
// mixed-type literals, compiled to VDBE programs and compared with `SELECT quote(…)`.
// Layer: L4 tests. Spec: Spec/L4-vdbe.md (§Values).
import LoomRecord
import LoomTestSupport
import Testing
@testable import LoomVDBE

let literals: [Expr] = [
    .literal("NULL", .null), .literal("0", .integer(0)), .literal("1", .integer(1)),
    .literal("-1", .integer(-1)), .literal("7", .integer(7)), .literal("3", .integer(3)),
    .literal("2.5", .real(2.5)), .literal("-0.5", .real(-0.5)), .literal("1e20", .real(1e20)),
    .literal("9223372036854775807", .integer(Int64.max)),
    .literal("(-9223372036854775807-1)", .integer(Int64.min)),
    .literal("'3abc'", .text("3abc")), .literal("'3'", .text("3")), .literal("'abc'", .text("abc")),
    .literal("'2.5'", .text("2.5")), .literal("' 12 '", .text(" 12 ")), .literal("'1e3'", .text("1e3")),
    .literal("''", .text("")), .literal("x'3132'", .blob([0x31, 0x32])), .literal("'ABC'", .text("ABC")),
    .literal("0.1", .real(0.1)), .literal("100.0", .real(100.0)), .literal("64", .integer(64)),
]

let binaryOps = ["+", "-", "*", "/", "%", "||", "&", "|", "<<", ">>", "=", "<>", "<", "<=", ">", ">=",
                 "AND", "OR", "IS", "IS NOT"]

@Suite struct OperatorOracleTests {
    @Test func everyBinaryOperatorOnLiteralPairsMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG(seed: 0x5EED_0004)
        var exprs: [Expr] = []
        for op in binaryOps {
            for _ in 0 ..< 30 {
                let a = literals[Int(rng.next() % UInt64(literals.count))]
                let b = literals[Int(rng.next() % UInt64(literals.count))]
                exprs.append(.binary(op, a, b))
            }
        }
        for u in ["NOT", "~", "-"] { for l in literals { exprs.append(.unary(u, l)) } }
        for t in ["INTEGER", "REAL", "TEXT", "NUMERIC", "BLOB"] { for l in literals { exprs.append(.cast(l, t)) } }
        try compare(exprs, seed: rng.seed)
    }

    @Test func nestedExpressionsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        func gen(_ depth: Int) -> Expr {
            if depth == 0 || rng.next() % 3 == 0 { return literals[Int(rng.next() % UInt64(literals.count))] }
            if rng.next() % 6 == 0 { return .unary(["NOT", "~", "-"][Int(rng.next() % 3)], gen(depth - 1)) }
            return .binary(binaryOps[Int(rng.next() % UInt64(binaryOps.count))], gen(depth - 1), gen(depth - 1))
        }
        try compare((0 ..< 300).map { _ in gen(3) }, seed: rng.seed)
    }

    func compare(_ exprs: [Expr], seed: UInt64) throws {
        let expected = try oracleQuoted(exprs.map(\.sql))
        #expect(expected.count == exprs.count)
        var failures = 0
        for (e, want) in zip(exprs, expected) {
            let got = loomQuoted(e)
            if got != want {
                failures += 1
                if failures <= 25 { Issue.record("seed \(seed): \(e.sql): sqlite3 \(want), loom \(got)") }
            }
        }
    }
}
