// This file implements the FTS5 full-text query language: lexer, parser (phrases, prefix *,
// ^, NEAR, column filters, AND/OR/NOT, implicit AND, parentheses) with SQLite's messages.
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Query syntax.
import LoomBase

/// One token of a phrase; `prefix` when the phrase string was followed by `*`.
/// `synonyms`: the tokens the tokenizer returned colocated with it (FTS5_TOKEN_COLOCATED at
/// query time): the position matches any of `bytes` and `synonyms` (each a prefix when
/// `prefix` is set), and the term still counts as one token of one phrase.
package struct QueryTerm: Equatable, Sendable {
    package var bytes: [UInt8]
    package var prefix: Bool
    package var synonyms: [[UInt8]] = []
    package init(bytes: [UInt8], prefix: Bool, synonyms: [[UInt8]] = []) {
        self.bytes = bytes
        self.prefix = prefix
        self.synonyms = synonyms
    }
    /// The token and its synonyms.
    package var alternatives: [[UInt8]] { [bytes] + synonyms }
    /// Whether document token `token` is at this term's position.
    package func matches(_ token: [UInt8]) -> Bool {
        alternatives.contains { prefix ? token.starts(with: $0) : token == $0 }
    }
}

/// A phrase: consecutive tokens, optionally anchored at the first token of a column.
package struct QueryPhrase: Equatable, Sendable {
    package var terms: [QueryTerm]
    package var initial = false
}

/// The parsed query. Column sets are sorted column indexes; nil means every column.
package indirect enum QueryNode: Equatable, Sendable {
    /// One or more phrases within `distance` tokens (a lone phrase is a NEAR group of one).
    case near(phrases: [QueryPhrase], distance: Int, columns: [Int]?)
    case and([QueryNode])
    case or([QueryNode])
    case not(QueryNode, QueryNode)
    /// A query that can match nothing (every phrase was empty).
    case empty
}

private enum QToken: Equatable {
    case string(bytes: [UInt8], quoted: Bool)
    case and, or, not, lp, rp, lcp, rcp, colon, comma, plus, star, minus, caret, eof
}

private struct Lexed { var token: QToken; var text: String }

