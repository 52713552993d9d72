// This file implements planning for virtual tables: the WHERE terms offered to a module's
// bestIndex as constraints (with usable flags from the join order, literal right-hand
// values, IN lists, LIMIT/OFFSET, function constraints), the ORDER BY offered, and the access
// path built from the module's answer (argvIndex, omit, IN handling, orderByConsumed).
// Layer: L5. Spec: Spec/L5-sql.md §Planner (virtual tables).
import LoomBase
import LoomRecord
import LoomVDBE

/// One argument of xFilter.
package enum VirtualArgument {
    /// The right-hand side of a constraint.
    case value(RExpr)
    /// An IN list used one value at a time: the VM loops over its distinct values (after
    /// `affinity`, compared with `collation`), calling xFilter once per value.
    case inLoop(LookupKey, affinity: Affinity, collation: String?)
    /// An IN list the module takes at once (`sqlite3_vtab_in`): xFilter's `inLists`.
    case inList(LookupKey, affinity: Affinity, collation: String?)
    /// The LIMIT or OFFSET expression, as an integer (the statement's own LIMIT still applies).
    case limit(RExpr)
}

/// How a loop reads a virtual table: xFilter's arguments and plan.
package struct VirtualAccess {
    package var indexNumber: Int32
    package var indexString: String?
    /// The arguments of the constraints given an argvIndex, in argv order.
    package var arguments: [VirtualArgument]
    package var orderByConsumed: Bool
    package var estimatedCost: Double
    package var estimatedRows: Int64
    /// Planning failed (the module rejected every plan, or misbehaved): codegen throws this.
    package var error: String? = nil
}

/// LIMIT / OFFSET a SELECT may offer a virtual table (SQLite 3.38+; Spec/L5-sql.md P16):
/// set by the SELECT codegen when the query has a LIMIT, no GROUP BY, DISTINCT or aggregate,
/// one FROM item, a virtual table, and an ORDER BY (if any) of its plain columns.
package struct VirtualLimit {
    package var limit: RExpr
    package var offset: RExpr?
    package init(limit: RExpr, offset: RExpr?) { self.limit = limit; self.offset = offset }
}

extension WherePlanner {
    /// One constraint candidate: the term, the column, operator and right-hand side.
    struct VirtualCandidate {
        /// The WHERE term (−1 for LIMIT / OFFSET).
        var term: Int
        var column: Int
        var op: ConstraintOperator
        var value: RExpr?
        var collation: String
        /// The cursors the right-hand side reads.
        var reads: Set<Int>
        /// `col IN (…)` offered as EQ: the list, the affinity and collation of its values.
        var inList: LookupKey? = nil
        var inAffinity: Affinity = .blob
        /// LIMIT or OFFSET: the argument is the integer value of `value`.
        var isLimit = false
        /// The literal right-hand side (`sqlite3_vtab_rhs_value`).
        var rightValue: Value? {
            if inList != nil { return nil }
            guard let value else { return nil }
            return WherePlanner.literalValue(value, integerOnly: isLimit)
        }
    }

    /// The value of a literal right-hand side, nil for anything else. LIMIT/OFFSET: only a
    /// non-negative integer (SQLite codes any other in a register).
    static func literalValue(_ e: RExpr, integerOnly: Bool) -> Value? {
        switch e {
        case .integer(let n): return integerOnly && n < 0 ? nil : .integer(n)
        case .real(let d) where !integerOnly: return .real(d)
        case .text(let t) where !integerOnly: return .text(t)
        case .blob(let b) where !integerOnly: return .blob(b)
        case .null where !integerOnly: return .null
        case .unary(.negate, .integer(let n)) where !integerOnly && n != Int64.min: return .integer(-n)
        case .unary(.negate, .real(let d)) where !integerOnly: return .real(-d)
        case .unary(.plus, let inner): return literalValue(inner, integerOnly: integerOnly)
        default: return nil
        }
    }

