// This file implements Collation (BINARY, NOCASE, RTRIM and user collations), the comparison of values in
// SQLite's sort order, and key comparison for index B-trees.
// Layer: L2. Spec: Spec/L2-record.md ("Comparison", invariants O1-O7).
import LoomBase

/// A built-in collating sequence (datatype3.html, section 7.1).
///
/// ```swift
/// Collation(name: "nocase")?.compare("ABC", "abc")   // 0
/// Collation.rtrim.compare("a  ", "a")                 // 0
/// ```
/// All three compare UTF-8 bytes (memcmp order), never Swift's `String` order.
/// Corresponds to SQLite's `binCollFunc`, `nocaseCollatingFunc` and the RTRIM collation.
package enum Collation: Sendable, Hashable {
    case binary, nocase, rtrim
    /// BINARY in a UTF-16 database (`bigEndian` false: UTF-16le): SQLite's memcmp() over the
    /// text's UTF-16 bytes in the file's byte order, applied to the UTF-8 bytes Loom holds
    /// (`compareUTF8InUTF16Order`). Named "BINARY"; codegen never produces it, the session
    /// maps `.binary` to it in programs run on a UTF-16 database (L4 `Program.adapted(to:)`).
    case binaryUTF16(bigEndian: Bool)
    /// A collation registered on the connection (L7 `Database.add(collation:)`).
    case custom(CustomCollation)

    /// Collations registered on the connection whose SQL is being compiled or whose schema
    /// is being loaded, by upper-case name. L6 sets it (`Connection.withUserCollations`);
    /// `init(name:)` consults it after the built-ins.
    @TaskLocal package static var connectionCollations: [String: CustomCollation] = [:]

    /// The collation named `name` (case-insensitive), or nil if it is not built in.
    package init?(name: String) {
        switch String(decoding: name.utf8.map { $0 >= 0x61 && $0 <= 0x7a ? $0 - 32 : $0 }, as: UTF8.self) {
        case "BINARY": self = .binary
        case "NOCASE": self = .nocase
        case "RTRIM": self = .rtrim
        case let upper:
            guard let custom = Collation.connectionCollations[upper] else { return nil }
            self = .custom(custom)
        }
    }

    /// The collation's SQL name.
    package var name: String {
        switch self {
        case .binary, .binaryUTF16: return "BINARY"
        case .nocase: return "NOCASE"
        case .rtrim: return "RTRIM"
        case .custom(let c): return c.name
        }
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    package func compare(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { pa in b.withUTF8 { pb in compare(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb)) } }
    }

    /// Compares UTF-8 bytes under this collation.
    package func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        switch self {
        case .binary:
            return memcmpThenLength(a, b)
        case .nocase:
            let n = min(a.count, b.count)
            for i in 0..<n {
                var x = a[i], y = b[i]
                if x >= 0x41 && x <= 0x5a { x += 32 }
                if y >= 0x41 && y <= 0x5a { y += 32 }
                if x != y { return Int(x) - Int(y) }
            }
            return a.count - b.count
        case .rtrim:
            var na = a.count, nb = b.count
            while na > 0, a[na - 1] == 0x20 { na -= 1 }
            while nb > 0, b[nb - 1] == 0x20 { nb -= 1 }
            return memcmpThenLength(UnsafeRawBufferPointer(rebasing: a[0..<na]), UnsafeRawBufferPointer(rebasing: b[0..<nb]))
        case .custom(let c):
            return c.compare(String(decoding: a, as: UTF8.self), String(decoding: b, as: UTF8.self))
        case .binaryUTF16(let bigEndian):
            return compareUTF8InUTF16Order(a, b, bigEndian: bigEndian)
        }
    }

    /// BINARY for a database of text encoding `encoding`: `.binary` for UTF-8, else
    /// `.binaryUTF16` in the file's byte order.
    package static func binary(for encoding: TextEncoding) -> Collation {
        switch encoding {
        case .utf8: return .binary
        case .utf16le: return .binaryUTF16(bigEndian: false)
        case .utf16be: return .binaryUTF16(bigEndian: true)
        }
    }
}

