// This file implements triggers: CREATE / DROP TRIGGER, and firing FOR EACH ROW BEFORE and
// AFTER triggers inside INSERT, UPDATE and DELETE, their bodies compiled in line with OLD and
// NEW bound to the row's registers. Layer: L5. Spec: Spec/L5-sql.md §Codegen (C13).
import LoomBase
import LoomRecord
import LoomVDBE

/// The row registers a trigger sees: columns in table order, then the rowid.
struct TriggerRow {
    var columns: Int
    var rowid: Int
}

enum TriggerEvent {
    case insert, delete
    /// UPDATE with the columns it assigns (-1: the rowid).
    case update([Int])
}

extension Codegen {
    // MARK: CREATE / DROP

    func codeCreateTrigger(_ create: CreateTrigger, statementSpan: SourceSpan) throws {
        let nameSpan = SourceSpan(start: create.schemaTextStart, end: create.schemaTextStart)
        try setCreateTarget(temporary: create.temporary, schema: create.schema, nameSpan: nameSpan,
                            qualifiedTempError: "temporary trigger may not have qualified name")
        let targetName = c.schema.databaseNames[c.targetDatabase] ?? "main"
        if c.schema.trigger(named: create.name) != nil {
            if create.ifNotExists { return }
            throw c.error("trigger \(create.name) already exists", at: nameSpan)
        }
        if create.name.lowercasedASCII.hasPrefix("sqlite_") {
            throw c.error("object name reserved for internal use: \(create.name)", at: nameSpan)
        }
        let tableSchema = create.tableSchema ?? (c.targetDatabase == 1 ? nil : targetName)
        guard let table = c.schema.table(named: create.table, in: tableSchema) else {
            if c.eponymousTable(named: create.table, schema: create.tableSchema) != nil {
                throw c.error("cannot create triggers on virtual tables", at: nameSpan)
            }
            throw c.error("no such table: \(tableSchema ?? targetName).\(create.table)", at: nameSpan)
        }
        if table.isVirtual { throw c.error("cannot create triggers on virtual tables", at: nameSpan) }
        if c.targetDatabase != 1 && table.database != c.targetDatabase {
            throw c.error("trigger \(create.name) cannot reference objects in database \(c.schema.databaseNames[table.database] ?? "main")",
                          at: nameSpan)
        }
        if table.isSchemaTable { throw c.error("cannot create trigger on system table", at: nameSpan) }
        if table.isView {
            if create.timing != .insteadOf {
                let when = create.timing == .after ? "AFTER" : "BEFORE"
                throw c.error("cannot create \(when) trigger on view: \(create.schema.map { $0 + "." } ?? "")\(table.name)",
                              at: nameSpan)
            }
        } else if create.timing == .insteadOf {
            throw c.error("cannot create INSTEAD OF trigger on table: \(table.name)", at: nameSpan)
        }
        let sql = "CREATE TRIGGER " + SourceSpan(start: create.schemaTextStart, end: statementSpan.end).text(in: c.sql)
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: 1, columnCount: 5, database: c.targetDatabase))
        let row = b.allocateRegisters(5)
        b.emit(.string8(value: "trigger", dest: row))
        b.emit(.string8(value: create.name, dest: row + 1))
        b.emit(.string8(value: create.table, dest: row + 2))  // as written, as SQLite stores it
        b.emit(.integer(value: 0, dest: row + 3))
        b.emit(.string8(value: sql, dest: row + 4))
        let rec = b.allocateRegister(), rowid = b.allocateRegister()
        b.emit(.makeRecord(start: row, count: 5, dest: rec))
        b.emit(.newRowid(cursor: cursor, dest: rowid))
        b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
        finishTriggerSchemaChange()
    }

    func codeDropTrigger(_ drop: Drop, span: SourceSpan) throws {
        let found: Trigger?
        if let s = drop.schema {
            found = c.schema.databaseNumber(named: s).flatMap { c.schema.schema(forDatabase: $0) }?.triggers[drop.name.lowercasedASCII]
        } else {
            found = c.schema.trigger(named: drop.name)
        }
        guard let trigger = found else {
            if drop.ifExists { return }
            throw c.error("no such trigger: \(drop.schema.map { $0 + "." } ?? "")\(drop.name)", at: nil)
        }
        c.targetDatabase = trigger.database
        let cursor = b.allocateCursor()
        b.emit(.openWrite(cursor: cursor, root: 1, columnCount: 5, database: c.targetDatabase))
        let type = b.allocateRegister(), name = b.allocateRegister(), have = b.allocateRegister()
        b.emit(.string8(value: "trigger", dest: type))
        b.emit(.string8(value: trigger.name, dest: name))
        let done = b.makeLabel(), next = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        b.emit(.column(cursor: cursor, column: 0, dest: have))
        b.emit(jumpTo: next) { .ne(lhs: type, rhs: have, target: $0, jumpIfNull: true) }
        b.emit(.column(cursor: cursor, column: 1, dest: have))
        b.emit(jumpTo: next) { .ne(lhs: name, rhs: have, target: $0, jumpIfNull: true) }
        b.emit(.delete(cursor: cursor))
        b.place(next)
        b.emit(.next(cursor: cursor, target: top))
        b.place(done)
        finishTriggerSchemaChange()
    }

    private func finishTriggerSchemaChange() {
        b.emit(.setCookie(field: .schemaCookie, value: Int(c.targetCookie &+ 1), database: c.targetDatabase))
        b.emit(.parseSchema())
        c.writes = true
        c.usesDatabase = true
    }

    // MARK: Firing

    /// True when `table` has a trigger for `event` (any timing).
    func hasTriggers(_ table: Table, _ event: TriggerEvent) -> Bool {
        !matchingTriggers(table, event, timing: .before).isEmpty || !matchingTriggers(table, event, timing: .after).isEmpty
    }

    func matchingTriggers(_ table: Table, _ event: TriggerEvent, timing: CreateTrigger.Timing) -> [Trigger] {
        c.schema.triggers(on: table).filter { t in
            guard t.timing == timing, !c.activeTriggers.contains(t.name.lowercasedASCII) else { return false }
            switch (t.event, event) {
            case (.insert, .insert), (.delete, .delete): return true
            case (.update(let columns), .update(let assigned)):
                guard let columns else { return true }
                return columns.contains { name in
                    if let i = table.columnIndex(named: name) { return assigned.contains(i == table.rowidAlias ? -1 : i) }
                    return false
                }
            default: return false
            }
        }
    }

    /// Codes the bodies of `table`'s triggers for `event` at `timing`, with OLD / NEW bound
    /// to the given registers. RAISE(IGNORE) jumps to `skipRow`.
    func fireTriggers(_ table: Table, _ event: TriggerEvent, timing: CreateTrigger.Timing,
                      old: TriggerRow?, new: TriggerRow?, skipRow: Label) throws {
        for trigger in matchingTriggers(table, event, timing: timing) {
            try codeTriggerBody(trigger, table: table, old: old, new: new, skipRow: skipRow)
        }
    }

    /// Runs `body` compiling text `sql` with OLD / NEW of `table` bound to the given rows
    /// (reachable only qualified, old.x / new.x, as in SQLite), inside trigger `name`.
    /// `database`: the trigger's own database; a trigger stored in main or an attached file
    /// resolves unqualified names there (a TEMP trigger, or nil, uses the normal search order).
    func withRowBinding<T>(sql: String, name: String, table: Table, old: TriggerRow?, new: TriggerRow?,
                           database: Int? = nil, _ body: (Compilation) throws -> T) throws -> T {
        let outer = c
        let child = Compilation(sql: sql, schema: outer.schema, builder: outer.builder)
        child.activeTriggers = outer.activeTriggers.union([name.lowercasedASCII])
        child.authorizationContext = name
        child.fromSchema = database.map { $0 != 1 } ?? false
        if let database, database != 1 && !outer.schema.linked.isEmpty {
            child.defaultDatabase = outer.schema.databaseNames[database] ?? "main"
        }
        var sources: [SourceItem] = []
        let savedOverrides = columnOverrides
        for (name, row) in [("old", old), ("new", new)] {
            guard let row else { continue }
            let cursor = b.allocateCursor()
            var source = SourceItem(table: table, exposedName: name, cursor: cursor)
            source.hiddenColumns = Set(table.columns.indices)
            sources.append(source)
            for i in table.columns.indices {
                columnOverrides[RColumn(cursor: cursor, column: i)] = i == table.rowidAlias ? row.rowid : row.columns + i
            }
            columnOverrides[RColumn(cursor: cursor, column: -1)] = row.rowid
        }
        child.triggerScope = Scope(sources: sources, parent: nil)
        c = child
        defer {
            c = outer
            outer.writes = outer.writes || child.writes
            outer.usesDatabase = true
            columnOverrides = savedOverrides
        }
        return try body(child)
    }

    /// Fires one trigger for the current row: its WHEN and body are a sub-program of the
    /// statement (compiled once per statement, C13), run by a `program` instruction with OLD
    /// and NEW copied into its registers. RAISE(IGNORE) in it jumps to `skipRow`.
    /// `recursive`: runs even while already running (foreign-key actions); a named trigger
    /// does so only under PRAGMA recursive_triggers.
    func codeTriggerBody(_ trigger: Trigger, table: Table, old: TriggerRow?, new: TriggerRow?, skipRow: Label,
                         recursive: Bool = false) throws {
        let key = "\(trigger.name.lowercasedASCII)\u{0}\(trigger.database)\u{0}\(table.name.lowercasedASCII)\u{0}\(table.database)"
            + "\u{0}" + c.activeTriggers.sorted().joined(separator: ",")
        let index = try subProgram(key: key, sql: trigger.sql, name: trigger.name, table: table,
                                   database: trigger.database,
                                   comment: recursive ? nil : "-- TRIGGER \(trigger.name)") { child, ignore in
            let resolver = Resolver(child)
            if let when = trigger.when {
                try jumpIfFalse(try resolver.resolve(when, in: child.triggerScope, context: .whereClause), to: ignore.end,
                                jumpIfNull: true)
            }
            for statement in trigger.body {
                switch statement.kind {
                // Each changing statement ends with ResetCount: its rows become changes()
                // and count toward total_changes() (as in SQLite).
                case .insert(let insert): try codeInsert(insert, span: statement.span); b.emit(.resetCount)
                case .update(let update): try codeUpdate(update, span: statement.span); b.emit(.resetCount)
                case .delete(let delete): try codeDelete(delete, span: statement.span); b.emit(.resetCount)
                case .select(let select):
                    let resolved = try resolver.resolveSelect(select, outer: child.triggerScope)
                    try codeSelect(resolved) { _, _ in }
                default:
                    throw child.error("unsupported statement in a trigger body", at: statement.span)
                }
            }
        }
        // Arguments: OLD's columns and rowid, then NEW's (-1: NULL when the event has none).
        var arguments: [Int] = []
        arguments.reserveCapacity(2 * (table.columns.count + 1))
        for row in [old, new] {
            for i in table.columns.indices {
                arguments.append(row.map { i == table.rowidAlias ? $0.rowid : $0.columns + i } ?? -1)
            }
            arguments.append(row?.rowid ?? -1)
        }
        b.emit(jumpTo: skipRow) { .program(index: index, arguments: arguments, ignoreTarget: $0, recursive: recursive) }
    }

    /// The labels a sub-program body may jump to: `end` halts it normally.
    struct SubProgramExits { var end: Label }

    /// The index of the sub-program `key`, compiling it first (C13): a trigger-like body
    /// `body` over text `sql`, with OLD / NEW of `table` read from registers 1 ... 2n + 2
    /// (n columns and the rowid each), in its own registers and cursors. RAISE(IGNORE) in it
    /// halts with action `.ignore`. A body that fires its own sub-program again (recursion)
    /// gets the index reserved before it was compiled, so each sub-program is compiled once.
    func subProgram(key: String, sql: String, name: String, table: Table, database: Int?, comment: String? = nil,
                    _ body: (Compilation, SubProgramExits) throws -> Void) throws -> Int {
        if let index = subProgramKeys[key] { return index }
        let index = subPrograms.count
        subPrograms.append(nil)
        subProgramKeys[key] = index
        let outer = c
        let builder = CodeBuilder()
        let child = Compilation(sql: sql, schema: outer.schema, builder: builder)
        child.activeTriggers = outer.activeTriggers
        child.authorizationContext = name
        child.fromSchema = database.map { $0 != 1 } ?? false
        if let database, database != 1 && !outer.schema.linked.isEmpty {
            child.defaultDatabase = outer.schema.databaseNames[database] ?? "main"
        }
        let saved = (columnOverrides, cursorTables, coveringReads, aggregateRegisters, raiseIgnoreTargets, triggerOnceFlags)
        defer {
            c = outer
            (columnOverrides, cursorTables, coveringReads, aggregateRegisters, raiseIgnoreTargets, triggerOnceFlags) = saved
            outer.writes = outer.writes || child.writes
            outer.usesDatabase = true
        }
        c = child
        columnOverrides = [:]
        cursorTables = [:]
        coveringReads = [:]
        aggregateRegisters = []
        triggerOnceFlags = []
        let n = table.columns.count
        let first = builder.allocateRegisters(2 * (n + 1))
        var sources: [SourceItem] = []
        for (k, rowName) in ["old", "new"].enumerated() {
            let base = first + k * (n + 1)
            let cursor = builder.allocateCursor()
            var source = SourceItem(table: table, exposedName: rowName, cursor: cursor)
            source.hiddenColumns = Set(table.columns.indices)
            sources.append(source)
            for i in table.columns.indices {
                columnOverrides[RColumn(cursor: cursor, column: i)] = i == table.rowidAlias ? base + n : base + i
            }
            columnOverrides[RColumn(cursor: cursor, column: -1)] = base + n
        }
        child.triggerScope = Scope(sources: sources, parent: nil)
        let prologue = builder.makeLabel(), end = builder.makeLabel(), ignore = builder.makeLabel()
        raiseIgnoreTargets = [ignore]
        builder.emit(jumpTo: prologue) { .initialize(target: $0) }
        let start = builder.currentAddress
        try body(child, SubProgramExits(end: end))
        builder.place(end)
        builder.emit(.halt())
        builder.place(ignore)
        builder.emit(.halt(code: .ok, action: .ignore))
        builder.place(prologue)
        for constant in builder.prologueConstants { builder.emit(constant) }
        builder.emit(.goto(target: start))
        let instructions = builder.finish()
        var program = Program(instructions: instructions, registerCount: builder.registerCount + 1,
                              cursorCount: builder.cursorCount, isReadOnly: !child.writes)
        program.effects = Program.Effects(countsChanges: false, changesSchema: false)
        program.fast = FastProgram(instructions)
        // EXPLAIN names a trigger's program on its first row ("-- TRIGGER tr"), as sqlite3.
        if let comment, !instructions.isEmpty {
            program.comments = [comment] + Array(repeating: nil, count: instructions.count - 1)
        }
        subPrograms[index] = program
        // The databases it opens need their transactions in the statement's prologue.
        for instruction in instructions {
            switch instruction {
            case .openRead(_, _, _, _, _, let db), .readCookie(_, _, let db):
                subProgramDatabases.used |= 1 << UInt64(db & 63)
            case .openWrite(_, _, _, _, _, let db), .clear(_, _, let db):
                subProgramDatabases.used |= 1 << UInt64(db & 63)
                subProgramDatabases.written |= 1 << UInt64(db & 63)
            default:
                break
            }
        }
        return index
    }
}
