// This file implements ExecutionContext: the connection state the VM reads and writes.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Transactions and statement end).
import LoomBase
import Synchronization
import LoomBTree
import LoomPager
import LoomRecord
import LoomVFS

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
    /// Connection settings set by PRAGMAs (foreign_keys, temp_store, …), by lower-case
    /// pragma name; absent means the default. L4 reads two of them: `case_sensitive_like`
    /// (LIKE) and `query_only` (write transactions fail with SQLITE_READONLY).
    package var pragmaSettings: [String: Int64] = [:]
    /// Bumped each time a flag PRAGMA is set: programs compiled before it are stale (the
    /// flags change code generation; SQLite expires every statement then). The L7 API
    /// recompiles a statement compiled at another value before its next run.
    package var flagsGeneration: UInt64 = 0
    /// Registered virtual-table modules, connected virtual tables and their transaction
    /// state (VirtualTable/VirtualTableRegistry.swift).
    package let virtualTables = VirtualTableRegistry()

    /// Deferred foreign-key violations of the open transaction (COMMIT fails while > 0).
    package var deferredForeignKeyViolations = 0

    /// At the end of a transaction: no deferred violations remain, and PRAGMA
    /// defer_foreign_keys goes back off (foreignkeys.html §4.2).
    package func endForeignKeyTransaction() {
        deferredForeignKeyViolations = 0
        pragmaSettings["defer_foreign_keys"] = nil
    }

    package enum TransactionState: Sendable, Equatable { case none, read, write }
    /// The btree transaction currently open.
    package internal(set) var transactionState: TransactionState = .none
    /// VMs that have started (stepped) and not yet halted or been reset.
    package internal(set) var activeStatementCount = 0
    /// Set while the transaction of an autocommit statement that just ended commits: what
    /// modules write then (FTS5 at xSync) leaves that statement's `changes()` as it was.
    package internal(set) var committingEndedStatement = false
    /// Active VMs that write; COMMIT fails while another one runs.
    package internal(set) var activeWriterCount = 0

    /// The connection's databases by schema number: 0 `main` (always), 1 `temp` (nil until
    /// the first TEMP object or temp.* access opens it), 2… attached databases (nil slots are
    /// detached). Spec/L4-vdbe.md §Databases.
    package var databases: [DatabaseHandle?]
    /// Open savepoints, outermost first (names as written).
    package var savepoints: [String] = []
    /// True when the outermost savepoint started the transaction (its RELEASE commits).
    package var savepointStartedTransaction = false
    /// `PRAGMA temp_store` decides where the temp database lives when it is opened: the
    /// session sets this to open a file through its VFS; nil (or memory) uses a MemoryVFS.
    package var openTempDatabase: (() throws -> BTree)? = nil
    /// ATTACH (file, schema name) and DETACH (schema name), installed by the session; the
    /// `sqlite_attach` / `sqlite_detach` functions call them when stepped.
    package var attachHandler: ((String, String) throws -> Void)? = nil
    package var detachHandler: ((String) throws -> Void)? = nil
    /// `sqlite3_interrupt`'s flag: set from any thread, seen by running statements at their
    /// loop jumps; cleared when a statement starts while none is running.
    package let interruption = InterruptFlag()
    /// The update hook: told of each row an Insert/Delete with a table name writes (VM+RowChange.swift).
    package var rowChangeObserver: ((RowChange) -> Void)? = nil
    /// Ends an autocommit read transaction that statements run from inside another
    /// statement left open (VACUUM reads the database through nested statements).
    package func endAutocommitRead() {
        guard isAutocommit, transactionState == .read else { return }
        for case let handle? in databases where handle.transactionState == .read {
            handle.btree.endTransaction()
            handle.transactionState = .none
        }
        refreshTransactionState()
    }

    /// Parts of released VMs kept for the next one (VM.swift, "Recycling"): a statement
    /// otherwise allocated and freed each of them (~400 instructions per object).
    var spareRegisters: RegisterFile?
    var spareCursorTable: CursorTable?
    var spareAggregates: AggregateSlots?
    var spareScratch: FunctionScratch?
    var spareCursors: [VMCursor] = []
    var spareUndoLog: [UndoEntry] = []

    package init(btree: BTree) {
        self.btree = btree
        self.databases = [DatabaseHandle(name: "main", btree: btree, path: btree.pager.path), nil]
    }

    /// The database `index`, opening `temp` on first use; nil for a detached/unknown slot.
    package func database(_ index: Int) throws -> DatabaseHandle? {
        guard index >= 0, index < databases.count else { return nil }
        if let handle = databases[index] { return handle }
        guard index == 1 else { return nil }
        let tree: BTree
        if let openTempDatabase {
            tree = try openTempDatabase()
        } else {
            var options = PagerOptions()
            options.journalMode = .memory
            options.synchronous = .off
            options.memoryResident = true
            tree = BTree(pager: try Pager(vfs: MemoryVFS(), path: "temp.db", options: options))
        }
        // The temp database starts with page 1 so that its schema table can be read at once.
        try tree.beginTransaction(write: true)
        try tree.commit()
        tree.endTransaction()
        let handle = DatabaseHandle(name: "temp", btree: tree, path: "")
        databases[1] = handle
        schemaChanged = true
        return handle
    }

    /// The B-tree of database `index` (opening temp on first use).
    package func tree(_ index: Int) throws -> BTree {
        if index == 0 { return btree }
        guard let handle = try database(index) else {
            throw DatabaseError(.error, "no such database")
        }
        return handle.btree
    }

    /// Schema number of the database called `name` (ASCII case-insensitive), or nil.
    package func databaseIndex(named name: String) -> Int? {
        let key = name.lowercasedASCII
        if key == "main" { return 0 }
        if key == "temp" { return 1 }
        for (i, handle) in databases.enumerated() where i >= 2 {
            if let handle, handle.name.lowercasedASCII == key { return i }
        }
        return nil
    }

    /// Databases with an open transaction, in schema order.
    package var databasesInTransaction: [DatabaseHandle] {
        databases.compactMap { $0 }.filter { $0.transactionState != .none }
    }

    /// Commits every open write transaction (schema order) and ends every transaction.
    /// Several written files are committed one after the other (no super-journal: a crash
    /// between two commits leaves one file committed; COMPAT.md). On a commit error the
    /// remaining transactions are rolled back and the error is thrown.
    /// With `keepOpenOnBusy` (the COMMIT statement), a `busy` refusal from the first database
    /// to commit leaves every transaction open so COMMIT can be retried.
    package func commitAll(keepOpenOnBusy: Bool = false) throws {
        // Virtual tables sync first (SQLite's xSync before the pagers commit). Statements a
        // module runs from xSync (FTS5 flushing its shadow tables) must not commit the
        // transaction themselves: the sync counts as an active statement.
        if virtualTables.hasTransaction {
            activeStatementCount += 1
            defer { activeStatementCount -= 1 }
            do { try virtualTables.syncAll() } catch { rollbackAll(); throw error }
        }
        var failure: (any Error)? = nil
        var committed = false
        for handle in databases {
            guard let handle, handle.transactionState != .none else { continue }
            if handle.transactionState == .write {
                if failure == nil {
                    do {
                        try handle.btree.commit()
                        committed = true
                    } catch let e as DatabaseError where keepOpenOnBusy && !committed && e.code == .busy {
                        throw e
                    } catch {
                        failure = error
                        try? handle.btree.rollback()
                    }
                } else {
                    try? handle.btree.rollback()
                }
            }
            handle.btree.endTransaction()
            handle.transactionState = .none
        }
        transactionState = .none
        if !savepoints.isEmpty || savepointStartedTransaction { clearSavepoints() }
        endForeignKeyTransaction()
        if let failure {
            virtualTables.rollbackAll()
            throw failure
        }
        if virtualTables.hasTransaction { virtualTables.commitAll() }
    }

    /// Rolls back every open transaction.
    package func rollbackAll() {
        for handle in databases {
            guard let handle, handle.transactionState != .none else { continue }
            if handle.transactionState == .write { try? handle.btree.rollback() }
            handle.btree.endTransaction()
            handle.transactionState = .none
        }
        transactionState = .none
        if !savepoints.isEmpty || savepointStartedTransaction { clearSavepoints() }
        virtualTables.rollbackAll()
        endForeignKeyTransaction()
    }

    /// Sets `transactionState` to the strongest transaction any database has open.
    package func refreshTransactionState() {
        var state = TransactionState.none
        for handle in databases {
            guard let handle else { continue }
            if handle.transactionState == .write { state = .write; break }
            if handle.transactionState == .read { state = .read }
        }
        transactionState = state
    }

    /// COMMIT's checks and its change of state (the commit itself follows once no statement
    /// is active): fails with `busy` while statements other than the caller's `ownWriters`
    /// are writing, and with the foreign-key constraint error while deferred violations
    /// remain (the transaction stays open); otherwise back to autocommit, savepoints gone.
    package func leaveTransactionForCommit(ownWriters: Int) throws {
        guard activeWriterCount <= ownWriters else {
            throw DatabaseError(.busy, "cannot commit transaction - SQL statements in progress")
        }
        if deferredForeignKeyViolations > 0 {
            throw DatabaseError(.constraintForeignKey, ConstraintKind.foreignKey.messagePrefix)
        }
        isAutocommit = true
        clearSavepoints()
    }

    /// Forgets the savepoint stack (the transaction ended).
    package func clearSavepoints() {
        savepoints.removeAll()
        savepointStartedTransaction = false
    }

    /// The connection VFS's clock: milliseconds since the Julian epoch (`xCurrentTimeInt64`;
    /// deterministic on SimVFS). Date functions read it once per step for 'now'.
    package func currentTimeMilliseconds() -> Int64 {
        btree.pager.vfs.currentTimeMilliseconds()
    }
}

/// One database of a connection (`main`, `temp` or an attached one).
package final class DatabaseHandle {
    /// The schema name (`main`, `temp`, or the ATTACH alias as written).
    package let name: String
    package let btree: BTree
    /// The file name PRAGMA database_list reports (empty for in-memory and temp databases).
    package let path: String
    /// This database's open transaction.
    package var transactionState: ExecutionContext.TransactionState = .none

    package init(name: String, btree: BTree, path: String) {
        self.name = name
        self.btree = btree
        self.path = path
    }
}


/// A flag another thread may set to stop the statements of one connection
/// (`sqlite3_interrupt`). Relaxed atomics: it only has to be seen eventually.
package final class InterruptFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    package init() {}
    package func set() { flag.store(true, ordering: .relaxed) }
    package func clear() { flag.store(false, ordering: .relaxed) }
    @inline(__always) package var isSet: Bool { flag.load(ordering: .relaxed) }
}
