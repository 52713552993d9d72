// This file implements auto-vacuum for files Loom writes: the pointer map is recomputed
// from a walk of every tree and the freelist at commit, and FULL mode (or
// `incrementalVacuum(pages:)`) moves pages from the end of the file into free slots and
// truncates it. Layer: L3. Spec: Spec/L3-btree.md ("Auto-vacuum and pointer maps").
import LoomBase
import LoomPager
import LoomRecord

/// A pointer-map entry: what a page is and the page that points to it.
struct PointerEntry: Equatable {
    var type: PointerType
    var parent: UInt32
}

extension BTree {
    /// Whether the file is in incremental (header offset 64 non-zero) rather than full mode.
    var isIncrementalVacuum: Bool { ((try? pager.page(1).u32(64)) ?? 0) != 0 }

    /// Page 1 and the root page of every tree named in sqlite_schema.
    func allRoots() throws -> [UInt32] {
        var roots: Set<UInt32> = [1]
        let c = try tableCursor(root: 1, writable: false)
        var more = try c.first()
        var guardCount = 0
        while more {
            guardCount += 1
            guard guardCount <= Int(pager.pageCount) * 64 else { throw DatabaseError.corrupt(page: 1, "schema loop") }
            let r = try RecordReader(try c.payload())
            if case .integer(let root) = try r.column(3), root >= 1, root <= Int64(pager.pageCount) {
                roots.insert(UInt32(root))
            }
            more = try c.next()
        }
        return roots.sorted()
    }

    /// The entry every page should have, from a walk of the trees and the freelist; also
    /// returns the free pages.
    func computePointerMap(roots: [UInt32]) throws -> (map: [UInt32: PointerEntry], free: [UInt32]) {
        var map: [UInt32: PointerEntry] = [:]
        var free: [UInt32] = []
        let count = pager.pageCount
        func claim(_ p: UInt32, _ e: PointerEntry) throws {
            guard p >= 2, p <= count, !isPointerMapPage(p), map[p] == nil else {
                throw DatabaseError.corrupt(page: p, "page referenced twice or out of range")
            }
            map[p] = e
        }
        func walk(_ p: UInt32, _ e: PointerEntry, depth: Int) throws {
            guard depth < BTree.maxDepth else { throw DatabaseError.corrupt(page: p, "tree too deep") }
            if p != 1 { try claim(p, e) }
            let n = try node(PageNumber(p))
            for i in 0..<n.cellCount {
                let c = try n.cell(i)
                if c.overflowPage != 0 { try walkOverflow(c, from: p) }
                if !n.kind.isLeaf { try walk(c.leftChild, PointerEntry(type: .btree, parent: p), depth: depth + 1) }
            }
            if !n.kind.isLeaf { try walk(n.rightChild, PointerEntry(type: .btree, parent: p), depth: depth + 1) }
        }
        func walkOverflow(_ c: CellInfo, from p: UInt32) throws {
            let perPage = pager.usableSize - 4
            var remaining = (c.payloadSize - c.localSize + perPage - 1) / perPage
            var next = c.overflowPage
            var entry = PointerEntry(type: .overflow1, parent: p)
            while remaining > 0 {
                try claim(next, entry)
                entry = PointerEntry(type: .overflow2, parent: next)
                next = try pager.page(PageNumber(next)).u32(0)
                remaining -= 1
            }
        }
        for r in roots { try walk(r, PointerEntry(type: .rootPage, parent: 0), depth: 0) }
        let p1 = try pager.page(1)
        var trunk = p1.u32(32)
        while trunk != 0 {
            try claim(trunk, PointerEntry(type: .freePage, parent: 0))
            free.append(trunk)
            let t = try pager.page(PageNumber(trunk))
            let leaves = Int(t.u32(4))
            guard leaves <= pager.usableSize / 4 - 2 else { throw DatabaseError.corrupt(page: trunk, "freelist leaf count") }
            for i in 0..<leaves {
                let leaf = t.u32(8 + 4 * i)
                try claim(leaf, PointerEntry(type: .freePage, parent: 0))
                free.append(leaf)
            }
            trunk = t.u32(0)
        }
        return (map, free)
    }

    /// Brings an auto-vacuum file into shape before commit: FULL mode gives every free page
    /// back; both modes rewrite the pointer map and the largest-root field.
    func prepareAutoVacuumCommit() throws {
        guard isAutoVacuum, pager.state == .write, pager.pageCount > 0 else { return }
        _ = try vacuum(limit: isIncrementalVacuum ? 0 : nil)
    }

    /// Moves up to `pages` pages from the end of an auto-vacuum file into free slots and
    /// truncates the file (SQLite's `PRAGMA incremental_vacuum(N)`; 0 or less means all).
    /// Returns the number of pages the file lost. Needs a write transaction.
    @discardableResult
    package func incrementalVacuum(pages: Int) throws -> Int {
        guard isAutoVacuum else { return 0 }
        return try vacuum(limit: pages <= 0 ? nil : pages)
    }

    private func vacuum(limit: Int?) throws -> Int {
        let roots = try allRoots()
        var (map, freeList) = try computePointerMap(roots: roots)
        var free = Set(freeList)
        var n = pager.pageCount
        let before = n
        var moved = 0
        while n > 1, limit.map({ moved < $0 }) ?? true, !free.isEmpty {
            if isPointerMapPage(n) { n -= 1; continue }
            if free.contains(n) { free.remove(n); n -= 1; moved += 1; continue }
            guard let e = map[n], e.type != .rootPage, e.type != .freePage else { break }
            guard let dest = free.min(), dest < n else { break }
            try relocate(n, to: dest, entry: e, map: &map)
            free.remove(dest)
            n -= 1
            moved += 1
        }
        while n > 1 && isPointerMapPage(n) { n -= 1 }
        if n < before {
            freeList = free.sorted()
            try rewriteFreelist(freeList)
            for p in map.keys where p > n { map[p] = nil }
            pager.setPageCount(n)
        }
        for p in freeList where p <= n { map[p] = PointerEntry(type: .freePage, parent: 0) }
        for (p, e) in map where p <= n { try setPointerMapEntry(p, e.type, parent: e.parent) }
        try setMeta(.largestRootPage, max(1, roots.last ?? 1))
        return Int(before - n)
    }

