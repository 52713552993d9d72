// This file implements PageCache: the pager's bounded set of pages, with CLOCK eviction of
// clean pages nobody else references. Layer: L1. Spec: Spec/L1-pager.md ("Cache").

/// Pages by number plus a CLOCK ring for eviction.
///
/// A page is "referenced" when someone besides the cache holds it: the cache keeps exactly
/// one strong reference (in `pages`; the ring holds page numbers only), so
/// `isKnownUniquelyReferenced` on that reference tells whether a caller still holds the
/// page. Such pages are never evicted, so the bound is soft: the cache grows past it when
/// every page is held or dirty and cannot be spilled.
struct PageCache {
    private(set) var pages: [PageNumber: Page] = [:]
    private var ring: [PageNumber] = []
    private var hand = 0

    var count: Int { pages.count }

    /// The cached page, marking it recently used. Allocation-free.
    @inline(__always)
    func lookup(_ n: PageNumber) -> Page? {
        guard let p = pages[n] else { return nil }
        p.recentlyUsed = true
        return p
    }

    mutating func insert(_ page: Page) {
        if pages.updateValue(page, forKey: page.number) == nil { ring.append(page.number) }
    }

    /// Evicts one clean page that nobody references, advancing the CLOCK hand (at most two
    /// sweeps). Returns false when there is none.
    mutating func evictClean() -> Bool {
        var steps = 0
        let limit = 2 * ring.count + 1
        while steps < limit && !ring.isEmpty {
            if hand >= ring.count { hand = 0 }
            let n = ring[hand]
            guard let index = pages.index(forKey: n) else {
                removeFromRing(at: hand)
                continue
            }
            steps += 1
            if pages.values[index].recentlyUsed {
                pages.values[index].recentlyUsed = false
                hand += 1
                continue
            }
            if !pages.values[index].isDirty && isKnownUniquelyReferenced(&pages.values[index]) {
                pages.remove(at: index)
                removeFromRing(at: hand)
                return true
            }
            hand += 1
        }
        return false
    }

    /// Dirty pages nobody else references, in page order (candidates for a spill).
    mutating func dirtyUnreferenced() -> [PageNumber] {
        var result: [PageNumber] = []
        var index = pages.startIndex
        while index != pages.endIndex {
            if pages.values[index].isDirty && isKnownUniquelyReferenced(&pages.values[index]) {
                result.append(pages.keys[index])
            }
            index = pages.index(after: index)
        }
        return result.sorted()
    }

    /// Dirty pages in page order.
    func dirtyPages() -> [Page] {
        pages.values.filter(\.isDirty).sorted { $0.number < $1.number }
    }

    mutating func removeAll(where shouldRemove: (Page) -> Bool) {
        let before = pages.count
        pages = pages.filter { !shouldRemove($0.value) }
        if pages.count != before {
            ring = ring.filter { pages[$0] != nil }
            hand = 0
        }
    }

    mutating func removeAll() {
        pages.removeAll()
        ring.removeAll()
        hand = 0
    }

    func forEach(_ body: (Page) -> Void) {
        for p in pages.values { body(p) }
    }

    private mutating func removeFromRing(at i: Int) {
        ring.swapAt(i, ring.count - 1)
        ring.removeLast()
    }
}
