// This file implements RecordBuffer: one parsed record held in storage that a cursor reuses
// from row to row, so scanning allocates nothing per row.
// Layer: L2. Spec: Spec/L2-record.md ("Record format", R8).
import LoomBase

/// A record copied into reusable storage with its header parsed (serial type and content
/// offset per column). `load` replaces the record; `column(i)` decodes one column.
///
/// ```swift
/// var row = RecordBuffer()
/// try row.load([3, 1, 15, 7, 0x61])   // (7, 'a')
/// row.column(1)                        // .text("a")
/// ```
/// Non-copyable, so a cursor's buffer is borrowed in place: a struct of arrays stored in a
/// class was retained and released on every Column (~10% of a GROUP BY scan).
/// Corresponds to the header cache SQLite keeps in a `VdbeCursor` (`aType`, `aOffset`).
package struct RecordBuffer: ~Copyable {
    // Unsafe: manually managed storage (no reference counting per access). Every read is
    // checked against `byteCount`/`count`; `parse` checks each offset against the record.
    // Both buffers are allocated by the first `load` (a cursor that never reads a row, such
    // as an INSERT's, allocates nothing); until then the capacities are 0.
    @usableFromInline var bytes: UnsafeMutableRawPointer?
    private var byteCapacity: Int
    /// Length of the current record.
    package private(set) var byteCount = 0
    /// Two per column: the serial type, then the content offset.
    @usableFromInline var fields: UnsafeMutablePointer<Int>?
    private var fieldCapacity: Int
    /// Columns in the current record (0 when empty or after a failed load).
    package private(set) var count = 0

    package init() {
        bytes = nil
        byteCapacity = 0
        fields = nil
        fieldCapacity = 0
    }

    deinit {
        bytes?.deallocate()
        fields?.deallocate()
    }

    /// Copies `source` in and parses its header. Throws `corrupt` as `RecordReader` does
    /// (invariant R3); the buffer is then empty.
    package mutating func load(_ source: UnsafeRawBufferPointer) throws {
        count = 0
        byteCount = 0
        if source.count > byteCapacity {
            let capacity = max(source.count, 2 * byteCapacity, 256)
            bytes?.deallocate()
            bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            byteCapacity = capacity
        }
        if let base = source.baseAddress, source.count > 0 {
            // Allocated above: source.count <= byteCapacity, which is 0 until then.
            bytes.unsafelyUnwrapped.copyMemory(from: base, byteCount: source.count)
        }
        byteCount = source.count
        try parse()
    }

    /// Copies the record `source` in (see `load(_:)` for a raw buffer).
    package mutating func load(_ source: [UInt8]) throws {
        try source.withUnsafeBytes { try load($0) }
    }

    /// Makes the buffer empty (no columns).
    package mutating func clear() {
        count = 0
        byteCount = 0
    }

    @inlinable
    var record: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: byteCount) }

    /// Content lengths of serial types 0 ... 9, four bits each (10 and 11 are reserved).
    private static let smallLengths: UInt64 = 0x00_8864_3210

    private mutating func parse() throws {
        let total = byteCount
        // A one-byte header size (any record of fewer than 127 header bytes) is read in place.
        let header: Int, hl: Int
        if total > 0, let b = bytes, b.load(as: UInt8.self) < 0x80 {
            header = Int(b.load(as: UInt8.self))
            hl = 1
            guard header <= total, header >= 1 else { try RecordBuffer.corrupt("record header size") }
        } else {
            (header, hl) = try RecordBuffer.longHeaderSize(record)
        }
        // At most one column per header byte.
        let needed = 2 * (header - hl)
        if needed > fieldCapacity {
            let capacity = max(needed, 32)
            fields?.deallocate()
            fields = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
            fieldCapacity = capacity
        }
        // total > 0 here (an empty record fails above), so `load` allocated the bytes.
        let p = UnsafeRawPointer(bytes.unsafelyUnwrapped)
        var pos = hl
        var content = header
        var n = 0
        // A header entry means needed > 0, so `fields` was allocated above.
        let f = fields.unsafelyUnwrapped
        while pos < header {
            // Serial types of one and two bytes (all but TEXT/BLOB of 8k and more) decoded
            // here, with the checks of `RecordCodec.nextHeaderEntry`, which reads the rest
            // (same errors). Every read is below `header` <= `total`.
            let b = p.load(fromByteOffset: pos, as: UInt8.self)
            let t: Int
            if b < 0x80 {
                t = Int(b)
                pos += 1
            } else if pos + 1 < header, case let b2 = p.load(fromByteOffset: pos + 1, as: UInt8.self), b2 < 0x80 {
                t = Int(b & 0x7F) << 7 | Int(b2)
                pos += 2
            } else {
                let (t, offset) = try RecordBuffer.longEntry(record, pos: &pos, header: header, content: &content, total: total)
                f[2 * n] = Int(t)
                f[2 * n + 1] = offset
                n += 1
                continue
            }
            let length: Int
            if t >= 12 {
                length = (t - 12) >> 1
            } else if t < 10 {
                length = Int(truncatingIfNeeded: RecordBuffer.smallLengths >> UInt64(4 * t)) & 0xF
            } else {
                try RecordBuffer.corrupt("record content")  // 10 and 11 are reserved
            }
            guard length <= total - content else { try RecordBuffer.corrupt("record content") }
            f[2 * n] = t
            f[2 * n + 1] = content
            content += length
            n += 1
        }
        guard content == total else { try RecordBuffer.corrupt("record length") }
        count = n
    }

    // The parse's cold paths, out of line so that its loop stays small.

    /// Throws `corrupt` with `detail`.
    @inline(never)
    private static func corrupt(_ detail: String, line: UInt = #line) throws -> Never {
        throw DatabaseError.corrupt(page: nil, detail, line: line)
    }

    /// The header size and its varint's length when that varint is longer than one byte (or
    /// the record is empty); checked against the record.
    @inline(never)
    private static func longHeaderSize(_ buf: UnsafeRawBufferPointer) throws -> (Int, Int) {
        guard let (v, l) = Varint.read(buf, at: 0), v <= UInt64(buf.count), Int(v) >= l else {
            try corrupt("record header size")
        }
        return (Int(v), l)
    }

    /// A header entry whose serial type takes three varint bytes or more.
    @inline(never)
    private static func longEntry(_ buf: UnsafeRawBufferPointer, pos: inout Int, header: Int,
                                  content: inout Int, total: Int) throws -> (UInt64, Int) {
        try RecordCodec.nextHeaderEntry(buf, pos: &pos, header: header, content: &content, total: total)
    }

    /// Column `i`; NULL for `i` outside `0 ..< count`. Inlinable: the VM's Column reads it
    /// once per column per row.
    @inlinable @inline(__always)
    package func column(_ i: Int) -> Value {
        guard i >= 0, i < count else { return .null }
        // count > 0: `parse` allocated `fields` (and `load` the bytes).
        let f = fields.unsafelyUnwrapped
        return RecordCodec.value(serialType: UInt64(f[2 * i]), in: record, at: f[2 * i + 1])
    }

    /// The byte length of column `i` when it is a BLOB, from its serial type ((t - 12) / 2);
    /// nil for any other type and for `i` outside `0 ..< count`. Inlinable: the VM's
    /// Column+length() reads it once per row.
    @inlinable @inline(__always)
    package func blobLength(_ i: Int) -> Int64? {
        guard i >= 0, i < count else { return nil }
        // count > 0: `parse` allocated `fields`.
        let t = fields.unsafelyUnwrapped[2 * i]
        guard t >= 12, t & 1 == 0 else { return nil }
        return Int64((t - 12) / 2)
    }

    /// The serial type of column `i` (0, NULL, outside `0 ..< count`).
    package func serialType(_ i: Int) -> UInt64 {
        guard i >= 0, i < count else { return 0 }
        return UInt64(fields.unsafelyUnwrapped[2 * i])
    }

    /// Calls `body` with the bytes of column `i` when it is TEXT (valid only inside `body`);
    /// nil for any other column type or `i` outside `0 ..< count`.
    package func withTextField<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard i >= 0, i < count else { return nil }
        // count > 0: `parse` allocated `fields`.
        let f = fields.unsafelyUnwrapped
        let t = f[2 * i], offset = f[2 * i + 1]
        guard t >= 13, t & 1 == 1 else { return nil }
        let length = (t - 13) / 2
        guard offset >= 0, offset + length <= byteCount else { return nil }
        return try body(UnsafeRawBufferPointer(rebasing: record[offset ..< offset + length]))
    }

    /// Calls `body` with the record bytes (valid only inside `body`).
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(record)
    }

    /// A copy of the record bytes.
    package var bytesCopy: [UInt8] { Array(record) }
}
