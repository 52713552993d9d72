// This file tests the `loom` shell as a whole: command line, dot-commands, error layout and
// (once the engine runs SQL) end-to-end scripts compared byte for byte with sqlite3.
// Layer: tools tests. Spec: Spec/tools.md (loom).
import Foundation
import Loom
import LoomTestSupport
import Testing
@testable import LoomShell

/// True once the engine can run `SELECT 1`; end-to-end tests skip until then.
let engineWorks: Bool = {
    guard Database.isComplete("SELECT 1;"), let db = try? Database() else { return false }
    guard let prepared = try? db.prepareNext("SELECT 1", from: 0), let statement = prepared.statement,
          (try? statement.step()) == true else { return false }
    return statement.column(0) == .integer(1)
}()

/// The sqlite3 oracle. Never give input to a run that has SQL arguments: sqlite3 then does
/// not read standard input and may exit before the oracle writes it (a broken pipe kills
/// the test process).
func oracle(_ arguments: [String], input: String = "") throws -> Oracle.Output {
    try Oracle.run(arguments, input: input)
}

/// What one run of a shell printed and returned.
struct RunOutput: Equatable {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// Runs loom in-process with `arguments` (program name excluded) and `input` as stdin.
func runLoom(_ arguments: [String], input: String = "") -> RunOutput {
    let out = BufferSink(), err = BufferSink()
    let status = Shell.main(arguments: ["loom"] + arguments, input: StringLineSource(input),
                            output: out, error: err)
    return RunOutput(stdout: out.text, stderr: err.text, status: status)
}

/// sqlite3's output with its program name written as loom's.
func runSQLite(_ arguments: [String], input: String = "") throws -> RunOutput {
    let o = try oracle(arguments, input: input)
    return RunOutput(stdout: o.stdout,
                     stderr: o.stderr.replacingOccurrences(of: (Oracle.path ?? "sqlite3") + ":", with: "loom:"),
                     status: o.status)
}

/// Runs the same arguments and input through loom and sqlite3 and expects identical
/// stdout, stderr and exit status.
func expectSame(_ arguments: [String], input: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
    let expected = try runSQLite(arguments, input: input)
    let got = runLoom(arguments, input: input)
    #expect(got.stdout == expected.stdout, "stdout for \(arguments) \(input)", sourceLocation: sourceLocation)
    #expect(got.stderr == expected.stderr, "stderr for \(arguments) \(input)", sourceLocation: sourceLocation)
    #expect(got.status == expected.status, "status for \(arguments) \(input)", sourceLocation: sourceLocation)
}

@Suite("Shell without the engine")
struct ShellBasicsTests {
    @Test("dot-commands that need no database match sqlite3", .enabled(if: Oracle.isAvailable), arguments: [
        ".print a  \"b c\" d\\tx 'e\\tf'\n",
        ".foo\n",
        ".headers\n.headers maybe\n.bail\n.echo\n",
        ".mode foo\n.mode\n.mode insert\n.mode\n.mode tabs\n.mode\n.mode csv\n.show\n",
        ".separator\n.nullvalue\n.show x\n",
        ".width 1 -5 3\n.separator \"\\t\" \"\\r\\n\"\n.nullvalue \"a\\\"b\"\n.mode column\n.show\n",
        ".mode box\n.show\n.mode table --wrap 10 --wordwrap on\n.show\n.mode list\n.show\n",
        ".read /nonexistent/file.sql\n.print after\n",
        ".exit 3\n.print not reached\n", ".eqp on\n.explain off\n.show\n.explain\n.show\n.explain auto\n.eqp off\n.show\n",
        ".quit\n",
        ".exit 0x10\n",
        "  \n\n# a comment\n.print x\n",
    ])
    func dotCommands(_ input: String) throws {
        try expectSame([], input: input)
    }

    @Test("command-line options and their errors match sqlite3", .enabled(if: Oracle.isAvailable), arguments: [
        ["-foo"], ["--bogus", "x.db"], ["-separator"], ["-cmd"], ["-nullvalue"],
        [":memory:", ".print hi", ".show"], [":memory:", ".print x", ".foo", ".print y"],
        ["-header", "-csv", ":memory:", ".show"], ["-separator", ";", "-newline", "##", "-nullvalue", "N", ":memory:", ".show"],
        ["-column", ":memory:", ".show"], ["-quote", ":memory:", ".show"], ["-tabs", ":memory:", ".show"],
        ["-ascii", ":memory:", ".show"], ["--list", "-echo", ":memory:", ".show"],
        ["-cmd", ".print first", ":memory:", ".print second"],
    ])
    func options(_ arguments: [String]) throws {
        try expectSame(arguments)
    }

