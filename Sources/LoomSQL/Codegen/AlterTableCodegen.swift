// This file implements ALTER TABLE RENAME TO, RENAME COLUMN and DROP COLUMN: the stored schema
// texts are edited token by token (SchemaRewrite), checked, and written back; DROP COLUMN also
// rewrites every row. Layer: L5. Spec: Spec/L5-sql.md §ALTER TABLE (invariants A1-A8).
import LoomBase
import LoomRecord
import LoomVDBE

/// How the schema check treats views or triggers: reports their errors ("error in view v:
/// …"), reports them as SQLite's bare "SQL logic error" (what sqlite3 3.40 says under
/// PRAGMA legacy_alter_table=ON), or does not check them.
enum ObjectCheck { case reported, logicError, skipped }

/// One sqlite_schema row to replace: the row (type, name) gets `row`'s values.
struct SchemaRowChange {
    var type: String
    var name: String
    var row: SchemaRow
}

extension Codegen {
    /// Every row of the altered database's schema (`c.targetDatabase`) as SQLite stores it,
    /// tables and views first, then indexes, then triggers.
    func currentSchemaRows(database: Int? = nil) -> [SchemaRow] {
        let s = c.schema.schema(forDatabase: database ?? c.targetDatabase) ?? c.schema
        var rows: [SchemaRow] = []
        for t in s.allTables where !t.isSchemaTable {
            rows.append(SchemaRow(type: t.isView ? "view" : "table", name: t.name, tableName: t.name,
                                  rootPage: Int64(t.rootPage), sql: t.sql))
        }
        for key in s.indexOrder {
            guard let i = s.indexes[key] else { continue }
            rows.append(SchemaRow(type: "index", name: i.name, tableName: i.tableName, rootPage: Int64(i.rootPage),
                                  sql: i.sql))
        }
        for key in s.triggerOrder {
            guard let t = s.triggers[key] else { continue }
            rows.append(SchemaRow(type: "trigger", name: t.name, tableName: t.tableName, rootPage: 0, sql: t.sql))
        }
        // In sqlite_schema order (the order SQLite re-checks them in).
        func position(_ r: SchemaRow) -> Int { s.rowOrder[r.type + " " + r.name.lowercasedASCII] ?? Int.max }
        return rows.enumerated().sorted { (position($0.element), $0.offset) < (position($1.element), $1.offset) }
            .map(\.element)
    }

    /// Column names of a table as the altered database's objects see it (nil for unknown
    /// names): an attached database's texts name its own tables; TEMP ones search temp, main….
    func columnNames(_ table: String) -> [String]? {
        if c.targetDatabase >= 2, let s = c.schema.schema(forDatabase: c.targetDatabase) {
            return s.localTable(named: table).map { $0.columns.map(\.name) }
        }
        return c.schema.table(named: table).map { $0.columns.map(\.name) }
    }

    /// Tables and views the altered database's objects may name besides its own: a TEMP
    /// trigger or view may name main's tables.
    func contextSchemaRows() -> [SchemaRow] {
        guard c.targetDatabase == 1 else { return [] }
        return currentSchemaRows(database: 0).filter { $0.type == "table" || $0.type == "view" }
    }

