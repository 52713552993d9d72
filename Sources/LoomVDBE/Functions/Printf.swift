// This file implements printf()/format() as SQLite 3.40's SQL function formats: flags
// - + space # ! 0 , ; width and precision (`*` allowed); conversions d i u x X o p r f e E
// g G s z c q Q w n %; its float digit engine (extended precision, 16 significant digits,
// 26 with `!`). Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import LoomRecord

#if arch(x86_64) || arch(i386)
/// SQLite 3.40 computes printf digits in `long double` (80-bit on x86).
private typealias Extended = Float80
#else
private typealias Extended = Double
#endif

/// Caps on width and precision: SQLite's own limit is memory; these keep a statement from
/// asking for gigabytes.
private let widthLimit = 100_000

/// printf(format, args…) as SQLite's SQL function; nil when nothing at all was written
/// (an empty format, or one that stops at a bad conversion before any output): SQLite
/// returns NULL then.
package func sqlPrintfResult(_ format: String, _ args: [Value]) -> String? {
    var p = PrintfState(format: Array(format.utf8), args: args)
    p.run()
    return p.wroteAnything ? String(decoding: p.out, as: UTF8.self) : nil
}

/// printf, with "" for the NULL case (internal callers with fixed formats).
package func sqlPrintf(_ format: String, _ args: [Value]) -> String {
    sqlPrintfResult(format, args) ?? ""
}

private struct PrintfState {
    let f: [UInt8]
    let args: [Value]
    var used = 0
    var out: [UInt8] = []
    var wroteAnything = false

