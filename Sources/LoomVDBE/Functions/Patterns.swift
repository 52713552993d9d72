// This file implements LIKE (case-insensitive for ASCII, with ESCAPE) and GLOB matching.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).

@inline(__always)
private func foldASCII(_ v: UInt32) -> UInt32 {
    v >= 0x41 && v <= 0x5A ? v | 0x20 : v
}

/// `string LIKE pattern [ESCAPE escape]`: '%' any run, '_' any one character; ASCII letters
/// match case-insensitively unless `caseSensitive` (PRAGMA case_sensitive_like).
func likeMatch(pattern: [Unicode.Scalar], string: [Unicode.Scalar], escape: Unicode.Scalar?,
               caseSensitive: Bool = false) -> Bool {
    let p = pattern.map(\.value), s = string.map(\.value)
    return p.withUnsafeBufferPointer { pb in
        s.withUnsafeBufferPointer { sb in likeMatch(pb, sb, escape: escape?.value, caseSensitive: caseSensitive) }
    }
}

/// LIKE on two TEXT values: their scalars go to temporary (stack) buffers, so a LIKE per row
/// allocates nothing (building two `[Unicode.Scalar]` per call was ~10% of speedtest1's
/// LIKE scans).
func likeMatchText(pattern: String, string: String, escape: Unicode.Scalar?, caseSensitive: Bool) -> Bool {
    withScalarValues(pattern) { p in
        withScalarValues(string) { s in likeMatch(p, s, escape: escape?.value, caseSensitive: caseSensitive) }
    }
}

/// Calls `body` with the scalar values of `text` in a temporary buffer.
private func withScalarValues<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
    // A string has at most one scalar per UTF-8 byte.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: max(text.utf8.count, 1)) { buffer in
        var n = 0
        for u in text.unicodeScalars where n < buffer.count {
            buffer[n] = u.value
            n += 1
        }
        return body(UnsafeBufferPointer(rebasing: buffer[0 ..< n]))
    }
}

/// The LIKE matcher over scalar values.
func likeMatch(_ pattern: UnsafeBufferPointer<UInt32>, _ string: UnsafeBufferPointer<UInt32>, escape: UInt32?,
               caseSensitive: Bool) -> Bool {
    let pEnd = pattern.count, sEnd = string.count
    let percent: UInt32 = 0x25, underscore: UInt32 = 0x5F
    func same(_ a: UInt32, _ b: UInt32) -> Bool {
        caseSensitive ? a == b : foldASCII(a) == foldASCII(b)
    }
    func match(_ pi: Int, _ si: Int) -> Bool {
        var p = pi, s = si
        while p < pEnd {
            let c = pattern[p]
            if c == percent && escape != percent {
                // Collapse runs of % and _.
                var q = p
                var needed = 0
                while q < pEnd, pattern[q] == percent || pattern[q] == underscore, pattern[q] != escape {
                    if pattern[q] == underscore { needed += 1 }
                    q += 1
                }
                s += needed
                if s > sEnd { return false }
                if q == pEnd { return true }
                while s <= sEnd {
                    if match(q, s) { return true }
                    s += 1
                }
                return false
            }
            if c == underscore && escape != underscore {
                if s >= sEnd { return false }
                p += 1; s += 1
                continue
            }
            var literal = c
            if let escape, c == escape {
                p += 1
                if p >= pEnd { return false }
                literal = pattern[p]
            }
            if s >= sEnd || !same(string[s], literal) { return false }
            p += 1; s += 1
        }
        return s == sEnd
    }
    return match(0, 0)
}

/// `string GLOB pattern`: '*' any run, '?' any one character, '[...]' a set (ranges,
/// leading '^' negates); case-sensitive.
func globMatch(pattern: [Unicode.Scalar], string: [Unicode.Scalar]) -> Bool {
    func matchSet(_ p: inout Int, _ ch: Unicode.Scalar) -> Bool? {
        // p points just after '['. Returns nil for a malformed set.
        var negate = false
        if p < pattern.count, pattern[p] == "^" { negate = true; p += 1 }
        var seen = false
        var first = true
        var prev: Unicode.Scalar? = nil
        while p < pattern.count {
            let c = pattern[p]
            if c == "]" && !first { p += 1; return seen != negate }
            if c == "-", let lo = prev, p + 1 < pattern.count, pattern[p + 1] != "]" {
                let hi = pattern[p + 1]
                if ch.value >= lo.value && ch.value <= hi.value { seen = true }
                prev = nil
                p += 2
            } else {
                if c == ch { seen = true }
                prev = c
                p += 1
            }
            first = false
        }
        return nil
    }
    func match(_ pi: Int, _ si: Int) -> Bool {
        var p = pi, s = si
        while p < pattern.count {
            let c = pattern[p]
            switch c {
            case "*":
                while p < pattern.count, pattern[p] == "*" || pattern[p] == "?" {
                    if pattern[p] == "?" { if s >= string.count { return false }; s += 1 }
                    p += 1
                }
                if p == pattern.count { return true }
                while s <= string.count {
                    if match(p, s) { return true }
                    s += 1
                }
                return false
            case "?":
                if s >= string.count { return false }
                p += 1; s += 1
            case "[":
                if s >= string.count { return false }
                var q = p + 1
                guard let ok = matchSet(&q, string[s]), ok else { return false }
                p = q; s += 1
            default:
                if s >= string.count || string[s] != c { return false }
                p += 1; s += 1
            }
        }
        return s == string.count
    }
    return match(0, 0)
}
