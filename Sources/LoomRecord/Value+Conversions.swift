// This file implements SQLite's value conversions: rendering reals as text ("%!.15g"),
// parsing text as numbers, and the CAST operators. Layer: L2.
// Spec: Spec/L2-record.md ("Conversions", invariants C1-C8).

/// SQLite's text for a REAL: `printf("%!.15g")` — 15 significant digits, trailing zeros
/// dropped but always a digit after the point, exponent form outside 1e-4 ... 1e15.
///
/// ```swift
/// renderReal(1.0)      // "1.0"
/// renderReal(1e20)     // "1.0e+20"
/// renderReal(1.5e-7)   // "1.5e-07"
/// renderReal(-0.0)     // "0.0"
/// ```
/// Corresponds to SQLite's `sqlite3_snprintf("%!.15g")` as used by `sqlite3VdbeMemStringify`.
///
/// `significantDigits` gives the other precisions of the same `%!.Ng` rendering: the shell's
/// quote, insert and json modes print `%!.20g` (`0.10000000000000000555`).
package func renderReal(_ d: Double) -> String { renderReal(d, significantDigits: 15) }

/// `renderReal` at another precision (`%!.Ng`).
package func renderReal(_ d: Double, significantDigits: Int) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Inf" : "Inf" }
    if d == 0 { return "0.0" }
    let precision = max(1, min(significantDigits, 350))
    var (digits, exponent) = sqliteDigits(d.magnitude, count: precision)
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    var s = d < 0 ? "-" : ""
    // digits: 1...precision significant digits, trailing zeros removed; value = d1.d2... * 10^exponent.
    if exponent < -4 || exponent > precision - 1 {
        s.append(digits[0])
        s.append(".")
        if digits.count > 1 { s.append(contentsOf: digits[1...]) } else { s.append("0") }
        s.append("e")
        s.append(exponent < 0 ? "-" : "+")
        let e = exponent.magnitude
        if e < 10 { s.append("0") }
        s.append(String(e))
    } else if exponent >= 0 {
        let intCount = exponent + 1
        for k in 0..<intCount { s.append(k < digits.count ? digits[k] : "0") }
        s.append(".")
        if digits.count > intCount { s.append(contentsOf: digits[intCount...]) } else { s.append("0") }
    } else {
        s.append("0.")
        for _ in 0..<(-exponent - 1) { s.append("0") }
        s.append(contentsOf: digits)
    }
    return s
}

#if arch(x86_64) || arch(i386)
/// The extended type SQLite 3.40's printf computes digits in (`long double`, 80-bit on x86).
private typealias Extended = Float80
#else
private typealias Extended = Double
#endif

/// How SQLite 3.40 prints the significant digits of a positive finite double.
///
/// SQLite does not round the exact binary value: it scales the value into [1, 10) by powers
/// of ten in extended precision, adds a rounding constant of 5e-15 (a `double` built by
/// multiplying 0.5 by 0.1 fourteen times), then peels digits off by repeated multiplication
/// by ten. That differs from correct rounding for values that sit near a rounding boundary
/// (109801901087506.5 prints as 109801901087507.0, 742145859677949.5 as 742145859677949.0),
/// so Loom performs the same steps to print the same digits (invariant C1).
///
/// Returns `count` significant digits, trailing zeros kept, and the decimal exponent of the
/// first digit.
private func sqliteDigits(_ d: Double, count: Int) -> (digits: [Character], exponent: Int) {
    // The rounding constant is built in extended precision too (0.5 times the double 0.1,
    // count-1 times): a double-built one gives other last digits in 20-digit output.
    var rounder: Extended = 0.5
    for _ in 0..<(count - 1) { rounder *= Extended(0.1 as Double) }
    var v = Extended(d)
    var exponent = 0
    var scale: Extended = 1
    let e100 = Extended(1e100 as Double), e10 = Extended(1e10 as Double)
    while v >= e100 * scale && exponent <= 350 { scale *= e100; exponent += 100 }
    while v >= e10 * scale && exponent <= 350 { scale *= e10; exponent += 10 }
    while v >= 10 * scale && exponent <= 350 { scale *= 10; exponent += 1 }
    v /= scale
    while v < Extended(1e-8 as Double) { v *= Extended(1e8 as Double); exponent -= 8 }
    while v < 1 { v *= 10; exponent -= 1 }
    v += rounder
    if v >= 10 { v *= Extended(0.1 as Double); exponent += 1 }
    var digits: [Character] = []
    digits.reserveCapacity(count)
    for k in 0..<count {
        // SQLite's "!" flag allows 26 significant digits; beyond that it emits zeros.
        let digit = k < 26 ? min(9, max(0, Int(v))) : 0
        digits.append(Character(Unicode.Scalar(UInt8(48 + digit))))
        v = (v - Extended(digit)) * 10
    }
    return (digits, exponent)
}

