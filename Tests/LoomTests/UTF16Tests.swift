// This file compares Loom with sqlite3 on UTF-16le and UTF-16be databases: reads (index
// seeks, ORDER BY, min/max, GROUP BY, DISTINCT, comparisons, hex/CAST), writes (sqlite3's
// integrity_check on files Loom wrote, same rows as sqlite3 writing), PRAGMA encoding, VACUUM.
// Layer: L7 tests. Spec: Spec/L2-record.md (§Text encodings).
import Foundation
import Testing
import Loom
import LoomTestSupport

private let utf16Schema = """
    CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, n TEXT COLLATE NOCASE, r TEXT COLLATE RTRIM, b BLOB);
    CREATE INDEX t_s ON t(s);
    CREATE INDEX t_n ON t(n);
    CREATE INDEX t_r ON t(r DESC, s);
    CREATE TABLE u(s TEXT UNIQUE);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<300)
    INSERT INTO t SELECT i,
      CASE i%9 WHEN 0 THEN 'a'||i WHEN 1 THEN 'ā'||i WHEN 2 THEN '中'||i WHEN 3 THEN char(0xE000+i)||'x'
        WHEN 4 THEN '😀'||i WHEN 5 THEN char(0xFFFD) WHEN 6 THEN 'A'||char(0x10000+i) WHEN 7 THEN char(0x100+i)
        ELSE 'Z' || char(0xD7FF) END,
      CASE i%4 WHEN 0 THEN 'abc'||i WHEN 1 THEN 'ABC'||i WHEN 2 THEN 'É'||i ELSE '😀' END,
      CASE i%3 WHEN 0 THEN 'x  ' WHEN 1 THEN 'x' ELSE char(0xE001)||'  ' END,
      CAST(char(0x61+i%5) AS BLOB)
     FROM c;
    INSERT INTO u SELECT DISTINCT s FROM t;

    """

/// Reads whose answers depend on UTF-16 BINARY order or on the text encoding.
private let utf16Queries = [
    "SELECT id, hex(s) FROM t WHERE s='😀4'",
    "SELECT count(*) FROM t WHERE s > '中'",
    "SELECT count(*) FROM t WHERE s < char(0xE005)",
    "SELECT count(*) FROM t WHERE s BETWEEN 'a' AND '😀'",
    "SELECT group_concat(id) FROM t WHERE s >= '😀'",
    "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY s, id)",
    "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY s DESC, id)",
    "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY n, id)",
    "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY r, id)",
    "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY s||'', id)",
    "SELECT hex(min(s)), hex(max(s)), hex(min(n)), hex(max(n)) FROM t",
    "SELECT hex(min(s||'')), hex(max(s||'')) FROM t",
    "SELECT hex(s), count(*) FROM t GROUP BY s||'' ORDER BY 1",
    "SELECT hex(x) FROM (SELECT DISTINCT substr(s,1,1) x FROM t) ORDER BY x",
    "SELECT count(DISTINCT n), count(DISTINCT r), count(DISTINCT s) FROM t",
    "SELECT hex(max('a', char(0xE000), '😀')), hex(min('a', char(0xE000), '😀'))",
    "SELECT '😀' < char(0xE000), 'ā' < 'b', 'a' < 'ā', '中' > 'ā'",
    "SELECT hex(s) FROM u ORDER BY s",
    "SELECT group_concat(hex(s)) FROM (SELECT s FROM u WHERE s > 'A' ORDER BY s)",
    "SELECT id, hex(s), row_number() OVER (ORDER BY s, id) FROM t WHERE id < 20",
    "SELECT hex(CAST(s AS BLOB)), hex(b), CAST(b AS TEXT), length(s), length(b), quote(s), typeof(CAST(b AS TEXT)) FROM t WHERE id < 12",
    "SELECT hex('😀 emoji'), hex(12), hex(1.5), hex(CAST(12 AS BLOB)), hex(x'00ff'), quote(x'00')",
    "SELECT unicode('😀'), hex(char(128512, 97)), upper('aé'), lower('ÀB'), length('😀x'), substr('😀abc', 2, 2), instr('a😀b', 'b')",
    "SELECT 'ab' LIKE 'A%', '😀x' GLOB '?x', replace('a😀a', '😀', 'b'), trim('  x  '), hex('a' || x'6200')",
    "SELECT id FROM t WHERE n = 'abc4' ORDER BY id",
    "SELECT id FROM t WHERE r = 'x' ORDER BY id LIMIT 5",
    "SELECT id, hex(s) FROM t WHERE s IN ('😀4', 'a9', char(0xFFFD)) ORDER BY id",
    "SELECT count(*) FROM u WHERE s = (SELECT max(s) FROM t)",
    "SELECT hex(lower(x'4100')), hex(upper(x'6100')), length(CAST('ab' AS BLOB)), hex(substr(CAST('abc' AS BLOB),2,2)), instr(CAST('abc' AS BLOB), 'b'), hex(trim(x'20006100')), hex(replace(x'610062', 'a', 'c'))",
    "SELECT x'6100' LIKE 'a', unicode(x'6100'), hex(quote(CAST('a' AS BLOB))), hex(substr(x'610062', 1)), CAST(x'3100' AS INTEGER)",
    "SELECT hex(CAST(s AS BLOB)) FROM t WHERE CAST(s AS BLOB) > x'60' ORDER BY id LIMIT 3",
    "PRAGMA encoding",
    "PRAGMA integrity_check",
]

