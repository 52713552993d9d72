// This file implements SQLite's "%.Nf" digit generation (printf's etFLOAT): add a rounder
// of 0.5e-N in extended precision, normalise by powers of ten, peel at most 16 significant
// digits. round() and printf('%f') use it so 1.005 rounds to 1.01 as in SQLite.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).

#if arch(x86_64) || arch(i386)
private typealias Extended = Float80
#else
private typealias Extended = Double
#endif

/// `value` formatted like SQLite's `%.{precision}f` (no sign handling beyond '-', no width).
func sqliteFixed(_ value: Double, precision: Int) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
    let precision = max(0, min(precision, 350))
    var x = Extended(value.magnitude)
    // The rounder: 0.5e-precision from a table of doubles, plus a nudge of 3e-16 relative
    // for values whose digits fit in 15 places (this makes 1.005 round to 1.01).
    let table: [Double] = [5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10]
    var rounder = Extended(table[precision % 10])
    var idx = precision
    while idx >= 10 { rounder *= 1.0e-10; idx -= 10 }
    let binaryExponent = Int((value.magnitude.bitPattern >> 52) & 0x7ff) - 1023
    if precision + binaryExponent / 3 < 15 { rounder += x * 3e-16 }
    x += rounder
    var exp = 0
    if x > 0 {
        var scale: Extended = 1
        while x >= 1e100 * scale && exp <= 350 { scale *= 1e100; exp += 100 }
        while x >= 1e10 * scale && exp <= 350 { scale *= 1e10; exp += 10 }
        while x >= 10 * scale && exp <= 350 { scale *= 10; exp += 1 }
        x /= scale
        while x < 1e-8 { x *= 1e8; exp -= 8 }
        while x < 1 { x *= 10; exp -= 1 }
    }
    var significant = 16
    func digit() -> UInt8 {
        if significant <= 0 { return 0x30 }
        let d = Int(x)
        x = (x - Extended(d)) * 10
        significant -= 1
        return UInt8(0x30 + max(0, min(d, 9)))
    }
    var out: [UInt8] = value < 0 ? [0x2D] : []
    if exp < 0 {
        out.append(0x30)
    } else {
        for _ in 0 ... exp { out.append(digit()) }
    }
    if precision > 0 {
        out.append(0x2E)
        var e2 = exp + 1
        var p = precision
        while e2 < 0 && p > 0 { out.append(0x30); e2 += 1; p -= 1 }
        while p > 0 { out.append(digit()); p -= 1 }
    }
    // "-0.00" stays as SQLite prints it only when a non-zero digit appears; SQLite keeps
    // the sign for negative values that round to zero, so do we.
    return String(decoding: out, as: UTF8.self)
}

