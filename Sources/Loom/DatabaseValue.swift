// This file implements DatabaseValue, the public face of an SQL value. Layer: L7.
// Spec: Spec/L7-api.md.
import LoomRecord

/// One SQL value as the API hands it out and takes it in.
///
/// ```swift
/// let row = try db.queryFirstRow("SELECT 1, 'a', NULL")   // [.integer(1), .text("a"), .null]
/// ```
/// Corresponds to SQLite's `sqlite3_value` with its five fundamental types.
public enum DatabaseValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension DatabaseValue {
    /// The value as `sqlite3_column_text` renders it: nil for NULL, integers in decimal,
    /// reals in SQLite's `%!.15g` form (`1.0`, `0.3`, `1.0e+20`, `Inf`), text as is, blobs as
    /// their bytes read as UTF-8.
    public var textRepresentation: String? { engineValue.textValue }

    /// A real as SQLite's `printf("%!.Ng")` renders it with N = `significantDigits`:
    /// 15 is `sqlite3_column_text`'s form (`0.1`), 20 the shell's quote/insert/json form
    /// (`0.10000000000000000555`).
    ///
    /// ```swift
    /// DatabaseValue.renderReal(1e20)                         // "1.0e+20"
    /// DatabaseValue.renderReal(0.1, significantDigits: 20)   // "0.10000000000000000555"
    /// ```
    public static func renderReal(_ value: Double, significantDigits: Int = 15) -> String {
        LoomRecord.renderReal(value, significantDigits: significantDigits)
    }

    /// The fundamental type name as `typeof()` gives it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        }
    }
}

extension DatabaseValue {
    /// The engine's value (L2 `Value`) for this value.
    var engineValue: Value {
        switch self {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .real(let d): return .real(d)
        case .text(let s): return .text(s)
        case .blob(let b): return .blob(b)
        }
    }

    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .integer(let i): self = .integer(i)
        case .real(let d): self = .real(d)
        case .text(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        }
    }
}
