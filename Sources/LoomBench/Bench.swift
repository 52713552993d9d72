// This file implements the loom-bench command: options, interleaved runs of loom and sqlite3
// on each script, and the result tables (whole scripts, and speedtest1 sections).
// Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench.
import Foundation

public enum DatabaseKind: String, Sendable { case memory, file }

/// Parsed loom-bench arguments.
public struct BenchOptions: Sendable {
    public var runs = 3
    public var db = DatabaseKind.memory
    public var loom: String? = nil
    public var sqlite3: String? = nil
    public var setup: String? = nil
    public var timeout: Double = 600
    public var scripts: [String] = []
    public var quiet = false
    public init() {}
}

public enum BenchUsageError: Error, CustomStringConvertible {
    case message(String)
    public var description: String { if case .message(let m) = self { return m }; return "" }
}

public let benchUsage = """
    usage: loom-bench [--runs N] [--db memory|file] [--loom PATH] [--sqlite3 PATH]
                      [--setup SCRIPT] [--timeout SECONDS] [--quiet] SCRIPT...
      each SCRIPT runs on loom and on sqlite3, interleaved, N times each (default 3), in a fresh
      process reading the script on stdin; the table gives medians, peak RSS and ratios.
      --db file     a fresh temporary database file per run (default: in memory)
      --loom        the loom executable (default: loom next to loom-bench)
      --sqlite3     the sqlite3 executable (default: sqlite3 on PATH)
      --setup       a script run first on the same database, untimed
      --timeout     seconds before a run is killed (default 600)
      --quiet       no progress lines on stderr
    usage: loom-bench --api [ROWS]
      the Swift API in process: inserting and decoding ROWS (default 100000) Codable records,
      each next to the raw Statement path
    usage: loom-bench --concurrency [--readers N] [--seconds S] [--rows N] [--loom PATH] [--sqlite3 PATH]
      N reader processes and 1 writer process on a WAL file (synchronous=NORMAL), loom and
      sqlite3 fed the same scripts, then Loom's DatabasePool on threads: reads/s, commits/s, ratios
    usage: loom-bench --fts5 [--docs N] [--queries M] [--keep FILE] [--runs N] [--loom PATH] [--sqlite3 PATH]
      FTS5: N short documents (default 100000) indexed with porter unicode61, then M MATCH
      queries (default 10000); prints the loom/sqlite3 ratio of index + queries
    """

public func parseBenchArguments(_ args: [String]) throws -> BenchOptions {
    var o = BenchOptions()
    var i = 0
    func value(_ name: String) throws -> String {
        i += 1
        guard i < args.count else { throw BenchUsageError.message("\(name) needs a value") }
        return args[i]
    }
    while i < args.count {
        let a = args[i]
        switch a {
        case "--runs":
            let v = try value(a)
            guard let n = Int(v), n >= 1 else { throw BenchUsageError.message("--runs: bad value \(v)") }
            o.runs = n
        case "--db":
            let v = try value(a)
            guard let k = DatabaseKind(rawValue: v) else { throw BenchUsageError.message("--db: memory or file, not \(v)") }
            o.db = k
        case "--loom": o.loom = try value(a)
        case "--sqlite3": o.sqlite3 = try value(a)
        case "--setup": o.setup = try value(a)
        case "--timeout":
            let v = try value(a)
            guard let t = Double(v), t > 0 else { throw BenchUsageError.message("--timeout: bad value \(v)") }
            o.timeout = t
        case "--quiet", "-q": o.quiet = true
        case "-h", "--help": throw BenchUsageError.message("")
        default:
            if a.hasPrefix("-") && a.count > 1 { throw BenchUsageError.message("unknown option \(a)") }
            o.scripts.append(a)
        }
        i += 1
    }
    if o.scripts.isEmpty { throw BenchUsageError.message("no SCRIPT given") }
    return o
}

/// Measurements of one engine on one script.
public struct EngineRuns: Sendable {
    public var seconds: [Double] = []
    public var maxRSSKiB = 0
    public var notes: [String] = []
    public var sections: [String: [Double]] = [:]
    public var medianSeconds: Double? { median(seconds) }
}

