// This file implements `loom-bench --api`: the Swift API's record paths (Codable insert and
// decode of N rows) timed next to the raw Statement path on the same data (decode: median of
// alternating rounds).
// Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench; Spec/L7-api.md.
import Foundation
import Loom

private struct BenchRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "item"
    var id: Int64?
    var name: String
    var score: Int
    var ratio: Double
    var note: String?
}

/// One measured pair: the API path and the raw Statement path.
public struct APIBenchLine: Sendable {
    public let name: String
    public let api: Double
    public let raw: Double
}

public enum APIBench {
    /// Decode rounds per path (the reported decode times are medians).
    static let decodeRounds = 5

    /// CPU time of this process (user + system), in seconds.
    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// Runs both benchmarks on `rows` rows in an in-memory database; seconds per path.
    public static func run(rows: Int) throws -> [APIBenchLine] {
        let schema = "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INT NOT NULL, ratio REAL NOT NULL, note TEXT)"

        // Insert: raw statement.
        let rawDB = try Database()
        try rawDB.execute(schema)
        var t = monotonicSeconds()
        try rawDB.begin()
        let insert = try rawDB.prepare("INSERT INTO item(id, name, score, ratio, note) VALUES (?, ?, ?, ?, ?)")
        for i in 0..<rows {
            try insert.reset()
            try insert.bind([.null, .text("name \(i)"), .integer(Int64(i)), .real(Double(i) / 3), i % 3 == 0 ? .null : .text("n")])
            _ = try insert.step()
        }
        try rawDB.commit()
        let rawInsert = monotonicSeconds() - t

        // Insert: records.
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: schema) }
        t = monotonicSeconds()
        try queue.write { db in
            for i in 0..<rows {
                var r = BenchRecord(id: nil, name: "name \(i)", score: i, ratio: Double(i) / 3, note: i % 3 == 0 ? nil : "n")
                try r.insert(db)
            }
        }
        let apiInsert = monotonicSeconds() - t

        // Decode: the raw statement path and the Codable path, in alternating rounds (so a
        // burst of load on a shared machine hits both alike); each figure is its median, in
        // wall time and in process CPU time (which leaves out time spent descheduled).
        var rawWall: [Double] = [], apiWall: [Double] = [], rawCPU: [Double] = [], apiCPU: [Double] = []
        var rawItems: [BenchRecord] = [], apiItems: [BenchRecord] = []
        for _ in 0..<decodeRounds {
            t = monotonicSeconds()
            var c = processCPUSeconds()
            rawItems = try rawDecode(rawDB, rows: rows)
            rawCPU.append(processCPUSeconds() - c)
            rawWall.append(monotonicSeconds() - t)
            t = monotonicSeconds()
            c = processCPUSeconds()
            apiItems = try queue.read { db in try apiDecode(db) }
            apiCPU.append(processCPUSeconds() - c)
            apiWall.append(monotonicSeconds() - t)
        }
        guard apiItems.count == rows, rawItems.count == rows else {
            throw BenchUsageError.message("row count mismatch: \(apiItems.count) / \(rawItems.count)")
        }
        return [APIBenchLine(name: "insert \(rows) records", api: apiInsert, raw: rawInsert),
                APIBenchLine(name: "decode \(rows) Codable rows (median of \(decodeRounds), wall)", api: median(apiWall), raw: median(rawWall)),
                APIBenchLine(name: "decode \(rows) Codable rows (median of \(decodeRounds), CPU)", api: median(apiCPU), raw: median(rawCPU))]
    }

    /// The raw path: what a user writes by hand (step a Statement, read columns by index).
    /// Not inlined, so profilers (callgrind --toggle-collect) can measure it on its own.
    @inline(never)
    private static func rawDecode(_ db: Database, rows: Int) throws -> [BenchRecord] {
        let select = try db.prepare("SELECT id, name, score, ratio, note FROM item")
        var items: [BenchRecord] = []
        items.reserveCapacity(rows)
        while try select.step() {
            guard case .integer(let id) = select.column(0), case .text(let name) = select.column(1),
                  case .integer(let score) = select.column(2), case .real(let ratio) = select.column(3) else { continue }
            var note: String? = nil
            if case .text(let n) = select.column(4) { note = n }
            items.append(BenchRecord(id: id, name: name, score: Int(score), ratio: ratio, note: note))
        }
        return items
    }

    /// The Codable path: the general Decodable machinery, columns found by name.
    @inline(never)
    private static func apiDecode(_ db: Database) throws -> [BenchRecord] {
        try BenchRecord.fetchAll(db, sql: "SELECT id, name, score, ratio, note FROM item")
    }

    public static func report(_ lines: [APIBenchLine]) -> String {
        var rows = [["benchmark", "api (s)", "raw Statement (s)", "api/raw"]]
        for l in lines {
            rows.append([l.name, fmtSeconds(l.api), fmtSeconds(l.raw), fmtRatio(ratio(l.api, l.raw))])
        }
        return table(rows)
    }
}
