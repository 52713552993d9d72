// This file implements the online backup: a page-by-page copy of one connection's database
// into another's, in one write transaction on the destination (sqlite3_backup_step(-1)).
// Layer: L6. Spec: Spec/L6-session.md (§Backup).
import LoomBase
import LoomPager
import LoomBTree

extension Connection {
    /// Replaces the content of `destination` with a copy of every page of this database.
    ///
    /// The source is read in one read transaction (or the open one); the destination is
    /// written in one journaled write transaction, so a failure leaves it unchanged. An
    /// empty destination takes the source's page size; a non-empty one with another page
    /// size is refused (SQLITE_READONLY, as SQLite refuses in-memory destinations).
    /// `progress(copied, total)` is called after every `pagesPerStep` pages and at the end;
    /// an error it throws aborts the backup (the destination is rolled back).
    package func backup(to destination: Connection, pagesPerStep: Int = .max,
                        progress: ((_ copied: Int, _ total: Int) throws -> Void)? = nil) throws {
        guard destination !== self else { throw DatabaseError(.error, "source and destination must be distinct") }
        guard destination.context.transactionState == .none else {
            throw DatabaseError(.busy, "destination database is in use")
        }
        try withReadTransaction {
            _ = try btree.getMeta(.schemaCookie)  // starts the read so the page count is current
            let count = pager.pageCount
            let size = pager.pageSize
            try destination.pager.beginRead()
            let destinationEmpty = destination.pager.pageCount == 0
            // SQLite leaves the destination's schema cookie one past its old value, so its
            // other connections reload their schema.
            let oldCookie = destinationEmpty ? 0 : (try? destination.pager.page(PageNumber(1)).u32(40)) ?? 0
            destination.pager.endRead()
            // An empty source (a file of zero bytes) leaves an empty destination as it is.
            if count == 0 {
                guard destinationEmpty else { throw DatabaseError(.error, "cannot back up an empty database over a non-empty one") }
                return
            }
            if destination.pager.pageSize != size {
                guard destinationEmpty else {
                    throw DatabaseError(.readonly, "backup between different page sizes needs an empty destination")
                }
                try destination.pager.setPageSize(size)
            }
            try destination.btree.beginTransaction(write: true)
            do {
                for number in 1...count {
                    let source = try pager.page(PageNumber(number))
                    let target: Page
                    if number <= destination.pager.pageCount {
                        target = try destination.pager.page(PageNumber(number))
                        try destination.pager.makeWritable(target)
                    } else {
                        target = try destination.pager.appendPage()
                    }
                    target.setBytes(source.bytes(at: 0, count: size), at: 0)
                    if number == 1 { target.setU32(40, oldCookie &+ 1) }
                    if let progress, Int(number) % max(1, pagesPerStep) == 0 || number == count {
                        try progress(Int(number), Int(count))
                    }
                }
                if destination.pager.pageCount > count { destination.pager.setPageCount(count) }
                try destination.pager.commit()
            } catch {
                try? destination.btree.rollback()
                destination.btree.endTransaction()
                throw error
            }
            destination.btree.endTransaction()
            destination.context.schemaChanged = true
        }
    }
}