/// The text `quote()` gives a REAL: `renderReal` when that reads back as the same double,
/// else SQLite's `%!.20e` (21 significant digits, trailing zeros dropped, two-digit exponent
/// at least).
///
/// ```swift
/// renderRealForQuote(0.5)        // "0.5"
/// renderRealForQuote(1 / 7.0)    // "1.42857142857142849212e-01"
/// ```
/// Corresponds to SQLite's `quote()` / `sqlite3QuoteValue` for REAL.
package func renderRealForQuote(_ d: Double) -> String {
    let short = renderReal(d)
    if !d.isFinite || Double(short) == d { return short }
    var (digits, exponent) = sqliteDigits(d.magnitude, count: 21)
    while digits.count > 2, digits.last == "0" { digits.removeLast() }   // "!" drops trailing zeros
    var s = d < 0 ? "-" : ""
    s.append(digits[0])
    s.append(".")
    s.append(contentsOf: digits[1...])
    s.append("e")
    s.append(exponent < 0 ? "-" : "+")
    if exponent.magnitude < 10 { s.append("0") }
    s.append(String(exponent.magnitude))
    return s
}

// MARK: - Scanning numbers in text

/// SQLite's whitespace for number parsing: space, \t, \n, \v, \f, \r.
@inline(__always)
func isSQLSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0d) }

@inline(__always)
func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

/// The longest numeric literal starting at `start`:
/// `[+-]? (digits ('.' digits*)? | '.' digits) ([eE] [+-]? digits)?`.
/// Returns its end and whether it is an integer literal (no point, no exponent).
func scanNumber<C: RandomAccessCollection>(_ b: C, from start: Int) -> (end: Int, isInteger: Bool)?
where C.Element == UInt8, C.Index == Int {
    var i = start
    let n = b.endIndex
    if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
    var mantissaDigits = 0
    while i < n, isDigit(b[i]) { i += 1; mantissaDigits += 1 }
    var isInteger = true
    if i < n, b[i] == UInt8(ascii: ".") {
        var j = i + 1
        var fraction = 0
        while j < n, isDigit(b[j]) { j += 1; fraction += 1 }
        if mantissaDigits + fraction > 0 { i = j; isInteger = false; mantissaDigits += fraction }
    }
    guard mantissaDigits > 0 else { return nil }
    if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
        var j = i + 1
        if j < n, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") { j += 1 }
        var expDigits = 0
        while j < n, isDigit(b[j]) { j += 1; expDigits += 1 }
        if expDigits > 0 { i = j; isInteger = false }
    }
    return (i, isInteger)
}

