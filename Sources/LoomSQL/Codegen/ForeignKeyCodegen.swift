// This file implements foreign keys (foreignkeys.html): child-key lookups in the parent,
// parent-key scans of the children, violation counters (immediate per statement, deferred per
// transaction), ON DELETE / ON UPDATE actions and the implicit DELETE of DROP TABLE.
// Layer: L5. Spec: Spec/L5-sql.md §Foreign keys (invariants F1-F7).
import LoomBase
import LoomRecord
import LoomVDBE

/// A FOREIGN KEY constraint resolved against the schema.
struct ForeignKeyLink {
    var child: Table
    /// Position of the constraint in `child.foreignKeys`.
    var position: Int
    var key: ForeignKey { child.foreignKeys[position] }
    var parent: Table?
    /// Parent key columns (indexes into `parent.columns`), parallel to `key.columns`.
    var parentColumns: [Int] = []
    /// The parent's UNIQUE index on the parent key (nil: the key is the rowid alias, or the
    /// parent is WITHOUT ROWID).
    var parentIndex: Index?
    /// Why the constraint cannot be enforced ("foreign key mismatch …", "no such table: …").
    var error: String?
}

/// How a row change touches keys: the rows it removes and adds, as OLD / NEW registers.
struct ForeignKeyChange {
    var old: TriggerRow?
    var new: TriggerRow?
    /// UPDATE: the columns assigned (-1: the rowid); nil for INSERT and DELETE.
    var assigned: Set<Int>?
}

extension Codegen {
    // MARK: Resolution

    /// Resolves constraint `position` of `child` (F1: the parent key is the parent's rowid
    /// alias, or exactly the columns of a UNIQUE index / PRIMARY KEY with their own collations).
    func foreignKeyLink(child: Table, position: Int) -> ForeignKeyLink {
        var link = ForeignKeyLink(child: child, position: position)
        let key = link.key
        // The parent is looked up in the child's own database, as SQLite does.
        let home = c.schema.databaseNames.indices.contains(child.database)
            ? c.schema.databaseNames[child.database] ?? "main" : "main"
        guard let parent = c.schema.table(named: key.parentTable, in: home), !parent.isView else {
            link.error = "no such table: \(home).\(key.parentTable)"
            return link
        }
        link.parent = parent
        let mismatch = "foreign key mismatch - \"\(child.name)\" referencing \"\(key.parentTable)\""
        var columns: [Int] = []
        if key.parentColumns.isEmpty {
            columns = parent.primaryKey
        } else {
            for name in key.parentColumns {
                guard let i = parent.columnIndex(named: name) else { link.error = mismatch; return link }
                columns.append(i)
            }
        }
        guard !columns.isEmpty, columns.count == key.columns.count else { link.error = mismatch; return link }
        link.parentColumns = columns
        if columns.count == 1 && columns[0] == parent.rowidAlias { return link }
        let wanted = Set(columns)
        if parent.isWithoutRowid && Set(parent.primaryKey) == wanted && parent.primaryKey.count == columns.count {
            return link
        }
        let unique = c.schema.indexes(on: parent).first { index in
            index.isUnique && index.isPlain && index.columns.count == columns.count
                && Set(index.columns.map(\.column)) == wanted
                && index.columns.allSatisfy { ic in
                    ic.column >= 0 && (ic.collation ?? "BINARY").equalsIgnoringCase(parent.columns[ic.column].collation ?? "BINARY")
                }
        }
        if let unique { link.parentIndex = unique } else { link.error = mismatch }
        return link
    }

    /// The constraints of every table that name `table` as their parent.
    func parentLinks(of table: Table) -> [ForeignKeyLink] {
        var links: [ForeignKeyLink] = []
        // Children live in the parent's own database (SQLite resolves a constraint there).
        guard let home = c.schema.schema(forDatabase: table.database), home.anyForeignKeys else { return links }
        for child in home.allTables where !child.foreignKeys.isEmpty {
            for i in child.foreignKeys.indices where child.foreignKeys[i].parentTable.equalsIgnoringCase(table.name) {
                links.append(foreignKeyLink(child: child, position: i))
            }
        }
        // SQLite keeps a parent's referencing constraints newest first (each new one goes to
        // the head of its list): mismatch errors name the newest child, actions run in that order.
        return links.reversed()
    }

