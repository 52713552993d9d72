// This file tests value rendering (I, R, T, NULL, (empty), @), sorting, hashing and MD5.
// Layer: tools tests (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Testing
import Loom
@testable import LoomSLT

@Suite struct MD5Tests {
    // RFC 1321, appendix A.5.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func rfcVectors(input: String, digest: String) {
        #expect(MD5.hex(input) == digest)
    }

    @Test func incrementalEqualsOneShot() {
        let text = String(repeating: "loom-slt ", count: 100)
        var m = MD5()
        for chunk in text.split(separator: " ", omittingEmptySubsequences: false) {
            m.update(chunk.utf8)
            m.update(" ".utf8)
        }
        #expect(m.hexDigest() == MD5.hex(text + " "))
    }

    @Test func valueListHash() {
        // printf '1\n2\n3\n' | md5sum
        #expect(hashValues(["1", "2", "3"]) == "c0710d6b4f15dfa88f600b0e6b624077")
        // the empty result hashes the empty string
        #expect(hashValues([]) == "d41d8cd98f00b204e9800998ecf8427e")
    }
}

@Suite struct RenderTests {
    let I = UInt8(ascii: "I"), R = UInt8(ascii: "R"), T = UInt8(ascii: "T")

    @Test func integerColumn() {
        #expect(renderValue(.integer(42), type: I) == "42")
        #expect(renderValue(.integer(-7), type: I) == "-7")
        // cut to 32 bits like a C int
        #expect(renderValue(.integer(4_294_967_297), type: I) == "1")
        #expect(renderValue(.integer(2_147_483_648), type: I) == "-2147483648")
        #expect(renderValue(.integer(Int64.max), type: I) == "-1")
        // reals truncate toward zero, clamp to 64 bits, then cut
        #expect(renderValue(.real(2.9), type: I) == "2")
        #expect(renderValue(.real(-2.9), type: I) == "-2")
        #expect(renderValue(.real(1e30), type: I) == "-1")          // Int64.max → -1
        #expect(renderValue(.real(-1e30), type: I) == "0")          // Int64.min → 0
        // text: leading integer prefix
        #expect(renderValue(.text("12abc"), type: I) == "12")
        #expect(renderValue(.text("true"), type: I) == "0")
        #expect(renderValue(.text("  -12.9e5x"), type: I) == "-12")
        #expect(renderValue(.text("+000000000000000000000000012"), type: I) == "12")
        #expect(renderValue(.text("99999999999999999999"), type: I) == "-1")
        #expect(renderValue(.blob(Array("34".utf8)), type: I) == "34")
        #expect(renderValue(.null, type: I) == "NULL")
    }

    @Test func integerPrefixClamps() {
        #expect(integerPrefix(Array("9223372036854775807".utf8)) == Int64.max)
        #expect(integerPrefix(Array("9223372036854775808".utf8)) == Int64.max)
        #expect(integerPrefix(Array("-9223372036854775808".utf8)) == Int64.min)
        #expect(integerPrefix(Array("-99999999999999999999999".utf8)) == Int64.min)
        #expect(integerPrefix(Array("0x10".utf8)) == 0)
        #expect(integerPrefix(Array("-".utf8)) == 0)
    }

    @Test func realColumn() {
        #expect(renderValue(.real(1.25), type: R) == "1.250")
        #expect(renderValue(.integer(5), type: R) == "5.000")
        #expect(renderValue(.real(-0.5), type: R) == "-0.500")
        #expect(renderValue(.real(2.0 / 3.0), type: R) == "0.667")
        #expect(renderValue(.real(0.0005000000000000001), type: R) == "0.001")
        #expect(renderValue(.real(0.0004), type: R) == "0.000")
        #expect(renderValue(.real(0.00004), type: R) == "0.000")
        #expect(renderValue(.real(9.9996), type: R) == "10.000")
        #expect(renderValue(.real(999.9995), type: R) == "1000.000")   // 999.99950000000001182…
        // 1.0005 is 1.000499999… in binary: rounds down (the decimal expansion, not "1.0005")
        #expect(renderValue(.real(1.0005), type: R) == "1.000")
        #expect(renderValue(.real(1.0015), type: R) == "1.002")
        // the ≥ 3.43 rule: at most 16 significant digits
        #expect(renderValue(.real(-9223372036854775808.0), type: R) == "-9223372036854776000.000")
        #expect(renderValue(.real(123456789012345.678), type: R) == "123456789012345.700")
        #expect(renderValue(.real(1e20), type: R) == "100000000000000000000.000")
        #expect(renderValue(.text("1e3x"), type: R) == "1000.000")
        #expect(renderValue(.text("abc"), type: R) == "0.000")
        #expect(renderValue(.text(".5"), type: R) == "0.500")
        #expect(renderValue(.real(0), type: R) == "0.000")
        #expect(renderValue(.null, type: R) == "NULL")
    }

    @Test func textColumn() {
        #expect(renderValue(.text("hello"), type: T) == "hello")
        #expect(renderValue(.text(""), type: T) == "(empty)")
        #expect(renderValue(.null, type: T) == "NULL")
        #expect(renderValue(.text("a\tb\nc"), type: T) == "a@b@c")
        #expect(renderValue(.text("é"), type: T) == "@@")            // two UTF-8 bytes
        #expect(renderValue(.blob([0x41, 0x00, 0x7F]), type: T) == "A@@")
        #expect(renderValue(.blob([]), type: T) == "(empty)")
        #expect(renderValue(.integer(-12), type: T) == "-12")
        #expect(renderValue(.text("NULL"), type: T) == "NULL")
    }

    @Test func sorting() {
        let rows = [["9", "b"], ["10", "a"], ["9", "a"], ["NULL", "z"]]
        // byte-wise: "10" < "9" < "NULL"
        #expect(sortedValues(rows, .rowsort) == ["10", "a", "9", "a", "9", "b", "NULL", "z"])
        #expect(sortedValues(rows, .valuesort) == ["10", "9", "9", "NULL", "a", "a", "b", "z"])
        #expect(sortedValues(rows, .nosort) == ["9", "b", "10", "a", "9", "a", "NULL", "z"])
        // a row that is a prefix sorts first; "-" (0x2D) sorts before digits
        #expect(sortedValues([["1", "2"], ["-1", "0"], ["1"]], .rowsort) == ["-1", "0", "1", "1", "2"])
    }
}
