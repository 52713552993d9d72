// This file implements the VM's cursor operations over every cursor kind: open, move, seek,
// read columns, write and delete. All B-tree calls of the VM live here.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Cursors).
import LoomBase
import LoomBTree
import LoomPager
import LoomVFS
import LoomRecord

extension VM {
    @inline(__always)
    func cursor(_ id: CursorID) throws -> VMCursor {
        guard let c = cursors[id] else {
            throw DatabaseError(.internal, "cursor \(id) is not open")
        }
        return c
    }

    /// The open cursor `id` lent to `body` without a retain (CursorTable.withCursor).
    @inline(__always)
    func withCursor<R>(_ id: CursorID, _ body: (VMCursor) throws -> R) throws -> R {
        try cursors.withCursor(id, body)
    }

    func setCursor(_ id: CursorID, _ c: VMCursor?) throws {
        guard id >= 0 else { throw DatabaseError(.internal, "bad cursor number \(id)") }
        cursors[id] = c
    }

    func openBTreeCursor(_ id: CursorID, root: Int, rootInRegister: Bool, keyInfo: KeyInfo?,
                         writable: Bool, database: Int = 0) throws {
        var page = root
        if rootInRegister {
            guard root >= 0, root < registers.count else { throw DatabaseError(.internal, "bad register") }
            page = Int(integerValue(registers[root]))
        }
        guard page >= 1, page <= Int(UInt32.max) else { throw DatabaseError.corrupt(page: nil, "root page \(page)") }
        let rootPage = PageNumber(UInt32(page))
        let tree = try context.tree(database)
        let cursor: VMCursor
        if let keyInfo {
            cursor = makeCursor(.index(try tree.indexCursor(root: rootPage, writable: writable, keyInfo: keyInfo)),
                                keyInfo: keyInfo)
        } else {
            cursor = makeCursor(.table(try tree.tableCursor(root: rootPage, writable: writable)), keyInfo: nil)
        }
        cursor.database = database
        try setCursor(id, cursor)
    }

    /// Where a new sorter spills: an anonymous temporary file once its records pass the
    /// connection's cache budget (`cache_size` pages × page size, at least 256 KiB), as
    /// SQLite's sorter does. An in-memory database's temporary files still go to disk (the
    /// default `temp_store`); `PRAGMA temp_store = MEMORY` keeps every sort in memory.
    func sorterSpill() -> SorterSpill? {
        if context.pragmaSettings["temp_store"] == 2 { return nil }
        let pager = context.btree.pager
        let vfs: any VFS = pager.vfs is MemoryVFS ? PosixVFS() : pager.vfs
        let (bytes, overflow) = pager.cacheSizePages.multipliedReportingOverflow(by: pager.pageSize)
        return SorterSpill(vfs: vfs, memoryLimit: overflow ? Int.max : max(bytes, 1 << 18))
    }

    /// OpenEphemeral: a private B-tree in a MemoryVFS file (no journal, no sync), so large
    /// temporary tables and indexes (DISTINCT, IN, UNION, materialised views) stay O(log n).
    func openEphemeralTree(keyInfo: KeyInfo?) throws -> VMCursor {
        if keyInfo == nil {
            // A rowid table starts as a MemoryTree and moves to a B-tree when it grows.
            let cursor = VMCursor(.memory(MemoryTree(keyInfo: nil)), keyInfo: nil)
            cursor.isEphemeral = true
            return cursor
        }
        return try openEphemeralBTree(keyInfo: keyInfo)
    }

    /// Ephemeral rowid tables stay in a MemoryTree up to this many rows or record bytes.
    static let ephemeralMemoryRows = 4096
    static let ephemeralMemoryBytes = 1 << 20

    /// Moves a MemoryTree ephemeral table that outgrew its limits into a private B-tree and
    /// leaves the cursor on `rowid`.
    func spillEphemeral(_ c: VMCursor, _ m: MemoryTree, rowid: Int64) throws {
        let replacement = try openEphemeralBTree(keyInfo: nil)
        guard case .table(let t) = replacement.storage else { throw DatabaseError(.internal, "ephemeral spill") }
        for p in m.firstPosition ... m.lastPosition {
            try t.insert(rowid: m.entries[p].rowid, payload: m.entries[p].record)
        }
        m.removeAll()
        c.storage = replacement.storage
        c.ephemeralTree = replacement.ephemeralTree
        let found = try t.seek(rowid: rowid) == .found
        c.moved(valid: found)
    }

