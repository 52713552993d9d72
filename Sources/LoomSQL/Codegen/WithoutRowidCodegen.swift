// This file implements the storage model of WITHOUT ROWID tables for the planner and codegen:
// the table's own index B-tree seen as an index (PRIMARY KEY columns, then the rest), and the
// PRIMARY KEY suffix of its secondary indexes. Layer: L5. Spec: Spec/L5-sql.md §WITHOUT ROWID.
import LoomBase
import LoomRecord
import LoomVDBE

extension Table {
    /// The PRIMARY KEY columns of a WITHOUT ROWID table as stored: later repeats of a column
    /// with the same collation are dropped (fileformat2.html §2.4.1).
    package var withoutRowidKeyColumns: [IndexColumn] {
        var out: [IndexColumn] = []
        for col in primaryKeyColumns where !out.contains(where: { sameIndexColumn($0, col) }) {
            out.append(col)
        }
        return out
    }

    /// The record of a WITHOUT ROWID table: the key columns, then every other stored column in
    /// table order (withoutrowid.html, fileformat2.html §2.4).
    package var withoutRowidRecordColumns: [IndexColumn] {
        var out = withoutRowidKeyColumns
        for (i, col) in columns.enumerated() where !out.contains(where: { $0.column == i }) {
            out.append(IndexColumn(column: i, collation: col.collation))
        }
        return out
    }

    /// The table's own B-tree described as an index over the whole record: what the planner
    /// walks for full scans and PRIMARY KEY lookups (always covering).
    package var withoutRowidPrimaryIndex: Index {
        var index = Index(name: "sqlite_autoindex_\(name)_1", tableName: name, columns: withoutRowidRecordColumns,
                          isUnique: true, rootPage: rootPage, sql: nil, origin: .primaryKey)
        index.whereClause = nil
        return index
    }

    /// `index` (a secondary index of this WITHOUT ROWID table) with its stored PRIMARY KEY
    /// suffix: the key columns not already in the index with the same collation (§2.5.1).
    package func withoutRowidSecondary(_ index: Index) -> Index {
        var extended = index
        for col in withoutRowidKeyColumns where !index.columns.contains(where: { sameIndexColumn($0, col) }) {
            extended.columns.append(IndexColumn(column: col.column, collation: col.collation))
        }
        return extended
    }

    /// True when a WITHOUT ROWID table has columns this version cannot read from its record.
    package var withoutRowidUnsupported: Bool {
        columns.contains { $0.generated != nil && !$0.isStored }
    }
}

/// Same table column with the same collation (BINARY when none), as SQLite compares key columns.
private func sameIndexColumn(_ a: IndexColumn, _ b: IndexColumn) -> Bool {
    a.column == b.column && (a.collation ?? "BINARY").uppercasedASCII == (b.collation ?? "BINARY").uppercasedASCII
}

extension Codegen {
    /// Opens a WITHOUT ROWID table's B-tree on `cursor` (an index cursor over its record) and
    /// routes its column reads to record positions. Returns the cursor to clear afterwards.
    func openWithoutRowid(_ table: Table, cursor: Int, write: Bool) throws {
        let index = table.withoutRowidPrimaryIndex
        let info = try keyInfo(of: index)
        if write {
            b.emit(.openWrite(cursor: cursor, root: Int(table.rootPage), columnCount: index.columns.count,
                              keyInfo: info))
        } else {
            b.emit(.openRead(cursor: cursor, root: Int(table.rootPage), columnCount: index.columns.count,
                             keyInfo: info))
        }
        var positions: [Int: Int] = [:]
        for (p, col) in index.columns.enumerated() where positions[col.column] == nil { positions[col.column] = p }
        coveringReads[cursor] = (cursor, positions)
    }
}
