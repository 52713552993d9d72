// This file tests the B-tree against in-memory models: random insert/delete/seek workloads
// on table and index trees, several page sizes, small and overflowing payloads.
// Layer: L3 tests. Spec: Spec/L3-btree.md.
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomRecord
import LoomTestSupport
@testable import LoomBTree

func makeTree(pageSize: Int) throws -> BTree {
    var options = PagerOptions()
    options.pageSizeForNewDatabase = pageSize
    let pager = try Pager(vfs: MemoryVFS(), path: "t.db", options: options)
    return BTree(pager: pager)
}

func payload(_ rowid: Int64, size: Int) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: Int64($0) &* 31 &+ rowid) }
}

func expectHealthy(_ tree: BTree, roots: [PageNumber], _ comment: String = "") throws {
    let errors = try tree.integrityCheck(roots: [1] + roots, maxErrors: 20)
    #expect(errors.isEmpty, "\(comment) \(errors)")
}

@Suite struct TableTreeTests {
    @Test(arguments: [512, 1024, 4096])
    func randomWorkload(pageSize: Int) throws {
        var rng = SeededRNG()
        let tree = try makeTree(pageSize: pageSize)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.table)
        let c = try tree.tableCursor(root: root, writable: true)
        var model: [Int64: [UInt8]] = [:]
        for step in 0..<3000 {
            let op = Int.random(in: 0..<10, using: &rng)
            let key = Int64.random(in: -500...1500, using: &rng)
            if op < 6 {
                let big = Int.random(in: 0..<8, using: &rng) == 0
                let size = big ? Int.random(in: pageSize...(pageSize * 3), using: &rng) : Int.random(in: 0...60, using: &rng)
                let p = payload(key &+ Int64(step), size: size)
                try c.insert(rowid: key, payload: p)
                model[key] = p
                #expect(try c.rowid() == key)
            } else if op < 9 {
                let r = try c.seek(rowid: key)
                if model[key] != nil {
                    #expect(r == .found)
                    try c.delete()
                    model[key] = nil
                    #expect(!c.isValid)
                } else {
                    #expect(r != .found)
                }
            } else {
                let r = try c.seek(rowid: key)
                if let p = model[key] {
                    #expect(r == .found)
                    #expect(try c.payload() == p)
                } else if model.isEmpty {
                    #expect(r == .empty)
                } else {
                    let k = try c.rowid()
                    if r == .after { #expect(k > key) } else { #expect(r == .before && k < key) }
                }
            }
            if step % 500 == 499 { try expectHealthy(tree, roots: [root], "seed \(rng.seed) step \(step)") }
        }
        // Full scans both ways agree with the model.
        let keys = model.keys.sorted()
        var seen: [Int64] = []
        var ok = try c.first()
        while ok {
            let k = try c.rowid()
            seen.append(k)
            #expect(try c.payload() == model[k], "seed \(rng.seed)")
            ok = try c.next()
        }
        #expect(seen == keys, "seed \(rng.seed)")
        #expect(try c.count() == Int64(keys.count))
        var back: [Int64] = []
        ok = try c.last()
        while ok { back.append(try c.rowid()); ok = try c.previous() }
        #expect(back == keys.reversed())
        #expect(try c.maxRowid() == keys.last)
        try expectHealthy(tree, roots: [root], "seed \(rng.seed)")
        // Delete everything through a scan: the tree collapses to an empty root and every
        // page goes to the freelist.
        ok = try c.first()
        while ok { try c.delete(); ok = try c.next() }
        #expect(try c.first() == false)
        try expectHealthy(tree, roots: [root], "after delete-all seed \(rng.seed)")
        #expect(try tree.getMeta(.freePageCount) == tree.pager.pageCount - 2)
        try tree.commit()
    }

