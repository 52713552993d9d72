// This file implements the pager's WAL mode: entering and leaving it, read snapshots,
// commits as WAL frames, checkpoints and the last connection's cleanup on close.
// Layer: L1. Spec: Spec/L1-pager.md (section "WAL").
import LoomBase
import LoomVFS

extension Pager {
    /// Opens the log and the wal-index of a database whose header says WAL (bytes 18/19 = 2).
    /// The database file keeps its SHARED lock from now until `close`.
    func openWAL() throws -> WAL {
        if let wal { return wal }
        let shm: any VFSSharedMemory
        if exclusiveLocking || !file.supportsSharedMemory {
            // Exclusive locking mode (or a VFS without shared memory): the database file is
            // locked EXCLUSIVE for good and the wal-index lives in this pager's heap, so no
            // `-shm` file exists (as SQLite does). Fails with `busy` while others use it.
            guard exclusiveLocking else { throw DatabaseError(.cannotOpen, "unable to open database file") }
            try file.lock(.exclusive)
            shm = HeapWALIndexMemory()
        } else if let fileShm = file as? any VFSSharedMemory {
            shm = fileShm
        } else {
            throw DatabaseError(.cannotOpen, "unable to open database file")
        }
        let opened = try WAL(vfs: vfs, path: path + "-wal", database: file, shm: shm, pageSize: pageSize)
        opened.sizeLimit = journalSizeLimit
        wal = opened
        journalMode = .wal
        return opened
    }

    /// none → read in WAL mode: a snapshot of the log (the cache is dropped when the log
    /// changed since the last one); the page count is the last commit's database size.
    func beginReadWAL(_ wal: WAL) throws {
        if file.lockLevel < .shared { try file.lock(.shared) }
        let previous = wal.snapshot
        let changed = try wal.beginRead()
        if changed {
            forgetPagesChanged(since: previous, wal)
            externalChanges &+= 1
        }
        // The same snapshot as the last read, whose geometry was checked: nothing to redo
        // (the cache, page count and header fields are still those of this snapshot).
        if !changed && wal.geometryChecked {
            if wal.mxFrame > 0 { pageCount = wal.snapshot.nPage }
            state = .read
            return
        }
        do {
            if wal.mxFrame > 0 {
                pageCount = wal.snapshot.nPage
                state = .read
                // Geometry from page 1 as the snapshot sees it (the file's copy may be stale).
                let p1 = try page(1)
                var ps = p1.u16(16)
                if ps == 1 { ps = 65536 }
                let magicMatches = p1.withBytes { $0.count >= 16 && $0.prefix(16).elementsEqual(Pager.magic) }
                guard magicMatches, ps == pageSize, pageSize - Int(p1[20]) >= 480 else {
                    throw DatabaseError(.notADatabase)
                }
                reservedBytes = Int(p1[20])
            } else {
                let before = pageCount
                try readGeometry(fileSize: try file.size())
                if before != pageCount && !cache.pages.isEmpty { dropCache() }
            }
        } catch {
            state = .none
            wal.endRead()
            throw error
        }
        wal.geometryChecked = true
        state = .read
    }

    /// A new snapshot: when the log only grew since `previous`, only the pages written by
    /// the new frames (and pages past the new size) leave the cache, each stamped with
    /// generation 0 so a holder sees it is stale; the survivors and `generation` stay as
    /// they are (nothing about them changed). Otherwise all of it goes (SQLite always drops
    /// it). Looks up the changed pages one by one: no walk over the whole cache.
    private func forgetPagesChanged(since previous: WALIndexHeader, _ wal: WAL) {
        guard !cache.pages.isEmpty, state == .none,
              let changed = wal.pagesChanged(since: previous, limit: Pager.changedFramesLimit(cacheSizePages)) else {
            dropCache()
            return
        }
        let nPage = wal.snapshot.nPage
        if nPage < pageCount || nPage < previous.nPage {
            cache.removeAll { page in
                guard page.number.rawValue > nPage else { return false }
                page.generation = 0
                return true
            }
        }
        for n in changed where n >= 1 {
            cache.remove(PageNumber(n))?.generation = 0
        }
        wal.geometryChecked = false
    }

