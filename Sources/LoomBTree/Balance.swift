// This file implements rebalancing: splitting pages that overflow (balance-deeper at the
// root, quick append splits), merging or redistributing pages that underflow, and
// balance-shallower when the root is left with one child.
// Layer: L3. Spec: Spec/L3-btree.md ("Balance", invariants B1-B7).
import LoomBase
import LoomPager
import LoomRecord

extension BTree {
    /// Capacity for cells of a non-root page of `kind`.
    func capacity(_ kind: PageKind) -> Int { pager.usableSize - kind.headerSize }

    /// Whether non-root page `pno`, changed in place, needs no rebalancing after losing a
    /// cell: it has cells and at least a third of its capacity in use (B8).
    func staysFull(_ pno: PageNumber) throws -> Bool {
        let node = try node(pno)
        let room = pager.usableSize - node.headerOffset - node.kind.headerSize
        let used = room - (try node.freeBytes())
        return node.cellCount > 0 && used >= capacity(node.kind) / 3
    }

    /// Rebalances along `path` (root first) after the deepest page changed.
    ///
    /// - `leafContent`: new content for the deepest page when it no longer fits (else nil:
    ///   the page was modified in place).
    /// - `slots[l]`: the child slot of `path[l + 1]` within `path[l]`.
    /// - `checkUnderflow`: the deepest page lost a cell (delete).
    /// - `append`: the change appended at the very end of the tree (quick split: pack left).
    ///
    /// Works bottom-up: a page that overflows is split into as many pages as needed; a page
    /// that is empty or less than a third full is merged with a sibling when both fit in one
    /// page, else the two are redistributed. Each step rewrites the parent, which is then
    /// checked the same way. The root keeps its page number: when it overflows its content
    /// moves to new children (balance-deeper); when an interior root has no cells left its
    /// only child moves up (balance-shallower).
    func rebalance(path: [PageNumber], slots: [Int], leafContent: NodeContent?, checkUnderflow: Bool, append: Bool) throws {
        var pending = leafContent
        var level = path.count - 1
        var underflow = checkUnderflow
        let usable = pager.usableSize
        while true {
            let pno = path[level]
            if pending == nil && level > 0 {
                // Modified in place: it fits; only an underflow needs the cells in memory.
                if try !underflow || staysFull(pno) { return }
            }
            let content = try pending ?? readContent(pno)
            if level == 0 {
                try balanceRoot(pno, content, wasPending: pending != nil, append: append)
                return
            }
            let overfull = !content.fits(headerOffset: 0, usable: usable)
            let underfull = underflow && (content.cells.isEmpty || content.cellBytes < capacity(content.kind) / 3)
            if !overfull && !underfull {
                if pending != nil { try writeContent(content, to: try pager.page(pno)) }
                return
            }
            let parentNo = path[level - 1]
            let slot = slots[level - 1]
            var parent = try readContent(parentNo)
            guard slot <= parent.cells.count else { throw DatabaseError.corrupt(page: parentNo.rawValue, "child slot") }
            if !append && !(parent.cells.isEmpty && !overfull),
               let spread = try spreadOverSiblings(content, slot: slot, parent: parent, parentNo: parentNo, headroom: overfull) {
                // B1a: up to three siblings share the cells, in as few pages as hold them.
                parent = spread
            } else if overfull {
                let (parts, dividers) = try distribute(content, append: append)
                var pages = [pno]
                for _ in 1..<parts.count { pages.append(try allocatePage().number) }
                for (part, p) in zip(parts, pages) { try writeContent(part, to: try pager.page(p)) }
                parent = replaceSlots(parent, from: slot, through: slot, pages: pages, dividers: dividers)
            } else {
                if parent.cells.isEmpty {
                    // An only child: nothing to merge with at this level; the parent (a root
                    // with no cells) is handled by balance-shallower above.
                    if pending != nil { try writeContent(content, to: try pager.page(pno)) }
                    pending = parent
                    level -= 1
                    underflow = true
                    continue
                }
                let leftSlot = slot > 0 ? slot - 1 : slot
                let leftNo = try childPage(parent, leftSlot)
                let rightNo = try childPage(parent, leftSlot + 1)
                let leftC = leftSlot == slot ? content : try readContent(leftNo)
                let rightC = leftSlot == slot ? try readContent(rightNo) : content
                guard leftC.kind == rightC.kind else { throw DatabaseError.corrupt(page: parentNo.rawValue, "sibling kinds differ") }
                let combined = combine(leftC, divider: Array(parent.cells[leftSlot].dropFirst(4)), rightC)
                if combined.fits(headerOffset: 0, usable: usable) {
                    try writeContent(combined, to: try pager.page(leftNo))
                    try freePage(rightNo)
                    parent = replaceSlots(parent, from: leftSlot, through: leftSlot + 1, pages: [leftNo], dividers: [])
                } else {
                    let (parts, dividers) = try distribute(combined, append: false)
                    var pages = [leftNo, rightNo]
                    while pages.count < parts.count { pages.append(try allocatePage().number) }
                    for (part, p) in zip(parts, pages) { try writeContent(part, to: try pager.page(p)) }
                    parent = replaceSlots(parent, from: leftSlot, through: leftSlot + 1, pages: pages, dividers: dividers)
                }
            }
            pending = parent
            level -= 1
            underflow = true
        }
    }