/// Results for one script.
public struct ScriptResult: Sendable {
    public var script: String
    public var sections: [Section]
    public var loom = EngineRuns()
    public var sqlite3 = EngineRuns()
}

/// Runs every script and returns the results (tables are printed by `report`).
public final class Bench {
    let options: BenchOptions
    let loomPath: String
    let sqlitePath: String
    let stdbuf: String?
    let progress: (String) -> Void
    private let tempDir: String

    public init(options: BenchOptions, progress: @escaping (String) -> Void = { _ in }) throws {
        self.options = options
        self.progress = progress
        let defaultLoom: String = {
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("loom").path
        }()
        guard let l = findOnPath(options.loom ?? defaultLoom) else {
            throw BenchUsageError.message("loom executable not found at \(options.loom ?? defaultLoom) (build it or pass --loom)")
        }
        guard let s = findOnPath(options.sqlite3 ?? "sqlite3") else {
            throw BenchUsageError.message("sqlite3 executable not found (pass --sqlite3)")
        }
        loomPath = l
        sqlitePath = s
        stdbuf = findOnPath("stdbuf")
        for p in options.scripts + (options.setup.map { [$0] } ?? []) where !FileManager.default.isReadableFile(atPath: p) {
            throw BenchUsageError.message("cannot read \(p)")
        }
        tempDir = NSTemporaryDirectory() + "loom-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: tempDir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: tempDir) }

    var dbPath: String { tempDir + "/bench.db" }

    func removeDatabase() {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(dbPath + suffix) }
    }

    public func run() throws -> [ScriptResult] {
        var results: [ScriptResult] = []
        let setupText = try options.setup.map { try String(contentsOfFile: $0, encoding: .utf8) }
        for (index, script) in options.scripts.enumerated() {
            let text = try String(contentsOfFile: script, encoding: .utf8)
            let sections = parseSections(text)
            // Timed by markers when there are sections, or when an in-memory database needs
            // its setup in the same process (the time then starts at the setup marker).
            let setupInline = setupText != nil && options.db == .memory
            let useMarks = !sections.isEmpty || setupInline
            var stdinPath = script
            if useMarks {
                var body = ""
                if setupInline, let setupText { body += setupText + "\n" + markerStatement("setup") + "\n" }
                body += sections.isEmpty ? text : insertMarkers(text)
                stdinPath = tempDir + "/script-\(index).sql"
                try body.write(toFile: stdinPath, atomically: false, encoding: .utf8)
            }
            var result = ScriptResult(script: script, sections: sections)
            for run in 1...options.runs {
                for engine in 0..<2 {
                    let exe = engine == 0 ? loomPath : sqlitePath
                    let name = engine == 0 ? "loom" : "sqlite3"
                    var args: [String] = []
                    if options.db == .file {
                        removeDatabase()
                        args = [dbPath]
                        if let setup = options.setup {
                            let r = try runChild(executable: exe, arguments: args, stdinPath: setup,
                                                 captureMarks: false, timeout: options.timeout)
                            if let note = r.note { progress("\(script): \(name) setup run \(run): \(note)") }
                        }
                    }
                    let (path, fullArgs) = useMarks && stdbuf != nil
                        ? (stdbuf ?? "", ["-oL", exe] + args) : (exe, args)
                    let r = try runChild(executable: path, arguments: fullArgs, stdinPath: stdinPath,
                                         captureMarks: useMarks, timeout: options.timeout)
                    var runs = engine == 0 ? result.loom : result.sqlite3
                    runs.maxRSSKiB = max(runs.maxRSSKiB, r.maxRSSKiB)
                    if let note = r.note { runs.notes.append("run \(run): \(note)") }
                    if !r.timedOut {
                        var seconds = r.seconds
                        if setupInline {
                            if let t = r.marks.first(where: { $0.tag == "setup" })?.time { seconds -= t }
                        }
                        runs.seconds.append(seconds)
                        for (id, d) in sectionDurations(r.marks) { runs.sections[id, default: []].append(d) }
                    }
                    progress(String(format: "%@: %@ run %d: %.3fs, %d KiB%@", script, name, run, r.seconds,
                                    r.maxRSSKiB, r.note.map { " (\($0))" } ?? ""))
                    if engine == 0 { result.loom = runs } else { result.sqlite3 = runs }
                }
            }
            removeDatabase()
            results.append(result)
        }
        return results
    }
}

