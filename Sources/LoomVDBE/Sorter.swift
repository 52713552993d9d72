// This file implements Sorter, the VM's external merge sorter behind SorterOpen/SorterInsert/
// SorterSort/SorterNext/SorterData: records collected in memory up to a byte budget, sorted
// runs spilled to one temporary file through the VFS, then merged.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Register and cursor model, "Sorter").
import LoomBase
import LoomRecord
import LoomVFS

/// Where a sorter may spill: a VFS to open an anonymous temporary file on, and the bytes of
/// records (plus bookkeeping) it keeps in memory before writing a sorted run.
struct SorterSpill {
    var vfs: any VFS
    var memoryLimit: Int
}

/// The first key field of a record reduced to a word, so most comparisons need not parse
/// the records: an integer, or (BINARY collation) the first 8 text bytes.
struct SortPrefix {
    /// kind 1: the integer; kind 2: the first 8 text bytes big-endian, zero-padded.
    var value: Int64 = 0
    /// 0: no prefix (compare the records), 1: integer, 2: text.
    var kind: UInt8 = 0
    /// Text: its byte length, capped at 9 (over 8: the prefix does not hold it all).
    var textLength: UInt8 = 0

    init(value: Int64 = 0, kind: UInt8 = 0, textLength: UInt8 = 0) {
        self.value = value
        self.kind = kind
        self.textLength = textLength
    }

    /// The prefix of `record` (none when it is malformed: the full compare reports that).
    init(_ record: UnsafeRawBufferPointer, binaryText: Bool) {
        guard let (hs, hl) = Varint.read(record, at: 0), hs <= UInt64(record.count), Int(hs) > hl,
              let (t, _) = Varint.read(record, at: hl), t >= 1, t != 7,
              let n = SerialType.contentLength(t), n <= record.count - Int(hs) else { return }
        if t <= 9 {
            if case .integer(let i) = RecordCodec.value(serialType: t, in: record, at: Int(hs)) {
                value = i
                kind = 1
            }
        } else if t >= 13, t & 1 == 1, binaryText {
            var u: UInt64 = 0
            for k in 0 ..< 8 { u = u << 8 | UInt64(k < n ? record[Int(hs) + k] : 0) }
            value = Int64(bitPattern: u)
            kind = 2
            textLength = UInt8(min(n, 9))
        }
    }

    /// The order of two records' first fields from their prefixes (ascending): < 0, 0 (equal
    /// first fields), > 0, or nil when only the records can tell.
    @inline(__always)
    static func compare(_ x: SortPrefix, _ y: SortPrefix) -> Int? {
        if x.kind == 1 && y.kind == 1 {
            return x.value < y.value ? -1 : (x.value > y.value ? 1 : 0)
        }
        if x.kind == 2 && y.kind == 2 {
            // memcmp order: the zero-padded first 8 bytes, then (both texts whole in their
            // prefixes) the shorter first.
            let xp = UInt64(bitPattern: x.value), yp = UInt64(bitPattern: y.value)
            if xp != yp { return xp < yp ? -1 : 1 }
            if x.textLength <= 8 && y.textLength <= 8 {
                return x.textLength < y.textLength ? -1 : (x.textLength > y.textLength ? 1 : 0)
            }
        }
        return nil
    }
}

/// The sorter behind SorterOpen: encoded records collected in one byte arena, then sorted
/// by their leading fields under the KeyInfo; ties keep insertion order.
///
/// Records stay encoded (no per-record `[Value]`): the sort compares record bytes directly,
/// with a fast path on an integer first field (SQLite's sorter does the same). When the
/// arena passes the spill budget, its sorted contents go to a temporary file as one run;
/// SorterSort then sorts the rest and serves a merge of all runs (SQLite's PMAs).
final class Sorter {
    let keyInfo: KeyInfo
    /// Fields that take part in the comparison.
    let keyFields: Int
    private let spill: SorterSpill?
    /// All in-memory records, back to back; record i is `arena[ends[i-1] ..< ends[i]]`.
    private var arena: [UInt8] = []
    private var ends: [Int] = []
    /// One per record: the first field as an integer when it is one, or (BINARY collation)
    /// its first 8 text bytes, for a compare without parsing the records.
    private struct Entry {
        // SortPrefix's fields laid out flat: 16 bytes a record (the spill budget counts them).
        var value: Int64
        var index: UInt32
        var kind: UInt8
        var textLength: UInt8
        init(prefix: SortPrefix, index: UInt32) {
            value = prefix.value
            self.index = index
            kind = prefix.kind
            textLength = prefix.textLength
        }
        var prefix: SortPrefix { SortPrefix(value: value, kind: kind, textLength: textLength) }
    }
    /// The first key field compares as BINARY text (so a text prefix orders like memcmp).
    private let binaryFirstField: Bool
    private var entries: [Entry] = []
    private(set) var sorted = false
    private var position = 0
    /// Records inserted since the last reset (in memory and spilled).
    private(set) var count = 0

