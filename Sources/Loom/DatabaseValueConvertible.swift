// This file implements DatabaseValueConvertible, the protocol of Swift types that convert to
// and from one SQL value, and its conformances for the standard library's types.
// Layer: L7. Spec: Spec/L7-api.md §Values.

/// A type whose values are stored in one SQL column.
///
/// ```swift
/// enum Color: String, DatabaseValueConvertible { case red, green }
/// try db.execute(sql: "INSERT INTO t(c) VALUES (?)", arguments: [Color.red])
/// let color: Color = try row["c"]
/// ```
/// Conversions never trap: a value that cannot convert (an integer out of range, a text
/// into an `Int`) makes ``fromDatabaseValue(_:)`` return nil, and the reading API throws
/// ``RowDecodingError``.
public protocol DatabaseValueConvertible {
    /// The SQL value of `self`.
    var databaseValue: DatabaseValue { get }
    /// `Self` from an SQL value, or nil when it does not convert.
    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self?
}

extension DatabaseValue: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { self }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> DatabaseValue? { dbValue }
}

extension DatabaseValue {
    /// True for SQL NULL.
    public var isNull: Bool { if case .null = self { return true } else { return false } }
}

// MARK: - Integers

/// Integers convert from INTEGER values in range and from REAL values that hold an integral
/// number in range; anything else does not convert.
@inline(__always)
private func integer<I: FixedWidthInteger>(_ dbValue: DatabaseValue, as: I.Type) -> I? {
    switch dbValue {
    case .integer(let i): return I(exactly: i)
    case .real(let d): return I(exactly: d)
    default: return nil
    }
}

extension Int: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Int? { integer(dbValue, as: Int.self) }
}
extension Int8: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Int8? { integer(dbValue, as: Int8.self) }
}
extension Int16: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Int16? { integer(dbValue, as: Int16.self) }
}
extension Int32: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Int32? { integer(dbValue, as: Int32.self) }
}
extension Int64: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(self) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Int64? { integer(dbValue, as: Int64.self) }
}
extension UInt8: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> UInt8? { integer(dbValue, as: UInt8.self) }
}
extension UInt16: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> UInt16? { integer(dbValue, as: UInt16.self) }
}
extension UInt32: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> UInt32? { integer(dbValue, as: UInt32.self) }
}
/// `UInt` and `UInt64` values above `Int64.max` have no SQL integer: they are stored as
/// REAL (rounded), as a C program binding them with `sqlite3_bind_double` would.
extension UInt64: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue {
        if let i = Int64(exactly: self) { return .integer(i) }
        return .real(Double(self))
    }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> UInt64? { integer(dbValue, as: UInt64.self) }
}
extension UInt: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { UInt64(self).databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> UInt? { integer(dbValue, as: UInt.self) }
}

// MARK: - Other scalars

/// `true` is stored as 1 and `false` as 0; any non-zero number reads as `true`.
extension Bool: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .integer(self ? 1 : 0) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Bool? {
        switch dbValue {
        case .integer(let i): return i != 0
        case .real(let d): return d != 0
        default: return nil
        }
    }
}

extension Double: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .real(self) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Double? {
        switch dbValue {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        default: return nil
        }
    }
}

extension Float: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .real(Double(self)) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Float? {
        switch dbValue {
        case .integer(let i): return Float(i)
        case .real(let d): return Float(d)
        default: return nil
        }
    }
}

/// Strings read from TEXT, and from BLOBs that hold valid UTF-8.
extension String: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { .text(self) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> String? {
        switch dbValue {
        case .text(let s): return s
        case .blob(let b): return String(validating: b, as: UTF8.self)
        default: return nil
        }
    }
}

/// Byte arrays are stored as BLOB; they read from BLOB and from TEXT (its UTF-8 bytes).
extension Array: DatabaseValueConvertible where Element == UInt8 {
    public var databaseValue: DatabaseValue { .blob(self) }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> [UInt8]? {
        switch dbValue {
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return nil
        }
    }
}

// MARK: - Optionals and enums

/// `nil` is NULL; NULL reads as `nil`.
///
/// ```swift
/// let email: String? = try row["email"]   // nil when the column is NULL
/// ```
extension Optional: DatabaseValueConvertible where Wrapped: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue {
        switch self {
        case .none: return .null
        case .some(let wrapped): return wrapped.databaseValue
        }
    }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Wrapped?? {
        if case .null = dbValue { return .some(nil) }
        guard let wrapped = Wrapped.fromDatabaseValue(dbValue) else { return nil }
        return .some(wrapped)
    }
}

/// Enums with a convertible raw value convert through it: declare the conformance and the
/// implementation comes for free.
///
/// ```swift
/// enum Grade: Int, DatabaseValueConvertible { case low = 1, high = 2 }
/// ```
extension DatabaseValueConvertible where Self: RawRepresentable, RawValue: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self? {
        RawValue.fromDatabaseValue(dbValue).flatMap(Self.init(rawValue:))
    }
}
