// This file runs sqllogictest files differentially: every statement and query goes through
// Loom (MiniSession) and sqlite3, and the outcomes are compared (row order ignored where the
// file says rowsort/valuesort). Opt-in: set LOOM_SLT_DIFF to a file or a directory.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Testing.
import Foundation
import Testing
import LoomTestSupport
@testable import LoomSQL

struct SLTRecord {
    var sql: String
    var isQuery: Bool
    var expectError: Bool
    var sortMode: String
}

/// The statements and queries of a .test file that apply to SQLite.
func parseSLT(_ text: String) -> [SLTRecord] {
    var records: [SLTRecord] = []
    let blocks = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
    for block in blocks {
        var lines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        lines.removeAll { $0.hasPrefix("#") }
        var skip = false
        while let first = lines.first, first.hasPrefix("skipif") || first.hasPrefix("onlyif") {
            let parts = first.split(separator: " ")
            let engine = parts.count > 1 ? String(parts[1]) : ""
            if first.hasPrefix("skipif") && engine == "sqlite" { skip = true }
            if first.hasPrefix("onlyif") && engine != "sqlite" { skip = true }
            lines.removeFirst()
        }
        guard !skip, let head = lines.first else { continue }
        if head.hasPrefix("statement") {
            let sql = lines.dropFirst().joined(separator: "\n")
            records.append(SLTRecord(sql: sql, isQuery: false, expectError: head.contains("error"), sortMode: "nosort"))
        } else if head.hasPrefix("query") {
            let parts = head.split(separator: " ")
            let mode = parts.count > 2 ? String(parts[2]) : "nosort"
            var sqlLines: [String] = []
            for l in lines.dropFirst() { if l == "----" { break }; sqlLines.append(l) }
            records.append(SLTRecord(sql: sqlLines.joined(separator: "\n"), isQuery: true, expectError: false, sortMode: mode))
        }
    }
    return records
}

/// Runs one file; returns (records, mismatches, first few mismatch descriptions).
func diffSLTFile(_ path: String) throws -> (Int, Int, [String]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let records = parseSLT(text)
    let statements = records.map(\.sql)
    let expected = try EndToEndOracle.run(statements)
    let session = try MiniSession()
    var mismatches = 0
    var notes: [String] = []
    for (i, r) in records.enumerated() {
        if ProcessInfo.processInfo.environment["LOOM_SLT_TRACE"] != nil {
            FileHandle.standardError.write("RUN \(i): \(r.sql.prefix(300))\n".data(using: .utf8) ?? Data())
        }
        let t0 = Date()
        let got = session.run(r.sql + ";").first ?? StatementOutcome()
        let dt = Date().timeIntervalSince(t0)
        if dt > 1 { FileHandle.standardError.write("SLOW \(String(format: "%.1f", dt))s: \(r.sql.prefix(400))\n".data(using: .utf8) ?? Data()) }
        let want = expected[i]
        var same: Bool
        if (got.error != nil) || (want.error != nil) {
            same = (got.error != nil) == (want.error != nil)
        } else if r.sortMode == "rowsort" {
            same = got.rows.sorted() == want.rows.sorted()
        } else if r.sortMode == "valuesort" {
            let split: ([String]) -> [String] = { $0.flatMap { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }.sorted() }
            same = split(got.rows) == split(want.rows)
        } else {
            same = got.rows == want.rows
        }
        if !same, let e = got.error, e.hasPrefix("no such function"), ProcessInfo.processInfo.environment["LOOM_SLT_STRICT"] == nil {
            continue  // missing built-in functions belong to L4; LOOM_SLT_STRICT counts them
        }
        if !same {
            mismatches += 1
            if notes.count < 8 {
                notes.append("\(r.sql)\n  loom:   \(got.description.prefix(300))\n  sqlite: \(want.description.prefix(300))")
            }
        }
    }
    return (records.count, mismatches, notes)
}

@Suite struct EndToEndSLTDiffTests {
    @Test func sltFilesMatchSQLite() throws {
        guard Oracle.isAvailable, let target = ProcessInfo.processInfo.environment["LOOM_SLT_DIFF"] else { return }
        var files: [String] = []
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir), isDir.boolValue {
            let e = FileManager.default.enumerator(atPath: target)
            while let f = e?.nextObject() as? String { if f.hasSuffix(".test") { files.append(target + "/" + f) } }
            files.sort()
        } else {
            files = [target]
        }
        var total = 0, bad = 0
        for f in files {
            let start = Date()
            let (n, m, notes) = try diffSLTFile(f)
            total += n; bad += m
            print("SLT \(f): \(n) records, \(m) mismatches, \(String(format: "%.1f", Date().timeIntervalSince(start)))s")
            for note in notes { print("  " + note.replacingOccurrences(of: "\n", with: "\n  ")) }
        }
        print("SLT total: \(total) records, \(bad) mismatches")
        #expect(bad == 0)
    }
}
