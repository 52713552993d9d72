// This file implements the pager's rollback journal: writing records, the sync protocol,
// finalizing per journal mode, playback, and hot-journal recovery.
// Layer: L1. Spec: Spec/L1-pager.md ("Journal", "Hot journals", "Commit sequence").
import LoomBase
import LoomVFS

/// The open journal of the current write transaction. A class, so the record buffer is
/// reused in place (no copy-on-write per record).
final class JournalWriter {
    var file: any VFSFile
    /// Size of a header slot: the journal's "sector size" (512 on a powersafe-overwrite
    /// device, as SQLite; else the device sector size).
    var sectorSize: Int
    /// Offset of the current segment's header.
    var segmentStart: Int64
    /// Offset where the next record goes.
    var end: Int64
    /// Records in the current segment.
    var segmentRecords: UInt32
    var nonce: UInt32
    /// Whether the current segment's header already holds the magic and its record count.
    var headerFinal: Bool
    /// Whether records were added since the last sync.
    var unsynced: Bool
    /// No syncs at all (synchronous=OFF or MEMORY journal): the header says "to the end".
    var noSync: Bool
    /// The next record must open a new segment (the previous one was synced).
    var needNewSegment: Bool
    /// A reusable record buffer: page number, page, checksum.
    var record: [UInt8]

    init(file: any VFSFile, sectorSize: Int, noSync: Bool, pageSize: Int) {
        self.file = file
        self.sectorSize = sectorSize
        self.segmentStart = 0
        self.end = 0
        self.segmentRecords = 0
        self.nonce = 0
        self.headerFinal = false
        self.unsynced = false
        self.noSync = noSync
        self.needNewSegment = false
        self.record = [UInt8](repeating: 0, count: pageSize + 8)
    }
}

extension Pager {
    // MARK: Writing

    /// Sector size used for journal headers.
    var journalSectorSize: Int {
        if file.deviceCharacteristics.contains(.powersafeOverwrite) { return 512 }
        return min(max(file.sectorSize, 512), 65536)
    }

    func randomNonce() -> UInt32 {
        var n: UInt32 = 0
        withUnsafeMutableBytes(of: &n) { vfs.randomness($0) }
        return n
    }

    /// Opens the journal file and writes its first header, unless already open, or the mode
    /// is OFF, or the journal lives in memory (`usesMemoryJournal`: nothing to open).
    func ensureJournal() throws {
        guard journal == nil, journalMode != .off, !usesMemoryJournal else { return }
        let jfile = try vfs.open(journalPath, flags: [.readWrite, .create, .mainJournal])
        let noSync = synchronous == .off
        let j = JournalWriter(file: jfile, sectorSize: journalSectorSize, noSync: noSync, pageSize: pageSize)
        do {
            try writeSegmentHeader(j, at: 0)
        } catch {
            try? jfile.close()
            throw error
        }
        journal = j
    }

    /// Writes a fresh header slot at `offset` (zero-padded to the sector size). Until a sync
    /// makes it final, the magic and record count are zero so a crash leaves no valid header.
    func writeSegmentHeader(_ j: JournalWriter, at offset: Int64) throws {
        j.nonce = randomNonce()
        let header = JournalFormat.Header(
            recordCount: j.noSync ? JournalFormat.countToEnd : 0, nonce: j.nonce,
            initialPageCount: originalPageCount, sectorSize: UInt32(j.sectorSize),
            pageSize: UInt32(pageSize))
        var slot = JournalFormat.encode(header, withMagic: j.noSync)
        slot.append(contentsOf: repeatElement(0, count: j.sectorSize - slot.count))
        try slot.withUnsafeBytes { try j.file.write($0, at: offset) }
        j.segmentStart = offset
        j.end = offset + Int64(j.sectorSize)
        j.segmentRecords = 0
        j.headerFinal = j.noSync
        j.needNewSegment = false
    }

    /// Appends one record (page number, original content, checksum) to the journal.
    func journalPage(_ n: UInt32, _ content: UnsafeRawBufferPointer) throws {
        if usesMemoryJournal { return appendToMemoryJournal(n, content) }
        guard journalMode != .off else { return }
        try ensureJournal()
        guard let j = journal else { return }
        if j.needNewSegment {
            let s = Int64(j.sectorSize)
            try writeSegmentHeader(j, at: (j.end + s - 1) / s * s)
        }
        let size = content.count
        precondition(size == pageSize && j.record.count == size + 8)
        let sum = JournalFormat.checksum(nonce: j.nonce, page: content)
        j.record.withUnsafeMutableBytes { r in
            r.storeBytes(of: n.bigEndian, toByteOffset: 0, as: UInt32.self)
            if let dst = r.baseAddress, let src = content.baseAddress {
                (dst + 4).copyMemory(from: src, byteCount: size)
            }
            r.storeBytes(of: sum.bigEndian, toByteOffset: 4 + size, as: UInt32.self)
        }
        try j.record.withUnsafeBytes { try j.file.write($0, at: j.end) }
        j.end += Int64(size + 8)
        j.segmentRecords += 1
        j.unsynced = true
    }