    @Test("-version names Loom and the SQLite release it tracks")
    func version() {
        let o = runLoom(["-version"])
        #expect(o.stdout == "3.40.1 Loom \(Shell.loomVersion)\n")
        #expect(o.status == 0)
    }

    @Test("-help prints usage to stderr and exits 1, as sqlite3 does")
    func help() {
        let o = runLoom(["-help"])
        #expect(o.stdout == "")
        #expect(o.stderr.hasPrefix("Usage: loom [OPTIONS] FILENAME [SQL]\n"))
        #expect(o.status == 1)
    }

    @Test("a database that cannot be opened is reported when first needed", .enabled(if: Oracle.isAvailable))
    func unopenable() throws {
        let got = runLoom(["/nonexistent/dir/x.db", ".print hi", "SELECT 1"])
        let expected = try runSQLite(["/nonexistent/dir/x.db", ".print hi", "SELECT 1"])
        #expect(got.stdout == expected.stdout)
        #expect(got.status == expected.status)
        #expect(got.stderr.hasPrefix("Error: unable to open database \"/nonexistent/dir/x.db\": "))
    }

    @Test("dot-command arguments are split and unescaped as sqlite3 does")
    func arguments() {
        #expect(Shell.splitArguments(#"print a  "b c" 'd\te' f\tg "h\"i""#) == ["print", "a", "b c", #"d\te"#, "f\tg", "h\"i"])
        #expect(Shell.splitArguments("  x   ") == ["x"])
        #expect(Shell.splitArguments(#"sep "\101\n""#) == ["sep", "A\n"])
    }

    @Test("identifiers are quoted only when needed")
    func identifiers() {
        #expect(quoteIdentifierIfNeeded("t") == "t")
        #expect(quoteIdentifierIfNeeded("table") == "\"table\"")
        #expect(quoteIdentifierIfNeeded("b c") == "\"b c\"")
        #expect(quoteIdentifierIfNeeded("1x") == "\"1x\"")
        #expect(quoteIdentifierIfNeeded("a\"b") == "\"a\"\"b\"")
    }
}

@Suite("Syntax error context")
struct ErrorContextTests {
    /// (statement, a marker that starts at the failing token)
    static let cases: [(String, String)] = [
        ("selec 1;", "selec"),
        ("select 1 +;", ";"),
        ("select \"é\", 1 +, 2;", ", 2"),
        ("select 2 from\n t where selec 3;", "3;"),
        ("select 1 from t1 where x = 1 and y = 2 and z = 3 and w = 4 and selec 7 and more stuff here to make it long enough 1234567890;", "7 and"),
        ("select 'ééééééééééééééééééééééééééééééééééé', 'ü', selec ;", "selec ;"),
        ("select 'ééééééééééééééééééééééééééééééééééééééééééééééééééééé', 'ü', selec ;", "selec ;"),
        ("select\t1\t+\t;", ";"),
        ("select 1 from t where a = 1 and selec 2;", "2;"),
        ("select 12345678901234567890123 from t where selec 2;", "2;"),
        ("select 1, 2, 3, 4 from ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt where selec 2;", "2;"),
    ]

