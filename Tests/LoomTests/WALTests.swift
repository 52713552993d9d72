// This file tests WAL mode through the public API: reading logs written by sqlite3 (with
// frames not yet checkpointed), writing logs sqlite3 reads, checkpoints, the pragmas, two
// connections in one process, and a sqlite3 process and Loom alternating writes.
// Layer: tests (L7 over L1/L0). Spec: Spec/L1-pager.md (section "WAL").
import Foundation
import Testing
import Loom
import LoomVFS
import LoomTestSupport
import Synchronization

private func rows(_ db: Database, _ sql: String) throws -> String {
    try listOutput(db, sql)
}

/// Runs `body` again while it throws `busy`.
private func retrying<R>(_ body: () throws -> R) throws -> R {
    while true {
        do { return try body() } catch let e as DatabaseError where e.code.primary == .busy { continue }
    }
}

private func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
}

@Suite struct WALTests {
    /// sqlite3 writes a WAL database and, while it still holds it open, the files are copied:
    /// the copy has a log with every commit not yet checkpointed and no valid -shm.
    @Test(.enabled(if: Oracle.isAvailable)) func readsUncheckpointedLogWrittenBySqlite3() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = dir.file("a.db"), b = dir.file("b.db")
        var script = "PRAGMA journal_mode=WAL;\nPRAGMA wal_autocheckpoint=0;\nCREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);\n"
        for i in 0..<300 { script += "INSERT INTO t VALUES(\(i), '\(String(repeating: "x", count: i % 50))');\n" }
        script += "UPDATE t SET v = 'u' WHERE k % 7 = 0;\nDELETE FROM t WHERE k % 11 = 0;\n"
        script += ".system cp \(a) \(b); cp \(a)-wal \(b)-wal\n"
        _ = try Oracle.run([a], input: script)
        #expect(fileSize(b + "-wal") > 100_000)
        let expected = try Oracle.run([a, "SELECT k, v FROM t ORDER BY k;"]).stdout
        let db = try Database(path: b)
        #expect(try rows(db, "PRAGMA journal_mode") == "wal\n")
        #expect(try rows(db, "SELECT k, v FROM t ORDER BY k") == expected)
        #expect(try rows(db, "PRAGMA integrity_check") == "ok\n")
        try db.close()
        // The last connection checkpointed and removed the log.
        #expect(fileSize(b + "-wal") == -1)
        #expect(try Oracle.run([b, "SELECT k, v FROM t ORDER BY k;"]).stdout == expected)
    }

    /// Frames after the last commit frame, or with a bad checksum, are ignored.
    @Test(.enabled(if: Oracle.isAvailable)) func ignoresTornAndUncommittedFrames() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = dir.file("a.db"), b = dir.file("b.db")
        let script = """
            PRAGMA journal_mode=WAL;
            PRAGMA wal_autocheckpoint=0;
            CREATE TABLE t(x);
            INSERT INTO t VALUES(1);
            INSERT INTO t VALUES(2);
            .system cp \(a) \(b); cp \(a)-wal \(b)-wal
            """
        _ = try Oracle.run([a], input: script)
        // Frames: 1 (schema, pages 1 and 2), then two single-frame commits. Damage the last
        // frame's page bytes: its checksum fails, so only the first insert survives.
        let wal = try FileHandle(forUpdatingAtPath: b + "-wal").unwrap()
        let size = wal.seekToEndOfFile()
        wal.seek(toFileOffset: size - 100)
        wal.write(Data([0xde, 0xad, 0xbe, 0xef]))
        try wal.close()
        let db = try Database(path: b)
        #expect(try rows(db, "SELECT x FROM t") == "1\n")
        try db.close()
    }

    /// Loom writes in WAL mode; before it closes, a copy of its files opens in sqlite3 with
    /// every row (the log holds frames not yet checkpointed) and passes integrity_check.
    @Test(.enabled(if: Oracle.isAvailable)) func loomLogOpensInSqlite3() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("loom.db"), copy = dir.file("copy.db")
        let db = try Database(path: path)
        #expect(try rows(db, "PRAGMA journal_mode=WAL") == "wal\n")
        #expect(try rows(db, "PRAGMA wal_autocheckpoint=0") == "0\n")
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT); CREATE INDEX ts ON t(s)")
        for i in 0..<200 { try db.execute("INSERT INTO t(s) VALUES('row \(i) \(String(repeating: "y", count: i))')") }
        try db.execute("DELETE FROM t WHERE id % 3 = 0")
        let expected = try rows(db, "SELECT id, s FROM t ORDER BY id")
        #expect(fileSize(path + "-wal") > 100_000)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        #expect(try Oracle.run([copy, "PRAGMA integrity_check;"]).stdout == "ok\n")
        #expect(try Oracle.run([copy, "SELECT id, s FROM t ORDER BY id;"]).stdout == expected)
        #expect(try Oracle.run([copy, "PRAGMA journal_mode;"]).stdout == "wal\n")
        // Header bytes 18/19 are 2 in the database file.
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(20)
        #expect(header[18] == 2 && header[19] == 2)
        try db.close()
        #expect(fileSize(path + "-wal") == -1)
        #expect(fileSize(path + "-shm") == -1)
        #expect(try Oracle.run([path, "SELECT id, s FROM t ORDER BY id;"]).stdout == expected)
    }

    /// wal_checkpoint's three columns as sqlite3 prints them, TRUNCATE empties the log,
    /// autocheckpoint keeps the log short, journal_mode=DELETE leaves WAL mode.
    @Test(.enabled(if: Oracle.isAvailable)) func checkpointPragmasMatchSqlite3() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let script = """
            PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint; PRAGMA wal_autocheckpoint=100;
            PRAGMA journal_size_limit; PRAGMA journal_size_limit=5000;
            CREATE TABLE t(x); INSERT INTO t VALUES(1); PRAGMA wal_checkpoint;
            PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES(2); PRAGMA wal_checkpoint(RESTART);
            PRAGMA wal_checkpoint(PASSIVE); PRAGMA wal_checkpoint(FULL); PRAGMA journal_mode=DELETE;
            PRAGMA wal_checkpoint; SELECT * FROM t;
            """
        let expected = try Oracle.run([dir.file("s.db")], input: script).stdout
        let db = try Database(path: dir.file("l.db"))
        var out = ""
        var offset = 0
        let utf8 = Array(script.utf8)
        while offset < utf8.count {
            let (stmt, tail) = try db.prepareNext(script, from: offset)
            offset = tail
            guard let stmt else { break }
            while try stmt.step() {
                out += (0..<stmt.columnCount).map { stmt.column($0).textRepresentation ?? "" }.joined(separator: "|") + "\n"
            }
        }
        #expect(out == expected)
        try db.close()
        #expect(fileSize(dir.file("l.db-wal")) == -1)
        #expect(try Oracle.run([dir.file("l.db"), "PRAGMA journal_mode; PRAGMA integrity_check;"]).stdout == "delete\nok\n")
    }

    @Test func autocheckpointBoundsTheLog() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("a.db")
        let db = try Database(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=10; CREATE TABLE t(x)")
        for i in 0..<200 { try db.execute("INSERT INTO t VALUES(\(i))") }
        // The log restarts once fully checkpointed: it never holds many more than 10 frames.
        #expect(fileSize(path + "-wal") < 20 * (4096 + 24))
        #expect(try rows(db, "SELECT count(*), sum(x) FROM t") == "200|19900\n")
        try db.close()
    }

    /// Two connections in one process: a reader keeps its snapshot while the writer commits
    /// and checkpoints; a new read sees the new rows.
    @Test func twoConnectionsShareTheLog() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("a.db")
        let w = try Database(path: path)
        try w.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(1)")
        let r = try Database(path: path)
        #expect(try rows(r, "PRAGMA journal_mode") == "wal\n")
        try r.begin()
        #expect(try rows(r, "SELECT count(*) FROM t") == "1\n")
        for i in 2...50 { try w.execute("INSERT INTO t VALUES(\(i))") }
        #expect(try rows(w, "PRAGMA wal_checkpoint") .hasPrefix("0|"))
        #expect(try rows(r, "SELECT count(*) FROM t") == "1\n")
        try r.commit()
        #expect(try rows(r, "SELECT count(*) FROM t") == "50\n")
        try r.execute("INSERT INTO t VALUES(51)")
        #expect(try rows(w, "SELECT count(*), sum(x) FROM t") == "51|1326\n")
        // Leaving WAL mode needs the only connection.
        #expect(throws: DatabaseError.self) { try w.execute("PRAGMA journal_mode=DELETE") }
        try r.close()
        try w.close()
        #expect(fileSize(path + "-wal") == -1)
    }

    /// The schema check before each statement is skipped while nothing was committed; a
    /// schema change by another connection (Loom or a sqlite3 process) is still seen by the
    /// next statement, and the connection's own commits keep the shortcut correct.
    @Test func schemaChangesByOthersAreSeen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("a.db")
        let a = try Database(path: path)
        try a.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(1)")
        let b = try Database(path: path)
        #expect(try rows(b, "SELECT count(*) FROM t") == "1\n")
        #expect(try rows(b, "SELECT count(*) FROM t") == "1\n")
        try a.execute("CREATE TABLE u(y); INSERT INTO u VALUES(7)")
        #expect(try rows(b, "SELECT y FROM u") == "7\n")
        try b.execute("INSERT INTO t VALUES(2)")
        try b.execute("INSERT INTO t VALUES(3)")
        try a.execute("DROP TABLE u; ALTER TABLE t ADD COLUMN z DEFAULT 5")
        #expect(throws: DatabaseError.self) { try rows(b, "SELECT y FROM u") }
        #expect(try rows(b, "SELECT sum(x), sum(z) FROM t") == "6|15\n")
        if Oracle.isAvailable {
            _ = try Oracle.run([path, "CREATE TABLE v(w); INSERT INTO v VALUES(9);"])
            #expect(try rows(b, "SELECT w FROM v") == "9\n")
            #expect(try rows(a, "SELECT w FROM v") == "9\n")
        }
        try a.close()
        try b.close()
    }

    /// A Loom reader keeps its snapshot while a sqlite3 process commits and checkpoints: the
    /// checkpoint stops at Loom's read mark (busy or partial), and sqlite3 cannot rewind the
    /// log under the reader.
    @Test(.enabled(if: Oracle.isAvailable)) func sqlite3CheckpointHonoursLoomReader() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("a.db")
        let db = try Database(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(x)")
        try db.execute("INSERT INTO t VALUES(1)")
        try db.begin()
        #expect(try rows(db, "SELECT count(*) FROM t") == "1\n")
        let out = try Oracle.run([path], input: """
            PRAGMA wal_autocheckpoint=0;
            INSERT INTO t VALUES(2); INSERT INTO t VALUES(3);
            PRAGMA wal_checkpoint(PASSIVE);
            SELECT count(*) FROM t;
            """)
        #expect(out.stderr == "")
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.last == "3")
        let ckpt = lines.first { $0.contains("|") }.map { $0.split(separator: "|").compactMap { Int($0) } } ?? []
        #expect(ckpt.count == 3 && ckpt[2] < ckpt[1], "checkpoint passed the reader's mark: \(out.stdout)")
        #expect(try rows(db, "SELECT count(*) FROM t") == "1\n")
        try db.commit()
        #expect(try rows(db, "SELECT sum(x) FROM t") == "6\n")
        #expect(try rows(db, "PRAGMA wal_checkpoint(TRUNCATE)") == "0|0|0\n")
        try db.close()
        #expect(try Oracle.run([path, "SELECT sum(x) FROM t; PRAGMA integrity_check;"]).stdout == "6\nok\n")
    }

    /// A WAL workload on SimVFS is deterministic: same seed, same trace and same bytes.
    @Test func simWorkloadIsDeterministic() throws {
        func run() throws -> ([String], UInt64) {
            let vfs = SimVFS(seed: 9, tracing: true)
            let db = try Database(path: "w.db", vfs: vfs)
            try db.execute("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=4; CREATE TABLE t(x)")
            for i in 0..<20 { try db.execute("INSERT INTO t VALUES(zeroblob(\(i * 30)) || \(i))") }
            try db.close()
            #expect(vfs.leftovers().isEmpty, "\(vfs.leftovers())")
            return (vfs.trace, vfs.fingerprint())
        }
        let a = try run(), b = try run()
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
    }

    /// Damaged logs (random bytes changed anywhere in a log with committed frames) never
    /// trap: the database opens with some committed prefix or reports an error.
    @Test func damagedLogsNeverTrap() throws {
        let vfs = SimVFS(seed: 3)
        let db = try Database(path: "w.db", vfs: vfs)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(x, y)")
        for i in 0..<30 { try db.execute("INSERT INTO t VALUES(\(i), randomblob(\(i * 20)))") }
        let dbBytes = try #require(vfs.contents(of: "w.db"))
        let walBytes = try #require(vfs.contents(of: "w.db-wal"))
        try db.close()
        var rng = SeededRNG(seed: 77)
        var opened = 0
        for _ in 0..<60 {
            var wal = walBytes
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let at = Int(rng.next() % UInt64(wal.count))
                wal[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { wal.removeLast(Int(rng.next() % UInt64(wal.count))) }
            let sim = SimVFS(seed: 1)
            sim.install("w.db", bytes: dbBytes)
            sim.install("w.db-wal", bytes: wal)
            do {
                let d = try Database(path: "w.db", vfs: sim)
                _ = try? d.queryAll("SELECT count(*) FROM t")
                _ = try? d.queryAll("PRAGMA integrity_check")
                try? d.close()
                opened += 1
            } catch {}
        }
        #expect(opened > 0)
    }

    /// The built `loom` executable next to the test bundle, if any.
    static let loomExecutable: String? = {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let candidates = [bundleDir.appendingPathComponent("loom").path,
                          bundleDir.deletingLastPathComponent().appendingPathComponent("loom").path,
                          FileManager.default.currentDirectoryPath + "/.build/debug/loom"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The other way round: a sqlite3 process holds a read transaction while a `loom`
    /// process (started from inside it) commits and checkpoints; Loom's checkpoint stops at
    /// sqlite3's read mark and sqlite3 keeps its snapshot.
    @Test(.enabled(if: Oracle.isAvailable && loomExecutable != nil))
    func loomCheckpointHonoursSqlite3Reader() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("s.db")
        let loom = try #require(Self.loomExecutable)
        let out = try Oracle.run([path], input: """
            PRAGMA journal_mode=WAL;
            CREATE TABLE t(x); INSERT INTO t VALUES(1);
            BEGIN;
            SELECT count(*) FROM t;
            .system \(loom) \(path) "INSERT INTO t VALUES(2); PRAGMA wal_checkpoint; SELECT count(*) FROM t;"
            SELECT count(*) FROM t;
            COMMIT;
            SELECT count(*) FROM t;
            PRAGMA integrity_check;
            """)
        #expect(out.stderr == "")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 7, "\(out.stdout)")
        guard lines.count == 7 else { return }
        #expect(lines[0] == "wal" && lines[1] == "1")
        let ckpt = lines[2].split(separator: "|").compactMap { Int($0) }
        #expect(ckpt.count == 3 && ckpt[2] < ckpt[1], "Loom's checkpoint passed sqlite3's read mark: \(lines[2])")
        #expect(Array(lines[3...]) == ["2", "1", "2", "ok"])
    }

    /// Two connections on two threads: the writer commits while the reader repeatedly opens
    /// snapshots; every snapshot is a consistent committed state (count matches the sum) and
    /// never goes backwards. Busy answers are retried.
    @Test func concurrentReaderSeesOnlyCommittedStates() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("c.db")
        let setup = try Database(path: path)
        try setup.execute("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=20; CREATE TABLE t(n INTEGER, pad BLOB)")
        let group = DispatchGroup()
        let failures = Mutex<[String]>([])
        group.enter()
        DispatchQueue.global().async {
            defer { group.leave() }
            do {
                let w = try Database(path: path)
                for i in 1...150 {
                    try retrying { try w.execute("BEGIN; INSERT INTO t VALUES(\(i), zeroblob(300)); INSERT INTO t VALUES(-\(i), NULL); COMMIT") }
                }
                try w.close()
            } catch { failures.withLock { $0.append("writer: \(error)") } }
        }
        group.enter()
        DispatchQueue.global().async {
            defer { group.leave() }
            do {
                let r = try Database(path: path)
                var last = 0
                for _ in 0..<300 {
                    let row = try retrying { try r.queryAll("SELECT count(*), sum(n), max(n) FROM t").first ?? [] }
                    let count = Int(row.first?.textRepresentation ?? "") ?? -1
                    let sum = row.count > 1 ? (row[1].textRepresentation ?? "0") : "?"
                    if count % 2 != 0 || (count > 0 && sum != "0") || count < last {
                        failures.withLock { $0.append("reader saw count \(count) sum \(sum) after \(last)") }
                        break
                    }
                    last = count
                }
                try r.close()
            } catch { failures.withLock { $0.append("reader: \(error)") } }
        }
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(try rows(setup, "SELECT count(*), sum(n) FROM t") == "300|0\n")
        #expect(try rows(setup, "PRAGMA integrity_check") == "ok\n")
        try setup.close()
    }

    /// A sqlite3 process and a Loom connection alternate writes on one WAL database while
    /// both keep it open (Loom reads sqlite3's commits through the shared -shm index).
    @Test(.enabled(if: Oracle.isAvailable)) func alternatesWritesWithSqlite3Process() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("a.db")
        let db = try Database(path: path)
        try db.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(who TEXT, n INTEGER)")
        for round in 0..<6 {
            try db.execute("INSERT INTO t VALUES('loom', \(round))")
            let out = try Oracle.run([path], input: """
                .timeout 2000
                INSERT INTO t VALUES('sqlite3', \(round));
                SELECT count(*) FROM t;
                """)
            #expect(out.stderr == "")
            #expect(out.stdout == "\(2 * round + 2)\n")
            #expect(try rows(db, "SELECT count(*) FROM t WHERE who = 'sqlite3'") == "\(round + 1)\n")
        }
        #expect(try rows(db, "PRAGMA integrity_check") == "ok\n")
        try db.close()
        #expect(try Oracle.run([path, "SELECT count(*) FROM t; PRAGMA integrity_check;"]).stdout == "12\nok\n")
    }

    /// Rewinds by both engines while both keep the database open: Loom rewinds the log in a
    /// write transaction that writes nothing (so sqlite3 writes the new generation's first
    /// frame, with the salts Loom put in the index), sqlite3 rewinds after its own RESTART
    /// checkpoint. A second Loom connection reads after every step: its cache, kept across
    /// rewinds it saw, never serves a page the other engine changed.
    @Test(.enabled(if: Oracle.isAvailable)) func rewindsAlternateWithSqlite3Process() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("r.db")
        let db = try Database(path: path)
        try db.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(who TEXT, n INTEGER)")
        let reader = try Database(path: path)
        func seen() throws -> String { try rows(reader, "SELECT count(*), sum(n) FROM t") }
        var count = 0, sum = 0
        var salts: Set<Data> = []
        for round in 0..<4 {
            try db.execute("INSERT INTO t VALUES('loom', \(round))")
            count += 1; sum += round
            #expect(try seen() == "\(count)|\(sum)\n")
            _ = try rows(db, "PRAGMA wal_checkpoint(RESTART)")
            try db.execute("BEGIN IMMEDIATE; COMMIT")
            #expect(try rows(db, "PRAGMA wal_checkpoint") == "0|0|0\n")
            #expect(try seen() == "\(count)|\(sum)\n")
            let out = try Oracle.run([path], input: """
                .timeout 2000
                INSERT INTO t VALUES('sqlite3', \(round + 10));
                PRAGMA wal_checkpoint(RESTART);
                INSERT INTO t VALUES('sqlite3', \(round + 100));
                SELECT count(*), sum(n) FROM t;
                """)
            count += 2; sum += 2 * round + 110
            #expect(out.stderr == "")
            salts.insert(try Data(contentsOf: URL(fileURLWithPath: path + "-wal")).prefix(24).suffix(8))
            #expect(out.stdout.hasSuffix("\(count)|\(sum)\n"))
            #expect(try seen() == "\(count)|\(sum)\n")
            #expect(try rows(db, "SELECT count(*), sum(n) FROM t") == "\(count)|\(sum)\n")
        }
        #expect(try rows(reader, "PRAGMA integrity_check") == "ok\n")
        // Each round ended in a new log generation (new salts in the WAL header).
        #expect(salts.count == 4)
        try reader.close()
        try db.close()
        #expect(try Oracle.run([path, "SELECT count(*), sum(n) FROM t; PRAGMA integrity_check;"]).stdout == "\(count)|\(sum)\nok\n")
    }
}

private extension Optional {
    func unwrap() throws -> Wrapped {
        guard let self else { throw CocoaError(.fileNoSuchFile) }
        return self
    }
}
