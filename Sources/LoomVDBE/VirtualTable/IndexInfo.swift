// This file implements IndexInfo, the question and answer of a virtual table's bestIndex:
// the usable constraints, ORDER BY and columns used in, the argument mapping and plan out.
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables.
import LoomBase
import LoomRecord

/// The operator of one WHERE constraint offered to bestIndex (SQLite's
/// `SQLITE_INDEX_CONSTRAINT_*`; raw values are SQLite's). Values 150…255 are the module's own
/// function constraints (`findFunctionConstraint`).
package struct ConstraintOperator: RawRepresentable, Sendable, Hashable {
    package let rawValue: Int
    package init(rawValue: Int) { self.rawValue = rawValue }
    package static let eq = ConstraintOperator(rawValue: 2), gt = ConstraintOperator(rawValue: 4)
    package static let le = ConstraintOperator(rawValue: 8), lt = ConstraintOperator(rawValue: 16)
    package static let ge = ConstraintOperator(rawValue: 32), match = ConstraintOperator(rawValue: 64)
    package static let like = ConstraintOperator(rawValue: 65), glob = ConstraintOperator(rawValue: 66)
    package static let regexp = ConstraintOperator(rawValue: 67), ne = ConstraintOperator(rawValue: 68)
    package static let isNot = ConstraintOperator(rawValue: 69), isNotNull = ConstraintOperator(rawValue: 70)
    package static let isNull = ConstraintOperator(rawValue: 71), `is` = ConstraintOperator(rawValue: 72)
    /// LIMIT / OFFSET of a query over this table alone (column meaningless).
    package static let limit = ConstraintOperator(rawValue: 73), offset = ConstraintOperator(rawValue: 74)
    /// The first function constraint (`SQLITE_INDEX_CONSTRAINT_FUNCTION`).
    package static let function = ConstraintOperator(rawValue: 150)
    /// A function constraint: `rawValue` in 150…255.
    package var isFunction: Bool { rawValue >= 150 && rawValue <= 255 }
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
        /// The right-hand side when it is a literal of the statement (`sqlite3_vtab_rhs_value`;
        /// nil for an expression, a parameter, a column, IS [NOT] NULL, or an IN list).
        package var rightValue: Value? = nil
        /// The constraint is `col IN (…)` offered as EQ, and the module may take the whole
        /// list at once (`sqlite3_vtab_in(info, i, -1)`).
        package var isIn = false
        package init(column: Int, op: ConstraintOperator, usable: Bool, collation: String = "BINARY",
                     rightValue: Value? = nil, isIn: Bool = false) {
            self.column = column
            self.op = op
            self.usable = usable
            self.collation = collation
            self.rightValue = rightValue
            self.isIn = isIn
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
        /// With `argvIndex` on an IN constraint (`isIn`): filter receives the whole list at
        /// once in `inLists` (`sqlite3_vtab_in(info, i, 1)`) instead of one call per value.
        package var inAllAtOnce = false
        package init(argvIndex: Int = 0, omit: Bool = false, inAllAtOnce: Bool = false) {
            self.argvIndex = argvIndex
            self.omit = omit
            self.inAllAtOnce = inAllAtOnce
        }
    }

    // Inputs.
    package var constraints: [Constraint]
    package var orderBy: [OrderBy]
    /// Bit i set: column i is read (bit 63 stands for every column ≥ 63) (`colUsed`).
    package var columnsUsed: UInt64
    /// `sqlite3_vtab_distinct`: 0 rows wanted in `orderBy` order; 1 GROUP BY (equal
    /// `orderBy` values adjacent is enough); 2 DISTINCT (adjacent, duplicates may be dropped);
    /// 3 DISTINCT and ORDER BY (sorted, duplicates may be dropped).
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
