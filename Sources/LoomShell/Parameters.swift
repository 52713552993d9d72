// This file implements `.parameter` (SQL parameter bindings kept by the shell and bound to
// every statement) and `.backup` / `.save` / `.restore` (page copies through the engine).
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Dot-commands").
import Glibc
import Loom

extension Shell {
    static let parameterHelp = """
    .parameter CMD ...       Manage SQL parameter bindings
       clear                   Erase all bindings
       init                    Initialize the TEMP table that holds bindings
       list                    List the current parameter bindings
       set PARAMETER VALUE     Given SQL parameter PARAMETER a value of VALUE
                               PARAMETER should start with one of: $ : @ ?
       unset PARAMETER         Remove PARAMETER from the binding table

    """

    /// `.parameter clear|init|list|set KEY VALUE|unset KEY`; anything else prints the help.
    func parameterCommand(_ args: [String]) -> Bool {
        switch (args.first, args.count) {
        case ("clear", 1):
            parameters = [:]
        case ("init", 1):
            break
        case ("list", 1):
            let keys = parameters.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let width = keys.map(\.utf8.count).max() ?? 0
            var text = ""
            for key in keys {
                let quoted = quotedValue(parameters[key] ?? .null)
                text += key + String(repeating: " ", count: width - key.utf8.count) + " " + quoted + "\n"
            }
            output.write(text)
        case ("set", 3):
            parameters[args[1]] = evaluatedParameter(args[2])
        case ("unset", 2):
            parameters[args[1]] = nil
        default:
            output.write(Shell.parameterHelp)
        }
        return true
    }

    /// `.parameter set` stores VALUE as the SQL expression it is (`1+2` is 3, `'a b'` is
    /// text), or as text when it is not one. As sqlite3, which runs
    /// `REPLACE INTO temp.sqlite_parameters(key,value) VALUES(KEY,VALUE);`, only the first
    /// statement of `VALUES(0,VALUE);` counts, and it must have exactly two columns.
    private func evaluatedParameter(_ text: String) -> DatabaseValue {
        guard let db = connection() else { return .text(text) }
        guard let (statement, _) = try? db.prepareStatement("VALUES(0," + text + ");", from: 0), let statement,
              statement.columnCount == 2, statement.parameterCount == 0,
              (try? statement.step()) == true else { return .text(text) }
        return statement.column(1)
    }

    /// `quote(value)` as the engine computes it (`.parameter list`).
    private func quotedValue(_ value: DatabaseValue) -> String {
        guard let db = connection(),
              let statement = try? db.prepareStatement("SELECT quote(?1)", from: 0).statement else { return "" }
        try? statement.bind(value, at: 1)
        guard (try? statement.step()) == true else { return "" }
        return statement.column(0).textRepresentation ?? ""
    }

    /// Binds the `.parameter` values to `statement` by name (`?NNN` for unnamed ones);
    /// parameters with no value stay NULL.
    func bindParameters(_ statement: any ShellStatement) {
        guard !parameters.isEmpty else { return }
        let count = statement.parameterCount
        guard count > 0 else { return }
        for index in 1...count {
            let key = statement.parameterName(at: index) ?? "?\(index)"
            if let value = parameters[key] { try? statement.bind(value, at: index) }
        }
    }

    /// `.backup ?DB? ?OPTIONS? FILE` (and `.save`).
    func backupCommand(_ args: [String]) -> Bool {
        var positional: [String] = []
        for arg in args {
            if arg.hasPrefix("-") {
                let option = arg.hasPrefix("--") ? String(arg.dropFirst()) : arg
                guard option == "-async" else {
                    report("unknown option: \(arg)")
                    return false
                }
            } else {
                positional.append(arg)
            }
        }
        guard positional.count <= 2 else { return usageError("Usage: .backup ?DB? ?OPTIONS? FILENAME") }
        guard let file = positional.last else {
            report("missing FILENAME argument on .backup")
            return false
        }
        guard let db = connection() else { return false }
        if positional.count == 2, positional[0].lowercased() != "main" {
            // sqlite3 opens (and so creates, empty) the destination before it looks the
            // source name up.
            let fd = open(file, O_WRONLY | O_CREAT, 0o644)
            guard fd >= 0 else {
                report("Error: cannot open \"\(file)\"")
                return false
            }
            close(fd)
            report("Error: unknown database \(positional[0])")
            return false
        }
        do {
            try db.backup(toFile: file)
        } catch let e as DatabaseError where e.code.primary == .cannotOpen {
            report("Error: cannot open \"\(file)\"")
            return false
        } catch {
            report("Error: \(Shell.message(error))")
            return false
        }
        return true
    }

    /// `.restore ?DB? FILE`.
    func restoreCommand(_ args: [String]) -> Bool {
        guard args.count == 1 || args.count == 2, let file = args.last else {
            return usageError("Usage: .restore ?DB? FILE")
        }
        guard let db = connection() else { return false }
        if args.count == 2, args[0].lowercased() != "main" {
            report("Error: unknown database \(args[0])")
            return false
        }
        do {
            try db.restore(fromFile: file)
        } catch let e as DatabaseError where e.code.primary == .cannotOpen {
            report("Error: cannot open \"\(file)\"")
            return false
        } catch let e as DatabaseError where e.code.primary == .busy || e.code.primary == .locked {
            report("Error: source database is busy")
            return false
        } catch {
            report("Error: \(Shell.message(error))")
            return false
        }
        return true
    }

    private func usageError(_ text: String) -> Bool {
        report(text)
        return false
    }
}
