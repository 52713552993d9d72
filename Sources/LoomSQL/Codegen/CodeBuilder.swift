// This file implements CodeBuilder: the instruction buffer codegen appends to, with register
// and cursor allocation and forward labels. Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomVDBE

/// A jump target that may be placed after the jumps that use it.
package struct Label: Hashable, Sendable { let id: Int }

/// Collects the instructions of one program.
///
/// Jumps to labels not yet placed are recorded as closures that build the instruction once
/// the address is known (`emit(jumpTo:)`), so this file need not know which operand of
/// each opcode is the jump target.
package final class CodeBuilder {
    private(set) var instructions: [Instruction] = []
    /// Highest register number handed out; registers are numbered from 1 as in SQLite.
    private(set) var registerCount = 0
    private(set) var cursorCount = 0
    /// Address of each label, -1 while unplaced. (Arrays of `Int` and of a nominal struct, not
    /// of `Int?` and of a tuple: those element types cost a runtime metadata lookup per
    /// statement when the array is allocated.)
    private var labelAddress: [Int] = []
    private struct PendingJump {
        var at: Int
        var label: Label
        var make: (Int) -> Instruction
    }
    private var pending: [PendingJump] = []
    /// Constants loaded once in the prologue (after the Transaction opcodes), each into a
    /// register of its own (`Codegen.conditionOperand`); the program's compiler emits them.
    package var prologueConstants: [Instruction] = []

    /// (Room for a small statement's program up front: growing these arrays by doubling
    /// was ~4% of micro_a's 200k single-row INSERTs under callgrind. Ten instructions of
    /// 96 bytes stay within glibc's per-thread cache of small blocks (≤ 1032 bytes); a larger
    /// first block took malloc's slow path, ~1.2k instructions per statement, and a point
    /// query's program is ten instructions; `Compiler` asks for that much for a SELECT.)
    package init(capacity: Int = 48) {
        instructions.reserveCapacity(capacity)
        labelAddress.reserveCapacity(16)
        pending.reserveCapacity(8)
    }

    /// The address the next instruction will get.
    package var currentAddress: Int { instructions.count }

    @discardableResult
    package func emit(_ instruction: Instruction) -> Int {
        instructions.append(instruction)
        return instructions.count - 1
    }

    /// Emits a jump to `label`: `make` receives the label's address.
    @discardableResult
    package func emit(jumpTo label: Label, _ make: @escaping (Int) -> Instruction) -> Int {
        let address = labelAddress[label.id]
        if address >= 0 {
            return emit(make(address))
        }
        let at = emit(make(-1))
        pending.append(PendingJump(at: at, label: label, make: make))
        return at
    }

    /// Replaces the instruction at `address` (for jumps back-patched by address).
    package func replace(at address: Int, with instruction: Instruction) {
        instructions[address] = instruction
    }

    package func makeLabel() -> Label {
        labelAddress.append(-1)
        return Label(id: labelAddress.count - 1)
    }

    /// Places `label` at the current address.
    package func place(_ label: Label) {
        labelAddress[label.id] = currentAddress
    }

    package func address(of label: Label) -> Int? {
        let address = labelAddress[label.id]
        return address >= 0 ? address : nil
    }

    /// One new register.
    package func allocateRegister() -> Int {
        registerCount += 1
        return registerCount
    }

    /// `count` consecutive new registers; returns the first.
    package func allocateRegisters(_ count: Int) -> Int {
        let first = registerCount + 1
        registerCount += max(count, 0)
        return first
    }

    package func allocateCursor() -> Int {
        cursorCount += 1
        return cursorCount - 1
    }

    /// Resolves every pending jump; every label used must have been placed.
    package func finish() -> [Instruction] {
        for p in pending {
            let address = labelAddress[p.label.id]
            precondition(address >= 0, "codegen bug: label used but never placed")
            instructions[p.at] = p.make(address)
        }
        pending.removeAll()
        return instructions
    }
}
