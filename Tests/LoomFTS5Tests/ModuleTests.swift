// This file tests the fts5 module end to end through SQL, against sqlite3 on the same
// workloads: query results, ORDER BY rank, bm25 values, highlight; Loom-written files pass
// sqlite3's integrity-check and sqlite3-written files answer the same in Loom; the external
// content + triggers pattern. Spec: Spec/L8-fts5.md §Module.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

/// Runs statements in Loom; each query's rows as "a|b" lines (errors as "error: message").
func loomRun(_ db: Database, _ statements: [String]) -> [[String]] {
    statements.map { sql in
        do {
            let stmt = try db.prepare(sql)
            var rows: [String] = []
            while try stmt.step() {
                let line = stmt.row.map { $0.textRepresentation ?? "" }.joined(separator: "|")
                // sqliteRun cannot see empty lines (a lone NULL): skip them here too.
                if !line.isEmpty { rows.append(line) }
            }
            return rows
        } catch let e as DatabaseError {
            return ["error: \(e.message)"]
        } catch {
            return ["error: \(error)"]
        }
    }
}

/// Runs the same statements in sqlite3 (one process, file `path`), split per statement.
func sqliteRun(_ path: String, _ statements: [String]) throws -> [[String]] {
    var input = ".bail off\n"
    for (i, s) in statements.enumerated() { input += ".print @@\(i)\n\(s);\n" }
    let out = try Oracle.run([path], input: input)
    var result = Array(repeating: [String](), count: statements.count)
    var current = -1
    for line in out.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("@@"), let n = Int(line.dropFirst(2)) { current = n; continue }
        if current >= 0, !line.isEmpty { result[current].append(String(line)) }
    }
    // Errors go to stderr as "Parse error near line N: msg" / "Runtime error near line N: msg".
    for line in out.stderr.split(separator: "\n") {
        guard let r = line.range(of: "line "), let colon = line[r.upperBound...].firstIndex(of: ":") else { continue }
        if let n = Int(line[r.upperBound..<colon]) {
            let idx = (n - 3) / 2
            if idx >= 0 && idx < statements.count {
                var msg = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                if let paren = msg.range(of: " (", options: .backwards), msg.hasSuffix(")"),
                   msg[paren.upperBound..<msg.index(before: msg.endIndex)].allSatisfy(\.isNumber) {
                    msg = String(msg[..<paren.lowerBound])
                }
                result[idx] = ["error: \(msg)"]
            }
        }
    }
    return result
}

let sampleDocs: [(String, String)] = [
    ("SQLite full-text search", "FTS5 is an SQLite virtual table module that provides full-text search functionality"),
    ("Porter stemming", "The porter tokenizer stems running runners and runs to run"),
    ("Connection handling", "A connection runs statements; searching connections is fast"),
    ("Unicode folding", "Ünïcode text is folded: CAFÉ and café match, naïve too"),
    ("Ranking with bm25", "bm25 ranks documents: search search search appears often in this search document"),
    ("Prefix queries", "prefix queries like sea* find search, seal and season"),
    ("NEAR groups", "one two three four five six seven eight nine ten eleven"),
    ("Column filters", "title and body columns can be filtered separately for search"),
]

let setupStatements: [String] = {
    var s = ["CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61')"]
    for (i, d) in sampleDocs.enumerated() {
        s.append("INSERT INTO docs(rowid, title, body) VALUES(\(i + 1), \(sqlQuote(d.0)), \(sqlQuote(d.1)))")
    }
    s.append("UPDATE docs SET body = body || ' updated search' WHERE rowid = 3")
    s.append("DELETE FROM docs WHERE rowid = 6")
    s.append("INSERT INTO docs(title, body) VALUES('Late row', 'added after a delete: run search')")
    return s
}()

let queryStatements: [String] = [
    "SELECT rowid, title FROM docs WHERE docs MATCH 'search' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'search' ORDER BY rank",
    "SELECT rowid, printf('%.6f', bm25(docs)) FROM docs WHERE docs MATCH 'search' ORDER BY rowid",
    "SELECT rowid, printf('%.6f', bm25(docs, 10.0, 1.0)) FROM docs WHERE docs MATCH 'search OR run' ORDER BY rowid",
    "SELECT rowid, printf('%.6f', rank) FROM docs WHERE docs MATCH 'run' ORDER BY rank",
    "SELECT rowid FROM docs WHERE docs MATCH 'running' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'sea*' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'title:search' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH '{title body}:fts5 OR body:porter' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH '-title:search' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'search NOT sqlite' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH '\"full text search\"' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'NEAR(two six, 3)' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'NEAR(two six, 2)' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH '^porter' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'cafe AND naive' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE body MATCH 'search' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs = 'connection' ORDER BY rowid",
    "SELECT rowid FROM docs('bm25') ORDER BY rowid",
    "SELECT title FROM docs WHERE rowid = 3",
    "SELECT count(*) FROM docs",
    "SELECT highlight(docs, 1, '[', ']') FROM docs WHERE docs MATCH 'search' ORDER BY rowid",
    "SELECT highlight(docs, 0, '<b>', '</b>') FROM docs WHERE docs MATCH 'porter stem*' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'one AND' ORDER BY rowid",
    "SELECT rowid FROM docs WHERE docs MATCH 'nosuchcol:x'",
    "SELECT rowid, title FROM docs WHERE docs MATCH 'search' ORDER BY rowid DESC",
    "SELECT rowid, snippet(docs, -1, '[', ']', '…', 5) FROM docs WHERE docs MATCH 'search' ORDER BY rowid",
    "SELECT rowid, snippet(docs, 1, '<', '>', '...', 4) FROM docs WHERE docs MATCH 'run OR search' ORDER BY rowid",
]