    /// The most new frames `forgetPagesChanged` walks before it drops the whole cache
    /// instead: 8 per cached page, at least 4096. Walking a frame costs a 4-byte load and a
    /// cache lookup, while a dropped cache costs a read per page later: with a 500-page cache
    /// and a writer committing thousands of frames a second, a reader thread descheduled for
    /// a few tens of milliseconds saw more than the former bound (cache/2) and lost its
    /// whole cache (loom-bench --concurrency: 14% of page fetches missed).
    static func changedFramesLimit(_ cachePages: Int) -> UInt32 {
        UInt32(clamping: max(4096, cachePages.multipliedReportingOverflow(by: 8).partialValue))
    }

    /// The page size in the header of a `-wal` file beside the database, when one exists with
    /// a valid header (nil: no log to honour).
    func existingWALPageSize() throws -> Int? {
        let walPath = path + "-wal"
        guard try vfs.access(walPath, .exists) else { return nil }
        let f = try vfs.open(walPath, flags: [.readOnly, .wal])
        defer { try? f.close() }
        var raw = [UInt8](repeating: 0, count: WALFormat.headerSize)
        _ = try raw.withUnsafeMutableBytes { try f.read(into: $0, at: 0) }
        return raw.withUnsafeBytes { WALFormat.Header.decode($0) }?.pageSize
    }

    /// Commit in WAL mode: the dirty pages (page 1 with a bumped change counter when it
    /// changed, the size changed, or nothing else did) become frames; the last carries the
    /// database size. `synchronous` FULL/EXTRA syncs the log here; NORMAL leaves it to the
    /// checkpoint. Nothing touches the database file.
    func commitWAL(_ wal: WAL) throws {
        // Only pages made writable this transaction (`journaled`) can be dirty.
        var dirty = cache.dirtyPages(among: journaled).filter { $0.number.rawValue <= pageCount }
        if dirty.isEmpty && pageCount == originalPageCount {
            try finishTransaction()
            return
        }
        do {
            if pageCount >= 1 && (dirty.first?.number == 1 || pageCount != originalPageCount || dirty.isEmpty) {
                let p1 = try page(1)
                try makeWritable(p1)
                let counter = p1.u32(24) &+ 1
                p1.setU32(24, counter)
                p1.setU32(28, pageCount)
                p1.setU32(92, counter)
                p1.setU32(96, 3_040_001)
                p1[18] = 2
                p1[19] = 2
                dirty = cache.dirtyPages(among: journaled).filter { $0.number.rawValue <= pageCount }
            }
            counters.walFramesWritten &+= dirty.count
            try wal.writeFrames(dirty, databaseSize: pageCount, syncHeader: synchronous != .off,
                                syncCommit: synchronous.rawValue >= SynchronousLevel.full.rawValue)
        } catch {
            // Nothing was published in the index: the frames written (if any) lie past the
            // log's end and are ignored; drop the transaction's pages.
            try? rollback()
            throw error
        }
        for p in dirty { p.isDirty = false }
        if walAutocheckpoint > 0 && Int(wal.mxFrame) >= walAutocheckpoint { checkpointPending = true }
        try finishTransaction()
    }

    /// `PRAGMA wal_checkpoint(mode)`: SQLite's (busy, log, checkpointed); (false, -1, -1)
    /// when the database is not in WAL mode. Must run outside a transaction.
    package func checkpoint(_ mode: CheckpointMode) throws -> CheckpointResult {
        try checkUsable()
        guard let wal else { return CheckpointResult(busy: false, logFrames: -1, checkpointedFrames: -1) }
        guard state == .none else { throw DatabaseError(.locked, "database table is locked") }
        if file.lockLevel < .shared { try file.lock(.shared) }
        return try countingCheckpoint { try wal.checkpoint(mode, sync: synchronous != .off) }
    }

    /// In WAL mode, outside a transaction: an id of the last read snapshot when a read
    /// transaction begun now would see exactly the same database (the wal-index header in
    /// shared memory has not changed since), else nil. The id changes whenever this pager's
    /// snapshot does, so a caller that remembers an id learns "nothing was committed since"
    /// without taking a lock (the session uses it to skip re-reading the schema cookie).
    package func unchangedSnapshotID() -> UInt64? {
        guard let wal, state == .none, errorState == nil, wal.snapshotIsCurrent() else { return nil }
        return wal.snapshotID
    }

    /// The number of frames in the log as of the last snapshot (0 outside WAL mode).
    package var walFrameCount: Int { Int(wal?.mxFrame ?? 0) }

