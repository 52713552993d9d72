// This file implements the declared types of a SELECT's result columns
// (`sqlite3_column_decltype`): a result column that is a table column (directly, or through
// a view, subquery, WITH table or scalar subquery) has that column's declared type; an
// expression has none. Layer: L5. Spec: Spec/L5-sql.md §Compiler.

extension ResolvedSelect {
    /// One entry per result column: the declared type, nil for expressions and for columns
    /// declared without a type.
    package var declaredTypes: [String?] {
        resultColumns.map { Self.declaredType(of: $0, in: self, outer: []) }
    }

    /// `declaredTypes`, or empty when every entry is nil (a program stores that as "none":
    /// no array per statement for a query of expressions and untyped columns).
    package var declaredTypesIfAny: [String?] {
        for (k, e) in resultColumns.enumerated() where Self.declaredType(of: e, in: self, outer: []) != nil {
            var types = [String?](repeating: nil, count: resultColumns.count)
            for j in k..<resultColumns.count { types[j] = Self.declaredType(of: resultColumns[j], in: self, outer: []) }
            return types
        }
        return []
    }

    /// The declared type of `expr` read in `select`, inside `outer` (innermost last). (The
    /// innermost select apart: no array per result column.)
    static func declaredType(of expr: RExpr, in select: ResolvedSelect, outer: [ResolvedSelect]) -> String? {
        switch expr {
        case .column(let col, _, _, _):
            if let type = declaredType(of: col, in: select) { return type }
            for select in outer.reversed() {
                if let type = declaredType(of: col, in: select) { return type }
            }
            return nil
        case .subquery(let sub):
            guard let first = sub.resultColumns.first else { return nil }
            return declaredType(of: first, in: sub, outer: outer + [select])
        case .collate(let e, _):
            return declaredType(of: e, in: select, outer: outer)
        default:
            return nil
        }
    }

    /// The declared type of column `col` when `select` has its cursor (`.some(nil)`: it has
    /// none), nil when the cursor is not one of `select`'s.
    private static func declaredType(of col: RColumn, in select: ResolvedSelect) -> String?? {
        guard let source = select.sources.first(where: { $0.cursor == col.cursor }) else { return nil }
        if let sub = source.subquery {
            guard col.column >= 0, col.column < sub.resultColumns.count else { return .some(nil) }
            return .some(declaredType(of: sub.resultColumns[col.column], in: sub, outer: []))
        }
        if col.column < 0 || col.column == source.table.rowidAlias && source.table.columns[col.column].declaredType.isEmpty {
            return .some("INTEGER")
        }
        guard col.column < source.table.columns.count else { return .some(nil) }
        let type = source.table.columns[col.column].declaredType
        return .some(type.isEmpty ? nil : type)
    }
}
