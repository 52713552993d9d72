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
        try staysFull(try node(pno))
    }

    /// `staysFull` for a node that is the page's current header.
    func staysFull(_ node: Node) throws -> Bool {
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
            if pending == nil {
                if level > 0 {
                    // Modified in place: it fits; only an underflow needs the cells in memory.
                    if try !underflow || staysFull(pno) { return }
                } else {
                    // The root, modified in place, fits: only an interior root left with no
                    // cells needs work (balance-shallower).
                    let n = try node(pno)
                    if n.kind.isLeaf || n.cellCount > 0 { return }
                }
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
            let parent = try node(parentNo)
            guard !parent.kind.isLeaf, slot <= parent.cellCount else { throw DatabaseError.corrupt(page: parentNo.rawValue, "child slot") }
            let change: ParentChange
            if overfull {
                let (parts, dividers) = try distribute(content, append: append)
                var pages = [pno]
                for _ in 1..<parts.count { pages.append(try allocatePage().number) }
                for (part, p) in zip(parts, pages) { try writeContent(part, to: try pager.page(p)) }
                change = ParentChange(from: slot, through: slot, pages: pages, dividers: dividers)
            } else {
                if parent.cellCount == 0 {
                    // An only child: nothing to merge with at this level; the parent (a root
                    // with no cells) is handled by balance-shallower above.
                    if pending != nil { try writeContent(content, to: try pager.page(pno)) }
                    pending = nil
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
                let combined = combine(leftC, divider: try dividerBody(parent, leftSlot), rightC)
                if combined.fits(headerOffset: 0, usable: usable) {
                    try writeContent(combined, to: try pager.page(leftNo))
                    try freePage(rightNo)
                    change = ParentChange(from: leftSlot, through: leftSlot + 1, pages: [leftNo], dividers: [])
                } else {
                    let (parts, dividers) = try distribute(combined, append: false)
                    var pages = [leftNo, rightNo]
                    while pages.count < parts.count { pages.append(try allocatePage().number) }
                    for (part, p) in zip(parts, pages) { try writeContent(part, to: try pager.page(p)) }
                    change = ParentChange(from: leftSlot, through: leftSlot + 1, pages: pages, dividers: dividers)
                }
            }
            pending = try applyToParent(parentNo, change)
            level -= 1
            underflow = true
        }
    }

    /// A rebalance step's result for the parent: child slots `from...through` become `pages`,
    /// with `dividers` (cell bodies without the child pointer) between them.
    struct ParentChange {
        var from: Int
        var through: Int
        var pages: [PageNumber]
        var dividers: [[UInt8]]
    }

    /// Applies `change` to the parent page in place (its old dividers removed, the new ones
    /// inserted, the last page's pointer stored in the slot after them) when the new dividers
    /// fit in the space the page has plus what the old ones free; returns nil then. Otherwise
    /// the page is untouched and its new content (too large for it) is returned, for the next
    /// rebalance step. In place, a split costs the parent two cell edits instead of a rewrite
    /// of every cell (a third of s25 test 180's balance work was parent rewrites).
    func applyToParent(_ parentNo: PageNumber, _ change: ParentChange) throws -> NodeContent? {
        precondition(change.pages.count == change.dividers.count + 1)
        var p = try node(parentNo)
        let a = change.from, b = change.through
        guard a >= 0, a <= b, b <= p.cellCount else { throw DatabaseError.corrupt(page: parentNo.rawValue, "child slot") }
        var freed = 0
        for i in a ..< b { freed += cellSpace(try p.cell(i).size) }
        var need = 0
        for d in change.dividers { need += cellSpace(d.count + 4) }
        if need > freed, try p.freeBytes() + freed < need {
            return replaceSlots(try readContent(parentNo), from: a, through: b, pages: change.pages, dividers: change.dividers)
        }
        try pager.makeWritable(p.page)
        for _ in a ..< b {
            try removeCellInPlace(p, at: a)
            p = try node(parentNo)
        }
        for (j, d) in change.dividers.enumerated() {
            guard try insertCellInPlace(p, at: a + j, u32Bytes(change.pages[j].rawValue) + d) else {
                throw DatabaseError.corrupt(page: parentNo.rawValue, "free space")
            }
            p = try node(parentNo)
        }
        let lastSlot = a + change.dividers.count
        let last = change.pages[change.pages.count - 1].rawValue
        if lastSlot == p.cellCount {
            p.page.setU32(p.headerOffset + 8, last)
        } else {
            let off = try p.cellOffset(lastSlot)
            guard off + 4 <= p.usable else { throw DatabaseError.corrupt(page: parentNo.rawValue, "cell") }
            p.page.setU32(off, last)
        }
        return nil
    }

    /// The key part of the parent's cell `i` (its bytes after the 4-byte left child).
    private func dividerBody(_ parent: Node, _ i: Int) throws -> [UInt8] {
        let c = try parent.cell(i)
        guard c.size >= 4 else { throw DatabaseError.corrupt(page: parent.number.rawValue, "interior cell") }
        return parent.page.bytes(at: c.offset + 4, count: c.size - 4)
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

    private func childPage(_ parent: Node, _ slot: Int) throws -> PageNumber {
        let c = try parent.child(slot)
        guard c.rawValue <= pager.pageCount else { throw DatabaseError.corrupt(page: c.rawValue, "child page") }
        return c
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
