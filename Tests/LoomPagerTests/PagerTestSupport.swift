// This file implements helpers for the pager tests: fixtures on PosixVFS and MemoryVFS,
// raw database headers, an independent journal parser, a fault-injecting VFS.
// Layer: L1 tests. Spec: Spec/L1-pager.md.
import Foundation
import LoomBase
@testable import LoomPager
import LoomTestSupport
import LoomVFS
import Synchronization
import Testing

enum VFSKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case posix, memory
    var description: String { rawValue }
}

/// A VFS plus a directory for its files.
struct PagerFixture {
    let vfs: any VFS
    let directory: TemporaryDirectory?
    let kind: VFSKind

    init(_ kind: VFSKind) throws {
        self.kind = kind
        switch kind {
        case .posix:
            vfs = PosixVFS()
            directory = try TemporaryDirectory("loom-pager")
        case .memory:
            vfs = MemoryVFS()
            directory = nil
        }
    }

    func path(_ name: String) -> String { directory?.file(name) ?? name }
    func cleanup() { directory?.cleanup() }

    func pager(_ name: String = "a.db", cache: Int = 2000, pageSize: Int = 1024,
               mode: JournalMode = .delete, sync: SynchronousLevel = .full) throws -> Pager {
        var o = PagerOptions()
        o.cacheSizePages = cache
        o.pageSizeForNewDatabase = pageSize
        o.journalMode = mode
        o.synchronous = sync
        return try Pager(vfs: vfs, path: path(name), options: o)
    }

    /// The whole file's bytes (empty when missing).
    func contents(_ name: String) throws -> [UInt8] {
        guard try vfs.access(path(name), .exists) else { return [] }
        let f = try vfs.open(path(name), flags: [.readOnly])
        defer { try? f.close() }
        var bytes = [UInt8](repeating: 0, count: Int(try f.size()))
        _ = try bytes.withUnsafeMutableBytes { try f.read(into: $0, at: 0) }
        return bytes
    }
}

/// Writes a minimal database header into page 1 (the B-tree layer's job in real use).
func writeHeader(_ p: Page, pageSize: Int) {
    p.setBytes(Array("SQLite format 3\0".utf8), at: 0)
    p.setU16(16, pageSize == 65536 ? 1 : pageSize)
    p.setBytes([1, 1, 0, 64, 32, 32], at: 18)
    p.setU32(44, 4)
    p.setU32(56, 1)
}

/// Fills a page (after the header on page 1) with a byte pattern derived from `seed`.
func fill(_ p: Page, seed: UInt8) {
    let start = p.number == 1 ? 100 : 0
    p.withMutableBytes { b in
        for i in start..<b.count { b[i] = seed &+ UInt8(truncatingIfNeeded: i &* 7) }
    }
}

func expectedPattern(_ n: UInt32, size: Int, seed: UInt8) -> [UInt8] {
    (0..<size).map { seed &+ UInt8(truncatingIfNeeded: $0 &* 7) }
}

/// Creates a database of `pages` pages, page k filled with seed k, and commits it.
@discardableResult
func makeDatabase(_ fx: PagerFixture, _ name: String = "a.db", pages: UInt32, pageSize: Int = 1024) throws -> Pager {
    let pager = try fx.pager(name, pageSize: pageSize)
    try pager.beginWrite()
    for k in 1...pages {
        let p = try pager.appendPage()
        if k == 1 { writeHeader(p, pageSize: pageSize) }
        fill(p, seed: UInt8(truncatingIfNeeded: k))
    }
    try pager.commit()
    pager.endRead()
    return pager
}

func expectBusy(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected busy", sourceLocation: sourceLocation)
    } catch let e as DatabaseError {
        #expect(e.code == .busy, "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
}

/// An independent reading of fileformat2.html's journal layout, for checking what we write.
struct ParsedJournal {
    struct Segment {
        var offset: Int
        var recordCount: UInt32
        var nonce: UInt32
        var initialPages: UInt32
        var sectorSize: Int
        var pageSize: Int
        var pages: [UInt32]
        var checksumsOK: Bool
    }
    var segments: [Segment] = []

