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
    /// The pager's WAL snapshot id (`Pager.unchangedSnapshotID`) at which the cached
    /// schema's cookie was last found current; nil when unknown.
    private var schemaCheckedSnapshot: UInt64?
    private var isClosed = false
    /// True for `:memory:` databases (journal_mode is MEMORY or OFF only).
    package let isInMemory: Bool
    /// User-defined functions (L7 `Database.add(function:)`) by lower-case name, seen by
    /// every statement compiled on this connection.
    package var userFunctions: [String: [FunctionDefinition]] = [:] {
        didSet { statementCache.clear() }
    }
    /// Programs compiled from statement shapes (Connection+StatementCache.swift, SC1–SC10).
    package let statementCache = StatementCache()
    /// User collations (L7 `Database.add(collation:)`) by upper-case name, seen while
    /// compiling and while loading the schema. Change them through `setUserCollation`.
    package private(set) var userCollations: [String: CustomCollation] = [:]

    package init(vfs: any VFS, path: String, options: PagerOptions, isInMemory: Bool = false) throws {
        self.isInMemory = isInMemory
        pager = try Pager(vfs: vfs, path: path, options: options)
        btree = BTree(pager: pager)
        context = ExecutionContext(btree: btree)
        self.vfs = vfs
        self.pagerOptions = options
        installVirtualTables()
        context.attachHandler = { [weak self] file, name in try self?.attach(file: file, as: name) }
        context.detachHandler = { [weak self] name in try self?.detach(name) }
        context.openTempDatabase = { [vfs, weak context] in
            // temp_store: 2 (MEMORY) keeps the temp database in memory; 0 (DEFAULT, the oracle
            // build's SQLITE_TEMP_STORE=1) and 1 (FILE) use an anonymous file of the VFS.
            var options = PagerOptions()
            options.journalMode = .memory
            options.synchronous = .off
            if context?.pragmaSettings["temp_store", default: 0] == 2 {
                options.memoryResident = true
                return BTree(pager: try Pager(vfs: MemoryVFS(), path: "temp.db", options: options))
            }
            options.temporaryFile = true
            return BTree(pager: try Pager(vfs: vfs, path: "temp.db", options: options))
        }
    }

    let vfs: any VFS
    let pagerOptions: PagerOptions

    /// The schema, reloaded from `sqlite_schema` when a statement changed it or another
    /// connection bumped the schema cookie (invariant 1 of Spec/L6-session.md). The main
    /// schema links the temp and attached databases' schemas (`Schema.linked`).
    package func currentSchema() throws -> Schema {
        try checkOpen()
        if let cached = schema, !context.schemaChanged {
            // WAL: nothing was committed since the cookie was last checked (the wal-index
            // header is unchanged), so the cookie cannot differ: no read transaction needed.
            if let checked = schemaCheckedSnapshot, checked == pager.unchangedSnapshotID(),
               cached.linked.isEmpty, context.databases.dropFirst().allSatisfy({ $0 == nil }) {
                return cached
            }
            schemaCheckedSnapshot = nil
            do {
                if try cookiesUnchanged(cached) {
                    schemaCheckedSnapshot = pager.unchangedSnapshotID()
                    return cached
                }
            } catch let e as DatabaseError where e.code.primary == .busy {
                // Locked out (a writer is committing): compile against the cached schema;
                // the program's Transaction instruction checks the cookie when it runs.
                return cached
            }
        }
        let loaded = try withUserCollations { try Schema.loadAll(context) }
        attachVirtualTables(to: loaded)
        schema = loaded
        context.schemaChanged = false
        schemaCheckedSnapshot = pager.unchangedSnapshotID()
        return loaded
    }

    /// True when every loaded database's schema cookie still matches the file's.
    private func cookiesUnchanged(_ cached: Schema) throws -> Bool {
        let cookie = try withReadTransaction { try btree.getMeta(.schemaCookie) }
        guard cookie == cached.cookie else { return false }
        for other in cached.linked {
            guard other.database < context.databases.count, let handle = context.databases[other.database] else { return false }
            let c = try withReadTransaction(on: handle) { try handle.btree.getMeta(.schemaCookie) }
            if c != other.cookie { return false }
        }
        let open = context.databases.dropFirst().compactMap { $0 }.count
        return open == cached.linked.count
    }

    /// Runs `body` inside a read transaction on `handle`'s database.
    func withReadTransaction<R>(on handle: DatabaseHandle, _ body: () throws -> R) throws -> R {
        if handle.transactionState != .none { return try body() }
        try handle.btree.beginTransaction(write: false)
        defer { handle.btree.endTransaction() }
        return try body()
    }

    // MARK: ATTACH / DETACH

    /// ATTACH `file` AS `name` (lang_attach.html): at most 10 attached databases; the file
    /// must be a database (or empty / new); ":memory:" and "" open a private in-memory one.
    func attach(file: String, as name: String) throws {
        if context.databaseIndex(named: name) != nil {
            throw DatabaseError(.error, "database \(name) is already in use")
        }
        let attachedCount = context.databases.dropFirst(2).compactMap { $0 }.count
        guard attachedCount < 10 else { throw DatabaseError(.error, "too many attached databases - max 10") }
        var options = PagerOptions()
        options.readOnly = pagerOptions.readOnly
        options.synchronous = pagerOptions.synchronous
        let inMemory = file.isEmpty || file == ":memory:"
        let pager: Pager
        if inMemory {
            options.journalMode = .memory
            options.memoryResident = true
            pager = try Pager(vfs: MemoryVFS(), path: "attached.db", options: options)
        } else {
            pager = try Pager(vfs: vfs, path: file, options: options)
        }
        let tree = BTree(pager: pager)
        // Every database of a connection has the main database's text encoding: an empty
        // file gets it, a file with another one is refused (as SQLite).
        let mainEncoding = context.databases.first.flatMap { $0?.btree.textEncoding } ?? .utf8
        tree.textEncodingForNewDatabase = mainEncoding
        do {
            try tree.beginTransaction(write: false)
            defer { tree.endTransaction() }
            if tree.textEncoding != mainEncoding {
                throw DatabaseError(.error, "attached databases must use the same text encoding as main database")
            }
            _ = try Schema.load(from: tree)
        } catch {
            try? pager.close()
            throw error
        }
        let handle = DatabaseHandle(name: name, btree: tree, path: inMemory ? "" : Connection.fullPath(file))
        if let free = context.databases.indices.dropFirst(2).first(where: { context.databases[$0] == nil }) {
            context.databases[free] = handle
        } else {
            context.databases.append(handle)
        }
        context.schemaChanged = true
    }

    /// DETACH `name`: refused for main and temp, and while the database has a transaction.
    func detach(_ name: String) throws {
        guard let i = context.databaseIndex(named: name), let handle = context.databases[i] else {
            throw DatabaseError(.error, "no such database: \(name)")
        }
        guard i >= 2 else { throw DatabaseError(.error, "cannot detach database \(name)") }
        guard handle.transactionState == .none else {
            throw DatabaseError(.error, "database \(name) is locked")
        }
        try? handle.btree.pager.close()
        context.databases[i] = nil
        while context.databases.count > 2, context.databases.last.map({ $0 == nil }) == true {
            context.databases.removeLast()
        }
        context.schemaChanged = true
    }

    /// Compiles the next statement at UTF-8 `offset` of `sql` (nil when only whitespace and
    /// comments remain).
    package func prepare(_ sql: String, from offset: Int) throws -> PreparedStatement? {
        // Nothing but spaces, semicolons and comments left: no statement, and no lock taken
        // for the schema check (the tail of a script must not wait for other connections).
        if Connection.onlyTrivia(sql, from: offset) { return nil }
        try checkOpen()
        var compiled: PreparedStatement?
        if let cached = schema, !context.schemaChanged {
            // The cookie check is lazy, as SQLite's (invariant 1a of Spec/L6-session.md):
            // compile against the cached schema; a SELECT/INSERT/UPDATE/DELETE whose program
            // verifies the schema cookie when it starts needs no read transaction now (a
            // stale schema fails with SQLITE_SCHEMA at run time and is compiled again).
            // Anything else, or a compile error, checks the cookie first and compiles again
            // only when the schema changed.
            applySettings(to: cached)
            var lazyError: Error? = nil
            do { compiled = try compile(sql, from: offset, schema: cached) } catch { lazyError = error }
            if lazyError == nil, let p = compiled, Connection.verifiesSchema(p) {
                return try finishPrepare(p, sql: sql, from: offset)
            }
            let current = try checkedSchema(sql, from: offset)
            if current === cached {
                if let lazyError { throw lazyError }
            } else {
                applySettings(to: current)
                compiled = try compile(sql, from: offset, schema: current)
            }
        } else {
            let current = try checkedSchema(sql, from: offset)
            applySettings(to: current)
            compiled = try compile(sql, from: offset, schema: current)
        }
        guard let prepared = compiled else { return nil }
        return try finishPrepare(prepared, sql: sql, from: offset)
    }

    /// The schema after the cookie check of invariant 1; an empty one for a flag PRAGMA on a
    /// database whose schema does not parse.
    private func checkedSchema(_ sql: String, from offset: Int) throws -> Schema {
        do {
            return try currentSchema()
        } catch let e as DatabaseError where e.code.primary == .corrupt {
            // A flag PRAGMA needs no schema (so writable_schema=ON can still be set on a
            // database whose schema does not parse, as in SQLite).
            guard Connection.isFlagPragma(sql, from: offset) else { throw e }
            return Schema()
        }
    }

    /// The schema and flag generation `applySettings` last copied the flags into.
    private var settingsApplied: (schema: Schema, generation: UInt64)?

    /// The connection's pragma settings that compilation reads through the schema.
    private func applySettings(to schema: Schema) {
        // Flag pragmas bump `flagsGeneration`: unchanged schema and flags need no lookups.
        if settingsApplied?.schema === schema && settingsApplied?.generation == context.flagsGeneration { return }
        settingsApplied = (schema, context.flagsGeneration)
        let settings = context.pragmaSettings
        schema.foreignKeysEnabled = settings["foreign_keys", default: 0] != 0
        schema.legacyAlterTable = settings["legacy_alter_table", default: 0] != 0
        schema.reverseUnorderedSelects = settings["reverse_unordered_selects", default: 0] != 0
        schema.writableSchema = settings["writable_schema", default: 0] != 0
        schema.ignoreCheckConstraints = settings["ignore_check_constraints", default: 0] != 0
        schema.countChanges = settings["count_changes", default: 0] != 0
        schema.automaticIndex = settings["automatic_index", default: 1] != 0
        schema.trustedSchema = settings["trusted_schema", default: 1] != 0
        schema.fullColumnNames = settings["full_column_names", default: 0] != 0
        schema.shortColumnNames = settings["short_column_names", default: 1] != 0
    }

    /// True when `prepared` is a query or data change whose program checks every schema
    /// cookie it relies on (a Transaction with a cookie for each database it opens) before
    /// it reads anything, so it may have been compiled against an unchecked schema.
    static func verifiesSchema(_ prepared: PreparedStatement) -> Bool {
        switch prepared.kind {
        case .select, .insert, .update, .delete: break
        default: return false
        }
        return prepared.program.instructions.withUnsafeBufferPointer { instructions in
            // The prologue (at the end) holds the Transactions (Spec/L5-sql.md C1).
            for i in instructions.indices.reversed() {
                if case .transaction(_, .some, _) = instructions[i] { return true }
            }
            return false
        }
    }

    /// Compiles the statement at `offset` against `schema` with this connection's user
    /// functions and collations.
    private func compile(_ sql: String, from offset: Int, schema: Schema) throws -> PreparedStatement? {
        try compileCached(sql, from: offset, schema: schema)
    }

    /// The session's part of preparing: UTF-16 adaptation, connection pragmas, VACUUM.
    private func finishPrepare(_ compiled: PreparedStatement, sql: String, from offset: Int) throws -> PreparedStatement? {
        var prepared = compiled
        // A UTF-16 database orders text by its UTF-16 bytes (BINARY): adapt the comparisons.
        if let encoding = context.databases.first??.btree.textEncoding, encoding != .utf8 {
            prepared.program = prepared.program.adapted(to: encoding)
        }
        if prepared.kind == .pragma, let handled = try connectionPragma(sql, from: offset, prepared: prepared) {
            return handled
        }
        if prepared.kind == .other, prepared.program.instructions.count <= 3 {
            var parser = Parser(sql: sql)
            if let (statement, _) = try parser.parseNext(from: offset),
               let handled = try vacuumStatement(statement, prepared: prepared) {
                return handled
            }
        }
        return prepared
    }

    /// True when the statement at `offset` is `PRAGMA [schema.]flag[=value]` for one of the
    /// boolean flags (Connection.flagPragmas).
    static func isFlagPragma(_ sql: String, from offset: Int) -> Bool {
        var parser = Parser(sql: sql)
        guard let parsed = try? parser.parseNext(from: offset), case .pragma(let pragma) = parsed.0.kind else {
            return false
        }
        return flagPragmas[pragma.name.lowercasedASCII] != nil
    }

    /// True when `sql` from UTF-8 `offset` holds only whitespace, semicolons and comments.
    static func onlyTrivia(_ sql: String, from offset: Int) -> Bool {
        var utf8 = sql.utf8.dropFirst(max(0, offset))[...]
        while let c = utf8.first {
            switch c {
            case 0x20, 0x09, 0x0A, 0x0C, 0x0D, 0x3B:
                utf8 = utf8.dropFirst()
            case 0x2D where utf8.dropFirst().first == 0x2D:
                utf8 = utf8.drop { $0 != 0x0A }
            case 0x2F where utf8.dropFirst().first == 0x2A:
                var rest = utf8.dropFirst(2)
                while let d = rest.first, !(d == 0x2A && rest.dropFirst().first == 0x2F) { rest = rest.dropFirst() }
                utf8 = rest.dropFirst(2)
            default:
                return false
            }
        }
        return true
    }

    /// Registers (or with nil removes) the user collation `name` (any case); the schema is
    /// reloaded at the next statement so its columns and indexes see the change.
    package func setUserCollation(_ name: String, _ collation: CustomCollation?) {
        userCollations[name.uppercasedASCII] = collation
        schema = nil
        statementCache.clear()
    }

    /// Runs `body` with this connection's user collations visible to `Collation(name:)`.
    func withUserCollations<R>(_ body: () throws -> R) throws -> R {
        if userCollations.isEmpty { return try body() }
        return try Collation.$connectionCollations.withValue(userCollations) { try body() }
    }

    /// A VM ready to run `statement` on this connection.
    package func makeVM(_ statement: PreparedStatement) -> VM {
        let vm = VM(program: statement.program, context: context)
        let hidden = statement.hiddenBindings
        if !hidden.isEmpty { vm.hiddenBindings = hidden }
        return vm
    }

    /// The main database's own transaction (others may have one while main has none).
    var mainTransactionState: ExecutionContext.TransactionState {
        context.databases.first.flatMap { $0?.transactionState } ?? ExecutionContext.TransactionState.none
    }

    /// Runs `body` inside a read transaction, opening (and closing) one when none is open.
    func withReadTransaction<R>(_ body: () throws -> R) throws -> R {
        if mainTransactionState != .none { return try body() }
        try btree.beginTransaction(write: false)
        defer { btree.endTransaction() }
        return try body()
    }

    func checkOpen() throws {
        if isClosed { throw DatabaseError(.misuse, "bad parameter or other API misuse") }
    }

    /// Rolls back any open transaction and closes the file.
    package func close() throws {
        guard !isClosed else { return }
        isClosed = true
        context.rollbackAll()
        context.virtualTables.disconnectAll()
        for handle in context.databases.dropFirst().compactMap({ $0 }) { try? handle.btree.pager.close() }
        context.databases.removeSubrange(1...)
        try pager.close()
    }
}
