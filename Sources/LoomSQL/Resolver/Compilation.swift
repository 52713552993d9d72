// This file implements Compilation: the state shared while one statement is compiled (the
// SQL text, the schema, the instruction buffer). Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomVDBE

/// Everything one statement's compilation shares.
package final class Compilation {
    package let sql: String
    package let schema: Schema
    package let builder: CodeBuilder
    /// Views being expanded (lower-cased names), to report circular definitions.
    var expandingViews: Set<String> = []
    /// FROM items read as subqueries that PRAGMA full_column_names names by another name
    /// than their alias (a view's or WITH table's own name), by cursor (ColumnNames.swift).
    var fullNameTables: [Int: String] = [:]
    /// WITH clauses in scope, innermost last (lower-cased name → definition).
    var commonTables: [[String: CommonTableExpression]] = []
    /// Common table expressions whose body is being resolved (lower-cased names).
    var resolvingCommonTables: Set<String> = []
    /// Recursive WITH tables whose recursive selects are being resolved: the name reads
    /// the current row through `cursor`.
    var recursiveReferences: [String: (table: Table, cursor: Int)] = [:]
    /// How many times a recursive reference was resolved (one per recursive select allowed).
    var recursiveReferenceCount = 0
    /// Compiling schema text: the body of a view or trigger not in temp, or a DEFAULT
    /// (sqlite3's EP_FromDDL): application functions must be innocuous while PRAGMA
    /// trusted_schema is off, and never direct-only ("unsafe use of f()").
    var fromSchema = false
    /// Inside a trigger body: the scope holding the OLD / NEW pseudo-tables.
    var triggerScope: Scope? = nil
    /// Triggers whose bodies are being compiled (a trigger does not fire itself again).
    var activeTriggers: Set<String> = []
    /// Whether this is the statement itself, not a trigger body: its inserts set
    /// last_insert_rowid() and PRAGMA count_changes counts its rows. (Rows changed in a
    /// trigger body count too, in the trigger's own count: see TriggerCodegen's ResetCount.)
    var countsChanges: Bool { triggerScope == nil }
    /// DROP TABLE's implicit DELETE: constraints that cannot be enforced are skipped (F6).
    var ignoresForeignKeyErrors = false
    /// The innermost trigger or view being compiled, as the authorizer reports it (Authorizer.swift).
    package var authorizationContext: String? = nil
    /// Inside a view or trigger of a database other than temp: that database's name.
    /// Unqualified table names then resolve in it only (SQLite's DbFixer).
    package var defaultDatabase: String? = nil
    /// The database a DDL statement changes (0 main, 1 temp, 2… attached).
    package var targetDatabase = 0
    /// The cookie the target database's schema was read at.
    var targetCookie: UInt32 { schema.schema(forDatabase: targetDatabase)?.cookie ?? 0 }
    /// True once the program writes to the database.
    package var writes = false
    /// Tables the program reads or writes (root pages), for the Transaction opcode.
    package var usesDatabase = false
    /// EXPLAIN QUERY PLAN nodes (id, parent id, detail), in the order codegen meets them.
    /// Kept only when `recordsQueryPlan` (EXPLAIN QUERY PLAN); other statements only number
    /// their nodes (building the detail text per statement showed in profiles).
    package var queryPlan: [(id: Int, parent: Int, detail: String)] = []
    /// True when compiling for EXPLAIN QUERY PLAN: `planNode` keeps the nodes' text.
    package var recordsQueryPlan = false
    /// Nodes numbered so far.
    private var planNodeCount = 0
    /// The node new plan nodes hang under (0 = top level).
    var planParent = 0
    /// Subqueries numbered for EXPLAIN QUERY PLAN ("SCALAR SUBQUERY 1").
    var subqueryNumber = 0
    /// Table-valued function arguments waiting for the whole FROM clause to be resolved
    /// (they may name tables to their right): cursor, function name, argument ASTs.
    var pendingTableArguments: [(cursor: Int, name: String, arguments: [Expr])] = []

    /// Adds an EXPLAIN QUERY PLAN node under the current parent; returns its id.
    @discardableResult
    func planNode(_ detail: @autoclosure () -> String) -> Int {
        planNodeCount += 1
        if recordsQueryPlan { queryPlan.append((id: planNodeCount, parent: planParent, detail: detail())) }
        return planNodeCount
    }

    /// Runs `body` with new plan nodes hung under `node`.
    func underPlanNode<T>(_ node: Int, _ body: () throws -> T) rethrows -> T {
        let saved = planParent
        planParent = node
        defer { planParent = saved }
        return try body()
    }

    package init(sql: String, schema: Schema, builder: CodeBuilder = CodeBuilder()) {
        self.sql = sql
        self.schema = schema
        self.builder = builder
    }

    /// An error at `span` (SQLite's `sqlite3_error_offset` is the span's start).
    package func error(_ message: String, at span: SourceSpan?, code: ResultCode = .error) -> DatabaseError {
        DatabaseError(code, message, sql: sql, offset: span?.start)
    }

    /// The text of `span`.
    package func text(_ span: SourceSpan) -> String { span.text(in: sql) }
}

/// English ordinals as SQLite writes them in messages ("1st", "2nd", "3rd", "4th", "11th").
func ordinal(_ n: Int) -> String {
    let tens = n % 100
    if tens >= 11 && tens <= 13 { return "\(n)th" }
    switch n % 10 {
    case 1: return "\(n)st"
    case 2: return "\(n)nd"
    case 3: return "\(n)rd"
    default: return "\(n)th"
    }
}
