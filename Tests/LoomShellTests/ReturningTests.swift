// This file compares RETURNING with sqlite3 3.40: on virtual tables (FTS5: INSERT … RETURNING
// computed before xUpdate, UPDATE/DELETE RETURNING and UPSERT refused; UPDATE … FROM and
// ORDER BY/LIMIT on them), and how returned values render (REAL columns, rowid aliases,
// generated columns, defaults, upserts, UPDATE … FROM, triggers, subqueries).
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md §RETURNING.
import Foundation
import Testing
import LoomTestSupport

@Suite("RETURNING against sqlite3", .enabled(if: Oracle.isAvailable))
struct ReturningTests {
    /// FTS5: rowid -1 unless given, hidden columns NULL, `*` without hidden columns, values as
    /// given (no affinity), subqueries see the table before the row; sqlite3's errors.
    @Test func fts5InsertReturning() throws {
        try expectSameScript(
        """
        CREATE VIRTUAL TABLE f USING fts5(a, b);
        INSERT INTO f VALUES('hello world','x') RETURNING *, rowid;
        INSERT INTO f(rowid,a,b) VALUES(10,'foo','bar') RETURNING rowid, a, b, f, typeof(f), rank, _rowid_, oid;
        INSERT INTO f(a,b) VALUES('zz','yy'),('q','r') RETURNING rowid, a, typeof(f), f;
        INSERT INTO f(a,b) SELECT a||'2', b FROM f WHERE rowid < 11 RETURNING rowid, a;
        INSERT INTO f(rowid,a) VALUES(NULL,'n') RETURNING rowid;
        INSERT INTO f(rowid,a) VALUES('70','n') RETURNING rowid, typeof(rowid);
        INSERT INTO f(rowid,a) VALUES(80.0,3.0) RETURNING rowid, typeof(rowid), a, typeof(a);
        INSERT INTO f(rowid,a) VALUES('abc',3.0) RETURNING rowid;
        INSERT INTO f(rowid,a) VALUES(1.5,3.0);
        INSERT INTO f(rowid,a) VALUES(x'01',3.0);
        INSERT INTO f DEFAULT VALUES RETURNING rowid, *;
        WITH c AS (SELECT 'w' AS x) INSERT INTO f(a) SELECT x FROM c RETURNING rowid, a, b, 1+1;
        INSERT INTO f(a) VALUES('m'),('o') RETURNING a, (SELECT group_concat(x.a) FROM f AS x WHERE a = a), (SELECT count(*) FROM f);
        INSERT INTO f(a) SELECT 'k' || value FROM generate_series(1,3) RETURNING rowid, a, (SELECT max(rowid) FROM f WHERE a = a);
        INSERT INTO f(f) VALUES('optimize') RETURNING *;
        INSERT INTO f(f, rank) VALUES('rank', 'bm25(1)') RETURNING *;
        INSERT INTO f(rowid, a) VALUES(10, 'dup') RETURNING *;
        INSERT OR REPLACE INTO f(rowid, a, b) VALUES(500,'dup','dup') RETURNING rowid, *;
        INSERT INTO f(a) VALUES('m') RETURNING *, random() > 0, 1/0, abs(-9223372036854775808);
        INSERT INTO f(a) VALUES('m') RETURNING count(*);
        INSERT INTO f(a) VALUES('m') RETURNING row_number() OVER ();
        INSERT INTO f(a) VALUES('m') RETURNING f.*;
        INSERT INTO f AS g (a) VALUES('m') RETURNING g.a;
        INSERT INTO f(a) VALUES('m') RETURNING new.a;
        INSERT INTO f(a) VALUES('m') RETURNING nosuch;
        INSERT INTO f(a) VALUES('m') RETURNING a AS z, b "B", a||b, *;
        INSERT INTO f VALUES(1,2,3) RETURNING *;
        INSERT INTO f(zz) VALUES(1) RETURNING *;
        SELECT rowid, * FROM f;
        SELECT changes(), last_insert_rowid();
        """)
    }

