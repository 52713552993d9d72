// This file tests record encoding and decoding (RecordCodec, RecordReader).
// Layer: L2 tests. Spec: Spec/L2-record.md (invariants R1-R6).
import Testing
import LoomBase
import LoomTestSupport
@testable import LoomRecord

@Suite struct RecordTests {
    @Test func knownBytes() throws {
        // Header size 3, types 9 (one) and 15 (text of 1), then "a".
        #expect(RecordCodec.encode([.integer(1), .text("a")]) == [3, 9, 15, 0x61])
        #expect(RecordCodec.encode([]) == [1])
        #expect(RecordCodec.encode([.null, .integer(-2), .real(1.0)])
            == [4, 0, 1, 7, 0xfe, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
        #expect(RecordCodec.encode([.integer(256)]) == [2, 2, 1, 0])
        #expect(RecordCodec.encode([.blob([0xde, 0xad])]) == [2, 16, 0xde, 0xad])
    }

    @Test func headerSizeCountsItself() throws {
        // 126 one-byte serial types: header 127 fits one byte; 127 types need a 2-byte header size.
        let a = RecordCodec.encode(Array(repeating: .null, count: 126))
        #expect(a[0] == 127 && a.count == 127)
        let b = RecordCodec.encode(Array(repeating: .null, count: 127))
        #expect(Varint.read(b, at: 0)?.value == 129 && b.count == 129)
        #expect(try RecordCodec.decode(b).count == 127)
    }

    @Test func randomRoundTrip() throws {
        var rng = SeededRNG()
        for _ in 0..<500 {
            let n = Int.random(in: 0...20, using: &rng)
            var values: [Value] = []
            for _ in 0..<n { values.append(randomValue(&rng)) }
            let bytes = RecordCodec.encode(values)
            let back = try RecordCodec.decode(bytes)
            #expect(back == values, "seed \(rng.seed)")
            let reader = try RecordReader(bytes)
            #expect(reader.count == n)
            for i in 0..<n { #expect(try reader.column(i) == values[i]) }
            #expect(try reader.column(n) == .null)
            #expect(try reader.column(n + 5) == .null)
        }
    }

    /// R11: a record built keeping some of a stored record's fields is the record of the
    /// stored values there and the given values elsewhere; a kept field past the stored
    /// record's end takes the given value (long texts and blobs exercise two-byte serial types).
    @Test func keepingFieldsOfAStoredRecord() throws {
        var rng = SeededRNG()
        for _ in 0..<500 {
            let storedCount = Int.random(in: 1...12, using: &rng)
            var old: [Value] = []
            for _ in 0..<storedCount { old.append(rng.next() % 8 == 0 ? .text(String(repeating: "x", count: 70 + Int(rng.next() % 200))) : randomValue(&rng)) }
            let n = storedCount + Int.random(in: 0...3, using: &rng)
            var fresh: [Value] = []
            for _ in 0..<n { fresh.append(randomValue(&rng)) }
            let keep = (0..<n).map { _ in rng.next() % 3 != 0 }
            var row = RecordBuffer()
            try row.load(RecordCodec.encode(old))
            let got = fresh.withUnsafeBufferPointer { values in
                keep.withUnsafeBufferPointer { RecordCodec.encode(values, keeping: $0, from: row) }
            }
            let expected = (0..<n).map { i in keep[i] && i < storedCount ? old[i] : fresh[i] }
            #expect(got == RecordCodec.encode(expected), "seed \(rng.seed)")
        }
    }

    @Test func corruptRecordsThrow() {
        let bad: [[UInt8]] = [
            [],                       // no header size
            [5, 1],                   // header size beyond the record
            [0],                      // header size smaller than its own varint
            [2, 10],                  // reserved serial type
            [2, 1],                   // int8 without content
            [2, 19, 0x61],            // text of 3 with 1 byte
            [2, 9, 0xff],             // trailing bytes after the content
            [3, 0x81],                // serial type varint runs past the header
            [2, 0xff],                // truncated varint
        ]
        for b in bad {
            #expect(throws: DatabaseError.self) { try RecordCodec.decode(b) }
        }
    }

    @Test func fuzzNeverTraps() {
        var rng = SeededRNG()
        for _ in 0..<5000 {
            let n = Int.random(in: 0...24, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? RecordCodec.decode(bytes)
        }
    }

    @Test func invalidUTF8IsRepaired() throws {
        let bytes: [UInt8] = [2, 13 + 2 * 3, 0x61, 0xff, 0x62]
        let r = try RecordReader(bytes)
        #expect(try r.column(0) == .text("a\u{FFFD}b"))
        #expect(Array(r.columnBytes(0)) == [0x61, 0xff, 0x62])
    }

    @Test func nanReadsAsNull() throws {
        let nan = Double.nan.bitPattern
        var bytes: [UInt8] = [2, 7]
        for k in stride(from: 7, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: nan >> (8 * UInt64(k)))) }
        #expect(try RecordCodec.decode(bytes) == [.null])
    }
}

func randomValue(_ rng: inout SeededRNG) -> Value {
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return .null
    case 1: return .integer(Int64.random(in: -3...3, using: &rng))
    case 2:
        let shift = Int64.random(in: 0...63, using: &rng)
        return .integer(Int64(bitPattern: rng.next()) >> shift)
    case 3:
        let d = Double(bitPattern: rng.next())
        return d.isNaN ? .real(0.5) : .real(d)
    case 4:
        let n = Int.random(in: 0...40, using: &rng)
        return .text(String((0..<n).map { _ in "aé€😀 \u{0}Z".randomElement(using: &rng) ?? "a" }))
    default:
        return .blob((0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}

@Suite struct CompareRecordTests {
    @Test func agreesWithCompareKeys() throws {
        var rng = SeededRNG()
        let info = KeyInfo(collations: [.nocase, .binary, .rtrim], descending: [false, true, false])
        for _ in 0..<3000 {
            let a = (0..<Int.random(in: 0...4, using: &rng)).map { _ in smallValue(&rng) }
            let b = (0..<Int.random(in: 0...4, using: &rng)).map { _ in smallValue(&rng) }
            let bytes = RecordCodec.encode(a)
            let viaBytes = try bytes.withUnsafeBytes { try compareRecord($0, with: b, keyInfo: info) }
            #expect(viaBytes.signum() == compareKeys(a, b, keyInfo: info).signum(), "\(a) vs \(b) seed \(rng.seed)")
        }
    }

    /// KeyProbe (the B-tree's comparator), built from values or from a record, orders
    /// stored records exactly as compareKeys orders the values, wide integers included.
    @Test func keyProbeAgreesWithCompareKeys() throws {
        var rng = SeededRNG()
        for info in [KeyInfo(collations: [.nocase, .binary, .rtrim], descending: [false, true, false]), KeyInfo()] {
            for _ in 0..<3000 {
                let wide: () -> Value = { .integer(Int64.random(in: Int64.min...Int64.max, using: &rng) >> Int64.random(in: 0...62, using: &rng)) }
                let a = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Bool.random(using: &rng) ? smallValue(&rng) : wide() }
                let b = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Bool.random(using: &rng) ? smallValue(&rng) : wide() }
                let expected = compareKeys(a, b, keyInfo: info).signum()
                let stored = RecordCodec.encode(a)
                let fromValues = KeyProbe(values: b, keyInfo: info)
                let fromRecord = try KeyProbe(record: RecordCodec.encode(b), keyInfo: info)
                #expect(try stored.withUnsafeBytes { try fromValues.compare($0) }.signum() == expected, "\(a) vs \(b)")
                #expect(try stored.withUnsafeBytes { try fromRecord.compare($0) }.signum() == expected, "\(a) vs \(b)")
            }
        }
    }

    @Test func keyProbeRejectsMalformedRecords() throws {
        let info = KeyInfo()
        #expect(throws: DatabaseError.self) { try KeyProbe(record: [5, 1], keyInfo: info) }
        #expect(throws: DatabaseError.self) { try KeyProbe(record: [2, 10], keyInfo: info) }
        let probe = KeyProbe(values: [.integer(1), .text("x")], keyInfo: info)
        for bad: [UInt8] in [[], [9, 1, 1], [2, 10], [3, 0x81], [2, 25, 0x61]] {
            #expect(throws: DatabaseError.self) { try bad.withUnsafeBytes { try probe.compare($0) } }
        }
    }
}

func smallValue(_ rng: inout SeededRNG) -> Value {
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return .null
    case 1: return .integer(Int64.random(in: -2...2, using: &rng))
    case 2: return .real([-1.5, 0, 1, 2.0, 0.5][Int.random(in: 0..<5, using: &rng)])
    case 3, 4: return .text(["a", "A", "b", "a ", "", "B "][Int.random(in: 0..<6, using: &rng)])
    default: return .blob([[], [0], [1], [0, 0]][Int.random(in: 0..<4, using: &rng)])
    }
}
