// This file implements the storage model of WITHOUT ROWID tables for the planner and codegen:
// the table's own index B-tree seen as an index (PRIMARY KEY columns, then the rest), and the
// PRIMARY KEY suffix of its secondary indexes. Layer: L5. Spec: Spec/L5-sql.md §WITHOUT ROWID.
import LoomBase
import LoomRecord
import LoomVDBE

/// The storage layout of one WITHOUT ROWID table, built once when the table's definition is
/// set (Table.Storage.refreshWithoutRowid), not per statement (it was ~7.5k instructions of a
/// TEXT PRIMARY KEY point query, built twice). Immutable, so shared freely.
final class WithoutRowidLayout: Sendable {
    /// The PRIMARY KEY columns as stored: later repeats of a column with the same collation
    /// are dropped (fileformat2.html §2.4.1).
    let keyColumns: [IndexColumn]
    /// The record: the key columns, then every other stored column in table order
    /// (withoutrowid.html, fileformat2.html §2.4).
    let recordColumns: [IndexColumn]
    /// The table's own B-tree described as an index over the whole record.
    let primaryIndex: Index
    /// Table column → its first position in the record.
    let positions: [Int: Int]
    /// The KeyInfo a cursor on the table's B-tree compares with (`Codegen.keyInfo(of:)` of
    /// `primaryIndex`), when every column's collation is built in; nil when one is not
    /// (a user collation is looked up on the connection each time).
    let keyInfo: KeyInfo?
    /// Every column of the table is in the record (not so with a VIRTUAL generated column):
    /// the B-tree covers any query.
    let holdsEveryColumn: Bool

    init(name: String, columns: [Column], rootPage: UInt32, primaryKeyColumns: [IndexColumn], indexNumber: Int) {
        var key: [IndexColumn] = []
        for col in primaryKeyColumns where !key.contains(where: { sameIndexColumn($0, col) }) { key.append(col) }
        var record = key
        for (i, col) in columns.enumerated() where !record.contains(where: { $0.column == i }) {
            record.append(IndexColumn(column: i, collation: col.collation))
        }
        keyColumns = key
        recordColumns = record
        primaryIndex = Index(name: "sqlite_autoindex_\(name)_\(indexNumber)", tableName: name, columns: record,
                             isUnique: true, rootPage: rootPage, sql: nil, origin: .primaryKey)
        var positions: [Int: Int] = [:]
        for (p, col) in record.enumerated() where positions[col.column] == nil { positions[col.column] = p }
        self.positions = positions
        holdsEveryColumn = columns.indices.allSatisfy { positions[$0] != nil }
        var collations: [Collation] = []
        var descending: [Bool] = []
        var builtIn = true
        for col in record {
            guard let name = col.collation else { collations.append(.binary); descending.append(col.descending); continue }
            switch name.uppercasedASCII {
            case "BINARY": collations.append(.binary)
            case "NOCASE": collations.append(.nocase)
            case "RTRIM": collations.append(.rtrim)
            default: builtIn = false
            }
            descending.append(col.descending)
        }
        collations.append(.binary)
        descending.append(false)
        keyInfo = builtIn ? KeyInfo(collations: collations, descending: descending) : nil
    }
}

extension Table {
    /// The PRIMARY KEY columns of a WITHOUT ROWID table as stored: later repeats of a column
    /// with the same collation are dropped (fileformat2.html §2.4.1).
    package var withoutRowidKeyColumns: [IndexColumn] {
        withoutRowidLayout.keyColumns
    }

    /// The record of a WITHOUT ROWID table: the key columns, then every other stored column in
    /// table order (withoutrowid.html, fileformat2.html §2.4).
    package var withoutRowidRecordColumns: [IndexColumn] {
        withoutRowidLayout.recordColumns
    }

