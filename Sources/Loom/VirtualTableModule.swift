// This file implements the public virtual-table API: modules written in Swift (the
// `VirtualTableModule`, `VirtualTable` and `VirtualTableCursor` protocols) and their
// registration on a Database, adapted onto the engine's L4 protocol.
// Layer: L7. Spec: Spec/L7-api.md §Virtual tables, Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord
import LoomVDBE

/// A virtual-table module: a kind of table whose rows your Swift code supplies.
///
/// ```swift
/// final class Squares: VirtualTableModule {
///     func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable { SquaresTable() }
/// }
/// db.register(module: Squares(), named: "squares")
/// try db.execute("CREATE VIRTUAL TABLE sq USING squares")
/// ```
/// Corresponds to SQLite's `sqlite3_module` and `sqlite3_create_module_v2`.
public protocol VirtualTableModule: AnyObject {
    /// `.ordinary`: tables come from CREATE VIRTUAL TABLE. `.eponymous`: also usable by the
    /// module's own name (`SELECT * FROM name(args)`). `.eponymousOnly`: only that way.
    var kind: VirtualTableModuleKind { get }
    /// Called by CREATE VIRTUAL TABLE (xCreate). The default calls `connect`.
    func create(_ arguments: VirtualTableArguments) throws -> any VirtualTable
    /// Called when an existing table is first used on this connection (xConnect).
    func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable
}

extension VirtualTableModule {
    public var kind: VirtualTableModuleKind { .ordinary }
    public func create(_ arguments: VirtualTableArguments) throws -> any VirtualTable { try connect(arguments) }
}

/// How a module's tables come to exist.
///
/// ```swift
/// final class Series: VirtualTableModule {
///     var kind: VirtualTableModuleKind { .eponymousOnly }   // SELECT * FROM series(1, 10)
///     func connect(_ a: VirtualTableArguments) throws -> any VirtualTable { SeriesTable() }
/// }
/// ```
public enum VirtualTableModuleKind: Sendable, Equatable {
    case ordinary, eponymous, eponymousOnly
}

/// What a module is told when a table is created or connected.
///
/// ```swift
/// func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable {
///     CSVTable(path: arguments.arguments.first ?? "")   // USING csv(data.csv)
/// }
/// ```
public struct VirtualTableArguments: Sendable {
    public var moduleName: String
    public var tableName: String
    /// The arguments of `USING module(…)`, each as written.
    public var arguments: [String]
}

