// This file tests the parser differentially against sqlite3: a table of statements covering the
// whole grammar, plus seeded token-level mutations of them, run through one sqlite3 process
// (as EXPLAIN, so nothing executes); parse errors must match in text and offset.
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser".
import Testing
import Foundation
@testable import LoomSQL
import LoomBase
import LoomTestSupport

enum GrammarCorpus {
    static let schema = """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
        CREATE TABLE u(x, y, z);
        CREATE INDEX i1 ON t(b);
        CREATE VIEW v1 AS SELECT a, b FROM t;
        """

    /// Statements sqlite3 accepts (checked by the test).
    static let valid: [String] = [
        "SELECT 1", "SELECT * FROM t", "SELECT t.* FROM t", "SELECT a AS x, b y, c 'z' FROM t",
        "SELECT DISTINCT a FROM t", "SELECT ALL a FROM t WHERE a > 1 AND b IS NOT NULL",
        "SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST LIMIT 10 OFFSET 2",
        "SELECT a FROM t ORDER BY a COLLATE nocase ASC NULLS FIRST LIMIT 5, 10",
        "SELECT * FROM t, u WHERE a = x", "SELECT * FROM t JOIN u ON a = x", "SELECT * FROM t INNER JOIN u USING (a)",
        "SELECT * FROM t LEFT JOIN u ON 1", "SELECT * FROM t LEFT OUTER JOIN u ON 1", "SELECT * FROM t RIGHT JOIN u ON 1",
        "SELECT * FROM t FULL OUTER JOIN u ON 1", "SELECT * FROM t CROSS JOIN u", "SELECT * FROM t NATURAL JOIN u",
        "SELECT * FROM t NATURAL LEFT JOIN u", "SELECT * FROM (t JOIN u ON a = x)", "SELECT * FROM (SELECT 1) AS s",
        "SELECT * FROM (SELECT 1) s", "SELECT * FROM main.t AS q INDEXED BY i1", "SELECT * FROM t NOT INDEXED",
        "SELECT * FROM json_each('[1,2]') AS j", "SELECT * FROM generate_series(1, 10)",
        "SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5",
        "VALUES (1, 2), (3, 4)", "SELECT * FROM (VALUES (1), (2))",
        "WITH x AS (SELECT 1) SELECT * FROM x", "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT n FROM c",
        "WITH x AS MATERIALIZED (SELECT 1), y AS NOT MATERIALIZED (SELECT 2) SELECT * FROM x, y",
        "SELECT a FROM t WHERE a IN (1, 2, 3)", "SELECT a FROM t WHERE a NOT IN (SELECT x FROM u)",
        "SELECT a FROM t WHERE a IN u", "SELECT a FROM t WHERE a IN main.u", "SELECT 1 IN ()",
        "SELECT a FROM t WHERE b LIKE 'x%' ESCAPE '\\'", "SELECT a FROM t WHERE b NOT GLOB '*x'",
        "SELECT a FROM t WHERE a BETWEEN 1 AND 5", "SELECT a FROM t WHERE a NOT BETWEEN 1 AND 5",
        "SELECT CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END FROM t",
        "SELECT CASE WHEN a > 1 THEN 1 END FROM t", "SELECT CAST(a AS TEXT), CAST(b AS VARCHAR(10)) FROM t",
        "SELECT CAST(1 AS)", "SELECT CAST(1 AS DECIMAL(10, -2))", "SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT 2)",
        "SELECT (SELECT max(a) FROM t)", "SELECT (1, 2) = (1, 2)", "SELECT a ISNULL, a NOTNULL, a NOT NULL FROM t",
        "SELECT 1 IS 2, 1 IS NOT 2, 1 IS DISTINCT FROM 2, 1 IS NOT DISTINCT FROM 2",
        "SELECT -1, +1, ~1, NOT 1, - - 1", "SELECT 1 << 2 >> 1 & 3 | 4", "SELECT 'a' || 'b' COLLATE binary",
        "SELECT '{\"a\":1}' -> '$.a', '{\"a\":1}' ->> '$.a'", "SELECT x'00ff', X'', NULL, 1.5e10, .5, 5., 0x1F",
        "SELECT current_time, current_date, current_timestamp", "SELECT ?, ?1, :a, @b, $c, $d::e(f)",
        "SELECT count(*), count(DISTINCT a), count(ALL a), f() FROM t",
        "SELECT count(*) FILTER (WHERE a > 1) FROM t", "SELECT sum(a) OVER () FROM t",
        "SELECT sum(a) OVER (PARTITION BY b ORDER BY a ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
        "SELECT sum(a) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) FROM t",
        "SELECT sum(a) OVER (GROUPS 2 PRECEDING EXCLUDE NO OTHERS) FROM t",
        "SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY a)", "SELECT sum(a) OVER (w ROWS UNBOUNDED PRECEDING) FROM t WINDOW w AS (PARTITION BY b)",
        "SELECT row_number() OVER (ORDER BY a) FROM t", "SELECT sum(a) FILTER (WHERE 1) OVER win FROM t WINDOW win AS ()",
        "SELECT true, false, \"a\", [b], `c` FROM t", "SELECT 'x'.a FROM t AS x",
        "SELECT replace('a', 'b', 'c'), like('a', 'b'), glob('a', 'b')",
        "SELECT a FROM t WHERE a = 1 COLLATE nocase", "SELECT 1 window", "SELECT 1 over", "SELECT 1 filter",
        "SELECT a desc FROM t", "SELECT left.a FROM t AS left", "SELECT rowid, oid, _rowid_ FROM t",
        "INSERT INTO t VALUES (1, 'a', 1.5)", "INSERT INTO t(a, b) VALUES (1, 2), (3, 4)", "INSERT INTO t DEFAULT VALUES",
        "INSERT OR REPLACE INTO t SELECT * FROM t", "REPLACE INTO t VALUES (1, 2, 3)", "INSERT OR IGNORE INTO main.t AS q VALUES (1, 2, 3)",
        "INSERT INTO t VALUES (1, 2, 3) ON CONFLICT DO NOTHING",
        "INSERT INTO t VALUES (1, 2, 3) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE a > 0",
        "INSERT INTO t VALUES (1, 2, 3) ON CONFLICT (a) WHERE a > 0 DO NOTHING ON CONFLICT DO NOTHING",
        "INSERT INTO t VALUES (1, 2, 3) RETURNING *", "INSERT INTO t VALUES (1, 2, 3) RETURNING a AS x, b + 1",
        "INSERT INTO t SELECT * FROM t WHERE true ON CONFLICT DO NOTHING",
        "WITH x AS (SELECT 1) INSERT INTO t(a) SELECT * FROM x",
        "UPDATE t SET b = 1", "UPDATE OR FAIL t SET b = 1, c = 2 WHERE a = 1", "UPDATE t SET (b, c) = (1, 2)",
        "UPDATE t AS q INDEXED BY i1 SET b = 1", "UPDATE t SET b = u.x FROM u WHERE u.y = t.a",
        "UPDATE t SET b = 1 WHERE a = 1 RETURNING *", "UPDATE t SET b = 1 ORDER BY a LIMIT 1 OFFSET 1",
        "DELETE FROM t", "DELETE FROM t WHERE a = 1", "DELETE FROM main.t NOT INDEXED WHERE 1 RETURNING a",
        "DELETE FROM t ORDER BY a DESC LIMIT 2", "WITH x AS (SELECT 1) DELETE FROM t WHERE a IN x",
        "CREATE TABLE n1(a)", "CREATE TEMP TABLE n2(a INT)", "CREATE TEMPORARY TABLE IF NOT EXISTS n3(a)",
        "CREATE TABLE main.n4(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT NOT NULL DEFAULT 'x' COLLATE nocase UNIQUE, c CHECK (c > 0))",
        "CREATE TABLE n5(a INTEGER PRIMARY KEY DESC ON CONFLICT REPLACE, b VARCHAR ( 10 ) NULL, c DEFAULT -1, d DEFAULT +1.5, e DEFAULT (1 + 1), f DEFAULT CURRENT_TIMESTAMP, g DEFAULT x'00', h DEFAULT foo)",
        "CREATE TABLE n6(a, b, PRIMARY KEY (a, b DESC), UNIQUE (b) ON CONFLICT IGNORE, CHECK (a > b), FOREIGN KEY (a) REFERENCES t(a) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TABLE n7(a REFERENCES t ON DELETE SET DEFAULT ON UPDATE NO ACTION MATCH SIMPLE NOT DEFERRABLE, b REFERENCES u(x) ON DELETE RESTRICT)",
        "CREATE TABLE n8(a CONSTRAINT pk PRIMARY KEY CONSTRAINT nn NOT NULL, CONSTRAINT u1 UNIQUE (a) CONSTRAINT c1 CHECK (a))",
        "CREATE TABLE n9(a INTEGER PRIMARY KEY, b) WITHOUT ROWID", "CREATE TABLE n10(a INTEGER, b TEXT) STRICT",
        "CREATE TABLE n11(a INTEGER PRIMARY KEY, b ANY) STRICT, WITHOUT ROWID",
        "CREATE TABLE n12(a, b GENERATED ALWAYS AS (a * 2) STORED, c AS (a + 1) VIRTUAL, d AS (a))",
        "CREATE TABLE n13 AS SELECT * FROM t", "CREATE TABLE n14(\"quoted name\", [bracket], `tick`, 'str')",
        "CREATE TABLE n15(abort, action, after, key, replace, temp, rowid, current_date, left, inner)",
        "CREATE TABLE n16(a UNSIGNED BIG INT, b DOUBLE PRECISION, c CHARACTER VARYING(255), d NATIVE CHARACTER(70))",
        "CREATE INDEX n17 ON t(b)", "CREATE UNIQUE INDEX IF NOT EXISTS main.n18 ON t(b COLLATE nocase DESC, c ASC) WHERE a > 0",
        "CREATE INDEX n19 ON t(a + b, lower(b))", "CREATE VIEW n20 AS SELECT 1", "CREATE TEMP VIEW IF NOT EXISTS n21(x, y) AS SELECT a, b FROM t",
        "CREATE TRIGGER n22 AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE TEMP TRIGGER IF NOT EXISTS n23 BEFORE DELETE ON t FOR EACH ROW WHEN old.a > 0 BEGIN DELETE FROM u WHERE x = old.a; INSERT INTO u VALUES (1, 2, 3); UPDATE u SET x = 1 WHERE y = old.b; END",
        "CREATE TRIGGER n24 INSTEAD OF UPDATE OF a, b ON v1 BEGIN SELECT RAISE(IGNORE); SELECT RAISE(ABORT, 'no'); END",
        "CREATE TRIGGER n25 UPDATE ON t BEGIN INSERT OR REPLACE INTO u SELECT * FROM u; END",
        "CREATE TRIGGER n26 AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1, 2, 3) ON CONFLICT DO NOTHING; END",
        "CREATE VIRTUAL TABLE n27 USING fts5(a, b)", "CREATE VIRTUAL TABLE IF NOT EXISTS n28 USING rtree(id, x0, x1)",
        "DROP TABLE t", "DROP TABLE IF EXISTS main.nosuch", "DROP INDEX i1", "DROP VIEW IF EXISTS v1", "DROP TRIGGER IF EXISTS tr",
        "ALTER TABLE t RENAME TO t2", "ALTER TABLE t RENAME COLUMN b TO bb", "ALTER TABLE t RENAME c TO cc",
        "ALTER TABLE t ADD COLUMN d INT DEFAULT 0", "ALTER TABLE t ADD e", "ALTER TABLE t DROP COLUMN c", "ALTER TABLE main.t DROP b",
        "PRAGMA user_version", "PRAGMA main.user_version = 5", "PRAGMA cache_size = -2000", "PRAGMA table_info(t)",
        "PRAGMA journal_mode = 'wal'", "PRAGMA foreign_keys = ON", "PRAGMA cache_size(+5)", "PRAGMA secure_delete = DELETE",
        "BEGIN", "BEGIN TRANSACTION", "BEGIN DEFERRED", "BEGIN IMMEDIATE TRANSACTION", "BEGIN EXCLUSIVE", "COMMIT", "END TRANSACTION",
        "COMMIT TRANSACTION", "ROLLBACK", "ROLLBACK TRANSACTION", "ROLLBACK TO sp", "ROLLBACK TRANSACTION TO SAVEPOINT sp",
        "SAVEPOINT sp", "RELEASE sp", "RELEASE SAVEPOINT sp", "ATTACH 'file.db' AS aux", "ATTACH DATABASE ':memory:' AS aux2",
        "DETACH aux", "DETACH DATABASE aux", "ANALYZE", "ANALYZE t", "ANALYZE main.t", "VACUUM", "VACUUM main",
        "VACUUM INTO 'x.db'", "REINDEX", "REINDEX t", "REINDEX main.i1",
        "EXPLAIN SELECT 1", "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1",
        "SELECT 1 -- trailing comment", "SELECT /* inline */ 1", "SELECT 1 /* unterminated",
        "SELECT a FROM t WHERE a = ? AND b = :name", "SELECT 9223372036854775808, -9223372036854775808",
        "SELECT 1 = 1 = 1", "SELECT NOT NOT 1", "SELECT 1 BETWEEN 0 = 1 AND 2", "SELECT 'a' LIKE 'b' < 'c' ESCAPE 'd'",
        "SELECT abs(-1) FILTER (WHERE 1)", "SELECT t.a, main.t.b FROM t",
        "SELECT * FROM t AS x JOIN (u JOIN v1 ON 1) ON 1", "SELECT * FROM (u, v1) AS w",
        "SELECT * FROM t WHERE a IN (WITH q AS (SELECT 1) SELECT * FROM q)", "SELECT 1 UNION SELECT 2 ORDER BY 1", "VALUES (1) UNION VALUES (2)",
        "SELECT x FROM u WHERE x = (SELECT a FROM t LIMIT 1) AND y IN (SELECT b FROM t) OR EXISTS (SELECT 1 FROM t)",
        "SELECT group_concat(b, ',') OVER (ORDER BY a ROWS 2 PRECEDING), lag(a) OVER (PARTITION BY b) FROM t",
        "SELECT sum(a) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM t",
        "SELECT sum(a) OVER (RANGE BETWEEN 2 FOLLOWING AND 3 FOLLOWING EXCLUDE GROUP) FROM t",
        "SELECT a FROM t GROUP BY a HAVING sum(c) > 0 WINDOW w AS (), w2 AS (w ORDER BY a)",
        "CREATE TRIGGER n30 AFTER UPDATE OF b ON t FOR EACH ROW WHEN new.b <> old.b BEGIN INSERT INTO u(x) VALUES (new.b); UPDATE OR IGNORE u SET y = 1; DELETE FROM u WHERE z IS NULL; SELECT RAISE(FAIL, 'x') WHERE 0; END",
        "CREATE TRIGGER n31 BEFORE INSERT ON t BEGIN SELECT CASE WHEN new.a < 0 THEN RAISE(ROLLBACK, 'neg') END; END",
        "INSERT INTO t(a, b) SELECT x, y FROM u WHERE 1 ON CONFLICT(a) DO UPDATE SET (b, c) = (excluded.b, 1) RETURNING *",
        "INSERT INTO u VALUES (1, 2, 3), (4, 5, 6) ON CONFLICT DO NOTHING RETURNING x, y AS yy, *",
        "ATTACH 'x.db' AS aux KEY 'secret'", "SELECT * FROM t WHERE b REGEXP 'x' OR b MATCH 'y'",
        "SELECT 1 FROM t WHERE (a, b) IN (SELECT x, y FROM u)", "SELECT (SELECT 1) IS NOT NULL",
        "SELECT CAST(a AS INTEGER) || CAST(b AS \"text\") FROM t", "SELECT ?NNN", "SELECT :1, @x2, $y3",
        "SELECT a FROM t ORDER BY a LIMIT (SELECT 1) OFFSET 1 + 1", "SELECT DISTINCT * FROM t NATURAL CROSS JOIN u",
        "CREATE TABLE n40(a INT CONSTRAINT c1 DEFAULT 1 CONSTRAINT c2 NOT NULL ON CONFLICT ABORT, b INT REFERENCES t(a) DEFERRABLE)",
        "CREATE TABLE n41(a, b, c, CONSTRAINT pk PRIMARY KEY (a, b) ON CONFLICT FAIL, FOREIGN KEY (b, c) REFERENCES u(x, y) MATCH FULL)",
        "CREATE TABLE n42(a TEXT COLLATE \"nocase\" UNIQUE ON CONFLICT ROLLBACK CHECK (length(a) > 0))",
        "CREATE VIEW n43 AS WITH q AS (SELECT 1 AS z) SELECT z FROM q", "DROP TABLE IF EXISTS t",
        "REPLACE INTO t(a) VALUES (1) RETURNING a", "UPDATE t SET c = c + 1 FROM (SELECT 1 AS k) AS s WHERE a = s.k",
        "SELECT 1 -> 2 ->> 3", "SELECT 'a' NOT LIKE 'b' ESCAPE 'c', 'a' NOT REGEXP 'b', 'a' NOT MATCH 'b'",
        "SELECT * FROM t LEFT JOIN u ON a = x LEFT JOIN v1 USING (a, b)", "VACUUM main INTO 'file.db'",
        "PRAGMA main.table_info = 't'", "PRAGMA optimize", "SELECT 1 FROM t INDEXED BY i1 WHERE b = 'x'",
    ]
}

