// This file implements expression and partial indexes in codegen: checking an index
// expression or partial-index WHERE clause as CREATE INDEX does (SQLite's messages), computing
// an expression key column from a row held in registers, and skipping a row a partial index
// does not cover. Layer: L5. Spec: Spec/L5-sql.md §Indexes on expressions, partial indexes (X1-X7).
import LoomBase
import LoomRecord
import LoomVDBE

extension FunctionRef {
    /// Whether a call may match an index expression: a deterministic function or a date
    /// function (whose 'now' fails at run time in an index).
    var matchesInIndex: Bool {
        definition.map { $0.isDeterministic || FunctionRegistry.isSlowChanging($0) } ?? true
    }
}

extension Codegen {
    /// A scope over `table` whose columns read registers `columns + i` (rowid in `rowid`).
    func rowScope(_ table: Table, columns: Int, rowid: Int) -> Scope {
        let cursor = b.allocateCursor()
        for i in table.columns.indices {
            columnOverrides[RColumn(cursor: cursor, column: i)] = i == table.rowidAlias ? rowid : columns + i
        }
        columnOverrides[RColumn(cursor: cursor, column: -1)] = rowid
        cursorTables[cursor] = table
        return Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: cursor)], parent: nil)
    }

    /// Resolves an index key expression (`isWhere` false) or a partial index's WHERE clause
    /// in `scope`, refusing what SQLite refuses there: parameters, subqueries,
    /// non-deterministic functions, the "." operator and the rowid in key expressions.
    func resolveIndexExpr(_ e: Expr, in scope: Scope, isWhere: Bool) throws -> RExpr {
        let place = isWhere ? "partial index WHERE clauses" : "index expressions"
        try checkIndexExprSyntax(e, place: place, isWhere: isWhere, afterResolve: false)
        let resolved: RExpr
        var resolver = Resolver(c)
        resolver.purityPlace = "an index"
        do { resolved = try resolver.resolve(e, in: scope, context: .check) }
        catch let error as DatabaseError where error.message.hasPrefix("misuse of aggregate: ") {
            throw c.error("misuse of aggregate function " + error.message.dropFirst(21), at: e.span)
        }
        try checkIndexExprSyntax(e, place: place, isWhere: isWhere, afterResolve: true)
        var problem: String? = nil
        resolved.visitIndexNodes { node in
            guard problem == nil else { return }
            switch node {
            case .function(let ref, _):
                if let def = ref.definition, !def.isDeterministic, !FunctionRegistry.isSlowChanging(def) {
                    problem = "non-deterministic functions prohibited in \(place)"
                }
            case .inSelect, .exists, .subquery:
                problem = "subqueries prohibited in \(place)"
            case .column(let col, _, _, _):
                if !isWhere && col.column < 0 { problem = "no such column: rowid" }
            default: break
            }
        }
        if let problem { throw c.error(problem, at: e.span) }
        return resolved
    }

    /// The syntactic refusals, found on the parse tree: parameters and subqueries before names
    /// are resolved, the "." operator after (an unknown name is "no such column" first).
    private func checkIndexExprSyntax(_ e: Expr, place: String, isWhere: Bool, afterResolve: Bool) throws {
        var failure: DatabaseError? = nil
        e.visitIndexNodes { node in
            guard failure == nil else { return }
            switch node.kind {
            case .parameter where !afterResolve:
                failure = c.error("parameters prohibited in \(place)", at: node.span)
            case .subquery, .exists, .inSelect:
                if !afterResolve { failure = c.error("subqueries prohibited in \(place)", at: node.span) }
            case .literal(.currentTime), .literal(.currentDate), .literal(.currentTimestamp):
                // CURRENT_* read the clock: refused here (date() fails only on 'now', at run time).
                if afterResolve { failure = c.error("non-deterministic functions prohibited in \(place)", at: node.span) }
            case .column(let ref):
                if afterResolve && !isWhere && ref.table != nil {
                    failure = c.error("the \".\" operator prohibited in index expressions", at: node.span)
                }
            default: break
            }
        }
        if let failure { throw failure }
    }

    /// CREATE INDEX: every key expression and the WHERE clause must resolve against `table`.
    func checkIndexExpressions(_ index: Index, table: Table) throws {
        let scope = Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: b.allocateCursor())],
                          parent: nil)
        for col in index.columns {
            if let e = col.expression { _ = try resolveIndexExpr(e, in: scope, isWhere: false) }
        }
        if let w = index.whereClause { _ = try resolveIndexExpr(w, in: scope, isWhere: true) }
    }

    /// Computes expression key column `col` of the row in `columns` (rowid `rowid`) into `dest`,
    /// with the expression's affinity as SQLite's index affinity string applies it.
    func codeIndexExpression(_ expr: Expr, table: Table, columns: Int, rowid: Int, dest: Int) throws {
        let scope = rowScope(table, columns: columns, rowid: rowid)
        let e = try resolveIndexExpr(expr, in: scope, isWhere: false)
        try code(e, into: dest)
        if let a = e.affinity, a != .blob { b.emit(.affinity(start: dest, affinities: [a])) }
    }

    /// For a partial index: jumps past the entry code (the returned label, to be placed after
    /// it) when the row in `columns` does not satisfy the WHERE clause. nil for other indexes.
    func codePartialIndexSkip(_ index: Index, table: Table, columns: Int, rowid: Int) throws -> Label? {
        guard let w = index.whereClause else { return nil }
        let scope = rowScope(table, columns: columns, rowid: rowid)
        let e = try resolveIndexExpr(w, in: scope, isWhere: true)
        let skip = b.makeLabel()
        try jumpIfFalse(e, to: skip, jumpIfNull: true)
        return skip
    }
}

