// This file implements the freelist (trunk and leaf pages listed from page 1's header) and
// overflow page chains. Layer: L3. Spec: Spec/L3-btree.md ("Freelist", "Overflow", F1-F5).
import LoomBase
import LoomPager
import LoomRecord

extension BTree {
    // MARK: Freelist

    /// A writable, zeroed page: the last leaf of the first trunk, else the trunk itself, else
    /// a new page at the end of the file.
    func allocatePage() throws -> Page {
        let p1 = try pager.page(1)
        let count = p1.u32(36)
        let trunk = p1.u32(32)
        if count > 0 && trunk != 0 {
            guard trunk >= 2, trunk <= pager.pageCount else { throw DatabaseError.corrupt(page: trunk, "freelist trunk") }
            let t = try pager.page(PageNumber(trunk))
            let leaves = Int(t.u32(4))
            guard leaves <= pager.usableSize / 4 - 2 else { throw DatabaseError.corrupt(page: trunk, "freelist leaf count") }
            try pager.makeWritable(p1)
            let result: Page
            if leaves > 0 {
                let leaf = t.u32(8 + 4 * (leaves - 1))
                guard leaf >= 2, leaf <= pager.pageCount, leaf != trunk else { throw DatabaseError.corrupt(page: trunk, "freelist leaf") }
                try pager.makeWritable(t)
                t.setU32(4, UInt32(leaves - 1))
                result = try pager.page(PageNumber(leaf))
            } else {
                p1.setU32(32, t.u32(0))
                result = t
            }
            p1.setU32(36, count - 1)
            try pager.makeWritable(result)
            result.setBytes(repeatElement(0, count: result.size), at: 0)
            return result
        }
        var p = try pager.appendPage()
        // An auto-vacuum file keeps its pointer-map pages where they belong: skip them.
        if isAutoVacuum && isPointerMapPage(p.number.rawValue) { p = try pager.appendPage() }
        try pager.makeWritable(p)
        return p
    }

    /// Puts page `n` on the freelist: as a leaf of the first trunk when it has room (at most
    /// usable/4 − 8 leaves, as SQLite writes), else as a new first trunk.
    func freePage(_ n: PageNumber) throws {
        guard n.rawValue >= 2, n.rawValue <= pager.pageCount else { throw DatabaseError.corrupt(page: n.rawValue, "free page") }
        let p1 = try pager.page(1)
        try pager.makeWritable(p1)
        let count = p1.u32(36)
        let trunk = p1.u32(32)
        if trunk != 0 {
            guard trunk >= 2, trunk <= pager.pageCount else { throw DatabaseError.corrupt(page: trunk, "freelist trunk") }
            let t = try pager.page(PageNumber(trunk))
            let leaves = Int(t.u32(4))
            guard leaves <= pager.usableSize / 4 - 2 else { throw DatabaseError.corrupt(page: trunk, "freelist leaf count") }
            if leaves < pager.usableSize / 4 - 8 {
                if secureDelete { try zeroPage(n) }
                try pager.makeWritable(t)
                t.setU32(8 + 4 * leaves, n.rawValue)
                t.setU32(4, UInt32(leaves + 1))
                p1.setU32(36, count &+ 1)
                return
            }
        }
        if secureDelete { try zeroPage(n) }
        let p = try pager.page(n)
        try pager.makeWritable(p)
        p.setU32(0, trunk)
        p.setU32(4, 0)
        p1.setU32(32, n.rawValue)
        p1.setU32(36, count &+ 1)
    }

    /// secure_delete: overwrites a page that is being freed with zeros.
    private func zeroPage(_ n: PageNumber) throws {
        let p = try pager.page(n)
        try pager.makeWritable(p)
        p.setBytes(repeatElement(UInt8(0), count: p.size), at: 0)
    }

    // MARK: Overflow chains

