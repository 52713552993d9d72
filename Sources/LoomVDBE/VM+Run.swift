// This file implements the VM's dispatch loop: one `switch` over Instruction per step.
// Layer: L4. Spec: Spec/L4-vdbe.md (§VM, per-opcode notes).
import LoomBase
import LoomBTree
import LoomPager
import LoomRecord

extension VM {
    /// Halts with `message` as an error of `code` (SQLite's runtime errors).
    @inline(never)
    func runtimeError(_ code: ResultCode, _ message: String) -> DatabaseError {
        DatabaseError(code, message)
    }

    @inline(__always)
    func checkRange(_ start: Register, _ count: Int) throws {
        guard start >= 0, count >= 0, start <= registers.count - count else {
            throw DatabaseError(.internal, "register range \(start)+\(count) out of bounds")
        }
    }

    func unpackedKey(_ start: Register, _ count: Int) throws -> [Value] {
        try checkRange(start, count)
        return registers.withRange(start, count) { Array($0) }
    }

    /// The probe key of Found/NotFound/NoConflict: unpacked registers or a record blob.
    func probeKey(_ start: Register, _ count: Int) throws -> [Value] {
        if count > 0 { return try unpackedKey(start, count) }
        try checkRange(start, 1)
        guard case .blob(let b) = registers[start] else { return [registers[start]] }
        return try RecordCodec.decode(b)
    }

    /// Stops the statement with `SQLITE_INTERRUPT` ("interrupted"): a statement that writes
    /// rolls the whole transaction back, a read-only one only ends (as SQLite).
    @inline(never)
    func failInterrupted() throws -> Never {
        try fail(DatabaseError(.interrupt), action: program.isReadOnly ? .abort : .rollback)
    }

    func beginTransaction(write: Bool, schemaCookie: Int?, database: Int = 0) throws {
        let ctx = context
        guard let handle = try ctx.database(database) else {
            throw DatabaseError(.error, "no such database")
        }
        switch handle.transactionState {
        case .none:
            try handle.btree.beginTransaction(write: write)
            handle.transactionState = write ? .write : .read
            if write { for _ in ctx.savepoints { handle.btree.openSavepoint() } }
        case .read where write:
            try handle.btree.beginTransaction(write: true)
            handle.transactionState = .write
            for _ in ctx.savepoints { handle.btree.openSavepoint() }
        default:
            break
        }
        ctx.refreshTransactionState()
        if write && !isWriting {
            isWriting = true
            ctx.activeWriterCount += 1
        }
        if write, statementSavepointTrees != nil { openStatementSavepoint(on: handle.btree) }
        if let schemaCookie {
            let current = Int(try handle.btree.getMeta(.schemaCookie))
            if current != schemaCookie {
                throw DatabaseError(.schema, "database schema has changed")
            }
        }
    }

    func autoCommit(on: Bool, rollback: Bool) throws {
        let ctx = context
        if !on {
            guard ctx.isAutocommit else {
                throw DatabaseError(.error, "cannot start a transaction within a transaction")
            }
            ctx.isAutocommit = false
            return
        }
        if rollback {
            guard !ctx.isAutocommit else {
                ctx.endForeignKeyTransaction()
                throw DatabaseError(.error, "cannot rollback - no transaction is active")
            }
            ctx.isAutocommit = true
            ctx.rollbackAll()
        } else {
            guard !ctx.isAutocommit else {
                ctx.endForeignKeyTransaction()
                throw DatabaseError(.error, "cannot commit - no transaction is active")
            }
            // Deferred foreign-key violations keep the transaction open.
            try ctx.leaveTransactionForCommit(ownWriters: isWriting ? 1 : 0)
            // The commit itself happens at this VM's halt (finish) if no other VM is active.
        }
    }

    /// SAVEPOINT / RELEASE / ROLLBACK TO (lang_savepoint.html).
    func savepoint(_ operation: SavepointOperation, name: String) throws {
        let ctx = context
        let key = name.lowercasedASCII
        if operation == .begin {
            if ctx.isAutocommit {
                ctx.isAutocommit = false
                ctx.savepointStartedTransaction = true
            }
            try ctx.virtualTables.savepointAll(ctx.savepoints.count)
            ctx.savepoints.append(name)
            for handle in ctx.databasesInTransaction where handle.transactionState == .write {
                handle.btree.openSavepoint()
            }
            return
        }
        guard let index = ctx.savepoints.lastIndex(where: { $0.lowercasedASCII == key }) else {
            throw DatabaseError(.error, "no such savepoint: \(name)")
        }
        if operation == .release {
            if index == 0 && ctx.savepointStartedTransaction {
                guard ctx.activeWriterCount <= (isWriting ? 1 : 0) else {
                    throw DatabaseError(.busy, "cannot commit transaction - SQL statements in progress")
                }
                // Releasing the transaction's own savepoint is COMMIT (at this VM's halt).
                ctx.isAutocommit = true
                ctx.clearSavepoints()
                return
            }
            ctx.savepoints.removeSubrange(index...)
            for handle in ctx.databasesInTransaction where handle.transactionState == .write {
                handle.btree.releaseSavepoint(index)
            }
            try ctx.virtualTables.releaseAll(index)
            return
        }
        // ROLLBACK TO: the savepoint stays open, newer ones go.
        ctx.savepoints.removeSubrange((index + 1)...)
        for handle in ctx.databasesInTransaction where handle.transactionState == .write {
            try handle.btree.rollbackToSavepoint(index)
        }
        try ctx.virtualTables.rollbackToAll(index)
        ctx.schemaChanged = true
    }

    /// Runs until a row is ready (true) or the program halts (false).
    func run() throws -> Bool {
        while true {
            if let result = try runFrame() { return result }
        }
    }