    /// B1a (SQLite's balance_nonroot, in Loom's terms): the child at `slot` of `parent` (its
    /// new content `content`, too full or underfull) and up to two neighbours — the
    /// siblings on both sides, or the two nearest at an edge — pool their cells (with the
    /// parent's dividers between them) and are laid out again in as few pages as hold them:
    /// packed from the left, then evened out from the right (a page takes cells from its
    /// left neighbour while it stays no fuller than that neighbour). The old pages are
    /// reused in order; pages beyond them are allocated, unused ones freed. Returns the
    /// parent's new content, or nil (nothing changed) when the cells cannot be laid out with
    /// every page non-empty: the caller then splits or merges pairs.
    func spreadOverSiblings(_ content: NodeContent, slot: Int, parent: NodeContent, parentNo: PageNumber, headroom: Bool) throws -> NodeContent? {
        let nc = parent.cells.count
        let nOld = min(3, nc + 1)
        let firstSlot = max(0, min(slot - 1, nc + 1 - nOld))
        var old: [PageNumber] = []
        var combined: NodeContent? = nil
        for s in firstSlot ..< firstSlot + nOld {
            let pno = try childPage(parent, s)
            old.append(pno)
            let c = s == slot ? content : try readContent(pno)
            if let prev = combined {
                guard prev.kind == c.kind else { throw DatabaseError.corrupt(page: parentNo.rawValue, "sibling kinds differ") }
                let d = parent.cells[s - 1]
                guard d.count >= 4 else { throw DatabaseError.corrupt(page: parentNo.rawValue, "interior cell") }
                combined = combine(prev, divider: Array(d.dropFirst(4)), c)
            } else {
                combined = c
            }
        }
        guard let all = combined, let (parts, dividers) = try spread(all, headroom: headroom) else { return nil }
        var pages = Array(old.prefix(parts.count))
        while pages.count < parts.count { pages.append(try allocatePage().number) }
        for (part, p) in zip(parts, pages) { try writeContent(part, to: try pager.page(p)) }
        for p in old.dropFirst(parts.count) { try freePage(p) }
        return replaceSlots(parent, from: firstSlot, through: firstSlot + nOld - 1, pages: pages, dividers: dividers)
    }

