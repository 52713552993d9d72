// This file implements the shell's output modes: how one statement's rows are written in
// list, csv, json, line, column, box, table, markdown, quote, insert, html and ascii modes,
// byte for byte as sqlite3 3.40.1 writes them.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Output modes").
import Glibc
import Loom

/// An output mode of the shell (`.mode NAME`).
public enum OutputMode: String, Sendable, CaseIterable {
    case ascii, box, column, csv, html, insert, json, line, list, markdown, quote, table, tcl
    /// `.explain on`: sqlite3's EXPLAIN layout for every result (not a `.mode` name).
    case explain
    // `tabs` is list mode with a tab separator, as in sqlite3 (`.mode` then reports "list").

    /// The modes that collect every row first and print aligned columns.
    var isColumnar: Bool {
        switch self {
        case .column, .box, .table, .markdown: return true
        default: return false
        }
    }
}

/// Everything that decides how rows are printed; the shell's dot-commands change it.
public struct OutputSettings: Sendable {
    public var mode: OutputMode = .list
    public var showHeader = false
    /// Set once headers were chosen explicitly (`.headers`, `-header`, `-noheader`):
    /// `.mode column` then leaves them alone.
    public var headerExplicit = false
    public var columnSeparator = "|"
    public var rowSeparator = "\n"
    public var nullValue = ""
    /// `.width` values: 0 automatic, negative right-aligned.
    public var widths: [Int] = []
    /// Columnar modes wrap cells at this many characters (0: never); `--wrap N`.
    public var wrap = 0
    /// `--wordwrap on`: wrap after a word rather than at exactly `wrap` characters.
    public var wordWrap = false
    /// `--quote` (and `.mode qbox`): columnar cells shown as SQL literals.
    public var quoteCells = false
    /// The table name of insert mode.
    public var insertTable = "table"

    public init() {}
}

/// Writes the rows of one statement in the current mode. Create one per statement, feed it
/// with `add(_:)`, and call `finish()` once (also after an error: columnar and json modes
/// print what they have).
final class RowRenderer {
    private let settings: OutputSettings
    private let names: [String]
    private let out: OutputSink
    private var count = 0
    private var collected: [[DatabaseValue]] = []

    private let columnSeparator: [UInt8]
    private let rowSeparator: [UInt8]
    private let nullText: [UInt8]

    init(settings: OutputSettings, names: [String], out: OutputSink) {
        self.settings = settings
        self.names = names
        self.out = out
        columnSeparator = Array(settings.columnSeparator.utf8)
        rowSeparator = Array(settings.rowSeparator.utf8)
        nullText = Array(settings.nullValue.utf8)
    }

    func add(_ row: [DatabaseValue]) {
        defer { count += 1 }
        if settings.mode.isColumnar {
            collected.append(row)
            return
        }
        var line: [UInt8] = []
        switch settings.mode {
        case .list, .ascii: renderList(row, into: &line, csv: false)
        case .csv: renderList(row, into: &line, csv: true)
        case .line: renderLine(row, into: &line)
        case .json: renderJSON(row, into: &line)
        case .quote: renderQuote(row, into: &line)
        case .insert: renderInsert(row, into: &line)
        case .html: renderHTML(row, into: &line)
        case .tcl: renderTcl(row, into: &line)
        case .explain: renderExplain(row, into: &line)
        case .column, .box, .table, .markdown: break
        }
        out.write(line)
    }

    func finish() {
        if settings.mode.isColumnar {
            if !collected.isEmpty { out.write(renderColumnar()) }
        } else if settings.mode == .json && count > 0 {
            out.write(Array("]\n".utf8))
        }
    }

    // MARK: list, csv, tabs, ascii

    private func renderList(_ row: [DatabaseValue], into line: inout [UInt8], csv: Bool) {
        let sep = columnSeparator
        if count == 0 && settings.showHeader {
            for (i, name) in names.enumerated() {
                if i > 0 { line += sep }
                let bytes = cString(Array(name.utf8))
                line += csv ? csvQuoted(bytes, separator: sep) : bytes
            }
            line += rowSeparator
        }
        for (i, value) in row.enumerated() {
            if i > 0 { line += sep }
            if let bytes = cText(value) {
                line += csv ? csvQuoted(bytes, separator: sep) : bytes
            } else {
                line += nullText
            }
        }
        line += rowSeparator
    }

