// This file implements the database text encodings (header offset 56) and the transcoding
// of UTF-16 records to the UTF-8 records the upper layers work with.
// Layer: L2. Spec: Spec/L2-record.md ("Text encodings").
import LoomBase

/// The text encoding of a database file: header offset 56 (1, 2 or 3).
package enum TextEncoding: UInt32, Sendable {
    case utf8 = 1, utf16le = 2, utf16be = 3

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
