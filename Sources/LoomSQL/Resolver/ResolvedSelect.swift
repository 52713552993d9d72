// This file implements ResolvedSelect: one SELECT after name resolution, ready for the
// planner and codegen. Layer: L5. Spec: Spec/L5-sql.md §Resolver.
import LoomBase
import LoomRecord
import LoomVDBE

/// How a FROM item joins the items before it.
package enum JoinKind: Sendable {
    case inner, left, cross, right, full

    /// LEFT or FULL: the item gets a NULL row when the items before it have no match.
    package var padsRight: Bool { self == .left || self == .full }
    /// RIGHT or FULL: the items before it get NULL rows for each row of it never matched.
    package var padsLeft: Bool { self == .right || self == .full }
}

/// One item of the FROM clause, bound to the cursor that reads it.
package struct SourceItem {
    /// The fields, shared between copies until one of them changes (copy on write): items
    /// are copied through resolver, planner and codegen, and copying a dozen fields (a
    /// retain and release each) showed in per-statement profiles.
    private final class Storage {
        var table: Table
        var exposedName: String
        var writtenSchema: String? = nil
        var cursor: Int
        var join: JoinKind = .inner
        var on: RExpr? = nil
        var hiddenColumns: Set<Int> = []
        var usingCoalesce: [Int: RExpr] = [:]
        var usingNames: Set<String> = []
        var subquery: ResolvedSelect? = nil
        var recursive: RecursiveCTE? = nil
        var isRecursiveReference: Bool = false
        var indexHint: IndexHint? = nil
        var virtualTable: VirtualTableReference? = nil

        init(table: Table, exposedName: String, cursor: Int) {
            self.table = table
            self.exposedName = exposedName
            self.cursor = cursor
        }

        init(copying other: Storage) {
            table = other.table
            exposedName = other.exposedName
            cursor = other.cursor
            writtenSchema = other.writtenSchema
            join = other.join
            on = other.on
            hiddenColumns = other.hiddenColumns
            usingCoalesce = other.usingCoalesce
            usingNames = other.usingNames
            subquery = other.subquery
            recursive = other.recursive
            isRecursiveReference = other.isRecursiveReference
            indexHint = other.indexHint
            virtualTable = other.virtualTable
        }
    }
    private var storage: Storage

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    package init(table: Table, exposedName: String, cursor: Int) {
        storage = Storage(table: table, exposedName: exposedName, cursor: cursor)
    }

    package var table: Table {
        get { storage.table }
        _modify { makeUnique(); yield &storage.table }
    }
    /// The name the query uses for it (alias, else table name).
    package var exposedName: String {
        get { storage.exposedName }
        _modify { makeUnique(); yield &storage.exposedName }
    }
    /// The schema name written before the table in FROM (`aux.t`), when it has no alias:
    /// EXPLAIN QUERY PLAN prints it, as SQLite.
    package var writtenSchema: String? {
        get { storage.writtenSchema }
        _modify { makeUnique(); yield &storage.writtenSchema }
    }
    package var cursor: Int {
        get { storage.cursor }
        _modify { makeUnique(); yield &storage.cursor }
    }
    package var join: JoinKind {
        get { storage.join }
        _modify { makeUnique(); yield &storage.join }
    }
    /// The ON condition (USING is turned into ON terms).
    package var on: RExpr? {
        get { storage.on }
        _modify { makeUnique(); yield &storage.on }
    }
    /// Columns of this item that NATURAL/USING joins hide from `*`.
    package var hiddenColumns: Set<Int> {
        get { storage.hiddenColumns }
        _modify { makeUnique(); yield &storage.hiddenColumns }
    }
    /// USING columns of a later RIGHT or FULL join: an unqualified reference (and `*`) means
    /// coalesce of every joined table's column, as SQLite 3.39+ does.
    package var usingCoalesce: [Int: RExpr] {
        get { storage.usingCoalesce }
        _modify { makeUnique(); yield &storage.usingCoalesce }
    }
    /// The columns (lower-cased) of this item's own USING list or NATURAL join.
    package var usingNames: Set<String> {
        get { storage.usingNames }
        _modify { makeUnique(); yield &storage.usingNames }
    }
    /// A subquery in FROM (later): rows come from this select instead of a table.
    package var subquery: ResolvedSelect? {
        get { storage.subquery }
        _modify { makeUnique(); yield &storage.subquery }
    }
    /// A recursive WITH table: rows come from running this recursion (`subquery` is its
    /// initial select).
    package var recursive: RecursiveCTE? {
        get { storage.recursive }
        _modify { makeUnique(); yield &storage.recursive }
    }
    /// The recursive table's own name inside its recursive select: one row, read through
    /// a pseudo cursor the recursion loads.
    package var isRecursiveReference: Bool {
        get { storage.isRecursiveReference }
        _modify { makeUnique(); yield &storage.isRecursiveReference }
    }
    /// INDEXED BY / NOT INDEXED of the FROM item: limits the planner's index choice.
    package var indexHint: IndexHint? {
        get { storage.indexHint }
        _modify { makeUnique(); yield &storage.indexHint }
    }
    /// A virtual table: the connected table read through VOpen/VFilter.
    package var virtualTable: VirtualTableReference? {
        get { storage.virtualTable }
        _modify { makeUnique(); yield &storage.virtualTable }
    }
    /// True for a stored table (neither a subquery nor a recursive reference).
    package var isStoredTable: Bool { subquery == nil && !isRecursiveReference }
}

