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
    /// PRAGMA foreign_keys as the connection had it when it last compiled a statement: while
    /// on, a foreign key that cannot be enforced fails the compile, as in SQLite (programs
    /// also test the pragma when run, see `fkIfOff`).
    package var foreignKeysEnabled = false
    /// Connection flags the compiler reads, set by the session (Connection.prepare) before
    /// each compile, like `foreignKeysEnabled`: PRAGMA legacy_alter_table (ALTER TABLE RENAME
    /// as before SQLite 3.25), reverse_unordered_selects (scans without ORDER BY run
    /// backwards), writable_schema (sqlite_schema may be written), ignore_check_constraints
    /// and count_changes.
    package var legacyAlterTable = false
    package var reverseUnorderedSelects = false
    package var writableSchema = false
    package var ignoreCheckConstraints = false
    package var countChanges = false
    /// PRAGMA automatic_index: off, the planner builds no automatic index (a plain scan instead).
    package var automaticIndex = true
    /// PRAGMA trusted_schema: off, views and triggers may use only innocuous virtual tables.
    package var trustedSchema = true
    /// PRAGMA full_column_names and short_column_names (ColumnNames.swift).
    package var fullColumnNames = false
    package var shortColumnNames = true
    /// Whether result names differ from the default ones.
    package var longColumnNames: Bool { fullColumnNames || !shortColumnNames }
    /// Tables by lower-cased name, in the order of their schema rows.
    package private(set) var tables: [String: Table] = [:] { didSet { lastTable = nil } }
    package private(set) var tableOrder: [String] = []
    /// Indexes by lower-cased name.
    package private(set) var indexes: [String: Index] = [:]
    package private(set) var indexOrder: [String] = []

    /// Triggers by lower-cased name, in schema order.
    package private(set) var triggers: [String: Trigger] = [:]
    package private(set) var triggerOrder: [String] = []

    package func trigger(named name: String) -> Trigger? {
        let key = name.lowercasedASCII
        if linked.isEmpty { return triggers[key] }
        for s in searchOrder { if let t = s.triggers[key] { return t } }
        return nil
    }

    /// The triggers of table `name` (as unqualified names resolve), newest first.
    package func triggers(on name: String) -> [Trigger] {
        guard let t = table(named: name) else { return [] }
        return triggers(on: t)
    }

    /// The triggers of `table`, newest first: TEMP triggers that target it (`ON schema.t`, or
    /// an unqualified name that resolves to it), then those of its own database.
    package func triggers(on table: Table) -> [Trigger] {
        // No triggers anywhere (the common case): no name folding, no search-order array.
        if triggers.isEmpty && linked.allSatisfy({ $0.triggers.isEmpty }) { return [] }
        let key = table.name.lowercasedASCII
        var result: [Trigger] = []
        for s in searchOrder where s.database == 1 || s.database == table.database {
            for trigger in s.triggerOrder.reversed().compactMap({ s.triggers[$0] })
            where trigger.tableName.lowercasedASCII == key {
                if s.database == 1 && table.database != 1 {
                    if let named = trigger.tableSchema {
                        guard databaseNumber(named: named) == table.database else { continue }
                    } else if self.table(named: trigger.tableName)?.database != table.database {
                        continue
                    }
                }
                if s.database == 1 && table.database == 1, let named = trigger.tableSchema,
                   databaseNumber(named: named) != 1 {
                    continue
                }
                result.append(trigger)
            }
        }
        return result
    }

    package func add(_ trigger: Trigger) {
        var trigger = trigger
        trigger.database = database
        let key = trigger.name.lowercasedASCII
        if triggers[key] == nil { triggerOrder.append(key) }
        triggers[key] = trigger
    }

    // MARK: Several databases

    /// Schema number (0 main, 1 temp, 2… attached) and name of this database.
    package var database = 0
    package var databaseName = "main"
    /// On the main schema: the temp schema (number 1) when the temp database is open, and the
    /// attached databases' schemas, in schema-number order. Empty on the others.
    package var linked: [Schema] = [] { didSet { lastTable = nil } }
    /// Names of every database by number (index 1 is always "temp"; nil = detached slot),
    /// set on the main schema by the session.
    package var databaseNames: [String?] = ["main", "temp"]

    /// The schemas unqualified names search, in order: temp, main, attached.
    package var searchOrder: [Schema] {
        if linked.isEmpty { return [self] }
        var order: [Schema] = linked.filter { $0.database == 1 }
        order.append(self)
        order += linked.filter { $0.database >= 2 }
        return order
    }

    /// The schema of database number `n` (nil when it is not open).
    package func schema(forDatabase n: Int) -> Schema? {
        if n == database { return self }
        return linked.first { $0.database == n }
    }

    /// The number of the database called `name` (main, temp, or an attached name).
    package func databaseNumber(named name: String) -> Int? {
        let key = name.lowercasedASCII
        for (i, n) in databaseNames.enumerated() where n?.lowercasedASCII == key { return i }
        return nil
    }

    /// The table `name` in database `schemaName` (nil: search temp, main, attached).
    package func table(named name: String, in schemaName: String?) -> Table? {
        guard let schemaName else { return table(named: name) }
        guard let n = databaseNumber(named: schemaName) else { return nil }
        guard let s = schema(forDatabase: n) else {
            // The temp database is not open yet: only its schema table exists.
            if n == 1, Self.isSchemaTableName(name) { return Table.schemaTable(database: 1) }
            return nil
        }
        return s.localTable(named: name)
    }

    /// The index `name` in database `schemaName` (nil: search temp, main, attached).
    package func index(named name: String, in schemaName: String?) -> Index? {
        guard let schemaName else { return index(named: name) }
        guard let n = databaseNumber(named: schemaName), let s = schema(forDatabase: n) else { return nil }
        return s.indexes[name.lowercasedASCII]
    }

    static func isSchemaTableName(_ name: String) -> Bool {
        switch name.lowercasedASCII {
        case "sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema": return true
        default: return false
        }
    }

    /// This database's own table `name` (no search of other databases).
    package func localTable(named name: String) -> Table? {
        let key = name.lowercasedASCII
        let length = key.utf8.count
        if length != 13 && length != 18 { return tables[key] }
        switch key {
        case "sqlite_master", "sqlite_schema":
            return Table.schemaTable(database: database)
        case "sqlite_temp_master", "sqlite_temp_schema":
            return database == 1 ? Table.schemaTable(database: 1) : nil
        default:
            return tables[key]
        }
    }


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
    /// For a schema built only to check an ALTER TABLE: virtual tables (lower-case name) that
    /// use an already connected table instead of connecting (the renamed virtual table, whose
    /// module has not renamed its own state yet when the check runs).
    var preconnectedVirtualTables: [String: (table: Table, reference: VirtualTableReference)] = [:]

    package init() {}

    // MARK: Statistics (sqlite_stat1)

    /// Per index (lower-cased name): the integers of its sqlite_stat1 `stat` ("N a1 … aK":
    /// entries, then the average number of entries per distinct prefix of 1…K columns).
    package private(set) var indexStatistics: [String: [Int]] = [:]
    /// Per table (lower-cased name): its row count as sqlite_stat1 gives it (a row with a
    /// NULL `idx`, else the N of one of its non-partial indexes).
    package private(set) var tableRowEstimates: [String: Int] = [:]

    /// Takes in the rows of sqlite_stat1 (fileformat2.html §2.6.4): leading integers of each
    /// `stat` are kept; keywords after them (`unordered`, `sz=N`, `noskipscan`) are ignored.
    /// Rows naming no known table or index are ignored.
    package func loadStatistics(_ rows: [(table: String, index: String?, stat: String)]) {
        indexStatistics = [:]
        tableRowEstimates = [:]
        for row in rows {
            var numbers: [Int] = []
            for word in row.stat.split(separator: " ") {
                guard let n = Int(word), n >= 0 else { break }
                numbers.append(n)
            }
            guard let first = numbers.first, let table = tables[row.table.lowercasedASCII] else { continue }
            let tableKey = table.name.lowercasedASCII
            guard let indexName = row.index else {
                tableRowEstimates[tableKey] = first
                continue
            }
            let key = indexName.lowercasedASCII
            if let index = indexes[key], index.tableName.lowercasedASCII == tableKey {
                indexStatistics[key] = numbers
                if index.whereClause == nil { tableRowEstimates[tableKey] = first }
            } else if table.isWithoutRowid && (key == tableKey || key.hasPrefix("sqlite_autoindex_" + tableKey + "_")) {
                // A WITHOUT ROWID table's own B-tree (its PRIMARY KEY).
                indexStatistics[key] = numbers
                indexStatistics[tableKey] = numbers
                tableRowEstimates[tableKey] = first
            }
        }
    }

    /// The sqlite_stat1 integers of `index` (nil when ANALYZE has not measured it).
    package func statistics(of index: Index) -> [Int]? {
        guard let s = schema(forDatabase: index.database), !s.indexStatistics.isEmpty else { return nil }
        return s.indexStatistics[index.name.lowercasedASCII]
    }

    /// The row count sqlite_stat1 gives for `table` (nil when unknown).
    package func rowEstimate(of table: Table) -> Int? {
        guard let s = schema(forDatabase: table.database), !s.tableRowEstimates.isEmpty else { return nil }
        return s.tableRowEstimates[table.name.lowercasedASCII]
    }

    /// The table named `name` (ASCII case-insensitive); `sqlite_schema`, `sqlite_master`
    /// and their temp aliases resolve to the built-in schema table.
    package func table(named name: String) -> Table? {
        // The last name looked up, as written (a statement names its table several times, and
        // hashing the name showed in compile profiles). Only without other databases: their
        // changes do not reach this schema's `didSet`s.
        if let last = lastTable, last.name == name, linked.isEmpty { return last.table }
        let found = lookUpTable(named: name)
        if linked.isEmpty, let found { lastTable = (name, found) }
        return found
    }
    /// The last `table(named:)` answer (cleared by any change to `tables` or `linked`).
    private var lastTable: (name: String, table: Table)? = nil

    private func lookUpTable(named name: String) -> Table? {
        let key = name.lowercasedASCII
        // (Only 13- and 18-byte names can be a schema table's: no string compares otherwise.)
        let length = key.utf8.count
        if length != 13 && length != 18 {
            if linked.isEmpty { return tables[key] }
            for s in searchOrder { if let t = s.tables[key] { return t } }
            return nil
        }
        switch key {
        case "sqlite_master", "sqlite_schema":
            return Table.schemaTable(database: database)
        case "sqlite_temp_master", "sqlite_temp_schema":
            return Table.schemaTable(database: 1)
        default:
            if linked.isEmpty { return tables[key] }
            for s in searchOrder { if let t = s.tables[key] { return t } }
            return nil
        }
    }

    package func index(named name: String) -> Index? {
        let key = name.lowercasedASCII
        if linked.isEmpty { return indexes[key] }
        for s in searchOrder { if let i = s.indexes[key] { return i } }
        return nil
    }

    /// The indexes of table `name` (as resolved unqualified), in the order SQLite checks
    /// their constraints: the most recently defined first (SQLite links each new index at
    /// the head of the table's list).
    package func indexes(on name: String) -> [Index] {
        guard let t = table(named: name) else { return [] }
        return indexes(on: t)
    }

    /// The indexes of `table` (in its own database), newest first.
    package func indexes(on table: Table) -> [Index] {
        guard let s = schema(forDatabase: table.database) else { return [] }
        // (A database without indexes answers without hashing the name.)
        if s.indexesByTable.isEmpty { return [] }
        // (The last answer is kept: codegen and planner ask several times per statement.)
        if let last = s.lastIndexes, last.table == table.name { return last.indexes }
        let found = s.indexesByTable[table.name.lowercasedASCII] ?? []
        s.lastIndexes = (table.name, found)
        return found
    }
    /// The last `indexes(on:)` answer of this database (cleared by any change to `indexesByTable`).
    private var lastIndexes: (table: String, indexes: [Index])? = nil

    /// `indexes(on:)` kept up to date by every change (the planner asks for it per table and
    /// per statement): lower-cased table name → its indexes, newest first.
    private var indexesByTable: [String: [Index]] = [:] { didSet { lastIndexes = nil } }

    /// True when some table of this database declares a FOREIGN KEY (cached: codegen asks
    /// for every row change, and walking every table per statement showed in profiles).
    package var anyForeignKeys: Bool {
        if let cached = anyForeignKeysCache { return cached }
        let found = tables.values.contains { !$0.foreignKeys.isEmpty }
        anyForeignKeysCache = found
        return found
    }
    private var anyForeignKeysCache: Bool?

    /// All tables of this database, in schema order.
    package var allTables: [Table] { tableOrder.compactMap { tables[$0] } }

    package func add(_ table: Table) {
        var table = table
        table.database = database
        table.buildWithoutRowidLayout()  // PC15: built once here, read by every statement
        let key = table.name.lowercasedASCII
        if tables[key] == nil { tableOrder.append(key) }
        tables[key] = table
        anyForeignKeysCache = nil
    }

    package func add(_ index: Index) {
        var index = index
        index.database = database
        let key = index.name.lowercasedASCII
        let table = index.tableName.lowercasedASCII
        if let old = indexes[key] {
            // A replaced index keeps its place (when it stays on the same table).
            let oldTable = old.tableName.lowercasedASCII
            if oldTable == table, let at = indexesByTable[table]?.firstIndex(where: { $0.name.lowercasedASCII == key }) {
                indexesByTable[table]?[at] = index
            } else {
                indexesByTable[oldTable]?.removeAll { $0.name.lowercasedASCII == key }
                indexesByTable[table, default: []].insert(index, at: 0)
            }
        } else {
            indexOrder.append(key)
            indexesByTable[table, default: []].insert(index, at: 0)  // newest first
        }
        indexes[key] = index
    }

    package func removeTable(named name: String) {
        let key = name.lowercasedASCII
        tables[key] = nil
        anyForeignKeysCache = nil
        tableOrder.removeAll { $0 == key }
        for i in indexOrder where indexes[i]?.tableName.lowercasedASCII == key { indexes[i] = nil }
        indexOrder.removeAll { indexes[$0] == nil }
        indexesByTable[key] = nil
    }

    package func removeIndex(named name: String) {
        let key = name.lowercasedASCII
        if let old = indexes[key] { indexesByTable[old.tableName.lowercasedASCII]?.removeAll { $0.name.lowercasedASCII == key } }
        indexes[key] = nil
        indexOrder.removeAll { $0 == key }
    }

    /// Builds a schema from `sqlite_schema` rows: each CREATE text is parsed again.
    /// A row whose text does not parse makes the schema malformed, as in SQLite.
    package static func build(rows: [SchemaRow], cookie: UInt32, fileFormat: UInt32,
                              database: Int = 0,
                              databaseName: String = "main", skippingMalformed: Bool = false) throws -> Schema {
        let schema = Schema()
        schema.database = database
        schema.databaseName = databaseName
        schema.cookie = cookie
        schema.fileFormat = fileFormat
        for (i, row) in rows.enumerated() { schema.rowOrder[row.type + " " + row.name.lowercasedASCII] = i }
        // Tables first, so that indexes find their table whatever the row order.
        // PRAGMA writable_schema=ON: a row that does not parse is left out, as SQLite does.
        func add(_ body: () throws -> Void) throws {
            if skippingMalformed { try? body() } else { try body() }
        }
        for row in rows where row.type == "table" || row.type == "view" {
            try add { try schema.addTable(from: row) }
        }
        for row in rows where row.type == "index" {
            try add { try schema.addIndex(from: row) }
        }
        schema.pendingAutoIndexes = [:]
        for row in rows where row.type == "trigger" {
            try add { try schema.addTrigger(from: row) }
        }
        return schema
    }

    static func malformed(_ name: String, _ why: String = "") -> DatabaseError {
        DatabaseError(.corrupt, "malformed database schema (\(name))" + (why.isEmpty ? "" : " - " + why))
    }
}
