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
    /// Affinity: a = start, `d` indexes `FastProgram.affinityLists`.
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
    /// Halt with code OK (a = 1 for the ignore action: a sub-program returns to its caller's
    /// ignore address). Init is decoded as `goto`.
    case halt
}

/// One instruction as trivially copyable operands. Reading an `Instruction` out of the
/// program array copied the whole enum (a value-witness call plus retains of any payload)
/// per step, ~25% of a GROUP BY scan's instructions (micro_c); a `FastOp` is four words.
/// Operand meaning per kind is fixed by `FastOp.init(_:)`.
struct FastOp: Sendable {
    var kind: FastKind = .slow
    /// Comparisons: bit 0 jumpIfNull, bit 1 nullEq. If/IfNot: bit 0 jumpIfNull.
    var flags: UInt8 = 0
    /// Comparisons: 0 = no affinity, else `FastOp.affinities[affinity - 1]`.
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
        case .rowid(let c, let d): self.init(.rowid, c, d)
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
        case .makeRecord(let s, let n, let d, nil): self.init(.makeRecord, s, n, d)
        case .newRowid(let c, let d): self.init(.newRowid, c, d)
        case .insert(let c, let rec, let r, let flags, _): self.init(.insert, c, rec, r, d: flags.rawValue)
        case .delete(let c, let flags, _): self.init(.delete, c, flags.rawValue)
        case .notExists(let c, let r, let t), .seekRowid(let c, let r, let t): self.init(.notExists, c, r, t)
        case .sorterInsert(let c, let r):
            self.init(.sorterInsert, c, r)
            tables.fused = true
        case .sorterData(let c, let d, let p): self.init(.sorterData, c, d, p)
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
            guard tables.affinityLists.count < Int(Int32.max) else { self.init(); return }
            self.init(.affinity, start, d: tables.affinityLists.count)
            tables.affinityLists.append(list)
        case .compare(let l, let r, let n, let k, false):
            guard tables.keyInfos.count < Int(Int32.max) else { self.init(); return }
            self.init(.compare, l, r, n, d: tables.keyInfos.count)
            tables.keyInfos.append(k)
        default: self.init()
        }
    }

    /// A constant load into `dest`: the value goes to `tables.constants`.
    private init(constant: Value, dest: Register, tables: inout FastTables) {
        guard tables.constants.count < Int(Int32.max) else { self.init(); return }
        self.init(.string8, 0, dest, d: tables.constants.count)
        tables.constants.append(constant)
    }

    /// The fast form of `instruction` alone (its side-table entries are dropped; tests).
    init(_ instruction: Instruction) {
        var tables = FastTables()
        self = withUnsafePointer(to: instruction) { FastOp(at: $0, tables: &tables) }
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

/// The side tables a `FastProgram` build collects (FastOp's `d` operand indexes them).
struct FastTables {
    var aggregateKinds: [AggregateKind] = []
    var functions: [FunctionDefinition] = []
    var keyInfos: [KeyInfo] = []
    var constants: [Value] = []
    var affinityLists: [[Affinity]] = []
    /// Some op may fuse with the one after it (length, like, SorterInsert): the fusing pass runs.
    var fused = false
}

/// A program's hot-path form: the `FastOp`s and the side tables their `d` operand indexes.
/// Built once per compiled program (codegen stores it in `Program.fast`) and shared by every
/// VM running that program. Unchecked Sendable: the buffer is written only in init and
/// immutable after, so sharing across threads is safe.
package final class FastProgram: @unchecked Sendable {
    /// The ops, one per instruction. An owned buffer rather than an array: the dispatch loop
    /// reads one per step, and the array accessor was a non-inlined call there.
    private let storage: UnsafeMutableBufferPointer<FastOp>
    let aggregateKinds: [AggregateKind]
    let functions: [FunctionDefinition]
    let keyInfos: [KeyInfo]
    let constants: [Value]
    let affinityLists: [[Affinity]]

    /// Read-only view of the ops; valid while this object is alive.
    var ops: UnsafeBufferPointer<FastOp> { UnsafeBufferPointer(storage) }

    package init(_ instructions: [Instruction]) {
        let storage = UnsafeMutableBufferPointer<FastOp>.allocate(capacity: instructions.count)
        var tables = FastTables()
        instructions.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            for i in 0..<source.count {
                storage.initializeElement(at: i, to: FastOp(at: base + i, tables: &tables))
            }
        }
        if tables.fused { FastProgram.fuse(storage) }
        self.storage = storage
        self.aggregateKinds = tables.aggregateKinds
        self.functions = tables.functions
        self.keyInfos = tables.keyInfos
        self.constants = tables.constants
        self.affinityLists = tables.affinityLists
    }

    /// Pairs of ops that run as one (only when the build saw a length, like or SorterInsert).
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
        }
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }
}
