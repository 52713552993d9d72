// This file implements the fts5 virtual-table module on Loom's virtual-table protocol:
// CREATE/connect (shadow tables), INSERT/UPDATE/DELETE and the special commands, MATCH /
// `t = 'query'` / `t('query')` scans, rowid lookups, ORDER BY rank, and the auxiliary
// functions bm25(), highlight(), snippet(). Layer: FTS5 (above L4). Spec: Spec/L8-fts5.md §Module.
import LoomBase
import LoomRecord
import LoomVDBE
import Synchronization

/// Cursor ids handed out through the hidden column named after the table (SQLite's iCsrId).
private let cursorCounter = Atomic<Int64>(0)

/// %_data / %_idx through the owning connection.
final class HostIndexStore: IndexStore {
    let host: any VirtualTableHost
    let data: String
    let idx: String
    let selectBlock: String
    let replaceBlock: String
    let selectIdx: String
    init(host: any VirtualTableHost, table: String) {
        self.host = host
        data = "'\(table.doublingQuote("'"))_data'"
        idx = "'\(table.doublingQuote("'"))_idx'"
        selectBlock = "SELECT block FROM \(data) WHERE id = ?"
        replaceBlock = "REPLACE INTO \(data)(id, block) VALUES(?, ?)"
        selectIdx = "SELECT pgno FROM \(idx) WHERE segid = ? AND term <= ? ORDER BY term DESC LIMIT 1"
    }
    func data(_ id: Int64) throws -> [UInt8]? {
        let rows = try host.query(selectBlock, [.integer(id)])
        guard let v = rows.first?.first else { return nil }
        switch v {
        case .blob(let b): return b
        case .text(let t): return Array(t.utf8)
        case .null: return []
        default: throw DatabaseError(.corrupt, "fts5: corrupt %_data record")
        }
    }
    func putData(_ id: Int64, _ block: [UInt8]) throws {
        try host.execute(replaceBlock, [.integer(id), .blob(block)])
    }
    func deleteData(_ range: ClosedRange<Int64>) throws {
        try host.execute("DELETE FROM \(data) WHERE id >= ? AND id <= ?", [.integer(range.lowerBound), .integer(range.upperBound)])
    }
    func putIdx(segment: Int, term: [UInt8], pgno: Int64) throws {
        try host.execute("INSERT INTO \(idx)(segid, term, pgno) VALUES(?, ?, ?)", [.integer(Int64(segment)), .blob(term), .integer(pgno)])
    }
    func deleteIdx(segment: Int) throws {
        try host.execute("DELETE FROM \(idx) WHERE segid = ?", [.integer(Int64(segment))])
    }
    func deleteEverything() throws {
        try host.execute("DELETE FROM \(data)")
        try host.execute("DELETE FROM \(idx)")
    }
    func idxPage(segment: Int, atOrBefore term: [UInt8]) throws -> Int64? {
        let rows = try host.query(selectIdx, [.integer(Int64(segment)), .blob(term)])
        if case .integer(let p)? = rows.first?.first { return p }
        return nil
    }
}

