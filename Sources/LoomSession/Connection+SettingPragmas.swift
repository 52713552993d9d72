// This file implements the connection-setting PRAGMAs (foreign_keys, recursive_triggers,
// busy_timeout, temp_store, secure_delete, cache_spill, query_only, case_sensitive_like, …)
// page_size, cache_size, synchronous, and database_list, compile_options, optimize. Settings
// take effect when stepped.
// Layer: L6. Spec: Spec/L6-session.md (§PRAGMAs).
import Glibc
import Synchronization
import LoomBase
import LoomRecord
import LoomPager
import LoomVDBE
import LoomSQL

extension Connection {
    /// Boolean settings kept in `ExecutionContext.pragmaSettings`, with SQLite's defaults
    /// for the oracle build. Only case_sensitive_like and query_only change behaviour.
    static let flagPragmas: [String: Int64] = [
        "foreign_keys": 0, "recursive_triggers": 0, "defer_foreign_keys": 0, "legacy_alter_table": 0,
        "reverse_unordered_selects": 0, "query_only": 0, "automatic_index": 1, "trusted_schema": 1,
        "cell_size_check": 0, "fullfsync": 0, "checkpoint_fullfsync": 0, "read_uncommitted": 0,
        // Deprecated flags SQLite still reports (no effect on a prepared statement's rows).
        "full_column_names": 0, "short_column_names": 1, "empty_result_callbacks": 0,
        "count_changes": 0, "ignore_check_constraints": 0, "writable_schema": 0,
    ]

    /// The compile options of the oracle build that Loom mirrors (PRAGMA compile_options),
    /// in SQLite's (alphabetical) order.
    static let mirroredCompileOptions = [
        "DEFAULT_CACHE_SIZE=-2000", "DEFAULT_FILE_FORMAT=4", "DEFAULT_PAGE_SIZE=4096",
        "DEFAULT_SYNCHRONOUS=2", "ENABLE_MATH_FUNCTIONS", "LIKE_DOESNT_MATCH_BLOBS",
        "MAX_COMPOUND_SELECT=500", "MAX_EXPR_DEPTH=1000", "MAX_PAGE_SIZE=65536", "SECURE_DELETE",
        "SOUNDEX",
    ]

