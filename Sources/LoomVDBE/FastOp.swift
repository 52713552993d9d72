// This file implements FastOp: a plain-data copy of the hot instructions that the dispatch
// loop reads instead of the `Instruction` enum. Layer: L4. Spec: Spec/L4-vdbe.md (§Dispatch).
import LoomRecord

/// Which hot opcode a `FastOp` encodes; `.slow` sends the dispatch loop to the full
/// `Instruction` switch.
enum FastKind: UInt8, Sendable {
    case slow
    case goto, gosub, `return`, yield
    case integer, null, softNull, sCopy, copy, move, addImm
    case column, rowid, idxRowid, next, prev, sorterNext, rewind
    case add, subtract, multiply
    case eq, ne, lt, le, gt, ge
    case `if`, ifNot, isNull, notNull, ifPos, ifNotZero, decrJumpZero
    case resultRow, makeRecord, newRowid, insert, delete, notExists
    case sorterInsert, sorterData
    /// AggStep of a built-in or user aggregate: `d` indexes `FastProgram.aggregateKinds`.
    case aggStep
    /// Function: `d` indexes `FastProgram.functions`.
    case function
    case idxGE, idxGT, idxLE, idxLT, seekGE, seekGT, seekLE, seekLT
    /// Jump: a/b/c = less/equal/greater targets. CollSeq: a = 0 BINARY, 1 NOCASE, 2 RTRIM.
    case jump, collSeq
    /// Compare (not permuted): `d` indexes `FastProgram.keyInfos`.
    case compare
    /// Divide/Remainder as Add; Concat (a = lhs, b = rhs, c = dest; UTF-8 programs only).
    case divide, remainder, concat
    /// Sequence: a = cursor, b = dest. MustBeInt: a = register, b = target when flags bit 0.
    case sequence, mustBeInt
    /// A constant (String8, Real, Blob): b = dest, `d` indexes `FastProgram.constants`.
    /// Affinity: a = start, b = count, `d` indexes `FastProgram.affinities` (the first of
    /// `b` affinities).
    case string8, affinity
    /// The built-in length(): a = argument register, c = dest.
    case length
    /// The built-in like(P, S): a = first argument register, c = dest, `d` indexes
    /// `FastProgram.functions` (the definition, for operands that are not both TEXT) and
    /// names the VM's pattern cache slot.
    case like
    /// A Column (a/b/c as Column) whose register is the string argument of the `like` op
    /// right after it: an ASCII TEXT field is matched in the record's bytes (no String is
    /// made), the register is not written and the like op is skipped; anything else runs the
    /// Column, then the like op.
    case columnLike
    /// A Column (a/b/c as Column) whose register is the argument of the built-in length()
    /// right after it (d = that call's dest): a BLOB column gives its length from the
    /// record's serial type without copying the bytes, and the length op is skipped
    /// (SQLite's OPFLAG_LENGTHARG); any other value runs the Column, then the length op.
    case columnLength
    /// A MakeRecord (a = start, b = count, c = dest; no affinities) whose record only the
    /// SorterInsert right after it reads (d = the sorter cursor): the record is encoded into
    /// a temporary buffer and copied into the sorter's arena, the register is not written,
    /// and the SorterInsert is skipped (no array per sorted row).
    case makeRecordSorterInsert
    /// Column with a default (a/b/c as Column, `d` indexes `FastProgram.constants`: the
    /// value of a field past the record's end, as ALTER TABLE ADD COLUMN leaves rows).
    case columnDefault
    /// Halt with code OK (a = 1 for the ignore action: a sub-program returns to its caller's
    /// ignore address). Init is decoded as `goto`.
    case halt
    /// A Column (a/b/c as Column) whose register is the argument of the count(X)/sum(X)
    /// AggStep right after it (one argument, marked 2 or 3): the Column runs as usual (its
    /// register is written), then the step's inline path in the same dispatch, skipping the
    /// AggStep op; when that path does not apply the AggStep op runs as usual.
    case columnAggStep
    /// Found/NotFound/NoConflict (a = cursor, b = key, c = count, d = target), IdxInsert
    /// (a = cursor, b = record, d = flags), IdxDelete (a = cursor, b = key, c = count).
    case found, notFound, noConflict, idxInsert, idxDelete
    /// MakeRecord with kept fields (a = start, b = count, c = dest; `d` indexes
    /// `FastProgram.keptRecords`: the fields copied from a cursor's row, and the affinities).
    case makeRecordKeeping
    /// A Rowid (a = cursor, b = dest) whose register the comparison right after it reads:
    /// the Rowid runs as usual, then two INTEGER operands are compared in the same dispatch
    /// (the comparison op is skipped); anything else runs the comparison op as usual.
    case rowidCompare
}

