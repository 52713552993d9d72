// This file implements Schema: the tables and indexes of one database, read from
// sqlite_schema (root page 1). Layer: L5. Spec: Spec/L5-sql.md §Schema.
import LoomBase
import LoomBTree
import LoomRecord
import LoomVDBE

/// One row of `sqlite_schema`: (type, name, tbl_name, rootpage, sql).
package struct SchemaRow: Sendable, Equatable {
    package var type: String
    package var name: String
    package var tableName: String
    package var rootPage: Int64
    package var sql: String?
    package init(type: String, name: String, tableName: String, rootPage: Int64, sql: String?) {
        self.type = type
        self.name = name
        self.tableName = tableName
        self.rootPage = rootPage
        self.sql = sql
    }
}

/// The schema of the main database: every table and index, looked up case-insensitively.
///
/// ```swift
/// let schema = try Schema.load(from: btree)   // inside a read transaction
/// let t = schema.table(named: "T")
/// ```
/// Corresponds to SQLite's `Schema` object and `sqlite3InitOne`.
package final class Schema: @unchecked Sendable {
    /// The schema cookie (header offset 40) the schema was read at.
    package var cookie: UInt32 = 0
    /// The schema format number (header offset 44); 0 for an empty database.
    package var fileFormat: UInt32 = 0
    /// Tables by lower-cased name, in the order of their schema rows.
    package private(set) var tables: [String: Table] = [:]
    package private(set) var tableOrder: [String] = []
    /// Indexes by lower-cased name.
    package private(set) var indexes: [String: Index] = [:]
    package private(set) var indexOrder: [String] = []

    /// Triggers by lower-cased name, in schema order.
    package private(set) var triggers: [String: Trigger] = [:]
    package private(set) var triggerOrder: [String] = []

    package func trigger(named name: String) -> Trigger? { triggers[name.lowercasedASCII] }

    /// The triggers of table `name`, newest first.
    package func triggers(on name: String) -> [Trigger] {
        let key = name.lowercasedASCII
        return triggerOrder.reversed().compactMap { triggers[$0] }.filter { $0.tableName.lowercasedASCII == key }
    }

    package func add(_ trigger: Trigger) {
        let key = trigger.name.lowercasedASCII
        if triggers[key] == nil { triggerOrder.append(key) }
        triggers[key] = trigger
    }

    /// Lower-cased names of the connection's TEMP views and triggers (kept in memory by the
    /// execution context, added after the main schema so that they shadow it).
    package private(set) var tempNames: Set<String> = []

    package func isTemp(_ name: String) -> Bool { tempNames.contains(name.lowercasedASCII) }

    /// Position of each object's sqlite_schema row ("type name", name lower-cased), so that
    /// ALTER TABLE can visit objects in SQLite's order.
    package var rowOrder: [String: Int] = [:]

    /// Automatic indexes defined by table rows, waiting for their own rows (during build).
    var pendingAutoIndexes: [String: Index] = [:]

    /// The connection's virtual-table registry (set by L6 after loading), through which
    /// compilation connects virtual tables.
    package var virtualTables: VirtualTableRegistry? = nil
    /// Virtual tables connected while this schema was current, with their declared columns
    /// (lower-case name → table with columns, reference).
    var connectedVirtualTables: [String: (table: Table, reference: VirtualTableReference)] = [:]

    package init() {}

    /// The table named `name` (ASCII case-insensitive); `sqlite_schema`, `sqlite_master`
    /// and their temp aliases resolve to the built-in schema table.
    package func table(named name: String) -> Table? {
        let key = name.lowercasedASCII
        switch key {
        case "sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema":
            return Table.schemaTable
        default:
            return tables[key]
        }
    }

    package func index(named name: String) -> Index? { indexes[name.lowercasedASCII] }

    /// The indexes of table `name`, in the order SQLite checks their constraints: the most
    /// recently defined first (SQLite links each new index at the head of the table's list).
    package func indexes(on name: String) -> [Index] {
        let key = name.lowercasedASCII
        return indexOrder.reversed().compactMap { indexes[$0] }.filter { $0.tableName.lowercasedASCII == key }
    }

    /// All tables, in schema order.
    package var allTables: [Table] { tableOrder.compactMap { tables[$0] } }

    package func add(_ table: Table) {
        let key = table.name.lowercasedASCII
        if tables[key] == nil { tableOrder.append(key) }
        tables[key] = table
    }

    package func add(_ index: Index) {
        let key = index.name.lowercasedASCII
        if indexes[key] == nil { indexOrder.append(key) }
        indexes[key] = index
    }

    package func removeTable(named name: String) {
        let key = name.lowercasedASCII
        tables[key] = nil
        tableOrder.removeAll { $0 == key }
        for i in indexOrder where indexes[i]?.tableName.lowercasedASCII == key { indexes[i] = nil }
        indexOrder.removeAll { indexes[$0] == nil }
    }

    package func removeIndex(named name: String) {
        let key = name.lowercasedASCII
        indexes[key] = nil
        indexOrder.removeAll { $0 == key }
    }

    /// Builds a schema from `sqlite_schema` rows: each CREATE text is parsed again.
    /// A row whose text does not parse makes the schema malformed, as in SQLite.
    package static func build(rows: [SchemaRow], cookie: UInt32, fileFormat: UInt32,
                              temp: [TempSchemaObject] = []) throws -> Schema {
        let schema = Schema()
        schema.cookie = cookie
        schema.fileFormat = fileFormat
        for (i, row) in rows.enumerated() { schema.rowOrder[row.type + " " + row.name.lowercasedASCII] = i }
        // Tables first, so that indexes find their table whatever the row order.
        for row in rows where row.type == "table" || row.type == "view" {
            try schema.addTable(from: row)
        }
        for row in rows where row.type == "index" {
            try schema.addIndex(from: row)
        }
        schema.pendingAutoIndexes = [:]
        for row in rows where row.type == "trigger" {
            try schema.addTrigger(from: row)
        }
        for object in temp {
            let row = SchemaRow(type: object.type, name: object.name, tableName: object.tableName,
                                rootPage: 0, sql: object.sql)
            // A TEMP object whose text no longer fits the schema is left out, not fatal.
            if object.type == "trigger" {
                guard schema.table(named: object.tableName) != nil else { continue }
                try? schema.addTrigger(from: row)
            } else {
                try? schema.addTable(from: row)
            }
            schema.tempNames.insert(object.name.lowercasedASCII)
        }
        return schema
    }

    static func malformed(_ name: String, _ why: String = "") -> DatabaseError {
        DatabaseError(.corrupt, "malformed database schema (\(name))" + (why.isEmpty ? "" : " - " + why))
    }
}
