// This file implements SELECT codegen: nested loops over the FROM items, WHERE tests,
// DISTINCT, aggregates with and without GROUP BY, ORDER BY through a sorter, LIMIT/OFFSET and
// compound selects. Rows go to a caller-supplied sink. Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomRecord
import LoomVDBE

/// Receives one result row: registers `base ..< base + count`.
typealias RowSink = (_ base: Int, _ count: Int) throws -> Void

/// The ORDER BY / LIMIT / OFFSET stage rows pass through before the sink.
final class OutputStage {
    let g: Codegen
    let columnCount: Int
    let end: Label
    let onRow: RowSink
    var limitRegister: Int? = nil
    var offsetRegister: Int? = nil
    var orderBy: [OrderTerm] = []
    /// Result column of each ORDER BY term, when it is one (compound selects: always).
    var orderColumns: [Int?] = []
    var sorterCursor = -1, pseudoCursor = -1, sorterData = 0
    var keyCount = 0
    /// ORDER BY with LIMIT: the rows go to an ephemeral index that keeps only the first
    /// LIMIT+OFFSET of them (`room` counts the free places; negative = no limit), as
    /// SQLite's sorter-with-limit does; nil when a sorter takes every row.
    var topRoom: Int? = nil

    init(g: Codegen, columnCount: Int, end: Label, onRow: @escaping RowSink) {
        self.g = g
        self.columnCount = columnCount
        self.end = end
        self.onRow = onRow
    }

    /// Codes LIMIT/OFFSET and opens the sorter; call before the loops.
    func prepare(limit: RExpr?, offset: RExpr?, orderBy: [OrderTerm], orderColumns: [Int?]) throws {
        let b = g.b
        if let limit {
            let r = b.allocateRegister()
            try g.code(limit, into: r)
            b.emit(.mustBeInt(register: r))
            limitRegister = r
            b.emit(jumpTo: end) { .ifNot(register: r, target: $0) }
            if let offset {
                let o = b.allocateRegister()
                try g.code(offset, into: o)
                b.emit(.mustBeInt(register: o))
                offsetRegister = o
            }
        }
        self.orderBy = orderBy
        self.orderColumns = orderColumns
        if !orderBy.isEmpty {
            var collations: [Collation] = []
            var descending: [Bool] = []
            for term in orderBy {
                // NULLS LAST ascending / NULLS FIRST descending: an extra "is null" key first.
                if let nf = term.nullsFirst, nf == term.descending {
                    collations.append(.binary)
                    descending.append(term.descending)
                }
                collations.append(try g.collation(named: term.expr.explicitCollation ?? term.expr.columnCollation) ?? .binary)
                descending.append(term.descending)
            }
            // A sequence number follows the keys (SQLite's record layout); it is not compared:
            // the sorter is stable, so equal keys keep insertion order anyway.
            let sortKeyInfo = KeyInfo(collations: collations, descending: descending)
            keyCount = collations.count + 1
            sorterCursor = b.allocateCursor()
            if let limit = limitRegister {
                // The sequence number is compared too: entries stay distinct and ties keep
                // scan order.
                let room = b.allocateRegister()
                let offset = offsetRegister ?? b.allocateRegister()
                if offsetRegister == nil { b.emit(.integer(value: 0, dest: offset)) }
                b.emit(.offsetLimit(limit: limit, dest: room, offset: offset))
                topRoom = room
                b.emit(.openEphemeral(cursor: sorterCursor, columnCount: keyCount + columnCount,
                                      keyInfo: KeyInfo(collations: collations + [.binary],
                                                       descending: descending + [false])))
                return
            }
            pseudoCursor = b.allocateCursor()
            sorterData = b.allocateRegister()
            b.emit(.sorterOpen(cursor: sorterCursor, columnCount: keyCount + columnCount,
                               keyInfo: sortKeyInfo))
            b.emit(.openPseudo(cursor: pseudoCursor, content: sorterData, columnCount: keyCount + columnCount))
        }
    }

    /// Passes one row (in `base ..< base+columnCount`, cursors still positioned) on.
    func emit(_ base: Int) throws {
        let b = g.b
        if orderBy.isEmpty {
            try emitLimited(base)
            return
        }
        let keys = try codeKeys(base)
        let k = keys + keyCount
        if columnCount > 0 { b.emit(.copy(source: base, dest: k, count: columnCount)) }
        let record = b.allocateRegister()
        b.emit(.makeRecord(start: keys, count: keyCount + columnCount, dest: record))
        guard let room = topRoom else {
            b.emit(.sorterInsert(cursor: sorterCursor, record: record))
            return
        }
        // Room left (or no limit): insert. Full: the new row replaces the last entry when it
        // sorts before it (on the keys; an equal one came later in scan order).
        let insert = b.makeLabel(), skip = b.makeLabel()
        emitTopCheck(room: room, keys: keys, insert: insert, skip: skip)
        b.place(insert)
        b.emit(.idxInsert(cursor: sorterCursor, record: record))
        b.place(skip)
    }

    /// ORDER BY with LIMIT (`topRoom` set), for a row whose result columns are not computed
    /// yet: `codeColumns(indices)` codes those result columns into `base + index`. The
    /// columns the sort keys read come first; the others only for a row that enters the top
    /// list (as SQLite, which compares the sort key before reading the rest of the row).
    func emitTop(_ base: Int, codeColumns: ([Int]) throws -> Void) throws {
        guard let room = topRoom else { preconditionFailure("emitTop without ORDER BY … LIMIT") }
        let b = g.b
        var keyColumns: [Int] = []
        for case let col? in orderColumns where !keyColumns.contains(col) { keyColumns.append(col) }
        try codeColumns(keyColumns)
        let keys = try codeKeys(base)
        let insert = b.makeLabel(), skip = b.makeLabel()
        emitTopCheck(room: room, keys: keys, insert: insert, skip: skip)
        b.place(insert)
        try codeColumns((0 ..< columnCount).filter { !keyColumns.contains($0) })
        if columnCount > 0 { b.emit(.copy(source: base, dest: keys + keyCount, count: columnCount)) }
        let record = b.allocateRegister()
        b.emit(.makeRecord(start: keys, count: keyCount + columnCount, dest: record))
        b.emit(.idxInsert(cursor: sorterCursor, record: record))
        b.place(skip)
    }

    /// Jumps to `insert` while the top list has room, else to `skip` unless the keys sort
    /// before its last entry, which is then deleted (falling through to `insert`).
    private func emitTopCheck(room: Int, keys: Int, insert: Label, skip: Label) {
        let b = g.b
        let sc = sorterCursor
        b.emit(jumpTo: insert) { .ifPos(register: room, target: $0, decrement: 1) }
        b.emit(jumpTo: insert) { .ifNotZero(register: room, target: $0) }
        b.emit(jumpTo: insert) { .last(cursor: sc, target: $0) }
        b.emit(jumpTo: skip) { .idxLE(cursor: sc, key: keys, count: self.keyCount - 1, target: $0) }
        b.emit(.delete(cursor: sorterCursor))
    }

