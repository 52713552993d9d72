// This file tests dot-commands on the Loom engine against sqlite3 byte for byte: .dump (all
// options), .parameter, .backup / .save / .restore, the settings commands, and PRAGMAs
// printed through the shell. Layer: tools tests. Spec: Spec/tools.md (loom, "Dot-commands").
import Foundation
import Loom
import LoomTestSupport
import Testing
@testable import LoomShell

/// Values whose SQL text is tricky: quotes, newlines, control characters, reals, blobs.
private let dumpSetup = """
    CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT, c REAL, d BLOB, "e f" DEFAULT 5);
    INSERT INTO t(b, c, d) VALUES('x''y', 1.5, x'00ff'), ('line1' || char(10) || 'line2', 1e300, NULL),
      ('tab' || char(9) || 'cr' || char(13) || 'z', -0.0, x''), (NULL, 3.0, 'txt');
    INSERT INTO t(b, c) VALUES(char(1, 2, 27), 0.1), ('', 1e-5), ('big', 123456789012345.678), ('inf', 1e999),
      ('ninf', -1e999), ('crlf' || char(13, 10), 2), (char(13) || 'lead', -7.25e-300);
    CREATE TABLE "odd name"(x, "y z");
    INSERT INTO "odd name" VALUES(1, 2), (-9223372036854775808, 'é'), (9223372036854775807, x'');
    CREATE INDEX ti ON t(b);
    CREATE UNIQUE INDEX "odd idx" ON "odd name"(x);
    CREATE VIEW v AS SELECT * FROM t;
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;
    CREATE TABLE rowid_named(rowid, b);
    INSERT INTO rowid_named VALUES(5, 6);
    INSERT INTO t(b) VALUES('after');
    DELETE FROM t WHERE a = 2;

    """

/// Runs `script` through loom (Loom engine) and sqlite3, each on its own copy of a database
/// made by sqlite3 from `setup`, and expects the same stdout, stderr and status.
private func expectSameOnCopies(_ setup: String, _ script: String, replacing: [String] = [],
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = try TemporaryDirectory("loom-dot")
    defer { dir.cleanup() }
    let mine = dir.file("mine.db"), theirs = dir.file("theirs.db")
    _ = try oracle([theirs], input: setup)
    if FileManager.default.fileExists(atPath: theirs) { try FileManager.default.copyItem(atPath: theirs, toPath: mine) }
    var myScript = script, theirScript = script
    for name in replacing {
        myScript = myScript.replacingOccurrences(of: "@" + name, with: dir.file("mine-" + name))
        theirScript = theirScript.replacingOccurrences(of: "@" + name, with: dir.file("theirs-" + name))
    }
    var got = runLoom([mine], input: myScript)
    var expected = try runSQLite([theirs], input: theirScript)
    for (text, prefix) in [(mine, "DB"), (dir.file("mine-"), "FILE-")] {
        got.stdout = got.stdout.replacingOccurrences(of: text, with: prefix)
        got.stderr = got.stderr.replacingOccurrences(of: text, with: prefix)
    }
    for (text, prefix) in [(theirs, "DB"), (dir.file("theirs-"), "FILE-")] {
        expected.stdout = expected.stdout.replacingOccurrences(of: text, with: prefix)
        expected.stderr = expected.stderr.replacingOccurrences(of: text, with: prefix)
    }
    #expect(got.stdout == expected.stdout, sourceLocation: sourceLocation)
    #expect(got.stderr == expected.stderr, sourceLocation: sourceLocation)
    #expect(got.status == expected.status, sourceLocation: sourceLocation)
    // Files written by the script (.backup, .once, .output) are byte-identical.
    for name in replacing {
        let a = FileManager.default.contents(atPath: dir.file("mine-" + name))
        let b = FileManager.default.contents(atPath: dir.file("theirs-" + name))
        #expect(a == b, "file \(name)", sourceLocation: sourceLocation)
    }
}

@Suite("Dot-commands on the Loom engine against sqlite3", .enabled(if: engineWorks && Oracle.isAvailable))
struct DotCommandTests {
    @Test(".dump and its options", arguments: [
        ".dump\n", ".dump t\n", ".dump 'odd%'\n", ".dump --data-only\n", ".dump --newlines\n",
        ".dump --preserve-rowids\n", ".dump --nosys\n", ".dump v\n", ".dump nosuch\n", ".dump ti\n",
        ".dump t rowid%\n", ".dump --data-only --nosys t\n", ".dump --bogus\n",
    ])
    func dump(_ script: String) throws {
        try expectSameOnCopies(dumpSetup, script)
    }

