// The last differences from sqlite3 3.40.1 of issue 5 ("the rest of SQLite's SQL"), each
// compared with sqlite3: aggregates handed to the enclosing query, compound affinities,
// SET (a) counts, single-row ORDER BY, RETURNING rendering of subqueries, UPDATE … FROM on
// virtual tables. Layer: L5 (through the shell). Spec: Spec/L5-sql.md.
import Testing
import LoomTestSupport

@Suite("SQL gaps of issue 5", .enabled(if: Oracle.isAvailable))
struct SQLGapTests {
    static let scripts: [String] = [
        // An aggregate reading only the enclosing query's columns aggregates that query.
        """
        CREATE TABLE t(x, y); INSERT INTO t VALUES(1,1),(5,1),(3,2);
        CREATE TABLE u(z); INSERT INTO u VALUES(10),(20);
        SELECT (VALUES(max(x))) FROM t;
        SELECT (VALUES(max(x)),(min(x))) FROM t;
        SELECT (VALUES(max(x))), count(*) FROM t;
        SELECT x, (VALUES(max(x))) FROM t GROUP BY x;
        SELECT (SELECT max(x)) FROM t;
        SELECT (SELECT max(x) FROM u) FROM t;
        SELECT (SELECT max(x) + count(*) FROM u) FROM t;
        SELECT (SELECT max(x) + z FROM u) FROM t;
        SELECT (SELECT sum(z) + max(x) FROM u) FROM t;
        SELECT (SELECT count(*)) FROM t;
        SELECT (SELECT max(x+u.z) FROM u) FROM t;
        SELECT y, (SELECT sum(x)) FROM t GROUP BY y;
        SELECT sum(x), (SELECT max(x)) FROM t GROUP BY y;
        SELECT x FROM t GROUP BY x HAVING (SELECT max(y)) > 1;
        SELECT y FROM t GROUP BY y ORDER BY (SELECT max(x));
        SELECT (SELECT (SELECT max(x))) FROM t;
        SELECT (SELECT max(x) FROM u WHERE z > 15) FROM t;
        SELECT (SELECT count(x)) FROM t WHERE 0;
        SELECT (SELECT group_concat(z) FROM u WHERE z > max(x)) FROM t;
        SELECT x, (SELECT max(x)) FROM t;
        SELECT 1 IN (VALUES(max(x))) FROM t;
        SELECT EXISTS(SELECT max(x)) FROM t;
        SELECT x IN (SELECT max(x)) FROM t;
        SELECT (SELECT max(t.x) FROM t AS v) FROM t;
        SELECT (SELECT max(x) FROM u GROUP BY z) FROM t;
        SELECT (SELECT max(x) OVER ()) FROM t;
        VALUES(max(1));
        SELECT * FROM (VALUES(max(1)));
        SELECT x FROM t WHERE x > (SELECT avg(x));
        SELECT max((SELECT max(x))) FROM t;
        SELECT x FROM t ORDER BY (SELECT max(x));
        SELECT x FROM t GROUP BY (SELECT max(x));
        SELECT max(x) FILTER (WHERE (SELECT count(y)) > 0) FROM t;
        SELECT * FROM t WHERE x IN (SELECT max(x));
        UPDATE t SET x = (SELECT max(y)) WHERE x = 1;
        DELETE FROM t WHERE x = (SELECT max(y));
        INSERT INTO t VALUES(7, 8) RETURNING (SELECT max(x)), (SELECT count(*) + max(y));
        INSERT INTO t SELECT (SELECT max(x)), 1 FROM t;
        SELECT * FROM t;
        """,
        // A compound subquery takes its affinity (and, in IN and row comparisons, its
        // collation) from its last SELECT.
        """
        CREATE TABLE t(x, s TEXT, r REAL, n TEXT COLLATE nocase); INSERT INTO t VALUES(1,'1',1.0,'A');
        SELECT 1 = (SELECT s FROM t UNION ALL SELECT 5);
        SELECT 1 = (SELECT s FROM t UNION ALL SELECT x FROM t);
        SELECT 1 = (SELECT s FROM t UNION ALL SELECT s FROM t);
        SELECT 1 = (SELECT '1' UNION ALL SELECT s FROM t);
        SELECT 1 = (SELECT s FROM t UNION ALL SELECT s FROM t UNION ALL SELECT 3);
        SELECT 1 = (SELECT s FROM t UNION SELECT 5);
        SELECT 1 = (SELECT s FROM t EXCEPT SELECT 5);
        SELECT 1 IN (SELECT s FROM t UNION ALL SELECT 5);
        SELECT 1 IN (SELECT 5 UNION ALL SELECT s FROM t);
        SELECT x = (SELECT '1' UNION ALL SELECT s FROM t) FROM t;
        SELECT s = (SELECT x FROM t UNION ALL SELECT 1) FROM t;
        SELECT s = (SELECT 1 UNION ALL SELECT x FROM t) FROM t;
        SELECT '1' = (SELECT x FROM t UNION ALL SELECT s FROM t) FROM t;
        SELECT '1.0' = (SELECT x FROM t UNION ALL SELECT r FROM t) FROM t;
        SELECT (SELECT s FROM t UNION ALL SELECT 5) BETWEEN 1 AND 1;
        SELECT CASE (SELECT s FROM t UNION ALL SELECT 5) WHEN 1 THEN 'y' ELSE 'n' END;
        SELECT 1 IN ((SELECT s FROM t UNION ALL SELECT 5), 7);
        SELECT 'a' IN (SELECT n FROM t UNION ALL SELECT 'z');
        SELECT 'a' IN (SELECT 'z' UNION ALL SELECT n FROM t);
        SELECT 'a' = (SELECT 'A' UNION ALL SELECT n FROM t);
        SELECT (1,'a') IN (SELECT 1, n FROM t UNION ALL SELECT 1, 'z');
        SELECT (1,'1') IN (SELECT 1, 'z' UNION ALL SELECT x, r FROM t);
        SELECT (1,1) = (SELECT 1, s FROM t UNION ALL SELECT 1, 5);
        SELECT (1,1) = (SELECT 1, '1' UNION ALL SELECT x, s FROM t);
        SELECT (2,1) IN (VALUES(2,(SELECT s FROM t)));
        SELECT (2,1) IN (SELECT 2, s FROM t UNION ALL SELECT 2, 3);
        SELECT (2,1) IN (SELECT 2, 3 UNION ALL SELECT 2, s FROM t);
        SELECT 1 IN (VALUES('1'),(x)) FROM t;
        SELECT 1 = (VALUES('1'),(r)) FROM t;
        SELECT 1 = (VALUES(r),('1')) FROM t;
        CREATE INDEX tx ON t(x);
        SELECT x FROM t WHERE x IN (SELECT s FROM t UNION ALL SELECT 5);
        SELECT x FROM t WHERE x IN (SELECT 5 UNION ALL SELECT s FROM t);
        """,
        // SET (a) = …: a one-name list counts values; a single-row query drops its ORDER BY.
        """
        CREATE TABLE t(a, b, c); INSERT INTO t VALUES(2,1,1),(1,2,2);
        UPDATE t SET (a) = (1,2);
        UPDATE t SET (a) = (SELECT 1,2);
        UPDATE t SET (a,b) = (1,2,3);
        UPDATE t SET (a,b) = (1);
        UPDATE t SET (a,b) = (SELECT 1,2,3);
        UPDATE t SET a = (1,2);
        UPDATE t SET (c) = (7) WHERE a = 2;
        UPDATE t SET (c) = (SELECT 8) WHERE a = 1;
        SELECT * FROM t;
        SELECT 1 ORDER BY (1,2);
        SELECT 1 ORDER BY (1,2) DESC;
        SELECT 1 ORDER BY (1,2) COLLATE nocase;
        SELECT 1 ORDER BY (SELECT 1,2);
        SELECT 1 ORDER BY (a,1);
        SELECT count(*) FROM t ORDER BY (1,2);
        SELECT max(a) FROM t ORDER BY (SELECT 1, 2), (1, 2);
        SELECT 1 WHERE 0 ORDER BY (1,2);
        SELECT a FROM t ORDER BY (1,2);
        SELECT a FROM t ORDER BY (a,b);
        SELECT 1 UNION SELECT 2 ORDER BY (1,2);
        SELECT 1 GROUP BY (1,2);
        SELECT a FROM t GROUP BY (1,2);
        SELECT a FROM t ORDER BY (SELECT 1, 2);
        SELECT count(*) FROM t GROUP BY a ORDER BY (1,2);
        """,
        // RETURNING: a subquery handing on a column of the row renders as the column would.
        """
        CREATE TABLE u(k); INSERT INTO u VALUES(1);
        CREATE TABLE t(a INTEGER, b REAL, y REAL);
        INSERT INTO t VALUES(1, 2.0, 3.0) RETURNING (SELECT y), (SELECT b), (SELECT y+1), (SELECT a), y;
        INSERT INTO t VALUES(1, 2.0, 3.0) RETURNING (SELECT y FROM u), (SELECT y WHERE 1), (SELECT y LIMIT 1), (SELECT max(y)), (SELECT coalesce(y,0)), (SELECT (SELECT y)), (SELECT +y), (SELECT y UNION ALL SELECT 1), (SELECT y ORDER BY 1), (SELECT y FROM u WHERE k = 1), (SELECT DISTINCT y), (SELECT y GROUP BY 1);
        INSERT INTO t VALUES(1, 2.0, 3.0) RETURNING (SELECT CASE WHEN 1 THEN y END), (SELECT y COLLATE nocase), y IN (SELECT 3), (SELECT y AS z), EXISTS(SELECT y), (SELECT rowid), (SELECT y + 0), (SELECT b FROM t);
        INSERT INTO t VALUES(1, 3.0) RETURNING (SELECT 2.5 UNION ALL SELECT y), (SELECT y UNION ALL SELECT 2.5), (SELECT y UNION SELECT 1), (SELECT min(y, 4)), (SELECT y FROM t), (SELECT 'x' UNION ALL SELECT y), (SELECT y EXCEPT SELECT 1), (SELECT y INTERSECT SELECT 3);
        INSERT INTO t(a, y) VALUES(1, 3.5) RETURNING (SELECT y), (SELECT max(y));
        INSERT INTO t(a, y) VALUES(1, 1e20) RETURNING (SELECT y), (SELECT max(y));
        UPDATE t SET y = 7.0 WHERE rowid = 1 RETURNING (SELECT y), (SELECT y FROM u);
        DELETE FROM t WHERE rowid = 1 RETURNING (SELECT y), y;
        CREATE TABLE r(y REAL, a, b INT);
        INSERT INTO r VALUES(5.0, 1, 2) RETURNING (SELECT a FROM u), (SELECT rowid), (SELECT +a), (SELECT (SELECT a)), (SELECT a WHERE 1), (SELECT max(a)), (SELECT y FROM r);
        INSERT INTO r VALUES(5.0, 1.5, 2) RETURNING (SELECT a FROM u), (SELECT y);
        INSERT INTO r VALUES(5.0, 1, 2) RETURNING (SELECT a UNION ALL SELECT 2), (SELECT a ORDER BY 1), (SELECT DISTINCT a), (SELECT a COLLATE nocase), (SELECT a AS z), (SELECT a GROUP BY 1), (SELECT CASE WHEN 1 THEN a END), (SELECT b), (SELECT 2 UNION ALL SELECT a), EXISTS (SELECT a), (SELECT a LIMIT 1);
        """,
        // UPDATE … FROM on a virtual table: sqlite3 3.40 ignores ORDER BY / LIMIT (unresolved).
        """
        CREATE VIRTUAL TABLE f USING fts5(a, b);
        INSERT INTO f(rowid,a,b) VALUES(1,'x','1'),(2,'y','2'),(3,'z','3');
        CREATE TABLE u(k, v); INSERT INTO u VALUES(3,'s'),(1,'p'),(2,'q'),(3,'r');
        UPDATE f SET b = u.v FROM u WHERE u.k = f.rowid ORDER BY u.v DESC LIMIT 2;
        SELECT changes(); SELECT rowid, * FROM f;
        UPDATE f SET a = u.v FROM u WHERE u.k = f.rowid ORDER BY f.rowid LIMIT 1 OFFSET 1;
        SELECT rowid, * FROM f;
        UPDATE f SET b = 'w' FROM u WHERE u.k = f.rowid LIMIT 'x';
        UPDATE f SET b = 'v' FROM u WHERE u.k = f.rowid ORDER BY nosuch;
        SELECT changes(); SELECT rowid, * FROM f;
        UPDATE f SET b = 'w' WHERE rowid > 1 ORDER BY rowid DESC LIMIT 1;
        SELECT rowid, * FROM f;
        """,
        // FTS5: the empty averages record written at CREATE; changes(), total_changes() and
        // last_insert_rowid() after writes that do not merge segments (nested shadow-table
        // writes count, as sqlite3's module statements do).
        """
        CREATE TABLE p(x); INSERT INTO p VALUES(1),(2);
        CREATE VIRTUAL TABLE f USING fts5(a, b);
        SELECT id, hex(block) FROM f_data;
        SELECT changes(), total_changes(), last_insert_rowid();
        INSERT INTO f(rowid, a, b) VALUES(5, 'x y', 'z');
        SELECT changes(), total_changes(), last_insert_rowid();
        INSERT INTO f VALUES('a b', 'c'),('d','e');
        SELECT changes(), total_changes(), last_insert_rowid();
        INSERT INTO f(f) VALUES('rebuild');
        SELECT changes(), total_changes(), last_insert_rowid();
        SELECT id, hex(block) FROM f_data;
        UPDATE f SET a = 'q' WHERE rowid = 5;
        SELECT changes(), total_changes(), last_insert_rowid();
        BEGIN;
        INSERT INTO f(rowid, a) VALUES(9, 'x z');
        SELECT changes(), total_changes(), last_insert_rowid();
        INSERT INTO p VALUES(3);
        COMMIT;
        SELECT changes(), total_changes(), last_insert_rowid();
        INSERT INTO f(f) VALUES('integrity-check');
        SELECT changes(), total_changes(), last_insert_rowid();
        CREATE VIRTUAL TABLE g USING fts5(a, content='', detail=none, prefix='2,3', columnsize=0);
        SELECT id, hex(block) FROM g_data;
        SELECT changes(), total_changes(), last_insert_rowid();
        INSERT INTO g(rowid, a) VALUES(3, 'p q');
        INSERT INTO g(g) VALUES('delete-all');
        SELECT changes(), total_changes(), last_insert_rowid();
        SELECT id, hex(block) FROM g_data;
        DROP TABLE f;
        SELECT changes(), total_changes(), last_insert_rowid();
        """,
        // Where sqlite3 says "misuse of aggregate function f()" (found while resolving: an
        // aggregate where none may stand, the last one of a clause) and where "misuse of
        // aggregate: f()" (found while coding: the WHERE / ON of an aggregate query, ORDER BY
        // of one that does not aggregate, an aggregate handed to an enclosing clause).
        """
        CREATE TABLE t(x, y); CREATE TABLE u(z); INSERT INTO t VALUES(1,2),(3,4);
        SELECT x FROM t WHERE max(x) > 1;
        SELECT x FROM t WHERE count(*) > 1;
        SELECT max(x) FROM t WHERE max(x) > 1;
        SELECT x FROM t JOIN u ON max(x) > 1;
        SELECT max(x) FROM t JOIN u ON max(x) > 1;
        SELECT x FROM t GROUP BY max(x);
        SELECT max(max(x)) FROM t;
        SELECT x FROM t ORDER BY max(x);
        SELECT x FROM t ORDER BY max(x), x;
        SELECT max(x) FROM t ORDER BY max(max(x));
        SELECT x, count(*) FROM t ORDER BY sum(y);
        SELECT x FROM t GROUP BY x HAVING max(max(x));
        SELECT x FROM t WHERE x IN (SELECT max(z) FROM u WHERE max(z) > 1);
        SELECT x FROM t LIMIT max(1);
        SELECT x FROM t LIMIT count(*);
        SELECT x FROM t LIMIT (SELECT max(x));
        UPDATE t SET x = max(y);
        UPDATE t SET x = 1 WHERE max(y);
        DELETE FROM t WHERE max(y);
        INSERT INTO t VALUES(max(1), 2);
        INSERT INTO t SELECT max(1), 2 WHERE max(1);
        SELECT x FROM t WHERE sum(x) OVER () > 1;
        SELECT x FROM t GROUP BY x HAVING row_number() OVER ();
        SELECT x FROM t WHERE group_concat(x) > 1;
        SELECT x FROM t WHERE total(x) > 1;
        SELECT x FROM t WHERE MAX(x) > 1;
        SELECT count(*) FILTER (WHERE max(x)) FROM t;
        SELECT max(x) OVER (ORDER BY max(x)) FROM t;
        SELECT x FROM t WINDOW w AS (ORDER BY max(x)) ;
        SELECT sum(x) OVER (PARTITION BY max(y)) FROM t;
        SELECT x FROM t, u WHERE u.z = max(t.x);
        SELECT x FROM t WHERE CASE WHEN max(x) THEN 1 END;
        SELECT x FROM t WHERE x = (SELECT 1 FROM u WHERE max(x));
        SELECT x FROM t WHERE (SELECT max(x) FROM u WHERE max(z));
        SELECT * FROM t LEFT JOIN u ON count(*);
        SELECT * FROM t JOIN u USING(x) WHERE count(*);
        UPDATE t SET x = 1 FROM u WHERE max(z);
        SELECT max(x) FROM t GROUP BY y HAVING max(max(x));
        SELECT x FROM t GROUP BY y HAVING x = 1 ORDER BY max(max(x));
        SELECT max(x) OVER () FROM t WHERE max(x);
        SELECT max(x) FROM t WHERE x = (SELECT 1 FROM u WHERE max(x));
        SELECT x FROM t GROUP BY y HAVING x = (SELECT 1 FROM u WHERE max(x));
        SELECT x FROM t JOIN u ON x = (SELECT max(x));
        SELECT max(x) FROM t JOIN u ON x = (SELECT max(x));
        SELECT x FROM t GROUP BY y ORDER BY max(x);
        SELECT x FROM t GROUP BY y ORDER BY (SELECT max(x) FROM u WHERE max(z));
        SELECT x FROM t ORDER BY (SELECT max(x));
        SELECT x FROM t ORDER BY (SELECT 1 FROM u WHERE max(x));
        SELECT x FROM t WHERE x IN (SELECT max(z) FROM u ORDER BY max(z));
        SELECT x FROM t WHERE x IN (SELECT z FROM u ORDER BY max(z));
        SELECT x FROM t ORDER BY max(x) LIMIT 1;
        SELECT x FROM t WHERE max(x) GROUP BY x;
        SELECT x FROM t WHERE max(x) GROUP BY x HAVING nosuch;
        SELECT nosuch FROM t WHERE max(x);
        SELECT x FROM t JOIN u ON max(x) WHERE nosuch;
        SELECT nosuch FROM t JOIN u ON max(x);
        SELECT x FROM t JOIN u ON max(x) GROUP BY x;
        SELECT x FROM t JOIN u ON max(x) HAVING 1;
        SELECT x FROM t LEFT JOIN u ON max(x) ORDER BY max(x);
        UPDATE t SET x = 1 FROM u JOIN t AS v ON max(z);
        SELECT x FROM t WHERE x IN (SELECT max(x) FROM u WHERE max(z));
        SELECT * FROM (SELECT x FROM t WHERE max(x));
        WITH c AS (SELECT x FROM t WHERE max(x)) SELECT * FROM c;
        SELECT x FROM t WHERE max(x) OVER ();
        SELECT x FROM t WHERE x = 1 AND max(x) ORDER BY max(y);
        SELECT x FROM t WHERE count(*) FILTER (WHERE 1);
        SELECT x FROM t ORDER BY count(DISTINCT x);
        SELECT 1 ORDER BY max(1);
        SELECT 1 ORDER BY count(*);
        SELECT 1 ORDER BY max(1), nosuch;
        SELECT x, sum(x) OVER () FROM t ORDER BY max(x);
        SELECT x FROM t ORDER BY MAX(x);
        SELECT x FROM t ORDER BY max(x), nosuch;
        SELECT x FROM t ORDER BY max(x), min(y);
        SELECT x FROM t ORDER BY 1 + max(x);
        SELECT x FROM t ORDER BY max(x) COLLATE nocase;
        SELECT x AS m FROM t ORDER BY max(m);
        SELECT max(x) AS m FROM t ORDER BY m;
        SELECT x FROM t ORDER BY (SELECT max(z) FROM u ORDER BY max(z));
        SELECT x FROM t LIMIT 1 OFFSET max(1);
        SELECT * FROM (SELECT x FROM t ORDER BY max(x));
        SELECT x FROM t UNION ALL SELECT x FROM t ORDER BY max(x);
        SELECT DISTINCT x FROM t ORDER BY max(x);
        SELECT x FROM t WHERE max(x) AND min(y);
        SELECT max(x) FROM t WHERE max(x) AND min(y);
        SELECT max(x) FROM t WHERE max(x) + min(y);
        SELECT x FROM t JOIN u ON max(x) WHERE min(y);
        SELECT max(x) FROM t JOIN u ON max(x) WHERE min(y);
        SELECT x FROM t JOIN u ON max(x) JOIN u AS v ON min(y);
        SELECT x FROM t ORDER BY max(x) + min(y);
        UPDATE t SET x = max(y), y = min(x);
        SELECT x FROM t WHERE max(x) AND nosuch;
        SELECT x FROM t WHERE nosuch AND max(x);
        SELECT x FROM t HAVING max(x) > 1;
        SELECT x FROM t WHERE max(y) HAVING max(x) > 1;
        SELECT count(*) FROM t JOIN u ON max(x) HAVING 1;
        SELECT x FROM t HAVING nosuch;
        SELECT x FROM t HAVING (SELECT max(x)) > 1;
        SELECT (SELECT max(x)) FROM t HAVING 1;
        SELECT count(*) FROM t HAVING count(*) > 1;
        SELECT 1 FROM t HAVING count(*) > 1;
        SELECT x FROM t HAVING 1;
        SELECT 1 HAVING 1;
        SELECT 1 HAVING max(1);
        SELECT max(1) HAVING 1;
        """,
        // CREATE-time refusals: a DEFAULT that is not constant, subqueries / parameters /
        // aggregates / window functions in CHECK constraints and generated columns (names
        // resolved at CREATE), as sqlite3 reports them; ADD COLUMN's run-time checks.
        """
        CREATE TABLE u(z);
        CREATE TABLE t(a CHECK (a > (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, CHECK (a IN (SELECT z FROM u))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, CHECK (EXISTS (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (max(a) > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (count(*) > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (max(a,1) > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (sum(a) OVER () > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (row_number() OVER () > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (a IN (SELECT z FROM u))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (max(a))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (count(*))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (sum(a) OVER ())); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (a)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (max(1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (random())); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (abs(1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 IN (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (EXISTS (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (nosuch)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (t.a)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (CURRENT_TIME)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (?)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (:x)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (nosuchf(1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (count(*))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (sum(1) OVER ())); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (CAST(1 AS TEXT))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 COLLATE nosuch)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (raise(ignore))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b DEFAULT (a)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a > ?)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (?)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a); CREATE INDEX i ON t(a) WHERE a > (SELECT 1); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t((SELECT 1)); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(a) WHERE max(a); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(max(a)); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(random()); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(a) WHERE random(); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(a) WHERE a IN (SELECT z FROM u); DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(a) WHERE ?; DROP TABLE t;
        CREATE TABLE t(a); CREATE INDEX i ON t(sum(a) OVER ()); DROP TABLE t;
        CREATE TABLE t(a); ALTER TABLE t ADD COLUMN b DEFAULT ((SELECT 1)); DROP TABLE t;
        CREATE TABLE t(a); ALTER TABLE t ADD COLUMN b CHECK ((SELECT 1)); DROP TABLE t;
        CREATE TABLE t(a); ALTER TABLE t ADD COLUMN b AS ((SELECT 1)); DROP TABLE t;
        CREATE TABLE t(a); ALTER TABLE t ADD COLUMN b DEFAULT (random()); DROP TABLE t;
        CREATE TABLE t(a CHECK ((SELECT 1)), b DEFAULT ((SELECT 2))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT ((SELECT 2)) CHECK ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (nosuch > (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK ((SELECT nosuch))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (max(nosuch))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT ("abc")); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (true)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (-1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 COLLATE nocase)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (CASE WHEN 1 THEN 2 END)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 IN (1,2))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (a IN (1,2))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT ((1,2))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (abs(a))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (abs("x"))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (rowid)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (main.t.a)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (x'00')); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT ('a' || "b")); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (max(1) FILTER (WHERE 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 BETWEEN 0 AND 2)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 LIKE 'x')); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (CAST(a AS TEXT))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a DEFAULT (1 IS NULL)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (nosuchf(a))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (nosuch)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (t.a > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (u.z > 1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (abs(a, 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a COLLATE nosuch)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a AS ((SELECT 1)), CHECK ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a AS (?), CHECK (?)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a IN u)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (a IN u)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (rowid > 0)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (raise(ignore))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK ("abc")); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (random())); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (max(a) OVER ())); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, CHECK(a), CHECK (max(a)), CHECK ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a PRIMARY KEY, CHECK ((SELECT 1))) WITHOUT ROWID; DROP TABLE IF EXISTS t;
        CREATE TEMP TABLE t(a CHECK ((SELECT 1)));
        CREATE TABLE t(a CHECK ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t AS SELECT 1 AS a; DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a > 0 AND EXISTS (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (CASE (SELECT 1) WHEN 1 THEN 1 END)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (a + ?1)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (a + nosuch)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (nosuch + (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS ((SELECT 1)), CHECK ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (nosuch), CHECK (nosuch2)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b DEFAULT (a), c AS ((SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a); INSERT INTO t VALUES(1); ALTER TABLE t ADD COLUMN b DEFAULT (random()); DROP TABLE t;
        CREATE TABLE t(a); INSERT INTO t VALUES(1); ALTER TABLE t ADD COLUMN b DEFAULT (abs(1)); DROP TABLE t;
        CREATE TABLE t(a); INSERT INTO t VALUES(1); ALTER TABLE t ADD COLUMN b DEFAULT (a); DROP TABLE t;
        CREATE TABLE t(a); ALTER TABLE t ADD COLUMN b DEFAULT (a); DROP TABLE t;
        CREATE TABLE t(a); ALTER TABLE t ADD COLUMN b DEFAULT (?); DROP TABLE t;
        CREATE TABLE t(a, b, "c d" DEFAULT (a)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a > 1 AND max(a) AND (SELECT 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK ((SELECT 1) AND max(a))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (sum(a) FILTER (WHERE 1))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a IN (SELECT 1) AND ?)); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (max(a) OVER ())); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a, b AS (a IN json_each('[1]'))); DROP TABLE IF EXISTS t;
        CREATE TABLE t(a CHECK (a IN json_each('[1]'))); DROP TABLE IF EXISTS t;
        """,
        """
        CREATE TABLE t(a INT) STRICT; INSERT INTO t VALUES(1); CREATE TABLE e(a);
        ALTER TABLE t ADD COLUMN b CHECK ((SELECT 1)); SELECT sql FROM sqlite_schema;
        ALTER TABLE t ADD COLUMN b xyz; SELECT sql FROM sqlite_schema;
        ALTER TABLE t ADD COLUMN b AS (nosuch); SELECT sql FROM sqlite_schema;
        ALTER TABLE t ADD COLUMN b CHECK (nosuch); SELECT sql FROM sqlite_schema;
        ALTER TABLE t ADD COLUMN b ANY DEFAULT (abs(1)); SELECT sql FROM sqlite_schema;
        ALTER TABLE e ADD COLUMN b DEFAULT (abs(1)); INSERT INTO e(a) VALUES(1); SELECT * FROM e;
        ALTER TABLE e ADD COLUMN b DEFAULT (random() % 1); SELECT sql FROM sqlite_schema;
        BEGIN; ALTER TABLE t ADD COLUMN b INT DEFAULT (abs(1)); SELECT 1; COMMIT; SELECT sql FROM sqlite_schema;
        """,
        // A multi-column subquery runs once for all the targets of `SET (a, b) = (SELECT …)`
        // and for all the WHENs of `CASE (SELECT …) WHEN`, as sqlite3 (seen through random()).
        """
        CREATE TABLE t(k INTEGER PRIMARY KEY, a, b); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<30) INSERT INTO t(k) SELECT i FROM c; CREATE TABLE u(x, y); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<40) INSERT INTO u SELECT i, i+1 FROM c;
        UPDATE t SET (a, b) = (SELECT x, y FROM u WHERE t.k > 0 ORDER BY random() LIMIT 1); SELECT count(*) FROM t WHERE b = a + 1 AND a IS NOT NULL;
        UPDATE t SET (b, a) = (SELECT y, x FROM u ORDER BY random() LIMIT 1); SELECT count(*) FROM t WHERE b = a + 1;
        UPDATE t SET (a, k, b) = (SELECT x, k, y FROM u WHERE t.k > 0 ORDER BY random() LIMIT 1); SELECT count(*) FROM t WHERE b = a + 1;
        SELECT sum(CASE (SELECT x, y FROM u WHERE t.k > 0 AND x <= 5 ORDER BY random() LIMIT 1) WHEN (1,2) THEN 1 WHEN (2,3) THEN 1 WHEN (3,4) THEN 1 WHEN (4,5) THEN 1 WHEN (5,6) THEN 1 ELSE 0 END) FROM t;
        SELECT CASE (SELECT x, y FROM u WHERE x = 3) WHEN (1,2) THEN 'a' WHEN (3,4) THEN 'b' ELSE 'c' END;
        SELECT CASE (SELECT x, y FROM u WHERE x = 99) WHEN (1,2) THEN 'a' WHEN (NULL, NULL) THEN 'b' ELSE 'c' END;
        SELECT k, CASE (SELECT x, y FROM u WHERE x = t.k) WHEN (1,2) THEN 'a' WHEN (3,4) THEN 'b' ELSE 'c' END FROM t WHERE k < 5;
        CREATE TABLE v(p PRIMARY KEY, q, r) WITHOUT ROWID; INSERT INTO v VALUES(1,0,0),(2,0,0),(3,0,0); UPDATE v SET (q, r) = (SELECT x, y FROM u WHERE v.p > 0 ORDER BY random() LIMIT 1); SELECT count(*) FROM v WHERE r = q + 1;
        CREATE TABLE w(p UNIQUE, q, r); INSERT INTO w VALUES(1,0,0),(2,0,0); INSERT INTO w VALUES(1,0,0),(2,0,0) ON CONFLICT(p) DO UPDATE SET (q, r) = (SELECT x, y FROM u WHERE excluded.p > 0 ORDER BY random() LIMIT 1); SELECT count(*) FROM w WHERE r = q + 1;
        CREATE TABLE z(q, r); INSERT INTO z VALUES(0,0),(0,0); UPDATE z SET (q, r) = (SELECT x, y FROM u WHERE u.x = 7) FROM u AS uu WHERE uu.x < 3; SELECT * FROM z;
        CREATE TABLE z2(q, r); INSERT INTO z2 VALUES(0,0),(0,0); UPDATE z2 SET (q, r) = (SELECT u.x, u.y FROM u WHERE u.x = uu.x) FROM u AS uu WHERE uu.x = 2 + z2.rowid; SELECT * FROM z2;
        CREATE TABLE z3(q, r); INSERT INTO z3 VALUES(0,0),(0,0); CREATE VIEW vz AS SELECT * FROM z3; CREATE TRIGGER tz INSTEAD OF UPDATE ON vz BEGIN UPDATE z3 SET q = new.q, r = new.r; END; UPDATE vz SET (q, r) = (SELECT x, y FROM u ORDER BY random() LIMIT 1); SELECT count(*) FROM z3 WHERE r = q + 1;
        EXPLAIN QUERY PLAN UPDATE t SET (a, b) = (SELECT x, y FROM u WHERE x = t.k);
        EXPLAIN QUERY PLAN SELECT CASE (SELECT x, y FROM u WHERE x = t.k) WHEN (1,2) THEN 'a' WHEN (3,4) THEN 'b' END FROM t;
        """,
        // EXPLAIN QUERY PLAN of a query whose one aggregate is min(x) / max(x) (no FILTER, no
        // HAVING): every loop is a SEARCH, a WITHOUT ROWID table's "USING PRIMARY KEY".
        """
        CREATE TABLE t(a, b, c); CREATE TABLE w(a PRIMARY KEY, b) WITHOUT ROWID; CREATE TABLE i(a, b); CREATE INDEX ia ON i(a); CREATE VIRTUAL TABLE f USING fts5(x);
        EXPLAIN QUERY PLAN SELECT min(a) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t WHERE b = 1;
        EXPLAIN QUERY PLAN SELECT max(a), min(a) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) + 1 FROM t;
        EXPLAIN QUERY PLAN SELECT max(a), b FROM t;
        EXPLAIN QUERY PLAN SELECT count(*) FROM t;
        EXPLAIN QUERY PLAN SELECT sum(a) FROM t;
        EXPLAIN QUERY PLAN SELECT max(b) FROM i;
        EXPLAIN QUERY PLAN SELECT max(a) FROM i;
        EXPLAIN QUERY PLAN SELECT max(b) FROM w;
        EXPLAIN QUERY PLAN SELECT max(a) FROM w;
        EXPLAIN QUERY PLAN SELECT max(rowid) FROM t;
        EXPLAIN QUERY PLAN SELECT min(rowid) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t GROUP BY b;
        EXPLAIN QUERY PLAN SELECT max(a COLLATE nocase) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a+1) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a, b) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FILTER (WHERE b) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t AS x, i;
        EXPLAIN QUERY PLAN SELECT (SELECT max(a) FROM t);
        EXPLAIN QUERY PLAN SELECT max(a) FROM t WHERE rowid > 5;
        EXPLAIN QUERY PLAN SELECT max(a) FROM i WHERE b = 1;
        EXPLAIN QUERY PLAN SELECT max(b) FROM i WHERE a = 1;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t ORDER BY 1;
        EXPLAIN QUERY PLAN SELECT min(a) FROM t LIMIT 1;
        EXPLAIN QUERY PLAN SELECT max(c) FROM t;
        EXPLAIN QUERY PLAN SELECT max(t.a) FROM t, i;
        EXPLAIN QUERY PLAN SELECT max(t.a) FROM t, i WHERE i.a = t.b;
        EXPLAIN QUERY PLAN SELECT max(t.a) FROM t LEFT JOIN i ON i.b = t.b;
        EXPLAIN QUERY PLAN SELECT max(CASE WHEN b THEN a END) FROM t;
        EXPLAIN QUERY PLAN SELECT max(x) FROM f;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t WHERE b IN (1,2);
        EXPLAIN QUERY PLAN SELECT max(a) FROM t WHERE b = (SELECT max(c) FROM t);
        EXPLAIN QUERY PLAN SELECT max(1) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t HAVING 1;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t GROUP BY 1=1;
        EXPLAIN QUERY PLAN SELECT (SELECT max(t.a) FROM i) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t UNION SELECT min(a) FROM t;
        EXPLAIN QUERY PLAN SELECT MAX(a) FROM t;
        EXPLAIN QUERY PLAN SELECT max(a) FROM t WHERE a > 1;
        EXPLAIN QUERY PLAN SELECT max(b) FROM i WHERE a > 1;
        """,
        // EXPLAIN QUERY PLAN's line for a DISTINCT aggregate's set: before the loops without
        // GROUP BY (none for a lone one read in index order), after the GROUP BY line with it.
        """
        CREATE TABLE t(a, b, c); CREATE TABLE i(a, b); CREATE INDEX ia ON i(a);
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM t;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a), sum(DISTINCT b) FROM t;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM t GROUP BY b;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM i;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT b) FROM i;
        EXPLAIN QUERY PLAN SELECT group_concat(DISTINCT a) FROM t;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM i GROUP BY a;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) OVER () FROM t;
        EXPLAIN QUERY PLAN SELECT b, count(DISTINCT a) FROM t GROUP BY b HAVING count(DISTINCT c);
        EXPLAIN QUERY PLAN SELECT COUNT(DISTINCT a) FROM t;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FILTER (WHERE b) FROM t;
        EXPLAIN QUERY PLAN SELECT (SELECT count(DISTINCT a) FROM t);
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM i WHERE a > 1;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM i WHERE b > 1;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a), count(*) FROM i;
        EXPLAIN QUERY PLAN SELECT min(DISTINCT a) FROM i;
        EXPLAIN QUERY PLAN SELECT max(DISTINCT a) FROM t;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT t.a) FROM t, i WHERE i.a = t.b;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a) FROM i WHERE a = 1;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a+1) FROM i;
        EXPLAIN QUERY PLAN SELECT a, count(DISTINCT b) FROM i GROUP BY a;
        EXPLAIN QUERY PLAN SELECT count(DISTINCT a COLLATE nocase) FROM i;
        """,
    ]

    @Test("scripts match sqlite3", arguments: scripts)
    func script(_ script: String) throws {
        try expectSameScript(script)
    }
}
