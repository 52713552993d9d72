// This file implements window functions in the VM: the row buffer of a windowed SELECT
// (WindowOpen / WindowAppend / WindowCompute / WindowNext) and the evaluation of every
// built-in window function over partitions and frames. Layer: L4. Spec: Spec/L4-vdbe.md (§Windows).
import LoomBase
import LoomRecord

/// The window functions and windows of one windowed SELECT, fixed at prepare time. Input rows
/// (appended by WindowAppend) are arrays of values; functions name their arguments, filter,
/// partition and order keys by column number in those rows.
package struct WindowProgram: Sendable {
    /// One ORDER BY (or PARTITION BY) key of a window.
    package struct Key: Sendable {
        package var column: Int
        package var collation: Collation
        package var descending: Bool
        /// NULLs sort first (SQLite's default when ascending).
        package var nullsFirst: Bool
        package init(column: Int, collation: Collation, descending: Bool, nullsFirst: Bool) {
            self.column = column; self.collation = collation
            self.descending = descending; self.nullsFirst = nullsFirst
        }
    }

    package enum Unit: Sendable { case rows, range, groups }

    /// A frame boundary; offsets live in registers (evaluated once before WindowCompute).
    package enum Bound: Sendable {
        case unboundedPreceding
        case preceding(Register)
        case currentRow
        case following(Register)
        case unboundedFollowing
    }

    package enum Exclude: Sendable, Equatable { case noOthers, currentRow, group, ties }

    package struct Window: Sendable {
        package var partition: [Key]
        package var order: [Key]
        package var unit: Unit
        package var start: Bound
        package var end: Bound
        package var exclude: Exclude
        /// An EXCLUDE clause was written (even NO OTHERS): SQLite then computes each row's
        /// frame afresh instead of sliding it, which shows in sum()'s REAL-ness.
        package var recomputes: Bool
        package init(partition: [Key], order: [Key], unit: Unit, start: Bound, end: Bound, exclude: Exclude,
                     recomputes: Bool = false) {
            self.partition = partition; self.order = order; self.unit = unit
            self.start = start; self.end = end; self.exclude = exclude; self.recomputes = recomputes || exclude != .noOthers
        }
    }

    package enum Kind: Sendable, Equatable {
        case rowNumber, rank, denseRank, percentRank, cumeDist, ntile
        case lag, lead, firstValue, lastValue, nthValue
        case aggregate(AggregateKind)
    }

    package struct Function: Sendable {
        package var kind: Kind
        /// Input columns of the arguments.
        package var arguments: [Int]
        /// Input column of the FILTER condition.
        package var filter: Int?
        package var window: Window
        /// min()/max() comparison collation.
        package var collation: Collation
        package init(kind: Kind, arguments: [Int], filter: Int?, window: Window, collation: Collation) {
            self.kind = kind; self.arguments = arguments; self.filter = filter
            self.window = window; self.collation = collation
        }
    }

    /// In SELECT order; computed from last to first, each sorting the rows by its window, so
    /// the output comes in the first function's window order (as SQLite's nested layers do).
    package var functions: [Function]
    package init(functions: [Function]) { self.functions = functions }

    /// Maps a window function name (lower case) and argument count to its kind; nil when the
    /// name is not a built-in window function.
    package static func builtinKind(_ name: String) -> Kind? {
        switch name {
        case "row_number": return .rowNumber
        case "rank": return .rank
        case "dense_rank": return .denseRank
        case "percent_rank": return .percentRank
        case "cume_dist": return .cumeDist
        case "ntile": return .ntile
        case "lag": return .lag
        case "lead": return .lead
        case "first_value": return .firstValue
        case "last_value": return .lastValue
        case "nth_value": return .nthValue
        default: return nil
        }
    }
}

/// The rows of one windowed SELECT while it runs.
final class WindowBuffer {
    var rows: [[Value]] = []
    /// Row numbers in output order (after WindowCompute).
    var order: [Int] = []
    /// Function results per input row.
    var results: [[Value]] = []
    var next = 0
}

extension VM {
    func windowOpen(_ state: Register) {
        windowBuffers[state] = WindowBuffer()
    }

    func windowAppend(_ state: Register, _ start: Register, _ count: Int) throws {
        try checkRange(start, count)
        guard let buffer = windowBuffers[state] else {
            throw DatabaseError(.internal, "WindowAppend without WindowOpen")
        }
        buffer.rows.append(Array(registers[start ..< start + count]))
    }