extension GrammarCorpus {
    /// Edge cases, valid or not: the outcome (accepted, or the same error) must match sqlite3.
    static let edges: [String] = [
        "CREATE TABLE e1(a, CONSTRAINT x)", "CREATE TABLE e2(a INT CONSTRAINT x, b)", "CREATE TABLE e3(a CONSTRAINT x CONSTRAINT y)",
        "CREATE TABLE e4(a DEFAULT 'x' || 'y')", "CREATE TABLE e5(a DEFAULT true, b DEFAULT \"q\", c DEFAULT [w])",
        "CREATE TABLE e6(a REFERENCES t ON INSERT CASCADE)", "CREATE TABLE e7(a, CHECK (a) ON CONFLICT FAIL)",
        "CREATE TRIGGER e8 AFTER INSERT ON t FOR EACH STATEMENT BEGIN SELECT 1; END",
        "CREATE TABLE e9(a, PRIMARY KEY (a COLLATE nocase DESC))", "CREATE TABLE e10(a NULL NULL NOT NULL)",
        "CREATE TABLE e11(a INT DEFAULT -'x')", "CREATE TABLE e12(a DEFAULT - NULL)", "CREATE TABLE e13(a DEFAULT +current_time)",
        "CREATE TABLE e14(a DEFAULT x'00' UNIQUE)", "CREATE TABLE e15(a DEFAULT (1) (2))",
        "CREATE TABLE e16(a AS (1) STORED VIRTUAL)", "CREATE TABLE e17(a GENERATED ALWAYS AS 1)",
        "CREATE TABLE e18(a INTEGER PRIMARY KEY ASC ON CONFLICT IGNORE AUTOINCREMENT)",
        "CREATE TABLE e19(a) WITHOUT ROWID STRICT", "CREATE TABLE e20(a) , , STRICT", "CREATE TABLE e21(a) STRICT ,",
        "CREATE TABLE e22(a TEXT(1, 2, 3))", "CREATE TABLE e23(a TEXT(+1))", "CREATE TABLE e24(a TEXT(-1.5e3, 2))",
        "CREATE TABLE e25(a, FOREIGN KEY (a) REFERENCES t, UNIQUE (a))", "CREATE TABLE e26(a, FOREIGN KEY (a COLLATE x DESC) REFERENCES t)",
        "CREATE VIEW e27(a COLLATE x) AS SELECT 1", "CREATE VIEW e28() AS SELECT 1", "CREATE INDEX e29 ON t()",
        "CREATE INDEX e30 ON t(a) WHERE", "CREATE TRIGGER e31 BEFORE INSERT ON t WHEN BEGIN SELECT 1; END",
        "CREATE TRIGGER e32 AFTER DELETE ON t BEGIN SELECT 1 END", "CREATE TRIGGER e33 AFTER DELETE ON t BEGIN ; END",
        "SELECT * FROM t WHERE a = 1 GROUP BY a WINDOW w AS () HAVING 1", "SELECT * FROM t HAVING 1",
        "SELECT a FROM t ORDER BY 1 NULLS", "SELECT a FROM t ORDER BY 1 DESC NULLS LAST, 2 ASC", "SELECT a FROM t LIMIT 1 OFFSET",
        "SELECT 1 FROM t AS", "SELECT 1 AS 'x' FROM t 'y'", "SELECT t.* AS x FROM t", "SELECT *, a FROM t", "SELECT a, * FROM t",
        "SELECT count(DISTINCT *) FROM t", "SELECT count(ALL) FROM t", "SELECT f(,)", "SELECT f(1,)", "SELECT (1,)",
        "SELECT ()", "SELECT (SELECT 1, 2)", "SELECT CASE WHEN 1 THEN 2 ELSE 3 ELSE 4 END", "SELECT CAST(1)",
        "SELECT CAST(1 AS 'text')", "SELECT CAST(1 AS \"int\" (2))", "SELECT 1 COLLATE", "SELECT 1 COLLATE 'x'",
        "SELECT 1 COLLATE \"x\" COLLATE y", "SELECT 1 ESCAPE 2", "SELECT 1 LIKE 2 ESCAPE 3 ESCAPE 4", "SELECT 1 NOT NOT NULL",
        "SELECT 1 IS NOT NOT NULL", "SELECT 1 IS DISTINCT 2", "SELECT 1 BETWEEN 2", "SELECT 1 BETWEEN 2 AND", "SELECT 1 IN 2",
        "SELECT 1 IN (SELECT 1) IN (SELECT 2)", "SELECT EXISTS SELECT 1", "SELECT NOT EXISTS (SELECT 1)", "SELECT + + 1",
        "SELECT 1 + + 1", "SELECT 1 * * 1", "SELECT 1 -> -> 1", "SELECT a.b.c FROM t", "SELECT main.t.a FROM t",
        "SELECT 'x'.'y' FROM t", "SELECT \"t\".a FROM t", "SELECT t.\"a\" FROM t", "SELECT [t].[a] FROM t",
        "SELECT * FROM t NATURAL", "SELECT * FROM t NATURAL JOIN", "SELECT * FROM t JOIN u ON", "SELECT * FROM t JOIN u USING ()",
        "SELECT * FROM t JOIN u USING (x,)", "SELECT * FROM t, (u)", "SELECT * FROM (t), u", "SELECT * FROM ((t))",
        "SELECT * FROM (t) AS x JOIN (u) y", "SELECT * FROM t AS x INDEXED BY", "SELECT * FROM t NOT", "SELECT * FROM f() AS x",
        "SELECT * FROM main.f(1)", "SELECT * FROM t x JOIN u y ON x.a = y.x NATURAL RIGHT OUTER JOIN v1",
        "WITH x AS (SELECT 1) , SELECT 1", "WITH x(a,) AS (SELECT 1) SELECT 1", "WITH x AS MATERIALIZED SELECT 1",
        "WITH RECURSIVE SELECT 1", "WITH x AS (SELECT 1) VALUES (1)", "VALUES ()", "VALUES (1), ", "VALUES (1) UNION SELECT 2",
        "SELECT 1 UNION ALL", "SELECT 1 UNION DISTINCT SELECT 2", "SELECT 1 INTERSECT ALL SELECT 2", "SELECT 1 EXCEPT VALUES (2)",
        "INSERT INTO t", "INSERT INTO t VALUES", "INSERT INTO t ()", "INSERT INTO t(a) DEFAULT VALUES", "INSERT INTO t DEFAULT",
        "INSERT INTO t DEFAULT VALUES RETURNING a", "INSERT OR ROLLBACK INTO t VALUES (1)", "INSERT OR INTO t VALUES (1)",
        "INSERT INTO t VALUES (1) ON CONFLICT", "INSERT INTO t VALUES (1) ON CONFLICT DO", "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE",
        "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET", "INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING WHERE 1",
        "INSERT INTO t VALUES (1) ON CONFLICT () DO NOTHING", "INSERT INTO t VALUES (1) RETURNING", "INSERT INTO t VALUES (1) RETURNING *, t.*",
        "INSERT INTO t SELECT 1 UNION SELECT 2 ON CONFLICT DO NOTHING", "REPLACE t VALUES (1)", "REPLACE OR IGNORE INTO t VALUES (1)",
        "UPDATE t SET a = 1, ", "UPDATE t SET (a) = 1", "UPDATE t SET () = 1", "UPDATE t SET t.a = 1", "UPDATE t AS SET a = 1",
        "UPDATE t SET a = 1 LIMIT 1", "UPDATE t SET a = 1 ORDER BY a", "UPDATE t SET a = 1 RETURNING * ORDER BY a LIMIT 1",
        "UPDATE t SET a = 1 FROM", "DELETE FROM t LIMIT", "DELETE FROM t AS x WHERE x.a", "DELETE FROM t RETURNING",
        "DROP TABLE IF", "DROP TABLE IF EXISTS", "DROP INDEX main.", "DROP VIEW v1.x", "ALTER TABLE t RENAME TO",
        "ALTER TABLE t RENAME COLUMN TO x", "ALTER TABLE t RENAME COLUMN a TO", "ALTER TABLE t ADD COLUMN", "ALTER TABLE t DROP",
        "ALTER TABLE t ADD COLUMN x INT PRIMARY KEY", "ALTER TABLE t ADD x AS (1)", "PRAGMA a.b.c", "PRAGMA x = -", "PRAGMA x = +1",
        "PRAGMA x = 'a' 'b'", "PRAGMA x(-1)", "PRAGMA x()", "PRAGMA x = NULL", "PRAGMA x = yes", "PRAGMA x = ON OFF",
        "BEGIN TRANSACTION x", "BEGIN DEFERRED IMMEDIATE", "COMMIT TRANSACTION x", "END x", "ROLLBACK TO", "ROLLBACK SAVEPOINT x",
        "SAVEPOINT 'x'", "RELEASE 1", "ATTACH x AS y", "ATTACH 'x'", "ATTACH 'x' AS", "ATTACH DATABASE 'x' AS y KEY", "DETACH",
        "ANALYZE main.", "ANALYZE 1", "VACUUM INTO", "VACUUM x y", "REINDEX a.b.c", "EXPLAIN", "EXPLAIN QUERY", "EXPLAIN PLAN SELECT 1",
        "SELECT 1 FROM t WHERE a MATCH", "SELECT a FROM t WINDOW w AS (PARTITION BY)", "SELECT sum(a) OVER (ORDER) FROM t",
        "SELECT sum(a) OVER (ROWS) FROM t", "SELECT sum(a) OVER (ROWS BETWEEN 1 PRECEDING) FROM t",
        "SELECT sum(a) OVER (ROWS UNBOUNDED FOLLOWING) FROM t", "SELECT sum(a) OVER (ROWS CURRENT ROW EXCLUDE) FROM t",
        "SELECT sum(a) OVER (ROWS CURRENT ROW EXCLUDE NO) FROM t", "SELECT sum(a) OVER (x PARTITION BY a) FROM t",
        "SELECT sum(a) OVER (x x) FROM t", "SELECT sum(a) FILTER (a) FROM t", "SELECT sum(a) FILTER (WHERE) FROM t",
        "SELECT sum(a) FILTER (WHERE 1) FILTER (WHERE 2) FROM t", "SELECT sum(a) OVER () OVER () FROM t",
        "SELECT sum(a) OVER w, 1 FROM t WINDOW w AS (), WINDOW", "SELECT 1 WINDOW w AS (ORDER BY 1) ORDER BY 1",
        "SELECT ?01, ?000, ?1.5, :, ::a, @@a, $$, $a(b)c", "SELECT 0x, 0x0, 0X1, 0xg, 1_000, 1.2.3, 1e-, 1e-5, .e5",
        "SELECT 'a'b", "SELECT \"a\"\"b\"c", "SELECT [a]b", "SELECT `a`b", "SELECT x'ab'cd", "SELECT X'AB' 'cd'",
        "SELECT 1;;;SELECT 2", "SELECT 1 /* a */ /* b */ -- c", "CREATE TABLE e34(a, CONSTRAINT x, PRIMARY KEY (a))",
        "CREATE TABLE e35(a, CONSTRAINT x CONSTRAINT y UNIQUE (a))", "CREATE TABLE e36(a, CONSTRAINT)",
        "SELECT 1 FROM t WHERE a NOT LIKE", "SELECT a NOT IN t FROM t", "SELECT a IN main.t FROM t", "SELECT a IN f(1, 2) FROM t",
        "SELECT a IN main.f() FROM t", "SELECT a IN (1) IS NULL FROM t", "SELECT a = ANY (SELECT 1)", "SELECT a ISNULL NOTNULL FROM t",
        "SELECT a NOT NULL NOT NULL FROM t", "SELECT a IS NULL IS NULL FROM t", "SELECT NOT a IS NULL FROM t", "SELECT - a IS b FROM t",
        "SELECT 1 < 2 < 3", "SELECT 1 << 2 << 3", "SELECT 1 = 2 <> 3 != 4 == 5", "SELECT 1 | 2 & 3 || 4", "SELECT ~ - + ~ 1",
        "SELECT 1 BETWEEN 2 AND 3 BETWEEN 4 AND 5", "SELECT 1 BETWEEN 2 BETWEEN 3 AND 4 AND 5", "SELECT 1 LIKE 2 LIKE 3",
        "SELECT 1 GLOB 2 ESCAPE 3 = 4", "SELECT 1 ESCAPE", "SELECT CASE END", "SELECT CASE 1 WHEN 2 END", "SELECT CASE WHEN THEN END",
        "SELECT CASE x WHEN 1 THEN 2 ELSE END FROM t", "SELECT RAISE(IGNORE, 'x')", "SELECT RAISE(ABORT)", "SELECT RAISE(FAIL, 1 + 1)",
        "SELECT RAISE", "SELECT raise(1)", "SELECT cast", "SELECT cast FROM t", "SELECT exists", "SELECT case", "SELECT null.a",
        "SELECT true.a FROM t", "SELECT true(1)", "SELECT false IS true", "SELECT current_time()", "SELECT current_date.a",
        "SELECT like(1, 2)", "SELECT glob(1, 2) glob 3", "SELECT replace", "SELECT key, action, plan FROM t",
        "SELECT left FROM t", "SELECT left(1)", "SELECT natural.a FROM t AS natural", "SELECT indexed FROM t", "SELECT indexed(1)",
        "SELECT window FROM t", "SELECT over FROM t", "SELECT filter FROM t", "SELECT count(*) over FROM t",
        "SELECT count(*) filter FROM t", "SELECT count(*) window FROM t", "SELECT a window w AS () FROM t",
        "SELECT * FROM t window", "SELECT * FROM t over", "SELECT * FROM t filter", "SELECT * FROM t AS window",
        "SELECT * FROM window", "SELECT * FROM over", "SELECT over.a FROM t AS over", "SELECT count(*) OVER over FROM t WINDOW over AS ()",
        "SELECT f(a) OVER (PARTITION BY a, b ORDER BY c ROWS 1 PRECEDING) FROM t", "SELECT f() OVER ()", "SELECT f(*) OVER ()",
        "SELECT 1 FROM t GROUP BY", "SELECT 1 FROM t GROUP a", "SELECT 1 FROM t ORDER a", "SELECT 1 FROM t LIMIT 1, 2, 3",
        "SELECT 1 FROM t LIMIT 1 OFFSET 2, 3", "SELECT DISTINCT ALL 1", "SELECT ALL DISTINCT 1", "SELECT DISTINCT", "SELECT ALL",
        "CREATE TRIGGER e40 AFTER INSERT ON t BEGIN INSERT INTO u DEFAULT VALUES; END",
        "CREATE TRIGGER e41 AFTER INSERT ON t BEGIN UPDATE u SET x = 1 FROM t; END",
        "CREATE TRIGGER e42 AFTER INSERT ON t BEGIN DELETE FROM u LIMIT 1; END",
        "CREATE TRIGGER e43 AFTER INSERT ON t BEGIN VALUES (1); END", "CREATE TRIGGER e44 AFTER INSERT ON t BEGIN SELECT 1; SELECT 2 END",
        "CREATE TRIGGER e45 AFTER INSERT ON t BEGIN REPLACE INTO u VALUES (1, 2, 3); END",
        "CREATE TRIGGER e46 AFTER INSERT ON t BEGIN INSERT INTO u AS q VALUES (1, 2, 3); END",
        "CREATE TRIGGER e47 AFTER INSERT ON t BEGIN UPDATE u AS q SET x = 1; END",
        "CREATE TRIGGER e48 AFTER INSERT ON t BEGIN DELETE FROM u AS q; END", "CREATE TRIGGER e49 INSERT ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER e50 INSTEAD INSERT ON t BEGIN SELECT 1; END", "CREATE TRIGGER e51 AFTER UPDATE OF ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER IF NOT EXISTS main.e52 AFTER INSERT ON main.t BEGIN SELECT 1; END", "CREATE TRIGGER e53 AFTER INSERT ON t",
        "CREATE TRIGGER e54 AFTER INSERT ON t BEGIN EXPLAIN SELECT 1; END", "CREATE TRIGGER e55 AFTER INSERT ON t BEGIN CREATE TABLE z(a); END",
        "CREATE VIRTUAL TABLE e56 USING m", "CREATE VIRTUAL TABLE e57 USING m()", "CREATE VIRTUAL TABLE e58 USING m((a, b), c)",
        "CREATE VIRTUAL TABLE e59 USING m(a; b)", "CREATE VIRTUAL TABLE e60 USING m(a", "CREATE VIRTUAL TABLE e61 USING m(a))",
        "CREATE VIRTUAL TABLE e62 USING 'm'(a)", "CREATE TEMP VIRTUAL TABLE e63 USING m", "CREATE VIRTUAL e64 USING m",
        "CREATE UNIQUE e65 ON t(a)", "CREATE TEMP TRIGGER", "CREATE TEMP", "CREATE TABLE", "CREATE TABLE e66", "CREATE TABLE e67 AS",
        "CREATE TABLE e68 AS VALUES (1)", "CREATE TABLE e69 AS WITH x AS (SELECT 1) SELECT * FROM x", "CREATE TABLE e70 (a) AS SELECT 1",

    ]
}