/// Compares two UTF-8 texts as memcmp() compares their UTF-16 encodings (`bigEndian` or
/// little-endian), then the shorter first: SQLite's BINARY collation in a UTF-16 database.
/// The texts agree up to the first differing code point; that pair decides: each becomes
/// its UTF-16 code units, and a unit compares as the 16-bit number formed by its two bytes
/// in file order (for UTF-16le the byte-swapped unit). Ill-formed UTF-8 decodes leniently.
package func compareUTF8InUTF16Order(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, bigEndian: Bool) -> Int {
    let n = min(a.count, b.count)
    var i = 0
    while i < n && a[i] == b[i] { i += 1 }
    if i == n { return a.count - b.count }
    // Back to the first byte of the code point holding the difference (same in both).
    while i > 0 && a[i] & 0xC0 == 0x80 { i -= 1 }
    let x = utf16Keys(decodeScalar(a, at: i), bigEndian: bigEndian)
    let y = utf16Keys(decodeScalar(b, at: i), bigEndian: bigEndian)
    if x.0 != y.0 { return Int(x.0) - Int(y.0) }
    if x.1 != y.1 { return Int(x.1) - Int(y.1) }
    return a.count - b.count   // only reached for ill-formed input
}

/// The code point starting at `i` (`i < p.count`), decoded leniently (bad or truncated
/// sequences give the bits present).
private func decodeScalar(_ p: UnsafeRawBufferPointer, at i: Int) -> UInt32 {
    let b0 = UInt32(p[i])
    let len: Int, initial: UInt32
    switch b0 {
    case 0..<0xC0: return b0
    case 0xC0..<0xE0: len = 2; initial = b0 & 0x1F
    case 0xE0..<0xF0: len = 3; initial = b0 & 0x0F
    default: len = 4; initial = b0 & 0x07
    }
    var v = initial
    var k = 1
    while k < len && i + k < p.count {
        v = v << 6 | UInt32(p[i + k] & 0x3F)
        k += 1
    }
    return v
}

/// The comparison keys of a code point's UTF-16 units (second is 0 for one unit): each unit
/// as the big-endian number of its bytes in the file.
@inline(__always)
private func utf16Keys(_ c: UInt32, bigEndian: Bool) -> (UInt16, UInt16) {
    var u0: UInt16, u1: UInt16 = 0
    if c >= 0x10000 && c <= 0x10FFFF {
        let v = c - 0x10000
        u0 = 0xD800 | UInt16(truncatingIfNeeded: v >> 10)
        u1 = 0xDC00 | UInt16(truncatingIfNeeded: v & 0x3FF)
    } else {
        u0 = UInt16(truncatingIfNeeded: c)
    }
    if !bigEndian { u0 = u0.byteSwapped; u1 = u1.byteSwapped }
    return (u0, u1)
}

/// A user collation: a name and a comparison (negative, zero, positive). Compared by identity.
package final class CustomCollation: Sendable, Hashable {
    /// The name as registered.
    package let name: String
    package let compare: @Sendable (String, String) -> Int
    package init(name: String, compare: @escaping @Sendable (String, String) -> Int) {
        self.name = name
        self.compare = compare
    }
    package static func == (a: CustomCollation, b: CustomCollation) -> Bool { a === b }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// memcmp over the common length, then the shorter sorts first.
@inline(__always)
func memcmpThenLength(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
        let c = memcmpBytes(pa, pb, n)
        if c != 0 { return c }
    }
    return a.count - b.count
}

