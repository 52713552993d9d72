// This file implements cursors over table and index B-trees: navigation, seeks, reading
// entries, insert and delete, and position saving when another cursor changes the tree.
// Layer: L3. Spec: Spec/L3-btree.md ("Cursors", invariants K1-K7).
import LoomBase
import LoomPager
import LoomRecord

/// The key a cursor remembers when its position must survive a change to the tree.
enum SavedKey {
    case rowid(Int64)
    case key([Value])
    /// Seek target only: sorts after every entry it prefixes (first entry > key).
    case keyAfter([Value])
    /// An index entry given as its record (IdxInsert): compared in place, never decoded.
    case record([UInt8])
}

/// The nodes a cursor keeps from page to page (`CursorCore.node`), and the storage of its
/// stacks and probe while it is closed. A class, so that a closing cursor hands all of it to
/// the next cursor on the same tree in one move (`BTree.parkCursor`, invariant K13): a
/// statement opens its cursors afresh, and its first descent then finds the root and the
/// pages below it without page lookups, and pushes onto storage that is already there.
final class KeptNodes {
    /// The tree the nodes belong to (set when parked).
    var root: PageNumber = 0
    var isTable = false
    var level0: CursorCore.CachedNode?
    var level1: CursorCore.CachedNode?
    var level2: CursorCore.CachedNode?
    var level3: CursorCore.CachedNode?
    var deeper: CursorCore.CachedNode?
    /// Emptied storage of the closed cursor's `stack`, `hintStack` and `lastProbe`.
    var stack: [(page: PageNumber, index: Int)] = []
    var hintStack: [(page: PageNumber, index: Int)] = []
    var probe = KeyProbe()
}

/// The shared machinery of `TableCursor` and `IndexCursor`.
///
/// The position is a stack of (page, index) from the root down. On interior pages the index
/// is the child slot descended into; on the top page it is the cell the cursor is on (index
/// trees can be on an interior cell, since their interior cells are entries too).
final class CursorCore {
    let tree: BTree
    let root: PageNumber
    let isTable: Bool
    let writable: Bool
    let keyInfo: KeyInfo
    var stack: [(page: PageNumber, index: Int)] = []

    enum State {
        case invalid
        case valid
        /// Another cursor changed the tree: re-seek this key before use.
        case saved(SavedKey)
        /// The entry with this key was deleted through this cursor: `next` goes to the entry
        /// after it, `previous` to the entry before it.
        case deleted(SavedKey)
    }
    var state: State = .invalid
    /// Set by `descend` when an interior cell on the way down equalled the key.
    private var landedOnEqualInterior = false
    /// Set by `descend` when every interior page was left through its right child.
    private var descendedRightmost = false
    /// True while the cursor is valid and on the last entry of the tree (set by `last` and
    /// by an insert past the end; cleared by every other move). A table seek or insert of a
    /// larger rowid then needs no descent: SQLite's append bias (BTCF_AtLast).
    private var atLast = false { didSet { atLastRowid = nil } }
    /// The last entry's rowid while `atLast` holds, once known (read once, not per insert).
    private var atLastRowid: Int64?

    /// What the last index seek found where its key belongs, kept for an insert of a key it
    /// prefixes (OP_IdxInsert after NoConflict/Found/NotFound on this cursor: SQLite's
    /// OPFLAG_USESEEKRESULT, decided here at run time, invariant K12). Set only when no entry
    /// had the key's prefix; dropped by every move of this cursor and by every change to its
    /// tree (`forgetSeekHint`).
    private struct SeekHint {
        /// The leaf's cell count and whether every interior page was left by its right child.
        var cellCount: Int
        var rightEdge: Bool
    }
    private var seekHint: SeekHint?

    /// Set by a delete that left its leaf where it was (no rebalance, K5a): the stack still
    /// ends at the deleted entry's slot, which now holds the entry after it, and the leaf's
    /// header stamp then. `next`/`previous` step from there instead of re-seeking the saved
    /// key while the state is still that delete's `.deleted` and the leaf is unchanged.
    /// Cleared by every move, insert and delete of this cursor and by `savePosition` (so by
    /// every change to the tree through another cursor).
    private var resumeInPlace = false
    private var resumeStamp: UInt64 = 0
    /// The descent path of `seekHint` (its own storage, refilled in place: no allocation).
    private var hintStack: [(page: PageNumber, index: Int)] = []

    /// Drops the seek hint (the tree changed or the cursor moves).
    @inline(__always)
    func forgetSeekHint() { seekHint = nil }

    /// What `currentRowid` / `withCurrentPayload` last read of the table-leaf entry the
    /// cursor is on (invariant K14): its page and slot, the page's header stamp then, its
    /// rowid, and its local payload's range (`entryLocal` false: the payload overflows). A
    /// scan reads each row's entry twice (Rowid, then Column): the second read skips the node
    /// lookup and the cell parse. `entryKnown` is cleared by every move and every change made
    /// through a cursor of the tree (the entry points that can move or write: `first`,
    /// `last`, `next`, `previous`, `moveToRoot`, `seek`, `restore`, `savePosition`,
    /// `invalidate`, `insert`, `delete`); the page checks (`node`'s) guard the rest.
    private var entryKnown = false
    private var entryPage: Page? { didSet { entryPageRef = entryPage.map { Unmanaged.passUnretained($0) } } }
    /// `entryPage` unretained (it keeps the page alive): the per-row checks of a scan read
    /// the page through it at +0 (binding `entryPage` retained and released it per row).
    private var entryPageRef: Unmanaged<Page>?
    private var entryIndex = 0
    private var entryStamp: UInt64 = 0
    private var entryRowid: Int64 = 0
    private var entryPayload: Range<Int> = 0 ..< 0
    private var entryLocal = false

    init(tree: BTree, root: PageNumber, isTable: Bool, writable: Bool, keyInfo: KeyInfo) {
        self.tree = tree
        self.root = root
        self.isTable = isTable
        self.writable = writable
        self.keyInfo = keyInfo
        // A statement opens its cursors afresh: start from what the last cursor closed on
        // this tree kept (K13).
        if let k = tree.unparkCursor(root: root, isTable: isTable) {
            kept = k
            swap(&stack, &k.stack)
            swap(&hintStack, &k.hintStack)
            swap(&lastProbe, &k.probe)
        } else {
            kept = KeptNodes()
        }
    }

    deinit {
        tree.unregister(self)
        stack.removeAll(keepingCapacity: true)
        hintStack.removeAll(keepingCapacity: true)
        swap(&stack, &kept.stack)
        swap(&hintStack, &kept.hintStack)
        swap(&lastProbe, &kept.probe)
        kept.root = root
        kept.isTable = isTable
        tree.parkCursor(kept)
    }

    var pager: Pager { tree.pager }

    func invalidate() {
        entryKnown = false
        resumeInPlace = false
        atLast = false
        seekHint = nil
        state = .invalid
        stack.removeAll(keepingCapacity: true)
        dropLevels()
    }

    var isValid: Bool {
        switch state {
        case .valid, .saved: return true
        case .invalid, .deleted: return false
        }
    }

    // MARK: Walking

    /// The nodes this cursor fetched last at stack depths 0-3 (the path of its last descent;
    /// during a scan, its leaf) and at any deeper level, with their pages' header stamps
    /// (`Page.checkedHeader`) at the time. Plain stored properties, not an array: a cursor is
    /// opened per statement, and an array's allocation and teardown showed in micro_a.
    private let kept: KeptNodes

    struct CachedNode {
        let node: Node
        let stamp: UInt64
    }