func fmtSeconds(_ s: Double?) -> String { s.map { String(format: "%.3f", $0) } ?? "-" }
func fmtRatio(_ r: Double?) -> String { r.map { String(format: "%.2fx", $0) } ?? "-" }
func fmtMiB(_ kib: Int) -> String { kib > 0 ? String(format: "%.1f", Double(kib) / 1024) : "-" }

/// Lays out rows as left-aligned first column and right-aligned others.
public func table(_ rows: [[String]]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    return rows.map { r in
        r.enumerated().map { i, c in
            let pad = String(repeating: " ", count: widths[i] - c.count)
            return i == 0 ? c + pad : pad + c
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// The report: one table of scripts, then one per-test table per sectioned script.
public func report(_ results: [ScriptResult], options: BenchOptions) -> String {
    var rows = [["script", "loom s", "sqlite3 s", "ratio", "loom MiB", "sqlite3 MiB", "ratio"]]
    var notes: [String] = []
    for r in results {
        let name = URL(fileURLWithPath: r.script).lastPathComponent
        let lm = r.loom.medianSeconds, sm = r.sqlite3.medianSeconds
        rows.append([name, fmtSeconds(lm), fmtSeconds(sm), fmtRatio(ratio(lm, sm)),
                     fmtMiB(r.loom.maxRSSKiB), fmtMiB(r.sqlite3.maxRSSKiB),
                     fmtRatio(ratio(Double(r.loom.maxRSSKiB), Double(r.sqlite3.maxRSSKiB)))])
        notes += r.loom.notes.map { "\(name): loom \($0)" } + r.sqlite3.notes.map { "\(name): sqlite3 \($0)" }
    }
    var out = "loom-bench: \(options.runs) run(s) each, interleaved, \(options.db.rawValue) database; medians of wall time, peak RSS\n"
    out += table(rows) + "\n"
    for r in results where !r.sections.isEmpty {
        out += "\n" + URL(fileURLWithPath: r.script).lastPathComponent + " per test:\n"
        var srows = [["test", "loom s", "sqlite3 s", "ratio", "what"]]
        for s in r.sections {
            let lm = median(r.loom.sections[s.id] ?? []), sm = median(r.sqlite3.sections[s.id] ?? [])
            srows.append([s.id, fmtSeconds(lm), fmtSeconds(sm), fmtRatio(ratio(lm, sm)), String(s.title.prefix(50))])
        }
        out += table(srows) + "\n"
    }
    if !notes.isEmpty { out += "\nnotes:\n" + notes.map { "  " + $0 }.joined(separator: "\n") + "\n" }
    return out
}

/// The loom-bench command. Returns the exit status (0, or 2 for a usage error).
public enum BenchCommand {
    public static func main(_ args: [String]) -> Int32 {
        do {
            if args.first == "--api" {
                let rows = args.count > 1 ? Int(args[1]) ?? 100_000 : 100_000
                FileHandle.standardOutput.write(Data(APIBench.report(try APIBench.run(rows: rows)).utf8))
                return 0
            }
            if args.first == "--fts5" {
                let text = try FTS5Bench.main(args) { line in
                    if !args.contains("--quiet") { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                }
                FileHandle.standardOutput.write(Data(text.utf8))
                return 0
            }
            if args.first == "--concurrency" {
                let text = try ConcurrencyBench.main(args) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
                FileHandle.standardOutput.write(Data(text.utf8))
                return 0
            }
            let options = try parseBenchArguments(args)
            let bench = try Bench(options: options) { line in
                if !options.quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            let results = try bench.run()
            FileHandle.standardOutput.write(Data(report(results, options: options).utf8))
            return 0
        } catch let BenchUsageError.message(m) {
            if !m.isEmpty { FileHandle.standardError.write(Data("loom-bench: \(m)\n".utf8)) }
            FileHandle.standardError.write(Data((benchUsage + "\n").utf8))
            return m.isEmpty ? 0 : 2
        } catch {
            FileHandle.standardError.write(Data("loom-bench: \(error)\n".utf8))
            return 1
        }
    }
}
