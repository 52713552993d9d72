// This file implements VM: the register-based bytecode interpreter (one dispatch loop).
// Layer: L4. Spec: Spec/L4-vdbe.md (§VM, §Transactions and statement end).
import LoomBase
import LoomBTree
import LoomRecord

/// Runs one Program against a connection's ExecutionContext.
///
/// ```swift
/// let vm = VM(program: program, context: context)
/// try vm.bind(.integer(1), at: 1)
/// while try vm.step() { print(vm.column(0)) }
/// ```
/// Corresponds to SQLite's `sqlite3_stmt` (`sqlite3_step`, `sqlite3_bind_*`, `sqlite3_reset`).
package final class VM {
    package let program: Program
    package let context: ExecutionContext

    var registers: ContiguousArray<Value>
    var bindings: [Value]
    var pc: Address = 0
    /// Start of the current result row (`ResultRow`) and its width.
    var resultStart: Register = 0
    var resultCount = 0
    package private(set) var isDone = false
    /// Stepped at least once since the last reset (counts in `activeStatementCount`).
    var isRunning = false
    /// This VM opened a write transaction or holds a write (`activeWriterCount`).
    var isWriting = false
    /// EXPLAIN programs: the next row to return.
    var explainIndex = 0
    var explainRow: [Value] = []

    package init(program: Program, context: ExecutionContext) {
        self.program = program
        self.context = context
        self.registers = ContiguousArray(repeating: .null, count: max(program.registerCount, 1))
        self.bindings = Array(repeating: .null, count: program.parameterCount)
    }

    /// Number of result columns (`sqlite3_column_count`).
    package var columnCount: Int {
        program.isExplain ? Program.explainColumnNames.count : program.columnNames.count
    }

    package var columnNames: [String] {
        program.isExplain ? Program.explainColumnNames : program.columnNames
    }

    /// Binds parameter `index` (1-based). Throws `SQLITE_RANGE` "column index out of range"
    /// outside `1 ... parameterCount`, `SQLITE_MISUSE` while the statement runs.
    package func bind(_ value: Value, at index: Int) throws {
        guard index >= 1, index <= bindings.count else {
            throw DatabaseError(.range, "column index out of range")
        }
        guard !isRunning else { throw DatabaseError(.misuse, "bad parameter or other API misuse") }
        bindings[index - 1] = value
    }

    /// Sets every parameter back to NULL (`sqlite3_clear_bindings`).
    package func clearBindings() {
        for i in bindings.indices { bindings[i] = .null }
    }

    /// The value of result column `i` of the current row (NULL when out of range or no row).
    package func column(_ i: Int) -> Value {
        if program.isExplain { return i >= 0 && i < explainRow.count ? explainRow[i] : .null }
        guard i >= 0, i < resultCount else { return .null }
        let r = resultStart + i
        return r < registers.count ? registers[r] : .null
    }

    /// Runs until the next row (true) or the end (false). After an error or the end the VM
    /// is done until `reset()`; stepping a done VM returns false.
    package func step() throws -> Bool {
        if isDone { return false }
        if program.isExplain {
            let rows = program.explainRows()
            guard explainIndex < rows.count else { isDone = true; return false }
            explainRow = rows[explainIndex]
            explainIndex += 1
            return true
        }
        if !isRunning { start() }
        do {
            return try run()
        } catch let error as DatabaseError {
            finish(error: error)
            throw error
        }
    }

    /// Rewinds to the start, keeping bindings (`sqlite3_reset`). A VM reset mid-run ends its
    /// statement as if it halted successfully (autocommit read transactions are closed).
    package func reset() {
        if isRunning && !isDone { finish(error: nil) }
        isDone = false
        pc = 0
        resultCount = 0
        explainIndex = 0
        for i in registers.indices { registers[i] = .null }
        resetCursors()
    }

    // MARK: Statement start and end

    func start() {
        isRunning = true
        context.activeStatementCount += 1
        pc = 0
    }

    /// Ends the statement: closes cursors, updates the autocommit transaction (Spec §Statement end).
    func finish(error: DatabaseError?) {
        isDone = true
        resetCursors()
        guard isRunning else { return }
        isRunning = false
        context.activeStatementCount -= 1
        if isWriting { context.activeWriterCount -= 1; isWriting = false }
        endStatement(error: error)
    }

    func endStatement(error: DatabaseError?) {
        // Filled in with the btree transaction calls (VM+Transaction.swift).
    }

    func resetCursors() {}

    // MARK: The dispatch loop

    func run() throws -> Bool {
        let code = program.instructions
        while pc < code.count {
            let ins = code[pc]
            pc += 1
            switch ins {
            case .initialize(let t), .goto(let t):
                pc = t
            case .halt(let rc, _, let message, let constraint):
                if rc == .ok {
                    finish(error: nil)
                    return false
                }
                var text = message ?? rc.message
                if let constraint { text = constraint.messagePrefix + (message ?? "") }
                throw DatabaseError(rc, text)
            case .noop:
                break
            case .resultRow(let s, let n):
                resultStart = s
                resultCount = n
                return true
            case .integer(let v, let d):
                registers[d] = .integer(Int64(v))
            case .int64(let v, let d):
                registers[d] = .integer(v)
            case .real(let v, let d):
                registers[d] = .real(v)
            case .string8(let v, let d):
                registers[d] = .text(v)
            case .blob(let v, let d):
                registers[d] = .blob(v)
            case .null(let d, let n):
                for r in d ..< d + max(n, 1) { registers[r] = .null }
            default:
                throw DatabaseError(.internal, "unimplemented opcode \(ins.opcodeName)")
            }
        }
        finish(error: nil)
        return false
    }
}
