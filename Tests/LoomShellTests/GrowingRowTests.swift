// Rows that grow in place on full pages: each UPDATE removes the cell and inserts a longer
// one, which leaves one freeblock that BTree.closeSingleFreeblock closes without a full
// defragmentation (Spec/L3-btree.md B9). Compared with sqlite3, with integrity_check.
// Layer: L3 (through the shell).
import Testing
import LoomTestSupport

@Suite("rows growing on full pages", .enabled(if: Oracle.isAvailable))
struct GrowingRowTests {
    @Test("updates that grow, shrink and grow rows match sqlite3")
    func growAndShrink() throws {
        try expectSameScript("""
            CREATE TABLE z(a INTEGER UNIQUE, b INTEGER, c TEXT);
            WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r WHERE x<3000)
              INSERT INTO z SELECT x, x*7, printf('%d thousand and some words %d', x, x) FROM r;
            CREATE INDEX zc ON z(c DESC);
            ALTER TABLE z ADD COLUMN d INT DEFAULT 123;
            UPDATE z SET d = b*4;
            UPDATE z SET c = c || ' and more text' WHERE a % 3 = 0;
            UPDATE z SET c = substr(c, 1, 5) WHERE a % 5 = 0;
            UPDATE z SET d = randomblob(a % 50) WHERE a % 7 = 0;
            UPDATE z SET d = length(d) WHERE a % 7 = 0;
            PRAGMA integrity_check;
            SELECT count(*), sum(length(c)), sum(d), total(b) FROM z;
            SELECT a, c, d FROM z WHERE a IN (1, 15, 21, 105, 2999, 3000);
            """)
    }
}
