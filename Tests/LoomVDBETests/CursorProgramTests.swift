// This file tests L4 cursor programs over a real BTree on MemoryVFS: create, insert, scan,
// seek, delete, sort, aggregate, transactions and statement end.
// Layer: L4 tests. Spec: Spec/L4-vdbe.md (§Cursors, §Transactions and statement end).
import LoomBase
import LoomBTree
import LoomRecord
import LoomTestSupport
import Testing
@testable import LoomVDBE

/// Creates a table tree and returns its root (one autocommit statement).
func createTable(_ ctx: ExecutionContext, kind: TreeKind = .table) throws -> Int {
    let p = Program(instructions: [
        .initialize(target: 4),
        .createBtree(dest: 1, kind: kind),
        .resultRow(start: 1, count: 1),
        .halt(),
        .transaction(write: true),
        .goto(target: 1),
    ], registerCount: 2, cursorCount: 0, columnNames: ["root"], isReadOnly: false)
    let rows = try runAll(p, context: ctx)
    guard case .integer(let r) = rows.first?.first else { throw DatabaseError(.internal, "no root") }
    return Int(r)
}

/// INSERT INTO t VALUES(?1, ?2) as SQLite compiles it (NewRowid, MakeRecord, Insert).
func insertProgram(root: Int) -> Program {
    Program(instructions: [
        .initialize(target: 8),
        .openWrite(cursor: 0, root: root, columnCount: 2),
        .variable(parameter: 1, dest: 2),
        .variable(parameter: 2, dest: 3),
        .newRowid(cursor: 0, dest: 1),
        .makeRecord(start: 2, count: 2, dest: 4),
        .insert(cursor: 0, record: 4, rowid: 1, flags: [.countChanges, .lastRowid], table: "t"),
        .halt(),
        .transaction(write: true),
        .goto(target: 1),
    ], registerCount: 5, cursorCount: 1, parameterCount: 2, parameterNames: [nil, nil], isReadOnly: false)
}

/// SELECT rowid, a, b FROM t
func scanProgram(root: Int) -> Program {
    Program(instructions: [
        .initialize(target: 9),
        .openRead(cursor: 0, root: root, columnCount: 2),
        .rewind(cursor: 0, target: 8),
        .rowid(cursor: 0, dest: 1),
        .column(cursor: 0, column: 0, dest: 2),
        .column(cursor: 0, column: 1, dest: 3, default: .integer(99)),
        .resultRow(start: 1, count: 3),
        .next(cursor: 0, target: 3),
        .halt(),
        .transaction(write: false),
        .goto(target: 1),
    ], registerCount: 4, cursorCount: 1, columnNames: ["rowid", "a", "b"])
}

