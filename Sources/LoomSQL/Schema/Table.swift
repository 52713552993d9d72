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
    /// The table's name as written.
    package var name: String
    package var columns: [Column]
    /// Root page of the table's B-tree (0 for views, later).
    package var rootPage: UInt32
    /// The text stored in `sqlite_schema.sql`, nil for the built-in schema table.
    package var sql: String?
    /// True for STRICT tables (datatype checks on every write).
    package var isStrict: Bool = false
    /// True for `WITHOUT ROWID` tables (stored as an index B-tree keyed on the primary key).
    package var isWithoutRowid: Bool = false
    /// Index in `columns` of the INTEGER PRIMARY KEY column that aliases the rowid.
    package var rowidAlias: Int? = nil
    /// Columns of the PRIMARY KEY in key order (empty when there is none).
    package var primaryKey: [Int] = []
    /// The PRIMARY KEY as key columns (collation, DESC), in key order; empty when none.
    package var primaryKeyColumns: [IndexColumn] = []
    /// WITHOUT ROWID: N of the PRIMARY KEY's automatic index name sqlite_autoindex_T_N (it has
    /// no schema row, but takes its number in constraint order as in SQLite).
    package var primaryKeyIndexNumber: Int = 1
    /// True when the INTEGER PRIMARY KEY was declared AUTOINCREMENT.
    package var hasAutoincrement: Bool = false
    /// True for `sqlite_schema` itself.
    package var isSchemaTable: Bool = false
    /// Schema number of the database holding the table (0 main, 1 temp, 2… attached).
    package var database: Int = 0
    /// True for views.
    package var isView: Bool = false
    /// A view's definition (its SELECT's spans refer to `sql`).
    package var viewDefinition: CreateView? = nil
    /// For each column, its index in the stored record (-1 for VIRTUAL generated columns);
    /// empty when every column is stored in order.
    package var recordIndex: [Int] = []
    /// True when some column is generated.
    package var hasGenerated: Bool { columns.contains { $0.generated != nil } }
    /// CHECK constraints, column ones and table ones in definition order (spans refer to `sql`).
    package var checks: [CheckConstraint] = []
    /// FOREIGN KEY constraints (column REFERENCES and table constraints) in definition order;
    /// PRAGMA foreign_key_list numbers them from the last (id = count - 1 - position).
    package var foreignKeys: [ForeignKey] = []
    /// A virtual table's module name (CREATE VIRTUAL TABLE … USING module, or the module of
    /// an eponymous table), nil for every other table. Its columns are known once the module
    /// is connected (`Compilation.connectVirtualTable`).
    package var virtualModule: String? = nil
    /// The module arguments as written.
    package var virtualArguments: [String] = []
    /// True for virtual tables.
    package var isVirtual: Bool { virtualModule != nil }

    package init(name: String, columns: [Column], rootPage: UInt32, sql: String?) {
        self.name = name
        self.columns = columns
        self.rootPage = rootPage
        self.sql = sql
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
