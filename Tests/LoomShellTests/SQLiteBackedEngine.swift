// This file implements a stand-in engine that answers each statement by running the real
// sqlite3 on a database file and reading back its rows (quote mode), so the shell's own
// logic (.tables, .schema, modes over real query results) can be checked end to end before
// Loom's engine runs SQL. Slow (one process per statement): small scripts only.
// Layer: tools tests. Spec: Spec/tools.md (loom).
import Foundation
import Loom
import LoomTestSupport
@testable import LoomShell

final class SQLiteBackedConnection: ShellConnection {
    let path: String
    init(path: String) { self.path = path }
    func close() throws {}
    var changes: Int { 0 }
    var totalChanges: Int { 0 }

    func prepareStatement(_ sql: String, from offset: Int) throws -> (statement: (any ShellStatement)?, tail: Int) {
        let bytes = Array(sql.utf8)
        var start = min(max(offset, 0), bytes.count)
        while start < bytes.count && (bytes[start] == 0x20 || (bytes[start] >= 0x09 && bytes[start] <= 0x0d)) { start += 1 }
        guard start < bytes.count else { return (nil, bytes.count) }
        // The first statement ends at the first ';' that completes it.
        var end = start
        var found = false
        while end < bytes.count {
            if bytes[end] == 0x3b && FakeConnection.isComplete(String(decoding: bytes[start...end], as: UTF8.self)) {
                found = true
                break
            }
            end += 1
        }
        let statementText = String(decoding: bytes[start..<(found ? end + 1 : end)], as: UTF8.self)
        // One process per statement cannot keep a transaction open: treat these as no-ops.
        let keyword = statementText.prefix { $0.isLetter }.uppercased()
        if ["BEGIN", "COMMIT", "ROLLBACK", "END"].contains(keyword) {
            return (FakeStatement(names: [], rows: []), found ? end + 1 : end)
        }
        // As an argument, not on standard input: sqlite3 would drop a CR before a line end.
        let o = try oracle(["-cmd", ".explain off", "-header", "-quote", path, statementText])
        if !o.stderr.isEmpty {
            var message = o.stderr.split(separator: "\n").first.map(String.init) ?? ""
            for prefix in ["Error: in prepare, ", "Error: stepping, ", "Error: "] where message.hasPrefix(prefix) {
                message = String(message.dropFirst(prefix.count))
                break
            }
            throw DatabaseError(.error, message)
        }
        var (names, rows) = Self.parseQuoteOutput(o.stdout)
        // sqlite3 prints no header for an empty result; a table's columns still matter.
        if names.isEmpty, statementText.hasPrefix("SELECT * FROM ") {
            let table = statementText.dropFirst("SELECT * FROM ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"; "))
            let info = try oracle(["-list", path, "SELECT name FROM pragma_table_info('\(table)')"])
            names = info.stdout.split(separator: "\n").map(String.init)
            rows = []
        }
        let upper = statementText.uppercased()
        let explain = upper.hasPrefix("EXPLAIN QUERY PLAN") ? 2 : (upper.hasPrefix("EXPLAIN") ? 1 : 0)
        return (FakeStatement(names: names, rows: rows, explainMode: explain), found ? end + 1 : end)
    }

    /// Header and rows of `sqlite3 -header -quote` output.
    static func parseQuoteOutput(_ text: String) -> ([String], [[DatabaseValue]]) {
        let b = Array(text.utf8)
        var i = 0
        var lines: [[DatabaseValue]] = []
        var current: [DatabaseValue] = []
        while i < b.count {
            if b[i] == 0x27 {
                var s: [UInt8] = []
                i += 1
                while i < b.count {
                    if b[i] == 0x27 {
                        if i + 1 < b.count && b[i + 1] == 0x27 { s.append(0x27); i += 2; continue }
                        i += 1
                        break
                    }
                    s.append(b[i])
                    i += 1
                }
                current.append(.text(String(decoding: s, as: UTF8.self)))
            } else if b[i] == UInt8(ascii: "X") && i + 1 < b.count && b[i + 1] == 0x27 {
                i += 2
                var bytes: [UInt8] = []
                while i + 1 < b.count && b[i] != 0x27 {
                    bytes.append(UInt8(String(decoding: b[i...i + 1], as: UTF8.self), radix: 16) ?? 0)
                    i += 2
                }
                i += 1
                current.append(.blob(bytes))
            } else {
                var j = i
                while j < b.count && b[j] != 0x2c && b[j] != 0x0a { j += 1 }
                let word = String(decoding: b[i..<j], as: UTF8.self)
                if word == "NULL" { current.append(.null) }
                else if let n = Int64(word) { current.append(.integer(n)) }
                else if word == "Inf" { current.append(.real(.infinity)) }
                else if word == "-Inf" { current.append(.real(-.infinity)) }
                else { current.append(.real(Double(word) ?? 0)) }
                i = j
            }
            if i < b.count && b[i] == 0x2c { i += 1; continue }
            if i < b.count && b[i] == 0x0a { i += 1 }
            lines.append(current)
            current = []
        }
        guard let header = lines.first else { return ([], []) }
        return (header.map { $0.textRepresentation ?? "" }, Array(lines.dropFirst()))
    }
}

extension ShellEngine {
    /// Statements answered by sqlite3 on the file `loom` was asked to open.
    static var sqliteBacked: ShellEngine {
        ShellEngine(open: { path, _ in SQLiteBackedConnection(path: path) }, isComplete: FakeConnection.isComplete)
    }
}
