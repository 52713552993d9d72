// This file implements SQLite's math functions (lang_mathfunc.html; the oracle build has
// SQLITE_ENABLE_MATH_FUNCTIONS): acos … trunc, with SQLite's NULL rules for non-numbers and
// domain errors. Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LoomBase
import LoomRecord

/// The number a math function sees: integers and reals as they are, text only when the
/// whole of it is a number (spaces allowed around it), and nothing for NULL or blobs.
private func mathNumber(_ v: Value) -> Value? {
    switch v {
    case .integer, .real: return v
    case .text(let s):
        // Text written as a real ('12.0', '1e2') stays real, as sqlite3_value_numeric_type has it.
        let n = parseNumericText(s)
        if case .integer(let i)? = n, s.utf8.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) {
            return .real(Double(i))
        }
        return n
    case .null, .blob: return nil
    }
}

private func mathDouble(_ v: Value) -> Double? {
    switch mathNumber(v) {
    case .integer(let i)?: return Double(i)
    case .real(let d)?: return d
    default: return nil
    }
}

/// A real result; NaN (a domain error) becomes NULL, infinities stay.
private func realResult(_ d: Double) -> Value { d.isNaN ? .null : .real(d) }

private func unary(_ name: String, _ f: @escaping @Sendable (Double) -> Double) -> FunctionDefinition {
    FunctionDefinition(name: name, argumentCount: 1, body: .scalar { args, _ in
        guard let x = args.first.flatMap(mathDouble) else { return .null }
        return realResult(f(x))
    })
}

/// ceil/floor/trunc: an integer stays the same integer; a real is rounded as a real.
private func rounding(_ name: String, _ f: @escaping @Sendable (Double) -> Double) -> FunctionDefinition {
    FunctionDefinition(name: name, argumentCount: 1, body: .scalar { args, _ in
        switch args.first.flatMap(mathNumber) {
        case .integer(let i)?: return .integer(i)
        case .real(let d)?: return realResult(f(d))
        default: return .null
        }
    })
}

/// A logarithm: NULL unless the operand is positive.
private func logarithm(_ name: String, _ f: @escaping @Sendable (Double) -> Double) -> FunctionDefinition {
    unary(name) { x in x > 0 ? f(x) : .nan }
}

private func binary(_ name: String, _ f: @escaping @Sendable (Double, Double) -> Double) -> FunctionDefinition {
    FunctionDefinition(name: name, argumentCount: 2, body: .scalar { args, _ in
        guard args.count == 2, let x = mathDouble(args[args.startIndex]),
              let y = mathDouble(args[args.startIndex + 1]) else { return .null }
        return realResult(f(x, y))
    })
}

func builtinMathFunctions() -> [FunctionDefinition] {
    [
        unary("acos") { acos($0) }, unary("acosh") { acosh($0) },
        unary("asin") { asin($0) }, unary("asinh") { asinh($0) },
        unary("atan") { atan($0) }, unary("atanh") { atanh($0) },
        binary("atan2") { atan2($0, $1) },
        rounding("ceil") { ceil($0) }, rounding("ceiling") { ceil($0) },
        rounding("floor") { floor($0) }, rounding("trunc") { trunc($0) },
        unary("cos") { cos($0) }, unary("cosh") { cosh($0) },
        unary("sin") { sin($0) }, unary("sinh") { sinh($0) },
        unary("tan") { tan($0) }, unary("tanh") { tanh($0) },
        // SQLite multiplies by the folded constant, which rounds differently from x*180/pi.
        unary("degrees") { $0 * (180 / Double.pi) }, unary("radians") { $0 * (Double.pi / 180) },
        unary("exp") { exp($0) }, unary("sqrt") { sqrt($0) },
        // Base-10 and base-2 logarithms are ln(x)/ln(base) in SQLite (log(1000) is
        // 2.9999999999999996), not the C library's log10/log2.
        logarithm("ln") { log($0) }, logarithm("log") { log($0) / log(10) },
        logarithm("log10") { log($0) / log(10) }, logarithm("log2") { log($0) / log(2) },
        // log(B, X): NULL unless the base is above 1 and X is positive.
        binary("log") { b, x in b > 1 && x > 0 ? log(x) / log(b) : .nan },
        binary("mod") { fmod($0, $1) },
        binary("pow") { pow($0, $1) }, binary("power") { pow($0, $1) },
        FunctionDefinition(name: "pi", argumentCount: 0, body: .scalar { _, _ in .real(Double.pi) }),
    ]
}