    /// Constraints `terms` put on the virtual table `source` (SQLite's whereLoopAddVirtual
    /// candidates): `col op expr` either way round, IS [NOT] NULL, LIKE/GLOB, MATCH/REGEXP,
    /// `col IN (list or subquery)` as EQ, and `f(col, expr)` when the table's overload of `f`
    /// is a function constraint.
    static func virtualCandidates(for source: SourceItem, terms: [RExpr]) -> [VirtualCandidate] {
        let cursor = source.cursor
        var out: [VirtualCandidate] = []
        func ownColumn(_ e: RExpr) -> Int? {
            guard case .column(let col, _, _, _) = e, col.cursor == cursor else { return nil }
            return col.column < 0 ? -1 : col.column
        }
        func reads(_ e: RExpr) -> Set<Int> { var u = Set<Int>(); e.cursorsUsed(into: &u); return u }
        func collation(_ a: RExpr, _ b: RExpr) -> String {
            (a.explicitCollation ?? b.explicitCollation ?? a.columnCollation ?? b.columnCollation ?? "BINARY").uppercasedASCII
        }
        /// The values of `col IN (…)` take the column's affinity when it has one.
        func inAffinity(_ e: RExpr) -> Affinity {
            switch e.affinity {
            case .text?, .numeric?, .integer?, .real?: return e.affinity ?? .blob
            default: return .blob
            }
        }
        for (k, term) in terms.enumerated() {
            switch term {
            case .compare(let op, let a, let b):
                for (colSide, keySide, swapped) in [(a, b, false), (b, a, true)] {
                    guard let column = ownColumn(colSide) else { continue }
                    let r = reads(keySide)
                    if r.contains(cursor) { continue }
                    let o = swapped ? op.swapped : op
                    let vop: ConstraintOperator
                    switch o {
                    case .eq: vop = .eq
                    case .ne: vop = .ne
                    case .lt: vop = .lt
                    case .le: vop = .le
                    case .gt: vop = .gt
                    case .ge: vop = .ge
                    case .is: vop = .is
                    case .isNot: vop = .isNot
                    }
                    out.append(VirtualCandidate(term: k, column: column, op: vop, value: keySide,
                                                collation: collation(colSide, keySide), reads: r))
                    break
                }
            case .isNull(let e, let negated):
                guard let column = ownColumn(e) else { continue }
                out.append(VirtualCandidate(term: k, column: column, op: negated ? .isNotNull : .isNull, value: nil,
                                            collation: "BINARY", reads: []))
            case .like(let e, let pattern, nil, let glob, false):
                guard let column = ownColumn(e) else { continue }
                let r = reads(pattern)
                if r.contains(cursor) { continue }
                out.append(VirtualCandidate(term: k, column: column, op: glob ? .glob : .like, value: pattern,
                                            collation: "BINARY", reads: r))
            case .inList(let e, let list, false) where !list.isEmpty:
                guard let column = ownColumn(e) else { continue }
                var r = Set<Int>()
                for v in list { v.cursorsUsed(into: &r) }
                if r.contains(cursor) { continue }
                if list.count == 1 {
                    // `x IN (v)` is `x = v` (SQLite rewrites it so when parsing).
                    out.append(VirtualCandidate(term: k, column: column, op: .eq, value: list[0],
                                                collation: collation(e, list[0]), reads: r))
                    continue
                }
                out.append(VirtualCandidate(term: k, column: column, op: .eq, value: nil,
                                            collation: collation(e, e), reads: r, inList: .list(list),
                                            inAffinity: inAffinity(e)))
            case .inSelect(let e, let sub, false) where sub.resultColumns.count == 1:
                guard let column = ownColumn(e), !sub.outerCursors.contains(cursor) else { continue }
                out.append(VirtualCandidate(term: k, column: column, op: .eq, value: nil,
                                            collation: collation(e, e), reads: sub.outerCursors,
                                            inList: .select(sub), inAffinity: inAffinity(e)))
            case .function(let ref, let args) where args.count == 2:
                let name = ref.name.lowercasedASCII
                if let column = ownColumn(args[0]), ref.definition != nil,
                   let op = source.virtualTable?.table.findFunctionConstraint(named: name, argumentCount: 2),
                   op.isFunction {
                    // A function constraint: `f(col, expr)` (xFindFunction ≥ 150).
                    let r = reads(args[1])
                    if r.contains(cursor) { continue }
                    out.append(VirtualCandidate(term: k, column: column, op: op, value: args[1],
                                                collation: "BINARY", reads: r))
                    continue
                }
                // match(x, col) / regexp(x, col): `col MATCH x`, `col REGEXP x`.
                guard name == "match" || name == "regexp", let column = ownColumn(args[1]) else { continue }
                let r = reads(args[0])
                if r.contains(cursor) { continue }
                out.append(VirtualCandidate(term: k, column: column, op: name == "match" ? .match : .regexp,
                                            value: args[0], collation: "BINARY", reads: r))
            default:
                continue
            }
        }
        return out
    }

