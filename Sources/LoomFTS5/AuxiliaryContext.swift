// This file implements custom FTS5 auxiliary functions: the function record a connection
// registers and the context it receives for the current row of an fts5 cursor (SQLite's
// Fts5ExtensionApi: phrases, columns, sizes, instances, tokenize).
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Custom tokenizers and auxiliary functions.
import LoomBase
import LoomRecord
import LoomVDBE

/// An auxiliary function registered on a connection (`fts5_api.xCreateFunction`): called as
/// `name(table, args…)` in a query on an fts5 table (or named by the table's `rank`), it
/// receives the context of the row and the arguments after the table column.
package struct FTS5AuxiliaryFunction: Sendable {
    package let name: String
    package let body: @Sendable (FTS5AuxiliaryContext, [Value]) throws -> Value
    package init(name: String, body: @escaping @Sendable (FTS5AuxiliaryContext, [Value]) throws -> Value) {
        self.name = name
        self.body = body
    }
}

/// One phrase instance in the current row: phrase number (query order), column, and the
/// token offset of its first token in that column.
package struct FTS5Instance: Equatable, Sendable {
    package var phrase: Int
    package var column: Int
    package var offset: Int
    package init(phrase: Int, column: Int, offset: Int) { self.phrase = phrase; self.column = column; self.offset = offset }
}

/// The current row of an fts5 cursor as an auxiliary function sees it. Valid during the call.
package final class FTS5AuxiliaryContext {
    let cursor: FTS5Cursor
    init(cursor: FTS5Cursor) { self.cursor = cursor }

    /// xColumnCount: the table's declared columns.
    package var columnCount: Int { cursor.table.n }
    /// xPhraseCount: phrases of the MATCH query (0 without one).
    package var phraseCount: Int { cursor.match?.phrases.count ?? 0 }
    /// xPhraseSize: tokens of phrase `i` (0 when out of range).
    package func phraseSize(_ i: Int) -> Int {
        guard let m = cursor.match, i >= 0, i < m.phrases.count else { return 0 }
        return m.phrases[i].terms.count
    }
    /// Rows of the table matching phrase `i` on its own (bm25's n(qi)).
    package func phraseRowCount(_ i: Int) -> Int {
        guard let m = cursor.match, i >= 0, i < m.phraseRowCounts.count else { return 0 }
        return m.phraseRowCounts[i]
    }
    /// xRowid.
    package func rowid() throws -> Int64 { try cursor.rowid() }
    /// xColumnText: column `c` of the row (nil: NULL, out of range, or contentless).
    package func columnText(_ c: Int) throws -> [UInt8]? {
        let values = try cursor.values()
        guard c >= 0, c < values.count else { return nil }
        return values[c].textBytesForFTS
    }
    /// xColumnSize: tokens in column `c` of the row; `c` < 0: the whole row.
    package func columnSize(_ c: Int) throws -> Int {
        let sizes = try cursor.table.docsize(try cursor.rowid())
        if c < 0 { return sizes.reduce(0, +) }
        return c < sizes.count ? sizes[c] : 0
    }
    /// xRowCount: rows in the table.
    package func rowCount() throws -> Int64 { try cursor.table.core.averages().rowCount }
    /// xColumnTotalSize: tokens in column `c` over every row; `c` < 0: every column.
    package func columnTotalSize(_ c: Int) throws -> Int64 {
        let totals = try cursor.table.core.averages().columnTotals
        if c < 0 { return totals.reduce(0, &+) }
        return c < totals.count ? totals[c] : 0
    }
    /// xInstCount / xInst: every phrase instance in the row, by column, offset, phrase.
    package func instances() throws -> [FTS5Instance] {
        let r = try cursor.rowid()
        try cursor.prepareInstances(r)
        guard let m = cursor.match else { return [] }
        var out: [FTS5Instance] = []
        for (phrase, positions) in m.instances(r) {
            for p in positions { out.append(FTS5Instance(phrase: phrase, column: p.column, offset: p.offset)) }
        }
        out.sort { ($0.column, $0.offset, $0.phrase) < ($1.column, $1.offset, $1.phrase) }
        return out
    }
    /// xTokenize: `text` through the table's tokenizer (colocated synonyms included).
    package func tokenize(_ text: [UInt8]) -> [Token] {
        var out: [Token] = []
        cursor.table.core.tokenizer.tokenize(text, reason: .document) { out.append($0) }
        return out
    }
}
