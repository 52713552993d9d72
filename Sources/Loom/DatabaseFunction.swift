// This file implements DatabaseFunction: scalar and aggregate SQL functions written in Swift
// and registered on one connection. Layer: L7 (the L4 hook is FunctionRegistry.connectionFunctions).
// Spec: Spec/L7-api.md §Functions.
import LoomRecord
import LoomVDBE

/// A scalar or aggregate SQL function written in Swift.
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
    /// Harmless when a tampered schema calls it (SQLITE_INNOCUOUS): views and triggers (outside
    /// temp) and DEFAULT expressions may call it while `PRAGMA trusted_schema` is off. Without
    /// it they fail there with "unsafe use of f()", as in sqlite3.
    public let isInnocuous: Bool
    /// Only statements the application prepares may call it (SQLITE_DIRECTONLY): views and
    /// triggers outside temp and DEFAULT expressions fail with "unsafe use of f()" whatever
    /// `trusted_schema` says.
    public let isDirectOnly: Bool
    private enum Kind: Sendable {
        case scalar(@Sendable ([DatabaseValue]) throws -> (any DatabaseValueConvertible)?)
        case aggregate(UserAggregate)
    }
    private let kind: Kind

    public init(_ name: String, argumentCount: Int? = nil, pure: Bool = false, innocuous: Bool = false,
                directOnly: Bool = false,
                function: @escaping @Sendable ([DatabaseValue]) throws -> (any DatabaseValueConvertible)?) {
        self.name = name
        self.argumentCount = argumentCount
        self.isPure = pure
        self.isInnocuous = innocuous
        self.isDirectOnly = directOnly
        self.kind = .scalar(function)
    }

    /// An aggregate function: each group gets a fresh `Aggregate()`, which sees
    /// ``DatabaseAggregate/step(_:)`` once per row and ``DatabaseAggregate/finalize()`` once.
    ///
    /// ```swift
    /// struct Product: DatabaseAggregate {
    ///     var result = 1
    ///     mutating func step(_ values: [DatabaseValue]) { result *= Int.fromDatabaseValue(values[0]) ?? 1 }
    ///     func finalize() -> (any DatabaseValueConvertible)? { result }
    /// }
    /// db.add(function: DatabaseFunction("product", argumentCount: 1, pure: true, aggregate: Product.self))
    /// try Int.fetchOne(db, sql: "SELECT product(x) FROM t")
    /// ```
    /// Corresponds to `sqlite3_create_function_v2` with xStep/xFinal. Usable as a window
    /// function (`product(x) OVER (…)`): each frame is computed afresh (no xInverse).
    public init<Aggregate: DatabaseAggregate>(_ name: String, argumentCount: Int? = nil, pure: Bool = false,
                                              innocuous: Bool = false, directOnly: Bool = false,
                                              aggregate: Aggregate.Type) {
        self.name = name
        self.argumentCount = argumentCount
        self.isPure = pure
        self.isInnocuous = innocuous
        self.isDirectOnly = directOnly
        self.kind = .aggregate(UserAggregate { AggregateAccumulator<Aggregate>() })
    }

    var definition: FunctionDefinition {
        var d = engineDefinition
        d.trust = isDirectOnly ? .directOnly : isInnocuous ? .innocuous : .unsafe
        return d
    }

    private var engineDefinition: FunctionDefinition {
        switch kind {
        case .aggregate(let aggregate):
            return FunctionDefinition(name: name.asciiFolded, argumentCount: argumentCount ?? -1,
                                      isDeterministic: isPure, body: .aggregate(.user(aggregate)))
        case .scalar(let body):
            return FunctionDefinition(name: name.asciiFolded, argumentCount: argumentCount ?? -1,
                                      isDeterministic: isPure, body: .scalar({ arguments, _ in
                let values = arguments.map(DatabaseValue.init)
                do {
                    return (try body(values)?.databaseValue ?? .null).engineValue
                } catch {
                    throw databaseError(error)
                }
            }))
        }
    }
}

/// A `DatabaseError` as is; any other error as `.error` with its description.
private func databaseError(_ error: any Error) -> DatabaseError {
    error as? DatabaseError ?? DatabaseError(.error, "\(error)")
}

/// The state of one call of an aggregate function (GRDB's `DatabaseAggregate`).
///
/// ```swift
/// struct Median: DatabaseAggregate {
///     var values: [Double] = []
///     mutating func step(_ values: [DatabaseValue]) { Double.fromDatabaseValue(values[0]).map { self.values.append($0) } }
///     func finalize() -> (any DatabaseValueConvertible)? {
///         values.isEmpty ? nil : values.sorted()[values.count / 2]
///     }
/// }
/// ```
/// Errors thrown by `step` or `finalize` fail the statement.
public protocol DatabaseAggregate: SendableMetatype {
    init()
    /// Called once per row of the group with the call's arguments.
    mutating func step(_ values: [DatabaseValue]) throws
    /// The aggregate's result (nil for NULL).
    func finalize() throws -> (any DatabaseValueConvertible)?
}

/// Bridges a `DatabaseAggregate` value to the engine's accumulator protocol.
private final class AggregateAccumulator<Aggregate: DatabaseAggregate>: UserAggregateAccumulator {
    var aggregate = Aggregate()
    func step(_ arguments: ArraySlice<Value>) throws {
        do { try aggregate.step(arguments.map(DatabaseValue.init)) } catch { throw databaseError(error) }
    }
    func final() throws -> Value {
        do { return (try aggregate.finalize()?.databaseValue ?? .null).engineValue } catch { throw databaseError(error) }
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
