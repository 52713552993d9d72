// Tests of user-defined collations written in Swift (L7 DatabaseCollation).
// Spec: Spec/L7-api.md §Migrations and functions (invariant 25).
import Testing
import Loom
import LoomTestSupport

/// Orders by UTF-8 length, then bytes (a total order).
private let byLength = DatabaseCollation("bylength") { a, b in
    let d = a.utf8.count - b.utf8.count
    if d != 0 { return d }
    return a < b ? -1 : (a == b ? 0 : 1)
}

/// Case- and accent-blind for a few letters: "é" equals "e", any ASCII case.
private let loose = DatabaseCollation("Loose") { a, b in
    func fold(_ s: String) -> String { String(s.lowercased().map { $0 == "é" ? "e" : $0 }) }
    let x = fold(a), y = fold(b)
    return x < y ? -1 : (x == y ? 0 : 1)
}

@Suite struct CollationTests {
    @Test func orderByAndComparisons() throws {
        let db = try Database()
        db.add(collation: byLength)
        db.add(collation: loose)
        try db.execute(sql: "CREATE TABLE t(s); INSERT INTO t VALUES('ccc'), ('a'), ('bb'), ('ab'), ('Été'), ('ete')")
        #expect(try String.fetchAll(db, sql: "SELECT s FROM t ORDER BY s COLLATE bylength")
                == ["a", "ab", "bb", "ccc", "ete", "Été"])
        #expect(try String.fetchAll(db, sql: "SELECT s FROM t ORDER BY s COLLATE BYLENGTH DESC LIMIT 2")
                == ["Été", "ete"])
        #expect(try Int.fetchOne(db, sql: "SELECT 'ETE' = 'été' COLLATE loose") == 1)
        #expect(try Int.fetchOne(db, sql: "SELECT 'ETE' = 'été'") == 0)
        #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t WHERE s = 'ETE' COLLATE loose") == 2)
        #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT s COLLATE loose) FROM t") == 5)
        #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT column1 COLLATE nocase) FROM (VALUES('a'),('A'),('b'))") == 2)
        #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT s COLLATE nocase) FROM (SELECT s FROM t UNION ALL SELECT upper(s) FROM t)") == 6)
        #expect(try String.fetchOne(db, sql: "SELECT max(s COLLATE bylength) FROM t") == "Été")
        #expect(try Int.fetchOne(db, sql: "SELECT 'x' COLLATE loose IN ('X', 'y')") == 1)
    }

    @Test func columnDefinitionsAndIndexes() throws {
        let db = try Database()
        db.add(collation: loose)
        try db.execute(sql: """
            CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT COLLATE loose UNIQUE);
            CREATE TABLE q(name TEXT);
            CREATE INDEX q_name ON q(name COLLATE loose);
            """)
        try db.execute(sql: "INSERT INTO p(name) VALUES('Été')")
        // UNIQUE under the column's collation.
        do {
            try db.execute(sql: "INSERT INTO p(name) VALUES('ETE')")
            Issue.record("expected a UNIQUE violation")
        } catch let error as DatabaseError {
            #expect(error.message == "UNIQUE constraint failed: p.name")
        }
        // The column collation applies to comparisons and ORDER BY.
        #expect(try Int.fetchOne(db, sql: "SELECT id FROM p WHERE name = 'ete'") == 1)
        for (i, w) in ["b", "A", "été", "C", "a", "ÉTÉ"].enumerated() {
            try db.execute(sql: "INSERT INTO q(rowid, name) VALUES(?, ?)", arguments: [i + 1, w])
        }
        #expect(try String.fetchAll(db, sql: "SELECT name FROM q WHERE name COLLATE loose >= 'a' ORDER BY name COLLATE loose, name")
                == ["A", "a", "b", "C", "ÉTÉ", "été"])
        #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM q WHERE name = 'ETE' COLLATE loose") == 2)
        #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        // The index is consistent after deletes and updates.
        try db.execute(sql: "DELETE FROM q WHERE name = 'a' COLLATE loose; UPDATE q SET name = 'z' WHERE name = 'b'")
        #expect(try String.fetchAll(db, sql: "SELECT name FROM q ORDER BY name COLLATE loose") == ["C", "été", "ÉTÉ", "z"]
                || String.fetchAll(db, sql: "SELECT name FROM q ORDER BY name COLLATE loose") == ["C", "ÉTÉ", "été", "z"])
        #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
    }

    @Test func missingCollations() throws {
        let db = try Database()
        func message(_ sql: String) -> String? {
            do { try db.execute(sql: sql); return nil } catch let e as DatabaseError { return e.message } catch { return "\(error)" }
        }
        try db.execute(sql: "CREATE TABLE t(s)")
        #expect(message("SELECT s FROM t ORDER BY s COLLATE nope") == "no such collation sequence: nope")
        #expect(message("SELECT 'a' = 'b' COLLATE nope") == "no such collation sequence: nope")
        #expect(message("CREATE INDEX i ON t(s COLLATE nope)") == "no such collation sequence: nope")
        #expect(message("CREATE TABLE u(s COLLATE nope)") == "no such collation sequence: nope")
        // Registered, then removed: refused again.
        db.add(collation: byLength)
        #expect(message("SELECT s FROM t ORDER BY s COLLATE bylength") == nil)
        db.remove(collation: byLength)
        #expect(message("SELECT s FROM t ORDER BY s COLLATE bylength") == "no such collation sequence: bylength")
    }

    @Test func messagesMatchSqlite3() throws {
        guard Oracle.isAvailable else { return }
        for sql in ["SELECT 1 ORDER BY 1 COLLATE nope;", "SELECT 'a' = 'b' COLLATE nope;",
                    "CREATE TABLE t(s); CREATE INDEX i ON t(s COLLATE nope);"] {
            let out = try Oracle.run([":memory:"], input: sql)
            #expect(out.stderr.contains("no such collation sequence: nope"))
        }
    }
}
