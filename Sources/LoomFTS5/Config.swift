// This file implements the FTS5 table configuration: the CREATE VIRTUAL TABLE arguments
// (columns, UNINDEXED, tokenize, prefix, content, content_rowid, columnsize, detail) and the
// shadow-table DDL they imply. Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Configuration.
import LoomBase
import LoomRecord

package struct FTS5Config: Sendable {
    package enum Content: Equatable, Sendable {
        /// The module's own %_content table.
        case normal
        /// An external content table (content='name').
        case external(String)
        /// content='': nothing stored.
        case contentless
    }
    package enum Detail: String, Sendable { case full, column, none }

    package var name: String
    package var columns: [String] = []
    package var unindexed: [Bool] = []
    package var tokenize: [String] = ["unicode61"]
    package var prefixes: [Int] = []
    package var content = Content.normal
    package var contentRowid = "rowid"
    package var columnsize = true
    package var detail = Detail.full

    /// Unquotes an SQL string/identifier the way FTS5 reads option values.
    static func dequote(_ s: String) -> String {
        let b = Array(s.utf8)
        guard let q = b.first, b.count >= 2, q == 0x27 || q == 0x22 || q == 0x60 || q == 0x5B else { return s }
        let close: UInt8 = q == 0x5B ? 0x5D : q
        guard b.last == close else { return s }
        var out: [UInt8] = []
        var i = 1
        while i < b.count - 1 {
            if b[i] == close && close != 0x5D && i + 1 < b.count - 1 && b[i + 1] == close { out.append(close); i += 2; continue }
            out.append(b[i]); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses the module arguments of `CREATE VIRTUAL TABLE name USING fts5(arguments…)`.
    package init(name: String, arguments: [String], tokenizers: TokenizerRegistry? = nil) throws {
        self.name = name
        var tokenizeSeen = false
        for raw in arguments {
            let arg = raw.trimmingSpaces
            if let eq = arg.firstIndex(of: "="), !arg.hasPrefix("'"), !arg.hasPrefix("\"") {
                let key = String(arg[..<eq]).trimmingSpaces.lowercased()
                let value = String(arg[arg.index(after: eq)...]).trimmingSpaces
                let v = Self.dequote(value)
                switch key {
                case "tokenize":
                    guard !tokenizeSeen else { throw DatabaseError(.error, "multiple tokenize=... directives") }
                    tokenizeSeen = true
                    tokenize = try splitTokenizeSpec(v)
                case "prefix":
                    for w in v.split(whereSeparator: { $0 == " " || $0 == "," }) {
                        guard let n = Int(w), n >= 1, n <= 999 else {
                            throw DatabaseError(.error, "prefix length out of range (max 999)")
                        }
                        if !prefixes.contains(n) { prefixes.append(n) }
                    }
                case "content":
                    content = v.isEmpty ? .contentless : .external(v)
                case "content_rowid": contentRowid = v
                case "columnsize":
                    guard v == "0" || v == "1" else { throw DatabaseError(.error, "malformed columnsize=... directive") }
                    columnsize = v == "1"
                case "detail":
                    guard let d = Detail(rawValue: v.lowercased()) else { throw DatabaseError(.error, "malformed detail=... directive") }
                    detail = d
                default:
                    throw DatabaseError(.error, "unrecognized option: \"\(key)\"")
                }
            } else {
                let words = try splitTokenizeSpec(arg)
                guard let first = words.first else { throw DatabaseError(.error, "vtable constructor failed: \(name)") }
                let col = Self.dequote(first)
                let lower = col.lowercased()
                guard lower != "rank" && lower != "rowid" else { throw DatabaseError(.error, "reserved fts5 column name: \(col)") }
                guard !columns.contains(where: { $0.lowercased() == lower }), lower != name.lowercased() else {
                    throw DatabaseError(.error, "vtable constructor failed: \(name)")
                }
                var unidx = false
                for opt in words.dropFirst() {
                    guard opt.lowercased() == "unindexed" else { throw DatabaseError(.error, "unrecognized column option: \(opt)") }
                    unidx = true
                }
                columns.append(col)
                unindexed.append(unidx)
            }
        }
        guard !columns.isEmpty else { throw DatabaseError(.error, "vtable constructor failed: \(name)") }
        _ = try makeTokenizer(tokenize, registry: tokenizers)
    }

    package var contentTable: String? {
        switch content {
        case .normal: return "\(name)_content"
        case .external(let t): return t
        case .contentless: return nil
        }
    }

    /// The shadow tables CREATE VIRTUAL TABLE makes, in SQLite's order and spelling.
    package var shadowTableDDL: [String] {
        let q = name.doublingQuote("'")
        var out = ["CREATE TABLE '\(q)_data'(id INTEGER PRIMARY KEY, block BLOB)",
                   "CREATE TABLE '\(q)_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID"]
        if content == .normal {
            out.append("CREATE TABLE '\(q)_content'(id INTEGER PRIMARY KEY" + columns.indices.map { ", c\($0)" }.joined() + ")")
        }
        if columnsize { out.append("CREATE TABLE '\(q)_docsize'(id INTEGER PRIMARY KEY, sz BLOB)") }
        out.append("CREATE TABLE '\(q)_config'(k PRIMARY KEY, v) WITHOUT ROWID")
        return out
    }

    /// `CREATE TABLE x(cols…, name HIDDEN, rank HIDDEN)` for the virtual table's columns.
    package var declaredSchema: String {
        "CREATE TABLE x(" + columns.map { "\"\($0.doublingQuote("\""))\"" }.joined(separator: ", ")
            + ", \"\(name.doublingQuote("\""))\" HIDDEN, rank HIDDEN)"
    }
}

