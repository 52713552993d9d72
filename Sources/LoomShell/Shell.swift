// This file implements the `loom` shell: a drop-in for the `sqlite3` command line. It reads
// SQL and dot-commands, runs them through the public Loom API, and prints rows and errors
// as sqlite3 3.40.1 does. Output goes to sinks so tests can capture it.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom).
import Glibc
import Loom

/// The `loom` interactive shell and script runner.
///
/// ```swift
/// let out = BufferSink(), err = BufferSink()
/// let status = Shell.main(arguments: ["loom", ":memory:", "SELECT 1"],
///                         input: StringLineSource(""), output: out, error: err)
/// // out.text == "1\n", status == 0
/// ```
/// Corresponds to SQLite's `shell.c` (the `sqlite3` program).
public final class Shell {
    /// Loom's own version, printed by `-version` and in the banner.
    public static let loomVersion = "0.1.0"
    /// The SQLite release whose behaviour Loom tracks.
    public static let sqliteVersion = "3.40.1"

    public var settings = OutputSettings()
    public var bail = false
    public var echo = false
    /// Prompts and "Parse error:" without a line number, as sqlite3 does on a terminal.
    public var interactive = false
    public var readOnly = false
    /// `.changes on`: print the change counts after each statement.
    public var showChanges = false
    /// `.timer on`: print the time each statement took.
    public var timer = false
    /// `.eqp on`: print each statement's query plan before its rows.
    public var showQueryPlan = false
    /// `.explain off` prints EXPLAIN rows in the current mode instead of sqlite3's layout.
    public var explainLayout = true
    /// The `.explain` setting as `.show` prints it: auto, on or off.
    var explainSetting = "auto"
    /// The mode to return to when `.explain on` ends.
    var modeBeforeExplain: OutputMode = .list
    /// The `.output` file name as `.show` prints it.
    var outputName = "stdout"
    /// The prompts (`.prompt MAIN CONTINUE`).
    public var prompts = (main: "loom> ", continuation: "   ...> ")

    /// Where rows go now: standard output, or a file after `.output FILE` / `.once FILE`.
    private(set) var output: OutputSink
    /// Standard output, to return to after `.output` with no file.
    let standardOutput: OutputSink
    let error: OutputSink
    /// Set by `.once`: commands left before output returns to standard output.
    var onceCountdown = 0
    /// How connections are opened (the Loom engine unless a test substitutes one).
    public var engine: ShellEngine = .loom
    private(set) var database: (any ShellConnection)?
    private(set) var databasePath = ":memory:"
    /// Errors seen so far (the exit status is 1 when any).
    private(set) var errorCount = 0
    /// Set by `.quit` / `.exit`: stop reading and exit with this status.
    var exitRequest: Int32?
    /// `.parameter set` bindings by name as written (`:a`, `@b`, `$c`, `?1`); sqlite3 keeps
    /// them in `temp.sqlite_parameters`, so they last as long as the connection.
    var parameters: [String: DatabaseValue] = [:]

    public init(output: OutputSink, error: OutputSink) {
        self.output = output
        self.standardOutput = output
        self.error = error
    }

    // MARK: opening

    /// Names the database to use; it is opened when first needed, as sqlite3 does, so
    /// `.print` and `.show` work even when the file cannot be opened.
    public func setDatabasePath(_ path: String) {
        if let db = database { try? db.close() }
        database = nil
        databasePath = path
        parameters = [:]
    }

    /// Closes the open connection, if any (at exit: sqlite3 closes its database, so the last
    /// connection to a WAL database checkpoints it and removes its `-wal` and `-shm` files).
    public func closeDatabase() {
        if let db = database { try? db.close() }
        database = nil
    }

    /// The open connection, opening `databasePath` on first use. When that fails the
    /// error is reported and the shell exits with status 1 (sqlite3's behaviour).
    func connection() -> (any ShellConnection)? {
        if let database { return database }
        guard exitRequest == nil else { return nil }
        do {
            database = try openDatabase(databasePath)
            return database
        } catch {
            report("Error: unable to open database \"\(databasePath)\": \(Shell.message(error))")
            exitRequest = 1
            return nil
        }
    }

