// This file implements the connection's counters readable from Swift: statements by kind
// with a duration histogram (counted at L7 where each run ends) and the pagers' cache, I/O,
// WAL, checkpoint and busy counts (L1 PagerCounters, summed when read).
// Layer: L7. Spec: Spec/L7-api.md §Statistics.
import LoomPager
import LoomSQL

/// The kinds of statement the statistics count.
///
/// ```swift
/// let selects = db.statistics.statements[.select]?.count ?? 0
/// ```
public enum StatementCategory: Sendable, Hashable, CaseIterable {
    /// SELECT (and VALUES, WITH … SELECT).
    case select
    /// INSERT, UPDATE, DELETE.
    case dml
    /// CREATE, DROP, ALTER.
    case ddl
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE.
    case transaction
    /// PRAGMA, ATTACH, VACUUM, ANALYZE, EXPLAIN and the rest.
    case other
}

/// How many statement runs of one kind finished, how long they took, and a histogram of
/// their durations.
///
/// ```swift
/// let s = db.statistics.statements[.dml]!
/// print(s.count, s.totalDuration, zip(StatementTimings.bucketLimits, s.histogram))
/// ```
public struct StatementTimings: Sendable, Equatable {
    /// Upper limits of the histogram's buckets; the last bucket holds everything slower.
    public static let bucketLimits: [Duration] = [
        .microseconds(10), .microseconds(100), .milliseconds(1), .milliseconds(10),
        .milliseconds(100), .seconds(1),
    ]
    public internal(set) var count = 0
    public internal(set) var totalDuration: Duration = .zero
    /// `histogram[i]` counts runs shorter than `bucketLimits[i]` (and not an earlier
    /// bucket); the last element counts runs of a second or more.
    public internal(set) var histogram = [Int](repeating: 0, count: StatementTimings.bucketLimits.count + 1)

    mutating func record(_ duration: Duration) {
        count &+= 1
        totalDuration += duration
        var bucket = Self.bucketLimits.count
        for (i, limit) in Self.bucketLimits.enumerated() where duration < limit {
            bucket = i
            break
        }
        histogram[bucket] &+= 1
    }
}

/// A snapshot of one connection's counters since it opened.
///
/// ```swift
/// let stats = db.statistics
/// print(stats.cacheHits, stats.cacheMisses, stats.pagesRead, stats.pagesWritten)
/// ```
/// Corresponds to what SQLite spreads over `sqlite3_stmt_status`, `sqlite3_db_status`
/// (`SQLITE_DBSTATUS_CACHE_HIT` / `_MISS` / `_WRITE`) and the profile trace.
public struct DatabaseStatistics: Sendable, Equatable {
    /// Finished statement runs by kind (a run ends when the statement is done, fails or is reset).
    public internal(set) var statements: [StatementCategory: StatementTimings] = [:]
    /// The pagers' counts (L1), summed over main, temp and attached databases.
    var pager = PagerCounters()
    /// Page requests answered from the page cache.
    public var cacheHits: Int { pager.cacheHits }
    /// Page requests that read the file (or the WAL).
    public var cacheMisses: Int { pager.cacheMisses }
    /// Pages read from the database file or the WAL.
    public var pagesRead: Int { pager.pagesRead }
    /// Pages written to the database file by commits and cache spills (not checkpoints).
    public var pagesWritten: Int { pager.pagesWritten }
    /// Frames appended to the WAL.
    public var walFramesWritten: Int { pager.walFramesWritten }
    /// Checkpoints run (`PRAGMA wal_checkpoint`, `DatabasePool.checkpoint`, automatic ones).
    public var checkpoints: Int { pager.checkpoints }
    /// Their total duration.
    public var checkpointDuration: Duration { pager.checkpointDuration }
    /// Times a lock was refused and the busy handler waited before retrying.
    public var busyWaits: Int { pager.busyWaits }

    /// The sum of two snapshots (for example the connections of a pool).
    public static func + (a: DatabaseStatistics, b: DatabaseStatistics) -> DatabaseStatistics {
        var s = a
        for (kind, t) in b.statements {
            var mine = s.statements[kind] ?? StatementTimings()
            mine.count &+= t.count
            mine.totalDuration += t.totalDuration
            for i in mine.histogram.indices where i < t.histogram.count { mine.histogram[i] &+= t.histogram[i] }
            s.statements[kind] = mine
        }
        s.pager = a.pager + b.pager
        return s
    }
}

extension StatementCategory {
    init(_ kind: StatementKind) {
        switch kind {
        case .select: self = .select
        case .insert, .update, .delete: self = .dml
        case .ddl: self = .ddl
        case .transaction: self = .transaction
        case .pragma, .other: self = .other
        }
    }
}

extension Database {
    /// This connection's counters since it opened: statements by kind with durations, and
    /// its pagers' cache, I/O, WAL, checkpoint and busy counts (main, temp and attached
    /// databases summed).
    ///
    /// ```swift
    /// try db.execute(sql: "SELECT * FROM player")
    /// print(db.statistics.statements[.select]?.count ?? 0)   // 1
    /// ```
    public var statistics: DatabaseStatistics { rawStatistics.statistics }

    /// The same counters in fixed-size storage: copying them allocates nothing (the pool
    /// keeps a copy of each connection's at every release).
    var rawStatistics: RawStatistics { RawStatistics(timings: statementTimings, pager: connection.pagerCounters) }

    /// Counts one finished statement run.
    func recordRun(_ kind: StatementKind, duration: Duration) {
        statementTimings.record(StatementCategory(kind), duration)
    }
}

/// Statement timings by category, in fixed-size storage (no dictionary, no arrays): one run
/// recorded is a few additions, and a copy allocates nothing.
struct StatementTimingTable {
    struct Slot {
        var count = 0
        var totalDuration: Duration = .zero
        var histogram = InlineArray<7, Int>(repeating: 0)
    }
    private var slots = InlineArray<5, Slot>(repeating: Slot())

    private static func index(_ c: StatementCategory) -> Int {
        switch c {
        case .select: 0
        case .dml: 1
        case .ddl: 2
        case .transaction: 3
        case .other: 4
        }
    }

    mutating func record(_ category: StatementCategory, _ duration: Duration) {
        let i = Self.index(category)
        slots[i].count &+= 1
        slots[i].totalDuration += duration
        var bucket = StatementTimings.bucketLimits.count
        for (b, limit) in StatementTimings.bucketLimits.enumerated() where duration < limit {
            bucket = b
            break
        }
        slots[i].histogram[min(bucket, 6)] &+= 1
    }

    /// The public form: one entry per category that ran at least once.
    var byCategory: [StatementCategory: StatementTimings] {
        var out: [StatementCategory: StatementTimings] = [:]
        for c in StatementCategory.allCases {
            let slot = slots[Self.index(c)]
            guard slot.count > 0 else { continue }
            var t = StatementTimings()
            t.count = slot.count
            t.totalDuration = slot.totalDuration
            for b in t.histogram.indices where b < 7 { t.histogram[b] = slot.histogram[b] }
            out[c] = t
        }
        return out
    }
}

/// A connection's counters as stored: `DatabaseStatistics` is built from it when asked.
struct RawStatistics {
    var timings: StatementTimingTable
    var pager: PagerCounters

    var statistics: DatabaseStatistics {
        var s = DatabaseStatistics()
        s.statements = timings.byCategory
        s.pager = pager
        return s
    }
}
