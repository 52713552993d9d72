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
    /// One-pass DELETE through an index: the loop's own cursor on that index, on the row's
    /// entry (deleted through it, after the row, instead of a second seek).
    var scanIndex: (index: Index, cursor: Int)? = nil
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

extension WriteFlags {
    /// Flags from their bits. (An option-set literal or `union` of this LoomVDBE type is an
    /// unspecialized generic call here: ~2k instructions per statement in compile profiles.)
    static func of(countChanges: Bool, isUpdate: Bool = false, lastRowid: Bool = false) -> WriteFlags {
        var bits = 0
        if countChanges { bits |= WriteFlags.countChanges.rawValue }
        if isUpdate { bits |= WriteFlags.isUpdate.rawValue }
        if lastRowid { bits |= WriteFlags.lastRowid.rawValue }
        return WriteFlags(rawValue: bits)
    }
}

extension Codegen {
    /// Reads the sqlite_sequence entry of an AUTOINCREMENT table.
    func autoincrementSetup(_ table: Table) throws -> AutoincrementState? {
        guard table.hasAutoincrement else { return nil }
        guard let seqTable = c.schema.schema(forDatabase: table.database)?.localTable(named: "sqlite_sequence") else {
            throw DatabaseError.corrupt(page: nil, "sqlite_sequence missing")
        }
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: Int(seqTable.rootPage), columnCount: 2, database: seqTable.database))
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
        collations.reserveCapacity(index.columns.count + 1)
        descending.reserveCapacity(index.columns.count + 1)
        for col in index.columns {
            collations.append(try collation(named: col.collation) ?? .binary)
            descending.append(col.descending)
        }
        collations.append(.binary)
        descending.append(false)
        return KeyInfo(collations: collations, descending: descending)
    }

    /// Opens `table` and all its indexes for writing. `cursor`: the number to use; unless
    /// `fresh` (never opened yet, as INSERT's), it scanned the table in a first pass and is
    /// closed first.
    func openForWrite(_ table: Table, cursor: Int? = nil, fresh: Bool = false) throws -> WriteTarget {
        c.writes = true
        c.usesDatabase = true
        let tc = cursor ?? b.allocateCursor()
        // A cursor that scanned the table in a first pass is reopened for writing.
        if cursor != nil && !fresh { b.emit(.close(cursor: tc)) }
        cursorTables[tc] = table
        if table.isWithoutRowid { return try openWithoutRowidForWrite(table, cursor: tc) }
        b.emit(.openWrite(cursor: tc, root: Int(table.rootPage), columnCount: table.columns.count, database: table.database))
        var indexes: [(index: Index, cursor: Int)] = []
        for index in c.schema.indexes(on: table) {
            let ic = b.allocateCursor()
            b.emit(.openWrite(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                              keyInfo: try keyInfo(of: index), database: index.database))
            indexes.append((index, ic))
        }
        return WriteTarget(table: table, cursor: tc, indexes: indexes)
    }

    /// Registers `key ..< key + n + 1` = the index key of the row in `columns` (+ rowid).
    func codeIndexKey(_ index: Index, columns: Int, rowid: Int, table: Table) throws -> Int {
        let key = b.allocateRegisters(index.columns.count + 1)
        for (i, col) in index.columns.enumerated() {
            if let e = col.expression {
                try codeIndexExpression(e, table: table, columns: columns, rowid: rowid, dest: key + i)
            } else if col.column < 0 || col.column == table.rowidAlias {
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
        if index.hasExpressions { return "index '\(index.name)'" }
        return index.columns.map { col in
            "\(table.name).\(col.column >= 0 && col.column < table.columns.count ? table.columns[col.column].name : "rowid")"
        }.joined(separator: ", ")
    }

    /// Checks NOT NULL and UNIQUE for the new row in `columns` (affinity applied) with rowid
    /// `rowid`; for UPDATE, `oldRowid` is the row's own rowid (its own entries do not conflict).
    func codeConstraintChecks(_ w: WriteTarget, columns: Int, rowid: Int, oldRowid: Int?,
                              onConflict: ConflictResolution?, skipRow: Label,
                              upserts: [UpsertPlan] = [], returning: ReturningState? = nil,
                              checking: [(index: Index, cursor: Int)]? = nil,
                              checkRowid: Bool = false, freshRowid: Register? = nil) throws {
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
                b.emit(.haltIfNull(register: columns + i, code: .constraintNotNull, action: Codegen.haltAction(onConflict),
                                   message: "\(table.name).\(col.name)", constraint: .notNull))
            }
        }
        if table.isStrict { codeStrictTypeChecks(table, columns: columns) }
        try codeCheckConstraints(table, columns: columns, rowid: rowid, ignore: ignore, skipRow: skipRow,
                                 action: Codegen.haltAction(onConflict))
        var uniqueIndexes = (checking ?? w.indexes).filter { $0.index.isUnique }
        var rowidCheckPosition = 0
        if !upserts.isEmpty {
            // An upsert's target constraint is checked first, as in SQLite.
            // Targets in clause order; the rowid where a clause names it, else after them.
            var targeted: [(index: Index, cursor: Int)] = []
            var rowidAt: Int? = nil
            for plan in upserts where plan.target != .any {
                if plan.target == .rowid {
                    if rowidAt == nil { rowidAt = targeted.count }
                } else {
                    for u in uniqueIndexes where plan.matches(u.index)
                        && !targeted.contains(where: { $0.index.name == u.index.name }) {
                        targeted.append(u)
                    }
                }
            }
            uniqueIndexes = targeted + uniqueIndexes.filter { u in !targeted.contains { $0.index.name == u.index.name } }
            rowidCheckPosition = rowidAt ?? targeted.count
        }
        // A supplied rowid is checked after NOT NULL and CHECK, and after an upsert's target
        // index unless the upsert targets the rowid itself (SQLite's order).
        for (position, (index, cursor)) in uniqueIndexes.enumerated() {
            if checkRowid && position == rowidCheckPosition {
                try codeRowidConflict(w, rowid: rowid, oldRowid: oldRowid, fresh: freshRowid, onConflict: onConflict,
                                      skipRow: skipRow, upserts: upserts, returning: returning)
            }
            let partial = try codePartialIndexSkip(index, table: table, columns: columns, rowid: rowid)
            let key = try codeIndexKey(index, columns: columns, rowid: rowid, table: table)
            let ok = b.makeLabel()
            let n = index.columns.count
            b.emit(jumpTo: ok) { .noConflict(cursor: cursor, key: key, count: n, target: $0) }
            if let oldRowid {
                let other = b.allocateRegister()
                b.emit(.idxRowid(cursor: cursor, dest: other))
                b.emit(jumpTo: ok) { .eq(lhs: other, rhs: oldRowid, target: $0) }
            }
            if let plan = upserts.first(where: { $0.matches(index) }) {
                let other = b.allocateRegister()
                b.emit(.idxRowid(cursor: cursor, dest: other))
                b.emit(jumpTo: ok) { .notExists(cursor: w.cursor, rowid: other, target: $0) }
                try codeUpsertAction(plan, w: w, conflictRowid: other, returning: returning, skipRow: skipRow)
            } else if ignore {
                b.emit(jumpTo: skipRow) { .goto(target: $0) }
            } else if onConflict == .replace {
                let other = b.allocateRegister()
                b.emit(.idxRowid(cursor: cursor, dest: other))
                b.emit(jumpTo: ok) { .notExists(cursor: w.cursor, rowid: other, target: $0) }
                // The index cursor is on the conflicting entry: deleted through it (SQLite's order).
                try deleteCurrentRow(w, rowid: other, positioned: (index, cursor))
                // UPDATE: back to the row being changed.
                if let oldRowid { b.emit(jumpTo: skipRow) { .notExists(cursor: w.cursor, rowid: oldRowid, target: $0) } }
            } else {
                let code: ResultCode = index.origin == .primaryKey ? .constraintPrimaryKey : .constraintUnique
                b.emit(.halt(code: code, action: Codegen.haltAction(onConflict), message: constraintColumns(index, table),
                             constraint: .unique))
            }
            b.place(ok)
            if let partial { b.place(partial) }
        }
        if checkRowid && rowidCheckPosition >= uniqueIndexes.count {
            try codeRowidConflict(w, rowid: rowid, oldRowid: oldRowid, fresh: freshRowid, onConflict: onConflict,
                                  skipRow: skipRow, upserts: upserts, returning: returning)
        }
    }

    /// A supplied rowid (INSERT) or a changed one (UPDATE, `oldRowid` = the row's own): a row
    /// already holding it is an upsert's conflict, skipped (OR IGNORE), deleted (OR REPLACE) or
    /// a PRIMARY KEY error. UPDATE's cursor is put back on its own row afterwards.
    func codeRowidConflict(_ w: WriteTarget, rowid: Int, oldRowid: Int?, fresh: Register?,
                           onConflict: ConflictResolution?, skipRow: Label, upserts: [UpsertPlan],
                           returning: ReturningState?) throws {
        let table = w.table
        let free = b.makeLabel(), same = b.makeLabel()
        if let fresh { b.emit(jumpTo: same) { .if(register: fresh, target: $0) } }
        if let oldRowid { b.emit(jumpTo: same) { .eq(lhs: rowid, rhs: oldRowid, target: $0) } }
        b.emit(jumpTo: free) { .notExists(cursor: w.cursor, rowid: rowid, target: $0) }
        if let plan = upserts.first(where: { $0.matchesRowid }) {
            try codeUpsertAction(plan, w: w, conflictRowid: rowid, returning: returning, skipRow: skipRow)
        } else if onConflict == .ignore {
            b.emit(jumpTo: skipRow) { .goto(target: $0) }
        } else if onConflict == .replace {
            try deleteCurrentRow(w, rowid: rowid)
        } else {
            let name = table.rowidAlias.map { table.columns[$0].name } ?? "rowid"
            b.emit(.halt(code: .constraintPrimaryKey, action: Codegen.haltAction(onConflict), message: "\(table.name).\(name)",
                         constraint: .unique))
        }
        b.place(free)
        if let oldRowid { b.emit(jumpTo: skipRow) { .notExists(cursor: w.cursor, rowid: oldRowid, target: $0) } }
        b.place(same)
    }

    // MARK: INSERT

    func codeInsert(_ insert: Insert, span: SourceSpan) throws {
        guard let table = c.schema.table(named: insert.table, in: insert.schema ?? c.defaultDatabase) ?? c.eponymousTable(named: insert.table, schema: insert.schema) else {
            let prefix = insert.schema.map { $0 + "." } ?? (c.triggerScope == nil ? "" : "main.")
            throw c.error("no such table: \(prefix)\(insert.table)", at: nil)
        }
        if table.isSchemaTable && !c.schema.writableSchema { throw c.error("table \(table.name) may not be modified", at: span) }
        guard try authorizeWrite(.insert, table) else { return }
        if table.isVirtual { return try codeVirtualInsert(insert, table: table, span: span) }
        if table.isView {
            if !matchingTriggers(table, .insert, timing: .insteadOf).isEmpty { return try codeInsertIntoView(insert, view: table, span: span) }
            throw c.error("cannot modify \(table.name) because it is a view", at: span)
        }
        if table.isWithoutRowid, let message = withoutRowidInsertUnsupported(insert, table: table) {
            throw c.error(message, at: span)
        }
        // Which table column each supplied value feeds (-1: the rowid).
        var targets: [Int] = []
        if let names = insert.columns {
            for name in names {
                if let i = table.columnIndex(named: name), table.columns[i].generated != nil {
                    throw c.error("cannot INSERT into generated column \"\(table.columns[i].name)\"", at: span)
                }
                if let i = table.columnIndex(named: name) { targets.append(i) }
                else if Codegen.isRowidName(name) && table.hasRowid { targets.append(-1) }
                else { throw c.error("table \(table.name) has no column named \(name)", at: span) }
            }
        } else {
            // (Sized up front: `filter` grew the array one doubling at a time.)
            targets.reserveCapacity(table.columns.count)
            for i in table.columns.indices where table.columns[i].generated == nil { targets.append(i) }
        }
        let resolver = Resolver(c)
        let returning = try prepareReturning(insert.returning, table: table, alias: insert.alias, span: span)
        defer { finishReturning(returning) }
        let tableCursor = b.allocateCursor()
        let upserts = try upsertPlans(insert, table: table, cursor: tableCursor, span: span)
        switch insert.source {
        case .defaultValues:
            let w = try openForWrite(table, cursor: tableCursor, fresh: true)
            let auto = try autoincrementSetup(table)
            try codeInsertRow(w, targets: [], onConflict: insert.orConflict, autoincrement: auto, upserts: upserts,
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
                let w = try openForWrite(table, cursor: tableCursor, fresh: true)
                for row in rows {
                    if row.count != targets.count {
                        if insert.columns == nil {
                            throw c.error("table \(table.name) has \(targets.count) columns but \(row.count) values were supplied", at: span)
                        }
                        throw c.error("\(row.count) values for \(targets.count) columns", at: span)
                    }
                }
                let auto = try autoincrementSetup(table)
                for row in rows {
                    let values = try row.map { try resolver.resolve($0, in: c.triggerScope, context: .values) }
                    try codeInsertRow(w, targets: targets, onConflict: insert.orConflict, autoincrement: auto, upserts: upserts,
                                      returning: returning) { i, dest in
                        try self.code(values[i], into: dest)
                    }
                }
                autoincrementFinish(auto)
            } else {
                let resolved = try resolver.resolveSelect(select, outer: c.triggerScope)
                if resolved.resultColumns.count != targets.count {
                    if insert.columns == nil {
                        throw c.error("table \(table.name) has \(targets.count) columns but \(resolved.resultColumns.count) values were supplied", at: span)
                    }
                    throw c.error("\(resolved.resultColumns.count) values for \(targets.count) columns", at: span)
                }
                try codeInsertFromSelect(resolved, table: table, targets: targets, tableCursor: tableCursor,
                                         onConflict: insert.orConflict, upserts: upserts, returning: returning)
            }
        }
    }

    /// INSERT … SELECT. The SELECT is coded as a co-routine yielding one row at a time. When
    /// it reads the target table (directly or through a view, subquery or CTE: any OpenRead
    /// of the table, its indexes, or sqlite_sequence for AUTOINCREMENT), or the target has
    /// triggers or a RETURNING clause, its rows are first copied into an ephemeral table and
    /// inserted from there; otherwise each row is inserted as soon as it is produced.
    func codeInsertFromSelect(_ resolved: ResolvedSelect, table: Table, targets: [Int], tableCursor: Int,
                              onConflict: ConflictResolution?, upserts: [UpsertPlan],
                              returning: ReturningState?) throws {
        let width = max(targets.count, 1)
        let co = b.allocateRegister()
        var out = b.allocateRegisters(width)
        let initAddress = b.emit(.initCoroutine(register: co, jump: nil, start: 0))
        let bodyStart = b.currentAddress
        // The first place the SELECT yields a row from holds the co-routine's result: the
        // consumer only reads those registers between a Yield and the next, while the
        // co-routine is suspended (registers are never reused), so no per-row Copy is needed.
        // Any further place (another compound arm) copies its row there.
        var outFixed = false
        try codeSelect(resolved) { base, count in
            if !outFixed, count == targets.count, count > 0 {
                out = base
            } else if base != out {
                self.b.emit(.copy(source: base, dest: out, count: count))
            }
            outFixed = true
            self.b.emit(.yield(register: co))
        }
        b.emit(.endCoroutine(register: co))
        let bodyEnd = b.currentAddress
        b.replace(at: initAddress, with: .initCoroutine(register: co, jump: bodyEnd, start: bodyStart))

        var roots: Set<Int> = [Int(table.rootPage)]
        for index in c.schema.indexes(on: table) { roots.insert(Int(index.rootPage)) }
        if table.hasAutoincrement, let seq = c.schema.schema(forDatabase: table.database)?.localTable(named: "sqlite_sequence") {
            roots.insert(Int(seq.rootPage))
        }
        var readsTarget = false
        for instruction in b.instructions[bodyStart..<bodyEnd] {
            if case .openRead(_, let root, _, _, let inRegister, _) = instruction, inRegister || roots.contains(root) {
                readsTarget = true
                break
            }
        }
        let useTemp = readsTarget || returning != nil || !c.schema.triggers(on: table).isEmpty

        if !useTemp {
            // Each row is inserted as the co-routine yields it.
            let w = try openForWrite(table, cursor: tableCursor, fresh: true)
            let auto = try autoincrementSetup(table)
            let done = b.makeLabel()
            let top = b.currentAddress
            b.emit(jumpTo: done) { .yield(register: co, target: $0) }
            try codeInsertRow(w, targets: targets, onConflict: onConflict, autoincrement: auto, upserts: upserts,
                              returning: returning) { i, dest in
                self.b.emit(.sCopy(source: out + i, dest: dest))
            }
            b.emit(.goto(target: top))
            b.place(done)
            autoincrementFinish(auto)
            return
        }
        // The whole result first goes to an ephemeral table, then into the target.
        let temp = b.allocateCursor()
        b.emit(.openEphemeral(cursor: temp, columnCount: width))
        let rec = b.allocateRegister(), tempRowid = b.allocateRegister()
        let filled = b.makeLabel()
        let fill = b.currentAddress
        b.emit(jumpTo: filled) { .yield(register: co, target: $0) }
        b.emit(.makeRecord(start: out, count: targets.count, dest: rec))
        b.emit(.newRowid(cursor: temp, dest: tempRowid))
        b.emit(.insert(cursor: temp, record: rec, rowid: tempRowid))
        b.emit(.goto(target: fill))
        b.place(filled)
        let w = try openForWrite(table, cursor: tableCursor, fresh: true)
        let auto = try autoincrementSetup(table)
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: temp, target: $0) }
        let top = b.currentAddress
        try codeInsertRow(w, targets: targets, onConflict: onConflict, autoincrement: auto, upserts: upserts,
                          returning: returning) { i, dest in
            self.b.emit(.column(cursor: temp, column: i, dest: dest))
        }
        b.emit(.next(cursor: temp, target: top))
        b.place(done)
        autoincrementFinish(auto)
    }

    static func isRowidName(_ name: String) -> Bool {
        let l = name.lowercasedASCII
        return l == "rowid" || l == "oid" || l == "_rowid_"
    }

    /// Codes one inserted row: `value(k, dest)` codes supplied value k into `dest`.
    func codeInsertRow(_ w: WriteTarget, targets: [Int], onConflict: ConflictResolution?,
                       autoincrement: AutoincrementState? = nil, upserts: [UpsertPlan] = [],
                       returning: ReturningState? = nil,
                       value: (Int, Int) throws -> Void) throws {
        if w.table.isWithoutRowid {
            try codeWithoutRowidInsertRow(w, targets: targets, onConflict: onConflict, upserts: upserts,
                                          returning: returning, value: value)
            return
        }
        let table = w.table
        let n = table.columns.count
        let rowid = b.allocateRegister()
        let columns = b.allocateRegisters(n)
        for plan in upserts {
            // excluded.* reads the proposed row.
            for i in table.columns.indices {
                columnOverrides[RColumn(cursor: plan.excludedCursor, column: i)] = i == table.rowidAlias ? rowid : columns + i
            }
            columnOverrides[RColumn(cursor: plan.excludedCursor, column: -1)] = rowid
        }
        let skipRow = b.makeLabel()
        var rowidSupplied: Int? = nil
        // Supplied value index per column, -1 for none ([Int], not [Int?]: an optional
        // element type cost a runtime metadata lookup per row).
        var supplied = [Int](unsafeUninitializedCapacity: n) { buffer, count in
            buffer.initialize(repeating: -1)
            count = n
        }
        for (k, t) in targets.enumerated() {
            if t < 0 || t == table.rowidAlias { rowidSupplied = k } else { supplied[t] = k }
        }
        for i in 0..<n where i != table.rowidAlias {
            if supplied[i] >= 0 {
                try value(supplied[i], columns + i)
            } else if let d = table.columns[i].defaultValue {
                try code(try defaultExpr(d, column: table.columns[i]), into: columns + i)
            } else {
                b.emit(.null(dest: columns + i))
            }
        }
        if let alias = table.rowidAlias { b.emit(.null(dest: columns + alias)) }
        // BEFORE triggers run before the rowid is chosen: their NEW.rowid is the supplied
        // integer, or -1 when none (SQLite's order; a new rowid accounts for their inserts).
        let hasBefore = !matchingTriggers(table, .insert, timing: .before).isEmpty
        if hasBefore {
            let triggerRowid = b.allocateRegister()
            if let k = rowidSupplied {
                try value(k, rowid)
                let have = b.makeLabel(), ready = b.makeLabel()
                b.emit(.sCopy(source: rowid, dest: triggerRowid))
                b.emit(jumpTo: have) { .notNull(register: triggerRowid, target: $0) }
                b.emit(.integer(value: -1, dest: triggerRowid))
                b.emit(jumpTo: ready) { .goto(target: $0) }
                b.place(have)
                b.emit(.mustBeInt(register: triggerRowid))
                b.place(ready)
            } else {
                b.emit(.integer(value: -1, dest: triggerRowid))
            }
            if n > 0 { b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
            try codeGeneratedColumns(table, columns: columns, rowid: triggerRowid)
            codeStrictChecksBeforeTriggers(table, .insert, columns: columns)
            try fireTriggers(table, .insert, timing: .before, old: nil, new: TriggerRow(columns: columns, rowid: triggerRowid),
                             skipRow: skipRow)
        }
        // The rowid: supplied (must be an integer) or new. A supplied one is checked for a
        // conflict with the other constraints (codeConstraintChecks); `freshRowid` is 1 when
        // it was NULL and a new one was made (no check needed).
        var freshRowid: Register? = nil
        if let k = rowidSupplied {
            if !hasBefore { try value(k, rowid) }
            let have = b.makeLabel(), ready = b.makeLabel()
            let fresh = b.allocateRegister()
            freshRowid = fresh
            b.emit(jumpTo: have) { .notNull(register: rowid, target: $0) }
            b.emit(.newRowid(cursor: w.cursor, dest: rowid))
            codeAutoincrementRowid(rowid, autoincrement)
            b.emit(.integer(value: 1, dest: fresh))
            b.emit(jumpTo: ready) { .goto(target: $0) }
            b.place(have)
            b.emit(.mustBeInt(register: rowid))
            b.emit(.integer(value: 0, dest: fresh))
            b.place(ready)
        } else {
            b.emit(.newRowid(cursor: w.cursor, dest: rowid))
            codeAutoincrementRowid(rowid, autoincrement)
        }
        // sqlite_sequence follows the largest rowid the statement reached, before the
        // constraint checks: a row skipped by OR IGNORE or taken by an upsert still counts.
        if let autoincrement {
            let smaller = b.makeLabel()
            b.emit(jumpTo: smaller) { .le(lhs: rowid, rhs: autoincrement.sequence, target: $0) }
            b.emit(.sCopy(source: rowid, dest: autoincrement.sequence))
            b.place(smaller)
        }
        if !hasBefore {
            if n > 0 { b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
            try codeGeneratedColumns(table, columns: columns, rowid: rowid)
        } else if table.rowidAlias != nil {
            try codeGeneratedColumns(table, columns: columns, rowid: rowid)
        }
        try codeConstraintChecks(w, columns: columns, rowid: rowid, oldRowid: nil, onConflict: onConflict,
                                 skipRow: skipRow, upserts: upserts, returning: returning,
                                 checkRowid: rowidSupplied != nil, freshRowid: freshRowid)
        for (index, cursor) in w.indexes {
            let partial = try codePartialIndexSkip(index, table: table, columns: columns, rowid: rowid)
            let key = try codeIndexKey(index, columns: columns, rowid: rowid, table: table)
            let rec = b.allocateRegister()
            b.emit(.makeRecord(start: key, count: index.columns.count + 1, dest: rec))
            b.emit(.idxInsert(cursor: cursor, record: rec))
            if let partial { b.place(partial) }
        }
        let record = b.allocateRegister()
        let stored = recordRange(table, columns: columns)
        b.emit(.makeRecord(start: stored.start, count: stored.count, dest: record))
        b.emit(.insert(cursor: w.cursor, record: record, rowid: rowid,
                       flags: .of(countChanges: true, lastRowid: c.countsChanges), table: table.name))
        try codeForeignKeys(table, ForeignKeyChange(new: TriggerRow(columns: columns, rowid: rowid)))
        try emitReturningRow(returning, columns: columns, rowid: rowid)
        try fireTriggers(table, .insert, timing: .after, old: nil, new: TriggerRow(columns: columns, rowid: rowid),
                         skipRow: skipRow)
        b.place(skipRow)
    }

    /// A new rowid of an AUTOINCREMENT table is above every rowid it ever had.
    private func codeAutoincrementRowid(_ rowid: Int, _ state: AutoincrementState?) {
        guard let state else { return }
        let ok = b.makeLabel(), room = b.makeLabel()
        b.emit(jumpTo: ok) { .gt(lhs: rowid, rhs: state.sequence, target: $0) }
        // The sequence at the largest rowid: SQLITE_FULL, as SQLite (no random rowid here).
        let largest = b.allocateRegister()
        b.emit(.int64(value: Int64.max, dest: largest))
        b.emit(jumpTo: room) { .lt(lhs: state.sequence, rhs: largest, target: $0, jumpIfNull: true) }
        b.emit(.halt(code: .full, message: "database or disk is full"))
        b.place(room)
        b.emit(.sCopy(source: state.sequence, dest: rowid))
        b.emit(.addImm(register: rowid, value: 1))
        b.place(ok)
    }

    /// The resolved DEFAULT expression of a column (an identifier default is its name as text).
    func defaultExpr(_ e: Expr, column: Column) throws -> RExpr {
        if case .column(let ref) = e.kind, ref.table == nil { return .text(ref.column) }
        // Schema text: application functions there must be trusted (checkTrust).
        let saved = c.fromSchema
        c.fromSchema = true
        defer { c.fromSchema = saved }
        return try Resolver(c).resolve(e, in: nil, context: .values)
    }

    /// Deletes the row the table cursor is on (rowid in `rowid`) with its index entries,
    /// without counting it as a change (REPLACE). `positioned`: an index whose cursor is on
    /// the row's entry (the conflict just found), deleted through that cursor after the row.
    func deleteCurrentRow(_ w: WriteTarget, rowid: Int, positioned: (index: Index, cursor: Int)? = nil) throws {
        let fk = hasForeignKeys(w.table)
        let columns = fk ? try readRow(w) : try readIndexedColumns(w, except: positioned?.cursor)
        try deleteIndexEntries(w, columns: columns, rowid: rowid, except: positioned?.cursor)
        b.emit(.delete(cursor: w.cursor))
        if let positioned { b.emit(.delete(cursor: positioned.cursor)) }
        if fk { try codeForeignKeys(w.table, ForeignKeyChange(old: TriggerRow(columns: columns, rowid: rowid))) }
    }

    /// IdxDelete of the row's entry (old values in `columns`) in each index of `w` but the one
    /// open on cursor `except`.
    func deleteIndexEntries(_ w: WriteTarget, columns: Int, rowid: Int, except: Int? = nil) throws {
        for (index, ic) in w.indexes where ic != except {
            let partial = try codePartialIndexSkip(index, table: w.table, columns: columns, rowid: rowid)
            let key = try codeIndexKey(index, columns: columns, rowid: rowid, table: w.table)
            b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
            if let partial { b.place(partial) }
        }
    }

    /// Like `readRow`, but only the columns the index keys of `w` read (all of them when an
    /// index has expressions or a WHERE clause, or the table has generated columns); the
    /// registers of the others are left unset. `except`: the cursor of an index whose entry
    /// is deleted through that cursor (its columns are not needed).
    func readIndexedColumns(_ w: WriteTarget, except: Int? = nil) throws -> Int {
        let table = w.table
        if table.hasGenerated || w.indexes.contains(where: { !$0.index.isPlain }) { return try readRow(w) }
        let n = table.columns.count
        let columns = b.allocateRegisters(n)
        var needed = [Bool](repeating: false, count: n)
        for (index, ic) in w.indexes where ic != except {
            for col in index.columns where col.column >= 0 && col.column < n { needed[col.column] = true }
        }
        for i in 0..<n where needed[i] {
            if i == table.rowidAlias { b.emit(.rowid(cursor: w.cursor, dest: columns + i)); continue }
            b.emit(.column(cursor: w.cursor, column: i, dest: columns + i, default: columnDefault(table, i)))
            if table.columns[i].affinity == .real { b.emit(.realAffinity(register: columns + i)) }
        }
        return columns
    }

    // MARK: DELETE

    func codeDelete(_ delete: Delete, span: SourceSpan) throws {
        guard let table = c.schema.table(named: delete.table.name, in: delete.table.schema ?? c.defaultDatabase) ?? c.eponymousTable(named: delete.table.name, schema: delete.table.schema) else {
            let prefix = delete.table.schema.map { $0 + "." } ?? (c.triggerScope == nil ? "" : "main.")
            throw c.error("no such table: \(prefix)\(delete.table.name)", at: nil)
        }
        if table.isSchemaTable && !c.schema.writableSchema { throw c.error("table \(table.name) may not be modified", at: span) }
        guard try authorizeWrite(.delete, table) else { return }
        if table.isVirtual { return try codeVirtualDelete(delete, table: table, span: span) }
        if table.isView {
            if !matchingTriggers(table, .delete, timing: .insteadOf).isEmpty {
                return try codeChangeView(table, alias: delete.table.alias, assignments: nil, where: delete.where, span: span,
                                          returning: delete.returning)
            }
            throw c.error("cannot modify \(table.name) because it is a view", at: span)
        }
        if table.isWithoutRowid { return try codeWithoutRowidDelete(delete, table: table, span: span) }
        c.writes = true
        c.usesDatabase = true
        let returning = try prepareReturning(delete.returning, table: table, alias: delete.table.alias, span: span,
                                             kind: .oldRow)
        defer { finishReturning(returning) }
        if delete.where == nil && returning == nil && !hasTriggers(table, .delete) && !hasForeignKeys(table)
            && delete.limit == nil && delete.orderBy.isEmpty {
            // DELETE without WHERE: clear the table and its indexes.
            b.emit(.clear(root: Int(table.rootPage), countChanges: true, database: table.database))
            for index in c.schema.indexes(on: table) { b.emit(.clear(root: Int(index.rootPage), database: index.database)) }
            return
        }
        let cursor = b.allocateCursor()
        var source = SourceItem(table: table, exposedName: delete.table.alias ?? table.name, cursor: cursor)
        source.indexHint = delete.table.indexHint
        let scope = Scope(sources: [source], parent: c.triggerScope)
        let resolver = Resolver(c)
        let condition = try delete.where.map { try resolver.resolve($0, in: scope, context: .whereClause) }
        let limited = try limitClause(delete.orderBy, delete.limit, scope: scope, statement: "DELETE")
        if limited == nil, !hasTriggers(table, .delete), !hasForeignKeys(table) {
            // One row at most (a key lookup), or (no RETURNING, no subquery) a single loop over
            // the table or one of its indexes: each row is deleted as the loop reaches it
            // (SQLite's one-pass), the loop's index entry through the loop's own cursor.
            let plan = WherePlanner.plan(sources: [source], whereClause: condition, schema: c.schema,
                                         hints: writePlanHints(for: source))
            let oneRow = singleRowPlan(plan)
            if oneRow || (returning == nil && onePassDeletePlan(plan) && !(condition.map(Codegen.hasSubquery) ?? false)) {
                try codeSingleRowChange(plan, table: table, once: oneRow, deleting: true) { w, rowid in
                    let columns = returning == nil ? try self.readIndexedColumns(w, except: w.scanIndex?.cursor)
                        : try self.readRow(w)
                    try self.deleteIndexEntries(w, columns: columns, rowid: rowid, except: w.scanIndex?.cursor)
                    self.b.emit(.delete(cursor: w.cursor, flags: .of(countChanges: true), table: table.name))
                    if let scan = w.scanIndex { self.b.emit(.delete(cursor: scan.cursor)) }
                    // RETURNING sees the table after the row's change (SQLite: the first AFTER trigger).
                    try self.emitReturningRow(returning, columns: columns, rowid: rowid)
                }
                return
            }
        }
        // Pass 1: the rowids of the rows to delete.
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
            for (index, ic) in w.indexes {
                let partial = try self.codePartialIndexSkip(index, table: table, columns: columns, rowid: rowid)
                let key = try self.codeIndexKey(index, columns: columns, rowid: rowid, table: table)
                self.b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
                if let partial { self.b.place(partial) }
            }
            self.b.emit(.delete(cursor: w.cursor, flags: .of(countChanges: true), table: table.name))
            try self.codeForeignKeys(table, ForeignKeyChange(old: TriggerRow(columns: columns, rowid: rowid)))
            // RETURNING after the change and its foreign-key actions, before AFTER triggers (SQLite).
            try self.emitReturningRow(returning, columns: columns, rowid: rowid)
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
        let plan = WherePlanner.plan(sources: [source], whereClause: condition, schema: c.schema,
                                     hints: writePlanHints(for: source))
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
            else if w.table.hasGenerated { try codeTableColumn(w.table, cursor: w.cursor, column: i, dest: columns + i) }
            else {
                b.emit(.column(cursor: w.cursor, column: i, dest: columns + i, default: columnDefault(w.table, i)))
                if w.table.columns[i].affinity == .real { b.emit(.realAffinity(register: columns + i)) }
            }
        }
        return columns
    }

    // MARK: UPDATE

    func codeUpdate(_ update: Update, span: SourceSpan) throws {
        guard let table = c.schema.table(named: update.table.name, in: update.table.schema ?? c.defaultDatabase) ?? c.eponymousTable(named: update.table.name, schema: update.table.schema) else {
            let prefix = update.table.schema.map { $0 + "." } ?? (c.triggerScope == nil ? "" : "main.")
            throw c.error("no such table: \(prefix)\(update.table.name)", at: nil)
        }
        if table.isSchemaTable && !c.schema.writableSchema { throw c.error("table \(table.name) may not be modified", at: span) }
        if table.isVirtual { return try codeVirtualUpdate(update, table: table, span: span) }
        if table.isView {
            let hasInsteadOfUpdate = c.schema.triggers(on: table).contains { t in
                if t.timing == .insteadOf, case .update = t.event { return true }
                return false
            }
            if hasInsteadOfUpdate {
                return try codeChangeView(table, alias: update.table.alias, assignments: update.sets,
                                          where: update.where, span: span, returning: update.returning)
            }
            throw c.error("cannot modify \(table.name) because it is a view", at: span)
        }
        let cursor = b.allocateCursor()
        var source = SourceItem(table: table, exposedName: update.table.alias ?? table.name, cursor: cursor)
        source.indexHint = update.table.indexHint
        let scope = Scope(sources: [source], parent: c.triggerScope)
        let resolver = Resolver(c)
        if let from = update.from {
            try resolver.resolveFrom(from, into: scope)
            try Resolver.checkJoinSize(scope.sources.count)
        }
        // SET targets (-1: the rowid), last assignment wins.
        var assignments: [(column: Int, value: RExpr)] = []
        for set in try Resolver.expandAssignments(update.sets, c) {
            let name = set.column
            var target: Int
            if let i = table.columnIndex(named: name) { target = i }
            else if Codegen.isRowidName(name) { target = -1 }
            else { throw c.error("no such column: \(name)", at: set.value.span) }
            if target >= 0, table.columns[target].generated != nil {
                throw c.error("cannot UPDATE generated column \"\(table.columns[target].name)\"", at: set.value.span)
            }
            if try !authorizeUpdate(table, column: target >= 0 ? table.columns[target].name : "ROWID") { continue }
            if target == table.rowidAlias { target = -1 }
            assignments.append((target, try resolver.resolveAssignment(set, in: scope)))
        }
        let condition = try update.where.map { try resolver.resolve($0, in: scope, context: .whereClause) }
        if table.isWithoutRowid {
            return try codeWithoutRowidUpdate(update, table: table, source: source, scope: scope, assignments: assignments,
                                              condition: condition, span: span)
        }
        c.writes = true
        let returning = try prepareReturning(update.returning, table: table, alias: update.table.alias, span: span)
        defer { finishReturning(returning) }
        let limited = try limitClause(update.orderBy, update.limit, scope: scope, statement: "UPDATE")
        // (The closures below capture this, not `update`: capturing the statement copied it.)
        let orConflict = update.orConflict
        if update.from != nil {
            try codeUpdateFrom(table, source: source, scope: scope, assignments: assignments, condition: condition,
                               limited: limited, orConflict: update.orConflict, returning: returning)
            return
        }
        if limited == nil, !hasTriggers(table, .update(assignments.map(\.column))), !hasForeignKeys(table) {
            // One row at most (a key lookup): rewritten as it is found.
            let plan = WherePlanner.plan(sources: [source], whereClause: condition, schema: c.schema,
                                         hints: writePlanHints(for: source))
            // Only the indexes codeUpdateRow rewrites are opened (its `changed`), all of them
            // when OR REPLACE may delete another row.
            var assignedColumns = Set<Int>(minimumCapacity: assignments.count)
            for a in assignments { assignedColumns.insert(a.column) }
            let needs: ((Index) -> Bool)? = orConflict == .replace || assignedColumns.contains(-1) ? nil : { index in
                index.mayChange(assigning: assignedColumns, table: table)
            }
            if singleRowPlan(plan) {
                try codeSingleRowChange(plan, table: table, needs: needs) { w, rowid in
                    try self.codeUpdateRow(w, oldRowid: rowid, assignments: assignments, orConflict: orConflict,
                                           returning: returning)
                }
                return
            }
            // No index entry and no rowid can change, no subquery can see the changes: each
            // row is rewritten in place as the loop reaches it (SQLite's one-pass).
            let keyChanges = assignedColumns.contains(-1) || table.hasGenerated || c.schema.indexes(on: table).contains { index in
                index.mayChange(assigning: assignedColumns, table: table)
            }
            if !keyChanges, plan.levels.count == 1,
               !assignments.contains(where: { Codegen.hasSubquery($0.value) }), !(condition.map(Codegen.hasSubquery) ?? false) {
                try codeSingleRowChange(plan, table: table, once: false, needs: needs) { w, rowid in
                    try self.codeUpdateRow(w, oldRowid: rowid, assignments: assignments, orConflict: orConflict,
                                           returning: returning)
                }
                return
            }
        }
        let rowids = try collectRowids(source: source, condition: condition, limited: limited)
        let w = try openForWrite(table, cursor: cursor)
        try forEachCollectedRowid(rowids, w: w) { oldRowid in
            try self.codeUpdateRow(w, oldRowid: oldRowid, assignments: assignments, orConflict: orConflict,
                                   returning: returning)
        }
    }

    /// Rewrites the row the table cursor is on (rowid in `oldRowid`): `assignments` are
    /// computed with the cursor on the old row (-1: the rowid), then checks, index entries,
    /// triggers and RETURNING as for one row of UPDATE.
    func codeUpdateRow(_ w: WriteTarget, oldRowid: Int, assignments: [(column: Int, value: RExpr)],
                       orConflict: ConflictResolution?, returning: ReturningState?) throws {
        let table = w.table
        let n = table.columns.count
        // (One set of the assigned columns for the whole row: building it per use showed.)
        var assigned = Set<Int>(minimumCapacity: assignments.count)
        for a in assignments { assigned.insert(a.column) }
        let skipRow = self.b.makeLabel()
        var rowidValue: RExpr? = nil
        for a in assignments where a.column < 0 { rowidValue = a.value }
        let event = TriggerEvent.update(assignments.map(\.column))
        // The old row is needed only to delete index entries, for triggers and foreign keys;
        // otherwise an unassigned column is read straight into its new register (SQLite's
        // form: no copy of the old row per row).
        let needsOld = rowidValue != nil || table.hasGenerated || self.hasTriggers(table, event)
            || self.hasForeignKeys(table) || w.indexes.contains { $0.index.mayChange(assigning: assigned, table: table) }
        let old = needsOld ? try self.readRow(w) : 0
        // An unassigned column that only the new record reads is copied into it from the old
        // row as stored (MakeRecord `keeping:`): no Column, no decode and no re-encode. Not
        // when anything else reads the new row's registers: triggers, foreign keys, generated
        // columns, RETURNING, NOT NULL, CHECK and STRICT checks.
        var keep: [Bool] = []
        if !needsOld, returning == nil, !table.isStrict, table.checks.isEmpty,
           c.schema.schema(forDatabase: table.database)?.anyForeignKeys != true,
           table.recordIndex.isEmpty {
            keep = (0..<n).map { i in i != table.rowidAlias && !assigned.contains(i) && !table.columns[i].notNull }
            if !keep.contains(true) { keep = [] }
        }
        // New values, computed with the cursor on the old row.
        let columns = self.b.allocateRegisters(n)
        let newRowid = self.b.allocateRegister()
        // The last assignment of a column wins. (Searched per column, a few assignments: no
        // array of optional expressions per row.)
        for i in 0..<n where i != table.rowidAlias {
            if let k = assignments.lastIndex(where: { $0.column == i }) { try self.code(assignments[k].value, into: columns + i) }
            else if !keep.isEmpty && keep[i] { continue }
            else if needsOld { self.b.emit(.sCopy(source: old + i, dest: columns + i)) }
            else {
                self.b.emit(.column(cursor: w.cursor, column: i, dest: columns + i, default: self.columnDefault(table, i)))
                if table.columns[i].affinity == .real { self.b.emit(.realAffinity(register: columns + i)) }
            }
        }
        if let alias = table.rowidAlias { self.b.emit(.null(dest: columns + alias)) }
        if let rv = rowidValue {
            try self.code(rv, into: newRowid)
            self.b.emit(.mustBeInt(register: newRowid))
        } else {
            self.b.emit(.sCopy(source: oldRowid, dest: newRowid))
        }
        // With kept fields MakeRecord applies the affinities (as SQLite's MakeRecord does):
        // only NOT NULL checks read the registers before it then, and affinity keeps NULL.
        if n > 0 && keep.isEmpty { self.b.emit(.affinity(start: columns, affinities: table.columns.map(\.affinity))) }
        try self.codeGeneratedColumns(table, columns: columns, rowid: newRowid)
        if self.hasTriggers(table, event) {
            self.codeStrictChecksBeforeTriggers(table, event, columns: columns)
            try self.fireTriggers(table, event, timing: .before, old: TriggerRow(columns: old, rowid: oldRowid),
                                  new: TriggerRow(columns: columns, rowid: newRowid), skipRow: skipRow)
            self.b.emit(jumpTo: skipRow) { .notExists(cursor: w.cursor, rowid: oldRowid, target: $0) }
        }
        // Indexes whose key cannot change (no assigned column, same rowid) are left alone:
        // no conflict check, no entry rewritten (as SQLite).
        let changed = w.indexes.filter { entry in
            rowidValue != nil || entry.index.mayChange(assigning: assigned, table: table)
        }
        // A changed rowid must be free: checked after NOT NULL and CHECK (SQLite's order).
        try self.codeConstraintChecks(w, columns: columns, rowid: newRowid, oldRowid: oldRowid,
                                      onConflict: orConflict, skipRow: skipRow, checking: changed,
                                      checkRowid: rowidValue != nil)
        for (index, ic) in changed {
            let partial = try self.codePartialIndexSkip(index, table: table, columns: old, rowid: oldRowid)
            let key = try self.codeIndexKey(index, columns: old, rowid: oldRowid, table: table)
            self.b.emit(.idxDelete(cursor: ic, key: key, count: index.columns.count + 1))
            if let partial { self.b.place(partial) }
        }
        if rowidValue != nil {
            let same = self.b.makeLabel()
            self.b.emit(jumpTo: same) { .eq(lhs: newRowid, rhs: oldRowid, target: $0) }
            self.b.emit(.delete(cursor: w.cursor, flags: .of(countChanges: false), table: nil))
            self.b.place(same)
        }
        for (index, ic) in changed {
            let partial = try self.codePartialIndexSkip(index, table: table, columns: columns, rowid: newRowid)
            let key = try self.codeIndexKey(index, columns: columns, rowid: newRowid, table: table)
            let rec = self.b.allocateRegister()
            self.b.emit(.makeRecord(start: key, count: index.columns.count + 1, dest: rec))
            self.b.emit(.idxInsert(cursor: ic, record: rec))
            if let partial { self.b.place(partial) }
        }
        let record = self.b.allocateRegister()
        let stored = self.recordRange(table, columns: columns)
        let kept = keep.isEmpty ? nil : KeptFields(cursor: w.cursor, keep: keep,
                                                    defaults: (0..<n).map { self.columnDefault(table, $0) })
        self.b.emit(.makeRecord(start: stored.start, count: stored.count, dest: record,
                                affinities: kept == nil ? nil : table.columns.map(\.affinity), keeping: kept))
        self.b.emit(.insert(cursor: w.cursor, record: record, rowid: newRowid,
                            flags: .of(countChanges: true, isUpdate: true), table: table.name))
        try self.codeForeignKeys(table, ForeignKeyChange(old: TriggerRow(columns: old, rowid: oldRowid),
                                                         new: TriggerRow(columns: columns, rowid: newRowid),
                                                         assigned: assigned))
        try self.emitReturningRow(returning, columns: columns, rowid: newRowid)
        try self.fireTriggers(table, event, timing: .after, old: TriggerRow(columns: old, rowid: oldRowid),
                              new: TriggerRow(columns: columns, rowid: newRowid), skipRow: skipRow)
        self.b.place(skipRow)
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

/// One ON CONFLICT clause of an INSERT, resolved.
struct UpsertPlan {
    enum Target: Equatable { case any, rowid, index(String) }
    var target: Target
    var doNothing: Bool
    var assignments: [(column: Int, value: RExpr)] = []
    var condition: RExpr? = nil
    /// The cursor number `excluded.*` resolves to (its columns are register overrides).
    var excludedCursor: Int

    var matchesRowid: Bool { target == .any || target == .rowid }
    func matches(_ index: Index) -> Bool {
        target == .any || target == .index(index.name.lowercasedASCII)
    }
}

extension Codegen {
    // MARK: UPSERT

    /// Resolves the ON CONFLICT clauses of `insert` (target table cursor `cursor`).
    func upsertPlans(_ insert: Insert, table: Table, cursor: Int, span: SourceSpan) throws -> [UpsertPlan] {
        var plans: [UpsertPlan] = []
        // SQLite names the clause that matches nothing by its ordinal when there are several.
        let noMatch = { (k: Int) in
            self.c.error("\(insert.upserts.count > 1 ? ordinal(k + 1) + " " : "")ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
                         at: nil)
        }
        for (k, upsert) in insert.upserts.enumerated() {
            var target = UpsertPlan.Target.any
            if let terms = upsert.target {
                // The target's WHERE names the table's columns; it picks a partial index whose
                // WHERE is the same expression (and is ignored for a full index).
                if let targetWhere = upsert.targetWhere {
                    let scope = Scope(sources: [SourceItem(table: table, exposedName: insert.alias ?? table.name, cursor: cursor)],
                                      parent: nil)
                    _ = try Resolver(c).resolve(targetWhere, in: scope, context: .whereClause)
                }
                func partialMatches(_ index: Index) -> Bool {
                    guard let w = index.whereClause else { return true }
                    guard let t = upsert.targetWhere else { return false }
                    return t.sameShape(w, table: table.name) || (insert.alias.map { t.sameShape(w, table: $0) } ?? false)
                }
                var cols: [Int] = []
                var expressions: [Expr] = []
                // Explicit COLLATE of each column term (nil: any), parallel to `cols`.
                var collations: [String?] = []
                for term in terms {
                    var e = term.expr
                    var explicit: String? = nil
                    if case .collate(let inner, let name) = e.kind { e = inner; explicit = name }
                    collations.append(explicit)
                    if case .column(let ref) = e.kind, ref.table == nil, table.isWithoutRowid,
                       table.columnIndex(named: ref.column) == nil, Codegen.isRowidName(ref.column) {
                        throw c.error("no such column: \(ref.column)", at: e.span)
                    }
                    guard case .column(let ref) = e.kind, ref.table == nil,
                          let i = table.columnIndex(named: ref.column) ?? (Codegen.isRowidName(ref.column) ? -1 : nil) else {
                        // Matched against the expression columns of UNIQUE indexes.
                        expressions.append(e)
                        cols.append(-2)
                        continue
                    }
                    cols.append(i == table.rowidAlias ? -1 : i)
                }
                /// Every explicit COLLATE names the index column's collation.
                func collationsMatch(_ index: Index) -> Bool {
                    for (k, col) in cols.enumerated() where col >= 0 {
                        guard let want = collations[k] else { continue }
                        guard let ic = index.columns.first(where: { $0.column == col }) else { return false }
                        let have = ic.collation ?? table.columns[col].collation ?? "BINARY"
                        if !want.equalsIgnoringCase(have) { return false }
                    }
                    return true
                }
                if !expressions.isEmpty {
                    // A UNIQUE index with the same columns and the same expressions (any order).
                    let plain = cols.filter { $0 != -2 }
                    guard let index = c.schema.indexes(on: table).first(where: { index in
                        let indexExprs = index.columns.compactMap(\.expression)
                        return index.isUnique && index.columns.count == cols.count && indexExprs.count == expressions.count
                            && Set(index.columns.map(\.column).filter { $0 != -2 }) == Set(plain)
                            && expressions.allSatisfy { e in indexExprs.contains { $0.sameShape(e) } }
                            && partialMatches(index) && collationsMatch(index)
                    }) else {
                        throw noMatch(k)
                    }
                    target = .index(index.name.lowercasedASCII)
                } else if cols == [-1] && table.hasRowid {
                    target = .rowid
                } else if table.isWithoutRowid, Set(cols) == Set(table.primaryKey), cols.count == table.primaryKey.count,
                          collationsMatch(table.withoutRowidPrimaryIndex) {
                    target = .index(table.withoutRowidPrimaryIndex.name.lowercasedASCII)
                } else if let index = c.schema.indexes(on: table).first(where: { index in
                    index.isUnique && Set(index.columns.map(\.column)) == Set(cols) && index.columns.count == cols.count
                        && partialMatches(index) && collationsMatch(index)
                }) {
                    target = .index(index.name.lowercasedASCII)
                } else {
                    throw noMatch(k)
                }
            } else if k != insert.upserts.count - 1 {
                throw noMatch(k)
            }
            var plan = UpsertPlan(target: target, doNothing: true, excludedCursor: b.allocateCursor())
            if case .update(let sets, let condition) = upsert.action {
                plan.doNothing = false
                // Unqualified names are the target table's; `excluded` is found one level out.
                let excluded = Scope(sources: [SourceItem(table: table, exposedName: "excluded", cursor: plan.excludedCursor)],
                                     parent: c.triggerScope)
                let scope = Scope(sources: [SourceItem(table: table, exposedName: insert.alias ?? table.name, cursor: cursor)],
                                  parent: excluded)
                let resolver = Resolver(c)
                for set in try Resolver.expandAssignments(sets, c) {
                    let name = set.column
                    var column: Int
                    if let i = table.columnIndex(named: name) { column = i }
                    else if Codegen.isRowidName(name) { column = -1 }
                    else { throw c.error("no such column: \(name)", at: nil) }
                    if column == table.rowidAlias { column = -1 }
                    plan.assignments.append((column, try resolver.resolveAssignment(set, in: scope)))
                }
                plan.condition = try condition.map { try resolver.resolve($0, in: scope, context: .whereClause) }
            }
            plans.append(plan)
        }
        return plans
    }

    /// The proposed row conflicts with the row `conflictRowid` (the table cursor is on it):
    /// DO NOTHING skips the row; DO UPDATE rewrites the existing row (if its WHERE holds)
    /// and then skips the insert.
    func codeUpsertAction(_ plan: UpsertPlan, w: WriteTarget, conflictRowid: Int, returning: ReturningState?,
                          skipRow: Label) throws {
        if !plan.doNothing {
            if let condition = plan.condition { try jumpIfFalse(condition, to: skipRow, jumpIfNull: true) }
            let old = b.allocateRegister()
            b.emit(.sCopy(source: conflictRowid, dest: old))
            try codeUpdateRow(w, oldRowid: old, assignments: plan.assignments, orConflict: nil, returning: returning)
            adjustCountChanges(by: -1)
        }
        b.emit(jumpTo: skipRow) { .goto(target: $0) }
    }

    /// PRAGMA count_changes counts neither an upsert's updates nor (unlike changes()) the
    /// rows an INSTEAD OF trigger fired for: corrects the count by `delta` when this row
    /// is reached (top-level statement only).
    func adjustCountChanges(by delta: Int) {
        guard c.schema.countChanges, c.countsChanges else { return }
        let r = countChangesAdjustment ?? b.allocateRegister()
        countChangesAdjustment = r
        b.emit(.addImm(register: r, value: delta))
    }
}

extension Codegen {
    /// The VM action of a failed constraint under `OR …` (ABORT by default).
    static func haltAction(_ resolution: ConflictResolution?) -> ConflictAction {
        switch resolution {
        case .rollback: return .rollback
        case .fail: return .fail
        default: return .abort
        }
    }
}

extension Codegen {
    /// CHECK constraints on the new row (`columns`, `rowid`): a constraint that is false (not
    /// NULL) fails with "CHECK constraint failed: <name or expression text>"; OR IGNORE skips
    /// the row (OR REPLACE acts as ABORT, as in SQLite).
    func codeCheckConstraints(_ table: Table, columns: Int, rowid: Int, ignore: Bool, skipRow: Label,
                              action: ConflictAction) throws {
        // PRAGMA ignore_check_constraints=ON: not enforced.
        guard !table.checks.isEmpty, !c.schema.ignoreCheckConstraints else { return }
        let cursor = b.allocateCursor()
        for i in table.columns.indices {
            columnOverrides[RColumn(cursor: cursor, column: i)] = i == table.rowidAlias ? rowid : columns + i
        }
        columnOverrides[RColumn(cursor: cursor, column: -1)] = rowid
        let scope = Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: cursor)], parent: nil)
        let resolver = Resolver(c)
        for check in table.checks {
            let e = try resolver.resolve(check.expr, in: scope, context: .check)
            let ok = b.makeLabel()
            try jumpIfTrue(e, to: ok, jumpIfNull: true)
            if ignore {
                b.emit(jumpTo: skipRow) { .goto(target: $0) }
            } else {
                let text = check.name ?? table.sql.map { check.expr.span.text(in: $0) } ?? ""
                b.emit(.halt(code: .constraintCheck, action: action == .rollback || action == .fail ? action : .abort,
                             message: text, constraint: .check))
            }
            b.place(ok)
        }
    }
}