    private func csvQuoted(_ bytes: [UInt8], separator: [UInt8]) -> [UInt8] {
        let needs = bytes.isEmpty
            || bytes.contains(where: { $0 < 0x20 || $0 >= 0x7f || $0 == 0x22 || $0 == 0x27 || $0 == 0x20 })
            || (!separator.isEmpty && contains(bytes, separator))
        guard needs else { return bytes }
        var q: [UInt8] = [0x22]
        for b in bytes {
            q.append(b)
            if b == 0x22 { q.append(0x22) }
        }
        q.append(0x22)
        return q
    }

    // MARK: line

    private func renderLine(_ row: [DatabaseValue], into line: inout [UInt8]) {
        let rowSep = rowSeparator
        if count > 0 { line += rowSep }
        let width = names.reduce(5) { max($0, $1.utf8.count) }
        for (i, value) in row.enumerated() {
            let name = i < names.count ? Array(names[i].utf8) : []
            line += repeatElement(0x20, count: max(width - name.count, 0))
            line += name
            line += Array(" = ".utf8)
            line += cText(value) ?? nullText
            line += rowSep
        }
    }

    // MARK: json

    private func renderJSON(_ row: [DatabaseValue], into line: inout [UInt8]) {
        line += Array((count == 0 ? "[{" : ",\n{").utf8)
        for (i, value) in row.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            jsonString(Array((i < names.count ? names[i] : "").utf8), into: &line)
            line.append(UInt8(ascii: ":"))
            switch value {
            case .null: line += Array("null".utf8)
            case .integer(let v): line += Array(String(v).utf8)
            case .real(let r):
                if r.isInfinite { line += Array((r < 0 ? "-1e999" : "1e999").utf8) }
                else { line += Array(DatabaseValue.renderReal(r, significantDigits: 20).utf8) }
            case .text(let s): jsonString(cString(Array(s.utf8)), into: &line)
            case .blob(let b): jsonString(b, into: &line)
            }
        }
        line.append(UInt8(ascii: "}"))
    }

    private func jsonString(_ bytes: [UInt8], into line: inout [UInt8]) {
        line.append(0x22)
        for b in bytes {
            switch b {
            case 0x22: line += [0x5c, 0x22]
            case 0x5c: line += [0x5c, 0x5c]
            case 0x08: line += [0x5c, UInt8(ascii: "b")]
            case 0x0c: line += [0x5c, UInt8(ascii: "f")]
            case 0x0a: line += [0x5c, UInt8(ascii: "n")]
            case 0x0d: line += [0x5c, UInt8(ascii: "r")]
            case 0x09: line += [0x5c, UInt8(ascii: "t")]
            case 0..<0x20: line += Array("\\u00".utf8) + hex(b)
            default: line.append(b)
            }
        }
        line.append(0x22)
    }

    // MARK: quote, insert

    private func renderQuote(_ row: [DatabaseValue], into line: inout [UInt8]) {
        let sep = columnSeparator
        if count == 0 && settings.showHeader {
            for (i, name) in names.enumerated() {
                if i > 0 { line += sep }
                line += sqlStringLiteral(cString(Array(name.utf8)))
            }
            line += rowSeparator
        }
        for (i, value) in row.enumerated() {
            if i > 0 { line += sep }
            line += sqlLiteral(value, forInsert: false)
        }
        line += rowSeparator
    }

    private func renderInsert(_ row: [DatabaseValue], into line: inout [UInt8]) {
        line += Array("INSERT INTO \(quoteIdentifierIfNeeded(settings.insertTable))".utf8)
        if settings.showHeader {
            line += Array(("(" + names.map(quoteIdentifierIfNeeded).joined(separator: ",") + ")").utf8)
        }
        line += Array(" VALUES(".utf8)
        for (i, value) in row.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            line += sqlLiteral(value, forInsert: true)
        }
        line += Array(");\n".utf8)
    }

    // MARK: explain

    /// The first eight columns at EXPLAIN's widths; header names cut to the width, values
    /// not; the last value unpadded.
    private func renderExplain(_ row: [DatabaseValue], into line: inout [UInt8]) {
        let widths = [4, 13, 4, 4, 4, 13, 2, 13]
        let shown = min(row.count, widths.count)
        func padded(_ bytes: [UInt8], _ width: Int) -> [UInt8] {
            let n = bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            return bytes + Array(repeating: 0x20, count: max(width - n, 0))
        }
        if count == 0 {
            for c in 0..<shown {
                if c > 0 { line += [0x20, 0x20] }
                let name = Array((c < names.count ? names[c] : "").unicodeScalars.prefix(widths[c]).map(String.init).joined().utf8)
                line += padded(name, widths[c])
            }
            line.append(0x0a)
            for c in 0..<shown {
                if c > 0 { line += [0x20, 0x20] }
                line += Array(repeating: UInt8(ascii: "-"), count: widths[c])
            }
            line.append(0x0a)
        }
        for c in 0..<shown {
            if c > 0 { line += [0x20, 0x20] }
            let text = cText(row[c]) ?? nullText
            line += c == shown - 1 ? text : padded(text, widths[c])
        }
        line.append(0x0a)
    }

    // MARK: tcl

    private func renderTcl(_ row: [DatabaseValue], into line: inout [UInt8]) {
        if count == 0 && settings.showHeader {
            for (i, name) in names.enumerated() {
                if i > 0 { line += columnSeparator }
                line += cQuoted(cString(Array(name.utf8)))
            }
            line += rowSeparator
        }
        for (i, value) in row.enumerated() {
            if i > 0 { line += columnSeparator }
            line += cQuoted(cText(value) ?? nullText)
        }
        line += rowSeparator
    }

    /// A C string literal: `\"`, `\\`, `\t`, `\n`, `\r`, other unprintable bytes as `\ooo`.
    private func cQuoted(_ bytes: [UInt8]) -> [UInt8] {
        var r: [UInt8] = [0x22]
        for b in bytes {
            switch b {
            case 0x22: r += [0x5c, 0x22]
            case 0x5c: r += [0x5c, 0x5c]
            case 0x09: r += [0x5c, UInt8(ascii: "t")]
            case 0x0a: r += [0x5c, UInt8(ascii: "n")]
            case 0x0d: r += [0x5c, UInt8(ascii: "r")]
            case 0x20..<0x7f: r.append(b)
            default:
                r += [0x5c, UInt8(ascii: "0") + (b >> 6), UInt8(ascii: "0") + ((b >> 3) & 7), UInt8(ascii: "0") + (b & 7)]
            }
        }
        r.append(0x22)
        return r
    }

    // MARK: html

    private func renderHTML(_ row: [DatabaseValue], into line: inout [UInt8]) {
        if count == 0 && settings.showHeader {
            line += Array("<TR>".utf8)
            for name in names {
                line += Array("<TH>".utf8) + htmlEscaped(cString(Array(name.utf8))) + Array("</TH>\n".utf8)
            }
            line += Array("</TR>\n".utf8)
        }
        line += Array("<TR>".utf8)
        for value in row {
            let text = cText(value) ?? Array(settings.nullValue.utf8)
            line += Array("<TD>".utf8) + htmlEscaped(text) + Array("</TD>\n".utf8)
        }
        line += Array("</TR>\n".utf8)
    }

    private func htmlEscaped(_ bytes: [UInt8]) -> [UInt8] {
        var r: [UInt8] = []
        for b in bytes {
            switch b {
            case UInt8(ascii: "<"): r += Array("&lt;".utf8)
            case UInt8(ascii: ">"): r += Array("&gt;".utf8)
            case UInt8(ascii: "&"): r += Array("&amp;".utf8)
            case UInt8(ascii: "\""): r += Array("&quot;".utf8)
            case UInt8(ascii: "'"): r += Array("&#39;".utf8)
            default: r.append(b)
            }
        }
        return r
    }

    // MARK: column, box, table, markdown

    /// One cell split into display lines (tabs expanded, control characters break lines,
    /// long lines wrapped), with each line's width in characters.
    private struct Cell {
        var lines: [[UInt8]] = []
        var widths: [Int] = []
    }

    /// Splits one cell's bytes into display lines, as sqlite3 3.40 does:
    /// - a line takes characters until it holds `limit` of them (0: no limit); a tab
    ///   advances to the next multiple of 8 but never past the limit;
    /// - any other byte below 0x20 ends the line and is dropped (CR LF counts once); one
    ///   at the very end adds no empty line, nor does one right after a full line;
    /// - with `wordWrap`, a full line is cut back to just after the last whitespace byte
    ///   in its second half (by bytes), else to the last change between ASCII
    ///   letters/digits and other bytes there; spaces after such a cut are skipped.
    private func makeCell(_ bytes: [UInt8], wrapAt limit: Int, wordWrap: Bool) -> Cell {
        var cell = Cell()
        let maxWidth = limit > 0 ? limit : Int.max
        func byte(_ i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }
        func isAlnum(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0d) }
        /// Bytes [from, to) with tabs expanded, and the width in characters.
        func display(_ from: Int, _ to: Int) -> ([UInt8], Int) {
            var out: [UInt8] = []
            var width = 0
            var i = from
            while i < to {
                if bytes[i] == 0x09 {
                    repeat {
                        out.append(0x20)
                        width += 1
                    } while width % 8 != 0 && width < maxWidth
                    i += 1
                    continue
                }
                out.append(bytes[i])
                if bytes[i] & 0xC0 != 0x80 { width += 1 }
                i += 1
            }
            return (out, width)
        }
        var start = 0
        while true {
            var i = start
            var width = 0
            while width < maxWidth {
                let b = byte(i)
                if b >= 0x20 {
                    width += 1
                    repeat { i += 1 } while byte(i) & 0xC0 == 0x80
                    continue
                }
                if b == 0x09 && i < bytes.count {
                    repeat { width += 1 } while width % 8 != 0 && width < maxWidth
                    i += 1
                    continue
                }
                break
            }
            var end = i
            if width >= maxWidth && wordWrap {
                let half = (i - start) / 2
                var k = i - start
                while k > half && !isSpace(bytes[start + k - 1]) { k -= 1 }
                if k <= half {
                    k = i - start
                    while k > half && !(isAlnum(bytes[start + k - 1]) != isAlnum(byte(start + k))
                                         && byte(start + k) & 0xC0 != 0x80) { k -= 1 }
                }
                if k > half {
                    end = start + k
                    i = end
                    while byte(i) == 0x20 { i += 1 }
                }
            }
            let (line, lineWidth) = display(start, end)
            cell.lines.append(line)
            cell.widths.append(lineWidth)
            if width >= maxWidth && byte(i) >= 0x20 {
                start = i
            } else if byte(i) == 0x0d && byte(i + 1) == 0x0a {
                guard i + 2 < bytes.count else { break }
                start = i + 2
            } else if i >= bytes.count || i + 1 >= bytes.count {
                break
            } else {
                start = i + 1
            }
        }
        return cell
    }

    private func renderColumnar() -> [UInt8] {
        let mode = settings.mode
        let columnCount = max(names.count, collected.map(\.count).max() ?? 0)
        var limits: [Int] = []
        var widths: [Int] = []
        var rightAligned: [Bool] = []
        for c in 0..<columnCount {
            let explicit = c < settings.widths.count ? settings.widths[c] : 0
            limits.append(explicit != 0 ? abs(explicit) : settings.wrap)
            widths.append(explicit != 0 ? abs(explicit) : 0)
            rightAligned.append(explicit < 0)
        }
        let showHeader = mode != .column || settings.showHeader
        var header: [Cell] = []
        for c in 0..<columnCount {
            let name = c < names.count ? cString(Array(names[c].utf8)) : []
            var cell = makeCell(name, wrapAt: limits[c], wordWrap: settings.wordWrap)
            cell.lines = [cell.lines.first ?? []]
            cell.widths = [cell.widths.first ?? 0]
            header.append(cell)
            // The header counts even when it is not shown (sqlite3 does the same).
            widths[c] = max(widths[c], cell.widths[0])
        }
        var rows: [[Cell]] = []
        var multiLine = false
        for row in collected {
            var cells: [Cell] = []
            for c in 0..<columnCount {
                let value = c < row.count ? row[c] : .null
                let text = settings.quoteCells ? quotedCell(value) : (cText(value) ?? nullText)
                let cell = makeCell(text, wrapAt: limits[c], wordWrap: settings.wordWrap)
                if cell.lines.count > 1 { multiLine = true }
                // Lines never exceed the limit, so explicit widths stay as set.
                widths[c] = max(widths[c], cell.widths.max() ?? 0)
                cells.append(cell)
            }
            rows.append(cells)
        }

        var out: [UInt8] = []
        let bar = Array("│".utf8), dash = Array("─".utf8)
        func rule(_ left: String, _ fill: [UInt8], _ mid: String, _ right: String) {
            out += Array(left.utf8)
            for c in 0..<columnCount {
                if c > 0 { out += Array(mid.utf8) }
                for _ in 0..<(widths[c] + 2) { out += fill }
            }
            out += Array(right.utf8)
            out.append(0x0a)
        }
        func pad(_ bytes: [UInt8], _ width: Int, _ target: Int, _ align: Int) -> [UInt8] {
            // align: 0 left, 1 right, 2 centre
            let room = max(target - width, 0)
            let left = align == 1 ? room : (align == 2 ? room / 2 : 0)
            return Array(repeating: 0x20, count: left) + bytes + Array(repeating: 0x20, count: room - left)
        }
        func line(_ cells: [Cell], _ index: Int, centred: Bool) {
            let (open, sep, close): ([UInt8], [UInt8], [UInt8])
            switch mode {
            case .column: (open, sep, close) = ([], [0x20, 0x20], [])
            case .box: (open, sep, close) = (bar + [0x20], [0x20] + bar + [0x20], [0x20] + bar)
            default: (open, sep, close) = (Array("| ".utf8), Array(" | ".utf8), Array(" |".utf8))
            }
            out += open
            for c in 0..<columnCount {
                if c > 0 { out += sep }
                let cell = cells[c]
                let text = index < cell.lines.count ? cell.lines[index] : []
                let w = index < cell.widths.count ? cell.widths[index] : 0
                out += pad(text, w, widths[c], centred ? 2 : (rightAligned[c] ? 1 : 0))
            }
            out += close
            out.append(0x0a)
        }
        func rowSeparator() {
            switch mode {
            case .column: out.append(0x0a)
            case .table: rule("+", [UInt8(ascii: "-")], "+", "+")
            case .box: rule("├", dash, "┼", "┤")
            default: break
            }
        }

        switch mode {
        case .box: rule("┌", dash, "┬", "┐")
        case .table: rule("+", [UInt8(ascii: "-")], "+", "+")
        default: break
        }
        if showHeader {
            line(header, 0, centred: mode != .column)
            switch mode {
            case .column:
                for c in 0..<columnCount {
                    if c > 0 { out += [0x20, 0x20] }
                    out += Array(repeating: UInt8(ascii: "-"), count: widths[c])
                }
                out.append(0x0a)
            case .box: rule("├", dash, "┼", "┤")
            case .table: rule("+", [UInt8(ascii: "-")], "+", "+")
            case .markdown: rule("|", [UInt8(ascii: "-")], "|", "|")
            default: break
            }
        }
        for (r, cells) in rows.enumerated() {
            if r > 0 && multiLine { rowSeparator() }
            let height = cells.map(\.lines.count).max() ?? 1
            for i in 0..<height { line(cells, i, centred: false) }
        }
        switch mode {
        case .box: rule("└", dash, "┴", "┘")
        case .table: rule("+", [UInt8(ascii: "-")], "+", "+")
        default: break
        }
        return out
    }

    // MARK: values

    /// A cell under `--quote`: SQL literals, reals as `sqlite3_column_text` gives them.
    private func quotedCell(_ value: DatabaseValue) -> [UInt8] {
        switch value {
        case .null: return Array("NULL".utf8)
        case .text(let s): return sqlStringLiteral(cString(Array(s.utf8)))
        case .blob(let b): return Array("x'".utf8) + b.flatMap(hex) + [0x27]
        default: return cText(value) ?? []
        }
    }

    /// The value as sqlite3 prints it through a C string: nil for NULL, text and blobs cut
    /// at their first zero byte.
    private func cText(_ value: DatabaseValue) -> [UInt8]? {
        switch value {
        case .null: return nil
        case .blob(let b): return cString(b)
        case .text(let s): return cString(Array(s.utf8))
        case .integer(let i): return Array(String(i).utf8)
        default: return Array((value.textRepresentation ?? "").utf8)
        }
    }
}

