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
    ]

    @Test("scripts match sqlite3", arguments: scripts)
    func script(_ script: String) throws {
        try expectSameScript(script)
    }
}
