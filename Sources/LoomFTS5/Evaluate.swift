// This file implements query evaluation over the index: phrases (with prefix terms, ^ and
// column filters), NEAR groups, AND/OR/NOT; and the auxiliary functions bm25(), highlight()
// and snippet() over the phrase instances found. Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Queries.
import LoomBase
import Glibc

/// The rows a query matches, with every phrase instance (start positions) per row.
package struct MatchSet: Sendable {
    /// The matching rows, ascending.
    package var rowids: [Int64] = []
    /// The phrases in query order (numbering used above) and their lengths in tokens.
    package var phrases: [QueryPhrase] = []
    /// Rows matching each phrase on its own (bm25's n(qi)).
    package var phraseRowCounts: [Int] = []
    /// Each phrase's instances (start positions, after NEAR and column filters).
    var phraseHits: [Postings] = []
    /// Per phrase, the row lists (indexes into `nodeRows`) of the nodes on its path to the
    /// root: a phrase reports instances in a row only when every one of them holds the row
    /// (a phrase under a failed AND or the right side of NOT reports none).
    var paths: [[Int]] = []
    var nodeRows: [[Int64]] = []
    /// Each phrase's column filter (nil: every column).
    package var phraseColumns: [[Int]?] = []
    /// detail=column/none: the instances of every phrase in one row, found by re-tokenizing
    /// the row (the index holds no offsets); they replace `phraseHits` for that row.
    package var rowInstances: (rowid: Int64, hits: [[Int64]])? = nil

    package init() {}

    /// The instances of phrase `i` in row `rowid` (packed positions, ascending).
    package func hits(_ i: Int, _ rowid: Int64) -> ArraySlice<Int64> {
        if let ri = rowInstances {
            guard ri.rowid == rowid, i < ri.hits.count, i < paths.count else { return [] }
            for n in paths[i] where !Self.contains(nodeRows[n], rowid) { return [] }
            return ri.hits[i][...]
        }
        guard i < phraseHits.count, let k = phraseHits[i].index(of: rowid) else { return [] }
        for n in paths[i] where !Self.contains(nodeRows[n], rowid) { return [] }
        return phraseHits[i].positions(at: k)
    }

    /// phrase number → instances, for the phrases with instances in `rowid`.
    package func instances(_ rowid: Int64) -> [Int: [Position]] {
        var out: [Int: [Position]] = [:]
        for i in phrases.indices {
            let h = hits(i, rowid)
            if !h.isEmpty { out[i] = h.map { Position(packed: $0) } }
        }
        return out
    }

    package func contains(_ rowid: Int64) -> Bool { Self.contains(rowids, rowid) }

    static func contains(_ list: [Int64], _ rowid: Int64) -> Bool {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let v = list[mid]
            if v == rowid { return true }
            if v < rowid { lo = mid + 1 } else { hi = mid }
        }
        return false
    }
}

