// This file implements the LoomSessionTests helper that runs SQL text on a Connection.
// Tests of L6 (Spec/L6-session.md).

import LoomRecord
import LoomSession

/// Runs every statement of `sql` on `connection` and returns all their result rows.
func run(_ connection: Connection, _ sql: String) throws -> [[Value]] {
    var rows: [[Value]] = []
    var offset = 0
    while let prepared = try connection.prepare(sql, from: offset) {
        let vm = connection.makeVM(prepared)
        while try vm.step() { rows.append((0..<vm.columnCount).map(vm.column)) }
        offset = prepared.end
    }
    return rows
}
