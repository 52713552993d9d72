// This file compares with sqlite3 the statements that take the speedtest1 fast paths: LIKE
// through the cached pattern and the Column+like fusion (ASCII, non-ASCII, NULL, numbers,
// blobs, ESCAPE; this harness runs no PRAGMAs, so
// case_sensitive_like was checked through the shell), ORDER BY … LIMIT computing the other columns late,
// same-size and growing UPDATEs, CREATE INDEX over sorted and unsorted keys, and one-pass
// UPDATE/DELETE/REPLACE inside a transaction with failing statements undone.
// Layer: L5 tests. Spec: Spec/L5-sql.md P7d, Spec/L4-vdbe.md (like), Spec/L3-btree.md P4/P4a.
import Testing
import LoomTestSupport
@testable import LoomSQL

@Suite struct FastPathOracleTests {
    static let scripts: [String: [String]] = [
        "like": [
            "CREATE TABLE t(a INTEGER, c)",
            "INSERT INTO t VALUES(1,'one thousand'),(2,'Two'),(3,NULL),(4,123),(5,x'6f6e'),(6,'ÉON ßon'),(7,''),(8,'on'),(9,'%_x')",
            "SELECT a FROM t WHERE c LIKE '%on%' ORDER BY a",
            "SELECT a FROM t WHERE c LIKE '%ON%' ORDER BY a",
            "SELECT a FROM t WHERE c LIKE '_n%' ORDER BY a",
            "SELECT a FROM t WHERE c LIKE '%2%' ORDER BY a",
            "SELECT a FROM t WHERE c LIKE '' ORDER BY a",
            "SELECT a, c LIKE '%é%', c LIKE '%É%', c LIKE '_ON%' FROM t ORDER BY a",
            "SELECT a FROM t WHERE c LIKE '%\\%%' ESCAPE '\\' ORDER BY a",
            "SELECT a FROM t WHERE c NOT LIKE '%o%' ORDER BY a",
            "SELECT a, like(c, 'on'), like('%o%', c) FROM t ORDER BY a",
            "SELECT a FROM t WHERE c LIKE '%ON%' ORDER BY a",
            "SELECT x.a, y.a FROM t x, t y WHERE x.c LIKE y.c ORDER BY 1, 2",
        ],
        // Range scans feeding count/sum/total/avg (Column+AggStep and Rowid+comparison run
        // fused, the steps inline): NULL, REAL, TEXT (generic step), BLOB lengths, overflow,
        // non-integer and TEXT bounds.
        "aggregateScan": [
            "CREATE TABLE s(k INTEGER PRIMARY KEY, n, v)",
            "INSERT INTO s VALUES(1,5,x'00'),(2,NULL,NULL),(3,2.5,'abc'),(4,'7',zeroblob(3)),(5,9223372036854775807,x'0102'),(6,-3,1),(7,'x',2.5)",
            "SELECT count(n), sum(n), total(n), avg(n), count(*), sum(length(v)) FROM s WHERE k BETWEEN 2 AND 4",
            "SELECT count(n), sum(n), total(n) FROM s WHERE k < 5 AND k > 0",
            "SELECT count(n), sum(n) FROM s WHERE k = 1 OR k = 6",
            "SELECT sum(n) FROM s WHERE k >= 4",
            "SELECT total(n), avg(n), count(v), sum(length(v)) FROM s WHERE k >= 4",
            "SELECT k, (SELECT sum(n) FROM s y WHERE y.k <= s.k AND y.k <> 5) FROM s WHERE k > 1.5 AND k <= 6.5 ORDER BY k",
            "SELECT count(*), sum(k) FROM s WHERE k > '3'",
            "SELECT count(*), sum(k) FROM s WHERE k != 3 AND k <> NULL",
            "SELECT sum(n), count(n) FROM s WHERE rowid BETWEEN 1 AND 3 OR rowid = 6",
            "SELECT k FROM s WHERE rowid >= 6 OR rowid < 2 ORDER BY k DESC",
        ],
        "orderByLimit": [
            "CREATE TABLE z(a INTEGER, b INTEGER, c TEXT)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300) INSERT INTO z SELECT (i*7919)%301, i, 'r' || i FROM n",
            "SELECT a, b, c FROM z WHERE c LIKE '%1%' ORDER BY a LIMIT 10",
            "SELECT c, a FROM z ORDER BY a DESC LIMIT 5 OFFSET 3",
            "SELECT b + 1, upper(c) FROM z ORDER BY c LIMIT 7",
            "SELECT a % 3, b FROM z ORDER BY 1, b DESC LIMIT 6",
            "SELECT a, b FROM z ORDER BY a + b LIMIT 4",
            "SELECT DISTINCT a % 5 FROM z ORDER BY 1 LIMIT 3",
            "SELECT a, (SELECT count(*) FROM z y WHERE y.a < z.a) FROM z ORDER BY a LIMIT 3",
            "SELECT a FROM z ORDER BY a LIMIT 0",
        ],
        "updatesAndIndexes": [
            "CREATE TABLE u(a INTEGER UNIQUE, b INTEGER, c TEXT)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) INSERT INTO u SELECT (i*7919)%2003, i, 'text ' || i FROM n",
            "ALTER TABLE u ADD COLUMN d INT DEFAULT 123",
            "UPDATE u SET d = b * 2 WHERE b BETWEEN 100 AND 400",
            "UPDATE u SET d = b * 3",
            "UPDATE u SET d = b * 4",
            "UPDATE u SET c = c || ' and more text to make the rows grow' WHERE b % 3 = 0",
            "UPDATE u SET d = 1",
            "SELECT sum(d), count(*), sum(length(c)) FROM u",
            "CREATE INDEX ub ON u(b)",
            "CREATE INDEX uc ON u(c DESC)",
            "CREATE UNIQUE INDEX ua2 ON u(a, b)",
            "SELECT b FROM u WHERE b BETWEEN 10 AND 20 ORDER BY b",
            "SELECT c FROM u WHERE c > 'text 199' ORDER BY c LIMIT 5",
            "DELETE FROM u WHERE b % 2 = 0",
            "UPDATE u SET d = NULL WHERE b % 5 = 1",
            "SELECT count(*), sum(d) FROM u",
        ],
        // One-pass UPDATE/DELETE opening only the indexes they change, UPDATE reading the
        // unassigned columns straight into the new record, undo of failed statements inside
        // a transaction (the insert's undo entry found without a seek), REPLACE.
        "oneRowChanges": [
            "CREATE TABLE t(a INTEGER UNIQUE, b INTEGER, c TEXT, d REAL)",
            "CREATE INDEX tb ON t(b)",
            "CREATE INDEX tc ON t(c DESC)",
            "INSERT INTO t VALUES(1,10,'x',1.5),(2,20,'y',2),(3,30,'z',NULL),(4,40,'w',4)",
            "ALTER TABLE t ADD COLUMN e INT DEFAULT 123",
            "BEGIN",
            "UPDATE t SET d=b*2 WHERE b BETWEEN 10 AND 30",
            "UPDATE t SET e=e+1 WHERE a=2",
            "UPDATE t SET b=b+1 WHERE a=3",
            "UPDATE OR REPLACE t SET a=1 WHERE a=4",
            "SELECT * FROM t ORDER BY a",
            "DELETE FROM t WHERE b BETWEEN 10 AND 21",
            "UPDATE t SET a=3 WHERE a=1",
            "UPDATE t SET d=a WHERE 1",
            "UPDATE t SET d=CASE WHEN a=3 THEN abs(-9223372036854775807-1) ELSE 7 END",
            "SELECT * FROM t ORDER BY a",
            "COMMIT",
            "SELECT b FROM t WHERE b > 0 ORDER BY b",
            "SELECT c FROM t WHERE c > '' ORDER BY c",
            "CREATE TABLE t5(a INTEGER PRIMARY KEY, b)",
            "BEGIN",
            "REPLACE INTO t5 VALUES(1,'one')",
            "REPLACE INTO t5 VALUES(1,'uno')",
            "REPLACE INTO t5 VALUES(2,'two')",
            "INSERT INTO t5 VALUES(2,'dup')",
            "INSERT INTO t5 SELECT a+2, b FROM t5 UNION ALL SELECT 1,'x'",
            "REPLACE INTO t5 SELECT a, b||'!' FROM t5",
            "COMMIT",
            "SELECT * FROM t5",
            "CREATE TABLE u(a UNIQUE, b UNIQUE, c)",
            "INSERT INTO u VALUES(1,1,'a'),(2,2,'b'),(3,3,'c')",
            "BEGIN",
            "REPLACE INTO u VALUES(1,2,'r')",
            "UPDATE u SET c='q' WHERE a>=1",
            "DELETE FROM u WHERE a=3",
            "SELECT * FROM u ORDER BY a",
            "DELETE FROM u WHERE a>=1 AND c='q'",
            "COMMIT",
            "SELECT count(*) FROM u",
        ],
    ]

    @Test(arguments: scripts.keys.sorted())
    func scriptMatchesSQLite(name: String) throws {
        guard Oracle.isAvailable, let statements = Self.scripts[name] else { return }
        try expectMatchesSQLite(statements, label: name)
    }
}
