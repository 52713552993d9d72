// This file implements the binary search of one B-tree page for a rowid or an index key,
// reading cell pointers and keys in place (one page access per search, not one per probe).
// Layer: L3. Spec: Spec/L3-btree.md ("Cursors", invariants K2, K3, K10).
import LoomBase
import LoomRecord

/// Reads the varint at `pos` of `buf` without reading at or past `end` (a page's usable
/// size): its value and length, nil when it runs into `end`. Inlined into the page searches
/// (`Varint.read` is a call per probe; a one-byte varint is the common case).
@inline(__always)
func pageVarint(_ buf: UnsafeRawBufferPointer, _ pos: Int, _ end: Int) -> (value: UInt64, length: Int)? {
    guard pos >= 0, pos < end else { return nil }
    let b0 = buf[pos]
    if b0 < 0x80 { return (UInt64(b0), 1) }
    var v = UInt64(b0 & 0x7F)
    var i = pos + 1
    while i < pos + 8 {
        guard i < end else { return nil }
        let b = buf[i]
        v = v << 7 | UInt64(b & 0x7F)
        i += 1
        if b < 0x80 { return (v, i - pos) }
    }
    guard i < end else { return nil }
    return (v << 8 | UInt64(buf[i]), 9)
}

extension Node {
    /// The first cell whose rowid is >= `r` (cellCount when none) on a table page, and
    /// whether that cell's rowid equals `r`. Every pointer and varint read is bounds-checked
    /// (P1): a damaged page throws `corrupt`. Reads the page in place (`Page.unsafeBytes`:
    /// this node holds the page).
    func searchRowid(_ r: Int64) throws -> (index: Int, equal: Bool) {
        let usable = self.usable
        let ptrStart = pointerArrayStart
        let ptrEnd = pointerArrayEnd
        let interior = kind == .tableInterior
        // Node's init checked ptrEnd <= usable <= page size.
        let buf = page.unsafeBytes
        var lo = 0, hi = cellCount, equalAt = -1
        while lo < hi {
            let mid = (lo + hi) >> 1
            let p = ptrStart + 2 * mid
            let off = Int(buf[p]) << 8 | Int(buf[p + 1])
            guard off >= ptrEnd, off < usable else { throw DatabaseError.corrupt(page: number.rawValue, "cell pointer") }
            var pos = off
            if interior { pos += 4 } else if buf[pos] < 0x80 { pos += 1 } else {
                guard let (_, l) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: number.rawValue, "payload size") }
                pos += l
            }
            guard let (k, _) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: number.rawValue, "rowid") }
            let key = Int64(bitPattern: k)
            if key < r { lo = mid + 1 } else {
                hi = mid
                if key == r { equalAt = mid }
            }
        }
        return (lo, equalAt == lo)
    }

    /// The first cell >= the probe's key (`after`: > it, where entries the key prefixes
    /// count as smaller) on an index page, and whether that cell compares equal (never for
    /// `after`). nil when a probed cell's payload is not all on the page (or the file is
    /// UTF-16): the caller then compares cell by cell with assembled payloads.
    func searchKey(_ probe: inout KeyProbe, after: Bool) throws -> (index: Int, equal: Bool)? {
        // `localPayloadRange` per probe, with what does not change from probe to probe (the
        // pointer array's bounds, the cell prefix, the largest all-local payload) hoisted.
        let usable = self.usable
        let pn = number.rawValue
        let skip: Int
        switch kind {
        case .indexLeaf: skip = 0
        case .indexInterior: skip = 4
        case .tableLeaf, .tableInterior: return nil
        }
        let ptrStart = pointerArrayStart, ptrEnd = pointerArrayEnd
        // A payload of at most X bytes is all on the page (localPayloadSize), a longer one never.
        let maxLocal = maxLocalPayload(usable: usable, tableLeaf: false)
        let buf = UnsafeRawBufferPointer(rebasing: page.unsafeBytes[0..<usable])
        var lo = 0, hi = cellCount, equalAt = -1
        while lo < hi {
            let mid = (lo + hi) >> 1
            let p = ptrStart + 2 * mid
            let off = Int(buf[p]) << 8 | Int(buf[p + 1])
            guard off >= ptrEnd, off < usable else { throw DatabaseError.corrupt(page: pn, "cell pointer") }
            var pos = off + skip
            guard pos < usable else { throw DatabaseError.corrupt(page: pn, "cell") }
            let size: Int
            if buf[pos] < 0x80 { size = Int(buf[pos]); pos += 1 } else {
                guard let (v, l) = pageVarint(buf, pos, usable), v <= UInt64(Int32.max) else {
                    throw DatabaseError.corrupt(page: pn, "payload size")
                }
                size = Int(v); pos += l
            }
            guard size <= maxLocal else { return nil }
            guard size <= usable - pos else { throw DatabaseError.corrupt(page: pn, "cell extends past page") }
            var c = try probe.compare(UnsafeRawBufferPointer(rebasing: buf[pos ..< pos + size]))
            if after && c == 0 { c = -1 }
            if c < 0 { lo = mid + 1 } else {
                hi = mid
                if c == 0 { equalAt = mid }
            }
        }
        return (lo, equalAt == lo)
    }
}

extension Node {
    /// Where cell `i`'s payload lies in `buf` (the page's bytes up to the usable size) when
    /// it is all on the page; nil when it has overflow pages or the page is a table interior.
    /// Parses only the cell's leading varints; bounds are checked as `parseCell` does.
    @inline(__always)
    func localPayloadRange(_ buf: UnsafeRawBufferPointer, _ i: Int) throws -> Range<Int>? {
        precondition(i >= 0 && i < cellCount)
        let pn = number.rawValue
        let p = pointerArrayStart + 2 * i
        let off = Int(buf[p]) << 8 | Int(buf[p + 1])
        guard off >= pointerArrayEnd, off < usable else { throw DatabaseError.corrupt(page: pn, "cell pointer") }
        var pos = off
        switch kind {
        case .tableInterior: return nil
        case .indexInterior:
            pos += 4
            guard pos < usable else { throw DatabaseError.corrupt(page: pn, "cell") }
        case .tableLeaf, .indexLeaf: break
        }
        let size: Int
        if buf[pos] < 0x80 { size = Int(buf[pos]); pos += 1 } else {
            guard let (v, l) = pageVarint(buf, pos, usable), v <= UInt64(Int32.max) else {
                throw DatabaseError.corrupt(page: pn, "payload size")
            }
            size = Int(v); pos += l
        }
        let tableLeaf = kind == .tableLeaf
        if tableLeaf {
            guard pos < usable else { throw DatabaseError.corrupt(page: pn, "rowid") }
            if buf[pos] < 0x80 { pos += 1 } else {
                guard let (_, l) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: pn, "rowid") }
                pos += l
            }
        }
        guard localPayloadSize(size, usable: usable, tableLeaf: tableLeaf) == size else { return nil }
        guard size <= usable - pos else { throw DatabaseError.corrupt(page: pn, "cell extends past page") }
        return pos ..< pos + size
    }
}
