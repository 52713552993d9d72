// This file implements the pragma_* table-valued functions: each eponymous table runs
// `PRAGMA [schema.]name(arg)` through the host connection and returns its rows, with the
// hidden `arg` and `schema` columns SQLite gives them (pragma.html §PRAGMA functions).
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables (built-in modules).
import LoomBase
import LoomRecord

/// The pragmas that have a table-valued function, with their result columns and whether
/// they take an argument / a schema (the output of sqlite3 3.40's
/// `pragma_table_xinfo('pragma_NAME')` for every pragma in `pragma_pragma_list`).
package let pragmaFunctionColumns: [String: (columns: [String], arg: Bool, schema: Bool)] = [
        "analysis_limit": (["analysis_limit"], false, false),
        "application_id": (["application_id"], false, false),
        "auto_vacuum": (["auto_vacuum"], false, true),
        "automatic_index": (["automatic_index"], false, false),
        "busy_timeout": (["timeout"], false, false),
        "cache_size": (["cache_size"], false, true),
        "cache_spill": (["cache_spill"], false, true),
        "cell_size_check": (["cell_size_check"], false, false),
        "checkpoint_fullfsync": (["checkpoint_fullfsync"], false, false),
        "collation_list": (["seq", "name"], false, false),
        "compile_options": (["compile_options"], false, false),
        "count_changes": (["count_changes"], false, false),
        "data_version": (["data_version"], false, false),
        "database_list": (["seq", "name", "file"], false, false),
        "default_cache_size": (["cache_size"], false, true),
        "defer_foreign_keys": (["defer_foreign_keys"], false, false),
        "empty_result_callbacks": (["empty_result_callbacks"], false, false),
        "encoding": (["encoding"], false, false),
        "foreign_key_check": (["table", "rowid", "parent", "fkid"], true, true),
        "foreign_key_list": (["id", "seq", "table", "from", "to", "on_update", "on_delete", "match"], true, true),
        "foreign_keys": (["foreign_keys"], false, false),
        "freelist_count": (["freelist_count"], false, false),
        "full_column_names": (["full_column_names"], false, false),
        "fullfsync": (["fullfsync"], false, false),
        "function_list": (["name", "builtin", "type", "enc", "narg", "flags"], false, false),
        "hard_heap_limit": (["hard_heap_limit"], false, false),
        "ignore_check_constraints": (["ignore_check_constraints"], false, false),
        "index_info": (["seqno", "cid", "name"], true, true),
        "index_list": (["seq", "name", "unique", "origin", "partial"], true, true),
        "index_xinfo": (["seqno", "cid", "name", "desc", "coll", "key"], true, true),
        "integrity_check": (["integrity_check"], true, true),
        "journal_mode": (["journal_mode"], false, true),
        "journal_size_limit": (["journal_size_limit"], false, true),
        "legacy_alter_table": (["legacy_alter_table"], false, false),
        "locking_mode": (["locking_mode"], false, true),
        "max_page_count": (["max_page_count"], false, true),
        "module_list": (["name"], false, false),
        "optimize": (["optimize"], true, false),
        "page_count": (["page_count"], false, true),
        "page_size": (["page_size"], false, true),
        "pragma_list": (["name"], false, false),
        "query_only": (["query_only"], false, false),
        "quick_check": (["quick_check"], true, true),
        "read_uncommitted": (["read_uncommitted"], false, false),
        "recursive_triggers": (["recursive_triggers"], false, false),
        "reverse_unordered_selects": (["reverse_unordered_selects"], false, false),
        "schema_version": (["schema_version"], false, false),
        "secure_delete": (["secure_delete"], false, false),
        "short_column_names": (["short_column_names"], false, false),
        "soft_heap_limit": (["soft_heap_limit"], false, false),
        "synchronous": (["synchronous"], false, true),
        "table_info": (["cid", "name", "type", "notnull", "dflt_value", "pk"], true, true),
        "table_list": (["schema", "name", "type", "ncol", "wr", "strict"], true, false),
        "table_xinfo": (["cid", "name", "type", "notnull", "dflt_value", "pk", "hidden"], true, true),
        "temp_store": (["temp_store"], false, false),
        "threads": (["threads"], false, false),
        "trusted_schema": (["trusted_schema"], false, false),
        "user_version": (["user_version"], false, false),
        "writable_schema": (["writable_schema"], false, false),
]

