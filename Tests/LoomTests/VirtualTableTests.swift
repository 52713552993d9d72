// This file tests virtual tables end to end through the public API: json_each / json_tree,
// generate_series and pragma functions compared with sqlite3 3.40, CREATE/DROP VIRTUAL
// TABLE errors, and a module written in Swift (constraints, ORDER BY consumption, writes,
// transaction hooks). Layer: L7 (through L4-L6). Spec: Spec/L4-vdbe.md §Virtual tables.
import Foundation
import Testing
import Loom
import LoomTestSupport

/// Runs `setup` then `query` in Loom and in sqlite3; the rows (values joined by "|") or the
/// error message must agree.
func expectSameAsSQLite(_ query: String, setup: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
    let out = try Oracle.run([":memory:"], input: setup + "\n" + query + ";\n")
    var want = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if want.last == "" { want.removeLast() }
    let wantError: String? = out.stderr.split(separator: "\n").first.flatMap { line in
        line.range(of: ": ", options: .backwards).map { String(line[$0.upperBound...]) }
    }
    let db = try Database()
    if !setup.isEmpty { try db.execute(setup) }
    var rows: [String] = []
    var error: String? = nil
    do {
        let stmt = try db.prepare(query)
        while try stmt.step() {
            rows.append(stmt.row.map { $0.textRepresentation ?? "" }.joined(separator: "|"))
        }
    } catch let e as DatabaseError {
        error = e.message
    }
    if let wantError {
        #expect(error.map { wantError.hasSuffix($0) || $0.hasSuffix(wantError) } == true,
                "\(query): loom \(error ?? "no error") \(rows), sqlite3 error \(wantError)", sourceLocation: sourceLocation)
    } else {
        #expect(error == nil && rows == want, "\(query):\nloom \(error ?? "") \(rows)\nsqlite3 \(want)",
                sourceLocation: sourceLocation)
    }
}

@Suite("Virtual tables")
struct VirtualTableTests {
    static let jsonQueries: [String] = [
        #"SELECT * FROM json_tree('{"a":1,"b":[2,{"c":null}],"d e":"x","":true}')"#,
        #"SELECT * FROM json_each('{"a":1,"b":[2,{"c":null}]}')"#,
        #"SELECT *, json, root FROM json_each('{"a":1,"b":[2,{"c":null}]}', '$.b')"#,
        #"SELECT * FROM json_tree('{"a":1,"b":[2,{"c":null}]}', '$.b')"#,
        #"SELECT * FROM json_each('5')"#,
        #"SELECT * FROM json_tree('[[]]')"#,
        #"SELECT * FROM json_each('{"a":1}', '$.x')"#,
        #"SELECT * FROM json_each('{"a":1}', 'x')"#,
        #"SELECT * FROM json_each('{x')"#,
        #"SELECT * FROM json_each(NULL)"#,
        #"SELECT * FROM json_each('[1]', NULL)"#,
        #"SELECT key, typeof(key), rowid FROM json_each('[1,2]')"#,
        #"SELECT key, fullkey, id FROM json_each('{"a.b":1, "1":2, "\\u0041":3, "a\"b":4, "aB9":5, "a_b":6, "é":7}')"#,
        #"SELECT * FROM json_tree('{"a":[1,[2]]}', '$.a[1]')"#,
        #"SELECT * FROM json_tree('{"x":[5,6,[7]]}', '$.x[2]')"#,
        #"SELECT * FROM json_tree('[5,6,7]', '$[2]')"#,
        #"SELECT * FROM json_tree('{"a":{"b c":{"d":1}}}', '$."a"')"#,
        #"SELECT * FROM json_each('{"a":{"b c":{"d":1}}}', '$."a"')"#,
        #"SELECT * FROM json_tree('{"a":{"b":1}}', '$.a.b')"#,
        #"SELECT * FROM json_tree('{"a":1}', '$.a')"#,
        #"SELECT value, typeof(value), atom, type FROM json_each('[1.5, "s", true, false, null, 1e400, -0, 12345678901234567890]')"#,
        #"SELECT json_array(value), json_array(atom) FROM json_each('[[1],{"a":2}, "x"]')"#,
        #"SELECT id FROM json_each('["abc", [1,2], {"a":[3]}, 4]')"#,
        #"SELECT count(*) FROM json_each"#,
        #"SELECT root, json FROM json_each('[1]')"#,
        #"SELECT key FROM json_each('{"b":1,"a":2}') ORDER BY key"#,
        #"SELECT j.key, k.key FROM json_each('[[1,2],[3]]') j, json_each(j.value) k"#,
        #"SELECT fullkey FROM json_tree('{"a":[{"b":[1,{"c d":2}]}]}') WHERE type <> 'object'"#,
        #"SELECT * FROM json_each('[1]', '$', 'x')"#,
    ]

