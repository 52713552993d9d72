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
    /// The program being run: the statement's own, or a sub-program while one runs (in a
    /// frame, VM+SubProgram.swift; always the statement's own between steps).
    package internal(set) var program: Program
    package let context: ExecutionContext

    /// The current frame's registers (VM+SubProgram swaps them per frame).
    var registers: RegisterFile
    var bindings: [Value]
    /// Values of the hidden parameters after the statement's own (`bindings.count + 1 …`): the
    /// literals the session's statement cache took out of the text (Spec/L6-session.md SC4).
    /// Not visible to bind/clearBindings; kept across reset.
    package var hiddenBindings: [Value] = []
    var pc: Address = 0
    /// Start of the current result row (`ResultRow`) and its width.
    var resultStart: Register = 0
    var resultCount = 0
    package private(set) var isDone = false
    /// Called before each instruction runs (debugging; nil in normal use).
    package var trace: ((Address, Instruction) -> Void)?
    /// Stepped at least once since the last reset (counts in `activeStatementCount`).
    var isRunning = false
    /// This VM opened a write transaction or holds a write (`activeWriterCount`).
    var isWriting = false
    /// EXPLAIN programs: the next row to return.
    var explainIndex = 0
    var explainRow: [Value] = []
    /// Cursor slots (grown on demand by Open*).
    var cursors: CursorTable
    /// Aggregate states, by accumulator register.
    /// (An array by register: a Dictionary lookup per AggStep hashed with SipHash, 5M
    /// times for micro_c's five aggregates over 1M rows.)
    var aggregates: AggregateSlots
    /// Window row buffers, by state register (Window.swift).
    var windowBuffers: [Register: WindowBuffer] = [:]
    /// Once flags, by instruction address.
    var onceDone: Set<Address> = []
    /// The collation set by CollSeq for the next Function/AggStep.
    var pendingCollation: Collation = .binary
    /// Compare result for Jump, and the Permutation for the next Compare.
    var lastCompare = 0
    var permutation: [Int]?
    /// Rows changed by this run (copied to `context.changes` at a successful halt when the
    /// program counts changes).
    var statementChanges = 0
    /// Immediate foreign-key violations outstanding in this run (checked at halt), and the
    /// transaction's deferred count when the run started (restored if it is undone).
    var statementForeignKeyViolations = 0
    var deferredViolationsAtStart = 0
    let countsChanges: Bool
    /// Row changes of this run, kept inside explicit transactions so an ABORT error can back
    /// out just this statement (nil: not journaling).
    var undoLog: [UndoEntry]?
    /// True when the program creates or drops trees or sets header fields (DDL): inside an
    /// explicit transaction such a statement is journaled by a pager savepoint instead of
    /// the undo log (the statement journal), so a failure undoes its page changes too.
    let changesSchema: Bool
    /// The B-trees on which this run opened its statement savepoint (nil: not using one).
    var statementSavepointTrees: [BTree]?
    /// Undo entries logged before a virtual-table write opened the statement savepoint
    /// mid-run (VM+VirtualTable.swift): applied after that savepoint rolls back.
    var undoBeforeStatementSavepoint: [UndoEntry]?
    /// Function-call scratch: the step's 'now', argument/result JSON subtypes.
    let functionScratch: FunctionScratch
    /// Registers holding a value with SQLite's JSON subtype, with that value (a register
    /// overwritten since by another value no longer counts). Empty unless JSON functions ran.
    var subtypedRegisters: [Register: Value] = [:]
    // Stored last, so fields other modules read keep their offsets (an incremental build
    // that does not recompile those modules stays correct).
    /// `program.instructions` as plain data for the dispatch loop (FastOp.swift).
    var fast: FastProgram
    /// Callers' saved states while a sub-program runs, outermost first (VM+SubProgram.swift).
    var frames: [VMFrame] = []
    /// The statement's sub-programs (`Program.subPrograms` of the top-level program).
    let subPrograms: [Program]
    /// The arguments of the current scalar function call (reused from call to call).
    var argumentScratch: [Value] = []
    /// LIKE patterns compiled by `likeFast`, by call site (`FastOp.d`); emptied when a run
    /// starts, so a changed PRAGMA case_sensitive_like is seen by the next run.
    var likeCache: [LikePattern?] = []

    package init(program: Program, context: ExecutionContext) {
        self.program = program
        self.context = context
        self.pendingCollation = program.binaryCollation
        if let fast = program.fast, fast.ops.count == program.instructions.count {
            self.fast = fast
        } else {
            self.fast = FastProgram(program.instructions)
        }
        self.registers = context.takeRegisters(count: program.registerCount)
        self.bindings = program.parameterCount == 0 ? [] : Array(repeating: .null, count: program.parameterCount)
        self.cursors = context.takeCursorTable(count: program.cursorCount)
        self.aggregates = context.takeAggregates()
        self.functionScratch = context.takeScratch()
        self.subPrograms = program.subPrograms
        if let effects = program.effects {
            // Computed by codegen: no scan of the program per statement.
            self.countsChanges = program.isDataChange || effects.countsChanges
            self.changesSchema = effects.changesSchema
            return
        }
        self.countsChanges = program.isDataChange || program.instructions.contains {
            switch $0 {
            case .insert(_, _, _, let f, _), .delete(_, let f, _): return f.contains(.countChanges)
            case .clear(_, let counts, _): return counts
            default: return false
            }
        }
        self.changesSchema = program.instructions.contains {
            switch $0 {
            case .createBtree, .destroy, .setCookie: return true
            default: return false
            }
        }
    }

    /// Hands the registers and tables to the connection for the next VM (ExecutionContext's
    /// spare parts) when nothing else can hold them.
    deinit {
        // A VM released inside a sub-program (its frames hold the caller's parts) or with a
        // cursor still open keeps its parts to itself.
        guard frames.isEmpty else { return }
        context.recycle(registers: registers, cursors: cursors, aggregates: aggregates, scratch: functionScratch)
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
        functionScratch.stepTime = nil
        do {
            return try run()
        } catch {
            let e = error as? DatabaseError ?? DatabaseError(.internal, "\(error)")
            if isRunning { try? finish(error: e) }
            throw e
        }
    }

    /// Rewinds to the start, keeping bindings (`sqlite3_reset`). A VM reset mid-run ends its
    /// statement as if it halted successfully (autocommit read transactions are closed).
    package func reset() {
        if isRunning && !isDone { try? finish(error: nil) }
        isDone = false
        pc = 0
        resultCount = 0
        explainIndex = 0
        registers.clear()
        subtypedRegisters.removeAll()
        closeAllCursors()
    }

    // MARK: Statement start and end

    func start() {
        isRunning = true
        if !likeCache.isEmpty { likeCache.removeAll(keepingCapacity: true) }
        // An interrupt with no statement running is forgotten (as sqlite3_step does).
        if context.activeStatementCount == 0 { context.interruption.clear() }
        context.activeStatementCount += 1
        pc = 0
        statementChanges = 0
        statementForeignKeyViolations = 0
        deferredViolationsAtStart = context.deferredForeignKeyViolations
        onceDone.removeAll()
        let journaled = !context.isAutocommit && !program.isReadOnly
        undoLog = journaled && !changesSchema ? context.takeUndoLog() : nil
        statementSavepointTrees = journaled && changesSchema ? [] : nil
        undoBeforeStatementSavepoint = nil
    }

    /// Ends the statement: closes cursors, then ends the autocommit transaction
    /// (Spec §Statement end). Errors from commit are thrown.
    func finish(error: DatabaseError?, action: ConflictAction = .abort) throws {
        // An error (or a reset) inside a sub-program ends the whole statement.
        if !frames.isEmpty { unwindFrames() }
        // Only whether there is an error matters here (copying the Optional<DatabaseError>
        // around was ~800 instructions per statement).
        var failed = false
        if case .some = error { failed = true }
        var action = action
        // A run that ends well with foreign-key violations outstanding fails (immediate ones;
        // deferred ones too when the statement is its own transaction).
        var foreignKeyError: DatabaseError? = nil
        // (OR FAIL keeps the changes made before its error: they are checked too.)
        if !failed || action == .fail, isRunning, statementForeignKeyViolations > 0
            || (context.isAutocommit && context.deferredForeignKeyViolations > 0
                && context.activeStatementCount == 1 && context.transactionState != .none) {
            foreignKeyError = DatabaseError(.constraintForeignKey, ConstraintKind.foreignKey.messagePrefix)
            failed = true
            action = .abort
        }
        if failed, action != .fail, isRunning { context.deferredForeignKeyViolations = deferredViolationsAtStart }
        isDone = true
        closeAllCursors()
        guard isRunning else { return }
        isRunning = false
        context.activeStatementCount -= 1
        if isWriting { context.activeWriterCount -= 1; isWriting = false }
        // OR FAIL keeps the rows changed before the error, and they count; an undone
        // statement changed nothing.
        // (total_changes() gains them here, not row by row, as in SQLite: a statement sees
        // the total as it was when it started, plus what its triggers' statements changed.)
        if countsChanges {
            if !failed || action == .fail {
                context.changes = statementChanges
                context.totalChanges &+= statementChanges
            } else {
                context.changes = 0
            }
        }
        let rollbackStatement = failed && action == .abort && !context.isAutocommit
        if let before = undoBeforeStatementSavepoint {
            // A virtual-table write opened the savepoint mid-run: back to it first, then
            // undo the row changes logged before it.
            undoBeforeStatementSavepoint = nil
            endVirtualStatementSavepoint(rollback: rollbackStatement)
            undoLog = before
        }
        if rollbackStatement { undoStatement() }
        if let log = undoLog.take() { context.recycle(undoLog: log) }
        endStatementSavepoint(rollback: rollbackStatement)
        try endTransactionIfNeeded(failed: failed, action: action)
        if let foreignKeyError { throw foreignKeyError }
    }

    func endTransactionIfNeeded(failed: Bool, action: ConflictAction) throws {
        let ctx = context
        if failed, action == .rollback, ctx.transactionState != .none {
            // ON CONFLICT ROLLBACK / ROLLBACK-class errors end the whole transaction.
            ctx.isAutocommit = true
            ctx.rollbackAll()
            return
        }
        guard ctx.isAutocommit, ctx.activeStatementCount == 0, ctx.transactionState != .none else { return }
        if !failed || action == .fail {
            ctx.committingEndedStatement = true
            defer { ctx.committingEndedStatement = false }
            do {
                try ctx.commitAll(keepOpenOnBusy: program.isReadOnly)
            } catch let e as DatabaseError where e.code == .busy && ctx.transactionState == .write {
                // COMMIT refused (readers hold SHARED) before any database committed: the
                // transaction stays open and COMMIT may be run again (SQLite's OP_AutoCommit).
                ctx.isAutocommit = false
                throw e
            }
        } else {
            ctx.rollbackAll()
        }
    }

    func closeAllCursors() {
        let table = cursors
        for i in table.indices {
            guard let c = table.take(i) else { continue }
            if case .virtual(let v, _) = c.storage { v.close() }
            context.recycle(cursor: c)
        }
        aggregates.removeAll()
        if !windowBuffers.isEmpty { windowBuffers.removeAll() }
        permutation = nil
        pendingCollation = program.binaryCollation
    }

    /// Halts with an error: ends the statement, then throws.
    func fail(_ error: DatabaseError, action: ConflictAction = .abort) throws -> Never {
        try finish(error: error, action: action)
        throw error
    }
}