    func openEphemeralBTree(keyInfo: KeyInfo?) throws -> VMCursor {
        var options = PagerOptions()
        options.journalMode = .off
        options.synchronous = .off
        options.memoryResident = true
        let pager = try Pager(vfs: MemoryVFS(), path: "ephemeral.db", options: options)
        let tree = BTree(pager: pager)
        try tree.beginTransaction(write: true)
        let cursor: VMCursor
        if let keyInfo {
            let root = try tree.createTree(.index)
            cursor = VMCursor(.index(try tree.indexCursor(root: root, writable: true, keyInfo: keyInfo)), keyInfo: keyInfo)
        } else {
            let root = try tree.createTree(.table)
            cursor = VMCursor(.table(try tree.tableCursor(root: root, writable: true)), keyInfo: nil)
        }
        cursor.ephemeralTree = tree
        return cursor
    }

    // MARK: Moving

    /// Position on the first entry; false if empty.
    func moveFirst(_ c: VMCursor) throws -> Bool {
        let ok: Bool
        switch c.storage {
        case .table(let t): ok = try t.first()
        case .index(let i): ok = try i.first()
        case .memory(let m):
            m.position = m.firstPosition
            ok = !m.isEmpty
        case .sorter(let s):
            ok = try s.first()
        case .pseudo: ok = true
        case .virtual(let v, _):
            try v.filter(indexNumber: 0, indexString: nil, arguments: [])
            ok = !v.eof
        }
        c.moved(valid: ok)
        return ok
    }

    func moveLast(_ c: VMCursor) throws -> Bool {
        let ok: Bool
        switch c.storage {
        case .table(let t): ok = try t.last()
        case .index(let i): ok = try i.last()
        case .memory(let m):
            m.position = m.lastPosition
            ok = !m.isEmpty
        case .sorter(let s):
            ok = try s.last()
        case .pseudo: ok = true
        case .virtual: throw DatabaseError(.internal, "Last on a virtual table cursor")
        }
        c.moved(valid: ok)
        return ok
    }

    /// Advance (forward) or back up; false at the end. After Delete, continues from the
    /// deleted entry's key.
    func advance(_ c: VMCursor, forward: Bool) throws -> Bool {
        if c.deletedRowid != nil || c.deletedKey != nil {
            return try continueAfterDelete(c, forward: forward)
        }
        guard c.isValid else { return false }
        // A B-tree table cursor (scans) is lent at +0 (binding it out of the enum retained it).
        if let u = c.tableRef {
            let ok = try u._withUnsafeGuaranteedRef { t in forward ? try t.next() : try t.previous() }
            c.steppedTable(valid: ok)
            // The step read the new entry's cell: its rowid is the position's (Rowid then
            // needs no second look at the page; every move clears it again).
            if ok { c.cachedRowid = u._withUnsafeGuaranteedRef { $0.learnedRowid } }
            return ok
        }
        let ok: Bool
        switch c.storage {
        case .table(let t): ok = forward ? try t.next() : try t.previous()
        case .index(let i): ok = forward ? try i.next() : try i.previous()
        case .memory(let m):
            m.position += forward ? 1 : -1
            ok = m.isLive(m.position)
        case .sorter(let s):
            ok = try s.next()
        case .pseudo: ok = false
        case .virtual(let v, _):
            guard forward else { throw DatabaseError(.internal, "Prev on a virtual table cursor") }
            try v.next()
            ok = !v.eof
        }
        c.moved(valid: ok)
        return ok
    }

    private func continueAfterDelete(_ c: VMCursor, forward: Bool) throws -> Bool {
        let rowid = c.deletedRowid, key = c.deletedKey
        c.deletedRowid = nil
        c.deletedKey = nil
        switch c.storage {
        case .table(let t):
            // The B-tree leaves a deleted cursor so next()/previous() land beside the entry.
            let ok = forward ? try t.next() : try t.previous()
            c.moved(valid: ok)
            return ok
        case .index(let i):
            let ok = forward ? try i.next() : try i.previous()
            c.moved(valid: ok)
            return ok
        case .memory(let m):
            let p: Int
            if let rowid { p = m.lowerBound(rowid: rowid) } else if let key { p = m.bound(key: key, strict: false) } else { return false }
            // p is where the deleted entry was: forward continues there, backward just before.
            m.position = forward ? p : p - 1
            let ok = m.isLive(m.position)
            c.moved(valid: ok)
            return ok
        default:
            return false
        }
    }

