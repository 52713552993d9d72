// This file implements the B-tree page format: page headers, cell pointer arrays, cell
// parsing, local payload sizes, and in-place cell insertion/removal with freeblocks.
// Layer: L3. Spec: Spec/L3-btree.md ("Page layout", "Cells", invariants P1-P8).
import LoomBase
import LoomPager
import LoomRecord

/// The four B-tree page types (the flag byte at offset 0 of the page header).
package enum PageKind: UInt8, Sendable {
    case indexInterior = 2, tableInterior = 5, indexLeaf = 10, tableLeaf = 13

    @inline(__always) var isLeaf: Bool { self == .indexLeaf || self == .tableLeaf }
    @inline(__always) var isTable: Bool { self == .tableLeaf || self == .tableInterior }
    /// 8 bytes for leaves, 12 for interior pages (the right-child pointer).
    var headerSize: Int { isLeaf ? 8 : 12 }
    var interior: PageKind { isTable ? .tableInterior : .indexInterior }
    var leaf: PageKind { isTable ? .tableLeaf : .indexLeaf }
}

/// The number of payload bytes stored on the page for a payload of `p` bytes
/// (fileformat2.html: U usable size, X max local, M min local, K = M + (P−M) mod (U−4)).
@inline(__always)
func localPayloadSize(_ p: Int, usable u: Int, tableLeaf: Bool) -> Int {
    let x = maxLocalPayload(usable: u, tableLeaf: tableLeaf)
    if p <= x { return p }
    let m = ((u - 12) * 32 / 255) - 23
    let k = m + (p - m) % (u - 4)
    return k <= x ? k : m
}

/// X, the largest payload a cell keeps wholly on its page (fileformat2.html): U − 35 on a
/// table leaf, ((U − 12)·64/255) − 23 on index pages.
@inline(__always)
func maxLocalPayload(usable u: Int, tableLeaf: Bool) -> Int {
    tableLeaf ? u - 35 : ((u - 12) * 64 / 255) - 23
}

/// One parsed cell.
struct CellInfo {
    /// Offset of the cell on its page.
    var offset: Int
    /// Bytes the cell occupies (before rounding up to the 4-byte minimum).
    var size: Int
    /// Left child (interior cells), else 0.
    var leftChild: UInt32 = 0
    /// The rowid (table cells), else 0.
    var rowid: Int64 = 0
    /// Total payload bytes (0 for table interior cells).
    var payloadSize: Int = 0
    /// Offset on the page of the local payload bytes, and their count.
    var payloadOffset: Int = 0
    var localSize: Int = 0
    /// First overflow page, 0 when the payload is all local.
    var overflowPage: UInt32 = 0
}

/// A validated view of one B-tree page's header.
struct Node {
    let page: Page
    let kind: PageKind
    /// Offset of the B-tree page header (100 on page 1).
    let headerOffset: Int
    let cellCount: Int
    let usable: Int

    var number: PageNumber { page.number }
    var pointerArrayStart: Int { headerOffset + kind.headerSize }
    var pointerArrayEnd: Int { pointerArrayStart + 2 * cellCount }
    var firstFreeblock: Int { page.u16(headerOffset + 1) }
    var fragmentedBytes: Int { Int(page[headerOffset + 7]) }
    /// Start of the cell content area (0 in the file means 65536).
    var contentStart: Int { let v = page.u16(headerOffset + 5); return v == 0 ? 65536 : v }
    var rightChild: UInt32 { kind.isLeaf ? 0 : page.u32(headerOffset + 8) }

    init(_ page: Page, usable: Int) throws {
        self.page = page
        self.usable = usable
        let h = page.number.rawValue == 1 ? 100 : 0
        headerOffset = h
        // Validated before and unchanged since (Page.checkedHeader: kind | cellCount << 8 |
        // usable << 24, reset by every write): skip the checks.
        let stamp = page.checkedHeader
        if stamp != 0, Int(truncatingIfNeeded: stamp >> 24) == usable,
           let k = PageKind(rawValue: UInt8(truncatingIfNeeded: stamp)) {
            kind = k
            cellCount = Int(truncatingIfNeeded: (stamp >> 8) & 0xFFFF)
            return
        }
        guard let k = PageKind(rawValue: page[h]) else { throw DatabaseError.corrupt(page: page.number.rawValue, "page type") }
        kind = k
        let n = page.u16(h + 3)
        cellCount = n
        guard h + k.headerSize + 2 * n <= usable else { throw DatabaseError.corrupt(page: page.number.rawValue, "cell count") }
        let cs = page.u16(h + 5)
        let contentStart = cs == 0 ? 65536 : cs
        guard contentStart >= h + k.headerSize + 2 * n, contentStart <= usable || (n == 0 && contentStart == 65536) else {
            throw DatabaseError.corrupt(page: page.number.rawValue, "content area")
        }
        page.checkedHeader = UInt64(k.rawValue) | UInt64(n) << 8 | UInt64(usable) << 24
    }

