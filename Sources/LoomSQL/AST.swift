// This file declares the abstract syntax tree the parser produces: statements, SELECT, expressions.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser".
//
// Names (identifiers) are stored dequoted, case as written. Every `Expr` and every `Statement`
// carries its UTF-8 byte span in the SQL it came from; CREATE statements also carry the span
// SQLite copies into sqlite_schema.sql (see `CreateTable.schemaTextStart`).
import LoomBase

// MARK: - Source spans

/// A half-open range of UTF-8 byte offsets `start..<end` in the SQL text.
package struct SourceSpan: Hashable, Sendable, CustomStringConvertible {
    package var start: Int
    package var end: Int
    package init(start: Int, end: Int) { self.start = start; self.end = end }
    package var range: Range<Int> { start..<end }
    package var isEmpty: Bool { start >= end }
    /// The text this span covers in `sql` (its UTF-8 bytes decoded; empty when out of range).
    package func text(in sql: String) -> String {
        let u = sql.utf8
        guard start >= 0, start <= end, end <= u.count else { return "" }
        let a = u.index(u.startIndex, offsetBy: start), b = u.index(u.startIndex, offsetBy: end)
        return String(decoding: u[a..<b], as: UTF8.self)
    }
    package var description: String { "\(start)..<\(end)" }
}

// MARK: - Statements

/// One SQL statement with its span (first token to last token, without the ';') and the
/// parameters it uses.
///
/// ```swift
/// switch statement.kind { case .select(let s): … default: … }
/// ```
package struct Statement: Hashable, Sendable {
    package var kind: Kind
    package var span: SourceSpan
    /// `sqlite3_bind_parameter_count`: the largest parameter index used.
    package var parameterCount: Int
    /// `sqlite3_bind_parameter_name` by index - 1: "?NNN", ":a", "@a", "$a", or nil for `?`.
    package var parameterNames: [String?]

    package init(kind: Kind, span: SourceSpan, parameterCount: Int = 0, parameterNames: [String?] = []) {
        self.kind = kind; self.span = span
        self.parameterCount = parameterCount; self.parameterNames = parameterNames
    }

    /// (Every case but `select` is boxed; `Select` is one reference already (PC16), so a
    /// SELECT's statement needs no box of its own.)
    package enum Kind: Hashable, Sendable {
        case select(Select)
        indirect case insert(Insert)
        indirect case update(Update)
        indirect case delete(Delete)
        indirect case createTable(CreateTable)
        indirect case createIndex(CreateIndex)
        indirect case createView(CreateView)
        indirect case createTrigger(CreateTrigger)
        indirect case createVirtualTable(CreateVirtualTable)
        indirect case drop(Drop)
        indirect case alterTable(AlterTable)
        indirect case pragma(Pragma)
        /// BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION [name]]
        indirect case begin(TransactionKind)
        /// COMMIT / END [TRANSACTION]
        case commit
        /// ROLLBACK [TRANSACTION] [TO [SAVEPOINT] name]
        indirect case rollback(toSavepoint: String?)
        indirect case savepoint(String)
        /// RELEASE [SAVEPOINT] name
        indirect case release(String)
        /// ATTACH [DATABASE] file AS schema [KEY key]
        indirect case attach(file: Expr, schema: Expr, key: Expr?)
        /// DETACH [DATABASE] schema
        indirect case detach(Expr)
        /// ANALYZE; ANALYZE name; ANALYZE schema.name
        indirect case analyze(schema: String?, name: String?)
        /// VACUUM [schema] [INTO expr]
        indirect case vacuum(schema: String?, into: Expr?)
        /// REINDEX; REINDEX name; REINDEX schema.name
        indirect case reindex(schema: String?, name: String?)
        /// EXPLAIN [QUERY PLAN] statement
        indirect case explain(queryPlan: Bool, Statement)
    }
}

extension Statement {
    /// For CREATE statements, the span SQLite copies into sqlite_schema.sql after its
    /// "CREATE <KIND> " prefix: from the unqualified object name to the statement's end.
    /// (CREATE TABLE … AS SELECT stores a generated text instead; see `CreateTable`.)
    package var schemaTextSpan: SourceSpan? {
        let start: Int
        switch kind {
        case .createTable(let c): start = c.schemaTextStart
        case .createIndex(let c): start = c.schemaTextStart
        case .createView(let c): start = c.schemaTextStart
        case .createTrigger(let c): start = c.schemaTextStart
        case .createVirtualTable(let c): start = c.schemaTextStart
        default: return nil
        }
        return SourceSpan(start: start, end: span.end)
    }
}

package enum TransactionKind: Hashable, Sendable { case deferred, immediate, exclusive }

/// `OR ROLLBACK | ABORT | FAIL | IGNORE | REPLACE` and `ON CONFLICT …` in constraints.
package enum ConflictResolution: Hashable, Sendable { case rollback, abort, fail, ignore, replace }