    @Test(".dump of a virtual table: its schema row under writable_schema, then its shadow tables",
          arguments: [".dump\n", ".dump r%\n", ".dump t\n"])
    func dumpVirtualTable(_ script: String) throws {
        try expectSameOnCopies("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1); INSERT INTO r VALUES(1, 0, 5);\n"
                               + "CREATE TABLE t(a); CREATE INDEX ti ON t(a); CREATE VIEW v AS SELECT 1;\n", script)
    }

    @Test(".dump of an empty database")
    func dumpEmpty() throws {
        try expectSameOnCopies("", ".dump\n.dump --data-only\n")
    }

    /// What loom dumps, sqlite3 loads back into the same database.
    @Test(".dump output loads back into sqlite3")
    func dumpRoundTrip() throws {
        let dir = try TemporaryDirectory("loom-dot")
        defer { dir.cleanup() }
        let db = dir.file("a.db")
        _ = try oracle([db], input: dumpSetup)
        let dumped = runLoom([db], input: ".dump\n").stdout
        let copy = dir.file("b.db")
        let load = try oracle([copy], input: dumped)
        #expect(load.stderr == "")
        #expect(try oracle([copy, ".dump"]).stdout == (try oracle([db, ".dump"]).stdout))
    }

    @Test("settings commands: .changes .nullvalue .separator .print .show .width .indexes .databases .once .output")
    func settings() throws {
        try expectSameOnCopies(dumpSetup, """
            .indexes
            .indexes t
            .indexes nosuch
            .changes on
            INSERT INTO "odd name" VALUES(5, 6);
            UPDATE "odd name" SET "y z" = 0;
            SELECT 1;
            .changes off
            .nullvalue NIL
            SELECT NULL, 1;
            .separator ; ~
            SELECT 1, 2;
            SELECT 3, 4;
            .separator |
            .print hello world "quoted\\tx" 'single\\t'
            .show
            .databases
            .width 5 -8
            .mode column
            SELECT 1 AS a, 2 AS b, 'xyzxyzxyzxyz';
            .mode list
            .once @once.txt
            SELECT 'to once';
            SELECT 'after once';
            .output @out.txt
            SELECT 'to output';
            .output
            SELECT 'back';
            .print
            .nullvalue
            .separator
            .headers on
            .mode csv
            SELECT * FROM t WHERE a < 4;
            .mode insert foo
            SELECT * FROM t WHERE a < 4;
            .mode quote
            SELECT * FROM t WHERE a < 4;

            """, replacing: ["once.txt", "out.txt"])
    }

    @Test(".parameter set/list/unset/clear and binding by name")
    func parameters() throws {
        try expectSameOnCopies("", """
            .parameter list
            .parameter set :a 5
            .parameter set @bb 'hello world'
            .parameter set $c x'00ff'
            .parameter set ?2 3.5
            .parameter set :d abc
            .parameter set :e "abc"
            .parameter set :f 1+2
            .parameter set :g null
            .parameter set :h -9223372036854775808
            .parameter set :i 'it''s'
            .parameter set :j "1); DROP TABLE nothing; --"
            .parameter set :k 1,2
            .parameter set :l (SELECT 7)
            .parameter set :m "(SELECT 8)"
            .parameter list
            SELECT :a, @bb, hex($c), ?2, :d, :e, :f, :g, :zz, typeof(:d), :h, :i, :j, :k, :l, :m;
            SELECT ?1, ?2;
            .parameter set :a 6
            SELECT :a, :a + 1;
            .parameter unset :a
            .parameter unset nosuch
            .parameter list
            SELECT :a;
            .parameter clear
            .parameter list
            .parameter init
            .parameter list
            .parameter
            .parameter bogus
            .parameter set :x
            .parameter set :b 1 2
            .param list
            .par list
            .pa list

            """)
    }

    @Test(".backup, .save and .restore: messages and byte-identical files")
    func backupAndRestore() throws {
        try expectSameOnCopies(dumpSetup, """
            .backup
            .restore
            .backup nosuch @x.db
            .restore nosuch @x.db
            .backup /nonexistent/dir/x.db
            .backup a b c
            .backup --foo x.db
            .save
            .restore a b c
            .backup @b1.db
            .save --async @b2.db
            .backup main @b3.db
            CREATE TABLE later(x);
            INSERT INTO later VALUES(1);
            .backup @b3.db
            DELETE FROM t;
            SELECT count(*) FROM t;
            .restore @b1.db
            SELECT count(*) FROM t;
            SELECT name FROM sqlite_schema ORDER BY name;
            .restore main @b3.db
            SELECT * FROM later;

            """, replacing: ["b1.db", "b2.db", "b3.db", "x.db"])
    }

