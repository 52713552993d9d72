// This file implements RETURNING for INSERT, UPDATE and DELETE: each changed row's RETURNING
// values go to an ephemeral table, returned as result rows once every change is made (as
// SQLite buffers them). Layer: L5. Spec: Spec/L5-sql.md §Codegen (RETURNING).
import LoomBase
import LoomRecord
import LoomVDBE

/// What a RETURNING clause returns rows of (it decides how sqlite3 renders REAL values).
enum ReturningKind {
    /// The new row of an INSERT, UPDATE or upsert: REAL columns hold sqlite3's "IntReal"
    /// values (an integral value under 2^47 that a REAL affinity made real), which its buffer
    /// record stores, and so returns, as integers.
    case newRow
    /// The deleted row: only VIRTUAL generated REAL columns are IntReal (the others were read
    /// from the record with REAL affinity applied).
    case oldRow
    /// A virtual table's row (no affinity applied) or a view's (INSTEAD OF triggers).
    case plain
}

/// The RETURNING clause of one statement, resolved against its table. The expressions are
/// coded once, as a subroutine that reads the row from `rowRegisters` (table columns, then
/// the rowid): SQLite codes them once too, so an uncorrelated subquery runs once per
/// statement (at the first row), whatever number of places change rows.
struct ReturningState {
    var expressions: [RExpr]
    var names: [String]
    /// The cursor number the expressions' columns use; its columns are mapped to registers.
    var rowCursor: Int
    var buffer: Int
    var table: Table
    /// `table.columns.count` registers holding the row, then one holding its rowid.
    var rowRegisters: Int
    var subroutine: Label
    var returnAddress: Int
}

extension Codegen {
    /// Resolves `columns` against `table` and opens the buffer. As in sqlite3 the clause names
    /// the table by its own name, never by the statement's alias (`INSERT INTO t AS g …
    /// RETURNING g.a` is "no such column: g.a"); `alias` is accepted for the callers' sake.
    func prepareReturning(_ columns: [ResultColumn], table: Table, alias: String?, span: SourceSpan,
                          kind: ReturningKind? = nil) throws -> ReturningState? {
        guard !columns.isEmpty else { return nil }
        let cursor = b.allocateCursor()
        let source = SourceItem(table: table, exposedName: table.name, cursor: cursor)
        let scope = Scope(sources: [source], parent: nil)
        scope.takesSubqueryAggregates = false
        let resolver = Resolver(c)
        var exprs: [RExpr] = []
        var names: [String] = []
        for column in columns {
            switch column {
            case .star:
                for (i, col) in table.columns.enumerated() where !(table.isVirtual && col.isHidden) {
                    exprs.append(resolver.columnExpr(source, i))
                    names.append(c.schema.longColumnNames ? resolver.starName(source, col.name) : col.name)
                }
            case .tableStar:
                throw c.error("RETURNING may not use \"TABLE.*\" wildcards", at: nil)
            case .expr(let e, let alias):
                // A schema-qualified column never names the target row (SQLite).
                var qualified: (ColumnRef, SourceSpan)? = nil
                e.visitIndexNodes { node in
                    if qualified == nil, case .column(let ref) = node.kind, let schema = ref.schema, let t = ref.table {
                        qualified = (ColumnRef(schema: schema, table: t, column: ref.column), node.span)
                    }
                }
                if let (ref, at) = qualified {
                    throw c.error("no such column: \(ref.schema ?? "").\(ref.table ?? "").\(ref.column)", at: at)
                }
                let r: RExpr
                do { r = try resolver.resolve(e, in: scope, context: .general) }
                catch let error as DatabaseError where error.message.hasPrefix("misuse of aggregate: ") {
                    throw c.error("misuse of aggregate function " + error.message.dropFirst(21), at: e.span)
                }
                exprs.append(r)
                names.append(alias ?? (c.schema.longColumnNames ? resolver.outputName(e, r, scope: scope)
                                                                 : resolver.defaultName(e, r, scope: scope)))
            }
        }
        let buffer = b.allocateCursor()
        b.emit(.openEphemeral(cursor: buffer, columnCount: max(exprs.count, 1)))
        returningNames = names
        let n = table.columns.count
        let state = ReturningState(expressions: exprs, names: names, rowCursor: cursor, buffer: buffer, table: table,
                                   rowRegisters: b.allocateRegisters(n + 1), subroutine: b.makeLabel(),
                                   returnAddress: b.allocateRegister())
        try codeReturningSubroutine(state, kind: kind ?? (table.isView || table.isVirtual ? .plain : .newRow))
        return state
    }