/// memcmp's sign over `n` bytes: 8 bytes at a time (big-endian words compare as the bytes
/// do), then byte by byte. Index keys share long text prefixes ("eight thousand …"), and a
/// byte loop was most of a text index build's comparisons.
@inline(__always)
private func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Int {
    var i = 0
    while i + 8 <= n {
        let x = a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        let y = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        if x != y { return x.bigEndian < y.bigEndian ? -1 : 1 }
        i += 8
    }
    while i < n {
        let x = a.load(fromByteOffset: i, as: UInt8.self), y = b.load(fromByteOffset: i, as: UInt8.self)
        if x != y { return Int(x) - Int(y) }
        i += 1
    }
    return 0
}

/// Compares an integer with a real exactly (no rounding of the integer to a double):
/// negative when `i < r`.
package func compareIntegerReal(_ i: Int64, _ r: Double) -> Int {
    if r.isNaN { return 1 }  // SQLite never stores NaN; sort it below every number
    if r < -9.223372036854775808e18 { return 1 }
    if r >= 9.223372036854775808e18 { return -1 }
    let t = Int64(r)              // exact: r is inside the Int64 range here
    if i < t { return -1 }
    if i > t { return 1 }
    let f = Double(t)             // exact, |t| < 2^63
    if r > f { return -1 }        // r has a positive fractional part beyond t
    if r < f { return 1 }
    return 0
}

/// Compares two values in SQLite's sort order: NULL < INTEGER/REAL (compared numerically,
/// integers against reals exactly) < TEXT (by `collation`) < BLOB (memcmp, then length).
///
/// ```swift
/// compareValues(.integer(1), .real(1.5))                       // -1
/// compareValues(.text("a"), .text("A"), collation: .nocase)     // 0
/// ```
/// Corresponds to SQLite's `sqlite3MemCompare`.
package func compareValues(_ a: Value, _ b: Value, collation: Collation = .binary) -> Int {
    switch (a, b) {
    case (.null, .null): return 0
    case (.null, _): return -1
    case (_, .null): return 1
    case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
    case (.real(let x), .real(let y)): return x < y ? -1 : (x > y ? 1 : 0)
    case (.integer(let x), .real(let y)): return compareIntegerReal(x, y)
    case (.real(let x), .integer(let y)): return -compareIntegerReal(y, x)
    case (.integer, _), (.real, _): return -1
    case (_, .integer), (_, .real): return 1
    case (.text(let x), .text(let y)): return collation.compare(x, y)
    case (.text, .blob): return -1
    case (.blob, .text): return 1
    case (.blob(let x), .blob(let y)):
        return x.withUnsafeBytes { px in y.withUnsafeBytes { py in memcmpThenLength(px, py) } }
    }
}

/// How an index's key fields compare: a collation and a direction per field. Fields beyond
/// the arrays (such as the trailing rowid of an index entry) compare BINARY ascending.
package struct KeyInfo: Sendable, Hashable {
    package var collations: [Collation]
    package var descending: [Bool]

    package init(collations: [Collation] = [], descending: [Bool] = []) {
        self.collations = collations
        self.descending = descending
    }

    /// `count` fields, BINARY ascending.
    package init(fieldCount count: Int) {
        self.init(collations: Array(repeating: .binary, count: count), descending: Array(repeating: false, count: count))
    }

    @inline(__always) package func collation(_ i: Int) -> Collation { i < collations.count ? collations[i] : .binary }
    @inline(__always) package func isDescending(_ i: Int) -> Bool { i < descending.count ? descending[i] : false }
}

/// Compares two index keys field by field up to the shorter length, each field with its
/// collation and direction.
///
/// A key that is a prefix of the other compares EQUAL (returns 0): the B-tree's index seek
/// relies on this to find the first entry whose leading fields equal a partial key.
/// Corresponds to SQLite's `sqlite3VdbeRecordCompare` with `default_rc = 0`.
package func compareKeys(_ a: [Value], _ b: [Value], keyInfo: KeyInfo) -> Int {
    let n = min(a.count, b.count)
    for i in 0..<n {
        let c = compareValues(a[i], b[i], collation: keyInfo.collation(i))
        if c != 0 { return keyInfo.isDescending(i) ? -c : c }
    }
    return 0
}

