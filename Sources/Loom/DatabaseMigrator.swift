// This file implements DatabaseMigrator: named schema migrations, each applied once in its own
// transaction and recorded in the table `loom_migrations`. Layer: L7.
// Spec: Spec/L7-api.md §Migrations.

/// Applies named migrations in registration order, each at most once.
///
/// ```swift
/// var migrator = DatabaseMigrator()
/// migrator.registerMigration("v1") { db in
///     try db.execute(sql: "CREATE TABLE player(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
/// }
/// migrator.registerMigration("v2") { db in
///     try db.execute(sql: "ALTER TABLE player ADD COLUMN score INT NOT NULL DEFAULT 0")
/// }
/// try migrator.migrate(queue)
/// ```
/// Each migration runs in its own transaction together with the row that records it in
/// `loom_migrations(identifier TEXT PRIMARY KEY)`: a migration that throws leaves neither its
/// changes nor its record, and the migrations after it do not run.
public struct DatabaseMigrator: Sendable {
    /// The table that records applied migrations.
    public static let tableName = "loom_migrations"

    private var migrations: [(identifier: String, migrate: @Sendable (Database) throws -> Void)] = []

    public init() {}

    /// The registered identifiers, in order.
    public var migrationIdentifiers: [String] { migrations.map(\.identifier) }

    /// Registers a migration. Identifiers must be unique (a duplicate is a programming error).
    public mutating func registerMigration(_ identifier: String,
                                           migrate: @escaping @Sendable (Database) throws -> Void) {
        precondition(!migrations.contains { $0.identifier == identifier },
                     "already registered migration: \(identifier)")
        migrations.append((identifier, migrate))
    }

    /// Applies every migration not applied yet.
    public func migrate(_ queue: DatabaseQueue) throws {
        try queue.writeWithoutTransaction { db in try migrate(db) }
    }

    /// Applies the migrations up to and including `target` that are not applied yet.
    public func migrate(_ queue: DatabaseQueue, upTo target: String) throws {
        try queue.writeWithoutTransaction { db in try migrate(db, upTo: target) }
    }

    /// Applies every pending migration on a connection outside any transaction.
    public func migrate(_ db: Database) throws {
        try migrate(db, upTo: migrations.last?.identifier)
    }

    public func migrate(_ db: Database, upTo target: String?) throws {
        guard db.isAutocommit else {
            throw DatabaseError(.misuse, "migrations cannot run inside a transaction")
        }
        var pending = migrations
        if let target {
            guard let end = migrations.firstIndex(where: { $0.identifier == target }) else {
                throw DatabaseError(.misuse, "no migration named \(target)")
            }
            pending = Array(migrations[...end])
        }
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(Self.tableName)(identifier TEXT NOT NULL PRIMARY KEY)")
        let applied = Set(try appliedIdentifiers(db))
        for migration in pending where !applied.contains(migration.identifier) {
            try db.execute(sql: "BEGIN IMMEDIATE")
            do {
                try migration.migrate(db)
                try db.execute(sql: "INSERT INTO \(Self.tableName)(identifier) VALUES (?)", arguments: [migration.identifier])
                try db.execute(sql: "COMMIT")
            } catch {
                if !db.isAutocommit { try? db.execute(sql: "ROLLBACK") }
                throw error
            }
        }
    }

    /// Identifiers recorded as applied (in the table's order), including unknown ones.
    public func appliedIdentifiers(_ db: Database) throws -> [String] {
        guard try db.tableExists(Self.tableName) else { return [] }
        return try String.fetchAll(db, sql: "SELECT identifier FROM \(Self.tableName) ORDER BY rowid")
    }

    /// Registered migrations that are applied, in registration order.
    public func appliedMigrations(_ db: Database) throws -> [String] {
        let applied = Set(try appliedIdentifiers(db))
        return migrationIdentifiers.filter(applied.contains)
    }

    /// True when every registered migration is applied.
    public func hasCompletedMigrations(_ db: Database) throws -> Bool {
        try appliedMigrations(db).count == migrations.count
    }
}
