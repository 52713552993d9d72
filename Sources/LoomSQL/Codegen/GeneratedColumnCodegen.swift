// This file implements generated columns (AS (expr) VIRTUAL / STORED): reading a column of a
// table with generated columns (record index mapping, VIRTUAL values computed from the row),
// computing them for a new row, and the record layout SQLite uses (VIRTUAL columns absent).
// Layer: L5. Spec: Spec/L5-sql.md §Generated columns (invariants G1-G4).
import LoomBase
import LoomRecord
import LoomVDBE

extension Codegen {
    /// Reads column `i` of `table` (cursor on a row) into `dest`: a stored column from its
    /// record position, a VIRTUAL one computed from the row's other columns.
    func codeTableColumn(_ table: Table, cursor: Int, column i: Int, dest: Int) throws {
        let column = table.columns[i]
        if i == table.rowidAlias {
            b.emit(.rowid(cursor: cursor, dest: dest))
            return
        }
        if column.generated != nil && !column.isStored {
            let saved = cursorTables[cursor]
            cursorTables[cursor] = table
            defer { cursorTables[cursor] = saved }
            try codeGeneratedValue(table, column: i, cursor: cursor, into: dest)
            return
        }
        let stored = table.recordIndex.isEmpty ? i : table.recordIndex[i]
        b.emit(.column(cursor: cursor, column: stored, dest: dest, default: columnDefault(table, i)))
        if column.affinity == .real { b.emit(.realAffinity(register: dest)) }
    }

    /// The generated expression of column `i`, with column references on `cursor`, coded
    /// into `dest` with the column's affinity.
    func codeGeneratedValue(_ table: Table, column i: Int, cursor: Int, into dest: Int) throws {
        let column = table.columns[i]
        guard let expr = column.generated else { return }
        let key = table.name.lowercasedASCII + "." + column.name.lowercasedASCII
        if generatingColumns.contains(key) {
            throw DatabaseError(.error, "generated column loop on \"\(column.name)\"")
        }
        generatingColumns.insert(key)
        defer { generatingColumns.remove(key) }
        let scope = Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: cursor)], parent: nil)
        var resolver = Resolver(c)
        resolver.purityPlace = "a generated column"
        let resolved = try resolver.resolve(expr, in: scope, context: .check)
        try code(resolved, into: dest)
        if column.affinity != .blob { b.emit(.affinity(start: dest, affinities: [column.affinity])) }
    }

    /// Computes every generated column of a new row held in `columns` (table order, affinity
    /// applied), each after the generated columns it reads.
    func codeGeneratedColumns(_ table: Table, columns: Int, rowid: Int) throws {
        guard table.hasGenerated else { return }
        let cursor = b.allocateCursor()
        for i in table.columns.indices {
            columnOverrides[RColumn(cursor: cursor, column: i)] = i == table.rowidAlias ? rowid : columns + i
        }
        columnOverrides[RColumn(cursor: cursor, column: -1)] = rowid
        for i in try generatedOrder(table) {
            try codeGeneratedValue(table, column: i, cursor: cursor, into: columns + i)
        }
    }

    /// Generated columns in an order where each comes after the generated columns its
    /// expression names; a cycle is SQLite's "generated column loop on "x"".
    func generatedOrder(_ table: Table) throws -> [Int] {
        let generated = table.columns.indices.filter { table.columns[$0].generated != nil }
        var uses: [Int: Set<Int>] = [:]
        for i in generated {
            guard let e = table.columns[i].generated, let sql = table.sql else { continue }
            let text = SchemaText(e.span.text(in: sql))
            var set = Set<Int>()
            for k in text.tokens.indices where text.isName(k) {
                if let j = table.columnIndex(named: text.name(k)), table.columns[j].generated != nil { set.insert(j) }
            }
            uses[i] = set
        }
        // Depth first from each column in declaration order; a dependency still being
        // visited is a loop, reported on the column that reads it (as SQLite does).
        var order: [Int] = []
        var done = Set<Int>(), busy = Set<Int>()
        func visit(_ i: Int) throws {
            if done.contains(i) { return }
            busy.insert(i)
            for j in (uses[i] ?? []).sorted() {
                if busy.contains(j) { throw DatabaseError(.error, "generated column loop on \"\(table.columns[i].name)\"") }
                try visit(j)
            }
            busy.remove(i)
            done.insert(i)
            order.append(i)
        }
        for i in generated { try visit(i) }
        return order
    }

    /// The registers of a row's record: `columns` itself, or (VIRTUAL columns present) a copy
    /// of the stored columns only.
    func recordRange(_ table: Table, columns: Int) -> (start: Int, count: Int) {
        guard !table.recordIndex.isEmpty else { return (columns, table.columns.count) }
        let stored = table.columns.indices.filter { table.recordIndex[$0] >= 0 }
        let start = b.allocateRegisters(max(stored.count, 1))
        for (k, i) in stored.enumerated() { b.emit(.sCopy(source: columns + i, dest: start + k)) }
        return (start, stored.count)
    }

    /// CREATE TABLE: every generated expression must resolve against the table.
    func checkGeneratedColumns(_ table: Table) throws {
        guard table.hasGenerated else { return }
        let scope = Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: b.allocateCursor())],
                          parent: nil)
        for column in table.columns {
            guard let e = column.generated else { continue }
            try resolveCreateExpr(e, in: scope, place: "generated columns", purity: "a generated column")
            var current: SourceSpan? = nil
            e.visitIndexNodes { node in
                switch node.kind {
                case .literal(.currentTime), .literal(.currentDate), .literal(.currentTimestamp):
                    if current == nil { current = node.span }
                default: break
                }
            }
            if let current { throw c.error("non-deterministic functions prohibited in generated columns", at: current) }
            // Functions whose result varies between calls with the same arguments are refused.
            let text = SchemaText(c.text(e.span))
            for k in text.tokens.indices where text.isName(k) && text.kind(k + 1) == .leftParen {
                let name = text.name(k)
                let nonDeterministic = (-1...3).contains { argc in
                    if case .found(let f) = FunctionRegistry.lookup(name: name, argc: argc) {
                        return !f.isDeterministic && !FunctionRegistry.isSlowChanging(f)
                    }
                    return false
                }
                if nonDeterministic {
                    let at = SourceSpan(start: e.span.start + text.tokens[k].start, end: e.span.start + text.tokens[k].end)
                    throw c.error("non-deterministic functions prohibited in generated columns", at: at)
                }
            }
        }
    }

    /// ALTER TABLE ADD COLUMN of a generated column (the last of `table`): a STORED one
    /// needs an empty table; a NOT NULL one must be non-NULL on every existing row.
    func codeAddedGeneratedColumnChecks(_ table: Table, stored: Bool, notNull: Bool) throws {
        guard stored || notNull, let last = table.columns.indices.last else { return }
        let cursor = b.allocateCursor()
        b.emit(.openRead(cursor: cursor, root: Int(table.rootPage), columnCount: table.columns.count, database: table.database))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        if stored {
            b.emit(.halt(code: .error, action: .abort, message: "cannot add a STORED column"))
        } else {
            let top = b.currentAddress
            let value = b.allocateRegister()
            let saved = cursorTables[cursor]
            cursorTables[cursor] = table
            try codeGeneratedValue(table, column: last, cursor: cursor, into: value)
            cursorTables[cursor] = saved
            b.emit(.haltIfNull(register: value, code: .constraintNotNull, action: .abort,
                               message: "NOT NULL constraint failed"))
            b.emit(.next(cursor: cursor, target: top))
        }
        b.place(done)
    }
}
