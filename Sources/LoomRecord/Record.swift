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
        encode(values[...])
    }

    /// Appends the record for `values` to `out`.
    package static func encode(_ values: [Value], into out: inout [UInt8]) {
        out.append(contentsOf: encode(values[...]))
    }

    /// The record bytes for `values`.
    package static func encode(_ values: ArraySlice<Value>) -> [UInt8] {
        values.withUnsafeBufferPointer { encode($0) }
    }

    /// The record bytes for `values` (MakeRecord passes its registers in place, so no
    /// array is built per row). Two passes: sizes, then one exactly-sized buffer written in
    /// place (growing an array byte by byte was ~10% of a GROUP BY scan).
    package static func encode(_ values: UnsafeBufferPointer<Value>) -> [UInt8] {
        let (headerSize, total) = layout(values)
        return byteArray(count: total) { write(values, headerSize: headerSize, total: total, into: $0) }
    }

    /// Calls `body` with the record bytes for `values` in a temporary buffer (valid only
    /// inside `body`): no array at all, for a consumer that copies the bytes anyway (the
    /// VM's fused MakeRecord+SorterInsert).
    /// Not generic, and the temporary allocation's closure does not throw: a generic or
    /// throwing closure there instantiated `Result` metadata at run time on every call
    /// (~650 instructions per sorted row in micro_c).
    package static func withEncoded(_ values: UnsafeBufferPointer<Value>,
                                    _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let (headerSize, total) = layout(values)
        var failure: (any Error)?
        withUnsafeTemporaryAllocation(byteCount: total, alignment: 8) { out in
            write(values, headerSize: headerSize, total: total, into: out)
            do { try body(UnsafeRawBufferPointer(out)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The record for `values`, except that field `i` where `keep[i]` is true and `row` has
    /// that field is `row`'s field as it is: its serial type and content bytes are copied,
    /// not decoded and encoded again (R11). An UPDATE's MakeRecord builds the new row so from
    /// the row it rewrites, for the columns it does not assign; a kept field past `row`'s
    /// end is `values[i]` (the caller put the column's default there).
    package static func encode(_ values: UnsafeBufferPointer<Value>, keeping keep: UnsafeBufferPointer<Bool>,
                               from row: borrowing RecordBuffer) -> [UInt8] {
        // Fields below `stored` may be kept. `row`'s storage is read through plain pointers:
        // its `parse` checked every field's content range against the record, and laid the
        // contents end to end, so a run of kept fields is one range of the record: from the
        // run's first field's offset to the next field's offset (or the record's end).
        let stored = min(row.count, keep.count, values.count)
        guard stored > 0, let fields = row.fields else { return encode(values) }
        let source = row.record
        let parsed = row.count
        /// The end of the kept run starting at `i` (the first field after it).
        @inline(__always) func runEnd(_ i: Int) -> Int {
            var j = i + 1
            while j < stored && keep[j] { j += 1 }
            return j
        }
        /// Where field `j`'s content starts (the record's end past the last field).
        @inline(__always) func contentStart(_ j: Int) -> Int { j < parsed ? fields[2 * j + 1] : source.count }
        var typesLength = 0
        var bodyLength = 0
        var i = 0
        while i < values.count {
            if i < stored && keep[i] {
                let j = runEnd(i)
                for f in i ..< j {
                    let t = fields[2 * f]
                    typesLength += t < 0x80 ? 1 : Varint.length(of: UInt64(t))
                }
                bodyLength += contentStart(j) - contentStart(i)
                i = j
            } else {
                let (t, n) = serialTypeAndLength(values[i])
                typesLength += t < 0x80 ? 1 : Varint.length(of: t)
                bodyLength += n
                i += 1
            }
        }
        let headerSize = headerSize(typesLength: typesLength)
        let total = headerSize + bodyLength
        return byteArray(count: total) { out in
            var pos = Varint.write(UInt64(headerSize), into: out, at: 0)
            for i in values.indices {
                let t = i < stored && keep[i] ? UInt64(fields[2 * i]) : serialTypeAndLength(values[i]).serialType
                if t < 0x80 { out[pos] = UInt8(truncatingIfNeeded: t); pos += 1 } else {
                    pos += Varint.write(t, into: out, at: pos)
                }
            }
            precondition(pos == headerSize, "record header length mismatch")
            var i = 0
            while i < values.count {
                if i < stored && keep[i] {
                    let j = runEnd(i)
                    let start = contentStart(i), n = contentStart(j) - start
                    precondition(start >= 0 && n >= 0 && start + n <= source.count && pos + n <= total, "record length mismatch")
                    if n > 0 {
                        (out.baseAddress.unsafelyUnwrapped + pos).copyMemory(from: source.baseAddress.unsafelyUnwrapped + start,
                                                                             byteCount: n)
                    }
                    pos += n
                    i = j
                } else {
                    writeContent(values[i], into: out, at: &pos, total: total)
                    i += 1
                }
            }
            precondition(pos == total, "record length mismatch")
        }
    }

    /// The serial type SQLite writes for `v` and its content length.
    @inline(__always)
    private static func serialTypeAndLength(_ v: Value) -> (serialType: UInt64, length: Int) {
        switch v {
        case .null: return (0, 0)
        case .integer(let x): return (SerialType.forInteger(x), integerLength(x))
        case .real(let d): return d.isNaN ? (0, 0) : (7, 8)
        case .text(let s):
            let n = s.utf8.count
            return (UInt64(n) &* 2 &+ 13, n)
        case .blob(let b): return (UInt64(b.count) &* 2 &+ 12, b.count)
        }
    }

    /// The size of a record header whose serial types take `typesLength` bytes, counting
    /// the header-size varint itself.
    @inline(__always)
    private static func headerSize(typesLength: Int) -> Int {
        var headerSize = typesLength + 1
        while Varint.length(of: UInt64(headerSize)) + typesLength > headerSize {
            headerSize = typesLength + Varint.length(of: UInt64(headerSize))
        }
        return headerSize
    }

    /// The header size (counting its own varint) and total byte length of the record for
    /// `values`. One switch per value, no serial type materialised: an integer's content
    /// length comes straight from its magnitude (`integerLength`).
    @inline(__always)
    private static func layout(_ values: UnsafeBufferPointer<Value>) -> (headerSize: Int, total: Int) {
        var typesLength = 0
        var bodyLength = 0
        for i in values.indices {
            switch values[i] {
            case .null:
                typesLength += 1
            case .integer(let x):
                typesLength += 1
                bodyLength += integerLength(x)
            case .real(let d):
                typesLength += 1
                if !d.isNaN { bodyLength += 8 }
            case .text(let s):
                let n = s.utf8.count
                typesLength += Varint.length(of: UInt64(n) &* 2 &+ 13)
                bodyLength += n
            case .blob(let b):
                let n = b.count
                typesLength += Varint.length(of: UInt64(n) &* 2 &+ 12)
                bodyLength += n
            }
        }
        let headerSize = headerSize(typesLength: typesLength)
        return (headerSize, headerSize + bodyLength)
    }

    /// The content length of integer `i` (serial types 8/9 for 0/1 store nothing).
    @inline(__always)
    static func integerLength(_ i: Int64) -> Int {
        // Serial types 1...4 store that many bytes, 5 six, 6 eight, 8/9 none.
        switch SerialType.forInteger(i) {
        case 5: return 6
        case 6: return 8
        case 8, 9: return 0
        case let t: return Int(t)
        }
    }

    /// Writes the record for `values` into `out` (exactly `total` bytes, from `layout`).
    // Unsafe: stores into an uninitialised buffer; every length written below is the one
    // `layout` measured from the same values, and the total is checked.
    @inline(__always)
    private static func write(_ values: UnsafeBufferPointer<Value>, headerSize: Int, total: Int,
                              into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= total, "record buffer too small")
        var pos = Varint.write(UInt64(headerSize), into: out, at: 0)
        // The header: one byte per serial type below 0x80 (all but long text and blobs).
        for i in values.indices {
            let t = serialTypeAndLength(values[i]).serialType
            if t < 0x80 { out[pos] = UInt8(truncatingIfNeeded: t); pos += 1 } else {
                pos += Varint.write(t, into: out, at: pos)
            }
        }
        precondition(pos == headerSize, "record header length mismatch")
        for i in values.indices { writeContent(values[i], into: out, at: &pos, total: total) }
        precondition(pos == total, "record length mismatch")
    }

    /// Writes `v`'s content (as `serialTypeAndLength` measured it) at `pos` and advances it.
    // Unsafe: stores into the caller's uninitialised record buffer; `total` bounds the text
    // and blob copies.
    @inline(__always)
    private static func writeContent(_ v: Value, into out: UnsafeMutableRawBufferPointer, at pos: inout Int, total: Int) {
        switch v {
        case .null: break
        case .integer(let x):
            // Big-endian two's complement in the width layout chose (unaligned stores).
            let n = integerLength(x)
            switch n {
            case 0: break
            case 1: out.storeBytes(of: UInt8(truncatingIfNeeded: x), toByteOffset: pos, as: UInt8.self)
            case 2: out.storeBytes(of: UInt16(truncatingIfNeeded: x).bigEndian, toByteOffset: pos, as: UInt16.self)
            case 3:
                out.storeBytes(of: UInt16(truncatingIfNeeded: x >> 8).bigEndian, toByteOffset: pos, as: UInt16.self)
                out.storeBytes(of: UInt8(truncatingIfNeeded: x), toByteOffset: pos + 2, as: UInt8.self)
            case 4: out.storeBytes(of: UInt32(truncatingIfNeeded: x).bigEndian, toByteOffset: pos, as: UInt32.self)
            case 6:
                out.storeBytes(of: UInt16(truncatingIfNeeded: x >> 32).bigEndian, toByteOffset: pos, as: UInt16.self)
                out.storeBytes(of: UInt32(truncatingIfNeeded: x).bigEndian, toByteOffset: pos + 2, as: UInt32.self)
            default: out.storeBytes(of: UInt64(bitPattern: x).bigEndian, toByteOffset: pos, as: UInt64.self)
            }
            pos += n
        case .real(let d):
            guard !d.isNaN else { break }
            out.storeBytes(of: d.bitPattern.bigEndian, toByteOffset: pos, as: UInt64.self)
            pos += 8
        case .text(let s):
            let n = s.utf8.count
            precondition(pos + n <= total, "record length mismatch")
            let target = UnsafeMutableRawBufferPointer(rebasing: out[pos ..< pos + n])
            if s.utf8.withContiguousStorageIfAvailable({ target.copyMemory(from: UnsafeRawBufferPointer($0)) }) == nil {
                var copy = s
                copy.withUTF8 { target.copyMemory(from: UnsafeRawBufferPointer($0)) }
            }
            pos += n
        case .blob(let b):
            let n = b.count
            precondition(pos + n <= total, "record length mismatch")
            b.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(rebasing: out[pos ..< pos + n]).copyMemory(from: raw)
            }
            pos += n
        }
    }

    /// A new byte array of `count` bytes that `fill` writes completely. Built in a
    /// temporary (stack) buffer and copied: `Array(unsafeUninitializedCapacity:)` allocates
    /// through the unspecialised stdlib path, a runtime metadata lookup per call (~370
    /// instructions, ~3% of micro_c); the copy of a short record costs far less.
    @inline(__always)
    package static func byteArray(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { out in
            fill(out)
            return [UInt8](UnsafeRawBufferPointer(out))
        }
    }

    /// A new array holding a copy of `bytes` (see `byteArray(count:_:)`).
    @inline(__always)
    package static func byteArray(copying bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](bytes)
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
    @inlinable @inline(__always)
    package static func value(serialType t: UInt64, in bytes: UnsafeRawBufferPointer, at offset: Int) -> Value {
        switch t {
        case 0: return .null
        case 8: return .integer(0)
        case 9: return .integer(1)
        case 1:
            return .integer(Int64(Int8(bitPattern: bytes[offset])))
        case 2:
            return .integer(Int64(Int16(bitPattern: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))))
        case 4:
            return .integer(Int64(Int32(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian)))
        case 6:
            return .integer(Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian))
        case 3:
            // Three big-endian bytes in the top of a word, sign-extended by the shift back.
            let u = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            return .integer(Int64(Int32(bitPattern: u) >> 8))
        case 5:
            let high = UInt64(bytes[offset]) << 56 | UInt64(bytes[offset + 1]) << 48
            let low = UInt64(bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt32.self).bigEndian) << 16
            return .integer(Int64(bitPattern: high | low) >> 16)
        case 7:
            let d = Double(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian)
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
    package private(set) var bytes: [UInt8]
    /// Per column, its serial type then the offset of its content in `bytes` (one array, not
    /// two: a reader is built per row scanned, and each allocation showed in scan profiles).
    private var fields: [Int] = []
    /// The header size (offset of the first column's content).
    package private(set) var headerSize = 0

    /// Parses the header; throws `corrupt` if the header is malformed or the body is not
    /// exactly the size the serial types demand.
    package init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        try parseHeader()
    }

    private mutating func parseHeader() throws {
        fields.removeAll(keepingCapacity: true)
        headerSize = 0
        do { try parseFields() } catch {
            fields.removeAll(keepingCapacity: true)
            headerSize = 0
            throw error
        }
    }

    private mutating func parseFields() throws {
        let total = bytes.count
        var fields = self.fields
        self.fields = []   // unique ownership while appending (no copy on write)
        defer { self.fields = fields }
        headerSize = try bytes.withUnsafeBytes { buf -> Int in
            guard let (hs, hl) = Varint.read(buf, at: 0) else { throw DatabaseError.corrupt(page: nil, "record header size") }
            guard hs <= UInt64(total), Int(hs) >= hl else { throw DatabaseError.corrupt(page: nil, "record header size") }
            let header = Int(hs)
            var pos = hl
            var content = header
            // At most one serial type per header byte: reserving up front avoids regrowing
            // the array per column (array growth was ~7% of a scan-heavy speedtest1 profile).
            fields.reserveCapacity(2 * (header - hl))
            while pos < header {
                let (t, offset) = try RecordCodec.nextHeaderEntry(buf, pos: &pos, header: header, content: &content, total: total)
                fields.append(Int(t))
                fields.append(offset)
            }
            guard content == total else { throw DatabaseError.corrupt(page: nil, "record length") }
            return header
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

extension RecordCodec {
    /// Reads the record-header entry at `pos` (the header ends at `header`; the columns
    /// before it take the content up to `content` of the record's `total` bytes): returns its
    /// serial type and content offset, and moves `pos` and `content` past it. Throws
    /// `corrupt` for a bad varint or a column that would run past the record. Shared by
    /// `RecordReader` and `RecordBuffer`, the two record parsers.
    @inline(__always)
    static func nextHeaderEntry(_ buf: UnsafeRawBufferPointer, pos: inout Int, header: Int,
                                content: inout Int, total: Int) throws -> (type: UInt64, offset: Int) {
        let t: UInt64, l: Int
        // One-byte serial types (all but long text/blob) skip the varint loop.
        if buf[pos] < 0x80 { t = UInt64(buf[pos]); l = 1 } else {
            guard let (t2, l2) = Varint.read(buf, at: pos) else {
                throw DatabaseError.corrupt(page: nil, "record serial type")
            }
            t = t2; l = l2
        }
        guard pos + l <= header else { throw DatabaseError.corrupt(page: nil, "record serial type") }
        pos += l
        // `length <= total - content` also bounds t (< 2 * total + 14), so it fits an Int.
        guard let length = SerialType.contentLength(t), length <= total - content else {
            throw DatabaseError.corrupt(page: nil, "record content")
        }
        let offset = content
        content += length
        return (t, offset)
    }
}