extension Expr {
    /// Calls `body` for this node and every sub-expression (not inside subqueries).
    func visitIndexNodes(_ body: (Expr) -> Void) {
        body(self)
        switch kind {
        case .literal, .column, .parameter, .exists, .subquery: break
        case .unary(_, let e), .isNull(let e), .notNull(let e), .cast(let e, _), .collate(let e, _):
            e.visitIndexNodes(body)
        case .binary(_, let a, let b): a.visitIndexNodes(body); b.visitIndexNodes(body)
        case .like(_, _, let a, let p, let e):
            a.visitIndexNodes(body); p.visitIndexNodes(body); e?.visitIndexNodes(body)
        case .between(let a, _, let l, let h):
            a.visitIndexNodes(body); l.visitIndexNodes(body); h.visitIndexNodes(body)
        case .inList(let a, _, let list): a.visitIndexNodes(body); list.forEach { $0.visitIndexNodes(body) }
        case .inSelect(let a, _, _): a.visitIndexNodes(body)
        case .inTable(let a, _, _, _, let args):
            a.visitIndexNodes(body); args?.forEach { $0.visitIndexNodes(body) }
        case .caseWhen(let op, let whens, let other):
            op?.visitIndexNodes(body)
            for w in whens { w.when.visitIndexNodes(body); w.then.visitIndexNodes(body) }
            other?.visitIndexNodes(body)
        case .function(let f):
            if case .list(let args) = f.arguments { args.forEach { $0.visitIndexNodes(body) } }
        case .raise(_, let m): m?.visitIndexNodes(body)
        case .row(let list): list.forEach { $0.visitIndexNodes(body) }
        }
    }
}

extension RExpr {
    /// Calls `body` for this node and every sub-expression (not inside subqueries).
    func visitIndexNodes(_ body: (RExpr) -> Void) {
        body(self)
        switch self {
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _, _), .collate(let e, _):
            e.visitIndexNodes(body)
        case .binary(_, let a, let b), .compare(_, let a, let b):
            a.visitIndexNodes(body); b.visitIndexNodes(body)
        case .between(let a, let b, let c, _):
            a.visitIndexNodes(body); b.visitIndexNodes(body); c.visitIndexNodes(body)
        case .inList(let e, let list, _): e.visitIndexNodes(body); list.forEach { $0.visitIndexNodes(body) }
        case .inSelect(let e, _, _): e.visitIndexNodes(body)
        case .function(_, let args): args.forEach { $0.visitIndexNodes(body) }
        case .caseWhen(let base, let whens, let otherwise):
            base?.visitIndexNodes(body)
            for (w, t) in whens { w.visitIndexNodes(body); t.visitIndexNodes(body) }
            otherwise?.visitIndexNodes(body)
        case .like(let a, let p, let e, _, _):
            a.visitIndexNodes(body); p.visitIndexNodes(body); e?.visitIndexNodes(body)
        case .row(let r): r.subexpressions.forEach { $0.visitIndexNodes(body) }
        case .column, .exists, .subquery, .aggregate, .register, .null, .integer, .real, .text, .blob,
             .parameter, .raise:
            break
        }
    }
}

