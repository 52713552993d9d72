// This file implements VirtualTableReference: a connected virtual table named inside an
// instruction (SQLite's P4 `vtab:` pointer). Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables.
import LoomBase

/// A connected table as an instruction operand. Programs are values shared across the
/// statement's lifetime only on the connection's thread, so the reference is not really
/// sent across threads (hence `@unchecked Sendable`).
package final class VirtualTableReference: @unchecked Sendable {
    package let table: any VirtualTable
    /// The table's name (EXPLAIN shows `vtab:name`).
    package let name: String
    package init(table: any VirtualTable, name: String) {
        self.table = table
        self.name = name
    }
}
