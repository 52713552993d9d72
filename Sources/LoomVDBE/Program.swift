// This file declares Program: a compiled statement, a list of VDBE instructions.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Program).
import LoomBase
import LoomRecord

/// A compiled statement: what codegen (L5) produces and the VM runs.
///
/// A value type whose fields live in one private copy-on-write box (`Storage`): a copy is one
/// retain, a write through any property first copies the box when it is shared. A prepared
/// program passes by value through the session, the API and each VM that runs it (several
/// copies per statement; copying a dozen references and destroying them again was ~5k
/// instructions per statement). Spec/L5-sql.md invariant PC8.
package struct Program: Sendable {
    private final class Storage: @unchecked Sendable {
        var instructions: [Instruction]
        var registerCount: Int
        var cursorCount: Int
        var columnNames: [String]
        var parameterCount: Int
        var parameterNames: [String?]
        var isReadOnly: Bool
        var isExplain: Bool
        var isQueryPlan = false
        var isDataChange = false
        var columnDeclaredTypes: [String?] = []
        var comments: [String?]
        var effects: Effects? = nil
        var fast: FastProgram? = nil
        var subPrograms: [Program] = []
        var binaryCollation: Collation = .binary
        var textEncoding: TextEncoding = .utf8

        init(instructions: [Instruction], registerCount: Int, cursorCount: Int, columnNames: [String],
             parameterCount: Int, parameterNames: [String?], isReadOnly: Bool, isExplain: Bool,
             comments: [String?]) {
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

        init(copying o: Storage) {
            instructions = o.instructions
            registerCount = o.registerCount
            cursorCount = o.cursorCount
            columnNames = o.columnNames
            parameterCount = o.parameterCount
            parameterNames = o.parameterNames
            isReadOnly = o.isReadOnly
            isExplain = o.isExplain
            comments = o.comments
            isQueryPlan = o.isQueryPlan
            isDataChange = o.isDataChange
            columnDeclaredTypes = o.columnDeclaredTypes
            effects = o.effects
            fast = o.fast
            subPrograms = o.subPrograms
            binaryCollation = o.binaryCollation
            textEncoding = o.textEncoding
        }
    }
    private var storage: Storage
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    /// Editing the instructions resets `fast` to nil (it would describe the old ones).
    package var instructions: [Instruction] {
        get { storage.instructions }
        _modify { makeUnique(); defer { storage.fast = nil }; yield &storage.instructions }
    }
    /// Registers `0 ..< registerCount` exist (all NULL at start).
    package var registerCount: Int {
        get { storage.registerCount }
        _modify { makeUnique(); yield &storage.registerCount }
    }
    /// Cursor slots `0 ..< cursorCount`.
    package var cursorCount: Int {
        get { storage.cursorCount }
        _modify { makeUnique(); yield &storage.cursorCount }
    }
    /// Result column names (`sqlite3_column_name`); `ResultRow` counts must match.
    package var columnNames: [String] {
        get { storage.columnNames }
        _modify { makeUnique(); yield &storage.columnNames }
    }
    /// The largest parameter number (`?NNN`, `:a` …); parameters are `1 ... parameterCount`.
    package var parameterCount: Int {
        get { storage.parameterCount }
        _modify { makeUnique(); yield &storage.parameterCount }
    }
    /// `parameterNames[i]` is the name of parameter `i + 1` (":a", "@b", "$c", "?7"),
    /// nil for anonymous `?`.
    package var parameterNames: [String?] {
        get { storage.parameterNames }
        _modify { makeUnique(); yield &storage.parameterNames }
    }
    /// No instruction writes the database (`sqlite3_stmt_readonly`).
    package var isReadOnly: Bool {
        get { storage.isReadOnly }
        _modify { makeUnique(); yield &storage.isReadOnly }
    }
    /// An `EXPLAIN` statement: the VM does not run the program but returns its listing,
    /// one row per instruction (addr, opcode, p1, p2, p3, p4, p5, comment).
    package var isExplain: Bool {
        get { storage.isExplain }
        _modify { makeUnique(); yield &storage.isExplain }
    }
    /// An `EXPLAIN QUERY PLAN` statement: the program returns the plan rows
    /// (id, parent, notused, detail) (`sqlite3_stmt_isexplain` = 2).
    package var isQueryPlan: Bool {
        get { storage.isQueryPlan }
        _modify { makeUnique(); yield &storage.isQueryPlan }
    }
    /// True for INSERT / UPDATE / DELETE: the statement sets `changes()` at its end even
    /// when it changes no table itself (a view's INSTEAD OF triggers).
    package var isDataChange: Bool {
        get { storage.isDataChange }
        _modify { makeUnique(); yield &storage.isDataChange }
    }
    /// Declared types of the result columns (`sqlite3_column_decltype`): empty, or one per
    /// column, nil for expressions.
    package var columnDeclaredTypes: [String?] {
        get { storage.columnDeclaredTypes }
        _modify { makeUnique(); yield &storage.columnDeclaredTypes }
    }
    /// Optional per-instruction comments (EXPLAIN's last column); empty or one per instruction.
    package var comments: [String?] {
        get { storage.comments }
        _modify { makeUnique(); yield &storage.comments }
    }
    /// What the VM otherwise learns by scanning `instructions` each time one is created: some
    /// instruction counts changes (Insert/Delete with `.countChanges`, counting Clear), some
    /// changes the schema (CreateBtree, Destroy, SetCookie). Set by codegen (L5), which
    /// walks the finished program anyway; nil makes the VM scan. Must describe `instructions`.
    package var effects: Effects? {
        get { storage.effects }
        _modify { makeUnique(); yield &storage.effects }
    }
    /// `instructions` as the dispatch loop's plain-data table, built once by codegen (L5) and
    /// shared by every VM of this program; nil makes each VM build its own. Editing
    /// `instructions` resets it to nil.
    package var fast: FastProgram? {
        get { storage.fast }
        _modify { makeUnique(); yield &storage.fast }
    }
    /// The statement's sub-programs (trigger bodies, foreign-key actions), run by the
    /// `program` instruction of this program or of any sub-program (indexes into this list;
    /// only the top-level program's list is used).
    package var subPrograms: [Program] {
        get { storage.subPrograms }
        _modify { makeUnique(); yield &storage.subPrograms }
    }
    /// The collation BINARY stands for when an operand names none (CollSeq's default for
    /// functions): `.binary`, or UTF-16 BINARY after `adapted(to:)` for a UTF-16 database.
    package var binaryCollation: Collation {
        get { storage.binaryCollation }
        _modify { makeUnique(); yield &storage.binaryCollation }
    }
    /// The text encoding of the database the program runs on (set by `adapted(to:)`):
    /// CAST and `||` read blobs and write text in it.
    package var textEncoding: TextEncoding {
        get { storage.textEncoding }
        _modify { makeUnique(); yield &storage.textEncoding }
    }
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
        storage = Storage(instructions: instructions, registerCount: registerCount, cursorCount: cursorCount,
                          columnNames: columnNames, parameterCount: parameterCount,
                          parameterNames: parameterNames, isReadOnly: isReadOnly,
                          isExplain: isExplain, comments: comments)
    }

    /// The column names of an EXPLAIN listing.
    package static let explainColumnNames = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]

    /// The 1-based index of a named parameter (`sqlite3_bind_parameter_index`), or nil.
    package func parameterIndex(named name: String) -> Int? {
        parameterNames.firstIndex(where: { $0 == name }).map { $0 + 1 }
    }
}