/// Writes: new rows, updates, deletes, new indexes (NOCASE, expressions), WITHOUT ROWID.
private let utf16Writes = """
    INSERT INTO t(id, s, n, r, b) VALUES (1001, '😀 new', 'ÉCOLE', 'z  ', x'00ff'),
      (1002, char(0xE123)||'q', 'école', char(0x10400), CAST('abc' AS BLOB));
    INSERT INTO t(s, n, r) SELECT s || '·', upper(n), r || ' ' FROM t WHERE id % 7 = 0;
    UPDATE t SET s = s || '中' WHERE id % 5 = 0;
    UPDATE t SET n = 'ÿ' || n WHERE id % 11 = 0;
    DELETE FROM t WHERE id % 13 = 0;
    CREATE INDEX t_s2 ON t(s COLLATE NOCASE, r);
    CREATE INDEX t_x ON t(substr(s, 2), n DESC);
    CREATE TABLE "tëxt2"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
    INSERT INTO "tëxt2" SELECT s, min(id) FROM t WHERE id < 200 GROUP BY s;
    CREATE UNIQUE INDEX u2 ON "tëxt2"(v, k);
    REPLACE INTO u VALUES ('😀4'), ('new ☃');
    CREATE VIEW "vüe" AS SELECT s FROM t WHERE s > 'é';

    """

/// What is compared after the writes (run by both engines on both files).
private let utf16Checks = [
    "PRAGMA integrity_check",
    "PRAGMA encoding",
    "SELECT id, hex(s), hex(n), hex(r), hex(b) FROM t ORDER BY id",
    "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY s, id)",
    "SELECT group_concat(id) FROM (SELECT id FROM t INDEXED BY t_s2 ORDER BY s COLLATE NOCASE, r, id)",
    "SELECT group_concat(id) FROM (SELECT id FROM t INDEXED BY t_x WHERE substr(s, 2) > 'a' ORDER BY substr(s, 2), id)",
    "SELECT hex(k), v FROM \"tëxt2\" ORDER BY k",
    "SELECT hex(s) FROM u ORDER BY s",
    "SELECT count(*) FROM \"vüe\"",
    "SELECT name FROM sqlite_schema ORDER BY name",
]

