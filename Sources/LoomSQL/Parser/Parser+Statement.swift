// This file implements statement parsing: the statement dispatcher, INSERT/UPDATE/DELETE,
// transactions, PRAGMA, ATTACH/DETACH, ANALYZE, VACUUM, REINDEX, DROP and ALTER TABLE.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser".
import LoomBase

extension Parser {
    /// Parses one statement at the current token (not the terminating ';').
    mutating func parseStatement() throws -> Statement {
        let start = current.start
        stackDepth = 3
        let kind = try statementKind()
        var names = variableNames
        if names.count > variableCount { names.removeLast(names.count - variableCount) }
        return Statement(kind: kind, span: SourceSpan(start: start, end: previousEnd),
                         parameterCount: variableCount, parameterNames: names)
    }

    private mutating func statementKind() throws -> Statement.Kind {
        switch current.kind {
        case .keyword(.explain):
            try advance()
            var queryPlan = false
            if isKeyword(.query) {
                try advance()
                try expect(.plan)
                queryPlan = true
            }
            let start = current.start
            if isKeyword(.explain) { throw syntaxError() }
            let inner = try statementKind()
            return .explain(queryPlan: queryPlan, Statement(kind: inner, span: SourceSpan(start: start, end: previousEnd)))
        case .keyword(.select), .keyword(.values):
            return .select(try select())
        case .keyword(.with):
            let start = current.start
            let with = try withClause()
            switch current.kind {
            case .keyword(.insert), .keyword(.replace): return .insert(try insert(with: with))
            case .keyword(.update): return .update(try update(with: with))
            case .keyword(.delete): return .delete(try delete(with: with))
            default: return .select(try nested(4) { try $0.selectBody(with: with, start: start) })
            }
        case .keyword(.insert), .keyword(.replace): return .insert(try insert(with: nil))
        case .keyword(.update): return .update(try update(with: nil))
        case .keyword(.delete): return .delete(try delete(with: nil))
        case .keyword(.create): return try create()
        case .keyword(.drop): return .drop(try drop())
        case .keyword(.alter): return .alterTable(try alterTable())
        case .keyword(.pragma): return .pragma(try pragma())
        case .keyword(.begin):
            try advance()
            var kind = TransactionKind.deferred
            if try accept(.deferred) { kind = .deferred }
            else if try accept(.immediate) { kind = .immediate }
            else if try accept(.exclusive) { kind = .exclusive }
            try transactionOption()
            return .begin(kind)
        case .keyword(.commit), .keyword(.end):
            try advance()
            try transactionOption()
            return .commit
        case .keyword(.rollback):
            try advance()
            try transactionOption()
            if try accept(.to) {
                _ = try accept(.savepoint)
                return .rollback(toSavepoint: try name())
            }
            return .rollback(toSavepoint: nil)
        case .keyword(.savepoint):
            try advance()
            return .savepoint(try name())
        case .keyword(.release):
            try advance()
            _ = try accept(.savepoint)
            return .release(try name())
        case .keyword(.attach):
            try advance()
            _ = try acceptDatabaseKeyword()
            let file = try expr()
            try expect(.as)
            let schema = try expr()
            var key: Expr?
            if try accept(.key) { key = try expr() }
            return .attach(file: file, schema: schema, key: key)
        case .keyword(.detach):
            try advance()
            _ = try acceptDatabaseKeyword()
            return .detach(try expr())
        case .keyword(.analyze), .keyword(.reindex):
            let isAnalyze = isKeyword(.analyze)
            try advance()
            var schema: String?, name: String?
            if isName(current) {
                let q = try qualifiedName()
                schema = q.schema; name = q.name
            }
            return isAnalyze ? .analyze(schema: schema, name: name) : .reindex(schema: schema, name: name)
        case .keyword(.vacuum):
            try advance()
            var schema: String?
            if isName(current), !isKeyword(.into) { schema = try name() }
            var into: Expr?
            if try accept(.into) { into = try expr() }
            return .vacuum(schema: schema, into: into)
        default:
            throw syntaxError()
        }
    }

    /// `DATABASE` after ATTACH/DETACH (always the keyword there, as in SQLite).
    private mutating func acceptDatabaseKeyword() throws -> Bool {
        try accept(.database)
    }

    /// [TRANSACTION [nm]]
    private mutating func transactionOption() throws {
        if try accept(.transaction), isName(current) { _ = try name() }
    }

