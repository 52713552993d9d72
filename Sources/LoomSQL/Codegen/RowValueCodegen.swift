// This file implements row-value codegen (rowvalue.html): each operand is computed once into
// registers, then the test runs as scalar comparisons over those registers, pair by pair with
// each pair's own affinity and collation. Layer: L5. Spec: Spec/L5-sql.md §Row values.
import LoomBase
import LoomRecord
import LoomVDBE

extension Codegen {
    func codeRowExpr(_ e: RRowExpr, into target: Int) throws {
        switch e {
        case .compare(let op, let l, let r):
            let left = try codeRow(l), right = try codeRow(r)
            try code(Self.rowComparison(op, left, right), into: target)
        case .between(let x, let lo, let hi, let negated):
            let v = try codeRow(x), l = try codeRow(lo), h = try codeRow(hi)
            let both = RExpr.binary(.and, Self.rowComparison(.ge, v, l), Self.rowComparison(.le, v, h))
            try code(negated ? .unary(.not, both) : both, into: target)
        case .inSelect(let x, let sub, let negated):
            try codeRowInSelect(x, sub, negated: negated, into: target)
        case .inList(let x, let list, let negated):
            // The OR of the rows' equalities (three-valued: NULL when no row matches and
            // some row compares NULL).
            // As for a scalar IN list, only the left side's affinity applies (sqlite3:
            // `('1', 1.5) IN ((int_col, 1.5))` is false).
            let left = try codeRow(x)
            var any: RExpr? = nil
            for item in list {
                let eq = Self.rowComparison(.eq, left, try codeRow(item).map(Self.withoutAffinity))
                any = any.map { .binary(.or, $0, eq) } ?? eq
            }
            let result = any ?? .integer(0)
            try code(negated ? .unary(.not, result) : result, into: target)
        case .misused:
            throw c.error("row value misused", at: nil)
        case .element(let sub, let i):
            // `SET (a, b) = (SELECT …)`: every target reads the one run of the subquery.
            let base = try sharedRowSubquery(sub)
            b.emit(.copy(source: base + i, dest: target))
        }
    }

    /// Register-backed stand-ins for the values of `row`, keeping each value's affinity
    /// and collation (an explicit COLLATE stays explicit).
    func codeRow(_ row: RRow) throws -> [RExpr] {
        switch row {
        case .list(let items):
            return try items.map { item in
                let r = try codeTemp(item)
                if let explicit = item.explicitCollation {
                    return .collate(.register(r, affinity: item.affinity, collation: nil), explicit)
                }
                return .register(r, affinity: item.affinity, collation: item.columnCollation)
            }
        case .select(let sub):
            let base = try codeRowSubquery(sub)
            sharedRowSubqueries.removeAll { $0.select === sub }
            sharedRowSubqueries.append((sub, base))
            return Self.selectColumns(sub, base: base)
        case .shared(let sub):
            return Self.selectColumns(sub, base: try sharedRowSubquery(sub))
        }
    }

    /// The registers of `sub`'s row as an earlier operand or assignment of the statement
    /// computed them (coded first in execution order), else computed here.
    func sharedRowSubquery(_ sub: ResolvedSelect) throws -> Int {
        if let hit = sharedRowSubqueries.last(where: { $0.select === sub }) { return hit.base }
        let base = try codeRowSubquery(sub)
        sharedRowSubqueries.append((sub, base))
        return base
    }

    /// A register stand-in without its affinity (its collation kept).
    static func withoutAffinity(_ e: RExpr) -> RExpr {
        switch e {
        case .register(let r, _, let coll): return .register(r, affinity: nil, collation: coll)
        case .collate(let inner, let name): return .collate(withoutAffinity(inner), name)
        default: return e
        }
    }

    /// The result columns of `sub` as read from registers `base…`. A compound's columns
    /// take the affinity and collation of its last SELECT's (sqlite3: `(2, 1) IN (SELECT 2,
    /// text_col … UNION ALL SELECT 2, 3)` does not convert, `… UNION ALL SELECT 2, text_col`
    /// does).
    static func selectColumns(_ sub: ResolvedSelect, base: Int) -> [RExpr] {
        sub.lastCore.resultColumns.enumerated().map { i, col in
            .register(base + i, affinity: col.affinity, collation: col.explicitCollation ?? col.columnCollation)
        }
    }

    /// Runs `sub` for its first row (once when it is not correlated), leaving its columns in
    /// consecutive registers (all NULL when it has no row); returns the first register.
    func codeRowSubquery(_ sub: ResolvedSelect) throws -> Int {
        let n = sub.resultColumns.count
        let base = b.allocateRegisters(n)
        let done = b.makeLabel()
        if sub.outerCursors.isEmpty { emitOnce(skip: done) }
        for i in 0..<n { b.emit(.null(dest: base + i)) }
        let end = b.makeLabel()
        try underSubqueryNode("SCALAR SUBQUERY", sub) {
            try codeSelect(sub, stopLabel: end) { first, _ in
                for i in 0..<n { self.b.emit(.copy(source: first + i, dest: base + i)) }
                self.b.emit(jumpTo: end) { .goto(target: $0) }
            }
        }
        b.place(end)
        b.place(done)
        return base
    }

