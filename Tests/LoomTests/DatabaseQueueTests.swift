// Tests of DatabaseQueue: read-only reads, transactional writes, async variants, Sendable use
// from several tasks (L7). Spec: Spec/L7-api.md §Connections.
import Testing
import Loom
import LoomTestSupport

@Suite struct DatabaseQueueTests {
    private func makeQueue() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)") }
        return queue
    }

    @Test func aWriteInsideReadFailsWithReadonlyAndChangesNothing() throws {
        let queue = try makeQueue()
        for sql in ["INSERT INTO t(b) VALUES ('x')", "DELETE FROM t", "CREATE TABLE u(a)", "DROP TABLE t",
                    "UPDATE t SET b = 'y'", "PRAGMA user_version = 3"] {
            #expect(throws: DatabaseError(.readonly, "attempt to write a readonly database", sql: sql)) {
                try queue.read { db in try db.execute(sql: sql) }
            }
        }
        // A statement cached by a write is still refused in a read.
        try queue.write { db in try db.execute(sql: "INSERT INTO t(b) VALUES ('w')") }
        #expect { try queue.read { db in try db.execute(sql: "INSERT INTO t(b) VALUES ('w')") } }
            throws: { ($0 as? DatabaseError)?.code == .readonly }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 1)
        #expect(try queue.read { db in try db.tableExists("u") } == false)
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") } == 0)
    }

    @Test func writeRollsBackWhenTheClosureThrows() throws {
        let queue = try makeQueue()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO t(b) VALUES ('lost')")
                throw Boom()
            }
        }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 0)
        let n = try queue.write { db in
            try db.execute(sql: "INSERT INTO t(b) VALUES ('kept')")
            return db.lastInsertRowID
        }
        #expect(n == 1)
        #expect(try queue.read { db in try String.fetchAll(db, sql: "SELECT b FROM t") } == ["kept"])
    }

    @Test func accessIsNotReentrant() throws {
        let queue = try makeQueue()
        #expect { try queue.read { _ in try queue.read { _ in 1 } } } throws: { ($0 as? DatabaseError)?.code == .misuse }
    }

    @Test func asyncVariantsAndConcurrentTasks() async throws {
        let queue = try makeQueue()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await queue.write { db in
                        try db.execute(sql: "INSERT INTO t(b) VALUES (?)", arguments: ["task \(i)"])
                        await Task.yield()
                        try db.execute(sql: "INSERT INTO t(b) VALUES (?)", arguments: ["task \(i) again"])
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = try await queue.read { db in
            await Task.yield()
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM t")
        }
        #expect(count == 16)
        await #expect(throws: DatabaseError.self) {
            try await queue.read { db in
                await Task.yield()
                try db.execute(sql: "DELETE FROM t")
            }
        }
    }

    @Test func fileQueuePersistsAndOpensReadonly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("q.db")
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE t(a)")
                try db.execute(sql: "INSERT INTO t VALUES (1)")
            }
            try queue.close()
        }
        var config = Configuration()
        config.readonly = true
        config.prepareDatabase { db in db.trace { _ in } }
        let queue = try DatabaseQueue(path: path, configuration: config)
        #expect(try queue.read { db in try Int.fetchAll(db, sql: "SELECT a FROM t") } == [1])
        #expect { try queue.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") } }
            throws: { ($0 as? DatabaseError)?.code == .readonly }
        if Oracle.isAvailable {
            #expect(try Oracle.run([path, "SELECT a FROM t"]).stdout == "1\n")
        }
    }
}