    // MARK: Reading

    /// Parses the current record of `c` into `c.row` unless it is there already; false
    /// when the cursor has no record (invalid, NULL row, virtual, a pseudo register without
    /// a blob). A pseudo cursor reads its register whatever its position, and re-parses
    /// only when the register holds another blob than the one parsed.
    ///
    /// `hasRow && !nullRow` means `row` is the current record with nothing left to check
    /// (Column's inline fast path relies on it): so a pseudo cursor over a register never
    /// sets `hasRow` (its register may change under it); `pseudoSource` alone, set only
    /// after a successful parse, records which blob `row` holds.
    func loadRow(_ c: VMCursor) throws -> Bool {
        // A B-tree table cursor first (scans): its payload is copied from the page, lent at +0.
        if let u = c.tableRef {
            if c.hasRow { return true }
            guard c.isValid, !c.nullRow else { return false }
            try u._withUnsafeGuaranteedRef { t in try t.withPayload { try c.row.load($0) } }
            c.hasRow = true
            return true
        }
        if case .pseudo(let reg) = c.storage {
            if c.fedBySorter { return c.hasRow }
            guard reg >= 0, reg < registers.count, case .blob(let b) = registers[reg] else { return false }
            // Array == is an identity check first: the same blob costs no byte compare. A
            // record is never empty, so an empty `pseudoSource` means nothing parsed.
            if !c.pseudoSource.isEmpty && c.pseudoSource == b { return true }
            c.pseudoSource = []
            try c.row.load(b)
            c.pseudoSource = b
            return true
        }
        if c.hasRow { return true }
        guard c.isValid, !c.nullRow else { return false }
        switch c.storage {
        case .table(let t): try t.withPayload { try c.row.load($0) }
        case .index(let i): try i.withKey { try c.row.load($0) }
        case .memory(let m):
            guard m.isLive(m.position) else { return false }
            try c.row.load(m.entries[m.position].record)
        case .sorter(let s):
            guard try s.withCurrent({ try c.row.load($0) }) != nil else { return false }
        case .virtual, .pseudo: return false
        }
        c.hasRow = true
        return true
    }

    /// SorterData: the sorter's current record goes straight into the pseudo cursor `pseudo`
    /// (parsed in place from the sorter's memory, no array per row); register `dest` is
    /// written only when `pseudo` names no open pseudo cursor (codegen reads the record
    /// through the pseudo cursor alone, Spec §Cursors).
    func sorterData(_ c: VMCursor, dest: Register, pseudo p: CursorID) throws {
        guard case .sorter(let s) = c.storage else { throw DatabaseError(.internal, "SorterData misuse") }
        if let pseudo = cursors[p], case .pseudo = pseudo.storage {
            pseudo.hasRow = false
            pseudo.fedBySorter = true
            guard try s.withCurrent({ try pseudo.row.load($0) }) != nil else {
                throw DatabaseError(.internal, "SorterData misuse")
            }
            pseudo.hasRow = true
            return
        }
        guard let rec = s.current else { throw DatabaseError(.internal, "SorterData misuse") }
        registers[dest] = .blob(rec)
    }

    /// MakeRecord with kept fields (an UPDATE's new row): the marked fields come from the
    /// cursor's current row as they are stored; `affinities` apply to the other registers
    /// first. A marked field past that record's end gets the column default in its register,
    /// as Column would read it; with no current row (nothing to copy from) the marked
    /// registers are NULL, as Column would read them.
    func keptFieldsRecord(_ s: Register, _ n: Int, _ kept: KeptFields, affinities: [Affinity]?) throws -> [UInt8] {
        let c = try cursor(kept.cursor)
        let hasRow = try loadPositionedRow(c)
        let stored = hasRow ? c.row.count : 0
        return kept.keep.withUnsafeBufferPointer { keep in
            for i in 0 ..< n {
                if i < keep.count && keep[i] {
                    // A kept field the stored row lacks: its default, or NULL without a row.
                    if i >= stored { registers[s + i] = hasRow && i < kept.defaults.count ? kept.defaults[i] ?? .null : .null }
                } else if let affinities, i < affinities.count {
                    registers[s + i] = applyAffinity(affinities[i], to: registers[s + i])
                }
            }
            if !hasRow { return registers.withRange(s, n) { RecordCodec.encode($0) } }
            return registers.withRange(s, n) { RecordCodec.encode($0, keeping: keep, from: c.row) }
        }
    }

