// This file implements the planner: the join order, and for each FROM item how its rows are
// reached (full scan, rowid lookup or range, index equality/range/IN lookups, covering
// indexes, automatic indexes), whether ORDER BY needs a sorter, and at which loop level each
// WHERE term is tested. Layer: L5. Spec: Spec/L5-sql.md §Planner.
import LoomBase
import LoomRecord

/// The values an equality constraint takes: one expression, or each value of an IN list or
/// IN subquery (duplicates and NULLs dropped).
package enum LookupKey {
    case value(RExpr)
    case list([RExpr])
    case select(ResolvedSelect)
    /// `col IS NULL`: the NULL entries.
    case null

    var isMulti: Bool {
        switch self {
        case .value, .null: return false
        case .list, .select: return true
        }
    }
}

/// One end of a range; `expr` nil is a NULL bound that only skips NULL entries.
package struct RangeBound {
    package var expr: RExpr?
    package var inclusive: Bool
    /// A row-value range `(a, b) > (x, y)`: the keys of the index columns after the bound's
    /// first one (the bound is inclusive then and the term stays tested, as sqlite3 seeks).
    package var rest: [RExpr] = []
}

/// An index (stored or automatic) walked from an equality prefix, optionally bounded on
/// the next column.
package struct IndexScan {
    /// nil: an automatic index on `columns` (+ rowid), built once per run.
    package var index: Index?
    package var columns: [IndexColumn]
    /// Keys of the first `equal.count` columns.
    package var equal: [LookupKey] = []
    /// Bounds on column `equal.count` in value order: `low` from `>`/`>=`, `high` from `<`/`<=`.
    package var low: RangeBound? = nil
    package var high: RangeBound? = nil
    /// Every column the query reads is in the index: the table row is never read.
    package var covering = false
    /// Walk the range from its end (Prev) to give a descending order.
    package var reverse = false
    /// The indexed expressions of an expression index, by the (≤ −10) column number that
    /// stands for each in `columns`.
    package var expressions: [Int: RExpr] = [:]

    /// The affinity a key compared with column `j` takes: the table column's, the indexed
    /// expression's (none: BLOB), INTEGER for the rowid.
    package func keyAffinity(_ j: Int, table: Table) -> Affinity {
        guard j < columns.count else { return .blob }
        let col = columns[j].column
        if col >= 0 { return col < table.columns.count ? table.columns[col].affinity : .blob }
        if col == -1 { return .integer }
        return expressions[col]?.affinity ?? .blob
    }
}

/// How one loop level reaches its rows.
package enum AccessPath {
    /// Every row, in rowid order (Rewind / Next).
    case fullScan
    /// The row(s) whose rowid equals the key (SeekRowid), one per IN value.
    case rowidEquals(LookupKey)
    /// The rows whose rowid lies between the bounds (SeekGE/GT/LE/LT + end test).
    case rowidRange(low: RangeBound?, high: RangeBound?, reverse: Bool)
    /// An index lookup or range scan.
    case index(IndexScan)
    /// MULTI-INDEX OR: each branch's rows, rowids deduplicated, then the table row by rowid.
    case multiIndexOr([OrBranch])
    /// A virtual table's xFilter plan (VirtualTablePlanner.swift).
    case virtual(VirtualAccess)
}

/// One nested loop.
///
/// A value type whose fields live in one private copy-on-write box (as `Table` and
/// `SourceItem`, invariant PC1): codegen copies levels out of the plan many times, and a
/// copy is one retain instead of a retain per field.
package struct LoopLevel {
    private final class Storage {
        var source: SourceItem
        var access: AccessPath
        var onTerms: [RExpr] = []
        var terms: [RExpr] = []
        var constraintText: String = ""
        var isMinMax = false
        var unmatchedScan: Index? = nil
        var reversed = false
        init(source: SourceItem, access: AccessPath) { self.source = source; self.access = access }
        init(copying o: Storage) {
            source = o.source; access = o.access; onTerms = o.onTerms; terms = o.terms
            constraintText = o.constraintText; isMinMax = o.isMinMax; unmatchedScan = o.unmatchedScan
            reversed = o.reversed
        }
    }
    private var storage: Storage
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }
    package init(source: SourceItem, access: AccessPath) { storage = Storage(source: source, access: access) }

    package var source: SourceItem {
        get { storage.source }
        _modify { makeUnique(); yield &storage.source }
    }
    package var access: AccessPath {
        get { storage.access }
        _modify { makeUnique(); yield &storage.access }
    }
    /// ON terms of a LEFT JOIN, tested before the row counts as matched.
    package var onTerms: [RExpr] {
        get { storage.onTerms }
        _modify { makeUnique(); yield &storage.onTerms }
    }
    /// WHERE (and inner-join ON) terms first testable at this level.
    package var terms: [RExpr] {
        get { storage.terms }
        _modify { makeUnique(); yield &storage.terms }
    }
    /// EXPLAIN QUERY PLAN text of the constraints the access path uses ("b=? AND c>?").
    package var constraintText: String {
        get { storage.constraintText }
        _modify { makeUnique(); yield &storage.constraintText }
    }
    /// A min()/max() lookup: one row is read (EXPLAIN QUERY PLAN says SEARCH).
    package var isMinMax: Bool {
        get { storage.isMinMax }
        _modify { makeUnique(); yield &storage.isMinMax }
    }
    /// RIGHT/FULL JOIN: the covering index the unmatched-row pass walks (else the table).
    package var unmatchedScan: Index? {
        get { storage.unmatchedScan }
        _modify { makeUnique(); yield &storage.unmatchedScan }
    }
    /// PRAGMA reverse_unordered_selects: the level (a stored table) walks backwards (its access
    /// path is reversed, and its IN lists are taken from the largest value down).
    package var reversed: Bool {
        get { storage.reversed }
        _modify { makeUnique(); yield &storage.reversed }
    }
}

/// The loops of one SELECT / UPDATE / DELETE.
package struct WherePlan {
    package var levels: [LoopLevel]
    /// Terms that read no table of this query: tested once, before the loops.
    package var constantTerms: [RExpr]
    /// The loops deliver rows in the ORDER BY order that was asked for: no sorter needed.
    package var orderSatisfied = false
}