    /// Lays `content` out in as few non-root pages as hold it: packed from the left, then,
    /// from the rightmost boundary leftwards, cells move right while the right page stays no
    /// fuller than the left one (an empty right page always takes one). Index and interior
    /// pages give up one cell per boundary as the divider (moving across a boundary turns
    /// the left page's last cell into the divider and the old divider into the right page's
    /// first cell); table leaves keep every cell, the divider being the left page's last
    /// rowid. nil when some page would be empty.
    func spread(_ content: NodeContent, headroom: Bool) throws -> (parts: [NodeContent], dividers: [[UInt8]])? {
        let cap = capacity(content.kind)
        // After an overflow the pages are packed to 7/8 of their capacity, so the next
        // inserts there find room: packed full, every following insert would spread again.
        let limit = headroom ? cap - cap / 8 : cap
        let cells = content.cells
        let n = cells.count
        let consumes = content.kind != .tableLeaf
        guard n > 0 else { return nil }
        // sum[i]: the space of cells[0..<i].
        var sum = [Int](repeating: 0, count: n + 1)
        for i in 0 ..< n {
            let sz = cellSpace(cells[i].count)
            guard sz <= cap else { return nil }
            sum[i + 1] = sum[i] + sz
        }
        // ends[j]: the end (exclusive) of page j's cells; page j + 1 starts there (after the
        // divider cell when `consumes`). The last page ends at n.
        var ends: [Int] = []
        var start = 0, i = 0
        while i < n {
            if sum[i + 1] - sum[start] > limit && i > start {
                ends.append(i)
                if consumes { i += 1 }
                start = i
                continue
            }
            i += 1
        }
        let k = ends.count + 1
        func pageStart(_ j: Int) -> Int { j == 0 ? 0 : (consumes ? ends[j - 1] + 1 : ends[j - 1]) }
        func pageEnd(_ j: Int) -> Int { j == k - 1 ? n : ends[j] }
        if k > 1 {
            for j in stride(from: k - 2, through: 0, by: -1) {
                while true {
                    let ls = pageStart(j), le = ends[j]
                    let rs = consumes ? le + 1 : le, re = pageEnd(j + 1)
                    guard le - ls >= 2 else { break }
                    let left = sum[le] - sum[ls], right = sum[re] - sum[rs]
                    let out = sum[le] - sum[le - 1]
                    let inward = consumes ? sum[le + 1] - sum[le] : out
                    guard right == 0 || (right + inward <= left - out && right + inward <= cap) else { break }
                    ends[j] = le - 1
                }
            }
        }
        var parts: [NodeContent] = []
        var dividers: [[UInt8]] = []
        parts.reserveCapacity(k)
        for j in 0 ..< k {
            let s = pageStart(j), e = pageEnd(j)
            guard e > s else { return nil }
            var part = NodeContent(kind: content.kind, cells: Array(cells[s ..< e]), rightChild: 0)
            if j < k - 1 {
                if consumes {
                    let d = cells[e]
                    if content.kind.isLeaf {
                        dividers.append(d)
                    } else {
                        guard d.count >= 4 else { throw DatabaseError.corrupt(page: nil, "interior cell") }
                        part.rightChild = UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
                        dividers.append(Array(d[4...]))
                    }
                } else {
                    var d: [UInt8] = []
                    Varint.write(UInt64(bitPattern: try rowidOfTableLeafCell(cells[e - 1])), into: &d)
                    dividers.append(d)
                }
            } else {
                part.rightChild = content.rightChild
            }
            guard part.fits(headerOffset: 0, usable: pager.usableSize) else { return nil }
            parts.append(part)
        }
        return (parts, dividers)
    }

    /// What `quickAppendSplit` did.
    enum QuickSplit {
        /// The shape does not qualify; nothing changed.
        case notApplicable
        /// The new leaf holds the entry alone and is the parent's new right child; the parent
        /// was changed in place (no other page moved).
        case inPlace(newLeaf: PageNumber)
        /// The parent had to be rebalanced as well: positions must be found again.
        case rebalanced
    }

