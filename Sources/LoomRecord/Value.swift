// This file implements Value: one SQL value of SQLite's five storage classes.
// Layer: L2. Spec: Spec/L2-record.md.

/// One SQL value: NULL, a 64-bit integer, an IEEE double, UTF-8 text, or a blob.
///
/// This is the value every layer from the record format up passes around; the public API
/// mirrors it as `DatabaseValue`.
package enum Value: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    @inlinable
    package var isNull: Bool { if case .null = self { return true } else { return false } }
}
