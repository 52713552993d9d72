// This file implements the record protocols: FetchableRecord (a type built from a row),
// TableRecord (a type tied to a table), EncodableRecord and (Mutable)PersistableRecord
// (insert, update, save, upsert, delete, fetch by primary key), with Codable defaults.
// Layer: L7. Spec: Spec/L7-api.md §Records.

// MARK: - FetchableRecord

/// A type that can be built from a database row.
///
/// ```swift
/// struct Player: Decodable, FetchableRecord {
///     var id: Int64
///     var name: String
/// }
/// let players = try Player.fetchAll(db, sql: "SELECT * FROM player ORDER BY name")
/// ```
/// A `Decodable` type gets ``init(row:)`` for free: each coding key reads the column of the
/// same name (case-insensitive); a nested `Decodable` property reads JSON text.
public protocol FetchableRecord {
    /// Builds a record from a row. Throws ``RowDecodingError`` when a column is missing or
    /// holds a value that does not convert.
    init(row: Row) throws
}

extension FetchableRecord where Self: Decodable {
    public init(row: Row) throws {
        do {
            try self.init(from: RowDecoder(decoding: row))
        } catch let error as DecodingError {
            throw RowDecodingError.decodingFailed(type: String(describing: Self.self), detail: error.loomDescription)
        }
    }
}

