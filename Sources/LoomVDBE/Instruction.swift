// This file implements Instruction: the VDBE's opcodes, SQLite's names with named operands.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Instruction conventions). EXPLAIN columns: Explain.swift.
import LoomBase
import LoomBTree
import LoomRecord

/// What a `savepoint` instruction does.
package enum SavepointOperation: Int, Sendable { case begin = 0, release = 1, rollback = 2 }

/// A register index: `0 ..< Program.registerCount`. Codegen leaves register 0 unused, as
/// SQLite does, but the VM does not require it.
package typealias Register = Int
/// A cursor slot: `0 ..< Program.cursorCount`.
package typealias CursorID = Int
/// An instruction address: an index into `Program.instructions`.
package typealias Address = Int

/// What a failing constraint does (SQLite's `OE_*`; raw values are SQLite's).
package enum ConflictAction: Int, Sendable, Hashable {
    case none = 0, rollback = 1, abort = 2, fail = 3, ignore = 4, replace = 5
}

/// Which constraint a `halt` reports: picks the prefix of the message
/// (`NOT NULL constraint failed: ` + message). Raw values are SQLite's Halt P5.
package enum ConstraintKind: Int, Sendable, Hashable {
    case notNull = 1, unique = 2, check = 3, foreignKey = 4

    package var messagePrefix: String {
        switch self {
        case .notNull: return "NOT NULL constraint failed: "
        case .unique: return "UNIQUE constraint failed: "
        case .check: return "CHECK constraint failed: "
        case .foreignKey: return "FOREIGN KEY constraint failed"
        }
    }
}

/// The fields of an UPDATE's new row that its MakeRecord copies from the row being rewritten
/// (the current row of `cursor`) instead of reading registers: the columns the UPDATE does not
/// assign and nothing else reads (codegen decides, Spec L4 §MakeRecord keeping). A kept field
/// past the stored record's end (a row older than ALTER TABLE ADD COLUMN) is `defaults[i]`
/// (the column's default with its affinity, nil for NULL), written into its register first.
package final class KeptFields: Sendable {
    package let cursor: CursorID
    /// Per field of the record: copied from the row.
    package let keep: [Bool]
    package let defaults: [Value?]

    package init(cursor: CursorID, keep: [Bool], defaults: [Value?]) {
        self.cursor = cursor
        self.keep = keep
        self.defaults = defaults
    }
}

/// Flags of `insert` / `delete` (SQLite's `OPFLAG_*` values, shown in EXPLAIN's P5).
package struct WriteFlags: OptionSet, Sendable, Hashable {
    package let rawValue: Int
    package init(rawValue: Int) { self.rawValue = rawValue }
    /// Count the row in `changes` / `totalChanges` (OPFLAG_NCHANGE).
    package static let countChanges = WriteFlags(rawValue: 0x01)
    /// The write is part of an UPDATE (OPFLAG_ISUPDATE).
    package static let isUpdate = WriteFlags(rawValue: 0x04)
    /// Store the rowid as the connection's last insert rowid (OPFLAG_LASTROWID).
    package static let lastRowid = WriteFlags(rawValue: 0x20)
}