    /// The offset of cell `i`, checked to lie in the content area.
    @inline(__always)
    func cellOffset(_ i: Int) throws -> Int {
        precondition(i >= 0 && i < cellCount)
        let off = page.u16(pointerArrayStart + 2 * i)
        guard off >= pointerArrayEnd, off < usable else { throw DatabaseError.corrupt(page: number.rawValue, "cell pointer") }
        return off
    }

    /// Parses cell `i`, checking that it lies within the usable area.
    func cell(_ i: Int) throws -> CellInfo {
        try parseCell(at: try cellOffset(i))
    }

    func parseCell(at off: Int) throws -> CellInfo {
        let pn = number.rawValue
        let usable = self.usable
        let buf = page.unsafeBytes   // this node holds the page; reads stay below `usable`
        var info = CellInfo(offset: off, size: 0)
        var pos = off
        if !kind.isLeaf {
            guard pos + 4 <= usable else { throw DatabaseError.corrupt(page: pn, "cell") }
            info.leftChild = page.u32(pos)
            pos += 4
        }
        if kind == .tableInterior {
            guard let (k, l) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: pn, "cell key") }
            info.rowid = Int64(bitPattern: k)
            info.size = pos + l - off
            return info
        }
        guard let (p, l) = pageVarint(buf, pos, usable), p <= UInt64(Int32.max) else { throw DatabaseError.corrupt(page: pn, "payload size") }
        pos += l
        info.payloadSize = Int(p)
        if kind == .tableLeaf {
            guard let (k, l2) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: pn, "rowid") }
            info.rowid = Int64(bitPattern: k)
            pos += l2
        }
        let local = localPayloadSize(info.payloadSize, usable: usable, tableLeaf: kind == .tableLeaf)
        info.payloadOffset = pos
        info.localSize = local
        pos += local
        if local < info.payloadSize {
            guard pos + 4 <= usable else { throw DatabaseError.corrupt(page: pn, "overflow pointer") }
            info.overflowPage = page.u32(pos)
            pos += 4
        }
        guard pos <= usable else { throw DatabaseError.corrupt(page: pn, "cell extends past page") }
        info.size = pos - off
        return info
    }

    /// The child page in `slot` (0...cellCount; cellCount is the right child).
    func child(_ slot: Int) throws -> PageNumber {
        precondition(!kind.isLeaf && slot >= 0 && slot <= cellCount)
        let c: UInt32
        if slot == cellCount { c = rightChild } else {
            let off = try cellOffset(slot)
            guard off + 4 <= usable else { throw DatabaseError.corrupt(page: number.rawValue, "cell") }
            c = page.u32(off)
        }
        guard c >= 2 else { throw DatabaseError.corrupt(page: number.rawValue, "child page") }
        return PageNumber(c)
    }

    /// The rowid key of cell `i` on a table page.
    func rowid(_ i: Int) throws -> Int64 {
        let off = try cellOffset(i)
        let buf = page.unsafeBytes   // this node holds the page
        var pos = off
        if kind == .tableInterior { pos += 4 }
        else {
            guard let (_, l) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: number.rawValue, "payload size") }
            pos += l
        }
        guard let (k, _) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: number.rawValue, "rowid") }
        return Int64(bitPattern: k)
    }

    /// The bytes of cell `i` (its on-page size).
    func cellBytes(_ i: Int) throws -> [UInt8] {
        let c = try cell(i)
        return page.bytes(at: c.offset, count: c.size)
    }

    /// Total free bytes: the gap, the freeblocks and the fragments (validated chain).
    func freeBytes() throws -> Int {
        // Kept in the page while nothing writes it (`Page.freeBytesHint`, invariant P9): the
        // freeblock chain of a page with many deleted cells is long.
        let current = page.checkedHeader != 0
            && page.checkedHeader == UInt64(kind.rawValue) | UInt64(cellCount) << 8 | UInt64(usable) << 24
        let hint = page.freeBytesHint
        if current && hint >= 0 {
            #if DEBUG
            // The tests check P9's bookkeeping on every use of the kept value.
            let walked = try walkFreeBytes()
            precondition(hint == walked, "page \(number): freeBytesHint \(hint) is stale, not \(walked)")
            #endif
            return hint
        }
        let total = try walkFreeBytes()
        // Stored only when this node is the page's current header (what the total assumed).
        if current { page.freeBytesHint = total }
        return total
    }

    /// `freeBytes` computed from the page: the gap, the fragments and the freeblock chain.
    private func walkFreeBytes() throws -> Int {
        var total = contentStart - pointerArrayEnd + fragmentedBytes
        var fb = firstFreeblock
        var previousEnd = 0
        var guardCount = 0
        while fb != 0 {
            guard fb >= contentStart, fb >= previousEnd, fb + 4 <= usable else { throw DatabaseError.corrupt(page: number.rawValue, "freeblock") }
            let size = page.u16(fb + 2)
            guard size >= 4, fb + size <= usable else { throw DatabaseError.corrupt(page: number.rawValue, "freeblock size") }
            total += size
            previousEnd = fb + size
            fb = page.u16(fb)
            guardCount += 1
            guard guardCount < usable / 4 else { throw DatabaseError.corrupt(page: number.rawValue, "freeblock loop") }
        }
        return total
    }
}