    @Test(arguments: jsonQueries) func jsonEachAndTreeMatchSQLite(_ query: String) throws {
        guard Oracle.isAvailable else { return }
        try expectSameAsSQLite(query)
    }

    static let joinSetup = """
        CREATE TABLE t(id INTEGER PRIMARY KEY, j);
        INSERT INTO t VALUES (1, '[1,2]'), (2, '{"x":3}'), (3, NULL), (4, '[]');
        """
    static let joinQueries: [String] = [
        "SELECT t.id, j.key, j.value FROM t, json_each(t.j) j ORDER BY 1, 2",
        "SELECT t.id, j.key, j.value FROM json_each(t.j) j, t ORDER BY 1, 2",
        "SELECT t.id, j.key, j.value FROM t LEFT JOIN json_each(t.j) j ORDER BY 1, 2",
        "SELECT t.id, (SELECT count(*) FROM json_each(t.j)) FROM t",
        "SELECT t.id FROM t WHERE EXISTS (SELECT 1 FROM json_each(t.j) WHERE value = 2)",
        "SELECT t.id, j.value FROM t JOIN json_tree(t.j) j ON j.type = 'integer' ORDER BY 1, 2",
    ]

    @Test(arguments: joinQueries) func tableValuedFunctionsInJoinsMatchSQLite(_ query: String) throws {
        guard Oracle.isAvailable else { return }
        try expectSameAsSQLite(query, setup: Self.joinSetup)
    }

    static let seriesQueries: [String] = [
        "SELECT * FROM generate_series(1, 10, 3)",
        "SELECT group_concat(value) FROM generate_series(10, 1, -3)",
        "SELECT group_concat(value) FROM generate_series(1, 10, -3)",
        "SELECT group_concat(value) FROM generate_series(1, 10, 0)",
        "SELECT value FROM generate_series(1, 5) ORDER BY value DESC",
        "SELECT value FROM generate_series(1, 10, 4) ORDER BY value DESC",
        "SELECT group_concat(value) FROM generate_series(1, NULL)",
        "SELECT group_concat(value) FROM generate_series('a', 3)",
        "SELECT group_concat(value) FROM generate_series(1.5, 3.7)",
        "SELECT rowid, value, start, stop, step FROM generate_series(3, 4)",
        "SELECT value FROM generate_series(1, 10) WHERE value > 3 AND value <= 6",
        "SELECT * FROM generate_series(-3, -1, -1)",
        "SELECT * FROM generate_series WHERE stop = 3",
        "SELECT a.value, b.value FROM generate_series(1, 3) a, generate_series(a.value, 3) b",
        "SELECT value FROM generate_series(1, 3) WHERE start = 1",
        "SELECT sum(value) FROM generate_series(1, 100000)",
    ]

    @Test(arguments: seriesQueries) func generateSeriesMatchesSQLite(_ query: String) throws {
        guard Oracle.isAvailable else { return }
        try expectSameAsSQLite(query)
    }