    /// Allocates the sorter row's registers (keys, sequence, then `columnCount` for the
    /// columns) and codes the keys and the sequence number; returns the first register.
    private func codeKeys(_ base: Int) throws -> Int {
        let b = g.b
        let keys = b.allocateRegisters(keyCount + columnCount)
        var k = keys
        for (i, term) in orderBy.enumerated() {
            let value = b.allocateRegister()
            if let col = orderColumns[i] { b.emit(.sCopy(source: base + col, dest: value)) }
            else { try g.code(term.expr, into: value) }
            if let nf = term.nullsFirst, nf == term.descending {
                let done = g.b.makeLabel()
                b.emit(.integer(value: 1, dest: k))
                b.emit(jumpTo: done) { .isNull(register: value, target: $0) }
                b.emit(.integer(value: 0, dest: k))
                g.b.place(done)
                k += 1
            }
            b.emit(.sCopy(source: value, dest: k))
            k += 1
        }
        b.emit(.sequence(cursor: sorterCursor, dest: k))
        return keys
    }

    private func emitLimited(_ base: Int) throws {
        let b = g.b
        let skip = b.makeLabel()
        if let o = offsetRegister {
            b.emit(jumpTo: skip) { .ifPos(register: o, target: $0, decrement: 1) }
        }
        try onRow(base, columnCount)
        if let l = limitRegister {
            b.emit(jumpTo: end) { .decrJumpZero(register: l, target: $0) }
        }
        b.place(skip)
    }

    /// Reads the sorter back in order; call after the loops.
    func finish() throws {
        guard !orderBy.isEmpty else { return }
        g.c.planNode("USE TEMP B-TREE FOR ORDER BY")
        let b = g.b
        let done = b.makeLabel()
        let sc = sorterCursor
        if topRoom != nil {
            b.emit(jumpTo: done) { .rewind(cursor: sc, target: $0) }
            let top = b.currentAddress
            let base = b.allocateRegisters(columnCount)
            for i in 0..<columnCount {
                b.emit(.column(cursor: sorterCursor, column: keyCount + i, dest: base + i))
            }
            try emitLimited(base)
            b.emit(.next(cursor: sorterCursor, target: top))
            b.place(done)
            return
        }
        b.emit(jumpTo: done) { .sorterSort(cursor: sc, target: $0) }
        let top = b.currentAddress
        b.emit(.sorterData(cursor: sorterCursor, dest: sorterData, pseudoCursor: pseudoCursor))
        let base = b.allocateRegisters(columnCount)
        for i in 0..<columnCount {
            b.emit(.column(cursor: pseudoCursor, column: keyCount + i, dest: base + i))
        }
        try emitLimited(base)
        b.emit(.sorterNext(cursor: sorterCursor, target: top))
        b.place(done)
    }
}

extension Codegen {
    /// Codes `s`; each result row is handed to `onRow` (inside the generated loop).
    func codeSelect(_ s: ResolvedSelect, stopLabel: Label? = nil, onRow: @escaping RowSink) throws {
        let end = b.makeLabel()
        let width = s.resultColumns.count
        var orderBy = s.orderBy
        var plan: WherePlan? = nil
        var distinct = DistinctMode.tempTree
        if s.compound == nil && !s.isAggregate {
            // The loops may deliver the ORDER BY order themselves (an index or rowid order).
            var firstHints = planHints(for: s, orderBy: s.orderBy)
            if s.distinct { firstHints.virtualDistinct = 3 }
            // SQLite plans a DISTINCT's loops for the result order (not reversed by
            // reverse_unordered_selects) unless every row is distinct anyway.
            firstHints.feedsDistinct = s.distinct && s.orderBy.isEmpty && c.schema.reverseUnorderedSelects
                && !distinctIsUnique(s)
            var p = WherePlanner.plan(sources: s.sources, whereClause: s.whereClause, schema: c.schema,
                                      hints: firstHints)
            if s.distinct && s.windowCalls.isEmpty
                && !s.resultColumns.contains(where: { if case .collate = $0 { return true }; return false }) {
                // DISTINCT without a temp b-tree (Spec/L5-sql.md P15): rows unique by the rowid,
                // or coming grouped by the result columns (an index order).
                if distinctIsUnique(s) {
                    distinct = .unique
                } else if !s.orderBy.isEmpty {
                    if p.orderSatisfied && orderGroupsResult(s) { distinct = .ordered }
                } else {
                    let terms = s.resultColumns.map { OrderTerm(expr: $0, descending: false, nullsFirst: nil) }
                    var distinctHints = planHints(for: s, orderBy: terms)
                    distinctHints.virtualDistinct = 2
                    let d = WherePlanner.plan(sources: s.sources, whereClause: s.whereClause, schema: c.schema,
                                              hints: distinctHints)
                    if d.orderSatisfied { p = d; distinct = .ordered }
                }
            }
            if p.orderSatisfied { orderBy = [] }
            plan = p
        }
        if s.compound == nil && orderBy.isEmpty && s.limit == nil && s.offset == nil {
            // No sorter, LIMIT or OFFSET (a point query): the output stage would only pass
            // each row on, so the rows go straight to `onRow` (no stage object per statement).
            try codeCore(s, plan: plan, sink: onRow, breakLabel: end, distinct: distinct, top: nil)
            b.place(end)
            return
        }
        let output = OutputStage(g: self, columnCount: width, end: end, onRow: onRow)
        let orderColumns: [Int?] = orderBy.map { $0.resultColumn }
        try output.prepare(limit: s.limit, offset: s.offset, orderBy: orderBy, orderColumns: orderColumns)
        if s.compound == nil {
            try codeCore(s, plan: plan, sink: { base, _ in try output.emit(base) }, breakLabel: end, distinct: distinct,
                         top: output)
        } else {
            try codeCompound(s, output: output, end: end)
        }
        try output.finish()
        b.place(end)
    }

    // MARK: One core