    private func node(_ n: PageNumber) throws -> Node {
        // Reuse the node fetched at this depth while its page is the pager's current one (our
        // reference keeps it cached; a rollback or a dropped cache bumps the generation) and
        // its header is unchanged (every write zeroes the stamp): exactly what `BTree.node`
        // would build, without the page lookup. Each descent passes the same root and
        // interior pages; Next + Column + Rowid each ask for the leaf per row.
        let depth = stack.count - 1
        if n.rawValue != 1, let c = cachedNode(atDepth: depth), c.node.page.number.rawValue == n.rawValue,
           c.stamp != 0, c.node.page.checkedHeader == c.stamp, c.node.page.generation == pager.generation {
            return c.node
        }
        let node = try tree.node(n)
        guard node.kind.isTable == isTable else { throw DatabaseError.corrupt(page: n.rawValue, "page kind does not match tree") }
        // Page 1 may be a stand-in for a database with no pages yet (`BTree.node`): never kept.
        if n.rawValue != 1 { setCachedNode(CachedNode(node: node, stamp: node.page.checkedHeader), atDepth: depth) }
        return node
    }

    /// The node kept for stack depth `depth` (depths past 3 share the last slot).
    @inline(__always)
    private func cachedNode(atDepth depth: Int) -> CachedNode? {
        switch depth {
        case ...0: return kept.level0
        case 1: return kept.level1
        case 2: return kept.level2
        case 3: return kept.level3
        default: return kept.deeper
        }
    }

    @inline(__always)
    private func setCachedNode(_ c: CachedNode, atDepth depth: Int) {
        switch depth {
        case ...0: kept.level0 = c
        case 1: kept.level1 = c
        case 2: kept.level2 = c
        case 3: kept.level3 = c
        default: kept.deeper = c
        }
    }

    /// Drops the kept nodes (their pages may then leave the cache).
    private func dropLevels() {
        kept.level0 = nil; kept.level1 = nil; kept.level2 = nil; kept.level3 = nil; kept.deeper = nil
    }

    private func pushChild(_ n: PageNumber, index: Int) throws {
        guard stack.count < BTree.maxDepth else { throw DatabaseError.corrupt(page: n.rawValue, "tree too deep") }
        stack.append((n, index))
    }

    private func moveToRoot() throws -> Node {
        entryKnown = false
        resumeInPlace = false
        // Reusing the stack's storage: a fresh array per descent showed in seek-heavy profiles.
        atLast = false
        seekHint = nil
        // (One `removeLast` per level: cheaper than `removeAll(keepingCapacity:)` here.)
        if stack.isEmpty { stack.append((root, 0)) } else {
            while stack.count > 1 { stack.removeLast() }
            stack[0] = (root, 0)
        }
        return try node(root)
    }

    /// From the page on top of the stack, go down the first children to a leaf's first cell.
    private func descendLeftmost() throws {
        var n = try node(stack[stack.count - 1].page)
        while !n.kind.isLeaf {
            stack[stack.count - 1].index = 0
            let child = try n.child(0)
            try pushChild(child, index: 0)
            n = try node(child)
        }
        guard n.cellCount > 0 else { throw DatabaseError.corrupt(page: n.number.rawValue, "empty leaf") }
        stack[stack.count - 1].index = 0
    }

    /// From the page on top of the stack, go down the right children to a leaf's last cell.
    private func descendRightmost() throws {
        var n = try node(stack[stack.count - 1].page)
        while !n.kind.isLeaf {
            stack[stack.count - 1].index = n.cellCount
            let child = try n.child(n.cellCount)
            try pushChild(child, index: 0)
            n = try node(child)
        }
        guard n.cellCount > 0 else { throw DatabaseError.corrupt(page: n.number.rawValue, "empty leaf") }
        stack[stack.count - 1].index = n.cellCount - 1
    }

    func first() throws -> Bool {
        entryKnown = false
        let r = try moveToRoot()
        if r.kind.isLeaf && r.cellCount == 0 { invalidate(); return false }
        try descendLeftmost()
        state = .valid
        return true
    }

    func last() throws -> Bool {
        entryKnown = false
        seekHint = nil
        if atLast, case .valid = state { return true }
        let r = try moveToRoot()
        if r.kind.isLeaf && r.cellCount == 0 { invalidate(); return false }
        try descendRightmost()
        state = .valid
        atLast = true
        return true
    }

    /// The rowid of the last entry when the cursor is known to be on it (table trees).
    private func rowidAtLast() throws -> Int64? {
        guard atLast, isTable, case .valid = state, let top = stack.last else { return nil }
        if let r = atLastRowid { return r }
        let n = try node(top.page)
        guard n.kind.isLeaf, top.index == n.cellCount - 1 else { atLast = false; return nil }
        let r = try n.rowid(top.index)
        atLastRowid = r
        return r
    }

    func next() throws -> Bool {
        // On a table-leaf entry read under K14 whose leaf holds the next entry: the leaf's
        // header is the one the stamp describes (kind, cell count, usable size), so the step
        // is `stepForward`'s first case without the node lookup.
        if let u = knownEntryPageRef() {
            let count = Int(truncatingIfNeeded: (entryStamp >> 8) & 0xFFFF)
            let i = entryIndex + 1
            if i < count {
                atLast = false
                seekHint = nil
                stack[stack.count - 1].index = i
                // `entryPage` holds the page (learnEntry keeps it: same page).
                u._withUnsafeGuaranteedRef { p in
                    try? learnEntry(p, headerOffset: p.number.rawValue == 1 ? 100 : 0,
                                    usable: Int(truncatingIfNeeded: entryStamp >> 24), cellCount: count, i)
                }
                return true
            }
        }
        entryKnown = false
        atLast = false
        seekHint = nil
        switch state {
        case .invalid: return false
        case .saved: try restore(); return try next()
        case .deleted(let key):
            if let r = try resumeAfterDelete(forward: true) { return r }
            switch try seek(key) {
            case .found, .after: state = .valid; return true
            case .before: state = .valid; return try stepForward()
            case .empty: invalidate(); return false
            }
        case .valid: return try stepForward()
        }
    }

    func previous() throws -> Bool {
        entryKnown = false
        atLast = false
        seekHint = nil
        switch state {
        case .invalid: return false
        case .saved: try restore(); return try previous()
        case .deleted(let key):
            if let r = try resumeAfterDelete(forward: false) { return r }
            switch try seek(key) {
            case .before: state = .valid; return true
            case .found, .after: state = .valid; return try stepBackward()
            case .empty: invalidate(); return false
            }
        case .valid: return try stepBackward()
        }
    }

    /// `next` (`forward`) or `previous` right after a delete that left its leaf in place
    /// (K5a): the entry after the deleted one is in its slot, the one before it in the slot
    /// before; past either end of the leaf the usual step continues from its last or first
    /// entry. nil (nothing moved) when that does not apply: the caller re-seeks the key.
    private func resumeAfterDelete(forward: Bool) throws -> Bool? {
        guard resumeInPlace else { return nil }
        resumeInPlace = false
        guard let top = stack.last else { return nil }
        let n = try node(top.page)
        guard n.kind.isLeaf, resumeStamp != 0, n.page.checkedHeader == resumeStamp,
              n.page.generation == pager.generation, n.cellCount > 0, top.index <= n.cellCount else { return nil }
        let last = stack.count - 1
        state = .valid
        if forward {
            if top.index < n.cellCount { return true }
            stack[last].index = n.cellCount - 1
            return try stepForward()
        }
        if top.index > 0 { stack[last].index = top.index - 1; return true }
        stack[last].index = 0
        return try stepBackward()
    }

