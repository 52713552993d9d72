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

/// Calls `body` with the scalar values of `text` up to its first NUL (LIKE reads C strings)
/// in a temporary buffer.
private func withScalarValues<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
    // A string has at most one scalar per UTF-8 byte.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: max(text.utf8.count, 1)) { buffer in
        var n = 0
        for u in text.unicodeScalars where n < buffer.count {
            if u.value == 0 { break }
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

/// A LIKE pattern compiled once to byte-level operations, matched against the UTF-8 bytes of
/// the string directly (no scalar decoding, no allocation per row). The VM keeps one per
/// LIKE call site while the pattern stays the same (speedtest1's `c LIKE '%on%'` scans).
///
/// ```swift
/// let p = LikePattern("%on%", escape: nil, caseSensitive: false)
/// p.matches("One")   // true
/// ```
final class LikePattern {
    /// `ops` values: 0...255 a literal byte (ASCII letters lower-cased unless case-sensitive).
    static let anyRun: Int16 = -1, anyOne: Int16 = -2
    /// An escape character at the end of the pattern: matching fails on reaching it.
    static let fail: Int16 = -3

    let source: String
    let caseSensitive: Bool
    let ops: [Int16]
    /// For a pattern `%LITERAL%` whose literal is ASCII without wildcards (folded unless
    /// case-sensitive): the literal. Matching is then a substring search over the bytes, and
    /// bytes outside ASCII need no check: an ASCII byte never belongs to a multi-byte scalar,
    /// valid or repaired, so the bytes match exactly when the decoded string does.
    let containedLiteral: [UInt8]?
    /// Per byte of `containedLiteral`: 0x20 for a letter when folding (`byte | 0x20` folds
    /// both cases of it onto the literal's lower case), else 0 (an exact compare).
    private let containedMasks: [UInt8]

    init(_ pattern: String, escape: Unicode.Scalar?, caseSensitive: Bool) {
        source = pattern
        self.caseSensitive = caseSensitive
        var ops: [Int16] = []
        ops.reserveCapacity(pattern.utf8.count)
        var escaped = false
        // The pattern ends at a NUL, as SQLite reads it (a C string).
        for u in pattern.unicodeScalars {
            if u.value == 0 { break }
            if escaped {
                escaped = false
            } else if let escape, u == escape {
                escaped = true
                continue
            } else if u == "%" {
                ops.append(LikePattern.anyRun)
                continue
            } else if u == "_" {
                ops.append(LikePattern.anyOne)
                continue
            }
            // (Encoding a scalar cannot fail.)
            guard let bytes = Unicode.UTF8.encode(u) else { continue }
            for b in bytes { ops.append(Int16(caseSensitive ? b : foldByte(b))) }
        }
        if escaped { ops.append(LikePattern.fail) }
        self.ops = ops
        if ops.count >= 3, ops.first == LikePattern.anyRun, ops.last == LikePattern.anyRun,
           ops.dropFirst().dropLast().allSatisfy({ $0 >= 0 && $0 < 0x80 }) {
            let literal = ops.dropFirst().dropLast().map { UInt8(truncatingIfNeeded: $0) }
            containedLiteral = literal
            containedMasks = literal.map { !caseSensitive && $0 >= 0x61 && $0 <= 0x7A ? 0x20 : 0 }
        } else {
            containedLiteral = nil
            containedMasks = []
        }
    }

    /// Does `string` match? (`string LIKE pattern`, both TEXT.)
    func matches(_ string: String) -> Bool {
        let fold = !caseSensitive
        var text = string
        return text.withUTF8 { bytes in
            // The string ends at a NUL, as SQLite reads it (a C string).
            let s = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: 0) ?? bytes.count)])
            if let literal = containedLiteral { return contains(literal, containedMasks, in: s) }
            return ops.withUnsafeBufferPointer { likeMatchBytes($0, 0, s, 0, fold: fold) }
        }
    }

    /// Does the ASCII text `bytes` match? nil when a byte is not ASCII (the caller then
    /// matches the decoded string, which repairs invalid UTF-8 as the function body sees it).
    func matchesASCII(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        let all = bytes.bindMemory(to: UInt8.self)
        // (`contains` stops at a NUL itself.)
        if let literal = containedLiteral { return contains(literal, containedMasks, in: all) }
        // The string ends at a NUL, as SQLite reads it (a C string).
        let s = UnsafeBufferPointer(rebasing: all[..<(all.firstIndex(of: 0) ?? all.count)])
        for b in s where b >= 0x80 { return nil }
        let fold = !caseSensitive
        return ops.withUnsafeBufferPointer { likeMatchBytes($0, 0, s, 0, fold: fold) }
    }
}

