// This file tests the FTS5 on-disk format at its own level: an index Loom writes (into an
// in-memory store, then copied into sqlite3's shadow tables) passes sqlite3's integrity-check,
// and an index sqlite3 writes reads back term for term. Spec: Spec/L8-fts5.md §On-disk format.
import Foundation
import Testing
@testable import LoomFTS5
import LoomTestSupport

func hex(_ b: [UInt8]) -> String {
    let d = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for x in b { out.append(d[Int(x >> 4)]); out.append(d[Int(x & 15)]) }
    return String(decoding: out, as: UTF8.self)
}

func unhex(_ s: Substring) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.utf8.makeIterator()
    func nib(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x41 + 10 }
    while let a = it.next(), let b = it.next() { out.append(nib(a) << 4 | nib(b)) }
    return out
}

func sqlQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

/// A seeded corpus: rows of words drawn from a small vocabulary (some very common).
func corpus(rows: Int, seed: UInt64, columns: Int = 2) -> [(Int64, [String])] {
    var rng = SeededRNG(seed: seed)
    let vocab = (0..<300).map { "w\($0)" } + ["common", "running", "runs", "ran", "Ünïcode", "naïve", "straße"]
    var out: [(Int64, [String])] = []
    for r in 0..<rows {
        var cols: [String] = []
        for _ in 0..<columns {
            let n = Int.random(in: 0...12, using: &rng)
            cols.append((0..<n).map { _ in Int.random(in: 0..<10, using: &rng) == 0 ? "common" : vocab.randomElement(using: &rng) ?? "x" }.joined(separator: " "))
        }
        out.append((Int64(r * 3 + 1), cols))
    }
    return out
}

/// SQL that replaces the shadow tables of `t` with what `store` holds plus content/docsize rows.
func shadowSQL(_ store: MemoryIndexStore, content: [(Int64, [String])], docsize: [Int64: [Int]]) -> String {
    var sql = "DELETE FROM t_data; DELETE FROM t_idx; DELETE FROM t_content; DELETE FROM t_docsize;\n"
    for (id, b) in store.blocks.sorted(by: { $0.key < $1.key }) { sql += "INSERT INTO t_data VALUES(\(id), X'\(hex(b))');\n" }
    for (seg, rows) in store.idx { for (term, pg) in rows { sql += "INSERT INTO t_idx VALUES(\(seg), X'\(hex(term))', \(pg));\n" } }
    for (r, cols) in content { sql += "INSERT INTO t_content VALUES(\(r), " + cols.map(sqlQuote).joined(separator: ", ") + ");\n" }
    for (r, sz) in docsize { sql += "INSERT INTO t_docsize VALUES(\(r), X'\(hex(encodeDocsize(sz)))');\n" }
    return sql
}

@Suite struct FormatTests {
    @Test func structureRecordRoundTrips() throws {
        var s = Structure()
        s.cookie = 7
        s.writeCounter = 19
        s.levels = [Structure.Level(mergeInputs: 0, segments: [.init(id: 1, firstPage: 1, lastPage: 1), .init(id: 2, firstPage: 1, lastPage: 1)])]
        // Bytes sqlite3 wrote for the same structure (cookie aside).
        #expect(hex(Array(s.encoded().dropFirst(4))) == "0102130002010101020101")
        #expect(try Structure(decoding: s.encoded()) == s)
        #expect(throws: (any Error).self) { try Structure(decoding: [0, 0, 0, 0, 1, 5, 0]) }
    }

