// This file implements the `%!.Ng` rendering of reals that sqlite3's quote, insert and json
// modes use (`%!.20g`): digits drawn from an 80-bit extended value, as SQLite's printf does
// on x86-64, so the last digits match sqlite3 byte for byte.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Reals").

#if arch(x86_64) || arch(i386)
/// The C `long double` of the reference build (x87 80-bit extended).
typealias Extended = Float80
#else
/// No 80-bit type here: digits past the 17th may then differ from sqlite3 on x86-64.
typealias Extended = Double
#endif

enum RealFormat {
    /// `x` as SQLite's `printf("%!.{digits}g")` renders it: `0.10000000000000000555`, `100.0`,
    /// `1.0e+20`, `Inf`. The `!` flag keeps a `.0` on integral values and allows up to 26
    /// generated digits (16 without it); digits past that are zeros.
    static func g(_ x: Double, digits: Int = 20, bang: Bool = true) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Inf" : "Inf" }
        let negative = x < 0
        let precision = max(digits, 1)
        // C's `0.1` and `1e100` are doubles; the arithmetic around them is extended.
        let tenth = Extended(0.1 as Double)
        let e100 = Extended(1e100 as Double)
        var rounder: Extended = 0.5
        for _ in 0..<(precision - 1) { rounder *= tenth }

        var value = Extended(negative ? -x : x)
        var exponent = 0
        if value > 0 {
            var scale: Extended = 1
            while value >= e100 * scale && exponent <= 350 { scale *= e100; exponent += 100 }
            while value >= 1e10 * scale && exponent <= 350 { scale *= 1e10; exponent += 10 }
            while value >= 10 * scale && exponent <= 350 { scale *= 10; exponent += 1 }
            value /= scale
            while value < 1e-8 { value *= 1e8; exponent -= 8 }
            while value < 1 { value *= 10; exponent -= 1 }
            if exponent > 350 { return negative ? "-Inf" : "Inf" }
        }
        value += rounder
        if value >= 10 { value *= tenth; exponent += 1 }

        var budget = bang ? 26 : 16
        func nextDigit() -> UInt8 {
            guard budget > 0 else { return UInt8(ascii: "0") }
            budget -= 1
            let d = min(max(Int(value), 0), 9)
            value = (value - Extended(d)) * 10
            return UInt8(ascii: "0") + UInt8(d)
        }

        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        let exponential = exponent < -4 || exponent > precision - 1
        if exponential {
            out.append(nextDigit())
            out.append(UInt8(ascii: "."))
            for _ in 0..<(precision - 1) { out.append(nextDigit()) }
        } else {
            if exponent < 0 {
                out.append(UInt8(ascii: "0"))
            } else {
                for _ in 0...exponent { out.append(nextDigit()) }
            }
            out.append(UInt8(ascii: "."))
            var decimals = precision - 1 - exponent
            if exponent < 0 {
                let zeros = min(-exponent - 1, decimals)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(zeros, 0)))
                decimals -= zeros
            }
            for _ in 0..<max(decimals, 0) { out.append(nextDigit()) }
        }
        while out.last == UInt8(ascii: "0") { out.removeLast() }
        if out.last == UInt8(ascii: ".") {
            if bang { out.append(UInt8(ascii: "0")) } else { out.removeLast() }
        }
        if exponential {
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
            let magnitude = abs(exponent)
            if magnitude >= 100 { out.append(UInt8(ascii: "0") + UInt8(magnitude / 100)) }
            out.append(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
