// This file tests the update hook (Database.updateHook): rows changed by statements, trigger
// bodies and foreign-key actions, and SQLite's exclusions. The expected events were recorded
// from SQLite 3.40.1's sqlite3_update_hook through a small C program on the same statements.
// Layer: L7 tests. Spec: Spec/L7-api.md §Hooks.
import Testing
import Loom

@Suite struct UpdateHookTests {
    final class Log { var lines: [String] = [] }

    /// Runs each line and records "KIND db.table rowid" for every event.
    private func events(_ script: [String], setup: [String] = []) throws -> [[String]] {
        let db = try Database()
        for s in setup { try db.execute(sql: s) }
        let log = Log()
        db.updateHook { e in
            let kind = e.kind == .insert ? "INSERT" : e.kind == .update ? "UPDATE" : "DELETE"
            log.lines.append("\(kind) \(e.databaseName).\(e.tableName) \(e.rowID)")
        }
        var out: [[String]] = []
        for s in script {
            log.lines = []
            try db.execute(sql: s)
            out.append(log.lines)
        }
        return out
    }

    @Test func insertUpdateDeleteAndExclusions() throws {
        let got = try events([
            "create table t(a integer primary key autoincrement, b unique)",
            "insert into t(b) values(1),(2),(3)",
            "update t set b=b+10 where a=2",
            "replace into t(a,b) values(5,11)",           // the conflicting row 2 goes silently
            "insert or replace into t(a,b) values(1,99)",
            "delete from t",                               // truncate optimization: no events
            "insert into t(b) values(7)",
            "delete from t where 1",
            "create table w(a primary key, b) without rowid",
            "insert into w values(1,2)",
            "update w set b=3",
            "delete from w",
            "update t set a=10 where a=6",                 // rowid change: one UPDATE, new rowid
        ])
        #expect(got == [
            [],
            ["INSERT main.t 1", "INSERT main.t 2", "INSERT main.t 3"],
            ["UPDATE main.t 2"],
            ["INSERT main.t 5"],
            ["INSERT main.t 1"],
            [],
            ["INSERT main.t 6"],
            ["DELETE main.t 6"],
            [], [], [], [],
            [],
        ])
    }

    @Test func triggersAndForeignKeyActions() throws {
        let got = try events([
            "insert into p values(1),(2),(3); insert into c values(10,1),(11,2); insert into n values(1)",
            "delete from p where id=1",
            "update p set id=5 where id=2",
            "delete from p where id=3",
            "insert into t(b) values(42)",
            "create table d(x); create trigger td before delete on d begin select 1; end; insert into d values(1),(2)",
            "delete from d",                               // a trigger disables the truncate optimization
        ], setup: [
            "pragma foreign_keys=on",
            "create table p(id integer primary key)",
            "create table c(x integer primary key, pid references p on delete cascade on update set null)",
            "create table n(pid references p on delete set null)",
            "create table t(a integer primary key, b)",
            "create table log(m)",
            "create trigger tr after insert on t begin insert into log values(new.b); end",
        ])
        #expect(got == [
            ["INSERT main.p 1", "INSERT main.p 2", "INSERT main.p 3", "INSERT main.c 10", "INSERT main.c 11", "INSERT main.n 1"],
            // The newest child's action runs first, as in SQLite.
            ["DELETE main.p 1", "UPDATE main.n 1", "DELETE main.c 10"],
            ["UPDATE main.p 5", "UPDATE main.c 11"],
            ["DELETE main.p 3"],
            ["INSERT main.t 1", "INSERT main.log 1"],
            ["INSERT main.d 1", "INSERT main.d 2"],
            ["DELETE main.d 1", "DELETE main.d 2"],
        ])
    }

    @Test func attachedTempUpsertAndReturning() throws {
        let got = try events([
            "attach ':memory:' as aux; create table aux.z(q); insert into aux.z values(1)",
            "create temp table tt(q); insert into tt values(1)",
            "create table u(a integer primary key, b); insert into u values(1, 1)",
            "insert into u(a,b) values(1,5) on conflict(a) do update set b=6",
            "insert into u values(2, 2) returning a",
        ])
        #expect(got == [
            ["INSERT aux.z 1"],
            ["INSERT temp.tt 1"],
            ["INSERT main.u 1"],
            ["UPDATE main.u 1"],
            ["INSERT main.u 2"],
        ])
    }

    @Test func removingTheHookStopsEvents() throws {
        let db = try Database()
        let log = Log()
        db.updateHook { _ in log.lines.append("x") }
        try db.execute(sql: "create table t(a); insert into t values(1)")
        db.updateHook(nil)
        try db.execute(sql: "insert into t values(2)")
        #expect(log.lines == ["x"])
    }
}
