// This file implements the SQL parser's core: entry points, the token cursor, errors, names,
// parameter numbering and the nesting guard. Grammar productions live in Parser+*.swift.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariants P1-P8).
import LoomBase

/// Parses SQL text one statement at a time into `Statement` values.
///
/// ```swift
/// var parser = Parser(sql: "SELECT 1; SELECT 2")
/// var at = 0
/// while let (statement, end) = try parser.parseNext(from: at) { …; at = end }
/// ```
/// Corresponds to SQLite's tokenizer + grammar (the front half of `sqlite3_prepare_v2`):
/// the same statements are accepted and the same error messages (and offsets) produced.
package struct Parser {
    package let sql: String
    /// The text's bytes up to its first NUL (owner of `bytes`).
    let source: SQLBytes
    /// The bytes held by `source`: the parser lexes and reads token text through them.
    let bytes: UnsafeBufferPointer<UInt8>

    /// The current (non-space) token and up to two look-ahead tokens.
    var current = Token(kind: .end, start: 0, end: 0)
    /// (Two fixed slots, not an array: an array allocated on the first peek of each statement.)
    var ahead1 = Token(kind: .end, start: 0, end: 0)
    var ahead2 = Token(kind: .end, start: 0, end: 0)
    var aheadCount = 0
    /// Byte offset where the next raw token is lexed.
    var scan = 0
    /// End and kind of the previous (consumed) token.
    var previousEnd = 0
    var previousKind = TokenKind.end

    // Per-statement state.
    var variableCount = 0
    var variableNames: [String?] = []
    var variableIndexByName: [String: Int] = [:]
    /// An estimate of the depth of SQLite's LALR parser stack (limit 100), so deep nesting
    /// fails with SQLite's "parser stack overflow" instead of overflowing our own stack.
    var stackDepth = 0
    /// An error SQLite raises in a grammar action: it stands unless the very next token is a
    /// syntax error (which SQLite reports instead), so it is thrown at the next `advance()`.
    private(set) var pendingError: DatabaseError?
    /// `pendingError != nil`, tested once per token (cheaper than unwrapping the error).
    private var hasPendingError = false
    /// An error SQLite raises only after the whole statement parsed (e.g. at code generation).
    var statementEndError: DatabaseError?
    /// Inside a CREATE TRIGGER body (RAISE is allowed; statement spans are relative).
    var inTrigger = false
    var contextualActive = false

    static let maxStackDepth = 100
    static let maxExprDepth = 1000
    static let maxVariableNumber = 250_000
    static let maxCompoundSelect = 500

    package init(sql: String) {
        self.sql = sql
        (self.source, self.bytes) = SQLBytes.make(sql)
    }

    /// Parses the next statement starting at UTF-8 offset `offset`; nil when only
    /// whitespace/comments/semicolons remain. Returns the statement and the UTF-8 offset just
    /// past it (past its terminating ';' if any, else the end of the input).
    package mutating func parseNext(from offset: Int) throws -> (statement: Statement, end: Int)? {
        scan = max(0, min(offset, bytes.count))
        aheadCount = 0
        variableCount = 0
        variableNames = []
        variableIndexByName = [:]
        stackDepth = 0
        if hasPendingError { pendingError = nil; hasPendingError = false }
        statementEndError = nil
        try advance()
        while current.kind == .semicolon { try advance() }
        if current.kind == .end { return nil }
        let statement = try parseStatement()
        if current.kind != .semicolon && current.kind != .end { throw syntaxError() }
        if let e = pendingError ?? statementEndError { throw e }
        switch current.kind {
        case .semicolon:
            return (statement, current.end)
        case .end:
            return (statement, bytes.count)
        default:
            throw syntaxError()
        }
    }

    /// Parses every statement of the SQL (convenience for tests and tools).
    package mutating func parseAll() throws -> [Statement] {
        var out: [Statement] = []
        var at = 0
        while let (s, end) = try parseNext(from: at) { out.append(s); at = end }
        return out
    }

    // MARK: - Token cursor

    /// Lexes the next non-space token at `scan`.
    private mutating func lexNext() -> Token {
        while true {
            let t = Lexer.token(in: bytes, at: scan)
            scan = t.end
            if t.kind != .space { return t }
        }
    }

    /// Moves to the next token. Reaching an untokenizable byte sequence throws
    /// `unrecognized token` at that point, as SQLite's tokenizer does.
    mutating func advance() throws {
        if hasPendingError { throw heldError() }
        previousEnd = current.end
        previousKind = current.kind
        switch aheadCount {
        case 0: current = lexNext()
        case 1: current = ahead1; aheadCount = 0
        default: current = ahead1; ahead1 = ahead2; aheadCount = 1
        }
        if current.kind == .illegal { throw unrecognizedToken() }
        switch current.kind {
        case .keyword(.window), .keyword(.over), .keyword(.filter): updateContextualKeyword()
        default: contextualActive = false
        }
    }

    // (The two error paths of `advance` are out of line: building an error inside it made
    // every call save and restore registers for them.)
    @inline(never) private func heldError() -> DatabaseError {
        guard let e = pendingError else { preconditionFailure("hasPendingError set without an error") }
        return e
    }
    @inline(never) private func unrecognizedToken() -> DatabaseError {
        DatabaseError(.error, "unrecognized token: \"\(text(current))\"", sql: sql, offset: current.start)
    }

    /// The token `n` (1 or 2) places after the current one.
    mutating func peek(_ n: Int = 1) -> Token {
        precondition(n == 1 || n == 2, "the parser looks at most two tokens ahead")
        if aheadCount == 0 { ahead1 = lexNext(); aheadCount = 1 }
        if n == 1 { return ahead1 }
        if aheadCount == 1 { ahead2 = lexNext(); aheadCount = 2 }
        return ahead2
    }

    /// The token's bytes equal `word` (lower-case ASCII) ignoring ASCII case; no String built.
    func bytesEqualIgnoringCase(_ t: Token, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard t.end - t.start == n, t.start >= 0, t.end <= bytes.count else { return false }
        let w = word.utf8Start
        for i in 0..<n {
            let c = bytes[t.start + i]
            if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != w[i] { return false }
        }
        return true
    }

    // Token text helpers: each reads only `bytes` (static functions behind inlined wrappers:
    // a non-inlined method on the whole parser copied it, retains included, at every call).

    /// The bytes `start..<end` of the text (empty when out of range).
    @inline(__always) func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        Parser.slice(bytes, start, end)
    }
    static func slice(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        guard start >= 0, start <= end, end <= bytes.count else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }
    @inline(__always) func text(_ t: Token) -> String {
        Parser.text(bytes, t.start, t.end)
    }
    @inline(__always) func text(_ span: SourceSpan) -> String {
        Parser.text(bytes, span.start, span.end)
    }
    static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: slice(bytes, start, end), as: UTF8.self)
    }

    func isKeyword(_ k: Keyword) -> Bool { current.kind == .keyword(k) }

    /// Consumes the current token if it is keyword `k`.
    mutating func accept(_ k: Keyword) throws -> Bool {
        guard current.kind == .keyword(k) else { return false }
        try advance()
        return true
    }
    mutating func accept(_ k: TokenKind) throws -> Bool {
        guard current.kind == k else { return false }
        try advance()
        return true
    }
    mutating func expect(_ k: Keyword) throws {
        guard current.kind == .keyword(k) else { throw syntaxError() }
        try advance()
    }
    mutating func expect(_ k: TokenKind) throws {
        guard current.kind == k else { throw syntaxError() }
        try advance()
    }

    // MARK: - Errors

    /// SQLite's syntax error at the current token: `near "X": syntax error`, or
    /// `incomplete input` at the end of the SQL.
    func syntaxError() -> DatabaseError {
        syntaxError(at: current)
    }
    func syntaxError(at t: Token) -> DatabaseError {
        if t.kind == .end { return DatabaseError(.error, "incomplete input", sql: sql) }
        return DatabaseError(.error, "near \"\(text(t))\": syntax error", sql: sql, offset: t.start)
    }
    /// Records an error raised by a grammar action (see `pendingError`).
    mutating func actionError(_ message: String, at offset: Int? = nil) {
        if pendingError == nil { pendingError = error(message, at: offset); hasPendingError = true }
    }

    func error(_ message: String, at offset: Int? = nil) -> DatabaseError {
        DatabaseError(.error, message, sql: sql, offset: offset)
    }

    /// Charges `cost` entries of SQLite's parser stack for the duration of `body`.
    /// `slack` widens the limit for constructs whose innermost level SQLite's stack holds
    /// with one entry fewer (prefix operators).
    mutating func nested<T>(_ cost: Int, slack: Int = 0, _ body: (inout Parser) throws -> T) throws -> T {
        stackDepth += cost
        defer { stackDepth -= cost }
        if stackDepth > Parser.maxStackDepth + slack { throw error("parser stack overflow") }
        return try body(&self)
    }

    // MARK: - Names

    /// An identifier token usable where SQLite's grammar says `id`: a bare or quoted
    /// identifier, INDEXED, or a fallback keyword.
    func isId(_ t: Token) -> Bool {
        switch t.kind {
        case .identifier: return true
        case .keyword(let k):
            if k == .window || k == .over || k == .filter, t.start == current.start, contextualKeywordIsActive {
                return false
            }
            return k.isFallbackIdentifier || k == .indexed
        default: return false
        }
    }

    /// Whether the current WINDOW / OVER / FILTER token is a keyword rather than an
    /// identifier, decided as SQLite's tokenizer does from its neighbours: WINDOW before
    /// `name AS`; OVER after `)` and before `(` or a name; FILTER after `)` and before `(`.
    /// (Set by `advance()`.)
    var contextualKeywordIsActive: Bool {
        get { contextualActive }
    }

    mutating func updateContextualKeyword() {
        contextualActive = false
        guard case .keyword(let k) = current.kind else { return }
        switch k {
        case .window:
            contextualActive = isIdLike(peek(1)) && peek(2).kind == .keyword(.as)
        case .over:
            contextualActive = previousKind == .rightParen && (peek(1).kind == .leftParen || isIdLike(peek(1)))
        case .filter:
            contextualActive = previousKind == .rightParen && peek(1).kind == .leftParen
        default:
            break
        }
    }

    /// A token SQLite's tokenizer would call TK_ID when looking ahead.
    private func isIdLike(_ t: Token) -> Bool {
        switch t.kind {
        case .identifier, .string: return true
        case .keyword(let k): return (k.isFallbackIdentifier && k != .filter) || k.isJoinKeyword
        default: return false
        }
    }
    /// `nm`: id, a string, or a join keyword.
    func isName(_ t: Token) -> Bool {
        if isId(t) || t.kind == .string { return true }
        if case .keyword(let k) = t.kind, k.isJoinKeyword { return true }
        return false
    }
    /// `ids` (an implicit alias or type-name word): an identifier, fallback keyword or string.
    func isIds(_ t: Token) -> Bool {
        switch t.kind {
        case .identifier, .string: return true
        case .keyword(let k):
            if k == .window || k == .over || k == .filter, t.start == current.start, contextualKeywordIsActive {
                return false
            }
            return k.isFallbackIdentifier
        default: return false
        }
    }

    /// The dequoted text of a name token: quotes removed and doubled quotes collapsed
    /// ('…', "…", `…`; […] as is inside).
    @inline(__always) func nameText(_ t: Token) -> String { Parser.nameText(bytes, t) }
    static func nameText(_ bytes: UnsafeBufferPointer<UInt8>, _ t: Token) -> String {
        let q = t.kind == .string ? UInt8(ascii: "'") : t.quote
        guard q != 0, t.end - t.start >= 2 else { return text(bytes, t.start, t.end) }
        let inner = slice(bytes, t.start + 1, t.end - 1)
        if q == UInt8(ascii: "[") || !inner.contains(q) { return String(decoding: inner, as: UTF8.self) }
        var out = [UInt8]()
        out.reserveCapacity(inner.count)
        var i = inner.startIndex
        while i < inner.endIndex {
            let b = inner[i]
            out.append(b)
            i += (b == q && i + 1 < inner.endIndex && inner[i + 1] == q) ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `nm`.
    mutating func name() throws -> String {
        guard isName(current) else { throw syntaxError() }
        let s = nameText(current)
        try advance()
        return s
    }

    /// Parses `nm [. nm]` as (schema, name).
    mutating func qualifiedName() throws -> (schema: String?, name: String, nameStart: Int) {
        var start = current.start
        let first = try name()
        if current.kind == .dot {
            try advance()
            start = current.start
            let second = try name()
            return (first, second, start)
        }
        return (nil, first, start)
    }

    /// `( nm, nm, … )` — the opening parenthesis is current.
    mutating func nameList() throws -> [String] {
        try expect(.leftParen)
        var names = [try name()]
        while try accept(.comma) { names.append(try name()) }
        try expect(.rightParen)
        return names
    }

    // MARK: - Parameters

    /// Numbers a variable token as SQLite does.
    mutating func variable(_ t: Token) throws -> Parameter {
        let s = text(t)
        let u = slice(t.start, t.end)
        if u.first == UInt8(ascii: "?") {
            if u.count == 1 {
                variableCount += 1
                try checkVariableCount(t)
                variableNames.append(nil)
                return Parameter(index: variableCount, name: nil)
            }
            var value = 0
            var overflow = false
            for b in u.dropFirst() {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b &- 0x30))
                overflow = overflow || o1 || o2
                value = a
            }
            guard !overflow, value >= 1, value <= Parser.maxVariableNumber else {
                throw error("variable number must be between ?1 and ?\(Parser.maxVariableNumber)", at: t.start)
            }
            if value > variableCount {
                while variableNames.count < value { variableNames.append(nil) }
                variableCount = value
            }
            if variableNames[value - 1] == nil {
                variableNames[value - 1] = s
                if variableIndexByName[s] == nil { variableIndexByName[s] = value }
            }
            return Parameter(index: value, name: s)
        }
        if let i = variableIndexByName[s] { return Parameter(index: i, name: s) }
        variableCount += 1
        try checkVariableCount(t)
        variableNames.append(s)
        variableIndexByName[s] = variableCount
        return Parameter(index: variableCount, name: s)
    }

    private func checkVariableCount(_ t: Token) throws {
        if variableCount > Parser.maxVariableNumber { throw error("too many SQL variables", at: t.start) }
    }
}

