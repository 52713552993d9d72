// This file tests file compatibility with the real sqlite3: databases written by the Loom
// B-tree pass sqlite3's integrity_check and read back right, and databases written by
// sqlite3 read back row for row through Loom. Layer: L3 tests. Spec: Spec/L3-btree.md.
import Testing
import Foundation
import LoomBase
import LoomPager
import LoomVFS
import LoomRecord
import LoomTestSupport
@testable import LoomBTree

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF")
    var s = ""
    s.reserveCapacity(bytes.count * 2)
    for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
    return s
}

func openTree(_ path: String, pageSize: Int = 4096) throws -> BTree {
    var options = PagerOptions()
    options.pageSizeForNewDatabase = pageSize
    return BTree(pager: try Pager(vfs: PosixVFS(), path: path, options: options))
}

func bValue(_ i: Int) -> String {
    // Mostly short; every 37th row long enough to overflow even 64 KiB pages.
    let n = i % 37 == 0 ? 70_000 + i : (i % 5 == 0 ? 900 + i % 700 : i % 23)
    return "v\(i)-" + String(repeating: "abcdefghij", count: n / 10 + 1).prefix(n)
}

@Suite struct InteropTests {
    @Test(arguments: [512, 4096, 65536])
    func loomWritesSqliteReads(pageSize: Int) throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("loom.db")
        let tree = try openTree(path, pageSize: pageSize)
        try tree.beginTransaction(write: true)
        let table = try tree.createTree(.table)
        let index = try tree.createTree(.index)
        let schema = try tree.tableCursor(root: 1, writable: true)
        try schema.insert(rowid: 1, payload: RecordCodec.encode([.text("table"), .text("t"), .text("t"),
            .integer(Int64(table.rawValue)), .text("CREATE TABLE t(a INTEGER, b TEXT)")]))
        try schema.insert(rowid: 2, payload: RecordCodec.encode([.text("index"), .text("i"), .text("t"),
            .integer(Int64(index.rawValue)), .text("CREATE INDEX i ON t(b)")]))
        let t = try tree.tableCursor(root: table, writable: true)
        let ix = try tree.indexCursor(root: index, writable: true, keyInfo: KeyInfo(fieldCount: 1))
        let n = 3000
        for i in 1...n {
            let b = bValue(i)
            try t.insert(rowid: Int64(i), payload: RecordCodec.encode([.integer(Int64(i)), .text(b)]))
            try ix.insert(key: [.text(b), .integer(Int64(i))])
        }
        // Delete a third of the rows so the file has a freelist and merged pages.
        var deletedSum = 0
        for i in stride(from: 3, through: n, by: 3) {
            #expect(try t.seek(rowid: Int64(i)) == .found)
            try t.delete()
            #expect(try ix.seek(key: [.text(bValue(i)), .integer(Int64(i))]) == .found)
            try ix.delete()
            deletedSum += i
        }
        try tree.setMeta(.schemaCookie, 1)
        #expect(try tree.integrityCheck(roots: [1, table, index], maxErrors: 10) == [])
        try tree.commit()
        try tree.pager.close()

