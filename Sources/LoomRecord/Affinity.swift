// This file implements Affinity: a column's preferred storage class and its conversion of
// stored values. Layer: L2. Spec: Spec/L2-record.md ("Affinity", invariants A1-A5).

/// Column affinity (datatype3.html, section 3).
///
/// ```swift
/// let a = Affinity(declaredType: "VARCHAR(10)")   // .text
/// Affinity.numeric.apply(to: .text("3.0"))         // .integer(3)
/// ```
/// Corresponds to SQLite's `SQLITE_AFF_*` and `sqlite3AffinityType` / `applyAffinity`.
package enum Affinity: Sendable, Hashable {
    case blob, text, numeric, integer, real

    /// The affinity of a declared column type, by the five rules in order: "INT" → integer;
    /// "CHAR", "CLOB", "TEXT" → text; "BLOB" or no type → blob; "REAL", "FLOA", "DOUB" →
    /// real; otherwise numeric. Matching is case-insensitive on substrings.
    package init(declaredType: String?) {
        guard let declared = declaredType, !declared.isEmpty else { self = .blob; return }
        // ASCII-only upper-casing, as SQLite's; other bytes cannot match the keywords.
        let t = String(decoding: declared.utf8.map { $0 >= 0x61 && $0 <= 0x7a ? $0 - 32 : $0 }, as: UTF8.self)
        if t.contains("INT") { self = .integer }
        else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") { self = .text }
        else if t.contains("BLOB") { self = .blob }
        else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") { self = .real }
        else { self = .numeric }
    }

    /// The value as a column of this affinity stores it:
    /// - text: numbers become their text (reals via `renderReal`);
    /// - numeric/integer: text that is wholly a number (see `parseNumericText`) becomes
    ///   INTEGER or REAL; a REAL that is integral and strictly inside the Int64 range becomes
    ///   INTEGER;
    /// - real: as numeric, then any INTEGER becomes REAL;
    /// - blob: unchanged. NULL and blobs are never converted.
    package func apply(to v: Value) -> Value {
        switch self {
        case .blob: return v
        case .text:
            switch v {
            case .integer, .real: return v.castToText
            default: return v
            }
        case .numeric, .integer:
            switch v {
            case .text(let s): return parseNumericText(s) ?? v
            case .real(let d): return realAsExactInteger(d).map { .integer($0) } ?? v
            default: return v
            }
        case .real:
            switch v {
            case .text(let s):
                guard let n = parseNumericText(s) else { return v }
                if case .integer(let i) = n { return .real(Double(i)) }
                return n
            case .integer(let i): return .real(Double(i))
            default: return v
            }
        }
    }
}
