// This file implements the storage model of WITHOUT ROWID tables for the planner and codegen:
// the table's own index B-tree seen as an index (PRIMARY KEY columns, then the rest), and the
// PRIMARY KEY suffix of its secondary indexes. Layer: L5. Spec: Spec/L5-sql.md §WITHOUT ROWID.
import LoomBase
import LoomRecord
import LoomVDBE

extension Table {
    /// The PRIMARY KEY columns of a WITHOUT ROWID table as stored: later repeats of a column
    /// with the same collation are dropped (fileformat2.html §2.4.1).
    package var withoutRowidKeyColumns: [IndexColumn] {
        var out: [IndexColumn] = []
        for col in primaryKeyColumns where !out.contains(where: { sameIndexColumn($0, col) }) {
            out.append(col)
        }
        return out
    }

    /// The record of a WITHOUT ROWID table: the key columns, then every other stored column in
    /// table order (withoutrowid.html, fileformat2.html §2.4).
    package var withoutRowidRecordColumns: [IndexColumn] {
        var out = withoutRowidKeyColumns
        for (i, col) in columns.enumerated() where !out.contains(where: { $0.column == i }) {
            out.append(IndexColumn(column: i, collation: col.collation))
        }
        return out
    }

    /// The table's own B-tree described as an index over the whole record: what the planner
    /// walks for full scans and PRIMARY KEY lookups (always covering).
    package var withoutRowidPrimaryIndex: Index {
        Index(name: "sqlite_autoindex_\(name)_1", tableName: name, columns: withoutRowidRecordColumns,
              isUnique: true, rootPage: rootPage, sql: nil, origin: .primaryKey)
    }

    /// `index` (a secondary index of this WITHOUT ROWID table) with its stored PRIMARY KEY
    /// suffix: the key columns not already in the index with the same collation (§2.5.1).
    package func withoutRowidSecondary(_ index: Index) -> Index {
        var extended = index
        for col in withoutRowidKeyColumns where !index.columns.contains(where: { sameIndexColumn($0, col) }) {
            extended.columns.append(IndexColumn(column: col.column, collation: col.collation))
        }
        return extended
    }

    /// True when a WITHOUT ROWID table has columns this version cannot read from its record.
    package var withoutRowidUnsupported: Bool {
        columns.contains { $0.generated != nil && !$0.isStored }
    }
}

/// Same table column with the same collation (BINARY when none), as SQLite compares key columns.
private func sameIndexColumn(_ a: IndexColumn, _ b: IndexColumn) -> Bool {
    a.column == b.column && (a.collation ?? "BINARY").uppercasedASCII == (b.collation ?? "BINARY").uppercasedASCII
}

extension Codegen {
    /// Opens a WITHOUT ROWID table's B-tree on `cursor` (an index cursor over its record) and
    /// routes its column reads to record positions (the caller clears `coveringReads` after).
    func openWithoutRowid(_ table: Table, cursor: Int, write: Bool) throws {
        let index = table.withoutRowidPrimaryIndex
        let info = try keyInfo(of: index)
        if write {
            b.emit(.openWrite(cursor: cursor, root: Int(table.rootPage), columnCount: index.columns.count,
                              keyInfo: info, database: table.database))
        } else {
            b.emit(.openRead(cursor: cursor, root: Int(table.rootPage), columnCount: index.columns.count,
                             keyInfo: info, database: table.database))
        }
        var positions: [Int: Int] = [:]
        for (p, col) in index.columns.enumerated() where positions[col.column] == nil { positions[col.column] = p }
        coveringReads[cursor] = (cursor, positions)
    }
}

extension Codegen {
    /// The parts of INSERT a WITHOUT ROWID table does not support yet (nil when all is fine).
    func withoutRowidInsertUnsupported(_ insert: Insert, table: Table) -> String? {
        if table.hasGenerated { return "generated columns in WITHOUT ROWID tables are not supported yet" }
        if !insert.upserts.isEmpty { return "UPSERT on a WITHOUT ROWID table is not supported yet" }
        if !insert.returning.isEmpty { return "RETURNING on a WITHOUT ROWID table is not supported yet" }
        if insert.orConflict == .replace { return "INSERT OR REPLACE on a WITHOUT ROWID table is not supported yet" }
        if !matchingTriggers(table, .insert, timing: .before).isEmpty || !matchingTriggers(table, .insert, timing: .after).isEmpty {
            return "triggers on a WITHOUT ROWID table are not supported yet"
        }
        if c.schema.indexes(on: table).contains(where: { $0.whereClause != nil }) {
            return "partial indexes on a WITHOUT ROWID table are not supported yet"
        }
        return nil
    }