/// Compares a stored record (the first fields, up to `key.count`) with `key`, field by field
/// with `keyInfo`, without decoding values: the B-tree's index seek and the VDBE's index
/// comparisons use this on page bytes. A prefix compares equal, as in `compareKeys`.
/// Throws `corrupt` on a malformed record.
///
/// Corresponds to SQLite's `sqlite3VdbeRecordCompare`.
package func compareRecord(_ record: UnsafeRawBufferPointer, with key: [Value], keyInfo: KeyInfo) throws -> Int {
    try key.withUnsafeBufferPointer { try compareRecord(record, with: $0, keyInfo: keyInfo) }
}

/// `compareRecord(_:with:keyInfo:)` with the key read in place (the VDBE passes registers).
package func compareRecord(_ record: UnsafeRawBufferPointer, with key: UnsafeBufferPointer<Value>, keyInfo: KeyInfo) throws -> Int {
    guard let (hs, hl) = Varint.read(record, at: 0), hs <= UInt64(record.count), Int(hs) >= hl else {
        throw DatabaseError.corrupt(page: nil, "record header size")
    }
    let header = Int(hs)
    var hpos = hl
    var cpos = header
    var field = 0
    while hpos < header && field < key.count {
        guard let (t, l) = Varint.read(record, at: hpos), hpos + l <= header else {
            throw DatabaseError.corrupt(page: nil, "record serial type")
        }
        hpos += l
        guard let n = SerialType.contentLength(t), n <= record.count - cpos else {
            throw DatabaseError.corrupt(page: nil, "record content")
        }
        let r = compareStored(t, record, cpos, n, key[field], keyInfo.collation(field))
        if r != 0 { return keyInfo.isDescending(field) ? -r : r }
        cpos += n
        field += 1
    }
    return 0
}

/// One stored field (serial type `t`, `n` content bytes at `at`) against a value.
private func compareStored(_ t: UInt64, _ rec: UnsafeRawBufferPointer, _ at: Int, _ n: Int, _ v: Value, _ collation: Collation) -> Int {
    switch t {
    case 0:
        return v.isNull ? 0 : -1
    case 1...9:
        let stored = RecordCodec.value(serialType: t, in: rec, at: at)
        switch v {
        case .null: return 1
        case .integer, .real: return compareValues(stored, v)
        case .text, .blob: return -1   // a NaN read as NULL sorts first too
        }
    default:
        let bytes = UnsafeRawBufferPointer(rebasing: rec[at..<(at + n)])
        if t & 1 == 1 {
            switch v {
            case .null, .integer, .real: return 1
            case .text(let s):
                var s = s
                return s.withUTF8 { collation.compare(bytes, UnsafeRawBufferPointer($0)) }
            case .blob: return -1
            }
        }
        switch v {
        case .blob(let b): return b.withUnsafeBytes { memcmpThenLength(bytes, $0) }
        default: return 1
        }
    }
}