/// `pragma_NAME`: registered on first use (as SQLite does; module_list shows only those used).
final class PragmaModule: VirtualTableModule {
    let pragma: String
    let columns: [String]
    let hasArgument: Bool
    let hasSchema: Bool
    init(pragma: String, columns: [String], hasArgument: Bool, hasSchema: Bool) {
        self.pragma = pragma
        self.columns = columns
        self.hasArgument = hasArgument
        self.hasSchema = hasSchema
    }
    var kind: VirtualTableModuleKind { .eponymousOnly }
    func connect(_ context: VirtualTableContext) throws -> any VirtualTable {
        PragmaTable(module: self, host: context.host)
    }

    /// The module for table name `name` ("pragma_table_info"), or nil.
    static func named(_ name: String) -> PragmaModule? {
        let lower = name.lowercasedASCII
        guard lower.hasPrefix("pragma_") else { return nil }
        let pragma = String(lower.dropFirst(7))
        guard let spec = pragmaFunctionColumns[pragma] else { return nil }
        return PragmaModule(pragma: pragma, columns: spec.columns, hasArgument: spec.arg, hasSchema: spec.schema)
    }
}

final class PragmaTable: VirtualTable {
    let module: PragmaModule
    unowned let host: any VirtualTableHost
    init(module: PragmaModule, host: any VirtualTableHost) {
        self.module = module
        self.host = host
    }

    var declaredSchema: String {
        var cols = module.columns.map { "\"" + $0 + "\"" }
        if module.hasArgument { cols.append("arg HIDDEN") }
        if module.hasSchema { cols.append("schema HIDDEN") }
        return "CREATE TABLE x(" + cols.joined(separator: ",") + ")"
    }

    /// idxNum 0. The first hidden column (arg, else schema) is used when constrained, the
    /// second only together with the first; they become filter's arguments in that order.
    func bestIndex(_ info: inout IndexInfo) throws {
        let first = module.columns.count
        let hidden = (module.hasArgument ? 1 : 0) + (module.hasSchema ? 1 : 0)
        var slots: [Int?] = Array(repeating: nil, count: hidden)
        for (i, c) in info.constraints.enumerated() where c.op == .eq && c.column >= first && c.column < first + hidden {
            if !c.usable { throw VirtualTableConstraintError() }
            slots[c.column - first] = slots[c.column - first] ?? i
        }
        info.indexNumber = 0
        guard hidden > 0, let a = slots[0] else {
            info.estimatedCost = 2_147_483_647
            info.estimatedRows = 2_147_483_647
            return
        }
        info.constraintUsage[a] = IndexInfo.ConstraintUsage(argvIndex: 1, omit: true)
        guard hidden > 1, let b = slots[1] else {
            info.estimatedCost = 1000
            info.estimatedRows = 1000
            return
        }
        info.constraintUsage[b] = IndexInfo.ConstraintUsage(argvIndex: 2, omit: true)
        info.estimatedCost = 20
        info.estimatedRows = 20
    }

    func open() throws -> any VirtualTableCursor { PragmaCursor(table: self) }
}

final class PragmaCursor: VirtualTableCursor {
    let table: PragmaTable
    private var rows: [[Value]] = []
    private var position = 0
    private var argument: Value = .null
    private var schema: Value = .null
    init(table: PragmaTable) { self.table = table }

    var eof: Bool { position >= rows.count }

    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        position = 0
        rows = []
        var k = 0
        argument = .null
        schema = .null
        if table.module.hasArgument, k < arguments.count { argument = arguments[k]; k += 1 }
        if table.module.hasSchema, k < arguments.count { schema = arguments[k]; k += 1 }
        var sql = "PRAGMA "
        if let s = schema.textValue, !schema.isNull { sql += quoteIdentifier(s) + "." }
        sql += table.module.pragma
        if !argument.isNull, let a = argument.textValue { sql += "(" + quoteLiteral(a) + ")" }
        let width = table.module.columns.count
        rows = try table.host.query(sql).map { row in
            Array(row.prefix(width)) + Array(repeating: Value.null, count: max(0, width - row.count))
        }
    }

    func next() throws { position += 1 }

    func column(_ i: Int) throws -> Value {
        guard !eof else { return .null }
        let width = table.module.columns.count
        if i < width { return rows[position][i] }
        let isArgument = table.module.hasArgument && i == width
        return isArgument ? argument : schema
    }

    func rowid() throws -> Int64 { Int64(position + 1) }

    private func quoteLiteral(_ s: String) -> String {
        "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }
    private func quoteIdentifier(_ s: String) -> String {
        "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