    @Test func sequentialAppendsPackLeaves() throws {
        let tree = try makeTree(pageSize: 4096)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.table)
        let c = try tree.tableCursor(root: root, writable: true)
        let n = 100_000
        for i in 1...n {
            let rec = RecordCodec.encode([.integer(Int64(i)), .text("row \(i)")])
            try c.insert(rowid: Int64(i), payload: rec)
        }
        // ~19-byte cells: about 190 per 4 KiB leaf when packed; allow 10% slack.
        let cellBytes = 2 + 3 + RecordCodec.encode([.integer(50_000), .text("row 50000")]).count + 2
        let ideal = n * cellBytes / (4096 - 8)
        #expect(Int(tree.pager.pageCount) < ideal * 11 / 10 + 20, "pages \(tree.pager.pageCount) ideal \(ideal)")
        var count = 0
        var ok = try c.first()
        var expected: Int64 = 1
        while ok {
            #expect(try c.rowid() == expected)
            expected += 1
            count += 1
            ok = try c.next()
        }
        #expect(count == n)
        try expectHealthy(tree, roots: [root])
        for probe in [1, 2, 77_777, 100_000] {
            #expect(try c.seek(rowid: Int64(probe)) == .found)
            #expect(try RecordCodec.decode(try c.payload()) == [.integer(Int64(probe)), .text("row \(probe)")])
        }
        try tree.commit()
    }

    @Test func otherCursorsKeepTheirPlace() throws {
        let tree = try makeTree(pageSize: 512)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.table)
        let writer = try tree.tableCursor(root: root, writable: true)
        for i in 0..<200 { try writer.insert(rowid: Int64(i * 2), payload: payload(Int64(i), size: 30)) }
        let reader = try tree.tableCursor(root: root, writable: false)
        #expect(try reader.seek(rowid: 100) == .found)
        for i in 0..<200 { try writer.insert(rowid: Int64(i * 2 + 1), payload: payload(Int64(i), size: 30)) }
        #expect(try reader.rowid() == 100)
        #expect(try reader.next() && reader.rowid() == 101)
        // Deleting the reader's entry through the writer: the reader moves on from the gap.
        #expect(try writer.seek(rowid: 101) == .found)
        try writer.delete()
        #expect(try reader.next() && reader.rowid() == 102)
        try tree.rollback()
    }

    @Test func clearAndDropTrees() throws {
        let tree = try makeTree(pageSize: 1024)
        try tree.beginTransaction(write: true)
        let a = try tree.createTree(.table)
        let b = try tree.createTree(.table)
        for root in [a, b] {
            let c = try tree.tableCursor(root: root, writable: true)
            for i in 0..<500 { try c.insert(rowid: Int64(i), payload: payload(Int64(i), size: i % 50 == 0 ? 3000 : 40)) }
        }
        try expectHealthy(tree, roots: [a, b])
        try tree.clearTree(a)
        try expectHealthy(tree, roots: [a, b])
        #expect(try tree.tableCursor(root: a, writable: false).first() == false)
        try tree.dropTree(b)
        try expectHealthy(tree, roots: [a])
        #expect(try tree.getMeta(.freePageCount) == tree.pager.pageCount - 2)
        // Freed pages are reused before the file grows.
        let before = tree.pager.pageCount
        let c = try tree.createTree(.index)
        #expect(tree.pager.pageCount == before)
        try expectHealthy(tree, roots: [a, c])
        try tree.commit()
    }
}

