// This file implements SELECT parsing: WITH, compound selects, VALUES, result columns, FROM
// (joins, subqueries, table-valued functions, index hints), GROUP BY, WINDOW, ORDER BY, LIMIT.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser".
import LoomBase

extension Parser {
    /// [WITH …] select-core [compound-op select-core]* [ORDER BY …] [LIMIT …]
    mutating func select() throws -> Select {
        let start = current.start
        return try nested(4) { p in
            var with: WithClause?
            if p.isKeyword(.with) { with = try p.withClause() }
            return try p.selectBody(with: with, start: start)
        }
    }

    /// The part of a SELECT after its WITH clause. In SQLite's grammar ORDER BY and LIMIT
    /// belong to each SELECT core (not to VALUES); only the last core may have them, and they
    /// apply to the whole compound.
    mutating func selectBody(with: WithClause?, start: Int) throws -> Select {
        let (first, firstOrderBy, firstLimit) = try selectCoreWithTail()
        switch current.kind {
        case .keyword(.union), .keyword(.intersect), .keyword(.except):
            break
        default:
            // One core (most statements): built directly, without the compound loop's copies.
            return Select(with: with, first: first, orderBy: firstOrderBy, limit: firstLimit,
                          span: SourceSpan(start: start, end: previousEnd))
        }
        var orderBy = firstOrderBy
        var limit = firstLimit
        var compounds: [CompoundTerm] = []
        loop: while true {
            let opToken = current
            let op: CompoundOperator
            switch current.kind {
            case .keyword(.union):
                try advance()
                op = try accept(.all) ? .unionAll : .union
            case .keyword(.intersect): try advance(); op = .intersect
            case .keyword(.except): try advance(); op = .except
            default: break loop
            }
            if !orderBy.isEmpty || limit != nil {
                let word = opToken.kind == .keyword(.union) ? (op == .unionAll ? "UNION ALL" : "UNION")
                    : op == .intersect ? "INTERSECT" : "EXCEPT"
                actionError("\(orderBy.isEmpty ? "LIMIT" : "ORDER BY") clause should come after \(word) not before")
            }
            let (core, o, l) = try selectCoreWithTail()
            compounds.append(CompoundTerm(op: op, core: core))
            orderBy = o
            limit = l
        }
        if compounds.count + 1 > Parser.maxCompoundSelect {
            throw error("too many terms in compound SELECT")
        }
        return Select(with: with, first: first, compounds: compounds, orderBy: orderBy, limit: limit,
                      span: SourceSpan(start: start, end: previousEnd))
    }

    /// A core plus, for the SELECT form, its ORDER BY and LIMIT.
    private mutating func selectCoreWithTail() throws -> (SelectCore, [OrderingTerm], Limit?) {
        let core = try selectCore()
        guard case .select = core else { return (core, [], nil) }
        var orderBy: [OrderingTerm] = []
        if isKeyword(.order) {
            try advance()
            try expect(.by)
            orderBy = try orderingTerms()
        }
        return (core, orderBy, try limitClause())
    }

    /// LIMIT expr [OFFSET expr | , expr]
    mutating func limitClause() throws -> Limit? {
        guard try accept(.limit) else { return nil }
        let first = try expr()
        if try accept(.offset) { return Limit(limit: first, offset: try expr()) }
        if try accept(.comma) { return Limit(limit: try expr(), offset: first) }
        return Limit(limit: first, offset: nil)
    }

    /// WITH [RECURSIVE] cte [, cte]*
    mutating func withClause() throws -> WithClause {
        try expect(.with)
        let recursive = try accept(.recursive)
        var tables: [CommonTableExpression] = []
        repeat {
            let name = try self.name()
            var columns: [String]?
            if current.kind == .leftParen { columns = try nameList() }
            try expect(.as)
            var materialization: CommonTableExpression.Materialization?
            if try accept(.materialized) {
                materialization = .materialized
            } else if isKeyword(.not) {
                try advance()
                try expect(.materialized)
                materialization = .notMaterialized
            }
            try expect(.leftParen)
            let s = try nested(1) { try $0.select() }
            try expect(.rightParen)
            tables.append(CommonTableExpression(name: name, columns: columns, materialization: materialization, select: s))
        } while try accept(.comma)
        return WithClause(recursive: recursive, tables: tables)
    }

