// This file implements pointer maps, the back-pointer pages of auto-vacuum databases:
// where they sit, and reading and writing their 5-byte entries.
// Layer: L3. Spec: Spec/L3-btree.md ("Auto-vacuum and pointer maps").
import LoomBase
import LoomPager

/// What a page is, as a pointer-map entry records it (fileformat2.html, "Pointer Map").
package enum PointerType: UInt8, Sendable {
    case rootPage = 1, freePage = 2, overflow1 = 3, overflow2 = 4, btree = 5
}

extension BTree {
    /// Pages covered by one pointer-map page.
    var pointerMapEntriesPerPage: UInt32 { UInt32(pager.usableSize / 5) }

    /// The pointer-map page holding the entry for page `p` (p >= 2).
    func pointerMapPage(for p: UInt32) -> UInt32 {
        guard p >= 2 else { return 0 }
        let group = pointerMapEntriesPerPage + 1
        var m = (p - 2) / group * group + 2
        if m == pager.lockBytePage.rawValue { m += 1 }
        return m
    }

    /// True when `p` is a pointer-map page of an auto-vacuum file.
    package func isPointerMapPage(_ p: UInt32) -> Bool {
        isAutoVacuum && p >= 2 && pointerMapPage(for: p) == p
    }

    /// The pointer-map entry of page `p`; nil when `p` has none (out of range, page 1,
    /// a pointer-map page itself) or the map page cannot be read.
    package func pointerMapEntry(_ p: UInt32) throws -> (type: UInt8, parent: UInt32)? {
        guard isAutoVacuum, p >= 3, p <= pager.pageCount, !isPointerMapPage(p) else { return nil }
        let m = pointerMapPage(for: p)
        guard m <= pager.pageCount else { return nil }
        let page = try pager.page(PageNumber(m))
        let offset = Int(5 * (p - m - 1))
        guard offset + 5 <= pager.usableSize else { return nil }
        return (page[offset], page.u32(offset + 1))
    }

    /// Writes the pointer-map entry of page `p` (a no-op for files without auto-vacuum).
    func setPointerMapEntry(_ p: UInt32, _ type: PointerType, parent: UInt32) throws {
        guard isAutoVacuum, p >= 3, !isPointerMapPage(p) else { return }
        let m = pointerMapPage(for: p)
        guard m <= pager.pageCount else { throw DatabaseError.corrupt(page: m, "pointer map beyond end") }
        let page = try pager.page(PageNumber(m))
        let offset = Int(5 * (p - m - 1))
        guard offset + 5 <= pager.usableSize else { throw DatabaseError.corrupt(page: m, "pointer map offset") }
        if page[offset] == type.rawValue && page.u32(offset + 1) == parent { return }
        try pager.makeWritable(page)
        page[offset] = type.rawValue
        page.setU32(offset + 1, parent)
    }
}
