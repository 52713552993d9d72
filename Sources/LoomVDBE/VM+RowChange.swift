// This file implements the VM's update-hook point: Insert and Delete instructions that carry
// their table's name (SQLite's P4) report each row they write to the connection's observer.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Update hook).
import LoomBase

/// One row written by an INSERT, UPDATE or DELETE, as the update hook sees it
/// (`sqlite3_update_hook`'s operation, database name, table name and rowid).
package struct RowChange: Sendable, Equatable {
    package enum Kind: Sendable, Equatable { case insert, update, delete }
    package var kind: Kind
    /// The schema name of the database (`main`, `temp` or an attached name).
    package var database: String
    package var table: String
    /// The row's rowid (after the change for an UPDATE).
    package var rowid: Int64

    package init(kind: Kind, database: String, table: String, rowid: Int64) {
        self.kind = kind
        self.database = database
        self.table = table
        self.rowid = rowid
    }
}

extension VM {
    /// Reports a row written through `cursor` when an observer is set. Only rowid tables are
    /// reported: a WITHOUT ROWID table's rows live in an index B-tree (SQLite's hook skips
    /// them too). Instructions without a table name (REPLACE's conflict deletes, the old row
    /// of an UPDATE that changes the rowid, sqlite_sequence, the schema table, ephemeral
    /// tables) never reach here.
    func reportRowChange(_ kind: RowChange.Kind, cursor c: CursorID, table: String, rowid: Int64?) throws {
        guard let observer = context.rowChangeObserver else { return }
        let cur = try cursor(c)
        guard case .table = cur.storage else { return }
        let key: Int64
        if let rowid {
            key = rowid
        } else if let deleted = cur.deletedRowid {
            key = deleted
        } else {
            return
        }
        let name = cur.database < context.databases.count ? context.databases[cur.database]?.name ?? "main" : "main"
        observer(RowChange(kind: kind, database: name, table: table, rowid: key))
    }
}