    // MARK: - INSERT / UPDATE / DELETE

    /// OR ROLLBACK|ABORT|REPLACE|FAIL|IGNORE
    private mutating func orConflict() throws -> ConflictResolution? {
        guard try accept(.or) else { return nil }
        return try resolution()
    }

    mutating func resolution() throws -> ConflictResolution {
        let r: ConflictResolution
        switch current.kind {
        case .keyword(.rollback): r = .rollback
        case .keyword(.abort): r = .abort
        case .keyword(.fail): r = .fail
        case .keyword(.ignore): r = .ignore
        case .keyword(.replace): r = .replace
        default: throw syntaxError()
        }
        try advance()
        return r
    }

    /// Trigger bodies allow only unqualified table names.
    private mutating func checkTriggerTarget(schema: String?) throws {
        if inTrigger, schema != nil {
            actionError("qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers")
        }
    }

    mutating func insert(with: WithClause?) throws -> Insert {
        var orConflict: ConflictResolution?
        if try accept(.replace) {
            orConflict = .replace
        } else {
            try expect(.insert)
            orConflict = try self.orConflict()
        }
        try expect(.into)
        let q = try qualifiedName()
        try checkTriggerTarget(schema: q.schema)
        // (The parts are gathered in locals and the Insert built once at the end: changing a
        // half-built Insert between throwing calls copied it, ~500 instructions a statement.)
        var alias: String? = nil
        var columns: [String]? = nil
        var source = Insert.Source.defaultValues
        var upserts: [Upsert] = []
        if !inTrigger, try accept(.as) { alias = try name() }
        if current.kind == .leftParen { columns = try nameList() }
        if !inTrigger, isKeyword(.default) {
            try advance()
            try expect(.values)
        } else {
            stackDepth += 1
            defer { stackDepth -= 1 }
            source = .select(try select())
            while isKeyword(.on) {
                // Only the last ON CONFLICT clause may omit its target (SQLite's grammar).
                if let last = upserts.last, last.target == nil { throw syntaxError() }
                upserts.append(try upsert())
            }
        }
        let returningColumns = try returning()
        return Insert(with: with, orConflict: orConflict, schema: q.schema, table: q.name, alias: alias,
                      columns: columns, source: source, upserts: upserts, returning: returningColumns)
    }

    /// ON CONFLICT [(target) [WHERE e]] DO NOTHING | DO UPDATE SET … [WHERE e]
    private mutating func upsert() throws -> Upsert {
        try expect(.on)
        try expect(.conflict)
        var target: [OrderingTerm]?
        var targetWhere: Expr?
        if current.kind == .leftParen {
            try advance()
            target = try orderingTerms()
            try expect(.rightParen)
            if try accept(.where) { targetWhere = try expr() }
        }
        try expect(.do)
        if try accept(.nothing) { return Upsert(target: target, targetWhere: targetWhere, action: .nothing) }
        try expect(.update)
        try expect(.set)
        let sets = try setList()
        var w: Expr?
        if try accept(.where) { w = try expr() }
        return Upsert(target: target, targetWhere: targetWhere, action: .update(sets: sets, where: w))
    }

    /// [RETURNING result-columns]
    private mutating func returning() throws -> [ResultColumn] {
        guard isKeyword(.returning) else { return [] }
        if inTrigger { actionError("cannot use RETURNING in a trigger") }
        try advance()
        var columns: [ResultColumn] = []
        repeat { columns.append(try resultColumn()) } while try accept(.comma)
        return columns
    }

    /// nm = expr | (nm, …) = expr, comma separated.
    private mutating func setList() throws -> [SetClause] {
        var sets: [SetClause] = []
        repeat {
            let listed = current.kind == .leftParen
            let columns = listed ? try nameList() : [try name()]
            try expect(.equal)
            sets.append(SetClause(columns: columns, value: try expr(), parenthesized: listed))
        } while try accept(.comma)
        return sets
    }

    private mutating func dmlTable() throws -> QualifiedTableName {
        // Inside a trigger the grammar has no alias here.
        let t: QualifiedTableName
        if inTrigger {
            let q = try qualifiedName()
            t = QualifiedTableName(schema: q.schema, name: q.name, indexHint: try indexHint())
        } else {
            t = try qualifiedTableName()
        }
        try checkTriggerTarget(schema: t.schema)
        if inTrigger, t.indexHint != nil {
            actionError("the INDEXED BY clause is not allowed on UPDATE or DELETE statements within triggers")
        }
        return t
    }

