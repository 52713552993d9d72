// This file implements `loom-bench --concurrency`: readers and one writer on one WAL database
// at synchronous=NORMAL, run as separate processes of the loom CLI and of the sqlite3 CLI fed
// the same scripts, plus Loom's DatabasePool on threads in this process; it reports read
// throughput and writer commits per second, and the ratios to sqlite3.
// Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench (--concurrency).
import Foundation
import Loom
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public enum ConcurrencyBench {
    /// What one engine achieved over the measured window.
    public struct Line: Sendable {
        public var engine: String
        public var readsPerSecond: Double
        public var commitsPerSecond: Double
    }

    public struct Options: Sendable {
        public var readers = 4
        public var seconds = 5.0
        public var warmup = 1.0
        public var rows = 20_000
        /// Reads per reader process and commits of the writer process (a fixed workload:
        /// the loom CLI buffers its output, so progress cannot be sampled while it runs).
        public var reads = 5_000
        public var commits = 5_000
        public var loom: String? = nil
        public var sqlite3: String? = nil
        public init() {}
    }

    static let usage = """
        usage: loom-bench --concurrency [--readers N] [--reads K] [--commits W] [--seconds S] [--rows N]
                                        [--loom PATH] [--sqlite3 PATH]
          N reader processes (default 4, K reads each, default 5000) and 1 writer process (W
          commits, default 5000) on one WAL file at synchronous=NORMAL, for loom and for sqlite3
          (the same statements on stdin; rates from each process's spawn-to-exit time), then
          Loom's DatabasePool with N reader threads and 1 writer thread for S seconds (default 5)
          after a 1 s warm-up; reads/s, commits/s and ratios to sqlite3
        """

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchUsageError.message("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--concurrency": break
            case "--readers": o.readers = max(1, Int(try value()) ?? 4)
            case "--seconds": o.seconds = max(0.5, Double(try value()) ?? 5)
            case "--rows": o.rows = max(200, Int(try value()) ?? 20_000)
            case "--reads": o.reads = max(100, Int(try value()) ?? 5_000)
            case "--commits": o.commits = max(100, Int(try value()) ?? 5_000)
            case "--loom": o.loom = try value()
            case "--sqlite3": o.sqlite3 = try value()
            default: throw BenchUsageError.message("unknown argument \(args[i])\n" + usage)
            }
            i += 1
        }
        return o
    }

    /// The read every reader repeats: a 100-row range scan at a pseudo-random start.
    static func readQuery(_ i: Int, rows: Int) -> String {
        let start = (i &* 7919) % max(1, rows - 100)
        return "SELECT count(*), sum(n), sum(length(v)) FROM t WHERE k BETWEEN \(start) AND \(start + 99);"
    }

    /// The write the writer repeats: one autocommit UPDATE of one row.
    static func writeStatement(_ i: Int, rows: Int) -> String {
        "UPDATE t SET n = n + 1, v = zeroblob(\(50 + i % 50)) WHERE k = \((i &* 104_729) % rows);"
    }

    static let settings = "PRAGMA busy_timeout = 10000;\nPRAGMA synchronous = NORMAL;\n"

    /// Creates the database with sqlite3: WAL, `rows` rows of (k, n, v).
    static func setup(_ path: String, rows: Int, sqlite3: String) throws {
        let script = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE t(k INTEGER PRIMARY KEY, n INTEGER, v BLOB);
            WITH RECURSIVE c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k < \(rows - 1))
            INSERT INTO t SELECT k, 0, zeroblob(80) FROM c;
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sqlite3)
        p.arguments = [path]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        try input.fileHandleForWriting.write(contentsOf: Data(script.utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchUsageError.message("setup failed") }
    }

    /// A child CLI process fed an endless script (generated in chunks on a thread); counts
    /// the lines it prints (one per read, or one per commit).
    /// Counters shared between threads (a class, since `Atomic` cannot be captured).
    final class Flags: Sendable {
        let stop = Atomic<Bool>(false)
        let lines = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let commits = Atomic<Int>(0)
        let running = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
    }

    final class Child: @unchecked Sendable {
        let process = Process()
        let started = monotonicSeconds()

        /// Spawns `executable database` and feeds it the settings then `count` statements.
        init(executable: String, database: String, count: Int, statement: @escaping @Sendable (Int) -> String) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [database]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.detachNewThread {
                let handle = input.fileHandleForWriting
                var i = 0
                if (try? handle.write(contentsOf: Data(ConcurrencyBench.settings.utf8))) == nil { return }
                while i < count {
                    var chunk = ""
                    for _ in 0..<min(500, count - i) {
                        chunk += statement(i)
                        chunk += "\n"
                        i += 1
                    }
                    if (try? handle.write(contentsOf: Data(chunk.utf8))) == nil { return }
                }
                try? handle.close()
            }
        }

        /// Waits for the exit; seconds from spawn to exit (nil: failed).
        func wait() -> Double? {
            process.waitUntilExit()
            let t = monotonicSeconds() - started
            return process.terminationStatus == 0 ? t : nil
        }
    }

    /// N reader processes and one writer process of `executable` on a fresh copy of `template`,
    /// all started together; each runs its fixed workload and exits.
    static func runProcesses(engine: String, executable: String, template: String, dir: String,
                             options: Options) throws -> Line {
        let path = dir + "/\(engine).db"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: template, toPath: path)
        let rows = options.rows
        let writer = try Child(executable: executable, database: path, count: options.commits) { i in
            writeStatement(i, rows: rows)
        }
        var readers: [Child] = []
        for r in 0..<options.readers {
            readers.append(try Child(executable: executable, database: path, count: options.reads) { i in
                readQuery(i &+ r &* 1000, rows: rows)
            })
        }
        guard let w = writer.wait() else { throw BenchUsageError.message("\(engine) writer failed") }
        var slowest = 0.0
        for r in readers {
            guard let t = r.wait() else { throw BenchUsageError.message("\(engine) reader failed") }
            slowest = max(slowest, t)
        }
        return Line(engine: engine, readsPerSecond: Double(options.reads * options.readers) / slowest,
                    commitsPerSecond: Double(options.commits) / w)
    }

    /// Loom's DatabasePool in this process: reader threads loop `read { query }`, one
    /// writer thread loops `write { update }`.
    static func runPool(template: String, dir: String, options: Options) throws -> Line {
        let path = dir + "/pool.db"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: template, toPath: path)
        var config = Configuration()
        config.busyTimeout = 10_000
        config.prepareDatabase { db in try db.execute("PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: path, configuration: config, maximumReaderCount: options.readers)
        let f = Flags()
        let rows = options.rows
        for r in 0..<options.readers {
            f.running.add(1, ordering: .relaxed)
            Thread.detachNewThread {
                defer { f.running.subtract(1, ordering: .relaxed) }
                var i = r * 1000
                do {
                    while !f.stop.load(ordering: .relaxed) {
                        let start = Int64((i &* 7919) % max(1, rows - 100))
                        _ = try pool.read { db in
                            let s = try db.cachedStatement(sql: "SELECT count(*), sum(n), sum(length(v)) FROM t WHERE k BETWEEN ? AND ?")
                            try s.bind([.integer(start), .integer(start + 99)])
                            while try s.step() { _ = s.column(0) }
                        }
                        f.reads.add(1, ordering: .relaxed)
                        i += 1
                    }
                } catch {
                    f.failure.withLock { $0 = "\(error)" }
                }
            }
        }
        f.running.add(1, ordering: .relaxed)
        Thread.detachNewThread {
            defer { f.running.subtract(1, ordering: .relaxed) }
            var i = 0
            do {
                while !f.stop.load(ordering: .relaxed) {
                    let k = Int64((i &* 104_729) % rows), size = Int64(50 + i % 50)
                    try pool.writeWithoutTransaction { db in
                        let s = try db.cachedStatement(sql: "UPDATE t SET n = n + 1, v = zeroblob(?) WHERE k = ?")
                        try s.bind([.integer(size), .integer(k)])
                        while try s.step() {}
                    }
                    f.commits.add(1, ordering: .relaxed)
                    i += 1
                }
            } catch {
                f.failure.withLock { $0 = "\(error)" }
            }
        }
        usleep(UInt32(options.warmup * 1_000_000))
        let r0 = f.reads.load(ordering: .relaxed), w0 = f.commits.load(ordering: .relaxed)
        let t0 = monotonicSeconds()
        usleep(UInt32(options.seconds * 1_000_000))
        let r1 = f.reads.load(ordering: .relaxed), w1 = f.commits.load(ordering: .relaxed)
        let elapsed = monotonicSeconds() - t0
        f.stop.store(true, ordering: .relaxed)
        while f.running.load(ordering: .relaxed) > 0 { usleep(1000) }
        try pool.close()
        if let f = f.failure.withLock({ $0 }) { throw BenchUsageError.message("DatabasePool run failed: \(f)") }
        return Line(engine: "loom DatabasePool (threads)", readsPerSecond: Double(r1 - r0) / elapsed,
                    commitsPerSecond: Double(w1 - w0) / elapsed)
    }

    /// Runs the three configurations and returns the report.
    public static func main(_ args: [String], progress: (String) -> Void) throws -> String {
        let options = try parse(args)
        // Children are killed while their input thread still writes: no SIGPIPE death.
        signal(SIGPIPE, SIG_IGN)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let defaultLoom = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("loom").path
        guard let loom = findOnPath(options.loom ?? defaultLoom) else {
            throw BenchUsageError.message("loom executable not found (build it or pass --loom)")
        }
        guard let sqlite3 = findOnPath(options.sqlite3 ?? "sqlite3") else {
            throw BenchUsageError.message("sqlite3 executable not found (pass --sqlite3)")
        }
        let dir = NSTemporaryDirectory() + "loom-bench-conc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let template = dir + "/template.db"
        try setup(template, rows: options.rows, sqlite3: sqlite3)
        progress("sqlite3: \(options.readers) reader processes + 1 writer process, \(options.seconds) s")
        let s = try runProcesses(engine: "sqlite3", executable: sqlite3, template: template, dir: dir, options: options)
        progress("loom: \(options.readers) reader processes + 1 writer process, \(options.seconds) s")
        let l = try runProcesses(engine: "loom", executable: loom, template: template, dir: dir, options: options)
        progress("loom DatabasePool: \(options.readers) reader threads + 1 writer thread, \(options.seconds) s")
        let p = try runPool(template: template, dir: dir, options: options)
        var rows = [["engine", "reads/s", "commits/s", "reads vs sqlite3", "commits vs sqlite3"]]
        for line in [s, l, p] {
            rows.append([line.engine, String(format: "%.0f", line.readsPerSecond), String(format: "%.0f", line.commitsPerSecond),
                         fmtRatio(ratio(line.readsPerSecond, s.readsPerSecond)),
                         fmtRatio(ratio(line.commitsPerSecond, s.commitsPerSecond))])
        }
        return table(rows) + """

            \(options.rows) rows; each read: a 100-row range scan (count, sum); each commit: a one-row
            UPDATE in autocommit. WAL, synchronous=NORMAL, busy_timeout=10000, wal_autocheckpoint 1000.
            Process rows: \(options.readers) readers x \(options.reads) reads and \(options.commits) commits,
            all started together; reads/s = all reads / slowest reader's spawn-to-exit time,
            commits/s = commits / the writer's. Pool row: \(options.seconds) s window on threads.

            """
    }
}
