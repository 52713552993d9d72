// This file implements dbstat, the eponymous table that reports every page of every B-tree
// of the database (name, path, pageno, pagetype, ncell, payload, unused, mx_payload,
// pgoffset, pgsize, hidden schema and aggregate). Layer: L4. Spec: Spec/L4-vdbe.md
// §Virtual tables (built-in modules), dbstat.html.
import LoomBase
import LoomBTree
import LoomPager
import LoomRecord

/// dbstat (behaviour checked against sqlite3 3.40): sqlite_schema first, then each B-tree
/// in schema row order; pages depth first (page, its cells' overflow pages, its children).
/// `WHERE name = X` keeps one tree, `WHERE aggregate = TRUE` gives one row per tree (path,
/// pagetype and pgoffset NULL; pageno the page count; sums; max mx_payload).
final class DBStatModule: VirtualTableModule {
    unowned let btree: BTree
    init(btree: BTree) { self.btree = btree }
    var kind: VirtualTableModuleKind { .eponymous }
    func connect(_ context: VirtualTableContext) throws -> any VirtualTable {
        DBStatTable(btree: btree, host: context.host)
    }
}

final class DBStatTable: VirtualTable {
    unowned let btree: BTree
    unowned let host: any VirtualTableHost
    init(btree: BTree, host: any VirtualTableHost) {
        self.btree = btree
        self.host = host
    }

    var declaredSchema: String {
        "CREATE TABLE x(name TEXT, path TEXT, pageno INTEGER, pagetype TEXT, ncell INTEGER, payload INTEGER, "
            + "unused INTEGER, mx_payload INTEGER, pgoffset INTEGER, pgsize INTEGER, schema TEXT HIDDEN, "
            + "aggregate BOOLEAN HIDDEN)"
    }

    /// idxNum bits: 1 schema, 2 name, 4 aggregate (filter arguments in that order).
    func bestIndex(_ info: inout IndexInfo) throws {
        var slots: [Int?] = [nil, nil, nil]
        for (i, c) in info.constraints.enumerated() where c.op == .eq && c.usable {
            switch c.column {
            case 10: slots[0] = slots[0] ?? i
            case 0: slots[1] = slots[1] ?? i
            case 11: slots[2] = slots[2] ?? i
            default: break
            }
        }
        var argv = 0
        var idx: Int32 = 0
        for k in 0..<3 {
            guard let i = slots[k] else { continue }
            argv += 1
            idx |= Int32(1 << k)
            info.constraintUsage[i] = IndexInfo.ConstraintUsage(argvIndex: argv, omit: true)
        }
        info.indexNumber = idx
        info.estimatedCost = idx & 2 != 0 ? 10 : 1000
    }

    func open() throws -> any VirtualTableCursor { DBStatCursor(table: self) }
}

final class DBStatCursor: VirtualTableCursor {
    let table: DBStatTable
    private var rows: [[Value]] = []
    private var position = 0
    init(table: DBStatTable) { self.table = table }

    var eof: Bool { position >= rows.count }

    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        rows = []
        position = 0
        var k = 0
        var schema: Value = .null, name: Value = .null, aggregate = false
        if indexNumber & 1 != 0, k < arguments.count { schema = arguments[k]; k += 1 }
        if indexNumber & 2 != 0, k < arguments.count { name = arguments[k]; k += 1 }
        if indexNumber & 4 != 0, k < arguments.count { aggregate = arguments[k].integerValue != 0; k += 1 }
        if let s = schema.textValue, !schema.isNull, s.lowercasedASCII != "main" { return }
        var trees: [(String, Int64)] = [("sqlite_schema", 1)]
        for row in try table.host.query("SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0") where row.count == 2 {
            trees.append((row[0].textValue ?? "", row[1].integerValue))
        }
        let pageSize = Int64(table.btree.pager.pageSize)
        for (treeName, root) in trees {
            if !name.isNull, let wanted = name.textValue, wanted.lowercasedASCII != treeName.lowercasedASCII {
                continue
            }
            guard root >= 1, root <= Int64(UInt32.max) else { continue }
            let pages = try table.btree.pageStatistics(root: PageNumber(UInt32(root)))
            if aggregate {
                var cells: Int64 = 0, payload: Int64 = 0, unused: Int64 = 0, maxPayload: Int64 = 0
                for p in pages {
                    cells += Int64(p.cellCount)
                    payload += Int64(p.payload)
                    unused += Int64(p.unused)
                    maxPayload = max(maxPayload, Int64(p.maxPayload))
                }
                let count = Int64(pages.count)
                var row: [Value] = [.text(treeName), .null, .integer(count), .null, .integer(cells)]
                row += [.integer(payload), .integer(unused), .integer(maxPayload), .null]
                row += [.integer(pageSize &* count), .text("main"), .integer(1)]
                rows.append(row)
                continue
            }
            for p in pages {
                var row: [Value] = [.text(treeName), .text(p.path), .integer(Int64(p.page)), .text(p.kind)]
                row += [.integer(Int64(p.cellCount)), .integer(Int64(p.payload)), .integer(Int64(p.unused))]
                row += [.integer(Int64(p.maxPayload)), .integer(p.offset), .integer(pageSize), .text("main"), .integer(0)]
                rows.append(row)
            }
        }
    }

    func next() throws { position += 1 }

    func column(_ i: Int) throws -> Value {
        guard !eof, i >= 0, i < rows[position].count else { return .null }
        return rows[position][i]
    }

    func rowid() throws -> Int64 { Int64(position) }
}
