// This file implements Sorter, the VM's external merge sorter behind SorterOpen/SorterInsert/
// SorterSort/SorterNext/SorterData: records collected in memory up to a byte budget, sorted
// runs spilled to one temporary file through the VFS, then merged.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Register and cursor model, "Sorter").
import LoomBase
import LoomRecord
import LoomVFS
import Glibc

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

    /// The prefix of a record whose first field is `first` (the value it was encoded from:
    /// the fused MakeRecord+SorterInsert has it, so the record's header is not parsed again).
    /// Equal to `init(record, binaryText:)` on that record.
    @inline(__always)
    init(first: Value, binaryText: Bool) {
        switch first {
        case .integer(let i):
            value = i
            kind = 1
        case .text(let s) where binaryText:
            let utf8 = s.utf8
            let n = utf8.count
            var u: UInt64 = 0
            var k = 0
            for byte in utf8 {
                if k == 8 { break }
                u = u << 8 | UInt64(byte)
                k += 1
            }
            while k < 8 { u <<= 8; k += 1 }
            value = Int64(bitPattern: u)
            kind = 2
            textLength = UInt8(min(n, 9))
        default:
            break
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
        try record.withUnsafeBytes { try insert($0) }
    }

    /// Adds one record, read in place (the fused MakeRecord+SorterInsert encodes into a
    /// temporary buffer and passes it here: no array per row).
    func insert(_ record: UnsafeRawBufferPointer) throws {
        try insert(record, prefix: SortPrefix(record, binaryText: binaryFirstField))
    }

    /// Adds one record encoded from values whose first is `first` (the fused
    /// MakeRecord+SorterInsert): its sort prefix comes from the value, not the bytes.
    func insert(_ record: UnsafeRawBufferPointer, first: Value) throws {
        try insert(record, prefix: SortPrefix(first: first, binaryText: binaryFirstField))
    }

    private func insert(_ record: UnsafeRawBufferPointer, prefix: SortPrefix) throws {
        guard ends.count < Int(UInt32.max), record.count <= Int(Int32.max) else { throw DatabaseError(.full) }
        if sorted { discardSortedState() }
        if let spill, !entries.isEmpty, memoryUsed + record.count > spill.memoryLimit {
            try writeRun(spill)
        }
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
        if radixSortEntries(descending: firstDescending) { return }
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

    /// Sorts the entries by their prefixes alone when those decide the order (one key field,
    /// and every prefix an integer, or every prefix a whole BINARY text of at most 8 bytes):
    /// an LSD radix sort, a byte at a time over the 64-bit prefix (bytes every entry shares
    /// are skipped), which keeps equal keys in insertion order as the comparison sort does.
    /// A GROUP BY's sorter on an integer or short text key sorts here in a few linear passes
    /// instead of n log n comparisons. False (nothing done) when the prefixes do not qualify.
    private func radixSortEntries(descending: Bool) -> Bool {
        let n = entries.count
        guard keyFields == 1, n > 1 else { return keyFields == 1 }
        let kind = entries[0].kind
        guard kind == 1 || kind == 2 else { return false }
        for e in entries where e.kind != kind || (kind == 2 && e.textLength > 8) { return false }
        // The key as an unsigned word in ascending order: integers with the sign bit
        // flipped, text bytes as they are; all bits inverted for a descending field.
        let flip: UInt64 = (kind == 1 ? 1 << 63 : 0) ^ (descending ? ~0 : 0)
        var counts = [Int](repeating: 0, count: 8 * 256)
        var lengthCounts = [Int](repeating: 0, count: 9)
        for e in entries {
            let k = UInt64(bitPattern: e.value) ^ flip
            for b in 0 ..< 8 { counts[b &* 256 &+ Int(truncatingIfNeeded: (k >> UInt64(8 &* b)) & 0xff)] &+= 1 }
            if kind == 2 { lengthCounts[descending ? 8 - Int(e.textLength) : Int(e.textLength)] &+= 1 }
        }
        var source = entries
        var target = entries
        /// One stable counting-sort pass of `source` into `target` by `digit`, then swap.
        func pass(_ histogram: ArraySlice<Int>, _ digit: (Entry) -> Int) {
            var offsets = [Int](repeating: 0, count: histogram.count)
            var sum = 0
            for (i, c) in histogram.enumerated() {
                offsets[i] = sum
                sum &+= c
            }
            source.withUnsafeBufferPointer { src in
                target.withUnsafeMutableBufferPointer { dst in
                    for e in src {
                        let d = digit(e)
                        dst[offsets[d]] = e
                        offsets[d] &+= 1
                    }
                }
            }
            swap(&source, &target)
        }
        // Least significant first: the text length breaks ties between equal 8-byte prefixes.
        if kind == 2, !lengthCounts.contains(n) {
            pass(lengthCounts[...]) { descending ? 8 - Int($0.textLength) : Int($0.textLength) }
        }
        for b in 0 ..< 8 {
            let histogram = counts[(b * 256) ..< (b * 256 + 256)]
            if histogram.contains(n) { continue }
            let shift = UInt64(8 * b)
            pass(histogram) { Int(truncatingIfNeeded: ((UInt64(bitPattern: $0.value) ^ flip) >> shift) & 0xff) }
        }
        entries = source
        return true
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
        // One 64 KiB staging buffer: records are copied in back to back, each after its
        // length, and written out whenever it fills (sequential writes, no array per record).
        let capacity = 1 << 16
        let staging = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { staging.deallocate() }
        var used = 0
        func flush() throws {
            try file.write(UnsafeRawBufferPointer(start: staging, count: used), at: fileSize)
            fileSize += Int64(used)
            used = 0
        }
        try arena.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            for e in entries {
                let i = Int(e.index)
                let lo = i == 0 ? 0 : ends[i - 1], hi = ends[i]
                let n = hi - lo
                if used + 4 > capacity { try flush() }
                staging.storeBytes(of: UInt32(n).littleEndian, toByteOffset: used, as: UInt32.self)
                used += 4
                var k = lo
                while k < hi {
                    if used == capacity { try flush() }
                    let m = min(hi - k, capacity - used)
                    (staging + used).copyMemory(from: base + k, byteCount: m)
                    used += m
                    k += m
                }
            }
        }
        if used > 0 { try flush() }
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
            return merge?.hasCurrent ?? false
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
            return merge.hasCurrent
        }
        position += 1
        return position < entries.count
    }

    /// Calls `body` with the record at the current position of the sorted order, in place
    /// (valid only inside `body`); nil when there is none.
    @inline(__always)
    func withCurrent<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard sorted else { return nil }
        if file != nil {
            guard let merge else { return nil }
            return try merge.withCurrent(body)
        }
        guard position >= 0, position < entries.count else { return nil }
        let i = Int(entries[position].index)
        let lo = i == 0 ? 0 : ends[i - 1], hi = ends[i]
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[lo..<hi])) }
    }

    /// A copy of the record at the current position of the sorted order (cold paths).
    var current: [UInt8]? { withCurrent { RecordCodec.byteArray(copying: $0) } }
}