/// Aggregate states by accumulator register: nil until the first AggStep. One table per frame
/// (VMFrame keeps the caller's).
///
/// Why not `[AggregateState?]`: reading a state out of an array hands back an owned
/// reference, a retain and a release per AggStep (5M of each for micro_c's five aggregates
/// over 1M rows). Slots hold `Unmanaged` references the table owns; `withState` lends one
/// at +0, and the state is stepped in place.
final class AggregateSlots {
    // Unsafe: `base` (nil until the first state) points to `count` slots, each nil or a
    // reference retained by this table (released when replaced, by removeAll and deinit).
    private var base: UnsafeMutablePointer<Unmanaged<AggregateState>?>?
    private var count = 0

    init() {}

    deinit {
        removeAll()
        base?.deallocate()
    }

    subscript(register: Register) -> AggregateState? {
        get {
            guard register >= 0, register < count, let base else { return nil }
            return base[register]?.takeUnretainedValue()
        }
        set {
            guard register >= 0 else { return }
            if register >= count {
                guard newValue != nil else { return }
                let capacity = max(register + 1, 2 * count, 8)
                let b = UnsafeMutablePointer<Unmanaged<AggregateState>?>.allocate(capacity: capacity)
                b.initialize(repeating: nil, count: capacity)
                if let base {
                    b.update(from: base, count: count)
                    base.deallocate()
                }
                base = b
                count = capacity
            }
            guard let base else { return }
            let old = base[register]
            base[register] = newValue.map { Unmanaged.passRetained($0) }
            old?.release()
        }
    }

