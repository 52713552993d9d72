// UPDATE … FROM with ORDER BY / LIMIT / OFFSET (the joined rows are ordered and limited, then
// each chosen target row changed), compared with sqlite3, errors included.
// Layer: L5 (through the shell). Spec: Spec/L5-sql.md (UPDATE … FROM).
import Testing
import LoomTestSupport

@Suite("UPDATE FROM with ORDER BY/LIMIT", .enabled(if: Oracle.isAvailable))
struct UpdateFromLimitTests {
    static let scripts: [String] = [
        """
        CREATE TABLE t(a, b); INSERT INTO t VALUES(1,1),(2,2),(3,3),(4,4);
        CREATE TABLE u(a, c); INSERT INTO u VALUES(1,10),(2,20),(3,30),(4,40),(4,41);
        UPDATE t SET b = u.c FROM u WHERE u.a = t.a ORDER BY u.c LIMIT 2 OFFSET 1; SELECT * FROM t;
        UPDATE t SET b = -u.c FROM u WHERE u.a = t.a ORDER BY t.a DESC LIMIT 1; SELECT * FROM t;
        UPDATE t SET b = 0 FROM u WHERE u.a = t.a ORDER BY u.c;
        UPDATE t SET b = u.c FROM u WHERE u.a = t.a LIMIT 'x';
        UPDATE t SET b = u.c FROM (SELECT a, c FROM u ORDER BY c DESC) AS u WHERE u.a = t.a ORDER BY t.a LIMIT 10 OFFSET 2;
        SELECT * FROM t;
        UPDATE t SET (a, b) = (u.a + 10, u.c) FROM u WHERE u.a = t.a ORDER BY t.a LIMIT 1; SELECT * FROM t ORDER BY a;
        UPDATE t SET b = 7 FROM u WHERE u.a = t.a LIMIT 0; SELECT changes();
        """,
    ]

    @Test("scripts match sqlite3", arguments: scripts)
    func script(_ script: String) throws {
        try expectSameScript(script)
    }
}
