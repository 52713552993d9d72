// This file implements what decides whether the planner may use a partial or expression index:
// structural equality of resolved expressions, the WHERE ⇒ partial-index-WHERE test
// (partialindex.html §3), and the LIKE/GLOB prefix ranges (optoverview.html §5).
// Layer: L5. Spec: Spec/L5-sql.md §Planner (P10-P13).
import LoomBase
import LoomRecord

/// A partial or expression index resolved against one FROM item's cursor, so that its
/// expressions compare with the query's (built by codegen, which owns the resolver).
package struct ResolvedIndexParts {
    package var index: Index
    /// Per key column: the indexed expression (column −2), resolved; nil for a plain column.
    package var keys: [RExpr?]
    /// The partial index's WHERE clause, resolved; nil when the index has none.
    package var whereClause: RExpr?
    package init(index: Index, keys: [RExpr?], whereClause: RExpr?) {
        self.index = index
        self.keys = keys
        self.whereClause = whereClause
    }
}

extension RExpr {
    /// The same expression: same operators, functions (by name), columns and literals. Forms
    /// that hold a query (subqueries, EXISTS) or depend on the row being coded never match.
    func sameAs(_ other: RExpr) -> Bool {
        func all(_ a: [RExpr], _ b: [RExpr]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { $0.sameAs($1) } }
        func opt(_ a: RExpr?, _ b: RExpr?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case (let x?, let y?): return x.sameAs(y)
            default: return false
            }
        }
        switch (self, other) {
        case (.null, .null): return true
        case (.integer(let a), .integer(let b)): return a == b
        case (.real(let a), .real(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.text(let a), .text(let b)): return a == b
        case (.blob(let a), .blob(let b)): return a == b
        case (.column(let a, _, _, _), .column(let b, _, _, _)): return a == b
        case (.unary(let o1, let a), .unary(let o2, let b)): return o1 == o2 && a.sameAs(b)
        case (.binary(let o1, let a1, let b1), .binary(let o2, let a2, let b2)):
            return o1 == o2 && a1.sameAs(a2) && b1.sameAs(b2)
        case (.compare(let o1, let a1, let b1), .compare(let o2, let a2, let b2)):
            return o1 == o2 && a1.sameAs(a2) && b1.sameAs(b2)
        case (.isNull(let a, let n1), .isNull(let b, let n2)): return n1 == n2 && a.sameAs(b)
        case (.between(let a1, let l1, let h1, let n1), .between(let a2, let l2, let h2, let n2)):
            return n1 == n2 && a1.sameAs(a2) && l1.sameAs(l2) && h1.sameAs(h2)
        case (.inList(let a1, let l1, let n1), .inList(let a2, let l2, let n2)):
            return n1 == n2 && a1.sameAs(a2) && all(l1, l2)
        case (.function(let f1, let a1), .function(let f2, let a2)):
            return f1.name.equalsIgnoringCase(f2.name) && all(a1, a2) && f1.matchesInIndex
        case (.cast(let a, let t1, _), .cast(let b, let t2, _)): return t1.equalsIgnoringCase(t2) && a.sameAs(b)
        case (.collate(let a, let n1), .collate(let b, let n2)): return n1.equalsIgnoringCase(n2) && a.sameAs(b)
        case (.like(let a1, let p1, let e1, let g1, let n1), .like(let a2, let p2, let e2, let g2, let n2)):
            return g1 == g2 && n1 == n2 && a1.sameAs(a2) && p1.sameAs(p2) && opt(e1, e2)
        case (.caseWhen(let b1, let w1, let o1), .caseWhen(let b2, let w2, let o2)):
            return opt(b1, b2) && opt(o1, o2) && w1.count == w2.count
                && zip(w1, w2).allSatisfy { $0.0.sameAs($1.0) && $0.1.sameAs($1.1) }
        default: return false
        }
    }

    /// The expression with any COLLATE operators on top removed.
    var withoutCollate: RExpr {
        if case .collate(let e, _) = self { return e.withoutCollate }
        return self
    }
}

extension WherePlanner {
    /// Whether the conjuncts `terms` of a query's WHERE clause imply `x`, a partial index's
    /// WHERE clause, by SQLite's two rules: a term of the query appears as a term of `x`
    /// (AND-connected terms of `x` must each be implied, OR-connected ones any), or `x` is
    /// `z IS NOT NULL` and the query compares `z` with an operator other than IS.
    static func implies(_ terms: [RExpr], _ x: RExpr) -> Bool {
        if terms.contains(where: { $0.sameAs(x) }) { return true }
        switch x {
        case .binary(.and, let a, let b): return implies(terms, a) && implies(terms, b)
        case .binary(.or, let a, let b): return implies(terms, a) || implies(terms, b)
        case .isNull(let z, negated: true):
            return terms.contains { impliesNotNull($0, z) }
        default: return false
        }
    }