    @Test("matches sqlite3's caret lines", .enabled(if: Oracle.isAvailable), arguments: cases)
    func context(_ sql: String, _ marker: String) throws {
        let o = try oracle([], input: sql + "\n")
        let lines = o.stderr.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        try #require(lines.count == 2, "sqlite3 said: \(o.stderr)")
        let expected = "\n" + lines[1]
        guard let range = sql.range(of: marker) else { Issue.record("marker"); return }
        let offset = sql.utf8.distance(from: sql.startIndex, to: range.lowerBound)
        #expect(Shell.errorContext(Array(sql.utf8), offset: offset) + "\n" == expected)
    }
}

// MARK: end to end (need the engine)

/// Scripts run by loom on one file and by sqlite3 on another, compared byte for byte.
let crudScripts: [String] = [
    """
    CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
    INSERT INTO t VALUES(1, 'alice', 9.5, x'00ff'), (2, 'bob', NULL, NULL), (3, 'carol, "c"', 7.25, x'41');
    SELECT * FROM t;
    .headers on
    SELECT id, name FROM t WHERE score > 8;
    UPDATE t SET score = score + 1 WHERE id = 3;
    DELETE FROM t WHERE id = 2;
    SELECT * FROM t ORDER BY id DESC;
    .mode csv
    SELECT * FROM t;
    .mode json
    SELECT * FROM t;
    .mode line
    SELECT * FROM t;
    .mode column
    SELECT * FROM t;
    .mode box
    SELECT * FROM t;
    .mode table
    SELECT * FROM t;
    .mode markdown
    SELECT * FROM t;
    .mode quote
    SELECT * FROM t;
    .mode insert t2
    SELECT * FROM t;
    .mode html
    SELECT * FROM t;
    .mode list
    .nullvalue NULL
    .separator " ; "
    SELECT name, score, NULL FROM t;

    """,
    """
    CREATE TABLE a(x);
    CREATE TABLE "b c"(y, z);
    CREATE VIEW v AS SELECT x, x*2 AS "two x" FROM a;
    CREATE INDEX ia ON a(x);
    CREATE TABLE averyveryverylongtablename(q);
    INSERT INTO a VALUES(1),(2),(3);
    .tables
    .tables a%
    .schema
    .schema a
    .schema b%
    SELECT * FROM v;
    SELECT count(*), sum(x), max(x) FROM a;
    SELECT 1; SELECT 2;
    SELECT
      x
    FROM
      a
    WHERE x > 1;
    select 5
    go
    select 6
    /

    """,
]

/// Scripts with errors: parse and runtime, single and multi-line, with rows before the error.
let errorScripts: [String] = [
    "SELECT 1;\nSELEC 2;\nSELECT 3;\n",
    "CREATE TABLE t(a UNIQUE);\nINSERT INTO t VALUES(1);\nINSERT INTO t VALUES(1);\nSELECT count(*) FROM t;\n",
    "SELECT * FROM nosuchtable;\nSELECT 1;\n",
    "SELECT nosuchcolumn;\n",
    "SELECT 1; SELEC 2; SELECT 3;\n",
    "SELECT 1,\n  2,\n  3 +;\n",
    "SELECT 'abc\n",
    "CREATE TABLE t(a NOT NULL);\nINSERT INTO t VALUES(NULL);\n",
    "CREATE TABLE t(a);\n.mode box\nCREATE TABLE t(b);\nSELECT 1 AS x UNION ALL SELECT 2;\n",
    "SELECT 1 +\n",
]

@Suite("End to end against sqlite3", .enabled(if: engineWorks && Oracle.isAvailable))
struct EndToEndTests {
    /// Runs `script` through loom on a fresh file and sqlite3 on another, comparing all.
    func compareOnFiles(_ script: String, options: [String] = []) throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        let mine = dir.file("x.db"), theirs = dir.file("y.db")
        var got = runLoom(options + [mine], input: script)
        var expected = try runSQLite(options + [theirs], input: script)
        got.stdout = got.stdout.replacingOccurrences(of: mine, with: "DB")
        got.stderr = got.stderr.replacingOccurrences(of: mine, with: "DB")
        expected.stdout = expected.stdout.replacingOccurrences(of: theirs, with: "DB")
        expected.stderr = expected.stderr.replacingOccurrences(of: theirs, with: "DB")
        #expect(got.stdout == expected.stdout)
        #expect(got.stderr == expected.stderr)
        #expect(got.status == expected.status)
        // The file loom wrote reads back the same in sqlite3.
        if FileManager.default.fileExists(atPath: mine) {
            let dumpMine = try oracle([mine, ".dump"])
            let dumpTheirs = try oracle([theirs, ".dump"])
            #expect(dumpMine.stdout == dumpTheirs.stdout)
        }
    }

    @Test("CRUD and dot-command scripts on a file database", arguments: crudScripts)
    func crud(_ script: String) throws {
        try compareOnFiles(script)
    }

    @Test("error scripts", arguments: errorScripts)
    func errors(_ script: String) throws {
        try compareOnFiles(script)
        try compareOnFiles(script, options: ["-bail"])
    }

    @Test("echo", arguments: ["SELECT 1;\n  \n .print x\n.print y\nSELECT 2; SELECT 3;\nSELEC 4;\n"])
    func echo(_ script: String) throws {
        try compareOnFiles(script, options: ["-echo"])
    }

    @Test("SQL arguments", arguments: [
        ["SELECT 1", "SELECT 2"], ["SELEC 1"], ["SELECT 1; SELEC 2; SELECT 3"],
        ["CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES(1),(1)"], [".mode csv", "SELECT 'a b', 1"],
        ["-header", "-json", "SELECT 1 AS a, 'x' AS b"],
    ])
    func sqlArguments(_ arguments: [String]) throws {
        try expectSame([":memory:"] + arguments)
    }

    @Test("-cmd runs before standard input")
    func cmd() throws {
        try expectSame(["-cmd", "SELECT 0", "-cmd", ".mode csv"], input: "SELECT 1, 'a b';\n")
    }