@Suite struct IndexTreeTests {
    @Test(arguments: [512, 4096])
    func randomWorkload(pageSize: Int) throws {
        var rng = SeededRNG()
        let tree = try makeTree(pageSize: pageSize)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.index)
        let info = KeyInfo(collations: [.nocase, .binary], descending: [false, true])
        let c = try tree.indexCursor(root: root, writable: true, keyInfo: info)
        var model: [[Value]] = []
        func sortModel() { model.sort { compareKeys($0, $1, keyInfo: info) < 0 } }
        for step in 0..<2500 {
            let op = Int.random(in: 0..<10, using: &rng)
            let word = ["apple", "Banana", "cherry", "date", "Elder", "fig"][Int.random(in: 0..<6, using: &rng)]
            let big = Int.random(in: 0..<10, using: &rng) == 0
            let text = big ? word + String(repeating: "x", count: Int.random(in: pageSize / 2...pageSize * 2, using: &rng)) : word + "\(Int.random(in: 0..<40, using: &rng))"
            let key: [Value] = [.text(text), .integer(Int64.random(in: 0..<50, using: &rng))]
            if op < 6 {
                try c.insert(key: key)
                if !model.contains(where: { compareKeys($0, key, keyInfo: info) == 0 }) { model.append(key); sortModel() }
                #expect(try c.key() == key)
            } else if op < 9, !model.isEmpty {
                let victim = model[Int.random(in: 0..<model.count, using: &rng)]
                #expect(try c.seek(key: victim) == .found)
                #expect(try c.key() == victim)
                try c.delete()
                model.removeAll { compareKeys($0, victim, keyInfo: info) == 0 }
            } else {
                // A prefix seek lands on the first entry >= the prefix.
                let prefix: [Value] = [.text(word)]
                let r = try c.seek(key: prefix)
                let expected = model.first { compareKeys($0, prefix, keyInfo: info) >= 0 }
                if let expected {
                    #expect(try c.key() == expected, "seed \(rng.seed)")
                    #expect(r == (compareKeys(expected, prefix, keyInfo: info) == 0 ? .found : .after))
                } else {
                    #expect(r == .before || r == .empty)
                }
                let r2 = try c.seek(after: prefix)
                if let expectedAfter = model.first(where: { compareKeys($0, prefix, keyInfo: info) > 0 }) {
                    let got = try c.key()
                    #expect(r2 == .after && got == expectedAfter, "seed \(rng.seed)")
                } else {
                    #expect(r2 == .before || r2 == .empty)
                }
            }
            if step % 500 == 499 { try expectHealthy(tree, roots: [root], "seed \(rng.seed) step \(step)") }
        }
        var scanned: [[Value]] = []
        var ok = try c.first()
        while ok { scanned.append(try c.key()); ok = try c.next() }
        #expect(scanned == model, "seed \(rng.seed)")
        #expect(try c.count() == Int64(model.count))
        var back: [[Value]] = []
        ok = try c.last()
        while ok { back.append(try c.key()); ok = try c.previous() }
        #expect(back == model.reversed(), "seed \(rng.seed)")
        ok = try c.first()
        while ok { try c.delete(); ok = try c.next() }
        #expect(try c.first() == false)
        try expectHealthy(tree, roots: [root], "after delete-all seed \(rng.seed)")
        try tree.commit()
    }
}

/// A two-field index tree in a write transaction with two writable cursors on it, for the
/// tests where a second cursor changes the tree under the first.
struct TwoCursorIndex {
    let tree: BTree
    let root: PageNumber
    let info = KeyInfo(fieldCount: 2)
    let cursor: IndexCursor
    let other: IndexCursor

    init(pageSize: Int) throws {
        tree = try makeTree(pageSize: pageSize)
        try tree.beginTransaction(write: true)
        root = try tree.createTree(.index)
        cursor = try tree.indexCursor(root: root, writable: true, keyInfo: info)
        other = try tree.indexCursor(root: root, writable: true, keyInfo: info)
    }

    /// Scans the tree, expects exactly `model` (in key order) and a healthy tree, commits.
    func finish(expecting model: [[Value]], _ comment: String) throws {
        let sorted = model.sorted { compareKeys($0, $1, keyInfo: info) < 0 }
        var scanned: [[Value]] = []
        var ok = try cursor.first()
        while ok { scanned.append(try cursor.key()); ok = try cursor.next() }
        #expect(scanned == sorted, "\(comment)")
        try expectHealthy(tree, roots: [root], comment)
        try tree.commit()
    }
}

