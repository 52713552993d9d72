// This file tests the FTS5 tokenizers (unicode61, ascii, porter, trigram) against sqlite3's
// fts5vocab output on the same text. Spec: Spec/L8-fts5.md §Tokenizers.
import Foundation
import Testing
@testable import LoomFTS5
import LoomTestSupport

/// Tokens sqlite3 produces for each document (rowid order), using fts5vocab 'instance'.
func sqliteTokens(_ tokenize: String, _ docs: [String]) throws -> [[String]] {
    var sql = "CREATE VIRTUAL TABLE t USING fts5(x, tokenize=\"\(tokenize)\");\nBEGIN;\n"
    for (i, d) in docs.enumerated() {
        sql += "INSERT INTO t(rowid, x) VALUES(\(i + 1), '\(d.replacingOccurrences(of: "'", with: "''"))');\n"
    }
    sql += "COMMIT;\nCREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');\n"
    sql += "SELECT doc || char(9) || hex(term) FROM v ORDER BY doc, offset;\n"
    let out = try Oracle.run([":memory:"], input: sql)
    #expect(out.stderr == "")
    var result = Array(repeating: [String](), count: docs.count)
    for line in out.stdout.split(separator: "\n") {
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard parts.count == 2, let doc = Int(parts[0]), doc >= 1, doc <= docs.count else { continue }
        result[doc - 1].append(String(hexDecoding: String(parts[1])))
    }
    return result
}

extension String {
    init(hexDecoding h: String) {
        var bytes: [UInt8] = []
        var it = h.utf8.makeIterator()
        func nib(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x41 + 10 }
        while let a = it.next(), let b = it.next() { bytes.append(nib(a) << 4 | nib(b)) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

func loomTokens(_ tokenize: String, _ docs: [String]) throws -> [[String]] {
    let t = try makeTokenizer(try splitTokenizeSpec(tokenize))
    return docs.map { t.tokens($0).map(\.text) }
}

/// English prose from SQLite's documentation (words for the stemmer).
func docCorpus(limit: Int = 60_000) -> [String] {
    var docs: [String] = []
    for name in ["fts5.html", "lang_select.html", "datatype3.html", "lang_createtable.html"] {
        guard let html = try? String(contentsOfFile: "/usr/share/doc/sqlite3/" + name, encoding: .utf8) else { continue }
        var text = html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        text = String(text.prefix(limit))
        var chunk = ""
        for line in text.split(separator: "\n") {
            chunk += line + " "
            if chunk.utf8.count > 2000 { docs.append(chunk); chunk = "" }
        }
        if !chunk.isEmpty { docs.append(chunk) }
    }
    return docs
}

@Suite struct TokenizerTests {
    static let unicodeSamples = [
        "Hello, World! Ünïcödé façade naïve CAFÉ Straße İstanbul ǅungla",
        "cafe\u{301} a\u{301}\u{301}b \u{301}abc ộ ø Æsir œuvre Łódź",
        "ΑΛΦΑ βήτα Привет МИР 你好世界 こんにちは 한국어 عربى",
        "x_y x-y don't 3.14 1,000 #hash @at ~tilde emoji😀here \u{10400}DESERET",
        "tab\tnew\nline\nnbsp\u{A0}sep zero\u{200B}width ideo\u{3000}space",
    ]

    @Test(arguments: ["unicode61", "unicode61 remove_diacritics 0", "unicode61 remove_diacritics 2",
                      "unicode61 tokenchars '-_'", "unicode61 separators 'xe'",
                      "unicode61 categories 'L* N* Co Mn'", "unicode61 categories 'Lu Nd'",
                      "ascii", "ascii separators 'o' tokenchars '-'", "trigram", "trigram case_sensitive 1"])
    func matchesSQLite(_ spec: String) throws {
        guard Oracle.isAvailable else { return }
        let docs = Self.unicodeSamples
        let mine = try loomTokens(spec, docs), theirs = try sqliteTokens(spec, docs)
        for (a, b) in zip(mine, theirs) { #expect(a == b) }
    }

    @Test func porterMatchesSQLiteOnDocumentation() throws {
        guard Oracle.isAvailable else { return }
        let docs = docCorpus()
        let mine = try loomTokens("porter unicode61", docs)
        let theirs = try sqliteTokens("porter unicode61", docs)
        var mismatches: [String] = []
        for (a, b) in zip(mine, theirs) where a != b {
            for (x, y) in zip(a, b) where x != y { mismatches.append("\(x) vs \(y)") }
        }
        #expect(mismatches.prefix(20).isEmpty, "\(Set(mismatches).prefix(40))")
        #expect(mine.count == theirs.count)
    }

    @Test func porterClassicExamples() {
        let cases = ["caresses": "caress", "ponies": "poni", "cats": "cat", "feed": "feed", "agreed": "agre",
                     "plastered": "plaster", "motoring": "motor", "sing": "sing", "conflated": "conflat",
                     "hopping": "hop", "falling": "fall", "filing": "file", "happy": "happi",
                     "relational": "relat", "generalization": "gener", "electrical": "electr",
                     "adjustable": "adjust", "controlling": "control", "roll": "roll"]
        for (w, s) in cases {
            #expect(String(decoding: PorterStemmer.stem(Array(w.utf8)), as: UTF8.self) == s, "\(w)")
        }
    }

    /// Code points in the BMP's first blocks and a sample beyond, one per document.
    @Test func codePointSweepMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        var cps: [UInt32] = Array(0x20..<0x2500)
        cps += stride(from: 0x2500, to: 0x30000, by: 97).map { UInt32($0) }
        let scalars = cps.compactMap { Unicode.Scalar($0) }.filter { $0 != "'" }
        for rd in ["0", "1", "2"] {
            let spec = "unicode61 remove_diacritics \(rd)"
            let docs = scalars.map { "q\(String($0))q" }
            let mine = try loomTokens(spec, docs)
            let theirs = try sqliteTokens(spec, docs)
            var bad: [String] = []
            for (i, s) in scalars.enumerated() where mine[i] != theirs[i] {
                bad.append(String(s.value, radix: 16) + ": \(mine[i]) vs \(theirs[i])")
            }
            #expect(bad.isEmpty, "rd=\(rd): \(bad.prefix(20))")
        }
    }

    @Test func specSplitting() throws {
        #expect(try splitTokenizeSpec("porter unicode61 remove_diacritics 1") == ["porter", "unicode61", "remove_diacritics", "1"])
        #expect(try splitTokenizeSpec("unicode61 tokenchars '-_'") == ["unicode61", "tokenchars", "-_"])
        #expect(try splitTokenizeSpec("'porter' 'ascii'") == ["porter", "ascii"])
        #expect(throws: (any Error).self) { try makeTokenizer(["nosuch"]) }
        #expect(throws: (any Error).self) { try makeTokenizer(["unicode61", "remove_diacritics", "3"]) }
    }
}
