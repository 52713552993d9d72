// This file tests the authorizer (Database.setAuthorizer): the requests a statement makes
// while it compiles, compared with sqlite3's `.auth on` trace, and deny / ignore.
// Layer: L7 tests. Spec: Spec/L7-api.md §Authorizer.
import Foundation
import Testing
import Loom
import LoomTestSupport

@Suite struct AuthorizerTests {
    final class Log: @unchecked Sendable { var lines: [String] = [] }

    static let names: [AuthorizerAction: String] = [
        .createIndex: "CREATE_INDEX", .createTable: "CREATE_TABLE", .createTempIndex: "CREATE_TEMP_INDEX",
        .createTempTable: "CREATE_TEMP_TABLE", .createTempTrigger: "CREATE_TEMP_TRIGGER",
        .createTempView: "CREATE_TEMP_VIEW", .createTrigger: "CREATE_TRIGGER", .createView: "CREATE_VIEW",
        .delete: "DELETE", .dropIndex: "DROP_INDEX", .dropTable: "DROP_TABLE", .dropTempIndex: "DROP_TEMP_INDEX",
        .dropTempTable: "DROP_TEMP_TABLE", .dropTempTrigger: "DROP_TEMP_TRIGGER", .dropTempView: "DROP_TEMP_VIEW",
        .dropTrigger: "DROP_TRIGGER", .dropView: "DROP_VIEW", .insert: "INSERT", .pragma: "PRAGMA",
        .read: "READ", .select: "SELECT", .transaction: "TRANSACTION", .update: "UPDATE", .attach: "ATTACH",
        .detach: "DETACH", .alterTable: "ALTER_TABLE", .reindex: "REINDEX", .analyze: "ANALYZE",
        .createVirtualTable: "CREATE_VTABLE", .dropVirtualTable: "DROP_VTABLE", .function: "FUNCTION",
        .savepoint: "SAVEPOINT", .recursive: "RECURSIVE",
    ]

    /// A request in the shell's `.auth on` format.
    static func line(_ r: AuthorizerRequest) -> String {
        func q(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "NULL" }
        return "authorizer: \(names[r.action] ?? "?") \(q(r.argument1)) \(q(r.argument2)) \(q(r.databaseName)) \(q(r.accessor))"
    }

    static let setup = [
        "create table t(a integer primary key, b, c)",
        "create table u(x, y)",
        "create view v as select a, b from t",
        "create trigger tr after insert on u begin insert into t(b) values (new.x); end",
    ]

    /// Statements whose requests Loom makes as SQLite does (SQLite's own nested statements
    /// on sqlite_schema are not reproduced, so DDL is tested separately). Not here: a view or
    /// WITH table that SQLite flattens into the outer query, where it also reports
    /// READ (table, "") for the flattened table when the outer query reads only its rowid.
    static let statements = [
        "select * from t",
        "select a, upper(b) from t where c > 1 order by b",
        "select * from v",
        "select t.a, u.y from t join u on t.b = u.x",
        "select (select max(y) from u) from t",
        "select count(*) from t",
        "select 1 from t, t as t2 where t.a = 1",
        "select 1 from t order by b",
        "insert into t(b) values(1)",
        "insert into u values(1, 2)",
        "insert into t(b, c) select x, y from u",
        "update t set b = 2 where a = 1",
        "update t set c = b, b = 3",
        "delete from t where b = 3",
        "delete from u",
        "begin",
        "commit",
        "savepoint s1",
        "release s1",
        "pragma user_version",
        "pragma user_version = 3",
        "select rowid, * from u",
        "attach ':memory:' as aux",
        "detach aux",
    ]