/// Prepares each statement in sqlite3 (as EXPLAIN, so nothing runs) on a database with
/// `schema`, returning each one's prepare error (message, offset in the statement).
func oracleBatchErrors(_ statements: [String], schema: String) throws -> [(String, Int?)?] {
    let dir = try TemporaryDirectory("parser-diff")
    defer { dir.cleanup() }
    let db = dir.file("s.db")
    _ = try Oracle.run([db, schema])
    var result: [(String, Int?)?] = []
    for s in statements {
        let explain = s.uppercased().hasPrefix("EXPLAIN") ? "" : "EXPLAIN "
        let full = explain + s
        let out = try Oracle.run([db, full])
        let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, first.hasPrefix("Error: in prepare, ") else { result.append(nil); continue }
        var message = String(first.dropFirst("Error: in prepare, ".count))
        if message.hasSuffix(")"), let open = message.lastIndex(of: "("),
           message[message.index(after: open)..<message.index(before: message.endIndex)].allSatisfy(\.isNumber) {
            message = String(message[..<open]).trimmingCharacters(in: .whitespaces)
        }
        var offset: Int?
        if lines.count >= 3, lines[2].contains("error here"), let caret = lines[2].firstIndex(of: "^") {
            let shown = String(lines[1].dropFirst(2))
            let col = lines[2].distance(from: lines[2].startIndex, to: caret) - 2
            // The CLI shows one line of the statement, possibly cut at the left.
            if let r = full.range(of: shown) {
                let base = full.utf8.distance(from: full.startIndex, to: r.lowerBound)
                offset = base + String(shown.prefix(col)).utf8.count - explain.utf8.count
            }
        }
        result.append((message, offset))
    }
    return result
}

