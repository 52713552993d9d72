// This file implements the planner's MULTI-INDEX OR: a WHERE term `X OR Y …` answered by one
// index or rowid lookup per branch, when that is cheaper than the level's best single access
// path. Layer: L5. Spec: Spec/L5-sql.md §Planner (P14).
import LoomBase
import LoomRecord

/// One branch of a MULTI-INDEX OR: how its rows are found and what of it is left to test.
package struct OrBranch {
    /// `.index` (a stored index with constraints), `.rowidEquals` or `.rowidRange`.
    package var access: AccessPath
    /// EXPLAIN QUERY PLAN text of the constraints used ("a=?").
    package var constraintText: String
    /// The index covers every column the query reads (EXPLAIN QUERY PLAN says COVERING; the
    /// row is read from the table all the same).
    package var covering: Bool
    /// The branch's AND terms its access path does not consume, tested before its rowid
    /// counts as found.
    package var terms: [RExpr]
}

extension WherePlanner {
    /// The level's access path: the best single one, or a MULTI-INDEX OR over an OR term
    /// when every branch has a lookup and their summed cost is lower.
    static func chooseAccess(for source: SourceItem, terms: [RExpr], levelOfCursor: CursorLevels, level: Int,
                             schema: Schema?, needed: [Int: Set<Int>]?, orderBy: [OrderTerm],
                             parts: [ResolvedIndexParts] = [], allowOr: Bool = false,
                             implying: [RExpr]? = nil, limit: Int? = nil, describes: Bool = true) -> Choice {
        let single = chooseSingleAccess(for: source, terms: terms, levelOfCursor: levelOfCursor, level: level,
                                        schema: schema, needed: needed, orderBy: orderBy, parts: parts,
                                        implying: implying, limit: limit, describes: describes)
        guard allowOr, source.indexHint == nil, source.table.hasRowid, !source.join.padsLeft
        else { return single }
        if case .rowidEquals = single.access { return single }
        let tableRows = estimatedTableRows(source.table, schema: schema)
        var bestCost = cost(of: single.access, tableRows: tableRows, schema: schema)
        var best = single
        let neededHere = needed?[source.cursor]
        for (k, term) in terms.enumerated() where !single.usedTerms.contains(k) {
            guard case .binary(.or, _, _) = term else { continue }
            var branches: [OrBranch] = []
            var total = 0.0, rows = 0.0
            for d in disjuncts(term) {
                let sub = conjuncts(d)
                let c = chooseSingleAccess(for: source, terms: sub, levelOfCursor: levelOfCursor, level: level,
                                           schema: schema, needed: nil, orderBy: [], parts: parts,
                                           implying: sub + (implying ?? terms), describes: describes)
                guard isLookup(c.access) else { branches = []; break }
                var covering = false
                if case .index(let scan) = c.access, let index = scan.index {
                    covering = neededHere.map { isCovering(index, $0) } ?? false
                }
                var costed = c.access
                if case .index(var scan) = c.access {
                    scan.covering = covering
                    costed = .index(scan)
                    rows += rowsFound(scan, tableRows: tableRows, schema: schema)
                } else if case .rowidRange(let low, let high, _) = c.access {
                    rows += tableRows / ((low != nil ? 4 : 1) * (high != nil ? 4 : 1))
                } else {
                    rows += 1
                }
                total += cost(of: costed, tableRows: tableRows, schema: schema)
                let rest = sub.indices.filter { !c.usedTerms.contains($0) }.map { sub[$0] }
                branches.append(OrBranch(access: c.access, constraintText: c.text, covering: covering, terms: rest))
            }
            // Sorting the rows afterwards when the single path gave the ORDER BY.
            if single.ordered { total += sortCost(rows) }
            if branches.count > 1, total < bestCost {
                bestCost = total
                best = Choice(access: .multiIndexOr(branches), usedTerms: [k])
            }
        }
        return best
    }

    /// Whether `access` finds rows by a key (what a MULTI-INDEX OR branch needs).
    static func isLookup(_ access: AccessPath) -> Bool {
        switch access {
        case .index(let scan):
            return scan.index != nil && (!scan.equal.isEmpty || scan.low != nil || scan.high != nil)
        case .rowidEquals: return true
        case .rowidRange(let low, let high, _): return low != nil || high != nil
        default: return false
        }
    }

    /// The estimated work of one access path, on the scale of `lookupCost` (a full scan
    /// about three units per row).
    static func cost(of access: AccessPath, tableRows: Double, schema: Schema?) -> Double {
        switch access {
        case .rowidEquals(let key):
            if case .list(let l) = key { return Double(max(l.count, 1)) * log2(max(tableRows, 2)) }
            if case .select = key { return 25 * log2(max(tableRows, 2)) }
            return log2(max(tableRows, 2))
        case .rowidRange(let low, let high, _):
            if low == nil && high == nil { return 3 * tableRows }
            return log2(max(tableRows, 2)) + tableRows / ((low != nil ? 4 : 1) * (high != nil ? 4 : 1))
        case .index(let scan):
            guard let index = scan.index else { return 4 * log2(max(tableRows, 2)) }
            let ranges = (scan.low?.expr != nil ? 1 : 0) + (scan.high?.expr != nil ? 1 : 0)
            if scan.equal.isEmpty && scan.low == nil && scan.high == nil { return (scan.covering ? 2 : 4) * tableRows }
            return lookupCost(scan, index: index, ranges: ranges, tableRows: tableRows, schema: schema)
        case .multiIndexOr, .virtual, .fullScan:
            return 3 * tableRows
        }
    }
}