    /// UPDATE/DELETE RETURNING and UPSERT are refused on virtual tables; read-only modules
    /// first say "may not be modified"; UPDATE … FROM, ORDER BY/LIMIT and rowid changes work.
    @Test func fts5UpdateDeleteAndRefusals() throws {
        try expectSameScript(
        """
        CREATE VIRTUAL TABLE f USING fts5(a, b);
        INSERT INTO f VALUES('a1','b1'),('a2','b2'),('a3','b3'),('a4','b4');
        CREATE TABLE t(k, v);
        INSERT INTO t VALUES(1,'one'),(3,'three'),(3,'tres'),(9,'nine');
        UPDATE f SET a = 'new' WHERE rowid = 1 RETURNING rowid, a, b;
        DELETE FROM f WHERE rowid = 2 RETURNING *;
        INSERT INTO f VALUES('a','b') ON CONFLICT DO NOTHING RETURNING *;
        INSERT INTO f(a) VALUES(1) ON CONFLICT(a) DO UPDATE SET a = 2;
        UPDATE f SET a = 'x' FROM (SELECT 1) RETURNING *;
        DELETE FROM generate_series RETURNING *;
        INSERT INTO generate_series VALUES(1) RETURNING *;
        INSERT INTO generate_series(value) VALUES(1) ON CONFLICT DO NOTHING;
        UPDATE generate_series SET value = 1 RETURNING *;
        CREATE TRIGGER tr AFTER INSERT ON f BEGIN SELECT 1; END;
        CREATE TRIGGER tr INSTEAD OF INSERT ON f BEGIN SELECT 1; END;
        CREATE TRIGGER tr BEFORE INSERT ON json_each BEGIN SELECT 1; END;
        CREATE TEMP TRIGGER tr BEFORE DELETE ON f BEGIN SELECT 1; END;
        UPDATE f SET b = t.v FROM t WHERE t.k = f.rowid;
        SELECT changes();
        SELECT rowid, * FROM f;
        UPDATE f SET a = 'z' || a ORDER BY b DESC LIMIT 2;
        SELECT changes();
        SELECT rowid, * FROM f;
        DELETE FROM f ORDER BY a LIMIT 1 OFFSET 1;
        SELECT changes();
        SELECT rowid, * FROM f;
        UPDATE f SET b = 'q' LIMIT 1;
        UPDATE f SET b = 'w' ORDER BY rowid DESC LIMIT 1 OFFSET 1;
        SELECT rowid, * FROM f;
        UPDATE f SET rowid = rowid + 10 WHERE rowid > 1;
        UPDATE f SET rowid = 'abc';
        UPDATE f SET rowid = 1.5;
        UPDATE f SET rowid = '7' WHERE rowid = 13;
        SELECT rowid, typeof(rowid), * FROM f;
        UPDATE f SET a = t.v FROM t, t AS u WHERE t.k = f.rowid AND u.k = t.k;
        UPDATE f AS g SET a = 'g' WHERE g.rowid = 1;
        DELETE FROM f AS g WHERE g.rowid = 7;
        SELECT rowid, * FROM f;
        UPDATE f SET rowid = f.rowid + 100, b = t.v || '!' FROM t WHERE t.k = f.rowid;
        SELECT rowid, * FROM f;
        """)
    }

