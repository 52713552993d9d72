// This file implements Varint: SQLite's 1-9 byte big-endian variable-length integers.
// Layer: L2. Spec: Spec/L2-record.md ("Varint").

/// SQLite's variable-length integer (fileformat2.html, "Varint").
///
/// ```swift
/// var out: [UInt8] = []
/// Varint.write(300, into: &out)          // [0x82, 0x2C]
/// Varint.read(out, at: 0)                 // (300, 2)
/// ```
/// Bytes 1-8 carry 7 bits each (high bit set = more follows); a 9th byte carries 8 bits.
/// Values are 64-bit two's complement when used as signed integers (rowids).
package enum Varint {
    /// Reads a varint at `offset`; nil when the buffer ends before the varint does.
    @inline(__always)
    package static func read(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (value: UInt64, length: Int)? {
        let n = bytes.count
        guard offset >= 0, offset < n else { return nil }
        var b = bytes[offset]
        if b < 0x80 { return (UInt64(b), 1) }
        var v = UInt64(b & 0x7f)
        var i = offset + 1
        for _ in 1..<8 {
            guard i < n else { return nil }
            b = bytes[i]
            i += 1
            v = v << 7 | UInt64(b & 0x7f)
            if b < 0x80 { return (v, i - offset) }
        }
        guard i < n else { return nil }
        v = v << 8 | UInt64(bytes[i])
        return (v, 9)
    }

    /// Reads a varint at `offset` of an array; nil when truncated.
    package static func read(_ bytes: [UInt8], at offset: Int) -> (value: UInt64, length: Int)? {
        bytes.withUnsafeBytes { read($0, at: offset) }
    }

    /// The number of bytes `write` uses for `v` (1...9).
    @inline(__always)
    package static func length(of v: UInt64) -> Int {
        if v <= 0x7f { return 1 }
        if v <= 0x3fff { return 2 }
        if v > 0x00ff_ffff_ffff_ffff { return 9 }
        var n = 1
        var x = v
        while x > 0x7f { x >>= 7; n += 1 }
        return n
    }

    /// Appends the varint encoding of `v`.
    package static func write(_ v: UInt64, into out: inout [UInt8]) {
        if v <= 0x7f { out.append(UInt8(v)); return }
        if v > 0x00ff_ffff_ffff_ffff {
            // 9 bytes: eight 7-bit groups, then the low 8 bits whole.
            var x = v >> 8
            var groups = [UInt8](repeating: 0, count: 8)
            for k in stride(from: 7, through: 0, by: -1) { groups[k] = UInt8(x & 0x7f) | 0x80; x >>= 7 }
            out.append(contentsOf: groups)
            out.append(UInt8(truncatingIfNeeded: v))
            return
        }
        let n = length(of: v)
        for k in stride(from: n - 1, through: 0, by: -1) {
            let group = UInt8((v >> (7 * UInt64(k))) & 0x7f)
            out.append(k == 0 ? group : group | 0x80)
        }
    }

    /// Writes the varint encoding of `v` into `buffer` at `offset`; returns its length.
    /// The caller guarantees room for `length(of: v)` bytes. Values below 0x80 (record
    /// header sizes, most serial types) take one inlined store.
    @inline(__always)
    package static func write(_ v: UInt64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        if v < 0x80 {
            precondition(offset >= 0 && offset < buffer.count)
            buffer[offset] = UInt8(truncatingIfNeeded: v)
            return 1
        }
        return writeLong(v, into: buffer, at: offset)
    }

    @inline(never)
    static func writeLong(_ v: UInt64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let n = length(of: v)
        precondition(offset >= 0 && offset + n <= buffer.count)
        if n == 9 {
            var x = v >> 8
            for k in stride(from: 7, through: 0, by: -1) { buffer[offset + k] = UInt8(x & 0x7f) | 0x80; x >>= 7 }
            buffer[offset + 8] = UInt8(truncatingIfNeeded: v)
            return 9
        }
        for k in 0..<n {
            let shift = UInt64(7 * (n - 1 - k))
            let group = UInt8((v >> shift) & 0x7f)
            buffer[offset + k] = k == n - 1 ? group : group | 0x80
        }
        return n
    }
}