    mutating func update(with: WithClause?) throws -> Update {
        try expect(.update)
        let or = try orConflict()
        // (Parts in locals, the Update built once: see `insert(with:)`.)
        let table = try dmlTable()
        try expect(.set)
        let sets = try setList()
        var from: FromClause? = nil
        var condition: Expr? = nil
        if try accept(.from) { from = try fromClause() }
        if try accept(.where) { condition = try expr() }
        let returningColumns = try returning()
        var orderBy: [OrderingTerm] = []
        var limit: Limit? = nil
        if !inTrigger {
            if isKeyword(.order) {
                try advance()
                try expect(.by)
                orderBy = try orderingTerms()
            }
            limit = try limitClause()
        }
        return Update(with: with, orConflict: or, table: table, sets: sets, from: from, where: condition,
                      returning: returningColumns, orderBy: orderBy, limit: limit)
    }

    mutating func delete(with: WithClause?) throws -> Delete {
        try expect(.delete)
        try expect(.from)
        // (Parts in locals, the Delete built once: see `insert(with:)`.)
        let table = try dmlTable()
        var condition: Expr? = nil
        if try accept(.where) { condition = try expr() }
        let returningColumns = try returning()
        var orderBy: [OrderingTerm] = []
        var limit: Limit? = nil
        if !inTrigger {
            if isKeyword(.order) {
                try advance()
                try expect(.by)
                orderBy = try orderingTerms()
            }
            limit = try limitClause()
        }
        return Delete(with: with, table: table, where: condition, returning: returningColumns, orderBy: orderBy, limit: limit)
    }

    // MARK: - PRAGMA, DROP, ALTER

    private mutating func pragma() throws -> Pragma {
        try expect(.pragma)
        let q = try qualifiedName()
        var p = Pragma(schema: q.schema, name: q.name, value: nil, isCallForm: false)
        if try accept(.equal) {
            p.value = try pragmaValue()
        } else if current.kind == .leftParen {
            try advance()
            p.value = try pragmaValue()
            p.isCallForm = true
            try expect(.rightParen)
        }
        return p
    }

    /// nmnum | minus_num: [+|-] number, a name, a string, ON, DELETE, DEFAULT.
    private mutating func pragmaValue() throws -> String {
        switch current.kind {
        case .plus, .minus:
            let minus = current.kind == .minus
            try advance()
            guard current.kind == .integer || current.kind == .float else { throw syntaxError() }
            let s = (minus ? "-" : "") + text(current)
            try advance()
            return s
        case .integer, .float, .keyword(.on), .keyword(.delete), .keyword(.default):
            let s = text(current)
            try advance()
            return s
        default:
            return try name()
        }
    }

    private mutating func drop() throws -> Drop {
        try expect(.drop)
        let kind: Drop.Kind
        switch current.kind {
        case .keyword(.table): kind = .table
        case .keyword(.index): kind = .index
        case .keyword(.view): kind = .view
        case .keyword(.trigger): kind = .trigger
        default: throw syntaxError()
        }
        try advance()
        var ifExists = false
        if isKeyword(.if) {
            try advance()
            try expect(.exists)
            ifExists = true
        }
        let q = try qualifiedName()
        return Drop(kind: kind, ifExists: ifExists, schema: q.schema, name: q.name)
    }

    private mutating func alterTable() throws -> AlterTable {
        try expect(.alter)
        try expect(.table)
        let q = try qualifiedName()
        let action: AlterTable.Action
        switch current.kind {
        case .keyword(.rename):
            try advance()
            if try accept(.to) {
                action = .renameTo(try name())
            } else {
                _ = try accept(.column)
                let from = try name()
                try expect(.to)
                action = .renameColumn(from: from, to: try name())
            }
        case .keyword(.add):
            try advance()
            _ = try accept(.column)
            var none: TableBuild? = nil
            action = .addColumn(try columnDefinition(table: &none))
        case .keyword(.drop):
            try advance()
            _ = try accept(.column)
            action = .dropColumn(try name())
        default:
            throw syntaxError()
        }
        return AlterTable(schema: q.schema, table: q.name, action: action)
    }
}