    /// Whether `term` being true means `z` is not NULL: `z` is an operand of a comparison
    /// other than IS / IS NOT, of IN, BETWEEN, LIKE or GLOB.
    static func impliesNotNull(_ term: RExpr, _ z: RExpr) -> Bool {
        let zz = z.withoutCollate
        func operand(_ e: RExpr) -> Bool { e.withoutCollate.sameAs(zz) }
        switch term {
        case .compare(let op, let a, let b) where op != .is && op != .isNot:
            return operand(a) || operand(b)
        case .inList(let a, _, false), .inSelect(let a, _, false):
            return operand(a)
        case .between(let a, _, _, false):
            return operand(a)
        case .like(let a, let p, _, _, false):
            return operand(a) || operand(p)
        case .binary(.or, let a, let b):
            // `z = 1 OR z = 2` (an IN list to SQLite): each branch must imply it.
            return impliesNotNull(a, z) && impliesNotNull(b, z)
        default:
            return false
        }
    }

    /// The bounds `column >= low AND column < high` that `x LIKE/GLOB pattern` implies, for
    /// a literal pattern with a non-empty prefix before its first wildcard: nil when the
    /// pattern starts with a wildcard, has an ESCAPE that is not one character, or the
    /// prefix's last character has no successor that keeps the range exact under NOCASE.
    static func likePrefixRange(_ pattern: String, glob: Bool, escape: Character?) -> (low: String, high: String)? {
        var prefix: [Unicode.Scalar] = []
        var scalars = Array(pattern.unicodeScalars)[...]
        let escapeScalar = escape.flatMap { $0.unicodeScalars.count == 1 ? $0.unicodeScalars.first : nil }
        while let s = scalars.first {
            if glob {
                if s == "*" || s == "?" || s == "[" { break }
            } else {
                if let esc = escapeScalar, s == esc {
                    scalars.removeFirst()
                    guard let next = scalars.first else { return nil }
                    prefix.append(next)
                    scalars.removeFirst()
                    continue
                }
                if s == "%" || s == "_" { break }
            }
            prefix.append(s)
            scalars.removeFirst()
        }
        guard var last = prefix.popLast() else { return nil }
        if !glob {
            // Under NOCASE the range is taken on lower-cased ASCII, and the successor of the
            // last character must not be an upper-case letter (it would fold back below).
            if last.value >= 0x41 && last.value <= 0x5A, let l = Unicode.Scalar(last.value + 0x20) { last = l }
            if last.value == 0x40 { return nil }
        }
        var nextValue = last.value + 1
        if nextValue == 0xD800 { nextValue = 0xE000 }
        guard let next = Unicode.Scalar(nextValue) else { return nil }
        var low = String.UnicodeScalarView(), high = String.UnicodeScalarView()
        for s in prefix { low.append(s); high.append(s) }
        low.append(last)
        high.append(next)
        return (String(low), String(high))
    }
}

/// The indexed expressions a level's usable expression indexes hold, each standing for a
/// pseudo column number (−10, −11 …) in constraints and in the index's columns.
struct IndexedExpressions {
    static let firstID = -10
    var list: [RExpr] = []

    func id(of e: RExpr) -> Int? { list.firstIndex { $0.sameAs(e) }.map { Self.firstID - $0 } }

    mutating func add(_ e: RExpr) -> Int {
        if let id = id(of: e) { return id }
        list.append(e)
        return Self.firstID - (list.count - 1)
    }

    func expression(_ id: Int) -> RExpr? {
        let k = Self.firstID - id
        return k >= 0 && k < list.count ? list[k] : nil
    }

    /// The expressions of `index`'s pseudo columns, for an IndexScan.
    func scanMap(_ index: Index) -> [Int: RExpr] {
        var out: [Int: RExpr] = [:]
        for col in index.columns where col.column <= Self.firstID { out[col.column] = expression(col.column) }
        return out
    }
}

extension WherePlanner {
    /// The indexes of `table` a level may use: every plain index, each partial index whose
    /// WHERE clause `terms` imply, and expression indexes with their expression columns
    /// renumbered as pseudo columns (rowid and WITHOUT ROWID tables).
    /// The AND- and OR-connected terms of `e`.
    static func conjunctsAndDisjuncts(_ e: RExpr) -> [RExpr] {
        if case .binary(let op, let a, let b) = e, op == .and || op == .or {
            return conjunctsAndDisjuncts(a) + conjunctsAndDisjuncts(b)
        }
        return [e]
    }

    static func usableIndexes(on table: Table, schema: Schema?, parts: [ResolvedIndexParts],
                              terms: [RExpr]) -> (indexes: [Index], expressions: IndexedExpressions,
                                                  matchedTerms: [String: Int]) {
        let all = schema?.indexes(on: table) ?? []
        // Plain indexes only (the common case): the schema's own array.
        if all.allSatisfy(\.isPlain) { return (all, IndexedExpressions(), [:]) }
        var out: [Index] = []
        var matched: [String: Int] = [:]
        var expressions = IndexedExpressions()
        for index in all {
            if index.isPlain { out.append(index); continue }
            guard table.hasRowid || table.isWithoutRowid, let p = parts.first(where: {
                $0.index.name == index.name && $0.index.database == index.database
            }) else { continue }
            if let w = p.whereClause {
                guard implies(terms, w) else { continue }
                matched[index.name] = terms.filter { t in conjunctsAndDisjuncts(w).contains { $0.sameAs(t) } }.count
            }
            var copy = index
            var ok = true
            for j in copy.columns.indices where copy.columns[j].expression != nil || copy.columns[j].column == -2 {
                guard j < p.keys.count, let e = p.keys[j] else { ok = false; break }
                copy.columns[j].column = expressions.add(e)
            }
            if ok { out.append(copy) }
        }
        return (out, expressions, matched)
    }
}
