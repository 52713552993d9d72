// This file implements query evaluation over the index: phrases (with prefix terms, ^ and
// column filters), NEAR groups, AND/OR/NOT; and the auxiliary functions bm25(), highlight()
// and snippet() over the phrase instances found. Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Queries.
import LoomBase
import Glibc

/// The rows a query matches, with every phrase instance (start positions) per row.
package struct MatchSet: Sendable {
    /// rowid → phrase number → start positions of the phrase's instances.
    package var rows: [Int64: [Int: [Position]]] = [:]
    /// The phrases in query order (numbering used above) and their lengths in tokens.
    package var phrases: [QueryPhrase] = []
    /// Rows matching each phrase on its own (bm25's n(qi)).
    package var phraseRowCounts: [Int] = []
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
        var cache: [[UInt8]: [Int64: [Position]]] = [:]
        set.rows = try eval(node, &set, &cache)
        return set
    }

    private func termPostings(_ t: QueryTerm, _ cache: inout [[UInt8]: [Int64: [Position]]]) throws -> [Int64: [Position]] {
        let key = [UInt8(t.prefix ? 1 : 0)] + t.bytes
        if let c = cache[key] { return c }
        let r = try index.lookup([0x30] + t.bytes, prefix: t.prefix)
        cache[key] = r
        return r
    }

    /// Start positions of `phrase` per row, restricted to `columns`.
    private func phraseStarts(_ p: QueryPhrase, columns: [Int]?, _ cache: inout [[UInt8]: [Int64: [Position]]]) throws -> [Int64: [Position]] {
        guard let first = p.terms.first else { return [:] }
        let lists = try p.terms.map { try termPostings($0, &cache) }
        var out: [Int64: [Position]] = [:]
        for (rowid, firstPositions) in try termPostings(first, &cache) {
            var sets: [Set<Position>] = []
            var ok = true
            for l in lists.dropFirst() {
                guard let ps = l[rowid] else { ok = false; break }
                sets.append(Set(ps))
            }
            guard ok else { continue }
            var starts: [Position] = []
            for s in firstPositions {
                if let cols = columns, !cols.contains(s.column) { continue }
                if p.initial && s.offset != 0 { continue }
                var match = true
                for (k, set) in sets.enumerated() where !set.contains(Position(column: s.column, offset: s.offset + k + 1)) {
                    match = false; break
                }
                if match { starts.append(s) }
            }
            if !starts.isEmpty { out[rowid] = starts.sorted() }
        }
        return out
    }

    private func eval(_ node: QueryNode, _ set: inout MatchSet, _ cache: inout [[UInt8]: [Int64: [Position]]]) throws -> [Int64: [Int: [Position]]] {
        switch node {
        case .empty: return [:]
        case .near(let phrases, let distance, let columns):
            let base = set.phrases.count
            var per: [[Int64: [Position]]] = []
            for p in phrases {
                let starts = try phraseStarts(p, columns: columns, &cache)
                set.phrases.append(p)
                set.phraseRowCounts.append(starts.count)
                per.append(starts)
            }
            var out: [Int64: [Int: [Position]]] = [:]
            guard let firstRows = per.first else { return out }
            for rowid in firstRows.keys {
                var lists: [[Position]] = []
                for p in per { guard let l = p[rowid] else { break }; lists.append(l) }
                guard lists.count == per.count else { continue }
                if phrases.count == 1 {
                    out[rowid] = [base: lists[0]]
                    continue
                }
                let kept = nearFilter(lists, lengths: phrases.map { $0.terms.count }, distance: distance)
                guard kept.allSatisfy({ !$0.isEmpty }) else { continue }
                var hits: [Int: [Position]] = [:]
                for (i, k) in kept.enumerated() { hits[base + i] = k }
                out[rowid] = hits
            }
            return out
        case .and(let items):
            var result: [Int64: [Int: [Position]]]? = nil
            for item in items {
                let r = try eval(item, &set, &cache)
                if var acc = result {
                    acc = acc.filter { r[$0.key] != nil }
                    for (k, v) in acc { acc[k] = v.merging(r[k] ?? [:]) { a, _ in a } }
                    result = acc
                } else {
                    result = r
                }
            }
            return result ?? [:]
        case .or(let items):
            var acc: [Int64: [Int: [Position]]] = [:]
            for item in items {
                for (k, v) in try eval(item, &set, &cache) { acc[k] = (acc[k] ?? [:]).merging(v) { a, _ in a } }
            }
            return acc
        case .not(let a, let b):
            let l = try eval(a, &set, &cache)
            let r = try eval(b, &set, &cache)
            return l.filter { r[$0.key] == nil }
        }
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

// MARK: Auxiliary functions

package enum Auxiliary {
    /// bm25 with k1 = 1.2, b = 0.75; `weights` per column (default 1). Lower is better.
    package static func bm25(match: MatchSet, rowid: Int64, docsize: [Int], averages: Averages,
                             weights: [Double]) -> Double {
        let k1 = 1.2, b = 0.75
        let n = Double(averages.rowCount)
        let totalTokens = averages.columnTotals.reduce(0, +)
        let avgdl = n > 0 ? Double(totalTokens) / n : 1
        let dl = Double(docsize.reduce(0, +))
        var score = 0.0
        let hits = match.rows[rowid] ?? [:]
        for (i, _) in match.phrases.enumerated() {
            let nq = Double(match.phraseRowCounts[i])
            var idf = ((n - nq + 0.5) / (nq + 0.5)).logarithm
            if idf <= 0 { idf = 1e-6 }
            var f = 0.0
            for p in hits[i] ?? [] { f += p.column < weights.count ? weights[p.column] : 1 }
            score += idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * dl / avgdl))
        }
        return -score
    }

    /// The text of column `column` with every phrase instance wrapped in open/close.
    package static func highlight(text: [UInt8], column: Int, tokenizer: any Tokenizer, match: MatchSet, rowid: Int64,
                                  open: [UInt8], close: [UInt8]) -> [UInt8] {
        let tokens = tokenizer.tokens(text)
        var ranges: [(Int, Int)] = []  // token index ranges [a, b]
        for (i, starts) in match.rows[rowid] ?? [:] {
            let len = max(match.phrases[i].terms.count, 1)
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
