// This file implements Row (one result row: values with their column names, read by index or
// case-insensitive name) and RowDecodingError (why a typed read failed).
// Layer: L7. Spec: Spec/L7-api.md §Rows.

/// One row of a query result.
///
/// ```swift
/// guard let row = try Row.fetchOne(db, sql: "SELECT id, name, email FROM player") else { return }
/// let id: Int64 = try row[0]
/// let name: String = try row["NAME"]         // column names match case-insensitively
/// let email: String? = try row["email"]      // nil for NULL
/// let score: Int = try row["score"]          // throws RowDecodingError.columnNotFound
/// ```
/// Typed reads throw ``RowDecodingError`` for a NULL read into a non-optional type, for a
/// value that does not convert (an out-of-range integer, text into `Int`), or for an unknown
/// column; they never trap. A `Row` is a value: it stays valid after its statement moves on.
public struct Row: Sendable, Equatable {
    /// The column names and their lookup table, shared by every row of one statement.
    let layout: RowLayout
    /// The values, one per column.
    public let databaseValues: [DatabaseValue]

    init(layout: RowLayout, values: [DatabaseValue]) {
        self.layout = layout
        self.databaseValues = values
    }

    /// The decoding context of the fetch that produced this row (fetchAll, record cursors),
    /// nil otherwise; it rides on the layout, so a row stays two references.
    var decodingContext: RowDecodingState? { layout.decodingContext }

    /// A row from column names and values (same count).
    ///
    /// ```swift
    /// let row = Row(["id": 1, "name": "Arthur"])
    /// ```
    public init(_ pairs: KeyValuePairs<String, (any DatabaseValueConvertible)?>) {
        layout = RowLayout(names: pairs.map(\.key))
        databaseValues = pairs.map { $0.value?.databaseValue ?? .null }
    }

    /// A row from parallel arrays of names and values (extra names or values are dropped).
    public init(columns: [String], values: [DatabaseValue]) {
        let n = min(columns.count, values.count)
        layout = RowLayout(names: Array(columns.prefix(n)))
        databaseValues = Array(values.prefix(n))
    }

    /// Number of columns.
    public var count: Int { databaseValues.count }
    /// The column names, in order.
    public var columnNames: [String] { layout.names }
    /// True when a column of that name exists (case-insensitive).
    public func hasColumn(_ name: String) -> Bool { layout.index(of: name) != nil }
    /// The index of the leftmost column of that name (case-insensitive), or nil.
    public func index(ofColumn name: String) -> Int? { layout.index(of: name) }

    /// The value at `index` converted to `V`.
    public subscript<V: DatabaseValueConvertible>(_ index: Int) -> V {
        get throws {
            guard index >= 0, index < databaseValues.count else {
                throw RowDecodingError.indexOutOfRange(index, count: databaseValues.count)
            }
            return try decode(V.self, at: index)
        }
    }

    /// The value of the leftmost column called `name` (case-insensitive) converted to `V`.
    public subscript<V: DatabaseValueConvertible>(_ name: String) -> V {
        get throws {
            guard let index = layout.index(of: name) else {
                throw RowDecodingError.columnNotFound(name, available: layout.names)
            }
            return try decode(V.self, at: index)
        }
    }

    /// The value of column `name` converted to `V`, or nil when there is no such column
    /// (a NULL in a present column still throws for a non-optional `V`).
    public func decodeIfPresent<V: DatabaseValueConvertible>(_ type: V.Type = V.self, column name: String) throws -> V? {
        guard let index = layout.index(of: name) else { return nil }
        return try decode(V.self, at: index)
    }

    /// The raw value at `index`, or nil when out of range.
    public func databaseValue(at index: Int) -> DatabaseValue? {
        index >= 0 && index < databaseValues.count ? databaseValues[index] : nil
    }

    /// The raw value of column `name`, or nil when there is no such column.
    public func databaseValue(forColumn name: String) -> DatabaseValue? {
        layout.index(of: name).map { databaseValues[$0] }
    }

    @inline(__always)
    func decode<V: DatabaseValueConvertible>(_ type: V.Type, at index: Int) throws -> V {
        let value = databaseValues[index]
        if let converted = V.fromDatabaseValue(value) { return converted }
        throw RowDecodingError.conversionFailed(value, to: V.self, column: layout.names[index])
    }

