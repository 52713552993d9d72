// This file implements the VM's virtual-table opcodes: VOpen/VFilter/VColumn/VNext read
// through a module's cursor, VUpdate writes through xUpdate, VDestroy drops.
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord

extension VM {
    func virtualCursor(_ id: CursorID) throws -> (VMCursor, any VirtualTableCursor, VirtualTableReference) {
        let c = try cursor(id)
        guard case .virtual(let v, let t) = c.storage else {
            throw DatabaseError(.internal, "cursor \(id) is not a virtual table cursor")
        }
        return (c, v, t)
    }

    /// VFilter: true when the scan has a first row.
    func virtualFilter(_ id: CursorID, indexNumber: Int32, indexString: String?, arguments: Register,
                       count: Int, lists: [VirtualInList] = []) throws -> Bool {
        let (c, v, _) = try virtualCursor(id)
        try checkRange(arguments, count)
        let args = Array(registers[arguments ..< arguments + count])
        if lists.isEmpty {
            try v.filter(indexNumber: indexNumber, indexString: indexString, arguments: args)
        } else {
            var inLists: [Int: [Value]] = [:]
            for list in lists {
                let e = try cursor(list.cursor)
                var values: [Value] = []
                var more = try moveFirst(e)
                while more {
                    values.append(try readColumn(e, 0, default: nil))
                    more = try advance(e, forward: true)
                }
                inLists[list.argument] = values
            }
            try v.filter(indexNumber: indexNumber, indexString: indexString, arguments: args, inLists: inLists)
        }
        let ok = !v.eof
        c.moved(valid: ok)
        return ok
    }

    func virtualNext(_ id: CursorID) throws -> Bool {
        let (c, v, _) = try virtualCursor(id)
        guard c.isValid else { return false }
        try v.next()
        let ok = !v.eof
        c.moved(valid: ok)
        return ok
    }

    func virtualColumn(_ id: CursorID, _ column: Int, dest: Register) throws {
        let (c, v, t) = try virtualCursor(id)
        guard c.isValid, !c.nullRow else {
            registers[dest] = .null
            if !subtypedRegisters.isEmpty { subtypedRegisters[dest] = nil }
            return
        }
        let value = try v.column(column)
        registers[dest] = value
        if t.table.columnIsJSON(column, cursor: v) {
            subtypedRegisters[dest] = value
        } else if !subtypedRegisters.isEmpty {
            subtypedRegisters[dest] = nil
        }
    }

    func virtualUpdate(_ t: VirtualTableReference, arguments: Register, count: Int, flags: WriteFlags,
                       action: ConflictAction) throws {
        if !context.isAutocommit { try enterVirtualStatementSavepoint(t.table) }
        try checkRange(arguments, count)
        let args = Array(registers[arguments ..< arguments + count])
        let rowid = try t.table.update(args, onConflict: action)
        // (A module that reports no rowid, as FTS5's special commands, leaves 0, as sqlite3.)
        if flags.contains(.lastRowid) { context.lastInsertRowID = rowid ?? 0 }
        if flags.contains(.countChanges) {
            statementChanges += 1
        }
    }

    func virtualDestroy(name: String, module: String, arguments: [String], sql: String) throws {
        let registry = context.virtualTables
        let table = try registry.table(named: name, module: module, arguments: arguments, sql: sql)
        try table.destroy()
        registry.remove(named: name)
    }
}

extension VM {
    /// Before a virtual-table write inside an explicit transaction. The module's shadow-table
    /// writes run as nested statements this run's undo log never sees, so the statement
    /// switches to a pager savepoint (SQLite's statement journal): first every table in the
    /// transaction gets `beginStatement(level)` (FTS5 marks its pending data), then the
    /// savepoint opens; undo entries logged so far are kept apart and applied after the
    /// savepoint rolls back (VM.finish). A table joining later in the statement gets its
    /// `beginStatement(level)` at its first write.
    func enterVirtualStatementSavepoint(_ table: any VirtualTable) throws {
        let registry = context.virtualTables
        let level = context.savepoints.count
        if undoBeforeStatementSavepoint == nil {
            // Not journaled (autocommit) or DDL (already on a savepoint): nothing to do.
            guard let log = undoLog, statementSavepointTrees == nil else { return }
            try registry.statementSavepointAll(level: level)
            undoBeforeStatementSavepoint = log
            undoLog = nil
            statementSavepointTrees = []
            for handle in context.databasesInTransaction where handle.transactionState == .write {
                openStatementSavepoint(on: handle.btree)
            }
        }
        try registry.statementSavepoint(table, level: level)
    }

    /// Ends the statement savepoint a virtual-table write opened: rolled back (the pager's
    /// pages, then each table's `rollbackTo`) or released.
    func endVirtualStatementSavepoint(rollback: Bool) {
        endStatementSavepoint(rollback: rollback)
        context.virtualTables.endStatement(rollback: rollback)
    }
}

extension Value {
    /// The text of a value as a name (VRename).
    var textForVirtualTable: String { textValue ?? "" }
}
