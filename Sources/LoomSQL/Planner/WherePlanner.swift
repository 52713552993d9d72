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
    /// The rows whose first `keys.count` index columns equal `keys` (SeekGE / IdxGT).
    case indexEquals(Index, keys: [RExpr])
    /// An automatic index: a transient index on `columns` (+ rowid) built once from the
    /// table, then used like `indexEquals` (SQLite's automatic indexes for inner loops).
    case automaticIndex(columns: [IndexColumn], keys: [RExpr])
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
    package static func plan(sources originalSources: [SourceItem], whereClause: RExpr?, schema: Schema? = nil) -> WherePlan {
        var sources = originalSources
        if sources.count > 1, !sources.contains(where: { $0.join == .left || $0.join == .cross }) {
            sources = joinOrder(sources, terms: conjuncts(whereClause) + sources.flatMap { conjuncts($0.on) },
                                schema: schema)
        }
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
        for i in levels.indices where levels[i].source.isStoredTable && levels[i].source.table.hasRowid {
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
        // Index equality lookups for the levels still scanned.
        if let schema {
            for i in levels.indices where levels[i].source.isStoredTable {
                guard case .fullScan = levels[i].access else { continue }
                let isLeft = levels[i].source.join == .left
                var candidates = isLeft ? levels[i].onTerms : levels[i].terms
                guard let (index, keys, used) = bestIndex(for: levels[i].source, terms: candidates,
                                                          levelOfCursor: levelOfCursor, level: i, schema: schema)
                else { continue }
                levels[i].access = .indexEquals(index, keys: keys)
                for k in used.sorted(by: >) { candidates.remove(at: k) }
                if isLeft { levels[i].onTerms = candidates } else { levels[i].terms = candidates }
            }
        }
        // Automatic indexes for inner levels still scanned.
        for i in levels.indices where i > 0 && levels[i].source.isStoredTable {
            guard case .fullScan = levels[i].access else { continue }
            let isLeft = levels[i].source.join == .left
            var candidates = isLeft ? levels[i].onTerms : levels[i].terms
            guard let (columns, keys, used) = automaticIndex(for: levels[i].source, terms: candidates,
                                                             levelOfCursor: levelOfCursor, level: i) else { continue }
            levels[i].access = .automaticIndex(columns: columns, keys: keys)
            for k in used.sorted(by: >) { candidates.remove(at: k) }
            if isLeft { levels[i].onTerms = candidates } else { levels[i].terms = candidates }
        }
        return WherePlan(levels: levels, constantTerms: constant)
    }

    /// A greedy join order for inner joins: repeatedly take the table whose estimated row
    /// count, given the tables already placed, is smallest (ties keep FROM order). Estimates
    /// without statistics: a rowid lookup 1 row, an index or automatic-index lookup 10, a
    /// scan 1000; each further term the table can test multiplies by 1/4.
    static func joinOrder(_ sources: [SourceItem], terms: [RExpr], schema: Schema?) -> [SourceItem] {
        var remaining = sources
        var placed: [SourceItem] = []
        let termCursors: [Set<Int>] = terms.map { var u = Set<Int>(); $0.cursorsUsed(into: &u); return u }
        let all = Set(sources.map(\.cursor))
        while !remaining.isEmpty {
            var bestIndex = 0
            var bestCost = Double.infinity
            let available = Set(placed.map(\.cursor))
            for (i, candidate) in remaining.enumerated() {
                var levelOf: [Int: Int] = [:]
                for c in available { levelOf[c] = 0 }
                levelOf[candidate.cursor] = 1
                // Terms this table can test once the placed tables are positioned.
                var usable: [RExpr] = []
                for (k, term) in terms.enumerated() where termCursors[k].contains(candidate.cursor) {
                    let own = termCursors[k].intersection(all)
                    if own.isSubset(of: available.union([candidate.cursor])) { usable.append(term) }
                }
                var cost = 1000.0
                var consumed = 0
                if candidate.isStoredTable {
                    let hasRowidEq = usable.contains { term in
                        guard case .compare(.eq, let a, let b) = term else { return false }
                        for (x, y) in [(a, b), (b, a)] {
                            if case .column(let col, _, _, _) = x, col.cursor == candidate.cursor, col.column < 0 {
                                var u = Set<Int>(); y.cursorsUsed(into: &u)
                                if !u.contains(candidate.cursor) { return true }
                            }
                        }
                        return false
                    }
                    let equal = equalityTerms(for: candidate, terms: usable, levelOfCursor: levelOf, level: 1)
                    if hasRowidEq { cost = 1; consumed = 1 }
                    else if !equal.isEmpty {
                        let indexed = schema?.indexes(on: candidate.table.name).contains { idx in
                            idx.columns.first.map { equal[$0.column] != nil } ?? false
                        } ?? false
                        if indexed || !placed.isEmpty { cost = 10; consumed = 1 }
                    }
                }
                for _ in consumed..<max(usable.count, consumed) { cost *= 0.25 }
                if cost < bestCost { bestCost = cost; bestIndex = i }
            }
            placed.append(remaining.remove(at: bestIndex))
        }
        return placed
    }

    /// The index with the longest prefix of columns fixed by `column = expr` terms whose
    /// expr reads only earlier levels, and whose comparison matches the index (same
    /// collation; an affinity that makes index order equal comparison order).
    static func bestIndex(for source: SourceItem, terms: [RExpr], levelOfCursor: [Int: Int], level: Int,
                          schema: Schema) -> (Index, [RExpr], [Int])? {
        let table = source.table
        let equal = equalityTerms(for: source, terms: terms, levelOfCursor: levelOfCursor, level: level)
        guard !equal.isEmpty else { return nil }
        var best: (Index, [RExpr], [Int])? = nil
        for index in schema.indexes(on: table.name) {
            var keys: [RExpr] = []
            var used: [Int] = []
            for ic in index.columns {
                guard ic.column >= 0, let (k, key) = equal[ic.column] else { break }
                // Collation of the comparison must be the index column's.
                guard case .compare(_, let a, let b) = terms[k] else { break }
                let coll = a.explicitCollation ?? b.explicitCollation ?? a.columnCollation ?? b.columnCollation
                if (coll ?? "BINARY").uppercasedASCII != (ic.collation ?? "BINARY").uppercasedASCII { break }
                keys.append(key)
                used.append(k)
            }
            if !keys.isEmpty && keys.count > (best?.1.count ?? 0) { best = (index, keys, used) }
        }
        return best
    }

    /// `column = key` terms usable for a lookup at `level`: column → (term index, key), where
    /// the key reads only earlier levels and the comparison's affinity orders like the
    /// stored values.
    static func equalityTerms(for source: SourceItem, terms: [RExpr], levelOfCursor: [Int: Int],
                              level: Int) -> [Int: (Int, RExpr)] {
        let cursor = source.cursor
        let table = source.table
        var equal: [Int: (Int, RExpr)] = [:]
        for (k, term) in terms.enumerated() {
            guard case .compare(.eq, let a, let b) = term else { continue }
            for (colSide, keySide) in [(a, b), (b, a)] {
                guard case .column(let col, _, _, _) = colSide, col.cursor == cursor, col.column >= 0,
                      col.column < table.columns.count, equal[col.column] == nil else { continue }
                var used = Set<Int>()
                keySide.cursorsUsed(into: &used)
                if used.contains(where: { (levelOfCursor[$0] ?? -1) >= level }) { continue }
                if case .subquery = keySide { continue }
                let column = table.columns[col.column]
                let cmp = comparisonAffinity(colSide, keySide)
                let fits: Bool
                switch column.affinity {
                case .blob: fits = cmp == nil
                case .text: fits = cmp == .text || (cmp == nil && keySide.affinity == .text)
                default: fits = cmp?.isNumericClass == true
                }
                guard fits else { continue }
                equal[col.column] = (k, keySide)
                break
            }
        }
        return equal
    }

    /// An automatic index for an inner level: every usable `column = key` term whose
    /// comparison collation is the column's own.
    static func automaticIndex(for source: SourceItem, terms: [RExpr], levelOfCursor: [Int: Int],
                               level: Int) -> ([IndexColumn], [RExpr], [Int])? {
        let equal = equalityTerms(for: source, terms: terms, levelOfCursor: levelOfCursor, level: level)
        var columns: [IndexColumn] = []
        var keys: [RExpr] = []
        var used: [Int] = []
        for (column, (k, key)) in equal.sorted(by: { $0.value.0 < $1.value.0 }) {
            guard case .compare(_, let a, let b) = terms[k] else { continue }
            let coll = a.explicitCollation ?? b.explicitCollation ?? a.columnCollation ?? b.columnCollation
            let own = source.table.columns[column].collation
            if (coll ?? "BINARY").uppercasedASCII != (own ?? "BINARY").uppercasedASCII { continue }
            columns.append(IndexColumn(column: column, collation: own))
            keys.append(key)
            used.append(k)
        }
        return columns.isEmpty ? nil : (columns, keys, used)
    }

    /// datatype3 §4.2, as codegen applies it.
    static func comparisonAffinity(_ a: RExpr, _ b: RExpr) -> Affinity? {
        switch (a.affinity, b.affinity) {
        case (let x?, let y?):
            if x.isNumericClass || y.isNumericClass { return .numeric }
            return nil
        case (let x?, nil): return x == .blob ? nil : x
        case (nil, let y?): return y == .blob ? nil : y
        case (nil, nil): return nil
        }
    }
}