    /// True when `table` takes part in a foreign key (as child or parent).
    func hasForeignKeys(_ table: Table) -> Bool {
        if !table.foreignKeys.isEmpty { return true }
        guard let home = c.schema.schema(forDatabase: table.database), home.anyForeignKeys else { return false }
        return home.allTables.contains { t in t.foreignKeys.contains { $0.parentTable.equalsIgnoringCase(table.name) } }
    }

    // MARK: Row changes

    /// Codes the foreign-key work of one row change of `table`, after the row is written
    /// (F2-F5). Runs only while PRAGMA foreign_keys is on. `ignoreErrors`: DROP TABLE's
    /// implicit DELETE skips constraints that cannot be enforced.
    func codeForeignKeys(_ table: Table, _ change: ForeignKeyChange, ignoreErrors: Bool = false) throws {
        if table.foreignKeys.isEmpty && c.schema.schema(forDatabase: table.database)?.anyForeignKeys != true { return }
        let ignoreErrors = ignoreErrors || c.ignoresForeignKeyErrors
        let children = table.foreignKeys.indices.map { foreignKeyLink(child: table, position: $0) }
        let parents = parentLinks(of: table)
        if children.isEmpty && parents.isEmpty { return }
        let off = b.makeLabel()
        b.emit(jumpTo: off) { .fkIfOff(target: $0) }
        // Child side: the row's own references.
        for link in children {
            if let assigned = change.assigned, !link.key.columns.contains(where: { assigned.contains($0 == table.rowidAlias ? -1 : $0) }) {
                continue
            }
            if let error = link.error {
                if !ignoreErrors { try unenforceable(error) }
                continue
            }
            if let old = change.old { try codeParentLookup(link, row: old, amount: -1) }
            if let new = change.new { try codeParentLookup(link, row: new, amount: 1) }
        }
        // Parent side: rows of other tables (or this one) that refer to the row's key.
        for link in parents {
            if let assigned = change.assigned, !link.parentColumns.contains(where: { assigned.contains($0 == table.rowidAlias ? -1 : $0) }) {
                continue
            }
            if let error = link.error {
                // A new parent row cannot break an immediate constraint: SQLite does not even
                // look for the parent key's index then.
                let parentInsert = change.old == nil && change.assigned == nil && !link.key.isDeferred
                if !ignoreErrors && !parentInsert { try unenforceable(error) }
                continue
            }
            let action = change.new == nil ? link.key.onDelete : link.key.onUpdate
            if let old = change.old {
                let counted = b.makeLabel(), after = b.makeLabel()
                if action == .restrict {
                    // RESTRICT: a key with children may not go; an UPDATE that keeps the
                    // key's values is counted as NO ACTION, and so is every change while
                    // PRAGMA defer_foreign_keys is on.
                    b.emit(jumpTo: counted) { .fkIfDeferring(target: $0) }
                    if let new = change.new {
                        let changed = b.makeLabel()
                        for p in link.parentColumns {
                            let o = register(old, p, of: table), n = register(new, p, of: table)
                            b.emit(jumpTo: changed) { .ne(lhs: o, rhs: n, target: $0, jumpIfNull: true) }
                        }
                        b.emit(jumpTo: counted) { .goto(target: $0) }
                        b.place(changed)
                    }
                    try codeChildScan(link, row: old) { self.b.emit(.halt(code: .constraintForeignKey, constraint: .foreignKey)) }
                    b.emit(jumpTo: after) { .goto(target: $0) }
                }
                b.place(counted)
                try codeChildScan(link, row: old) { self.b.emit(.fkCounter(deferred: link.key.isDeferred, amount: 1)) }
                b.place(after)
            }
            if let new = change.new {
                let skip = b.makeLabel()
                b.emit(jumpTo: skip) { .fkIfZero(deferred: link.key.isDeferred, target: $0) }
                try codeChildScan(link, row: new) { self.b.emit(.fkCounter(deferred: link.key.isDeferred, amount: -1)) }
                b.place(skip)
            }
            if let old = change.old, action != .noAction && action != .restrict {
                try codeForeignKeyAction(link, action: action, old: old, new: change.new)
            }
        }
        b.place(off)
    }

    /// A constraint that cannot be enforced: a compile error while PRAGMA foreign_keys is
    /// on, else an error when the program runs with the pragma on.
    private func unenforceable(_ message: String) throws {
        if c.schema.foreignKeysEnabled { throw DatabaseError(.error, message) }
        b.emit(.halt(code: .error, message: message))
    }