    // Spilled state: the temporary file, its runs as byte ranges, and (after sort) the merge.
    private var file: (any VFSFile)?
    private var fileSize: Int64 = 0
    private var runs: [Range<Int64>] = []
    private var merge: Merge?

    init(keyInfo: KeyInfo, spill: SorterSpill? = nil) {
        self.keyInfo = keyInfo
        self.keyFields = max(keyInfo.collations.count, keyInfo.descending.count, 1)
        self.spill = spill
        self.binaryFirstField = keyInfo.collation(0) == .binary
    }

    deinit { try? file?.close() }

    /// Bytes held for the in-memory records (arena, ends and entries).
    private var memoryUsed: Int { arena.count + ends.count * 8 + entries.count * MemoryLayout<Entry>.stride }

    func insert(_ record: [UInt8]) throws {
        guard ends.count < Int(UInt32.max), record.count <= Int(Int32.max) else { throw DatabaseError(.full) }
        if sorted { discardSortedState() }
        if let spill, !entries.isEmpty, memoryUsed + record.count > spill.memoryLimit {
            try writeRun(spill)
        }
        let binaryText = binaryFirstField
        let prefix = record.withUnsafeBytes { SortPrefix($0, binaryText: binaryText) }
        entries.append(Entry(prefix: prefix, index: UInt32(ends.count)))
        arena.append(contentsOf: record)
        ends.append(arena.count)
        count += 1
    }

    /// Sorts the in-memory records (the entry order).
    private func sortEntries() throws {
        let ki = keyInfo
        let fields = keyFields
        let firstDescending = ki.isDescending(0)
        let ends = self.ends
        var failure: DatabaseError?
        // The arena pointer lives only for the sort: the comparator reads records in place.
        arena.withUnsafeBytes { raw in
            entries.sort { x, y in
                if let p = SortPrefix.compare(x.prefix, y.prefix) {
                    if p != 0 { return firstDescending ? p > 0 : p < 0 }
                    if fields == 1 { return x.index < y.index }
                }
                let xi = Int(x.index), yi = Int(y.index)
                let a = UnsafeRawBufferPointer(rebasing: raw[(xi == 0 ? 0 : ends[xi - 1])..<ends[xi]])
                let b = UnsafeRawBufferPointer(rebasing: raw[(yi == 0 ? 0 : ends[yi - 1])..<ends[yi]])
                let c: Int
                do { c = try compareRecords(a, b, fieldCount: fields, keyInfo: ki) } catch {
                    failure = error as? DatabaseError ?? DatabaseError.corrupt(page: nil, "sorter record")
                    c = 0
                }
                return c != 0 ? c < 0 : xi < yi
            }
        }
        if let failure { throw failure }
    }