@Suite struct ModuleTests {
    @Test func queriesMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5m")
        defer { tmp.cleanup() }
        let db = try Database()
        for s in setupStatements { try db.execute(s) }
        let mine = loomRun(db, queryStatements)
        let theirs = try sqliteRun(tmp.file("o.db"), setupStatements + queryStatements).suffix(queryStatements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(queryStatements[i])")
        }
    }

    @Test func loomWrittenFilePassesSQLiteIntegrityCheck() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5m")
        defer { tmp.cleanup() }
        let path = tmp.file("l.db")
        do {
            let db = try Database(path: path)
            for s in setupStatements { try db.execute(s) }
            // Many small transactions: level-0 segments and automerges.
            for i in 0..<40 {
                try db.execute("INSERT INTO docs(title, body) VALUES('bulk \(i)', 'search row number \(i) with common words run')")
            }
            try db.execute("BEGIN")
            for i in 0..<300 { try db.execute("INSERT INTO docs(title, body) VALUES('big \(i)', 'common common \(i % 17) search')") }
            try db.execute("COMMIT")
            try db.execute("DELETE FROM docs WHERE rowid % 5 = 0")
            try db.execute("INSERT INTO docs(docs) VALUES('integrity-check')")
        }
        let out = try Oracle.run([path], input: "INSERT INTO docs(docs) VALUES('integrity-check');\nSELECT count(*) FROM docs WHERE docs MATCH 'common';\n")
        #expect(out.stderr == "")
        let db = try Database(path: path)
        #expect(loomRun(db, ["SELECT count(*) FROM docs WHERE docs MATCH 'common'"])[0] == [out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        // And the queries answer the same on both sides of this file.
        let qs = queryStatements.filter { !$0.contains("rowid = 3") }
        let mine = loomRun(db, qs)
        let theirs = try sqliteRun(path, qs)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(qs[i])") }
    }

    @Test func sqliteWrittenFileAnswersInLoom() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5m")
        defer { tmp.cleanup() }
        let path = tmp.file("s.db")
        var setup = setupStatements
        setup.append("INSERT INTO docs(docs, rank) VALUES('pgsz', 64)")
        setup.append("BEGIN")
        for i in 0..<200 { setup.append("INSERT INTO docs(title, body) VALUES('big \(i)', 'common common \(i % 17) search')") }
        setup.append("COMMIT")
        setup.append("DELETE FROM docs WHERE rowid % 7 = 0")
        _ = try sqliteRun(path, setup)
        let theirs = try sqliteRun(path, queryStatements)
        let db = try Database(path: path)
        let mine = loomRun(db, queryStatements)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(queryStatements[i])") }
        // Loom writes to it; sqlite3 still accepts it.
        try db.execute("INSERT INTO docs(title, body) VALUES('from loom', 'search common')")
        try db.execute("DELETE FROM docs WHERE rowid = 2")
        let check = try Oracle.run([path], input: "INSERT INTO docs(docs) VALUES('integrity-check');\n")
        #expect(check.stderr == "")
    }

    /// The seed applications' pattern: external content kept in sync by triggers.
    @Test func externalContentWithTriggers() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5m")
        defer { tmp.cleanup() }
        let path = tmp.file("e.db")
        let schema = [
            "CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT)",
            "CREATE VIRTUAL TABLE notes_fts USING fts5(title, body, content='notes', content_rowid='id', tokenize = 'porter unicode61')",
            "CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
            "CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN INSERT INTO notes_fts(notes_fts, rowid, title, body) VALUES('delete', old.id, old.title, old.body); END",
            "CREATE TRIGGER notes_au AFTER UPDATE ON notes BEGIN INSERT INTO notes_fts(notes_fts, rowid, title, body) VALUES('delete', old.id, old.title, old.body); INSERT INTO notes_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
        ]
        var work: [String] = []
        for (i, d) in sampleDocs.enumerated() { work.append("INSERT INTO notes(id, title, body) VALUES(\(i + 1), \(sqlQuote(d.0)), \(sqlQuote(d.1)))") }
        work += ["UPDATE notes SET body = 'rewritten body about searching' WHERE id = 2", "DELETE FROM notes WHERE id = 4"]
        let queries = [
            "SELECT rowid, title FROM notes_fts WHERE notes_fts MATCH 'search' ORDER BY rank",
            "SELECT n.id, highlight(notes_fts, 1, '[', ']') FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid WHERE notes_fts MATCH 'search' ORDER BY n.id",
            "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'cafe' ORDER BY rowid",
        ]
        do {
            let db = try Database(path: path)
            for s in schema + work { try db.execute(s) }
        }
        let check = try Oracle.run([path], input: "INSERT INTO notes_fts(notes_fts) VALUES('integrity-check');\n")
        #expect(check.stderr == "")
        let db = try Database(path: path)
        let mine = loomRun(db, queries)
        let theirs = try sqliteRun(path, queries)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(queries[i])") }
        // 'rebuild' from the content table gives the same answers.
        try db.execute("INSERT INTO notes_fts(notes_fts) VALUES('rebuild')")
        #expect(loomRun(db, queries) == theirs)
    }
}