/// Writes the varint `v` at `pos` of `raw` (room checked by the caller), returning its
/// length: one- and two-byte values inline (payload sizes and rowids of most cells), the
/// rest through `Varint.write`.
@inline(__always)
func putVarint(_ v: UInt64, _ raw: UnsafeMutableRawBufferPointer, _ pos: Int) -> Int {
    if v < 0x80 { raw[pos] = UInt8(truncatingIfNeeded: v); return 1 }
    if v < 0x4000 {
        raw[pos] = UInt8(truncatingIfNeeded: v >> 7) | 0x80
        raw[pos + 1] = UInt8(truncatingIfNeeded: v) & 0x7F
        return 2
    }
    return Varint.write(v, into: raw, at: pos)
}

/// The space a cell takes on a page: its bytes (at least 4) plus its 2-byte pointer.
@inline(__always)
func cellSpace(_ cellSize: Int) -> Int { max(4, cellSize) + 2 }

extension BTree {
    func node(_ n: PageNumber) throws -> Node {
        // A database with no pages yet (a new file, `:memory:`) reads as an empty
        // sqlite_schema: page 1 does not exist until the first write creates it.
        if n.rawValue == 1 && pager.pageCount == 0 {
            return try Node(emptySchemaPage(), usable: pager.usableSize)
        }
        return try Node(try pager.page(n), usable: pager.usableSize)
    }

    /// A stand-in page 1 holding an empty table leaf, for reads of a database with no pages.
    /// It is never cached or written: the first write transaction creates the real page 1.
    private func emptySchemaPage() -> Page {
        let page = Page(number: 1, size: pager.pageSize, generation: pager.generation)
        let usable = pager.usableSize
        page.withStorageForPager { bytes in
            bytes[100] = PageKind.tableLeaf.rawValue
            let contentStart = usable == 65536 ? 0 : usable
            bytes[105] = UInt8(truncatingIfNeeded: contentStart >> 8)
            bytes[106] = UInt8(truncatingIfNeeded: contentStart)
        }
        return page
    }

    /// Initialises `page` as an empty B-tree page of `kind`.
    func initPage(_ page: Page, kind: PageKind) throws {
        try pager.makeWritable(page)
        let h = page.number.rawValue == 1 ? 100 : 0
        let usable = pager.usableSize
        page.setBytes(repeatElement(0, count: usable - h), at: h)
        page[h] = kind.rawValue
        page.setU16(h + 5, usable == 65536 ? 0 : usable)
    }