extension FastKind {
    /// Eq, Ne, Lt, Le, Gt or Ge.
    var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: return true
        default: return false
        }
    }
}

/// One instruction as trivially copyable operands. Reading an `Instruction` out of the
/// program array copied the whole enum (a value-witness call plus retains of any payload)
/// per step, ~25% of a GROUP BY scan's instructions (micro_c); a `FastOp` is four words.
/// Operand meaning per kind is fixed by `FastOp.init(_:)`.
struct FastOp: Sendable {
    var kind: FastKind = .slow
    /// Comparisons: bit 0 jumpIfNull, bit 1 nullEq. If/IfNot: bit 0 jumpIfNull.
    var flags: UInt8 = 0
    /// Comparisons: 0 = no affinity, else `FastOp.affinities[affinity - 1]`. AggStep: the
    /// built-in aggregate the VM steps inline (FastOp.init), 0 for the generic step.
    var affinity: UInt8 = 0
    var d: Int32 = 0
    var a = 0
    var b = 0
    var c = 0

    static let affinities: [Affinity] = [.blob, .text, .numeric, .integer, .real]

    init() {}

    /// A `d` that does not fit the 32-bit field leaves the op `.slow`.
    init(_ kind: FastKind, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0, d: Int = 0) {
        guard let d32 = Int32(exactly: d) else { return }
        self.kind = kind
        self.a = a
        self.b = b
        self.c = c
        self.d = d32
    }