    /// Codes one SELECT core (no compound, ORDER BY or LIMIT of its own): rows go to `sink`.
    func codeCore(_ s: ResolvedSelect, plan givenPlan: WherePlan? = nil, sink: @escaping RowSink,
                  breakLabel: Label, distinct: DistinctMode = .tempTree, top: OutputStage? = nil) throws {
        var sink = sink
        if s.sources.isEmpty { c.planNode("SCAN CONSTANT ROW") }
        if s.distinct && distinct == .ordered {
            // Equal rows come one after another: compare each with the previous one.
            let n = s.resultColumns.count
            var collations: [Collation] = []
            for e in s.resultColumns { collations.append(try collation(named: e.explicitCollation ?? e.columnCollation) ?? .binary) }
            let keyInfo = KeyInfo(collations: collations, descending: Array(repeating: false, count: n))
            let previous = b.allocateRegisters(max(n, 1)), started = b.allocateRegister()
            b.emit(.integer(value: 0, dest: started))
            let inner = sink
            sink = { base, count in
                let fresh = self.b.makeLabel(), skip = self.b.makeLabel()
                self.b.emit(jumpTo: fresh) { .ifNot(register: started, target: $0) }
                self.b.emit(.compare(lhs: previous, rhs: base, count: n, keyInfo: keyInfo))
                let jumpAt = self.b.emit(.noop)
                self.b.place(fresh)
                self.b.emit(.copy(source: base, dest: previous, count: n))
                self.b.emit(.integer(value: 1, dest: started))
                try inner(base, count)
                self.b.place(skip)
                let freshAt = self.b.address(of: fresh) ?? 0
                let skipAt = self.b.address(of: skip) ?? 0
                self.b.replace(at: jumpAt, with: .jump(less: freshAt, equal: skipAt, greater: freshAt))
            }
        }
        if s.distinct && distinct == .tempTree {
            let cursor = b.allocateCursor()
            let n = s.resultColumns.count
            var collations: [Collation] = []
            for e in s.resultColumns { collations.append(try collation(named: e.explicitCollation ?? e.columnCollation) ?? .binary) }
            b.emit(.openEphemeral(cursor: cursor, columnCount: n,
                                  keyInfo: KeyInfo(collations: collations, descending: Array(repeating: false, count: n))))
            let inner = sink
            sink = { base, count in
                let skip = self.b.makeLabel()
                self.b.emit(jumpTo: skip) { .found(cursor: cursor, key: base, count: count, target: $0) }
                let rec = self.b.allocateRegister()
                self.b.emit(.makeRecord(start: base, count: count, dest: rec))
                self.b.emit(.idxInsert(cursor: cursor, record: rec))
                try inner(base, count)
                self.b.place(skip)
            }
        }
        if !s.windowCalls.isEmpty {
            try codeWindowCore(s, sink: sink, breakLabel: breakLabel)
            return
        }
        if s.isAggregate {
            if s.groupBy.isEmpty { try codeSimpleAggregate(s, sink: sink) }
            else { try codeGroupedAggregate(s, sink: sink) }
            return
        }
        let plan = givenPlan ?? WherePlanner.plan(sources: s.sources, whereClause: s.whereClause, schema: c.schema,
                                                  hints: planHints(for: s, orderBy: []))
        try codeLoops(plan) {
            let base = self.b.allocateRegisters(s.resultColumns.count)
            if let top, top.topRoom != nil, !s.distinct {
                // ORDER BY … LIMIT straight into the top list: the other result columns are
                // computed only for rows whose sort key gets in.
                try top.emitTop(base) { columns in
                    for i in columns { try self.code(s.resultColumns[i], into: base + i) }
                }
                return
            }
            for (i, e) in s.resultColumns.enumerated() { try self.code(e, into: base + i) }
            try sink(base, s.resultColumns.count)
        }
        if s.distinct && distinct == .tempTree { c.planNode("USE TEMP B-TREE FOR DISTINCT") }
    }

    /// How a SELECT DISTINCT drops repeated rows.
    enum DistinctMode { case tempTree, ordered, unique }

    /// One stored rowid table whose rowid is a result column: every row is distinct.
    func distinctIsUnique(_ s: ResolvedSelect) -> Bool {
        guard s.sources.count == 1, let source = s.sources.first, source.isStoredTable, source.virtualTable == nil,
              source.table.hasRowid else { return false }
        return s.resultColumns.contains { e in
            guard case .column(let col, _, _, _) = e, col.cursor == source.cursor else { return false }
            return col.column == -1 || col.column == source.table.rowidAlias
        }
    }

    /// The ORDER BY starts with exactly the result columns (in any order), so rows equal in
    /// them come one after another.
    func orderGroupsResult(_ s: ResolvedSelect) -> Bool {
        let n = s.resultColumns.count
        guard n > 0, s.orderBy.count >= n else { return false }
        let head = s.orderBy.prefix(n).map(\.expr)
        return s.resultColumns.allSatisfy { r in head.contains { $0.sameAs(r) } }
            && head.allSatisfy { h in s.resultColumns.contains { $0.sameAs(h) } }
    }

    /// What the planner may use for `s`: the columns it reads (for covering indexes) and the
    /// ORDER BY it would like the loops to produce.
    func planHints(for s: ResolvedSelect, orderBy: [OrderTerm]) -> PlanHints {
        var needed: [Int: Set<Int>] = [:]
        if s.sources.count == 1, let only = s.sources.first, only.isStoredTable, only.virtualTable == nil,
           only.table.hasRowid, c.schema.indexes(on: only.table).isEmpty {
            // One rowid table without indexes: no index could cover the query, so the
            // columns it reads are not collected (a walk of every expression per statement).
            return completedHints(PlanHints(neededColumns: nil, orderBy: orderBy), for: s)
        } else if s.sources.count == 1 {
            // One FROM item (the common case): one set, no map look-up per column read, sized
            // up front (growing a Set from empty re-hashed it at each doubling).
            let cursor = s.sources[0].cursor
            var columns = Set<Int>(minimumCapacity: 8)
            s.forEachColumn { col in if col.cursor == cursor { columns.insert(col.column) } }
            needed = [cursor: columns]
        } else {
            for source in s.sources { needed[source.cursor] = [] }
            s.forEachColumn { col in
                if needed[col.cursor] != nil { needed[col.cursor, default: []].insert(col.column) }
            }
        }
        return completedHints(PlanHints(neededColumns: needed, orderBy: orderBy), for: s)
    }

    /// `hints` plus the partial/expression indexes, MULTI-INDEX OR and a literal LIMIT.
    func completedHints(_ hints: consuming PlanHints, for s: ResolvedSelect) -> PlanHints {
        hints.indexParts = indexParts(for: s.sources)
        hints.multiIndexOr = true
        hints.describesAccess = c.recordsQueryPlan
        if case .integer(let n)? = s.limit, n >= 0 {
            let limit = Int(clamping: min(n, 1 << 40))
            switch s.offset {
            case nil: hints.limit = limit
            case .integer(let m)? where m >= 0: hints.limit = limit + Int(clamping: min(m, 1 << 40))
            default: break
            }
        }
        hints.virtualLimit = virtualLimit(for: s)
        return hints
    }

