// Virtual tables and table-valued functions on the right of RIGHT / FULL JOIN: the unmatched
// rows' pass rescans them with only their function arguments, compared with sqlite3.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md P9.
import Foundation
import Testing
import LoomTestSupport

@Suite("Virtual tables in RIGHT/FULL JOIN", .enabled(if: Oracle.isAvailable))
struct VirtualRightJoinTests {
    /// json_each, generate_series and FTS5 tables as the right (or left) item of RIGHT and
    /// FULL JOINs; ON terms pushed into the module (MATCH) do not filter the unmatched pass;
    /// arguments reading a left item give no unmatched rows.
    @Test func matchesSQLite() throws {
        try expectSameScript(
        """
        CREATE TABLE t(a, b);
        INSERT INTO t VALUES(1,'x'),(2,'y'),(5,'z'),(NULL,'n');
        CREATE VIRTUAL TABLE f USING fts5(w, n UNINDEXED);
        INSERT INTO f VALUES('alpha beta', 1),('beta gamma', 2),('delta', 3);
        SELECT t.a, t.b, f.w, f.n FROM t RIGHT JOIN f ON f.n = t.a;
        SELECT t.a, t.b, f.w, f.n FROM t FULL JOIN f ON f.n = t.a ORDER BY 1, 4;
        SELECT t.a, f.rowid FROM t RIGHT JOIN f ON f.n = t.a AND f.w MATCH 'beta';
        SELECT t.a, j.key, j.value FROM t FULL JOIN json_each('[1,2,3]') AS j ON t.a = j.value ORDER BY 1, 2;
        SELECT t.a, j.key FROM t FULL JOIN json_each('{"p":5,"q":2}') AS j ON t.a = j.value WHERE j.key IS NOT NULL OR t.a > 1;
        SELECT a, value FROM t FULL JOIN generate_series(2, 4) AS g ON t.a = g.value;
        SELECT a, value FROM generate_series(2, 4) AS g FULL JOIN t ON t.a = g.value;
        SELECT * FROM json_each('[1,5]') AS j RIGHT JOIN t ON t.a = j.value;
        SELECT count(*) FROM t FULL JOIN json_each('{"a":1,"b":2}') ON 0;
        SELECT t.a, j.value, k.value FROM t LEFT JOIN json_each('[1]') j ON j.value = t.a FULL JOIN json_each('[2,9]') k ON k.value = t.a;
        SELECT x.a, j.value FROM t AS x FULL JOIN json_each('[' || x.a || ']') AS j ON 1;
        SELECT u.a, s.value FROM t AS u FULL JOIN generate_series(1, 3) AS s ON s.value = u.a FULL JOIN t AS w ON w.a = s.value + 3;
        """)
    }

    /// sqlite3 3.40's plain RIGHT JOIN of a table-valued function: its arguments are not
    /// used while matching (json_each matches nothing, generate_series fails), only when the
    /// unmatched rows are listed; EXPLAIN QUERY PLAN as sqlite3's.
    @Test func sqlite340RightJoinOfTableFunction() throws {
        try expectSameScript(
        """
        CREATE TABLE t(a, b);
        INSERT INTO t VALUES(1,'x'),(2,'y'),(5,'z');
        SELECT * FROM t RIGHT JOIN json_each('[1,2,3]') AS j ON t.a = j.value;
        SELECT t.a, j.key, j.value FROM t FULL JOIN json_each('[1,2,3]') AS j ON t.a = j.value ORDER BY 1, 2;
        SELECT a, value FROM t FULL JOIN generate_series(2, 4) AS g ON t.a = g.value;
        SELECT a, value FROM generate_series(2, 4) AS g FULL JOIN t ON t.a = g.value;
        SELECT a, value FROM t RIGHT JOIN generate_series(1, 6, 2) ON a = value WHERE value > 1;
        SELECT * FROM json_each('[1,5]') AS j RIGHT JOIN t ON t.a = j.value;
        SELECT count(*) FROM t FULL JOIN json_each('{"a":1,"b":2}') ON 0;
        SELECT t.a, j.value, k.value FROM t LEFT JOIN json_each('[1]') j ON j.value = t.a FULL JOIN json_each('[2,9]') k ON k.value = t.a;
        EXPLAIN QUERY PLAN SELECT * FROM t AS x RIGHT JOIN t AS y ON x.a=y.a;
        EXPLAIN QUERY PLAN SELECT * FROM t AS x FULL JOIN generate_series(1,3) AS g ON x.a=g.value;
        EXPLAIN QUERY PLAN SELECT * FROM t AS x RIGHT JOIN (SELECT * FROM t) AS y ON x.a=y.a;
        EXPLAIN QUERY PLAN SELECT * FROM t RIGHT JOIN json_each('[1,2,3]') AS j ON t.a = j.value;
        """)
    }
}
