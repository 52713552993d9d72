// This file implements the loom-slt command: arguments, file discovery, worker processes
// (one per file, so an engine crash fails only that file) and the report.
// Layer: tools (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Foundation

/// Which engine implementation runs the scripts.
public enum EngineImplementation: Sendable, Equatable {
    case loom
    /// The real sqlite3 CLI at this path (checks the runner against SQLite itself).
    case sqlite3(String)

    public func make() throws -> SLTEngine {
        switch self {
        case .loom: return try LoomEngine()
        case .sqlite3(let path): return try SQLite3CLIEngine(path: path)
        }
    }
}

/// Parsed command line.
public struct CommandOptions: Sendable {
    public var run = RunOptions()
    public var jobs = 1
    public var show = 0
    public var verbose = false
    public var timeout: Double = 0
    public var inProcess = false
    public var worker = false
    /// Testing aid: a worker aborts (SIGABRT) after this many records, as a crashing engine would.
    public var crashAfter: Int? = nil
    public var implementation = EngineImplementation.loom
    public var paths: [String] = []
    public init() {}
}

public enum UsageError: Error, CustomStringConvertible {
    case message(String)
    public var description: String { if case .message(let m) = self { return m }; return "" }
}

public let sltUsage = """
    usage: loom-slt [--engine NAME] [--ht N] [--jobs N] [--halt] [--show N] [--verbose]
                    [--timeout SECONDS] [--sqlite3 PATH] [--in-process] PATH...
      PATH          .test files or directories (searched recursively for *.test)
      --engine      engine name for skipif/onlyif/halt (default sqlite)
      --ht N        hash threshold, overriding the scripts' hash-threshold records
      --jobs N      files run in parallel worker processes (default 1)
      --halt        stop each file at its first failure
      --show N      print the first N failures of each file (SQL, expected, got)
      --verbose     print one line per failure
      --timeout S   kill a file's worker after S seconds (default: none)
      --sqlite3 P   run the scripts on the sqlite3 CLI at P instead of Loom (checks the runner)
      --in-process  run files in this process, without worker processes
    """

/// Parses loom-slt arguments.
public func parseCommandLine(_ args: [String]) throws -> CommandOptions {
    var o = CommandOptions()
    var i = 0
    func value(_ name: String) throws -> String {
        i += 1
        guard i < args.count else { throw UsageError.message("\(name) needs a value") }
        return args[i]
    }
    func int(_ name: String, min: Int) throws -> Int {
        let v = try value(name)
        guard let n = Int(v), n >= min else { throw UsageError.message("\(name): bad value \(v)") }
        return n
    }
    while i < args.count {
        let a = args[i]
        switch a {
        case "--engine": o.run.engineName = try value(a)
        case "--ht": o.run.hashThreshold = try int(a, min: 0)
        case "--jobs", "-j": o.jobs = try int(a, min: 1)
        case "--halt": o.run.haltOnFailure = true
        case "--show": o.show = try int(a, min: 0)
        case "--verbose", "-v": o.verbose = true
        case "--timeout":
            let v = try value(a)
            guard let t = Double(v), t >= 0 else { throw UsageError.message("--timeout: bad value \(v)") }
            o.timeout = t
        case "--sqlite3": o.implementation = .sqlite3(try value(a))
        case "--in-process": o.inProcess = true
        case "--worker": o.worker = true
        case "--crash-after": o.crashAfter = try int(a, min: 0)
        case "-h", "--help": throw UsageError.message("")
        default:
            if a.hasPrefix("-") && a.count > 1 { throw UsageError.message("unknown option \(a)") }
            o.paths.append(a)
        }
        i += 1
    }
    if o.paths.isEmpty { throw UsageError.message("no PATH given") }
    return o
}

/// Expands files and directories (recursively, `*.test`, sorted) into script paths.
public func collectScripts(_ paths: [String]) throws -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for p in paths {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw UsageError.message("no such file: \(p)") }
        if isDir.boolValue {
            let base = p.hasSuffix("/") ? String(p.dropLast()) : p
            let found = (fm.enumerator(atPath: p)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".test") }
                .sorted()
                .map { base + "/" + $0 }
            out += found
        } else {
            out.append(p)
        }
    }
    return out
}

/// Result of one file as the command reports it.
public struct FileReport: Sendable {
    public var path: String
    public var passed = 0, failed = 0, skipped = 0
    public var seconds = 0.0
    /// Set when the worker died or timed out, or the engine could not open.
    public var abnormal: String? = nil
    /// Failure texts to print under the file line.
    public var details: [String] = []

    public var line: String {
        var s = "\(path): \(passed) passed, \(failed) failed"
        if skipped > 0 { s += ", \(skipped) skipped" }
        s += String(format: " (%.2fs)", seconds)
        if let abnormal { s += " [\(abnormal)]" }
        return s
    }
}

/// Test records that run before the first halt or unknown record that applies to `engine`.
public func plannedTests(_ records: [Record], engine: String) -> Int {
    var n = 0
    for r in records {
        if r.runs(on: engine) {
            switch r.kind {
            case .halt: return n
            case .unknown: return n + 1
            default: break
            }
        }
        if r.isTest { n += 1 }
    }
    return n
}