    /// The LIMIT / OFFSET a lone virtual table may be offered (SQLite 3.38+): a LIMIT, no
    /// GROUP BY, DISTINCT, aggregate or window, one FROM item that is a virtual table, and
    /// an ORDER BY (if any) of its plain columns with default NULLS placement. The planner
    /// then also requires every WHERE term to be a constraint on the table.
    func virtualLimit(for s: ResolvedSelect) -> VirtualLimit? {
        guard let limit = s.limit, s.compound == nil, s.groupBy.isEmpty, !s.distinct, !s.isAggregate,
              s.windowCalls.isEmpty, s.sources.count == 1, let source = s.sources.first,
              source.virtualTable != nil else { return nil }
        for term in s.orderBy {
            guard case .column(let col, _, _, _) = term.expr, col.cursor == source.cursor,
                  term.nullsFirst == nil || term.nullsFirst == !term.descending else { return nil }
        }
        return VirtualLimit(limit: limit, offset: s.offset)
    }

    /// What the planner may use for the loop of an UPDATE / DELETE over `source`: partial and
    /// expression indexes, MULTI-INDEX OR.
    func writePlanHints(for source: SourceItem) -> PlanHints {
        var hints = PlanHints()
        hints.indexParts = indexParts(for: [source])
        hints.multiIndexOr = true
        hints.describesAccess = c.recordsQueryPlan
        return hints
    }

    /// The partial and expression indexes of each stored table in `sources`, resolved against
    /// its cursor for the planner (an index whose expressions do not resolve is left out).
    func indexParts(for sources: [SourceItem]) -> [Int: [ResolvedIndexParts]] {
        var out: [Int: [ResolvedIndexParts]] = [:]
        for source in sources where source.isStoredTable && source.virtualTable == nil
                                && (source.table.hasRowid || source.table.isWithoutRowid) {
            let indexes = c.schema.indexes(on: source.table).filter { !$0.isPlain }
            guard !indexes.isEmpty else { continue }
            let scope = Scope(sources: [source], parent: nil)
            // Matching index expressions reads nothing: no authorizer callbacks.
            let list = Authorization.$current.withValue(nil) { indexes.compactMap { resolvedParts(of: $0, in: scope) } }
            if !list.isEmpty { out[source.cursor] = list }
        }
        return out
    }

    /// `index`'s key expressions and WHERE clause resolved in `scope`; nil if one fails.
    func resolvedParts(of index: Index, in scope: Scope) -> ResolvedIndexParts? {
        var keys: [RExpr?] = []
        for col in index.columns {
            guard let e = col.expression else { keys.append(nil); continue }
            guard let r = try? resolveIndexExpr(e, in: scope, isWhere: false) else { return nil }
            keys.append(r)
        }
        var whereClause: RExpr? = nil
        if let w = index.whereClause {
            guard let r = try? resolveIndexExpr(w, in: scope, isWhere: true) else { return nil }
            whereClause = r
        }
        return ResolvedIndexParts(index: index, keys: keys, whereClause: whereClause)
    }

    // MARK: Loops

    /// Fills an automatic index on `columns` (+ rowid) of `source`'s table, once per run.
    func codeBuildAutomaticIndex(_ source: SourceItem, cursor: Int, columns: [IndexColumn]) throws {
        let skip = b.makeLabel()
        emitOnce(skip: skip)
        var collations: [Collation] = []
        for col in columns { collations.append(try collation(named: col.collation) ?? .binary) }
        collations.append(.binary)
        b.emit(.openEphemeral(cursor: cursor, columnCount: columns.count + 1,
                              keyInfo: KeyInfo(collations: collations, descending: Array(repeating: false, count: collations.count))))
        let done = b.makeLabel()
        let tc = source.cursor
        b.emit(jumpTo: done) { .rewind(cursor: tc, target: $0) }
        let top = b.currentAddress
        let row = b.allocateRegisters(columns.count + 1)
        let resolver = Resolver(c)
        for (j, col) in columns.enumerated() { try code(resolver.columnExpr(source, col.column), into: row + j) }
        b.emit(.rowid(cursor: tc, dest: row + columns.count))
        let rec = b.allocateRegister()
        b.emit(.makeRecord(start: row, count: columns.count + 1, dest: rec))
        b.emit(.idxInsert(cursor: cursor, record: rec))
        b.emit(.next(cursor: tc, target: top))
        b.place(done)
        b.place(skip)
    }

    // MARK: Aggregates

    /// Columns of this query's own cursors read outside aggregate arguments (result columns,
    /// HAVING, ORDER BY, and correlated subqueries among them).
    func bareColumns(of s: ResolvedSelect) -> [RColumn] {
        let mine = Set(s.sources.map(\.cursor))
        var found: [RColumn] = []
        var seen = Set<RColumn>()
        func visit(_ e: RExpr) {
            e.forEachColumn { col in
                if mine.contains(col.cursor), !seen.contains(col) { seen.insert(col); found.append(col) }
            }
        }
        s.resultColumns.forEach(visit)
        if let h = s.having { visit(h) }
        s.orderBy.forEach { visit($0.expr) }
        return found
    }

    private func columnAffinityExpr(_ col: RColumn, in s: ResolvedSelect) -> RExpr {
        if let source = s.sources.first(where: { $0.cursor == col.cursor }) {
            if col.column < 0 { return .column(col, affinity: .integer, collation: nil, notNull: true) }
            let c = source.table.columns[col.column]
            return .column(col, affinity: c.affinity, collation: c.collation, notNull: c.notNull)
        }
        return .column(col, affinity: .blob, collation: nil, notNull: false)
    }

    @discardableResult
    /// `argumentFrom(i, expr, target)` gives the register holding argument `i`, computed into
    /// `target` (the argument's own slot) when it is not already in a register.
    private func codeAggregateStep(_ agg: AggregateCall, accumulator: Int,
                                   argumentFrom: (Int, RExpr, Int) throws -> Int) throws -> Int {
        guard let def = agg.function.definition else { return 0 }
        let argc = agg.arguments.count
        let base = b.allocateRegisters(max(argc, 1))
        for (i, a) in agg.arguments.enumerated() {
            let r = try argumentFrom(i, a, base + i)
            if r != base + i { b.emit(.sCopy(source: r, dest: base + i)) }
        }
        // min/max order by the collation; DISTINCT compares under it (count(DISTINCT x COLLATE nocase)).
        if Codegen.needsCollation(agg.name) || agg.distinct, let a = agg.arguments.first,
           let coll = try collation(named: a.explicitCollation ?? a.columnCollation) {
            b.emit(.collSeq(collation: coll))
        }
        b.emit(.aggStep(function: def, arguments: base, argumentCount: argc, accumulator: accumulator,
                        distinct: agg.distinct))
        return base
    }

    /// The min()/max() aggregates whose rows bare columns follow (SQLite: bare columns take
    /// their values from a row holding the minimum or maximum).
    private func minMaxAggregates(_ s: ResolvedSelect) -> [Int] {
        s.aggregates.indices.filter { i in
            let a = s.aggregates[i]
            return (a.name == "min" || a.name == "max") && a.arguments.count == 1 && !a.distinct
        }
    }