    init(format: [UInt8], args: [Value]) {
        self.f = format
        self.args = args
    }

    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        out.append(contentsOf: bytes)
        wroteAnything = true
    }

    mutating func appendSpaces(_ n: Int) {
        if n > 0 { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n)) }
        wroteAnything = true
    }

    mutating func nextValue() -> Value? {
        guard used < args.count else { return nil }
        defer { used += 1 }
        return args[used]
    }

    mutating func intArg() -> Int64 { nextValue()?.integerValue ?? 0 }
    mutating func doubleArg() -> Double { nextValue()?.realValue ?? 0 }
    /// sqlite3_value_text of the next argument (nil for NULL or a missing argument).
    mutating func textArg() -> [UInt8]? {
        guard let v = nextValue(), !v.isNull else { return nil }
        return v.blobValue
    }

    mutating func run() {
        var i = 0
        let n = f.count
        func at(_ k: Int) -> UInt8 { k < n ? f[k] : 0 }
        while i < n {
            if f[i] != UInt8(ascii: "%") {
                var j = i
                while j < n, f[j] != UInt8(ascii: "%") { j += 1 }
                append(f[i ..< j])
                i = j
                continue
            }
            i += 1
            if i >= n {
                append([UInt8(ascii: "%")])
                return
            }
            var leftJustify = false, alternate = false, alternate2 = false, zeroPad = false
            var prefixFlag: UInt8 = 0
            var thousands = false
            var width = 0
            var precision = -1
            var c = at(i)
            // Flags, width, precision and `l`/`ll` in one pass, as SQLite 3.40 reads them.
            parse: while true {
                switch c {
                case UInt8(ascii: "-"): leftJustify = true
                case UInt8(ascii: "+"): prefixFlag = UInt8(ascii: "+")
                case UInt8(ascii: " "): prefixFlag = UInt8(ascii: " ")
                case UInt8(ascii: "#"): alternate = true
                case UInt8(ascii: "!"): alternate2 = true
                case UInt8(ascii: "0"): zeroPad = true
                case UInt8(ascii: ","): thousands = true
                case UInt8(ascii: "l"):
                    i += 1
                    c = at(i)
                    if c == UInt8(ascii: "l") { i += 1; c = at(i) }
                    break parse
                case UInt8(ascii: "1") ... UInt8(ascii: "9"):
                    var w = 0
                    while isDigit(c) {
                        w = min(w * 10 + Int(c - 0x30), widthLimit)
                        i += 1
                        c = at(i)
                    }
                    width = w
                    if c != UInt8(ascii: ".") && c != UInt8(ascii: "l") { break parse }
                    continue parse
                case UInt8(ascii: "*"):
                    let w = intArg()
                    if w < 0 {
                        leftJustify = true
                        width = w >= -2_147_483_647 ? Int(min(-w, Int64(widthLimit))) : 0
                    } else {
                        width = Int(min(w, Int64(widthLimit)))
                    }
                    let next = at(i + 1)
                    if next != UInt8(ascii: ".") && next != UInt8(ascii: "l") {
                        i += 1
                        c = at(i)
                        break parse
                    }
                case UInt8(ascii: "."):
                    i += 1
                    c = at(i)
                    if c == UInt8(ascii: "*") {
                        let p = intArg()
                        if p < 0 {
                            precision = p >= -2_147_483_647 ? Int(min(-p, Int64(widthLimit))) : -1
                        } else {
                            precision = Int(min(p, Int64(widthLimit)))
                        }
                        i += 1
                        c = at(i)
                    } else {
                        var p = 0
                        while isDigit(c) {
                            p = min(p * 10 + Int(c - 0x30), widthLimit)
                            i += 1
                            c = at(i)
                        }
                        precision = p
                    }
                    if c == UInt8(ascii: "l") { continue parse }
                    break parse
                default:
                    break parse
                }
                i += 1
                c = at(i)
                if c == 0 && i >= n { break parse }
            }
            // `c` is the conversion character (0 when the format ended).
            i += 1
            var body: [UInt8] = []
            var countCharacters = false
            switch c {
            case UInt8(ascii: "%"):
                body = [UInt8(ascii: "%")]
            case UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "x"),
                 UInt8(ascii: "X"), UInt8(ascii: "o"), UInt8(ascii: "p"):
                body = integer(c, prefixFlag: prefixFlag, alternate: alternate, zeroPad: zeroPad,
                               thousands: thousands, width: width, precision: precision)
            case UInt8(ascii: "f"), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "g"), UInt8(ascii: "G"):
                body = float(c, doubleArg(), prefixFlag: prefixFlag, alternate: alternate, alternate2: alternate2,
                             zeroPad: zeroPad && !leftJustify, width: width, precision: precision)
            case UInt8(ascii: "s"), UInt8(ascii: "z"):
                let s = textArg() ?? []
                if precision >= 0 {
                    body = alternate2 ? Array(utf8Prefix(s, characters: precision)) : Array(s.prefix(precision))
                } else {
                    body = s
                }
                countCharacters = alternate2
            case UInt8(ascii: "c"):
                let s = textArg() ?? []
                var ch: [UInt8] = [s.first ?? 0]
                if let first = s.first, first & 0xC0 == 0xC0 {
                    var k = 1
                    while ch.count < 4, k < s.count, s[k] & 0xC0 == 0x80 { ch.append(s[k]); k += 1 }
                }
                if precision > 1 {
                    width -= precision - 1
                    if width > 1 && !leftJustify {
                        appendSpaces(width - 1)
                        width = 0
                    }
                    for _ in 0 ..< precision - 1 { append(ch) }
                }
                body = ch
                countCharacters = true
            case UInt8(ascii: "q"), UInt8(ascii: "Q"), UInt8(ascii: "w"):
                let quote: UInt8 = c == UInt8(ascii: "w") ? UInt8(ascii: "\"") : UInt8(ascii: "'")
                let arg = textArg()
                let source = arg ?? Array((c == UInt8(ascii: "Q") ? "NULL" : "(NULL)").utf8)
                // Precision counts input bytes (characters with `!`).
                let taken = precision < 0 ? source[...] : (alternate2 ? utf8Prefix(source, characters: precision) : source.prefix(precision))
                let needQuote = arg != nil && c == UInt8(ascii: "Q")
                if needQuote { body.append(quote) }
                for b in taken {
                    body.append(b)
                    if b == quote { body.append(b) }
                }
                if needQuote { body.append(quote) }
                countCharacters = alternate2
            case UInt8(ascii: "n"):
                body = []
                width = 0
            default:
                // An unknown conversion (or %T/%S, internal to SQLite): formatting stops.
                return
            }
            if countCharacters && width > 0 {
                width += body.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 1 : 0) }
            }
            let pad = width - body.count
            if pad > 0 {
                if !leftJustify { appendSpaces(pad) }
                append(body)
                if leftJustify { appendSpaces(pad) }
            } else {
                append(body)
            }
        }
    }

    /// d i r u x X o p.
    mutating func integer(_ c: UInt8, prefixFlag: UInt8, alternate: Bool, zeroPad: Bool,
                          thousands: Bool, width: Int, precision: Int) -> [UInt8] {
        let signed = c == UInt8(ascii: "d") || c == UInt8(ascii: "i") || c == UInt8(ascii: "r")
        let v = intArg()
        var magnitude: UInt64
        var prefix: UInt8 = 0
        if signed {
            if v < 0 {
                magnitude = v.magnitude
                prefix = UInt8(ascii: "-")
            } else {
                magnitude = UInt64(v)
                prefix = prefixFlag
            }
        } else {
            magnitude = UInt64(bitPattern: v)
        }
        var alternate = alternate
        if magnitude == 0 { alternate = false }
        var precision = precision
        if zeroPad && precision < width - (prefix != 0 ? 1 : 0) {
            precision = width - (prefix != 0 ? 1 : 0)
        }
        let base: UInt64
        var upper = false
        var altPrefix: [UInt8] = []
        switch c {
        case UInt8(ascii: "x"): base = 16; altPrefix = Array("0x".utf8)
        case UInt8(ascii: "X"): base = 16; upper = true; altPrefix = Array("0X".utf8)
        case UInt8(ascii: "p"): base = 16; upper = true; altPrefix = Array("0x".utf8)
        case UInt8(ascii: "o"): base = 8; altPrefix = Array("0".utf8)
        default: base = 10
        }
        // Digits are generated backwards into one array, reversed in place.
        var digits: [UInt8] = []
        digits.reserveCapacity(max(precision, 0) + 24)
        if c == UInt8(ascii: "r") {
            var x = Int(magnitude % 10)
            if x >= 4 || (magnitude / 10) % 10 == 1 { x = 0 }
            switch x {
            case 1: digits.append(UInt8(ascii: "t")); digits.append(UInt8(ascii: "s"))
            case 2: digits.append(UInt8(ascii: "d")); digits.append(UInt8(ascii: "n"))
            case 3: digits.append(UInt8(ascii: "d")); digits.append(UInt8(ascii: "r"))
            default: digits.append(UInt8(ascii: "h")); digits.append(UInt8(ascii: "t"))
            }
        }
        let letterBase: UInt8 = upper ? UInt8(ascii: "A") : UInt8(ascii: "a")
        var m = magnitude
        var count = 0
        repeat {
            let d = UInt8(truncatingIfNeeded: m % base)
            digits.append(d < 10 ? 0x30 + d : letterBase + d - 10)
            m /= base
            count += 1
        } while m > 0
        if c == UInt8(ascii: "r") { count += 2 }
        while precision > count {
            digits.append(UInt8(ascii: "0"))
            count += 1
        }
        digits.reverse()
        var text = digits
        if thousands && base == 10 && c != UInt8(ascii: "r") {
            // Group from the right over the whole run, zero padding included.
            var grouped: [UInt8] = []
            let length = text.count
            for (k, d) in text.enumerated() {
                if k > 0, (length - k) % 3 == 0 { grouped.append(UInt8(ascii: ",")) }
                grouped.append(d)
            }
            text = grouped
        }
        if prefix != 0 { text.insert(prefix, at: 0) }
        if alternate && !altPrefix.isEmpty { text.insert(contentsOf: altPrefix, at: 0) }
        return text
    }

    /// f e E g G with SQLite 3.40's digit engine.
    func float(_ c: UInt8, _ value: Double, prefixFlag: UInt8, alternate: Bool, alternate2: Bool,
               zeroPad: Bool, width: Int, precision: Int) -> [UInt8] {
        enum Kind { case fixed, exponent, generic }
        var kind: Kind = c == UInt8(ascii: "f") ? .fixed : (c == UInt8(ascii: "e") || c == UInt8(ascii: "E") ? .exponent : .generic)
        let expChar: UInt8 = (c == UInt8(ascii: "E") || c == UInt8(ascii: "G")) ? UInt8(ascii: "E") : UInt8(ascii: "e")
        var precision = precision < 0 ? 6 : precision
        var real = Extended(value)
        var prefix: UInt8
        if value < 0 {
            real = -real
            prefix = UInt8(ascii: "-")
        } else {
            prefix = prefixFlag
        }
        if kind == .generic && precision > 0 { precision -= 1 }
        // SQLite's constants are C doubles: convert them, do not write them as long doubles.
        var idx = precision & 0xfff
        var rounder = Extended(rounderBase(idx % 10))
        while idx >= 10 { rounder *= Extended(1.0e-10 as Double); idx -= 10 }
        if kind == .fixed {
            // The nudge for values whose digits fit in 15 places (1.005 → 1.01).
            let binaryExponent = Int((value.magnitude.bitPattern >> 52) & 0x7ff) - 1023
            if precision + binaryExponent / 3 < 15 { rounder += real * Extended(3e-16 as Double) }
            real += rounder
        }
        if value.isNaN { return Array("NaN".utf8) }
        var exp = 0
        if real > 0 {
            var scale: Extended = 1
            let e100 = Extended(1e100 as Double), e10 = Extended(1e10 as Double)
            let e8 = Extended(1e8 as Double), em8 = Extended(1e-8 as Double)
            while real >= e100 * scale && exp <= 350 { scale *= e100; exp += 100 }
            while real >= e10 * scale && exp <= 350 { scale *= e10; exp += 10 }
            while real >= 10 * scale && exp <= 350 { scale *= 10; exp += 1 }
            real /= scale
            while real < em8 { real *= e8; exp -= 8 }
            while real < 1 { real *= 10; exp -= 1 }
            if exp > 350 {
                var b: [UInt8] = prefix != 0 ? [prefix] : []
                b += Array("Inf".utf8)
                return b
            }
        }
        if kind != .fixed {
            real += rounder
            if real >= 10 { real *= Extended(0.1 as Double); exp += 1 }
        }
        let trimZeros: Bool
        if kind == .generic {
            trimZeros = !alternate
            if exp < -4 || exp > precision {
                kind = .exponent
            } else {
                precision -= exp
                kind = .fixed
            }
        } else {
            trimZeros = alternate2
        }
        var e2 = kind == .exponent ? 0 : exp
        var significant = 16 + (alternate2 ? 10 : 0)
        func digit() -> UInt8 {
            if significant <= 0 { return UInt8(ascii: "0") }
            significant -= 1
            let d = Int(real)
            real = (real - Extended(d)) * 10
            return UInt8(0x30 + max(0, min(d, 9)))
        }
        let point = precision > 0 || alternate || alternate2
        var b: [UInt8] = []
        if prefix != 0 { b.append(prefix) }
        if e2 < 0 {
            b.append(UInt8(ascii: "0"))
        } else {
            while e2 >= 0 { b.append(digit()); e2 -= 1 }
        }
        if point { b.append(UInt8(ascii: ".")) }
        e2 += 1
        while e2 < 0 && precision > 0 { b.append(UInt8(ascii: "0")); precision -= 1; e2 += 1 }
        while precision > 0 { b.append(digit()); precision -= 1 }
        if trimZeros && point {
            while b.last == UInt8(ascii: "0") { b.removeLast() }
            if b.last == UInt8(ascii: ".") {
                if alternate2 { b.append(UInt8(ascii: "0")) } else { b.removeLast() }
            }
        }
        if kind == .exponent {
            b.append(expChar)
            var x = exp
            if x < 0 { b.append(UInt8(ascii: "-")); x = -x } else { b.append(UInt8(ascii: "+")) }
            if x >= 100 { b.append(UInt8(0x30 + x / 100)); x %= 100 }
            b.append(UInt8(0x30 + x / 10))
            b.append(UInt8(0x30 + x % 10))
        }
        if zeroPad && b.count < width {
            let at = prefix != 0 ? 1 : 0
            b.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - b.count), at: at)
        }
        return b
    }
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// The leading `characters` UTF-8 characters of `s`.
private func utf8Prefix(_ s: [UInt8], characters: Int) -> ArraySlice<UInt8> {
    var k = 0
    var left = characters
    while left > 0 && k < s.count {
        k += 1
        while k < s.count && s[k] & 0xC0 == 0x80 { k += 1 }
        left -= 1
    }
    return s[0 ..< k]
}