    /// Parses and checks every row as the schema would after the ALTER; the first failure is
    /// SQLite's "error in TYPE NAME[ after WHAT]: message". Virtual tables connect through
    /// the connection's registry, except those in `preconnected` (lower-case name).
    func checkSchema(_ rows: [SchemaRow], after what: String?, views: ObjectCheck = .reported,
                     triggers: ObjectCheck = .reported,
                     preconnected: [String: (table: Table, reference: VirtualTableReference)] = [:]) throws -> Schema {
        let schema = Schema()
        schema.cookie = c.schema.cookie
        schema.fileFormat = c.schema.fileFormat
        schema.virtualTables = c.schema.virtualTables
        schema.preconnectedVirtualTables = preconnected
        func fail(_ row: SchemaRow, _ e: DatabaseError) -> DatabaseError {
            if (row.type == "view" && views == .logicError) || (row.type == "trigger" && triggers == .logicError) {
                return DatabaseError(.error, "SQL logic error")
            }
            var message = e.message
            let prefix = "malformed database schema (\(row.name)) - "
            if message.hasPrefix(prefix) { message = String(message.dropFirst(prefix.count)) }
            return DatabaseError(.error, "error in \(row.type) \(row.name)\(what.map { " after " + $0 } ?? ""): \(message)")
        }
        let context = contextSchemaRows()
        for row in context { try? schema.addTable(from: row) }
        for row in rows where row.type == "table" || row.type == "view" {
            do { try schema.addTable(from: row) } catch let e as DatabaseError { throw fail(row, e) }
        }
        for row in rows where row.type == "index" {
            do { try schema.addIndex(from: row) } catch let e as DatabaseError { throw fail(row, e) }
        }
        schema.pendingAutoIndexes = [:]
        for row in rows where row.type == "trigger" {
            do { try schema.addTrigger(from: row) } catch let e as DatabaseError {
                if triggers != .skipped { throw fail(row, e) }
            }
        }
        // Features Loom lacks must not block an ALTER that SQLite allows.
        func unsupported(_ e: DatabaseError) -> Bool { e.message.hasSuffix("not supported yet") }
        for row in rows where row.type == "view" && views != .skipped {
            do { _ = try Compiler.prepare("SELECT * FROM " + SchemaRewrite.quoted(row.name), from: 0, schema: schema) }
            catch let e as DatabaseError where !unsupported(e) { throw fail(row, e) }
        }
        // Each trigger alone: compile a statement that fires it.
        let triggerRows = rows.filter { $0.type == "trigger" }
        if !triggerRows.isEmpty && triggers != .skipped {
            let others = rows.filter { $0.type != "trigger" }
            for row in triggerRows {
                guard let trigger = schema.trigger(named: row.name), let table = schema.table(named: trigger.tableName)
                else { continue }
                let name = SchemaRewrite.quoted(table.name)
                let statement: String
                switch trigger.event {
                case .insert: statement = "INSERT INTO \(name) DEFAULT VALUES"
                case .delete: statement = "DELETE FROM \(name)"
                case .update(let columns):
                    guard let column = columns?.first ?? table.columns.first?.name else { continue }
                    let quotedColumn = SchemaRewrite.quoted(column)
                    statement = "UPDATE \(name) SET \(quotedColumn) = \(quotedColumn)"
                }
                do {
                    let alone = Schema()
                    alone.cookie = schema.cookie
                    alone.fileFormat = schema.fileFormat
                    alone.virtualTables = schema.virtualTables
                    alone.preconnectedVirtualTables = preconnected
                    for r in context { try? alone.addTable(from: r) }
                    for r in others where r.type == "table" || r.type == "view" { try alone.addTable(from: r) }
                    for r in others where r.type == "index" { try alone.addIndex(from: r) }
                    alone.pendingAutoIndexes = [:]
                    try alone.addTrigger(from: row)
                    _ = try Compiler.prepare(statement, from: 0, schema: alone)
                } catch let e as DatabaseError where !unsupported(e) {
                    // SQLite's check does not look at SET targets and INSERT column lists.
                    if let sql = row.sql {
                        let text = SchemaText(sql)
                        let assigned = text.assignedColumns.map { text.name($0).lowercasedASCII }
                        let m = e.message.lowercasedASCII
                        if assigned.contains(where: { m == "no such column: " + $0 || m.hasSuffix(" has no column named " + $0) }) {
                            continue
                        }
                    }
                    throw fail(row, e)
                }
            }
        }
        return schema
    }

