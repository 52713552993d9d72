// This file tests PRAGMA integrity_check / quick_check against sqlite3 on databases sqlite3
// builds and then damages (schema rewritten under writable_schema, index roots swapped, page
// bytes overwritten): the same rows in the same order, the N / TABLE / schema forms, no trap.
// Layer: L6 tests. Spec: Spec/L6-session.md (§Integrity check).
import Foundation
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomSession
import LoomTestSupport

/// One damaged database: the SQL sqlite3 runs to build it, then bytes written at offsets.
struct IntegrityFixture: CustomStringConvertible, Sendable {
    var name: String
    var setup: String
    var patches: [(offset: Int, bytes: [UInt8])] = []
    var queries: [String] = ["PRAGMA integrity_check", "PRAGMA quick_check", "PRAGMA integrity_check(3)"]
    var description: String { name }
}

private let swapRoots = "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET rootpage=CASE name "

let integrityFixtures: [IntegrityFixture] = [
    IntegrityFixture(name: "not null, check, unique rewritten", setup: """
        CREATE TABLE t1(a, b, c); CREATE INDEX i1 ON t1(b); CREATE INDEX i0 ON t1(c);
        INSERT INTO t1 VALUES(NULL,'ab',1),(2,NULL,2),(NULL,'xx',3);
        CREATE TABLE t3(p, q); INSERT INTO t3 VALUES(NULL,NULL);
        PRAGMA writable_schema=ON;
        UPDATE sqlite_schema SET sql='CREATE TABLE t1(a NOT NULL, b NOT NULL CHECK(b<>''xx''), c CHECK(c<>2))' WHERE name='t1';
        UPDATE sqlite_schema SET sql='CREATE UNIQUE INDEX i1 ON t1(c)' WHERE name='i1';
        UPDATE sqlite_schema SET sql='CREATE TABLE t3(p NOT NULL, q NOT NULL)' WHERE name='t3';
        """),
    IntegrityFixture(name: "index roots swapped", setup: """
        CREATE TABLE t(a, b, c); CREATE INDEX ia ON t(a); CREATE UNIQUE INDEX ib ON t(b); CREATE INDEX ic ON t(c);
        INSERT INTO t VALUES(1,1,1),(2,2,2),(3,3,3);
        CREATE TABLE s(a, b, c); CREATE INDEX sa ON s(a); CREATE INDEX sb ON s(b); CREATE INDEX sc ON s(c);
        INSERT INTO s(rowid,a,b,c) VALUES(1,1,1,1),(3,3,2,3),(4,4,4,4),(5,5,5,5);
        \(swapRoots) WHEN 'ia' THEN 7 WHEN 'sa' THEN 3 WHEN 'ib' THEN 8 WHEN 'sb' THEN 4 ELSE rootpage END;
        """),
    IntegrityFixture(name: "unique duplicates", setup: """
        CREATE TABLE t(a, b); CREATE INDEX ib ON t(b);
        INSERT INTO t VALUES(1,1),(2,1),(3,NULL),(4,NULL),(5,2),(6,1);
        PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql='CREATE UNIQUE INDEX ib ON t(b)' WHERE name='ib';
        """),
    IntegrityFixture(name: "without rowid", setup: """
        CREATE TABLE w(a, b, c, PRIMARY KEY(a,b)) WITHOUT ROWID; CREATE INDEX wc ON w(c);
        INSERT INTO w VALUES(1,1,NULL),(2,2,'x'),(3,3,'y');
        CREATE TABLE w2(a, b, c, PRIMARY KEY(a,b)) WITHOUT ROWID; CREATE INDEX w2c ON w2(c);
        INSERT INTO w2 VALUES(1,1,NULL),(2,2,'x'),(3,4,'y'),(5,5,'z');
        PRAGMA writable_schema=ON;
        UPDATE sqlite_schema SET sql='CREATE TABLE w(a, b, c NOT NULL CHECK(c<>''x''), PRIMARY KEY(a,b)) WITHOUT ROWID' WHERE name='w';
        UPDATE sqlite_schema SET rootpage=CASE name WHEN 'wc' THEN 5 WHEN 'w2c' THEN 3 ELSE rootpage END;
        """),
    // w's tree is an index of w2 holding NULLs: a WITHOUT ROWID key column is NOT NULL.
    IntegrityFixture(name: "without rowid key holding NULL", setup: """
        CREATE TABLE w(a, b, c, PRIMARY KEY(a,b)) WITHOUT ROWID;
        CREATE TABLE w2(a, b, c); CREATE INDEX wi ON w2(a, b, c);
        INSERT INTO w2 VALUES(NULL, 1, 2), (3, NULL, 4), (5,6,7);
        PRAGMA writable_schema=ON;
        UPDATE sqlite_schema SET rootpage=(SELECT rootpage FROM sqlite_schema WHERE name='wi') WHERE name='w';
        UPDATE sqlite_schema SET rootpage=2 WHERE name='wi';
        """),
    IntegrityFixture(name: "partial and expression indexes", setup: """
        CREATE TABLE t(a, b); CREATE INDEX ip ON t(a) WHERE b>1; CREATE INDEX ie ON t(a+b, lower(b));
        INSERT INTO t VALUES(1,1),(2,2),(3,3),(4,'X');
        CREATE TABLE s(a, b); CREATE INDEX sp ON s(a) WHERE b>1; CREATE INDEX se ON s(a+b, lower(b));
        INSERT INTO s VALUES(1,1),(2,2),(3,5),(5,'X');
        \(swapRoots) WHEN 'ip' THEN 6 WHEN 'sp' THEN 3 WHEN 'ie' THEN 7 WHEN 'se' THEN 4 ELSE rootpage END;
        """),
    IntegrityFixture(name: "strict types", setup: """
        CREATE TABLE t(a INTEGER, b TEXT, c REAL, d BLOB, e ANY, f INT);
        INSERT INTO t VALUES('x', 5, 'y', 3, 1, 2.5), (1, 'ok', 2.0, x'00', 'z', 3), (2, x'01', 3, 'q', NULL, NULL);
        CREATE TABLE u(a INTEGER, b TEXT, c REAL); INSERT INTO u VALUES('x', 5, 'y');
        CREATE TABLE h(a, b , c, d); INSERT INTO h VALUES('5', NULL, 7, '2.5'), (2.0, 'x', 7.5, 3);
        PRAGMA writable_schema=ON;
        UPDATE sqlite_schema SET sql='CREATE TABLE t(a INTEGER, b TEXT, c REAL, d BLOB, e ANY, f INT) STRICT' WHERE name='t';
        UPDATE sqlite_schema SET sql='CREATE TABLE h(a integer, b text NOT NULL CHECK(b<>''x''), c real NOT NULL, d Real) STRICT' WHERE name='h';
        """),
    IntegrityFixture(name: "table order of 45 tables", setup: "CREATE TABLE aa(x);"
        + (1...45).map { "CREATE TABLE t\($0)(x); INSERT INTO t\($0) VALUES(NULL);" + ($0 == 20 ? "CREATE VIEW v1 AS SELECT 1;" : "") }.joined()
        + "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql=replace(sql,'(x)','(x NOT NULL)');",
        queries: ["PRAGMA integrity_check", "PRAGMA integrity_check(7)", "PRAGMA quick_check(t33)"]),
    IntegrityFixture(name: "collations, generated columns, added column", setup: """
        CREATE TABLE t(a TEXT COLLATE NOCASE, b, c REAL, d INTEGER PRIMARY KEY, e AS (a||'x') VIRTUAL, f AS (b*2) STORED);
        CREATE INDEX ta ON t(a); CREATE INDEX tb ON t(b DESC, c); CREATE UNIQUE INDEX tu ON t(a COLLATE BINARY);
        CREATE INDEX te ON t(e); CREATE INDEX tf ON t(f, d); CREATE INDEX tx ON t(CAST(b AS TEXT), c*2) WHERE c > 0;
        INSERT INTO t(a,b,c) VALUES('Abc', 1, 1), ('abc', 2, 2.5), ('ABC', 3, 3), ('zz', NULL, -1);
        ALTER TABLE t ADD COLUMN g DEFAULT 7 NOT NULL; CREATE INDEX tg ON t(g);
        CREATE TABLE w(a TEXT, b INT, c, UNIQUE(c), PRIMARY KEY(b, a)) WITHOUT ROWID; CREATE INDEX wa ON w(a COLLATE NOCASE);
        INSERT INTO w VALUES('x',1,1),('X',2,2),('y',1,3);
        """),
    IntegrityFixture(name: "two trees share a root", setup: """
        CREATE TABLE t(a); CREATE INDEX ti ON t(a); INSERT INTO t VALUES(1),(2);
        CREATE TABLE u(b); INSERT INTO u VALUES(3);
        CREATE TABLE big(x); INSERT INTO big SELECT randomblob(600) FROM generate_series(1,40);
        PRAGMA writable_schema=ON; UPDATE sqlite_schema SET rootpage=2 WHERE name='u';
        """),
    // Page 3 holds t's rows: cell 20's pointer aims past the page. The page-level walk says
    // so and reading the row ends the check ("database disk image is malformed").
    IntegrityFixture(name: "bad cell pointer in a table page", setup: """
        CREATE TABLE a(x); INSERT INTO a VALUES(NULL);
        CREATE TABLE t(a, b); CREATE INDEX tb ON t(b);
        INSERT INTO t SELECT value, value FROM generate_series(1,50); INSERT INTO t VALUES(NULL, 5);
        CREATE TABLE u(x); INSERT INTO u VALUES(NULL);
        PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql=replace(sql, '(x)', '(x NOT NULL)');
        UPDATE sqlite_schema SET sql='CREATE TABLE t(a NOT NULL, b)' WHERE name='t';
        """, patches: [(2 * 4096 + 8 + 40, [0xFF, 0xF0])]),
    IntegrityFixture(name: "freelist count wrong", setup: """
        CREATE TABLE t1(a, b); CREATE INDEX i1 ON t1(b); INSERT INTO t1 VALUES(NULL,1),(2,NULL);
        CREATE TABLE t2(x); INSERT INTO t2 SELECT randomblob(3000) FROM generate_series(1,3); DROP TABLE t2;
        PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql='CREATE TABLE t1(a NOT NULL, b NOT NULL)' WHERE name='t1';
        """, patches: [(32, [0, 0, 0, 0])],
        queries: ["PRAGMA integrity_check", "PRAGMA integrity_check(5)", "PRAGMA integrity_check(6)",
                  "PRAGMA integrity_check(t1)", "PRAGMA integrity_check(sqlite_schema)", "PRAGMA integrity_check(-1)",
                  "PRAGMA integrity_check(2.5)", "PRAGMA integrity_check('T1')", "PRAGMA quick_check(1)"]),
]

