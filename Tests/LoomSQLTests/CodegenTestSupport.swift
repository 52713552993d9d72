// This file implements test support for the schema and codegen tests: schemas built from
// sqlite3's own sqlite_schema rows, and sqlite3's prepare-time error messages.
// Layer: L5 tests. Spec: Spec/L5-sql.md §Codegen.
import Foundation
import LoomBase
import LoomTestSupport
@testable import LoomSQL

enum CodegenOracle {
    /// The sqlite_schema rows sqlite3 writes for `setup` (a script of CREATE statements).
    static func schemaRows(_ setup: String) throws -> [SchemaRow] {
        let out = try Oracle.run(["-json", ":memory:"],
                                 input: setup + "\nSELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema;\n")
        guard !out.stdout.isEmpty,
              let data = out.stdout.data(using: .utf8),
              let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return array.map { row in
            SchemaRow(type: row["type"] as? String ?? "", name: row["name"] as? String ?? "",
                      tableName: row["tbl_name"] as? String ?? "",
                      rootPage: Int64((row["rootpage"] as? NSNumber)?.int64Value ?? 0),
                      sql: row["sql"] as? String)
        }
    }

    /// A Schema equal to the one sqlite3 builds for `setup`, with cookie 1.
    static func schema(_ setup: String) throws -> Schema {
        try Schema.build(rows: try schemaRows(setup), cookie: 1, fileFormat: 4)
    }

    /// The message sqlite3 gives when preparing `sql` after `setup` (nil when it prepares).
    /// Runtime errors are not prepare errors and give nil.
    static func prepareError(setup: String, _ sql: String) throws -> String? {
        let flat = setup.replacingOccurrences(of: "\n", with: " ")
        let out = try Oracle.run([":memory:"], input: flat + "\nEXPLAIN " + sql + ";\n")
        for line in out.stderr.split(separator: "\n") {
            if let r = line.range(of: "Parse error near line 2: ") {
                return String(line[r.upperBound...])
            }
        }
        return nil
    }
}

/// Compiles `sql` against `schema`, returning the error message or nil.
func loomPrepareError(_ sql: String, schema: Schema) -> String? {
    do {
        _ = try Compiler.prepare(sql, from: 0, schema: schema)
        return nil
    } catch let e as DatabaseError {
        return e.message
    } catch {
        return "\(error)"
    }
}
