// This file implements DatabaseCollation: collating sequences written in Swift and registered
// on one connection (the L2 hook is Collation.connectionCollations, set by L6).
// Layer: L7. Spec: Spec/L7-api.md §Migrations and functions (invariant 25).
import LoomRecord

/// A collating sequence written in Swift, usable wherever SQL names a collation:
/// `ORDER BY x COLLATE name`, `x = y COLLATE name`, column definitions and indexes.
///
/// ```swift
/// let length = DatabaseCollation("bylength") { a, b in a.utf8.count - b.utf8.count }
/// db.add(collation: length)
/// try String.fetchAll(db, sql: "SELECT name FROM t ORDER BY name COLLATE bylength")
/// ```
/// Corresponds to `sqlite3_create_collation_v2`. The function returns a negative number,
/// zero or a positive number as its first argument sorts before, with or after the second.
/// It must be a consistent total order (indexes built with it rely on that). Names are
/// case-insensitive; the built-ins BINARY, NOCASE and RTRIM cannot be replaced.
public struct DatabaseCollation: Sendable {
    /// The collation's name as SQL writes it (case-insensitive).
    public let name: String
    let collation: CustomCollation

    public init(_ name: String, function: @escaping @Sendable (String, String) -> Int) {
        self.name = name
        self.collation = CustomCollation(name: name, compare: function)
    }
}

extension Database {
    /// Registers `collation` on this connection (replacing one of the same name). Statements
    /// compiled afterwards, and the schema's columns and indexes, use it.
    ///
    /// ```swift
    /// db.add(collation: DatabaseCollation("reverse") { a, b in b < a ? -1 : (b == a ? 0 : 1) })
    /// try db.execute(sql: "CREATE INDEX i ON t(name COLLATE reverse)")
    /// ```
    /// A statement naming an unregistered collation fails to compile with
    /// "no such collation sequence: name".
    public func add(collation: DatabaseCollation) {
        connection.setUserCollation(collation.name, collation.collation)
        statementCache.removeAll()
    }

    /// Unregisters a collation added with ``add(collation:)``.
    public func remove(collation: DatabaseCollation) {
        connection.setUserCollation(collation.name, nil)
        statementCache.removeAll()
    }
}