/// A k-way merge of sorted runs in one file: a reader per run (64 KiB buffer each) and a
/// binary heap of run numbers ordered by their current record, ties to the earlier run
/// (runs were written in insertion order, so the merge keeps ties in insertion order).
private final class Merge {
    /// One run's reader: a buffer refilled by sequential reads of up to 64 KiB; the current
    /// record is a range of it (valid until the reader advances), so a merge allocates
    /// nothing per record.
    final class RunReader {
        let file: any VFSFile
        var offset: Int64
        let end: Int64
        // Unsafe: `buffer` holds `capacity` bytes owned by this reader (freed in deinit);
        // `filled` of them are read from the run, `start ..< filled` not consumed yet.
        private var buffer: UnsafeMutableRawPointer
        private var capacity: Int
        private var filled = 0
        private var start = 0
        /// The current record: `buffer[recordStart ..< recordStart + recordLength]`.
        private var recordStart = 0
        private var recordLength = 0
        private(set) var hasRecord = false
        /// The first-field prefix of the current record.
        var prefix = SortPrefix()
        let binaryText: Bool

        init(file: any VFSFile, range: Range<Int64>, binaryText: Bool) {
            self.file = file
            self.binaryText = binaryText
            offset = range.lowerBound
            end = range.upperBound
            capacity = 1 << 16
            buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        }

        deinit { buffer.deallocate() }

        /// The current record's bytes (valid until the next `advance`).
        var record: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: buffer + recordStart, count: hasRecord ? recordLength : 0)
        }

        /// Makes sure `n` unread bytes are buffered; false at the end of the run.
        private func fill(_ n: Int) throws -> Bool {
            if filled - start >= n { return true }
            let unread = filled - start
            if start > 0 {
                if unread > 0 { memmove(buffer, buffer + start, unread) }
                filled = unread
                start = 0
            }
            if n > capacity {
                let grown = max(n, 2 * capacity)
                let b = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
                if filled > 0 { b.copyMemory(from: buffer, byteCount: filled) }
                buffer.deallocate()
                buffer = b
                capacity = grown
            }
            while filled < n {
                guard offset < end else { return false }
                let want = Int(min(Int64(capacity - filled), end - offset))
                let got = try file.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: want), at: offset)
                guard got == want else { throw DatabaseError.corrupt(page: nil, "sorter run") }
                offset += Int64(want)
                filled += want
            }
            return true
        }

        /// Moves to the next record of the run (`hasRecord` false at the end).
        func advance() throws {
            hasRecord = false
            guard try fill(4) else {
                guard filled == start else { throw DatabaseError.corrupt(page: nil, "sorter run") }
                return
            }
            let n = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            start += 4
            guard try fill(n) else { throw DatabaseError.corrupt(page: nil, "sorter run") }
            recordStart = start
            recordLength = n
            hasRecord = true
            start += n
            prefix = SortPrefix(record, binaryText: binaryText)
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
            if r.hasRecord { try push(i) }
        }
    }

    var hasCurrent: Bool { heap.first.map { readers[$0].hasRecord } ?? false }

    /// Calls `body` with the current record in place; nil when the merge is done.
    func withCurrent<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let top = heap.first, readers[top].hasRecord else { return nil }
        return try body(readers[top].record)
    }

    /// Whether run `a`'s record sorts before run `b`'s.
    private func less(_ a: Int, _ b: Int) throws -> Bool {
        let ra = readers[a], rb = readers[b]
        guard ra.hasRecord, rb.hasRecord else { return a < b }
        if let p = SortPrefix.compare(ra.prefix, rb.prefix) {
            if p != 0 { return firstDescending ? p > 0 : p < 0 }
            if fieldCount == 1 { return a < b }
        }
        let c = try compareRecords(ra.record, rb.record, fieldCount: fieldCount, keyInfo: keyInfo)
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
        if !readers[top].hasRecord {
            let lastRun = heap.removeLast()
            guard !heap.isEmpty else { return }
            heap[0] = lastRun
        }
        try siftDown()
    }
}