    /// Opens `path` now (`.open`). On failure the error is reported and a private
    /// in-memory database takes its place, as sqlite3 does; that is not an error.
    func reopen(_ path: String) {
        setDatabasePath(path)
        do {
            database = try openDatabase(path)
        } catch {
            report("Error: unable to open database \"\(path)\": \(Shell.message(error))")
            database = try? openDatabase(":memory:")
        }
    }

    private func openDatabase(_ path: String) throws -> any ShellConnection {
        try engine.open(path, readOnly)
    }

    static func message(_ error: any Error) -> String {
        (error as? DatabaseError)?.message ?? "\(error)"
    }

    // MARK: input processing

    /// Where a piece of SQL came from: it decides how errors are worded.
    enum Origin {
        /// A command-line argument (`Error: in prepare, …`).
        case argument
        /// Standard input or `.read`; the buffer started on this line.
        case line(Int)
    }

    /// Reads `source` to its end (or `.quit`), running each complete statement and each
    /// dot-command. Returns the number of errors.
    @discardableResult
    public func process(_ source: LineSource, prompt: Bool = false) -> Int {
        var buffer = ""
        var bufferLine = 0
        var lineNumber = 0
        var errors = 0
        while exitRequest == nil {
            if prompt {
                output.write(buffer.isEmpty ? prompts.main : prompts.continuation)
                output.flush()
            }
            guard var line = source.nextLine() else { break }
            lineNumber += 1
            if buffer.isEmpty {
                // Blank and comment-only lines between statements are skipped (and echoed).
                if Shell.isPlainWhite(line) {
                    if echo { output.write(line + "\n") }
                    continue
                }
                // (The first byte tested first: two hasPrefix calls per SQL line showed.)
                if let f = line.utf8.first, f == UInt8(ascii: "#") || f == UInt8(ascii: "."),
                   line.hasPrefix("#") || line.hasPrefix(".") {
                    if echo { output.write(line + "\n") }
                    if line.hasPrefix("#") { continue }
                    let ok = runDotCommand(line)
                    commandFinished()
                    if !ok {
                        errors += 1
                        if bail { break }
                    }
                    continue
                }
            }
            if Shell.isTerminatorLine(line) { line = ";" }
            if buffer.isEmpty {
                bufferLine = lineNumber
                // A line starting with a byte that is neither ASCII white space nor part of a
                // multi-byte character has nothing to drop: taken as is (no grapheme walk, no copy).
                if let f = line.utf8.first, f < 0x80, f != 0x20, !(0x09...0x0D).contains(f) {
                    buffer = line
                } else {
                    buffer = String(line.drop(while: \.isWhitespace))
                }
            } else {
                buffer += "\n" + line
            }
            // Rescanning the whole buffer only when this line could have ended it keeps
            // long multi-line statements linear: completion needs a ';' or the end of a
            // comment that hid one.
            let closesComment = Shell.contains(line, 0x2a, 0x2f)
            if closesComment && Shell.isPlainWhite(buffer) {
                // A block comment that spanned lines and closed: nothing to run.
                if echo { output.write(buffer + "\n") }
                buffer = ""
                continue
            }
            if (closesComment || Shell.contains(line, 0x3b)) && engine.isComplete(buffer) {
                let failed = runSQL(buffer, origin: .line(bufferLine)) != nil
                commandFinished()
                buffer = ""
                if failed {
                    errors += 1
                    if bail { break }
                }
            }
        }
        if exitRequest == nil && !buffer.allSatisfy(\.isWhitespace) {
            if runSQL(buffer, origin: .line(bufferLine)) != nil { errors += 1 }
        }
        if prompt && exitRequest == nil { output.write("\n") }
        errorCount += errors
        return errors
    }