package enum SortOrder: Hashable, Sendable { case ascending, descending }
package enum NullsOrder: Hashable, Sendable { case first, last }

// MARK: - Expressions

/// An expression node: its kind and its source span. Match on `kind`.
///
/// The span covers the expression's text including enclosing parentheses when the
/// expression was parenthesised: `(a)` parses to the column `a` with the span of `(a)`,
/// as SQLite names result columns by their original text.
package struct Expr: Hashable, Sendable {
    package var kind: Kind
    package var span: SourceSpan
    /// Height of the tree as SQLite counts it for SQLITE_MAX_EXPR_DEPTH (a leaf is 1),
    /// computed at init from the children's heights (subqueries count 0).
    package private(set) var height: Int
    package init(_ kind: Kind, span: SourceSpan) {
        // (The height first: reading `kind` after storing it copied it, a retain and release.)
        self.height = 1 + Expr.childHeight(kind)
        self.kind = kind; self.span = span
    }

    /// Literals are stored inline (every other case is boxed): a boxed literal was an
    /// allocation per value of every INSERT … VALUES.
    package enum Kind: Hashable, Sendable {
        case literal(Literal)
        /// [[schema.]table.]column. A bare unquoted `true`/`false` is `.literal(.boolean)`.
        indirect case column(ColumnRef)
        indirect case parameter(Parameter)
        indirect case unary(UnaryOperator, Expr)
        indirect case binary(BinaryOperator, Expr, Expr)
        /// expr [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE escape]
        indirect case like(LikeOperator, negated: Bool, Expr, pattern: Expr, escape: Expr?)
        /// expr [NOT] BETWEEN low AND high
        indirect case between(Expr, negated: Bool, low: Expr, high: Expr)
        /// expr [NOT] IN (list). `x IN ()` has an empty list. Kept as written; note SQLite's
        /// grammar action rewrites `x IN ()` to the constant 0 (1 for NOT IN) and, when the list
        /// is one constant `c` and `x` is not a row value, `x IN (c)` to `x = +c` (`+c` so `c`
        /// lends no affinity) — codegen should do the same.
        indirect case inList(Expr, negated: Bool, [Expr])
        /// expr [NOT] IN (select)
        indirect case inSelect(Expr, negated: Bool, Select)
        /// expr [NOT] IN [schema.]table   or   expr [NOT] IN [schema.]function(args)
        indirect case inTable(Expr, negated: Bool, schema: String?, name: String, arguments: [Expr]?)
        /// expr ISNULL, expr IS NULL
        indirect case isNull(Expr)
        /// expr NOTNULL, expr NOT NULL, expr IS NOT NULL
        indirect case notNull(Expr)
        /// CASE [operand] WHEN … THEN … [ELSE …] END
        indirect case caseWhen(operand: Expr?, whens: [WhenThen], otherwise: Expr?)
        /// CAST(expr AS type); `type` is the type name text as written (may be empty).
        indirect case cast(Expr, type: String)
        /// expr COLLATE name
        indirect case collate(Expr, String)
        /// EXISTS (select). NOT EXISTS is `.unary(.not, exists)`.
        indirect case exists(Select)
        /// (select) used as a value
        indirect case subquery(Select)
        indirect case function(FunctionCall)
        /// RAISE(IGNORE) / RAISE(ROLLBACK|ABORT|FAIL, message)
        indirect case raise(RaiseAction, message: Expr?)
        /// (a, b, …) with two or more elements
        indirect case row([Expr])
    }
}

package struct WhenThen: Hashable, Sendable {
    package var when: Expr
    package var then: Expr
    package init(when: Expr, then: Expr) { self.when = when; self.then = then }
}

/// A literal value.
package enum Literal: Hashable, Sendable {
    /// A decimal integer that fits in Int64, or a hex literal 0x… (≤ 16 digits, two's complement).
    case integer(Int64)
    /// A decimal integer literal too large for Int64, kept as its text. It evaluates as a
    /// real (`Double(text)`), except when it is the direct operand of unary minus and the
    /// text is exactly "9223372036854775808": then `-x` is Int64.min (as SQLite does).
    case bigInteger(String)
    /// A real literal (has '.' or an exponent).
    case real(Double)
    /// '…' with '' unescaped.
    case string(String)
    /// x'…'
    case blob([UInt8])
    case null
    /// A bare unquoted `TRUE` / `FALSE`. SQLite treats these as identifiers first: when a
    /// column of that name is in scope, codegen must resolve it as that column.
    case boolean(Bool)
    case currentTime, currentDate, currentTimestamp
}