    init(_ j: [UInt8]) {
        let magic: [UInt8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]
        var off = 0
        while off + 28 <= j.count, Array(j[off..<(off + 8)]) == magic {
            let n = be32(j, off + 8), nonce = be32(j, off + 12)
            let sector = Int(be32(j, off + 20)), ps = Int(be32(j, off + 24))
            guard sector >= 32, ps >= 512 else { break }
            var seg = Segment(offset: off, recordCount: n, nonce: nonce, initialPages: be32(j, off + 16),
                              sectorSize: sector, pageSize: ps, pages: [], checksumsOK: true)
            var r = off + sector
            var count = 0
            while (n == 0xffff_ffff || count < Int(n)) && r + ps + 8 <= j.count {
                seg.pages.append(be32(j, r))
                var sum = nonce
                var x = ps - 200
                while x >= 0 { sum &+= UInt32(j[r + 4 + x]); x -= 200 }
                if sum != be32(j, r + 4 + ps) { seg.checksumsOK = false }
                r += ps + 8
                count += 1
            }
            segments.append(seg)
            if n == 0xffff_ffff { break }
            off = (r + sector - 1) / sector * sector
        }
    }
}

/// Wraps a VFS and makes writes to files whose path ends with `failingSuffix` fail with
/// `ioErrorWrite` while `failing` is set.
final class FaultyVFS: VFS {
    let base: any VFS
    let failing = Atomic<Bool>(false)
    let failingSuffix: String
    init(_ base: any VFS, failingSuffix: String) {
        self.base = base
        self.failingSuffix = failingSuffix
    }
    var name: String { "faulty" }
    func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        let f = try base.open(path, flags: flags)
        guard let path, path.hasSuffix(failingSuffix) else { return f }
        return FaultyFile(f, self)
    }
    func delete(_ path: String, syncDirectory: Bool) throws { try base.delete(path, syncDirectory: syncDirectory) }
    func access(_ path: String, _ check: AccessCheck) throws -> Bool { try base.access(path, check) }
    func fullPathname(_ path: String) throws -> String { try base.fullPathname(path) }
    func randomness(_ buffer: UnsafeMutableRawBufferPointer) { base.randomness(buffer) }
    func sleep(microseconds: Int) -> Int { base.sleep(microseconds: microseconds) }
    func currentTimeMilliseconds() -> Int64 { base.currentTimeMilliseconds() }
}

final class FaultyFile: VFSFile {
    let f: any VFSFile
    let vfs: FaultyVFS
    init(_ f: any VFSFile, _ vfs: FaultyVFS) {
        self.f = f
        self.vfs = vfs
    }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try f.read(into: buffer, at: offset)
    }
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        if vfs.failing.load(ordering: .relaxed) { throw DatabaseError(.ioErrorWrite, osErrno: EIO) }
        try f.write(buffer, at: offset)
    }
    func truncate(to size: Int64) throws { try f.truncate(to: size) }
    func sync(_ flags: SyncFlags) throws { try f.sync(flags) }
    func size() throws -> Int64 { try f.size() }
    func lock(_ level: LockLevel) throws { try f.lock(level) }
    func unlock(to level: LockLevel) throws { try f.unlock(to: level) }
    func checkReservedLock() throws -> Bool { try f.checkReservedLock() }
    var lockLevel: LockLevel { f.lockLevel }
    var sectorSize: Int { f.sectorSize }
    var deviceCharacteristics: DeviceCharacteristics { f.deviceCharacteristics }
    func close() throws { try f.close() }
}

/// Polls (bounded, not timed) until `path` exists.
func waitForFile(_ path: String) -> Bool {
    for _ in 0..<6000 {
        if FileManager.default.fileExists(atPath: path) { return true }
        usleep(5000)
    }
    return false
}

/// A sqlite3 process kept alive on a pipe.
final class LiveSqlite3 {
    let process = Process()
    let input = Pipe()
    init(_ database: String) throws {
        guard let path = Oracle.path else { throw OracleError.notInstalled }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [database]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }
    func send(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }
    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
    }
}

/// A table of about `rows` rows of 300-byte blobs in 1 KiB pages, built by sqlite3.
func makeSqliteDatabase(_ path: String, rows: Int = 1000) throws {
    let out = try Oracle.run([path, """
        PRAGMA page_size=1024;
        CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
        INSERT INTO t SELECT value, randomblob(300) FROM generate_series(1, \(rows));
        CREATE INDEX tv ON t(v);
        """])
    #expect(out.status == 0, "\(out.stderr)")
}

let summaryQuery = "PRAGMA integrity_check; SELECT count(*), sum(length(v)), hex(substr(group_concat(hex(v)), 1, 64)) FROM t;"
