// This file tests the public FTS5 extension API: tokenizers written in Swift (queries,
// highlight ranges, porter over them, arguments, errors, and an ascii look-alike whose index
// must be byte-identical to sqlite3's ascii tokenizer) and auxiliary functions written in
// Swift (the row context, rank). Spec: Spec/L8-fts5.md §Custom tokenizers and auxiliary functions.
import Foundation
import Testing
import Loom
import LoomTestSupport

/// Comma-separated values, each one lower-cased token.
final class CommaTokenizer: FTS5Tokenizer {
    func tokenize(_ text: String, reason: FTS5TokenizeReason) -> [FTS5Token] {
        var tokens: [FTS5Token] = [], start = 0
        let bytes = Array(text.utf8)
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ",") {
            if i > start {
                tokens.append(FTS5Token(String(decoding: bytes[start..<i], as: UTF8.self).lowercased(), range: start..<i))
            }
            start = i + 1
        }
        return tokens
    }
}

/// Runs of ASCII letters and digits (and non-ASCII bytes), ASCII-lower-cased: FTS5's ascii
/// tokenizer on ASCII text.
final class AsciiLookAlike: FTS5Tokenizer {
    func tokenize(_ text: String, reason: FTS5TokenizeReason) -> [FTS5Token] {
        let bytes = Array(text.utf8)
        var tokens: [FTS5Token] = []
        var i = 0
        func isToken(_ b: UInt8) -> Bool { b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        while i < bytes.count {
            while i < bytes.count, !isToken(bytes[i]) { i += 1 }
            let start = i
            while i < bytes.count, isToken(bytes[i]) { i += 1 }
            if i > start {
                let folded = bytes[start..<i].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                tokens.append(FTS5Token(String(decoding: folded, as: UTF8.self), range: start..<i))
            }
        }
        return tokens
    }
}

@Suite struct CustomExtensionTests {
    @Test func customTokenizer() throws {
        let db = try Database()
        db.register(tokenizer: "comma") { _ in CommaTokenizer() }
        try db.execute("""
            CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'comma');
            INSERT INTO t VALUES ('New York,Paris,Rome'), ('paris,Berlin'), ('new,york');
            """)
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH '\"new york\"'") == [1])
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH 'paris' ORDER BY rowid") == [1, 2])
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH 'new'") == [3])
        #expect(try String.fetchAll(db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'paris' ORDER BY rowid")
                == ["New York,[Paris],Rome", "[paris],Berlin"])
    }

