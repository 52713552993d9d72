// This file implements SQLite's operator semantics on Values: arithmetic (integer overflow →
// real, / 0 → NULL), bit operators, concatenation, truth values, comparison with affinity.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Values).
import LoomBase
import LoomRecord

/// The binary arithmetic operators of lang_expr.html.
package enum ArithmeticOperator: Sendable { case add, subtract, multiply, divide, remainder }

/// SQLite's operator semantics (Add, Subtract, …, Eq, …) as pure functions on Values.
package enum Operators {
    /// `lhs op rhs`: NULL if either is NULL; integer math while exact, real on overflow;
    /// division or remainder by zero → NULL; a NaN result → NULL.
    package static func arithmetic(_ op: ArithmeticOperator, _ lhs: Value, _ rhs: Value) -> Value {
        let a = numericForArithmetic(lhs), b = numericForArithmetic(rhs)
        if case .integer(let x) = a, case .integer(let y) = b {
            switch op {
            case .add:
                let (r, o) = x.addingReportingOverflow(y)
                if !o { return .integer(r) }
            case .subtract:
                let (r, o) = x.subtractingReportingOverflow(y)
                if !o { return .integer(r) }
            case .multiply:
                let (r, o) = x.multipliedReportingOverflow(by: y)
                if !o { return .integer(r) }
            case .divide:
                if y == 0 { return .null }
                if !(x == Int64.min && y == -1) { return .integer(x / y) }
            case .remainder:
                if y == 0 { return .null }
                if y == -1 { return .integer(0) }
                return .integer(x % y)
            }
        }
        if a.isNull || b.isNull { return .null }
        let x = realValue(a), y = realValue(b)
        let r: Double
        switch op {
        case .add: r = x + y
        case .subtract: r = x - y
        case .multiply: r = x * y
        case .divide:
            if y == 0 { return .null }
            r = x / y
        case .remainder:
            // SQLite takes the operands' integer values here (text by its integer prefix:
            // 7 % '1e3' is 7 % 1 = 0.0), not the truncated reals.
            let ix = lhs.integerValue
            var iy = rhs.integerValue
            if iy == 0 { return .null }
            if iy == -1 { iy = 1 }
            r = Double(ix % iy)
        }
        return r.isNaN ? .null : .real(r)
    }

    package enum BitOperator: Sendable { case and, or, shiftLeft, shiftRight }

    /// `&`, `|`, `<<`, `>>` on the integer values of the operands (NULL → NULL).
    /// A negative shift shifts the other way; shifts of 64 or more give 0 (or -1).
    package static func bitwise(_ op: BitOperator, _ lhs: Value, _ rhs: Value) -> Value {
        if lhs.isNull || rhs.isNull { return .null }
        let a = integerValue(lhs), b = integerValue(rhs)
        switch op {
        case .and: return .integer(a & b)
        case .or: return .integer(a | b)
        case .shiftLeft, .shiftRight:
            var left = op == .shiftLeft
            var n = b
            if n < 0 {
                left.toggle()
                n = n == Int64.min ? 64 : -n
            }
            if n >= 64 { return .integer(!left && a < 0 ? -1 : 0) }
            return .integer(left ? Int64(bitPattern: UInt64(bitPattern: a) << UInt64(n)) : a >> n)
        }
    }

    /// `lhs || rhs` (NULL if either is NULL; numbers rendered as text).
    package static func concat(_ lhs: Value, _ rhs: Value) -> Value {
        guard let a = textOf(lhs), let b = textOf(rhs) else { return .null }
        return .text(a + b)
    }

    /// SQL truth of a value: nil for NULL, else numeric value ≠ 0 ('1abc' is true).
    package static func truth(_ v: Value) -> Bool? {
        switch v {
        case .null: return nil
        case .integer(let i): return i != 0
        case .real(let d): return d != 0
        default: return realValue(v) != 0
        }
    }

    /// Applies comparison affinity to both operands (SQLite's Eq…Ge, datatype3.html §4.2):
    /// NUMERIC/INTEGER/REAL turn number-looking text into numbers; TEXT renders numbers as text.
    package static func prepareComparison(_ lhs: Value, _ rhs: Value, affinity: Affinity?) -> (Value, Value) {
        guard let affinity else { return (lhs, rhs) }
        switch affinity {
        case .blob: return (lhs, rhs)
        case .numeric, .integer, .real:
            return (numericAffinityForComparison(lhs), numericAffinityForComparison(rhs))
        case .text:
            func t(_ v: Value) -> Value {
                switch v { case .integer, .real: return .text(textOf(v) ?? ""); default: return v }
            }
            return (t(lhs), t(rhs))
        }
    }

    /// Three-way comparison after affinity; nil when either side is NULL.
    package static func compare(_ lhs: Value, _ rhs: Value, affinity: Affinity?, collation: Collation?) -> Int? {
        if lhs.isNull || rhs.isNull { return nil }
        let (a, b) = prepareComparison(lhs, rhs, affinity: affinity)
        return compareValues(a, b, collation: collation ?? .binary)
    }
}