    static let pragmaSetup = """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x', c UNIQUE, d AS (a + 1));
        CREATE INDEX ti ON t(b DESC, c);
        CREATE TABLE u(x REFERENCES t(a) ON DELETE CASCADE);
        """
    static let pragmaQueries: [String] = [
        "SELECT * FROM pragma_table_info('t')",
        "SELECT *, arg, schema FROM pragma_table_xinfo('t')",
        "SELECT * FROM pragma_index_list('t')",
        "SELECT * FROM pragma_index_info('ti')",
        "SELECT * FROM pragma_index_xinfo('ti')",
        "SELECT name FROM pragma_table_info('t') WHERE pk",
        "SELECT m.name, c.name FROM sqlite_schema m, pragma_table_info(m.name) c WHERE m.type = 'table' ORDER BY 1, 2",
        "SELECT * FROM pragma_table_info",
        "SELECT * FROM pragma_table_info('nosuch')",
        "SELECT * FROM pragma_user_version",
        "SELECT * FROM pragma_table_info('t', 'main')",
        "SELECT * FROM pragma_foreign_key_list('u')",
        "SELECT seq, name FROM pragma_database_list",
        "SELECT * FROM pragma_nosuch",
    ]

    @Test(arguments: pragmaQueries) func pragmaFunctionsMatchSQLite(_ query: String) throws {
        guard Oracle.isAvailable else { return }
        try expectSameAsSQLite(query, setup: Self.pragmaSetup)
    }

    static let errorCases: [(String, String)] = [
        ("", "CREATE VIRTUAL TABLE v USING nosuch"),
        ("", "CREATE VIRTUAL TABLE v USING json_each"),
        ("CREATE TABLE t(a);", "SELECT * FROM t(1)"),
        ("", "SELECT * FROM nosuch(1)"),
        ("", "INSERT INTO json_each VALUES (1)"),
        ("", "DELETE FROM generate_series"),
        ("", "SELECT * FROM generate_series(1, 2, 3, 4)"),
        ("CREATE TABLE t(a); INSERT INTO t VALUES (1);", "SELECT a MATCH 'x' FROM t"),
        ("CREATE TABLE t(a);", "SELECT * FROM t WHERE a MATCH 'x'"),
    ]

    @Test func errorsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        for (setup, query) in Self.errorCases { try expectSameAsSQLite(query, setup: setup) }
    }

    @Test func explainUsesVirtualTableOpcodes() throws {
        let db = try Database()
        let stmt = try db.prepare("EXPLAIN SELECT value FROM json_each('[1,2]') WHERE value > 1")
        var opcodes: [String] = []
        while try stmt.step() { opcodes.append(stmt.row[1].textRepresentation ?? "") }
        #expect(opcodes.contains("VOpen") && opcodes.contains("VFilter") && opcodes.contains("VColumn")
                && opcodes.contains("VNext"))
        let plan = try db.prepare("EXPLAIN QUERY PLAN SELECT * FROM json_each('[1]', '$')")
        var details: [String] = []
        while try plan.step() { details.append(plan.row[3].textRepresentation ?? "") }
        #expect(details == ["SCAN json_each VIRTUAL TABLE INDEX 3:"])
    }
}

// MARK: - A module written in Swift

/// A key-value store as a virtual table: `CREATE VIRTUAL TABLE kv USING memkv`. Equality
/// on `k` is a lookup (indexNumber 1); ORDER BY k is consumed. Logs its calls.
final class MemoryKV: VirtualTableModule {
    final class Store {
        var rows: [Int64: (String, DatabaseValue)] = [:]
        var log: [String] = []
        var snapshot: [Int64: (String, DatabaseValue)]? = nil
    }
    let store = Store()
    func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable {
        store.log.append("connect \(arguments.tableName) \(arguments.arguments)")
        return KVTable(store: store)
    }
}

final class KVTable: VirtualTable {
    let store: MemoryKV.Store
    init(store: MemoryKV.Store) { self.store = store }
    var schema: String { "CREATE TABLE x(k TEXT, v)" }
    var isWritable: Bool { true }

