// This file implements the FTS5 index over %_data/%_idx: pending (uncommitted) token data,
// flushing it into level-0 segments, automerge/crisismerge/optimize, and term lookups that
// combine every segment (newest first) with delete markers.
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Index.
import LoomBase

/// Where the index keeps its records: %_data (id → block) and %_idx.
package protocol IndexStore: AnyObject {
    func data(_ id: Int64) throws -> [UInt8]?
    func putData(_ id: Int64, _ block: [UInt8]) throws
    func deleteData(_ range: ClosedRange<Int64>) throws
    func putIdx(segment: Int, term: [UInt8], pgno: Int64) throws
    func deleteIdx(segment: Int) throws
    /// Every %_data and %_idx row ('delete-all', 'rebuild': sqlite3 empties both tables).
    func deleteEverything() throws
    /// The largest pgno of `segment` whose term is <= `term` (nil: none).
    func idxPage(segment: Int, atOrBefore term: [UInt8]) throws -> Int64?
}

/// An in-memory store (tests and tools).
package final class MemoryIndexStore: IndexStore {
    package var blocks: [Int64: [UInt8]] = [:]
    package var idx: [Int: [([UInt8], Int64)]] = [:]
    package init() {}
    package func data(_ id: Int64) throws -> [UInt8]? { blocks[id] }
    package func putData(_ id: Int64, _ block: [UInt8]) throws { blocks[id] = block }
    package func deleteData(_ range: ClosedRange<Int64>) throws { blocks = blocks.filter { !range.contains($0.key) } }
    package func putIdx(segment: Int, term: [UInt8], pgno: Int64) throws {
        idx[segment, default: []].removeAll { $0.0 == term }
        idx[segment, default: []].append((term, pgno))
        idx[segment]?.sort { $0.0.lexicographicallyPrecedes($1.0) }
    }
    package func deleteIdx(segment: Int) throws { idx[segment] = nil }
    package func deleteEverything() throws { blocks = [:]; idx = [:] }
    package func idxPage(segment: Int, atOrBefore term: [UInt8]) throws -> Int64? {
        idx[segment]?.last(where: { !term.lexicographicallyPrecedes($0.0) })?.1
    }
}

/// Index settings kept in %_config.
package struct IndexSettings: Sendable {
    package var pageSize = 4050
    package var automerge = 4
    package var crisismerge = 16
    package var usermerge = 4
    package init() {}
}