    /// SELECT … | VALUES …
    mutating func selectCore() throws -> SelectCore {
        if isKeyword(.values) { return .values(try valuesRows()) }
        try expect(.select)
        var distinct = false
        if try accept(.distinct) { distinct = true } else { _ = try accept(.all) }
        var columns: [ResultColumn] = []
        // (Room for a few up front: growing from one to two columns was a second allocation.)
        columns.reserveCapacity(4)
        repeat { columns.append(try resultColumn()) } while try accept(.comma)
        // (The parts are gathered in locals and the clause built once: assigning into a
        // half-built clause copied it into the result's box and destroyed the local.)
        var from: FromClause? = nil
        if try accept(.from) { from = try fromClause() }
        var whereExpr: Expr? = nil
        if try accept(.where) { whereExpr = try nested(1) { try $0.expr() } }
        var groupBy: [Expr] = []
        if isKeyword(.group) {
            try advance()
            try expect(.by)
            groupBy = try exprList()
        }
        var having: Expr? = nil
        if try accept(.having) { having = try expr() }
        var windows: [NamedWindow] = []
        if isWindowClauseStart() {
            try advance()
            repeat {
                let name = try self.name()
                try expect(.as)
                windows.append(NamedWindow(name: name, definition: try windowDefinition()))
            } while try accept(.comma)
        }
        return .select(SelectClause(distinct: distinct, columns: columns, from: from, where: whereExpr,
                                    groupBy: groupBy, having: having, windows: windows))
    }

    /// WINDOW is a keyword only when followed by a name and AS (as SQLite's tokenizer decides).
    mutating func isWindowClauseStart() -> Bool {
        isKeyword(.window) && isId(peek(1)) && peek(2).kind == .keyword(.as)
    }

    /// VALUES (…) [, (…)]*
    mutating func valuesRows() throws -> [[Expr]] {
        try expect(.values)
        var rows: [[Expr]] = []
        var width = -1
        repeat {
            try expect(.leftParen)
            let row = try nested(2) { try $0.exprList() }
            try expect(.rightParen)
            if width < 0 {
                width = row.count
            } else if width != row.count, statementEndError == nil {
                // Checked by SQLite after parsing (when the compound is prepared).
                statementEndError = error("all VALUES must have the same number of terms")
            }
            rows.append(row)
        } while try accept(.comma)
        return rows
    }

    /// * | nm.* | expr [[AS] alias]
    mutating func resultColumn() throws -> ResultColumn {
        if current.kind == .star {
            try advance()
            return .star
        }
        if isName(current), peek(1).kind == .dot, peek(2).kind == .star {
            let table = nameText(current)
            try advance(); try advance(); try advance()
            return .tableStar(table)
        }
        let e = try expr()
        return .expr(e, alias: try alias())
    }

    /// [AS nm | ids]
    mutating func alias() throws -> String? {
        if try accept(.as) { return try name() }
        if isIds(current), !isWindowClauseStart() {
            let s = nameText(current)
            try advance()
            return s
        }
        return nil
    }

    // MARK: - FROM

    mutating func fromClause() throws -> FromClause {
        let first = try tableOrSubquery()
        if isKeyword(.on) || isKeyword(.using) {
            let word = isKeyword(.on) ? "ON" : "USING"
            if try accept(.on) {
                _ = try nested(1) { try $0.expr() }
            } else {
                try advance()
                _ = try nameList()
            }
            actionError("a JOIN clause is required before \(word)")
        }
        var joins: [Join] = []
        while true {
            let op: JoinOperator
            if current.kind == .comma {
                try advance()
                op = JoinOperator(kind: .comma)
            } else if isKeyword(.join) {
                try advance()
                op = JoinOperator(kind: .inner)
            } else if case .keyword(let k) = current.kind, k.isJoinKeyword {
                op = try joinOperator()
            } else {
                break
            }
            let table = try tableOrSubquery()
            var constraint: JoinConstraint?
            if try accept(.on) {
                constraint = .on(try nested(1) { try $0.expr() })
            } else if isKeyword(.using) {
                try advance()
                constraint = .using(try nameList())
            }
            joins.append(Join(op: op, table: table, constraint: constraint))
        }
        return FromClause(first: first, joins: joins)
    }

