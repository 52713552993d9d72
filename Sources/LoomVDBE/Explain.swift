// This file implements EXPLAIN: each instruction's SQLite opcode name and P1..P5 columns,
// and the listing rows `EXPLAIN <stmt>` returns. Layer: L4. Spec: Spec/L4-vdbe.md (§EXPLAIN).
import LoomBase
import LoomBTree
import LoomRecord

/// SQLite's operand columns of one instruction, as EXPLAIN shows them.
package struct ExplainOperands: Sendable, Equatable {
    package var p1 = 0, p2 = 0, p3 = 0
    /// nil when the instruction has no P4.
    package var p4: String? = nil
    package var p5 = 0
}

extension Affinity {
    /// SQLite's SQLITE_AFF_* character ('A' BLOB … 'E' REAL).
    package var sqliteCode: UInt8 {
        switch self {
        case .blob: return 0x41
        case .text: return 0x42
        case .numeric: return 0x43
        case .integer: return 0x44
        case .real: return 0x45
        }
    }
}

func explainKeyInfo(_ k: KeyInfo, binaryAsB: Bool) -> String {
    var s = "k(\(k.collations.count)"
    for (i, c) in k.collations.enumerated() {
        s += ","
        if i < k.descending.count, k.descending[i] { s += "-" }
        if c == .binary { if binaryAsB { s += "B" } } else { s += c.name }
    }
    return s + ")"
}

func explainAffinities(_ a: [Affinity]) -> String {
    String(decoding: a.map(\.sqliteCode), as: UTF8.self)
}

func explainValue(_ v: Value) -> String {
    switch v {
    case .null: return "NULL"
    case .integer(let i): return String(i)
    case .real(let d): return String(d)
    case .text(let s): return s
    case .blob: return "(blob)"
    }
}