    /// How values come back: sqlite3's buffer keeps an integral REAL column value (the new row
    /// of INSERT/UPDATE, VIRTUAL generated columns of a deleted row) as an integer; when the
    /// table's first column is REAL, bare columns (rowid included) come back as reals.
    @Test func realValues() throws {
        try expectSameScript(
        """
        CREATE TABLE t(a REAL, b);
        INSERT INTO t VALUES(3, 4) RETURNING *;
        INSERT INTO t(b, a) VALUES(5, 3) RETURNING b, a, typeof(a), typeof(b), (b), b COLLATE nocase, +b, -b, rowid, 7;
        INSERT INTO t VALUES(3, 'x') RETURNING *;
        CREATE TABLE u(x, y REAL, z INTEGER);
        INSERT INTO u VALUES(1, 2, 3) RETURNING *, typeof(y);
        INSERT INTO u VALUES(1, 2.0, 3.0) RETURNING *;
        INSERT INTO u VALUES(1, '2', 3) RETURNING *;
        INSERT INTO u VALUES(1, 2.5, 3) RETURNING *;
        INSERT INTO u VALUES(1, 140737488355328, 3) RETURNING *;
        INSERT INTO u VALUES(1, 140737488355327, 3) RETURNING *;
        INSERT INTO u VALUES(1, -140737488355328, 3) RETURNING y;
        INSERT INTO u VALUES(1, -140737488355329, 3) RETURNING y;
        INSERT INTO u VALUES(1, -0.0, 3) RETURNING y;
        INSERT INTO u VALUES(1, 1e300, 3) RETURNING y;
        INSERT INTO u VALUES(1, 'abc', 3) RETURNING y;
        INSERT INTO u VALUES(1, x'01', 3) RETURNING y;
        INSERT INTO u VALUES(2.0, 2.0, 3.0) RETURNING *, x, y+0, (y), -y, y COLLATE nocase, +y, CAST(y AS REAL);
        INSERT INTO u VALUES(1, 2, 3) RETURNING coalesce(y,0), ifnull(y,0), CASE WHEN 1 THEN y END, iif(1,y,0), max(y,1), y AS q, likely(y), nullif(y, 5), y || '';
        UPDATE u SET y = 7 WHERE rowid = 1 RETURNING *;
        UPDATE u SET y = 7.0 WHERE rowid = 1 RETURNING *;
        UPDATE u SET x = 7 WHERE rowid = 2 RETURNING *;
        DELETE FROM u WHERE rowid = 1 RETURNING *;
        CREATE TABLE w(a REAL, b, c TEXT, d INTEGER, e REAL);
        INSERT INTO w VALUES(1, 2, 3, 4, 5) RETURNING *, b, c, a, (b), +b, b COLLATE nocase, -b, typeof(b), rowid, oid, 'k', 8, 2.0, e;
        UPDATE w SET b = 9 RETURNING *, rowid;
        DELETE FROM w RETURNING *, rowid;
        CREATE TABLE w2(a REAL PRIMARY KEY, b) WITHOUT ROWID;
        INSERT INTO w2 VALUES(1, 2) RETURNING *;
        CREATE TABLE w3(id INTEGER PRIMARY KEY, a REAL);
        INSERT INTO w3 VALUES(NULL, 2) RETURNING *, rowid, id;
        CREATE TABLE st(a ANY, b REAL) STRICT;
        INSERT INTO st VALUES(1, 2) RETURNING *;
        CREATE TABLE wr(a INT PRIMARY KEY, b REAL) WITHOUT ROWID;
        INSERT INTO wr VALUES(1, 2) RETURNING *;
        UPDATE wr SET a = 5 RETURNING *;
        DELETE FROM wr RETURNING *;
        """)
    }