    /// Asks the module: constraints usable when the cursors in `available` are placed.
    /// nil when the module rejects this combination.
    static func askBestIndex(_ source: SourceItem, _ candidates: [VirtualCandidate], unavailable: Set<Int>,
                             orderBy: [OrderTerm], needed: Set<Int>?, distinct: Int = 0,
                             excludeIn: Bool = false) throws -> (IndexInfo, [VirtualCandidate])? {
        guard let ref = source.virtualTable else { return nil }
        var constraints: [IndexInfo.Constraint] = []
        for cand in candidates {
            constraints.append(IndexInfo.Constraint(column: cand.column, op: cand.op,
                                                    usable: cand.reads.isDisjoint(with: unavailable)
                                                        && !(excludeIn && cand.inList != nil),
                                                    collation: cand.collation, rightValue: cand.rightValue,
                                                    isIn: cand.inList != nil))
        }
        var order: [IndexInfo.OrderBy] = []
        for t in orderBy {
            guard case .column(let col, _, _, _) = t.expr, col.cursor == source.cursor,
                  t.nullsFirst == nil || t.nullsFirst == !t.descending else { order = []; break }
            order.append(IndexInfo.OrderBy(column: col.column, descending: t.descending))
        }
        var used: UInt64 = needed == nil ? ~0 : 0
        for c in needed ?? [] where c >= 0 { used |= c >= 63 ? (1 << 63) : (1 << UInt64(c)) }
        var info = IndexInfo(constraints: constraints, orderBy: order, columnsUsed: used)
        info.distinct = order.isEmpty ? 0 : distinct
        do { try ref.table.bestIndex(&info) } catch is VirtualTableConstraintError { return nil }
        // Usage entries for constraints that were not offered are ignored.
        for i in info.constraintUsage.indices where i >= candidates.count { info.constraintUsage[i] = .init() }
        return (info, candidates)
    }