    /// JOIN_KW [nm [nm]] JOIN, validated as SQLite does ("unknown join type: …").
    private mutating func joinOperator() throws -> JoinOperator {
        let start = current.start
        var words: [Token] = [current]
        try advance()
        while !isKeyword(.join), words.count < 3 {
            guard isName(current) else { throw syntaxError() }
            words.append(current)
            try advance()
        }
        guard isKeyword(.join) else { throw syntaxError() }
        let spelled = words.map { text($0) }.joined(separator: " ")
        try advance()
        var natural = false, left = false, right = false, outer = false, inner = false, cross = false, bad = false
        for w in words {
            switch text(w).lowercased() {
            case "natural": natural = true
            case "left": left = true; outer = true
            case "right": right = true; outer = true
            case "full": left = true; right = true; outer = true
            case "outer": outer = true
            case "inner": inner = true
            case "cross": inner = true; cross = true
            default: bad = true
            }
        }
        if bad || (inner && outer) || (outer && !left && !right) {
            actionError("unknown join type: \(spelled)", at: start)
        }
        let kind: JoinOperator.Kind = left && right ? .full : left ? .left : right ? .right : cross ? .cross : .inner
        return JoinOperator(natural: natural, kind: kind)
    }

    /// A table, table-valued function, subquery or parenthesised join, with its alias.
    mutating func tableOrSubquery() throws -> TableOrSubquery {
        if current.kind == .leftParen {
            return try nested(2) { p in
                try p.advance()
                if p.isKeyword(.select) || p.isKeyword(.with) || p.isKeyword(.values) {
                    let s = try p.select()
                    try p.expect(.rightParen)
                    return .subquery(s, alias: try p.alias())
                }
                let innerStart = p.current.start
                let inner = try p.fromClause()
                try p.expect(.rightParen)
                let alias = try p.alias()
                if inner.joins.isEmpty {
                    switch inner.first {
                    case .table(var t):
                        if let alias { t.alias = alias }
                        if t.indexHint == nil { t.indexHint = try p.indexHint() }
                        return .table(t)
                    case .function(let schema, let name, let args, let a):
                        return .function(schema: schema, name: name, arguments: args, alias: alias ?? a)
                    case .subquery(let s, let a):
                        return .subquery(s, alias: alias ?? a)
                    case .join(let j):
                        if alias == nil { return .join(j) }
                    }
                }
                if let alias {
                    // SQLite turns an aliased parenthesised join into a subquery.
                    let span = SourceSpan(start: innerStart, end: p.previousEnd)
                    let core = SelectClause(columns: [.star], from: inner)
                    return .subquery(Select(first: .select(core), span: span), alias: alias)
                }
                return .join(inner)
            }
        }
        let q = try qualifiedName()
        if current.kind == .leftParen {
            try advance()
            let args = current.kind == .rightParen ? [] : try nested(3) { try $0.exprList() }
            try expect(.rightParen)
            return .function(schema: q.schema, name: q.name, arguments: args, alias: try alias())
        }
        let alias = try alias()
        let hint = try indexHint()
        return .table(QualifiedTableName(schema: q.schema, name: q.name, alias: alias, indexHint: hint))
    }

    /// [INDEXED BY name | NOT INDEXED]
    mutating func indexHint() throws -> IndexHint? {
        if isKeyword(.indexed) {
            try advance()
            try expect(.by)
            return .indexedBy(try name())
        }
        if isKeyword(.not) {
            try advance()
            try expect(.indexed)
            return .notIndexed
        }
        return nil
    }

    /// [schema.]name [AS alias] [INDEXED BY … | NOT INDEXED] for UPDATE and DELETE.
    mutating func qualifiedTableName() throws -> QualifiedTableName {
        let q = try qualifiedName()
        var t = QualifiedTableName(schema: q.schema, name: q.name)
        if try accept(.as) { t.alias = try name() }
        t.indexHint = try indexHint()
        return t
    }
}
