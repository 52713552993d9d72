// This file implements IndexInfo, the question and answer of a virtual table's bestIndex:
// the usable constraints, ORDER BY and columns used in, the argument mapping and plan out.
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord

/// The operator of one WHERE constraint offered to bestIndex (SQLite's
/// `SQLITE_INDEX_CONSTRAINT_*`; raw values are SQLite's).
package enum ConstraintOperator: Int, Sendable, Hashable {
    case eq = 2, gt = 4, le = 8, lt = 16, ge = 32, match = 64, like = 65, glob = 66, regexp = 67
    case ne = 68, isNot = 69, isNotNull = 70, isNull = 71, `is` = 72, limit = 73, offset = 74
    /// A function overloaded by the table (xFindFunction); values ≥ 150 in SQLite.
    case function = 150
}

/// Bits of `IndexInfo.indexFlags` (`SQLITE_INDEX_SCAN_*`).
package struct IndexFlags: OptionSet, Sendable, Hashable {
    package let rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }
    /// The plan visits at most one row.
    package static let unique = IndexFlags(rawValue: 1)
}

/// bestIndex input and output (`sqlite3_index_info`).
package struct IndexInfo: Sendable {
    package struct Constraint: Sendable, Hashable {
        /// Declared column index (hidden columns included); −1 for the rowid.
        package var column: Int
        package var op: ConstraintOperator
        /// False when the right-hand side is not available with this plan (it reads a table
        /// placed later in the join): the module must not use it.
        package var usable: Bool
        /// The collation of the comparison ("BINARY", "NOCASE", …; `sqlite3_vtab_collation`).
        package var collation: String = "BINARY"
        package init(column: Int, op: ConstraintOperator, usable: Bool, collation: String = "BINARY") {
            self.column = column
            self.op = op
            self.usable = usable
            self.collation = collation
        }
    }
    package struct OrderBy: Sendable, Hashable {
        package var column: Int
        package var descending: Bool
        package init(column: Int, descending: Bool) { self.column = column; self.descending = descending }
    }
    package struct ConstraintUsage: Sendable, Hashable {
        /// 0: not used; k ≥ 1: the constraint's right-hand value is `arguments[k - 1]` of filter.
        package var argvIndex: Int = 0
        /// The VM need not test the constraint again (the module guarantees it).
        package var omit = false
        package init(argvIndex: Int = 0, omit: Bool = false) { self.argvIndex = argvIndex; self.omit = omit }
    }

    // Inputs.
    package var constraints: [Constraint]
    package var orderBy: [OrderBy]
    /// Bit i set: column i is read (bit 63 stands for every column ≥ 63) (`colUsed`).
    package var columnsUsed: UInt64
    /// True when the query is DISTINCT / GROUP BY over the ORDER BY columns
    /// (`sqlite3_vtab_distinct` ≥ 1); informational.
    package var distinct: Int = 0

    // Outputs.
    package var constraintUsage: [ConstraintUsage]
    package var indexNumber: Int32 = 0
    package var indexString: String? = nil
    /// The rows come in ORDER BY order: no sorter needed.
    package var orderByConsumed = false
    package var estimatedCost: Double = 5_000_000
    package var estimatedRows: Int64 = 25
    package var indexFlags: IndexFlags = []

    package init(constraints: [Constraint], orderBy: [OrderBy], columnsUsed: UInt64 = ~0) {
        self.constraints = constraints
        self.orderBy = orderBy
        self.columnsUsed = columnsUsed
        self.constraintUsage = Array(repeating: ConstraintUsage(), count: constraints.count)
    }
}
