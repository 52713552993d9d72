// This file implements ExecutionContext: the connection state the VM reads and writes.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Transactions and statement end).
import LoomBase
import LoomBTree
import LoomRecord

/// Connection state shared by every VM of one connection (L6 owns one per connection).
///
/// Transaction contract (Spec/L4-vdbe.md): a VM's `transaction` instruction opens a btree
/// transaction if none is open. When the last running VM halts in autocommit mode, the
/// transaction is committed (success) or rolled back (error). After BEGIN
/// (`isAutocommit == false`) statements leave it open; COMMIT/ROLLBACK end it.
package final class ExecutionContext {
    package let btree: BTree
    /// False between BEGIN and COMMIT/ROLLBACK.
    package var isAutocommit = true
    package var lastInsertRowID: Int64 = 0
    /// Rows changed by the most recent completed INSERT/UPDATE/DELETE (`sqlite3_changes`).
    package var changes: Int = 0
    /// Rows changed since the connection opened (`sqlite3_total_changes`).
    package var totalChanges: Int = 0
    /// Set by ParseSchema and by SetCookie on the schema cookie; the session reloads the
    /// schema and clears it.
    package var schemaChanged = false
    /// The connection's TEMP views and triggers, in creation order. They live in memory
    /// only (SQLite keeps them in the temp database's sqlite_temp_schema); the session
    /// adds them to the schema it loads.
    package var tempObjects: [TempSchemaObject] = []
    /// Connection settings set by PRAGMAs (foreign_keys, temp_store, …), by lower-case
    /// pragma name; absent means the default. L4 reads two of them: `case_sensitive_like`
    /// (LIKE) and `query_only` (write transactions fail with SQLITE_READONLY).
    package var pragmaSettings: [String: Int64] = [:]
    /// Registered virtual-table modules, connected virtual tables and their transaction
    /// state (VirtualTable/VirtualTableRegistry.swift).
    package let virtualTables = VirtualTableRegistry()

    package enum TransactionState: Sendable, Equatable { case none, read, write }
    /// The btree transaction currently open.
    package internal(set) var transactionState: TransactionState = .none
    /// VMs that have started (stepped) and not yet halted or been reset.
    package internal(set) var activeStatementCount = 0
    /// Active VMs that write; COMMIT fails while another one runs.
    package internal(set) var activeWriterCount = 0

    package init(btree: BTree) {
        self.btree = btree
    }

    /// The connection VFS's clock: milliseconds since the Julian epoch (`xCurrentTimeInt64`;
    /// deterministic on SimVFS). Date functions read it once per step for 'now'.
    package func currentTimeMilliseconds() -> Int64 {
        btree.pager.vfs.currentTimeMilliseconds()
    }
}

/// One TEMP schema object: a row of SQLite's `sqlite_temp_schema` without a root page.
package struct TempSchemaObject: Sendable, Equatable {
    package var type: String
    package var name: String
    package var tableName: String
    package var sql: String
    package init(type: String, name: String, tableName: String, sql: String) {
        self.type = type
        self.name = name
        self.tableName = tableName
        self.sql = sql
    }
}

extension String {
    /// ASCII lower case (names compare case-insensitively in ASCII only).
    var lowercasedASCIIForTemp: String {
        String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