extension Index {
    /// Every column of `table` the index reads: its key columns and the columns its
    /// expressions and WHERE clause name (-1: the rowid, by any of its names).
    func readColumns(of table: Table) -> Set<Int> {
        var read = Set<Int>()
        func visit(_ e: Expr) {
            e.visitIndexNodes { node in
                guard case .column(let ref) = node.kind else { return }
                if let i = table.columnIndex(named: ref.column) { read.insert(i == table.rowidAlias ? -1 : i) }
                else if Codegen.isRowidName(ref.column) { read.insert(-1) }
            }
        }
        for col in columns {
            if let e = col.expression { visit(e) } else { read.insert(col.column == table.rowidAlias ? -1 : col.column) }
        }
        if let w = whereClause { visit(w) }
        return read
    }

    /// True when an UPDATE assigning `assigned` (-1: the rowid or its alias) may change this
    /// index's entry for a row: it reads an assigned column or a generated column.
    func mayChange(assigning assigned: Set<Int>, table: Table) -> Bool {
        if isPlain && !table.hasGenerated {
            // Only its own columns: no set of the columns read.
            let alias = table.rowidAlias
            return columns.contains { assigned.contains($0.column == alias ? -1 : $0.column) }
        }
        return readColumns(of: table).contains { i in
            assigned.contains(i) || (i >= 0 && i < table.columns.count && table.columns[i].generated != nil)
        }
    }
}

extension Expr {
    /// The same expression as `other` apart from source positions, letter case of names and
    /// whitespace (an UPSERT target against an index expression). Forms it does not know
    /// (subqueries, windows …) never match. `table`: a column qualified with this name is
    /// the same as the unqualified one (an UPSERT target's WHERE against a partial index's).
    func sameShape(_ other: Expr, table: String? = nil) -> Bool {
        func same(_ a: Expr?, _ b: Expr?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case (let x?, let y?): return x.sameShape(y, table: table)
            default: return false
            }
        }
        func all(_ a: [Expr], _ b: [Expr]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { $0.sameShape($1, table: table) } }
        func name(_ a: String?, _ b: String?) -> Bool { (a?.lowercasedASCII) == (b?.lowercasedASCII) }
        switch (kind, other.kind) {
        case (.literal(let a), .literal(let b)): return a == b
        case (.column(let a), .column(let b)):
            func owner(_ t: String?) -> String? {
                guard let t, let table, t.lowercasedASCII == table.lowercasedASCII else { return t }
                return nil
            }
            return name(a.column, b.column) && name(owner(a.table), owner(b.table)) && name(a.schema, b.schema)
        case (.unary(let o1, let a), .unary(let o2, let b)): return o1 == o2 && a.sameShape(b, table: table)
        case (.binary(let o1, let a1, let b1), .binary(let o2, let a2, let b2)):
            return o1 == o2 && a1.sameShape(a2, table: table) && b1.sameShape(b2, table: table)
        case (.isNull(let a), .isNull(let b)), (.notNull(let a), .notNull(let b)): return a.sameShape(b, table: table)
        case (.cast(let a, let t1), .cast(let b, let t2)): return name(t1, t2) && a.sameShape(b, table: table)
        case (.collate(let a, let n1), .collate(let b, let n2)): return name(n1, n2) && a.sameShape(b, table: table)
        case (.between(let a1, let n1, let l1, let h1), .between(let a2, let n2, let l2, let h2)):
            return n1 == n2 && a1.sameShape(a2, table: table) && l1.sameShape(l2, table: table) && h1.sameShape(h2, table: table)
        case (.inList(let a1, let n1, let l1), .inList(let a2, let n2, let l2)):
            return n1 == n2 && a1.sameShape(a2, table: table) && all(l1, l2)
        case (.like(let o1, let n1, let a1, let p1, let e1), .like(let o2, let n2, let a2, let p2, let e2)):
            return o1 == o2 && n1 == n2 && a1.sameShape(a2, table: table) && p1.sameShape(p2, table: table) && same(e1, e2)
        case (.caseWhen(let o1, let w1, let e1), .caseWhen(let o2, let w2, let e2)):
            return same(o1, o2) && same(e1, e2) && w1.count == w2.count
                && zip(w1, w2).allSatisfy { $0.when.sameShape($1.when, table: table) && $0.then.sameShape($1.then, table: table) }
        case (.function(let f1), .function(let f2)):
            guard name(f1.name, f2.name), f1.distinct == f2.distinct, f1.filter == nil, f2.filter == nil,
                  f1.over == nil, f2.over == nil else { return false }
            switch (f1.arguments, f2.arguments) {
            case (.star, .star): return true
            case (.list(let a), .list(let b)): return all(a, b)
            default: return false
            }
        case (.row(let a), .row(let b)): return all(a, b)
        default: return false
        }
    }
}
