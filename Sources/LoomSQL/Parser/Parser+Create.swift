// This file implements CREATE parsing: tables (columns, constraints, options, AS SELECT),
// indexes, views, triggers (with their bodies) and virtual tables.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariant P7).
import LoomBase

extension Parser {
    mutating func create() throws -> Statement.Kind {
        try expect(.create)
        var temporary = false
        if isKeyword(.temp) || isKeyword(.temporary) {
            try advance()
            temporary = true
        }
        switch current.kind {
        case .keyword(.table):
            try advance()
            return .createTable(try createTable(temporary: temporary))
        case .keyword(.view):
            try advance()
            let (ifNotExists, q) = try objectName()
            var columns: [String]?
            if current.kind == .leftParen { columns = try indexedNameList() }
            try expect(.as)
            let s = try select()
            return .createView(CreateView(temporary: temporary, ifNotExists: ifNotExists, schema: q.schema,
                                          name: q.name, columns: columns, select: s, schemaTextStart: q.nameStart))
        case .keyword(.trigger):
            try advance()
            return .createTrigger(try createTrigger(temporary: temporary))
        case .keyword(.unique), .keyword(.index):
            guard !temporary else { throw syntaxError() }
            let unique = try accept(.unique)
            try expect(.index)
            let (ifNotExists, q) = try objectName()
            try expect(.on)
            let table = try name()
            try expect(.leftParen)
            let columns = try orderingTerms()
            try expect(.rightParen)
            var w: Expr?
            if try accept(.where) { w = try expr() }
            return .createIndex(CreateIndex(unique: unique, ifNotExists: ifNotExists, schema: q.schema, name: q.name,
                                            table: table, columns: columns, where: w, schemaTextStart: q.nameStart))
        case .keyword(.virtual):
            guard !temporary else { throw syntaxError() }
            try advance()
            try expect(.table)
            let (ifNotExists, q) = try objectName()
            try expect(.using)
            let module = try name()
            var arguments: [String]?
            if current.kind == .leftParen { arguments = try moduleArguments() }
            return .createVirtualTable(CreateVirtualTable(ifNotExists: ifNotExists, schema: q.schema, name: q.name,
                                                          module: module, arguments: arguments,
                                                          schemaTextStart: q.nameStart))
        default:
            throw syntaxError()
        }
    }

    /// [IF NOT EXISTS] [schema.]name
    private mutating func objectName() throws -> (Bool, (schema: String?, name: String, nameStart: Int)) {
        var ifNotExists = false
        if isKeyword(.if) {
            try advance()
            try expect(.not)
            try expect(.exists)
            ifNotExists = true
        }
        return (ifNotExists, try qualifiedName())
    }

    /// `eidlist`: ( nm [COLLATE x] [ASC|DESC], … ) — only the names are kept.
    mutating func indexedNameList() throws -> [String] {
        try expect(.leftParen)
        var names: [String] = []
        repeat {
            names.append(try name())
            if try accept(.collate) { _ = try collationName() }
            if !(try accept(.asc)) { _ = try accept(.desc) }
        } while try accept(.comma)
        try expect(.rightParen)
        return names
    }

    // MARK: - CREATE TABLE

    private mutating func createTable(temporary: Bool) throws -> CreateTable {
        let (ifNotExists, q) = try objectName()
        if try accept(.as) {
            let s = try select()
            return CreateTable(temporary: temporary, ifNotExists: ifNotExists, schema: q.schema, name: q.name,
                               body: .select(s), schemaTextStart: q.nameStart)
        }
        try expect(.leftParen)
        // columnlist [, conslist]: table constraints follow a comma after the last column and
        // are separated by optional commas among themselves.
        var table = TableBuild(name: q.name)
        var columns = [try columnDefinition(table: &table)]
        var constraints: [TableConstraint] = []
        while try accept(.comma) {
            if isTableConstraintStart() {
                var pendingName: String?
                while true {
                    if let c = try tableConstraint(table: &table, pendingName: &pendingName) { constraints.append(c) }
                    if current.kind == .rightParen { break }
                    _ = try accept(.comma)
                }
                break
            }
            columns.append(try columnDefinition(table: &table))
        }
        try expect(.rightParen)
        var options: TableOptions = []
        // table_option_set: empty | option | set , option  (so ") , STRICT" is valid)
        func option(_ p: inout Parser) throws {
            let t = p.current
            _ = try p.name()
            if t.kind == .keyword(.without) {
                let o = p.current
                let word = try p.name()
                if word.lowercased() == "rowid" { options.insert(.withoutRowid) }
                else { p.actionError("unknown table option: \(p.text(o))") }
            } else if p.nameText(t).lowercased() == "strict" {
                options.insert(.strict)
            } else {
                p.actionError("unknown table option: \(p.text(t))")
            }
        }
        if isName(current) { try option(&self) }
        while try accept(.comma) { try option(&self) }
        return CreateTable(temporary: temporary, ifNotExists: ifNotExists, schema: q.schema, name: q.name,
                           body: .columns(columns, constraints: constraints, options: options),
                           schemaTextStart: q.nameStart)
    }

