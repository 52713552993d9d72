// This file implements the SQL parser entry points: a recursive-descent parser over the lexer's tokens.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser".
import LoomBase

/// Parses SQL text one statement at a time.
///
/// ```swift
/// var parser = Parser(sql: "SELECT 1; SELECT 2")
/// var at = 0
/// while let (statement, end) = try parser.parseNext(from: at) { …; at = end }
/// ```
/// Corresponds to SQLite's `sqlite3_prepare_v2` front half (tokenize.c + parse.y).
package struct Parser {
    package let sql: String
    package init(sql: String) { self.sql = sql }

    /// Parses the next statement starting at UTF-8 offset `offset`; nil when only
    /// whitespace/comments/semicolons remain. Returns the statement and the UTF-8 offset just
    /// past it (past its terminating ';' if any).
    package mutating func parseNext(from offset: Int) throws -> (statement: Statement, end: Int)? {
        throw DatabaseError(.error, "parser not implemented yet")
    }
}

/// Statement completeness, as `sqlite3_complete`.
package enum SQLText {
    /// true when `sql` ends with a ';' that ends a statement (not inside a string, comment or
    /// a CREATE TRIGGER body).
    package static func isComplete(_ sql: String) -> Bool { false }
}
