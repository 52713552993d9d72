// This file implements the resolved expression tree: the parser's Expr after name
// resolution, with every column bound to a cursor and every function to its definition.
// Layer: L5. Spec: Spec/L5-sql.md §Resolver.
import LoomBase
import LoomRecord
import LoomVDBE

/// Binary operators after resolution (comparisons are separate, they carry affinity).
package enum ROperator: Sendable {
    case add, subtract, multiply, divide, remainder, concat
    case bitAnd, bitOr, shiftLeft, shiftRight
    case and, or
}

/// Comparison operators; `is`/`isNot` treat NULL as a value.
package enum RComparison: Sendable {
    case eq, ne, lt, le, gt, ge, `is`, isNot

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    var swapped: RComparison {
        switch self {
        case .lt: return .gt
        case .le: return .ge
        case .gt: return .lt
        case .ge: return .le
        default: return self
        }
    }

    /// The operator whose truth is the opposite for non-NULL operands.
    var negated: RComparison {
        switch self {
        case .eq: return .ne
        case .ne: return .eq
        case .lt: return .ge
        case .le: return .gt
        case .gt: return .le
        case .ge: return .lt
        case .is: return .isNot
        case .isNot: return .is
        }
    }
}

package enum RUnary: Sendable { case negate, plus, not, bitNot }

/// A column of a FROM-clause source: the cursor it is read through and its column number
/// (`-1` for the rowid).
package struct RColumn: Sendable, Hashable {
    package var cursor: Int
    package var column: Int
}

/// One aggregate call of a query, computed in `accumulator` by AggStep/AggFinal.
package struct AggregateCall {
    package var name: String
    package var arguments: [RExpr]
    package var distinct: Bool
    package var function: FunctionRef
    /// Written with FILTER (its condition folded into the argument).
    package var filtered = false
}

/// A reference to a SQL function chosen at prepare time.
package struct FunctionRef: @unchecked Sendable {
    package var name: String
    package var argumentCount: Int
    /// nil for forms codegen computes inline (coalesce).
    package var definition: FunctionDefinition?
}

/// A resolved expression.
/// Leaves (literals, parameters, aggregate results) are stored inline and every other case
/// is boxed: a boxed leaf was an allocation per value of every INSERT … VALUES.
package enum RExpr {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    /// `?N` after numbering (1-based).
    case parameter(Int)
    /// A table column; `affinity`/`collation` are the column's own.
    indirect case column(RColumn, affinity: Affinity, collation: String?, notNull: Bool)
    /// A value already computed into a register (aggregate results, bare columns, rowid of
    /// the row being inserted …).
    indirect case register(Int, affinity: Affinity?, collation: String?)
    indirect case unary(RUnary, RExpr)
    indirect case binary(ROperator, RExpr, RExpr)
    indirect case compare(RComparison, RExpr, RExpr)
    indirect case isNull(RExpr, negated: Bool)
    indirect case between(RExpr, RExpr, RExpr, negated: Bool)
    indirect case inList(RExpr, [RExpr], negated: Bool)
    indirect case inSelect(RExpr, ResolvedSelect, negated: Bool)
    indirect case exists(ResolvedSelect, negated: Bool)
    indirect case subquery(ResolvedSelect)
    indirect case function(FunctionRef, [RExpr])
    /// The result of aggregate number `n` of the enclosing query.
    case aggregate(Int)
    indirect case cast(RExpr, typeName: String, affinity: Affinity)
    indirect case caseWhen(base: RExpr?, whens: [(RExpr, RExpr)], otherwise: RExpr?)
    indirect case like(RExpr, pattern: RExpr, escape: RExpr?, glob: Bool, negated: Bool)
    indirect case collate(RExpr, String)
    /// RAISE(IGNORE | ROLLBACK | ABORT | FAIL, message) inside a trigger body.
    indirect case raise(RaiseAction, String?)
    /// A test on row values (rowvalue.html), or one column of a multi-column subquery.
    indirect case row(RRowExpr)

    /// The expression's affinity (datatype3.html §4.2): a column's own, CAST's type,
    /// none (nil) for everything else.
    package var affinity: Affinity? {
        switch self {
        case .column(_, let a, _, _): return a
        case .register(_, let a, _): return a
        case .cast(_, _, let a): return a
        case .collate(let e, _): return e.affinity
        case .subquery(let s): return s.lastCore.resultColumns.first?.affinity
        default: return nil
        }
    }

    /// The collation that applies to the expression (explicit COLLATE first, then a
    /// column's), nil when none.
    package var explicitCollation: String? {
        if case .collate(_, let name) = self { return name }
        if case .unary(.plus, let e) = self { return e.explicitCollation }
        return nil
    }

    package var columnCollation: String? {
        switch self {
        case .column(_, _, let c, _): return c
        case .register(_, _, let c): return c
        case .collate(let e, let name): return name.isEmpty ? e.columnCollation : name
        case .unary(.plus, let e): return e.columnCollation
        default: return nil
        }
    }

    /// Columns this expression reads (for deciding at which loop level it can run).
    package func cursorsUsed(into set: inout Set<Int>) {
        forEachCursor { set.insert($0) }
    }

    /// Calls `body` with each cursor this expression reads (repeats possible; subqueries
    /// give their outer cursors). No set is built: the planner asks this for every term.
    package func forEachCursor(_ body: (Int) -> Void) {
        switch self {
        case .column(let c, _, _, _): body(c.cursor)
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _, _), .collate(let e, _):
            e.forEachCursor(body)
        case .binary(_, let a, let b), .compare(_, let a, let b):
            a.forEachCursor(body); b.forEachCursor(body)
        case .between(let a, let b, let c, _):
            a.forEachCursor(body); b.forEachCursor(body); c.forEachCursor(body)
        case .inList(let e, let list, _):
            e.forEachCursor(body); for x in list { x.forEachCursor(body) }
        case .inSelect(let e, let s, _):
            e.forEachCursor(body); for c in s.outerCursors { body(c) }
        case .exists(let s, _), .subquery(let s):
            for c in s.outerCursors { body(c) }
        case .function(_, let args):
            for x in args { x.forEachCursor(body) }
        case .caseWhen(let base, let whens, let otherwise):
            base?.forEachCursor(body)
            for (w, t) in whens { w.forEachCursor(body); t.forEachCursor(body) }
            otherwise?.forEachCursor(body)
        case .like(let a, let b, let c, _, _):
            a.forEachCursor(body); b.forEachCursor(body); c?.forEachCursor(body)
        case .row(let r):
            for x in r.subexpressions { x.forEachCursor(body) }
            for s in r.selects { for c in s.outerCursors { body(c) } }
        case .aggregate, .register, .null, .integer, .real, .text, .blob, .parameter, .raise:
            break
        }
    }

    /// True when the value cannot change while the statement runs (literals and
    /// parameters, and operators over them).
    package var isConstant: Bool {
        switch self {
        case .null, .integer, .real, .text, .blob, .parameter: return true
        case .unary(_, let e), .cast(let e, _, _), .collate(let e, _), .isNull(let e, _): return e.isConstant
        case .binary(_, let a, let b), .compare(_, let a, let b): return a.isConstant && b.isConstant
        default: return false
        }
    }
}

