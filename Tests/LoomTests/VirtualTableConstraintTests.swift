// This file tests the bestIndex negotiation of SQLite 3.38+ through the public API: IN
// constraints (one xFilter per value, or the whole list with `receivesWholeInList`), LIMIT /
// OFFSET constraints, literal right-hand values, function constraints, collations and the
// DISTINCT / GROUP BY hint, recorded by a probe module; and json_each / generate_series
// queries using IN and LIMIT compared with sqlite3. Layer: L7 (through L4-L6).
// Spec: Spec/L4-vdbe.md §Virtual tables, Spec/L5-sql.md §Planner (virtual tables).
import Foundation
import Testing
import Loom
import LoomTestSupport

/// A table of rows (id, name, grp) whose bestIndex follows `policy` and which records what
/// bestIndex saw and what filter received.
final class ProbeModule: VirtualTableModule {
    final class Log: @unchecked Sendable {
        var infos: [VirtualTableIndexInfo] = []
        var filters: [(arguments: [DatabaseValue], inLists: [Int: [DatabaseValue]])] = []
    }
    let log = Log()
    let rows: [(Int64, String, Int64)]
    let policy: (inout VirtualTableIndexInfo) -> Void
    let constraintFunction: Bool
    init(rows: [(Int64, String, Int64)], constraintFunction: Bool = false,
         policy: @escaping (inout VirtualTableIndexInfo) -> Void) {
        self.rows = rows
        self.policy = policy
        self.constraintFunction = constraintFunction
    }
    func connect(_ arguments: VirtualTableArguments) throws -> any VirtualTable { ProbeTable(module: self) }
}

final class ProbeTable: VirtualTable {
    let module: ProbeModule
    init(module: ProbeModule) { self.module = module }
    var schema: String { "CREATE TABLE x(id INTEGER, name TEXT COLLATE NOCASE, grp INTEGER)" }
    func bestIndex(_ info: inout VirtualTableIndexInfo) throws {
        module.log.infos.append(info)
        module.policy(&info)
    }
    func open() throws -> any VirtualTableCursor { ProbeCursor(module: module) }
    func findFunction(named name: String, argumentCount: Int) -> DatabaseFunction? {
        guard name == "near", argumentCount == 2 else { return nil }
        // The overload itself: name starts with the argument.
        return DatabaseFunction("near", argumentCount: 2) { args in
            (args[0].textRepresentation ?? "").hasPrefix(args[1].textRepresentation ?? "") ? 1 : 0
        }
    }
    func findFunctionConstraint(named name: String, argumentCount: Int) -> VirtualTableIndexInfo.Operator? {
        module.constraintFunction && name == "near" ? VirtualTableIndexInfo.Operator(rawValue: 151) : nil
    }
}

/// Index numbers understood by the cursor: 1 = argument 1 is id (=), 2 = argument 1 is a
/// LIMIT, 4 = argument 1 is a name prefix.
final class ProbeCursor: VirtualTableCursor {
    let module: ProbeModule
    var current: [(Int64, String, Int64)] = []
    var position = 0
    init(module: ProbeModule) { self.module = module }
    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue]) throws {
        try filter(indexNumber: indexNumber, indexString: indexString, arguments: arguments, inLists: [:])
    }
    func filter(indexNumber: Int32, indexString: String?, arguments: [DatabaseValue],
                inLists: [Int: [DatabaseValue]]) throws {
        module.log.filters.append((arguments, inLists))
        current = module.rows
        if indexNumber & 1 != 0 {
            let ids = inLists[0] ?? [arguments[0]]
            current = current.filter { row in ids.contains(.integer(row.0)) }
        }
        if indexNumber & 4 != 0 {
            let prefix = arguments[0].textRepresentation ?? ""
            current = current.filter { $0.1.hasPrefix(prefix) }
        }
        if indexNumber & 2 != 0, case .integer(let n)? = arguments.last, n >= 0 {
            current = Array(current.prefix(Int(n)))
        }
        position = 0
    }
    func next() throws { position += 1 }
    var isAtEnd: Bool { position >= current.count }
    func column(_ index: Int) throws -> DatabaseValue {
        let row = current[position]
        switch index {
        case 0: return .integer(row.0)
        case 1: return .text(row.1)
        default: return .integer(row.2)
        }
    }
    var rowid: Int64 { current[position].0 }
}