/// The fts5 module. `register(in:)` adds it and its functions to a connection.
package final class FTS5Module: VirtualTableModule {
    /// Tokenizers registered on the connection (`fts5_api.xCreateTokenizer`).
    package let tokenizers = TokenizerRegistry()
    /// Auxiliary functions registered on the connection (`fts5_api.xCreateFunction`), by
    /// lower-case name.
    package var auxiliary: [String: FTS5AuxiliaryFunction] = [:]
    package init() {}
    package var kind: VirtualTableModuleKind { .ordinary }

    package func create(_ context: VirtualTableContext) throws -> any VirtualTable {
        let t = try FTS5Table(context, module: self)
        for ddl in t.config.shadowTableDDL { try context.host.execute(ddl) }
        try context.host.execute("INSERT INTO '\(t.config.name.doublingQuote("'"))_config'(k, v) VALUES('version', 4)")
        try t.core.index.initialize()
        return t
    }

    package func connect(_ context: VirtualTableContext) throws -> any VirtualTable {
        let t = try FTS5Table(context, module: self)
        // Read now when possible; else at first use (SQLite's fts5 reads %_config lazily:
        // ALTER TABLE checks views over a renamed table before its shadow tables are renamed).
        do { try t.loadConfig() } catch { t.configPending = true }
        return t
    }

    /// The functions SQLite's fts5 adds to a connection: bm25, highlight, snippet. Called
    /// with the table-named column first they are the table's overloads (`findFunction`);
    /// these connection-wide versions find the cursor among every connected fts5 table.
    package static var functions: [FunctionDefinition] {
        auxiliaryFunctions { args, ctx, name in try cursor(args, ctx, name) }
    }

    /// bm25, highlight and snippet over the cursor `find` returns for their first argument.
    static func auxiliaryFunctions(_ find: @escaping @Sendable (ArraySlice<Value>, FunctionCallContext, String) throws -> FTS5Cursor)
        -> [FunctionDefinition] {
        [
            FunctionDefinition(name: "bm25", argumentCount: -1, minimumArgumentCount: 1, isDeterministic: false, body: .scalar { args, ctx in
                let c = try find(args, ctx, "bm25")
                let weights = args.dropFirst().map { $0.realValueForFTS }
                return .real(try c.bm25(weights: weights))
            }),
            FunctionDefinition(name: "highlight", argumentCount: 4, isDeterministic: false, body: .scalar { args, ctx in
                let c = try find(args, ctx, "highlight")
                let a = Array(args)
                return try c.highlight(column: Int(a[1].integerValueForFTS), open: a[2].bytesForFTS, close: a[3].bytesForFTS)
            }),
            FunctionDefinition(name: "snippet", argumentCount: 6, isDeterministic: false, body: .scalar { args, ctx in
                let c = try find(args, ctx, "snippet")
                let a = Array(args)
                return try c.snippet(column: Int(a[1].integerValueForFTS), open: a[2].bytesForFTS, close: a[3].bytesForFTS,
                                     ellipsis: a[4].bytesForFTS, tokens: Int(a[5].integerValueForFTS))
            }),
        ]
    }

    static func cursor(_ args: ArraySlice<Value>, _ ctx: FunctionCallContext, _ name: String) throws -> FTS5Cursor {
        guard case .integer(let id)? = args.first else {
            throw DatabaseError(.error, "unable to use function \(name) in the requested context")
        }
        for entry in ctx.connection.virtualTables.connected.values {
            if let t = entry.table as? FTS5Table, let c = t.cursors[id]?.cursor { return c }
        }
        throw DatabaseError(.error, "unable to use function \(name) in the requested context")
    }

    /// Registers the module (as "fts5") on a connection's registry.
    package static func register(in registry: VirtualTableRegistry) {
        let module = FTS5Module()
        registry.register(module, named: "fts5")
        registry.register(FTS5VocabModule(tokenizers: module.tokenizers), named: "fts5vocab")
    }

    /// The fts5 module registered on `registry`, if any.
    package static func module(in registry: VirtualTableRegistry) -> FTS5Module? {
        registry.module(named: "fts5") as? FTS5Module
    }

    /// Registers auxiliary function `function` (replacing one of the same name): each fts5
    /// table overloads `name` for its hidden column; the returned connection-wide definition
    /// (to add to the connection's functions) serves calls on any fts5 table's column.
    package func register(auxiliary function: FTS5AuxiliaryFunction) -> FunctionDefinition {
        let name = function.name.lowercased()
        auxiliary[name] = function
        return FTS5Module.customFunction(function) { args, ctx, name in try FTS5Module.cursor(args, ctx, name) }
    }

    /// A custom auxiliary function as a SQL function over the cursor `find` returns.
    static func customFunction(_ function: FTS5AuxiliaryFunction,
                               _ find: @escaping @Sendable (ArraySlice<Value>, FunctionCallContext, String) throws -> FTS5Cursor)
        -> FunctionDefinition {
        let name = function.name.lowercased()
        return FunctionDefinition(name: name, argumentCount: -1, minimumArgumentCount: 1, isDeterministic: false,
                                  body: .scalar { args, ctx in
            let c = try find(args, ctx, name)
            return try function.body(FTS5AuxiliaryContext(cursor: c), Array(args.dropFirst()))
        })
    }
}

extension Value {
    var realValueForFTS: Double {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        case .text(let t): return Double(t) ?? 0
        default: return 0
        }
    }
    var integerValueForFTS: Int64 {
        switch self {
        case .integer(let i): return i
        case .real(let d): return d.isFinite && abs(d) < 9e18 ? Int64(d) : 0
        case .text(let t): return Int64(t) ?? 0
        default: return 0
        }
    }
    /// The value as text bytes (NULL: nil).
    var textBytesForFTS: [UInt8]? {
        switch self {
        case .null: return nil
        case .text(let t): return Array(t.utf8)
        case .blob(let b): return b
        case .integer(let i): return Array(String(i).utf8)
        case .real: return Array((textValue ?? "").utf8)
        }
    }
    var bytesForFTS: [UInt8] { textBytesForFTS ?? [] }
}

/// A table captured by its overloaded functions (programs hold them on the connection's
/// thread only; weak, so a dropped table fails the call instead of living on).
final class TableBox: @unchecked Sendable {
    weak var table: FTS5Table?
    init(_ t: FTS5Table) { table = t }
}

final class WeakCursor { weak var cursor: FTS5Cursor?; init(_ c: FTS5Cursor) { cursor = c } }

/// One fts5 table on one connection.
final class FTS5Table: VirtualTable {
    let config: FTS5Config
    let core: FTS5Core
    let host: any VirtualTableHost
    var cursors: [Int64: WeakCursor] = [:]
    /// The `rank` option's text (SQLite's default: bm25 with no weights).
    var rankFunction = "bm25()"
    /// The `hashsize` option: stored and kept, pending data is flushed at xSync only.
    var hashsize = 1024 * 1024

    /// The module that made the table (its registered tokenizers and auxiliary functions).
    weak var module: FTS5Module?

