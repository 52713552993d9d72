// This file tests statement-level parsing: the schema-text rule for CREATE statements and
// declared column types (both compared with sqlite3), statement spans, and AST shapes.
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser" (P7).
import Testing
import Foundation
@testable import LoomSQL
import LoomBase
import LoomTestSupport

/// "CREATE TABLE " + text from the name, as SQLite stores it in sqlite_schema.sql.
func schemaText(_ sql: String) throws -> (name: String, text: String)? {
    let s = try parseOne(sql)
    func tail(_ start: Int) -> String {
        precondition(s.schemaTextSpan == SourceSpan(start: start, end: s.span.end))
        return SourceSpan(start: start, end: s.span.end).text(in: sql)
    }
    switch s.kind {
    case .createTable(let c): return (c.name, "CREATE TABLE " + tail(c.schemaTextStart))
    case .createIndex(let c): return (c.name, (c.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + tail(c.schemaTextStart))
    case .createView(let c): return (c.name, "CREATE VIEW " + tail(c.schemaTextStart))
    case .createTrigger(let c): return (c.name, "CREATE TRIGGER " + tail(c.schemaTextStart))
    case .createVirtualTable(let c): return (c.name, "CREATE VIRTUAL TABLE " + tail(c.schemaTextStart))
    default: return nil
    }
}

@Suite struct ParserStatementTests {
    static let creates = [
        "create   temp  table  t1(a   VARCHAR ( 10 ) ,b)",
        "CREATE TABLE main . t2 (x)",
        "create table if not exists \"t 3\"(a int /* c */, b)",
        "create unique index  main.ix1 on base(x)",
        "CREATE INDEX ix2 ON base ( x DESC ) WHERE x > 0",
        "create view  v1 as select 1",
        "create temporary view if not exists v2(a) as select x from base",
        "create trigger  tr1 after insert on base begin select 1; end",
        "CREATE TEMP TRIGGER tr2 BEFORE DELETE ON base FOR EACH ROW WHEN old.x > 1 BEGIN DELETE FROM base WHERE x = 0; END",
        "create table [t5](a)",
    ]

    @Test(.enabled(if: Oracle.isAvailable)) func schemaTextMatchesSQLite() throws {
        for sql in ParserStatementTests.creates {
            guard let (name, text) = try schemaText(sql) else { Issue.record("not a CREATE: \(sql)"); continue }
            let q = "CREATE TABLE base(x); \(sql); SELECT sql FROM sqlite_master WHERE name = '\(name)' "
                + "UNION ALL SELECT sql FROM sqlite_temp_master WHERE name = '\(name)';"
            let out = try Oracle.run([":memory:"], input: q)
            #expect(out.stdout == text + "\n", "\(sql)")
        }
    }

    @Test(.enabled(if: Oracle.isAvailable)) func declaredTypesMatchSQLite() throws {
        let sql = "CREATE TABLE x(a VARCHAR ( 10 ), b, c INT GENERATED ALWAYS AS (1), d generated as (2), "
            + "e UNSIGNED BIG INT, f \"quoted\" type, g DECIMAL(10, -2) NOT NULL, h GENERATED ALWAYS AS (3), "
            + "i very long type name always, j DOUBLE PRECISION DEFAULT 0, g1 [ab] c, g2 [ab], g3 \"ab\" c, "
            + "g4 'a''b' cd ef, g7 [a b] c, g8 int \"q\")"
        guard case .createTable(let t) = try parseOne(sql).kind,
              case .columns(let columns, _, _) = t.body else { Issue.record(); return }
        let mine = columns.map { "\($0.name)|\($0.type ?? "")" }.joined(separator: "\n") + "\n"
        let out = try Oracle.run([":memory:"], input: sql + "; SELECT name, type FROM pragma_table_xinfo('x');")
        #expect(mine == out.stdout)
    }

    @Test func statementSpansAndEnds() throws {
        let sql = "  SELECT 1 ;  -- c\n INSERT INTO t VALUES(1);;\n /* x */ "
        var p = Parser(sql: sql)
        let first = try #require(try p.parseNext(from: 0))
        #expect(first.statement.span.text(in: sql) == "SELECT 1")
        #expect(first.end == 12)
        let second = try #require(try p.parseNext(from: first.end))
        #expect(second.statement.span.text(in: sql) == "INSERT INTO t VALUES(1)")
        let third = try p.parseNext(from: second.end)
        #expect(third == nil)
        var q = Parser(sql: "SELECT 2 -- tail")
        #expect(try q.parseNext(from: 0)?.end == 16)
    }

    @Test func shapes() throws {
        guard case .select(let s) = try parseOne("SELECT * FROM a LEFT JOIN b USING (x) NATURAL JOIN c, d LIMIT 1, 2").kind,
              case .select(let core) = s.first, let from = core.from else { Issue.record(); return }
        #expect(from.joins.map(\.op) == [JoinOperator(kind: .left), JoinOperator(natural: true, kind: .inner),
                                          JoinOperator(kind: .comma)])
        #expect(from.joins[0].constraint == .using(["x"]))
        #expect(s.limit?.limit.kind == .literal(.integer(2)))
        #expect(s.limit?.offset?.kind == .literal(.integer(1)))

        guard case .insert(let ins) = try parseOne("REPLACE INTO main.t(a, b) VALUES (1, 2) RETURNING a").kind else { Issue.record(); return }
        #expect(ins.orConflict == .replace && ins.schema == "main" && ins.columns == ["a", "b"])
        #expect(ins.returning.count == 1)

        guard case .update(let up) = try parseOne("UPDATE OR IGNORE t SET (a, b) = (1, 2), c = 3 WHERE d").kind else { Issue.record(); return }
        #expect(up.orConflict == .ignore && up.sets.map(\.columns) == [["a", "b"], ["c"]])

        guard case .createTable(let ct) = try parseOne(
            "CREATE TABLE t(a INTEGER PRIMARY KEY DESC AUTOINCREMENT, b TEXT DEFAULT -1 COLLATE nocase, UNIQUE(b)) WITHOUT ROWID, STRICT").kind,
              case .columns(let cols, let cons, let opts) = ct.body else { Issue.record(); return }
        #expect(cols.map(\.name) == ["a", "b"])
        #expect(cols[0].constraints.first?.kind == .primaryKey(order: .descending, onConflict: nil, autoincrement: true))
        #expect(cols[1].constraints.count == 2)
        #expect(cons.count == 1 && opts == [.withoutRowid, .strict])

        guard case .createTrigger(let tr) = try parseOne(
            "CREATE TRIGGER x INSTEAD OF UPDATE OF a, b ON v BEGIN SELECT 1; UPDATE t SET a = 1; END").kind else { Issue.record(); return }
        #expect(tr.timing == .insteadOf && tr.event == .update(columns: ["a", "b"]) && tr.body.count == 2)

        guard case .createVirtualTable(let vt) = try parseOne("CREATE VIRTUAL TABLE v USING fts5( a , b  c (d, e) )").kind else { Issue.record(); return }
        #expect(vt.arguments == ["a", "b  c (d, e)"])

        guard case .explain(true, let inner) = try parseOne("EXPLAIN QUERY PLAN SELECT 1").kind,
              case .select = inner.kind else { Issue.record(); return }

        guard case .pragma(let pr) = try parseOne("PRAGMA main.cache_size = -100").kind else { Issue.record(); return }
        #expect(pr.schema == "main" && pr.name == "cache_size" && pr.value == "-100" && !pr.isCallForm)
        guard case .pragma(let pr2) = try parseOne("PRAGMA table_info('t')").kind else { Issue.record(); return }
        #expect(pr2.value == "t" && pr2.isCallForm)

        #expect(try parseOne("BEGIN IMMEDIATE").kind == .begin(.immediate))
        #expect(try parseOne("ROLLBACK TO SAVEPOINT s").kind == .rollback(toSavepoint: "s"))
        #expect(try parseOne("END").kind == .commit)
        guard case .select(let w) = try parseOne("WITH RECURSIVE c(n) AS NOT MATERIALIZED (SELECT 1) SELECT * FROM c").kind else { Issue.record(); return }
        #expect(w.with?.recursive == true && w.with?.tables.first?.materialization == .notMaterialized)
    }
}

