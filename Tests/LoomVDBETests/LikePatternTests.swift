// This file tests LikePattern (the byte-level LIKE matcher the VM caches per call site)
// against the scalar matcher, on random patterns and strings. Layer: L4 tests.
// Spec: Spec/L4-vdbe.md (§Functions).
import Testing
import LoomTestSupport
@testable import LoomVDBE

@Suite struct LikePatternTests {
    @Test func agreesWithScalarMatcher() {
        var rng = SeededRNG(seed: 0x11CE)
        let alphabet: [Unicode.Scalar] = ["a", "B", "b", "%", "_", "\\", "é", "É", "ß", "😀", "x", "1"]
        func random(_ n: Int) -> String {
            var s = ""
            for _ in 0 ..< Int.random(in: 0 ... n, using: &rng) {
                s.unicodeScalars.append(alphabet[Int.random(in: 0 ..< alphabet.count, using: &rng)])
            }
            return s
        }
        for _ in 0 ..< 4000 {
            let p = random(6), s = random(8)
            let escape: Unicode.Scalar? = Bool.random(using: &rng) ? "\\" : nil
            let caseSensitive = Int.random(in: 0 ..< 4, using: &rng) == 0
            let expected = likeMatch(pattern: Array(p.unicodeScalars), string: Array(s.unicodeScalars),
                                     escape: escape, caseSensitive: caseSensitive)
            let got = LikePattern(p, escape: escape, caseSensitive: caseSensitive).matches(s)
            #expect(got == expected, "\(s) LIKE \(p) escape \(String(describing: escape)) cs \(caseSensitive)")
        }
    }

    @Test func commonShapes() {
        let p = LikePattern("%on%", escape: nil, caseSensitive: false)
        #expect(p.matches("one thousand") && p.matches("ONE") && !p.matches("two"))
        #expect(LikePattern("_é_", escape: nil, caseSensitive: false).matches("aéz"))
        #expect(!LikePattern("a\\", escape: "\\", caseSensitive: false).matches("a"))
        #expect(LikePattern("%", escape: nil, caseSensitive: false).matches(""))
        #expect(!LikePattern("%_", escape: nil, caseSensitive: false).matches(""))
    }
}
