// LIKE '%literal%' with an ASCII literal: matched by a substring search over the text's
// bytes (Spec/L4-vdbe.md, Functions: LIKE). Compared with sqlite3 end to end: case folding,
// case_sensitive_like, non-ASCII and invalid UTF-8 text, overlapping prefixes, empty text,
// through the table-scan path (Column+like fused) and the function path (expressions).
// Layer: L4 (through the shell).
import Testing
import LoomTestSupport

@Suite("LIKE '%literal%' matches as sqlite3", .enabled(if: Oracle.isAvailable))
struct LikeContainsTests {
    @Test("scans and expressions, folded and case-sensitive")
    func containsLiteral() throws {
        try expectSameScript("""
            CREATE TABLE t(id INTEGER PRIMARY KEY, s);
            INSERT INTO t(s) VALUES('one'), ('ONE'), ('bONd'), ('aaab'), ('aab'), (''), (NULL), ('on'), ('o'),
              ('Ön'), ('ön tOn'), ('x' || char(233) || 'on'), (CAST(x'6fff6e' AS TEXT)), (CAST(x'c36f6e' AS TEXT)),
              (123), (12.5), (x'6f6e'), ('tw' || char(0) || 'on'), ('%on%'), ('a_b'), ('AB');
            SELECT id FROM t WHERE s LIKE '%on%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%ON%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%aab%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%o%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%12%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%_b%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%\\_b%' ESCAPE '\\' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%b' ORDER BY id;
            SELECT id, s LIKE '%on%', s NOT LIKE '%n%', 'x' || s LIKE '%XO%' FROM t ORDER BY id;
            SELECT 'moon' LIKE '%oo%', 'mOOn' LIKE '%oO%', 'mon' LIKE '%oon%', '' LIKE '%a%', 'a' LIKE '%%';
            SELECT ('tw' || char(0) || 'on') LIKE '%on%', ('tw' || char(0) || 'on') LIKE 'tw%', ('tw' || char(0) || 'on') GLOB '*on',
              'a' LIKE ('a' || char(0) || 'zz'), 'abc' LIKE ('a' || char(0) || 'zz%'), 'a' GLOB ('a' || char(0) || '*x'),
              ('x' || char(0) || 'é') LIKE '%é%', ('x' || char(0) || 'é') LIKE 'x_%';
            PRAGMA case_sensitive_like = 1;
            SELECT id FROM t WHERE s LIKE '%on%' ORDER BY id;
            SELECT id FROM t WHERE s LIKE '%ON%' ORDER BY id;
            SELECT 'mOOn' LIKE '%oO%', 'mOOn' LIKE '%OO%';
            """)
    }
}
