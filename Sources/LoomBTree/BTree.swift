// This file declares BTree and Cursor: the table and index B-trees of one database file.
// Layer: L3. Spec: Spec/L3-btree.md.
import LoomBase
import LoomPager
import LoomRecord

/// Header fields SQLite reaches with `sqlite3BtreeGetMeta` (4-byte big-endian integers at
/// offset 36 + 4*index of page 1).
package enum MetaField: Int, Sendable {
    case freePageCount = 0      // offset 36
    case schemaCookie = 1       // offset 40
    case schemaFormat = 2       // offset 44
    case defaultCacheSize = 3   // offset 48
    case largestRootPage = 4    // offset 52 (auto-vacuum)
    case textEncoding = 5       // offset 56
    case userVersion = 6        // offset 60
    case incrementalVacuum = 7  // offset 64
    case applicationID = 8      // offset 68
}

/// What kind of tree a root page holds.
package enum TreeKind: Sendable { case table, index }

/// Where `Cursor.seek` left the cursor relative to the key it looked for.
package enum SeekResult: Sendable, Equatable {
    /// Positioned on an entry equal to the key.
    case found
    /// Positioned on the nearest entry before (`.before`) or after (`.after`) where the key
    /// would be; `.empty` when the tree has no entries.
    case before, after, empty

    // Its own `==` (inlinable): the synthesized one was reached through the Equatable
    // witness table from the VM, a thunk call per seek.
    @inlinable package static func == (a: SeekResult, b: SeekResult) -> Bool {
        switch (a, b) {
        case (.found, .found), (.before, .before), (.after, .after), (.empty, .empty): return true
        default: return false
        }
    }
}