@Suite("Virtual tables: bestIndex negotiation")
struct VirtualTableConstraintTests {
    static let rows: [(Int64, String, Int64)] = [(1, "apple", 1), (2, "banana", 1), (3, "cherry", 2),
                                                   (4, "apricot", 2), (5, "blueberry", 3)]

    /// Uses `id = ?` (argument 1, omitted), optionally taking IN lists whole.
    static func useID(whole: Bool) -> (inout VirtualTableIndexInfo) -> Void {
        { info in
            if let i = info.constraints.firstIndex(where: { $0.column == 0 && $0.op == .eq && $0.isUsable }) {
                info.constraints[i].argumentIndex = 1
                info.constraints[i].omit = true
                info.constraints[i].receivesWholeInList = whole
                info.indexNumber = 1
            }
        }
    }

    func database(_ module: ProbeModule) throws -> Database {
        let db = try Database()
        db.register(module: module, named: "probe")
        try db.execute("CREATE VIRTUAL TABLE p USING probe")
        return db
    }

    @Test func inListOneValueAtATime() throws {
        let module = ProbeModule(rows: Self.rows, policy: Self.useID(whole: false))
        let db = try database(module)
        let ids = try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (3, 1, 3, NULL, '2', 9)")
        #expect(ids.sorted() == [1, 2, 3])
        let c = try #require(module.log.infos.last?.constraints.first)
        #expect(c.op == .eq && c.isInList && c.rightValue == nil && c.column == 0)
        // One filter per distinct non-NULL value, '2' with the column's INTEGER affinity.
        #expect(module.log.filters.map(\.arguments) == [[.integer(1)], [.integer(2)], [.integer(3)], [.integer(9)]])
        #expect(module.log.filters.allSatisfy { $0.inLists.isEmpty })
    }

    @Test func inListWhole() throws {
        let module = ProbeModule(rows: Self.rows, policy: Self.useID(whole: true))
        let db = try database(module)
        let ids = try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (5, 2, NULL, 2, 7) ORDER BY id")
        #expect(ids == [2, 5])
        #expect(module.log.filters.count == 1)
        #expect(module.log.filters.first?.arguments == [.null])
        #expect(module.log.filters.first?.inLists == [0: [.integer(2), .integer(5), .integer(7)]])
    }

    @Test func inSubqueryAndParameters() throws {
        let module = ProbeModule(rows: Self.rows, policy: Self.useID(whole: true))
        let db = try database(module)
        try db.execute("CREATE TABLE k(x); INSERT INTO k VALUES (4), (1), (4)")
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (SELECT x FROM k) ORDER BY 1") == [1, 4])
        #expect(module.log.filters.last?.inLists == [0: [.integer(1), .integer(4)]])
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (?, ?) ORDER BY 1", arguments: [5, 3]) == [3, 5])
        // A one-value list is an equality with a right-hand value.
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (2)") == [2])
        let c = try #require(module.log.infos.last?.constraints.first)
        #expect(!c.isInList && c.rightValue == .integer(2))
        // Correlated: the list reads the outer row.
        #expect(try Int.fetchAll(db, sql: "SELECT (SELECT count(*) FROM p WHERE id IN (k.x, k.x + 1)) FROM k") == [2, 2, 2])
    }

    @Test func inListNotUsedIsTestedByTheEngine() throws {
        let module = ProbeModule(rows: Self.rows) { _ in }
        let db = try database(module)
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (2, 4) ORDER BY id") == [2, 4])
        #expect(module.log.filters.count == 1)
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id NOT IN (2, 4) ORDER BY id") == [1, 3, 5])
    }

    @Test func cheaperPlanWithoutInWins() throws {
        let module = ProbeModule(rows: Self.rows) { info in
            if let i = info.constraints.firstIndex(where: { $0.column == 0 && $0.op == .eq && $0.isUsable }) {
                info.constraints[i].argumentIndex = 1
                info.indexNumber = 1
                info.estimatedCost = 1000
            } else {
                info.estimatedCost = 10
            }
        }
        let db = try database(module)
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (4, 2) ORDER BY id") == [2, 4])
        #expect(module.log.filters.count == 1 && module.log.filters.first?.arguments == [])
    }