    @Test(".read runs a file with its own line numbers")
    func read() throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        let sub = dir.file("sub.sql")
        try "SELECT 1;\nSELEC 2;\nSELECT 2;\n".write(toFile: sub, atomically: true, encoding: .utf8)
        try expectSame([], input: ".read \(sub)\nSELECT 3;\n")
        try expectSame(["-bail"], input: ".read \(sub)\nSELECT 3;\n")
    }
}

@Suite("The loom executable")
struct ExecutableTests {
    /// The built `loom` next to the test bundle, if it was built.
    static let executable: String? = {
        var candidates: [String] = []
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        candidates.append(bundleDir.appendingPathComponent("loom").path)
        candidates.append(bundleDir.deletingLastPathComponent().appendingPathComponent("loom").path)
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/loom")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test("-version and an unknown option", .enabled(if: executable != nil))
    func version() throws {
        let path = try #require(Self.executable)
        let v = try runProcess(path, ["-version"])
        #expect(v.stdout == "3.40.1 Loom \(Shell.loomVersion)\n")
        let bad = try runProcess(path, ["-nope"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "\(path): Error: unknown option: -nope\nUse -help for a list of options.\n")
    }

    @Test("a script on standard input", .enabled(if: executable != nil && engineWorks && Oracle.isAvailable))
    func script() throws {
        let path = try #require(Self.executable)
        let input = "CREATE TABLE t(a);\nINSERT INTO t VALUES(1),('x'),(NULL);\n.mode csv\nSELECT * FROM t;\nSELEC;\n"
        let got = try runProcess(path, [], input: input)
        let expected = try oracle([], input: input)
        #expect(got == expected)
    }
}

// MARK: the shell's reading and error handling, on the stand-in engine

/// Runs loom in-process on the stand-in engine.
func runLoomFake(_ arguments: [String], input: String = "") -> RunOutput {
    let out = BufferSink(), err = BufferSink()
    let status = Shell.main(arguments: ["loom"] + arguments, input: StringLineSource(input),
                            output: out, error: err, engine: .fake)
    return RunOutput(stdout: out.text, stderr: err.text, status: status)
}

@Suite("Shell input handling against sqlite3 (stand-in engine)", .enabled(if: Oracle.isAvailable))
struct ShellFlowTests {
    static let scripts: [String] = [
        "SELECT 1;\nselec 2;\nSELECT 3;\n",
        "SELECT 1; selec 2; SELECT 3;\nSELECT 4;\n",
        "SELECT 1,\n  'a'\n;\nSELECT\n 2\n go\nSELECT 3\n/\n",
        "SELECT 1 UNION ALL SELECT abs(-9223372036854775808) UNION ALL SELECT 3;\nSELECT 4;\n",
        ".mode box\nSELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT abs(-9223372036854775808);\n.mode json\nSELECT 1 AS a UNION ALL SELECT abs(-9223372036854775808);\n",
        ".mode line\nSELECT 1 AS a; SELECT 2 AS b;\nSELECT 3 AS c;\n",
        ".headers on\nSELECT 1 AS a, 'x' AS b;\n.mode column\nSELECT 'abc' AS a UNION ALL SELECT 'é';\n",
        "SELECT 1",
        "SELECT 'abc",
        "\n\n  \n-- c\nSELECT 1;\n# hash comment\n  SELECT 2;\n",
        "SELECT 1;\r\nSELECT 'a\r\n';\r\n",
        "  .print indented dot\n;\nSELECT 5;\n",
        "SELECT 1;\n\n\n   selec\n  2;\n",
        "SELECT 'a'; SELECT 1 UNION ALL SELECT abs(-9223372036854775808);\nselec;\n",
        ".mode csv\nSELECT 'a b', NULL, 1.5;\n.mode\n.mode list\n.nullvalue N\nSELECT NULL;\n",
        ".changes on\nSELECT 1;\n.changes off\nSELECT 2;\n",
        ".explain on\nSELECT 1 AS a, 2 AS b, 3 AS c, 4 AS d, 5 AS e, 6 AS f, 7 AS g, 8 AS h, 9 AS i, 10 AS j;\nSELECT NULL, x'41', 1.5, 'long text here is long';\n.nullvalue N\nSELECT NULL AS n;\n.explain off\nSELECT 1;\n.mode explain\n", ".mode qbox\nSELECT 1, 'a', NULL;\nSELECT 1;\n.show\n.mode list\nSELECT 1, 2, 3, 4;\n.show\n", ".prompt A B\nSELECT 1;\n", ".cd /nonexistent/dir\n",
        "-- header\nselec 1;\n", "  /* x */  -- y\n\nselec 1;\n", "/* a\nb */\n.print x\nselec 1;\n",
        "-- c1\n-- c2\n.print x\nSELECT 2;\n", "SELECT 1;\n-- trailing\n", "SELECT 1;\n/* block */\n",
        "/* open\n.print x\n*/ SELECT 3;\n", "SELECT 1\nGO\nSELECT 2\n  /  \nSELECT 3\ngo;\ngo\n", "SELECT 1; -- c\n.print x\n", "SELECT 'a\n.print x\n';\n",
    ]

    @Test("scripts on standard input", arguments: scripts)
    func script(_ input: String) throws {
        for options in [[], ["-bail"], ["-echo"]] {
            let expected = try runSQLite(options, input: input)
            let got = runLoomFake(options, input: input)
            #expect(got == expected, "options \(options)")
        }
    }

    @Test("SQL arguments", arguments: [
        ["SELECT 1", "SELECT 2"], ["selec 1"], ["SELECT 1; selec 2; SELECT 3"], [".mode csv", "SELECT 'a b', 1"],
        ["SELECT 1 UNION ALL SELECT abs(-9223372036854775808)", "SELECT 9"], ["-json", "-header", "SELECT 1 AS a, 'x' AS b"],
        ["-cmd", "selec 0", "SELECT 1"], [".print x", ".foo", "SELECT 1"], ["SELECT 1", ".exit 4", "SELECT 2"],
    ])
    func sqlArguments(_ arguments: [String]) throws {
        let expected = try runSQLite([":memory:"] + arguments)
        let got = runLoomFake([":memory:"] + arguments)
        #expect(got == expected)
    }

    @Test("-init runs a file first, then -cmd")
    func initFile() throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        let file = dir.file("init.sql")
        try ".mode csv\nSELECT 7;\nselec;\n".write(toFile: file, atomically: true, encoding: .utf8)
        for arguments in [["-init", file, ":memory:", "SELECT 1, 'a b'"], ["-init", dir.file("missing.sql"), ":memory:", "SELECT 1"]] {
            #expect(runLoomFake(arguments) == (try runSQLite(arguments)))
        }
        let arguments = ["-init", file, "-cmd", ".print cmd"]
        #expect(runLoomFake(arguments, input: "SELECT 2;\n") == (try runSQLite(arguments, input: "SELECT 2;\n")))
    }

    @Test(".read keeps its own line numbers; -bail stops everything")
    func read() throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        let sub = dir.file("sub.sql")
        try "SELECT 1;\nselec 2;\nSELECT 2;\n".write(toFile: sub, atomically: true, encoding: .utf8)
        for options in [[], ["-bail"]] {
            let input = ".read \(sub)\nSELECT 3;\n"
            #expect(runLoomFake(options, input: input) == (try runSQLite(options, input: input)))
        }
    }
}