/// What the caller lets the planner know beyond the FROM and WHERE clauses.
package struct PlanHints {
    /// Columns (−1 = rowid) the query reads, per cursor; nil disables covering indexes.
    package var neededColumns: [Int: Set<Int>]? = nil
    /// ORDER BY the loops should produce if they can (SELECT without aggregates).
    package var orderBy: [OrderTerm] = []
    /// The order is a lone min()/max()'s (one term): the loop stops at its first row, so
    /// NULLs are skipped for min and EXPLAIN QUERY PLAN says SEARCH.
    package var minMax = false
    /// The partial and expression indexes of each cursor's table, resolved against that
    /// cursor (codegen resolves them; without an entry such an index is never used).
    package var indexParts: [Int: [ResolvedIndexParts]] = [:]
    /// An OR term may be answered by one lookup per branch (MULTI-INDEX OR).
    package var multiIndexOr = false
    /// Whether the levels get their EXPLAIN QUERY PLAN constraint text (`LoopLevel.constraintText`);
    /// codegen asks for it only under EXPLAIN QUERY PLAN (building it showed in compile profiles).
    package var describesAccess = true
    /// LIMIT + OFFSET when both are integer literals: a sorter keeps only that many rows.
    package var limit: Int? = nil
    /// LIMIT / OFFSET a lone virtual table may be offered (VirtualTablePlanner.swift).
    package var virtualLimit: VirtualLimit? = nil
    /// `sqlite3_vtab_distinct` for the first virtual table's ORDER BY (1 GROUP BY, 2 DISTINCT,
    /// 3 DISTINCT + ORDER BY).
    package var virtualDistinct = 0
    /// The rows feed a DISTINCT without ORDER BY: SQLite plans them for the result columns'
    /// order, so PRAGMA reverse_unordered_selects does not turn the loops around.
    package var feedsDistinct = false
    package init(neededColumns: [Int: Set<Int>]? = nil, orderBy: [OrderTerm] = []) {
        self.neededColumns = neededColumns
        self.orderBy = orderBy
    }
}

/// A constraint a WHERE term puts on one column of one FROM item.
struct Constraint {
    enum Kind { case equal(LookupKey), lower(RExpr, Bool), upper(RExpr, Bool) }
    var term: Int
    /// Table column, −1 for the rowid.
    var column: Int
    var kind: Kind
    /// The comparison's collation (uppercased, BINARY when none).
    var collation: String
    /// The term stays tested even when every constraint it gave is used (LIKE / GLOB ranges).
    var keepsTerm = false
    /// `col IS NOT NULL`: a lower bound that only skips NULL entries (its key is unused).
    var skipsNulls = false
    /// A row-value range: the further (column, key, collation) pairs after `column`.
    var rest: [(column: Int, key: RExpr, collation: String)] = []
    var isEqual: Bool { if case .equal = kind { return true }; return false }
    var isLower: Bool { if case .lower = kind { return true }; return false }
    var isUpper: Bool { if case .upper = kind { return true }; return false }
}