/// Parses `[+-]?digits` exactly; nil when it does not fit an Int64.
func parseInt64Exact<C: RandomAccessCollection>(_ b: C) -> Int64? where C.Element == UInt8, C.Index == Int {
    var i = b.startIndex
    var negative = false
    if i < b.endIndex, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { negative = b[i] == UInt8(ascii: "-"); i += 1 }
    var magnitude: UInt64 = 0
    while i < b.endIndex {
        let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (m2, o2) = m1.addingReportingOverflow(UInt64(b[i] &- 48))
        if o1 || o2 { return nil }
        magnitude = m2
        i += 1
    }
    if negative {
        if magnitude > UInt64(Int64.max) + 1 { return nil }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
}

/// The double a validated numeric literal denotes (correctly rounded; overflow gives ±Inf).
func parseDouble<C: RandomAccessCollection>(_ b: C) -> Double where C.Element == UInt8, C.Index == Int {
    Double(String(decoding: b, as: UTF8.self)) ?? 0
}

/// Whether a real converts to INTEGER losslessly under NUMERIC/INTEGER affinity: integral
/// and strictly inside the Int64 range (SQLite keeps -2^63 as a REAL).
@inline(__always)
func realAsExactInteger(_ d: Double) -> Int64? {
    guard d > -9.223372036854775808e18, d < 9.223372036854775808e18, d == d.rounded(.towardZero) else { return nil }
    return Int64(d)
}

/// A numeric literal (already validated) as SQLite's numeric-affinity value: an integer
/// literal that fits stays INTEGER; anything else is a REAL, converted to INTEGER when it is
/// integral and in range ('3.0' and '1e3' become INTEGER).
///
/// With `forCast`, a REAL converts only inside [-2^51, 2^51), as CAST(text AS NUMERIC) does
/// ('9007199254740993.0' stays REAL there but is stored as INTEGER under NUMERIC affinity).
func numericValue<C: RandomAccessCollection>(literal b: C, isInteger: Bool, forCast: Bool = false) -> Value
where C.Element == UInt8, C.Index == Int {
    if isInteger, let i = parseInt64Exact(b) { return .integer(i) }
    let d = parseDouble(b)
    if forCast {
        if d >= -2_251_799_813_685_248.0, d < 2_251_799_813_685_248.0, d == d.rounded(.towardZero) { return .integer(Int64(d)) }
        return .real(d)
    }
    if let i = realAsExactInteger(d) { return .integer(i) }
    return .real(d)
}

/// SQLite's rule for text under NUMERIC/INTEGER/REAL affinity: the whole text, apart from
/// leading and trailing whitespace, must be a decimal number (no hex). Integer literals that
/// fit Int64 give INTEGER; others give REAL, or INTEGER when integral and in range.
///
/// ```swift
/// parseNumericText(" 12 ")    // .integer(12)
/// parseNumericText("3.0")     // .integer(3)
/// parseNumericText("1e400")   // .real(.infinity)
/// parseNumericText("0x10")    // nil
/// ```
package func parseNumericText(_ s: String) -> Value? {
    parseNumericBytes(Array(s.utf8))
}

func parseNumericBytes(_ b: [UInt8]) -> Value? {
    var start = 0
    var end = b.count
    while start < end, isSQLSpace(b[start]) { start += 1 }
    while end > start, isSQLSpace(b[end - 1]) { end -= 1 }
    guard start < end, let (stop, isInteger) = scanNumber(b[start..<end], from: start), stop == end else { return nil }
    return numericValue(literal: b[start..<end], isInteger: isInteger)
}

/// CAST(text AS NUMERIC): the longest numeric prefix after leading whitespace; 0 if none.
/// Integral reals become INTEGER only inside [-2^51, 2^51).
func numericPrefixValue(_ b: [UInt8]) -> Value {
    var start = 0
    while start < b.count, isSQLSpace(b[start]) { start += 1 }
    guard let (stop, isInteger) = scanNumber(b, from: start) else { return .integer(0) }
    return numericValue(literal: b[start..<stop], isInteger: isInteger, forCast: true)
}

/// sqlite3_value_double on text: the longest numeric prefix as a double; 0.0 if none.
func realPrefixValue(_ b: [UInt8]) -> Double {
    var start = 0
    while start < b.count, isSQLSpace(b[start]) { start += 1 }
    guard let (stop, _) = scanNumber(b, from: start) else { return 0 }
    return parseDouble(b[start..<stop])
}

/// sqlite3_value_int64 / CAST AS INTEGER on text: leading whitespace, an optional sign and
/// the longest run of digits, saturating at the Int64 limits; 0 if there are no digits.
/// ('1e5' gives 1, '3.9' gives 3.)
func integerPrefixValue(_ b: [UInt8]) -> Int64 {
    var i = 0
    while i < b.count, isSQLSpace(b[i]) { i += 1 }
    var negative = false
    if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { negative = b[i] == UInt8(ascii: "-"); i += 1 }
    var magnitude: UInt64 = 0
    var saturated = false
    while i < b.count, isDigit(b[i]) {
        if !saturated {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(b[i] - 48))
            if o1 || o2 { saturated = true } else { magnitude = m2 }
        }
        i += 1
    }
    if negative {
        if saturated || magnitude >= UInt64(Int64.max) + 1 { return Int64.min }
        return -Int64(magnitude)
    }
    if saturated || magnitude > UInt64(Int64.max) { return Int64.max }
    return Int64(magnitude)
}

