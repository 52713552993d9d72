// This file tests the pager against the real sqlite3: hot journals left by a crashed Loom
// are rolled back by sqlite3 and by Loom; a hot journal left by a killed sqlite3 is rolled
// back by Loom; a sqlite3 write transaction makes Loom's beginWrite busy.
// Layer: L1 tests. Spec: Spec/L1-pager.md ("Hot journals", "Locks").
import Foundation
import LoomBase
@testable import LoomPager
import LoomTestSupport
import LoomVFS
import Testing

private func bytes(_ path: String) -> [UInt8] {
    (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
}

private func copyFile(_ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    try FileManager.default.copyItem(atPath: from, toPath: to)
}

@Suite("Pager and sqlite3", .enabled(if: Oracle.isAvailable))
struct PagerSqliteInteropTests {
    /// Loom modifies every page with a tiny cache (so pages spill into the file) and
    /// "crashes": copies of the file and its journal are rolled back by sqlite3 and by Loom.
    @Test(arguments: zip([SynchronousLevel.full, .normal, .off], [JournalMode.delete, .truncate, .persist]))
    func loomCrashIsRecoveredBySqlite3AndLoom(_ sync: SynchronousLevel, _ mode: JournalMode) throws {
        let dir = try TemporaryDirectory("loom-pager")
        defer { dir.cleanup() }
        let db = dir.file("a.db")
        try makeSqliteDatabase(db)
        let expected = try Oracle.run([db, summaryQuery]).stdout
        #expect(expected.hasPrefix("ok\n1000|300000|"))
        let original = bytes(db)

        var o = PagerOptions()
        o.cacheSizePages = 5
        o.synchronous = sync
        o.journalMode = mode
        let pager = try Pager(vfs: PosixVFS(), path: db, options: o)
        try pager.beginWrite()
        let count = pager.pageCount
        #expect(count > 300)
        for n in UInt32(1)...count {
            let p = try pager.page(PageNumber(n))
            try pager.makeWritable(p)
            let start = n == 1 ? 100 : 0
            p.withMutableBytes { b in for i in start..<b.count { b[i] = 0x5A } }
        }
        #expect(pager.databaseModified)
        #expect(bytes(db) != original)
        // The crash: copy what is on disk now, without committing.
        for name in ["b", "c"] {
            try copyFile(db, dir.file("\(name).db"))
            try copyFile(db + "-journal", dir.file("\(name).db-journal"))
        }

        let recovered = try Oracle.run([dir.file("b.db"), summaryQuery])
        #expect(recovered.stdout == expected, "\(recovered.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("b.db-journal")))

        let loom = try Pager(vfs: PosixVFS(), path: dir.file("c.db"))
        try loom.beginRead()
        #expect(loom.pageCount == count)
        for n in UInt32(1)...count {
            let want = Array(original[(Int(n) - 1) * 1024..<(Int(n) * 1024)])
            #expect(try loom.page(PageNumber(n)).bytes(at: 0, count: 1024) == want, "page \(n)")
        }
        loom.endRead()
        try loom.close()
        #expect(bytes(dir.file("c.db")) == original)
        #expect(!FileManager.default.fileExists(atPath: dir.file("c.db-journal")))

        let journal = ParsedJournal(bytes(db + "-journal"))
        #expect(journal.segments.allSatisfy { $0.checksumsOK })
        #expect(journal.segments.first?.recordCount == (sync == .off ? 0xffff_ffff : journal.segments.first?.recordCount))
        if sync != .off { #expect(journal.segments.count > 1) }

        try pager.rollback()
        try pager.close()
        #expect(bytes(db) == original)
        #expect(try Oracle.run([db, summaryQuery]).stdout == expected)
    }

    /// A Loom commit is readable by sqlite3 (header fields it checks included).
    @Test func loomCommitIsValidForSqlite3() throws {
        let dir = try TemporaryDirectory("loom-pager")
        defer { dir.cleanup() }
        let db = dir.file("a.db")
        try makeSqliteDatabase(db)
        let pager = try Pager(vfs: PosixVFS(), path: db)
        try pager.beginWrite()
        let before = pager.changeCounter
        try pager.makeWritable(try pager.page(1))  // change nothing but the header
        try pager.commit()
        try pager.close()
        let out = try Oracle.run([db, "PRAGMA integrity_check; PRAGMA data_version; SELECT count(*) FROM t;"])
        #expect(out.stdout.hasPrefix("ok\n"))
        #expect(out.stdout.hasSuffix("1000\n"))
        let header = bytes(db)
        #expect(be32(header, 24) == before + 1 && be32(header, 92) == before + 1)
        #expect(be32(header, 96) == 3_040_001)
    }

    /// sqlite3 is killed (SIGKILL) in the middle of a big UPDATE that spilled into the file;
    /// Loom's pager rolls its hot journal back on open.
    @Test(arguments: ["", "PRAGMA journal_mode=PERSIST; PRAGMA synchronous=OFF;"])
    func sqlite3CrashIsRecoveredByLoom(_ pragmas: String) throws {
        let dir = try TemporaryDirectory("loom-pager")
        defer { dir.cleanup() }
        let db = dir.file("a.db")
        try makeSqliteDatabase(db)
        let expected = try Oracle.run([db, summaryQuery]).stdout
        let original = bytes(db)

        let ready = dir.file("ready")
        let victim = try LiveSqlite3(db)
        victim.send("""
            \(pragmas)
            PRAGMA cache_size=10;
            BEGIN;
            UPDATE t SET v = randomblob(300);
            .shell touch \(ready)
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c;

            """)
        #expect(waitForFile(ready))
        victim.kill()
        #expect(FileManager.default.fileExists(atPath: db + "-journal"))
        #expect(bytes(db) != original)  // the update spilled into the file

        let journal = ParsedJournal(bytes(db + "-journal"))
        #expect(!journal.segments.isEmpty && journal.segments.allSatisfy { $0.checksumsOK })

        let pager = try Pager(vfs: PosixVFS(), path: db)
        try pager.beginRead()
        #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
        let count = pager.pageCount
        #expect(Int(count) * 1024 == original.count)
        for n in UInt32(1)...count {
            let want = Array(original[(Int(n) - 1) * 1024..<(Int(n) * 1024)])
            #expect(try pager.page(PageNumber(n)).bytes(at: 0, count: 1024) == want, "page \(n)")
        }
        pager.endRead()
        try pager.close()
        #expect(bytes(db) == original)
        #expect(try Oracle.run([db, summaryQuery]).stdout == expected)
    }

    /// While sqlite3 holds a write transaction, Loom cannot write (or, under EXCLUSIVE, read).
    @Test func sqlite3WriteTransactionMakesLoomBusy() throws {
        let dir = try TemporaryDirectory("loom-pager")
        defer { dir.cleanup() }
        let db = dir.file("a.db")
        try makeSqliteDatabase(db, rows: 10)

        let reserved = dir.file("reserved")
        let immediate = try LiveSqlite3(db)
        immediate.send("BEGIN IMMEDIATE;\n.shell touch \(reserved)\n")
        #expect(waitForFile(reserved))
        let pager = try Pager(vfs: PosixVFS(), path: db)
        try pager.beginRead()  // RESERVED still lets readers in
        expectBusy { try pager.beginWrite() }
        pager.endRead()
        immediate.finish()

        let exclusive = dir.file("exclusive")
        let holder = try LiveSqlite3(db)
        holder.send("BEGIN EXCLUSIVE;\n.shell touch \(exclusive)\n")
        #expect(waitForFile(exclusive))
        let other = try Pager(vfs: PosixVFS(), path: db)  // opens without the lock
        expectBusy { try other.beginWrite() }
        expectBusy { try other.beginRead() }
        #expect(other.state == .none)
        holder.finish()
        try other.beginWrite()
        try other.commit()
        try other.close()
        try pager.close()
        #expect(try Oracle.run([db, "PRAGMA integrity_check;"]).stdout == "ok\n")
    }
}