extension Codegen {
    // MARK: UPDATE … FROM

    /// UPDATE … FROM: pass 1 joins the target with the FROM items and stores, per target
    /// rowid, the assigned values (a later match for the same row replaces an earlier one);
    /// pass 2 rewrites each row with those values.
    func codeUpdateFrom(_ table: Table, source: SourceItem, scope: Scope, assignments: [(column: Int, value: RExpr)],
                        condition: RExpr?, limited: LimitClause?, orConflict: ConflictResolution?,
                        returning: ReturningState?) throws {
        let k = assignments.count
        let set = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: max(k, 1)))
        var sources = scope.sources
        if sources.contains(where: { $0.join.padsLeft }), !sources.isEmpty {
            // The target joins the FROM clause as a whole: with a RIGHT/FULL JOIN there, it is
            // the innermost loop, so the join's left operand is only the FROM items.
            sources.append(sources.removeFirst())
            sources[0].join = .inner
        }
        let plan = WherePlanner.plan(sources: sources, whereClause: condition, schema: c.schema)
        // One joined row: its target rowid, then the new values.
        let row = b.allocateRegisters(1 + max(k, 1)), rec = b.allocateRegister()
        let rowid = row, values = row + 1
        if let limited {
            // ORDER BY / LIMIT / OFFSET choose among the joined rows (a select's output stage).
            let end = b.makeLabel()
            let output = OutputStage(g: self, columnCount: 1 + k, end: end) { base, _ in
                self.b.emit(.makeRecord(start: base + 1, count: k, dest: rec))
                self.b.emit(.insert(cursor: set, record: rec, rowid: base))
            }
            try output.prepare(limit: limited.limit, offset: limited.offset, orderBy: limited.orderBy,
                               orderColumns: limited.orderBy.map { _ in nil })
            try codeLoops(plan) {
                self.b.emit(.rowid(cursor: source.cursor, dest: rowid))
                for (j, a) in assignments.enumerated() { try self.code(a.value, into: values + j) }
                try output.emit(row)
            }
            try output.finish()
            b.place(end)
        } else {
            try codeLoops(plan) {
                self.b.emit(.rowid(cursor: source.cursor, dest: rowid))
                for (j, a) in assignments.enumerated() { try self.code(a.value, into: values + j) }
                self.b.emit(.makeRecord(start: values, count: k, dest: rec))
                self.b.emit(.insert(cursor: set, record: rec, rowid: rowid))
            }
        }
        // The stored values are read back as the columns of a register-only pseudo table.
        let holder = b.allocateCursor()
        let mapped: [(column: Int, value: RExpr)] = assignments.enumerated().map { j, a in
            (a.column, .column(RColumn(cursor: holder, column: j), affinity: .blob, collation: nil, notNull: false))
        }
        let w = try openForWrite(table, cursor: source.cursor)
        try forEachCollectedRowid(set, w: w) { oldRowid in
            let loaded = self.b.allocateRegisters(max(k, 1))
            for j in 0..<k {
                self.b.emit(.column(cursor: set, column: j, dest: loaded + j))
                self.columnOverrides[RColumn(cursor: holder, column: j)] = loaded + j
            }
            try self.codeUpdateRow(w, oldRowid: oldRowid, assignments: mapped, orConflict: orConflict,
                                   returning: returning)
        }
    }
}

