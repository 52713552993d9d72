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
        /// CPU seconds the engine used (all its processes or threads) and the reads plus
        /// commits done meanwhile: operations per CPU second do not depend on how busy the
        /// machine's other cores are.
        public var cpuSeconds = 0.0
        public var operations = 0
        /// One line of engine-specific detail printed under the table (nil: none).
        public var note: String? = nil
        /// Thread rows: the log's rewinds (its checkpoint sequence) when the window ended.
        public var rewinds: Int? = nil
        /// Thread rows: commits from the start (warm-up included) to the window's end.
        public var totalCommits = 0

        public init(engine: String, readsPerSecond: Double, commitsPerSecond: Double) {
            self.engine = engine
            self.readsPerSecond = readsPerSecond
            self.commitsPerSecond = commitsPerSecond
        }

        var operationsPerCPUSecond: Double { cpuSeconds > 0 ? Double(operations) / cpuSeconds : 0 }
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
        /// Run only the process rows, only the thread rows, or only one engine's thread rows
        /// (`pool`: Loom's DatabasePool, `capi`: libsqlite3's bare-query row; for profiling
        /// one engine with strace or perf) (nil: all).
        public var only: String? = nil
        /// A database made beforehand as `setup` makes it, used instead of running the sqlite3
        /// CLI (profilers such as valgrind cannot follow the spawn).
        public var template: String? = nil
        /// Thread rows without the writer thread: the read path alone, on a snapshot that
        /// never changes (for profiling).
        public var noWriter = false
        public init() {}
    }

    static let usage = """
        usage: loom-bench --concurrency [--readers N] [--reads K] [--commits W] [--seconds S] [--rows N]
                                        [--loom PATH] [--sqlite3 PATH] [--only threads|processes|pool|capi]
                                        [--template DB] [--no-writer]
          N reader processes (default 4, K reads each, default 5000) and 1 writer process (W
          commits, default 5000) on one WAL file at synchronous=NORMAL, for loom and for sqlite3
          (the same statements on stdin; rates from each process's spawn-to-exit time), then
          Loom's DatabasePool with N reader threads and 1 writer thread for S seconds (default 5)
          after a 1 s warm-up, and the same threads through libsqlite3's C API when it can be
          loaded; reads/s, commits/s, operations per CPU second and ratios to sqlite3
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
            case "--template": o.template = try value()
            case "--no-writer": o.noWriter = true
            case "--only":
                let v = try value()
                guard ["threads", "processes", "pool", "capi"].contains(v) else {
                    throw BenchUsageError.message("--only threads|processes|pool|capi")
                }
                o.only = v
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
        let c0 = childrenCPUSeconds()
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
        var line = Line(engine: engine, readsPerSecond: Double(options.reads * options.readers) / slowest,
                        commitsPerSecond: Double(options.commits) / w)
        line.cpuSeconds = childrenCPUSeconds() - c0
        line.operations = options.reads * options.readers + options.commits
        return line
    }

    /// `readers` reader threads and one writer thread in this process, each looping its
    /// operation until stopped; counts over `options.seconds` after `options.warmup`.
    /// `makeReader(r)` / `makeWriter()` run on the thread that uses what they return.
    static func runThreads(engine: String, options: Options, database: String,
                           makeReader: @escaping @Sendable (Int) throws -> (Int) throws -> Void,
                           makeWriter: @escaping @Sendable () throws -> (Int) throws -> Void) throws -> Line {
        let f = Flags()
        // One thread looping `make()`'s operation from index `start` until stopped.
        func spawn(from start: Int, _ make: @escaping @Sendable () throws -> (Int) throws -> Void,
                   counted count: @escaping @Sendable () -> Void) {
            f.running.add(1, ordering: .relaxed)
            Thread.detachNewThread {
                defer { f.running.subtract(1, ordering: .relaxed) }
                var i = start
                do {
                    let operation = try make()
                    while !f.stop.load(ordering: .relaxed) {
                        try operation(i)
                        count()
                        i += 1
                    }
                } catch {
                    f.failure.withLock { $0 = "\(error)" }
                }
            }
        }
        for r in 0..<options.readers {
            spawn(from: r * 1000, { try makeReader(r) }, counted: { f.reads.add(1, ordering: .relaxed) })
        }
        if !options.noWriter {
            spawn(from: 0, makeWriter, counted: { f.commits.add(1, ordering: .relaxed) })
        }
        usleep(UInt32(options.warmup * 1_000_000))
        let r0 = f.reads.load(ordering: .relaxed), w0 = f.commits.load(ordering: .relaxed)
        let t0 = monotonicSeconds()
        let c0 = processCPUSeconds()
        usleep(UInt32(options.seconds * 1_000_000))
        let r1 = f.reads.load(ordering: .relaxed), w1 = f.commits.load(ordering: .relaxed)
        let elapsed = monotonicSeconds() - t0
        let cpu = processCPUSeconds() - c0
        let rewinds = walCheckpointSequence(database + "-wal")
        f.stop.store(true, ordering: .relaxed)
        while f.running.load(ordering: .relaxed) > 0 { usleep(1000) }
        if let f = f.failure.withLock({ $0 }) { throw BenchUsageError.message("\(engine) run failed: \(f)") }
        var line = Line(engine: engine, readsPerSecond: Double(r1 - r0) / elapsed,
                        commitsPerSecond: Double(w1 - w0) / elapsed)
        line.cpuSeconds = cpu
        line.operations = (r1 - r0) + (w1 - w0)
        line.rewinds = rewinds
        line.totalCommits = w1
        return line
    }

    /// The checkpoint sequence number in a WAL header (bytes 12..<16, big-endian): how many
    /// times the log was rewound since it was created (nil: no log).
    static func walCheckpointSequence(_ path: String) -> Int? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let d = try? h.read(upToCount: 16), d.count == 16 else { return nil }
        return d[12..<16].reduce(0) { $0 << 8 | Int($1) }
    }

    /// The statements of one pooled read (GRDB's pattern, which DatabasePool.read follows):
    /// BEGIN DEFERRED, a schema probe that starts the snapshot, the query, COMMIT.
    static let probe = "SELECT 1 FROM sqlite_schema LIMIT 1"
    static let pooledQuery = "SELECT count(*), sum(n), sum(length(v)) FROM t WHERE k BETWEEN ? AND ?"
    static let pooledUpdate = "UPDATE t SET n = n + 1, v = zeroblob(?) WHERE k = ?"

    static func readRange(_ i: Int, rows: Int) -> (Int64, Int64) {
        let start = Int64((i &* 7919) % max(1, rows - 100))
        return (start, start + 99)
    }

    static func writeArguments(_ i: Int, rows: Int) -> (size: Int64, key: Int64) {
        (Int64(50 + i % 50), Int64((i &* 104_729) % rows))
    }

    /// Loom's DatabasePool in this process: reader threads loop `read { query }`, one
    /// writer thread loops `writeWithoutTransaction { update }`.
    static func runPool(template: String, dir: String, options: Options) throws -> Line {
        let path = dir + "/pool.db"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: template, toPath: path)
        var config = Configuration()
        config.busyTimeout = 10_000
        config.prepareDatabase { db in try db.execute("PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: path, configuration: config, maximumReaderCount: options.readers)
        let rows = options.rows
        let line = try runThreads(engine: "loom DatabasePool (threads)", options: options, database: path, makeReader: { _ in
            { i in
                let (lo, hi) = readRange(i, rows: rows)
                _ = try pool.read { db in
                    let s = try db.cachedStatement(sql: pooledQuery)
                    try s.bind([.integer(lo), .integer(hi)])
                    while try s.step() { _ = s.column(0) }
                }
            }
        }, makeWriter: {
            { i in
                let (size, k) = writeArguments(i, rows: rows)
                try pool.writeWithoutTransaction { db in
                    let s = try db.cachedStatement(sql: pooledUpdate)
                    try s.bind([.integer(size), .integer(k)])
                    while try s.step() {}
                }
            }
        })
        // Where the pool's pages came from and what the writer's checkpoints did, for the
        // notes under the table (pages read = cache misses, from the log or the file).
        let stats = pool.statistics()
        try pool.close()
        var noted = line
        noted.note = String(format: "loom pool: %d reads, %d commits; %.2f pages read per operation (%.1f%% of page fetches), %d checkpoints, %d log rewinds in %d commits",
                            stats.statements[.select]?.count ?? 0, stats.statements[.dml]?.count ?? 0,
                            Double(stats.pagesRead) / Double(max(1, (stats.statements[.select]?.count ?? 0) + (stats.statements[.dml]?.count ?? 0))),
                            100 * Double(stats.cacheMisses) / Double(max(1, stats.cacheHits + stats.cacheMisses)), stats.checkpoints,
                            line.rewinds ?? -1, line.totalCommits)
        return noted
    }

    /// SQLite through its C API (libsqlite3, dlopen) in the same harness as `runPool`: one
    /// connection per thread, statements prepared once; each commit is the same autocommit
    /// UPDATE. Each read runs either the statements a GRDB-style pool runs on SQLite (BEGIN
    /// DEFERRED, the schema probe, the query, COMMIT), or, when `bare`, only the query in
    /// autocommit: the least SQLite needs for one consistent read, and the baseline the thread
    /// ratios use (Loom's pool pins its snapshot without running statements).
    static func runSQLiteThreads(_ lib: SQLiteLibrary, template: String, dir: String, options: Options,
                                 bare: Bool) throws -> Line {
        let path = dir + "/capi.db"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: template, toPath: path)
        let rows = options.rows
        let engine = bare ? "sqlite3 C API (threads, bare query)" : "sqlite3 C API (threads, BEGIN/probe/COMMIT)"
        var line = try runThreads(engine: engine, options: options, database: path, makeReader: { _ in
            let c = try SQLiteLibrary.Connection(lib, path: path)
            try c.execute("PRAGMA synchronous = NORMAL")
            return { i in
                let (lo, hi) = readRange(i, rows: rows)
                if bare {
                    try c.run(pooledQuery, [lo, hi])
                    return
                }
                try c.run("BEGIN DEFERRED")
                try c.run(probe)
                try c.run(pooledQuery, [lo, hi])
                try c.run("COMMIT")
            }
        }, makeWriter: {
            let c = try SQLiteLibrary.Connection(lib, path: path)
            try c.execute("PRAGMA synchronous = NORMAL")
            return { i in
                let (size, k) = writeArguments(i, rows: rows)
                try c.run(pooledUpdate, [size, k])
            }
        })
        line.note = "\(engine): \(line.rewinds ?? -1) log rewinds in \(line.totalCommits) commits"
        return line
    }

    /// User plus system CPU seconds of this process (all threads).
    static func processCPUSeconds() -> Double { cpuSeconds(RUSAGE_SELF) }
    /// The same for the child processes waited for so far.
    static func childrenCPUSeconds() -> Double { cpuSeconds(RUSAGE_CHILDREN) }

    private static func cpuSeconds(_ who: __rusage_who) -> Double {
        var u = rusage()
        guard getrusage(__rusage_who_t(who.rawValue), &u) == 0 else { return 0 }
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Runs the configurations and returns the report.
    public static func main(_ args: [String], progress: (String) -> Void) throws -> String {
        let options = try parse(args)
        // Children are killed while their input thread still writes: no SIGPIPE death.
        signal(SIGPIPE, SIG_IGN)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let defaultLoom = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("loom").path
        // Thread rows run in this process: only the process rows need the loom executable.
        let loomPath = findOnPath(options.loom ?? defaultLoom)
        let threadsOnly = ["threads", "pool", "capi"].contains(options.only ?? "")
        guard let loom = loomPath ?? (threadsOnly ? "" : nil) else {
            throw BenchUsageError.message("loom executable not found (build it or pass --loom)")
        }
        guard let sqlite3 = findOnPath(options.sqlite3 ?? "sqlite3") else {
            throw BenchUsageError.message("sqlite3 executable not found (pass --sqlite3)")
        }
        let dir = NSTemporaryDirectory() + "loom-bench-conc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let template = dir + "/template.db"
        if let made = options.template {
            try FileManager.default.copyItem(atPath: made, toPath: template)
        } else {
            try setup(template, rows: options.rows, sqlite3: sqlite3)
        }
        var lines: [Line] = []
        var processBase: Line?
        if !threadsOnly {
            progress("sqlite3: \(options.readers) reader processes + 1 writer process")
            let s = try runProcesses(engine: "sqlite3", executable: sqlite3, template: template, dir: dir, options: options)
            progress("loom: \(options.readers) reader processes + 1 writer process")
            let l = try runProcesses(engine: "loom", executable: loom, template: template, dir: dir, options: options)
            lines += [s, l]
            processBase = s
        }
        var threadBase: Line?
        if options.only != "processes" && options.only != "pool", let lib = SQLiteLibrary() {
            progress("sqlite3 C API (libsqlite3 \(lib.version)): \(options.readers) reader threads + 1 writer thread, \(options.seconds) s")
            let c = try runSQLiteThreads(lib, template: template, dir: dir, options: options, bare: true)
            lines.append(c)
            threadBase = c
        }
        if options.only == nil || options.only == "threads", let lib = SQLiteLibrary() {
            progress("sqlite3 C API, each read as a GRDB-style pool runs it (BEGIN DEFERRED, probe, query, COMMIT)")
            lines.append(try runSQLiteThreads(lib, template: template, dir: dir, options: options, bare: false))
        }
        if options.only != "processes" && options.only != "capi" {
            progress("loom DatabasePool: \(options.readers) reader threads + 1 writer thread, \(options.seconds) s")
            lines.append(try runPool(template: template, dir: dir, options: options))
        }
        var rows = [["engine", "reads/s", "commits/s", "reads vs sqlite3", "commits vs sqlite3", "ops/CPU-s", "ops/CPU-s vs sqlite3"]]
        for line in lines {
            let base = (line.engine.contains("threads") ? threadBase : processBase) ?? line
            rows.append([line.engine, String(format: "%.0f", line.readsPerSecond), String(format: "%.0f", line.commitsPerSecond),
                         fmtRatio(ratio(line.readsPerSecond, base.readsPerSecond)),
                         fmtRatio(ratio(line.commitsPerSecond, base.commitsPerSecond)),
                         String(format: "%.0f", line.operationsPerCPUSecond),
                         fmtRatio(ratio(line.operationsPerCPUSecond, base.operationsPerCPUSecond))])
        }
        let notes = lines.compactMap(\.note).map { $0 + "\n" }.joined()
        return table(rows) + "\n" + notes + """

            \(options.rows) rows; each read: a 100-row range scan (count, sum); each commit: a one-row
            UPDATE in autocommit. WAL, synchronous=NORMAL, busy_timeout=10000, wal_autocheckpoint 1000.
            Process rows (CLI processes, statements on stdin, output to /dev/null, every statement
            compiled by each CLI): \(options.readers) readers x \(options.reads) reads and \(options.commits) commits,
            all started together; reads/s = all reads / slowest reader's spawn-to-exit time,
            commits/s = commits / the writer's. Thread rows (one process, one connection per
            thread, statements prepared once; Loom: DatabasePool.read, which pins a snapshot for
            the closure without running statements; sqlite3: the bare query in autocommit, and
            the BEGIN DEFERRED/probe/query/COMMIT sequence a GRDB-style pool runs):
            \(options.seconds) s window; ratios of thread rows are to the bare sqlite3 row.
            ops/CPU-s: reads + commits per CPU second of the engine's processes (or of this process for thread rows), which does not depend on how busy
            the machine is; the wall-clock rates do.

            """
    }
}