/// Messages the parser itself produces (SQLite raises them while parsing).
func isParseMessage(_ m: String) -> Bool {
    m.hasPrefix("near \"") || m == "incomplete input" || m.hasPrefix("unrecognized token") ||
        m == "parser stack overflow" || m.hasPrefix("Expression tree is too large") ||
        m.hasPrefix("variable number must be") || m.hasPrefix("hex literal too big") ||
        m.hasPrefix("a JOIN clause is required") || m.hasPrefix("unknown join type") ||
        m.hasPrefix("unknown table option") || m.hasPrefix("all VALUES must have") ||
        m.hasPrefix("qualified table names are not allowed") || m.hasPrefix("the INDEXED BY clause is not allowed") ||
        m.hasPrefix("cannot use RETURNING in a trigger") || m.hasPrefix("error in generated column") ||
        m == "unsupported frame specification" || m == "cannot use DEFAULT on a generated column" ||
        m == "generated columns cannot be part of the PRIMARY KEY" || m.hasPrefix("duplicate column name") ||
        m.hasSuffix("has more than one primary key") || m == "DISTINCT is not supported for window functions" || m.hasSuffix("clause should come after UNION not before") ||
        m.hasSuffix("not before")
}

@Suite struct ParserDifferentialTests {
    static func compare(_ statements: [String]) throws -> [String] {
        let expected = try oracleBatchErrors(statements, schema: GrammarCorpus.schema)
        var problems: [String] = []
        for (sql, exp) in zip(statements, expected) {
            let mine = parseError(sql)
            if let exp, isParseMessage(exp.0) {
                if mine?.0 != exp.0 || mine?.1 != exp.1 {
                    problems.append("\(sql)\n   sqlite3: \(exp)\n   loom:    \(String(describing: mine))")
                }
            } else if exp == nil, let mine {
                problems.append("\(sql)\n   sqlite3: accepted\n   loom:    \(mine)")
            }
        }
        return problems
    }

