// This file implements test helpers for L4: a tiny expression compiler (literals, operators,
// function calls → VDBE programs), a runner, and the sqlite3 oracle batch evaluator.
// Layer: L4 tests. Spec: Spec/L4-vdbe.md.
import Foundation
import LoomBase
import LoomBTree
import LoomPager
import LoomVFS
import LoomRecord
import LoomTestSupport
@testable import LoomVDBE

/// A test expression: rendered to SQL for sqlite3 and compiled to instructions for the VM.
indirect enum Expr: Sendable {
    case literal(String, Value)
    case binary(String, Expr, Expr)
    case unary(String, Expr)
    case call(String, [Expr])
    case cast(Expr, String)

    var sql: String {
        switch self {
        case .literal(let s, _): return s
        case .binary(let op, let a, let b): return "(\(a.sql) \(op) \(b.sql))"
        case .unary(let op, let a): return "(\(op) \(a.sql))"
        case .call(let f, let args): return "\(f)(\(args.map(\.sql).joined(separator: ", ")))"
        case .cast(let e, let t): return "CAST(\(e.sql) AS \(t))"
        }
    }
}

/// Compiles Exprs into a straight-line program, SQLite style (P1/P2 conventions hidden by
/// the named operands).
struct ExprCompiler {
    var code: [Instruction] = []
    var nextRegister = 1

    mutating func alloc() -> Register { defer { nextRegister += 1 }; return nextRegister }

    mutating func compile(_ e: Expr) throws -> Register {
        let d = alloc()
        switch e {
        case .literal(_, let v):
            switch v {
            case .null: code.append(.null(dest: d))
            case .integer(let i): code.append(.int64(value: i, dest: d))
            case .real(let r): code.append(.real(value: r, dest: d))
            case .text(let s): code.append(.string8(value: s, dest: d))
            case .blob(let b): code.append(.blob(value: b, dest: d))
            }
        case .unary(let op, let a):
            let r = try compile(a)
            switch op {
            case "NOT": code.append(.not(source: r, dest: d))
            case "~": code.append(.bitNot(source: r, dest: d))
            case "-":
                let z = alloc()
                code.append(.integer(value: 0, dest: z))
                code.append(.subtract(lhs: z, rhs: r, dest: d))
            default: throw DatabaseError(.error, "unary \(op)")
            }
        case .cast(let a, let t):
            let r = try compile(a)
            code.append(.sCopy(source: r, dest: d))
            code.append(.cast(register: d, to: Affinity(declaredType: t)))
        case .call(let name, let args):
            let f = try FunctionRegistry.resolve(name: name, argc: args.count)
            let regs = try args.map { try compile($0) }
            let base = nextRegister
            nextRegister += args.count
            for (i, r) in regs.enumerated() { code.append(.sCopy(source: r, dest: base + i)) }
            code.append(.function(function: f, arguments: base, argumentCount: args.count, dest: d))
        case .binary(let op, let a, let b):
            let l = try compile(a), r = try compile(b)
            switch op {
            case "+": code.append(.add(lhs: l, rhs: r, dest: d))
            case "-": code.append(.subtract(lhs: l, rhs: r, dest: d))
            case "*": code.append(.multiply(lhs: l, rhs: r, dest: d))
            case "/": code.append(.divide(lhs: l, rhs: r, dest: d))
            case "%": code.append(.remainder(lhs: l, rhs: r, dest: d))
            case "||": code.append(.concat(lhs: l, rhs: r, dest: d))
            case "&": code.append(.bitAnd(lhs: l, rhs: r, dest: d))
            case "|": code.append(.bitOr(lhs: l, rhs: r, dest: d))
            case "<<": code.append(.shiftLeft(lhs: l, rhs: r, dest: d))
            case ">>": code.append(.shiftRight(lhs: l, rhs: r, dest: d))
            case "AND": code.append(.and(lhs: l, rhs: r, dest: d))
            case "OR": code.append(.or(lhs: l, rhs: r, dest: d))
            case "IS", "IS NOT":
                // d = 1; if (l IS r) skip; d = 0   (inverted for IS NOT)
                code.append(.integer(value: 1, dest: d))
                let at = code.count
                code.append(.eq(lhs: l, rhs: r, target: at + 2, nullEq: true))
                code.append(.integer(value: 0, dest: d))
                if op == "IS NOT" {
                    code[at] = .ne(lhs: l, rhs: r, target: at + 2, nullEq: true)
                }
            default:
                // Comparison producing 1/0/NULL.
                code.append(.null(dest: d))
                let start = code.count
                let end = start + 5
                code.append(.isNull(register: l, target: end))
                code.append(.isNull(register: r, target: end))
                code.append(.integer(value: 1, dest: d))
                let cmp: Instruction
                switch op {
                case "=": cmp = .eq(lhs: l, rhs: r, target: end)
                case "<>": cmp = .ne(lhs: l, rhs: r, target: end)
                case "<": cmp = .lt(lhs: l, rhs: r, target: end)
                case "<=": cmp = .le(lhs: l, rhs: r, target: end)
                case ">": cmp = .gt(lhs: l, rhs: r, target: end)
                case ">=": cmp = .ge(lhs: l, rhs: r, target: end)
                default: throw DatabaseError(.error, "binary \(op)")
                }
                code.append(cmp)
                // end - 1: not taken → 0
                code.append(.integer(value: 0, dest: d))
                precondition(code.count == end)
            }
        }
        return d
    }