extension Codegen {
    // MARK: INSTEAD OF triggers on views

    /// INSERT into a view with INSTEAD OF INSERT triggers: each row becomes NEW (rowid NULL)
    /// and only the triggers run.
    func codeInsertIntoView(_ insert: Insert, view: Table, span: SourceSpan) throws {
        let resolver = Resolver(c)
        let source = try resolver.viewSource(view, alias: nil, scope: Scope(sources: [], parent: nil))
        let vt = source.table
        let n = vt.columns.count
        var targets: [Int] = []
        if let names = insert.columns {
            for name in names {
                guard let i = vt.columnIndex(named: name) else {
                    throw c.error("table \(view.name) has no column named \(name)", at: span)
                }
                targets.append(i)
            }
        } else {
            targets = Array(0..<n)
        }
        c.writes = true
        c.usesDatabase = true
        // RETURNING reports each NEW row (rowid NULL), as sqlite3 does for a view.
        let returning = try prepareReturning(insert.returning, table: vt, alias: insert.alias, span: span)
        defer { finishReturning(returning) }
        let columns = b.allocateRegisters(max(n, 1)), rowid = b.allocateRegister()
        let fire: ((Int) throws -> Void) throws -> Void = { supply in
            let skipRow = self.b.makeLabel()
            self.b.emit(.null(dest: columns, count: max(n, 1)))
            self.b.emit(.null(dest: rowid))
            try supply(columns)
            self.adjustCountChanges(by: 1)
            try self.fireTriggers(vt, .insert, timing: .insteadOf, old: nil,
                                  new: TriggerRow(columns: columns, rowid: rowid), skipRow: skipRow)
            if returning != nil {
                let viewRowid = self.b.allocateRegister()  // sqlite3 3.40 returns -1 as a view row's rowid
                self.b.emit(.integer(value: -1, dest: viewRowid))
                try self.emitReturningRow(returning, columns: columns, rowid: viewRowid)
            }
            self.b.place(skipRow)
        }
        switch insert.source {
        case .defaultValues:
            try fire { _ in }
        case .select(var select):
            if let with = insert.with, select.with == nil { select.with = with }
            if select.compounds.isEmpty, select.orderBy.isEmpty, select.limit == nil, select.with == nil,
               case .values(let rows) = select.first {
                for row in rows {
                    if row.count != targets.count {
                        if insert.columns == nil {
                            throw c.error("table \(view.name) has \(n) columns but \(row.count) values were supplied", at: span)
                        }
                        throw c.error("\(row.count) values for \(targets.count) columns", at: span)
                    }
                    let values = try row.map { try resolver.resolve($0, in: c.triggerScope, context: .values) }
                    try fire { base in
                        for (k, t) in targets.enumerated() { try self.code(values[k], into: base + t) }
                    }
                }
            } else {
                let resolved = try resolver.resolveSelect(select, outer: c.triggerScope)
                if resolved.resultColumns.count != targets.count {
                    if insert.columns == nil {
                        throw c.error("table \(view.name) has \(n) columns but \(resolved.resultColumns.count) values were supplied", at: span)
                    }
                    throw c.error("\(resolved.resultColumns.count) values for \(targets.count) columns", at: span)
                }
                try codeSelect(resolved) { base, _ in
                    try fire { dest in
                        for (k, t) in targets.enumerated() { self.b.emit(.sCopy(source: base + k, dest: dest + t)) }
                    }
                }
            }
        }
    }