    @Test(.enabled(if: Oracle.isAvailable)) func grammarCorpusIsAccepted() throws {
        let expected = try oracleBatchErrors(GrammarCorpus.valid, schema: GrammarCorpus.schema)
        for (sql, e) in zip(GrammarCorpus.valid, expected) {
            if let e, isParseMessage(e.0) { Issue.record("sqlite3 rejects corpus entry: \(sql): \(e)") }
            #expect(parseError(sql) == nil, "\(sql): \(String(describing: parseError(sql)))")
        }
    }

    @Test(.enabled(if: Oracle.isAvailable)) func edgeCasesMatchSQLite() throws {
        let problems = try ParserDifferentialTests.compare(GrammarCorpus.edges)
        #expect(problems.isEmpty, "\(problems.count) mismatches:\n\(problems.prefix(30).joined(separator: "\n"))")
    }

    /// Statement keywords followed by random tokens: exercises error paths everywhere.
    @Test(.enabled(if: Oracle.isAvailable)) func tokenSoupsMatchSQLite() throws {
        var rng = SeededRNG()
        let starts = ["SELECT", "SELECT a FROM t WHERE", "INSERT INTO t", "UPDATE t SET a =", "DELETE FROM t WHERE",
                      "CREATE TABLE s(a", "CREATE INDEX s ON t(", "CREATE VIEW s AS SELECT", "WITH x AS (SELECT",
                      "CREATE TRIGGER s AFTER INSERT ON t BEGIN", "SELECT sum(a) OVER (", "PRAGMA", "ALTER TABLE t",
                      "SELECT * FROM t JOIN", "SELECT CASE", "SELECT a FROM t ORDER BY"]
        let vocab = Keyword.allCases.map(\.rawValue) + ["(", ")", ",", ".", "*", "+", "-", "=", "<", "||", "'s'", "\"q\"",
            "1", "2.5", "x'00'", "?", ":p", "a", "b", "t", "u", "x", "(", ")", "(", ")", ",", ",", "a", "1"]
        let n = Int(ProcessInfo.processInfo.environment["LOOM_PARSER_SOUPS"] ?? "") ?? 200
        var soups: [String] = []
        for _ in 0..<n {
            var parts = [starts[Int(rng.next() % UInt64(starts.count))]]
            for _ in 0..<(1 + Int(rng.next() % 8)) { parts.append(vocab[Int(rng.next() % UInt64(vocab.count))]) }
            soups.append(parts.joined(separator: " "))
        }
        let problems = try ParserDifferentialTests.compare(soups)
        #expect(problems.isEmpty, "seed \(rng.seed): \(problems.count) mismatches:\n\(problems.prefix(15).joined(separator: "\n"))")
    }

