// This file tests parse errors against sqlite3: the message text and the byte offset of the
// offending token (read from the CLI's "^--- error here" marker).
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser".
import Testing
import Foundation
@testable import LoomSQL
import LoomBase
import LoomTestSupport

/// sqlite3's prepare error for `sql` on database `db`: (message, offset) or nil when it prepares.
func oracleError(_ sql: String, db: String = ":memory:") throws -> (String, Int?)? {
    let out = try Oracle.run([db, sql])
    let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let first = lines.first, first.hasPrefix("Error: in prepare, ") else { return nil }
    var message = String(first.dropFirst("Error: in prepare, ".count))
    // The CLI appends " (NN)" (an extended code) to some messages on file databases.
    if message.hasSuffix(")"), let open = message.lastIndex(of: "("),
       message[message.index(after: open)..<message.index(before: message.endIndex)].allSatisfy(\.isNumber),
       open > message.startIndex, message[message.index(before: open)] == " " {
        message = String(message[..<message.index(before: open)])
    }
    var offset: Int?
    if lines.count >= 3, let caret = lines[2].firstIndex(of: "^") {
        offset = lines[2].distance(from: lines[2].startIndex, to: caret) - 2
    }
    return (message, offset)
}

@Suite struct ParserErrorTests {
    static let cases: [String] = [
        "SELEC 1", "select (1", "select 1 from", "select 1 from;", "select 1 select 2", "select * from t where",
        "select 1e", "select 0x", "select 'abc", "select \"abc", "select [abc", "select x'abc'", "select x'ab",
        "select 12abc", "select $", "select :", "select @", "select 1 !", "select 1 ^ 2", "select # 1", "select #1",
        "select $a::b(x y)", "select 1..2", "select 1.5.5", "select a.b.c.d from t", "select ~", "select 1 not",
        "select 1 not 2", "select x from t as", "select 1 'a' 'b'", "select 1 as", "select 1e+", "select 1e+5x",
        "select left(1)", "select count(x order by x) from t", "select a from t where a = 'x' escape 'y'",
        "select cast(1 as varchar(1,2,3))", "select 0x11111111111111111", "select ?0", "select ?250001",
        "create temp index i on t(a)", "create table if(a)", "create table n(a) foo", "create table n(a) without foo",
        "create trigger tr after insert on t begin end", "select * from t natural foo join u",
        "select * from t left inner join u", "select * from t outer join u", "select count() over (rows)",
        "select * from f(1) indexed by i", "values (1),(1,2)", "select 1 from t on 1",
        "insert into t select * from u on conflict do nothing", "create table w3(a, unique(a), b)",
        "select 1 between 0 or 1 and 2", "update t set a = 1 where", "delete t", "insert into t default values on conflict do nothing",
        "drop table", "drop foo x", "alter table t add", "alter table t rename x", "pragma", "pragma x = ", "pragma x(",
        "begin foo", "rollback to", "savepoint", "attach 'x'", "create view v", "create index i on t", "create unique x",
        "select * from (select 1", "with x as (select 1) delete", "select f(*, 1)",
        "select case end", "select case 1 end", "select exists 1", "select raise(foo)", "select 1 limit",
        "select 1 order by", "select 1 group by 1 having", "select 1 window w", "select 1 window w as",
        "select x collate", "create table n(a default)", "create table n(a check)", "create table n(a references)",
        "create table n(a, primary key)", "create table n()", "create table n(a,)", "explain query", "explain query select",
        "create virtual table v using", "create virtual table v using m(a", "select 1;;select", "select\u{0B}1",
        "create table x(a as (1) foo)", "create trigger tr after insert on t begin insert into main.u values(1); end",
        "create trigger tr after insert on t begin delete from u indexed by i; end",
        "create trigger tr after insert on t begin insert into u values(1) returning *; end",
        "select 1 in", "select 1 in (", "select 1 in t(", "select (1,2", "select t.", "select t.*.x",
        "select " + String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200),
        "select " + String(repeating: "1+", count: 1000) + "1", "select " + String(repeating: "1+", count: 999) + "1",
        "select " + String(repeating: "- ", count: 95) + "1", "select " + String(repeating: "(select ", count: 19) + "1",
        "select * from t join", "select * from t join u using", "select * from t join u using (", "select 1 -> ", "explain explain select 1", "create table t2(a default 1 as (1))", "create table t2(a as (1) default 1)",
        "create table t2(a as (1) primary key)", "create table t2(a primary key as (1))", "create table t2(a as (1) as (2))",
        "create table t2(b, a as (1) default 1 x)", "create table t2(a as (1), b, primary key(b, a))", "create table t2(\"A\", a)", "create table t2(a, [A] int)",
        "create table t2(a primary key, primary key(a))", "create table t2(a, primary key(a), primary key(a))",
        "create table t2(a integer primary key, b unique primary key)", "create table t2(a, a x y z)",
        "create table t2(a, a) )", "create table t2(a primary key, b primary key) )",
        "select count(distinct a) over () ) from t", "select count(distinct a) over () x y from t", "explain query plan explain select 1",
    ]

    @Test(.enabled(if: Oracle.isAvailable)) func messagesAndOffsetsMatchSQLite() throws {
        let dir = try TemporaryDirectory("parser-errors")
        defer { dir.cleanup() }
        let db = dir.file("schema.db")
        _ = try Oracle.run([db, "CREATE TABLE t(a); CREATE TABLE u(b); CREATE INDEX i ON t(a);"])
        for sql in ParserErrorTests.cases {
            let expected = try oracleError(sql, db: db)
            let actual = parseError(sql)
            #expect(actual?.0 == expected?.0, "\(sql)")
            if let expected {
                #expect(actual?.1 == expected.1, "offset for \(sql)")
            }
        }
    }
}