    /// SQLite's balance_quick: an entry appended past the end of a full table leaf that is
    /// its parent's right child goes alone onto a new leaf, which becomes the parent's right
    /// child; the parent gains the cell (old leaf, its last rowid). The old leaf is left as
    /// it is (its cells are never read into memory), and the parent is changed in place when
    /// the cell fits (else it is rebalanced from its content, as a split would). `newCell` is
    /// the appended table leaf cell that did not fit on the leaf at the end of `path`.
    func quickAppendSplit(path: [PageNumber], slots: [Int], newCell: [UInt8]) throws -> QuickSplit {
        guard path.count >= 2, cellSpace(newCell.count) <= capacity(.tableLeaf) else { return .notApplicable }
        let leafNo = path[path.count - 1]
        let parentNo = path[path.count - 2]
        let leaf = try node(leafNo)
        guard leaf.kind == .tableLeaf, leaf.cellCount >= 1,
              slots[path.count - 2] == (try node(parentNo)).cellCount else { return .notApplicable }
        let dividerRowid = try leaf.rowid(leaf.cellCount - 1)
        let newLeaf = try allocatePage()
        try writeContent(NodeContent(kind: .tableLeaf, cells: [newCell], rightChild: 0), to: newLeaf)
        var divider = u32Bytes(leafNo.rawValue)
        Varint.write(UInt64(bitPattern: dividerRowid), into: &divider)
        let parent = try node(parentNo)   // again: allocatePage may have changed pages
        guard parent.kind == .tableInterior else { throw DatabaseError.corrupt(page: parentNo.rawValue, "parent kind") }
        if try insertCellInPlace(parent, at: parent.cellCount, divider) {
            let page = parent.page
            page.setU32(parent.headerOffset + 8, newLeaf.number.rawValue)
            return .inPlace(newLeaf: newLeaf.number)
        }
        var parentContent = try readContent(parentNo)
        parentContent.cells.append(divider)
        parentContent.rightChild = newLeaf.number.rawValue
        try rebalance(path: Array(path.dropLast()), slots: Array(slots.dropLast()), leafContent: parentContent,
                      checkUnderflow: false, append: true)
        return .rebalanced
    }

    private func childPage(_ c: NodeContent, _ slot: Int) throws -> PageNumber {
        let v: UInt32
        if slot == c.cells.count { v = c.rightChild } else {
            let cell = c.cells[slot]
            guard cell.count >= 4 else { throw DatabaseError.corrupt(page: nil, "interior cell") }
            v = UInt32(cell[0]) << 24 | UInt32(cell[1]) << 16 | UInt32(cell[2]) << 8 | UInt32(cell[3])
        }
        guard v >= 2, v <= pager.pageCount else { throw DatabaseError.corrupt(page: v, "child page") }
        return PageNumber(v)
    }

    private func balanceRoot(_ root: PageNumber, _ content: NodeContent, wasPending: Bool, append: Bool) throws {
        let usable = pager.usableSize
        let headerOffset = root.rawValue == 1 ? 100 : 0
        var content = content
        var changed = wasPending
        var depthGuard = 0
        // Balance-deeper: the root's content moves to new children; the root keeps only
        // pointers to them (possibly none but the right child, on page 1).
        while !content.fits(headerOffset: headerOffset, usable: usable) {
            depthGuard += 1
            guard depthGuard < BTree.maxDepth else { throw DatabaseError.corrupt(page: root.rawValue, "cannot balance root") }
            let (parts, dividers) = try distribute(content, append: append)
            var pages: [PageNumber] = []
            for part in parts {
                let p = try allocatePage()
                try writeContent(part, to: p)
                pages.append(p.number)
            }
            var cells: [[UInt8]] = []
            for (p, d) in zip(pages, dividers) { cells.append(u32Bytes(p.rawValue) + d) }
            content = NodeContent(kind: content.kind.interior, cells: cells, rightChild: pages[pages.count - 1].rawValue)
            changed = true
        }
        // Balance-shallower: an interior root with no cells takes its only child's content.
        if !content.kind.isLeaf && content.cells.isEmpty {
            guard content.rightChild >= 2, content.rightChild <= pager.pageCount else { throw DatabaseError.corrupt(page: root.rawValue, "root child") }
            let child = PageNumber(content.rightChild)
            let cc = try readContent(child)
            if cc.fits(headerOffset: headerOffset, usable: usable) {
                try writeContent(cc, to: try pager.page(root))
                try freePage(child)
                return
            }
        }
        if changed { try writeContent(content, to: try pager.page(root)) }
    }

    /// Joins two sibling pages' content with the parent's divider between them. For table
    /// leaves the divider (a copy of a rowid) is dropped; for index leaves the divider entry
    /// comes down as a leaf cell; for interior pages it comes down with the left page's right
    /// child as its left child.
    func combine(_ left: NodeContent, divider: [UInt8], _ right: NodeContent) -> NodeContent {
        var cells = left.cells
        switch left.kind {
        case .tableLeaf: break
        case .indexLeaf: cells.append(divider)
        case .tableInterior, .indexInterior: cells.append(u32Bytes(left.rightChild) + divider)
        }
        cells.append(contentsOf: right.cells)
        return NodeContent(kind: left.kind, cells: cells, rightChild: right.rightChild)
    }

