// This file holds TEMPORARY stand-ins for LoomRecord/LoomBTree types that branch
// `record-btree` has not committed yet (Affinity, Collation, KeyInfo, BTree). It is deleted
// in the commit that merges record-btree. Layer: L4. Spec: Spec/L4-vdbe.md.

/// Stand-in for LoomBTree's `BTree`.
package final class BTree {}