    /// After the step of min/max aggregate `agg` with argument in `argument`: when the value
    /// is a new strict extreme (kept in `best`), capture the bare columns.
    private func codeMinMaxCapture(_ agg: AggregateCall, argument: Int, best: Int, capture: () throws -> Void) throws {
        let skip = b.makeLabel(), take = b.makeLabel()
        b.emit(jumpTo: skip) { .isNull(register: argument, target: $0) }
        b.emit(jumpTo: take) { .isNull(register: best, target: $0) }
        let a = agg.arguments.first
        let coll = try collation(named: a?.explicitCollation ?? a?.columnCollation)
        // Not a strict improvement: skip.
        emitCompare(agg.name == "max" ? .le : .ge, argument, best, to: skip, affinity: nil, collation: coll,
                    jumpIfNull: true)
        b.place(take)
        b.emit(.copy(source: argument, dest: best))
        try capture()
        b.place(skip)
    }

    /// The ORDER BY that answers a query whose only aggregate is min(x) / max(x) of a column of
    /// its single table from the first row: x ascending (min) or descending (max).
    private func minMaxOrder(_ s: ResolvedSelect) -> OrderTerm? {
        guard s.groupBy.isEmpty, s.windowCalls.isEmpty, s.sources.count == 1, let source = s.sources.first,
              source.isStoredTable, source.virtualTable == nil, s.aggregates.count == 1, let agg = s.aggregates.first,
              agg.name == "min" || agg.name == "max", agg.arguments.count == 1, let arg = agg.arguments.first
        else { return nil }
        var e = arg
        if case .collate(let inner, _) = e { e = inner }
        if case .column(let col, _, _, _) = e, col.cursor != source.cursor { return nil }
        // A column, or an expression an index holds (the planner decides).
        return OrderTerm(expr: arg, descending: agg.name == "max", nullsFirst: nil)
    }

    /// Aggregates without GROUP BY: one output row, even for no input rows.
    private func codeSimpleAggregate(_ s: ResolvedSelect, sink: RowSink) throws {
        let accumulators = b.allocateRegisters(s.aggregates.count)
        if !s.aggregates.isEmpty { b.emit(.null(dest: accumulators, count: s.aggregates.count)) }
        let bare = bareColumns(of: s)
        let bareBase = b.allocateRegisters(bare.count)
        let captured = b.allocateRegister()
        b.emit(.integer(value: 0, dest: captured))
        if !bare.isEmpty { b.emit(.null(dest: bareBase, count: bare.count)) }
        // A lone min(x) / max(x): the loops walk x's order (an index or the rowid) and stop
        // at the first row (SQLite's min/max optimization; NULLs skipped for min).
        var hints = planHints(for: s, orderBy: [])
        if let term = minMaxOrder(s) { hints.orderBy = [term]; hints.minMax = true }
        let plan = WherePlanner.plan(sources: s.sources, whereClause: s.whereClause, schema: c.schema, hints: hints)
        let firstRowOnly = hints.minMax && plan.orderSatisfied
        let loopsDone = b.makeLabel()
        let minMax = bare.isEmpty ? [] : minMaxAggregates(s)
        let bests = b.allocateRegisters(minMax.count)
        if !minMax.isEmpty { b.emit(.null(dest: bests, count: minMax.count)) }
        // sqlite3 plans a query whose one aggregate is min(x) / max(x) (no FILTER, no HAVING)
        // for one row, and its EXPLAIN QUERY PLAN calls every loop a SEARCH.
        let savedMinMaxCursors = minMaxLoopCursors
        defer { minMaxLoopCursors = savedMinMaxCursors }
        if s.having == nil, s.aggregates.count == 1, let agg = s.aggregates.first, !agg.filtered,
           agg.name == "min" || agg.name == "max", agg.arguments.count == 1 {
            for source in s.sources { minMaxLoopCursors.insert(source.cursor) }
        }
        // sqlite3's EXPLAIN line for a DISTINCT aggregate's set, not shown when a lone one's
        // argument is the first column of the index the loop walks (it reads them in order).
        var loneInIndexOrder = false
        if s.aggregates.count == 1, let agg = s.aggregates.first, agg.arguments.count == 1,
           case .column(let col, _, _, _)? = agg.arguments.first, let level = plan.levels.first,
           level.source.cursor == col.cursor, case .index(let scan) = level.access, scan.index != nil,
           scan.columns.first?.column == col.column {
            loneInIndexOrder = true
        }
        for agg in s.aggregates where agg.distinct && !loneInIndexOrder {
            c.planNode("USE TEMP B-TREE FOR \(agg.name)(DISTINCT)")
        }
        try codeLoops(plan) {
            let captureBare = {
                for (i, col) in bare.enumerated() {
                    try self.code(self.columnAffinityExpr(col, in: s), into: bareBase + i)
                }
            }
            if !bare.isEmpty {
                let skip = self.b.makeLabel()
                self.b.emit(jumpTo: skip) { .if(register: captured, target: $0) }
                try captureBare()
                self.b.emit(.integer(value: 1, dest: captured))
                self.b.place(skip)
            }
            for (i, agg) in s.aggregates.enumerated() {
                let args = try self.codeAggregateStep(agg, accumulator: accumulators + i) { _, e, target in
                    try self.codeTemp(e, preferring: target)
                }
                if let m = minMax.firstIndex(of: i) {
                    try self.codeMinMaxCapture(agg, argument: args, best: bests + m, capture: captureBare)
                }
            }
            if firstRowOnly { self.b.emit(jumpTo: loopsDone) { .goto(target: $0) } }
        }
        b.place(loopsDone)
        for (i, agg) in s.aggregates.enumerated() {
            guard let def = agg.function.definition else { continue }
            b.emit(.aggFinal(function: def, accumulator: accumulators + i, argumentCount: agg.arguments.count))
        }
        try codeAggregateOutput(s, accumulators: accumulators, bare: bare, bareBase: bareBase, sink: sink)
    }

    /// Evaluates HAVING and the result columns with aggregates and bare columns in registers.
    private func codeAggregateOutput(_ s: ResolvedSelect, accumulators: Int, bare: [RColumn], bareBase: Int,
                                     sink: RowSink) throws {
        let savedOverrides = columnOverrides, savedAggs = aggregateRegisters
        defer { columnOverrides = savedOverrides; aggregateRegisters = savedAggs }
        for (i, col) in bare.enumerated() { columnOverrides[col] = bareBase + i }
        aggregateRegisters = (0..<s.aggregates.count).map { accumulators + $0 }
        if s.aggregateCursor >= 0 {
            // Aggregates handed up by subqueries, read there as columns of this placeholder.
            for i in s.aggregates.indices { columnOverrides[RColumn(cursor: s.aggregateCursor, column: i)] = accumulators + i }
        }
        let skip = b.makeLabel()
        if let h = s.having { try jumpIfFalse(h, to: skip, jumpIfNull: true) }
        let base = b.allocateRegisters(s.resultColumns.count)
        for (i, e) in s.resultColumns.enumerated() { try code(e, into: base + i) }
        try sink(base, s.resultColumns.count)
        b.place(skip)
    }

