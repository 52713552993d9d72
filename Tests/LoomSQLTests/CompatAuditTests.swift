// This file audits COMPAT.md against the oracle: every function sqlite3 3.40.1 lists
// (pragma_function_list), every pragma (pragma_pragma_list) and every SQL statement
// (lang.html) must appear in a COMPAT.md table row that gives a status.
// Layer: L5 tests. Spec: COMPAT.md.
import Foundation
import Testing
import LoomTestSupport

@Suite struct CompatAuditTests {
    /// COMPAT.md of this checkout.
    static func compatText() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("COMPAT.md"), encoding: .utf8)
    }

    /// The table rows of section `heading` (a level-2 heading) that carry a status word.
    static func statusRows(_ text: String, section heading: String) -> [String] {
        var rows: [String] = []
        var inside = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## ") { inside = line == "## " + heading; continue }
            guard inside, line.hasPrefix("|") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.contains(where: { c in ["yes", "partial", "no", "refused"].contains { c.hasPrefix($0) } }) {
                rows.append(String(line))
            }
        }
        return rows
    }

    func oracleNames(_ sql: String) throws -> [String] {
        try Oracle.run([":memory:", sql]).stdout.split(separator: "\n").map(String.init)
    }

    @Test func everyFunctionHasAStatus() throws {
        guard Oracle.isAvailable else { return }
        let rows = Self.statusRows(try Self.compatText(), section: "Every function of the oracle")
        let names = try oracleNames("SELECT DISTINCT name FROM pragma_function_list ORDER BY name")
        #expect(names.count > 100)
        for name in names where !rows.contains(where: { $0.contains("`\(name)`") }) {
            Issue.record("COMPAT.md gives no status for the function \(name)")
        }
    }

    @Test func everyPragmaHasAStatus() throws {
        guard Oracle.isAvailable else { return }
        let rows = Self.statusRows(try Self.compatText(), section: "Every pragma of the oracle")
        let names = try oracleNames("SELECT name FROM pragma_pragma_list ORDER BY name")
        #expect(names.count > 50)
        for name in names where !rows.contains(where: { $0.contains("`\(name)`") }) {
            Issue.record("COMPAT.md gives no status for PRAGMA \(name)")
        }
    }

    /// The statements of lang.html.
    static let statements = [
        "ALTER TABLE", "ANALYZE", "ATTACH", "BEGIN", "COMMIT", "END", "CREATE INDEX", "CREATE TABLE",
        "CREATE TRIGGER", "CREATE VIEW", "CREATE VIRTUAL TABLE", "DELETE", "DETACH", "DROP INDEX", "DROP TABLE",
        "DROP TRIGGER", "DROP VIEW", "EXPLAIN", "INSERT", "PRAGMA", "REINDEX", "RELEASE", "REPLACE", "ROLLBACK",
        "SAVEPOINT", "SELECT", "UPDATE", "UPSERT", "VACUUM", "WITH",
    ]

    @Test func everyStatementHasAStatus() throws {
        let rows = Self.statusRows(try Self.compatText(), section: "Statements")
        for statement in Self.statements where !rows.contains(where: { $0.uppercased().contains(statement) }) {
            Issue.record("COMPAT.md gives no status for the statement \(statement)")
        }
    }
}