    /// Loads the current record of a positioned cursor (pseudo cursors too must be valid).
    func loadPositionedRow(_ c: VMCursor) throws -> Bool {
        guard c.isValid, !c.nullRow else { return false }
        return try loadRow(c)
    }

    /// Column on the dispatch loop's fast path: a record already parsed for this position
    /// is read in place; anything else goes through `readColumn`.
    @inline(__always)
    func columnValue(_ c: VMCursor, _ column: Int) throws -> Value {
        if c.hasRow && !c.nullRow { return c.row.column(column) }
        return try readColumnSlow(c, column)
    }

    @inline(never)
    func readColumnSlow(_ c: VMCursor, _ column: Int) throws -> Value {
        try readColumn(c, column, default: nil)
    }

    func readColumn(_ c: VMCursor, _ column: Int, default def: Value?) throws -> Value {
        if c.nullRow { return .null }
        // Tag test first: binding the enum's payload copied it (a retain and a release of the
        // table cursor it holds) on every first Column of a row.
        if c.tableRef == nil, case .virtual(let v, _) = c.storage { return c.isValid ? try v.column(column) : .null }
        guard try loadRow(c) else { return .null }
        return column < c.row.count ? c.row.column(column) : (def ?? .null)
    }

    /// The byte length of column `column` of the current row when it is a BLOB, read from
    /// its serial type; nil for anything else (NULL row, another type, past the record's
    /// end, a virtual-table cursor).
    func blobColumnLength(_ c: VMCursor, _ column: Int) throws -> Int64? {
        if c.nullRow { return nil }
        if !c.hasRow {
            // Tag test only: binding the enum's payload retained the cursor it holds.
            if c.tableRef == nil, case .virtual = c.storage { return nil }
            guard try loadRow(c) else { return nil }
        }
        guard column < c.row.count else { return nil }
        let t = c.row.serialType(column)
        guard t >= 12, t & 1 == 0 else { return nil }
        return Int64((t - 12) / 2)
    }

    /// Rowid on the dispatch loop's fast path: a positioned B-tree table cursor's rowid
    /// (`currentRowid`'s first case inline, usually the one its Next kept), else `currentRowid`.
    @inline(__always)
    func rowidValue(_ c: VMCursor) throws -> Value {
        if let u = c.tableRef, c.isValid, !c.nullRow {
            if let r = c.cachedRowid { return .integer(r) }
            let r = try u._withUnsafeGuaranteedRef { try $0.rowid() }
            c.cachedRowid = r
            return .integer(r)
        }
        return try currentRowid(c)
    }

    func currentRowid(_ c: VMCursor) throws -> Value {
        if c.nullRow || !c.isValid { return .null }
        if let r = c.cachedRowid { return .integer(r) }  // set for table cursors only
        if let r = try c.withTable({ try $0.rowid() }) {
            c.cachedRowid = r
            return .integer(r)
        }
        switch c.storage {
        case .table(let t):
            let r = try t.rowid()
            c.cachedRowid = r
            return .integer(r)
        case .virtual(let v, _): return .integer(try v.rowid())
        case .memory(let m) where m.isIntKey:
            guard m.isLive(m.position) else { return .null }
            return .integer(m.entries[m.position].rowid)
        default:
            // Index-like: the rowid is the last key field.
            guard try loadPositionedRow(c), c.row.count > 0 else { return .null }
            return c.row.column(c.row.count - 1)
        }
    }

    /// The current index entry's key fields.
    func currentKey(_ c: VMCursor) throws -> [Value] {
        guard try loadPositionedRow(c) else { return [] }
        let n = c.row.count
        var out: [Value] = []
        out.reserveCapacity(n)
        for i in 0 ..< n { out.append(c.row.column(i)) }
        return out
    }

    // MARK: Seeking

    /// Table cursor: position on `rowid`; true if found exactly.
    func seekRowid(_ c: VMCursor, _ rowid: Int64) throws -> Bool {
        switch c.storage {
        case .table(let t):
            let r = try t.seek(rowid: rowid)
            c.moved(valid: r == .found)
            return r == .found
        case .memory(let m) where m.isIntKey:
            let i = m.lowerBound(rowid: rowid)
            let found = m.isLive(i) && m.entries[i].rowid == rowid
            m.position = i
            c.moved(valid: found)
            return found
        default:
            throw DatabaseError(.internal, "rowid seek on an index cursor")
        }
    }