/// sqlite3's output for `sql` on the file at `path` (stdout, then stderr's error lines).
private func sqliteOutput(_ path: String, _ sql: String) throws -> String {
    let out = try Oracle.run([path, sql])
    return out.stdout + out.stderr.replacingOccurrences(of: "Error: in prepare, ", with: "Error: ")
}

/// The same through a Loom connection: each row's text on its own line; an error as
/// "Error: message".
private func loomOutput(_ path: String, _ sql: String) throws -> String {
    let connection = try Connection(vfs: PosixVFS(), path: path, options: PagerOptions())
    defer { try? connection.close() }
    var out = ""
    var offset = 0
    do {
        while let prepared = try connection.prepare(sql, from: offset) {
            offset = prepared.end
            let vm = connection.makeVM(prepared)
            while try vm.step() {
                if case .text(let s) = vm.column(0) { out += s + "\n" } else { out += "\(vm.column(0))\n" }
            }
        }
    } catch let error as DatabaseError {
        out += "Error: \(error.message)\n"
    }
    return out
}

private func build(_ fixture: IntegrityFixture, at path: String) throws {
    let made = try Oracle.run([path], input: fixture.setup)
    #expect(made.stderr.isEmpty, "\(made.stderr)")
    guard !fixture.patches.isEmpty, let handle = FileHandle(forUpdatingAtPath: path) else { return }
    defer { try? handle.close() }
    for patch in fixture.patches {
        try handle.seek(toOffset: UInt64(patch.offset))
        handle.write(Data(patch.bytes))
    }
}

