// This file tests statement metadata (column names, read-only flag, parameter names) and
// the online backup's progress reports. Layer: L7 tests. Spec: Spec/L7-api.md.
import Testing
import Loom

@Suite struct MetadataAndBackupTests {
    @Test func statementMetadata() throws {
        let db = try Database()
        try db.execute(sql: "CREATE TABLE t(a INTEGER, b TEXT)")
        let s = try db.makeStatement(sql: "SELECT a, b AS bee, a + 1 FROM t WHERE a = :x OR b = ?2 OR a = $y")
        #expect(s.columnNames == ["a", "bee", "a + 1"])
        #expect(s.isReadOnly)
        #expect(s.parameterCount == 3)
        #expect(s.parameterNames == [":x", "?2", "$y"])
        let w = try db.makeStatement(sql: "INSERT INTO t VALUES (?, @b)")
        #expect(!w.isReadOnly)
        #expect(w.parameterNames == [nil, "@b"])
    }

    /// Declared types as SQLite 3.40's sqlite3_column_decltype gives them (recorded from the C API).
    @Test func declaredTypes() throws {
        let db = try Database()
        try db.execute(sql: "create table t(a INTEGER primary key, b varchar(10), c); create view v as select b, c+1 as d from t")
        let cases: [(String, [String?])] = [
            ("select a, b, c, a+1, (select b from t), rowid, t.* from t",
             ["INTEGER", "varchar(10)", nil, nil, "varchar(10)", "INTEGER", "INTEGER", "varchar(10)", nil]),
            ("select * from v", ["varchar(10)", nil]),
            ("select x.b from (select b from t) x", ["varchar(10)"]),
            ("select b from t union select c from t", ["varchar(10)"]),
            ("select max(b) from t", [nil]),
            ("with w as (select b from t) select b from w", ["varchar(10)"]),
        ]
        for (sql, types) in cases {
            #expect(try db.prepare(sql).columnDeclaredTypes == types, "\(sql)")
        }
        #expect(try db.prepare("insert into t(b) values (1)").columnDeclaredTypes == [])
    }

    @Test func backupReportsProgress() throws {
        let source = try Database()
        try source.execute(sql: "CREATE TABLE t(x); INSERT INTO t SELECT zeroblob(3000) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 20) SELECT n FROM c)")
        let total = try Int.fetchOne(source, sql: "PRAGMA page_count") ?? 0
        let destination = try Database()
        var reports: [BackupProgress] = []
        try source.backup(to: destination, pagesPerStep: 5) { reports.append($0) }
        #expect(reports.last?.isCompleted == true)
        #expect(reports.last?.totalPageCount == total)
        #expect(reports.map(\.completedPageCount) == Array(stride(from: 5, to: total, by: 5)) + (total % 5 == 0 ? [] : [total]) + (total % 5 == 0 ? [total] : []))
        #expect(try Int.fetchOne(destination, sql: "SELECT count(*) FROM t") == 20)

        // Throwing from the callback aborts and leaves the destination as it was.
        struct Stop: Error {}
        let other = try Database()
        try other.execute(sql: "CREATE TABLE keep(y); INSERT INTO keep VALUES (1)")
        #expect(throws: Stop.self) { try source.backup(to: other, pagesPerStep: 2) { _ in throw Stop() } }
        #expect(try Int.fetchOne(other, sql: "SELECT y FROM keep") == 1)
    }
}
