// This file tests the sorter (ORDER BY with directions and collations, stability), the
// aggregates (vs sqlite3), ephemeral indexes, coroutines and EXPLAIN rendering.
// Layer: L4 tests. Spec: Spec/L4-vdbe.md (§Sorter, §Functions, §EXPLAIN).
import LoomBase
import LoomRecord
import LoomTestSupport
import Testing
@testable import LoomVDBE

/// Builds `SELECT a, b FROM (rows) ORDER BY <keyInfo over a, b>` with the sorter.
func sortProgram(_ rows: [[Value]], keyInfo: KeyInfo) -> Program {
    var code: [Instruction] = [.initialize(target: 0), .sorterOpen(cursor: 0, columnCount: 3, keyInfo: keyInfo)]
    for row in rows {
        for (i, v) in row.enumerated() {
            switch v {
            case .null: code.append(.null(dest: 1 + i))
            case .integer(let x): code.append(.int64(value: x, dest: 1 + i))
            case .real(let x): code.append(.real(value: x, dest: 1 + i))
            case .text(let x): code.append(.string8(value: x, dest: 1 + i))
            case .blob(let x): code.append(.blob(value: x, dest: 1 + i))
            }
        }
        code.append(.makeRecord(start: 1, count: row.count, dest: 10))
        code.append(.sorterInsert(cursor: 0, record: 10))
    }
    code.append(.openPseudo(cursor: 1, content: 11, columnCount: 2))
    let sortAt = code.count
    code.append(.sorterSort(cursor: 0, target: sortAt + 6))
    code.append(.sorterData(cursor: 0, dest: 11, pseudoCursor: 1))
    code.append(.column(cursor: 1, column: 0, dest: 12))
    code.append(.column(cursor: 1, column: 1, dest: 13))
    code.append(.resultRow(start: 12, count: 2))
    code.append(.sorterNext(cursor: 0, target: sortAt + 1))
    code.append(.halt())
    code[0] = .initialize(target: 1)
    return Program(instructions: code, registerCount: 14, cursorCount: 2, columnNames: ["a", "b"])
}

func sqlLiteral(_ v: Value) -> String { sqlQuote(v) }

@Suite struct SorterAggregateTests {
    static let values: [Value] = [.integer(3), .text("b"), .text("B"), .real(2.5), .null, .text("a"),
                                  .integer(-1), .blob([1]), .text("A"), .integer(3), .real(3.0), .text("a ")]

    @Test(arguments: [(false, Collation.binary), (true, Collation.binary), (false, Collation.nocase),
                      (true, Collation.nocase), (false, Collation.rtrim)])
    func sorterMatchesSQLiteOrderBy(descending: Bool, collation: Collation) throws {
        guard Oracle.isAvailable else { return }
        let rows = Self.values.enumerated().map { [$0.element, Value.integer(Int64($0.offset))] }
        let ki = KeyInfo(collations: [collation], descending: [descending])
        let got = try runAll(sortProgram(rows, keyInfo: ki)).map { sqlQuote($0[0]) + "|" + sqlQuote($0[1]) }
        let values = rows.map { "(\(sqlLiteral($0[0])), \($0[1].integerValue))" }.joined(separator: ",")
        let sql = "SELECT quote(column1) || '|' || quote(column2) FROM (VALUES \(values)) "
            + "ORDER BY column1 COLLATE \(collation.name) \(descending ? "DESC" : "ASC");"
        let want = try Oracle.run([":memory:"], input: sql).stdout.split(separator: "\n").map(String.init)
        #expect(got == want)
    }

