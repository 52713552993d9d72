// This file implements WAL: one connection's view of the write-ahead log — read snapshots
// through read marks, appending committed frames, recovery of the wal-index from the log,
// and checkpoints. Layer: L1. Spec: Spec/L1-pager.md (section "WAL").
import LoomBase
import LoomVFS

/// `PRAGMA wal_checkpoint` modes.
package enum CheckpointMode: String, Sendable { case passive, full, restart, truncate }

/// What a checkpoint reports: SQLite's three columns (busy, log, checkpointed).
package struct CheckpointResult: Sendable, Equatable {
    package var busy: Bool
    package var logFrames: Int
    package var checkpointedFrames: Int
}

/// The write-ahead log of one pager.
///
/// Lock use (shm slots): a read transaction holds READ(i) shared, where i = 0 means "the log
/// is fully in the database, read only the database" and i > 0 means "frames up to
/// read-mark[i] must not be backfilled under me". A writer holds WRITE exclusively; a
/// checkpointer holds CKPT, and READ(0) exclusively while it writes the database. Recovery
/// holds everything but READ(0).
final class WAL {
    let vfs: any VFS
    let path: String
    let file: any VFSFile
    let database: any VFSFile
    let index: WALIndex
    var pageSize: Int
    /// The header of the current (or last) read snapshot.
    private(set) var snapshot = WALIndexHeader() {
        didSet {
            if snapshot != oldValue {
                snapshotID &+= 1
                geometryChecked = false
            }
        }
    }
    /// Counts the snapshots this connection has seen: it changes when `snapshot` takes a
    /// different header that another connection wrote (a commit, a rewound log), not for
    /// this connection's own commits and rewinds.
    private(set) var snapshotID: UInt64 = 0
    /// The pager checked the database geometry (page count, page 1) against `snapshot`;
    /// cleared whenever the snapshot changes.
    var geometryChecked = false
    /// READ(i) held by the read transaction, -1 when none.
    private(set) var readLock = -1
    private(set) var writeLocked = false
    /// Frames at or below this were in the database when the snapshot began.
    private var minFrame: UInt32 = 1
    /// `PRAGMA journal_size_limit` (-1: none): the log is cut to this size when rewound.
    var sizeLimit: Int64 = -1

    init(vfs: any VFS, path: String, database: any VFSFile, shm: any VFSSharedMemory, pageSize: Int) throws {
        self.vfs = vfs
        self.path = path
        self.database = database
        self.pageSize = pageSize
        self.index = WALIndex(shm: shm)
        self.file = try vfs.open(path, flags: [.readWrite, .create, .wal])
    }

    var mxFrame: UInt32 { snapshot.mxFrame }

    /// True when the wal-index header in shared memory is still the one of the last
    /// snapshot: a read transaction begun now would see exactly the same database. Reads
    /// the header without a lock (a header torn by a writer compares unequal).
    func snapshotIsCurrent() -> Bool {
        guard readLock < 0, !writeLocked, snapshot.isInit, let h = try? index.readHeader() else { return false }
        return h == snapshot
    }

    // MARK: Read snapshots

