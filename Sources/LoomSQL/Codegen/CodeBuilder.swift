// This file implements CodeBuilder: the instruction buffer codegen appends to, with register
// and cursor allocation and forward labels. Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomVDBE

/// A jump target that may be placed after the jumps that use it.
package struct Label: Hashable, Sendable { let id: Int }

/// Collects the instructions of one program.
///
/// A jump to a label not yet placed is emitted with a placeholder address (a negative
/// number naming the label, `placeholder(for:)`) and patched in `finish()`: every address
/// operand equal to the placeholder gets the label's address (`Instruction.patchingAddress`).
/// (It used to keep one escaping closure per such jump: an allocation and a release each,
/// ~1k instructions of a small statement's compile.)
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

    /// Emits a jump to `label`: `make` receives the label's address (a placeholder while the
    /// label is unplaced; `make` is called once, at once, and must only use it as an address).
    @discardableResult
    package func emit(jumpTo label: Label, _ make: (Int) -> Instruction) -> Int {
        let address = labelAddress[label.id]
        if address >= 0 {
            return emit(make(address))
        }
        let at = emit(make(CodeBuilder.placeholder(for: label)))
        pending.append(PendingJump(at: at, label: label))
        return at
    }

    /// The stand-in address of an unplaced label: far below any address or "no target" value.
    static func placeholder(for label: Label) -> Int { Int.min / 2 - label.id }

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
        // (Patched in place: `instructions[i]` copied each instruction out and back.)
        instructions.withUnsafeMutableBufferPointer { code in
            for p in pending {
                let address = labelAddress[p.label.id]
                precondition(address >= 0, "codegen bug: label used but never placed")
                let patched = code[p.at].patchAddress(CodeBuilder.placeholder(for: p.label), with: address)
                precondition(patched, "codegen bug: a pending jump's instruction has no placeholder address")
            }
        }
        pending.removeAll()
        return instructions
    }
}

extension Instruction {
    /// Sets every address operand equal to `placeholder` to `address`; false when none holds it.
    mutating func patchAddress(_ placeholder: Int, with address: Int) -> Bool {
        guard let patched = patchingAddress(placeholder, with: address) else { return false }
        self = patched
        return true
    }

