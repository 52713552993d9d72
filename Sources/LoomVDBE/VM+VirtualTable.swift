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
                       count: Int) throws -> Bool {
        let (c, v, _) = try virtualCursor(id)
        try checkRange(arguments, count)
        let args = Array(registers[arguments ..< arguments + count])
        try v.filter(indexNumber: indexNumber, indexString: indexString, arguments: args)
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
        try checkRange(arguments, count)
        let args = Array(registers[arguments ..< arguments + count])
        let rowid = try t.table.update(args)
        if flags.contains(.lastRowid), let rowid { context.lastInsertRowID = rowid }
        if flags.contains(.countChanges) {
            statementChanges += 1
            context.totalChanges += 1
        }
    }

    func virtualDestroy(name: String, module: String, arguments: [String], sql: String) throws {
        let registry = context.virtualTables
        let table = try registry.table(named: name, module: module, arguments: arguments, sql: sql)
        try table.destroy()
        registry.remove(named: name)
    }
}

extension Value {
    /// The text of a value as a name (VRename).
    var textForVirtualTable: String { textValue ?? "" }
}
