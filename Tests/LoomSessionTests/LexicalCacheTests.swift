// The statement cache's lexical path (Spec/L6-session.md SC10): a statement whose tokens
// match a cached statement's, literals aside, runs the cached program without being parsed;
// one whose fixed literals or parameter kinds differ goes through the parser. Results are
// those of a fresh compile. Layer: L6 tests.
import Testing
import LoomVFS
import LoomPager
import LoomRecord
import LoomSession

@Suite struct LexicalCacheTests {
    private func connection() throws -> Connection {
        let c = try Connection(vfs: MemoryVFS(), path: "lex.db", options: PagerOptions())
        _ = try run(c, """
            CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT);
            INSERT INTO t VALUES(1, 10, 'x'), (2, 20, 'it''s'), (3, 30, 'z');
            """)
        return c
    }

    @Test func repeatsAreFoundByTheirTokens() throws {
        let c = try connection()
        let cache = c.statementCache
        #expect(try run(c, "SELECT b FROM t WHERE a = 1") == [[.integer(10)]])
        let lexical = cache.lexicalHits, shaped = cache.shapeHits
        #expect(try run(c, "SELECT b FROM t WHERE a = 2") == [[.integer(20)]])
        #expect(try run(c, "SELECT b FROM t WHERE a = 0x3") == [[.integer(30)]])
        #expect(cache.lexicalHits == lexical + 2 && cache.shapeHits == shaped)
        // Another kind of literal in the parameter's place: parsed (its own shape).
        #expect(try run(c, "SELECT b FROM t WHERE a = '2'") == [[.integer(20)]])
        #expect(cache.lexicalHits == lexical + 2)
        // Text with a doubled quote, several statements in one text, and ';' runs.
        #expect(try run(c, "SELECT a FROM t WHERE c = 'x'") == [[.integer(1)]])
        #expect(try run(c, ";;SELECT a FROM t WHERE c = 'it''s';SELECT a FROM t WHERE c = 'z';")
                == [[.integer(2)], [.integer(3)]])
        #expect(cache.lexicalHits == lexical + 4)
    }

    @Test func fixedLiteralsAndBadParametersTakeTheParser() throws {
        let c = try connection()
        let cache = c.statementCache
        #expect(try run(c, "SELECT b FROM t WHERE a >= 1 LIMIT 1") == [[.integer(10)]])
        let lexical = cache.lexicalHits
        // LIMIT is compiled into the program: another LIMIT is another statement.
        #expect(try run(c, "SELECT b FROM t WHERE a >= 1 LIMIT 2") == [[.integer(10)], [.integer(20)]])
        #expect(try run(c, "SELECT b FROM t WHERE a >= 2 LIMIT 1") == [[.integer(20)]])
        #expect(cache.lexicalHits == lexical + 1)
        // A decimal beyond Int64 is a real; a hex literal too big is an error, as parsed.
        _ = try run(c, "SELECT b FROM t WHERE a = 3")
        #expect(try run(c, "SELECT b FROM t WHERE a = 99999999999999999999").isEmpty)
        #expect(throws: (any Error).self) { try run(c, "SELECT b FROM t WHERE a = 0x10000000000000000") }
        #expect(cache.lexicalHits == lexical + 1)
    }

    @Test func schemaChangesEmptyIt() throws {
        let c = try connection()
        let cache = c.statementCache
        _ = try run(c, "SELECT b FROM t WHERE a = 1")
        _ = try run(c, "CREATE INDEX tb ON t(b)")
        let lexical = cache.lexicalHits
        #expect(try run(c, "SELECT b FROM t WHERE a = 2") == [[.integer(20)]])
        #expect(cache.lexicalHits == lexical)
    }
}
