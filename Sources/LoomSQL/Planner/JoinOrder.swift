// This file implements the join-order search of up to 64 inner-joined FROM items: the
// estimates and greedy search of `WherePlanner.joinOrder`, with each item's constraints and
// index lookup sizes worked out once per statement and the items placed so far kept as a
// bit mask (the general version built sets and collected constraints for every estimate:
// ~330k instructions for a four-way join). Layer: L5. Spec: Spec/L5-sql.md §Planner.
import LoomBase
import LoomRecord

struct JoinOrderSearch {
    /// An equality constraint `column = key` (one value) of an item's term.
    struct Equality {
        /// Index into the item's `termMasks`.
        var term: Int
        var column: Int
    }
    /// A plain index of an item: its key columns, and the rows one lookup finds by the
    /// number of equal leading columns (`rows[k - 1]`).
    struct PlainIndex {
        var columns: [Int]
        var rows: [Double]
    }
    /// What an estimate needs of one FROM item.
    struct Item {
        var isVirtual = false
        var isStored = false
        var hasRowid = false
        /// sqlite_stat1's row count (stored tables).
        var tableRows: Double? = nil
        /// Per term reading this item: the items it reads (bits by FROM position).
        var termMasks: [UInt64] = []
        var equalities: [Equality] = []
        var indexes: [PlainIndex] = []
    }

    let sources: [SourceItem]
    let terms: [RExpr]
    let schema: Schema?
    var items: [Item] = []
    var hasVirtual = false

    /// nil when the search does not apply (more than 64 items).
    init?(_ sources: [SourceItem], terms: [RExpr], schema: Schema?) {
        guard sources.count <= 64 else { return nil }
        self.sources = sources
        self.terms = terms
        self.schema = schema
        // The items each term reads (outer cursors do not count).
        var termMasks: [UInt64] = []
        termMasks.reserveCapacity(terms.count)
        for term in terms {
            var mask: UInt64 = 0
            term.forEachCursor { c in
                for (j, s) in sources.enumerated() where s.cursor == c { mask |= 1 << UInt64(j) }
            }
            termMasks.append(mask)
        }
        items.reserveCapacity(sources.count)
        for (i, source) in sources.enumerated() {
            var item = Item()
            let bit: UInt64 = 1 << UInt64(i)
            var own: [RExpr] = []
            for (k, term) in terms.enumerated() where termMasks[k] & bit != 0 {
                own.append(term)
                item.termMasks.append(termMasks[k])
            }
            if source.virtualTable != nil {
                item.isVirtual = true
                hasVirtual = true
                items.append(item)
                continue
            }
            item.isStored = source.isStoredTable
            guard item.isStored else { items.append(item); continue }
            item.hasRowid = source.table.hasRowid
            item.tableRows = schema?.rowEstimate(of: source.table).map { Double(max($0, 1)) }
            // A key is usable when it reads no item at this one's level or later: only the
            // item itself (whether the other items it reads are placed is the term's mask).
            var levelOf = CursorLevels()
            levelOf[source.cursor] = 1
            for c in WherePlanner.collectConstraints(for: source, terms: own, levelOfCursor: levelOf, level: 1) {
                if case .equal(.value) = c.kind { item.equalities.append(Equality(term: c.term, column: c.column)) }
            }
            if !item.equalities.isEmpty {
                let tableRows = item.tableRows ?? 1000
                for idx in schema?.indexes(on: source.table) ?? [] where idx.isPlain {
                    var rows: [Double] = []
                    rows.reserveCapacity(idx.columns.count)
                    for k in 1...max(idx.columns.count, 1) {
                        rows.append(WherePlanner.rowsPerLookup(idx, eqCount: k, schema: schema, tableRows: tableRows))
                    }
                    item.indexes.append(PlainIndex(columns: idx.columns.map(\.column), rows: rows))
                }
            }
            items.append(item)
        }
    }

