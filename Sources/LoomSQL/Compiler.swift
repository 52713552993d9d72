// This file implements Compiler, the entry point of L5: SQL text → parsed statement →
// resolved, planned and generated VDBE Program. Layer: L5. Spec: Spec/L5-sql.md §Compiler.
import LoomBase
import LoomRecord
import LoomVDBE

/// What a prepared statement does, for the session's bookkeeping.
package enum StatementKind: Sendable { case select, insert, update, delete, ddl, transaction, pragma, other }

/// One compiled statement.
///
/// Its fields live in one private copy-on-write box (as `Table`, invariant PC1): the session
/// and API layers pass it along several times per statement, and copying the `Program`
/// inside (a dozen references) at each step showed in prepare profiles.
package struct PreparedStatement {
    private final class Storage {
        var program: Program
        var kind: StatementKind
        var sql: String
        var end: Int
        var hiddenBindings: [Value]
        init(program: Program, kind: StatementKind, sql: String, end: Int, hiddenBindings: [Value]) {
            self.program = program; self.kind = kind; self.sql = sql; self.end = end
            self.hiddenBindings = hiddenBindings
        }
    }
    private var storage: Storage
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(program: storage.program, kind: storage.kind, sql: storage.sql, end: storage.end,
                              hiddenBindings: storage.hiddenBindings)
        }
    }
    package init(program: Program, kind: StatementKind, sql: String, end: Int, hiddenBindings: [Value] = []) {
        storage = Storage(program: program, kind: kind, sql: sql, end: end, hiddenBindings: hiddenBindings)
    }

    /// The values of the hidden parameters a cached program reads after the statement's own
    /// (the literals `StatementShape` took out; Spec/L6-session.md SC4). Empty otherwise.
    package var hiddenBindings: [Value] {
        get { storage.hiddenBindings }
        _modify { makeUnique(); yield &storage.hiddenBindings }
    }

    package var program: Program {
        get { storage.program }
        _modify { makeUnique(); yield &storage.program }
    }
    package var kind: StatementKind {
        get { storage.kind }
        _modify { makeUnique(); yield &storage.kind }
    }
    /// This statement's text.
    package var sql: String {
        get { storage.sql }
        _modify { makeUnique(); yield &storage.sql }
    }
    /// UTF-8 offset just past the statement (past its ';').
    package var end: Int {
        get { storage.end }
        _modify { makeUnique(); yield &storage.end }
    }
}

