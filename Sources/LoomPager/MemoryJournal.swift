// This file implements MemoryJournal: the original images of the pages a write transaction
// changed, kept in process memory (journal_mode=MEMORY, and every journal mode of a
// memory-resident database). Layer: L1. Spec: Spec/L1-pager.md ("Memory journal").

/// Original page images in fixed 64 KiB blocks, reused across transactions.
///
/// Journaling a page is one memcpy: no file, no header, no checksum (nothing outlives the
/// process, so there is nothing to recover). Blocks are allocated on demand and never copied
/// as the journal grows (a doubling buffer briefly held old + new copies: speedtest1 s25's
/// whole-table REPLACEs pushed peak RSS up by megabytes); after a transaction only the first
/// block is kept, for the next one. Unsafe code is fenced here: raw blocks owned by this
/// object, each holding `perBlock` images of `pageSize` bytes back to back.
final class MemoryJournal {
    /// Page numbers, in journaling order (each page at most once per transaction).
    private(set) var numbers: [UInt32] = []
    private var blocks: [UnsafeMutableRawPointer] = []
    private(set) var pageSize: Int
    /// Images per block (a block is 64 KiB, or one page when pages are larger).
    private var perBlock: Int

    init(pageSize: Int) {
        self.pageSize = pageSize
        self.perBlock = max(1, 65536 / pageSize)
    }

    deinit { release(keeping: 0) }

    var isEmpty: Bool { numbers.isEmpty }

    /// Adds page `n`'s original content. A journal that is still empty adopts a new page
    /// size; a record of another size than the journal's is not kept (the page size only
    /// changes while the database has no pages, so there is nothing it could restore).
    func append(_ n: UInt32, _ content: UnsafeRawBufferPointer) {
        if content.count != pageSize {
            guard numbers.isEmpty, content.count > 0 else { return }
            release(keeping: 0)
            pageSize = content.count
            perBlock = max(1, 65536 / pageSize)
        }
        let (block, slot) = numbers.count.quotientAndRemainder(dividingBy: perBlock)
        if block == blocks.count {
            blocks.append(UnsafeMutableRawPointer.allocate(byteCount: perBlock * pageSize, alignment: 16))
        }
        guard let src = content.baseAddress else { return }
        (blocks[block] + slot * pageSize).copyMemory(from: src, byteCount: pageSize)
        numbers.append(n)
    }

    /// Calls `body` with every record (page number, original bytes), in journaling order.
    func forEach(_ body: (UInt32, UnsafeRawBufferPointer) throws -> Void) rethrows {
        for (i, n) in numbers.enumerated() {
            let (block, slot) = i.quotientAndRemainder(dividingBy: perBlock)
            try body(n, UnsafeRawBufferPointer(start: blocks[block] + slot * pageSize, count: pageSize))
        }
    }

    /// Forgets every record (end of transaction), keeping the first block for the next one.
    func reset() {
        numbers.removeAll(keepingCapacity: numbers.capacity <= 1024)
        release(keeping: 1)
    }

    private func release(keeping kept: Int) {
        while blocks.count > kept { blocks.removeLast().deallocate() }
    }
}
