// This file implements `loom`'s command line: option parsing, the banner, and the order in
// which -cmd commands, SQL arguments and standard input run.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Command line").
import Glibc
import Loom

extension Shell {
    /// Runs `loom` with `arguments` (the first is the program name) and returns the exit
    /// status. `isTerminal` says whether `input` is a terminal (prompts and banner).
    public static func main(arguments: [String], input: LineSource, output: OutputSink,
                            error: OutputSink, isTerminal: Bool = false,
                            engine: ShellEngine = .loom) -> Int32 {
        let program = arguments.first ?? "loom"
        let shell = Shell(output: output, error: error)
        shell.engine = engine
        var filename: String?
        var sqlArguments: [String] = []
        var commands: [String] = []
        var initFile: String?
        var interactive = isTerminal
        var index = 1
        func fail(_ message: String) -> Int32 {
            error.write("\(program): Error: \(message)\n")
            error.flush()
            return 1
        }
        while index < arguments.count {
            let arg = arguments[index]
            index += 1
            guard arg.hasPrefix("-"), arg.count > 1 else {
                if filename == nil { filename = arg } else { sqlArguments.append(arg) }
                continue
            }
            let option = arg.hasPrefix("--") ? String(arg.dropFirst()) : arg
            func value() -> String? {
                guard index < arguments.count else { return nil }
                defer { index += 1 }
                return arguments[index]
            }
            switch option {
            case "-bail": shell.bail = true
            case "-batch": interactive = false
            case "-interactive": interactive = true
            case "-echo": shell.echo = true
            case "-readonly": shell.readOnly = true
            case "-header", "-noheader":
                shell.settings.showHeader = option == "-header"
                shell.settings.headerExplicit = true
            case "-list": shell.settings.mode = .list
            case "-line": shell.settings.mode = .line
            case "-json": shell.settings.mode = .json
            case "-html": shell.settings.mode = .html
            case "-column": shell.settings.mode = .column
            case "-box": shell.settings.mode = .box
            case "-table": shell.settings.mode = .table
            case "-markdown": shell.settings.mode = .markdown
            case "-csv":
                shell.settings.mode = .csv
                shell.settings.columnSeparator = ","
            case "-quote":
                shell.settings.mode = .quote
                shell.settings.columnSeparator = ","
            case "-tabs":
                shell.settings.mode = .list
                shell.settings.columnSeparator = "\t"
            case "-ascii":
                shell.settings.mode = .ascii
                shell.settings.columnSeparator = "\u{1F}"
                shell.settings.rowSeparator = "\u{1E}"
            case "-separator", "-newline", "-nullvalue", "-cmd", "-init":
                guard let v = value() else { return fail("missing argument to \(option)") }
                switch option {
                case "-separator": shell.settings.columnSeparator = String(decoding: resolveBackslashes(Array(v.utf8)), as: UTF8.self)
                case "-newline": shell.settings.rowSeparator = String(decoding: resolveBackslashes(Array(v.utf8)), as: UTF8.self)
                case "-nullvalue": shell.settings.nullValue = String(decoding: resolveBackslashes(Array(v.utf8)), as: UTF8.self)
                case "-init": initFile = v
                default: commands.append(v)
                }
            case "-version":
                output.write("\(sqliteVersion) Loom \(loomVersion)\n")
                output.flush()
                return 0
            case "-help":
                error.write(usageText(program))
                error.flush()
                return 1
            default:
                error.write("\(program): Error: unknown option: \(option)\nUse -help for a list of options.\n")
                error.flush()
                return 1
            }
        }

        defer {
            shell.closeDatabase()
            shell.redirectOutput(to: nil)
            output.flush()
        }
        shell.setDatabasePath(filename ?? ":memory:")

        if let initFile {
            if let data = Posix.contents(atPath: initFile) {
                shell.process(StringLineSource(String(decoding: data, as: UTF8.self)))
                if let code = shell.exitRequest { return code }
            } else {
                error.write("cannot open: \"\(initFile)\"\n")
            }
        }

        for command in commands {
            if command.hasPrefix(".") {
                shell.runDotCommand(command)
            } else {
                shell.runSQL(command, origin: .argument)
            }
            if let code = shell.exitRequest { return code }
        }

        if !sqlArguments.isEmpty {
            for sql in sqlArguments {
                if sql.hasPrefix(".") {
                    let ok = shell.runDotCommand(sql)
                    if let code = shell.exitRequest { return code }
                    if !ok { return 1 }
                } else {
                    let failure = shell.runSQL(sql, origin: .argument)
                    if let code = shell.exitRequest { return code }
                    if let failure {
                        let primary = failure.rawValue & 0xff
                        return primary == 0 ? 1 : primary
                    }
                }
            }
            return 0
        }

        if interactive {
            shell.interactive = true
            output.write("Loom version \(loomVersion) (SQLite \(sqliteVersion) compatible)\n")
            output.write("Enter \".help\" for usage hints.\n")
            if filename == nil && isTerminal {
                output.write("Connected to a \u{1B}[1mtransient in-memory database\u{1B}[0m.\n")
                output.write("Use \".open FILENAME\" to reopen on a persistent database.\n")
            }
        }
        let errors = shell.process(input, prompt: interactive)
        let code = shell.exitRequest ?? 0
        return code != 0 ? code : (errors > 0 ? 1 : 0)
    }

    static func usageText(_ program: String) -> String {
        """
        Usage: \(program) [OPTIONS] FILENAME [SQL]
        FILENAME is the name of an SQLite database. A new database is created
        if the file does not previously exist.
        OPTIONS include:
           -ascii               set output mode to 'ascii'
           -bail                stop after hitting an error
           -batch               force batch I/O
           -box                 set output mode to 'box'
           -column              set output mode to 'column'
           -cmd COMMAND         run "COMMAND" before reading stdin
           -csv                 set output mode to 'csv'
           -echo                print inputs before execution
           -[no]header          turn headers on or off
           -help                show this message
           -html                set output mode to HTML
           -init FILENAME       read/process named file
           -interactive         force interactive I/O
           -json                set output mode to 'json'
           -line                set output mode to 'line'
           -list                set output mode to 'list'
           -markdown            set output mode to 'markdown'
           -newline SEP         set output row separator. Default: '\\n'
           -nullvalue TEXT      set text string for NULL values. Default ''
           -quote               set output mode to 'quote'
           -readonly            open the database read-only
           -separator SEP       set output column separator. Default: '|'
           -table               set output mode to 'table'
           -tabs                set output mode to 'tabs'
           -version             show SQLite version

        """
    }
}
