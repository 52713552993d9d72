// This file implements the sqlite3 oracle: run the real sqlite3 CLI and capture its output,
// so tests can compare Loom with it. Tests only (Foundation allowed).
import Foundation

/// The real `sqlite3` command line, the reference for every answer.
public enum Oracle {
    public struct Output: Equatable, Sendable {
        public var stdout: String
        public var stderr: String
        public var status: Int32
    }

    /// The sqlite3 executable, or nil when it is not installed (tests then skip).
    public static let path: String? = {
        for p in ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return nil
    }()

    public static var isAvailable: Bool { path != nil }

    /// Runs `sqlite3 arguments...` with `input` on standard input.
    public static func run(_ arguments: [String], input: String = "") throws -> Output {
        guard let path else { throw OracleError.notInstalled }
        return try runProcess(path, arguments, input: input)
    }
}

public enum OracleError: Error { case notInstalled }

/// Runs an executable with standard input, capturing standard output and error.
public func runProcess(_ executable: String, _ arguments: [String], input: String = "") throws -> Oracle.Output {
    // A child that exits without reading its input must not kill the test process with
    // SIGPIPE: ignore the signal and let the write fail quietly instead.
    signal(SIGPIPE, SIG_IGN)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
    process.standardInput = inPipe
    process.standardOutput = outPipe
    process.standardError = errPipe
    try process.run()
    // Write input and read outputs concurrently so large outputs cannot deadlock the pipes.
    let data = Data(input.utf8)
    let writer = Thread {
        try? inPipe.fileHandleForWriting.write(contentsOf: data)
        try? inPipe.fileHandleForWriting.close()
    }
    writer.start()
    nonisolated(unsafe) var errData = Data()
    let errReader = Thread { errData = errPipe.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while errReader.isExecuting || !errReader.isFinished { usleep(1000) }
    return Oracle.Output(stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self),
                         status: process.terminationStatus)
}

/// A fresh temporary directory for one test; removed by `cleanup()`.
public struct TemporaryDirectory: Sendable {
    public let path: String
    public init(_ name: String = "loom") throws {
        let base = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }
    public func file(_ name: String) -> String { path + "/" + name }
    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// A seeded random generator (SplitMix64) whose seed failures print: set `LOOM_SEED` to
/// replay one, `LOOM_RANDOM_SEEDS=1` to draw fresh seeds.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public let seed: UInt64
    public init(seed: UInt64? = nil) {
        // Deterministic by default so CI is repeatable; LOOM_SEED replays one seed and
        // LOOM_RANDOM_SEEDS=1 explores fresh ones (the seed is in every failure message).
        let env = ProcessInfo.processInfo.environment
        let s = seed ?? env["LOOM_SEED"].flatMap(UInt64.init)
            ?? (env["LOOM_RANDOM_SEEDS"] == "1" ? UInt64.random(in: 0...UInt64.max) : 0x5EED_1005)
        self.seed = s
        self.state = s
    }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