/// A recursive common table expression: `initial UNION [ALL] recursive…`, with the
/// ORDER BY / LIMIT / OFFSET that drive its queue.
package final class RecursiveCTE {
    package var initial: ResolvedSelect
    package var recursive: [ResolvedSelect] = []
    /// UNION ALL keeps every row; UNION drops rows already produced.
    package var unionAll = true
    /// Queue order (terms read `orderCursor` or name a column by `resultColumn`).
    package var orderBy: [OrderTerm] = []
    package var limit: RExpr? = nil
    package var offset: RExpr? = nil
    /// Pseudo cursor holding the row the recursive selects read.
    package var currentCursor: Int
    /// Pseudo cursor ORDER BY terms read (the row being queued).
    package var orderCursor: Int
    package var columnCount: Int

    package init(initial: ResolvedSelect, currentCursor: Int, orderCursor: Int, columnCount: Int) {
        self.initial = initial
        self.currentCursor = currentCursor
        self.orderCursor = orderCursor
        self.columnCount = columnCount
    }
}

/// One ORDER BY term.
package struct OrderTerm {
    package var expr: RExpr
    package var descending: Bool
    /// NULLS FIRST/LAST; nil is SQLite's default (NULLs first ascending, last descending).
    package var nullsFirst: Bool?
    /// The result column the term names (by number, alias or, in a compound, by match).
    package var resultColumn: Int? = nil
}

/// A SELECT after resolution.
package final class ResolvedSelect {
    package var sources: [SourceItem] = []
    package var resultColumns: [RExpr] = []
    package var columnNames: [String] = []
    /// The result names PRAGMA full_column_names / short_column_names give a statement's
    /// result (ColumnNames.swift); empty with the default settings (then `columnNames`).
    package var outputNames: [String] = []
    /// The AS alias of each result column, nil where none; empty when no column has one
    /// (most queries: then no array is built per statement). Otherwise one per result column.
    package var columnAliases: [String?] = []
    /// (alias, AST) of aliased result columns, for alias references in other clauses.
    package var aliasExprs: [(name: String, expr: Expr)] = []
    /// The parsed result columns of the core (shared with the AST: no copy per statement).
    package var resultColumnASTs: [ResultColumn] = []
    /// The AST of each expression result column (not of `*` expansions), built when asked
    /// (ORDER BY / GROUP BY matching only).
    package var resultASTs: [Expr] {
        resultColumnASTs.compactMap { if case .expr(let e, _) = $0 { return e } else { return nil } }
    }
    package var whereClause: RExpr? = nil
    package var groupBy: [RExpr] = []
    package var having: RExpr? = nil
    package var orderBy: [OrderTerm] = []
    package var limit: RExpr? = nil
    package var offset: RExpr? = nil
    package var distinct = false
    package var aggregates: [AggregateCall] = []
    /// True when the query has aggregates or GROUP BY (one output row per group).
    package var isAggregate = false
    /// Cursors of enclosing queries this query reads (correlated subqueries).
    package var outerCursors: Set<Int> = []
    /// Compound selects (later): this select's rows combined with `compound`'s.
    package var compound: (CompoundOperator, ResolvedSelect)? = nil
    /// Window function calls (WindowResolver.swift); call `k`'s result is column `k` of
    /// `windowCursor` (a placeholder cursor WindowCodegen maps to registers).
    package var windowCalls: [WindowCall] = []
    package var windowCursor = -1
    /// Aggregates that subqueries hand to this query (`SELECT (SELECT max(x)) FROM t`): call
    /// `k`'s result is column `k` of `aggregateCursor` (a placeholder cursor mapped to the
    /// accumulators when the output is coded; -1 until one is needed).
    package var aggregateCursor = -1
    /// The WINDOW clause (named windows), for OVER name / OVER (name …).
    package var namedWindows: [NamedWindow] = []
    /// Nonzero while the arguments of a window call are resolved (no nested windows).
    var windowDepth = 0

    package init() {}

    /// The last SELECT of a compound (self when none): sqlite3 takes a compound's column
    /// affinities and collations, where a comparison needs them, from its right-most SELECT.
    package var lastCore: ResolvedSelect {
        var s = self
        while let (_, next) = s.compound { s = next }
        return s
    }
}
