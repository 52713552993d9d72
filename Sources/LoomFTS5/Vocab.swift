// This file implements the fts5vocab module: the 'row', 'col' and 'instance' views of an
// fts5 table's index (read from its shadow tables).
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Module (fts5vocab).
import LoomBase
import LoomRecord
import LoomVDBE

/// Splits the module arguments of a `CREATE VIRTUAL TABLE … USING m(args)` text at top-level
/// commas (quotes and parentheses respected), each trimmed.
package func virtualTableArguments(_ sql: String) -> [String] {
    let b = Array(sql.utf8)
    guard let open = b.firstIndex(of: 0x28), let close = b.lastIndex(of: 0x29), open < close else { return [] }
    var args: [String] = []
    var depth = 0
    var quote: UInt8? = nil
    var start = open + 1
    var i = open + 1
    while i < close {
        let c = b[i]
        if let q = quote {
            if c == q { quote = nil }
        } else if c == 0x27 || c == 0x22 || c == 0x60 {
            quote = c
        } else if c == 0x5B {
            quote = 0x5D
        } else if c == 0x28 {
            depth += 1
        } else if c == 0x29 {
            depth -= 1
        } else if c == 0x2C && depth == 0 {
            args.append(String(decoding: b[start..<i], as: UTF8.self).trimmingSpaces)
            start = i + 1
        }
        i += 1
    }
    args.append(String(decoding: b[start..<close], as: UTF8.self).trimmingSpaces)
    return args
}

package final class FTS5VocabModule: VirtualTableModule {
    /// The connection's tokenizers (a target table may use one).
    let tokenizers: TokenizerRegistry?
    package init(tokenizers: TokenizerRegistry? = nil) { self.tokenizers = tokenizers }
    package var kind: VirtualTableModuleKind { .ordinary }
    package func connect(_ context: VirtualTableContext) throws -> any VirtualTable {
        try FTS5VocabTable(context, tokenizers: tokenizers)
    }
}

final class FTS5VocabTable: VirtualTable {
    enum Kind: String { case row, col, instance }
    let kind: Kind
    let target: String
    let host: any VirtualTableHost
    let tokenizers: TokenizerRegistry?

    init(_ context: VirtualTableContext, tokenizers: TokenizerRegistry?) throws {
        self.tokenizers = tokenizers
        guard context.arguments.count == 2 else { throw DatabaseError(.error, "wrong number of vtable arguments") }
        target = FTS5Config.dequote(context.arguments[0])
        let type = FTS5Config.dequote(context.arguments[1]).lowercased()
        guard let k = Kind(rawValue: type) else {
            throw DatabaseError(.error, "fts5vocab: unknown table type: '\(FTS5Config.dequote(context.arguments[1]))'")
        }
        kind = k
        host = context.host
    }

    var declaredSchema: String {
        switch kind {
        case .row: return "CREATE TABLE x(term, doc, cnt)"
        case .col: return "CREATE TABLE x(term, col, doc, cnt)"
        case .instance: return "CREATE TABLE x(term, doc, col, offset)"
        }
    }

    func bestIndex(_ info: inout IndexInfo) throws {
        info.estimatedCost = 1_000_000
    }

    func open() throws -> any VirtualTableCursor { FTS5VocabCursor(self) }

    /// Every row of the view.
    func rows() throws -> [[Value]] {
        let found = try host.query("SELECT sql FROM sqlite_schema WHERE type = 'table' AND lower(name) = lower(?)", [.text(target)])
        guard case .text(let sql)? = found.first?.first, sql.lowercased().contains("fts5") else {
            throw DatabaseError(.error, "no such fts5 table: main.\(target)")
        }
        let config = try FTS5Config(name: target, arguments: virtualTableArguments(sql), tokenizers: tokenizers)
        let core = try FTS5Core(config: config, store: HostIndexStore(host: host, table: target), tokenizers: tokenizers)
        var out: [[Value]] = []
        for t in try core.index.allEntries() where t.term.first == 0x30 {
            let term = Value.text(String(decoding: t.term.dropFirst(), as: UTF8.self))
            var perColumn: [Int: (docs: Int, count: Int)] = [:]
            var docs = 0, count = 0
            // detail=column holds (0, column) per column, detail=none one (0, 0): counts of
            // what the index does not hold are NULL, as in SQLite.
            let detail = config.detail
            for e in t.entries {
                var ps = try decodePoslist(e.poslist)
                if detail == .column { ps = ps.map { Position(column: $0.offset, offset: 0) } }
                guard !ps.isEmpty else { continue }
                docs += 1
                count += ps.count
                var seen = Set<Int>()
                for p in ps {
                    var c = perColumn[p.column] ?? (0, 0)
                    if seen.insert(p.column).inserted { c.docs += 1 }
                    c.count += 1
                    perColumn[p.column] = c
                    if kind == .instance {
                        let name: Value = detail == .none ? .null : .text(p.column < config.columns.count ? config.columns[p.column] : "")
                        out.append([term, .integer(e.rowid), name, detail == .full ? .integer(Int64(p.offset)) : .null])
                    }
                }
            }
            switch kind {
            case .row: if docs > 0 { out.append([term, .integer(Int64(docs)), detail == .full ? .integer(Int64(count)) : .null]) }
            case .col:
                if detail == .none {
                    if docs > 0 { out.append([term, .null, .integer(Int64(docs)), .null]) }
                    break
                }
                for c in perColumn.keys.sorted() {
                    guard let v = perColumn[c] else { continue }
                    let name = c < config.columns.count ? config.columns[c] : ""
                    out.append([term, .text(name), .integer(Int64(v.docs)), detail == .full ? .integer(Int64(v.count)) : .null])
                }
            case .instance: break
            }
        }
        return out
    }
}

final class FTS5VocabCursor: VirtualTableCursor {
    let table: FTS5VocabTable
    var data: [[Value]] = []
    var position = 0
    init(_ t: FTS5VocabTable) { table = t }
    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        data = try table.rows()
        position = 0
    }
    func next() throws { position += 1 }
    var eof: Bool { position >= data.count }
    func column(_ i: Int) throws -> Value { position < data.count && i < data[position].count ? data[position][i] : .null }
    func rowid() throws -> Int64 { Int64(position + 1) }
}
