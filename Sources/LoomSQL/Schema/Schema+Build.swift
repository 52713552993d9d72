// This file implements building schema objects from CREATE TABLE / CREATE INDEX syntax:
// column affinity, the rowid alias, and the automatic indexes SQLite makes for UNIQUE and
// PRIMARY KEY constraints. Layer: L5. Spec: Spec/L5-sql.md §Schema (invariants S1-S6).
import LoomBase
import LoomRecord

/// A table definition checked and turned into schema objects.
package struct TableDefinition {
    package var table: Table
    /// Automatic indexes in creation order (named sqlite_autoindex_T_1, _2, …), root 0.
    package var autoIndexes: [Index]
}

extension Table {
    /// Builds the table `create` describes, with its automatic indexes (root pages 0 until
    /// assigned). Throws SQLite's errors for definitions it rejects.
    package static func define(_ create: CreateTable, rootPage: UInt32, sql: String?) throws -> TableDefinition {
        guard case .columns(let defs, let constraints, let options) = create.body else {
            throw DatabaseError(.error, "CREATE TABLE ... AS SELECT is not supported yet")
        }
        var table = Table(name: create.name, columns: [], rootPage: rootPage, sql: sql)
        table.isWithoutRowid = options.contains(.withoutRowid)
        table.isStrict = options.contains(.strict)
        var autoIndexes: [Index] = []
        // Automatic index numbers; a WITHOUT ROWID PRIMARY KEY takes one too (it has no row).
        var autoNumber = 0
        var hasPrimaryKey = false
        var seen = Set<String>()

        func addUnique(_ cols: [IndexColumn], origin: IndexOrigin) {
            // A constraint over the same columns as an existing one adds no index (S4).
            if autoIndexes.contains(where: { sameKey($0.columns, cols) }) { return }
            if origin == .unique, table.isWithoutRowid, sameKey(table.primaryKey.map { IndexColumn(column: $0, collation: table.columns[$0].collation) }, cols) { return }
            autoNumber += 1
            let n = autoNumber
            autoIndexes.append(Index(name: "sqlite_autoindex_\(create.name)_\(n)", tableName: create.name,
                                     columns: cols, isUnique: true, rootPage: 0, sql: nil, origin: origin))
        }

        func setPrimaryKey(_ cols: [Int], descendingSingle: Bool, autoincrement: Bool, collations: [String?],
                           keyColumns: [IndexColumn]) throws {
            if hasPrimaryKey {
                throw DatabaseError(.error, "table \"\(create.name)\" has more than one primary key")
            }
            hasPrimaryKey = true
            table.primaryKey = cols
            table.primaryKeyColumns = keyColumns
            for c in cols { table.columns[c].isPrimaryKey = true }
            if cols.count == 1, !table.isWithoutRowid,
               table.columns[cols[0]].declaredType.uppercasedASCII == "INTEGER", !descendingSingle {
                table.rowidAlias = cols[0]
                table.hasAutoincrement = autoincrement
                return
            }
            if autoincrement {
                if table.isWithoutRowid, cols.count == 1,
                   table.columns[cols[0]].declaredType.uppercasedASCII == "INTEGER", !descendingSingle {
                    throw DatabaseError(.error, "AUTOINCREMENT not allowed on WITHOUT ROWID tables")
                }
                throw DatabaseError(.error, "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY")
            }
            if table.isWithoutRowid {
                autoNumber += 1
                table.primaryKeyIndexNumber = autoNumber
            } else {
                addUnique(zip(cols, collations).map { IndexColumn(column: $0, collation: $1 ?? table.columns[$0].collation) },
                          origin: .primaryKey)
            }
        }

        for def in defs {
            let key = def.name.lowercasedASCII
            if seen.contains(key) { throw DatabaseError(.error, "duplicate column name: \(def.name)") }
            seen.insert(key)
            var column = Column(name: def.name, declaredType: def.type ?? "")
            if options.contains(.strict) { try column.makeStrict(table: create.name) }
            // COLLATE and NOT NULL first: a PRIMARY KEY/UNIQUE in the same definition uses them.
            for c in def.constraints {
                switch c.kind {
                case .collate(let name):
                    column.collation = try checkedCollation(name)
                case .notNull:
                    column.notNull = true
                case .default(let e):
                    column.defaultValue = e
                case .generated(let e, let stored):
                    column.generated = e
                    column.isStored = stored
                default: break
                }
            }
            table.columns.append(column)
            let index = table.columns.count - 1
            for c in def.constraints {
                switch c.kind {
                case .primaryKey(let order, _, let autoincrement):
                    try setPrimaryKey([index], descendingSingle: order == .descending, autoincrement: autoincrement,
                                      collations: [nil],
                                      keyColumns: [IndexColumn(column: index, collation: column.collation,
                                                               descending: order == .descending)])
                case .unique:
                    addUnique([IndexColumn(column: index, collation: column.collation)], origin: .unique)
                case .check(let e):
                    table.checks.append(CheckConstraint(name: c.name, expr: e))
                case .references(let clause):
                    if clause.columns.count > 1 {
                        throw DatabaseError(.error, "foreign key on \(def.name) should reference only one column of table \(clause.table)")
                    }
                    table.foreignKeys.append(ForeignKey(clause, columns: [index]))
                default: break
                }
            }
        }
        for c in constraints {
            switch c.kind {
            case .primaryKey(let terms, let autoincrement, _):
                let (cols, colls) = try indexColumns(terms, of: table)
                try setPrimaryKey(cols.map(\.column), descendingSingle: false, autoincrement: autoincrement,
                                  collations: colls, keyColumns: cols)
            case .unique(let terms, _):
                let (cols, _) = try indexColumns(terms, of: table)
                addUnique(cols, origin: .unique)
            case .check(let e):
                table.checks.append(CheckConstraint(name: c.name, expr: e))
            case .foreignKey(let names, let clause):
                if !clause.columns.isEmpty && clause.columns.count != names.count {
                    throw DatabaseError(.error, "number of columns in foreign key does not match the number of columns in the referenced table")
                }
                var cols: [Int] = []
                for name in names {
                    guard let i = table.columnIndex(named: name) else {
                        throw DatabaseError(.error, "unknown column \"\(name)\" in foreign key definition")
                    }
                    cols.append(i)
                }
                table.foreignKeys.append(ForeignKey(clause, columns: cols))
            }
        }
        if !table.columns.isEmpty && table.columns.allSatisfy({ $0.generated != nil }) {
            throw DatabaseError(.error, "must have at least one non-generated column")
        }
        if table.columns.contains(where: { $0.generated != nil && !$0.isStored }) {
            var next = 0
            table.recordIndex = table.columns.map { c in
                if c.generated != nil && !c.isStored { return -1 }
                next += 1
                return next - 1
            }
        }
        if table.isWithoutRowid && !hasPrimaryKey {
            throw DatabaseError(.error, "PRIMARY KEY missing on table \(create.name)")
        }
        table.buildWithoutRowidLayout()
        return TableDefinition(table: table, autoIndexes: autoIndexes)
    }