    /// The fast form of the instruction at `instruction`, or `.slow`; forms that need a side
    /// table (constants, functions, aggregates, key infos, affinity lists) add to `tables`.
    /// (Read in place through a pointer, one switch per instruction: taking the enum by value
    /// copied it twice per instruction, a value-witness call each, ~10% of a single-row
    /// INSERT's instructions.)
    init(at instruction: UnsafePointer<Instruction>, tables: inout FastTables) {
        switch instruction.pointee {
        case .goto(let t), .initialize(let t): self.init(.goto, t)
        case .halt(let code, let action, _, _) where code == .ok:
            self.init(.halt, action == .ignore ? 1 : 0)
        case .gosub(let r, let t): self.init(.gosub, r, t)
        case .return(let r): self.init(.return, r)
        case .yield(let r, _): self.init(.yield, r)
        case .integer(let v, let d): self.init(.integer, v, d)
        case .int64(let v, let d): self.init(.integer, Int(v), d)
        case .null(let d, let n): self.init(.null, d, n)
        case .softNull(let r): self.init(.softNull, r)
        case .sCopy(let s, let d), .intCopy(let s, let d): self.init(.sCopy, s, d)
        case .copy(let s, let d, let n): self.init(.copy, s, d, n)
        case .move(let s, let d, let n): self.init(.move, s, d, n)
        case .addImm(let r, let v): self.init(.addImm, r, v)
        case .column(let c, let col, let d, nil): self.init(.column, c, col, d)
        case .column(let c, let col, let d, let def?):
            self.init(constant: def, dest: d, tables: &tables)
            if kind == .string8 { self.init(.columnDefault, c, col, d, d: Int(self.d)) }
        case .rowid(let c, let d):
            self.init(.rowid, c, d)
            tables.fused = true
        case .idxRowid(let c, let d): self.init(.idxRowid, c, d)
        case .next(let c, let t): self.init(.next, c, t)
        case .prev(let c, let t): self.init(.prev, c, t)
        case .sorterNext(let c, let t): self.init(.sorterNext, c, t)
        case .rewind(let c, let t), .sort(let c, let t): self.init(.rewind, c, t)
        case .add(let l, let r, let d): self.init(.add, l, r, d)
        case .subtract(let l, let r, let d): self.init(.subtract, l, r, d)
        case .multiply(let l, let r, let d): self.init(.multiply, l, r, d)
        case .divide(let l, let r, let d): self.init(.divide, l, r, d)
        case .remainder(let l, let r, let d): self.init(.remainder, l, r, d)
        case .concat(let l, let r, let d): self.init(.concat, l, r, d)
        case .sequence(let c, let d): self.init(.sequence, c, d)
        case .mustBeInt(let r, let t):
            self.init(.mustBeInt, r, t ?? 0)
            flags = t == nil ? 0 : 1
        case .eq(let l, let r, let t, let a, let c, let jn, let ne):
            self.init(comparison: .eq, l, r, t, a, c, jn, ne)
        case .ne(let l, let r, let t, let a, let c, let jn, let ne):
            self.init(comparison: .ne, l, r, t, a, c, jn, ne)
        case .lt(let l, let r, let t, let a, let c, let jn):
            self.init(comparison: .lt, l, r, t, a, c, jn, false)
        case .le(let l, let r, let t, let a, let c, let jn):
            self.init(comparison: .le, l, r, t, a, c, jn, false)
        case .gt(let l, let r, let t, let a, let c, let jn):
            self.init(comparison: .gt, l, r, t, a, c, jn, false)
        case .ge(let l, let r, let t, let a, let c, let jn):
            self.init(comparison: .ge, l, r, t, a, c, jn, false)
        case .if(let r, let t, let jn):
            self.init(.if, r, t)
            flags = jn ? 1 : 0
        case .ifNot(let r, let t, let jn):
            self.init(.ifNot, r, t)
            flags = jn ? 1 : 0
        case .isNull(let r, let t): self.init(.isNull, r, t)
        case .notNull(let r, let t): self.init(.notNull, r, t)
        case .ifPos(let r, let t, let dec): self.init(.ifPos, r, t, dec)
        case .ifNotZero(let r, let t): self.init(.ifNotZero, r, t)
        case .decrJumpZero(let r, let t): self.init(.decrJumpZero, r, t)
        case .resultRow(let s, let n): self.init(.resultRow, s, n)
        case .makeRecord(let s, let n, let d, nil, nil): self.init(.makeRecord, s, n, d)
        case .makeRecord(let s, let n, let d, let affinities, let kept?):
            guard tables.keptRecords.count < Int(Int32.max) else { self.init(); return }
            self.init(.makeRecordKeeping, s, n, d, d: tables.keptRecords.count)
            tables.keptRecords.append(KeptRecord(fields: kept, affinities: affinities))
        case .newRowid(let c, let d): self.init(.newRowid, c, d)
        case .insert(let c, let rec, let r, let flags, _): self.init(.insert, c, rec, r, d: flags.rawValue)
        case .delete(let c, let flags, _): self.init(.delete, c, flags.rawValue)
        case .notExists(let c, let r, let t), .seekRowid(let c, let r, let t): self.init(.notExists, c, r, t)
        case .sorterInsert(let c, let r):
            self.init(.sorterInsert, c, r)
            tables.fused = true
        case .sorterData(let c, let d, let p): self.init(.sorterData, c, d, p)
        case .found(let c, let k, let n, let t): self.init(.found, c, k, n, d: t)
        case .notFound(let c, let k, let n, let t): self.init(.notFound, c, k, n, d: t)
        case .noConflict(let c, let k, let n, let t): self.init(.noConflict, c, k, n, d: t)
        case .idxInsert(let c, let r, let flags): self.init(.idxInsert, c, r, d: flags.rawValue)
        case .idxDelete(let c, let k, let n): self.init(.idxDelete, c, k, n)
        case .idxGE(let c, let k, let n, let t): self.init(.idxGE, c, k, n, d: t)
        case .idxGT(let c, let k, let n, let t): self.init(.idxGT, c, k, n, d: t)
        case .idxLE(let c, let k, let n, let t): self.init(.idxLE, c, k, n, d: t)
        case .idxLT(let c, let k, let n, let t): self.init(.idxLT, c, k, n, d: t)
        case .seekGE(let c, let k, let n, let t): self.init(.seekGE, c, k, n, d: t)
        case .seekGT(let c, let k, let n, let t): self.init(.seekGT, c, k, n, d: t)
        case .seekLE(let c, let k, let n, let t): self.init(.seekLE, c, k, n, d: t)
        case .seekLT(let c, let k, let n, let t): self.init(.seekLT, c, k, n, d: t)
        case .jump(let lt, let eq, let gt): self.init(.jump, lt, eq, gt)
        case .collSeq(.binary): self.init(.collSeq, 0)
        case .collSeq(.nocase): self.init(.collSeq, 1)
        case .collSeq(.rtrim): self.init(.collSeq, 2)
        // Forms with a side table.
        case .string8(let v, let d): self.init(constant: .text(v), dest: d, tables: &tables)
        case .real(let v, let d): self.init(constant: .real(v), dest: d, tables: &tables)
        case .blob(let v, let d): self.init(constant: .blob(v), dest: d, tables: &tables)
        case .aggStep(let f, let a, let n, let acc, let distinct):
            guard case .aggregate(let kind) = f.body, tables.aggregateKinds.count < Int(Int32.max) else {
                self.init(); return
            }
            self.init(.aggStep, a, n, acc, d: tables.aggregateKinds.count)
            flags = distinct ? 1 : 0
            // The VM steps these in place (no generic step call): 1 count(*), 2 count(X),
            // 3 sum/total/avg(X), 4 min(X), 5 max(X); DISTINCT and argument counts checked here.
            if !distinct {
                switch kind {
                case .countStar: affinity = 1
                case .count where n == 1: affinity = 2; tables.fused = true
                case .sum where n == 1, .total where n == 1, .avg where n == 1: affinity = 3; tables.fused = true
                case .min where n == 1: affinity = 4
                case .max where n == 1: affinity = 5
                default: break
                }
            }
            tables.aggregateKinds.append(kind)
        case .function(let f, let a, 1, let d) where f.builtin == .length && !f.usesSubtypes:
            self.init(.length, a, 0, d)
            tables.fused = true
        case .function(let f, let a, 2, let d) where f.builtin == .like && !f.usesSubtypes:
            guard tables.functions.count < Int(Int32.max) else { self.init(); return }
            self.init(.like, a, 2, d, d: tables.functions.count)
            tables.functions.append(f)
            tables.fused = true
        case .function(let f, let a, let n, let d):
            guard tables.functions.count < Int(Int32.max) else { self.init(); return }
            self.init(.function, a, n, d, d: tables.functions.count)
            tables.functions.append(f)
        case .affinity(let start, let list):
            let first = tables.affinityCount
            guard let affinities = tables.affinities, list.count <= tables.affinityCapacity - first else {
                self.init(); return
            }
            self.init(.affinity, start, list.count, d: first)
            for (i, a) in list.enumerated() { (affinities + first + i).initialize(to: a) }
            tables.affinityCount += list.count
        case .compare(let l, let r, let n, let k, false):
            guard tables.keyInfos.count < Int(Int32.max) else { self.init(); return }
            self.init(.compare, l, r, n, d: tables.keyInfos.count)
            tables.keyInfos.append(k)
        default: self.init()
        }
    }