/// `value` as an SQL literal: quote mode (`forInsert` false) or insert mode and `.dump`
/// (CR/LF kept out of string literals, infinities as `1e999`).
func sqlLiteral(_ value: DatabaseValue, forInsert: Bool) -> [UInt8] {
    switch value {
    case .null: return Array("NULL".utf8)
    case .integer(let v): return Array(String(v).utf8)
    case .real(let r):
        if forInsert && r.isInfinite { return Array((r < 0 ? "-1e999" : "1e999").utf8) }
        return Array(DatabaseValue.renderReal(r, significantDigits: 20).utf8)
    case .text(let s):
        let bytes = cString(Array(s.utf8))
        guard forInsert else { return sqlStringLiteral(bytes) }
        // Insert mode keeps CR and LF out of the literal: replace('a\nb','\n',char(10)).
        let hasCR = bytes.contains(13), hasLF = bytes.contains(10)
        var body: [UInt8] = []
        for b in bytes {
            if b == 13 { body += Array("\\r".utf8) } else if b == 10 { body += Array("\\n".utf8) } else { body.append(b) }
        }
        var literal = sqlStringLiteral(body)
        if hasCR { literal = Array("replace(".utf8) + literal + Array(",'\\r',char(13))".utf8) }
        if hasLF { literal = Array("replace(".utf8) + literal + Array(",'\\n',char(10))".utf8) }
        return literal
    case .blob(let b):
        return Array("X'".utf8) + b.flatMap(hex) + [0x27]
    }
}