    enum SeekOp { case ge, gt, le, lt }

    /// SeekGE/GT/LE/LT; returns false when no entry satisfies the bound.
    func seek(_ c: VMCursor, _ op: SeekOp, key: [Value], rowid: Int64?) throws -> Bool {
        switch c.storage {
        case .table(let t):
            guard let rowid else { throw DatabaseError(.internal, "table seek without rowid") }
            let r = try t.seek(rowid: rowid)
            var ok: Bool
            // Land on the right side of rowid.
            switch (op, r) {
            case (_, .empty): ok = false
            case (.ge, .found), (.le, .found): ok = true
            case (.gt, .found): ok = try t.next()
            case (.lt, .found): ok = try t.previous()
            case (.ge, .after), (.gt, .after): ok = true
            case (.ge, .before), (.gt, .before): ok = try t.next()
            case (.le, .before), (.lt, .before): ok = true
            case (.le, .after), (.lt, .after): ok = try t.previous()
            }
            c.moved(valid: ok)
            return ok
        case .index(let ix):
            // LoomBTree: seek(key:) lands on the first entry >= key (prefix-equal counts as
            // equal), seek(after:) on the first entry > key; both report `.before` (cursor on
            // the last entry) when no such entry exists.
            var ok: Bool
            switch op {
            case .ge:
                let r = try ix.seek(key: key)
                ok = r == .found || r == .after
            case .gt:
                ok = try ix.seek(after: key) == .after
            case .le:
                switch try ix.seek(after: key) {
                case .after: ok = try ix.previous()
                case .before: ok = true
                default: ok = false
                }
            case .lt:
                switch try ix.seek(key: key) {
                case .found, .after: ok = try ix.previous()
                case .before: ok = true
                default: ok = false
                }
            }
            c.moved(valid: ok)
            return ok
        case .memory(let m):
            if m.isIntKey {
                guard let rowid else { throw DatabaseError(.internal, "table seek without rowid") }
                let i = m.lowerBound(rowid: rowid)
                let exact = m.isLive(i) && m.entries[i].rowid == rowid
                switch op {
                case .ge: m.position = i
                case .gt: m.position = exact ? i + 1 : i
                case .le: m.position = exact ? i : i - 1
                case .lt: m.position = i - 1
                }
            } else {
                switch op {
                case .ge: m.position = m.bound(key: key, strict: false)
                case .gt: m.position = m.bound(key: key, strict: true)
                case .le: m.position = m.bound(key: key, strict: true) - 1
                case .lt: m.position = m.bound(key: key, strict: false) - 1
                }
            }
            let ok = m.isLive(m.position)
            c.moved(valid: ok)
            return ok
        default:
            throw DatabaseError(.internal, "seek on a pseudo cursor or sorter")
        }
    }

    /// Found/NotFound: is there an entry having `key` as a prefix? Leaves the cursor on it.
    func findPrefix(_ c: VMCursor, key: [Value]) throws -> Bool {
        if case .index(let ix) = c.storage {
            // The B-tree's `.found` is this test (its probe compares a prefix equal, as
            // compareKeys does): no decode of the entry, no second compare.
            let r = try ix.seek(key: key)
            c.moved(valid: r == .found || r == .after)
            return r == .found
        }
        guard try seek(c, .ge, key: key, rowid: nil) else { return false }
        let ki = c.keyInfo ?? KeyInfo()
        return compareKeys(try currentKey(c), key, keyInfo: ki) == 0
    }

    // MARK: Writing