    func windowCompute(_ state: Register, _ program: WindowProgram) throws {
        guard let buffer = windowBuffers[state] else {
            throw DatabaseError(.internal, "WindowCompute without WindowOpen")
        }
        var evaluator = WindowEvaluator(rows: buffer.rows, registers: registers)
        try evaluator.run(program)
        buffer.order = evaluator.order
        buffer.results = evaluator.results
        buffer.next = 0
    }

    /// Loads the next output row (input row, then one result per function) into `dest…`;
    /// returns false when the rows are exhausted.
    func windowNext(_ state: Register, _ dest: Register) throws -> Bool {
        guard let buffer = windowBuffers[state] else {
            throw DatabaseError(.internal, "WindowNext without WindowOpen")
        }
        guard buffer.next < buffer.order.count else {
            windowBuffers[state] = nil
            return false
        }
        let r = buffer.order[buffer.next]
        buffer.next += 1
        let row = buffer.rows[r], res = buffer.results[r]
        try checkRange(dest, row.count + res.count)
        for (i, v) in row.enumerated() { registers[dest + i] = v }
        for (i, v) in res.enumerated() { registers[dest + row.count + i] = v }
        return true
    }
}

/// Computes window function results over an in-memory row set.
struct WindowEvaluator {
    let rows: [[Value]]
    let registers: RegisterFile
    var order: [Int]
    var results: [[Value]]

    init(rows: [[Value]], registers: RegisterFile) {
        self.rows = rows
        self.registers = registers
        order = Array(rows.indices)
        results = Array(repeating: [], count: rows.count)
    }

    mutating func run(_ program: WindowProgram) throws {
        let n = program.functions.count
        for i in results.indices { results[i] = Array(repeating: .null, count: n) }
        guard !rows.isEmpty else { return }
        for f in (0 ..< n).reversed() {
            let fn = program.functions[f]
            let keys = fn.window.partition + fn.window.order
            if !keys.isEmpty { stableSort(by: keys) }
            var start = 0
            while start < order.count {
                var end = start + 1
                while end < order.count, compare(order[start], order[end], fn.window.partition) == 0 { end += 1 }
                try evaluate(fn, index: f, partition: Array(order[start ..< end]))
                start = end
            }
        }
    }

    func value(_ row: Int, _ column: Int) -> Value {
        let r = rows[row]
        return column >= 0 && column < r.count ? r[column] : .null
    }

    func compareKey(_ a: Value, _ b: Value, _ key: WindowProgram.Key) -> Int {
        if a.isNull || b.isNull {
            if a.isNull && b.isNull { return 0 }
            let aFirst = a.isNull == key.nullsFirst
            return aFirst ? -1 : 1
        }
        let c = compareValues(a, b, collation: key.collation)
        return key.descending ? -c : c
    }

    func compare(_ a: Int, _ b: Int, _ keys: [WindowProgram.Key]) -> Int {
        for k in keys {
            let c = compareKey(value(a, k.column), value(b, k.column), k)
            if c != 0 { return c }
        }
        return 0
    }

    /// Merge sort of `order` (stable: ties keep their current order).
    mutating func stableSort(by keys: [WindowProgram.Key]) {
        var src = order
        var dst = order
        var width = 1
        let n = src.count
        while width < n {
            var lo = 0
            while lo < n {
                let mid = min(lo + width, n), hi = min(lo + 2 * width, n)
                var i = lo, j = mid, k = lo
                while i < mid && j < hi {
                    if compare(src[j], src[i], keys) < 0 { dst[k] = src[j]; j += 1 } else { dst[k] = src[i]; i += 1 }
                    k += 1
                }
                while i < mid { dst[k] = src[i]; i += 1; k += 1 }
                while j < hi { dst[k] = src[j]; j += 1; k += 1 }
                lo = hi
            }
            swap(&src, &dst)
            width *= 2
        }
        order = src
    }

    func register(_ r: Register) -> Value {
        r >= 0 && r < registers.count ? registers[r] : .null
    }

    // MARK: One partition

