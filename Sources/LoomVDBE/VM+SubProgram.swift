// This file implements sub-programs: the `program` instruction runs one of the statement's
// sub-programs (trigger bodies, foreign-key actions) in a new frame of the same VM.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Sub-programs, invariants S1-S5).
import LoomBase
import LoomRecord

/// A caller's state, saved while a sub-program runs (SQLite's VdbeFrame). Statement-level
/// state (foreign-key counters, the undo log, the transaction) is not saved: the
/// sub-program shares it with its caller. The change counts are saved: a sub-program counts
/// its own rows (ResetCount adds them to total_changes()), and `changes()` is the caller's
/// again when it returns.
final class VMFrame {
    let program: Program
    let fast: FastProgram
    let registers: RegisterFile
    let cursors: CursorTable
    let aggregates: AggregateSlots
    let windowBuffers: [Register: WindowBuffer]
    let onceDone: Set<Address>
    let subtypedRegisters: [Register: Value]
    let pendingCollation: Collation
    let lastCompare: Int
    let permutation: [Int]?
    let statementChanges: Int
    let connectionChanges: Int
    /// Where the caller goes on: after its `program` instruction, or its ignore target.
    let returnAddress: Address
    let ignoreAddress: Address
    /// The sub-program this frame called (for the recursion check).
    let callee: Int

    init(_ vm: VM, returnAddress: Address, ignoreAddress: Address, callee: Int) {
        program = vm.program
        fast = vm.fast
        registers = vm.registers
        cursors = vm.cursors
        aggregates = vm.aggregates
        windowBuffers = vm.windowBuffers
        onceDone = vm.onceDone
        subtypedRegisters = vm.subtypedRegisters
        pendingCollation = vm.pendingCollation
        lastCompare = vm.lastCompare
        permutation = vm.permutation
        statementChanges = vm.statementChanges
        connectionChanges = vm.context.changes
        self.returnAddress = returnAddress
        self.ignoreAddress = ignoreAddress
        self.callee = callee
    }
}

extension VM {
    /// SQLite's SQLITE_MAX_TRIGGER_DEPTH: frames that may be active at once.
    static let maxTriggerDepth = 1000

    /// The `program` instruction (S1-S3): enters sub-program `index` with copies of the
    /// argument registers in its registers `1 ... arguments.count`. Returns false when the
    /// sub-program is skipped (a non-recursive trigger already running).
    func enterSubProgram(_ index: Int, arguments: [Register], ignoreTarget: Address, recursive: Bool) throws -> Bool {
        guard index >= 0, index < subPrograms.count else {
            throw DatabaseError(.internal, "no sub-program \(index)")
        }
        if !recursive, context.pragmaSettings["recursive_triggers", default: 0] == 0,
           frames.contains(where: { $0.callee == index }) {
            return false
        }
        if frames.count >= VM.maxTriggerDepth {
            throw DatabaseError(.error, "too many levels of trigger recursion")
        }
        let sub = subPrograms[index]
        let values = RegisterFile(count: max(sub.registerCount, arguments.count + 1))
        for (i, r) in arguments.enumerated() where r >= 0 {
            guard r < registers.count else { throw DatabaseError(.internal, "register \(r) out of bounds") }
            values[i + 1] = registers[r]
        }
        frames.append(VMFrame(self, returnAddress: pc, ignoreAddress: ignoreTarget, callee: index))
        program = sub
        if let fast = sub.fast, fast.ops.count == sub.instructions.count {
            self.fast = fast
        } else {
            self.fast = FastProgram(sub.instructions)
        }
        registers = values
        cursors = CursorTable(count: sub.cursorCount)
        aggregates = AggregateSlots()
        windowBuffers = [:]
        onceDone = []
        subtypedRegisters = [:]
        pendingCollation = .binary
        lastCompare = 0
        permutation = nil
        statementChanges = 0
        pc = 0
        return true
    }

    /// A sub-program halted well (S4): closes its cursors and returns to the caller, at the
    /// caller's ignore target after RAISE(IGNORE).
    func leaveSubProgram(ignored: Bool) {
        guard let frame = frames.popLast() else { return }
        // Rows counted after the body's last ResetCount (none when codegen ends each
        // statement with one) still count toward total_changes().
        context.totalChanges &+= statementChanges
        restore(frame)
        pc = ignored ? frame.ignoreAddress : frame.returnAddress
    }

    /// An error or a reset while sub-programs run (S5): closes every frame's cursors and
    /// puts the statement's own program back, so the statement ends as usual.
    func unwindFrames() {
        while let frame = frames.popLast() { restore(frame) }
    }

    private func restore(_ frame: VMFrame) {
        closeAllCursors()
        program = frame.program
        fast = frame.fast
        registers = frame.registers
        cursors = frame.cursors
        aggregates = frame.aggregates
        windowBuffers = frame.windowBuffers
        onceDone = frame.onceDone
        subtypedRegisters = frame.subtypedRegisters
        pendingCollation = frame.pendingCollation
        lastCompare = frame.lastCompare
        permutation = frame.permutation
        statementChanges = frame.statementChanges
        context.changes = frame.connectionChanges
    }
}