    /// Runs the current program (the statement's or a sub-program's) until a row is ready
    /// (true), the statement halts (false), or a sub-program is entered or left (nil: run
    /// again with the new frame's program).
    func runFrame() throws -> Bool? {
        let code = program.instructions
        let fast = self.fast
        let ops = fast.ops  // valid while `fast` (held by self) lives
        // The frame's registers, held locally: only entering or leaving a sub-program
        // replaces `self.registers`, and both return from this function right after.
        let registers = self.registers
        // The cursor and aggregate tables likewise (same reason): read through `self`, each
        // use retained the table around the call, as the call might replace it.
        let cursorTable = self.cursors
        let aggregateTable = self.aggregates
        // Read once: testing `self.trace` loaded the optional closure on every step.
        let trace = self.trace
        // The program's own BINARY is the built-in one (not UTF-16's): resetting the collation
        // after a call is then a tag test of `pendingCollation` (reading `program` per call
        // went through its storage class). The program changes only with the frame.
        let binaryProgram: Bool
        if case .binary = program.binaryCollation { binaryProgram = true } else { binaryProgram = false }
        while pc >= 0 && pc < ops.count {
            let address = pc
            pc += 1
            if let trace { trace(address, code[address]) }
            // Hot opcodes first, from the plain-data copy; the rest (and anything FastOp
            // leaves `.slow`) go through the full Instruction switch below.
            let op = ops[address]
            switch op.kind {
            case .slow:
                break
            case .goto:
                if context.interruption.isSet { try failInterrupted() }
                pc = op.a
                continue
            case .halt:
                // Halt with code OK (the error forms stay in the Instruction switch below).
                if !frames.isEmpty {
                    leaveSubProgram(ignored: op.a != 0)
                    return nil
                }
                try finish(error: nil)
                return false
            case .gosub:
                registers[op.a] = .integer(Int64(pc))
                pc = op.b
                continue
            case .return:
                if case .integer(let a) = registers[op.a] { pc = Int(truncatingIfNeeded: a) }
                continue
            case .yield:
                guard case .integer(let a) = registers[op.a] else {
                    throw DatabaseError(.internal, "Yield on a register without an address")
                }
                registers[op.a] = .integer(Int64(pc - 1))
                pc = Int(truncatingIfNeeded: a) + 1
                continue
            case .integer:
                registers[op.b] = .integer(Int64(op.a))
                continue
            case .null:
                let d = op.a, n = max(op.b, 1)
                try checkRange(d, n)
                for r in d ..< d + n { registers[r] = .null }
                continue
            case .softNull:
                registers[op.a] = .null
                continue
            case .sCopy:
                registers[op.b] = registers[op.a]
                copySubtype(op.a, op.b)
                continue
            case .copy:
                let s = op.a, d = op.b, n = op.c
                try checkRange(s, n)
                try checkRange(d, n)
                for i in 0 ..< n { registers[d + i] = registers[s + i] }
                if !subtypedRegisters.isEmpty { for i in 0 ..< n { copySubtype(s + i, d + i) } }
                continue
            case .move:
                let s = op.a, d = op.b, n = op.c
                try checkRange(s, n)
                try checkRange(d, n)
                for i in 0 ..< n {
                    registers[d + i] = registers[s + i]
                    registers[s + i] = .null
                }
                continue
            case .addImm:
                registers[op.a] = .integer(integerValue(registers[op.a]) &+ Int64(op.b))
                continue
            case .column:
                registers[op.c] = try cursorTable.withCursor(op.a) { try columnValue($0, op.b) }
                continue
            case .columnDefault:
                registers[op.c] = try cursorTable.withCursor(op.a) { c in
                    if c.hasRow && !c.nullRow {
                        return op.b < c.row.count ? c.row.column(op.b) : fast.constants[Int(op.d)]
                    }
                    return try readColumn(c, op.b, default: fast.constants[Int(op.d)])
                }
                continue
            case .rowid, .idxRowid:
                registers[op.b] = try cursorTable.withCursor(op.a) { try rowidValue($0) }
                continue
            case .rowidCompare:
                // The comparison op follows (FastProgram fuses only that shape).
                registers[op.b] = try cursorTable.withCursor(op.a) { try rowidValue($0) }
                let comparison = ops[pc]
                if let x = registers.integer(comparison.a), let y = registers.integer(comparison.b) {
                    let jump: Bool
                    switch comparison.kind {
                    case .eq: jump = x == y
                    case .ne: jump = x != y
                    case .lt: jump = x < y
                    case .le: jump = x <= y
                    case .gt: jump = x > y
                    default: jump = x >= y  // .ge
                    }
                    pc = jump ? comparison.c : pc + 1
                }
                continue
            case .next, .sorterNext:
                if context.interruption.isSet { try failInterrupted() }
                if try cursorTable.withCursor(op.a, { try advance($0, forward: true) }) { pc = op.b }
                continue
            case .prev:
                if context.interruption.isSet { try failInterrupted() }
                if try cursorTable.withCursor(op.a, { try advance($0, forward: false) }) { pc = op.b }
                continue
            case .rewind:
                if try !moveFirst(try cursor(op.a)) { pc = op.b }
                continue
            case .add:
                registers[op.c] = fastArithmetic(.add, registers[op.a], registers[op.b])
                continue
            case .subtract:
                registers[op.c] = fastArithmetic(.subtract, registers[op.a], registers[op.b])
                continue
            case .multiply:
                registers[op.c] = fastArithmetic(.multiply, registers[op.a], registers[op.b])
                continue
            case .eq:
                // Two INTEGERs (a range scan's bound test): compared in place, no Value copy.
                if let x = registers.integer(op.a), let y = registers.integer(op.b) {
                    if x == y { pc = op.c }
                    continue
                }
                if try compareJump(op.a, op.b, op.affinityValue, nil, op.flags & 1 != 0, op.flags & 2 != 0, { $0 == 0 }) { pc = op.c }
                continue
            case .ne:
                // Two INTEGERs (a range scan's bound test): compared in place, no Value copy.
                if let x = registers.integer(op.a), let y = registers.integer(op.b) {
                    if x != y { pc = op.c }
                    continue
                }
                if try compareJump(op.a, op.b, op.affinityValue, nil, op.flags & 1 != 0, op.flags & 2 != 0, { $0 != 0 }) { pc = op.c }
                continue
            case .lt:
                // Two INTEGERs (a range scan's bound test): compared in place, no Value copy.
                if let x = registers.integer(op.a), let y = registers.integer(op.b) {
                    if x < y { pc = op.c }
                    continue
                }
                if try compareJump(op.a, op.b, op.affinityValue, nil, op.flags & 1 != 0, false, { $0 < 0 }) { pc = op.c }
                continue
            case .le:
                // Two INTEGERs (a range scan's bound test): compared in place, no Value copy.
                if let x = registers.integer(op.a), let y = registers.integer(op.b) {
                    if x <= y { pc = op.c }
                    continue
                }
                if try compareJump(op.a, op.b, op.affinityValue, nil, op.flags & 1 != 0, false, { $0 <= 0 }) { pc = op.c }
                continue
            case .gt:
                // Two INTEGERs (a range scan's bound test): compared in place, no Value copy.
                if let x = registers.integer(op.a), let y = registers.integer(op.b) {
                    if x > y { pc = op.c }
                    continue
                }
                if try compareJump(op.a, op.b, op.affinityValue, nil, op.flags & 1 != 0, false, { $0 > 0 }) { pc = op.c }
                continue
            case .ge:
                // Two INTEGERs (a range scan's bound test): compared in place, no Value copy.
                if let x = registers.integer(op.a), let y = registers.integer(op.b) {
                    if x >= y { pc = op.c }
                    continue
                }
                if try compareJump(op.a, op.b, op.affinityValue, nil, op.flags & 1 != 0, false, { $0 >= 0 }) { pc = op.c }
                continue
            case .if:
                if Operators.truth(registers[op.a]) ?? (op.flags & 1 != 0) { pc = op.b }
                continue
            case .ifNot:
                if let v = Operators.truth(registers[op.a]) { if !v { pc = op.b } } else if op.flags & 1 != 0 { pc = op.b }
                continue
            case .isNull:
                if registers[op.a].isNull { pc = op.b }
                continue
            case .notNull:
                if !registers[op.a].isNull { pc = op.b }
                continue
            case .ifPos:
                let v = integerValue(registers[op.a])
                if v > 0 {
                    registers[op.a] = .integer(v &- Int64(op.c))
                    pc = op.b
                }
                continue
            case .ifNotZero:
                let v = integerValue(registers[op.a])
                if v != 0 {
                    if v > 0 { registers[op.a] = .integer(v - 1) }
                    pc = op.b
                }
                continue
            case .decrJumpZero:
                let v = integerValue(registers[op.a])
                if v > Int64.min { registers[op.a] = .integer(v - 1) }
                if v - 1 == 0 { pc = op.b }
                continue
            case .resultRow:
                try checkRange(op.a, op.b)
                resultStart = op.a
                resultCount = op.b
                return true
            case .makeRecord:
                let s = op.a, n = op.b
                try checkRange(s, n)
                registers[op.c] = .blob(registers.withRange(s, n) { RecordCodec.encode($0) })
                continue
            case .newRowid:
                registers[op.b] = .integer(try cursorTable.withCursor(op.a) { try newRowid($0) })
                continue
            case .insert:
                guard case .integer(let rowid) = registers[op.c] else {
                    throw DatabaseError(.mismatch, "datatype mismatch")
                }
                let bytes: [UInt8]
                switch registers[op.b] {
                case .blob(let b): bytes = b
                case .null: bytes = RecordCodec.encode([])
                default: throw DatabaseError(.internal, "Insert of a non-record")
                }
                try cursorTable.withCursor(op.a) { try insertRow($0, rowid: rowid, record: bytes) }
                let flags = WriteFlags(rawValue: Int(op.d))
                if flags.contains(.countChanges) {
                    statementChanges += 1
                }
                if flags.contains(.lastRowid) { context.lastInsertRowID = rowid }
                // The update hook needs the table name, which only the full instruction has.
                if context.rowChangeObserver != nil, case .insert(_, _, _, _, let table?) = code[address] {
                    try reportRowChange(flags.contains(.isUpdate) ? .update : .insert, cursor: op.a, table: table, rowid: rowid)
                }
                continue
            case .delete:
                try cursorTable.withCursor(op.a) { try deleteCurrent($0) }
                if WriteFlags(rawValue: op.b).contains(.countChanges) {
                    statementChanges += 1
                }
                if context.rowChangeObserver != nil, case .delete(_, _, let table?) = code[address] {
                    try reportRowChange(.delete, cursor: op.a, table: table, rowid: nil)
                }
                continue
            case .notExists:
                let cur = try cursor(op.a)
                var key: Int64?
                switch registers[op.b] {
                case .integer(let i): key = i
                case .null: key = nil
                default:
                    let v = applyAffinity(.numeric, to: registers[op.b])
                    if case .integer(let i) = v { key = i }
                }
                if let key, try seekRowid(cur, key) {} else {
                    cur.moved(valid: false)
                    cur.absentRowid = key
                    pc = op.c
                }
                continue
            case .sorterInsert:
                guard case .sorter(let s) = try cursor(op.a).storage, case .blob(let b) = registers[op.b] else {
                    throw DatabaseError(.internal, "SorterInsert misuse")
                }
                try s.insert(b)
                continue
            case .sorterData:
                try cursorTable.withCursor(op.a) { try sorterData($0, dest: op.b, pseudo: op.c) }
                continue
            case .makeRecordSorterInsert:
                let s = op.a, n = op.b
                try checkRange(s, n)
                try cursorTable.withCursor(Int(op.d)) { c in
                    guard case .sorter(let sorter) = c.storage else {
                        throw DatabaseError(.internal, "SorterInsert misuse")
                    }
                    try registers.withRange(s, n) { values in
                        let first = values.first ?? .null
                        try RecordCodec.withEncoded(values) { try sorter.insert($0, first: first) }
                    }
                }
                pc += 1
                continue
            case .idxGE:
                if try indexCompare(op.a, op.b, op.c) >= 0 { pc = Int(op.d) }
                continue
            case .idxGT:
                if try indexCompare(op.a, op.b, op.c) > 0 { pc = Int(op.d) }
                continue
            case .idxLE:
                if try indexCompare(op.a, op.b, op.c) <= 0 { pc = Int(op.d) }
                continue
            case .idxLT:
                if try indexCompare(op.a, op.b, op.c) < 0 { pc = Int(op.d) }
                continue
            case .seekGE:
                try doSeek(op.a, .ge, op.b, op.c, Int(op.d))
                continue
            case .seekGT:
                try doSeek(op.a, .gt, op.b, op.c, Int(op.d))
                continue
            case .seekLE:
                try doSeek(op.a, .le, op.b, op.c, Int(op.d))
                continue
            case .seekLT:
                try doSeek(op.a, .lt, op.b, op.c, Int(op.d))
                continue
            case .aggStep:
                let a = op.a, n = op.b, acc = op.c
                try checkRange(a, n)
                // count(*), count(X), sum/total/avg(X) (FastOp.init marks them 1, 2, 3) on an
                // existing state: stepped right here on its fields, exactly as `step` does, with
                // the state read unretained from its slot (no closure call or retain per row).
                // A sum argument other than NULL/INTEGER/REAL and the first row (no state yet)
                // go on to the paths below.
                if op.affinity != 0 && op.affinity <= 3, let u = aggregateTable.stateReference(acc),
                   stepInline(op.affinity, a, u, registers) {
                    resetCollation(programIsBinary: binaryProgram)
                    continue
                }
                // min(X), max(X) without DISTINCT (FastOp.init marks them 4, 5): INTEGER
                // against INTEGER (or the first value) with no subtyped register, stepped here
                // on the state's fields, exactly as `step` does; anything else takes the
                // generic path below.
                if op.affinity >= 4, aggregateTable.withState(acc, { state -> Bool in
                    if registers.isNull(a) { return true }
                    guard subtypedRegisters.isEmpty, case .integer(let y) = registers[a] else { return false }
                    if state.count == 0 {
                        state.best = .integer(y)
                    } else {
                        guard case .integer(let x) = state.best else { return false }
                        if op.affinity == 5 ? x < y : x > y { state.best = .integer(y) }
                    }
                    state.bestIsJSON = false
                    state.argumentSubtypes = ArgumentSubtypes()
                    state.count += 1
                    return true
                }) == true {
                    resetCollation(programIsBinary: binaryProgram)
                    continue
                }
                // The state is stepped in place, borrowed from its slot (no retain per row).
                // BINARY (nearly always) is passed as a constant: reading `pendingCollation`
                // copied the enum (an outlined copy and destroy) on every row.
                let binary: Bool
                if case .binary = pendingCollation { binary = true } else { binary = false }
                var failed = aggregateTable.withState(acc) { state -> Bool in
                    if state.usesSubtypes { state.argumentSubtypes = subtypeMask(a, n) }
                    registers.withRange(a, n) {
                        if binary { state.step($0, collation: .binary) } else { state.step($0, collation: pendingCollation) }
                    }
                    return state.failed
                }
                if failed == nil {
                    let state = AggregateState(kind: fast.aggregateKinds[Int(op.d)], distinct: op.flags & 1 != 0)
                    aggregateTable[acc] = state
                    if state.usesSubtypes { state.argumentSubtypes = subtypeMask(a, n) }
                    registers.withRange(a, n) { state.step($0, collation: pendingCollation) }
                    failed = state.failed
                }
                resetCollation(programIsBinary: binaryProgram)
                if failed == true, let error = aggregateTable[acc]?.userError { throw error }
                continue
            case .jump:
                pc = lastCompare < 0 ? op.a : (lastCompare == 0 ? op.b : op.c)
                continue
            case .collSeq:
                pendingCollation = op.a == 0 ? .binary : (op.a == 1 ? .nocase : .rtrim)
                continue
            case .compare:
                let l = op.a, r = op.b, n = op.c
                try checkRange(l, n)
                try checkRange(r, n)
                var result = 0
                // The KeyInfo is borrowed in place (a copy retained and released its arrays).
                try fast.keyInfos.withUnsafeBufferPointer { keyInfos in
                    guard Int(op.d) >= 0, Int(op.d) < keyInfos.count else {
                        throw DatabaseError(.internal, "Compare without a KeyInfo")
                    }
                    for i in 0 ..< n {
                        let a = registers[l + i], b = registers[r + i]
                        let c: Int
                        if case .integer(let x) = a, case .integer(let y) = b {
                            c = x < y ? -1 : (x == y ? 0 : 1)
                        } else {
                            c = compareValues(a, b, collation: keyInfos[Int(op.d)].collation(i))
                        }
                        if c != 0 { result = keyInfos[Int(op.d)].isDescending(i) ? -c : c; break }
                    }
                }
                lastCompare = result
                permutation = nil
                continue
            case .divide:
                registers[op.c] = fastArithmetic(.divide, registers[op.a], registers[op.b])
                continue
            case .remainder:
                registers[op.c] = fastArithmetic(.remainder, registers[op.a], registers[op.b])
                continue
            case .concat:
                // Other encodings convert numbers to text first: the full instruction does it.
                guard program.textEncoding == .utf8 else { break }
                registers[op.c] = Operators.concat(registers[op.a], registers[op.b])
                continue
            case .sequence:
                let cur = try cursor(op.a)
                registers[op.b] = .integer(cur.sequence)
                cur.sequence &+= 1
                continue
            case .mustBeInt:
                if case .integer = registers[op.a] { continue }
                let v = applyAffinity(.numeric, to: registers[op.a])
                if case .integer = v {
                    registers[op.a] = v
                } else if op.flags & 1 != 0 {
                    pc = op.b
                } else {
                    throw runtimeError(.mismatch, "datatype mismatch")
                }
                continue
            case .string8:
                registers[op.b] = fast.constants[Int(op.d)]
                continue
            case .found:
                if try findPrefix(try cursor(op.a), key: try probeKey(op.b, op.c)) { pc = Int(op.d) }
                continue
            case .notFound:
                if try !findPrefix(try cursor(op.a), key: try probeKey(op.b, op.c)) { pc = Int(op.d) }
                continue
            case .noConflict:
                if try noConflict(op.a, op.b, op.c) { pc = Int(op.d) }
                continue
            case .idxInsert:
                try idxInsert(op.a, op.b, WriteFlags(rawValue: Int(op.d)))
                continue
            case .idxDelete:
                try idxDelete(op.a, op.b, op.c)
                continue
            case .makeRecordKeeping:
                let kept = fast.keptRecords[Int(op.d)]
                try checkRange(op.a, op.b)
                registers[op.c] = .blob(try keptFieldsRecord(op.a, op.b, kept.fields, affinities: kept.affinities))
                continue
            case .affinity:
                let s = op.a, n = op.b
                let affinities = fast.affinities + Int(op.d)  // `n` of them (FastOp.swift)
                try checkRange(s, n)
                for i in 0 ..< n {
                    registers[s + i] = applyAffinity(affinities[i], to: registers[s + i])
                }
                continue
            case .length:
                registers[op.c] = lengthValue(registers[op.a])
                if !subtypedRegisters.isEmpty { subtypedRegisters[op.c] = nil }
                resetCollation(programIsBinary: binaryProgram)
                continue
            case .columnAggStep:
                // The AggStep op follows (FastProgram fuses only that shape; its argument
                // register is this Column's, written here as usual).
                registers[op.c] = try cursorTable.withCursor(op.a) { try columnValue($0, op.b) }
                let step = ops[pc]
                if let u = aggregateTable.stateReference(step.c), stepInline(step.affinity, step.a, u, registers) {
                    resetCollation(programIsBinary: binaryProgram)
                    pc += 1
                }
                continue
            case .columnLength:
                // The cursor is lent at +0 (`cursor(_:)` returned it retained).
                let n = try cursorTable.withCursor(op.a) { c in
                    // The row parsed already (every Column after a row's first): read in place.
                    c.hasRow && !c.nullRow ? c.row.blobLength(op.b) : try blobColumnLength(c, op.b)
                }
                if let n {
                    let d = Int(op.d)
                    registers[d] = .integer(n)
                    if !subtypedRegisters.isEmpty { subtypedRegisters[d] = nil }
                    resetCollation(programIsBinary: binaryProgram)
                    pc += 1
                } else {
                    registers[op.c] = try cursorTable.withCursor(op.a) { try readColumn($0, op.b, default: nil) }
                }
                continue
            case .function:
                try checkRange(op.a, op.b)
                let result = try callScalar(fast.functions[Int(op.d)], op.a, op.b, dest: op.c)
                registers[op.c] = result
                resetCollation(programIsBinary: binaryProgram)
                continue
            case .columnLike:
                // The like op follows (FastProgram fuses only that shape).
                let like = ops[pc]
                let matched = try cursorTable.withCursor(op.a) { try likeColumnFast($0, op.b, pattern: like.a, slot: Int(like.d)) }
                if let matched {
                    registers[like.c] = .integer(matched ? 1 : 0)
                    if !subtypedRegisters.isEmpty { subtypedRegisters[like.c] = nil }
                    resetCollation(programIsBinary: binaryProgram)
                    pc += 1
                } else {
                    registers[op.c] = try cursorTable.withCursor(op.a) { try readColumn($0, op.b, default: nil) }
                }
                continue
            case .like:
                try checkRange(op.a, 2)
                if let result = likeFast(op.a, slot: Int(op.d)) {
                    registers[op.c] = result
                    if !subtypedRegisters.isEmpty { subtypedRegisters[op.c] = nil }
                } else {
                    registers[op.c] = try callScalar(fast.functions[Int(op.d)], op.a, 2, dest: op.c)
                }
                resetCollation(programIsBinary: binaryProgram)
                continue
            }
            switch code[address] {
            // MARK: Control flow
            case .initialize(let t), .goto(let t):
                if context.interruption.isSet { try failInterrupted() }
                pc = t
            case .halt(let rc, let action, let message, let constraint):
                if rc == .ok {
                    if !frames.isEmpty {
                        leaveSubProgram(ignored: action == .ignore)
                        return nil
                    }
                    try finish(error: nil)
                    return false
                }
                var text = message ?? rc.message
                if let constraint { text = constraint.messagePrefix + (message ?? "") }
                try fail(runtimeError(rc, text), action: action)
            case .haltIfNull(let r, let rc, let action, let message, let constraint):
                if registers[r].isNull {
                    var text = message ?? rc.message
                    if let constraint { text = constraint.messagePrefix + (message ?? "") }
                    try fail(runtimeError(rc, text), action: action)
                }
            case .gosub(let r, let t):
                registers[r] = .integer(Int64(pc))
                pc = t
            case .return(let r):
                if case .integer(let a) = registers[r] { pc = Int(truncatingIfNeeded: a) }
            case .beginSubrtn(let r):
                registers[r] = .null
            case .initCoroutine(let r, let jump, let start):
                registers[r] = .integer(Int64(start - 1))
                if let jump { pc = jump }
            case .yield(let r, let t):
                guard case .integer(let a) = registers[r] else {
                    throw DatabaseError(.internal, "Yield on a register without an address")
                }
                registers[r] = .integer(Int64(pc - 1))
                pc = Int(truncatingIfNeeded: a) + 1
                // Record where to go if the coroutine ends (EndCoroutine reads it back).
                _ = t
            case .endCoroutine(let r):
                // Return to the Yield that resumed us; jump to that Yield's target.
                guard case .integer(let a) = registers[r], a >= 0, Int(a) < code.count,
                      case .yield(_, let t) = code[Int(a)] else {
                    throw DatabaseError(.internal, "EndCoroutine without a caller")
                }
                registers[r] = .integer(Int64(address))
                pc = t ?? Int(a) + 1
            case .once(let t):
                if onceDone.contains(address) { pc = t } else { onceDone.insert(address) }
            case .noop:
                break
            case .resetCount:
                context.changes = statementChanges
                context.totalChanges &+= statementChanges
                statementChanges = 0
            case .changeCount(let r):
                registers[r] = .integer(Int64(statementChanges))
            case .fkCounter(let deferred, let amount):
                if deferred || context.pragmaSettings["defer_foreign_keys", default: 0] != 0 {
                    context.deferredForeignKeyViolations &+= amount
                } else {
                    statementForeignKeyViolations &+= amount
                }
            case .fkIfZero(let deferred, let t):
                let useDeferred = deferred.map { $0 || context.pragmaSettings["defer_foreign_keys", default: 0] != 0 } ?? false
                let n = useDeferred ? context.deferredForeignKeyViolations : statementForeignKeyViolations
                if n == 0 { pc = t }
            case .fkIfOff(let t):
                if context.pragmaSettings["foreign_keys", default: 0] == 0 { pc = t }
            case .fkIfDeferring(let t):
                if context.pragmaSettings["defer_foreign_keys", default: 0] != 0 { pc = t }
            case .program(let index, let arguments, let t, let recursive):
                if try enterSubProgram(index, arguments: arguments, ignoreTarget: t, recursive: recursive) { return nil }

            // MARK: Transactions and schema
            case .transaction(let write, let cookie, let database):
                if write, context.pragmaSettings["query_only", default: 0] != 0 {
                    throw DatabaseError(.readonly, "attempt to write a readonly database")
                }
                try beginTransaction(write: write, schemaCookie: cookie, database: database)
            case .exclusiveTransaction:
                // EXCLUSIVE first (waiting through the busy handler when no transaction is
                // open), then the B-tree's write transaction on top of it (main only).
                let pager = context.btree.pager
                let mainHandle = try context.database(0)
                let wasOpen = (mainHandle?.transactionState ?? ExecutionContext.TransactionState.none) != .none
                try pager.beginExclusiveWrite()
                do {
                    try beginTransaction(write: true, schemaCookie: nil, database: 0)
                } catch {
                    if !wasOpen && (mainHandle?.transactionState ?? ExecutionContext.TransactionState.none) == .none { try? pager.rollback(); pager.endRead() }
                    throw error
                }
            case .autoCommit(let on, let rollback):
                try autoCommit(on: on, rollback: rollback)
                try finish(error: nil)
                return false
            case .savepoint(let operation, let name):
                try savepoint(operation, name: name)
                try finish(error: nil)
                return false
            case .readCookie(let d, let field, let db):
                registers[d] = .integer(Int64(try context.tree(db).getMeta(field)))
            case .setCookie(let field, let value, let db):
                try context.tree(db).setMeta(field, UInt32(truncatingIfNeeded: value))
                if field == .schemaCookie { context.schemaChanged = true }
            case .createBtree(let d, let kind, let db):
                registers[d] = .integer(Int64(try context.tree(db).createTree(kind).rawValue))
            case .destroy(let root, let db):
                try context.tree(db).dropTree(try rootPageNumber(root))
            case .clear(let root, let counts, let db):
                let page = try rootPageNumber(root)
                let tree = try context.tree(db)
                let n = counts ? Int(try tree.tableCursor(root: page, writable: false).count()) : 0
                try tree.clearTree(page)
                if counts {
                    statementChanges += n
                }
            case .parseSchema:
                context.schemaChanged = true

            // MARK: Cursors
            case .openRead(let c, let root, _, let k, let inReg, let db):
                try openBTreeCursor(c, root: root, rootInRegister: inReg, keyInfo: k, writable: false, database: db)
            case .openWrite(let c, let root, _, let k, let inReg, let db):
                try openBTreeCursor(c, root: root, rootInRegister: inReg, keyInfo: k, writable: true, database: db)
            case .openEphemeral(let c, _, let k):
                try setCursor(c, try openEphemeralTree(keyInfo: k))
            case .openPseudo(let c, let r, _):
                let cur = VMCursor(.pseudo(r), keyInfo: nil)
                cur.isValid = true
                try setCursor(c, cur)
            case .sorterOpen(let c, _, let k):
                try setCursor(c, VMCursor(.sorter(Sorter(keyInfo: k, spill: sorterSpill())), keyInfo: k))
            case .close(let c):
                if c >= 0 { cursors[c] = nil }
            case .rewind(let c, let t), .sort(let c, let t):
                if try !moveFirst(try cursor(c)) { pc = t }
            case .last(let c, let t):
                if try !moveLast(try cursor(c)) { pc = t }
            case .next(let c, let t):
                if context.interruption.isSet { try failInterrupted() }
                if try advance(try cursor(c), forward: true) { pc = t }
            case .prev(let c, let t):
                if context.interruption.isSet { try failInterrupted() }
                if try advance(try cursor(c), forward: false) { pc = t }
            case .ifEmpty(let c, let t):
                let cur = try cursor(c)
                if try entryCount(cur) == 0 { pc = t }
            case .seekRowid(let c, let r, let t), .notExists(let c, let r, let t):
                let cur = try cursor(c)
                var key: Int64?
                switch registers[r] {
                case .integer(let i): key = i
                case .null: key = nil
                default:
                    let v = applyAffinity(.numeric, to: registers[r])
                    if case .integer(let i) = v { key = i }
                }
                if let key, try seekRowid(cur, key) {} else {
                    cur.moved(valid: false)
                    cur.absentRowid = key
                    pc = t
                }
            case .seekGE(let c, let k, let n, let t):
                try doSeek(c, .ge, k, n, t)
            case .seekGT(let c, let k, let n, let t):
                try doSeek(c, .gt, k, n, t)
            case .seekLE(let c, let k, let n, let t):
                try doSeek(c, .le, k, n, t)
            case .seekLT(let c, let k, let n, let t):
                try doSeek(c, .lt, k, n, t)
            case .idxGE(let c, let k, let n, let t):
                if try indexCompare(c, k, n) >= 0 { pc = t }
            case .idxGT(let c, let k, let n, let t):
                if try indexCompare(c, k, n) > 0 { pc = t }
            case .idxLE(let c, let k, let n, let t):
                if try indexCompare(c, k, n) <= 0 { pc = t }
            case .idxLT(let c, let k, let n, let t):
                if try indexCompare(c, k, n) < 0 { pc = t }
            case .found(let c, let k, let n, let t):
                if try findPrefix(try cursor(c), key: try probeKey(k, n)) { pc = t }
            case .notFound(let c, let k, let n, let t):
                if try !findPrefix(try cursor(c), key: try probeKey(k, n)) { pc = t }
            case .noConflict(let c, let k, let n, let t):
                if try noConflict(c, k, n) { pc = t }
            case .deferredSeek(let ic, let tc):
                let rowid = try currentRowid(try cursor(ic))
                let table = try cursor(tc)
                if case .integer(let id) = rowid, try seekRowid(table, id) {} else {
                    table.moved(valid: false)
                }
            case .idxRowid(let c, let d):
                registers[d] = try currentRowid(try cursor(c))
            case .column(let c, let col, let d, let def):
                registers[d] = try readColumn(try cursor(c), col, default: def)
            case .rowid(let c, let d):
                registers[d] = try currentRowid(try cursor(c))
            case .nullRow(let c):
                if let cur = cursors[c] {
                    cur.nullRow = true
                    cur.hasRow = false
                } else {
                    // SQLite allows NullRow on a cursor never opened: open an empty pseudo row.
                    let cur = VMCursor(.memory(MemoryTree(keyInfo: nil)), keyInfo: nil)
                    cur.nullRow = true
                    try setCursor(c, cur)
                }
            case .ifNullRow(let c, let t, let d):
                if let cur = cursors[c], cur.nullRow {
                    registers[d] = .null
                    pc = t
                }
            case .count(let c, let d):
                registers[d] = .integer(try entryCount(try cursor(c)))
            case .sequence(let c, let d):
                let cur = try cursor(c)
                registers[d] = .integer(cur.sequence)
                cur.sequence &+= 1
            case .newRowid(let c, let d):
                registers[d] = .integer(try newRowid(try cursor(c)))
            case .insert(let c, let rec, let r, let flags, let table):
                guard case .integer(let rowid) = registers[r] else {
                    throw DatabaseError(.mismatch, "datatype mismatch")
                }
                let bytes: [UInt8]
                switch registers[rec] {
                case .blob(let b): bytes = b
                case .null: bytes = RecordCodec.encode([])
                default: throw DatabaseError(.internal, "Insert of a non-record")
                }
                try insertRow(try cursor(c), rowid: rowid, record: bytes)
                if flags.contains(.countChanges) {
                    statementChanges += 1
                }
                if flags.contains(.lastRowid) { context.lastInsertRowID = rowid }
                if let table, context.rowChangeObserver != nil {
                    try reportRowChange(flags.contains(.isUpdate) ? .update : .insert, cursor: c, table: table, rowid: rowid)
                }
            case .delete(let c, let flags, let table):
                try deleteCurrent(try cursor(c))
                if flags.contains(.countChanges) {
                    statementChanges += 1
                }
                if let table, context.rowChangeObserver != nil {
                    try reportRowChange(.delete, cursor: c, table: table, rowid: nil)
                }
            case .idxInsert(let c, let r, let flags):
                try idxInsert(c, r, flags)
            case .idxDelete(let c, let k, let n):
                try idxDelete(c, k, n)
            case .sorterInsert(let c, let r):
                guard case .sorter(let s) = try cursor(c).storage, case .blob(let b) = registers[r] else {
                    throw DatabaseError(.internal, "SorterInsert misuse")
                }
                try s.insert(b)
            case .sorterSort(let c, let t):
                let cur = try cursor(c)
                guard case .sorter(let s) = cur.storage else { throw DatabaseError(.internal, "SorterSort misuse") }
                try s.sort()
                let ok = try s.first()
                cur.moved(valid: ok)
                if !ok { pc = t }
            case .sorterNext(let c, let t):
                if context.interruption.isSet { try failInterrupted() }
                if try advance(try cursor(c), forward: true) { pc = t }
            case .sorterData(let c, let d, let p):
                try sorterData(try cursor(c), dest: d, pseudo: p)
            case .resetSorter(let c):
                let cur = try cursor(c)
                switch cur.storage {
                case .sorter(let s): s.reset()
                case .memory(let m): m.removeAll()
                case .table(let t): if let tree = cur.ephemeralTree { try tree.clearTree(t.root) }
                case .index(let i): if let tree = cur.ephemeralTree { try tree.clearTree(i.root) }
                default: break
                }
                cur.moved(valid: false)

            // MARK: Results and constants
            case .resultRow(let s, let n):
                try checkRange(s, n)
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
                try checkRange(d, max(n, 1))
                for r in d ..< d + max(n, 1) { registers[r] = .null }
            case .softNull(let r):
                registers[r] = .null
            case .variable(let p, let d):
                if p >= 1 && p <= bindings.count {
                    registers[d] = bindings[p - 1]
                } else {
                    let h = p - bindings.count - 1
                    registers[d] = h >= 0 && h < hiddenBindings.count ? hiddenBindings[h] : .null
                }
            case .copy(let s, let d, let n):
                try checkRange(s, n)
                try checkRange(d, n)
                for i in 0 ..< n { registers[d + i] = registers[s + i] }
                if !subtypedRegisters.isEmpty { for i in 0 ..< n { copySubtype(s + i, d + i) } }
            case .sCopy(let s, let d), .intCopy(let s, let d):
                registers[d] = registers[s]
                copySubtype(s, d)
            case .move(let s, let d, let n):
                try checkRange(s, n)
                try checkRange(d, n)
                for i in 0 ..< n {
                    registers[d + i] = registers[s + i]
                    registers[s + i] = .null
                }

            // MARK: Arithmetic and logic
            case .add(let l, let r, let d):
                registers[d] = fastArithmetic(.add, registers[l], registers[r])
            case .subtract(let l, let r, let d):
                registers[d] = fastArithmetic(.subtract, registers[l], registers[r])
            case .multiply(let l, let r, let d):
                registers[d] = fastArithmetic(.multiply, registers[l], registers[r])
            case .divide(let l, let r, let d):
                registers[d] = Operators.arithmetic(.divide, registers[l], registers[r])
            case .remainder(let l, let r, let d):
                registers[d] = Operators.arithmetic(.remainder, registers[l], registers[r])
            case .concat(let l, let r, let d):
                if program.textEncoding == .utf8 {
                    registers[d] = Operators.concat(registers[l], registers[r])
                } else {
                    let e = program.textEncoding
                    registers[d] = Operators.concat(registers[l].castToTextKeepingNull(in: e), registers[r].castToTextKeepingNull(in: e))
                }
            case .bitAnd(let l, let r, let d):
                registers[d] = Operators.bitwise(.and, registers[l], registers[r])
            case .bitOr(let l, let r, let d):
                registers[d] = Operators.bitwise(.or, registers[l], registers[r])
            case .shiftLeft(let l, let r, let d):
                registers[d] = Operators.bitwise(.shiftLeft, registers[l], registers[r])
            case .shiftRight(let l, let r, let d):
                registers[d] = Operators.bitwise(.shiftRight, registers[l], registers[r])
            case .bitNot(let s, let d):
                registers[d] = registers[s].isNull ? .null : .integer(~integerValue(registers[s]))
            case .not(let s, let d):
                registers[d] = Operators.truth(registers[s]).map { .integer($0 ? 0 : 1) } ?? .null
            case .and(let l, let r, let d):
                let a = Operators.truth(registers[l]), b = Operators.truth(registers[r])
                if a == false || b == false { registers[d] = .integer(0) }
                else if a == nil || b == nil { registers[d] = .null }
                else { registers[d] = .integer(1) }
            case .or(let l, let r, let d):
                let a = Operators.truth(registers[l]), b = Operators.truth(registers[r])
                if a == true || b == true { registers[d] = .integer(1) }
                else if a == nil || b == nil { registers[d] = .null }
                else { registers[d] = .integer(0) }
            case .addImm(let r, let v):
                registers[r] = .integer(integerValue(registers[r]) &+ Int64(v))
            case .isTrue(let s, let d, let nullValue, let invert):
                let t = Operators.truth(registers[s]) ?? nullValue
                registers[d] = .integer(t != invert ? 1 : 0)

            // MARK: Comparisons
            case .eq(let l, let r, let t, let a, let c, let jn, let ne):
                if try compareJump(l, r, a, c, jn, ne, { $0 == 0 }) { pc = t }
            case .ne(let l, let r, let t, let a, let c, let jn, let ne):
                if try compareJump(l, r, a, c, jn, ne, { $0 != 0 }) { pc = t }
            case .lt(let l, let r, let t, let a, let c, let jn):
                if try compareJump(l, r, a, c, jn, false, { $0 < 0 }) { pc = t }
            case .le(let l, let r, let t, let a, let c, let jn):
                if try compareJump(l, r, a, c, jn, false, { $0 <= 0 }) { pc = t }
            case .gt(let l, let r, let t, let a, let c, let jn):
                if try compareJump(l, r, a, c, jn, false, { $0 > 0 }) { pc = t }
            case .ge(let l, let r, let t, let a, let c, let jn):
                if try compareJump(l, r, a, c, jn, false, { $0 >= 0 }) { pc = t }
            case .if(let r, let t, let jn):
                if Operators.truth(registers[r]) ?? jn { pc = t }
            case .ifNot(let r, let t, let jn):
                if let v = Operators.truth(registers[r]) { if !v { pc = t } } else if jn { pc = t }
            case .isNull(let r, let t):
                if registers[r].isNull { pc = t }
            case .notNull(let r, let t):
                if !registers[r].isNull { pc = t }
            case .ifPos(let r, let t, let dec):
                let v = integerValue(registers[r])
                if v > 0 {
                    registers[r] = .integer(v &- Int64(dec))
                    pc = t
                }
            case .ifNotZero(let r, let t):
                let v = integerValue(registers[r])
                if v != 0 {
                    if v > 0 { registers[r] = .integer(v - 1) }
                    pc = t
                }
            case .decrJumpZero(let r, let t):
                let v = integerValue(registers[r])
                if v > Int64.min { registers[r] = .integer(v - 1) }
                if v - 1 == 0 { pc = t }
            case .offsetLimit(let l, let d, let o):
                let limit = integerValue(registers[l]), offset = integerValue(registers[o])
                if limit <= 0 {
                    registers[d] = .integer(-1)
                } else {
                    let (sum, overflow) = limit.addingReportingOverflow(max(offset, 0))
                    registers[d] = .integer(overflow ? -1 : sum)
                }
            case .mustBeInt(let r, let t):
                let v = applyAffinity(.numeric, to: registers[r])
                if case .integer = v {
                    registers[r] = v
                } else if let t {
                    pc = t
                } else {
                    throw runtimeError(.mismatch, "datatype mismatch")
                }
            case .compare(let l, let r, let n, let k, let permuted):
                try checkRange(l, n)
                try checkRange(r, n)
                var result = 0
                for i in 0 ..< n {
                    let p = permuted ? (permutation.map { i < $0.count ? $0[i] : i } ?? i) : i
                    try checkRange(l + p, 1)
                    try checkRange(r + p, 1)
                    let c = compareValues(registers[l + p], registers[r + p], collation: k.collation(i))
                    if c != 0 { result = k.isDescending(i) ? -c : c; break }
                }
                lastCompare = result
                permutation = nil
            case .jump(let lt, let eq, let gt):
                pc = lastCompare < 0 ? lt : (lastCompare == 0 ? eq : gt)
            case .permutation(let order):
                permutation = order

            // MARK: Types and records
            case .affinity(let s, let affinities):
                try checkRange(s, affinities.count)
                for (i, a) in affinities.enumerated() {
                    registers[s + i] = applyAffinity(a, to: registers[s + i])
                }
            case .cast(let r, let a):
                registers[r] = program.textEncoding == .utf8 ? castValue(registers[r], to: a)
                    : castValue(registers[r], to: a, encoding: program.textEncoding)
            case .realAffinity(let r):
                if case .integer(let i) = registers[r] { registers[r] = .real(Double(i)) }
            case .makeRecord(let s, let n, let d, let affinities, let kept):
                try checkRange(s, n)
                if let kept {
                    registers[d] = .blob(try keptFieldsRecord(s, n, kept, affinities: affinities))
                    break
                }
                if let affinities {
                    for i in 0 ..< min(n, affinities.count) {
                        registers[s + i] = applyAffinity(affinities[i], to: registers[s + i])
                    }
                }
                registers[d] = .blob(registers.withRange(s, n) { RecordCodec.encode($0) })

            // MARK: Functions
            case .collSeq(let c):
                pendingCollation = c
            case .function(let f, let a, let n, let d):
                try checkRange(a, n)
                let result = try callScalar(f, a, n, dest: d)
                registers[d] = result
                resetCollation(programIsBinary: binaryProgram)
            case .aggStep(let f, let a, let n, let acc, let distinct):
                try checkRange(a, n)
                guard case .aggregate(let kind) = f.body else {
                    throw DatabaseError(.internal, "AggStep of a scalar function")
                }
                let state: AggregateState
                if let s = aggregates[acc] { state = s } else {
                    state = AggregateState(kind: kind, distinct: distinct)
                    aggregates[acc] = state
                }
                if kind.usesSubtypes { state.argumentSubtypes = subtypeMask(a, n) }
                registers.withRange(a, n) { state.step($0, collation: pendingCollation) }
                resetCollation(programIsBinary: binaryProgram)
                if state.failed, let error = state.userError { throw error }
            case .aggFinal(let f, let acc, _):
                let state: AggregateState
                if let s = aggregates[acc] { state = s } else {
                    guard case .aggregate(let kind) = f.body else {
                        throw DatabaseError(.internal, "AggFinal of a scalar function")
                    }
                    state = AggregateState(kind: kind, distinct: false)
                }
                aggregates[acc] = nil
                registers[acc] = try state.final()
                if state.resultIsJSON {
                    subtypedRegisters[acc] = registers[acc]
                } else if !subtypedRegisters.isEmpty {
                    subtypedRegisters[acc] = nil
                }
            case .windowOpen(let st):
                windowOpen(st)
            case .windowAppend(let st, let start, let n):
                try windowAppend(st, start, n)
            case .windowCompute(let st, let prog):
                try windowCompute(st, prog)
            case .windowNext(let st, let d, let t):
                if try !windowNext(st, d) { pc = t }
            case .vBegin(let t):
                try context.virtualTables.begin(t.table)
            case .vCreate(let name, let module, let args, let sql):
                _ = try context.virtualTables.table(named: name, module: module, arguments: args, sql: sql, create: true)
            case .vDestroy(let name, let module, let args, let sql):
                try virtualDestroy(name: name, module: module, arguments: args, sql: sql)
            case .vOpen(let c, let t):
                try setCursor(c, VMCursor(.virtual(try t.table.open(), t), keyInfo: nil))
            case .vFilter(let c, let t, let n, let s, let a, let count):
                if try !virtualFilter(c, indexNumber: n, indexString: s, arguments: a, count: count) { pc = t }
            case .vColumn(let c, let col, let d):
                try virtualColumn(c, col, dest: d)
            case .vNext(let c, let t):
                if try virtualNext(c) { pc = t }
            case .vUpdate(let t, let a, let n, let f, let action):
                try virtualUpdate(t, arguments: a, count: n, flags: f, action: action)
            case .vRename(let t, let r):
                try t.table.rename(to: registers[r].textForVirtualTable)
            case .vFilterIn(let c, let t, let n, let s, let a, let count, let lists):
                if try !virtualFilter(c, indexNumber: n, indexString: s, arguments: a, count: count, lists: lists) { pc = t }
            }
        }
        if !frames.isEmpty {
            leaveSubProgram(ignored: false)
            return nil
        }
        try finish(error: nil)
        return false
    }

