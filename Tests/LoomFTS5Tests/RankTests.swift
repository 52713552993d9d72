// This file tests FTS5 rank functions against sqlite3: `rank MATCH 'fn(args)'` per query, the
// persistent `rank` option in %_config (read both ways), the other configuration options
// set by INSERT, and sqlite3's error texts. Spec: Spec/L8-fts5.md §Rank functions.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

@Suite struct RankTests {
    static func setup() -> [String] {
        var out = ["CREATE VIRTUAL TABLE t USING fts5(a, b)"]
        out.append("BEGIN")
        for (i, x, y) in WorkloadTests.documents(80, seed: 11) {
            out.append("INSERT INTO t(rowid, a, b) VALUES(\(i), '\(x)', '\(y)')")
        }
        out.append("COMMIT")
        return out
    }

    static let rankQueries: [String] = [
        "SELECT rowid, rank, bm25(t) FROM t WHERE t MATCH 'w1' ORDER BY rank, rowid LIMIT 6",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w1 OR w3' AND rank MATCH 'bm25(10.0, 5.0)' ORDER BY rank LIMIT 8",
        "SELECT rowid, printf('%.6f', rank) FROM t WHERE t MATCH 'w2' AND rank MATCH 'bm25(0.0, 1)' ORDER BY rank LIMIT 8",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w2' AND rank MATCH ' bm25 ( -1.5 , +2 ) trailing' ORDER BY rank DESC LIMIT 5",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w2' AND rank MATCH 'bm25(.5, ''3'', NULL, x''00'')' LIMIT 5",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w2' AND rank = 'bm25(0.0, 5.0)' LIMIT 5",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w4' AND rank MATCH 'highlight(0, ''['', '']'')' ORDER BY rank, rowid LIMIT 5",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w4' AND rank MATCH 'snippet(1, ''['', '']'', ''..'', 3)' ORDER BY rank, rowid LIMIT 5",
        "SELECT count(*), count(rank) FROM t WHERE rank MATCH 'bm25(1)'",
        "SELECT count(*) FROM t WHERE rank MATCH 'nosuch(1)'",
        "SELECT rowid FROM t WHERE t MATCH 'w1' AND rank MATCH 'nosuch(1)'",
        "SELECT rowid FROM t WHERE t MATCH 'w1' AND rank MATCH 'nosuch(1)' ORDER BY rank",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w1' AND rank MATCH 'highlight(0)' LIMIT 1",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w1' AND rank MATCH 'highlight(0)' ORDER BY rank",
    ] + ["bm25(", "bm25(1,2", "bm25", "", "bm25(a)", "bm25(1.0,)", "bm25(1e2)", "bm25(- 1)", "bm25(0x10)",
         "bm25(5.)", "bm25(1 2)", "bm25(1.5.5)", "bm25(nul)", "bm25(''a)", "\"bm25\"(1)", "bm25(-x''00'')"].map {
        "SELECT rowid FROM t WHERE t MATCH 'w1' AND rank MATCH '\($0)'"
    } + [
        "SELECT rowid FROM t WHERE t MATCH 'w1' AND rank MATCH 1",
        "SELECT rowid FROM t WHERE t MATCH 'w1' AND rank MATCH NULL",
    ]

    static let configStatements: [String] = [
        "INSERT INTO t(t, rank) VALUES('rank', 'bm25(10.0, 5.0)')",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w1 OR w3' ORDER BY rank LIMIT 8",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w1 OR w3' AND rank MATCH 'bm25()' ORDER BY rank LIMIT 4",
        "INSERT INTO t(t, rank) VALUES('rank', 'bm25(')",
        "INSERT INTO t(t, rank) VALUES('rank', 5)",
        "INSERT INTO t(t, rank) VALUES('rank', 'nosuch(2)')",
        "SELECT rowid FROM t WHERE t MATCH 'w1' ORDER BY rank",
        "INSERT INTO t(t, rank) VALUES('rank', '  bm25  ( 1 , 2 )  ')",
        "SELECT rowid, rank FROM t WHERE t MATCH 'w1' ORDER BY rank LIMIT 5",
    ] + ["('automerge', 7.5)", "('automerge', '7.0')", "('automerge', NULL)", "('automerge', x'37')", "('automerge', -1)",
         "('automerge', 17)", "('automerge', ' 8')", "('Automerge', 2)", "('hashsize', 0)", "('hashsize', 1000)",
         "('pgsz', 31)", "('pgsz', 65537)", "('pgsz', 'x')", "('crisismerge', -5)", "('crisismerge', 0)",
         "('usermerge', 17)", "('usermerge', 1)", "('usermerge', '3')", "('deletemerge', 5)", "('secure-delete', 1)"].map {
        "INSERT INTO t(t, rank) VALUES\($0)"
    } + [
        "SELECT k, v, typeof(v) FROM t_config ORDER BY k",
    ]