/// One virtual table.
///
/// `schema` declares the columns with a CREATE TABLE statement; a column whose type contains
/// the word HIDDEN is left out of `SELECT *` and receives, in order, the arguments of the
/// table-valued form `FROM name(a, b)`. Corresponds to SQLite's `sqlite3_vtab`.
///
/// ```swift
/// final class SquaresTable: VirtualTable {
///     var schema: String { "CREATE TABLE x(n INTEGER, square INTEGER)" }
///     func open() throws -> any VirtualTableCursor { SquaresCursor() }
/// }
/// ```
public protocol VirtualTable: AnyObject {
    /// `"CREATE TABLE x(a INTEGER, b TEXT, arg HIDDEN)"` (the table name is ignored).
    var schema: String { get }
    /// Chooses a plan (xBestIndex): read `info.constraints` / `info.orderBy`, set
    /// `argumentIndex` / `omit` of the constraints you use, `indexNumber`, `indexString`,
    /// `orderByConsumed`, `estimatedCost`, `estimatedRows`. Throw
    /// `VirtualTableIndexInfo.Unusable()` to reject this combination of usable constraints.
    /// The default plan scans everything.
    func bestIndex(_ info: inout VirtualTableIndexInfo) throws
    func open() throws -> any VirtualTableCursor
    /// Whether `update` is implemented (INSERT/UPDATE/DELETE otherwise fail with
    /// "table X may not be modified"). Default false.
    var isWritable: Bool { get }
    /// One row change (xUpdate). Returns the rowid of an inserted row when the module
    /// chooses it (it becomes `last_insert_rowid()`).
    func update(_ change: VirtualTableChange) throws -> Int64?
    /// Transaction hooks (xBegin, xSync, xCommit, xRollback). Defaults do nothing.
    func begin() throws
    func sync() throws
    func commit() throws
    func rollback() throws
    /// DROP TABLE (xDestroy). Default: nothing.
    func destroy() throws
    /// ALTER TABLE … RENAME TO `newName` (xRename), called after the stored CREATE VIRTUAL
    /// TABLE text names the table `"newName"`, inside the ALTER's transaction: move whatever
    /// the module keeps under the old name. Throwing fails the ALTER, which is then undone
    /// (the error's message is the statement's). The table is connected afresh under its new
    /// name afterwards (`connect` with `tableName` = `newName`). Default: nothing to do.
    ///
    /// ```swift
    /// func rename(to newName: String) throws {
    ///     guard store.rows[newName] == nil else { throw DatabaseError(.error, "\(newName) is in use") }
    ///     store.rows[newName] = store.rows.removeValue(forKey: name)
    /// }
    /// ```
    func rename(to newName: String) throws
    /// xFindFunction: asked at prepare time when a call of `name` (lower case; a function the
    /// connection knows, e.g. `match`, `like`, `glob`, `regexp` or one added with
    /// `add(function:)`) with `argumentCount` arguments has a column of this table as its
    /// left-most argument (the left operand of `x MATCH y`, `x LIKE y`; else the first
    /// argument). Return a function to use instead for that call; default nil (no overload).
    /// Infix operators pass their operands reversed: `x MATCH y` calls `match(y, x)`.
    func findFunction(named name: String, argumentCount: Int) -> DatabaseFunction?
    /// Makes a WHERE term `name(column, expr)` calling this table's overload of the
    /// 2-argument function `name` (from `findFunction`) a constraint offered to `bestIndex`
    /// under the returned operator, which must be a function operator (`Operator.function`
    /// or `Operator(rawValue: 150…255)`; SQLite's xFindFunction returning ≥
    /// SQLITE_INDEX_CONSTRAINT_FUNCTION). The constraint's value is `expr`. Default nil: the
    /// call is an ordinary condition.
    ///
    /// ```swift
    /// func findFunctionConstraint(named name: String, argumentCount: Int) -> VirtualTableIndexInfo.Operator? {
    ///     name == "near" ? .function : nil
    /// }
    /// ```
    func findFunctionConstraint(named name: String, argumentCount: Int) -> VirtualTableIndexInfo.Operator?
}

extension VirtualTable {
    public func bestIndex(_ info: inout VirtualTableIndexInfo) throws {}
    public var isWritable: Bool { false }
    public func update(_ change: VirtualTableChange) throws -> Int64? {
        throw DatabaseError(.error, "virtual table is read-only")
    }
    public func begin() throws {}
    public func sync() throws {}
    public func commit() throws {}
    public func rollback() throws {}
    public func destroy() throws {}
    public func rename(to newName: String) throws {}
    public func findFunction(named name: String, argumentCount: Int) -> DatabaseFunction? { nil }
    public func findFunctionConstraint(named name: String, argumentCount: Int) -> VirtualTableIndexInfo.Operator? { nil }
}

/// A cursor over a virtual table's rows (`sqlite3_vtab_cursor`).
///
/// ```swift
/// final class SquaresCursor: VirtualTableCursor {
///     var n: Int64 = 1
///     func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue]) throws { n = 1 }
///     func next() throws { n += 1 }
///     var isAtEnd: Bool { n > 10 }
///     func column(_ index: Int) throws -> DatabaseValue { .integer(index == 0 ? n : n * n) }
///     var rowid: Int64 { n }
/// }
/// ```
public protocol VirtualTableCursor: AnyObject {
    /// Starts a scan with the plan chosen by `bestIndex`: `arguments[k]` is the value of the
    /// constraint you gave `argumentIndex` k + 1.
    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue]) throws
    /// Starts a scan when `bestIndex` asked for whole IN lists (`receivesWholeInList`):
    /// `inLists[k]` holds every value of the IN list whose constraint has `argumentIndex`
    /// k + 1 (distinct, NULLs left out, in the comparison's collation order), and
    /// `arguments[k]` is NULL (`sqlite3_vtab_in_first` / `sqlite3_vtab_in_next`). The default
    /// calls `filter(indexNumber:indexString:arguments:)`; when this one is implemented, that
    /// one is called only for plans without whole lists.
    ///
    /// ```swift
    /// func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue],
    ///             inLists: [Int: [DatabaseValue]]) throws {
    ///     keys = inLists[0] ?? [arguments[0]]
    /// }
    /// ```
    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue],
                inLists: [Int: [DatabaseValue]]) throws
    func next() throws
    var isAtEnd: Bool { get }
    /// Column `index` of the declared columns (hidden ones included).
    func column(_ index: Int) throws -> DatabaseValue
    var rowid: Int64 { get throws }
}

