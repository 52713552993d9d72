// This file implements a tiny stand-in engine for shell tests while Loom's engine is being
// built: SELECT lists of literals joined by UNION ALL, SQLite's syntax-error text for a
// statement that does not start with SELECT, and "integer overflow" when a row holds
// abs(-9223372036854775808). Enough to check the shell's reading, printing and error
// handling against sqlite3. Layer: tools tests. Spec: Spec/tools.md (loom).
import Foundation
import Loom
@testable import LoomShell

final class FakeStatement: ShellStatement {
    let columnNames: [String]
    var columnCount: Int { columnNames.count }
    let explainMode: Int
    private let rows: [[DatabaseValue]?]   // nil: a row that fails with integer overflow
    private var index = -1

    init(names: [String], rows: [[DatabaseValue]?], explainMode: Int = 0) {
        columnNames = names
        self.rows = rows
        self.explainMode = explainMode
    }

    func step() throws -> Bool {
        index += 1
        guard index < rows.count else { return false }
        guard rows[index] != nil else { throw DatabaseError(.error, "integer overflow") }
        return true
    }

    func column(_ i: Int) -> DatabaseValue {
        guard index >= 0, index < rows.count, let row = rows[index], i < row.count else { return .null }
        return row[i]
    }
}

final class FakeConnection: ShellConnection {
    func close() throws {}
    var changes: Int { 0 }
    var totalChanges: Int { 0 }

    func prepareStatement(_ sql: String, from offset: Int) throws -> (statement: (any ShellStatement)?, tail: Int) {
        let bytes = Array(sql.utf8)
        var i = offset
        skipSpaceAndComments(bytes, &i)
        guard i < bytes.count else { return (nil, bytes.count) }
        let start = i
        // The statement runs to the first ';' outside quotes.
        var end = i
        var quote: UInt8? = nil
        while end < bytes.count {
            let b = bytes[end]
            if let q = quote { if b == q { quote = nil } } else if b == 0x27 || b == 0x22 { quote = b } else if b == 0x3b { break }
            end += 1
        }
        if quote != nil {
            let tokenStart = bytes[start..<end].lastIndex(where: { $0 == 0x27 || $0 == 0x22 }) ?? start
            throw DatabaseError(.error, "unrecognized token: \"\(String(decoding: bytes[tokenStart..<end], as: UTF8.self))\"", offset: tokenStart)
        }
        let tail = end < bytes.count ? end + 1 : end
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        let selects = text.components(separatedBy: " UNION ALL ")
        var names: [String] = []
        var rows: [[DatabaseValue]?] = []
        var position = start
        for (n, select) in selects.enumerated() {
            let words = select.split(maxSplits: 1, whereSeparator: \.isWhitespace)
            guard let keyword = words.first, keyword.uppercased() == "SELECT", words.count == 2 else {
                let first = select.first ?? " "
                let token = first.isLetter ? select.prefix { $0.isLetter || $0.isNumber } : Substring(String(first))
                throw DatabaseError(.error, "near \"\(token)\": syntax error", offset: position)
            }
            var row: [DatabaseValue]? = []
            for item in splitItems(String(words[1])) {
                var expr = item.trimmingCharacters(in: .whitespacesAndNewlines)
                var name = expr
                if let r = expr.range(of: " AS ", options: .caseInsensitive) {
                    name = String(expr[r.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                    expr = String(expr[..<r.lowerBound])
                }
                let parts = expr.split(whereSeparator: \.isWhitespace)
                if parts.count == 2 && !expr.hasPrefix("'") {
                    name = String(parts[1])
                    expr = String(parts[0])
                }
                if n == 0 { names.append(name) }
                if expr == "abs(-9223372036854775808)" { row = nil; continue }
                row?.append(literal(expr))
            }
            rows.append(row)
            position += select.utf8.count + " UNION ALL ".utf8.count
        }
        return (FakeStatement(names: names, rows: rows), tail)
    }

    private func literal(_ e: String) -> DatabaseValue {
        if e.uppercased() == "NULL" { return .null }
        if e.hasPrefix("'") { return .text(String(e.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")) }
        if e.lowercased().hasPrefix("x'") {
            let hex = Array(e.dropFirst(2).dropLast())
            var bytes: [UInt8] = []
            var k = 0
            while k + 1 < hex.count { bytes.append(UInt8(String(hex[k...k + 1]), radix: 16) ?? 0); k += 2 }
            return .blob(bytes)
        }
        if let i = Int64(e) { return .integer(i) }
        if let d = Double(e) { return .real(d) }
        return .text(e)
    }

    private func splitItems(_ s: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quote: Character? = nil
        var depth = 0
        for c in s {
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c } else if c == "(" { depth += 1 } else if c == ")" { depth -= 1 } else if c == "," && depth == 0 {
                items.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        items.append(current)
        return items
    }

    private func skipSpaceAndComments(_ b: [UInt8], _ i: inout Int) {
        while i < b.count {
            if b[i] == 0x20 || (b[i] >= 0x09 && b[i] <= 0x0d) || b[i] == 0x3b { i += 1; continue }
            if b[i] == 0x2d && i + 1 < b.count && b[i + 1] == 0x2d {
                while i < b.count && b[i] != 0x0a { i += 1 }
                continue
            }
            if b[i] == 0x2f && i + 1 < b.count && b[i + 1] == 0x2a {
                i += 2
                while i + 1 < b.count && !(b[i] == 0x2a && b[i + 1] == 0x2f) { i += 1 }
                i = min(i + 2, b.count)
                continue
            }
            break
        }
    }

    /// Whether `sql` ends with a ';' outside quotes and comments (sqlite3_complete, roughly).
    static func isComplete(_ sql: String) -> Bool {
        var quote: Character? = nil
        var complete = false
        var comment = false
        var previous: Character = " "
        for c in sql {
            if comment { if c == "\n" { comment = false }; previous = c; continue }
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" {
                quote = c
                complete = false
            } else if c == "-" && previous == "-" {
                comment = true
            } else if c == ";" {
                complete = true
            } else if !c.isWhitespace && c != "-" {
                complete = false
            }
            previous = c
        }
        return complete && quote == nil
    }
}

extension ShellEngine {
    static var fake: ShellEngine {
        ShellEngine(open: { _, _ in FakeConnection() }, isComplete: FakeConnection.isComplete)
    }
}