    /// Computes function number `index` for every row of `partition` (row numbers in order).
    mutating func evaluate(_ fn: WindowProgram.Function, index: Int, partition p: [Int]) throws {
        let n = p.count
        let w = fn.window
        // Peer groups: group[i] = group number, groupStart/groupEnd of each group.
        var group = Array(repeating: 0, count: n)
        var groupStart: [Int] = [0], groupEnd: [Int] = []
        for i in 1 ..< max(n, 1) where i < n {
            if compare(p[i - 1], p[i], w.order) != 0 {
                groupEnd.append(i - 1)
                groupStart.append(i)
            }
            group[i] = groupStart.count - 1
        }
        groupEnd.append(n - 1)
        func arg(_ row: Int, _ k: Int) -> Value {
            k < fn.arguments.count ? value(row, fn.arguments[k]) : .null
        }
        switch fn.kind {
        case .rowNumber:
            for i in 0 ..< n { results[p[i]][index] = .integer(Int64(i + 1)) }
            return
        case .rank:
            for i in 0 ..< n { results[p[i]][index] = .integer(Int64(groupStart[group[i]] + 1)) }
            return
        case .denseRank:
            for i in 0 ..< n { results[p[i]][index] = .integer(Int64(group[i] + 1)) }
            return
        case .percentRank:
            for i in 0 ..< n {
                let rank = groupStart[group[i]]
                results[p[i]][index] = .real(n > 1 ? Double(rank) / Double(n - 1) : 0)
            }
            return
        case .cumeDist:
            for i in 0 ..< n {
                results[p[i]][index] = .real(Double(groupEnd[group[i]] + 1) / Double(n))
            }
            return
        case .ntile:
            // The bucket count is the partition's first row's argument (as SQLite).
            guard n > 0 else { return }
            let first = arg(p[0], 0)
            guard !first.isNull, case let buckets = first.integerValue, buckets > 0 else {
                throw DatabaseError(.error, "argument of ntile must be a positive integer")
            }
            for i in 0 ..< n {
                let count = Int64(n)
                let b = min(buckets, count)
                let small = count / b, extra = count % b
                // The first `extra` buckets hold small+1 rows.
                let i64 = Int64(i)
                let bucket: Int64
                if i64 < extra * (small + 1) { bucket = i64 / (small + 1) }
                else { bucket = extra + (i64 - extra * (small + 1)) / max(small, 1) }
                results[p[i]][index] = .integer(bucket + 1)
            }
            return
        case .lag, .lead:
            for i in 0 ..< n {
                var offset: Int64 = 1
                if fn.arguments.count >= 2 {
                    let o = arg(p[i], 1)
                    if o.isNull { results[p[i]][index] = .null; continue }
                    switch o {
                    case .integer(let x): offset = x
                    case .real(let d) where d == d.rounded() && abs(d) < 9.2e18: offset = Int64(d)
                    case .real: offset = Int64.max   // no such row: the default
                    default: offset = o.integerValue
                    }
                }
                let (target, overflow) = fn.kind == .lag
                    ? Int64(i).subtractingReportingOverflow(offset)
                    : Int64(i).addingReportingOverflow(offset)
                if !overflow, target >= 0, target < Int64(n) {
                    results[p[i]][index] = arg(p[Int(target)], 0)
                } else {
                    results[p[i]][index] = fn.arguments.count >= 3 ? arg(p[i], 2) : .null
                }
            }
            return
        default:
            break
        }
        // Frame-based functions.
        let frames = try frameBounds(w, partition: p, group: group, groupStart: groupStart, groupEnd: groupEnd)
        func included(_ i: Int, _ j: Int) -> Bool {
            switch w.exclude {
            case .noOthers: return true
            case .currentRow: return j != i
            case .group: return group[j] != group[i]
            case .ties: return j == i || group[j] != group[i]
            }
        }
        func passes(_ row: Int) -> Bool {
            guard let f = fn.filter else { return true }
            let v = value(row, f)
            switch v {
            case .null: return false
            case .integer(let x): return x != 0
            default: return v.realValue != 0
            }
        }
        switch fn.kind {
        case .firstValue, .lastValue, .nthValue:
            for i in 0 ..< n {
                var nth = 1
                if fn.kind == .nthValue {
                    guard let k = positiveInteger(arg(p[i], 1)) else {
                        throw DatabaseError(.error, "second argument to nth_value must be a positive integer")
                    }
                    nth = Int(min(k, Int64(Int.max / 2)))
                }
                let (s, e) = frames[i]
                var result: Value = .null
                if s <= e {
                    if fn.kind == .lastValue {
                        var j = e
                        while j >= s { if included(i, j) { result = arg(p[j], 0); break }; j -= 1 }
                    } else {
                        var seen = 0
                        for j in s ... e where included(i, j) {
                            seen += 1
                            if seen == nth { result = arg(p[j], 0); break }
                        }
                    }
                }
                results[p[i]][index] = result
            }
        case .aggregate(let kind):
            let argc = fn.arguments.count
            func step(_ state: AggregateState, _ j: Int) {
                let row = p[j]
                guard passes(row) else { return }
                var args: [Value] = []
                args.reserveCapacity(argc)
                for k in 0 ..< argc { args.append(value(row, fn.arguments[k])) }
                state.step(args[...], collation: fn.collation)
            }
            func inverse(_ state: AggregateState, _ j: Int) -> Bool {
                let row = p[j]
                guard passes(row) else { return true }
                return state.inverse(argc > 0 ? value(row, fn.arguments[0]) : .null)
            }
            var state = AggregateState(kind: kind, distinct: false)
            if !w.recomputes && state.canInverse {
                // As SQLite: the frame's end steps every row of the partition once, in order,
                // and its start takes each row back out once (a row the frame skips is
                // stepped, then taken out). Leaving rows go before entering rows, so REAL sums
                // round, and sum() stays REAL after a REAL left, exactly as in sqlite3.
                // RANGE frames ending before the current row take the entering rows first
                // (SQLite's step order for that shape).
                var stepFirst = false
                if w.unit == .range, case .preceding = w.end, case .preceding = w.start { stepFirst = true }
                if w.unit == .range, case .following = w.start { stepFirst = true }
                // ROWS frames starting after the current row: at a partition's start, SQLite
                // takes row j back right after stepping row j + (end offset - start offset).
                var lag = 0
                if w.unit == .rows, case .following(let r1) = w.start {
                    switch w.end {
                    case .following(let r2):
                        let (d, o) = register(r2).integerValue.subtractingReportingOverflow(register(r1).integerValue)
                        lag = o ? Int.max / 2 : Int(max(0, min(d, Int64(Int.max / 2))))
                    case .unboundedFollowing: lag = Int.max / 2
                    default: break
                    }
                }
                // GROUPS: the same, counted in peer groups.
                var groupLag = -1
                if w.unit == .groups, case .following(let r1) = w.start {
                    switch w.end {
                    case .following(let r2):
                        let (d, o) = register(r2).integerValue.subtractingReportingOverflow(register(r1).integerValue)
                        groupLag = o ? Int.max / 2 : Int(max(0, min(d, Int64(Int.max / 2))))
                    case .unboundedFollowing: groupLag = Int.max / 2
                    default: break
                    }
                }
                func due(_ j: Int) -> Bool {
                    if groupLag >= 0 {
                        return group[stepped] - group[j] > groupLag
                            || (group[stepped] - group[j] == groupLag && (stepped + 1 == n || group[stepped + 1] != group[stepped]))
                    }
                    return j <= stepped - lag
                }
                var stepped = -1, removed = 0
                for i in 0 ..< n {
                    let (s, e) = frames[i]
                    if stepFirst {
                        while stepped < e { stepped += 1; step(state, stepped) }
                        while removed < s && removed <= stepped { _ = inverse(state, removed); removed += 1 }
                    } else {
                        while removed < s && removed <= stepped { _ = inverse(state, removed); removed += 1 }
                        while stepped < e {
                            stepped += 1
                            step(state, stepped)
                            while removed < s && removed <= stepped && due(removed) {
                                _ = inverse(state, removed); removed += 1
                            }
                        }
                        while removed < s && removed <= stepped { _ = inverse(state, removed); removed += 1 }
                    }
                    results[p[i]][index] = try state.final()
                }
                return
            }
            var curS = 0, curE = -1   // rows currently stepped into `state`
            for i in 0 ..< n {
                let (s, e) = frames[i]
                if w.recomputes {
                    state = AggregateState(kind: kind, distinct: false)
                    if s <= e { for j in s ... e where included(i, j) { step(state, j) } }
                    results[p[i]][index] = try state.final()
                    continue
                }
                // min/max/group_concat: grow while the start stays, else recompute.
                if s > e || s != curS || e < curE || curS > curE {
                    state = AggregateState(kind: kind, distinct: false)
                    if s <= e { for j in s ... e { step(state, j) } }
                } else if e > curE {
                    for j in curE + 1 ... e { step(state, j) }
                }
                curS = s; curE = e
                if s > e { curS = 0; curE = -1 }
                results[p[i]][index] = try state.final()
            }
        default:
            break
        }
    }