extension String {
    /// The string with every `q` doubled (for quoting in SQL).
    package func doublingQuote(_ q: Character) -> String {
        var out = ""
        for c in self { out.append(c); if c == q { out.append(c) } }
        return out
    }
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// The %_docsize blob: one varint token count per column.
package func encodeDocsize(_ sizes: [Int]) -> [UInt8] {
    var out: [UInt8] = []
    for s in sizes { putVarint(UInt64(max(s, 0)), &out) }
    return out
}

package func decodeDocsize(_ b: [UInt8], columns: Int) throws -> [Int] {
    var r = ByteReader(b)
    var out: [Int] = []
    for _ in 0..<columns { out.append(r.atEnd ? 0 : try r.int()) }
    return out
}

/// A rank function: FTS5's `rank` option and the `rank MATCH 'fn(args)'` constraint, an
/// auxiliary-function name with SQL literal arguments (Spec/L8-fts5.md §Rank functions).
package struct RankFunction: Sendable {
    package var name: String
    package var arguments: [Value]

    package static let standard = RankFunction(name: "bm25", arguments: [])

    /// Parses `name(literal, …)` as sqlite3 3.40 accepts it (text after the closing
    /// parenthesis is ignored); nil on a syntax error.
    package static func parse(_ text: String) -> RankFunction? {
        let b = Array(text.utf8)
        var i = 0
        func skipSpaces() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }
        func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        func literal() -> Value? {
            guard i < b.count else { return nil }
            let c = b[i]
            if c == 0x27 {                                   // 'text'
                var out: [UInt8] = []
                i += 1
                while i < b.count {
                    if b[i] == 0x27 {
                        if i + 1 < b.count && b[i + 1] == 0x27 { out.append(0x27); i += 2; continue }
                        i += 1
                        return .text(String(decoding: out, as: UTF8.self))
                    }
                    out.append(b[i]); i += 1
                }
                return nil
            }
            if (c == 0x78 || c == 0x58) && i + 1 < b.count && b[i + 1] == 0x27 {   // x'hex'
                i += 2
                var digits: [UInt8] = []
                while i < b.count, b[i] != 0x27 {
                    guard let h = hexValue(b[i]) else { return nil }
                    digits.append(h); i += 1
                }
                guard i < b.count, digits.count % 2 == 0 else { return nil }
                i += 1
                return .blob(stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] })
            }
            if c == 0x6E || c == 0x4E {                      // NULL
                guard i + 4 <= b.count, String(decoding: b[i..<(i + 4)], as: UTF8.self).lowercased() == "null",
                      i + 4 == b.count || !isWordByte(b[i + 4]) else { return nil }
                i += 4
                return .null
            }
            let start = i                                    // [+-] digits* ('.' digits+)?
            if c == 0x2B || c == 0x2D { i += 1 }
            var digits = 0
            while i < b.count, isDigit(b[i]) { i += 1; digits += 1 }
            var real = false
            if i < b.count, b[i] == 0x2E {
                i += 1
                real = true
                var fraction = 0
                while i < b.count, isDigit(b[i]) { i += 1; fraction += 1 }
                guard fraction > 0 else { return nil }
                digits += fraction
            }
            guard digits > 0 else { return nil }
            var s = String(decoding: b[start..<i], as: UTF8.self)
            if s.hasPrefix("+") { s.removeFirst() }
            if !real, let v = Int64(s) { return .integer(v) }
            guard let d = Double(s) else { return nil }
            return .real(d)
        }
        skipSpaces()
        let nameStart = i
        while i < b.count, isWordByte(b[i]) { i += 1 }
        guard i > nameStart else { return nil }
        let name = String(decoding: b[nameStart..<i], as: UTF8.self)
        skipSpaces()
        guard i < b.count, b[i] == 0x28 else { return nil }
        i += 1
        skipSpaces()
        var args: [Value] = []
        if i < b.count, b[i] == 0x29 { return RankFunction(name: name, arguments: args) }
        while true {
            skipSpaces()
            guard let v = literal() else { return nil }
            args.append(v)
            skipSpaces()
            guard i < b.count else { return nil }
            if b[i] == 0x29 { return RankFunction(name: name, arguments: args) }
            guard b[i] == 0x2C else { return nil }
            i += 1
        }
    }
}