    /// Back to BINARY after a Function/AggStep (CollSeq applies to one call). Usually it is
    /// BINARY already: then nothing is written (a Collation copy and destroy per call).
    @inline(__always)
    func resetCollation() {
        if case .binary = pendingCollation, case .binary = program.binaryCollation { return }
        pendingCollation = program.binaryCollation
    }

    /// count(*) (`kind` 1), count(X) (2) and sum/total/avg(X) (3) stepped in place on an
    /// existing state, exactly as `AggregateState.step` does; false (nothing done) for a sum
    /// argument other than NULL/INTEGER/REAL. Each step is a one-line closure lending the
    /// state at +0 (an unowned(unsafe) binding was retained and released per row).
    @inline(__always)
    func stepInline(_ kind: UInt8, _ a: Register, _ u: Unmanaged<AggregateState>, _ registers: RegisterFile) -> Bool {
        if kind == 1 {
            u._withUnsafeGuaranteedRef { $0.count += 1 }
        } else if registers.isNull(a) {
            // count(X) and sum(X) skip NULL.
        } else if kind == 2 {
            u._withUnsafeGuaranteedRef { $0.count += 1 }
        } else if let i = registers.integer(a) {
            u._withUnsafeGuaranteedRef { $0.addToSum(i) }
        } else if let d = registers.real(a) {
            u._withUnsafeGuaranteedRef { $0.addToSum(d) }
        } else {
            return false
        }
        return true
    }

