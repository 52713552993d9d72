// This file tests the tokenizer: token kinds and byte spans for SQLite's token rules.
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser" (L1-L5).
import Testing
@testable import LoomSQL

func tokens(_ sql: String) -> [(TokenKind, String)] {
    let lexer = Lexer(sql: sql)
    var out: [(TokenKind, String)] = []
    var at = 0
    while true {
        let t = lexer.token(at: at)
        if t.kind == .end { break }
        precondition(t.end > t.start)
        if t.kind != .space { out.append((t.kind, String(decoding: lexer.bytes[t.start..<t.end], as: UTF8.self))) }
        at = t.end
    }
    return out
}

@Suite struct LexerTests {
    @Test(arguments: [
        ("SELECT", [TokenKind.keyword(.select)]), ("select_", [.identifier]), ("x'0A'", [.blob]), ("x'0'", [.illegal]),
        ("x'zz'", [.illegal]), ("X", [.identifier]), ("xy", [.identifier]), ("12", [.integer]), ("1.5", [.float]),
        (".5", [.float]), ("5.", [.float]), ("1e5", [.float]), ("1e+5", [.float]), ("1e", [.illegal]),
        ("12abc", [.illegal]), ("0x1F", [.integer]), ("0x", [.illegal]), ("0x1g", [.integer, .identifier]),
        ("1..2", [.float, .float]), ("'a''b'", [.string]), ("'abc", [.illegal]), ("\"a\"\"b\"", [.identifier]),
        ("`a`", [.identifier]), ("[a b]", [.identifier]), ("[a", [.illegal]), ("?", [.variable]), ("?12", [.variable]),
        ("?a", [.variable, .identifier]), (":a", [.variable]), ("@a", [.variable]), ("$a", [.variable]),
        ("$a::b(c)", [.variable]), ("$a(b c)", [.illegal, .identifier, .rightParen]), ("$", [.illegal]), (":", [.illegal]),
        ("#1", [.register]), ("#a", [.variable]), ("#", [.illegal]), ("!=", [.notEqual]), ("!", [.illegal]),
        ("<>", [.notEqual]), ("==", [.equal]), ("<=", [.lessEqual]), ("<<", [.shiftLeft]), (">>", [.shiftRight]),
        ("->", [.pointer]), ("->>", [.pointer]), ("||", [.concat]), ("|", [.bitOr]), ("--x\n1", [.integer]),
        ("/* x", []), ("/* x */1", [.integer]), ("a\u{0B}b", [.identifier, .illegal, .identifier]), ("é1", [.identifier]),
        ("a$b", [.identifier]), ("^", [.illegal]),
    ])
    func kinds(_ sql: String, _ expected: [TokenKind]) {
        #expect(tokens(sql).map(\.0) == expected, "\(sql)")
    }

    @Test func tokensCoverTheInput() {
        let sql = "SELECT a, 'b''c' FROM [t] -- x\nWHERE x'00' = ?1 /* y */"
        let lexer = Lexer(sql: sql)
        var at = 0
        var rebuilt: [UInt8] = []
        while true {
            let t = lexer.token(at: at)
            if t.kind == .end { break }
            #expect(t.start == at)
            rebuilt += lexer.bytes[t.start..<t.end]
            at = t.end
        }
        #expect(rebuilt == Array(sql.utf8))
    }

    @Test func nulEndsTheInput() throws {
        #expect(tokens("SELECT 1\u{0}garbage '").map(\.0) == [.keyword(.select), .integer])
        #expect(SQLText.isComplete("SELECT 1;\u{0}'"))
        var p = Parser(sql: "SELECT 1\u{0}; SELECT 2")
        #expect(try p.parseAll().count == 1)
    }

    @Test func keywordsAreCaseInsensitiveAndComplete() {
        #expect(Keyword.allCases.count == 147)
        #expect(tokens("sElEcT CURRENT_timestamp").map(\.0) == [.keyword(.select), .keyword(.currentTimestamp)])
    }
}
