// A database using every issue-5 schema feature (generated columns, STRICT, WITHOUT ROWID,
// partial and expression indexes, AUTOINCREMENT, foreign keys, triggers, views) written by
// Loom passes sqlite3's integrity_check and reads the same in sqlite3, and the reverse: a file
// sqlite3 wrote reads the same in Loom, and Loom's further writes leave it as sqlite3's would.
// Layer: tests (shell, file format). Spec: Spec/L5-sql.md, COMPAT.md.
import Foundation
import Testing
import LoomTestSupport

@Suite("Files with every schema feature, both ways", .enabled(if: Oracle.isAvailable))
struct FileRoundTripTests {
    static let build = """
        PRAGMA foreign_keys=ON;
        CREATE TABLE author(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, born INT CHECK (born > 1000), name_len INT GENERATED ALWAYS AS (length(name)) VIRTUAL, upper_name TEXT AS (upper(name)) STORED);
        CREATE TABLE book(isbn TEXT PRIMARY KEY, author_id INT NOT NULL REFERENCES author(id) ON DELETE CASCADE ON UPDATE CASCADE, title TEXT, price REAL, tags TEXT) WITHOUT ROWID;
        CREATE TABLE review(id INTEGER PRIMARY KEY, isbn TEXT REFERENCES book(isbn) ON DELETE SET NULL, stars INTEGER, body TEXT) STRICT;
        CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT, at INT DEFAULT 0);
        CREATE INDEX book_by_author ON book(author_id, title);
        CREATE UNIQUE INDEX author_upper ON author(upper_name);
        CREATE VIEW book_list AS SELECT a.name, b.title, b.price FROM book AS b JOIN author AS a ON a.id = b.author_id;
        CREATE VIEW review_stats(isbn, n, avg_stars) AS SELECT isbn, count(*), avg(stars) FROM review GROUP BY isbn;
        CREATE TRIGGER book_added AFTER INSERT ON book BEGIN INSERT INTO audit(what) VALUES('book ' || new.isbn); END;
        CREATE TRIGGER review_check BEFORE INSERT ON review WHEN new.stars > 5 BEGIN SELECT RAISE(ABORT, 'too many stars'); END;
        CREATE TRIGGER book_list_insert INSTEAD OF INSERT ON book_list BEGIN INSERT INTO audit(what) VALUES('view ' || new.title); END;
        INSERT INTO author(name, born) VALUES('Ada', 1815), ('Brian', 1942), ('Claude', 1916);
        INSERT INTO book VALUES('111', 1, 'Notes', 12.5, '["math"]'), ('222', 2, 'C', 45.0, NULL), ('333', 2, 'Unix', 19.99, '[]'), ('444', 3, 'Info', 8.0, '{"a":1}');
        INSERT INTO review(isbn, stars, body) VALUES('111', 5, 'Classic'), ('222', 4, 'Dense'), ('333', 3, 'ok'), ('444', 2, 'Hard');
        INSERT INTO book_list(name, title, price) VALUES('x', 'through view', 1);
        UPDATE author SET id = 10 WHERE name = 'Brian';
        DELETE FROM author WHERE name = 'Claude';
        INSERT INTO review(isbn, stars, body) VALUES('111', 1, 'gone');
        UPDATE book SET price = price * 2 WHERE price < 15;

        """

    /// Partial and expression indexes, added when this build of Loom can create them.
    static let indexes = """
        CREATE INDEX good_reviews ON review(stars) WHERE stars >= 4;
        CREATE INDEX review_lower ON review(lower(body));
        CREATE INDEX cheap_books ON book(price) WHERE price < 20;

        """

    /// Writes on an existing file: triggers, cascades, AUTOINCREMENT, generated columns,
    /// constraint errors.
    static let more = """
        PRAGMA foreign_keys=ON;
        INSERT INTO author(name, born) VALUES('Dennis', 1941);
        INSERT INTO book VALUES('555', 11, 'K&R', 30.0, '["c"]');
        INSERT INTO review(isbn, stars, body) VALUES('555', 9, 'x');
        INSERT INTO review(isbn, stars, body) VALUES('555', 'five', 'x');
        INSERT INTO book VALUES('666', 99, 'orphan', 1.0, NULL);
        DELETE FROM author WHERE id = 10;
        UPDATE author SET name = 'Ada L.' WHERE id = 1;
        INSERT INTO review(isbn, stars, body) VALUES('555', 5, 'Great');
        DELETE FROM audit WHERE id = (SELECT max(id) FROM audit);
        INSERT INTO audit(what) VALUES('after delete');

        """

