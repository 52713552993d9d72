// This file implements the database text encodings (header offset 56) and the transcoding
// of UTF-16 records to the UTF-8 records the upper layers work with.
// Layer: L2. Spec: Spec/L2-record.md ("Text encodings").
import LoomBase

/// The text encoding of a database file: header offset 56 (1, 2 or 3).
package enum TextEncoding: UInt32, Sendable {
    case utf8 = 1, utf16le = 2, utf16be = 3

    /// The encoding `PRAGMA encoding = name` asks for (ASCII case-insensitive): UTF-8,
    /// UTF8, UTF-16le, UTF16le, UTF-16be, UTF16be, and UTF-16 / UTF16 for the native order
    /// (little-endian on the hosts Loom runs on); nil for any other name.
    package init?(pragmaName: String) {
        switch String(decoding: pragmaName.utf8.map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 32 : $0 }, as: UTF8.self) {
        case "utf-8", "utf8": self = .utf8
        case "utf-16le", "utf16le": self = .utf16le
        case "utf-16be", "utf16be": self = .utf16be
        case "utf-16", "utf16": self = UInt16(1).littleEndian == 1 && UInt16(1).bigEndian != 1 ? .utf16le : .utf16be
        default: return nil
        }
    }

    /// The name `PRAGMA encoding` reports.
    package var name: String {
        switch self {
        case .utf8: return "UTF-8"
        case .utf16le: return "UTF-16le"
        case .utf16be: return "UTF-16be"
        }
    }
}

extension RecordCodec {
    /// Rewrites a record whose text columns are stored as UTF-16 (`bigEndian` or little)
    /// into the same record with UTF-8 text; other columns are copied unchanged. Throws
    /// `corrupt` when the record is malformed. Ill-formed UTF-16 decodes with U+FFFD.
    package static func transcodeUTF16(_ bytes: [UInt8], bigEndian: Bool) throws -> [UInt8] {
        let r = try RecordReader(bytes)
        var hasText = false
        for i in 0..<r.count where r.serialType(i) >= 13 && r.serialType(i) & 1 == 1 { hasText = true; break }
        guard hasText else { return bytes }
        var values: [Value] = []
        values.reserveCapacity(r.count)
        for i in 0..<r.count {
            let t = r.serialType(i)
            if t >= 13 && t & 1 == 1 {
                values.append(.text(decodeUTF16(r.columnBytes(i), bigEndian: bigEndian)))
            } else {
                values.append(try r.column(i))
            }
        }
        return encode(values)
    }

    /// The inverse of `transcodeUTF16`: rewrites a UTF-8 record (as the upper layers build
    /// them) into the same record with its text columns stored as UTF-16 in the given byte
    /// order, for writing into a UTF-16 file. Throws `corrupt` when the record is malformed.
    package static func transcodeToUTF16(_ bytes: [UInt8], bigEndian: Bool) throws -> [UInt8] {
        let r = try RecordReader(bytes)
        var hasText = false
        for i in 0..<r.count where r.serialType(i) >= 13 && r.serialType(i) & 1 == 1 { hasText = true; break }
        guard hasText else { return bytes }
        var types: [UInt64] = []
        var body: [UInt8] = []
        types.reserveCapacity(r.count)
        body.reserveCapacity(bytes.count * 2)
        for i in 0..<r.count {
            let t = r.serialType(i)
            if t >= 13 && t & 1 == 1 {
                let start = body.count
                appendUTF16(of: r.columnBytes(i), bigEndian: bigEndian, into: &body)
                types.append(UInt64(body.count - start) * 2 + 13)
            } else {
                types.append(t)
                body.append(contentsOf: r.columnBytes(i))
            }
        }
        let typesLength = types.reduce(0) { $0 + Varint.length(of: $1) }
        var headerSize = typesLength + 1
        while Varint.length(of: UInt64(headerSize)) + typesLength > headerSize {
            headerSize = typesLength + Varint.length(of: UInt64(headerSize))
        }
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + body.count)
        Varint.write(UInt64(headerSize), into: &out)
        for t in types { Varint.write(t, into: &out) }
        out.append(contentsOf: body)
        return out
    }

    /// Appends the UTF-16 form of UTF-8 `text` (ill-formed input repaired with U+FFFD).
    package static func appendUTF16<C: Collection<UInt8>>(of text: C, bigEndian: Bool, into out: inout [UInt8]) {
        for unit in String(decoding: text, as: UTF8.self).utf16 {
            let hi = UInt8(truncatingIfNeeded: unit >> 8), lo = UInt8(truncatingIfNeeded: unit)
            if bigEndian { out.append(hi); out.append(lo) } else { out.append(lo); out.append(hi) }
        }
    }

    /// Decodes UTF-16 bytes (an odd trailing byte is dropped, as SQLite does).
    package static func decodeUTF16(_ b: ArraySlice<UInt8>, bigEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(b.count / 2)
        var i = b.startIndex
        while i + 1 < b.endIndex {
            let x = UInt16(b[i]), y = UInt16(b[i + 1])
            units.append(bigEndian ? x << 8 | y : y << 8 | x)
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}

extension Value {
    /// `textValue` in a database of text encoding `encoding`: a blob's bytes are read in
    /// that encoding (UTF-16 drops an odd last byte). CAST(blob AS TEXT), `||`.
    package func textValue(in encoding: TextEncoding) -> String? {
        switch (self, encoding) {
        case (.blob(let b), .utf16le): return RecordCodec.decodeUTF16(b[...], bigEndian: false)
        case (.blob(let b), .utf16be): return RecordCodec.decodeUTF16(b[...], bigEndian: true)
        default: return textValue
        }
    }

    /// `blobValue` in a database of text encoding `encoding`: text (and numbers rendered as
    /// text) become their bytes in that encoding. CAST(x AS BLOB).
    package func blobValue(in encoding: TextEncoding) -> [UInt8]? {
        switch self {
        case .null, .blob: return blobValue
        default:
            guard encoding != .utf8, let s = textValue else { return blobValue }
            var out: [UInt8] = []
            out.reserveCapacity(s.utf8.count * 2)
            RecordCodec.appendUTF16(of: s.utf8, bigEndian: encoding == .utf16be, into: &out)
            return out
        }
    }
}