/// Compiles SQL statements against a schema.
///
/// ```swift
/// var at = 0
/// while let stmt = try Compiler.prepare(sql, from: at, schema: schema) { …; at = stmt.end }
/// ```
/// Corresponds to SQLite's `sqlite3_prepare_v2` (parse + codegen).
package enum Compiler {
    /// Compiles the next statement at UTF-8 `offset` of `sql`; nil when only
    /// whitespace/comments remain.
    package static func prepare(_ sql: String, from offset: Int, schema: Schema) throws -> PreparedStatement? {
        var parser = Parser(sql: sql)
        guard let (statement, end) = try parser.parseNext(from: offset) else { return nil }
        return try prepare(parsed: statement, end: end, sql: sql, schema: schema)
    }

    /// The text of the statement of `sql` from `start` to `end` (past its ';'): `sql` itself
    /// when the statement is all of it (the shell's case), without a copy.
    package static func statementText(start: Int, end: Int, sql: String) -> String {
        start == 0 && end == sql.utf8.count ? sql : SourceSpan(start: start, end: end).text(in: sql)
    }

    /// Compiles the parsed `statement` of `sql` that ends at `end` (past its ';').
    package static func prepare(parsed statement: Statement, end: Int, sql: String, schema: Schema) throws -> PreparedStatement {
        let text = statementText(start: statement.span.start, end: end, sql: sql)
        var (program, kind) = try compile(statement, sql: sql, schema: schema)
        program.parameterCount = statement.parameterCount
        program.parameterNames = statement.parameterNames
        return PreparedStatement(program: program, kind: kind, sql: text, end: end)
    }

    /// Compiles one parsed statement (`sql` is the text its spans refer to).
    package static func compile(_ statement: Statement, sql: String, schema: Schema) throws -> (Program, StatementKind) {
        if case .explain(let queryPlan, let inner) = statement.kind {
            if queryPlan {
                let c = Compilation(sql: sql, schema: schema)
                c.recordsQueryPlan = true
                _ = try compile(inner, sql: sql, schema: schema, compilation: c)
                return (queryPlanProgram(c.queryPlan), .other)
            }
            var (program, _) = try compile(inner, sql: sql, schema: schema)
            program.isExplain = true
            return (program, .other)
        }
        // A SELECT's program is often ten instructions (a point query): a block that size is
        // cheap to allocate (CodeBuilder.init); others start with room for 48.
        var isSelect = false
        if case .select = statement.kind { isSelect = true }
        let builder = CodeBuilder(capacity: isSelect ? 10 : 48)
        return try compile(statement, sql: sql, schema: schema,
                           compilation: Compilation(sql: sql, schema: schema, builder: builder))
    }

    /// `sqlite_attach(file, name, key)`: calls the session's ATTACH handler when stepped.
    static let attachFunction = FunctionDefinition(
        name: "sqlite_attach", argumentCount: 3, isDeterministic: false,
        body: .scalar({ args, call in
            guard let handler = call.connection.attachHandler else {
                throw DatabaseError(.error, "ATTACH is not available")
            }
            try handler(attachText(args[args.startIndex]), attachText(args[args.startIndex + 1]))
            return .null
        }))

    /// The rows the statement changed (first argument, from ChangeCount) plus the second
    /// argument (PRAGMA count_changes; NULL counts as 0).
    static let countChangesFunction = FunctionDefinition(
        name: "sqlite_count_changes", argumentCount: 2, isDeterministic: false,
        body: .scalar({ args, _ in
            guard case .integer(let count) = args[args.startIndex] else { return .integer(0) }
            var adjustment: Int64 = 0
            if case .integer(let n) = args[args.startIndex + 1] { adjustment = n }
            return .integer(count &+ adjustment)
        }))

    /// `sqlite_detach(name)`: calls the session's DETACH handler when stepped.
    static let detachFunction = FunctionDefinition(
        name: "sqlite_detach", argumentCount: 1, isDeterministic: false,
        body: .scalar({ args, call in
            guard let handler = call.connection.detachHandler else {
                throw DatabaseError(.error, "DETACH is not available")
            }
            try handler(attachText(args[args.startIndex]))
            return .null
        }))

    /// ATTACH/DETACH arguments as text (NULL is the empty string, as SQLite's).
    static func attachText(_ v: Value) -> String {
        switch v {
        case .null: return ""
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return renderReal(d)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        }
    }

    /// A program returning the EXPLAIN QUERY PLAN rows `nodes`: id, parent, notused, detail.
    static func queryPlanProgram(_ nodes: [(id: Int, parent: Int, detail: String)]) -> Program {
        let b = CodeBuilder()
        for node in nodes {
            b.emit(.integer(value: node.id, dest: 1))
            b.emit(.integer(value: node.parent, dest: 2))
            b.emit(.integer(value: 0, dest: 3))
            b.emit(.string8(value: node.detail, dest: 4))
            b.emit(.resultRow(start: 1, count: 4))
        }
        b.emit(.halt())
        var program = Program(instructions: b.finish(), registerCount: 5, cursorCount: 0,
                              columnNames: ["id", "parent", "notused", "detail"])
        program.isQueryPlan = true
        return program
    }

    static func compile(_ statement: Statement, sql: String, schema: Schema,
                        compilation c: Compilation) throws -> (Program, StatementKind) {
        let g = Codegen(c)
        let b = c.builder
        let prologue = b.makeLabel()
        b.emit(jumpTo: prologue) { .initialize(target: $0) }
        let body = b.currentAddress
        var columnNames: [String] = []
        var declaredTypes: [String?] = []
        var kind: StatementKind = .other
        var transactionOpcode: Instruction? = nil
        if let ignored = try c.authorizeStatement(statement) { return ignored }
        do {
            switch statement.kind {
            case .select(let select):
                kind = .select
                let resolved = try Resolver(c).resolveSelect(select, outer: nil)
                columnNames = resolved.outputNames.count == resolved.columnNames.count ? resolved.outputNames
                    : resolved.columnNames
                declaredTypes = resolved.declaredTypesIfAny
                try g.codeSelect(resolved) { base, count in
                    b.emit(.resultRow(start: base, count: count))
                }
            case .insert(let insert):
                kind = .insert
                try g.codeInsert(insert, span: statement.span)
            case .update(let update):
                kind = .update
                try g.codeUpdate(update, span: statement.span)
            case .delete(let delete):
                kind = .delete
                try g.codeDelete(delete, span: statement.span)
            case .createTable(let create):
                kind = .ddl
                try g.codeCreateTable(create, statementSpan: statement.span)
            case .createIndex(let create):
                kind = .ddl
                try g.codeCreateIndex(create, statementSpan: statement.span)
            case .drop(let drop):
                kind = .ddl
                try g.codeDrop(drop, span: statement.span)
            case .begin(let mode):
                kind = .transaction
                if mode == .immediate { transactionOpcode = .transaction(write: true, schemaCookie: nil) }
                if mode == .exclusive { transactionOpcode = .exclusiveTransaction }
                if let t = transactionOpcode { b.emit(t); transactionOpcode = nil }
                b.emit(.autoCommit(on: false, rollback: false))
            case .commit:
                kind = .transaction
                b.emit(.autoCommit(on: true, rollback: false))
            case .rollback(let savepoint):
                kind = .transaction
                if let savepoint {
                    b.emit(.savepoint(.rollback, name: savepoint))
                } else {
                    b.emit(.autoCommit(on: true, rollback: true))
                }
            case .savepoint(let name):
                kind = .transaction
                b.emit(.savepoint(.begin, name: name))
            case .release(let name):
                kind = .transaction
                b.emit(.savepoint(.release, name: name))
            case .pragma(let pragma):
                kind = .pragma
                // Schema and header pragmas; others are no-ops here (the session handles them).
                columnNames = try g.codePragma(pragma, span: statement.span)
            case .alterTable(let alter):
                kind = .ddl
                try g.codeAlterTable(alter, span: statement.span)
            case .reindex(_, let name):
                // Indexes are always consistent with their collations here: nothing to rebuild.
                kind = .other
                if let name, c.schema.table(named: name) == nil, c.schema.index(named: name) == nil,
                   LoomRecord.Collation(name: name) == nil {
                    throw c.error("unable to identify the object to be reindexed", at: statement.span)
                }
            case .createView(let create):
                kind = .ddl
                try g.codeCreateView(create, statementSpan: statement.span)
            case .createTrigger(let create):
                kind = .ddl
                try g.codeCreateTrigger(create, statementSpan: statement.span)
            case .attach(let file, let name, let key):
                kind = .other
                let r = b.allocateRegisters(3)
                try g.codeAttachArgument(file, into: r)
                try g.codeAttachArgument(name, into: r + 1)
                if let key { try g.codeAttachArgument(key, into: r + 2) } else { b.emit(.null(dest: r + 2)) }
                b.emit(.function(function: attachFunction, arguments: r, argumentCount: 3, dest: r))
                c.writes = true
            case .detach(let name):
                kind = .other
                let r = b.allocateRegister()
                try g.codeAttachArgument(name, into: r)
                b.emit(.function(function: detachFunction, arguments: r, argumentCount: 1, dest: r))
                c.writes = true
            case .analyze(let schemaName, let name):
                kind = .other
                try g.codeAnalyze(schema: schemaName, name: name, span: statement.span)
            case .vacuum:
                // The session rebuilds the file (Connection+Vacuum.swift).
                kind = .other
            case .createVirtualTable(let v):
                kind = .ddl
                try g.codeCreateVirtualTable(v, statementSpan: statement.span)
            default:
                throw c.error("this statement is not supported yet", at: statement.span)
            }
        } catch var e as DatabaseError {
            if e.sql == nil { e.sql = sql }
            throw e
        }
        if kind != .select && !g.returningNames.isEmpty { columnNames = g.returningNames }
        // PRAGMA count_changes=ON: INSERT/UPDATE/DELETE without RETURNING return one row, the
        // rows they changed (the statement's own count: trigger bodies keep theirs).
        if schema.countChanges, g.returningNames.isEmpty, kind == .insert || kind == .update || kind == .delete {
            let start = b.allocateRegisters(2), count = b.allocateRegister()
            b.emit(.changeCount(dest: start))
            if let adjustment = g.countChangesAdjustment {
                b.emit(.sCopy(source: adjustment, dest: start + 1))
            } else {
                b.emit(.integer(value: 0, dest: start + 1))
            }
            b.emit(.function(function: countChangesFunction, arguments: start, argumentCount: 2, dest: count))
            b.emit(.resultRow(start: count, count: 1))
            columnNames = [kind == .insert ? "rows inserted" : kind == .update ? "rows updated" : "rows deleted"]
        }
        b.emit(.halt())
        b.place(prologue)
        // One walk of the program finds the VM's two per-program facts (Program.effects) and
        // the databases it reads and writes. Bit sets: schema numbers stay below 12 (main,
        // temp, at most 10 attached).
        var countsChanges = false, changesSchema = false
        var used: UInt64 = 0, written: UInt64 = 0
        func bit(_ db: Int) -> UInt64 {
            precondition(db >= 0 && db < 64, "schema number out of range")
            return 1 << UInt64(db)
        }
        // (In place: `b.instructions[i]` copied each instruction out of the array.)
        b.instructions.withUnsafeBufferPointer { instructions in
            for i in instructions.indices {
                switch instructions[i] {
                case .insert(_, _, _, let f, _), .delete(_, let f, _):
                    if f.contains(.countChanges) { countsChanges = true }
                case .openRead(_, _, _, _, _, let db), .readCookie(_, _, let db):
                    used |= bit(db)
                case .openWrite(_, _, _, _, _, let db):
                    used |= bit(db); written |= bit(db)
                case .clear(_, let counts, let db):
                    if counts { countsChanges = true }
                    used |= bit(db); written |= bit(db)
                case .setCookie(_, _, let db), .createBtree(_, _, let db), .destroy(_, let db):
                    changesSchema = true
                    used |= bit(db); written |= bit(db)
                default:
                    break
                }
            }
        }
        used |= g.subProgramDatabases.used
        written |= g.subProgramDatabases.written
        if c.usesDatabase {
            // One Transaction per database the program touches (schema-number order).
            if used == 0 { used = 1 }
            if c.writes && written == 0 { written = 1 }
            for db in 0..<64 where used & bit(db) != 0 {
                let cookie = schema.schema(forDatabase: db)?.cookie ?? 0
                b.emit(.transaction(write: c.writes && written & bit(db) != 0, schemaCookie: Int(cookie), database: db))
            }
        }
        for constant in b.prologueConstants { b.emit(constant) }
        b.emit(.goto(target: body))
        let instructions = b.finish()
        var program = Program(instructions: instructions, registerCount: b.registerCount + 1,
                              cursorCount: b.cursorCount, columnNames: columnNames,
                              isReadOnly: !c.writes)
        program.isDataChange = kind == .insert || kind == .update || kind == .delete
        if !declaredTypes.isEmpty { program.columnDeclaredTypes = declaredTypes }
        program.effects = Program.Effects(countsChanges: countsChanges, changesSchema: changesSchema)
        program.fast = FastProgram(instructions)
        program.subPrograms = g.subPrograms.map { $0 ?? Program(instructions: [.halt()], registerCount: 1, cursorCount: 0) }
        return (program, kind)
    }
}
