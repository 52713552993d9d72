// This file implements DDL and transaction-control codegen: CREATE TABLE / INDEX, DROP TABLE /
// INDEX (writing sqlite_schema rows as SQLite does), BEGIN / COMMIT / ROLLBACK.
// Layer: L5. Spec: Spec/L5-sql.md §Codegen (invariants C9-C12).
import LoomBase
import LoomBTree
import LoomRecord
import LoomVDBE

extension Codegen {
    /// Opens sqlite_schema for writing on a new cursor.
    func openSchemaTable() -> Int {
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: 1, columnCount: 5, database: c.targetDatabase))
        return cursor
    }

    /// Appends a sqlite_schema row; `rootRegister` holds the root page.
    func insertSchemaRow(cursor: Int, type: String, name: String, tableName: String, rootRegister: Int,
                                 sql: String?) {
        let row = b.allocateRegisters(5)
        b.emit(.string8(value: type, dest: row))
        b.emit(.string8(value: name, dest: row + 1))
        b.emit(.string8(value: tableName, dest: row + 2))
        b.emit(.sCopy(source: rootRegister, dest: row + 3))
        if let sql { b.emit(.string8(value: sql, dest: row + 4)) } else { b.emit(.null(dest: row + 4)) }
        let rec = b.allocateRegister(), rowid = b.allocateRegister()
        b.emit(.makeRecord(start: row, count: 5, dest: rec))
        b.emit(.newRowid(cursor: cursor, dest: rowid))
        b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
    }

    /// Sets the file format on a new database, bumps the schema cookie, reloads the schema.
    func finishSchemaChange() {
        let format = b.allocateRegister()
        let skip = b.makeLabel()
        b.emit(.readCookie(dest: format, field: .schemaFormat, database: c.targetDatabase))
        b.emit(jumpTo: skip) { .if(register: format, target: $0) }
        b.emit(.setCookie(field: .schemaFormat, value: 4, database: c.targetDatabase))
        b.emit(.setCookie(field: .textEncoding, value: 1, database: c.targetDatabase))
        b.place(skip)
        b.emit(.setCookie(field: .schemaCookie, value: Int(c.targetCookie &+ 1), database: c.targetDatabase))
        b.emit(.parseSchema())
        c.writes = true
        c.usesDatabase = true
    }

    /// The database a CREATE writes to (sets `c.targetDatabase`): temp for TEMP or `temp.`,
    /// else the named database, else main. `kind` words the qualified-TEMP error.
    func setCreateTarget(temporary: Bool, schema: String?, nameSpan: SourceSpan,
                         qualifiedTempError: String = "temporary table name must be unqualified") throws {
        if let s = schema {
            if temporary && !s.equalsIgnoringCase("temp") { throw c.error(qualifiedTempError, at: nil) }
            guard let n = c.schema.databaseNumber(named: s) else {
                throw c.error("unknown database \(s)", at: qualifierSpan(before: nameSpan))
            }
            c.targetDatabase = n
        } else {
            c.targetDatabase = temporary ? 1 : 0
        }
    }

    /// The span of the `schema` token in `schema.name`, found backwards from the name.
    func qualifierSpan(before nameSpan: SourceSpan) -> SourceSpan {
        let bytes = Array(c.sql.utf8)
        var i = min(nameSpan.start, bytes.count)
        func skipSpace() { while i > 0, bytes[i - 1] == 0x20 || (bytes[i - 1] >= 0x09 && bytes[i - 1] <= 0x0D) { i -= 1 } }
        skipSpace()
        if i > 0, bytes[i - 1] == UInt8(ascii: ".") { i -= 1 }
        skipSpace()
        let end = i
        if i > 0, [UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "]"), UInt8(ascii: "'")].contains(bytes[i - 1]) {
            let close = bytes[i - 1]
            let open = close == UInt8(ascii: "]") ? UInt8(ascii: "[") : close
            i -= 1
            while i > 0, bytes[i - 1] != open { i -= 1 }
            if i > 0 { i -= 1 }
        } else {
            while i > 0, bytes[i - 1] == 0x5F || bytes[i - 1] == 0x24 || bytes[i - 1] >= 0x80
                    || (bytes[i - 1] | 0x20 >= 0x61 && bytes[i - 1] | 0x20 <= 0x7A) || (bytes[i - 1] >= 0x30 && bytes[i - 1] <= 0x39) {
                i -= 1
            }
        }
        return SourceSpan(start: i, end: end)
    }

    /// The target database's own table `name` (for "already exists" checks).
    func targetTable(named name: String) -> Table? {
        if c.targetDatabase == 1 && c.schema.schema(forDatabase: 1) == nil { return nil }
        return c.schema.schema(forDatabase: c.targetDatabase)?.localTable(named: name)
    }

    func targetIndex(named name: String) -> Index? {
        c.schema.index(named: name, in: c.schema.databaseNames[c.targetDatabase] ?? "main")
    }

    private func checkNameFree(_ name: String, span: SourceSpan?) throws {
        if name.lowercasedASCII.hasPrefix("sqlite_") {
            throw c.error("object name reserved for internal use: \(name)", at: span)
        }
    }

    // MARK: CREATE TABLE

    func codeCreateTable(_ create: CreateTable, statementSpan: SourceSpan) throws {
        let nameSpan = SourceSpan(start: create.schemaTextStart, end: create.schemaTextStart)
        try setCreateTarget(temporary: create.temporary, schema: create.schema, nameSpan: nameSpan)
        try checkNewTableName(create.name, ifNotExists: create.ifNotExists, span: nameSpan)
        if create.ifNotExists && targetTable(named: create.name) != nil { return }
        if case .select(let select) = create.body {
            return try codeCreateTableAsSelect(create.name, select)
        }
        let sql = "CREATE TABLE " + SourceSpan(start: create.schemaTextStart, end: statementSpan.end).text(in: c.sql)
        if case .columns(let columns, _, _) = create.body { try checkDefaultsConstant(columns) }
        let definition: TableDefinition
        do { definition = try Table.define(create, rootPage: 0, sql: sql) }
        catch let e as DatabaseError {
            // sqlite3 reports an offset only for errors that quote a name from the column lists.
            let located = e.message.hasPrefix("no such column") || e.message.hasPrefix("foreign key on ")
            throw c.error(e.message, at: located ? nameSpan : nil, code: e.code)
        }
        try checkGeneratedColumns(definition.table)
        try checkCheckConstraints(definition.table)

        let schemaCursor = openSchemaTable()
        let root = b.allocateRegister()
        b.emit(.createBtree(dest: root, kind: definition.table.isWithoutRowid ? .index : .table, database: c.targetDatabase))
        insertSchemaRow(cursor: schemaCursor, type: "table", name: create.name, tableName: create.name,
                        rootRegister: root, sql: sql)
        for index in definition.autoIndexes {
            let r = b.allocateRegister()
            b.emit(.createBtree(dest: r, kind: .index, database: c.targetDatabase))
            insertSchemaRow(cursor: schemaCursor, type: "index", name: index.name, tableName: create.name,
                            rootRegister: r, sql: nil)
        }
        if definition.table.hasAutoincrement && targetTable(named: "sqlite_sequence") == nil {
            let r = b.allocateRegister()
            b.emit(.createBtree(dest: r, kind: .table, database: c.targetDatabase))
            insertSchemaRow(cursor: schemaCursor, type: "table", name: "sqlite_sequence", tableName: "sqlite_sequence",
                            rootRegister: r, sql: "CREATE TABLE sqlite_sequence(name,seq)")
        }
        finishSchemaChange()
    }

    /// CREATE TABLE … AS SELECT: columns named and typed from the result columns (INT, TEXT,
    /// REAL, NUM or none by affinity), the text SQLite generates, then the rows.
    private func codeCreateTableAsSelect(_ name: String, _ select: Select) throws {
        let resolved = try Resolver(c).resolveSelect(select, outer: nil)
        var parts: [String] = []
        var affinities: [Affinity] = []
        for (i, column) in resolved.columnNames.enumerated() {
            let affinity = resolved.resultColumns[i].affinity ?? .blob
            affinities.append(affinity)
            let type: String
            switch affinity {
            case .integer: type = " INT"
            case .text: type = " TEXT"
            case .real: type = " REAL"
            case .numeric: type = " NUM"
            case .blob: type = ""
            }
            parts.append(quotedIdentifier(column) + type)
        }
        // SQLite's layout: one line when the names are short, else one column per line.
        func identLength(_ s: String) -> Int { s.utf8.reduce(2) { $0 + ($1 == UInt8(ascii: "\"") ? 2 : 1) } }
        let size = resolved.columnNames.reduce(identLength(name)) { $0 + identLength($1) + 5 }
        let (open, separator, close) = size < 50 ? ("(", ",", ")") : ("(\n  ", ",\n  ", "\n)")
        let sql = "CREATE TABLE " + quotedIdentifier(name) + open + parts.joined(separator: separator) + close
        let schemaCursor = openSchemaTable()
        let root = b.allocateRegister()
        b.emit(.createBtree(dest: root, kind: .table, database: c.targetDatabase))
        insertSchemaRow(cursor: schemaCursor, type: "table", name: name, tableName: name, rootRegister: root, sql: sql)
        let cursor = b.allocateCursor()
        let width = resolved.resultColumns.count
        b.emit(.openWrite(cursor: cursor, root: root, columnCount: width, rootInRegister: true, database: c.targetDatabase))
        let rec = b.allocateRegister(), rowid = b.allocateRegister()
        try codeSelect(resolved) { base, count in
            self.b.emit(.makeRecord(start: base, count: count, dest: rec, affinities: affinities))
            self.b.emit(.newRowid(cursor: cursor, dest: rowid))
            self.b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
        }
        finishSchemaChange()
    }

    /// An identifier as SQLite writes it in generated schema text: bare when it is a plain
    /// identifier and no keyword, else in double quotes.
    func quotedIdentifier(_ name: String) -> String {
        let bytes = Array(name.utf8)
        var plain = !bytes.isEmpty && !(bytes[0] >= 0x30 && bytes[0] <= 0x39)
        for ch in bytes where !(ch == 0x5F || (ch >= 0x30 && ch <= 0x39) || (ch | 0x20 >= 0x61 && ch | 0x20 <= 0x7A)) {
            plain = false
        }
        if plain && Keyword.lookup(bytes[...]) != nil { plain = false }
        if plain { return name }
        return "\"" + name.replacingQuotes() + "\""
    }

    /// Errors for a new table or view name already taken.
    private func checkNewTableName(_ name: String, ifNotExists: Bool, span: SourceSpan) throws {
        if let existing = targetTable(named: name) {
            if ifNotExists { return }
            throw c.error("\(existing.isView ? "view" : "table") \(name) already exists", at: span)
        }
        if targetIndex(named: name) != nil {
            throw c.error("there is already an index named \(name)", at: span)
        }
        try checkNameFree(name, span: span)
    }

    // MARK: CREATE VIEW

    func codeCreateView(_ create: CreateView, statementSpan: SourceSpan) throws {
        let nameSpan = SourceSpan(start: create.schemaTextStart, end: create.schemaTextStart)
        try setCreateTarget(temporary: create.temporary, schema: create.schema, nameSpan: nameSpan)
        let sql = "CREATE VIEW " + SourceSpan(start: create.schemaTextStart, end: statementSpan.end).text(in: c.sql)
        try checkNewTableName(create.name, ifNotExists: create.ifNotExists, span: nameSpan)
        if create.ifNotExists && targetTable(named: create.name) != nil { return }
        let schemaCursor = openSchemaTable()
        let root = b.allocateRegister()
        b.emit(.integer(value: 0, dest: root))
        insertSchemaRow(cursor: schemaCursor, type: "view", name: create.name, tableName: create.name,
                        rootRegister: root, sql: sql)
        finishSchemaChange()
    }

    // MARK: CREATE INDEX

    func codeCreateIndex(_ create: CreateIndex, statementSpan: SourceSpan) throws {
        let nameSpan = SourceSpan(start: create.schemaTextStart, end: create.schemaTextStart)
        if let s = create.schema, c.schema.databaseNumber(named: s) == nil {
            throw c.error("unknown database \(s)", at: qualifierSpan(before: nameSpan))
        }
        let dbName = create.schema ?? (c.schema.table(named: create.table).map { c.schema.databaseNames[$0.database] ?? "main" } ?? "main")
        guard let table = c.schema.table(named: create.table, in: dbName) else {
            if dbName.equalsIgnoringCase("temp"), let other = c.schema.table(named: create.table), other.database != 1 {
                throw c.error("cannot create a TEMP index on non-TEMP table \"\(other.name)\"", at: nil)
            }
            throw c.error("no such table: \(dbName).\(create.table)", at: nil)
        }
        c.targetDatabase = table.database
        if table.isSchemaTable { throw c.error("table \(table.name) may not be indexed", at: nameSpan) }
        if table.isView { throw c.error("views may not be indexed", at: nameSpan) }
        if targetIndex(named: create.name) != nil {
            if create.ifNotExists { return }
            throw c.error("index \(create.name) already exists", at: nameSpan)
        }
        if targetTable(named: create.name) != nil {
            throw c.error("there is already a table named \(create.name)", at: nameSpan)
        }
        try checkNameFree(create.name, span: nameSpan)
        let columns: [IndexColumn]
        do { columns = try Table.indexColumns(create.columns, of: table, allowExpressions: true).0 }
        catch let e as DatabaseError {
            let at = create.columns.first(where: { term in
                if case .column(let ref) = term.expr.kind { return table.columnIndex(named: ref.column) == nil }
                return false
            })?.expr.span
            throw c.error(e.message, at: at ?? nameSpan, code: e.code)
        }
        let keyword = create.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX "
        let sql = keyword + SourceSpan(start: create.schemaTextStart, end: statementSpan.end).text(in: c.sql)
        var index = Index(name: create.name, tableName: table.name, columns: columns, isUnique: create.unique,
                          rootPage: 0, sql: sql, origin: .createIndex)
        index.whereClause = create.where
        try checkIndexExpressions(index, table: table)

        let schemaCursor = openSchemaTable()
        let root = b.allocateRegister()
        b.emit(.createBtree(dest: root, kind: .index, database: c.targetDatabase))
        insertSchemaRow(cursor: schemaCursor, type: "index", name: create.name, tableName: table.name,
                        rootRegister: root, sql: sql)
        if table.isWithoutRowid {
            try fillWithoutRowidIndex(index, table: table, root: root)
            finishSchemaChange()
            return
        }
        // Fill the index from the table's rows: the keys go through a sorter, then into the
        // index in key order (each insert lands next to the previous one; a UNIQUE index
        // compares each key with the one before it instead of seeking). SQLite does the same.
        let n = columns.count
        let keyInfo = try keyInfo(of: index)
        let tc = b.allocateCursor(), ic = b.allocateCursor(), sorter = b.allocateCursor()
        cursorTables[tc] = table
        // The sorter orders by the indexed fields only: the table is scanned in rowid order
        // and the sort is stable, so equal keys stay in rowid order (the index's order for
        // them), and a one-column integer key sorts by radix.
        var sortInfo = keyInfo
        sortInfo.collations.removeLast()
        sortInfo.descending.removeLast()
        b.emit(.sorterOpen(cursor: sorter, columnCount: n + 1, keyInfo: sortInfo))
        b.emit(.openRead(cursor: tc, root: Int(table.rootPage), columnCount: table.columns.count, database: table.database))
        let scanned = b.makeLabel()
        b.emit(jumpTo: scanned) { .rewind(cursor: tc, target: $0) }
        let top = b.currentAddress
        let rowid = b.allocateRegister()
        b.emit(.rowid(cursor: tc, dest: rowid))
        let values = b.allocateRegisters(table.columns.count)
        // An expression or WHERE clause may read any column: all are loaded then.
        let loaded = index.isPlain ? columns.map(\.column) : Array(table.columns.indices)
        for col in loaded.map({ IndexColumn(column: $0, collation: nil) }) where col.column >= 0 && col.column != table.rowidAlias {
            if table.hasGenerated {
                try codeTableColumn(table, cursor: tc, column: col.column, dest: values + col.column)
                continue
            }
            b.emit(.column(cursor: tc, column: col.column, dest: values + col.column,
                           default: columnDefault(table, col.column)))
            if table.columns[col.column].affinity == .real { b.emit(.realAffinity(register: values + col.column)) }
        }
        let partial = try codePartialIndexSkip(index, table: table, columns: values, rowid: rowid)
        let key = try codeIndexKey(index, columns: values, rowid: rowid, table: table)
        let rec = b.allocateRegister()
        b.emit(.makeRecord(start: key, count: n + 1, dest: rec))
        b.emit(.sorterInsert(cursor: sorter, record: rec))
        if let partial { b.place(partial) }
        b.emit(.next(cursor: tc, target: top))
        b.place(scanned)
        b.emit(.close(cursor: tc))

        b.emit(.openWrite(cursor: ic, root: root, columnCount: n + 1, keyInfo: keyInfo,
                          rootInRegister: true, database: c.targetDatabase))
        let sorted = b.allocateRegister(), pseudo = b.allocateCursor()
        b.emit(.openPseudo(cursor: pseudo, content: sorted, columnCount: n + 1))
        let done = b.makeLabel()
        var previous = 0, current = 0
        if create.unique {
            previous = b.allocateRegisters(n)
            current = b.allocateRegisters(n)
            b.emit(.null(dest: previous, count: n))
        }
        b.emit(jumpTo: done) { .sorterSort(cursor: sorter, target: $0) }
        let loop = b.currentAddress
        // The record itself goes to IdxInsert: SorterData writes `sorted` (no pseudo cursor
        // named), and the pseudo cursor reads the columns from that register.
        b.emit(.sorterData(cursor: sorter, dest: sorted, pseudoCursor: -1))
        if create.unique {
            // Equal to the key before it (under the index's collations) and free of NULLs: a
            // duplicate.
            for i in 0..<n { b.emit(.column(cursor: pseudo, column: i, dest: current + i)) }
            b.emit(.compare(lhs: previous, rhs: current, count: n, keyInfo: keyInfo))
            let jumpAt = b.emit(.noop)
            let distinct = b.makeLabel()
            for i in 0..<n { b.emit(jumpTo: distinct) { .isNull(register: current + i, target: $0) } }
            b.emit(.halt(code: .constraintUnique, action: .abort, message: constraintColumns(index, table),
                         constraint: .unique))
            b.place(distinct)
            let distinctAt = b.address(of: distinct) ?? 0
            b.replace(at: jumpAt, with: .jump(less: distinctAt, equal: jumpAt + 1, greater: distinctAt))
            b.emit(.copy(source: current, dest: previous, count: n))
        }
        b.emit(.idxInsert(cursor: ic, record: sorted))
        b.emit(.sorterNext(cursor: sorter, target: loop))
        b.place(done)
        finishSchemaChange()
    }

    // MARK: DROP

    func codeDrop(_ drop: Drop, span: SourceSpan) throws {
        let full = drop.schema.map { "\($0).\(drop.name)" } ?? drop.name
        switch drop.kind {
        case .table, .view:
            guard let table = c.schema.table(named: drop.name, in: drop.schema) else {
                if drop.ifExists { return }
                throw c.error("no such \(drop.kind == .table ? "table" : "view"): \(full)", at: nil)
            }
            c.targetDatabase = table.database
            if table.isSchemaTable { throw c.error("table \(table.name) may not be dropped", at: span) }
            if table.isVirtual && drop.kind == .table { return try codeDropVirtualTable(table, span: span) }
            if drop.kind == .table && table.isView {
                throw c.error("use DROP VIEW to delete view \(table.name)", at: span)
            }
            if drop.kind == .view && !table.isView {
                throw c.error("use DROP TABLE to delete table \(table.name)", at: span)
            }
            let indexes = c.schema.indexes(on: table)
            if table.database != 1 {
                // TEMP triggers on this table go too.
                for t in c.schema.triggers(on: table) where t.database == 1 {
                    c.targetDatabase = 1
                    deleteSchemaRows(column: 1, equal: t.name)
                    finishSchemaChange()
                }
                c.targetDatabase = table.database
            }
            if !table.isView { try codeDropTableForeignKeys(table) }
            // A trigger's tbl_name is the table name as written in CREATE TRIGGER: match
            // it ignoring case.
            deleteSchemaRows(column: 2, equal: table.name, ignoringCase: true)
            if table.hasAutoincrement, let seq = targetTable(named: "sqlite_sequence") {
                deleteSchemaRows(column: 0, equal: table.name, root: Int(seq.rootPage), columnCount: 2)
            }
            if !table.isView, let stat = statTable(database: table.database) {
                deleteSchemaRows(column: 0, equal: table.name, ignoringCase: true, root: Int(stat.rootPage), columnCount: 3)
            }
            if !table.isView { b.emit(.destroy(root: Int(table.rootPage), database: c.targetDatabase)) }
            for index in indexes { b.emit(.destroy(root: Int(index.rootPage), database: c.targetDatabase)) }
            finishSchemaChange()
        case .index:
            guard let index = c.schema.index(named: drop.name, in: drop.schema) else {
                if drop.ifExists { return }
                throw c.error("no such index: \(full)", at: nil)
            }
            c.targetDatabase = index.database
            if index.isAutomatic {
                throw c.error("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped", at: span)
            }
            deleteSchemaRows(column: 1, equal: index.name)
            if let stat = statTable(database: index.database) {
                deleteSchemaRows(column: 1, equal: index.name, ignoringCase: true, root: Int(stat.rootPage), columnCount: 3)
            }
            b.emit(.destroy(root: Int(index.rootPage), database: c.targetDatabase))
            finishSchemaChange()
        case .trigger:
            try codeDropTrigger(drop, span: span)
        }
    }

    /// Deletes the sqlite_schema rows whose column `column` equals `value` (under NOCASE
    /// when `ignoringCase`).
    /// `sqlite_stat1` of database number `database`, if ANALYZE created it there.
    func statTable(database: Int) -> Table? {
        let names = c.schema.databaseNames
        guard names.indices.contains(database), let name = names[database] else { return nil }
        return c.schema.table(named: "sqlite_stat1", in: name)
    }

    func deleteSchemaRows(column: Int, equal value: String, ignoringCase: Bool = false, root: Int = 1,
                                  columnCount: Int = 5) {
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: root, columnCount: columnCount, database: c.targetDatabase))
        let wanted = b.allocateRegister(), have = b.allocateRegister()
        b.emit(.string8(value: value, dest: wanted))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        let next = b.makeLabel()
        b.emit(.column(cursor: cursor, column: column, dest: have))
        b.emit(jumpTo: next) {
            .ne(lhs: wanted, rhs: have, target: $0, collation: ignoringCase ? .nocase : nil, jumpIfNull: true)
        }
        b.emit(.delete(cursor: cursor))
        b.place(next)
        b.emit(.next(cursor: cursor, target: top))
        b.place(done)
    }
}