/// The B-trees of one database file: transactions, page 1, the freelist, tree roots and
/// cursors.
///
/// ```swift
/// let tree = BTree(pager: pager)
/// try tree.beginTransaction(write: true)
/// let root = try tree.createTree(.table)
/// let c = try tree.tableCursor(root: root, writable: true)
/// try c.insert(rowid: 1, payload: RecordCodec.encode([.text("x")]))
/// try tree.commit()
/// ```
/// Corresponds to SQLite's `Btree`/`BtShared` (btree.c).
package final class BTree {
    package let pager: Pager
    /// Open cursors, so a change through one cursor can make the others on the same tree
    /// save their positions (SQLite's `saveAllCursors`).
    var cursors: [CursorRef] = []
    /// What recently closed cursors kept, newest last (`parkCursor`, invariant K13): a
    /// statement's cursor starts where the previous statement's cursor on its tree was.
    var parked: [KeptNodes] = []
    static let maxParked = 8

    /// Deepest tree Loom walks before calling the file corrupt (SQLite's BTCURSOR_MAX_DEPTH).
    static let maxDepth = 20

    /// The text encoding of the file (header offset 56), read when a transaction starts.
    /// Payloads of a UTF-16 file are handed up transcoded to UTF-8 (see `readPayload`).
    package private(set) var textEncoding: TextEncoding = .utf8
    /// Whether the file keeps pointer maps (header offset 52, the largest root page, is not 0).
    package private(set) var isAutoVacuum = false
    /// The auto-vacuum mode (0 none, 1 full, 2 incremental) a new file gets when page 1 is
    /// created (`PRAGMA auto_vacuum` before the first table).
    package var autoVacuumForNewDatabase = 0
    /// The text encoding a new file gets when page 1 is created (`PRAGMA encoding` before
    /// the first table); also what `textEncoding` reports while the file is empty.
    package var textEncodingForNewDatabase: TextEncoding = .utf8
    /// `PRAGMA secure_delete` (on by default in the oracle build): the bytes of a deleted
    /// cell and the pages put on the freelist are overwritten with zeros.
    package var secureDelete = true

    package init(pager: Pager) {
        self.pager = pager
    }

    /// Reads the header fields the B-tree layer acts on (text encoding).
    private func readHeaderSettings() throws {
        guard pager.pageCount > 0 else { textEncoding = textEncodingForNewDatabase; isAutoVacuum = false; return }
        let p = try pager.page(1)
        textEncoding = TextEncoding(rawValue: p.u32(56)) ?? .utf8
        isAutoVacuum = p.u32(52) != 0
    }

    // MARK: Transactions

    /// Starts a read or write transaction. A write to an empty file first creates page 1:
    /// the 100-byte header and an empty table leaf for sqlite_schema.
    package func beginTransaction(write: Bool) throws {
        if write {
            try pager.beginWrite()
            if pager.pageCount == 0 { try createPageOne() }
        } else {
            try pager.beginRead()
        }
        try readHeaderSettings()
    }

    package func commit() throws {
        if isAutoVacuum { try prepareAutoVacuumCommit() }
        try pager.commit()
    }

    package func rollback() throws {
        try pager.rollback()
        for c in cursors { c.cursor.invalidate() }
    }

    /// Opens a savepoint in the write transaction (Spec/L1-pager.md §Savepoints).
    package func openSavepoint() {
        pager.openSavepoint()
    }

    /// Releases savepoint `index` (0 = outermost) and every newer one.
    package func releaseSavepoint(_ index: Int) {
        pager.releaseSavepoint(index)
    }

    /// Rolls back to savepoint `index`, which stays open; cursors become invalid.
    package func rollbackToSavepoint(_ index: Int) throws {
        try pager.rollbackToSavepoint(index)
        for c in cursors { c.cursor.invalidate() }
        try readHeaderSettings()
    }

    /// Ends a read transaction.
    package func endTransaction() {
        pager.endRead()
    }

    private func createPageOne() throws {
        let p = try pager.appendPage()
        precondition(p.number == 1)
        try pager.makeWritable(p)
        p.setBytes(Array("SQLite format 3\0".utf8), at: 0)
        let ps = pager.pageSize
        p.setU16(16, ps == 65536 ? 1 : ps)
        p[18] = 1                       // file format write version (legacy)
        p[19] = 1                       // file format read version
        p[20] = UInt8(pager.pageSize - pager.usableSize)
        p[21] = 64                      // max embedded payload fraction
        p[22] = 32                      // min embedded payload fraction
        p[23] = 32                      // leaf payload fraction
        p.setU32(24, 0)                 // change counter (the pager bumps it on commit)
        p.setU32(28, 1)                 // database size in pages
        p.setU32(32, 0)                 // first freelist trunk
        p.setU32(36, 0)                 // freelist pages
        p.setU32(40, 0)                 // schema cookie
        p.setU32(44, 4)                 // schema format
        p.setU32(48, 0)                 // default cache size
        p.setU32(52, autoVacuumForNewDatabase != 0 ? 1 : 0)  // largest root (auto-vacuum)
        p.setU32(56, textEncodingForNewDatabase.rawValue)  // text encoding (1 UTF-8)
        p.setU32(60, 0)                 // user version
        p.setU32(64, autoVacuumForNewDatabase == 2 ? 1 : 0)  // incremental vacuum
        isAutoVacuum = autoVacuumForNewDatabase != 0
        p.setU32(68, 0)                 // application id
        p.setU32(92, 0)                 // version-valid-for
        p.setU32(96, 3_040_001)         // SQLITE_VERSION_NUMBER
        try initPage(p, kind: .tableLeaf)
    }

    // MARK: Meta

    /// The auto-vacuum mode of the file: 0 none, 1 full, 2 incremental.
    package func autoVacuumMode() throws -> Int {
        guard pager.pageCount > 0 else { return autoVacuumForNewDatabase }
        let p = try pager.page(1)
        return p.u32(52) == 0 ? 0 : (p.u32(64) != 0 ? 2 : 1)
    }

    /// Sets the auto-vacuum mode: any mode while the file has no pages; between full and
    /// incremental on an auto-vacuum file (SQLite needs VACUUM for the rest; so does Loom).
    /// Needs a write transaction when the file has pages.
    package func setAutoVacuumMode(_ mode: Int) throws {
        guard (0...2).contains(mode) else { return }
        autoVacuumForNewDatabase = mode
        guard pager.pageCount > 0, mode != 0, isAutoVacuum else { return }
        try setMeta(.incrementalVacuum, mode == 2 ? 1 : 0)
    }

    package func getMeta(_ field: MetaField) throws -> UInt32 {
        guard pager.pageCount > 0 else { return 0 }
        return try pager.page(1).u32(36 + 4 * field.rawValue)
    }

    package func setMeta(_ field: MetaField, _ value: UInt32) throws {
        let p = try pager.page(1)
        try pager.makeWritable(p)
        p.setU32(36 + 4 * field.rawValue, value)
    }

    // MARK: Trees

    /// Allocates a new empty tree and returns its root page.
    package func createTree(_ kind: TreeKind) throws -> PageNumber {
        let p = try allocateRootPage() ?? allocatePage()
        try initPage(p, kind: kind == .table ? .tableLeaf : .indexLeaf)
        return p.number
    }

    /// Frees every page of the tree rooted at `root`, the root included.
    package func dropTree(_ root: PageNumber) throws {
        guard root.rawValue >= 2 else { throw DatabaseError.corrupt(page: root.rawValue, "drop page 1") }
        invalidateCursors(root: root)
        try freeSubtree(root, depth: 0, keepRoot: false)
    }

    /// Deletes every entry of the tree, keeping its (now empty leaf) root.
    package func clearTree(_ root: PageNumber) throws {
        invalidateCursors(root: root)
        try freeSubtree(root, depth: 0, keepRoot: true)
    }

    private func freeSubtree(_ n: PageNumber, depth: Int, keepRoot: Bool) throws {
        guard depth < BTree.maxDepth else { throw DatabaseError.corrupt(page: n.rawValue, "tree too deep") }
        let node = try node(n)
        for i in 0..<node.cellCount {
            let c = try node.cell(i)
            if c.overflowPage != 0 { try freeOverflowChain(c) }
            if !node.kind.isLeaf { try freeSubtree(PageNumber(c.leftChild), depth: depth + 1, keepRoot: false) }
        }
        if !node.kind.isLeaf { try freeSubtree(try node.child(node.cellCount), depth: depth + 1, keepRoot: false) }
        if keepRoot {
            try initPage(node.page, kind: node.kind.leaf)
        } else {
            try freePage(n)
        }
    }

    package func tableCursor(root: PageNumber, writable: Bool) throws -> TableCursor {
        let c = TableCursor(core: CursorCore(tree: self, root: root, isTable: true, writable: writable, keyInfo: KeyInfo()))
        register(c.core)
        return c
    }

    package func indexCursor(root: PageNumber, writable: Bool, keyInfo: KeyInfo) throws -> IndexCursor {
        let c = IndexCursor(core: CursorCore(tree: self, root: root, isTable: false, writable: writable, keyInfo: keyInfo))
        register(c.core)
        return c
    }

    private func register(_ c: CursorCore) {
        cursors.append(CursorRef(ref: Unmanaged.passUnretained(c), root: c.root))
    }

    /// Called by a cursor's `deinit`: it leaves the registry (searched from the newest, which
    /// statements close first).
    func unregister(_ c: CursorCore) {
        let me = Unmanaged.passUnretained(c).toOpaque()
        if let i = cursors.lastIndex(where: { $0.ref.toOpaque() == me }) { cursors.remove(at: i) }
    }

    /// Parks what a closing cursor kept; the oldest of `maxParked` goes first.
    func parkCursor(_ p: KeptNodes) {
        if parked.count >= BTree.maxParked { parked.removeFirst() }
        parked.append(p)
    }

    /// Takes what the last closed cursor on `root` parked, if any.
    func unparkCursor(root: PageNumber, isTable: Bool) -> KeptNodes? {
        var i = parked.count - 1
        while i >= 0 {
            if parked[i].root == root && parked[i].isTable == isTable { return parked.remove(at: i) }
            i -= 1
        }
        return nil
    }

    /// Before `actor` changes the tree at `root`, every other cursor on it saves its key.
    /// Only cursors registered on `root` are touched (the root is kept in `CursorRef`): the
    /// others cost a compare each, no retain or release (this runs before every insert and
    /// delete, with every cursor of the statement registered).
    func saveOtherCursors(root: PageNumber, except actor: CursorCore) throws {
        let me = Unmanaged.passUnretained(actor).toOpaque()
        var i = 0
        let n = cursors.count
        while i < n {
            let w = cursors[i]
            i += 1
            guard w.root.rawValue == root.rawValue, w.ref.toOpaque() != me else { continue }
            try w.ref._withUnsafeGuaranteedRef { c in
                c.forgetSeekHint()
                try c.savePosition()
            }
        }
    }

    func invalidateCursors(root: PageNumber) {
        for w in cursors where w.root == root { w.cursor.invalidate() }
    }
}

/// A registered cursor. Not a strong reference (the VDBE owns its cursors) and not `weak`
/// (loading a weak reference per cursor per insert showed in micro_a's profile): a cursor
/// unregisters itself in `deinit`, so every entry is alive. Its root is kept here, so that a
/// change to one tree passes the cursors on other trees without touching them.
struct CursorRef {
    let ref: Unmanaged<CursorCore>
    let root: PageNumber
    var cursor: CursorCore { ref.takeUnretainedValue() }
}
