// This file implements integrityCheck: a walk of every tree, the freelist and every page's
// byte usage, reporting problems in SQLite's words where we can.
// Layer: L3. Spec: Spec/L3-btree.md ("Integrity check").
import LoomBase
import LoomPager
import LoomRecord

extension BTree {
    /// Checks the trees at `roots` (in that order) and the freelist; returns up to
    /// `maxErrors` messages (empty means "ok"). Does not check index key order (that needs
    /// each index's collations; L6's integrity check compares index entries to table rows).
    ///
    /// A `partial` check (SQLite's `PRAGMA integrity_check(TABLE)`) walks only `roots`: no
    /// pointer-map check, no "never used" pages, and the freelist only when `freelist` is set.
    package func integrityCheck(roots: [PageNumber], maxErrors: Int, partial: Bool = false,
                                freelist: Bool = true) throws -> [String] {
        var check = Checker(tree: self, maxErrors: maxErrors)
        check.run(roots: roots, partial: partial, freelist: freelist || !partial)
        return check.errors
    }
}

private struct Checker {
    let tree: BTree
    let maxErrors: Int
    var errors: [String] = []
    var seen: [Bool]
    let pageCount: UInt32
    let usable: Int
    /// The pointer-map entry each page should have (auto-vacuum files only).
    var expectedPointers: [UInt32: (type: UInt8, parent: UInt32)] = [:]

    init(tree: BTree, maxErrors: Int) {
        self.tree = tree
        self.maxErrors = max(1, maxErrors)
        pageCount = tree.pager.pageCount
        seen = Array(repeating: false, count: Int(pageCount) + 1)
        usable = tree.pager.usableSize
    }

    var full: Bool { errors.count >= maxErrors }

    mutating func error(_ s: String) { if !full { errors.append(s) } }

    /// Marks a page as used; false (with a message) when out of range or already used.
    mutating func claim(_ p: UInt32, _ context: String) -> Bool {
        guard p >= 1, p <= pageCount else { error("\(context)invalid page number \(p)"); return false }
        if seen[Int(p)] { error("\(context)2nd reference to page \(p)"); return false }
        seen[Int(p)] = true
        return true
    }

    mutating func run(roots: [PageNumber], partial: Bool, freelist: Bool) {
        guard pageCount > 0 else { return }
        if freelist { checkFreelist() }
        for r in roots where r.rawValue != 0 && !full {
            expect(r.rawValue, .rootPage, 0)
            _ = checkTree(r.rawValue, root: r.rawValue, depth: 0, upper: nil, reference: "")
        }
        if partial { return }
        if tree.isAutoVacuum { checkPointerMaps() }
        for p in 1...Int(pageCount) where !seen[p] && !full {
            error("Page \(p) is never used")
        }
    }

    mutating func expect(_ p: UInt32, _ type: PointerType, _ parent: UInt32) {
        if tree.isAutoVacuum { expectedPointers[p] = (type.rawValue, parent) }
    }

    /// Claims the pointer-map pages and compares every entry with what the walk found.
    mutating func checkPointerMaps() {
        guard pageCount >= 2 else { return }
        for p in 2...pageCount where tree.isPointerMapPage(p) { _ = claim(p, "Pointer map: ") }
        for p in expectedPointers.keys.sorted() where !full && p >= 3 {
            guard let want = expectedPointers[p] else { continue }
            guard let got = try? tree.pointerMapEntry(p) else { error("Failed to read ptrmap key=\(p)"); continue }
            if got.type != want.type || got.parent != want.parent {
                error("Bad ptr map entry key=\(p) expected=(\(want.type),\(want.parent)) got=(\(got.type),\(got.parent))")
            }
        }
    }

    mutating func checkFreelist() {
        guard let p1 = try? tree.pager.page(1) else { error("failed to get page 1"); return }
        var trunk = p1.u32(32)
        let expected = Int(p1.u32(36))
        var count = 0
        let context = "Main freelist: "
        while trunk != 0 && !full {
            guard claim(trunk, context) else { return }
            expect(trunk, .freePage, 0)
            count += 1
            guard let t = try? tree.pager.page(PageNumber(trunk)) else { error("\(context)failed to get page \(trunk)"); return }
            let leaves = Int(t.u32(4))
            if leaves > usable / 4 - 2 {
                error("\(context)freelist leaf count too big on page \(trunk)")
                return
            }
            for i in 0..<leaves {
                let leaf = t.u32(8 + 4 * i)
                if claim(leaf, context) { count += 1; expect(leaf, .freePage, 0) }
            }
            trunk = t.u32(0)
        }
        if count != expected && !full {
            error("\(context)size is \(count) but should be \(expected)")
        }
    }

