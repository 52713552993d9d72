// This file implements expression codegen: RExpr → instructions that leave the value in a
// register, and conditional jumps for WHERE-style tests. Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomRecord
import LoomVDBE

/// Generates code for one statement; expression, SELECT and DML codegen extend it.
package final class Codegen {
    var c: Compilation
    var b: CodeBuilder { c.builder }
    /// Where RAISE(IGNORE) goes: the end of the current triggering row (innermost last).
    var raiseIgnoreTargets: [Label] = []
    /// PRAGMA count_changes: the register holding what the row count differs from the
    /// change count by (−1 per upsert update, +1 per view row an INSTEAD OF trigger fired
    /// for); nil until needed (see `adjustCountChanges`).
    var countChangesAdjustment: Int? = nil
    /// Columns whose value is already in a register (aggregate output, sorter output).
    var columnOverrides: [RColumn: Int] = [:]
    /// Accumulator registers of the aggregates of the select whose output is being coded.
    var aggregateRegisters: [Int] = []
    /// Tables by cursor, for REAL affinity and rowid aliases.
    var cursorTables = CursorTables()
    /// Tables read through a covering index: table cursor → (index cursor, table column →
    /// index column). The rowid is the index entry's rowid.
    var coveringReads: [Int: (cursor: Int, positions: [Int: Int])] = [:]
    /// Result column names of a RETURNING clause.
    var returningNames: [String] = []
    /// Generated columns being computed ("table.column", lower-cased), to report loops.
    var generatingColumns: Set<String> = []
    /// Inside trigger bodies (innermost last): the registers standing in for Once flags,
    /// cleared each time the body starts, so work done "once" is redone for every row
    /// that fires the trigger (SQLite runs each firing as a fresh sub-program).
    var triggerOnceFlags: [[Int]] = []
    /// The statement's sub-programs (trigger bodies, foreign-key actions; TriggerCodegen.swift),
    /// nil while one is being compiled, by key; the databases they read and write (bit sets).
    var subPrograms: [Program?] = []
    var subProgramKeys: [String: Int] = [:]
    var subProgramDatabases: (used: UInt64, written: UInt64) = (0, 0)
    /// Multi-column subqueries already run into registers (RowValueCodegen): the selects are
    /// kept (not their identifiers) so that a freed one's address is never matched.
    var sharedRowSubqueries: [(select: ResolvedSelect, base: Int)] = []
    /// The cursors of a lone-min()/max() query's loops: EXPLAIN QUERY PLAN says SEARCH, never
    /// SCAN, for them (sqlite3's min/max flag), whatever the access.
    var minMaxLoopCursors: Set<Int> = []

    init(_ compilation: Compilation) { c = compilation }

    /// Jumps to `skip` when this point was passed before in this run (inside a trigger
    /// body: in this firing of the trigger), as SQLite's Once opcode.
    func emitOnce(skip: Label) {
        guard !triggerOnceFlags.isEmpty else {
            b.emit(jumpTo: skip) { .once(target: $0) }
            return
        }
        let flag = b.allocateRegister()
        triggerOnceFlags[triggerOnceFlags.count - 1].append(flag)
        b.emit(jumpTo: skip) { .if(register: flag, target: $0) }
        b.emit(.integer(value: 1, dest: flag))
    }

    // MARK: Values

    /// Codes `e`, leaving its value in `target`.
    func code(_ e: RExpr, into target: Int) throws {
        switch e {
        case .null:
            b.emit(.null(dest: target))
        case .integer(let v):
            if v >= Int64(Int32.min) && v <= Int64(Int32.max) {
                b.emit(.integer(value: Int(v), dest: target))
            } else {
                b.emit(.int64(value: v, dest: target))
            }
        case .real(let d):
            b.emit(.real(value: d, dest: target))
        case .text(let s):
            b.emit(.string8(value: s, dest: target))
        case .blob(let bytes):
            b.emit(.blob(value: bytes, dest: target))
        case .parameter(let n):
            b.emit(.variable(parameter: n, dest: target))
        case .column(let col, let affinity, _, _):
            // (Each map is tested for emptiness first and `cursorTables` read once: hashed
            // look-ups were ~5% of a point query's compile.)
            if !columnOverrides.isEmpty, let r = columnOverrides[col] {
                b.emit(.sCopy(source: r, dest: target))
                return
            }
            if !coveringReads.isEmpty, let cover = coveringReads[col.cursor] {
                if col.column < 0 {
                    b.emit(.idxRowid(cursor: cover.cursor, dest: target))
                    return
                }
                if let p = cover.positions[col.column] {
                    // A WITHOUT ROWID table read through its own cursor: a row written before
                    // ALTER TABLE ADD COLUMN is shorter and reads the column's DEFAULT.
                    let fallback = cover.cursor == col.cursor
                        ? cursorTables[col.cursor].flatMap { columnDefault($0, col.column) } : nil
                    b.emit(.column(cursor: cover.cursor, column: p, dest: target, default: fallback))
                    if affinity == .real { b.emit(.realAffinity(register: target)) }
                    return
                }
            }
            if col.column < 0 {
                b.emit(.rowid(cursor: col.cursor, dest: target))
                return
            }
            let table = cursorTables[col.cursor]
            if let t = table, t.isVirtual {
                b.emit(.vColumn(cursor: col.cursor, column: col.column, dest: target))
            } else if let t = table, t.hasGenerated, col.column < t.columns.count {
                try codeTableColumn(t, cursor: col.cursor, column: col.column, dest: target)
            } else {
                let fallback = table.flatMap { columnDefault($0, col.column) }
                b.emit(.column(cursor: col.cursor, column: col.column, dest: target, default: fallback))
                if affinity == .real, table != nil {
                    b.emit(.realAffinity(register: target))
                }
            }
        case .register(let r, _, _):
            if r != target { b.emit(.sCopy(source: r, dest: target)) }
        case .unary(let op, let inner):
            switch op {
            case .negate:
                switch inner {
                case .integer(let v) where v != Int64.min:
                    try code(.integer(-v), into: target)
                case .real(let d):
                    b.emit(.real(value: -d, dest: target))
                default:
                    let zero = b.allocateRegister()
                    b.emit(.integer(value: 0, dest: zero))
                    let r = try codeTemp(inner)
                    b.emit(.subtract(lhs: zero, rhs: r, dest: target))
                }
            case .plus:
                try code(inner, into: target)
            case .not:
                let r = try codeTemp(inner)
                b.emit(.not(source: r, dest: target))
            case .bitNot:
                let r = try codeTemp(inner)
                b.emit(.bitNot(source: r, dest: target))
            }
        case .binary(let op, let lhs, let rhs):
            // (A numeric literal or parameter operand is loaded once, in the prologue: in a
            // scan, `5+z2.b` costs one instruction per row, not two.)
            let l = try conditionOperand(lhs)
            let r = try conditionOperand(rhs)
            switch op {
            case .add: b.emit(.add(lhs: l, rhs: r, dest: target))
            case .subtract: b.emit(.subtract(lhs: l, rhs: r, dest: target))
            case .multiply: b.emit(.multiply(lhs: l, rhs: r, dest: target))
            case .divide: b.emit(.divide(lhs: l, rhs: r, dest: target))
            case .remainder: b.emit(.remainder(lhs: l, rhs: r, dest: target))
            case .concat: b.emit(.concat(lhs: l, rhs: r, dest: target))
            case .bitAnd: b.emit(.bitAnd(lhs: l, rhs: r, dest: target))
            case .bitOr: b.emit(.bitOr(lhs: l, rhs: r, dest: target))
            case .shiftLeft: b.emit(.shiftLeft(lhs: l, rhs: r, dest: target))
            case .shiftRight: b.emit(.shiftRight(lhs: l, rhs: r, dest: target))
            case .and: b.emit(.and(lhs: l, rhs: r, dest: target))
            case .or: b.emit(.or(lhs: l, rhs: r, dest: target))
            }
        case .compare(let op, let lhs, let rhs):
            // 1 when true, 0 when false, NULL otherwise (never NULL for IS / IS NOT).
            let l = try conditionOperand(lhs)
            let r = try conditionOperand(rhs)
            let done = b.makeLabel()
            let aff = comparisonAffinity(lhs, rhs)
            let coll = try comparisonCollation(lhs, rhs)
            b.emit(.integer(value: 1, dest: target))
            emitCompare(op, l, r, to: done, affinity: aff, collation: coll, jumpIfNull: false)
            b.emit(.integer(value: 0, dest: target))
            if op != .is && op != .isNot {
                emitCompare(op.negated, l, r, to: done, affinity: aff, collation: coll, jumpIfNull: false)
                b.emit(.null(dest: target))
            }
            b.place(done)
        case .isNull(let inner, let negated):
            let r = try codeTemp(inner)
            let done = b.makeLabel()
            b.emit(.integer(value: 1, dest: target))
            if negated {
                b.emit(jumpTo: done) { .notNull(register: r, target: $0) }
            } else {
                b.emit(jumpTo: done) { .isNull(register: r, target: $0) }
            }
            b.emit(.integer(value: 0, dest: target))
            b.place(done)
        case .between(let x, let low, let high, let negated):
            let rx = try codeTemp(x)
            let xr = RExpr.register(rx, affinity: x.affinity, collation: x.explicitCollation ?? x.columnCollation)
            let both = RExpr.binary(.and, .compare(.ge, xr, low), .compare(.le, xr, high))
            try code(negated ? .unary(.not, both) : both, into: target)
        case .inList(let x, let list, let negated):
            try codeInList(x, list, negated: negated, into: target)
        case .inSelect(let x, let sub, let negated):
            try codeInSelect(x, sub, negated: negated, into: target)
        case .exists(let sub, let negated):
            try codeExists(sub, negated: negated, into: target)
        case .subquery(let sub):
            try codeScalarSubquery(sub, into: target)
        case .row(let r):
            try codeRowExpr(r, into: target)
        case .function(let fn, let args):
            try codeFunction(fn, args, into: target)
        case .aggregate(let n):
            precondition(n < aggregateRegisters.count, "codegen bug: aggregate outside its select")
            b.emit(.sCopy(source: aggregateRegisters[n], dest: target))
        case .cast(let inner, _, let affinity):
            try code(inner, into: target)
            b.emit(.cast(register: target, to: affinity))
        case .caseWhen(let base, let whens, let otherwise):
            let done = b.makeLabel()
            let rb = try base.map { try codeTemp($0) }
            for (when, then) in whens {
                let next = b.makeLabel()
                if let rb, let base {
                    let rw = try codeTemp(when)
                    let aff = comparisonAffinity(base, when)
                    let coll = try comparisonCollation(base, when)
                    emitCompare(.ne, rb, rw, to: next, affinity: aff, collation: coll, jumpIfNull: true)
                } else {
                    try jumpIfFalse(when, to: next, jumpIfNull: true)
                }
                try code(then, into: target)
                b.emit(jumpTo: done) { .goto(target: $0) }
                b.place(next)
            }
            if let otherwise { try code(otherwise, into: target) } else { b.emit(.null(dest: target)) }
            b.place(done)
        case .like(let value, let pattern, let escape, let glob, let negated):
            let name = glob ? "glob" : "like"
            var args = [pattern, value]
            if let escape { args.append(escape) }
            guard case .found(let def) = FunctionRegistry.lookup(name: name, argc: args.count) else {
                throw c.error("no such function: \(name)", at: nil)
            }
            let call = RExpr.function(FunctionRef(name: name, argumentCount: args.count, definition: def), args)
            try code(negated ? .unary(.not, call) : call, into: target)
        case .collate(let inner, _):
            try code(inner, into: target)
        case .raise(let action, let message):
            b.emit(.null(dest: target))
            switch action {
            case .ignore:
                guard let skip = raiseIgnoreTargets.last else { throw c.error("RAISE() may only be used within a trigger-program", at: nil) }
                b.emit(jumpTo: skip) { .goto(target: $0) }
            case .rollback:
                b.emit(.halt(code: .constraintTrigger, action: .rollback, message: message ?? ""))
            case .abort:
                b.emit(.halt(code: .constraintTrigger, action: .abort, message: message ?? ""))
            case .fail:
                b.emit(.halt(code: .constraintTrigger, action: .fail, message: message ?? ""))
            }
        }
    }

    /// The value a row too short for column `i` (added by ALTER TABLE) reads: the column's
    /// constant DEFAULT with the column's affinity, nil for NULL.
    func columnDefault(_ table: Table, _ i: Int) -> Value? {
        guard i >= 0, i < table.columns.count, let d = table.columns[i].defaultValue,
              let v = literalValue(d), !v.isNull else { return nil }
        return table.columns[i].affinity.apply(to: v)
    }

    /// The register of a comparison or arithmetic operand: a numeric literal or a parameter
    /// is loaded once, in the program's prologue, into a register of its own (SQLite hoists constants
    /// out of loops the same way); anything else is coded here.
    func conditionOperand(_ e: RExpr) throws -> Int {
        switch e {
        case .integer(let v):
            let r = b.allocateRegister()
            b.prologueConstants.append(v >= Int64(Int32.min) && v <= Int64(Int32.max)
                ? .integer(value: Int(v), dest: r) : .int64(value: v, dest: r))
            return r
        case .real(let v):
            let r = b.allocateRegister()
            b.prologueConstants.append(.real(value: v, dest: r))
            return r
        case .parameter(let n):
            // A parameter cannot change during a run (binding then is misuse): loaded once,
            // as the literals the statement cache turns into hidden parameters were.
            let r = b.allocateRegister()
            b.prologueConstants.append(.variable(parameter: n, dest: r))
            return r
        default:
            return try codeTemp(e)
        }
    }

    /// Codes `e` into a register of its own (a column already in a register is reused).
    func codeTemp(_ e: RExpr, preferring target: Int? = nil) throws -> Int {
        if case .register(let r, _, _) = e { return r }
        if case .column(let col, _, _, _) = e, let r = columnOverrides[col] { return r }
        let r = target ?? b.allocateRegister()
        try code(e, into: r)
        return r
    }

    // MARK: Comparison affinity and collation (datatype3.html §4.2, §7.1)

    /// The affinity a comparison of `a` and `b` applies, nil for none.
    func comparisonAffinity(_ a: RExpr, _ b: RExpr) -> Affinity? {
        WherePlanner.comparisonAffinity(a, b)
    }

    /// The collation of a comparison: an explicit COLLATE on the left, then the right, then
    /// a column's collation on the left, then the right.
    func comparisonCollation(_ a: RExpr, _ b: RExpr) throws -> Collation? {
        let name = a.explicitCollation ?? b.explicitCollation ?? a.columnCollation ?? b.columnCollation
        return try collation(named: name)
    }

    func collation(named name: String?) throws -> Collation? {
        guard let name else { return nil }
        guard let coll = Collation(name: name) else { throw c.error("no such collation sequence: \(name)", at: nil) }
        return coll == .binary ? nil : coll
    }

    func emitCompare(_ op: RComparison, _ l: Int, _ r: Int, to label: Label, affinity: Affinity?,
                     collation: Collation?, jumpIfNull: Bool) {
        switch op {
        case .eq:
            b.emit(jumpTo: label) { .eq(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, jumpIfNull: jumpIfNull) }
        case .ne:
            b.emit(jumpTo: label) { .ne(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, jumpIfNull: jumpIfNull) }
        case .lt:
            b.emit(jumpTo: label) { .lt(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, jumpIfNull: jumpIfNull) }
        case .le:
            b.emit(jumpTo: label) { .le(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, jumpIfNull: jumpIfNull) }
        case .gt:
            b.emit(jumpTo: label) { .gt(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, jumpIfNull: jumpIfNull) }
        case .ge:
            b.emit(jumpTo: label) { .ge(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, jumpIfNull: jumpIfNull) }
        case .is:
            b.emit(jumpTo: label) { .eq(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, nullEq: true) }
        case .isNot:
            b.emit(jumpTo: label) { .ne(lhs: l, rhs: r, target: $0, affinity: affinity, collation: collation, nullEq: true) }
        }
    }

    // MARK: Conditions

    /// Jumps to `label` when `e` is false, or NULL and `jumpIfNull`; falls through otherwise.
    func jumpIfFalse(_ e: RExpr, to label: Label, jumpIfNull: Bool) throws {
        switch e {
        case .binary(.and, let x, let y):
            try jumpIfFalse(x, to: label, jumpIfNull: jumpIfNull)
            try jumpIfFalse(y, to: label, jumpIfNull: jumpIfNull)
        case .binary(.or, let x, let y) where jumpIfNull:
            let ok = b.makeLabel()
            try jumpIfTrue(x, to: ok, jumpIfNull: false)
            try jumpIfFalse(y, to: label, jumpIfNull: jumpIfNull)
            b.place(ok)
        case .unary(.not, let x):
            try jumpIfTrue(x, to: label, jumpIfNull: jumpIfNull)
        case .compare(let op, let lhs, let rhs):
            let l = try conditionOperand(lhs), r = try conditionOperand(rhs)
            emitCompare(op.negated, l, r, to: label, affinity: comparisonAffinity(lhs, rhs),
                        collation: try comparisonCollation(lhs, rhs),
                        jumpIfNull: jumpIfNull && op != .is && op != .isNot)
        case .between(let x, let lo, let hi, negated: false) where x.isPlainColumn:
            // x >= lo AND x <= hi, x read once (each comparison with its own affinity).
            let v = try codeTemp(x), l = try conditionOperand(lo)
            emitCompare(.lt, v, l, to: label, affinity: comparisonAffinity(x, lo),
                        collation: try comparisonCollation(x, lo), jumpIfNull: jumpIfNull)
            let h = try conditionOperand(hi)
            emitCompare(.gt, v, h, to: label, affinity: comparisonAffinity(x, hi),
                        collation: try comparisonCollation(x, hi), jumpIfNull: jumpIfNull)
        case .isNull(let x, let negated):
            let r = try codeTemp(x)
            if negated { b.emit(jumpTo: label) { .isNull(register: r, target: $0) } }
            else { b.emit(jumpTo: label) { .notNull(register: r, target: $0) } }
        case .integer(let v):
            if v == 0 { b.emit(jumpTo: label) { .goto(target: $0) } }
        case .null:
            if jumpIfNull { b.emit(jumpTo: label) { .goto(target: $0) } }
        default:
            let r = try codeTemp(e)
            b.emit(jumpTo: label) { .ifNot(register: r, target: $0, jumpIfNull: jumpIfNull) }
        }
    }

    /// Jumps to `label` when `e` is true, or NULL and `jumpIfNull`; falls through otherwise.
    func jumpIfTrue(_ e: RExpr, to label: Label, jumpIfNull: Bool) throws {
        switch e {
        case .binary(.or, let x, let y):
            try jumpIfTrue(x, to: label, jumpIfNull: jumpIfNull)
            try jumpIfTrue(y, to: label, jumpIfNull: jumpIfNull)
        case .binary(.and, let x, let y):
            let no = b.makeLabel()
            try jumpIfFalse(x, to: no, jumpIfNull: !jumpIfNull)
            try jumpIfTrue(y, to: label, jumpIfNull: jumpIfNull)
            b.place(no)
        case .unary(.not, let x):
            try jumpIfFalse(x, to: label, jumpIfNull: jumpIfNull)
        case .compare(let op, let lhs, let rhs):
            let l = try conditionOperand(lhs), r = try conditionOperand(rhs)
            emitCompare(op, l, r, to: label, affinity: comparisonAffinity(lhs, rhs),
                        collation: try comparisonCollation(lhs, rhs),
                        jumpIfNull: jumpIfNull && op != .is && op != .isNot)
        case .isNull(let x, let negated):
            let r = try codeTemp(x)
            if negated { b.emit(jumpTo: label) { .notNull(register: r, target: $0) } }
            else { b.emit(jumpTo: label) { .isNull(register: r, target: $0) } }
        case .integer(let v):
            if v != 0 { b.emit(jumpTo: label) { .goto(target: $0) } }
        case .null:
            if jumpIfNull { b.emit(jumpTo: label) { .goto(target: $0) } }
        default:
            let r = try codeTemp(e)
            b.emit(jumpTo: label) { .if(register: r, target: $0, jumpIfNull: jumpIfNull) }
        }
    }

    // MARK: IN, EXISTS, subqueries

    private func codeInList(_ x: RExpr, _ list: [RExpr], negated: Bool, into target: Int) throws {
        if list.isEmpty {
            // x IN () is false even for NULL x.
            b.emit(.integer(value: negated ? 1 : 0, dest: target))
            return
        }
        let rx = try codeTemp(x)
        // An IN list compares with the affinity of its left operand alone (none when it has
        // none), unlike `=`: '7' IN (int_col) is false where '7' = int_col is true.
        let inListAffinity: Affinity? = x.affinity == .blob ? nil : x.affinity
        let sawNull = b.allocateRegister()
        let isTrue = b.makeLabel(), isNull = b.makeLabel(), done = b.makeLabel()
        b.emit(.integer(value: 0, dest: sawNull))
        b.emit(jumpTo: isNull) { .isNull(register: rx, target: $0) }
        for item in list {
            let ri = try codeTemp(item)
            let next = b.makeLabel()
            emitCompare(.eq, rx, ri, to: isTrue, affinity: inListAffinity,
                        collation: try comparisonCollation(x, item), jumpIfNull: false)
            b.emit(jumpTo: next) { .notNull(register: ri, target: $0) }
            b.emit(.integer(value: 1, dest: sawNull))
            b.place(next)
        }
        b.emit(jumpTo: isNull) { .if(register: sawNull, target: $0) }
        b.emit(.integer(value: negated ? 1 : 0, dest: target))
        b.emit(jumpTo: done) { .goto(target: $0) }
        b.place(isTrue)
        b.emit(.integer(value: negated ? 0 : 1, dest: target))
        b.emit(jumpTo: done) { .goto(target: $0) }
        b.place(isNull)
        b.emit(.null(dest: target))
        b.place(done)
    }

    /// Fills an ephemeral index with the rows of `sub` (its one column); once when the
    /// subquery is not correlated.
    private func materializeSet(_ sub: ResolvedSelect, collation: Collation?, affinity: Affinity? = nil) throws -> Int {
        let cursor = b.allocateCursor()
        let skip = b.makeLabel()
        if sub.outerCursors.isEmpty {
            emitOnce(skip: skip)
        }
        b.emit(.openEphemeral(cursor: cursor, columnCount: 1,
                              keyInfo: KeyInfo(collations: [collation ?? .binary], descending: [false])))
        let rec = b.allocateRegister()
        try underSubqueryNode("LIST SUBQUERY", sub) {
            try codeSelect(sub) { base, _ in
                // The comparison's affinity applies to both sides (x IN (SELECT y) is x=y).
                if let affinity { self.b.emit(.affinity(start: base, affinities: [affinity])) }
                self.b.emit(.makeRecord(start: base, count: 1, dest: rec))
                self.b.emit(.idxInsert(cursor: cursor, record: rec))
            }
        }
        b.place(skip)
        return cursor
    }

    private func codeInSelect(_ x: RExpr, _ sub: ResolvedSelect, negated: Bool, into target: Int) throws {
        // A compound's affinity and collation are its last SELECT's (as sqlite3).
        let column = sub.lastCore.resultColumns.first ?? .null
        let aff = comparisonAffinity(x, column)
        let coll = try comparisonCollation(x, column)
        let cursor = try materializeSet(sub, collation: coll, affinity: aff)
        let isTrue = b.makeLabel(), isFalse = b.makeLabel(), isNull = b.makeLabel(), done = b.makeLabel()
        b.emit(jumpTo: isFalse) { .ifEmpty(cursor: cursor, target: $0) }
        let rx = try codeTemp(x)
        b.emit(jumpTo: isNull) { .isNull(register: rx, target: $0) }
        let key = b.allocateRegister()
        b.emit(.copy(source: rx, dest: key))
        if let aff { b.emit(.affinity(start: key, affinities: [aff])) }
        b.emit(jumpTo: isTrue) { .found(cursor: cursor, key: key, count: 1, target: $0) }
        // Not found: NULL when the set holds a NULL (NULLs sort first).
        let first = b.allocateRegister()
        b.emit(jumpTo: isFalse) { .rewind(cursor: cursor, target: $0) }
        b.emit(.column(cursor: cursor, column: 0, dest: first))
        b.emit(jumpTo: isNull) { .isNull(register: first, target: $0) }
        placeInVerdict(target: target, negated: negated, isTrue: isTrue, isFalse: isFalse, isNull: isNull, done: done)
    }

    /// The end of an IN test: places the three outcome labels, each setting `target` to
    /// 1/0 (swapped when `negated`) or NULL, and `done` after them.
    func placeInVerdict(target: Int, negated: Bool, isTrue: Label, isFalse: Label, isNull: Label, done: Label) {
        b.place(isFalse)
        b.emit(.integer(value: negated ? 1 : 0, dest: target))
        b.emit(jumpTo: done) { .goto(target: $0) }
        b.place(isTrue)
        b.emit(.integer(value: negated ? 0 : 1, dest: target))
        b.emit(jumpTo: done) { .goto(target: $0) }
        b.place(isNull)
        b.emit(.null(dest: target))
        b.place(done)
    }

    /// Runs `body` (coding `sub`) under an EXPLAIN QUERY PLAN node "[CORRELATED ]kind n".
    func underSubqueryNode(_ kind: String, _ sub: ResolvedSelect, _ body: () throws -> Void) throws {
        c.subqueryNumber += 1
        let node = c.planNode((sub.outerCursors.isEmpty ? "" : "CORRELATED ") + kind + " \(c.subqueryNumber)")
        try c.underPlanNode(node, body)
    }

    private func codeExists(_ sub: ResolvedSelect, negated: Bool, into target: Int) throws {
        let done = b.makeLabel()
        let result = sub.outerCursors.isEmpty ? b.allocateRegister() : target
        if sub.outerCursors.isEmpty { emitOnce(skip: done) }
        b.emit(.integer(value: negated ? 1 : 0, dest: result))
        let end = b.makeLabel()
        try underSubqueryNode("SCALAR SUBQUERY", sub) {
            try codeSelect(sub, stopLabel: end) { _, _ in
                self.b.emit(.integer(value: negated ? 0 : 1, dest: result))
                self.b.emit(jumpTo: end) { .goto(target: $0) }
            }
        }
        b.place(end)
        b.place(done)
        if result != target { b.emit(.sCopy(source: result, dest: target)) }
    }

    private func codeScalarSubquery(_ sub: ResolvedSelect, into target: Int) throws {
        let done = b.makeLabel()
        let result = sub.outerCursors.isEmpty ? b.allocateRegister() : target
        if sub.outerCursors.isEmpty { emitOnce(skip: done) }
        b.emit(.null(dest: result))
        let end = b.makeLabel()
        try underSubqueryNode("SCALAR SUBQUERY", sub) {
            try codeSelect(sub, stopLabel: end) { base, _ in
                self.b.emit(.copy(source: base, dest: result))
                self.b.emit(jumpTo: end) { .goto(target: $0) }
            }
        }
        b.place(end)
        b.place(done)
        if result != target { b.emit(.copy(source: result, dest: target)) }
    }

    // MARK: Functions

    private func codeFunction(_ fn: FunctionRef, _ args: [RExpr], into target: Int) throws {
        guard let def = fn.definition else {
            // coalesce / ifnull: the first non-NULL argument, evaluated lazily.
            let done = b.makeLabel()
            for (i, arg) in args.enumerated() {
                try code(arg, into: target)
                if i < args.count - 1 { b.emit(jumpTo: done) { .notNull(register: target, target: $0) } }
            }
            b.place(done)
            return
        }
        let base = b.allocateRegisters(args.count)
        for (i, arg) in args.enumerated() { try code(arg, into: base + i) }
        if Codegen.needsCollation(fn.name) {
            var name: String? = nil
            for arg in args { if let n = arg.explicitCollation ?? arg.columnCollation { name = n; break } }
            if let coll = try collation(named: name) { b.emit(.collSeq(collation: coll)) }
        }
        b.emit(.function(function: def, arguments: base, argumentCount: args.count, dest: target))
    }

    /// Functions that compare their arguments with a collation (SQLITE_FUNC_NEEDCOLL).
    static func needsCollation(_ name: String) -> Bool {
        switch name {
        case "min", "max", "nullif": return true
        default: return false
        }
    }
}

extension Affinity {
    /// INTEGER, REAL or NUMERIC.
    var isNumericClass: Bool {
        switch self {
        case .integer, .real, .numeric: return true
        default: return false
        }
    }
}

extension RExpr {
    /// A table column read as is (no COLLATE, no operator around it).
    var isPlainColumn: Bool { if case .column = self { return true }; return false }
}

/// Tables by cursor number (`Codegen.cursorTables`).
typealias CursorTables = CursorMap<Table>
