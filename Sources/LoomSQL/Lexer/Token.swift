// This file implements Token and TokenKind, the lexer's output: a kind and a UTF-8 byte span.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser".

/// What a token is. Operators get their own cases; `=`/`==` are both `.equal`,
/// `!=`/`<>` both `.notEqual`, `->`/`->>` both `.pointer` (tell them apart by length).
package enum TokenKind: Hashable, Sendable {
    /// Whitespace or a comment.
    case space
    /// A bare word that is not a keyword, or a quoted identifier ("x", `x`, [x]).
    case identifier
    case keyword(Keyword)
    /// '…'
    case string
    /// x'…'
    case blob
    case integer
    case float
    /// ?, ?NNN, :name, @name, $name, #name
    case variable
    /// `#` followed by digits: valid only inside SQLite itself, a syntax error for users.
    case register
    /// A byte sequence SQLite cannot tokenize ("unrecognized token").
    case illegal
    case semicolon, leftParen, rightParen, comma, dot
    case plus, minus, star, slash, percent, concat, pointer
    case equal, notEqual, less, lessEqual, greater, greaterEqual
    case bitAnd, bitOr, shiftLeft, shiftRight, bitNot
    /// End of input.
    case end
}

/// A token: its kind and its UTF-8 byte range in the SQL. `quote` is the opening quote byte
/// of a quoted identifier (", `, [) or 0.
package struct Token: Hashable, Sendable {
    package var kind: TokenKind
    package var start: Int
    package var end: Int
    package var quote: UInt8
    package init(kind: TokenKind, start: Int, end: Int, quote: UInt8 = 0) {
        self.kind = kind; self.start = start; self.end = end; self.quote = quote
    }
    package var span: SourceSpan { SourceSpan(start: start, end: end) }
}
