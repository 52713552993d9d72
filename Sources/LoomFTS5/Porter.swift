// This file implements the porter tokenizer: Martin Porter's 1980 stemming algorithm applied
// to every token another tokenizer produces.
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Tokenizers.

/// Wraps another tokenizer and stems its tokens. Tokens shorter than 3 or longer than 64
/// bytes pass through unchanged, as do the bytes SQLite's stemmer treats as consonants.
package struct PorterTokenizer: Tokenizer {
    package let inner: any Tokenizer
    package init(inner: any Tokenizer) { self.inner = inner }

    package func tokenize(_ text: [UInt8], reason: TokenizeReason, _ emit: (Token) throws -> Void) rethrows {
        try inner.tokenize(text, reason: reason) { tok in
            var t = tok
            if t.bytes.count >= 3 && t.bytes.count <= 64 { t.bytes = PorterStemmer.stem(t.bytes) }
            try emit(t)
        }
    }
}

/// The Porter stemmer on a byte string (ASCII lowercase letters carry meaning; every other
/// byte counts as a consonant).
package enum PorterStemmer {
    private static func isVowelLetter(_ b: UInt8) -> Bool {
        b == 0x61 || b == 0x65 || b == 0x69 || b == 0x6F || b == 0x75
    }

    /// True when w[i] is a consonant in Porter's sense (y after a consonant is a vowel).
    private static func isConsonant(_ w: [UInt8], _ i: Int) -> Bool {
        let b = w[i]
        if isVowelLetter(b) { return false }
        if b == 0x79 { return i == 0 ? true : !isConsonant(w, i - 1) }
        return true
    }

    /// The measure m of w[0..<n]: the number of VC sequences.
    private static func measure(_ w: [UInt8], _ n: Int) -> Int {
        var i = 0
        while i < n, isConsonant(w, i) { i += 1 }
        var m = 0
        while i < n {
            while i < n, !isConsonant(w, i) { i += 1 }
            guard i < n else { break }
            m += 1
            while i < n, isConsonant(w, i) { i += 1 }
        }
        return m
    }

    private static func hasVowel(_ w: [UInt8], _ n: Int) -> Bool {
        for i in 0..<n where !isConsonant(w, i) { return true }
        return false
    }

    /// *d: the stem ends in a double consonant.
    private static func endsDoubleConsonant(_ w: [UInt8], _ n: Int) -> Bool {
        n >= 2 && w[n - 1] == w[n - 2] && isConsonant(w, n - 1)
    }

    /// *o: the stem ends cvc where the final c is not w, x or y.
    private static func endsCVC(_ w: [UInt8], _ n: Int) -> Bool {
        guard n >= 3, isConsonant(w, n - 1), !isConsonant(w, n - 2), isConsonant(w, n - 3) else { return false }
        let last = w[n - 1]
        return last != 0x77 && last != 0x78 && last != 0x79
    }

    @inline(__always)
    private static func ends(_ w: [UInt8], _ s: [UInt8]) -> Bool {
        let n = w.count, k = s.count
        guard n >= k else { return false }
        var i = 0
        while i < k {
            if w[n - k + i] != s[i] { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    private static func ends(_ w: [UInt8], _ suffix: StaticString) -> Bool {
        let k = suffix.utf8CodeUnitCount
        let n = w.count
        guard n >= k else { return false }
        let p = suffix.utf8Start
        var i = 0
        while i < k {
            if w[n - k + i] != p[i] { return false }
            i += 1
        }
        return true
    }

    private static func m0(_ w: [UInt8], _ n: Int) -> Bool { measure(w, n) > 0 }

    private static func bytes(_ rules: [(String, String)]) -> [([UInt8], [UInt8])] {
        rules.map { (Array($0.0.utf8), Array($0.1.utf8)) }
    }

    /// Step 2 and step 3 rules (suffix, replacement), tried in order; the first suffix that
    /// matches decides (the rule fires when the stem's measure is > 0).
    private static let step2Rules = bytes([
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
        ("logi", "log"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
        ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ])
    private static let step3Rules = bytes([
        ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
    ])
    /// Step 4 suffixes, longest first.
    private static let step4Suffixes: [[UInt8]] = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement",
                                                  "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"]
        .sorted(by: { $0.utf8.count > $1.utf8.count }).map { Array($0.utf8) }
    private static let ion: [UInt8] = Array("ion".utf8)

    /// Applies the first rule of `rules` whose suffix matches (when the stem's measure > 0).
    private static func firstMatch(_ w: inout [UInt8], _ rules: [([UInt8], [UInt8])]) {
        for (s, r) in rules where ends(w, s) {
            let stemLen = w.count - s.count
            if measure(w, stemLen) > 0 {
                w.removeLast(s.count)
                w.append(contentsOf: r)
            }
            return
        }
    }

    package static func stem(_ input: [UInt8]) -> [UInt8] {
        var w = input
        // Step 1a
        if ends(w, "sses") { w.removeLast(2) }
        else if ends(w, "ies") { w.removeLast(2) }
        else if ends(w, "ss") {}
        else if ends(w, "s") { w.removeLast() }
        // Step 1b
        var step1bExtra = false
        if ends(w, "eed") {
            if measure(w, w.count - 3) > 0 { w.removeLast() }
        } else if ends(w, "ed"), hasVowel(w, w.count - 2) {
            w.removeLast(2); step1bExtra = true
        } else if ends(w, "ing"), hasVowel(w, w.count - 3) {
            w.removeLast(3); step1bExtra = true
        }
        if step1bExtra {
            if ends(w, "at") || ends(w, "bl") || ends(w, "iz") {
                w.append(0x65)
            } else if endsDoubleConsonant(w, w.count) {
                let last = w[w.count - 1]
                if last != 0x6C && last != 0x73 && last != 0x7A { w.removeLast() }
            } else if measure(w, w.count) == 1 && endsCVC(w, w.count) {
                w.append(0x65)
            }
        }
        // Step 1c
        if ends(w, "y"), hasVowel(w, w.count - 1) { w[w.count - 1] = 0x69 }
        // Step 2, step 3 (only words ending in one of their suffixes' last letters can match)
        if let last = w.last {
            if last == 0x6C || last == 0x69 || last == 0x72 || last == 0x6D || last == 0x6E || last == 0x73 || last == 0x67 {
                firstMatch(&w, step2Rules)
            }
        }
        if let last = w.last, last == 0x65 || last == 0x69 || last == 0x6C || last == 0x73 {
            firstMatch(&w, step3Rules)
        }
        // Step 4
        for suffix in step4Suffixes where ends(w, suffix) {
            let stemLen = w.count - suffix.count
            var ok = measure(w, stemLen) > 1
            if suffix == ion { ok = ok && stemLen > 0 && (w[stemLen - 1] == 0x73 || w[stemLen - 1] == 0x74) }
            if ok { w.removeLast(suffix.count) }
            break
        }
        // Step 5a
        if ends(w, "e") {
            let n = w.count - 1
            let m = measure(w, n)
            if m > 1 || (m == 1 && !endsCVC(w, n)) { w.removeLast() }
        }
        // Step 5b
        if measure(w, w.count) > 1 && endsDoubleConsonant(w, w.count) && w[w.count - 1] == 0x6C { w.removeLast() }
        return w
    }
}