/// A column reference. `column` may be "*" never; `t.*` only appears in result columns.
package struct ColumnRef: Hashable, Sendable {
    package var schema: String?
    package var table: String?
    package var column: String
    /// The (single, unqualified) name was written in double quotes: if it names no column,
    /// SQLite treats it as a string literal.
    package var isDoubleQuoted: Bool
    package init(schema: String? = nil, table: String? = nil, column: String, isDoubleQuoted: Bool = false) {
        self.schema = schema; self.table = table; self.column = column; self.isDoubleQuoted = isDoubleQuoted
    }
}

/// A bound parameter. Indexes follow SQLite: `?` takes the next number after the largest so
/// far, `?NNN` is NNN, and a named parameter (`:a`, `@a`, `$a`) reuses the number of an
/// earlier occurrence of the same name, else takes the next number.
package struct Parameter: Hashable, Sendable {
    package var index: Int
    /// The token text (e.g. ":a", "?3"), nil for a plain `?`.
    package var name: String?
    package init(index: Int, name: String?) { self.index = index; self.name = name }
}

package enum UnaryOperator: Hashable, Sendable {
    /// `-x`
    case negate
    /// `+x`
    case plus
    /// `~x`
    case bitNot
    /// `NOT x`
    case not
}

package enum BinaryOperator: Hashable, Sendable {
    case or, and
    /// `=` or `==`
    case equal
    /// `!=` or `<>`
    case notEqual
    /// `IS`, `IS NOT DISTINCT FROM`
    case `is`
    /// `IS NOT`, `IS DISTINCT FROM`
    case isNot
    case less, lessEqual, greater, greaterEqual
    case bitAnd, bitOr, shiftLeft, shiftRight
    case add, subtract, multiply, divide, remainder
    /// `||`
    case concat
    /// `->`
    case jsonExtract
    /// `->>`
    case jsonExtractText
}

package enum LikeOperator: Hashable, Sendable { case like, glob, regexp, match }

package enum RaiseAction: Hashable, Sendable { case ignore, rollback, abort, fail }

/// name([DISTINCT] args | *) [FILTER (WHERE e)] [OVER window]
package struct FunctionCall: Hashable, Sendable {
    package var name: String
    package var distinct: Bool
    package var arguments: Arguments
    /// ORDER BY inside the argument list (SQLite ≥ 3.44). The 3.40 grammar we track rejects
    /// it, so the parser never fills this; present for additive growth.
    package var orderBy: [OrderingTerm]
    package var filter: Expr?
    package var over: WindowReference?

    package enum Arguments: Hashable, Sendable {
        /// `f(*)`
        case star
        /// `f(a, b)`; `f()` is an empty list.
        case list([Expr])
    }

    package init(name: String, distinct: Bool = false, arguments: Arguments, orderBy: [OrderingTerm] = [],
                 filter: Expr? = nil, over: WindowReference? = nil) {
        self.name = name; self.distinct = distinct; self.arguments = arguments
        self.orderBy = orderBy; self.filter = filter; self.over = over
    }
}

package enum WindowReference: Hashable, Sendable {
    /// OVER name
    case name(String)
    /// OVER ( … )
    case definition(WindowDefinition)
}

/// ( [base] [PARTITION BY …] [ORDER BY …] [frame] )
package struct WindowDefinition: Hashable, Sendable {
    package var base: String?
    package var partitionBy: [Expr]
    package var orderBy: [OrderingTerm]
    package var frame: FrameSpec?
    package init(base: String? = nil, partitionBy: [Expr] = [], orderBy: [OrderingTerm] = [], frame: FrameSpec? = nil) {
        self.base = base; self.partitionBy = partitionBy; self.orderBy = orderBy; self.frame = frame
    }
}

package struct FrameSpec: Hashable, Sendable {
    package enum Unit: Hashable, Sendable { case rows, range, groups }
    package enum Bound: Hashable, Sendable {
        case unboundedPreceding
        case preceding(Expr)
        case currentRow
        case following(Expr)
        case unboundedFollowing
    }
    package enum Exclude: Hashable, Sendable { case noOthers, currentRow, group, ties }
    package var unit: Unit
    package var start: Bound
    /// nil when written without BETWEEN (then the end is CURRENT ROW).
    package var end: Bound?
    package var exclude: Exclude?
    package init(unit: Unit, start: Bound, end: Bound?, exclude: Exclude?) {
        self.unit = unit; self.start = start; self.end = end; self.exclude = exclude
    }
}

/// expr [COLLATE is part of expr] [ASC|DESC] [NULLS FIRST|LAST]
package struct OrderingTerm: Hashable, Sendable {
    package var expr: Expr
    package var order: SortOrder?
    package var nulls: NullsOrder?
    package init(expr: Expr, order: SortOrder? = nil, nulls: NullsOrder? = nil) {
        self.expr = expr; self.order = order; self.nulls = nulls
    }
}

