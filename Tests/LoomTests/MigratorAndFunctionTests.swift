// Tests of DatabaseMigrator and user-defined SQL functions (L7).
// Spec: Spec/L7-api.md §Migrations, §Functions.
import Testing
import Loom

@Suite struct MigratorAndFunctionTests {
    @Test func migrationsRunOnceEachInItsOwnTransaction() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "CREATE TABLE player(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE player ADD COLUMN score INT NOT NULL DEFAULT 0")
        }
        try migrator.migrate(queue, upTo: "v1")
        #expect(try queue.read { db in try migrator.appliedMigrations(db) } == ["v1"])
        try migrator.migrate(queue)
        try migrator.migrate(queue)   // nothing left to do
        #expect(try queue.read { db in try migrator.hasCompletedMigrations(db) })
        #expect(try queue.read { db in try db.columnNames(ofTable: "player") } == ["id", "name", "score"])

        struct Boom: Error {}
        var broken = migrator
        broken.registerMigration("v3") { db in
            try db.execute(sql: "CREATE TABLE half(a)")
            throw Boom()
        }
        #expect(throws: Boom.self) { try broken.migrate(queue) }
        #expect(try queue.read { db in try db.tableExists("half") } == false)
        #expect(try queue.read { db in try broken.appliedIdentifiers(db) } == ["v1", "v2"])
    }

    @Test func scalarFunctionsInSwift() throws {
        let db = try Database()
        db.add(function: DatabaseFunction("reverse", argumentCount: 1, pure: true) { values in
            guard let s = String.fromDatabaseValue(values[0]) else { return nil }
            return String(s.reversed())
        })
        db.add(function: DatabaseFunction("total_len") { values in
            values.reduce(0) { $0 + (String.fromDatabaseValue($1)?.count ?? 0) }
        })
        struct Nope: Error, CustomStringConvertible { var description: String { "nope" } }
        db.add(function: DatabaseFunction("fail", argumentCount: 0) { _ in throw Nope() })
        #expect(try String.fetchOne(db, sql: "SELECT reverse('abc')") == "cba")
        #expect(try String.fetchOne(db, sql: "SELECT REVERSE(NULL)") == nil)
        #expect(try Int.fetchOne(db, sql: "SELECT total_len('ab', 'cde', 7)") == 5)
        try db.execute(sql: "CREATE TABLE t(a); INSERT INTO t VALUES ('xy'), ('z')")
        #expect(try String.fetchAll(db, sql: "SELECT reverse(a) FROM t ORDER BY 1") == ["yx", "z"])
        #expect(throws: DatabaseError(.error, "nope", sql: "SELECT fail()")) { try db.execute(sql: "SELECT fail()") }
        #expect { try db.execute(sql: "SELECT reverse(1, 2)") } throws: {
            ($0 as? DatabaseError)?.message == "wrong number of arguments to function reverse()"
        }
        // Built-ins stay; a second connection does not see these functions.
        #expect(try Int.fetchOne(db, sql: "SELECT abs(-3)") == 3)
        let other = try Database()
        #expect { try other.execute(sql: "SELECT reverse('a')") } throws: {
            ($0 as? DatabaseError)?.message == "no such function: reverse"
        }
        db.remove(function: DatabaseFunction("reverse", argumentCount: 1) { _ in nil })
        #expect(throws: DatabaseError.self) { try db.execute(sql: "SELECT reverse('a')") }
    }
}
