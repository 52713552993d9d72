// This file implements the page census behind the dbstat virtual table: one entry per page
// of a B-tree (interior, leaf and overflow pages, depth first) with its cell count, payload
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
    /// offset of the page before it in its chain (the cell's page for the first).
    package var offset: Int64
}

extension BTree {
    /// The pages of the tree rooted at `root`, depth first: each page, then the overflow
    /// chains of its cells, then its children in order. Inside a read transaction.
    package func pageStatistics(root: PageNumber) throws -> [PageStatistics] {
        var out: [PageStatistics] = []
        var visited = Set<UInt32>()
        let pageSize = Int64(pager.pageSize)
        let usable = pager.usableSize
        func offset(_ n: UInt32) -> Int64 { Int64(n &- 1) &* pageSize }
        // Iterative depth-first walk (a corrupt tree cannot exhaust the stack).
        var stack: [(PageNumber, String)] = [(root, "/")]
        while let (number, path) = stack.popLast() {
            guard visited.insert(number.rawValue).inserted, visited.count <= Int(pager.pageCount) + 1 else {
                throw DatabaseError.corrupt(page: number.rawValue, "page visited twice")
            }
            let node = try self.node(number)
            var entry = PageStatistics(page: number.rawValue, path: path, kind: node.kind.isLeaf ? "leaf" : "internal",
                                       cellCount: node.cellCount, payload: 0, unused: try node.freeBytes(),
                                       maxPayload: 0, offset: offset(number.rawValue))
            var overflow: [PageStatistics] = []
            for i in 0 ..< node.cellCount {
                let cell = try node.cell(i)
                entry.payload += cell.localSize
                entry.maxPayload = max(entry.maxPayload, cell.payloadSize)
                guard cell.overflowPage != 0 else { continue }
                var remaining = cell.payloadSize - cell.localSize
                var next = cell.overflowPage
                var previous = number.rawValue
                var k = 0
                while next != 0 && remaining > 0 {
                    guard next <= pager.pageCount, visited.insert(next).inserted else {
                        throw DatabaseError.corrupt(page: next, "overflow chain")
                    }
                    let page = try pager.page(PageNumber(next))
                    let used = min(remaining, usable - 4)
                    overflow.append(PageStatistics(page: next, path: path + hex(i, 3) + "+" + hex(k, 6), kind: "overflow",
                                                   cellCount: 0, payload: used, unused: usable - 4 - used,
                                                   maxPayload: 0, offset: offset(previous)))
                    remaining -= used
                    previous = next
                    next = page.u32(0)
                    k += 1
                }
            }
            out.append(entry)
            out.append(contentsOf: overflow)
            if !node.kind.isLeaf {
                for slot in (0 ... node.cellCount).reversed() {
                    stack.append((try node.child(slot), path + hex(slot, 3) + "/"))
                }
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
