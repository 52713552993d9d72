// This file tests FastOp: the plain-data form of hot instructions decodes each operand as
// its Instruction case does. Layer: L4 tests. Spec: Spec/L4-vdbe.md (Invariants 1).
import Testing
import LoomRecord
@testable import LoomVDBE

@Suite struct FastOpTests {
    @Test func decodesHotInstructions() {
        #expect(FastOp(.halt()).kind == .halt)
        #expect(FastOp(.halt(code: .constraint, message: "x")).kind == .slow)
        let start = FastOp(.initialize(target: 4))
        #expect(start.kind == .goto && start.a == 4)
        let g = FastOp(.goto(target: 7))
        #expect(g.kind == .goto && g.a == 7)
        let i = FastOp(.integer(value: -3, dest: 2))
        #expect(i.kind == .integer && i.a == -3 && i.b == 2)
        let r = FastOp(.resultRow(start: 1, count: 2))
        #expect(r.kind == .resultRow && r.a == 1 && r.b == 2)
        let c = FastOp(.lt(lhs: 1, rhs: 2, target: 9, affinity: .numeric, jumpIfNull: true))
        #expect(c.kind == .lt && c.a == 1 && c.b == 2 && c.c == 9 && c.flags == 1 && c.affinityValue == .numeric)
        #expect(FastOp(.eq(lhs: 1, rhs: 2, target: 3, collation: .nocase)).kind == .slow)
        let s = FastOp(.seekGE(cursor: 1, key: 2, count: 3, target: 40))
        #expect(s.kind == .seekGE && s.a == 1 && s.b == 2 && s.c == 3 && s.d == 40)
        let nc = FastOp(.noConflict(cursor: 3, key: 4, count: 1, target: 30))
        #expect(nc.kind == .noConflict && nc.a == 3 && nc.b == 4 && nc.c == 1 && nc.d == 30)
        #expect(FastOp(.found(cursor: 1, key: 2, count: 0, target: 5)).kind == .found)
        #expect(FastOp(.notFound(cursor: 1, key: 2, count: 0, target: 5)).kind == .notFound)
        let ii = FastOp(Instruction.idxInsert(cursor: 2, record: 7, flags: .countChanges))
        #expect(ii.kind == .idxInsert && ii.a == 2 && ii.b == 7 && WriteFlags(rawValue: Int(ii.d)).contains(.countChanges))
        let id = FastOp(.idxDelete(cursor: 2, key: 8, count: 2))
        #expect(id.kind == .idxDelete && id.a == 2 && id.b == 8 && id.c == 2)
        // A Column with a default keeps the default among the constants.
        let withDefault = FastProgram([.column(cursor: 0, column: 1, dest: 2, default: .integer(7))])
        let d = withDefault.ops[0]
        #expect(d.kind == .columnDefault && d.a == 0 && d.b == 1 && d.c == 2 && d.d == 0)
        #expect(withDefault.constantValues == [.integer(7)])
        let p = FastProgram([.initialize(target: 4), .integer(value: 1, dest: 1), .resultRow(start: 1, count: 1), .halt(), .goto(target: 1)])
        #expect(p.ops.map(\.kind) == [.goto, .integer, .resultRow, .halt, .goto])
        let constants = FastProgram([.string8(value: "a", dest: 1), .real(value: 0.5, dest: 2), .blob(value: [1], dest: 3)])
        #expect(constants.ops.map(\.kind) == [.string8, .string8, .string8])
        #expect(constants.ops.map(\.d) == [0, 1, 2] && constants.ops.map(\.b) == [1, 2, 3])
        #expect(constants.constantValues == [.text("a"), .real(0.5), .blob([1])])
    }

    @Test func wideOperandStaysSlow() {
        #expect(FastOp(.seekGE(cursor: 1, key: 2, count: 3, target: Int(Int32.max) + 1)).kind == .slow)
        #expect(FastOp(.idxLT(cursor: 1, key: 2, count: 3, target: Int(Int32.max))).kind == .idxLT)
    }

    @Test func fusesColumnIntoCountOrSumAndRowidIntoComparison() {
        let sum = FunctionDefinition(name: "sum", argumentCount: 1, body: .aggregate(.sum))
        let p = FastProgram([
            .rowid(cursor: 0, dest: 3),
            .gt(lhs: 2, rhs: 3, target: 9),
            .column(cursor: 0, column: 1, dest: 4),
            .aggStep(function: sum, arguments: 4, argumentCount: 1, accumulator: 5),
            .column(cursor: 0, column: 1, dest: 6),
            .aggStep(function: sum, arguments: 7, argumentCount: 1, accumulator: 8),
        ])
        let ops = p.ops
        #expect(ops[0].kind == .rowidCompare && ops[0].a == 0 && ops[0].b == 3)
        #expect(ops[1].kind == .gt)
        #expect(ops[2].kind == .columnAggStep && ops[2].a == 0 && ops[2].b == 1 && ops[2].c == 4)
        #expect(ops[3].kind == .aggStep && ops[3].affinity == 3)
        // Another register: not fused.
        #expect(ops[4].kind == .column)
    }

    @Test func programSharesItsTableAndEditsResetIt() throws {
        var program = Program(instructions: [.initialize(target: 1), .integer(value: 5, dest: 1), .resultRow(start: 1, count: 1), .halt()],
                              registerCount: 2, cursorCount: 0, columnNames: ["x"])
        let fast = FastProgram(program.instructions)
        program.fast = fast
        let context = makeContext()
        #expect(VM(program: program, context: context).fast === fast)
        #expect(VM(program: program, context: context).fast === fast)
        #expect(try runAll(program, context: context) == [[.integer(5)]])
        // Editing the program drops the table; the VM builds one matching the new code.
        program.instructions[1] = .integer(value: 6, dest: 1)
        #expect(program.fast == nil)
        #expect(try runAll(program, context: context) == [[.integer(6)]])
        // A stale table of another length is not used.
        program.fast = FastProgram([.halt()])
        #expect(VM(program: program, context: context).fast.ops.count == 4)
    }

    @Test func haltEndsAfterFastResultRow() throws {
        let program = Program(instructions: [.initialize(target: 4), .integer(value: 1, dest: 1), .resultRow(start: 1, count: 1), .halt(), .goto(target: 1)],
                              registerCount: 2, cursorCount: 0, columnNames: ["x"])
        #expect(try runAll(program) == [[.integer(1)]])
    }
}
