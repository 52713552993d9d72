// Row values (rowvalue.html): comparisons, BETWEEN, IN lists and subqueries, CASE, UPDATE's
// SET (a, b) = …, the errors, and index use for (a, b) = (x, y), compared with sqlite3.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md §Row values.
import Foundation
import Testing
import LoomTestSupport

@Suite("Row values", .enabled(if: Oracle.isAvailable))
struct RowValueTests {
    static let scripts: [String] = [
        // Comparisons of literals, NULL rules.
        """
        .nullvalue NULL
        SELECT (1,2)=(1,2), (1,2)==(1,3), (1,2)<>(1,3), (1,2)!=(1,2);
        SELECT (1,NULL)=(1,2), (1,NULL)=(2,2), (1,NULL)<>(2,NULL), (NULL,1)=(NULL,2), (1,NULL)<>(1,2);
        SELECT (1,2)<(1,3), (1,NULL)<(1,3), (1,NULL)<(2,3), (NULL,1)<(2,3), (1,2)<(1,NULL), (2,NULL)<(1,3);
        SELECT (1,2)<=(1,2), (1,2)>(1,1), (1,2)>=(1,3), (1,NULL)>=(0,5), (1,NULL)<=(1,NULL), (3,2,1)>(3,2,0);
        SELECT (1,NULL) IS (1,NULL), (1,NULL) IS NOT (1,NULL), (1,2) IS (1,NULL), (1,2) IS NOT (1,NULL);
        SELECT (1,2) BETWEEN (0,0) AND (1,5), (1,2) NOT BETWEEN (0,0) AND (1,5), (1,2) BETWEEN (1,NULL) AND (2,2);
        SELECT (2,NULL) BETWEEN (1,0) AND (3,0), (1,2,3) < (1,2,4), ((1,2)) = (1,2), (1) = (1);
        SELECT (1,'2') = (1,2), ('a','B') = ('a','b' COLLATE nocase), ('a' COLLATE nocase,'B') = ('A','b');
        SELECT ('a' COLLATE nocase, 1) < ('B', 0), ('a', 1) < ('B' COLLATE nocase, 0), (1.0, 'x') = (1, 'x');
        """,
        // A VALUES that reads the enclosing row is correlated: recomputed per row.
        """
        CREATE TABLE t(x, y); INSERT INTO t VALUES(1, 10), (2, 20), (3, NULL);
        SELECT x IN (VALUES(x)), x IN (VALUES(1),(x)), (x, y) IN (VALUES(x, y), (0, 0)) FROM t;
        SELECT x FROM t WHERE x IN (VALUES(x + 0)) ORDER BY x;
        SELECT x, (VALUES(x), (x + 1)) FROM t;
        SELECT x FROM t WHERE EXISTS (VALUES(x) EXCEPT VALUES(2)) ORDER BY x;
        SELECT x FROM t WHERE x IN (SELECT 5 UNION ALL VALUES(y / 10)) ORDER BY x;
        """,
        // Subqueries returning several columns.
        """
        .nullvalue NULL
        CREATE TABLE t(a,b); INSERT INTO t VALUES(1,2),(3,NULL),(5,'6');
        SELECT (SELECT 1,2) = (1,2), (SELECT 1,2) < (SELECT 1,3), (SELECT 1,2 WHERE 0) = (1,2);
        SELECT (1,2) IS (SELECT 1,2), (SELECT 'a' COLLATE nocase, 1) = ('A', 1);
        SELECT (1,2) = (SELECT a,b FROM t), (1,2) < (SELECT a,b FROM t ORDER BY a DESC);
        SELECT a, (a,b) = (SELECT a, b FROM t AS u WHERE u.a = t.a) FROM t;
        SELECT a, (a,b) < (SELECT max(a), min(b) FROM t) FROM t;
        SELECT (1,2) BETWEEN (SELECT 0,0) AND (SELECT 9,9);
        SELECT * FROM t WHERE (a,b) >= (3,0) ORDER BY a;
        SELECT * FROM t WHERE (a,b) IS NOT (3,NULL) ORDER BY a;
        SELECT * FROM t WHERE (b,a) < ('6',9) ORDER BY a;
        SELECT CASE (1,2) WHEN (1,3) THEN 'a' WHEN (1,2) THEN 'b' END, CASE (a,b) WHEN (3,NULL) THEN 'n' ELSE 'e' END FROM t;
        SELECT count(*) FROM t GROUP BY a HAVING (count(*), max(a)) = (1, 5);
        """,
        // Affinity per column pair.
        """
        .nullvalue NULL
        CREATE TABLE t(i INTEGER, s TEXT, n NUMERIC, x);
        INSERT INTO t VALUES(1, '1', '2.0', '3'), (2, 'a', 2, 3);
        SELECT (i, s) = ('1', 1), (s, n) = (1, 2), (x, i) = (3, 1), (x, i) = ('3', '1') FROM t;
        SELECT (i, s) < ('2', '1'), (n, x) >= ('2', '3') FROM t;
        SELECT (i, s) IN (SELECT '1', 1), (s, x) IN (VALUES(1, '3'), ('a', 3)) FROM t;
        SELECT (s, x) IN ((1, '3'), ('a', 3)), (i, n) NOT IN ((1, '2.0')) FROM t;
        """,
        // IN and NOT IN.
        """
        .nullvalue NULL
        CREATE TABLE t(a,b); INSERT INTO t VALUES(1,2),(3,NULL);
        SELECT (1,2) IN ((1,2),(3,4)), (1,2) IN ((1,2)), (5,6) NOT IN ((1,2),(3,4)), (1,NULL) IN ((1,2),(3,4));
        SELECT (1,2) IN (SELECT 1,2), (1,2) IN (VALUES(1,2),(3,4)), (1,2) NOT IN (VALUES(1,2),(3,4));
        SELECT (SELECT 1,2) IN (SELECT 1,2 UNION ALL SELECT 3,4), (SELECT 1,2,3) IN (VALUES(1,2,3));
        SELECT (SELECT 1,2) NOT IN (VALUES(1,2),(3,4)), (SELECT 1,2) IN (SELECT * FROM (VALUES(1,2)));
        SELECT (1, 2) BETWEEN (SELECT 1, 1) AND (1, 3), ((1,2) = (1,2), 3) = (1, 3), NOT (1, 2) = (1, 3);
        SELECT (1,NULL) IN (VALUES(1,2),(3,4)), (1,NULL) NOT IN (VALUES(1,2),(3,4)), (5,NULL) NOT IN (VALUES(1,2),(3,4));
        SELECT (1,2) NOT IN (VALUES(1,NULL),(3,4)), (1,2) IN (VALUES(1,NULL),(3,4)), (1,2) IN (VALUES(1,NULL),(1,2));
        SELECT (1,2) IN (), (1,2) NOT IN (), (NULL,2) IN ();
        SELECT (1,2) IN t, (3,4) IN t, (3,4) NOT IN t, (4,4) IN t;
        SELECT (1,2) IN (SELECT a,b FROM t), (3,4) IN (SELECT a,b FROM t), (4,4) IN (SELECT a,b FROM t);
        SELECT (5,5) NOT IN (SELECT a,b FROM t WHERE 0), (NULL,5) NOT IN (SELECT a,b FROM t WHERE 0);
        SELECT a, (a, b) IN (SELECT a, b FROM t AS u WHERE u.a >= t.a) FROM t;
        SELECT * FROM t WHERE (a,b) IN (SELECT 1,2);
        SELECT * FROM t WHERE (a,b) NOT IN (VALUES(1,2));
        SELECT (NULL, NULL) IN (VALUES(1,2)), (1, NULL) IN (VALUES(2, NULL)), (1, NULL) IN (VALUES(1, NULL));
        """,
        // UPDATE SET lists.
        """
        .nullvalue NULL
        CREATE TABLE t(a,b,c); INSERT INTO t VALUES(1,2,3),(4,5,6);
        UPDATE t SET (a,b) = (b,a), c = c + 1;
        SELECT * FROM t;
        UPDATE t SET (a,b) = (b,a), a = 5;
        SELECT * FROM t;
        UPDATE t SET (c, a) = (SELECT 10, 20) WHERE rowid = 1;
        SELECT * FROM t;
        UPDATE t SET (b,a) = (SELECT max(c), min(c) FROM t AS u WHERE u.rowid <> t.rowid), c = 0;
        SELECT * FROM t;
        UPDATE t SET (a) = (7);
        UPDATE t SET (a, b, c) = (1, 2, 3) WHERE (a, b) = (7, 10);
        SELECT * FROM t;
        UPDATE t SET (a,b) = (SELECT 1,2 WHERE 0);
        SELECT * FROM t;
        CREATE TABLE u(k INTEGER PRIMARY KEY, v UNIQUE, w);
        INSERT INTO u VALUES(1, 'x', 0);
        INSERT INTO u VALUES(1, 'y', 0) ON CONFLICT(k) DO UPDATE SET (v, w) = (excluded.v, w + 1);
        SELECT * FROM u;
        UPDATE u SET (k, w) = (5, 9);
        SELECT * FROM u;
        CREATE TABLE wr(p PRIMARY KEY, q) WITHOUT ROWID; INSERT INTO wr VALUES(1, 2);
        UPDATE wr SET (p, q) = (q, p);
        SELECT * FROM wr;
        CREATE VIEW vw AS SELECT * FROM t;
        CREATE TRIGGER vt INSTEAD OF UPDATE ON vw BEGIN UPDATE t SET (a, b) = (new.a, new.b); END;
        UPDATE vw SET (a, b) = (100, 200);
        SELECT * FROM t;
        """,
        // Errors.
        """
        CREATE TABLE t(a,b); CREATE TABLE t3(a,b,c);
        SELECT (1,2)=(1,2,3);
        SELECT (1,2);
        SELECT (1,2)+1;
        SELECT (1,2)=1;
        SELECT 1=(1,2);
        SELECT (1,2) IN (SELECT 1);
        SELECT 1 IN (SELECT 1,2);
        SELECT (SELECT 1,2,3) = (1,2);
        SELECT ((1,2),3) = ((1,2),3);
        SELECT (1,2) IS NULL;
        SELECT (1,2) IN (1);
        SELECT (1,2) IN ((1,2,3));
        SELECT (1,2) IN (1,(1,2));
        SELECT (1,2) IN ((SELECT 1,2));
        SELECT (1,2) IN ((1,2),(1,2,3));
        SELECT (1,2) IN (VALUES(1,2,3));
        SELECT (SELECT 1,2) IN (1);
        SELECT (SELECT 1,2) IN (1, 2);
        SELECT (SELECT 1,2) IN ((1,2),(SELECT 1,2));
        SELECT (SELECT 1,2) IN ((1,2,3));
        SELECT (SELECT 1,2) IN ((1,2));
        SELECT (SELECT 1,2) IN ((1,2),(3,4));
        SELECT (SELECT 1,2) IN ((SELECT 1,2));
        SELECT (1,2), nosuchcol;
        SELECT ifnull((1,2));
        SELECT coalesce((1,2));
        CREATE TABLE c3(a, b AS ((1,2)));
        INSERT INTO c3 VALUES(1);
        CREATE TABLE c4(a CHECK((1,2)));
        INSERT INTO c4 VALUES(1);
        SELECT (SELECT 1,2,3) IN (VALUES(1,2));
        SELECT 1 IN ((1,2));
        SELECT -(1,2);
        SELECT NOT (1,2);
        SELECT (1,2) AND 1;
        SELECT (1,2) COLLATE nocase = ('a','b');
        SELECT (1,2) BETWEEN 1 AND 2;
        SELECT 1 BETWEEN (1,2) AND 2;
        SELECT (1,2) = (SELECT 1);
        SELECT (1,2) LIKE 'a';
        SELECT (1,2) ISNULL;
        SELECT max((1,2));
        SELECT (SELECT 1,2);
        SELECT (SELECT 1,2) + 1;
        SELECT (1,2) IN t3;
        SELECT 1 IN t;
        SELECT CASE (1,2) WHEN 1 THEN 2 END;
        SELECT CASE 1 WHEN (1,3) THEN 'a' END;
        SELECT (a,b) FROM t;
        SELECT * FROM t ORDER BY (a,b);
        SELECT * FROM t GROUP BY (a,b);
        SELECT 1 WHERE (1,2);
        INSERT INTO t VALUES((1,2));
        INSERT INTO t VALUES((1,2),3);
        UPDATE t SET (a,b) = (1,2,3);
        UPDATE t SET (a,b) = 1;
        UPDATE t SET (a,b) = (SELECT 1);
        UPDATE t SET (a,b) = (SELECT 1,2,3);
        UPDATE t SET a = (1,2);
        UPDATE t SET a = (SELECT 1,2);
        UPDATE t SET (a,nope) = (1,2);
        UPDATE t SET (a,b) = (1,2) WHERE (a,b) = 1;
        """,
        // Joins, views, CHECK, partial indexes, triggers, DELETE, windows, CTEs.
        """
        .nullvalue NULL
        CREATE TABLE t(a,b,c); INSERT INTO t VALUES(1,2,3),(1,3,4),(2,2,5),(NULL,1,1);
        CREATE TABLE u(x,y); INSERT INTO u VALUES(1,2),(2,2),(3,3);
        SELECT * FROM t JOIN u ON (a,b) = (x,y);
        SELECT * FROM t LEFT JOIN u ON (a,b) < (x,y) ORDER BY 1,2,3,4,5;
        SELECT a, b, (a,b) < (1,3) AS lt FROM t ORDER BY (a,b) < (1,3), a, b;
        CREATE VIEW v AS SELECT a, (a,b) = (1,2) AS e FROM t;
        SELECT * FROM v;
        CREATE TABLE ck(p, q, CHECK((p,q) < (10,10)));
        INSERT INTO ck VALUES(1,1);
        INSERT INTO ck VALUES(10,11);
        CREATE INDEX pi ON t(c) WHERE (a,b) > (0,0);
        SELECT c FROM t WHERE (a,b) > (0,0) AND c > 0 ORDER BY c;
        CREATE TABLE log(m);
        CREATE TRIGGER tr AFTER UPDATE ON t WHEN (new.a, new.b) <> (old.a, old.b) BEGIN INSERT INTO log VALUES((SELECT count(*) FROM u WHERE (x,y) IN (VALUES(new.a,new.b)))); END;
        UPDATE t SET (a,b) = (b,a) WHERE c < 5;
        SELECT * FROM t ORDER BY c;
        SELECT * FROM log;
        SELECT count(*) FROM t WHERE (a, b) IN (SELECT x, y FROM u);
        SELECT count(*) FROM t WHERE (a, b) NOT IN (SELECT x, y FROM u);
        SELECT a FROM t WHERE (a, b) IN (SELECT x, y FROM u WHERE x = t.a) ORDER BY a;
        SELECT (a, b) IN (SELECT x, y FROM u) FROM t ORDER BY c;
        SELECT sum((a,b) = (2,1)) FROM t;
        SELECT a, b FROM t WHERE (a, b) BETWEEN (1, 0) AND (2, 2) ORDER BY a, b;
        SELECT row_number() OVER (ORDER BY c) FROM t WHERE (c, 1) > (2, 0);
        WITH w(p, q) AS (SELECT 1, 2) SELECT (p, q) = (1, 2) FROM w;
        SELECT (1, 2) = (SELECT x, y FROM u ORDER BY x LIMIT 1 OFFSET 0);
        DELETE FROM t WHERE (a,b) = (3,1);
        SELECT count(*) FROM t;
        SELECT * FROM t WHERE (a, b, c) = (SELECT 2, 2, 5);
        SELECT (1, 2) = (?1, ?2);
        """,
        // Generated columns, expression indexes, DEFAULT, RETURNING, LIMIT, operator precedence.
        """
        .nullvalue NULL
        CREATE TABLE t(a,b,c AS ((a,b) = (1,2)));
        INSERT INTO t VALUES(1,2),(1,3);
        SELECT * FROM t;
        CREATE INDEX ix ON t(((a,b) < (1,3)));
        SELECT a FROM t WHERE ((a,b) < (1,3)) = 1;
        CREATE TABLE d(x DEFAULT ((1,2) = (1,2)));
        INSERT INTO d DEFAULT VALUES; SELECT * FROM d;
        INSERT INTO t(a,b) VALUES(5,6) RETURNING (a,b) = (5,6), a;
        SELECT 1 LIMIT (1,2);
        SELECT 1 LIMIT (SELECT 1,2);
        SELECT (1,2) = (1,2) COLLATE nocase;
        SELECT ('a','b') = ('A','B' COLLATE nocase);
        SELECT (1, 2) = (1, 2) AND (3, 4) < (3, 5);
        SELECT NOT (1, 2) = (1, 3);
        SELECT (1, 2) = (1, 2) = 1;
        SELECT 1 = (1, 2) = (1, 2);
        SELECT ((1,2) = (1,2), 3) = (1, 3);
        SELECT (1, 2) BETWEEN (SELECT 1, 1) AND (1, 3);
        """,
        // SET lists with UPDATE … FROM, correlated subqueries, upsert, RETURNING, ORDER BY/LIMIT, triggers.
        """
        .nullvalue NULL
        CREATE TABLE t(a,b,c); INSERT INTO t VALUES(1,2,3),(4,5,6),(7,8,9);
        CREATE TABLE s(k, x, y); INSERT INTO s VALUES(1, 10, 20), (4, 40, 50);
        UPDATE t SET (b, c) = (s.x, s.y) FROM s WHERE s.k = t.a;
        SELECT * FROM t ORDER BY a;
        UPDATE t SET (b, c) = (SELECT max(b), min(c) FROM t);
        SELECT * FROM t ORDER BY a;
        UPDATE t SET (a, b) = (SELECT a + 1, b + 1 FROM t AS u WHERE u.a = t.a) WHERE a > 1;
        SELECT * FROM t ORDER BY a;
        CREATE TABLE u(k PRIMARY KEY, v, w);
        INSERT INTO u VALUES(1, 1, 1);
        INSERT INTO u VALUES(1, 2, 2) ON CONFLICT(k) DO UPDATE SET (v, w) = (SELECT excluded.v * 10, count(*) FROM t);
        SELECT * FROM u;
        UPDATE u SET (v, w) = (SELECT 1, 2), (w, k) = (3, 4) RETURNING *;
        UPDATE t SET (a, b) = (1, 2) ORDER BY a LIMIT 1;
        SELECT * FROM t ORDER BY a;
        CREATE TRIGGER tt AFTER UPDATE OF b ON t BEGIN UPDATE u SET (v, w) = (new.a, new.b); END;
        UPDATE t SET (b) = (99) WHERE a = 1;
        SELECT * FROM u;
        """,
        // Index use.
        """
        CREATE TABLE t(a,b,c); CREATE INDEX tab ON t(a,b);
        INSERT INTO t VALUES(1,2,3),(1,3,4),(2,2,5);
        EXPLAIN QUERY PLAN SELECT * FROM t WHERE (a,b) = (1,2);
        EXPLAIN QUERY PLAN SELECT * FROM t WHERE (a,b) = (?1,?2);
        EXPLAIN QUERY PLAN SELECT * FROM t WHERE (b,a) = (1,2);
        EXPLAIN QUERY PLAN SELECT * FROM t WHERE (a,c) = (1,2);
        SELECT * FROM t WHERE (a,b) = (1,2);
        SELECT * FROM t WHERE (b,a) = (2,2);
        SELECT * FROM t WHERE (a,b) > (1,2) ORDER BY a, b;
        """,
    ]