extension Expr {
    static func childHeight(_ kind: Kind) -> Int {
        switch kind {
        case .literal, .column, .parameter, .exists, .subquery: return 0
        case .unary(_, let e), .isNull(let e), .notNull(let e), .cast(let e, _), .collate(let e, _):
            return e.height
        case .binary(_, let a, let b): return Swift.max(a.height, b.height)
        case .like(_, _, let a, let p, let e): return Swift.max(a.height, p.height, e?.height ?? 0)
        case .between(let a, _, let l, let h): return Swift.max(a.height, l.height, h.height)
        case .inList(let a, _, let list): return list.reduce(a.height) { Swift.max($0, $1.height) }
        case .inSelect(let a, _, _): return a.height
        case .inTable(let a, _, _, _, let args): return (args ?? []).reduce(a.height) { Swift.max($0, $1.height) }
        case .caseWhen(let op, let whens, let other):
            var h = Swift.max(op?.height ?? 0, other?.height ?? 0)
            for w in whens { h = Swift.max(h, w.when.height, w.then.height) }
            return h
        case .function(let f):
            if case .list(let args) = f.arguments { return args.reduce(0) { Swift.max($0, $1.height) } }
            return 0
        case .raise(_, let m): return m?.height ?? 0
        case .row(let list): return list.reduce(0) { Swift.max($0, $1.height) }
        }
    }
}

// MARK: - SELECT

/// [WITH …] core [compound core]* [ORDER BY …] [LIMIT …]
///
/// Its fields live in one private copy-on-write box (PC16, as `Table`'s PC1): a copy is one
/// retain (the statement, the resolver and codegen each take the select out of its enum).
package struct Select: Hashable, Sendable {
    private struct Fields: Hashable {
        var with: WithClause?
        var first: SelectCore
        var compounds: [CompoundTerm]
        var orderBy: [OrderingTerm]
        var limit: Limit?
        var span: SourceSpan
    }
    private var box: CopyOnWriteBox<Fields>
    private var fields: Fields {
        get { box.value }
        _modify { CopyOnWriteBox.makeUnique(&box); yield &box.value }
    }

    package init(with: WithClause? = nil, first: SelectCore, compounds: [CompoundTerm] = [],
                 orderBy: [OrderingTerm] = [], limit: Limit? = nil, span: SourceSpan) {
        box = CopyOnWriteBox(Fields(with: with, first: first, compounds: compounds, orderBy: orderBy,
                                    limit: limit, span: span))
    }

    package var with: WithClause? {
        get { box.value.with }
        _modify { yield &fields.with }
    }
    package var first: SelectCore {
        get { box.value.first }
        _modify { yield &fields.first }
    }
    package var compounds: [CompoundTerm] {
        get { box.value.compounds }
        _modify { yield &fields.compounds }
    }
    package var orderBy: [OrderingTerm] {
        get { box.value.orderBy }
        _modify { yield &fields.orderBy }
    }
    package var limit: Limit? {
        get { box.value.limit }
        _modify { yield &fields.limit }
    }
    package var span: SourceSpan {
        get { box.value.span }
        _modify { yield &fields.span }
    }

    package static func == (a: Select, b: Select) -> Bool { a.box === b.box || a.box.value == b.box.value }
    package func hash(into h: inout Hasher) { h.combine(box.value) }
}

/// A value held in a class: copying its holder is one retain, and a holder writes through
/// `makeUnique` first, which copies the value when the box is shared (PC16).
final class CopyOnWriteBox<Value>: @unchecked Sendable {
    // Unchecked Sendable: a shared box is never written (`makeUnique` copies first).
    var value: Value
    init(_ value: Value) { self.value = value }

    /// Replaces `box` by a copy of its value when the box is shared.
    @inline(__always)
    static func makeUnique(_ box: inout CopyOnWriteBox<Value>) {
        if !isKnownUniquelyReferenced(&box) { box = CopyOnWriteBox(box.value) }
    }
}

package struct WithClause: Hashable, Sendable {
    package var recursive: Bool
    package var tables: [CommonTableExpression]
    package init(recursive: Bool, tables: [CommonTableExpression]) { self.recursive = recursive; self.tables = tables }
}

/// name [(columns)] AS [[NOT] MATERIALIZED] (select)
package struct CommonTableExpression: Hashable, Sendable {
    package enum Materialization: Hashable, Sendable { case materialized, notMaterialized }
    package var name: String
    package var columns: [String]?
    package var materialization: Materialization?
    package var select: Select
    package init(name: String, columns: [String]?, materialization: Materialization?, select: Select) {
        self.name = name; self.columns = columns; self.materialization = materialization; self.select = select
    }
}

package enum CompoundOperator: Hashable, Sendable { case union, unionAll, intersect, except }

package struct CompoundTerm: Hashable, Sendable {
    package var op: CompoundOperator
    package var core: SelectCore
    package init(op: CompoundOperator, core: SelectCore) { self.op = op; self.core = core }
}

