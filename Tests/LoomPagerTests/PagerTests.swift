// This file tests the pager on PosixVFS and MemoryVFS: commit, reopen, rollback, locks
// between connections, cache bound and spill, journal modes and format, sticky errors.
// Layer: L1 tests. Spec: Spec/L1-pager.md.
import Foundation
import LoomBase
@testable import LoomPager
import LoomTestSupport
import LoomVFS
import Testing

func pageBytes(_ pager: Pager, _ n: UInt32) throws -> [UInt8] {
    let p = try pager.page(PageNumber(n))
    return p.bytes(at: 0, count: p.size)
}

func expectPattern(_ pager: Pager, _ n: UInt32, seed: UInt8, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let bytes = try pageBytes(pager, n)
    let start = n == 1 ? 100 : 0
    let want = expectedPattern(n, size: bytes.count, seed: seed)
    #expect(Array(bytes[start...]) == Array(want[start...]), "page \(n)", sourceLocation: sourceLocation)
}

@Suite("Pager")
struct PagerTests {
    @Test(arguments: VFSKind.allCases)
    func writeCommitReopen(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        let first = try makeDatabase(fx, pages: 5)
        #expect(first.changeCounter == 1)
        try first.close()
        #expect(try !fx.vfs.access(fx.path("a.db-journal"), .exists))

        let pager = try fx.pager()
        defer { try? pager.close() }
        try pager.beginRead()
        #expect(pager.pageCount == 5)
        #expect(pager.pageSize == 1024)
        for n in UInt32(1)...5 { try expectPattern(pager, n, seed: UInt8(n)) }
        let p1 = try pager.page(1)
        #expect(p1.u32(24) == 1)  // change counter
        #expect(p1.u32(28) == 5)  // page count
        #expect(p1.u32(92) == 1)  // version-valid-for
        #expect(p1.u32(96) == 3_040_001)
        #expect(try fx.contents("a.db").count == 5 * 1024)
        pager.endRead()

        // A second transaction bumps the counter; an empty one does not.
        try pager.beginWrite()
        try pager.commit()
        #expect(pager.changeCounter == 1)
        try pager.beginWrite()
        let p3 = try pager.page(3)
        try pager.makeWritable(p3)
        p3.setU32(0, 0xdead_beef)
        try pager.commit()
        #expect(pager.changeCounter == 2)
        #expect(pager.state == .read)
        pager.endRead()
        #expect(pager.state == .none)
    }