    @Test(.enabled(if: Oracle.isAvailable)) func mutatedStatementsMatchSQLite() throws {
        var rng = SeededRNG()
        var mutated: [String] = []
        let fillers = ["(", ")", ",", "SELECT", "FROM", "NOT", "AND", "'x'", "1", "a", ".", "*", "=", "IS", "IN",
                       "ON", "JOIN", "AS", "NULL", "BETWEEN", "CASE", "END", "OVER", "WINDOW", "x'0'", "?", "1e", "[a",
                       "FILTER", "ESCAPE", "COLLATE", "DEFAULT", "VALUES", "WITH", "DO", "LEFT", "USING", "GROUP", "BY",
                       "ORDER", "LIMIT", "OFFSET", "UNION", "RETURNING", "KEY", "PRIMARY", "IF", "EXISTS", "TEMP",
                       "ROWS", "PARTITION", "RANGE", "CURRENT", "ROW", "INDEXED", "-", "+", "||", "->", "#1", "$a"]
        let n = Int(ProcessInfo.processInfo.environment["LOOM_PARSER_MUTATIONS"] ?? "") ?? 400
        var bases = GrammarCorpus.valid
        if ProcessInfo.processInfo.environment["LOOM_PARSER_MUTATE_SLT"] == "1" {
            // Real statements from the sqllogictest sample (they need its tables: prepare errors
            // about missing tables are not parse errors and are skipped by the comparison).
            for f in SLTCorpus.files(full: true) { bases += SLTCorpus.records(f).prefix(300).map { $0.replacingOccurrences(of: "\n", with: " ") } }
        }
        for _ in 0..<n {
            let base = bases[Int(rng.next() % UInt64(bases.count))]
            let lexer = Lexer(sql: base)
            var toks: [String] = []
            var at = 0
            while true {
                let t = lexer.token(at: at)
                if t.kind == .end { break }
                if t.kind != .space { toks.append(String(decoding: lexer.bytes[t.start..<t.end], as: UTF8.self)) }
                at = t.end
            }
            guard !toks.isEmpty else { continue }
            let edits = 1 + Int(rng.next() % 3)
            for _ in 0..<edits where !toks.isEmpty {
                let k = Int(rng.next() % UInt64(toks.count))
                let filler = rng.next() % 3 == 0
                    ? Keyword.allCases[Int(rng.next() % UInt64(Keyword.allCases.count))].rawValue
                    : fillers[Int(rng.next() % UInt64(fillers.count))]
                switch rng.next() % 5 {
                case 0: toks.remove(at: k)
                case 1: toks.insert(filler, at: k)
                case 2: toks[k] = filler
                case 3: toks.swapAt(k, Int(rng.next() % UInt64(toks.count)))
                default: toks = Array(toks[..<k])
                }
            }
            let m = toks.joined(separator: " ")
            if !m.isEmpty, !m.contains("\n"), !m.contains(";"), !m.hasPrefix("QUERY") { mutated.append(m) }
        }
        let problems = try ParserDifferentialTests.compare(mutated)
        #expect(problems.isEmpty, "seed \(rng.seed): \(problems.count) mismatches:\n\(problems.prefix(15).joined(separator: "\n"))")
    }
}

