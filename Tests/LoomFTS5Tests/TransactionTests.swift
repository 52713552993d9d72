// This file tests FTS5 tables under SAVEPOINT / ROLLBACK TO / RELEASE (the virtual-table
// savepoint hooks) against sqlite3: results inside and after, and integrity-check on both
// sides. Spec: Spec/L8-fts5.md §Module.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

@Suite struct TransactionTests {
    static let script = [
        "CREATE VIRTUAL TABLE t USING fts5(x)",
        "INSERT INTO t VALUES('a b')",
        "BEGIN",
        "INSERT INTO t VALUES('c d')",
        "SAVEPOINT s1",
        "INSERT INTO t VALUES('e f')",
        "DELETE FROM t WHERE rowid = 1",
        "SELECT rowid FROM t('a OR c OR e')",
        "ROLLBACK TO s1",
        "SELECT rowid FROM t('a OR c OR e')",
        "INSERT INTO t VALUES('g h')",
        "SAVEPOINT s2",
        "UPDATE t SET x = 'z' WHERE rowid = 2",
        "SAVEPOINT s3",
        "INSERT INTO t VALUES('k z')",
        "ROLLBACK TO s3",
        "RELEASE s2",
        "SELECT rowid, x FROM t('z OR k OR g')",
        "RELEASE s1",
        "COMMIT",
        "SELECT rowid FROM t('a OR c OR e OR g OR z OR k')",
        // A savepoint that starts the transaction, rolled back entirely.
        "SAVEPOINT outer",
        "INSERT INTO t VALUES('q r')",
        "SAVEPOINT inner",
        "DELETE FROM t",
        "ROLLBACK TO inner",
        "SELECT count(*) FROM t('q OR a')",
        "ROLLBACK TO outer",
        "RELEASE outer",
        "SELECT count(*) FROM t('q OR a OR z')",
        "INSERT INTO t(t) VALUES('integrity-check')",
    ]

    @Test func savepointsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5t")
        defer { tmp.cleanup() }
        let path = tmp.file("l.db")
        let mine: [[String]]
        do {
            let db = try Database(path: path)
            mine = loomRun(db, Self.script)
        }
        let theirs = try sqliteRun(tmp.file("s.db"), Self.script)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(Self.script[i])")
        }
        #expect(try sqliteRun(path, ["INSERT INTO t(t) VALUES('integrity-check')"])[0] == [])
    }

    /// A statement failing inside a transaction undoes its FTS5 writes (content, index,
    /// pending data), directly or through triggers, as SQLite's statement journal does.
    @Test func failedStatementInsideTransactionMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5t")
        defer { tmp.cleanup() }
        let script = [
            "CREATE VIRTUAL TABLE t USING fts5(x)",
            "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT UNIQUE)",
            "CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id')",
            "CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body); END",
            "BEGIN",
            "INSERT INTO t(rowid, x) VALUES(1, 'a')",
            "INSERT INTO t(rowid, x) SELECT 2, 'b' UNION ALL SELECT 1, 'c'",
            "INSERT INTO t(rowid, x) VALUES(3, 'd')",
            "UPDATE t SET x = 'e' WHERE rowid = 3",
            "INSERT INTO notes(body) VALUES('alpha')",
            "INSERT INTO notes(body) SELECT 'beta' UNION ALL SELECT 'alpha'",
            "INSERT INTO notes(body) VALUES('gamma')",
            "SELECT rowid FROM t('a OR b OR c OR d OR e')",
            "COMMIT",
            "SELECT rowid, x FROM t",
            "SELECT rowid FROM t('a OR b OR c OR d OR e')",
            "SELECT * FROM notes",
            "SELECT rowid FROM notes_fts('alpha OR beta OR gamma')",
            "INSERT INTO t(t) VALUES('integrity-check')",
            "INSERT INTO notes_fts(notes_fts) VALUES('integrity-check')",
        ]
        let path = tmp.file("l.db")
        let mine: [[String]]
        do {
            let db = try Database(path: path)
            mine = loomRun(db, script)
        }
        let theirs = try sqliteRun(tmp.file("s.db"), script)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(script[i])") }
        let check = try sqliteRun(path, ["INSERT INTO t(t) VALUES('integrity-check')",
                                         "INSERT INTO notes_fts(notes_fts) VALUES('integrity-check')"])
        #expect(check == [[], []])
    }
}
