// This file tests the pager's WAL mode at page level: the checksum and header layouts
// against bytes sqlite3 wrote, snapshots of two pagers on one file, recovery of the index,
// checkpoints honouring readers, rollback, and shared-memory locks of every VFS.
// Layer: L1 tests. Spec: Spec/L1-pager.md (section "WAL"), Spec/L0-vfs.md ("Shared memory").
import Foundation
import LoomBase
@testable import LoomPager
import LoomTestSupport
import LoomVFS
import Testing

/// A WAL-mode database of `pages` pages (page k filled with seed k) on `fx`.
private func makeWALDatabase(_ fx: PagerFixture, pages: UInt32) throws -> Pager {
    let pager = try makeDatabase(fx, pages: pages)
    try pager.enterWALMode()
    #expect(pager.journalMode == .wal)
    return pager
}

private func content(_ pager: Pager, _ n: UInt32) throws -> UInt8 {
    try pager.page(PageNumber(n)).withBytes { $0[200] }
}

private func rewrite(_ pager: Pager, _ n: UInt32, seed: UInt8) throws {
    let p = try pager.page(PageNumber(n))
    try pager.makeWritable(p)
    fill(p, seed: seed)
}

@Suite("WAL") struct WALPagerTests {
    /// The checksum over the 24 header bytes of a WAL sqlite3 wrote (little-endian words).
    @Test func checksumMatchesSqlite3Header() {
        // magic 0x377f0682, version 3007000, page size 4096, sequence 0, salts as in the log.
        let header: [UInt8] = [0x37, 0x7f, 0x06, 0x82, 0x00, 0x2d, 0xe2, 0x18, 0x00, 0x00, 0x10, 0x00,
                               0, 0, 0, 0, 0x24, 0x50, 0x5f, 0x53, 0xc3, 0xd8, 0x8a, 0xb4]
        let sum = header.withUnsafeBytes { WALFormat.checksum($0, bigEndian: false) }
        #expect(sum.0 == 0x2846_5337 && sum.1 == 0x94b9_039f)
        var full = header
        full += [0x28, 0x46, 0x53, 0x37, 0x94, 0xb9, 0x03, 0x9f]
        let decoded = full.withUnsafeBytes { WALFormat.Header.decode($0) }
        #expect(decoded?.pageSize == 4096 && decoded?.salt1 == 0x2450_5f53)
        full[30] ^= 1
        #expect(full.withUnsafeBytes { WALFormat.Header.decode($0) } == nil)
    }

    @Test func indexHeaderRoundTrips() {
        var h = WALIndexHeader()
        h.isInit = true
        h.pageSize = 65536
        h.mxFrame = 7
        h.nPage = 3
        h.salt1 = 0x0102_0304
        let bytes = h.encode()
        #expect(bytes.withUnsafeBytes { WALIndexHeader.decode($0) } == h)
        #expect(bytes[14] == 1 && bytes[15] == 0)  // 65536 is stored as 1
        var bad = bytes
        bad[16] ^= 1
        #expect(bad.withUnsafeBytes { WALIndexHeader.decode($0) } == nil)
    }

    /// Frame numbers map to the right index unit across the 4062/4096 boundaries.
    @Test(arguments: [(UInt32(1), 0, UInt32(0)), (4062, 0, 0), (4063, 1, 4062), (8158, 1, 4062), (8159, 2, 8158)])
    func unitBoundaries(frame: UInt32, unit: Int, zero: UInt32) {
        let u = WALIndex.unit(of: frame)
        #expect(u.unit == unit && u.zero == zero)
    }