    /// A constant load into `dest`: the value goes to `tables.constants`.
    private init(constant: Value, dest: Register, tables: inout FastTables) {
        let i = tables.constantCount
        guard i < tables.constantCapacity, let constants = tables.constants else { self.init(); return }
        self.init(.string8, 0, dest, d: i)
        (constants + i).initialize(to: constant)
        tables.constantCount += 1
    }

    /// The fast form of `instruction` alone (its side-table entries are dropped; tests).
    init(_ instruction: Instruction) {
        let program = FastProgram([instruction])
        self = withExtendedLifetime(program) { program.ops[0] }
    }

    private init(comparison kind: FastKind, _ l: Int, _ r: Int, _ t: Int, _ a: Affinity?,
                 _ c: Collation?, _ jumpIfNull: Bool, _ nullEq: Bool) {
        guard c == nil || c == .binary else { self.init(); return }
        self.init(kind, l, r, t)
        flags = (jumpIfNull ? 1 : 0) | (nullEq ? 2 : 0)
        if let a, let i = FastOp.affinities.firstIndex(of: a) { affinity = UInt8(i + 1) }
    }

    var affinityValue: Affinity? { affinity == 0 ? nil : FastOp.affinities[Int(affinity) - 1] }
}

/// The operands of a `makeRecordKeeping` op.
struct KeptRecord {
    let fields: KeptFields
    let affinities: [Affinity]?
}