    /// Calls `body` with the state of `register` lent without a retain (`body` must not
    /// replace that slot); nil when there is none.
    @inline(__always)
    func withState<R>(_ register: Register, _ body: (AggregateState) throws -> R) rethrows -> R? {
        guard register >= 0, register < count, let base, let u = base[register] else { return nil }
        return try u._withUnsafeGuaranteedRef(body)
    }

    /// The state of `register` unretained (nil when there is none), for a caller that uses it
    /// only while the slot keeps it (the dispatch loop's inline AggStep; no closure call).
    @inline(__always)
    func stateReference(_ register: Register) -> Unmanaged<AggregateState>? {
        guard register >= 0, register < count, let base else { return nil }
        return base[register]
    }

    func removeAll() {
        guard let base else { return }
        for i in 0 ..< count {
            if let u = base[i] {
                base[i] = nil
                u.release()
            }
        }
    }
}

// MARK: Recycling

/// A connection keeps the parts of its last released VM (registers, cursor and aggregate
/// tables, function scratch), a few closed cursors and an undo log's buffer, and hands them
/// to the next VM: most statements are run once, and allocating and freeing each part was
/// ~400 instructions per object per statement. Parts wait empty (registers NULL, no cursor
/// open, no aggregate state), so nothing a statement read outlives it in a spare part
/// except buffer capacity, which is bounded here.
extension ExecutionContext {
    /// Spare parts larger than these are dropped instead of kept.
    static let spareRegisterLimit = 512
    static let spareCursorLimit = 64
    static let spareCursorCount = 4
    static let spareUndoLogLimit = 64

