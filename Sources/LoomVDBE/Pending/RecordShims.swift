// This file holds TEMPORARY stand-ins for LoomBTree's BTree, TableCursor and IndexCursor
// (named as the lead announced them), which branch `record-btree` has not committed yet.
// Every method throws. Deleted in the commit that merges the B-tree.
// Layer: L4. Spec: Spec/L4-vdbe.md.
import LoomBase
import LoomBTree
import LoomRecord

private func pending() -> DatabaseError { DatabaseError(.internal, "B-tree not available yet") }

/// Stand-in for LoomBTree's `BTree`.
package final class BTree {
    package init() {}
    package func beginTransaction(write: Bool) throws { throw pending() }
    package func commit() throws { throw pending() }
    package func rollback() throws { throw pending() }
    package func createTree(_ kind: TreeKind) throws -> Int { throw pending() }
    package func dropTree(root: Int) throws { throw pending() }
    package func clearTree(root: Int) throws -> Int { throw pending() }
    package func getMeta(_ field: MetaField) throws -> UInt32 { throw pending() }
    package func setMeta(_ field: MetaField, _ value: UInt32) throws { throw pending() }
    package func tableCursor(root: Int, writable: Bool) throws -> TableCursor { throw pending() }
    package func indexCursor(root: Int, writable: Bool, keyInfo: KeyInfo) throws -> IndexCursor { throw pending() }
}

package final class TableCursor {
    package func first() throws -> Bool { throw pending() }
    package func last() throws -> Bool { throw pending() }
    package func next() throws -> Bool { throw pending() }
    package func previous() throws -> Bool { throw pending() }
    package func seek(rowid: Int64) throws -> SeekResult { throw pending() }
    package func rowid() throws -> Int64 { throw pending() }
    package func payload() throws -> [UInt8] { throw pending() }
    package func insert(rowid: Int64, payload: [UInt8]) throws { throw pending() }
    package func delete() throws { throw pending() }
    package func maxRowid() throws -> Int64? { throw pending() }
}

package final class IndexCursor {
    package func first() throws -> Bool { throw pending() }
    package func last() throws -> Bool { throw pending() }
    package func next() throws -> Bool { throw pending() }
    package func previous() throws -> Bool { throw pending() }
    package func seek(key: [Value]) throws -> SeekResult { throw pending() }
    package func key() throws -> [UInt8] { throw pending() }
    package func insert(key: [UInt8]) throws { throw pending() }
    package func delete() throws { throw pending() }
}