    @Test func leafMatchesSQLiteBytes() throws {
        // sqlite3: CREATE VIRTUAL TABLE t USING fts5(a,b); INSERT INTO t VALUES('hello world','foo bar hello');
        let core = try FTS5Core(config: try FTS5Config(name: "t", arguments: ["a", "b"]), store: MemoryIndexStore())
        try core.insert(rowid: 1, values: [Array("hello world".utf8), Array("foo bar hello".utf8)])
        try core.flush()
        let store = core.index.store as! MemoryIndexStore
        #expect(hex(store.blocks[DataID.leaf(segment: 1, page: 1)] ?? []) ==
                "0000002F043062617201060101030103666F6F0106010102010568656C6C6F0108020101040105776F726C64010203040A0A0D")
        #expect(hex(store.blocks[DataID.averages] ?? []) == "010203")
    }

    /// Loom writes the index of a few thousand rows over many flushes (merges included);
    /// sqlite3's integrity-check accepts it and answers queries from it.
    @Test(arguments: [(4050, false), (200, false), (300, true)])
    func loomIndexPassesSQLiteIntegrityCheck(pageSize: Int, prefixes: Bool) throws {
        guard Oracle.isAvailable else { return }
        let args = ["a", "b"] + (prefixes ? ["prefix='1 3'"] : [])
        let store = MemoryIndexStore()
        let core = try FTS5Core(config: try FTS5Config(name: "t", arguments: args), store: store)
        core.index.settings.pageSize = pageSize
        let rows = corpus(rows: 600, seed: 42)
        var live: [Int64: [String]] = [:]
        var docsize: [Int64: [Int]] = [:]
        for (k, (r, cols)) in rows.enumerated() {
            docsize[r] = try core.insert(rowid: r, values: cols.map { Array($0.utf8) })
            live[r] = cols
            if k % 37 == 36 { try core.flush() }
        }
        try core.flush()
        // Deletes and updates across later flushes.
        for (k, (r, cols)) in rows.enumerated() where k % 5 == 0 {
            try core.delete(rowid: r, values: cols.map { Array($0.utf8) })
            live[r] = nil
            docsize[r] = nil
            if k % 3 == 0 {
                let new = ["common replaced \(k)", cols[0]]
                docsize[r] = try core.insert(rowid: r, values: new.map { Array($0.utf8) })
                live[r] = new
            }
            if k % 50 == 0 { try core.flush() }
        }
        try core.flush()
        let s = try core.index.structure()
        #expect(s.segmentCount >= 1)
        let tmp = try TemporaryDirectory("fts5")
        defer { tmp.cleanup() }
        let db = tmp.file("t.db")
        var sql = "CREATE VIRTUAL TABLE t USING fts5(\(args.joined(separator: ", ")));\n"
        if pageSize != 4050 { sql += "INSERT INTO t(t, rank) VALUES('pgsz', \(pageSize));\n" }
        sql += "BEGIN;\n" + shadowSQL(store, content: live.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, docsize: docsize)
        sql += "COMMIT;\n"
        // A fresh connection: the one that wrote the shadow tables caches the old structure.
        let setup = try Oracle.run([db], input: sql)
        #expect(setup.stderr == "")
        sql = "INSERT INTO t(t) VALUES('integrity-check');\n"
        sql += "SELECT count(*) FROM t WHERE t MATCH 'common';\nSELECT count(*) FROM t WHERE t MATCH 'w1*';\n"
        sql += "SELECT group_concat(rowid) FROM t WHERE t MATCH 'replaced';\n"
        if let dump = ProcessInfo.processInfo.environment["FTS5_DUMP"] { try sql.write(toFile: dump + "-\(pageSize).sql", atomically: true, encoding: .utf8) }
        let out = try Oracle.run([db], input: sql)
        #expect(out.stderr == "")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let common = live.values.filter { $0.joined(separator: " ").split(separator: " ").contains("common") }.count
        let w1 = live.values.filter { $0.joined(separator: " ").split(separator: " ").contains { $0.hasPrefix("w1") } }.count
        #expect(lines.first == String(common))
        #expect(lines.dropFirst().first == String(w1))
        // And Loom's own reader agrees.
        #expect(try core.index.lookup([0x30] + Array("common".utf8), prefix: false).count == common)
        #expect(try core.index.lookup([0x30] + Array("w1".utf8), prefix: true).count == w1)
    }

    /// sqlite3 writes an index (several transactions, deletes, a long doclist); Loom reads
    /// every (term, row, column, offset) sqlite3's fts5vocab reports.
    @Test(arguments: [0, 1])
    func sqliteIndexReadsBack(variant: Int) throws {
        guard Oracle.isAvailable else { return }
        let tmp = try TemporaryDirectory("fts5")
        defer { tmp.cleanup() }
        let db = tmp.file("s.db")
        let rows = corpus(rows: 900, seed: 7)
        var sql = "CREATE VIRTUAL TABLE t USING fts5(a, b\(variant == 1 ? ", prefix='2'" : ""));\n"
        if variant == 1 { sql += "INSERT INTO t(t, rank) VALUES('pgsz', 128);\n" }
        for chunk in stride(from: 0, to: rows.count, by: 40) {
            sql += "BEGIN;\n"
            for (r, cols) in rows[chunk..<min(chunk + 40, rows.count)] {
                sql += "INSERT INTO t(rowid, a, b) VALUES(\(r), \(sqlQuote(cols[0])), \(sqlQuote(cols[1])));\n"
            }
            sql += "DELETE FROM t WHERE rowid % 7 = 0 AND rowid > \(chunk);\nCOMMIT;\n"
        }
        sql += "CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');\n"
        sql += ".print DATA\nSELECT id, hex(block) FROM t_data;\n.print IDX\nSELECT segid, hex(term), pgno FROM t_idx;\n"
        sql += ".print VOCAB\nSELECT hex(term), doc, col, offset FROM v ORDER BY term, doc, col, offset;\n"
        let out = try Oracle.run([db], input: sql)
        #expect(out.stderr == "")
        let store = MemoryIndexStore()
        var section = ""
        var expected: [String] = []
        for line in out.stdout.split(separator: "\n") {
            if line == "DATA" || line == "IDX" || line == "VOCAB" { section = String(line); continue }
            let f = line.split(separator: "|", omittingEmptySubsequences: false)
            switch section {
            case "DATA": if let id = Int64(f[0]) { store.blocks[id] = unhex(f[1]) }
            case "IDX": if let seg = Int(f[0]), let pg = Int64(f[2]) { try store.putIdx(segment: seg, term: unhex(f[1]), pgno: pg) }
            default: expected.append(String(line))
            }
        }
        let core = try FTS5Core(config: try FTS5Config(name: "t", arguments: ["a", "b"]), store: store)
        #expect(try core.index.structure().segmentCount >= 1)
        var mine: [String] = []
        for t in try core.index.allEntries() where t.term.first == 0x30 {
            for e in t.entries {
                for p in try decodePoslist(e.poslist) {
                    mine.append("\(hex(Array(t.term.dropFirst())))|\(e.rowid)|\(["a", "b"][p.column])|\(p.offset)")
                }
            }
        }
        #expect(mine.count == expected.count)
        #expect(mine == expected)
        // Point lookups go through %_idx.
        let common = try core.index.lookup([0x30] + Array("common".utf8), prefix: false)
        #expect(common.count == Set(expected.filter { $0.hasPrefix(hex(Array("common".utf8)) + "|") }.map { $0.split(separator: "|")[1] }).count)
    }
}
