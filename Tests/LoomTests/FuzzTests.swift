// This file fuzzes the whole engine with hostile database files: fixture files mutated by
// byte flips, truncation, header-field, cell-pointer, child-pointer, overflow-chain and
// freelist damage (loops included), then opened, queried, written and integrity-checked
// through the public API. Nothing may trap or hang; failures are typed DatabaseErrors.
// Layer: L7 tests. Spec: Spec/L3-btree.md (P1, K7). LOOM_FUZZ_FILES=20000 for a full run.
import Foundation
import Testing
import Loom
import LoomTestSupport

/// One fixture: its bytes, page size and the queries that exercise its tables.
struct FuzzSeed: Sendable {
    let name: String
    let bytes: [UInt8]
    let pageSize: Int
    let queries: [String]
}

enum Fuzz {
    static let fileCount: Int = Int(ProcessInfo.processInfo.environment["LOOM_FUZZ_FILES"] ?? "") ?? 500
    static let baseSeed: UInt64 = UInt64(ProcessInfo.processInfo.environment["LOOM_FUZZ_SEED"] ?? "") ?? 0x5EED

    static let seeds: [FuzzSeed] = fixtureNames.compactMap { name in
        guard let data = FileManager.default.contents(atPath: fixtureDirectory + "/" + name), data.count >= 512 else { return nil }
        let bytes = [UInt8](data)
        let raw = Int(bytes[16]) << 8 | Int(bytes[17])
        // Table names from the schema as sqlite3 wrote it, read with the engine under test.
        var queries = ["SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema"]
        if let db = try? Database(path: fixtureDirectory + "/" + name, capability: .read),
           let rows = try? db.queryAll("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE '%WITHOUT ROWID%'") {
            for row in rows {
                guard case .text(let t) = row[0] else { continue }
                let q = "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                queries += ["SELECT * FROM \(q) LIMIT 200", "SELECT count(*), max(rowid) FROM \(q)",
                            "SELECT * FROM \(q) WHERE rowid = 17", "SELECT * FROM \(q) ORDER BY rowid DESC LIMIT 5",
                            "DELETE FROM \(q) WHERE rowid % 5 = 2", "INSERT INTO \(q)(rowid) VALUES(123456789)"]
            }
            try? db.close()
        }
        queries += ["PRAGMA integrity_check", "PRAGMA freelist_count", "PRAGMA page_count", "CREATE TABLE fuzz_new(a, b)"]
        return FuzzSeed(name: name, bytes: bytes, pageSize: raw == 1 ? 65536 : raw, queries: queries)
    }

    /// Damages a copy of `seed`'s bytes in one to three ways.
    static func mutate(_ seed: FuzzSeed, _ rng: inout SeededRNG) -> [UInt8] {
        var b = seed.bytes
        let ps = seed.pageSize
        let pages = max(1, b.count / ps)
        func pageBase(_ p: Int) -> Int { (p - 1) * ps }
        func put32(_ off: Int, _ v: UInt32) {
            guard off >= 0, off + 4 <= b.count else { return }
            for k in 0..<4 { b[off + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(k))) }
        }
        func put16(_ off: Int, _ v: UInt16) {
            guard off >= 0, off + 2 <= b.count else { return }
            b[off] = UInt8(v >> 8); b[off + 1] = UInt8(truncatingIfNeeded: v)
        }
        func anyPageNumber() -> UInt32 {
            switch rng.next() % 6 {
            case 0: return 0
            case 1: return UInt32.max
            case 2: return UInt32(pages + 1 + Int(rng.next() % 3))
            default: return UInt32(1 + Int(rng.next() % UInt64(pages)))
            }
        }
        func interesting16() -> UInt16 {
            [0, 1, 2, 3, 7, 8, 12, 0x7fff, 0xffff, UInt16(ps & 0xffff), UInt16((ps - 1) & 0xffff), UInt16(truncatingIfNeeded: rng.next())][Int(rng.next() % 12)]
        }
        /// A random B-tree page and the offset of its header (100 on page 1).
        func btreePage() -> (page: Int, header: Int)? {
            for _ in 0..<8 {
                let p = 1 + Int(rng.next() % UInt64(pages))
                let h = pageBase(p) + (p == 1 ? 100 : 0)
                if h < b.count, [2, 5, 10, 13].contains(b[h]) { return (p, h) }
            }
            return nil
        }
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            switch rng.next() % 10 {
            case 0: // random byte flips
                for _ in 0..<(1 + Int(rng.next() % 16)) where !b.isEmpty {
                    b[Int(rng.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
                }
            case 1: // truncation, sometimes mid-page
                let n = rng.next() % 2 == 0 ? Int(rng.next() % UInt64(b.count + 1)) : pageBase(1 + Int(rng.next() % UInt64(pages)))
                b.removeSubrange(min(n, b.count)...)
            case 2: // header fields
                let fields = [16, 18, 19, 20, 21, 22, 23, 28, 32, 36, 40, 44, 48, 52, 56, 64, 96]
                let off = fields[Int(rng.next() % UInt64(fields.count))]
                if off == 16 { put16(16, interesting16()) }
                else if off < 24 { if off < b.count { b[off] = UInt8(truncatingIfNeeded: rng.next() % 4 == 0 ? 0 : rng.next()) } }
                else { put32(off, rng.next() % 2 == 0 ? anyPageNumber() : UInt32(truncatingIfNeeded: rng.next())) }
            case 3: // cell count / cell content start / first freeblock / fragments
                guard let (_, h) = btreePage() else { continue }
                switch rng.next() % 4 {
                case 0: put16(h + 3, interesting16())
                case 1: put16(h + 5, interesting16())
                case 2: put16(h + 1, interesting16())
                default: if h + 7 < b.count { b[h + 7] = UInt8(truncatingIfNeeded: rng.next()) }
                }
            case 4: // a cell pointer
                guard let (_, h) = btreePage(), h + 12 < b.count else { continue }
                let hs = b[h] == 2 || b[h] == 5 ? 12 : 8
                let count = Int(b[h + 3]) << 8 | Int(b[h + 4])
                guard count > 0 else { continue }
                put16(h + hs + 2 * Int(rng.next() % UInt64(count)), interesting16())
            case 5: // a child pointer: right child or a cell's left child, often to itself or an ancestor
                guard let (p, h) = btreePage(), b[h] == 2 || b[h] == 5 else { continue }
                let target = rng.next() % 3 == 0 ? UInt32(p) : (rng.next() % 2 == 0 ? 1 : anyPageNumber())
                if rng.next() % 2 == 0 { put32(h + 8, target) } else {
                    let count = Int(b[h + 3]) << 8 | Int(b[h + 4])
                    guard count > 0, h + 12 + 2 * count <= b.count else { continue }
                    let slot = h + 12 + 2 * Int(rng.next() % UInt64(count))
                    put32(pageBase(p) + (Int(b[slot]) << 8 | Int(b[slot + 1])), target)
                }
            case 6: // the first four bytes of a non-B-tree page (overflow / freelist / ptrmap link)
                let p = 2 + Int(rng.next() % UInt64(max(1, pages - 1)))
                guard pageBase(p) < b.count, ![2, 5, 10, 13].contains(b[pageBase(p)]) else { continue }
                put32(pageBase(p), rng.next() % 3 == 0 ? UInt32(p) : anyPageNumber())
            case 7: // freelist trunk: loops, bad leaf counts
                put32(32, rng.next() % 2 == 0 ? anyPageNumber() : 2)
                let t = Int(b.count >= 36 ? UInt32(b[32]) << 24 | UInt32(b[33]) << 16 | UInt32(b[34]) << 8 | UInt32(b[35]) : 0)
                if t >= 1 && t <= pages {
                    put32(pageBase(t), rng.next() % 2 == 0 ? UInt32(t) : anyPageNumber())
                    put32(pageBase(t) + 4, rng.next() % 2 == 0 ? UInt32.max : UInt32(rng.next() % UInt64(ps / 4 + 3)))
                }
            case 8: // payload sizes: a varint at the start of a cell becomes huge or tiny
                guard let (p, h) = btreePage(), b[h] == 13 || b[h] == 10 || b[h] == 2 else { continue }
                let hs = b[h] == 2 ? 12 : 8
                let count = Int(b[h + 3]) << 8 | Int(b[h + 4])
                guard count > 0, h + hs + 2 * count <= b.count else { continue }
                let slot = h + hs + 2 * Int(rng.next() % UInt64(count))
                let off = pageBase(p) + (Int(b[slot]) << 8 | Int(b[slot + 1])) + (b[h] == 2 ? 4 : 0)
                guard off + 9 <= b.count else { continue }
                for k in 0..<9 { b[off + k] = rng.next() % 2 == 0 ? 0xff : UInt8(truncatingIfNeeded: rng.next()) }
            default: // a whole page of garbage or zeros, or a page copied over another
                let p = 1 + Int(rng.next() % UInt64(pages))
                let base = pageBase(p)
                guard base < b.count else { continue }
                let end = min(b.count, base + ps)
                switch rng.next() % 3 {
                case 0: for i in base..<end { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: for i in base..<end { b[i] = 0 }
                default:
                    let q = 1 + Int(rng.next() % UInt64(pages))
                    let src = pageBase(q)
                    guard src + (end - base) <= b.count else { continue }
                    for i in 0..<(end - base) { b[base + i] = b[src + i] }
                }
            }
        }
        return b
    }

    /// Opens the image, runs every query; returns the result codes of the failures.
    static func exercise(_ image: [UInt8], _ queries: [String]) -> [String] {
        let vfs = MemoryVFS()
        var codes: [String] = []
        do {
            let f = try vfs.open("fuzz.db", flags: [.readWrite, .create])
            try image.withUnsafeBytes { try f.write($0, at: 0) }
            try f.close()
            let db = try Database(path: "fuzz.db", vfs: vfs)
            defer { try? db.close() }
            for q in queries {
                do { _ = try db.queryAll(q) } catch let e as DatabaseError { codes.append(name(e.code)) } catch { codes.append("untyped \(error)") }
            }
        } catch let e as DatabaseError {
            codes.append(name(e.code))
        } catch {
            codes.append("untyped \(error)")
        }
        return codes
    }

    static func name(_ c: ResultCode) -> String {
        switch c.primary {
        case .corrupt: return "corrupt"
        case .notADatabase: return "notadb"
        default: return "code \(c.primary.rawValue)"
        }
    }
}

