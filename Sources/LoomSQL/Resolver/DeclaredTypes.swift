// This file implements the declared types of a SELECT's result columns
// (`sqlite3_column_decltype`): a result column that is a table column (directly, or through
// a view, subquery, WITH table or scalar subquery) has that column's declared type; an
// expression has none. Layer: L5. Spec: Spec/L5-sql.md §Compiler.

extension ResolvedSelect {
    /// One entry per result column: the declared type, nil for expressions and for columns
    /// declared without a type.
    package var declaredTypes: [String?] {
        resultColumns.map { Self.declaredType(of: $0, in: [self]) }
    }

    /// The declared type of `expr` read in `selects` (innermost last).
    static func declaredType(of expr: RExpr, in selects: [ResolvedSelect]) -> String? {
        switch expr {
        case .column(let col, _, _, _):
            for select in selects.reversed() {
                guard let source = select.sources.first(where: { $0.cursor == col.cursor }) else { continue }
                if let sub = source.subquery {
                    guard col.column >= 0, col.column < sub.resultColumns.count else { return nil }
                    return declaredType(of: sub.resultColumns[col.column], in: [sub])
                }
                if col.column < 0 || col.column == source.table.rowidAlias && source.table.columns[col.column].declaredType.isEmpty {
                    return "INTEGER"
                }
                guard col.column < source.table.columns.count else { return nil }
                let type = source.table.columns[col.column].declaredType
                return type.isEmpty ? nil : type
            }
            return nil
        case .subquery(let sub):
            guard let first = sub.resultColumns.first else { return nil }
            return declaredType(of: first, in: selects + [sub])
        case .collate(let e, _):
            return declaredType(of: e, in: selects)
        default:
            return nil
        }
    }
}
