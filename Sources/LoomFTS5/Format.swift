// This file implements SQLite's FTS5 on-disk records: the structure record, the averages
// record, %_data rowids, position lists, and segment leaf pages (writer and reader).
// Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §On-disk format.
import LoomBase
import LoomRecord

/// %_data rowids.
package enum DataID {
    package static let averages: Int64 = 1
    package static let structure: Int64 = 10
    /// The rowid of leaf `page` of segment `segment` (dlidx 0, height 0).
    package static func leaf(segment: Int, page: Int) -> Int64 {
        (Int64(segment) << 37) + Int64(page)
    }
    /// The rowid of a doclist-index page.
    package static func dlidx(segment: Int, height: Int, page: Int) -> Int64 {
        (Int64(segment) << 37) + (1 << 36) + (Int64(height) << 31) + Int64(page)
    }
    /// Every rowid segment `segment` may use (leaves and doclist indexes).
    package static func range(segment: Int) -> ClosedRange<Int64> {
        (Int64(segment) << 37)...((Int64(segment) << 37) + (1 << 37) - 1)
    }
}

private func corrupt(_ what: String) -> DatabaseError {
    DatabaseError(.corrupt, "fts5: corrupt \(what)")
}

/// A byte reader with checked varints.
struct ByteReader {
    let bytes: [UInt8]
    var pos: Int
    let end: Int
    init(_ bytes: [UInt8], from: Int = 0, to: Int? = nil) {
        self.bytes = bytes
        pos = from
        end = min(to ?? bytes.count, bytes.count)
    }
    var atEnd: Bool { pos >= end }
    mutating func varint() throws -> UInt64 {
        guard pos < end else { throw corrupt("record (truncated varint)") }
        let r = bytes.withUnsafeBytes { raw in Varint.read(UnsafeRawBufferPointer(rebasing: raw[..<end]), at: pos) }
        guard let (v, n) = r else { throw corrupt("record (truncated varint)") }
        pos += n
        return v
    }
    mutating func int(max: Int = Int(Int32.max)) throws -> Int {
        let v = try varint()
        guard v <= UInt64(max) else { throw corrupt("record (value out of range)") }
        return Int(v)
    }
    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= end - pos else { throw corrupt("record (length out of range)") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }
}

@inline(__always) func putVarint(_ v: UInt64, _ out: inout [UInt8]) { Varint.write(v, into: &out) }

// MARK: Structure record

/// The structure record (%_data id 10): levels of segments, oldest first in each level.
package struct Structure: Equatable, Sendable {
    package struct Segment: Equatable, Sendable {
        package var id: Int
        package var firstPage: Int
        package var lastPage: Int
    }
    package struct Level: Equatable, Sendable {
        package var mergeInputs: Int = 0
        package var segments: [Segment] = []
    }
    package var cookie: UInt32 = 0
    package var writeCounter: UInt64 = 0
    package var levels: [Level] = []

    package init() {}

    package var segmentCount: Int { levels.reduce(0) { $0 + $1.segments.count } }
    package var allSegments: [Segment] { levels.flatMap(\.segments) }

    package init(decoding b: [UInt8]) throws {
        guard b.count >= 4 else { throw corrupt("structure record") }
        cookie = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        var r = ByteReader(b, from: 4)
        let nLevel = try r.int(max: 64)
        let nSegment = try r.int(max: 1 << 20)
        writeCounter = try r.varint()
        var total = 0
        for _ in 0..<nLevel {
            var level = Level()
            level.mergeInputs = try r.int(max: 1 << 20)
            let n = try r.int(max: 1 << 20)
            for _ in 0..<n {
                let id = try r.int(max: 65535)
                let first = try r.int()
                let last = try r.int()
                guard id > 0 else { throw corrupt("structure record (segment id)") }
                level.segments.append(Segment(id: id, firstPage: first, lastPage: last))
            }
            total += n
            levels.append(level)
        }
        guard total == nSegment else { throw corrupt("structure record (segment count)") }
    }

    package func encoded() -> [UInt8] {
        var out: [UInt8] = [UInt8(cookie >> 24), UInt8((cookie >> 16) & 0xFF), UInt8((cookie >> 8) & 0xFF), UInt8(cookie & 0xFF)]
        putVarint(UInt64(levels.count), &out)
        putVarint(UInt64(segmentCount), &out)
        putVarint(writeCounter, &out)
        for l in levels {
            putVarint(UInt64(l.mergeInputs), &out)
            putVarint(UInt64(l.segments.count), &out)
            for s in l.segments {
                putVarint(UInt64(s.id), &out)
                putVarint(UInt64(s.firstPage), &out)
                putVarint(UInt64(s.lastPage), &out)
            }
        }
        return out
    }

    /// The smallest segment id not in use.
    package func newSegmentID() throws -> Int {
        let used = Set(allSegments.map(\.id))
        var id = 1
        while used.contains(id) { id += 1 }
        guard id <= 65535 else { throw DatabaseError(.full, "database or disk is full") }
        return id
    }
}

