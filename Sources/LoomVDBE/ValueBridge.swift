// This file is the VM's doorway to value conversions: LoomRecord's (L2) for affinity,
// casts, rendering and comparison, plus the one conversion L2 lacks — the numeric value of
// text for arithmetic (sqlite3VdbeMemNumerify: '3abc' → 3, '3.0' → 3.0 REAL).
// Layer: L4. Spec: Spec/L4-vdbe.md (§Values).
import LoomBase
import LoomRecord

/// The numeric value of `v` for arithmetic: integers and reals as they are, NULL stays NULL,
/// text and blobs by their longest numeric prefix — INTEGER when the prefix has no '.' or
/// exponent and fits Int64, else REAL ('3abc' → 3, '3.0' → 3.0, 'abc' → 0, '1e3' → 1000.0).
func numericForArithmetic(_ v: Value) -> Value {
    switch v {
    case .null, .integer, .real: return v
    case .text(let s): return numericPrefixForArithmetic(s.utf8)
    case .blob(let b): return numericPrefixForArithmetic(b)
    }
}

func numericPrefixForArithmetic(_ bytes: some Collection<UInt8>) -> Value {
    let b = Array(bytes)
    var i = 0
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    while i < b.count, isSpace(b[i]) { i += 1 }
    let start = i
    if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
    var digits = 0
    while i < b.count, isDigit(b[i]) { i += 1; digits += 1 }
    var isReal = false
    if i < b.count, b[i] == 0x2E {
        var j = i + 1, frac = 0
        while j < b.count, isDigit(b[j]) { j += 1; frac += 1 }
        if digits + frac > 0 { i = j; digits += frac; isReal = true }
    }
    guard digits > 0 else { return .integer(0) }
    if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
        var j = i + 1
        if j < b.count, b[j] == 0x2B || b[j] == 0x2D { j += 1 }
        var e = 0
        while j < b.count, isDigit(b[j]) { j += 1; e += 1 }
        if e > 0 { i = j; isReal = true }
    }
    let text = String(decoding: b[start ..< i], as: UTF8.self)
    if !isReal, let v = Int64(text) { return .integer(v) }
    return .real(Double(text) ?? 0)
}

/// sqlite3VdbeIntValue.
@inline(__always) func integerValue(_ v: Value) -> Int64 { v.integerValue }
/// sqlite3VdbeRealValue.
@inline(__always) func realValue(_ v: Value) -> Double { v.realValue }

/// Truncating double → Int64 conversion that saturates instead of trapping (NaN → 0).
func doubleToInt64(_ d: Double) -> Int64 {
    if d.isNaN { return 0 }
    if d <= -9.223372036854775808e18 { return Int64.min }
    if d >= 9.223372036854775808e18 { return Int64.max }
    return Int64(d)
}

/// Text form of a value (NULL → nil): reals via renderReal, blobs' bytes as UTF-8.
@inline(__always) func textOf(_ v: Value) -> String? { v.textValue }

/// Text form as raw UTF-8 bytes (blobs unchanged; NULL → empty).
@inline(__always) func bytesOf(_ v: Value) -> [UInt8] { v.blobValue ?? [] }

/// Applies column affinity `a` to `v` (SQLite's applyAffinity).
@inline(__always) func applyAffinity(_ a: Affinity, to v: Value) -> Value { a.apply(to: v) }

/// Numeric affinity for comparisons: text that is wholly a number becomes that number.
func numericAffinityForComparison(_ v: Value) -> Value {
    guard case .text(let s) = v else { return v }
    return parseNumericText(s) ?? v
}

/// CAST(v AS a) in a database of text encoding `encoding`: text ↔ blob go through it.
func castValue(_ v: Value, to a: Affinity, encoding: TextEncoding) -> Value {
    switch a {
    case .blob: return v.blobValue(in: encoding).map { .blob($0) } ?? .null
    case .text: return v.textValue(in: encoding).map { .text($0) } ?? .null
    default:
        // A blob becomes a number through its text in the database encoding.
        guard case .blob = v, encoding != .utf8 else { return castValue(v, to: a) }
        return castValue(v.textValue(in: encoding).map { .text($0) } ?? .null, to: a)
    }
}

/// CAST(v AS a) (lang_expr.html §Cast).
func castValue(_ v: Value, to a: Affinity) -> Value {
    switch a {
    case .blob: return v.castToBlob
    case .text: return v.castToText
    case .integer: return v.castToInteger
    case .real: return v.castToReal
    case .numeric: return v.castToNumeric
    }
}

extension Value {
    /// A blob read as text in `encoding` (for `||` in a UTF-16 database); others unchanged.
    func castToTextKeepingNull(in encoding: TextEncoding) -> Value {
        guard case .blob = self else { return self }
        return textValue(in: encoding).map { .text($0) } ?? .null
    }
}