@inline(__always)
private func foldByte(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

/// Whether `literal` (non-empty, ASCII without NUL, lower-cased where `masks` folds) occurs
/// in `s` before its first NUL, each byte of `s` or-ed with the literal byte's mask: `%literal%`.
/// A match cannot cross a NUL (the literal has none), so only the places a match may start
/// are checked for one.
private func contains(_ literal: [UInt8], _ masks: [UInt8], in s: UnsafeBufferPointer<UInt8>) -> Bool {
    literal.withUnsafeBufferPointer { lit in
        masks.withUnsafeBufferPointer { mask in
            let m = lit.count, n = s.count
            guard m > 0, m == mask.count else { return m == 0 }
            guard m <= n, let sp = s.baseAddress, let lp = lit.baseAddress, let mp = mask.baseAddress else { return false }
            // Unsafe: reads `sp[0 ..< n]` and `lp`/`mp[0 ..< m]` only (i + k < i + m <= n).
            let first = lp[0], firstMask = mp[0]
            let last = n - m
            var i = 0
            while i <= last {
                let b = sp[i]
                if b | firstMask == first {
                    var k = 1
                    while k < m && sp[i + k] | mp[k] == lp[k] { k += 1 }
                    if k == m { return true }
                } else if b == 0 {
                    return false
                }
                i += 1
            }
            return false
        }
    }
}

/// The index after the UTF-8 scalar that starts at `i` (strings are valid UTF-8).
@inline(__always)
private func nextScalar(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    var j = i + 1
    while j < s.count, s[j] & 0xC0 == 0x80 { j += 1 }
    return j
}

/// `LikePattern` ops from `pi` against the bytes of `s` from `si` (a scalar boundary).
/// A literal op is always the first byte of a scalar or one that follows it, so a literal
/// byte that equals a string byte puts both at the same place in their scalars.
private func likeMatchBytes(_ o: UnsafeBufferPointer<Int16>, _ pi: Int, _ s: UnsafeBufferPointer<UInt8>,
                            _ si: Int, fold: Bool) -> Bool {
    var p = pi, i = si
    let pEnd = o.count, sEnd = s.count
    while p < pEnd {
        let op = o[p]
        if op >= 0 {
            guard i < sEnd, (fold ? foldByte(s[i]) : s[i]) == UInt8(truncatingIfNeeded: op) else { return false }
            i += 1
            p += 1
        } else if op == LikePattern.anyOne {
            guard i < sEnd else { return false }
            i = nextScalar(s, i)
            p += 1
        } else if op == LikePattern.anyRun {
            // A run of % and _: skip one scalar per _, then try each place for the rest.
            var q = p
            while q < pEnd, o[q] == LikePattern.anyRun || o[q] == LikePattern.anyOne {
                if o[q] == LikePattern.anyOne {
                    guard i < sEnd else { return false }
                    i = nextScalar(s, i)
                }
                q += 1
            }
            if q == pEnd { return true }
            let first = o[q]
            guard first >= 0 else { return false }
            // `first` starts a scalar: only a byte equal to it (never a continuation byte)
            // can begin a match, so the scan steps byte by byte.
            let c = UInt8(truncatingIfNeeded: first)
            while i < sEnd {
                if (fold ? foldByte(s[i]) : s[i]) == c, likeMatchBytes(o, q, s, i, fold: fold) { return true }
                i += 1
            }
            return false
        } else {
            return false
        }
    }
    return i == sEnd
}
