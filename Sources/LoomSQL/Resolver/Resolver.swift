// This file implements the Resolver: it binds the names of a parsed expression or SELECT to
// the tables of its FROM clause (and enclosing queries), checks functions, and computes
// affinities, producing RExpr / ResolvedSelect. Layer: L5. Spec: Spec/L5-sql.md §Resolver.
import LoomBase
import LoomRecord
import LoomVDBE

/// The names visible at one level of a query.
package final class Scope {
    package var sources: [SourceItem]
    package let parent: Scope?
    /// The select being resolved at this level; records the outer cursors it reads.
    let select: ResolvedSelect?
    /// Result columns with an alias (name, AST expr), for WHERE/GROUP BY/HAVING/ORDER BY.
    var aliases: [(name: String, expr: Expr)] = []
    /// Set while resolving the alias of a result column (stops alias recursion).
    var resolvingAlias = false
    /// Set while a subquery of this level is resolved: the clause it stands in, the select an
    /// aggregate of it that reads only this level's columns joins (nil: none may), and
    /// whether it is inside an aggregate's arguments.
    var subqueryPlace: (context: ExprContext, aggregates: ResolvedSelect?, insideAggregate: Bool)? = nil
    /// False for a RETURNING clause's row: sqlite3 leaves `(SELECT max(a))` there to the
    /// subquery (one row of the RETURNING row), never to the statement.
    package var takesSubqueryAggregates = true
    /// The last aggregate found in this level's WHERE (or ON) where none may stand, and the
    /// last found in its ON clauses: sqlite3 resolves the whole clause and reports the last
    /// one, in words that depend on whether the query aggregates (known after its result
    /// columns and GROUP BY).
    var misusedAggregate: (name: String, span: SourceSpan?)? = nil
    var misusedAggregateInOn: (name: String, span: SourceSpan?)? = nil
    /// Set before the WHERE is resolved when the select has a GROUP BY.
    var groupsRows = false
    /// Set on a select core's own scope: an aggregate of it handed to an enclosing query
    /// that may not take it is recorded in `misusedRoutedAggregate` and reported after the
    /// core's other errors (sqlite3 finds it only when coding).
    var defersRoutedMisuse = false
    /// The subquery of each `SET (a, b) = (SELECT …)` resolved so far (by its start offset).
    var assignedRowSubqueries: [(start: Int, select: ResolvedSelect)] = []
    var misusedRoutedAggregate: (name: String, span: SourceSpan?)? = nil

    package init(sources: [SourceItem], parent: Scope?, select: ResolvedSelect? = nil) {
        self.sources = sources
        self.parent = parent
        self.select = select
    }
}

/// Where an expression appears; decides whether aggregates and aliases are allowed.
package enum ExprContext: Sendable {
    case general, resultColumn, whereClause, groupBy, having, orderBy, on, limit, values, check
}