    private func stepForward() throws -> Bool {
        let top = stack[stack.count - 1]
        let n = try node(top.page)
        if !n.kind.isLeaf {
            // On an interior index entry: the next entry is the first of the subtree to its right.
            let child = try n.child(top.index + 1)
            stack[stack.count - 1].index = top.index + 1
            try pushChild(child, index: 0)
            try descendLeftmost()
            return true
        }
        if top.index + 1 < n.cellCount {
            stack[stack.count - 1].index = top.index + 1
            // A scan reads the entry next (Rowid, Column): read its cell while the leaf is at
            // hand. A damaged cell is left to the read, which reports it.
            if n.kind == .tableLeaf { try? learnEntry(n, top.index + 1) }
            return true
        }
        stack.removeLast()
        while let (p, slot) = stack.last {
            let pn = try node(p)
            if slot < pn.cellCount {
                if isTable {
                    stack[stack.count - 1].index = slot + 1
                    try pushChild(try pn.child(slot + 1), index: 0)
                    try descendLeftmost()
                } else {
                    stack[stack.count - 1].index = slot   // on the interior cell itself
                }
                return true
            }
            stack.removeLast()
        }
        invalidate()
        return false
    }

    private func stepBackward() throws -> Bool {
        let top = stack[stack.count - 1]
        let n = try node(top.page)
        if !n.kind.isLeaf {
            // On an interior index entry: the previous entry is the last of its left subtree.
            let child = try n.child(top.index)
            try pushChild(child, index: 0)
            try descendRightmost()
            return true
        }
        if top.index > 0 {
            stack[stack.count - 1].index = top.index - 1
            return true
        }
        stack.removeLast()
        while let (p, slot) = stack.last {
            let pn = try node(p)
            if slot > 0 {
                if isTable {
                    stack[stack.count - 1].index = slot - 1
                    try pushChild(try pn.child(slot - 1), index: 0)
                    try descendRightmost()
                } else {
                    stack[stack.count - 1].index = slot - 1   // on the interior cell before
                }
                return true
            }
            stack.removeLast()
        }
        invalidate()
        return false
    }

    // MARK: Seeking

    /// The record of the index entry this cursor deleted last (`delete`'s saved key).
    private var deletedKeyBuffer: [UInt8] = []

    /// The comparator of the last index descent (its buffers are reused from key to key).
    private var lastProbe = KeyProbe()

    /// Loads an index key into `lastProbe` (its buffers are reused: no fresh probe per
    /// descent); false for a rowid, which touches nothing. The probe is then used in place
    /// (`inout`): a copy of it retained and released its buffers per descent.
    private func loadProbe(for key: SavedKey) throws -> Bool {
        switch key {
        case .rowid: return false
        case .key(let values), .keyAfter(let values): lastProbe.load(values: values, keyInfo: keyInfo)
        case .record(let bytes): try lastProbe.load(record: bytes, keyInfo: keyInfo)
        }
        return true
    }

    /// Compares the index entry in cell `i` of `n` with the probe's key (prefix-equal is 0).
    /// A payload that is all on the page (and UTF-8) is compared where it lies: only the
    /// payload-size varint of the cell is parsed.
    private func compareCell(_ n: Node, _ i: Int, _ probe: inout KeyProbe, utf8: Bool) throws -> Int {
        let off = try n.cellOffset(i)
        if utf8 {
            // `n` holds the page, so its bytes stay valid here.
            let buf = UnsafeRawBufferPointer(rebasing: n.page.unsafeBytes[0..<n.usable])
            if let range = try n.localPayloadRange(buf, i) {
                return try probe.compare(UnsafeRawBufferPointer(rebasing: buf[range]))
            }
        }
        let c = try n.parseCell(at: off)
        let bytes = try tree.readPayload(c, on: n.page)
        return try bytes.withUnsafeBytes { try probe.compare($0) }
    }

    /// Where the index key loaded in `lastProbe` goes when the cursor is still at the slot of
    /// an entry it deleted in place (K5a's state: `resumeInPlace`, the leaf unchanged since,
    /// invariant K5b): the leaf's cell count when the cells on both sides of the slot are on
    /// that leaf and the key sorts strictly between them (so no entry in the tree has it, and
    /// it belongs exactly at the slot); nil otherwise (the caller descends). REPLACE deletes
    /// (key, old rowid) and then looks for key or inserts (key, new rowid): no descent.
    private func deletedSlotPlacesProbe(utf8: Bool) throws -> Int? {
        guard resumeInPlace, case .deleted = state, let top = stack.last else { return nil }
        let n = try node(top.page)
        guard n.kind == .indexLeaf, resumeStamp != 0, n.page.checkedHeader == resumeStamp,
              n.page.generation == pager.generation, top.index > 0, top.index < n.cellCount else { return nil }
        guard try compareCell(n, top.index - 1, &lastProbe, utf8: utf8) < 0,
              try compareCell(n, top.index, &lastProbe, utf8: utf8) > 0 else { return nil }
        return n.cellCount
    }