    func takeRegisters(count: Int) -> RegisterFile {
        if let r = spareRegisters, r.capacity >= count {
            spareRegisters = nil
            r.reuse(count: count)
            return r
        }
        return RegisterFile(count: count)
    }

    func takeCursorTable(count: Int) -> CursorTable {
        if let t = spareCursorTable {
            spareCursorTable = nil
            t.reuse(count: count)
            return t
        }
        return CursorTable(count: count)
    }

    func takeAggregates() -> AggregateSlots {
        if let a = spareAggregates {
            spareAggregates = nil
            return a
        }
        return AggregateSlots()
    }

    func takeScratch() -> FunctionScratch {
        if let f = spareScratch {
            spareScratch = nil
            return f
        }
        return FunctionScratch()
    }

    func takeUndoLog() -> [UndoEntry] {
        var log: [UndoEntry] = []
        swap(&log, &spareUndoLog)
        return log
    }

    /// Keeps a finished statement's undo log buffer (emptied) for the next one.
    func recycle(undoLog: consuming [UndoEntry]) {
        guard undoLog.capacity <= ExecutionContext.spareUndoLogLimit, spareUndoLog.capacity == 0 else { return }
        var log = undoLog
        log.removeAll(keepingCapacity: true)
        spareUndoLog = log
    }

    /// A closed cursor (already out of its slot): kept for `VM.makeCursor` when nothing else
    /// holds it, its B-tree cursor and keys released.
    func recycle(cursor: consuming VMCursor) {
        var c = cursor
        guard spareCursors.count < ExecutionContext.spareCursorCount, isKnownUniquelyReferenced(&c) else { return }
        c.recycle()
        spareCursors.append(c)
    }

    /// The parts of a VM being released (its deinit).
    func recycle(registers: RegisterFile, cursors: CursorTable, aggregates: AggregateSlots,
                 scratch: FunctionScratch) {
        if registers.capacity <= ExecutionContext.spareRegisterLimit,
           spareRegisters.map({ $0.capacity < registers.capacity }) ?? true {
            registers.clear()
            spareRegisters = registers
        }
        if spareCursorTable == nil, cursors.capacity <= ExecutionContext.spareCursorLimit, cursors.isEmpty {
            spareCursorTable = cursors
        }
        if spareAggregates == nil {
            aggregates.removeAll()
            spareAggregates = aggregates
        }
        if spareScratch == nil {
            scratch.stepTime = nil
            scratch.argumentSubtypes = ArgumentSubtypes()
            scratch.resultSubtype = false
            scratch.jsonCache.removeAll()
            spareScratch = scratch
        }
    }
}

extension VM {
    /// A cursor over `storage`: a recycled one when the connection has one.
    func makeCursor(_ storage: VMCursor.Storage, keyInfo: KeyInfo?) -> VMCursor {
        if let c = context.spareCursors.popLast() {
            c.reuse(storage, keyInfo: keyInfo)
            return c
        }
        return VMCursor(storage, keyInfo: keyInfo)
    }
}