    /// The scalar form of `l op r` over register stand-ins: `=` / IS are the AND of the pairs,
    /// `<>` / IS NOT their OR; an ordering compares the first pair that differs, so
    /// `(a, b) < (c, d)` is `a < c OR (a = c AND b < d)` (NULL as soon as a pair that decides
    /// holds a NULL, as SQLite).
    static func rowComparison(_ op: RComparison, _ l: [RExpr], _ r: [RExpr]) -> RExpr {
        precondition(l.count == r.count && !l.isEmpty, "codegen bug: row sizes differ")
        let pairs = zip(l, r).map { ($0, $1) }
        switch op {
        case .eq, .is:
            return pairs.dropFirst().reduce(RExpr.compare(op, pairs[0].0, pairs[0].1)) { .binary(.and, $0, .compare(op, $1.0, $1.1)) }
        case .ne, .isNot:
            return pairs.dropFirst().reduce(RExpr.compare(op, pairs[0].0, pairs[0].1)) { .binary(.or, $0, .compare(op, $1.0, $1.1)) }
        case .lt, .le, .gt, .ge:
            let strict: RComparison = op == .lt || op == .le ? .lt : .gt
            var result = RExpr.compare(op, pairs[pairs.count - 1].0, pairs[pairs.count - 1].1)
            for (a, c) in pairs.dropLast().reversed() {
                result = .binary(.or, .compare(strict, a, c), .binary(.and, .compare(.eq, a, c), result))
            }
            return result
        }
    }

    /// `(a, b) [NOT] IN (SELECT x, y …)`: the rows go into an ephemeral index (once when the
    /// subquery is not correlated). A left side without NULLs found there is true; otherwise
    /// the result is NULL when some row compares NULL (a NULL in a pair, the others equal),
    /// else false — an empty set is false even for NULLs.
    private func codeRowInSelect(_ x: RRow, _ sub: ResolvedSelect, negated: Bool, into target: Int) throws {
        let n = sub.resultColumns.count
        let columns = Self.selectColumns(sub, base: 0)
        let left = try codeRow(x)
        var affinities: [Affinity] = [], collations: [Collation] = []
        for (l, col) in zip(left, columns) {
            affinities.append(comparisonAffinity(l, col) ?? .blob)
            collations.append(try comparisonCollation(l, col) ?? .binary)
        }
        // The set and whether any of its rows holds a NULL.
        let cursor = b.allocateCursor()
        let setHasNull = b.allocateRegister()
        let skip = b.makeLabel()
        if sub.outerCursors.isEmpty { emitOnce(skip: skip) }
        b.emit(.integer(value: 0, dest: setHasNull))
        b.emit(.openEphemeral(cursor: cursor, columnCount: n,
                              keyInfo: KeyInfo(collations: collations, descending: Array(repeating: false, count: n))))
        let rec = b.allocateRegister()
        try underSubqueryNode("LIST SUBQUERY", sub) {
            try codeSelect(sub) { base, _ in
                self.b.emit(.affinity(start: base, affinities: affinities))
                for i in 0..<n {
                    let next = self.b.makeLabel()
                    self.b.emit(jumpTo: next) { .notNull(register: base + i, target: $0) }
                    self.b.emit(.integer(value: 1, dest: setHasNull))
                    self.b.place(next)
                }
                self.b.emit(.makeRecord(start: base, count: n, dest: rec))
                self.b.emit(.idxInsert(cursor: cursor, record: rec))
            }
        }
        b.place(skip)

        let isTrue = b.makeLabel(), isFalse = b.makeLabel(), isNull = b.makeLabel(), done = b.makeLabel()
        let scan = b.makeLabel()
        // Which scan runs: a left side holding a NULL compares without affinity and with its
        // own collation only, as sqlite3 does (`('1', NULL) IN (SELECT int_col, …)` is false).
        let leftHasNull = b.allocateRegister()
        b.emit(.integer(value: 1, dest: leftHasNull))
        b.emit(jumpTo: isFalse) { .ifEmpty(cursor: cursor, target: $0) }
        let key = b.allocateRegisters(n)
        for (i, l) in left.enumerated() {
            try code(l, into: key + i)
            b.emit(jumpTo: scan) { .isNull(register: key + i, target: $0) }
        }
        b.emit(.affinity(start: key, affinities: affinities))
        b.emit(jumpTo: isTrue) { .found(cursor: cursor, key: key, count: n, target: $0) }
        b.emit(.integer(value: 0, dest: leftHasNull))
        b.emit(jumpTo: isFalse) { .ifNot(register: setHasNull, target: $0, jumpIfNull: true) }
        // Some pair holds a NULL: look for a row that is not definitely different.
        b.place(scan)
        let row = b.allocateRegisters(n)
        let verdict = b.allocateRegister()
        let loop = b.makeLabel()
        b.emit(jumpTo: isFalse) { .rewind(cursor: cursor, target: $0) }
        b.place(loop)
        for i in 0..<n { b.emit(.column(cursor: cursor, column: i, dest: row + i)) }
        let stored = columns.enumerated().map { i, col -> RExpr in
            if case .register(_, let a, let coll) = col { return .register(row + i, affinity: a, collation: coll) }
            return col
        }
        let plain = b.makeLabel(), compared = b.makeLabel()
        b.emit(jumpTo: plain) { .if(register: leftHasNull, target: $0, jumpIfNull: false) }
        try code(Self.rowComparison(.eq, left, stored), into: verdict)
        b.emit(jumpTo: compared) { .goto(target: $0) }
        b.place(plain)
        let bare = stored.map { e -> RExpr in
            if case .register(let r, _, _) = e { return .register(r, affinity: nil, collation: nil) }
            return e
        }
        try code(Self.rowComparison(.eq, left.map(Self.withoutAffinity), bare), into: verdict)
        b.place(compared)
        b.emit(jumpTo: isTrue) { .if(register: verdict, target: $0, jumpIfNull: false) }
        b.emit(jumpTo: isNull) { .isNull(register: verdict, target: $0) }
        b.emit(jumpTo: loop) { .next(cursor: cursor, target: $0) }
        placeInVerdict(target: target, negated: negated, isTrue: isTrue, isFalse: isFalse, isNull: isNull, done: done)
    }
}