    /// Starts a read snapshot (READ(i) shared). Returns true when the log changed since the
    /// previous snapshot (cached pages are then stale). Throws `busy` after repeated
    /// contention.
    func beginRead() throws -> Bool {
        precondition(readLock < 0, "WAL read snapshot already open")
        var attempt = 0
        while true {
            attempt += 1
            if attempt > 100 { throw DatabaseError(.busy) }
            if attempt > 5 { _ = vfs.sleep(microseconds: min(attempt * attempt * 10, 10_000)) }
            guard let h = try index.readHeader() else {
                do { try recover() } catch let e as DatabaseError where e.code == .busy {}
                continue
            }
            guard h.pageSize == pageSize || h.mxFrame == 0 else {
                throw DatabaseError.corrupt(page: 0, "WAL page size differs from the database")
            }
            let backfilled = try index.nBackfill()
            if h.mxFrame == 0 || backfilled >= h.mxFrame {
                guard (try? index.shm.shmLock(WALIndex.readLock(0)..<WALIndex.readLock(0) + 1, .shared)) != nil else { continue }
                guard try index.readHeader() == h else {
                    try? index.shm.shmUnlock(WALIndex.readLock(0)..<WALIndex.readLock(0) + 1, .shared)
                    continue
                }
                readLock = 0
            } else {
                var best = 0
                var bestMark: UInt32 = 0
                for i in 1...4 {
                    let m = try index.readMark(i)
                    if m != WALIndex.unusedReadMark && m <= h.mxFrame && (best == 0 || m > bestMark) {
                        best = i
                        bestMark = m
                    }
                }
                if best == 0 || bestMark != h.mxFrame {
                    for i in 1...4 {
                        let slot = WALIndex.readLock(i)
                        guard (try? index.shm.shmLock(slot..<slot + 1, .exclusive)) != nil else { continue }
                        try? index.setReadMark(i, h.mxFrame)
                        try? index.shm.shmUnlock(slot..<slot + 1, .exclusive)
                        best = i
                        bestMark = h.mxFrame
                        break
                    }
                }
                guard best != 0 else { continue }
                let slot = WALIndex.readLock(best)
                guard (try? index.shm.shmLock(slot..<slot + 1, .shared)) != nil else { continue }
                let markNow = try index.readMark(best)
                let headerNow = try index.readHeader()
                guard markNow == bestMark, headerNow == h else {
                    try? index.shm.shmUnlock(slot..<slot + 1, .shared)
                    continue
                }
                readLock = best
                minFrame = backfilled &+ 1
            }
            let changed = h != snapshot
            snapshot = h
            if readLock == 0 { minFrame = h.mxFrame &+ 1 }
            return changed
        }
    }

    /// The pages whose content may differ between snapshot `old` and the current one, or nil
    /// when that cannot be known (or more than `limit` frames were added): the caller then
    /// forgets everything. A page may be listed more than once. Three cases are known:
    /// - the log only grew (same salts, `old` had frames): the pages of frames
    ///   old.mxFrame+1 ... mxFrame;
    /// - `old` was a rewound log (no frames) and the current one is the same generation (same
    ///   salts: every rewind draws new ones): the pages of frames 1 ... mxFrame, since `old`
    ///   read everything from the database file;
    /// - the current header is the rewind of `old` itself (no frames, the very next header
    ///   write: `change` one more, same database size): nothing changed, since a rewind needs
    ///   the whole log in the database and rewrites no content.
    func pagesChanged(since old: WALIndexHeader, limit: UInt32) -> [UInt32]? {
        let new = snapshot
        guard old.isInit, new.isInit, new.pageSize == old.pageSize else { return nil }
        if new.mxFrame == 0 {
            guard old.mxFrame > 0, new.change == old.change &+ 1, new.nPage == old.nPage else { return nil }
            return []
        }
        guard new.salt1 == old.salt1, new.salt2 == old.salt2, new.mxFrame >= old.mxFrame,
              new.mxFrame - old.mxFrame <= limit else { return nil }
        var pages: [UInt32] = []
        pages.reserveCapacity(Int(new.mxFrame - old.mxFrame))
        var f = old.mxFrame &+ 1
        while f <= new.mxFrame {
            guard let p = try? index.page(ofFrame: f), p != 0 else { return nil }
            pages.append(p)
            f &+= 1
        }
        return pages
    }

    /// Ends the read snapshot.
    func endRead() {
        guard readLock >= 0 else { return }
        let slot = WALIndex.readLock(readLock)
        try? index.shm.shmUnlock(slot..<slot + 1, .shared)
        readLock = -1
    }

    /// The frame holding the snapshot's version of `page`, or nil (read it from the database).
    func frame(for page: UInt32) throws -> UInt32? {
        guard readLock > 0 else { return nil }
        return try index.findFrame(page: page, minFrame: minFrame, maxFrame: snapshot.mxFrame)
    }

    /// Reads the page image of frame `f` into `buffer` (page size bytes).
    func readFrame(_ f: UInt32, into buffer: UnsafeMutableRawBufferPointer) throws {
        let offset = WALFormat.frameOffset(f, pageSize: pageSize) + Int64(WALFormat.frameHeaderSize)
        let n = try file.read(into: buffer, at: offset)
        guard n == buffer.count else { throw DatabaseError.corrupt(page: 0, "WAL frame \(f) is truncated") }
    }

    // MARK: Writing