    /// Inserts `cell` as cell `index` of the page if it fits; false if the page is too full.
    /// Space comes from the first freeblock that holds it (when the gap has room for the
    /// pointer), else from the gap; only when neither has room is the total free space
    /// counted, and the page defragmented if that suffices (as SQLite allocates). The
    /// freeblock chain is not walked twice per insert (`freeBytes` first was ~7% of an
    /// index-heavy REPLACE).
    func insertCellInPlace(_ node: Node, at index: Int, _ cell: [UInt8]) throws -> Bool {
        try insertCellInPlace(node, at: index, size: cell.count) { raw, off in
            cell.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(rebasing: raw[off ..< off + cell.count]).copyMemory(from: src)
            }
        }
    }

    /// `insertCellInPlace` for a leaf cell whose payload is all local, written straight into
    /// the space found for it (no cell array): payload size, rowid (table leaves; nil for an
    /// index leaf), payload. The caller checked the page kind, the file's encoding (UTF-8)
    /// and that the payload is all local.
    func insertLocalCellInPlace(_ node: Node, at index: Int, rowid: Int64?, payload: [UInt8]) throws -> Bool {
        return try insertCellInPlace(node, at: index, size: localCellSize(rowid: rowid, payloadCount: payload.count)) { raw, off in
            _ = writeLocalCell(raw, at: off, rowid: rowid, payload: payload)
        }
    }

    /// Finds space for a cell of `size` bytes (P4) and its pointer, has `write` put the
    /// cell's bytes at the offset found, and inserts the pointer as slot `index`.
    private func insertCellInPlace(_ node: Node, at index: Int, size: Int,
                                   write: (UnsafeMutableRawBufferPointer, Int) -> Void) throws -> Bool {
        let need = max(4, size)
        let gap = node.contentStart - node.pointerArrayEnd
        var n = node
        let page = node.page
        // The free bytes before (if known): the insert takes the cell and its pointer (P9).
        let freeBefore = page.freeBytesHint
        let h = node.headerOffset
        var offset: Int? = nil
        if gap >= 2 && node.firstFreeblock != 0 {
            try pager.makeWritable(page)
            offset = try allocateFromFreeblocks(n, need)
        }
        if offset == nil {
            if gap < need + 2 {
                guard try node.freeBytes() >= need + 2 else { return false }
                try defragment(n)
                n = try Node(page, usable: node.usable)
            } else {
                try pager.makeWritable(page)
            }
            let start = n.contentStart - need
            guard start >= n.pointerArrayEnd + 2 else { throw DatabaseError.corrupt(page: page.number.rawValue, "free space") }
            page.setU16(h + 5, start)
            offset = start
        }
        guard let off = offset else { return false }
        let count = n.cellCount
        precondition(index >= 0 && index <= count, "insertCellInPlace: slot out of range")
        let ptr = n.pointerArrayStart + 2 * index
        let ptrEnd = n.pointerArrayEnd
        // Unsafe: [off, off + need) is the space just taken inside the content area, and the
        // pointer array grows into [ptrEnd, ptrEnd + 2), below it (a freeblock was taken only
        // with a 2-byte gap; the gap path checked start >= ptrEnd + 2). `node` holds the page.
        let raw = page.unsafeMutableBytesForWrite()
        write(raw, off)
        placeCellPointer(raw, padding: off + size ..< off + need, slot: ptr, arrayEnd: ptrEnd, offset: off,
                         count: count, header: h)
        // Taken from a freeblock (a remainder < 4 stays counted as fragments), the gap or a
        // defragmented page (which keeps the total): need + 2 bytes in every case.
        if freeBefore >= 0 { page.freeBytesHint = freeBefore - need - 2 }
        return true
    }

    /// Replaces the bytes of `old` (a cell of `node`, as parsed) with `cell` of the same size,
    /// in place: no freeblock or pointer changes (SQLite overwrites a same-size cell too).
    func overwriteCellInPlace(_ node: Node, _ old: CellInfo, _ cell: [UInt8]) throws {
        precondition(cell.count == old.size, "overwriteCellInPlace: size differs")
        guard old.offset >= node.pointerArrayEnd, old.offset + old.size <= node.usable else {
            throw DatabaseError.corrupt(page: node.number.rawValue, "cell range")
        }
        try pager.makeWritable(node.page)
        node.page.setBytes(cell, at: old.offset)
    }

    /// Replaces table-leaf cell `index` of `node` (parsed as `old`, no overflow pages) with
    /// the cell of (rowid, payload) in one step when the payload is all local (UTF-8 file),
    /// writing the cell's bytes straight into the page (no cell array), invariant P4b:
    /// - the same size: over the old bytes, where they are (P4a);
    /// - another size: into the gap below the content area when it holds the new cell, else
    ///   into the first freeblock that does (the pointer array keeps its size, so the gap
    ///   need not hold a pointer); the pointer slot then points at the new bytes and the old
    ///   cell's bytes are freed as a removal frees them (P5, secure_delete zeroing).
    /// The page's header stamp is renewed (kind, cell count and usable size are unchanged, the
    /// content start only moved within the gap) and its free-byte count kept (P9). False,
    /// with nothing changed, when none of this applies (the caller removes and inserts).
    func replaceTableCellInPlace(_ node: Node, at index: Int, old: CellInfo, rowid: Int64, payload: [UInt8]) throws -> Bool {
        guard node.kind == .tableLeaf, old.overflowPage == 0, case .utf8 = textEncoding else { return false }
        let usable = node.usable
        let n = payload.count
        guard localPayloadSize(n, usable: usable, tableLeaf: true) == n else { return false }
        let pn = node.page.number.rawValue
        let cellSize = localCellSize(rowid: rowid, payloadCount: n)
        let need = max(4, cellSize)
        let contentStart = node.contentStart
        guard index >= 0, index < node.cellCount, old.offset >= contentStart, old.offset + old.size <= usable,
              contentStart <= usable else { throw DatabaseError.corrupt(page: pn, "cell range") }
        let page = node.page
        let freeBefore = page.freeBytesHint
        let stamp = page.checkedHeader
        let target: Int
        if cellSize == old.size {
            target = old.offset
            try pager.makeWritable(page)
        } else if contentStart - node.pointerArrayEnd >= need {
            target = contentStart - need
            try pager.makeWritable(page)
            page.setU16(node.headerOffset + 5, target)
        } else if node.firstFreeblock != 0 {
            try pager.makeWritable(page)
            guard let off = try allocateFromFreeblocks(node, need) else { return false }
            target = off
        } else {
            return false
        }
        // Unsafe: [target, target + need) is the old cell, or space just taken from the gap or
        // a freeblock, all checked to lie in [pointer array end, usable); the node holds the page.
        do {
            let raw = page.unsafeMutableBytesForWrite()
            var pos = writeLocalCell(raw, at: target, rowid: rowid, payload: payload)
            if cellSize != old.size { while pos < target + need { raw[pos] = 0; pos += 1 } }
            let ptr = node.pointerArrayStart + 2 * index
            raw[ptr] = UInt8(truncatingIfNeeded: target >> 8)
            raw[ptr + 1] = UInt8(truncatingIfNeeded: target)
        }
        if cellSize != old.size {
            if secureDelete { page.setBytes(repeatElement(UInt8(0), count: old.size), at: old.offset) }
            try freeSpace(node, start: old.offset, size: max(4, old.size))
        }
        // The header is as Node's checks require (same kind and cell count; the content start
        // moved down within the gap or up over a freed block, never past the pointers or the
        // usable end): the stamp holds again.
        if stamp != 0 { page.checkedHeader = stamp }
        if freeBefore >= 0 { page.freeBytesHint = freeBefore - need + max(4, old.size) }
        return true
    }

    /// First-fit allocation from the freeblock list; nil when no freeblock is large enough.
    private func allocateFromFreeblocks(_ node: Node, _ need: Int) throws -> Int? {
        let page = node.page
        let h = node.headerOffset
        var prev = h + 1            // offset of the 2-byte "next" field pointing at fb
        var fb = node.firstFreeblock
        var count = 0
        // The chain is read from the bytes in place (`node` holds the page; every read below
        // is at fb or fb + 2 with fb + 4 <= usable checked first): no accessor call per block.
        let buf = page.unsafeBytes
        let contentStart = node.contentStart, usable = node.usable
        guard buf.count >= usable else { throw DatabaseError.corrupt(page: page.number.rawValue, "usable size") }
        while fb != 0 {
            guard fb >= contentStart, fb + 4 <= usable else { throw DatabaseError.corrupt(page: page.number.rawValue, "freeblock") }
            let size = Int(buf[fb + 2]) << 8 | Int(buf[fb + 3])
            guard size >= 4, fb + size <= node.usable else { throw DatabaseError.corrupt(page: page.number.rawValue, "freeblock size") }
            if size >= need {
                let rest = size - need
                if rest < 4 {
                    // Take the whole block; the remainder becomes fragmented bytes (at most 60).
                    guard node.fragmentedBytes + rest <= 60 else { return nil }
                    page.setU16(prev, page.u16(fb))
                    page[h + 7] = UInt8(node.fragmentedBytes + rest)
                    return fb
                }
                page.setU16(fb + 2, rest)
                return fb + rest
            }
            let next = Int(buf[fb]) << 8 | Int(buf[fb + 1])
            guard next == 0 || next > fb + size else { throw DatabaseError.corrupt(page: page.number.rawValue, "freeblock order") }
            prev = fb
            fb = next
            count += 1
            guard count < usable / 4 else { throw DatabaseError.corrupt(page: page.number.rawValue, "freeblock loop") }
        }
        return nil
    }

    /// Removes cell `index` from the page, returning its space to the freeblock list.
    func removeCellInPlace(_ node: Node, at index: Int) throws {
        try removeCellInPlace(node, at: index, info: try node.cell(index))
    }

    /// `removeCellInPlace` for a caller that has parsed the cell already (`info`, from
    /// `node.cell(index)` on this very header).
    func removeCellInPlace(_ node: Node, at index: Int, info: CellInfo) throws {
        let page = node.page
        // The free bytes before (if known): the removal adds the pointer and the cell (P9).
        let freeBefore = page.freeBytesHint
        try pager.makeWritable(page)
        let h = node.headerOffset
        let ptr = node.pointerArrayStart + 2 * index
        page.moveBytes(from: ptr + 2, to: ptr, count: node.pointerArrayEnd - ptr - 2)
        page.setU16(h + 3, node.cellCount - 1)
        if node.cellCount == 1 {
            if secureDelete, info.offset >= node.contentStart, info.offset + info.size <= node.usable {
                page.setBytes(repeatElement(UInt8(0), count: info.size), at: info.offset)
            }
            // Last cell gone: reset the content area.
            page.setU16(h + 1, 0)
            page.setU16(h + 5, node.usable == 65536 ? 0 : node.usable)
            page[h + 7] = 0
            page.freeBytesHint = node.usable - h - node.kind.headerSize
            return
        }
        // (freeSpace reads the header's free-space fields from the page, not `node`'s cell
        // count; under secure_delete it zeroes the whole merged block, the cell included.)
        try freeSpace(node, start: info.offset, size: max(4, info.size))
        // freeSpace keeps the total: merges absorb counted fragments, a block that joins the
        // gap moves from one to the other.
        if freeBefore >= 0 { page.freeBytesHint = freeBefore + 2 + max(4, info.size) }
    }

    /// Adds [start, start+size) to the sorted freeblock list, merging with neighbours that are
    /// at most 3 bytes away (absorbing those fragmented bytes), and folding a block that
    /// begins the content area into the gap.
    private func freeSpace(_ node: Node, start: Int, size: Int) throws {
        let page = node.page
        let pn = page.number.rawValue
        let h = node.headerOffset
        var frag = node.fragmentedBytes
        guard start >= node.contentStart, start + size <= node.usable else { throw DatabaseError.corrupt(page: pn, "cell range") }
        var prevField = h + 1
        var prev = 0
        var fb = node.firstFreeblock
        var count = 0
        // The walk reads the chain in place (`node` holds the page; fb + 4 <= usable is checked
        // before each read): no accessor call per block.
        let buf = page.unsafeBytes
        guard buf.count >= node.usable else { throw DatabaseError.corrupt(page: pn, "usable size") }
        while fb != 0 && fb < start {
            guard fb + 4 <= node.usable else { throw DatabaseError.corrupt(page: pn, "freeblock") }
            prev = fb
            prevField = fb
            let next = Int(buf[fb]) << 8 | Int(buf[fb + 1])
            guard next == 0 || next > fb else { throw DatabaseError.corrupt(page: pn, "freeblock order") }
            fb = next
            count += 1
            guard count < node.usable / 4 else { throw DatabaseError.corrupt(page: pn, "freeblock loop") }
        }
        var blockStart = start
        var blockEnd = start + size
        var next = fb
        if fb != 0 {
            guard fb >= blockEnd, fb + 4 <= node.usable else { throw DatabaseError.corrupt(page: pn, "freeblock overlap") }
            let gap = fb - blockEnd
            if gap <= 3 {
                guard frag >= gap else { throw DatabaseError.corrupt(page: pn, "fragment count") }
                frag -= gap
                let fsize = page.u16(fb + 2)
                guard fb + fsize <= node.usable else { throw DatabaseError.corrupt(page: pn, "freeblock size") }
                blockEnd = fb + fsize
                next = page.u16(fb)
            }
        }
        if prev != 0 {
            let prevEnd = prev + page.u16(prev + 2)
            guard prevEnd <= blockStart else { throw DatabaseError.corrupt(page: pn, "freeblock overlap") }
            let gap = blockStart - prevEnd
            if gap <= 3 {
                guard frag >= gap else { throw DatabaseError.corrupt(page: pn, "fragment count") }
                frag -= gap
                blockStart = prev
                // prev absorbs the new block: find the field that points at prev.
                prevField = h + 1
                var p = page.u16(h + 1)
                var c = 0
                while p != prev && p != 0 {
                    prevField = p
                    p = page.u16(p)
                    c += 1
                    guard c < node.usable / 4 else { throw DatabaseError.corrupt(page: pn, "freeblock loop") }
                }
            }
        }
        // Unsafe: the writes below are at h + 1...h + 7 (the header), prevField (the header's
        // first-freeblock field or a freeblock checked above: fb + 4 <= usable) and inside
        // [blockStart, blockEnd), checked above to lie in [contentStart, usable) with room
        // for the 4-byte block header. `node` holds the page; the page is writable.
        let raw = page.unsafeMutableBytesForWrite()
        @inline(__always) func put16(_ at: Int, _ v: Int) {
            raw[at] = UInt8(truncatingIfNeeded: v >> 8)
            raw[at + 1] = UInt8(truncatingIfNeeded: v)
        }
        raw[h + 7] = UInt8(truncatingIfNeeded: frag)
        if secureDelete, let base = raw.baseAddress {
            // secure_delete: the merged block holds zeros and one header (SQLite's bytes; the
            // header stays behind when the block joins the gap).
            (base + blockStart).initializeMemory(as: UInt8.self, repeating: 0, count: blockEnd - blockStart)
            put16(blockStart, next)
            put16(blockStart + 2, blockEnd - blockStart)
        }
        if blockStart == node.contentStart {
            // The block begins the content area: it joins the gap instead.
            put16(prevField, next)
            put16(h + 5, blockEnd == 65536 ? 0 : blockEnd)
        } else {
            put16(prevField, blockStart)
            put16(blockStart, next)
            put16(blockStart + 2, blockEnd - blockStart)
        }
    }

    /// Rewrites the page with its cells packed at the end of the usable area (in cell-pointer
    /// order, as `writeContent` lays them out) and no freeblocks or fragments. In place: one
    /// scratch copy of the content area and one copy per cell, no per-cell arrays (the array
    /// form was 40% of speedtest1's whole-table UPDATE, which defragments once per row).
    func defragment(_ node: Node) throws {
        let page = node.page
        let pn = page.number.rawValue
        let usable = node.usable, h = node.headerOffset, count = node.cellCount
        let contentStart = node.contentStart, pointerStart = node.pointerArrayStart
        let pointerEnd = node.pointerArrayEnd
        try pager.makeWritable(page)
        if closeSingleFreeblock(node) { return }
        // The sizes first, parsed from the intact page (each cell checked to lie in the page).
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: max(count, 1)) { sizes in
            var total = 0
            for i in 0 ..< count {
                let info = try node.cell(i)
                guard info.offset >= contentStart else { throw DatabaseError.corrupt(page: pn, "cell pointer") }
                sizes[i] = info.size
                total += max(4, info.size)
            }
            guard pointerEnd + total <= usable else { throw DatabaseError.corrupt(page: pn, "cells overlap") }
            try page.withMutableBytes { bytes in
                let span = max(0, usable - contentStart)
                try withUnsafeTemporaryAllocation(byteCount: max(span, 1), alignment: 1) { scratch in
                    guard let from = bytes.baseAddress, let to = scratch.baseAddress else { return }
                    if span > 0 { to.copyMemory(from: from + contentStart, byteCount: span) }
                    var top = usable
                    for i in 0 ..< count {
                        let p = pointerStart + 2 * i
                        let off = Int(bytes[p]) << 8 | Int(bytes[p + 1])
                        let size = sizes[i]
                        top -= max(4, size)
                        guard off >= contentStart, off + size <= usable else { throw DatabaseError.corrupt(page: pn, "cell pointer") }
                        (from + top).copyMemory(from: to + (off - contentStart), byteCount: size)
                        // A cell shorter than 4 bytes takes 4, zero-padded.
                        if size < 4 { (from + top + size).initializeMemory(as: UInt8.self, repeating: 0, count: 4 - size) }
                        bytes[p] = UInt8(truncatingIfNeeded: top >> 8)
                        bytes[p + 1] = UInt8(truncatingIfNeeded: top)
                    }
                    // Header: no freeblocks, no fragments, the content area starts at `top`.
                    bytes[h + 1] = 0; bytes[h + 2] = 0
                    bytes[h + 5] = UInt8(truncatingIfNeeded: top >> 8)   // 65536 → 0
                    bytes[h + 6] = UInt8(truncatingIfNeeded: top)
                    bytes[h + 7] = 0
                }
            }
        }
    }
}