/// Parses FTS5 queries for one table (its columns and tokenizer).
package struct QueryParser {
    package var columns: [String]
    package var tokenizer: any Tokenizer

    package init(columns: [String], tokenizer: any Tokenizer) {
        self.columns = columns
        self.tokenizer = tokenizer
    }

    private static func isBareword(_ b: UInt8) -> Bool {
        b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == 0x5F || b == 0x1A
    }

    private static func lex(_ s: [UInt8]) throws -> [Lexed] {
        var out: [Lexed] = []
        var i = 0
        while true {
            while i < s.count, s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0A || s[i] == 0x0D || s[i] == 0x0C { i += 1 }
            guard i < s.count else { out.append(Lexed(token: .eof, text: "")); return out }
            let start = i
            let b = s[i]
            func one(_ t: QToken) -> Lexed { i += 1; return Lexed(token: t, text: String(decoding: s[start..<i], as: UTF8.self)) }
            switch b {
            case 0x28: out.append(one(.lp))
            case 0x29: out.append(one(.rp))
            case 0x7B: out.append(one(.lcp))
            case 0x7D: out.append(one(.rcp))
            case 0x3A: out.append(one(.colon))
            case 0x2C: out.append(one(.comma))
            case 0x2B: out.append(one(.plus))
            case 0x2A: out.append(one(.star))
            case 0x2D: out.append(one(.minus))
            case 0x5E: out.append(one(.caret))
            case 0x22:
                var word: [UInt8] = []
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == 0x22 {
                        if i + 1 < s.count, s[i + 1] == 0x22 { word.append(0x22); i += 2; continue }
                        i += 1; closed = true; break
                    }
                    word.append(s[i]); i += 1
                }
                guard closed else { throw DatabaseError(.error, "unterminated string") }
                out.append(Lexed(token: .string(bytes: word, quoted: true), text: String(decoding: s[start..<i], as: UTF8.self)))
            default:
                guard isBareword(b) else {
                    var j = i + 1
                    _ = decodeUTF8(s, &i)
                    j = i
                    throw syntaxError(String(decoding: s[start..<j], as: UTF8.self))
                }
                while i < s.count, isBareword(s[i]) { i += 1 }
                let word = Array(s[start..<i])
                let text = String(decoding: word, as: UTF8.self)
                switch text {
                case "AND": out.append(Lexed(token: .and, text: text))
                case "OR": out.append(Lexed(token: .or, text: text))
                case "NOT": out.append(Lexed(token: .not, text: text))
                default: out.append(Lexed(token: .string(bytes: word, quoted: false), text: text))
                }
            }
        }
    }

    private static func syntaxError(_ near: String) -> DatabaseError {
        DatabaseError(.error, "fts5: syntax error near \"\(near)\"")
    }

    /// Parses `query`; `columnFilter` restricts every phrase (a `col MATCH …` left side).
    package func parse(_ query: String, columnFilter: [Int]? = nil) throws -> QueryNode {
        let bytes = Array(query.utf8)
        if let first = bytes.first(where: { $0 != 0x20 }), first == 0x2A {
            let rest = String(decoding: bytes.drop(while: { $0 == 0x20 }).dropFirst(), as: UTF8.self)
            throw DatabaseError(.error, "unknown special query: \(rest)")
        }
        var p = Parser(tokens: try Self.lex(bytes), owner: self)
        let node = try p.parseOr(columns: columnFilter)
        guard p.peek.token == .eof else { throw Self.syntaxError(p.peek.text) }
        return simplify(node)
    }

    private func simplify(_ n: QueryNode) -> QueryNode {
        switch n {
        case .near(let ph, let d, let cols) where ph.contains(where: { $0.terms.isEmpty }):
            let kept = ph.filter { !$0.terms.isEmpty }
            return kept.isEmpty ? .empty : .near(phrases: kept, distance: d, columns: cols)
        case .and(let xs):
            // Explicit AND with an empty phrase matches nothing (implicit ANDs dropped theirs
            // while parsing).
            let ys = xs.map(simplify)
            if ys.contains(.empty) { return .empty }
            return ys.count == 1 ? ys[0] : .and(ys)
        case .or(let xs):
            let ys = xs.map(simplify).filter { $0 != .empty }
            return ys.isEmpty ? .empty : (ys.count == 1 ? ys[0] : .or(ys))
        case .not(let a, let b):
            let l = simplify(a), r = simplify(b)
            if l == .empty { return .empty }
            if r == .empty { return l }
            return .not(l, r)
        case .near, .empty: return n
        }
    }

    fileprivate func columnIndex(_ name: [UInt8]) throws -> Int {
        let lower = String(decoding: name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self)
        if let i = columns.firstIndex(where: { String(decoding: $0.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self) == lower }) {
            return i
        }
        throw DatabaseError(.error, "no such column: \(String(decoding: name, as: UTF8.self))")
    }

    fileprivate func phraseTerms(_ bytes: [UInt8], prefix: Bool) -> [QueryTerm] {
        var terms: [QueryTerm] = []
        tokenizer.tokenize(bytes, reason: prefix ? .prefixQuery : .query) { tok in
            // A colocated token is another choice for the token before it (fts5.html §Synonym
            // Support, method 2); the first one of the string has none before it.
            if tok.colocated, !terms.isEmpty {
                if !terms[terms.count - 1].alternatives.contains(tok.bytes) { terms[terms.count - 1].synonyms.append(tok.bytes) }
            } else {
                terms.append(QueryTerm(bytes: tok.bytes, prefix: false))
            }
        }
        if prefix, !terms.isEmpty { terms[terms.count - 1].prefix = true }
        return terms
    }

    private struct Parser {
        var tokens: [Lexed]
        var pos = 0
        let owner: QueryParser

        init(tokens: [Lexed], owner: QueryParser) { self.tokens = tokens; self.owner = owner }

        var peek: Lexed { tokens[min(pos, tokens.count - 1)] }
        func peek(_ k: Int) -> Lexed { tokens[min(pos + k, tokens.count - 1)] }
        mutating func advance() { if pos < tokens.count - 1 { pos += 1 } }

        func err() -> DatabaseError { QueryParser.syntaxError(peek.text) }

        static func intersect(_ a: [Int]?, _ b: [Int]?) -> [Int]? {
            guard let a else { return b }
            guard let b else { return a }
            return a.filter { b.contains($0) }
        }

        mutating func parseOr(columns: [Int]?) throws -> QueryNode {
            var items = [try parseAnd(columns: columns)]
            while peek.token == .or {
                advance()
                items.append(try parseAnd(columns: columns))
            }
            return items.count == 1 ? items[0] : .or(items)
        }

        mutating func parseAnd(columns: [Int]?) throws -> QueryNode {
            var items = [try parseNot(columns: columns)]
            while peek.token == .and {
                advance()
                items.append(try parseNot(columns: columns))
            }
            return items.count == 1 ? items[0] : .and(items)
        }

        mutating func parseNot(columns: [Int]?) throws -> QueryNode {
            var left = try parsePrimary(columns: columns)
            while peek.token == .not {
                advance()
                let right = try parsePrimary(columns: columns)
                left = .not(left, right)
            }
            return left
        }

        /// `( expr )`, `colset : ( expr )`, or a run of (column-filtered) NEAR groups and
        /// phrases joined by implicit AND.
        mutating func parsePrimary(columns: [Int]?) throws -> QueryNode {
            if peek.token == .lp {
                advance()
                let e = try parseOr(columns: columns)
                guard peek.token == .rp else { throw err() }
                advance()
                return e
            }
            var items: [QueryNode] = []
            while true {
                switch peek.token {
                case .string, .caret, .lcp, .minus: break
                default:
                    if items.isEmpty { throw err() }
                    // Implicit AND: phrases that tokenized to nothing drop out.
                    let kept = items.filter { item in
                        if case .near(let ph, _, _) = item { return ph.contains { !$0.terms.isEmpty } }
                        return true
                    }
                    if kept.isEmpty { return .empty }
                    return kept.count == 1 ? kept[0] : .and(kept)
                }
                // A colset introduces either a NEAR group / phrase or a parenthesized expression.
                if let cols = try parseColsetIfPresent() {
                    let merged = Self.intersect(columns, cols)
                    guard peek.token == .colon else { throw err() }
                    advance()
                    if peek.token == .lp {
                        guard items.isEmpty else { throw err() }
                        advance()
                        let e = try parseOr(columns: merged)
                        guard peek.token == .rp else { throw err() }
                        advance()
                        return e
                    }
                    items.append(try parseNearset(columns: merged))
                } else {
                    items.append(try parseNearset(columns: columns))
                }
            }
        }

        /// Parses `name`, `{a b}`, `-name` or `-{a b}` when followed (eventually) by ':'.
        mutating func parseColsetIfPresent() throws -> [Int]? {
            var negate = false
            var names: [[UInt8]] = []
            let save = pos
            if peek.token == .minus { negate = true; advance() }
            if peek.token == .lcp {
                advance()
                while case .string(let b, _) = peek.token { names.append(b); advance() }
                guard peek.token == .rcp, !names.isEmpty else { throw err() }
                advance()
            } else if case .string(let b, _) = peek.token {
                if !negate, peek(1).token != .colon { pos = save; return nil }
                names.append(b)
                advance()
            } else {
                if negate { throw err() }
                return nil
            }
            var set = Set<Int>()
            for n in names { set.insert(try owner.columnIndex(n)) }
            if negate { return (0..<owner.columns.count).filter { !set.contains($0) } }
            return set.sorted()
        }

        mutating func parseNearset(columns: [Int]?) throws -> QueryNode {
            if case .string(let b, let quoted) = peek.token, peek(1).token == .lp {
                let nameText = peek.text
                advance(); advance()
                var phrases: [QueryPhrase] = []
                while case .string = peek.token { phrases.append(try parsePhrase()) }
                var distance = 10
                if peek.token == .comma {
                    advance()
                    guard case .string(let d, _) = peek.token else { throw err() }
                    guard !d.isEmpty, d.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(String(decoding: d, as: UTF8.self)) else {
                        throw DatabaseError(.error, "expected integer, got \"\(String(decoding: d, as: UTF8.self))\"")
                    }
                    distance = n
                    advance()
                }
                guard peek.token == .rp, !phrases.isEmpty else { throw err() }
                advance()
                guard !quoted, b == Array("NEAR".utf8) else { throw QueryParser.syntaxError(nameText) }
                return .near(phrases: phrases, distance: distance, columns: columns)
            }
            var initial = false
            if peek.token == .caret { initial = true; advance() }
            guard case .string = peek.token else { throw err() }
            var ph = try parsePhrase()
            ph.initial = initial
            return .near(phrases: [ph], distance: 10, columns: columns)
        }

        /// `STRING [*] (+ STRING [*])*`.
        mutating func parsePhrase() throws -> QueryPhrase {
            var terms: [QueryTerm] = []
            while true {
                guard case .string(let b, _) = peek.token else { throw err() }
                advance()
                var prefix = false
                if peek.token == .star { prefix = true; advance() }
                terms.append(contentsOf: owner.phraseTerms(b, prefix: prefix))
                guard peek.token == .plus else { break }
                advance()
            }
            return QueryPhrase(terms: terms)
        }
    }
}