    /// Splits content that does not fit one page into pages that do, with the divider keys
    /// (parent cell bodies, without the child pointer) between them.
    ///
    /// Table leaves keep every cell and the divider is the last rowid on the left; other
    /// kinds give up one cell per divider. Splits are by byte size halves; with `append` the
    /// left page keeps all it can and the right page gets only the last entry (SQLite's
    /// quick-balance packing for sequential inserts).
    func distribute(_ content: NodeContent, append: Bool) throws -> (parts: [NodeContent], dividers: [[UInt8]]) {
        let cap = capacity(content.kind)
        if content.cellBytes <= cap { return ([content], []) }
        let cells = content.cells
        let n = cells.count
        let consumes = content.kind != .tableLeaf
        guard n >= (consumes ? 3 : 2) else { throw DatabaseError.corrupt(page: nil, "cells too large to split") }
        var s: Int
        if append {
            s = consumes ? n - 2 : n - 1
        } else {
            let total = content.cellBytes
            var acc = 0
            s = 1
            for i in 0..<n {
                acc += cellSpace(cells[i].count)
                if acc * 2 >= total { s = i + 1; break }
            }
            // Keep both sides non-empty.
            if consumes { s = min(max(s, 1), n - 2) } else { s = min(max(s, 1), n - 1) }
        }
        var left: NodeContent
        var right: NodeContent
        var divider: [UInt8]
        if consumes {
            let d = cells[s]
            left = NodeContent(kind: content.kind, cells: Array(cells[0..<s]), rightChild: 0)
            if !content.kind.isLeaf {
                guard d.count >= 4 else { throw DatabaseError.corrupt(page: nil, "interior cell") }
                left.rightChild = UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
                divider = Array(d[4...])
            } else {
                divider = d
            }
            right = NodeContent(kind: content.kind, cells: Array(cells[(s + 1)...]), rightChild: content.rightChild)
        } else {
            left = NodeContent(kind: content.kind, cells: Array(cells[0..<s]), rightChild: 0)
            right = NodeContent(kind: content.kind, cells: Array(cells[s...]), rightChild: 0)
            divider = []
            Varint.write(UInt64(bitPattern: try rowidOfTableLeafCell(cells[s - 1])), into: &divider)
        }
        if append && left.cellBytes > cap {
            return try distribute(content, append: false)
        }
        let (lp, ld) = try distribute(left, append: false)
        let (rp, rd) = try distribute(right, append: false)
        return (lp + rp, ld + [divider] + rd)
    }

    func rowidOfTableLeafCell(_ cell: [UInt8]) throws -> Int64 {
        guard let (_, l) = Varint.read(cell, at: 0), let (k, _) = Varint.read(cell, at: l) else {
            throw DatabaseError.corrupt(page: nil, "table leaf cell")
        }
        return Int64(bitPattern: k)
    }

    /// Replaces child slots `a...b` of `parent` with `pages`, and the keys between them with
    /// `dividers` (pages.count == dividers.count + 1). The key after slot b is kept.
    func replaceSlots(_ parent: NodeContent, from a: Int, through b: Int, pages: [PageNumber], dividers: [[UInt8]]) -> NodeContent {
        precondition(pages.count == dividers.count + 1)
        var children: [UInt32] = parent.cells.map { UInt32($0[0]) << 24 | UInt32($0[1]) << 16 | UInt32($0[2]) << 8 | UInt32($0[3]) }
        children.append(parent.rightChild)
        var keys: [[UInt8]] = parent.cells.map { Array($0.dropFirst(4)) }
        children.replaceSubrange(a...b, with: pages.map(\.rawValue))
        keys.replaceSubrange(a..<b, with: dividers)
        var cells: [[UInt8]] = []
        cells.reserveCapacity(keys.count)
        for i in 0..<keys.count { cells.append(u32Bytes(children[i]) + keys[i]) }
        return NodeContent(kind: parent.kind, cells: cells, rightChild: children[children.count - 1])
    }
}

@inline(__always)
func u32Bytes(_ v: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
}
