// This file implements Table and Column: the schema model of one table as SQLite keeps it
// after parsing its CREATE TABLE text. Layer: L5. Spec: Spec/L5-sql.md §Schema.
import LoomBase
import LoomRecord

/// One column of a table.
package struct Column: Sendable {
    /// The name as written (without quotes).
    package var name: String
    /// The declared type text (`"VARCHAR(10)"`), empty when none was given.
    package var declaredType: String
    /// Affinity derived from `declaredType` by the rules of datatype3.html §3.1.
    package var affinity: Affinity
    package var notNull: Bool = false
    /// The DEFAULT expression, nil when none (the default is then NULL).
    package var defaultValue: Expr? = nil
    /// The COLLATE name of the column, nil for BINARY.
    package var collation: String? = nil
    /// True when the column is (part of) the PRIMARY KEY.
    package var isPrimaryKey: Bool = false
    /// True for a HIDDEN column of a virtual table (not part of `*`; table-valued function
    /// arguments bind to these in order).
    package var isHidden: Bool = false
    /// In a STRICT table: the type the column's values must have (INT, INTEGER, REAL, TEXT,
    /// BLOB, ANY; upper-cased), nil otherwise.
    package var strictType: String? = nil
    /// The expression of a generated column (`AS (expr)`), nil for ordinary columns.
    package var generated: Expr? = nil
    /// True for a STORED generated column (kept in the record); VIRTUAL ones are not stored.
    package var isStored: Bool = false
    /// PRAGMA table_xinfo's `hidden`: 0 ordinary, 2 VIRTUAL generated, 3 STORED generated.
    /// 1 for a HIDDEN virtual-table column.
    package var hiddenKind: Int { isHidden ? 1 : generated == nil ? 0 : (isStored ? 3 : 2) }

    package init(name: String, declaredType: String) {
        self.name = name
        self.declaredType = declaredType
        self.affinity = Affinity(declaredType: declaredType)
    }
}