/// `bytes` up to (not including) the first zero byte.
func cString(_ bytes: [UInt8]) -> [UInt8] {
    if let z = bytes.firstIndex(of: 0) { return Array(bytes[..<z]) }
    return bytes
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
        return true
    }
    return false
}

/// Two lowercase hex digits.
func hex(_ b: UInt8) -> [UInt8] {
    let digits = Array("0123456789abcdef".utf8)
    return [digits[Int(b >> 4)], digits[Int(b & 15)]]
}

/// `'text'` with quotes doubled.
func sqlStringLiteral(_ bytes: [UInt8]) -> [UInt8] {
    var r: [UInt8] = [0x27]
    for b in bytes {
        r.append(b)
        if b == 0x27 { r.append(0x27) }
    }
    r.append(0x27)
    return r
}

/// `name` as is when it is a plain identifier and not a keyword, else in double quotes.
func quoteIdentifierIfNeeded(_ name: String) -> String {
    let bytes = Array(name.utf8)
    let plain = !bytes.isEmpty
        && !(bytes[0] >= UInt8(ascii: "0") && bytes[0] <= UInt8(ascii: "9"))
        && bytes.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
        }
    if plain && !sqlKeywords.contains(name.uppercased()) { return name }
    return "\"" + name.doubling("\"") + "\""
}

/// SQLite 3.40's 147 keywords (lang_keywords.html).
let sqlKeywords: Set<String> = Set("""
ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN \
BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS \
CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE \
DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL \
FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE \
IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST \
LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR \
ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE \
REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS \
SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION \
UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
""".split(separator: " ").map(String.init))

extension OutputSettings {
    /// A whole result as the shell prints it with these settings: `rows` of a statement
    /// whose columns are `names`.
    ///
    /// ```swift
    /// var s = OutputSettings(); s.mode = .csv; s.columnSeparator = ","
    /// s.render(names: ["a"], rows: [[.text("x,y")]])   // "\"x,y\"\n" as bytes
    /// ```
    public func render(names: [String], rows: [[DatabaseValue]]) -> [UInt8] {
        let sink = BufferSink()
        let renderer = RowRenderer(settings: self, names: names, out: sink)
        for row in rows { renderer.add(row) }
        renderer.finish()
        return sink.bytes
    }
}
