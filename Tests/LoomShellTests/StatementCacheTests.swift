// The connection's statement cache (Spec/L6-session.md SC1–SC8): scripts that repeat
// statement shapes with varying literals, compared with sqlite3 through the shell.
// Layer: L6 (through the shell). Spec: Spec/L6-session.md §Statement cache.
import Foundation
import Testing
import LoomTestSupport

@Suite("Statement cache", .enabled(if: Oracle.isAvailable))
struct StatementCacheTests {
    static let scripts: [String] = [
        // Repeats found by their tokens alone (SC10): literals compiled into the program
        // (LIMIT, result columns, under unary minus, in parentheses) must be spelled alike,
        // a parameter literal must be of its kind (a decimal beyond Int64, a too-big hex
        // literal parse as before), and spacing or comments make another key.
        """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT);
        INSERT INTO t VALUES(1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z'), (4, -40, 'w');
        SELECT b FROM t WHERE a = 1 LIMIT 5;
        SELECT b FROM t WHERE a = 2 LIMIT 5;
        SELECT b FROM t WHERE a = 2 LIMIT 0;
        SELECT b FROM t WHERE a >= 1 LIMIT 2;
        SELECT b FROM t WHERE a >= 1 LIMIT 3;
        SELECT b, 7 FROM t WHERE a = 3;
        SELECT b, 8 FROM t WHERE a = 3;
        SELECT b, 8 FROM t WHERE a = 1;
        SELECT a FROM t WHERE b = -40;
        SELECT a FROM t WHERE b = -10;
        SELECT a FROM t WHERE b = (10);
        SELECT a FROM t WHERE b = (20);
        SELECT a FROM t WHERE a = 2;
        SELECT a FROM t WHERE a = 99999999999999999999;
        SELECT a FROM t WHERE a = 0x3;
        SELECT a FROM t WHERE a = 0x10000000000000000;
        SELECT a FROM t WHERE a = 3;
        SELECT a FROM t WHERE a = 2.0;
        SELECT a FROM t WHERE a = '2';
        SELECT a FROM t WHERE a = x'02';
        SELECT a FROM t WHERE a  =  3;
        SELECT a FROM t WHERE a = /* c */ 3;
        SELECT a FROM t WHERE a = 1 -- c
        ;
        SELECT a FROM t WHERE a = 2 -- c
        ;
        select a from t where a = 4;
        select a from t where a = 3;
        SELECT c FROM t WHERE c = 'it''s' OR c = 'y';
        SELECT c FROM t WHERE c = 'z' OR c = 'w';
        UPDATE t SET b = 11 WHERE a = 1;
        UPDATE t SET b = 'eleven' WHERE a = 2;
        UPDATE t SET b = 1.5 WHERE a = 3;
        INSERT INTO t VALUES(5, 50, 'v');
        INSERT INTO t VALUES(6, 60.5, x'00');
        INSERT INTO t VALUES(7, 99999999999999999999, 'big');
        DELETE FROM t WHERE a = 7;
        DELETE FROM t WHERE a = 6;
        SELECT * FROM t ORDER BY a;
        ;;SELECT a FROM t WHERE a = 5;;;SELECT a FROM t WHERE a = 4;
        """,
        // Literals joined by || in a comparison operand (speedtest1 test 170's shape): one
        // shape, values of every kind, on an index and off it.
        """
        CREATE TABLE z(a INTEGER PRIMARY KEY, b, c TEXT);
        CREATE INDEX zc ON z(c);
        INSERT INTO z VALUES(1, 10, 'one'), (2, 20, 'one hundred'), (3, 30, 'two'), (4, 40, '12z'),
          (5, 50, 'one~'), (6, 60, '1'), (7, 70, x'6f6e65');
        SELECT count(*), sum(b), group_concat(a) FROM z WHERE c BETWEEN 'one' AND ('one'||'~');
        SELECT count(*), sum(b), group_concat(a) FROM z WHERE c BETWEEN 'two' AND ('two'||'~');
        SELECT count(*), sum(b), group_concat(a) FROM z WHERE c BETWEEN 1 AND (1||'~');
        SELECT count(*), sum(b), group_concat(a) FROM z WHERE c BETWEEN 12 AND (1||2||'z');
        SELECT count(*), sum(b), group_concat(a) FROM z WHERE c BETWEEN 'o' AND (x'6f6e'||'e~');
        SELECT count(*), sum(b), group_concat(a) FROM z WHERE c BETWEEN 1.5 AND (1.5||'~');
        SELECT a FROM z WHERE c = 'one'||' hundred';
        SELECT a FROM z WHERE c = 'on'||'e';
        SELECT a FROM z WHERE b > 1||5 ORDER BY a;
        SELECT a FROM z WHERE b > 2||5 ORDER BY a;
        SELECT a FROM z WHERE c IN ('tw'||'o', 'one'||'~') ORDER BY a;
        SELECT a FROM z WHERE c IN ('on'||'e', 'one'||' hundred') ORDER BY a;
        EXPLAIN QUERY PLAN SELECT count(*) FROM z WHERE c BETWEEN 'one' AND ('one'||'~');
        """,
        // Literal kinds in one shape position: integers, hex, reals, text, blobs, negatives.
        """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT, d REAL, e BLOB);
        INSERT INTO t VALUES(1, 'one', '1', 1.0, x'01');
        INSERT INTO t VALUES(2, 2, 2, 2, 2);
        INSERT INTO t VALUES(0x10, 'it''s', 'x', 1e3, x'');
        INSERT INTO t VALUES(-4, -4.5, '-4', '4.0', 'blob?');
        INSERT INTO t VALUES(9223372036854775807, 1.5, 'max', 0.1, x'ff00');
        INSERT INTO t VALUES(-9223372036854775808, 'min', 'min', -0.0, 7);
        INSERT INTO t VALUES(99999999999999999999, 1, 1, 1, 1);
        INSERT INTO t VALUES('77', '77', '77', '77', '77');
        INSERT INTO t VALUES('7x', 1, 1, 1, 1);
        INSERT INTO t VALUES(3.0, 3, 3, 3, 3);
        INSERT INTO t VALUES(3.5, 3, 3, 3, 3);
        SELECT a, b, typeof(b), c, typeof(c), d, typeof(d), quote(e) FROM t ORDER BY a;
        SELECT b FROM t WHERE a=1;
        SELECT b FROM t WHERE a=2;
        SELECT b FROM t WHERE a=16;
        SELECT b FROM t WHERE a=0x10;
        SELECT b FROM t WHERE a='2';
        SELECT b FROM t WHERE a='02';
        SELECT b FROM t WHERE a=' 2';
        SELECT b FROM t WHERE a='abc';
        SELECT b FROM t WHERE a=2.0;
        SELECT b FROM t WHERE a=2.5;
        SELECT b FROM t WHERE a=x'02';
        SELECT b FROM t WHERE a=-4;
        SELECT b FROM t WHERE a=-9223372036854775808;
        SELECT b FROM t WHERE a=9223372036854775807;
        SELECT b FROM t WHERE a=9223372036854775808;
        SELECT b FROM t WHERE a=77;
        SELECT a FROM t WHERE c=1;
        SELECT a FROM t WHERE c='1';
        SELECT a FROM t WHERE c=1.0;
        SELECT a FROM t WHERE c=2;
        SELECT a FROM t WHERE d=1;
        SELECT a FROM t WHERE d='1';
        SELECT a FROM t WHERE d='4.0';
        SELECT a FROM t WHERE d=4;
        SELECT a FROM t WHERE e=x'01';
        SELECT a FROM t WHERE e='blob?';
        SELECT a FROM t WHERE e=2;
        SELECT a FROM t WHERE b=2;
        SELECT a FROM t WHERE b='2';
        SELECT a FROM t WHERE b IS 2;
        SELECT a FROM t WHERE b IS '77';
        SELECT a FROM t WHERE 2=b;
        SELECT a FROM t WHERE '1'=c;
        SELECT a FROM t WHERE a>1 AND a<=16 ORDER BY a;
        SELECT a FROM t WHERE a>'1' AND a<=16.5 ORDER BY a;
        SELECT a FROM t WHERE a BETWEEN 1 AND 3 ORDER BY a;
        SELECT a FROM t WHERE a BETWEEN '1' AND 3.5 ORDER BY a;
        SELECT a FROM t WHERE a NOT BETWEEN -5 AND 5 ORDER BY a;
        SELECT a FROM t WHERE a IN (1, 2, 3) ORDER BY a;
        SELECT a FROM t WHERE a IN ('1', 2.0, x'03', 16) ORDER BY a;
        SELECT a FROM t WHERE a IN (2) ORDER BY a;
        SELECT a FROM t WHERE a IN ('2') ORDER BY a;
        SELECT a FROM t WHERE c IN (1, '2', 3) ORDER BY a;
        SELECT a FROM t WHERE c IN (1) ORDER BY a;
        SELECT a FROM t WHERE NOT a=1 AND (b=2 OR c='x') ORDER BY a;
        SELECT a FROM t WHERE NOT a=3 AND (b=4 OR c='77') ORDER BY a;
        """,
        // TEXT PRIMARY KEY (WITHOUT ROWID and rowid), secondary indexes, collations.
        """
        CREATE TABLE w(k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
        CREATE TABLE r(k TEXT PRIMARY KEY COLLATE NOCASE, v);
        CREATE TABLE i(x INTEGER, y TEXT, z);
        CREATE INDEX ix ON i(x);
        CREATE INDEX iy ON i(y);
        INSERT INTO w VALUES('a', 1);
        INSERT INTO w VALUES('b', 2);
        INSERT INTO w VALUES('1', 3);
        INSERT INTO w VALUES(2, 4);
        INSERT INTO w VALUES(2.5, 5);
        INSERT INTO r VALUES('A', 1);
        INSERT INTO r VALUES('b', 2);
        INSERT INTO r VALUES(3, 3);
        INSERT INTO i VALUES(1, '1', 'p');
        INSERT INTO i VALUES('2', 2, 'q');
        INSERT INTO i VALUES(3.0, 3.0, 'r');
        INSERT INTO i VALUES('x', 'x', 's');
        INSERT INTO i VALUES(x'00', x'00', 't');
        SELECT k, typeof(k), v FROM w ORDER BY k;
        SELECT v FROM w WHERE k='a';
        SELECT v FROM w WHERE k='b';
        SELECT v FROM w WHERE k=1;
        SELECT v FROM w WHERE k=2;
        SELECT v FROM w WHERE k='2.5';
        SELECT v FROM w WHERE k=2.5;
        SELECT v FROM w WHERE k='A';
        SELECT v FROM r WHERE k='a';
        SELECT v FROM r WHERE k='B';
        SELECT v FROM r WHERE k=3;
        SELECT v FROM r WHERE k='3';
        SELECT z FROM i WHERE x=1;
        SELECT z FROM i WHERE x='1';
        SELECT z FROM i WHERE x=2;
        SELECT z FROM i WHERE x=3;
        SELECT z FROM i WHERE x='3.0';
        SELECT z FROM i WHERE x='x';
        SELECT z FROM i WHERE x=x'00';
        SELECT z FROM i WHERE y=1;
        SELECT z FROM i WHERE y='1';
        SELECT z FROM i WHERE y=2;
        SELECT z FROM i WHERE y=3;
        SELECT z FROM i WHERE y='3.0';
        SELECT z FROM i WHERE y=3.0;
        SELECT z FROM i WHERE x>1 ORDER BY z;
        SELECT z FROM i WHERE x>'1' ORDER BY z;
        SELECT z FROM i WHERE y>1 ORDER BY z;
        SELECT z FROM i WHERE y>'1' ORDER BY z;
        SELECT z FROM i WHERE x BETWEEN 1 AND 2 ORDER BY z;
        SELECT z FROM i WHERE x BETWEEN 2 AND 3 ORDER BY z;
        SELECT z FROM i WHERE y IN (1, 2) ORDER BY z;
        SELECT z FROM i WHERE y IN ('1', '2', '3') ORDER BY z;
        """,
        // UPDATE / DELETE / INSERT repeats, constraint errors from reused programs.
        """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b NOT NULL, c UNIQUE, d CHECK(d < 100));
        INSERT INTO t VALUES(1, 'x', 1, 1);
        INSERT INTO t VALUES(2, 'y', 2, 2);
        INSERT INTO t VALUES(3, 'z', 3, 3);
        INSERT INTO t VALUES(3, 'z', 4, 4);
        INSERT INTO t VALUES(4, 'w', 3, 4);
        INSERT INTO t VALUES(5, 'v', 5, 500);
        INSERT INTO t VALUES(6, 'u', 6, 6);
        INSERT INTO t VALUES('abc', 'u', 7, 7);
        UPDATE t SET b=5 WHERE a=1;
        UPDATE t SET b=6 WHERE a=2;
        UPDATE t SET b='seven' WHERE a=3;
        UPDATE t SET b=x'0102' WHERE a=6;
        UPDATE t SET b=5.5 WHERE a=99;
        UPDATE t SET c=2 WHERE a=1;
        UPDATE t SET c=9 WHERE a=1;
        UPDATE t SET d=100 WHERE a=2;
        UPDATE t SET d=99 WHERE a=2;
        UPDATE t SET b=1, c=10 WHERE a=3;
        UPDATE t SET b=2, c=10 WHERE a=6;
        SELECT * FROM t ORDER BY a;
        SELECT changes();
        DELETE FROM t WHERE a=1;
        DELETE FROM t WHERE a=2;
        DELETE FROM t WHERE a=77;
        SELECT changes();
        DELETE FROM t WHERE c='10';
        SELECT * FROM t ORDER BY a;
        INSERT INTO t VALUES(1, 'x', 1, 1), (2, 'y', 2, 2);
        INSERT INTO t VALUES(7, 'x', 11, 1), (8, 'y', 11, 2);
        INSERT OR REPLACE INTO t VALUES(1, 'r', 21, 1);
        INSERT OR REPLACE INTO t VALUES(2, 'r', 22, 2);
        INSERT OR IGNORE INTO t VALUES(2, 'ig', 23, 2);
        INSERT INTO t(b, c, d) VALUES('auto', 31, 1);
        INSERT INTO t(b, c, d) VALUES('auto', 32, 2);
        SELECT * FROM t ORDER BY a;
        SELECT last_insert_rowid(), changes();
        """,
        // A schema change between repeats: the plan changes with the index.
        """
        CREATE TABLE t(a, b);
        INSERT INTO t VALUES(1, 'one');
        INSERT INTO t VALUES(2, 'two');
        INSERT INTO t VALUES(2, 'deux');
        SELECT b FROM t WHERE a=1;
        EXPLAIN QUERY PLAN SELECT b FROM t WHERE a=1;
        CREATE INDEX ta ON t(a);
        SELECT b FROM t WHERE a=2 ORDER BY b;
        EXPLAIN QUERY PLAN SELECT b FROM t WHERE a=2;
        SELECT b FROM t WHERE a=1;
        DROP INDEX ta;
        SELECT b FROM t WHERE a=2 ORDER BY b;
        EXPLAIN QUERY PLAN SELECT b FROM t WHERE a=3;
        CREATE UNIQUE INDEX tb ON t(b);
        INSERT INTO t VALUES(3, 'one');
        INSERT INTO t VALUES(3, 'three');
        ALTER TABLE t ADD COLUMN c DEFAULT 9;
        SELECT * FROM t WHERE a=3;
        UPDATE t SET c=1 WHERE a=3;
        SELECT * FROM t WHERE a=3;
        DROP TABLE t;
        SELECT * FROM t WHERE a=3;
        CREATE TABLE t(a TEXT, b);
        INSERT INTO t VALUES(3, 'text');
        SELECT typeof(a), b FROM t WHERE a=3;
        CREATE INDEX p ON t(b) WHERE a > 1;
        SELECT b FROM t WHERE a=3;
        EXPLAIN QUERY PLAN SELECT b FROM t WHERE b='text' AND a > 2;
        SELECT b FROM t WHERE b='text' AND a > 2;
        """,
        // Column names and declared types come from the user's text; views, joins, subqueries.
        """
        CREATE TABLE t(a INTEGER PRIMARY KEY, b VARCHAR(10));
        CREATE TABLE u(x, y);
        CREATE VIEW v AS SELECT a, b, 1 AS one FROM t;
        INSERT INTO t VALUES(1, 'a');
        INSERT INTO t VALUES(2, 'b');
        INSERT INTO u VALUES(1, 10);
        INSERT INTO u VALUES(2, 20);
        .headers on
        SELECT b, a FROM t WHERE a=1;
        SELECT b, a FROM t WHERE a=2;
        SELECT b AS bb, a+1 FROM t WHERE a=1;
        SELECT * FROM v WHERE a=2;
        SELECT * FROM v WHERE one=1 AND a=1;
        SELECT * FROM v WHERE one='1';
        SELECT t.b, u.y FROM t JOIN u ON u.x=t.a WHERE t.a=1;
        SELECT t.b, u.y FROM t JOIN u ON u.x=t.a WHERE t.a=2;
        SELECT b FROM t WHERE a=(SELECT x FROM u WHERE y=20);
        SELECT b FROM t WHERE a=(SELECT x FROM u WHERE y=10);
        SELECT (SELECT y FROM u WHERE x=1) FROM t WHERE a=2;
        SELECT b FROM t WHERE a=1 LIMIT 1;
        SELECT b FROM t WHERE a=2 LIMIT 0;
        SELECT b FROM t WHERE a>0 ORDER BY 1 DESC;
        SELECT b FROM t WHERE a>1 ORDER BY 1 DESC;
        SELECT count(*) FROM t WHERE a=1 GROUP BY b;
        SELECT b FROM t WHERE a=1 UNION SELECT y FROM u WHERE x=1;
        SELECT b FROM t WHERE a=1 UNION SELECT y FROM u WHERE x=2;
        SELECT b FROM t WHERE b LIKE 'a';
        SELECT b FROM t WHERE b LIKE 'b';
        UPDATE t SET b='c' WHERE a=1 RETURNING a, b, 5;
        UPDATE t SET b='d' WHERE a=2 RETURNING a, b, 6;
        INSERT INTO t VALUES(3, 'e') RETURNING *, 7;
        INSERT INTO t VALUES(4, 'f') RETURNING *, 8;
        DELETE FROM t WHERE a=3 RETURNING b;
        DELETE FROM t WHERE a=4 RETURNING b;
        EXPLAIN QUERY PLAN SELECT b FROM t WHERE a=1;
        PRAGMA count_changes=1;
        UPDATE t SET b='g' WHERE a=1;
        UPDATE t SET b='h' WHERE a=2;
        PRAGMA count_changes=0;
        UPDATE t SET b='i' WHERE a=1;
        SELECT * FROM t;
        """,
        // Foreign keys switched on between repeats; triggers see the bound values.
        """
        CREATE TABLE p(id INTEGER PRIMARY KEY);
        CREATE TABLE c(id INTEGER PRIMARY KEY, pid REFERENCES p(id));
        CREATE TABLE log(x);
        CREATE TRIGGER tr AFTER INSERT ON c BEGIN INSERT INTO log VALUES(new.pid); END;
        INSERT INTO p VALUES(1);
        INSERT INTO c VALUES(1, 1);
        INSERT INTO c VALUES(2, 5);
        PRAGMA foreign_keys=ON;
        INSERT INTO c VALUES(3, 1);
        INSERT INTO c VALUES(4, 6);
        DELETE FROM p WHERE id=1;
        PRAGMA foreign_keys=OFF;
        DELETE FROM p WHERE id=1;
        SELECT * FROM c;
        SELECT * FROM log;
        """,
    ]

    @Test("repeated shapes match sqlite3", arguments: scripts.indices)
    func script(_ i: Int) throws {
        try expectSameScript(StatementCacheTests.scripts[i])
    }
}