    /// The table's own B-tree described as an index over the whole record: what the planner
    /// walks for full scans and PRIMARY KEY lookups (always covering).
    package var withoutRowidPrimaryIndex: Index {
        withoutRowidLayout.primaryIndex
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

    /// Where each PRIMARY KEY column (key order) sits in a secondary index entry `columns`.
    package func withoutRowidKeyPositions(in columns: [IndexColumn]) -> [Int] {
        withoutRowidKeyColumns.map { kc in
            columns.firstIndex { sameIndexColumn($0, kc) } ?? columns.firstIndex { $0.column == kc.column } ?? 0
        }
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
        let layout = table.withoutRowidLayout
        let index = layout.primaryIndex
        let info = try layout.keyInfo ?? keyInfo(of: index)
        if write {
            b.emit(.openWrite(cursor: cursor, root: Int(table.rootPage), columnCount: index.columns.count,
                              keyInfo: info, database: table.database))
        } else {
            b.emit(.openRead(cursor: cursor, root: Int(table.rootPage), columnCount: index.columns.count,
                             keyInfo: info, database: table.database))
        }
        coveringReads[cursor] = (cursor, layout.positions)
    }
}

/// One UNIQUE constraint of a WITHOUT ROWID table as checked on write: the PRIMARY KEY (the
/// table's own tree) or a UNIQUE secondary index.
struct WithoutRowidConstraint {
    var index: Index
    var cursor: Int
    var isPrimary: Bool
}

extension Codegen {
    /// The parts of INSERT a WITHOUT ROWID table does not support yet (nil when all is fine).
    func withoutRowidInsertUnsupported(_ insert: Insert, table: Table) -> String? {
        if table.hasGenerated { return "generated columns in WITHOUT ROWID tables are not supported yet" }
        return nil
    }

