// This file implements the codegen of a WherePlan: the nested loops over the FROM items, each
// a full scan, rowid lookup or range, or index lookup/range scan (IN lists and subqueries
// looping over an ephemeral index of their values), covering-index reads, LEFT JOIN null
// rows, RIGHT/FULL JOIN match sets and unmatched-row passes, and the EXPLAIN QUERY PLAN line
// of every loop. Layer: L5. Spec: Spec/L5-sql.md §Planner (P8, P9).
import LoomBase
import LoomRecord
import LoomVDBE

extension Codegen {
    /// The EXPLAIN QUERY PLAN line of one loop level.
    func planText(_ level: LoopLevel) -> String {
        let name = level.source.writtenSchema.map { "\($0).\(level.source.exposedName)" } ?? level.source.exposedName
        var text: String
        switch level.access {
        case .fullScan:
            text = "SCAN \(name)"
        case .rowidEquals, .rowidRange:
            if case .rowidRange(nil, nil, _) = level.access { text = "SCAN \(name)" }
            else { text = "SEARCH \(name) USING INTEGER PRIMARY KEY (\(level.constraintText))" }
        case .index(let scan):
            let covering = scan.covering ? "COVERING " : ""
            if let index = scan.index, level.source.table.isWithoutRowid, index.rootPage == level.source.table.rootPage {
                text = level.constraintText.isEmpty ? "SCAN \(name)"
                    : "SEARCH \(name) USING PRIMARY KEY (\(level.constraintText))"
            } else if let index = scan.index {
                text = level.constraintText.isEmpty ? "SCAN \(name) USING \(covering)INDEX \(index.name)"
                    : "SEARCH \(name) USING \(covering)INDEX \(index.name) (\(level.constraintText))"
            } else {
                text = "SEARCH \(name) USING AUTOMATIC \(covering)INDEX (\(level.constraintText))"
            }
        case .virtual(let v):
            text = "SCAN \(name) VIRTUAL TABLE INDEX \(v.indexNumber):\(v.indexString ?? "")"
        case .multiIndexOr:
            text = "MULTI-INDEX OR"
        }
        if level.isMinMax || minMaxLoopCursors.contains(level.source.cursor), text.hasPrefix("SCAN ") {
            // min()/max() reads one row: SEARCH, and no "USING INTEGER PRIMARY KEY" for the rowid.
            text = "SEARCH " + text.dropFirst(5)
            // A WITHOUT ROWID table is searched through its PRIMARY KEY b-tree.
            if level.source.table.isWithoutRowid, text == "SEARCH \(name)" { text += " USING PRIMARY KEY" }
        }
        if level.source.join.padsRight, level.source.isStoredTable, !text.hasPrefix("MULTI") { text += " LEFT-JOIN" }
        return text
    }

    /// An IN loop being coded: its ephemeral cursor, loop top and where the next value is taken.
    struct InLoop { var cursor: Int; var top: Int; var next: Label; var reverse = false }

    /// Fills an ephemeral index with the distinct non-NULL values of `key` (after `affinity`,
    /// compared with `collation`) and returns its cursor: an IN loop's values, or a whole IN
    /// list handed to a virtual table's xFilter. Values that read no table are gathered once
    /// per run, others each time the code passes.
    func codeInListIndex(_ key: LookupKey, affinity: Affinity, collation collationName: String?) throws -> Int {
        let cursor = b.allocateCursor()
        let coll = try collation(named: collationName) ?? .binary
        // Values that read no table are gathered once per run.
        var reads = Set<Int>()
        switch key {
        case .value(let e): e.cursorsUsed(into: &reads)
        case .list(let list): for e in list { e.cursorsUsed(into: &reads) }
        case .select(let sub): reads = sub.outerCursors
        case .null: break
        }
        let filled = b.makeLabel()
        if reads.isEmpty { emitOnce(skip: filled) }
        b.emit(.openEphemeral(cursor: cursor, columnCount: 1, keyInfo: KeyInfo(collations: [coll], descending: [false])))
        let value = b.allocateRegister(), rec = b.allocateRegister()
        let add = { () -> Void in
            let skip = self.b.makeLabel()
            if affinity != .blob { self.b.emit(.affinity(start: value, affinities: [affinity])) }
            self.b.emit(jumpTo: skip) { .isNull(register: value, target: $0) }
            self.b.emit(jumpTo: skip) { .found(cursor: cursor, key: value, count: 1, target: $0) }
            self.b.emit(.makeRecord(start: value, count: 1, dest: rec))
            self.b.emit(.idxInsert(cursor: cursor, record: rec))
            self.b.place(skip)
        }
        switch key {
        case .value(let e):
            try code(e, into: value)
            add()
        case .list(let list):
            for e in list {
                try code(e, into: value)
                add()
            }
        case .select(let sub):
            c.subqueryNumber += 1
            let node = c.planNode("LIST SUBQUERY \(c.subqueryNumber)")
            try c.underPlanNode(node) {
                try codeSelect(sub) { base, _ in
                    self.b.emit(.sCopy(source: base, dest: value))
                    add()
                }
            }
        case .null:
            break  // never a loop: IS NULL is one key
        }
        b.place(filled)
        return cursor
    }

