// This file implements SchemaRewrite: the token-level edits ALTER TABLE makes to stored schema
// text (RENAME TO, RENAME COLUMN, DROP COLUMN), keeping the user's spelling and whitespace.
// Layer: L5. Spec: Spec/L5-sql.md §ALTER TABLE (invariants A1-A6).
import LoomBase

/// One schema text as its non-space tokens, with the scope facts ALTER TABLE needs: which
/// tokens name tables, and which tables each token can see.
struct SchemaText {
    let bytes: [UInt8]
    /// The tokens, without whitespace and comments.
    let tokens: [Token]
    /// Indexes of tokens that name a table (FROM/JOIN items, DML targets, CREATE … ON,
    /// REFERENCES, the CREATE TABLE name).
    private(set) var tableTokens: Set<Int> = []
    /// Indexes of tokens that are aliases of a FROM item.
    private(set) var aliasTokens: Set<Int> = []
    /// Tokens that are never column references (type names, REFERENCES column lists, …).
    private(set) var excluded: Set<Int> = []
    /// REFERENCES column lists: token index → the referenced table's name.
    private(set) var referencedColumns: [Int: String] = [:]
    /// Column names of a trigger's `UPDATE OF` list.
    private(set) var updateOfColumns: Set<Int> = []
    /// The table a CREATE TRIGGER is on (nil for other statements).
    private(set) var triggerTable: String? = nil
    /// Names of common table expressions (WITH name AS …), lower-cased: they shadow tables.
    private(set) var cteNames: Set<String> = []
    /// Column names an UPDATE … SET assigns, or an INSERT's column list names (renamed, but
    /// not checked by DROP COLUMN, as in SQLite).
    private(set) var assignedColumns: Set<Int> = []
    /// Column names listed in a FOREIGN KEY (…) table constraint.
    private(set) var foreignKeyColumns: Set<Int> = []
    /// The column definitions of a CREATE TABLE: (first token, token after the definition).
    private(set) var columnDefinitions: [(first: Int, end: Int)] = []

    /// A SELECT core, DML statement or CREATE: the tables (and aliases) its names can see.
    struct Frame {
        var parent: Int?
        var depth: Int
        var sources: [(table: String, alias: String?)] = []
        var inFrom = false
        var isSelect = false
    }
    private(set) var frames: [Frame] = []
    /// The innermost frame of each token (-1 outside any).
    private(set) var tokenFrame: [Int] = []

    init(_ sql: String) {
        let lexer = Lexer(sql: sql)
        bytes = lexer.bytes
        var list: [Token] = []
        var p = 0
        while true {
            let t = lexer.token(at: p)
            if t.kind == .end || t.end <= p { break }
            if t.kind != .space { list.append(t) }
            p = t.end
        }
        tokens = list
        analyse()
    }

    // MARK: Token helpers

    func kind(_ i: Int) -> TokenKind { i >= 0 && i < tokens.count ? tokens[i].kind : .end }

    func isKeyword(_ i: Int, _ k: Keyword) -> Bool { kind(i) == .keyword(k) }

    /// True for tokens that can be a name: identifiers, keywords used as names, strings.
    func isName(_ i: Int) -> Bool {
        switch kind(i) {
        case .identifier, .keyword, .string: return true
        default: return false
        }
    }