    /// Sorts the in-memory records and appends them to the temporary file as one run, each
    /// record preceded by its length (4 bytes, little-endian); the memory is kept for reuse.
    private func writeRun(_ spill: SorterSpill) throws {
        try sortEntries()
        if file == nil {
            file = try spill.vfs.open(nil, flags: [.readWrite, .create, .deleteOnClose, .tempJournal])
        }
        guard let file else { return }
        let start = fileSize
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        func flush() throws {
            try buffer.withUnsafeBytes { try file.write($0, at: fileSize) }
            fileSize += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }
        for e in entries {
            let i = Int(e.index)
            let lo = i == 0 ? 0 : ends[i - 1], hi = ends[i]
            let n = UInt32(hi - lo)
            buffer.append(UInt8(truncatingIfNeeded: n))
            buffer.append(UInt8(truncatingIfNeeded: n >> 8))
            buffer.append(UInt8(truncatingIfNeeded: n >> 16))
            buffer.append(UInt8(truncatingIfNeeded: n >> 24))
            buffer.append(contentsOf: arena[lo..<hi])
            if buffer.count >= 1 << 16 { try flush() }
        }
        if !buffer.isEmpty { try flush() }
        runs.append(start..<fileSize)
        arena.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    func sort() throws {
        if let spill, file != nil {
            if !entries.isEmpty { try writeRun(spill) }
            sorted = true
            return
        }
        try sortEntries()
        sorted = true
        position = 0
    }

    /// Forgets the sorted order so more records can be added (SorterInsert after SorterSort).
    private func discardSortedState() {
        merge = nil
        sorted = false
    }

    func reset() {
        arena.removeAll()
        ends.removeAll()
        entries.removeAll()
        sorted = false
        position = 0
        count = 0
        merge = nil
        runs.removeAll()
        fileSize = 0
        if let file { try? file.truncate(to: 0) }
    }

    /// Moves to the first record of the sorted order; false when there is none.
    func first() throws -> Bool {
        guard sorted else { return false }
        if file != nil {
            guard let file else { return false }
            merge = try Merge(file: file, runs: runs, keyInfo: keyInfo, fieldCount: keyFields)
            return merge?.current != nil
        }
        position = 0
        return position < entries.count
    }

    /// Moves to the last record (in-memory sorts only: a merge runs forward).
    func last() throws -> Bool {
        guard sorted else { return false }
        if file != nil { throw DatabaseError(.internal, "Last on a spilled sorter") }
        position = max(entries.count - 1, 0)
        return !entries.isEmpty
    }

    /// Moves to the next record; false past the end.
    func next() throws -> Bool {
        guard sorted else { return false }
        if let merge {
            try merge.advance()
            return merge.current != nil
        }
        position += 1
        return position < entries.count
    }

    /// The record at the current position of the sorted order.
    var current: [UInt8]? {
        guard sorted else { return nil }
        if file != nil { return merge?.current }
        guard position >= 0, position < entries.count else { return nil }
        let i = Int(entries[position].index)
        return Array(arena[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
    }
}

/// A k-way merge of sorted runs in one file: a reader per run (64 KiB buffer each) and a
/// binary heap of run numbers ordered by their current record, ties to the earlier run
/// (runs were written in insertion order, so the merge keeps ties in insertion order).
private final class Merge {
    final class RunReader {
        let file: any VFSFile
        var offset: Int64
        let end: Int64
        var buffer: [UInt8] = []
        var bufferStart = 0
        var record: [UInt8]? = nil
        /// The first-field prefix of `record`.
        var prefix = SortPrefix()
        let binaryText: Bool

        init(file: any VFSFile, range: Range<Int64>, binaryText: Bool) {
            self.file = file
            self.binaryText = binaryText
            offset = range.lowerBound
            end = range.upperBound
        }

        /// Makes sure `n` unread bytes are buffered; false at the end of the run.
        private func fill(_ n: Int) throws -> Bool {
            if buffer.count - bufferStart >= n { return true }
            buffer.removeFirst(bufferStart)
            bufferStart = 0
            while buffer.count < n {
                guard offset < end else { return false }
                let want = Int(min(Int64(max(n - buffer.count, 1 << 16)), end - offset))
                let old = buffer.count
                buffer.append(contentsOf: repeatElement(0, count: want))
                let got = try buffer.withUnsafeMutableBytes { raw in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[old..<old + want]), at: offset)
                }
                guard got == want else { throw DatabaseError.corrupt(page: nil, "sorter run") }
                offset += Int64(want)
            }
            return true
        }

        /// Reads the next record of the run into `record` (nil at the end).
        func advance() throws {
            guard try fill(4) else {
                guard buffer.count == bufferStart else { throw DatabaseError.corrupt(page: nil, "sorter run") }
                record = nil
                return
            }
            var n = 0
            for k in 0..<4 { n |= Int(buffer[bufferStart + k]) << (8 * k) }
            bufferStart += 4
            guard try fill(n) else { throw DatabaseError.corrupt(page: nil, "sorter run") }
            let r = Array(buffer[bufferStart..<bufferStart + n])
            prefix = r.withUnsafeBytes { SortPrefix($0, binaryText: binaryText) }
            record = r
            bufferStart += n
        }
    }

    let readers: [RunReader]
    let keyInfo: KeyInfo
    let fieldCount: Int
    let firstDescending: Bool
    /// Run numbers with a current record, as a min-heap.
    var heap: [Int] = []

    init(file: any VFSFile, runs: [Range<Int64>], keyInfo: KeyInfo, fieldCount: Int) throws {
        let binaryText = keyInfo.collation(0) == .binary
        readers = runs.map { RunReader(file: file, range: $0, binaryText: binaryText) }
        self.keyInfo = keyInfo
        self.firstDescending = keyInfo.isDescending(0)
        self.fieldCount = fieldCount
        for (i, r) in readers.enumerated() {
            try r.advance()
            if r.record != nil { try push(i) }
        }
    }

    var current: [UInt8]? { heap.first.flatMap { readers[$0].record } }

    /// Whether run `a`'s record sorts before run `b`'s.
    private func less(_ a: Int, _ b: Int) throws -> Bool {
        let ra = readers[a], rb = readers[b]
        guard let x = ra.record, let y = rb.record else { return a < b }
        if let p = SortPrefix.compare(ra.prefix, rb.prefix) {
            if p != 0 { return firstDescending ? p > 0 : p < 0 }
            if fieldCount == 1 { return a < b }
        }
        let c = try x.withUnsafeBytes { xb in
            try y.withUnsafeBytes { yb in try compareRecords(xb, yb, fieldCount: fieldCount, keyInfo: keyInfo) }
        }
        return c != 0 ? c < 0 : a < b
    }

    private func push(_ run: Int) throws {
        heap.append(run)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard try less(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func siftDown() throws {
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, try less(heap[l], heap[m]) { m = l }
            if r < heap.count, try less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    /// Moves past the current record.
    func advance() throws {
        guard let top = heap.first else { return }
        try readers[top].advance()
        if readers[top].record == nil {
            let lastRun = heap.removeLast()
            guard !heap.isEmpty else { return }
            heap[0] = lastRun
        }
        try siftDown()
    }
}