    /// Starts a loop over the distinct non-NULL values of `key` (``codeInListIndex``): each
    /// value lands in `dest`. When there are none, jumps to `exhausted`.
    func codeInLoopStart(_ key: LookupKey, affinity: Affinity, collation collationName: String?, dest: Int,
                         exhausted: Label, reverse: Bool = false) throws -> InLoop {
        let cursor = try codeInListIndex(key, affinity: affinity, collation: collationName)
        b.emit(jumpTo: exhausted) { reverse ? .last(cursor: cursor, target: $0) : .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        b.emit(.column(cursor: cursor, column: 0, dest: dest))
        return InLoop(cursor: cursor, top: top, next: b.makeLabel(), reverse: reverse)
    }

    /// The scan of virtual RIGHT/FULL JOIN level `k`'s unmatched-row pass: planned with its
    /// table-valued function arguments only (`hidden = arg` ON terms reading no other item of
    /// this FROM clause), as SQLite's right-join loop; its other ON terms do not apply there.
    func unmatchedVirtualAccess(_ plan: WherePlan, _ k: Int) -> AccessPath {
        let source = plan.levels[k].source
        let items = Set(plan.levels.map(\.source.cursor))
        let arguments = onConjuncts(source).filter { term in
            guard let rhs = tableArgumentValue(term, of: source) else { return false }
            var used = Set<Int>()
            rhs.cursorsUsed(into: &used)
            return used.isDisjoint(with: items)
        }
        return WherePlanner.chooseVirtualAccess(for: source, terms: arguments, levelOfCursor: CursorLevels(), level: 0,
                                                needed: nil, orderBy: []).access
    }

    /// The conjuncts of `source`'s own ON condition (the planner drops from its level the
    /// terms its access path consumes).
    func onConjuncts(_ source: SourceItem) -> [RExpr] {
        var conjuncts: [RExpr] = []
        func split(_ e: RExpr) {
            if case .binary(.and, let l, let r) = e { split(l); split(r) } else { conjuncts.append(e) }
        }
        if let on = source.on { split(on) }
        return conjuncts
    }

    /// The argument of a table-valued function term `hidden_column = value` of `source`.
    func tableArgumentValue(_ term: RExpr, of source: SourceItem) -> RExpr? {
        guard case .compare(.eq, let lhs, let rhs) = term, case .column(let col, _, _, _) = lhs,
              col.cursor == source.cursor, col.column >= 0, col.column < source.table.columns.count,
              source.table.columns[col.column].isHidden else { return nil }
        return rhs
    }

    /// SQLite 3.40's plan for a table-valued function on the right of a plain RIGHT JOIN (not
    /// FULL): its argument terms are ON terms it may not use as constraints, so its matching
    /// pass runs without them (json_each matches nothing, generate_series fails "first argument
    /// … missing or unusable") and they are tested as ON terms; the unmatched pass has them.
    func planSQLiteRightJoinArguments(_ plan: inout WherePlan) {
        // (Most plans have no such level: no map of cursors built for them.)
        guard plan.levels.contains(where: { $0.source.join == .right && $0.source.virtualTable != nil }) else { return }
        var levelOfCursor = CursorLevels()
        for (j, l) in plan.levels.enumerated() { levelOfCursor[l.source.cursor] = j }
        for i in plan.levels.indices where plan.levels[i].source.join == .right && plan.levels[i].source.virtualTable != nil {
            let source = plan.levels[i].source
            let conjuncts = onConjuncts(source)
            let isArgument = conjuncts.map { tableArgumentValue($0, of: source) != nil }
            guard isArgument.contains(true) else { continue }
            let others = conjuncts.indices.filter { !isArgument[$0] }.map { conjuncts[$0] }
            let choice = WherePlanner.chooseVirtualAccess(for: source, terms: others, levelOfCursor: levelOfCursor,
                                                          level: i, needed: nil, orderBy: [])
            plan.levels[i].access = choice.access
            plan.levels[i].onTerms = others.indices.filter { !choice.usedTerms.contains($0) }.map { others[$0] }
                + conjuncts.indices.filter { isArgument[$0] }.map { conjuncts[$0] }
        }
    }

    /// Opens the cursors of `plan` and codes its nested loops around `body`. With
    /// `writableIndex`, a level's index cursor is opened for writing and reported (level,
    /// cursor) before the loops are coded: a one-pass DELETE removes the entry it is on.
    func codeLoops(_ plan: WherePlan, write: Bool = false, writableIndex: ((Int, Int) -> Void)? = nil,
                   body: () throws -> Void) throws {
        var plan = plan
        planSQLiteRightJoinArguments(&plan)
        // (Maps keyed by level or cursor are CursorMaps, the first entry inline: a
        // dictionary per map was an allocation and a hash per look-up, per statement.)
        var indexCursors = CursorMap<Int>()
        // The cursors whose column reads go through `coveringReads` while the loops are coded.
        var covered = CursorMap<Bool>()
        defer { covered.forEach { coveringReads[$0.cursor] = nil } }
        for (i, level) in plan.levels.enumerated() {
            guard case .index(let scan) = level.access else { continue }
            if level.source.table.isWithoutRowid, scan.index?.rootPage == level.source.table.rootPage {
                indexCursors[i] = level.source.cursor  // the table's own B-tree (WITHOUT ROWID)
                continue
            }
            let ic = b.allocateCursor()
            indexCursors[i] = ic
            if let index = scan.index {
                if let writableIndex {
                    b.emit(.openWrite(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                                      keyInfo: try keyInfo(of: index), database: index.database))
                    writableIndex(i, ic)
                } else {
                    b.emit(.openRead(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                                     keyInfo: try keyInfo(of: index), database: index.database))
                }
            }
        }
        // A recursive WITH table scanned by the outermost loop runs as a co-routine that
        // yields each row as it leaves the queue (as SQLite does); elsewhere it is
        // materialised first, since an inner loop restarts its scan.
        var coroutines = CursorMap<Int>()
        for (levelIndex, level) in plan.levels.enumerated() {
            let source = level.source
            if source.isRecursiveReference { continue }
            if let rec = source.recursive {
                let node = c.planNode("CO-ROUTINE \(source.exposedName)")
                if levelIndex == 0, case .fullScan = level.access, source.join != .left,
                   !plan.levels.contains(where: { $0.source.join.padsLeft }) {
                    coroutines[levelIndex] = try c.underPlanNode(node) { try codeRecursiveCoroutine(rec, cursor: source.cursor) }
                } else {
                    try c.underPlanNode(node) { try codeRecursiveCTE(rec, into: source.cursor) }
                }
            } else if let sub = source.subquery {
                let cursor = source.cursor
                b.emit(.openEphemeral(cursor: cursor, columnCount: max(sub.resultColumns.count, 1)))
                let rec = b.allocateRegister(), rowid = b.allocateRegister()
                let node = c.planNode("MATERIALIZE \(source.exposedName)")
                try c.underPlanNode(node) {
                    try codeSelect(sub) { base, count in
                        self.b.emit(.makeRecord(start: base, count: count, dest: rec))
                        self.b.emit(.newRowid(cursor: cursor, dest: rowid))
                        self.b.emit(.insert(cursor: cursor, record: rec, rowid: rowid))
                    }
                }
            } else if let vtab = source.virtualTable {
                c.usesDatabase = true
                cursorTables[source.cursor] = source.table
                b.emit(.vOpen(cursor: source.cursor, table: vtab))
            } else {
                c.usesDatabase = true
                cursorTables[source.cursor] = source.table
                if source.table.isWithoutRowid {
                    try openWithoutRowid(source.table, cursor: source.cursor, write: write)
                    covered[source.cursor] = true
                } else if write {
                    b.emit(.openWrite(cursor: source.cursor, root: Int(source.table.rootPage),
                                      columnCount: source.table.columns.count, database: source.table.database))
                } else {
                    b.emit(.openRead(cursor: source.cursor, root: Int(source.table.rootPage),
                                     columnCount: source.table.columns.count, database: source.table.database))
                }
            }
        }
        var branchCursors = CursorMap<[Int]>()
        for (i, level) in plan.levels.enumerated() {
            guard case .multiIndexOr(let branches) = level.access else { continue }
            var list: [Int] = []
            for branch in branches {
                guard case .index(let scan) = branch.access, let index = scan.index else { list.append(-1); continue }
                let ic = b.allocateCursor()
                b.emit(.openRead(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                                 keyInfo: try keyInfo(of: index), database: index.database))
                list.append(ic)
            }
            branchCursors[i] = list
        }
        for (i, level) in plan.levels.enumerated() {
            guard case .index(let scan) = level.access, scan.index == nil, let ic = indexCursors[i] else { continue }
            try codeBuildAutomaticIndex(level.source, cursor: ic, columns: scan.columns)
        }
        var orBranchNodes = CursorMap<[Int]>()
        for (i, level) in plan.levels.enumerated() {
            let node = c.planNode(planText(level))
            guard case .multiIndexOr(let branches) = level.access else { continue }
            // The branches' own lines come when they are coded (after their subqueries).
            orBranchNodes[i] = c.underPlanNode(node) { branches.indices.map { c.planNode("INDEX \($0 + 1)") } }
        }
        // RIGHT and FULL JOIN levels (Spec/L5-sql.md P9): each records the rows it matched in
        // an ephemeral index; after the loops, a second pass over its table runs the rest of
        // the join, as a subroutine shared with the first pass, for the rows never matched,
        // with every item before it on its NULL row.
        let rightLevels = plan.levels.indices.filter { plan.levels[$0].source.join.padsLeft }
        struct MatchSet { var cursor: Int; var keyCount: Int }
        var matchSets = CursorMap<MatchSet>()
        for k in rightLevels {
            let source = plan.levels[k].source
            if source.isRecursiveReference {
                throw c.error("RIGHT and FULL OUTER JOINs of this kind of table are not supported yet", at: nil)
            }
            // SQLite names the table here (a view's or a virtual table's name), an alias only
            // for a subquery.
            let joinName = source.isStoredTable || source.virtualTable != nil || source.table.isView
                ? source.table.name : source.exposedName
            let node = c.planNode("RIGHT-JOIN \(joinName)")
            var scanText = plan.levels[k].unmatchedScan.map { "SCAN \(source.exposedName) USING COVERING INDEX \($0.name)" }
                ?? "SCAN \(source.exposedName)"
            if source.virtualTable != nil {
                var unmatched = plan.levels[k]
                unmatched.access = unmatchedVirtualAccess(plan, k)
                unmatched.source.join = .right  // no " LEFT-JOIN" on the rescan's line
                scanText = planText(unmatched)
            }
            c.underPlanNode(node) { _ = c.planNode(scanText) }
            let keyCount = source.isStoredTable && source.table.isWithoutRowid ? source.table.withoutRowidKeyColumns.count : 1
            let set = b.allocateCursor()
            b.emit(.openEphemeral(cursor: set, columnCount: keyCount,
                                  keyInfo: KeyInfo(collations: Array(repeating: .binary, count: keyCount),
                                                   descending: Array(repeating: false, count: keyCount))))
            matchSets[k] = MatchSet(cursor: set, keyCount: keyCount)
        }
        /// Loads the key that identifies level `k`'s current row in its match set.
        func matchKey(_ k: Int) -> Int {
            let source = plan.levels[k].source
            guard let set = matchSets[k] else { return 0 }
            let key = b.allocateRegisters(set.keyCount)
            if source.isStoredTable && source.table.isWithoutRowid {
                for j in 0..<set.keyCount { b.emit(.column(cursor: source.cursor, column: j, dest: key + j)) }
            } else {
                b.emit(.rowid(cursor: source.cursor, dest: key))
            }
            return key
        }
        let allDone = b.makeLabel()
        for term in plan.constantTerms {
            try jumpIfFalse(term, to: allDone, jumpIfNull: true)
        }
        struct Open {
            var cont: Label; var empty: Label; var exit: Label; var body: Int?; var match: Int?; var afterOn: Label
            var inLoops: [InLoop] = []
            /// MULTI-INDEX OR: the register the level's body subroutine returns through.
            var orReturn: Int? = nil
        }
        /// The cursor a LEFT JOIN's null row is set on and tested: the index when covering.
        func rowCursor(_ i: Int) -> Int {
            if case .index(let scan) = plan.levels[i].access, scan.covering, let ic = indexCursors[i] { return ic }
            return plan.levels[i].source.cursor
        }
        /// Positions index cursor `ic` at the first entry of `scan` (IN lists looping outside),
        /// setting `o.body` to the loop top; a miss jumps to the innermost IN loop's next value
        /// or `o.empty`.
        func openIndexScan(_ scan: IndexScan, ic: Int, table: Table, o: inout Open, reverseIn: Bool = false) throws {
            let n = scan.equal.count
            func affinity(_ j: Int) -> Affinity { scan.keyAffinity(j, table: table) }
            // Index order: a DESC column swaps the ends; a range skips NULL entries.
            let desc = n < scan.columns.count ? scan.columns[n].descending : false
            var lowIdx = desc ? scan.high : scan.low
            var highIdx = desc ? scan.low : scan.high
            if scan.low != nil || scan.high != nil {
                if !desc && lowIdx == nil { lowIdx = RangeBound(expr: nil, inclusive: false) }
                if desc && highIdx == nil { highIdx = RangeBound(expr: nil, inclusive: false) }
            }
            // Key widths: the equality prefix, the bound, a row-value bound's further keys.
            let lowCount = n + 1 + (lowIdx?.rest.count ?? 0), highCount = n + 1 + (highIdx?.rest.count ?? 0)
            let key = b.allocateRegisters(lowCount)
            let highKey = highIdx != nil ? b.allocateRegisters(highCount) : 0
            for (j, k) in scan.equal.enumerated() {
                if case .null = k { b.emit(.null(dest: key + j)); continue }
                guard case .value(let e) = k else { continue }
                try code(e, into: key + j)
                if affinity(j) != .blob { b.emit(.affinity(start: key + j, affinities: [affinity(j)])) }
                b.emit(jumpTo: o.empty) { .isNull(register: key + j, target: $0) }
            }
            func bound(_ rb: RangeBound, into r: Int) throws {
                if let e = rb.expr {
                    try code(e, into: r)
                    if affinity(n) != .blob { b.emit(.affinity(start: r, affinities: [affinity(n)])) }
                    b.emit(jumpTo: o.empty) { .isNull(register: r, target: $0) }
                    // A row-value bound's later keys: a NULL among them still seeks (the
                    // kept term decides those rows).
                    for (i, x) in rb.rest.enumerated() {
                        try code(x, into: r + 1 + i)
                        let a = affinity(n + 1 + i)
                        if a != .blob { b.emit(.affinity(start: r + 1 + i, affinities: [a])) }
                    }
                } else {
                    b.emit(.null(dest: r))
                }
            }
            if let lowIdx { try bound(lowIdx, into: key + n) }
            if let highIdx { try bound(highIdx, into: highKey + n) }
            for (j, k) in scan.equal.enumerated() where k.isMulti {
                let coll = j < scan.columns.count ? scan.columns[j].collation : nil
                o.inLoops.append(try codeInLoopStart(k, affinity: affinity(j), collation: coll, dest: key + j,
                                                     exhausted: o.inLoops.last?.next ?? o.empty, reverse: reverseIn))
            }
            if highIdx != nil && n > 0 { b.emit(.copy(source: key, dest: highKey, count: n)) }
            let miss = o.inLoops.last?.next ?? o.empty
            if !scan.reverse {
                if let lowIdx {
                    b.emit(jumpTo: miss) { lowIdx.inclusive ? .seekGE(cursor: ic, key: key, count: lowCount, target: $0)
                                                            : .seekGT(cursor: ic, key: key, count: lowCount, target: $0) }
                } else if n > 0 {
                    b.emit(jumpTo: miss) { .seekGE(cursor: ic, key: key, count: n, target: $0) }
                } else {
                    b.emit(jumpTo: miss) { .rewind(cursor: ic, target: $0) }
                }
                o.body = b.currentAddress
                if let highIdx {
                    b.emit(jumpTo: miss) { highIdx.inclusive ? .idxGT(cursor: ic, key: highKey, count: highCount, target: $0)
                                                             : .idxGE(cursor: ic, key: highKey, count: highCount, target: $0) }
                } else if n > 0 {
                    b.emit(jumpTo: miss) { .idxGT(cursor: ic, key: key, count: n, target: $0) }
                }
            } else {
                if let highIdx {
                    b.emit(jumpTo: miss) { highIdx.inclusive ? .seekLE(cursor: ic, key: highKey, count: highCount, target: $0)
                                                             : .seekLT(cursor: ic, key: highKey, count: highCount, target: $0) }
                } else if n > 0 {
                    b.emit(jumpTo: miss) { .seekLE(cursor: ic, key: key, count: n, target: $0) }
                } else {
                    b.emit(jumpTo: miss) { .last(cursor: ic, target: $0) }
                }
                o.body = b.currentAddress
                if let lowIdx {
                    b.emit(jumpTo: miss) { lowIdx.inclusive ? .idxLT(cursor: ic, key: key, count: lowCount, target: $0)
                                                            : .idxLE(cursor: ic, key: key, count: lowCount, target: $0) }
                } else if n > 0 {
                    b.emit(jumpTo: miss) { .idxLT(cursor: ic, key: key, count: n, target: $0) }
                }
            }
        }
        /// Positions table cursor `cursor` on the row whose rowid is `key` (each IN value in turn).
        func openRowidEquals(_ key: LookupKey, cursor: Int, o: inout Open, reverseIn: Bool = false) throws {
            let r = b.allocateRegister()
            if key.isMulti {
                o.inLoops.append(try codeInLoopStart(key, affinity: .numeric, collation: nil, dest: r, exhausted: o.empty,
                                                     reverse: reverseIn))
            } else if case .value(let e) = key {
                try code(e, into: r)
                // (An integer literal is already what NUMERIC affinity would make it: no
                // Affinity opcode, as sqlite3's program for `rowid = 5`.)
                var isIntegerConstant = false
                if case .integer = e { isIntegerConstant = true }
                if !isIntegerConstant, e.affinity == nil || e.affinity == .text || e.affinity == .blob {
                    b.emit(.affinity(start: r, affinities: [.numeric]))
                }
            }
            let miss = o.inLoops.last?.next ?? o.empty
            b.emit(jumpTo: miss) { .seekRowid(cursor: cursor, rowid: r, target: $0) }
        }
        /// Positions table cursor `cursor` at the first row of a rowid range; `o.body` is the loop top.
        func openRowidRange(_ low: RangeBound?, _ high: RangeBound?, reverse: Bool, cursor: Int, o: inout Open) throws {
            func bound(_ rb: RangeBound?) throws -> Int? {
                guard let e = rb?.expr else { return nil }
                let r = b.allocateRegister()
                try code(e, into: r)
                b.emit(.affinity(start: r, affinities: [.numeric]))
                b.emit(jumpTo: o.empty) { .isNull(register: r, target: $0) }
                return r
            }
            let lo = try bound(low), hi = try bound(high)
            let start = reverse ? hi : lo
            let startBound = reverse ? high : low
            if let start, let sb = startBound {
                if reverse {
                    b.emit(jumpTo: o.empty) { sb.inclusive ? .seekLE(cursor: cursor, key: start, count: 1, target: $0)
                                                          : .seekLT(cursor: cursor, key: start, count: 1, target: $0) }
                } else {
                    b.emit(jumpTo: o.empty) { sb.inclusive ? .seekGE(cursor: cursor, key: start, count: 1, target: $0)
                                                          : .seekGT(cursor: cursor, key: start, count: 1, target: $0) }
                }
            } else if reverse {
                b.emit(jumpTo: o.empty) { .last(cursor: cursor, target: $0) }
            } else {
                b.emit(jumpTo: o.empty) { .rewind(cursor: cursor, target: $0) }
            }
            o.body = b.currentAddress
            let endValue = reverse ? lo : hi
            if let endValue, let eb = reverse ? low : high {
                let rowid = b.allocateRegister()
                b.emit(.rowid(cursor: cursor, dest: rowid))
                let op: RComparison = reverse ? (eb.inclusive ? .lt : .le) : (eb.inclusive ? .gt : .ge)
                emitCompare(op, rowid, endValue, to: o.empty, affinity: nil, collation: nil, jumpIfNull: true)
            }
        }
        /// MULTI-INDEX OR (Spec/L5-sql.md P14): each branch's rows in turn; a rowid not seen
        /// before (an ephemeral index of them) runs the level's body as a subroutine, which
        /// first moves the table cursor to that row.
        func openMultiIndexOr(_ branches: [OrBranch], cursors: [Int], level: LoopLevel, nodes: [Int],
                              o: inout Open) throws {
            let source = level.source
            let cursor = source.cursor
            let seen = b.allocateCursor()
            b.emit(.openEphemeral(cursor: seen, columnCount: 1, keyInfo: KeyInfo(collations: [.binary], descending: [false])))
            let rowid = b.allocateRegister(), ret = b.allocateRegister(), rec = b.allocateRegister()
            let bodyStart = b.makeLabel()
            for (k, branch) in branches.enumerated() {
                var bo = Open(cont: b.makeLabel(), empty: b.makeLabel(), exit: b.makeLabel(), body: nil, match: nil,
                              afterOn: b.makeLabel())
                let ic = k < cursors.count ? cursors[k] : -1
                let saved = c.planParent
                if k < nodes.count { c.planParent = nodes[k] }
                defer { c.planParent = saved }
                switch branch.access {
                case .index(let scan) where ic >= 0:
                    try openIndexScan(scan, ic: ic, table: source.table, o: &bo)
                    b.emit(.idxRowid(cursor: ic, dest: rowid))
                    if !branch.terms.isEmpty { b.emit(.deferredSeek(indexCursor: ic, tableCursor: cursor)) }
                case .rowidEquals(let key):
                    try openRowidEquals(key, cursor: cursor, o: &bo)
                    b.emit(.rowid(cursor: cursor, dest: rowid))
                case .rowidRange(let low, let high, let reverse):
                    try openRowidRange(low, high, reverse: reverse, cursor: cursor, o: &bo)
                    b.emit(.rowid(cursor: cursor, dest: rowid))
                default:
                    throw c.error("internal error: MULTI-INDEX OR branch without a lookup", at: nil)
                }
                var shown = level
                shown.access = branch.access
                shown.constraintText = branch.constraintText
                if case .index(var scan) = branch.access {
                    scan.covering = branch.covering
                    shown.access = .index(scan)
                }
                c.planNode(planText(shown))
                for term in branch.terms { try jumpIfFalse(term, to: bo.cont, jumpIfNull: true) }
                b.emit(jumpTo: bo.cont) { .found(cursor: seen, key: rowid, count: 1, target: $0) }
                b.emit(.makeRecord(start: rowid, count: 1, dest: rec))
                b.emit(.idxInsert(cursor: seen, record: rec))
                b.emit(jumpTo: bodyStart) { .gosub(returnAddress: ret, target: $0) }
                b.place(bo.cont)
                switch branch.access {
                case .index(let scan):
                    if let top = bo.body { b.emit(scan.reverse ? .prev(cursor: ic, target: top) : .next(cursor: ic, target: top)) }
                case .rowidRange(_, _, let reverse):
                    if let top = bo.body {
                        b.emit(reverse ? .prev(cursor: cursor, target: top) : .next(cursor: cursor, target: top))
                    }
                default:
                    break
                }
                for loop in bo.inLoops.reversed() {
                    b.place(loop.next)
                    b.emit(loop.reverse ? .prev(cursor: loop.cursor, target: loop.top) : .next(cursor: loop.cursor, target: loop.top))
                }
                b.place(bo.empty)
            }
            b.emit(jumpTo: o.empty) { .goto(target: $0) }
            b.place(bodyStart)
            b.emit(jumpTo: o.cont) { .notExists(cursor: cursor, rowid: rowid, target: $0) }
            o.body = b.currentAddress
            o.orReturn = ret
        }
        func openLevel(_ levelIndex: Int) throws -> Open {
            let level = plan.levels[levelIndex]
            let cursor = level.source.cursor
            var o = Open(cont: b.makeLabel(), empty: b.makeLabel(), exit: b.makeLabel(), body: nil,
                         match: level.source.join.padsRight ? b.allocateRegister() : nil, afterOn: b.makeLabel())
            if let m = o.match { b.emit(.integer(value: 0, dest: m)) }
            switch level.access {
            case .fullScan:
                if let co = coroutines[levelIndex] {
                    o.body = b.currentAddress
                    b.emit(jumpTo: o.empty) { .yield(register: co, target: $0) }
                    break
                }
                b.emit(jumpTo: o.empty) { .rewind(cursor: cursor, target: $0) }
                o.body = b.currentAddress
            case .virtual(let v):
                o.inLoops = try codeVirtualFilter(v, cursor: cursor, empty: o.empty)
                o.body = b.currentAddress
            case .rowidEquals(let key):
                try openRowidEquals(key, cursor: cursor, o: &o, reverseIn: level.reversed)
            case .multiIndexOr(let branches):
                try openMultiIndexOr(branches, cursors: branchCursors[levelIndex] ?? [], level: level,
                                     nodes: orBranchNodes[levelIndex] ?? [], o: &o)
            case .rowidRange(let low, let high, let reverse):
                try openRowidRange(low, high, reverse: reverse, cursor: cursor, o: &o)
            case .index(let scan):
                let ic = indexCursors[levelIndex] ?? 0
                let table = level.source.table
                try openIndexScan(scan, ic: ic, table: table, o: &o, reverseIn: level.reversed)
                if ic == cursor {
                    // A WITHOUT ROWID table's own B-tree: openWithoutRowid routed its reads.
                } else if scan.covering {
                    var positions: [Int: Int] = [:]
                    for (p, col) in scan.columns.enumerated() where col.column >= 0 && positions[col.column] == nil {
                        positions[col.column] = p
                    }
                    coveringReads[cursor] = (ic, positions)
                    covered[cursor] = true
                } else if table.isWithoutRowid {
                    // The row by the PRIMARY KEY suffix of the index entry.
                    let positions = table.withoutRowidKeyPositions(in: scan.columns)
                    let pk = b.allocateRegisters(max(positions.count, 1))
                    for (k, p) in positions.enumerated() { b.emit(.column(cursor: ic, column: p, dest: pk + k)) }
                    b.emit(jumpTo: o.cont) { .notFound(cursor: cursor, key: pk, count: positions.count, target: $0) }
                } else {
                    b.emit(.deferredSeek(indexCursor: ic, tableCursor: cursor))
                }
            }
            for term in level.onTerms { try jumpIfFalse(term, to: o.cont, jumpIfNull: true) }
            if let m = o.match { b.emit(.integer(value: 1, dest: m)) }
            if let set = matchSets[levelIndex] {
                // Record the matched row (once).
                let key = matchKey(levelIndex)
                let seen = b.makeLabel()
                b.emit(jumpTo: seen) { .found(cursor: set.cursor, key: key, count: set.keyCount, target: $0) }
                let rec = b.allocateRegister()
                b.emit(.makeRecord(start: key, count: set.keyCount, dest: rec))
                b.emit(.idxInsert(cursor: set.cursor, record: rec))
                b.place(seen)
            }
            b.place(o.afterOn)
            if matchSets[levelIndex] == nil {
                for term in level.terms { try jumpIfFalse(term, to: o.cont, jumpIfNull: true) }
            }
            return o
        }
        func closeLevel(_ i: Int, _ o: Open) {
            let level = plan.levels[i]
            let cursor = level.source.cursor
            b.place(o.cont)
            if o.match != nil {
                let scratch = b.allocateRegister()
                let rc = rowCursor(i)
                b.emit(jumpTo: o.exit) { .ifNullRow(cursor: rc, target: $0, dest: scratch) }
            }
            switch level.access {
            case .fullScan:
                if let top = o.body {
                    b.emit(coroutines[i] != nil ? .goto(target: top) : .next(cursor: cursor, target: top))
                }
            case .virtual:
                if let top = o.body { b.emit(.vNext(cursor: cursor, target: top)) }
            case .rowidRange(_, _, let reverse):
                if let top = o.body {
                    b.emit(reverse ? .prev(cursor: cursor, target: top) : .next(cursor: cursor, target: top))
                }
            case .index(let scan):
                if let top = o.body, let ic = indexCursors[i] {
                    b.emit(scan.reverse ? .prev(cursor: ic, target: top) : .next(cursor: ic, target: top))
                }
            case .rowidEquals:
                break
            case .multiIndexOr:
                if let ret = o.orReturn { b.emit(.return(returnAddress: ret)) }
            }
            for loop in o.inLoops.reversed() {
                b.place(loop.next)
                b.emit(loop.reverse ? .prev(cursor: loop.cursor, target: loop.top) : .next(cursor: loop.cursor, target: loop.top))
            }
            b.place(o.empty)
            if let m = o.match {
                b.emit(jumpTo: o.exit) { .ifPos(register: m, target: $0) }
                b.emit(.nullRow(cursor: cursor))
                if rowCursor(i) != cursor { b.emit(.nullRow(cursor: rowCursor(i))) }
                b.emit(.integer(value: 1, dest: m))
                b.emit(jumpTo: o.afterOn) { .goto(target: $0) }
            }
            b.place(o.exit)
        }
        /// Opens levels `range`, runs `inner` in the innermost, closes them.
        func codeSegment(_ range: Range<Int>, inner: () throws -> Void) throws {
            var open: [Open] = []
            for i in range { open.append(try openLevel(i)) }
            try inner()
            for (j, i) in range.enumerated().reversed() { closeLevel(i, open[j]) }
        }
        if rightLevels.isEmpty {
            try codeSegment(0..<plan.levels.count, inner: body)
        } else {
            // Segment s + 1 (a subroutine) runs the levels after right level k_s.
            let subroutines = rightLevels.map { _ in (label: b.makeLabel(), returnAddress: b.allocateRegister()) }
            try codeSegment(0..<(rightLevels[0] + 1)) {
                b.emit(jumpTo: subroutines[0].label) { .gosub(returnAddress: subroutines[0].returnAddress, target: $0) }
            }
            // The unmatched rows of each RIGHT/FULL level, in FROM order.
            for (s, k) in rightLevels.enumerated() {
                guard let set = matchSets[k] else { continue }
                for j in 0..<k {
                    b.emit(.nullRow(cursor: plan.levels[j].source.cursor))
                    if rowCursor(j) != plan.levels[j].source.cursor { b.emit(.nullRow(cursor: rowCursor(j))) }
                }
                let source = plan.levels[k].source
                let cursor = source.cursor
                let done = b.makeLabel(), next = b.makeLabel()
                if source.virtualTable != nil, case .virtual(let v) = unmatchedVirtualAccess(plan, k) {
                    // A virtual table: scanned again with only its table-valued function
                    // arguments, rows told apart by their rowid.
                    let loops = try codeVirtualFilter(v, cursor: cursor, empty: done)
                    let top = b.currentAddress
                    let key = matchKey(k)
                    b.emit(jumpTo: next) { .found(cursor: set.cursor, key: key, count: set.keyCount, target: $0) }
                    b.emit(jumpTo: subroutines[s].label) { .gosub(returnAddress: subroutines[s].returnAddress, target: $0) }
                    b.place(next)
                    b.emit(.vNext(cursor: cursor, target: top))
                    closeVirtualInLoops(loops)
                    b.place(done)
                    continue
                }
                var scanCursor = cursor
                if let index = plan.levels[k].unmatchedScan {
                    scanCursor = b.allocateCursor()
                    b.emit(.openRead(cursor: scanCursor, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                                     keyInfo: try keyInfo(of: index), database: index.database))
                }
                b.emit(jumpTo: done) { .rewind(cursor: scanCursor, target: $0) }
                let top = b.currentAddress
                if let index = plan.levels[k].unmatchedScan {
                    // Index order, as SQLite walks it; the row itself through the table cursor.
                    if source.table.isWithoutRowid {
                        let positions = source.table.withoutRowidKeyPositions(in: index.columns)
                        let pk = b.allocateRegisters(max(positions.count, 1))
                        for (j, p) in positions.enumerated() { b.emit(.column(cursor: scanCursor, column: p, dest: pk + j)) }
                        b.emit(jumpTo: next) { .notFound(cursor: cursor, key: pk, count: positions.count, target: $0) }
                    } else {
                        b.emit(.deferredSeek(indexCursor: scanCursor, tableCursor: cursor))
                    }
                }
                let key = matchKey(k)
                b.emit(jumpTo: next) { .found(cursor: set.cursor, key: key, count: set.keyCount, target: $0) }
                b.emit(jumpTo: subroutines[s].label) { .gosub(returnAddress: subroutines[s].returnAddress, target: $0) }
                b.place(next)
                b.emit(.next(cursor: scanCursor, target: top))
                b.place(done)
            }
            b.emit(jumpTo: allDone) { .goto(target: $0) }
            for (s, k) in rightLevels.enumerated() {
                b.place(subroutines[s].label)
                let finished = b.makeLabel()
                for term in plan.levels[k].terms { try jumpIfFalse(term, to: finished, jumpIfNull: true) }
                let last = s + 1 < rightLevels.count ? rightLevels[s + 1] : plan.levels.count - 1
                try codeSegment((k + 1)..<(last + 1)) {
                    if s + 1 < rightLevels.count {
                        b.emit(jumpTo: subroutines[s + 1].label) {
                            .gosub(returnAddress: subroutines[s + 1].returnAddress, target: $0)
                        }
                    } else {
                        try body()
                    }
                }
                b.place(finished)
                b.emit(.return(returnAddress: subroutines[s].returnAddress))
            }
        }
        b.place(allDone)
    }
}
