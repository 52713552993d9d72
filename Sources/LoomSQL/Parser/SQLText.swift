// This file implements SQLText.isComplete, the behaviour of sqlite3_complete: does the text end
// a statement (a ';' outside strings, comments and CREATE TRIGGER bodies)?
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariant P8).

/// Helpers over raw SQL text.
package enum SQLText {
    private enum State { case start, normal, explain, create, trigger, semi, end }
    private enum Word { case semi, space, explain, create, temp, trigger, end, other }

    /// true when `sql` ends with a ';' that ends a statement (not inside a string, a quoted
    /// identifier, a comment or a CREATE TRIGGER body). `sqlite3_complete`, exactly.
    ///
    /// ```swift
    /// SQLText.isComplete("SELECT 1;")                                  // true
    /// SQLText.isComplete("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;")  // false
    /// ```
    package static func isComplete(_ sql: String) -> Bool {
        // Scanned in place (a copy of the text per call was an allocation per shell line).
        var sql = sql
        return sql.withUTF8 { isComplete(bytes: $0) }
    }

    private static func isComplete(bytes b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = Lexer.lengthBeforeNUL(b)
        var state = State.start
        var sawSemicolon = false
        var i = 0
        while i < n {
            if state == .normal {
                // Inside an ordinary statement only ';', quotes, brackets and comment starts
                // matter: skip everything else, eight bytes at a time while none of them is
                // significant, then byte by byte (most bytes of a shell line).
                if let base = b.baseAddress {
                    let raw = UnsafeRawPointer(base)
                    while i + 8 <= n, !hasSignificantByte(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                        i += 8
                    }
                }
                while i < n, !isSignificant(b[i]) { i += 1 }
                if i == n { break }
            }
            let c = b[i]
            var word = Word.other
            switch c {
            case UInt8(ascii: ";"):
                word = .semi; i += 1
            case 0x20, 0x09, 0x0A, 0x0C, 0x0D:
                word = .space; i += 1
            case UInt8(ascii: "/"):
                if i + 1 < n, b[i + 1] == UInt8(ascii: "*") {
                    var j = i + 2
                    while j + 1 < n, !(b[j] == UInt8(ascii: "*") && b[j + 1] == UInt8(ascii: "/")) { j += 1 }
                    if j + 1 >= n { return false }
                    i = j + 2
                    word = .space
                } else {
                    i += 1
                }
            case UInt8(ascii: "-"):
                if i + 1 < n, b[i + 1] == UInt8(ascii: "-") {
                    var j = i + 2
                    while j < n, b[j] != 0x0A { j += 1 }
                    if j >= n { return state == .start && sawSemicolon }
                    i = j + 1
                    word = .space
                } else {
                    i += 1
                }
            case UInt8(ascii: "["):
                var j = i + 1
                while j < n, b[j] != UInt8(ascii: "]") { j += 1 }
                if j >= n { return false }
                i = j + 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                var j = i + 1
                if let base = b.baseAddress {
                    // Eight bytes at a time to the closing quote (string literals are long).
                    let raw = UnsafeRawPointer(base)
                    while j + 8 <= n, !hasByte(raw.loadUnaligned(fromByteOffset: j, as: UInt64.self), c) { j += 8 }
                }
                while j < n, b[j] != c { j += 1 }
                if j >= n { return false }
                i = j + 1
            default:
                if Lexer.isIdentifierChar(c) {
                    var j = i + 1
                    while j < n, Lexer.isIdentifierChar(b[j]) { j += 1 }
                    // In .normal and .trigger every word but ';' keeps the state: no keyword
                    // comparison there (most words of a shell line).
                    if state != .normal && state != .trigger { word = keyword(b, i, j) }
                    i = j
                } else {
                    i += 1
                }
            }
            if word == .semi { sawSemicolon = true }
            state = next(state, word)
        }
        return state == .start && sawSemicolon
    }

    /// Whether any of the eight bytes in `w` is significant (`isSignificant`): for each such
    /// byte value v, the bytes of `w ^ v…v` that are zero are the bytes equal to v, and
    /// `(x - 0x01…01) & ~x & 0x80…80` is non-zero exactly when some byte of x is zero.
    @inline(__always) private static func hasSignificantByte(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 {
            let x = w ^ (v &* ones)
            return (x &- ones) & ~x
        }
        let found = zeroBytes(0x3B) | zeroBytes(0x27) | zeroBytes(0x22) | zeroBytes(0x60) | zeroBytes(0x5B)
            | zeroBytes(0x2D) | zeroBytes(0x2F)
        return found & 0x8080_8080_8080_8080 != 0
    }

    /// Whether some byte of `w` equals `c` (see `hasSignificantByte`).
    @inline(__always) private static func hasByte(_ w: UInt64, _ c: UInt8) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let x = w ^ (UInt64(c) &* ones)
        return (x &- ones) & ~x & 0x8080_8080_8080_8080 != 0
    }

    /// A byte that can change the state inside an ordinary statement: ';', a quote, '[', and
    /// the first byte of a comment ('-', '/').
    @inline(__always) private static func isSignificant(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: ";"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["),
             UInt8(ascii: "-"), UInt8(ascii: "/"): return true
        default: return false
        }
    }

    /// The word class of the identifier `b[i..<j]`, compared case-insensitively byte by byte
    /// (a lowercased String per word was 5% of a 200k-INSERT script).
    private static func keyword(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ j: Int) -> Word {
        func matches(_ word: StaticString) -> Bool {
            guard j - i == word.utf8CodeUnitCount else { return false }
            let w = word.utf8Start
            for k in 0..<(j - i) where b[i + k] | 0x20 != w[k] { return false }
            return true
        }
        switch j - i {
        case 3: return matches("end") ? .end : .other
        case 4: return matches("temp") ? .temp : .other
        case 6: return matches("create") ? .create : .other
        case 7: return matches("explain") ? .explain : matches("trigger") ? .trigger : .other
        case 9: return matches("temporary") ? .temp : .other
        default: return .other
        }
    }

    private static func next(_ s: State, _ w: Word) -> State {
        switch (s, w) {
        case (.start, .semi), (.start, .space): return .start
        case (.start, .explain): return .explain
        case (.start, .create): return .create
        case (.start, _): return .normal
        case (.normal, .semi): return .start
        case (.normal, _): return .normal
        case (.explain, .semi): return .start
        case (.explain, .space): return .explain
        case (.explain, .create): return .create
        case (.explain, _): return .normal
        case (.create, .semi): return .start
        case (.create, .space), (.create, .temp): return .create
        case (.create, .trigger): return .trigger
        case (.create, _): return .normal
        case (.trigger, .semi): return .semi
        case (.trigger, _): return .trigger
        case (.semi, .semi), (.semi, .space): return .semi
        case (.semi, .end): return .end
        case (.semi, _): return .trigger
        case (.end, .semi): return .start
        case (.end, .space): return .end
        case (.end, _): return .trigger
        }
    }
}
