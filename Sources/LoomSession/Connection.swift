// This file implements Connection: one open database with its pager, B-tree, execution
// context and schema cache; it turns SQL text into runnable VMs. Layer: L6.
// Spec: Spec/L6-session.md.
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomBTree
import LoomVDBE
import LoomSQL

/// One open database (the engine's `sqlite3` handle).
///
/// A connection is used from one thread at a time. It owns the pager (through the B-tree)
/// and the schema cache; statements it prepares run on its `ExecutionContext`.
package final class Connection {
    package let pager: Pager
    package let btree: BTree
    package let context: ExecutionContext
    private var schema: Schema?
    private var isClosed = false
    /// True for `:memory:` databases (journal_mode is MEMORY or OFF only).
    package let isInMemory: Bool
    /// User-defined functions (L7 `Database.add(function:)`) by lower-case name, seen by
    /// every statement compiled on this connection.
    package var userFunctions: [String: [FunctionDefinition]] = [:]
    /// User collations (L7 `Database.add(collation:)`) by upper-case name, seen while
    /// compiling and while loading the schema. Change them through `setUserCollation`.
    package private(set) var userCollations: [String: CustomCollation] = [:]

    package init(vfs: any VFS, path: String, options: PagerOptions, isInMemory: Bool = false) throws {
        self.isInMemory = isInMemory
        pager = try Pager(vfs: vfs, path: path, options: options)
        btree = BTree(pager: pager)
        context = ExecutionContext(btree: btree)
        installVirtualTables()
    }

    /// The schema, reloaded from `sqlite_schema` when a statement changed it or another
    /// connection bumped the schema cookie (invariant 1 of Spec/L6-session.md).
    package func currentSchema() throws -> Schema {
        try checkOpen()
        if let cached = schema, !context.schemaChanged {
            let cookie = try withReadTransaction { try btree.getMeta(.schemaCookie) }
            if cookie == cached.cookie { return cached }
        }
        let loaded = try withUserCollations {
            try withReadTransaction { try Schema.load(from: btree, temp: context.tempObjects) }
        }
        attachVirtualTables(to: loaded)
        schema = loaded
        context.schemaChanged = false
        return loaded
    }

    /// Compiles the next statement at UTF-8 `offset` of `sql` (nil when only whitespace and
    /// comments remain).
    package func prepare(_ sql: String, from offset: Int) throws -> PreparedStatement? {
        let schema = try currentSchema()
        let compiled: PreparedStatement? = try withUserCollations {
            if userFunctions.isEmpty {
                return try Compiler.prepare(sql, from: offset, schema: schema)
            }
            return try FunctionRegistry.$connectionFunctions.withValue(userFunctions) {
                try Compiler.prepare(sql, from: offset, schema: schema)
            }
        }
        guard let prepared = compiled else { return nil }
        if prepared.kind == .pragma, let handled = try connectionPragma(sql, from: offset, prepared: prepared) {
            return handled
        }
        return prepared
    }

    /// Registers (or with nil removes) the user collation `name` (any case); the schema is
    /// reloaded at the next statement so its columns and indexes see the change.
    package func setUserCollation(_ name: String, _ collation: CustomCollation?) {
        userCollations[name.uppercasedASCII] = collation
        schema = nil
    }

    /// Runs `body` with this connection's user collations visible to `Collation(name:)`.
    func withUserCollations<R>(_ body: () throws -> R) throws -> R {
        if userCollations.isEmpty { return try body() }
        return try Collation.$connectionCollations.withValue(userCollations) { try body() }
    }

    /// A VM ready to run `statement` on this connection.
    package func makeVM(_ statement: PreparedStatement) -> VM {
        VM(program: statement.program, context: context)
    }

    /// Runs `body` inside a read transaction, opening (and closing) one when none is open.
    func withReadTransaction<R>(_ body: () throws -> R) throws -> R {
        if context.transactionState != .none { return try body() }
        try btree.beginTransaction(write: false)
        defer { btree.endTransaction() }
        return try body()
    }

    private func checkOpen() throws {
        if isClosed { throw DatabaseError(.misuse, "bad parameter or other API misuse") }
    }

    /// Rolls back any open transaction and closes the file.
    package func close() throws {
        guard !isClosed else { return }
        isClosed = true
        if context.transactionState == .write { try? btree.rollback() }
        context.virtualTables.rollbackAll()
        context.virtualTables.disconnectAll()
        try pager.close()
    }
}