    /// `PRAGMA locking_mode`: with `exclusive`, locks are kept once taken (SHARED after a
    /// read, EXCLUSIVE after a write) and a log opened from now on keeps its index in heap
    /// memory. Back to normal, a rollback-journal database drops its lock when no transaction
    /// is open; a heap-indexed log stays exclusive until close (it has no `-shm` to share).
    package func setExclusiveLocking(_ on: Bool) {
        exclusiveLocking = on
        if !on && wal == nil && state == .none && errorState == nil {
            try? file.unlock(to: .none)
        }
    }

    /// Sets `PRAGMA journal_size_limit` (negative: no limit).
    package func setJournalSizeLimit(_ limit: Int64) {
        journalSizeLimit = limit < 0 ? -1 : limit
        wal?.sizeLimit = journalSizeLimit
    }

    /// `PRAGMA journal_mode=WAL`: writes 2 into header bytes 18/19 with a rollback-journal
    /// transaction, then opens the log. The database must have page 1 (the B-tree creates
    /// it) and no transaction may be open.
    package func enterWALMode() throws {
        try checkUsable()
        guard wal == nil, !isResident else { return }
        guard state == .none else { throw DatabaseError(.error, "cannot change into wal mode from within a transaction") }
        guard file.supportsSharedMemory || exclusiveLocking else { return }
        try setFileFormatVersions(2)
        _ = try openWAL()
        try beginRead()
        endRead()
    }

    /// `PRAGMA journal_mode=<rollback mode>` from WAL: needs EXCLUSIVE on the database (no
    /// other connection), checkpoints everything, deletes the log, then writes 1 into header
    /// bytes 18/19. Throws `busy` when other connections are open.
    package func leaveWALMode(to mode: JournalMode) throws {
        try checkUsable()
        guard let wal, mode != .wal else { return }
        guard state == .none else { throw DatabaseError(.error, "cannot change out of wal mode from within a transaction") }
        do {
            try file.lock(.exclusive)
        } catch {
            try? file.unlock(to: .shared)
            throw error
        }
        let result = try wal.checkpoint(.truncate, sync: synchronous != .off)
        guard !result.busy else {
            try? file.unlock(to: .shared)
            throw DatabaseError(.busy)
        }
        wal.close(delete: true)
        self.wal = nil
        journalMode = mode
        dropCache()
        try setFileFormatVersions(1)
    }

    /// Writes `version` into header bytes 18/19 (file format write and read versions: 1 for
    /// rollback journals, 2 for WAL) in a transaction of its own, when they differ.
    private func setFileFormatVersions(_ version: UInt8) throws {
        leavingWAL = true
        defer { leavingWAL = false }
        try beginWrite()
        do {
            if pageCount >= 1 {
                let p1 = try page(1)
                if p1[18] != version || p1[19] != version {
                    try makeWritable(p1)
                    p1[18] = version
                    p1[19] = version
                }
            }
            try commit()
        } catch {
            try? rollback()
            endRead()
            throw error
        }
        endRead()
    }

    /// Close in WAL mode: the last connection (it gets EXCLUSIVE on the database) checkpoints
    /// and deletes the log and the shared memory, as SQLite does; others just detach.
    func closeWAL() {
        guard let wal else { return }
        if state == .read { wal.endRead() }
        state = .none
        var last = false
        if !options.readOnly, errorState == nil, (try? file.lock(.exclusive)) != nil {
            if let r = try? countingCheckpoint({ try wal.checkpoint(.passive, sync: synchronous != .off) }),
               !r.busy, r.checkpointedFrames == r.logFrames {
                last = true
            }
        }
        wal.close(delete: last)
        self.wal = nil
    }
}

/// The wal-index of a log in exclusive locking mode: zeroed heap regions private to one pager,
/// with locks that always succeed (no other connection can reach them).
final class HeapWALIndexMemory: VFSSharedMemory {
    private var regions: [UnsafeMutableRawPointer] = []

    deinit { release() }

    func shmMap(region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        guard region >= 0, size > 0 else { throw DatabaseError(.ioErrorShmMap) }
        if region < regions.count { return regions[region] }
        guard extend else { return nil }
        while regions.count <= region {
            let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            regions.append(p)
        }
        return regions[region]
    }

    func shmLock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {}
    func shmUnlock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {}
    func shmBarrier() {}
    func shmUnmap(delete: Bool) throws { release() }

    private func release() {
        for p in regions { p.deallocate() }
        regions = []
    }
}
