// This file implements OracleProcess: a sqlite3 CLI kept running, fed one script at a time,
// so a test can hold a lock in another process while Loom acts. Tests only (Foundation).
import Foundation

/// A running `sqlite3` process. `send` writes SQL (or dot-commands) and waits until sqlite3
/// has executed it, returning what it printed to standard output and standard error.
///
/// ```swift
/// let other = try OracleProcess([path])
/// _ = try other.send("BEGIN EXCLUSIVE;")     // sqlite3 now holds the lock
/// ...
/// _ = try other.send("COMMIT;")
/// other.close()
/// ```
public final class OracleProcess: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()
    private var counter = 0

    public init(_ arguments: [String]) throws {
        guard let path = Oracle.path else { throw OracleError.notInstalled }
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: path)
        // -batch keeps it non-interactive; errors go to stdout so replies stay in order.
        process.arguments = ["-batch"] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Runs `script` and returns everything sqlite3 printed while running it.
    @discardableResult
    public func send(_ script: String) throws -> String {
        counter += 1
        let marker = "__oracle_done_\(counter)__"
        let text = script + "\n.print \(marker)\n"
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        let needle = Data((marker + "\n").utf8)
        while true {
            if let r = buffer.range(of: needle) {
                let reply = buffer[buffer.startIndex..<r.lowerBound]
                buffer = Data(buffer[r.upperBound...])
                return String(decoding: reply, as: UTF8.self)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return String(decoding: buffer, as: UTF8.self) }  // exited
            buffer.append(chunk)
        }
    }

    /// Closes sqlite3's input and waits for it to exit.
    public func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
