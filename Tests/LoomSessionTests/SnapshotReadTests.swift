// This file tests Connection.beginSnapshotRead / endSnapshotRead: the snapshot is taken at
// the call (a later commit by another connection stays invisible until the end), a schema
// changed by another connection is reloaded at the call, nesting is refused like BEGIN,
// and the read ends at the end.
// Layer: L6 tests. Spec: Spec/L6-session.md (§Snapshot reads).
import Foundation
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomSession
import LoomTestSupport

@Suite struct SnapshotReadTests {
    @Test func snapshotIsTakenAtTheCallAndEndsAtTheEnd() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("s.db")
        let writer = try Connection(vfs: PosixVFS(), path: path, options: PagerOptions())
        defer { try? writer.close() }
        _ = try run(writer, "PRAGMA journal_mode = WAL; CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        let reader = try Connection(vfs: PosixVFS(), path: path, options: PagerOptions())
        defer { try? reader.close() }
        #expect(try run(reader, "SELECT count(*) FROM t") == [[.integer(1)]])

        try reader.beginSnapshotRead()
        #expect(!reader.context.isAutocommit)
        #expect(reader.context.transactionState == .read)
        // Committed after the snapshot began, before the reader's first statement.
        _ = try run(writer, "INSERT INTO t VALUES (2); CREATE TABLE u(b); INSERT INTO u VALUES (7);")
        #expect(try run(reader, "SELECT count(*) FROM t") == [[.integer(1)]])
        #expect(throws: DatabaseError.self) { try run(reader, "SELECT b FROM u") }
        try reader.endSnapshotRead()
        #expect(reader.context.isAutocommit)
        #expect(reader.context.transactionState == .none)

        // The next snapshot sees both, the new table through a schema reloaded at the call.
        try reader.beginSnapshotRead()
        #expect(try run(reader, "SELECT count(*) FROM t") == [[.integer(2)]])
        #expect(try run(reader, "SELECT b FROM u") == [[.integer(7)]])
        try reader.endSnapshotRead()
        // Once ended, the connection is back to autocommit: a second end does nothing.
        try reader.endSnapshotRead()
    }

    @Test func nestingIsRefusedLikeBegin() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let c = try Connection(vfs: PosixVFS(), path: dir.file("n.db"), options: PagerOptions())
        defer { try? c.close() }
        _ = try run(c, "PRAGMA journal_mode = WAL; CREATE TABLE t(a);")
        try c.beginSnapshotRead()
        #expect(throws: DatabaseError(.error, "cannot start a transaction within a transaction")) {
            try c.beginSnapshotRead()
        }
        // BEGIN inside it is refused too, and COMMIT ends it like endSnapshotRead.
        #expect(throws: DatabaseError.self) { try run(c, "BEGIN") }
        _ = try run(c, "COMMIT")
        #expect(c.context.isAutocommit)
        #expect(c.context.transactionState == .none)
        _ = try run(c, "BEGIN")
        #expect(throws: DatabaseError.self) { try c.beginSnapshotRead() }
        _ = try run(c, "ROLLBACK")
    }
}
