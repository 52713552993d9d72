// This file implements StatementArguments (values for a statement's parameters, from array
// and dictionary literals) and SQL (string interpolation that binds instead of splicing).
// Layer: L7. Spec: Spec/L7-api.md §Arguments.

/// Values for a statement's parameters: positional ones in order, named ones by name.
///
/// ```swift
/// try db.execute(sql: "INSERT INTO player(name, score) VALUES (?, ?)", arguments: ["Arthur", 100])
/// try db.execute(sql: "UPDATE player SET score = :score WHERE id = :id",
///                arguments: ["score": 1000, "id": 1])
/// ```
/// Binding rule (``Statement/setArguments(_:)``): each parameter with a name (`:name`,
/// `@name`, `$name`) takes the named value whose key is its name with or without the prefix;
/// every other parameter (`?`, `?NNN`, or a named one without a named value) takes the next
/// positional value. Missing or left-over positional values throw `misuse`.
public struct StatementArguments: Sendable, Equatable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// Positional values, in order.
    public var values: [DatabaseValue]
    /// Named values by key (the parameter name without or with its prefix).
    public var namedValues: [String: DatabaseValue]

    /// No arguments.
    public init() {
        values = []
        namedValues = [:]
    }

    /// Positional arguments from any sequence of convertible values.
    public init<S: Sequence>(_ sequence: S) where S.Element == (any DatabaseValueConvertible)? {
        values = sequence.map { $0?.databaseValue ?? .null }
        namedValues = [:]
    }

    /// Positional arguments from a sequence of values of one type.
    public init<S: Sequence>(_ sequence: S) where S.Element: DatabaseValueConvertible {
        values = sequence.map(\.databaseValue)
        namedValues = [:]
    }

    /// Named arguments from a dictionary.
    public init(_ dictionary: [String: (any DatabaseValueConvertible)?]) {
        values = []
        namedValues = dictionary.mapValues { $0?.databaseValue ?? .null }
    }

    public init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        self.init(elements)
    }

    public init(dictionaryLiteral elements: (String, (any DatabaseValueConvertible)?)...) {
        values = []
        namedValues = [:]
        for (key, value) in elements { namedValues[key] = value?.databaseValue ?? .null }
    }

    /// True when there are no values at all.
    public var isEmpty: Bool { values.isEmpty && namedValues.isEmpty }

    /// Appends `other`'s positional values and adds its named values (they win on a clash).
    public mutating func append(contentsOf other: StatementArguments) {
        values += other.values
        namedValues.merge(other.namedValues) { _, new in new }
    }

    public static func + (lhs: StatementArguments, rhs: StatementArguments) -> StatementArguments {
        var result = lhs
        result.append(contentsOf: rhs)
        return result
    }

    public static func += (lhs: inout StatementArguments, rhs: StatementArguments) {
        lhs.append(contentsOf: rhs)
    }

    /// The value of each parameter `1 ... names.count` of a statement whose parameters are
    /// named `names` (nil for `?`), by the binding rule above.
    func resolve(parameterNames names: [String?], sql: String) throws -> [DatabaseValue] {
        var next = 0
        let result = try resolve(parameterNames: names, sql: sql, next: &next)
        guard next == values.count else {
            throw DatabaseError(.misuse, "wrong number of statement arguments: \(values.count)", sql: sql)
        }
        return result
    }

    /// `resolve` for one statement of several: positional values are taken from `next` on,
    /// and `next` moves past them; the caller checks that none is left over at the end.
    func resolve(parameterNames names: [String?], sql: String, next: inout Int) throws -> [DatabaseValue] {
        var result: [DatabaseValue] = []
        result.reserveCapacity(names.count)
        for name in names {
            if let name, let first = name.utf8.first, first != UInt8(ascii: "?") {
                if let value = namedValues[name] ?? namedValues[String(name.dropFirst())] {
                    result.append(value)
                    continue
                }
                if next >= values.count {
                    throw DatabaseError(.misuse, "missing statement argument: \(name)", sql: sql)
                }
            }
            guard next < values.count else {
                throw DatabaseError(.misuse, "wrong number of statement arguments: \(values.count)", sql: sql)
            }
            result.append(values[next])
            next += 1
        }
        return result
    }
}