/// The full-text index of one FTS5 table.
package final class FTS5Index {
    package let store: any IndexStore
    package var settings = IndexSettings()
    /// Prefix index lengths in characters (index i + 1 uses term prefix byte "1" + i).
    package let prefixes: [Int]
    /// What position lists hold. Pending data and decoded entries always use detail=full's
    /// encoding: detail=column keeps one position (0, column) per column holding the term,
    /// detail=none one position (0, 0); only the writer and reader of leaves differ.
    package let detail: FTS5Config.Detail

    /// Pending data of one term: its entries in arrival order (rowid, delete flag, start of
    /// the position list in `bytes`) and the position-list writer state of the last entry.
    private final class Pending {
        var rowids: [Int64] = []
        var deletes: [Bool] = []
        var starts: [Int] = []
        var bytes: [UInt8] = []
        var column = 0
        var previous = 0
        /// Whether the last entry holds a position yet (detail=column/none repeat positions).
        var any = false
        /// False once a rowid arrived that is not above the last one (sorted at flush).
        var ordered = true

        func startEntry(_ rowid: Int64, delete: Bool) {
            if let last = rowids.last, rowid <= last { ordered = false }
            rowids.append(rowid)
            deletes.append(delete)
            starts.append(bytes.count)
            column = 0
            previous = 0
            any = false
        }

        func append(_ p: Position) {
            if any && p.column == column && p.offset == previous { return }
            any = true
            if p.column != column {
                bytes.append(0x01)
                putVarint(UInt64(p.column), &bytes)
                column = p.column
                previous = 0
            }
            let d = UInt64(p.offset - previous + 2)
            if d < 0x80 { bytes.append(UInt8(d)) } else { putVarint(d, &bytes) }
            previous = p.offset
        }

        func end(_ i: Int) -> Int { i + 1 < starts.count ? starts[i + 1] : bytes.count }

        /// The entries by ascending rowid, each rowid once: a delete marker drops what came
        /// before it for that rowid, positions added later for the same rowid follow it.
        func sortedEntries() throws -> [(rowid: Int64, delete: Bool, poslist: [UInt8])] {
            var merged: [Int64: (delete: Bool, positions: [Position])] = [:]
            for i in rowids.indices {
                let ps = try decodePoslist(Array(bytes[starts[i]..<end(i)]))
                if deletes[i] {
                    merged[rowids[i]] = (true, ps)
                } else {
                    merged[rowids[i], default: (false, [])].positions.append(contentsOf: ps)
                }
            }
            return merged.keys.sorted().compactMap { r in
                guard let e = merged[r] else { return nil }
                var w = PoslistWriter()
                var previous: Position? = nil
                for p in e.positions.sorted() where p != previous { w.append(p); previous = p }
                return (r, e.delete, w.bytes)
            }
        }
    }
    /// A term as a dictionary key hashed in one call over its bytes.
    private struct TermKey: Hashable {
        var bytes: [UInt8]
        func hash(into h: inout Hasher) { bytes.withUnsafeBytes { h.combine(bytes: $0) } }
    }
    private var pending: [TermKey: Pending] = [:]
    private var pendingCount = 0
    private var cachedStructure: Structure? = nil

    package init(store: any IndexStore, prefixes: [Int] = [], detail: FTS5Config.Detail = .full) {
        self.store = store
        self.prefixes = prefixes
        self.detail = detail
    }

    /// A new segment writer for this index's page size and detail.
    func segmentWriter() -> SegmentWriter {
        SegmentWriter(pageSize: settings.pageSize, detailNone: detail == .none)
    }

    // MARK: Structure

    package func structure() throws -> Structure {
        if let s = cachedStructure { return s }
        let s = try store.data(DataID.structure).map { try Structure(decoding: $0) } ?? Structure()
        cachedStructure = s
        return s
    }

    /// Writes the structure record. Its cookie is SQLite's configuration cookie: kept here,
    /// bumped by `bumpCookie` when %_config changes.
    private func writeStructure(_ s: Structure) throws {
        try store.putData(DataID.structure, s.encoded())
        cachedStructure = s
    }

    /// A %_config value changed: the structure record's cookie goes up by one.
    package func bumpCookie() throws {
        var s = try structure()
        s.cookie &+= 1
        try writeStructure(s)
    }

    /// Forgets cached state (after a rollback or another connection's write).
    package func reset() {
        cachedStructure = nil
        pending = [:]
        pendingCount = 0
        clearMark()
    }

    /// Creates the empty structure record (CREATE VIRTUAL TABLE).
    package func initialize() throws {
        // sqlite3 writes an empty averages record (id 1), then the empty structure (id 10).
        try store.putData(DataID.averages, [])
        try store.putData(DataID.structure, Structure().encoded())
        cachedStructure = Structure()
    }

    // MARK: Writing

    /// The index terms (main and prefix indexes) of one token.
    package func indexTerms(_ token: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = [[0x30] + token]
        guard !prefixes.isEmpty else { return out }
        // Character boundaries of the token.
        var bounds: [Int] = []
        for (i, b) in token.enumerated() where b & 0xC0 != 0x80 { bounds.append(i) }
        bounds.append(token.count)
        for (k, n) in prefixes.enumerated() where bounds.count - 1 >= n {
            out.append([UInt8(0x31 + k)] + token.prefix(bounds[n]))
        }
        return out
    }

    private func pendingTerm(_ term: [UInt8]) -> Pending {
        let key = TermKey(bytes: term)
        if let p = pending[key] {
            if marks != nil { touch(key, p) }
            return p
        }
        if marks != nil, marks?[key] == nil { marks?[key] = .new }
        let p = Pending()
        pending[key] = p
        return p
    }

    // MARK: Statement marks

    /// A term's pending state when the running statement first touched it.
    private enum TermMark {
        case new
        case state(count: Int, lastBytes: [UInt8], lastDelete: Bool, column: Int, previous: Int, any: Bool, ordered: Bool)
    }
    /// The statement mark (SQLite's statement savepoint, without writing pending data out):
    /// nil when none is set.
    private var marks: [TermKey: TermMark]? = nil
    private var pendingCountAtMark = 0
    /// The pending data as it was at the mark, kept when a flush inside the statement
    /// emptied it (the flushed segment goes away with the pager's statement savepoint).
    private var pendingAtMark: [TermKey: Pending]? = nil

    private func touch(_ key: TermKey, _ p: Pending) {
        guard marks?[key] == nil else { return }
        let last = p.starts.last.map { Array(p.bytes[$0...]) } ?? []
        marks?[key] = .state(count: p.rowids.count, lastBytes: last, lastDelete: p.deletes.last ?? false,
                             column: p.column, previous: p.previous, any: p.any, ordered: p.ordered)
    }

    /// Starts a statement mark on the pending data.
    package func setMark() {
        marks = [:]
        pendingCountAtMark = pendingCount
        pendingAtMark = nil
    }

    /// The statement succeeded: the mark goes.
    package func clearMark() {
        marks = nil
        pendingAtMark = nil
    }

    /// The statement failed: pending data goes back to the mark (the pager's savepoint took
    /// care of anything written); the cached structure is read again.
    package func rollbackToMark() {
        defer { clearMark(); cachedStructure = nil }
        if let saved = pendingAtMark {
            pending = saved
            pendingCount = pendingCountAtMark
            return
        }
        guard let marks else { return }
        Self.restore(&pending, marks)
        pendingCount = pendingCountAtMark
    }

    private static func restore(_ pending: inout [TermKey: Pending], _ marks: [TermKey: TermMark]) {
        for (key, m) in marks {
            switch m {
            case .new:
                pending[key] = nil
            case .state(let count, let lastBytes, let lastDelete, let column, let previous, let any, let ordered):
                guard let p = pending[key], count >= 1, count <= p.rowids.count else { continue }
                let lastStart = p.starts[count - 1]
                p.rowids.removeSubrange(count...)
                p.deletes.removeSubrange(count...)
                p.starts.removeSubrange(count...)
                p.bytes.removeSubrange(lastStart...)
                p.bytes.append(contentsOf: lastBytes)
                p.deletes[count - 1] = lastDelete
                p.column = column
                p.previous = previous
                p.any = any
                p.ordered = ordered
            }
        }
    }

    /// Before a flush inside a marked statement: a copy of the pending data as at the mark.
    private func savePendingAtMark() {
        guard let marks, pendingAtMark == nil else { return }
        var copy: [TermKey: Pending] = [:]
        for (key, p) in pending {
            let c = Pending()
            c.rowids = p.rowids; c.deletes = p.deletes; c.starts = p.starts; c.bytes = p.bytes
            c.column = p.column; c.previous = p.previous; c.any = p.any; c.ordered = p.ordered
            copy[key] = c
        }
        Self.restore(&copy, marks)
        pendingAtMark = copy
        self.marks = [:]
    }

    /// Records an occurrence of `token` in row `rowid` (positions must arrive in order).
    package func add(rowid: Int64, token: [UInt8], at position: Position) {
        let position = detail == .full ? position
            : Position(column: 0, offset: detail == .column ? position.column : 0)
        var key = [UInt8]()
        key.reserveCapacity(token.count + 1)
        key.append(0x30)
        key.append(contentsOf: token)
        addTerm(key, rowid: rowid, at: position)
        if !prefixes.isEmpty {
            for term in indexTerms(token).dropFirst() { addTerm(term, rowid: rowid, at: position) }
        }
    }

    private func addTerm(_ term: [UInt8], rowid: Int64, at position: Position) {
        let p = pendingTerm(term)
        if p.rowids.last != rowid { p.startEntry(rowid, delete: false) }
        p.append(position)
        pendingCount += 1
    }

    /// Records that row `rowid` no longer holds `token` (a delete marker).
    package func remove(rowid: Int64, token: [UInt8]) {
        for term in indexTerms(token) {
            let p = pendingTerm(term)
            if p.rowids.last == rowid, let start = p.starts.last {
                // The row's pending entry gives way to the marker.
                p.bytes.removeSubrange(start...)
                p.deletes[p.deletes.count - 1] = true
                p.column = 0
                p.previous = 0
            } else {
                p.startEntry(rowid, delete: true)
            }
            pendingCount += 1
        }
    }

    package var hasPending: Bool { !pending.isEmpty }

    /// Writes pending data as a new level-0 segment and runs the automerge.
    package func flush() throws {
        guard !pending.isEmpty else { return }
        if marks != nil { savePendingAtMark() }
        let terms = pending.keys.map(\.bytes).sorted(by: { $0.lexicographicallyPrecedes($1) })
        var s = try structure()
        let id = try s.newSegmentID()
        var w = segmentWriter()
        for term in terms {
            guard let p = pending[TermKey(bytes: term)], !p.rowids.isEmpty else { continue }
            w.beginTerm(term)
            if p.ordered {
                for i in p.rowids.indices {
                    w.addEntry(rowid: p.rowids[i], delete: p.deletes[i], poslist: p.bytes[p.starts[i]..<p.end(i)])
                }
            } else {
                for e in try p.sortedEntries() { w.addEntry(rowid: e.rowid, delete: e.delete, poslist: e.poslist[...]) }
            }
        }
        pending = [:]
        pendingCount = 0
        let seg = try store(w.finish(), id: id)
        if s.levels.isEmpty { s.levels.append(Structure.Level()) }
        s.levels[0].segments.append(seg)
        s.writeCounter &+= UInt64(seg.lastPage)
        try autoMerge(&s)
        try writeStructure(s)
    }

    private func store(_ written: WrittenSegment, id: Int) throws -> Structure.Segment {
        for (i, p) in written.pages.enumerated() { try store.putData(DataID.leaf(segment: id, page: i + 1), p) }
        for d in written.dlidx { try store.putData(DataID.dlidx(segment: id, height: d.height, page: d.page), d.bytes) }
        for row in written.idxRows { try store.putIdx(segment: id, term: row.term, pgno: row.pgno) }
        return Structure.Segment(id: id, firstPage: 1, lastPage: written.pages.count)
    }

    private func writeSegment(_ terms: [TermDoclist], structure s: Structure) throws -> Structure.Segment {
        let id = try s.newSegmentID()
        var w = segmentWriter()
        for t in terms where !t.entries.isEmpty { w.append(t) }
        return try store(w.finish(), id: id)
    }

    /// Merges whole levels: any level holding `automerge` (or `crisismerge`) segments is
    /// merged into one segment on the next level.
    private func autoMerge(_ s: inout Structure) throws {
        var level = 0
        while level < s.levels.count {
            let n = s.levels[level].segments.count
            let limit = settings.automerge > 1 ? settings.automerge : settings.crisismerge
            if n >= max(limit, 2) {
                try mergeLevel(&s, level, into: level + 1)
            }
            level += 1
        }
    }

    /// Merges every segment of `level` (and, for optimize, every level) into one segment
    /// appended to level `target`.
    private func mergeLevel(_ s: inout Structure, _ level: Int, into target: Int) throws {
        let inputs = s.levels[level].segments
        guard !inputs.isEmpty else { return }
        let olderExists = s.levels.indices.contains { $0 > level && !s.levels[$0].segments.isEmpty }
        let merged = try mergedTerms(inputs.reversed(), dropDeletes: !olderExists)
        s.levels[level].segments = []
        // A whole-level merge finishes any incremental merge SQLite left in progress: the
        // partly written output stays (older) in the next level, the inputs' rest moves on.
        s.levels[level].mergeInputs = 0
        for seg in inputs { try dropSegment(seg.id) }
        while s.levels.count <= target { s.levels.append(Structure.Level()) }
        if !merged.isEmpty {
            let seg = try writeSegment(merged, structure: s)
            s.levels[target].segments.append(seg)
        }
        while let last = s.levels.last, last.segments.isEmpty, s.levels.count > 1 { s.levels.removeLast() }
        if s.levels.count == 1 && s.levels[0].segments.isEmpty { s.levels = [] }
    }

    private func dropSegment(_ id: Int) throws {
        try store.deleteData(DataID.range(segment: id))
        try store.deleteIdx(segment: id)
    }

    /// Every term of the given segments (newest first), newest entry winning per rowid.
    private func mergedTerms(_ newestFirst: [Structure.Segment], dropDeletes: Bool) throws -> [TermDoclist] {
        var all: [[UInt8]: [Int64: DoclistEntry]] = [:]
        for seg in newestFirst {
            try readSegment(pages: seg.firstPage, seg.lastPage, detailNone: detail == .none, fetch: { try self.store.data(DataID.leaf(segment: seg.id, page: $0)) }) { t in
                var rows = all[t.term, default: [:]]
                for e in t.entries where rows[e.rowid] == nil { rows[e.rowid] = e }
                all[t.term] = rows
                return true
            }
        }
        var out: [TermDoclist] = []
        for term in all.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let rows = all[term] else { continue }
            var entries: [DoclistEntry] = []
            for r in rows.keys.sorted() {
                guard var e = rows[r] else { continue }
                if dropDeletes {
                    if e.delete && e.poslist.isEmpty { continue }
                    e.delete = false
                }
                entries.append(e)
            }
            if !entries.isEmpty { out.append(TermDoclist(term: term, entries: entries)) }
        }
        return out
    }

    /// 'optimize': merges every segment into one.
    package func optimize() throws {
        try flush()
        var s = try structure()
        guard s.segmentCount > 1 else { return }
        let inputs = s.levels.flatMap { $0.segments.reversed() }
        let merged = try mergedTerms(inputs, dropDeletes: true)
        for seg in inputs { try dropSegment(seg.id) }
        s.levels = Array(repeating: Structure.Level(), count: s.levels.count)
        if !merged.isEmpty {
            let seg = try writeSegment(merged, structure: s)
            s.levels[s.levels.count - 1].segments.append(seg)
        } else {
            s.levels = []
        }
        try writeStructure(s)
    }

    /// 'merge' with a page budget: merges the lowest level with at least 2 segments.
    package func merge(_ n: Int) throws {
        try flush()
        var s = try structure()
        let minimum = n < 0 ? 2 : max(settings.usermerge, 2)
        if let level = s.levels.indices.first(where: { s.levels[$0].segments.count >= minimum }) {
            try mergeLevel(&s, level, into: level + 1)
            try writeStructure(s)
        }
    }

    /// Deletes every segment ('delete-all', 'rebuild').
    /// Empties the index as sqlite3's 'delete-all' does: every %_data and %_idx row goes
    /// (structure and averages records too); `initialize()` writes them again.
    package func deleteAll() throws {
        if marks != nil { savePendingAtMark() }
        pending = [:]
        pendingCount = 0
        try store.deleteEverything()
        cachedStructure = Structure()
    }

    // MARK: Reading

    /// The live positions of one index term, or of every term with a prefix, merged across
    /// segments (newest wins, delete markers hide rows). Flushes pending data first.
    package func lookup(_ key: [UInt8], prefix: Bool) throws -> [Int64: [Position]] {
        try flush()
        let s = try structure()
        var result: [Int64: [Position]] = [:]
        var decided: [[UInt8]: Set<Int64>] = [:]
        for seg in s.levels.flatMap({ $0.segments.reversed() }) {
            let start = try store.idxPage(segment: seg.id, atOrBefore: key).map { Int($0 >> 1) } ?? seg.firstPage
            guard start <= seg.lastPage else { continue }
            try readSegment(pages: seg.firstPage, seg.lastPage, from: max(start, seg.firstPage), detailNone: detail == .none,
                            fetch: { try self.store.data(DataID.leaf(segment: seg.id, page: $0)) }) { t in
                let matches = prefix ? (t.term.count >= key.count && t.term.prefix(key.count).elementsEqual(key)) : t.term == key
                guard matches else { return t.term.lexicographicallyPrecedes(key) }
                for e in t.entries where !(decided[t.term]?.contains(e.rowid) ?? false) {
                    decided[t.term, default: []].insert(e.rowid)
                    if !(e.delete && e.poslist.isEmpty) { result[e.rowid, default: []].append(contentsOf: try decodePoslist(e.poslist)) }
                }
                return prefix
            }
        }
        if prefix { for k in result.keys { result[k]?.sort() } }
        return result
    }

    /// Every live (term, rowid, poslist) of the index, terms ascending (integrity checks, vocab).
    package func allEntries() throws -> [TermDoclist] {
        try flush()
        let s = try structure()
        return try mergedTerms(s.levels.flatMap { $0.segments.reversed() }, dropDeletes: true)
    }
}

