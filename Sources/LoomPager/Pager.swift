// This file implements Pager: the single owner of the page cache, the database file's locks
// and the rollback journal. Layer: L1. Spec: Spec/L1-pager.md (state diagram, invariants).
import LoomBase
import LoomVFS

/// Rollback-journal modes (`PRAGMA journal_mode`), WAL to come.
package enum JournalMode: String, Sendable { case delete, truncate, persist, memory, off, wal }

/// `PRAGMA synchronous` levels.
package enum SynchronousLevel: Int, Sendable { case off = 0, normal = 1, full = 2, extra = 3 }

package struct PagerOptions: Sendable {
    package var readOnly = false
    /// Page size used when the file is new (empty); an existing file's header wins.
    package var pageSizeForNewDatabase = 4096
    package var journalMode: JournalMode = .delete
    package var synchronous: SynchronousLevel = .full
    /// Cache bound in pages (SQLite's default `cache_size` is -2000, i.e. 2000 KiB).
    package var cacheSizePages = 2000
    package init() {}
}

/// The transaction state of a pager.
package enum PagerState: Sendable { case none, read, write }

/// The pager: pages in, pages out, atomically.
///
/// One pager belongs to one connection and is used from one thread at a time (an actor in
/// the design sense: it is the only code that touches the cache, the file locks and the
/// journal). Page access is synchronous.
///
/// SKELETON: this first version has an unbounded cache, no journal and no locking; the
/// storage issue replaces its insides without changing this surface.
package final class Pager {
    package let vfs: any VFS
    package let path: String
    package let options: PagerOptions
    private let file: any VFSFile
    package private(set) var pageSize: Int
    /// Bytes reserved at the end of every page (header offset 20).
    package private(set) var reservedBytes: Int = 0
    package var usableSize: Int { pageSize - reservedBytes }
    /// Pages in the database as seen by the current transaction.
    package private(set) var pageCount: UInt32 = 0
    package private(set) var state: PagerState = .none
    /// Bumped on rollback; pages from an older generation must not be used.
    package private(set) var generation: UInt64 = 1
    private var cache: [PageNumber: Page] = [:]
    private var pageCountAtBegin: UInt32 = 0

    package init(vfs: any VFS, path: String, options: PagerOptions = PagerOptions()) throws {
        self.vfs = vfs
        self.path = path
        self.options = options
        var flags: OpenFlags = [.mainDatabase]
        flags.insert(options.readOnly ? .readOnly : [.readWrite, .create])
        self.file = try vfs.open(path, flags: flags)
        self.pageSize = options.pageSizeForNewDatabase
        try readHeaderGeometry()
    }

    private func readHeaderGeometry() throws {
        let size = try file.size()
        if size == 0 { pageCount = 0; return }
        var header = [UInt8](repeating: 0, count: 100)
        _ = try header.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        let magic = Array("SQLite format 3\0".utf8)
        guard Array(header[0..<16]) == magic else { throw DatabaseError(.notADatabase) }
        var ps = Int(header[16]) << 8 | Int(header[17])
        if ps == 1 { ps = 65536 }
        guard ps >= 512, ps <= 65536, ps & (ps - 1) == 0 else { throw DatabaseError(.notADatabase) }
        pageSize = ps
        reservedBytes = Int(header[20])
        guard pageSize - reservedBytes >= 480 else { throw DatabaseError(.notADatabase) }
        let inHeader = UInt32(header[28]) << 24 | UInt32(header[29]) << 16 | UInt32(header[30]) << 8 | UInt32(header[31])
        let fromSize = UInt32(clamping: (size + Int64(pageSize) - 1) / Int64(pageSize))
        pageCount = inHeader != 0 ? min(inHeader, fromSize) : fromSize
    }

    package func beginRead() throws {
        if state == .none { state = .read }
    }

    package func endRead() {
        if state == .read { state = .none }
    }

    package func beginWrite() throws {
        guard !options.readOnly else { throw DatabaseError(.readonly) }
        if state != .write { state = .write; pageCountAtBegin = pageCount }
    }

    /// The page `number` (1 ... pageCount), from the cache or the file.
    package func page(_ number: PageNumber) throws -> Page {
        guard number.rawValue >= 1, number.rawValue <= pageCount else {
            throw DatabaseError.corrupt(page: number.rawValue, "page out of range")
        }
        if let p = cache[number] { return p }
        let p = Page(number: number, size: pageSize, generation: generation)
        _ = try p.withStorageForPager { try file.read(into: $0, at: Int64(number.rawValue - 1) * Int64(pageSize)) }
        cache[number] = p
        return p
    }

    /// Journals the page (first time in this transaction) and lets it be modified.
    package func makeWritable(_ page: Page) throws {
        precondition(state == .write, "makeWritable outside a write transaction")
        page.isWritable = true
    }

    /// A new zeroed, writable page at the end of the database.
    package func appendPage() throws -> Page {
        precondition(state == .write)
        pageCount += 1
        let p = Page(number: PageNumber(pageCount), size: pageSize, generation: generation)
        p.isWritable = true
        p.isDirty = true
        cache[p.number] = p
        return p
    }

    /// Sets the page size of a database that has no pages yet.
    package func setPageSize(_ size: Int) throws {
        guard pageCount == 0, size >= 512, size <= 65536, size & (size - 1) == 0 else { return }
        pageSize = size
    }

    package func commit() throws {
        guard state == .write else { return }
        if pageCount > 0 {
            let p1 = try page(1)
            p1.isWritable = true
            let counter = p1.u32(24) &+ 1
            p1.setU32(24, counter)
            p1.setU32(28, pageCount)
            p1.setU32(92, counter)
            p1.setU32(96, 3_040_001)
        }
        for (n, p) in cache.sorted(by: { $0.key < $1.key }) where p.isDirty {
            try p.withBytes { try file.write($0, at: Int64(n.rawValue - 1) * Int64(pageSize)) }
            p.isDirty = false
        }
        for p in cache.values { p.isWritable = false }
        try file.sync(.full)
        state = .read
    }

    package func rollback() throws {
        guard state == .write else { return }
        generation += 1
        cache.removeAll()
        pageCount = pageCountAtBegin
        try readHeaderGeometry()
        state = .read
    }

    package func close() throws {
        if state == .write { try rollback() }
        try file.close()
    }
}