@Suite struct SeekThenInsertTests {
    /// The UNIQUE-index pattern (NoConflict then IdxInsert): a prefix seek that finds nothing,
    /// then an insert of a record it prefixes, which reuses the seek's descent (K12). Between
    /// the two, a second cursor sometimes changes the tree, and the first cursor sometimes
    /// moves or inserts an unrelated record: the hint must then be dropped or refused.
    @Test(arguments: [512, 4096])
    func uniqueIndexPattern(pageSize: Int) throws {
        var rng = SeededRNG()
        let f = try TwoCursorIndex(pageSize: pageSize)
        let (c, other) = (f.cursor, f.other)
        var model: [[Value]] = []
        var rowid: Int64 = 0
        for step in 0..<3000 {
            let k = Int64.random(in: 0..<4000, using: &rng)
            let long = Int.random(in: 0..<20, using: &rng) == 0
            let field: Value = long ? .text(String(repeating: "k", count: pageSize) + "\(k)") : .integer(k)
            let r = try c.seek(key: [field])
            if r == .found { continue }
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:
                // Another cursor inserts first (maybe the neighbour of the hinted spot).
                rowid += 1
                let k2: [Value] = [.integer(k + Int64.random(in: -1...1, using: &rng)), .integer(rowid)]
                try other.insert(record: RecordCodec.encode(k2))
                model.append(k2)
            case 1:
                _ = try c.next()
            default: break
            }
            rowid += 1
            let entry: [Value] = [field, .integer(rowid)]
            if try c.insert(record: RecordCodec.encode(entry)) { model.append(entry) }
            #expect(try c.key() == entry)
            if step % 1000 == 999 { try expectHealthy(f.tree, roots: [f.root], "seed \(rng.seed) step \(step)") }
        }
        try f.finish(expecting: model, "seed \(rng.seed)")
    }
}

@Suite struct IndexAppendTests {
    /// Increasing keys (as CREATE INDEX inserts them) go straight after the last entry while
    /// the cursor stays there (K8 for index trees); a smaller key, a duplicate, another
    /// cursor's insert or a move in between must fall back to a descent.
    @Test(arguments: [512, 4096])
    func sortedInsertsWithInterruptions(pageSize: Int) throws {
        var rng = SeededRNG()
        let f = try TwoCursorIndex(pageSize: pageSize)
        let (c, other) = (f.cursor, f.other)
        var model: [[Value]] = []
        var k: Int64 = 0
        for step in 0..<4000 {
            k += Int64.random(in: 0...2, using: &rng)
            var entry: [Value] = [.integer(k), .text("v\(step)")]
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: entry = [.integer(k - Int64.random(in: 1...50, using: &rng)), .text("back\(step)")]
            case 1:
                let e2: [Value] = [.integer(k + 1), .text("other\(step)")]
                if try other.insert(record: RecordCodec.encode(e2)) { model.append(e2) }
            case 2: _ = try c.previous()
            case 3: if let dup = model.last { entry = dup }
            default: break
            }
            if try c.insert(record: RecordCodec.encode(entry)) { model.append(entry) }
            #expect(try c.key() == entry)
        }
        try f.finish(expecting: model, "seed \(rng.seed)")
    }
}

