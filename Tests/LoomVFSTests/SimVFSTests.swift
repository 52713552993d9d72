// This file tests SimVFS: the crash model (pending writes applied/dropped/torn, directory
// changes durable only after a directory sync), faults, clock, randomness, locks, leftovers.
// Layer: L0 tests. Spec: Spec/L0-vfs.md (section "SimVFS").
import Testing
import LoomBase
import LoomVFS

@Suite struct SimVFSTests {
    func write(_ f: any VFSFile, _ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { try f.write($0, at: offset) }
    }

    func read(_ f: any VFSFile, _ count: Int, at offset: Int64) throws -> [UInt8] {
        var b = [UInt8](repeating: 0xAA, count: count)
        _ = try b.withUnsafeMutableBytes { try f.read(into: $0, at: offset) }
        return b
    }

    @Test func syncedDataSurvivesEveryCrashAndUnsyncedDataMayNot() throws {
        var outcomes: Set<String> = []
        for seed in 0..<200 as Range<UInt64> {
            let vfs = SimVFS(seed: seed)
            vfs.install("f", bytes: [])
            let f = try vfs.open("f", flags: [.readWrite])
            try write(f, [UInt8](repeating: 1, count: 1024), at: 0)
            try f.sync(.normal)
            try write(f, [UInt8](repeating: 2, count: 1024), at: 0)
            let snap = vfs.snapshot()
            let after = SimVFS(crashing: snap, seed: seed)
            let bytes = after.contents(of: "f") ?? []
            #expect(bytes.count == 1024)
            // Per 512-byte sector: old (1), new (2) or garbage.
            for s in 0..<2 {
                let sector = bytes[(s * 512)..<(s * 512 + 512)]
                if sector.allSatisfy({ $0 == 1 }) { outcomes.insert("old") } else if sector.allSatisfy({ $0 == 2 }) {
                    outcomes.insert("new")
                } else { outcomes.insert("garbage") }
            }
            try f.close()
        }
        #expect(outcomes == ["old", "new", "garbage"])
    }