    /// Index-time synonyms: "1st" is indexed at the position of "first".
    @Test(arguments: ["full", "column", "none"]) func colocatedSynonyms(detail: String) throws {
        final class Synonyms: FTS5Tokenizer {
            let inner = AsciiLookAlike()
            func tokenize(_ text: String, reason: FTS5TokenizeReason) -> [FTS5Token] {
                var out: [FTS5Token] = []
                for t in inner.tokenize(text, reason: reason) {
                    out.append(t)
                    if reason == .document && t.text == "first" { out.append(FTS5Token("1st", range: t.range, isColocated: true)) }
                }
                return out
            }
        }
        let db = try Database()
        db.register(tokenizer: "syn") { _ in Synonyms() }
        db.register(fts5Function: "sizes") { c, _ in "\(try c.columnSize(0)) \(try c.instances().map(\.offset))" }
        try db.execute("""
            CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'syn', detail = \(detail));
            INSERT INTO t VALUES ('the first place'), ('1st place'), ('a second place');
            """)
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH '1st' ORDER BY rowid") == [1, 2])
        #expect(try String.fetchAll(db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH '1st' ORDER BY rowid")
                == ["the [first] place", "[1st] place"])
        #expect(try String.fetchAll(db, sql: "SELECT sizes(t) FROM t WHERE t MATCH 'place OR 1st' ORDER BY rowid")
                == ["3 [1, 2]", "2 [0, 1]", "3 [2]"])
        if detail == "full" {
            #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH '\"1st place\"' ORDER BY rowid") == [1, 2])
        }
        try db.execute("DELETE FROM t WHERE rowid = 1")
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH '1st'") == [2])
        try db.execute("INSERT INTO t(t) VALUES ('integrity-check')")
    }

    /// Query-time synonyms (fts5.html §Synonym Support, method 2): a colocated query token is
    /// ORed with the token before it, the phrase keeps its size, and a prefix token has only
    /// the synonyms the tokenizer gives for the prefix itself.
    @Test(arguments: ["full", "column", "none"]) func queryTimeSynonyms(detail: String) throws {
        final class QuerySynonyms: FTS5Tokenizer {
            let inner = AsciiLookAlike()
            static let pairs = ["first": "1st", "1st": "first", "second": "2nd", "2nd": "second"]
            func tokenize(_ text: String, reason: FTS5TokenizeReason) -> [FTS5Token] {
                var out: [FTS5Token] = []
                for t in inner.tokenize(text, reason: reason) {
                    out.append(t)
                    if reason != .document, let s = Self.pairs[t.text] { out.append(FTS5Token(s, range: t.range, isColocated: true)) }
                }
                return out
            }
        }
        let db = try Database()
        db.register(tokenizer: "qsyn") { _ in QuerySynonyms() }
        db.register(fts5Function: "shape") { c, _ in
            "\(c.phraseCount):\((0..<c.phraseCount).map { c.phraseSize($0) }):\(try c.instances().map { "\($0.phrase)@\($0.offset)" })"
        }
        try db.execute("""
            CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'qsyn', detail = \(detail));
            INSERT INTO t VALUES ('the first place'), ('1st place'), ('a second place'), ('place first'), ('firsthand 1stly');
            """)
        func rows(_ q: String) throws -> [Int] {
            try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", arguments: [q])
        }
        #expect(try rows("first") == [1, 2, 4])
        #expect(try rows("1st") == [1, 2, 4])
        #expect(try rows("2nd OR first") == [1, 2, 3, 4])
        #expect(try rows("place NOT 1st") == [3])
        #expect(try rows("first AND place") == [1, 2, 4])
        // Prefixes: "fir" and "1s" have no synonyms, so each finds its own spelling only.
        #expect(try rows("fir*") == [1, 4, 5])
        #expect(try rows("1s*") == [2, 5])
        // The colocated token stays one term: one phrase of one token.
        #expect(try String.fetchAll(db, sql: "SELECT shape(t) FROM t WHERE t MATCH '1st' ORDER BY rowid")
                == ["1:[1]:[\"0@1\"]", "1:[1]:[\"0@0\"]", "1:[1]:[\"0@1\"]"])
        #expect(try String.fetchAll(db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'first' ORDER BY rowid")
                == ["the [first] place", "[1st] place", "place [first]"])
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH 'first' ORDER BY rank, rowid").count == 3)
        if detail == "full" {
            #expect(try rows("\"first place\"") == [1, 2])
            #expect(try rows("\"1st place\"") == [1, 2])
            #expect(try rows("\"place first\"") == [4])
            #expect(try rows("first + place") == [1, 2])
            #expect(try rows("NEAR(second place, 1)") == [3])
            #expect(try rows("^1st") == [2])
            #expect(try String.fetchAll(db, sql: "SELECT shape(t) FROM t WHERE t MATCH '\"first place\"' ORDER BY rowid")
                    == ["1:[2]:[\"0@1\"]", "1:[2]:[\"0@0\"]"])
            #expect(try String.fetchAll(db, sql: "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH '\"1st place\"' ORDER BY rowid")
                    == ["the [first place]", "[1st place]"])
        }
        try db.execute("INSERT INTO t(t) VALUES ('integrity-check')")
    }

    @Test func customTokenizerAcrossConnections() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("c.db")
        do {
            let db = try Database(path: path)
            db.register(tokenizer: "comma") { _ in CommaTokenizer() }
            try db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'comma'); INSERT INTO t VALUES ('a b,c')")
        }
        // Another connection needs the tokenizer registered too.
        let db = try Database(path: path)
        #expect(throws: DatabaseError.self) { _ = try Row.fetchAll(db, sql: "SELECT * FROM t WHERE t MATCH 'c'") }
        let db2 = try Database(path: path)
        db2.register(tokenizer: "comma") { _ in CommaTokenizer() }
        #expect(try String.fetchAll(db2, sql: "SELECT x FROM t WHERE t MATCH '\"a b\"'") == ["a b,c"])
    }

    @Test func porterOverCustomAndArguments() throws {
        let db = try Database()
        let seen = LockedStrings()
        db.register(tokenizer: "comma") { args in
            seen.append(args.joined(separator: " "))
            if args.first == "bad" { throw DatabaseError(.error, "bad option") }
            return CommaTokenizer()
        }
        try db.execute("""
            CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter comma opt1 "two words"');
            INSERT INTO t VALUES ('running,jumps');
            """)
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH 'run AND jump'") == [1])
        #expect(seen.values.contains("opt1 two words"))
        #expect(throws: DatabaseError.self) { try db.execute("CREATE VIRTUAL TABLE u USING fts5(x, tokenize = 'comma bad')") }
        do {
            try db.execute("CREATE VIRTUAL TABLE v USING fts5(x, tokenize = 'nosuch')")
            Issue.record("no error")
        } catch let e as DatabaseError {
            #expect(e.message.contains("no such tokenizer: nosuch"))
        }
        // fts5vocab reads a table made with a custom tokenizer.
        try db.execute("CREATE VIRTUAL TABLE w USING fts5vocab(t, row)")
        #expect(try String.fetchAll(db, sql: "SELECT term FROM w ORDER BY term") == ["jump", "run"])
    }

    /// A Swift tokenizer producing the ascii tokenizer's tokens builds the same index bytes
    /// as sqlite3 with `tokenize = 'ascii'`.
    @Test(.enabled(if: Oracle.isAvailable)) func lookAlikeIndexMatchesSQLite() throws {
        let rows = ["Hello World, hello again", "The quick brown fox", "Fox and HOUND 42", "again and again and AGAIN"]
        let inserts = "BEGIN;\n" + rows.map { "INSERT INTO t(x) VALUES ('\($0)');" }.joined(separator: "\n") + "\nCOMMIT;"
        let dump = "SELECT id, quote(block) FROM t_data ORDER BY id;"
        let out = try Oracle.run([":memory:"], input: "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'ascii');\n" + inserts + "\n" + dump)
        let want = out.stdout.split(separator: "\n").map(String.init)
        let db = try Database()
        db.register(tokenizer: "lookalike") { _ in AsciiLookAlike() }
        try db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'lookalike');\n" + inserts)
        let got = try Row.fetchAll(db, sql: dump).map { row in
            "\(try row[0] as Int64? ?? 0)|\(try row[1] as String? ?? "")"
        }
        #expect(got == want)
    }

    @Test func auxiliaryFunction() throws {
        let db = try Database()
        db.register(fts5Function: "info") { c, args in
            let inst = try c.instances().map { "\($0.phrase):\($0.column):\($0.offset)" }.joined(separator: ",")
            return "\(c.phraseCount) \(c.columnCount) \(try c.columnSize(0)) \(try c.columnSize(-1)) "
                + "\(try c.rowCount()) \(try c.columnTotalSize(1)) \(c.phraseSize(0)) [\(inst)] "
                + "\(try c.columnText(1) ?? "-") \(args.map { $0.textRepresentation ?? "null" })"
        }
        db.register(fts5Function: "hits") { c, _ in try c.instances().count }
        try db.execute("""
            CREATE VIRTUAL TABLE t USING fts5(a, b);
            INSERT INTO t VALUES ('one two three', 'two two'), ('four', 'five six two');
            """)
        let info = try String.fetchAll(db, sql: "SELECT info(t, 7, 'x') FROM t WHERE t MATCH '\"two three\" OR b:two' ORDER BY rowid")
        #expect(info == ["2 2 3 5 2 5 2 [0:0:1,1:1:0,1:1:1] two two [\"7\", \"x\"]",
                         "2 2 1 4 2 5 2 [1:1:2] five six two [\"7\", \"x\"]"])
        // As a rank function: ORDER BY rank uses it.
        #expect(try Int.fetchAll(db, sql: "SELECT rowid FROM t WHERE t MATCH 'two' AND rank MATCH 'hits()' ORDER BY rank")
                == [2, 1])
        #expect(try Int.fetchAll(db, sql: "SELECT hits(t) FROM t WHERE t MATCH 'two' ORDER BY rowid") == [3, 1])
        // Without MATCH: no phrases, no instances.
        #expect(try Int.fetchAll(db, sql: "SELECT hits(t) FROM t") == [0, 0])
        // Errors thrown by the function reach the statement.
        db.register(fts5Function: "fails") { _, _ in throw DatabaseError(.error, "custom failure") }
        do {
            _ = try Row.fetchAll(db, sql: "SELECT fails(t) FROM t")
            Issue.record("no error")
        } catch let e as DatabaseError {
            #expect(e.message == "custom failure")
        }
        // Not on an fts5 table's column.
        try db.execute("CREATE TABLE plain(x); INSERT INTO plain VALUES (1)")
        #expect(throws: DatabaseError.self) { _ = try Row.fetchAll(db, sql: "SELECT hits(x) FROM plain") }
    }
}

/// Strings collected from a tokenizer factory (called on the test's thread).
final class LockedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
