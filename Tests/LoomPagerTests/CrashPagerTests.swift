// This file runs seeded page-level transactions (writes, appends, shrinks, tiny cache so
// dirty pages spill) through the pager on SimVFS and checks power losses at every sync.
// Layer: L1 tests. Spec: Spec/L1-pager.md, Spec/L0-vfs.md ("SimVFS").
import LoomBase
import LoomPager
import LoomVFS
import Testing

@Suite struct CrashPagerTests {
    /// Page images (page 1 from byte 100: the pager owns the header's counters).
    typealias Model = [[UInt8]]

    func options(_ mode: JournalMode, cache: Int) -> PagerOptions {
        var o = PagerOptions()
        o.cacheSizePages = cache
        o.pageSizeForNewDatabase = 512
        o.journalMode = mode
        o.synchronous = .full
        return o
    }

    func state(_ pager: Pager) throws -> Model {
        try pager.beginRead()
        defer { pager.endRead() }
        return try (0..<Int(pager.pageCount)).map { i in
            let p = try pager.page(PageNumber(UInt32(i + 1)))
            return i == 0 ? p.bytes(at: 100, count: 412) : p.bytes(at: 0, count: 512)
        }
    }

    @Test(arguments: [JournalMode.persist, .truncate])
    func powerLossAtEverySync(mode: JournalMode) throws {
        var rng = SplitMix(0xC0FFEE &+ UInt64(mode == .persist ? 1 : 2))
        let vfs = SimVFS(seed: 99)
        vfs.setSnapshotAtSync(true)
        let pager = try Pager(vfs: vfs, path: "p.db", options: options(mode, cache: 3))
        var states: [Model] = [[]]
        var points: [(SimVFS.Snapshot, Int)] = []
        for round in 0..<12 {
            try pager.beginWrite()
            if pager.pageCount == 0 {
                let p = try pager.appendPage()
                try pager.makeWritable(p)
                writeHeader(p, pageSize: 512)
            }
            for _ in 0..<(1 + rng.below(12)) {
                let count = Int(pager.pageCount)
                switch rng.below(10) {
                case 0..<6:
                    let p = try pager.page(PageNumber(UInt32(1 + rng.below(count))))
                    try pager.makeWritable(p)
                    let at = p.number.rawValue == 1 ? 100 + rng.below(400) : rng.below(500)
                    p.setBytes(repeatElement(UInt8(truncatingIfNeeded: rng.next()), count: 12), at: at)
                case 6..<9:
                    let p = try pager.appendPage()
                    p.setBytes(repeatElement(UInt8(truncatingIfNeeded: round &+ 1), count: 64), at: rng.below(448))
                default:
                    if count > 3 { pager.setPageCount(UInt32(2 + rng.below(count - 2))) }
                }
            }
            try pager.commit()
            for s in vfs.takeSnapshots() { points.append((s, states.count - 1)) }
            states.append(try state(pager))
        }
        try pager.close()
        #expect(vfs.leftovers().isEmpty, "\(vfs.leftovers())")
        var losses = 0
        var failures: [String] = []
        for (snapshot, committed) in points {
            for k in 0..<10 {
                let after = SimVFS(crashing: snapshot, seed: UInt64(k) &* 1_000_003 &+ UInt64(committed))
                losses += 1
                do {
                    let p = try Pager(vfs: after, path: "p.db", options: options(mode, cache: 3))
                    let got = try state(p)
                    try p.close()
                    // COMMIT returned for `committed` transactions: that state or the next.
                    if got != states[committed] && got != states[committed + 1] {
                        let which = states.firstIndex(of: got).map { "state \($0)" } ?? "no state"
                        var diff = ""
                        let want = states[committed]
                        diff = "pages \(got.count) vs \(want.count) / \(states[committed + 1].count)"
                        for i in 0..<min(got.count, want.count) where got[i] != want[i] { diff += ", page \(i + 1) differs"; break }
                        failures.append("\(snapshot.label) outcome \(k): \(which), not \(committed) or \(committed + 1); \(diff); files \(after.fileNames)")
                    }
                } catch {
                    failures.append("\(snapshot.label) outcome \(k): \(error)")
                }
            }
        }
        print("pager crash \(mode): \(losses) power losses at \(points.count) sync points, 12 commits")
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}

/// SplitMix64 for the test's own choices.
private struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}