    init(_ context: VirtualTableContext, module: FTS5Module? = nil) throws {
        self.module = module
        config = try FTS5Config(name: context.tableName, arguments: context.arguments, tokenizers: module?.tokenizers)
        host = context.host
        core = try FTS5Core(config: config, store: HostIndexStore(host: context.host, table: context.tableName),
                            tokenizers: module?.tokenizers)
        let q = config.name.doublingQuote("'")
        quoted = q
        switch config.content {
        case .normal:
            let cols = (0..<config.columns.count).map { "c\($0)" }.joined(separator: ", ")
            selectContent = "SELECT \(cols) FROM '\(q)_content' WHERE id = ?"
        case .external(let table):
            let cols = config.columns.map { "\"\($0.doublingQuote("\""))\"" }.joined(separator: ", ")
            selectContent = "SELECT \(cols) FROM \"\(table.doublingQuote("\""))\" WHERE \"\(config.contentRowid.doublingQuote("\""))\" = ?"
        case .contentless:
            selectContent = ""
        }
        selectDocsize = "SELECT sz FROM '\(q)_docsize' WHERE id = ?"
        insertContent = "INSERT INTO '\(q)_content' VALUES(" + (0...config.columns.count).map { _ in "?" }.joined(separator: ", ") + ")"
        insertDocsize = "INSERT OR REPLACE INTO '\(q)_docsize'(id, sz) VALUES(?, ?)"
    }

    let quoted: String
    var n: Int { config.columns.count }
    /// Statements run per row (kept as text: the host caches their compiled form).
    let selectContent: String
    let selectDocsize: String
    let insertContent: String
    let insertDocsize: String

    /// True while %_config could not be read at connect time (`loadPendingConfig` retries).
    var configPending = false

    func loadPendingConfig() throws {
        guard configPending else { return }
        try loadConfig()
        configPending = false
    }

    func loadConfig() throws {
        for row in try host.query("SELECT k, v FROM '\(quoted)_config'") where row.count == 2 {
            guard case .text(let k) = row[0] else { continue }
            let v = row[1].integerValueForFTS
            switch k {
            case "pgsz": core.index.settings.pageSize = Int(v)
            case "automerge": core.index.settings.automerge = Int(v)
            case "crisismerge": core.index.settings.crisismerge = Int(v)
            case "usermerge": core.index.settings.usermerge = Int(v)
            case "hashsize": hashsize = Int(v)
            case "rank": rankFunction = row[1].textValue ?? rankFunction
            default: break
            }
        }
    }

    var declaredSchema: String { config.declaredSchema }
    var isWritable: Bool { true }

    /// xFindFunction: bm25/highlight/snippet called on this table's hidden column read this
    /// table's cursors directly (SQLite's fts5 overloads its auxiliary functions this way).
    func findFunction(named name: String, argumentCount: Int) -> FunctionDefinition? {
        let box = TableBox(self)
        let find: @Sendable (ArraySlice<Value>, FunctionCallContext, String) throws -> FTS5Cursor = { args, _, _ in
            // Any column of the table selects the overload; its value is taken as a cursor id
            // (sqlite3_value_int64), so `highlight(a, …)` fails "no such cursor: 0", as sqlite3.
            let id = args.first?.integerValueForFTS ?? 0
            guard let c = box.table?.cursors[id]?.cursor else { throw DatabaseError(.error, "no such cursor: \(id)") }
            return c
        }
        if let custom = module?.auxiliary[name] { return FTS5Module.customFunction(custom, find) }
        guard ["bm25", "highlight", "snippet"].contains(name) else { return nil }
        return FTS5Module.auxiliaryFunctions(find).first { $0.name == name }
    }

    // indexNumber bits: 1 = match (column in bits 8...15, n = whole table), 2 = rowid eq,
    // 4 = order by rank, 8 = order by rowid desc, 16 = `rank MATCH 'fn(…)'` (or `rank = …`,
    // as 3.40). Arguments come in that order: query, rank function, rowid.
    func bestIndex(_ info: inout IndexInfo) throws {
        var argv = 0
        var number: Int32 = 0
        for (i, c) in info.constraints.enumerated() where c.usable {
            let isMatch = (c.op == .match && c.column >= 0 && c.column <= n) || (c.op == .eq && c.column == n)
            if isMatch && number & 1 == 0 {
                argv += 1
                info.constraintUsage[i] = IndexInfo.ConstraintUsage(argvIndex: argv, omit: true)
                number |= 1 | Int32(c.column) << 8
            }
        }
        for (i, c) in info.constraints.enumerated() where c.usable && (c.op == .match || c.op == .eq) && c.column == n + 1 && number & 16 == 0 {
            argv += 1
            info.constraintUsage[i] = IndexInfo.ConstraintUsage(argvIndex: argv, omit: true)
            number |= 16
        }
        for (i, c) in info.constraints.enumerated() where c.usable && c.op == .eq && c.column == -1 && number & 2 == 0 {
            argv += 1
            info.constraintUsage[i] = IndexInfo.ConstraintUsage(argvIndex: argv, omit: true)
            number |= 2
        }
        if info.orderBy.count == 1 {
            let o = info.orderBy[0]
            if o.column == n + 1 && !o.descending && number & 1 != 0 {
                number |= 4; info.orderByConsumed = true
            } else if o.column == -1 {
                if o.descending { number |= 8 }
                info.orderByConsumed = true
            }
        }
        info.indexNumber = number
        info.estimatedCost = number & 2 != 0 ? 10 : (number & 1 != 0 ? 1000 : 1_000_000)
        info.estimatedRows = number & 2 != 0 ? 1 : (number & 1 != 0 ? 100 : 1_000_000)
        if number & 2 != 0 { info.indexFlags = .unique }
    }

    func open() throws -> any VirtualTableCursor {
        let id = cursorCounter.add(1, ordering: .relaxed).newValue
        let c = FTS5Cursor(table: self, id: id)
        cursors = cursors.filter { $0.value.cursor != nil }
        cursors[id] = WeakCursor(c)
        return c
    }

    // MARK: Content

    /// The column values of row `rowid` (nil when the row is absent).
    func contentRow(_ rowid: Int64) throws -> [Value]? {
        if config.content == .contentless { return nil }
        return try host.query(selectContent, [.integer(rowid)]).first
    }

    /// Every rowid of the table, ascending.
    func allRowids() throws -> [Int64] {
        let sql: String
        switch config.content {
        case .normal: sql = "SELECT id FROM '\(quoted)_content' ORDER BY id"
        case .external(let table):
            let r = "\"\(config.contentRowid.doublingQuote("\""))\""
            sql = "SELECT \(r) FROM \"\(table.doublingQuote("\""))\" ORDER BY \(r)"
        case .contentless:
            guard config.columnsize else { return [] }
            sql = "SELECT id FROM '\(quoted)_docsize' ORDER BY id"
        }
        return try host.query(sql).compactMap { if case .integer(let i)? = $0.first { return i } else { return nil } }
    }

    /// Token totals of rows already read, valid while the index's structure record is
    /// `docTotalsStructure` and nothing is pending (bm25 reads one per matching row).
    var docTotals: [Int64: Int] = [:]
    var docTotalsStructure: Structure? = nil

    func documentLength(_ rowid: Int64) throws -> Int {
        let structure = try core.index.structure()
        if structure != docTotalsStructure {
            docTotals = [:]
            docTotalsStructure = structure
        }
        if let t = docTotals[rowid] { return t }
        let t = try docsize(rowid).reduce(0, +)
        if !core.index.hasPending {
            if docTotals.count >= 1 << 20 { docTotals = [:] }
            docTotals[rowid] = t
        }
        return t
    }

    func docsize(_ rowid: Int64) throws -> [Int] {
        if config.columnsize {
            if case .blob(let b)? = try host.query(selectDocsize, [.integer(rowid)]).first?.first {
                return try decodeDocsize(b, columns: n)
            }
            return Array(repeating: 0, count: n)
        }
        guard let row = try contentRow(rowid) else { return Array(repeating: 0, count: n) }
        return core.tokenCounts(row.map(\.textBytesForFTS))
    }

    // MARK: Writes

    private func insertRow(_ rowid: Int64?, _ values: [Value]) throws -> Int64 {
        var id = rowid
        if id == nil {
            let table = config.content == .normal ? "'\(quoted)_content'" : "'\(quoted)_docsize'"
            let m = try host.query("SELECT max(id) FROM \(table)").first?.first
            if case .integer(let x)? = m { id = x &+ 1 } else { id = 1 }
        }
        guard let rowid = id else { return 0 }
        if config.content == .normal {
            do {
                try host.execute(insertContent, [.integer(rowid)] + values)
            } catch let e as DatabaseError where e.code.primary == .constraint {
                throw DatabaseError(.constraint, "constraint failed")
            }
        }
        let sizes = try core.insert(rowid: rowid, values: values.map(\.textBytesForFTS))
        if config.columnsize {
            try host.execute(insertDocsize, [.integer(rowid), .blob(encodeDocsize(sizes))])
        }
        return rowid
    }

    private func deleteRow(_ rowid: Int64, values: [Value]?) throws {
        let old: [Value]?
        if let values { old = values } else { old = try contentRow(rowid) }
        guard let old else {
            if config.content == .contentless { throw DatabaseError(.error, "cannot DELETE from contentless fts5 table: \(config.name)") }
            return
        }
        try core.delete(rowid: rowid, values: old.map(\.textBytesForFTS))
        if config.content == .normal { try host.execute("DELETE FROM '\(quoted)_content' WHERE id = ?", [.integer(rowid)]) }
        if config.columnsize { try host.execute("DELETE FROM '\(quoted)_docsize' WHERE id = ?", [.integer(rowid)]) }
    }

    func update(_ arguments: [Value]) throws -> Int64? {
        try update(arguments, onConflict: .abort)
    }

    /// With OR REPLACE, a row already holding the new rowid is deleted first (SQLite's
    /// fts5 does the same; only for tables with their own content here, where the old
    /// row's text is known for sure).
    func update(_ arguments: [Value], onConflict: ConflictAction) throws -> Int64? {
        try loadPendingConfig()
        docTotals = [:]
        docTotalsStructure = nil
        if arguments.count == 1 {
            guard case .integer(let r) = arguments[0] else { return nil }
            try deleteRow(r, values: nil)
            return nil
        }
        guard arguments.count >= 2 + n + 2 else { throw DatabaseError(.error, "fts5: bad xUpdate arguments") }
        let values = Array(arguments[2..<(2 + n)])
        let command = arguments[2 + n]
        if case .null = arguments[0], command != .null {
            try special(command.textValue ?? "", arguments[2 + n + 1], rowid: arguments[1], values: values)
            return nil
        }
        var newRowid: Int64? = nil
        if case .integer(let r) = arguments[1] { newRowid = r }
        else if arguments[1] != .null { newRowid = arguments[1].integerValueForFTS }
        if case .integer(let old) = arguments[0] {
            try deleteRow(old, values: nil)
        }
        if onConflict == .replace, config.content == .normal, let target = newRowid {
            if case .integer(let old) = arguments[0], old == target {} else { try deleteRow(target, values: nil) }
        }
        return try insertRow(newRowid, values)
    }

    private func setConfig(_ key: String, _ value: Value) throws {
        try host.execute("REPLACE INTO '\(quoted)_config'(k, v) VALUES(?, ?)", [.text(key), value])
        try core.index.bumpCookie()
    }

    /// 'delete-all' and the start of 'rebuild', in sqlite3's order (so its change counts):
    /// %_data and %_idx emptied, %_docsize emptied, the empty averages and structure records
    /// written, the version stored again.
    private func deleteAllRows() throws {
        try core.deleteAll {
            if config.columnsize { try host.execute("DELETE FROM '\(quoted)_docsize'") }
        }
        try host.execute("REPLACE INTO '\(quoted)_config'(k, v) VALUES('version', 4)")
    }

    private func special(_ command: String, _ arg: Value, rowid: Value, values: [Value]) throws {
        switch command {
        case "delete":
            guard config.content != .normal else {
                throw DatabaseError(.error, "'delete' may only be used with a contentless or external content fts5 table")
            }
            try deleteRow(rowid.integerValueForFTS, values: values)
        case "delete-all":
            guard config.content != .normal else {
                throw DatabaseError(.error, "'delete-all' may only be used with a contentless or external content fts5 table")
            }
            try deleteAllRows()
        case "rebuild":
            guard config.content != .contentless else { throw DatabaseError(.error, "'rebuild' may not be used with a contentless fts5 table") }
            try deleteAllRows()
            for r in try allRowids() {
                guard let row = try contentRow(r) else { continue }
                let sizes = try core.insert(rowid: r, values: row.map(\.textBytesForFTS))
                if config.columnsize {
                    try host.execute("INSERT OR REPLACE INTO '\(quoted)_docsize'(id, sz) VALUES(?, ?)", [.integer(r), .blob(encodeDocsize(sizes))])
                }
            }
            try core.flush()
            // sqlite3 stores the averages at the end of 'rebuild' and again at sync.
            core.touchAverages()
        case "optimize": try core.flush(); try core.index.optimize()
        case "merge":
            try core.flush()
            try core.index.merge(Int(arg.integerValueForFTS))
        case "integrity-check": try integrityCheck()
        default:
            try setOption(command, arg)
        }
    }

    /// The configuration options `INSERT INTO t(t, rank) VALUES(option, value)` sets (3.40.1's
    /// set: the key case-insensitively, stored as written; an integer value (or text that
    /// reads as one) in range, else "SQL logic error", as sqlite3).
    private func setOption(_ command: String, _ arg: Value) throws {
        let key = command.lowercased()
        switch key {
        case "automerge", "crisismerge", "pgsz", "usermerge", "hashsize":
            guard case .integer(let v) = arg.numericTypeForFTS else { throw DatabaseError(.error, "SQL logic error") }
            switch key {
            case "automerge":
                guard v >= 0 else { throw DatabaseError(.error, "SQL logic error") }
                core.index.settings.automerge = v == 1 ? 4 : Int(min(v, 16))
            case "crisismerge":
                guard v >= 0 else { throw DatabaseError(.error, "SQL logic error") }
                core.index.settings.crisismerge = v <= 1 ? 16 : Int(min(v, 2000))
            case "pgsz":
                guard v >= 32, v <= 64 * 1024 else { throw DatabaseError(.error, "SQL logic error") }
                core.index.settings.pageSize = Int(v)
            case "hashsize":
                guard v >= 1 else { throw DatabaseError(.error, "SQL logic error") }
                hashsize = Int(min(v, Int64(Int32.max)))
            default:
                guard v >= 2, v <= 16 else { throw DatabaseError(.error, "SQL logic error") }
                core.index.settings.usermerge = Int(v)
            }
            try setConfig(command, .integer(v))
        case "rank":
            guard let text = arg.textValue, RankFunction.parse(text) != nil else { throw DatabaseError(.error, "SQL logic error") }
            rankFunction = text
            try setConfig(command, arg)
        default:
            throw DatabaseError(.error, "SQL logic error")
        }
    }

    /// 'integrity-check': the index must hold exactly the tokens of the content.
    private func integrityCheck() throws {
        let entries = try core.index.allEntries()
        var fromIndex: [String: Int] = [:]
        for t in entries {
            for e in t.entries { fromIndex["\(t.term)|\(e.rowid)|\(e.poslist)", default: 0] += 1 }
        }
        guard config.content != .contentless else { return }
        let check = FTS5Index(store: MemoryIndexStore(), prefixes: config.prefixes, detail: config.detail)
        for r in try allRowids() {
            guard let row = try contentRow(r) else { continue }
            for (c, v) in row.enumerated() where c < n && !config.unindexed[c] {
                if let text = v.textBytesForFTS {
                    core.tokenizer.positionedTokens(text) { tok, pos in
                        check.add(rowid: r, token: tok.bytes, at: Position(column: c, offset: pos))
                    }
                }
            }
        }
        var fromContent: [String: Int] = [:]
        for t in try check.allEntries() {
            for e in t.entries { fromContent["\(t.term)|\(e.rowid)|\(e.poslist)", default: 0] += 1 }
        }
        guard fromIndex == fromContent else { throw DatabaseError(.corrupt, "database disk image is malformed") }
    }

    func begin() throws {
        try loadPendingConfig()
        core.refreshIfIdle()
    }
    // Pending data written at sync and savepoints keeps last_insert_rowid() (sqlite3).
    func sync() throws { try host.keepingLastInsertRowid { try core.flush() } }
    func commit() throws {}
    func rollback() throws {
        core.reset()
        docTotals = [:]
        docTotalsStructure = nil
    }
    /// SAVEPOINT: pending data goes to the shadow tables first, so the pager's savepoint
    /// covers everything written after it.
    func savepoint(_ level: Int) throws { try host.keepingLastInsertRowid { try core.flush() } }
    /// ROLLBACK TO: the shadow tables are back at the savepoint; forget everything since.
    func rollbackTo(_ level: Int) throws { try rollback() }
    /// A statement's savepoint: pending data is marked, not written (SQLite writes it only
    /// for statements that may abort; marking keeps the segment shapes of one-row writes).
    func beginStatement(_ level: Int) throws { core.setMark() }
    func endStatement(_ level: Int, rollback: Bool) throws {
        core.endMark(rollback: rollback)
        if rollback {
            docTotals = [:]
            docTotalsStructure = nil
        }
    }

    func destroy() throws {
        for suffix in ["data", "idx", "content", "docsize", "config"] {
            try host.execute("DROP TABLE IF EXISTS '\(quoted)_\(suffix)'")
        }
    }

    /// xRename: pending data is written first, then each shadow table is renamed with its own
    /// ALTER TABLE (so its stored text becomes `CREATE TABLE "new_data"(…)`, as in SQLite).
    /// The connection then connects the table afresh under its new name; this object stays
    /// only as a member of the open transaction, with nothing pending. A failure is SQLite's
    /// bare message for the failed statement's code (fts5 reports the code, no message).
    func rename(to newName: String) throws {
        var suffixes = ["data", "idx"]
        if config.content == .normal { suffixes.append("content") }
        if config.columnsize { suffixes.append("docsize") }
        suffixes.append("config")
        let to = newName.doublingQuote("\"")
        do {
            try core.flush()
            for suffix in suffixes {
                try host.execute("ALTER TABLE \"\(config.name.doublingQuote("\""))_\(suffix)\" RENAME TO \"\(to)_\(suffix)\"")
            }
        } catch let e as DatabaseError {
            throw DatabaseError(e.code, e.code.message)
        }
    }
}

