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
    /// The calling VM's per-statement state: the step's 'now' and JSON subtypes.
    package let scratch: FunctionScratch

    /// 'now' of the current step, in milliseconds since the Julian epoch: read once per
    /// step from the connection's VFS clock (SQLite's `sqlite3StmtCurrentTime`).
    package func currentTime() -> Int64 {
        if let t = scratch.stepTime { return t }
        let t = connection.currentTimeMilliseconds()
        scratch.stepTime = t
        return t
    }

    /// Whether argument `i` carries SQLite's JSON subtype (produced by a JSON function).
    /// Only functions registered with `usesSubtypes` see subtypes.
    package func argumentIsJSON(_ i: Int) -> Bool {
        scratch.argumentSubtypes.contains(i)
    }

    /// The text encoding of the main database (how text becomes bytes for hex()).
    package var textEncoding: TextEncoding {
        connection.databases.first.flatMap { $0?.btree.textEncoding } ?? .utf8
    }

    /// Marks this call's TEXT result as JSON (SQLite's `sqlite3_result_subtype(ctx, 'J')`).
    package func setResultJSON() { scratch.resultSubtype = true }
}

/// A set of argument positions (0 ..< 128, SQLite's SQLITE_MAX_FUNCTION_ARG is 127) that
/// carry the JSON subtype.
package struct ArgumentSubtypes: Sendable, Equatable {
    var low: UInt64 = 0
    var high: UInt64 = 0
    package init() {}

    package func contains(_ i: Int) -> Bool {
        if i >= 0 && i < 64 { return low >> UInt64(i) & 1 != 0 }
        if i >= 64 && i < 128 { return high >> UInt64(i - 64) & 1 != 0 }
        return false
    }

    package mutating func insert(_ i: Int) {
        if i >= 0 && i < 64 { low |= 1 << UInt64(i) } else if i >= 64 && i < 128 { high |= 1 << UInt64(i - 64) }
    }
}

/// Per-VM scratch state for function calls (one allocation per VM, reused by every call).
package final class FunctionScratch {
    /// 'now' of the current step (nil until first asked; the VM clears it at each step).
    package var stepTime: Int64?
    /// The arguments of the current call that carry the JSON subtype.
    package var argumentSubtypes = ArgumentSubtypes()
    /// Set by the body: the result carries the JSON subtype.
    package var resultSubtype = false
    /// Recently parsed JSON documents (text → tree) for the functions that only read them,
    /// newest last; SQLite keeps a similar per-statement cache.
    var jsonCache: [(text: [UInt8], root: JSONNode)] = []
    package init() {}
}

/// A scalar function body: arguments are the registers `arguments ..< arguments+count`.
package typealias ScalarImplementation =
    @Sendable (_ arguments: ArraySlice<Value>, _ context: FunctionCallContext) throws -> Value

/// Built-in scalar functions with a direct opcode in the dispatch loop.
enum BuiltinScalar: Sendable {
    /// length(X) (`VM.lengthValue`).
    case length
    /// like(P, S): two TEXT operands match with a `LikePattern` cached per call site
    /// (`VM.likeFast`); anything else goes through the function body.
    case like
}

/// The built-in aggregates (state and steps live in Aggregates.swift).
package enum AggregateKind: Sendable, Hashable {
    case countStar, count, sum, total, avg, min, max, groupConcat
    /// json_group_array(X), json_group_object(N, V) (Functions/JSONFunctions.swift).
    case jsonGroupArray, jsonGroupObject
    /// A user-defined aggregate (L7 `DatabaseFunction(_:aggregate:)`).
    case user(UserAggregate)

    /// Aggregates whose arguments and result carry JSON subtypes (min/max keep the
    /// subtype of the value they return).
    package var usesSubtypes: Bool {
        switch self {
        case .jsonGroupArray, .jsonGroupObject, .min, .max: return true
        default: return false
        }
    }
}

/// The running state of one call of a user-defined aggregate: one instance per group (or
/// per window frame computation). Errors it throws fail the statement.
package protocol UserAggregateAccumulator: AnyObject {
    func step(_ arguments: ArraySlice<Value>) throws
    func final() throws -> Value
}