/// One table: its columns, root page and constraints.
package struct Table: Sendable {
    /// The fields, shared between copies until one of them changes (copy on write): a
    /// `Table` passes through resolver, planner and codegen by value, and a copy of some
    /// twenty fields (a retain and release each) showed in per-statement profiles.
    private final class Storage: @unchecked Sendable {
        var name: String
        var columns: [Column]
        var rootPage: UInt32
        var sql: String?
        var isStrict: Bool = false
        var isWithoutRowid: Bool = false
        var rowidAlias: Int? = nil
        var primaryKey: [Int] = []
        var primaryKeyColumns: [IndexColumn] = []
        var primaryKeyIndexNumber: Int = 1
        var hasAutoincrement: Bool = false
        var isSchemaTable: Bool = false
        var database: Int = 0
        var isView: Bool = false
        var viewDefinition: CreateView? = nil
        var recordIndex: [Int] = []
        var checks: [CheckConstraint] = []
        var foreignKeys: [ForeignKey] = []
        var virtualModule: String? = nil
        var virtualArguments: [String] = []
        /// A WITHOUT ROWID table's storage layout: built by `buildWithoutRowidLayout` (when
        /// the table is defined and when the schema stores it), cleared when a field it
        /// depends on is written; nil for other tables. Never built lazily in a getter: a
        /// `Table` is shared between threads, so a getter must not write.
        var withoutRowidLayout: WithoutRowidLayout? = nil

        init(name: String, columns: [Column], rootPage: UInt32, sql: String?) {
            self.name = name
            self.columns = columns
            self.rootPage = rootPage
            self.sql = sql
        }

        init(copying other: Storage) {
            self.name = other.name
            self.columns = other.columns
            self.rootPage = other.rootPage
            self.sql = other.sql
            isStrict = other.isStrict
            isWithoutRowid = other.isWithoutRowid
            rowidAlias = other.rowidAlias
            primaryKey = other.primaryKey
            primaryKeyColumns = other.primaryKeyColumns
            primaryKeyIndexNumber = other.primaryKeyIndexNumber
            hasAutoincrement = other.hasAutoincrement
            isSchemaTable = other.isSchemaTable
            database = other.database
            isView = other.isView
            viewDefinition = other.viewDefinition
            recordIndex = other.recordIndex
            checks = other.checks
            foreignKeys = other.foreignKeys
            virtualModule = other.virtualModule
            virtualArguments = other.virtualArguments
            withoutRowidLayout = other.withoutRowidLayout
        }

    }
    // Unchecked Sendable: a shared Storage is never written (`makeUnique` copies first).
    private var storage: Storage

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    /// The table's name as written.
    package var name: String {
        get { storage.name }
        _modify { makeUnique(); storage.withoutRowidLayout = nil; yield &storage.name }
    }
    package var columns: [Column] {
        get { storage.columns }
        _modify { makeUnique(); storage.withoutRowidLayout = nil; yield &storage.columns }
    }
    /// Root page of the table's B-tree (0 for views, later).
    package var rootPage: UInt32 {
        get { storage.rootPage }
        _modify { makeUnique(); storage.withoutRowidLayout = nil; yield &storage.rootPage }
    }
    /// The text stored in `sqlite_schema.sql`, nil for the built-in schema table.
    package var sql: String? {
        get { storage.sql }
        _modify { makeUnique(); yield &storage.sql }
    }
    /// True for STRICT tables (datatype checks on every write).
    package var isStrict: Bool {
        get { storage.isStrict }
        _modify { makeUnique(); yield &storage.isStrict }
    }
    /// True for `WITHOUT ROWID` tables (stored as an index B-tree keyed on the primary key).
    package var isWithoutRowid: Bool {
        get { storage.isWithoutRowid }
        _modify { makeUnique(); storage.withoutRowidLayout = nil; yield &storage.isWithoutRowid }
    }
    /// Index in `columns` of the INTEGER PRIMARY KEY column that aliases the rowid.
    package var rowidAlias: Int? {
        get { storage.rowidAlias }
        _modify { makeUnique(); yield &storage.rowidAlias }
    }
    /// Columns of the PRIMARY KEY in key order (empty when there is none).
    package var primaryKey: [Int] {
        get { storage.primaryKey }
        _modify { makeUnique(); yield &storage.primaryKey }
    }
    /// The PRIMARY KEY as key columns (collation, DESC), in key order; empty when none.
    package var primaryKeyColumns: [IndexColumn] {
        get { storage.primaryKeyColumns }
        _modify { makeUnique(); storage.withoutRowidLayout = nil; yield &storage.primaryKeyColumns }
    }
    /// WITHOUT ROWID: N of the PRIMARY KEY's automatic index name sqlite_autoindex_T_N (it has
    /// no schema row, but takes its number in constraint order as in SQLite).
    package var primaryKeyIndexNumber: Int {
        get { storage.primaryKeyIndexNumber }
        _modify { makeUnique(); storage.withoutRowidLayout = nil; yield &storage.primaryKeyIndexNumber }
    }
    /// True when the INTEGER PRIMARY KEY was declared AUTOINCREMENT.
    package var hasAutoincrement: Bool {
        get { storage.hasAutoincrement }
        _modify { makeUnique(); yield &storage.hasAutoincrement }
    }
    /// True for `sqlite_schema` itself.
    package var isSchemaTable: Bool {
        get { storage.isSchemaTable }
        _modify { makeUnique(); yield &storage.isSchemaTable }
    }
    /// Schema number of the database holding the table (0 main, 1 temp, 2… attached).
    package var database: Int {
        get { storage.database }
        _modify { makeUnique(); yield &storage.database }
    }
    /// True for views.
    package var isView: Bool {
        get { storage.isView }
        _modify { makeUnique(); yield &storage.isView }
    }
    /// A view's definition (its SELECT's spans refer to `sql`).
    package var viewDefinition: CreateView? {
        get { storage.viewDefinition }
        _modify { makeUnique(); yield &storage.viewDefinition }
    }
    /// For each column, its index in the stored record (-1 for VIRTUAL generated columns);
    /// empty when every column is stored in order.
    package var recordIndex: [Int] {
        get { storage.recordIndex }
        _modify { makeUnique(); yield &storage.recordIndex }
    }
    /// True when some column is generated.
    package var hasGenerated: Bool { columns.contains { $0.generated != nil } }
    /// CHECK constraints, column ones and table ones in definition order (spans refer to `sql`).
    package var checks: [CheckConstraint] {
        get { storage.checks }
        _modify { makeUnique(); yield &storage.checks }
    }
    /// FOREIGN KEY constraints (column REFERENCES and table constraints) in definition order;
    /// PRAGMA foreign_key_list numbers them from the last (id = count - 1 - position).
    package var foreignKeys: [ForeignKey] {
        get { storage.foreignKeys }
        _modify { makeUnique(); yield &storage.foreignKeys }
    }
    /// A virtual table's module name (CREATE VIRTUAL TABLE … USING module, or the module of
    /// an eponymous table), nil for every other table. Its columns are known once the module
    /// is connected (`Compilation.connectVirtualTable`).
    package var virtualModule: String? {
        get { storage.virtualModule }
        _modify { makeUnique(); yield &storage.virtualModule }
    }
    /// The module arguments as written.
    package var virtualArguments: [String] {
        get { storage.virtualArguments }
        _modify { makeUnique(); yield &storage.virtualArguments }
    }
    /// True for virtual tables.
    package var isVirtual: Bool { virtualModule != nil }
    /// A WITHOUT ROWID table's storage layout: the one built by `buildWithoutRowidLayout`,
    /// or, while it is cleared, one computed on the fly (never stored by this getter).
    var withoutRowidLayout: WithoutRowidLayout {
        storage.withoutRowidLayout ?? makeWithoutRowidLayout()
    }

    private func makeWithoutRowidLayout() -> WithoutRowidLayout {
        WithoutRowidLayout(name: name, columns: columns, rootPage: rootPage,
                           primaryKeyColumns: primaryKeyColumns, indexNumber: primaryKeyIndexNumber)
    }

    /// Builds the WITHOUT ROWID storage layout from the fields it depends on (name, columns,
    /// root page, isWithoutRowid, PRIMARY KEY columns and index number; writing any of them
    /// clears it). Called when the table is defined and when a schema stores it, so that
    /// statements read it instead of rebuilding it (Spec/L5-sql.md PC15).
    package mutating func buildWithoutRowidLayout() {
        guard isWithoutRowid, storage.withoutRowidLayout == nil else { return }
        let layout = makeWithoutRowidLayout()
        makeUnique()
        storage.withoutRowidLayout = layout
    }

    package init(name: String, columns: [Column], rootPage: UInt32, sql: String?) {
        storage = Storage(name: name, columns: columns, rootPage: rootPage, sql: sql)
    }

    /// The index of column `name` (case-insensitive), nil when there is none.
    package func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name.equalsIgnoringCase(name) }
    }

    /// True for a rowid table (every ordinary table without WITHOUT ROWID).
    package var hasRowid: Bool { !isWithoutRowid && !isView }

    /// The built-in `sqlite_schema` table (root page 1, five columns).
    package static let schemaTable: Table = {
        var t = Table(name: "sqlite_master", columns: [
            Column(name: "type", declaredType: "text"),
            Column(name: "name", declaredType: "text"),
            Column(name: "tbl_name", declaredType: "text"),
            Column(name: "rootpage", declaredType: "int"),
            Column(name: "sql", declaredType: "text"),
        ], rootPage: 1, sql: "CREATE TABLE sqlite_master(type text,name text,tbl_name text,rootpage int,sql text)")
        t.isSchemaTable = true
        return t
    }()

    /// The schema table of database `database` (`sqlite_temp_master` for temp).
    package static func schemaTable(database: Int) -> Table {
        var t = schemaTable
        t.database = database
        if database == 1 { t.name = "sqlite_temp_master" }
        return t
    }
}