/// A double truncated toward zero, saturating at the Int64 limits (NaN gives 0).
@inline(__always)
func doubleToInt64(_ d: Double) -> Int64 {
    if d.isNaN { return 0 }
    if d <= -9.223372036854775808e18 { return Int64.min }
    if d >= 9.223372036854775808e18 { return Int64.max }
    return Int64(d)
}

/// `i` in decimal, as `String(i)` gives it, written digit by digit into a stack buffer:
/// `String(i)` goes through the generic `description` path (~190 instructions for a short
/// number, a visible share of `'grp' || (x % 100)` per row).
package func decimalText(_ i: Int64) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
        var u = i.magnitude
        var p = 20
        repeat {
            p -= 1
            buf[p] = UInt8(truncatingIfNeeded: 48 &+ u % 10)
            u /= 10
        } while u != 0
        if i < 0 {
            p -= 1
            buf[p] = 45
        }
        return String(decoding: UnsafeBufferPointer(rebasing: buf[p ..< 20]), as: UTF8.self)
    }
}

extension Value {
    /// The text SQLite gives for the value (`sqlite3_value_text`, CAST AS TEXT): integers in
    /// decimal, reals via `renderReal`, blobs' bytes read as UTF-8; nil for NULL.
    package var textValue: String? {
        switch self {
        case .null: return nil
        case .integer(let i): return decimalText(i)
        case .real(let d): return renderReal(d)
        case .text(let s): return s
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        }
    }

    /// The value's bytes as `sqlite3_value_blob` sees them (text as UTF-8); nil for NULL.
    package var blobValue: [UInt8]? {
        switch self {
        case .null: return nil
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return textValue.map { Array($0.utf8) }
        }
    }

    /// `sqlite3_value_int64`: reals truncate toward zero and saturate, text and blobs take
    /// the leading integer ('12abc' → 12, ' 3.9x' → 3, '1e5' → 1), NULL is 0.
    package var integerValue: Int64 {
        switch self {
        case .null: return 0
        case .integer(let i): return i
        case .real(let d): return doubleToInt64(d)
        case .text(let s): return integerPrefixValue(Array(s.utf8))
        case .blob(let b): return integerPrefixValue(b)
        }
    }

    /// `sqlite3_value_double`: text and blobs take the longest numeric prefix
    /// (' +.5e1x' → 5.0), NULL is 0.0.
    package var realValue: Double {
        switch self {
        case .null: return 0
        case .integer(let i): return Double(i)
        case .real(let d): return d
        case .text(let s): return realPrefixValue(Array(s.utf8))
        case .blob(let b): return realPrefixValue(b)
        }
    }

    /// CAST(x AS NUMERIC): numbers unchanged (3.0 stays REAL), text and blobs take the
    /// longest numeric prefix as INTEGER when it is integral and in range, else REAL
    /// ('3.0' → 3, '12abc' → 12, 'abc' → 0); NULL stays NULL.
    package var numericValue: Value {
        switch self {
        case .null, .integer, .real: return self
        case .text(let s): return numericPrefixValue(Array(s.utf8))
        case .blob(let b): return numericPrefixValue(b)
        }
    }

    /// CAST(x AS INTEGER).
    package var castToInteger: Value { isNull ? .null : .integer(integerValue) }
    /// CAST(x AS REAL).
    package var castToReal: Value { isNull ? .null : .real(realValue) }
    /// CAST(x AS TEXT).
    package var castToText: Value { textValue.map { .text($0) } ?? .null }
    /// CAST(x AS BLOB).
    package var castToBlob: Value { blobValue.map { .blob($0) } ?? .null }
    /// CAST(x AS NUMERIC).
    package var castToNumeric: Value { numericValue }
}