extension VirtualTableCursor {
    public func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue],
                       inLists: [Int: [DatabaseValue]]) throws {
        try filter(indexNumber: indexNumber, indexString: indexString, arguments: arguments)
    }
}

/// A change INSERT, UPDATE or DELETE asks a virtual table to make.
///
/// ```swift
/// func update(_ change: VirtualTableChange) throws -> Int64? {
///     if case .delete(let rowid) = change { rows[rowid] = nil }
///     return nil
/// }
/// ```
public enum VirtualTableChange: Equatable, Sendable {
    /// `rowid` nil: the module chooses. `values` has one value per declared column.
    case insert(rowid: Int64?, values: [DatabaseValue])
    case update(oldRowid: Int64, newRowid: Int64, values: [DatabaseValue])
    case delete(rowid: Int64)
}

/// The question and answer of `bestIndex` (`sqlite3_index_info`).
///
/// ```swift
/// func bestIndex(_ info: inout VirtualTableIndexInfo) throws {
///     if let i = info.constraints.firstIndex(where: { $0.column == 0 && $0.op == .eq && $0.isUsable }) {
///         info.constraints[i].argumentIndex = 1
///         info.indexNumber = 1
///         info.estimatedCost = 1
///     }
/// }
/// ```
public struct VirtualTableIndexInfo: Sendable {
    /// SQLite's constraint operators (`SQLITE_INDEX_CONSTRAINT_*`, same raw values). Raw
    /// values 150…255 are function constraints (`VirtualTable.findFunctionConstraint`).
    public struct Operator: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let eq = Operator(rawValue: 2), gt = Operator(rawValue: 4), le = Operator(rawValue: 8)
        public static let lt = Operator(rawValue: 16), ge = Operator(rawValue: 32), match = Operator(rawValue: 64)
        public static let like = Operator(rawValue: 65), glob = Operator(rawValue: 66), regexp = Operator(rawValue: 67)
        public static let ne = Operator(rawValue: 68), isNot = Operator(rawValue: 69)
        public static let isNotNull = Operator(rawValue: 70), isNull = Operator(rawValue: 71)
        public static let `is` = Operator(rawValue: 72)
        /// The query's LIMIT (its value through `argumentIndex`; `column` is meaningless).
        /// Offered only when the query reads this table alone with no GROUP BY, DISTINCT or
        /// aggregate, every WHERE term is a constraint on it, and any ORDER BY is on its
        /// plain columns. The engine still applies LIMIT and OFFSET to the rows you return:
        /// returning more rows than LIMIT + OFFSET is wasted work, skipping rows is wrong.
        public static let limit = Operator(rawValue: 73)
        /// The query's OFFSET (offered with `limit`, same conditions).
        public static let offset = Operator(rawValue: 74)
        /// The first function constraint (`SQLITE_INDEX_CONSTRAINT_FUNCTION`).
        public static let function = Operator(rawValue: 150)
        /// `rawValue` is in 150…255.
        public var isFunction: Bool { rawValue >= 150 && rawValue <= 255 }
    }
    public struct Constraint: Sendable {
        /// Declared column index, −1 for the rowid.
        public var column: Int
        public var op: Operator
        /// False: the value is not available with this plan; do not use the constraint.
        public var isUsable: Bool
        /// The collation of the comparison: an explicit COLLATE, else the column's declared
        /// one, else "BINARY" (`sqlite3_vtab_collation`).
        public var collation: String = "BINARY"
        /// The right-hand side when the statement wrote it as a literal (a LIMIT / OFFSET
        /// only when a non-negative integer), else nil (`sqlite3_vtab_rhs_value`).
        public var rightValue: DatabaseValue? = nil
        /// The constraint is `column IN (…)`, offered as `.eq`: with `argumentIndex` set the
        /// engine calls `filter` once per distinct list value, unless you also set
        /// `receivesWholeInList` (`sqlite3_vtab_in(info, i, -1)`).
        public var isInList = false
        /// 0: unused; k ≥ 1: the value is `arguments[k - 1]` of `filter`.
        public var argumentIndex = 0
        /// The engine need not check the constraint again.
        public var omit = false
        /// On an `isInList` constraint with `argumentIndex` k: `filter(…, inLists:)` receives
        /// the whole list as `inLists[k - 1]` in one call (`sqlite3_vtab_in(info, i, 1)`).
        public var receivesWholeInList = false
    }
    public struct OrderTerm: Sendable {
        public var column: Int
        public var descending: Bool
    }
    /// What the query needs of `orderBy` (`sqlite3_vtab_distinct`).
    public enum Distinct: Int, Sendable {
        /// Rows in `orderBy` order.
        case ordered = 0
        /// GROUP BY: rows with equal `orderBy` columns adjacent, in any order.
        case grouped = 1
        /// DISTINCT: rows with equal `orderBy` columns adjacent; extra ones may be left out.
        case distinct = 2
        /// DISTINCT and ORDER BY: sorted; rows equal in the `orderBy` columns may be left out.
        case distinctOrdered = 3
    }
    /// Thrown by `bestIndex` to reject the plan (SQLITE_CONSTRAINT).
    public struct Unusable: Error, Sendable { public init() {} }

    public var constraints: [Constraint]
    public let orderBy: [OrderTerm]
    /// How `orderBy` must be honoured to set `orderByConsumed`.
    public var distinct: Distinct = .ordered
    /// Bit i: column i is read (bit 63 for every column from 63 on).
    public let columnsUsed: UInt64
    public var indexNumber: Int32 = 0
    public var indexString: String? = nil
    /// The rows come in `orderBy` order (as `distinct` asks). Ignored when an IN list is
    /// used one value at a time.
    public var orderByConsumed = false
    public var estimatedCost: Double = 5_000_000
    public var estimatedRows: Int64 = 25
    /// At most one row results.
    public var isUnique = false
}