    @Test func createAndDeleteAreDurableOnlyAfterADirectorySync() throws {
        var kept = 0, lost = 0
        for seed in 0..<100 as Range<UInt64> {
            let vfs = SimVFS(seed: seed)
            let f = try vfs.open("new.db", flags: [.readWrite, .create, .mainDatabase])
            try write(f, [7], at: 0)
            try f.sync(.full)   // file data durable, its directory entry not
            try f.close()
            let after = SimVFS(crashing: vfs.snapshot(), seed: seed)
            if after.contents(of: "new.db") == [7] { kept += 1 } else { #expect(after.contents(of: "new.db") == nil); lost += 1 }
        }
        #expect(kept > 0 && lost > 0)
        // A new journal's first sync syncs its directory, as SQLite's unix VFS does.
        let vfs = SimVFS(seed: 1)
        let j = try vfs.open("a-journal", flags: [.readWrite, .create, .mainJournal])
        try write(j, [1, 2, 3], at: 0)
        try j.sync(.normal)
        try j.close()
        for seed in 0..<20 as Range<UInt64> {
            #expect(SimVFS(crashing: vfs.snapshot(), seed: seed).contents(of: "a-journal") == [1, 2, 3])
        }
        // Deleting without a directory sync may come back; with one it may not.
        try vfs.delete("a-journal", syncDirectory: false)
        #expect(vfs.contents(of: "a-journal") == nil)
        var back = 0
        for seed in 0..<50 as Range<UInt64> where SimVFS(crashing: vfs.snapshot(), seed: seed).contents(of: "a-journal") != nil {
            back += 1
        }
        #expect(back > 0)
        #expect(vfs.leftovers(includeDirectory: true) == ["unsynced directory entry a-journal"])
        let g = try vfs.open("other", flags: [.readWrite, .create])
        try g.close()
        try vfs.delete("other", syncDirectory: true)
        for seed in 0..<20 as Range<UInt64> {
            #expect(SimVFS(crashing: vfs.snapshot(), seed: seed).contents(of: "a-journal") == nil)
        }
    }

    @Test func faultsFireAtTheNthCallOnceOrPersistently() throws {
        let vfs = SimVFS(seed: 3)
        let f = try vfs.open("f", flags: [.readWrite, .create])
        vfs.inject(SimVFS.Fault(.write, nth: 2, kind: .ioError))
        try write(f, [1], at: 0)
        #expect(throws: DatabaseError(.ioErrorWrite)) { try write(f, [1], at: 0) }
        try write(f, [1], at: 0)
        vfs.inject(SimVFS.Fault(.sync, nth: 1, kind: .syncFailure, persistent: true))
        #expect(throws: DatabaseError(.ioErrorFsync)) { try f.sync(.normal) }
        #expect(throws: DatabaseError(.ioErrorFsync)) { try f.sync(.normal) }
        vfs.clearFaults()
        try f.sync(.normal)
        vfs.inject(SimVFS.Fault(.write, nth: 1, kind: .diskFull))
        #expect(throws: DatabaseError(.full)) { try write(f, [9, 9, 9, 9], at: 10) }
        #expect(try f.size() == 12)  // half of the write landed
        vfs.inject(SimVFS.Fault(.read, nth: 1, kind: .shortRead))
        var b = [UInt8](repeating: 0xFF, count: 4)
        let n = try b.withUnsafeMutableBytes { try f.read(into: $0, at: 8) }
        #expect(n == 2 && b[2] == 0 && b[3] == 0)
        vfs.inject(SimVFS.Fault(.open, nth: 1, kind: .cannotOpen))
        #expect(throws: DatabaseError(.cannotOpen)) { _ = try vfs.open("g", flags: [.readWrite, .create]) }
        vfs.inject(SimVFS.Fault(nil, nth: 1, kind: .ioError, pathContains: "f"))
        #expect(throws: DatabaseError(.ioErrorFstat)) { _ = try f.size() }
        #expect(vfs.statistics.faultsFired == 7)
        try f.close()
    }

    @Test func powerLossKillsHandlesAndKeepsOnlyWhatADiskCouldHold() throws {
        let vfs = SimVFS(seed: 4)
        vfs.install("f", bytes: [1, 2, 3])
        let f = try vfs.open("f", flags: [.readWrite])
        try f.lock(.exclusive)
        vfs.inject(SimVFS.Fault(.write, nth: 1, kind: .powerLoss))
        #expect(throws: DatabaseError.self) { try write(f, [9], at: 0) }
        #expect(throws: DatabaseError.self) { _ = try f.size() }
        #expect(vfs.contents(of: "f") == [1, 2, 3])
        #expect(vfs.statistics.powerLosses == 1)
        // The dead handle's lock is gone: a new handle may take EXCLUSIVE.
        let g = try vfs.open("f", flags: [.readWrite])
        try g.lock(.exclusive)
        try g.close()
        try f.close()
        #expect(vfs.leftovers().isEmpty)
    }

    @Test func locksExcludeBetweenHandles() throws {
        let vfs = SimVFS(seed: 5)
        let a = try vfs.open("db", flags: [.readWrite, .create])
        let b = try vfs.open("db", flags: [.readWrite])
        try a.lock(.shared)
        try b.lock(.reserved)
        #expect(try a.checkReservedLock())
        #expect(throws: DatabaseError(.busy)) { try b.lock(.exclusive) }
        #expect(b.lockLevel == .pending)
        try a.unlock(to: .none)
        try b.lock(.exclusive)
        #expect(throws: DatabaseError(.busy)) { try a.lock(.shared) }
        #expect(vfs.leftovers() == ["open handle #1 on db at none", "open handle #2 on db at exclusive",
                                    "lock held on db: exclusive"])
        try b.close()
        try a.close()
        #expect(vfs.leftovers().isEmpty)
    }

    @Test func unsyncedWritesAreLeftovers() throws {
        let vfs = SimVFS(seed: 6)
        let f = try vfs.open("f", flags: [.readWrite, .create])
        try write(f, [1], at: 0)
        try f.close()
        #expect(vfs.leftovers() == ["unsynced writes to f: 1"])
    }

    @Test func clockAndRandomnessAreDeterministic() {
        let a = SimVFS(seed: 8), b = SimVFS(seed: 8), c = SimVFS(seed: 9)
        let t0 = a.currentTimeMilliseconds()
        #expect(a.sleep(microseconds: 2500) == 2500)
        #expect(a.currentTimeMilliseconds() == t0 + 3)
        #expect(b.currentTimeMilliseconds() == t0)
        var x = [UInt8](repeating: 0, count: 8), y = x, z = x
        x.withUnsafeMutableBytes { a.randomness($0) }
        y.withUnsafeMutableBytes { b.randomness($0) }
        z.withUnsafeMutableBytes { c.randomness($0) }
        #expect(x == y && x != z)
    }

    @Test func sameSeedSameTrace() throws {
        func run(_ seed: UInt64) throws -> [String] {
            let vfs = SimVFS(seed: seed, tracing: true)
            let f = try vfs.open("f", flags: [.readWrite, .create])
            var r = [UInt8](repeating: 0, count: 4)
            r.withUnsafeMutableBytes { vfs.randomness($0) }
            try write(f, r, at: Int64(r[0]))
            try f.sync(.normal)
            try write(f, r, at: 0)
            vfs.powerLoss()
            let g = try vfs.open("f", flags: [.readWrite, .create])  // its creation may be lost
            _ = try read(g, 600, at: 0)
            try g.close()
            try f.close()
            return vfs.trace + ["\(vfs.fingerprint())"]
        }
        #expect(try run(12) == run(12))
        #expect(try run(12) != run(13))
    }
}
