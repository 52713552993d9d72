// This file implements the SLTEngine over the public Loom API, and one over a long-running
// sqlite3 CLI process (used to check the runner itself against the real SQLite).
// Layer: tools (loom-slt). Spec: Spec/tools.md, section loom-slt.
import Foundation
import Loom

extension DatabaseError: DatabaseErrorLike { var messageText: String { message } }

/// Runs scripts on Loom: one fresh `:memory:` database per engine.
public final class LoomEngine: SLTEngine {
    let db: Database
    public init() throws { db = try Database() }

    public func execute(_ sql: String) throws { try db.execute(sql) }

    public func query(_ sql: String) throws -> (rows: [[SLTValue]], error: Error?) {
        let (prepared, _) = try db.prepareNext(sql, from: 0)
        guard let statement = prepared else { return ([], nil) }
        var rows: [[SLTValue]] = []
        do {
            while try statement.step() { rows.append(statement.row) }
        } catch {
            return (rows, error)
        }
        return (rows, nil)
    }
}

/// An error reported by the sqlite3 CLI engine.
public struct CLIError: Error, CustomStringConvertible, DatabaseErrorLike {
    public var description: String
    var messageText: String { description }
}

/// Runs scripts on the real `sqlite3` CLI: one process (an in-memory database) per engine,
/// talking `.mode quote` through pipes; a marker line ends each answer.
public final class SQLite3CLIEngine: SLTEngine {
    private let process = Process()
    private let input: FileHandle
    private let output: FileHandle
    private var buffer: [UInt8] = []
    private static let marker = "~~loom-slt-marker-7f3e~~"

    public init(path: String = "/usr/bin/sqlite3") throws {
        // stdbuf makes sqlite3's stdout line-buffered so each answer arrives before the next
        // question; stderr goes into the same pipe, in order.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec stdbuf -oL \"$0\" -batch 2>&1", path]
        let inPipe = Pipe(), outPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        input = inPipe.fileHandleForWriting
        output = outPipe.fileHandleForReading
        try process.run()
        try send(".mode quote\n.bail off\n")
    }

    deinit {
        try? input.close()
        process.waitUntilExit()
    }

    private func send(_ text: String) throws {
        try input.write(contentsOf: Data(text.utf8))
    }

    /// Sends `sql` and returns everything printed before the marker line.
    private func roundTrip(_ sql: String) throws -> [UInt8] {
        try send(sql + "\n;\n.print " + SQLite3CLIEngine.marker + "\n")
        let mark = Array((SQLite3CLIEngine.marker + "\n").utf8)
        var scanned = 0
        while true {
            // The marker line starts the buffer or follows a newline.
            var p = scanned
            while p + mark.count <= buffer.count {
                if (p == 0 || buffer[p - 1] == 0x0A) && buffer[p] == mark[0] {
                    var k = 1
                    while k < mark.count && buffer[p + k] == mark[k] { k += 1 }
                    if k == mark.count {
                        let answer = Array(buffer[..<p])
                        buffer.removeFirst(p + mark.count)
                        return answer
                    }
                }
                p += 1
            }
            scanned = max(0, buffer.count - mark.count)
            let chunk = output.availableData
            if chunk.isEmpty { throw CLIError(description: "sqlite3 exited") }
            buffer.append(contentsOf: chunk)
        }
    }

    public func execute(_ sql: String) throws {
        let answer = try roundTrip(sql)
        if let e = errorLine(answer) { throw CLIError(description: e) }
    }

    public func query(_ sql: String) throws -> (rows: [[SLTValue]], error: Error?) {
        let answer = try roundTrip(sql)
        var (rows, errorText) = parseQuoted(answer)
        if let errorText {
            if errorText.hasPrefix("Runtime error") { return (rows, CLIError(description: errorText)) }
            rows = []
            throw CLIError(description: errorText)
        }
        return (rows, nil)
    }

    private func errorLine(_ answer: [UInt8]) -> String? {
        for line in answer.split(separator: 0x0A) {
            let s = String(decoding: line, as: UTF8.self)
            if s.hasPrefix("Parse error") || s.hasPrefix("Runtime error") || s.hasPrefix("Error") { return s }
        }
        return nil
    }
}

/// Parses `.mode quote` output into rows; stops at an error line and returns it.
func parseQuoted(_ b: [UInt8]) -> (rows: [[SLTValue]], error: String?) {
    var rows: [[SLTValue]] = []
    var row: [SLTValue] = []
    var i = 0
    let n = b.count
    func restOfLine() -> String {
        var j = i
        while j < n && b[j] != 0x0A { j += 1 }
        return String(decoding: b[i..<j], as: UTF8.self)
    }
    while i < n {
        let c = b[i]
        if row.isEmpty {
            // At the start of a line: an error message?
            let line = restOfLine()
            if line.hasPrefix("Parse error") || line.hasPrefix("Runtime error") || line.hasPrefix("Error") {
                return (rows, line)
            }
        }
        if c == UInt8(ascii: "'") {
            var text: [UInt8] = []
            i += 1
            while i < n {
                if b[i] == UInt8(ascii: "'") {
                    if i + 1 < n && b[i + 1] == UInt8(ascii: "'") { text.append(b[i]); i += 2; continue }
                    i += 1
                    break
                }
                text.append(b[i])
                i += 1
            }
            row.append(.text(String(decoding: text, as: UTF8.self)))
        } else if (c == UInt8(ascii: "X") || c == UInt8(ascii: "x")) && i + 1 < n && b[i + 1] == UInt8(ascii: "'") {
            i += 2
            var bytes: [UInt8] = []
            var hex: [UInt8] = []
            while i < n && b[i] != UInt8(ascii: "'") { hex.append(b[i]); i += 1 }
            i += 1
            var k = 0
            while k + 1 < hex.count {
                bytes.append(UInt8(String(decoding: hex[k..<(k + 2)], as: UTF8.self), radix: 16) ?? 0)
                k += 2
            }
            row.append(.blob(bytes))
        } else {
            var j = i
            while j < n && b[j] != UInt8(ascii: ",") && b[j] != 0x0A { j += 1 }
            let token = String(decoding: b[i..<j], as: UTF8.self)
            i = j
            if token == "NULL" {
                row.append(.null)
            } else if let v = Int64(token) {
                row.append(.integer(v))
            } else if token == "Inf" || token == "1e999" {
                row.append(.real(.infinity))
            } else if token == "-Inf" || token == "-1e999" {
                row.append(.real(-.infinity))
            } else {
                row.append(.real(Double(token) ?? .nan))
            }
        }
        if i < n && b[i] == UInt8(ascii: ",") {
            i += 1
        } else {
            if i < n && b[i] == 0x0A { i += 1 }
            rows.append(row)
            row = []
        }
    }
    if !row.isEmpty { rows.append(row) }
    return (rows, nil)
}
