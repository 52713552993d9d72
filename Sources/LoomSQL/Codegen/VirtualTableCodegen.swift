// This file implements the codegen of virtual tables: CREATE VIRTUAL TABLE (schema row, then
// VCreate), DROP TABLE of one (VDestroy), the VFilter start of a loop, and INSERT / UPDATE /
// DELETE through VUpdate with SQLite's xUpdate argv. Layer: L5. Spec: Spec/L5-sql.md §Virtual tables.
import LoomBase
import LoomRecord
import LoomVDBE

extension Compilation {
    /// PRAGMA trusted_schema=OFF: a view or trigger body may use only the virtual tables
    /// sqlite3 3.40 marks innocuous (json_each, json_tree, generate_series), else "unsafe use
    /// of virtual table".
    func checkTrustedVirtualTable(_ table: Table) throws {
        guard !schema.trustedSchema, triggerScope != nil || !expandingViews.isEmpty else { return }
        switch (table.virtualModule ?? "").lowercasedASCII {
        case "json_each", "json_tree", "generate_series": return
        default: throw DatabaseError(.error, "unsafe use of virtual table \"\(table.name)\"")
        }
    }
}

extension Codegen {
    // MARK: Loops

    /// Codes xFilter's arguments and the VFilter of a loop over a virtual table. IN lists
    /// used one value at a time become loops around the VFilter (returned, innermost last:
    /// the caller closes them after VNext, as an index's IN loops); lists taken at once fill
    /// an ephemeral index the VM hands to xFilter. With no row (or no IN value left) the
    /// code jumps to `empty`.
    func codeVirtualFilter(_ v: VirtualAccess, cursor: Int, empty: Label) throws -> [InLoop] {
        if let message = v.error { throw c.error(message, at: nil) }
        let base = b.allocateRegisters(max(v.arguments.count, 1))
        var loops: [InLoop] = []
        var lists: [VirtualInList] = []
        for (k, a) in v.arguments.enumerated() {
            switch a {
            case .value(let e):
                try code(e, into: base + k)
            case .limit(let e):
                try code(e, into: base + k)
                b.emit(.mustBeInt(register: base + k))
            case .inLoop(let key, let affinity, let collation):
                loops.append(try codeInLoopStart(key, affinity: affinity, collation: collation, dest: base + k,
                                                 exhausted: loops.last?.next ?? empty))
            case .inList(let key, let affinity, let collation):
                lists.append(VirtualInList(argument: k, cursor: try codeInListIndex(key, affinity: affinity,
                                                                                     collation: collation)))
                b.emit(.null(dest: base + k))
            }
        }
        let none = loops.last?.next ?? empty
        if lists.isEmpty {
            b.emit(jumpTo: none) {
                .vFilter(cursor: cursor, target: $0, indexNumber: v.indexNumber, indexString: v.indexString,
                         arguments: base, count: v.arguments.count)
            }
        } else {
            b.emit(jumpTo: none) {
                .vFilterIn(cursor: cursor, target: $0, indexNumber: v.indexNumber, indexString: v.indexString,
                           arguments: base, count: v.arguments.count, lists: lists)
            }
        }
        return loops
    }

    /// Closes the IN loops `codeVirtualFilter` opened (after the loop's VNext).
    func closeVirtualInLoops(_ loops: [InLoop]) {
        for loop in loops.reversed() {
            b.place(loop.next)
            b.emit(.next(cursor: loop.cursor, target: loop.top))
        }
    }

    // MARK: DDL

