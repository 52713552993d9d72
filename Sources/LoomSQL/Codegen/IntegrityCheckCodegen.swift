// This file implements the content half of PRAGMA integrity_check / quick_check: a program that
// reads every row of the given tables and reports, in SQLite 3.40's words and order, NOT NULL,
// STRICT datatype and CHECK failures and (integrity_check only) missing index entries, non-unique
// entries of UNIQUE indexes and wrong index entry counts. The page-level half is L3's
// `BTree.integrityCheck`; L6 (Connection+IntegrityCheck.swift) runs both.
// Layer: L5. Spec: Spec/L6-session.md §Integrity check (invariants K1-K8).
import LoomBase
import LoomRecord
import LoomVDBE

extension Compiler {
    /// A program that checks the rows of `tables` (ordinary tables of one database, in the
    /// order SQLite visits them) and returns one row per problem, at most `limit` rows.
    /// `indexes` false leaves out the index entry checks (quick_check).
    ///
    /// ```swift
    /// let program = try Compiler.integrityCheckProgram(tables: ordered, schema: main, indexes: true, limit: 100)
    /// ```
    /// Corresponds to the per-table loop SQLite's `PRAGMA integrity_check` compiles.
    package static func integrityCheckProgram(tables: [Table], schema: Schema, indexes: Bool,
                                              limit: Int, columnName: String) throws -> Program {
        let c = Compilation(sql: "", schema: schema)
        let g = Codegen(c)
        let b = c.builder
        let prologue = b.makeLabel()
        b.emit(jumpTo: prologue) { .initialize(target: $0) }
        let body = b.currentAddress
        let end = b.makeLabel()
        let counter = b.allocateRegister()
        b.emit(.integer(value: max(1, limit), dest: counter))
        var databases: [Int] = []
        for table in tables where table.rootPage > 0 && !table.isView && !table.isVirtual && !table.isSchemaTable {
            if !databases.contains(table.database) { databases.append(table.database) }
            try g.codeIntegrityCheck(table, indexes: indexes, counter: counter, end: end)
        }
        b.place(end)
        b.emit(.halt())
        b.place(prologue)
        for db in databases.sorted() {
            let cookie = schema.schema(forDatabase: db)?.cookie ?? 0
            b.emit(.transaction(write: false, schemaCookie: Int(cookie), database: db))
        }
        for constant in b.prologueConstants { b.emit(constant) }
        b.emit(.goto(target: body))
        let instructions = b.finish()
        var program = Program(instructions: instructions, registerCount: b.registerCount + 1,
                              cursorCount: b.cursorCount, columnNames: [columnName],
                              isReadOnly: true)
        program.fast = FastProgram(instructions)
        return program
    }
}

extension Codegen {
    /// Returns the message in `register` as a row; stops the program after the last allowed one.
    private func emitIntegrityMessage(_ register: Int, counter: Int, end: Label) {
        b.emit(.resultRow(start: register, count: 1))
        b.emit(jumpTo: end) { .decrJumpZero(register: counter, target: $0) }
    }

    private func emitIntegrityMessage(_ text: String, counter: Int, end: Label) {
        let r = b.allocateRegister()
        b.emit(.string8(value: text, dest: r))
        emitIntegrityMessage(r, counter: counter, end: end)
    }

