// This file implements Pager: the single owner of the page cache, the database file's locks
// and the rollback journal. Layer: L1. Spec: Spec/L1-pager.md (state diagram, invariants).
import LoomBase
import LoomVFS

/// Journal modes (`PRAGMA journal_mode`): the rollback-journal modes and WAL.
package enum JournalMode: String, Sendable { case delete, truncate, persist, memory, off, wal }

/// `PRAGMA synchronous` levels.
package enum SynchronousLevel: Int, Sendable { case off = 0, normal = 1, full = 2, extra = 3 }

package struct PagerOptions: Sendable {
    package var readOnly = false
    /// Page size used when the file is new (empty); an existing file's header wins.
    package var pageSizeForNewDatabase = 4096
    package var journalMode: JournalMode = .delete
    package var synchronous: SynchronousLevel = .full
    /// Cache bound in pages: SQLite's default `cache_size` is -2000, i.e. 2000 KiB, which is
    /// 500 pages of 4 KiB (2000 pages held 8 MiB and made `loom`'s peak RSS 4-15x sqlite3's
    /// on file databases).
    package var cacheSizePages = 500
    /// A temporary database (the connection's temp database with `temp_store` FILE): the VFS
    /// opens an anonymous file, deleted when closed; `path` only names it.
    package var temporaryFile = false
    /// The database is private to this pager and lives in memory (`:memory:`, temp and
    /// attached in-memory databases, ephemeral tables): with a MemoryVFS and an empty file,
    /// the pager is memory-resident — the cache is the database (no eviction, nothing
    /// written to the file) and the journal is a `MemoryJournal` (Spec/L1-pager.md,
    /// "Memory-resident databases"). Ignored otherwise.
    package var memoryResident = false
    package init() {}
}

/// The transaction state of a pager.
package enum PagerState: Sendable { case none, read, write }