/// Resolves names for one compilation.
package struct Resolver {
    let c: Compilation
    /// Where a `.check` context is, in SQLite's words for "non-deterministic use of date() in
    /// …": a CHECK constraint, an index, a generated column.
    package var purityPlace = "a CHECK constraint"
    /// At CREATE TABLE: "CHECK constraints" or "generated columns". A `.check` expression
    /// then refuses subqueries and parameters where the walk meets them ("subqueries
    /// prohibited in …"), and an aggregate is recorded in the scope's `misusedAggregate`
    /// (the caller reports it) so that a later refusal wins, as in sqlite3.
    package var prohibitedPlace: String? = nil

    package init(_ compilation: Compilation) { c = compilation }

    // MARK: Expressions

    /// Resolves `expr` in `scope`. Aggregate calls are collected into `aggregates` when that
    /// is given (result columns, HAVING, ORDER BY of an aggregate-capable select).
    package func resolve(_ expr: Expr, in scope: Scope?, context: ExprContext = .general,
                         aggregates: ResolvedSelect? = nil, insideAggregate: Bool = false) throws -> RExpr {
        func r(_ e: Expr) throws -> RExpr {
            try resolve(e, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        }
        if let place = prohibitedPlace, context == .check {
            switch expr.kind {
            case .subquery, .exists, .inSelect, .inTable:
                throw c.error("subqueries prohibited in \(place)", at: expr.span)
            case .parameter:
                throw c.error("parameters prohibited in \(place)", at: expr.span)
            default: break
            }
        }
        switch expr.kind {
        case .literal(let lit):
            switch lit {
            case .integer(let v): return .integer(v)
            case .bigInteger(let text): return .real(Double(text) ?? .infinity)
            case .real(let d): return .real(d)
            case .string(let s): return .text(s)
            case .blob(let b): return .blob(b)
            case .null: return .null
            case .boolean(let b):
                let name = b ? "true" : "false"
                if let scope, let col = try lookupColumn(table: nil, name: name, in: scope, span: expr.span, context: context,
                                                          aggregates: aggregates, required: false) {
                    return col
                }
                return .integer(b ? 1 : 0)
            case .currentTime: return try callFunction("time", [], span: expr.span)
            case .currentDate: return try callFunction("date", [], span: expr.span)
            case .currentTimestamp: return try callFunction("datetime", [], span: expr.span)
            }
        case .column(let ref):
            if let scope {
                if let col = try lookupColumn(table: ref.table, schema: ref.schema, name: ref.column, in: scope,
                                              span: expr.span, context: context, aggregates: aggregates,
                                              required: !(ref.isDoubleQuoted && ref.table == nil)) {
                    return col
                }
            }
            if ref.isDoubleQuoted && ref.table == nil { return .text(ref.column) }
            let full = (ref.schema.map { $0 + "." } ?? "") + (ref.table.map { "\($0).\(ref.column)" } ?? ref.column)
            throw c.error("no such column: \(full)", at: expr.span)
        case .parameter(let p):
            return .parameter(p.index)
        case .unary(let op, let e):
            // -9223372036854775808 is Int64.min, not a real.
            if op == .negate, case .literal(.bigInteger(let t)) = e.kind, t == "9223372036854775808" {
                return .integer(Int64.min)
            }
            let inner = try r(e)
            switch op {
            case .negate: return .unary(.negate, inner)
            // Unary + keeps the value and collation but drops the affinity (datatype3.html
            // §4.2: +x is an expression, not a column reference).
            case .plus: return .unary(.plus, inner)
            case .bitNot: return .unary(.bitNot, inner)
            case .not: return .unary(.not, inner)
            }
        case .binary(let op, let a, let b):
            if Self.mayBeRow(a) || Self.mayBeRow(b), let cmp = Self.comparison(op) {
                return try resolveRowComparison(cmp, a, b, span: expr.span, in: scope, context: context,
                                                aggregates: aggregates, insideAggregate: insideAggregate)
            }
            let left = try r(a), right = try r(b)
            switch op {
            case .or: return .binary(.or, left, right)
            case .and: return .binary(.and, left, right)
            case .equal: return .compare(.eq, left, right)
            case .notEqual: return .compare(.ne, left, right)
            case .is: return .compare(.is, left, right)
            case .isNot: return .compare(.isNot, left, right)
            case .less: return .compare(.lt, left, right)
            case .lessEqual: return .compare(.le, left, right)
            case .greater: return .compare(.gt, left, right)
            case .greaterEqual: return .compare(.ge, left, right)
            case .bitAnd: return .binary(.bitAnd, left, right)
            case .bitOr: return .binary(.bitOr, left, right)
            case .shiftLeft: return .binary(.shiftLeft, left, right)
            case .shiftRight: return .binary(.shiftRight, left, right)
            case .add: return .binary(.add, left, right)
            case .subtract: return .binary(.subtract, left, right)
            case .multiply: return .binary(.multiply, left, right)
            case .divide: return .binary(.divide, left, right)
            case .remainder: return .binary(.remainder, left, right)
            case .concat: return .binary(.concat, left, right)
            case .jsonExtract, .jsonExtractText:
                // SQLite registers the operators as two-argument functions named -> and ->>.
                return try callFunction(op == .jsonExtract ? "->" : "->>", [left, right], span: expr.span)
            }
        case .like(let op, let negated, let e, let pattern, let escape):
            let value = try r(e), pat = try r(pattern), esc = try escape.map(r)
            if op != .regexp && op != .match {
                // A virtual table may overload like()/glob() for its columns (xFindFunction).
                let name = op == .like ? "like" : "glob", args = [pat, value] + (esc.map { [$0] } ?? [])
                if let f = virtualOverload(name, argumentCount: args.count, leftmost: value, scope: scope) {
                    let call = RExpr.function(FunctionRef(name: name, argumentCount: args.count, definition: f), args)
                    return negated ? .unary(.not, call) : call
                }
            }
            switch op {
            case .like: return .like(value, pattern: pat, escape: esc, glob: false, negated: negated)
            case .glob: return .like(value, pattern: pat, escape: esc, glob: true, negated: negated)
            case .regexp:
                let call = overloaded(try callFunction("regexp", [pat, value], span: expr.span), leftmost: value, scope: scope)
                return negated ? .unary(.not, call) : call
            case .match:
                // match(pattern, x): a virtual table may take it as a MATCH constraint;
                // evaluated, it fails at run time as in SQLite.
                let call = overloaded(RExpr.function(FunctionRef(name: "match", argumentCount: 2, definition: Self.matchFunction),
                                                     [pat, value]), leftmost: value, scope: scope)
                return negated ? .unary(.not, call) : call
            }
        case .between(let e, let negated, let low, let high):
            if Self.mayBeRow(e) || Self.mayBeRow(low) || Self.mayBeRow(high) {
                return try resolveRowBetween(e, low, high, negated: negated, span: expr.span, in: scope, context: context,
                                             aggregates: aggregates, insideAggregate: insideAggregate)
            }
            return .between(try r(e), try r(low), try r(high), negated: negated)
        case .inList(let e, let negated, let list):
            if let rowIn = try resolveRowInList(e, negated: negated, list, span: expr.span, in: scope, context: context,
                                                aggregates: aggregates, insideAggregate: insideAggregate) {
                return rowIn
            }
            return .inList(try r(e), try list.map(r), negated: negated)
        case .inSelect(let e, let negated, let select):
            return try resolveRowInSelect(e, negated: negated, select, span: expr.span, in: scope, context: context,
                                          aggregates: aggregates, insideAggregate: insideAggregate)
        case .inTable(let e, let negated, _, let name, let args):
            guard args == nil else { throw c.error("no such table: \(name)", at: expr.span) }
            // x IN t  ≡  x IN (SELECT * FROM t) for a one-column table.
            guard let table = c.schema.table(named: name) else { throw c.error("no such table: \(name)", at: expr.span) }
            let left = try resolveOperand(e, in: scope, context: context, aggregates: aggregates,
                                          insideAggregate: insideAggregate)
            let sub = ResolvedSelect()
            let cursor = c.builder.allocateCursor()
            sub.sources = [SourceItem(table: table, exposedName: table.name, cursor: cursor)]
            sub.resultColumns = table.columns.indices.map { columnExpr(sub.sources[0], $0) }
            sub.columnNames = table.columns.map(\.name)
            if sub.resultColumns.count != left.size {
                throw c.error("sub-select returns \(sub.resultColumns.count) columns - expected \(left.size)", at: expr.span)
            }
            switch left {
            case .scalar(let l): return .inSelect(l, sub, negated: negated)
            case .row(let l): return .row(.inSelect(l, sub, negated: negated))
            }
        case .isNull(let e):
            return .isNull(try r(e), negated: false)
        case .notNull(let e):
            return .isNull(try r(e), negated: true)
        case .caseWhen(let operand, let whens, let otherwise):
            if let operand, let rowCase = try resolveRowCase(operand, whens, otherwise, span: expr.span, in: scope,
                                                              context: context, aggregates: aggregates,
                                                              insideAggregate: insideAggregate) {
                return rowCase
            }
            return .caseWhen(base: try operand.map(r),
                             whens: try whens.map { (try r($0.when), try r($0.then)) },
                             otherwise: try otherwise.map(r))
        case .cast(let e, let type):
            return .cast(try r(e), typeName: type, affinity: Affinity(declaredType: type))
        case .collate(let e, let name):
            guard let coll = Collation(name: name) else {
                throw c.error("no such collation sequence: \(name)", at: expr.span)
            }
            return .collate(try r(e), coll == .binary ? "BINARY" : name.uppercasedASCII)
        case .exists(let select):
            let sub = try resolveSubquery(select, in: scope, context: context, aggregates: aggregates,
                                          insideAggregate: insideAggregate)
            noteOuterCursors(sub, scope: scope)
            return .exists(sub, negated: false)
        case .subquery(let select):
            let sub = try resolveSubquery(select, in: scope, context: context, aggregates: aggregates,
                                          insideAggregate: insideAggregate)
            if sub.resultColumns.count != 1 {
                throw c.error("sub-select returns \(sub.resultColumns.count) columns - expected 1", at: expr.span)
            }
            noteOuterCursors(sub, scope: scope)
            return .subquery(sub)
        case .function(let call):
            return try resolveFunction(call, expr: expr, in: scope, context: context, aggregates: aggregates,
                                       insideAggregate: insideAggregate)
        case .raise(let action, let message):
            guard c.triggerScope != nil else {
                throw c.error("RAISE() may only be used within a trigger-program", at: expr.span)
            }
            var text: String? = nil
            if let message { if case .literal(.string(let s)) = message.kind { text = s } else { text = c.text(message.span) } }
            return .raise(action, text)
        case .row(let items):
            // Refused when coded (RRowExpr.misused): sqlite3 reports other errors first.
            return .row(.misused(try items.map(r)))
        }
    }

    /// The comparison a binary operator is, nil for the others.
    static func comparison(_ op: BinaryOperator) -> RComparison? {
        switch op {
        case .equal: return .eq
        case .notEqual: return .ne
        case .is: return .is
        case .isNot: return .isNot
        case .less: return .lt
        case .lessEqual: return .le
        case .greater: return .gt
        case .greaterEqual: return .ge
        default: return nil
        }
    }

    /// A subquery reading cursors of enclosing queries makes this select read them too,
    /// unless they are this level's own.
    private func noteOuterCursors(_ sub: ResolvedSelect, scope: Scope?) {
        guard let scope else { return }
        var outer = sub.outerCursors.subtracting(scope.sources.map(\.cursor))
        if let own = scope.select?.aggregateCursor, own >= 0 { outer.remove(own) }
        if !outer.isEmpty { scope.select?.outerCursors.formUnion(outer) }
    }

    /// Resolves a subquery standing in an expression of `scope`'s level, noting where it
    /// stands (for aggregates it hands to this level, `routeAggregate`).
    func resolveSubquery(_ select: Select, in scope: Scope?, context: ExprContext, aggregates: ResolvedSelect?,
                         insideAggregate: Bool) throws -> ResolvedSelect {
        guard let scope else { return try resolveSelect(select, outer: nil) }
        let saved = scope.subqueryPlace
        scope.subqueryPlace = (context, aggregates, insideAggregate)
        defer { scope.subqueryPlace = saved }
        return try resolveSelect(select, outer: scope)
    }

    /// SQLite's rule for an aggregate in a subquery: it belongs to the innermost query whose
    /// FROM items its arguments read, so `SELECT (SELECT max(x)) FROM t` aggregates t (one
    /// row). Returns the subquery's stand-in for the result (a column of the owner's
    /// `aggregateCursor`), or nil when the aggregate stays at `scope`'s level.
    private func routeAggregate(_ call: FunctionCall, name lower: String, arguments args: [RExpr], expr: Expr,
                                in scope: Scope, context: ExprContext, aggregates: ResolvedSelect?) throws -> RExpr? {
        var cursors = Set<Int>()
        for a in args { a.cursorsUsed(into: &cursors) }
        guard !cursors.isEmpty, !scope.sources.contains(where: { cursors.contains($0.cursor) }) else { return nil }
        // Allowed at this level: where aggregates may stand, or the WHERE of an aggregate query.
        let ownIsAggregate = scope.select.map { $0.isAggregate || !$0.aggregates.isEmpty } ?? false
        guard aggregates != nil || (context == .whereClause && ownIsAggregate) else { return nil }
        var level = scope.parent
        while let s = level, !s.sources.contains(where: { cursors.contains($0.cursor) }) { level = s.parent }
        guard let ownerScope = level, ownerScope.takesSubqueryAggregates, let place = ownerScope.subqueryPlace else {
            return nil
        }
        if place.context == .groupBy {
            throw c.error("aggregate functions are not allowed in the GROUP BY clause", at: expr.span)
        }
        guard let owner = place.aggregates, !place.insideAggregate,
              place.context != .orderBy || owner.isAggregate || !owner.aggregates.isEmpty else {
            if scope.defersRoutedMisuse {
                scope.misusedRoutedAggregate = (call.name, expr.span)
                return .null
            }
            throw c.error("misuse of aggregate: \(call.name)()", at: expr.span)
        }
        let argc = args.count
        guard let definition = lookupFunction(lower, argc: argc) else {
            throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
        }
        if call.distinct && argc != 1 {
            throw c.error("DISTINCT aggregates must have exactly one argument", at: expr.span)
        }
        owner.aggregates.append(AggregateCall(name: lower, arguments: args, distinct: call.distinct,
                                              function: FunctionRef(name: lower, argumentCount: argc, definition: definition)))
        owner.isAggregate = true
        if owner.aggregateCursor < 0 { owner.aggregateCursor = c.builder.allocateCursor() }
        // A correlated reference for every select between here and the owner.
        var inner: Scope? = scope
        while let s = inner, s !== ownerScope {
            s.select?.outerCursors.insert(owner.aggregateCursor)
            inner = s.parent
        }
        // Unary + leaves the result without affinity, as an aggregate's.
        return .unary(.plus, .column(RColumn(cursor: owner.aggregateCursor, column: owner.aggregates.count - 1),
                                     affinity: .blob, collation: nil, notNull: false))
    }

    /// The RExpr for column `index` (-1 rowid) of `source`.
    func columnExpr(_ source: SourceItem, _ index: Int) -> RExpr {
        if index < 0 || source.table.rowidAlias == index {
            return .column(RColumn(cursor: source.cursor, column: -1),
                           affinity: .integer, collation: nil, notNull: true)
        }
        // (The three fields read in place, not a copy of the whole Column.)
        let columns = source.table.columns
        return .column(RColumn(cursor: source.cursor, column: index), affinity: columns[index].affinity,
                       collation: columns[index].collation, notNull: columns[index].notNull)
    }

    private static let rowidNames: Set<String> = ["rowid", "oid", "_rowid_"]

    /// Finds column `name` (optionally of table `table`) in `scope` or its parents; nil when
    /// nothing matches and `required` is false.
    private func lookupColumn(table: String?, schema: String? = nil, name: String, in scope: Scope, span: SourceSpan,
                              context: ExprContext, aggregates: ResolvedSelect?, required: Bool) throws -> RExpr? {
        var level: Scope? = scope
        var depth = 0
        // `schema.table.column`: only a FROM item of that database, named as the table.
        let schemaNumber = schema.map { c.schema.databaseNumber(named: $0) ?? -1 }
        func inSchema(_ source: SourceItem) -> Bool {
            guard let schemaNumber else { return true }
            return source.isStoredTable && source.table.database == schemaNumber
                && source.exposedName.equalsIgnoringCase(source.table.name)
        }
        while let s = level {
            var found: RExpr? = nil
            var matches = 0
            for source in s.sources {
                if let table, !source.exposedName.equalsIgnoringCase(table) { continue }
                if !inSchema(source) { continue }
                if let i = source.table.columnIndex(named: name) {
                    if table == nil && source.hiddenColumns.contains(i) { continue }
                    matches += 1
                    if found == nil { found = try (table == nil ? source.usingCoalesce[i] : nil) ?? authorizedColumn(source, i) }
                }
            }
            if matches > 1 {
                let full = table.map { "\($0).\(name)" } ?? name
                throw c.error("ambiguous column name: \(full)", at: span)
            }
            if found == nil, Resolver.rowidNames.contains(name.lowercasedASCII) {
                // Every item but a WITHOUT ROWID table may own a rowid (a subquery or view
                // counts too); the name means a rowid only when exactly one item may.
                let candidates = s.sources.filter { src in
                    (table == nil || src.exposedName.equalsIgnoringCase(table ?? "")) && inSchema(src)
                        && (src.table.hasRowid || !src.isStoredTable)
                }
                if candidates.count == 1, let src = candidates.first {
                    // A subquery or view alone in FROM has a rowid that is always NULL
                    // (SQLite 3.40: `SELECT rowid FROM (SELECT 1)` gives NULL).
                    found = src.isStoredTable ? try authorizedColumn(src, -1) : .null
                } else if candidates.count > 1 {
                    let full = table.map { "\($0).\(name)" } ?? name
                    throw c.error("no such column: \(full)", at: span)
                }
            }
            if found == nil, table == nil, !s.resolvingAlias,
               context == .whereClause || context == .having || context == .groupBy || context == .orderBy
                || context == .on {
                if let alias = s.aliases.first(where: { $0.name.equalsIgnoringCase(name) }) {
                    s.resolvingAlias = true
                    defer { s.resolvingAlias = false }
                    let ctx: ExprContext = context == .having || context == .orderBy ? .resultColumn : context
                    return try resolve(alias.expr, in: s, context: ctx, aggregates: aggregates)
                }
            }
            if let found {
                if depth > 0 {
                    // A correlated reference: every select between here and the owner reads it.
                    var cursors = Set<Int>()
                    found.cursorsUsed(into: &cursors)
                    var inner: Scope? = scope
                    for _ in 0..<depth {
                        inner?.select?.outerCursors.formUnion(cursors)
                        inner = inner?.parent
                    }
                }
                return found
            }
            level = s.parent
            depth += 1
        }
        if !required { return nil }
        let full = (schema.map { $0 + "." } ?? "") + (table.map { "\($0).\(name)" } ?? name)
        throw c.error("no such column: \(full)", at: span)
    }

    // MARK: Functions

    /// The aggregate functions SQLite builds in (by name; min/max only with one argument).
    /// A function the connection registered (L7) decides by its own kind.
    static func isAggregateName(_ lower: String, argc: Int) -> Bool {
        if let user = FunctionRegistry.connectionFunctions[lower], !user.isEmpty,
           case .found(let f) = FunctionRegistry.lookup(name: lower, argc: argc) {
            return f.isAggregate
        }
        switch lower {
        case "count", "sum", "avg", "total", "group_concat",
             "json_group_array", "json_group_object": return true
        case "min", "max": return argc == 1
        default: return false
        }
    }

    private func resolveFunction(_ call: FunctionCall, expr: Expr, in scope: Scope?, context: ExprContext,
                                 aggregates: ResolvedSelect?, insideAggregate: Bool) throws -> RExpr {
        try authorizeFunction(call.name)
        let lower = call.name.lowercasedASCII
        var argExprs: [Expr] = []
        var star = false
        switch call.arguments {
        case .star: star = true
        case .list(let list): argExprs = list
        }
        let argc = argExprs.count
        if let over = call.over {
            return try resolveWindowCall(call, over: over, expr: expr, in: scope, context: context,
                                         select: aggregates, insideAggregate: insideAggregate)
        }
        try checkWindowOnlyFunction(call, expr: expr)
        if Resolver.isAggregateName(lower, argc: argc) {
            if star && lower != "count" {
                throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
            }
            // In a subquery, an aggregate reading only enclosing queries' columns is theirs.
            var early: [RExpr]? = nil
            if let scope, scope.parent != nil, !star, !insideAggregate, call.filter == nil {
                let args = try argExprs.map {
                    try resolve($0, in: scope, context: context, aggregates: aggregates, insideAggregate: true)
                }
                if let routed = try routeAggregate(call, name: lower, arguments: args, expr: expr, in: scope,
                                                   context: context, aggregates: aggregates) {
                    return routed
                }
                early = args
            }
            guard let aggregates, !insideAggregate else {
                if context == .groupBy {
                    throw c.error("aggregate functions are not allowed in the GROUP BY clause", at: expr.span)
                }
                if insideAggregate {
                    throw c.error("misuse of aggregate function \(call.name)()", at: expr.span)
                }
                // A select's WHERE / ON: reported once the clause is resolved (resolveSelect);
                // a CREATE TABLE check by its caller.
                if let scope, (context == .whereClause || context == .on) && scope.select != nil
                    || context == .check && prohibitedPlace != nil {
                    if early == nil, !star {
                        for a in argExprs { _ = try resolve(a, in: scope, context: context, insideAggregate: true) }
                    }
                    scope.misusedAggregate = (call.name, expr.span)
                    return .null
                }
                throw c.error("misuse of aggregate function \(call.name)()", at: expr.span)
            }
            guard let definition = lookupFunction(lower, argc: argc) else {
                throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
            }
            try checkTrust(definition, name: call.name)
            if call.distinct && argc != 1 {
                throw c.error("DISTINCT aggregates must have exactly one argument", at: expr.span)
            }
            var args = try early ?? argExprs.map {
                try resolve($0, in: scope, context: context, aggregates: aggregates, insideAggregate: true)
            }
            var fn = definition, argc = argc
            if call.filter != nil, case .aggregate(.user) = definition.body {
                // The rewrite below feeds NULL for filtered rows; a user aggregate would see them.
                throw c.error("FILTER clause is not supported for user-defined aggregate \(call.name)()", at: expr.span)
            }
            if let filter = call.filter {
                // agg(x) FILTER (WHERE f) is agg(CASE WHEN f THEN x END): every built-in aggregate skips NULLs.
                let f = try resolve(filter, in: scope, context: context, aggregates: aggregates, insideAggregate: true)
                if args.isEmpty, let count = lookupFunction("count", argc: 1) { args = [.integer(1)]; fn = count; argc = 1 }
                let first = args[0]
                var guarded = RExpr.caseWhen(base: nil, whens: [(f, first)], otherwise: nil)
                if let coll = first.explicitCollation ?? first.columnCollation { guarded = .collate(guarded, coll) }
                args[0] = guarded
            }
            aggregates.aggregates.append(AggregateCall(name: lower, arguments: args, distinct: call.distinct,
                                                       function: FunctionRef(name: lower, argumentCount: argc, definition: fn),
                                                       filtered: call.filter != nil))
            aggregates.isAggregate = true
            // Kept for resolveOrderBy: in a query that does not aggregate otherwise, sqlite3
            // refuses an ORDER BY aggregate when it codes it (the last one).
            if context == .orderBy, let scope, scope.select === aggregates { scope.misusedAggregate = (call.name, expr.span) }
            return .aggregate(aggregates.aggregates.count - 1)
        }
        if star {
            throw c.error("wrong number of arguments to function \(call.name)()", at: expr.span)
        }
        if call.distinct {
            throw c.error("DISTINCT aggregates must have exactly one argument", at: expr.span)
        }
        if call.filter != nil {
            throw c.error("FILTER may not be used with non-aggregate \(call.name)()", at: expr.span)
        }
        let args = try argExprs.map {
            try resolve($0, in: scope, context: context, aggregates: aggregates, insideAggregate: insideAggregate)
        }
        let resolved = overloaded(try callFunction(call.name, args, span: expr.span), leftmost: args.first, scope: scope)
        if c.fromSchema, case .function(let ref, _) = resolved, let def = ref.definition { try checkTrust(def, name: call.name) }
        // In a CHECK constraint the date functions refuse 'now', localtime and utc.
        if context == .check, case .function(let ref, let a) = resolved, let def = ref.definition {
            let variant = FunctionRegistry.checkConstraintVariant(of: def, place: purityPlace)
            return .function(FunctionRef(name: ref.name, argumentCount: ref.argumentCount, definition: variant), a)
        }
        return resolved
    }

    /// Schema text (a view or trigger outside temp, a DEFAULT) may call an application
    /// function only when it is innocuous or PRAGMA trusted_schema is on, never a direct-only
    /// one (sqlite3's error text names the function as written).
    func checkTrust(_ definition: FunctionDefinition, name: String) throws {
        guard c.fromSchema else { return }
        switch definition.trust {
        case .innocuous: return
        case .unsafe: if c.schema.trustedSchema { return }
        case .directOnly: break
        }
        throw c.error("unsafe use of \(name)()", at: nil)
    }

    /// A call of scalar function `name` with resolved arguments; checks it exists.
    func callFunction(_ name: String, _ args: [RExpr], span: SourceSpan) throws -> RExpr {
        let lower = name.lowercasedASCII
        // Forms codegen computes inline (short-circuit evaluation).
        switch lower {
        case "coalesce":
            guard args.count >= 2 else { throw c.error("wrong number of arguments to function \(name)()", at: span) }
            return .function(FunctionRef(name: lower, argumentCount: args.count, definition: nil), args)
        case "ifnull":
            guard args.count == 2 else { throw c.error("wrong number of arguments to function \(name)()", at: span) }
            return .function(FunctionRef(name: "coalesce", argumentCount: 2, definition: nil), args)
        case "iif":
            guard args.count == 3 else { throw c.error("wrong number of arguments to function \(name)()", at: span) }
            return .caseWhen(base: nil, whens: [(args[0], args[1])], otherwise: args[2])
        case "likely", "unlikely":
            guard args.count == 1 else { throw c.error("wrong number of arguments to function \(name)()", at: span) }
            return args[0]
        case "likelihood":
            guard args.count == 2 else { throw c.error("wrong number of arguments to function \(name)()", at: span) }
            return args[0]
        default:
            break
        }
        if let fn = lookupFunction(lower, argc: args.count) {
            return .function(FunctionRef(name: lower, argumentCount: args.count, definition: fn), args)
        }
        if functionExists(lower) {
            throw c.error("wrong number of arguments to function \(name)()", at: span)
        }
        throw c.error("no such function: \(name)", at: span)
    }

    // MARK: SELECT

    /// Resolves a whole SELECT (with compounds, ORDER BY and LIMIT) inside `outer`.
    package func resolveSelect(_ select: Select, outer: Scope?) throws -> ResolvedSelect {
        if let with = select.with {
            var defs: [String: CommonTableExpression] = [:]
            for cte in with.tables { defs[cte.name.lowercasedASCII] = cte }
            c.commonTables.append(defs)
        }
        defer { if select.with != nil { c.commonTables.removeLast() } }
        try authorizeSelect()
        let first = try resolveCore(select.first, outer: outer, span: select.span)
        var last = first
        for term in select.compounds {
            let next = try resolveCore(term.core, outer: outer, span: select.span)
            if next.resultColumns.count != first.resultColumns.count {
                let opName: String
                switch term.op {
                case .union: opName = "UNION"
                case .unionAll: opName = "UNION ALL"
                case .intersect: opName = "INTERSECT"
                case .except: opName = "EXCEPT"
                }
                throw c.error("SELECTs to the left and right of \(opName) do not have the same number of result columns",
                              at: select.span)
            }
            while let (_, n) = last.compound { last = n }
            last.compound = (term.op, next)
            first.outerCursors.formUnion(next.outerCursors)
            last = next
        }
        // ORDER BY: ordinal, alias, or an expression over the first core's sources.
        if !select.orderBy.isEmpty {
            first.orderBy = try resolveOrderBy(select.orderBy, of: first, outer: outer,
                                               isCompound: !select.compounds.isEmpty)
        }
        if let limit = select.limit {
            first.limit = try resolve(limit.limit, in: outer, context: .limit)
            first.offset = try limit.offset.map { try resolve($0, in: outer, context: .limit) }
        }
        try authorizeUnreadSources(first)
        return first
    }

    /// The scope a resolved core was resolved in, kept for ORDER BY.
    private func scope(of select: ResolvedSelect, outer: Scope?) -> Scope {
        let s = Scope(sources: select.sources, parent: outer, select: select)
        s.aliases = select.aliasExprs
        return s
    }

    private func resolveOrderBy(_ terms: [OrderingTerm], of select: ResolvedSelect, outer: Scope?,
                                isCompound: Bool) throws -> [OrderTerm] {
        let scope = self.scope(of: select, outer: outer)
        // A query giving one row at most (no FROM, or an aggregate without GROUP BY) drops its
        // ORDER BY after resolving it (sqlite3 never codes it: `SELECT 1 ORDER BY (1, 2)` is 1,
        // the subquery's width unchecked), so errors found only when coded never come.
        func oneRow() -> Bool {
            guard !isCompound, select.compound == nil, select.windowCalls.isEmpty else { return false }
            return select.sources.isEmpty || (select.groupBy.isEmpty && (select.isAggregate || !select.aggregates.isEmpty))
        }
        let dropping = oneRow()
        let aggregated = select.isAggregate || !select.aggregates.isEmpty
        var result: [OrderTerm] = []
        for (n, term) in terms.enumerated() {
            var e = term.expr
            var collation: String? = nil
            if case .collate(let inner, let name) = e.kind {
                guard let coll = Collation(name: name) else {
                    throw c.error("no such collation sequence: \(name)", at: e.span)
                }
                collation = coll == .binary ? "BINARY" : name.uppercasedASCII
                e = inner
            }
            var resolved: RExpr
            var column: Int? = nil
            if let k = try resultColumnNumber(e, of: select, clause: "ORDER", termIndex: n) {
                resolved = select.resultColumns[k]
                column = k
            } else if case .column(let ref) = e.kind, ref.table == nil,
                      let k = select.columnAliases.firstIndex(where: { $0?.equalsIgnoringCase(ref.column) == true }) {
                resolved = select.resultColumns[k]
                column = k
            } else if isCompound {
                // A compound's ORDER BY must name a result column.
                if let k = select.resultColumnIndex(matching: e, sql: c.sql) {
                    resolved = select.resultColumns[k]
                    column = k
                } else {
                    throw c.error("\(ordinal(n + 1)) ORDER BY term does not match any column in the result set",
                                  at: e.span)
                }
            } else if dropping {
                do { resolved = try resolve(e, in: scope, context: .orderBy, aggregates: select) }
                catch let error as DatabaseError where error.message.hasPrefix("sub-select returns ") { continue }
            } else {
                resolved = try resolve(e, in: scope, context: .orderBy,
                                       aggregates: select)
            }
            if let collation { resolved = .collate(resolved, collation) }
            result.append(OrderTerm(expr: resolved, descending: term.order == .descending,
                                    nullsFirst: term.nulls.map { $0 == .first }, resultColumn: column))
        }
        if !aggregated, !dropping, let misuse = scope.misusedAggregate {
            throw c.error("misuse of aggregate: \(misuse.name)()", at: misuse.span)
        }
        return oneRow() ? [] : result
    }

    /// When `e` is an integer literal, the 0-based result column it names (or an error).
    private func resultColumnNumber(_ e: Expr, of select: ResolvedSelect, clause: String, termIndex: Int) throws -> Int? {
        var value: Int64? = nil
        if case .literal(.integer(let v)) = e.kind { value = v }
        if case .unary(.plus, let inner) = e.kind, case .literal(.integer(let v)) = inner.kind { value = v }
        if case .unary(.negate, let inner) = e.kind, case .literal(.integer(let v)) = inner.kind { value = -v }
        guard let value else { return nil }
        let n = select.resultColumns.count
        guard value >= 1, value <= Int64(n) else {
            throw c.error("\(ordinal(termIndex + 1)) \(clause) BY term out of range - should be between 1 and \(n)",
                          at: e.span)
        }
        return Int(value) - 1
    }

    /// Resolves one SELECT core (no ORDER BY / LIMIT).
    func resolveCore(_ core: SelectCore, outer: Scope?, span: SourceSpan) throws -> ResolvedSelect {
        let select = ResolvedSelect()
        switch core {
        case .values(let rows):
            // VALUES (…),(…): each row is a core without FROM, chained by UNION ALL.
            guard let firstRow = rows.first else { return select }
            let width = firstRow.count
            var previous: ResolvedSelect? = nil
            var head: ResolvedSelect? = nil
            for row in rows {
                if row.count != width {
                    throw c.error("all VALUES must have the same number of terms", at: span)
                }
                let s = ResolvedSelect()
                // Resolved in `outer` (an aggregate belongs to the enclosing query, as in
                // SQLite); VALUES has no sources, so every cursor a row reads is an enclosing
                // query's: a correlated reference, recomputed per outer row instead of once.
                // Its own level (no sources) holds the row's aggregates unless they read an
                // enclosing query's columns (routeAggregate).
                let level = Scope(sources: [], parent: outer, select: s)
                s.resultColumns = try row.map { try resolve($0, in: level, context: .values, aggregates: s) }
                for e in s.resultColumns { e.forEachCursor { s.outerCursors.insert($0) } }
                s.columnNames = (1...max(width, 1)).prefix(width).map { "column\($0)" }
                if let previous { previous.compound = (.unionAll, s) } else { head = s }
                previous = s
                if let head, head !== s { head.outerCursors.formUnion(s.outerCursors) }
            }
            return head ?? select
        case .select(let clause):
            let scope = Scope(sources: [], parent: outer, select: select)
            scope.defersRoutedMisuse = true
            if let from = clause.from {
                try resolveFrom(from, into: scope)
                try Resolver.checkJoinSize(scope.sources.count)
            }
            select.sources = scope.sources
            select.distinct = clause.distinct
            select.namedWindows = clause.windows
            // Result columns. (The arrays sized up front: growing each from empty was ~2k
            // instructions of a two-column point query's compile.)
            let expected = clause.columns.count
            select.resultColumns.reserveCapacity(expected)
            select.columnNames.reserveCapacity(expected)
            select.resultColumnASTs = clause.columns
            for column in clause.columns {
                switch column {
                case .star:
                    if scope.sources.isEmpty {
                        throw c.error("no tables specified", at: span)
                    }
                    // With a RIGHT/FULL JOIN in FROM, a USING column expands as its bare name
                    // would resolve (so it may be ambiguous), as SQLite 3.39+ does.
                    let usingNames = scope.sources.contains { $0.join.padsLeft }
                        ? scope.sources.reduce(into: Set<String>()) { $0.formUnion($1.usingNames) } : []
                    for source in scope.sources {
                        for (i, col) in source.table.columns.enumerated() where !source.hiddenColumns.contains(i) && !col.isHidden {
                            if usingNames.contains(col.name.lowercasedASCII),
                               let e = try lookupColumn(table: nil, name: col.name, in: scope, span: span, context: .resultColumn,
                                                        aggregates: nil, required: false) {
                                select.resultColumns.append(e)
                            } else {
                                select.resultColumns.append(try source.usingCoalesce[i] ?? authorizedColumn(source, i))
                            }
                            select.columnNames.append(col.name)
                            if !select.columnAliases.isEmpty { select.columnAliases.append(nil) }
                            if c.schema.longColumnNames { select.outputNames.append(starName(source, col.name)) }
                        }
                    }
                case .tableStar(let name):
                    guard let source = scope.sources.first(where: { $0.exposedName.equalsIgnoringCase(name) }) else {
                        throw c.error("no such table: \(name)", at: span)
                    }
                    for (i, col) in source.table.columns.enumerated() where !col.isHidden {
                        select.resultColumns.append(try authorizedColumn(source, i))
                        select.columnNames.append(col.name)
                        if !select.columnAliases.isEmpty { select.columnAliases.append(nil) }
                        if c.schema.longColumnNames { select.outputNames.append(starName(source, col.name)) }
                    }
                case .expr(let e, let alias):
                    let resolved = try resolve(e, in: scope, context: .resultColumn, aggregates: select)
                    select.resultColumns.append(resolved)
                    select.columnNames.append(alias ?? defaultName(e, resolved, scope: scope))
                    if c.schema.longColumnNames {
                        select.outputNames.append(alias ?? outputName(e, resolved, scope: scope))
                    }
                    if let alias {
                        // (The first alias pads the columns before it: the list is empty until then.)
                        if select.columnAliases.count < select.resultColumns.count - 1 {
                            select.columnAliases.append(contentsOf: repeatElement(nil,
                                count: select.resultColumns.count - 1 - select.columnAliases.count))
                        }
                        select.columnAliases.append(alias)
                    } else if !select.columnAliases.isEmpty {
                        select.columnAliases.append(nil)
                    }
                    if let alias { select.aliasExprs.append((alias, e)) }
                }
            }
            scope.aliases = select.aliasExprs
            scope.groupsRows = !clause.groupBy.isEmpty
            if let w = clause.where {
                select.whereClause = try resolve(w, in: scope, context: .whereClause, aggregates: nil)
            }
            // sqlite3 puts the ON terms after the WHERE's and reports the last misuse: in a
            // query that aggregates when it codes the clause, else when it resolves it.
            let misusedInWhere = scope.misusedAggregateInOn ?? scope.misusedAggregate
            let aggregatesRows = select.isAggregate || !select.aggregates.isEmpty || !clause.groupBy.isEmpty
            for (n, g) in clause.groupBy.enumerated() {
                if let k = try resultColumnNumber(g, of: select, clause: "GROUP", termIndex: n) {
                    select.groupBy.append(select.resultColumns[k])
                    continue
                }
                if case .column(let ref) = g.kind, ref.table == nil,
                   !scope.sources.contains(where: { $0.table.columnIndex(named: ref.column) != nil }),
                   let k = select.columnAliases.firstIndex(where: { $0?.equalsIgnoringCase(ref.column) == true }) {
                    select.groupBy.append(select.resultColumns[k])
                    continue
                }
                select.groupBy.append(try resolve(g, in: scope, context: .groupBy, aggregates: nil))
            }
            if !clause.groupBy.isEmpty { select.isAggregate = true }
            if let h = clause.having {
                if clause.groupBy.isEmpty && !select.isAggregate && select.aggregates.isEmpty {
                    // SQLite 3.40: HAVING without GROUP BY needs aggregates in the result
                    // columns; checked before the HAVING is resolved (its own make no difference).
                    throw c.error("HAVING clause on a non-aggregate query", at: h.span)
                } else {
                    select.having = try resolve(h, in: scope, context: .having, aggregates: select)
                }
            }
            if let misuse = misusedInWhere {
                throw c.error(aggregatesRows ? "misuse of aggregate: \(misuse.name)()"
                                             : "misuse of aggregate function \(misuse.name)()", at: misuse.span)
            }
            if let misuse = scope.misusedRoutedAggregate {
                throw c.error("misuse of aggregate: \(misuse.name)()", at: misuse.span)
            }
            return select
        }
    }

    /// SQLite's default name of a result column: a column's own name, else the text.
    func defaultName(_ e: Expr, _ resolved: RExpr, scope: Scope) -> String {
        if case .column(let ref) = e.kind {
            if case .column(let col, _, _, _) = resolved,
               let source = scope.sources.first(where: { $0.cursor == col.cursor }) {
                if col.column >= 0, col.column < source.table.columns.count {
                    return source.table.columns[col.column].name
                }
                if let alias = source.table.rowidAlias {
                    return source.table.columns[alias].name
                }
                return "rowid"
            }
            if case .column(let col, _, _, _) = resolved, col.column < 0 { return "rowid" }
            if !ref.isDoubleQuoted { return ref.column }
        }
        return c.text(e.span)
    }

    /// SQLite's limits on one FROM clause: 200 terms (its parser's), 64 tables in a join
    /// (its planner works on 64-bit masks of them; so does JoinOrderSearch).
    static func checkJoinSize(_ count: Int) throws {
        if count > 200 { throw DatabaseError(.error, "too many FROM clause terms, max: 200") }
        if count > 64 { throw DatabaseError(.error, "at most 64 tables in a join") }
    }

    /// Resolves the FROM clause into `scope.sources` (left-deep, in order).
    func resolveFrom(_ from: FromClause, into scope: Scope) throws {
        let pendingBefore = c.pendingTableArguments.count
        let anyRightJoin = from.joins.contains { $0.op.kind == .right || $0.op.kind == .full }
        // USING and NATURAL look only at this FROM clause's items (not UPDATE's target).
        let base = scope.sources.count
        try addSource(from.first, join: nil, into: scope, anyRightJoin: anyRightJoin, base: base)
        for join in from.joins {
            try addSource(join.table, join: join, into: scope, anyRightJoin: anyRightJoin, base: base)
        }
        try resolveTableArguments(since: pendingBefore, in: scope)
    }

    private func addSource(_ item: TableOrSubquery, join: Join?, into scope: Scope, anyRightJoin: Bool = false,
                           base: Int = 0) throws {
        var source: SourceItem
        switch item {
        case .table(let q) where q.schema == nil && !c.recursiveReferences.isEmpty
                && c.recursiveReferences[q.name.lowercasedASCII] != nil:
            guard let ref = c.recursiveReferences[q.name.lowercasedASCII] else { return }
            source = SourceItem(table: ref.table, exposedName: q.alias ?? ref.table.name, cursor: ref.cursor)
            source.isRecursiveReference = true
            c.recursiveReferenceCount += 1
        case .table(let q) where q.schema == nil && !c.commonTables.isEmpty && commonTable(named: q.name) != nil:
            source = try commonTableSource(q, scope: scope)
        case .table(let q):
            guard let table = c.schema.table(named: q.name, in: q.schema ?? c.defaultDatabase) ?? c.eponymousTable(named: q.name, schema: q.schema) else {
                if q.schema == nil, c.resolvingCommonTables.contains(q.name.lowercasedASCII) {
                    throw c.error("recursive common table expressions are not supported yet", at: nil)
                }
                let full = q.schema.map { "\($0).\(q.name)" } ?? q.name
                throw c.error("no such table: \(full)", at: nil)
            }
            if table.isView {
                source = try viewSource(table, alias: q.alias, scope: scope)
                break
            }
            if table.isVirtual {
                source = try virtualSource(table, alias: q.alias)
                break
            }
            if table.isWithoutRowid && table.withoutRowidUnsupported {
                throw c.error("VIRTUAL generated columns in WITHOUT ROWID tables are not supported yet", at: nil)
            }
            source = SourceItem(table: table, exposedName: q.alias ?? table.name, cursor: c.builder.allocateCursor())
            source.indexHint = q.indexHint
            if q.alias == nil { source.writtenSchema = q.schema }
        case .subquery(let select, let alias):
            let sub = try resolveSelect(select, outer: scope.parent)
            var cols: [Column] = []
            for (i, name) in sub.columnNames.enumerated() {
                var col = Column(name: name, declaredType: "")
                col.affinity = sub.resultColumns[i].affinity ?? .blob
                cols.append(col)
            }
            let name = alias ?? "subquery_\(scope.sources.count)"
            var t = Table(name: name, columns: cols, rootPage: 0, sql: nil)
            t.isWithoutRowid = false
            source = SourceItem(table: t, exposedName: name, cursor: c.builder.allocateCursor())
            source.subquery = sub
        case .function(_, let name, let arguments, let alias):
            source = try tableFunctionSource(name: name, arguments: arguments, alias: alias)
        case .join(let inner):
            // A parenthesised join list flattens into this scope (inner joins only).
            if !scope.sources.isEmpty, inner.joins.contains(where: { $0.op.kind == .right || $0.op.kind == .full }) {
                throw c.error("RIGHT and FULL OUTER JOINs inside parentheses are not supported yet", at: nil)
            }
            try resolveFrom(inner, into: scope)
            if let join, join.constraint != nil {
                throw c.error("parenthesised joins with constraints are not supported yet", at: nil)
            }
            return
        }
        if let join {
            switch join.op.kind {
            case .comma, .inner: source.join = .inner
            case .cross: source.join = .cross
            case .left: source.join = .left
            case .right: source.join = .right
            case .full: source.join = .full
            }
            if scope.sources.contains(where: { $0.exposedName.equalsIgnoringCase(source.exposedName) }) && false {
                throw c.error("ambiguous column name", at: nil)
            }
            var usingColumns: [String] = []
            let earlier = scope.sources[min(base, scope.sources.count)...]
            if join.op.natural {
                if join.constraint != nil {
                    throw c.error("a NATURAL join may not have an ON or USING clause", at: nil)
                }
                for col in source.table.columns where earlier.contains(where: { $0.table.columnIndex(named: col.name) != nil }) {
                    usingColumns.append(col.name)
                }
            }
            switch join.constraint {
            case .on(let e):
                let onScope = Scope(sources: scope.sources + [source], parent: scope.parent, select: scope.select)
                source.on = try resolve(e, in: onScope, context: .on)
                if let misuse = onScope.misusedAggregate { scope.misusedAggregateInOn = misuse }
            case .using(let names):
                usingColumns = names
            case nil:
                break
            }
            var terms: [RExpr] = []
            var ambiguous: String? = nil
            for name in usingColumns {
                guard let right = source.table.columnIndex(named: name),
                      let left = earlier.first(where: { $0.table.columnIndex(named: name) != nil }),
                      let li = left.table.columnIndex(named: name) else {
                    throw c.error("cannot join using column \(name) - column not present in both tables", at: nil)
                }
                source.hiddenColumns.insert(right)
                source.usingNames.insert(name.lowercasedASCII)
                var leftExpr = left.usingCoalesce[li] ?? columnExpr(left, li)
                if anyRightJoin {
                    // With a RIGHT/FULL JOIN in FROM, every earlier item with the column must be
                    // joined to the first by USING/NATURAL on it; the left operand is their coalesce.
                    var operands: [RExpr] = []
                    for other in earlier {
                        guard let oi = other.table.columnIndex(named: name) else { continue }
                        if !operands.isEmpty && !other.usingNames.contains(name.lowercasedASCII) {
                            ambiguous = name  // SQLite reports the last such column
                            break
                        }
                        operands.append(columnExpr(other, oi))
                    }
                    if operands.count > 1, left.usingCoalesce[li] == nil {
                        leftExpr = .function(FunctionRef(name: "coalesce", argumentCount: operands.count, definition: nil), operands)
                    }
                }
                terms.append(.compare(.eq, leftExpr, columnExpr(source, right)))
                if source.join.padsLeft, let k = scope.sources.firstIndex(where: { $0.cursor == left.cursor }) {
                    // The left side may be NULL-padded now: the USING column is their coalesce.
                    var args: [RExpr] = [leftExpr]
                    if case .function(let f, let a) = leftExpr, f.name == "coalesce", f.definition == nil { args = a }
                    args.append(columnExpr(source, right))
                    scope.sources[k].usingCoalesce[li] = .function(
                        FunctionRef(name: "coalesce", argumentCount: args.count, definition: nil), args)
                }
            }
            if let ambiguous { throw c.error("ambiguous reference to \(ambiguous) in USING()", at: nil) }
            for t in terms {
                source.on = source.on.map { .binary(.and, $0, t) } ?? t
            }
        }
        scope.sources.append(source)
    }

    /// The WITH-clause table `name` in scope, innermost first.
    private func commonTable(named name: String) -> CommonTableExpression? {
        let key = name.lowercasedASCII
        for level in c.commonTables.reversed() {
            if let cte = level[key] {
                // Inside its own body a non-recursive CTE name means the table outside.
                if c.resolvingCommonTables.contains(key) { return nil }
                return cte
            }
        }
        return nil
    }

    /// A WITH-clause table in FROM: its SELECT read as a subquery.
    private func commonTableSource(_ q: QualifiedTableName, scope: Scope) throws -> SourceItem {
        guard let cte = commonTable(named: q.name) else { throw c.error("no such table: \(q.name)", at: nil) }
        let key = cte.name.lowercasedASCII
        c.resolvingCommonTables.insert(key)
        defer { c.resolvingCommonTables.remove(key) }
        if Self.core(cte.select.first, references: key) {
            throw c.error("circular reference: \(cte.name)", at: nil)
        }
        if let k = cte.select.compounds.firstIndex(where: { Self.core($0.core, references: key) }) {
            return try recursiveCommonTableSource(q, cte, firstRecursive: k)
        }
        let sub = try withAuthorizationContext(cte.name) { try resolveSelect(cte.select, outer: nil) }
        let names = cte.columns ?? sub.columnNames
        if names.count != sub.resultColumns.count {
            throw c.error("table \(cte.name) has \(sub.resultColumns.count) values for \(names.count) columns", at: nil)
        }
        var cols: [Column] = []
        for (i, name) in names.enumerated() {
            var col = Column(name: name, declaredType: "")
            col.affinity = sub.resultColumns[i].affinity ?? .blob
            cols.append(col)
        }
        let name = q.alias ?? cte.name
        let t = Table(name: name, columns: cols, rootPage: 0, sql: nil)
        var source = SourceItem(table: t, exposedName: name, cursor: c.builder.allocateCursor())
        source.subquery = sub
        if c.schema.longColumnNames { c.fullNameTables[source.cursor] = cte.name }
        return source
    }

    /// How many FROM items of `core` (top level) name the table `key`.
    static func referenceCount(_ core: SelectCore, _ key: String) -> Int {
        guard case .select(let clause) = core, let from = clause.from else { return 0 }
        func count(_ item: TableOrSubquery) -> Int {
            switch item {
            case .table(let q): return q.schema == nil && q.name.lowercasedASCII == key ? 1 : 0
            case .join(let inner): return count(inner.first) + inner.joins.reduce(0) { $0 + count($1.table) }
            default: return 0
            }
        }
        return count(from.first) + from.joins.reduce(0) { $0 + count($1.table) }
    }

    /// True when `core`'s FROM clause names the table `key` (lower-cased, unqualified).
    static func core(_ core: SelectCore, references key: String) -> Bool {
        guard case .select(let clause) = core, let from = clause.from else { return false }
        func names(_ item: TableOrSubquery) -> Bool {
            switch item {
            case .table(let q): return q.schema == nil && q.name.lowercasedASCII == key
            case .join(let inner): return names(inner.first) || inner.joins.contains { names($0.table) }
            default: return false
            }
        }
        return names(from.first) || from.joins.contains { names($0.table) }
    }

    /// A recursive WITH table: the cores before `firstRecursive` (a compound index) are the
    /// initial select, the rest are recursive selects reading the current row.
    private func recursiveCommonTableSource(_ q: QualifiedTableName, _ cte: CommonTableExpression,
                                            firstRecursive k: Int) throws -> SourceItem {
        let select = cte.select
        let key = cte.name.lowercasedASCII
        let op = select.compounds[k].op
        guard op == .union || op == .unionAll,
              select.compounds[k...].allSatisfy({ $0.op == op && Self.core($0.core, references: key) }) else {
            throw c.error("circular reference: \(cte.name)", at: nil)
        }
        let initialSelect = Select(first: select.first, compounds: Array(select.compounds[..<k]), span: select.span)
        let initial = try resolveSelect(initialSelect, outer: nil)
        let names = cte.columns ?? initial.columnNames
        if names.count != initial.resultColumns.count {
            throw c.error("table \(cte.name) has \(initial.resultColumns.count) values for \(names.count) columns", at: nil)
        }
        var cols: [Column] = []
        for (i, name) in names.enumerated() {
            var col = Column(name: name, declaredType: "")
            col.affinity = initial.resultColumns[i].affinity ?? .blob
            cols.append(col)
        }
        let cteTable = Table(name: cte.name, columns: cols, rootPage: 0, sql: nil)
        let rec = RecursiveCTE(initial: initial, currentCursor: c.builder.allocateCursor(),
                               orderCursor: c.builder.allocateCursor(), columnCount: cols.count)
        rec.unionAll = op == .unionAll
        let saved = c.recursiveReferences[key]
        c.recursiveReferences[key] = (cteTable, rec.currentCursor)
        defer { c.recursiveReferences[key] = saved }
        for term in select.compounds[k...] {
            let before = c.recursiveReferenceCount
            let r = try resolveSelect(Select(first: term.core, span: select.span), outer: nil)
            if c.recursiveReferenceCount - before > 1 {
                if Self.referenceCount(term.core, key) > 1 {
                    throw c.error("multiple references to recursive table: \(cte.name)", at: nil)
                }
                throw c.error("multiple recursive references: \(cte.name)", at: nil)
            }
            if r.isAggregate { throw c.error("recursive aggregate queries not supported", at: nil) }
            if r.resultColumns.count != cols.count {
                throw c.error("SELECTs to the left and right of \(op == .unionAll ? "UNION ALL" : "UNION") do not have the same number of result columns", at: select.span)
            }
            rec.recursive.append(r)
        }
        if !select.orderBy.isEmpty {
            // ORDER BY reads the queued row: a one-source select over the pseudo cursor.
            let orderSource = SourceItem(table: cteTable, exposedName: cte.name, cursor: rec.orderCursor)
            let fake = ResolvedSelect()
            fake.sources = [orderSource]
            fake.resultColumns = cols.indices.map { columnExpr(orderSource, $0) }
            // As for any compound, terms must name a result column of the first select.
            fake.columnNames = initial.columnNames
            fake.columnAliases = initial.columnAliases
            fake.resultColumnASTs = initial.resultColumnASTs
            rec.orderBy = try resolveOrderBy(select.orderBy, of: fake, outer: nil, isCompound: true)
        }
        if let limit = select.limit {
            rec.limit = try resolve(limit.limit, in: nil, context: .limit)
            rec.offset = try limit.offset.map { try resolve($0, in: nil, context: .limit) }
        }
        let name = q.alias ?? cte.name
        var t = cteTable
        t.name = name
        var source = SourceItem(table: t, exposedName: name, cursor: c.builder.allocateCursor())
        source.subquery = initial
        source.recursive = rec
        return source
    }

    /// A view in FROM: its SELECT, resolved from the view's own text, read as a subquery.
    func viewSource(_ table: Table, alias: String?, scope: Scope) throws -> SourceItem {
        guard let def = table.viewDefinition, let text = table.sql else {
            throw c.error("no such table: \(table.name)", at: nil)
        }
        let key = table.name.lowercasedASCII
        if c.expandingViews.contains(key) {
            throw c.error("view \(table.name) is circularly defined", at: nil)
        }
        let child = Compilation(sql: text, schema: c.schema, builder: c.builder)
        child.expandingViews = c.expandingViews.union([key])
        child.authorizationContext = table.name
        child.fromSchema = c.fromSchema || table.database != 1
        if table.database != 1 && !c.schema.linked.isEmpty {
            child.defaultDatabase = c.schema.databaseNames[table.database] ?? "main"
        }
        let sub: ResolvedSelect
        do { sub = try Resolver(child).resolveSelect(def.select, outer: nil) }
        catch var e as DatabaseError { e.sql = c.sql; e.offset = nil; throw e }
        let names = def.columns ?? sub.columnNames
        if names.count != sub.resultColumns.count {
            throw c.error("expected \(names.count) columns for '\(table.name)' but got \(sub.resultColumns.count)", at: nil)
        }
        var cols: [Column] = []
        for (i, name) in names.enumerated() {
            var col = Column(name: name, declaredType: "")
            col.affinity = sub.resultColumns[i].affinity ?? .blob
            cols.append(col)
        }
        let name = alias ?? table.name
        let t = Table(name: name, columns: cols, rootPage: 0, sql: nil)
        var source = SourceItem(table: t, exposedName: name, cursor: c.builder.allocateCursor())
        source.subquery = sub
        if c.schema.longColumnNames { c.fullNameTables[source.cursor] = table.name }
        return source
    }

    // MARK: Function registry access

    /// The registry's definition of `name` with `argc` arguments.
    func lookupFunction(_ lower: String, argc: Int) -> FunctionDefinition? {
        if case .found(let f) = FunctionRegistry.lookup(name: lower, argc: argc) { return f }
        return nil
    }

    /// True when some function `name` exists with another argument count.
    func functionExists(_ lower: String) -> Bool {
        if case .notFound = FunctionRegistry.lookup(name: lower, argc: 0) { return false }
        return true
    }
}

extension ResolvedSelect {
    /// The result column whose source text or alias equals `e` (compound ORDER BY).
    func resultColumnIndex(matching e: Expr, sql: String) -> Int? {
        if case .column(let ref) = e.kind, ref.table == nil {
            if let k = columnNames.firstIndex(where: { $0.equalsIgnoringCase(ref.column) }) { return k }
        }
        let text = e.span.text(in: sql)
        return resultASTs.firstIndex { $0.span.text(in: sql) == text }
    }
}
