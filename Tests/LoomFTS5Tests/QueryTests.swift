// This file tests the FTS5 query language: the parser's trees, and results and error
// messages against sqlite3 for a catalogue of queries. Spec: Spec/L8-fts5.md §Query syntax.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

@Suite struct QueryTests {
    static let queries = [
        "one OR two NOT three", "one two three", "one OR two three", "(one OR two) three", "func(one two)",
        "one AND", "AND one", "one NOT", "one +", "\"one", "one)", "(one", "NEAR(one two)", "NEAR(one two, 3)",
        "NEAR(one, 2)", "NEAR(one two", "NEAR one", "a:one", "x:one", "{a b}:one", "-a:one", "- {a b} : one",
        "^two", "one + ^two", "NEAR(^one two)", "one*", "\"one t\"*", "a : (one OR two)", "one,two", "one.two",
        "one:two", "b:\"two\" OR c:one", "one ** two", "one * * two", "(one) (two)", "one (two)", "\"\" one",
        "one \"\"", "{a}:{b}:one", "NOT one", "one OR OR two", "NEAR(one two, x)", "NEAR(one two,)", "AND",
        "{a b", "{a b}", "^", "one^", "a :: one", "nEaR(one two)", "\"NEAR\"(one two)", "NEAR (one two)",
        "rank:one", "rowid:one", "t:one", "-one", "one-two", "one -two", "x-y", "o'ne", "one @ two",
        "one two ^three", "a:^one", "t* AND NOT", "\"two three\" OR \"five four\"", "NEAR(one three, 0)",
        "NEAR(two three, 0)", "(one OR seven) AND (two OR q)", "c:(one two)", "{c b}:one NOT two",
        "", "   ", "\"\"", "one OR \"\"", "one NOT \"\"", "\"\" NOT one", "NEAR(one \"\")", "one AND \"\"", "\"\" \"\"",
    ]

    @Test func resultsAndErrorsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5q")
        defer { tmp.cleanup() }
        let setup = [
            "CREATE VIRTUAL TABLE t USING fts5(a, b, c)",
            "INSERT INTO t(rowid, a, b, c) VALUES(1, 'one two three', 'four five', 'six')",
            "INSERT INTO t(rowid, a, b, c) VALUES(2, 'two three', 'one', 'seven one')",
            "INSERT INTO t(rowid, a, b, c) VALUES(3, 'three', 'two', 'one')",
            "INSERT INTO t(rowid, a, b, c) VALUES(4, 'x y z', 'one two', 'q')",
            "INSERT INTO t(rowid, a, b, c) VALUES(5, 'two', 'three', 'one two')",
        ]
        let statements = Self.queries.map { "SELECT group_concat(rowid, ' ') FROM (SELECT rowid FROM t WHERE t MATCH \(sqlQuote($0)) ORDER BY rowid)" }
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, statements)
        let theirs = try sqliteRun(tmp.file("q.db"), setup + statements).suffix(statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(Self.queries[i])")
        }
    }

    @Test func parseTrees() throws {
        let p = QueryParser(columns: ["a", "b"], tokenizer: try makeTokenizer(["unicode61"]))
        func t(_ s: String, prefix: Bool = false) -> QueryTerm { QueryTerm(bytes: Array(s.utf8), prefix: prefix) }
        #expect(try p.parse("one OR two three") == .or([
            .near(phrases: [QueryPhrase(terms: [t("one")])], distance: 10, columns: nil),
            .and([.near(phrases: [QueryPhrase(terms: [t("two")])], distance: 10, columns: nil),
                  .near(phrases: [QueryPhrase(terms: [t("three")])], distance: 10, columns: nil)]),
        ]))
        #expect(try p.parse("b : ^\"Hello World\" + fo*") == .near(
            phrases: [QueryPhrase(terms: [t("hello"), t("world"), t("fo", prefix: true)], initial: true)], distance: 10, columns: [1]))
        #expect(try p.parse("NEAR(a b, 3)", columnFilter: [0]) == .near(
            phrases: [QueryPhrase(terms: [t("a")]), QueryPhrase(terms: [t("b")])], distance: 3, columns: [0]))
        #expect(throws: DatabaseError(.error, "fts5: syntax error near \"\"")) { try p.parse("one AND") }
        #expect(throws: DatabaseError(.error, "unterminated string")) { try p.parse("\"one") }
    }
}