@Suite(.enabled(if: Oracle.isAvailable)) struct UTF16Tests {
    /// A UTF-16 database made by sqlite3 with `utf16Schema`.
    private func makeDatabase(_ dir: TemporaryDirectory, _ encoding: String) throws -> String {
        let path = dir.file("src-\(encoding).db")
        let out = try Oracle.run([path], input: "PRAGMA encoding='\(encoding)';\n" + utf16Schema)
        #expect(out.stderr.isEmpty, "\(out.stderr)")
        return path
    }

    @Test(arguments: ["UTF-16le", "UTF-16be"])
    func readsMatchSqlite3(encoding: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try makeDatabase(dir, encoding)
        let db = try Database(path: path, capability: .read)
        defer { try? db.close() }
        for q in utf16Queries {
            // sqlite3 compiles a statement that names no table before it has read the schema
            // with UTF-8 as the encoding: touch the schema first (Loom always reads it).
            let want = try Oracle.run([path], input: "SELECT 1 FROM sqlite_schema LIMIT 0;\n\(q);\n").stdout
            let got = try loomOutput(db, q)
            #expect(got == want, "\(encoding): \(q)\n\(got)\n\(want)")
        }
    }

    /// The example: an index seek on the committed fixture returns the one row.
    @Test func fixtureIndexSeek() throws {
        let path = fixtureDirectory + "/utf16le.db"
        let db = try Database(path: path, capability: .read)
        defer { try? db.close() }
        for q in ["SELECT id, hex(s) FROM \"tëxt\" WHERE s='😀 emoji'",
                  "SELECT count(*) FROM \"tëxt\" WHERE s > 'a'",
                  "SELECT hex(min(s)), hex(max(s)) FROM \"tëxt\""] {
            #expect(try loomOutput(db, q) == (try Oracle.run([path, q])).stdout, "\(q)")
        }
    }

    @Test(arguments: ["UTF-16le", "UTF-16be"])
    func writesMatchSqlite3(encoding: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let source = try makeDatabase(dir, encoding)
        let byLoom = dir.file("loom.db"), bySqlite = dir.file("sqlite.db")
        try FileManager.default.copyItem(atPath: source, toPath: byLoom)
        try FileManager.default.copyItem(atPath: source, toPath: bySqlite)
        let out = try Oracle.run([bySqlite], input: utf16Writes)
        #expect(out.stderr.isEmpty, "\(out.stderr)")
        let db = try Database(path: byLoom)
        try db.execute(utf16Writes)
        for q in utf16Checks {
            let expected = try Oracle.run([bySqlite, q]).stdout
            #expect(try Oracle.run([byLoom, q]).stdout == expected, "sqlite3 on Loom's \(encoding) file: \(q)")
            #expect(try loomOutput(db, q) == expected, "Loom on its \(encoding) file: \(q)")
        }
        // VACUUM keeps the encoding and the rows.
        try db.execute("VACUUM")
        try db.close()
        for q in utf16Checks.dropLast() {
            #expect(try Oracle.run([byLoom, q]).stdout == (try Oracle.run([bySqlite, q])).stdout, "after VACUUM: \(q)")
        }
    }

    /// ATTACH: a file with another encoding is refused, an empty one takes main's encoding.
    @Test func attachFollowsMainEncoding() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let main = try makeDatabase(dir, "UTF-16be")
        let utf8 = dir.file("utf8.db"), empty = dir.file("empty.db")
        _ = try Oracle.run([utf8, "CREATE TABLE z(a)"])
        let db = try Database(path: main)
        #expect(throws: DatabaseError.self) { try db.execute("ATTACH \(sqlQuote(utf8)) AS x") }
        try db.execute("ATTACH \(sqlQuote(empty)) AS y; CREATE TABLE y.q(a); INSERT INTO y.q VALUES('a😀')")
        try db.close()
        #expect(try Oracle.run([empty, "PRAGMA encoding; SELECT hex(a) FROM q; PRAGMA integrity_check"]).stdout
                == "UTF-16be\n0061D83DDE00\nok\n")
    }

    /// PRAGMA encoding on an empty database makes Loom create a UTF-16 file; on a database
    /// with tables it is ignored; unknown names are an error.
    @Test(arguments: ["UTF-16le", "UTF-16be", "utf16", "UTF8"])
    func pragmaEncodingCreatesFile(encoding: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let byLoom = dir.file("loom.db"), bySqlite = dir.file("sqlite.db")
        let script = "PRAGMA encoding='\(encoding)';\n" + utf16Schema + utf16Writes
        _ = try Oracle.run([bySqlite], input: script)
        let db = try Database(path: byLoom)
        try db.execute(script)
        try db.execute("PRAGMA encoding='UTF-16be'")   // ignored: the file has tables
        #expect(try loomOutput(db, "PRAGMA encoding") == (try Oracle.run([bySqlite, "PRAGMA encoding"])).stdout)
        #expect(throws: DatabaseError.self) { try db.execute("PRAGMA encoding='latin1'") }
        try db.close()
        for q in utf16Checks {
            #expect(try Oracle.run([byLoom, q]).stdout == (try Oracle.run([bySqlite, q])).stdout, "\(encoding): \(q)")
        }
    }
}