extension Instruction {
    /// SQLite's opcode name (`Init`, `SCopy`, …).
    package var opcodeName: String {
        switch self {
        case .initialize: return "Init"
        case .goto: return "Goto"
        case .halt: return "Halt"
        case .haltIfNull: return "HaltIfNull"
        case .gosub: return "Gosub"
        case .return: return "Return"
        case .beginSubrtn: return "BeginSubrtn"
        case .initCoroutine: return "InitCoroutine"
        case .yield: return "Yield"
        case .endCoroutine: return "EndCoroutine"
        case .once: return "Once"
        case .noop: return "Noop"
        case .resetCount: return "ResetCount"
        case .changeCount: return "ChangeCount"
        case .fkCounter: return "FkCounter"
        case .fkIfZero: return "FkIfZero"
        case .fkIfOff: return "FkIfOff"
        case .fkIfDeferring: return "FkIfDeferring"
        case .program: return "Program"
        case .transaction, .exclusiveTransaction: return "Transaction"
        case .autoCommit: return "AutoCommit"
        case .savepoint: return "Savepoint"
        case .readCookie: return "ReadCookie"
        case .setCookie: return "SetCookie"
        case .createBtree: return "CreateBtree"
        case .destroy: return "Destroy"
        case .clear: return "Clear"
        case .parseSchema: return "ParseSchema"
        case .openRead: return "OpenRead"
        case .openWrite: return "OpenWrite"
        case .openEphemeral: return "OpenEphemeral"
        case .openPseudo: return "OpenPseudo"
        case .sorterOpen: return "SorterOpen"
        case .close: return "Close"
        case .rewind: return "Rewind"
        case .sort: return "Sort"
        case .last: return "Last"
        case .next: return "Next"
        case .prev: return "Prev"
        case .ifEmpty: return "IfEmpty"
        case .seekRowid: return "SeekRowid"
        case .notExists: return "NotExists"
        case .seekGE: return "SeekGE"
        case .seekGT: return "SeekGT"
        case .seekLE: return "SeekLE"
        case .seekLT: return "SeekLT"
        case .idxGE: return "IdxGE"
        case .idxGT: return "IdxGT"
        case .idxLE: return "IdxLE"
        case .idxLT: return "IdxLT"
        case .found: return "Found"
        case .notFound: return "NotFound"
        case .noConflict: return "NoConflict"
        case .deferredSeek: return "DeferredSeek"
        case .idxRowid: return "IdxRowid"
        case .column: return "Column"
        case .rowid: return "Rowid"
        case .nullRow: return "NullRow"
        case .ifNullRow: return "IfNullRow"
        case .count: return "Count"
        case .sequence: return "Sequence"
        case .newRowid: return "NewRowid"
        case .insert: return "Insert"
        case .delete: return "Delete"
        case .idxInsert: return "IdxInsert"
        case .idxDelete: return "IdxDelete"
        case .sorterInsert: return "SorterInsert"
        case .sorterSort: return "SorterSort"
        case .sorterNext: return "SorterNext"
        case .sorterData: return "SorterData"
        case .resetSorter: return "ResetSorter"
        case .resultRow: return "ResultRow"
        case .integer: return "Integer"
        case .int64: return "Int64"
        case .real: return "Real"
        case .string8: return "String8"
        case .blob: return "Blob"
        case .null: return "Null"
        case .softNull: return "SoftNull"
        case .variable: return "Variable"
        case .copy: return "Copy"
        case .sCopy: return "SCopy"
        case .move: return "Move"
        case .intCopy: return "IntCopy"
        case .add: return "Add"
        case .subtract: return "Subtract"
        case .multiply: return "Multiply"
        case .divide: return "Divide"
        case .remainder: return "Remainder"
        case .concat: return "Concat"
        case .bitAnd: return "BitAnd"
        case .bitOr: return "BitOr"
        case .shiftLeft: return "ShiftLeft"
        case .shiftRight: return "ShiftRight"
        case .bitNot: return "BitNot"
        case .not: return "Not"
        case .and: return "And"
        case .or: return "Or"
        case .addImm: return "AddImm"
        case .isTrue: return "IsTrue"
        case .eq: return "Eq"
        case .ne: return "Ne"
        case .lt: return "Lt"
        case .le: return "Le"
        case .gt: return "Gt"
        case .ge: return "Ge"
        case .if: return "If"
        case .ifNot: return "IfNot"
        case .isNull: return "IsNull"
        case .notNull: return "NotNull"
        case .ifPos: return "IfPos"
        case .ifNotZero: return "IfNotZero"
        case .decrJumpZero: return "DecrJumpZero"
        case .offsetLimit: return "OffsetLimit"
        case .mustBeInt: return "MustBeInt"
        case .compare: return "Compare"
        case .jump: return "Jump"
        case .permutation: return "Permutation"
        case .affinity: return "Affinity"
        case .cast: return "Cast"
        case .realAffinity: return "RealAffinity"
        case .makeRecord: return "MakeRecord"
        case .collSeq: return "CollSeq"
        case .function: return "Function"
        case .aggStep: return "AggStep"
        case .aggFinal: return "AggFinal"
        case .windowOpen: return "WindowOpen"
        case .windowAppend: return "WindowAppend"
        case .windowCompute: return "WindowCompute"
        case .windowNext: return "WindowNext"
        case .vBegin: return "VBegin"
        case .vCreate: return "VCreate"
        case .vDestroy: return "VDestroy"
        case .vOpen: return "VOpen"
        case .vFilter: return "VFilter"
        case .vColumn: return "VColumn"
        case .vNext: return "VNext"
        case .vUpdate: return "VUpdate"
        case .vRename: return "VRename"
        case .vFilterIn: return "VFilter"
        }
    }