@Suite(.serialized) struct FuzzTests {
    @Test func unmutatedFixturesRunClean() {
        for seed in Fuzz.seeds {
            let codes = Fuzz.exercise(seed.bytes, seed.queries)
            // Only refused writes (readonly) may fail on the unmutated fixtures.
            #expect(codes.allSatisfy { $0 == "code 8" }, "\(seed.name): \(codes)")
        }
    }

    /// Found by the fuzzer: a huge largest-root field made CREATE TABLE append pages forever.
    @Test func hugeLargestRootIsCorrupt() throws {
        guard let seed = Fuzz.seeds.first(where: { $0.name == "autovacuum-full.db" }) else { return }
        var image = seed.bytes
        image.replaceSubrange(52..<56, with: [0xff, 0xff, 0xff, 0xf0])
        let codes = Fuzz.exercise(image, ["CREATE TABLE x(a)"])
        #expect(codes == ["corrupt"])
    }

    @Test func mutatedFilesNeverTrap() {
        let seeds = Fuzz.seeds
        #expect(!seeds.isEmpty)
        guard !seeds.isEmpty else { return }
        var histogram: [String: Int] = [:]
        for i in 0..<Fuzz.fileCount {
            var rng = SeededRNG(seed: Fuzz.baseSeed &+ UInt64(i))
            let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
            let image = Fuzz.mutate(seed, &rng)
            if ProcessInfo.processInfo.environment["LOOM_FUZZ_TRACE"] != nil {
                FileHandle.standardError.write("fuzz \(i) \(seed.name)\n".data(using: .utf8) ?? Data())
            }
            for c in Fuzz.exercise(image, seed.queries) { histogram[c, default: 0] += 1 }
        }
        let untyped = histogram.filter { $0.key.hasPrefix("untyped") }
        #expect(untyped.isEmpty, "\(untyped)")
        print("fuzz: \(Fuzz.fileCount) files, failures by code: \(histogram.sorted { $0.key < $1.key })")
    }
}