    /// Checks one page and its subtree, right to left as SQLite does: every rowid must be
    /// below the one to its right (the first may equal `upper`, the parent's divider).
    /// Returns the subtree depth (leaves are 0) and its smallest rowid. `reference` prefixes a
    /// bad or repeated page number: empty for a root, else the parent's cell or right child.
    mutating func checkTree(_ p: UInt32, root: UInt32, depth: Int, upper: Int64?, reference: String) -> (depth: Int, minKey: Int64?) {
        let context = "On tree page \(p): "
        guard depth < BTree.maxDepth else { error("\(context)tree too deep"); return (0, nil) }
        guard claim(p, reference) else { return (0, nil) }
        let node: Node
        do { node = try tree.node(PageNumber(p)) } catch {
            self.error("Page \(p): btreeInitPage() returns error code 11")
            return (0, nil)
        }
        if p != root && node.cellCount == 0 { error("\(context)page has no cells") }
        var used = [Bool](repeating: false, count: usable)
        func mark(_ start: Int, _ count: Int) -> Bool {
            guard start >= 0, count >= 0, start + count <= used.count else { return false }
            for i in start..<(start + count) { if used[i] { return false }; used[i] = true }
            return true
        }
        _ = mark(0, node.pointerArrayEnd)
        var childDepth: Int? = nil
        var maxKey = upper
        var equalAllowed = true
        if !node.kind.isLeaf {
            expect(node.rightChild, .btree, p)
            let (d, m) = checkTree(node.rightChild, root: root, depth: depth + 1, upper: maxKey,
                                   reference: "On page \(p) at right child: ")
            childDepth = d
            if let m { maxKey = m; equalAllowed = false }
        }
        var cellTotal = 0
        // A cell outside the content area stops the byte accounting of the page, as in SQLite.
        var coverage = true
        var cells: [(offset: Int, size: Int)] = []
        for i in stride(from: node.cellCount - 1, through: 0, by: -1) where !full {
            let cctx = "On tree page \(p) cell \(i): "
            let pc = node.page.u16(node.pointerArrayStart + 2 * i)
            if pc < node.contentStart || pc > usable - 4 {
                error("\(cctx)Offset \(pc) out of range \(node.contentStart)..\(usable - 4)")
                coverage = false
                continue
            }
            let c: CellInfo
            do { c = try node.parseCell(at: pc) } catch {
                self.error("\(cctx)Extends off end of page"); coverage = false; continue
            }
            if pc + c.size > usable { error("\(cctx)Extends off end of page"); coverage = false; continue }
            let size = max(4, c.size)
            cellTotal += size
            cells.append((c.offset, size))
            if node.kind.isTable {
                if let mk = maxKey, equalAllowed ? c.rowid > mk : c.rowid >= mk {
                    error("\(cctx)Rowid \(c.rowid) out of order")
                }
                maxKey = c.rowid
                equalAllowed = false
            }
            if c.overflowPage != 0 { checkOverflow(c, cctx, from: p) }
            if !node.kind.isLeaf {
                expect(c.leftChild, .btree, p)
                let (d, m) = checkTree(c.leftChild, root: root, depth: depth + 1, upper: node.kind.isTable ? maxKey : nil, reference: cctx)
                if let cd = childDepth, cd != d { error("\(cctx)Child page depth differs") }
                childDepth = d
                if node.kind.isTable, let m { maxKey = m }
                equalAllowed = false
            }
        }
        guard coverage && !full else { return ((childDepth ?? -1) + 1, node.kind.isTable ? maxKey : nil) }
        for (offset, size) in cells where !full {
            if offset < node.contentStart || !mark(offset, size) {
                error("Multiple uses for byte \(offset) of page \(p)")
            }
        }
        // Free space: freeblocks, then fragments = what is left of the content area.
        var fb = node.firstFreeblock
        var freeTotal = 0
        var guardCount = 0
        while fb != 0 && !full {
            guardCount += 1
            guard fb + 4 <= usable, guardCount < usable / 4 else { error("\(context)freeblock out of range"); break }
            let size = node.page.u16(fb + 2)
            if !mark(fb, size) { error("Multiple uses for byte \(fb) of page \(p)"); break }
            freeTotal += size
            let next = node.page.u16(fb)
            if next != 0 && next <= fb + size { error("\(context)freeblocks out of order"); break }
            fb = next
        }
        let contentArea = usable - min(node.contentStart, usable)
        let fragments = contentArea - cellTotal - freeTotal
        if fragments != node.fragmentedBytes && !full {
            error("Fragmentation of \(fragments) bytes reported as \(node.fragmentedBytes) on page \(p)")
        }
        return ((childDepth ?? -1) + 1, node.kind.isTable ? maxKey : nil)
    }

    mutating func checkOverflow(_ c: CellInfo, _ context: String, from page: UInt32) {
        let perPage = usable - 4
        let expected = (c.payloadSize - c.localSize + perPage - 1) / perPage
        var next = c.overflowPage
        var previous: UInt32 = 0
        var n = 0
        while n < expected && !full {
            guard claim(next, context) else { return }
            expect(next, n == 0 ? .overflow1 : .overflow2, n == 0 ? page : previous)
            previous = next
            n += 1
            guard let page = try? tree.pager.page(PageNumber(next)) else { error("\(context)failed to get page \(next)"); return }
            next = page.u32(0)
            if n < expected && next == 0 {
                error("\(context)\(expected - n) of \(expected) pages missing from overflow list starting at \(c.overflowPage)")
                return
            }
        }
        if next != 0 && !full { error("\(context)extends off end of page list") }
    }
}