    @Test func aggregatesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let sets: [[Value]] = [
            [], [.null], [.integer(1), .integer(2), .null, .integer(4)], [.integer(1), .real(2.5)],
            [.text("3"), .text("x"), .integer(4)], [.integer(Int64.max), .integer(1)],
            [.text("b"), .text("a"), .text("C")], [.integer(2), .integer(2), .real(2.0), .integer(3)],
            [.blob([1, 2]), .integer(1), .text("z")],
        ]
        let aggs: [(String, Int)] = [("count", 0), ("count", 1), ("sum", 1), ("total", 1), ("avg", 1),
                                     ("min", 1), ("max", 1), ("group_concat", 1), ("group_concat", 2)]
        for values in sets {
            for distinct in [false, true] {
                for (name, argc) in aggs where !(distinct && (argc != 1)) {
                    let f = try FunctionRegistry.resolve(name: name, argc: argc)
                    var code: [Instruction] = [.initialize(target: 1), .null(dest: 1)]
                    for v in values {
                        switch v {
                        case .null: code.append(.null(dest: 2))
                        case .integer(let x): code.append(.int64(value: x, dest: 2))
                        case .real(let x): code.append(.real(value: x, dest: 2))
                        case .text(let x): code.append(.string8(value: x, dest: 2))
                        case .blob(let x): code.append(.blob(value: x, dest: 2))
                        }
                        code.append(.string8(value: "-", dest: 3))
                        code.append(.aggStep(function: f, arguments: 2, argumentCount: argc, accumulator: 1, distinct: distinct))
                    }
                    code += [.aggFinal(function: f, accumulator: 1, argumentCount: argc), .resultRow(start: 1, count: 1), .halt()]
                    let got: String
                    do { got = sqlQuote(try runAll(Program(instructions: code, registerCount: 4, cursorCount: 0))[0][0]) }
                    catch let e as DatabaseError { got = "ERROR: " + e.message }
                    let call = argc == 0 ? "count(*)" : "\(name)(\(distinct ? "DISTINCT " : "")column1\(argc == 2 ? ", '-'" : ""))"
                    let from = values.isEmpty ? "(SELECT 1 AS column1 WHERE 0)"
                        : "(VALUES " + values.map { "(\(sqlQuote($0)))" }.joined(separator: ",") + ")"
                    let out = try Oracle.run([":memory:"], input: "SELECT quote(\(call)) FROM \(from);")
                    let want = out.stdout.isEmpty
                        ? "ERROR: " + (out.stderr.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "")
                        : out.stdout.trimmingCharacters(in: .newlines)
                    #expect(got == want, "\(call) over \(values)")
                }
            }
        }
    }

    @Test func ephemeralIndexDeduplicatesAndSorts() throws {
        // SELECT DISTINCT-like: insert into an ephemeral index unless Found, then scan it.
        let ki = KeyInfo(collations: [.binary], descending: [false])
        let input: [Int] = [5, 3, 5, 1, 3, 9]
        var code: [Instruction] = [.initialize(target: 1), .openEphemeral(cursor: 0, columnCount: 1, keyInfo: ki)]
        for x in input {
            let at = code.count
            code += [.integer(value: x, dest: 1), .found(cursor: 0, key: 1, count: 1, target: at + 4),
                     .makeRecord(start: 1, count: 1, dest: 2), .idxInsert(cursor: 0, record: 2)]
        }
        let scan = code.count
        code += [.rewind(cursor: 0, target: scan + 4), .column(cursor: 0, column: 0, dest: 3),
                 .resultRow(start: 3, count: 1), .next(cursor: 0, target: scan + 1), .halt()]
        let rows = try runAll(Program(instructions: code, registerCount: 4, cursorCount: 1))
        #expect(rows == [[.integer(1)], [.integer(3)], [.integer(5)], [.integer(9)]])
    }

    @Test func coroutineYieldsRowsToItsCaller() throws {
        // A coroutine producing 1, 2, 3; the caller sums them (InitCoroutine/Yield/EndCoroutine).
        let code: [Instruction] = [
            .initialize(target: 1),
            .initCoroutine(register: 1, jump: 9, start: 2),
            // coroutine body: 2..8
            .integer(value: 1, dest: 2), .yield(register: 1),
            .integer(value: 2, dest: 2), .yield(register: 1),
            .integer(value: 3, dest: 2), .yield(register: 1),
            .endCoroutine(register: 1),
            // 9: caller
            .integer(value: 0, dest: 3),
            .yield(register: 1, target: 13),
            .add(lhs: 3, rhs: 2, dest: 3),
            .goto(target: 10),
            .resultRow(start: 3, count: 1),
            .halt(),
        ]
        #expect(try runAll(Program(instructions: code, registerCount: 4, cursorCount: 0)) == [[.integer(6)]])
    }

    @Test func gosubOnceAndLimitCounters() throws {
        let code: [Instruction] = [
            .initialize(target: 1),
            .integer(value: 3, dest: 1),                       // LIMIT 3
            .integer(value: 0, dest: 2),                       // i
            .addImm(register: 2, value: 1),                    // 3: loop
            .once(target: 6),
            .gosub(returnAddress: 4, target: 11),              // runs once
            .resultRow(start: 2, count: 1),
            .decrJumpZero(register: 1, target: 9),
            .goto(target: 3),
            .resultRow(start: 5, count: 1),                    // 9
            .halt(),
            .integer(value: 42, dest: 5),                      // 11: subroutine
            .return(returnAddress: 4),
        ]
        let rows = try runAll(Program(instructions: code, registerCount: 6, cursorCount: 0))
        #expect(rows == [[.integer(1)], [.integer(2)], [.integer(3)], [.integer(42)]])
    }

    @Test func mustBeIntAndHaltMessages() throws {
        let p = Program(instructions: [
            .initialize(target: 1), .string8(value: "x", dest: 1), .mustBeInt(register: 1), .halt(),
        ], registerCount: 2, cursorCount: 0)
        #expect(throws: DatabaseError(.mismatch, "datatype mismatch")) { _ = try runAll(p) }
        let u = Program(instructions: [
            .initialize(target: 1), .halt(code: .constraintUnique, message: "t.a", constraint: .unique),
        ], registerCount: 1, cursorCount: 0)
        #expect(throws: DatabaseError(.constraintUnique, "UNIQUE constraint failed: t.a")) { _ = try runAll(u) }
    }

    @Test func bindingRangeAndExplainListing() throws {
        let p = Program(instructions: [
            .initialize(target: 4),
            .variable(parameter: 1, dest: 1),
            .resultRow(start: 1, count: 1),
            .halt(),
            .transaction(write: false, schemaCookie: 2),
            .goto(target: 1),
        ], registerCount: 2, cursorCount: 0, columnNames: ["x"], parameterCount: 1, parameterNames: [":a"])
        let vm = VM(program: p, context: makeContext())
        #expect(throws: DatabaseError(.range, "column index out of range")) { try vm.bind(.null, at: 2) }
        #expect(p.parameterIndex(named: ":a") == 1)
        var e = p
        e.isExplain = true
        let rows = try runAll(e)
        #expect(rows.count == 6)
        #expect(rows[4] == [.integer(4), .text("Transaction"), .integer(0), .integer(0), .integer(2), .text("0"), .integer(1), .null])
        #expect(rows[1] == [.integer(1), .text("Variable"), .integer(1), .integer(1), .integer(0), .null, .integer(0), .null])
        // SQLite's P1/P2/P3 placement for arithmetic, comparisons and function calls.
        #expect(Instruction.add(lhs: 5, rhs: 6, dest: 3).operands == ExplainOperands(p1: 6, p2: 5, p3: 3))
        #expect(Instruction.ge(lhs: 1, rhs: 2, target: 16, affinity: .blob, jumpIfNull: true).operands
                == ExplainOperands(p1: 2, p2: 16, p3: 1, p4: "BINARY-8", p5: 81))
        #expect(Instruction.eq(lhs: 2, rhs: 1, target: 15, affinity: .blob, nullEq: true).operands
                == ExplainOperands(p1: 1, p2: 15, p3: 2, p4: "BINARY-8", p5: 193))
        #expect(Instruction.sorterOpen(cursor: 1, columnCount: 4, keyInfo: KeyInfo(collations: [.binary, .nocase], descending: [false, true])).operands.p4 == "k(2,B,-NOCASE)")
        #expect(Instruction.openRead(cursor: 1, root: 3, columnCount: 3, keyInfo: KeyInfo(collations: [.binary, .nocase, .binary], descending: [true, false, false])).operands.p4 == "k(3,-,NOCASE,)")
        let substr = try FunctionRegistry.resolve(name: "substr", argc: 2)
        #expect(Instruction.function(function: substr, arguments: 7, argumentCount: 2, dest: 4).operands.p4 == "substr(2)")
    }
}
