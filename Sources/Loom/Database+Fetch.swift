// This file implements the fetching API: execute(sql:arguments:), cached statements, and
// fetchAll / fetchOne / fetchCursor for rows and for DatabaseValueConvertible values.
// Layer: L7. Spec: Spec/L7-api.md §Fetching.

extension Database {
    /// Runs every statement in `sql`, binding `arguments` across them in order.
    ///
    /// ```swift
    /// try db.execute(sql: "INSERT INTO player(name, score) VALUES (?, ?)", arguments: ["Arthur", 100])
    /// try db.execute(sql: "UPDATE player SET score = :score WHERE name = :name",
    ///                arguments: ["score": 10, "name": "Arthur"])
    /// ```
    /// Corresponds to SQLite's `sqlite3_exec`, with parameters.
    public func execute(sql: String, arguments: StatementArguments = []) throws {
        if arguments.isEmpty, !sql.utf8.contains(UInt8(ascii: ";")) {
            let statement = try cachedStatement(sql: sql)
            try statement.run(arguments: [])
            return
        }
        var offset = 0
        var next = 0
        while true {
            let (statement, tail) = try prepareNext(sql, from: offset)
            guard let statement else { break }
            let values = try arguments.resolve(parameterNames: statement.parameterNames, sql: statement.sql, next: &next)
            try statement.bindResolved(values)
            while try statement.step() {}
            offset = tail
        }
        guard next == arguments.values.count else {
            throw DatabaseError(.misuse, "wrong number of statement arguments: \(arguments.values.count)", sql: sql)
        }
    }

    /// Runs `sql` with its interpolated values bound.
    ///
    /// ```swift
    /// try db.execute(literal: "DELETE FROM player WHERE name = \(name)")
    /// ```
    public func execute(literal sql: SQL) throws {
        try execute(sql: sql.sql, arguments: sql.arguments)
    }

    /// Compiles one statement (GRDB's name for ``prepare(_:)``).
    ///
    /// ```swift
    /// let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (?)")
    /// for i in 0..<3 { try insert.execute(arguments: [i]) }
    /// ```
    public func makeStatement(sql: String) throws -> Statement { try prepare(sql) }

    /// A compiled statement for `sql` from the connection's cache, compiled on first use.
    /// A cached statement that is in the middle of a run (an open cursor) is not shared: a
    /// fresh one is returned instead.
    ///
    /// ```swift
    /// let stmt = try db.cachedStatement(sql: "SELECT * FROM player WHERE id = ?")
    /// ```
    public func cachedStatement(sql: String) throws -> Statement {
        if let cached = statementCache[sql] {
            if !cached.isActive { return cached }
            return try prepare(sql)
        }
        let statement = try prepare(sql)
        if statementCache.count >= 256 { statementCache.removeAll(keepingCapacity: true) }
        statementCache[sql] = statement
        return statement
    }

    /// Forgets every cached statement.
    public func clearStatementCache() { statementCache.removeAll() }
}

extension Statement {
    /// The name of each parameter `1 ... parameterCount` (nil for `?`).
    public var parameterNames: [String?] {
        let names = vm.program.parameterNames
        let n = parameterCount
        if names.count >= n { return Array(names.prefix(n)) }
        return names + Array(repeating: nil, count: n - names.count)
    }

    /// Binds `arguments` by the rule of ``StatementArguments``: named values by name,
    /// positional ones in order. Throws `misuse` when the counts do not match.
    ///
    /// ```swift
    /// let stmt = try db.makeStatement(sql: "SELECT * FROM t WHERE a = :a AND b = ?")
    /// try stmt.setArguments(["a": 1] + [2])
    /// ```
    public func setArguments(_ arguments: StatementArguments) throws {
        if isActive { try reset() }
        let values = try arguments.resolve(parameterNames: parameterNames, sql: sql)
        try bindResolved(values)
    }

