// This file implements DatabaseValue, the public face of an SQL value. Layer: L7.
// Spec: Spec/L7-api.md.

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