/// A row value operand: `(a, b, …)` or a subquery returning as many columns.
package enum RRow {
    case list([RExpr])
    case select(ResolvedSelect)
    /// The registers an earlier `.select(s)` operand of the same expression filled (a
    /// `CASE (SELECT …)` base compared with each later WHEN): the subquery runs once.
    case shared(ResolvedSelect)

    package var count: Int {
        switch self {
        case .list(let items): return items.count
        case .select(let s), .shared(let s): return s.resultColumns.count
        }
    }
}

/// The row-value forms: comparisons (lexicographic, SQLite's NULL rules), BETWEEN,
/// IN (SELECT …) with several columns, and column `n` of a multi-column subquery (the
/// right side of `SET (a, b) = (SELECT …)`).
package enum RRowExpr {
    case compare(RComparison, RRow, RRow)
    case between(RRow, RRow, RRow, negated: Bool)
    case inSelect(RRow, ResolvedSelect, negated: Bool)
    /// `(a, b) IN ((1, 2), (3, 4))`: every element a row of the same size.
    case inList(RRow, [RRow], negated: Bool)
    case element(ResolvedSelect, Int)
    /// A row value where none may stand: refused when coded ("row value misused"), so that
    /// name and arity errors come first, as sqlite3 reports them.
    case misused([RExpr])

    var rows: [RRow] {
        switch self {
        case .compare(_, let a, let b): return [a, b]
        case .between(let a, let b, let c, _): return [a, b, c]
        case .inSelect(let a, let s, _): return [a, .select(s)]
        case .inList(let a, let list, _): return [a] + list
        case .element(let s, _): return [.select(s)]
        case .misused(let items): return [.list(items)]
        }
    }

    /// The scalar expressions of the list operands (not inside subqueries).
    package var subexpressions: [RExpr] {
        rows.flatMap { row -> [RExpr] in if case .list(let items) = row { return items }; return [] }
    }

    /// The subqueries among the operands.
    package var selects: [ResolvedSelect] {
        rows.compactMap { row -> ResolvedSelect? in if case .select(let s) = row { return s }; return nil }
    }
}