    /// `resetCollation()` for the dispatch loop, which knows whether the program's BINARY is
    /// the built-in one (`programIsBinary`): then a pending BINARY needs no further read.
    @inline(__always)
    func resetCollation(programIsBinary: Bool) {
        if programIsBinary, case .binary = pendingCollation { return }
        pendingCollation = program.binaryCollation
    }

    @inline(__always)
    func fastArithmetic(_ op: ArithmeticOperator, _ a: Value, _ b: Value) -> Value {
        if case .integer(let x) = a, case .integer(let y) = b {
            switch op {
            case .add:
                let (r, o) = x.addingReportingOverflow(y)
                if !o { return .integer(r) }
            case .subtract:
                let (r, o) = x.subtractingReportingOverflow(y)
                if !o { return .integer(r) }
            case .multiply:
                let (r, o) = x.multipliedReportingOverflow(by: y)
                if !o { return .integer(r) }
            case .divide:
                if y != 0 && y != -1 { return .integer(x / y) }
            case .remainder:
                if y != 0 && y != -1 { return .integer(x % y) }
            }
        }
        return Operators.arithmetic(op, a, b)
    }

    /// Shared body of Eq…Ge: NULL handling, affinity, collation, then `test` on the result.
    @inline(__always)
    func compareJump(_ l: Register, _ r: Register, _ affinity: Affinity?, _ collation: Collation?,
                     _ jumpIfNull: Bool, _ nullEq: Bool, _ test: (Int) -> Bool) throws -> Bool {
        let a = registers[l], b = registers[r]
        if a.isNull || b.isNull {
            if nullEq { return test(a.isNull && b.isNull ? 0 : 1) }
            return jumpIfNull
        }
        if case .integer(let x) = a, case .integer(let y) = b {
            return test(x < y ? -1 : (x == y ? 0 : 1))
        }
        let (pa, pb) = Operators.prepareComparison(a, b, affinity: affinity)
        return test(compareValues(pa, pb, collation: collation ?? .binary))
    }

