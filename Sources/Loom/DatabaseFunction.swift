// This file implements DatabaseFunction: scalar SQL functions written in Swift and registered
// on one connection. Layer: L7 (the L4 hook is FunctionRegistry.connectionFunctions).
// Spec: Spec/L7-api.md §Functions.
import LoomRecord
import LoomVDBE

/// A scalar SQL function written in Swift.
///
/// ```swift
/// let reverse = DatabaseFunction("reverse", argumentCount: 1, pure: true) { values in
///     guard let s = String.fromDatabaseValue(values[0]) else { return nil }
///     return String(s.reversed())
/// }
/// db.add(function: reverse)
/// try String.fetchOne(db, sql: "SELECT reverse('abc')")   // "cba"
/// ```
/// Corresponds to SQLite's `sqlite3_create_function_v2` (scalar functions). The body returns
/// any convertible value, or nil for NULL; an error it throws fails the statement with that
/// error (a `DatabaseError` as is, any other error as code `.error` with its description).
public struct DatabaseFunction: Sendable {
    /// The function's name as SQL calls it (case-insensitive).
    public let name: String
    /// Number of arguments, nil for any number.
    public let argumentCount: Int?
    /// Same arguments always give the same result (usable in indexes and CHECK constraints).
    public let isPure: Bool
    let body: @Sendable ([DatabaseValue]) throws -> (any DatabaseValueConvertible)?

    public init(_ name: String, argumentCount: Int? = nil, pure: Bool = false,
                function: @escaping @Sendable ([DatabaseValue]) throws -> (any DatabaseValueConvertible)?) {
        self.name = name
        self.argumentCount = argumentCount
        self.isPure = pure
        self.body = function
    }

    var definition: FunctionDefinition {
        let body = self.body
        return FunctionDefinition(name: name.asciiFolded, argumentCount: argumentCount ?? -1,
                                  isDeterministic: isPure, body: .scalar({ arguments, _ in
            let values = arguments.map(DatabaseValue.init)
            do {
                return (try body(values)?.databaseValue ?? .null).engineValue
            } catch let error as DatabaseError {
                throw error
            } catch {
                throw DatabaseError(.error, "\(error)")
            }
        }))
    }
}

extension Database {
    /// Registers `function` on this connection (replacing one of the same name and
    /// argument count). Statements compiled afterwards can call it.
    ///
    /// ```swift
    /// db.add(function: DatabaseFunction("twice", argumentCount: 1) { Int.fromDatabaseValue($0[0]).map { $0 * 2 } })
    /// ```
    public func add(function: DatabaseFunction) {
        let key = function.name.asciiFolded
        let argc = function.argumentCount ?? -1
        var overloads = connection.userFunctions[key] ?? []
        overloads.removeAll { $0.argumentCount == argc }
        overloads.append(function.definition)
        connection.userFunctions[key] = overloads
        statementCache.removeAll()
    }

    /// Unregisters a function added with ``add(function:)``.
    public func remove(function: DatabaseFunction) {
        let key = function.name.asciiFolded
        let argc = function.argumentCount ?? -1
        connection.userFunctions[key]?.removeAll { $0.argumentCount == argc }
        if connection.userFunctions[key]?.isEmpty == true { connection.userFunctions[key] = nil }
        statementCache.removeAll()
    }
}