    /// The connection's TEMP views and triggers, as schema rows.
    func tempSchemaRows() -> [SchemaRow] {
        guard let s = c.schema.schema(forDatabase: 1) else { return [] }
        var rows: [SchemaRow] = []
        for t in s.allTables where t.isView {
            if let sql = t.sql { rows.append(SchemaRow(type: "view", name: t.name, tableName: t.name, rootPage: 0, sql: sql)) }
        }
        for key in s.triggerOrder {
            guard let t = s.triggers[key] else { continue }
            rows.append(SchemaRow(type: "trigger", name: t.name, tableName: t.tableName, rootPage: 0, sql: t.sql))
        }
        return rows
    }

    /// Rewrites the TEMP views and triggers with `edit` (nil: unchanged), as SQLite edits
    /// sqlite_temp_schema too.
    func rewriteTempObjects(renamedTable: (old: String, new: String)? = nil, _ edit: (String) -> String?) {
        guard c.targetDatabase == 0 else { return }  // a TEMP table's rows are edited with the rest
        var changes: [SchemaRowChange] = []
        for row in tempSchemaRows() {
            guard let sql = row.sql else { continue }
            var tableName = row.tableName
            if let r = renamedTable, row.type == "trigger", tableName.equalsIgnoringCase(r.old) { tableName = r.new }
            let edited = edit(sql)
            if edited == nil && tableName == row.tableName { continue }
            changes.append(SchemaRowChange(type: row.type, name: row.name,
                                           row: SchemaRow(type: row.type, name: row.name, tableName: tableName,
                                                          rootPage: 0, sql: edited ?? sql)))
        }
        guard !changes.isEmpty, let temp = c.schema.schema(forDatabase: 1) else { return }
        rewriteSchemaRows(changes, database: 1)
        b.emit(.setCookie(field: .schemaCookie, value: Int(temp.cookie &+ 1), database: 1))
        b.emit(.parseSchema())
    }

    /// Replaces sqlite_schema rows: for each change, the row with its type and name.
    func rewriteSchemaRows(_ changes: [SchemaRowChange], database: Int? = nil) {
        let database = database ?? c.targetDatabase
        for change in changes {
            let cursor = b.allocateCursor()
            b.emit(.openWrite(cursor: cursor, root: 1, columnCount: 5, database: database))
            let row = b.allocateRegisters(5)
            let wantedType = b.allocateRegister(), wantedName = b.allocateRegister(), rowid = b.allocateRegister()
            b.emit(.string8(value: change.type, dest: wantedType))
            b.emit(.string8(value: change.name, dest: wantedName))
            let done = b.makeLabel(), next = b.makeLabel()
            b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
            let top = b.currentAddress
            for i in 0..<5 { b.emit(.column(cursor: cursor, column: i, dest: row + i)) }
            b.emit(jumpTo: next) { .ne(lhs: wantedType, rhs: row, target: $0, jumpIfNull: true) }
            b.emit(jumpTo: next) { .ne(lhs: wantedName, rhs: row + 1, target: $0, jumpIfNull: true) }
            b.emit(.string8(value: change.row.name, dest: row + 1))
            b.emit(.string8(value: change.row.tableName, dest: row + 2))
            if let sql = change.row.sql { b.emit(.string8(value: sql, dest: row + 4)) } else { b.emit(.null(dest: row + 4)) }
            b.emit(.rowid(cursor: cursor, dest: rowid))
            let rec = b.allocateRegister()
            b.emit(.makeRecord(start: row, count: 5, dest: rec))
            b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
            b.emit(jumpTo: done) { .goto(target: $0) }
            b.place(next)
            b.emit(.next(cursor: cursor, target: top))
            b.place(done)
        }
    }

