// This file implements how result values become sqllogictest strings: the I, R and T
// renderings, NULL/(empty)/@ rules, rowsort/valuesort and the md5 result hash.
// Layer: tools (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Foundation
import Loom

/// A result value as an engine hands it to the runner.
public typealias SLTValue = DatabaseValue

/// Renders one value for column type letter `type` (`I`, `R` or `T`; anything else as `T`).
public func renderValue(_ value: SLTValue, type: UInt8) -> String {
    if case .null = value { return "NULL" }
    switch type {
    case UInt8(ascii: "I"):
        return String(Int32(truncatingIfNeeded: integerValue(value)))
    case UInt8(ascii: "R"):
        return formatFixed3(realValue(value))
    default:
        let bytes: [UInt8]
        switch value {
        case .blob(let b): bytes = b
        case .text(let s): bytes = Array(s.utf8)
        default: bytes = Array((value.textRepresentation ?? "").utf8)
        }
        if bytes.isEmpty { return "(empty)" }
        return String(decoding: bytes.map { $0 < 0x20 || $0 > 0x7E ? UInt8(ascii: "@") : $0 },
                      as: UTF8.self)
    }
}

/// The value as a 64-bit integer the way SQLite converts it (`sqlite3_column_int64`):
/// reals truncate toward zero, clamped to the Int64 range; text and blobs take their
/// leading integer prefix, clamped on overflow.
public func integerValue(_ value: SLTValue) -> Int64 {
    switch value {
    case .null: return 0
    case .integer(let i): return i
    case .real(let d): return clampToInt64(d)
    case .text(let s): return integerPrefix(Array(s.utf8))
    case .blob(let b): return integerPrefix(b)
    }
}

/// The value as a double the way SQLite converts it (`sqlite3_column_double`).
public func realValue(_ value: SLTValue) -> Double {
    switch value {
    case .null: return 0
    case .integer(let i): return Double(i)
    case .real(let d): return d
    case .text(let s): return realPrefix(Array(s.utf8))
    case .blob(let b): return realPrefix(b)
    }
}

func clampToInt64(_ d: Double) -> Int64 {
    if d.isNaN { return 0 }
    if d <= -9_223_372_036_854_775_808.0 { return Int64.min }
    if d >= 9_223_372_036_854_775_808.0 { return Int64.max }
    return Int64(d)
}

private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// Leading optional whitespace, sign and decimal digits; clamps to Int64 on overflow.
func integerPrefix(_ b: [UInt8]) -> Int64 {
    var i = 0
    while i < b.count && isSpace(b[i]) { i += 1 }
    var negative = false
    if i < b.count && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) {
        negative = b[i] == UInt8(ascii: "-")
        i += 1
    }
    var magnitude: UInt64 = 0
    var overflow = false
    while i < b.count && isDigit(b[i]) {
        let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(UInt64(b[i] - 0x30))
        if o1 || o2 { overflow = true }
        magnitude = s
        i += 1
    }
    if negative {
        if overflow || magnitude > UInt64(Int64.max) + 1 { return Int64.min }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    if overflow || magnitude > UInt64(Int64.max) { return Int64.max }
    return Int64(magnitude)
}

/// The longest leading decimal number (whitespace, sign, digits, point, digits, exponent).
func realPrefix(_ b: [UInt8]) -> Double {
    var i = 0
    while i < b.count && isSpace(b[i]) { i += 1 }
    let start = i
    if i < b.count && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) { i += 1 }
    var digits = 0
    while i < b.count && isDigit(b[i]) { i += 1; digits += 1 }
    if i < b.count && b[i] == UInt8(ascii: ".") {
        i += 1
        while i < b.count && isDigit(b[i]) { i += 1; digits += 1 }
    }
    guard digits > 0 else { return 0 }
    if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
        var j = i + 1
        if j < b.count && (b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: "+")) { j += 1 }
        if j < b.count && isDigit(b[j]) {
            while j < b.count && isDigit(b[j]) { j += 1 }
            i = j
        }
    }
    var text = String(decoding: b[start..<i], as: UTF8.self)
    if text.hasSuffix(".") { text += "0" }
    if text.hasPrefix(".") || text.hasPrefix("-.") || text.hasPrefix("+.") {
        text = text.replacingOccurrences(of: ".", with: "0.")
    }
    return Double(text) ?? 0
}

/// `%.3f` as SQLite ≥ 3.43 prints it: the decimal expansion rounded half-up at the third
/// decimal place, but never to more than 16 significant digits (digits past the 16th are
/// rounded away and printed as zeros).
public func formatFixed3(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Inf" : "Inf" }
    let negative = d < 0
    let a = Swift.abs(d)
    if a == 0 { return "0.000" }
    // 40 significant digits, correctly rounded by the C library: far past where we round.
    let e = String(format: "%.39e", a)
    guard let eIndex = e.firstIndex(of: "e"), let exponent = Int(e[e.index(after: eIndex)...]) else {
        return String(format: "%.3f", d)
    }
    var digits = e[..<eIndex].utf8.filter(isDigit).map { Int($0 - 0x30) }
    var point = exponent + 1             // digits[0..<point] is the integer part
    var keep = min(point + 3, 16)
    if keep < 0 {
        digits = []
    } else {
        let roundUp = keep < digits.count && digits[keep] >= 5
        digits = Array(digits.prefix(keep))
        if roundUp {
            var j = keep - 1
            while true {
                if j < 0 {
                    digits.insert(1, at: 0)
                    point += 1
                    keep += 1
                    break
                }
                digits[j] += 1
                if digits[j] <= 9 { break }
                digits[j] = 0
                j -= 1
            }
        }
    }
    func digit(_ position: Int) -> Character {
        position >= 0 && position < digits.count ? Character(String(digits[position])) : "0"
    }
    var out = negative ? "-" : ""
    if point <= 0 {
        out += "0"
    } else {
        for p in 0..<point { out.append(digit(p)) }
    }
    out += "."
    for p in point..<(point + 3) { out.append(digit(p)) }
    return out
}

/// Renders a result: one string per value, row-major, with `types` giving each column's
/// letter (columns past the letters render as `T`).
public func renderRows(_ rows: [[SLTValue]], types: [UInt8]) -> [[String]] {
    rows.map { row in
        row.enumerated().map { i, v in renderValue(v, type: i < types.count ? types[i] : UInt8(ascii: "T")) }
    }
}

/// Applies a sort mode to rendered rows and returns the flat list of values.
///
/// Sorting is byte-wise (strcmp). Rendered values are printable ASCII only (everything else
/// became `@`), and on ASCII Swift's `<` is byte order. A row sorts by its columns joined
/// with U+0001, which is below every printable byte, so that "a" < "ab" holds per column.
public func sortedValues(_ rows: [[String]], _ mode: SortMode) -> [String] {
    switch mode {
    case .nosort:
        return rows.flatMap { $0 }
    case .rowsort:
        let keyed = rows.map { ($0.joined(separator: "\u{1}"), $0) }
        return keyed.sorted { $0.0 < $1.0 }.flatMap { $0.1 }
    case .valuesort:
        return rows.flatMap { $0 }.sorted()
    }
}

/// The md5 of every value followed by a newline.
public func hashValues(_ values: [String]) -> String {
    var md5 = MD5()
    var text = values.joined(separator: "\n")
    if !values.isEmpty { text += "\n" }
    md5.update(text)
    return md5.hexDigest()
}