extension String {
    /// Doubles every double quote.
    func replacingQuotes() -> String {
        var out = ""
        for ch in self { out.append(ch); if ch == "\"" { out.append("\"") } }
        return out
    }
}

extension Codegen {
    // MARK: ALTER TABLE ADD COLUMN

    /// ALTER TABLE t ADD COLUMN def: the stored CREATE TABLE text gets ", def" before its
    /// last ")"; existing rows are not rewritten (their missing column reads as the default).
    /// The other forms are in AlterTableCodegen.swift.
    /// Runs `body`; a failed schema check ("error in view v: …", "SQL logic error") becomes
    /// a program that fails when stepped, as sqlite3 finds it while running the ALTER (its
    /// checks emit no code before they fail).
    private func asRunTimeError(_ body: () throws -> Void) throws {
        do { try body() } catch let e as DatabaseError
            where e.message.hasPrefix("error in ") || e.message == "SQL logic error" {
            b.emit(.halt(code: .error, message: e.message))
        }
    }

    func codeAlterTable(_ alter: AlterTable, span: SourceSpan) throws {
        let table = try alterTarget(alter, span: span)
        let def: ColumnDefinition
        switch alter.action {
        case .addColumn(let d): def = d
        case .renameTo(let name): return try asRunTimeError { try codeRenameTable(table, to: name, span: span) }
        case .renameColumn(let from, let to):
            return try asRunTimeError { try codeRenameColumn(table, from: from, to: to, span: span) }
        case .dropColumn(let name): return try asRunTimeError { try codeDropColumn(table, name, span: span) }
        }
        if table.isView { throw c.error("Cannot add a column to a view", at: span) }
        if table.columnIndex(named: def.name) != nil {
            throw c.error("duplicate column name: \(def.name)", at: span)
        }
        var notNull = false, isGenerated = false, isStored = false
        var defaultExpr: Expr? = nil
        for constraint in def.constraints {
            switch constraint.kind {
            case .primaryKey: throw c.error("Cannot add a PRIMARY KEY column", at: span)
            case .unique: throw c.error("Cannot add a UNIQUE column", at: span)
            case .notNull: notNull = true
            case .default(let e): defaultExpr = e
            case .generated(_, let stored):
                isGenerated = true
                isStored = stored
            default: break
            }
        }
        try checkDefaultsConstant([def])
        // A default sqlite3 cannot evaluate while altering (a function call) is refused only
        // when the table has rows, when the statement runs.
        var nonConstantDefault = false
        if let d = defaultExpr, literalValue(d) == nil {
            if case .column = d.kind {} else { nonConstantDefault = true }
        }
        if notNull && !isGenerated && (defaultExpr.map { literalValue($0) ?? .text("") } ?? .null).isNull {
            throw c.error("Cannot add a NOT NULL column with default value NULL", at: span)
        }
        // The new definition goes right after the last column definition (before the
        // ',' or ')' that follows it), as SQLite does.
        guard let oldSQL = table.sql else { throw DatabaseError.corrupt(page: 1, "table without text") }
        let parsed = SchemaText(oldSQL)
        guard let last = parsed.columnDefinitions.last, last.end < parsed.tokens.count else {
            throw DatabaseError.corrupt(page: 1, "table text without columns")
        }
        let at = parsed.tokens[last.end].start
        let newSQL = String(decoding: parsed.bytes[..<at], as: UTF8.self) + ", " + c.text(def.span)
            + String(decoding: parsed.bytes[at...], as: UTF8.self)
        // The new table must still make sense (a STRICT column has a known type; generated
        // expressions resolve) before its row is written.
        var newTable: Table? = nil
        do {
            var parser = Parser(sql: newSQL)
            if let (statement, _) = try parser.parseNext(from: 0), case .createTable(let create) = statement.kind {
                newTable = try Table.define(create, rootPage: table.rootPage, sql: newSQL).table
                if isGenerated, let newTable { try checkGeneratedColumns(newTable) }
                if def.constraints.contains(where: { if case .check = $0.kind { true } else { false } }), let newTable {
                    try checkCheckConstraints(newTable)
                }
            }
        } catch let e as DatabaseError {
            // Features Loom lacks must not block an ADD COLUMN that SQLite allows.
            // sqlite3 finds the others when the statement runs (a run-time error).
            if !e.message.hasSuffix("not supported yet") {
                b.emit(.halt(code: .error, message: "error in table \(table.name) after add column: \(e.message)"))
                return
            }
        }
        if nonConstantDefault { haltIfNotEmpty(table, message: "Cannot add a column with non-constant default") }
        // Rewrite the table's sqlite_schema row in place.
        rewriteSchemaRows([SchemaRowChange(type: "table", name: table.name,
                                           row: SchemaRow(type: "table", name: table.name, tableName: table.name,
                                                          rootPage: Int64(table.rootPage), sql: newSQL))])
        if isGenerated, let newTable { try codeAddedGeneratedColumnChecks(newTable, stored: isStored, notNull: notNull) }
        finishSchemaChange()
    }
}

