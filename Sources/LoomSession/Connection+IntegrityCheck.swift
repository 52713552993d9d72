// This file implements PRAGMA integrity_check / quick_check: per database, L3's page-level walk
// (one row, "*** in database X ***" then its messages) and L5's row-content program (NOT NULL,
// STRICT, CHECK, index entries), in SQLite 3.40's order, with the N / TABLE argument forms.
// Layer: L6. Spec: Spec/L6-session.md §Integrity check.
import LoomBase
import LoomPager
import LoomRecord
import LoomBTree
import LoomVDBE
import LoomSQL

extension Connection {
    /// The rows of `PRAGMA [schema.]integrity_check[(N|TABLE)]` (`quick`: quick_check), at most
    /// N messages (default 100; N <= 0 means 100), or the single row "ok".
    ///
    /// ```swift
    /// let rows = try integrityCheckRows(pragma, quick: false)   // [[.text("ok")]]
    /// ```
    /// Corresponds to SQLite's `PRAGMA integrity_check` (pragma.c).
    func integrityCheckRows(_ pragma: Pragma, quick: Bool) throws -> [[Value]] {
        let main = try currentSchema()
        var limit = 100
        var tableName: String? = nil
        if let value = pragma.value {
            if let n = Self.leadingInt32(value) { limit = n > 0 ? n : 100 } else { tableName = value }
        }
        // The databases to check, and for TABLE the one table (a partial check).
        var databases: [Int] = []
        var only: Table? = nil
        let wanted = pragma.schema.flatMap { context.databaseIndex(named: $0) }
        if let tableName {
            guard let table = main.table(named: tableName, in: pragma.schema) else {
                let shown = pragma.schema.map { "\($0).\(tableName)" } ?? tableName
                throw DatabaseError(.error, "no such table: \(shown)")
            }
            only = table
            databases = [table.database]
        } else if let wanted {
            databases = [wanted]
        } else {
            databases = Array(context.databases.indices)
        }
        var remaining = limit
        var rows: [[Value]] = []
        for db in databases where remaining > 0 {
            guard db < context.databases.count, let handle = context.databases[db],
                  let schema = main.schema(forDatabase: db) else { continue }
            let name = (db < main.databaseNames.count ? main.databaseNames[db] : nil) ?? schema.databaseName
            let ordered = Self.sqliteTableOrder(schema)
            let checked = only.map { t in ordered.filter { $0.name.equalsIgnoringCase(t.name) } } ?? ordered
            // Page-level check: the roots in SQLite's order (a table, then its indexes newest first).
            var roots: [PageNumber] = []
            for table in checked where !table.isView && !table.isVirtual {
                let indexes = main.indexes(on: table)
                if !table.isWithoutRowid && table.rootPage > 0 { roots.append(PageNumber(table.rootPage)) }
                else if table.isWithoutRowid && table.rootPage > 0 {
                    // The PRIMARY KEY index sits among the automatic indexes by its number.
                    var placed = false
                    for index in indexes {
                        if !placed, index.isAutomatic, let n = Self.autoIndexNumber(index.name), n < table.primaryKeyIndexNumber {
                            roots.append(PageNumber(table.rootPage)); placed = true
                        }
                        if index.rootPage > 0 { roots.append(PageNumber(index.rootPage)) }
                    }
                    if !placed { roots.append(PageNumber(table.rootPage)) }
                    continue
                }
                for index in indexes where index.rootPage > 0 { roots.append(PageNumber(index.rootPage)) }
            }
            let partial = only != nil
            let errors = try withReadTransaction(on: handle) {
                try handle.btree.integrityCheck(roots: roots, maxErrors: remaining, partial: partial,
                                                freelist: only?.isSchemaTable ?? true)
            }
            if !errors.isEmpty {
                rows.append([.text("*** in database \(name) ***\n" + errors.joined(separator: "\n"))])
                remaining -= errors.count
            }
            guard remaining > 0 else { break }
            // Row contents: a program compiled in L5, run here (adapted to a UTF-16 file's
            // BINARY order, as every statement is).
            let checkIndexes = !quick
            let contentTables = checked.filter { !$0.isView && !$0.isVirtual && !$0.isSchemaTable && $0.rootPage > 0 }
            guard !contentTables.isEmpty else { continue }
            let program = try withUserCollations {
                try FunctionRegistry.$connectionFunctions.withValue(userFunctions) {
                    try Compiler.integrityCheckProgram(tables: contentTables, schema: main, indexes: checkIndexes,
                                                       limit: remaining, columnName: quick ? "quick_check" : "integrity_check")
                }
            }
            // `adapted(to:)` returns a UTF-8 program as it is.
            let vm = VM(program: program.adapted(to: handle.btree.textEncoding), context: context)
            do {
                while try vm.step() {
                    rows.append([vm.column(0)])
                    remaining -= 1
                }
            } catch let error as DatabaseError where error.code.primary == .corrupt {
                // SQLite ends the check with this row when a row cannot be read (invariant K8).
                rows.append([.text("database disk image is malformed")])
                break
            }
        }
        return rows.isEmpty ? [[.text("ok")]] : rows
    }

