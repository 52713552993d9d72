// This file implements the page census behind the dbstat virtual table: one entry per page
// of a B-tree (interior, leaf and overflow pages, in dbstat's order) with its cell count, payload
// and unused bytes. Layer: L3. Spec: Spec/L3-btree.md §Page statistics, dbstat.html.
import LoomBase
import LoomPager

/// One page of a B-tree as dbstat reports it.
package struct PageStatistics: Sendable, Equatable {
    package var page: UInt32
    /// "/" for the root, "/" + child index in 3 hex digits + "/" per level, and for an
    /// overflow page the cell's page path + cell index (3 hex digits) + "+" + 6 hex digits.
    package var path: String
    /// "internal", "leaf" or "overflow".
    package var kind: String
    package var cellCount: Int
    /// Payload bytes stored on the page (local payload of its cells; used bytes of an
    /// overflow page).
    package var payload: Int
    /// Free bytes (gaps, freeblocks, fragments; the unused tail of an overflow page).
    package var unused: Int
    /// The largest total payload of a cell on the page (0 for table interior pages and
    /// overflow pages).
    package var maxPayload: Int
    /// Byte offset of the page in the file as 3.40 reports it: an overflow page shows the
    /// offset of the page listed just before it.
    package var offset: Int64
}

extension BTree {
    /// The pages of the tree rooted at `root` in dbstat's order: a page, then for each cell
    /// its overflow chain followed (interior pages) by the subtree of its left child, then
    /// the right child's subtree. Inside a read transaction.
    package func pageStatistics(root: PageNumber) throws -> [PageStatistics] {
        enum Work {
            case page(PageNumber, String)
            /// The overflow chain of cell `index` of the page at `path`.
            case overflow(first: UInt32, remaining: Int, path: String, index: Int)
        }
        var out: [PageStatistics] = []
        var visited = Set<UInt32>()
        let pageSize = Int64(pager.pageSize)
        let usable = pager.usableSize
        func offset(_ n: UInt32) -> Int64 { Int64(n &- 1) &* pageSize }
        // 3.40 reports an overflow page at the offset of the page listed just before it.
        var lastPage: UInt32 = root.rawValue
        // Iterative (a corrupt tree cannot exhaust the stack).
        var stack: [Work] = [.page(root, "/")]
        while let work = stack.popLast() {
            switch work {
            case .overflow(let first, var remaining, let path, let index):
                var next = first
                var k = 0
                while next != 0 && remaining > 0 {
                    guard next <= pager.pageCount, visited.insert(next).inserted else {
                        throw DatabaseError.corrupt(page: next, "overflow chain")
                    }
                    let page = try pager.page(PageNumber(next))
                    let used = min(remaining, usable - 4)
                    out.append(PageStatistics(page: next, path: path + hex(index, 3) + "+" + hex(k, 6), kind: "overflow",
                                              cellCount: 0, payload: used, unused: usable - 4 - used,
                                              maxPayload: 0, offset: offset(lastPage)))
                    lastPage = next
                    remaining -= used
                    next = page.u32(0)
                    k += 1
                }
            case .page(let number, let path):
                guard visited.insert(number.rawValue).inserted else {
                    throw DatabaseError.corrupt(page: number.rawValue, "page visited twice")
                }
                let node = try self.node(number)
                // 3.40 reads a content-area start of 0 (65536 on 64 KiB pages) as 0.
                let quirk = node.page.u16(node.headerOffset + 5) == 0 ? 65536 : 0
                var entry = PageStatistics(page: number.rawValue, path: path, kind: node.kind.isLeaf ? "leaf" : "internal",
                                           cellCount: node.cellCount, payload: 0, unused: try node.freeBytes() - quirk,
                                           maxPayload: 0, offset: offset(number.rawValue))
                var later: [Work] = []
                for i in 0 ..< node.cellCount {
                    let cell = try node.cell(i)
                    entry.payload += cell.localSize
                    entry.maxPayload = max(entry.maxPayload, cell.payloadSize)
                    if cell.overflowPage != 0 {
                        later.append(.overflow(first: cell.overflowPage, remaining: cell.payloadSize - cell.localSize,
                                               path: path, index: i))
                    }
                    if !node.kind.isLeaf { later.append(.page(try node.child(i), path + hex(i, 3) + "/")) }
                }
                if !node.kind.isLeaf {
                    later.append(.page(try node.child(node.cellCount), path + hex(node.cellCount, 3) + "/"))
                }
                out.append(entry)
                lastPage = number.rawValue
                stack.append(contentsOf: later.reversed())
            }
        }
        return out
    }
}

/// `n` in lower-case hex, zero-padded to `width` digits.
private func hex(_ n: Int, _ width: Int) -> String {
    let s = String(n, radix: 16)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