    /// Opens a WITHOUT ROWID table (an index B-tree over its record) and its secondary indexes
    /// (key columns + PRIMARY KEY suffix) for writing.
    func openWithoutRowidForWrite(_ table: Table, cursor tc: Int) throws -> WriteTarget {
        let primary = table.withoutRowidPrimaryIndex
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: primary.columns.count,
                          keyInfo: try keyInfo(of: primary), database: table.database))
        var indexes: [(Index, Int)] = []
        for index in c.schema.indexes(on: table) {
            let stored = table.withoutRowidSecondary(index)
            let ic = b.allocateCursor()
            b.emit(.openWrite(cursor: ic, root: Int(index.rootPage), columnCount: stored.columns.count,
                              keyInfo: try keyInfo(of: stored), database: index.database))
            indexes.append((index, ic))
        }
        return WriteTarget(table: table, cursor: tc, indexes: indexes)
    }

    /// Codes one row inserted into a WITHOUT ROWID table: values, affinity, NOT NULL (every
    /// key column is NOT NULL), STRICT and CHECK, PRIMARY KEY and UNIQUE conflicts (ABORT,
    /// FAIL, ROLLBACK or IGNORE), then the index entries and the table record.
    func codeWithoutRowidInsertRow(_ w: WriteTarget, targets: [Int], onConflict: ConflictResolution?,
                                   value: (Int, Int) throws -> Void) throws {
        let table = w.table
        let n = table.columns.count
        let columns = b.allocateRegisters(max(n, 1))
        let skipRow = b.makeLabel()
        var supplied = Array<Int?>(repeating: nil, count: n)
        for (k, t) in targets.enumerated() where t >= 0 && t < n { supplied[t] = k }
        for i in 0..<n {
            if let k = supplied[i] {
                try value(k, columns + i)
            } else if let d = table.columns[i].defaultValue {
                try code(try defaultExpr(d, column: table.columns[i]), into: columns + i)
            } else {
                b.emit(.null(dest: columns + i))
            }
        }
        if n > 0 { b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
        let ignore = onConflict == .ignore
        let action = Codegen.haltAction(onConflict)
        for (i, col) in table.columns.enumerated() where col.notNull || col.isPrimaryKey {
            if ignore {
                b.emit(jumpTo: skipRow) { .isNull(register: columns + i, target: $0) }
            } else {
                b.emit(.haltIfNull(register: columns + i, code: .constraintNotNull, action: action,
                                   message: "\(table.name).\(col.name)", constraint: .notNull))
            }
        }
        if table.isStrict { codeStrictTypeChecks(table, columns: columns) }
        let noRowid = b.allocateRegister()
        b.emit(.null(dest: noRowid))
        try codeCheckConstraints(table, columns: columns, rowid: noRowid, ignore: ignore, skipRow: skipRow, action: action)
        // The record: key columns first, then the rest in table order.
        let recordColumns = table.withoutRowidRecordColumns
        let record = b.allocateRegisters(recordColumns.count)
        for (p, col) in recordColumns.enumerated() { b.emit(.sCopy(source: columns + col.column, dest: record + p)) }
        let keyCount = table.withoutRowidKeyColumns.count
        let keyName = table.withoutRowidKeyColumns.map { "\(table.name).\(table.columns[$0.column].name)" }
            .joined(separator: ", ")
        func conflict(cursor: Int, key: Int, count: Int, code: ResultCode, message: String) {
            let ok = b.makeLabel()
            b.emit(jumpTo: ok) { .noConflict(cursor: cursor, key: key, count: count, target: $0) }
            if ignore {
                b.emit(jumpTo: skipRow) { .goto(target: $0) }
            } else {
                b.emit(.halt(code: code, action: action, message: message, constraint: .unique))
            }
            b.place(ok)
        }
        conflict(cursor: w.cursor, key: record, count: keyCount, code: .constraintPrimaryKey, message: keyName)
        var keys: [(key: Int, count: Int, cursor: Int)] = []
        for (index, cursor) in w.indexes {
            let stored = table.withoutRowidSecondary(index)
            let key = b.allocateRegisters(stored.columns.count)
            for (p, col) in stored.columns.enumerated() { b.emit(.sCopy(source: columns + col.column, dest: key + p)) }
            if index.isUnique {
                conflict(cursor: cursor, key: key, count: index.columns.count, code: .constraintUnique,
                         message: constraintColumns(index, table))
            }
            keys.append((key, stored.columns.count, cursor))
        }
        for k in keys {
            let rec = b.allocateRegister()
            b.emit(.makeRecord(start: k.key, count: k.count, dest: rec))
            b.emit(.idxInsert(cursor: k.cursor, record: rec))
        }
        let rec = b.allocateRegister()
        b.emit(.makeRecord(start: record, count: recordColumns.count, dest: rec))
        b.emit(.idxInsert(cursor: w.cursor, record: rec))
        b.place(skipRow)
    }
}