    /// Adds page `n`'s original content to the memory journal (created on first use).
    func appendToMemoryJournal(_ n: UInt32, _ content: UnsafeRawBufferPointer) {
        if let memoryJournal { return memoryJournal.append(n, content) }
        let j = MemoryJournal(pageSize: pageSize)
        memoryJournal = j
        j.append(n, content)
    }

    /// Writes the memory journal's original pages back into the database file and cuts it
    /// to the size it had when the transaction began (rollback after a spill).
    func playBackMemoryJournal() throws {
        try memoryJournal?.forEach { n, original in
            guard n <= originalPageCount, n != lockBytePage.rawValue, original.count == pageSize else { return }
            try file.write(original, at: offset(of: PageNumber(n)))
        }
        let wanted = Int64(originalPageCount) * Int64(pageSize)
        if try file.size() > wanted { try file.truncate(to: wanted) }
    }

    /// Makes the journal durable before the database file is written (SQLite's order):
    /// FULL: sync records, write magic + record count, sync again; NORMAL: write magic +
    /// record count, sync once. Later records open a new segment, so a synced header is
    /// never rewritten.
    func syncJournal() throws {
        guard let j = journal, !j.noSync else { return }
        guard j.unsynced || !j.headerFinal else { return }
        // A journal reused in PERSIST mode may hold an old header where the next one would
        // go; zero it so playback cannot run into stale records. Under FULL the zeroing is
        // made durable by the first sync, before the record count that makes this segment
        // (and so whatever follows it) playable is written: a power loss that keeps the
        // count but drops the zeroing would otherwise replay an older transaction's records.
        let s = Int64(j.sectorSize)
        let next = (j.end + s - 1) / s * s
        if try j.file.size() > next {
            let zeros = [UInt8](repeating: 0, count: JournalFormat.headerFieldsSize)
            try zeros.withUnsafeBytes { try j.file.write($0, at: next) }
        }
        if synchronous.rawValue >= SynchronousLevel.full.rawValue { try j.file.sync(.normal) }
        var head = JournalFormat.magic
        head.append(contentsOf: [0, 0, 0, 0])
        JournalFormat.put32(&head, 8, j.segmentRecords)
        try head.withUnsafeBytes { try j.file.write($0, at: j.segmentStart) }
        try j.file.sync(.normal)
        j.headerFinal = true
        j.unsynced = false
        j.needNewSegment = true
    }

    /// Ends the journal's life for this transaction according to the journal mode: the
    /// commit point of a transaction (DELETE: unlink; TRUNCATE: size 0; PERSIST: zero the
    /// header; MEMORY: drop).
    func finalizeJournal() throws {
        guard let j = journal else { return }
        journal = nil
        // DELETE in exclusive locking mode keeps the file and zeroes its header (as SQLite).
        switch journalMode == .delete && exclusiveLocking ? .persist : journalMode {
        case .memory:
            try? j.file.close()
        case .truncate:
            defer { try? j.file.close() }
            try j.file.truncate(to: 0)
            if synchronous.rawValue >= SynchronousLevel.full.rawValue { try j.file.sync(.normal) }
        case .persist:
            // PERSIST (and DELETE in exclusive locking mode, as SQLite): zero the header.
            // `journal_size_limit` 0 truncates instead; a positive limit cuts a longer file.
            defer { try? j.file.close() }
            if journalSizeLimit == 0 {
                try j.file.truncate(to: 0)
            } else {
                let zeros = [UInt8](repeating: 0, count: JournalFormat.headerFieldsSize)
                try zeros.withUnsafeBytes { try j.file.write($0, at: 0) }
                if journalSizeLimit > 0, try j.file.size() > journalSizeLimit { try j.file.truncate(to: journalSizeLimit) }
            }
            if synchronous.rawValue >= SynchronousLevel.full.rawValue { try j.file.sync(.normal) }
        case .delete, .off, .wal:
            try? j.file.close()
            do {
                try vfs.delete(journalPath, syncDirectory: synchronous == .extra)
            } catch let e as DatabaseError where e.code == .ioErrorDeleteNoEntry {}
        }
    }

    // MARK: Playback

