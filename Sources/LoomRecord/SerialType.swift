// This file implements SerialType: the record format's per-column type codes and the
// big-endian encodings of their content. Layer: L2. Spec: Spec/L2-record.md ("Serial types").

/// A record serial type (fileformat2.html, "Record Format").
///
/// | code | content bytes | meaning |
/// |---|---|---|
/// | 0 | 0 | NULL |
/// | 1...6 | 1, 2, 3, 4, 6, 8 | big-endian two's complement integer |
/// | 7 | 8 | big-endian IEEE 754 double |
/// | 8, 9 | 0 | integer 0, integer 1 (schema format 4) |
/// | 10, 11 | - | reserved: corrupt |
/// | N >= 12 even | (N-12)/2 | blob |
/// | N >= 13 odd | (N-13)/2 | text |
package enum SerialType {
    /// The content length of serial type `code`, or nil for the reserved codes 10 and 11 and
    /// codes whose length does not fit an `Int`.
    @inline(__always)
    package static func contentLength(_ code: UInt64) -> Int? {
        switch code {
        case 0, 8, 9: return 0
        case 1, 2, 3, 4: return Int(code)
        case 5: return 6
        case 6, 7: return 8
        case 10, 11: return nil
        default:
            guard code < UInt64(Int32.max) * 2 else { return nil }
            return Int((code - 12) / 2)
        }
    }

    /// The serial type SQLite picks for an integer: 8/9 for 0/1, else the smallest width.
    @inline(__always)
    package static func forInteger(_ i: Int64) -> UInt64 {
        if i == 0 { return 8 }
        if i == 1 { return 9 }
        let u = i < 0 ? ~i : i
        if u <= 127 { return 1 }
        if u <= 32767 { return 2 }
        if u <= 8_388_607 { return 3 }
        if u <= 2_147_483_647 { return 4 }
        if u <= 140_737_488_355_327 { return 5 }
        return 6
    }

    /// The serial type of a value (NaN reals are stored as NULL, as SQLite never stores NaN).
    package static func of(_ v: Value) -> UInt64 {
        switch v {
        case .null: return 0
        case .integer(let i): return forInteger(i)
        case .real(let d): return d.isNaN ? 0 : 7
        case .text(let s): return UInt64(s.utf8.count) * 2 + 13
        case .blob(let b): return UInt64(b.count) * 2 + 12
        }
    }
}