extension DecodingError {
    var loomDescription: String {
        func path(_ context: Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch self {
        case .typeMismatch(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "\(path(c)): missing key \(key.stringValue)"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(self)"
        }
    }
}

extension FetchableRecord {
    /// Every row of a query as a record.
    ///
    /// ```swift
    /// let best = try Player.fetchAll(db, sql: "SELECT * FROM player WHERE score > ?", arguments: [50])
    /// ```
    // `@inlinable` (this and the statement form): specialized in the caller's module, the
    // loop appends to a `[Self]` and calls `init(row:)` directly instead of through generic
    // metadata on every row (measured: ~500 instructions per row, ~10% of decoding 100k
    // rows in `loom-bench --api`).
    @inlinable
    public static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [Self] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Every row of a query written with interpolated values.
    public static func fetchAll(_ db: Database, literal sql: SQL) throws -> [Self] {
        try fetchAll(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// Every row of a compiled statement as a record.
    @inlinable
    public static func fetchAll(_ statement: Statement, arguments: StatementArguments = []) throws -> [Self] {
        // The array starts at the size this statement's last record fetch had (growing it
        // by doubling costs copies and fresh pages: ~15% of decoding 100k rows); a result
        // under half that is returned right-sized.
        let hint = statement.recordCountHint
        var records: [Self] = []
        records.reserveCapacity(hint)
        try statement.forEachDecodingRow(arguments) { row in records.append(try Self(row: row)) }
        statement.recordCountHint = Swift.min(records.count, 1 << 20)
        if records.count < hint / 2 {
            var exact: [Self] = []
            exact.reserveCapacity(records.count)
            exact.append(contentsOf: records)
            return exact
        }
        return records
    }

    /// The first row of a query as a record, or nil.
    public static func fetchOne(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> Self? {
        try Row.fetchOne(db, sql: sql, arguments: arguments).map(Self.init(row:))
    }

    /// The first row of a query written with interpolated values, or nil.
    public static func fetchOne(_ db: Database, literal sql: SQL) throws -> Self? {
        try fetchOne(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// A lazy cursor of records.
    ///
    /// ```swift
    /// let cursor = try Player.fetchCursor(db, sql: "SELECT * FROM player")
    /// while let player = try cursor.next() { … }
    /// ```
    public static func fetchCursor(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> RecordCursor<Self> {
        try RecordCursor(rows: Row.fetchCursor(db, sql: sql, arguments: arguments))
    }
}

/// A cursor of records. See ``Cursor``.
///
/// ```swift
/// let players: RecordCursor<Player> = try Player.fetchCursor(db, sql: "SELECT * FROM player")
/// while let player = try players.next() { … }
/// ```
public final class RecordCursor<Record: FetchableRecord>: Cursor {
    let rows: RowCursor
    /// One decoding context for the cursor's rows (see RowDecodingState).
    let context: RowDecodingState
    /// The rows' layout, carrying the context.
    let layout: RowLayout
    init(rows: RowCursor) {
        self.rows = rows
        self.context = RowDecodingState(fetchContextFor: rows.layout)
        self.layout = RowLayout(sharing: rows.layout, decodingContext: context)
    }
    public func next() throws -> Record? {
        guard let row = try rows.next(layout: layout) else {
            context.finish()
            return nil
        }
        defer { context.endRecord() }
        return try Record(row: row)
    }
    deinit { context.finish() }
}

// MARK: - TableRecord

/// A type tied to a database table.
///
/// ```swift
/// struct Player: TableRecord { }              // table "player"
/// struct PlayerScore: TableRecord {           // table "playerScore"
///     static let databaseTableName = "scores" // or any name you choose
/// }
/// ```
/// The default table name is the type name with its leading capitals lower-cased, as in
/// GRDB: `Player` → `player`, `HTTPRequest` → `httpRequest`.
public protocol TableRecord {
    static var databaseTableName: String { get }
}

extension TableRecord {
    public static var databaseTableName: String { defaultTableName(String(describing: Self.self)) }

    /// The number of rows of the table.
    public static func fetchCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(databaseTableName.quotedIdentifier)") ?? 0
    }

    /// Deletes every row of the table; returns how many.
    @discardableResult
    public static func deleteAll(_ db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM \(databaseTableName.quotedIdentifier)")
        return db.changes
    }

    /// Deletes the row with this primary key; returns whether there was one.
    ///
    /// ```swift
    /// try Player.deleteOne(db, key: 1)
    /// ```
    @discardableResult
    public static func deleteOne(_ db: Database, key: some DatabaseValueConvertible) throws -> Bool {
        let (whereClause, args) = try db.primaryKeyCondition(databaseTableName, [key.databaseValue])
        try db.execute(sql: "DELETE FROM \(databaseTableName.quotedIdentifier) WHERE \(whereClause)", arguments: args)
        return db.changes > 0
    }

    /// Whether a row with this primary key exists.
    public static func exists(_ db: Database, key: some DatabaseValueConvertible) throws -> Bool {
        let (whereClause, args) = try db.primaryKeyCondition(databaseTableName, [key.databaseValue])
        return try Row.fetchOne(db, sql: "SELECT 1 FROM \(databaseTableName.quotedIdentifier) WHERE \(whereClause)", arguments: args) != nil
    }
}

/// `Player` → `player`, `HTTPRequest` → `httpRequest`, `URL` → `url`.
func defaultTableName(_ typeName: String) -> String {
    // Generic and nested type names: keep the last component before any generic arguments.
    var name = Substring(typeName)
    if let lt = name.firstIndex(of: "<") { name = name[..<lt] }
    if let dot = name.lastIndex(of: ".") { name = name[name.index(after: dot)...] }
    let chars = Array(name)
    var upper = 0
    while upper < chars.count, chars[upper].isUppercase { upper += 1 }
    if upper == 0 { return String(chars) }
    // In "HTTPRequest" the last capital ("R") starts the next word.
    let lowerCount = upper == chars.count || upper == 1 ? upper : upper - 1
    return chars[..<lowerCount].map { $0.lowercased() }.joined() + String(chars[lowerCount...])
}

extension FetchableRecord where Self: TableRecord {
    /// Every row of the table.
    ///
    /// ```swift
    /// let players = try Player.fetchAll(db)
    /// ```
    public static func fetchAll(_ db: Database) throws -> [Self] {
        try fetchAll(db, sql: "SELECT * FROM \(databaseTableName.quotedIdentifier)")
    }

    /// The row with this primary key, or nil.
    ///
    /// ```swift
    /// let player = try Player.fetchOne(db, key: 1)
    /// ```
    public static func fetchOne(_ db: Database, key: some DatabaseValueConvertible) throws -> Self? {
        let (whereClause, args) = try db.primaryKeyCondition(databaseTableName, [key.databaseValue])
        return try fetchOne(db, sql: "SELECT * FROM \(databaseTableName.quotedIdentifier) WHERE \(whereClause)", arguments: args)
    }

    /// The row whose primary-key columns have these values (for composite keys), or nil.
    ///
    /// ```swift
    /// let item = try Item.fetchOne(db, key: ["orderID": 1, "line": 2])
    /// ```
    public static func fetchOne(_ db: Database, key: [String: (any DatabaseValueConvertible)?]) throws -> Self? {
        let (whereClause, args) = try db.keyCondition(databaseTableName, key)
        return try fetchOne(db, sql: "SELECT * FROM \(databaseTableName.quotedIdentifier) WHERE \(whereClause)", arguments: args)
    }

    /// The rows with these primary keys (in table order; missing keys are skipped).
    public static func fetchAll<S: Sequence>(_ db: Database, keys: S) throws -> [Self] where S.Element: DatabaseValueConvertible {
        var result: [Self] = []
        for key in keys { if let record = try fetchOne(db, key: key) { result.append(record) } }
        return result
    }

    /// The row with this primary key; throws ``RecordError/recordNotFound(databaseTableName:key:)``
    /// when there is none.
    public static func find(_ db: Database, key: some DatabaseValueConvertible) throws -> Self {
        if let record = try fetchOne(db, key: key) { return record }
        let pk = try db.primaryKeyColumns(databaseTableName)
        throw RecordError.recordNotFound(databaseTableName: databaseTableName,
                                         key: Dictionary(uniqueKeysWithValues: zip(pk, [key.databaseValue])))
    }
}

// MARK: - Persistence

/// Errors of the persistence methods.
///
/// ```swift
/// do { try player.update(db) }
/// catch RecordError.recordNotFound { … }
/// ```
public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No row has the record's primary key (update, find).
    case recordNotFound(databaseTableName: String, key: [String: DatabaseValue])
    /// The table has no PRIMARY KEY, or the record does not encode every key column.
    case noPrimaryKey(databaseTableName: String)

    public var description: String {
        switch self {
        case .recordNotFound(let table, let key):
            let k = key.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value.sqlLiteral)" }.joined(separator: ", ")
            return "Key not found in table \(table): [\(k)]"
        case .noPrimaryKey(let table):
            return "table \(table) has no primary key the record encodes"
        }
    }
}

/// The columns of a record, in encoding order.
///
/// ```swift
/// func encode(to container: inout PersistenceContainer) throws {
///     container["id"] = id
///     container["name"] = name
/// }
/// ```
public struct PersistenceContainer: Sendable, Equatable {
    /// Column names, in order.
    public private(set) var columns: [String] = []
    /// Their values.
    public private(set) var values: [DatabaseValue] = []

    public init() {}

    /// The value of a column (case-insensitive); setting nil stores NULL.
    public subscript(_ column: String) -> (any DatabaseValueConvertible)? {
        get { index(of: column).map { values[$0] } }
        set { set(column, newValue?.databaseValue ?? .null) }
    }

    /// Sets a column's value (appends the column when new).
    public mutating func set(_ column: String, _ value: DatabaseValue) {
        if let i = index(of: column) {
            values[i] = value
        } else {
            columns.append(column)
            values.append(value)
        }
    }

    /// The raw value of a column, or nil when the container has no such column.
    public func databaseValue(forColumn column: String) -> DatabaseValue? {
        index(of: column).map { values[$0] }
    }

    func index(of column: String) -> Int? {
        if let i = columns.firstIndex(of: column) { return i }
        let folded = column.asciiFolded
        return columns.firstIndex { $0.asciiFolded == folded }
    }

    /// The container as a row (for decoding the record back).
    public var row: Row { Row(columns: columns, values: values) }
}

/// A type that can encode itself as table columns.
///
/// ```swift
/// struct Point: EncodableRecord {
///     var x, y: Int
///     func encode(to container: inout PersistenceContainer) throws {
///         container["x"] = x
///         container["y"] = y
///     }
/// }
/// ```
///
/// An `Encodable` type gets ``encode(to:)`` for free: each stored property is one column,
/// `nil` is NULL, and a nested `Encodable` value is JSON text.
public protocol EncodableRecord {
    func encode(to container: inout PersistenceContainer) throws
}

extension EncodableRecord where Self: Encodable {
    public func encode(to container: inout PersistenceContainer) throws {
        let encoder = TreeEncoder()
        try (self as Encodable).encode(to: encoder)
        guard case .object(let object)? = encoder.result else {
            throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "a record must encode a keyed container"))
        }
        for (key, node) in zip(object.keys, object.nodes) {
            container.set(key, try node.databaseValue())
        }
    }
}

extension EncodableRecord {
    /// The record's columns.
    ///
    /// ```swift
    /// let columns = try player.databaseDictionary   // ["id": .null, "name": .text("Arthur"), …]
    /// ```
    public var databaseDictionary: [String: DatabaseValue] {
        get throws {
            var container = PersistenceContainer()
            try encode(to: &container)
            return Dictionary(zip(container.columns, container.values)) { a, _ in a }
        }
    }
}

/// What an insert did, passed to ``MutablePersistableRecord/didInsert(_:)``.
///
/// ```swift
/// mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
/// ```
public struct InsertionSuccess: Sendable {
    /// The rowid of the inserted row.
    public let rowID: Int64
    /// The INTEGER PRIMARY KEY column that aliases the rowid, if the table has one.
    public let rowIDColumn: String?
    /// The columns that were inserted.
    public let persistenceContainer: PersistenceContainer
}

/// How to resolve a constraint conflict (`INSERT OR …`).
///
/// ```swift
/// try player.insert(db, onConflict: .replace)   // INSERT OR REPLACE
/// ```
public enum ConflictResolution: String, Sendable {
    case rollback = "ROLLBACK", abort = "ABORT", fail = "FAIL", ignore = "IGNORE", replace = "REPLACE"
}

/// A record that can be inserted, updated and deleted, and that may change on insert (its id).
///
/// ```swift
/// struct Player: Codable, FetchableRecord, MutablePersistableRecord {
///     var id: Int64?
///     var name: String
/// }
/// var player = Player(id: nil, name: "Arthur")
/// try player.insert(db)        // player.id is now the new rowid
/// player.name = "Arthur II"
/// try player.update(db)
/// try player.delete(db)
/// ```
/// A `Codable` record sets its INTEGER PRIMARY KEY property from the new rowid after an
/// insert (``didInsert(_:)`` decodes the record again with the id filled in).
public protocol MutablePersistableRecord: EncodableRecord, TableRecord {
    /// Called after a successful insert; the default for Codable records fills a nil
    /// INTEGER PRIMARY KEY from the new rowid.
    mutating func didInsert(_ inserted: InsertionSuccess) throws
}

/// A record that can be inserted, updated and deleted.
///
/// ```swift
/// struct Player: Codable, FetchableRecord, PersistableRecord {
///     var id: Int64?
///     var name: String
///     var score: Int
/// }
/// var p = Player(id: nil, name: "Barbara", score: 1000)
/// try p.insert(db)           // sets p.id from the new rowid
/// let copy = try Player(id: nil, name: "Craig", score: 1).inserted(db)
/// ```
/// Unlike GRDB, `insert` is `mutating` here too, so the id of a `var` record is filled in;
/// use ``MutablePersistableRecord/inserted(_:onConflict:)`` on a `let`.
public protocol PersistableRecord: MutablePersistableRecord {}

extension MutablePersistableRecord {
    public mutating func didInsert(_ inserted: InsertionSuccess) throws {}
}

extension MutablePersistableRecord where Self: Decodable {
    /// Fills a nil (NULL) INTEGER PRIMARY KEY from the new rowid by decoding the record again.
    public mutating func didInsert(_ inserted: InsertionSuccess) throws {
        guard let column = inserted.rowIDColumn else { return }
        var container = inserted.persistenceContainer
        guard let i = container.index(of: column), container.values[i].isNull else { return }
        container.set(container.columns[i], .integer(inserted.rowID))
        do {
            self = try Self(from: RowDecoder(row: container.row))
        } catch let error as DecodingError {
            throw RowDecodingError.decodingFailed(type: String(describing: Self.self), detail: error.loomDescription)
        }
    }
}

extension MutablePersistableRecord {
    /// The record's columns.
    func persistenceContainer() throws -> PersistenceContainer {
        var container = PersistenceContainer()
        try encode(to: &container)
        return container
    }

    /// Inserts the record; then ``didInsert(_:)`` (which sets a Codable record's id).
    ///
    /// ```swift
    /// var player = Player(id: nil, name: "Arthur", score: 100)
    /// try player.insert(db)
    /// try player.insert(db, onConflict: .replace)
    /// ```
    public mutating func insert(_ db: Database, onConflict: ConflictResolution? = nil) throws {
        let container = try persistenceContainer()
        let table = Self.databaseTableName
        var sql = "INSERT"
        if let onConflict { sql += " OR " + onConflict.rawValue }
        sql += " INTO " + table.quotedIdentifier
        if container.columns.isEmpty {
            sql += " DEFAULT VALUES"
        } else {
            sql += " (" + container.columns.map(\.quotedIdentifier).joined(separator: ",") + ") VALUES ("
            sql += Array(repeating: "?", count: container.columns.count).joined(separator: ",") + ")"
        }
        let statement = try db.cachedStatement(sql: sql)
        try statement.rewind()
        try statement.bindResolved(container.values)
        while try statement.step() {}
        try didInsert(InsertionSuccess(rowID: db.lastInsertRowID, rowIDColumn: try db.rowIDColumn(table),
                                       persistenceContainer: container))
    }

    /// Inserts a copy of the record and returns it (with its id set).
    ///
    /// ```swift
    /// let player = try Player(id: nil, name: "Arthur", score: 100).inserted(db)
    /// ```
    public func inserted(_ db: Database, onConflict: ConflictResolution? = nil) throws -> Self {
        var copy = self
        try copy.insert(db, onConflict: onConflict)
        return copy
    }

    /// Updates the row with the record's primary key: all columns, or only `columns`.
    /// Throws ``RecordError/recordNotFound(databaseTableName:key:)`` when no row has that key.
    ///
    /// ```swift
    /// player.score += 10
    /// try player.update(db)
    /// try player.update(db, columns: ["score"])
    /// ```
    public func update(_ db: Database, columns: [String]? = nil) throws {
        let container = try persistenceContainer()
        let table = Self.databaseTableName
        let (whereClause, keyArgs, key) = try db.recordKeyCondition(table, container)
        let pk = Set(key.keys.map(\.asciiFolded))
        var names: [String] = []
        var args: [DatabaseValue] = []
        let wanted = columns.map { Set($0.map(\.asciiFolded)) }
        for (column, value) in zip(container.columns, container.values) {
            let folded = column.asciiFolded
            if pk.contains(folded) { continue }
            if let wanted, !wanted.contains(folded) { continue }
            names.append(column.quotedIdentifier + "=?")
            args.append(value)
        }
        if names.isEmpty {
            // Nothing to change: still report a missing row, as GRDB does.
            if try !exists(db) { throw RecordError.recordNotFound(databaseTableName: table, key: key) }
            return
        }
        let sql = "UPDATE \(table.quotedIdentifier) SET \(names.joined(separator: ",")) WHERE \(whereClause)"
        try db.execute(sql: sql, arguments: StatementArguments(args + keyArgs.values))
        if db.changes == 0 { throw RecordError.recordNotFound(databaseTableName: table, key: key) }
    }

    /// Updates the row when the primary key is set and a row has it; inserts otherwise.
    ///
    /// ```swift
    /// try player.save(db)
    /// ```
    public mutating func save(_ db: Database) throws {
        let container = try persistenceContainer()
        let pk = try db.primaryKeyColumns(Self.databaseTableName)
        let hasKey = !pk.isEmpty && pk.allSatisfy { column in
            guard let value = container.databaseValue(forColumn: column) else { return false }
            return !value.isNull
        }
        if hasKey {
            do {
                try update(db)
                return
            } catch RecordError.recordNotFound {
                // fall through to insert
            }
        }
        try insert(db)
    }

    /// Inserts the record, or updates the row that has the same primary key or unique value
    /// (`INSERT … ON CONFLICT DO UPDATE`). Sets the id like ``insert(_:onConflict:)``.
    ///
    /// ```swift
    /// var player = Player(id: 1, name: "Arthur", score: 200)
    /// try player.upsert(db)
    /// ```
    public mutating func upsert(_ db: Database) throws {
        let container = try persistenceContainer()
        let table = Self.databaseTableName
        guard !container.columns.isEmpty else { return try insert(db) }
        let pk = Set(try db.primaryKeyColumns(table).map(\.asciiFolded))
        let cols = container.columns.map(\.quotedIdentifier).joined(separator: ",")
        let marks = Array(repeating: "?", count: container.columns.count).joined(separator: ",")
        let sets = container.columns.filter { !pk.contains($0.asciiFolded) }
            .map { "\($0.quotedIdentifier)=excluded.\($0.quotedIdentifier)" }
        var sql = "INSERT INTO \(table.quotedIdentifier) (\(cols)) VALUES (\(marks)) ON CONFLICT DO "
        sql += sets.isEmpty ? "NOTHING" : "UPDATE SET " + sets.joined(separator: ",")
        let rowIDColumn = try db.rowIDColumn(table)
        if rowIDColumn != nil { sql += " RETURNING rowid" }
        let statement = try db.cachedStatement(sql: sql)
        try statement.rewind()
        try statement.bindResolved(container.values)
        var rowID = db.lastInsertRowID
        while try statement.step() {
            if case .integer(let id) = statement.column(0) { rowID = id }
        }
        try didInsert(InsertionSuccess(rowID: rowID, rowIDColumn: rowIDColumn, persistenceContainer: container))
    }

    /// Deletes the row with the record's primary key; returns whether there was one.
    @discardableResult
    public func delete(_ db: Database) throws -> Bool {
        let table = Self.databaseTableName
        let (whereClause, args, _) = try db.recordKeyCondition(table, persistenceContainer())
        try db.execute(sql: "DELETE FROM \(table.quotedIdentifier) WHERE \(whereClause)", arguments: args)
        return db.changes > 0
    }

    /// Whether a row with the record's primary key exists.
    public func exists(_ db: Database) throws -> Bool {
        let table = Self.databaseTableName
        let (whereClause, args, _) = try db.recordKeyCondition(table, persistenceContainer())
        return try Row.fetchOne(db, sql: "SELECT 1 FROM \(table.quotedIdentifier) WHERE \(whereClause)", arguments: args) != nil
    }
}

// MARK: - Schema lookups

extension Database {
    /// The table's schema entry, or throw "no such table".
    func schemaTable(_ name: String) throws -> (columns: [String], primaryKey: [String], rowIDColumn: String?) {
        guard let table = try connection.currentSchema().table(named: name), !table.isView else {
            throw DatabaseError(.error, "no such table: \(name)")
        }
        let columns = table.columns.map(\.name)
        let pk = table.primaryKey.compactMap { $0 < columns.count ? columns[$0] : nil }
        let alias = table.rowidAlias.flatMap { $0 < columns.count ? columns[$0] : nil }
        return (columns, pk, alias)
    }

    /// The table's PRIMARY KEY columns, in key order (empty when it has none).
    ///
    /// ```swift
    /// try db.primaryKeyColumns("player")   // ["id"]
    /// ```
    public func primaryKeyColumns(_ table: String) throws -> [String] {
        try schemaTable(table).primaryKey
    }

    /// The table's columns, in order.
    public func columnNames(ofTable table: String) throws -> [String] {
        try schemaTable(table).columns
    }

    /// Whether a table (or view) of that name exists.
    public func tableExists(_ table: String) throws -> Bool {
        try connection.currentSchema().table(named: table) != nil
    }

    /// The INTEGER PRIMARY KEY column that aliases the rowid, if any.
    func rowIDColumn(_ table: String) throws -> String? {
        try schemaTable(table).rowIDColumn
    }

    /// `"a"=? AND "b"=?` for the table's primary key, with `values` as arguments.
    func primaryKeyCondition(_ table: String, _ values: [DatabaseValue]) throws -> (String, StatementArguments) {
        let pk = try primaryKeyColumns(table)
        guard !pk.isEmpty else { throw RecordError.noPrimaryKey(databaseTableName: table) }
        guard pk.count == values.count else {
            throw DatabaseError(.misuse, "table \(table) has a primary key of \(pk.count) columns")
        }
        return (pk.map { $0.quotedIdentifier + "=?" }.joined(separator: " AND "), StatementArguments(values))
    }

    /// The condition for a dictionary of column values.
    func keyCondition(_ table: String, _ key: [String: (any DatabaseValueConvertible)?]) throws -> (String, StatementArguments) {
        guard !key.isEmpty else { throw DatabaseError(.misuse, "empty key") }
        let sorted = key.sorted { $0.key < $1.key }
        return (sorted.map { $0.key.quotedIdentifier + "=?" }.joined(separator: " AND "),
                StatementArguments(sorted.map { $0.value?.databaseValue ?? .null }))
    }

    /// The primary-key condition for a record's container.
    func recordKeyCondition(_ table: String, _ container: PersistenceContainer) throws
        -> (String, StatementArguments, [String: DatabaseValue]) {
        let pk = try primaryKeyColumns(table)
        guard !pk.isEmpty else { throw RecordError.noPrimaryKey(databaseTableName: table) }
        var values: [DatabaseValue] = []
        var key: [String: DatabaseValue] = [:]
        for column in pk {
            guard let value = container.databaseValue(forColumn: column) else {
                throw RecordError.noPrimaryKey(databaseTableName: table)
            }
            values.append(value)
            key[column] = value
        }
        return (pk.map { $0.quotedIdentifier + "=?" }.joined(separator: " AND "), StatementArguments(values), key)
    }
}
