// This file implements the codegen of a WherePlan: the nested loops over the FROM items, each
// a full scan, rowid lookup or range, or index lookup/range scan (IN lists and subqueries
// looping over an ephemeral index of their values), covering-index reads, LEFT JOIN null
// rows, and the EXPLAIN QUERY PLAN line of every loop. Layer: L5. Spec: Spec/L5-sql.md §Planner.
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
        }
        if level.isMinMax, text.hasPrefix("SCAN ") {
            // min()/max() reads one row: SEARCH, and no "USING INTEGER PRIMARY KEY" for the rowid.
            text = "SEARCH " + text.dropFirst(5)
        }
        if level.source.join == .left, level.source.isStoredTable { text += " LEFT-JOIN" }
        return text
    }

    /// An IN loop being coded: its ephemeral cursor, loop top and where the next value is taken.
    struct InLoop { var cursor: Int; var top: Int; var next: Label }

    /// Fills an ephemeral index with the distinct non-NULL values of `key` (after `affinity`,
    /// compared with `collation`), then starts a loop over them: each value lands in
    /// `dest`. When there are none, jumps to `exhausted`.
    func codeInLoopStart(_ key: LookupKey, affinity: Affinity, collation collationName: String?, dest: Int,
                         exhausted: Label) throws -> InLoop {
        let cursor = b.allocateCursor()
        let coll = try collation(named: collationName) ?? .binary
        // Values that read no table are gathered once per run.
        var reads = Set<Int>()
        switch key {
        case .value(let e): e.cursorsUsed(into: &reads)
        case .list(let list): for e in list { e.cursorsUsed(into: &reads) }
        case .select(let sub): reads = sub.outerCursors
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
        }
        b.place(filled)
        b.emit(jumpTo: exhausted) { .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        b.emit(.column(cursor: cursor, column: 0, dest: dest))
        return InLoop(cursor: cursor, top: top, next: b.makeLabel())
    }

    /// Opens the cursors of `plan` and codes its nested loops around `body`.
    func codeLoops(_ plan: WherePlan, write: Bool = false, body: () throws -> Void) throws {
        var indexCursors: [Int: Int] = [:]
        var withoutRowidCursors: [Int] = []
        defer { for cursor in withoutRowidCursors { coveringReads[cursor] = nil } }
        for (i, level) in plan.levels.enumerated() {
            guard case .index(let scan) = level.access else { continue }
            if level.source.table.isWithoutRowid, scan.index?.rootPage == level.source.table.rootPage {
                indexCursors[i] = level.source.cursor  // the table's own B-tree (WITHOUT ROWID)
                continue
            }
            let ic = b.allocateCursor()
            indexCursors[i] = ic
            if let index = scan.index {
                b.emit(.openRead(cursor: ic, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                                 keyInfo: try keyInfo(of: index), database: index.database))
            }
        }
        // A recursive WITH table scanned by the outermost loop runs as a co-routine that
        // yields each row as it leaves the queue (as SQLite does); elsewhere it is
        // materialised first, since an inner loop restarts its scan.
        var coroutines: [Int: Int] = [:]
        for (levelIndex, level) in plan.levels.enumerated() {
            let source = level.source
            if source.isRecursiveReference { continue }
            if let rec = source.recursive {
                let node = c.planNode("CO-ROUTINE \(source.exposedName)")
                if levelIndex == 0, case .fullScan = level.access, source.join != .left {
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
                    withoutRowidCursors.append(source.cursor)
                } else if write {
                    b.emit(.openWrite(cursor: source.cursor, root: Int(source.table.rootPage),
                                      columnCount: source.table.columns.count, database: source.table.database))
                } else {
                    b.emit(.openRead(cursor: source.cursor, root: Int(source.table.rootPage),
                                     columnCount: source.table.columns.count, database: source.table.database))
                }
            }
        }
        for (i, level) in plan.levels.enumerated() {
            guard case .index(let scan) = level.access, scan.index == nil, let ic = indexCursors[i] else { continue }
            try codeBuildAutomaticIndex(level.source, cursor: ic, columns: scan.columns)
        }
        for level in plan.levels { c.planNode(planText(level)) }
        let allDone = b.makeLabel()
        for term in plan.constantTerms {
            try jumpIfFalse(term, to: allDone, jumpIfNull: true)
        }
        struct Open {
            var cont: Label; var empty: Label; var exit: Label; var body: Int?; var match: Int?; var afterOn: Label
            var inLoops: [InLoop] = []
        }
        var open: [Open] = []
        /// The cursor a LEFT JOIN's null row is set on and tested: the index when covering.
        func rowCursor(_ i: Int) -> Int {
            if case .index(let scan) = plan.levels[i].access, scan.covering, let ic = indexCursors[i] { return ic }
            return plan.levels[i].source.cursor
        }
        var covered: [Int] = []
        defer { for cursor in covered { coveringReads[cursor] = nil } }
        for (levelIndex, level) in plan.levels.enumerated() {
            let cursor = level.source.cursor
            var o = Open(cont: b.makeLabel(), empty: b.makeLabel(), exit: b.makeLabel(), body: nil,
                         match: level.source.join == .left ? b.allocateRegister() : nil, afterOn: b.makeLabel())
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
                try codeVirtualFilter(v, cursor: cursor, empty: o.empty)
                o.body = b.currentAddress
            case .rowidEquals(let key):
                let r = b.allocateRegister()
                if key.isMulti {
                    o.inLoops.append(try codeInLoopStart(key, affinity: .numeric, collation: nil, dest: r, exhausted: o.empty))
                } else if case .value(let e) = key {
                    try code(e, into: r)
                    if e.affinity == nil || e.affinity == .text || e.affinity == .blob {
                        b.emit(.affinity(start: r, affinities: [.numeric]))
                    }
                }
                let miss = o.inLoops.last?.next ?? o.empty
                b.emit(jumpTo: miss) { .seekRowid(cursor: cursor, rowid: r, target: $0) }
            case .rowidRange(let low, let high, let reverse):
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
            case .index(let scan):
                let ic = indexCursors[levelIndex] ?? 0
                let n = scan.equal.count
                let table = level.source.table
                func affinity(_ j: Int) -> Affinity {
                    guard j < scan.columns.count else { return .blob }
                    let col = scan.columns[j].column
                    return col >= 0 && col < table.columns.count ? table.columns[col].affinity : .integer
                }
                // Index order: a DESC column swaps the ends; a range skips NULL entries.
                let desc = n < scan.columns.count ? scan.columns[n].descending : false
                var lowIdx = desc ? scan.high : scan.low
                var highIdx = desc ? scan.low : scan.high
                if scan.low != nil || scan.high != nil {
                    if !desc && lowIdx == nil { lowIdx = RangeBound(expr: nil, inclusive: false) }
                    if desc && highIdx == nil { highIdx = RangeBound(expr: nil, inclusive: false) }
                }
                let key = b.allocateRegisters(n + 1)
                let highKey = highIdx != nil ? b.allocateRegisters(n + 1) : 0
                for (j, k) in scan.equal.enumerated() {
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
                    } else {
                        b.emit(.null(dest: r))
                    }
                }
                if let lowIdx { try bound(lowIdx, into: key + n) }
                if let highIdx { try bound(highIdx, into: highKey + n) }
                for (j, k) in scan.equal.enumerated() where k.isMulti {
                    let coll = j < scan.columns.count ? scan.columns[j].collation : nil
                    o.inLoops.append(try codeInLoopStart(k, affinity: affinity(j), collation: coll, dest: key + j,
                                                         exhausted: o.inLoops.last?.next ?? o.empty))
                }
                if highIdx != nil && n > 0 { b.emit(.copy(source: key, dest: highKey, count: n)) }
                let miss = o.inLoops.last?.next ?? o.empty
                if !scan.reverse {
                    if let lowIdx {
                        b.emit(jumpTo: miss) { lowIdx.inclusive ? .seekGE(cursor: ic, key: key, count: n + 1, target: $0)
                                                                : .seekGT(cursor: ic, key: key, count: n + 1, target: $0) }
                    } else if n > 0 {
                        b.emit(jumpTo: miss) { .seekGE(cursor: ic, key: key, count: n, target: $0) }
                    } else {
                        b.emit(jumpTo: miss) { .rewind(cursor: ic, target: $0) }
                    }
                    o.body = b.currentAddress
                    if let highIdx {
                        b.emit(jumpTo: miss) { highIdx.inclusive ? .idxGT(cursor: ic, key: highKey, count: n + 1, target: $0)
                                                                 : .idxGE(cursor: ic, key: highKey, count: n + 1, target: $0) }
                    } else if n > 0 {
                        b.emit(jumpTo: miss) { .idxGT(cursor: ic, key: key, count: n, target: $0) }
                    }
                } else {
                    if let highIdx {
                        b.emit(jumpTo: miss) { highIdx.inclusive ? .seekLE(cursor: ic, key: highKey, count: n + 1, target: $0)
                                                                 : .seekLT(cursor: ic, key: highKey, count: n + 1, target: $0) }
                    } else if n > 0 {
                        b.emit(jumpTo: miss) { .seekLE(cursor: ic, key: key, count: n, target: $0) }
                    } else {
                        b.emit(jumpTo: miss) { .last(cursor: ic, target: $0) }
                    }
                    o.body = b.currentAddress
                    if let lowIdx {
                        b.emit(jumpTo: miss) { lowIdx.inclusive ? .idxLT(cursor: ic, key: key, count: n + 1, target: $0)
                                                                : .idxLE(cursor: ic, key: key, count: n + 1, target: $0) }
                    } else if n > 0 {
                        b.emit(jumpTo: miss) { .idxLT(cursor: ic, key: key, count: n, target: $0) }
                    }
                }
                if scan.covering || ic == cursor {
                    var positions: [Int: Int] = [:]
                    for (p, col) in scan.columns.enumerated() where col.column >= 0 && positions[col.column] == nil {
                        positions[col.column] = p
                    }
                    coveringReads[cursor] = (ic, positions)
                    covered.append(cursor)
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
            b.place(o.afterOn)
            for term in level.terms { try jumpIfFalse(term, to: o.cont, jumpIfNull: true) }
            open.append(o)
        }
        try body()
        for (i, level) in plan.levels.enumerated().reversed() {
            let o = open[i]
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
            }
            for loop in o.inLoops.reversed() {
                b.place(loop.next)
                b.emit(.next(cursor: loop.cursor, target: loop.top))
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
        b.place(allDone)
    }
}