    /// Builds the cell for a leaf entry, writing the part of the payload that does not fit
    /// locally to a chain of new overflow pages.
    func makeLeafCell(kind: PageKind, rowid: Int64, payload utf8Payload: [UInt8]) throws -> [UInt8] {
        // Upper layers hand UTF-8 records: a UTF-16 file stores its text as UTF-16.
        let payload: [UInt8]
        switch textEncoding {
        case .utf8: payload = utf8Payload
        case .utf16le: payload = try RecordCodec.transcodeToUTF16(utf8Payload, bigEndian: false)
        case .utf16be: payload = try RecordCodec.transcodeToUTF16(utf8Payload, bigEndian: true)
        }
        let usable = pager.usableSize
        var cell: [UInt8] = []
        let local = localPayloadSize(payload.count, usable: usable, tableLeaf: kind == .tableLeaf)
        cell.reserveCapacity(local + 18)
        Varint.write(UInt64(payload.count), into: &cell)
        if kind == .tableLeaf { Varint.write(UInt64(bitPattern: rowid), into: &cell) }
        cell.append(contentsOf: payload[0..<local])
        if local < payload.count {
            let perPage = usable - 4
            var pages: [Page] = []
            var offset = local
            while offset < payload.count {
                pages.append(try allocatePage())
                offset += perPage
            }
            offset = local
            for (i, p) in pages.enumerated() {
                p.setU32(0, i + 1 < pages.count ? pages[i + 1].number.rawValue : 0)
                let n = min(perPage, payload.count - offset)
                p.setBytes(payload[offset..<(offset + n)], at: 4)
                offset += n
            }
            let first = pages[0].number.rawValue
            cell.append(UInt8(truncatingIfNeeded: first >> 24))
            cell.append(UInt8(truncatingIfNeeded: first >> 16))
            cell.append(UInt8(truncatingIfNeeded: first >> 8))
            cell.append(UInt8(truncatingIfNeeded: first))
        }
        return cell
    }

    /// The whole payload of a cell as the upper layers see it: UTF-8 records, transcoded
    /// when the file's text encoding is UTF-16 (`makeLeafCell` writes them back as UTF-16).
    func readPayload(_ c: CellInfo, on page: Page) throws -> [UInt8] {
        let raw = try readRawPayload(c, on: page)
        switch textEncoding {
        case .utf8: return raw
        case .utf16le: return try RecordCodec.transcodeUTF16(raw, bigEndian: false)
        case .utf16be: return try RecordCodec.transcodeUTF16(raw, bigEndian: true)
        }
    }

    /// The whole payload of a cell: local bytes, then the overflow chain.
    func readRawPayload(_ c: CellInfo, on page: Page) throws -> [UInt8] {
        var out = page.bytes(at: c.payloadOffset, count: c.localSize)
        guard c.localSize < c.payloadSize else { return out }
        let perPage = pager.usableSize - 4
        // A chain cannot be longer than the file: refuse absurd sizes before allocating.
        guard (c.payloadSize - c.localSize) / perPage < Int(pager.pageCount) else {
            throw DatabaseError.corrupt(page: page.number.rawValue, "payload size")
        }
        out.reserveCapacity(c.payloadSize)
        var next = c.overflowPage
        // The loop ends because every page contributes perPage bytes (so no cycle can run on).
        while out.count < c.payloadSize {
            guard next >= 2, next <= pager.pageCount else { throw DatabaseError.corrupt(page: page.number.rawValue, "overflow page \(next)") }
            let p = try pager.page(PageNumber(next))
            let n = min(perPage, c.payloadSize - out.count)
            out.append(contentsOf: p.bytes(at: 4, count: n))
            next = p.u32(0)
        }
        return out
    }

    /// Frees the overflow pages of a cell.
    func freeOverflowChain(_ c: CellInfo) throws {
        let perPage = pager.usableSize - 4
        var remaining = c.payloadSize - c.localSize
        var next = c.overflowPage
        while remaining > 0 {
            guard next >= 2, next <= pager.pageCount else { throw DatabaseError.corrupt(page: next, "overflow chain") }
            let p = try pager.page(PageNumber(next))
            let following = p.u32(0)
            try freePage(PageNumber(next))
            next = following
            remaining -= perPage
        }
    }
}