    /// The loop over one table's rows (invariants K3-K7 of Spec/L6-session.md).
    func codeIntegrityCheck(_ table: Table, indexes checkIndexes: Bool, counter: Int, end: Label) throws {
        // WITHOUT ROWID tables with VIRTUAL generated columns cannot be read yet.
        if table.isWithoutRowid && table.withoutRowidUnsupported { return }
        let tc = b.allocateCursor()
        cursorTables[tc] = table
        if table.isWithoutRowid {
            try openWithoutRowid(table, cursor: tc, write: false)
            coveringReads[tc] = nil
        } else {
            b.emit(.openRead(cursor: tc, root: Int(table.rootPage), columnCount: table.columns.count,
                             database: table.database))
        }
        // The secondary indexes, newest first as SQLite lists them; each with its own cursor
        // and a register counting the entries the rows call for.
        var indexes: [(index: Index, stored: Index, cursor: Int, count: Int)] = []
        if checkIndexes {
            for index in c.schema.indexes(on: table) where index.rootPage > 0 {
                let stored = table.isWithoutRowid ? table.withoutRowidSecondary(index) : index
                let ic = b.allocateCursor()
                let columnCount = table.isWithoutRowid ? stored.columns.count : index.columns.count + 1
                b.emit(.openRead(cursor: ic, root: Int(index.rootPage), columnCount: columnCount,
                                 keyInfo: try keyInfo(of: stored), database: index.database))
                let count = b.allocateRegister()
                b.emit(.integer(value: 0, dest: count))
                indexes.append((index, stored, ic, count))
            }
        }
        let rowNumber = b.allocateRegister()
        b.emit(.integer(value: 0, dest: rowNumber))
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: tc, target: $0) }
        let top = b.currentAddress
        b.emit(.addImm(register: rowNumber, value: 1))
        let rowid = b.allocateRegister()
        let columns = b.allocateRegisters(max(1, table.columns.count))
        if table.isWithoutRowid {
            b.emit(.null(dest: rowid))
            for (p, col) in table.withoutRowidRecordColumns.enumerated() {
                b.emit(.column(cursor: tc, column: p, dest: columns + col.column, default: columnDefault(table, col.column)))
                if table.columns[col.column].affinity == .real { b.emit(.realAffinity(register: columns + col.column)) }
            }
        } else {
            b.emit(.rowid(cursor: tc, dest: rowid))
            for i in table.columns.indices { try codeTableColumn(table, cursor: tc, column: i, dest: columns + i) }
        }
        // Column by column: NOT NULL (implied for a WITHOUT ROWID table's PRIMARY KEY), then
        // the STRICT datatype.
        for (i, column) in table.columns.enumerated() where i != table.rowidAlias {
            if column.notNull || (table.isWithoutRowid && table.primaryKey.contains(i)) {
                let ok = b.makeLabel()
                b.emit(jumpTo: ok) { .notNull(register: columns + i, target: $0) }
                emitIntegrityMessage("NULL value in \(table.name).\(column.name)", counter: counter, end: end)
                b.place(ok)
            }
            if table.isStrict, let type = column.strictType, type != "ANY" {
                codeStrictIntegrityCheck(columns + i, type: type, table: table, column: column, counter: counter, end: end)
            }
        }
        try codeCheckIntegrity(table, columns: columns, rowid: rowid, counter: counter, end: end)
        for entry in indexes {
            try codeIndexEntryCheck(entry.index, stored: entry.stored, table: table, cursor: entry.cursor,
                                    count: entry.count, columns: columns, rowid: rowid, rowNumber: rowNumber,
                                    counter: counter, end: end)
        }
        b.emit(.next(cursor: tc, target: top))
        b.place(done)
        for entry in indexes {
            let actual = b.allocateRegister()
            let ok = b.makeLabel()
            b.emit(.count(cursor: entry.cursor, dest: actual))
            b.emit(jumpTo: ok) { .eq(lhs: actual, rhs: entry.count, target: $0) }
            emitIntegrityMessage("wrong # of entries in index \(entry.index.name)", counter: counter, end: end)
            b.place(ok)
            b.emit(.close(cursor: entry.cursor))
        }
        b.emit(.close(cursor: tc))
    }

    /// "non-TYPE value in t.c" when the value in `register` is neither NULL nor of the STRICT
    /// column's type (REAL also takes integers: REAL columns store integral values as such).
    private func codeStrictIntegrityCheck(_ register: Int, type: String, table: Table, column: Column,
                                          counter: Int, end: Label) {
        guard case .found(let typeofFunction) = FunctionRegistry.lookup(name: "typeof", argc: 1) else { return }
        let allowed: [String]
        switch type {
        case "INT", "INTEGER": allowed = ["null", "integer"]
        case "REAL": allowed = ["null", "integer", "real"]
        case "TEXT": allowed = ["null", "text"]
        default: allowed = ["null", "blob"]
        }
        let kind = b.allocateRegister(), wanted = b.allocateRegister()
        let ok = b.makeLabel()
        b.emit(.function(function: typeofFunction, arguments: register, argumentCount: 1, dest: kind))
        for name in allowed {
            b.emit(.string8(value: name, dest: wanted))
            b.emit(jumpTo: ok) { .eq(lhs: kind, rhs: wanted, target: $0) }
        }
        emitIntegrityMessage("non-\(type) value in \(table.name).\(column.name)", counter: counter, end: end)
        b.place(ok)
    }

    /// One "CHECK constraint failed in t" when some CHECK constraint of the row is false
    /// (NULL passes).
    private func codeCheckIntegrity(_ table: Table, columns: Int, rowid: Int, counter: Int, end: Label) throws {
        // PRAGMA ignore_check_constraints=ON: not checked here either, as in SQLite.
        guard !table.checks.isEmpty, !c.schema.ignoreCheckConstraints else { return }
        let cursor = b.allocateCursor()
        for i in table.columns.indices {
            columnOverrides[RColumn(cursor: cursor, column: i)] = i == table.rowidAlias ? rowid : columns + i
        }
        columnOverrides[RColumn(cursor: cursor, column: -1)] = rowid
        let scope = Scope(sources: [SourceItem(table: table, exposedName: table.name, cursor: cursor)], parent: nil)
        let resolver = Resolver(c)
        let fault = b.makeLabel(), ok = b.makeLabel()
        for (k, check) in table.checks.enumerated() {
            let e = try resolver.resolve(check.expr, in: scope, context: .check)
            if k < table.checks.count - 1 {
                try jumpIfFalse(e, to: fault, jumpIfNull: false)
            } else {
                try jumpIfTrue(e, to: ok, jumpIfNull: true)
            }
        }
        b.place(fault)
        emitIntegrityMessage("CHECK constraint failed in \(table.name)", counter: counter, end: end)
        b.place(ok)
    }

    /// The row's entry in `index` (skipped when a partial index does not cover the row):
    /// "row N missing from index X" when absent; for a UNIQUE index, "non-unique entry in
    /// index X" when the next entry has the same key (keys holding a NULL are exempt).
    private func codeIndexEntryCheck(_ index: Index, stored: Index, table: Table, cursor: Int, count: Int,
                                     columns: Int, rowid: Int, rowNumber: Int, counter: Int, end: Label) throws {
        let key: Int
        let partial: Label?
        if table.isWithoutRowid {
            (key, partial) = try withoutRowidSecondaryKey(index, table: table, columns: columns)
        } else {
            partial = try codePartialIndexSkip(index, table: table, columns: columns, rowid: rowid)
            key = try codeIndexKey(index, columns: columns, rowid: rowid, table: table)
        }
        let entryCount = table.isWithoutRowid ? stored.columns.count : index.columns.count + 1
        let next = b.makeLabel(), found = b.makeLabel()
        b.emit(.addImm(register: count, value: 1))
        b.emit(jumpTo: found) { .found(cursor: cursor, key: key, count: entryCount, target: $0) }
        let message = b.allocateRegister(), text = b.allocateRegister()
        b.emit(.string8(value: "row ", dest: message))
        b.emit(.concat(lhs: message, rhs: rowNumber, dest: message))
        b.emit(.string8(value: " missing from index \(index.name)", dest: text))
        b.emit(.concat(lhs: message, rhs: text, dest: message))
        emitIntegrityMessage(message, counter: counter, end: end)
        b.emit(jumpTo: next) { .goto(target: $0) }
        b.place(found)
        if index.isUnique {
            let keyColumns = index.columns.count
            for i in 0..<keyColumns { b.emit(jumpTo: next) { .isNull(register: key + i, target: $0) } }
            let compare = b.makeLabel()
            b.emit(jumpTo: compare) { .next(cursor: cursor, target: $0) }
            b.emit(jumpTo: next) { .goto(target: $0) }
            b.place(compare)
            b.emit(jumpTo: next) { .idxGT(cursor: cursor, key: key, count: keyColumns, target: $0) }
            emitIntegrityMessage("non-unique entry in index \(index.name)", counter: counter, end: end)
        }
        b.place(next)
        if let partial { b.place(partial) }
    }
}