package struct QueryEvaluator {
    let index: FTS5Index
    let columnCount: Int

    package init(index: FTS5Index, columnCount: Int) {
        self.index = index
        self.columnCount = columnCount
    }

    package func evaluate(_ node: QueryNode) throws -> MatchSet {
        var set = MatchSet()
        var cache: [[UInt8]: Postings] = [:]
        var path: [Int] = []
        set.rowids = try eval(node, &set, &cache, &path)
        return set
    }

    /// detail=column/none refuse what their index cannot answer, with SQLite's messages, in
    /// query order: multi-token phrases and `^`, NEAR groups of several phrases, and (none)
    /// column filters.
    package static func checkDetail(_ node: QueryNode, _ detail: FTS5Config.Detail) throws {
        guard detail != .full else { return }
        switch node {
        case .empty: return
        case .near(let phrases, _, let columns):
            for p in phrases where p.terms.count > 1 || p.initial {
                throw DatabaseError(.error, "fts5: phrase queries are not supported (detail!=full)")
            }
            if phrases.count > 1 { throw DatabaseError(.error, "fts5: NEAR queries are not supported (detail!=full)") }
            if columns != nil && detail == .none {
                throw DatabaseError(.error, "fts5: column queries are not supported (detail=none)")
            }
        case .and(let items), .or(let items):
            for i in items { try checkDetail(i, detail) }
        case .not(let a, let b):
            try checkDetail(a, detail)
            try checkDetail(b, detail)
        }
    }

    private func termPostings(_ t: QueryTerm, _ cache: inout [[UInt8]: Postings]) throws -> Postings {
        if !t.synonyms.isEmpty {
            // The term's position holds any of its alternatives: their postings merged.
            let lists = try t.alternatives.map { try termPostings(QueryTerm(bytes: $0, prefix: t.prefix), &cache) }
            return Postings.merging(lists)
        }
        let key = [UInt8(t.prefix ? 1 : 0)] + t.bytes
        if let c = cache[key] { return c }
        var r = try index.postings([0x30] + t.bytes, prefix: t.prefix)
        if index.detail == .column {
            // Positions (0, column) become (column, 0) so column filters apply unchanged.
            for k in r.positions.indices { r.positions[k] <<= 32 }
        }
        cache[key] = r
        return r
    }

    /// Start positions of `phrase` per row, restricted to `columns`.
    private func phraseStarts(_ p: QueryPhrase, columns: [Int]?, _ cache: inout [[UInt8]: Postings]) throws -> Postings {
        guard !p.terms.isEmpty else { return Postings() }
        let lists = try p.terms.map { try termPostings($0, &cache) }
        let allColumns = columns == nil || columns?.count == columnCount
        if lists.count == 1 && allColumns && !p.initial { return lists[0] }
        var colMask: [Bool] = Array(repeating: columns == nil, count: columnCount)
        for c in columns ?? [] where c >= 0 && c < columnCount { colMask[c] = true }
        var out = Postings()
        var cursors = Array(repeating: 0, count: lists.count)
        let first = lists[0]
        var candidate: [Int64] = []
        var scratch: [Int64] = []
        rowLoop: for i in 0..<first.count {
            let rowid = first.rowids[i]
            // Advance every other term's cursor to this row.
            for k in 1..<lists.count {
                let l = lists[k]
                var c = cursors[k]
                while c < l.count, l.rowids[c] < rowid { c += 1 }
                cursors[k] = c
                if c >= l.count { break rowLoop }
                if l.rowids[c] != rowid { continue rowLoop }
            }
            candidate.removeAll(keepingCapacity: true)
            for pos in first.positions(at: i) {
                let col = Int(pos >> 32)
                if !allColumns && (col >= columnCount || !colMask[col]) { continue }
                if p.initial && pos & 0xFFFF_FFFF != 0 { continue }
                candidate.append(pos)
            }
            // Keep starts whose k-th successor holds term k.
            for k in 1..<lists.count where !candidate.isEmpty {
                let ps = lists[k].positions(at: cursors[k])
                scratch.removeAll(keepingCapacity: true)
                var j = ps.startIndex
                for s in candidate {
                    let want = s + Int64(k)
                    while j < ps.endIndex, ps[j] < want { j += 1 }
                    if j < ps.endIndex, ps[j] == want { scratch.append(s) }
                }
                swap(&candidate, &scratch)
            }
            if !candidate.isEmpty {
                out.positions.append(contentsOf: candidate)
                out.closeEntry(rowid)
            }
        }
        return out
    }

    private func eval(_ node: QueryNode, _ set: inout MatchSet, _ cache: inout [[UInt8]: Postings],
                      _ path: inout [Int]) throws -> [Int64] {
        switch node {
        case .empty: return []
        case .near(let phrases, let distance, let columns):
            var per: [Postings] = []
            for p in phrases {
                let starts = try phraseStarts(p, columns: columns, &cache)
                set.phrases.append(p)
                set.phraseColumns.append(columns)
                set.phraseRowCounts.append(starts.count)
                set.paths.append(path)
                per.append(starts)
            }
            guard per.count > 1 else {
                guard let only = per.first else { return [] }
                set.phraseHits.append(only)
                return only.rowids
            }
            // Rows holding every phrase, then the NEAR filter on their instances.
            var filtered = Array(repeating: Postings(), count: per.count)
            var cursors = Array(repeating: 0, count: per.count)
            var rows: [Int64] = []
            let lengths = phrases.map { $0.terms.count }
            rowLoop: for i in 0..<per[0].count {
                let rowid = per[0].rowids[i]
                cursors[0] = i
                for k in 1..<per.count {
                    var c = cursors[k]
                    while c < per[k].count, per[k].rowids[c] < rowid { c += 1 }
                    cursors[k] = c
                    if c >= per[k].count { break rowLoop }
                    if per[k].rowids[c] != rowid { continue rowLoop }
                }
                let lists = (0..<per.count).map { k in per[k].positions(at: cursors[k]).map { Position(packed: $0) } }
                let kept = nearFilter(lists, lengths: lengths, distance: distance)
                guard kept.allSatisfy({ !$0.isEmpty }) else { continue }
                for k in kept.indices {
                    filtered[k].positions.append(contentsOf: kept[k].map(\.packed))
                    filtered[k].closeEntry(rowid)
                }
                rows.append(rowid)
            }
            set.phraseHits.append(contentsOf: filtered)
            return rows
        case .and(let items):
            return try combine(items, &set, &cache, &path) { a, b in intersect(a, b) }
        case .or(let items):
            return try combine(items, &set, &cache, &path) { a, b in union(a, b) }
        case .not(let a, let b):
            let slot = set.nodeRows.count
            set.nodeRows.append([])
            path.append(slot)
            let l = try eval(a, &set, &cache, &path)
            path.removeLast()
            // The right side's phrases never report instances: an empty list on their path.
            let never = set.nodeRows.count
            set.nodeRows.append([])
            path.append(never)
            let r = try eval(b, &set, &cache, &path)
            path.removeLast()
            let result = difference(l, r)
            set.nodeRows[slot] = result
            return result
        }
    }

    private func combine(_ items: [QueryNode], _ set: inout MatchSet, _ cache: inout [[UInt8]: Postings],
                         _ path: inout [Int], _ op: ([Int64], [Int64]) -> [Int64]) throws -> [Int64] {
        let slot = set.nodeRows.count
        set.nodeRows.append([])
        var acc: [Int64]? = nil
        for item in items {
            // Each child's own rows are on its phrases' paths (an OR branch that did not
            // match the row reports nothing), then this node's rows.
            let childSlot = set.nodeRows.count
            set.nodeRows.append([])
            path.append(slot)
            path.append(childSlot)
            let r = try eval(item, &set, &cache, &path)
            path.removeLast(2)
            set.nodeRows[childSlot] = r
            acc = acc.map { op($0, r) } ?? r
        }
        set.nodeRows[slot] = acc ?? []
        return acc ?? []
    }

    /// Keeps the instances of each phrase that belong to at least one clump where the
    /// tokens between the earliest phrase end and the latest phrase start number ≤ distance.
    private func nearFilter(_ lists: [[Position]], lengths: [Int], distance: Int) -> [[Position]] {
        var kept = lists.map { _ in Set<Position>() }
        // Each candidate "earliest end" B: every phrase needs an instance in the same column
        // with end ≥ B and start ≤ B + distance.
        for (i, l) in lists.enumerated() {
            for b in l {
                let col = b.column
                let bEnd = b.offset + lengths[i]
                var chosen: [[Position]] = []
                var ok = true
                for (j, lj) in lists.enumerated() {
                    let c = lj.filter { $0.column == col && $0.offset + lengths[j] >= bEnd && $0.offset <= bEnd + distance }
                    if c.isEmpty { ok = false; break }
                    chosen.append(c)
                }
                if ok { for (j, c) in chosen.enumerated() { kept[j].formUnion(c) } }
            }
        }
        return kept.map { $0.sorted() }
    }
}

