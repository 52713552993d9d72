// This file implements RETURNING for INSERT, UPDATE and DELETE: each changed row's RETURNING
// values go to an ephemeral table, returned as result rows once every change is made (as
// SQLite buffers them). Layer: L5. Spec: Spec/L5-sql.md §Codegen.
import LoomBase
import LoomRecord
import LoomVDBE

/// The RETURNING clause of one statement, resolved against its table.
struct ReturningState {
    var expressions: [RExpr]
    var names: [String]
    /// The cursor number the expressions' columns use; its columns are mapped to registers.
    var rowCursor: Int
    var buffer: Int
    var table: Table
}

extension Codegen {
    /// Resolves `columns` against `table` (named `alias` if given) and opens the buffer.
    func prepareReturning(_ columns: [ResultColumn], table: Table, alias: String?, span: SourceSpan) throws -> ReturningState? {
        guard !columns.isEmpty else { return nil }
        let cursor = b.allocateCursor()
        let source = SourceItem(table: table, exposedName: alias ?? table.name, cursor: cursor)
        let scope = Scope(sources: [source], parent: nil)
        let resolver = Resolver(c)
        var exprs: [RExpr] = []
        var names: [String] = []
        for column in columns {
            switch column {
            case .star:
                for (i, col) in table.columns.enumerated() { exprs.append(resolver.columnExpr(source, i)); names.append(col.name) }
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
                names.append(alias ?? resolver.defaultName(e, r, scope: scope))
            }
        }
        let buffer = b.allocateCursor()
        b.emit(.openEphemeral(cursor: buffer, columnCount: max(exprs.count, 1)))
        returningNames = names
        return ReturningState(expressions: exprs, names: names, rowCursor: cursor, buffer: buffer, table: table)
    }

    /// Buffers the RETURNING values of the row in `columns` (table order) with `rowid`.
    func emitReturningRow(_ state: ReturningState?, columns: Int, rowid: Int) throws {
        guard let state else { return }
        let saved = columnOverrides
        defer { columnOverrides = saved }
        for i in state.table.columns.indices {
            columnOverrides[RColumn(cursor: state.rowCursor, column: i)] = i == state.table.rowidAlias ? rowid : columns + i
        }
        columnOverrides[RColumn(cursor: state.rowCursor, column: -1)] = rowid
        let n = state.expressions.count
        let base = b.allocateRegisters(n)
        for (i, e) in state.expressions.enumerated() { try code(e, into: base + i) }
        let rec = b.allocateRegister(), key = b.allocateRegister()
        b.emit(.makeRecord(start: base, count: n, dest: rec))
        b.emit(.newRowid(cursor: state.buffer, dest: key))
        b.emit(.insert(cursor: state.buffer, record: rec, rowid: key))
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
