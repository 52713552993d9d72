// This file implements the SQL tokenizer: SQLite's token rules over the UTF-8 bytes of the SQL.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariants L1-L6).

/// Splits SQL text into tokens exactly as SQLite's tokenizer does (observed from sqlite3 3.40.1).
///
/// ```swift
/// let lexer = Lexer(sql: "SELECT 1")
/// let t = lexer.token(at: 0)   // .keyword(.select), 0..<6
/// ```
/// The rules themselves are `Lexer.token(in:at:)` over a buffer of bytes (the parser lexes its
/// own copy of the text through a pointer, see `SQLBytes`).
package struct Lexer: Sendable {
    package let bytes: [UInt8]

    /// The SQL ends at its first NUL byte, as a C string does for SQLite.
    package init(sql: String) { bytes = Lexer.bytesBeforeNUL(sql) }

    /// The UTF-8 bytes of `sql` up to its first NUL (one contiguous copy when the string is
    /// native; the generic `prefix(while:)` copy was 2% of a 200k-INSERT script).
    package static func bytesBeforeNUL(_ sql: String) -> [UInt8] {
        if let fast = sql.utf8.withContiguousStorageIfAvailable({ buffer -> [UInt8] in
            Array(buffer[0..<Lexer.lengthBeforeNUL(buffer)])
        }) { return fast }
        return Array(sql.utf8.prefix { $0 != 0 })
    }
    package init(bytes: [UInt8]) { self.bytes = Array(bytes.prefix { $0 != 0 }) }

    /// The index of the first NUL in `b` (its count when there is none), eight bytes per step.
    package static func lengthBeforeNUL(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = b.baseAddress else { return 0 }
        let n = b.count
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Some byte of w is zero exactly when this is non-zero (the classic SWAR test).
            if (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n, base[i] != 0 { i += 1 }
        return i
    }

    /// The token that starts at byte `position` (whitespace and comments are `.space` tokens;
    /// at or past the end, `.end`). Never returns an empty token except `.end`.
    package func token(at position: Int) -> Token {
        bytes.withUnsafeBufferPointer { Lexer.token(in: $0, at: position) }
    }

    /// The token that starts at byte `position` of `bytes` (the whole text: it ends there).
    package static func token(in bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Token {
        let n = bytes.count
        guard position < n else { return Token(kind: .end, start: n, end: n) }
        let p = position
        let c = bytes[p]
        func at(_ i: Int) -> UInt8 { i < n ? bytes[i] : 0 }
        func tok(_ k: TokenKind, _ len: Int) -> Token { Token(kind: k, start: p, end: p + len) }

        switch c {
        case 0x20, 0x09, 0x0A, 0x0C, 0x0D:
            var i = p + 1
            while i < n, Lexer.isSpace(bytes[i]) { i += 1 }
            return Token(kind: .space, start: p, end: i)
        case UInt8(ascii: "-"):
            let d = at(p + 1)
            if d == UInt8(ascii: "-") {
                var i = p + 2
                while i < n, bytes[i] != 0x0A { i += 1 }
                return Token(kind: .space, start: p, end: i)
            }
            if d == UInt8(ascii: ">") { return tok(.pointer, at(p + 2) == UInt8(ascii: ">") ? 3 : 2) }
            return tok(.minus, 1)
        case UInt8(ascii: "("): return tok(.leftParen, 1)
        case UInt8(ascii: ")"): return tok(.rightParen, 1)
        case UInt8(ascii: ";"): return tok(.semicolon, 1)
        case UInt8(ascii: "+"): return tok(.plus, 1)
        case UInt8(ascii: "*"): return tok(.star, 1)
        case UInt8(ascii: "%"): return tok(.percent, 1)
        case UInt8(ascii: ","): return tok(.comma, 1)
        case UInt8(ascii: "&"): return tok(.bitAnd, 1)
        case UInt8(ascii: "~"): return tok(.bitNot, 1)
        case UInt8(ascii: "/"):
            guard at(p + 1) == UInt8(ascii: "*") else { return tok(.slash, 1) }
            var i = p + 2
            while i < n {
                if bytes[i] == UInt8(ascii: "*"), at(i + 1) == UInt8(ascii: "/") { i += 2; break }
                i += 1
            }
            return Token(kind: .space, start: p, end: min(i, n))
        case UInt8(ascii: "="):
            return tok(.equal, at(p + 1) == UInt8(ascii: "=") ? 2 : 1)
        case UInt8(ascii: "<"):
            switch at(p + 1) {
            case UInt8(ascii: "="): return tok(.lessEqual, 2)
            case UInt8(ascii: ">"): return tok(.notEqual, 2)
            case UInt8(ascii: "<"): return tok(.shiftLeft, 2)
            default: return tok(.less, 1)
            }
        case UInt8(ascii: ">"):
            switch at(p + 1) {
            case UInt8(ascii: "="): return tok(.greaterEqual, 2)
            case UInt8(ascii: ">"): return tok(.shiftRight, 2)
            default: return tok(.greater, 1)
            }
        case UInt8(ascii: "!"):
            return at(p + 1) == UInt8(ascii: "=") ? tok(.notEqual, 2) : tok(.illegal, 1)
        case UInt8(ascii: "|"):
            return at(p + 1) == UInt8(ascii: "|") ? tok(.concat, 2) : tok(.bitOr, 1)
        case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
            var i = p + 1
            while i < n {
                if bytes[i] == c {
                    if at(i + 1) == c { i += 2; continue }
                    let kind: TokenKind = c == UInt8(ascii: "'") ? .string : .identifier
                    return Token(kind: kind, start: p, end: i + 1, quote: c == UInt8(ascii: "'") ? 0 : c)
                }
                i += 1
            }
            return Token(kind: .illegal, start: p, end: n)
        case UInt8(ascii: "."):
            if Lexer.isDigit(at(p + 1)) { return number(bytes, at: p) }
            return tok(.dot, 1)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number(bytes, at: p)
        case UInt8(ascii: "["):
            var i = p + 1
            while i < n, bytes[i] != UInt8(ascii: "]") { i += 1 }
            if i < n { return Token(kind: .identifier, start: p, end: i + 1, quote: c) }
            return Token(kind: .illegal, start: p, end: n)
        case UInt8(ascii: "?"):
            var i = p + 1
            while i < n, Lexer.isDigit(bytes[i]) { i += 1 }
            return Token(kind: .variable, start: p, end: i)
        case UInt8(ascii: "#"):
            if Lexer.isDigit(at(p + 1)) {
                var i = p + 1
                while i < n, Lexer.isDigit(bytes[i]) { i += 1 }
                return Token(kind: .register, start: p, end: i)
            }
            return namedVariable(bytes, at: p)
        case UInt8(ascii: "$"), UInt8(ascii: "@"), UInt8(ascii: ":"):
            return namedVariable(bytes, at: p)
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            if at(p + 1) == UInt8(ascii: "'") {
                var i = p + 2
                while i < n, Lexer.isHexDigit(bytes[i]) { i += 1 }
                if i < n, bytes[i] == UInt8(ascii: "'"), (i - p - 2) % 2 == 0 {
                    return Token(kind: .blob, start: p, end: i + 1)
                }
                while i < n, bytes[i] != UInt8(ascii: "'") { i += 1 }
                return Token(kind: .illegal, start: p, end: min(i + 1, n))
            }
            return word(bytes, at: p)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            return word(bytes, at: p)
        default:
            if Lexer.isIdentifierStart(c) { return word(bytes, at: p) }
            return tok(.illegal, 1)
        }
    }

    /// A bare word: a keyword or an identifier. The keyword's packed spelling (see
    /// `Keyword.lookup(packed:_:)`) is built in the same pass that finds the word's end.
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, at p: Int) -> Token {
        let n = bytes.count
        var i = p
        var a: UInt64 = 0, b: UInt64 = 0
        var letters = true
        let classes = Lexer.wordClasses
        while i < n {
            let v = classes[Int(bytes[i])]
            if v == 0 { break }
            if v == 32 {
                letters = false
            } else if i - p < 12 {
                a = a << 5 | UInt64(v)
            } else {
                b = b << 5 | UInt64(v)
            }
            i += 1
        }
        let length = i - p
        if letters, length >= 2, length <= 17, let k = Keyword.lookup(packed: a, b) {
            return Token(kind: .keyword(k), start: p, end: i)
        }
        return Token(kind: .identifier, start: p, end: i)
    }

    /// `$name`, `@name`, `:name`, `#name`; `$` and others also take `::` pairs and a
    /// parenthesised suffix without whitespace (Tcl style), as SQLite does.
    private static func namedVariable(_ bytes: UnsafeBufferPointer<UInt8>, at p: Int) -> Token {
        let n = bytes.count
        var i = p + 1
        var count = 0
        while i < n {
            let c = bytes[i]
            if Lexer.isIdentifierChar(c) { count += 1; i += 1; continue }
            if c == UInt8(ascii: "("), count > 0 {
                var j = i + 1
                while j < n, bytes[j] != UInt8(ascii: ")"), !Lexer.isSpace(bytes[j]) { j += 1 }
                if j < n, bytes[j] == UInt8(ascii: ")") { return Token(kind: .variable, start: p, end: j + 1) }
                return Token(kind: .illegal, start: p, end: j < n ? j : n)
            }
            if c == UInt8(ascii: ":"), i + 1 < n, bytes[i + 1] == UInt8(ascii: ":") { i += 2; continue }
            break
        }
        return Token(kind: count == 0 ? .illegal : .variable, start: p, end: count == 0 ? p + 1 : i)
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, at p: Int) -> Token {
        let n = bytes.count
        func at(_ i: Int) -> UInt8 { i < n ? bytes[i] : 0 }
        var i = p
        if bytes[p] == UInt8(ascii: "0"), at(p + 1) | 0x20 == UInt8(ascii: "x"), Lexer.isHexDigit(at(p + 2)) {
            i = p + 3
            while i < n, Lexer.isHexDigit(bytes[i]) { i += 1 }
            return Token(kind: .integer, start: p, end: i)
        }
        var kind = TokenKind.integer
        while i < n, Lexer.isDigit(bytes[i]) { i += 1 }
        if at(i) == UInt8(ascii: ".") {
            kind = .float
            i += 1
            while i < n, Lexer.isDigit(bytes[i]) { i += 1 }
        }
        if at(i) | 0x20 == UInt8(ascii: "e") {
            if Lexer.isDigit(at(i + 1)) {
                kind = .float; i += 2
                while i < n, Lexer.isDigit(bytes[i]) { i += 1 }
            } else if (at(i + 1) == UInt8(ascii: "+") || at(i + 1) == UInt8(ascii: "-")), Lexer.isDigit(at(i + 2)) {
                kind = .float; i += 3
                while i < n, Lexer.isDigit(bytes[i]) { i += 1 }
            }
        }
        if i < n, Lexer.isIdentifierChar(bytes[i]) {
            while i < n, Lexer.isIdentifierChar(bytes[i]) { i += 1 }
            return Token(kind: .illegal, start: p, end: i)
        }
        return Token(kind: kind, start: p, end: i)
    }

    /// Per byte: 0 when it ends a word, 1…26 for a letter (either case), 27 for `_` (the
    /// keyword packing's codes), 32 for another identifier character (digit, `$`, ≥ 0x80).
    /// Built once, never freed (unsafe, fenced here: a global array was retained and released
    /// per word).
    nonisolated(unsafe) private static let wordClasses: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for c in 0..<256 {
            let b = UInt8(c)
            if (b | 0x20) &- 0x61 < 26 {
                t[c] = (b | 0x20) &- 0x60
            } else if b == UInt8(ascii: "_") {
                t[c] = 27
            } else {
                t[c] = isIdentifierChar(b) ? 32 : 0
            }
        }
        return UnsafePointer(t)
    }()

    // MARK: character classes (SQLite's, ASCII only; bytes ≥ 0x80 are identifier characters)

    @inline(__always) package static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D
    }
    @inline(__always) package static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) package static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (c | 0x20) &- 0x61 < 6
    }
    @inline(__always) package static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c | 0x20) &- 0x61 < 26 || c == UInt8(ascii: "_") || c >= 0x80
    }
    @inline(__always) package static func isIdentifierChar(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || isDigit(c) || c == UInt8(ascii: "$")
    }
}
