// Tests for several schemas and nested transactions: SAVEPOINT / RELEASE / ROLLBACK TO, TEMP
// objects, ATTACH / DETACH and schema-qualified names, compared with sqlite3 through the shell.
// Layer: L5/L6 (through the shell). Spec: Spec/L6-session.md §Databases, Spec/L1-pager.md §Savepoints.
import Foundation
import Testing
import LoomTestSupport

/// Scripts: `DIR` stands for a fresh directory per engine (attached files live there).
let savepointScripts = [
    // Errors and the basic stack.
    """
    release x;
    rollback to x;
    create table t(a);
    savepoint a; insert into t values(1); savepoint b; insert into t values(2);
    rollback to a; select * from t;
    savepoint A; begin; release b; release a; select * from t; commit; rollback;
    begin; savepoint q; release q; commit;
    savepoint z; rollback;
    savepoint y; insert into t values(5); rollback transaction to savepoint y; select 'still', count(*) from t; commit;
    rollback to y;
    select * from t;
    """,
    // Schema changes inside savepoints; a savepoint that started the transaction commits on RELEASE.
    """
    savepoint s1; create table u(x); insert into u values(1);
    savepoint s2; drop table u; create table v(y); rollback to s2;
    select * from u; select * from v; release s1;
    select name from sqlite_schema;
    savepoint s3; create index ux on u(x); insert into u values(2); release s3;
    select * from u; pragma integrity_check;
    """,
    // Many pages, a rollback that shrinks the file back, nested marks.
    """
    create table w(a, b);
    begin;
    with recursive c(i) as (select 1 union all select i+1 from c where i<3000)
      insert into w select i, randomblob(300) from c;
    savepoint s3; delete from w where a%2=0; create index wi on w(b); select count(*) from w;
    savepoint s4; delete from w; select count(*) from w; rollback to s4; select count(*) from w;
    rollback to s3; select count(*), sum(a) from w;
    release s3; commit;
    select count(*), sum(a) from w; pragma integrity_check;
    savepoint big; drop table w; rollback to big; release big;
    select count(*) from w; pragma integrity_check;
    """,
    // Statement rollback inside a savepoint keeps the earlier work.
    """
    create table k(a primary key);
    savepoint s; insert into k values(1); insert into k values(2),(1),(3); select * from k;
    rollback to s; insert into k values(9); release s; select * from k;
    """,
    // A failing DDL statement inside a transaction leaves no trace (statement savepoint).
    """
    create table t(a); insert into t values(1),(1),(2);
    begin; insert into t values(3); create unique index ti on t(a); insert into t values(4);
    create table c as select * from t; commit;
    select * from t; select name from sqlite_schema; pragma integrity_check;
    savepoint x; drop table c; create unique index tj on t(a); release x;
    select name from sqlite_schema; pragma integrity_check;
    """,
]