// MARK: - Adapters onto the engine protocol

final class ModuleAdapter: LoomVDBE.VirtualTableModule {
    let module: any VirtualTableModule
    init(_ module: any VirtualTableModule) { self.module = module }
    var kind: LoomVDBE.VirtualTableModuleKind {
        switch module.kind {
        case .ordinary: return .ordinary
        case .eponymous: return .eponymous
        case .eponymousOnly: return .eponymousOnly
        }
    }
    private func arguments(_ c: VirtualTableContext) -> VirtualTableArguments {
        VirtualTableArguments(moduleName: c.moduleName, tableName: c.tableName, arguments: c.arguments)
    }
    func create(_ context: VirtualTableContext) throws -> any LoomVDBE.VirtualTable {
        TableAdapter(try module.create(arguments(context)), name: context.tableName)
    }
    func connect(_ context: VirtualTableContext) throws -> any LoomVDBE.VirtualTable {
        TableAdapter(try module.connect(arguments(context)), name: context.tableName)
    }
}

final class TableAdapter: LoomVDBE.VirtualTable {
    let table: any VirtualTable
    let name: String
    init(_ table: any VirtualTable, name: String) { self.table = table; self.name = name }

    var declaredSchema: String { table.schema }
    var isWritable: Bool { table.isWritable }