extension BTree {
    /// `defragment`'s common case (B9): one freeblock and no fragments, as a row that grew
    /// leaves behind (the cell is removed, then the longer one inserted). The content below
    /// the freeblock moves up over it in one memmove and the pointers to that content grow
    /// by its size; the cells are neither parsed nor copied one by one. Returns false (page
    /// untouched) in any other case, or when the header or the freeblock is out of bounds.
    /// The page is writable already.
    func closeSingleFreeblock(_ node: Node) -> Bool {
        let page = node.page
        let usable = node.usable, h = node.headerOffset, count = node.cellCount
        let contentStart = node.contentStart, pointerStart = node.pointerArrayStart
        guard contentStart >= node.pointerArrayEnd, contentStart <= usable, h + 8 <= usable else { return false }
        let free = page.u16(h + 1)
        guard free != 0, free >= contentStart, free + 4 <= usable else { return false }
        let size = page.u16(free + 2)
        guard page.u16(free) == 0, size >= 4, free + size <= usable else { return false }
        let unsafe = page.unsafeBytes
        guard unsafe.count >= usable, unsafe[h + 7] == 0 else { return false }
        // Every pointer must point into the content area, not into the freeblock.
        for i in 0 ..< count {
            let p = pointerStart + 2 * i
            let off = Int(unsafe[p]) << 8 | Int(unsafe[p + 1])
            if off < contentStart || off >= usable || (off >= free && off < free + size) { return false }
        }
        page.withMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            // (copyMemory is a memmove: the ranges overlap.)
            (base + contentStart + size).copyMemory(from: base + contentStart, byteCount: free - contentStart)
            for i in 0 ..< count {
                let p = pointerStart + 2 * i
                let off = Int(bytes[p]) << 8 | Int(bytes[p + 1])
                guard off < free else { continue }
                bytes[p] = UInt8(truncatingIfNeeded: (off + size) >> 8)
                bytes[p + 1] = UInt8(truncatingIfNeeded: off + size)
            }
            let top = contentStart + size
            bytes[h + 1] = 0; bytes[h + 2] = 0
            bytes[h + 5] = UInt8(truncatingIfNeeded: top >> 8)   // 65536 → 0
            bytes[h + 6] = UInt8(truncatingIfNeeded: top)
        }
        return true
    }
}