    @Test(arguments: VFSKind.allCases)
    func commitsAreFramesAndReadersKeepTheirSnapshot(kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        let writer = try makeWALDatabase(fx, pages: 4)
        let reader = try fx.pager()
        #expect(reader.journalMode == .wal)
        try reader.beginRead()
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 3)[200])
        try writer.beginWrite()
        try rewrite(writer, 3, seed: 99)
        let added = try writer.appendPage()
        fill(added, seed: 55)
        try writer.commit()
        writer.endRead()
        #expect(writer.walFrameCount >= 2)
        // The reader's snapshot: old page 3, four pages.
        #expect(reader.pageCount == 4)
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 3)[200])
        // A checkpoint may not overwrite what the reader still reads from the database.
        let r = try writer.checkpoint(.passive)
        #expect(r.checkpointedFrames == 0 && r.logFrames >= 2)
        reader.endRead()
        try reader.beginRead()
        #expect(reader.pageCount == 5)
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 99)[200])
        reader.endRead()
        let full = try writer.checkpoint(.truncate)
        #expect(full == CheckpointResult(busy: false, logFrames: 0, checkpointedFrames: 0))
        try reader.close()
        try writer.close()
        // Back from the database file alone.
        let again = try fx.pager()
        #expect(again.journalMode == .wal)
        try again.beginRead()
        #expect(again.pageCount == 5)
        #expect(try content(again, 5) == expectedPattern(5, size: 1024, seed: 55)[200])
        again.endRead()
        try again.close()
    }

    /// A reader keeps cached pages the new frames did not touch (the log only grew, or was
    /// rewound from the reader's own snapshot), drops the rewritten ones, and drops
    /// everything after rewinds it did not see; `unchangedSnapshotID` holds until another
    /// connection commits.
    @Test(arguments: VFSKind.allCases)
    func readerKeepsPagesTheLogDidNotChange(kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        let writer = try makeWALDatabase(fx, pages: 4)
        // Put frames in the log so later commits only append.
        try writer.beginWrite()
        try rewrite(writer, 4, seed: 40)
        try writer.commit()
        writer.endRead()
        let reader = try fx.pager()
        try reader.beginRead()
        let kept = try reader.page(PageNumber(2))
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 3)[200])
        reader.endRead()
        let id = reader.unchangedSnapshotID()
        #expect(id != nil)
        #expect(reader.unchangedSnapshotID() == id)
        let writerID = writer.unchangedSnapshotID()
        #expect(writerID != nil)
        try writer.beginWrite()
        try rewrite(writer, 3, seed: 77)
        try writer.commit()
        writer.endRead()
        #expect(reader.unchangedSnapshotID() == nil)
        // The writer's own commit keeps its id: nothing it does not know about happened.
        #expect(writer.unchangedSnapshotID() == writerID)
        try reader.beginRead()
        #expect(try reader.page(PageNumber(2)) === kept)
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 77)[200])
        reader.endRead()
        #expect(reader.unchangedSnapshotID() != id)
        // A full checkpoint, then a rewind the reader sees before any new frame: a rewind
        // changes no content, so the cache stays; the new generation's frames then replace
        // only their own pages.
        _ = try writer.checkpoint(.restart)
        try reader.beginRead()
        let kept3 = try reader.page(PageNumber(3))
        reader.endRead()
        try writer.beginWrite()
        #expect(writer.walFrameCount == 0)
        try reader.beginRead()
        #expect(try reader.page(PageNumber(2)) === kept)
        #expect(try reader.page(PageNumber(3)) === kept3)
        reader.endRead()
        try rewrite(writer, 2, seed: 22)
        try writer.commit()
        writer.endRead()
        try reader.beginRead()
        #expect(try reader.page(PageNumber(2)) !== kept)
        #expect(try reader.page(PageNumber(3)) === kept3)
        #expect(try content(reader, 2) == expectedPattern(2, size: 1024, seed: 22)[200])
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 77)[200])
        reader.endRead()
        // Two rewinds while the reader looked away: nothing cached survives.
        for seed: UInt8 in [44, 45] {
            _ = try writer.checkpoint(.restart)
            try writer.beginWrite()
            try rewrite(writer, 4, seed: seed)
            try writer.commit()
            writer.endRead()
        }
        try reader.beginRead()
        #expect(try reader.page(PageNumber(3)) !== kept3)
        #expect(try content(reader, 2) == expectedPattern(2, size: 1024, seed: 22)[200])
        #expect(try content(reader, 3) == expectedPattern(3, size: 1024, seed: 77)[200])
        #expect(try content(reader, 4) == expectedPattern(4, size: 1024, seed: 45)[200])
        reader.endRead()
        try reader.close()
        try writer.close()
    }

    /// A writer whose snapshot is not the latest gets busySnapshot; one writer at a time.
    @Test func staleSnapshotCannotWrite() throws {
        let fx = try PagerFixture(.memory)
        let a = try makeWALDatabase(fx, pages: 2)
        let b = try fx.pager()
        try b.beginRead()
        try a.beginWrite()
        expectBusy { try b.beginWrite() }
        try rewrite(a, 2, seed: 7)
        try a.commit()
        a.endRead()
        do {
            try b.beginWrite()
            Issue.record("expected busySnapshot")
        } catch let e as DatabaseError {
            #expect(e.code == .busySnapshot)
        }
        b.endRead()
        try b.beginWrite()
        try b.rollback()
        b.endRead()
        #expect(try content(b, 2) == expectedPattern(2, size: 1024, seed: 7)[200])
        b.endRead()
        try a.close()
        try b.close()
    }

    /// Rollback drops the transaction's pages; nothing reaches the log.
    @Test func rollbackWritesNothing() throws {
        let fx = try PagerFixture(.memory)
        let p = try makeWALDatabase(fx, pages: 3)
        let before = p.walFrameCount
        try p.beginWrite()
        try rewrite(p, 2, seed: 42)
        _ = try p.appendPage()
        try p.rollback()
        #expect(p.pageCount == 3)
        #expect(try content(p, 2) == expectedPattern(2, size: 1024, seed: 2)[200])
        p.endRead()
        #expect(p.walFrameCount == before)
        try p.close()
    }

    /// With the shared memory gone (a new process), the index is rebuilt from the log, up to
    /// the last commit frame; frames of an unfinished transaction are ignored.
    @Test func recoveryRebuildsTheIndex() throws {
        let fx = try PagerFixture(.posix)
        defer { fx.cleanup() }
        let p = try makeWALDatabase(fx, pages: 3)
        p.walAutocheckpoint = 0
        for seed: UInt8 in [10, 11, 12] {
            try p.beginWrite()
            try rewrite(p, 2, seed: seed)
            try p.commit()
            p.endRead()
        }
        let db = try fx.contents("a.db")
        var wal = try fx.contents("a.db-wal")
        // A fourth transaction's frame without commit flag: append a copy of the last frame
        // with its commit size zeroed (its checksum then fails as well).
        let frame = 24 + 1024
        var extra = Array(wal[(wal.count - frame)...])
        extra[4...7] = [0, 0, 0, 0]
        wal += extra
        try p.close()
        let copy = fx.path("b.db")
        try Data(db).write(to: URL(fileURLWithPath: copy))
        try Data(wal).write(to: URL(fileURLWithPath: copy + "-wal"))
        let q = try fx.pager("b.db")
        try q.beginRead()
        #expect(try content(q, 2) == expectedPattern(2, size: 1024, seed: 12)[200])
        q.endRead()
        try q.close()
    }

    /// Shared-memory locks: shared slots coexist, exclusive excludes, on every VFS; between
    /// two handles of one file they exclude exactly as between processes.
    @Test(arguments: ["posix", "memory", "sim"])
    func shmLocksExclude(kind: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let vfs: any VFS
        switch kind {
        case "posix": vfs = PosixVFS()
        case "memory": vfs = MemoryVFS()
        default: vfs = SimVFS(seed: 1)
        }
        let path = kind == "posix" ? dir.file("x.db") : "x.db"
        let f1 = try vfs.open(path, flags: [.readWrite, .create, .mainDatabase])
        let f2 = try vfs.open(path, flags: [.readWrite, .create, .mainDatabase])
        let s1 = try #require(f1 as? any VFSSharedMemory)
        let s2 = try #require(f2 as? any VFSSharedMemory)
        let r1 = try #require(try s1.shmMap(region: 0, size: 32768, extend: true))
        let r2 = try #require(try s2.shmMap(region: 0, size: 32768, extend: true))
        r1.storeBytes(of: UInt32(0xabcd), toByteOffset: 200, as: UInt32.self)
        s1.shmBarrier()
        #expect(r2.load(fromByteOffset: 200, as: UInt32.self) == 0xabcd)
        #expect(try s2.shmMap(region: 3, size: 32768, extend: false) == nil)
        try s1.shmLock(3..<4, .shared)
        try s2.shmLock(3..<4, .shared)
        try s2.shmUnlock(3..<4, .shared)
        expectBusy { try s2.shmLock(3..<4, .exclusive) }
        try s2.shmLock(3..<4, .shared)
        try s1.shmLock(0..<1, .exclusive)
        expectBusy { try s2.shmLock(0..<1, .exclusive) }
        expectBusy { try s2.shmLock(0..<3, .exclusive) }
        try s1.shmUnlock(0..<1, .exclusive)
        try s2.shmLock(0..<3, .exclusive)
        try s2.shmUnlock(0..<3, .exclusive)
        try s1.shmUnlock(3..<4, .shared)
        try s2.shmUnlock(3..<4, .shared)
        try s1.shmLock(4..<8, .exclusive)
        try s1.shmUnmap(delete: false)
        try s2.shmLock(4..<8, .exclusive)  // unmap released s1's slots
        try s2.shmUnmap(delete: true)
        try f1.close()
        try f2.close()
    }
}
