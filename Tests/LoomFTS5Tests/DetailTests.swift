// This file tests FTS5 detail=column and detail=none against sqlite3: the leaf bytes both
// write, the queries each refuses (with SQLite's messages), bm25/highlight/snippet values,
// fts5vocab, and files written by one side checked and queried by the other.
// Spec: Spec/L8-fts5.md §On-disk format, §Module.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

@Suite struct DetailTests {
    static func setup(_ detail: String, rows: Int = 120, pgsz: Int? = nil) -> [String] {
        var out = ["CREATE VIRTUAL TABLE t USING fts5(a, b, c UNINDEXED, detail=\(detail), prefix='2')"]
        if let pgsz { out.append("INSERT INTO t(t, rank) VALUES('pgsz', \(pgsz))") }
        let docs = WorkloadTests.documents(rows, seed: 7)
        for chunk in stride(from: 0, to: docs.count, by: 40) {
            out.append("BEGIN")
            for (i, x, y) in docs[chunk..<min(chunk + 40, docs.count)] {
                out.append("INSERT INTO t(rowid, a, b, c) VALUES(\(i), '\(x)', '\(y)', 'w1 unindexed')")
            }
            out.append("COMMIT")
            out.append("DELETE FROM t WHERE rowid % 9 = \(chunk % 9)")
            out.append("UPDATE t SET b = b || ' alpha' WHERE rowid % 7 = 1")
        }
        // Delete then re-add the same row in one transaction (SQLite's 0x00 0x00 flags).
        out += ["BEGIN", "DELETE FROM t WHERE rowid = 3", "INSERT INTO t(rowid, a, b) VALUES(3, 'w1 w2 alpha', 'w3')", "COMMIT"]
        return out
    }

    static let queries = [
        "w1", "w1 w2", "w1 OR alpha", "w1 NOT w2", "(w1 OR beta) AND w4", "w*", "al*", "NEAR(w1)", "\"w1\"",
        "a:w1", "{a b}:w2", "- a : w3", "w1 OR (b:alpha)", "\"w1 w2\"", "NEAR(w1 w2)", "^w1", "w1 + w2",
        "a:w1 AND \"w1 w2\"", "\"w1 w2\" AND a:w1", "w1-w2", "\"\"",
    ]

    static func statements(_ q: String) -> [String] {
        ["SELECT count(*), sum(rowid) FROM t WHERE t MATCH '\(q)'",
         "SELECT rowid, printf('%.6f', bm25(t)), printf('%.6f', bm25(t, 2.0, 0.5)) FROM t WHERE t MATCH '\(q)' ORDER BY rank, rowid LIMIT 8",
         "SELECT rowid, highlight(t, 0, '[', ']'), highlight(t, 1, '<', '>'), highlight(t, 2, '(', ')'), snippet(t, -1, '[', ']', '..', 4) FROM t('\(q)') ORDER BY rowid DESC LIMIT 5"]
    }

