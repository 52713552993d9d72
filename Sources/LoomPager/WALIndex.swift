// This file implements the WAL index (the "-shm" content): its 136-byte header with the two
// header copies, checkpoint information and read marks, and the hash tables that find the
// latest frame of a page. Layer: L1.
// Spec: Spec/L1-pager.md (section "WAL index").
import LoomBase
import LoomVFS

/// One copy of the wal-index header (48 bytes, native byte order except the salts).
struct WALIndexHeader: Equatable {
    var change: UInt32 = 0
    var isInit = false
    var bigEndianChecksum = WALFormat.nativeBigEndian
    var pageSize = 0
    var mxFrame: UInt32 = 0
    var nPage: UInt32 = 0
    var frameChecksum0: UInt32 = 0
    var frameChecksum1: UInt32 = 0
    /// The WAL header's salts (big-endian values, stored in the index as the WAL's bytes).
    var salt1: UInt32 = 0
    var salt2: UInt32 = 0

    static let size = 48
    static let version: UInt32 = 3_007_000

    /// Encodes the 48 bytes, with the checksum over bytes 0..<40 in native word order.
    func encode() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        out.withUnsafeMutableBytes { b in
            b.storeBytes(of: Self.version, toByteOffset: 0, as: UInt32.self)
            b.storeBytes(of: change, toByteOffset: 8, as: UInt32.self)
            b[12] = isInit ? 1 : 0
            b[13] = bigEndianChecksum ? 1 : 0
            b.storeBytes(of: UInt16(truncatingIfNeeded: pageSize == 65536 ? 1 : pageSize), toByteOffset: 14, as: UInt16.self)
            b.storeBytes(of: mxFrame, toByteOffset: 16, as: UInt32.self)
            b.storeBytes(of: nPage, toByteOffset: 20, as: UInt32.self)
            b.storeBytes(of: frameChecksum0, toByteOffset: 24, as: UInt32.self)
            b.storeBytes(of: frameChecksum1, toByteOffset: 28, as: UInt32.self)
            WALFormat.put32(b, 32, salt1)
            WALFormat.put32(b, 36, salt2)
            let sum = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[0..<40]), bigEndian: WALFormat.nativeBigEndian)
            b.storeBytes(of: sum.0, toByteOffset: 40, as: UInt32.self)
            b.storeBytes(of: sum.1, toByteOffset: 44, as: UInt32.self)
        }
        return out
    }

    /// Decodes a copy; nil when it is not initialized or its checksum or version is wrong.
    static func decode(_ b: UnsafeRawBufferPointer) -> WALIndexHeader? {
        guard b.count >= size, b[12] != 0 else { return nil }
        guard b.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == version else { return nil }
        let sum = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[0..<40]), bigEndian: WALFormat.nativeBigEndian)
        guard sum.0 == b.loadUnaligned(fromByteOffset: 40, as: UInt32.self),
              sum.1 == b.loadUnaligned(fromByteOffset: 44, as: UInt32.self) else { return nil }
        var h = WALIndexHeader()
        h.change = b.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        h.isInit = true
        h.bigEndianChecksum = b[13] != 0
        let ps = Int(b.loadUnaligned(fromByteOffset: 14, as: UInt16.self))
        h.pageSize = ps == 1 ? 65536 : ps
        h.mxFrame = b.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
        h.nPage = b.loadUnaligned(fromByteOffset: 20, as: UInt32.self)
        h.frameChecksum0 = b.loadUnaligned(fromByteOffset: 24, as: UInt32.self)
        h.frameChecksum1 = b.loadUnaligned(fromByteOffset: 28, as: UInt32.self)
        h.salt1 = WALFormat.get32(b, 32)
        h.salt2 = WALFormat.get32(b, 36)
        return h
    }
}

/// The wal-index in shared memory, reached through the database file's `VFSSharedMemory`.
///
/// Unsafe code is fenced here: the index lives in memory shared with other connections
/// (other processes for PosixVFS), so it is read and written through the raw region pointers
/// the VFS maps; every offset is computed here from checked frame numbers.
final class WALIndex {
    static let regionSize = 32768
    static let headerBytes = 136
    /// Frames indexed by the first region (after the 136-byte header) and by later ones.
    static let firstUnitFrames: UInt32 = 4062
    static let unitFrames: UInt32 = 4096
    static let hashOffset = 16384
    static let hashSlots = 8192
    static let unusedReadMark: UInt32 = 0xFFFF_FFFF

