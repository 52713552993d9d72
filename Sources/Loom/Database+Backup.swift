// This file implements Database.backup(to:): the online backup API (sqlite3_backup of the
// main database, all pages in one step). Layer: L7. Spec: Spec/L6-session.md (§Backup).

extension Database {
    /// Replaces `destination`'s content with a page-by-page copy of this database, in one
    /// write transaction on `destination` (`sqlite3_backup_init` + `step(-1)` + `finish`).
    ///
    /// ```swift
    /// let memory = try Database()
    /// try Database(path: "app.db", capability: .read).backup(to: memory)  // restore
    /// ```
    /// Throws `readonly` when `destination` may not write, `busy` when it has a transaction
    /// open or another process holds its lock.
    public func backup(to destination: Database) throws {
        guard destination.capability >= .write else {
            throw DatabaseError(.readonly, "attempt to write a readonly database")
        }
        try connection.backup(to: destination.connection)
    }
}
