// This file implements the unicode61, ascii and trigram tokenizers and the Unicode lookups
// they share (category, case folding, diacritic removal) over UnicodeTables.swift.
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Tokenizers.
import LoomBase

/// Lookups over the generated tables.
package enum UnicodeData {
    /// The index into `unicodeCategoryNames` of `cp`'s general category.
    package static func category(_ cp: UInt32) -> Int {
        let key = cp << 5 | 31
        var lo = 0, hi = unicodeCategoryRuns.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if unicodeCategoryRuns[mid] <= key { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? 2 : Int(unicodeCategoryRuns[lo - 1] & 31)
    }

    private static func lookup(_ table: [UInt64], _ cp: UInt32) -> UInt32? {
        var lo = 0, hi = table.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let k = UInt32(truncatingIfNeeded: table[mid] >> 32)
            if k == cp { return UInt32(truncatingIfNeeded: table[mid]) }
            if k < cp { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Folds `cp` (lower case, then diacritics removed when `removeDiacritics` is 1 or 2).
    /// Returns 0 when the code point folds away (a combining diacritic).
    package static func fold(_ cp: UInt32, removeDiacritics: Int) -> UInt32 {
        if cp < 0x80 { return (cp >= 0x41 && cp <= 0x5A) ? cp + 32 : cp }
        if removeDiacritics == 1, let v = lookup(unicodeStrip1, cp) { return v }
        if removeDiacritics == 2, let v = lookup(unicodeStrip2, cp) { return v }
        return lookup(unicodeFold, cp) ?? cp
    }

    package static func isContinuer(_ cp: UInt32) -> Bool { unicodeTokenContinuers.contains(cp) }

    /// The category set a `categories` option names ("L* N* Co"); nil when a name is unknown.
    package static func categorySet(_ spec: String) -> [Bool]? {
        var set = [Bool](repeating: false, count: unicodeCategoryNames.count)
        for word in spec.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let w = Array(word.utf8)
            guard w.count == 2 else { return nil }
            var matched = false
            for (i, name) in unicodeCategoryNames.enumerated() {
                let n = Array(name.utf8)
                if n[0] == w[0] && (w[1] == 0x2A || n[1] == w[1]) { set[i] = true; matched = true }
            }
            if !matched { return nil }
        }
        return set
    }
}

/// Parses alternating option names and values, rejecting an odd count.
private func optionPairs(_ options: [String]) throws -> [(String, String)] {
    guard options.count % 2 == 0 else { throw DatabaseError(.error, "error in tokenizer constructor") }
    return stride(from: 0, to: options.count, by: 2).map { (options[$0], options[$0 + 1]) }
}

private func codePoints(_ s: String) -> [UInt32] { s.unicodeScalars.map { $0.value } }

/// The unicode61 tokenizer: runs of letters, numbers and private-use characters, case folded,
/// with Latin diacritics removed by default.
package struct Unicode61Tokenizer: Tokenizer {
    package var removeDiacritics = 1
    /// Whether each category index is a token category.
    var categories: [Bool]
    var tokenChars: Set<UInt32> = []
    var separators: Set<UInt32> = []
    /// isTokenChar for ASCII, precomputed.
    var asciiToken: [Bool] = []

    package init(options: [String]) throws {
        guard let defaults = UnicodeData.categorySet("L* N* Co") else { preconditionFailure("category table") }
        categories = defaults
        for (k, v) in try optionPairs(options) {
            switch k {
            case "remove_diacritics":
                guard v == "0" || v == "1" || v == "2" else { throw DatabaseError(.error, "error in tokenizer constructor") }
                removeDiacritics = Int(v) ?? 1
            case "tokenchars": tokenChars.formUnion(codePoints(v))
            case "separators": separators.formUnion(codePoints(v))
            case "categories":
                guard let set = UnicodeData.categorySet(v) else { throw DatabaseError(.error, "error in tokenizer constructor") }
                categories = set
            default: throw DatabaseError(.error, "error in tokenizer constructor")
            }
        }
        tokenChars.subtract(separators)
        asciiToken = (0..<128).map { isTokenCharSlow(UInt32($0)) }
    }

    @inline(__always)
    func isTokenChar(_ cp: UInt32) -> Bool {
        if cp < 0x80 { return asciiToken[Int(cp)] }
        return isTokenCharSlow(cp)
    }

    func isTokenCharSlow(_ cp: UInt32) -> Bool {
        if !tokenChars.isEmpty, tokenChars.contains(cp) { return true }
        if !separators.isEmpty, separators.contains(cp) { return false }
        let c = UnicodeData.category(cp)
        return c == 2 || categories[c]
    }

    package func tokenize(_ text: [UInt8], reason: TokenizeReason, _ emit: (Token) throws -> Void) rethrows {
        var i = 0
        var buf: [UInt8] = []
        while i < text.count {
            // Skip separators.
            var start = i
            var cp: UInt32 = 0
            while i < text.count {
                start = i
                cp = decodeUTF8(text, &i)
                if isTokenChar(cp) { break }
                start = text.count
            }
            guard start < text.count else { break }
            buf.removeAll(keepingCapacity: true)
            var end = i
            while true {
                if cp < 0x80 {
                    buf.append(cp >= 0x41 && cp <= 0x5A ? UInt8(cp + 32) : UInt8(cp))
                } else {
                    let f = UnicodeData.fold(cp, removeDiacritics: removeDiacritics)
                    if f != 0 { appendUTF8(f, to: &buf) }
                }
                end = i
                guard i < text.count else { break }
                let b = text[i]
                if b < 0x80 {
                    // ASCII: a token byte continues, anything else ends the token.
                    guard asciiToken[Int(b)] else { break }
                    cp = UInt32(b)
                    i += 1
                    continue
                }
                var j = i
                let next = decodeUTF8(text, &j)
                guard isTokenChar(next) || (UnicodeData.isContinuer(next) && !separators.contains(next)) else { break }
                cp = next
                i = j
            }
            try emit(Token(bytes: buf, start: start, end: end))
        }
    }
}

/// The ascii tokenizer: runs of ASCII letters and digits plus every non-ASCII byte; folds
/// ASCII only.
package struct AsciiTokenizer: Tokenizer {
    var isToken: [Bool] = (0..<128).map { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    package init(options: [String]) throws {
        for (k, v) in try optionPairs(options) {
            switch k {
            case "tokenchars": for b in v.utf8 where b < 0x80 { isToken[Int(b)] = true }
            case "separators": for b in v.utf8 where b < 0x80 { isToken[Int(b)] = false }
            default: throw DatabaseError(.error, "error in tokenizer constructor")
            }
        }
    }

    package func tokenize(_ text: [UInt8], reason: TokenizeReason, _ emit: (Token) throws -> Void) rethrows {
        var i = 0
        func tok(_ b: UInt8) -> Bool { b >= 0x80 || isToken[Int(b)] }
        while i < text.count {
            while i < text.count, !tok(text[i]) { i += 1 }
            guard i < text.count else { break }
            let start = i
            var buf: [UInt8] = []
            while i < text.count, tok(text[i]) {
                let b = text[i]
                buf.append(b >= 0x41 && b <= 0x5A ? b + 32 : b)
                i += 1
            }
            try emit(Token(bytes: buf, start: start, end: i))
        }
    }
}

/// The trigram tokenizer: every run of three consecutive characters is a token.
package struct TrigramTokenizer: Tokenizer {
    package var caseSensitive = false

    package init(options: [String]) throws {
        for (k, v) in try optionPairs(options) {
            switch k {
            case "case_sensitive":
                guard v == "0" || v == "1" else { throw DatabaseError(.error, "error in tokenizer constructor") }
                caseSensitive = v == "1"
            default: throw DatabaseError(.error, "error in tokenizer constructor")
            }
        }
    }

    package func tokenize(_ text: [UInt8], reason: TokenizeReason, _ emit: (Token) throws -> Void) rethrows {
        var chars: [(cp: UInt32, start: Int, end: Int)] = []
        var i = 0
        while i < text.count {
            let s = i
            var cp = decodeUTF8(text, &i)
            if !caseSensitive { cp = UnicodeData.fold(cp, removeDiacritics: 0) }
            chars.append((cp, s, i))
        }
        guard chars.count >= 3 else { return }
        for k in 0...(chars.count - 3) {
            var buf: [UInt8] = []
            for j in k..<(k + 3) { appendUTF8(chars[j].cp, to: &buf) }
            try emit(Token(bytes: buf, start: chars[k].start, end: chars[k + 2].end))
        }
    }
}