    func codeCreateVirtualTable(_ create: CreateVirtualTable, statementSpan: SourceSpan) throws {
        let nameSpan = SourceSpan(start: create.schemaTextStart, end: create.schemaTextStart)
        if let s = create.schema, !s.equalsIgnoringCase("main") {
            throw c.error("unknown database \(s)", at: nameSpan)
        }
        if let existing = c.schema.table(named: create.name) {
            if create.ifNotExists { return }
            throw c.error("\(existing.isView ? "view" : "table") \(create.name) already exists", at: nameSpan)
        }
        if c.schema.index(named: create.name) != nil {
            throw c.error("there is already an index named \(create.name)", at: nameSpan)
        }
        if create.name.lowercasedASCII.hasPrefix("sqlite_") {
            throw c.error("object name reserved for internal use: \(create.name)", at: nameSpan)
        }
        let sql = "CREATE VIRTUAL TABLE " + SourceSpan(start: create.schemaTextStart, end: statementSpan.end).text(in: c.sql)
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: 1, columnCount: 5))
        let row = b.allocateRegisters(5)
        b.emit(.string8(value: "table", dest: row))
        b.emit(.string8(value: create.name, dest: row + 1))
        b.emit(.string8(value: create.name, dest: row + 2))
        b.emit(.integer(value: 0, dest: row + 3))
        b.emit(.string8(value: sql, dest: row + 4))
        let rec = b.allocateRegister(), rowid = b.allocateRegister()
        b.emit(.makeRecord(start: row, count: 5, dest: rec))
        b.emit(.newRowid(cursor: cursor, dest: rowid))
        b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
        b.emit(.close(cursor: cursor))
        finishSchemaChange()
        b.emit(.vCreate(name: create.name, module: create.module, arguments: create.arguments ?? [], sql: sql))
    }

    /// DROP TABLE of a virtual table: xDestroy, then the schema row goes.
    func codeDropVirtualTable(_ table: Table, span: SourceSpan) throws {
        guard let module = table.virtualModule, let sql = table.sql else {
            throw c.error("table \(table.name) may not be dropped", at: span)
        }
        // The module must exist (SQLite connects the table before dropping it).
        _ = try c.connectVirtualTable(table)
        b.emit(.vDestroy(name: table.name, module: module, arguments: table.virtualArguments, sql: sql))
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: 1, columnCount: 5))
        let wanted = b.allocateRegister(), have = b.allocateRegister()
        b.emit(.string8(value: table.name, dest: wanted))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        let next = b.makeLabel()
        b.emit(.column(cursor: cursor, column: 2, dest: have))
        b.emit(jumpTo: next) { .ne(lhs: wanted, rhs: have, target: $0, collation: .nocase, jumpIfNull: true) }
        b.emit(.delete(cursor: cursor))
        b.place(next)
        b.emit(.next(cursor: cursor, target: top))
        b.place(done)
        finishSchemaChange()
    }

    // MARK: DML

    /// The connected table for a write, or "table X may not be modified".
    private func writableVirtualTable(_ table: Table, span: SourceSpan) throws -> (Table, VirtualTableReference) {
        try c.checkTrustedVirtualTable(table)
        let (t, ref) = try c.connectVirtualTable(table)
        guard ref.table.isWritable else { throw c.error("table \(t.name) may not be modified", at: span) }
        c.writes = true
        c.usesDatabase = true
        b.emit(.vBegin(table: ref))
        return (t, ref)
    }

    private var virtualWriteFlags: WriteFlags { [.countChanges] }

    private func conflictAction(_ r: ConflictResolution?) -> ConflictAction {
        switch r {
        case .rollback?: return .rollback
        case .fail?: return .fail
        case .ignore?: return .ignore
        case .replace?: return .replace
        default: return .abort
        }
    }

    /// INSERT into a virtual table: one xUpdate per row. A given rowid must be an integer
    /// ("datatype mismatch" otherwise, as sqlite3's MustBeInt). RETURNING values are computed
    /// from the row as given, before xUpdate (as sqlite3 3.40): the rowid is -1 unless given,
    /// hidden columns are NULL, and subqueries see the table without the row.
    func codeVirtualInsert(_ insert: Insert, table unconnected: Table, span: SourceSpan) throws {
        let (table, ref) = try writableVirtualTable(unconnected, span: span)
        if !insert.upserts.isEmpty {
            throw c.error("UPSERT not implemented for virtual table \"\(table.name)\"", at: nil)
        }
        let n = table.columns.count
        var targets: [Int] = []
        if let names = insert.columns {
            for name in names {
                if let i = table.columnIndex(named: name) { targets.append(i) }
                else if Codegen.isRowidName(name) { targets.append(-1) }
                else { throw c.error("table \(table.name) has no column named \(name)", at: span) }
            }
        } else {
            targets = table.columns.indices.filter { !table.columns[$0].isHidden }
        }
        var resolvedSource: ResolvedSelect? = nil
        if case .select(var select) = insert.source {
            if let with = insert.with, select.with == nil { select.with = with }
            let resolved = try Resolver(c).resolveSelect(select, outer: c.triggerScope)
            if resolved.resultColumns.count != targets.count {
                if insert.columns == nil {
                    throw c.error("table \(table.name) has \(targets.count) columns but \(resolved.resultColumns.count) values were supplied", at: span)
                }
                throw c.error("\(resolved.resultColumns.count) values for \(targets.count) columns", at: span)
            }
            resolvedSource = resolved
        }
        let returning = try prepareReturning(insert.returning, table: table, alias: insert.alias, span: span)
        defer { finishReturning(returning) }
        let argv = b.allocateRegisters(n + 2)
        let returnedRowid = b.allocateRegister()
        let action = conflictAction(insert.orConflict)
        func emitRow(_ base: Int?) throws {
            b.emit(.null(dest: argv, count: n + 2))
            if let base {
                for (k, t) in targets.enumerated() {
                    b.emit(.sCopy(source: base + k, dest: t < 0 ? argv + 1 : argv + 2 + t))
                }
            }
            let noRowid = b.makeLabel()
            if targets.contains(-1) {
                b.emit(jumpTo: noRowid) { .isNull(register: argv + 1, target: $0) }
                b.emit(.mustBeInt(register: argv + 1))
            }
            if returning != nil {
                let given = b.makeLabel()
                b.emit(.sCopy(source: argv + 1, dest: returnedRowid))
                b.emit(jumpTo: given) { .notNull(register: argv + 1, target: $0) }
                b.place(noRowid)
                b.emit(.integer(value: -1, dest: returnedRowid))
                b.place(given)
                try emitReturningRow(returning, columns: argv + 2, rowid: returnedRowid)
            } else {
                b.place(noRowid)
            }
            b.emit(.vUpdate(table: ref, arguments: argv, count: n + 2, flags: virtualWriteFlags.union(.lastRowid),
                            action: action))
        }
        if let resolved = resolvedSource {
            try codeSelect(resolved) { base, _ in try emitRow(base) }
        } else {
            try emitRow(nil)
        }
    }

    /// DELETE from a virtual table: the rowids first (ORDER BY / LIMIT choose them, then they
    /// go in rowid order, as SQLite's `rowid IN (SELECT …)`), then xUpdate(rowid) for each.
    func codeVirtualDelete(_ delete: Delete, table unconnected: Table, span: SourceSpan) throws {
        let (table, ref) = try writableVirtualTable(unconnected, span: span)
        if !delete.returning.isEmpty { throw c.error("DELETE RETURNING is not available on virtual tables", at: nil) }
        var source = SourceItem(table: table, exposedName: delete.table.alias ?? table.name, cursor: b.allocateCursor())
        source.virtualTable = ref
        let scope = Scope(sources: [source], parent: c.triggerScope)
        let condition = try delete.where.map { try Resolver(c).resolve($0, in: scope, context: .whereClause) }
        let limited = try limitClause(delete.orderBy, delete.limit, scope: scope, statement: "DELETE")
        let set = try collectRowids(source: source, condition: condition, limited: limited)
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        let argv = b.allocateRegister()
        b.emit(.rowid(cursor: set, dest: argv))
        b.emit(.vUpdate(table: ref, arguments: argv, count: 1, flags: virtualWriteFlags))
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }

    /// UPDATE of a virtual table: pass 1 stores each matching row's xUpdate argv (old rowid,
    /// new rowid, columns), pass 2 calls xUpdate for each. With FROM, one call per joined row
    /// (a row matched twice is updated twice, as sqlite3; ORDER BY / LIMIT are then ignored,
    /// as sqlite3 3.40 does); otherwise ORDER BY / LIMIT choose the rows, changed in rowid order.
    func codeVirtualUpdate(_ update: Update, table unconnected: Table, span: SourceSpan) throws {
        let (table, ref) = try writableVirtualTable(unconnected, span: span)
        if !update.returning.isEmpty { throw c.error("UPDATE RETURNING is not available on virtual tables", at: nil) }
        var source = SourceItem(table: table, exposedName: update.table.alias ?? table.name, cursor: b.allocateCursor())
        source.virtualTable = ref
        let scope = Scope(sources: [source], parent: c.triggerScope)
        let resolver = Resolver(c)
        if let from = update.from {
            try resolver.resolveFrom(from, into: scope)
            try Resolver.checkJoinSize(scope.sources.count)
        }
        var assignments: [Int: RExpr] = [:]
        for set in try Resolver.expandAssignments(update.sets, c) {
            let name = set.column
            let target: Int
            if let i = table.columnIndex(named: name) { target = i }
            else if Codegen.isRowidName(name) { target = -1 }
            else { throw c.error("no such column: \(name)", at: set.value.span) }
            assignments[target] = try resolver.resolveAssignment(set, in: scope)
        }
        let condition = try update.where.map { try resolver.resolve($0, in: scope, context: .whereClause) }
        // sqlite3 3.40 ignores ORDER BY / LIMIT of an UPDATE … FROM on a virtual table (not even
        // resolved: `ORDER BY nosuch`, `LIMIT 'x'` pass): every joined row is updated.
        let limited = update.from != nil ? nil
            : try limitClause(update.orderBy, update.limit, scope: scope, statement: "UPDATE")
        let n = table.columns.count
        // Pass 1: each matching row's argv into an ephemeral table.
        let set = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: n + 2))
        let argv = b.allocateRegisters(n + 2)
        let rec = b.allocateRegister(), key = b.allocateRegister()
        var sources = scope.sources
        if sources.contains(where: { $0.join.padsLeft }), !sources.isEmpty {
            // The target joins the FROM clause as a whole (see codeUpdateFrom).
            sources.append(sources.removeFirst())
            sources[0].join = .inner
        }
        let plan = WherePlanner.plan(sources: sources, whereClause: condition, schema: c.schema)
        func codeArgv() throws {
            b.emit(.rowid(cursor: source.cursor, dest: argv))
            if let e = assignments[-1] {
                try code(e, into: argv + 1)
                // A new rowid must be an integer (sqlite3: "datatype mismatch"); NULL goes to
                // the module as it is (FTS5 then picks a new rowid).
                let done = b.makeLabel()
                b.emit(jumpTo: done) { .isNull(register: argv + 1, target: $0) }
                b.emit(.mustBeInt(register: argv + 1))
                b.place(done)
            } else {
                b.emit(.sCopy(source: argv, dest: argv + 1))
            }
            for i in 0..<n {
                if let e = assignments[i] { try code(e, into: argv + 2 + i) }
                else { b.emit(.vColumn(cursor: source.cursor, column: i, dest: argv + 2 + i)) }
            }
        }
        if let limited {
            let end = b.makeLabel()
            let output = OutputStage(g: self, columnCount: n + 2, end: end) { base, _ in
                self.b.emit(.makeRecord(start: base, count: n + 2, dest: rec))
                self.b.emit(.insert(cursor: set, record: rec, rowid: base))
            }
            try output.prepare(limit: limited.limit, offset: limited.offset, orderBy: limited.orderBy,
                               orderColumns: limited.orderBy.map { _ in nil })
            try codeLoops(plan) {
                try codeArgv()
                try output.emit(argv)
            }
            try output.finish()
            b.place(end)
        } else {
            try codeLoops(plan) {
                try codeArgv()
                self.b.emit(.makeRecord(start: argv, count: n + 2, dest: rec))
                self.b.emit(.newRowid(cursor: set, dest: key))
                self.b.emit(.insert(cursor: set, record: rec, rowid: key))
            }
        }
        // Pass 2: xUpdate for each.
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: set, target: $0) }
        let top = b.currentAddress
        for i in 0..<(n + 2) { b.emit(.column(cursor: set, column: i, dest: argv + i)) }
        b.emit(.vUpdate(table: ref, arguments: argv, count: n + 2, flags: virtualWriteFlags,
                        action: conflictAction(update.orConflict)))
        b.emit(.next(cursor: set, target: top))
        b.place(done)
    }
}