    /// Takes WRITE for the read snapshot's connection. Throws `busy` when another writer
    /// holds it, `busySnapshot` when the snapshot is no longer the latest log state. Restarts
    /// the log when it is fully checkpointed and no reader uses it.
    func beginWrite() throws {
        precondition(readLock >= 0 && !writeLocked, "WAL write without a read snapshot")
        let w = WALIndex.writeLock
        try index.shm.shmLock(w..<w + 1, .exclusive)
        do {
            guard let h = try index.readHeader(), h == snapshot else { throw DatabaseError(.busySnapshot) }
            writeLocked = true
            let backfilled = try index.nBackfill()
            if readLock == 0 && snapshot.mxFrame > 0 && backfilled >= snapshot.mxFrame {
                let readers = WALIndex.readLock(1)..<WALIndex.readLock(4) + 1
                if (try? index.shm.shmLock(readers, .exclusive)) != nil {
                    defer { try? index.shm.shmUnlock(readers, .exclusive) }
                    // The content is unchanged (all of it is in the database), so the
                    // snapshot moves to the rewound header without invalidating caches.
                    let id = snapshotID
                    snapshot = try restartHeader(snapshot)
                    snapshotID = id
                }
            }
            try index.removeEntries(after: snapshot.mxFrame)
        } catch {
            writeLocked = false
            try? index.shm.shmUnlock(w..<w + 1, .exclusive)
            throw error
        }
    }

    func endWrite() {
        guard writeLocked else { return }
        writeLocked = false
        let w = WALIndex.writeLock
        try? index.shm.shmUnlock(w..<w + 1, .exclusive)
    }

    /// Rewinds the log (caller holds WRITE and READ(1...4), the log is fully backfilled):
    /// the index says "no frames" and carries the next generation's salts (salt-1 one more
    /// than the log's, a random salt-2, as SQLite's rewind does); the next frame rewrites
    /// the WAL header with them. New salts at every rewind let a reader tell "the same
    /// generation" from "rewound since" by the salts alone (`pagesChanged`).
    private func restartHeader(_ from: WALIndexHeader) throws -> WALIndexHeader {
        var h = from
        h.mxFrame = 0
        h.change &+= 1
        h.frameChecksum0 = 0
        h.frameChecksum1 = 0
        h.salt1 = from.salt1 &+ 1
        h.salt2 = random32()
        try index.writeHeader(h)
        try index.setNBackfill(0)
        try index.setReadMark(1, 0)
        for i in 2...4 { try index.setReadMark(i, WALIndex.unusedReadMark) }
        try index.setNBackfillAttempted(0)
        return h
    }

    private func random32() -> UInt32 {
        var n: UInt32 = 0
        withUnsafeMutableBytes(of: &n) { vfs.randomness($0) }
        return n
    }

