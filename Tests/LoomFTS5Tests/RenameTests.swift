// This file tests ALTER TABLE … RENAME TO of fts5 tables against sqlite3: the stored schema
// texts (the table, its shadow tables, views and triggers naming it, external-content,
// contentless and fts5vocab tables), errors, transactions and rollback, and files renamed by
// one side checked and queried by the other. Spec: Spec/L8-fts5.md §Module (rename).
import Foundation
import Testing
import Loom
import LoomTestSupport

@Suite struct RenameTests {
    static let setup = [
        "CREATE VIRTUAL TABLE t USING fts5(a, b)",
        "INSERT INTO t VALUES('hello world', 'foo bar'), ('second row', 'hello again')",
        "CREATE TABLE src(id INTEGER PRIMARY KEY, a)",
        "INSERT INTO src VALUES(1, 'alpha beta'), (2, 'beta gamma')",
        "CREATE VIRTUAL TABLE ec USING fts5(a, content='src', content_rowid='id')",
        "INSERT INTO ec(ec) VALUES('rebuild')",
        "CREATE VIRTUAL TABLE cl USING fts5(a, content='')",
        "INSERT INTO cl(rowid, a) VALUES(1, 'contentless words')",
        "CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')",
        "CREATE VIRTUAL TABLE s USING fts5(a, b, columnsize=0, detail=none)",
        "INSERT INTO s VALUES('one two', 'three')",
        "CREATE VIEW vv AS SELECT * FROM t",
        "CREATE TABLE x(a)",
        "CREATE TRIGGER tr AFTER INSERT ON x BEGIN INSERT INTO t VALUES(new.a, 'trig'); END",
    ]

    static let statements = [
        "ALTER TABLE t RENAME TO t2",
        "SELECT type, name, tbl_name, sql FROM sqlite_schema",
        "SELECT rowid, * FROM t2('hello') ORDER BY rowid",
        "SELECT * FROM vv ORDER BY 1",
        "INSERT INTO x VALUES('zebra')",
        "SELECT rowid, a FROM t2('zebra')",
        "INSERT INTO t2(t2) VALUES('integrity-check')",
        "SELECT * FROM v",
        "SELECT * FROM t",
        "ALTER TABLE src RENAME TO src2",
        "ALTER TABLE ec RENAME TO ec2",
        "ALTER TABLE cl RENAME TO [c l]",
        "ALTER TABLE s RENAME TO \"new'name\"",
        "ALTER TABLE v RENAME TO v2",
        "SELECT type, name, tbl_name, sql FROM sqlite_schema",
        "SELECT rowid FROM \"c l\"('contentless')",
        "SELECT rowid, * FROM \"new'name\"('two')",
        "INSERT INTO \"new'name\"(\"new'name\") VALUES('integrity-check')",
        "INSERT INTO \"c l\"(\"c l\") VALUES('integrity-check')",
        // Errors.
        "ALTER TABLE t2 RENAME TO x",
        "ALTER TABLE t2 RENAME TO t2_data",
        "ALTER TABLE t2 RENAME TO \"T2\"",
        "ALTER TABLE t2 RENAME TO sqlite_t",
        "ALTER TABLE vv RENAME TO vv2",
        "CREATE TABLE z_idx(q)",
        "ALTER TABLE t2 RENAME TO z",
        "SELECT name FROM sqlite_schema",
        // Transactions.
        "BEGIN",
        "INSERT INTO t2 VALUES('pending row', 'x')",
        "ALTER TABLE t2 RENAME TO zz",
        "INSERT INTO zz VALUES('after rename', 'y')",
        "SELECT rowid FROM zz('row OR rename OR hello') ORDER BY rowid",
        "ROLLBACK",
        "SELECT name FROM sqlite_schema",
        "SELECT rowid FROM t2('row OR rename OR hello') ORDER BY rowid",
        "BEGIN",
        "INSERT INTO t2 VALUES('pending row', 'x')",
        "ALTER TABLE t2 RENAME TO zz",
        "INSERT INTO zz VALUES('after rename', 'y')",
        "COMMIT",
        "SELECT rowid FROM zz('row OR rename OR hello') ORDER BY rowid",
        "SAVEPOINT a",
        "ALTER TABLE zz RENAME TO yy",
        "ROLLBACK TO a",
        "RELEASE a",
        "SELECT name, sql FROM sqlite_schema",
        "INSERT INTO zz(zz) VALUES('integrity-check')",
    ]

    @Test func renameMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5r")
        defer { tmp.cleanup() }
        let db = try Database(path: tmp.file("loom.db"))
        for s in Self.setup { try db.execute(s) }
        let mine = loomRun(db, Self.statements)
        let theirs = try sqliteRun(tmp.file("sqlite.db"), Self.setup + Self.statements).suffix(Self.statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(Self.statements[i])")
        }
    }

    /// A file renamed by Loom passes sqlite3's integrity-check with the same MATCH results,
    /// and the reverse.
    @Test func renamedFilesCrossOver() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5r")
        defer { tmp.cleanup() }
        let create = ["CREATE VIRTUAL TABLE t USING fts5(a)",
                      "INSERT INTO t VALUES('one two'), ('two three'), ('three four')"]
        let checks = ["INSERT INTO u(u) VALUES('integrity-check')", "PRAGMA integrity_check",
                      "SELECT rowid, a FROM u('two OR four') ORDER BY rowid", "SELECT sql FROM sqlite_schema"]
        // Loom renames, sqlite3 reads.
        do {
            let db = try Database(path: tmp.file("a.db"))
            for s in create { try db.execute(s) }
            try db.execute("ALTER TABLE t RENAME TO u")
        }
        let theirs = try sqliteRun(tmp.file("a.db"), checks)
        #expect(theirs[0].isEmpty && theirs[1] == ["ok"])
        #expect(theirs[2] == ["1|one two", "2|two three", "3|three four"])
        // sqlite3 renames, Loom reads and writes, sqlite3 checks again.
        _ = try sqliteRun(tmp.file("b.db"), create + ["ALTER TABLE t RENAME TO u"])
        do {
            let db = try Database(path: tmp.file("b.db"))
            let mine = loomRun(db, checks)
            #expect(mine == theirs)
            try db.execute("INSERT INTO u VALUES('five two')")
            try db.execute("ALTER TABLE u RENAME TO w")
        }
        let after = try sqliteRun(tmp.file("b.db"), ["INSERT INTO w(w) VALUES('integrity-check')",
                                                     "SELECT rowid FROM w('two') ORDER BY rowid"])
        #expect(after == [[], ["1", "2", "4"]])
    }
}
