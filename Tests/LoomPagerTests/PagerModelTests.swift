// This file runs seeded random transactions through the pager with a tiny cache and checks
// every outcome against an in-memory model, including "crashes" (copies of the file and
// journal taken mid-transaction) that must recover to the last committed state.
// Layer: L1 tests. Spec: Spec/L1-pager.md (invariants 1, 2, 4, 6).
import Foundation
import LoomBase
@testable import LoomPager
import LoomTestSupport
import LoomVFS
import Testing

/// Copies a file within a VFS (a crash snapshot: exactly the bytes on "disk" now).
private func snapshot(_ vfs: any VFS, _ from: String, _ to: String) throws {
    if try vfs.access(to, .exists) { try vfs.delete(to, syncDirectory: false) }
    guard try vfs.access(from, .exists) else { return }
    let src = try vfs.open(from, flags: [.readOnly])
    defer { try? src.close() }
    var bytes = [UInt8](repeating: 0, count: Int(try src.size()))
    _ = try bytes.withUnsafeMutableBytes { try src.read(into: $0, at: 0) }
    let dst = try vfs.open(to, flags: [.readWrite, .create])
    defer { try? dst.close() }
    try bytes.withUnsafeBytes { try dst.write($0, at: 0) }
}

private func check(_ pager: Pager, against model: [[UInt8]], _ note: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(Int(pager.pageCount) == model.count, "\(note): page count", sourceLocation: sourceLocation)
    for (i, want) in model.enumerated() where i < Int(pager.pageCount) {
        let got = try pager.page(PageNumber(UInt32(i + 1))).bytes(at: 0, count: want.count)
        let from = i == 0 ? 100 : 0
        if Array(got[from...]) != Array(want[from...]) {
            Issue.record("\(note): page \(i + 1) differs", sourceLocation: sourceLocation)
            return
        }
    }
}

@Suite("Pager model")
struct PagerModelTests {
    @Test(arguments: VFSKind.allCases, [JournalMode.delete, .persist, .truncate])
    func randomTransactions(_ kind: VFSKind, _ mode: JournalMode) throws {
        var rng = SeededRNG()
        let seed = rng.seed
        let fx = try PagerFixture(kind)
        defer { fx.cleanup() }
        let pageSize = 1024
        try makeDatabase(fx, pages: 12, pageSize: pageSize).close()
        var model: [[UInt8]] = try {
            let p = try fx.pager()
            defer { try? p.close() }
            try p.beginRead()
            return try (1...12).map { try pageBytes(p, UInt32($0)) }
        }()
        let pager = try fx.pager(cache: Int.random(in: 3...6, using: &rng), mode: mode)
        defer { try? pager.close() }
        for round in 0..<25 {
            let note = "seed \(seed) round \(round)"
            try pager.beginWrite()
            var working = model
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                switch Int.random(in: 0..<20, using: &rng) {
                case 0..<14 where !working.isEmpty:
                    let n = Int.random(in: 1...working.count, using: &rng)
                    let p = try pager.page(PageNumber(UInt32(n)))
                    try pager.makeWritable(p)
                    let value = UInt8.random(in: 0...255, using: &rng)
                    let at = Int.random(in: (n == 1 ? 100 : 0)..<(pageSize - 8), using: &rng)
                    p.setBytes(repeatElement(value, count: 8), at: at)
                    working[n - 1].replaceSubrange(at..<(at + 8), with: repeatElement(value, count: 8))
                case 14..<18:
                    let p = try pager.appendPage()
                    let value = UInt8.random(in: 0...255, using: &rng)
                    p.setBytes(repeatElement(value, count: 16), at: 0)
                    var page = [UInt8](repeating: 0, count: pageSize)
                    page.replaceSubrange(0..<16, with: repeatElement(value, count: 16))
                    working.append(page)
                default:
                    if working.count > 2 {
                        let n = Int.random(in: 2...working.count, using: &rng)
                        pager.setPageCount(UInt32(n))
                        working.removeLast(working.count - n)
                    }
                }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 {
                // Crash now: what is on disk must recover to the committed model.
                try snapshot(fx.vfs, fx.path("a.db"), fx.path("crash.db"))
                try snapshot(fx.vfs, fx.path("a.db-journal"), fx.path("crash.db-journal"))
                let recovered = try fx.pager("crash.db")
                try recovered.beginRead()
                try check(recovered, against: model, note + " crash")
                try recovered.close()
            }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                try pager.rollback()
            } else {
                try pager.commit()
                model = working
            }
            try check(pager, against: model, note)
            pager.endRead()
        }
        #expect(Int(try fx.contents("a.db").count) == model.count * pageSize)
    }
}
