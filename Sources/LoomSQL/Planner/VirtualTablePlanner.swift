// This file implements planning for virtual tables: the WHERE terms offered to a module's
// bestIndex as constraints (with usable flags from the join order), the ORDER BY offered,
// and the access path built from the module's answer (argvIndex, omit, orderByConsumed).
// Layer: L5. Spec: Spec/L5-sql.md §Planner (virtual tables).
import LoomBase
import LoomRecord
import LoomVDBE

/// How a loop reads a virtual table: xFilter's arguments and plan.
package struct VirtualAccess {
    package var indexNumber: Int32
    package var indexString: String?
    /// The right-hand sides of the constraints given an argvIndex, in argv order.
    package var arguments: [RExpr]
    package var orderByConsumed: Bool
    package var estimatedCost: Double
    package var estimatedRows: Int64
    /// Planning failed (the module rejected every plan, or misbehaved): codegen throws this.
    package var error: String? = nil
}

extension WherePlanner {
    /// One constraint candidate: the term, the column, operator and right-hand side.
    struct VirtualCandidate {
        var term: Int
        var column: Int
        var op: ConstraintOperator
        var value: RExpr?
        var collation: String
        /// The cursors the right-hand side reads.
        var reads: Set<Int>
    }

    /// Constraints `terms` put on the virtual table `source` (SQLite's whereLoopAddVirtual
    /// candidates): `col op expr` either way round, IS [NOT] NULL, LIKE/GLOB, `col IN (…)`
    /// is not offered (Loom has no sqlite3_vtab_in).
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
            case .function(let ref, let args) where args.count == 2:
                // match(x, col) / regexp(x, col): `col MATCH x`, `col REGEXP x`.
                let name = ref.name.lowercasedASCII
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
                             orderBy: [OrderTerm], needed: Set<Int>?) throws -> (IndexInfo, [VirtualCandidate])? {
        guard let ref = source.virtualTable else { return nil }
        var constraints: [IndexInfo.Constraint] = []
        for cand in candidates {
            constraints.append(IndexInfo.Constraint(column: cand.column, op: cand.op,
                                                    usable: cand.reads.isDisjoint(with: unavailable),
                                                    collation: cand.collation))
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
        do { try ref.table.bestIndex(&info) } catch is VirtualTableConstraintError { return nil }
        return (info, candidates)
    }

    /// The access path for a virtual table at `level`: the best of the module's answers
    /// (all usable constraints, then each prerequisite set), as SQLite tries them.
    static func chooseVirtualAccess(for source: SourceItem, terms: [RExpr], levelOfCursor: [Int: Int], level: Int,
                                    needed: [Int: Set<Int>]?, orderBy: [OrderTerm]) -> Choice {
        func failure(_ message: String) -> Choice {
            Choice(access: .virtual(VirtualAccess(indexNumber: 0, indexString: nil, arguments: [], orderByConsumed: false,
                                                  estimatedCost: 0, estimatedRows: 0, error: message)))
        }
        let candidates = virtualCandidates(for: source, terms: terms)
        var unavailable = Set<Int>()
        for (cursor, l) in levelOfCursor where l >= level { unavailable.insert(cursor) }
        let answer: (IndexInfo, [VirtualCandidate])?
        do {
            answer = try askBestIndex(source, candidates, unavailable: unavailable, orderBy: orderBy,
                                      needed: needed?[source.cursor])
        } catch {
            return failure((error as? DatabaseError)?.message ?? "\(error)")
        }
        guard let (info, cands) = answer else { return failure("no query solution") }
        var arguments: [(Int, RExpr)] = []
        var used = Set<Int>()
        let n = info.constraints.count
        for (i, usage) in info.constraintUsage.enumerated() where i < cands.count && usage.argvIndex > 0 {
            guard usage.argvIndex <= n, info.constraints[i].usable, let v = cands[i].value else {
                return failure("\(source.table.name).xBestIndex malfunction")
            }
            arguments.append((usage.argvIndex, v))
            if usage.omit { used.insert(cands[i].term) }
        }
        arguments.sort { $0.0 < $1.0 }
        for (k, a) in arguments.enumerated() where a.0 != k + 1 {
            return failure("\(source.table.name).xBestIndex malfunction")
        }
        // A term is dropped only when every constraint made from it was omitted.
        var omitted = Set<Int>()
        for t in used where cands.enumerated().allSatisfy({ $0.element.term != t || (info.constraintUsage[$0.offset].omit && info.constraintUsage[$0.offset].argvIndex > 0) }) {
            omitted.insert(t)
        }
        let access = VirtualAccess(indexNumber: info.indexNumber, indexString: info.indexString,
                                   arguments: arguments.map(\.1),
                                   orderByConsumed: info.orderByConsumed && !orderBy.isEmpty,
                                   estimatedCost: info.estimatedCost, estimatedRows: info.estimatedRows)
        var c = Choice(access: .virtual(access), usedTerms: omitted)
        c.ordered = access.orderByConsumed
        return c
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