    /// The frame [start, end] (indices into the partition; start > end when empty) of each row.
    func frameBounds(_ w: WindowProgram.Window, partition p: [Int], group: [Int],
                     groupStart: [Int], groupEnd: [Int]) throws -> [(Int, Int)] {
        let n = p.count
        let groups = groupStart.count
        func offset(_ r: Register, starting: Bool, numeric: Bool) throws -> Value {
            var v = register(r)
            // Text spelling a number counts as that number.
            if case .text(let t) = v, let number = parseNumericText(t) { v = number }
            let which = starting ? "starting" : "ending"
            if numeric {
                switch v {
                case .integer(let x) where x >= 0: return v
                case .real(let d) where d >= 0: return v
                default:
                    throw DatabaseError(.error, "frame \(which) offset must be a non-negative number")
                }
            }
            switch v {
            case .integer(let x) where x >= 0: return v
            case .real(let d) where d >= 0 && d == d.rounded() && d < 9.2e18: return .integer(Int64(d))
            default:
                throw DatabaseError(.error, "frame \(which) offset must be a non-negative integer")
            }
        }
        // Validate offsets once (SQLite checks them even for an empty partition).
        var startOffset: Value = .null, endOffset: Value = .null
        if case .preceding(let r) = w.start { startOffset = try offset(r, starting: true, numeric: w.unit == .range) }
        if case .following(let r) = w.start { startOffset = try offset(r, starting: true, numeric: w.unit == .range) }
        if case .preceding(let r) = w.end { endOffset = try offset(r, starting: false, numeric: w.unit == .range) }
        if case .following(let r) = w.end { endOffset = try offset(r, starting: false, numeric: w.unit == .range) }
        func clampAdd(_ a: Int, _ b: Int64, _ sign: Int64) -> Int {
            let (m, o1) = b.multipliedReportingOverflow(by: sign)
            if o1 { return sign < 0 ? Int.min / 2 : Int.max / 2 }
            let (r, o2) = Int64(a).addingReportingOverflow(m)
            if o2 { return m < 0 ? Int.min / 2 : Int.max / 2 }
            return Int(max(min(r, Int64(Int.max / 2)), Int64(Int.min / 2)))
        }
        var out: [(Int, Int)] = []
        out.reserveCapacity(n)
        for i in 0 ..< n {
            var s = 0, e = n - 1
            switch w.unit {
            case .rows:
                switch w.start {
                case .unboundedPreceding: s = 0
                case .preceding: s = clampAdd(i, startOffset.integerValue, -1)
                case .currentRow: s = i
                case .following: s = clampAdd(i, startOffset.integerValue, 1)
                case .unboundedFollowing: s = n
                }
                switch w.end {
                case .unboundedPreceding: e = -1
                case .preceding: e = clampAdd(i, endOffset.integerValue, -1)
                case .currentRow: e = i
                case .following: e = clampAdd(i, endOffset.integerValue, 1)
                case .unboundedFollowing: e = n - 1
                }
            case .groups:
                let g = group[i]
                func startOfGroup(_ k: Int) -> Int { k < 0 ? 0 : (k >= groups ? n : groupStart[k]) }
                func endOfGroup(_ k: Int) -> Int { k < 0 ? -1 : (k >= groups ? n - 1 : groupEnd[k]) }
                switch w.start {
                case .unboundedPreceding: s = 0
                case .preceding: s = startOfGroup(clampAdd(g, startOffset.integerValue, -1))
                case .currentRow: s = groupStart[g]
                case .following: s = startOfGroup(clampAdd(g, startOffset.integerValue, 1))
                case .unboundedFollowing: s = n
                }
                switch w.end {
                case .unboundedPreceding: e = -1
                case .preceding: e = endOfGroup(clampAdd(g, endOffset.integerValue, -1))
                case .currentRow: e = groupEnd[g]
                case .following: e = endOfGroup(clampAdd(g, endOffset.integerValue, 1))
                case .unboundedFollowing: e = n - 1
                }
            case .range:
                let g = group[i]
                switch w.start {
                case .unboundedPreceding: s = 0
                case .currentRow: s = groupStart[g]
                case .preceding: s = rangeStart(w, p, i, startOffset, preceding: true, groupStart[g])
                case .following: s = rangeStart(w, p, i, startOffset, preceding: false, groupStart[g])
                case .unboundedFollowing: s = n
                }
                switch w.end {
                case .unboundedPreceding: e = -1
                case .currentRow: e = groupEnd[g]
                case .preceding: e = rangeEnd(w, p, i, endOffset, preceding: true, groupEnd[g])
                case .following: e = rangeEnd(w, p, i, endOffset, preceding: false, groupEnd[g])
                case .unboundedFollowing: e = n - 1
                }
            }
            s = max(s, 0); e = min(e, n - 1)
            out.append((s, e))
        }
        return out
    }

