// This file implements the byte layout of the write-ahead log: the 32-byte WAL header, the
// 24-byte frame header and SQLite's WAL checksum. Layer: L1.
// Spec: Spec/L1-pager.md (section "WAL", tables "WAL header", "Frame header").

/// Constants and codecs of the `-wal` file (fileformat2.html §4).
enum WALFormat {
    static let headerSize = 32
    static let frameHeaderSize = 24
    /// Magic with little-endian checksums; `| 1` means big-endian checksums.
    static let magic: UInt32 = 0x377F_0682
    static let version: UInt32 = 3_007_000

    /// Whether this machine is big-endian (the checksum byte order Loom writes).
    static let nativeBigEndian = UInt32(1).bigEndian == 1

    /// Offset of frame `n` (1-based) in the WAL file.
    static func frameOffset(_ n: UInt32, pageSize: Int) -> Int64 {
        Int64(headerSize) + Int64(n &- 1) * Int64(frameHeaderSize + pageSize)
    }

    /// SQLite's WAL checksum: over 32-bit words taken in pairs (x0, x1): s0 += x0 + s1,
    /// s1 += x1 + s0, starting from `seed`. Words are big-endian when `bigEndian`, else
    /// little-endian. `bytes.count` must be a multiple of 8.
    static func checksum(_ bytes: UnsafeRawBufferPointer, bigEndian: Bool,
                         seed: (UInt32, UInt32) = (0, 0)) -> (UInt32, UInt32) {
        precondition(bytes.count % 8 == 0, "WAL checksum over a length not a multiple of 8")
        var s0 = seed.0
        var s1 = seed.1
        var i = 0
        let n = bytes.count
        if bigEndian {
            while i < n {
                let x0 = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
                let x1 = UInt32(bytes[i + 4]) << 24 | UInt32(bytes[i + 5]) << 16 | UInt32(bytes[i + 6]) << 8 | UInt32(bytes[i + 7])
                s0 = s0 &+ x0 &+ s1
                s1 = s1 &+ x1 &+ s0
                i += 8
            }
        } else {
            while i < n {
                let x0 = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                let x1 = UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 24
                s0 = s0 &+ x0 &+ s1
                s1 = s1 &+ x1 &+ s0
                i += 8
            }
        }
        return (s0, s1)
    }

    static func get32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func put32(_ b: UnsafeMutableRawBufferPointer, _ at: Int, _ v: UInt32) {
        b[at] = UInt8(truncatingIfNeeded: v >> 24)
        b[at + 1] = UInt8(truncatingIfNeeded: v >> 16)
        b[at + 2] = UInt8(truncatingIfNeeded: v >> 8)
        b[at + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// A decoded, validated WAL header.
    struct Header: Equatable {
        var bigEndianChecksum: Bool
        var pageSize: Int
        var checkpointSequence: UInt32
        var salt1: UInt32
        var salt2: UInt32
        var checksum: (UInt32, UInt32)

        static func == (a: Header, b: Header) -> Bool {
            a.bigEndianChecksum == b.bigEndianChecksum && a.pageSize == b.pageSize
                && a.checkpointSequence == b.checkpointSequence && a.salt1 == b.salt1 && a.salt2 == b.salt2
                && a.checksum == b.checksum
        }

        /// Decodes the first 32 bytes; nil when the magic, version, page size or checksum
        /// is wrong (the WAL is then empty).
        static func decode(_ b: UnsafeRawBufferPointer) -> Header? {
            guard b.count >= headerSize else { return nil }
            let m = get32(b, 0)
            guard m & 0xFFFF_FFFE == magic, get32(b, 4) == version else { return nil }
            let big = m & 1 == 1
            let ps = Int(get32(b, 8))
            guard ps >= 512, ps <= 65536, ps & (ps - 1) == 0 else { return nil }
            let sum = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[0..<24]), bigEndian: big)
            guard sum.0 == get32(b, 24), sum.1 == get32(b, 28) else { return nil }
            return Header(bigEndianChecksum: big, pageSize: ps, checkpointSequence: get32(b, 12),
                          salt1: get32(b, 16), salt2: get32(b, 20), checksum: sum)
        }

        /// Encodes the header (computing its checksum) into 32 bytes.
        func encode() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: headerSize)
            out.withUnsafeMutableBytes { b in
                put32(b, 0, magic | (bigEndianChecksum ? 1 : 0))
                put32(b, 4, version)
                put32(b, 8, UInt32(pageSize))
                put32(b, 12, checkpointSequence)
                put32(b, 16, salt1)
                put32(b, 20, salt2)
                let sum = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[0..<24]), bigEndian: bigEndianChecksum)
                put32(b, 24, sum.0)
                put32(b, 28, sum.1)
            }
            return out
        }
    }
}
