// This file declares Program: a compiled statement, a list of VDBE instructions.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Program).
import LoomBase
import LoomRecord

/// A compiled statement: what codegen (L5) produces and the VM runs.
package struct Program: Sendable {
    package var instructions: [Instruction] { didSet { fast = nil } }
    /// Registers `0 ..< registerCount` exist (all NULL at start).
    package var registerCount: Int
    /// Cursor slots `0 ..< cursorCount`.
    package var cursorCount: Int
    /// Result column names (`sqlite3_column_name`); `ResultRow` counts must match.
    package var columnNames: [String]
    /// The largest parameter number (`?NNN`, `:a` …); parameters are `1 ... parameterCount`.
    package var parameterCount: Int
    /// `parameterNames[i]` is the name of parameter `i + 1` (":a", "@b", "$c", "?7"),
    /// nil for anonymous `?`.
    package var parameterNames: [String?]
    /// No instruction writes the database (`sqlite3_stmt_readonly`).
    package var isReadOnly: Bool
    /// An `EXPLAIN` statement: the VM does not run the program but returns its listing,
    /// one row per instruction (addr, opcode, p1, p2, p3, p4, p5, comment).
    package var isExplain: Bool
    /// An `EXPLAIN QUERY PLAN` statement: the program returns the plan rows
    /// (id, parent, notused, detail) (`sqlite3_stmt_isexplain` = 2).
    package var isQueryPlan = false
    /// True for INSERT / UPDATE / DELETE: the statement sets `changes()` at its end even
    /// when it changes no table itself (a view's INSTEAD OF triggers).
    package var isDataChange = false
    /// Declared types of the result columns (`sqlite3_column_decltype`): empty, or one per
    /// column, nil for expressions.
    package var columnDeclaredTypes: [String?] = []
    /// Optional per-instruction comments (EXPLAIN's last column); empty or one per instruction.
    package var comments: [String?]
    /// What the VM otherwise learns by scanning `instructions` each time one is created: some
    /// instruction counts changes (Insert/Delete with `.countChanges`, counting Clear), some
    /// changes the schema (CreateBtree, Destroy, SetCookie). Set by codegen (L5), which
    /// walks the finished program anyway; nil makes the VM scan. Must describe `instructions`.
    package var effects: Effects? = nil
    /// `instructions` as the dispatch loop's plain-data table, built once by codegen (L5) and
    /// shared by every VM of this program; nil makes each VM build its own. Editing
    /// `instructions` resets it to nil.
    package var fast: FastProgram? = nil
    /// The statement's sub-programs (trigger bodies, foreign-key actions), run by the
    /// `program` instruction of this program or of any sub-program (indexes into this list;
    /// only the top-level program's list is used).
    package var subPrograms: [Program] = []
    /// The collation BINARY stands for when an operand names none (CollSeq's default for
    /// functions): `.binary`, or UTF-16 BINARY after `adapted(to:)` for a UTF-16 database.
    package var binaryCollation: Collation = .binary
    /// The text encoding of the database the program runs on (set by `adapted(to:)`):
    /// CAST and `||` read blobs and write text in it.
    package var textEncoding: TextEncoding = .utf8
    package struct Effects: Sendable {
        package var countsChanges: Bool
        package var changesSchema: Bool
        package init(countsChanges: Bool, changesSchema: Bool) {
            self.countsChanges = countsChanges
            self.changesSchema = changesSchema
        }
    }

    package init(instructions: [Instruction], registerCount: Int, cursorCount: Int,
                 columnNames: [String] = [], parameterCount: Int = 0,
                 parameterNames: [String?] = [], isReadOnly: Bool = true,
                 isExplain: Bool = false, comments: [String?] = []) {
        self.instructions = instructions
        self.registerCount = registerCount
        self.cursorCount = cursorCount
        self.columnNames = columnNames
        self.parameterCount = parameterCount
        self.parameterNames = parameterNames
        self.isReadOnly = isReadOnly
        self.isExplain = isExplain
        self.comments = comments
    }

    /// The column names of an EXPLAIN listing.
    package static let explainColumnNames = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]

    /// The 1-based index of a named parameter (`sqlite3_bind_parameter_index`), or nil.
    package func parameterIndex(named name: String) -> Int? {
        parameterNames.firstIndex(where: { $0 == name }).map { $0 + 1 }
    }
}
