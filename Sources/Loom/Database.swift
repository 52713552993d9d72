// This file implements Database, the public connection type, and its capability levels.
// Layer: L7. Spec: Spec/L7-api.md.
import LoomBase
import LoomVFS
import LoomSession

public typealias DatabaseError = LoomBase.DatabaseError
public typealias ResultCode = LoomBase.ResultCode

/// What a connection may do. Each level includes the ones below it.
///
/// ```swift
/// let db = try Database(path: "app.db", capability: .read)
/// try db.execute("DELETE FROM t")   // throws DatabaseError with code .readonly
/// ```
public enum Capability: Int, Comparable, Sendable {
    /// SELECT only (and read-only PRAGMAs).
    case read = 0
    /// Plus INSERT, UPDATE, DELETE and transactions.
    case write = 1
    /// Plus CREATE, DROP, ALTER and every other statement.
    case admin = 2
    public static func < (a: Capability, b: Capability) -> Bool { a.rawValue < b.rawValue }
}
