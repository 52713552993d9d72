// This file implements the planner's direct path for the commonest statement shape: one
// stored table filtered by one equality, on the rowid (a rowid lookup) or on the single
// PRIMARY KEY column of a WITHOUT ROWID table without secondary indexes (a PRIMARY KEY
// lookup). It gives exactly the plan `WherePlanner.plan` would, without its candidate lists,
// constraint arrays and cost search (about 7k instructions of a point SELECT's planning).
// Layer: L5. Spec: Spec/L5-sql.md §Planner.
import LoomBase
import LoomRecord

extension WherePlanner {
    /// The plan of `sources` filtered by `whereClause` when it is a point lookup this path
    /// knows; nil sends the statement through the general planner.
    static func pointPlan(_ sources: [SourceItem], whereClause: RExpr?, schema: Schema?,
                          hints: borrowing PlanHints) -> WherePlan? {
        guard sources.count == 1, let whereClause, case .compare(.eq, let a, let b) = whereClause else { return nil }
        let source = sources[0]
        guard source.isStoredTable, source.virtualTable == nil, source.on == nil,
              source.join == .inner || source.join == .cross,
              schema?.reverseUnorderedSelects != true else { return nil }
        let cursor = source.cursor
        let table = source.table
        /// The key side of the equality reads no column of this table (it runs before the loop).
        func readsNothingHere(_ e: RExpr) -> Bool {
            var reads = false
            e.forEachCursor { if $0 == cursor { reads = true } }
            return !reads
        }
        if table.hasRowid {
            // `rowid = key` (either way round, the column side first as the general path
            // tries it). An expression index could claim the left operand first: only
            // tables whose indexes are all plain.
            let key: RExpr
            if case .column(let col, _, _, _) = a, col.cursor == cursor, col.column < 0, readsNothingHere(b) {
                key = b
            } else if case .column(let col, _, _, _) = b, col.cursor == cursor, col.column < 0, readsNothingHere(a) {
                key = a
            } else {
                return nil
            }
            if let indexes = schema?.indexes(on: table), !indexes.isEmpty, !indexes.allSatisfy(\.isPlain) { return nil }
            let orderBy = hints.orderBy
            let ordered = !orderBy.isEmpty && orderBy.allSatisfy { t in
                if case .column(let col, _, _, _) = t.expr, col.cursor == cursor { return true }
                return false
            }
            var level = LoopLevel(source: source, access: .rowidEquals(.value(key)))
            level.constraintText = "rowid=?"
            if ordered && hints.minMax { level.isMinMax = true }
            return WherePlan(levels: [level], constantTerms: [], orderSatisfied: orderBy.isEmpty || ordered)
        }
        guard table.isWithoutRowid, source.indexHint == nil, hints.orderBy.isEmpty else { return nil }
        // Only the table's own B-tree: no other index to weigh against it.
        if let indexes = schema?.indexes(on: table), !indexes.isEmpty { return nil }
        let layout = table.withoutRowidLayout
        guard let first = layout.recordColumns.first, first.column >= 0 else { return nil }
        /// Whether `colSide = keySide` gives the general path a constraint: a column of this
        /// table compared with a key read before the loop that orders like the stored values.
        func givesConstraint(_ colSide: RExpr, _ keySide: RExpr) -> Int? {
            guard case .column(let col, _, _, _) = colSide, col.cursor == cursor, col.column >= 0,
                  col.column < table.columns.count, readsNothingHere(keySide), !keySide.isSubquery,
                  comparisonFits(col.column, colSide, keySide, table: table) else { return nil }
            return col.column
        }
        // The left operand first, as the general path tries it; the constraint must be on the
        // first PRIMARY KEY column, with the collation it is stored in.
        var colSide = a, key = b
        var column = givesConstraint(a, b)
        if column == nil {
            column = givesConstraint(b, a)
            colSide = b; key = a
        }
        guard column == first.column,
              comparisonCollation(colSide, key) == (first.collation ?? "BINARY").uppercasedASCII else { return nil }
        var scan = IndexScan(index: layout.primaryIndex, columns: layout.recordColumns)
        scan.equal = [.value(key)]
        if let needed = hints.neededColumns?[cursor] {
            scan.covering = layout.holdsEveryColumn || isCovering(layout.primaryIndex, needed)
        }
        let tableRows = estimatedTableRows(table, schema: schema)
        let cost = lookupCost(scan, index: layout.primaryIndex, ranges: 0, tableRows: tableRows, schema: schema)
        // A lookup dearer than a full scan (by sqlite_stat1's numbers): the general path.
        guard cost <= 3 * tableRows else { return nil }
        let text = hints.describesAccess ? describe(scan, table: table) : ""
        var level = LoopLevel(source: source, access: .index(scan))
        level.constraintText = text
        return WherePlan(levels: [level], constantTerms: [], orderSatisfied: true)
    }

}

extension RExpr {
    /// A scalar subquery `(SELECT …)`.
    var isSubquery: Bool { if case .subquery = self { return true }; return false }
}