    /// The checks every ALTER form shares; returns the table.
    func alterTarget(_ alter: AlterTable, span: SourceSpan) throws -> Table {
        guard let table = c.schema.table(named: alter.table, in: alter.schema) else {
            throw c.error("no such table: \(alter.schema.map { $0 + "." } ?? "")\(alter.table)", at: nil)
        }
        // The table's own database: its sqlite_schema (or sqlite_temp_schema) is edited.
        c.targetDatabase = table.database
        if table.isSchemaTable || table.name.lowercasedASCII.hasPrefix("sqlite_") {
            throw c.error("table \(table.name) may not be altered", at: nil)
        }
        return table
    }

    // MARK: RENAME TO

    func codeRenameTable(_ table: Table, to newName: String, span: SourceSpan) throws {
        let own = c.schema.schema(forDatabase: table.database) ?? c.schema
        let taken = table.database == 0
            ? c.schema.table(named: newName) != nil || c.schema.index(named: newName) != nil
            : own.localTable(named: newName) != nil || own.indexes[newName.lowercasedASCII] != nil
        if taken {
            throw c.error("there is already another table or index with this name: \(newName)", at: nil)
        }
        if newName.lowercasedASCII.hasPrefix("sqlite_") {
            throw c.error("object name reserved for internal use: \(newName)", at: nil)
        }
        if table.isView { throw c.error("view \(table.name) may not be altered", at: nil) }
        // A virtual table is connected first ("no such module: …"); its xRename runs last.
        let connected = table.isVirtual ? try c.connectVirtualTable(table) : nil
        let virtualTable = connected?.reference
        let old = table.name
        let rows = currentSchemaRows()
        // PRAGMA legacy_alter_table=ON: only the CREATE TABLE name, the ON table of its indexes
        // and triggers, and (with foreign_keys on) REFERENCES are renamed; views and triggers
        // are neither edited nor checked (lang_altertable.html §2).
        let legacy = c.schema.legacyAlterTable
        let foreignKeys = c.schema.foreignKeysEnabled
        let rename: (String) -> String? = { sql in
            // A virtual table's text: only its own name, in either mode (module arguments are
            // not parsed).
            if SchemaRewrite.isVirtualTableText(sql) { return SchemaRewrite.renameVirtualTable(sql, from: old, to: newName) }
            return legacy
                ? SchemaRewrite.legacyRenameTable(sql, from: old, to: newName, foreignKeys: foreignKeys)
                : SchemaRewrite.renameTable(sql, from: old, to: newName)
        }
        if !legacy { _ = try checkSchema(rows, after: nil) }
        var newRows: [SchemaRow] = []
        var changes: [SchemaRowChange] = []
        let autoPrefix = "sqlite_autoindex_" + old + "_"
        for row in rows {
            var new = row
            if let sql = row.sql, let edited = rename(sql) { new.sql = edited }
            if row.tableName.equalsIgnoringCase(old) && (row.type != "view") { new.tableName = newName }
            if row.type == "table" && row.name.equalsIgnoringCase(old) { new.name = newName }
            if row.type == "index", row.sql == nil, row.name.hasPrefix(autoPrefix) {
                new.name = "sqlite_autoindex_" + newName + "_" + row.name.dropFirst(autoPrefix.count)
            }
            newRows.append(new)
            if new != row { changes.append(SchemaRowChange(type: row.type, name: row.name, row: new)) }
        }
        var preconnected: [String: (table: Table, reference: VirtualTableReference)] = [:]
        if let connected, let row = newRows.first(where: { $0.type == "table" && $0.name == newName }) {
            // The check sees the table under its new name without connecting it again.
            var t = connected.table
            t.name = newName
            t.sql = row.sql
            preconnected[newName.lowercasedASCII] = (t, connected.reference)
        }
        if legacy {
            // CHECK, generated-column and partial-index texts still qualify columns with the
            // old name: they no longer resolve.
            for row in newRows where row.tableName == newName && (row.type == "table" || row.type == "index") {
                guard let sql = row.sql, let use = SchemaRewrite.foreignQualifier(sql, table: newName) else { continue }
                throw DatabaseError(.error, "error in \(row.type) \(row.name) after rename: no such column: \(use)")
            }
            _ = try checkSchema(newRows, after: "rename", views: .skipped, triggers: .skipped, preconnected: preconnected)
        } else {
            _ = try checkSchema(newRows, after: "rename", preconnected: preconnected)
        }
        rewriteSchemaRows(changes)
        rewriteTempObjects(renamedTable: (old, newName), rename)
        if let seq = own.localTable(named: "sqlite_sequence"), !seq.isView {
            // UPDATE sqlite_sequence SET name = new WHERE name = old
            let cursor = b.allocateCursor()
            b.emit(.openWrite(cursor: cursor, root: Int(seq.rootPage), columnCount: 2, database: table.database))
            let row = b.allocateRegisters(2), wanted = b.allocateRegister(), rowid = b.allocateRegister()
            b.emit(.string8(value: old, dest: wanted))
            let done = b.makeLabel(), next = b.makeLabel()
            b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
            let top = b.currentAddress
            b.emit(.column(cursor: cursor, column: 0, dest: row))
            b.emit(.column(cursor: cursor, column: 1, dest: row + 1))
            b.emit(jumpTo: next) { .ne(lhs: wanted, rhs: row, target: $0, jumpIfNull: true) }
            b.emit(.string8(value: newName, dest: row))
            b.emit(.rowid(cursor: cursor, dest: rowid))
            let rec = b.allocateRegister()
            b.emit(.makeRecord(start: row, count: 2, dest: rec))
            b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
            b.emit(jumpTo: done) { .goto(target: $0) }
            b.place(next)
            b.emit(.next(cursor: cursor, target: top))
            b.place(done)
        }
        finishSchemaChange()
        if let virtualTable {
            // xRename, after the schema holds the new name (FTS5 renames its shadow tables).
            let name = b.allocateRegister()
            b.emit(.string8(value: newName, dest: name))
            b.emit(.vRename(table: virtualTable, name: name))
        }
    }

