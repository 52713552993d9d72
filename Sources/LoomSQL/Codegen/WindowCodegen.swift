// This file implements codegen for SELECTs with window functions: the query's rows (after
// WHERE, GROUP BY and HAVING) are buffered with WindowAppend, WindowCompute evaluates every
// window function, and WindowNext feeds the rows back to the result columns and ORDER BY.
// Layer: L5. Spec: Spec/L5-sql.md §Window functions.
import LoomBase
import LoomRecord
import LoomVDBE

extension Codegen {
    /// Codes a select core that has window calls; rows go to `sink` in SQLite's order.
    func codeWindowCore(_ s: ResolvedSelect, sink: @escaping RowSink, breakLabel: Label) throws {
        // Values the output needs from the underlying rows: columns of this query's sources
        // (also inside correlated subqueries), and every aggregate.
        let mine = Set(s.sources.map(\.cursor))
        var bare: [RColumn] = []
        var seen = Set<RColumn>()
        func visit(_ e: RExpr) {
            e.forEachColumn { col in
                if mine.contains(col.cursor), !seen.contains(col) { seen.insert(col); bare.append(col) }
            }
        }
        s.resultColumns.forEach(visit)
        s.orderBy.forEach { visit($0.expr) }
        // The inner select: same FROM/WHERE/GROUP BY/HAVING; its result row is
        // [bare columns, aggregates, per call: arguments, filter, partition keys, order keys].
        let inner = ResolvedSelect()
        inner.sources = s.sources
        inner.whereClause = s.whereClause
        inner.groupBy = s.groupBy
        inner.having = s.having
        inner.aggregates = s.aggregates
        inner.isAggregate = s.isAggregate
        inner.outerCursors = s.outerCursors
        for col in bare { inner.resultColumns.append(columnExpr(col, in: s)) }
        let aggregateBase = inner.resultColumns.count
        for i in s.aggregates.indices { inner.resultColumns.append(.aggregate(i)) }
        // Processing order (WindowCompute runs the array from last to first), SQLite's as found
        // by experiment: calls over the same window form one layer where the first of them is;
        // a call over the first call's window that the outer ORDER BY names (by number, alias
        // or the same text) is taken out of that layer and evaluated first.
        let firstKey = s.windowCalls.first?.windowKey
        var moved = Set<Int>()
        for term in s.orderBy {
            let e = term.resultColumn.flatMap { $0 < s.resultColumns.count ? s.resultColumns[$0] : nil } ?? term.expr
            e.forEachColumn { col in
                if col.cursor == s.windowCursor, col.column >= 0, col.column < s.windowCalls.count,
                   s.windowCalls[col.column].windowKey == firstKey {
                    moved.insert(col.column)
                }
            }
        }
        if s.windowCalls.count < 2 { moved = [] }
        var groups: [(key: String, calls: [Int])] = []
        for k in s.windowCalls.indices {
            let key = s.windowCalls[k].windowKey
            if let g = groups.firstIndex(where: { $0.key == key }) { groups[g].calls.append(k) }
            else { groups.append((key, [k])) }
        }
        let sequence = groups.flatMap(\.calls).filter { !moved.contains($0) } + moved.sorted()
        var functions: [WindowProgram.Function] = []
        var offsetExprs: [(RExpr, Int)] = []
        for call in sequence.map({ s.windowCalls[$0] }) {
            func add(_ e: RExpr) -> Int {
                inner.resultColumns.append(e)
                return inner.resultColumns.count - 1
            }
            let args = call.arguments.map(add)
            let filter = call.filter.map(add)
            var partition: [WindowProgram.Key] = []
            for e in call.partition {
                let coll = try collation(named: e.explicitCollation ?? e.columnCollation) ?? .binary
                partition.append(WindowProgram.Key(column: add(e), collation: coll, descending: false, nullsFirst: true))
            }
            var order: [WindowProgram.Key] = []
            for t in call.order {
                let coll = try collation(named: t.expr.explicitCollation ?? t.expr.columnCollation) ?? .binary
                order.append(WindowProgram.Key(column: add(t.expr), collation: coll, descending: t.descending,
                                               nullsFirst: t.nullsFirst ?? !t.descending))
            }
            func bound(_ b: RFrameBound) -> WindowProgram.Bound {
                switch b {
                case .unboundedPreceding: return .unboundedPreceding
                case .preceding(let e):
                    let r = self.b.allocateRegister(); offsetExprs.append((e, r)); return .preceding(r)
                case .currentRow: return .currentRow
                case .following(let e):
                    let r = self.b.allocateRegister(); offsetExprs.append((e, r)); return .following(r)
                case .unboundedFollowing: return .unboundedFollowing
                }
            }
            let window = WindowProgram.Window(partition: partition, order: order, unit: call.unit,
                                              start: bound(call.start), end: bound(call.end), exclude: call.exclude,
                                              recomputes: call.excludeWritten)
            let coll = try collation(named: call.argumentCollation) ?? .binary
            functions.append(WindowProgram.Function(kind: call.kind, arguments: args, filter: filter,
                                                    window: window, collation: coll))
        }
        let width = inner.resultColumns.count
        let state = b.allocateRegister()
        b.emit(.windowOpen(state: state))
        try codeCore(inner, sink: { base, count in
            self.b.emit(.windowAppend(state: state, start: base, count: count))
        }, breakLabel: breakLabel)
        for (e, r) in offsetExprs { try code(e, into: r) }
        b.emit(.windowCompute(state: state, program: WindowProgram(functions: functions)))
        // Read the rows back in window order.
        let out = b.allocateRegisters(width + functions.count)
        let done = b.makeLabel()
        let top = b.currentAddress
        b.emit(jumpTo: done) { .windowNext(state: state, dest: out, target: $0) }
        let savedOverrides = columnOverrides, savedAggs = aggregateRegisters
        defer { columnOverrides = savedOverrides; aggregateRegisters = savedAggs }
        for (i, col) in bare.enumerated() { columnOverrides[col] = out + i }
        aggregateRegisters = s.aggregates.indices.map { out + aggregateBase + $0 }
        if s.aggregateCursor >= 0 {
            for i in s.aggregates.indices { columnOverrides[RColumn(cursor: s.aggregateCursor, column: i)] = out + aggregateBase + i }
        }
        for (position, k) in sequence.enumerated() {
            columnOverrides[RColumn(cursor: s.windowCursor, column: k)] = out + width + position
        }
        let base = b.allocateRegisters(s.resultColumns.count)
        for (i, e) in s.resultColumns.enumerated() { try code(e, into: base + i) }
        try sink(base, s.resultColumns.count)
        b.emit(.goto(target: top))
        b.place(done)
    }

    /// A column of `s`'s sources with its declared affinity and collation.
    private func columnExpr(_ col: RColumn, in s: ResolvedSelect) -> RExpr {
        if let source = s.sources.first(where: { $0.cursor == col.cursor }) {
            if col.column < 0 { return .column(col, affinity: .integer, collation: nil, notNull: true) }
            if col.column < source.table.columns.count {
                let c = source.table.columns[col.column]
                return .column(col, affinity: c.affinity, collation: c.collation, notNull: c.notNull)
            }
        }
        return .column(col, affinity: .blob, collation: nil, notNull: false)
    }
}