    /// Opens a WITHOUT ROWID table (an index B-tree over its record) and its secondary indexes
    /// (key columns + PRIMARY KEY suffix) for writing.
    func openWithoutRowidForWrite(_ table: Table, cursor tc: Int) throws -> WriteTarget {
        let primary = table.withoutRowidPrimaryIndex
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: primary.columns.count,
                          keyInfo: try keyInfo(of: primary), database: table.database))
        var indexes: [(index: Index, cursor: Int)] = []
        for index in c.schema.indexes(on: table) {
            let stored = table.withoutRowidSecondary(index)
            let ic = b.allocateCursor()
            b.emit(.openWrite(cursor: ic, root: Int(index.rootPage), columnCount: stored.columns.count,
                              keyInfo: try keyInfo(of: stored), database: index.database))
            indexes.append((index, ic))
        }
        return WriteTarget(table: table, cursor: tc, indexes: indexes)
    }

    /// The UNIQUE constraints in SQLite's check order: newest first, the PRIMARY KEY in the
    /// place of its automatic index number; an upsert's target constraint first.
    func withoutRowidConstraintOrder(_ w: WriteTarget, upserts: [UpsertPlan]) -> [WithoutRowidConstraint] {
        let table = w.table
        let primary = WithoutRowidConstraint(index: table.withoutRowidPrimaryIndex, cursor: w.cursor, isPrimary: true)
        var out: [WithoutRowidConstraint] = []
        var placed = false
        for (index, cursor) in w.indexes where index.isUnique {
            if !placed, index.isAutomatic, let n = Codegen.autoIndexNumber(index.name), n < table.primaryKeyIndexNumber {
                out.append(primary)
                placed = true
            }
            out.append(WithoutRowidConstraint(index: index, cursor: cursor, isPrimary: false))
        }
        if !placed { out.append(primary) }
        let targeted = out.filter { con in upserts.contains { $0.target != .any && $0.matches(con.index) } }
        return targeted + out.filter { con in !targeted.contains { $0.index.name == con.index.name } }
    }

    /// N of `sqlite_autoindex_T_N`.
    static func autoIndexNumber(_ name: String) -> Int? {
        guard let underscore = name.lastIndex(of: "_") else { return nil }
        return Int(name[name.index(after: underscore)...])
    }

    /// Registers holding the PRIMARY KEY of the row in `columns` (table order), in key order.
    func withoutRowidKey(_ table: Table, columns: Int) -> Int {
        let keyColumns = table.withoutRowidKeyColumns
        let key = b.allocateRegisters(max(keyColumns.count, 1))
        for (k, col) in keyColumns.enumerated() { b.emit(.sCopy(source: columns + col.column, dest: key + k)) }
        return key
    }

    /// Reads the table cursor's current row into new registers (table order).
    func readWithoutRowidRow(_ w: WriteTarget) -> Int {
        let old = b.allocateRegisters(max(w.table.columns.count, 1))
        for (p, col) in w.table.withoutRowidRecordColumns.enumerated() {
            b.emit(.column(cursor: w.cursor, column: p, dest: old + col.column,
                           default: columnDefault(w.table, col.column)))
        }
        return old
    }

    /// After `con` reported a conflict: puts the table cursor on the conflicting row (for a
    /// secondary index, by the PRIMARY KEY suffix of its entry; jumps to `missing` if that
    /// row is absent) and reads it into new registers.
    func locateWithoutRowidConflict(_ w: WriteTarget, _ con: WithoutRowidConstraint, missing: Label) -> Int {
        let table = w.table
        if !con.isPrimary {
            let stored = table.withoutRowidSecondary(con.index)
            let positions = table.withoutRowidKeyPositions(in: stored.columns)
            let key = b.allocateRegisters(max(positions.count, 1))
            for (k, p) in positions.enumerated() { b.emit(.column(cursor: con.cursor, column: p, dest: key + k)) }
            b.emit(jumpTo: missing) { .notFound(cursor: w.cursor, key: key, count: positions.count, target: $0) }
        }
        return readWithoutRowidRow(w)
    }

    /// Writes the row in `columns` (table order): every index entry (but those named in
    /// `skip`, lower-cased), then the table record.
    func codeWithoutRowidWrite(_ w: WriteTarget, columns: Int, countChange: Bool, skip: Set<String> = []) throws {
        let table = w.table
        for (index, ic) in w.indexes where !skip.contains(index.name.lowercasedASCII) {
            let stored = table.withoutRowidSecondary(index)
            let (key, partial) = try withoutRowidSecondaryKey(index, table: table, columns: columns)
            let rec = b.allocateRegister()
            b.emit(.makeRecord(start: key, count: stored.columns.count, dest: rec))
            b.emit(.idxInsert(cursor: ic, record: rec))
            if let partial { b.place(partial) }
        }
        let recordColumns = table.withoutRowidRecordColumns
        let record = b.allocateRegisters(recordColumns.count)
        for (p, col) in recordColumns.enumerated() { b.emit(.sCopy(source: columns + col.column, dest: record + p)) }
        let rec = b.allocateRegister()
        b.emit(.makeRecord(start: record, count: recordColumns.count, dest: rec))
        b.emit(.idxInsert(cursor: w.cursor, record: rec, flags: .of(countChanges: countChange)))
    }

    /// Deletes the row the table cursor is on (its columns in `columns`) and its index entries.
    func deleteWithoutRowidRow(_ w: WriteTarget, columns: Int, countChange: Bool, skip: Set<String> = []) throws {
        var changed = w
        changed.indexes = w.indexes.filter { !skip.contains($0.index.name.lowercasedASCII) }
        try codeWithoutRowidIndexDeletes(changed, table: w.table, columns: columns)
        b.emit(.delete(cursor: w.cursor, flags: .of(countChanges: countChange), table: w.table.name))
    }

    /// Codes one row written into a WITHOUT ROWID table: values (or DEFAULT), affinity,
    /// BEFORE INSERT triggers, NOT NULL (every key column is NOT NULL), STRICT, CHECK, the
    /// PRIMARY KEY and UNIQUE conflicts (ABORT, FAIL, ROLLBACK, IGNORE, REPLACE or an
    /// upsert), then the index entries and the record (counted), RETURNING and AFTER
    /// triggers. `update` (the old row and the event) makes it the second half of an UPDATE:
    /// no INSERT triggers, AFTER UPDATE ones instead, and IGNORE jumps to `ignoreTarget`.
    /// Returns the registers of the new row (table order).
    @discardableResult
    func codeWithoutRowidInsertRow(_ w: WriteTarget, targets: [Int], onConflict: ConflictResolution?,
                                   upserts: [UpsertPlan] = [], returning: ReturningState? = nil,
                                   update: (old: Int, event: TriggerEvent)? = nil, ignoreTarget: Label? = nil,
                                   unchangedIndexes: Set<String> = [],
                                   value: (Int, Int) throws -> Void) throws -> Int {
        let table = w.table
        let n = table.columns.count
        let columns = b.allocateRegisters(max(n, 1))
        let noRowid = b.allocateRegister()
        b.emit(.null(dest: noRowid))
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
        for plan in upserts {
            // excluded.* reads the proposed row.
            for i in table.columns.indices { columnOverrides[RColumn(cursor: plan.excludedCursor, column: i)] = columns + i }
            columnOverrides[RColumn(cursor: plan.excludedCursor, column: -1)] = noRowid
        }
        if n > 0 { b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
        if update == nil {
            codeStrictChecksBeforeTriggers(table, .insert, columns: columns)
            try fireTriggers(table, .insert, timing: .before, old: nil, new: TriggerRow(columns: columns, rowid: noRowid),
                             skipRow: skipRow)
        }
        let ignore = onConflict == .ignore
        let ignoreJump = ignoreTarget ?? skipRow
        let action = Codegen.haltAction(onConflict)
        for (i, col) in table.columns.enumerated() where col.notNull || col.isPrimaryKey {
            if onConflict == .replace, let d = col.defaultValue {
                let ok = b.makeLabel()
                b.emit(jumpTo: ok) { .notNull(register: columns + i, target: $0) }
                try code(try defaultExpr(d, column: col), into: columns + i)
                b.place(ok)
            }
            if ignore {
                b.emit(jumpTo: ignoreJump) { .isNull(register: columns + i, target: $0) }
            } else {
                b.emit(.haltIfNull(register: columns + i, code: .constraintNotNull, action: action,
                                   message: "\(table.name).\(col.name)", constraint: .notNull))
            }
        }
        if table.isStrict { codeStrictTypeChecks(table, columns: columns) }
        try codeCheckConstraints(table, columns: columns, rowid: noRowid, ignore: ignore, skipRow: ignoreJump, action: action)
        // Conflicts: the key (prefix) of each UNIQUE constraint.
        let keyCount = table.withoutRowidKeyColumns.count
        let keyName = table.withoutRowidKeyColumns.map { "\(table.name).\(table.columns[$0.column].name)" }
            .joined(separator: ", ")
        for con in withoutRowidConstraintOrder(w, upserts: upserts)
        where con.isPrimary || !unchangedIndexes.contains(con.index.name.lowercasedASCII) {
            let key: Int, count: Int
            var partial: Label? = nil
            if con.isPrimary {
                key = withoutRowidKey(table, columns: columns)
                count = keyCount
            } else {
                (key, partial) = try withoutRowidSecondaryKey(con.index, table: table, columns: columns)
                count = con.index.columns.count
            }
            let ok = b.makeLabel()
            b.emit(jumpTo: ok) { .noConflict(cursor: con.cursor, key: key, count: count, target: $0) }
            if let plan = upserts.first(where: { $0.matches(con.index) }) {
                if !plan.doNothing {
                    let old = locateWithoutRowidConflict(w, con, missing: ok)
                    let saved = columnOverrides
                    for i in 0..<n { columnOverrides[RColumn(cursor: w.cursor, column: i)] = old + i }
                    if let condition = plan.condition { try jumpIfFalse(condition, to: skipRow, jumpIfNull: true) }
                    columnOverrides = saved
                    try codeWithoutRowidUpdateRow(w, old: old, rowCursor: w.cursor, assignments: plan.assignments,
                                                  orConflict: nil, returning: returning)
                    adjustCountChanges(by: -1)
                }
                b.emit(jumpTo: skipRow) { .goto(target: $0) }
            } else if ignore {
                b.emit(jumpTo: ignoreJump) { .goto(target: $0) }
            } else if onConflict == .replace {
                let old = locateWithoutRowidConflict(w, con, missing: ok)
                try deleteWithoutRowidRow(w, columns: old, countChange: false)
                try codeForeignKeys(table, ForeignKeyChange(old: TriggerRow(columns: old, rowid: noRowid)))
            } else {
                let code: ResultCode = con.isPrimary || con.index.origin == .primaryKey ? .constraintPrimaryKey : .constraintUnique
                b.emit(.halt(code: code, action: action, message: con.isPrimary ? keyName : constraintColumns(con.index, table),
                             constraint: .unique))
            }
            b.place(ok)
            if let partial { b.place(partial) }
        }
        try codeWithoutRowidWrite(w, columns: columns, countChange: true, skip: unchangedIndexes)
        var assigned: Set<Int>? = nil
        if let update, case .update(let columns) = update.event { assigned = Set(columns) }
        try codeForeignKeys(table, ForeignKeyChange(old: update.map { TriggerRow(columns: $0.old, rowid: noRowid) },
                                                    new: TriggerRow(columns: columns, rowid: noRowid), assigned: assigned))
        try emitReturningRow(returning, columns: columns, rowid: noRowid)
        if let update {
            try fireTriggers(table, update.event, timing: .after, old: TriggerRow(columns: update.old, rowid: noRowid),
                             new: TriggerRow(columns: columns, rowid: noRowid), skipRow: skipRow)
        } else {
            try fireTriggers(table, .insert, timing: .after, old: nil, new: TriggerRow(columns: columns, rowid: noRowid),
                             skipRow: skipRow)
        }
        b.place(skipRow)
        return columns
    }

    /// Rewrites the row the table cursor is on (its columns in `old`, table order; column
    /// reads of `rowCursor` see them): new values, BEFORE UPDATE triggers, the old row and
    /// its index entries deleted, then the new row written with the INSERT checks (counted
    /// once). Under OR IGNORE a conflict puts the old row back.
    func codeWithoutRowidUpdateRow(_ w: WriteTarget, old: Int, rowCursor: Int, assignments: [(column: Int, value: RExpr)],
                                   orConflict: ConflictResolution?, returning: ReturningState?) throws {
        let table = w.table
        let n = table.columns.count
        let new = b.allocateRegisters(max(n, 1))
        let skipRow = b.makeLabel(), restore = b.makeLabel()
        let saved = columnOverrides
        for i in 0..<n { columnOverrides[RColumn(cursor: rowCursor, column: i)] = old + i }
        var newValue = Array<RExpr?>(repeating: nil, count: n)
        for a in assignments where a.column >= 0 && a.column < n { newValue[a.column] = a.value }
        for i in 0..<n {
            if let v = newValue[i] { try code(v, into: new + i) } else { b.emit(.sCopy(source: old + i, dest: new + i)) }
        }
        columnOverrides = saved
        if n > 0 { b.emit(.affinity(start: new, affinities: table.columns.map(\.affinity))) }
        let event = TriggerEvent.update(assignments.map(\.column))
        if hasTriggers(table, event) {
            let noRowid = b.allocateRegister()
            b.emit(.null(dest: noRowid))
            codeStrictChecksBeforeTriggers(table, event, columns: new)
            try fireTriggers(table, event, timing: .before, old: TriggerRow(columns: old, rowid: noRowid),
                             new: TriggerRow(columns: new, rowid: noRowid), skipRow: skipRow)
            // The trigger may have moved or removed the row.
            let key = withoutRowidKey(table, columns: old)
            b.emit(jumpTo: skipRow) {
                .notFound(cursor: w.cursor, key: key, count: table.withoutRowidKeyColumns.count, target: $0)
            }
        }
        // Secondary indexes whose entry cannot change (no assigned column, same key) stay.
        let assigned = Set(assignments.map(\.column))
        var unchanged = Set<String>()
        if !table.withoutRowidKeyColumns.contains(where: { assigned.contains($0.column) }) {
            for (index, _) in w.indexes where !index.mayChange(assigning: assigned, table: table)
                && !table.withoutRowidSecondary(index).columns.contains(where: { assigned.contains($0.column) }) {
                unchanged.insert(index.name.lowercasedASCII)
            }
        }
        try deleteWithoutRowidRow(w, columns: old, countChange: false, skip: unchanged)
        try codeWithoutRowidInsertRow(w, targets: Array(0..<n), onConflict: orConflict, returning: returning,
                                      update: (old, event), ignoreTarget: orConflict == .ignore ? restore : nil,
                                      unchangedIndexes: unchanged) { k, dest in
            self.b.emit(.sCopy(source: new + k, dest: dest))
        }
        if orConflict == .ignore {
            b.emit(jumpTo: skipRow) { .goto(target: $0) }
            b.place(restore)
            try codeWithoutRowidWrite(w, columns: old, countChange: false, skip: unchanged)
        }
        b.place(skipRow)
    }
}