    // MARK: RENAME COLUMN

    func codeRenameColumn(_ table: Table, from old: String, to newName: String, span: SourceSpan) throws {
        if table.isView { throw c.error("cannot rename columns of view \"\(table.name)\"", at: nil) }
        guard let index = table.columnIndex(named: old) else {
            throw c.error("no such column: \"\(writtenName(span, fromEnd: 3) ?? old)\"", at: nameToken(span, fromEnd: 3))
        }
        let oldName = table.columns[index].name
        // Was the new name written in quotes? It is the statement's last token.
        let statement = SchemaText(c.text(span))
        let quoteNew = statement.tokens.isEmpty ? false : statement.isQuoted(statement.tokens.count - 1)
        let rows = currentSchemaRows()
        // PRAGMA legacy_alter_table=ON: the same edits; a view or trigger that does not
        // resolve fails as sqlite3's bare "SQL logic error", triggers are not re-checked
        // after the edit.
        let legacy = c.schema.legacyAlterTable
        let objects: ObjectCheck = legacy ? .logicError : .reported
        _ = try checkSchema(rows, after: nil, views: objects, triggers: objects)
        var newRows: [SchemaRow] = []
        var changes: [SchemaRowChange] = []
        for row in rows {
            var new = row
            if let sql = row.sql,
               let edited = SchemaRewrite.renameColumn(sql, table: table.name, from: oldName, to: newName,
                                                       quoteNew: quoteNew, columns: columnNames) {
                new.sql = edited
            }
            newRows.append(new)
            if new != row { changes.append(SchemaRowChange(type: row.type, name: row.name, row: new)) }
        }
        if table.database == 1 {
            // sqlite3 3.40 checks a TEMP table's rewritten views and triggers against the table
            // as it was, so any of them that uses the column fails the ALTER.
            let renamed: (String) -> [String]? = { name in
                guard var columns = self.columnNames(name) else { return nil }
                if name.equalsIgnoringCase(table.name), index < columns.count { columns[index] = newName }
                return columns
            }
            for (row, new) in zip(rows, newRows) where (row.type == "view" || row.type == "trigger") && new.sql != row.sql {
                // (Not its INSERT column lists and SET targets, which that check does not read.)
                if let use = new.sql.flatMap({ SchemaRewrite.firstColumnUse($0, table: table.name, column: newName,
                                                                            columns: renamed, ignoringTargets: true) }) {
                    // A run-time error, as sqlite3 finds it while rewriting the rows.
                    b.emit(.halt(code: .error, message: "error in \(row.type) \(row.name): no such column: \(use)"))
                    return
                }
            }
        }
        if let other = table.columnIndex(named: newName), other != index {
            // The parser reports the later of the two definitions.
            let later = other < index ? newName : table.columns[other].name
            throw c.error("error in table \(table.name) after rename: duplicate column name: \(later)", at: nil)
        }
        _ = try checkSchema(newRows, after: "rename", views: objects, triggers: legacy ? .skipped : .reported)
        rewriteSchemaRows(changes)
        rewriteTempObjects {
            SchemaRewrite.renameColumn($0, table: table.name, from: oldName, to: newName, quoteNew: quoteNew,
                                       columns: self.columnNames)
        }
        finishSchemaChange()
    }

