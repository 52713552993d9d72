// This file tests the sorter's prefix-only paths: the radix sort of one-field integer or
// short-text keys and the merge of spilled runs, against a stable sort done here.
// Layer: L4 tests. Spec: Spec/L4-vdbe.md (§Register and cursor model, "Sorter").
import LoomBase
import LoomRecord
import LoomTestSupport
import LoomVFS
import Testing
@testable import LoomVDBE

@Suite struct SorterRadixTests {
    /// Sorts (key, insertion number) records with `Sorter` (spilling runs of about
    /// `memoryLimit` bytes when given) and returns the rows in the order it serves them.
    func sorted(_ keys: [Value], descending: Bool, memoryLimit: Int?, fused: Bool) throws -> [[Value]] {
        let ki = KeyInfo(collations: [.binary], descending: [descending])
        let spill = memoryLimit.map { SorterSpill(vfs: MemoryVFS(), memoryLimit: $0) }
        let sorter = Sorter(keyInfo: ki, spill: spill)
        for (i, k) in keys.enumerated() {
            let row: [Value] = [k, .integer(Int64(i))]
            let bytes = RecordCodec.encode(row)
            if fused {
                try bytes.withUnsafeBytes { try sorter.insert($0, first: k) }
            } else {
                try sorter.insert(bytes)
            }
        }
        try sorter.sort()
        var out: [[Value]] = []
        var more = try sorter.first()
        while more {
            if let record = sorter.current { out.append(try RecordCodec.decode(record)) }
            more = try sorter.next()
        }
        return out
    }

    /// The order the sorter must give: by key under BINARY (descending when asked), ties in
    /// insertion order.
    func expected(_ keys: [Value], descending: Bool) -> [[Value]] {
        let rows = keys.enumerated().map { [$0.element, Value.integer(Int64($0.offset))] }
        return rows.enumerated().sorted { x, y in
            let c = compareValues(x.element[0], y.element[0])
            if c != 0 { return descending ? c > 0 : c < 0 }
            return x.offset < y.offset
        }.map(\.element)
    }

    static let integerKeys: [Value] = {
        var rng = SeededRNG(seed: 11)
        var keys: [Int64] = [0, 1, -1, 127, 128, -128, -129, 32767, -32768, 8_388_608, -8_388_609,
                             1 << 40, -(1 << 40), .max, .min, .max - 1, .min + 1, 5, 5, 5, -7, 0, 1]
        for _ in 0 ..< 300 { keys.append(Int64.random(in: -1000 ... 1000, using: &rng)) }
        for _ in 0 ..< 50 { keys.append(Int64.random(in: .min ... .max, using: &rng)) }
        return keys.map { .integer($0) }
    }()

    static let textKeys: [Value] = {
        var rng = SeededRNG(seed: 12)
        var keys = ["", "a", "ab", "ab\u{0}", "abc", "abcdefgh", "abcdefg", "b", "B", "é", "z", "ab", ""]
        let letters = Array("ab\u{0}z")
        for _ in 0 ..< 300 {
            let n = Int.random(in: 0 ... 8, using: &rng)
            keys.append(String((0 ..< n).map { _ in letters[Int.random(in: 0 ..< letters.count, using: &rng)] }))
        }
        return keys.map { .text($0) }
    }()

    @Test(arguments: [false, true])
    func integerKeysSortStably(descending: Bool) throws {
        let want = expected(Self.integerKeys, descending: descending)
        for fused in [false, true] {
            #expect(try sorted(Self.integerKeys, descending: descending, memoryLimit: nil, fused: fused) == want)
            #expect(try sorted(Self.integerKeys, descending: descending, memoryLimit: 600, fused: fused) == want)
        }
    }

    @Test(arguments: [false, true])
    func shortTextKeysSortStably(descending: Bool) throws {
        let want = expected(Self.textKeys, descending: descending)
        for fused in [false, true] {
            #expect(try sorted(Self.textKeys, descending: descending, memoryLimit: nil, fused: fused) == want)
            #expect(try sorted(Self.textKeys, descending: descending, memoryLimit: 600, fused: fused) == want)
        }
    }

    @Test func longTextAndMixedKeysStillSortByRecord() throws {
        // Texts past 8 bytes and a mix of storage classes leave the radix path.
        let keys: [Value] = [.text("abcdefghij"), .text("abcdefghi"), .integer(3), .text("abcdefgh"),
                             .real(2.5), .null, .text("abcdefghij"), .integer(-4), .blob([1, 2])]
        for descending in [false, true] {
            let want = expected(keys, descending: descending)
            #expect(try sorted(keys, descending: descending, memoryLimit: nil, fused: false) == want)
            #expect(try sorted(keys, descending: descending, memoryLimit: 200, fused: true) == want)
        }
    }
}
