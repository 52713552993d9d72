// This file declares BTree and Cursor: the table and index B-trees of one database file.
// Layer: L3. Spec: Spec/L3-btree.md.
import LoomBase
import LoomPager
import LoomRecord

/// Header fields SQLite reaches with `sqlite3BtreeGetMeta` (4-byte big-endian integers at
/// offset 36 + 4*index of page 1).
package enum MetaField: Int, Sendable {
    case freePageCount = 0      // offset 36
    case schemaCookie = 1       // offset 40
    case schemaFormat = 2       // offset 44
    case defaultCacheSize = 3   // offset 48
    case largestRootPage = 4    // offset 52 (auto-vacuum)
    case textEncoding = 5       // offset 56
    case userVersion = 6        // offset 60
    case incrementalVacuum = 7  // offset 64
    case applicationID = 8      // offset 68
}

/// What kind of tree a root page holds.
package enum TreeKind: Sendable { case table, index }

/// Where `Cursor.seek` left the cursor relative to the key it looked for.
package enum SeekResult: Sendable, Equatable {
    /// Positioned on an entry equal to the key.
    case found
    /// Positioned on the nearest entry before (`.before`) or after (`.after`) where the key
    /// would be; `.empty` when the tree has no entries.
    case before, after, empty
}