private func formatDetails(_ failure: Failure, path: String, index: Int, options: CommandOptions) -> String? {
    if index < options.show { return failure.report(path: path) }
    if options.verbose { return "\(path):\(failure.line): \(failure.reason)" }
    return nil
}

/// Runs one file in this process.
public func runFileInProcess(_ path: String, options: CommandOptions,
                             onOutcome: (Outcome, String?) -> Void = { _, _ in }) -> FileReport {
    let start = Date()
    var report = FileReport(path: path)
    guard let data = FileManager.default.contents(atPath: path) else {
        report.abnormal = "cannot read"
        report.failed = 1
        return report
    }
    let records = parseScript(Array(data))
    let engine: SLTEngine
    do {
        engine = try options.implementation.make()
    } catch {
        report.failed = plannedTests(records, engine: options.run.engineName)
        report.abnormal = "engine did not open: \(describe(error))"
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
    var failures = 0
    let result = Runner(options: options.run).run(script: records, engine: engine) { outcome, failure in
        var text: String? = nil
        if let failure {
            text = formatDetails(failure, path: path, index: failures, options: options)
            failures += 1
        }
        onOutcome(outcome, text)
    }
    report.passed = result.passed
    report.failed = result.failed
    report.skipped = result.skipped
    for (i, f) in result.failures.enumerated() {
        if let t = formatDetails(f, path: path, index: i, options: options) { report.details.append(t) }
    }
    report.seconds = Date().timeIntervalSince(start)
    return report
}

/// The worker side: runs one file and streams outcomes on stdout:
/// `T<n>;` planned tests, then `p`/`f`/`s` per record, `D<len>:<text>` failure text,
/// `A<len>:<text>` an abnormal note, and `Z` at the end.
func runWorker(_ path: String, options: CommandOptions) -> Int32 {
    let out = FileHandle.standardOutput
    func emit(_ s: String) { out.write(Data(s.utf8)) }
    func block(_ tag: String, _ text: String) { emit("\(tag)\(text.utf8.count):\(text)") }
    guard let data = FileManager.default.contents(atPath: path) else {
        emit("T1;f")
        block("A", "cannot read")
        emit("Z")
        return 0
    }
    let records = parseScript(Array(data))
    emit("T\(plannedTests(records, engine: options.run.engineName));")
    let engine: SLTEngine
    do {
        engine = try options.implementation.make()
    } catch {
        block("A", "engine did not open: \(describe(error))")
        emit("Z")
        return 0
    }
    var failures = 0
    var seen = 0
    _ = Runner(options: options.run).run(script: records, engine: engine) { outcome, failure in
        if let limit = options.crashAfter, seen >= limit { abort() }
        seen += 1
        switch outcome {
        case .passed: emit("p")
        case .skipped: emit("s")
        case .failed:
            if let failure, let text = formatDetails(failure, path: path, index: failures, options: options) {
                block("D", text)
            }
            failures += 1
            emit("f")
        }
    }
    emit("Z")
    return 0
}

/// Parses a worker's stream into a report; a missing `Z` means the worker died.
func parseWorkerStream(_ b: [UInt8], path: String, status: String?) -> FileReport {
    var report = FileReport(path: path)
    var planned = 0
    var finished = false
    var i = 0
    func readLength() -> Int? {
        var n = 0
        var any = false
        while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { n = n &* 10 &+ Int(b[i] - 0x30); i += 1; any = true }
        return any ? n : nil
    }
    loop: while i < b.count {
        let tag = b[i]
        i += 1
        switch tag {
        case UInt8(ascii: "p"): report.passed += 1
        case UInt8(ascii: "f"): report.failed += 1
        case UInt8(ascii: "s"): report.skipped += 1
        case UInt8(ascii: "Z"): finished = true
        case UInt8(ascii: "T"):
            planned = readLength() ?? 0
            if i < b.count && b[i] == UInt8(ascii: ";") { i += 1 }
        case UInt8(ascii: "D"), UInt8(ascii: "A"):
            guard let n = readLength(), i < b.count, b[i] == UInt8(ascii: ":"), i + 1 + n <= b.count else { break loop }
            let text = String(decoding: b[(i + 1)..<(i + 1 + n)], as: UTF8.self)
            i += 1 + n
            if tag == UInt8(ascii: "D") { report.details.append(text) } else { report.abnormal = text }
        default:
            break loop
        }
    }
    if !finished {
        let remaining = max(planned - report.passed - report.failed - report.skipped, 1)
        report.failed += remaining
        report.abnormal = "worker died\(status.map { " (\($0))" } ?? ""); \(remaining) remaining records counted failed"
    } else if report.abnormal != nil {
        report.failed += max(planned - report.passed - report.failed - report.skipped, 0)
    }
    return report
}

/// This executable's path, for re-running itself as a worker.
func selfExecutable() -> String {
    if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
    return CommandLine.arguments.first ?? "loom-slt"
}

/// Runs one file in a worker process.
func runFileInWorker(_ path: String, options: CommandOptions) -> FileReport {
    let start = Date()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: selfExecutable())
    var args = ["--worker", "--engine", options.run.engineName, "--show", String(options.show)]
    if let ht = options.run.hashThreshold { args += ["--ht", String(ht)] }
    if options.run.haltOnFailure { args.append("--halt") }
    if options.verbose { args.append("--verbose") }
    if case .sqlite3(let p) = options.implementation { args += ["--sqlite3", p] }
    if let n = options.crashAfter { args += ["--crash-after", String(n)] }
    process.arguments = args + [path]
    let outPipe = Pipe(), errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    // Swift's crash backtracer is slow and long; the last lines of stderr are kept instead.
    var environment = ProcessInfo.processInfo.environment
    if !options.verbose && environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
    process.environment = environment
    do {
        try process.run()
    } catch {
        var r = FileReport(path: path)
        r.failed = 1
        r.abnormal = "could not start worker: \(error)"
        return r
    }
    let timedOut = TimeoutFlag()
    if options.timeout > 0 {
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + options.timeout) {
            if process.isRunning {
                timedOut.set()
                kill(pid, SIGKILL)
            }
        }
    }
    let stderrText = StderrCollector()
    let errReader = Thread { stderrText.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }
    errReader.start()
    let data = outPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errData = stderrText.wait()
    var status: String? = nil
    if timedOut.value {
        status = "timed out after \(options.timeout)s"
    } else if process.terminationReason == .uncaughtSignal {
        status = "signal \(process.terminationStatus)"
    } else if process.terminationStatus != 0 {
        status = "exit status \(process.terminationStatus)"
    }
    var report = parseWorkerStream(Array(data), path: path, status: status)
    if status != nil {
        let tail = String(decoding: errData, as: UTF8.self).split(separator: "\n").suffix(10)
        if !tail.isEmpty { report.details.append(tail.map { "  stderr| " + $0 }.joined(separator: "\n")) }
    }
    report.seconds = Date().timeIntervalSince(start)
    return report
}

