// This file implements row values in the Resolver (rowvalue.html): `(a, b)` lists and
// multi-column subqueries as operands of comparisons, BETWEEN and IN, and the column lists
// of UPDATE's `SET (a, b) = …`. Layer: L5. Spec: Spec/L5-sql.md §Row values.
import LoomBase

/// A resolved comparison operand: a single value or a row value.
enum ResolvedOperand {
    case scalar(RExpr)
    case row(RRow)

    var size: Int {
        switch self {
        case .scalar: return 1
        case .row(let r): return r.count
        }
    }
}

/// One column's assignment of an UPDATE SET list after `(a, b) = …` is split per column.
package struct Assignment {
    package let column: String
    package let value: Expr
    /// For `(a, b, …) = (SELECT …)`: how many targets share the subquery (nil otherwise)
    /// and the subquery column of this one.
    let targets: Int?
    let element: Int
}

extension Resolver {
    /// Resolves `e` where a row value may stand: a parenthesised list of two or more
    /// values, or a subquery (a row when it returns several columns).
    func resolveOperand(_ e: Expr, in scope: Scope?, context: ExprContext, aggregates: ResolvedSelect?,
                        insideAggregate: Bool) throws -> ResolvedOperand {
        switch e.kind {
        case .row(let items):
            return .row(.list(try items.map {
                try resolve($0, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
            }))
        case .subquery(let select):
            let sub = try resolveSubquery(select, in: scope, context: context, aggregates: aggregates,
                                          insideAggregate: insideAggregate)
            noteOuterCursorsOf(sub, scope: scope)
            return sub.resultColumns.count == 1 ? .scalar(.subquery(sub)) : .row(.select(sub))
        default:
            return .scalar(try resolve(e, in: scope, context: context, aggregates: aggregates,
                                       insideAggregate: insideAggregate))
        }
    }

    /// Whether an AST node may be a row value (so that the row-value path must run).
    static func mayBeRow(_ e: Expr) -> Bool {
        switch e.kind {
        case .row, .subquery: return true
        default: return false
        }
    }

    /// `a op b` where either side may be a row value.
    func resolveRowComparison(_ op: RComparison, _ a: Expr, _ b: Expr, span: SourceSpan, in scope: Scope?,
                              context: ExprContext, aggregates: ResolvedSelect?, insideAggregate: Bool) throws -> RExpr {
        let left = try resolveOperand(a, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        let right = try resolveOperand(b, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        switch (left, right) {
        case (.scalar(let l), .scalar(let r)): return .compare(op, l, r)
        case (.row(.list(let l)), .row(.list(let r))) where l.count == r.count && (op == .eq || op == .is):
            // `(a, b) = (x, y)` is exactly `a = x AND b = y` (each value read once, the same
            // three-valued result), which the planner can match to an index.
            return zip(l, r).dropFirst().reduce(RExpr.compare(op, l[0], r[0])) { .binary(.and, $0, .compare(op, $1.0, $1.1)) }
        case (.row(let l), .row(let r)) where l.count == r.count: return .row(.compare(op, l, r))
        default: throw c.error("row value misused", at: span)
        }
    }

    /// `x [NOT] BETWEEN lo AND hi` where any operand may be a row value.
    func resolveRowBetween(_ x: Expr, _ lo: Expr, _ hi: Expr, negated: Bool, span: SourceSpan, in scope: Scope?,
                           context: ExprContext, aggregates: ResolvedSelect?, insideAggregate: Bool) throws -> RExpr {
        let ops = try [x, lo, hi].map {
            try resolveOperand($0, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        }
        if case .scalar(let v) = ops[0], case .scalar(let l) = ops[1], case .scalar(let h) = ops[2] {
            return .between(v, l, h, negated: negated)
        }
        if case .row(let v) = ops[0], case .row(let l) = ops[1], case .row(let h) = ops[2],
           v.count == l.count, v.count == h.count {
            return .row(.between(v, l, h, negated: negated))
        }
        throw c.error("row value misused", at: span)
    }

    /// `(a, b) [NOT] IN (SELECT x, y …)`: the column counts must agree.
    func resolveRowInSelect(_ x: Expr, negated: Bool, _ select: Select, span: SourceSpan, in scope: Scope?,
                            context: ExprContext, aggregates: ResolvedSelect?, insideAggregate: Bool) throws -> RExpr {
        let left = try resolveOperand(x, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        let sub = try resolveSubquery(select, in: scope, context: context, aggregates: aggregates,
                                      insideAggregate: insideAggregate)
        if sub.resultColumns.count != left.size {
            throw c.error("sub-select returns \(sub.resultColumns.count) columns - expected \(left.size)", at: span)
        }
        noteOuterCursorsOf(sub, scope: scope)
        switch left {
        case .scalar(let l): return .inSelect(l, sub, negated: negated)
        case .row(let l): return .row(.inSelect(l, sub, negated: negated))
        }
    }

    /// `(a, b) [NOT] IN (…list…)`: empty is a constant; one row of the same size is `=`;
    /// anything else is refused with SQLite's messages.
    func resolveRowInList(_ x: Expr, negated: Bool, _ list: [Expr], span: SourceSpan, in scope: Scope?,
                          context: ExprContext, aggregates: ResolvedSelect?, insideAggregate: Bool) throws -> RExpr? {
        guard Self.mayBeRow(x) else { return nil }
        let left = try resolveOperand(x, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        guard case .row(let l) = left else { return nil }
        if list.isEmpty { return .integer(negated ? 1 : 0) }
        if case .select = l {
            // sqlite3 3.40's texts for a subquery on the left of a list
            // (a subquery on the left of a list is refused).
            if list.count == 1, case .subquery = list[0].kind {} else if list.count == 1 {
                throw c.error("row value misused", at: span)
            }
            throw c.error("sub-select returns \(l.count) columns - expected 1", at: span)
        }
        var rows: [RRow] = []
        for item in list {
            guard case .row(let items) = item.kind else {
                throw c.error("IN(...) element has 1 term - expected \(l.count)", at: span)
            }
            if items.count != l.count {
                throw c.error("IN(...) element has \(items.count) terms - expected \(l.count)", at: span)
            }
            rows.append(.list(try items.map {
                try resolve($0, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
            }))
        }
        return .row(.inList(l, rows, negated: negated))
    }

    /// `CASE (a, b) WHEN (x, y) THEN …`: the searched form with a row comparison per WHEN
    /// (a list base is computed for each WHEN; a subquery base once, the later WHENs reading
    /// its registers). Nil when the base is not a row value.
    func resolveRowCase(_ base: Expr, _ whens: [WhenThen], _ otherwise: Expr?, span: SourceSpan,
                        in scope: Scope?, context: ExprContext, aggregates: ResolvedSelect?,
                        insideAggregate: Bool) throws -> RExpr? {
        func r(_ e: Expr) throws -> RExpr {
            try resolve(e, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        }
        func operand(_ e: Expr) throws -> ResolvedOperand {
            try resolveOperand(e, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        }
        guard Self.mayBeRow(base), case .row(let first) = try operand(base) else { return nil }
        var out: [(RExpr, RExpr)] = []
        for (i, w) in whens.enumerated() {
            var row = first
            if i > 0, case .select(let sub) = first { row = .shared(sub) }
            guard case .row(let value) = try operand(w.when), value.count == row.count else {
                throw c.error("row value misused", at: span)
            }
            out.append((.row(.compare(.eq, row, value)), try r(w.then)))
        }
        return .caseWhen(base: nil, whens: out, otherwise: try otherwise.map(r))
    }

    /// A subquery reading cursors of enclosing queries makes this select read them too.
    func noteOuterCursorsOf(_ sub: ResolvedSelect, scope: Scope?) {
        guard let scope else { return }
        var outer = sub.outerCursors.subtracting(scope.sources.map(\.cursor))
        if let own = scope.select?.aggregateCursor, own >= 0 { outer.remove(own) }
        if !outer.isEmpty { scope.select?.outerCursors.formUnion(outer) }
    }

    // MARK: UPDATE SET lists

    /// Splits `SET (a, b) = (x, y)` into `a = x, b = y` and `SET (a, b) = (SELECT …)` into one
    /// assignment per column of the subquery; a plain `a = x` stays as it is.
    package static func expandAssignments(_ sets: [SetClause], error: (String, SourceSpan?) -> DatabaseError) throws
        -> [Assignment] {
        var out: [Assignment] = []
        for set in sets {
            let n = set.columns.count
            if n == 1, set.parenthesized, case .row(let items) = set.value.kind, items.count != 1 {
                throw error("1 columns assigned \(items.count) values", set.value.span)
            }
            if n == 1, set.parenthesized, case .subquery = set.value.kind {
                out.append(Assignment(column: set.columns[0], value: set.value, targets: 1, element: 0))
                continue
            }
            if n == 1 {
                out.append(Assignment(column: set.columns[0], value: set.value, targets: nil, element: 0))
                continue
            }
            switch set.value.kind {
            case .row(let items):
                if items.count != n { throw error("\(n) columns assigned \(items.count) values", set.value.span) }
                for (name, item) in zip(set.columns, items) {
                    out.append(Assignment(column: name, value: item, targets: nil, element: 0))
                }
            case .subquery:
                for (i, name) in set.columns.enumerated() {
                    out.append(Assignment(column: name, value: set.value, targets: n, element: i))
                }
            default:
                throw error("\(n) columns assigned 1 values", set.value.span)
            }
        }
        return out
    }

    package static func expandAssignments(_ sets: [SetClause], _ c: Compilation) throws -> [Assignment] {
        try expandAssignments(sets) { c.error($0, at: $1) }
    }

    /// The value of one assignment of an expanded SET list (a subquery shared by several
    /// targets is resolved for each: every target reads its own column of it).
    package func resolveAssignment(_ a: Assignment, in scope: Scope?, context: ExprContext = .general) throws -> RExpr {
        guard let targets = a.targets, case .subquery(let select) = a.value.kind else {
            return try resolve(a.value, in: scope, context: context)
        }
        // The targets of one `SET (a, b) = (SELECT …)` share one resolved subquery (run once).
        let key = a.value.span.start
        let sub: ResolvedSelect
        if let shared = scope?.assignedRowSubqueries.first(where: { $0.start == key })?.select {
            sub = shared
        } else {
            sub = try resolveSelect(select, outer: scope)
            scope?.assignedRowSubqueries.append((key, sub))
        }
        if sub.resultColumns.count != targets {
            throw c.error("\(targets) columns assigned \(sub.resultColumns.count) values", at: a.value.span)
        }
        // `(a) = (SELECT x)`: checked as a list, then an ordinary scalar subquery.
        if targets == 1 { return try resolve(a.value, in: scope, context: context) }
        noteOuterCursorsOf(sub, scope: scope)
        return .row(.element(sub, a.element))
    }
}