/// Compares two stored records field by field (the first `fieldCount` fields at most) with
/// `keyInfo`, without decoding them into values: the VDBE sorter orders its encoded records
/// with this. A record that is a prefix of the other compares equal, as in `compareKeys`.
/// Throws `corrupt` on a malformed record.
///
/// Corresponds to SQLite's `vdbeSorterCompare` (record against record).
package func compareRecords(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, fieldCount: Int,
                            keyInfo: KeyInfo) throws -> Int {
    guard let (ahs, ahl) = Varint.read(a, at: 0), ahs <= UInt64(a.count), Int(ahs) >= ahl,
          let (bhs, bhl) = Varint.read(b, at: 0), bhs <= UInt64(b.count), Int(bhs) >= bhl else {
        throw DatabaseError.corrupt(page: nil, "record header size")
    }
    let aHeader = Int(ahs), bHeader = Int(bhs)
    var ah = ahl, bh = bhl
    var ac = aHeader, bc = bHeader
    var field = 0
    while ah < aHeader && bh < bHeader && field < fieldCount {
        let at: UInt64, bt: UInt64
        if a[ah] < 0x80 { at = UInt64(a[ah]); ah += 1 } else {
            guard let (v, l) = Varint.read(a, at: ah), ah + l <= aHeader else {
                throw DatabaseError.corrupt(page: nil, "record serial type")
            }
            at = v; ah += l
        }
        if b[bh] < 0x80 { bt = UInt64(b[bh]); bh += 1 } else {
            guard let (v, l) = Varint.read(b, at: bh), bh + l <= bHeader else {
                throw DatabaseError.corrupt(page: nil, "record serial type")
            }
            bt = v; bh += l
        }
        guard let an = SerialType.contentLength(at), an <= a.count - ac,
              let bn = SerialType.contentLength(bt), bn <= b.count - bc else {
            throw DatabaseError.corrupt(page: nil, "record content")
        }
        let r: Int
        if at >= 1 && at <= 9 && at != 7 && bt >= 1 && bt <= 9 && bt != 7 {
            // Two integers (the common index key and the trailing rowid): no Value built.
            let x = KeyProbe.storedInteger(at, a, ac), y = KeyProbe.storedInteger(bt, b, bc)
            r = x < y ? -1 : (x > y ? 1 : 0)
        } else if at >= 13 && bt >= 13 && at & 1 == 1 && bt & 1 == 1, case .binary = keyInfo.collation(field) {
            // Two BINARY texts: memcmp in place.
            r = memcmpThenLength(UnsafeRawBufferPointer(rebasing: a[ac ..< ac + an]),
                                 UnsafeRawBufferPointer(rebasing: b[bc ..< bc + bn]))
        } else {
            r = compareStoredFields(at, a, ac, an, bt, b, bc, bn, keyInfo.collation(field))
        }
        if r != 0 { return keyInfo.isDescending(field) ? -r : r }
        ac += an
        bc += bn
        field += 1
    }
    return 0
}

/// The storage class rank of a stored field: 0 NULL (and NaN), 1 number, 2 text, 3 blob.
@inline(__always)
private func storedClass(_ t: UInt64, _ rec: UnsafeRawBufferPointer, _ at: Int) -> Int {
    switch t {
    case 0: return 0
    case 7:
        if case .null = RecordCodec.value(serialType: 7, in: rec, at: at) { return 0 }
        return 1
    case 1...9: return 1
    default: return t & 1 == 1 ? 2 : 3
    }
}

/// One stored field against another (both already bounds-checked).
private func compareStoredFields(_ at: UInt64, _ a: UnsafeRawBufferPointer, _ ao: Int, _ an: Int,
                                 _ bt: UInt64, _ b: UnsafeRawBufferPointer, _ bo: Int, _ bn: Int,
                                 _ collation: Collation) -> Int {
    let ac = storedClass(at, a, ao), bc = storedClass(bt, b, bo)
    if ac != bc { return ac < bc ? -1 : 1 }
    switch ac {
    case 0: return 0
    case 1:
        return compareValues(RecordCodec.value(serialType: at, in: a, at: ao),
                             RecordCodec.value(serialType: bt, in: b, at: bo))
    case 2:
        return collation.compare(UnsafeRawBufferPointer(rebasing: a[ao..<(ao + an)]),
                                 UnsafeRawBufferPointer(rebasing: b[bo..<(bo + bn)]))
    default:
        return memcmpThenLength(UnsafeRawBufferPointer(rebasing: a[ao..<(ao + an)]),
                                UnsafeRawBufferPointer(rebasing: b[bo..<(bo + bn)]))
    }
}