    /// The setting PRAGMA `pragma` compiled to a program that applies it when stepped and
    /// returns SQLite's rows, or nil when `pragma` is not one of them.
    func settingPragma(_ pragma: Pragma, prepared: PreparedStatement) throws -> PreparedStatement? {
        let name = pragma.name.lowercasedASCII
        let value = pragma.value
        var program: Program
        switch name {
        case _ where Connection.flagPragmas[name] != nil:
            let standard = Connection.flagPragmas[name] ?? 0
            if let value {
                program = contextProgram(name: name, columnName: nil) { context in
                    // foreign_keys cannot change inside a transaction (a no-op, as in SQLite).
                    if name == "foreign_keys" && !context.isAutocommit { return .null }
                    // writable_schema=RESET: off, and the schema is read again.
                    if name == "writable_schema" && value.lowercasedASCII == "reset" {
                        context.pragmaSettings[name] = 0
                        context.schemaChanged = true
                        context.flagsGeneration &+= 1
                        return .null
                    }
                    context.pragmaSettings[name] = Connection.booleanValue(value) ? 1 : 0
                    context.flagsGeneration &+= 1
                    return .null
                }
            } else {
                program = settingProgram(name: name, columnName: name) { settings in
                    .integer(settings[name] ?? standard)
                }
            }
        case "case_sensitive_like":
            // SQLite only sets it; without a value the pragma does nothing.
            program = settingProgram(name: name, columnName: nil) { settings in
                if let value { settings[name] = Connection.booleanValue(value) ? 1 : 0 }
                return .null
            }
        case "busy_timeout":
            // The pager owns the handler (it sleeps through the VFS between lock attempts).
            program = contextProgram(name: name, columnName: "timeout") { context in
                let pager = context.btree.pager
                if let value { pager.setBusyTimeout(Int(clamping: max(0, Connection.integerPrefix(value)))) }
                return .integer(Int64(pager.busyTimeout))
            }
        case "temp_store":
            if let value {
                program = settingProgram(name: name, columnName: nil) { settings in
                    let named: [String: Int64] = ["default": 0, "file": 1, "memory": 2]
                    var mode = named[value.lowercasedASCII] ?? 0
                    if let first = value.utf8.first, first >= 0x30 && first <= 0x39 {
                        let n = Connection.integerPrefix(value)
                        mode = (0...2).contains(n) ? n : 0
                    }
                    settings[name] = mode
                    return .null
                }
            } else {
                program = settingProgram(name: name, columnName: name) { .integer($0[name] ?? 0) }
            }
        case "secure_delete":
            // The oracle build has SQLITE_SECURE_DELETE: on by default. The B-tree zeroes
            // deleted cells unless it is 0 ("fast", 2, zeroes them too).
            program = contextProgram(name: name, columnName: name) { context in
                if let value {
                    let mode: Int64 = value.lowercasedASCII == "fast" ? 2 : (Connection.booleanValue(value) ? 1 : 0)
                    context.pragmaSettings[name] = mode
                    context.btree.secureDelete = mode != 0
                }
                return .integer(context.pragmaSettings[name] ?? 1)
            }
        case "cache_spill":
            if let value {
                program = settingProgram(name: name, columnName: nil) { settings in
                    if let first = value.utf8.first, first == 0x2D || (first >= 0x30 && first <= 0x39) {
                        let n = Connection.integerPrefix(value)
                        settings["cache_spill_size"] = n
                        settings[name] = n != 0 ? 1 : 0
                    } else {
                        settings[name] = Connection.booleanValue(value) ? 1 : 0
                    }
                    return .null
                }
            } else {
                program = contextProgram(name: name, columnName: name) { context in
                    let settings = context.pragmaSettings
                    let pageSize = Int64(context.btree.pager.pageSize)
                    guard settings[name] ?? 1 != 0 else { return .integer(0) }
                    let spill = Connection.cachePages(settings["cache_spill_size"] ?? 1, pageSize: pageSize)
                    let cache = Connection.cachePages(settings["cache_size"] ?? -2000, pageSize: pageSize)
                    return .integer(max(spill, cache))
                }
            }
        case "page_size":
            if let value {
                program = contextProgram(name: name, columnName: nil) { context in
                    if let size = Int(value) {
                        try context.btree.pager.setPageSize(size)
                        // VACUUM INTO writes its file with it (Connection+Vacuum.swift).
                        if size >= 512, size <= 65536, size & (size - 1) == 0 {
                            context.pragmaSettings["pending_page_size"] = Int64(size)
                        }
                    }
                    return .null
                }
            } else {
                program = contextProgram(name: name, columnName: name) { context in
                    .integer(Int64(context.btree.pager.pageSize))
                }
            }
        case "cache_size":
            if let value {
                let n = Connection.int32Prefix(value)
                program = contextProgram(name: name, columnName: nil) { context in
                    context.btree.pager.setCacheSize(Int(n))
                    context.pragmaSettings[name] = n
                    return .null
                }
            } else {
                program = contextProgram(name: name, columnName: name) { .integer($0.pragmaSettings[name] ?? -2000) }
            }
        case "synchronous":
            if let value {
                // SQLite stores level+1 in three bits (a stored 0 is taken as 1) and reports
                // the stored value minus one: 6 stays 6, 7 becomes 0. Levels above EXTRA
                // sync as EXTRA.
                let named: [String: Int64] = ["off": 0, "no": 0, "false": 0, "on": 1, "yes": 1, "true": 1,
                                              "normal": 1, "full": 2, "extra": 3]
                var n = named[value.lowercasedASCII] ?? 1
                if let first = value.utf8.first, first >= 0x30 && first <= 0x39 { n = Connection.int32Prefix(value) }
                var stored = (n &+ 1) & 7
                if stored == 0 { stored = 1 }
                let level = stored - 1
                program = contextProgram(name: name, columnName: nil) { context in
                    context.btree.pager.setSynchronous(SynchronousLevel(rawValue: Int(min(level, 3))) ?? .full)
                    context.pragmaSettings[name] = level
                    return .null
                }
            } else {
                program = contextProgram(name: name, columnName: name) { context in
                    .integer(context.pragmaSettings[name] ?? Int64(context.btree.pager.synchronous.rawValue))
                }
            }
        case "mmap_size":
            // Loom does not map files; the size is kept and reported (at most MAX_MMAP_SIZE).
            program = settingProgram(name: name, columnName: name) { settings in
                if let value {
                    let n = Connection.integerPrefix(value)
                    settings[name] = n < 0 ? 0 : min(n, 0x7fff_0000)
                }
                return .integer(settings[name] ?? 0)
            }
        case "analysis_limit":
            program = settingProgram(name: name, columnName: name) { settings in
                if let value, let n = Connection.decimalOrHex(value), n >= 0 { settings[name] = n & 0x7fff_ffff }
                return .integer(settings[name] ?? 0)
            }
        case "hard_heap_limit":
            // Kept per connection (SQLite: per process); only lowered, never to 0. A hard
            // limit caps the soft one. Loom allocates through Swift: neither is enforced.
            program = settingProgram(name: name, columnName: name) { settings in
                if let value, let n = Connection.decimalOrHex(value) {
                    let prior = settings[name] ?? 0
                    if n > 0 && (prior == 0 || prior > n) {
                        settings[name] = n
                        let soft = settings["soft_heap_limit"] ?? 0
                        if soft == 0 || soft > n { settings["soft_heap_limit"] = n }
                    }
                }
                return .integer(settings[name] ?? 0)
            }
        case "soft_heap_limit":
            program = settingProgram(name: name, columnName: name) { settings in
                if let value, var n = Connection.decimalOrHex(value), n >= 0 {
                    let hard = settings["hard_heap_limit"] ?? 0
                    if hard > 0 && (n > hard || n == 0) { n = hard }
                    settings[name] = n
                }
                return .integer(settings[name] ?? 0)
            }
        case "module_list":
            // The virtual table modules, in SQLite's list order (the sqlite3 shell adds its
            // extensions' modules), then the connection's own.
            var names = ["json_tree", "json_each", "generate_series", "fts5vocab", "fts5", "dbstat"]
            for module in context.virtualTables.moduleOrder
            where !names.contains(module) && !module.hasPrefix("pragma_") { names.append(module) }
            program = rowsProgram(columnNames: ["name"], rows: names.map { [.text($0)] })
        case "temp_store_directory":
            // Deprecated: the directory is kept and reported; Loom's temp files are anonymous
            // VFS files, so it has no effect.
            if let value {
                if !value.isEmpty, !Connection.isWritableDirectory(value) {
                    throw DatabaseError(.error, "not a writable directory", sql: prepared.sql)
                }
                program = settingProgram(name: name, columnName: nil) { _ in
                    Connection.temporaryDirectory.withLock { $0 = value.isEmpty ? nil : value }
                    return .null
                }
            } else if let directory = Connection.temporaryDirectory.withLock({ $0 }) {
                program = rowsProgram(columnNames: [name], rows: [[.text(directory)]])
            } else {
                program = settingProgram(name: name, columnName: nil) { _ in .null }
            }
        case "threads":
            program = settingProgram(name: name, columnName: name) { settings in
                if let value {
                    let n = Connection.integerPrefix(value)
                    if n >= 0 { settings[name] = min(n, 8) }
                }
                return .integer(settings[name] ?? 0)
            }
        case "locking_mode":
            // EXCLUSIVE keeps every lock once taken (Spec/L1-pager.md "Locking mode").
            program = contextProgram(name: name, columnName: name) { context in
                let pager = context.btree.pager
                switch value?.lowercasedASCII {
                case "exclusive": pager.setExclusiveLocking(true)
                case "normal": pager.setExclusiveLocking(false)
                default: break
                }
                return .text(pager.exclusiveLocking ? "exclusive" : "normal")
            }
        case "max_page_count":
            // Kept and reported (never below the current page count); not enforced.
            program = contextProgram(name: name, columnName: name) { context in
                if let value {
                    let n = Connection.integerPrefix(value)
                    if n > 0 {
                        let pages: Int64
                        if context.transactionState == .none {
                            try context.btree.beginTransaction(write: false)
                            pages = Int64(context.btree.pager.pageCount)
                            context.btree.endTransaction()
                        } else {
                            pages = Int64(context.btree.pager.pageCount)
                        }
                        context.pragmaSettings[name] = max(min(n, 0xffff_fffe), pages)
                    }
                }
                return .integer(context.pragmaSettings[name] ?? 1_073_741_823)
            }
        case "optimize":
            program = settingProgram(name: name, columnName: nil) { _ in .null }
        case "compile_options":
            program = rowsProgram(columnNames: [name], rows: Connection.mirroredCompileOptions.map { [.text($0)] })
        case "table_list":
            program = rowsProgram(columnNames: ["schema", "name", "type", "ncol", "wr", "strict"],
                                  rows: try tableList(only: value, schemaName: pragma.schema?.lowercasedASCII))
        case "collation_list":
            // The built-in collations, newest first as SQLite lists them (the sqlite3 shell
            // adds its extensions' "decimal" and "uint" in front).
            program = rowsProgram(columnNames: ["seq", "name"],
                                  rows: [[.integer(0), .text("RTRIM")], [.integer(1), .text("NOCASE")], [.integer(2), .text("BINARY")]])
        case "function_list":
            program = rowsProgram(columnNames: ["name", "builtin", "type", "enc", "narg", "flags"],
                                  rows: FunctionRegistry.functionListRows().map { f in
                                      [.text(f.name), .integer(f.builtin ? 1 : 0), .text(f.type), .text("utf8"),
                                       .integer(Int64(f.narg)), .integer(Int64(f.flags))]
                                  })
        case "pragma_list":
            // Every pragma sqlite3 3.40 lists (those with a pragma_NAME function and the
            // seven without one), by name.
            let names = Set(pragmaFunctionColumns.keys).union(["case_sensitive_like", "incremental_vacuum", "mmap_size",
                                                                  "shrink_memory", "temp_store_directory",
                                                                  "wal_autocheckpoint", "wal_checkpoint"])
            program = rowsProgram(columnNames: ["name"], rows: names.sorted().map { [.text($0)] })
        case "database_list":
            var rows: [[Value]] = [[.integer(0), .text("main"), .text(isInMemory ? "" : Connection.fullPath(pager.path))]]
            for (i, handle) in context.databases.enumerated() where i >= 1 {
                guard let handle else { continue }
                rows.append([.integer(Int64(i)), .text(handle.name), .text(handle.path)])
            }
            program = rowsProgram(columnNames: ["seq", "name", "file"], rows: rows)
        default:
            return nil
        }
        var result = prepared
        result.program = program
        return result
    }

