// This file implements PageCache: the pager's bounded set of pages, with CLOCK eviction of
// clean pages nobody else references. Layer: L1. Spec: Spec/L1-pager.md ("Cache").

/// Pages by number: an open-addressing hash table (linear probing, Fibonacci hashing of the
/// page number). `Dictionary` hashed every lookup with SipHash, which was ~7% of an
/// insert-heavy profile (micro_c setup); a cache hit here is a multiply, a shift and a probe.
struct PageTable {
    /// Slot keys: 0 = empty (page numbers start at 1).
    private var keys: [UInt32]
    private var values: [Page?]
    private var shift: Int
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 64)
        values = Array(repeating: nil, count: 64)
        shift = 64 - 6
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(_ key: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// The slot holding `n`, or nil.
    @inline(__always)
    func slot(of n: PageNumber) -> Int? {
        let key = n.rawValue
        guard key != 0 else { return nil }
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return i }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    subscript(n: PageNumber) -> Page? {
        @inline(__always) get {
            guard let i = slot(of: n) else { return nil }
            return values[i]
        }
    }

    /// Inserts or replaces; returns the page it replaced.
    @discardableResult
    mutating func updateValue(_ page: Page, forKey n: PageNumber) -> Page? {
        precondition(n.rawValue != 0, "page number 0")
        if let i = slot(of: n) {
            let old = values[i]
            values[i] = page
            return old
        }
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var i = home(n.rawValue)
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = n.rawValue
        values[i] = page
        count += 1
        return nil
    }

    /// Removes `n` (backward-shift deletion keeps every probe chain unbroken).
    mutating func remove(_ n: PageNumber) {
        guard var hole = slot(of: n) else { return }
        let mask = keys.count - 1
        keys[hole] = 0
        values[hole] = nil
        count -= 1
        var i = (hole + 1) & mask
        while keys[i] != 0 {
            let h = home(keys[i])
            // Move entry i into the hole when its home is not cyclically within (hole, i].
            let inRange = hole <= i ? (h > hole && h <= i) : (h > hole || h <= i)
            if !inRange {
                keys[hole] = keys[i]
                values[hole] = values[i]
                keys[i] = 0
                values[i] = nil
                hole = i
            }
            i = (i + 1) & mask
        }
    }

    /// Whether only the table holds the page in `slot`.
    mutating func isUniquelyReferenced(slot i: Int) -> Bool {
        isKnownUniquelyReferenced(&values[i])
    }

    /// The page in `slot`'s number and flags, read without keeping a reference (so that a
    /// following `isUniquelyReferenced` sees only the table's).
    func state(inSlot i: Int) -> (number: PageNumber, recentlyUsed: Bool, isDirty: Bool)? {
        guard let p = values[i] else { return nil }
        return (p.number, p.recentlyUsed, p.isDirty)
    }

    func clearRecentlyUsed(inSlot i: Int) { values[i]?.recentlyUsed = false }

    mutating func removeAll() {
        self = PageTable()
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let capacity = keys.count * 2
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        shift -= 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != 0 {
            if let v { updateValue(v, forKey: PageNumber(k)) }
        }
    }

    func forEach(_ body: (Page) -> Void) {
        for case let p? in values { body(p) }
    }

    /// Every slot index that holds a page.
    var occupiedSlots: [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        for i in keys.indices where keys[i] != 0 { out.append(i) }
        return out
    }
}

/// Pages by number plus a CLOCK ring for eviction.
///
/// A page is "referenced" when someone besides the cache holds it: the cache keeps exactly
/// one strong reference (in `pages`; the ring holds page numbers only), so
/// `isKnownUniquelyReferenced` on that reference tells whether a caller still holds the
/// page. Such pages are never evicted, so the bound is soft: the cache grows past it when
/// every page is held or dirty and cannot be spilled.
struct PageCache {
    private(set) var pages = PageTable()
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
            guard let slot = pages.slot(of: n), let state = pages.state(inSlot: slot) else {
                removeFromRing(at: hand)
                continue
            }
            steps += 1
            if state.recentlyUsed {
                pages.clearRecentlyUsed(inSlot: slot)
                hand += 1
                continue
            }
            if !state.isDirty && pages.isUniquelyReferenced(slot: slot) {
                pages.remove(n)
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
        for slot in pages.occupiedSlots {
            guard let state = pages.state(inSlot: slot), state.isDirty else { continue }
            if pages.isUniquelyReferenced(slot: slot) { result.append(state.number) }
        }
        return result.sorted()
    }

    /// The dirty pages among `candidates` (page numbers), in page order: the same result as
    /// `dirtyPages()` when every dirty page is a candidate, found by lookups instead of a
    /// walk over the whole cache (a commit changes a few pages of a large cache).
    func dirtyPages(among candidates: Set<UInt32>) -> [Page] {
        if candidates.count * 4 > pages.count { return dirtyPages() }
        var result: [Page] = []
        result.reserveCapacity(candidates.count)
        for n in candidates {
            if let p = pages[PageNumber(n)], p.isDirty { result.append(p) }
        }
        return result.sorted { $0.number < $1.number }
    }

    /// Dirty pages in page order.
    func dirtyPages() -> [Page] {
        var result: [Page] = []
        pages.forEach { if $0.isDirty { result.append($0) } }
        return result.sorted { $0.number < $1.number }
    }

    mutating func removeAll(where shouldRemove: (Page) -> Bool) {
        var doomed: [PageNumber] = []
        pages.forEach { if shouldRemove($0) { doomed.append($0.number) } }
        guard !doomed.isEmpty else { return }
        for n in doomed { pages.remove(n) }
        ring = ring.filter { pages[$0] != nil }
        hand = 0
    }

    /// Removes page `n` (and its place in the CLOCK ring); returns it, or nil when absent.
    @discardableResult
    mutating func remove(_ n: PageNumber) -> Page? {
        guard let p = pages[n] else { return nil }
        pages.remove(n)
        if let i = ring.firstIndex(of: n) { removeFromRing(at: i) }
        return p
    }

    mutating func removeAll() {
        pages.removeAll()
        ring.removeAll()
        hand = 0
    }

    func forEach(_ body: (Page) -> Void) {
        pages.forEach(body)
    }

    private mutating func removeFromRing(at i: Int) {
        ring.swapAt(i, ring.count - 1)
        ring.removeLast()
    }
}