    func bindResolved(_ values: [DatabaseValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: i + 1) }
    }

    /// Runs the statement to its end with `arguments`, discarding rows.
    ///
    /// ```swift
    /// try insert.execute(arguments: ["Arthur", 100])
    /// ```
    public func execute(arguments: StatementArguments = []) throws {
        try run(arguments: arguments)
    }

    func run(arguments: StatementArguments) throws {
        if isActive { try reset() }
        if !arguments.isEmpty || parameterCount > 0 { try setArguments(arguments) }
        while try step() {}
    }

    /// Rewinds a statement in the middle of a run.
    func rewind() throws {
        if isActive { try reset() }
    }

    /// Prepares a run: rewinds, binds. Used by the fetch methods.
    func prepareRun(_ arguments: StatementArguments) throws {
        if isActive { try reset() }
        if !arguments.isEmpty || parameterCount > 0 { try setArguments(arguments) }
    }

    /// The layout of this statement's rows (column names and their lookup table).
    var rowLayout: RowLayout {
        if let layout = cachedLayout, layout.names == columnNames { return layout }
        let layout = RowLayout(names: columnNames)
        cachedLayout = layout
        return layout
    }

    /// The current row as a `Row`.
    func currentRow(_ layout: RowLayout) -> Row {
        var values: [DatabaseValue] = []
        currentValues(into: &values)
        return Row(layout: layout, values: values)
    }

    /// The current row's values in `values`, replacing what it held: a caller that decodes
    /// row after row reuses one buffer (unique again once the previous row is released).
    func currentValues(into values: inout [DatabaseValue]) {
        let vm = self.vm  // one reference for the whole row, not one per column
        let n = vm.columnCount
        if values.count == n {
            values.withUnsafeMutableBufferPointer { buffer in
                for i in 0..<n { buffer[i] = DatabaseValue(vm.column(i)) }
            }
            return
        }
        values.removeAll(keepingCapacity: true)
        values.reserveCapacity(n)
        for i in 0..<n { values.append(DatabaseValue(vm.column(i))) }
    }

    /// Runs the statement with `arguments` and hands each row to `body`, all rows sharing
    /// one decoding context (RowDecodingState) and one value buffer. The record fetch
    /// methods are built on it. `body` owns the row it gets, so passing it on to
    /// `init(row:)` copies nothing (three reference-count pairs less per row).
    @usableFromInline
    func forEachDecodingRow(_ arguments: StatementArguments, _ body: (consuming Row) throws -> Void) throws {
        try prepareRun(arguments)
        let context = RowDecodingState(fetchContextFor: rowLayout)
        defer { context.finish() }
        let layout = RowLayout(sharing: context.layout, decodingContext: context)
        var values: [DatabaseValue] = []
        do {
            while try step() {
                currentValues(into: &values)
                try body(Row(layout: layout, values: values))
                context.endRecord()
            }
        } catch {
            // A record that failed to decode ends the run (the statement is free again).
            try? reset()
            throw error
        }
    }
}

// MARK: - Cursors

/// A lazy sequence of database results whose iteration may throw.
///
/// ```swift
/// let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM player")
/// while let row = try cursor.next() { … }
/// try cursor.forEach { row in … }
/// ```
/// A cursor steps its statement one row at a time, so a large result never sits in memory.
/// Use it only inside the database access closure that created it.
public protocol Cursor<Element>: AnyObject {
    associatedtype Element
    /// The next element, or nil at the end.
    func next() throws -> Element?
}

extension Cursor {
    /// Calls `body` on each remaining element.
    public func forEach(_ body: (Element) throws -> Void) throws {
        while let element = try next() { try body(element) }
    }

    /// The remaining elements, transformed.
    public func map<T>(_ transform: (Element) throws -> T) throws -> [T] {
        var result: [T] = []
        while let element = try next() { result.append(try transform(element)) }
        return result
    }

    /// The first remaining element that satisfies `predicate`.
    public func first(where predicate: (Element) throws -> Bool) throws -> Element? {
        while let element = try next() {
            if try predicate(element) { return element }
        }
        return nil
    }
}

extension Array {
    /// The remaining elements of a cursor.
    ///
    /// ```swift
    /// let names = try Array(String.fetchCursor(db, sql: "SELECT name FROM player"))
    /// ```
    public init<C: Cursor>(_ cursor: C) throws where C.Element == Element {
        self.init()
        while let element = try cursor.next() { append(element) }
    }
}

/// A cursor over `Row`s. See ``Cursor``.
///
/// ```swift
/// let rows: RowCursor = try Row.fetchCursor(db, sql: "SELECT * FROM player")
/// while let row = try rows.next() { print(row) }
/// ```
public final class RowCursor: Cursor {
    let statement: Statement
    let layout: RowLayout
    private var isDone = false

    init(statement: Statement) {
        self.statement = statement
        self.layout = statement.rowLayout
    }

    public func next() throws -> Row? {
        guard !isDone else { return nil }
        guard try statement.step() else {
            isDone = true
            return nil
        }
        return statement.currentRow(layout)
    }

    /// The next row with another layout of the same columns (a record cursor's, which
    /// carries its decoding context).
    func next(layout: RowLayout) throws -> Row? {
        guard !isDone else { return nil }
        guard try statement.step() else {
            isDone = true
            return nil
        }
        return statement.currentRow(layout)
    }

    deinit {
        if !isDone { try? statement.reset() }
    }
}

/// A cursor over values of the first column. See ``Cursor``.
///
/// ```swift
/// let names: DatabaseValueCursor<String> = try String.fetchCursor(db, sql: "SELECT name FROM player")
/// try names.forEach { print($0) }
/// ```
public final class DatabaseValueCursor<Value: DatabaseValueConvertible>: Cursor {
    let statement: Statement
    private var isDone = false

    init(statement: Statement) { self.statement = statement }