@Suite struct DeleteDuringScanTests {
    @Test(arguments: [512, 1024])
    func indexScanDeletingEveryOther(pageSize: Int) throws {
        let tree = try makeTree(pageSize: pageSize)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.index)
        let c = try tree.indexCursor(root: root, writable: true, keyInfo: KeyInfo(fieldCount: 1))
        let n = 3000
        for i in 0..<n { try c.insert(key: [.text("key-\(String(repeating: "z", count: i % 90))-\(i)"), .integer(Int64(i))]) }
        var all: [[Value]] = []
        var ok = try c.first()
        while ok { all.append(try c.key()); ok = try c.next() }
        #expect(all.count == n)
        // Forward: delete every other entry (including interior ones), visiting each once.
        var visited: [[Value]] = []
        var k = 0
        ok = try c.first()
        while ok {
            visited.append(try c.key())
            if k % 2 == 0 { try c.delete() }
            k += 1
            ok = try c.next()
        }
        #expect(visited == all)
        let survivors = all.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        var left: [[Value]] = []
        ok = try c.first()
        while ok { left.append(try c.key()); ok = try c.next() }
        #expect(left == survivors)
        // Backward: delete the rest while walking from the end.
        ok = try c.last()
        var back: [[Value]] = []
        while ok { back.append(try c.key()); try c.delete(); ok = try c.previous() }
        #expect(back == survivors.reversed())
        #expect(try c.first() == false)
        try expectHealthy(tree, roots: [root])
        try tree.commit()
    }

    @Test func tableScanWithSecondWriter() throws {
        let tree = try makeTree(pageSize: 512)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.table)
        let w = try tree.tableCursor(root: root, writable: true)
        for i in 0..<2000 { try w.insert(rowid: Int64(i * 10), payload: payload(Int64(i), size: i % 7 * 20)) }
        // A reader walks the table while a writer inserts just behind and deletes just ahead.
        let r = try tree.tableCursor(root: root, writable: false)
        var seen: [Int64] = []
        var ok = try r.first()
        while ok {
            let k = try r.rowid()
            seen.append(k)
            if k % 20 == 0 { try w.insert(rowid: k - 5, payload: payload(k, size: 50)) }   // behind: not seen
            if (k / 10) % 3 == 0, try w.seek(rowid: k + 10) == .found { try w.delete() }   // ahead: skipped
            ok = try r.next()
        }
        var expected: [Int64] = []
        var present = Set((0..<2000).map { Int64($0 * 10) })
        for k in (0..<2000).map({ Int64($0 * 10) }) where present.contains(k) {
            expected.append(k)
            if (k / 10) % 3 == 0 { present.remove(k + 10) }
        }
        #expect(seen == expected)
        try expectHealthy(tree, roots: [root])
        try tree.commit()
    }
}

@Suite struct TransactionTests {
    @Test func rollbackRestoresTheTree() throws {
        let tree = try makeTree(pageSize: 1024)
        try tree.beginTransaction(write: true)
        let root = try tree.createTree(.table)
        let c = try tree.tableCursor(root: root, writable: true)
        for i in 0..<300 { try c.insert(rowid: Int64(i), payload: payload(Int64(i), size: i % 3 == 0 ? 2000 : 20)) }
        try tree.setMeta(.schemaCookie, 7)
        try tree.commit()
        let pagesAfterCommit = tree.pager.pageCount

        try tree.beginTransaction(write: true)
        let c2 = try tree.tableCursor(root: root, writable: true)
        var ok = try c2.first()
        while ok { try c2.delete(); ok = try c2.next() }
        for i in 1000..<1500 { try c2.insert(rowid: Int64(i), payload: payload(Int64(i), size: 700)) }
        try tree.setMeta(.schemaCookie, 8)
        try tree.rollback()
        #expect(!c2.isValid)

        try tree.beginTransaction(write: false)
        #expect(tree.pager.pageCount == pagesAfterCommit)
        #expect(try tree.getMeta(.schemaCookie) == 7)
        let r = try tree.tableCursor(root: root, writable: false)
        var rows: [Int64] = []
        ok = try r.first()
        while ok {
            let k = try r.rowid()
            #expect(try r.payload() == payload(k, size: k % 3 == 0 ? 2000 : 20))
            rows.append(k)
            ok = try r.next()
        }
        #expect(rows == Array(0..<300))
        try expectHealthy(tree, roots: [root])
        tree.endTransaction()
    }
}