@Suite struct VocabTests {
    @Test func vocabViewsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5v")
        defer { tmp.cleanup() }
        let setup = setupStatements + [
            "CREATE VIRTUAL TABLE v_row USING fts5vocab(docs, row)",
            "CREATE VIRTUAL TABLE v_col USING fts5vocab('docs', 'col')",
            "CREATE VIRTUAL TABLE v_ins USING fts5vocab(docs, instance)",
            "CREATE VIRTUAL TABLE v_bad USING fts5vocab(docs, nope)",
        ]
        let queries = ["SELECT * FROM v_row", "SELECT * FROM v_col", "SELECT * FROM v_ins",
                       "SELECT term, cnt FROM v_row WHERE doc > 1 ORDER BY cnt DESC, term"]
        let db = try Database()
        _ = loomRun(db, setup)
        let mine = loomRun(db, queries)
        let theirs = try sqliteRun(tmp.file("v.db"), setup + queries).suffix(queries.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(queries[i])") }
        #expect(loomRun(db, ["CREATE VIRTUAL TABLE v_bad2 USING fts5vocab(docs, nope)"])[0] == ["error: fts5vocab: unknown table type: 'nope'"])
    }
}

@Suite struct SnippetTests {
    @Test func snippetsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5s")
        defer { tmp.cleanup() }
        let words = (0..<40).map { "w\($0)" }.joined(separator: " ")
        let docs = [
            words.replacingOccurrences(of: "w20", with: "target"),
            words.replacingOccurrences(of: "w3 ", with: "target ").replacingOccurrences(of: "w30", with: "target"),
            "Alpha beta gamma. Delta target epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho",
            "a b c d e f g h i. target j k l m n o", "a b c d e. f g h i target j k l m n o",
            "a b c d e f g h i: target j k l m n o", "one target two. three four five six seven target",
            "a b c d e f g h i j k l m n o p target",
        ]
        var setup = ["CREATE VIRTUAL TABLE t USING fts5(a, b)"]
        for (i, d) in docs.enumerated() { setup.append("INSERT INTO t(rowid, a, b) VALUES(\(i + 1), \(sqlQuote(d)), 'b target c')") }
        var queries: [String] = []
        for n in [3, 5, 8, 10] {
            queries.append("SELECT rowid, snippet(t, -1, '[', ']', '…', \(n)) FROM t WHERE t MATCH 'target' ORDER BY rowid")
            queries.append("SELECT rowid, snippet(t, 0, '[', ']', '…', \(n)) FROM t WHERE t MATCH 'target OR w33 OR delta' ORDER BY rowid")
        }
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, queries)
        let theirs = try sqliteRun(tmp.file("s.db"), setup + queries).suffix(queries.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(queries[i])") }
    }
}

@Suite struct DDLTests {
    @Test func createErrorsAndDropMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5d")
        defer { tmp.cleanup() }
        let statements = [
            "CREATE VIRTUAL TABLE e1 USING fts5(a, foo=1)",
            "CREATE VIRTUAL TABLE e2 USING fts5(a, detail=bad)",
            "CREATE VIRTUAL TABLE e3 USING fts5(rank)",
            "CREATE VIRTUAL TABLE e4 USING fts5(a b)",
            "CREATE VIRTUAL TABLE e5 USING fts5(a, prefix=0)",
            "CREATE VIRTUAL TABLE e6 USING fts5(a, tokenize=nosuch)",
            "CREATE VIRTUAL TABLE e7 USING fts5(a, columnsize=2)",
            "CREATE VIRTUAL TABLE ok1 USING fts5(a UNINDEXED, b, prefix='2 3', columnsize=0)",
            "INSERT INTO ok1(a, b) VALUES('skip me', 'hello there')",
            "SELECT rowid, a FROM ok1 WHERE ok1 MATCH 'hello'",
            "SELECT rowid FROM ok1 WHERE ok1 MATCH 'skip'",
            "SELECT name FROM sqlite_schema ORDER BY name",
            "DROP TABLE ok1",
            "SELECT name FROM sqlite_schema ORDER BY name",
            "SELECT 1 WHERE 'a' MATCH 'a'",
        ]
        let db = try Database()
        let mine = loomRun(db, statements)
        let theirs = try sqliteRun(tmp.file("d.db"), statements)
        for (i, (a, b)) in zip(mine, theirs).enumerated() { #expect(a == b, "\(statements[i])") }
    }
}