    func insertRow(_ c: VMCursor, rowid: Int64, record: [UInt8]) throws {
        switch c.storage {
        case .table(let t):
            if undoLog != nil, c.ephemeralTree == nil {
                // The row it replaces: the cursor's own row when it is on that rowid (UPDATE
                // in place), none when that rowid was just deleted through it (REPLACE) or
                // just looked for in vain (NotExists); otherwise a seek finds out.
                let previous: [UInt8]?
                if c.isValid, !c.nullRow, (try? t.rowid()) == rowid {
                    previous = try t.payload()
                } else if !c.isValid, c.deletedRowid == rowid || c.absentRowid == rowid {
                    previous = nil
                } else {
                    previous = try t.seek(rowid: rowid) == .found ? try t.payload() : nil
                }
                logTableInsert(database: c.database, root: t.root, rowid: rowid, previous: previous)
            }
            try t.insert(rowid: rowid, payload: record)
        case .memory(let m) where m.isIntKey:
            m.insert(rowid: rowid, record: record)
            m.position = m.lowerBound(rowid: rowid)
            if c.isEphemeral, m.count > VM.ephemeralMemoryRows || m.recordBytes > VM.ephemeralMemoryBytes {
                try spillEphemeral(c, m, rowid: rowid)
                return
            }
        default: throw DatabaseError(.internal, "Insert on an index cursor")
        }
        c.moved(valid: true)
    }

    func insertIndexEntry(_ c: VMCursor, record: [UInt8]) throws {
        switch c.storage {
        case .index(let i):
            // Logged only when the entry is new (an equal entry makes the insert a no-op):
            // the B-tree reports that, so no separate seek is needed.
            if try i.insert(record: record), undoLog != nil, c.ephemeralTree == nil {
                undoLog?.append(.indexInsert(database: c.database, root: i.root, keyInfo: i.keyInfo, record: record))
            }
        case .memory(let m) where !m.isIntKey:
            m.insert(key: try RecordCodec.decode(record), record: record)
        default: throw DatabaseError(.internal, "IdxInsert on a table cursor")
        }
        c.moved(valid: false)
    }

    /// Delete the current entry; the next Next/Prev continues from its key.
    func deleteCurrent(_ c: VMCursor) throws {
        guard c.isValid else { return }
        switch c.storage {
        case .table(let t):
            let rowid = try t.rowid()
            if undoLog != nil, c.ephemeralTree == nil { undoLog?.append(.tableDelete(database: c.database, root: t.root, rowid: rowid, payload: try t.payload())) }
            try t.delete()
            c.moved(valid: false)
            c.deletedRowid = rowid
        case .index(let i):
            if undoLog != nil, c.ephemeralTree == nil { undoLog?.append(.indexDelete(database: c.database, root: i.root, keyInfo: i.keyInfo, record: try i.keyBytes())) }
            try i.delete()
            c.moved(valid: false)
            // Only "an entry was deleted" matters for a B-tree index (the B-tree keeps the
            // position, continueAfterDelete just steps): no decode of the key.
            c.deletedKey = []
        case .memory(let m):
            guard m.isLive(m.position) else { return }
            let e = m.remove(at: m.position)
            c.moved(valid: false)
            if m.isIntKey { c.deletedRowid = e.rowid } else { c.deletedKey = e.key }
        default:
            throw DatabaseError(.internal, "Delete on a pseudo cursor or sorter")
        }
    }

    func entryCount(_ c: VMCursor) throws -> Int64 {
        switch c.storage {
        case .memory(let m): return Int64(m.count)
        case .sorter(let s): return Int64(s.count)
        case .pseudo: return 1
        case .table(let t): return try t.count()
        case .index(let i): return try i.count()
        case .virtual: throw DatabaseError(.internal, "Count on a virtual table cursor")
        }
    }

    /// A rowid not in the table: max + 1, or a random unused one when max is Int64.max.
    func newRowid(_ c: VMCursor) throws -> Int64 {
        let maxRowid: Int64?
        switch c.storage {
        case .table(let t):
            maxRowid = try t.maxRowid()   // moves the B-tree cursor to the last entry
            c.cachedRowid = nil
        case .memory(let m) where m.isIntKey: maxRowid = m.lastRowid
        default: throw DatabaseError(.internal, "NewRowid on an index cursor")
        }
        guard let maxRowid else { return 1 }
        if maxRowid < Int64.max { return maxRowid + 1 }
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 100 {
            let candidate = Int64.random(in: 1 ... Int64.max, using: &rng)
            if try !seekRowid(c, candidate) { return candidate }
        }
        throw DatabaseError(.full)
    }
}

extension VM {
    /// A root page number from an instruction operand, checked.
    func rootPageNumber(_ root: Int) throws -> PageNumber {
        guard root >= 1, root <= Int(UInt32.max) else { throw DatabaseError.corrupt(page: nil, "root page \(root)") }
        return PageNumber(UInt32(root))
    }
}