/// Hands a worker's stderr from its reader thread to the waiting one.
final class StderrCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    func set(_ d: Data) { data = d; done.signal() }
    func wait() -> Data { done.wait(); return data }
}

final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}

/// Collects reports from worker threads and prints them in input order.
final class ReportBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [FileReport?]
    private var nextToPrint = 0
    private var nextToRun = 0
    private let print: (FileReport) -> Void
    init(count: Int, print: @escaping (FileReport) -> Void) {
        reports = Array(repeating: nil, count: count)
        self.print = print
    }
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextToRun < reports.count else { return nil }
        nextToRun += 1
        return nextToRun - 1
    }
    func put(_ index: Int, _ report: FileReport) {
        lock.lock(); defer { lock.unlock() }
        reports[index] = report
        while nextToPrint < reports.count, let r = reports[nextToPrint] {
            print(r)
            nextToPrint += 1
        }
    }
    var all: [FileReport] { lock.lock(); defer { lock.unlock() }; return reports.compactMap { $0 } }
}

/// The loom-slt command. Returns the process exit status (0, or 2 for a usage error).
public enum SLTCommand {
    public static func main(_ args: [String]) -> Int32 {
        let options: CommandOptions
        let files: [String]
        do {
            options = try parseCommandLine(args)
            if options.worker {
                return runWorker(options.paths[0], options: options)
            }
            files = try collectScripts(options.paths)
        } catch let UsageError.message(m) {
            if !m.isEmpty { FileHandle.standardError.write(Data("loom-slt: \(m)\n".utf8)) }
            FileHandle.standardError.write(Data((sltUsage + "\n").utf8))
            return m.isEmpty ? 0 : 2
        } catch {
            FileHandle.standardError.write(Data("loom-slt: \(error)\n".utf8))
            return 2
        }
        let board = ReportBoard(count: files.count) { report in
            var text = report.line + "\n"
            for d in report.details { text += d + "\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        let opts = options
        let worker: @Sendable () -> Void = {
            while let index = board.take() {
                let path = files[index]
                let report = opts.inProcess ? runFileInProcess(path, options: opts) : runFileInWorker(path, options: opts)
                board.put(index, report)
            }
        }
        if options.jobs == 1 || options.inProcess {
            worker()
        } else {
            let group = DispatchGroup()
            for _ in 0..<min(options.jobs, max(files.count, 1)) {
                group.enter()
                let t = Thread { worker(); group.leave() }
                t.stackSize = 8 << 20
                t.start()
            }
            group.wait()
        }
        let all = board.all
        let passed = all.reduce(0) { $0 + $1.passed }
        let failed = all.reduce(0) { $0 + $1.failed }
        let skipped = all.reduce(0) { $0 + $1.skipped }
        var last = "\(passed) passed, \(failed) failed"
        if skipped > 0 { last += ", \(skipped) skipped" }
        FileHandle.standardOutput.write(Data((last + "\n").utf8))
        return 0
    }
}