    /// Copies page `from` to the free page `to` and repoints its parent and children.
    private func relocate(_ from: UInt32, to: UInt32, entry: PointerEntry, map: inout [UInt32: PointerEntry]) throws {
        let src = try pager.page(PageNumber(from))
        let dst = try pager.page(PageNumber(to))
        try pager.makeWritable(dst)
        dst.setBytes(src.bytes(at: 0, count: src.size), at: 0)
        let parent = try pager.page(PageNumber(entry.parent))
        switch entry.type {
        case .btree:
            let pn = try node(PageNumber(entry.parent))
            try pager.makeWritable(parent)
            var found = false
            if pn.rightChild == from { parent.setU32(pn.headerOffset + 8, to); found = true }
            for i in 0..<pn.cellCount where !found {
                let c = try pn.cell(i)
                if c.leftChild == from { parent.setU32(c.offset, to); found = true }
            }
            guard found else { throw DatabaseError.corrupt(page: entry.parent, "child pointer not found") }
        case .overflow1:
            let pn = try node(PageNumber(entry.parent))
            try pager.makeWritable(parent)
            var found = false
            for i in 0..<pn.cellCount where !found {
                let c = try pn.cell(i)
                if c.overflowPage == from { parent.setU32(c.payloadOffset + c.localSize, to); found = true }
            }
            guard found else { throw DatabaseError.corrupt(page: entry.parent, "overflow pointer not found") }
        case .overflow2:
            try pager.makeWritable(parent)
            parent.setU32(0, to)
        case .rootPage, .freePage:
            throw DatabaseError.corrupt(page: from, "cannot move")
        }
        map[from] = nil
        map[to] = entry
        // Everything the moved page points to now has it as parent.
        if entry.type == .btree {
            let moved = try node(PageNumber(to))
            for i in 0..<moved.cellCount {
                let c = try moved.cell(i)
                if c.overflowPage != 0 { map[c.overflowPage] = PointerEntry(type: .overflow1, parent: to) }
                if !moved.kind.isLeaf { map[c.leftChild] = PointerEntry(type: .btree, parent: to) }
            }
            if !moved.kind.isLeaf { map[moved.rightChild] = PointerEntry(type: .btree, parent: to) }
        } else {
            let next = dst.u32(0)
            if next != 0, map[next] != nil { map[next] = PointerEntry(type: .overflow2, parent: to) }
        }
    }

    /// The page for a new root in an auto-vacuum file: the first page after the largest root
    /// (skipping pointer-map pages), freed or emptied by moving its content elsewhere, as
    /// SQLite does so roots stay low and vacuum never has to move one. Nil when that page
    /// cannot be identified (then any page will do).
    func allocateRootPage() throws -> Page? {
        guard isAutoVacuum else { return nil }
        var target = max(1, try getMeta(.largestRootPage)) &+ 1
        // A largest root beyond the file is corrupt (and must not make us append forever).
        guard target <= pager.pageCount &+ 1 else { throw DatabaseError.corrupt(page: 1, "largest root page") }
        while isPointerMapPage(target) || target == pager.lockBytePage.rawValue { target &+= 1 }
        if target > pager.pageCount {
            while pager.pageCount < target { _ = try pager.appendPage() }
        } else {
            let roots = try allRoots()
            var (map, free) = try computePointerMap(roots: roots)
            if let i = free.firstIndex(of: target) {
                free.remove(at: i)
                try rewriteFreelist(free.sorted())
            } else if let e = map[target], e.type != .rootPage, e.type != .freePage {
                // Other cursors may stand on the page that moves: they re-seek by key.
                for w in cursors { try w.cursor.savePosition() }
                let dest = try allocatePage()
                try relocate(target, to: dest.number.rawValue, entry: e, map: &map)
            } else {
                return nil
            }
        }
        let p = try pager.page(PageNumber(target))
        try pager.makeWritable(p)
        p.setBytes(repeatElement(0, count: p.size), at: 0)
        try setMeta(.largestRootPage, target)
        return p
    }

    /// Writes the freelist anew as trunks holding the given free pages.
    private func rewriteFreelist(_ pages: [UInt32]) throws {
        let p1 = try pager.page(1)
        try pager.makeWritable(p1)
        let perTrunk = pager.usableSize / 4 - 8
        var next: UInt32 = 0
        // Build from the end so the first trunk is the lowest page.
        var groups: [[UInt32]] = []
        var k = 0
        while k < pages.count { groups.append(Array(pages[k..<min(pages.count, k + perTrunk + 1)])); k += perTrunk + 1 }
        for g in groups.reversed() {
            let t = try pager.page(PageNumber(g[0]))
            try pager.makeWritable(t)
            t.setU32(0, next)
            t.setU32(4, UInt32(g.count - 1))
            for (j, leaf) in g.dropFirst().enumerated() { t.setU32(8 + 4 * j, leaf) }
            next = g[0]
        }
        p1.setU32(32, next)
        p1.setU32(36, UInt32(pages.count))
    }
}