    /// This instruction with every address operand equal to `placeholder` set to `address`;
    /// nil when no address operand holds `placeholder`.
    func patchingAddress(_ placeholder: Int, with address: Int) -> Instruction? {
        var found = false
        func f(_ a: Int) -> Int {
            if a != placeholder { return a }
            found = true
            return address
        }
        func f(_ a: Int?) -> Int? { a.map { f($0) } }
        let patched: Instruction
        switch self {
        case .initialize(let t): patched = .initialize(target: f(t))
        case .goto(let t): patched = .goto(target: f(t))
        case .gosub(let r, let t): patched = .gosub(returnAddress: r, target: f(t))
        case .initCoroutine(let r, let j, let s): patched = .initCoroutine(register: r, jump: f(j), start: f(s))
        case .yield(let r, let t): patched = .yield(register: r, target: f(t))
        case .once(let t): patched = .once(target: f(t))
        case .fkIfZero(let d, let t): patched = .fkIfZero(deferred: d, target: f(t))
        case .fkIfOff(let t): patched = .fkIfOff(target: f(t))
        case .fkIfDeferring(let t): patched = .fkIfDeferring(target: f(t))
        case .program(let i, let a, let t, let r): patched = .program(index: i, arguments: a, ignoreTarget: f(t), recursive: r)
        case .rewind(let c, let t): patched = .rewind(cursor: c, target: f(t))
        case .sort(let c, let t): patched = .sort(cursor: c, target: f(t))
        case .last(let c, let t): patched = .last(cursor: c, target: f(t))
        case .next(let c, let t): patched = .next(cursor: c, target: f(t))
        case .prev(let c, let t): patched = .prev(cursor: c, target: f(t))
        case .ifEmpty(let c, let t): patched = .ifEmpty(cursor: c, target: f(t))
        case .seekRowid(let c, let r, let t): patched = .seekRowid(cursor: c, rowid: r, target: f(t))
        case .notExists(let c, let r, let t): patched = .notExists(cursor: c, rowid: r, target: f(t))
        case .seekGE(let c, let k, let n, let t): patched = .seekGE(cursor: c, key: k, count: n, target: f(t))
        case .seekGT(let c, let k, let n, let t): patched = .seekGT(cursor: c, key: k, count: n, target: f(t))
        case .seekLE(let c, let k, let n, let t): patched = .seekLE(cursor: c, key: k, count: n, target: f(t))
        case .seekLT(let c, let k, let n, let t): patched = .seekLT(cursor: c, key: k, count: n, target: f(t))
        case .idxGE(let c, let k, let n, let t): patched = .idxGE(cursor: c, key: k, count: n, target: f(t))
        case .idxGT(let c, let k, let n, let t): patched = .idxGT(cursor: c, key: k, count: n, target: f(t))
        case .idxLE(let c, let k, let n, let t): patched = .idxLE(cursor: c, key: k, count: n, target: f(t))
        case .idxLT(let c, let k, let n, let t): patched = .idxLT(cursor: c, key: k, count: n, target: f(t))
        case .found(let c, let k, let n, let t): patched = .found(cursor: c, key: k, count: n, target: f(t))
        case .notFound(let c, let k, let n, let t): patched = .notFound(cursor: c, key: k, count: n, target: f(t))
        case .noConflict(let c, let k, let n, let t): patched = .noConflict(cursor: c, key: k, count: n, target: f(t))
        case .ifNullRow(let c, let t, let d): patched = .ifNullRow(cursor: c, target: f(t), dest: d)
        case .sorterSort(let c, let t): patched = .sorterSort(cursor: c, target: f(t))
        case .sorterNext(let c, let t): patched = .sorterNext(cursor: c, target: f(t))
        case .eq(let l, let r, let t, let a, let c, let n, let e):
            patched = .eq(lhs: l, rhs: r, target: f(t), affinity: a, collation: c, jumpIfNull: n, nullEq: e)
        case .ne(let l, let r, let t, let a, let c, let n, let e):
            patched = .ne(lhs: l, rhs: r, target: f(t), affinity: a, collation: c, jumpIfNull: n, nullEq: e)
        case .lt(let l, let r, let t, let a, let c, let n):
            patched = .lt(lhs: l, rhs: r, target: f(t), affinity: a, collation: c, jumpIfNull: n)
        case .le(let l, let r, let t, let a, let c, let n):
            patched = .le(lhs: l, rhs: r, target: f(t), affinity: a, collation: c, jumpIfNull: n)
        case .gt(let l, let r, let t, let a, let c, let n):
            patched = .gt(lhs: l, rhs: r, target: f(t), affinity: a, collation: c, jumpIfNull: n)
        case .ge(let l, let r, let t, let a, let c, let n):
            patched = .ge(lhs: l, rhs: r, target: f(t), affinity: a, collation: c, jumpIfNull: n)
        case .if(let r, let t, let n): patched = .if(register: r, target: f(t), jumpIfNull: n)
        case .ifNot(let r, let t, let n): patched = .ifNot(register: r, target: f(t), jumpIfNull: n)
        case .isNull(let r, let t): patched = .isNull(register: r, target: f(t))
        case .notNull(let r, let t): patched = .notNull(register: r, target: f(t))
        case .ifPos(let r, let t, let d): patched = .ifPos(register: r, target: f(t), decrement: d)
        case .ifNotZero(let r, let t): patched = .ifNotZero(register: r, target: f(t))
        case .decrJumpZero(let r, let t): patched = .decrJumpZero(register: r, target: f(t))
        case .mustBeInt(let r, let t): patched = .mustBeInt(register: r, target: f(t))
        case .jump(let l, let e, let g): patched = .jump(less: f(l), equal: f(e), greater: f(g))
        case .vFilter(let c, let t, let n, let s, let a, let k):
            patched = .vFilter(cursor: c, target: f(t), indexNumber: n, indexString: s, arguments: a, count: k)
        case .vNext(let c, let t): patched = .vNext(cursor: c, target: f(t))
        case .windowNext(let s, let d, let t): patched = .windowNext(state: s, dest: d, target: f(t))
        case .vFilterIn(let c, let t, let n, let s, let a, let k, let l):
            patched = .vFilterIn(cursor: c, target: f(t), indexNumber: n, indexString: s, arguments: a, count: k, lists: l)
        default:
            return nil
        }
        return found ? patched : nil
    }
}
