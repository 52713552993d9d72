// This file implements the shell's dot-commands (`.mode`, `.headers`, `.tables`, `.schema`,
// `.read`, `.open`, …) with sqlite3's argument parsing, output and error texts.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Dot-commands").
import Glibc
import Loom

extension Shell {
    /// The commands Loom knows, in matching order, with the shortest prefix each accepts.
    /// The commands Loom knows, in matching order, with the shortest prefix sqlite3 accepts
    /// for each (shorter prefixes name other sqlite3 commands, e.g. `.sh` is `.system`).
    /// Matching is case-sensitive, as in sqlite3.
    private static let commands: [(name: String, minimum: Int)] = [
        ("backup", 3), ("bail", 3), ("cd", 2), ("changes", 3), ("dump", 1), ("echo", 1), ("eqp", 2), ("exit", 2),
        ("explain", 3), ("fullschema", 2), ("headers", 1), ("help", 3), ("mode", 1),
        ("databases", 2), ("import", 1), ("indexes", 1), ("indices", 1), ("nullvalue", 1), ("once", 2), ("open", 2),
        ("output", 2), ("parameter", 3), ("print", 3), ("prompt", 2), ("quit", 1), ("read", 3),
        ("restore", 3), ("save", 3), ("schema", 3),
        ("separator", 2), ("show", 3), ("tables", 1), ("timeout", 5), ("timer", 5), ("width", 1),
    ]

    /// Runs one dot-command line. Returns false after an error (already reported).
    @discardableResult
    public func runDotCommand(_ line: String) -> Bool {
        let args = Shell.splitArguments(String(line.dropFirst()))
        guard let first = args.first, !first.isEmpty else { return true }
        let word = first
        let name = Shell.commands.first { word.count >= $0.minimum && $0.name.hasPrefix(word) }?.name
        let rest = Array(args.dropFirst())
        switch name {
        case "bail": return setBoolean(rest, usage: "Usage: .bail on|off") { self.bail = $0 }
        case "backup", "save": return backupCommand(rest)
        case "restore": return restoreCommand(rest)
        case "parameter": return parameterCommand(rest)
        case "dump": return dumpCommand(rest)
        case "cd":
            guard rest.count == 1 else { return usage("Usage: .cd DIRECTORY") }
            guard Posix.changeDirectory(rest[0]) else {
                report("Cannot change to directory \"\(rest[0])\"")
                return false
            }
            return true
        case "changes": return setBoolean(rest, usage: "Usage: .changes on|off") { self.showChanges = $0 }
        case "timer": return setBoolean(rest, usage: "Usage: .timer on|off") { self.timer = $0 }
        case "timeout":
            // sqlite3_busy_timeout: the same setting as PRAGMA busy_timeout.
            let ms = max(0, Int32(truncatingIfNeeded: rest.first.map(Shell.integerValue) ?? 0))
            guard let db = connection() else { return false }
            _ = try? db.queryAll("PRAGMA busy_timeout = \(ms)")
            return true
        case "eqp":
            guard rest.count == 1 else { return usage("Usage: .eqp off|on|trace|trigger|full") }
            showQueryPlan = rest[0] == "full" || rest[0] == "trigger" || booleanValue(rest[0])
            return true
        case "explain":
            let value = rest.first ?? "on"
            explainLayout = value == "auto" || value == "on" || (value != "off" && booleanValue(value))
            explainSetting = value == "auto" ? "auto" : (explainLayout ? "on" : "off")
            if explainSetting == "on" {
                if settings.mode != .explain { modeBeforeExplain = settings.mode }
                settings.mode = .explain
            } else if settings.mode == .explain {
                settings.mode = modeBeforeExplain
            }
            return true
        case "prompt":
            if rest.count > 0 { prompts.main = rest[0] }
            if rest.count > 1 { prompts.continuation = rest[1] }
            return true
        case "fullschema":
            guard schemaCommand(["--nosys"], columnComments: false) else { return false }
            let stats = query("SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%'") ?? []
            if stats.isEmpty {
                output.write("/* No STAT tables available */\n")
            } else {
                output.write("ANALYZE sqlite_schema;\n")
                for table in stats.compactMap({ $0.first?.textRepresentation }) {
                    guard let rows = query("SELECT * FROM \(quoteIdentifier(table))") else { continue }
                    for row in rows {
                        output.write(Array("INSERT INTO \(table) VALUES(".utf8)
                            + Array(row.map { String(decoding: sqlLiteral($0, forInsert: true), as: UTF8.self) }
                                .joined(separator: ",").utf8) + Array(");\n".utf8))
                    }
                }
                output.write("ANALYZE sqlite_schema;\n")
            }
            return true
        case "import": return importCommand(rest)
        case "databases": return databasesCommand()
        case "indexes", "indices":
            guard rest.count <= 1 else { return usage("Usage: .indexes ?LIKE-PATTERN?") }
            return listCommand(type: "index", nameColumn: "name", filterColumn: "tbl_name", pattern: rest.first,
                               includeInternal: true)
        case "once", "output": return outputCommand(rest, once: name == "once")
        case "echo": return setBoolean(rest, usage: "Usage: .echo on|off") { self.echo = $0 }
        case "headers":
            return setBoolean(rest, usage: "Usage: .headers on|off") {
                self.settings.showHeader = $0
                self.settings.headerExplicit = true
            }
        case "exit", "quit":
            exitRequest = name == "quit" ? 0 : rest.first.map { Int32(truncatingIfNeeded: Shell.integerValue($0)) } ?? 0
            return true
        case "help":
            output.write(Shell.helpText)
            return true
        case "mode": return setMode(rest)
        case "nullvalue":
            guard rest.count == 1 else { return usage("Usage: .nullvalue STRING") }
            settings.nullValue = rest[0]
            return true
        case "open": return openCommand(rest)
        case "print":
            output.write(rest.joined(separator: " ") + "\n")
            return true
        case "read":
            guard rest.count == 1 else { return usage("Usage: .read FILE") }
            guard let data = Posix.contents(atPath: rest[0]) else {
                report("Error: cannot open \"\(rest[0])\"")
                return false
            }
            let saved = interactive
            interactive = false
            defer { interactive = saved }
            return process(StringLineSource(String(decoding: data, as: UTF8.self))) == 0
        case "schema": return schemaCommand(rest)
        case "separator":
            guard rest.count == 1 || rest.count == 2 else { return usage("Usage: .separator COL ?ROW?") }
            settings.columnSeparator = rest[0]
            if rest.count == 2 { settings.rowSeparator = rest[1] }
            return true
        case "show":
            guard rest.isEmpty else { return usage("Usage: .show") }
            output.write(showText())
            return true
        case "tables": return tablesCommand(rest)
        case "width":
            settings.widths = rest.map { Shell.clampedWidth(Shell.integerValue($0)) }
            return true
        default: break
        }
        report("Error: unknown command or invalid arguments:  \"\(first)\". Enter \".help\" for help")
        return false
    }