    public static func == (a: Row, b: Row) -> Bool {
        a.databaseValues == b.databaseValues && (a.layout === b.layout || a.layout.names == b.layout.names)
    }
}

extension Row: CustomStringConvertible {
    /// `[id:1 name:'Arthur']`
    public var description: String {
        "[" + zip(layout.names, databaseValues).map { "\($0):\($1.sqlLiteral)" }.joined(separator: " ") + "]"
    }
}

/// Column names with a case-insensitive lookup table, built once per statement (and shared,
/// with a decoding context attached, by the rows of one record fetch).
final class RowLayout: Sendable {
    let names: [String]
    /// The record fetch whose rows use this layout (see RowDecodingState), or nil.
    let decodingContext: RowDecodingState?
    /// Exact name → index, only for names that are the leftmost case-insensitive match.
    private let exact: [String: Int]
    /// ASCII-lower-cased name → leftmost index.
    private let folded: [String: Int]
    /// `leftmost[i]`: no earlier column has the same name case-insensitively.
    private let leftmost: [Bool]

    init(names: [String]) {
        self.names = names
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        var leftmost = [Bool](repeating: false, count: names.count)
        for (i, name) in names.enumerated() {
            let key = name.asciiFolded
            if folded[key] == nil {
                folded[key] = i
                exact[name] = i
                leftmost[i] = true
            }
        }
        self.exact = exact
        self.folded = folded
        self.leftmost = leftmost
        self.decodingContext = nil
    }

    /// `base`'s names and tables, with `decodingContext` attached (one per record fetch).
    init(sharing base: RowLayout, decodingContext: RowDecodingState) {
        names = base.names
        exact = base.exact
        folded = base.folded
        leftmost = base.leftmost
        self.decodingContext = decodingContext
    }

    @inline(__always)
    func index(of name: String) -> Int? {
        // The leftmost column matching case-insensitively; an exact hit (the common case)
        // skips folding the name. Narrow rows scan the names (string equality, no hashing:
        // hashing was ~10% of decoding Codable records); an exact hit counts only when it is
        // the leftmost case-insensitive match.
        if names.count <= 16 {
            for i in names.indices where names[i] == name {
                if leftmost[i] { return i }
                break
            }
        } else if let i = exact[name] {
            return i
        }
        return folded[name.asciiFolded]
    }
}

extension String {
    /// ASCII lower case: SQL names compare case-insensitively in ASCII only.
    var asciiFolded: String {
        var needs = false
        for b in utf8 where b >= 0x41 && b <= 0x5A { needs = true; break }
        guard needs else { return self }
        return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

/// Why a typed read of a row failed.
///
/// ```swift
/// do { let n: Int = try row["name"] }
/// catch RowDecodingError.conversionFailed(let value, let type, let column) { … }
/// ```
public enum RowDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No column of that name; `available` lists the row's columns.
    case columnNotFound(String, available: [String])
    /// Column index outside `0 ..< count`.
    case indexOutOfRange(Int, count: Int)
    /// NULL read into a non-optional type.
    case unexpectedNull(type: String, column: String)
    /// A value that does not convert to the requested type.
    case valueMismatch(DatabaseValue, type: String, column: String)
    /// A Decodable type's own decoding failed (`detail` says where and why).
    case decodingFailed(type: String, detail: String)

    static func conversionFailed<V>(_ value: DatabaseValue, to type: V.Type, column: String) -> RowDecodingError {
        if case .null = value { return .unexpectedNull(type: String(describing: type), column: column) }
        return .valueMismatch(value, type: String(describing: type), column: column)
    }

    public var description: String {
        switch self {
        case .columnNotFound(let name, let available):
            return "column not found: \(name) (row has \(available.joined(separator: ", ")))"
        case .indexOutOfRange(let i, let count):
            return "column index \(i) out of range (row has \(count) columns)"
        case .unexpectedNull(let type, let column):
            return "could not decode \(type) from NULL in column \(column)"
        case .valueMismatch(let value, let type, let column):
            return "could not decode \(type) from \(value.sqlLiteral) in column \(column)"
        case .decodingFailed(let type, let detail):
            return "could not decode \(type): \(detail)"
        }
    }
}
