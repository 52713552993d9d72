// This file implements MD5 (RFC 1321), written from the RFC, for sqllogictest result hashes.
// Layer: tools (loom-slt). Spec: Spec/tools.md, section loom-slt.

/// An incremental MD5 digest.
///
/// ```swift
/// var md5 = MD5()
/// md5.update("abc")
/// md5.hexDigest()   // "900150983cd24fb0d6963f7d28e17f72"
/// ```
public struct MD5: Sendable {
    private var a0: UInt32 = 0x6745_2301
    private var b0: UInt32 = 0xefcd_ab89
    private var c0: UInt32 = 0x98ba_dcfe
    private var d0: UInt32 = 0x1032_5476
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    public init() { buffer.reserveCapacity(64) }

    /// Per-round left-rotation amounts (RFC 1321, section 3.4).
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// T[i] = floor(2^32 * |sin(i + 1)|), the RFC's sine table.
    private static let table: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4_294_967_296.0).rounded(.down)))
    }

    public mutating func update(_ string: String) { update(Array(string.utf8)) }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        update(Array(bytes))
    }

    public mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        var i = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, bytes.count)
            buffer.append(contentsOf: bytes[0..<take])
            i = take
            if buffer.count == 64 {
                compress(buffer[...])
                buffer.removeAll(keepingCapacity: true)
            }
        }
        while i + 64 <= bytes.count {
            compress(bytes[i..<(i + 64)])
            i += 64
        }
        if i < bytes.count { buffer.append(contentsOf: bytes[i...]) }
    }

    /// The digest as 32 lowercase hex digits; the state is consumed (copy first to continue).
    public mutating func hexDigest() -> String {
        let bitLength = length &* 8
        var tail: [UInt8] = [0x80]
        let used = (buffer.count + 1) % 64
        tail += [UInt8](repeating: 0, count: used <= 56 ? 56 - used : 120 - used)
        for i in 0..<8 { tail.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        update(tail)
        precondition(buffer.isEmpty, "md5 padding must end on a block boundary")
        buffer.removeAll()
        var out = ""
        for word in [a0, b0, c0, d0] {
            for i in 0..<4 {
                let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))
                out += hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 15)]
            }
        }
        return out
    }

    /// MD5 of `string`'s UTF-8 bytes.
    public static func hex(_ string: String) -> String {
        var m = MD5()
        m.update(string)
        return m.hexDigest()
    }

    private mutating func compress(_ block: ArraySlice<UInt8>) {
        let o = block.startIndex
        var m = [UInt32](repeating: 0, count: 16)
        for i in 0..<16 {
            m[i] = UInt32(block[o + 4 * i]) | UInt32(block[o + 4 * i + 1]) << 8
                | UInt32(block[o + 4 * i + 2]) << 16 | UInt32(block[o + 4 * i + 3]) << 24
        }
        var a = a0, b = b0, c = c0, d = d0
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ MD5.table[i] &+ m[g]
            a = d
            d = c
            c = b
            let s = MD5.shifts[i]
            b = b &+ ((f << s) | (f >> (32 - s)))
        }
        a0 = a0 &+ a
        b0 = b0 &+ b
        c0 = c0 &+ c
        d0 = d0 &+ d
    }
}

private let hexDigits: [String] = (0..<16).map { String($0, radix: 16) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
