// This file tests prepare-time errors of name resolution and codegen against the messages
// sqlite3 gives for the same statements. Layer: L5 tests. Spec: Spec/L5-sql.md §Resolver.
import Testing
import LoomBase
import LoomTestSupport
@testable import LoomSQL

@Suite struct CodegenErrorTests {
    static let setup = """
    CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL); CREATE TABLE u(a, d UNIQUE); CREATE INDEX ub ON t(b);
    CREATE VIEW vv(x, y) AS SELECT a, b FROM t;
    """

    static let statements = [
        "SELECT x FROM t",
        "SELECT a FROM t, u",
        "SELECT t.x FROM t",
        "SELECT x.a FROM t",
        "SELECT * FROM nosuch",
        "SELECT nosuch(1)",
        "SELECT abs()",
        "SELECT abs(1,2)",
        "SELECT count(*) FROM t WHERE count(*) > 1",
        "SELECT sum(sum(a)) FROM t",
        "SELECT a FROM t GROUP BY count(*)",
        "SELECT a FROM t ORDER BY 2",
        "SELECT a FROM t ORDER BY 0",
        "SELECT a FROM t GROUP BY 3",
        "SELECT 1 ORDER BY x",
        "SELECT a FROM t UNION SELECT a, b FROM t",
        "SELECT *",
        "SELECT x.* FROM t",
        "SELECT a FROM t HAVING a > 1",
        "SELECT \"nosuch\" FROM t",
        "SELECT b AS x FROM t WHERE x = 1 ORDER BY x",
        "SELECT t.a, u.a FROM t JOIN u USING (a)",
        "SELECT a FROM t JOIN u USING (a)",
        "SELECT d FROM t JOIN u USING (d)",
        "SELECT rowid, oid, _rowid_ FROM t",
        "SELECT count(*), max(a, 2), min(b) FROM t",
        "SELECT a FROM t WHERE a IN (SELECT a, d FROM u)",
        "INSERT INTO nosuch VALUES(1)",
        "INSERT INTO t VALUES(1,2)",
        "INSERT INTO t(x) VALUES(1)",
        "INSERT INTO t(a,b) VALUES(1)",
        "INSERT INTO t VALUES(1,2,3),(1,2)",
        "INSERT INTO t SELECT 1,2",
        "INSERT INTO t(rowid, b) VALUES(1, 2)",
        "INSERT INTO t VALUES(x, 1, 2)",
        "UPDATE t SET x=1",
        "UPDATE nosuch SET x=1",
        "UPDATE t SET b = nosuch",
        "DELETE FROM nosuch",
        "DELETE FROM t WHERE x=1",
        "CREATE TABLE t(x)",
        "CREATE TABLE IF NOT EXISTS t(x)",
        "CREATE TABLE ub(x)",
        "CREATE INDEX t ON t(a)",
        "CREATE INDEX ub ON t(a)",
        "CREATE INDEX IF NOT EXISTS ub ON t(a)",
        "CREATE INDEX i2 ON nosuch(a)",
        "CREATE INDEX i2 ON t(nosuch)",
        "DROP TABLE nosuch",
        "DROP TABLE IF EXISTS nosuch",
        "DROP INDEX nosuch",
        "DROP INDEX sqlite_autoindex_u_1",
        "CREATE TABLE v(a, a)",
        "CREATE TABLE v(a PRIMARY KEY, b PRIMARY KEY)",
        "CREATE TABLE sqlite_x(a)",
        "DROP TABLE sqlite_master",
        "INSERT INTO sqlite_master VALUES(1,2,3,4,5)",
        "CREATE INDEX i3 ON sqlite_master(name)",
        "SELECT coalesce(1)",
        "SELECT ifnull(1,2,3)",
        "SELECT a FROM t ORDER BY nosuch",
        "SELECT a, count(*) FROM t GROUP BY a HAVING max(c) > 1 ORDER BY count(*)",
        "SELECT CAST(a AS TEXT) || b FROM t WHERE b LIKE 'x%' AND c BETWEEN 1 AND 2",
        "SELECT (SELECT max(a) FROM u WHERE u.a = t.a) FROM t",
        "SELECT EXISTS (SELECT 1 FROM u WHERE d = b) FROM t",
        "SELECT * FROM t LEFT JOIN u ON t.a = u.a WHERE u.d IS NULL",
        "SELECT * FROM (SELECT a AS z FROM t) WHERE z > 1",
        "BEGIN", "COMMIT", "ROLLBACK", "BEGIN IMMEDIATE",
        "SELECT x, y FROM vv WHERE x > 1", "SELECT a FROM vv", "CREATE TABLE vv(z)", "CREATE VIEW t AS SELECT 1",
        "INSERT INTO vv VALUES(1,2)", "DROP TABLE vv", "DROP VIEW t", "SELECT vv.x FROM vv JOIN t ON t.a = vv.x",
    ]

    @Test(arguments: statements)
    func prepareErrorsMatchSQLite(sql: String) throws {
        guard Oracle.isAvailable else { return }
        let schema = try CodegenOracle.schema(Self.setup)
        let expected = try CodegenOracle.prepareError(setup: Self.setup, sql)
        let actual = loomPrepareError(sql, schema: schema)
        #expect(actual == expected, "\(sql)")
    }

    @Test func errorOffsets() throws {
        guard Oracle.isAvailable else { return }
        let schema = try CodegenOracle.schema(Self.setup)
        func offset(_ sql: String) -> Int? {
            do { _ = try Compiler.prepare(sql, from: 0, schema: schema); return nil }
            catch let e as DatabaseError { return e.offset } catch { return nil }
        }
        #expect(offset("SELECT a, nosuch FROM t") == 10)
        #expect(offset("SELECT 1 FROM t WHERE abs() > 0") == 22)
        #expect(offset("CREATE TABLE t(x)") == 13)
    }
}