@Suite struct ParserNestingTests {
    /// Largest n in 1...400 for which `make(n)` does not overflow the parser stack.
    static func threshold(_ overflows: (Int) throws -> Bool) rethrows -> Int {
        var lo = 1, hi = 400
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if try overflows(mid) { hi = mid - 1 } else { lo = mid }
        }
        return lo
    }

    static let shapes: [(String, @Sendable (Int) -> String)] = [
        ("parens", { "SELECT " + String(repeating: "(", count: $0) + "1" + String(repeating: ")", count: $0) }),
        ("minus", { "SELECT " + String(repeating: "- ", count: $0) + "1" }),
        ("not", { "SELECT " + String(repeating: "NOT ", count: $0) + "1" }),
        ("plusParen", { "SELECT " + String(repeating: "1+(", count: $0) + "1" + String(repeating: ")", count: $0) }),
        ("subquery", { "SELECT " + String(repeating: "(SELECT ", count: $0) + "1" + String(repeating: ")", count: $0) }),
        ("function", { "SELECT " + String(repeating: "abs(", count: $0) + "1" + String(repeating: ")", count: $0) }),
        ("case", { "SELECT " + String(repeating: "CASE WHEN 1 THEN ", count: $0) + "1" + String(repeating: " END", count: $0) }),
        ("fromSubquery", { "SELECT * FROM " + String(repeating: "(SELECT * FROM ", count: $0) + "(SELECT 1)" + String(repeating: ")", count: $0) }),
        ("whereParens", { "SELECT 1 FROM t WHERE " + String(repeating: "(", count: $0) + "1" + String(repeating: ")", count: $0) }),
        ("insertParens", { "INSERT INTO t VALUES(" + String(repeating: "(", count: $0) + "1" + String(repeating: ")", count: $0) + ")" }),
    ]

    @Test(.enabled(if: Oracle.isAvailable)) func stackThresholdsNearSQLite() throws {
        for (name, make) in ParserNestingTests.shapes {
            let theirs = try ParserNestingTests.threshold { n in
                let out = try Oracle.run([":memory:"], input: "CREATE TABLE t(a);\n" + make(n) + ";")
                return out.stderr.contains("parser stack overflow")
            }
            let ours = ParserNestingTests.threshold { n in parseError(make(n))?.0 == "parser stack overflow" }
            #expect(theirs == ours, "\(name): sqlite3 \(theirs), loom \(ours)")
        }
    }
}
