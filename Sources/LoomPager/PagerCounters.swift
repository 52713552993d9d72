// This file implements PagerCounters: plain integer counts of cache hits and misses, pages
// read and written, WAL frames, checkpoints and busy waits, kept by each pager and summed
// by whoever reads them. Layer: L1. Spec: Spec/L1-pager.md (§Counters).

/// What one pager has done since it opened. Plain stored integers bumped with `&+=` at the
/// sites that do the work (no atomics, no locks): the pager is used by one thread at a time,
/// and readers (L7 `Database.statistics`) copy the struct from that same thread.
package struct PagerCounters: Sendable, Equatable {
    /// `page(_:)` calls answered from the cache.
    package var cacheHits = 0
    /// `page(_:)` calls that read the page from the database file or the WAL.
    package var cacheMisses = 0
    /// Pages read from the database file (WAL frames included).
    package var pagesRead = 0
    /// Pages written to the database file (commits and cache spills; not checkpoints).
    package var pagesWritten = 0
    /// Frames appended to the WAL.
    package var walFramesWritten = 0
    /// Checkpoints run (explicit and automatic) and their total duration.
    package var checkpoints = 0
    package var checkpointDuration: Duration = .zero
    /// Times a lock was refused and the busy handler was asked to wait.
    package var busyWaits = 0

    package init() {}

    /// The element-wise sum (statistics over several pagers or connections).
    package static func + (a: PagerCounters, b: PagerCounters) -> PagerCounters {
        var s = a
        s.cacheHits &+= b.cacheHits
        s.cacheMisses &+= b.cacheMisses
        s.pagesRead &+= b.pagesRead
        s.pagesWritten &+= b.pagesWritten
        s.walFramesWritten &+= b.walFramesWritten
        s.checkpoints &+= b.checkpoints
        s.checkpointDuration += b.checkpointDuration
        s.busyWaits &+= b.busyWaits
        return s
    }
}

extension Pager {
    /// Runs one checkpoint, counting it and its duration.
    func countingCheckpoint(_ body: () throws -> CheckpointResult) rethrows -> CheckpointResult {
        let start = ContinuousClock.now
        defer {
            counters.checkpoints &+= 1
            counters.checkpointDuration += ContinuousClock.now - start
        }
        return try body()
    }
}