    /// GROUP BY: rows are sorted on the group keys, then each run of equal keys is one group.
    /// When the loops already deliver the rows in group-key order (an index, P6), the groups
    /// are formed as the rows arrive, without a sorter.
    private func codeGroupedAggregate(_ s: ResolvedSelect, sink: RowSink) throws {
        let k = s.groupBy.count
        let bare = bareColumns(of: s)
        // Row layout (sorter record or registers): group keys, a sequence number (rows of a
        // group keep scan order, as group_concat shows), aggregate arguments, bare columns.
        var argPositions: [[Int]] = []
        var width = k + 1
        for agg in s.aggregates {
            argPositions.append(Array(width..<(width + agg.arguments.count)))
            width += agg.arguments.count
        }
        let bareStart = width
        width += bare.count
        var collations: [Collation] = []
        for g in s.groupBy { collations.append(try collation(named: g.explicitCollation ?? g.columnCollation) ?? .binary) }
        let keyInfo = KeyInfo(collations: collations, descending: Array(repeating: false, count: k))
        var hints = planHints(for: s, orderBy: [])
        hints.orderBy = s.groupBy.map { OrderTerm(expr: $0, descending: false, nullsFirst: nil) }
        hints.virtualDistinct = 1
        let plan = WherePlanner.plan(sources: s.sources, whereClause: s.whereClause, schema: c.schema, hints: hints)
        let ordered = plan.orderSatisfied
        // Runs after the GROUP BY line's (defers run last first): sqlite3's line for each
        // DISTINCT aggregate's set comes after it.
        defer { for agg in s.aggregates where agg.distinct { c.planNode("USE TEMP B-TREE FOR \(agg.name)(DISTINCT)") } }
        defer { if !ordered { c.planNode("USE TEMP B-TREE FOR GROUP BY") } }
        let accumulators = b.allocateRegisters(s.aggregates.count)
        let bareBase = b.allocateRegisters(bare.count)
        let previous = b.allocateRegisters(k), current = b.allocateRegisters(k)
        let inGroup = b.allocateRegister(), returnAddress = b.allocateRegister()
        let done = b.makeLabel(), output = b.makeLabel()
        let minMax = bare.isEmpty ? [] : minMaxAggregates(s)
        let bests = b.allocateRegisters(minMax.count)
        b.emit(.integer(value: 0, dest: inGroup))

        /// One row of the group walk: `read(field, dest)` copies a field of the row.
        func groupStep(read: (Int, Int) -> Void) throws {
            let newGroup = b.makeLabel(), step = b.makeLabel()
            for i in 0..<k { read(i, current + i) }
            b.emit(jumpTo: newGroup) { .ifNot(register: inGroup, target: $0) }
            b.emit(.compare(lhs: previous, rhs: current, count: k, keyInfo: keyInfo))
            let breakLabel = b.makeLabel()
            // Placeholder for the three-way jump, replaced below once `step` is placed.
            let jumpAt = b.emit(.noop)
            b.place(breakLabel)
            b.emit(jumpTo: output) { .gosub(returnAddress: returnAddress, target: $0) }
            b.place(newGroup)
            b.emit(.copy(source: current, dest: previous, count: k))
            if !s.aggregates.isEmpty { b.emit(.null(dest: accumulators, count: s.aggregates.count)) }
            func captureBare() {
                for i in bare.indices { read(bareStart + i, bareBase + i) }
            }
            captureBare()
            if !minMax.isEmpty { b.emit(.null(dest: bests, count: minMax.count)) }
            b.emit(.integer(value: 1, dest: inGroup))
            b.place(step)
            for (j, agg) in s.aggregates.enumerated() {
                let args = try codeAggregateStep(agg, accumulator: accumulators + j) { i, _, target in
                    read(argPositions[j][i], target)
                    return target
                }
                if let m = minMax.firstIndex(of: j) {
                    try codeMinMaxCapture(agg, argument: args, best: bests + m, capture: captureBare)
                }
            }
            // Different keys → output the group first; equal → step.
            let breakAt = b.address(of: breakLabel) ?? 0
            let stepAt = b.address(of: step) ?? 0
            b.replace(at: jumpAt, with: .jump(less: breakAt, equal: stepAt, greater: breakAt))
        }
        /// The row's fields into registers `row ..< row + width` (no sequence number: `sorter` nil).
        func codeRow(_ row: Int, sorter: Int?) throws {
            for (i, g) in s.groupBy.enumerated() { try code(g, into: row + i) }
            if let sorter { b.emit(.sequence(cursor: sorter, dest: row + k)) }
            for (j, agg) in s.aggregates.enumerated() {
                for (i, a) in agg.arguments.enumerated() { try code(a, into: row + argPositions[j][i]) }
            }
            for (i, col) in bare.enumerated() {
                try code(columnAffinityExpr(col, in: s), into: row + bareStart + i)
            }
        }

        if ordered {
            try codeLoops(plan) {
                let row = self.b.allocateRegisters(width)
                try codeRow(row, sorter: nil)
                try groupStep { field, dest in self.b.emit(.copy(source: row + field, dest: dest)) }
            }
        } else {
            let sorter = b.allocateCursor(), pseudo = b.allocateCursor()
            let data = b.allocateRegister()
            // The sequence number is not compared: the sorter is stable, so the rows of a group
            // keep scan order without it (and equal keys stay on the integer fast path).
            b.emit(.sorterOpen(cursor: sorter, columnCount: width, keyInfo: keyInfo))
            b.emit(.openPseudo(cursor: pseudo, content: data, columnCount: width))
            try codeLoops(plan) {
                let row = self.b.allocateRegisters(width)
                try codeRow(row, sorter: sorter)
                let rec = self.b.allocateRegister()
                self.b.emit(.makeRecord(start: row, count: width, dest: rec))
                self.b.emit(.sorterInsert(cursor: sorter, record: rec))
            }
            let sorted = b.makeLabel()
            b.emit(jumpTo: sorted) { .sorterSort(cursor: sorter, target: $0) }
            let top = b.currentAddress
            b.emit(.sorterData(cursor: sorter, dest: data, pseudoCursor: pseudo))
            try groupStep { field, dest in self.b.emit(.column(cursor: pseudo, column: field, dest: dest)) }
            b.emit(.sorterNext(cursor: sorter, target: top))
            b.place(sorted)
        }
        b.emit(jumpTo: done) { .ifNot(register: inGroup, target: $0) }
        b.emit(jumpTo: output) { .gosub(returnAddress: returnAddress, target: $0) }
        b.emit(jumpTo: done) { .goto(target: $0) }
        // The group output subroutine.
        b.place(output)
        for (j, agg) in s.aggregates.enumerated() {
            guard let def = agg.function.definition else { continue }
            b.emit(.aggFinal(function: def, accumulator: accumulators + j, argumentCount: agg.arguments.count))
        }
        try codeAggregateOutput(s, accumulators: accumulators, bare: bare, bareBase: bareBase, sink: sink)
        b.emit(.return(returnAddress: returnAddress))
        b.place(done)
    }

