// This file implements the FTS5 table core without SQL: tokenizing rows into the index,
// delete markers for removed rows, the averages record and %_docsize blobs.
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Index.
import LoomBase

package final class FTS5Core {
    package let config: FTS5Config
    package let tokenizer: any Tokenizer
    package let index: FTS5Index
    private var averagesCache: Averages? = nil
    private var averagesDirty = false

    package init(config: FTS5Config, store: any IndexStore, tokenizers: TokenizerRegistry? = nil) throws {
        self.config = config
        tokenizer = try makeTokenizer(config.tokenize, registry: tokenizers)
        index = FTS5Index(store: store, prefixes: config.prefixes, detail: config.detail)
    }

    package func averages() throws -> Averages {
        if let a = averagesCache { return a }
        let a = try index.store.data(DataID.averages).map { try Averages(decoding: $0, columns: config.columns.count) }
            ?? Averages(columns: config.columns.count)
        averagesCache = a
        return a
    }

    /// Token counts per column of a row (what %_docsize stores).
    package func tokenCounts(_ values: [[UInt8]?]) -> [Int] {
        config.columns.indices.map { c in
            guard !config.unindexed[c], c < values.count, let text = values[c] else { return 0 }
            return tokenizer.positionedTokens(text) { _, _ in }
        }
    }

    /// Adds a row's tokens to the pending index data; returns the token count per column.
    @discardableResult
    package func insert(rowid: Int64, values: [[UInt8]?]) throws -> [Int] {
        var sizes: [Int] = []
        for c in config.columns.indices {
            var n = 0
            if !config.unindexed[c], c < values.count, let text = values[c] {
                n = tokenizer.positionedTokens(text) { tok, offset in
                    index.add(rowid: rowid, token: tok.bytes, at: Position(column: c, offset: offset))
                }
            }
            sizes.append(n)
        }
        var a = try averages()
        a.rowCount += 1
        for (c, n) in sizes.enumerated() { a.columnTotals[c] += Int64(n) }
        averagesCache = a
        averagesDirty = true
        return sizes
    }

    /// Adds delete markers for every token of a row that is going away.
    package func delete(rowid: Int64, values: [[UInt8]?]) throws {
        var sizes: [Int] = []
        for c in config.columns.indices {
            var n = 0
            if !config.unindexed[c], c < values.count, let text = values[c] {
                n = tokenizer.positionedTokens(text) { tok, _ in
                    index.remove(rowid: rowid, token: tok.bytes)
                }
            }
            sizes.append(n)
        }
        var a = try averages()
        a.rowCount -= 1
        for (c, n) in sizes.enumerated() { a.columnTotals[c] -= Int64(n) }
        averagesCache = a
        averagesDirty = true
    }

    /// Writes pending index data and the averages record.
    package func flush() throws {
        try index.flush()
        if averagesDirty, let a = averagesCache {
            averagesDirty = false
            try index.store.putData(DataID.averages, a.encoded())
        }
    }

    /// The averages record is written again at the next flush.
    package func touchAverages() {
        if averagesCache != nil { averagesDirty = true }
    }

    /// Empties the index and averages ('delete-all', start of 'rebuild'); `between` runs
    /// after the shadow rows go and before the empty records are written (sqlite3's order).
    package func deleteAll(between: () throws -> Void = {}) throws {
        try index.deleteAll()
        try between()
        averagesCache = Averages(columns: config.columns.count)
        averagesDirty = false
        try index.initialize()
    }

    /// Forgets the cached structure and averages when nothing is pending, so a scan sees
    /// what another connection committed (SQLite checks the data version the same way).
    package func refreshIfIdle() {
        guard !index.hasPending, !averagesDirty else { return }
        index.reset()
        averagesCache = nil
    }

    private var averagesAtMark: (cache: Averages?, dirty: Bool)? = nil

    /// A statement inside a transaction starts writing: mark the pending state.
    package func setMark() {
        index.setMark()
        averagesAtMark = (averagesCache, averagesDirty)
    }

    /// The statement ended: kept, or back to the mark.
    package func endMark(rollback: Bool) {
        if rollback {
            index.rollbackToMark()
            if let m = averagesAtMark { averagesCache = m.cache; averagesDirty = m.dirty }
        } else {
            index.clearMark()
        }
        averagesAtMark = nil
    }

    /// Drops cached state (rollback).
    package func reset() {
        averagesAtMark = nil
        index.reset()
        averagesCache = nil
        averagesDirty = false
    }
}