extension Codegen {
    /// DELETE from a WITHOUT ROWID table: pass 1 copies the record of every matching row (or,
    /// with ORDER BY / LIMIT, the chosen ones) into an ephemeral table, pass 2 finds each by
    /// its PRIMARY KEY and deletes it with its index entries, with triggers and RETURNING.
    func codeWithoutRowidDelete(_ delete: Delete, table: Table, span: SourceSpan) throws {
        c.writes = true
        c.usesDatabase = true
        let returning = try prepareReturning(delete.returning, table: table, alias: delete.table.alias, span: span,
                                             kind: .oldRow)
        defer { finishReturning(returning) }
        let cursor = b.allocateCursor()
        var source = SourceItem(table: table, exposedName: delete.table.alias ?? table.name, cursor: cursor)
        source.indexHint = delete.table.indexHint
        let scope = Scope(sources: [source], parent: c.triggerScope)
        // (Without WHERE too: Clear's change count reads a rowid table, and each row counts.)
        let condition = try delete.where.map { try Resolver(c).resolve($0, in: scope, context: .whereClause) }
        let limited = try limitClause(delete.orderBy, delete.limit, scope: scope, statement: "DELETE")
        let recordColumns = table.withoutRowidRecordColumns
        // Pass 1: the records of the rows to delete (read raw from the table's own B-tree).
        let (set, record) = try codeCollectWithoutRowidRecords(source, condition: condition, limited: limited)
        // Pass 2: find each row by its key and delete it and its index entries.
        let w = try openForWrite(table, cursor: cursor)
        let columns = b.allocateRegisters(max(table.columns.count, 1))
        let noRowid = b.allocateRegister()
        b.emit(.null(dest: noRowid))
        let done = b.makeLabel(), next = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        for (p, col) in recordColumns.enumerated() {
            b.emit(.column(cursor: set, column: p, dest: record + p))
            b.emit(.sCopy(source: record + p, dest: columns + col.column))
        }
        let keyCount = table.withoutRowidKeyColumns.count
        b.emit(jumpTo: next) { .notFound(cursor: w.cursor, key: record, count: keyCount, target: $0) }
        if hasTriggers(table, .delete) {
            try fireTriggers(table, .delete, timing: .before, old: TriggerRow(columns: columns, rowid: noRowid),
                             new: nil, skipRow: next)
            b.emit(jumpTo: next) { .notFound(cursor: w.cursor, key: record, count: keyCount, target: $0) }
        }
        try deleteWithoutRowidRow(w, columns: columns, countChange: true)
        try codeForeignKeys(table, ForeignKeyChange(old: TriggerRow(columns: columns, rowid: noRowid)))
        try emitReturningRow(returning, columns: columns, rowid: noRowid)
        try fireTriggers(table, .delete, timing: .after, old: TriggerRow(columns: columns, rowid: noRowid),
                         new: nil, skipRow: next)
        b.place(next)
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// UPDATE of a WITHOUT ROWID table: pass 1 copies the record of every matching row; pass
    /// 2 finds each by its key and rewrites it (codeWithoutRowidUpdateRow).
    func codeWithoutRowidUpdate(_ update: Update, table: Table, source: SourceItem, scope: Scope,
                                assignments: [(column: Int, value: RExpr)], condition: RExpr?, span: SourceSpan) throws {
        if update.from != nil || table.hasGenerated {
            throw c.error("FROM and generated columns in an UPDATE of a WITHOUT ROWID table "
                          + "are not supported yet", at: span)
        }
        if assignments.contains(where: { $0.column < 0 }) { throw c.error("no such column: rowid", at: span) }
        c.writes = true
        c.usesDatabase = true
        let returning = try prepareReturning(update.returning, table: table, alias: update.table.alias, span: span)
        defer { finishReturning(returning) }
        let limited = try limitClause(update.orderBy, update.limit, scope: scope, statement: "UPDATE")
        let cursor = source.cursor
        let recordColumns = table.withoutRowidRecordColumns
        let n = table.columns.count
        let (set, record) = try codeCollectWithoutRowidRecords(source, condition: condition, limited: limited)
        let w = try openForWrite(table, cursor: cursor)
        let old = b.allocateRegisters(max(n, 1))
        let done = b.makeLabel(), next = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        for (p, col) in recordColumns.enumerated() {
            b.emit(.column(cursor: set, column: p, dest: record + p))
            b.emit(.sCopy(source: record + p, dest: old + col.column))
        }
        let keyCount = table.withoutRowidKeyColumns.count
        b.emit(jumpTo: next) { .notFound(cursor: w.cursor, key: record, count: keyCount, target: $0) }
        try codeWithoutRowidUpdateRow(w, old: old, rowCursor: cursor, assignments: assignments,
                                      orConflict: update.orConflict, returning: returning)
        b.place(next)
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// Reads the record columns of a WITHOUT ROWID table's current row into `record` (record
    /// order). A row written before ALTER TABLE ADD COLUMN is shorter: the missing columns
    /// read their DEFAULT, so the copy is a complete record.
    func readWithoutRowidRecord(_ table: Table, cursor: Int, into record: Int) {
        for (p, col) in table.withoutRowidRecordColumns.enumerated() {
            b.emit(.column(cursor: cursor, column: p, dest: record + p, default: columnDefault(table, col.column)))
        }
    }

    /// Pass 1 of DELETE and UPDATE on a WITHOUT ROWID table: copies the raw record of every
    /// row of `source` matching `condition` (chosen by ORDER BY / LIMIT / OFFSET when given)
    /// into a new ephemeral table. Returns that table's cursor and the registers (one per
    /// record column) the copy used.
    func codeCollectWithoutRowidRecords(_ source: SourceItem, condition: RExpr?,
                                        limited: LimitClause? = nil) throws -> (set: Int, record: Int) {
        let cursor = source.cursor
        let m = source.table.withoutRowidRecordColumns.count
        let set = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: m))
        // Partial and expression indexes as for a rowid table's UPDATE / DELETE loop.
        var hints = PlanHints()
        hints.indexParts = indexParts(for: [source])
        let plan = WherePlanner.plan(sources: [source], whereClause: condition, schema: c.schema, hints: hints)
        let record = b.allocateRegisters(m)
        let rec = b.allocateRegister(), setRowid = b.allocateRegister()
        func store(_ base: Int) {
            b.emit(.makeRecord(start: base, count: m, dest: rec))
            b.emit(.newRowid(cursor: set, dest: setRowid))
            b.emit(.insert(cursor: set, record: rec, rowid: setRowid))
        }
        if let limited {
            let end = b.makeLabel()
            let output = OutputStage(g: self, columnCount: m, end: end) { base, _ in store(base) }
            try output.prepare(limit: limited.limit, offset: limited.offset, orderBy: limited.orderBy,
                               orderColumns: limited.orderBy.map { _ in nil })
            try codeLoops(plan) {
                self.readWithoutRowidRecord(source.table, cursor: cursor, into: record)
                try output.emit(record)
            }
            try output.finish()
            b.place(end)
            return (set, record)
        }
        try codeLoops(plan) {
            self.readWithoutRowidRecord(source.table, cursor: cursor, into: record)
            store(record)
        }
        return (set, record)
    }