    /// Generated columns, DEFAULT values, rowid aliases, upserts, UPDATE … FROM, REPLACE.
    @Test func otherShapes() throws {
        try expectSameScript(
        """
        CREATE TABLE g(a, b REAL, c REAL GENERATED ALWAYS AS (a*2), d REAL GENERATED ALWAYS AS (a*3) STORED, e AS (a || 'x'));
        INSERT INTO g(a, b) VALUES(1, 2) RETURNING *;
        UPDATE g SET a = 5 RETURNING *;
        DELETE FROM g RETURNING *;
        CREATE TABLE g2(c REAL GENERATED ALWAYS AS (a*2), a);
        INSERT INTO g2(a) VALUES(1) RETURNING *, a;
        CREATE TABLE d(id INTEGER PRIMARY KEY, a DEFAULT 5, b REAL DEFAULT 6, c TEXT DEFAULT 7, e DEFAULT (1+1), f DEFAULT CURRENT_DATE IS NOT NULL);
        INSERT INTO d DEFAULT VALUES RETURNING *;
        INSERT INTO d(id) VALUES(10) RETURNING *, _rowid_;
        INSERT INTO d(a) VALUES(NULL) RETURNING id, a;
        CREATE TABLE k(a INTEGER PRIMARY KEY, b REAL, c);
        INSERT INTO k VALUES(1, 2, 'x') RETURNING *;
        INSERT INTO k VALUES(1, 3, 'y') ON CONFLICT(a) DO UPDATE SET b = excluded.b + 1 RETURNING *;
        INSERT INTO k VALUES(1, 3, 'z') ON CONFLICT(a) DO UPDATE SET c = excluded.c || k.c RETURNING *;
        INSERT INTO k VALUES(1, 3, 'z') ON CONFLICT(a) DO NOTHING RETURNING *;
        INSERT INTO k VALUES(1, 3, 'z'), (2, 4, 'q') ON CONFLICT(a) DO UPDATE SET b = 9 WHERE 0 RETURNING *;
        INSERT OR REPLACE INTO k VALUES(1, 5, 'r') RETURNING *;
        INSERT INTO k AS kk VALUES(1, 3, 'w') ON CONFLICT(a) DO UPDATE SET c = kk.c || 'w' RETURNING k.c;
        CREATE TABLE src(x, y);
        INSERT INTO src VALUES(1, 10), (2, 20), (2, 21);
        UPDATE k SET b = src.y FROM src WHERE src.x = k.a RETURNING *;
        UPDATE k AS q SET c = 'f' FROM src WHERE src.x = q.a RETURNING k.a, c;
        INSERT INTO k SELECT x + 10, y, 's' FROM src RETURNING *;
        """)
    }

    /// Triggers changing rows: RETURNING sees the row as stored after BEFORE triggers and is
    /// computed after the change and its foreign-key actions, before AFTER triggers; an
    /// uncorrelated subquery runs once, at the first row.
    @Test func triggersAndSubqueries() throws {
        try expectSameScript(
        """
        CREATE TABLE t(a);
        CREATE TABLE log(x);
        INSERT INTO t VALUES(1),(2),(3);
        CREATE TRIGGER ad AFTER DELETE ON t BEGIN INSERT INTO log VALUES(old.a); END;
        CREATE TRIGGER ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); UPDATE t SET a = a * 10 WHERE rowid = new.rowid; END;
        CREATE TRIGGER au AFTER UPDATE ON t BEGIN INSERT INTO log VALUES(new.a); END;
        DELETE FROM t WHERE a < 3 RETURNING a, (SELECT count(*) FROM t), (SELECT group_concat(x) FROM log WHERE a = a), (SELECT count(*) FROM t AS q WHERE q.a >= t.a);
        INSERT INTO t VALUES(7),(8) RETURNING a, (SELECT group_concat(x) FROM log WHERE a=a), (SELECT count(*) FROM t);
        UPDATE t SET a = a + 1 RETURNING a, (SELECT group_concat(x) FROM log WHERE a=a), (SELECT sum(a) FROM t);
        SELECT * FROM t;
        CREATE TABLE b(id INTEGER PRIMARY KEY, v);
        CREATE TRIGGER bi BEFORE INSERT ON b BEGIN INSERT INTO log VALUES('b' || new.v); END;
        INSERT INTO b(v) VALUES('p'),('q') RETURNING *, (SELECT count(*) FROM log);
        CREATE TABLE p(id INTEGER PRIMARY KEY);
        CREATE TABLE c(pid REFERENCES p ON DELETE CASCADE);
        PRAGMA foreign_keys=1;
        INSERT INTO p VALUES(1),(2); INSERT INTO c VALUES(1),(2),(2);
        DELETE FROM p RETURNING id, (SELECT count(*) FROM c WHERE id=id);
        CREATE TABLE wr(a PRIMARY KEY, b) WITHOUT ROWID;
        INSERT INTO wr VALUES(1,1),(2,2);
        DELETE FROM wr RETURNING a, (SELECT count(*) FROM wr);
        CREATE VIEW v AS SELECT * FROM t;
        CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES(new.a); END;
        INSERT INTO v VALUES(5) RETURNING *;
        """)
    }

