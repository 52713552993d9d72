// This file implements the PRAGMAs that read the schema or the file header: table_info,
// foreign_key_list, index_list, index_info, index_xinfo, user_version, schema_version, application_id.
// Other pragmas compile to an empty program (the session handles connection pragmas; SQLite
// ignores unknown ones). Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomBTree
import LoomRecord
import LoomVDBE

extension Codegen {
    /// Codes `pragma`; returns the result column names.
    func codePragma(_ pragma: Pragma, span: SourceSpan) throws -> [String] {
        var dbName: String? = nil
        var dbNumber = 0
        if let s = pragma.schema {
            guard let n = c.schema.databaseNumber(named: s) else {
                // SQLite points at the schema name: the first token after PRAGMA.
                let bytes = Array(c.text(span).utf8)
                var i = min(6, bytes.count)
                while i < bytes.count, bytes[i] == 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0D) { i += 1 }
                throw c.error("unknown database \(s)", at: SourceSpan(start: span.start + i, end: span.end))
            }
            dbName = s
            dbNumber = n
        }
        switch pragma.name.lowercasedASCII {
        case "table_info", "table_xinfo":
            guard let name = pragma.value, let table = c.schema.table(named: name, in: dbName) else { return [] }
            let xinfo = pragma.name.lowercasedASCII == "table_xinfo"
            var cid = 0
            for (i, col) in table.columns.enumerated() where xinfo || col.generated == nil {
                defer { cid += 1 }
                // The six standard type names show in upper case, as SQLite stores them.
                let standard = ["ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT"]
                let upper = col.declaredType.uppercasedASCII
                let type = standard.contains(upper) ? upper : col.declaredType
                var row: [Value] = [.integer(Int64(cid)), .text(col.name), .text(type),
                                    .integer(col.notNull ? 1 : 0), defaultText(col, in: table),
                                    .integer(Int64((table.primaryKey.firstIndex(of: i) ?? -1) + 1))]
                if xinfo { row.append(.integer(Int64(col.hiddenKind))) }
                emitConstantRow(row)
            }
            return ["cid", "name", "type", "notnull", "dflt_value", "pk"] + (xinfo ? ["hidden"] : [])
        case "foreign_key_list":
            return codeForeignKeyList(pragma, in: dbName)
        case "index_list":
            guard let name = pragma.value, let table = c.schema.table(named: name, in: dbName) else { return [] }
            for (seq, index) in c.schema.indexes(on: table).enumerated() {
                let origin: String
                switch index.origin {
                case .createIndex: origin = "c"
                case .unique: origin = "u"
                case .primaryKey: origin = "pk"
                }
                emitConstantRow([.integer(Int64(seq)), .text(index.name), .integer(index.isUnique ? 1 : 0),
                                 .text(origin), .integer(index.whereClause == nil ? 0 : 1)])
            }
            return ["seq", "name", "unique", "origin", "partial"]
        case "index_info", "index_xinfo":
            guard let name = pragma.value, let index = c.schema.index(named: name, in: dbName),
                  let table = c.schema.table(named: index.tableName, in: dbName ?? c.schema.databaseNames[index.database] ?? "main") else { return [] }
            let x = pragma.name.lowercasedASCII == "index_xinfo"
            for (i, col) in index.columns.enumerated() {
                let colName: Value = col.column >= 0 ? .text(table.columns[col.column].name) : .null
                var row: [Value] = [.integer(Int64(i)), .integer(Int64(col.column)), colName]
                if x {
                    row += [.integer(col.descending ? 1 : 0), .text(col.collation ?? "BINARY"), .integer(1)]
                }
                emitConstantRow(row)
            }
            if x {
                emitConstantRow([.integer(Int64(index.columns.count)), .integer(-1), .null, .integer(0),
                                 .text("BINARY"), .integer(0)])
                return ["seqno", "cid", "name", "desc", "coll", "key"]
            }
            return ["seqno", "cid", "name"]
        case "user_version", "schema_version", "application_id":
            let field: MetaField
            switch pragma.name.lowercasedASCII {
            case "user_version": field = .userVersion
            case "schema_version": field = .schemaCookie
            default: field = .applicationID
            }
            c.usesDatabase = true
            if let value = pragma.value {
                guard let v = Int64(value) ?? Double(value).map({ Int64(exactly: $0.rounded(.towardZero)) ?? 0 }) else {
                    return []
                }
                c.writes = true
                b.emit(.setCookie(field: field, value: Int(Int32(truncatingIfNeeded: v)), database: dbNumber))
                return []
            }
            let r = b.allocateRegister()
            b.emit(.readCookie(dest: r, field: field, database: dbNumber))
            b.emit(.resultRow(start: r, count: 1))
            return [pragma.name.lowercasedASCII]
        default:
            return []
        }
    }

    /// The DEFAULT text as PRAGMA table_info shows it (the expression as written, without
    /// the parentheses of `DEFAULT (expr)`), NULL when none.
    private func defaultText(_ column: Column, in table: Table) -> Value {
        guard let d = column.defaultValue, let sql = table.sql else { return .null }
        var text = d.span.text(in: sql)
        if text.hasPrefix("(") && text.hasSuffix(")") && text.count >= 2 {
            text = String(text.dropFirst().dropLast())
        }
        return .text(text)
    }

    func emitConstantRow(_ values: [Value]) {
        let base = b.allocateRegisters(values.count)
        for (i, v) in values.enumerated() {
            switch v {
            case .null: b.emit(.null(dest: base + i))
            case .integer(let n): b.emit(.int64(value: n, dest: base + i))
            case .real(let d): b.emit(.real(value: d, dest: base + i))
            case .text(let s): b.emit(.string8(value: s, dest: base + i))
            case .blob(let bytes): b.emit(.blob(value: bytes, dest: base + i))
            }
        }
        b.emit(.resultRow(start: base, count: values.count))
    }
}

