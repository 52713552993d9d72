// This file implements the result column names PRAGMA full_column_names and
// short_column_names give (both deprecated, still acting in sqlite3 3.40).
// Layer: L5. Spec: Spec/L5-sql.md §Codegen (result names).
import LoomBase

extension Resolver {
    /// A `*` / `t.*` column: `alias.column` with full_column_names on and short_column_names
    /// off, else the column's name.
    func starName(_ source: SourceItem, _ column: String) -> String {
        c.schema.fullColumnNames && !c.schema.shortColumnNames ? "\(source.exposedName).\(column)" : column
    }

    /// An expression result without AS: a bare column (parentheses allowed) is
    /// `table.column` with full_column_names on (the table's own name, not its alias; a
    /// view's or WITH table's name; `rowid` for the rowid unless a column aliases it), its
    /// text as written with both flags off; other results keep their default name.
    func outputName(_ e: Expr, _ resolved: RExpr, scope: Scope) -> String {
        let short = defaultName(e, resolved, scope: scope)
        guard case .column(let col, _, _, _) = resolved, Self.isColumnReference(e) else { return short }
        if !c.schema.fullColumnNames { return c.schema.shortColumnNames ? short : c.text(e.span) }
        var s: Scope? = scope
        while let current = s {
            if let source = current.sources.first(where: { $0.cursor == col.cursor }) {
                let table = source.table
                let name: String
                if col.column >= 0 && col.column < table.columns.count { name = table.columns[col.column].name }
                else if let alias = table.rowidAlias { name = table.columns[alias].name }
                else { name = "rowid" }
                return "\(c.fullNameTables[source.cursor] ?? table.name).\(name)"
            }
            s = current.parent
        }
        return short
    }

    /// A column name in the AST (parentheses leave no node).
    static func isColumnReference(_ e: Expr) -> Bool {
        if case .column = e.kind { return true }
        return false
    }
}
