// This file reads every table of every fixture in Fixtures/db (made by sqlite3 with
// Fixtures/make-fixtures.sh) through the public Loom API and compares with sqlite3's output
// for the same queries; big trees and 1 MB blobs are made here at test time.
// Layer: L7 tests. Spec: Spec/L3-btree.md, Spec/L2-record.md.
import Foundation
import Testing
import Loom
import LoomTestSupport

let fixtureDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("Fixtures/db").path
}()

let fixtureNames: [String] = {
    ((try? FileManager.default.contentsOfDirectory(atPath: fixtureDirectory)) ?? []).filter { $0.hasSuffix(".db") }.sorted()
}()

func sqlIdent(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
func sqlQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

/// The queries that read every column of every table (rowid tables only: Loom's codegen
/// does not compile WITHOUT ROWID tables yet; the B-tree tests read those).
func tableQueries(_ path: String) throws -> [String] {
    let list = try Oracle.run([path, "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE '%WITHOUT ROWID%' ORDER BY name"])
    var out: [String] = []
    for name in list.stdout.split(separator: "\n").map(String.init) {
        let cols = try Oracle.run([path, "SELECT name FROM pragma_table_info(\(sqlQuote(name)))"])
        let select = cols.stdout.split(separator: "\n").map { "quote(\(sqlIdent(String($0))))" }
        out.append("SELECT quote(rowid), \(select.joined(separator: ", ")) FROM \(sqlIdent(name))")
        out.append("SELECT count(*), typeof(max(rowid)) FROM \(sqlIdent(name))")
    }
    return out
}

func loomOutput(_ db: Database, _ sql: String) throws -> String {
    try db.queryAll(sql).map { row in row.map { $0.textRepresentation ?? "" }.joined(separator: "|") + "\n" }.joined()
}

@Suite(.enabled(if: Oracle.isAvailable)) struct FixtureOracleTests {
    @Test(arguments: fixtureNames)
    func everyTableMatchesSqlite3(name: String) throws {
        let path = fixtureDirectory + "/" + name
        let queries = try tableQueries(path)
        #expect(!queries.isEmpty || name.hasPrefix("without-rowid"))
        let db = try Database(path: path, capability: .read)
        defer { try? db.close() }
        for q in queries {
            let expected = try Oracle.run([path, q])
            #expect(try loomOutput(db, q) == expected.stdout, "\(name): \(q)")
        }
        let encoding = try Oracle.run([path, "PRAGMA encoding"]).stdout
        #expect(try loomOutput(db, "PRAGMA encoding") == encoding)
        #expect(try loomOutput(db, "PRAGMA integrity_check") == "ok\n", "\(name)")
        let counts = "PRAGMA page_count"
        #expect(try loomOutput(db, counts) == (try Oracle.run([path, counts])).stdout)
    }

    /// Files too big to commit: a deep tree of 100,000 rows on 512-byte pages and 1 MB blobs.
    @Test func bigFilesMadeAtTestTime() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("big.db")
        _ = try Oracle.run([path], input: """
            PRAGMA page_size=512;
            CREATE TABLE big(id INTEGER PRIMARY KEY, v INTEGER, s TEXT);
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 100000)
            INSERT INTO big SELECT i, (i * 2654435761) % 1000003, 'r' || i FROM c;
            CREATE INDEX big_v ON big(v);
            CREATE TABLE blobs(id INTEGER PRIMARY KEY, b BLOB);
            INSERT INTO blobs VALUES(1, randomblob(1048576)), (2, zeroblob(1048576)), (3, randomblob(1048577));
            """)
        let db = try Database(path: path, capability: .read)
        defer { try? db.close() }
        for q in ["SELECT count(*), sum(v), max(id), min(s), max(s) FROM big",
                  "SELECT id, v, s FROM big WHERE id % 9973 = 0",
                  "SELECT id, length(b), hex(substr(b, 1, 16)), hex(substr(b, 524287, 8)), hex(substr(b, -8)) FROM blobs",
                  "PRAGMA integrity_check"] {
            #expect(try loomOutput(db, q) == (try Oracle.run([path, q])).stdout, "\(q)")
        }
    }
}
