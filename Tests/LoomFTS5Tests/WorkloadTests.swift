// This file tests the query read path (postings, segment scans, evaluation of AND/OR/NOT/
// NEAR/phrases/prefixes with instance attribution for bm25 and highlight) on a generated
// multi-segment workload against sqlite3. Spec: Spec/L8-fts5.md §Queries, §Index.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

@Suite struct WorkloadTests {
    /// Documents over a small vocabulary (skewed, so doclists span pages with pgsz 256).
    static func documents(_ n: Int, seed: UInt64) -> [(Int, String, String)] {
        var rng = SeededRNG(seed: seed)
        let vocab = (0..<60).map { "w\($0)" } + ["alpha", "beta", "gamma", "delta", "running", "runner", "searches"]
        func word() -> String {
            let r = Int(rng.next() % 1000)
            return vocab[r < 500 ? r % 8 : r % vocab.count]
        }
        return (1...n).map { i in
            let title = (0..<(1 + Int(rng.next() % 3))).map { _ in word() }.joined(separator: " ")
            let body = (0..<(3 + Int(rng.next() % 12))).map { _ in word() }.joined(separator: " ") + "."
            return (i, title, body)
        }
    }

    static let queries: [String] = [
        "w1", "w3 w5", "\"w1 w2\"", "w1 OR alpha", "w1 NOT w2", "(w1 OR beta) AND w4", "alpha OR (w1 AND gamma)",
        "w2 NOT (w3 OR w4)", "NEAR(w1 w2, 2)", "NEAR(alpha w1)", "title:w1", "{title}:w2 OR body:alpha", "w*", "run*",
        "^w1", "w1 w1", "\"w0 w0\" OR delta", "- title : w5",
    ]

    @Test func generatedWorkloadMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5w")
        defer { tmp.cleanup() }
        var setup = ["CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61')",
                     "INSERT INTO t(t, rank) VALUES('pgsz', 256)"]
        let docs = Self.documents(600, seed: 42)
        for chunk in stride(from: 0, to: docs.count, by: 150) {
            setup.append("BEGIN")
            for (i, a, b) in docs[chunk..<min(chunk + 150, docs.count)] {
                setup.append("INSERT INTO t(rowid, title, body) VALUES(\(i), '\(a)', '\(b)')")
            }
            setup.append("COMMIT")
            setup.append("DELETE FROM t WHERE rowid % 11 = \(chunk % 11)")
            setup.append("UPDATE t SET body = body || ' alpha' WHERE rowid % 13 = 0")
        }
        var statements: [String] = []
        for q in Self.queries {
            statements.append("SELECT count(*), sum(rowid) FROM t WHERE t MATCH '\(q)'")
            statements.append("SELECT rowid, printf('%.6f', bm25(t)), printf('%.6f', bm25(t, 2.0, 0.5)) FROM t WHERE t MATCH '\(q)' ORDER BY rank, rowid LIMIT 12")
            statements.append("SELECT rowid, highlight(t, 0, '[', ']'), highlight(t, 1, '<', '>') FROM t WHERE t MATCH '\(q)' ORDER BY rowid DESC LIMIT 6")
        }
        let db = try Database()
        for s in setup { try db.execute(s) }
        let mine = loomRun(db, statements)
        let theirs = try sqliteRun(tmp.file("w.db"), setup + statements).suffix(statements.count)
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            #expect(a == b, "\(statements[i])")
        }
    }

    /// The postings read path agrees with the whole-segment reader on a multi-segment index
    /// with delete markers and long doclists.
    @Test func postingsAgreeWithSegmentReader() throws {
        let store = MemoryIndexStore()
        let core = try FTS5Core(config: try FTS5Config(name: "t", arguments: ["a", "b", "prefix='1 2'"]), store: store)
        core.index.settings.pageSize = 128
        core.index.settings.automerge = 8
        let docs = Self.documents(400, seed: 9)
        for (k, (i, a, b)) in docs.enumerated() {
            try core.insert(rowid: Int64(i), values: [Array(a.utf8), Array(b.utf8)])
            if k % 37 == 0 { try core.flush() }
            if k % 5 == 0, k > 10 {
                let (j, x, y) = docs[k - 7]
                try core.delete(rowid: Int64(j), values: [Array(x.utf8), Array(y.utf8)])
            }
        }
        try core.flush()
        #expect(try core.index.structure().segmentCount > 1)
        for (term, prefix) in [("w1", false), ("alpha", false), ("w", true), ("w1", true), ("nosuch", false), ("run", true)] {
            let key = [0x30] + Array(term.utf8)
            let a = try core.index.postings(key, prefix: prefix).dictionary
            let b = try core.index.lookup(key, prefix: prefix)
            let differing = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
            #expect(differing.isEmpty, "\(term) prefix=\(prefix): rows \(differing.prefix(5)) differ")
        }
        // Prefix index terms too.
        let p = try core.index.postings([0x31] + Array("w".utf8), prefix: false).dictionary
        let q = try core.index.lookup([0x31] + Array("w".utf8), prefix: false)
        #expect(p.count == q.count && p == q)
    }
}
