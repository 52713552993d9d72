// This file reads every index B-tree (and every WITHOUT ROWID table) of every fixture in
// Fixtures/db through the B-tree API and compares the entries, in order, with sqlite3's
// covering scan of the same index. Layer: L3 tests. Spec: Spec/L3-btree.md.
import Testing
import Foundation
import LoomBase
import LoomPager
import LoomVFS
import LoomRecord
import LoomTestSupport
@testable import LoomBTree

/// The directory of the committed fixtures (Fixtures/db).
let fixtureDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("Fixtures/db").path
}()

let fixtureNames: [String] = {
    ((try? FileManager.default.contentsOfDirectory(atPath: fixtureDirectory)) ?? []).filter { $0.hasSuffix(".db") }.sorted()
}()

/// A value as sqlite3's quote() prints it.
func quoted(_ v: Value) -> String {
    switch v {
    case .null: return "NULL"
    case .integer(let i): return String(i)
    case .real(let d): return "\(d)"
    case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    case .blob(let b): return "X'" + hex(b) + "'"
    }
}

func sqlIdent(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

@Suite(.enabled(if: Oracle.isAvailable)) struct FixtureIndexTests {
    @Test func fixturesExist() {
        #expect(fixtureNames.count >= 15)
    }

    @Test(arguments: fixtureNames)
    func everyIndexMatchesSqlite3(name: String) throws {
        let path = fixtureDirectory + "/" + name
        let list = try Oracle.run([path, "-separator", "\u{1}",
            "SELECT name, rootpage, tbl_name, type FROM sqlite_schema WHERE type IN ('index','table') AND rootpage > 0 ORDER BY name"])
        var options = PagerOptions()
        options.readOnly = true
        let tree = BTree(pager: try Pager(vfs: PosixVFS(), path: path, options: options))
        try tree.beginTransaction(write: false)
        defer { tree.endTransaction() }
        var checked = 0
        for line in list.stdout.split(separator: "\n") {
            let f = line.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4, let root = UInt32(f[1]) else { continue }
            var indexName = f[0]
            if f[3] == "table" {
                // A WITHOUT ROWID table is stored as an index B-tree keyed by its primary key.
                let pk = try Oracle.run([path, "SELECT name FROM pragma_index_list(\(sqlQuote(f[0]))) WHERE origin = 'pk'"])
                let isWithoutRowid = try Oracle.run([path, "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = \(sqlQuote(f[0]))"])
                guard isWithoutRowid.stdout.hasPrefix("1"), let pkName = pk.stdout.split(separator: "\n").first else { continue }
                indexName = String(pkName)
            }
            let info = try Oracle.run([path, "-separator", "\u{1}", "SELECT cid, name, desc, coll, key FROM pragma_index_xinfo(\(sqlQuote(indexName))) ORDER BY seqno"])
            // SQLite stores integral REAL-affinity values as integers; quote() shows them as reals.
            let types = try Oracle.run([path, "-separator", "\u{1}", "SELECT name, upper(type) FROM pragma_table_info(\(sqlQuote(f[2])))"])
            var realColumns: Set<String> = []
            for t in types.stdout.split(separator: "\n") {
                let p = t.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
                if p.count == 2, !p[1].contains("INT"), !p[1].contains("CHAR"), !p[1].contains("CLOB"), !p[1].contains("TEXT"),
                   p[1].contains("REAL") || p[1].contains("FLOA") || p[1].contains("DOUB") { realColumns.insert(p[0]) }
            }
            var columns: [String] = []
            var isReal: [Bool] = []
            var order: [String] = []
            for c in info.stdout.split(separator: "\n") {
                let parts = c.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
                columns.append(parts[0] == "-1" ? "quote(rowid)" : "quote(\(sqlIdent(parts[1])))")
                isReal.append(parts[0] != "-1" && realColumns.contains(parts[1]))
                if parts.count == 5, parts[4] == "1", parts[0] != "-1" {
                    order.append("\(sqlIdent(parts[1])) COLLATE \(parts[3])\(parts[2] == "1" ? " DESC" : "")")
                }
            }
            // sqlite3 may scan a WITHOUT ROWID table through a smaller index: order it by its key.
            let from = f[3] == "table" ? "\(sqlIdent(f[2])) ORDER BY \(order.joined(separator: ","))" : "\(sqlIdent(f[2])) INDEXED BY \(sqlIdent(indexName))"
            let expected = try Oracle.run([path, "-separator", "|", "SELECT \(columns.joined(separator: ",")) FROM \(from)"])
            #expect(expected.stderr.isEmpty, "\(name) \(indexName): \(expected.stderr)")
            let c = try tree.indexCursor(root: PageNumber(root), writable: false, keyInfo: KeyInfo())
            var got = ""
            var more = try c.first()
            while more {
                got += try c.key().enumerated().map { i, v in
                    if i < isReal.count, isReal[i], case .integer(let n) = v { return quoted(.real(Double(n))) }
                    return quoted(v)
                }.joined(separator: "|") + "\n"
                more = try c.next()
            }
            #expect(got == expected.stdout, "\(name) index \(indexName)")
            checked += 1
        }
        if name.hasPrefix("indexes") || name.hasPrefix("without") { #expect(checked >= 2) }
        if name.hasPrefix("utf16") { #expect(checked >= 1) }
    }
}

func sqlQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