    /// Deletes the secondary-index entries of the row whose columns (in table order) are in
    /// registers `columns...`.
    func codeWithoutRowidIndexDeletes(_ w: WriteTarget, table: Table, columns: Int) throws {
        for (index, ic) in w.indexes {
            let stored = table.withoutRowidSecondary(index)
            let (key, partial) = try withoutRowidSecondaryKey(index, table: table, columns: columns)
            b.emit(.idxDelete(cursor: ic, key: key, count: stored.columns.count))
            if let partial { b.place(partial) }
        }
    }

    /// The entry of secondary `index` for the row in `columns` (table order): key columns
    /// (expressions computed) then the PRIMARY KEY suffix; for a partial index also the label
    /// to place after the entry code, reached when the row is not in the index.
    func withoutRowidSecondaryKey(_ index: Index, table: Table, columns: Int) throws -> (Int, Label?) {
        let noRowid = b.allocateRegister()
        let partial = try codePartialIndexSkip(index, table: table, columns: columns, rowid: noRowid)
        let stored = table.withoutRowidSecondary(index)
        let key = b.allocateRegisters(stored.columns.count)
        for (p, col) in stored.columns.enumerated() {
            if let e = col.expression {
                try codeIndexExpression(e, table: table, columns: columns, rowid: noRowid, dest: key + p)
            } else {
                b.emit(.sCopy(source: columns + col.column, dest: key + p))
            }
        }
        return (key, partial)
    }
}

