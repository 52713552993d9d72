// This file implements INSERT, UPDATE and DELETE codegen: column affinity, the rowid alias,
// defaults, NOT NULL and UNIQUE checks through the automatic indexes, index maintenance.
// Layer: L5. Spec: Spec/L5-sql.md §Codegen (invariants C1-C8).
import LoomBase
import LoomRecord
import LoomVDBE

/// Cursors of a table and its indexes opened for writing.
struct WriteTarget {
    var table: Table
    var cursor: Int
    var indexes: [(index: Index, cursor: Int)]
}

/// Registers of an AUTOINCREMENT table's sqlite_sequence row while rows are inserted.
struct AutoincrementState {
    var cursor: Int
    /// The largest rowid used so far (sqlite_sequence.seq, 0 when there is no row).
    var sequence: Int
    /// The rowid of the table's sqlite_sequence row, NULL when it has none yet.
    var rowRowid: Int
    var tableName: String
}

extension Codegen {
    /// Reads the sqlite_sequence entry of an AUTOINCREMENT table.
    func autoincrementSetup(_ table: Table) throws -> AutoincrementState? {
        guard table.hasAutoincrement else { return nil }
        guard let seqTable = c.schema.table(named: "sqlite_sequence") else {
            throw DatabaseError.corrupt(page: nil, "sqlite_sequence missing")
        }
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: Int(seqTable.rootPage), columnCount: 2))
        let seq = b.allocateRegister(), rowRowid = b.allocateRegister()
        let name = b.allocateRegister(), wanted = b.allocateRegister()
        b.emit(.integer(value: 0, dest: seq))
        b.emit(.null(dest: rowRowid))
        b.emit(.string8(value: table.name, dest: wanted))
        let done = b.makeLabel(), next = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        b.emit(.column(cursor: cursor, column: 0, dest: name))
        b.emit(jumpTo: next) { .ne(lhs: wanted, rhs: name, target: $0, jumpIfNull: true) }
        b.emit(.column(cursor: cursor, column: 1, dest: seq))
        b.emit(.rowid(cursor: cursor, dest: rowRowid))
        b.emit(jumpTo: done) { .goto(target: $0) }
        b.place(next)
        b.emit(.next(cursor: cursor, target: top))
        b.place(done)
        return AutoincrementState(cursor: cursor, sequence: seq, rowRowid: rowRowid, tableName: table.name)
    }

    /// Writes the largest rowid back to sqlite_sequence.
    func autoincrementFinish(_ state: AutoincrementState?) {
        guard let state else { return }
        let row = b.allocateRegisters(2)
        b.emit(.string8(value: state.tableName, dest: row))
        b.emit(.sCopy(source: state.sequence, dest: row + 1))
        let rec = b.allocateRegister()
        b.emit(.makeRecord(start: row, count: 2, dest: rec))
        let have = b.makeLabel()
        b.emit(jumpTo: have) { .notNull(register: state.rowRowid, target: $0) }
        b.emit(.newRowid(cursor: state.cursor, dest: state.rowRowid))
        b.place(have)
        b.emit(.insert(cursor: state.cursor, record: rec, rowid: state.rowRowid))
    }

    /// The KeyInfo of an index: its columns then the rowid.
    func keyInfo(of index: Index) throws -> KeyInfo {
        var collations: [Collation] = []
        var descending: [Bool] = []
        for col in index.columns {
            collations.append(try collation(named: col.collation) ?? .binary)
            descending.append(col.descending)
        }
        collations.append(.binary)
        descending.append(false)
        return KeyInfo(collations: collations, descending: descending)
    }

    /// Opens `table` and all its indexes for writing.
    func openForWrite(_ table: Table, cursor: Int? = nil) throws -> WriteTarget {
        c.writes = true
        c.usesDatabase = true
        let tc = cursor ?? b.allocateCursor()
        // A cursor that scanned the table in a first pass is reopened for writing.
        if cursor != nil { b.emit(.close(cursor: tc)) }
        cursorTables[tc] = table
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: table.columns.count))
        var indexes: [(Index, Int)] = []
        for index in c.schema.indexes(on: table.name) {
            let ic = b.allocateCursor()
            b.emit(.openWrite(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                              keyInfo: try keyInfo(of: index)))
            indexes.append((index, ic))
        }
        return WriteTarget(table: table, cursor: tc, indexes: indexes)
    }

    /// Registers `key ..< key + n + 1` = the index key of the row in `columns` (+ rowid).
    func codeIndexKey(_ index: Index, columns: Int, rowid: Int, table: Table) -> Int {
        let key = b.allocateRegisters(index.columns.count + 1)
        for (i, col) in index.columns.enumerated() {
            if col.column < 0 || col.column == table.rowidAlias {
                b.emit(.sCopy(source: rowid, dest: key + i))
            } else {
                b.emit(.sCopy(source: columns + col.column, dest: key + i))
            }
        }
        b.emit(.sCopy(source: rowid, dest: key + index.columns.count))
        return key
    }

    /// "t.a, t.b" for a UNIQUE constraint message.
    func constraintColumns(_ index: Index, _ table: Table) -> String {
        index.columns.map { col in
            "\(table.name).\(col.column >= 0 && col.column < table.columns.count ? table.columns[col.column].name : "rowid")"
        }.joined(separator: ", ")
    }

    /// Checks NOT NULL and UNIQUE for the new row in `columns` (affinity applied) with rowid
    /// `rowid`; for UPDATE, `oldRowid` is the row's own rowid (its own entries do not conflict).
    func codeConstraintChecks(_ w: WriteTarget, columns: Int, rowid: Int, oldRowid: Int?,
                              onConflict: ConflictResolution?, skipRow: Label) throws {
        let table = w.table
        let ignore = onConflict == .ignore
        for (i, col) in table.columns.enumerated() where col.notNull && i != table.rowidAlias {
            if onConflict == .replace, let d = col.defaultValue {
                let ok = b.makeLabel()
                b.emit(jumpTo: ok) { .notNull(register: columns + i, target: $0) }
                try code(try defaultExpr(d, column: col), into: columns + i)
                b.place(ok)
            }
            if ignore {
                b.emit(jumpTo: skipRow) { .isNull(register: columns + i, target: $0) }
            } else {
                b.emit(.haltIfNull(register: columns + i, code: .constraintNotNull, action: .abort,
                                   message: "\(table.name).\(col.name)", constraint: .notNull))
            }
        }
        for (index, cursor) in w.indexes where index.isUnique {
            let key = codeIndexKey(index, columns: columns, rowid: rowid, table: table)
            let ok = b.makeLabel()
            let n = index.columns.count
            b.emit(jumpTo: ok) { .noConflict(cursor: cursor, key: key, count: n, target: $0) }
            if let oldRowid {
                let other = b.allocateRegister()
                b.emit(.idxRowid(cursor: cursor, dest: other))
                b.emit(jumpTo: ok) { .eq(lhs: other, rhs: oldRowid, target: $0) }
            }
            if ignore {
                b.emit(jumpTo: skipRow) { .goto(target: $0) }
            } else if onConflict == .replace {
                let other = b.allocateRegister()
                b.emit(.idxRowid(cursor: cursor, dest: other))
                b.emit(jumpTo: ok) { .notExists(cursor: w.cursor, rowid: other, target: $0) }
                try deleteCurrentRow(w, rowid: other)
            } else {
                let code: ResultCode = index.origin == .primaryKey ? .constraintPrimaryKey : .constraintUnique
                b.emit(.halt(code: code, action: .abort, message: constraintColumns(index, table), constraint: .unique))
            }
            b.place(ok)
        }
    }

    // MARK: INSERT

    func codeInsert(_ insert: Insert, span: SourceSpan) throws {
        guard insert.schema == nil || insert.schema?.equalsIgnoringCase("main") == true else {
            throw c.error("no such table: \(insert.schema ?? "").\(insert.table)", at: span)
        }
        guard let table = c.schema.table(named: insert.table) else {
            throw c.error("no such table: \(insert.table)", at: span)
        }
        if table.isSchemaTable { throw c.error("table \(table.name) may not be modified", at: span) }
        if table.isView { throw c.error("cannot modify \(table.name) because it is a view", at: span) }
        if table.isWithoutRowid { throw c.error("WITHOUT ROWID tables are not supported yet", at: span) }
        if !insert.upserts.isEmpty { throw c.error("UPSERT is not supported yet", at: span) }
        // Which table column each supplied value feeds (-1: the rowid).
        var targets: [Int] = []
        if let names = insert.columns {
            for name in names {
                if let i = table.columnIndex(named: name) { targets.append(i) }
                else if Codegen.isRowidName(name) && table.hasRowid { targets.append(-1) }
                else { throw c.error("table \(table.name) has no column named \(name)", at: span) }
            }
        } else {
            targets = Array(table.columns.indices)
        }
        let resolver = Resolver(c)
        let returning = try prepareReturning(insert.returning, table: table, alias: insert.alias, span: span)
        defer { finishReturning(returning) }
        switch insert.source {
        case .defaultValues:
            let w = try openForWrite(table)
            let auto = try autoincrementSetup(table)
            try codeInsertRow(w, targets: [], onConflict: insert.orConflict, autoincrement: auto,
                              returning: returning) { _, _ in }
            autoincrementFinish(auto)
        case .select(var select):
            if let with = insert.with {
                // WITH … INSERT … SELECT: the common tables belong to the SELECT.
                if let inner = select.with {
                    select.with = WithClause(recursive: with.recursive || inner.recursive, tables: with.tables + inner.tables)
                } else {
                    select.with = with
                }
            }
            if select.compounds.isEmpty, select.orderBy.isEmpty, select.limit == nil, select.with == nil,
               case .values(let rows) = select.first {
                // INSERT … VALUES: each row coded in line.
                let w = try openForWrite(table)
                for row in rows {
                    if row.count != targets.count {
                        if insert.columns == nil {
                            throw c.error("table \(table.name) has \(table.columns.count) columns but \(row.count) values were supplied", at: span)
                        }
                        throw c.error("\(row.count) values for \(targets.count) columns", at: span)
                    }
                }
                let auto = try autoincrementSetup(table)
                for row in rows {
                    let values = try row.map { try resolver.resolve($0, in: c.triggerScope, context: .values) }
                    try codeInsertRow(w, targets: targets, onConflict: insert.orConflict, autoincrement: auto,
                                      returning: returning) { i, dest in
                        try self.code(values[i], into: dest)
                    }
                }
                autoincrementFinish(auto)
            } else {
                let resolved = try resolver.resolveSelect(select, outer: c.triggerScope)
                if resolved.resultColumns.count != targets.count {
                    if insert.columns == nil {
                        throw c.error("table \(table.name) has \(table.columns.count) columns but \(resolved.resultColumns.count) values were supplied", at: span)
                    }
                    throw c.error("\(resolved.resultColumns.count) values for \(targets.count) columns", at: span)
                }
                // Rows go through an ephemeral table first (the select may read the target).
                let temp = b.allocateCursor()
                let width = max(targets.count, 1)
                b.emit(.openEphemeral(cursor: temp, columnCount: width))
                let rec = b.allocateRegister(), tempRowid = b.allocateRegister()
                try codeSelect(resolved) { base, count in
                    self.b.emit(.makeRecord(start: base, count: count, dest: rec))
                    self.b.emit(.newRowid(cursor: temp, dest: tempRowid))
                    self.b.emit(.insert(cursor: temp, record: rec, rowid: tempRowid))
                }
                let w = try openForWrite(table)
                let auto = try autoincrementSetup(table)
                let done = b.makeLabel()
                b.emit(jumpTo: done) { .rewind(cursor: temp, target: $0) }
                let top = b.currentAddress
                try codeInsertRow(w, targets: targets, onConflict: insert.orConflict, autoincrement: auto,
                                  returning: returning) { i, dest in
                    self.b.emit(.column(cursor: temp, column: i, dest: dest))
                }
                b.emit(.next(cursor: temp, target: top))
                b.place(done)
                autoincrementFinish(auto)
            }
        }
    }

    static func isRowidName(_ name: String) -> Bool {
        let l = name.lowercasedASCII
        return l == "rowid" || l == "oid" || l == "_rowid_"
    }

    /// Codes one inserted row: `value(k, dest)` codes supplied value k into `dest`.
    func codeInsertRow(_ w: WriteTarget, targets: [Int], onConflict: ConflictResolution?,
                       autoincrement: AutoincrementState? = nil, returning: ReturningState? = nil,
                       value: (Int, Int) throws -> Void) throws {
        let table = w.table
        let n = table.columns.count
        let rowid = b.allocateRegister()
        let columns = b.allocateRegisters(n)
        let skipRow = b.makeLabel()
        var rowidSupplied: Int? = nil
        var supplied = Array<Int?>(repeating: nil, count: n)
        for (k, t) in targets.enumerated() {
            if t < 0 || t == table.rowidAlias { rowidSupplied = k } else { supplied[t] = k }
        }
        for i in 0..<n where i != table.rowidAlias {
            if let k = supplied[i] {
                try value(k, columns + i)
            } else if let d = table.columns[i].defaultValue {
                try code(try defaultExpr(d, column: table.columns[i]), into: columns + i)
            } else {
                b.emit(.null(dest: columns + i))
            }
        }
        if let alias = table.rowidAlias { b.emit(.null(dest: columns + alias)) }
        // The rowid: supplied (must be an integer) or new.
        if let k = rowidSupplied {
            try value(k, rowid)
            let have = b.makeLabel(), ready = b.makeLabel()
            b.emit(jumpTo: have) { .notNull(register: rowid, target: $0) }
            b.emit(.newRowid(cursor: w.cursor, dest: rowid))
            codeAutoincrementRowid(rowid, autoincrement)
            b.emit(jumpTo: ready) { .goto(target: $0) }
            b.place(have)
            b.emit(.mustBeInt(register: rowid))
            let free = b.makeLabel()
            b.emit(jumpTo: free) { .notExists(cursor: w.cursor, rowid: rowid, target: $0) }
            if onConflict == .ignore {
                b.emit(jumpTo: skipRow) { .goto(target: $0) }
            } else if onConflict == .replace {
                try deleteCurrentRow(w, rowid: rowid)
            } else {
                let name = table.rowidAlias.map { table.columns[$0].name } ?? "rowid"
                b.emit(.halt(code: .constraintPrimaryKey, action: .abort, message: "\(table.name).\(name)",
                             constraint: .unique))
            }
            b.place(free)
            b.place(ready)
        } else {
            b.emit(.newRowid(cursor: w.cursor, dest: rowid))
            codeAutoincrementRowid(rowid, autoincrement)
        }
        if n > 0 { b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
        try fireTriggers(table, .insert, timing: .before, old: nil, new: TriggerRow(columns: columns, rowid: rowid),
                         skipRow: skipRow)
        try codeConstraintChecks(w, columns: columns, rowid: rowid, oldRowid: nil, onConflict: onConflict,
                                 skipRow: skipRow)
        for (index, cursor) in w.indexes {
            let key = codeIndexKey(index, columns: columns, rowid: rowid, table: table)
            let rec = b.allocateRegister()
            b.emit(.makeRecord(start: key, count: index.columns.count + 1, dest: rec))
            b.emit(.idxInsert(cursor: cursor, record: rec))
        }
        let record = b.allocateRegister()
        b.emit(.makeRecord(start: columns, count: n, dest: record))
        b.emit(.insert(cursor: w.cursor, record: record, rowid: rowid,
                       flags: c.countsChanges ? [.countChanges, .lastRowid] : [], table: table.name))
        try emitReturningRow(returning, columns: columns, rowid: rowid)
        try fireTriggers(table, .insert, timing: .after, old: nil, new: TriggerRow(columns: columns, rowid: rowid),
                         skipRow: skipRow)
        if let autoincrement {
            let smaller = b.makeLabel()
            b.emit(jumpTo: smaller) { .le(lhs: rowid, rhs: autoincrement.sequence, target: $0) }
            b.emit(.sCopy(source: rowid, dest: autoincrement.sequence))
            b.place(smaller)
        }
        b.place(skipRow)
    }

    /// A new rowid of an AUTOINCREMENT table is above every rowid it ever had.
    private func codeAutoincrementRowid(_ rowid: Int, _ state: AutoincrementState?) {
        guard let state else { return }
        let ok = b.makeLabel()
        b.emit(jumpTo: ok) { .gt(lhs: rowid, rhs: state.sequence, target: $0) }
        b.emit(.sCopy(source: state.sequence, dest: rowid))
        b.emit(.addImm(register: rowid, value: 1))
        b.place(ok)
    }

    /// The resolved DEFAULT expression of a column (an identifier default is its name as text).
    func defaultExpr(_ e: Expr, column: Column) throws -> RExpr {
        if case .column(let ref) = e.kind, ref.table == nil { return .text(ref.column) }
        return try Resolver(c).resolve(e, in: nil, context: .values)
    }

    /// Deletes the row the table cursor is on (rowid in `rowid`) with its index entries,
    /// without counting it as a change (REPLACE).
    func deleteCurrentRow(_ w: WriteTarget, rowid: Int) throws {
        let columns = try readRow(w)
        for (index, ic) in w.indexes {
            let key = codeIndexKey(index, columns: columns, rowid: rowid, table: w.table)
            b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
        }
        b.emit(.delete(cursor: w.cursor))
    }

    // MARK: DELETE

    func codeDelete(_ delete: Delete, span: SourceSpan) throws {
        guard let table = c.schema.table(named: delete.table.name) else {
            throw c.error("no such table: \(delete.table.name)", at: span)
        }
        if table.isSchemaTable { throw c.error("table \(table.name) may not be modified", at: span) }
        if table.isView { throw c.error("cannot modify \(table.name) because it is a view", at: span) }
        if table.isWithoutRowid { throw c.error("WITHOUT ROWID tables are not supported yet", at: span) }
        c.writes = true
        c.usesDatabase = true
        let returning = try prepareReturning(delete.returning, table: table, alias: delete.table.alias, span: span)
        defer { finishReturning(returning) }
        if delete.where == nil && returning == nil && !hasTriggers(table, .delete)
            && delete.limit == nil && delete.orderBy.isEmpty {
            // DELETE without WHERE: clear the table and its indexes.
            b.emit(.clear(root: Int(table.rootPage), countChanges: c.countsChanges))
            for index in c.schema.indexes(on: table.name) { b.emit(.clear(root: Int(index.rootPage))) }
            return
        }
        let cursor = b.allocateCursor()
        let source = SourceItem(table: table, exposedName: delete.table.alias ?? table.name, cursor: cursor)
        let scope = Scope(sources: [source], parent: c.triggerScope)
        let resolver = Resolver(c)
        let condition = try delete.where.map { try resolver.resolve($0, in: scope, context: .whereClause) }
        // Pass 1: the rowids of the rows to delete.
        let limited = try limitClause(delete.orderBy, delete.limit, scope: scope, statement: "DELETE")
        let rowids = try collectRowids(source: source, condition: condition, limited: limited)
        // Pass 2: delete each row and its index entries.
        let w = try openForWrite(table, cursor: cursor)
        try forEachCollectedRowid(rowids, w: w) { rowid in
            let columns = try self.readRow(w)
            let skipRow = self.b.makeLabel()
            if self.hasTriggers(table, .delete) {
                try self.fireTriggers(table, .delete, timing: .before, old: TriggerRow(columns: columns, rowid: rowid),
                                      new: nil, skipRow: skipRow)
                self.b.emit(jumpTo: skipRow) { .notExists(cursor: w.cursor, rowid: rowid, target: $0) }
            }
            try self.emitReturningRow(returning, columns: columns, rowid: rowid)
            for (index, ic) in w.indexes {
                let key = self.codeIndexKey(index, columns: columns, rowid: rowid, table: table)
                self.b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
            }
            self.b.emit(.delete(cursor: w.cursor, flags: self.c.countsChanges ? [.countChanges] : [], table: table.name))
            try self.fireTriggers(table, .delete, timing: .after, old: TriggerRow(columns: columns, rowid: rowid),
                                  new: nil, skipRow: skipRow)
            self.b.place(skipRow)
        }
    }

    /// Scans `source` and stores the rowid of every row matching `condition` in an
    /// ephemeral table; returns its cursor.
    func collectRowids(source: SourceItem, condition: RExpr?, limited: LimitClause? = nil) throws -> Int {
        let set = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: 1))
        let plan = WherePlanner.plan(sources: [source], whereClause: condition, schema: c.schema)
        let rowid = b.allocateRegister(), rec = b.allocateRegister()
        if let limited {
            // ORDER BY / LIMIT / OFFSET choose the rows (through a select's output stage);
            // as in SQLite (`rowid IN (SELECT rowid … ORDER BY … LIMIT …)`), they are then
            // changed in rowid order.
            let end = b.makeLabel()
            let output = OutputStage(g: self, columnCount: 1, end: end) { base, _ in
                self.b.emit(.makeRecord(start: base, count: 1, dest: rec))
                self.b.emit(.insert(cursor: set, record: rec, rowid: base))
            }
            try output.prepare(limit: limited.limit, offset: limited.offset, orderBy: limited.orderBy,
                               orderColumns: limited.orderBy.map { _ in nil })
            try codeLoops(plan) {
                self.b.emit(.rowid(cursor: source.cursor, dest: rowid))
                try output.emit(rowid)
            }
            try output.finish()
            b.place(end)
            return set
        }
        try codeLoops(plan) {
            self.b.emit(.rowid(cursor: source.cursor, dest: rowid))
            self.b.emit(.makeRecord(start: rowid, count: 1, dest: rec))
            self.b.emit(.insert(cursor: set, record: rec, rowid: rowid))
        }
        return set
    }

    /// Loops over the collected rowids, positioning the table cursor on each.
    func forEachCollectedRowid(_ set: Int, w: WriteTarget, body: (Int) throws -> Void) throws {
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        let rowid = b.allocateRegister()
        let next = b.makeLabel()
        b.emit(.rowid(cursor: set, dest: rowid))
        b.emit(jumpTo: next) { .notExists(cursor: w.cursor, rowid: rowid, target: $0) }
        try body(rowid)
        b.place(next)
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }

    /// Reads every column of the table cursor's current row into new registers.
    func readRow(_ w: WriteTarget) throws -> Int {
        let n = w.table.columns.count
        let columns = b.allocateRegisters(n)
        for i in 0..<n {
            if i == w.table.rowidAlias { b.emit(.rowid(cursor: w.cursor, dest: columns + i)) }
            else {
                b.emit(.column(cursor: w.cursor, column: i, dest: columns + i, default: columnDefault(w.table, i)))
                if w.table.columns[i].affinity == .real { b.emit(.realAffinity(register: columns + i)) }
            }
        }
        return columns
    }

    // MARK: UPDATE

    func codeUpdate(_ update: Update, span: SourceSpan) throws {
        guard let table = c.schema.table(named: update.table.name) else {
            throw c.error("no such table: \(update.table.name)", at: span)
        }
        if table.isSchemaTable { throw c.error("table \(table.name) may not be modified", at: span) }
        if table.isView { throw c.error("cannot modify \(table.name) because it is a view", at: span) }
        if table.isWithoutRowid { throw c.error("WITHOUT ROWID tables are not supported yet", at: span) }
        if update.from != nil { throw c.error("UPDATE FROM is not supported yet", at: span) }
        if update.orConflict == .replace { throw c.error("UPDATE OR REPLACE is not supported yet", at: span) }
        let cursor = b.allocateCursor()
        let source = SourceItem(table: table, exposedName: update.table.alias ?? table.name, cursor: cursor)
        let scope = Scope(sources: [source], parent: c.triggerScope)
        let resolver = Resolver(c)
        // SET targets (-1: the rowid), last assignment wins.
        var assignments: [(column: Int, value: RExpr)] = []
        for set in update.sets {
            if set.columns.count != 1 { throw c.error("row value misused", at: set.value.span) }
            let name = set.columns[0]
            var target: Int
            if let i = table.columnIndex(named: name) { target = i }
            else if Codegen.isRowidName(name) { target = -1 }
            else { throw c.error("no such column: \(name)", at: set.value.span) }
            if target == table.rowidAlias { target = -1 }
            assignments.append((target, try resolver.resolve(set.value, in: scope, context: .general)))
        }
        let condition = try update.where.map { try resolver.resolve($0, in: scope, context: .whereClause) }
        c.writes = true
        let returning = try prepareReturning(update.returning, table: table, alias: update.table.alias, span: span)
        defer { finishReturning(returning) }
        let limited = try limitClause(update.orderBy, update.limit, scope: scope, statement: "UPDATE")
        let rowids = try collectRowids(source: source, condition: condition, limited: limited)
        let w = try openForWrite(table, cursor: cursor)
        let n = table.columns.count
        try forEachCollectedRowid(rowids, w: w) { oldRowid in
            let skipRow = self.b.makeLabel()
            let old = try self.readRow(w)
            // New values, computed with the cursor on the old row.
            let columns = self.b.allocateRegisters(n)
            let newRowid = self.b.allocateRegister()
            var rowidValue: RExpr? = nil
            var newValue = Array<RExpr?>(repeating: nil, count: n)
            for a in assignments { if a.column < 0 { rowidValue = a.value } else { newValue[a.column] = a.value } }
            for i in 0..<n where i != table.rowidAlias {
                if let v = newValue[i] { try self.code(v, into: columns + i) }
                else { self.b.emit(.sCopy(source: old + i, dest: columns + i)) }
            }
            if let alias = table.rowidAlias { self.b.emit(.null(dest: columns + alias)) }
            if let rv = rowidValue {
                try self.code(rv, into: newRowid)
                self.b.emit(.mustBeInt(register: newRowid))
            } else {
                self.b.emit(.sCopy(source: oldRowid, dest: newRowid))
            }
            if n > 0 { self.b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
            if rowidValue != nil {
                // A changed rowid must be free; then come back to the old row.
                let same = self.b.makeLabel(), free = self.b.makeLabel()
                self.b.emit(jumpTo: same) { .eq(lhs: newRowid, rhs: oldRowid, target: $0) }
                self.b.emit(jumpTo: free) { .notExists(cursor: w.cursor, rowid: newRowid, target: $0) }
                if update.orConflict == .ignore {
                    self.b.emit(jumpTo: skipRow) { .goto(target: $0) }
                } else {
                    let name = table.rowidAlias.map { table.columns[$0].name } ?? "rowid"
                    self.b.emit(.halt(code: .constraintPrimaryKey, action: .abort,
                                      message: "\(table.name).\(name)", constraint: .unique))
                }
                self.b.place(free)
                self.b.emit(jumpTo: skipRow) { .notExists(cursor: w.cursor, rowid: oldRowid, target: $0) }
                self.b.place(same)
            }
            let event = TriggerEvent.update(assignments.map(\.column))
            if self.hasTriggers(table, event) {
                try self.fireTriggers(table, event, timing: .before, old: TriggerRow(columns: old, rowid: oldRowid),
                                      new: TriggerRow(columns: columns, rowid: newRowid), skipRow: skipRow)
                self.b.emit(jumpTo: skipRow) { .notExists(cursor: w.cursor, rowid: oldRowid, target: $0) }
            }
            try self.codeConstraintChecks(w, columns: columns, rowid: newRowid, oldRowid: oldRowid,
                                          onConflict: update.orConflict, skipRow: skipRow)
            for (index, ic) in w.indexes {
                let key = self.codeIndexKey(index, columns: old, rowid: oldRowid, table: table)
                self.b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
            }
            if rowidValue != nil {
                let same = self.b.makeLabel()
                self.b.emit(jumpTo: same) { .eq(lhs: newRowid, rhs: oldRowid, target: $0) }
                self.b.emit(.delete(cursor: w.cursor, flags: [], table: nil))
                self.b.place(same)
            }
            for (index, ic) in w.indexes {
                let key = self.codeIndexKey(index, columns: columns, rowid: newRowid, table: table)
                let rec = self.b.allocateRegister()
                self.b.emit(.makeRecord(start: key, count: index.columns.count + 1, dest: rec))
                self.b.emit(.idxInsert(cursor: ic, record: rec))
            }
            let record = self.b.allocateRegister()
            self.b.emit(.makeRecord(start: columns, count: n, dest: record))
            self.b.emit(.insert(cursor: w.cursor, record: record, rowid: newRowid,
                                flags: self.c.countsChanges ? [.countChanges, .isUpdate] : [.isUpdate], table: table.name))
            try self.emitReturningRow(returning, columns: columns, rowid: newRowid)
            try self.fireTriggers(table, event, timing: .after, old: TriggerRow(columns: old, rowid: oldRowid),
                                  new: TriggerRow(columns: columns, rowid: newRowid), skipRow: skipRow)
            self.b.place(skipRow)
        }
    }
}