/// (Not boxed: both payloads are one reference, `SelectClause` being a box itself, PC16.)
package enum SelectCore: Hashable, Sendable {
    case select(SelectClause)
    /// VALUES (…), (…)
    case values([[Expr]])
}

/// SELECT [DISTINCT|ALL] columns [FROM] [WHERE] [GROUP BY] [HAVING] [WINDOW]
///
/// A copy-on-write box as `Select` (PC16): a copy is one retain.
package struct SelectClause: Hashable, Sendable {
    private struct Fields: Hashable {
        var distinct: Bool
        var columns: [ResultColumn]
        var from: FromClause?
        var `where`: Expr?
        var groupBy: [Expr]
        var having: Expr?
        var windows: [NamedWindow]
    }
    private var box: CopyOnWriteBox<Fields>
    private var fields: Fields {
        get { box.value }
        _modify { CopyOnWriteBox.makeUnique(&box); yield &box.value }
    }

    package init(distinct: Bool = false, columns: [ResultColumn], from: FromClause? = nil, where: Expr? = nil,
                 groupBy: [Expr] = [], having: Expr? = nil, windows: [NamedWindow] = []) {
        box = CopyOnWriteBox(Fields(distinct: distinct, columns: columns, from: from, where: `where`,
                                    groupBy: groupBy, having: having, windows: windows))
    }

    package var distinct: Bool {
        get { box.value.distinct }
        _modify { yield &fields.distinct }
    }
    package var columns: [ResultColumn] {
        get { box.value.columns }
        _modify { yield &fields.columns }
    }
    package var from: FromClause? {
        get { box.value.from }
        _modify { yield &fields.from }
    }
    package var `where`: Expr? {
        get { box.value.where }
        _modify { yield &fields.where }
    }
    package var groupBy: [Expr] {
        get { box.value.groupBy }
        _modify { yield &fields.groupBy }
    }
    package var having: Expr? {
        get { box.value.having }
        _modify { yield &fields.having }
    }
    package var windows: [NamedWindow] {
        get { box.value.windows }
        _modify { yield &fields.windows }
    }

    package static func == (a: SelectClause, b: SelectClause) -> Bool {
        a.box === b.box || a.box.value == b.box.value
    }
    package func hash(into h: inout Hasher) { h.combine(box.value) }
}

package struct NamedWindow: Hashable, Sendable {
    package var name: String
    package var definition: WindowDefinition
    package init(name: String, definition: WindowDefinition) { self.name = name; self.definition = definition }
}

package enum ResultColumn: Hashable, Sendable {
    /// `*`
    case star
    /// `t.*`
    case tableStar(String)
    /// expr [[AS] alias]. The column's default name is `expr.span` text.
    case expr(Expr, alias: String?)
}

/// LIMIT limit [OFFSET offset]; `LIMIT a, b` is stored as limit b, offset a.
package struct Limit: Hashable, Sendable {
    package var limit: Expr
    package var offset: Expr?
    package init(limit: Expr, offset: Expr?) { self.limit = limit; self.offset = offset }
}

/// A FROM clause: a left-deep chain `first op1 t1 op2 t2 …`. A comma is a join operator.
package struct FromClause: Hashable, Sendable {
    package var first: TableOrSubquery
    package var joins: [Join]
    package init(first: TableOrSubquery, joins: [Join] = []) { self.first = first; self.joins = joins }
}

package struct Join: Hashable, Sendable {
    package var op: JoinOperator
    package var table: TableOrSubquery
    package var constraint: JoinConstraint?
    package init(op: JoinOperator, table: TableOrSubquery, constraint: JoinConstraint?) {
        self.op = op; self.table = table; self.constraint = constraint
    }
}

package struct JoinOperator: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        /// `,`
        case comma
        /// JOIN, INNER JOIN
        case inner
        /// LEFT [OUTER] JOIN
        case left
        /// RIGHT [OUTER] JOIN
        case right
        /// FULL [OUTER] JOIN
        case full
        /// CROSS JOIN
        case cross
    }
    package var natural: Bool
    package var kind: Kind
    package init(natural: Bool = false, kind: Kind) { self.natural = natural; self.kind = kind }
}

package enum JoinConstraint: Hashable, Sendable {
    case on(Expr)
    case using([String])
}

package enum IndexHint: Hashable, Sendable {
    /// INDEXED BY name
    case indexedBy(String)
    /// NOT INDEXED
    case notIndexed
}

package indirect enum TableOrSubquery: Hashable, Sendable {
    /// [schema.]name [[AS] alias] [INDEXED BY i | NOT INDEXED]
    case table(QualifiedTableName)
    /// [schema.]function(args) [[AS] alias]
    case function(schema: String?, name: String, arguments: [Expr], alias: String?)
    /// (select) [[AS] alias]
    case subquery(Select, alias: String?)
    /// (join-clause) — a parenthesised FROM list.
    case join(FromClause)
}