@Suite struct CursorProgramTests {
    @Test func insertThenScanReturnsRowsInRowidOrder() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        let ins = VM(program: insertProgram(root: root), context: ctx)
        for k in 1 ... 50 {
            try ins.bind(.integer(Int64(k * 10)), at: 1)
            try ins.bind(.text("v\(k)"), at: 2)
            #expect(try ins.step() == false)
            ins.reset()
        }
        #expect(ctx.lastInsertRowID == 50)
        #expect(ctx.totalChanges == 50)
        #expect(ctx.changes == 1)
        #expect(ctx.transactionState == .none)
        let rows = try runAll(scanProgram(root: root), context: ctx)
        #expect(rows.count == 50)
        #expect(rows.first == [.integer(1), .integer(10), .text("v1")])
        #expect(rows.last == [.integer(50), .integer(500), .text("v50")])
    }

    @Test func shortRecordsUseColumnDefault() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        // A one-column record: column 1 reads the default (ALTER TABLE ADD COLUMN rows).
        let p = Program(instructions: [
            .initialize(target: 6),
            .openWrite(cursor: 0, root: root, columnCount: 2),
            .integer(value: 7, dest: 1),
            .makeRecord(start: 1, count: 1, dest: 2),
            .insert(cursor: 0, record: 2, rowid: 1),
            .halt(),
            .transaction(write: true),
            .goto(target: 1),
        ], registerCount: 3, cursorCount: 1, isReadOnly: false)
        _ = try runAll(p, context: ctx)
        #expect(try runAll(scanProgram(root: root), context: ctx) == [[.integer(7), .integer(7), .integer(99)]])
    }

    @Test func seekRowidAndNotExists() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        let ins = VM(program: insertProgram(root: root), context: ctx)
        for k in 1 ... 20 {
            try ins.bind(.integer(Int64(k)), at: 1)
            _ = try ins.step(); ins.reset()
        }
        // SELECT a FROM t WHERE rowid = ?1  (NULL row when absent)
        let p = Program(instructions: [
            .initialize(target: 7),
            .openRead(cursor: 0, root: root, columnCount: 2),
            .variable(parameter: 1, dest: 1),
            .seekRowid(cursor: 0, rowid: 1, target: 6),
            .column(cursor: 0, column: 0, dest: 2),
            .resultRow(start: 2, count: 1),
            .halt(),
            .transaction(write: false),
            .goto(target: 1),
        ], registerCount: 3, cursorCount: 1, parameterCount: 1)
        #expect(try runAll(p, context: ctx, bindings: [.integer(13)]) == [[.integer(13)]])
        #expect(try runAll(p, context: ctx, bindings: [.text("13")]) == [[.integer(13)]])
        #expect(try runAll(p, context: ctx, bindings: [.integer(99)]).isEmpty)
        #expect(try runAll(p, context: ctx, bindings: [.null]).isEmpty)
    }

    @Test func tableSeekGEandLT() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        let ins = VM(program: insertProgram(root: root), context: ctx)
        for _ in 1 ... 10 { _ = try ins.step(); ins.reset() }
        // SELECT rowid FROM t WHERE rowid >= ?1 (SeekGE then Next loop)
        func run(_ op: Instruction, _ backwards: Bool, _ bound: Value) throws -> [Int64] {
            let p = Program(instructions: [
                .initialize(target: 8),
                .openRead(cursor: 0, root: root, columnCount: 2),
                .variable(parameter: 1, dest: 1),
                op,
                .rowid(cursor: 0, dest: 2),
                .resultRow(start: 2, count: 1),
                backwards ? .prev(cursor: 0, target: 4) : .next(cursor: 0, target: 4),
                .halt(),
                .transaction(write: false),
                .goto(target: 1),
            ], registerCount: 3, cursorCount: 1, parameterCount: 1)
            return try runAll(p, context: ctx, bindings: [bound]).compactMap {
                if case .integer(let i) = $0[0] { return i } else { return nil }
            }
        }
        #expect(try run(.seekGE(cursor: 0, key: 1, count: 1, target: 7), false, .integer(8)) == [8, 9, 10])
        #expect(try run(.seekGT(cursor: 0, key: 1, count: 1, target: 7), false, .integer(8)) == [9, 10])
        #expect(try run(.seekGT(cursor: 0, key: 1, count: 1, target: 7), false, .real(7.5)) == [8, 9, 10])
        #expect(try run(.seekLT(cursor: 0, key: 1, count: 1, target: 7), true, .integer(3)) == [2, 1])
        #expect(try run(.seekLE(cursor: 0, key: 1, count: 1, target: 7), true, .integer(3)) == [3, 2, 1])
        #expect(try run(.seekLE(cursor: 0, key: 1, count: 1, target: 7), true, .real(2.5)) == [2, 1])
        #expect(try run(.seekLE(cursor: 0, key: 1, count: 1, target: 7), true, .integer(2)) == [2, 1]); #expect(try run(.seekGE(cursor: 0, key: 1, count: 1, target: 7), false, .integer(11)) == [])
    }

    @Test func deleteDuringScanVisitsEveryRow() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        let ins = VM(program: insertProgram(root: root), context: ctx)
        for k in 1 ... 300 {
            try ins.bind(.integer(Int64(k)), at: 1)
            _ = try ins.step(); ins.reset()
        }
        // DELETE FROM t WHERE a % 3 = 0
        let del = Program(instructions: [
            .initialize(target: 10),
            .openWrite(cursor: 0, root: root, columnCount: 2),
            .rewind(cursor: 0, target: 9),
            .column(cursor: 0, column: 0, dest: 1),
            .remainder(lhs: 1, rhs: 3, dest: 2),
            .ne(lhs: 2, rhs: 4, target: 8),
            .delete(cursor: 0, flags: .countChanges, table: "t"),
            .noop,
            .next(cursor: 0, target: 3),
            .halt(),
            .transaction(write: true),
            .integer(value: 3, dest: 3),
            .integer(value: 0, dest: 4),
            .goto(target: 1),
        ], registerCount: 5, cursorCount: 1, isReadOnly: false)
        _ = try runAll(del, context: ctx)
        #expect(ctx.changes == 100)
        let rows = try runAll(scanProgram(root: root), context: ctx)
        #expect(rows.count == 200)
        #expect(!rows.contains { if case .integer(let a) = $0[1] { return a % 3 == 0 } else { return true } })
    }

    @Test func indexSeekAndRangeScan() throws {
        let ctx = makeContext()
        let root = try createTable(ctx, kind: .index)
        let ki = KeyInfo(collations: [.nocase, .binary], descending: [false, false])
        // INSERT keys (name, rowid)
        let names = ["delta", "Alpha", "charlie", "bravo", "ECHO", "alpha", "foxtrot"]
        var code: [Instruction] = [.initialize(target: 0), .openWrite(cursor: 0, root: root, columnCount: 2, keyInfo: ki)]
        for (i, n) in names.enumerated() {
            code += [.string8(value: n, dest: 1), .integer(value: i + 1, dest: 2),
                     .makeRecord(start: 1, count: 2, dest: 3), .idxInsert(cursor: 0, record: 3)]
        }
        code.append(.halt())
        let txn = code.count
        code += [.transaction(write: true), .goto(target: 1)]
        code[0] = .initialize(target: txn)
        _ = try runAll(Program(instructions: code, registerCount: 4, cursorCount: 1, isReadOnly: false), context: ctx)

        // SELECT name, rowid FROM idx WHERE name >= ?1 AND name <= ?2 (NOCASE)
        let p = Program(instructions: [
            .initialize(target: 11),
            .openRead(cursor: 0, root: root, columnCount: 2, keyInfo: ki),
            .variable(parameter: 1, dest: 1),
            .variable(parameter: 2, dest: 2),
            .seekGE(cursor: 0, key: 1, count: 1, target: 10),
            .idxGT(cursor: 0, key: 2, count: 1, target: 10),
            .column(cursor: 0, column: 0, dest: 3),
            .idxRowid(cursor: 0, dest: 4),
            .resultRow(start: 3, count: 2),
            .next(cursor: 0, target: 5),
            .halt(),
            .transaction(write: false),
            .goto(target: 1),
        ], registerCount: 5, cursorCount: 1, parameterCount: 2)
        let rows = try runAll(p, context: ctx, bindings: [.text("ALPHA"), .text("Charlie")])
        #expect(rows == [[.text("Alpha"), .integer(2)], [.text("alpha"), .integer(6)],
                         [.text("bravo"), .integer(4)], [.text("charlie"), .integer(3)]])

        // Found / NotFound on a prefix.
        let fixed = Program(instructions: [
            .initialize(target: 8),
            .openRead(cursor: 0, root: root, columnCount: 2, keyInfo: ki),
            .variable(parameter: 1, dest: 1),
            .integer(value: 0, dest: 2),
            .notFound(cursor: 0, key: 1, count: 1, target: 6),
            .integer(value: 1, dest: 2),
            .resultRow(start: 2, count: 1),
            .halt(),
            .transaction(write: false),
            .goto(target: 1),
        ], registerCount: 3, cursorCount: 1, parameterCount: 1)
        #expect(try runAll(fixed, context: ctx, bindings: [.text("ECHO")]) == [[.integer(1)]])
        #expect(try runAll(fixed, context: ctx, bindings: [.text("golf")]) == [[.integer(0)]])
    }

    @Test func explicitTransactionRollbackUndoesInserts() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        let begin = Program(instructions: [.initialize(target: 1), .autoCommit(on: false, rollback: false)],
                            registerCount: 1, cursorCount: 0)
        let rollback = Program(instructions: [.initialize(target: 1), .autoCommit(on: true, rollback: true)],
                               registerCount: 1, cursorCount: 0)
        let commit = Program(instructions: [.initialize(target: 1), .autoCommit(on: true, rollback: false)],
                             registerCount: 1, cursorCount: 0)
        _ = try runAll(begin, context: ctx)
        #expect(!ctx.isAutocommit)
        #expect(throws: DatabaseError(.error, "cannot start a transaction within a transaction")) {
            _ = try runAll(begin, context: ctx)
        }
        let ins = VM(program: insertProgram(root: root), context: ctx)
        for _ in 1 ... 5 { _ = try ins.step(); ins.reset() }
        #expect(ctx.transactionState == .write)
        #expect(try runAll(scanProgram(root: root), context: ctx).count == 5)
        _ = try runAll(rollback, context: ctx)
        #expect(ctx.isAutocommit)
        #expect(ctx.transactionState == .none)
        #expect(try runAll(scanProgram(root: root), context: ctx).isEmpty)
        #expect(throws: DatabaseError(.error, "cannot commit - no transaction is active")) {
            _ = try runAll(commit, context: ctx)
        }
        _ = try runAll(begin, context: ctx)
        for _ in 1 ... 3 { _ = try ins.step(); ins.reset() }
        _ = try runAll(commit, context: ctx)
        #expect(ctx.transactionState == .none)
        #expect(try runAll(scanProgram(root: root), context: ctx).count == 3)
    }

    @Test func constraintHaltRollsBackAutocommitStatement() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        // Insert one row, then fail with a NOT NULL error: the row must not persist.
        let p = Program(instructions: [
            .initialize(target: 8),
            .openWrite(cursor: 0, root: root, columnCount: 2),
            .integer(value: 1, dest: 1),
            .makeRecord(start: 1, count: 1, dest: 2),
            .insert(cursor: 0, record: 2, rowid: 1),
            .null(dest: 3),
            .haltIfNull(register: 3, code: .constraintNotNull, message: "t.b", constraint: .notNull),
            .halt(),
            .transaction(write: true),
            .goto(target: 1),
        ], registerCount: 4, cursorCount: 1, isReadOnly: false)
        #expect(throws: DatabaseError(.constraintNotNull, "NOT NULL constraint failed: t.b")) {
            _ = try runAll(p, context: ctx)
        }
        #expect(ctx.transactionState == .none)
        #expect(try runAll(scanProgram(root: root), context: ctx).isEmpty)
    }

    @Test func cookiesAndSchemaFlag() throws {
        let ctx = makeContext()
        _ = try createTable(ctx)
        let p = Program(instructions: [
            .initialize(target: 5),
            .readCookie(dest: 1, field: .schemaCookie),
            .addImm(register: 1, value: 1),
            .setCookie(field: .schemaCookie, value: 7),
            .halt(),
            .transaction(write: true),
            .goto(target: 1),
        ], registerCount: 2, cursorCount: 0, isReadOnly: false)
        _ = try runAll(p, context: ctx)
        #expect(ctx.schemaChanged)
        let check = Program(instructions: [
            .initialize(target: 2), .halt(), .transaction(write: false, schemaCookie: 6), .goto(target: 1),
        ], registerCount: 1, cursorCount: 0)
        #expect(throws: DatabaseError(.schema, "database schema has changed")) { _ = try runAll(check, context: ctx) }
    }

    @Test func abortInsideExplicitTransactionUndoesOnlyThatStatement() throws {
        let ctx = makeContext()
        let root = try createTable(ctx)
        _ = try runAll(Program(instructions: [.initialize(target: 1), .autoCommit(on: false, rollback: false)],
                               registerCount: 1, cursorCount: 0), context: ctx)
        let ins = VM(program: insertProgram(root: root), context: ctx)
        for _ in 1 ... 3 { _ = try ins.step(); ins.reset() }
        // Replace row 2, insert row 9, delete row 1, then fail with ABORT.
        let failing = Program(instructions: [
            .initialize(target: 14),
            .openWrite(cursor: 0, root: root, columnCount: 2),
            .string8(value: "new", dest: 1),
            .makeRecord(start: 1, count: 1, dest: 2),
            .integer(value: 2, dest: 3),
            .insert(cursor: 0, record: 2, rowid: 3),
            .integer(value: 9, dest: 3),
            .insert(cursor: 0, record: 2, rowid: 3),
            .integer(value: 1, dest: 3),
            .notExists(cursor: 0, rowid: 3, target: 11),
            .delete(cursor: 0),
            .halt(code: .constraint, message: "boom"),
            .halt(),
            .noop,
            .transaction(write: true),
            .goto(target: 1),
        ], registerCount: 4, cursorCount: 1, isReadOnly: false)
        #expect(throws: DatabaseError(.constraint, "boom")) { _ = try runAll(failing, context: ctx) }
        #expect(!ctx.isAutocommit)
        let rows = try runAll(scanProgram(root: root), context: ctx)
        #expect(rows.map { $0[0] } == [.integer(1), .integer(2), .integer(3)])
        #expect(rows[1][1] == .null)
    }
}