/// A page's content held in memory while the tree is rebalanced.
struct NodeContent {
    var kind: PageKind
    /// Each cell's bytes; interior cells begin with the 4-byte left child.
    var cells: [[UInt8]]
    var rightChild: UInt32

    /// Bytes the cells and their pointers need.
    var cellBytes: Int { cells.reduce(0) { $0 + cellSpace($1.count) } }

    func fits(headerOffset: Int, usable: Int) -> Bool {
        headerOffset + kind.headerSize + cellBytes <= usable
    }
}

extension BTree {
    func readContent(_ n: PageNumber) throws -> NodeContent {
        let node = try node(n)
        var cells: [[UInt8]] = []
        cells.reserveCapacity(node.cellCount)
        for i in 0..<node.cellCount { cells.append(try node.cellBytes(i)) }
        return NodeContent(kind: node.kind, cells: cells, rightChild: node.rightChild)
    }

    /// Writes `content` onto `page`, cells packed downwards from the end of the usable area.
    func writeContent(_ content: NodeContent, to page: Page) throws {
        try pager.makeWritable(page)
        let usable = pager.usableSize
        let h = page.number.rawValue == 1 ? 100 : 0
        precondition(content.fits(headerOffset: h, usable: usable), "writeContent: content does not fit")
        page[h] = content.kind.rawValue
        page.setU16(h + 1, 0)
        page.setU16(h + 3, content.cells.count)
        page[h + 7] = 0
        if !content.kind.isLeaf { page.setU32(h + 8, content.rightChild) }
        var top = usable
        var ptr = h + content.kind.headerSize
        for cell in content.cells {
            let size = max(4, cell.count)
            top -= size
            page.setBytes(cell, at: top)
            if cell.count < 4 { page.setBytes(repeatElement(0, count: 4 - cell.count), at: top + cell.count) }
            page.setU16(ptr, top)
            ptr += 2
        }
        page.setU16(h + 5, top == 65536 ? 0 : top)
    }
}

