// This file implements Index: the schema model of one index, explicit (CREATE INDEX) or
// automatic (sqlite_autoindex_T_N for UNIQUE / PRIMARY KEY). Layer: L5. Spec: Spec/L5-sql.md §Schema.
import LoomBase
import LoomRecord

/// Why an index exists, as `PRAGMA index_list` reports it ("c", "u", "pk").
package enum IndexOrigin: Sendable { case createIndex, unique, primaryKey }

/// One key column of an index.
package struct IndexColumn: Sendable {
    /// Index into the table's columns; `-1` for the rowid, `-2` for an expression.
    package var column: Int
    /// The indexed expression (`column == -2`), as written in the index's `sql`.
    package var expression: Expr? = nil
    /// The collation name, nil for BINARY (the column's own collation already applied).
    package var collation: String?
    package var descending: Bool = false
    package init(column: Int, collation: String?, descending: Bool = false) {
        self.column = column
        self.collation = collation
        self.descending = descending
    }
}

/// One index: key columns of one table, followed in each entry by the row's rowid.
package struct Index: Sendable {
    package var name: String
    package var tableName: String
    package var columns: [IndexColumn]
    package var isUnique: Bool
    package var rootPage: UInt32
    /// Schema number of the database holding the index (its table's).
    package var database: Int = 0
    /// The text stored in `sqlite_schema.sql`; nil for automatic indexes.
    package var sql: String?
    package var origin: IndexOrigin
    /// The WHERE clause of a partial index (spans refer to `sql`).
    package var whereClause: Expr? = nil

    package init(name: String, tableName: String, columns: [IndexColumn], isUnique: Bool,
                 rootPage: UInt32, sql: String?, origin: IndexOrigin) {
        self.name = name
        self.tableName = tableName
        self.columns = columns
        self.isUnique = isUnique
        self.rootPage = rootPage
        self.sql = sql
        self.origin = origin
    }

    /// True for `sqlite_autoindex_*` indexes made for UNIQUE / PRIMARY KEY constraints.
    package var isAutomatic: Bool { origin != .createIndex }

    /// True when some key column is an expression (`PRAGMA index_xinfo` cid -2).
    package var hasExpressions: Bool { columns.contains { $0.expression != nil } }

    /// True for an index every plain lookup may use: no WHERE clause, no expression column.
    package var isPlain: Bool { whereClause == nil && !hasExpressions }
}