    /// A program: Init, the expressions, one ResultRow of them, Halt.
    static func program(_ exprs: [Expr]) throws -> Program {
        var c = ExprCompiler()
        c.code.append(.initialize(target: 1))
        let regs = try exprs.map { try c.compile($0) }
        let base = c.nextRegister
        c.nextRegister += regs.count
        for (i, r) in regs.enumerated() { c.code.append(.sCopy(source: r, dest: base + i)) }
        c.code.append(.resultRow(start: base, count: regs.count))
        c.code.append(.halt())
        return Program(instructions: c.code, registerCount: c.nextRegister, cursorCount: 0,
                       columnNames: exprs.map(\.sql))
    }
}

func makeContext() -> ExecutionContext {
    // A fresh in-memory database for each program.
    let pager = try! Pager(vfs: MemoryVFS(), path: "vdbe-test.db")
    return ExecutionContext(btree: BTree(pager: pager))
}

/// Runs a program to completion, returning every row.
func runAll(_ program: Program, context: ExecutionContext? = nil, bindings: [Value] = []) throws -> [[Value]] {
    let vm = VM(program: program, context: context ?? makeContext())
    if ProcessInfo.processInfo.environment["LOOM_TRACE"] != nil {
        vm.trace = { a, i in FileHandle.standardError.write("\(a) \(i.opcodeName) \(i.operands)\n".data(using: .utf8)!) }
    }
    for (i, b) in bindings.enumerated() { try vm.bind(b, at: i + 1) }
    var rows: [[Value]] = []
    while try vm.step() { rows.append((0 ..< max(vm.columnCount, vm.resultCount)).map { vm.column($0) }) }
    return rows
}

/// Evaluates `SELECT quote(e)` for each SQL expression in one sqlite3 run; an error gives
/// "ERROR: <message>".
func oracleQuoted(_ sqls: [String]) throws -> [String] {
    var script = ""
    for s in sqls { script += "SELECT quote(\(s));\n" }
    // -bail off: each statement runs; errors go to stderr, so mark rows explicitly.
    var results: [String] = []
    // Run in chunks with a marker statement per expression so errors keep positions.
    script = ""
    for s in sqls { script += "SELECT 'ROW:' || quote(\(s));\nSELECT 'END';\n" }
    let out = try Oracle.run([":memory:"], input: script)
    var current: String? = nil
    for line in out.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("ROW:") { current = String(line.dropFirst(4)) }
        else if line == "END" { results.append(current ?? "ERROR"); current = nil }
        else if current != nil { current! += "\n" + line }
    }
    return results
}

/// quote() of a VM result, or "ERROR" if evaluation threw.
func loomQuoted(_ e: Expr) -> String {
    do {
        let rows = try runAll(try ExprCompiler.program([e]))
        guard let v = rows.first?.first else { return "NOROW" }
        return sqlQuote(v)
    } catch {
        return "ERROR"
    }
}