    /// The access path for a virtual table at `level`: the best of the module's answers
    /// (all usable constraints, then each prerequisite set), as SQLite tries them. `limit`:
    /// the query's LIMIT/OFFSET, offered when every term is a constraint on this table.
    static func chooseVirtualAccess(for source: SourceItem, terms: [RExpr], levelOfCursor: CursorLevels, level: Int,
                                    needed: [Int: Set<Int>]?, orderBy: [OrderTerm],
                                    limit: VirtualLimit? = nil, distinct: Int = 0) -> Choice {
        func failure(_ message: String) -> Choice {
            Choice(access: .virtual(VirtualAccess(indexNumber: 0, indexString: nil, arguments: [], orderByConsumed: false,
                                                  estimatedCost: 0, estimatedRows: 0, error: message)))
        }
        var candidates = virtualCandidates(for: source, terms: terms)
        if let limit, Set(candidates.map(\.term)).count == terms.count {
            // LIMIT / OFFSET (SQLite's condition: every WHERE term is on this table's columns).
            candidates.append(VirtualCandidate(term: -1, column: 0, op: .limit, value: limit.limit,
                                               collation: "BINARY", reads: [], isLimit: true))
            if let offset = limit.offset {
                candidates.append(VirtualCandidate(term: -1, column: 0, op: .offset, value: offset,
                                                   collation: "BINARY", reads: [], isLimit: true))
            }
        }
        var unavailable = Set<Int>()
        for e in levelOfCursor.entries where e.value >= level { unavailable.insert(e.cursor) }
        var answer: (IndexInfo, [VirtualCandidate])?
        do {
            answer = try askBestIndex(source, candidates, unavailable: unavailable, orderBy: orderBy,
                                      needed: needed?[source.cursor], distinct: distinct)
            if let (info, cands) = answer, usesInLoopAndLimit(info, cands) {
                // One xFilter per IN value cannot honour a LIMIT: ask again without it.
                answer = try askBestIndex(source, cands.filter { !$0.isLimit }, unavailable: unavailable,
                                          orderBy: orderBy, needed: needed?[source.cursor], distinct: distinct)
            }
            if let (info, cands) = answer, usesInLoop(info, cands) {
                // As SQLite: a plan looping over IN values is weighed against one asked with
                // the IN constraints unusable; the cheaper wins (the first on a tie).
                if let other = try askBestIndex(source, candidates, unavailable: unavailable, orderBy: orderBy,
                                                needed: needed?[source.cursor], distinct: distinct, excludeIn: true),
                   !usesInLoopAndLimit(other.0, other.1), other.0.estimatedCost < info.estimatedCost {
                    answer = other
                }
            }
        } catch {
            return failure((error as? DatabaseError)?.message ?? "\(error)")
        }
        guard let (info, cands) = answer else { return failure("no query solution") }
        var arguments: [(Int, VirtualArgument)] = []
        var inLoop = false
        let n = info.constraints.count
        for (i, usage) in info.constraintUsage.enumerated() where i < cands.count && usage.argvIndex > 0 {
            let cand = cands[i]
            guard usage.argvIndex <= n, info.constraints[i].usable, cand.value != nil || cand.inList != nil else {
                return failure("\(source.table.name).xBestIndex malfunction")
            }
            if let list = cand.inList {
                if usage.inAllAtOnce {
                    arguments.append((usage.argvIndex, .inList(list, affinity: cand.inAffinity, collation: cand.collation)))
                } else {
                    arguments.append((usage.argvIndex, .inLoop(list, affinity: cand.inAffinity, collation: cand.collation)))
                    inLoop = true
                }
            } else if let v = cand.value {
                arguments.append((usage.argvIndex, cand.isLimit ? .limit(v) : .value(v)))
            }
        }
        arguments.sort { $0.0 < $1.0 }
        for (k, a) in arguments.enumerated() where a.0 != k + 1 {
            return failure("\(source.table.name).xBestIndex malfunction")
        }
        // A term is dropped only when every constraint made from it was used and omitted.
        var omitted = Set<Int>()
        for (i, cand) in cands.enumerated() where cand.term >= 0 {
            let usage = info.constraintUsage[i]
            if usage.omit && usage.argvIndex > 0 { omitted.insert(cand.term) }
        }
        for (i, cand) in cands.enumerated() where cand.term >= 0 {
            let usage = info.constraintUsage[i]
            if !(usage.omit && usage.argvIndex > 0) { omitted.remove(cand.term) }
        }
        // Rows of several IN values come one value after another: not in ORDER BY order.
        let access = VirtualAccess(indexNumber: info.indexNumber, indexString: info.indexString,
                                   arguments: arguments.map(\.1),
                                   orderByConsumed: info.orderByConsumed && !orderBy.isEmpty && !inLoop,
                                   estimatedCost: info.estimatedCost, estimatedRows: info.estimatedRows)
        var c = Choice(access: .virtual(access), usedTerms: omitted.sorted())
        c.ordered = access.orderByConsumed
        return c
    }

    /// The module used an IN list one value at a time.
    static func usesInLoop(_ info: IndexInfo, _ cands: [VirtualCandidate]) -> Bool {
        info.constraintUsage.indices.contains {
            $0 < cands.count && info.constraintUsage[$0].argvIndex > 0 && cands[$0].inList != nil
                && !info.constraintUsage[$0].inAllAtOnce
        }
    }

    /// The module used an IN list one value at a time together with LIMIT or OFFSET.
    static func usesInLoopAndLimit(_ info: IndexInfo, _ cands: [VirtualCandidate]) -> Bool {
        var inLoop = false, limit = false
        for (i, usage) in info.constraintUsage.enumerated() where i < cands.count && usage.argvIndex > 0 {
            if cands[i].inList != nil && !usage.inAllAtOnce { inLoop = true }
            if cands[i].isLimit { limit = true }
        }
        return inLoop && limit
    }

    /// Join-order estimate for a virtual table placed after `placed`: rows from the
    /// module's estimate; a rejected plan costs infinitely much.
    static func estimateVirtual(_ candidate: SourceItem, terms: [RExpr], unplaced: Set<Int>) -> (rows: Double, extra: Double) {
        let candidates = virtualCandidates(for: candidate, terms: terms)
        guard let answer = try? askBestIndex(candidate, candidates, unavailable: unplaced, orderBy: [], needed: nil) else {
            return (Double.infinity, 0)
        }
        let info = answer.0
        let rows = max(Double(info.estimatedRows), 1)
        // SQLite ranks by cost; a huge cost (1e99 from json_each without its argument)
        // must lose to any usable order.
        if info.estimatedCost >= 1e90 { return (1e30, 0) }
        // The module's cost counts too: a scan it prices high (the default 5e6) ranks like
        // a big table, so a plan giving it usable constraints wins.
        return (max(rows, info.estimatedCost / 1000), 0)
    }
}
