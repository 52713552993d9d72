// This file tests Varint and SerialType against the tables of fileformat2.html.
// Layer: L2 tests. Spec: Spec/L2-record.md.
import Testing
@testable import LoomRecord

@Suite struct VarintTests {
    static let table: [(UInt64, [UInt8])] = [
        (0, [0x00]), (1, [0x01]), (127, [0x7f]), (128, [0x81, 0x00]), (300, [0x82, 0x2c]),
        (16383, [0xff, 0x7f]), (16384, [0x81, 0x80, 0x00]), (2_097_151, [0xff, 0xff, 0x7f]),
        (0x00ff_ffff_ffff_ffff, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        (0x0100_0000_0000_0000, [0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
        (UInt64.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        (UInt64(bitPattern: -1), Array(repeating: 0xff, count: 9)),
        (UInt64(bitPattern: Int64.min), [0x80 | 0x40, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
    ]

    @Test(arguments: table)
    func encodeDecode(_ value: UInt64, _ bytes: [UInt8]) throws {
        var out: [UInt8] = []
        Varint.write(value, into: &out)
        #expect(out == bytes)
        #expect(Varint.length(of: value) == bytes.count)
        let r = try #require(Varint.read(bytes, at: 0))
        #expect(r.value == value && r.length == bytes.count)
        var buf = [UInt8](repeating: 0, count: 12)
        let n = buf.withUnsafeMutableBytes { Varint.write(value, into: $0, at: 2) }
        #expect(n == bytes.count && Array(buf[2..<(2 + n)]) == bytes)
        // Every truncation is reported, never trapped.
        for cut in 0..<bytes.count { #expect(Varint.read(Array(bytes[0..<cut]), at: 0) == nil) }
    }

    @Test func randomRoundTrip() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let v = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
            var out: [UInt8] = [0xAA]
            Varint.write(v, into: &out)
            let r = Varint.read(out, at: 1)
            #expect(r?.value == v && r?.length == out.count - 1)
        }
    }

    static let serialTypes: [(Value, UInt64, Int)] = [
        (.null, 0, 0), (.integer(0), 8, 0), (.integer(1), 9, 0), (.integer(2), 1, 1), (.integer(-1), 1, 1),
        (.integer(127), 1, 1), (.integer(-128), 1, 1), (.integer(128), 2, 2), (.integer(-129), 2, 2),
        (.integer(32767), 2, 2), (.integer(32768), 3, 3), (.integer(-8_388_608), 3, 3), (.integer(8_388_608), 4, 4),
        (.integer(2_147_483_647), 4, 4), (.integer(2_147_483_648), 5, 6), (.integer(-140_737_488_355_328), 5, 6),
        (.integer(140_737_488_355_328), 6, 8), (.integer(.max), 6, 8), (.integer(.min), 6, 8),
        (.real(1.5), 7, 8), (.real(0), 7, 8), (.real(.nan), 0, 0), (.text(""), 13, 0), (.text("abc"), 19, 3),
        (.text("é"), 17, 2), (.blob([]), 12, 0), (.blob([1, 2, 3]), 18, 3),
    ]

    @Test(arguments: serialTypes)
    func serialType(_ v: Value, _ type: UInt64, _ length: Int) {
        #expect(SerialType.of(v) == type)
        #expect(SerialType.contentLength(type) == length)
    }

    @Test func reservedSerialTypes() {
        #expect(SerialType.contentLength(10) == nil)
        #expect(SerialType.contentLength(11) == nil)
        #expect(SerialType.contentLength(UInt64.max) == nil)
    }
}