/// The common tail of writing a new cell into a page in place: zeroes `padding` (a cell
/// shorter than the 4 bytes a slot takes), opens pointer slot `slot` in the pointer array
/// ending at `arrayEnd` (shifting the later pointers up by 2), points it at `offset` and sets
/// the cell count (header at `h`) to `count + 1`.
// Unsafe: the caller checked that the padding lies in the space it took and that the pointer
// array may grow into [arrayEnd, arrayEnd + 2).
@inline(__always)
func placeCellPointer(_ raw: UnsafeMutableRawBufferPointer, padding: Range<Int>, slot: Int, arrayEnd: Int,
                      offset: Int, count: Int, header h: Int) {
    for pos in padding { raw[pos] = 0 }
    if slot < arrayEnd, let base = raw.baseAddress {
        (base + slot + 2).copyMemory(from: base + slot, byteCount: arrayEnd - slot)
    }
    raw[slot] = UInt8(truncatingIfNeeded: offset >> 8)
    raw[slot + 1] = UInt8(truncatingIfNeeded: offset)
    raw[h + 3] = UInt8(truncatingIfNeeded: (count + 1) >> 8)
    raw[h + 4] = UInt8(truncatingIfNeeded: count + 1)
}

/// The size of the leaf cell `writeLocalCell` writes: the payload-size varint, the rowid's
/// (a table leaf; nil for an index leaf), the payload.
@inline(__always)
func localCellSize(rowid: Int64?, payloadCount n: Int) -> Int {
    Varint.length(of: UInt64(n)) + (rowid.map { Varint.length(of: UInt64(bitPattern: $0)) } ?? 0) + n
}

/// Writes a leaf cell whose payload is all local at `start`: the payload size, the rowid (a
/// table leaf; nil for an index leaf), the payload. Returns the offset after it.
// Unsafe: the caller found `start ..< start + cell size` inside the page's content area.
@inline(__always)
func writeLocalCell(_ raw: UnsafeMutableRawBufferPointer, at start: Int, rowid: Int64?, payload: [UInt8]) -> Int {
    let n = payload.count
    var pos = start
    pos += putVarint(UInt64(n), raw, pos)
    if let rowid { pos += putVarint(UInt64(bitPattern: rowid), raw, pos) }
    if n > 0 {
        payload.withUnsafeBytes { src in
            UnsafeMutableRawBufferPointer(rebasing: raw[pos ..< pos + n]).copyMemory(from: src)
        }
    }
    return pos + n
}
