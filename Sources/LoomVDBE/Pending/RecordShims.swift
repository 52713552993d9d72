// This file holds a TEMPORARY stand-in for LoomBTree's BTree, which branch `record-btree`
// has not committed yet. It is deleted in the commit that merges the B-tree.
// Layer: L4. Spec: Spec/L4-vdbe.md.

/// Stand-in for LoomBTree's `BTree`.
package final class BTree {}