@Suite struct IntegrityCheckTests {
    @Test(arguments: integrityFixtures)
    func damagedDatabasesReportAsSQLite(_ fixture: IntegrityFixture) throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("f.db")
        try build(fixture, at: path)
        for query in fixture.queries {
            let expected = try sqliteOutput(path, query)
            #expect(try loomOutput(path, query) == expected, "\(query)")
        }
    }

    @Test func attachedDatabasesAndTheTableForm() throws {
        guard Oracle.isAvailable, let fixture = integrityFixtures.first(where: { $0.name == "freelist count wrong" }) else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var clean = fixture
        clean.patches = []
        try build(clean, at: dir.file("m.db"))
        try build(fixture, at: dir.file("x.db"))
        let attach = "ATTACH '\(dir.file("x.db"))' AS aux; CREATE TEMP VIEW v AS SELECT 1; "
        for query in ["PRAGMA integrity_check", "PRAGMA aux.integrity_check", "PRAGMA integrity_check(3)",
                      "PRAGMA integrity_check(t1)", "PRAGMA aux.integrity_check(t1)", "PRAGMA main.quick_check(t1)",
                      "PRAGMA aux.integrity_check(sqlite_master)", "PRAGMA temp.integrity_check",
                      "PRAGMA integrity_check(v)", "PRAGMA integrity_check(nosuch)", "PRAGMA aux.integrity_check(nosuch)",
                      "PRAGMA integrity_check(i1)", "PRAGMA integrity_check(99999999999)"] {
            let path = dir.file("m.db")
            #expect(try loomOutput(path, attach + query) == (try sqliteOutput(path, attach + query)), "\(query)")
        }
    }

    /// Databases Loom writes (every kind of index and constraint) are "ok" to both.
    @Test func cleanDatabasesAreOkToBoth() throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("c.db")
        let script = """
            CREATE TABLE t(a TEXT COLLATE NOCASE NOT NULL, b INT CHECK(b > 0), c REAL, d INTEGER PRIMARY KEY, e AS (a||'x'), UNIQUE(b, c));
            CREATE INDEX ta ON t(a); CREATE UNIQUE INDEX tu ON t(a COLLATE BINARY, d); CREATE INDEX te ON t(e);
            CREATE INDEX tx ON t(lower(a), b*2) WHERE c > 0; CREATE INDEX tdesc ON t(c DESC, b);
            CREATE TABLE s(x INTEGER, y TEXT, z ANY, PRIMARY KEY(y, x)) STRICT, WITHOUT ROWID;
            CREATE INDEX sz ON s(z) WHERE z IS NOT NULL; CREATE UNIQUE INDEX sx ON s(x, z);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
            INSERT INTO t(a, b, c) SELECT 'k' || (i % 37), i, CASE WHEN i % 3 THEN i * 0.5 END FROM n;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
            INSERT INTO s SELECT i, 'y' || i, CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN i WHEN 2 THEN 'z' || i ELSE x'00' END FROM n;
            DELETE FROM t WHERE b % 7 = 0; UPDATE s SET z = z || 'u' WHERE x % 5 = 0;
            """
        _ = try loomOutput(path, script)
        for query in ["PRAGMA integrity_check", "PRAGMA quick_check", "PRAGMA integrity_check(s)"] {
            #expect(try sqliteOutput(path, query) == "ok\n", "\(query)")
            #expect(try loomOutput(path, query) == "ok\n", "\(query)")
        }
    }

    /// Random bytes written over a database give rows or errors, never a trap.
    @Test func randomDamageNeverTraps() throws {
        guard Oracle.isAvailable, let fixture = integrityFixtures.first(where: { $0.name == "index roots swapped" }) else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let original = dir.file("o.db")
        try build(fixture, at: original)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: original))
        var rng = SeededRNG()
        for round in 0..<60 {
            var damaged = bytes
            for _ in 0..<(1 + round % 8) {
                let at = 100 + Int.random(in: 0..<(damaged.count - 100), using: &rng)
                damaged[at] = UInt8.random(in: 0...255, using: &rng)
            }
            let path = dir.file("d\(round).db")
            try damaged.write(to: URL(fileURLWithPath: path))
            _ = try loomOutput(path, round % 2 == 0 ? "PRAGMA integrity_check" : "PRAGMA quick_check(t)")
        }
    }
}