    @Test(arguments: ["column", "none"])
    func queriesMatchSQLite(detail: String) throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5d")
        defer { tmp.cleanup() }
        let setup = Self.setup(detail)
        var statements = Self.queries.flatMap(Self.statements)
        statements += ["SELECT count(*) FROM t WHERE b MATCH 'alpha'",
                       "SELECT rowid FROM t WHERE t MATCH 'w1' AND rowid = 5"]
        for kind in ["row", "col", "instance"] {
            statements.append("CREATE VIRTUAL TABLE IF NOT EXISTS v_\(kind) USING fts5vocab(t, \(kind))")
            statements.append("SELECT * FROM v_\(kind) WHERE term IN ('w1', 'alpha', 'w3') ORDER BY 1, 2, 3, 4")
        }
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, statements)
        let theirs = try sqliteRun(tmp.file("d.db"), setup + statements).suffix(statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(detail): \(statements[i])")
        }
    }

    /// The leaf and structure bytes Loom writes equal sqlite3's for the same statements.
    @Test(arguments: ["column", "none"])
    func segmentBytesMatchSQLite(detail: String) throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5d")
        defer { tmp.cleanup() }
        let setup = ["CREATE VIRTUAL TABLE t USING fts5(a, b, detail=\(detail))",
                     "BEGIN", "INSERT INTO t VALUES('hello world hello', 'x hello')", "INSERT INTO t VALUES('world', 'y')", "COMMIT",
                     "BEGIN", "DELETE FROM t WHERE rowid = 1", "DELETE FROM t WHERE rowid = 2",
                     "INSERT INTO t(rowid, a, b) VALUES(2, 'world again', 'z')", "COMMIT"]
        let dump = ["SELECT id, hex(block) FROM t_data ORDER BY id", "SELECT segid, hex(term), pgno FROM t_idx ORDER BY 1, 2"]
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, dump)
        let theirs = try sqliteRun(tmp.file("b.db"), setup + dump).suffix(dump.count)
        #expect(Array(theirs) == mine)
    }

    /// Files written by Loom pass sqlite3's integrity-check and answer the same there, and
    /// files written by sqlite3 (small pages: doclists over many leaves) answer the same in Loom.
    @Test(arguments: ["column", "none"])
    func interopBothWays(detail: String) throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5d")
        defer { tmp.cleanup() }
        let setup = Self.setup(detail, rows: 400, pgsz: 64)
        let statements = ["w1", "w1 OR alpha", "al*", "w2 NOT w3"].flatMap(Self.statements)
        let check = "INSERT INTO t(t) VALUES('integrity-check')"
        // Loom writes, sqlite3 checks and reads.
        let loomPath = tmp.file("l.db")
        do {
            let db = try Database(path: loomPath)
            for s in setup { try db.execute(s) }
            try db.execute(check)
        }
        let checked = try sqliteRun(loomPath, [check] + statements)
        #expect(checked[0] == [])
        let db = try Database(path: loomPath)
        #expect(loomRun(db, statements) == Array(checked.dropFirst()))
        // sqlite3 writes, Loom checks, reads, writes; sqlite3 checks again.
        let sqlitePath = tmp.file("s.db")
        _ = try sqliteRun(sqlitePath, setup)
        let theirs = try sqliteRun(sqlitePath, statements)
        let db2 = try Database(path: sqlitePath)
        try db2.execute(check)
        #expect(loomRun(db2, statements) == theirs)
        try db2.execute("INSERT INTO t(rowid, a, b) VALUES(100000, 'w1 w1 loom', 'alpha')")
        try db2.execute("DELETE FROM t WHERE rowid % 5 = 2")
        try db2.execute(check)
        #expect(try sqliteRun(sqlitePath, [check])[0] == [])
    }
}

@Suite struct AuxiliaryEdgeTests {
    /// Column arguments out of range: highlight reads the rowid for -1 and NULL past the
    /// end; snippet refuses a column past the end and takes every column for a negative one.
    @Test func columnArgumentsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5a")
        defer { tmp.cleanup() }
        let setup = ["CREATE VIRTUAL TABLE t USING fts5(x, y)", "INSERT INTO t VALUES('hello world', 'abc hello')"]
        var statements: [String] = []
        for e in ["highlight(t, 5, '[', ']')", "highlight(t, -1, '[', ']')", "highlight(t, -2, '[', ']')",
                  "highlight(t, 1, '[', ']')", "snippet(t, 7, '[', ']', '..', 3)", "snippet(t, -1, '[', ']', '..', 3)",
                  "bm25(t)", "bm25(t, 1, 2, 3)"] {
            statements.append("SELECT quote(\(e)) FROM t('hello')")
            // Without a match, sqlite3 reports "out of memory" for snippet(t, 7, …).
            if !e.hasPrefix("snippet(t, 7") { statements.append("SELECT quote(\(e)) FROM t") }
        }
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, statements)
        let theirs = try sqliteRun(tmp.file("a.db"), setup + statements).suffix(statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(statements[i])") }
    }
}