    /// Key columns of an index or constraint: each term must name a column of `table`,
    /// optionally with COLLATE. Returns the columns and the explicit collations.
    /// With `allowExpressions` (CREATE INDEX), other terms become expression columns.
    static func indexColumns(_ terms: [OrderingTerm], of table: Table,
                             allowExpressions: Bool = false) throws -> ([IndexColumn], [String?]) {
        var result: [IndexColumn] = []
        var explicit: [String?] = []
        for term in terms {
            var expr = term.expr
            var collation: String? = nil
            var explicitBinary = false
            if case .collate(let inner, let name) = expr.kind {
                collation = try checkedCollation(name)
                explicitBinary = collation == nil
                expr = inner
            }
            guard case .column(let ref) = expr.kind, ref.table == nil else {
                guard allowExpressions else {
                    throw DatabaseError(.error, "expressions in indexes are not supported yet")
                }
                // An expression key column (cid -2); its collation is the explicit one.
                result.append(IndexColumn(column: -2, collation: collation, descending: term.order == .descending))
                result[result.count - 1].expression = expr
                explicit.append(collation)
                continue
            }
            guard let i = table.columnIndex(named: ref.column) else {
                if ref.column.equalsIgnoringCase("rowid") || ref.column.equalsIgnoringCase("oid")
                    || ref.column.equalsIgnoringCase("_rowid_") {
                    throw DatabaseError(.error, "no such column: \(ref.column)")
                }
                throw DatabaseError(.error, "no such column: \(ref.column)")
            }
            // An explicit COLLATE BINARY overrides the column's own collation.
            let own = table.columns[i].collation
            result.append(IndexColumn(column: i, collation: collation ?? (explicitBinary && own != nil ? "BINARY" : own),
                                      descending: term.order == .descending))
            explicit.append(collation)
        }
        return (result, explicit)
    }
}

