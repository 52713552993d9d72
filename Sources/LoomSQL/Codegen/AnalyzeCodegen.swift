// This file implements ANALYZE (lang_analyze.html): sqlite_stat1 rows (fileformat2.html
// §2.6.4) computed by walking each index in key order and counting distinct key prefixes,
// as SQLite 3.40 does without STAT4. Layer: L5. Spec: Spec/L5-sql.md §ANALYZE (A1-A4).
import LoomBase
import LoomRecord
import LoomVDBE

extension Codegen {
    /// ANALYZE [schema | [schema.]table | [schema.]index].
    func codeAnalyze(schema schemaName: String?, name: String?, span: SourceSpan) throws {
        var tables: [Table] = []
        var onlyIndex: Index? = nil
        var target = name
        if let s = schemaName {
            guard s.equalsIgnoringCase("main") || s.equalsIgnoringCase("temp") else {
                // SQLite points at the name: the first token after ANALYZE.
                let bytes = Array(c.text(span).utf8)
                var i = min(7, bytes.count)
                while i < bytes.count, bytes[i] == 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0D) { i += 1 }
                throw c.error("unknown database \(s)", at: SourceSpan(start: span.start + i, end: span.end))
            }
            if s.equalsIgnoringCase("temp") { return }  // Loom's temp schema holds no tables
        } else if let n = name, n.equalsIgnoringCase("main") || n.equalsIgnoringCase("temp") {
            if n.equalsIgnoringCase("temp") { return }
            target = nil
        }
        let analyzable = { (t: Table) in !t.isView && !t.isVirtual && !t.name.lowercasedASCII.hasPrefix("sqlite_") }
        if let target {
            if let index = c.schema.index(named: target), let table = c.schema.table(named: index.tableName) {
                tables = [table]
                onlyIndex = index
            } else if let table = c.schema.table(named: target), !table.isView, !table.isVirtual {
                guard analyzable(table) else {
                    // ANALYZE sqlite_schema: the statistics are read again (lang_analyze.html).
                    if table.isSchemaTable { b.emit(.parseSchema()) }
                    return
                }
                tables = [table]
            } else {
                throw c.error("no such table: \(target)", at: nil)
            }
        } else {
            // SQLite walks its table hash: newest first while the schema is small (A3).
            tables = c.schema.allTables.reversed().filter(analyzable)
        }
        c.writes = true
        c.usesDatabase = true
        // sqlite_stat1: created when missing (A1), then the rows being replaced go.
        let statCursor = b.allocateCursor()
        if let stat = c.schema.table(named: "sqlite_stat1") {
            if target == nil {
                b.emit(.clear(root: Int(stat.rootPage)))
            } else if let onlyIndex {
                deleteSchemaRows(column: 1, equal: onlyIndex.name, ignoringCase: true, root: Int(stat.rootPage), columnCount: 3)
            } else if let table = tables.first {
                deleteSchemaRows(column: 0, equal: table.name, ignoringCase: true, root: Int(stat.rootPage), columnCount: 3)
            }
            b.emit(.openWrite(cursor: statCursor, root: Int(stat.rootPage), columnCount: 3))
        } else {
            let schemaCursor = openSchemaTable()
            let root = b.allocateRegister()
            b.emit(.createBtree(dest: root, kind: .table))
            insertSchemaRow(cursor: schemaCursor, type: "table", name: "sqlite_stat1", tableName: "sqlite_stat1",
                            rootRegister: root, sql: "CREATE TABLE sqlite_stat1(tbl,idx,stat)")
            b.emit(.openWrite(cursor: statCursor, root: root, columnCount: 3, rootInRegister: true))
        }
        for table in tables {
            var indexes: [(name: String, index: Index, keyColumns: Int)] = []
            for index in c.schema.indexes(on: table.name) {
                // A WITHOUT ROWID table's secondary index also stores the PRIMARY KEY: only
                // the declared columns count.
                indexes.append((index.name, table.isWithoutRowid ? table.withoutRowidSecondary(index) : index, index.columns.count))
            }
            if table.isWithoutRowid {
                // The table's own B-tree is analyzed as an index named after the table.
                indexes.append((table.name, table.withoutRowidPrimaryIndex, table.withoutRowidKeyColumns.count))
            }
            if let onlyIndex { indexes = indexes.filter { $0.name.equalsIgnoringCase(onlyIndex.name) } }
            if indexes.isEmpty {
                if onlyIndex == nil { try codeTableRowCount(table, statCursor: statCursor) }
                continue
            }
            // Newest index first (A3; `indexes(on:)` lists them so).
            for entry in indexes {
                try codeIndexStat(table, name: entry.name, index: entry.index, keyColumns: entry.keyColumns,
                                  statCursor: statCursor)
            }
        }
        // The schema (with the statistics the planner reads, A4) is loaded again.
        if c.schema.table(named: "sqlite_stat1") == nil { finishSchemaChange() } else { b.emit(.parseSchema()) }
    }

    /// A table without indexes: (tbl, NULL, row count) when it has rows.
    private func codeTableRowCount(_ table: Table, statCursor: Int) throws {
        let cursor = b.allocateCursor()
        b.emit(.openRead(cursor: cursor, root: Int(table.rootPage), columnCount: table.columns.count))
        let n = b.allocateRegister()
        b.emit(.count(cursor: cursor, dest: n))
        let skip = b.makeLabel()
        b.emit(jumpTo: skip) { .ifNot(register: n, target: $0, jumpIfNull: true) }
        let row = b.allocateRegisters(3)
        b.emit(.string8(value: table.name, dest: row))
        b.emit(.null(dest: row + 1))
        b.emit(.copy(source: n, dest: row + 2))
        insertStatRow(row, statCursor: statCursor)
        b.place(skip)
        b.emit(.close(cursor: cursor))
    }

    /// One index: its entries in key order; distinct prefixes of 1…K columns counted with the
    /// index's collations, NULLs equal (A2). Stat: "N ceil(N/d1) … ceil(N/dK)", no row when empty.
    private func codeIndexStat(_ table: Table, name: String, index: Index, keyColumns k: Int, statCursor: Int) throws {
        guard k > 0 else { return }
        let cursor = b.allocateCursor()
        b.emit(.openRead(cursor: cursor, root: Int(index.rootPage), columnCount: index.columns.count + 1,
                         keyInfo: try keyInfo(of: index)))
        let n = b.allocateRegister()
        let distinct = b.allocateRegisters(k)
        let previous = b.allocateRegisters(k)
        let current = b.allocateRegisters(k)
        b.emit(.integer(value: 0, dest: n))
        for i in 0..<k { b.emit(.integer(value: 0, dest: distinct + i)) }
        let done = b.makeLabel()
        b.emit(jumpTo: done) { .rewind(cursor: cursor, target: $0) }
        let top = b.currentAddress
        for i in 0..<k { b.emit(.column(cursor: cursor, column: i, dest: current + i)) }
        // The first column that differs from the previous entry: every longer prefix is new.
        var changedAt: [Label] = []
        for _ in 0..<k { changedAt.append(b.makeLabel()) }
        let first = b.makeLabel()
        b.emit(jumpTo: first) { .ifNot(register: n, target: $0, jumpIfNull: true) }
        for i in 0..<k {
            let coll = try collation(named: index.columns[i].collation) ?? .binary
            let at = changedAt[i]
            b.emit(jumpTo: at) { .ne(lhs: current + i, rhs: previous + i, target: $0, collation: coll, nullEq: true) }
        }
        let same = b.makeLabel()
        b.emit(jumpTo: same) { .goto(target: $0) }
        b.place(first)
        b.place(changedAt[0])
        b.emit(.addImm(register: distinct, value: 1))
        // A change at column i counts every prefix of i+1 or more columns: the increments
        // fall through in order.
        for i in 1..<k {
            b.place(changedAt[i])
            b.emit(.addImm(register: distinct + i, value: 1))
        }
        b.emit(.copy(source: current, dest: previous, count: k))
        b.place(same)
        b.emit(.addImm(register: n, value: 1))
        b.emit(.next(cursor: cursor, target: top))
        b.place(done)
        b.emit(.close(cursor: cursor))
        let skip = b.makeLabel()
        b.emit(jumpTo: skip) { .ifNot(register: n, target: $0, jumpIfNull: true) }
        // stat = N || ' ' || ((N + d1 - 1) / d1) || …
        let stat = b.allocateRegister(), space = b.allocateRegister(), one = b.allocateRegister()
        let t = b.allocateRegister()
        b.emit(.string8(value: " ", dest: space))
        b.emit(.integer(value: 1, dest: one))
        b.emit(.copy(source: n, dest: stat))
        let two = b.allocateRegister(), ten = b.allocateRegister(), eleven = b.allocateRegister()
        let scaledRows = b.allocateRegister(), scaledDistinct = b.allocateRegister()
        b.emit(.integer(value: 2, dest: two))
        b.emit(.integer(value: 10, dest: ten))
        b.emit(.integer(value: 11, dest: eleven))
        b.emit(.multiply(lhs: n, rhs: ten, dest: scaledRows))
        for i in 0..<k {
            b.emit(.add(lhs: n, rhs: distinct + i, dest: t))
            b.emit(.subtract(lhs: t, rhs: one, dest: t))
            b.emit(.divide(lhs: t, rhs: distinct + i, dest: t))
            // An average of 2 with distinct keys within 10% of the rows is reported as 1.
            let keep = b.makeLabel()
            b.emit(jumpTo: keep) { .ne(lhs: t, rhs: two, target: $0) }
            b.emit(.multiply(lhs: distinct + i, rhs: eleven, dest: scaledDistinct))
            b.emit(jumpTo: keep) { .gt(lhs: scaledRows, rhs: scaledDistinct, target: $0) }
            b.emit(.integer(value: 1, dest: t))
            b.place(keep)
            b.emit(.concat(lhs: stat, rhs: space, dest: stat))
            b.emit(.concat(lhs: stat, rhs: t, dest: stat))
        }
        let row = b.allocateRegisters(3)
        b.emit(.string8(value: table.name, dest: row))
        b.emit(.string8(value: name, dest: row + 1))
        b.emit(.copy(source: stat, dest: row + 2))
        insertStatRow(row, statCursor: statCursor)
        b.place(skip)
    }

    private func insertStatRow(_ row: Int, statCursor: Int) {
        let rec = b.allocateRegister(), rowid = b.allocateRegister()
        b.emit(.makeRecord(start: row, count: 3, dest: rec))
        b.emit(.newRowid(cursor: statCursor, dest: rowid))
        b.emit(.insert(cursor: statCursor, record: rec, rowid: rowid))
    }
}