    private func isTableConstraintStart() -> Bool {
        switch current.kind {
        case .keyword(.constraint), .keyword(.primary), .keyword(.unique), .keyword(.check), .keyword(.foreign):
            return true
        default:
            return false
        }
    }

    /// nm [type] [column-constraint]*
    /// What CREATE TABLE's grammar actions check while the column list is parsed.
    struct TableBuild {
        var name: String
        var columnNames: Set<String> = []
        var generatedColumns: Set<String> = []
        var hasPrimaryKey = false
    }

    /// SQLite's name comparison: ASCII case folded, other bytes as is.
    static func foldedName(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The generated-column rules SQLite's CREATE TABLE actions enforce.
    private mutating func checkGeneratedRules(_ kind: ColumnConstraint.Kind, column: String,
                                              previous: [ColumnConstraint], table: inout TableBuild?) {
        var hasDefault = false, isGenerated = false, isPrimaryKey = false
        for c in previous {
            switch c.kind {
            case .default: hasDefault = true
            case .generated: isGenerated = true
            case .primaryKey: isPrimaryKey = true
            default: break
            }
        }
        switch kind {
        case .default:
            if isGenerated { actionError("cannot use DEFAULT on a generated column") }
        case .generated:
            if hasDefault || isGenerated {
                actionError("error in generated column \"\(column)\"")
            } else if isPrimaryKey {
                actionError("generated columns cannot be part of the PRIMARY KEY")
            }
            table?.generatedColumns.insert(Parser.foldedName(column))
        case .primaryKey:
            if isGenerated { actionError("generated columns cannot be part of the PRIMARY KEY") }
        default:
            break
        }
    }

    /// Records "table … has more than one primary key" for a second PRIMARY KEY.
    mutating func notePrimaryKey(_ table: inout TableBuild?) {
        guard table != nil else { return }
        if table?.hasPrimaryKey == true {
            actionError("table \"\(table?.name ?? "")\" has more than one primary key")
        }
        table?.hasPrimaryKey = true
    }

    mutating func columnDefinition(table: inout TableBuild) throws -> ColumnDefinition {
        var t: TableBuild? = table
        defer { if let t { table = t } }
        return try columnDefinition(table: &t)
    }

    /// nm [type] [column-constraint]*; inside CREATE TABLE, `table` tracks SQLite's checks.
    mutating func columnDefinition(table: inout TableBuild?) throws -> ColumnDefinition {
        let start = current.start
        let name = try self.name()
        let type = try typeName().flatMap(Parser.stripGeneratedAlways)
        if table != nil {
            let folded = Parser.foldedName(name)
            if table?.columnNames.contains(folded) == true { actionError("duplicate column name: \(name)") }
            table?.columnNames.insert(folded)
        }
        var constraints: [ColumnConstraint] = []
        var constraintName: String?
        while true {
            if try accept(.constraint) {
                constraintName = try self.name()
                continue
            }
            guard let kind = try columnConstraintKind(column: name, constraints: &constraints, table: &table) else { break }
            if let kind {
                if table != nil { checkGeneratedRules(kind, column: name, previous: constraints, table: &table) }
                constraints.append(ColumnConstraint(name: constraintName, kind: kind))
            }
            constraintName = nil
        }
        return ColumnDefinition(name: name, type: type, constraints: constraints,
                                span: SourceSpan(start: start, end: previousEnd))
    }

    /// The declared type SQLite records for a column (see Spec P7).
    /// A type name swallows a following "GENERATED ALWAYS" (a column's type is every word up
    /// to the first non-name token); SQLite then drops that suffix from the type, and an
    /// `AS (…)` after it makes the column generated. Returns nil when nothing is left.
    static func stripGeneratedAlways(_ type: String) -> String? {
        var u = Array(type.utf8)
        func trimSpaces() { while let l = u.last, Lexer.isSpace(l) { u.removeLast() } }
        func endsWith(_ w: String) -> Bool {
            let w = Array(w.utf8)
            guard u.count >= w.count else { return false }
            return zip(u[(u.count - w.count)...], w).allSatisfy { ($0 | 0x20) == $1 }
        }
        if u.count >= 16, endsWith("always") {
            u.removeLast(6)
            trimSpaces()
            if u.count >= 9, endsWith("generated") {
                u.removeLast(9)
                trimSpaces()
            }
        }
        // SQLite then dequotes the type text when it starts with a quote (observed 3.40.1):
        // '…', "…", `…` keep the text up to the closing quote; […] loses its first and last byte.
        if let q = u.first {
            if q == UInt8(ascii: "[") {
                u = u.count >= 2 ? Array(u[1..<(u.count - 1)]) : []
            } else if q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") || q == UInt8(ascii: "`") {
                var out: [UInt8] = []
                var i = 1
                while i < u.count {
                    if u[i] == q {
                        if i + 1 < u.count, u[i + 1] == q { out.append(q); i += 2; continue }
                        break
                    }
                    out.append(u[i])
                    i += 1
                }
                u = out
            }
        }
        return u.isEmpty ? nil : String(decoding: u, as: UTF8.self)
    }

    /// One column constraint; nil at the end of the list, `.some(nil)` for a clause that
    /// amended the previous constraint (a DEFERRABLE clause after REFERENCES).
    private mutating func columnConstraintKind(column: String, constraints: inout [ColumnConstraint],
                                               table: inout TableBuild?) throws -> ColumnConstraint.Kind??
    {
        switch current.kind {
        case .keyword(.default):
            try advance()
            return .some(.default(try defaultValue()))
        case .keyword(.null):
            try advance()
            return .some(.null(onConflict: try onConflict()))
        case .keyword(.not):
            if peek().kind == .keyword(.deferrable) {
                try amendDeferrable(&constraints)
                return .some(nil)
            }
            try advance()
            try expect(.null)
            return .some(.notNull(onConflict: try onConflict()))
        case .keyword(.primary):
            try advance()
            try expect(.key)
            var order: SortOrder?
            if try accept(.asc) { order = .ascending } else if try accept(.desc) { order = .descending }
            let conflict = try onConflict()
            let autoincrement = try accept(.autoincrement)
            notePrimaryKey(&table)
            return .some(.primaryKey(order: order, onConflict: conflict, autoincrement: autoincrement))
        case .keyword(.unique):
            try advance()
            return .some(.unique(onConflict: try onConflict()))
        case .keyword(.check):
            try advance()
            try expect(.leftParen)
            let e = try expr()
            try expect(.rightParen)
            return .some(.check(e))
        case .keyword(.references):
            return .some(.references(try foreignKeyClause()))
        case .keyword(.deferrable):
            try amendDeferrable(&constraints)
            return .some(nil)
        case .keyword(.collate):
            try advance()
            return .some(.collate(try collationName()))
        case .keyword(.generated), .keyword(.as):
            if try accept(.generated) { try expect(.always) }
            try expect(.as)
            try expect(.leftParen)
            let e = try expr()
            try expect(.rightParen)
            var stored = false
            if isId(current) {
                let word = nameText(current).lowercased()
                stored = word == "stored"
                try advance()
                if word != "stored" && word != "virtual" {
                    actionError("error in generated column \"\(column)\"")
                }
            }
            return .some(.generated(e, stored: stored))
        default:
            return nil
        }
    }

    /// A DEFERRABLE clause applies to the REFERENCES clause before it.
    private mutating func amendDeferrable(_ constraints: inout [ColumnConstraint]) throws {
        let d = try deferrable()
        if let i = constraints.lastIndex(where: { if case .references = $0.kind { return true }; return false }),
           case .references(var fk) = constraints[i].kind {
            fk.deferrable = d
            constraints[i].kind = .references(fk)
        }
    }

    /// DEFAULT's operand: a literal, a signed literal, (expr), or an identifier.
    private mutating func defaultValue() throws -> Expr {
        let start = current.start
        switch current.kind {
        case .leftParen:
            try advance()
            var e = try expr()
            try expect(.rightParen)
            e.span = SourceSpan(start: start, end: previousEnd)
            return e
        case .plus, .minus:
            let op: UnaryOperator = current.kind == .plus ? .plus : .negate
            try advance()
            let operand = try defaultTerm()
            return try node(.unary(op, operand), from: start)
        default:
            if isId(current), !isKeyword(.currentTime), !isKeyword(.currentDate), !isKeyword(.currentTimestamp) {
                let t = current
                try advance()
                let s = text(t).lowercased()
                if t.quote == 0, t.kind == .identifier, s == "true" || s == "false" {
                    return try node(.literal(.boolean(s == "true")), from: start)
                }
                return try node(.column(ColumnRef(column: nameText(t), isDoubleQuoted: t.quote == UInt8(ascii: "\""))),
                                from: start)
            }
            return try defaultTerm()
        }
    }

    /// `term`: NULL, a number, a string, a blob, CURRENT_TIME/DATE/TIMESTAMP.
    private mutating func defaultTerm() throws -> Expr {
        let t = current
        let start = t.start
        let lit: Literal
        switch t.kind {
        case .keyword(.null): lit = .null
        case .integer: lit = try integerLiteral(t)
        case .float: lit = .real(realValue(t))
        case .string: lit = .string(nameText(t))
        case .blob: lit = .blob(blobBytes(t))
        case .keyword(.currentTime): lit = .currentTime
        case .keyword(.currentDate): lit = .currentDate
        case .keyword(.currentTimestamp): lit = .currentTimestamp
        default: throw syntaxError()
        }
        try advance()
        return try node(.literal(lit), from: start)
    }

    /// [ON CONFLICT resolution]
    private mutating func onConflict() throws -> ConflictResolution? {
        guard isKeyword(.on) else { return nil }
        try advance()
        try expect(.conflict)
        return try resolution()
    }

    /// REFERENCES nm [(names)] [ON DELETE|UPDATE action | MATCH nm]* [deferrable]
    private mutating func foreignKeyClause() throws -> ForeignKeyClause {
        try expect(.references)
        var fk = ForeignKeyClause(table: try name())
        if current.kind == .leftParen { fk.columns = try indexedNameList() }
        while true {
            if isKeyword(.on) {
                try advance()
                // ON INSERT <action> is accepted and ignored, as in SQLite.
                var isDelete = false, isInsert = false
                if try accept(.delete) { isDelete = true }
                else if try accept(.insert) { isInsert = true }
                else { try expect(.update) }
                let action: ForeignKeyClause.Action
                switch current.kind {
                case .keyword(.set):
                    try advance()
                    if try accept(.null) { action = .setNull } else { try expect(.default); action = .setDefault }
                case .keyword(.cascade): try advance(); action = .cascade
                case .keyword(.restrict): try advance(); action = .restrict
                case .keyword(.no): try advance(); try expect(.action); action = .noAction
                default: throw syntaxError()
                }
                if isInsert { continue }
                if isDelete { fk.onDelete = action } else { fk.onUpdate = action }
            } else if isKeyword(.match) {
                try advance()
                fk.match = try name()
            } else {
                break
            }
        }
        if isKeyword(.deferrable) || (isKeyword(.not) && peek().kind == .keyword(.deferrable)) {
            fk.deferrable = try deferrable()
        }
        return fk
    }

    /// [NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]
    private mutating func deferrable() throws -> ForeignKeyClause.Deferrable {
        let not = try accept(.not)
        try expect(.deferrable)
        var deferred = false
        if try accept(.initially) {
            if try accept(.deferred) { deferred = true } else { try expect(.immediate) }
        }
        return !not && deferred ? .initiallyDeferred : .notDeferred
    }

    /// [CONSTRAINT nm] PRIMARY KEY (…) | UNIQUE (…) | CHECK (…) | FOREIGN KEY (…) REFERENCES …
    /// One table constraint. A bare `CONSTRAINT name` is a constraint of its own in SQLite's
    /// grammar: its name carries to the next constraint and nil is returned.
    private mutating func tableConstraint(table: inout TableBuild, pendingName: inout String?) throws -> TableConstraint? {
        var name = pendingName
        pendingName = nil
        if try accept(.constraint) {
            name = try self.name()
            switch current.kind {
            case .keyword(.primary), .keyword(.unique), .keyword(.check), .keyword(.foreign): break
            default:
                pendingName = name
                return nil
            }
        }
        switch current.kind {
        case .keyword(.primary):
            try advance()
            try expect(.key)
            try expect(.leftParen)
            let columns = try orderingTerms()
            let autoincrement = try accept(.autoincrement)
            try expect(.rightParen)
            let conflict = try onConflict()
            var t: TableBuild? = table
            notePrimaryKey(&t)
            if let t { table = t }
            for term in columns {
                if case .column(let c) = term.expr.kind, c.table == nil,
                   table.generatedColumns.contains(Parser.foldedName(c.column)) {
                    actionError("generated columns cannot be part of the PRIMARY KEY")
                }
            }
            return TableConstraint(name: name, kind: .primaryKey(columns, autoincrement: autoincrement, onConflict: conflict))
        case .keyword(.unique):
            try advance()
            try expect(.leftParen)
            let columns = try orderingTerms()
            try expect(.rightParen)
            return TableConstraint(name: name, kind: .unique(columns, onConflict: try onConflict()))
        case .keyword(.check):
            try advance()
            try expect(.leftParen)
            let e = try expr()
            try expect(.rightParen)
            _ = try onConflict()
            return TableConstraint(name: name, kind: .check(e))
        case .keyword(.foreign):
            try advance()
            try expect(.key)
            let columns = try indexedNameList()
            return TableConstraint(name: name, kind: .foreignKey(columns: columns, try foreignKeyClause()))
        default:
            throw syntaxError()
        }
    }

    // MARK: - CREATE VIRTUAL TABLE

    /// ( arg, arg, … ): each argument is any balanced token run; kept as its source text.
    private mutating func moduleArguments() throws -> [String] {
        try expect(.leftParen)
        var args: [String] = []
        var depth = 0
        var argStart: Int?
        var argEnd = 0
        while true {
            switch current.kind {
            case .end:
                throw syntaxError()
            case .leftParen:
                depth += 1
            case .rightParen where depth == 0:
                if let s = argStart { args.append(text(SourceSpan(start: s, end: argEnd))) }
                try advance()
                return args
            case .rightParen:
                depth -= 1
            case .comma where depth == 0:
                if let s = argStart { args.append(text(SourceSpan(start: s, end: argEnd))) }
                argStart = nil
                try advance()
                continue
            default:
                break
            }
            if argStart == nil { argStart = current.start }
            argEnd = current.end
            try advance()
        }
    }

    // MARK: - CREATE TRIGGER

    private mutating func createTrigger(temporary: Bool) throws -> CreateTrigger {
        let (ifNotExists, q) = try objectName()
        var timing: CreateTrigger.Timing?
        switch current.kind {
        case .keyword(.before): try advance(); timing = .before
        case .keyword(.after): try advance(); timing = .after
        case .keyword(.instead): try advance(); try expect(.of); timing = .insteadOf
        default: break
        }
        let event: CreateTrigger.Event
        switch current.kind {
        case .keyword(.delete): try advance(); event = .delete
        case .keyword(.insert): try advance(); event = .insert
        case .keyword(.update):
            try advance()
            if try accept(.of) {
                var columns = [try name()]
                while try accept(.comma) { columns.append(try name()) }
                event = .update(columns: columns)
            } else {
                event = .update(columns: nil)
            }
        default: throw syntaxError()
        }
        try expect(.on)
        let table = try qualifiedName()
        var forEachRow = false
        if isKeyword(.for) {
            try advance()
            try expect(.each)
            try expect(.row)
            forEachRow = true
        }
        var when: Expr?
        if try accept(.when) { when = try expr() }
        try expect(.begin)
        var body: [Statement] = []
        let wasInTrigger = inTrigger
        inTrigger = true
        defer { inTrigger = wasInTrigger }
        repeat {
            let start = current.start
            let kind: Statement.Kind
            switch current.kind {
            case .keyword(.update): kind = .update(try update(with: nil))
            case .keyword(.insert), .keyword(.replace): kind = .insert(try insert(with: nil))
            case .keyword(.delete): kind = .delete(try delete(with: nil))
            case .keyword(.select), .keyword(.values), .keyword(.with): kind = .select(try select())
            default: throw syntaxError()
            }
            body.append(Statement(kind: kind, span: SourceSpan(start: start, end: previousEnd)))
            try expect(.semicolon)
        } while !isKeyword(Keyword.end)
        try expect(Keyword.end)
        return CreateTrigger(temporary: temporary, ifNotExists: ifNotExists, schema: q.schema, name: q.name,
                             timing: timing, event: event, table: table.name, forEachRow: forEachRow, when: when,
                             body: body, schemaTextStart: q.nameStart, tableSchema: table.schema)
    }
}