    func doSeek(_ c: CursorID, _ op: SeekOp, _ k: Register, _ n: Int, _ t: Address) throws {
        let cur = try cursor(c)
        let ok: Bool
        if cur.isIndex {
            ok = try seek(cur, op, key: try unpackedKey(k, n), rowid: nil)
        } else {
            // Table: the key register holds the rowid; non-integers are rounded to the
            // nearest usable integer bound, as SQLite does.
            try checkRange(k, 1)
            let v = applyAffinity(.numeric, to: registers[k])
            switch v {
            case .integer(let i):
                ok = try seek(cur, op, key: [], rowid: i)
            case .real(let d):
                var bound: Int64
                var adjusted = op
                if d >= 9.223372036854775807e18 { bound = Int64.max; if op == .gt || op == .ge { cur.moved(valid: false); pc = t; return } }
                else if d < -9.223372036854775808e18 { bound = Int64.min; if op == .lt || op == .le { cur.moved(valid: false); pc = t; return } }
                else {
                    bound = Int64(d.rounded(.towardZero))
                    if Double(bound) != d {
                        // x > 2.5 == x >= 3 ; x < 2.5 == x <= 2 (and mirrored for negatives)
                        switch op {
                        case .gt, .ge: adjusted = .ge; if d > 0 { bound += 1 }
                        case .lt, .le: adjusted = .le; if d < 0 { bound -= 1 }
                        }
                    }
                }
                ok = try seek(cur, adjusted, key: [], rowid: bound)
            case .null:
                cur.moved(valid: false)
                ok = false
            default:
                // Text that is not a number sorts after every integer.
                ok = op == .le || op == .lt ? try moveLast(cur) : false
            }
        }
        if !ok { pc = t }
    }

