// This file holds TEMPORARY stand-ins for LoomRecord/LoomBTree types that branch
// `record-btree` has not committed yet (Affinity, Collation, KeyInfo, BTree). It is deleted
// in the commit that merges record-btree. Layer: L4. Spec: Spec/L4-vdbe.md.

/// Stand-in for LoomRecord's `Affinity` (datatype3.html §3).
package enum Affinity: Sendable, Hashable { case blob, text, numeric, integer, real }

/// Stand-in for LoomRecord's `Collation` (BINARY, NOCASE, RTRIM).
package enum Collation: Sendable, Hashable { case binary, nocase, rtrim }

/// Stand-in for LoomRecord's `KeyInfo`: per key column a collation and a sort order.
package struct KeyInfo: Sendable, Hashable {
    package var collations: [Collation]
    package var descending: [Bool]
    package init(collations: [Collation], descending: [Bool]) {
        self.collations = collations
        self.descending = descending
    }
}

/// Stand-in for LoomBTree's `BTree`.
package final class BTree {}