    @Test func limitAndOffsetOffered() throws {
        let module = ProbeModule(rows: Self.rows) { info in
            if let i = info.constraints.firstIndex(where: { $0.op == .limit }) {
                info.constraints[i].argumentIndex = 1
                info.indexNumber = 2
            }
        }
        let db = try database(module)
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p LIMIT 2") == [1, 2])
        var ops = module.log.infos.last?.constraints.map(\.op)
        #expect(ops == [.limit])
        #expect(module.log.infos.last?.constraints.first?.rightValue == .integer(2))
        #expect(module.log.filters.last?.arguments == [.integer(2)])

        // With OFFSET the module sees both; the engine still skips the offset rows.
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p LIMIT 3 OFFSET 1") == [2, 3])
        ops = module.log.infos.last?.constraints.map(\.op)
        #expect(ops == [.limit, .offset])
        #expect(module.log.infos.last?.constraints.map(\.rightValue) == [.integer(3), .integer(1)])

        // A parameter: no right-hand value in bestIndex, the bound value in filter.
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p LIMIT ?", arguments: ["1"]) == [1])
        #expect(module.log.infos.last?.constraints.first?.rightValue == nil)
        #expect(module.log.filters.last?.arguments == [.integer(1)])

        // WHERE terms on the table's columns and an ORDER BY of its columns keep it.
        _ = try Int.fetchAll(db, sql: "SELECT id FROM p WHERE name > 'b' AND id IS NOT NULL ORDER BY grp DESC LIMIT 5")
        ops = module.log.infos.last?.constraints.map(\.op)
        #expect(ops == [.gt, .isNotNull, .limit])
        #expect(module.log.infos.last?.constraints.first?.rightValue == .text("b"))
    }

    @Test func limitNotOffered() throws {
        let module = ProbeModule(rows: Self.rows) { _ in }
        let db = try database(module)
        try db.execute("CREATE TABLE t(a)")
        for sql in ["SELECT id FROM p WHERE id + 0 > 1 LIMIT 2",
                    "SELECT id FROM p ORDER BY id + 1 LIMIT 2",
                    "SELECT DISTINCT grp FROM p LIMIT 2",
                    "SELECT grp FROM p GROUP BY grp LIMIT 2",
                    "SELECT count(*) FROM p LIMIT 2",
                    "SELECT id FROM p, t LIMIT 2",
                    "SELECT id FROM p ORDER BY id NULLS LAST LIMIT 2",
                    "SELECT id FROM p UNION SELECT grp FROM p LIMIT 2"] {
            module.log.infos = []
            _ = try Row.fetchAll(db, sql: sql)
            #expect(!module.log.infos.contains { $0.constraints.contains { $0.op == .limit || $0.op == .offset } }, "\(sql)")
        }
    }

    @Test func inLoopWithLimitAsksAgainWithoutLimit() throws {
        let module = ProbeModule(rows: Self.rows) { info in
            var k = 1
            for i in info.constraints.indices where info.constraints[i].isUsable {
                if info.constraints[i].op == .eq || info.constraints[i].op == .limit {
                    info.constraints[i].argumentIndex = k
                    k += 1
                }
                if info.constraints[i].op == .eq { info.indexNumber |= 1; info.constraints[i].omit = true }
            }
        }
        let db = try database(module)
        module.log.infos = []
        #expect(try Int.fetchAll(db, sql: "SELECT id FROM p WHERE id IN (1, 2, 3) LIMIT 2").count == 2)
        // Then, as SQLite, once more with the IN unusable (the cheaper plan wins; a tie keeps
        // the first).
        let calls = module.log.infos.map { $0.constraints.map(\.op) }
        #expect(calls == [[.eq, .limit], [.eq], [.eq, .limit]])
        #expect(module.log.infos.last?.constraints.map(\.isUsable) == [false, true])
        #expect(module.log.filters.last?.arguments.count == 1)
    }

    @Test func functionConstraint() throws {
        let module = ProbeModule(rows: Self.rows, constraintFunction: true) { info in
            if let i = info.constraints.firstIndex(where: { $0.op.isFunction && $0.isUsable }) {
                info.constraints[i].argumentIndex = 1
                info.constraints[i].omit = true
                info.indexNumber = 4
            }
        }
        let db = try database(module)
        db.add(function: DatabaseFunction("near", argumentCount: 2) { _ in 0 })
        #expect(try String.fetchAll(db, sql: "SELECT name FROM p WHERE near(name, 'ap')") == ["apple", "apricot"])
        let c = try #require(module.log.infos.last?.constraints.first)
        #expect(c.op.rawValue == 151 && c.column == 1 && c.rightValue == .text("ap"))
        #expect(module.log.filters.last?.arguments == [.text("ap")])
        // Without the constraint operator the overload still filters the rows.
        let plain = ProbeModule(rows: Self.rows) { _ in }
        let db2 = try database(plain)
        db2.add(function: DatabaseFunction("near", argumentCount: 2) { _ in 0 })
        #expect(try String.fetchAll(db2, sql: "SELECT name FROM p WHERE near(name, 'b')") == ["banana", "blueberry"])
        #expect(plain.log.infos.last?.constraints.isEmpty == true)
    }