    /// NoConflict: true (jump) when a key field is NULL or no entry of index `c` has the key
    /// as a prefix; the cursor is left on the conflicting entry otherwise.
    func noConflict(_ c: CursorID, _ k: Register, _ n: Int) throws -> Bool {
        let key = try probeKey(k, n)
        if key.contains(where: \.isNull) { return true }
        return try !findPrefix(try cursor(c), key: key)
    }

    /// IdxInsert of the record in register `r` into index cursor `c`.
    func idxInsert(_ c: CursorID, _ r: Register, _ flags: WriteFlags) throws {
        guard case .blob(let b) = registers[r] else {
            throw DatabaseError(.internal, "IdxInsert of a non-record")
        }
        try insertIndexEntry(try cursor(c), record: b)
        if flags.contains(.countChanges) {
            statementChanges += 1
        }
    }

    /// IdxDelete: deletes the entry of index cursor `c` equal to the `n` key registers at `k`,
    /// if there is one.
    func idxDelete(_ c: CursorID, _ k: Register, _ n: Int) throws {
        let cur = try cursor(c)
        let key = try unpackedKey(k, n)
        guard try findPrefix(cur, key: key) else { return }
        let ki = cur.keyInfo ?? KeyInfo()
        // A B-tree index's `.found` already compared the key (findPrefix).
        var isIndex = false
        if case .index = cur.storage { isIndex = true }
        if try isIndex || compareKeys(currentKey(cur), key, keyInfo: ki) == 0 {
            try deleteCurrent(cur)
            cur.deletedKey = nil
            cur.deletedRowid = nil
        }
    }

