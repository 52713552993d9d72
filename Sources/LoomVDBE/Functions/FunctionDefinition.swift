// This file implements FunctionDefinition and FunctionRegistry: SQL functions by (name, argc).
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions). Bodies: Functions/*.swift.
import LoomBase
import LoomRecord

/// What a scalar function sees besides its arguments.
package struct FunctionCallContext {
    /// The connection state (changes(), last_insert_rowid(), …).
    package let connection: ExecutionContext
    /// The collation set by the preceding CollSeq (BINARY otherwise).
    package let collation: Collation
}

/// A scalar function body: arguments are the registers `arguments ..< arguments+count`.
package typealias ScalarImplementation =
    @Sendable (_ arguments: ArraySlice<Value>, _ context: FunctionCallContext) throws -> Value

/// The built-in aggregates (state and steps live in Aggregates.swift).
package enum AggregateKind: Sendable, Hashable {
    case countStar, count, sum, total, avg, min, max, groupConcat
}

/// A function known to the registry.
package struct FunctionDefinition: Sendable {
    package enum Body: Sendable {
        case scalar(ScalarImplementation)
        case aggregate(AggregateKind)
    }
    /// Lower-case name, as EXPLAIN shows it (`substr(2)`).
    package let name: String
    /// Number of arguments; -1 = any number.
    package let argumentCount: Int
    package let body: Body
    /// Same arguments give the same result (random() and friends are not).
    package let isDeterministic: Bool
    /// For variadic functions (`argumentCount == -1`): the fewest arguments accepted.
    package let minimumArgumentCount: Int

    package init(name: String, argumentCount: Int, minimumArgumentCount: Int = 0,
                 isDeterministic: Bool = true, body: Body) {
        self.name = name
        self.argumentCount = argumentCount
        self.minimumArgumentCount = minimumArgumentCount
        self.isDeterministic = isDeterministic
        self.body = body
    }

    package var isAggregate: Bool { if case .aggregate = body { return true } else { return false } }
}

/// The built-in functions by (name, argc).
///
/// ```swift
/// switch FunctionRegistry.lookup(name: "substr", argc: 2) { case .found(let f): … }
/// let f = try FunctionRegistry.resolve(name: "abs", argc: 1)  // throws SQLite's messages
/// ```
package enum FunctionRegistry {
    package enum LookupResult: Sendable {
        case found(FunctionDefinition)
        /// The name exists with other argument counts.
        case wrongArgumentCount
        case notFound
    }

    /// Functions registered on the connection whose SQL is being compiled (user-defined
    /// functions of L7), by lower-case name; they hide built-ins of the same name and argc.
    /// L6 sets it around each compilation (`Connection.prepare`).
    @TaskLocal package static var connectionFunctions: [String: [FunctionDefinition]] = [:]

    /// Exact (name, argc) first, then a variadic (-1) definition of the name; the
    /// connection's own functions before the built-ins.
    package static func lookup(name: String, argc: Int) -> LookupResult {
        let key = asciiLowercased(name)
        let user = connectionFunctions
        if !user.isEmpty, let overloads = user[key] {
            if let exact = overloads.first(where: { $0.argumentCount == argc }) { return .found(exact) }
            if let variadic = overloads.first(where: { $0.argumentCount == -1 }) { return .found(variadic) }
            if table[key] == nil { return .wrongArgumentCount }
        }
        guard let overloads = table[key] else { return .notFound }
        if let exact = overloads.first(where: { $0.argumentCount == argc }) { return .found(exact) }
        if let variadic = overloads.first(where: { $0.argumentCount == -1 && argc >= $0.minimumArgumentCount }) {
            return .found(variadic)
        }
        return .wrongArgumentCount
    }

    /// `lookup`, throwing SQLite's prepare-time errors: "no such function: X",
    /// "wrong number of arguments to function X()".
    package static func resolve(name: String, argc: Int) throws -> FunctionDefinition {
        switch lookup(name: name, argc: argc) {
        case .found(let f): return f
        case .wrongArgumentCount:
            throw DatabaseError(.error, "wrong number of arguments to function \(name)()")
        case .notFound:
            throw DatabaseError(.error, "no such function: \(name)")
        }
    }

    /// Whether any definition of the name is an aggregate (codegen: is this an aggregate call?).
    package static func isAggregate(name: String, argc: Int) -> Bool {
        if case .found(let f) = lookup(name: name, argc: argc) { return f.isAggregate }
        return false
    }

    static let table: [String: [FunctionDefinition]] = {
        var t: [String: [FunctionDefinition]] = [:]
        for f in builtinScalarFunctions() + builtinMathFunctions() + builtinInfoFunctions() + builtinAggregateFunctions() {
            t[f.name, default: []].append(f)
        }
        return t
    }()
}

/// ASCII-only lower-casing (SQLite's identifier and LIKE folding).
@inline(__always)
func asciiLowercased(_ s: String) -> String {
    var bytes = Array(s.utf8)
    var changed = false
    for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A {
        bytes[i] |= 0x20
        changed = true
    }
    return changed ? String(decoding: bytes, as: UTF8.self) : s
}