    /// Appends `pages` as frames of one transaction (the last is the commit frame carrying
    /// `databaseSize`) and publishes them in the index. With `syncCommit` the log is synced
    /// after the commit frame; a new WAL header is synced unless `syncHeader` is false.
    func writeFrames(_ pages: [Page], databaseSize: UInt32, syncHeader: Bool, syncCommit: Bool) throws {
        precondition(writeLocked && !pages.isEmpty, "WAL frames written without WRITE")
        var h = snapshot
        guard h.mxFrame < UInt32.max - UInt32(clamping: pages.count) - 1 else { throw DatabaseError(.full) }
        if h.mxFrame == 0 {
            var old = [UInt8](repeating: 0, count: WALFormat.headerSize)
            _ = try old.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
            let previous = old.withUnsafeBytes { WALFormat.Header.decode($0) }
            // A rewind (ours or SQLite's) already chose this generation's salts: salt-1 one
            // more than the old log's. Otherwise (a new log, or one whose index came from
            // recovery) new ones are drawn here.
            let salts: (UInt32, UInt32)
            if let previous, h.isInit, h.salt1 == previous.salt1 &+ 1 {
                salts = (h.salt1, h.salt2)
            } else {
                salts = (previous.map { $0.salt1 &+ 1 } ?? random32(), random32())
            }
            let header = WALFormat.Header(
                bigEndianChecksum: WALFormat.nativeBigEndian, pageSize: pageSize,
                checkpointSequence: previous.map { $0.checkpointSequence &+ 1 } ?? 0,
                salt1: salts.0, salt2: salts.1, checksum: (0, 0))
            let bytes = header.encode()
            try bytes.withUnsafeBytes { try file.write($0, at: 0) }
            if syncHeader { try file.sync(.normal) }
            // The new salts make every old frame invalid, so the file may shrink now
            // (`journal_size_limit`).
            let needed = WALFormat.frameOffset(UInt32(pages.count) + 1, pageSize: pageSize)
            if sizeLimit >= 0, try file.size() > max(sizeLimit, needed) {
                try file.truncate(to: max(sizeLimit, needed))
            }
            let decoded = bytes.withUnsafeBytes { WALFormat.Header.decode($0) }
            h.bigEndianChecksum = header.bigEndianChecksum
            h.salt1 = header.salt1
            h.salt2 = header.salt2
            h.frameChecksum0 = decoded?.checksum.0 ?? 0
            h.frameChecksum1 = decoded?.checksum.1 ?? 0
        }
        let frameSize = WALFormat.frameHeaderSize + pageSize
        var sum = (h.frameChecksum0, h.frameChecksum1)
        let batch = 64
        var start = 0
        while start < pages.count {
            let end = min(pages.count, start + batch)
            var buffer = [UInt8](repeating: 0, count: (end - start) * frameSize)
            buffer.withUnsafeMutableBytes { b in
                for k in start..<end {
                    let at = (k - start) * frameSize
                    let page = pages[k]
                    WALFormat.put32(b, at, page.number.rawValue)
                    WALFormat.put32(b, at + 4, k == pages.count - 1 ? databaseSize : 0)
                    WALFormat.put32(b, at + 8, h.salt1)
                    WALFormat.put32(b, at + 12, h.salt2)
                    page.withBytes { src in
                        if let s = src.baseAddress, let d = b.baseAddress {
                            (d + at + WALFormat.frameHeaderSize).copyMemory(from: s, byteCount: pageSize)
                        }
                    }
                    sum = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[at..<(at + 8)]), bigEndian: h.bigEndianChecksum, seed: sum)
                    sum = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[(at + WALFormat.frameHeaderSize)..<(at + frameSize)]),
                                             bigEndian: h.bigEndianChecksum, seed: sum)
                    WALFormat.put32(b, at + 16, sum.0)
                    WALFormat.put32(b, at + 20, sum.1)
                }
            }
            let first = h.mxFrame + UInt32(start) + 1
            try buffer.withUnsafeBytes { try file.write($0, at: WALFormat.frameOffset(first, pageSize: pageSize)) }
            start = end
        }
        if syncCommit { try file.sync(.normal) }
        for (k, page) in pages.enumerated() {
            try index.append(frame: h.mxFrame + UInt32(k) + 1, page: page.number.rawValue)
        }
        h.mxFrame += UInt32(pages.count)
        h.nPage = databaseSize
        h.frameChecksum0 = sum.0
        h.frameChecksum1 = sum.1
        h.change &+= 1
        h.isInit = true
        h.pageSize = pageSize
        try index.writeHeader(h)
        // This connection's own commit: it knows what changed, so the id stays (it marks
        // snapshots that other connections' commits produced).
        let id = snapshotID
        snapshot = h
        snapshotID = id
    }

    // MARK: Recovery

    /// Rebuilds the wal-index from the log (its header is missing or damaged): every frame
    /// with matching salts and a valid running checksum is indexed; the snapshot ends at the
    /// last valid commit frame. Holds every lock but READ(0). Throws `busy` when another
    /// connection holds one of them (it may be recovering itself).
    func recover() throws {
        let head = WALIndex.writeLock..<WALIndex.recoverLock + 1
        let readers = WALIndex.readLock(1)..<WALIndex.readLock(4) + 1
        try index.shm.shmLock(head, .exclusive)
        defer { try? index.shm.shmUnlock(head, .exclusive) }
        try index.shm.shmLock(readers, .exclusive)
        defer { try? index.shm.shmUnlock(readers, .exclusive) }
        if try index.readHeader() != nil { return }
        var h = WALIndexHeader()
        h.pageSize = pageSize
        let size = try file.size()
        if size >= Int64(WALFormat.headerSize) {
            var raw = [UInt8](repeating: 0, count: WALFormat.headerSize)
            _ = try raw.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
            if let wh = raw.withUnsafeBytes({ WALFormat.Header.decode($0) }), wh.pageSize == pageSize {
                h.bigEndianChecksum = wh.bigEndianChecksum
                h.salt1 = wh.salt1
                h.salt2 = wh.salt2
                var sum = wh.checksum
                let frameSize = WALFormat.frameHeaderSize + pageSize
                var frame = [UInt8](repeating: 0, count: frameSize)
                var f: UInt32 = 1
                while f < UInt32.max - 1,
                      WALFormat.frameOffset(f, pageSize: pageSize) + Int64(frameSize) <= size {
                    _ = try frame.withUnsafeMutableBytes { try file.read(into: $0, at: WALFormat.frameOffset(f, pageSize: pageSize)) }
                    let ok: (page: UInt32, commit: UInt32)? = frame.withUnsafeBytes { b in
                        let page = WALFormat.get32(b, 0)
                        guard page != 0, WALFormat.get32(b, 8) == wh.salt1, WALFormat.get32(b, 12) == wh.salt2 else { return nil }
                        var s = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[0..<8]), bigEndian: wh.bigEndianChecksum, seed: sum)
                        s = WALFormat.checksum(UnsafeRawBufferPointer(rebasing: b[WALFormat.frameHeaderSize..<frameSize]),
                                               bigEndian: wh.bigEndianChecksum, seed: s)
                        guard s.0 == WALFormat.get32(b, 16), s.1 == WALFormat.get32(b, 20) else { return nil }
                        sum = s
                        return (page, WALFormat.get32(b, 4))
                    }
                    guard let ok else { break }
                    try index.append(frame: f, page: ok.page)
                    if ok.commit != 0 {
                        h.mxFrame = f
                        h.nPage = ok.commit
                        h.frameChecksum0 = sum.0
                        h.frameChecksum1 = sum.1
                    }
                    f += 1
                }
            }
        }
        if h.mxFrame == 0 {
            h.frameChecksum0 = 0
            h.frameChecksum1 = 0
        }
        try index.removeEntries(after: h.mxFrame)
        let previous = try index.header0().loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        h.change = previous &+ 1
        h.isInit = true
        try index.setNBackfill(0)
        try index.setReadMark(0, 0)
        try index.setReadMark(1, h.mxFrame)
        for i in 2...4 { try index.setReadMark(i, WALIndex.unusedReadMark) }
        try index.setNBackfillAttempted(0)
        try index.writeHeader(h)
    }

    // MARK: Checkpoint

    /// Copies committed frames back into the database, in page order, as far as readers
    /// allow. Called outside any transaction of this connection. `syncDatabase` also syncs
    /// the log first (frames must be durable before the database is overwritten).
    func checkpoint(_ mode: CheckpointMode, sync: Bool) throws -> CheckpointResult {
        precondition(readLock < 0 && !writeLocked, "checkpoint inside a transaction")
        var header: WALIndexHeader?
        for _ in 0..<100 {
            header = try index.readHeader()
            if header != nil { break }
            do { try recover() } catch let e as DatabaseError where e.code == .busy {
                _ = vfs.sleep(microseconds: 100)
            }
        }
        guard header != nil else { throw DatabaseError(.busy) }
        let ckpt = WALIndex.checkpointLock
        do {
            try index.shm.shmLock(ckpt..<ckpt + 1, .exclusive)
        } catch let e as DatabaseError where e.code == .busy {
            let h = try index.readHeader()
            return CheckpointResult(busy: true, logFrames: Int(h?.mxFrame ?? 0), checkpointedFrames: Int(try index.nBackfill()))
        }
        defer { try? index.shm.shmUnlock(ckpt..<ckpt + 1, .exclusive) }
        var busy = false
        var holdsWrite = false
        let w = WALIndex.writeLock
        if mode != .passive {
            if (try? index.shm.shmLock(w..<w + 1, .exclusive)) != nil { holdsWrite = true } else { busy = true }
        }
        defer { if holdsWrite { try? index.shm.shmUnlock(w..<w + 1, .exclusive) } }
        guard let h = try index.readHeader() else { throw DatabaseError(.busy) }
        let mx = h.mxFrame
        var backfilled = try index.nBackfill()
        guard backfilled <= mx else {
            throw DatabaseError.corrupt(page: 0, "wal-index names frames the log does not hold")
        }
        if mx > backfilled {
            guard h.pageSize == pageSize else { throw DatabaseError.corrupt(page: 0, "WAL page size differs from the database") }
            var safe = mx
            for i in 1...4 {
                let m = try index.readMark(i)
                guard m < safe else { continue }
                let slot = WALIndex.readLock(i)
                if (try? index.shm.shmLock(slot..<slot + 1, .exclusive)) != nil {
                    try index.setReadMark(i, i == 1 ? safe : WALIndex.unusedReadMark)
                    try? index.shm.shmUnlock(slot..<slot + 1, .exclusive)
                } else {
                    safe = m
                }
            }
            if safe > backfilled {
                // The index comes from shared memory: never trust it beyond what the log
                // holds (checked only when frames are to be copied: an fstat per attempt
                // showed in the profile of a writer whose every commit checkpoints).
                let framesInFile = max(0, (try file.size() - Int64(WALFormat.headerSize)) / Int64(WALFormat.frameHeaderSize + pageSize))
                guard Int64(mx) <= framesInFile else {
                    throw DatabaseError.corrupt(page: 0, "wal-index names frames the log does not hold")
                }
                let r0 = WALIndex.readLock(0)
                if (try? index.shm.shmLock(r0..<r0 + 1, .exclusive)) != nil {
                    defer { try? index.shm.shmUnlock(r0..<r0 + 1, .exclusive) }
                    try index.setNBackfillAttempted(safe)
                    if sync { try file.sync(.normal) }
                    var latest: [UInt32: UInt32] = [:]
                    var f = backfilled + 1
                    while f <= safe {
                        let p = try index.page(ofFrame: f)
                        if p != 0 { latest[p] = f }
                        f += 1
                    }
                    var buffer = [UInt8](repeating: 0, count: pageSize)
                    for p in latest.keys.sorted() where p <= h.nPage {
                        guard let frame = latest[p] else { continue }
                        try buffer.withUnsafeMutableBytes { try readFrame(frame, into: $0) }
                        try buffer.withUnsafeBytes { try database.write($0, at: Int64(p - 1) * Int64(pageSize)) }
                    }
                    // The database is synced only when the whole log is in it (as SQLite
                    // does): a partial backfill need not be durable, since nothing rewinds
                    // or deletes the log before nBackfill reaches mxFrame, which only this
                    // branch (after the sync) publishes; after a power loss recovery sets
                    // nBackfill to 0 and the synced log still holds every frame.
                    if safe == mx {
                        let wanted = Int64(h.nPage) * Int64(pageSize)
                        if try database.size() > wanted { try database.truncate(to: wanted) }
                        if sync { try database.sync(.normal) }
                    }
                    try index.setNBackfill(safe)
                    backfilled = safe
                } else {
                    busy = true
                }
            }
            if backfilled < mx && mode != .passive { busy = true }
        }
        var log = Int(mx)
        if (mode == .restart || mode == .truncate) && holdsWrite && backfilled >= mx {
            let readers = WALIndex.readLock(1)..<WALIndex.readLock(4) + 1
            if (try? index.shm.shmLock(readers, .exclusive)) != nil {
                defer { try? index.shm.shmUnlock(readers, .exclusive) }
                // RESTART: no reader uses the log now, so the next writer rewinds it.
                if mode == .truncate {
                    if mx > 0 { _ = try restartHeader(h) }
                    try file.truncate(to: 0)
                    if sync { try file.sync(.normal) }
                    log = 0
                    backfilled = 0
                }
            } else {
                busy = true
            }
        }
        return CheckpointResult(busy: busy, logFrames: log, checkpointedFrames: Int(backfilled))
    }

    /// Detaches from the shared memory and closes the log file; with `delete` (last
    /// connection, log fully checkpointed) the log and the shared memory are removed.
    func close(delete: Bool) {
        endRead()
        endWrite()
        if delete { try? index.invalidateHeader() }
        try? index.shm.shmUnmap(delete: delete)
        index.forgetMappings()
        try? file.close()
        if delete { try? vfs.delete(path, syncDirectory: false) }
    }
}