    @Test func rankFunctionsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5r")
        defer { tmp.cleanup() }
        let statements = Self.rankQueries + Self.configStatements
        let db = try Database()
        for s in Self.setup() { try db.execute(s) }
        // (sqliteRun trims the error text: "parse error in rank function: " loses its space.)
        let mine = loomRun(db, statements).map { $0.map { $0.trimmingCharacters(in: .whitespaces) } }
        let theirs = try sqliteRun(tmp.file("r.db"), Self.setup() + statements).suffix(statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(statements[i])")
        }
    }

    /// The `rank` option written by one side is used by the other.
    @Test func rankOptionInterop() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5ri")
        defer { tmp.cleanup() }
        let query = "SELECT rowid, rank FROM t WHERE t MATCH 'w1 OR w3' ORDER BY rank LIMIT 8"
        let option = "INSERT INTO t(t, rank) VALUES('rank', 'bm25(0.5, 20)')"
        // sqlite3 writes, Loom reads.
        let a = tmp.file("a.db")
        _ = try sqliteRun(a, Self.setup() + [option])
        let db = try Database(path: a)
        let mine = loomRun(db, [query])
        let theirs = try sqliteRun(a, [query])
        #expect(mine == theirs)
        #expect(mine.first?.count == 8)
        // Loom writes, sqlite3 reads.
        let b = tmp.file("b.db")
        do {
            let db2 = try Database(path: b)
            for s in Self.setup() + [option] { try db2.execute(s) }
            #expect(loomRun(db2, [query]) == theirs)
        }
        #expect(try sqliteRun(b, [query]) == theirs)
        #expect(try sqliteRun(b, ["INSERT INTO t(t) VALUES('integrity-check')"]) == [[]])
    }

    /// bm25/highlight on two fts5 tables of one query: each table's overload (xFindFunction)
    /// reads its own cursor; called on anything else they fail as in sqlite3.
    @Test func auxiliaryFunctionsPerTable() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5rj")
        defer { tmp.cleanup() }
        let setup = Self.setup() + ["CREATE VIRTUAL TABLE u USING fts5(x)",
                                    "INSERT INTO u(rowid, x) SELECT rowid, b || ' ' || a FROM t WHERE rowid % 3 = 0"]
        let statements = [
            "SELECT t.rowid, u.rowid, printf('%.6f', bm25(t)), printf('%.6f', bm25(u, 2.0)), highlight(u, 0, '[', ']') FROM t, u WHERE t MATCH 'w1' AND u MATCH 'w2' AND u.rowid = t.rowid + 3 ORDER BY 1, 2 LIMIT 10",
            "SELECT bm25(1)",
            "SELECT highlight(a, 0, '[', ']') FROM t WHERE t MATCH 'w1' LIMIT 1",
        ]
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, statements)
        let theirs = try sqliteRun(tmp.file("j.db"), setup + statements).suffix(statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(statements[i])")
        }
        #expect(mine.first?.isEmpty == false)
    }

    @Test func rankFunctionParser() {
        let f = RankFunction.parse(" bm25 ( 1, -2.5, 'a''b', x'0aFF', null ) junk")
        #expect(f?.name == "bm25")
        #expect(f?.arguments == [.integer(1), .real(-2.5), .text("a'b"), .blob([0x0A, 0xFF]), .null])
        #expect(RankFunction.parse("f()")?.arguments.isEmpty == true)
        for bad in ["", "f", "f(", "f(1,)", "f(x'0')", "f(1e2)", "(1)", "f(+)", "f(.)"] {
            #expect(RankFunction.parse(bad) == nil, "\(bad)")
        }
    }
}