    /// True when `text` holds only whitespace and complete comments (`-- …` to the end of a
    /// line, `/* … */`): sqlite3 skips such lines between statements.
    static func isPlainWhite(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isPlainWhite(bytes: $0) }
    }

    private static func isPlainWhite(bytes b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0x20 || (c >= 0x09 && c <= 0x0d) {
                i += 1
            } else if c == 0x2d && i + 1 < b.count && b[i + 1] == 0x2d {
                while i < b.count && b[i] != 0x0a { i += 1 }
            } else if c == 0x2f && i + 1 < b.count && b[i + 1] == 0x2a {
                i += 2
                while i + 1 < b.count && !(b[i] == 0x2a && b[i + 1] == 0x2f) { i += 1 }
                guard i + 1 < b.count else { return false }
                i += 2
            } else {
                return false
            }
        }
        return true
    }

    /// A line that ends the statement being typed: `/` or `go` alone (sqlite3's convention
    /// from SQL Server and Oracle tools).
    /// (A byte scan: Foundation's trimming + lowercasing per input line was 13% of micro_a.)
    static func isTerminatorLine(_ line: String) -> Bool {
        // Up to two non-blank bytes, lower-cased, kept in locals (no array per line).
        var first: UInt8 = 0, second: UInt8 = 0, count = 0
        for c in line.utf8 where c != 0x20 && c != 0x09 {
            if count == 2 { return false }
            let folded = c | (c >= 0x41 && c <= 0x5a ? 0x20 : 0)
            if count == 0 { first = folded } else { second = folded }
            count += 1
        }
        return (count == 1 && first == 0x2f) || (count == 2 && first == 0x67 && second == 0x6f)
    }

    /// Whether `line` contains the two-byte sequence `a b` (or the byte `a` when `b` is nil).
    /// (A UTF-8 scan: Foundation's `String.contains(String)` was 7% of micro_a.)
    /// (Over the contiguous UTF-8 buffer: iterating `String.UTF8View` was 4.5% of micro_a.)
    static func contains(_ line: String, _ a: UInt8, _ b: UInt8? = nil) -> Bool {
        var line = line
        return line.withUTF8 { bytes in
            // memchr for `a` (the pair is rare: only its first byte is scanned for).
            guard let base = bytes.baseAddress else { return false }
            var from = 0
            while from < bytes.count, let hit = memchr(base + from, Int32(a), bytes.count - from) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                guard let b else { return true }
                if i + 1 < bytes.count && bytes[i + 1] == b { return true }
                from = i + 1
            }
            return false
        }
    }

    // MARK: running SQL

    /// Runs every statement of `sql`, printing rows. On the first error it prints it, stops
    /// (the rest of `sql` is skipped, as in sqlite3) and returns its result code.
    @discardableResult
    func runSQL(_ sql: String, origin: Origin) -> ResultCode? {
        if echo { output.write(sql + "\n") }
        guard let db = connection() else { return .error }
        // The text's UTF-8 bytes are copied only for an error report or a query plan (a copy
        // per statement showed in the 200k-INSERT profile).
        var utf8: [UInt8] { Array(sql.utf8) }
        let length = sql.utf8.count
        var position = skipSpace(sql, 0)
        while position < length {
            let statement: (any ShellStatement)?
            let tail: Int
            do {
                (statement, tail) = try db.prepareStatement(sql, from: position)
            } catch let e as DatabaseError {
                reportSQLError(e, phase: .prepare, origin: origin, sql: utf8, start: position)
                return e.code
            } catch {
                report("Error: \(error)")
                return .error
            }
            guard let statement else { break }
            if showQueryPlan && statement.explainMode == 0 {
                let text = String(decoding: utf8[position..<min(max(tail, position), length)], as: UTF8.self)
                // Only a real query plan (id, parent, notused, detail) is shown.
                if let plan = try? db.prepareStatement("EXPLAIN QUERY PLAN " + text, from: 0).statement,
                   plan.explainMode == 2, plan.columnCount == 4 {
                    bindParameters(plan)
                    try? printQueryPlan(plan, skipEmpty: true)
                }
            }
            bindParameters(statement)
            let started = timer ? Shell.clock() : nil
            do {
                try execute(statement)
                // Rows leave at the end of their statement, as sqlite3's do (loom-bench's
                // section markers are timed as they arrive).
                if statement.columnCount > 0 { output.flush() }
                if showChanges { output.write("changes: \(db.changes)   total_changes: \(db.totalChanges)\n") }
                if let started { output.write(Shell.elapsed(since: started)) }
            } catch let e as DatabaseError {
                reportSQLError(e, phase: .step, origin: origin, sql: utf8, start: position)
                return e.code
            } catch {
                report("Error: \(error)")
                return .error
            }
            guard tail > position else { break }
            position = skipSpace(sql, tail)
        }
        return nil
    }

    /// Steps `statement` to the end, printing its rows in the current mode.
    private func execute(_ statement: any ShellStatement) throws {
        let count = statement.columnCount
        guard count > 0 else {
            while try statement.step() {}
            return
        }
        if statement.explainMode == 2 && explainLayout {
            try printQueryPlan(statement, skipEmpty: false)
            return
        }
        if statement.explainMode == 1 && count == 8 && explainLayout {
            try printExplain(statement)
            return
        }
        if settings.mode.isColumnar && settings.widths.count < count {
            // sqlite3 grows its width list to the widest columnar result (`.show` reveals it).
            settings.widths += Array(repeating: 0, count: count - settings.widths.count)
        }
        let renderer = RowRenderer(settings: settings, names: statement.columnNames, out: output)
        defer { renderer.finish() }
        while try statement.step() {
            renderer.add((0..<count).map(statement.column))
        }
    }

    /// `EXPLAIN QUERY PLAN` output: "QUERY PLAN" and the plan as a tree.
    private func printQueryPlan(_ statement: any ShellStatement, skipEmpty: Bool) throws {
        var nodes: [(id: Int64, parent: Int64, detail: String)] = []
        while try statement.step() {
            func int(_ v: DatabaseValue) -> Int64 { if case .integer(let i) = v { return i }; return 0 }
            nodes.append((int(statement.column(0)), int(statement.column(1)),
                          statement.column(3).textRepresentation ?? ""))
        }
        if skipEmpty && nodes.isEmpty { return }
        var text = "QUERY PLAN\n"
        func walk(_ parent: Int64, _ prefix: String, depth: Int) {
            guard depth < 100 else { return }
            let children = nodes.filter { $0.parent == parent }
            for (i, node) in children.enumerated() {
                let last = i == children.count - 1
                text += prefix + (last ? "`--" : "|--") + node.detail + "\n"
                walk(node.id, prefix + (last ? "   " : "|  "), depth: depth + 1)
            }
        }
        walk(0, "", depth: 0)
        output.write(text)
    }

    /// `EXPLAIN` output: sqlite3's fixed columns, loop bodies indented two spaces.
    private func printExplain(_ statement: any ShellStatement) throws {
        var rows: [[String]] = []
        var p1: [Int64] = [], p2: [Int64] = []
        while try statement.step() {
            var row: [String] = []
            for i in 0..<8 {
                let v = statement.column(i)
                row.append(v == .null && i == 7 ? "" : (v.textRepresentation ?? settings.nullValue))
            }
            rows.append(row)
            func int(_ v: DatabaseValue) -> Int64 { if case .integer(let i) = v { return i }; return -1 }
            p1.append(int(statement.column(2)))
            p2.append(int(statement.column(3)))
        }
        var indent = [Int](repeating: 0, count: rows.count)
        let loops: Set<String> = ["Next", "Prev", "VNext", "VPrev", "SorterNext"]
        let jumps: Set<String> = ["Goto", "Return"]
        let loopHeads: Set<String> = ["Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind"]
        for (address, row) in rows.enumerated() {
            let target = Int(clamping: p2[address])
            guard target >= 0, target < address else { continue }
            let indents = loops.contains(row[1])
                || (jumps.contains(row[1]) && (loopHeads.contains(rows[target][1]) || p1[address] != 0))
            if indents { for a in target..<address { indent[a] += 2 } }
        }
        let widths = [4, 13, 4, 4, 4, 13, 2, 13]
        func pad(_ s: String, _ w: Int) -> String {
            let n = s.unicodeScalars.count
            return n >= w ? s : s + String(repeating: " ", count: w - n)
        }
        var text = ""
        let names = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]
        text += zip(names, widths).map { pad($0, $1) }.joined(separator: "  ") + "\n"
        text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for (address, row) in rows.enumerated() {
            var cells: [String] = []
            for i in 0..<8 {
                if i == 1 {
                    cells.append(String(repeating: " ", count: min(indent[address], 200)) + pad(row[1], 13))
                } else if i == 7 {
                    cells.append(row[7])
                } else {
                    cells.append(pad(row[i], widths[i]))
                }
            }
            text += cells.joined(separator: "  ") + "\n"
        }
        output.write(text)
    }

    private enum Phase { case prepare, step }

    private func reportSQLError(_ e: DatabaseError, phase: Phase, origin: Origin, sql: [UInt8], start: Int) {
        var text: String
        switch (origin, phase) {
        case (.argument, .prepare): text = "Error: in prepare, "
        case (.argument, .step): text = "Error: stepping, "
        case (.line(let n), .prepare): text = interactive ? "Parse error: " : "Parse error near line \(n): "
        case (.line(let n), .step): text = interactive ? "Runtime error: " : "Runtime error near line \(n): "
        }
        text += e.message
        let primary = e.code.rawValue & 0xff
        if primary > 1 { text += " (\(primary))" }
        if phase == .prepare, let offset = e.offset, offset >= start {
            text += Shell.errorContext(Array(sql[start...]), offset: offset - start)
        }
        report(text)
    }

    /// The two lines sqlite3 prints under a syntax error: the statement (from its start,
    /// whitespace shown as spaces, at most 78 bytes, scrolled so the error is within 50
    /// bytes of the left) and a caret under the offending byte.
    static func errorContext(_ sql: [UInt8], offset: Int) -> String {
        var start = 0
        var column = min(max(offset, 0), sql.count)
        while column > 50 && start < sql.count {
            start += 1
            column -= 1
            while start < sql.count && sql[start] & 0xC0 == 0x80 {
                start += 1
                column -= 1
            }
        }
        var end = sql.count
        if end - start > 78 {
            end = start + 78
            while end > start && end < sql.count && sql[end] & 0xC0 == 0x80 { end -= 1 }
        }
        let code = sql[start..<end].map { b -> UInt8 in
            (b == 0x20 || (b >= 0x09 && b <= 0x0d)) ? 0x20 : b
        }
        let caret: String
        if column < 25 {
            caret = String(repeating: " ", count: max(column, 0)) + "^--- error here"
        } else {
            caret = String(repeating: " ", count: max(column - 14, 0)) + "error here ---^"
        }
        return "\n  " + String(decoding: code, as: UTF8.self) + "\n  " + caret
    }

    private func skipSpace(_ sql: String, _ from: Int) -> Int {
        var sql = sql
        return sql.withUTF8 { bytes in
            var i = max(from, 0)
            while i < bytes.count && (bytes[i] == 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0d)) { i += 1 }
            return i
        }
    }

    /// Sends output to `sink` (nil: back to standard output), closing a previous file.
    func redirectOutput(to sink: OutputSink?) {
        output.flush()
        if let file = output as? FileSink { file.close() }
        output = sink ?? standardOutput
        if sink == nil { outputName = "stdout" }
    }

    /// Counts down a `.once` redirection after each command.
    func commandFinished() {
        guard onceCountdown > 0 else { return }
        onceCountdown -= 1
        if onceCountdown == 0 { redirectOutput(to: nil) }
    }

    /// Wall, user and system time now, for `.timer`.
    static func clock() -> (real: Double, user: Double, system: Double) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9, seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// sqlite3's `.timer` line.
    static func elapsed(since start: (real: Double, user: Double, system: Double)) -> String {
        let end = clock()
        return "Run Time: real " + Posix.fixed(end.real - start.real, decimals: 3)
            + " user " + Posix.fixed(end.user - start.user, decimals: 6)
            + " sys " + Posix.fixed(end.system - start.system, decimals: 6) + "\n"
    }

    /// Writes one line to standard error.
    func report(_ message: String) {
        output.flush()
        error.write(message + "\n")
        error.flush()
    }
}