    private func usage(_ text: String) -> Bool {
        report(text)
        return false
    }

    private func setBoolean(_ args: [String], usage text: String, _ apply: (Bool) -> Void) -> Bool {
        guard args.count == 1 else { return usage(text) }
        apply(booleanValue(args[0]))
        return true
    }

    /// sqlite3's boolean arguments: on/off, yes/no, true/false, or a number.
    func booleanValue(_ text: String) -> Bool {
        let lower = text.lowercased()
        if let first = text.first, first.isNumber || first == "-" || first == "+" {
            if text.dropFirst().allSatisfy(\.isNumber) { return Shell.integerValue(text) != 0 }
        }
        switch lower {
        case "on", "yes", "true": return true
        case "off", "no", "false": return false
        default:
            report("ERROR: Not a boolean value: \"\(text)\". Assuming \"no\".")
            return false
        }
    }

    /// A column width kept within ±30000 so a typo cannot ask for gigabytes of padding.
    static func clampedWidth(_ value: Int64) -> Int {
        Int(min(max(value, -30_000), 30_000))
    }

    /// A decimal (or 0x hex) integer prefix of `text`, 0 when there is none.
    static func integerValue(_ text: String) -> Int64 {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        var value: Int64 = 0
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            for c in s.dropFirst(2) {
                guard let d = c.hexDigitValue else { break }
                value = (value &* 16) &+ Int64(d)
            }
        } else {
            for c in s {
                guard let d = c.wholeNumberValue, c.isASCII else { break }
                value = (value &* 10) &+ Int64(d)
            }
        }
        return negative ? 0 &- value : value
    }

    // MARK: .mode

    private func setMode(_ args: [String]) -> Bool {
        guard let name = args.first else {
            output.write("current output mode: \(modeName)\n")
            return true
        }
        var wrap: Int?
        var wordWrap: Bool?
        var quote: Bool?
        var table: String?
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--wrap", "-wrap":
                guard i + 1 < args.count else {
                    report("Error: missing argument to --wrap")
                    return false
                }
                wrap = max(Shell.clampedWidth(Shell.integerValue(args[i + 1])), 0)
                i += 1
            case "--wordwrap", "-wordwrap":
                guard i + 1 < args.count else {
                    report("Error: missing argument to --wordwrap")
                    return false
                }
                wordWrap = booleanValue(args[i + 1])
                i += 1
            case "--ww", "-ww": wordWrap = true
            case "--quote", "-quote": quote = true
            case "--noquote", "-noquote": quote = false
            default:
                if args[i].hasPrefix("-") || table != nil {
                    report("Error: unknown option: \(args[i])")
                    return false
                }
                table = args[i]
            }
            i += 1
        }
        let lower = name.lowercased()
        switch lower {
        case "tabs":
            settings.mode = .list
            settings.columnSeparator = "\t"
            settings.rowSeparator = "\n"
        case "list":
            settings.mode = .list
            settings.columnSeparator = "|"
            settings.rowSeparator = "\n"
        case "csv":
            settings.mode = .csv
            settings.columnSeparator = ","
            settings.rowSeparator = "\r\n"
        case "ascii":
            settings.mode = .ascii
            settings.columnSeparator = "\u{1F}"
            settings.rowSeparator = "\u{1E}"
        case "quote":
            settings.mode = .quote
            settings.columnSeparator = ","
            settings.rowSeparator = "\n"
        case "insert":
            settings.mode = .insert
            settings.insertTable = table ?? "table"
        case "tcl":
            settings.mode = .tcl
            settings.columnSeparator = " "
            settings.rowSeparator = "\n"
        case "qbox":
            settings.mode = .box
            settings.rowSeparator = "\n"
            settings.wrap = wrap ?? 60
            settings.wordWrap = wordWrap ?? false
            settings.quoteCells = quote ?? true
        default:
            guard let mode = OutputMode(rawValue: lower), ![.ascii, .tcl, .explain].contains(mode) else {
                report("Error: mode should be one of: ascii box column csv html insert json line list markdown qbox quote table tabs tcl")
                return false
            }
            settings.mode = mode
            settings.rowSeparator = "\n"
            if mode.isColumnar {
                settings.wrap = wrap ?? 60
                settings.wordWrap = wordWrap ?? false
                settings.quoteCells = quote ?? false
                if mode == .column && !settings.headerExplicit { settings.showHeader = true }
            }
        }
        return true
    }

    private var modeName: String {
        if settings.mode == .list && settings.columnSeparator == "\t" { return "list" }
        return settings.mode.rawValue
    }

    // MARK: .show

    func showText() -> String {
        func quoted(_ s: String) -> String {
            var r = "\""
            for b in s.utf8 {
                switch b {
                case 0x5c: r += "\\\\"
                case 0x22: r += "\\\""
                case 0x09: r += "\\t"
                case 0x0a: r += "\\n"
                case 0x0d: r += "\\r"
                case 0..<0x20, 0x7f: r += "\\" + String(b, radix: 8).leftPadded(to: 3)
                default: r += String(decoding: [b], as: UTF8.self)
                }
            }
            return r + "\""
        }
        var mode = settings.mode.rawValue
        if settings.mode.isColumnar {
            mode += " --wrap \(settings.wrap) --wordwrap \(settings.wordWrap ? "on" : "off") --\(settings.quoteCells ? "quote" : "noquote")"
        }
        var t = ""
        t += "        echo: \(echo ? "on" : "off")\n"
        t += "         eqp: \(showQueryPlan ? "on" : "off")\n"
        t += "     explain: \(explainSetting)\n"
        t += "     headers: \(settings.showHeader ? "on" : "off")\n"
        t += "        mode: \(mode)\n"
        t += "   nullvalue: \(quoted(settings.nullValue))\n"
        t += "      output: \(outputName)\n"
        t += "colseparator: \(quoted(settings.columnSeparator))\n"
        t += "rowseparator: \(quoted(settings.rowSeparator))\n"
        t += "       stats: off\n"
        t += "       width: " + settings.widths.map { "\($0) " }.joined() + "\n"
        t += "    filename: \(databasePath.isEmpty ? ":memory:" : databasePath)\n"
        return t
    }

    // MARK: .open

    private func openCommand(_ args: [String]) -> Bool {
        var path: String?
        var fresh = false
        var readOnlyOpen = false
        for arg in args {
            switch arg {
            case "--new", "-new": fresh = true
            case "--readonly", "-readonly": readOnlyOpen = true
            default:
                if arg.hasPrefix("-") || path != nil {
                    report("Error: unknown option: \(arg)")
                    return false
                }
                path = arg
            }
        }
        let target = path ?? ":memory:"
        if fresh && target != ":memory:" { Posix.removeFile(atPath: target) }
        let saved = readOnly
        readOnly = readOnly || readOnlyOpen
        defer { readOnly = saved }
        reopen(target)
        return true
    }

    // MARK: .tables, .schema

    /// Runs a query for a dot-command, returning its rows (errors reported, nil).
    private func query(_ sql: String) -> [[DatabaseValue]]? {
        guard let db = connection() else { return nil }
        do {
            return try db.queryAll(sql)
        } catch let e as DatabaseError {
            report("Error: \(e.message)")
            return nil
        } catch {
            report("Error: \(error)")
            return nil
        }
    }

    private func tablesCommand(_ args: [String]) -> Bool {
        guard args.count <= 1 else { return usage("Usage: .tables ?LIKE-PATTERN?") }
        return listCommand(type: "table','view", nameColumn: "name", filterColumn: "name", pattern: args.first,
                           includeInternal: false)
    }

    /// Schema names from `PRAGMA database_list` (just "main" if the engine lacks it).
    private func schemaNames(_ db: any ShellConnection) -> [(name: String, file: String)] {
        if let rows = try? db.queryAll("PRAGMA database_list") {
            let listed = rows.compactMap { row -> (String, String)? in
                guard row.count > 2, let name = row[1].textRepresentation else { return nil }
                return (name, row[2].textRepresentation ?? "")
            }
            if !listed.isEmpty { return listed }
        }
        return [("main", databasePath == ":memory:" ? "" : databasePath)]
    }

    private func databasesCommand() -> Bool {
        guard let db = connection() else { return false }
        var text = ""
        for (name, file) in schemaNames(db) {
            text += "\(name): \(file.isEmpty ? "\"\"" : file) \(readOnly ? "r/o" : "r/w")\n"
        }
        output.write(text)
        return true
    }

    /// `.output ?FILE?` / `.once ?FILE?`.
    private func outputCommand(_ args: [String], once: Bool) -> Bool {
        var file: String?
        for arg in args {
            if file != nil {
                output.write("ERROR: extra parameter: \"\(arg)\".  Usage:\n")
                return false
            }
            file = arg
        }
        guard let file, file != "stdout" else {
            redirectOutput(to: nil)
            onceCountdown = 0
            return true
        }
        guard let sink = FileSink(path: file) else {
            report("Error: cannot open \"\(file)\"")
            report("Error: cannot write to \"\(file)\"")
            redirectOutput(to: nil)
            return false
        }
        redirectOutput(to: sink)
        outputName = file
        // The countdown passes this command, then the next one.
        onceCountdown = once ? 2 : 0
        return true
    }

    /// Names of schema objects, laid out in columns as `.tables` and `.indexes` do.
    private func listCommand(type: String, nameColumn: String, filterColumn: String, pattern: String?,
                             includeInternal: Bool) -> Bool {
        let pattern = pattern ?? "%"
        guard let db = connection() else { return false }
        var names: [String] = []
        for (schema, _) in schemaNames(db) {
            let prefix = schema == "main" ? "" : schema + "."
            let table = schema == "main" ? "sqlite_schema" : quoteIdentifier(schema) + ".sqlite_schema"
            let sql = "SELECT \(nameColumn) FROM \(table) "
                + "WHERE type IN ('\(type)') "
                + (includeInternal ? "" : "AND name NOT LIKE 'sqlite_%' ")
                + "AND \(filterColumn) LIKE \(literal(pattern))"
            guard let rows = query(sql) else { return false }
            names += rows.compactMap { $0.first?.textRepresentation }.map { prefix + $0 }
        }
        return printColumns(names)
    }

    private func printColumns(_ unsorted: [String]) -> Bool {
        let names = unsorted.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !names.isEmpty else { return true }
        let widest = names.map(\.utf8.count).max() ?? 0
        let perLine = max(80 / (widest + 2), 1)
        let rowCount = (names.count + perLine - 1) / perLine
        var text = ""
        for r in 0..<rowCount {
            var column = 0
            var index = r
            while index < names.count {
                if column > 0 { text += "  " }
                let name = names[index]
                text += name + String(repeating: " ", count: max(widest - name.utf8.count, 0))
                column += 1
                index += rowCount
            }
            text += "\n"
        }
        output.write(text)
        return true
    }

    private func schemaCommand(_ args: [String], columnComments: Bool = true) -> Bool {
        var pattern: String?
        var noSystem = false
        for arg in args {
            if arg == "--nosys" || arg == "-nosys" {
                noSystem = true
                continue
            }
            if arg == "--indent" || arg == "-indent" { continue }
            if arg.hasPrefix("-") || pattern != nil {
                return usage("Usage: .schema ?--indent? ?--nosys? ?LIKE-PATTERN?")
            }
            pattern = arg
        }
        var text = ""
        guard let db = connection() else { return false }
        if let pattern {
            for schemaTable in ["sqlite_master", "sqlite_schema"] {
                let like = (try? db.queryAll("SELECT \(literal(schemaTable)) LIKE \(literal(pattern))"))?.first?.first
                if like == .integer(1) {
                    text += "CREATE TABLE \(pattern) (\n  type text,\n  name text,\n  tbl_name text,\n"
                        + "  rootpage integer,\n  sql text\n);\n"
                    break
                }
            }
        }
        var sql = "SELECT sql, type, name FROM sqlite_schema WHERE sql IS NOT NULL"
        if let pattern { sql += " AND tbl_name LIKE \(literal(pattern))" }
        if noSystem { sql += " AND name NOT LIKE 'sqlite_%'" }
        sql += " ORDER BY rowid"
        guard let rows = query(sql) else { return false }
        for row in rows where row.count == 3 {
            guard let original = row[0].textRepresentation else { continue }
            let statement = Shell.displaySchema(original)
            let type = row[1].textRepresentation ?? ""
            let name = row[2].textRepresentation ?? ""
            text += statement
            let isVirtual = type == "table" && statement.hasPrefix("CREATE VIRTUAL TABLE")
            if columnComments, type == "view" || isVirtual,
               let columns = (try? db.prepareStatement("SELECT * FROM \(quoteIdentifier(name))", from: 0))?.statement?.columnNames {
                text += "\n/* \(quoteIdentifierIfNeeded(name))(" + columns.map(quoteIdentifierIfNeeded).joined(separator: ",") + ") */"
            }
            text += ";\n"
        }
        output.write(text)
        return true
    }

    /// `.dump ?--data-only? ?--newlines? ?--nosys? ?PATTERN ...?`: the database as SQL text.
    private func dumpCommand(_ args: [String]) -> Bool {
        var patterns: [String] = []
        var dataOnly = false
        var newlines = false
        var noSystem = false
        var preserveRowids = false
        for arg in args {
            switch arg {
            case "--data-only", "-data-only": dataOnly = true
            case "--newlines", "-newlines": newlines = true
            case "--nosys", "-nosys": noSystem = true
            case "--preserve-rowids", "-preserve-rowids": preserveRowids = true
            default:
                if arg.hasPrefix("-") {
                    report("Unknown option \"\(arg)\" on \".dump\"")
                    return false
                }
                patterns.append(arg)
            }
        }
        guard let db = connection() else { return false }
        let filter = patterns.isEmpty ? "" : " AND (" + patterns.map { "name LIKE \(literal($0))" }.joined(separator: " OR ") + ")"
        if !dataOnly { output.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n") }
        guard let tables = query("SELECT name, sql FROM sqlite_schema WHERE sql NOT NULL AND type == 'table'\(filter) "
                                 + "ORDER BY tbl_name == 'sqlite_sequence', rowid") else { return false }
        var ok = true
        var writableSchema = false
        for table in tables where table.count == 2 {
            guard let name = table[0].textRepresentation, let sql = table[1].textRepresentation else { continue }
            if noSystem && name.hasPrefix("sqlite_") { continue }
            if name == "sqlite_sequence" {
                if !dataOnly { output.write("DELETE FROM sqlite_sequence;\n") }
            } else if name.hasPrefix("sqlite_stat") {
                if !dataOnly { output.write("ANALYZE sqlite_schema;\n") }
            } else if name.hasPrefix("sqlite_") {
                continue
            } else if sql.hasPrefix("CREATE VIRTUAL TABLE") {
                // A virtual table is recreated by writing its schema row directly.
                if !dataOnly {
                    if !writableSchema { output.write("PRAGMA writable_schema=ON;\n") }
                    writableSchema = true
                    output.write("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',"
                                 + "\(literal(name)),\(literal(name)),0,\(literal(sql)));\n")
                }
                continue
            } else if !dataOnly {
                output.write(Shell.displaySchema(sql) + ";\n")
            }
            do {
                var select = "SELECT * FROM \(quoteIdentifier(name))"
                var prefix = Array("INSERT INTO \(quoteIdentifierIfNeeded(name)) VALUES(".utf8)
                if preserveRowids, let rowid = rowidColumn(db, table: name) {
                    select = "SELECT \(rowid.name), * FROM \(quoteIdentifier(name))"
                    prefix = Array(("INSERT INTO \(quoteIdentifierIfNeeded(name))("
                        + ([rowid.name] + rowid.columns.map(quoteIdentifierIfNeeded)).joined(separator: ",")
                        + ") VALUES(").utf8)
                }
                guard let statement = try db.prepareStatement(select, from: 0).statement else { continue }
                while try statement.step() {
                    var line = prefix
                    for i in 0..<statement.columnCount {
                        if i > 0 { line.append(UInt8(ascii: ",")) }
                        let value = statement.column(i)
                        if newlines, case .text(let t) = value {
                            line += sqlStringLiteral(cString(Array(t.utf8)))
                        } else {
                            line += sqlLiteral(value, forInsert: true)
                        }
                    }
                    line += Array(");\n".utf8)
                    output.write(line)
                }
            } catch {
                report("Error: \(Shell.message(error))")
                ok = false
            }
        }
        if !dataOnly {
            guard let others = query("SELECT sql FROM sqlite_schema WHERE sql NOT NULL "
                                     + "AND type IN ('index','trigger','view')\(filter) ORDER BY rowid") else { return false }
            for row in others {
                if let sql = row.first?.textRepresentation { output.write(sql + ";\n") }
            }
            if writableSchema { output.write("PRAGMA writable_schema=OFF;\n") }
            output.write("COMMIT;\n")
        }
        return ok
    }

    /// For `.dump --preserve-rowids`: the name that reads the rowid of `table` and its
    /// columns, or nil when the rowid is an INTEGER PRIMARY KEY column (dumped anyway).
    private func rowidColumn(_ db: any ShellConnection, table: String) -> (name: String, columns: [String])? {
        guard let info = try? db.queryAll("PRAGMA table_info(\(quoteIdentifier(table)))") else { return nil }
        let columns = info.compactMap { $0.count > 5 ? $0[1].textRepresentation : nil }
        let keys = info.filter { $0.count > 5 && $0[5] != .integer(0) }
        if keys.count == 1, keys[0][2].textRepresentation?.uppercased() == "INTEGER" { return nil }
        let lower = Set(columns.map { $0.lowercased() })
        guard let name = ["rowid", "_rowid_", "oid"].first(where: { !lower.contains($0) }) else { return nil }
        return (name, columns)
    }

    /// Schema text as `.schema` and `.dump` show it: `CREATE TABLE "x"` becomes
    /// `CREATE TABLE IF NOT EXISTS "x"` when the name is quoted.
    static func displaySchema(_ sql: String) -> String {
        let createTable = "CREATE TABLE "
        if sql.hasPrefix(createTable), let next = sql.dropFirst(createTable.count).first, next == "\"" || next == "'" {
            return createTable + "IF NOT EXISTS " + sql.dropFirst(createTable.count)
        }
        return sql
    }

    func literal(_ s: String) -> String { "'" + s.doubling("'") + "'" }
    func quoteIdentifier(_ s: String) -> String { "\"" + s.doubling("\"") + "\"" }

    // MARK: arguments

    /// Splits a dot-command line as sqlite3 does: whitespace separates; '…' is literal;
    /// "…" and bare words have backslash escapes (\t \n \r \\ \" \NNN) resolved.
    static func splitArguments(_ line: String) -> [String] {
        let bytes = Array(line.utf8)
        var args: [String] = []
        var i = 0
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0d) }
        while i < bytes.count {
            while i < bytes.count && isSpace(bytes[i]) { i += 1 }
            guard i < bytes.count else { break }
            let quote = bytes[i]
            var word: [UInt8] = []
            if quote == 0x27 || quote == 0x22 {
                i += 1
                while i < bytes.count && bytes[i] != quote {
                    if quote == 0x22 && bytes[i] == 0x5c && i + 1 < bytes.count { word.append(bytes[i]); i += 1 }
                    word.append(bytes[i])
                    i += 1
                }
                if i < bytes.count { i += 1 }
                args.append(String(decoding: quote == 0x22 ? resolveBackslashes(word) : word, as: UTF8.self))
            } else {
                while i < bytes.count && !isSpace(bytes[i]) {
                    word.append(bytes[i])
                    i += 1
                }
                args.append(String(decoding: resolveBackslashes(word), as: UTF8.self))
            }
        }
        return args
    }

    static func resolveBackslashes(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x5c, i + 1 < bytes.count else {
                out.append(b)
                i += 1
                continue
            }
            let c = bytes[i + 1]
            i += 2
            switch c {
            case UInt8(ascii: "a"): out.append(7)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "v"): out.append(11)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "'"): out.append(0x27)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(c - UInt8(ascii: "0"))
                var n = 1
                while n < 3 && i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "7") {
                    value = value * 8 + Int(bytes[i] - UInt8(ascii: "0"))
                    i += 1
                    n += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            default:
                out.append(0x5c)
                out.append(c)
            }
        }
        return out
    }

    static let helpText = """
    .backup ?DB? FILE        Backup DB (default "main") to FILE
    .bail on|off             Stop after hitting an error.  Default OFF
    .cd DIRECTORY            Change the working directory to DIRECTORY
    .changes on|off          Show number of rows changed by SQL
    .databases               List names and files of attached databases
    .dump ?OBJECTS?          Render database content as SQL
    .echo on|off             Turn command echo on or off
    .eqp on|off              Enable or disable automatic EXPLAIN QUERY PLAN
    .explain ?on|off|auto?   Change the EXPLAIN formatting mode.  Default: auto
    .exit ?CODE?             Exit this program with return-code CODE
    .fullschema              Show schema and the content of sqlite_stat tables
    .headers on|off          Turn display of headers on or off
    .help                    Show this help text
    .import FILE TABLE       Import data from FILE into TABLE (--csv, --ascii, --skip N)
    .indexes ?TABLE?         Show names of indexes
    .mode MODE ?OPTIONS?     Set output mode (ascii box column csv html insert json
                               line list markdown qbox quote table tabs tcl)
    .nullvalue STRING        Use STRING in place of NULL values
    .once FILE               Output for the next SQL command only to FILE
    .open ?--new? ?--readonly? ?FILE?   Close existing database and reopen FILE
    .output ?FILE?           Send output to FILE or stdout if FILE is omitted
    .parameter CMD ...       Manage SQL parameter bindings
    .print STRING...         Print literal STRING
    .prompt MAIN CONTINUE    Replace the standard prompts
    .quit                    Exit this program
    .read FILE               Read input from FILE
    .restore ?DB? FILE       Restore content of DB (default "main") from FILE
    .save ?OPTIONS? FILE     Write database to FILE (an alias for .backup ...)
    .schema ?PATTERN?        Show the CREATE statements matching PATTERN
    .separator COL ?ROW?     Change the column and row separators
    .show                    Show the current values for various settings
    .tables ?PATTERN?        List names of tables matching LIKE pattern PATTERN
    .timeout MS              Try opening locked tables for MS milliseconds
    .timer on|off            Turn SQL timer on or off
    .width NUM1 NUM2 ...     Set minimum column widths for columnar output

    """
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