    @Test func collationAndDistinct() throws {
        let module = ProbeModule(rows: Self.rows) { _ in }
        let db = try database(module)
        _ = try Row.fetchAll(db, sql: "SELECT * FROM p WHERE name = 'x' AND id = 1 COLLATE RTRIM AND grp > 1")
        #expect(module.log.infos.last?.constraints.map(\.collation) == ["NOCASE", "RTRIM", "BINARY"])
        _ = try Row.fetchAll(db, sql: "SELECT DISTINCT grp FROM p")
        #expect(module.log.infos.contains { $0.distinct == .distinct && $0.orderBy.map(\.column) == [2] })
        _ = try Row.fetchAll(db, sql: "SELECT grp, count(*) FROM p GROUP BY grp")
        #expect(module.log.infos.last?.distinct == .grouped)
        _ = try Row.fetchAll(db, sql: "SELECT DISTINCT grp FROM p ORDER BY grp")
        #expect(module.log.infos.last?.distinct == .distinctOrdered)
        _ = try Row.fetchAll(db, sql: "SELECT grp FROM p ORDER BY grp")
        #expect(module.log.infos.last?.distinct == .ordered)
    }

    static let oracleQueries: [String] = [
        "SELECT value FROM generate_series(1, 20) WHERE value IN (3, 5, 7, 100)",
        "SELECT value FROM generate_series(1, 20) WHERE value IN (SELECT 2 UNION SELECT 4) ORDER BY value DESC",
        "SELECT * FROM generate_series WHERE start IN (1, 3) AND stop = 5",
        "SELECT value, start FROM generate_series WHERE start IN (1, 3, 1) AND stop IN (4, 5) ORDER BY 2, 1",
        "SELECT value FROM generate_series(1, 100) LIMIT 3",
        "SELECT value FROM generate_series(1, 100) LIMIT 3 OFFSET 95",
        "SELECT value FROM generate_series(1, 100) WHERE value > 50 LIMIT 2 OFFSET 1",
        "SELECT value FROM generate_series(1, 100) ORDER BY value DESC LIMIT 2",
        "SELECT value FROM generate_series(1, 10, 3) LIMIT -1 OFFSET 1",
        "SELECT value FROM generate_series(1, 10) LIMIT '2'",
        #"SELECT key, value FROM json_each('[10,20,30,40]') WHERE key IN (0, 2, 9)"#,
        #"SELECT key, value FROM json_each('{"a":1,"b":2,"c":3}') WHERE key IN ('c', 'a') ORDER BY key"#,
        #"SELECT * FROM json_each('[1,2,3,4,5]') LIMIT 2 OFFSET 2"#,
        #"SELECT j.value FROM json_each('["[1,2]","[3]"]') AS a, json_each(a.value) AS j WHERE j.value IN (1, 3)"#,
        #"SELECT value FROM json_each('[5,6,7]') WHERE json IN ('[1]', '[5,6,7]')"#,
        #"SELECT count(*) FROM json_each('[1,2,3]') WHERE value IN (1, 3) LIMIT 1"#,
        "SELECT a.value, b.value FROM generate_series(1, 3) a JOIN generate_series(1, 10) b WHERE b.value IN (a.value, a.value * 2) ORDER BY 1, 2",
        "SELECT a.value, b.value FROM generate_series(1, 3) a LEFT JOIN generate_series(2, 4) b ON b.value IN (a.value, 4) ORDER BY 1, 2",
        #"SELECT value FROM json_each('[3,1,2]') WHERE key IN (SELECT value FROM generate_series(0, 1)) ORDER BY value"#,
        "SELECT value FROM generate_series(1, 50) WHERE value IN (SELECT value * 7 FROM generate_series(1, 10)) LIMIT 3 OFFSET 2",
        "SELECT value FROM generate_series(1, 9) WHERE value IN (2, 4, 6) ORDER BY value DESC LIMIT 2",
        "SELECT value FROM generate_series(1, 5, -1) WHERE value NOT IN (2, 3)",
    ]

    @Test(.enabled(if: Oracle.isAvailable)) func sameAsSQLite() throws {
        for q in Self.oracleQueries { try expectSameAsSQLite(q) }
    }
}
