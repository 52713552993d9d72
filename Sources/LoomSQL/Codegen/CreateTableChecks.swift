// This file implements the refusals sqlite3 makes when a table is created: a DEFAULT that is
// not constant, and CHECK constraints and generated columns holding subqueries, parameters
// or aggregates (names resolved at CREATE). Layer: L5. Spec: Spec/L5-sql.md §CREATE TABLE.
import LoomBase

extension Codegen {
    /// "default value of column [x] is not constant" for each column whose DEFAULT reads a
    /// column, a parameter, a subquery or a window (or FILTER) call, as sqlite3's parser does.
    /// A bare identifier (`DEFAULT abc`, no parentheses) is a string, so constant.
    func checkDefaultsConstant(_ columns: [ColumnDefinition]) throws {
        for column in columns {
            for constraint in column.constraints {
                guard case .default(let e) = constraint.kind else { continue }
                if case .column = e.kind, !c.text(e.span).hasPrefix("(") { continue }
                if !e.isConstantDefault {
                    throw c.error("default value of column [\(column.name)] is not constant", at: nil)
                }
            }
        }
    }

    /// Resolves an expression of a new table's CHECK constraint or generated column with
    /// sqlite3's refusals for `place` ("CHECK constraints", "generated columns").
    func resolveCreateExpr(_ e: Expr, in scope: Scope, place: String, purity: String) throws {
        var resolver = Resolver(c)
        resolver.purityPlace = purity
        resolver.prohibitedPlace = place
        scope.misusedAggregate = nil
        do { _ = try resolver.resolve(e, in: scope, context: .check) }
        catch let error as DatabaseError
            where error.message.hasPrefix("no such collation sequence") || error.message.hasPrefix("RAISE() may only") {
            return  // sqlite3 finds these only when a row is written
        }
        // Operands the resolver reads without resolving their node (a row value's subquery).
        var refusal: DatabaseError? = nil
        e.visitIndexNodes { node in
            guard refusal == nil else { return }
            switch node.kind {
            case .subquery, .exists, .inSelect, .inTable: refusal = c.error("subqueries prohibited in \(place)", at: node.span)
            case .parameter: refusal = c.error("parameters prohibited in \(place)", at: node.span)
            default: break
            }
        }
        if let refusal { throw refusal }
        if let misuse = scope.misusedAggregate {
            throw c.error("misuse of aggregate function \(misuse.name)()", at: misuse.span)
        }
    }

    /// CREATE TABLE: every CHECK constraint must resolve against the table.
    func checkCheckConstraints(_ table: Table) throws {
        guard !table.checks.isEmpty else { return }
        let scope = Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: b.allocateCursor())],
                          parent: nil)
        for check in table.checks {
            try resolveCreateExpr(check.expr, in: scope, place: "CHECK constraints", purity: "a CHECK constraint")
        }
    }
}

extension Codegen {
    /// Stops the statement with `message` when `table` has a row (ALTER TABLE ADD COLUMN).
    func haltIfNotEmpty(_ table: Table, message: String) {
        let cursor = b.allocateCursor()
        b.emit(.openRead(cursor: cursor, root: Int(table.rootPage), columnCount: table.columns.count, database: table.database))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        b.emit(.halt(code: .error, action: .abort, message: message))
        b.place(done)
    }
}

extension Expr {
    /// Whether sqlite3 takes this as a column's DEFAULT: no column, parameter, subquery or
    /// window / FILTER call anywhere in it (other function calls are allowed).
    var isConstantDefault: Bool {
        switch kind {
        case .literal: return true
        case .column, .parameter, .inSelect, .inTable, .exists, .subquery: return false
        case .unary(_, let e), .isNull(let e), .notNull(let e), .cast(let e, _), .collate(let e, _):
            return e.isConstantDefault
        case .binary(_, let a, let b): return a.isConstantDefault && b.isConstantDefault
        case .like(_, _, let a, let p, let e):
            return a.isConstantDefault && p.isConstantDefault && (e?.isConstantDefault ?? true)
        case .between(let a, _, let l, let h): return a.isConstantDefault && l.isConstantDefault && h.isConstantDefault
        case .inList(let a, _, let list): return a.isConstantDefault && list.allSatisfy { $0.isConstantDefault }
        case .caseWhen(let op, let whens, let other):
            return (op?.isConstantDefault ?? true)
                && whens.allSatisfy { $0.when.isConstantDefault && $0.then.isConstantDefault }
                && (other?.isConstantDefault ?? true)
        case .function(let f):
            guard f.over == nil, f.filter == nil else { return false }
            if case .list(let args) = f.arguments { return args.allSatisfy { $0.isConstantDefault } }
            return true
        case .raise(_, let m): return m?.isConstantDefault ?? true
        case .row(let list): return list.allSatisfy { $0.isConstantDefault }
        }
    }
}