    /// As SQLite, a RANGE offset is added (ascending) or subtracted (descending) on the side that
    /// comes earlier in sort order: the other row's key for PRECEDING, the current key for
    /// FOLLOWING. Returns the two values to compare (earlier side moved, later side).
    func rangeSides(_ key: WindowProgram.Key, row kv: Value, current v: Value, _ offset: Value,
                    preceding: Bool) -> (Value, Value) {
        func move(_ x: Value) -> Value {
            key.descending ? Operators.arithmetic(.subtract, x, offset) : Operators.arithmetic(.add, x, offset)
        }
        return preceding ? (move(kv), v) : (kv, move(v))
    }

    func isNumeric(_ v: Value) -> Bool {
        switch v { case .integer, .real: return true; default: return false }
    }

    /// First row of the partition whose key is not before `target` (RANGE start).
    func rangeStart(_ w: WindowProgram.Window, _ p: [Int], _ i: Int, _ offset: Value, preceding: Bool,
                    _ peerStart: Int) -> Int {
        guard let key = w.order.first else { return peerStart }
        let v = value(p[i], key.column)
        if !isNumeric(v) {
            // NULL (and non-numeric) keys: the frame starts at the peers' first row.
            return peerStart
        }
        // First j with key(j) "≥" key ∓ N in sort order. As SQLite, the offset moves the
        // candidate row's key (key(j) ± N against the current key), which decides REAL ties.
        // NULL and non-numeric keys sit at the ends of the partition, so the test is
        // monotone and a binary search finds it.
        let target = preceding ? v : rangeSides(key, row: v, current: v, offset, preceding: false).1
        return lowerBound(p.count) { j in
            let kv = value(p[j], key.column)
            guard isNumeric(kv) else { return compareKey(kv, v, key) > 0 }
            let (a, b) = preceding ? rangeSides(key, row: kv, current: v, offset, preceding: true) : (kv, target)
            return compareKey(a, b, key) >= 0
        }
    }

