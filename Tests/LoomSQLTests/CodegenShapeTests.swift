// This file checks the shape of generated programs (opcodes used, schema rows written,
// column names, parameters, read-only flag) without running them.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Codegen (C1-C12).
import Testing
import LoomBase
import LoomRecord
import LoomVDBE
@testable import LoomSQL

@Suite struct CodegenShapeTests {
    /// A schema with t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c REAL) and index tb on t(b).
    static func schema() throws -> Schema {
        try Schema.build(rows: [
            SchemaRow(type: "table", name: "t", tableName: "t", rootPage: 2,
                      sql: "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL, c REAL UNIQUE)"),
            SchemaRow(type: "index", name: "sqlite_autoindex_t_1", tableName: "t", rootPage: 3, sql: nil),
            SchemaRow(type: "index", name: "tb", tableName: "t", rootPage: 4, sql: "CREATE INDEX tb ON t(b)"),
        ], cookie: 7, fileFormat: 4)
    }

    static func program(_ sql: String) throws -> Program {
        let p = try #require(try Compiler.prepare(sql, from: 0, schema: schema()))
        return p.program
    }

    static func opcodes(_ sql: String) throws -> [String] {
        try program(sql).instructions.map(\.opcodeName)
    }

    @Test func programsStartWithInitAndEndWithTransactionPrologue() throws {
        let p = try Self.program("SELECT b FROM t")
        guard case .initialize(let target) = p.instructions.first else { Issue.record("no Init"); return }
        guard case .transaction(let write, let cookie, _) = p.instructions[target] else {
            Issue.record("no Transaction at the Init target"); return
        }
        #expect(write == false)
        #expect(cookie == 7)
        #expect(p.isReadOnly)
        #expect(p.columnNames == ["b"])
    }

    @Test func selectWithoutFromTouchesNoDatabase() throws {
        let ops = try Self.opcodes("SELECT 1, 'x'")
        #expect(!ops.contains("Transaction"))
        #expect(ops.contains("ResultRow"))
    }

    @Test func rowidEqualityUsesSeekRowid() throws {
        let ops = try Self.opcodes("SELECT b FROM t WHERE a = 5")
        #expect(ops.contains("SeekRowid"))
        #expect(!ops.contains("Rewind"))
    }

    @Test func indexedEqualityUsesTheIndex() throws {
        let ops = try Self.opcodes("SELECT a, c FROM t WHERE b = 'x'")
        #expect(ops.contains("SeekGE"))
        #expect(ops.contains("IdxGT"))
        #expect(ops.contains("DeferredSeek"))
        // Only indexed columns and the rowid: a covering index, the table is not read.
        let covering = try Self.opcodes("SELECT a FROM t WHERE b = 'x'")
        #expect(covering.contains("IdxRowid"))
        #expect(!covering.contains("DeferredSeek"))
        // A numeric comparison on the TEXT column cannot use the text-ordered index.
        let scan = try Self.opcodes("SELECT a FROM t WHERE b = c")
        #expect(!scan.contains("SeekGE"))
    }

    @Test func insertChecksAndMaintainsIndexes() throws {
        let p = try Self.program("INSERT INTO t(b, c) VALUES('x', 1)")
        let ops = p.instructions.map(\.opcodeName)
        #expect(ops.contains("NewRowid"))
        #expect(ops.contains("HaltIfNull"))
        #expect(ops.contains("NoConflict"))
        #expect(ops.filter { $0 == "IdxInsert" }.count == 2)
        #expect(!p.isReadOnly)
        var sawInsert = false
        for case .insert(_, _, _, let flags, let table) in p.instructions {
            sawInsert = true
            #expect(flags.contains(.countChanges))
            #expect(flags.contains(.lastRowid))
            #expect(table == "t")
        }
        #expect(sawInsert)
    }

