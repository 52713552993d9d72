// This file implements LIKE (case-insensitive for ASCII, with ESCAPE) and GLOB matching.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).

/// A character of a LIKE operand: a Unicode scalar, or a byte of all-ASCII UTF-8 text
/// (the allocation-free path: the same code units either way).
protocol PatternUnit { var code: UInt32 { get } }
extension Unicode.Scalar: PatternUnit { var code: UInt32 { value } }
extension UInt8: PatternUnit { var code: UInt32 { UInt32(self) } }

@inline(__always)
private func foldASCII(_ v: UInt32) -> UInt32 {
    v >= 0x41 && v <= 0x5A ? v | 0x20 : v
}

/// `string LIKE pattern [ESCAPE escape]`: '%' any run, '_' any one character; ASCII letters
/// match case-insensitively unless `caseSensitive` (PRAGMA case_sensitive_like).
func likeMatch(pattern: [Unicode.Scalar], string: [Unicode.Scalar], escape: Unicode.Scalar?,
               caseSensitive: Bool = false) -> Bool {
    likeMatch(pattern, string, escape: escape?.value, caseSensitive: caseSensitive)
}

/// LIKE over two sequences of the same kind of unit (scalars, or bytes of ASCII text).
func likeMatch<C: RandomAccessCollection>(_ pattern: C, _ string: C, escape: UInt32?,
                                          caseSensitive: Bool) -> Bool
where C.Element: PatternUnit, C.Index == Int {
    let pStart = pattern.startIndex, pEnd = pattern.endIndex
    let sStart = string.startIndex, sEnd = string.endIndex
    let percent: UInt32 = 0x25, underscore: UInt32 = 0x5F
    func same(_ a: UInt32, _ b: UInt32) -> Bool {
        caseSensitive ? a == b : foldASCII(a) == foldASCII(b)
    }
    func match(_ pi: Int, _ si: Int) -> Bool {
        var p = pi, s = si
        while p < pEnd {
            let c = pattern[p].code
            if c == percent && escape != percent {
                // Collapse runs of % and _.
                var q = p
                var needed = 0
                while q < pEnd, pattern[q].code == percent || pattern[q].code == underscore, pattern[q].code != escape {
                    if pattern[q].code == underscore { needed += 1 }
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
                literal = pattern[p].code
            }
            if s >= sEnd || !same(string[s].code, literal) { return false }
            p += 1; s += 1
        }
        return s == sEnd
    }
    return match(pStart, sStart)
}

/// LIKE on two TEXT values whose UTF-8 is all ASCII (and an ASCII or absent escape), matched
/// byte by byte without building scalar arrays; nil when that does not apply.
func likeMatchASCII(pattern: String, string: String, escape: Unicode.Scalar?, caseSensitive: Bool) -> Bool? {
    if let escape, !escape.isASCII { return nil }
    var p = pattern, s = string
    return p.withUTF8 { pb -> Bool? in
        s.withUTF8 { sb -> Bool? in
            guard !pb.contains(where: { $0 >= 0x80 }), !sb.contains(where: { $0 >= 0x80 }) else { return nil }
            return likeMatch(pb, sb, escape: escape?.value, caseSensitive: caseSensitive)
        }
    }
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