    public func next() throws -> Value? {
        guard !isDone else { return nil }
        guard try statement.step() else {
            isDone = true
            return nil
        }
        return try statement.decodeColumn(0, as: Value.self)
    }

    deinit {
        if !isDone { try? statement.reset() }
    }
}

extension Statement {
    /// Column `index` of the current row converted to `V` (throws RowDecodingError).
    func decodeColumn<V: DatabaseValueConvertible>(_ index: Int, as: V.Type) throws -> V {
        guard index < columnCount else { throw RowDecodingError.indexOutOfRange(index, count: columnCount) }
        let value = column(index)
        if let converted = V.fromDatabaseValue(value) { return converted }
        throw RowDecodingError.conversionFailed(value, to: V.self, column: columnNames[index])
    }
}

// MARK: - Row fetching

extension Row {
    /// Every row of a query.
    ///
    /// ```swift
    /// let rows = try Row.fetchAll(db, sql: "SELECT * FROM player WHERE score > ?", arguments: [10])
    /// ```
    public static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Every row of a query written with interpolated values.
    public static func fetchAll(_ db: Database, literal sql: SQL) throws -> [Row] {
        try fetchAll(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// Every row of a compiled statement.
    public static func fetchAll(_ statement: Statement, arguments: StatementArguments = []) throws -> [Row] {
        try statement.prepareRun(arguments)
        let layout = statement.rowLayout
        var rows: [Row] = []
        while try statement.step() { rows.append(statement.currentRow(layout)) }
        return rows
    }

    /// The first row of a query, or nil when there is none.
    ///
    /// ```swift
    /// let row = try Row.fetchOne(db, sql: "SELECT * FROM player WHERE id = ?", arguments: [1])
    /// ```
    public static func fetchOne(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first row of a query written with interpolated values.
    public static func fetchOne(_ db: Database, literal sql: SQL) throws -> Row? {
        try fetchOne(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// The first row of a compiled statement, or nil.
    public static func fetchOne(_ statement: Statement, arguments: StatementArguments = []) throws -> Row? {
        try statement.prepareRun(arguments)
        guard try statement.step() else { return nil }
        let row = statement.currentRow(statement.rowLayout)
        try statement.reset()
        return row
    }

    /// A lazy cursor over the rows of a query.
    ///
    /// ```swift
    /// let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM big")
    /// while let row = try cursor.next() { … }
    /// ```
    public static func fetchCursor(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> RowCursor {
        try fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// A lazy cursor over the rows of a compiled statement.
    public static func fetchCursor(_ statement: Statement, arguments: StatementArguments = []) throws -> RowCursor {
        try statement.prepareRun(arguments)
        return RowCursor(statement: statement)
    }
}

// MARK: - Value fetching

extension DatabaseValueConvertible {
    /// The first column of every row, converted. NULL into a non-optional type throws; fetch
    /// `Optional<Self>` to get nils.
    ///
    /// ```swift
    /// let names = try String.fetchAll(db, sql: "SELECT name FROM player")
    /// let emails = try Optional<String>.fetchAll(db, sql: "SELECT email FROM player")
    /// ```
    public static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [Self] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first column of every row of a query written with interpolated values.
    public static func fetchAll(_ db: Database, literal sql: SQL) throws -> [Self] {
        try fetchAll(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// The first column of every row of a compiled statement.
    public static func fetchAll(_ statement: Statement, arguments: StatementArguments = []) throws -> [Self] {
        try statement.prepareRun(arguments)
        var values: [Self] = []
        while try statement.step() { values.append(try statement.decodeColumn(0, as: Self.self)) }
        return values
    }

    /// The first column of the first row, or nil when there is no row or the value is NULL.
    ///
    /// ```swift
    /// let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM player")   // Int?
    /// ```
    public static func fetchOne(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// `fetchOne` for a query written with interpolated values.
    public static func fetchOne(_ db: Database, literal sql: SQL) throws -> Self? {
        try fetchOne(db, sql: sql.sql, arguments: sql.arguments)
    }

    /// The first column of the first row of a compiled statement (nil for none or NULL).
    public static func fetchOne(_ statement: Statement, arguments: StatementArguments = []) throws -> Self? {
        try statement.prepareRun(arguments)
        guard try statement.step() else { return nil }
        defer { try? statement.reset() }
        return try statement.decodeColumn(0, as: Optional<Self>.self)
    }

    /// A lazy cursor over the first column of each row.
    public static func fetchCursor(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> DatabaseValueCursor<Self> {
        let statement = try db.cachedStatement(sql: sql)
        try statement.prepareRun(arguments)
        return DatabaseValueCursor(statement: statement)
    }

    /// The first column of each row, as a set.
    public static func fetchSet(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> Set<Self> where Self: Hashable {
        Set(try fetchAll(db, sql: sql, arguments: arguments))
    }
}