/// The pager: pages in, pages out, atomically.
///
/// One pager belongs to one connection and is used from one thread at a time (an actor in
/// the design sense: it is the only code that touches the cache, the file locks and the
/// journal). Page access is synchronous; a cache hit allocates nothing.
///
/// Locks follow SQLite: `beginRead` takes SHARED (rolling back a hot journal first),
/// `beginWrite` RESERVED, `commit` EXCLUSIVE (via PENDING) while it writes the file.
/// Corresponds to SQLite's `pager.c`.
package final class Pager {
    package let vfs: any VFS
    package let path: String
    /// The options the pager was opened with (the live settings are the properties below).
    package let options: PagerOptions
    let file: any VFSFile
    package let journalPath: String
    package internal(set) var pageSize: Int
    /// Bytes reserved at the end of every page (header offset 20).
    package internal(set) var reservedBytes: Int = 0
    package var usableSize: Int { pageSize - reservedBytes }
    /// Pages in the database as seen by the current transaction.
    package internal(set) var pageCount: UInt32 = 0
    package internal(set) var state: PagerState = .none
    /// Bumped whenever cached pages are invalidated (rollback, another connection's change);
    /// pages from an older generation must not be used.
    package internal(set) var generation: UInt64 = 1
    package internal(set) var journalMode: JournalMode
    package internal(set) var synchronous: SynchronousLevel
    /// The cache bound in pages (soft: held and unspillable pages may exceed it).
    package internal(set) var cacheSizePages: Int
    /// The sticky error: set when a rollback fails; every later call throws it until the
    /// pager is closed and reopened (SQLite's ERROR state).
    package internal(set) var errorState: DatabaseError? {
        didSet { inErrorState = errorState != nil }
    }

    var cache = PageCache()
    /// Cache, I/O, WAL, checkpoint and busy counts (PagerCounters.swift).
    package internal(set) var counters = PagerCounters()
    /// Database header bytes 24..<40 (change counter, page count, freelist) when the cache
    /// was last known to match the file.
    var fileVersion: [UInt8] = []
    /// Header bytes 18/19 (file format read/write version) are 2: the database is in WAL mode.
    var headerSaysWAL = false
    /// `pageCount` when the write transaction began (SQLite's `dbOrigSize`).
    var originalPageCount: UInt32 = 0
    /// Pages whose original content is in the journal (or that need none) this transaction.
    var journaled: Set<UInt32> = []
    var journal: JournalWriter?
    /// True once this transaction wrote to the database file (a spill).
    var databaseModified = false
    /// True once this transaction changed anything (so commit bumps the change counter).
    var hasChanges = false
    /// The write-ahead log while the database is in WAL mode (then `journalMode == .wal`
    /// and the database file stays SHARED-locked until `close`).
    var wal: WAL?
    /// `PRAGMA wal_autocheckpoint`: checkpoint after a commit leaves at least this many
    /// frames in the log (0 or less: never).
    package var walAutocheckpoint = 1000
    /// A commit crossed `walAutocheckpoint`; the checkpoint runs when the read ends.
    var checkpointPending = false
    /// `PRAGMA journal_size_limit` in bytes (-1: no limit).
    package internal(set) var journalSizeLimit: Int64 = -1
    /// Set while leaving WAL mode, so the header (still saying WAL) does not reopen the log.
    var leavingWAL = false
    /// Open savepoints of the write transaction, outermost first (`Pager+Savepoint.swift`).
    var savepoints: [SavepointState] = []
    /// Serial of the innermost open savepoint (0 when none).
    var savepointSerial: UInt64 { savepoints.last?.serial ?? 0 }
    /// Source of savepoint serials (never reused within the pager's life).
    var nextSavepointSerial: UInt64 = 0
    /// Called when a lock is refused (`busy`) with the number of earlier calls for the same
    /// lock; returning true retries (SQLite's busy handler). Set by `setBusyTimeout` or
    /// `setBusyHandler`.
    package private(set) var busyHandler: ((Int) -> Bool)?
    /// `PRAGMA busy_timeout` in milliseconds (0 when no timeout or a custom handler is set).
    package private(set) var busyTimeout = 0
    /// `PRAGMA locking_mode=EXCLUSIVE`: locks, once taken, are kept until the mode is set back
    /// to normal and the next transaction ends (Spec/L1-pager.md "Locking mode").
    package internal(set) var exclusiveLocking = false
    // Stored last, so fields other modules read keep their offsets (stale incremental builds).
    /// Times a read found the database changed by another connection since this one last
    /// read or wrote it (`PRAGMA data_version` is 1 + this).
    package internal(set) var externalChanges = 0
    /// The file lives in memory (MemoryVFS: `:memory:`, temp and attached in-memory
    /// databases), so every page already has a copy there and a miss costs one memcpy.
    let fileIsInMemory: Bool
    /// `errorState != nil`, as a flag the page lookup tests without copying the error.
    private(set) var inErrorState = false
    /// Pages the cache keeps over an in-memory file (at most `cacheSizePages`): a full-size
    /// cache held a second copy of up to 2 MiB of the database (speedtest1 s5 on `:memory:`
    /// peaked at 2.5x sqlite3's memory, which keeps such pages once, in its page cache).
    static let inMemoryFileCacheBound = 128
    /// The bound `makeRoom` enforces (none for a memory-resident database).
    var cacheBound: Int {
        isResident ? Int.max : fileIsInMemory ? min(cacheSizePages, Pager.inMemoryFileCacheBound) : cacheSizePages
    }
    /// The cache is the database (`PagerOptions.memoryResident` on an empty MemoryVFS file):
    /// every page stays cached, nothing is read from or written to the file, locks are not
    /// taken, and whatever the journal mode, original pages go to `memoryJournal` so that a
    /// rollback restores them in the cache.
    package let isResident: Bool
    /// Original page images of the write transaction for journal_mode=MEMORY and for a
    /// memory-resident database (created on first use, reused across transactions).
    var memoryJournal: MemoryJournal?
    /// Whether original pages go to `memoryJournal` rather than a journal file (or nowhere).
    /// (A memory-resident database with journal_mode=OFF keeps no originals at all: as in
    /// SQLite, its ROLLBACK leaves the changes in place.)
    var usesMemoryJournal: Bool { isResident ? journalMode != .off : journalMode == .memory }

    package init(vfs: any VFS, path: String, options: PagerOptions = PagerOptions()) throws {
        self.vfs = vfs
        self.path = path
        self.options = options
        self.journalPath = path + "-journal"
        self.journalMode = options.journalMode == .wal ? .delete : options.journalMode
        self.synchronous = options.synchronous
        self.cacheSizePages = max(1, options.cacheSizePages)
        self.fileIsInMemory = vfs is MemoryVFS
        var flags: OpenFlags = [.mainDatabase]
        flags.insert(options.readOnly ? .readOnly : [.readWrite, .create])
        if options.temporaryFile { flags = [.tempDatabase, .readWrite, .create, .deleteOnClose] }
        let opened = try vfs.open(options.temporaryFile ? nil : path, flags: flags)
        self.file = opened
        self.isResident = options.memoryResident && vfs is MemoryVFS && ((try? opened.size()) ?? 1) == 0
        self.pageSize = options.pageSizeForNewDatabase
        // Learn the geometry under a SHARED lock, so a hot journal is rolled back first; if
        // another connection holds the file exclusively, read the header unlocked instead
        // (its page size and magic never change inside a transaction).
        do {
            do {
                try beginRead()
                endRead()
            } catch let error as DatabaseError where error.code == .busy {
                try readGeometry(fileSize: try file.size())
            }
        } catch {
            try? file.close()
            throw error
        }
    }

    // MARK: Geometry

    /// The 16 bytes every database file starts with.
    static let magic: [UInt8] = Array("SQLite format 3\0".utf8)

    /// The page holding SQLite's PENDING byte; it never stores data.
    package var lockBytePage: PageNumber {
        PageNumber(UInt32(LockBytes.pendingByte / Int64(pageSize)) + 1)
    }

    /// The file change counter (header offset 24) of the database as last read or committed.
    package var changeCounter: UInt32 {
        fileVersion.count >= 4 ? JournalFormat.get32(fileVersion, 0) : 0
    }

    /// Reads the 100-byte header and sets page size, reserved bytes and page count.
    func readGeometry(fileSize: Int64) throws {
        guard fileSize > 0 else {
            pageCount = 0
            fileVersion = []
            headerSaysWAL = false
            return
        }
        var header = [UInt8](repeating: 0, count: 100)
        _ = try header.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        guard header.prefix(16).elementsEqual(Pager.magic) else {
            throw DatabaseError(.notADatabase)
        }
        var ps = Int(header[16]) << 8 | Int(header[17])
        if ps == 1 { ps = 65536 }
        guard ps >= 512, ps <= 65536, ps & (ps - 1) == 0 else { throw DatabaseError(.notADatabase) }
        let reserved = Int(header[20])
        guard ps - reserved >= 480 else { throw DatabaseError(.notADatabase) }
        if ps != pageSize { dropCache() }
        pageSize = ps
        reservedBytes = reserved
        let inHeader = JournalFormat.get32(header, 28)
        let headerValid = inHeader != 0 && header[24..<28] == header[92..<96]
        let fromSize = UInt32(clamping: (fileSize + Int64(pageSize) - 1) / Int64(pageSize))
        pageCount = headerValid ? min(inHeader, fromSize) : fromSize
        fileVersion = Array(header[24..<40])
        headerSaysWAL = header[18] == 2 || header[19] == 2
    }

    // MARK: Errors

    /// Enters the sticky error state: the cache is dropped (it may not match the file) and
    /// every later call throws `error` until the pager is closed and reopened.
    func enterErrorState(_ error: DatabaseError) {
        if errorState == nil { errorState = error }
        dropCache()
    }

    /// Leaves the error state once the failed transaction is over (SQLite's `pager_unlock`
    /// in the ERROR state): the journal handle closes (the journal stays hot on disk), WAL
    /// locks and file locks are released, the cache is gone and the error forgotten. The next
    /// read transaction rolls the hot journal back; in WAL mode frames never published in the
    /// index are ignored. Found by the simulation (Spec/testing.md, "Simulation").
    func leaveErrorState() {
        if let journal { try? journal.file.close(); self.journal = nil }
        if let wal { wal.endWrite(); wal.endRead() }
        try? file.unlock(to: .none)
        dropCache()
        fileVersion = []
        journaled.removeAll(keepingCapacity: true)
        databaseModified = false
        hasChanges = false
        state = .none
        errorState = nil
    }

    @inline(__always)
    func checkUsable() throws {
        if inErrorState, let errorState { throw errorState }
    }

    // MARK: Read transactions

    /// Takes SHARED, rolls back a hot journal, and drops the cache when another connection
    /// changed the file. Transition none → read. Throws `busy`.
    package func beginRead() throws {
        try checkUsable()
        guard state == .none else { return }
        try retryingBusy { try beginReadOnce() }
    }

    /// One attempt of `beginRead` (state is none); on failure no lock is left.
    private func beginReadOnce() throws {
        if let wal { return try beginReadWAL(wal) }
        // Nobody else can see a memory-resident database: no lock, nothing to check.
        if isResident { state = .read; return }
        try file.lock(.shared)
        do {
            if try hasHotJournal() { try recoverHotJournal() }
            let size = try file.size()
            // A log beside a non-empty database means WAL mode, whatever page 1 in the file
            // says (a checkpoint may have been cut short while writing it): open the log first.
            if size > 0 && !leavingWAL, let walPageSize = try existingWALPageSize() {
                if walPageSize != pageSize { dropCache() }
                pageSize = walPageSize
                let opened = try openWAL()
                return try beginReadWAL(opened)
            }
            let before = fileVersion
            let oldSize = pageCount
            if size == 0 {
                if !cache.pages.isEmpty || !before.isEmpty { dropCache() }
                try readGeometry(fileSize: 0)
            } else {
                var version = [UInt8](repeating: 0, count: 16)
                _ = try version.withUnsafeMutableBytes { try file.read(into: $0, at: 24) }
                if version != before {
                    dropCache()
                    if !before.isEmpty { externalChanges &+= 1 }
                }
                try readGeometry(fileSize: size)
                if pageCount != oldSize && !cache.pages.isEmpty { dropCache() }
            }
            if headerSaysWAL && !leavingWAL {
                let opened = try openWAL()
                return try beginReadWAL(opened)
            }
        } catch {
            if let wal { wal.close(delete: false); self.wal = nil; journalMode = .delete }
            if !exclusiveLocking || file.lockLevel <= .shared { try? file.unlock(to: .none) }
            throw error
        }
        state = .read
    }

    /// Ends a read transaction and releases the lock (read → none). A write transaction is
    /// left alone: it ends with `commit` or `rollback`.
    package func endRead() {
        if errorState != nil && state != .none { leaveErrorState(); return }
        guard state == .read else { return }
        if let wal {
            wal.endRead()
            state = .none
            if checkpointPending {
                checkpointPending = false
                _ = try? countingCheckpoint { try wal.checkpoint(.passive, sync: synchronous != .off) }
            }
            return
        }
        // Exclusive locking mode keeps the lock (SHARED, or EXCLUSIVE once written).
        if !exclusiveLocking { try? file.unlock(to: .none) }
        state = .none
    }

    // MARK: Write transactions

    /// Takes RESERVED (starting a read first if needed). Transition read → write. Throws
    /// `busy` when another connection holds RESERVED or more, `readonly` on a read-only pager.
    package func beginWrite() throws {
        try checkUsable()
        guard !options.readOnly else { throw DatabaseError(.readonly) }
        if state == .write { return }
        // Only a connection without a transaction waits (as SQLite): one holding a read
        // transaction may be what the writer it waits for waits for, so it fails at once.
        if state == .none {
            try retryingBusy { try beginWriteOnce(exclusive: false) }
        } else {
            try beginWriteOnce(exclusive: false)
        }
    }

    /// `BEGIN EXCLUSIVE`: a write transaction that also takes EXCLUSIVE on the database file
    /// now (rollback-journal modes; in WAL mode the same as `beginWrite`). Waits through the
    /// busy handler when no transaction was open.
    package func beginExclusiveWrite() throws {
        try checkUsable()
        guard !options.readOnly else { throw DatabaseError(.readonly) }
        if state == .none {
            try retryingBusy { try beginWriteOnce(exclusive: true) }
        } else {
            try beginWriteOnce(exclusive: true)
        }
    }

    private func beginWriteOnce(exclusive: Bool) throws {
        if state == .write {
            if exclusive && wal == nil { try file.lock(.exclusive) }
            return
        }
        let startedRead = state == .none
        // One attempt: the caller's retry loop waits for both locks together.
        if startedRead { try checkUsable(); try beginReadOnce() }
        do {
            if isResident {
            } else if let wal {
                try wal.beginWrite()
            } else {
                try file.lock(.reserved)
                if exclusive {
                    do { try file.lock(.exclusive) } catch {
                        // Back to SHARED: a refused EXCLUSIVE must not leave PENDING behind.
                        try? file.unlock(to: .shared)
                        throw error
                    }
                }
            }
        } catch {
            if startedRead { endRead() }
            throw error
        }
        originalPageCount = pageCount
        journaled.removeAll(keepingCapacity: true)
        databaseModified = false
        hasChanges = false
        state = .write
    }

    // MARK: Pages

    /// The page `number` (1 ... pageCount), from the cache or the file. Starts a read
    /// transaction when none is active (it lasts until `endRead`).
    package func page(_ number: PageNumber) throws -> Page {
        if state != .none, !inErrorState, let p = cache.lookup(number) { counters.cacheHits &+= 1; return p }
        try checkUsable()
        if state == .none { try beginRead() }
        guard number.rawValue >= 1, number.rawValue <= pageCount else {
            throw DatabaseError.corrupt(page: number.rawValue, "page out of range")
        }
        if let p = cache.lookup(number) { counters.cacheHits &+= 1; return p }
        try makeRoom()
        counters.cacheMisses &+= 1
        counters.pagesRead &+= 1
        // Not zeroed first: the read fills every byte (a short read is zero-filled here), and
        // a failed read discards the page.
        let p = Page(number: number, size: pageSize, generation: generation, zeroed: false)
        if let wal, let frame = try wal.frame(for: number.rawValue) {
            try p.withStorageForPager { try wal.readFrame(frame, into: $0) }
        } else {
            try p.withStorageForPager { buffer in
                let n = try file.read(into: buffer, at: offset(of: number))
                if n >= 0 && n < buffer.count, let base = buffer.baseAddress {
                    (base + n).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - n)
                }
            }
        }
        cache.insert(p)
        return p
    }

    func offset(of number: PageNumber) -> Int64 {
        Int64(number.rawValue - 1) * Int64(pageSize)
    }

    /// Journals the page (first time in this transaction) and lets it be modified.
    package func makeWritable(_ page: Page) throws {
        precondition(state == .write, "makeWritable outside a write transaction")
        try checkUsable()
        if page.isWritable {
            if !savepoints.isEmpty && page.savepointSerial != savepointSerial { saveForSavepoint(page) }
            return
        }
        precondition(cache.pages[page.number] === page, "page \(page.number) is stale (generation \(page.generation))")
        try journalForWrite(page)
        if !savepoints.isEmpty { saveForSavepoint(page) }
    }

    /// Journals the page if needed and marks it writable (no savepoint bookkeeping).
    func journalForWrite(_ page: Page) throws {
        let n = page.number.rawValue
        if n <= originalPageCount && !journaled.contains(n) && wal == nil {
            try page.withBytes { try journalPage(n, $0) }
        }
        journaled.insert(n)
        page.isWritable = true
        hasChanges = true
    }

    /// A new zeroed, writable page at the end of the database.
    package func appendPage() throws -> Page {
        precondition(state == .write, "appendPage outside a write transaction")
        try checkUsable()
        let n = pageCount + 1
        if n <= originalPageCount && !journaled.contains(n) && wal == nil {
            // The page existed when the transaction began and was cut off by setPageCount:
            // its original content must reach the journal before it is reused.
            var original = [UInt8](repeating: 0, count: pageSize)
            _ = try original.withUnsafeMutableBytes { try file.read(into: $0, at: offset(of: PageNumber(n))) }
            try original.withUnsafeBytes { try journalPage(n, $0) }
        }
        journaled.insert(n)
        try makeRoom()
        pageCount = n
        let p = Page(number: PageNumber(n), size: pageSize, generation: generation)
        p.isWritable = true
        p.isDirty = true
        cache.insert(p)
        hasChanges = true
        return p
    }

    /// Sets the number of pages (truncation by the B-tree or vacuum). Cached pages past the
    /// new end are discarded; they must not be used again. Pages the transaction cuts off are
    /// journaled at commit, before the file is truncated.
    package func setPageCount(_ n: UInt32) {
        precondition(state == .write, "setPageCount outside a write transaction")
        if n < pageCount && !savepoints.isEmpty { saveTruncatedPagesForSavepoint(newCount: n) }
        if n < pageCount { removeCachedPages(after: n) }
        if n != pageCount { hasChanges = true }
        pageCount = n
    }

    /// Removes the cached pages past `n`. Zeroing the generation marks a removed page stale
    /// for whoever still holds it (the B-tree keeps node references across statements; see
    /// `Page.generation`). On a memory-resident database the cache is the only copy, so a
    /// page the transaction found in the database goes to the memory journal first (a
    /// rollback brings it back).
    func removeCachedPages(after n: UInt32) {
        if isResident && usesMemoryJournal && n < originalPageCount && state == .write {
            for k in (n + 1)...originalPageCount where !journaled.contains(k) {
                guard let p = cache.pages[PageNumber(k)] else { continue }
                p.withBytes { appendToMemoryJournal(k, $0) }
                journaled.insert(k)
            }
        }
        cache.removeAll { page in
            guard page.number.rawValue > n else { return false }
            page.generation = 0
            return true
        }
    }

    /// Sets the page size of a database that has no pages yet.
    package func setPageSize(_ size: Int) throws {
        guard pageCount == 0, size >= 512, size <= 65536, size & (size - 1) == 0 else { return }
        if size != pageSize { dropCache() }
        pageSize = size
    }

    // MARK: Busy handling

    /// Runs `body` (one attempt to take a lock, leaving none behind when it fails) until it
    /// succeeds, or fails with anything but plain `busy`, or the busy handler gives up.
    /// `busySnapshot` is never retried: waiting cannot make a stale snapshot fresh.
    func retryingBusy<T>(_ body: () throws -> T) throws -> T {
        var count = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.code == .busy {
                guard let busyHandler, busyHandler(count) else { throw error }
                counters.busyWaits &+= 1
                count += 1
            }
        }
    }

    /// Installs `handler` as the busy handler (nil: none); clears `busyTimeout`
    /// (`sqlite3_busy_handler`).
    package func setBusyHandler(_ handler: ((Int) -> Bool)?) {
        busyHandler = handler
        busyTimeout = 0
    }

    /// `PRAGMA busy_timeout` / `sqlite3_busy_timeout`: a handler that sleeps through the VFS
    /// (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms per retry) until `milliseconds`
    /// have been spent in total; 0 or less removes the handler. On SimVFS the sleeps advance
    /// the virtual clock only.
    package func setBusyTimeout(_ milliseconds: Int) {
        guard milliseconds > 0 else {
            setBusyHandler(nil)
            return
        }
        let vfs = self.vfs
        busyHandler = { count in
            let delay = Pager.busyDelay(retry: count, timeout: milliseconds)
            guard delay > 0 else { return false }
            _ = vfs.sleep(microseconds: delay * 1000)
            return true
        }
        busyTimeout = milliseconds
    }

    /// The sleep before retry `count` (0-based) under a busy timeout of `timeout` ms: the
    /// schedule 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, 100, … ms, cut so the total
    /// never passes `timeout`; 0 means give up.
    package static func busyDelay(retry count: Int, timeout: Int) -> Int {
        let schedule = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]
        var spent = 0
        var delay = 0
        if count < schedule.count {
            for d in schedule[0..<count] { spent += d }
            delay = schedule[count]
        } else {
            spent = schedule.reduce(0, +)
            delay = 100
            let extra = (count - schedule.count).multipliedReportingOverflow(by: 100)
            spent = extra.overflow ? Int.max / 2 : spent + extra.partialValue
        }
        if spent >= timeout { return 0 }
        return min(delay, timeout - spent)
    }

    // MARK: Settings

    /// Sets `PRAGMA journal_mode`; returns the mode in effect. Refused (mode unchanged)
    /// inside a write transaction; WAL is not supported yet.
    @discardableResult
    package func setJournalMode(_ mode: JournalMode) -> JournalMode {
        guard state != .write, mode != .wal, wal == nil else { return journalMode }
        journalMode = mode
        return journalMode
    }

    /// Sets `PRAGMA synchronous`.
    package func setSynchronous(_ level: SynchronousLevel) {
        synchronous = level
    }

    /// Sets `PRAGMA cache_size`: positive = pages, negative = KiB (as SQLite).
    package func setCacheSize(_ n: Int) {
        if n >= 0 {
            cacheSizePages = max(1, n)
        } else {
            let kib = n == Int.min ? Int.max : -n
            let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
            cacheSizePages = max(1, overflow ? Int.max / pageSize : bytes / pageSize)
        }
        // A memory-resident database keeps every page whatever the setting (as SQLite's
        // in-memory databases do).
        while cache.count > cacheBound && cache.evictClean() {}
    }

    // MARK: Cache

    /// Frees a cache slot when the cache is full: evict a clean unreferenced page, else
    /// spill dirty pages (write transactions only) and evict one of them.
    func makeRoom() throws {
        guard cache.count >= cacheBound else { return }  // never for a resident database
        if cache.evictClean() { return }
        if state == .write, try spill() { _ = cache.evictClean() }
    }

    /// Writes every unreferenced dirty page to the database file so it can be evicted:
    /// syncs the journal first (SQLite's order) and takes EXCLUSIVE. Returns false when
    /// there is nothing to spill or the lock is refused (the cache then grows).
    func spill() throws -> Bool {
        guard wal == nil else { return false }  // WAL mode: frames are written at commit only
        let victims = cache.dirtyUnreferenced()
        guard !victims.isEmpty else { return false }
        try ensureJournal()
        try syncJournal()
        do {
            try file.lock(.exclusive)
        } catch let error as DatabaseError where error.code == .busy {
            return false
        }
        databaseModified = true
        for n in victims {
            guard let p = cache.pages[n] else { continue }
            counters.pagesWritten &+= 1
            try p.withBytes { try file.write($0, at: offset(of: n)) }
            p.isDirty = false
        }
        return true
    }

    /// Forgets every cached page and bumps the generation; the next WAL read checks the
    /// geometry again.
    func dropCache() {
        cache.removeAll()
        generation &+= 1
        wal?.geometryChecked = false
    }

    // MARK: Commit and rollback

    /// Commits the write transaction (write → read, keeping SHARED): journals pages cut off
    /// by a shrink, updates the header (change counter, page count, version-valid-for,
    /// SQLite version) when anything changed, syncs the journal, takes EXCLUSIVE, writes the
    /// dirty pages, truncates, syncs the file, then finalizes the journal (the commit point)
    /// and drops to SHARED. Throws `busy` (transaction still open) when readers remain.
    package func commit() throws {
        try checkUsable()
        guard state == .write else { return }
        if !hasChanges {
            try finishTransaction()
            return
        }
        if let wal { return try commitWAL(wal) }
        // Memory-resident: the cache is the database, so the commit writes nothing (and, as
        // SQLite's in-memory databases, leaves the header's change counter alone).
        if isResident { return try finishTransaction() }
        if pageCount < originalPageCount && journalMode != .off {
            var original = [UInt8](repeating: 0, count: pageSize)
            for n in (pageCount + 1)...originalPageCount where !journaled.contains(n) {
                _ = try original.withUnsafeMutableBytes { try file.read(into: $0, at: offset(of: PageNumber(n))) }
                try original.withUnsafeBytes { try journalPage(n, $0) }
                journaled.insert(n)
            }
        }
        if pageCount >= 1 {
            let p1 = try page(1)
            try makeWritable(p1)
            // From the counter the transaction started on, so a commit retried after `busy`
            // does not count twice.
            let counter = changeCounter &+ 1
            p1.setU32(24, counter)
            p1.setU32(28, pageCount)
            p1.setU32(92, counter)
            p1.setU32(96, 3_040_001)
        }
        try ensureJournal()
        try syncJournal()
        try retryingBusy { try file.lock(.exclusive) }
        do {
            databaseModified = true
            for p in cache.dirtyPages() where p.number.rawValue <= pageCount {
                counters.pagesWritten &+= 1
                try p.withBytes { try file.write($0, at: offset(of: p.number)) }
                p.isDirty = false
            }
            let wanted = Int64(pageCount) * Int64(pageSize)
            if try file.size() > wanted { try file.truncate(to: wanted) }
            if synchronous != .off { try file.sync(.normal) }
            try finalizeJournal()
        } catch {
            // The file may be half written: put it back from the journal. If even that
            // fails, the pager is unusable until reopened (the journal stays hot on disk).
            do { try rollback() } catch let e as DatabaseError { enterErrorState(e) } catch {}
            throw error
        }
        if let p1 = cache.pages[1] { fileVersion = p1.bytes(at: 24, count: 16) }
        try finishTransaction()
    }

    /// Ends a write transaction whose file and journal are settled: pages lose their
    /// writable mark and the lock drops to SHARED (write → read).
    func finishTransaction() throws {
        if journal != nil { try finalizeJournal() }
        memoryJournal?.reset()
        // Only pages made writable this transaction (`journaled`) carry the mark. On a
        // memory-resident database they are also the only dirty ones, and now clean.
        let clean = isResident
        if journaled.count * 4 > cache.count {
            cache.forEach { $0.isWritable = false; if clean { $0.isDirty = false } }
        } else {
            for n in journaled {
                guard let p = cache.pages[PageNumber(n)] else { continue }
                p.isWritable = false
                if clean { p.isDirty = false }
            }
        }
        journaled.removeAll(keepingCapacity: true)
        savepoints.removeAll()
        databaseModified = false
        hasChanges = false
        state = .read
        wal?.endWrite()
        if !exclusiveLocking { try file.unlock(to: .shared) }
    }

    /// Abandons the write transaction (write → read): when the file was written (a spill),
    /// plays the journal back into it; drops changed pages, restores the page count, bumps
    /// `generation`. A failure here sets the sticky `errorState`.
    package func rollback() throws {
        try checkUsable()
        guard state == .write else { return }
        do {
            if isResident {
                restoreResidentPages()
            } else if databaseModified {
                if let journal {
                    _ = try playBack(journal.file)
                    if synchronous != .off { try file.sync(.normal) }
                } else if usesMemoryJournal {
                    try playBackMemoryJournal()
                    if synchronous != .off { try file.sync(.normal) }
                }
                dropCache()
            } else {
                cache.removeAll { $0.isDirty || $0.isWritable || $0.number.rawValue > originalPageCount }
                generation &+= 1
                cache.forEach { $0.generation = generation }
            }
            if journal != nil { try finalizeJournal() }
        } catch let error as DatabaseError {
            enterErrorState(error)
            throw error
        }
        // A memory-resident database without a journal keeps what the transaction did.
        if !isResident || usesMemoryJournal { pageCount = originalPageCount }
        if wal == nil && !isResident { try readGeometryAfterRollback() }
        try finishTransaction()
    }

    /// Rollback of a memory-resident database: every journaled page gets its original bytes
    /// back in the cache, pages appended by the transaction leave, all pages get a new
    /// generation. With journal_mode=OFF nothing was journaled and nothing is undone (what
    /// SQLite does for an in-memory database); the pages only get the new generation.
    private func restoreResidentPages() {
        guard usesMemoryJournal else {
            generation &+= 1
            cache.forEach { $0.generation = generation }
            return
        }
        memoryJournal?.forEach { n, original in
            guard n <= originalPageCount, original.count == pageSize else { return }
            let p: Page
            if let cached = cache.pages[PageNumber(n)] {
                p = cached
            } else {
                p = Page(number: PageNumber(n), size: pageSize, generation: generation, zeroed: false)
                cache.insert(p)
            }
            p.withStorageForPager { $0.copyMemory(from: original) }
            p.isDirty = false
        }
        removeCachedPages(after: originalPageCount)
        generation &+= 1
        cache.forEach { $0.generation = generation }
    }

    private func readGeometryAfterRollback() throws {
        let size = try file.size()
        if size == 0 {
            pageCount = 0
            fileVersion = []
        } else {
            try readGeometry(fileSize: size)
        }
    }

    /// Rolls back an open write transaction, releases locks and closes the files.
    package func close() throws {
        if state == .write && errorState == nil { try? rollback() }
        if let journal { try? journal.file.close(); self.journal = nil }
        if wal != nil { closeWAL() }
        state = .none
        try file.close()
    }
}