        let out = try Oracle.run([path, "PRAGMA integrity_check; SELECT count(*), sum(a) FROM t; SELECT count(*) FROM t INDEXED BY i WHERE b > '';"
            + "SELECT count(*) FROM pragma_freelist_count WHERE freelist_count > 0;"])
        #expect(out.stderr == "")
        let remaining = n - n / 3
        #expect(out.stdout == "ok\n\(remaining)|\(n * (n + 1) / 2 - deletedSum)\n\(remaining)\n1\n", "page size \(pageSize)")
        // sqlite3 sees the same order through the index.
        let ordered = try Oracle.run([path, "SELECT a FROM t INDEXED BY i ORDER BY b LIMIT 5;"])
        let expected = (1...n).filter { $0 % 3 != 0 }.sorted { bValue($0).utf8.lexicographicallyPrecedes(bValue($1).utf8) }.prefix(5)
        #expect(ordered.stdout == expected.map { "\($0)\n" }.joined())
    }

    @Test(arguments: [512, 1024, 4096, 65536])
    func sqliteWritesLoomReads(pageSize: Int) throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("sqlite.db")
        let sql = """
            PRAGMA page_size=\(pageSize);
            CREATE TABLE t(a INTEGER, b TEXT, c BLOB, d REAL);
            CREATE INDEX i ON t(b, d);
            WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM s WHERE x<1500)
            INSERT INTO t SELECT x, 'r'||x||substr(replace(hex(zeroblob(x)),'0','q'),1,(x%9)*(x%9)*40),
              CASE WHEN x%11=0 THEN zeroblob(x*7) WHEN x%4=0 THEN NULL ELSE x'00ff' END,
              x/7.0 FROM s;
            DELETE FROM t WHERE a%3=0;
            """
        let made = try Oracle.run([path], input: sql)
        #expect(made.stderr == "")
        let tableDump = try Oracle.run([path, "SELECT rowid, a, hex(b), quote(c), quote(d) FROM t ORDER BY rowid;"])
        let indexDump = try Oracle.run([path, "SELECT hex(b), quote(d), rowid FROM t ORDER BY b, d, rowid;"])
        let rootsOut = try Oracle.run([path, "SELECT name, rootpage FROM sqlite_schema ORDER BY name;"])

        let tree = try openTree(path)
        try tree.beginTransaction(write: false)
        #expect(tree.pager.pageSize == pageSize)
        // Read sqlite_schema ourselves.
        var roots: [String: PageNumber] = [:]
        let schema = try tree.tableCursor(root: 1, writable: false)
        var ok = try schema.first()
        while ok {
            let row = try RecordCodec.decode(try schema.payload())
            if case .text(let name) = row[1], case .integer(let root) = row[3] { roots[name] = PageNumber(UInt32(root)) }
            ok = try schema.next()
        }
        #expect(rootsOut.stdout == roots.keys.sorted().map { "\($0)|\(roots[$0]!.rawValue)\n" }.joined())
        let table = try #require(roots["t"]), index = try #require(roots["i"])
        #expect(try tree.integrityCheck(roots: [1, table, index], maxErrors: 10) == [])
        #expect(try tree.getMeta(.freePageCount) > 0)

        var lines = ""
        let t = try tree.tableCursor(root: table, writable: false)
        ok = try t.first()
        while ok {
            let r = try RecordReader(try t.payload())
            // Column d has REAL affinity: SQLite stores integral values as integers and the
            // reader (OP_Column) turns them back into reals.
            let d = Affinity.real.apply(to: try r.column(3))
            lines += "\(try t.rowid())|\(try r.column(0).textValue ?? "")|\(hex(Array(r.columnBytes(1))))|\(quote(try r.column(2)))|\(quote(d))\n"
            ok = try t.next()
        }
        #expect(lines == tableDump.stdout)
        if lines != tableDump.stdout {
            try? lines.write(toFile: "/tmp/loom-lines-\(pageSize).txt", atomically: true, encoding: .utf8)
            try? tableDump.stdout.write(toFile: "/tmp/sqlite-lines-\(pageSize).txt", atomically: true, encoding: .utf8)
        }

        var ilines = ""
        let ix = try tree.indexCursor(root: index, writable: false, keyInfo: KeyInfo(fieldCount: 2))
        ok = try ix.first()
        while ok {
            let k = try ix.key()
            ilines += "\(hex(Array((k[0].textValue ?? "").utf8)))|\(quote(Affinity.real.apply(to: k[1])))|\(k[2].textValue ?? "")\n"
            ok = try ix.next()
        }
        #expect(ilines == indexDump.stdout)
        tree.endTransaction()
    }
}

/// sqlite3's quote() for the values these tests use.
func quote(_ v: Value) -> String {
    switch v {
    case .null: return "NULL"
    case .integer(let i): return "\(i)"
    case .real(let d): return renderRealForQuote(d)
    case .text(let s): return "'\(s.replacingOccurrences(of: "'", with: "''"))'"
    case .blob(let b): return "X'\(hex(b))'"
    }
}