    /// IdxGE/GT/LE/LT: the current index entry compared with the key (prefix-equal = 0).
    func indexCompare(_ c: CursorID, _ k: Register, _ n: Int) throws -> Int {
        let cur = try cursor(c)
        try checkRange(k, n)
        // The entry's record bytes against the key registers, both in place (no arrays).
        guard try loadPositionedRow(cur) else { return 0 }
        let keyInfo = cur.keyInfo ?? KeyInfo()
        return try registers.withRange(k, n) { key in
            try cur.row.withBytes { try compareRecord($0, with: key, keyInfo: keyInfo) }
        }
    }

    func callScalar(_ f: FunctionDefinition, _ a: Register, _ n: Int, dest: Register) throws -> Value {
        guard case .scalar(let body) = f.body else {
            throw DatabaseError(.error, "misuse of aggregate function \(f.name)()")
        }
        try checkRange(a, n)
        let call = FunctionCallContext(connection: context, collation: pendingCollation, scratch: functionScratch)
        // The arguments are copied into one array kept by the VM (no allocation per call)
        // and passed as a slice of it; it is emptied again after the call.
        argumentScratch.removeAll(keepingCapacity: true)
        registers.withRange(a, n) { argumentScratch.append(contentsOf: $0) }
        defer { argumentScratch.removeAll(keepingCapacity: true) }
        guard f.usesSubtypes else {
            if !subtypedRegisters.isEmpty { subtypedRegisters[dest] = nil }
            return try body(argumentScratch[...], call)
        }
        functionScratch.argumentSubtypes = subtypeMask(a, n)
        functionScratch.resultSubtype = false
        let result = try body(argumentScratch[...], call)
        subtypedRegisters[dest] = functionScratch.resultSubtype ? result : nil
        return result
    }

