// This file implements Page: one cached database page and the only place its bytes live.
// Layer: L1. Spec: Spec/L1-pager.md.

/// A 1-based page number. Page 1 holds the 100-byte database header.
package struct PageNumber: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible {
    package var rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }
    package init(_ value: UInt32) { self.rawValue = value }
    package init(integerLiteral value: UInt32) { self.rawValue = value }
    @inlinable package static func < (a: PageNumber, b: PageNumber) -> Bool { a.rawValue < b.rawValue }
    // Its own `==` and hash on the raw value: without them `==` resolved to RawRepresentable's
    // generic one (a witness-table lookup and a thunk per compare in the B-tree's hot paths).
    @inlinable package static func == (a: PageNumber, b: PageNumber) -> Bool { a.rawValue == b.rawValue }
    @inlinable package func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    package var description: String { "\(rawValue)" }
}

/// One page of the database held in the pager's cache.
///
/// Unsafe code is fenced here: the page owns one raw allocation of `size` bytes for its
/// lifetime, so that the B-tree reads and writes page bytes in place without copying a page
/// per access. Every accessor checks its bounds with a precondition: an out-of-range offset
/// is our bug, because callers validate every offset read from the file before using it.
package final class Page {
    package let number: PageNumber
    /// Set by the pager when it hands out a page; bumped pager-wide on rollback so stale
    /// references can be detected (`Pager.generation`).
    package internal(set) var generation: UInt64
    /// True once the pager has journaled the page for the current write transaction.
    package internal(set) var isWritable = false
    /// True when the page differs from the file.
    package internal(set) var isDirty = false
    /// The serial of the innermost savepoint this page's content was saved for (0: none);
    /// see `Pager+Savepoint.swift`.
    var savepointSerial: UInt64 = 0
    /// The cache's CLOCK bit: set on every cache hit, cleared as the eviction hand passes.
    var recentlyUsed = true
    /// The bytes (`@usableFromInline` so the read accessors inline into the B-tree).
    @usableFromInline let storage: UnsafeMutableRawBufferPointer
    /// A header check cache for the layer above (LoomBTree's `Node`): 0 = not checked, else
    /// what that layer stored after validating the page's header. Every write to the bytes
    /// resets it, so the header is validated once per load or change, not on every access.
    /// (Stored last: fields other modules read keep their offsets.)
    package var checkedHeader: UInt64 = 0
    /// A second cache for the layer above, kept like `checkedHeader`: -1 = unknown, else the
    /// page's free bytes as L3 last computed or updated them (`Node.freeBytes`). Every write
    /// to the bytes resets it. (Stored last, for the same reason.)
    package var freeBytesHint: Int = -1

    @inlinable package var size: Int { storage.count }

    /// A page of `size` bytes, zero-filled unless `zeroed` is false (then the pager fills
    /// every byte before anyone reads them: a page read from the file or the log).
    package init(number: PageNumber, size: Int, generation: UInt64, zeroed: Bool = true) {
        self.number = number
        self.generation = generation
        self.storage = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        if zeroed { self.storage.initializeMemory(as: UInt8.self, repeating: 0) }
    }

    deinit { storage.deallocate() }

    /// Read-only view of the bytes; the pointer must not escape `body`.
    @inlinable @inline(__always)
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// The bytes, read-only, for a reader that holds this page (LoomBTree's `Node` keeps
    /// its page): valid exactly as long as the `Page` object is alive, never after. Avoids a
    /// closure (and its generic result) per access on the hottest read paths (seeks).
    @inlinable @inline(__always)
    package var unsafeBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }

    /// Mutable view of the bytes; the page must have been made writable by the pager.
    @inline(__always)
    package func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        precondition(isWritable, "page \(number) modified without Pager.makeWritable")
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        return try body(storage)
    }

    /// The bytes for an in-place write by a holder of the page, without a closure (the
    /// B-tree's append of a cell per INSERT): marks the page dirty and resets
    /// `checkedHeader` as `withMutableBytes` does. The page must have been made writable;
    /// the pointer is valid only while the caller holds the page, for this one write.
    package func unsafeMutableBytesForWrite() -> UnsafeMutableRawBufferPointer {
        precondition(isWritable, "page modified without Pager.makeWritable")
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        return storage
    }

    /// Raw mutable access for the pager itself (reading from disk, rollback).
    package func withStorageForPager<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        checkedHeader = 0; freeBytesHint = -1
        return try body(storage)
    }

    package subscript(offset: Int) -> UInt8 {
        get { storage[offset] }
        set { precondition(isWritable); isDirty = true; checkedHeader = 0; freeBytesHint = -1; storage[offset] = newValue }
    }

    /// Big-endian 16-bit value at `offset`.
    @inlinable
    package func u16(_ offset: Int) -> Int {
        precondition(offset >= 0 && offset + 2 <= storage.count)
        return Int(storage[offset]) << 8 | Int(storage[offset + 1])
    }

    /// Big-endian 32-bit value at `offset`.
    @inlinable
    package func u32(_ offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= storage.count)
        return UInt32(storage[offset]) << 24 | UInt32(storage[offset + 1]) << 16
            | UInt32(storage[offset + 2]) << 8 | UInt32(storage[offset + 3])
    }

    package func setU16(_ offset: Int, _ value: Int) {
        precondition(isWritable && offset >= 0 && offset + 2 <= storage.count)
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        storage[offset] = UInt8(truncatingIfNeeded: value >> 8)
        storage[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    package func setU32(_ offset: Int, _ value: UInt32) {
        precondition(isWritable && offset >= 0 && offset + 4 <= storage.count)
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        storage[offset] = UInt8(truncatingIfNeeded: value >> 24)
        storage[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        storage[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        storage[offset + 3] = UInt8(truncatingIfNeeded: value)
    }

    /// Copies `count` bytes starting at `offset` out of the page.
    package func bytes(at offset: Int, count: Int) -> [UInt8] {
        precondition(offset >= 0 && count >= 0 && offset + count <= storage.count)
        return Array(UnsafeRawBufferPointer(rebasing: storage[offset..<(offset + count)]))
    }

    /// Copies `source` into the page at `offset`.
    /// (Contiguous sources are copied with one memcpy: the byte-at-a-time generic loop was
    /// 10% of an insert-heavy profile, micro_a.)
    package func setBytes<C: Collection>(_ source: C, at offset: Int) where C.Element == UInt8 {
        let count = source.count
        precondition(isWritable && offset >= 0 && offset + count <= storage.count)
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        let copied: Bool? = source.withContiguousStorageIfAvailable { buffer in
            guard let from = buffer.baseAddress, let base = storage.baseAddress, count > 0 else { return true }
            (base + offset).copyMemory(from: from, byteCount: count)
            return true
        }
        if copied != nil { return }
        var i = offset
        for b in source { storage[i] = b; i += 1 }
    }

    /// Fills `source.count` bytes at `offset` with the repeated byte (one memset).
    package func setBytes(_ source: Repeated<UInt8>, at offset: Int) {
        let count = source.count
        precondition(isWritable && offset >= 0 && count >= 0 && offset + count <= storage.count)
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        guard count > 0, let base = storage.baseAddress else { return }
        (base + offset).initializeMemory(as: UInt8.self, repeating: source.first ?? 0, count: count)
    }

    /// Moves `count` bytes within the page (memmove semantics).
    package func moveBytes(from source: Int, to destination: Int, count: Int) {
        precondition(isWritable && source >= 0 && destination >= 0 && count >= 0
            && source + count <= storage.count && destination + count <= storage.count)
        isDirty = true
        checkedHeader = 0; freeBytesHint = -1
        guard let base = storage.baseAddress, count > 0 else { return }
        (base + destination).copyMemory(from: base + source, byteCount: count)
    }
}