    func bestIndex(_ info: inout VirtualTableIndexInfo) throws {
        if let i = info.constraints.firstIndex(where: { $0.column == 0 && $0.op == .eq && $0.isUsable }) {
            info.constraints[i].argumentIndex = 1
            info.constraints[i].omit = true
            info.indexNumber = 1
            info.estimatedCost = 1
            info.estimatedRows = 1
        }
        // `v MATCH 'text'`: rows whose v contains the text (indexNumber bit 2).
        if let i = info.constraints.firstIndex(where: { $0.column == 1 && $0.op == .match && $0.isUsable }) {
            info.constraints[i].argumentIndex = info.indexNumber == 1 ? 2 : 1
            info.constraints[i].omit = true
            info.indexNumber |= 2
        }
        if info.orderBy.count == 1, info.orderBy[0].column == 0 {
            info.orderByConsumed = true
            info.indexString = info.orderBy[0].descending ? "desc" : "asc"
        }
    }

    func open() throws -> any VirtualTableCursor { KVCursor(store: store) }

    func update(_ change: VirtualTableChange) throws -> Int64? {
        store.log.append("\(change)")
        switch change {
        case .insert(let rowid, let values):
            let id = rowid ?? ((store.rows.keys.max() ?? 0) + 1)
            store.rows[id] = (values[0].textRepresentation ?? "", values[1])
            return id
        case .update(let old, let new, let values):
            store.rows[old] = nil
            store.rows[new] = (values[0].textRepresentation ?? "", values[1])
            return nil
        case .delete(let rowid):
            store.rows[rowid] = nil
            return nil
        }
    }

    func begin() throws { store.log.append("begin"); store.snapshot = store.rows }
    func sync() throws { store.log.append("sync") }
    func commit() throws { store.log.append("commit"); store.snapshot = nil }
    func rollback() throws {
        store.log.append("rollback")
        if let s = store.snapshot { store.rows = s }
        store.snapshot = nil
    }
}

final class KVCursor: VirtualTableCursor {
    let store: MemoryKV.Store
    var ids: [Int64] = []
    var position = 0
    init(store: MemoryKV.Store) { self.store = store }

    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue]) throws {
        store.log.append("filter \(indexNumber) \(indexString ?? "-") \(arguments)")
        ids = store.rows.keys.sorted()
        var k = 0
        if indexNumber & 1 != 0 {
            let key = arguments[k].textRepresentation
            ids = ids.filter { store.rows[$0]?.0 == key }
            k += 1
        }
        if indexNumber & 2 != 0 {
            let needle = arguments[k].textRepresentation ?? ""
            ids = ids.filter { (store.rows[$0]?.1.textRepresentation ?? "").contains(needle) }
        }
        if let order = indexString {
            ids.sort { (store.rows[$0]?.0 ?? "") < (store.rows[$1]?.0 ?? "") }
            if order == "desc" { ids.reverse() }
        }
        position = 0
    }
    func next() throws { position += 1 }
    var isAtEnd: Bool { position >= ids.count }
    func column(_ index: Int) throws -> DatabaseValue {
        guard let row = store.rows[ids[position]] else { return .null }
        return index == 0 ? .text(row.0) : row.1
    }
    var rowid: Int64 { ids[position] }
}

@Suite("Virtual tables: Swift modules")
struct UserModuleTests {
    func rows(_ db: Database, _ sql: String) throws -> [String] {
        let stmt = try db.prepare(sql)
        var out: [String] = []
        while try stmt.step() { out.append(stmt.row.map { $0.textRepresentation ?? "NULL" }.joined(separator: "|")) }
        return out
    }

