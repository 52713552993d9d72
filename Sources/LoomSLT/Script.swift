// This file implements the sqllogictest script parser: records, conditions, query headers
// and expected blocks, in the one-value-per-line dialect. Layer: tools (loom-slt).
// Spec: Spec/tools.md, section loom-slt (format in /work/shared/slt/README.md).

/// How a query's result is ordered before comparison.
public enum SortMode: String, Sendable, Equatable {
    case nosort, rowsort, valuesort
}

/// A `skipif <engine>` or `onlyif <engine>` prefix line.
public struct Condition: Sendable, Equatable {
    public var onlyIf: Bool
    public var engine: String

    /// Whether the record runs on `engine` (names compare case-insensitively).
    public func allows(_ engine: String) -> Bool {
        let same = self.engine.lowercased() == engine.lowercased()
        return onlyIf ? same : !same
    }
}

/// The expected block of a query, as written in the script.
public struct Expected: Sendable, Equatable {
    /// The lines after `----` (comment lines removed).
    public var lines: [String]

    /// `(count, md5)` when the block is the single line `N values hashing to <md5>`.
    public var hash: (count: Int, md5: String)? {
        guard lines.count == 1 else { return nil }
        let parts = lines[0].split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "values", parts[2] == "hashing", parts[3] == "to",
              let n = Int(parts[0]), parts[4].utf8.count == 32 else { return nil }
        return (n, String(parts[4]))
    }

    /// The md5 a label group sees for this block when the query is not run: the hash of a
    /// hashed block, else the md5 of its values each followed by a newline.
    public var labelHash: String {
        if let hash { return hash.md5 }
        return hashValues(lines)
    }
}

/// One record of a script.
public struct Record: Sendable {
    public enum Kind: Sendable {
        /// `statement ok` (expectError false) or `statement error`.
        case statement(expectError: Bool, sql: String)
        /// `query <types> [sort] [label]`.
        case query(types: [UInt8], sort: SortMode, label: String?, sql: String, expected: Expected)
        /// `hash-threshold N`.
        case hashThreshold(Int)
        /// `halt`.
        case halt
        /// Anything else: stops the file.
        case unknown(String)
    }
    public var conditions: [Condition]
    public var kind: Kind
    /// 1-based line of the record's first (non-condition) line.
    public var line: Int

    /// Whether conditions let this record run on `engine`.
    public func runs(on engine: String) -> Bool { conditions.allSatisfy { $0.allows(engine) } }

    /// True for the records that count as tests (statements and queries).
    public var isTest: Bool {
        switch kind {
        case .statement, .query: return true
        default: return false
        }
    }
}

/// Parses a script's bytes into records.
public func parseScript(_ bytes: [UInt8]) -> [Record] {
    // Split into lines, strip a trailing CR.
    var lines: [(number: Int, text: String)] = []
    var start = 0
    var number = 0
    let count = bytes.count
    while start < count {
        var end = start
        while end < count && bytes[end] != 0x0A { end += 1 }
        var stop = end
        if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
        number += 1
        lines.append((number, String(decoding: bytes[start..<stop], as: UTF8.self)))
        start = end + 1
    }

    var records: [Record] = []
    var group: [(number: Int, text: String)] = []
    func flush() {
        if !group.isEmpty { records.append(makeRecord(group)) }
        group.removeAll()
    }
    for line in lines {
        if line.text.utf8.first == UInt8(ascii: "#") { continue }
        if line.text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            flush()
        } else {
            group.append(line)
        }
    }
    flush()
    return records
}

private func tokens(_ s: String) -> [String] {
    s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
}

private func makeRecord(_ group: [(number: Int, text: String)]) -> Record {
    var conditions: [Condition] = []
    var index = 0
    while index < group.count {
        let t = tokens(group[index].text)
        guard t.count >= 2, t[0] == "skipif" || t[0] == "onlyif" else { break }
        conditions.append(Condition(onlyIf: t[0] == "onlyif", engine: t[1]))
        index += 1
    }
    guard index < group.count else {
        return Record(conditions: conditions, kind: .unknown("conditions without a record"),
                      line: group[group.count - 1].number)
    }
    let head = group[index]
    let t = tokens(head.text)
    let body = group[(index + 1)...].map(\.text)
    let kind: Record.Kind
    switch t.first ?? "" {
    case "statement" where t.count >= 2 && (t[1] == "ok" || t[1] == "error"):
        kind = .statement(expectError: t[1] == "error", sql: body.joined(separator: "\n"))
    case "query" where t.count >= 2:
        var sort = SortMode.nosort
        var label: String? = nil
        var bad = false
        if t.count >= 3 {
            if let s = SortMode(rawValue: t[2]) { sort = s } else { bad = true }
        }
        if t.count >= 4 { label = t[3] }
        if bad {
            kind = .unknown(head.text)
        } else {
            let sep = body.firstIndex(of: "----")
            let sql = body[..<(sep ?? body.count)].joined(separator: "\n")
            let expected = sep.map { Array(body[($0 + 1)...]) } ?? []
            kind = .query(types: Array(t[1].utf8), sort: sort, label: label, sql: sql,
                          expected: Expected(lines: expected))
        }
    case "hash-threshold" where t.count >= 2 && Int(t[1]) != nil:
        kind = .hashThreshold(Int(t[1]) ?? 0)
    case "halt":
        kind = .halt
    default:
        kind = .unknown(head.text)
    }
    return Record(conditions: conditions, kind: kind, line: head.number)
}
