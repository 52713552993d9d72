// This file implements `.import FILE TABLE`: reading CSV (or ASCII-separated) text into a
// table, creating the table from the header row when it does not exist, with sqlite3's
// warnings for short and long rows and stray quotes.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, ".import").
import Glibc
import Loom

extension Shell {
    static let importUsage = """
    .import FILE TABLE       Import data from FILE into TABLE
       Options:
         --ascii               Use \\037 and \\036 as column and row separators
         --csv                 Use , and \\n as column and row separators
         --skip N              Skip the first N rows of input
         --schema S            Target table to be S.TABLE
         -v                    "Verbose" - increase auxiliary output
       Notes:
         *  If TABLE does not exist, it is created.  The first row of input
            determines the column names.
         *  If neither --csv or --ascii are used, the input mode is derived
            from the ".mode" output mode
         *  If FILE begins with "|" then it is a command that generates the
            input text.

    """

    func importCommand(_ args: [String]) -> Bool {
        var file: String?
        var table: String?
        var schema: String?
        var skip = 0
        var csv: Bool?
        var ascii = false
        var i = 0
        func usageError(_ text: String, spaces: Int = 2) -> Bool {
            output.write(text + String(repeating: " ", count: spaces) + "Usage:\n" + Shell.importUsage)
            return false
        }
        while i < args.count {
            let arg = args[i]
            i += 1
            if arg.hasPrefix("-") && arg.count > 1 {
                let option = arg.hasPrefix("--") ? String(arg.dropFirst()) : arg
                switch option {
                case "-csv": csv = true
                case "-ascii": ascii = true
                case "-v": continue
                case "-skip", "-schema":
                    guard i < args.count else { return usageError("ERROR: missing argument to \"\(option)\".") }
                    if option == "-skip" { skip = Int(Shell.clampedWidth(Shell.integerValue(args[i]))) } else { schema = args[i] }
                    i += 1
                default: return usageError("ERROR: unknown option: \"\(option)\".")
                }
            } else if file == nil {
                file = arg
            } else if table == nil {
                table = arg
            } else {
                return usageError("ERROR: extra argument: \"\(arg)\".")
            }
        }
        guard let file else { return usageError("ERROR: missing FILE argument.", spaces: 1) }
        guard let table else { return usageError("ERROR: missing TABLE argument.", spaces: 1) }

        // sqlite3 quirk, kept: a csv-mode import without --csv/--ascii turns the "\r\n" row
        // separator into "\n" for good.
        if csv == nil && !ascii && settings.mode == .csv && settings.rowSeparator == "\r\n" {
            settings.rowSeparator = "\n"
        }
        var separator: UInt8
        var rowSeparator: UInt8
        var quoting: Bool
        if ascii || (csv != true && settings.mode == .ascii) {
            (separator, rowSeparator, quoting) = (0x1f, 0x1e, false)
        } else if csv == true || settings.mode == .csv {
            (separator, rowSeparator, quoting) = (UInt8(ascii: ","), 0x0a, true)
        } else {
            let col = Array(settings.columnSeparator.utf8), row = Array(settings.rowSeparator.utf8)
            guard col.count == 1 else {
                report("Error: multi-character column separators not allowed for import")
                return false
            }
            guard row.count == 1 || settings.rowSeparator == "\r\n" else {
                report("Error: multi-character row separators not allowed for import")
                return false
            }
            (separator, rowSeparator, quoting) = (col[0], row.last ?? 0x0a, true)
        }
        guard let data = Posix.contents(atPath: file) else {
            report("Error: cannot open \"\(file)\"")
            return false
        }
        guard let db = connection() else { return false }
        var reader = DelimitedReader(bytes: Array(data), separator: separator, rowSeparator: rowSeparator,
                                     quoting: quoting, file: file) { self.report($0) }
        for _ in 0..<max(skip, 0) { guard reader.nextRow() != nil else { break } }

        let qualified = (schema.map { quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(table)
        var columnCount: Int
        if let existing = try? db.prepareStatement("SELECT * FROM \(qualified)", from: 0).statement {
            columnCount = existing.columnCount
        } else {
            guard let header = reader.nextRow() else {
                report("\(file): empty file")
                return false
            }
            columnCount = header.fields.count
            let columns = header.fields.map { quoteIdentifier(String(decoding: $0, as: UTF8.self)) + " TEXT" }
            let create = "CREATE TABLE \(qualified)(\n" + columns.joined(separator: ", ") + ")"
            guard execute(db, create) else { return false }
        }
        guard columnCount > 0 else { return true }
        var ok = execute(db, "BEGIN")
        while ok, let row = reader.nextRow() {
            var fields = row.fields
            if fields.count < columnCount {
                report("\(file):\(row.line): expected \(columnCount) columns but found \(fields.count) - filling the rest with NULL")
            } else if fields.count > columnCount {
                report("\(file):\(row.line): expected \(columnCount) columns but found \(fields.count) - extras ignored")
                fields.removeLast(fields.count - columnCount)
            }
            var sql = "INSERT INTO \(qualified) VALUES("
            for c in 0..<columnCount {
                if c > 0 { sql += "," }
                sql += c < fields.count ? String(decoding: sqlStringLiteral(fields[c]), as: UTF8.self) : "NULL"
            }
            sql += ")"
            if !execute(db, sql) { ok = false }
        }
        _ = execute(db, ok ? "COMMIT" : "ROLLBACK")
        return ok
    }

    /// Runs one statement for a dot-command; reports and returns false on error.
    private func execute(_ db: any ShellConnection, _ sql: String) -> Bool {
        do {
            if let statement = try db.prepareStatement(sql, from: 0).statement {
                while try statement.step() {}
            }
            return true
        } catch {
            report("Error: \(Shell.message(error))")
            return false
        }
    }
}

/// Splits text into rows of fields: RFC-4180 style quoting when `quoting` (`""` inside a
/// quoted field is one quote; CR before LF dropped), else plain separators.
struct DelimitedReader {
    let bytes: [UInt8]
    let separator: UInt8
    let rowSeparator: UInt8
    let quoting: Bool
    let file: String
    let warn: (String) -> Void
    private var position = 0
    private var line = 1

    init(bytes: [UInt8], separator: UInt8, rowSeparator: UInt8, quoting: Bool, file: String,
         warn: @escaping (String) -> Void) {
        self.bytes = bytes
        self.separator = separator
        self.rowSeparator = rowSeparator
        self.quoting = quoting
        self.file = file
        self.warn = warn
    }

    /// The next row and the line it starts on, or nil at the end of the text.
    mutating func nextRow() -> (fields: [[UInt8]], line: Int)? {
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [[UInt8]] = []
        while true {
            let (field, ended) = nextField(startLine: startLine)
            fields.append(field)
            if ended { break }
        }
        return (fields, startLine)
    }

    private func byte(_ i: Int) -> UInt8? { i < bytes.count ? bytes[i] : nil }

    /// One field; `ended` when it was the last of its row.
    private mutating func nextField(startLine: Int) -> ([UInt8], ended: Bool) {
        var field: [UInt8] = []
        if quoting && byte(position) == 0x22 {
            position += 1
            while true {
                guard let c = byte(position) else {
                    warn("\(file):\(startLine): unterminated \"-quoted field")
                    return (field, true)
                }
                if c == 0x0a { line += 1 }
                if c == 0x22 {
                    let next = byte(position + 1)
                    if next == 0x22 {
                        field.append(0x22)
                        position += 2
                        continue
                    }
                    if next == nil || next == separator || next == rowSeparator
                        || (next == 0x0d && byte(position + 2) == rowSeparator) {
                        position += 1
                        if byte(position) == 0x0d { position += 1 }
                        if byte(position) == separator {
                            position += 1
                            return (field, false)
                        }
                        if byte(position) == rowSeparator {
                            if rowSeparator == 0x0a { line += 1 }
                            position += 1
                        }
                        return (field, true)
                    }
                    warn("\(file):\(line): unescaped \" character")
                }
                field.append(c)
                position += 1
            }
        }
        while let c = byte(position) {
            position += 1
            if c == separator { return (field, false) }
            if c == rowSeparator {
                if c == 0x0a {
                    line += 1
                    if quoting && field.last == 0x0d { field.removeLast() }
                }
                return (field, true)
            }
            field.append(c)
        }
        return (field, true)
    }
}