    /// The register holding column `column` of `table` in `row`.
    private func register(_ row: TriggerRow, _ column: Int, of table: Table) -> Int {
        column == table.rowidAlias ? row.rowid : row.columns + column
    }

    /// Child side (F2): when the key of `row` has no NULL and no parent row holds it, adds
    /// `amount` to the violation counter (a removed row's -1 only while the counter is not zero).
    private func codeParentLookup(_ link: ForeignKeyLink, row: TriggerRow, amount: Int) throws {
        let done = b.makeLabel()
        if amount < 0 { b.emit(jumpTo: done) { .fkIfZero(deferred: link.key.isDeferred, target: $0) } }
        try codeParentLookup(link, row: row) {
            self.b.emit(.fkCounter(deferred: link.key.isDeferred, amount: amount))
        }
        b.place(done)
    }

    /// Runs `onMissing` when the key of `row` (columns of `link.child`) has no NULL and no
    /// parent row holds it (every such row when the parent table does not exist).
    func codeParentLookup(_ link: ForeignKeyLink, row: TriggerRow, onMissing: () -> Void) throws {
        let done = b.makeLabel()
        for column in link.key.columns {
            let r = register(row, column, of: link.child)
            b.emit(jumpTo: done) { .isNull(register: r, target: $0) }
        }
        if let parent = link.parent, parent.hasRowid {
            // SQLite's lookup: each child value takes the parent column's affinity, then the
            // rowid or the parent's UNIQUE index is searched (F2).
            let pairs = Array(zip(link.parentColumns, link.key.columns))
            if let index = link.parentIndex {
                let cursor = b.allocateCursor()
                b.emit(.openRead(cursor: cursor, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                                 keyInfo: try keyInfo(of: index), database: index.database))
                let key = b.allocateRegisters(index.columns.count)
                for (i, ic) in index.columns.enumerated() {
                    guard let (p, k) = pairs.first(where: { $0.0 == ic.column }) else { continue }
                    b.emit(.sCopy(source: register(row, k, of: link.child), dest: key + i))
                    b.emit(.affinity(start: key + i, affinities: [parent.columns[p].affinity]))
                }
                b.emit(jumpTo: done) { .found(cursor: cursor, key: key, count: index.columns.count, target: $0) }
            } else {
                let cursor = b.allocateCursor()
                b.emit(.openRead(cursor: cursor, root: Int(parent.rootPage), columnCount: parent.columns.count,
                                 database: parent.database))
                let rowid = b.allocateRegister()
                let missing = b.makeLabel()
                b.emit(.sCopy(source: register(row, pairs[0].1, of: link.child), dest: rowid))
                b.emit(.affinity(start: rowid, affinities: [.integer]))
                b.emit(jumpTo: missing) { .mustBeInt(register: rowid, target: $0) }
                b.emit(jumpTo: missing) { .notExists(cursor: cursor, rowid: rowid, target: $0) }
                b.emit(jumpTo: done) { .goto(target: $0) }
                b.place(missing)
            }
        } else if let parent = link.parent {
            let terms = zip(link.parentColumns, link.key.columns).map { p, k in
                "\(quotedIdentifier(parent.columns[p].name)) = new.\(quotedIdentifier(link.child.columns[k].name))"
            }
            let sql = "SELECT 1 FROM \(quotedIdentifier(parent.name)) WHERE " + terms.joined(separator: " AND ")
            try codeBoundSelect(sql, table: link.child, old: nil, new: row, stop: done) {
                self.b.emit(jumpTo: done) { .goto(target: $0) }
            }
        }
        onMissing()
        b.place(done)
    }

    // MARK: PRAGMA foreign_key_check