@Suite("EXPLAIN layouts", .enabled(if: Oracle.isAvailable))
struct ExplainTests {
    /// Rows of `sql` as sqlite3 gives them with its explain formatting off.
    func rawRows(_ setup: String, _ sql: String) throws -> [[DatabaseValue]] {
        let o = try oracle(["-cmd", ".explain off", "-json", ":memory:", setup, sql])
        let data = Data(o.stdout.utf8)
        guard let objects = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        let keys = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment", "id", "parent", "notused", "detail"]
        return objects.map { object in
            keys.filter { object[$0] != nil }.map { key -> DatabaseValue in
                switch object[key] {
                case let n as NSNumber where key != "opcode" && key != "p4" && key != "detail": return .integer(n.int64Value)
                case let s as String: return .text(s)
                case let n as NSNumber: return .text(n.stringValue)
                default: return .null
                }
            }
        }
    }

    func render(_ rows: [[DatabaseValue]], names: [String], mode: Int) -> String {
        let out = BufferSink()
        let shell = Shell(output: out, error: BufferSink())
        shell.engine = ShellEngine(open: { _, _ in OneStatement(FakeStatement(names: names, rows: rows, explainMode: mode)) },
                                   isComplete: { _ in true })
        shell.runSQL("EXPLAIN x", origin: .line(1))
        return out.text
    }

    @Test("EXPLAIN: fixed columns and indented loops", arguments: [
        "SELECT 1", "SELECT * FROM t WHERE a IN (SELECT a FROM t) ORDER BY 1", "SELECT 'a very long string literal here', 123456789012345",
    ])
    func explain(_ query: String) throws {
        let setup = "CREATE TABLE t(a); CREATE INDEX ta ON t(a)"
        let rows = try rawRows(setup, "EXPLAIN " + query)
        let expected = try oracle([":memory:", setup, "EXPLAIN " + query]).stdout
        #expect(render(rows, names: ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"], mode: 1) == expected)
    }