    @Test func createTableWritesSchemaRowsAndBumpsCookie() throws {
        let sql = "create table if not exists main.u (x  INT PRIMARY KEY, y UNIQUE);"
        let p = try Self.program(sql)
        let strings = p.instructions.compactMap { ins -> String? in
            if case .string8(let v, _) = ins { return v } else { return nil }
        }
        #expect(strings.contains("CREATE TABLE u (x  INT PRIMARY KEY, y UNIQUE)"))
        #expect(strings.contains("sqlite_autoindex_u_1"))
        #expect(strings.contains("sqlite_autoindex_u_2"))
        #expect(p.instructions.filter { if case .createBtree = $0 { return true } else { return false } }.count == 3)
        var cookie: Int? = nil
        for case .setCookie(.schemaCookie, let v, _) in p.instructions { cookie = v }
        #expect(cookie == 8)
        #expect(p.instructions.contains { if case .parseSchema = $0 { return true } else { return false } })
    }

    @Test func createTableIfNotExistsOnExistingTableDoesNothing() throws {
        let ops = try Self.opcodes("CREATE TABLE IF NOT EXISTS t(z)")
        #expect(!ops.contains("CreateBtree"))
    }

    @Test func parametersAreCounted() throws {
        let p = try Self.program("SELECT ?, :name, ?5")
        #expect(p.parameterCount == 5)
        #expect(p.parameterNames.count == 5)
        #expect(p.parameterNames[1] == ":name")
    }

    @Test func columnNamesFollowSQLite() throws {
        let p = try Self.program("SELECT a, t.b AS x, c + 1, (b), rowid, * FROM t")
        #expect(p.columnNames == ["a", "x", "c + 1", "b", "a", "a", "b", "c"])
    }

    @Test func realColumnsGetRealAffinity() throws {
        let ops = try Self.opcodes("SELECT c FROM t")
        #expect(ops.contains("RealAffinity"))
    }

    @Test func orderByUsesASorterAndLimitACounter() throws {
        let ops = try Self.opcodes("SELECT b FROM t WHERE c > 1 AND c < 5 ORDER BY b DESC")
        for op in ["SorterOpen", "SorterInsert", "SorterSort", "SorterData", "SorterNext"] {
            #expect(ops.contains(op), "\(op)")
        }
        // With LIMIT: an ephemeral index keeps the first LIMIT+OFFSET rows (top-N).
        let limited = try Self.opcodes("SELECT b FROM t WHERE c > 1 ORDER BY b DESC LIMIT 3 OFFSET 1")
        for op in ["OffsetLimit", "OpenEphemeral", "Last", "IdxLE", "Delete", "IdxInsert", "MustBeInt",
                   "DecrJumpZero", "IfPos"] {
            #expect(limited.contains(op), "\(op)")
        }
        #expect(!limited.contains("SorterOpen"))
    }

    @Test func groupByUsesSorterAndAggregates() throws {
        let ops = try Self.opcodes("SELECT length(b), count(*), max(c) FROM t GROUP BY length(b) HAVING count(*) > 1")
        for op in ["SorterOpen", "Compare", "Jump", "Gosub", "Return", "AggStep", "AggFinal"] {
            #expect(ops.contains(op), "\(op)")
        }
        // Grouping on an indexed column walks the index: groups form as rows arrive.
        let byIndex = try Self.opcodes("SELECT b, count(*), max(c) FROM t GROUP BY b HAVING count(*) > 1")
        for op in ["Compare", "Jump", "Gosub", "Return", "AggStep", "AggFinal"] {
            #expect(byIndex.contains(op), "\(op)")
        }
        #expect(!byIndex.contains("SorterOpen"))
    }

    @Test func transactionControl() throws {
        #expect(try Self.opcodes("BEGIN") .contains("AutoCommit"))
        #expect(try Self.opcodes("BEGIN IMMEDIATE").contains("Transaction"))
        #expect(try Self.opcodes("COMMIT").contains("AutoCommit"))
        #expect(try Self.opcodes("ROLLBACK").contains("AutoCommit"))
    }

    @Test func prepareReturnsNilForOnlyComments() throws {
        #expect(try Compiler.prepare("  -- nothing\n /* here */ ", from: 0, schema: Self.schema()) == nil)
        let sql = "SELECT 1; SELECT 2;"
        let first = try #require(try Compiler.prepare(sql, from: 0, schema: Self.schema()))
        #expect(first.sql == "SELECT 1;")
        #expect(first.kind == .select)
        let second = try #require(try Compiler.prepare(sql, from: first.end, schema: Self.schema()))
        #expect(second.sql == "SELECT 2;")
        #expect(second.end == sql.utf8.count)
    }
}