/// A scan of an fts5 table.
final class FTS5Cursor: VirtualTableCursor {
    let table: FTS5Table
    let id: Int64
    var rowids: [Int64] = []
    var position = 0
    var match: MatchSet? = nil
    var rowCache: (Int64, [Value])? = nil
    var rankCache: [Int64: Value] = [:]

    init(table: FTS5Table, id: Int64) {
        self.table = table
        self.id = id
    }

    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        try table.loadPendingConfig()
        position = 0
        match = nil
        rowCache = nil
        rankCache = [:]
        rankFunction = nil
        var argi = 0
        var rows: [Int64]
        table.core.refreshIfIdle()
        if indexNumber & 1 != 0 {
            let column = Int(indexNumber >> 8 & 0xFFFF)
            let q = argi < arguments.count ? arguments[argi].textValue ?? "" : ""
            argi += 1
            let parser = QueryParser(columns: table.config.columns, tokenizer: table.core.tokenizer)
            let node = try parser.parse(q, columnFilter: column < table.n ? [column] : nil)
            try QueryEvaluator.checkDetail(node, table.config.detail)
            try table.core.flush()
            let m = try QueryEvaluator(index: table.core.index, columnCount: table.n).evaluate(node)
            match = m
            rows = m.rowids
        } else {
            rows = []
        }
        var rankText = table.rankFunction
        if indexNumber & 16 != 0 {
            let v = argi < arguments.count ? arguments[argi] : .null
            argi += 1
            rankText = v.textValue ?? ""
        }
        if match != nil {
            guard let f = RankFunction.parse(rankText) else {
                throw DatabaseError(.error, "parse error in rank function: \(rankText)")
            }
            rankFunction = f
        }
        if indexNumber & 2 != 0 {
            let r = argi < arguments.count ? arguments[argi] : .null
            guard case .integer(let rowid) = r.applyingNumericAffinityForFTS else { rowids = []; return }
            if indexNumber & 1 != 0 {
                rows = MatchSet.contains(rows, rowid) ? [rowid] : []
            } else {
                rows = try table.allRowids().contains(rowid) ? [rowid] : []
            }
        } else if indexNumber & 1 == 0 {
            rows = try table.allRowids()
        }
        if indexNumber & 4 != 0 {
            // The rank of each row, computed with the cursor on it (highlight and snippet
            // read the current row); a failing rank function is "SQL logic error" here, as
            // in sqlite3's sorter.
            rowids = rows
            var ranks: [(Int64, Value)] = []
            ranks.reserveCapacity(rows.count)
            for p in rows.indices {
                position = p
                guard let f = rankFunction, !Self.auxiliaryNames.contains(f.name.lowercased()),
                      table.module?.auxiliary[f.name.lowercased()] == nil else {
                    do { ranks.append((rows[p], try rankValue())) } catch { throw DatabaseError(.error, "SQL logic error") }
                    continue
                }
                throw DatabaseError(.error, "no such function: \(f.name)")
            }
            position = 0
            rowCache = nil
            rows = ranks.sorted {
                let c = compareValues($0.1, $1.1)
                return c != 0 ? c < 0 : $0.0 < $1.0
            }.map(\.0)
        } else if indexNumber & 8 != 0 {
            rows.reverse()
        }
        rowids = rows
    }

    func next() throws { position += 1; rowCache = nil }
    var eof: Bool { position >= rowids.count }
    func rowid() throws -> Int64 { position < rowids.count ? rowids[position] : 0 }

    func values() throws -> [Value] {
        let r = try rowid()
        if let c = rowCache, c.0 == r { return c.1 }
        let v = try table.contentRow(r) ?? Array(repeating: .null, count: table.n)
        rowCache = (r, v)
        return v
    }

    func column(_ i: Int) throws -> Value {
        if i < table.n { let v = try values(); return i < v.count ? v[i] : .null }
        if i == table.n { return .integer(id) }
        guard match != nil else { return .null }
        return try rankValue()
    }

    /// The rank function of this scan (the `rank MATCH` argument or the table's `rank`
    /// option), set by filter when there is a match.
    var rankFunction: RankFunction? = nil

    /// The auxiliary functions a rank function may name.
    static let auxiliaryNames: Set<String> = ["bm25", "highlight", "snippet"]

    /// The rank of the current row: the rank function called on it with its arguments.
    func rankValue() throws -> Value {
        let r = try rowid()
        if let v = rankCache[r] { return v }
        let f = rankFunction ?? .standard
        let a = f.arguments
        let v: Value
        switch f.name.lowercased() {
        case "bm25":
            v = .real(try bm25(weights: a.map(\.realValueForFTS), rowid: r))
        case "highlight":
            guard a.count == 3 else { throw DatabaseError(.error, "wrong number of arguments to function highlight()") }
            v = try highlight(column: Int(a[0].integerValueForFTS), open: a[1].bytesForFTS, close: a[2].bytesForFTS)
        case "snippet":
            guard a.count == 5 else { throw DatabaseError(.error, "wrong number of arguments to function snippet()") }
            v = try snippet(column: Int(a[0].integerValueForFTS), open: a[1].bytesForFTS, close: a[2].bytesForFTS,
                            ellipsis: a[3].bytesForFTS, tokens: Int(a[4].integerValueForFTS))
        default:
            guard let custom = table.module?.auxiliary[f.name.lowercased()] else {
                throw DatabaseError(.error, "no such function: \(f.name)")
            }
            v = try custom.body(FTS5AuxiliaryContext(cursor: self), a)
        }
        rankCache[r] = v
        return v
    }

    /// detail=column/none: the phrase instances of row `r`, from re-tokenizing its content
    /// (SQLite does the same), restricted to each phrase's column filter. UNINDEXED columns
    /// are tokenized too (as SQLite 3.40 does: their tokens count in bm25 and highlight).
    func prepareInstances(_ r: Int64) throws {
        guard table.config.detail != .full, var m = match else { return }
        if let ri = m.rowInstances, ri.rowid == r { return }
        var hits = Array(repeating: [Int64](), count: m.phrases.count)
        if let row = try table.contentRow(r) {
            for c in 0..<min(table.n, row.count) {
                guard let text = row[c].textBytesForFTS else { continue }
                table.core.tokenizer.positionedTokens(text) { tok, offset in
                    for (i, p) in m.phrases.enumerated() where p.terms.count == 1 {
                        if i < m.phraseColumns.count, let cols = m.phraseColumns[i], !cols.contains(c) { continue }
                        let t = p.terms[0]
                        if t.matches(tok.bytes) {
                            let packed = packPosition(column: c, offset: offset)
                            if hits[i].last != packed { hits[i].append(packed) }
                        }
                    }
                }
            }
        }
        m.rowInstances = (r, hits)
        match = m
    }

    func bm25(weights: [Double], rowid: Int64? = nil) throws -> Double {
        let r = try rowid ?? self.rowid()
        try prepareInstances(r)
        guard let m = match else { return 0 }
        return Auxiliary.bm25(match: m, rowid: r, documentLength: try table.documentLength(r), averages: try table.core.averages(), weights: weights)
    }

    func highlight(column: Int, open: [UInt8], close: [UInt8]) throws -> Value {
        let vals = try values()
        // Out of range, SQLite 3.40 reads its content statement's column anyway: -1 is the
        // rowid (as text, nothing highlighted), anything else NULL.
        if column == -1 { return .text(String(try rowid())) }
        guard column >= 0, column < vals.count else { return .null }
        guard let text = vals[column].textBytesForFTS else { return .null }
        try prepareInstances(try rowid())
        guard let m = match else { return .text(String(decoding: text, as: UTF8.self)) }
        let out = Auxiliary.highlight(text: text, column: column, tokenizer: table.core.tokenizer, match: m, rowid: try rowid(), open: open, close: close)
        return .text(String(decoding: out, as: UTF8.self))
    }

    func snippet(column: Int, open: [UInt8], close: [UInt8], ellipsis: [UInt8], tokens: Int) throws -> Value {
        let vals = try values()
        let r = try rowid()
        try prepareInstances(r)
        let n = max(1, min(tokens, 64))
        guard column < table.n else { throw DatabaseError(.range, "column index out of range") }
        let cols = column >= 0 && column < vals.count ? [column] : Array(0..<vals.count)
        // Every phrase instance proposes a window starting at it (1000 per distinct phrase in
        // the window plus 1 per further instance, then centred on its hits), and the window
        // starting at the last sentence start before it (+100, +120 at the column start).
        // The first strictly best proposal wins (SQLite's snippet behaviour, observed).
        var best: (score: Int, column: Int, start: Int)? = nil
        for c in cols {
            guard let text = vals[c].textBytesForFTS else { continue }
            let toks = table.core.tokenizer.tokens(text)
            let nDoc = toks.count
            var hits: [(offset: Int, phrase: Int, length: Int)] = []
            for (i, ps) in match?.instances(r) ?? [:] {
                let len = max(match?.phrases[i].terms.count ?? 1, 1)
                for p in ps where p.column == c { hits.append((p.offset, i, len)) }
            }
            hits.sort { $0.offset != $1.offset ? $0.offset < $1.offset : $0.phrase < $1.phrase }
            if best == nil { best = (0, c, 0) }
            let sentences = (0..<nDoc).filter { Self.isSentenceStart(text, toks, $0) }
            func score(from start: Int) -> (Int, Int) {
                let inside = hits.filter { $0.offset >= start && $0.offset < start + n }
                let distinct = Set(inside.map(\.phrase)).count
                return (distinct * 1000 + inside.count - distinct, inside.map { $0.offset + $0.length }.max() ?? start)
            }
            for h in hits {
                let io = h.offset
                let (sc, lastEnd) = score(from: io)
                var adj = io - (n - (lastEnd - io)) / 2
                if adj + n > nDoc { adj = nDoc - n }
                if adj < 0 { adj = 0 }
                if sc > best?.score ?? 0 { best = (sc, c, adj) }
                if !sentences.isEmpty && nDoc > n, let s = sentences.last(where: { $0 <= io }), s < io {
                    let sc2 = score(from: s).0 + (s == 0 ? 120 : 100)
                    if sc2 > best?.score ?? 0 { best = (sc2, c, s) }
                }
            }
        }
        guard let chosen = best, let text = vals[chosen.column].textBytesForFTS else { return .null }
        let toks = table.core.tokenizer.tokens(text)
        guard !toks.isEmpty else { return .text("") }
        let first = min(chosen.start, toks.count - 1)
        let last = min(first + n, toks.count) - 1
        let sliceStart = first == 0 ? 0 : toks[first].start
        let sliceEnd = last == toks.count - 1 ? text.count : toks[last].end
        var out: [UInt8] = first > 0 ? ellipsis : []
        let piece = Array(text[sliceStart..<sliceEnd])
        if let m = match {
            var shifted: [Int: [Position]] = [:]
            for (i, ps) in m.instances(r) {
                shifted[i] = ps.filter { $0.column == chosen.column && $0.offset >= first && $0.offset <= last }
                    .map { Position(column: chosen.column, offset: $0.offset - first) }
            }
            out.append(contentsOf: Auxiliary.highlight(text: piece, column: chosen.column, tokenizer: table.core.tokenizer,
                                                       instances: shifted, phrases: m.phrases, open: open, close: close))
        } else {
            out.append(contentsOf: piece)
        }
        if last < toks.count - 1 { out.append(contentsOf: ellipsis) }
        return .text(String(decoding: out, as: UTF8.self))
    }

    /// A token starts a sentence when it is the first, or a '.' or ':' precedes it.
    static func isSentenceStart(_ text: [UInt8], _ toks: [Token], _ k: Int) -> Bool {
        guard k > 0 else { return true }
        guard k < toks.count, toks[k - 1].end <= toks[k].start else { return false }
        return text[toks[k - 1].end..<toks[k].start].contains { $0 == 0x2E || $0 == 0x3A }
    }
}

extension Value {
    /// An integer for a rowid comparison (text that looks like an integer converts).
    /// The value's numeric type as sqlite3_value_numeric_type sees it: text that reads as an
    /// integer (surrounding spaces allowed) is an integer, as a real number a real.
    var numericTypeForFTS: Value {
        guard case .text(let t) = self else { return self }
        let s = t.trimmingSpaces
        if let i = Int64(s) { return .integer(i) }
        if !s.isEmpty, let d = Double(s), d.isFinite, s.allSatisfy({ "0123456789+-.eE".contains($0) }) { return .real(d) }
        return self
    }

    var applyingNumericAffinityForFTS: Value {
        switch self {
        case .text(let t): if let i = Int64(t) { return .integer(i) } else { return self }
        case .real(let d): if d == d.rounded(), abs(d) < 9e18 { return .integer(Int64(d)) } else { return self }
        default: return self
        }
    }
}