    static let check = """
        PRAGMA integrity_check;
        PRAGMA foreign_key_check;
        SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
        SELECT * FROM author; SELECT * FROM book; SELECT * FROM review; SELECT * FROM audit; SELECT * FROM sqlite_sequence;
        SELECT * FROM book_list ORDER BY title; SELECT * FROM review_stats;
        SELECT name, name_len, upper_name FROM author WHERE upper_name = 'ADA';
        SELECT title FROM book WHERE author_id = 1 ORDER BY title;

        """

    /// The build script, with partial and expression indexes when Loom can create them.
    static func buildScript() -> (String, Bool) {
        let probe = runLoom([":memory:"], input: "CREATE TABLE t(a);\n" + indexes.replacingOccurrences(of: "review", with: "t")
            .replacingOccurrences(of: "book", with: "t").replacingOccurrences(of: "price", with: "a")
            .replacingOccurrences(of: "stars", with: "a").replacingOccurrences(of: "body", with: "a"))
        let withIndexes = probe.stderr.isEmpty
        return (build + (withIndexes ? indexes : ""), withIndexes)
    }

    @Test func loomFileReadsTheSameInSQLite() throws {
        let dir = try TemporaryDirectory("roundtrip")
        defer { dir.cleanup() }
        let (script, _) = Self.buildScript()
        let loomFile = dir.file("loom.db"), sqliteFile = dir.file("sqlite.db")
        let built = runLoom([loomFile], input: script)
        let expectedBuild = try runSQLite([sqliteFile], input: script)
        #expect(built.stderr == expectedBuild.stderr)
        let fromLoom = try runSQLite([loomFile], input: Self.check)
        let fromSQLite = try runSQLite([sqliteFile], input: Self.check)
        #expect(fromLoom.stdout.hasPrefix("ok\n"))
        #expect(fromLoom.stdout == fromSQLite.stdout)
        #expect(fromLoom.stderr == fromSQLite.stderr)
        // Further writes by Loom on its own file, by sqlite3 on its own.
        let wroteLoom = runLoom([loomFile], input: Self.more)
        let wroteSQLite = try runSQLite([sqliteFile], input: Self.more)
        #expect(wroteLoom.stderr == wroteSQLite.stderr)
        let after = try runSQLite([loomFile], input: Self.check)
        #expect(after.stdout.hasPrefix("ok\n"))
        #expect(after.stdout == (try runSQLite([sqliteFile], input: Self.check)).stdout)
    }

    @Test func sqliteFileReadsAndWritesTheSameInLoom() throws {
        let dir = try TemporaryDirectory("roundtrip")
        defer { dir.cleanup() }
        let (script, _) = Self.buildScript()
        let shared = dir.file("shared.db"), reference = dir.file("reference.db")
        _ = try runSQLite([shared], input: script)
        _ = try runSQLite([reference], input: script)
        // Loom reads sqlite3's file as sqlite3 does (its integrity_check too).
        let read = runLoom([shared], input: Self.check)
        let expected = try runSQLite([reference], input: Self.check)
        #expect(read.stdout == expected.stdout)
        #expect(read.stderr == expected.stderr)
        // Loom writes to it; sqlite3 then finds it sound and equal to its own writes.
        let wroteLoom = runLoom([shared], input: Self.more)
        let wroteSQLite = try runSQLite([reference], input: Self.more)
        #expect(wroteLoom.stderr == wroteSQLite.stderr)
        let after = try runSQLite([shared], input: Self.check)
        #expect(after.stdout.hasPrefix("ok\n"))
        #expect(after.stdout == (try runSQLite([reference], input: Self.check)).stdout)
    }
}
