// This file implements the binary search of one B-tree page for a rowid or an index key,
// reading cell pointers and keys in place (one page access per search, not one per probe).
// Layer: L3. Spec: Spec/L3-btree.md ("Cursors", invariants K2, K3, K10).
import LoomBase
import LoomRecord

extension Node {
    /// The first cell whose rowid is >= `r` (cellCount when none) on a table page, and
    /// whether that cell's rowid equals `r`. Every pointer and varint read is bounds-checked
    /// (P1): a damaged page throws `corrupt`.
    func searchRowid(_ r: Int64) throws -> (index: Int, equal: Bool) {
        let pn = number.rawValue
        let usable = self.usable
        let ptrStart = pointerArrayStart
        let ptrEnd = pointerArrayEnd
        let count = cellCount
        let interior = kind == .tableInterior
        return try page.withBytes { raw in
            // Node's init checked ptrEnd <= usable <= page size.
            let buf = UnsafeRawBufferPointer(rebasing: raw[0..<usable])
            var lo = 0, hi = count, equalAt = -1
            while lo < hi {
                let mid = (lo + hi) >> 1
                let p = ptrStart + 2 * mid
                let off = Int(buf[p]) << 8 | Int(buf[p + 1])
                guard off >= ptrEnd, off < usable else { throw DatabaseError.corrupt(page: pn, "cell pointer") }
                var pos = off
                if interior { pos += 4 } else if buf[pos] < 0x80 { pos += 1 } else {
                    guard let (_, l) = Varint.read(buf, at: pos) else { throw DatabaseError.corrupt(page: pn, "payload size") }
                    pos += l
                }
                let key: Int64
                if pos < usable, buf[pos] < 0x80 { key = Int64(buf[pos]) } else {
                    guard let (k, _) = Varint.read(buf, at: pos) else { throw DatabaseError.corrupt(page: pn, "rowid") }
                    key = Int64(bitPattern: k)
                }
                if key < r { lo = mid + 1 } else {
                    hi = mid
                    if key == r { equalAt = mid }
                }
            }
            return (lo, equalAt == lo)
        }
    }

    /// The first cell >= the probe's key (`after`: > it, where entries the key prefixes
    /// count as smaller) on an index page, and whether that cell compares equal (never for
    /// `after`). nil when a probed cell's payload is not all on the page (or the file is
    /// UTF-16): the caller then compares cell by cell with assembled payloads.
    func searchKey(_ probe: KeyProbe, after: Bool) throws -> (index: Int, equal: Bool)? {
        let usable = self.usable
        let count = cellCount
        return try page.withBytes { raw -> (index: Int, equal: Bool)? in
            let buf = UnsafeRawBufferPointer(rebasing: raw[0..<usable])
            var lo = 0, hi = count, equalAt = -1
            while lo < hi {
                let mid = (lo + hi) >> 1
                guard let range = try localPayloadRange(buf, mid) else { return nil }
                var c = try probe.compare(UnsafeRawBufferPointer(rebasing: buf[range]))
                if after && c == 0 { c = -1 }
                if c < 0 { lo = mid + 1 } else {
                    hi = mid
                    if c == 0 { equalAt = mid }
                }
            }
            return (lo, equalAt == lo)
        }
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
            guard let (v, l) = Varint.read(buf, at: pos), v <= UInt64(Int32.max) else {
                throw DatabaseError.corrupt(page: pn, "payload size")
            }
            size = Int(v); pos += l
        }
        let tableLeaf = kind == .tableLeaf
        if tableLeaf {
            guard pos < usable else { throw DatabaseError.corrupt(page: pn, "rowid") }
            if buf[pos] < 0x80 { pos += 1 } else {
                guard let (_, l) = Varint.read(buf, at: pos) else { throw DatabaseError.corrupt(page: pn, "rowid") }
                pos += l
            }
        }
        guard localPayloadSize(size, usable: usable, tableLeaf: tableLeaf) == size else { return nil }
        guard size <= usable - pos else { throw DatabaseError.corrupt(page: pn, "cell extends past page") }
        return pos ..< pos + size
    }
}