@Suite struct SQLTextTests {
    @Test(arguments: [
        ("", false), (";", true), (" ; ", true), ("select 1", false), ("select 1;", true), ("select 1; select", false),
        ("create trigger t after insert on x begin select 1;", false),
        ("create trigger t after insert on x begin select 1; end;", true),
        ("create temp trigger t begin select 1; end ;", true), ("explain create trigger t begin x; end;", true),
        ("create table trigger(a);", true), ("select 'a;", false), ("select 'a;';", true), ("select 1; -- x", true),
        ("select 1 /* ;", false), ("select 1 /* ; */;", true), ("create trigger t begin select 1; end", false),
        ("create trigger t begin select 1; end x;", false), ("select [a;", false), ("select [a;];", true),
        ("CREATE\nTRIGGER t BEGIN; END;", true), ("x;create trigger t begin a; end;", true),
        ("create temporary trigger t begin a; end;", true), ("select \"a;", false), ("end;", true),
        ("create trigger t begin a;/**/end/**/;", true), ("select 1;\n", true),
        ("create trigger t begin select end; end;", true), ("create trigger t begin x; end end;", false),
        ("create trigger t begin x; 'end';", false), ("create temp temp trigger t begin x;", false),
        ("explain explain create trigger t begin x;", true), ("create explain trigger t begin x;", true),
        ("create 'trigger' t begin x;", true), ("create trigger t begin x; end2;", false), ("x\n--;", false),
        ("create\n/*c*/trigger t begin x;", false), ("create_trigger;", true), ("create triggeré t begin x;", true),
    ])
    func isComplete(_ sql: String, _ expected: Bool) {
        #expect(SQLText.isComplete(sql) == expected, "\(sql)")
    }
}