extension Codegen {
    /// CREATE INDEX on a WITHOUT ROWID table: one entry per row, the index columns then the
    /// PRIMARY KEY columns not already in it (the new tree's root is in register `root`).
    func fillWithoutRowidIndex(_ index: Index, table: Table, root: Int) throws {
        let stored = table.withoutRowidSecondary(index)
        let primary = table.withoutRowidPrimaryIndex
        let tc = b.allocateCursor(), ic = b.allocateCursor()
        b.emit(.openRead(cursor: tc, root: Int(table.rootPage), columnCount: primary.columns.count,
                         keyInfo: try keyInfo(of: primary), database: table.database))
        b.emit(.openWrite(cursor: ic, root: root, columnCount: stored.columns.count, keyInfo: try keyInfo(of: stored),
                          rootInRegister: true, database: table.database))
        var position: [Int: Int] = [:]
        for (p, col) in primary.columns.enumerated() where position[col.column] == nil { position[col.column] = p }
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: tc, target: $0) }
        let top = b.currentAddress
        let row = b.allocateRegisters(max(table.columns.count, 1))
        for col in table.columns.indices where position[col] != nil {
            b.emit(.column(cursor: tc, column: position[col] ?? 0, dest: row + col,
                           default: columnDefault(table, col)))
        }
        let (key, partial) = try withoutRowidSecondaryKey(index, table: table, columns: row)
        if index.isUnique {
            let ok = b.makeLabel()
            let n = index.columns.count
            b.emit(jumpTo: ok) { .noConflict(cursor: ic, key: key, count: n, target: $0) }
            b.emit(.halt(code: .constraintUnique, action: .abort, message: constraintColumns(index, table),
                         constraint: .unique))
            b.place(ok)
        }
        let rec = b.allocateRegister()
        b.emit(.makeRecord(start: key, count: stored.columns.count, dest: rec))
        b.emit(.idxInsert(cursor: ic, record: rec))
        if let partial { b.place(partial) }
        b.emit(.next(cursor: tc, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// ALTER TABLE DROP COLUMN on a WITHOUT ROWID table (the column is in no key): every
    /// record is copied without the column's field, the tree cleared and the records put back.
    func rewriteWithoutRowidDroppingColumn(_ table: Table, column index: Int) throws {
        let recordColumns = table.withoutRowidRecordColumns
        guard let dropped = recordColumns.firstIndex(where: { $0.column == index }) else { return }
        let m = recordColumns.count
        let primary = table.withoutRowidPrimaryIndex
        let set = b.allocateCursor(), tc = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: max(m - 1, 1)))
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: m, keyInfo: try keyInfo(of: primary),
                          database: table.database))
        let values = b.allocateRegisters(max(m - 1, 1))
        let rec = b.allocateRegister(), setRowid = b.allocateRegister()
        let copied = b.makeLabel()
        b.emit(jumpTo: copied) { .rewind(cursor: tc, target: $0) }
        var top = b.currentAddress
        var r = values
        for p in 0..<m where p != dropped {
            // A row older than an ADD COLUMN keeps that column's DEFAULT after the copy.
            b.emit(.column(cursor: tc, column: p, dest: r, default: columnDefault(table, recordColumns[p].column)))
            r += 1
        }
        b.emit(.makeRecord(start: values, count: m - 1, dest: rec))
        b.emit(.newRowid(cursor: set, dest: setRowid))
        b.emit(.insert(cursor: set, record: rec, rowid: setRowid))
        b.emit(.next(cursor: tc, target: top))
        b.place(copied)
        b.emit(.close(cursor: tc))
        b.emit(.clear(root: Int(table.rootPage), database: table.database))
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: m, keyInfo: try keyInfo(of: primary),
                          database: table.database))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        top = b.currentAddress
        for p in 0..<(m - 1) { b.emit(.column(cursor: set, column: p, dest: values + p)) }
        b.emit(.makeRecord(start: values, count: m - 1, dest: rec))
        b.emit(.idxInsert(cursor: tc, record: rec))
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }
}
