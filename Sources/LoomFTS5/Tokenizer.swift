// This file implements the FTS5 tokenizer protocol, the `tokenize=` option parser and the
// tokenizer factory (unicode61, ascii, porter, trigram, and tokenizers registered on the
// connection).
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Tokenizers.
import LoomBase

/// Why text is being tokenized: documents and queries tokenize the same way except that
/// queries may end in a prefix token.
package enum TokenizeReason: Sendable { case document, query, prefixQuery }

/// One token: its folded bytes and the byte range of the source text it came from.
package struct Token: Equatable, Sendable {
    package var bytes: [UInt8]
    package var start: Int
    package var end: Int
    /// A synonym at the position of the token before it (FTS5_TOKEN_COLOCATED; only custom
    /// tokenizers make them). The first token of a column is never colocated.
    package var colocated = false
    package init(bytes: [UInt8], start: Int, end: Int, colocated: Bool = false) {
        self.bytes = bytes
        self.start = start
        self.end = end
        self.colocated = colocated
    }
    package var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A tokenizer turns UTF-8 text into tokens, in order.
package protocol Tokenizer: Sendable {
    func tokenize(_ text: [UInt8], reason: TokenizeReason, _ emit: (Token) throws -> Void) rethrows
}

extension Tokenizer {
    /// The tokens of `text` that take a position of their own (colocated synonyms left out:
    /// index k is the token at offset k; highlight, snippet and queries use this).
    package func tokens(_ text: [UInt8], reason: TokenizeReason = .document) -> [Token] {
        var out: [Token] = []
        tokenize(text, reason: reason) { if !$0.colocated || out.isEmpty { out.append($0) } }
        return out
    }

    /// Every token of `text` with its offset (colocated synonyms share the offset of the token
    /// before them, as FTS5 indexes them); returns the column size (positions used).
    @discardableResult
    package func positionedTokens(_ text: [UInt8], reason: TokenizeReason = .document,
                                  _ body: (Token, Int) throws -> Void) rethrows -> Int {
        var n = 0
        try tokenize(text, reason: reason) { tok in
            if tok.colocated && n > 0 {
                try body(tok, n - 1)
            } else {
                try body(tok, n)
                n += 1
            }
        }
        return n
    }
    package func tokens(_ text: String, reason: TokenizeReason = .document) -> [Token] {
        tokens(Array(text.utf8), reason: reason)
    }
}

/// Decodes one code point at `i` as SQLite does: a lead byte >= 0xC0 takes every following
/// 10xxxxxx byte; overlong, surrogate and U+FFFE/U+FFFF results become U+FFFD. Never fails.
@inline(__always)
package func decodeUTF8(_ s: [UInt8], _ i: inout Int) -> UInt32 {
    var c = UInt32(s[i])
    i += 1
    if c >= 0xC0 {
        if c >= 0xF0 { c &= 0x07 } else if c >= 0xE0 { c &= 0x0F } else { c &= 0x1F }
        var n = 0
        while i < s.count, s[i] & 0xC0 == 0x80, n < 5 {
            c = (c << 6) | UInt32(s[i] & 0x3F)
            i += 1
            n += 1
        }
        if c < 0x80 || (c & 0xFFFF_F800) == 0xD800 || (c & 0xFFFF_FFFE) == 0xFFFE || c > 0x10FFFF { c = 0xFFFD }
    }
    return c
}

/// Appends the UTF-8 encoding of `c`.
@inline(__always)
package func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
    if c < 0x80 {
        out.append(UInt8(c))
    } else if c < 0x800 {
        out.append(UInt8(0xC0 | (c >> 6))); out.append(UInt8(0x80 | (c & 0x3F)))
    } else if c < 0x10000 {
        out.append(UInt8(0xE0 | (c >> 12))); out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (c & 0x3F)))
    } else {
        out.append(UInt8(0xF0 | (c >> 18))); out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((c >> 6) & 0x3F))); out.append(UInt8(0x80 | (c & 0x3F)))
    }
}

/// The error SQLite reports when a tokenizer spec is rejected at CREATE time.
package func tokenizerError(_ spec: [String]) -> DatabaseError {
    DatabaseError(.error, "error in tokenizer constructor")
}

/// The tokenizers registered on one connection (`fts5_api.xCreateTokenizer`): a name (case
/// insensitive) and a factory taking the words after the name in `tokenize=`. A registered
/// name replaces a built-in one of the same name. Used on the connection's thread only.
package final class TokenizerRegistry: @unchecked Sendable {
    package typealias Factory = ([String]) throws -> any Tokenizer
    private var factories: [String: Factory] = [:]
    package init() {}
    package func register(_ name: String, _ factory: @escaping Factory) { factories[name.lowercased()] = factory }
    package func factory(named name: String) -> Factory? { factories[name.lowercased()] }
}

/// Builds a tokenizer from the words of a `tokenize=` option, e.g.
/// `["porter", "unicode61", "remove_diacritics", "2"]`. An empty list is `unicode61`.
/// `registry` holds the connection's own tokenizers (also usable under porter).
package func makeTokenizer(_ words: [String], registry: TokenizerRegistry? = nil) throws -> any Tokenizer {
    guard let name = words.first?.lowercased() else { return try Unicode61Tokenizer(options: []) }
    let rest = Array(words.dropFirst())
    if let factory = registry?.factory(named: name) {
        do { return try factory(rest) } catch { throw DatabaseError(.error, "error in tokenizer constructor") }
    }
    switch name {
    case "unicode61": return try Unicode61Tokenizer(options: rest)
    case "ascii": return try AsciiTokenizer(options: rest)
    case "porter": return PorterTokenizer(inner: try makeTokenizer(rest, registry: registry))
    case "trigram": return try TrigramTokenizer(options: rest)
    default: throw DatabaseError(.error, "no such tokenizer: \(words[0])")
    }
}

/// Splits an option value into words the way FTS5's config parser does: barewords, or
/// strings quoted with '', "", `` (doubling escapes the quote) or [].
package func splitTokenizeSpec(_ value: String) throws -> [String] {
    let s = Array(value.utf8)
    var i = 0
    var words: [String] = []
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }
    while i < s.count {
        while i < s.count, isSpace(s[i]) { i += 1 }
        guard i < s.count else { break }
        let q = s[i]
        if q == 0x27 || q == 0x22 || q == 0x60 || q == 0x5B {
            let close: UInt8 = q == 0x5B ? 0x5D : q
            var word: [UInt8] = []
            i += 1
            var closed = false
            while i < s.count {
                if s[i] == close {
                    if close != 0x5D, i + 1 < s.count, s[i + 1] == close { word.append(close); i += 2; continue }
                    i += 1; closed = true; break
                }
                word.append(s[i]); i += 1
            }
            guard closed else { throw DatabaseError(.error, "parse error in tokenize directive") }
            words.append(String(decoding: word, as: UTF8.self))
        } else {
            let start = i
            while i < s.count, !isSpace(s[i]) { i += 1 }
            words.append(String(decoding: s[start..<i], as: UTF8.self))
        }
    }
    return words
}