    // MARK: DROP COLUMN

    func codeDropColumn(_ table: Table, _ name: String, span: SourceSpan) throws {
        if table.isView { throw c.error("cannot drop column from view \"\(table.name)\"", at: nil) }
        guard let index = table.columnIndex(named: name) else {
            throw c.error("no such column: \"\(writtenName(span, fromEnd: 1) ?? name)\"", at: nameToken(span, fromEnd: 1))
        }
        let column = table.columns[index]
        if column.isPrimaryKey { throw c.error("cannot drop PRIMARY KEY column: \"\(column.name)\"", at: nil) }
        if c.schema.indexes(on: table).contains(where: { $0.isAutomatic && $0.columns.contains { $0.column == index } }) {
            throw c.error("cannot drop UNIQUE column: \"\(column.name)\"", at: nil)
        }
        if table.columns.count <= 1 {
            throw c.error("cannot drop column \"\(column.name)\": no other columns exist", at: nil)
        }
        let rows = currentSchemaRows()
        // PRAGMA legacy_alter_table=ON: views that do not resolve fail as "SQL logic error"
        // (before and after), triggers only before the edit.
        let legacy = c.schema.legacyAlterTable
        let objects: ObjectCheck = legacy ? .logicError : .reported
        _ = try checkSchema(rows, after: nil, views: objects, triggers: objects)
        guard let oldSQL = table.sql, let newSQL = SchemaRewrite.dropColumn(oldSQL, index: index) else {
            throw DatabaseError.corrupt(page: 1, "table text without column \(column.name)")
        }
        if !table.columns.indices.contains(where: { $0 != index && table.columns[$0].generated == nil }) {
            throw DatabaseError(.error, "error in table \(table.name) after drop column: must have at least one non-generated column")
        }
        // Any use left in the table's own text (CHECK, FOREIGN KEY, generated column).
        if SchemaRewrite.firstColumnUse(newSQL, table: table.name, column: column.name, columns: columnNames) != nil {
            let s = SchemaText(newSQL)
            let inForeignKey = SchemaRewrite.columnHits(s, table: table.name, column: column.name, columns: columnNames)
                .contains { s.foreignKeyColumns.contains($0.0) }
            if inForeignKey {
                throw DatabaseError(.error, "error in table \(table.name) after drop column: unknown column \"\(column.name)\" in foreign key definition")
            }
            throw DatabaseError(.error, "error in table \(table.name) after drop column: no such column: \(column.name)")
        }
        let droppedName = column.name, tableName = table.name
        let withoutDropped: (String) -> [String]? = { [self] name in
            guard let cols = columnNames(name) else { return nil }
            return name.equalsIgnoringCase(tableName) ? cols.filter { !$0.equalsIgnoringCase(droppedName) } : cols
        }
        var newRows: [SchemaRow] = []
        for row in rows {
            var new = row
            if row.type == "table" && row.name.equalsIgnoringCase(table.name) {
                new.sql = newSQL
            } else if let sql = row.sql, !(legacy && row.type == "trigger"),
                      let use = SchemaRewrite.firstColumnUse(sql, table: table.name, column: column.name, columns: columnNames,
                                                             ignoringTargets: true,
                                                             quotedAreLiterals: row.type == "view" || row.type == "trigger",
                                                             newColumns: withoutDropped) {
                if legacy && row.type == "view" { throw DatabaseError(.error, "SQL logic error") }
                throw DatabaseError(.error, "error in \(row.type) \(row.name) after drop column: no such column: \(use)")
            }
            newRows.append(new)
        }
        _ = try checkSchema(newRows, after: "drop column", views: objects, triggers: legacy ? .skipped : .reported)
        rewriteSchemaRows([SchemaRowChange(type: "table", name: table.name,
                                           row: SchemaRow(type: "table", name: table.name, tableName: table.name,
                                                          rootPage: Int64(table.rootPage), sql: newSQL))])
        if table.isWithoutRowid {
            try rewriteWithoutRowidDroppingColumn(table, column: index)
            finishSchemaChange()
            return
        }
        // Rewrite every row without the column: rowids first, then each row in place.
        let set = b.allocateCursor(), tc = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: 1))
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: table.columns.count, database: table.database))
        let rowid = b.allocateRegister(), rec = b.allocateRegister()
        do {
            let done = b.makeLabel()
            b.emit(jumpTo: done) { .rewind(cursor: tc, target: $0) }
            let top = b.currentAddress
            b.emit(.rowid(cursor: tc, dest: rowid))
            b.emit(.makeRecord(start: rowid, count: 1, dest: rec))
            b.emit(.insert(cursor: set, record: rec, rowid: rowid))
            b.emit(.next(cursor: tc, target: top))
            b.place(done)
        }
        let keptColumns = table.columns.indices.filter { $0 != index && !(table.columns[$0].generated != nil && !table.columns[$0].isStored) }
        let kept = keptColumns.count
        let values = b.allocateRegisters(max(kept, 1))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        let next = b.makeLabel()
        b.emit(.rowid(cursor: set, dest: rowid))
        b.emit(jumpTo: next) { .notExists(cursor: tc, rowid: rowid, target: $0) }
        var r = values
        for i in keptColumns {
            let stored = table.recordIndex.isEmpty ? i : table.recordIndex[i]
            if i == table.rowidAlias { b.emit(.null(dest: r)) }
            else { b.emit(.column(cursor: tc, column: stored, dest: r, default: columnDefault(table, i))) }
            r += 1
        }
        b.emit(.makeRecord(start: values, count: kept, dest: rec))
        b.emit(.insert(cursor: tc, record: rec, rowid: rowid))
        b.place(next)
        b.emit(.next(cursor: set, target: top))
        b.place(done)
        finishSchemaChange()
    }

    /// The span of the statement's n-th token from the end (1: the last), for error offsets.
    func nameToken(_ span: SourceSpan, fromEnd n: Int) -> SourceSpan? {
        let s = SchemaText(c.text(span))
        guard s.tokens.count >= n else { return nil }
        let t = s.tokens[s.tokens.count - n]
        return SourceSpan(start: span.start + t.start, end: span.start + t.end)
    }

    /// The text of that token as written (quotes kept), as SQLite's messages show it.
    func writtenName(_ span: SourceSpan, fromEnd n: Int) -> String? {
        nameToken(span, fromEnd: n).map { c.text($0) }
    }
}