    @Test(".restore into :memory: and .backup out of it")
    func memoryRestore() throws {
        let dir = try TemporaryDirectory("loom-dot")
        defer { dir.cleanup() }
        let source = dir.file("s.db")
        _ = try oracle([source], input: dumpSetup)
        let junk = dir.file("junk.db")
        try String(repeating: "not a database ", count: 10).write(toFile: junk, atomically: true, encoding: .utf8)
        let script = """
            .restore \(source)
            SELECT count(*) FROM t;
            .restore \(junk)
            .backup \(dir.file("OUT"))

            """
        let got = runLoom([":memory:"], input: script.replacingOccurrences(of: "OUT", with: "m.db"))
        let expected = try runSQLite([":memory:"], input: script.replacingOccurrences(of: "OUT", with: "t.db"))
        #expect(got == expected)
        #expect(FileManager.default.contents(atPath: dir.file("m.db")) == FileManager.default.contents(atPath: dir.file("t.db")))
    }

    /// The oracle build has SECURE_DELETE: deleted cells and freed pages are zeroed, and
    /// the files come out byte-identical in these simple cases.
    @Test("secure_delete zeroes deleted cells and freed pages as sqlite3 does", arguments: [
        "CREATE TABLE t(a, b);\n" + (1...50).map { "INSERT INTO t VALUES(\($0), 'row\($0)');\n" }.joined()
            + "DELETE FROM t WHERE a % 3 = 0;\nDELETE FROM t WHERE a > 40;\n",
        "CREATE TABLE t(x);\nINSERT INTO t VALUES('\(String(repeating: "A", count: 20000))');\n"
            + "CREATE TABLE u(y);\nINSERT INTO u VALUES('keep');\nDROP TABLE t;\n",
        "CREATE TABLE t(x);\nINSERT INTO t VALUES('secret'), ('other');\nDELETE FROM t WHERE x = 'secret';\n",
    ])
    func secureDelete(_ script: String) throws {
        let dir = try TemporaryDirectory("loom-dot")
        defer { dir.cleanup() }
        let mine = dir.file("mine.db"), theirs = dir.file("theirs.db")
        _ = runLoom([mine], input: script)
        _ = try oracle([theirs], input: script)
        let a = FileManager.default.contents(atPath: mine), b = FileManager.default.contents(atPath: theirs)
        #expect(a != nil && a == b)
        #expect(a.map { String(decoding: $0, as: UTF8.self).contains("secret") || String(decoding: $0, as: UTF8.self).contains("AAAA") } == false)
    }

    @Test(".import on the Loom engine")
    func importCSV() throws {
        let dir = try TemporaryDirectory("loom-dot")
        defer { dir.cleanup() }
        try "a,b,c\n1,\"x, y\",3\n4,5\n6,7,8,9\n\"q\"\"uote\",,\n\n10,11,12".write(toFile: dir.file("in.csv"), atomically: true, encoding: .utf8)
        try "h1,h2\r\n1,2\r\n\"3\",\"4\"\r\n".write(toFile: dir.file("crlf.csv"), atomically: true, encoding: .utf8)
        try expectSameOnCopies("", """
            .import --csv \(dir.file("in.csv")) t
            .schema
            .mode quote
            SELECT * FROM t;
            .import --csv --skip 1 \(dir.file("crlf.csv")) u
            SELECT * FROM u;
            CREATE TABLE v(x int, y);
            .import --csv \(dir.file("crlf.csv")) v
            SELECT x, typeof(x), y FROM v;

            """)
    }

    @Test("PRAGMAs through the shell")
    func pragmas() throws {
        try expectSameOnCopies(dumpSetup + "CREATE TABLE c(u REFERENCES t, v, FOREIGN KEY(v) REFERENCES \"odd name\"(x) ON DELETE CASCADE);\n", """
            .headers on
            PRAGMA foreign_keys;
            PRAGMA foreign_keys = ON;
            PRAGMA foreign_keys;
            PRAGMA busy_timeout = 100;
            PRAGMA main.secure_delete;
            PRAGMA temp_store = memory;
            PRAGMA temp_store;
            PRAGMA cache_spill;
            PRAGMA foreign_key_list(c);
            PRAGMA database_list;
            PRAGMA nosuch.foreign_keys;
            PRAGMA query_only = 1;
            INSERT INTO t(b) VALUES('no');
            PRAGMA query_only = 0;
            PRAGMA case_sensitive_like = 1;
            SELECT count(*) FROM t WHERE b LIKE 'X%';
            PRAGMA optimize;
            .timeout 500
            PRAGMA busy_timeout;
            .timeout
            PRAGMA busy_timeout;
            .timeo 0x10 2
            PRAGMA busy_timeout;

            """)
    }
}