// MARK: Averages record

/// The averages record (%_data id 1): the row count, then the token total of each column.
package struct Averages: Equatable, Sendable {
    package var rowCount: Int64 = 0
    package var columnTotals: [Int64]

    package init(columns: Int) { columnTotals = Array(repeating: 0, count: columns) }

    package init(decoding b: [UInt8], columns: Int) throws {
        columnTotals = Array(repeating: 0, count: columns)
        guard !b.isEmpty else { return }
        var r = ByteReader(b)
        rowCount = Int64(bitPattern: try r.varint())
        for i in 0..<columns where !r.atEnd { columnTotals[i] = Int64(bitPattern: try r.varint()) }
    }

    package func encoded() -> [UInt8] {
        var out: [UInt8] = []
        putVarint(UInt64(bitPattern: rowCount), &out)
        for t in columnTotals { putVarint(UInt64(bitPattern: t), &out) }
        return out
    }
}

// MARK: Position lists

/// One token occurrence: column and token offset within the column.
package struct Position: Hashable, Comparable, Sendable {
    package var column: Int
    package var offset: Int
    package init(column: Int, offset: Int) { self.column = column; self.offset = offset }
    package static func < (a: Position, b: Position) -> Bool {
        a.column != b.column ? a.column < b.column : a.offset < b.offset
    }
}

/// Builds a detail=full position list: offsets as delta + 2, `0x01 column` at each column change.
package struct PoslistWriter: Sendable {
    package var bytes: [UInt8] = []
    var column = 0
    var previous = 0
    package init() {}

    package mutating func append(_ p: Position) {
        if p.column != column {
            bytes.append(0x01)
            putVarint(UInt64(p.column), &bytes)
            column = p.column
            previous = 0
        }
        putVarint(UInt64(p.offset - previous + 2), &bytes)
        previous = p.offset
    }
}

/// Decodes a detail=full position list.
package func decodePoslist(_ b: [UInt8]) throws -> [Position] {
    var out: [Position] = []
    var r = ByteReader(b)
    var column = 0
    var previous = 0
    while !r.atEnd {
        let v = try r.varint()
        if v == 1 {
            column = try r.int(max: 32767)
            previous = 0
            continue
        }
        guard v >= 2, v - 2 <= UInt64(Int32.max) else { throw corrupt("position list") }
        previous += Int(v - 2)
        out.append(Position(column: column, offset: previous))
    }
    return out
}

// MARK: Segment leaves

/// One doclist entry: a rowid, whether it carries the delete flag, and its position list.
package struct DoclistEntry: Equatable, Sendable {
    package var rowid: Int64
    package var delete: Bool
    package var poslist: [UInt8]
    package init(rowid: Int64, delete: Bool, poslist: [UInt8]) {
        self.rowid = rowid; self.delete = delete; self.poslist = poslist
    }
}

/// One term of a segment with its doclist (ascending rowids).
package struct TermDoclist: Equatable, Sendable {
    package var term: [UInt8]
    package var entries: [DoclistEntry]
    package init(term: [UInt8], entries: [DoclistEntry]) { self.term = term; self.entries = entries }
}

/// A written segment: its leaf pages (page 1 first) and its %_idx rows.
package struct WrittenSegment: Sendable {
    package var pages: [[UInt8]] = []
    /// (term, pgno << 1 | has-doclist-index).
    package var idxRows: [(term: [UInt8], pgno: Int64)] = []
    /// Doclist-index records: (height, page, bytes) for `DataID.dlidx`.
    package var dlidx: [(height: Int, page: Int, bytes: [UInt8])] = []
}

