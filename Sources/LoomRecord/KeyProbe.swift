// This file implements KeyProbe: an index search key parsed once (from values or from record
// bytes) and then compared with many stored records in place, as a B-tree descent does.
// Layer: L2. Spec: Spec/L2-record.md ("Comparison", invariant O8).
import LoomBase

/// A search key prepared for repeated comparison with stored index records.
///
/// ```swift
/// let probe = try KeyProbe(record: RecordCodec.encode([.integer(5), .text("x")]), keyInfo: KeyInfo())
/// try probe.compare(storedRecordBytes)   // < 0: the stored record sorts before the key
/// ```
/// The key's fields are decoded once (integers and reals to numbers, text and blobs to byte
/// ranges), so each comparison only walks the stored record's header: no `Value` is built
/// and nothing is allocated per comparison. The result is the same as
/// `compareRecord(_:with:keyInfo:)` (a prefix compares equal; fields beyond `KeyInfo` compare
/// BINARY ascending), except that a stored NaN real reads as NULL as it does everywhere else.
/// Corresponds to SQLite's `UnpackedRecord` with `sqlite3VdbeRecordCompare`.
package struct KeyProbe {
    /// Storage classes in sort order (NULL < numbers < text < blob); integers and reals
    /// are both numbers but keep their own representation.
    @usableFromInline enum Kind: UInt8 { case null, integer, real, text, blob }

    @usableFromInline struct Field {
        var kind: Kind
        /// BINARY collation (memcmp order): no call through `Collation`.
        var binary: Bool
        var descending: Bool
        var integer: Int64 = 0
        var real: Double = 0
        /// Text and blob content: `start..<start+count` in `bytes`.
        var start: Int = 0
        var count: Int = 0
    }

    private var fields: [Field] = []
    /// The first field when it is an integer (most index keys: rowids, integer columns),
    /// kept outside the array so that `compare` decides most probes of a search without
    /// touching the array or the key bytes.
    private var firstIsInteger = false
    private var firstInteger: Int64 = 0
    private var firstDescending = false

    /// Per field of `keyInfo`: bit 0 BINARY collation, bit 1 descending; filled on demand and
    /// kept while the key info is the same (a cursor loads its own every time).
    private var fieldFlags: [UInt8] = []

    /// Takes `keyInfo` for the next key, unless it is the one held (the same array storage:
    /// then it is identical, and its per-field flags are still right).
    @inline(__always)
    private mutating func adopt(_ keyInfo: KeyInfo) {
        if KeyProbe.sameStorage(keyInfo.collations, self.keyInfo.collations),
           KeyProbe.sameStorage(keyInfo.descending, self.keyInfo.descending) { return }
        self.keyInfo = keyInfo
        fieldFlags.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private static func sameStorage<T>(_ a: [T], _ b: [T]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress } }
    }

    /// The flags of field `i` (see `fieldFlags`).
    @inline(__always)
    private mutating func flags(_ i: Int) -> UInt8 {
        while fieldFlags.count <= i {
            let j = fieldFlags.count
            fieldFlags.append((KeyProbe.isBinary(keyInfo.collation(j)) ? 1 : 0) | (keyInfo.isDescending(j) ? 2 : 0))
        }
        return fieldFlags[i]
    }

    private mutating func noteFirstField() {
        if let f = fields.first, f.kind == .integer {
            firstIsInteger = true
            firstInteger = f.integer
            firstDescending = f.descending
        } else {
            firstIsInteger = false
        }
    }
    /// The content of text and blob fields (for a key given as a record: the record).
    private var bytes: [UInt8] = []
    package private(set) var keyInfo: KeyInfo

    /// The number of key fields compared.
    package var count: Int { fields.count }

    /// An empty key (compares equal to every record) with BINARY ascending fields.
    package init() { keyInfo = KeyInfo() }

    /// A key made of `values` (text as UTF-8).
    package init(values: [Value], keyInfo: KeyInfo) {
        self.keyInfo = keyInfo
        load(values: values, keyInfo: keyInfo)
    }

    /// A key given as an encoded record (every field of it is compared). Throws `corrupt`
    /// when the record is malformed, as `RecordCodec.decode` would.
    package init(record: [UInt8], keyInfo: KeyInfo) throws {
        self.keyInfo = keyInfo
        try load(record: record, keyInfo: keyInfo)
    }

    /// Replaces the key with `values`, reusing this probe's buffers.
    package mutating func load(values: [Value], keyInfo: KeyInfo) {
        adopt(keyInfo)
        defer { noteFirstField() }
        fields.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        fields.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            let fl = flags(i)
            var f = Field(kind: .null, binary: fl & 1 != 0, descending: fl & 2 != 0)
            switch v {
            case .null: break
            case .integer(let x): f.kind = .integer; f.integer = x
            case .real(let d): f.kind = .real; f.real = d
            case .text(let s):
                f.kind = .text
                f.start = bytes.count
                var s = s
                s.withUTF8 { bytes.append(contentsOf: $0) }
                f.count = bytes.count - f.start
            case .blob(let b):
                f.kind = .blob
                f.start = bytes.count
                bytes.append(contentsOf: b)
                f.count = b.count
            }
            fields.append(f)
        }
    }

    /// Replaces the key with the encoded record `record` (every field of it is compared).
    /// Throws `corrupt` when the record is malformed; the probe is then empty.
    package mutating func load(record: [UInt8], keyInfo: KeyInfo) throws {
        adopt(keyInfo)
        defer { noteFirstField() }
        bytes = record
        fields.removeAll(keepingCapacity: true)
        var parsed = fields
        fields = []   // `parsed` owns the buffer while appending
        let total = record.count
        do {
            try record.withUnsafeBytes { buf in
                guard let (hs, hl) = Varint.read(buf, at: 0), hs <= UInt64(total), Int(hs) >= hl else {
                    throw DatabaseError.corrupt(page: nil, "record header size")
                }
                let header = Int(hs)
                var pos = hl
                var content = header
                parsed.reserveCapacity(header - hl)
                var i = 0
                while pos < header {
                    let (t, offset) = try RecordCodec.nextHeaderEntry(buf, pos: &pos, header: header, content: &content, total: total)
                    let fl = flags(i)
                    var f = Field(kind: .null, binary: fl & 1 != 0, descending: fl & 2 != 0)
                    switch t {
                    case 0: break
                    case 7:
                        let d = Double(bitPattern: buf.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian)
                        if !d.isNaN { f.kind = .real; f.real = d }
                    case 1...9:
                        f.kind = .integer
                        f.integer = KeyProbe.storedInteger(t, buf, offset)
                    default:
                        f.kind = t & 1 == 1 ? .text : .blob
                        f.start = offset
                        f.count = Int((t - 12) / 2)
                    }
                    parsed.append(f)
                    i += 1
                }
                guard content == total else { throw DatabaseError.corrupt(page: nil, "record length") }
            }
        } catch {
            parsed.removeAll(keepingCapacity: true)
            fields = parsed
            bytes = []
            throw error
        }
        fields = parsed
    }

    @inline(__always)
    private static func isBinary(_ c: Collation) -> Bool {
        if case .binary = c { return true }
        return false
    }

    /// The integer of serial type `t` (1...6, 8, 9) at `at` (bounds already checked).
    @inline(__always)
    static func storedInteger(_ t: UInt64, _ rec: UnsafeRawBufferPointer, _ at: Int) -> Int64 {
        switch t {
        case 8: return 0
        case 9: return 1
        case 1: return Int64(Int8(bitPattern: rec[at]))
        case 2: return Int64(Int16(bitPattern: UInt16(rec[at]) << 8 | UInt16(rec[at + 1])))
        case 4: return Int64(Int32(bitPattern: rec.loadUnaligned(fromByteOffset: at, as: UInt32.self).bigEndian))
        case 6: return Int64(bitPattern: rec.loadUnaligned(fromByteOffset: at, as: UInt64.self).bigEndian)
        default:   // 3 and 5: 24- and 48-bit, sign-extended
            let n = t == 5 ? 6 : 3
            var u: UInt64 = rec[at] >= 0x80 ? ~0 : 0
            for k in 0..<n { u = u << 8 | UInt64(rec[at + k]) }
            return Int64(bitPattern: u)
        }
    }

    /// Compares the stored record `record` (its first fields, up to the key's count) with the
    /// key: negative when the record sorts before the key, 0 when equal on the fields both
    /// have. Throws `corrupt` on a malformed record.
    package func compare(_ record: UnsafeRawBufferPointer) throws -> Int {
        // An integer first field against a stored integer with one-byte header size and
        // serial type: the general path's first test, without the field array.
        let total = record.count
        if firstIsInteger, total >= 2, record[0] < 0x80, record[1] < 0x80 {
            let header = Int(record[0]), t = Int(record[1])
            if t >= 1, t <= 9, t != 7, header >= 2, header <= total,
               let len = SerialType.contentLength(UInt64(t)), len <= total - header {
                let v = KeyProbe.storedInteger(UInt64(t), record, header)
                if v != firstInteger { return (v < firstInteger) != firstDescending ? -1 : 1 }
            }
        }
        return try bytes.withUnsafeBytes { key in try compare(record, key) }
    }

    private func compare(_ record: UnsafeRawBufferPointer, _ key: UnsafeRawBufferPointer) throws -> Int {
        let total = record.count
        guard total > 0 else { throw DatabaseError.corrupt(page: nil, "record header size") }
        // The first field decides most probes of a binary search: an integer against an
        // integer key, or a text against a BINARY text key, with one-byte header size and
        // serial type, is compared here without the general walk (an equal first field
        // continues below, which reads it again).
        if total >= 2, record[0] < 0x80, record[1] < 0x80, let f = fields.first {
            let header = Int(record[0]), t = Int(record[1])
            if f.kind == .integer, t >= 1, t <= 9, t != 7, header >= 2, header <= total,
               let len = SerialType.contentLength(UInt64(t)), len <= total - header {
                let v = KeyProbe.storedInteger(UInt64(t), record, header)
                if v != f.integer { return (v < f.integer) != f.descending ? -1 : 1 }
            } else if f.kind == .text, f.binary, t >= 13, t & 1 == 1, header >= 2, header <= total,
                      (t - 13) / 2 <= total - header {
                let r = memcmpThenLength(UnsafeRawBufferPointer(rebasing: record[header ..< header + (t - 13) / 2]),
                                         UnsafeRawBufferPointer(rebasing: key[f.start ..< f.start + f.count]))
                if r != 0 { return f.descending ? -r : r }
            }
        }
        let header: Int, hl: Int
        if record[0] < 0x80 { header = Int(record[0]); hl = 1 } else {
            guard let (hs, l) = Varint.read(record, at: 0), hs <= UInt64(total) else {
                throw DatabaseError.corrupt(page: nil, "record header size")
            }
            header = Int(hs); hl = l
        }
        guard header <= total, header >= hl else { throw DatabaseError.corrupt(page: nil, "record header size") }
        var hpos = hl
        var cpos = header
        var i = 0
        let n = fields.count
        while hpos < header && i < n {
            let t: UInt64
            if record[hpos] < 0x80 { t = UInt64(record[hpos]); hpos += 1 } else {
                guard let (v, l) = Varint.read(record, at: hpos), hpos + l <= header else {
                    throw DatabaseError.corrupt(page: nil, "record serial type")
                }
                t = v; hpos += l
            }
            guard let len = SerialType.contentLength(t), len <= total - cpos else {
                throw DatabaseError.corrupt(page: nil, "record content")
            }
            let f = fields[i]
            let r: Int
            switch t {
            case 0:
                r = f.kind == .null ? 0 : -1
            case 7:
                let d = Double(bitPattern: record.loadUnaligned(fromByteOffset: cpos, as: UInt64.self).bigEndian)
                if d.isNaN { r = f.kind == .null ? 0 : -1 } else {
                    switch f.kind {
                    case .null: r = 1
                    case .integer: r = -compareIntegerReal(f.integer, d)
                    case .real: r = d < f.real ? -1 : (d > f.real ? 1 : 0)
                    case .text, .blob: r = -1
                    }
                }
            case 1...9:
                let v = KeyProbe.storedInteger(t, record, cpos)
                switch f.kind {
                case .null: r = 1
                case .integer: r = v < f.integer ? -1 : (v > f.integer ? 1 : 0)
                case .real: r = compareIntegerReal(v, f.real)
                case .text, .blob: r = -1
                }
            default:
                let stored = UnsafeRawBufferPointer(rebasing: record[cpos ..< cpos + len])
                if t & 1 == 1 {
                    switch f.kind {
                    case .null, .integer, .real: r = 1
                    case .text:
                        let k = UnsafeRawBufferPointer(rebasing: key[f.start ..< f.start + f.count])
                        r = f.binary ? memcmpThenLength(stored, k) : keyInfo.collation(i).compare(stored, k)
                    case .blob: r = -1
                    }
                } else if f.kind == .blob {
                    r = memcmpThenLength(stored, UnsafeRawBufferPointer(rebasing: key[f.start ..< f.start + f.count]))
                } else {
                    r = 1
                }
            }
            if r != 0 { return f.descending ? -r : r }
            cpos += len
            i += 1
        }
        return 0
    }
}