/// Two index keys are the same when they list the same columns with the same collations.
private func sameKey(_ a: [IndexColumn], _ b: [IndexColumn]) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        if x.column != y.column { return false }
        if (x.collation ?? "binary").lowercasedASCII != (y.collation ?? "binary").lowercasedASCII { return false }
    }
    return true
}

/// The collation name normalised (nil for BINARY); throws for unknown names.
func checkedCollation(_ name: String) throws -> String? {
    guard let c = Collation(name: name) else {
        throw DatabaseError(.error, "no such collation sequence: \(name)")
    }
    return c == .binary ? nil : name.uppercasedASCII
}

extension String {
    /// ASCII-only upper-casing.
    package var uppercasedASCII: String {
        // Already upper case (collation names such as "BINARY"): the string itself, no copy.
        if !utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) { return self }
        return String(decoding: utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }
}

extension Schema {
    func addTable(from row: SchemaRow) throws {
        if row.name.equalsIgnoringCase("sqlite_sequence") || row.name.lowercasedASCII.hasPrefix("sqlite_stat") {
            // Internal tables still have ordinary definitions; fall through.
        }
        guard let sql = row.sql else { throw Schema.malformed(row.name) }
        var parser = Parser(sql: sql)
        let parsed: Statement
        do {
            guard let (statement, _) = try parser.parseNext(from: 0) else { throw Schema.malformed(row.name) }
            parsed = statement
        } catch let e as DatabaseError where e.code != .corrupt {
            throw Schema.malformed(row.name, e.message)
        }
        switch parsed.kind {
        case .createTable(let create):
            guard row.rootPage >= 0, row.rootPage <= Int64(UInt32.max) else { throw Schema.malformed(row.name) }
            var def = try Table.define(create, rootPage: UInt32(row.rootPage), sql: sql)
            def.table.name = row.name
            add(def.table)
            for index in def.autoIndexes { pendingAutoIndexes[index.name.lowercasedASCII] = index }
        case .createView(let view):
            var t = Table(name: row.name, columns: [], rootPage: 0, sql: sql)
            t.isView = true
            t.viewDefinition = view
            add(t)
        case .createVirtualTable(let v):
            // Columns come from the module when the table is first used (xConnect).
            var t = Table(name: row.name, columns: [], rootPage: 0, sql: sql)
            t.virtualModule = v.module
            t.virtualArguments = v.arguments ?? []
            add(t)
        default:
            throw Schema.malformed(row.name)
        }
    }

    func addIndex(from row: SchemaRow) throws {
        guard row.rootPage >= 0, row.rootPage <= Int64(UInt32.max) else { throw Schema.malformed(row.name) }
        let root = UInt32(row.rootPage)
        guard let sql = row.sql else {
            // An automatic index: its definition came with its table.
            guard var index = pendingAutoIndexes[row.name.lowercasedASCII] else {
                throw Schema.malformed(row.name, "orphan index")
            }
            index.rootPage = root
            add(index)
            return
        }
        var parser = Parser(sql: sql)
        guard let (statement, _) = try parser.parseNext(from: 0),
              case .createIndex(let create) = statement.kind else { throw Schema.malformed(row.name) }
        guard let table = table(named: create.table), !table.isView else {
            throw Schema.malformed(row.name, "no such table: main.\(create.table)")
        }
        let (cols, _) = try Table.indexColumns(create.columns, of: table, allowExpressions: true)
        var index = Index(name: row.name, tableName: table.name, columns: cols, isUnique: create.unique,
                          rootPage: root, sql: sql, origin: .createIndex)
        index.whereClause = create.where
        add(index)
    }
}

extension ForeignKey {
    init(_ clause: ForeignKeyClause, columns: [Int]) {
        self.init(columns: columns, parentTable: clause.table, parentColumns: clause.columns,
                  onDelete: clause.onDelete ?? .noAction, onUpdate: clause.onUpdate ?? .noAction,
                  isDeferred: clause.deferrable == .initiallyDeferred)
    }
}