    /// PRAGMA foreign_key_check[(table)]: one row (table, rowid, parent, fkid) per child row
    /// whose key has no parent, rows in rowid order, constraints by id (F7).
    func codeForeignKeyCheck(_ pragma: Pragma) throws -> [String] {
        var tables: [Table]
        if let name = pragma.value {
            guard let t = c.schema.table(named: name) else { throw DatabaseError(.error, "no such table: \(name)") }
            tables = [t]
        } else {
            // SQLite walks its table hash: newest first while the schema is small.
            tables = c.schema.allTables.reversed()
        }
        c.usesDatabase = true
        for table in tables where !table.foreignKeys.isEmpty && !table.isView {
            let links = table.foreignKeys.indices.reversed().map { foreignKeyLink(child: table, position: $0) }
            for link in links where link.parent != nil {
                if let error = link.error { throw DatabaseError(.error, error) }
            }
            let columns = table.columns.map { quotedIdentifier($0.name) }
            let sql = "SELECT \(table.hasRowid ? "rowid" : "NULL"), \(columns.joined(separator: ", ")) FROM \(quotedIdentifier(table.name))\(table.hasRowid ? " NOT INDEXED" : "")"
            try withRowBinding(sql: sql, name: "", table: table, old: nil, new: nil) { child in
                var parser = Parser(sql: sql)
                guard let (statement, _) = try parser.parseNext(from: 0), case .select(let select) = statement.kind else {
                    preconditionFailure("codegen bug: foreign_key_check text does not parse")
                }
                let resolved = try Resolver(child).resolveSelect(select, outer: nil)
                try codeSelect(resolved) { base, _ in
                    let row = TriggerRow(columns: base + 1, rowid: base)
                    for (id, link) in links.enumerated() {
                        try self.codeParentLookup(link, row: row) {
                            let out = self.b.allocateRegisters(4)
                            self.b.emit(.string8(value: table.name, dest: out))
                            self.b.emit(.sCopy(source: base, dest: out + 1))
                            self.b.emit(.string8(value: link.key.parentTable, dest: out + 2))
                            self.b.emit(.integer(value: id, dest: out + 3))
                            self.b.emit(.resultRow(start: out, count: 4))
                        }
                    }
                }
            }
        }
        return ["table", "rowid", "parent", "fkid"]
    }

    /// Parent side (F3): runs `onRow` for each child row whose key equals the parent key in
    /// `row` (a key with a NULL matches nothing).
    private func codeChildScan(_ link: ForeignKeyLink, row: TriggerRow, onRow: @escaping () -> Void) throws {
        guard let parent = link.parent else { return }
        let terms = zip(link.key.columns, link.parentColumns).map { k, p in
            "\(quotedIdentifier(link.child.columns[k].name)) = new.\(quotedIdentifier(parent.columns[p].name))"
        }
        let sql = "SELECT 1 FROM \(quotedIdentifier(link.child.name)) WHERE " + terms.joined(separator: " AND ")
        try codeBoundSelect(sql, table: parent, old: nil, new: row, stop: nil) { onRow() }
    }

    /// Compiles the one-table SELECT `sql` with OLD / NEW of `table` bound, running `onRow`
    /// for each result row.
    private func codeBoundSelect(_ sql: String, table: Table, old: TriggerRow?, new: TriggerRow?, stop: Label?,
                                 onRow: @escaping () -> Void) throws {
        try withRowBinding(sql: sql, name: "", table: table, old: old, new: new) { child in
            var parser = Parser(sql: sql)
            guard let (statement, _) = try parser.parseNext(from: 0), case .select(let select) = statement.kind else {
                preconditionFailure("codegen bug: foreign key lookup text does not parse")
            }
            let resolved = try Resolver(child).resolveSelect(select, outer: child.triggerScope)
            try codeSelect(resolved, stopLabel: stop) { _, _ in onRow() }
        }
    }

