// This file tests UTF-16 BINARY order on UTF-8 bytes (compareUTF8InUTF16Order) against a
// memcmp of the UTF-16 bytes, and the UTF-8 ↔ UTF-16 record transcoding.
// Layer: L2 tests. Spec: Spec/L2-record.md (§Text encodings, E1-E4).
import Testing
import LoomTestSupport
@testable import LoomRecord

@Suite struct UTF16CollationTests {
    /// UTF-16 bytes of `s` in the given byte order.
    func utf16Bytes(_ s: String, bigEndian: Bool) -> [UInt8] {
        s.utf16.flatMap { u -> [UInt8] in
            let hi = UInt8(u >> 8), lo = UInt8(u & 0xff)
            return bigEndian ? [hi, lo] : [lo, hi]
        }
    }

    func reference(_ a: String, _ b: String, bigEndian: Bool) -> Int {
        let x = utf16Bytes(a, bigEndian: bigEndian), y = utf16Bytes(b, bigEndian: bigEndian)
        for (p, q) in zip(x, y) where p != q { return Int(p) - Int(q) }
        return x.count - y.count
    }

    @Test func agreesWithMemcmpOfUTF16() {
        let alphabet: [Unicode.Scalar] = ["a", "A", "z", "\u{0}", "\u{7f}", "\u{80}", "\u{e9}", "\u{100}", "\u{101}",
                                          "\u{1ff}", "\u{4e2d}", "\u{d7ff}", "\u{e000}", "\u{e001}", "\u{fffd}", "\u{ffff}",
                                          "\u{10000}", "\u{1f600}", "\u{10ffff}", "\u{2000}", "\u{0100}"]
        var rng = SeededRNG()
        var strings: [String] = [""]
        for _ in 0..<400 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...4, using: &rng) { s.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
            strings.append(String(s))
        }
        for bigEndian in [false, true] {
            let c = Collation.binaryUTF16(bigEndian: bigEndian)
            for i in 0..<strings.count {
                let a = strings[i], b = strings[(i * 7 + 3) % strings.count]
                let expected = reference(a, b, bigEndian: bigEndian).signum()
                #expect(c.compare(a, b).signum() == expected, "\(Array(a.unicodeScalars)) vs \(Array(b.unicodeScalars)) be=\(bigEndian)")
                #expect(c.compare(a, a) == 0)
            }
        }
        #expect(Collation.binaryUTF16(bigEndian: false).name == "BINARY")
        #expect(Collation.binary(for: .utf8) == .binary)
    }

    @Test func recordsRoundTripThroughUTF16() throws {
        let values: [Value] = [.integer(7), .text("a😀ā中"), .null, .blob([0, 1]), .text(""), .real(1.5),
                               .text(String(repeating: "é", count: 100))]
        let utf8 = RecordCodec.encode(values)
        for bigEndian in [false, true] {
            let utf16 = try RecordCodec.transcodeToUTF16(utf8, bigEndian: bigEndian)
            let r = try RecordReader(utf16)
            #expect(Array(r.columnBytes(1)) == utf16Bytes("a😀ā中", bigEndian: bigEndian))
            #expect(try RecordCodec.transcodeUTF16(utf16, bigEndian: bigEndian) == utf8)
        }
        let noText = RecordCodec.encode([.integer(1), .blob([9])])
        #expect(try RecordCodec.transcodeToUTF16(noText, bigEndian: false) == noText)
    }

    @Test func pragmaNamesAndConversions() {
        #expect(TextEncoding(pragmaName: "utf-16BE") == .utf16be)
        #expect(TextEncoding(pragmaName: "UTF16le") == .utf16le)
        #expect(TextEncoding(pragmaName: "UTF-16") == .utf16le)
        #expect(TextEncoding(pragmaName: "utf8") == .utf8)
        #expect(TextEncoding(pragmaName: "latin1") == nil)
        #expect(Value.text("a😀").blobValue(in: .utf16le) == [0x61, 0, 0x3d, 0xd8, 0, 0xde])
        #expect(Value.integer(12).blobValue(in: .utf16be) == [0, 0x31, 0, 0x32])
        #expect(Value.blob([0x61, 0]).textValue(in: .utf16le) == "a")
        #expect(Value.blob([0, 0x61, 0x62]).textValue(in: .utf16be) == "a")
        #expect(Value.blob([0x61]).textValue(in: .utf8) == "a")
    }
}