    /// SQLite's P1..P5 for this instruction (what EXPLAIN prints).
    package var operands: ExplainOperands {
        var o = ExplainOperands()
        func cmp(_ lhs: Int, _ rhs: Int, _ target: Int, _ aff: Affinity?, _ coll: Collation?,
                 _ jumpIfNull: Bool, _ nullEq: Bool) {
            o.p1 = rhs; o.p2 = target; o.p3 = lhs
            o.p4 = (coll ?? .binary).name + "-8"
            o.p5 = Int(aff?.sqliteCode ?? 0x40) | (jumpIfNull ? 0x10 : 0) | (nullEq ? 0x80 : 0)
        }
        switch self {
        case .initialize(let t): o.p2 = t
        case .goto(let t): o.p2 = t
        case .halt(let code, let action, let message, let constraint):
            o.p1 = Int(code.rawValue); o.p2 = code == .ok ? 0 : action.rawValue
            o.p4 = message; o.p5 = constraint?.rawValue ?? 0
        case .haltIfNull(let r, let code, let action, let message, let constraint):
            o.p1 = Int(code.rawValue); o.p2 = action.rawValue; o.p3 = r
            o.p4 = message; o.p5 = constraint?.rawValue ?? 0
        case .gosub(let r, let t): o.p1 = r; o.p2 = t
        case .return(let r): o.p1 = r
        case .beginSubrtn(let r): o.p2 = r
        case .initCoroutine(let r, let jump, let start): o.p1 = r; o.p2 = jump ?? 0; o.p3 = start
        case .yield(let r, let t): o.p1 = r; o.p2 = t ?? 0
        case .endCoroutine(let r): o.p1 = r
        case .once(let t): o.p2 = t
        case .noop, .resetCount: break
        case .changeCount(let r): o.p2 = r
        case .fkCounter(let deferred, let amount): o.p1 = deferred ? 1 : 0; o.p2 = amount
        case .fkIfZero(let deferred, let t): o.p1 = deferred == true ? 1 : 0; o.p2 = t
        case .fkIfOff(let t): o.p2 = t
        case .fkIfDeferring(let t): o.p2 = t
        case .program(let index, let arguments, let t, let recursive):
            o.p1 = arguments.first ?? 0; o.p2 = t; o.p3 = index; o.p4 = "program"; o.p5 = recursive ? 0 : 1
        case .transaction(let write, let cookie, let db):
            o.p1 = db
            o.p2 = write ? 1 : 0; o.p3 = cookie ?? 0
            if cookie != nil { o.p4 = "0"; o.p5 = 1 }
        case .exclusiveTransaction: o.p2 = 2
        case .autoCommit(let on, let rollback): o.p1 = on ? 1 : 0; o.p2 = rollback ? 1 : 0
        case .savepoint(let op, let name): o.p1 = op.rawValue; o.p4 = name
        case .readCookie(let d, let f, let db): o.p1 = db; o.p2 = d; o.p3 = f.rawValue
        case .setCookie(let f, let v, let db): o.p1 = db; o.p2 = f.rawValue; o.p3 = v
        case .createBtree(let d, let kind, let db): o.p1 = db; o.p2 = d; o.p3 = kind == .table ? 1 : 2
        case .destroy(let root, let db): o.p1 = root; o.p3 = db
        case .clear(let root, let countChanges, let db): o.p1 = root; o.p2 = db; o.p3 = countChanges ? 1 : 0
        case .parseSchema(let c): o.p4 = c
        case .openRead(let c, let root, let n, let k, let reg, let db), .openWrite(let c, let root, let n, let k, let reg, let db):
            o.p1 = c; o.p2 = root; o.p3 = db
            o.p4 = k.map { explainKeyInfo($0, binaryAsB: false) } ?? String(n)
            o.p5 = reg ? 0x10 : 0
        case .openEphemeral(let c, let n, let k):
            o.p1 = c; o.p2 = n; o.p4 = k.map { explainKeyInfo($0, binaryAsB: true) }
        case .openPseudo(let c, let r, let n): o.p1 = c; o.p2 = r; o.p3 = n
        case .sorterOpen(let c, let n, let k): o.p1 = c; o.p2 = n; o.p4 = explainKeyInfo(k, binaryAsB: true)
        case .close(let c): o.p1 = c
        case .rewind(let c, let t), .sort(let c, let t), .last(let c, let t), .ifEmpty(let c, let t),
             .sorterSort(let c, let t), .sorterNext(let c, let t):
            o.p1 = c; o.p2 = t
        case .next(let c, let t), .prev(let c, let t): o.p1 = c; o.p2 = t
        case .seekRowid(let c, let r, let t), .notExists(let c, let r, let t): o.p1 = c; o.p2 = t; o.p3 = r
        case .seekGE(let c, let k, let n, let t), .seekGT(let c, let k, let n, let t),
             .seekLE(let c, let k, let n, let t), .seekLT(let c, let k, let n, let t),
             .idxGE(let c, let k, let n, let t), .idxGT(let c, let k, let n, let t),
             .idxLE(let c, let k, let n, let t), .idxLT(let c, let k, let n, let t),
             .found(let c, let k, let n, let t), .notFound(let c, let k, let n, let t),
             .noConflict(let c, let k, let n, let t):
            o.p1 = c; o.p2 = t; o.p3 = k; o.p4 = String(n)
        case .deferredSeek(let i, let t): o.p1 = i; o.p3 = t
        case .idxRowid(let c, let d), .rowid(let c, let d), .count(let c, let d),
             .sequence(let c, let d), .newRowid(let c, let d):
            o.p1 = c; o.p2 = d
        case .column(let c, let col, let d, let def):
            o.p1 = c; o.p2 = col; o.p3 = d; o.p4 = def.map(explainValue)
        case .nullRow(let c), .resetSorter(let c): o.p1 = c
        case .ifNullRow(let c, let t, let d): o.p1 = c; o.p2 = t; o.p3 = d
        case .insert(let c, let rec, let rowid, let flags, let table):
            o.p1 = c; o.p2 = rec; o.p3 = rowid; o.p4 = table; o.p5 = flags.rawValue
        case .delete(let c, let flags, let table): o.p1 = c; o.p2 = flags.rawValue; o.p4 = table
        case .idxInsert(let c, let r, let f): o.p1 = c; o.p2 = r; o.p5 = f.rawValue
        case .idxDelete(let c, let k, let n): o.p1 = c; o.p2 = k; o.p3 = n
        case .sorterInsert(let c, let r): o.p1 = c; o.p2 = r
        case .sorterData(let c, let d, let p): o.p1 = c; o.p2 = d; o.p3 = p
        case .resultRow(let s, let n): o.p1 = s; o.p2 = n
        case .integer(let v, let d): o.p1 = v; o.p2 = d
        case .int64(let v, let d): o.p2 = d; o.p4 = String(v)
        case .real(let v, let d): o.p2 = d; o.p4 = explainValue(.real(v))
        case .string8(let v, let d): o.p2 = d; o.p4 = v
        case .blob(let v, let d): o.p1 = v.count; o.p2 = d
        case .null(let d, let n): o.p2 = d; o.p3 = n > 1 ? d + n - 1 : 0
        case .softNull(let r): o.p1 = r
        case .variable(let p, let d): o.p1 = p; o.p2 = d
        case .copy(let s, let d, let n): o.p1 = s; o.p2 = d; o.p3 = n - 1
        case .sCopy(let s, let d), .intCopy(let s, let d): o.p1 = s; o.p2 = d
        case .move(let s, let d, let n): o.p1 = s; o.p2 = d; o.p3 = n
        case .add(let l, let r, let d), .subtract(let l, let r, let d), .multiply(let l, let r, let d),
             .divide(let l, let r, let d), .remainder(let l, let r, let d), .concat(let l, let r, let d),
             .bitAnd(let l, let r, let d), .bitOr(let l, let r, let d), .shiftLeft(let l, let r, let d),
             .shiftRight(let l, let r, let d), .and(let l, let r, let d), .or(let l, let r, let d):
            o.p1 = r; o.p2 = l; o.p3 = d
        case .bitNot(let s, let d), .not(let s, let d): o.p1 = s; o.p2 = d
        case .addImm(let r, let v): o.p1 = r; o.p2 = v
        case .isTrue(let s, let d, let nullValue, let invert):
            o.p1 = s; o.p2 = d; o.p3 = nullValue ? 1 : 0; o.p4 = invert ? "1" : "0"
        case .eq(let l, let r, let t, let a, let c, let j, let n), .ne(let l, let r, let t, let a, let c, let j, let n):
            cmp(l, r, t, a, c, j, n)
        case .lt(let l, let r, let t, let a, let c, let j), .le(let l, let r, let t, let a, let c, let j),
             .gt(let l, let r, let t, let a, let c, let j), .ge(let l, let r, let t, let a, let c, let j):
            cmp(l, r, t, a, c, j, false)
        case .if(let r, let t, let j), .ifNot(let r, let t, let j): o.p1 = r; o.p2 = t; o.p3 = j ? 1 : 0
        case .isNull(let r, let t), .notNull(let r, let t), .ifNotZero(let r, let t),
             .decrJumpZero(let r, let t):
            o.p1 = r; o.p2 = t
        case .ifPos(let r, let t, let dec): o.p1 = r; o.p2 = t; o.p3 = dec
        case .offsetLimit(let l, let d, let off): o.p1 = l; o.p2 = d; o.p3 = off
        case .mustBeInt(let r, let t): o.p1 = r; o.p2 = t ?? 0
        case .compare(let l, let r, let n, let k, let permuted):
            o.p1 = l; o.p2 = r; o.p3 = n; o.p4 = explainKeyInfo(k, binaryAsB: true); o.p5 = permuted ? 1 : 0
        case .jump(let lt, let eq, let gt): o.p1 = lt; o.p2 = eq; o.p3 = gt
        case .permutation(let order): o.p4 = "[" + order.map(String.init).joined(separator: ",") + "]"
        case .affinity(let s, let a): o.p1 = s; o.p2 = a.count; o.p4 = explainAffinities(a)
        case .cast(let r, let a): o.p1 = r; o.p2 = Int(a.sqliteCode)
        case .realAffinity(let r): o.p1 = r
        case .makeRecord(let s, let n, let d, let a, let kept):
            o.p1 = s; o.p2 = n; o.p3 = d; o.p4 = a.map(explainAffinities)
            // Loom's own: the kept fields' cursor in P5 (SQLite's MakeRecord has none).
            if let kept { o.p5 = kept.cursor + 1 }
        case .collSeq(let c): o.p4 = c.name + "-8"
        case .function(let f, let args, let n, let d):
            o.p2 = args; o.p3 = d; o.p4 = "\(f.name)(\(n))"
        case .aggStep(let f, let args, let n, let acc, _):
            o.p2 = args; o.p3 = acc; o.p4 = "\(f.name)(\(n))"; o.p5 = n
        case .aggFinal(let f, let acc, let n):
            o.p1 = acc; o.p2 = n; o.p4 = "\(f.name)(\(n))"
        case .windowOpen(let st): o.p1 = st
        case .windowAppend(let st, let start, let n): o.p1 = st; o.p2 = start; o.p3 = n
        case .windowCompute(let st, let prog): o.p1 = st; o.p2 = prog.functions.count
        case .windowNext(let st, let d, let t): o.p1 = st; o.p2 = t; o.p3 = d
        case .vBegin(let t): o.p4 = "vtab:" + t.name
        case .vCreate(let name, _, _, _): o.p4 = name
        case .vDestroy(let name, _, _, _): o.p4 = name
        case .vOpen(let c, let t): o.p1 = c; o.p4 = "vtab:" + t.name
        case .vFilter(let c, let t, _, let s, let a, _): o.p1 = c; o.p2 = t; o.p3 = a; o.p4 = s
        case .vColumn(let c, let col, let d): o.p1 = c; o.p2 = col; o.p3 = d
        case .vNext(let c, let t): o.p1 = c; o.p2 = t
        case .vUpdate(let t, let a, let n, let f, let action):
            o.p1 = f.contains(.lastRowid) ? 1 : 0; o.p2 = n; o.p3 = a; o.p4 = "vtab:" + t.name
            o.p5 = action.rawValue
        case .vRename(let t, let r): o.p1 = r; o.p4 = "vtab:" + t.name
        case .vFilterIn(let c, let t, _, let s, let a, _, _): o.p1 = c; o.p2 = t; o.p3 = a; o.p4 = s
        }
        return o
    }
}