/// The resolved ORDER BY / LIMIT / OFFSET of an UPDATE or DELETE.
struct LimitClause {
    var orderBy: [OrderTerm]
    var limit: RExpr?
    var offset: RExpr?
}

extension Codegen {
    /// Resolves UPDATE/DELETE … ORDER BY … LIMIT … (nil when neither is given). As in
    /// SQLite, ORDER BY without LIMIT is an error.
    func limitClause(_ orderBy: [OrderingTerm], _ limit: Limit?, scope: Scope,
                     statement: String) throws -> LimitClause? {
        if orderBy.isEmpty && limit == nil { return nil }
        guard let limit else { throw c.error("ORDER BY without LIMIT on \(statement)", at: nil) }
        let resolver = Resolver(c)
        var terms: [OrderTerm] = []
        for term in orderBy {
            let e = try resolver.resolve(term.expr, in: scope, context: .orderBy)
            let nullsFirst: Bool? = term.nulls.map { $0 == .first }
            terms.append(OrderTerm(expr: e, descending: term.order == .descending, nullsFirst: nullsFirst))
        }
        let l = try resolver.resolve(limit.limit, in: c.triggerScope, context: .limit)
        let o = try limit.offset.map { try resolver.resolve($0, in: c.triggerScope, context: .limit) }
        return LimitClause(orderBy: terms, limit: l, offset: o)
    }
}
