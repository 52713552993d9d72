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
        let buf = record
        let total = byteCount
        // A one-byte header size (any record of fewer than 127 header bytes) is read in place.
        let hs: UInt64, hl: Int
        if total > 0, buf[0] < 0x80 { hs = UInt64(buf[0]); hl = 1 } else {
            guard let (v, l) = Varint.read(buf, at: 0) else {
                throw DatabaseError.corrupt(page: nil, "record header size")
            }
            hs = v; hl = l
        }
        guard hs <= UInt64(total), Int(hs) >= hl else {
            throw DatabaseError.corrupt(page: nil, "record header size")
        }
        let header = Int(hs)
        // At most one column per header byte.
        let needed = 2 * (header - hl)
        if needed > fieldCapacity {
            let capacity = max(needed, 32)
            fields?.deallocate()
            fields = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
            fieldCapacity = capacity
        }
        var pos = hl
        var content = header
        var n = 0
        // A header entry means needed > 0, so `fields` was allocated above.
        let f = fields.unsafelyUnwrapped
        while pos < header {
            let b = buf[pos]
            // One-byte serial types (all but long TEXT/BLOB) decoded here; checks as
            // `RecordCodec.nextHeaderEntry`, which reads the rest (same errors).
            if b < 0x80 && (b < 10 || b >= 12) {
                let t = Int(b)
                let length = t < 10 ? Int(truncatingIfNeeded: RecordBuffer.smallLengths >> UInt64(4 * t)) & 0xF : (t - 12) >> 1
                guard length <= total - content else { throw DatabaseError.corrupt(page: nil, "record content") }
                pos += 1
                f[2 * n] = t
                f[2 * n + 1] = content
                content += length
            } else {
                let (t, offset) = try RecordCodec.nextHeaderEntry(buf, pos: &pos, header: header, content: &content, total: total)
                f[2 * n] = Int(t)
                f[2 * n + 1] = offset
            }
            n += 1
        }
        guard content == total else { throw DatabaseError.corrupt(page: nil, "record length") }
        count = n
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