extension Program {
    /// The rows `EXPLAIN` returns: addr, opcode, p1, p2, p3, p4, p5, comment
    /// (p4 and comment NULL when absent).
    /// The EXPLAIN rows: this program's instructions, then each sub-program (trigger bodies,
    /// foreign-key actions) the listing reaches through a `Program` instruction, once, its
    /// addresses again from 0, as sqlite3 appends them.
    package func explainRows() -> [[Value]] {
        var rows: [[Value]] = []
        var listed: Set<Int> = []
        var queue: [Program] = [self]
        var next = 0
        while next < queue.count {
            let program = queue[next]
            next += 1
            for (addr, ins) in program.instructions.enumerated() {
                if case .program(let index, _, _, _) = ins, index >= 0, index < subPrograms.count,
                   listed.insert(index).inserted {
                    queue.append(subPrograms[index])
                }
                let o = ins.operands
                var comment: Value = addr < program.comments.count ? (program.comments[addr].map(Value.text) ?? .null) : .null
                var p4 = o.p4.map(Value.text) ?? .null
                if next > 1, addr == 0, case .initialize = ins, comment != .null {
                    // A sub-program's Init carries its "-- TRIGGER name" as P4, as in sqlite3.
                    p4 = comment
                    comment = .null
                }
                rows.append([.integer(Int64(addr)), .text(ins.opcodeName), .integer(Int64(o.p1)),
                             .integer(Int64(o.p2)), .integer(Int64(o.p3)), p4, .integer(Int64(o.p5)), comment])
            }
        }
        return rows
    }

    /// The listing as text in the sqlite3 shell's EXPLAIN layout (for debugging and tests).
    package func explainText() -> String {
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
        var out = "addr  opcode         p1    p2    p3    p4             p5  comment      \n"
        out += "----  -------------  ----  ----  ----  -------------  --  -------------\n"
        for (addr, ins) in instructions.enumerated() {
            let o = ins.operands
            let comment = addr < comments.count ? (comments[addr] ?? "") : ""
            out += pad(String(addr), 6) + pad(ins.opcodeName, 15) + pad(String(o.p1), 6)
                + pad(String(o.p2), 6) + pad(String(o.p3), 6) + pad(o.p4 ?? "", 15)
                + pad(String(o.p5), 4) + comment
            out += "\n"
        }
        return out
    }
}