    /// N of `sqlite_autoindex_T_N`.
    private static func autoIndexNumber(_ name: String) -> Int? {
        guard let underscore = name.lastIndex(of: "_") else { return nil }
        return Int(name[name.index(after: underscore)...])
    }

    /// The argument as SQLite's 32-bit integer reading takes it: an optional sign and leading
    /// digits ("2.5" is 2); nil when there is no digit or the value leaves Int32 (a TABLE name).
    static func leadingInt32(_ text: String) -> Int? {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if let first = bytes.first, first == 0x2D || first == 0x2B {
            negative = first == 0x2D
            bytes = bytes.dropFirst()
        }
        while bytes.count > 1, bytes.first == 0x30 { bytes = bytes.dropFirst() }
        var value: Int64 = 0
        var digits = 0
        for c in bytes {
            guard c >= 0x30 && c <= 0x39 else { break }
            digits += 1
            if digits > 10 { return nil }
            value = value * 10 + Int64(c - 0x30)
        }
        guard digits > 0 else { return nil }
        if negative { value = -value }
        guard value >= Int64(Int32.min) && value <= Int64(Int32.max) else { return nil }
        return Int(value)
    }

    /// The tables of `schema` in the order SQLite's schema hash table lists them (its
    /// integrity check visits tables in that order): the schema table first inserted, then
    /// every table in schema-row order, into SQLite's string hash (invariant K2).
    static func sqliteTableOrder(_ schema: Schema) -> [Table] {
        let schemaTable = Table.schemaTable(database: schema.database)
        let tables = [schemaTable] + schema.allTables
        var hash = SQLiteHashOrder()
        for (i, t) in tables.enumerated() { hash.insert(t.name, value: i) }
        return hash.order.map { tables[$0] }
    }
}

/// The iteration order of SQLite's `Hash` (hash.c's behaviour as observed: new elements go
/// before the first element of their bucket, or first of all when the bucket is empty; the
/// bucket array doubles to 2 × count once count reaches 10 and exceeds twice the buckets,
/// capped at 64 buckets; a rehash re-inserts in list order). Keys hash case-insensitively.
struct SQLiteHashOrder {
    private(set) var order: [Int] = []
    private var keys: [Int: UInt32] = [:]
    private var buckets: [(count: Int, head: Int?)] = []

    static func hash(_ key: String) -> UInt32 {
        var h: UInt32 = 0
        for var c in key.utf8 {
            if c >= 0x41 && c <= 0x5A { c += 0x20 }
            h = h &+ UInt32(c)
            h = h &* 0x9E37_79B1
        }
        return h
    }

    private mutating func place(_ value: Int, bucket: Int?) {
        var head: Int? = nil
        if let bucket {
            head = buckets[bucket].count > 0 ? buckets[bucket].head : nil
            buckets[bucket].count += 1
            buckets[bucket].head = value
        }
        if let head, let at = order.firstIndex(of: head) {
            order.insert(value, at: at)
        } else {
            order.insert(value, at: 0)
        }
    }

    mutating func insert(_ key: String, value: Int) {
        let h = Self.hash(key)
        keys[value] = h
        let count = order.count + 1
        if count >= 10 && count > 2 * buckets.count {
            let size = min(count * 2, 64)
            if size != buckets.count {
                let old = order
                order = []
                buckets = Array(repeating: (0, nil), count: size)
                for v in old { place(v, bucket: Int((keys[v] ?? 0) % UInt32(size))) }
            }
        }
        place(value, bucket: buckets.isEmpty ? nil : Int(h % UInt32(buckets.count)))
    }
}