    /// A program that calls `body` on the connection's settings when stepped and returns
    /// its value as one row named `columnName` (no row when `columnName` is nil).
    private func settingProgram(name: String, columnName: String?,
                                _ body: @escaping @Sendable (inout [String: Int64]) -> Value) -> Program {
        contextProgram(name: name, columnName: columnName) { body(&$0.pragmaSettings) }
    }

    /// A program that calls `body` on the connection state when stepped (see `settingProgram`).
    private func contextProgram(name: String, columnName: String?,
                                _ body: @escaping @Sendable (ExecutionContext) throws -> Value) -> Program {
        let function = FunctionDefinition(name: "pragma_" + name, argumentCount: 0, isDeterministic: false,
                                          body: .scalar({ _, call in try body(call.connection) }))
        var code: [Instruction] = [.initialize(target: 1), .function(function: function, arguments: 0, argumentCount: 0, dest: 0)]
        if columnName != nil { code.append(.resultRow(start: 0, count: 1)) }
        code.append(.halt())
        return Program(instructions: code, registerCount: 1, cursorCount: 0,
                       columnNames: columnName.map { [$0] } ?? [], isReadOnly: true)
    }

    /// PRAGMA table_list rows: each schema's tables and views newest first, then its schema
    /// table (SQLite's order while a schema has at most 8 objects; past that SQLite lists
    /// them in hash order). `only` keeps the object of that name (the schema tables answer
    /// only to `sqlite_master` / `sqlite_temp_master`, as in SQLite); `schemaName` keeps
    /// one schema.
    private func tableList(only: String?, schemaName: String?) throws -> [[Value]] {
        let schema = try currentSchema()
        func schemaRow(_ schema: String, _ table: String, legacy: String) -> [[Value]] {
            if let only, !only.equalsIgnoringCase(legacy) { return [] }
            return [[.text(schema), .text(table), .text("table"), .integer(5), .integer(0), .integer(0)]]
        }
        var result: [[Value]] = []
        var databases = [schema] + schema.linked
        if schema.schema(forDatabase: 1) == nil {
            // The temp database is not open: only its schema table is listed.
            let temp = Schema()
            temp.database = 1
            temp.databaseName = "temp"
            databases.append(temp)
        }
        databases.sort { $0.database < $1.database }
        for db in databases {
            let name = db.database == 1 ? "temp" : db.databaseName
            if let schemaName, name.lowercasedASCII != schemaName { continue }
            var rows: [[Value]] = []
            for table in db.allTables where !table.isSchemaTable {
                if let only, !table.name.equalsIgnoringCase(only) { continue }
                let sql = table.sql ?? ""
                let isVirtual = sql.hasPrefix("CREATE VIRTUAL TABLE")
                var columns = table.columns.count
                var strict = false
                if table.isView && !isVirtual {
                    let select = "SELECT * FROM \"" + String(name.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] })
                        + "\".\"" + String(table.name.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
                    columns = (try? Compiler.prepare(select, from: 0, schema: schema))??.program.columnNames.count ?? 0
                } else if !isVirtual {
                    var parser = Parser(sql: sql)
                    if let parsed = try? parser.parseNext(from: 0), case .createTable(let create) = parsed.statement.kind,
                       case .columns(_, _, let options) = create.body {
                        strict = options.contains(.strict)
                    }
                }
                let type = isVirtual ? "virtual" : (table.isView ? "view" : "table")
                rows.append([.text(name), .text(table.name), .text(type), .integer(Int64(columns)),
                             .integer(table.isWithoutRowid ? 1 : 0), .integer(strict ? 1 : 0)])
            }
            result += rows.reversed()
            result += db.database == 1 ? schemaRow("temp", "sqlite_temp_schema", legacy: "sqlite_temp_master")
                : schemaRow(name, "sqlite_schema", legacy: "sqlite_master")
        }
        return result
    }

    /// A program that returns constant `rows`.
    private func rowsProgram(columnNames: [String], rows: [[Value]]) -> Program {
        var code: [Instruction] = [.initialize(target: 1)]
        for row in rows {
            for (i, v) in row.enumerated() {
                switch v {
                case .integer(let n): code.append(.int64(value: n, dest: i))
                case .real(let d): code.append(.real(value: d, dest: i))
                case .text(let s): code.append(.string8(value: s, dest: i))
                case .blob(let b): code.append(.blob(value: b, dest: i))
                case .null: code.append(.null(dest: i))
                }
            }
            code.append(.resultRow(start: 0, count: row.count))
        }
        code.append(.halt())
        return Program(instructions: code, registerCount: max(1, columnNames.count), cursorCount: 0,
                       columnNames: columnNames, isReadOnly: true)
    }

    /// SQLite's boolean pragma values: on/yes/true, off/no/false, or a decimal number
    /// (non-zero is true); anything else is false.
    /// PRAGMA temp_store_directory: one setting for the process, as SQLite's
    /// `sqlite3_temp_directory`.
    static let temporaryDirectory = Mutex<String?>(nil)

    /// True when `path` is a directory this process may read and write.
    static func isWritableDirectory(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return false }
        return access(path, R_OK | W_OK) == 0
    }

    /// SQLite's `sqlite3DecOrHexToI64`: the whole text is an integer (optional sign, decimal
    /// digits) or `0x` hex (64 bits at most); nil otherwise or when it does not fit.
    static func decimalOrHex(_ text: String) -> Int64? {
        // Surrounding spaces are allowed.
        let space: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        let bytes = Array(text.utf8.drop(while: space).reversed().drop(while: space).reversed())
        if bytes.count > 2, bytes[0] == 0x30, bytes[1] | 0x20 == 0x78 {
            var n: UInt64 = 0
            let digits = bytes.dropFirst(2).drop { $0 == 0x30 }
            guard !digits.isEmpty || bytes.count > 2, digits.count <= 16 else { return nil }
            for c in digits {
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x61...0x66: d = c - 0x61 + 10
                case 0x41...0x46: d = c - 0x41 + 10
                default: return nil
                }
                n = n << 4 | UInt64(d)
            }
            return Int64(bitPattern: n)
        }
        var i = 0
        var negative = false
        if i < bytes.count, bytes[i] == 0x2D || bytes[i] == 0x2B { negative = bytes[i] == 0x2D; i += 1 }
        guard i < bytes.count else { return nil }
        var n: Int64 = 0
        while i < bytes.count {
            let c = bytes[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            if o1 || o2 {
                // -9223372036854775808 fits only negated.
                if negative, !o1, a == Int64.min, i == bytes.count - 1 { return Int64.min }
                return nil
            }
            n = a
            i += 1
        }
        return negative ? -n : n
    }

    static func booleanValue(_ text: String) -> Bool {
        switch text.lowercasedASCII {
        case "on", "yes", "true": return true
        case "off", "no", "false": return false
        default:
            guard let first = text.utf8.first, first >= 0x30 && first <= 0x39 else { return false }
            return integerPrefix(text) != 0
        }
    }

    /// The leading decimal integer of `text` ('-' allowed), 0 when none; saturates.
    static func integerPrefix(_ text: String) -> Int64 {
        var bytes = Substring(text).utf8.drop { $0 == 0x20 }
        var negative = false
        if let first = bytes.first, first == 0x2D || first == 0x2B {
            negative = first == 0x2D
            bytes = bytes.dropFirst()
        }
        var n: Int64 = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { break }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(b - 0x30))
            if o1 || o2 { return negative ? Int64.min : Int64.max }
            n = s
        }
        return negative ? -n : n
    }

    /// SQLite's `sqlite3Atoi`: an optional sign and leading digits; 0 when there are none
    /// or the number does not fit in 32 bits.
    static func int32Prefix(_ text: String) -> Int64 {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if let first = bytes.first, first == 0x2D || first == 0x2B {
            negative = first == 0x2D
            bytes = bytes.dropFirst()
        }
        var n: Int64 = 0
        var digits = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { break }
            digits += 1
            if digits > 11 { return 0 }
            n = n * 10 + Int64(b - 0x30)
        }
        if negative { n = -n }
        return n >= Int64(Int32.min) && n <= Int64(Int32.max) ? n : 0
    }

    /// Pages for a cache-size setting: N pages, or -N KiB at `pageSize` plus SQLite's
    /// 136 bytes of per-page overhead.
    static func cachePages(_ setting: Int64, pageSize: Int64) -> Int64 {
        if setting >= 0 { return setting }
        let kib = setting == Int64.min ? Int64.max : -setting
        let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
        return (overflow ? Int64.max : bytes) / (pageSize + 136)
    }

    /// `path` made absolute against the working directory, as SQLite's unix VFS does.
    static func fullPath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return directory + "/" + path
    }
}
