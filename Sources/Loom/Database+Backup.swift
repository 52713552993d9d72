// This file implements Database.backup(to:): the online backup API (sqlite3_backup of the
// main database), with progress reports. Layer: L7. Spec: Spec/L6-session.md (§Backup).

/// How far a backup is, as its progress callback sees it.
///
/// ```swift
/// try source.backup(to: destination, pagesPerStep: 100) { progress in
///     print("\(progress.completedPageCount) / \(progress.totalPageCount)")
/// }
/// ```
/// Corresponds to `sqlite3_backup_remaining` and `sqlite3_backup_pagecount`.
public struct BackupProgress: Sendable, Equatable {
    /// Pages of the source database.
    public let totalPageCount: Int
    /// Pages copied so far.
    public let completedPageCount: Int
    /// Pages still to copy.
    public var remainingPageCount: Int { totalPageCount - completedPageCount }
    /// True at the last report.
    public var isCompleted: Bool { completedPageCount == totalPageCount }
}

extension Database {
    /// Replaces `destination`'s content with a page-by-page copy of this database, in one
    /// write transaction on `destination` (`sqlite3_backup_init` + `step` + `finish`).
    ///
    /// ```swift
    /// let memory = try Database()
    /// try Database(path: "app.db", capability: .read).backup(to: memory)  // restore
    /// ```
    /// `progress`, when given, is called after every `pagesPerStep` pages and once at the
    /// end; throwing from it aborts the backup and leaves the destination unchanged. Unlike
    /// SQLite's incremental `sqlite3_backup_step(N)`, the source stays in one read
    /// transaction and the destination in one write transaction for the whole copy.
    /// Throws `readonly` when `destination` may not write, `busy` when it has a transaction
    /// open or another process holds its lock.
    public func backup(to destination: Database, pagesPerStep: Int = -1,
                       progress: ((BackupProgress) throws -> Void)? = nil) throws {
        guard destination.capability >= .write else {
            throw DatabaseError(.readonly, "attempt to write a readonly database")
        }
        if let progress {
            try connection.backup(to: destination.connection, pagesPerStep: pagesPerStep <= 0 ? .max : pagesPerStep) {
                try progress(BackupProgress(totalPageCount: $1, completedPageCount: $0))
            }
        } else {
            try connection.backup(to: destination.connection)
        }
    }
}
