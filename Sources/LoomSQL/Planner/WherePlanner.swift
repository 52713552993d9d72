// This file implements the planner: for each FROM item, in FROM order, how its rows are
// reached (full scan or rowid lookup) and at which loop level each WHERE term is tested.
// Layer: L5. Spec: Spec/L5-sql.md §Planner.
import LoomBase
import LoomRecord

/// How one loop level reaches its rows.
package enum AccessPath {
    /// Every row, in rowid order (Rewind / Next).
    case fullScan
    /// The one row whose rowid equals the expression (SeekRowid).
    case rowidEquals(RExpr)
}

/// One nested loop.
package struct LoopLevel {
    package var source: SourceItem
    package var access: AccessPath
    /// ON terms of a LEFT JOIN, tested before the row counts as matched.
    package var onTerms: [RExpr] = []
    /// WHERE (and inner-join ON) terms first testable at this level.
    package var terms: [RExpr] = []
}

/// The loops of one SELECT / UPDATE / DELETE.
package struct WherePlan {
    package var levels: [LoopLevel]
    /// Terms that read no table of this query: tested once, before the loops.
    package var constantTerms: [RExpr]
}

package enum WherePlanner {
    /// Splits `e` on AND.
    static func conjuncts(_ e: RExpr?) -> [RExpr] {
        guard let e else { return [] }
        if case .binary(.and, let a, let b) = e { return conjuncts(a) + conjuncts(b) }
        return [e]
    }

    /// Plans the loops over `sources` filtered by `whereClause`.
    package static func plan(sources: [SourceItem], whereClause: RExpr?) -> WherePlan {
        var levels = sources.map { LoopLevel(source: $0, access: .fullScan) }
        var levelOfCursor: [Int: Int] = [:]
        for (i, s) in sources.enumerated() { levelOfCursor[s.cursor] = i }
        var terms = conjuncts(whereClause)
        // Inner-join ON terms are WHERE terms; LEFT JOIN ON terms stay with their level.
        for (i, s) in sources.enumerated() {
            if s.join == .left { levels[i].onTerms = conjuncts(s.on) } else { terms += conjuncts(s.on) }
        }
        func level(of term: RExpr) -> Int? {
            var used = Set<Int>()
            term.cursorsUsed(into: &used)
            return used.compactMap { levelOfCursor[$0] }.max()
        }
        var constant: [RExpr] = []
        for term in terms {
            if let l = level(of: term) { levels[l].terms.append(term) } else { constant.append(term) }
        }
        // Rowid lookups: `rowid = expr` where expr reads only earlier levels.
        for i in levels.indices where levels[i].source.subquery == nil && levels[i].source.table.hasRowid {
            let cursor = levels[i].source.cursor
            let isLeft = levels[i].source.join == .left
            let candidates = isLeft ? levels[i].onTerms : levels[i].terms
            for (k, term) in candidates.enumerated() {
                guard case .compare(.eq, let a, let b) = term else { continue }
                var key: RExpr? = nil
                if case .column(let col, _, _, _) = a, col.cursor == cursor, col.column < 0 { key = b }
                else if case .column(let col, _, _, _) = b, col.cursor == cursor, col.column < 0 { key = a }
                guard let key else { continue }
                var used = Set<Int>()
                key.cursorsUsed(into: &used)
                if used.contains(where: { (levelOfCursor[$0] ?? -1) >= i }) { continue }
                levels[i].access = .rowidEquals(key)
                if isLeft { levels[i].onTerms.remove(at: k) } else { levels[i].terms.remove(at: k) }
                break
            }
        }
        return WherePlan(levels: levels, constantTerms: constant)
    }
}
