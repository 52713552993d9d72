// This file compares the boolean setting PRAGMAs with sqlite3 3.40: what `PRAGMA x` and
// `PRAGMA x = v` print for each, and the behaviour a user can observe (automatic_index in
// plans, trusted_schema on virtual tables in views and triggers, query_only on writes).
// Layer: L6 (through the shell). Spec: Spec/L6-session.md §PRAGMAs.
import Foundation
import Testing
import LoomTestSupport

@Suite("Setting flag pragmas against sqlite3", .enabled(if: Oracle.isAvailable))
struct SettingFlagPragmaTests {
    static let flags = ["automatic_index", "trusted_schema", "cell_size_check", "fullfsync", "checkpoint_fullfsync",
                        "read_uncommitted", "full_column_names", "short_column_names", "query_only", "secure_delete",
                        "reverse_unordered_selects", "recursive_triggers"]

    /// Reading and setting each flag (boolean spellings, numbers, junk, `(v)`, schema prefixes,
    /// the pragma function).
    @Test(arguments: flags) func readAndSet(_ flag: String) throws {
        try expectSameScript(
        """
        PRAGMA \(flag);
        PRAGMA \(flag)=0; PRAGMA \(flag);
        PRAGMA \(flag)=yes; PRAGMA \(flag);
        PRAGMA \(flag)='off'; PRAGMA \(flag);
        PRAGMA \(flag)=2; PRAGMA \(flag);
        PRAGMA \(flag)=-1; PRAGMA \(flag);
        PRAGMA \(flag)='x'; PRAGMA \(flag);
        PRAGMA \(flag)(true); PRAGMA main.\(flag); PRAGMA temp.\(flag);
        PRAGMA \(flag) = fast; PRAGMA \(flag);
        SELECT * FROM pragma_\(flag);
        PRAGMA \(flag)=0;
        """)
    }

    @Test func automaticIndexAndQueryOnly() throws {
        try expectSameScript(
        """
        CREATE TABLE t(a, b); CREATE TABLE u(c, d);
        INSERT INTO t VALUES(1,2),(3,4); INSERT INTO u VALUES(1,5),(3,6);
        EXPLAIN QUERY PLAN SELECT * FROM t, u WHERE t.a = u.c;
        PRAGMA automatic_index=0;
        EXPLAIN QUERY PLAN SELECT * FROM t, u WHERE t.a = u.c;
        SELECT * FROM t, u WHERE t.a = u.c;
        PRAGMA automatic_index=1;
        EXPLAIN QUERY PLAN SELECT * FROM t LEFT JOIN u ON t.a = u.c;
        PRAGMA query_only=1;
        INSERT INTO t VALUES(1,1);
        CREATE TABLE z(a);
        DELETE FROM t;
        SELECT count(*) FROM t;
        CREATE TEMP TABLE tt(a);
        PRAGMA user_version=3;
        BEGIN; SELECT 1; COMMIT;
        PRAGMA query_only=0;
        INSERT INTO t VALUES(1,1) RETURNING *;
        """)
    }

    /// trusted_schema=OFF: views and triggers may use only innocuous virtual tables
    /// (json_each, json_tree, generate_series): "unsafe use of virtual table".
    @Test func trustedSchema() throws {
        try expectSameScript(
        """
        CREATE VIRTUAL TABLE f USING fts5(x);
        CREATE TABLE t(a);
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO f VALUES(new.a); END;
        CREATE VIEW v2 AS SELECT * FROM generate_series(1,2);
        CREATE VIEW v3 AS SELECT key FROM json_each('[1]');
        CREATE VIEW v4 AS SELECT * FROM f;
        CREATE VIEW v5 AS SELECT count(*) FROM dbstat;
        CREATE VIEW v6 AS SELECT * FROM pragma_table_info('t');
        CREATE VIRTUAL TABLE f_vocab USING fts5vocab(f, row);
        CREATE VIEW v7 AS SELECT * FROM f_vocab;
        CREATE VIEW v9 AS SELECT * FROM json_tree('[1]');
        PRAGMA trusted_schema=0;
        INSERT INTO t VALUES('x');
        SELECT * FROM v2; SELECT * FROM v3; SELECT * FROM v4; SELECT * FROM v5;
        SELECT count(*) FROM v6; SELECT count(*) FROM v7; SELECT count(*) FROM v9;
        SELECT count(*) FROM f; SELECT count(*) FROM pragma_table_info('t');
        PRAGMA trusted_schema=1;
        INSERT INTO t VALUES('x');
        SELECT * FROM v4; SELECT count(*) FROM v6;
        """)
    }

    /// full_column_names / short_column_names: `table.column` for bare columns (the table's
    /// own name, a view's or WITH table's), `alias.column` for `*` with short_column_names
    /// off, the text as written with both off; AS names first; RETURNING too.
    @Test func columnNames() throws {
        try expectSameScript(
        """
        .headers on
        CREATE TABLE t(a, b); INSERT INTO t VALUES(1,2);
        CREATE TABLE u(a, c); INSERT INTO u VALUES(1,3);
        SELECT a, b FROM t;
        SELECT t.a, x.b FROM t, t AS x;
        PRAGMA full_column_names=1;
        SELECT a, b FROM t;
        SELECT t.a, x.b, a+1, * FROM t, t AS x;
        SELECT t.* FROM t;
        SELECT a AS q FROM t;
        SELECT (SELECT a FROM t) FROM t;
        CREATE VIEW vw AS SELECT a, b FROM t;
        SELECT * FROM vw;
        SELECT t.a, u.a FROM t JOIN u USING(a);
        SELECT * FROM t JOIN u USING(a);
        SELECT * FROM t NATURAL JOIN u;
        SELECT rowid, t.rowid FROM t;
        PRAGMA short_column_names=0;
        SELECT a, t.a, * FROM t;
        PRAGMA full_column_names=0;
        SELECT a, t.a, x.b, * FROM t, t AS x;
        PRAGMA short_column_names=1;
        SELECT a, t.a FROM t;
        INSERT INTO t VALUES(5,6) RETURNING a, t.b;
        WITH c AS (SELECT a FROM t) SELECT a, c.a FROM c;
        SELECT main.t.a FROM t;
        """)
        try expectSameScript(
        """
        .headers on
        CREATE TABLE t(a, b); INSERT INTO t VALUES(1,2);
        CREATE VIEW vw AS SELECT a, b FROM t;
        PRAGMA full_column_names=1;
        SELECT x.b, x.a FROM t AS x;
        SELECT b FROM t AS x;
        SELECT vw.a, b FROM vw;
        SELECT x.a FROM vw x;
        SELECT a FROM t UNION SELECT b FROM t;
        SELECT value FROM generate_series(1,1);
        SELECT key FROM json_each('[1]') AS j;
        SELECT "a", [b], `a` FROM t;
        SELECT (a) FROM t;
        SELECT a COLLATE nocase FROM t;
        SELECT main.t.a FROM t;
        SELECT _rowid_, oid FROM t;
        SELECT max(a) FROM t;
        INSERT INTO t VALUES(5,6) RETURNING a, t.b;
        PRAGMA short_column_names=0;
        SELECT * FROM t AS x;
        SELECT x.* FROM t AS x;
        PRAGMA full_column_names=0;
        SELECT a, t.a, x.a, (a), t.a+1 FROM t AS x, (SELECT 1) AS t;
        SELECT * FROM t AS x;
        SELECT a, x.a, "b" FROM t AS x;
        INSERT INTO t VALUES(5,6) RETURNING a, t.b;
        """)
    }
}
