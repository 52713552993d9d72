// This file implements the query-time read path of the index: `Postings` (sorted rowids with
// packed positions), a doclist decoder that follows doclists across leaf pages, a term scan
// that skips other terms' doclists undecoded, and the merge of segments (newest wins).
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Index, §Queries.
import LoomBase

/// A packed position: column << 32 | offset (ordered as `Position`).
@inline(__always) func packPosition(column: Int, offset: Int) -> Int64 { Int64(column) << 32 | Int64(offset) }

extension Position {
    init(packed p: Int64) { self.init(column: Int(p >> 32), offset: Int(p & 0xFFFF_FFFF)) }
    var packed: Int64 { packPosition(column: column, offset: offset) }
}

/// Rows (ascending) with their positions (ascending, packed), one entry per row.
package struct Postings: Sendable {
    package var rowids: [Int64] = []
    /// Entry i's positions are `positions[bounds[i] ..< bounds[i + 1]]`.
    package var bounds: [Int] = [0]
    package var positions: [Int64] = []

    package init() {}
    package var count: Int { rowids.count }
    package var isEmpty: Bool { rowids.isEmpty }

    @inline(__always)
    package func positions(at i: Int) -> ArraySlice<Int64> { positions[bounds[i]..<bounds[i + 1]] }

    @inline(__always)
    mutating func closeEntry(_ rowid: Int64) {
        rowids.append(rowid)
        bounds.append(positions.count)
    }

    /// The index of `rowid`, if present (binary search).
    package func index(of rowid: Int64) -> Int? {
        var lo = 0, hi = rowids.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let v = rowids[mid]
            if v == rowid { return mid }
            if v < rowid { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// The union of several postings: every row of any, with the sorted distinct positions
    /// of all of them (a query term with synonyms).
    package static func merging(_ lists: [Postings]) -> Postings {
        guard lists.count > 1 else { return lists.first ?? Postings() }
        var rows: [Int64: [Int64]] = [:]
        for l in lists {
            for i in l.rowids.indices { rows[l.rowids[i], default: []].append(contentsOf: l.positions(at: i)) }
        }
        var out = Postings()
        for rowid in rows.keys.sorted() {
            var ps = rows[rowid] ?? []
            ps.sort()
            var last: Int64? = nil
            for p in ps where p != last {
                out.positions.append(p)
                last = p
            }
            out.closeEntry(rowid)
        }
        return out
    }

    /// The postings as a dictionary (tests, integrity checks).
    package var dictionary: [Int64: [Position]] {
        var out: [Int64: [Position]] = [:]
        for i in rowids.indices { out[rowids[i]] = positions(at: i).map { Position(packed: $0) } }
        return out
    }
}

/// Appends the positions of a detail=full position list to `out`, packed; throws on corruption.
@inline(__always)
func decodePoslist(_ b: ArraySlice<UInt8>, into out: inout [Int64]) throws {
    var i = b.startIndex
    let end = b.endIndex
    var column: Int64 = 0
    var previous: Int64 = 0
    while i < end {
        var v = UInt64(b[i])
        i += 1
        if v >= 0x80 {
            v &= 0x7F
            var n = 1
            while true {
                guard i < end, n < 5 else { throw DatabaseError(.corrupt, "fts5: corrupt position list") }
                let c = UInt64(b[i])
                i += 1
                n += 1
                v = v << 7 | (c & 0x7F)
                if c < 0x80 { break }
            }
        }
        if v == 1 {
            guard i < end else { throw DatabaseError(.corrupt, "fts5: corrupt position list") }
            var c = UInt64(b[i]); i += 1
            if c >= 0x80 {
                guard i < end, b[i] < 0x80 else { throw DatabaseError(.corrupt, "fts5: corrupt position list") }
                c = (c & 0x7F) << 7 | UInt64(b[i]); i += 1
            }
            guard c <= 32767 else { throw DatabaseError(.corrupt, "fts5: corrupt position list") }
            column = Int64(c)
            previous = 0
            continue
        }
        guard v >= 2, v - 2 <= UInt64(Int32.max) else { throw DatabaseError(.corrupt, "fts5: corrupt position list") }
        previous += Int64(v - 2)
        guard previous <= Int64(Int32.max) else { throw DatabaseError(.corrupt, "fts5: corrupt position list") }
        out.append(column << 32 | previous)
    }
}

/// The position list of a detail=none entry whose row holds the term.
let presentPoslist: [UInt8] = [0x02]

/// Decodes one doclist fed region by region (the doclist may continue on later pages): rowid
/// varints (the first of a term and of a page's rowid region absolute, else deltas), size
/// varints (length · 2 + delete), position lists split anywhere.
struct DoclistDecoder {
    enum Need { case rowid, size, poslist(Int) }
    var need = Need.rowid
    var rowid: Int64 = 0
    var delete = false
    var scratch: [UInt8] = []
    /// detail=none: rowids only, each followed by zero, one (delete marker) or two (delete
    /// marker, row re-added) 0x00 bytes. An entry is emitted once the next rowid or the end
    /// of the doclist shows its flags are complete, with position list [] (bare delete) or
    /// [0x02] (the row holds the term: position (0, 0)).
    let none: Bool
    var pendingNone = false
    var flags = 0

    init(none: Bool = false) { self.none = none }

    mutating func start() {
        need = .rowid
        rowid = 0
        pendingNone = false
        scratch.removeAll(keepingCapacity: true)
    }

    /// Emits a detail=none entry whose flags are complete.
    mutating func finish(_ emit: (Int64, Bool, ArraySlice<UInt8>) throws -> Void) throws {
        guard pendingNone else { return }
        pendingNone = false
        try emit(rowid, flags > 0, flags == 1 ? presentPoslist[0..<0] : presentPoslist[...])
    }

    /// Feeds `page[from..<to]`; `absolute`: the first rowid in it is stored whole.
    mutating func feed(_ page: [UInt8], _ from: Int, _ to: Int, absolute: Bool,
                       _ emit: (Int64, Bool, ArraySlice<UInt8>) throws -> Void) throws {
        var p = from
        var absolute = absolute
        if none {
            while p < to {
                if pendingNone && !absolute && page[p] == 0 && flags < 2 {
                    flags += 1
                    p += 1
                    continue
                }
                try finish(emit)
                let v = try varint(page, &p, to)
                rowid = absolute ? Int64(bitPattern: v) : rowid &+ Int64(bitPattern: v)
                absolute = false
                pendingNone = true
                flags = 0
            }
            return
        }
        while p < to {
            switch need {
            case .rowid:
                let v = try varint(page, &p, to)
                rowid = absolute ? Int64(bitPattern: v) : rowid &+ Int64(bitPattern: v)
                absolute = false
                need = .size
            case .size:
                let v = try varint(page, &p, to)
                guard v / 2 <= UInt64(Int32.max) else { throw DatabaseError(.corrupt, "fts5: corrupt doclist") }
                delete = v & 1 == 1
                let n = Int(v / 2)
                if n <= to - p {
                    try emit(rowid, delete, page[p..<(p + n)])
                    p += n
                    need = .rowid
                } else {
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(contentsOf: page[p..<to])
                    need = .poslist(n - (to - p))
                    p = to
                }
            case .poslist(let rest):
                let take = min(rest, to - p)
                scratch.append(contentsOf: page[p..<(p + take)])
                p += take
                if take == rest {
                    try emit(rowid, delete, scratch[...])
                    need = .rowid
                } else {
                    need = .poslist(rest - take)
                }
            }
        }
    }

    var complete: Bool { if case .rowid = need { return true } else { return false } }

    @inline(__always)
    private func varint(_ b: [UInt8], _ p: inout Int, _ end: Int) throws -> UInt64 {
        guard p < end else { throw DatabaseError(.corrupt, "fts5: corrupt doclist") }
        var v = UInt64(b[p])
        p += 1
        if v < 0x80 { return v }
        v &= 0x7F
        for k in 1..<9 {
            guard p < end else { throw DatabaseError(.corrupt, "fts5: corrupt doclist") }
            let c = UInt64(b[p])
            p += 1
            if k == 8 { return (v << 8) | c }
            v = v << 7 | (c & 0x7F)
            if c < 0x80 { return v }
        }
        return v
    }
}

/// Finds term `key` (or, with `prefix`, every term starting with it) in one segment from
/// leaf `start`, calling `entry(termOrdinal, rowid, delete, poslist)` for each doclist entry.
/// Other terms' doclists are skipped undecoded. With `exact` and an idx-chosen start page the
/// scan ends at the first page that does not continue a matching doclist.
func scanSegment(first: Int, last: Int, start: Int, key: [UInt8], prefix: Bool, startFromIdx: Bool = true,
                 detailNone: Bool = false, fetch: (Int) throws -> [UInt8]?,
                 entry: (Int, [UInt8], Int64, Bool, ArraySlice<UInt8>) throws -> Void) throws {
    if first == 0 && last == 0 { return }
    guard first >= 1, last >= first - 1 else { throw DatabaseError(.corrupt, "fts5: corrupt segment page range") }
    var pageNo = max(start, first)
    var decoder = DoclistDecoder(none: detailNone)
    var decoding = false
    var termOrdinal = -1
    var term: [UInt8] = []
    var offsets: [Int] = []
    var matched: [UInt8] = []
    let emit: (Int64, Bool, ArraySlice<UInt8>) throws -> Void = { r, d, p in try entry(termOrdinal, matched, r, d, p) }
    while pageNo <= last {
        guard let page = try fetch(pageNo) else { throw DatabaseError(.corrupt, "fts5: corrupt segment (missing leaf page \(pageNo))") }
        guard page.count >= 4 else { throw DatabaseError(.corrupt, "fts5: corrupt leaf page") }
        let firstRowid = Int(page[0]) << 8 | Int(page[1])
        let footer = Int(page[2]) << 8 | Int(page[3])
        guard footer >= 4, footer <= page.count, firstRowid == 0 || (firstRowid >= 4 && firstRowid < footer) else {
            throw DatabaseError(.corrupt, "fts5: corrupt leaf page header")
        }
        offsets.removeAll(keepingCapacity: true)
        var fp = footer
        var acc = 0
        while fp < page.count {
            var v = 0
            var n = 0
            while true {
                guard fp < page.count, n < 4 else { throw DatabaseError(.corrupt, "fts5: corrupt leaf page index") }
                let c = Int(page[fp]); fp += 1
                n += 1
                v = v << 7 | (c & 0x7F)
                if c < 0x80 { break }
            }
            acc += v
            guard acc >= 4, acc < footer else { throw DatabaseError(.corrupt, "fts5: corrupt leaf page index") }
            offsets.append(acc)
        }
        let firstTerm = offsets.first ?? footer
        if decoding {
            let contEnd = firstRowid != 0 ? firstRowid : firstTerm
            try decoder.feed(page, 4, contEnd, absolute: false, emit)
            if firstRowid != 0 { try decoder.feed(page, firstRowid, firstTerm, absolute: true, emit) }
        }
        for (k, off) in offsets.enumerated() {
            if decoding {
                try decoder.finish(emit)
                guard decoder.complete else { throw DatabaseError(.corrupt, "fts5: corrupt doclist") }
                decoding = false
                if !prefix { return }
            }
            var p = off
            func small() throws -> Int {
                var v = 0, n = 0
                while true {
                    guard p < footer, n < 4 else { throw DatabaseError(.corrupt, "fts5: corrupt leaf page (term)") }
                    let c = Int(page[p]); p += 1
                    n += 1
                    v = v << 7 | (c & 0x7F)
                    if c < 0x80 { return v }
                }
            }
            if k == 0 {
                let n = try small()
                guard n <= footer - p else { throw DatabaseError(.corrupt, "fts5: corrupt leaf page (term)") }
                term.removeAll(keepingCapacity: true)
                term.append(contentsOf: page[p..<(p + n)])
                p += n
            } else {
                let keep = try small()
                let n = try small()
                guard keep <= term.count, n <= footer - p else { throw DatabaseError(.corrupt, "fts5: corrupt leaf page (term prefix)") }
                term.removeSubrange(keep...)
                term.append(contentsOf: page[p..<(p + n)])
                p += n
            }
            // Compare with the key.
            let matches: Bool
            if prefix {
                matches = term.count >= key.count && term.prefix(key.count).elementsEqual(key)
            } else {
                matches = term == key
            }
            if !matches {
                if key.lexicographicallyPrecedes(term) { return }
                continue
            }
            termOrdinal += 1
            matched = term
            decoding = true
            decoder.start()
            let regionEnd = k + 1 < offsets.count ? offsets[k + 1] : footer
            try decoder.feed(page, p, regionEnd, absolute: true, emit)
        }
        // %_idx chose the start page: an exact term not on it is on no later page.
        if !prefix && startFromIdx && !decoding && !offsets.isEmpty { return }
        pageNo += 1
    }
    if decoding {
        try decoder.finish(emit)
        guard decoder.complete else { throw DatabaseError(.corrupt, "fts5: corrupt doclist") }
    }
}

extension FTS5Index {
    /// The live postings of index term `key` (or every term with that prefix, positions
    /// merged), newest segment winning per term and rowid, delete markers hiding rows.
    package func postings(_ key: [UInt8], prefix: Bool) throws -> Postings {
        try flush()
        let segments = try structure().levels.flatMap { $0.segments.reversed() }
        // One segment and one term: entries arrive in order; only bare delete markers drop.
        struct Raw { var term: Int; var seg: Int; var rowid: Int64; var delete: Bool; var lo: Int; var hi: Int }
        var raws: [Raw] = []
        var buffer: [Int64] = []
        var single = Postings()
        let fast = segments.count == 1 && !prefix
        var termIDs: [[UInt8]: Int] = [:]
        for (rank, seg) in segments.enumerated() {
            var lastOrdinal = -1
            var termID = 0
            let idx = try store.idxPage(segment: seg.id, atOrBefore: key).map { Int($0 >> 1) }
            let start = idx ?? seg.firstPage
            guard start <= seg.lastPage else { continue }
            try scanSegment(first: seg.firstPage, last: seg.lastPage, start: start, key: key, prefix: prefix,
                            startFromIdx: (idx ?? 0) >= seg.firstPage, detailNone: detail == .none,
                            fetch: { try self.store.data(DataID.leaf(segment: seg.id, page: $0)) }) { ordinal, term, rowid, delete, poslist in
                if fast {
                    if delete && poslist.isEmpty { return }
                    if let l = single.rowids.last, rowid <= l { throw DatabaseError(.corrupt, "fts5: corrupt doclist (rowid order)") }
                    try decodePoslist(poslist, into: &single.positions)
                    single.closeEntry(rowid)
                } else {
                    // The same term has different ordinals in different segments.
                    if ordinal != lastOrdinal {
                        lastOrdinal = ordinal
                        if let id = termIDs[term] { termID = id } else { termID = termIDs.count; termIDs[term] = termID }
                    }
                    let t = termID
                    let lo = buffer.count
                    try decodePoslist(poslist, into: &buffer)
                    raws.append(Raw(term: t, seg: rank, rowid: rowid, delete: delete, lo: lo, hi: buffer.count))
                }
            }
        }
        if fast { return single }
        raws.sort { a, b in
            a.rowid != b.rowid ? a.rowid < b.rowid : (a.term != b.term ? a.term < b.term : a.seg < b.seg)
        }
        var out = Postings()
        var i = 0
        while i < raws.count {
            let rowid = raws[i].rowid
            let before = out.positions.count
            var any = false
            var terms = 0
            var j = i
            while j < raws.count, raws[j].rowid == rowid {
                // The newest entry of this (term, rowid) decides.
                let r = raws[j]
                if !(r.delete && r.lo == r.hi) {
                    out.positions.append(contentsOf: buffer[r.lo..<r.hi])
                    any = true
                    terms += 1
                }
                let term = r.term
                while j < raws.count, raws[j].rowid == rowid, raws[j].term == term { j += 1 }
            }
            if any {
                if terms > 1 { out.positions[before...].sort() }
                out.closeEntry(rowid)
            }
            i = j
        }
        return out
    }
}
