// This file spot-checks issue 5's feature list against sqlite3 3.40 (queries, writes,
// functions, AUTOINCREMENT): one script per area, output compared with sqlite3's.
// Layer: L5-L7 (through the shell). Spec: Spec/testing.md, COMPAT.md.
import Foundation
import Testing
import LoomTestSupport

@Suite("Issue 5 spot checks against sqlite3", .enabled(if: Oracle.isAvailable))
struct CompatSpotCheckTests {
    /// IS [NOT] DISTINCT FROM, NULLS FIRST/LAST, MATERIALIZED hints, recursive CTEs with ORDER BY/LIMIT, printf/format, iif/likelihood, window frames (unhex is 3.41+: "no such function" in both).
    @Test func queries() throws {
        try expectSameScript(
        """
        SELECT 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 1, 'a' IS DISTINCT FROM 'A';
        SELECT a FROM t ORDER BY a NULLS LAST;
        SELECT a FROM t ORDER BY a DESC NULLS FIRST;
        SELECT b, a FROM t ORDER BY b NULLS LAST, a DESC NULLS FIRST;
        SELECT * FROM t;
        SELECT * FROM t;
        WITH x AS MATERIALIZED (SELECT a FROM t) SELECT count(*) FROM x, x AS y;
        WITH x AS NOT MATERIALIZED (SELECT a FROM t) SELECT count(*) FROM x;
        WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c ORDER BY 1 DESC LIMIT 5) SELECT * FROM c;
        SELECT unhex('41');
        SELECT iif(1, 'a', 'b'), likelihood(1, 0.5), unlikely(2), likely(3);
        SELECT printf('%q %Q %w %z %c %!.3g %#x %,d', 'it''s', NULL, 'a"b', 'z', 65, 1.5, 255, 1234567);
        SELECT format('%5.2f|%-5d|%05d', 3.14159, 42, 42);
        SELECT a, count(*) OVER w, row_number() OVER (ORDER BY a NULLS LAST) FROM t WINDOW w AS (ORDER BY a GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES) ORDER BY a;
        """)
    }

    /// UPSERT, INSERT OR …, changes()/total_changes()/last_insert_rowid(), CHECK, JSON, date and time, math, core functions, savepoints, STRICT and foreign-key errors, ALTER TABLE, schema pragmas.
    @Test func writesAndFunctions() throws {
        try expectSameScript(
        """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c REAL CHECK(c >= 0));
        INSERT INTO t VALUES(1,'x',1.5),(2,'y',2);
        INSERT INTO t VALUES(3,'x',1) ON CONFLICT(b) DO UPDATE SET c = excluded.c + t.c ON CONFLICT DO NOTHING;
        SELECT * FROM t;
        INSERT OR IGNORE INTO t VALUES(1,'z',0); SELECT changes(), total_changes(), last_insert_rowid();
        INSERT OR REPLACE INTO t VALUES(1,'y',9); SELECT * FROM t; SELECT changes();
        INSERT INTO t VALUES(9,'q',-1);
        UPDATE OR FAIL t SET c = -1;
        SELECT json_object('a', 1, 'b', json_array(1, 2.5, 'x', NULL)), json_extract('{"a":[1,2]}', '$.a[#-1]'), '{"a":{"b":2}}' -> '$.a', '{"a":{"b":2}}' ->> '$.a.b';
        SELECT json_patch('{"a":1,"b":2}', '{"b":null,"c":3}'), json_remove('[1,2,3]', '$[1]'), json_type('{"a":1.0}', '$.a'), json_valid('{'), json_quote('x"y'), json_array_length('[1,[2]]');
        SELECT json_group_array(a), json_group_object(b, c) FROM t;
        SELECT date('2024-02-29', '+1 year'), datetime(0, 'unixepoch'), julianday('2000-01-01'), strftime('%j %W %w %s %f', '2024-03-01 12:34:56.789'), unixepoch('2024-01-01'), time('12:00', '-90 minutes'), date('2024-01-31', 'start of month', '+1 month', 'weekday 0');
        SELECT printf('%5s|%-5s|%.2e|%g|%x|%o|%c|%%', 'a', 'b', 12345.678, 1e-5, 255, 8, 'zz');
        SELECT round(2.5), round(-2.5), round(1.005, 2), ceil(-1.5), floor(1.5), ln(exp(1)), log(100), log(2, 8), pow(2, 10), mod(7, -3), pi(), degrees(pi()), sign(-3), trunc(-1.7);
        SELECT typeof(1), typeof(1.0), typeof('a'), typeof(x'00'), typeof(NULL), quote(x'0102'), quote('it''s'), hex('é'), zeroblob(3), length(zeroblob(5)), sqlite_version();
        SELECT iif(NULL, 1, 2), coalesce(NULL, NULL, 3), nullif(1, 1), instr('hello', 'l'), substr('hello', -3, 2), replace('aaa', 'a', 'bb'), trim('  x '), unicode('é'), char(72, 105);
        SAVEPOINT s1; INSERT INTO t VALUES(20, 'sp', 1); ROLLBACK TO s1; RELEASE s1; SELECT count(*) FROM t;
        CREATE TABLE st(a INT, b TEXT) STRICT; INSERT INTO st VALUES('x', 1);
        CREATE TABLE p(id PRIMARY KEY); CREATE TABLE ch(pid REFERENCES p(nosuch)); PRAGMA foreign_keys=1; INSERT INTO ch VALUES(1);
        ALTER TABLE t RENAME COLUMN b TO bb; ALTER TABLE t ADD COLUMN d DEFAULT 5; ALTER TABLE t DROP COLUMN d; SELECT sql FROM sqlite_schema WHERE name='t';
        SELECT * FROM pragma_table_xinfo('t');
        SELECT * FROM pragma_index_xinfo('sqlite_autoindex_t_1');
        PRAGMA foreign_key_list(ch);
        """)
    }

    /// AUTOINCREMENT: sqlite_sequence, explicit rowids, a lowered/raised sequence, SQLITE_FULL at the largest rowid, refused on WITHOUT ROWID and non-INTEGER keys.
    @Test func autoincrement() throws {
        try expectSameScript(
        """
        CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
        INSERT INTO a(v) VALUES('x'),('y'); DELETE FROM a WHERE id = 2; INSERT INTO a(v) VALUES('z');
        SELECT * FROM a; SELECT * FROM sqlite_sequence;
        INSERT INTO a VALUES(100, 'h'); INSERT INTO a(v) VALUES('i'); SELECT * FROM sqlite_sequence;
        UPDATE sqlite_sequence SET seq = 500; INSERT INTO a(v) VALUES('j') RETURNING id;
        INSERT INTO a VALUES(9223372036854775807, 'max'); INSERT INTO a(v) VALUES('over');
        CREATE TABLE b(id INTEGER PRIMARY KEY AUTOINCREMENT, v) WITHOUT ROWID;
        CREATE TABLE c(id INT PRIMARY KEY AUTOINCREMENT);
        DROP TABLE a; SELECT * FROM sqlite_sequence;
        SELECT unhex('41');
        """)
    }
}