/// The value of a constant DEFAULT (a literal, or a signed number), nil otherwise.
func literalValue(_ e: Expr) -> Value? {
    switch e.kind {
    case .literal(let lit):
        switch lit {
        case .integer(let v): return .integer(v)
        case .bigInteger(let t): return .real(Double(t) ?? .infinity)
        case .real(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let b): return .blob(b)
        case .null: return .null
        case .boolean(let b): return .integer(b ? 1 : 0)
        case .currentTime, .currentDate, .currentTimestamp: return nil
        }
    case .unary(.plus, let inner):
        return literalValue(inner)
    case .unary(.negate, let inner):
        switch literalValue(inner) {
        case .integer(let v)?: return v == Int64.min ? .real(9.2233720368547758e18) : .integer(-v)
        case .real(let d)?:
            return .real(-d)
        default:
            if case .literal(.bigInteger(let t)) = inner.kind, t == "9223372036854775808" { return .integer(Int64.min) }
            return nil
        }
    default:
        return nil
    }
}

extension Codegen {
    /// An ATTACH / DETACH operand: a bare identifier stands for its own name as a string
    /// (SQLite's rule); anything else is an expression without table columns.
    func codeAttachArgument(_ e: Expr, into target: Int) throws {
        if case .column(let ref) = e.kind, ref.table == nil {
            b.emit(.string8(value: ref.column, dest: target))
            return
        }
        let resolved = try Resolver(c).resolve(e, in: nil)
        try code(resolved, into: target)
    }
}