let attachScripts = [
    """
    pragma database_list;
    create temp table main.x(a);
    create table nosuch.y(a);
    create temp view main.v as select 1;
    create temp trigger main.tr after insert on x begin select 1; end;
    create temp table x(a);
    create index nosuch.i on x(a);
    create index temp.i on x(a);
    create table t(a);
    create index temp.i2 on t(a);
    create index main.i3 on x(a);
    attach 'DIR/a1.db' as aux;
    attach 'DIR/a1.db' as aux;
    attach 'DIR/a2.db' as AUX;
    attach 'DIR/a2.db' as main;
    attach 'DIR/a2.db' as temp;
    detach nosuch;
    detach main;
    detach temp;
    create table aux.t(b);
    select * from t;
    insert into t values(1); insert into aux.t values(2);
    select * from t; select * from aux.t; select * from main.t;
    create temp table t(c); insert into t values(3);
    select * from t; select * from main.t;
    create trigger aux.tr after insert on t begin select 1; end;
    create trigger aux.tr2 after insert on main.t begin select 1; end;
    create temp trigger tr3 after insert on aux.t begin insert into t values(99); end;
    insert into aux.t values (5); select * from main.t; select * from temp.t;
    begin; insert into aux.t values(6); detach aux;
    commit;
    create view aux.v as select * from t;
    select * from aux.v;
    select type, name, tbl_name, sql from sqlite_temp_master;
    pragma aux.table_info(t);
    select type, name, tbl_name, sql from aux.sqlite_master;
    pragma table_list;
    pragma aux.user_version = 7; pragma aux.user_version; pragma user_version;
    pragma aux.schema_version;
    detach aux; detach aux;
    attach 'DIR/a1.db' as x1; attach 'DIR/a1.db' as x2; attach 'DIR/a1.db' as x3; attach 'DIR/a1.db' as x4;
    attach 'DIR/a1.db' as x5; attach 'DIR/a1.db' as x6; attach 'DIR/a1.db' as x7; attach 'DIR/a1.db' as x8;
    attach 'DIR/a1.db' as x9; attach 'DIR/a1.db' as x10; attach 'DIR/a1.db' as x11;
    select * from x5.t;
    """,
    """
    attach 'DIR/b1.db' as aux;
    create table t(a integer primary key, b);
    create table aux.u(a integer primary key autoincrement, b unique);
    create temp table tt(x);
    create index aux.ub on u(b);
    begin;
    insert into t values(1,'x'); insert into aux.u(b) values('y'); insert into tt values(1);
    savepoint s;
    insert into aux.u(b) values('z'); insert into t values(2,'w'); insert into aux.u(b) values('y');
    select * from aux.u;
    rollback to s;
    select * from t; select * from u; select * from tt;
    commit;
    select * from aux.sqlite_sequence;
    insert into u(b) values ('q'),('y');
    select * from u;
    pragma aux.integrity_check;
    create temp view tv as select * from t;
    select * from tv; drop view tv; select * from tv;
    savepoint a; create temp table t2(z); insert into t2 values(1); rollback to a; select * from t2; release a;
    select * from temp.sqlite_master;
    update t set b = 'k' where a = 1; select * from main.t;
    drop table aux.u; select name from aux.sqlite_master;
    delete from aux.u;
    attach ':memory:' as m; create table m.q(z); insert into m.q values(1); select * from m.q;
    pragma database_list;
    """,
    // TEMP triggers fire for the table they name, whatever database it is in.
    """
    attach 'DIR/c.db' as aux; create table t(a); create table aux.t(a); create temp table log(x);
    create temp trigger tr after insert on aux.t begin insert into log values('aux ' || new.a); end;
    create temp trigger tr2 after insert on main.t begin insert into log values('main ' || new.a); end;
    insert into t values(1); insert into aux.t values(2); select * from log;
    drop table aux.t; insert into t values(3); select * from log; select name from sqlite_temp_master;
    """,
    // Three-part column names, DML and indexes on attached tables, EXPLAIN QUERY PLAN names.
    """
    attach 'DIR/d1.db' as aux;
    create table t(a); create table aux.t(a); insert into t values(1); insert into aux.t values(2);
    select main.t.a from main.t; select aux.t.a from aux.t; select t.a from aux.t;
    select main.t.a, aux.t.a from main.t, aux.t; select * from main.t, aux.t;
    select a from main.t join aux.t using(a); select x.a from aux.t as x; select main.t.nosuch from t;
    update aux.t set a = a + 10; select * from aux.t;
    delete from aux.t where a > 5; select count(*) from aux.t;
    insert into aux.t select * from main.t; select * from aux.t;
    select * from aux.t where a in (select a from main.t);
    create index aux.ti on t(a); select * from aux.t where a = 1;
    explain query plan select * from aux.t where a = 1;
    drop index aux.ti; drop index aux.ti; drop table main.nosuch; drop trigger aux.nosuch;
    pragma aux.index_list(t); select count(*) from aux.sqlite_schema; select * from temp.t;
    """,
    // rowid of a lone subquery or view in FROM is NULL.
    """
    create table t(a); insert into t values(5),(6); create view v as select a from t;
    select rowid from (select 1); select rowid, * from (select 1 as x); select rowid from v;
    select _rowid_, oid from (select 1); select rowid from (select rowid from t);
    select rowid from t, (select 1);
    """,
]

@Suite("Schemas and savepoints against sqlite3", .enabled(if: engineWorks && Oracle.isAvailable))
struct SchemaAndSavepointTests {
    /// Runs `script` through loom and sqlite3, each on its own directory, and compares.
    /// Returns loom's directory (the caller removes it) for file checks.
    @discardableResult
    func compare(_ script: String) throws -> TemporaryDirectory {
        let mineDir = try TemporaryDirectory("loom-schema-mine")
        let theirDir = try TemporaryDirectory("loom-schema-theirs")
        defer { theirDir.cleanup() }
        var got = runLoom([mineDir.file("main.db")], input: script.replacingOccurrences(of: "DIR", with: mineDir.path))
        var expected = try runSQLite([theirDir.file("main.db")],
                                     input: script.replacingOccurrences(of: "DIR", with: theirDir.path))
        got.stdout = got.stdout.replacingOccurrences(of: mineDir.path, with: "DIR")
        got.stderr = got.stderr.replacingOccurrences(of: mineDir.path, with: "DIR")
        expected.stdout = expected.stdout.replacingOccurrences(of: theirDir.path, with: "DIR")
        expected.stderr = expected.stderr.replacingOccurrences(of: theirDir.path, with: "DIR")
        #expect(got.stdout == expected.stdout)
        #expect(got.stderr == expected.stderr)
        return mineDir
    }

    /// Every database file loom wrote passes sqlite3's integrity_check.
    func checkFiles(in dir: TemporaryDirectory) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for file in files where file.hasSuffix(".db") {
            let out = try oracle([dir.file(file), "PRAGMA integrity_check"])
            #expect(out.stdout == "ok\n", "integrity of \(file)")
        }
    }

    @Test("SAVEPOINT, RELEASE, ROLLBACK TO", arguments: savepointScripts)
    func savepoints(_ script: String) throws {
        let dir = try compare(script)
        defer { dir.cleanup() }
        try checkFiles(in: dir)
    }

    @Test("TEMP objects, ATTACH, DETACH, qualified names", arguments: attachScripts)
    func attach(_ script: String) throws {
        let dir = try compare(script)
        defer { dir.cleanup() }
        try checkFiles(in: dir)
    }

    @Test("a WAL database rolls back to savepoints")
    func walSavepoints() throws {
        try compare("""
        pragma journal_mode=wal;
        create table t(a, b); insert into t values(1, 'x');
        begin; insert into t values(2, 'y'); savepoint s; insert into t select a+10, b from t;
        update t set b = 'z'; rollback to s; select * from t; release s; commit;
        select * from t; pragma integrity_check;
        """).cleanup()
    }
}