extension StatementArguments: CustomStringConvertible {
    public var description: String {
        let positional = values.map { $0.sqlLiteral }
        let named = namedValues.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.sqlLiteral)" }
        return "[" + (positional + named).joined(separator: ", ") + "]"
    }
}

extension DatabaseValue {
    /// The value as an SQL literal (`NULL`, `1`, `'it''s'`, `X'00FF'`), for descriptions.
    public var sqlLiteral: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .real(let d): return DatabaseValue.renderReal(d)
        case .text(let s):
            var out = "'"
            for ch in s { out += ch == "'" ? "''" : String(ch) }
            return out + "'"
        case .blob(let bytes):
            let digits = Array("0123456789ABCDEF".utf8)
            var out: [UInt8] = Array("X'".utf8)
            for b in bytes {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 15)])
            }
            out.append(UInt8(ascii: "'"))
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// SQL text with bound values, written as a string literal with interpolations.
///
/// ```swift
/// let name = "O'Brien"
/// try db.execute(literal: "INSERT INTO player(name, score) VALUES (\(name), \(10))")
/// // runs "INSERT INTO player(name, score) VALUES (?, ?)" with arguments ["O'Brien", 10]
/// let rows = try Row.fetchAll(db, literal: "SELECT * FROM \(identifier: "player") WHERE score > \(5)")
/// ```
/// An interpolated value becomes a `?` parameter, never SQL text, so it cannot inject SQL.
/// Text is spliced only through the explicit `\(sql:)` and `\(identifier:)` forms.
public struct SQL: Sendable, Equatable, ExpressibleByStringInterpolation {
    /// The SQL text, with `?` where values were interpolated.
    public private(set) var sql: String
    /// The interpolated values, in order.
    public private(set) var arguments: StatementArguments

    /// Raw SQL text with optional arguments.
    public init(sql: String, arguments: StatementArguments = []) {
        self.sql = sql
        self.arguments = arguments
    }

    public init(stringLiteral value: String) {
        self.init(sql: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        arguments = stringInterpolation.arguments
    }

    /// Appends another fragment (its text and its arguments).
    public mutating func append(_ other: SQL) {
        sql += other.sql
        arguments += other.arguments
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var result = lhs
        result.append(rhs)
        return result
    }

    /// Builds an `SQL` value piece by piece (the compiler drives it from a literal).
    ///
    /// ```swift
    /// let query: SQL = "SELECT * FROM \(identifier: table) WHERE id = \(id)"
    /// ```
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var arguments = StatementArguments()

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// A value: becomes `?` and one argument. `nil` is NULL.
        public mutating func appendInterpolation<V: DatabaseValueConvertible>(_ value: V?) {
            sql += "?"
            arguments.values.append(value?.databaseValue ?? .null)
        }

        /// Another fragment: its text and arguments are spliced in.
        public mutating func appendInterpolation(_ fragment: SQL) {
            sql += fragment.sql
            arguments += fragment.arguments
        }

        /// Raw SQL text, spliced as is. Never pass untrusted input here.
        public mutating func appendInterpolation(sql text: String) {
            sql += text
        }

        /// A table or column name, quoted as an SQL identifier (`"my ""table"""`).
        public mutating func appendInterpolation(identifier name: String) {
            sql += name.quotedIdentifier
        }

        /// A list of values for `IN (...)`: `?, ?, ?` with one argument each.
        public mutating func appendInterpolation<S: Sequence>(list values: S) where S.Element: DatabaseValueConvertible {
            var first = true
            for value in values {
                sql += first ? "?" : ", ?"
                first = false
                arguments.values.append(value.databaseValue)
            }
            if first { sql += "NULL" }   // IN (NULL) matches nothing, as an empty list should
        }
    }
}

extension String {
    /// The string as a double-quoted SQL identifier.
    var quotedIdentifier: String {
        var out = "\""
        for ch in self { out += ch == "\"" ? "\"\"" : String(ch) }
        return out + "\""
    }
}
