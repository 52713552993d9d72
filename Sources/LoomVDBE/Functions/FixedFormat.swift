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
    withSQLiteFixed(value, precision: precision) { String(decoding: $0, as: UTF8.self) }
}

/// The rounder's base: 0.5e-k for k = 0 ..< 10, SQLite's rounder constants (C doubles), a
/// static table rather than an array per call; round() and printf share it.
func rounderBase(_ k: Int) -> Double {
    switch k {
    case 0: return 5.0e-01
    case 1: return 5.0e-02
    case 2: return 5.0e-03
    case 3: return 5.0e-04
    case 4: return 5.0e-05
    case 5: return 5.0e-06
    case 6: return 5.0e-07
    case 7: return 5.0e-08
    case 8: return 5.0e-09
    default: return 5.0e-10
    }
}

/// Calls `body` with the bytes of `sqliteFixed(value, precision:)`, written into a stack
/// buffer (no array or String per call).
func withSQLiteFixed<R>(_ value: Double, precision: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if value.isNaN { return Array("NaN".utf8).withUnsafeBufferPointer(body) }
    if value.isInfinite { return Array((value < 0 ? "-Inf" : "Inf").utf8).withUnsafeBufferPointer(body) }
    let precision = max(0, min(precision, 350))
    var x = Extended(value.magnitude)
    // The rounder: 0.5e-precision, plus a nudge of 3e-16 relative for values whose digits
    // fit in 15 places (this makes 1.005 round to 1.01).
    var rounder = Extended(rounderBase(precision % 10))
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
    // Sign, the integer digits (one '0' when exp < 0), '.', the fraction digits.
    let capacity = 1 + max(exp + 1, 1) + 1 + precision
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { out in
        var n = 0
        var significant = 16
        func digit() -> UInt8 {
            if significant <= 0 { return 0x30 }
            let d = Int(x)
            x = (x - Extended(d)) * 10
            significant -= 1
            return UInt8(0x30 + max(0, min(d, 9)))
        }
        // SQLite keeps the sign for negative values that round to zero, so do we.
        if value < 0 { out[n] = 0x2D; n += 1 }
        if exp < 0 {
            out[n] = 0x30; n += 1
        } else {
            for _ in 0 ... exp { out[n] = digit(); n += 1 }
        }
        if precision > 0 {
            out[n] = 0x2E; n += 1
            var e2 = exp + 1
            var p = precision
            while e2 < 0 && p > 0 { out[n] = 0x30; n += 1; e2 += 1; p -= 1 }
            while p > 0 { out[n] = digit(); n += 1; p -= 1 }
        }
        return body(UnsafeBufferPointer(rebasing: out[0 ..< n]))
    }
}
