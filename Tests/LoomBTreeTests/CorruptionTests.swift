// This file feeds the B-tree damaged database files: every damage must surface as a thrown
// error (or be tolerated), never a trap. Layer: L3 tests. Spec: Spec/L3-btree.md (P1, K7).
import Testing
import Foundation
import LoomBase
import LoomPager
import LoomRecord
import LoomTestSupport
import LoomVFS
@testable import LoomBTree

@Suite struct CorruptionTests {
    /// Exercises every read and write path over a (possibly damaged) file image.
    static func exercise(_ image: [UInt8]) {
        let vfs = MemoryVFS()
        guard let f = try? vfs.open("x.db", flags: [.readWrite, .create]) else { return }
        image.withUnsafeBytes { try? f.write($0, at: 0) }
        guard let pager = try? Pager(vfs: vfs, path: "x.db") else { return }
        let tree = BTree(pager: pager)
        do {
            try tree.beginTransaction(write: false)
            var roots: [PageNumber] = [1]
            let schema = try tree.tableCursor(root: 1, writable: false)
            var ok = try schema.first()
            var guardCount = 0
            while ok && guardCount < 100 {
                if let row = try? RecordCodec.decode(try schema.payload()), row.count > 3, case .integer(let r) = row[3],
                   r > 1, r < Int64(UInt32.max) {
                    roots.append(PageNumber(UInt32(r)))
                }
                ok = try schema.next()
                guardCount += 1
            }
            _ = try? tree.integrityCheck(roots: roots, maxErrors: 5)
            for r in roots.dropFirst() {
                if let c = try? tree.tableCursor(root: r, writable: false) {
                    var n = 0
                    var ok = (try? c.first()) ?? false
                    while ok && n < 5000 { _ = try? c.payload(); ok = (try? c.next()) ?? false; n += 1 }
                    _ = try? c.seek(rowid: 77)
                }
                if let c = try? tree.indexCursor(root: r, writable: false, keyInfo: KeyInfo(fieldCount: 1)) {
                    var n = 0
                    var ok = (try? c.last()) ?? false
                    while ok && n < 5000 { _ = try? c.key(); ok = (try? c.previous()) ?? false; n += 1 }
                    _ = try? c.seek(key: [.text("r5")])
                }
            }
            tree.endTransaction()
            try tree.beginTransaction(write: true)
            for r in roots.dropFirst() {
                if let c = try? tree.tableCursor(root: r, writable: true) {
                    for k in 0..<40 {
                        _ = try? c.insert(rowid: Int64(k * 13), payload: Array(repeating: UInt8(k), count: k * 37))
                        if (try? c.seek(rowid: Int64(k * 7))) == .found { _ = try? c.delete() }
                    }
                }
                if let c = try? tree.indexCursor(root: r, writable: true, keyInfo: KeyInfo(fieldCount: 1)) {
                    for k in 0..<40 {
                        _ = try? c.insert(key: [.text("r\(k)"), .integer(Int64(k))])
                        if (try? c.seek(key: [.text("r\(k / 2)")])) == .found { _ = try? c.delete() }
                    }
                }
            }
            try? tree.rollback()
        } catch {
            // Any thrown error is acceptable; traps are not.
        }
    }

    @Test func damagedFilesNeverTrap() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("f.db")
        let sql = """
            PRAGMA page_size=512;
            CREATE TABLE t(a INTEGER, b TEXT);
            CREATE INDEX i ON t(b);
            WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM s WHERE x<300)
            INSERT INTO t SELECT x, 'r'||x||substr(hex(zeroblob(x*3)),1,x*(x%4)) FROM s;
            DELETE FROM t WHERE a%5=0;
            """
        _ = try Oracle.run([path], input: sql)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        Self.exercise(original)
        var rng = SeededRNG()
        for round in 0..<(Int(ProcessInfo.processInfo.environment["LOOM_FUZZ_ROUNDS"] ?? "") ?? 60) {
            var image = original
            let damage = Int.random(in: 1...8, using: &rng)
            for _ in 0..<damage {
                // Mostly B-tree page bytes (headers, pointers, cells), sometimes page 1's header.
                let at = round % 10 == 0 ? Int.random(in: 20..<100, using: &rng) : Int.random(in: 100..<image.count, using: &rng)
                image[at] = Int.random(in: 0..<3, using: &rng) == 0 ? 0xff : UInt8.random(in: 0...255, using: &rng)
            }
            Self.exercise(image)
        }
        #expect(Bool(true), "seed \(rng.seed)")
    }
}

@Suite struct IntegrityMessageTests {
    /// Damages a sqlite3-made file in known ways and expects sqlite3's own messages.
    @Test func messagesMatchSqlite3() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let base = dir.file("base.db")
        _ = try Oracle.run([base, "PRAGMA page_size=512; CREATE TABLE t(a, b); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM s WHERE x<200) INSERT INTO t SELECT x, zeroblob(30) FROM s; CREATE TABLE u(x);"])
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: base)))
        let ps = 512
        func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }
        var damages: [(String, ([UInt8]) -> [UInt8])] = []
        damages.append(("swap rowids", { b in
            var b = b
            for p in 2...(b.count / ps) where b[(p - 1) * ps] == 13 {
                let o = (p - 1) * ps
                let c0 = o + u16(b, o + 8) + 1, c1 = o + u16(b, o + 10) + 1
                b.swapAt(c0, c1)
                break
            }
            return b
        }))
        damages.append(("unused page", { b in
            var b = b + [UInt8](repeating: 0, count: ps)
            let n = UInt32(b.count / ps)
            b[28] = UInt8(n >> 24); b[29] = UInt8(n >> 16 & 0xff); b[30] = UInt8(n >> 8 & 0xff); b[31] = UInt8(n & 0xff)
            return b
        }))
        damages.append(("fragment count", { b in var b = b; b[ps + 7] = 5; return b }))
        damages.append(("freelist count", { b in var b = b; b[39] = 3; return b }))
        for (name, damage) in damages {
            let path = dir.file("\(name).db")
            try Data(damage(original)).write(to: URL(fileURLWithPath: path))
            let theirs = try Oracle.run([path, "PRAGMA integrity_check"]).stdout
                .split(separator: "\n").map(String.init).filter { $0 != "*** in database main ***" }
            let tree = BTree(pager: try Pager(vfs: PosixVFS(), path: path))
            try tree.beginTransaction(write: false)
            var roots: [PageNumber] = [1]
            let schema = try tree.tableCursor(root: 1, writable: false)
            var ok = try schema.first()
            while ok {
                if case .integer(let r) = try RecordCodec.decode(try schema.payload())[3] { roots.append(PageNumber(UInt32(r))) }
                ok = try schema.next()
            }
            let ours = try tree.integrityCheck(roots: roots, maxErrors: 100)
            #expect(ours == theirs, "\(name)")
        }
    }
}