/// [schema.]name [[AS] alias] [INDEXED BY i | NOT INDEXED]
package struct QualifiedTableName: Hashable, Sendable {
    package var schema: String?
    package var name: String
    package var alias: String?
    package var indexHint: IndexHint?
    package init(schema: String? = nil, name: String, alias: String? = nil, indexHint: IndexHint? = nil) {
        self.schema = schema; self.name = name; self.alias = alias; self.indexHint = indexHint
    }
}

// MARK: - INSERT / UPDATE / DELETE

/// [WITH] INSERT [OR conflict] | REPLACE INTO [schema.]table [AS alias] [(columns)] source
/// [upsert…] [RETURNING …]
package struct Insert: Hashable, Sendable {
    package enum Source: Hashable, Sendable {
        /// VALUES … or SELECT … (VALUES is a `SelectCore.values`).
        case select(Select)
        case defaultValues
    }
    package var with: WithClause?
    /// nil for plain INSERT; `.replace` for REPLACE and INSERT OR REPLACE.
    package var orConflict: ConflictResolution?
    package var schema: String?
    package var table: String
    package var alias: String?
    package var columns: [String]?
    package var source: Source
    package var upserts: [Upsert]
    package var returning: [ResultColumn]
    package init(with: WithClause? = nil, orConflict: ConflictResolution? = nil, schema: String? = nil, table: String,
                 alias: String? = nil, columns: [String]? = nil, source: Source, upserts: [Upsert] = [],
                 returning: [ResultColumn] = []) {
        self.with = with; self.orConflict = orConflict; self.schema = schema; self.table = table
        self.alias = alias; self.columns = columns; self.source = source; self.upserts = upserts
        self.returning = returning
    }
}

/// ON CONFLICT [(target) [WHERE …]] DO NOTHING | DO UPDATE SET … [WHERE …]
package struct Upsert: Hashable, Sendable {
    package enum Action: Hashable, Sendable {
        case nothing
        case update(sets: [SetClause], where: Expr?)
    }
    package var target: [OrderingTerm]?
    package var targetWhere: Expr?
    package var action: Action
    package init(target: [OrderingTerm]?, targetWhere: Expr?, action: Action) {
        self.target = target; self.targetWhere = targetWhere; self.action = action
    }
}

/// column = expr, or (c1, c2) = expr
package struct SetClause: Hashable, Sendable {
    package var columns: [String]
    package var value: Expr
    /// `(a) = …`: a one-name list still takes a row value's count check (sqlite3: "1 columns
    /// assigned 2 values").
    package var parenthesized: Bool
    package init(columns: [String], value: Expr, parenthesized: Bool = false) {
        self.columns = columns; self.value = value; self.parenthesized = parenthesized
    }
}

package struct Update: Hashable, Sendable {
    package var with: WithClause?
    package var orConflict: ConflictResolution?
    package var table: QualifiedTableName
    package var sets: [SetClause]
    package var from: FromClause?
    package var `where`: Expr?
    package var returning: [ResultColumn]
    package var orderBy: [OrderingTerm]
    package var limit: Limit?
    package init(with: WithClause? = nil, orConflict: ConflictResolution? = nil, table: QualifiedTableName,
                 sets: [SetClause], from: FromClause? = nil, where: Expr? = nil, returning: [ResultColumn] = [],
                 orderBy: [OrderingTerm] = [], limit: Limit? = nil) {
        self.with = with; self.orConflict = orConflict; self.table = table; self.sets = sets
        self.from = from; self.where = `where`; self.returning = returning; self.orderBy = orderBy
        self.limit = limit
    }
}

package struct Delete: Hashable, Sendable {
    package var with: WithClause?
    package var table: QualifiedTableName
    package var `where`: Expr?
    package var returning: [ResultColumn]
    package var orderBy: [OrderingTerm]
    package var limit: Limit?
    package init(with: WithClause? = nil, table: QualifiedTableName, where: Expr? = nil,
                 returning: [ResultColumn] = [], orderBy: [OrderingTerm] = [], limit: Limit? = nil) {
        self.with = with; self.table = table; self.where = `where`; self.returning = returning
        self.orderBy = orderBy; self.limit = limit
    }
}

// MARK: - CREATE / DROP / ALTER

