// This file tests Connection.backup(to:): page copies that sqlite3 reads back, page-size
// adoption by an empty destination, and the refusals.
// Layer: L6 tests. Spec: Spec/L6-session.md (§Backup).
import Foundation
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomSession
import LoomTestSupport

@Suite struct BackupTests {
    @Test func copyIsReadBySQLiteAndReplacesTheDestination() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let source = try Connection(vfs: PosixVFS(), path: dir.file("s.db"), options: PagerOptions())
        defer { try? source.close() }
        _ = try run(source, "PRAGMA page_size = 1024; CREATE TABLE t(a, b); CREATE INDEX tb ON t(b);")
        _ = try run(source, "BEGIN")
        for i in 0..<200 { _ = try run(source, "INSERT INTO t VALUES(\(i), '\(String(repeating: "x", count: i * 7))')") }
        _ = try run(source, "COMMIT")
        let destination = try Connection(vfs: PosixVFS(), path: dir.file("d.db"), options: PagerOptions())
        defer { try? destination.close() }
        try source.backup(to: destination)
        #expect(try run(destination, "SELECT count(*), sum(length(b)) FROM t") == [[.integer(200), .integer(139_300)]])
        #expect(try run(destination, "PRAGMA page_size") == [[.integer(1024)]])
        // A second copy replaces the first (the destination is truncated to the source).
        _ = try run(source, "DELETE FROM t WHERE a > 10; PRAGMA user_version = 5;")
        try source.backup(to: destination)
        #expect(try run(destination, "PRAGMA user_version") == [[.integer(5)]])
        #expect(try run(destination, "SELECT count(*) FROM t") == [[.integer(11)]])
        if Oracle.isAvailable {
            let check = try Oracle.run([dir.file("d.db"), "PRAGMA integrity_check; SELECT count(*) FROM t;"])
            #expect(check.stdout == "ok\n11\n")
        }
        // A smaller source: the destination file is cut to its pages.
        let small = try Connection(vfs: PosixVFS(), path: dir.file("small.db"), options: PagerOptions())
        defer { try? small.close() }
        _ = try run(small, "PRAGMA page_size = 1024; CREATE TABLE s(z); INSERT INTO s VALUES(42);")
        try small.backup(to: destination)
        #expect(try run(destination, "SELECT * FROM s") == [[.integer(42)]])
        #expect(try run(destination, "SELECT name FROM sqlite_schema") == [[.text("s")]])
        let size = try FileManager.default.attributesOfItem(atPath: dir.file("d.db"))[.size] as? Int
        #expect(size == 2048)
        if Oracle.isAvailable {
            #expect(try Oracle.run([dir.file("d.db"), "PRAGMA integrity_check; SELECT * FROM s;"]).stdout == "ok\n42\n")
        }
    }

    @Test func refusals() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = try Connection(vfs: PosixVFS(), path: dir.file("a.db"), options: PagerOptions())
        let b = try Connection(vfs: PosixVFS(), path: dir.file("b.db"), options: PagerOptions())
        defer { try? a.close(); try? b.close() }
        _ = try run(a, "PRAGMA page_size = 1024; CREATE TABLE t(x);")
        _ = try run(b, "CREATE TABLE u(y);")
        #expect(throws: DatabaseError.self) { try a.backup(to: b) }  // page sizes differ
        #expect(throws: DatabaseError.self) { try a.backup(to: a) }
        #expect(try run(b, "SELECT name FROM sqlite_schema") == [[.text("u")]])
    }
}