    /// Goes down to the leaf where `key` belongs. Leaves the stack at that leaf with the
    /// index of the first cell >= key (possibly cellCount); returns whether that cell equals
    /// the key and the leaf's cell count.
    @discardableResult
    func descend(to key: SavedKey) throws -> (equal: Bool, cellCount: Int) {
        landedOnEqualInterior = false
        descendedRightmost = true
        let isIndex = try loadProbe(for: key)
        var after = false
        if case .keyAfter = key { after = true }
        var utf8 = false
        if case .utf8 = tree.textEncoding { utf8 = true }
        if isIndex, !after, resumeInPlace, let count = try deletedSlotPlacesProbe(utf8: utf8) {
            // Right after an in-place delete, between the deleted entry's neighbours (K5b):
            // the stack already leads there. (What `moveToRoot` resets, reset here.)
            entryKnown = false
            resumeInPlace = false
            atLast = false
            seekHint = nil
            descendedRightmost = false
            return (false, count)
        }
        var n = try moveToRoot()
        while true {
            var lo = 0, equal = false
            if !isIndex {
                guard case .rowid(let r) = key else { preconditionFailure("rowid key expected") }
                (lo, equal) = try n.searchRowid(r)
            } else if utf8, let found = try n.searchKey(&lastProbe, after: after) {
                (lo, equal) = found
            } else {
                // A cell with overflow pages (or a UTF-16 file): compare assembled payloads.
                lo = 0
                var hi = n.cellCount, equalAt = -1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    var c = try compareCell(n, mid, &lastProbe, utf8: utf8)
                    if after && c == 0 { c = -1 }
                    if c < 0 { lo = mid + 1 } else { hi = mid; if c == 0 { equalAt = mid } }
                }
                equal = equalAt == lo
            }
            stack[stack.count - 1].index = lo
            if n.kind.isLeaf { return (equal, n.cellCount) }
            if equal { landedOnEqualInterior = true }
            if lo != n.cellCount { descendedRightmost = false }
            let child = try n.child(lo)
            try pushChild(child, index: 0)
            n = try node(child)
        }
    }

    /// Positions on the key (table: rowid; index: the first entry >= key).
    func seek(_ key: SavedKey) throws -> SeekResult {
        entryKnown = false
        if case .rowid(let r) = key, let lastRowid = try rowidAtLast() {
            // On the last entry: a larger rowid lands after it, without a descent.
            if r > lastRowid { return .before }
            if r == lastRowid { return .found }
        }
        let (equal, count) = try descend(to: key)
        let idx = stack[stack.count - 1].index
        if writable, !equal, !landedOnEqualInterior {
            switch key {
            case .key, .record:
                hintStack.removeAll(keepingCapacity: true)
                hintStack.append(contentsOf: stack)
                seekHint = SeekHint(cellCount: count, rightEdge: descendedRightmost)
            case .rowid, .keyAfter: break
            }
        }
        if count == 0 && stack.count == 1 { invalidate(); return .empty }
        guard count > 0 else { throw DatabaseError.corrupt(page: stack[stack.count - 1].page.rawValue, "empty leaf") }
        state = .valid
        if idx < count { return equal ? .found : .after }
        if isTable {
            stack[stack.count - 1].index = count - 1
            // Past the last entry of the rightmost leaf: an insert that follows (NotExists
            // then Insert) appends without a second descent.
            atLast = descendedRightmost
            return .before
        }
        // Index: the first entry >= key is the nearest ancestor cell to the right, if any.
        let saved = stack
        stack.removeLast()
        while let (p, slot) = stack.last {
            let pn = try node(p)
            if slot < pn.cellCount {
                switch key {
                case .key, .record:
                    var utf8 = false
                    if case .utf8 = tree.textEncoding { utf8 = true }
                    // `descend` just loaded this key into `lastProbe`.
                    if try compareCell(pn, slot, &lastProbe, utf8: utf8) == 0 { return .found }
                default: break
                }
                return .after
            }
            stack.removeLast()
        }
        stack = saved
        stack[stack.count - 1].index = count - 1
        return .before
    }

    /// Re-seeks a position saved because another cursor changed the tree.
    private func restore() throws {
        entryKnown = false
        guard case .saved(let key) = state else { return }
        let r = try seek(key)
        if r == .found { state = .valid } else { state = .deleted(key) }
        if case .key(let values) = key, r == .found {
            // The saved key is a whole entry: require every field to match.
            if try currentKeyValues().count != values.count { state = .deleted(key) }
        }
    }

    /// Makes the cursor usable for reading its entry; throws if it is not on one.
    func requireEntry() throws -> Node {
        if case .saved = state { try restore() }
        guard case .valid = state, let top = stack.last else {
            throw DatabaseError(.misuse, "cursor is not on an entry")
        }
        let n = try node(top.page)
        guard top.index < n.cellCount else { throw DatabaseError.corrupt(page: top.page.rawValue, "cursor index") }
        return n
    }

    /// Saves the position as a key (before another cursor changes the tree).
    func savePosition() throws {
        entryKnown = false
        resumeInPlace = false
        seekHint = nil
        guard case .valid = state else { return }
        atLast = false
        state = .saved(try currentKey())
        stack.removeAll(keepingCapacity: true)
        dropLevels()
    }

    /// Number of entries in the tree (walks every page; OP_Count).
    func entryCount() throws -> Int64 {
        var total: Int64 = 0
        func walk(_ p: PageNumber, _ depth: Int) throws {
            guard depth < BTree.maxDepth else { throw DatabaseError.corrupt(page: p.rawValue, "tree too deep") }
            let n = try node(p)
            if n.kind.isLeaf { total += Int64(n.cellCount); return }
            if !isTable { total += Int64(n.cellCount) }
            for slot in 0...n.cellCount { try walk(try n.child(slot), depth + 1) }
        }
        try walk(root, 0)
        return total
    }

    func currentKey() throws -> SavedKey {
        if isTable { return .rowid(try currentRowid()) }
        return .key(try currentKeyValues())
    }

    func currentRowid() throws -> Int64 {
        if knownEntryPageRef() != nil { return entryRowid }
        let n = try requireEntry()
        guard n.kind == .tableLeaf else { throw DatabaseError.corrupt(page: n.number.rawValue, "not a table leaf") }
        try learnEntry(n, stack[stack.count - 1].index)
        return entryRowid
    }

    /// `entryRowid` while `entryKnown` (TableCursor.learnedRowid).
    var learnedRowid: Int64? { entryKnown ? entryRowid : nil }

    /// The page of the entry `learnEntry` read, when the cursor is still on it and the page
    /// is unchanged (the checks `node` makes); nil otherwise.
    /// (Unretained: `entryPage` holds it. Returned as a reference, the page was retained and
    /// released on every Next, Rowid and Column of a scan.)
    @inline(__always)
    private func knownEntryPageRef() -> Unmanaged<Page>? {
        guard entryKnown, case .valid = state, let u = entryPageRef, let top = stack.last,
              top.index == entryIndex, entryStamp != 0 else { return nil }
        let generation = pager.generation
        let ok = u._withUnsafeGuaranteedRef { p in
            top.page.rawValue == p.number.rawValue && p.checkedHeader == entryStamp && p.generation == generation
        }
        return ok ? u : nil
    }

    /// Reads table-leaf cell `i` of `n` (the entry the cursor is on) into the `entry`
    /// fields: rowid and local payload range, checked against the usable area.
    private func learnEntry(_ n: Node, _ i: Int) throws {
        try learnEntry(n.page, headerOffset: n.headerOffset, usable: n.usable, cellCount: n.cellCount, i)
    }

    /// `learnEntry` on a table leaf given by its page and validated header fields.
    private func learnEntry(_ page: Page, headerOffset: Int, usable: Int, cellCount: Int, _ i: Int) throws {
        entryKnown = false
        let pn = page.number.rawValue
        let buf = page.unsafeBytes   // `page` is held for the duration
        // The cell pointer, read as `Node.cellOffset` reads it, from the bytes at hand (a
        // table leaf's pointer array follows its 8-byte header).
        let start = headerOffset + 8
        let pointer = start + 2 * i
        guard buf.count >= usable, i >= 0, i < cellCount, pointer + 2 <= usable else {
            throw DatabaseError.corrupt(page: pn, "cell pointer")
        }
        let off = Int(buf[pointer]) << 8 | Int(buf[pointer + 1])
        guard off >= start + 2 * cellCount, off < usable else { throw DatabaseError.corrupt(page: pn, "cell pointer") }
        var pos = off
        // A payload size the slow path would refuse leaves the payload to it (`entryLocal`
        // false), so its errors stay what they were; the rowid is read as `Node.rowid` does.
        var size = -1
        if buf[pos] < 0x80 { size = Int(buf[pos]); pos += 1 } else {
            guard let (v, l) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: pn, "payload size") }
            if v <= UInt64(Int32.max) { size = Int(v) }
            pos += l
        }
        guard pos < usable else { throw DatabaseError.corrupt(page: pn, "rowid") }
        let rowid: Int64
        if buf[pos] < 0x80 { rowid = Int64(buf[pos]); pos += 1 } else {
            guard let (k, l) = pageVarint(buf, pos, usable) else { throw DatabaseError.corrupt(page: pn, "rowid") }
            rowid = Int64(bitPattern: k); pos += l
        }
        let local = size >= 0 && localPayloadSize(size, usable: usable, tableLeaf: true) == size && size <= usable - pos
        if local { entryPayload = pos ..< pos + size }
        entryLocal = local
        entryRowid = rowid
        entryIndex = i
        entryStamp = page.checkedHeader
        // A scan stays on one leaf for many entries: no retain/release when it is the same.
        if entryPage !== page { entryPage = page }
        entryKnown = true
    }

    func currentPayload() throws -> [UInt8] {
        let n = try requireEntry()
        let c = try n.cell(stack[stack.count - 1].index)
        return try tree.readPayload(c, on: n.page)
    }

    /// Calls `body` with the current entry's payload: straight from the page when it is
    /// local and UTF-8 (no copy), else an assembled array. The pointer lives only in `body`.
    func withCurrentPayload(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        if entryLocal, let u = knownEntryPageRef(), case .utf8 = tree.textEncoding {
            // The entry's range was checked against the page when it was read. The page is
            // lent at +0: `entryPage` holds it, and `body` (the caller's copy of the bytes,
            // VM.loadRow) does not move this cursor.
            try u._withUnsafeGuaranteedRef { p in try body(UnsafeRawBufferPointer(rebasing: p.unsafeBytes[entryPayload])) }
            return
        }
        let n = try requireEntry()
        let idx = stack[stack.count - 1].index
        if n.kind == .tableLeaf, case .utf8 = tree.textEncoding {
            try learnEntry(n, idx)
            if entryLocal {
                try withExtendedLifetime(n) { try body(UnsafeRawBufferPointer(rebasing: n.page.unsafeBytes[entryPayload])) }
                return
            }
        }
        if case .utf8 = tree.textEncoding {
            // One pass over the page: the cell's varints, then the payload where it lies.
            // `n` holds the page for the duration of `body`.
            let buf = UnsafeRawBufferPointer(rebasing: n.page.unsafeBytes[0..<n.usable])
            if let range = try n.localPayloadRange(buf, idx) {
                try withExtendedLifetime(n) { try body(UnsafeRawBufferPointer(rebasing: buf[range])) }
                return
            }
        }
        let c = try n.cell(idx)
        try tree.readPayload(c, on: n.page).withUnsafeBytes(body)
    }

    func currentPayloadSize() throws -> Int {
        let n = try requireEntry()
        return try n.cell(stack[stack.count - 1].index).payloadSize
    }

    func currentKeyValues() throws -> [Value] {
        try RecordCodec.decode(try currentPayload())
    }

    // MARK: Changing

    private func pathAndSlots() -> ([PageNumber], [Int]) {
        (stack.map(\.page), stack.dropLast().map(\.index))
    }

    /// Inserts a leaf cell for `key`, replacing an equal entry (table) or leaving it (index:
    /// returns false, nothing inserted).
    @discardableResult
    func insert(key: SavedKey, payload: [UInt8]? = nil, cell: () throws -> [UInt8]) throws -> Bool {
        guard writable else { throw DatabaseError(.misuse, "cursor is read-only") }
        // The entry the cursor is on, as K14 read it (UPDATE read the row through this cursor).
        let known: (index: Int, count: Int, rowid: Int64, payload: Range<Int>?)? = isTable && knownEntryPageRef() != nil
            ? (entryIndex, Int(truncatingIfNeeded: (entryStamp >> 8) & 0xFFFF), entryRowid, entryLocal ? entryPayload : nil) : nil
        // The known entry's local payload when the insert replaces it (its cell then needs no parse).
        var knownPayload: Range<Int>? = nil
        entryKnown = false
        // (`resumeInPlace` stays until the position is found: right after an in-place delete
        // the descent may start from the deleted slot, K5b.)
        defer { entryKnown = false; resumeInPlace = false }
        try tree.saveOtherCursors(root: root, except: self)
        let equal: Bool, count: Int, idx: Int, rightEdge: Bool
        if case .rowid(let r) = key, let lastRowid = try rowidAtLast(), r > lastRowid {
            // Append past the last entry: the stack already ends at the rightmost leaf.
            count = stack[stack.count - 1].index + 1
            idx = count
            equal = false
            rightEdge = true
        } else if case .rowid(let r) = key, let k = known, k.rowid == r {
            // On the entry K14 read (its leaf unchanged since): no descent, no cell parse.
            (equal, count, idx, rightEdge) = (true, k.count, k.index, false)
            knownPayload = k.payload
        } else if case .rowid(let r) = key, let at = try leafIndexOnRowid(r) {
            // Already on the entry (UPDATE writes back the row it just read): no descent.
            (equal, count, idx, rightEdge) = (true, at.count, at.index, false)
        } else if !isTable, case .record(let bytes) = key, try appendIndexRecord(bytes) {
            // Sorted keys past the end of the index (CREATE INDEX): written onto the last
            // leaf in place, or onto a new right leaf (K8, B2a).
            seekHint = nil
            resumeInPlace = false
            return true
        } else if !isTable, try indexKeyAppendsAtLast(key) {
            // Past the last entry of an index (sorted keys: CREATE INDEX, ordered inserts).
            count = stack[stack.count - 1].index + 1
            idx = count
            equal = false
            rightEdge = true
            landedOnEqualInterior = false
            descendedRightmost = true
        } else if let h = seekHint, case .record(let bytes) = key, try hintApplies(h, bytes) {
            // The last seek found where this key goes: no second descent.
            swap(&stack, &hintStack)
            seekHint = nil
            landedOnEqualInterior = false
            descendedRightmost = h.rightEdge
            count = h.cellCount
            idx = stack[stack.count - 1].index
            equal = false
            rightEdge = h.rightEdge
        } else {
            (equal, count) = try descend(to: key)
            idx = stack[stack.count - 1].index
            rightEdge = descendedRightmost
        }
        seekHint = nil
        resumeInPlace = false
        let leafNo = stack[stack.count - 1].page
        var leaf = try node(leafNo)
        if !isTable && (equal || landedOnEqualInterior) {
            // Index entries are unique: an equal entry already exists.
            _ = try seek(key)
            return false
        }
        var prebuilt: [UInt8]? = nil
        if equal {
            let old: CellInfo
            if let range = knownPayload, case .rowid(let r) = key {
                // The cell as K14 read it: all local, [offset, payload end), no overflow page.
                let off = try leaf.cellOffset(idx)
                guard range.lowerBound > off, range.upperBound <= leaf.usable else {
                    throw DatabaseError.corrupt(page: leafNo.rawValue, "cell extends past page")
                }
                old = CellInfo(offset: off, size: range.upperBound - off, rowid: r, payloadSize: range.count,
                               payloadOffset: range.lowerBound, localSize: range.count)
            } else {
                old = try leaf.cell(idx)
            }
            if let payload, case .rowid(let r) = key,
               try tree.replaceTableCellInPlace(leaf, at: idx, old: old, rowid: r, payload: payload) {
                // All local, rewritten in one step on the page (P4b): the stack stays.
                stack[stack.count - 1].index = idx
                state = .valid
                atLast = false
                return true
            }
            if old.overflowPage != 0 { try tree.freeOverflowChain(old) }
            let newCell = try cell()
            if newCell.count == old.size {
                // Same size: overwritten where it is (no free-space bookkeeping).
                try tree.overwriteCellInPlace(leaf, old, newCell)
                state = .valid
                atLast = false
                return true
            }
            try tree.removeCellInPlace(leaf, at: idx)
            leaf = try node(leafNo)
            prebuilt = newCell
        }
        let append = idx == count && !equal && rightEdge
        // An all-local leaf cell (UTF-8 file) is written straight into the page, no cell
        // array (`insertLocalCell`); when it does not fit, the split below takes the cell array.
        var placedLocal: Bool? = nil
        if prebuilt == nil, case .utf8 = tree.textEncoding {
            if let payload, case .rowid(let r) = key, leaf.kind == .tableLeaf {
                placedLocal = try insertLocalCell(leaf, at: idx, rowid: r, payload: payload)
            } else if !isTable, case .record(let bytes) = key, leaf.kind == .indexLeaf {
                placedLocal = try insertLocalCell(leaf, at: idx, rowid: nil, payload: bytes)
            }
        }
        var built = prebuilt
        if placedLocal == nil {
            let c = try prebuilt ?? cell()
            built = c
            if try tree.insertCellInPlace(leaf, at: idx, c) { placedLocal = true }
        }
        if placedLocal == true {
            stack[stack.count - 1].index = idx
            state = .valid
            // Appended in place on the rightmost leaf: the cursor is on the last entry.
            atLast = append
            if append, case .rowid(let r) = key { atLastRowid = r }
            return true
        }
        let newCell = try built ?? cell()
        atLast = false   // the stack is stale once the tree is rebalanced
        if append && isTable {
            let (path, slots) = pathAndSlots()
            switch try tree.quickAppendSplit(path: path, slots: slots, newCell: newCell) {
            case .notApplicable: break
            case .inPlace(let newLeaf):
                // The entry is alone on the parent's new right child: one more parent slot.
                let top = stack.count - 1
                stack[top - 1].index += 1
                stack[top] = (newLeaf, 0)
                state = .valid
                atLast = true
                if case .rowid(let r) = key { atLastRowid = r }
                return true
            case .rebalanced:
                let r = try seek(key)
                guard r == .found else { throw DatabaseError.corrupt(page: root.rawValue, "inserted entry not found") }
                atLast = true
                return true
            }
        }
        var content = try tree.readContent(leafNo)
        content.cells.insert(newCell, at: idx)
        let (path, slots) = pathAndSlots()
        try tree.rebalance(path: path, slots: slots, leafContent: content, checkUnderflow: false, append: append)
        let r = try seek(key)
        guard r == .found else { throw DatabaseError.corrupt(page: root.rawValue, "inserted entry not found") }
        atLast = append && isTable
        return true
    }

    /// The cursor's leaf slot and the leaf's cell count when the cursor (table, valid) is on
    /// the entry with rowid `r`; nil otherwise.
    private func leafIndexOnRowid(_ r: Int64) throws -> (index: Int, count: Int)? {
        guard isTable, case .valid = state, let top = stack.last else { return nil }
        let leaf = try node(top.page)
        guard leaf.kind == .tableLeaf, top.index >= 0, top.index < leaf.cellCount,
              try leaf.rowid(top.index) == r else { return nil }
        return (top.index, leaf.cellCount)
    }

    /// Index append bias (K8 for index trees): the cursor is on the last entry of the tree
    /// (it appended it) and `key` sorts after that entry, so it goes right after it on the
    /// same leaf. One compare instead of a descent; loads `key` into the probe.
    private func indexKeyAppendsAtLast(_ key: SavedKey) throws -> Bool {
        guard atLast, case .valid = state, let top = stack.last else { return false }
        switch key {
        case .key, .record: break
        case .rowid, .keyAfter: return false
        }
        let n = try node(top.page)
        guard n.kind == .indexLeaf, n.cellCount > 0, top.index == n.cellCount - 1,
              try loadProbe(for: key) else { atLast = false; return false }
        let utf8: Bool
        if case .utf8 = tree.textEncoding { utf8 = true } else { utf8 = false }
        return try compareCell(n, top.index, &lastProbe, utf8: utf8) < 0
    }

    /// Index append bias, in place (K8 for index trees; UTF-8 files): while the cursor is on
    /// the tree's last entry and `record` (all local) compares greater than that entry
    /// (`compareRecords` on the page bytes: no probe, no `Value`), the record's cell is
    /// written straight into the leaf's gap; when the leaf is full and is its parent's right
    /// child, the leaf's last entry moves up into the parent as a divider and the record
    /// starts a new right leaf (B2a). The cursor ends on the new entry, still at the end.
    /// False, with nothing changed, when none of this applies: the caller takes the general
    /// path.
    private func appendIndexRecord(_ record: [UInt8]) throws -> Bool {
        guard atLast, case .valid = state, case .utf8 = tree.textEncoding, let top = stack.last else { return false }
        let leaf = try node(top.page)
        guard leaf.kind == .indexLeaf, leaf.cellCount > 0, top.index == leaf.cellCount - 1 else { return false }
        let usable = leaf.usable
        guard localPayloadSize(record.count, usable: usable, tableLeaf: false) == record.count else { return false }
        // `leaf` holds the page: its bytes stay valid for the comparison.
        let buf = UnsafeRawBufferPointer(rebasing: leaf.page.unsafeBytes[0..<usable])
        guard let range = try leaf.localPayloadRange(buf, top.index) else { return false }
        let c = try record.withUnsafeBytes {
            try compareRecords(UnsafeRawBufferPointer(rebasing: buf[range]), $0, fieldCount: Int.max, keyInfo: keyInfo)
        }
        guard c < 0 else { return false }
        let count = leaf.cellCount
        if try insertIndexCellInGap(leaf, at: count, record: record) {
            stack[stack.count - 1].index = count
            state = .valid
            atLast = true
            return true
        }
        guard try indexQuickAppendSplit(leaf, record: record) else { return false }
        state = .valid
        atLast = true
        return true
    }

    /// Writes the index-leaf cell of `record` (all local) as cell `idx` of `leaf` straight
    /// into the gap of a page without freeblocks (`insertCellInGap`, K11).
    private func insertIndexCellInGap(_ leaf: Node, at idx: Int, record: [UInt8]) throws -> Bool {
        guard leaf.kind == .indexLeaf else { return false }
        return try insertCellInGap(leaf, at: idx, rowid: nil, payload: record)
    }

    /// The index form of the quick append split (B2a): `leaf` (the cursor's, full, holding
    /// the tree's last entry) is its parent's right child; its last cell moves up as the
    /// parent's new last cell (left child: `leaf`), and a new leaf holding `record` alone
    /// becomes the parent's right child. The leaf is otherwise untouched (no content read
    /// into memory). False, with nothing changed, when the shape does not qualify or the
    /// divider does not fit in the parent.
    private func indexQuickAppendSplit(_ leaf: Node, record: [UInt8]) throws -> Bool {
        let depth = stack.count - 1
        guard depth >= 1, leaf.cellCount >= 2 else { return false }
        let leafNo = leaf.number
        let parentNo = stack[depth - 1].page
        let parent = try tree.node(parentNo)
        guard parent.kind == .indexInterior, stack[depth - 1].index == parent.cellCount,
              parent.rightChild == leafNo.rawValue else { return false }
        let last = leaf.cellCount - 1
        let moved = try leaf.cell(last)
        let divider = u32Bytes(leafNo.rawValue) + leaf.page.bytes(at: moved.offset, count: moved.size)
        guard cellSpace(divider.count) <= tree.capacity(.indexInterior),
              try parent.freeBytes() >= cellSpace(divider.count) else { return false }
        var cell: [UInt8] = []
        cell.reserveCapacity(record.count + 9)
        Varint.write(UInt64(record.count), into: &cell)
        cell.append(contentsOf: record)
        let newLeaf = try tree.allocatePage()
        try tree.writeContent(NodeContent(kind: .indexLeaf, cells: [cell], rightChild: 0), to: newLeaf)
        // The moved entry's overflow chain, if any, moves with its cell.
        try tree.removeCellInPlace(try tree.node(leafNo), at: last)
        let p = try tree.node(parentNo)   // again: the allocation may have touched pages
        guard try tree.insertCellInPlace(p, at: p.cellCount, divider) else {
            throw DatabaseError.corrupt(page: parentNo.rawValue, "free space")
        }
        p.page.setU32(p.headerOffset + 8, newLeaf.number.rawValue)
        stack[depth - 1].index += 1
        stack[depth] = (newLeaf.number, 0)
        return true
    }

    /// The probe compared with a record given as bytes (the probe used in place).
    private static func compare(_ probe: inout KeyProbe, _ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBytes { try probe.compare($0) }
    }

    /// Whether the seek hint places the index record `bytes`: the hinted seek's key (still in
    /// `lastProbe`, no descent since) is a prefix of the record, and no entry had that prefix,
    /// so the record sorts exactly where the seek stopped. The leaf's neighbours of that spot
    /// are compared too (a change the hint missed then costs a descent, not a misplaced
    /// entry).
    private func hintApplies(_ h: SeekHint, _ bytes: [UInt8]) throws -> Bool {
        seekHint = nil
        guard let top = hintStack.last, hintStack.count >= 1 else { return false }
        guard try Self.compare(&lastProbe, bytes) == 0 else { return false }
        var n: Node
        do {
            // `node` caches by stack depth: look the leaf up at the hinted depth.
            swap(&stack, &hintStack)
            defer { swap(&stack, &hintStack) }
            n = try node(top.page)
        }
        guard n.kind == .indexLeaf, n.cellCount == h.cellCount, top.index <= n.cellCount else { return false }
        let utf8: Bool
        if case .utf8 = tree.textEncoding { utf8 = true } else { utf8 = false }
        if top.index < n.cellCount, try compareCell(n, top.index, &lastProbe, utf8: utf8) <= 0 { return false }
        if top.index > 0, try compareCell(n, top.index - 1, &lastProbe, utf8: utf8) >= 0 { return false }
        return true
    }

    /// Inserts the leaf cell (rowid, payload) — rowid nil for an index leaf; the caller checked
    /// the leaf's kind and the file's encoding (UTF-8) — as cell `idx` of `leaf`, written
    /// straight into the page (no cell array): into the gap of a page without freeblocks
    /// (`insertCellInGap`, which keeps this cursor's node for the leaf current, K11), else
    /// wherever P4 finds room. nil when the payload is not all local (nothing tried), false
    /// when the page has no room for the cell.
    private func insertLocalCell(_ leaf: Node, at idx: Int, rowid: Int64?, payload: [UInt8]) throws -> Bool? {
        guard localPayloadSize(payload.count, usable: leaf.usable, tableLeaf: rowid != nil) == payload.count else { return nil }
        return try insertCellInGap(leaf, at: idx, rowid: rowid, payload: payload)
            || tree.insertLocalCellInPlace(leaf, at: idx, rowid: rowid, payload: payload)
    }

    /// Writes the leaf cell (rowid, payload) — a table-leaf cell when `rowid` is given, an
    /// index-leaf cell when nil; the caller checked the leaf's kind and the file's encoding
    /// (UTF-8) — as cell `idx` of `leaf` straight into the page when the payload is all local
    /// and the cell fits in the gap between the pointer array and the content area of a page
    /// without freeblocks: the bytes land where `insertCellInPlace` would put them (it takes
    /// the gap when there is no freeblock), without building a cell array or walking the free
    /// list. The page's header stamp and this cursor's node for the leaf are renewed, so the
    /// next access needs no page lookup (invariant K11). False when it does not apply: the
    /// caller takes the general path.
    private func insertCellInGap(_ leaf: Node, at idx: Int, rowid: Int64?, payload: [UInt8]) throws -> Bool {
        guard leaf.firstFreeblock == 0 else { return false }
        let usable = leaf.usable
        let n = payload.count
        guard localPayloadSize(n, usable: usable, tableLeaf: rowid != nil) == n else { return false }
        let need = max(4, localCellSize(rowid: rowid, payloadCount: n))
        let count = leaf.cellCount
        let ptrEnd = leaf.pointerArrayEnd
        let contentStart = leaf.contentStart
        guard contentStart - ptrEnd >= need + 2, idx >= 0, idx <= count else { return false }
        let page = leaf.page
        let freeBefore = page.freeBytesHint
        try pager.makeWritable(page)
        let h = leaf.headerOffset
        let start = contentStart - need
        let ptr = leaf.pointerArrayStart + 2 * idx
        // Unsafe: every offset below lies in [ptr, ptrEnd + 2) or [start, contentStart), both
        // checked above to be within the usable area (Node validated contentStart <= usable).
        // `leaf` holds the page for the whole write.
        do {
            let raw = page.unsafeMutableBytesForWrite()
            let end = writeLocalCell(raw, at: start, rowid: rowid, payload: payload)
            placeCellPointer(raw, padding: end ..< start + need, slot: ptr, arrayEnd: ptrEnd, offset: start,
                             count: count, header: h)
            raw[h + 5] = UInt8(truncatingIfNeeded: start >> 8)
            raw[h + 6] = UInt8(truncatingIfNeeded: start)
        }
        // The header is as Node's checks require: the gap still holds the pointer array.
        page.checkedHeader = UInt64(leaf.kind.rawValue) | UInt64(count + 1) << 8 | UInt64(usable) << 24
        if freeBefore >= 0 { page.freeBytesHint = freeBefore - need - 2 }   // P9
        if page.number.rawValue != 1 {
            setCachedNode(CachedNode(node: try Node(page, usable: usable), stamp: page.checkedHeader), atDepth: stack.count - 1)
        }
        return true
    }

    /// Deletes the entry the cursor is on; afterwards `next` moves to the entry after it and
    /// `previous` to the entry before it.
    func delete() throws {
        guard writable else { throw DatabaseError(.misuse, "cursor is read-only") }
        entryKnown = false
        resumeInPlace = false
        defer { entryKnown = false }
        atLast = false
        seekHint = nil
        let n = try requireEntry()
        // Where `next`/`previous` resume: an index entry as its record (compared in place,
        // the same order as its decoded values; no `Value`s built per delete), copied into
        // this cursor's own buffer (its storage reused from delete to delete: the state
        // that held the last one has moved on since).
        let idx = stack[stack.count - 1].index
        let info = try n.cell(idx)
        let key: SavedKey
        if isTable {
            key = .rowid(try currentRowid())
        } else {
            deletedKeyBuffer.removeAll(keepingCapacity: true)
            if info.localSize == info.payloadSize, case .utf8 = tree.textEncoding,
               info.payloadOffset >= 0, info.payloadOffset + info.localSize <= n.usable {
                // All on the page (parseCell checked the cell's extent): copied from there.
                withExtendedLifetime(n) {
                    deletedKeyBuffer.append(contentsOf: UnsafeRawBufferPointer(
                        rebasing: n.page.unsafeBytes[info.payloadOffset ..< info.payloadOffset + info.localSize]))
                }
            } else {
                deletedKeyBuffer.append(contentsOf: try tree.readPayload(info, on: n.page))
            }
            key = .record(deletedKeyBuffer)
        }
        try tree.saveOtherCursors(root: root, except: self)
        if n.kind.isLeaf {
            if info.overflowPage != 0 { try tree.freeOverflowChain(info) }
            try tree.removeCellInPlace(n, at: idx, info: info)
            // The leaf's header after the removal, checked once for B8's test and K5a's stamp
            // (and kept as this cursor's node for the leaf, K7).
            let leaf = try Node(n.page, usable: n.usable)
            // A root leaf never needs balancing after a delete, and a leaf left at least a
            // third full keeps its place (B8): no path arrays, no page content in memory.
            if stack.count > 1, !(try tree.staysFull(leaf)) {
                let (path, slots) = pathAndSlots()
                try tree.rebalance(path: path, slots: slots, leafContent: nil, checkUnderflow: true, append: false)
                state = .deleted(key)
                stack.removeAll(keepingCapacity: true)
                return
            }
            // The leaf kept its place: the stack still leads to the deleted entry's slot.
            state = .deleted(key)
            resumeStamp = leaf.page.checkedHeader
            resumeInPlace = resumeStamp != 0
            if leaf.number.rawValue != 1, resumeInPlace {
                setCachedNode(CachedNode(node: leaf, stamp: resumeStamp), atDepth: stack.count - 1)
            }
            return
        }
        // An interior index entry: replace it with its predecessor, the last entry of its
        // left subtree, which is taken out of its leaf.
        let interiorDepth = stack.count - 1
        try pushChild(try n.child(idx), index: 0)
        try descendRightmost()
        let leafNo = stack[stack.count - 1].page
        let leaf = try node(leafNo)
        let predecessor = try leaf.cellBytes(leaf.cellCount - 1)
        let predecessorKey = try RecordCodec.decode(try tree.readPayload(try leaf.cell(leaf.cellCount - 1), on: leaf.page))
        try tree.removeCellInPlace(leaf, at: leaf.cellCount - 1)   // its overflow chain moves up with it
        if info.overflowPage != 0 { try tree.freeOverflowChain(info) }
        let interiorNo = stack[interiorDepth].page
        let interior = try node(interiorNo)
        try tree.removeCellInPlace(interior, at: idx)
        let replacement = u32Bytes(info.leftChild) + predecessor
        if !(try tree.insertCellInPlace(try node(interiorNo), at: idx, replacement)) {
            var content = try tree.readContent(interiorNo)
            content.cells.insert(replacement, at: idx)
            let path = stack[0...interiorDepth].map(\.page)
            let slots = stack[0..<interiorDepth].map(\.index)
            try tree.rebalance(path: path, slots: slots, leafContent: content, checkUnderflow: false, append: false)
        }
        // Now the leaf that gave up the predecessor may be underfull: find it again by key.
        // The descent goes left of the (now interior) predecessor and then right to the end,
        // which is exactly that leaf.
        try descend(to: .key(predecessorKey))
        let (path, slots) = pathAndSlots()
        try tree.rebalance(path: path, slots: slots, leafContent: nil, checkUnderflow: true, append: false)
        state = .deleted(key)
        stack.removeAll(keepingCapacity: true)
    }

}