    @Test(arguments: VFSKind.allCases)
    func rollbackRestores(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 5).close()
        let before = try fx.contents("a.db")
        let pager = try fx.pager()
        defer { try? pager.close() }
        try pager.beginWrite()
        let generation = pager.generation
        for n in UInt32(2)...3 {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            fill(p, seed: 0xAA)
        }
        _ = try pager.appendPage()
        #expect(pager.pageCount == 6)
        try pager.rollback()
        #expect(pager.state == .read)
        #expect(pager.pageCount == 5)
        #expect(pager.generation > generation)
        for n in UInt32(1)...5 { try expectPattern(pager, n, seed: UInt8(n)) }
        #expect(try fx.contents("a.db") == before)
        #expect(try !fx.vfs.access(fx.path("a.db-journal"), .exists))
    }

    /// A tiny cache across a transaction touching every page: pages spill to the file, the
    /// commit lands everything, and the cache stays near its bound.
    @Test(arguments: VFSKind.allCases)
    func evictionAndSpillCommit(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 60).close()
        let pager = try fx.pager(cache: 4)
        defer { try? pager.close() }
        try pager.beginWrite()
        for n in UInt32(2)...60 {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            fill(p, seed: UInt8(n) &+ 100)
            #expect(pager.cache.count <= 4)
        }
        for _ in 0..<20 { fill(try pager.appendPage(), seed: 9) }
        #expect(pager.databaseModified)  // pages were spilled
        try pager.commit()
        try pager.close()

        let again = try fx.pager()
        defer { try? again.close() }
        try again.beginRead()
        #expect(again.pageCount == 80)
        try expectPattern(again, 1, seed: 1)
        for n in UInt32(2)...60 { try expectPattern(again, n, seed: UInt8(n) &+ 100) }
        for n in UInt32(61)...80 { try expectPattern(again, n, seed: 9) }
    }

    /// Spilled pages are restored from the journal file on rollback.
    @Test(arguments: VFSKind.allCases)
    func evictionAndSpillRollback(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 60).close()
        let before = try fx.contents("a.db")
        let pager = try fx.pager(cache: 4)
        defer { try? pager.close() }
        try pager.beginWrite()
        for n in UInt32(1)...60 {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            fill(p, seed: 0x33)
        }
        for _ in 0..<10 { fill(try pager.appendPage(), seed: 9) }
        #expect(pager.databaseModified)
        #expect(try fx.contents("a.db") != before)
        try pager.rollback()
        #expect(try fx.contents("a.db") == before)
        #expect(pager.pageCount == 60)
        for n in UInt32(1)...60 { try expectPattern(pager, n, seed: UInt8(n)) }
    }

    /// Held pages are never evicted, so the bound is soft.
    @Test func heldPagesStayCached() throws {
        let fx = try PagerFixture(.memory)
        try makeDatabase(fx, pages: 10).close()
        let pager = try fx.pager(cache: 2)
        try pager.beginRead()
        let held = try (1...6).map { try pager.page(PageNumber(UInt32($0))) }
        #expect(pager.cache.count == 6)
        for p in held { #expect(try pager.page(p.number) === p) }
        pager.endRead()
        try pager.close()
    }

    @Test(arguments: VFSKind.allCases)
    func twoConnectionsExcludeEachOther(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 3).close()
        let a = try fx.pager()
        let b = try fx.pager()
        defer { try? a.close(); try? b.close() }
        try a.beginWrite()
        expectBusy { try b.beginWrite() }
        #expect(b.state == .none)
        try b.beginRead()
        let p2 = try a.page(2)
        try a.makeWritable(p2)
        fill(p2, seed: 77)
        // B still reads, so A cannot take EXCLUSIVE to commit.
        expectBusy { try a.commit() }
        #expect(a.state == .write)
        try expectPattern(b, 2, seed: 2)
        b.endRead()
        try a.commit()
        #expect(a.changeCounter == 2)  // the refused commit did not count
        a.endRead()
        // B notices the change counter moved and drops its cache.
        try b.beginRead()
        try expectPattern(b, 2, seed: 77)
        b.endRead()
    }

    @Test(arguments: VFSKind.allCases, [JournalMode.delete, .truncate, .persist, .memory, .off])
    func journalModes(_ kind: VFSKind, _ mode: JournalMode) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 8).close()
        let pager = try fx.pager(cache: 3, mode: mode)
        defer { try? pager.close() }
        for round in 0..<2 {
            try pager.beginWrite()
            for n in UInt32(2)...8 {
                let p = try pager.page(PageNumber(n))
                try pager.makeWritable(p)
                fill(p, seed: 50)
            }
            if round == 0 { try pager.commit() } else { try pager.rollback() }
        }
        pager.endRead()
        for n in UInt32(2)...8 { try expectPattern(pager, n, seed: 50) }
        pager.endRead()
        let journal = fx.path("a.db-journal")
        switch mode {
        case .delete, .memory, .off, .wal:
            #expect(try !fx.vfs.access(journal, .exists))
        case .truncate:
            #expect(try fx.contents("a.db-journal").isEmpty)
        case .persist:
            let j = try fx.contents("a.db-journal")
            #expect(j.count > 512 && j[0..<28].allSatisfy { $0 == 0 })
        }
    }

    /// The journal on disk has SQLite's layout: unsynced header without magic, synced
    /// segments with magic, record count, nonce, initial size, sector 512, page size, and
    /// records whose checksums verify.
    @Test func journalFormat() throws {
        let fx = try PagerFixture(.posix)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 30).close()
        let pager = try fx.pager(cache: 5)
        defer { try? pager.close() }
        try pager.beginWrite()
        let p2 = try pager.page(2)
        try pager.makeWritable(p2)
        var j = try fx.contents("a.db-journal")
        #expect(j.count == 512 + 1024 + 8)
        #expect(j[0..<12].allSatisfy { $0 == 0 })  // no magic before the sync
        #expect(be32(j, 16) == 30 && be32(j, 20) == 512 && be32(j, 24) == 1024)
        #expect(be32(j, 512) == 2)
        for n in UInt32(3)...30 {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            fill(p, seed: 1)
        }
        _ = p2
        j = try fx.contents("a.db-journal")
        let parsed = ParsedJournal(j)
        #expect(parsed.segments.count >= 2)
        var seen: [UInt32] = []
        for s in parsed.segments {
            #expect(s.checksumsOK && s.initialPages == 30 && s.sectorSize == 512 && s.pageSize == 1024)
            #expect(s.offset % 512 == 0)
            seen += s.pages
        }
        #expect(Set(seen).count == seen.count)  // no page twice
        #expect(seen.first == 2)
        try pager.rollback()
    }

    @Test(arguments: VFSKind.allCases)
    func shrinkAndRegrow(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 10).close()
        let before = try fx.contents("a.db")
        let pager = try fx.pager(cache: 3)
        defer { try? pager.close() }
        // Shrink, reuse page 5 as a fresh page, roll back: everything is back.
        try pager.beginWrite()
        pager.setPageCount(4)
        let p5 = try pager.appendPage()
        fill(p5, seed: 0xEE)
        try pager.rollback()
        #expect(pager.pageCount == 10)
        #expect(try fx.contents("a.db") == before)
        // Shrink and commit: the file is truncated and the header says 6 pages.
        try pager.beginWrite()
        pager.setPageCount(6)
        try pager.commit()
        #expect(try fx.contents("a.db").count == 6 * 1024)
        #expect(try pager.page(1).u32(28) == 6)
        for n in UInt32(2)...6 { try expectPattern(pager, n, seed: UInt8(n)) }
    }

    /// A rollback that cannot write the file leaves the pager in its error state until the
    /// transaction ends.
    @Test func stickyErrorAfterFailedRollback() throws {
        let base = MemoryVFS()
        let faulty = FaultyVFS(base, failingSuffix: ".db")
        var o = PagerOptions()
        o.pageSizeForNewDatabase = 1024
        let setup = try Pager(vfs: faulty, path: "s.db", options: o)
        try setup.beginWrite()
        for k in 1...20 {
            let p = try setup.appendPage()
            if k == 1 { writeHeader(p, pageSize: 1024) }
        }
        try setup.commit()
        try setup.close()
        o.cacheSizePages = 3
        let pager = try Pager(vfs: faulty, path: "s.db", options: o)
        try pager.beginWrite()
        for n in UInt32(1)...20 {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            fill(p, seed: 3)
        }
        #expect(pager.databaseModified)
        faulty.failing.store(true, ordering: .relaxed)
        #expect(throws: DatabaseError.self) { try pager.rollback() }
        #expect(pager.errorState?.code == .ioErrorWrite)
        faulty.failing.store(false, ordering: .relaxed)
        #expect(throws: DatabaseError.self) { try pager.beginRead() }
        #expect(throws: DatabaseError.self) { _ = try pager.page(1) }
        // Once the failed transaction ends, the pager leaves the error state (SQLite's
        // pager_unlock); its next read rolls the hot journal back.
        pager.endRead()
        #expect(pager.errorState == nil)
        try pager.beginRead()
        #expect(try pager.page(2).bytes(at: 0, count: 16).allSatisfy { $0 == 0 })
        pager.endRead()
        try pager.close()
        // The journal was rolled back; a new pager reads the same.
        let fresh = try Pager(vfs: faulty, path: "s.db", options: o)
        try fresh.beginRead()
        #expect(try fresh.page(2).bytes(at: 0, count: 16).allSatisfy { $0 == 0 })
        try fresh.close()
    }

    @Test func readOnlyPagerRefusesWrites() throws {
        let fx = try PagerFixture(.posix)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 2).close()
        var o = PagerOptions()
        o.readOnly = true
        let pager = try Pager(vfs: fx.vfs, path: fx.path("a.db"), options: o)
        defer { try? pager.close() }
        #expect(throws: DatabaseError(.readonly)) { try pager.beginWrite() }
        try expectPattern(pager, 2, seed: 2)
    }

    /// Over an in-memory file the cache keeps at most `inMemoryFileCacheBound` pages, whatever
    /// `cacheSizePages` says; a file on disk gets the full bound. Every page reads back.
    @Test(arguments: VFSKind.allCases)
    func inMemoryFileCacheBound(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        let total = UInt32(Pager.inMemoryFileCacheBound + 60)
        try makeDatabase(fx, pages: total).close()
        let pager = try fx.pager(cache: 2000)
        defer { try? pager.close() }
        #expect(pager.fileIsInMemory == (kind == .memory))
        try pager.beginRead()
        for n in UInt32(1)...total { try expectPattern(pager, n, seed: UInt8(truncatingIfNeeded: n)) }
        if kind == .memory {
            #expect(pager.cache.count <= Pager.inMemoryFileCacheBound)
        } else {
            #expect(pager.cache.count == Int(total))
        }
        pager.endRead()
        pager.setCacheSize(10)
        #expect(pager.cache.count <= 10)
    }

    @Test func notADatabase() throws {
        let fx = try PagerFixture(.memory)
        let f = try fx.vfs.open("junk.db", flags: [.readWrite, .create])
        try Array(repeating: UInt8(0x41), count: 4096).withUnsafeBytes { try f.write($0, at: 0) }
        try f.close()
        #expect(throws: DatabaseError(.notADatabase)) { _ = try fx.pager("junk.db") }
    }

    @Test func cacheSizeSettings() throws {
        let fx = try PagerFixture(.memory)
        let pager = try makeDatabase(fx, pages: 30)
        defer { try? pager.close() }
        pager.setCacheSize(-2000)
        #expect(pager.cacheSizePages == 2000)
        pager.setCacheSize(5)
        #expect(pager.cacheSizePages == 5)
        #expect(pager.cache.count <= 5)
        pager.setSynchronous(.normal)
        #expect(pager.synchronous == .normal)
        #expect(pager.setJournalMode(.persist) == .persist)
        try pager.beginWrite()
        #expect(pager.setJournalMode(.delete) == .persist)
        try pager.rollback()
    }
}