    @Test func requestsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var script = Self.setup.map { $0 + ";\n" }.joined() + ".auth on\n"
        for s in Self.statements { script += ".print ---\n\(s);\n" }
        let out = try Oracle.run([":memory:"], input: script).stdout
        let expected = out.components(separatedBy: "---\n").dropFirst().map { chunk in
            chunk.split(separator: "\n").map(String.init).filter {
                $0.hasPrefix("authorizer:") && !$0.contains("sqlite_master") && !$0.contains("sqlite_temp_master")
            }.sorted()
        }
        let db = try Database()
        for s in Self.setup { try db.execute(s) }
        let log = Log()
        db.setAuthorizer { r in log.lines.append(Self.line(r)); return .ok }
        for (i, s) in Self.statements.enumerated() {
            log.lines = []
            try db.execute(s)
            #expect(log.lines.sorted() == expected[i], "\(s)")
        }
    }

    @Test func orderOfRequests() throws {
        let db = try Database()
        for s in Self.setup { try db.execute(s) }
        let log = Log()
        db.setAuthorizer { r in log.lines.append(Self.line(r)); return .ok }
        _ = try db.prepare("select a, upper(b) from t where c > 1")
        #expect(log.lines == [
            #"authorizer: SELECT NULL NULL NULL NULL"#,
            #"authorizer: READ "t" "a" "main" NULL"#,
            #"authorizer: FUNCTION NULL "upper" NULL NULL"#,
            #"authorizer: READ "t" "b" "main" NULL"#,
            #"authorizer: READ "t" "c" "main" NULL"#,
        ])
        log.lines = []
        _ = try db.prepare("create temp table tt(x)")
        _ = try db.prepare("create index ti on t(b)")
        _ = try db.prepare("drop view v")
        _ = try db.prepare("alter table u add column z")
        #expect(log.lines == [
            #"authorizer: CREATE_TEMP_TABLE "tt" NULL "temp" NULL"#,
            #"authorizer: CREATE_INDEX "ti" "t" "main" NULL"#,
            #"authorizer: DROP_VIEW "v" NULL "main" NULL"#,
            #"authorizer: DELETE "v" NULL "main" NULL"#,
            #"authorizer: ALTER_TABLE "main" "u" NULL NULL"#,
        ])
    }

    @Test func denyFailsThePrepare() throws {
        let db = try Database()
        for s in Self.setup { try db.execute(s) }
        db.setAuthorizer { r in r.action == .delete || (r.action == .read && r.argument2 == "c") ? .deny : .ok }
        #expect { try db.execute("delete from t") } throws: {
            ($0 as? DatabaseError)?.code == .authDenied && ($0 as? DatabaseError)?.message == "not authorized"
        }
        #expect(throws: DatabaseError.self) { try db.prepare("select c from t") }
        // A trigger body is authorized too: the trigger on u reads nothing denied, inserts into t.
        try db.execute("insert into u values (1, 2)")
        db.setAuthorizer { r in r.action == .insert && r.argument1 == "t" && r.accessor == "tr" ? .deny : .ok }
        #expect(throws: DatabaseError.self) { try db.execute("insert into u values (3, 4)") }
        db.setAuthorizer(nil)
        try db.execute("insert into u values (3, 4)")
        #expect(try db.queryAll("select count(*) from u") == [[.integer(2)]])
    }

    @Test func ignoreReadsNullAndSkipsWrites() throws {
        let db = try Database()
        try db.execute("create table t(a integer primary key, b, secret); insert into t values (1, 'x', 'pw')")
        db.setAuthorizer { r in
            if r.action == .read && r.argument2 == "secret" { return .ignore }
            if r.action == .update && r.argument2 == "b" { return .ignore }
            if r.action == .insert { return .ignore }
            return .ok
        }
        #expect(try db.queryAll("select a, b, secret from t") == [[.integer(1), .text("x"), .null]])
        #expect(try db.queryAll("select * from t") == [[.integer(1), .text("x"), .null]])
        #expect(try db.queryAll("select count(*) from t where secret = 'pw'") == [[.integer(0)]])
        try db.execute("update t set b = 'y', a = 5")
        try db.execute("insert into t values (2, 'z', 'q')")
        db.setAuthorizer(nil)
        #expect(try db.queryAll("select * from t") == [[.integer(5), .text("x"), .text("pw")]])
    }
}