    /// The first index in 0..<count for which `test` holds (count if none); `test` must be
    /// false then true.
    func lowerBound(_ count: Int, _ test: (Int) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if test(mid) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Last row of the partition whose key is not after `target` (RANGE end).
    func rangeEnd(_ w: WindowProgram.Window, _ p: [Int], _ i: Int, _ offset: Value, preceding: Bool,
                  _ peerEnd: Int) -> Int {
        guard let key = w.order.first else { return peerEnd }
        let v = value(p[i], key.column)
        if !isNumeric(v) { return peerEnd }
        let target = preceding ? v : rangeSides(key, row: v, current: v, offset, preceding: false).1
        // Last j with key(j) "≤" key ± N: one before the first row past it.
        return lowerBound(p.count) { j in
            let kv = value(p[j], key.column)
            guard isNumeric(kv) else { return compareKey(kv, v, key) >= 0 }
            let (a, b) = preceding ? rangeSides(key, row: kv, current: v, offset, preceding: true) : (kv, target)
            return compareKey(a, b, key) > 0
        } - 1
    }
}

/// A value usable as nth_value's N: integers > 0 and integral reals > 0 (text as the number
/// it spells).
func positiveInteger(_ v: Value) -> Int64? {
    if case .text(let t) = v, let number = parseNumericText(t) { return positiveInteger(number) }
    switch v {
    case .integer(let x): return x > 0 ? x : nil
    case .real(let d): return d > 0 && d == d.rounded() && d < 9.2e18 ? Int64(d) : nil
    default: return nil
    }
}

extension AggregateState {
    /// Whether rows can be taken out of the state (sum/total/avg/count; not min/max/group_concat).
    var canInverse: Bool {
        switch kind {
        case .countStar, .count, .sum, .total, .avg: return seen == nil
        default: return false
        }
    }

    /// Takes one row back out (window frames moving forward). Returns false if unsupported.
    func inverse(_ first: Value) -> Bool {
        switch kind {
        case .countStar:
            count -= 1
        case .count:
            if !first.isNull { count -= 1 }
        case .sum, .total, .avg:
            switch numericType(first) {
            case .null: return true
            case .integer(let i):
                count -= 1
                if !approximate && !overflow {
                    integerSum = integerSum &- i
                    realSum -= Double(i)
                } else {
                    realSum -= Double(i)
                }
            default:
                count -= 1
                realSum -= first.realValue
            }
        default:
            return false
        }
        return true
    }
}
