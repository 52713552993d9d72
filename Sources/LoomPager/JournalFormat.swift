// This file implements the rollback journal's byte format: header, page records, checksum
// (fileformat2.html, "The Rollback Journal"). Layer: L1. Spec: Spec/L1-pager.md ("Journal").

/// Byte layout of the rollback journal.
enum JournalFormat {
    /// The 8-byte header string d9d505f920a163d7.
    static let magic: [UInt8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]
    /// Bytes of the header that carry data; the rest of its sector is zero.
    static let headerFieldsSize = 28
    /// Record count meaning "every record to the end of the file" (-1).
    static let countToEnd: UInt32 = 0xffff_ffff

    struct Header: Equatable {
        var recordCount: UInt32
        var nonce: UInt32
        var initialPageCount: UInt32
        var sectorSize: UInt32
        var pageSize: UInt32
    }

    /// The 28 header bytes; `withMagic == false` writes zeros where the magic and count go,
    /// so the header is not valid until the journal is synced (as SQLite does).
    static func encode(_ h: Header, withMagic: Bool) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: headerFieldsSize)
        if withMagic {
            b.replaceSubrange(0..<8, with: magic)
            put32(&b, 8, h.recordCount)
        }
        put32(&b, 12, h.nonce)
        put32(&b, 16, h.initialPageCount)
        put32(&b, 20, h.sectorSize)
        put32(&b, 24, h.pageSize)
        return b
    }

    /// Parses a header; nil when the magic is wrong.
    static func decode(_ b: [UInt8]) -> Header? {
        guard b.count >= headerFieldsSize, Array(b[0..<8]) == magic else { return nil }
        return Header(recordCount: get32(b, 8), nonce: get32(b, 12), initialPageCount: get32(b, 16),
                      sectorSize: get32(b, 20), pageSize: get32(b, 24))
    }

    /// The record checksum: the nonce plus the bytes at N-200, N-400, … ≥ 0 of the page.
    static func checksum(nonce: UInt32, page: UnsafeRawBufferPointer) -> UInt32 {
        var sum = nonce
        var x = page.count - 200
        while x >= 0 {
            sum &+= UInt32(page[x])
            x -= 200
        }
        return sum
    }

    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        b[at] = UInt8(truncatingIfNeeded: v >> 24)
        b[at + 1] = UInt8(truncatingIfNeeded: v >> 16)
        b[at + 2] = UInt8(truncatingIfNeeded: v >> 8)
        b[at + 3] = UInt8(truncatingIfNeeded: v)
    }

    static func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func isPowerOfTwo(_ v: UInt32, in range: ClosedRange<UInt32>) -> Bool {
        range.contains(v) && v & (v - 1) == 0
    }
}