    @Test("row values match sqlite3", arguments: scripts)
    func script(_ script: String) throws {
        try expectSameScript(script)
    }

    /// Random comparisons of two-element rows over integers, text and NULL, every operator.
    @Test func randomComparisons() throws {
        var rng = SeededRNG(seed: 42)
        let values = ["NULL", "1", "2", "'1'", "'a'", "1.5", "x", "y"]
        let ops = ["=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"]
        var lines = [".nullvalue NULL", "CREATE TABLE t(x INTEGER, y TEXT);",
                     "INSERT INTO t VALUES(1, '1'), (2, NULL), (NULL, 'a');"]
        for _ in 0..<120 {
            let l = "(\(rng.pick(values)), \(rng.pick(values)))", r = "(\(rng.pick(values)), \(rng.pick(values)))"
            let op = rng.pick(ops)
            let form = rng.next() % 6
            switch form {
            case 0: lines.append("SELECT \(l) \(op) \(r) FROM t;")
            case 1: lines.append("SELECT \(l) BETWEEN \(r) AND (2, 'b') FROM t;")
            case 2:
                // (VALUES rows stay constant: a correlated VALUES is a separate, older gap.)
                let constants = Array(values.prefix(6))
                let c = "(\(rng.pick(constants)), \(rng.pick(constants)))"
                lines.append("SELECT \(l) IN (VALUES\(c), (1, 'a')) FROM t;")
            case 3: lines.append("SELECT \(l) IN (SELECT \(r.dropFirst().dropLast()) FROM t AS u WHERE u.x IS NOT t.x) FROM t;")
            case 4:
                lines.append("SELECT \(l) \(op) (SELECT \(r.dropFirst().dropLast()) FROM t AS u WHERE u.x IS NOT t.x ORDER BY 1, 2) FROM t;")
            default: lines.append("SELECT \(l) NOT IN (\(r), (2, NULL)) FROM t;")
            }
        }
        try expectSameScript(lines.joined(separator: "\n"))
    }
}