extension String {
    /// Case-insensitive (ASCII) equality, as SQLite compares identifiers.
    package func equalsIgnoringCase(_ other: String) -> Bool {
        // Byte by byte, without building lowercased copies.
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        func fold(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
        // Over the contiguous bytes when both have them (native strings): indexing the UTF-8
        // views cost ~140 instructions per call, several calls per column reference.
        if let equal = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb -> Bool in
                for i in 0..<pa.count where pa[i] != pb[i] && fold(pa[i]) != fold(pb[i]) { return false }
                return true
            }
        }), let equal { return equal }
        var j = b.startIndex
        for c in a {
            if fold(c) != fold(b[j]) { return false }
            j = b.index(after: j)
        }
        return true
    }
}

/// One FOREIGN KEY constraint of a child table (foreignkeys.html).
package struct ForeignKey: Sendable {
    /// The child key: columns of the table holding the constraint.
    package var columns: [Int]
    /// The parent table's name as written.
    package var parentTable: String
    /// The parent key columns as written; empty means the parent's PRIMARY KEY.
    package var parentColumns: [String]
    package var onDelete: ForeignKeyClause.Action
    package var onUpdate: ForeignKeyClause.Action
    /// DEFERRABLE INITIALLY DEFERRED.
    package var isDeferred: Bool
}

/// One CHECK constraint: its CONSTRAINT name, if any, and its expression.
package struct CheckConstraint: Sendable {
    package var name: String?
    package var expr: Expr
}