    /// The subroutine computing one row's values into the buffer (jumped over in line).
    private func codeReturningSubroutine(_ state: ReturningState, kind: ReturningKind) throws {
        let table = state.table
        let after = b.makeLabel()
        b.emit(jumpTo: after) { .goto(target: $0) }
        b.place(state.subroutine)
        let saved = columnOverrides
        defer { columnOverrides = saved }
        for i in table.columns.indices {
            columnOverrides[RColumn(cursor: state.rowCursor, column: i)] = state.rowRegisters + i
        }
        columnOverrides[RColumn(cursor: state.rowCursor, column: -1)] = state.rowRegisters + table.columns.count
        let intReal: Set<Int>
        switch kind {
        case .newRow: intReal = Set(table.columns.indices.filter { table.columns[$0].affinity == .real })
        case .oldRow:
            intReal = Set(table.columns.indices.filter {
                table.columns[$0].affinity == .real && table.columns[$0].generated != nil && !table.columns[$0].isStored
            })
        case .plain: intReal = []
        }
        // sqlite3 3.40 applies REAL affinity to every result that is a bare column of the row
        // (the rowid included) when the table's first column has REAL affinity.
        let realFirst = !table.isView && table.columns.first?.affinity == .real
        let n = state.expressions.count
        let base = b.allocateRegisters(n)
        var bounds: (lo: Int, hi: Int)? = nil
        for (i, e) in state.expressions.enumerated() {
            try code(e, into: base + i)
            if realFirst, returnsBareColumn(e, cursor: state.rowCursor) {
                b.emit(.realAffinity(register: base + i))
            } else if !intReal.isEmpty, returnsIntReal(e, cursor: state.rowCursor, columns: intReal) {
                // The IntReal a record keeps as an integer: an integral real in [-2^47, 2^47).
                if bounds == nil {
                    let lo = b.allocateRegister(), hi = b.allocateRegister()
                    b.emit(.int64(value: -140_737_488_355_328, dest: lo))
                    b.emit(.int64(value: 140_737_488_355_327, dest: hi))
                    bounds = (lo, hi)
                }
                if let (lo, hi) = bounds {
                    let skip = b.makeLabel()
                    b.emit(jumpTo: skip) { .gt(lhs: base + i, rhs: hi, target: $0) }
                    b.emit(jumpTo: skip) { .lt(lhs: base + i, rhs: lo, target: $0) }
                    b.emit(.affinity(start: base + i, affinities: [.numeric]))
                    b.place(skip)
                }
            }
        }
        let rec = b.allocateRegister(), key = b.allocateRegister()
        b.emit(.makeRecord(start: base, count: n, dest: rec))
        b.emit(.newRowid(cursor: state.buffer, dest: key))
        b.emit(.insert(cursor: state.buffer, record: rec, rowid: key))
        b.emit(.return(returnAddress: state.returnAddress))
        b.place(after)
    }

    /// A column of the RETURNING row as the whole result (parentheses and COLLATE aside), or
    /// a subquery whose (last SELECT's) result is one: `(SELECT a)`, `(SELECT a FROM u)`.
    private func returnsBareColumn(_ e: RExpr, cursor: Int) -> Bool {
        switch e {
        case .column(let col, _, _, _): return col.cursor == cursor
        case .collate(let inner, _): return returnsBareColumn(inner, cursor: cursor)
        case .subquery(let sub):
            let last = sub.lastCore
            return last.resultColumns.count == 1 && returnsBareColumn(last.resultColumns[0], cursor: cursor)
        default: return false
        }
    }

    /// Whether the result is a copy of one of `columns` (sqlite3's IntReal values pass
    /// through unary +, COLLATE, CASE and the functions returning an argument as it is); other
    /// branches must not produce a real or a text.
    private func returnsIntReal(_ e: RExpr, cursor: Int, columns: Set<Int>) -> Bool {
        var found = false
        /// A subquery's rows (every SELECT of a compound) must each pass.
        func check(_ sub: ResolvedSelect) -> Bool {
            var core: ResolvedSelect? = sub
            while let s = core {
                guard s.resultColumns.count == 1, check(s.resultColumns[0], in: s) else { return false }
                core = s.compound?.1
            }
            return true
        }
        func check(_ e: RExpr, in select: ResolvedSelect? = nil) -> Bool {
            switch e {
            case .null, .integer: return true
            case .real(let d): return d.rounded(.towardZero) != d // numeric affinity keeps a fraction
            case .column(let col, _, _, _):
                guard col.cursor == cursor, columns.contains(col.column) else { return false }
                found = true
                return true
            case .collate(let inner, _), .unary(.plus, let inner): return check(inner, in: select)
            case .caseWhen(_, let whens, let otherwise):
                return whens.allSatisfy { check($0.1, in: select) } && (otherwise.map { check($0, in: select) } ?? true)
            case .subquery(let sub): return check(sub)
            case .aggregate(let n):
                // max(x) / min(x) of a subquery hand the value on as it is.
                guard let select, n < select.aggregates.count else { return false }
                let agg = select.aggregates[n]
                return (agg.name == "max" || agg.name == "min") && agg.arguments.count == 1 && check(agg.arguments[0])
            case .function(let fn, let args):
                switch fn.name {
                case "coalesce", "ifnull", "max", "min": return args.count > 1 && args.allSatisfy { check($0, in: select) }
                case "iif": return args.count == 3 && check(args[1], in: select) && check(args[2], in: select)
                case "nullif", "likely", "unlikely", "likelihood": return !args.isEmpty && check(args[0], in: select)
                default: return false
                }
            default: return false
            }
        }
        return check(e) && found
    }

    /// Buffers the RETURNING values of the row in `columns` (table order) with `rowid`.
    func emitReturningRow(_ state: ReturningState?, columns: Int, rowid: Int) throws {
        guard let state else { return }
        for i in state.table.columns.indices {
            b.emit(.sCopy(source: i == state.table.rowidAlias ? rowid : columns + i, dest: state.rowRegisters + i))
        }
        b.emit(.sCopy(source: rowid, dest: state.rowRegisters + state.table.columns.count))
        b.emit(jumpTo: state.subroutine) { .gosub(returnAddress: state.returnAddress, target: $0) }
    }

    /// Returns the buffered rows.
    func finishReturning(_ state: ReturningState?) {
        guard let state else { return }
        let n = state.expressions.count
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: state.buffer, target: $0) }
        let top = b.currentAddress
        let base = b.allocateRegisters(n)
        for i in 0..<n { b.emit(.column(cursor: state.buffer, column: i, dest: base + i)) }
        b.emit(.resultRow(start: base, count: n))
        b.emit(.next(cursor: state.buffer, target: top))
        b.place(done)
    }
}
