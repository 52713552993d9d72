// This file implements the VFS conformance suite, run against PosixVFS, MemoryVFS and SimVFS, plus
// PosixVFS checks against a real sqlite3 process. Layer: L0 tests. Spec: Spec/L0-vfs.md.
import Foundation
import LoomBase
import LoomTestSupport
import LoomVFS
import Testing

enum VFSKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case posix, memory, sim
    var description: String { rawValue }
}

/// A VFS plus a place for its files; `cleanup()` removes the files.
struct VFSFixture {
    let vfs: any VFS
    let directory: TemporaryDirectory?

    init(_ kind: VFSKind) throws {
        switch kind {
        case .posix:
            vfs = PosixVFS()
            directory = try TemporaryDirectory("loom-vfs")
        case .memory:
            vfs = MemoryVFS()
            directory = nil
        case .sim:
            vfs = SimVFS(seed: 1)
            directory = nil
        }
    }

    func path(_ name: String) -> String { directory?.file(name) ?? name }
    func cleanup() { directory?.cleanup() }
}

private func write(_ f: any VFSFile, _ bytes: [UInt8], at offset: Int64) throws {
    try bytes.withUnsafeBytes { try f.write($0, at: offset) }
}

private func read(_ f: any VFSFile, _ count: Int, at offset: Int64, fill: UInt8 = 0xEE) throws -> ([UInt8], Int) {
    var buffer = [UInt8](repeating: fill, count: count)
    let n = try buffer.withUnsafeMutableBytes { try f.read(into: $0, at: offset) }
    return (buffer, n)
}