/// One VDBE instruction. Case names are SQLite's opcode names in lowerCamel
/// (`Init` → `.initialize`, `SCopy` → `.sCopy`, `Return` → `.return`); operands are named.
/// `operands` (Explain.swift) gives SQLite's P1..P5 columns for EXPLAIN.
///
/// Conventions (Spec/L4-vdbe.md):
/// - `target:` is a jump address; `dest:` the register written; `lhs:`/`rhs:` the left and
///   right operands of a binary operator (`.subtract(lhs: a, rhs: b, dest: d)` is `d = a - b`;
///   `.lt(lhs: a, rhs: b, target: t)` jumps when `a < b`).
/// - Single-register operands that are read and written in place are `register:`; a
///   read-only source with a separate destination is `source:`.
/// - A `count:` of registers always means `start ..< start + count`.
package enum Instruction: Sendable {
    // MARK: Control flow
    /// Program entry: jump to `target` (the transaction/constant prologue at the end).
    case initialize(target: Address)
    case goto(target: Address)
    /// Stop. `code == .ok`: success. Otherwise the statement fails with `code` and the
    /// message (prefixed per `constraint`); `action` says how much is undone (see Spec).
    case halt(code: ResultCode = .ok, action: ConflictAction = .abort, message: String? = nil,
              constraint: ConstraintKind? = nil)
    /// `halt(code:…)` when `register` is NULL; otherwise fall through.
    case haltIfNull(register: Register, code: ResultCode, action: ConflictAction = .abort,
                    message: String? = nil, constraint: ConstraintKind? = nil)
    /// Store the address of the next instruction in `returnAddress`, jump to `target`.
    case gosub(returnAddress: Register, target: Address)
    /// Jump to the address held in `returnAddress` (falls through if it is not an integer).
    case `return`(returnAddress: Register)
    /// Set `register` to NULL; marks the start of a subroutine (3.40's BeginSubrtn).
    case beginSubrtn(register: Register)
    /// `register` = `start - 1` marker; jump to `jump` (past the coroutine body) if given.
    case initCoroutine(register: Register, jump: Address?, start: Address)
    /// Swap the current address with the one in `register`. When the coroutine has ended
    /// (EndCoroutine) control goes to `target` instead.
    case yield(register: Register, target: Address? = nil)
    case endCoroutine(register: Register)
    /// Fall through the first time in each run of the program; jump afterwards.
    case once(target: Address)
    case noop
    /// Ends one statement of a trigger body (SQLite's ResetCount): the rows it counted
    /// become `changes()` and are added to `total_changes()`, and the count restarts.
    case resetCount
    /// The rows the running statement has counted so far, into `dest` (PRAGMA count_changes).
    case changeCount(dest: Register)
    /// Adds `amount` to a foreign-key violation counter: the transaction's when `deferred`
    /// (or while PRAGMA defer_foreign_keys is on), else the statement's (SQLite's FkCounter).
    case fkCounter(deferred: Bool, amount: Int)
    /// Jumps to `target` when that counter is zero (SQLite's FkIfZero); `deferred == nil`:
    /// when the statement's own counter is zero, whatever defer_foreign_keys says.
    case fkIfZero(deferred: Bool?, target: Address)
    /// Jumps to `target` when PRAGMA foreign_keys is off (Loom codes foreign-key work in
    /// every program and decides when it runs, so a prepared statement follows the pragma).
    case fkIfOff(target: Address)
    /// Jumps to `target` when PRAGMA defer_foreign_keys is on (RESTRICT then waits, as in SQLite).
    case fkIfDeferring(target: Address)
    /// Runs sub-program `index` of the statement (`Program.subPrograms`: a trigger body or a
    /// foreign-key action) in a new frame of this VM: its registers `1 ... arguments.count`
    /// get copies of `arguments` (-1: NULL). Returns here when it halts, or jumps to
    /// `ignoreTarget` when it halts with action `.ignore` (RAISE(IGNORE)). `recursive ==
    /// false`: skipped while the same sub-program runs in an outer frame unless PRAGMA
    /// recursive_triggers is on (SQLite's Program, P5). See VM+SubProgram.swift.
    case program(index: Int, arguments: [Register], ignoreTarget: Address, recursive: Bool)

    // MARK: Transactions and schema
    /// Begin a read (`write == false`) or write transaction if none is open. With
    /// `schemaCookie`, fail with `SQLITE_SCHEMA` if the file's schema cookie differs.
    case transaction(write: Bool, schemaCookie: Int? = nil, database: Int = 0)
    /// BEGIN EXCLUSIVE: a write transaction holding EXCLUSIVE on the main database file
    /// (SQLite's `Transaction` with P2 = 2).
    case exclusiveTransaction
    /// BEGIN (`on: false`), COMMIT (`on: true, rollback: false`), ROLLBACK (`on: true,
    /// rollback: true`). Halts the VM.
    case autoCommit(on: Bool, rollback: Bool)
    /// SAVEPOINT / RELEASE / ROLLBACK TO `name` (ExecutionContext.savepoints). Halts the VM.
    case savepoint(SavepointOperation, name: String)
    case readCookie(dest: Register, field: MetaField, database: Int = 0)
    /// Write a header meta field; writing `.schemaCookie` sets `schemaChanged`.
    case setCookie(field: MetaField, value: Int, database: Int = 0)
    /// `dest` = root page of a new empty tree.
    case createBtree(dest: Register, kind: TreeKind, database: Int = 0)
    case destroy(root: Int, database: Int = 0)
    /// Delete every entry of the tree; adds the count to `changes` when `countChanges`.
    case clear(root: Int, countChanges: Bool = false, database: Int = 0)
    /// Marks the schema as changed (`ExecutionContext.schemaChanged = true`); the session
    /// reloads sqlite_schema after the statement.
    case parseSchema(condition: String? = nil)

    // MARK: Cursors
    /// Open a read cursor on `root` (a page number, or the register holding one when
    /// `rootInRegister`). `keyInfo == nil` means a table (rowid) tree.
    case openRead(cursor: CursorID, root: Int, columnCount: Int, keyInfo: KeyInfo? = nil,
                  rootInRegister: Bool = false, database: Int = 0)
    case openWrite(cursor: CursorID, root: Int, columnCount: Int, keyInfo: KeyInfo? = nil,
                   rootInRegister: Bool = false, database: Int = 0)
    /// A temporary in-memory tree: an index when `keyInfo` is given, else a rowid table.
    case openEphemeral(cursor: CursorID, columnCount: Int, keyInfo: KeyInfo? = nil)
    /// A cursor over the single record held in `content` (used after SorterData).
    case openPseudo(cursor: CursorID, content: Register, columnCount: Int)
    case sorterOpen(cursor: CursorID, columnCount: Int, keyInfo: KeyInfo)
    case close(cursor: CursorID)
    /// Position on the first entry; jump to `target` if the tree is empty.
    case rewind(cursor: CursorID, target: Address)
    /// Same as rewind (SQLite's Sort, used for ephemeral-index ORDER BY).
    case sort(cursor: CursorID, target: Address)
    case last(cursor: CursorID, target: Address)
    /// Advance; jump to `target` (the loop body) if there is another entry.
    case next(cursor: CursorID, target: Address)
    case prev(cursor: CursorID, target: Address)
    /// Jump to `target` if the tree is empty (SQLite's IfEmpty).
    case ifEmpty(cursor: CursorID, target: Address)
    /// Seek the table to the rowid in `rowid`; jump if absent or not an integer.
    case seekRowid(cursor: CursorID, rowid: Register, target: Address)
    case notExists(cursor: CursorID, rowid: Register, target: Address)
    /// Table cursor: `key` holds a rowid (count ignored). Index cursor: `key ..< key+count`
    /// is an unpacked key prefix. Jump to `target` if no entry satisfies the bound.
    case seekGE(cursor: CursorID, key: Register, count: Int, target: Address)
    case seekGT(cursor: CursorID, key: Register, count: Int, target: Address)
    case seekLE(cursor: CursorID, key: Register, count: Int, target: Address)
    case seekLT(cursor: CursorID, key: Register, count: Int, target: Address)
    /// Compare the current index entry (without its trailing rowid) with the key; jump
    /// when entry >= key (IdxGE), > (IdxGT), <= (IdxLE), < (IdxLT).
    case idxGE(cursor: CursorID, key: Register, count: Int, target: Address)
    case idxGT(cursor: CursorID, key: Register, count: Int, target: Address)
    case idxLE(cursor: CursorID, key: Register, count: Int, target: Address)
    case idxLT(cursor: CursorID, key: Register, count: Int, target: Address)
    /// `count == 0`: `key` holds a MakeRecord blob; else `key ..< key+count` unpacked.
    /// Found jumps if some entry has the key as prefix; NotFound jumps if none does.
    case found(cursor: CursorID, key: Register, count: Int, target: Address)
    case notFound(cursor: CursorID, key: Register, count: Int, target: Address)
    /// NotFound, but also jumps when any key field is NULL (no conflict possible).
    case noConflict(cursor: CursorID, key: Register, count: Int, target: Address)
    /// Move `tableCursor` to the rowid of `indexCursor`'s current entry.
    case deferredSeek(indexCursor: CursorID, tableCursor: CursorID)
    case idxRowid(cursor: CursorID, dest: Register)
    /// Column `column` of the current entry; `default` (else NULL) when the record is
    /// shorter. On a NULL row the result is NULL.
    case column(cursor: CursorID, column: Int, dest: Register, default: Value? = nil)
    case rowid(cursor: CursorID, dest: Register)
    /// Put the cursor on a NULL row: Column and Rowid give NULL until it moves.
    case nullRow(cursor: CursorID)
    /// If the cursor is on a NULL row set `dest` to NULL and jump.
    case ifNullRow(cursor: CursorID, target: Address, dest: Register)
    /// `dest` = the number of entries in the tree.
    case count(cursor: CursorID, dest: Register)
    /// `dest` = the cursor's sequence counter, then increment it.
    case sequence(cursor: CursorID, dest: Register)
    /// `dest` = a rowid not yet in the table (max + 1, or random search at the maximum).
    case newRowid(cursor: CursorID, dest: Register)
    /// Write `record` under rowid `rowid` (replacing an existing entry).
    case insert(cursor: CursorID, record: Register, rowid: Register, flags: WriteFlags = [],
                table: String? = nil)
    /// Delete the current entry; a following Next moves to the entry after it.
    case delete(cursor: CursorID, flags: WriteFlags = [], table: String? = nil)
    /// Insert the index record in `record`; `.countChanges` counts it as a row (WITHOUT ROWID).
    case idxInsert(cursor: CursorID, record: Register, flags: WriteFlags = [])
    /// Delete the index entry whose key is `key ..< key+count` (no-op if absent).
    case idxDelete(cursor: CursorID, key: Register, count: Int)
    case sorterInsert(cursor: CursorID, record: Register)
    /// Sort; jump to `target` if the sorter is empty, else position on the first record.
    case sorterSort(cursor: CursorID, target: Address)
    case sorterNext(cursor: CursorID, target: Address)
    /// The current sorted record: when `pseudoCursor` names an open pseudo cursor, it is
    /// parsed into that cursor in place and `dest` is not written; otherwise (-1) `dest`
    /// gets the record as a blob.
    case sorterData(cursor: CursorID, dest: Register, pseudoCursor: CursorID)
    case resetSorter(cursor: CursorID)

    // MARK: Results and constants
    case resultRow(start: Register, count: Int)
    case integer(value: Int, dest: Register)
    case int64(value: Int64, dest: Register)
    case real(value: Double, dest: Register)
    case string8(value: String, dest: Register)
    case blob(value: [UInt8], dest: Register)
    /// Set `dest ..< dest+count` to NULL.
    case null(dest: Register, count: Int = 1)
    /// Set `register` to NULL (SoftNull).
    case softNull(register: Register)
    /// `dest` = bound parameter `parameter` (1-based; NULL when unbound).
    case variable(parameter: Int, dest: Register)
    /// Deep copies of `count` registers.
    case copy(source: Register, dest: Register, count: Int = 1)
    case sCopy(source: Register, dest: Register)
    /// Move `count` registers, leaving the sources NULL.
    case move(source: Register, dest: Register, count: Int = 1)
    /// Copy an integer register (IntCopy).
    case intCopy(source: Register, dest: Register)

    // MARK: Arithmetic and logic (SQLite's P1 is rhs, P2 is lhs)
    case add(lhs: Register, rhs: Register, dest: Register)
    case subtract(lhs: Register, rhs: Register, dest: Register)
    case multiply(lhs: Register, rhs: Register, dest: Register)
    case divide(lhs: Register, rhs: Register, dest: Register)
    case remainder(lhs: Register, rhs: Register, dest: Register)
    case concat(lhs: Register, rhs: Register, dest: Register)
    case bitAnd(lhs: Register, rhs: Register, dest: Register)
    case bitOr(lhs: Register, rhs: Register, dest: Register)
    case shiftLeft(lhs: Register, rhs: Register, dest: Register)
    case shiftRight(lhs: Register, rhs: Register, dest: Register)
    case bitNot(source: Register, dest: Register)
    case not(source: Register, dest: Register)
    case and(lhs: Register, rhs: Register, dest: Register)
    case or(lhs: Register, rhs: Register, dest: Register)
    /// `register += value` (register must hold an integer; it is made one).
    case addImm(register: Register, value: Int)
    /// `dest` = truth of `source` (`nullValue` for NULL), inverted if `invert` (IsTrue).
    case isTrue(source: Register, dest: Register, nullValue: Bool, invert: Bool)

    // MARK: Comparisons: jump to target when `lhs OP rhs`.
    /// `affinity` (nil = none) is applied per datatype3.html §4.2 before comparing;
    /// `collation` (nil = BINARY) compares text. NULL operands: fall through, unless
    /// `jumpIfNull` (then jump). `nullEq` (IS / IS NOT): NULL == NULL is true, NULL == x
    /// false, never "unknown".
    case eq(lhs: Register, rhs: Register, target: Address, affinity: Affinity? = nil,
            collation: Collation? = nil, jumpIfNull: Bool = false, nullEq: Bool = false)
    case ne(lhs: Register, rhs: Register, target: Address, affinity: Affinity? = nil,
            collation: Collation? = nil, jumpIfNull: Bool = false, nullEq: Bool = false)
    case lt(lhs: Register, rhs: Register, target: Address, affinity: Affinity? = nil,
            collation: Collation? = nil, jumpIfNull: Bool = false)
    case le(lhs: Register, rhs: Register, target: Address, affinity: Affinity? = nil,
            collation: Collation? = nil, jumpIfNull: Bool = false)
    case gt(lhs: Register, rhs: Register, target: Address, affinity: Affinity? = nil,
            collation: Collation? = nil, jumpIfNull: Bool = false)
    case ge(lhs: Register, rhs: Register, target: Address, affinity: Affinity? = nil,
            collation: Collation? = nil, jumpIfNull: Bool = false)
    /// Jump if `register` is true (numeric value ≠ 0); NULL jumps only if `jumpIfNull`.
    case `if`(register: Register, target: Address, jumpIfNull: Bool = false)
    /// Jump if `register` is false (numeric value == 0); NULL jumps only if `jumpIfNull`.
    case ifNot(register: Register, target: Address, jumpIfNull: Bool = false)
    case isNull(register: Register, target: Address)
    case notNull(register: Register, target: Address)
    /// If `register` (an integer) is > 0: subtract `decrement` and jump.
    case ifPos(register: Register, target: Address, decrement: Int = 0)
    /// If `register` ≠ 0: decrement it if > 0, and jump.
    case ifNotZero(register: Register, target: Address)
    /// Decrement `register`; jump if it became 0.
    case decrJumpZero(register: Register, target: Address)
    /// `dest` = LIMIT + OFFSET rows to visit (-1 for no limit) (OffsetLimit).
    case offsetLimit(limit: Register, dest: Register, offset: Register)
    /// Make `register` an integer (numeric affinity, then exact integer test). If it is not,
    /// jump to `target`, or without a target fail with `SQLITE_MISMATCH` "datatype mismatch".
    case mustBeInt(register: Register, target: Address? = nil)
    /// Compare `lhs ..< lhs+count` with `rhs ..< rhs+count` under `keyInfo` (using the
    /// last Permutation when `permuted`); remember the result for Jump.
    case compare(lhs: Register, rhs: Register, count: Int, keyInfo: KeyInfo, permuted: Bool = false)
    case jump(less: Address, equal: Address, greater: Address)
    case permutation(order: [Int])

    // MARK: Types and records
    /// Apply `affinities[i]` to register `start + i` in place.
    case affinity(start: Register, affinities: [Affinity])
    /// CAST(register AS affinity) in place.
    case cast(register: Register, to: Affinity)
    /// If `register` holds an integer, make it a real.
    case realAffinity(register: Register)
    /// `dest` = record of `start ..< start+count`, after applying `affinities` if given.
    /// With `keeping`, the fields it marks are copied from its cursor's current row as they
    /// are (their registers are not read, except past the stored record's end: see
    /// `KeptFields`).
    case makeRecord(start: Register, count: Int, dest: Register, affinities: [Affinity]? = nil,
                    keeping: KeptFields? = nil)

    // MARK: Functions
    /// Set the collation the next Function / AggStep uses (min, max, nullif, …).
    case collSeq(collation: Collation)
    /// `dest` = function(args `arguments ..< arguments+argumentCount`).
    case function(function: FunctionDefinition, arguments: Register, argumentCount: Int,
                  dest: Register)
    /// Feed one row to the aggregate whose state lives with `accumulator`. With
    /// `distinct`, rows whose argument values were already seen are skipped.
    case aggStep(function: FunctionDefinition, arguments: Register, argumentCount: Int,
                 accumulator: Register, distinct: Bool = false)
    /// `accumulator` = the aggregate's final value (also for zero rows).
    case aggFinal(function: FunctionDefinition, accumulator: Register, argumentCount: Int)

    // MARK: Virtual tables (VirtualTable/, VM+VirtualTable.swift)
    /// xBegin of `table` (once per transaction) (VBegin).
    case vBegin(table: VirtualTableReference)
    /// xCreate of the table CREATE VIRTUAL TABLE just recorded (VCreate): connects it in the
    /// connection's registry with `create: true`.
    case vCreate(name: String, module: String, arguments: [String], sql: String)
    /// xDestroy of table `name` (VDestroy), then the registry forgets it.
    case vDestroy(name: String, module: String, arguments: [String], sql: String)
    /// xOpen into cursor slot `cursor` (VOpen).
    case vOpen(cursor: CursorID, table: VirtualTableReference)
    /// xFilter(indexNumber, indexString, registers `arguments ..< arguments+count`); jump to
    /// `target` when no row results (VFilter).
    case vFilter(cursor: CursorID, target: Address, indexNumber: Int32, indexString: String?,
                 arguments: Register, count: Int)
    /// `dest` = xColumn(column) of the current row (NULL on a NULL row) (VColumn).
    case vColumn(cursor: CursorID, column: Int, dest: Register)
    /// xNext; jump to `target` unless at EOF (VNext).
    case vNext(cursor: CursorID, target: Address)
    /// xUpdate with registers `arguments ..< arguments+count` (VUpdate). `flags` may hold
    /// `.lastRowid` (store the inserted rowid) and `.countChanges`. `action` is the ON
    /// CONFLICT of the statement (shown as P5).
    case vUpdate(table: VirtualTableReference, arguments: Register, count: Int, flags: WriteFlags = [],
                 action: ConflictAction = .abort)
    /// xRename with the new name in `name` (VRename).
    case vRename(table: VirtualTableReference, name: Register)

    // MARK: Window functions (Window.swift; no SQLite counterpart: SQLite codes windows inline)
    /// Start an empty row buffer for the windowed SELECT whose state lives with `state`.
    case windowOpen(state: Register)
    /// Append the row `start ..< start+count` to the buffer.
    case windowAppend(state: Register, start: Register, count: Int)
    /// Sort the buffer and compute every function of `program` for every row.
    case windowCompute(state: Register, program: WindowProgram)
    /// Load the next output row (input row, then the results) into `dest…`, or jump to
    /// `target` when none is left.
    case windowNext(state: Register, dest: Register, target: Address)

    // MARK: Virtual tables (continued)
    /// VFilter whose arguments include IN lists taken at once (`sqlite3_vtab_in`): for each
    /// `(argument, cursor)` of `lists`, the values of ephemeral index `cursor` (one column)
    /// become `inLists[argument]` of xFilter (SQLite's VFilter with a ValueList argument).
    case vFilterIn(cursor: CursorID, target: Address, indexNumber: Int32, indexString: String?,
                   arguments: Register, count: Int, lists: [VirtualInList])
}

/// One IN list handed to xFilter at once: argument position and the ephemeral index holding it.
package struct VirtualInList: Sendable, Hashable {
    package var argument: Int
    package var cursor: CursorID
    package init(argument: Int, cursor: CursorID) { self.argument = argument; self.cursor = cursor }
}