/// CREATE [TEMP] TABLE [IF NOT EXISTS] [schema.]name (columns, constraints) [options] | AS select
///
/// SQLite stores `"CREATE TABLE " + sql[schemaTextStart..<span.end]` in sqlite_schema.sql:
/// the text from the unqualified name token onward, verbatim (`create temp table main . t (a)`
/// is stored as `CREATE TABLE t (a)`). The same rule holds for every CREATE statement with
/// its own keyword ("CREATE INDEX", "CREATE UNIQUE INDEX", "CREATE VIEW", "CREATE TRIGGER",
/// "CREATE VIRTUAL TABLE"); `Statement.span.end` is the end. Exception: for CREATE TABLE …
/// AS SELECT SQLite stores a generated text ("CREATE TABLE t(x,y)"), built by codegen.
package struct CreateTable: Hashable, Sendable {
    package enum Body: Hashable, Sendable {
        case columns([ColumnDefinition], constraints: [TableConstraint], options: TableOptions)
        case select(Select)
    }
    package var temporary: Bool
    package var ifNotExists: Bool
    package var schema: String?
    package var name: String
    package var body: Body
    /// UTF-8 offset of the unqualified name token.
    package var schemaTextStart: Int
    package init(temporary: Bool, ifNotExists: Bool, schema: String?, name: String, body: Body, schemaTextStart: Int) {
        self.temporary = temporary; self.ifNotExists = ifNotExists; self.schema = schema
        self.name = name; self.body = body; self.schemaTextStart = schemaTextStart
    }
}

package struct TableOptions: OptionSet, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    package static let withoutRowid = TableOptions(rawValue: 1)
    package static let strict = TableOptions(rawValue: 2)
}

/// name [type] [constraints]
package struct ColumnDefinition: Hashable, Sendable {
    package var name: String
    /// The declared type as SQLite records it: the text from its first to its last token
    /// ("VARCHAR ( 10 )"), minus a trailing "GENERATED ALWAYS", dequoted when it starts with
    /// a quote; nil when absent or empty.
    package var type: String?
    package var constraints: [ColumnConstraint]
    /// From the name to the end of the last constraint (ALTER TABLE ADD COLUMN needs it).
    package var span: SourceSpan
    package init(name: String, type: String?, constraints: [ColumnConstraint], span: SourceSpan) {
        self.name = name; self.type = type; self.constraints = constraints; self.span = span
    }
}

package struct ColumnConstraint: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        case primaryKey(order: SortOrder?, onConflict: ConflictResolution?, autoincrement: Bool)
        case notNull(onConflict: ConflictResolution?)
        /// `NULL` (accepted and ignored by SQLite)
        case null(onConflict: ConflictResolution?)
        case unique(onConflict: ConflictResolution?)
        case check(Expr)
        /// DEFAULT literal | signed-number | (expr) | identifier. A signed number is a
        /// `.unary(.negate/.plus, literal)`; an identifier is a `.column` (SQLite uses its name
        /// as a string); `(expr)` is the expr (with the span of the parentheses).
        case `default`(Expr)
        case collate(String)
        case references(ForeignKeyClause)
        /// [GENERATED ALWAYS] AS (expr) [STORED|VIRTUAL]
        case generated(Expr, stored: Bool)
    }
    /// CONSTRAINT name
    package var name: String?
    package var kind: Kind
    package init(name: String? = nil, kind: Kind) { self.name = name; self.kind = kind }
}

package struct TableConstraint: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        case primaryKey([OrderingTerm], autoincrement: Bool, onConflict: ConflictResolution?)
        case unique([OrderingTerm], onConflict: ConflictResolution?)
        case check(Expr)
        case foreignKey(columns: [String], ForeignKeyClause)
    }
    package var name: String?
    package var kind: Kind
    package init(name: String? = nil, kind: Kind) { self.name = name; self.kind = kind }
}

/// REFERENCES table [(columns)] [ON DELETE|UPDATE action | MATCH name]* [[NOT] DEFERRABLE [INITIALLY …]]
package struct ForeignKeyClause: Hashable, Sendable {
    package enum Action: Hashable, Sendable { case setNull, setDefault, cascade, restrict, noAction }
    package enum Deferrable: Hashable, Sendable {
        /// NOT DEFERRABLE [INITIALLY …], DEFERRABLE INITIALLY IMMEDIATE, DEFERRABLE
        case notDeferred
        /// DEFERRABLE INITIALLY DEFERRED
        case initiallyDeferred
    }
    package var table: String
    package var columns: [String]
    package var onDelete: Action?
    package var onUpdate: Action?
    package var match: String?
    package var deferrable: Deferrable?
    package init(table: String, columns: [String] = [], onDelete: Action? = nil, onUpdate: Action? = nil,
                 match: String? = nil, deferrable: Deferrable? = nil) {
        self.table = table; self.columns = columns; self.onDelete = onDelete; self.onUpdate = onUpdate
        self.match = match; self.deferrable = deferrable
    }
}

/// CREATE [UNIQUE] INDEX [IF NOT EXISTS] [schema.]name ON table (columns) [WHERE expr]
package struct CreateIndex: Hashable, Sendable {
    package var unique: Bool
    package var ifNotExists: Bool
    package var schema: String?
    package var name: String
    package var table: String
    package var columns: [OrderingTerm]
    package var `where`: Expr?
    package var schemaTextStart: Int
    package init(unique: Bool, ifNotExists: Bool, schema: String?, name: String, table: String,
                 columns: [OrderingTerm], where: Expr?, schemaTextStart: Int) {
        self.unique = unique; self.ifNotExists = ifNotExists; self.schema = schema; self.name = name
        self.table = table; self.columns = columns; self.where = `where`; self.schemaTextStart = schemaTextStart
    }
}