    /// Lock slots (`xShmLock` offsets).
    static let writeLock = 0
    static let checkpointLock = 1
    static let recoverLock = 2
    static func readLock(_ i: Int) -> Int { 3 + i }

    let shm: any VFSSharedMemory
    private var regions: [UnsafeMutableRawPointer] = []

    init(shm: any VFSSharedMemory) {
        self.shm = shm
    }

    /// Region `i`, mapping it (and creating it when `extend`) on first use.
    func region(_ i: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        if i < regions.count { return regions[i] }
        while regions.count <= i {
            guard let p = try shm.shmMap(region: regions.count, size: Self.regionSize, extend: extend) else { return nil }
            regions.append(p)
        }
        return regions[i]
    }

    func header0() throws -> UnsafeMutableRawPointer {
        guard let p = try region(0, extend: true) else { throw DatabaseError(.ioErrorShmMap) }
        return p
    }

    func forgetMappings() { regions = [] }

    // MARK: Header

    /// The header when both copies agree and are valid (nil: recovery is needed). Reads the
    /// shared memory in place, without taking a lock (as SQLite does): a copy torn by a
    /// concurrent writer fails the comparison or its checksum.
    func readHeader() throws -> WALIndexHeader? {
        let p = try header0()
        var copy0 = HeaderBytes()
        withUnsafeMutableBytes(of: &copy0) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: WALIndexHeader.size)) }
        shm.shmBarrier()
        var copy1 = HeaderBytes()
        withUnsafeMutableBytes(of: &copy1) {
            $0.copyMemory(from: UnsafeRawBufferPointer(start: p + WALIndexHeader.size, count: WALIndexHeader.size))
        }
        guard copy0 == copy1 else { return nil }
        return withUnsafeBytes(of: &copy0) { WALIndexHeader.decode($0) }
    }

    /// 48 bytes on the stack: one header copy.
    private struct HeaderBytes: Equatable {
        var w0: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var w1: (UInt64, UInt64, UInt64) = (0, 0, 0)

        static func == (a: HeaderBytes, b: HeaderBytes) -> Bool {
            a.w0 == b.w0 && a.w1 == b.w1
        }
    }

    /// Publishes a header: the second copy first, then (after a barrier) the first, so a
    /// reader that sees the new first copy also sees the new second one.
    func writeHeader(_ h: WALIndexHeader) throws {
        let p = try header0()
        let bytes = h.encode()
        bytes.withUnsafeBytes { src in
            guard let s = src.baseAddress else { return }
            (p + WALIndexHeader.size).copyMemory(from: s, byteCount: WALIndexHeader.size)
            shm.shmBarrier()
            p.copyMemory(from: s, byteCount: WALIndexHeader.size)
        }
        shm.shmBarrier()
    }

    /// Clears both header copies (isInit = 0): every reader then runs recovery.
    func invalidateHeader() throws {
        let p = try header0()
        p.initializeMemory(as: UInt8.self, repeating: 0, count: 2 * WALIndexHeader.size)
        shm.shmBarrier()
    }

    private func load32(_ offset: Int) throws -> UInt32 {
        let p = try header0()
        shm.shmBarrier()
        return p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
    }

    private func store32(_ offset: Int, _ v: UInt32) throws {
        let p = try header0()
        p.storeBytes(of: v, toByteOffset: offset, as: UInt32.self)
        shm.shmBarrier()
    }

    /// Frames already copied into the database (offset 96).
    func nBackfill() throws -> UInt32 { try load32(96) }
    func setNBackfill(_ v: UInt32) throws { try store32(96, v) }
    func readMark(_ i: Int) throws -> UInt32 { try load32(100 + 4 * i) }
    func setReadMark(_ i: Int, _ v: UInt32) throws { try store32(100 + 4 * i, v) }
    func setNBackfillAttempted(_ v: UInt32) throws { try store32(128, v) }

    // MARK: Hash tables

    /// The unit (region) indexing frame `f` (1-based) and the frame number before its first.
    static func unit(of f: UInt32) -> (unit: Int, zero: UInt32) {
        if f <= firstUnitFrames { return (0, 0) }
        let u = Int((f - firstUnitFrames - 1) / unitFrames) + 1
        return (u, firstUnitFrames + UInt32(u - 1) * unitFrames)
    }

    static func pgnoBase(_ unit: Int) -> Int { unit == 0 ? headerBytes : 0 }
    static func capacity(_ unit: Int) -> UInt32 { unit == 0 ? firstUnitFrames : unitFrames }
    static func hash(_ page: UInt32) -> Int { Int((UInt64(page) &* 383) & UInt64(hashSlots - 1)) }

    /// Records that frame `f` holds `page`. The first frame of a unit clears the unit.
    func append(frame f: UInt32, page: UInt32) throws {
        let (u, zero) = Self.unit(of: f)
        guard let r = try region(u, extend: true) else { throw DatabaseError(.ioErrorShmMap) }
        let idx = f - zero
        let base = Self.pgnoBase(u)
        if idx == 1 {
            (r + base).initializeMemory(as: UInt8.self, repeating: 0, count: Self.regionSize - base)
        }
        r.storeBytes(of: page, toByteOffset: base + Int(idx - 1) * 4, as: UInt32.self)
        var h = Self.hash(page)
        var probes = 0
        while r.loadUnaligned(fromByteOffset: Self.hashOffset + 2 * h, as: UInt16.self) != 0 {
            probes += 1
            guard probes < Self.hashSlots else { throw DatabaseError.corrupt(page: 0, "wal-index hash table full") }
            h = (h + 1) & (Self.hashSlots - 1)
        }
        r.storeBytes(of: UInt16(idx), toByteOffset: Self.hashOffset + 2 * h, as: UInt16.self)
    }

    /// The page stored in frame `f` (0 when unknown).
    func page(ofFrame f: UInt32) throws -> UInt32 {
        guard f >= 1 else { return 0 }
        let (u, zero) = Self.unit(of: f)
        guard let r = try region(u, extend: false) else { return 0 }
        return r.loadUnaligned(fromByteOffset: Self.pgnoBase(u) + Int(f - zero - 1) * 4, as: UInt32.self)
    }

    /// The last frame in `minFrame...maxFrame` holding `page`, or nil.
    func findFrame(page: UInt32, minFrame: UInt32, maxFrame: UInt32) throws -> UInt32? {
        guard maxFrame >= 1, minFrame <= maxFrame else { return nil }
        var u = Self.unit(of: maxFrame).unit
        let lowest = Self.unit(of: max(1, minFrame)).unit
        while u >= lowest {
            let zero = u == 0 ? 0 : Self.firstUnitFrames + UInt32(u - 1) * Self.unitFrames
            if let r = try region(u, extend: false) {
                let base = Self.pgnoBase(u)
                let cap = Self.capacity(u)
                var best: UInt32 = 0
                var h = Self.hash(page)
                var probes = 0
                while probes < Self.hashSlots {
                    let v = UInt32(r.loadUnaligned(fromByteOffset: Self.hashOffset + 2 * h, as: UInt16.self))
                    if v == 0 { break }
                    if v <= cap {
                        let f = zero + v
                        if f <= maxFrame && f >= minFrame && f > best
                            && r.loadUnaligned(fromByteOffset: base + Int(v - 1) * 4, as: UInt32.self) == page {
                            best = f
                        }
                    }
                    probes += 1
                    h = (h + 1) & (Self.hashSlots - 1)
                }
                if best != 0 { return best }
            }
            u -= 1
        }
        return nil
    }

    /// Removes index entries of frames after `mxFrame` (left by a transaction that never
    /// committed), so the next frames start from a clean table. Entries after `mxFrame` are
    /// the most recently inserted, so clearing their slots breaks no other probe chain.
    func removeEntries(after mxFrame: UInt32) throws {
        guard mxFrame >= 1 else { return }
        let (u, zero) = Self.unit(of: mxFrame)
        guard let r = try region(u, extend: false) else { return }
        let limit = mxFrame - zero
        let base = Self.pgnoBase(u)
        // Frames are indexed in order and a cleanup zeroes every page slot after the limit,
        // so when the slot of frame mxFrame + 1 is empty (or the unit is full) there is
        // nothing to remove: the common case costs one load.
        if limit >= Self.capacity(u) { return }
        if r.loadUnaligned(fromByteOffset: base + Int(limit) * 4, as: UInt32.self) == 0 { return }
        for h in 0..<Self.hashSlots {
            let v = UInt32(r.loadUnaligned(fromByteOffset: Self.hashOffset + 2 * h, as: UInt16.self))
            if v > limit { r.storeBytes(of: UInt16(0), toByteOffset: Self.hashOffset + 2 * h, as: UInt16.self) }
        }
        let from = base + Int(limit) * 4
        if from < Self.hashOffset {
            (r + from).initializeMemory(as: UInt8.self, repeating: 0, count: Self.hashOffset - from)
        }
    }
}