    @Test func userModuleWorksEndToEnd() throws {
        let db = try Database()
        let kv = MemoryKV()
        db.register(module: kv, named: "memkv")
        try db.execute("CREATE VIRTUAL TABLE kv USING memkv(a, 'b c')")
        #expect(kv.store.log.first == "connect kv [\"a\", \"\\'b c\\'\"]" || kv.store.log.first?.hasPrefix("connect kv") == true)
        #expect(try rows(db, "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema")
                == ["table|kv|kv|0|CREATE VIRTUAL TABLE kv USING memkv(a, 'b c')"])
        try db.execute("INSERT INTO kv VALUES ('b', 2), ('a', 1), ('c', 3)")
        #expect(db.changes == 3)
        #expect(kv.store.rows.count == 3)
        // Equality on k: indexNumber 1, the constraint omitted.
        kv.store.log = []
        #expect(try rows(db, "SELECT v FROM kv WHERE k = 'b'") == ["2"])
        #expect(kv.store.log == ["filter 1 - [Loom.DatabaseValue.text(\"b\")]"])
        // ORDER BY k consumed: the module's order, no sorter.
        #expect(try rows(db, "SELECT k FROM kv ORDER BY k DESC") == ["c", "b", "a"])
        let plan = try rows(db, "EXPLAIN QUERY PLAN SELECT k FROM kv ORDER BY k")
        #expect(plan.count == 1 && plan[0].hasSuffix("SCAN kv VIRTUAL TABLE INDEX 0:asc"))
        // UPDATE and DELETE through xUpdate, in a transaction with its hooks.
        kv.store.log = []
        try db.execute("UPDATE kv SET v = v * 10 WHERE k <> 'a'")
        #expect(kv.store.log.first == "begin" && kv.store.log.suffix(2) == ["sync", "commit"])
        #expect(try rows(db, "SELECT k, v FROM kv ORDER BY k") == ["a|1", "b|20", "c|30"])
        try db.execute("DELETE FROM kv WHERE v > 25")
        #expect(try rows(db, "SELECT k FROM kv ORDER BY k") == ["a", "b"])
        // ROLLBACK calls the rollback hook.
        try db.execute("BEGIN; INSERT INTO kv VALUES ('z', 26); ROLLBACK")
        #expect(kv.store.log.last == "rollback")
        #expect(try rows(db, "SELECT k FROM kv ORDER BY k") == ["a", "b"])
        // rowid and last_insert_rowid.
        try db.execute("INSERT INTO kv(rowid, k, v) VALUES (100, 'r', 0)")
        #expect(try rows(db, "SELECT last_insert_rowid(), rowid FROM kv WHERE k = 'r'") == ["100|100"])
        // Joins with an ordinary table: the constraint from the outer loop.
        try db.execute("CREATE TABLE wanted(k); INSERT INTO wanted VALUES ('a'), ('r')")
        kv.store.log = []
        #expect(try rows(db, "SELECT w.k, kv.v FROM wanted w, kv WHERE kv.k = w.k ORDER BY 1") == ["a|1", "r|0"])
        #expect(kv.store.log.allSatisfy { $0.hasPrefix("filter 1") }, "\(kv.store.log)")
        // MATCH reaches the module as a constraint.
        #expect(try rows(db, "SELECT k FROM kv WHERE v MATCH '1' ORDER BY k") == ["a"])
        #expect(try rows(db, "SELECT k FROM kv WHERE k = 'a' AND v MATCH '1'") == ["a"])
        // DROP TABLE removes the schema row.
        try db.execute("DROP TABLE kv")
        #expect(try rows(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'kv'") == ["0"])
    }

    @Test func constructorErrors() throws {
        final class Failing: VirtualTableModule {
            struct Oops: Error {}
            let useDatabaseError: Bool
            init(useDatabaseError: Bool) { self.useDatabaseError = useDatabaseError }
            func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable {
                if useDatabaseError { throw DatabaseError(.error, "bad arguments: \(arguments.arguments)") }
                throw Oops()
            }
        }
        let db = try Database()
        db.register(module: Failing(useDatabaseError: false), named: "failing")
        db.register(module: Failing(useDatabaseError: true), named: "picky")
        do { try db.execute("CREATE VIRTUAL TABLE f USING failing"); Issue.record("no error") }
        catch let e as DatabaseError { #expect(e.message == "vtable constructor failed: f") }
        do { try db.execute("CREATE VIRTUAL TABLE p USING picky(x)"); Issue.record("no error") }
        catch let e as DatabaseError { #expect(e.message == "bad arguments: [\"x\"]") }
        // The failed statements left no schema row.
        #expect(try rows(db, "SELECT count(*) FROM sqlite_schema") == ["0"])
    }

    /// ALTER TABLE RENAME TO calls `rename(to:)` after the schema names the table anew; a
    /// throwing hook undoes the ALTER; a module without the hook renames like any table.
    @Test func renameCallsTheHook() throws {
        final class Log: @unchecked Sendable { var calls: [String] = [] }
        final class Named: VirtualTableModule {
            let log: Log
            let refuse: Bool
            init(_ log: Log, refuse: Bool) { self.log = log; self.refuse = refuse }
            func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable {
                log.calls.append("connect \(arguments.tableName)")
                return NamedTable(log, name: arguments.tableName, refuse: refuse)
            }
        }
        final class NamedTable: VirtualTable {
            let log: Log, name: String, refuse: Bool
            init(_ log: Log, name: String, refuse: Bool) { self.log = log; self.name = name; self.refuse = refuse }
            var schema: String { "CREATE TABLE x(a)" }
            func open() throws -> any VirtualTableCursor { SquaresCursor() }
            func rename(to newName: String) throws {
                log.calls.append("rename \(name) to \(newName)")
                if refuse { throw DatabaseError(.error, "cannot rename \(name)") }
            }
        }
        let db = try Database()
        let log = Log()
        db.register(module: Named(log, refuse: false), named: "named")
        db.register(module: Named(log, refuse: true), named: "stuck")
        db.register(module: Squares(), named: "squares")
        try db.execute("CREATE VIRTUAL TABLE a USING named(1); CREATE VIEW va AS SELECT * FROM a")
        try db.execute("ALTER TABLE a RENAME TO b")
        #expect(log.calls == ["connect a", "rename a to b"])
        #expect(try rows(db, "SELECT name, sql FROM sqlite_schema")
                == ["b|CREATE VIRTUAL TABLE \"b\" USING named(1)", "va|CREATE VIEW va AS SELECT * FROM \"b\""])
        #expect(try rows(db, "SELECT count(*) FROM va").count == 1)
        #expect(log.calls.last == "connect b")
        try db.execute("CREATE VIRTUAL TABLE c USING stuck")
        do { try db.execute("ALTER TABLE c RENAME TO d"); Issue.record("no error") }
        catch let e as DatabaseError { #expect(e.message == "cannot rename c") }
        #expect(try rows(db, "SELECT name FROM sqlite_schema WHERE name IN ('c', 'd')") == ["c"])
        do { try db.execute("ALTER TABLE c RENAME TO b"); Issue.record("no error") }
        catch let e as DatabaseError { #expect(e.message == "there is already another table or index with this name: b") }
    }

    @Test func virtualTableSurvivesReopen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("v.db")
        do {
            let db = try Database(path: path)
            db.register(module: MemoryKV(), named: "memkv")
            try db.execute("CREATE VIRTUAL TABLE kv USING memkv")
        }
        let db = try Database(path: path)
        #expect(throws: DatabaseError.self) { try db.execute("SELECT * FROM kv") }
        do { _ = try rows(db, "SELECT * FROM kv") } catch let e as DatabaseError {
            #expect(e.message == "no such module: memkv")
        }
        db.register(module: MemoryKV(), named: "memkv")
        #expect(try rows(db, "SELECT count(*) FROM kv") == ["0"])
        // sqlite3 reads the file and sees the table's schema row.
        if Oracle.isAvailable {
            let out = try Oracle.run([path, "SELECT sql FROM sqlite_schema"])
            #expect(out.stdout == "CREATE VIRTUAL TABLE kv USING memkv\n")
        }
    }
}

// MARK: - The DocC example (Loom.docc/VirtualTables.md), checked to compile and run

/// Rows (n, n * n) for n in start ... stop: `SELECT * FROM squares(1, 5)`.
final class Squares: VirtualTableModule {
    var kind: VirtualTableModuleKind { .eponymousOnly }
    func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable { SquaresTable() }
}

final class SquaresTable: VirtualTable {
    // HIDDEN columns take the arguments of `squares(start, stop)`.
    var schema: String { "CREATE TABLE x(n INTEGER, square INTEGER, start HIDDEN, stop HIDDEN)" }

    func bestIndex(_ info: inout VirtualTableIndexInfo) throws {
        // Ask for the values of `start = ?` and `stop = ?` as filter arguments 1 and 2.
        for i in info.constraints.indices where info.constraints[i].op == .eq && info.constraints[i].isUsable {
            switch info.constraints[i].column {
            case 2: info.constraints[i].argumentIndex = 1
            case 3: info.constraints[i].argumentIndex = 2
            default: continue
            }
            info.constraints[i].omit = true
        }
        // Rows come in n order: an ORDER BY n needs no sort.
        if info.orderBy.count == 1, info.orderBy[0].column == 0, !info.orderBy[0].descending {
            info.orderByConsumed = true
        }
    }

    func open() throws -> any VirtualTableCursor { SquaresCursor() }
}

final class SquaresCursor: VirtualTableCursor {
    var n: Int64 = 0, stop: Int64 = 0, start: Int64 = 0
    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue]) throws {
        if case .integer(let a)? = arguments.first { start = a } else { start = 1 }
        if arguments.count > 1, case .integer(let b) = arguments[1] { stop = b } else { stop = start + 9 }
        n = start
    }
    func next() throws { n += 1 }
    var isAtEnd: Bool { n > stop }
    func column(_ index: Int) throws -> DatabaseValue {
        switch index {
        case 0: return .integer(n)
        case 1: return .integer(n * n)
        case 2: return .integer(start)
        default: return .integer(stop)
        }
    }
    var rowid: Int64 { n }
}