extension Codegen {
    /// PRAGMA foreign_key_list(table): SQLite's rows, read from the table's stored CREATE
    /// TABLE text. Constraints are numbered from the last declared (SQLite's order).
    func codeForeignKeyList(_ pragma: Pragma, in dbName: String? = nil) -> [String] {
        guard let name = pragma.value, let table = c.schema.table(named: name, in: dbName), let sql = table.sql else { return [] }
        var parser = Parser(sql: sql)
        guard let parsed = try? parser.parseNext(from: 0),
              case .createTable(let create) = parsed.0.kind,
              case .columns(let columns, let constraints, _) = create.body else { return [] }
        var keys: [(from: [String], clause: ForeignKeyClause)] = []
        for column in columns {
            for constraint in column.constraints {
                if case .references(let clause) = constraint.kind { keys.append(([column.name], clause)) }
            }
        }
        for constraint in constraints {
            if case .foreignKey(let from, let clause) = constraint.kind { keys.append((from, clause)) }
        }
        func actionText(_ action: ForeignKeyClause.Action?) -> String {
            switch action {
            case .setNull: return "SET NULL"
            case .setDefault: return "SET DEFAULT"
            case .cascade: return "CASCADE"
            case .restrict: return "RESTRICT"
            case .noAction, nil: return "NO ACTION"
            }
        }
        for (id, key) in keys.reversed().enumerated() {
            for (seq, from) in key.from.enumerated() {
                let to: Value = seq < key.clause.columns.count ? .text(key.clause.columns[seq]) : .null
                emitConstantRow([.integer(Int64(id)), .integer(Int64(seq)), .text(key.clause.table), .text(from), to,
                                 .text(actionText(key.clause.onUpdate)), .text(actionText(key.clause.onDelete)),
                                 .text("NONE")])
            }
        }
        return ["id", "seq", "table", "from", "to", "on_update", "on_delete", "match"]
    }
}