    @Test("EXPLAIN QUERY PLAN: a tree", arguments: [
        "SELECT 1", "SELECT a FROM t WHERE a > 1 UNION SELECT 2 FROM t t2", "SELECT * FROM t, t t2 WHERE t.a IN (SELECT a FROM t)",
    ])
    func queryPlan(_ query: String) throws {
        let setup = "CREATE TABLE t(a); CREATE INDEX ta ON t(a)"
        let rows = try rawRows(setup, "EXPLAIN QUERY PLAN " + query)
        let expected = try oracle([":memory:", setup, "EXPLAIN QUERY PLAN " + query]).stdout
        #expect(render(rows, names: ["id", "parent", "notused", "detail"], mode: 2) == expected)
    }
}

/// A connection whose first prepare returns one given statement.
final class OneStatement: ShellConnection {
    var statement: FakeStatement?
    init(_ s: FakeStatement) { statement = s }
    func close() throws {}
    var changes: Int { 0 }
    var totalChanges: Int { 0 }
    func prepareStatement(_ sql: String, from offset: Int) throws -> (statement: (any ShellStatement)?, tail: Int) {
        defer { statement = nil }
        return (statement, sql.utf8.count)
    }
}

@Suite("Interactive use")
struct InteractiveTests {
    @Test("banner, prompts, continuation prompts and errors without line numbers")
    func session() {
        let out = BufferSink(), err = BufferSink()
        let status = Shell.main(arguments: ["loom"], input: StringLineSource("SELECT 1;\nSELECT\n2;\nselec;\nSELECT abs(-9223372036854775808);\n"),
                                output: out, error: err, isTerminal: true, engine: .fake)
        #expect(out.text == """
            Loom version \(Shell.loomVersion) (SQLite 3.40.1 compatible)
            Enter ".help" for usage hints.
            Connected to a \u{1B}[1mtransient in-memory database\u{1B}[0m.
            Use ".open FILENAME" to reopen on a persistent database.
            loom> 1
            loom>    ...> 2
            loom> loom> loom> \n
            """)
        #expect(err.text == "Parse error: near \"selec\": syntax error\n  selec;\n  ^--- error here\nRuntime error: integer overflow\n")
        #expect(status == 1)
    }

    @Test(".timer prints sqlite3's Run Time line; .prompt changes the prompts")
    func timerAndPrompt() throws {
        let out = BufferSink()
        _ = Shell.main(arguments: ["loom", "-interactive"], input: StringLineSource(".timer on\n.prompt A> B>\nSELECT\n1;\n"),
                       output: out, error: BufferSink(), engine: .fake)
        let pattern = #/loom> loom> A>B>1\nRun Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}\nA>\n$/#
        #expect(out.text.contains(pattern), "\(out.text)")
    }

    @Test("-batch turns prompts off; a named file drops the in-memory notice")
    func batchAndFile() {
        let batch = BufferSink()
        _ = Shell.main(arguments: ["loom", "-batch"], input: StringLineSource("SELECT 1;\n"),
                       output: batch, error: BufferSink(), isTerminal: true, engine: .fake)
        #expect(batch.text == "1\n")
        let named = BufferSink()
        _ = Shell.main(arguments: ["loom", "x.db"], input: StringLineSource(".quit\n"),
                       output: named, error: BufferSink(), isTerminal: true, engine: .fake)
        #expect(named.text == "Loom version \(Shell.loomVersion) (SQLite 3.40.1 compatible)\nEnter \".help\" for usage hints.\nloom> ")
    }
}

@Suite("Dot-commands over real schemas (sqlite3-backed stand-in)", .enabled(if: Oracle.isAvailable))
struct SchemaCommandTests {
    static let setup = """
        CREATE TABLE alpha(a); CREATE TABLE b(x, y); CREATE VIEW v1 AS SELECT 1;
        CREATE TABLE "with space"(q); CREATE TABLE averyveryverylongtablename_number_one(z);
        CREATE INDEX ia ON alpha(a); CREATE TABLE c1(a); CREATE TABLE c2(a); CREATE TABLE c3(a);
        CREATE TABLE c4(a); CREATE TABLE c5(a); CREATE TABLE c6(a); CREATE TABLE c7(a);
        CREATE TRIGGER tr AFTER INSERT ON b BEGIN SELECT 1; END;
        create table   ttt  (a int  -- comment
        );
        CREATE VIEW v2(p, "q r", "end") AS SELECT 1, 2, 3; CREATE TABLE [x y](a); CREATE TABLE "abc"(a);
        INSERT INTO b VALUES(1, 'one'), (2.5, NULL), (x'00ff', 'three, "3"'), ('a' || char(10) || 'b', 'it''s');
        CREATE TABLE s(x INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO s VALUES(NULL), (NULL);
        CREATE TABLE u(a UNIQUE, b); CREATE INDEX ub ON u(b);
        CREATE TABLE w(a PRIMARY KEY, b) WITHOUT ROWID; INSERT INTO w VALUES(1, 2); INSERT INTO "abc" VALUES(1e300);
        """

    @Test("tables, schema and modes match sqlite3", arguments: [
        ".tables\n", ".tables c%\n", ".tables %a%\n", ".tables nomatch\n",
        ".schema\n", ".schema b\n", ".schema c_\n", ".schema v2\n", ".schema abc\n", ".schema sqlite_schema\n", ".schema x%\n",
        ".headers on\nSELECT * FROM b;\n.mode box\nSELECT * FROM b;\n.mode json\nSELECT * FROM b;\n.mode insert b2\nSELECT * FROM b;\n",
        ".mode line\nSELECT name, type FROM sqlite_schema ORDER BY name LIMIT 4;\n",
        ".indexes\n", ".indexes b\n", ".indices x%\n", ".databases\n", ".databases x\n",
        ".fullschema\n", ".schema --nosys\n", ".eqp on\nSELECT * FROM b WHERE x > 1;\nSELECT * FROM u WHERE b = 1;\n.eqp off\nSELECT 1;\n",
        ".explain off\nEXPLAIN SELECT 1;\nEXPLAIN QUERY PLAN SELECT * FROM b;\n.explain auto\nEXPLAIN QUERY PLAN SELECT * FROM b;\n",
        ".dump\n", ".dump b\n", ".dump c% v%\n", ".dump --data-only\n", ".d nomatch\n", ".dump --newlines b\n", ".dump --bogus\n",
    ])
    func command(_ input: String) throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        let db = dir.file("s.db")
        _ = try oracle([db], input: Self.setup)
        let out = BufferSink(), err = BufferSink()
        let status = Shell.main(arguments: ["loom", db], input: StringLineSource(input), output: out, error: err,
                                engine: .sqliteBacked)
        let expected = try oracle([db], input: input)
        #expect(out.text == expected.stdout)
        #expect(err.text == expected.stderr)
        #expect(status == expected.status)
    }
}

@Suite(".import (sqlite3-backed stand-in)", .enabled(if: Oracle.isAvailable))
struct ImportTests {
    static let files: [String: String] = [
        "in.csv": "a,b,c\n1,\"x, y\",3\n4,5\n6,7,8,9\n\"q\"\"uote\",,\n\n10,11,12",
        "m.csv": "a,b\n\"multi\nline\",2\n\"x\"y,3\r\n5,\"6\"\r\n",
        "crlf.csv": "h1,h2\r\n1,2\r\n\"3\",\"4\"\r\n",
        "in.txt": "1|2\n3|4\n",
        "a.txt": "h1\u{1F}h2\u{1E}1\u{1F}2\u{1E}",
        "empty.csv": "",
    ]

    @Test("imports match sqlite3", arguments: [
        ".import --csv in.csv t\n.schema\n.mode quote\nSELECT * FROM t;\nSELECT typeof(a), typeof(b), typeof(c) FROM t;\n",
        ".import --csv --skip 1 in.csv t\nSELECT count(*) FROM t;\n",
        ".import in.csv t\nSELECT count(*) FROM t;\n",
        ".import --csv m.csv t\n.mode quote\nSELECT * FROM t;\n",
        ".import --csv crlf.csv t\n.mode quote\nSELECT * FROM t;\n",
        ".import in.txt u\n.schema u\nSELECT * FROM u;\nCREATE TABLE v(x int, y);\n.import in.txt v\nSELECT x, typeof(x), y FROM v;\n",
        ".import --ascii a.txt asc\nSELECT * FROM asc;\n.schema asc\n",
        ".mode csv\n.import m.csv t2\nSELECT count(*) FROM t2;\n", ".import --csv m.csv t\nSELECT hex(a), hex(b) FROM t;\n",
        ".import --csv empty.csv e\n", ".import nofile.csv t\n", ".import in.csv\n", ".import\n",
        ".import --csv in.csv t extra\n", ".import --bogus in.csv t\n", ".separator ;;\n.import in.txt w\n",
        ".import --csv --schema main in.csv s\nSELECT count(*) FROM s;\n",
    ])
    func importFile(_ script: String) throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        for (name, text) in Self.files { try text.write(toFile: dir.file(name), atomically: true, encoding: .utf8) }
        var script = script
        for name in Self.files.keys.sorted() + ["nofile.csv"] {
            script = script.replacingOccurrences(of: " " + name, with: " " + dir.file(name))
        }
        let out = BufferSink(), err = BufferSink()
        let status = Shell.main(arguments: ["loom", dir.file("x.db")], input: StringLineSource(script), output: out, error: err,
                                engine: .sqliteBacked)
        let expected = try oracle([dir.file("y.db")], input: script)
        #expect(out.text == expected.stdout)
        #expect(err.text == expected.stderr)
        #expect(status == expected.status)
    }
}

@Suite(".output and .once", .enabled(if: Oracle.isAvailable))
struct OutputRedirectionTests {
    @Test("rows go to the file, then back to standard output")
    func redirect() throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        func script(_ tag: String) -> String {
            """
            .output \(dir.file(tag + "1.txt"))
            SELECT 1;
            .print x
            .output
            SELECT 2;
            .once \(dir.file(tag + "2.txt"))
            SELECT 3;
            SELECT 4;
            .output /nonexistent/dir/f
            SELECT 5;
            .output a b
            .print end

            """
        }
        let db = dir.file("o.db")
        let out = BufferSink(), err = BufferSink()
        let status = Shell.main(arguments: ["loom", db], input: StringLineSource(script("loom")), output: out, error: err,
                                engine: .sqliteBacked)
        let expected = try oracle([db], input: script("sqlite"))
        #expect(out.text == expected.stdout.replacingOccurrences(of: ".output ?FILE?           Send output to FILE or stdout if FILE is omitted\n   If FILE begins with '|' then open it as a pipe.\n   Options:\n     --bom                 Prefix output with a UTF8 byte-order mark\n     -e                    Send output to the system text editor\n     -x                    Send output as CSV to a spreadsheet\n", with: ""))
        #expect(err.text == expected.stderr)
        #expect(status == expected.status)
        for n in ["1", "2"] {
            let mine = try String(contentsOfFile: dir.file("loom\(n).txt"), encoding: .utf8)
            let theirs = try String(contentsOfFile: dir.file("sqlite\(n).txt"), encoding: .utf8)
            #expect(mine == theirs)
        }
    }
}

@Suite("CRUD scripts through the shell (sqlite3-backed stand-in)", .enabled(if: Oracle.isAvailable))
struct BackedScriptTests {
    @Test("scripts print what sqlite3 prints", arguments: crudScripts)
    func script(_ input: String) throws {
        let dir = try TemporaryDirectory("loom-shell")
        defer { dir.cleanup() }
        let mine = dir.file("x.db"), theirs = dir.file("y.db")
        let out = BufferSink(), err = BufferSink()
        let status = Shell.main(arguments: ["loom", mine], input: StringLineSource(input), output: out, error: err,
                                engine: .sqliteBacked)
        let expected = try oracle([theirs], input: input)
        #expect(out.text == expected.stdout)
        #expect(err.text == expected.stderr)
        #expect(status == expected.status)
    }
}

@Suite("The shell closes its database on exit", .enabled(if: Oracle.isAvailable && engineWorks))
struct ShellCloseTests {
    /// Which of the database's `-wal` and `-shm` files exist.
    static func sidecars(_ path: String) -> [Bool] {
        ["-wal", "-shm"].map { FileManager.default.fileExists(atPath: path + $0) }
    }

    @Test("a WAL database keeps no -wal/-shm files after the shell exits, as with sqlite3", arguments: [
        (["PRAGMA journal_mode=WAL; CREATE TABLE t(a); INSERT INTO t VALUES(1);"], ""),
        ([], "PRAGMA journal_mode=WAL;\nCREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n"),
        ([], "PRAGMA journal_mode=WAL;\nCREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n.quit\n"),
        ([], "PRAGMA journal_mode=WAL;\nCREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n.exit 0\n"),
    ])
    func walFilesGone(_ sql: [String], _ input: String) throws {
        let dir = try TemporaryDirectory("loom-shell-close")
        defer { dir.cleanup() }
        let mine = dir.file("loom.db"), theirs = dir.file("sqlite.db")
        let got = runLoom([mine] + sql, input: input)
        let expected = try runSQLite([theirs] + sql, input: input)
        #expect(got == expected)
        #expect(Self.sidecars(mine) == Self.sidecars(theirs))
        #expect(Self.sidecars(mine) == [false, false])
        // The checkpointed file holds the row for the other engine.
        let check = try oracle([mine, "SELECT * FROM t;"])
        #expect(check.stdout == "1\n")
    }
}