    /// UPDATE (`assignments` non-nil) or DELETE of a view with INSTEAD OF triggers: the
    /// matching view rows (OLD, and NEW computed from them) are collected first, then the
    /// triggers run once per row.
    func codeChangeView(_ view: Table, alias: String?, assignments sets: [SetClause]?, where condition: Expr?,
                        span: SourceSpan, returning returningColumns: [ResultColumn] = []) throws {
        let resolver = Resolver(c)
        let source = try resolver.viewSource(view, alias: alias, scope: Scope(sources: [], parent: nil))
        let vt = source.table
        let n = vt.columns.count
        let scope = Scope(sources: [source], parent: c.triggerScope)
        var newValue = Array<RExpr?>(repeating: nil, count: n)
        var assigned: [Int] = []
        for set in try Resolver.expandAssignments(sets ?? [], c) {
            guard let i = vt.columnIndex(named: set.column) else {
                throw c.error("no such column: \(set.column)", at: nil)
            }
            newValue[i] = try resolver.resolveAssignment(set, in: scope)
            assigned.append(i)
        }
        if sets != nil && matchingTriggers(vt, .update(assigned), timing: .insteadOf).isEmpty {
            // INSTEAD OF UPDATE OF other columns only: the view stays read-only.
            throw c.error("cannot modify \(view.name) because it is a view", at: span)
        }
        let whereExpr = try condition.map { try resolver.resolve($0, in: scope, context: .whereClause) }
        c.writes = true
        c.usesDatabase = true
        let returning = try prepareReturning(returningColumns, table: vt, alias: alias, span: span)
        defer { finishReturning(returning) }
        let width = sets == nil ? n : 2 * n
        let rows = b.allocateCursor()
        b.emit(.openEphemeral(cursor: rows, columnCount: max(width, 1)))
        let plan = WherePlanner.plan(sources: [source], whereClause: whereExpr, schema: c.schema)
        let values = b.allocateRegisters(max(width, 1)), rec = b.allocateRegister(), key = b.allocateRegister()
        try codeLoops(plan) {
            for j in 0..<n { self.b.emit(.column(cursor: source.cursor, column: j, dest: values + j)) }
            if sets != nil {
                for j in 0..<n {
                    if let v = newValue[j] { try self.code(v, into: values + n + j) }
                    else { self.b.emit(.sCopy(source: values + j, dest: values + n + j)) }
                }
            }
            self.b.emit(.makeRecord(start: values, count: width, dest: rec))
            self.b.emit(.newRowid(cursor: rows, dest: key))
            self.b.emit(.insert(cursor: rows, record: rec, rowid: key))
        }
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: rows, target: $0) }
        let top = b.currentAddress
        let row = b.allocateRegisters(max(width, 1)), rowid = b.allocateRegister()
        b.emit(.null(dest: rowid))
        for j in 0..<width { b.emit(.column(cursor: rows, column: j, dest: row + j)) }
        let skipRow = b.makeLabel()
        adjustCountChanges(by: 1)
        // RETURNING's rowid of a view row: its number among the rows collected (as sqlite3 3.40).
        let returnedRowid = b.allocateRegister()
        if returning != nil { b.emit(.rowid(cursor: rows, dest: returnedRowid)) }
        if sets != nil {
            try fireTriggers(vt, .update(assigned), timing: .insteadOf, old: TriggerRow(columns: row, rowid: rowid),
                             new: TriggerRow(columns: row + n, rowid: rowid), skipRow: skipRow)
            if returning != nil {
                // sqlite3 3.40 returns the SET values, NULL for every column not assigned.
                let shown = b.allocateRegisters(max(n, 1))
                b.emit(.null(dest: shown, count: max(n, 1)))
                for j in assigned { b.emit(.sCopy(source: row + n + j, dest: shown + j)) }
                try emitReturningRow(returning, columns: shown, rowid: returnedRowid)
            }
        } else {
            try fireTriggers(vt, .delete, timing: .insteadOf, old: TriggerRow(columns: row, rowid: rowid),
                             new: nil, skipRow: skipRow)
            try emitReturningRow(returning, columns: row, rowid: returnedRowid)
        }
        b.place(skipRow)
        b.emit(.next(cursor: rows, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// The plan reaches at most one row through a key lookup (rowid equality, or equality on
    /// every column of a UNIQUE index, single values): UPDATE and DELETE can then change
    /// the row as they find it (SQLite's one-pass), without collecting rowids first.
    func singleRowPlan(_ plan: WherePlan) -> Bool {
        guard plan.levels.count == 1 else { return false }
        switch plan.levels[0].access {
        case .rowidEquals(.value):
            return true
        case .index(let scan):
            guard let index = scan.index, index.isUnique, index.isPlain,
                  scan.equal.count == index.columns.count, scan.low == nil, scan.high == nil else { return false }
            return scan.equal.allSatisfy { if case .value = $0 { return true }; return false }
        default:
            return false
        }
    }

    /// A DELETE plan the loop can delete as it goes: one loop over the table (whole, or a
    /// rowid range) or over one of its indexes (Delete then Next continues after the entry).
    func onePassDeletePlan(_ plan: WherePlan) -> Bool {
        guard plan.levels.count == 1, let level = plan.levels.first else { return false }
        switch level.access {
        case .fullScan, .rowidRange: return true
        case .index(let scan): return scan.index != nil
        default: return false
        }
    }

    /// One-pass UPDATE / DELETE of a rowid table: the indexes open for writing, the loop of
    /// `plan` (its table cursor open for writing) and `body` run on the row found, once.
    /// `deleting`: a loop over an index opens it for writing and hands it to `body` as
    /// `scanIndex` (the entry the loop is on is deleted through it).
    func codeSingleRowChange(_ plan: WherePlan, table: Table, once: Bool = true, deleting: Bool = false,
                             needs: ((Index) -> Bool)? = nil,
                             body: (WriteTarget, Int) throws -> Void) throws {
        c.writes = true
        c.usesDatabase = true
        let cursor = plan.levels[0].source.cursor
        // A DELETE looping over an index deletes its entries through the loop's own cursor
        // (opened for writing by codeLoops): that index gets no second cursor.
        var scanRoot: (root: UInt32, database: Int)? = nil
        var writable: ((Int, Int) -> Void)? = nil
        var scanIndexCursor: Int? = nil
        if deleting, case .index(let scan) = plan.levels[0].access, let index = scan.index {
            scanRoot = (UInt32(index.rootPage), index.database)
            writable = { _, ic in scanIndexCursor = ic }
        }
        var indexes: [(index: Index, cursor: Int)] = []
        for index in c.schema.indexes(on: table) {
            // UPDATE: only the indexes whose entries can change (`needs`), as SQLite opens.
            if let needs, !needs(index) { continue }
            if let scanRoot, UInt32(index.rootPage) == scanRoot.root, index.database == scanRoot.database {
                indexes.append((index, -1))  // the loop's cursor, set below
                continue
            }
            let ic = b.allocateCursor()
            b.emit(.openWrite(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                              keyInfo: try keyInfo(of: index), database: index.database))
            indexes.append((index, ic))
        }
        var w = WriteTarget(table: table, cursor: cursor, indexes: indexes)
        let done = b.makeLabel()
        let rowid = b.allocateRegister()
        try codeLoops(plan, write: true, writableIndex: writable) {
            if let ic = scanIndexCursor, case .index(let scan) = plan.levels[0].access, let index = scan.index,
               let k = w.indexes.firstIndex(where: { $0.index.rootPage == index.rootPage && $0.index.database == index.database }) {
                // Its entry goes through the loop's cursor; the other cursor on it is not used.
                w.scanIndex = (w.indexes[k].index, ic)
                w.indexes[k].cursor = ic
            }
            self.b.emit(.rowid(cursor: cursor, dest: rowid))
            try body(w, rowid)
            if once { self.b.emit(jumpTo: done) { .goto(target: $0) } }
        }
        b.place(done)
    }

    /// Whether `e` contains a subquery (which could read the rows being changed).
    static func hasSubquery(_ e: RExpr) -> Bool {
        switch e {
        case .inSelect, .exists, .subquery: return true
        case .unary(_, let x), .isNull(let x, _), .cast(let x, _, _), .collate(let x, _): return hasSubquery(x)
        case .binary(_, let a, let b), .compare(_, let a, let b): return hasSubquery(a) || hasSubquery(b)
        case .between(let a, let b, let c, _): return hasSubquery(a) || hasSubquery(b) || hasSubquery(c)
        case .inList(let x, let list, _): return hasSubquery(x) || list.contains(where: hasSubquery)
        case .function(_, let args): return args.contains(where: hasSubquery)
        case .caseWhen(let base, let whens, let otherwise):
            return base.map(hasSubquery) ?? false || whens.contains { hasSubquery($0.0) || hasSubquery($0.1) }
                || otherwise.map(hasSubquery) ?? false
        case .like(let a, let b, let c, _, _): return hasSubquery(a) || hasSubquery(b) || (c.map(hasSubquery) ?? false)
        case .row(let r): return !r.selects.isEmpty || r.subexpressions.contains(where: hasSubquery)
        case .aggregate, .register, .null, .integer, .real, .text, .blob, .parameter, .column, .raise: return false
        }
    }
}
