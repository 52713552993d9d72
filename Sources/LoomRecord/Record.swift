// This file implements the record format: encoding a row of values into SQLite's record
// bytes, decoding it eagerly (RecordCodec) or lazily (RecordReader).
// Layer: L2. Spec: Spec/L2-record.md ("Record format", invariants R1-R6).
import LoomBase

/// Encodes and decodes SQLite records.
///
/// ```swift
/// let bytes = RecordCodec.encode([.integer(1), .text("a")])   // [3, 9, 15, 0x61]
/// let row = try RecordCodec.decode(bytes)                       // [.integer(1), .text("a")]
/// ```
/// Corresponds to SQLite's `OP_MakeRecord` and `sqlite3VdbeRecordUnpack`.
package enum RecordCodec {
    /// The record bytes SQLite writes for `values`.
    package static func encode(_ values: [Value]) -> [UInt8] {
        var out: [UInt8] = []
        encode(values, into: &out)
        return out
    }

    /// Appends the record for `values` to `out`.
    package static func encode(_ values: [Value], into out: inout [UInt8]) {
        var typesLength = 0
        var bodyLength = 0
        var types: [UInt64] = []
        types.reserveCapacity(values.count)
        for v in values {
            let t = SerialType.of(v)
            types.append(t)
            typesLength += Varint.length(of: t)
            bodyLength += SerialType.contentLength(t) ?? 0
        }
        // The header size counts its own varint.
        var headerSize = typesLength + 1
        while Varint.length(of: UInt64(headerSize)) + typesLength > headerSize {
            headerSize = typesLength + Varint.length(of: UInt64(headerSize))
        }
        out.reserveCapacity(out.count + headerSize + bodyLength)
        Varint.write(UInt64(headerSize), into: &out)
        for t in types { Varint.write(t, into: &out) }
        for (v, t) in zip(values, types) { appendContent(v, serialType: t, into: &out) }
    }

    @inline(__always)
    static func appendContent(_ v: Value, serialType t: UInt64, into out: inout [UInt8]) {
        switch v {
        case .null: break
        case .integer(let i):
            guard let n = SerialType.contentLength(t), n > 0 else { return }
            let u = UInt64(bitPattern: i)
            for k in stride(from: n - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(k)))) }
        case .real(let d):
            guard t == 7 else { return }
            let u = d.bitPattern
            for k in stride(from: 7, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(k)))) }
        case .text(let s): out.append(contentsOf: s.utf8)
        case .blob(let b): out.append(contentsOf: b)
        }
    }

    /// Decodes every column of a record. Throws `corrupt` when the header and the body do
    /// not agree (invariants R1-R4).
    package static func decode(_ bytes: [UInt8]) throws -> [Value] {
        let r = try RecordReader(bytes)
        var out: [Value] = []
        out.reserveCapacity(r.count)
        for i in 0..<r.count { out.append(r.storedColumn(i)) }
        return out
    }

    /// Decodes the content of one column of serial type `t` from `bytes` (already checked
    /// to hold `SerialType.contentLength(t)` bytes at `offset`).
    @inline(__always)
    package static func value(serialType t: UInt64, in bytes: UnsafeRawBufferPointer, at offset: Int) -> Value {
        switch t {
        case 0: return .null
        case 8: return .integer(0)
        case 9: return .integer(1)
        case 1...6:
            let n = t == 5 ? 6 : (t == 6 ? 8 : Int(t))
            var u: UInt64 = bytes[offset] >= 0x80 ? ~0 : 0   // sign extension
            for k in 0..<n { u = u << 8 | UInt64(bytes[offset + k]) }
            return .integer(Int64(bitPattern: u))
        case 7:
            var u: UInt64 = 0
            for k in 0..<8 { u = u << 8 | UInt64(bytes[offset + k]) }
            let d = Double(bitPattern: u)
            return d.isNaN ? .null : .real(d)
        default:
            let n = Int((t - 12) / 2)
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
            if t & 1 == 1 { return .text(String(decoding: slice, as: UTF8.self)) }
            return .blob(Array(slice))
        }
    }
}

/// A record whose header is parsed once; columns are decoded on demand.
///
/// ```swift
/// let r = try RecordReader(bytes)
/// let b = try r.column(1)        // columns at or beyond r.count read as NULL
/// ```
/// Columns beyond the record's count read as NULL: a row written before
/// `ALTER TABLE ADD COLUMN` has fewer columns, and the caller applies the column default.
/// Corresponds to SQLite's `OP_Column` header cache.
package struct RecordReader {
    package let bytes: [UInt8]
    /// Per column, its serial type then the offset of its content in `bytes` (one array, not
    /// two: a reader is built per row scanned, and each allocation showed in scan profiles).
    private var fields: [Int] = []
    /// The header size (offset of the first column's content).
    package private(set) var headerSize = 0

    /// Parses the header; throws `corrupt` if the header is malformed or the body is not
    /// exactly the size the serial types demand.
    package init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let total = bytes.count
        try bytes.withUnsafeBytes { buf in
            guard let (hs, hl) = Varint.read(buf, at: 0) else { throw DatabaseError.corrupt(page: nil, "record header size") }
            guard hs <= UInt64(total), Int(hs) >= hl else { throw DatabaseError.corrupt(page: nil, "record header size") }
            let header = Int(hs)
            headerSize = header
            var pos = hl
            var content = header
            // At most one serial type per header byte: reserving up front avoids regrowing
            // the array per column (array growth was ~7% of a scan-heavy speedtest1 profile).
            fields.reserveCapacity(2 * (header - hl))
            while pos < header {
                guard let (t, l) = Varint.read(buf, at: pos), pos + l <= header else {
                    throw DatabaseError.corrupt(page: nil, "record serial type")
                }
                pos += l
                // `n <= total - content` also bounds t (< 2 * total + 14), so it fits an Int.
                guard let n = SerialType.contentLength(t), n <= total - content else {
                    throw DatabaseError.corrupt(page: nil, "record content")
                }
                fields.append(Int(t))
                fields.append(content)
                content += n
            }
            guard content == total else { throw DatabaseError.corrupt(page: nil, "record length") }
        }
    }

    /// The number of columns the record stores.
    package var count: Int { fields.count >> 1 }

    /// Column `i`; NULL for `i >= count`.
    package func column(_ i: Int) throws -> Value {
        guard i >= 0 else { throw DatabaseError(.range) }
        guard i < count else { return .null }
        return storedColumn(i)
    }

    /// The raw content bytes of column `i` (text exactly as stored, even if not UTF-8);
    /// empty for `i >= count`.
    package func columnBytes(_ i: Int) -> ArraySlice<UInt8> {
        guard i >= 0, i < count, let n = SerialType.contentLength(UInt64(fields[2 * i])) else { return [] }
        let offset = fields[2 * i + 1]
        return bytes[offset..<(offset + n)]
    }

    /// The serial type of column `i` (0, NULL, for `i >= count`).
    package func serialType(_ i: Int) -> UInt64 { i >= 0 && i < count ? UInt64(fields[2 * i]) : 0 }

    func storedColumn(_ i: Int) -> Value {
        bytes.withUnsafeBytes { RecordCodec.value(serialType: UInt64(fields[2 * i]), in: $0, at: fields[2 * i + 1]) }
    }
}