/// A cursor over a table B-tree (entries keyed by rowid, payload = record).
///
/// ```swift
/// let c = try tree.tableCursor(root: root, writable: false)
/// var ok = try c.first()
/// while ok { print(try c.rowid()); ok = try c.next() }
/// ```
/// Corresponds to a `BtCursor` on an intkey tree.
package final class TableCursor {
    let core: CursorCore
    init(core: CursorCore) { self.core = core }

    package var root: PageNumber { core.root }
    /// True when the cursor is on an entry.
    package var isValid: Bool { core.isValid }
    package func first() throws -> Bool { try core.first() }
    package func last() throws -> Bool { try core.last() }
    package func next() throws -> Bool { try core.next() }
    package func previous() throws -> Bool { try core.previous() }
    /// Positions on `rowid`, else on a neighbour (`.before`/`.after`), or `.empty`.
    package func seek(rowid: Int64) throws -> SeekResult { try core.seek(.rowid(rowid)) }
    package func rowid() throws -> Int64 { try core.currentRowid() }
    /// The rowid of the entry a move has just read (K14's `entryRowid`), nil when the move
    /// did not read it; only right after the move (the VM keeps it as the position's rowid).
    package var learnedRowid: Int64? { core.learnedRowid }
    /// Number of rows (OP_Count).
    package func count() throws -> Int64 { try core.entryCount() }
    /// The whole record, overflow pages included.
    package func payload() throws -> [UInt8] { try core.currentPayload() }
    package var payloadSize: Int { get throws { try core.currentPayloadSize() } }
    /// Calls `body` with the whole record (same bytes as `payload()`), read in place from
    /// the page when it has no overflow; the pointer is valid only inside `body`.
    package func withPayload(_ body: (UnsafeRawBufferPointer) throws -> Void) throws { try core.withCurrentPayload(body) }
    /// Inserts an entry, replacing one with the same rowid; the cursor ends on it.
    package func insert(rowid: Int64, payload: [UInt8]) throws {
        try core.insert(key: .rowid(rowid), payload: payload) { try core.tree.makeLeafCell(kind: .tableLeaf, rowid: rowid, payload: payload) }
    }
    /// Deletes the current entry. Afterwards `isValid` is false, `next()` lands on the entry
    /// after the deleted one and `previous()` on the one before it.
    package func delete() throws { try core.delete() }
    /// The largest rowid, or nil for an empty table. Moves the cursor to the last entry.
    package func maxRowid() throws -> Int64? {
        guard try core.last() else { return nil }
        return try core.currentRowid()
    }
}

