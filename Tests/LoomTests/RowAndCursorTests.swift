// Tests of Row, cursors, cached statements and statement metadata (L7).
// Spec: Spec/L7-api.md §Rows, §Fetching.
import Testing
import Loom

@Suite struct RowAndCursorTests {
    @Test func rowsReadByIndexAndNameCaseInsensitively() throws {
        let db = try Database()
        let row = try #require(try Row.fetchOne(db, sql: "SELECT 1 AS id, 'a' AS Name, 2 AS name"))
        #expect(row.columnNames == ["id", "Name", "name"])
        #expect(try row["NAME"] as String == "a")       // leftmost match
        #expect(try row["name"] as String == "a")
        #expect(try row[2] as Int == 2)
        #expect(row.hasColumn("ID"))
        #expect(!row.hasColumn("nope"))
        #expect(row.description == "[id:1 Name:'a' name:2]")
        #expect(row == Row(["id": 1, "Name": "a", "name": 2]))
    }

    @Test func cursorsAreLazyAndNestable() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000) INSERT INTO t SELECT x FROM c")
        let cursor = try Row.fetchCursor(db, sql: "SELECT a FROM t ORDER BY a")
        var seen = 0
        while let row = try cursor.next() {
            seen += 1
            #expect(try row["a"] as Int == seen)
            if seen == 3 {
                // The same SQL while the cursor is open gets its own statement.
                #expect(try Int.fetchAll(db, sql: "SELECT a FROM t ORDER BY a").count == 1000)
            }
            if seen == 10 { break }
        }
        #expect(seen == 10)
        #expect(try Row.fetchCursor(db, sql: "SELECT a FROM t").first { try $0["a"] as Int == 500 } != nil)
    }

    @Test func statementsAreCachedAndReused() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a)")
        let a = try db.cachedStatement(sql: "INSERT INTO t VALUES (?)")
        let b = try db.cachedStatement(sql: "INSERT INTO t VALUES (?)")
        #expect(a === b)
        for i in 0..<3 { try a.execute(arguments: [i]) }
        #expect(try Int.fetchOne(db, sql: "SELECT sum(a) FROM t") == 3)
        // A cached statement still sees schema changes.
        try db.execute(sql: "ALTER TABLE t ADD COLUMN b DEFAULT 7")
        #expect(try Row.fetchOne(db, sql: "SELECT * FROM t")?.columnNames == ["a", "b"])
    }

    @Test func statementMetadata() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a INTEGER, b TEXT)")
        let select = try db.makeStatement(sql: "SELECT a AS x, b FROM t WHERE a = :a AND b = ?")
        #expect(select.columnNames == ["x", "b"])
        #expect(select.isReadOnly)
        #expect(select.parameterNames == [":a", nil])
        let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (1, 2)")
        #expect(!insert.isReadOnly)
        #expect(insert.columnCount == 0)
        #expect(try db.primaryKeyColumns("t") == [])
        #expect(try db.columnNames(ofTable: "t") == ["a", "b"])
    }

    @Test func traceCommitAndRollbackHooks() throws {
        let db = try Database()
        final class Log { var events: [String] = [] }
        let log = Log()
        db.trace { log.events.append("\($0.sql) rows=\($0.rowCount)") }
        db.commitHook { log.events.append("commit") }
        db.rollbackHook { log.events.append("rollback") }
        try db.execute(sql: "CREATE TABLE t(a UNIQUE)")
        try db.execute(sql: "INSERT INTO t VALUES (1)")
        _ = try Int.fetchAll(db, sql: "SELECT a FROM t")
        #expect(throws: DatabaseError.self) { try db.execute(sql: "INSERT INTO t VALUES (1)") }
        try db.execute(sql: "BEGIN; INSERT INTO t VALUES (2); ROLLBACK")
        try db.execute(sql: "BEGIN; INSERT INTO t VALUES (3); COMMIT")
        #expect(log.events == [
            "CREATE TABLE t(a UNIQUE) rows=0", "commit",
            "INSERT INTO t VALUES (1) rows=0", "commit",
            "SELECT a FROM t rows=1",
            "INSERT INTO t VALUES (1) rows=0", "rollback",
            "BEGIN; rows=0", "INSERT INTO t VALUES (2); rows=0", "ROLLBACK rows=0", "rollback",
            "BEGIN; rows=0", "INSERT INTO t VALUES (3); rows=0", "COMMIT rows=0", "commit",
        ])
    }
}