@Suite("Virtual tables: DocC example")
struct VirtualTableDocExampleTests {
    @Test func squaresExampleRuns() throws {
        let db = try Database()
        db.register(module: Squares(), named: "squares")
        let rows = try db.queryAll("SELECT square FROM squares(1, 3) ORDER BY n")
        #expect(rows == [[.integer(1)], [.integer(4)], [.integer(9)]])
        let keys = try db.queryAll("SELECT key, value FROM json_each(?)", [.text(#"{"a":1,"b":2}"#)])
        #expect(keys == [[.text("a"), .integer(1)], [.text("b"), .integer(2)]])
        let plan = try db.queryAll("EXPLAIN QUERY PLAN SELECT square FROM squares(1, 3) ORDER BY n")
        #expect(plan.count == 1)
    }
}

// MARK: - dbstat on files made by sqlite3

@Suite("Virtual tables: dbstat")
struct DBStatTests {
    static let script = """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b);
        CREATE INDEX tb ON t(b);
        INSERT INTO t SELECT value, randomblob(30 + value % 50) FROM generate_series(1, 300);
        INSERT INTO t VALUES (1000, randomblob(3000)), (1001, randomblob(70000));
        DELETE FROM t WHERE a % 7 = 0;
        CREATE TABLE e(x);
        CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
        INSERT INTO w SELECT 'key' || value, zeroblob(value * 3) FROM generate_series(1, 200);
        """
    static let queries = [
        "SELECT * FROM dbstat",
        "SELECT * FROM dbstat WHERE aggregate = TRUE",
        "SELECT * FROM dbstat WHERE name = 'tb' AND path = '/'",
        "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY name",
        "SELECT count(*), schema FROM dbstat('main')",
    ]

    @Test(arguments: [512, 1024, 4096, 65536]) func dbstatMatchesSQLite(pageSize: Int) throws {
        guard Oracle.isAvailable else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("stat.db")
        _ = try Oracle.run([path], input: "PRAGMA page_size=\(pageSize);\n" + Self.script)
        let db = try Database(path: path, capability: .read)
        for query in Self.queries {
            let want = try Oracle.run([path, query]).stdout
            let stmt = try db.prepare(query)
            var got = ""
            while try stmt.step() {
                got += stmt.row.map { $0.textRepresentation ?? "" }.joined(separator: "|") + "\n"
            }
            #expect(got == want, "page size \(pageSize): \(query)")
        }
    }
}

// MARK: - xFindFunction: a module overloading functions on its columns

/// Words (rowid, word): overloads `match` (substring test), `like` (case-sensitive prefix
/// test) and `upper` (brackets) when their left-most argument is its `word` column.
final class Words: VirtualTableModule {
    var kind: VirtualTableModuleKind { .eponymousOnly }
    func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable { WordsTable() }
}

final class WordsTable: VirtualTable {
    static let words = ["apple", "Banana", "cherry", "grape", "apricot"]
    var schema: String { "CREATE TABLE x(word TEXT)" }
    func open() throws -> any VirtualTableCursor { WordsCursor() }
    func findFunction(named name: String, argumentCount: Int) -> DatabaseFunction? {
        switch (name, argumentCount) {
        case ("match", 2):
            // x MATCH y is match(y, x).
            return DatabaseFunction("match", argumentCount: 2) { v in
                guard case .text(let pattern) = v[0], case .text(let word) = v[1] else { return false }
                return word.contains(pattern)
            }
        case ("like", 2):
            return DatabaseFunction("like", argumentCount: 2) { v in
                guard case .text(let pattern) = v[0], case .text(let word) = v[1] else { return false }
                return word.hasPrefix(pattern.replacingOccurrences(of: "%", with: ""))
            }
        case ("upper", 1):
            return DatabaseFunction("upper", argumentCount: 1) { v in
                guard case .text(let word) = v[0] else { return nil }
                return "[\(word)]"
            }
        default:
            return nil
        }
    }
}

final class WordsCursor: VirtualTableCursor {
    var i = 0
    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue]) throws { i = 0 }
    func next() throws { i += 1 }
    var isAtEnd: Bool { i >= WordsTable.words.count }
    func column(_ index: Int) throws -> DatabaseValue { .text(WordsTable.words[i]) }
    var rowid: Int64 { Int64(i + 1) }
}

@Suite("Virtual tables: xFindFunction")
struct FindFunctionTests {
    func strings(_ db: Database, _ sql: String) throws -> [String] {
        try db.queryAll(sql).map { row in row.map { v -> String in
            if case .text(let s) = v { return s }
            if case .integer(let i) = v { return String(i) }
            return "NULL"
        }.joined(separator: "|") }
    }