package enum WherePlanner {
    /// Splits `e` on AND.
    static func conjuncts(_ e: RExpr?) -> [RExpr] {
        guard let e else { return [] }
        if case .binary(.and, let a, let b) = e { return conjuncts(a) + conjuncts(b) }
        return [e]
    }

    /// Calls `body` with each term of the AND tree `e`, left to right (as `conjuncts`,
    /// without an array per subtree).
    static func forEachConjunct(_ e: RExpr?, _ body: (RExpr) -> Void) {
        guard let e else { return }
        if case .binary(.and, let a, let b) = e {
            forEachConjunct(a, body)
            forEachConjunct(b, body)
            return
        }
        body(e)
    }

    static func disjuncts(_ e: RExpr) -> [RExpr] {
        if case .binary(.or, let a, let b) = e { return disjuncts(a) + disjuncts(b) }
        return [e]
    }

    /// Plans the loops over `sources` filtered by `whereClause`.
    package static func plan(sources originalSources: [SourceItem], whereClause: RExpr?, schema: Schema? = nil,
                             hints: consuming PlanHints = PlanHints()) -> WherePlan {
        // (`hints` is consumed: the caller's last use moves it here, where a copy retained
        // and released its four collections per statement.)
        if let point = pointPlan(originalSources, whereClause: whereClause, schema: schema, hints: hints) {
            return point
        }
        var sources = originalSources
        if sources.count > 1, !sources.contains(where: { $0.join != .inner }) {
            sources = joinOrder(sources, terms: conjuncts(whereClause) + sources.flatMap { conjuncts($0.on) },
                                schema: schema)
        }
        let orderAsked = !hints.orderBy.isEmpty
        let rightLevels = sources.indices.filter { sources[$0].join.padsLeft }
        let originalNeeded = hints.neededColumns
        if !rightLevels.isEmpty {
            // RIGHT/FULL JOIN (Spec/L5-sql.md P9): the unmatched-row pass reads the right table
            // through its own cursor, so no covering index there; rows come in two passes, so
            // no ORDER BY from the loops.
            for k in rightLevels { hints.neededColumns?[sources[k].cursor] = nil }
            hints.orderBy = []
        }
        var levels = sources.map { LoopLevel(source: $0, access: .fullScan) }
        var levelOfCursor = CursorLevels()
        for (i, s) in sources.enumerated() { levelOfCursor[s.cursor] = i }
        // (term, lowest level): a WHERE term, or the ON term of an item after a RIGHT/FULL
        // JOIN, must not filter rows before that join has recorded its matches.
        // (A struct, not a tuple: an array of tuples looks up its type metadata at run time.)
        struct Term { var expr: RExpr; var floor: Int }
        var terms: [Term] = []
        forEachConjunct(whereClause) { terms.append(Term(expr: $0, floor: rightLevels.last ?? -1)) }
        // Inner-join ON terms are WHERE terms; outer-join ON terms stay with their level.
        for (i, s) in sources.enumerated() {
            if s.join != .inner && s.join != .cross { levels[i].onTerms = conjuncts(s.on); continue }
            guard s.on != nil else { continue }
            let floor = rightLevels.last(where: { $0 < i }) ?? -1
            terms += conjuncts(s.on).map { Term(expr: $0, floor: floor) }
        }
        func level(of term: RExpr) -> Int? {
            // (No set of cursors: this runs for every term of every statement.)
            var deepest: Int? = nil
            term.forEachCursor { c in
                if let l = levelOfCursor[c], l > (deepest ?? -1) { deepest = l }
            }
            return deepest
        }
        var constant: [RExpr] = []
        for t in terms {
            if let l = level(of: t.expr) { levels[max(l, t.floor)].terms.append(t.expr) } else { constant.append(t.expr) }
        }
        var orderSatisfied = !orderAsked
        // Every output row satisfies every WHERE / inner ON term, whichever level tests it: a
        // partial index may rely on all of them (not across RIGHT/FULL joins, not for the
        // right table of a LEFT JOIN, which relies on its ON terms).
        // (One level and no constant term: that level's terms are every term, in order, and
        // share its array.)
        let everyTerm = !rightLevels.isEmpty ? []
            : levels.count == 1 && constant.isEmpty && levels[0].terms.count == terms.count ? levels[0].terms
            : terms.map(\.expr)
        for i in levels.indices where levels[i].source.isStoredTable {
            let isLeft = levels[i].source.join != .inner && levels[i].source.join != .cross
            let candidates = isLeft ? levels[i].onTerms : levels[i].terms
            let implying = isLeft || everyTerm.isEmpty ? candidates : everyTerm
            let wantOrder = i == 0 && !hints.orderBy.isEmpty ? hints.orderBy : []
            let choice = levels[i].source.virtualTable != nil
                ? chooseVirtualAccess(for: levels[i].source, terms: candidates, levelOfCursor: levelOfCursor,
                                      level: i, needed: hints.neededColumns, orderBy: wantOrder,
                                      limit: levels.count == 1 && constant.isEmpty ? hints.virtualLimit : nil,
                                      distinct: hints.virtualDistinct)
                : chooseAccess(for: levels[i].source, terms: candidates, levelOfCursor: levelOfCursor,
                               level: i, schema: schema, needed: hints.neededColumns,
                               orderBy: wantOrder, parts: hints.indexParts[levels[i].source.cursor] ?? [],
                               allowOr: hints.multiIndexOr, implying: implying, limit: hints.limit,
                               describes: hints.describesAccess)
            levels[i].access = choice.access
            levels[i].constraintText = choice.text
            if i == 0 && choice.ordered { orderSatisfied = true }
            if i == 0 && choice.ordered && hints.minMax, let term = hints.orderBy.first {
                levels[i].isMinMax = true
                // min(): the first row must not be a NULL one.
                if !term.descending, case .index(var scan) = choice.access, scan.low == nil, scan.high == nil,
                   scan.equal.count < scan.columns.count {
                    var e = term.expr
                    if case .collate(let inner, _) = e { e = inner }
                    let ic = scan.columns[scan.equal.count].column
                    let sameColumn: Bool
                    if case .column(let col, _, _, _) = e { sameColumn = ic == col.column }
                    else { sameColumn = ic <= IndexedExpressions.firstID && scan.expressions[ic]?.sameAs(e) == true }
                    if sameColumn {
                        scan.low = RangeBound(expr: nil, inclusive: false)
                        levels[i].access = .index(scan)
                    }
                }
            }
            if !choice.usedTerms.isEmpty {
                // (A new array of the kept terms: removing from `candidates`, which shares its
                // buffer with the level's, copied the whole array first.)
                var kept: [RExpr] = []
                for k in candidates.indices where !choice.usedTerms.contains(k) { kept.append(candidates[k]) }
                if isLeft { levels[i].onTerms = kept } else { levels[i].terms = kept }
            }
        }
        for k in rightLevels where levels[k].source.isStoredTable && levels[k].source.virtualTable == nil {
            // The unmatched rows are walked as a full scan would be: the narrowest covering index.
            let source = levels[k].source
            guard let neededHere = originalNeeded?[source.cursor], source.indexHint == nil,
                  source.table.hasRowid || source.table.isWithoutRowid else { continue }
            var indexes = schema?.indexes(on: source.table).filter { $0.isPlain } ?? []
            if source.table.isWithoutRowid { indexes = indexes.map { source.table.withoutRowidSecondary($0) } }
            levels[k].unmatchedScan = indexes.filter { isCovering($0, neededHere) && $0.rootPage != source.table.rootPage }
                .min(by: { $0.columns.count < $1.columns.count })
        }
        if orderSatisfied && !orderAsked && !hints.feedsDistinct && schema?.reverseUnorderedSelects == true {
            reverseLoops(&levels)
        }
        return WherePlan(levels: levels, constantTerms: constant, orderSatisfied: orderSatisfied)
    }

    /// PRAGMA reverse_unordered_selects=ON with no order asked: every loop walks backwards,
    /// as SQLite's (table and index scans, ranges, IN lists, each MULTI-INDEX OR branch). A
    /// subquery in FROM keeps its order: Loom materializes those SQLite flattens or runs as
    /// co-routines, whose rows come in the (reversed) order of their own loops.
    static func reverseLoops(_ levels: inout [LoopLevel]) {
        func reversed(_ access: AccessPath, stored: Bool) -> AccessPath {
            switch access {
            case .fullScan:
                return stored ? .rowidRange(low: nil, high: nil, reverse: true) : .fullScan
            case .rowidRange(let low, let high, let reverse):
                return .rowidRange(low: low, high: high, reverse: !reverse)
            case .index(var scan):
                scan.reverse.toggle()
                return .index(scan)
            case .multiIndexOr(let branches):
                return .multiIndexOr(branches.map { branch in
                    var branch = branch
                    branch.access = reversed(branch.access, stored: true)
                    return branch
                })
            case .rowidEquals, .virtual:
                return access
            }
        }
        for i in levels.indices where levels[i].source.isStoredTable && levels[i].source.virtualTable == nil {
            levels[i].reversed = true
            levels[i].access = reversed(levels[i].access, stored: true)
        }
    }

    // MARK: Access paths

    struct Choice {
        var access: AccessPath = .fullScan
        /// The indexes (into the level's terms) of the terms the access consumes, each once.
        /// (An array: a few entries, and a set allocated and hashed per statement.)
        var usedTerms: [Int] = []
        var text = ""
        var ordered = false
    }

    /// The access path for one level: rowid equality, then the best index lookup, then a
    /// rowid range, then an index that gives the ORDER BY or covers the query, then an
    /// automatic index (inner levels), else a full scan.
    static func chooseSingleAccess(for source: SourceItem, terms: [RExpr], levelOfCursor: CursorLevels, level: Int,
                                   schema: Schema?, needed: [Int: Set<Int>]?, orderBy: [OrderTerm],
                                   parts: [ResolvedIndexParts] = [], implying: [RExpr]? = nil,
                                   limit: Int? = nil, describes: Bool = true) -> Choice {
        let table = source.table
        let usable = usableIndexes(on: table, schema: schema, parts: parts, terms: implying ?? terms)
        var indexes = usable.indexes
        let expressions = usable.expressions
        let constraints = collectConstraints(for: source, terms: terms, levelOfCursor: levelOfCursor, level: level,
                                             expressions: expressions)
        let neededHere = needed?[source.cursor]
        switch source.indexHint {
        case .notIndexed?: indexes = []
        case .indexedBy(let name)?: indexes = indexes.filter { $0.name.equalsIgnoringCase(name) }
        case nil: break
        }
        if table.isWithoutRowid {
            // The table's own B-tree is its PRIMARY KEY index; secondary indexes carry the key
            // as suffix (a non-covering one seeks the row by it).
            indexes = [table.withoutRowidPrimaryIndex] + indexes.map { table.withoutRowidSecondary($0) }
        }
        func termsUsed(_ ids: [Int]) -> [Int] {
            // A term is consumed when every constraint it produced is used (BETWEEN gives two).
            // (A few ids and constraints: linear scans, no set of the ids.)
            var out: [Int] = []
            for id in ids {
                let t = constraints[id].term
                var consumed = true
                for j in constraints.indices where constraints[j].term == t {
                    if constraints[j].keepsTerm || !ids.contains(j) { consumed = false; break }
                }
                if consumed && !out.contains(t) { out.append(t) }
            }
            return out
        }
        // 1. rowid = key (or IN).
        if table.hasRowid {
            if let id = constraints.indices.first(where: { constraints[$0].column == -1 && constraints[$0].isEqual }),
               case .equal(let key) = constraints[id].kind {
                var c = Choice(access: .rowidEquals(key), usedTerms: termsUsed([id]), text: "rowid=?")
                c.ordered = !key.isMulti && !orderBy.isEmpty && orderBy.allSatisfy { t in
                    if case .column(let col, _, _, _) = t.expr, col.cursor == source.cursor { return true }
                    return false
                }
                return c
            }
        }
        // 2. The index lookup with the least estimated cost (ties: the index that also gives
        //    the ORDER BY, then the narrower one, then the newest).
        let tableRows = estimatedTableRows(table, schema: schema)
        // (The best candidate is a struct, and every match is taken apart once: tuples of an
        // IndexScan copied the whole scan, a dozen retains, at each member access.)
        struct Candidate { var scan: IndexScan; var ids: [Int]; var cost: Double; var ordered: Bool; var matched: Int }
        var best: Candidate? = nil
        for index in indexes {
            // An index matches only through a constraint on its first column.
            guard let first = index.columns.first, constraints.contains(where: { $0.column == first.column }),
                  case (var scan, let ids, let eqCount, let rangeCount)? = indexMatch(index.columns, constraints) else { continue }
            if eqCount == 0 && rangeCount == 0 { continue }
            scan.expressions = expressions.scanMap(index)
            scan.index = index
            scan.covering = neededHere.map { isCovering(index, $0) } ?? false
            let bounded = (scan.low?.expr != nil ? 1 : 0) + (scan.high?.expr != nil ? 1 : 0)
            let cost = lookupCost(scan, index: index, ranges: bounded, tableRows: tableRows, schema: schema)
            var ordered = false
            if !orderBy.isEmpty {
                var probe = scan
                ordered = orderSatisfiedByIndex(&probe, orderBy: orderBy, cursor: source.cursor)
            }
            // Ties: the index giving the ORDER BY, then the partial index whose WHERE clause
            // repeats more of the query's terms, then for a range the narrower index; else
            // the newest (listed first), as SQLite picks.
            let matched = usable.matchedTerms[index.name] ?? 0
            let better = best.map {
                if cost != $0.cost { return cost < $0.cost }
                if ordered != $0.ordered { return ordered }
                if matched != $0.matched { return matched > $0.matched }
                return rangeCount > 0 && index.columns.count < $0.scan.columns.count
            } ?? true
            if better {
                best = Candidate(scan: scan, ids: ids, cost: cost, ordered: ordered, matched: matched)
            }
        }
        let rowidLow = constraints.indices.first { constraints[$0].column == -1 && constraints[$0].isLower }
        let rowidHigh = constraints.indices.first { constraints[$0].column == -1 && constraints[$0].isUpper }
        let hasRowidRange = table.hasRowid && (rowidLow != nil || rowidHigh != nil)
        let rowidRangeCost = hasRowidRange
            ? log2(max(tableRows, 2)) + tableRows / ((rowidLow != nil ? 4 : 1) * (rowidHigh != nil ? 4 : 1))
            : Double.infinity
        // A full scan wins over a lookup that reads most of the table (SQLite's cost: about
        // three units per row scanned, four per row found through a non-covering index).
        let scanCost = 3 * tableRows
        // A lookup that leaves the ORDER BY to a sorter pays for sorting its rows; an index
        // walked whole in that order may be cheaper (four units a row, one when covering,
        // half the rows for a partial index).
        var orderedScan: (scan: IndexScan, cost: Double)? = nil
        if !orderBy.isEmpty, source.indexHint == nil {
            for index in indexes {
                var scan = IndexScan(index: index, columns: index.columns)
                scan.expressions = expressions.scanMap(index)
                guard orderSatisfiedByIndex(&scan, orderBy: orderBy, cursor: source.cursor) else { continue }
                scan.covering = neededHere.map { isCovering(index, $0) } ?? false
                let cost = tableRows * (scan.covering ? 1 : 4) * (index.whereClause != nil ? 0.5 : 1)
                if orderedScan.map({ cost < $0.cost }) ?? true { orderedScan = (scan, cost) }
            }
        }
        if let best, !best.ordered, let orderedScan, !orderBy.isEmpty,
           orderedScan.cost < best.cost + sortCost(rowsFound(best.scan, tableRows: tableRows, schema: schema),
                                                   limit: limit) {
            return Choice(access: .index(orderedScan.scan), ordered: true)
        }
        if var best, best.cost < rowidRangeCost, best.cost <= scanCost || source.indexHint != nil {
            let ids = best.ids
            let ordered = orderSatisfiedByIndex(&best.scan, orderBy: orderBy, cursor: source.cursor)
            let scan = best.scan
            return Choice(access: .index(scan), usedTerms: termsUsed(ids), text: describes ? describe(scan, table: table) : "",
                          ordered: ordered)
        }
        if hasRowidRange {
            var low: RangeBound? = nil, high: RangeBound? = nil
            var ids: [Int] = []
            var parts: [String] = []
            if let l = rowidLow, case .lower(let e, let inc) = constraints[l].kind {
                low = RangeBound(expr: e, inclusive: inc); ids.append(l); parts.append("rowid>?")
            }
            if let h = rowidHigh, case .upper(let e, let inc) = constraints[h].kind {
                high = RangeBound(expr: e, inclusive: inc); ids.append(h); parts.append("rowid<?")
            }
            let reverse = rowidOrder(orderBy, cursor: source.cursor)
            return Choice(access: .rowidRange(low: low, high: high, reverse: reverse ?? false), usedTerms: termsUsed(ids),
                          text: parts.joined(separator: " AND "), ordered: reverse != nil)
        }
        // 3. No usable constraint: rowid order, an index giving the ORDER BY, a covering index.
        if table.hasRowid, let reverse = rowidOrder(orderBy, cursor: source.cursor) {
            return Choice(access: reverse ? .rowidRange(low: nil, high: nil, reverse: true) : .fullScan, ordered: true)
        }
        if !orderBy.isEmpty {
            for index in indexes {
                var scan = IndexScan(index: index, columns: index.columns)
                scan.expressions = expressions.scanMap(index)
                if orderSatisfiedByIndex(&scan, orderBy: orderBy, cursor: source.cursor) {
                    scan.covering = neededHere.map { isCovering(index, $0) } ?? false
                    return Choice(access: .index(scan), ordered: true)
                }
            }
        }
        // 4. Automatic index for an inner level.
        if level > 0 && source.indexHint == nil && !table.isWithoutRowid && !source.join.padsLeft
            && schema?.automaticIndex != false {
            var columns: [IndexColumn] = []
            var keys: [LookupKey] = []
            var ids: [Int] = []
            var seen = Set<Int>()
            for (id, c) in constraints.enumerated() where c.column >= 0 && !seen.contains(c.column) {
                guard case .equal(let key) = c.kind, !key.isMulti else { continue }
                if case .null = key { continue }
                let own = (table.columns[c.column].collation ?? "BINARY").uppercasedASCII
                guard c.collation == own else { continue }
                seen.insert(c.column)
                columns.append(IndexColumn(column: c.column, collation: table.columns[c.column].collation))
                keys.append(key)
                ids.append(id)
            }
            if !columns.isEmpty {
                // SQLite's automatic indexes carry every column the query reads: covering.
                var scan = IndexScan(index: nil, columns: columns, equal: keys)
                if let neededHere {
                    for col in neededHere.sorted() where col >= 0 && !seen.contains(col) && col < table.columns.count {
                        scan.columns.append(IndexColumn(column: col, collation: table.columns[col].collation))
                    }
                    scan.covering = true
                }
                let text = columns.map { "\(table.columns[$0.column].name)=?" }.joined(separator: " AND ")
                return Choice(access: .index(scan), usedTerms: termsUsed(ids), text: text)
            }
        }
        if let neededHere, table.hasRowid || table.isWithoutRowid {
            let covering = indexes.filter { isCovering($0, neededHere) && $0.rootPage != table.rootPage }
            if let smallest = covering.min(by: { $0.columns.count < $1.columns.count }) {
                var scan = IndexScan(index: smallest, columns: smallest.columns)
                scan.expressions = expressions.scanMap(smallest)
                scan.covering = true
                return Choice(access: .index(scan))
            }
        }
        // A usable partial index holds fewer rows than the table: walked whole instead of it.
        if table.hasRowid, source.indexHint == nil, let partial = indexes.first(where: { $0.whereClause != nil }) {
            var scan = IndexScan(index: partial, columns: partial.columns)
            scan.expressions = expressions.scanMap(partial)
            return Choice(access: .index(scan))
        }
        return Choice()
    }

    /// The rows `table` holds as far as the planner knows: sqlite_stat1's count, else
    /// SQLite's default guess of about a million.
    static func estimatedTableRows(_ table: Table, schema: Schema?) -> Double {
        if let n = schema?.rowEstimate(of: table) { return Double(max(n, 1)) }
        return 1_048_576
    }

    /// Rows found per lookup of `eqCount` equal leading columns of `index`: sqlite_stat1's
    /// average when measured, else SQLite's defaults (10, 9, 8, 7, 6, then 5 for longer
    /// prefixes; 1 for a UNIQUE index whose every column is equal).
    static func rowsPerLookup(_ index: Index, eqCount: Int, schema: Schema?, tableRows: Double) -> Double {
        if eqCount == 0 { return tableRows }
        if let stat = schema?.statistics(of: index), eqCount < stat.count {
            return Double(max(stat[eqCount], 1))
        }
        if index.isUnique && eqCount >= index.columns.count { return 1 }
        let defaults: [Double] = [10, 9, 8, 7, 6]
        return eqCount <= defaults.count ? defaults[eqCount - 1] : 5
    }

    /// Estimated work of walking `scan`: one seek (about log2 of the rows) per IN value
    /// combination, then each row found (four times that when the table row is read too);
    /// each range bound keeps a quarter of the rows.
    static func lookupCost(_ scan: IndexScan, index: Index, ranges: Int, tableRows: Double, schema: Schema?) -> Double {
        var seeks = 1.0
        for key in scan.equal {
            switch key {
            case .value, .null: break
            case .list(let l): seeks *= Double(max(l.count, 1))
            case .select: seeks *= 25
            }
        }
        var rows = rowsPerLookup(index, eqCount: scan.equal.count, schema: schema, tableRows: tableRows)
        // A partial index holds part of the table (SQLite guesses half).
        if scan.equal.isEmpty && index.whereClause != nil { rows /= 2 }
        for _ in 0..<ranges { rows /= 4 }
        return seeks * (log2(max(tableRows, 2)) + rows * (scan.covering ? 1 : 4))
    }

    /// Rows an index walk finds (the row part of `lookupCost`).
    static func rowsFound(_ scan: IndexScan, tableRows: Double, schema: Schema?) -> Double {
        guard let index = scan.index else { return 10 }
        var seeks = 1.0
        for key in scan.equal {
            if case .list(let l) = key { seeks *= Double(max(l.count, 1)) }
            if case .select = key { seeks *= 25 }
        }
        var rows = rowsPerLookup(index, eqCount: scan.equal.count, schema: schema, tableRows: tableRows)
        if scan.equal.isEmpty && index.whereClause != nil { rows /= 2 }
        if scan.low?.expr != nil { rows /= 4 }
        if scan.high?.expr != nil { rows /= 4 }
        return seeks * rows
    }

    /// Estimated work of sorting `rows` rows (keeping the first `limit` only when given and
    /// smaller: dearer per row, but on a short list).
    static func sortCost(_ rows: Double, limit: Int? = nil) -> Double {
        if let limit, Double(limit) < rows { return rows * 3 * log2(Double(max(limit, 2))) }
        return rows * log2(max(rows, 2))
    }

    static func log2(_ x: Double) -> Double {
        var v = x, n = 0.0
        while v >= 2 { v /= 2; n += 1 }
        return n + (v - 1)
    }

    /// Matches constraints to `columns`: equalities on a prefix, then a range on the next
    /// column. Returns the scan (index unset), the constraint ids used, and counts.
    static func indexMatch(_ columns: [IndexColumn], _ constraints: [Constraint]) -> (IndexScan, [Int], Int, Int)? {
        var scan = IndexScan(index: nil, columns: columns)
        var ids: [Int] = []
        var rangeCount = 0
        /// The keys of a row-value range's further elements that the index columns after
        /// `position` take in order (ascending ones, matching collations).
        func vectorRest(_ c: Constraint, at position: Int) -> [RExpr] {
            var keys: [RExpr] = []
            guard !columns[position].descending else { return keys }
            for (i, part) in c.rest.enumerated() {
                let j = position + 1 + i
                guard j < columns.count, columns[j].column == part.column, !columns[j].descending,
                      (columns[j].collation ?? "BINARY").uppercasedASCII == part.collation else { break }
                keys.append(part.key)
            }
            return keys
        }
        for (position, ic) in columns.enumerated() {
            guard ic.column >= 0 || ic.column <= IndexedExpressions.firstID else { break }
            let coll = (ic.collation ?? "BINARY").uppercasedASCII
            if let id = constraints.indices.first(where: {
                constraints[$0].column == ic.column && constraints[$0].isEqual && constraints[$0].collation == coll
            }), case .equal(let key) = constraints[id].kind {
                scan.equal.append(key)
                ids.append(id)
                continue
            }
            for (id, c) in constraints.enumerated() where c.column == ic.column && c.collation == coll {
                switch c.kind {
                case .lower(let e, let inc) where scan.low == nil:
                    // `col IS NOT NULL` is the bound `> NULL`: it only skips NULL entries.
                    scan.low = c.skipsNulls ? RangeBound(expr: nil, inclusive: false)
                        : RangeBound(expr: e, inclusive: inc, rest: vectorRest(c, at: position))
                    ids.append(id); rangeCount += 1
                case .upper(let e, let inc) where scan.high == nil:
                    scan.high = RangeBound(expr: e, inclusive: inc, rest: vectorRest(c, at: position))
                    ids.append(id); rangeCount += 1
                default: break
                }
            }
            break
        }
        return (scan, ids, scan.equal.count, rangeCount)
    }

    static func isCovering(_ index: Index, _ needed: Set<Int>) -> Bool {
        // (A linear search of the few key columns: a set of them was built and hashed per
        // index and statement.)
        needed.allSatisfy { n in n < 0 || index.columns.contains { $0.column == n } }
    }

    /// "b=? AND c>?" for EXPLAIN QUERY PLAN.
    static func describe(_ scan: IndexScan, table: Table) -> String {
        func name(_ i: Int) -> String {
            guard i < scan.columns.count else { return "?" }
            let c = scan.columns[i].column
            if c <= IndexedExpressions.firstID { return "<expr>" }
            return c >= 0 && c < table.columns.count ? table.columns[c].name : "rowid"
        }
        var parts: [String] = []
        for i in 0..<scan.equal.count { parts.append("\(name(i))=?") }
        let n = scan.equal.count
        /// `b>?`, or `(b,c)>(?,?)` for a row-value bound.
        func range(_ bound: RangeBound, _ op: String) -> String {
            if bound.rest.isEmpty { return "\(name(n))\(op)?" }
            let names = (n...(n + bound.rest.count)).map(name).joined(separator: ",")
            let marks = Array(repeating: "?", count: bound.rest.count + 1).joined(separator: ",")
            return "(\(names))\(op)(\(marks))"
        }
        if let low = scan.low { parts.append(range(low, ">")) }
        if let high = scan.high { parts.append(range(high, "<")) }
        return parts.joined(separator: " AND ")
    }

    /// ORDER BY on the rowid alone: nil when it is not; else whether it is descending.
    static func rowidOrder(_ orderBy: [OrderTerm], cursor: Int) -> Bool? {
        guard orderBy.count == 1, let t = orderBy.first,
              case .column(let col, _, _, _) = t.expr, col.cursor == cursor, col.column < 0,
              t.nullsFirst == nil || t.nullsFirst == !t.descending else { return nil }
        return t.descending
    }

    /// Whether walking `scan` (forward or, setting `reverse`, backward) gives `orderBy`:
    /// each term names, in order, the next index column after the equality prefix (terms
    /// on single-valued equality columns may appear anywhere), then possibly the rowid.
    static func orderSatisfiedByIndex(_ scan: inout IndexScan, orderBy: [OrderTerm], cursor: Int) -> Bool {
        guard !orderBy.isEmpty else { return false }
        guard !scan.equal.contains(where: { $0.isMulti }) else { return false }
        let fixed = Set(scan.columns.prefix(scan.equal.count).map(\.column))
        var position = scan.equal.count
        var direction: Bool? = nil
        for t in orderBy {
            var e = t.expr
            var explicit: String? = nil
            if case .collate(let inner, let name) = e { e = inner; explicit = name }
            if position < scan.columns.count, scan.columns[position].column <= IndexedExpressions.firstID,
               let x = scan.expressions[scan.columns[position].column], x.sameAs(e) {
                // An indexed expression.
                let ic = scan.columns[position]
                guard t.nullsFirst == nil || t.nullsFirst == !t.descending else { return false }
                let want = (explicit ?? e.columnCollation ?? "BINARY").uppercasedASCII
                guard want == (ic.collation ?? "BINARY").uppercasedASCII else { return false }
                let desc = t.descending != ic.descending
                if let d = direction, d != desc { return false }
                direction = desc
                position += 1
                continue
            }
            guard case .column(let col, _, let ownCollation, _) = e, col.cursor == cursor else { return false }
            guard t.nullsFirst == nil || t.nullsFirst == !t.descending else { return false }
            if col.column >= 0 && fixed.contains(col.column) { continue }
            let desc: Bool
            if position < scan.columns.count {
                let ic = scan.columns[position]
                guard ic.column == col.column, ic.column >= 0 else { return false }
                let want = (explicit ?? ownCollation ?? "BINARY").uppercasedASCII
                guard want == (ic.collation ?? "BINARY").uppercasedASCII else { return false }
                desc = t.descending != ic.descending
            } else if position == scan.columns.count, col.column < 0 {
                desc = t.descending
            } else {
                return false
            }
            if let d = direction, d != desc { return false }
            direction = desc
            position += 1
        }
        scan.reverse = direction ?? false
        return true
    }

    // MARK: Constraints

    /// The constraints `terms` put on `source`'s columns that a lookup at `level` can use:
    /// `col = key`, `col IN (...)`, `col = a OR col = b`, `col > key` …, BETWEEN, where the
    /// key reads only earlier levels and the comparison orders like the stored values.
    static func collectConstraints(for source: SourceItem, terms: [RExpr], levelOfCursor: CursorLevels,
                                   level: Int, expressions: IndexedExpressions = IndexedExpressions()) -> [Constraint] {
        let cursor = source.cursor
        let table = source.table
        var out: [Constraint] = []
        func usable(_ key: RExpr, rowid: Bool = false) -> Bool {
            var laterLevel = false
            key.forEachCursor { if (levelOfCursor[$0] ?? -1) >= level { laterLevel = true } }
            if laterLevel { return false }
            if !rowid, case .subquery = key { return false }
            return true
        }
        func ownColumn(_ e: RExpr) -> Int? {
            guard case .column(let col, _, _, _) = e, col.cursor == cursor else {
                return expressions.list.isEmpty ? nil : expressions.id(of: e)
            }
            if col.column < 0 { return -1 }
            return col.column < table.columns.count ? col.column : nil
        }
        func collation(_ a: RExpr, _ b: RExpr) -> String { comparisonCollation(a, b) }
        func fits(_ column: Int, _ colSide: RExpr, _ keySide: RExpr) -> Bool {
            comparisonFits(column, colSide, keySide, table: table)
        }
        func columnAffinity(_ column: Int, _ colSide: RExpr) -> Affinity {
            storedAffinity(column, colSide, table: table)
        }
        /// A row-value range's column side `cols` against `keys`: its first table column, and
        /// the further (column, key) pairs as long as they are columns of this table.
        func vectorParts(_ cols: [RExpr], _ keys: [RExpr])
            -> (first: Int, collation: String, parts: [(column: Int, key: RExpr, collation: String)])? {
            guard cols.count == keys.count, cols.count > 1, let c0 = ownColumn(cols[0]), c0 >= 0,
                  usable(keys[0]), fits(c0, cols[0], keys[0]) else { return nil }
            var parts: [(column: Int, key: RExpr, collation: String)] = []
            for i in 1..<cols.count {
                guard let c = ownColumn(cols[i]), c >= 0, usable(keys[i]), fits(c, cols[i], keys[i]) else { break }
                parts.append((c, keys[i], collation(cols[i], keys[i])))
            }
            return (c0, collation(cols[0], keys[0]), parts)
        }
        for (k, term) in terms.enumerated() {
            switch term {
            case .like(let x, let pattern, let escape, let glob, negated: false):
                // The LIKE optimization: a literal pattern's prefix bounds the column (the
                // term itself stays tested). GLOB compares with BINARY; LIKE ignores ASCII
                // case, so it needs a NOCASE index.
                guard case .text(let p) = pattern, let column = ownColumn(x), column != -1 else { continue }
                var esc: Character? = nil
                if let escape {
                    guard case .text(let e) = escape, e.count == 1, let ch = e.first else { continue }
                    esc = ch
                }
                let aff = columnAffinity(column, x)
                if aff != .text, let first = p.unicodeScalars.first,
                   "0123456789-+. \t\n\r".unicodeScalars.contains(first) { continue }
                guard let range = likePrefixRange(p, glob: glob, escape: esc) else { continue }
                let coll = glob ? "BINARY" : "NOCASE"
                out.append(Constraint(term: k, column: column, kind: .lower(.text(range.low), true), collation: coll,
                                      keepsTerm: true))
                out.append(Constraint(term: k, column: column, kind: .upper(.text(range.high), false), collation: coll,
                                      keepsTerm: true))
            case .compare(let op, let a, let b) where op == .eq || op == .lt || op == .le || op == .gt || op == .ge:
                // (Two passes, not an array of operand tuples: one allocation per term.)
                for swapped in [false, true] {
                    let colSide = swapped ? b : a, keySide = swapped ? a : b
                    guard let column = ownColumn(colSide), usable(keySide, rowid: column < 0 && op == .eq),
                          fits(column, colSide, keySide) else { continue }
                    let o = swapped ? op.swapped : op
                    let kind: Constraint.Kind
                    switch o {
                    case .eq: kind = .equal(.value(keySide))
                    case .gt: kind = .lower(keySide, false)
                    case .ge: kind = .lower(keySide, true)
                    case .lt: kind = .upper(keySide, false)
                    default: kind = .upper(keySide, true)
                    }
                    out.append(Constraint(term: k, column: column, kind: kind, collation: collation(colSide, keySide)))
                    break
                }
            case .row(.compare(let op, .list(let l), .list(let r))) where op == .lt || op == .le || op == .gt || op == .ge:
                // `(a, b) > (x, y)`: a range from `a`'s index position on, sqlite3's vector
                // seek (inclusive ends; the term stays tested).
                for swapped in [false, true] {
                    let cols = swapped ? r : l, keys = swapped ? l : r
                    guard let rest = vectorParts(cols, keys) else { continue }
                    let o = swapped ? op.swapped : op
                    let kind: Constraint.Kind = o == .gt || o == .ge ? .lower(keys[0], true) : .upper(keys[0], true)
                    out.append(Constraint(term: k, column: rest.first, kind: kind, collation: rest.collation,
                                          keepsTerm: true, rest: rest.parts))
                    break
                }
            case .row(.between(.list(let x), .list(let lo), .list(let hi), negated: false)):
                guard let a = vectorParts(x, lo), let b = vectorParts(x, hi) else { continue }
                out.append(Constraint(term: k, column: a.first, kind: .lower(lo[0], true), collation: a.collation,
                                      keepsTerm: true, rest: a.parts))
                out.append(Constraint(term: k, column: b.first, kind: .upper(hi[0], true), collation: b.collation,
                                      keepsTerm: true, rest: b.parts))
            case .isNull(let x, let negated):
                // `col IS NULL` seeks the NULL entries; `col IS NOT NULL` skips them (a range
                // that does not narrow the estimate).
                guard let column = ownColumn(x), column != -1 else { continue }
                let coll = x.columnCollation?.uppercasedASCII ?? "BINARY"
                out.append(Constraint(term: k, column: column, kind: negated ? .lower(.null, false) : .equal(.null),
                                      collation: coll, skipsNulls: negated))
            case .between(let x, let lo, let hi, negated: false):
                guard let column = ownColumn(x), usable(lo), usable(hi), fits(column, x, lo), fits(column, x, hi),
                      collation(x, lo) == collation(x, hi) else { continue }
                out.append(Constraint(term: k, column: column, kind: .lower(lo, true), collation: collation(x, lo)))
                out.append(Constraint(term: k, column: column, kind: .upper(hi, true), collation: collation(x, hi)))
            case .inList(let x, let list, negated: false):
                // An IN list compares with the left operand's affinity and collation alone.
                guard !list.isEmpty, let column = ownColumn(x), list.allSatisfy({ usable($0) }),
                      list.allSatisfy({ $0.explicitCollation == nil }) else { continue }
                let coll = x.columnCollation?.uppercasedASCII ?? "BINARY"
                out.append(Constraint(term: k, column: column, kind: .equal(.list(list)), collation: coll))
            case .inSelect(let x, let sub, negated: false):
                guard let column = ownColumn(x), sub.outerCursors.isEmpty, sub.resultColumns.count == 1,
                      let r = sub.lastCore.resultColumns.first, fits(column, x, r) else { continue }
                out.append(Constraint(term: k, column: column, kind: .equal(.select(sub)), collation: collation(x, r)))
            case .binary(.or, _, _):
                // col = a OR col = b …: an IN list over the same column.
                var column: Int? = nil
                var coll: String? = nil
                var keys: [RExpr] = []
                var ok = true
                for d in disjuncts(term) {
                    guard case .compare(.eq, let a, let b) = d else { ok = false; break }
                    var matched = false
                    for swapped in [false, true] {
                        let colSide = swapped ? b : a, keySide = swapped ? a : b
                        guard let c = ownColumn(colSide), column == nil || column == c, usable(keySide),
                              fits(c, colSide, keySide) else { continue }
                        let cl = collation(colSide, keySide)
                        guard coll == nil || coll == cl else { continue }
                        column = c; coll = cl; keys.append(keySide); matched = true
                        break
                    }
                    if !matched { ok = false; break }
                }
                if ok, let column, let coll, keys.count > 1 {
                    out.append(Constraint(term: k, column: column, kind: .equal(.list(keys)), collation: coll))
                }
            default:
                continue
            }
        }
        return out
    }

    /// The collation a comparison of `a` with `b` uses (uppercased, BINARY when none).
    static func comparisonCollation(_ a: RExpr, _ b: RExpr) -> String {
        // (No collation named: "BINARY" as is, without scanning it for lower case.)
        guard let name = a.explicitCollation ?? b.explicitCollation ?? a.columnCollation ?? b.columnCollation
        else { return "BINARY" }
        return name.uppercasedASCII
    }

    /// Does comparing column `column` of `table` (`colSide`) with `keySide` order like the
    /// stored (affinity-converted) values?
    static func comparisonFits(_ column: Int, _ colSide: RExpr, _ keySide: RExpr, table: Table) -> Bool {
        if column == -1 { return true }
        let cmp = comparisonAffinity(colSide, keySide)
        switch storedAffinity(column, colSide, table: table) {
        case .blob: return cmp == nil
        case .text: return cmp == .text || (cmp == nil && keySide.affinity == .text)
        default: return cmp?.isNumericClass == true
        }
    }

    /// The affinity of the stored values: the column's, or the indexed expression's.
    static func storedAffinity(_ column: Int, _ colSide: RExpr, table: Table) -> Affinity {
        if column >= 0 { return table.columns[column].affinity }
        return column == -1 ? .integer : colSide.affinity ?? .blob
    }

    // MARK: Join order

    /// The join order for inner joins: from each possible outermost table, a greedy order
    /// (repeatedly the table with the fewest estimated rows given those placed, ties in FROM
    /// order); the order with the least estimated work wins. Estimates without statistics:
    /// a rowid lookup 1 row, an index lookup 10, an automatic index 10 (plus 1000 to build
    /// it), a scan 1000; each further usable term multiplies by 1/4. Work is the sum over
    /// levels of the rows produced so far.
    static func joinOrder(_ sources: [SourceItem], terms: [RExpr], schema: Schema?) -> [SourceItem] {
        // (The resolver allows at most 64 FROM items per SELECT, as SQLite does: the search's
        // bit masks hold them all. A longer list could only come from a caller that skipped
        // the resolver, and keeps its order.)
        JoinOrderSearch(sources, terms: terms, schema: schema)?.order() ?? sources
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

/// A small map keyed by cursor number. A statement opens few cursors: the first entry is
/// stored inline and the rest in a short list searched linearly (a dictionary built per
/// statement was an allocation and a hash per lookup: ~1.2k instructions of a point query's
/// planning, and a hash per column read in codegen). Invariant: `first` is nil only when
/// `more` is empty.
struct CursorMap<Value>: ExpressibleByDictionaryLiteral {
    struct Entry { var cursor: Int; var value: Value }
    private var first: Entry? = nil
    private var more: [Entry] = []

    init() {}
    init(dictionaryLiteral elements: (Int, Value)...) {
        for (c, v) in elements { self[c] = v }
    }

    /// The value recorded for `cursor`; assigning nil forgets it.
    subscript(cursor: Int) -> Value? {
        get {
            if let first, first.cursor == cursor { return first.value }
            for e in more where e.cursor == cursor { return e.value }
            return nil
        }
        set {
            if let f = first, f.cursor == cursor {
                if let newValue { first = Entry(cursor: cursor, value: newValue) }
                else { first = more.isEmpty ? nil : more.removeFirst() }
                return
            }
            if let i = more.firstIndex(where: { $0.cursor == cursor }) {
                if let newValue { more[i].value = newValue } else { more.remove(at: i) }
                return
            }
            guard let newValue else { return }
            if first == nil { first = Entry(cursor: cursor, value: newValue) }
            else { more.append(Entry(cursor: cursor, value: newValue)) }
        }
    }

    /// Every (cursor, value) entry.
    var entries: [Entry] { (first.map { [$0] } ?? []) + more }

    var isEmpty: Bool { first == nil }

    /// Calls `body` with each entry (no array of them built).
    func forEach(_ body: (Entry) throws -> Void) rethrows {
        guard let first else { return }
        try body(first)
        for e in more { try body(e) }
    }
}

/// The loop level of each cursor of a plan (cursor → level).
typealias CursorLevels = CursorMap<Int>