    /// True when the token was written in quotes ("x", [x], `x`, 'x').
    func isQuoted(_ i: Int) -> Bool {
        guard i >= 0, i < tokens.count else { return false }
        let c = bytes[tokens[i].start]
        return c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") || c == UInt8(ascii: "[")
    }

    /// The dequoted text of a name token.
    func name(_ i: Int) -> String {
        guard i >= 0, i < tokens.count else { return "" }
        let t = tokens[i]
        let raw = bytes[t.start..<t.end]
        guard isQuoted(i), raw.count >= 2 else { return String(decoding: raw, as: UTF8.self) }
        let q = raw[raw.startIndex]
        let inner = raw[(raw.startIndex + 1)..<(raw.endIndex - 1)]
        if q == UInt8(ascii: "[") { return String(decoding: inner, as: UTF8.self) }
        var out: [UInt8] = []
        var j = inner.startIndex
        while j < inner.endIndex {
            out.append(inner[j])
            if inner[j] == q, j + 1 < inner.endIndex, inner[j + 1] == q { j += 1 }
            j += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    func nameIs(_ i: Int, _ s: String) -> Bool { isName(i) && name(i).equalsIgnoringCase(s) }

    // MARK: Analysis

    private static let clauseEnders: Set<Keyword> = [.where, .group, .having, .order, .limit, .window, .returning,
                                                      .union, .except, .intersect, .set, .values]
    private static let sourceFollowers: Set<Keyword> = [.on, .using, .natural, .left, .right, .full, .inner,
                                                        .cross, .join, .outer, .indexed, .not]

    /// Finds table names, aliases and the frame of every token.
    private mutating func analyse() {
        tokenFrame = Array(repeating: -1, count: tokens.count)
        var depth = 0
        var stack: [Int] = []
        var expectSource = false
        let n = tokens.count
        var i = 0

        func push(_ sources: [(String, String?)] = []) {
            frames.append(Frame(parent: stack.last, depth: depth, sources: sources.map { (table: $0.0, alias: $0.1) }))
            stack.append(frames.count - 1)
        }
        /// Reads a possibly schema-qualified table name at `i`; returns the index after it.
        func tableName(at i: Int) -> (name: String, next: Int)? {
            guard isName(i) else { return nil }
            if kind(i + 1) == .dot, isName(i + 2) {
                tableTokens.insert(i + 2)
                return (name(i + 2), i + 3)
            }
            tableTokens.insert(i)
            return (name(i), i + 1)
        }

        // WITH name [(columns)] AS (…): names that shadow tables in this text.
        if !(isKeyword(0, .create) && (isKeyword(1, .table) || isKeyword(2, .table) || isKeyword(3, .table))) {
            for k in tokens.indices where isName(k) && !isKeyword(k, .recursive) {
                let before = kind(k - 1)
                guard before == .keyword(.with) || before == .keyword(.recursive) || before == .comma else { continue }
                var m = k + 1
                if kind(m) == .leftParen {
                    while m < n, kind(m) != .rightParen { m += 1 }
                    m += 1
                }
                if isKeyword(m, .as), kind(m + 1) == .leftParen || isKeyword(m + 1, .not) || isKeyword(m + 1, .materialized) {
                    cteNames.insert(name(k).lowercasedASCII)
                }
            }
        }
        // The statement's own head.
        if isKeyword(0, .create) {
            var j = 1
            while isKeyword(j, .temp) || isKeyword(j, .temporary) || isKeyword(j, .unique) { j += 1 }
            if isKeyword(j, .table) {
                j += 1
                if isKeyword(j, .if) { j += 3 }
                if let (t, next) = tableName(at: j) {
                    push([(t, nil)])
                    for k in 0..<next { tokenFrame[k] = stack.last ?? -1 }
                    analyseTableBody(from: next)
                    i = next
                }
            } else if isKeyword(j, .index) {
                // CREATE INDEX name ON table (...) [WHERE ...]
                var k = j + 1
                while k < n, !isKeyword(k, .on) { k += 1 }
                if let (t, next) = tableName(at: k + 1) {
                    push([(t, nil)])
                    i = next
                }
            } else if isKeyword(j, .trigger) {
                // Header up to BEGIN: [UPDATE OF cols] ON table.
                var k = j + 1
                var ofStart: Int? = nil
                var when: Int? = nil
                while k < n, !isKeyword(k, .begin) {
                    if isKeyword(k, .when) && when == nil { when = k }
                    if isKeyword(k, .of) { ofStart = k + 1 }
                    if isKeyword(k, .on), let (t, _) = tableName(at: k + 1) {
                        triggerTable = t
                        if let s = ofStart { for m in s..<k where isName(m) { updateOfColumns.insert(m); excluded.insert(m) } }
                        ofStart = nil
                    }
                    k += 1
                }
                i = when ?? k
            }
        }

        while i < n {
            let t = tokens[i]
            if let top = stack.last { tokenFrame[i] = top }
            if expectSource, isName(i), kind(i) != .keyword(.select) {
                expectSource = false
                if let (name, next) = tableName(at: i) {
                    var alias: String? = nil
                    var a = next
                    if isKeyword(a, .as) { a += 1 }
                    if isName(a), kind(a) == .identifier || kind(a) == .string || a != next {
                        if case .keyword(let kw) = kind(a), SchemaText.sourceFollowers.contains(kw) || SchemaText.clauseEnders.contains(kw) {
                        } else {
                            alias = self.name(a)
                            aliasTokens.insert(a)
                        }
                    }
                    // A common table expression is no table of the schema.
                    let table = cteNames.contains(name.lowercasedASCII) ? "" : name
                    if let top = stack.last { frames[top].sources.append((table: table, alias: alias ?? (table.isEmpty ? name : nil))) }
                    for k in i..<next { if let top = stack.last { tokenFrame[k] = top } }
                    i = next
                    continue
                }
            }
            switch t.kind {
            case .leftParen:
                depth += 1
                expectSource = false
            case .rightParen:
                depth -= 1
                while let top = stack.last, frames[top].depth > depth { stack.removeLast() }
            case .semicolon:
                stack.removeAll()
                expectSource = false
            case .comma:
                if let top = stack.last, frames[top].depth == depth, frames[top].inFrom { expectSource = true }
            case .keyword(.select):
                if let top = stack.last, frames[top].depth == depth, frames[top].isSelect { stack.removeLast() }
                push()
                frames[frames.count - 1].isSelect = true
                tokenFrame[i] = stack.last ?? -1
            case .keyword(.from):
                if isKeyword(i - 1, .delete) {
                    if let (name, next) = tableName(at: i + 1) {
                        push([(name, nil)])
                        for k in i..<next { tokenFrame[k] = stack.last ?? -1 }
                        i = next
                        continue
                    }
                } else if let top = stack.last, frames[top].depth == depth {
                    frames[top].inFrom = true
                    expectSource = true
                }
            case .keyword(.set):
                // SET a = …, (b, c) = …: the assigned names.
                var m = i + 1
                var level = 0
                while m < n {
                    let k = kind(m)
                    if k == .leftParen { level += 1 } else if k == .rightParen { level -= 1 }
                    if level < 0 || k == .semicolon || isKeyword(m, .where) || isKeyword(m, .from) || isKeyword(m, .returning) { break }
                    if isName(m), kind(m + 1) == .equal || (level == 1 && (kind(m + 1) == .comma || kind(m + 1) == .rightParen)),
                       kind(m - 1) == .keyword(.set) || kind(m - 1) == .comma || kind(m - 1) == .leftParen {
                        if kind(m + 1) == .equal || level == 1 { assignedColumns.insert(m) }
                    }
                    if level == 0 && kind(m) == .equal {
                        // Skip the value expression up to the next ',' at this level.
                        var depth = 0
                        m += 1
                        while m < n {
                            let k2 = kind(m)
                            if k2 == .leftParen { depth += 1 } else if k2 == .rightParen { if depth == 0 { break }; depth -= 1 }
                            if depth == 0 && (k2 == .comma || k2 == .semicolon || isKeyword(m, .where) || isKeyword(m, .from)
                                              || isKeyword(m, .returning)) { break }
                            m += 1
                        }
                        continue
                    }
                    m += 1
                }
                if let top = stack.last, frames[top].depth == depth {
                    frames[top].inFrom = false
                    expectSource = false
                }
            case .keyword(.join):
                expectSource = true
            case .keyword(.using) where kind(i + 1) == .leftParen:
                // USING (columns): SQLite leaves these names as written.
                var k = i + 2
                while k < n, kind(k) != .rightParen { if isName(k) { excluded.insert(k) }; k += 1 }
            case .keyword(.update) where !isKeyword(i - 1, .on) && !isKeyword(i - 1, .do), .keyword(.into):
                // UPDATE [OR x] t / INSERT [OR x] INTO t / REPLACE INTO t
                var j = i + 1
                if isKeyword(j, .or) { j += 2 }
                if let (name, next) = tableName(at: j) {
                    push([(name, nil)])
                    for k in i..<next { tokenFrame[k] = stack.last ?? -1 }
                    if kind(i) == .keyword(.into), kind(next) == .leftParen {
                        var m = next + 1
                        while m < n, kind(m) != .rightParen { if isName(m) { assignedColumns.insert(m) }; m += 1 }
                    }
                    // UPDATE t AS alias
                    if isKeyword(next, .as), isName(next + 1) {
                        aliasTokens.insert(next + 1)
                        frames[frames.count - 1].sources[0].alias = self.name(next + 1)
                    }
                    i = next
                    continue
                }
            case .keyword(.references):
                if let (name, next) = tableName(at: i + 1) {
                    var k = next
                    if kind(k) == .leftParen {
                        k += 1
                        while k < n, kind(k) != .rightParen {
                            if isName(k) { referencedColumns[k] = name; excluded.insert(k) }
                            k += 1
                        }
                    }
                    i = k
                    continue
                }
            case .keyword(let k):
                if let top = stack.last, frames[top].depth == depth, SchemaText.clauseEnders.contains(k) {
                    frames[top].inFrom = false
                    expectSource = false
                }
            default: break
            }
            i += 1
        }
    }

    /// The element list of CREATE TABLE name (…): column names, type names (excluded), and
    /// the extent of each column definition.
    private mutating func analyseTableBody(from start: Int) {
        guard kind(start) == .leftParen else { return }
        let n = tokens.count
        var i = start + 1
        let constraintStarts: Set<Keyword> = [.constraint, .primary, .unique, .check, .foreign]
        let columnConstraint: Set<Keyword> = [.constraint, .primary, .not, .null, .unique, .check, .default,
                                              .collate, .references, .generated, .as]
        while i < n {
            let first = i
            var isColumn = false
            if case .keyword(let k) = kind(i), constraintStarts.contains(k) {
                isColumn = false
            } else {
                isColumn = isName(i)
            }
            // Walk to the end of the element.
            var depth = 0
            var j = i
            var inType = isColumn
            if isColumn { j += 1 }
            while j < n {
                let k = kind(j)
                if depth == 0 && (k == .comma || k == .rightParen) { break }
                if k == .leftParen { depth += 1; if depth == 1 && inType { j += 1; continue } }
                if k == .rightParen { depth -= 1 }
                if inType, depth == 0 {
                    if case .keyword(let kw) = k, columnConstraint.contains(kw) { inType = false }
                    else if isName(j) { excluded.insert(j) }
                }
                if isKeyword(j, .collate) || isKeyword(j, .constraint) { excluded.insert(j + 1) }
                j += 1
            }
            if isColumn { columnDefinitions.append((first: first, end: j)) }
            var f = first
            if isKeyword(f, .constraint) { f += 2 }
            if isKeyword(f, .foreign), isKeyword(f + 1, .key), kind(f + 2) == .leftParen {
                var m = f + 3
                while m < j, kind(m) != .rightParen { if isName(m) { foreignKeyColumns.insert(m) }; m += 1 }
            }
            if kind(j) == .rightParen || j >= n { break }
            i = j + 1
        }
    }

    // MARK: Resolution

    /// True when the unqualified column name at token `i` resolves to `table`: the innermost
    /// frame with a source having such a column must include `table`.
    func resolves(_ i: Int, to table: String, columns: (String) -> [String]?) -> Bool {
        let column = name(i)
        var f = tokenFrame[i]
        while f >= 0 {
            let frame = frames[f]
            var found = false, isTarget = false
            for s in frame.sources {
                if let cols = columns(s.table), cols.contains(where: { $0.equalsIgnoringCase(column) }) {
                    found = true
                    if s.table.equalsIgnoringCase(table) { isTarget = true }
                }
            }
            if found { return isTarget }
            f = frame.parent ?? -1
        }
        return false
    }

    /// True when the unqualified name at token `i` names a column of some table in scope.
    func resolvesAnywhere(_ i: Int, columns: (String) -> [String]?) -> Bool {
        let column = name(i)
        var f = tokenFrame[i]
        while f >= 0 {
            for s in frames[f].sources {
                if let cols = columns(s.table), cols.contains(where: { $0.equalsIgnoringCase(column) }) { return true }
            }
            f = frames[f].parent ?? -1
        }
        return false
    }

    /// True when the qualifier `q` (a table name or alias) seen from token `i` means `table`.
    func qualifier(_ q: String, at i: Int, means table: String) -> Bool {
        var f = tokenFrame[i]
        while f >= 0 {
            for s in frames[f].sources {
                if let a = s.alias, a.equalsIgnoringCase(q) { return s.table.equalsIgnoringCase(table) }
                if s.alias == nil && s.table.equalsIgnoringCase(q) { return s.table.equalsIgnoringCase(table) }
            }
            f = frames[f].parent ?? -1
        }
        if let t = triggerTable, q.equalsIgnoringCase("new") || q.equalsIgnoringCase("old") {
            return t.equalsIgnoringCase(table)
        }
        return q.equalsIgnoringCase(table)
    }

    // MARK: Edits

    /// Replaces tokens (by index) with new text; returns the edited SQL.
    func applying(_ edits: [Int: String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var p = 0
        for i in edits.keys.sorted() {
            let t = tokens[i]
            out.append(contentsOf: bytes[p..<t.start])
            out.append(contentsOf: edits[i].map { Array($0.utf8) } ?? [])
            p = t.end
        }
        out.append(contentsOf: bytes[p...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Removes bytes [from, to) of the text.
    func removing(from: Int, to: Int) -> String {
        String(decoding: Array(bytes[..<from]) + Array(bytes[to...]), as: UTF8.self)
    }
}

/// Text edits of ALTER TABLE over one stored CREATE statement.
enum SchemaRewrite {
    /// `name` in double quotes, inner quotes doubled.
    static func quoted(_ name: String) -> String {
        var out = "\""
        for ch in name { out.append(ch); if ch == "\"" { out.append("\"") } }
        return out + "\""
    }

    /// The text with every reference to table `old` renamed to `new` (written `"new"`);
    /// nil when nothing changed.
    static func renameTable(_ sql: String, from old: String, to new: String) -> String? {
        let s = SchemaText(sql)
        var edits: [Int: String] = [:]
        let replacement = quoted(new)
        let aliasShadows = s.aliasTokens.contains { s.name($0).equalsIgnoringCase(old) }
        let shadowed = s.cteNames.contains(old.lowercasedASCII)
        for i in s.tokens.indices where s.isName(i) && s.name(i).equalsIgnoringCase(old) {
            if shadowed && !s.isKeyword(i - 1, .on) && !s.isKeyword(i - 1, .references) { continue }
            if s.tableTokens.contains(i) {
                edits[i] = replacement
            } else if s.kind(i + 1) == .dot, s.isName(i + 2), s.kind(i + 3) != .dot, s.kind(i - 1) != .dot,
                      !aliasShadows, !(s.triggerTable != nil && (old.equalsIgnoringCase("new") || old.equalsIgnoringCase("old"))) {
                // A qualifier: old.column.
                edits[i] = replacement
            } else if s.kind(i + 1) == .dot, s.isName(i + 2), s.kind(i + 3) == .dot {
                // schema.table.column: handled through the table token below.
            } else if s.kind(i - 1) == .dot, s.kind(i + 1) == .dot, s.isName(i - 2) {
                edits[i] = replacement
            }
        }
        return edits.isEmpty ? nil : s.applying(edits)
    }

    /// True for a `CREATE VIRTUAL TABLE` text: renaming a table leaves its module arguments
    /// alone (SQLite does not parse them), only its own name changes.
    static func isVirtualTableText(_ sql: String) -> Bool {
        let s = SchemaText(sql)
        return s.isKeyword(0, .create) && s.isKeyword(1, .virtual)
    }

    /// A `CREATE VIRTUAL TABLE [schema.]old …` text with its name written `"new"` (nil when it
    /// names another table).
    static func renameVirtualTable(_ sql: String, from old: String, to new: String) -> String? {
        let s = SchemaText(sql)
        guard s.isKeyword(0, .create), s.isKeyword(1, .virtual), s.isKeyword(2, .table) else { return nil }
        var i = 3
        if s.isKeyword(i, .if), s.isKeyword(i + 1, .not), s.isKeyword(i + 2, .exists) { i += 3 }
        if s.kind(i + 1) == .dot { i += 2 }
        guard s.isName(i), s.name(i).equalsIgnoringCase(old) else { return nil }
        return s.applying([i: quoted(new)])
    }

    /// RENAME TO under `PRAGMA legacy_alter_table=ON` (SQLite before 3.25): only the name a
    /// CREATE TABLE creates, the table a CREATE INDEX / CREATE TRIGGER is ON, and (when
    /// `foreignKeys`, PRAGMA foreign_keys is on) REFERENCES targets are renamed to `"new"`;
    /// bodies, CHECK and WHERE texts keep the old name. Nil when nothing changed.
    static func legacyRenameTable(_ sql: String, from old: String, to new: String, foreignKeys: Bool) -> String? {
        let s = SchemaText(sql)
        var edits: [Int: String] = [:]
        let replacement = quoted(new)
        /// The table name at token `i` (`schema.name` allowed): its token index.
        func nameToken(at i: Int) -> Int? {
            guard s.isName(i) else { return nil }
            if s.kind(i + 1) == .dot, s.isName(i + 2) { return i + 2 }
            return i
        }
        func rename(_ i: Int?) {
            if let i, s.name(i).equalsIgnoringCase(old) { edits[i] = replacement }
        }
        if s.isKeyword(0, .create) {
            var j = 1
            while s.isKeyword(j, .temp) || s.isKeyword(j, .temporary) || s.isKeyword(j, .unique) { j += 1 }
            let isTable = s.isKeyword(j, .table)
            if isTable {
                j += 1
                if s.isKeyword(j, .if) { j += 3 }
                rename(nameToken(at: j))
            } else if s.isKeyword(j, .index) || s.isKeyword(j, .trigger) {
                // The first ON of the header names the table (a trigger's WHEN comes after it).
                var k = j + 1
                while k < s.tokens.count, !s.isKeyword(k, .on), !s.isKeyword(k, .begin) { k += 1 }
                if s.isKeyword(k, .on) { rename(nameToken(at: k + 1)) }
            }
            if foreignKeys && isTable {
                for i in s.tokens.indices where s.isKeyword(i, .references) { rename(nameToken(at: i + 1)) }
            }
        }
        return edits.isEmpty ? nil : s.applying(edits)
    }

    /// The first `qualifier.column` in a CREATE TABLE / CREATE INDEX text whose qualifier is
    /// not `table` (written "qualifier.column"); nil when there is none. Such texts can name
    /// no other table, so that reference does not resolve.
    static func foreignQualifier(_ sql: String, table: String) -> String? {
        let s = SchemaText(sql)
        var start = 0
        // Past the head: CREATE TABLE name / CREATE INDEX name ON table.
        if let open = s.tokens.indices.first(where: { s.kind($0) == .leftParen }) { start = open }
        for i in s.tokens.indices where i > start && s.isName(i) && s.kind(i + 1) == .dot && s.isName(i + 2) {
            if s.kind(i - 1) == .dot || s.kind(i + 3) == .dot { continue }
            if !s.name(i).equalsIgnoringCase(table) { return s.name(i) + "." + s.name(i + 2) }
        }
        return nil
    }

    /// The text with every reference to column `old` of table `table` renamed to `new`;
    /// nil when nothing changed. `quoteNew` is true when the new name was written quoted.
    /// `columns` gives the column names of a table (nil when unknown).
    static func renameColumn(_ sql: String, table: String, from old: String, to new: String, quoteNew: Bool,
                             columns: (String) -> [String]?) -> String? {
        let s = SchemaText(sql)
        var edits: [Int: String] = [:]
        for (i, _) in columnHits(s, table: table, column: old, columns: columns) {
            edits[i] = (quoteNew || s.isQuoted(i)) ? quoted(new) : new
        }
        return edits.isEmpty ? nil : s.applying(edits)
    }

    /// The first reference to column `column` of `table` in `sql` other than a REFERENCES
    /// list of a foreign key: its text as written ("b", "new.b"); nil when there is none.
    static func firstColumnUse(_ sql: String, table: String, column: String,
                               columns: (String) -> [String]?, ignoringTargets: Bool = false,
                               quotedAreLiterals: Bool = false, newColumns: ((String) -> [String]?)? = nil) -> String? {
        let s = SchemaText(sql)
        guard let (i, _) = columnHits(s, table: table, column: column, columns: columns)
            .first(where: { hit in
                if hit.1 { return false }
                if ignoringTargets && s.assignedColumns.contains(hit.0) { return false }
                // In views and triggers an unqualified "name" that names no column is a string.
                if quotedAreLiterals, s.bytes[s.tokens[hit.0].start] == UInt8(ascii: "\""),
                   s.kind(hit.0 - 1) != .dot { return false }
                // Without the column, an unqualified name may resolve to an outer table.
                if let newColumns, s.kind(hit.0 - 1) != .dot, !s.columnDefinitions.contains(where: { $0.first == hit.0 }),
                   !s.updateOfColumns.contains(hit.0), s.resolvesAnywhere(hit.0, columns: newColumns) { return false }
                return true
            }) else {
            return nil
        }
        if s.kind(i - 1) == .dot, s.isName(i - 2) { return s.name(i - 2) + "." + s.name(i) }
        return s.name(i)
    }

    /// Tokens naming column `column` of `table`, each with true when it is in a REFERENCES list.
    static func columnHits(_ s: SchemaText, table: String, column old: String,
                           columns: (String) -> [String]?) -> [(Int, Bool)] {
        var hits: [(Int, Bool)] = []
        for i in s.tokens.indices where s.isName(i) && s.name(i).equalsIgnoringCase(old) {
            // A string is a name only as a column definition's name; elsewhere a literal.
            if s.kind(i) == .string && !s.columnDefinitions.contains(where: { $0.first == i }) { continue }
            if let referenced = s.referencedColumns[i] {
                if referenced.equalsIgnoringCase(table) { hits.append((i, true)) }
                continue
            }
            var hit = false
            if s.updateOfColumns.contains(i) {
                hit = s.triggerTable?.equalsIgnoringCase(table) ?? false
            } else if s.excluded.contains(i) || s.tableTokens.contains(i) || s.aliasTokens.contains(i) {
                hit = false
            } else if s.kind(i + 1) == .leftParen || s.kind(i + 1) == .dot || s.isKeyword(i - 1, .as)
                        || s.isKeyword(i - 1, .collate) {
                hit = false
            } else if s.kind(i - 1) == .dot {
                hit = s.isName(i - 2) && s.qualifier(s.name(i - 2), at: i, means: table)
            } else if s.columnDefinitions.contains(where: { $0.first == i }) {
                hit = s.tokenFrame[i] >= 0 && s.frames[s.tokenFrame[i]].sources.first?.table.equalsIgnoringCase(table) == true
            } else {
                hit = s.resolves(i, to: table, columns: columns)
            }
            if hit { hits.append((i, false)) }
        }
        return hits
    }

    /// CREATE TABLE text without the definition of column `index` (SQLite's cut: from the
    /// definition to the next one, or for the last one from the comma before it to the token
    /// after it). Nil when the text has no such definition.
    static func dropColumn(_ sql: String, index: Int) -> String? {
        let s = SchemaText(sql)
        let defs = s.columnDefinitions
        guard index >= 0, index < defs.count, defs.count > 1 else { return nil }
        if index + 1 < defs.count {
            return s.removing(from: s.tokens[defs[index].first].start, to: s.tokens[defs[index + 1].first].start)
        }
        let comma = defs[index].first - 1
        guard comma >= 0, s.kind(comma) == .comma, defs[index].end < s.tokens.count else { return nil }
        return s.removing(from: s.tokens[comma].start, to: s.tokens[defs[index].end].start)
    }
}