    /// Column affinities, triggers that change other rows or the same row afterwards,
    /// AUTOINCREMENT and DEFAULT values.
    @Test func affinitiesTriggersDefaults() throws {
        try expectSameScript(
        """
        CREATE TABLE a(t TEXT, n NUMERIC, i INTEGER, b BLOB, r REAL, x);
        INSERT INTO a VALUES(1, '2', '3', 4, '5', '6') RETURNING t, typeof(t), n, typeof(n), i, typeof(i), b, typeof(b), r, typeof(r), x, typeof(x);
        INSERT INTO a VALUES(1.5, '2.0', '3.0', x'01', '5.5', 6.0) RETURNING *;
        INSERT INTO a VALUES('1e3', '1e3', '1e3', '1e3', '1e3', '1e3') RETURNING *;
        UPDATE a SET r = r + 1 RETURNING r;
        CREATE TABLE b(id INTEGER PRIMARY KEY, v);
        CREATE TRIGGER bb BEFORE UPDATE ON b BEGIN UPDATE b SET v = 'trig' WHERE id = old.id + 1; END;
        INSERT INTO b VALUES(1, 'a'), (2, 'b'), (3, 'c');
        UPDATE b SET v = v || '!' RETURNING *;
        CREATE TRIGGER ba AFTER INSERT ON b BEGIN UPDATE b SET v = 'after' WHERE id = new.id; END;
        INSERT INTO b VALUES(10, 'x') RETURNING *;
        SELECT * FROM b;
        CREATE TABLE c(id INTEGER PRIMARY KEY AUTOINCREMENT, v DEFAULT 'd', w REAL DEFAULT 1);
        INSERT INTO c DEFAULT VALUES RETURNING *;
        INSERT INTO c(v) VALUES(NULL) RETURNING *;
        INSERT INTO c(id) VALUES(-5) RETURNING *;
        INSERT INTO c(id, v) VALUES(NULL, 1) RETURNING id, rowid, _rowid_, oid;
        """)
    }

    /// The statement's conflict mode reaches the module: FTS5 replaces a row holding the
    /// rowid under INSERT/UPDATE OR REPLACE (and fails OR IGNORE, as sqlite3's).
    @Test func fts5OrReplace() throws {
        try expectSameScript(
        """
        CREATE VIRTUAL TABLE f USING fts5(a, b);
        INSERT INTO f(rowid, a) VALUES(10, 'x'), (11, 'y');
        INSERT OR REPLACE INTO f(rowid, a, b) VALUES(10,'dup','dup');
        SELECT rowid, * FROM f;
        INSERT OR REPLACE INTO f(rowid, a, b) VALUES(10,'dup2','dup') RETURNING *;
        REPLACE INTO f(rowid, a) VALUES(11, 'r');
        SELECT rowid, * FROM f; SELECT rowid FROM f WHERE f MATCH 'x OR y OR dup OR dup2 OR r';
        UPDATE OR REPLACE f SET rowid = 10 WHERE rowid = 11;
        SELECT rowid, * FROM f; SELECT rowid FROM f WHERE f MATCH 'x OR y OR dup OR dup2 OR r';
        INSERT OR IGNORE INTO f(rowid, a) VALUES(10, 'ign');
        INSERT INTO f(f) VALUES('integrity-check');
        SELECT changes();
        """)
    }
}