/// A cursor over an index B-tree (entries are records compared with `KeyInfo`).
///
/// ```swift
/// let c = try tree.indexCursor(root: root, writable: true, keyInfo: KeyInfo(fieldCount: 1))
/// try c.insert(key: [.text("a"), .integer(1)])
/// _ = try c.seek(key: [.text("a")])    // first entry whose first field is 'a'
/// ```
/// Corresponds to a `BtCursor` on an index tree.
package final class IndexCursor {
    let core: CursorCore
    init(core: CursorCore) { self.core = core }

    package var root: PageNumber { core.root }
    package var keyInfo: KeyInfo { core.keyInfo }
    package var isValid: Bool { core.isValid }
    package func first() throws -> Bool { try core.first() }
    package func last() throws -> Bool { try core.last() }
    package func next() throws -> Bool { try core.next() }
    package func previous() throws -> Bool { try core.previous() }
    /// Positions on the first entry >= `key` (a prefix key matches every entry it prefixes):
    /// `.found` when that entry equals the key on the key's fields, `.after` when it is
    /// greater, `.before` (on the last entry) when every entry is smaller, `.empty`.
    package func seek(key: [Value]) throws -> SeekResult { try core.seek(.key(key)) }
    /// Positions on the first entry > `key`, where entries that `key` prefixes count as
    /// smaller (OP_SeekGT; OP_SeekLE is this followed by `previous()`): `.after` on an
    /// entry, `.before` (on the last entry) when there is none, `.empty`.
    package func seek(after key: [Value]) throws -> SeekResult { try core.seek(.keyAfter(key)) }
    /// Number of entries (OP_Count).
    package func count() throws -> Int64 { try core.entryCount() }
    package func key() throws -> [Value] { try core.currentKeyValues() }
    package func keyBytes() throws -> [UInt8] { try core.currentPayload() }
    /// Calls `body` with the current entry's record (same bytes as `keyBytes()`), in place
    /// when it has no overflow; the pointer is valid only inside `body`.
    package func withKey(_ body: (UnsafeRawBufferPointer) throws -> Void) throws { try core.withCurrentPayload(body) }
    /// Inserts an entry (a no-op when an equal entry exists); the cursor ends on it.
    package func insert(key: [Value]) throws {
        let record = RecordCodec.encode(key)
        try core.insert(key: .key(key)) { try core.tree.makeLeafCell(kind: .indexLeaf, rowid: 0, payload: record) }
    }
    /// Inserts an entry given as an encoded record (OP_IdxInsert); same rules as `insert(key:)`.
    /// Returns false when an equal entry was already there (nothing changed).
    @discardableResult
    package func insert(record: [UInt8]) throws -> Bool {
        return try core.insert(key: .record(record)) { try core.tree.makeLeafCell(kind: .indexLeaf, rowid: 0, payload: record) }
    }
    /// Deletes the current entry (same positioning rules as `TableCursor.delete`).
    package func delete() throws { try core.delete() }
}
