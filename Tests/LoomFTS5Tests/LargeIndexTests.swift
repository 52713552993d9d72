// This file tests large FTS5 indexes against sqlite3: small pages so doclists span many
// leaves (doclist indexes), many segments and levels (automerge, crisismerge, 'merge',
// 'optimize', usermerge), SQLite's incremental-merge shapes read and extended by Loom, and
// Loom's files checked by sqlite3's integrity-check. Spec: Spec/L8-fts5.md §On-disk format.
import Foundation
import Testing
import Loom
@testable import LoomFTS5
import LoomTestSupport

@Suite struct LargeIndexTests {
    /// Skewed documents over 120 words: a few doclists reach hundreds of 64-byte pages.
    static func workload(docs: Int, perTransaction: Int, seed: UInt64, settings: [String]) -> [String] {
        var rng = SeededRNG(seed: seed)
        func word() -> String {
            let r = Int(rng.next() % 1000)
            return "w\(r < 600 ? r % 6 : r % 120)"
        }
        var out = ["CREATE VIRTUAL TABLE t USING fts5(a, b, prefix='1')", "INSERT INTO t(t, rank) VALUES('pgsz', 64)"]
        out += settings
        var i = 1
        while i <= docs {
            out.append("BEGIN")
            for _ in 0..<perTransaction where i <= docs {
                let a = (0..<(2 + Int(rng.next() % 6))).map { _ in word() }.joined(separator: " ")
                // Every 500th document is long: its position lists span pages.
                let b = i % 500 == 0 ? Array(repeating: "w0 w1", count: 80).joined(separator: " ") : word()
                out.append("INSERT INTO t(rowid, a, b) VALUES(\(i), '\(a)', '\(b)')")
                i += 1
            }
            out.append("COMMIT")
            if i % 700 < perTransaction { out.append("DELETE FROM t WHERE rowid % 37 = \(i % 37)") }
        }
        return out
    }

    static let queries = [
        "SELECT count(*), sum(rowid) FROM t('w0')", "SELECT count(*), sum(rowid) FROM t('w1 w2')",
        "SELECT count(*), sum(rowid) FROM t('w3 OR w100')", "SELECT count(*), sum(rowid) FROM t('w1*')",
        "SELECT count(*), sum(rowid) FROM t('\"w0 w1\"')", "SELECT rowid FROM t('w0') WHERE rowid = 1500",
        "SELECT rowid FROM t('w2') ORDER BY rowid DESC LIMIT 3",
        "SELECT rowid, printf('%.5f', bm25(t)) FROM t('w4 w50') ORDER BY rank, rowid LIMIT 4",
    ]
    static let check = "INSERT INTO t(t) VALUES('integrity-check')"

    static func segmentShape(_ db: Database) throws -> (segments: Int, levels: Int, dlidx: Int) {
        let rows = loomRun(db, ["SELECT hex(block) FROM t_data WHERE id = 10",
                                "SELECT count(*) FROM t_data WHERE id & (1 << 36)"])
        var bytes: [UInt8] = []
        let hex = Array(rows[0].first ?? "")
        var k = 0
        while k + 1 < hex.count { bytes.append(UInt8(String(hex[k...k + 1]), radix: 16) ?? 0); k += 2 }
        let s = try Structure(decoding: bytes)
        return (s.segmentCount, s.levels.count, Int(rows[1].first ?? "0") ?? 0)
    }

    /// Loom writes many segments with automerge, then 'merge' and 'optimize'; sqlite3 checks
    /// each stage and answers the same queries.
    @Test func loomWrittenLargeIndexPassesSQLite() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5l")
        defer { tmp.cleanup() }
        let path = tmp.file("l.db")
        let setup = Self.workload(docs: 1500, perTransaction: 50, seed: 3,
                                  settings: ["INSERT INTO t(t, rank) VALUES('automerge', 3)",
                                             "INSERT INTO t(t, rank) VALUES('usermerge', 2)"])
        let db = try Database(path: path)
        for s in setup { try db.execute(s) }
        let shape = try Self.segmentShape(db)
        #expect(shape.segments > 1)
        #expect(shape.levels > 1)
        #expect(shape.dlidx > 0)
        let expected = try sqliteRun(tmp.file("s.db"), setup + Self.queries).suffix(Self.queries.count)
        for stage in ["", "INSERT INTO t(t, rank) VALUES('merge', 100)", "INSERT INTO t(t) VALUES('optimize')"] {
            if !stage.isEmpty { try db.execute(stage) }
            try db.execute(Self.check)
            #expect(loomRun(db, Self.queries) == Array(expected), "\(stage)")
            let theirs = try sqliteRun(path, [Self.check] + Self.queries)
            #expect(theirs[0] == [], "\(stage)")
            #expect(Array(theirs.dropFirst()) == Array(expected), "\(stage)")
        }
        #expect(try Self.segmentShape(db).segments == 1)
    }

    /// sqlite3 writes with crisismerge and incremental merges left half done; Loom reads the
    /// same answers, writes, merges, and sqlite3 still accepts the file.
    @Test func sqliteWrittenLargeIndexAnswersAndExtendsInLoom() throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5l")
        defer { tmp.cleanup() }
        let path = tmp.file("s.db")
        let setup = Self.workload(docs: 1500, perTransaction: 30, seed: 4,
                                  settings: ["INSERT INTO t(t, rank) VALUES('automerge', 0)",
                                             "INSERT INTO t(t, rank) VALUES('crisismerge', 5)"])
            + ["INSERT INTO t(t, rank) VALUES('usermerge', 2)", "INSERT INTO t(t, rank) VALUES('merge', 20)"]
        _ = try sqliteRun(path, setup)
        let theirs = try sqliteRun(path, Self.queries)
        let db = try Database(path: path)
        #expect(loomRun(db, Self.queries) == theirs)
        try db.execute(Self.check)
        for i in 0..<10 {
            try db.execute("BEGIN")
            for k in 0..<30 { try db.execute("INSERT INTO t(rowid, a, b) VALUES(\(10000 + i * 30 + k), 'w0 w\(k) w\(i)', 'w2')") }
            try db.execute("COMMIT")
        }
        try db.execute("DELETE FROM t WHERE rowid % 41 = 5")
        try db.execute("INSERT INTO t(t, rank) VALUES('merge', 50)")
        try db.execute(Self.check)
        let after = try sqliteRun(path, [Self.check] + Self.queries)
        #expect(after[0] == [])
        #expect(loomRun(db, Self.queries) == Array(after.dropFirst()))
    }
}