    func bestIndex(_ info: inout IndexInfo) throws {
        var mine = VirtualTableIndexInfo(
            constraints: info.constraints.map {
                VirtualTableIndexInfo.Constraint(column: $0.column,
                                                 op: VirtualTableIndexInfo.Operator(rawValue: $0.op.rawValue),
                                                 isUsable: $0.usable, collation: $0.collation,
                                                 rightValue: $0.rightValue.map(DatabaseValue.init),
                                                 isInList: $0.isIn)
            },
            orderBy: info.orderBy.map { VirtualTableIndexInfo.OrderTerm(column: $0.column, descending: $0.descending) },
            columnsUsed: info.columnsUsed)
        mine.distinct = VirtualTableIndexInfo.Distinct(rawValue: info.distinct) ?? .ordered
        do { try table.bestIndex(&mine) } catch is VirtualTableIndexInfo.Unusable { throw VirtualTableConstraintError() }
        for (i, c) in mine.constraints.enumerated() where i < info.constraintUsage.count {
            info.constraintUsage[i] = IndexInfo.ConstraintUsage(argvIndex: c.argumentIndex, omit: c.omit,
                                                                inAllAtOnce: c.receivesWholeInList && info.constraints[i].isIn)
        }
        info.indexNumber = mine.indexNumber
        info.indexString = mine.indexString
        info.orderByConsumed = mine.orderByConsumed
        info.estimatedCost = mine.estimatedCost
        info.estimatedRows = mine.estimatedRows
        info.indexFlags = mine.isUnique ? .unique : []
    }

    func open() throws -> any LoomVDBE.VirtualTableCursor { CursorAdapter(try table.open()) }

    func update(_ arguments: [Value]) throws -> Int64? {
        let change: VirtualTableChange
        let values = arguments.dropFirst(2).map(DatabaseValue.init)
        if arguments.count == 1 {
            change = .delete(rowid: arguments[0].integerValue)
        } else if arguments.count >= 2, arguments[0].isNull {
            change = .insert(rowid: arguments[1].isNull ? nil : arguments[1].integerValue, values: Array(values))
        } else if arguments.count >= 2 {
            change = .update(oldRowid: arguments[0].integerValue, newRowid: arguments[1].integerValue, values: Array(values))
        } else {
            throw DatabaseError(.misuse, "bad xUpdate arguments")
        }
        return try table.update(change)
    }

    func begin() throws { try table.begin() }
    func sync() throws { try table.sync() }
    func commit() throws { try table.commit() }
    func rollback() throws { try table.rollback() }
    func destroy() throws { try table.destroy() }
    func rename(to newName: String) throws { try table.rename(to: newName) }
    func findFunction(named name: String, argumentCount: Int) -> FunctionDefinition? {
        table.findFunction(named: name, argumentCount: argumentCount)?.definition
    }
    func findFunctionConstraint(named name: String, argumentCount: Int) -> ConstraintOperator? {
        guard let op = table.findFunctionConstraint(named: name, argumentCount: argumentCount), op.isFunction else { return nil }
        return ConstraintOperator(rawValue: op.rawValue)
    }
}

final class CursorAdapter: LoomVDBE.VirtualTableCursor {
    let cursor: any VirtualTableCursor
    init(_ cursor: any VirtualTableCursor) { self.cursor = cursor }
    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        try cursor.filter(indexNumber: indexNumber, indexString: indexString, arguments: arguments.map(DatabaseValue.init))
    }
    func filter(indexNumber: Int32, indexString: String?, arguments: [Value], inLists: [Int: [Value]]) throws {
        try cursor.filter(indexNumber: indexNumber, indexString: indexString, arguments: arguments.map(DatabaseValue.init),
                          inLists: inLists.mapValues { $0.map(DatabaseValue.init) })
    }
    func next() throws { try cursor.next() }
    var eof: Bool { cursor.isAtEnd }
    func column(_ i: Int) throws -> Value { try cursor.column(i).engineValue }
    func rowid() throws -> Int64 { try cursor.rowid }
}

extension Database {
    /// Registers a virtual-table module under `name` on this connection
    /// (`sqlite3_create_module_v2`). A later registration of the same name replaces it.
    ///
    /// ```swift
    /// db.register(module: Squares(), named: "squares")
    /// try db.execute("CREATE VIRTUAL TABLE sq USING squares")
    /// ```
    public func register(module: any VirtualTableModule, named name: String) {
        connection.context.virtualTables.register(ModuleAdapter(module), named: name)
        statementCache.removeAll()
    }
}