/// The side tables a `FastProgram` build collects (FastOp's `d` operand indexes them).
struct FastTables {
    var aggregateKinds: [AggregateKind] = []
    var functions: [FunctionDefinition] = []
    var keyInfos: [KeyInfo] = []
    var keptRecords: [KeptRecord] = []
    /// The constants: `constantCount` initialised of `constantCapacity` (FastProgram owns them).
    var constants: UnsafeMutablePointer<Value>?
    var constantCount = 0
    var constantCapacity = 0
    /// Affinity lists, one after the other: `affinityCount` of `affinityCapacity` written.
    var affinities: UnsafeMutablePointer<Affinity>?
    var affinityCount = 0
    var affinityCapacity = 0
    /// Some op may fuse with the one after it (length, like, SorterInsert, Rowid, count(X) and
    /// sum(X) steps): the fusing pass runs.
    var fused = false
}

/// A program's hot-path form: the `FastOp`s and the side tables their `d` operand indexes.
/// Built once per compiled program (codegen stores it in `Program.fast`) and shared by every
/// VM running that program. Unchecked Sendable: the buffer is written only in init and
/// immutable after, so sharing across threads is safe.
package final class FastProgram: @unchecked Sendable {
    /// The ops, one per instruction. An owned buffer rather than an array: the dispatch loop
    /// reads one per step, and the array accessor was a non-inlined call there.
    // Unsafe: one allocation holds the ops (`storage`), then the constants (`constants`,
    // `constantCount` initialised Values), written only in init and released in deinit.
    // Constants are indexed by the `d` of the ops that init made for them.
    private let allocation: UnsafeMutableRawPointer
    private let storage: UnsafeMutableBufferPointer<FastOp>
    let aggregateKinds: [AggregateKind]
    let functions: [FunctionDefinition]
    let keyInfos: [KeyInfo]
    /// MakeRecord-with-kept-fields operands.
    let keptRecords: [KeptRecord]
    /// String8/Real/Blob values (a separate array was an allocation, its growth and its
    /// release per statement: ~1.5k instructions of a literal INSERT).
    let constants: UnsafeMutablePointer<Value>
    private let constantCount: Int
    /// Affinity's lists (likewise in the ops' allocation).
    let affinities: UnsafeMutablePointer<Affinity>

    /// Read-only view of the ops; valid while this object is alive.
    var ops: UnsafeBufferPointer<FastOp> { UnsafeBufferPointer(storage) }

    package init(_ instructions: [Instruction]) {
        let n = instructions.count
        var tables = FastTables()
        // Constants and affinities are counted first (tag tests, no payload copies), so that
        // the ops, the constants and the affinity lists fit one allocation:
        // [ops: n FastOps][constants: k Values][affinities: m Affinity].
        let (k, m) = instructions.withUnsafeBufferPointer { source in
            var k = 0, m = 0
            for i in source.indices {
                switch source[i] {
                case .string8, .real, .blob, .column(_, _, _, .some): k += 1
                case .affinity(_, let list): m += list.count
                default: continue
                }
            }
            return (k, m)
        }
        let opBytes = n * MemoryLayout<FastOp>.stride
        let valueOffset = (opBytes + MemoryLayout<Value>.alignment - 1) / MemoryLayout<Value>.alignment * MemoryLayout<Value>.alignment
        let affinityOffset = valueOffset + k * MemoryLayout<Value>.stride
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(affinityOffset + m * MemoryLayout<Affinity>.stride, 1),
            alignment: max(MemoryLayout<FastOp>.alignment, MemoryLayout<Value>.alignment))
        let storage = UnsafeMutableBufferPointer(start: raw.bindMemory(to: FastOp.self, capacity: n), count: n)
        let constants = (raw + valueOffset).bindMemory(to: Value.self, capacity: k)
        let affinities = (raw + affinityOffset).bindMemory(to: Affinity.self, capacity: m)
        tables.constants = constants
        tables.constantCapacity = k
        tables.affinities = affinities
        tables.affinityCapacity = m
        instructions.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            for i in 0..<source.count {
                storage.initializeElement(at: i, to: FastOp(at: base + i, tables: &tables))
            }
        }
        if tables.fused { FastProgram.fuse(storage) }
        self.allocation = raw
        self.storage = storage
        self.aggregateKinds = tables.aggregateKinds
        self.functions = tables.functions
        self.keyInfos = tables.keyInfos
        self.keptRecords = tables.keptRecords
        self.constants = constants
        self.constantCount = tables.constantCount
        self.affinities = affinities
    }

    /// The constants, in `d` order (tests).
    var constantValues: [Value] { Array(UnsafeBufferPointer(start: constants, count: constantCount)) }

    /// Pairs of ops that run as one (only when the build saw a length, like, SorterInsert,
    /// Rowid or a count(X)/sum(X) step).
    private static func fuse(_ storage: UnsafeMutableBufferPointer<FastOp>) {
        guard storage.count >= 2 else { return }
        for i in 0 ..< storage.count - 1 {
            let first = storage[i], second = storage[i + 1]
            // Column feeding length(): the column register is a fresh function-argument
            // temporary (codegen evaluates arguments into registers only the call reads).
            if first.kind == .column, second.kind == .length, second.a == first.c {
                storage[i] = FastOp(.columnLength, first.a, first.b, first.c, d: second.c)
            }
            // Column feeding like()'s string argument: likewise a fresh argument register.
            else if first.kind == .column, second.kind == .like, second.a + 1 == first.c {
                storage[i] = FastOp(.columnLike, first.a, first.b, first.c)
            }
            // MakeRecord feeding SorterInsert: codegen encodes a sorter row into a fresh
            // register that only the SorterInsert right after it reads (LoomSQL SelectCodegen).
            else if first.kind == .makeRecord, second.kind == .sorterInsert, second.b == first.c {
                storage[i] = FastOp(.makeRecordSorterInsert, first.a, first.b, first.c, d: second.a)
            }
            // Column feeding count(X)/sum(X), and Rowid feeding a comparison: the first op
            // still writes its register (so later readers of it are unaffected); the second
            // runs in the same dispatch when its inline path applies.
            else if first.kind == .column, second.kind == .aggStep, second.affinity == 2 || second.affinity == 3,
                    second.a == first.c {
                storage[i] = FastOp(.columnAggStep, first.a, first.b, first.c)
            } else if first.kind == .rowid, second.kind.isComparison, second.a == first.b || second.b == first.b {
                storage[i] = FastOp(.rowidCompare, first.a, first.b)
            }
        }
    }

    deinit {
        constants.deinitialize(count: constantCount)
        // FastOp is plain data: nothing to deinitialise.
        allocation.deallocate()
    }
}
