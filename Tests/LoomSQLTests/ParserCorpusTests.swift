// This file tests the parser over the sqllogictest corpus: every `statement ok` and `query`
// record sqlite3 accepts must parse. Quick set by default; LOOM_SLT_FULL=1 runs every file.
// Layer: L5 tests. Spec: Spec/L5-sql.md, section "Lexer and parser".
import Testing
import Foundation
@testable import LoomSQL
import LoomBase

enum SLTCorpus {
    static let root = "/work/shared/slt"

    /// SQL texts of the `statement ok` and `query` records of one file (SQLite engine).
    static func records(_ path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var out: [String] = []
        var block: [String] = []
        func flush() {
            defer { block.removeAll() }
            var lines = block.filter { !$0.hasPrefix("#") }
            var skip = false
            while let first = lines.first {
                let l = first.lowercased()
                if l.hasPrefix("skipif ") { if l.dropFirst(7).trimmingCharacters(in: .whitespaces) == "sqlite" { skip = true } }
                else if l.hasPrefix("onlyif ") { if l.dropFirst(7).trimmingCharacters(in: .whitespaces) != "sqlite" { skip = true } }
                else { break }
                lines.removeFirst()
            }
            guard !skip, let header = lines.first else { return }
            guard header.hasPrefix("statement ok") || header.hasPrefix("query") else { return }
            var sql: [String] = []
            for l in lines.dropFirst() {
                if l == "----" { break }
                sql.append(l)
            }
            if !sql.isEmpty { out.append(sql.joined(separator: "\n")) }
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { flush() } else { block.append(line) }
        }
        flush()
        return out
    }

    static func files(full: Bool) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var all: [String] = []
        while let p = e.nextObject() as? String {
            if p.hasSuffix(".test") { all.append(root + "/" + p) }
        }
        all.sort()
        if full { return all }
        return all.filter { $0.contains("/evidence/") || $0.hasSuffix("select1.test") || $0.hasSuffix("select2.test") }
    }
}

@Suite struct ParserCorpusTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: SLTCorpus.root)))
    func everyAcceptedRecordParses() throws {
        let full = ProcessInfo.processInfo.environment["LOOM_SLT_FULL"] == "1"
        var count = 0
        var failures: [String] = []
        for file in SLTCorpus.files(full: full) {
            for sql in SLTCorpus.records(file) {
                count += 1
                var p = Parser(sql: sql)
                do { _ = try p.parseAll() } catch {
                    if failures.count < 20 { failures.append("\(file): \(sql.prefix(200)) → \(error)") }
                    else { failures.append("") }
                }
            }
        }
        #expect(count > 1000)
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(20).joined(separator: "\n"))")
    }
}