@Suite struct ResultColumnNameTests {
    /// SQLite names an unaliased expression column by its source text: the span must match.
    @Test(.enabled(if: Oracle.isAvailable)) func spansMatchSQLiteColumnNames() throws {
        let exprs = ["1  +  2", "(3)", "x'01'", "- 1", "count(*) over ()", "?1", "'{}' ->> '$.a'", "CAST(1 AS text)",
                     "CASE WHEN 1 THEN 2 END", "1 IS NOT NULL", "1 NOT BETWEEN 0 AND 2", "(1, 2) = (1, 2)",
                     "abs(-1)   COLLATE nocase", "1 /* c */ + 2", "NOT 0", "(SELECT 1)", "EXISTS (SELECT 1)",
                     "1 IN (1, 2)", "1 -- c\n + 1", "current_time IS NULL", "+ 5", "~ 5", "9223372036854775808"]
        let sql = "SELECT " + exprs.joined(separator: ", ") + ";"
        let out = try Oracle.run(["-header", ":memory:"], input: sql)
        let header = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let s = try parseOne(sql)
        guard case .select(let sel) = s.kind, case .select(let core) = sel.first else { Issue.record(); return }
        let mine = core.columns.map { c -> String in
            if case .expr(let e, _) = c { return e.span.text(in: sql) }
            return ""
        }
        // The CLI prints the header on one line; a name containing a newline spans lines.
        let names = header.joined(separator: "\n").components(separatedBy: "\n").joined(separator: "\n")
        #expect(names.hasPrefix(mine.joined(separator: "|") + "\n"), "\(mine)")
    }
}

@Suite struct SQLTextDifferentialTests {
    static let python = "/usr/bin/python3"

    /// Random token strings judged by Python's sqlite3.complete_statement (a thin wrapper of
    /// sqlite3_complete over the system SQLite); skipped without python3.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: SQLTextDifferentialTests.python)))
    func matchesSqlite3Complete() throws {
        var rng = SeededRNG()
        let vocab = ["create", "CREATE", "temp", "temporary", "trigger", "TRIGGER", "end", "END", "explain", "begin",
                     "select", "x", ";", ";", " ", "\n", "'a'", "'", "\"b\"", "\"", "[c]", "[", "`d`", "`", "/* c */",
                     "/*", "-- c\n", "--", "*/", "é", "end2", "_end", "create_trigger", "triggerx", "1", ".", "(", ")"]
        var cases: [String] = []
        for _ in 0..<5000 {
            let n = Int(rng.next() % 13)
            cases.append((0..<n).map { _ in vocab[Int(rng.next() % UInt64(vocab.count))] + (rng.next() % 2 == 0 ? " " : "") }.joined())
        }
        let input = try JSONSerialization.data(withJSONObject: cases)
        let script = "import sys, json, sqlite3\nprint(json.dumps([sqlite3.complete_statement(s) for s in json.load(sys.stdin)]))"
        let out = try runProcess(SQLTextDifferentialTests.python, ["-c", script], input: String(decoding: input, as: UTF8.self))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [Bool])
        try #require(expected.count == cases.count)
        var bad: [String] = []
        for (s, e) in zip(cases, expected) where SQLText.isComplete(s) != e { bad.append("\(e): \(s.debugDescription)") }
        #expect(bad.isEmpty, "seed \(rng.seed): \(bad.count): \(bad.prefix(20).joined(separator: "\n"))")
    }
}