    /// like(P, S) with both operands TEXT, through the call site's cached `LikePattern`
    /// (compiled again only when the pattern text changes); nil for other operands.
    func likeFast(_ a: Register, slot: Int) -> Value? {
        guard case .text(let pattern) = registers[a], case .text(let string) = registers[a + 1] else { return nil }
        return .integer(likePattern(pattern, slot: slot).matches(string) ? 1 : 0)
    }

    /// like(P, column) for FastOp `columnLike`: P is TEXT and the column of `c`'s current row
    /// is ASCII TEXT, matched in the record's bytes; nil for anything else (the caller then
    /// runs the Column and the like op).
    func likeColumnFast(_ c: VMCursor, _ column: Int, pattern a: Register, slot: Int) throws -> Bool? {
        guard !c.nullRow, case .text(let pattern) = registers[a] else { return nil }
        if case .virtual = c.storage { return nil }
        guard try loadRow(c) else { return nil }
        let compiled = likePattern(pattern, slot: slot)
        return c.row.withTextField(column) { compiled.matchesASCII($0) } ?? nil
    }

    /// The call site's cached pattern, compiled again when the pattern text changed.
    private func likePattern(_ pattern: String, slot: Int) -> LikePattern {
        if slot < likeCache.count, let cached = likeCache[slot], cached.source == pattern { return cached }
        let caseSensitive = context.pragmaSettings["case_sensitive_like", default: 0] != 0
        let compiled = LikePattern(pattern, escape: nil, caseSensitive: caseSensitive)
        if slot >= likeCache.count { likeCache.append(contentsOf: repeatElement(nil, count: slot + 1 - likeCache.count)) }
        likeCache[slot] = compiled
        return compiled
    }

    /// The arguments whose register still holds the value a JSON function gave it.
    func subtypeMask(_ a: Register, _ n: Int) -> ArgumentSubtypes {
        var mask = ArgumentSubtypes()
        if subtypedRegisters.isEmpty { return mask }
        for i in 0 ..< min(n, 128) {
            if let v = subtypedRegisters[a + i], v == registers[a + i] { mask.insert(i) }
        }
        return mask
    }

    /// Copy/SCopy carry a JSON subtype along (SQLite's Mem copies keep MEM_Subtype).
    @inline(__always)
    func copySubtype(_ source: Register, _ dest: Register) {
        if subtypedRegisters.isEmpty { return }
        subtypedRegisters[dest] = subtypedRegisters[source].flatMap { $0 == registers[source] ? $0 : nil }
    }
}