extension Codegen {
    /// DELETE from a WITHOUT ROWID table: pass 1 copies the record of every matching row into
    /// an ephemeral table, pass 2 finds each by its PRIMARY KEY and deletes it with its index
    /// entries. No RETURNING, triggers or ORDER BY / LIMIT yet.
    func codeWithoutRowidDelete(_ delete: Delete, table: Table, span: SourceSpan) throws {
        if !delete.returning.isEmpty || hasTriggers(table, .delete) || delete.limit != nil || !delete.orderBy.isEmpty {
            throw c.error("RETURNING, triggers and ORDER BY / LIMIT on a WITHOUT ROWID table are not supported yet", at: span)
        }
        c.writes = true
        c.usesDatabase = true
        let cursor = b.allocateCursor()
        var source = SourceItem(table: table, exposedName: delete.table.alias ?? table.name, cursor: cursor)
        source.indexHint = delete.table.indexHint
        let scope = Scope(sources: [source], parent: c.triggerScope)
        // (Without WHERE too: Clear's change count reads a rowid table, and each row counts.)
        let condition = try delete.where.map { try Resolver(c).resolve($0, in: scope, context: .whereClause) }
        let recordColumns = table.withoutRowidRecordColumns
        // Pass 1: the records of the rows to delete (read raw from the table's own B-tree).
        let (set, record) = try codeCollectWithoutRowidRecords(source, condition: condition)
        // Pass 2: find each row by its key and delete it and its index entries.
        let w = try openForWrite(table, cursor: cursor)
        let columns = b.allocateRegisters(max(table.columns.count, 1))
        let done = b.makeLabel(), next = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        for (p, col) in recordColumns.enumerated() {
            b.emit(.column(cursor: set, column: p, dest: record + p))
            b.emit(.sCopy(source: record + p, dest: columns + col.column))
        }
        let keyCount = table.withoutRowidKeyColumns.count
        b.emit(jumpTo: next) { .notFound(cursor: w.cursor, key: record, count: keyCount, target: $0) }
        codeWithoutRowidIndexDeletes(w, table: table, columns: columns)
        b.emit(.delete(cursor: w.cursor, flags: c.countsChanges ? [.countChanges] : [], table: table.name))
        b.place(next)
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// UPDATE of a WITHOUT ROWID table (ABORT / FAIL / ROLLBACK only): pass 1 copies the
    /// record of every matching row; pass 2 computes each new row from the old values, deletes
    /// the old row and its index entries, then inserts the new one with the INSERT checks (a
    /// conflict halts and the statement's changes are undone).
    func codeWithoutRowidUpdate(_ update: Update, table: Table, source: SourceItem,
                                assignments: [(column: Int, value: RExpr)], condition: RExpr?, span: SourceSpan) throws {
        if update.from != nil || !update.returning.isEmpty || update.limit != nil || !update.orderBy.isEmpty
            || hasTriggers(table, .update(assignments.map(\.column))) || table.hasGenerated
            || c.schema.indexes(on: table).contains(where: { $0.whereClause != nil }) {
            throw c.error("FROM, RETURNING, ORDER BY / LIMIT, triggers, generated columns and partial indexes "
                          + "in an UPDATE of a WITHOUT ROWID table are not supported yet", at: span)
        }
        if update.orConflict == .ignore || update.orConflict == .replace {
            throw c.error("UPDATE OR IGNORE / OR REPLACE of a WITHOUT ROWID table is not supported yet", at: span)
        }
        if assignments.contains(where: { $0.column < 0 }) { throw c.error("no such column: rowid", at: span) }
        c.writes = true
        c.usesDatabase = true
        let cursor = source.cursor
        let recordColumns = table.withoutRowidRecordColumns
        let n = table.columns.count
        let (set, record) = try codeCollectWithoutRowidRecords(source, condition: condition)
        let w = try openForWrite(table, cursor: cursor)
        let old = b.allocateRegisters(max(n, 1)), new = b.allocateRegisters(max(n, 1))
        let done = b.makeLabel(), next = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        for (p, col) in recordColumns.enumerated() {
            b.emit(.column(cursor: set, column: p, dest: record + p))
            b.emit(.sCopy(source: record + p, dest: old + col.column))
        }
        let keyCount = table.withoutRowidKeyColumns.count
        b.emit(jumpTo: next) { .notFound(cursor: w.cursor, key: record, count: keyCount, target: $0) }
        // New values read the old row's columns from registers.
        for i in 0..<n { columnOverrides[RColumn(cursor: cursor, column: i)] = old + i }
        var newValue = Array<RExpr?>(repeating: nil, count: n)
        for a in assignments where a.column < n { newValue[a.column] = a.value }
        for i in 0..<n {
            if let v = newValue[i] { try code(v, into: new + i) } else { b.emit(.sCopy(source: old + i, dest: new + i)) }
        }
        for i in 0..<n { columnOverrides[RColumn(cursor: cursor, column: i)] = nil }
        codeWithoutRowidIndexDeletes(w, table: table, columns: old)
        b.emit(.delete(cursor: w.cursor, flags: c.countsChanges ? [.countChanges] : [], table: table.name))
        try codeWithoutRowidInsertRow(w, targets: Array(0..<n), onConflict: update.orConflict) { k, dest in
            self.b.emit(.sCopy(source: new + k, dest: dest))
        }
        b.place(next)
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// Pass 1 of DELETE and UPDATE on a WITHOUT ROWID table: copies the raw record of every
    /// row of `source` matching `condition` into a new ephemeral table. Returns that table's
    /// cursor and the registers (one per record column) the copy used.
    func codeCollectWithoutRowidRecords(_ source: SourceItem, condition: RExpr?) throws -> (set: Int, record: Int) {
        let cursor = source.cursor
        let m = source.table.withoutRowidRecordColumns.count
        let set = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: m))
        let plan = WherePlanner.plan(sources: [source], whereClause: condition, schema: c.schema)
        let record = b.allocateRegisters(m)
        let rec = b.allocateRegister(), setRowid = b.allocateRegister()
        try codeLoops(plan) {
            for p in 0..<m { self.b.emit(.column(cursor: cursor, column: p, dest: record + p)) }
            self.b.emit(.makeRecord(start: record, count: m, dest: rec))
            self.b.emit(.newRowid(cursor: set, dest: setRowid))
            self.b.emit(.insert(cursor: set, record: rec, rowid: setRowid))
        }
        return (set, record)
    }

    /// Deletes the secondary-index entries of the row whose columns (in table order) are in
    /// registers `columns...`.
    func codeWithoutRowidIndexDeletes(_ w: WriteTarget, table: Table, columns: Int) {
        for (index, ic) in w.indexes {
            let stored = table.withoutRowidSecondary(index)
            let key = b.allocateRegisters(stored.columns.count)
            for (p, col) in stored.columns.enumerated() { b.emit(.sCopy(source: columns + col.column, dest: key + p)) }
            b.emit(.idxDelete(cursor: ic, key: key, count: stored.columns.count))
        }
    }
}