/// CREATE [TEMP] VIEW [IF NOT EXISTS] [schema.]name [(columns)] AS select
package struct CreateView: Hashable, Sendable {
    package var temporary: Bool
    package var ifNotExists: Bool
    package var schema: String?
    package var name: String
    package var columns: [String]?
    package var select: Select
    package var schemaTextStart: Int
    package init(temporary: Bool, ifNotExists: Bool, schema: String?, name: String, columns: [String]?,
                 select: Select, schemaTextStart: Int) {
        self.temporary = temporary; self.ifNotExists = ifNotExists; self.schema = schema; self.name = name
        self.columns = columns; self.select = select; self.schemaTextStart = schemaTextStart
    }
}

/// CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]name [BEFORE|AFTER|INSTEAD OF] event ON table
/// [FOR EACH ROW] [WHEN expr] BEGIN stmt; … END
package struct CreateTrigger: Hashable, Sendable {
    package enum Timing: Hashable, Sendable { case before, after, insteadOf }
    package enum Event: Hashable, Sendable {
        case delete, insert
        /// UPDATE [OF columns]
        case update(columns: [String]?)
    }
    package var temporary: Bool
    package var ifNotExists: Bool
    package var schema: String?
    package var name: String
    /// nil when omitted (SQLite's default is BEFORE).
    package var timing: Timing?
    package var event: Event
    package var table: String
    package var forEachRow: Bool
    package var when: Expr?
    /// Each is an insert, update, delete or select.
    package var body: [Statement]
    package var schemaTextStart: Int
    /// The schema qualifier of the table (`ON main.t`), nil when unqualified.
    package var tableSchema: String?
    package init(temporary: Bool, ifNotExists: Bool, schema: String?, name: String, timing: Timing?,
                 event: Event, table: String, forEachRow: Bool, when: Expr?, body: [Statement],
                 schemaTextStart: Int, tableSchema: String? = nil) {
        self.temporary = temporary; self.ifNotExists = ifNotExists; self.schema = schema; self.name = name
        self.timing = timing; self.event = event; self.table = table; self.forEachRow = forEachRow
        self.when = when; self.body = body; self.schemaTextStart = schemaTextStart
        self.tableSchema = tableSchema
    }
}

/// CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module [(args)]
package struct CreateVirtualTable: Hashable, Sendable {
    package var ifNotExists: Bool
    package var schema: String?
    package var name: String
    package var module: String
    /// Each argument's text as written (trimmed), nil when there is no argument list.
    package var arguments: [String]?
    package var schemaTextStart: Int
    package init(ifNotExists: Bool, schema: String?, name: String, module: String, arguments: [String]?,
                 schemaTextStart: Int) {
        self.ifNotExists = ifNotExists; self.schema = schema; self.name = name; self.module = module
        self.arguments = arguments; self.schemaTextStart = schemaTextStart
    }
}

/// DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] [schema.]name
package struct Drop: Hashable, Sendable {
    package enum Kind: Hashable, Sendable { case table, index, view, trigger }
    package var kind: Kind
    package var ifExists: Bool
    package var schema: String?
    package var name: String
    package init(kind: Kind, ifExists: Bool, schema: String?, name: String) {
        self.kind = kind; self.ifExists = ifExists; self.schema = schema; self.name = name
    }
}

/// ALTER TABLE [schema.]table action
package struct AlterTable: Hashable, Sendable {
    package enum Action: Hashable, Sendable {
        case renameTo(String)
        /// RENAME [COLUMN] old TO new
        case renameColumn(from: String, to: String)
        /// ADD [COLUMN] definition
        case addColumn(ColumnDefinition)
        /// DROP [COLUMN] name
        case dropColumn(String)
    }
    package var schema: String?
    package var table: String
    package var action: Action
    package init(schema: String?, table: String, action: Action) {
        self.schema = schema; self.table = table; self.action = action
    }
}

/// PRAGMA [schema.]name [= value | (value)]
package struct Pragma: Hashable, Sendable {
    package var schema: String?
    package var name: String
    /// The value as SQLite passes it on: names and strings dequoted, numbers as written,
    /// a leading '-' kept ("-1"), ON/DELETE/DEFAULT as written.
    package var value: String?
    /// true for `PRAGMA x(value)`, false for `PRAGMA x = value` or no value.
    package var isCallForm: Bool
    package init(schema: String?, name: String, value: String?, isCallForm: Bool) {
        self.schema = schema; self.name = name; self.value = value; self.isCallForm = isCallForm
    }
}