    // MARK: Compound selects

    private func codeCompound(_ s: ResolvedSelect, output: OutputStage, end: Label) throws {
        var cores: [ResolvedSelect] = [s]
        var ops: [CompoundOperator] = [.unionAll]
        var next = s.compound
        while let (op, core) = next {
            cores.append(core)
            ops.append(op)
            next = core.compound
        }
        let width = s.resultColumns.count
        let lastSet = ops.lastIndex(where: { $0 != .unionAll }) ?? 0
        let emitRow: RowSink = { base, _ in try output.emit(base) }
        let compoundNode = c.planNode("COMPOUND QUERY")
        /// Codes core `i` under its EXPLAIN QUERY PLAN node.
        func part(_ i: Int, sink: @escaping RowSink) throws {
            let text: String
            switch ops[i] {
            case _ where i == 0: text = "LEFT-MOST SUBQUERY"
            case .unionAll: text = "UNION ALL"
            case .union: text = "UNION USING TEMP B-TREE"
            case .except: text = "EXCEPT USING TEMP B-TREE"
            case .intersect: text = "INTERSECT USING TEMP B-TREE"
            }
            let node = c.underPlanNode(compoundNode) { c.planNode(text) }
            try c.underPlanNode(node) { try codeCore(cores[i], sink: sink, breakLabel: end) }
        }
        if lastSet == 0 {
            for i in cores.indices { try part(i, sink: emitRow) }
            return
        }
        var collations: [Collation] = []
        for e in s.resultColumns { collations.append(try collation(named: e.explicitCollation ?? e.columnCollation) ?? .binary) }
        let keyInfo = KeyInfo(collations: collations, descending: Array(repeating: false, count: width))
        var set = b.allocateCursor()
        b.emit(.openEphemeral(cursor: set, columnCount: width, keyInfo: keyInfo))
        let rec = b.allocateRegister()
        for i in 0...lastSet {
            let target = set
            switch ops[i] {
            case .unionAll, .union:
                try part(i, sink: { base, count in
                    let skip = self.b.makeLabel()
                    self.b.emit(jumpTo: skip) { .found(cursor: target, key: base, count: count, target: $0) }
                    self.b.emit(.makeRecord(start: base, count: count, dest: rec))
                    self.b.emit(.idxInsert(cursor: target, record: rec))
                    self.b.place(skip)
                })
            case .except:
                try part(i, sink: { base, count in
                    self.b.emit(.idxDelete(cursor: target, key: base, count: count))
                })
            case .intersect:
                let fresh = b.allocateCursor()
                b.emit(.openEphemeral(cursor: fresh, columnCount: width, keyInfo: keyInfo))
                try part(i, sink: { base, count in
                    let skip = self.b.makeLabel()
                    self.b.emit(jumpTo: skip) { .notFound(cursor: target, key: base, count: count, target: $0) }
                    self.b.emit(jumpTo: skip) { .found(cursor: fresh, key: base, count: count, target: $0) }
                    self.b.emit(.makeRecord(start: base, count: count, dest: rec))
                    self.b.emit(.idxInsert(cursor: fresh, record: rec))
                    self.b.place(skip)
                })
                set = fresh
            }
        }
        let empty = b.makeLabel()
        let finalSet = set
        b.emit(jumpTo: empty) { .rewind(cursor: finalSet, target: $0) }
        let top = b.currentAddress
        let base = b.allocateRegisters(width)
        for i in 0..<width { b.emit(.column(cursor: finalSet, column: i, dest: base + i)) }
        try output.emit(base)
        b.emit(.next(cursor: finalSet, target: top))
        b.place(empty)
        for i in (lastSet + 1)..<cores.count { try part(i, sink: emitRow) }
    }
}

extension RExpr {
    /// Calls `body` for every column read, including inside subqueries (correlation).
    func forEachColumn(_ body: (RColumn) -> Void) {
        switch self {
        case .column(let c, _, _, _): body(c)
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _, _), .collate(let e, _):
            e.forEachColumn(body)
        case .binary(_, let a, let b), .compare(_, let a, let b):
            a.forEachColumn(body); b.forEachColumn(body)
        case .between(let a, let b, let c, _):
            a.forEachColumn(body); b.forEachColumn(body); c.forEachColumn(body)
        case .inList(let e, let list, _):
            e.forEachColumn(body); list.forEach { $0.forEachColumn(body) }
        case .inSelect(let e, let s, _):
            e.forEachColumn(body); s.forEachColumn(body)
        case .exists(let s, _), .subquery(let s):
            s.forEachColumn(body)
        case .function(_, let args):
            args.forEach { $0.forEachColumn(body) }
        case .caseWhen(let base, let whens, let otherwise):
            base?.forEachColumn(body)
            for (w, t) in whens { w.forEachColumn(body); t.forEachColumn(body) }
            otherwise?.forEachColumn(body)
        case .like(let a, let b, let c, _, _):
            a.forEachColumn(body); b.forEachColumn(body); c?.forEachColumn(body)
        case .row(let r):
            r.subexpressions.forEach { $0.forEachColumn(body) }
            r.selects.forEach { $0.forEachColumn(body) }
        case .aggregate, .register, .null, .integer, .real, .text, .blob, .parameter, .raise:
            break
        }
    }
}

extension ResolvedSelect {
    /// Every column any expression of this select (and its compounds) reads.
    func forEachColumn(_ body: (RColumn) -> Void) {
        resultColumns.forEach { $0.forEachColumn(body) }
        whereClause?.forEachColumn(body)
        groupBy.forEach { $0.forEachColumn(body) }
        having?.forEachColumn(body)
        orderBy.forEach { $0.expr.forEachColumn(body) }
        for a in aggregates { a.arguments.forEach { $0.forEachColumn(body) } }
        for s in sources { s.on?.forEachColumn(body) }
        compound?.1.forEachColumn(body)
    }
}

extension Codegen {
    // MARK: Recursive WITH tables