    /// Plays every valid record of `journal` back into the database file and truncates the
    /// file to the journal's initial size. Stops quietly at the first invalid header,
    /// record (bad page number or checksum) or the end of the file. Returns whether a valid
    /// header was found.
    @discardableResult
    func playBack(_ journal: any VFSFile) throws -> Bool {
        let size = try journal.size()
        var offset: Int64 = 0
        var first = true
        var pageSize = 0
        var sectorSize = 0
        var initialPages: UInt32 = 0
        var record: [UInt8] = []
        scan: while offset + Int64(JournalFormat.headerFieldsSize) <= size {
            var raw = [UInt8](repeating: 0, count: JournalFormat.headerFieldsSize)
            _ = try raw.withUnsafeMutableBytes { try journal.read(into: $0, at: offset) }
            guard let h = JournalFormat.decode(raw) else { break }
            if first {
                guard JournalFormat.isPowerOfTwo(h.pageSize, in: 512...65536),
                      JournalFormat.isPowerOfTwo(h.sectorSize, in: 32...65536) else { break }
                pageSize = Int(h.pageSize)
                sectorSize = Int(h.sectorSize)
                initialPages = h.initialPageCount
                record = [UInt8](repeating: 0, count: pageSize + 8)
                first = false
            } else if Int(h.pageSize) != pageSize || Int(h.sectorSize) != sectorSize {
                break
            }
            let recordSize = Int64(pageSize + 8)
            let recordsStart = offset + Int64(sectorSize)
            let available = max(0, (size - recordsStart) / recordSize)
            let count = h.recordCount == JournalFormat.countToEnd ? available : min(Int64(h.recordCount), available)
            let lockPage = UInt32(LockBytes.pendingByte / Int64(pageSize)) + 1
            for i in 0..<count {
                let at = recordsStart + i * recordSize
                _ = try record.withUnsafeMutableBytes { try journal.read(into: $0, at: at) }
                let n = JournalFormat.get32(record, 0)
                if n == 0 || n == lockPage { break scan }
                let ok = record.withUnsafeBytes { r -> Bool in
                    let pageBytes = UnsafeRawBufferPointer(rebasing: r[4..<(4 + pageSize)])
                    return JournalFormat.checksum(nonce: h.nonce, page: pageBytes) == JournalFormat.get32(record, 4 + pageSize)
                }
                if !ok { break scan }
                if n <= initialPages {
                    try record.withUnsafeBytes { r in
                        try file.write(UnsafeRawBufferPointer(rebasing: r[4..<(4 + pageSize)]),
                                       at: Int64(n - 1) * Int64(pageSize))
                    }
                }
            }
            if h.recordCount == JournalFormat.countToEnd || Int64(h.recordCount) > available { break }
            let s = Int64(sectorSize)
            offset = (recordsStart + count * recordSize + s - 1) / s * s
        }
        guard !first else { return false }
        let wanted = Int64(initialPages) * Int64(pageSize)
        if try file.size() > wanted { try file.truncate(to: wanted) }
        return true
    }

    // MARK: Hot journals

    /// A journal is hot when it exists with content, nobody holds RESERVED on the database,
    /// and its first byte is not zero (lockingv3.html, "Hot Journals"). Call under SHARED.
    func hasHotJournal() throws -> Bool {
        guard try vfs.access(journalPath, .exists) else { return false }
        guard try !file.checkReservedLock() else { return false }
        let j: any VFSFile
        do {
            j = try vfs.open(journalPath, flags: [.readOnly, .mainJournal])
        } catch let e as DatabaseError where e.code == .cannotOpen {
            return false
        }
        defer { try? j.close() }
        guard try j.size() > 0 else { return false }
        var first: UInt8 = 0
        _ = try withUnsafeMutableBytes(of: &first) { try j.read(into: $0, at: 0) }
        return first != 0
    }

    /// Rolls back a hot journal: EXCLUSIVE, playback, sync, finalize per journal mode, back
    /// to SHARED. The cache is dropped. Throws `busy` when another connection still reads.
    func recoverHotJournal() throws {
        guard !options.readOnly else { throw DatabaseError(.readonlyRollback) }
        try file.lock(.exclusive)
        let j = try vfs.open(journalPath, flags: [.readWrite, .mainJournal])
        do {
            try playBack(j)
            if synchronous != .off { try file.sync(.normal) }
            switch journalMode {
            case .truncate:
                try j.truncate(to: 0)
                try j.close()
            case .persist:
                let zeros = [UInt8](repeating: 0, count: JournalFormat.headerFieldsSize)
                try zeros.withUnsafeBytes { try j.write($0, at: 0) }
                if synchronous != .off { try j.sync(.normal) }
                try j.close()
            case .delete, .memory, .off, .wal:
                try j.close()
                do {
                    try vfs.delete(journalPath, syncDirectory: synchronous == .extra)
                } catch let e as DatabaseError where e.code == .ioErrorDeleteNoEntry {}
            }
        } catch {
            try? j.close()
            throw error
        }
        dropCache()
        fileVersion = []
        try file.unlock(to: .shared)
    }
}