    /// ON DELETE / ON UPDATE CASCADE, SET NULL, SET DEFAULT (F4): the children of the old key
    /// are changed by a statement coded as an AFTER trigger on the parent, as SQLite does: a
    /// sub-program (one per constraint and event in a statement), which may fire itself again
    /// (a self-referencing table) or other actions to any depth (up to SQLite's trigger depth).
    private func codeForeignKeyAction(_ link: ForeignKeyLink, action: ForeignKeyClause.Action,
                                      old: TriggerRow, new: TriggerRow?) throws {
        guard let parent = link.parent else { return }
        let name = "sqlite_fk_\(link.child.name)_\(link.position)_\(new == nil ? "delete" : "update")".lowercasedASCII
        let child = link.child
        let pairs = Array(zip(link.key.columns, link.parentColumns))
        // The parent value compares without affinity (SQLite's action triggers), except a
        // rowid alias (INTEGER affinity, as SQLite's rowid).
        let match = pairs.map { k, p in
            "\(quotedIdentifier(child.columns[k].name)) = \(p == parent.rowidAlias ? "" : "+")old.\(quotedIdentifier(parent.columns[p].name))"
        }.joined(separator: " AND ")
        let body: String
        switch action {
        case .cascade where new == nil:
            body = "DELETE FROM \(quotedIdentifier(child.name)) WHERE \(match)"
        case .cascade:
            let sets = pairs.map { k, p in
                "\(quotedIdentifier(child.columns[k].name)) = new.\(quotedIdentifier(parent.columns[p].name))"
            }
            body = "UPDATE \(quotedIdentifier(child.name)) SET \(sets.joined(separator: ", ")) WHERE \(match)"
        case .setNull, .setDefault:
            let sets = pairs.map { k, _ -> String in
                var value = "NULL"
                if action == .setDefault, let d = child.columns[k].defaultValue, let text = child.sql {
                    value = "(" + d.span.text(in: text) + ")"
                }
                return "\(quotedIdentifier(child.columns[k].name)) = \(value)"
            }
            body = "UPDATE \(quotedIdentifier(child.name)) SET \(sets.joined(separator: ", ")) WHERE \(match)"
        case .restrict, .noAction:
            return
        }
        var when = ""
        if new != nil {
            when = " WHEN " + link.parentColumns.map { p in
                let n = quotedIdentifier(parent.columns[p].name)
                return "old.\(n) IS NOT new.\(n)"
            }.joined(separator: " OR ")
        }
        let event = new == nil ? "DELETE" : "UPDATE"
        let sql = "CREATE TRIGGER \"\(name)\" AFTER \(event) ON \(quotedIdentifier(parent.name))\(when) BEGIN \(body); END"
        var parser = Parser(sql: sql)
        guard let (statement, _) = try parser.parseNext(from: 0), case .createTrigger(let create) = statement.kind else {
            preconditionFailure("codegen bug: foreign key action text does not parse")
        }
        var trigger = Trigger(name: name, tableName: parent.name, timing: .after, event: create.event,
                              when: create.when, body: create.body, sql: sql)
        // Its body names the child in the parent's database, as a trigger of that database does.
        trigger.database = parent.database
        let skip = b.makeLabel()
        try codeTriggerBody(trigger, table: parent, old: old, new: new, skipRow: skip, recursive: true)
        b.place(skip)
    }

    // MARK: DROP TABLE

    /// DROP TABLE of a table in a foreign key: with PRAGMA foreign_keys on, an implicit
    /// DELETE FROM (no triggers of the table; actions run; errors of unenforceable
    /// constraints ignored) before the table goes (F6).
    func codeDropTableForeignKeys(_ table: Table) throws {
        guard hasForeignKeys(table) else { return }
        let off = b.makeLabel()
        b.emit(jumpTo: off) { .fkIfOff(target: $0) }
        let sql = "DELETE FROM \(quotedIdentifier(table.name))"
        if table.isWithoutRowid {
            // The WITHOUT ROWID delete path, with the table's own triggers switched off.
            try withRowBinding(sql: sql, name: "", table: table, old: nil, new: nil) { child in
                child.ignoresForeignKeyErrors = true
                child.activeTriggers.formUnion(c.schema.triggers(on: table).map { $0.name.lowercasedASCII })
                var parser = Parser(sql: sql)
                guard let (statement, _) = try parser.parseNext(from: 0), case .delete(let delete) = statement.kind else {
                    preconditionFailure("codegen bug: DROP TABLE's DELETE does not parse")
                }
                try codeWithoutRowidDelete(delete, table: table, span: statement.span)
            }
        } else {
            try withRowBinding(sql: sql, name: "", table: table, old: nil, new: nil) { _ in
                let cursor = b.allocateCursor()
                let source = SourceItem(table: table, exposedName: table.name, cursor: cursor)
                let rowids = try collectRowids(source: source, condition: nil)
                let w = try openForWrite(table, cursor: cursor)
                try forEachCollectedRowid(rowids, w: w) { rowid in
                    let columns = try self.readRow(w)
                    for (index, ic) in w.indexes {
                        let partial = try self.codePartialIndexSkip(index, table: table, columns: columns, rowid: rowid)
                        let key = try self.codeIndexKey(index, columns: columns, rowid: rowid, table: table)
                        self.b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
                        if let partial { self.b.place(partial) }
                    }
                    self.b.emit(.delete(cursor: w.cursor))
                    try self.codeForeignKeys(table, ForeignKeyChange(old: TriggerRow(columns: columns, rowid: rowid)),
                                             ignoreErrors: true)
                }
            }
        }
        // Immediate violations fail the DROP before the table goes (row changes are undone;
        // a dropped B-tree could not be).
        b.emit(jumpTo: off) { .fkIfZero(deferred: nil, target: $0) }
        b.emit(.halt(code: .constraintForeignKey, constraint: .foreignKey))
        b.place(off)
    }
}