private func expectBusy(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected busy", sourceLocation: sourceLocation)
    } catch let e as DatabaseError {
        #expect(e.code == .busy, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("VFS conformance")
struct VFSConformanceTests {
    @Test(arguments: VFSKind.allCases)
    func writeReadSize(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let f = try fx.vfs.open(fx.path("a.db"), flags: [.readWrite, .create, .mainDatabase])
        defer { try? f.close() }
        #expect(try f.size() == 0)
        try write(f, Array("hello".utf8), at: 0)
        try write(f, [1, 2, 3], at: 10_000)
        #expect(try f.size() == 10_003)
        let (head, n) = try read(f, 5, at: 0)
        #expect(n == 5 && head == Array("hello".utf8))
        let (gap, m) = try read(f, 4, at: 9_999)
        #expect(m == 4 && gap == [0, 1, 2, 3])
        // A second handle sees the same bytes.
        let g = try fx.vfs.open(fx.path("a.db"), flags: [.readWrite, .mainDatabase])
        defer { try? g.close() }
        #expect(try read(g, 5, at: 0).0 == Array("hello".utf8))
    }

    @Test(arguments: VFSKind.allCases)
    func shortReadZeroFills(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let f = try fx.vfs.open(fx.path("a.db"), flags: [.readWrite, .create])
        defer { try? f.close() }
        try write(f, [UInt8](repeating: 7, count: 10), at: 0)
        let (bytes, n) = try read(f, 100, at: 0)
        #expect(n == 10)
        #expect(bytes[..<10].allSatisfy { $0 == 7 } && bytes[10...].allSatisfy { $0 == 0 })
        let (past, m) = try read(f, 16, at: 50)
        #expect(m == 0 && past.allSatisfy { $0 == 0 })
    }

    @Test(arguments: VFSKind.allCases)
    func truncateAndSync(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let f = try fx.vfs.open(fx.path("a.db"), flags: [.readWrite, .create])
        defer { try? f.close() }
        try write(f, [UInt8](repeating: 1, count: 8192), at: 0)
        try f.sync(.normal)
        try f.sync([.normal, .dataOnly])
        try f.truncate(to: 4096)
        #expect(try f.size() == 4096)
        try f.truncate(to: 0)
        #expect(try f.size() == 0)
    }

    @Test(arguments: VFSKind.allCases)
    func openMissingWithoutCreateFails(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        do {
            _ = try fx.vfs.open(fx.path("missing.db"), flags: [.readWrite])
            Issue.record("opened a missing file")
        } catch let e as DatabaseError {
            #expect(e.code == .cannotOpen)
            if kind == .posix { #expect(e.osErrno == ENOENT) }
        }
    }

    @Test(arguments: VFSKind.allCases)
    func accessAndDelete(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let p = fx.path("j")
        #expect(try !fx.vfs.access(p, .exists))
        let f = try fx.vfs.open(p, flags: [.readWrite, .create, .mainJournal])
        #expect(try !fx.vfs.access(p, .exists))  // empty files do not count, as in SQLite
        try write(f, [1], at: 0)
        try f.sync(.normal)
        try f.close()
        #expect(try fx.vfs.access(p, .exists))
        #expect(try fx.vfs.access(p, .readWrite))
        try fx.vfs.delete(p, syncDirectory: true)
        #expect(try !fx.vfs.access(p, .exists))
        do {
            try fx.vfs.delete(p, syncDirectory: false)
            Issue.record("second delete succeeded")
        } catch let e as DatabaseError {
            #expect(e.code == .ioErrorDeleteNoEntry)
        }
    }

    @Test(arguments: VFSKind.allCases)
    func temporaryFileIsPrivate(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let t = try fx.vfs.open(nil, flags: [.readWrite, .create, .deleteOnClose])
        try write(t, [9, 9], at: 0)
        #expect(try t.size() == 2)
        try t.close()
    }

    @Test(arguments: VFSKind.allCases)
    func lockLevelsOnOneHandle(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let f = try fx.vfs.open(fx.path("a.db"), flags: [.readWrite, .create, .mainDatabase])
        defer { try? f.close() }
        #expect(f.lockLevel == .none)
        try f.lock(.shared)
        #expect(f.lockLevel == .shared)
        try f.lock(.reserved)
        #expect(f.lockLevel == .reserved)
        #expect(try f.checkReservedLock())
        try f.lock(.exclusive)
        #expect(f.lockLevel == .exclusive)
        try f.unlock(to: .shared)
        #expect(f.lockLevel == .shared)
        #expect(try !f.checkReservedLock())
        try f.unlock(to: .none)
        #expect(f.lockLevel == .none)
        // Straight from SHARED to EXCLUSIVE (hot-journal rollback does this).
        try f.lock(.shared)
        try f.lock(.exclusive)
        #expect(f.lockLevel == .exclusive)
        try f.unlock(to: .none)
    }

    @Test(arguments: VFSKind.allCases)
    func busyBetweenHandles(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        let flags: OpenFlags = [.readWrite, .create, .mainDatabase]
        let a = try fx.vfs.open(fx.path("a.db"), flags: flags)
        let b = try fx.vfs.open(fx.path("a.db"), flags: flags)
        let c = try fx.vfs.open(fx.path("a.db"), flags: flags)
        defer { try? a.close(); try? b.close(); try? c.close() }
        try a.lock(.shared)
        try b.lock(.shared)
        try a.lock(.reserved)
        #expect(try b.checkReservedLock())
        expectBusy { try b.lock(.reserved) }
        #expect(b.lockLevel == .shared)
        // A cannot go EXCLUSIVE while B reads, but keeps PENDING, which shuts out new readers.
        expectBusy { try a.lock(.exclusive) }
        #expect(a.lockLevel == .pending)
        expectBusy { try c.lock(.shared) }
        try b.unlock(to: .none)
        try a.lock(.exclusive)
        #expect(a.lockLevel == .exclusive)
        expectBusy { try b.lock(.shared) }
        try a.unlock(to: .shared)
        try b.lock(.shared)
        try c.lock(.shared)
        try a.unlock(to: .none)
        try b.lock(.reserved)
        try b.unlock(to: .none)
        try c.unlock(to: .none)
        #expect(try !a.checkReservedLock())
    }

    @Test(arguments: VFSKind.allCases)
    func clockAndRandomness(_ kind: VFSKind) throws {
        let fx = try VFSFixture(kind)
        defer { fx.cleanup() }
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeMutableBytes { fx.vfs.randomness($0) }
        #expect(bytes.contains { $0 != 0 })
        if kind == .posix {
            let unixMs = Int64(Date().timeIntervalSince1970 * 1000)
            let julianMs = fx.vfs.currentTimeMilliseconds()
            #expect(abs(julianMs - 210_866_760_000_000 - unixMs) < 60_000)
            #expect(fx.vfs.sleep(microseconds: 1) >= 1)
        }
    }
}

@Suite("PosixVFS")
struct PosixVFSTests {
    @Test func fullPathnameIsAbsolute() throws {
        let vfs = PosixVFS()
        let full = try vfs.fullPathname("some.db")
        #expect(full.hasPrefix("/") && full.hasSuffix("/some.db"))
        let dir = try TemporaryDirectory("loom-vfs")
        defer { dir.cleanup() }
        let resolved = try vfs.fullPathname(dir.file("x.db"))
        #expect(resolved.hasSuffix("/x.db") && resolved.hasPrefix("/"))
    }

    @Test func directoryCannotBeOpenedForWriting() throws {
        let dir = try TemporaryDirectory("loom-vfs")
        defer { dir.cleanup() }
        do {
            _ = try PosixVFS().open(dir.path, flags: [.readWrite, .create])
            Issue.record("opened a directory")
        } catch let e as DatabaseError {
            #expect(e.code == .cannotOpenIsDirectory && ResultCode.cannotOpen ~= e.code)
        }
    }

    /// Our RESERVED lock makes sqlite3's BEGIN IMMEDIATE fail; our EXCLUSIVE its reads; and
    /// closing a second handle on the same file does not drop the first handle's lock.
    @Test(.enabled(if: Oracle.isAvailable))
    func locksExcludeSqlite3() throws {
        let dir = try TemporaryDirectory("loom-vfs")
        defer { dir.cleanup() }
        let path = dir.file("a.db")
        _ = try Oracle.run([path, "CREATE TABLE t(x); INSERT INTO t VALUES(1);"])
        let vfs = PosixVFS()
        let a = try vfs.open(path, flags: [.readWrite, .mainDatabase])
        defer { try? a.close() }
        try a.lock(.shared)
        try a.lock(.reserved)
        let other = try vfs.open(path, flags: [.readWrite, .mainDatabase])
        try other.close()  // must not release a's locks
        let write = try Oracle.run([path, "BEGIN IMMEDIATE; INSERT INTO t VALUES(2); COMMIT;"])
        #expect(write.stderr.contains("database is locked"))
        let readWhileReserved = try Oracle.run([path, "SELECT count(*) FROM t;"])
        #expect(readWhileReserved.stdout == "1\n")
        try a.lock(.exclusive)
        let readWhileExclusive = try Oracle.run([path, "SELECT count(*) FROM t;"])
        #expect(readWhileExclusive.stderr.contains("database is locked"))
        try a.unlock(to: .none)
        let after = try Oracle.run([path, "INSERT INTO t VALUES(3); SELECT count(*) FROM t;"])
        #expect(after.stdout == "2\n")
    }
}
