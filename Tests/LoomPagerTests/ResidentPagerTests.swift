// This file tests memory-resident pagers (the cache is the database: no eviction, nothing in
// the MemoryVFS file, rollback from the memory journal) and the memory journal's reuse.
// Layer: L1 tests. Spec: Spec/L1-pager.md ("Memory-resident databases", "Memory journal").
import LoomBase
@testable import LoomPager
import LoomVFS
import Testing

@Suite("ResidentPager")
struct ResidentPagerTests {
    func residentPager(_ vfs: MemoryVFS = MemoryVFS(), cache: Int = 4, mode: JournalMode = .memory) throws -> Pager {
        var o = PagerOptions()
        o.cacheSizePages = cache
        o.pageSizeForNewDatabase = 1024
        o.journalMode = mode
        o.synchronous = .off
        o.memoryResident = true
        return try Pager(vfs: vfs, path: "r.db", options: o)
    }

    /// Pages k = 1...count filled with seed k (page 1 with a header), committed.
    func fillDatabase(_ pager: Pager, pages count: UInt32) throws {
        try pager.beginWrite()
        for k in 1...count {
            let p = try pager.appendPage()
            if k == 1 { writeHeader(p, pageSize: 1024) }
            fill(p, seed: UInt8(truncatingIfNeeded: k))
        }
        try pager.commit()
        pager.endRead()
    }

    func expectOriginal(_ pager: Pager, pages count: UInt32, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(pager.pageCount == count, sourceLocation: sourceLocation)
        for n in UInt32(1)...count { try expectPattern(pager, n, seed: UInt8(truncatingIfNeeded: n), sourceLocation: sourceLocation) }
        pager.endRead()
    }

    @Test func cacheIsTheDatabase() throws {
        let vfs = MemoryVFS()
        let pager = try residentPager(vfs)
        defer { try? pager.close() }
        #expect(pager.isResident)
        try fillDatabase(pager, pages: 40)
        // Far more pages than cache_size: none evicted, none written to the file.
        #expect(pager.cache.count == 40)
        let f = try vfs.open("r.db", flags: [.readWrite])
        #expect(try f.size() == 0)
        try f.close()
        pager.setCacheSize(2)
        #expect(pager.cacheSizePages == 2)
        #expect(pager.cache.count == 40)
        try expectOriginal(pager, pages: 40)
        // SQLite leaves an in-memory database's change counter alone.
        #expect(try pager.page(1).u32(24) == 0)
        pager.endRead()
    }

    @Test func rollbackRestoresPages() throws {
        let pager = try residentPager(mode: .memory)
        defer { try? pager.close() }
        try fillDatabase(pager, pages: 20)
        for round in 0..<3 {
            try pager.beginWrite()
            for n in UInt32(2)...20 where n % 2 == 0 || round == 1 {
                let p = try pager.page(PageNumber(n))
                try pager.makeWritable(p)
                fill(p, seed: 99)
            }
            for _ in 0..<5 { fill(try pager.appendPage(), seed: 7) }
            try pager.rollback()
            pager.endRead()
            try expectOriginal(pager, pages: 20)
        }
        #expect(pager.cache.count == 20)
        // A commit after rollbacks keeps the change; a later rollback restores the committed state.
        try pager.beginWrite()
        let p5 = try pager.page(5)
        try pager.makeWritable(p5)
        fill(p5, seed: 5)  // same content as before: the pattern stays, the page was journaled
        try pager.commit()
        pager.endRead()
        try expectOriginal(pager, pages: 20)
    }

    /// journal_mode=OFF on an in-memory database: as sqlite3, ROLLBACK keeps the changes.
    @Test func rollbackWithoutJournalKeepsChanges() throws {
        let pager = try residentPager(mode: .off)
        defer { try? pager.close() }
        try fillDatabase(pager, pages: 6)
        try pager.beginWrite()
        let p2 = try pager.page(2)
        try pager.makeWritable(p2)
        fill(p2, seed: 99)
        fill(try pager.appendPage(), seed: 7)
        try pager.rollback()
        pager.endRead()
        #expect(pager.memoryJournal == nil)
        #expect(pager.pageCount == 7)
        try expectPattern(pager, 2, seed: 99)
        try expectPattern(pager, 7, seed: 7)
        try expectPattern(pager, 3, seed: 3)
        #expect(try !pager.page(2).isDirty)
        pager.endRead()
    }

    @Test func shrinkThenRollbackOrCommit() throws {
        let pager = try residentPager()
        defer { try? pager.close() }
        try fillDatabase(pager, pages: 12)
        try pager.beginWrite()
        let p3 = try pager.page(3)
        try pager.makeWritable(p3)
        fill(p3, seed: 1)
        pager.setPageCount(4)
        // Reuse a cut-off page number, then roll everything back.
        fill(try pager.appendPage(), seed: 3)
        try pager.rollback()
        pager.endRead()
        try expectOriginal(pager, pages: 12)

        try pager.beginWrite()
        pager.setPageCount(6)
        try pager.commit()
        pager.endRead()
        try expectOriginal(pager, pages: 6)
        #expect(pager.cache.count == 6)
    }

    @Test func savepointRollbackThenTransactionRollback() throws {
        let pager = try residentPager()
        defer { try? pager.close() }
        try fillDatabase(pager, pages: 10)
        try pager.beginWrite()
        pager.openSavepoint()
        for n in UInt32(2)...10 {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            fill(p, seed: 42)
        }
        pager.setPageCount(5)
        try pager.rollbackToSavepoint(0)
        #expect(pager.pageCount == 10)
        for n in UInt32(1)...10 { try expectPattern(pager, n, seed: UInt8(n)) }
        pager.openSavepoint()
        pager.setPageCount(3)
        try pager.rollback()
        pager.endRead()
        try expectOriginal(pager, pages: 10)
    }

    /// A non-empty or shared file is never memory-resident: two pagers on one MemoryVFS see
    /// each other's commits.
    @Test func sharedFileIsNotResident() throws {
        let vfs = MemoryVFS()
        var o = PagerOptions()
        o.pageSizeForNewDatabase = 1024
        o.journalMode = .memory
        let a = try Pager(vfs: vfs, path: "s.db", options: o)
        defer { try? a.close() }
        try fillDatabase(a, pages: 3)
        o.memoryResident = true
        let b = try Pager(vfs: vfs, path: "s.db", options: o)
        defer { try? b.close() }
        #expect(!b.isResident)
        try b.beginRead()
        #expect(b.pageCount == 3)
        try expectPattern(b, 2, seed: 2)
        b.endRead()
    }

    /// journal_mode=MEMORY on a file: the memory journal is reused across transactions and a
    /// rollback after a spill puts the file back.
    @Test(arguments: VFSKind.allCases)
    func memoryJournalAfterSpill(_ kind: VFSKind) throws {
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        try makeDatabase(fx, pages: 16).close()
        let pager = try fx.pager(cache: 3, mode: .memory)
        defer { try? pager.close() }
        for _ in 0..<3 {
            try pager.beginWrite()
            for n in UInt32(2)...16 {
                let p = try pager.page(PageNumber(n))
                try pager.makeWritable(p)
                fill(p, seed: 77)
            }
            #expect(pager.databaseModified)
            try pager.rollback()
            pager.endRead()
            #expect(pager.memoryJournal?.isEmpty ?? true)
            for n in UInt32(2)...16 { try expectPattern(pager, n, seed: UInt8(n)) }
            pager.endRead()
        }
        #expect(try !fx.vfs.access(fx.path("a.db-journal"), .exists))
    }
}
