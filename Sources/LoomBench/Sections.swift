// This file implements the speedtest1 section parser and the script rewrite that puts a
// marker SELECT at each section boundary, plus the statistics loom-bench reports.
// Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench.

/// One `-- begin test N …` / `-- end test N` section of a speedtest1 script.
public struct Section: Sendable, Equatable {
    public var id: String
    public var title: String
}

/// The text every marker line carries; the rest is `begin N`, `end N` or `setup`.
public let benchMark = "loom-bench-mark"

/// The marker statement for `tag` (`SELECT 'loom-bench-mark begin 100';`).
public func markerStatement(_ tag: String) -> String { "SELECT '\(benchMark) \(tag)';" }

/// Finds the sections of a script (empty for scripts without `-- begin test` comments).
public func parseSections(_ script: String) -> [Section] {
    var out: [Section] = []
    script.enumerateLinesFast { line in
        if let (id, title) = beginTest(line) { out.append(Section(id: id, title: title)) }
    }
    return out
}

/// `-- begin test 100 2500 INSERTs…` → ("100", "2500 INSERTs…").
func beginTest(_ line: Substring) -> (String, String)? {
    let prefix = "-- begin test "
    guard line.hasPrefix(prefix) else { return nil }
    let rest = line.dropFirst(prefix.count).drop(while: { $0 == " " })
    let id = rest.prefix(while: { $0 != " " && $0 != "\t" && $0 != "\r" })
    guard !id.isEmpty else { return nil }
    let title = rest.dropFirst(id.count).trimmingSpaces()
    return (String(id), String(title))
}

/// `-- end test 100` → "100".
func endTest(_ line: Substring) -> String? {
    let prefix = "-- end test "
    guard line.hasPrefix(prefix) else { return nil }
    let id = line.dropFirst(prefix.count).drop(while: { $0 == " " }).prefix(while: { $0 != " " && $0 != "\t" && $0 != "\r" })
    return id.isEmpty ? nil : String(id)
}

/// The script with `SELECT 'loom-bench-mark begin N';` before each begin comment and
/// `… end N` after each end comment. Comments sit between statements in speedtest1 logs.
public func insertMarkers(_ script: String) -> String {
    var out = ""
    out.reserveCapacity(script.utf8.count + 4096)
    script.enumerateLinesFast { line in
        if let (id, _) = beginTest(line) {
            out += markerStatement("begin \(id)") + "\n"
            out += line
            out += "\n"
        } else if let id = endTest(line) {
            out += line
            out += "\n" + markerStatement("end \(id)") + "\n"
        } else {
            out += line
            out += "\n"
        }
    }
    return out
}

extension String {
    /// Calls `body` with each line (without its LF or CRLF; Swift sees CRLF as one Character).
    func enumerateLinesFast(_ body: (Substring) -> Void) {
        for line in self.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            body(line)
        }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}

/// The median (mean of the middle two for an even count); nil when empty.
public func median(_ xs: [Double]) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/// a / b, nil when either is missing or b is zero.
public func ratio(_ a: Double?, _ b: Double?) -> Double? {
    guard let a, let b, b > 0 else { return nil }
    return a / b
}

/// Per-section durations from timestamped marker tags: `end N` − `begin N`.
public func sectionDurations(_ marks: [(tag: String, time: Double)]) -> [String: Double] {
    var begins: [String: Double] = [:]
    var out: [String: Double] = [:]
    for (tag, time) in marks {
        let parts = tag.split(separator: " ")
        guard parts.count == 2 else { continue }
        let id = String(parts[1])
        if parts[0] == "begin" { begins[id] = time }
        if parts[0] == "end", let b = begins[id] { out[id] = time - b }
    }
    return out
}