    @Test func overloadsApplyToTheModulesColumns() throws {
        let db = try Database()
        db.register(module: Words(), named: "words")
        #expect(try strings(db, "SELECT word FROM words WHERE word MATCH 'an'") == ["Banana"])
        #expect(try strings(db, "SELECT word FROM words WHERE word NOT MATCH 'r'") == ["apple", "Banana"])
        #expect(try strings(db, "SELECT word FROM words WHERE word LIKE 'ap%'") == ["apple", "apricot"])
        // Case-sensitive: the built-in LIKE would also take "Banana" for 'b%'.
        #expect(try strings(db, "SELECT count(*) FROM words WHERE word LIKE 'b%'") == ["0"])
        #expect(try strings(db, "SELECT upper(word), upper('x') FROM words WHERE rowid = 2") == ["[Banana]|X"])
        // Not a column of the table: no overload (built-in upper; MATCH fails as SQLite's).
        #expect(try strings(db, "SELECT upper(word || '') FROM words WHERE rowid = 1") == ["APPLE"])
        #expect(throws: DatabaseError.self) { try db.queryAll("SELECT word FROM words WHERE 'an' MATCH word") }
        // The function must exist for the connection first, as in SQLite.
        #expect(throws: DatabaseError.self) { try db.queryAll("SELECT nosuch(word) FROM words") }
        // A table without the overload: the built-in functions.
        db.register(module: Squares(), named: "squares")
        #expect(try strings(db, "SELECT upper(n) FROM squares(1, 1)") == ["1"])
    }
}
