// This file tests RETURNING, UPDATE … FROM and ORDER BY/LIMIT on a Swift virtual-table module
// (the MemoryKV store of VirtualTableTests): sqlite3 cannot load a Swift module, so the
// expectations are sqlite3 3.40's rules as observed on FTS5 (Tests/LoomShellTests/ReturningTests).
// Layer: L5/L7. Spec: Spec/L5-sql.md §Virtual tables.
import Testing
import Loom

@Suite("RETURNING on Swift virtual tables")
struct ReturningVirtualTableModuleTests {
    func rows(_ db: Database, _ sql: String) throws -> [String] {
        let stmt = try db.prepare(sql)
        var out: [String] = []
        while try stmt.step() { out.append(stmt.row.map { $0.textRepresentation ?? "NULL" }.joined(separator: "|")) }
        return out
    }

    func open() throws -> (Database, MemoryKV) {
        let db = try Database(path: ":memory:")
        let kv = MemoryKV()
        db.register(module: kv, named: "memkv")
        try db.execute("CREATE VIRTUAL TABLE kv USING memkv")
        return (db, kv)
    }

    @Test func insertReturning() throws {
        let (db, kv) = try open()
        // The row as given, before xUpdate: rowid -1 unless given; subqueries see the table without it.
        #expect(try rows(db, "INSERT INTO kv VALUES('a', 1), ('b', 2.5) RETURNING rowid, k, v, (SELECT count(*) FROM kv AS x WHERE x.k <> kv.k)")
                == ["-1|a|1|0", "-1|b|2.5|1"])
        #expect(try rows(db, "INSERT INTO kv(rowid, k, v) VALUES('7', 'c', NULL) RETURNING rowid, typeof(rowid), *")
                == ["7|integer|c|NULL"])
        #expect(try rows(db, "SELECT rowid, k FROM kv ORDER BY rowid") == ["1|a", "2|b", "7|c"])
        #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO kv(rowid, k) VALUES(1.5, 'x')") }
        #expect(kv.store.rows[1]?.0 == "a")
        do {
            try db.execute("UPDATE kv SET v = 1 RETURNING *")
            Issue.record("UPDATE RETURNING accepted")
        } catch let e as DatabaseError {
            #expect(e.message == "UPDATE RETURNING is not available on virtual tables")
        }
        do {
            try db.execute("DELETE FROM kv RETURNING *")
            Issue.record("DELETE RETURNING accepted")
        } catch let e as DatabaseError {
            #expect(e.message == "DELETE RETURNING is not available on virtual tables")
        }
        do {
            try db.execute("INSERT INTO kv VALUES('a', 1) ON CONFLICT DO NOTHING")
            Issue.record("UPSERT accepted")
        } catch let e as DatabaseError {
            #expect(e.message == "UPSERT not implemented for virtual table \"kv\"")
        }
    }

    @Test func updateFromAndLimits() throws {
        let (db, kv) = try open()
        try db.execute("INSERT INTO kv VALUES('a', 1), ('b', 2), ('c', 3), ('d', 4)")
        try db.execute("CREATE TABLE t(k, v); INSERT INTO t VALUES('a', 'x'), ('c', 'y'), ('c', 'z')")
        kv.store.log = []
        try db.execute("UPDATE kv SET v = t.v FROM t WHERE t.k = kv.k")
        // One xUpdate per joined row, as sqlite3: c is updated twice, the last match stays.
        #expect(kv.store.log.filter { $0.hasPrefix("update") }.count == 3)
        #expect(try rows(db, "SELECT changes()") == ["3"])
        #expect(try rows(db, "SELECT k, v FROM kv ORDER BY rowid") == ["a|x", "b|2", "c|z", "d|4"])
        try db.execute("UPDATE kv SET v = 'top' ORDER BY k DESC LIMIT 2")
        #expect(try rows(db, "SELECT k, v FROM kv ORDER BY rowid") == ["a|x", "b|2", "c|top", "d|top"])
        try db.execute("DELETE FROM kv ORDER BY k LIMIT 1 OFFSET 1")
        #expect(try rows(db, "SELECT k FROM kv ORDER BY rowid") == ["a", "c", "d"])
    }
}