/// A user-defined aggregate: makes a fresh accumulator for each group. Compared by identity.
package final class UserAggregate: Sendable, Hashable {
    package let makeAccumulator: @Sendable () -> any UserAggregateAccumulator
    package init(makeAccumulator: @escaping @Sendable () -> any UserAggregateAccumulator) {
        self.makeAccumulator = makeAccumulator
    }
    package static func == (a: UserAggregate, b: UserAggregate) -> Bool { a === b }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A function known to the registry.
/// Where a function may be called from the schema (views, triggers, DEFAULT): sqlite3's
/// SQLITE_INNOCUOUS / SQLITE_DIRECTONLY flags of `sqlite3_create_function_v2`.
package enum FunctionTrust: Sendable {
    /// Usable anywhere (the built-ins; SQLITE_INNOCUOUS).
    case innocuous
    /// Refused in the schema while PRAGMA trusted_schema is off (an application function
    /// registered without a flag).
    case unsafe
    /// Never usable in the schema (SQLITE_DIRECTONLY).
    case directOnly
}

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
    /// The body reads argument subtypes or sets a result subtype (JSON functions); the VM
    /// tracks subtypes only around such calls.
    package let usesSubtypes: Bool
    /// Set on the built-ins the VM runs as direct opcodes (FastOp.swift); nil for every
    /// other function, user-defined ones included (a user `length` is called as usual).
    var builtin: BuiltinScalar?
    /// Whether views, triggers and DEFAULT expressions may call it.
    package var trust: FunctionTrust = .innocuous

    package init(name: String, argumentCount: Int, minimumArgumentCount: Int = 0,
                 isDeterministic: Bool = true, usesSubtypes: Bool = false, body: Body) {
        self.name = name
        self.argumentCount = argumentCount
        self.minimumArgumentCount = minimumArgumentCount
        self.isDeterministic = isDeterministic
        self.usesSubtypes = usesSubtypes
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
        let key = name.lowercasedASCII
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
        for f in builtinScalarFunctions() + builtinMathFunctions() + builtinInfoFunctions() + builtinAggregateFunctions()
                 + builtinDateTimeFunctions() + builtinJSONFunctions() {
            t[f.name, default: []].append(f)
        }
        return t
    }()
}

extension String {
    /// ASCII-only lower-casing, as SQLite folds identifiers (non-ASCII letters are kept).
    package var lowercasedASCII: String {
        // Identifiers are usually lowercase already: checking first avoids an array and a new
        // String per lookup (name lookups showed in per-statement compile profiles).
        if !utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return self }
        var bytes = Array(utf8)
        var changed = false
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A {
            bytes[i] += 0x20
            changed = true
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : self
    }
}

extension FunctionRegistry {
    /// Rows of `PRAGMA function_list` (name, builtin, type, enc, narg, flags): every built-in
    /// definition (aggregates are type "w", as SQLite's are usable as windows), the forms
    /// codegen computes inline, the window-only functions, then the connection's own
    /// functions (builtin 0). Flags follow SQLite's: SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS
    /// (2099200), SQLITE_INNOCUOUS alone (2097152), subtype-using JSON functions 2048.
    package static func functionListRows() -> [(name: String, builtin: Bool, type: String, narg: Int, flags: Int)] {
        var rows: [(name: String, builtin: Bool, type: String, narg: Int, flags: Int)] = []
        for (_, overloads) in table {
            for f in overloads {
                let flags = f.usesSubtypes ? 2048 : f.isAggregate ? 2_097_152 : f.isDeterministic ? 2_099_200 : 2_097_152
                rows.append((f.name, true, f.isAggregate ? "w" : "s", f.argumentCount, flags))
            }
        }
        let inline: [(String, Int)] = [("coalesce", -1), ("ifnull", 2), ("iif", 3), ("likely", 1), ("unlikely", 1),
                                       ("likelihood", 2)]
        for (name, n) in inline where table[name] == nil { rows.append((name, true, "s", n, 2_099_200)) }
        let windows: [(String, Int)] = [("row_number", 0), ("rank", 0), ("dense_rank", 0), ("percent_rank", 0),
                                        ("cume_dist", 0), ("ntile", 1), ("lag", 1), ("lag", 2), ("lag", 3),
                                        ("lead", 1), ("lead", 2), ("lead", 3), ("first_value", 1),
                                        ("last_value", 1), ("nth_value", 2)]
        for (name, n) in windows where table[name] == nil { rows.append((name, true, "w", n, 2_097_152)) }
        for (_, overloads) in connectionFunctions {
            for f in overloads { rows.append((f.name, false, f.isAggregate ? "w" : "s", f.argumentCount, f.isDeterministic ? 2048 : 0)) }
        }
        return rows.sorted { ($0.name, $0.narg) < ($1.name, $1.narg) }
    }
}