/// Writes terms (ascending, index-prefixed) into leaf pages of about `pageSize` bytes.
package struct SegmentWriter {
    let pageSize: Int
    var out = WrittenSegment()
    var buf: [UInt8] = [0, 0, 0, 0]
    var pgidx: [UInt8] = []
    var previousTermOffset = 0
    var pageHasTerm = false
    var pageHasRowid = false
    var lastTerm: [UInt8] = []
    /// The last term of the previous page (for %_idx keys).
    var lastTermOfPreviousPage: [UInt8]? = nil
    var termsWritten = 0

    /// detail=none: no size varints or position lists; a delete marker is a 0x00 byte after
    /// the rowid, 0x00 0x00 when the row also holds the term (deleted, then re-added).
    let detailNone: Bool

    package init(pageSize: Int, detailNone: Bool = false) {
        self.pageSize = max(pageSize, 64)
        self.detailNone = detailNone
    }

    var full: Bool { buf.count + pgidx.count >= pageSize }

    /// The page holding the current term, and every later page the term's doclist reached
    /// (with the first rowid stored on it, nil when none is): the doclist index's input.
    var termPage = 0
    var doclistPages: [(page: Int, rowid: Int64?)] = []

    /// Ends the page; `continuing`: the current doclist goes on on the next page.
    mutating func flushPage(continuing: Bool = false) {
        let footer = buf.count
        buf[2] = UInt8(footer >> 8)
        buf[3] = UInt8(footer & 0xFF)
        out.pages.append(buf + pgidx)
        buf = [0, 0, 0, 0]
        pgidx = []
        pageHasTerm = false
        pageHasRowid = false
        previousTermOffset = 0
        lastTermOfPreviousPage = lastTerm
        if continuing { doclistPages.append((out.pages.count + 1, nil)) }
    }

    /// The current doclist ended (`nextTermHere`: the next term goes on the current page).
    /// A doclist followed by at least 4 term-less pages gets a doclist index, as SQLite's:
    /// leaf records list each later page's first rowid (delta-coded, 0x00 for a page with
    /// none), split at `pageSize` bytes, with internal levels above until one record is left;
    /// the %_idx row of the term's page gets flag 1.
    mutating func endDoclist(nextTermHere: Bool) {
        defer { doclistPages.removeAll(keepingCapacity: true) }
        let current = out.pages.count + 1
        var pages = doclistPages
        if nextTermHere, let last = pages.last, last.page == current, last.rowid == nil { pages.removeLast() }
        let termless = pages.count - (nextTermHere && pages.last?.page == current ? 1 : 0)
        guard termless >= 4 else { return }
        while let last = pages.last, last.rowid == nil { pages.removeLast() }
        guard let start = pages.firstIndex(where: { $0.rowid != nil }) else { return }
        // Leaves.
        var records: [[UInt8]] = []
        var firsts: [(page: Int, rowid: Int64)] = []
        var buf: [UInt8] = []
        var previous: Int64 = 0
        for (page, rowid) in pages[start...] {
            if let rowid, buf.isEmpty || buf.count >= pageSize {
                if !buf.isEmpty { records.append(buf) }
                buf = [0]
                putVarint(UInt64(page), &buf)
                putVarint(UInt64(bitPattern: rowid), &buf)
                firsts.append((page, rowid))
            } else if let rowid {
                putVarint(UInt64(bitPattern: rowid &- previous), &buf)
            } else {
                buf.append(0)
            }
            if let rowid { previous = rowid }
        }
        records.append(buf)
        var height = 0
        var level = records
        var children = firsts
        while true {
            for (k, r) in level.enumerated() {
                var r = r
                if level.count > 1 { r[0] = 1 }
                out.dlidx.append((height, termPage + k, r))
            }
            guard level.count > 1 else { break }
            // The level above: each child's page number (first only) and first rowid.
            var next: [[UInt8]] = []
            var nextFirsts: [(page: Int, rowid: Int64)] = []
            var node: [UInt8] = []
            for (k, child) in children.enumerated() {
                if node.isEmpty || node.count >= pageSize {
                    if !node.isEmpty { next.append(node) }
                    node = [0]
                    putVarint(UInt64(termPage + k), &node)
                    putVarint(UInt64(bitPattern: child.rowid), &node)
                    nextFirsts.append((termPage + k, child.rowid))
                } else {
                    putVarint(UInt64(bitPattern: child.rowid &- previous), &node)
                }
                previous = child.rowid
            }
            next.append(node)
            level = next
            children = nextFirsts
            height += 1
        }
        if let i = out.idxRows.lastIndex(where: { Int($0.pgno >> 1) == termPage }) { out.idxRows[i].pgno |= 1 }
    }

    /// The shortest prefix of `term` that sorts after `previous`.
    static func separator(_ previous: [UInt8], _ term: [UInt8]) -> [UInt8] {
        var n = 0
        while n < previous.count, n < term.count, previous[n] == term[n] { n += 1 }
        return Array(term.prefix(min(n + 1, term.count)))
    }

    package mutating func append(_ t: TermDoclist) {
        precondition(!t.entries.isEmpty, "empty doclist")
        beginTerm(t.term)
        for e in t.entries { addEntry(rowid: e.rowid, delete: e.delete, poslist: e.poslist[...]) }
    }

    var entriesInTerm = 0
    var previousRowid: Int64 = 0

    /// Starts the doclist of `term` (terms ascending; at least one entry must follow).
    package mutating func beginTerm(_ term: [UInt8]) {
        let flush = full || buf.count + term.count + 8 + pgidx.count > pageSize && buf.count > 4
        if termsWritten > 0 { endDoclist(nextTermHere: !flush) }
        if flush { flushPage() }
        let offset = buf.count
        if !pageHasTerm {
            // First term of the page: stored whole; pages after the first get a %_idx row.
            let pageNumber = out.pages.count + 1
            if pageNumber == 1 {
                out.idxRows.append(([], 2))
            } else {
                out.idxRows.append((Self.separator(lastTermOfPreviousPage ?? [], term), Int64(pageNumber) << 1))
            }
            putVarint(UInt64(term.count), &buf)
            buf.append(contentsOf: term)
            putVarint(UInt64(offset), &pgidx)
        } else {
            var common = 0
            while common < lastTerm.count, common < term.count, lastTerm[common] == term[common] { common += 1 }
            putVarint(UInt64(common), &buf)
            putVarint(UInt64(term.count - common), &buf)
            buf.append(contentsOf: term[common...])
            putVarint(UInt64(offset - previousTermOffset), &pgidx)
        }
        previousTermOffset = offset
        pageHasTerm = true
        termPage = out.pages.count + 1
        lastTerm = term
        termsWritten += 1
        entriesInTerm = 0
        previousRowid = 0
    }

    /// Appends one doclist entry of the current term (rowids ascending).
    package mutating func addEntry(rowid: Int64, delete: Bool, poslist: ArraySlice<UInt8>) {
        if entriesInTerm > 0 && full { flushPage(continuing: true) }
        if entriesInTerm == 0 {
            putVarint(UInt64(bitPattern: rowid), &buf)
        } else if !pageHasTerm && !pageHasRowid {
            // First rowid of a page with no term before it: stored whole, pointed at by the header.
            buf[0] = UInt8(buf.count >> 8)
            buf[1] = UInt8(buf.count & 0xFF)
            if let last = doclistPages.last, last.page == out.pages.count + 1 { doclistPages[doclistPages.count - 1].rowid = rowid }
            putVarint(UInt64(bitPattern: rowid), &buf)
        } else {
            putVarint(UInt64(bitPattern: rowid &- previousRowid), &buf)
        }
        entriesInTerm += 1
        pageHasRowid = true
        previousRowid = rowid
        if detailNone {
            if delete {
                buf.append(0)
                if !poslist.isEmpty { buf.append(0) }
            }
            return
        }
        putVarint(UInt64(poslist.count) * 2 + (delete ? 1 : 0), &buf)
        if buf.count + pgidx.count + poslist.count <= pageSize {
            buf.append(contentsOf: poslist)
            return
        }
        // The position list may continue on following pages, split between varints.
        var r = poslist.startIndex
        while r < poslist.endIndex {
            if full {
                flushPage(continuing: true)
            }
            var end = r
            while end < poslist.endIndex {
                var v = end
                while v < poslist.endIndex, poslist[v] & 0x80 != 0 { v += 1 }
                v = min(v + 1, poslist.endIndex)
                if buf.count + pgidx.count + (v - r) > pageSize && end > r { break }
                end = v
            }
            buf.append(contentsOf: poslist[r..<end])
            r = end
        }
    }

    package mutating func finish() -> WrittenSegment {
        if termsWritten > 0 { endDoclist(nextTermHere: false) }
        if buf.count > 4 || out.pages.isEmpty { flushPage() }
        return out
    }
}

/// Reads every term and doclist of a segment from its leaf pages (page `first` to `last`),
/// starting at the first term of page `start`; `visit` returns false to stop.
package func readSegment(pages first: Int, _ last: Int, from start: Int? = nil, detailNone: Bool = false,
                         fetch: (Int) throws -> [UInt8]?,
                         visit: (TermDoclist) throws -> Bool) throws {
    struct Stop: Error {}
    var current: TermDoclist? = nil
    var lastOrdinal = -1
    do {
        try scanSegment(first: first, last: last, start: start ?? first, key: [], prefix: true, startFromIdx: false,
                        detailNone: detailNone, fetch: fetch) { ordinal, term, rowid, delete, poslist in
            if ordinal != lastOrdinal {
                if let c = current, try !visit(c) { throw Stop() }
                current = TermDoclist(term: term, entries: [])
                lastOrdinal = ordinal
            }
            current?.entries.append(DoclistEntry(rowid: rowid, delete: delete, poslist: Array(poslist)))
        }
    } catch is Stop {
        return
    }
    if let c = current { _ = try visit(c) }
}