    /// The estimated rows (and one-off extra work) of item `i` placed after the items in `placed`.
    func estimate(_ i: Int, placed: UInt64) -> (rows: Double, extra: Double) {
        let item = items[i]
        let available = placed | (1 << UInt64(i))
        if item.isVirtual {
            var unplaced = Set<Int>()
            for (j, s) in sources.enumerated() where available & (1 << UInt64(j)) == 0 || j == i {
                unplaced.insert(s.cursor)
            }
            return WherePlanner.estimateVirtual(sources[i], terms: terms, unplaced: unplaced)
        }
        var usable = 0
        for m in item.termMasks where m & ~available == 0 { usable += 1 }
        // Without statistics a table counts as 1000 rows (only the ratios matter).
        var cost = item.tableRows ?? 1000.0
        var extra = 0.0
        var consumed = 0
        if item.isStored {
            var anyEqual = false, rowidEqual = false
            for e in item.equalities where item.termMasks[e.term] & ~available == 0 {
                anyEqual = true
                if e.column < 0 { rowidEqual = true }
            }
            func isEqual(_ column: Int) -> Bool {
                for e in item.equalities where e.column == column && item.termMasks[e.term] & ~available == 0 {
                    return true
                }
                return false
            }
            if item.hasRowid && rowidEqual { cost = 1; consumed = 1 }
            else if anyEqual {
                // The best index whose leading columns are all equal: its rows per lookup.
                var lookup: Double? = nil
                for idx in item.indexes {
                    var k = 0
                    while k < idx.columns.count, isEqual(idx.columns[k]) { k += 1 }
                    guard k > 0 else { continue }
                    let rows = idx.rows[k - 1]
                    lookup = min(lookup ?? rows, rows)
                }
                if let lookup { cost = min(lookup, cost); consumed = 1 }
                else if placed != 0 { cost = min(10, cost); consumed = 1; extra = item.tableRows ?? 1000 }
            }
        }
        for _ in consumed..<max(usable, consumed) { cost *= 0.25 }
        return (cost, extra)
    }

    /// The order with the least estimated work: from each possible outermost item, a greedy
    /// order (as `WherePlanner.joinOrder` describes).
    func order() -> [SourceItem] {
        let n = sources.count
        var bestOrder: [Int] = []
        var bestWork = 0.0
        var haveBest = false
        var placedOrder: [Int] = []
        placedOrder.reserveCapacity(n)
        var remaining: [Int] = []
        remaining.reserveCapacity(n)
        for start in 0..<n {
            remaining.removeAll(keepingCapacity: true)
            for j in 0..<n where j != start { remaining.append(j) }
            placedOrder.removeAll(keepingCapacity: true)
            placedOrder.append(start)
            var placed: UInt64 = 1 << UInt64(start)
            let first = estimate(start, placed: 0)
            var rows = first.rows
            var work = rows + first.extra
            var pruned = false
            while !remaining.isEmpty {
                // Work only grows: an order already no cheaper than the best cannot win
                // (not with virtual tables, whose xBestIndex calls are observable).
                if haveBest && !hasVirtual && work >= bestWork { pruned = true; break }
                var bestIndex = 0
                var bestCost = (rows: Double.infinity, extra: 0.0)
                for (k, candidate) in remaining.enumerated() {
                    let e = estimate(candidate, placed: placed)
                    if e.rows + e.extra / max(rows, 1) < bestCost.rows + bestCost.extra / max(rows, 1) {
                        bestCost = e; bestIndex = k
                    }
                }
                let chosen = remaining.remove(at: bestIndex)
                placedOrder.append(chosen)
                placed |= 1 << UInt64(chosen)
                rows *= bestCost.rows
                work += rows + bestCost.extra
            }
            if pruned { continue }
            if !haveBest || work < bestWork {
                bestOrder = placedOrder
                bestWork = work
                haveBest = true
            }
        }
        guard haveBest else { return sources }
        return bestOrder.map { sources[$0] }
    }
}