/// Sorted-list set operations on rowids.
func intersect(_ a: [Int64], _ b: [Int64]) -> [Int64] {
    var out: [Int64] = []
    out.reserveCapacity(min(a.count, b.count))
    var i = 0, j = 0
    while i < a.count && j < b.count {
        let x = a[i], y = b[j]
        if x == y { out.append(x); i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
    }
    return out
}

func union(_ a: [Int64], _ b: [Int64]) -> [Int64] {
    var out: [Int64] = []
    out.reserveCapacity(a.count + b.count)
    var i = 0, j = 0
    while i < a.count || j < b.count {
        if j >= b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 }
        else if i >= a.count || b[j] < a[i] { out.append(b[j]); j += 1 }
        else { out.append(a[i]); i += 1; j += 1 }
    }
    return out
}

func difference(_ a: [Int64], _ b: [Int64]) -> [Int64] {
    var out: [Int64] = []
    out.reserveCapacity(a.count)
    var j = 0
    for x in a {
        while j < b.count && b[j] < x { j += 1 }
        if j < b.count && b[j] == x { continue }
        out.append(x)
    }
    return out
}

// MARK: Auxiliary functions

package enum Auxiliary {
    /// bm25 with k1 = 1.2, b = 0.75; `weights` per column (default 1). Lower is better.
    package static func bm25(match: MatchSet, rowid: Int64, documentLength: Int, averages: Averages,
                             weights: [Double]) -> Double {
        let k1 = 1.2, b = 0.75
        let n = Double(averages.rowCount)
        let totalTokens = averages.columnTotals.reduce(0, +)
        let avgdl = n > 0 ? Double(totalTokens) / n : 1
        let dl = Double(documentLength)
        var score = 0.0
        for i in match.phrases.indices {
            let nq = Double(match.phraseRowCounts[i])
            var idf = ((n - nq + 0.5) / (nq + 0.5)).logarithm
            if idf <= 0 { idf = 1e-6 }
            var f = 0.0
            for p in match.hits(i, rowid) {
                let c = Int(p >> 32)
                f += c < weights.count ? weights[c] : 1
            }
            score += idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + b * dl / avgdl)))
        }
        return -score
    }

    /// The text of column `column` with every phrase instance wrapped in open/close.
    package static func highlight(text: [UInt8], column: Int, tokenizer: any Tokenizer, match: MatchSet, rowid: Int64,
                                  open: [UInt8], close: [UInt8]) -> [UInt8] {
        highlight(text: text, column: column, tokenizer: tokenizer, instances: match.instances(rowid), phrases: match.phrases,
                  open: open, close: close)
    }

    /// highlight over given phrase instances (phrase number → start positions).
    package static func highlight(text: [UInt8], column: Int, tokenizer: any Tokenizer, instances: [Int: [Position]],
                                  phrases: [QueryPhrase], open: [UInt8], close: [UInt8]) -> [UInt8] {
        let tokens = tokenizer.tokens(text)
        var ranges: [(Int, Int)] = []  // token index ranges [a, b]
        for (i, starts) in instances {
            let len = max(phrases[i].terms.count, 1)
            for s in starts where s.column == column { ranges.append((s.offset, s.offset + len - 1)) }
        }
        ranges.sort { $0.0 < $1.0 }
        var merged: [(Int, Int)] = []
        for r in ranges {
            if let last = merged.last, r.0 <= last.1 { merged[merged.count - 1].1 = max(last.1, r.1) } else { merged.append(r) }
        }
        var out: [UInt8] = []
        var pos = 0
        for (a, b) in merged where a < tokens.count {
            let e = min(b, tokens.count - 1)
            // Tokens may overlap (trigram): never step back before `pos`.
            let start = max(pos, tokens[a].start)
            let end = max(start, tokens[e].end)
            out.append(contentsOf: text[pos..<start])
            out.append(contentsOf: open)
            out.append(contentsOf: text[start..<end])
            out.append(contentsOf: close)
            pos = end
        }
        out.append(contentsOf: text[pos...])
        return out
    }
}

extension Double {
    /// Natural logarithm (Glibc's log).
    var logarithm: Double { Glibc.log(self) }
}
