// This file implements STRICT tables: the datatype rules of a STRICT column definition and
// the check every INSERT / UPDATE makes (after affinity, after NOT NULL, before CHECK).
// Layer: L5. Spec: Spec/L5-sql.md §STRICT tables (invariants T1-T3).
import LoomBase
import LoomRecord
import LoomVDBE

extension Column {
    /// The type names a STRICT table accepts (stricttables.html §2).
    static let strictTypes: Set<String> = ["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"]

    /// Checks the declared type of a STRICT column and sets `strictType`; ANY columns keep
    /// values as given (no affinity).
    mutating func makeStrict(table: String) throws {
        if declaredType.isEmpty { throw DatabaseError(.error, "missing datatype for \(table).\(name)") }
        let upper = declaredType.uppercasedASCII
        guard Column.strictTypes.contains(upper) else {
            throw DatabaseError(.error, "unknown datatype for \(table).\(name): \"\(declaredType)\"")
        }
        strictType = upper
        if upper == "ANY" { affinity = .blob }
    }
}

extension Codegen {
    /// For each column of a STRICT table (rowid alias and ANY columns aside): halt with
    /// SQLITE_CONSTRAINT_DATATYPE "cannot store TYPE value in DECLARED column t.c" when the
    /// value (affinity applied) is not NULL and not of the column's type. Conflict clauses do
    /// not apply: the statement always fails.
    func codeStrictTypeChecks(_ table: Table, columns: Int) {
        guard case .found(let typeofFunction) = FunctionRegistry.lookup(name: "typeof", argc: 1) else { return }
        let kind = b.allocateRegister(), wanted = b.allocateRegister()
        for (i, column) in table.columns.enumerated() where i != table.rowidAlias {
            guard let type = column.strictType, type != "ANY" else { continue }
            let allowed: Set<String>
            switch type {
            case "INT", "INTEGER": allowed = ["null", "integer"]
            case "REAL": allowed = ["null", "integer", "real"]
            case "TEXT": allowed = ["null", "text"]
            default: allowed = ["null", "blob"]
            }
            let ok = b.makeLabel()
            b.emit(.function(function: typeofFunction, arguments: columns + i, argumentCount: 1, dest: kind))
            for name in ["null", "integer", "real", "text", "blob"] {
                b.emit(.string8(value: name, dest: wanted))
                if allowed.contains(name) {
                    b.emit(jumpTo: ok) { .eq(lhs: kind, rhs: wanted, target: $0) }
                    continue
                }
                let next = b.makeLabel()
                b.emit(jumpTo: next) { .ne(lhs: kind, rhs: wanted, target: $0) }
                let shown = name == "integer" ? "INT" : name.uppercasedASCII
                b.emit(.halt(code: .constraintDatatype, action: .abort,
                             message: "cannot store \(shown) value in \(type) column \(table.name).\(column.name)"))
                b.place(next)
            }
            b.place(ok)
        }
    }
}

extension Codegen {
    /// With BEFORE triggers for `event`, a STRICT table's values are type-checked before the
    /// triggers see them (SQLite 3.40 applies its type check as the affinity step there); the
    /// usual check after NOT NULL still runs.
    func codeStrictChecksBeforeTriggers(_ table: Table, _ event: TriggerEvent, columns: Int) {
        guard table.isStrict, !matchingTriggers(table, event, timing: .before).isEmpty else { return }
        codeStrictTypeChecks(table, columns: columns)
    }
}