    /// Fills ephemeral table `result` from a recursive CTE: the initial select's rows go to a
    /// queue; each row taken from the queue (oldest first, or smallest ORDER BY key) is
    /// output (after OFFSET, up to LIMIT) and becomes the current row of the recursive
    /// selects, whose rows join the queue. UNION drops rows seen before.
    func codeRecursiveCTE(_ rec: RecursiveCTE, into result: Int) throws {
        let n = rec.columnCount
        b.emit(.openEphemeral(cursor: result, columnCount: max(n, 1)))
        let out = b.allocateRegister(), outRowid = b.allocateRegister()
        try codeRecursion(rec) { row in
            self.b.emit(.makeRecord(start: row, count: n, dest: out))
            self.b.emit(.newRowid(cursor: result, dest: outRowid))
            self.b.emit(.insert(cursor: result, record: out, rowid: outRowid))
        }
    }

    /// Codes a recursive CTE as a co-routine whose rows are read through the pseudo cursor
    /// `cursor`: each output row is made a record and yielded, so no result table is built
    /// (1M rows by recursion were ~60% of micro_c's setup time materialised). Returns the
    /// co-routine register; the caller's loop is `Yield co → done; body; Goto top`.
    func codeRecursiveCoroutine(_ rec: RecursiveCTE, cursor: Int) throws -> Int {
        let n = rec.columnCount
        let co = b.allocateRegister(), out = b.allocateRegister()
        let initAddress = b.emit(.initCoroutine(register: co, jump: nil, start: 0))
        let bodyStart = b.currentAddress
        try codeRecursion(rec) { row in
            self.b.emit(.makeRecord(start: row, count: n, dest: out))
            self.b.emit(.yield(register: co))
        }
        b.emit(.endCoroutine(register: co))
        b.replace(at: initAddress, with: .initCoroutine(register: co, jump: b.currentAddress, start: bodyStart))
        b.emit(.null(dest: out))
        b.emit(.openPseudo(cursor: cursor, content: out, columnCount: max(n, 1)))
        return co
    }

    /// The recursion itself; `output` codes what happens to each row (`n` registers from
    /// its argument) that passes OFFSET.
    private func codeRecursion(_ rec: RecursiveCTE, output: (Int) throws -> Void) throws {
        let n = rec.columnCount
        let done = b.makeLabel()
        var limitRegister: Int? = nil, offsetRegister: Int? = nil
        if let limit = rec.limit {
            let r = b.allocateRegister()
            try code(limit, into: r)
            b.emit(.mustBeInt(register: r))
            b.emit(jumpTo: done) { .ifNot(register: r, target: $0) }
            limitRegister = r
            if let offset = rec.offset {
                let o = b.allocateRegister()
                try code(offset, into: o)
                b.emit(.mustBeInt(register: o))
                offsetRegister = o
            }
        }
        let queue = b.allocateCursor()
        let ordered = !rec.orderBy.isEmpty
        var keyCount = 0
        if ordered {
            var collations: [Collation] = []
            var descending: [Bool] = []
            for term in rec.orderBy {
                collations.append(try collation(named: term.expr.explicitCollation ?? term.expr.columnCollation) ?? .binary)
                descending.append(term.descending)
            }
            // A sequence number keeps equal keys first in, first out.
            collations.append(.binary)
            descending.append(false)
            keyCount = collations.count
            b.emit(.openEphemeral(cursor: queue, columnCount: keyCount + n,
                                  keyInfo: KeyInfo(collations: collations, descending: descending)))
        } else {
            b.emit(.openEphemeral(cursor: queue, columnCount: max(n, 1)))
        }
        var seen: Int? = nil
        if !rec.unionAll {
            let cursor = b.allocateCursor()
            b.emit(.openEphemeral(cursor: cursor, columnCount: n, keyInfo: KeyInfo(fieldCount: n)))
            seen = cursor
        }
        let sequence = b.allocateRegister()
        b.emit(.integer(value: 0, dest: sequence))
        let currentRecord = b.allocateRegister(), queuedRecord = b.allocateRegister()
        b.emit(.null(dest: currentRecord))
        b.emit(.openPseudo(cursor: rec.currentCursor, content: currentRecord, columnCount: n))
        if ordered { b.emit(.openPseudo(cursor: rec.orderCursor, content: queuedRecord, columnCount: n)) }

        let push: RowSink = { base, _ in
            let skip = self.b.makeLabel()
            if let seen {
                self.b.emit(jumpTo: skip) { .found(cursor: seen, key: base, count: n, target: $0) }
                let r = self.b.allocateRegister()
                self.b.emit(.makeRecord(start: base, count: n, dest: r))
                self.b.emit(.idxInsert(cursor: seen, record: r))
            }
            if ordered {
                self.b.emit(.makeRecord(start: base, count: n, dest: queuedRecord))
                let keys = self.b.allocateRegisters(keyCount + n)
                for (i, term) in rec.orderBy.enumerated() {
                    if let col = term.resultColumn { self.b.emit(.sCopy(source: base + col, dest: keys + i)) }
                    else { try self.code(term.expr, into: keys + i) }
                }
                self.b.emit(.addImm(register: sequence, value: 1))
                self.b.emit(.sCopy(source: sequence, dest: keys + keyCount - 1))
                if n > 0 { self.b.emit(.copy(source: base, dest: keys + keyCount, count: n)) }
                let r = self.b.allocateRegister()
                self.b.emit(.makeRecord(start: keys, count: keyCount + n, dest: r))
                self.b.emit(.idxInsert(cursor: queue, record: r))
            } else {
                let r = self.b.allocateRegister(), rowid = self.b.allocateRegister()
                self.b.emit(.makeRecord(start: base, count: n, dest: r))
                self.b.emit(.newRowid(cursor: queue, dest: rowid))
                self.b.emit(.insert(cursor: queue, record: r, rowid: rowid))
            }
            self.b.place(skip)
        }
        try codeSelect(rec.initial, onRow: push)

        let top = b.currentAddress
        b.emit(jumpTo: done) { .rewind(cursor: queue, target: $0) }
        let row = b.allocateRegisters(max(n, 1))
        for i in 0..<n { b.emit(.column(cursor: queue, column: keyCount + i, dest: row + i)) }
        b.emit(.delete(cursor: queue))
        let skipOutput = b.makeLabel()
        if let o = offsetRegister { b.emit(jumpTo: skipOutput) { .ifPos(register: o, target: $0, decrement: 1) } }
        try output(row)
        if let l = limitRegister { b.emit(jumpTo: done) { .decrJumpZero(register: l, target: $0) } }
        b.place(skipOutput)
        b.emit(.makeRecord(start: row, count: n, dest: currentRecord))
        for r in rec.recursive { try codeSelect(r, onRow: push) }
        b.emit(.goto(target: top))
        b.place(done)
    }
}
