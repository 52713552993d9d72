// This file tests the date and time functions against sqlite3: fixed tables of time values,
// modifiers and strftime formats, local-time conversions, and seeded random dates.
// Layer: L4 functions through L5. Spec: Spec/L4-vdbe.md (§Functions, date and time).
import Foundation
import Testing
import LoomBase
import LoomVFS
import LoomPager
import LoomBTree
import LoomRecord
import LoomVDBE
import LoomTestSupport
@testable import LoomSQL

@Suite("Date and time functions")
struct DateTimeTests {
    static let expressions: [String] = [
        #"datetime(-1000000,'unixepoch')"#,
        #"datetime('-0471-11-24')"#,
        #"date(0)"#,
        #"date(1)"#,
        #"strftime('%f','2000-01-01 00:00:00.0005')"#,
        #"strftime('%f','2000-01-01 00:00:00.9996')"#,
        #"strftime('%Q','2000-01-01')"#,
        #"datetime('now','subsec') is null"#,
        #"strftime('%e','2000-01-01')"#,
        #"datetime(' 2000-01-01')"#,
        #"datetime('2000-01-01 ')"#,
        #"datetime('2000-01-01T')"#,
        #"datetime('2000-01-01TT12:00')"#,
        #"datetime('12:00Z')"#,
        #"datetime('2000-1-01')"#,
        #"datetime('2000-01-01 24:00:00')"#,
        #"time('24:00')"#,
        #"datetime('2000-02-30')"#,
        #"datetime('2000-01-01 12:00 +05:30')"#,
        #"datetime('2000-01-01 12:00+14:59')"#,
        #"datetime('2000-01-01 12:00+15:00')"#,
        #"datetime(2451545.5)"#,
        #"datetime('2451545.5')"#,
        #"datetime(' 2451545.5 ')"#,
        #"datetime('1e6')"#,
        #"julianday('2000-01-01')"#,
        #"julianday(5373484.5)"#,
        #"datetime(5373484.49999)"#,
        #"julianday('2000-01-01 00:00:00.0006')"#,
        #"datetime('-0001-01-01')"#,
        #"strftime('%Y','-0471-01-01')"#,
        #"julianday(1.0005,'unixepoch')"#,
        #"datetime('2000-01-01','unixepoch')"#,
        #"datetime('2000-01-01 12:00','+24:00')"#,
        #"datetime('2000-01-01 12:00','+1:30')"#,
        #"datetime('2000-01-01 12:00','-01:30:15.5')"#,
        #"datetime('2000-01-31','+1 month')"#,
        #"datetime('2000-01-31','-13 months')"#,
        #"datetime('2000-02-29','+1.5 years')"#,
        #"datetime('2000-01-01','+1.5 months')"#,
        #"datetime('2000-01-01','weekday 1.0')"#,
        #"datetime('2000-01-01','weekday 7')"#,
        #"datetime('2000-01-01','  +1 day')"#,
        #"datetime('2000-01-01','+1 day ')"#,
        #"datetime('2000-01-01','+1  days')"#,
        #"datetime('2000-01-01','+1e1 days')"#,
        #"datetime('2000-01-01','1 Days')"#,
        #"datetime(2451545,'start of month')"#,
        #"datetime(1e9,'start of month')"#,
        #"datetime(1e9,'auto')"#,
        #"datetime(2451545,'auto')"#,
        #"datetime('2000-01-01','auto')"#,
        #"datetime(-1e12,'auto')"#,
        #"datetime(253402300799,'auto')"#,
        #"datetime(253402300800,'auto')"#,
        #"datetime(2451545,'julianday')"#,
        #"datetime('2451545','julianday')"#,
        #"datetime('2000-01-01','julianday')"#,
        #"datetime(2451545,'julianday','julianday')"#,
        #"datetime(1e9,'unixepoch','unixepoch')"#,
        #"datetime(1e9,'start of day','unixepoch')"#,
        #"datetime(1e10,'localtime')"#,
        #"datetime(2451545,'localtime')"#,
        #"datetime('2000-01-01 12:00','localtime','utc')"#,
        #"datetime('2000-07-01 12:00Z','utc')"#,
        #"datetime('2000-07-01 12:00+01:00','utc')"#,
        #"date('2000-07-15','start of year')"#,
        #"date('2000-07-15','START OF MONTH')"#,
        #"date('2000-07-15','start of day')"#,
        #"date('2000-07-15','start of week')"#,
        #"time('12:34:56.789','start of day')"#,
        #"strftime('%d %f %H %j %J %m %M %s %S %w %W %Y %%','2013-10-07 08:23:19.120')"#,
        #"strftime('%W','2000-01-01')"#,
        #"strftime('%W','2000-01-02')"#,
        #"strftime('%W','2000-01-03')"#,
        #"strftime('%W','2001-12-31')"#,
        #"strftime('%j','2000-12-31')"#,
        #"strftime('%J','2000-01-01 12:34:56.789')"#,
        #"strftime('%s','1960-01-01')"#,
        #"strftime('%','2000-01-01')"#,
        #"strftime('abc','2000-01-01')"#,
        #"strftime(null,'2000-01-01')"#,
        #"strftime('%Y',null)"#,
        #"strftime('%H:%M', '12:34')"#,
        #"julianday('2000-01-01','+1 hour')"#,
        #"unixepoch('2000-01-01 00:00:00.999')"#,
        #"unixepoch(-1)"#,
        #"unixepoch('1970-01-01')"#,
        #"julianday(null)"#,
        #"date('2000-01-01', null)"#,
        #"date('2000-01-01', 1)"#,
        #"date('2000-01-01', '+1')"#,
        #"date('2000-01-01', '+1 fortnight')"#,
        #"date('2000-01-01', '+1 s')"#,
        #"date('2000-01-01', '+100000000 years')"#,
        #"date('2000-01-01', '+14712 years')"#,
        #"date('2000-01-01', '-2000 years')"#,
        #"date('2000-01-01', '-6714 years')"#,
        #"date('2000-01-01', '-6713 years')"#,
        #"datetime('2000-01-01', '+86400 seconds')"#,
        #"datetime('2000-01-01', '+1.5 seconds')"#,
        #"strftime('%f','2000-01-01', '+1.5 seconds')"#,
        #"strftime('%f','2000-01-01', '-0.0004 seconds')"#,
        #"datetime('2000-01-01', '-1.5 minutes')"#,
        #"datetime('2000-01-01', '+0.5 days')"#,
        #"datetime('2000-01-01', '+0.25 hours')"#,
        #"datetime(x'323030302d30312d3031')"#,
        #"datetime('2000-01-01 12:00:00.5Z')"#,
        #"datetime('2000-01-01 12:00:60')"#,
        #"datetime('2000-01-01 12:60')"#,
        #"datetime('2000-13-01')"#,
        #"datetime('2000-00-01')"#,
        #"datetime('2000-01-00')"#,
        #"datetime('2000-01-32')"#,
        #"datetime('0000-01-01')"#,
        #"datetime('9999-12-31 23:59:59','+1 second')"#,
        #"datetime('NOW') is not null"#,
        #"date('now') = date('now')"#,
        #"datetime(2451545.5, '+1 month')"#,
        #"datetime('2000-01-01 12:00 Z')"#,
        #"datetime('2000-01-01 12:00z')"#,
        #"datetime('2000-01-01 12:00 -00:00')"#,
        #"datetime('2000-01-01 12:00 - 01:00')"#,
        #"datetime('12:00:00')"#,
        #"time('12:00:00.1234')"#,
        #"datetime('2000-01-01 12:00:00.')"#,
        #"datetime('2000-01-01x')"#,
        #"datetime('2000-01-01 12')"#,
        #"datetime(1.5e300)"#,
        #"datetime(-0.5)"#,
        #"julianday(0)"#,
        #"julianday(-0.0)"#,
        #"datetime('2000-02-29','+1 year')"#,
        #"datetime('2000-03-31','-1 month')"#,
        #"date('2024-01-31', '+1 month', 'start of month')"#,
        #"date('2000-01-01', 'weekday 0')"#,
        #"date('2000-01-01', 'weekday 6')"#,
        #"date('2000-01-01', 'weekday -1')"#,
        #"date('2000-01-01', 'weekday 2.5')"#,
        #"date('2000-01-01', 'weekday')"#,
        #"date('2000-01-01', 'weekday  3')"#,
        #"datetime(1092941466, 'unixepoch')"#,
        #"datetime(1092941466, 'auto')"#,
        #"date('2000-01-01', '+12:00')"#,
        #"datetime('2000-01-01', '+12:00:30.5')"#,
        #"datetime('2000-01-01', '-12:00')"#,
        #"datetime('2000-01-01', '12:00')"#,
        #"datetime('2000-01-01', '+12:00Z')"#,
        #"datetime('2000-01-01', '+12:00 x')"#,
        #"datetime('2000-01-01', '+1 day', '-1 day', '+36 hours')"#,
        #"datetime(2451545, '+1 day', 'unixepoch')"#,
        #"julianday('2000-01-01T12:00:00')"#,
    ]

    /// localtime/utc: Loom and the sqlite3 child process share the process's TZ.
    static let localExpressions: [String] = [
        #"datetime('2000-01-01 12:00','localtime')"#,
        #"datetime('2000-07-01 12:00','localtime','localtime')"#,
        #"datetime('2000-07-01 12:00','utc')"#,
        #"datetime('2000-07-01 12:00','utc','utc')"#,
        #"datetime('2000-07-01 12:00Z','utc')"#,
        #"datetime('2000-07-01 12:00+01:00','utc')"#,
        #"datetime('1960-07-01 12:00','localtime')"#,
        #"datetime('2050-07-01 12:00','localtime')"#,
        #"datetime('2000-03-26 02:30','utc')"#,
        #"datetime('2000-04-02 02:30','utc')"#,
        #"datetime('2000-10-29 01:30','utc')"#,
        #"datetime('2000-07-01 12:00','localtime','utc')"#,
        #"datetime('2000-07-01 12:34:56.789','localtime')"#,
        #"strftime('%f','2000-07-01 12:34:56.789','localtime')"#,
        #"datetime('2000-04-02 05:00','utc')"#,
        #"datetime('1974-01-10 12:00','localtime')"#,
        #"datetime('1800-07-01 12:00','localtime')"#,
        #"datetime('3000-07-01 12:00','localtime')"#,
        #"datetime('1969-07-01 12:00','localtime')"#,
        #"datetime('2038-07-01 12:00','localtime')"#,
        #"datetime('1970-12-31 23:59:59.7','localtime')"#,
        #"datetime('1943-07-01 12:00','localtime')"#,
        #"datetime('1943-07-01 12:00','utc')"#,
        #"datetime('-0100-07-01 12:00','utc')"#,
        #"datetime('-0100-07-01 12:00','localtime')"#,
        #"datetime(1e10,'localtime')"#,
        #"datetime(2451545,'localtime')"#,
        #"datetime('0000-01-01','localtime')"#,
        #"datetime('9999-12-31 23:00','localtime')"#,
        #"datetime('12:00','localtime')"#,
        #"datetime(1092941466, 'unixepoch', 'localtime')"#,
    ]

    private func expectSame(_ expressions: [String], seed: UInt64? = nil) throws {
        try expectMatchesSQLite(expressions.map { "SELECT quote(\($0))" }, note: seed.map { " (seed \($0))" } ?? "")
    }

    @Test func fixedExpressionsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        try expectSame(Self.expressions)
    }

    @Test func localTimeMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        try expectSame(Self.localExpressions)
    }

    @Test func randomDatesAndModifiersMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func n(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.next() % UInt64(hi - lo + 1)) }
        func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
        var exprs: [String] = []
        for _ in 0 ..< 300 {
            var value: String
            switch n(0, 5) {
            case 0: value = "\(n(1_700_000, 4_000_000)).\(n(0, 99999))"
            case 1: value = "\(n(-100_000_000, 4_000_000_000))"
            case 2: value = "'\(two(n(0, 24))):\(two(n(0, 59)))'"
            default:
                let y = n(0, 9999)
                value = "'\(String(repeating: "0", count: 4 - String(y).count))\(y)-\(two(n(1, 12)))-\(two(n(1, 31)))"
                if n(0, 2) > 0 {
                    value += pick([" ", "T"]) + "\(two(n(0, 23))):\(two(n(0, 59)))"
                    if n(0, 1) == 1 { value += ":\(two(n(0, 59)))" + (n(0, 1) == 1 ? ".\(n(0, 999999))" : "") }
                    value += pick(["", "", "Z", "+\(two(n(0, 14))):\(two(n(0, 59)))", "-\(two(n(0, 14))):30"])
                }
                value += "'"
            }
            var mods: [String] = []
            for _ in 0 ..< n(0, 3) {
                mods.append(pick([
                    "'\(pick(["+", "-", ""]))\(n(0, 500))\(pick(["", ".5", ".25"])) \(pick(["days", "day", "hours", "minutes", "seconds", "months", "years", "MONTH"]))'",
                    "'start of \(pick(["month", "year", "day"]))'",
                    "'weekday \(n(0, 6))'",
                    "'\(pick(["unixepoch", "auto", "julianday", "localtime", "utc"]))'",
                    "'\(pick(["+", "-"]))\(two(n(0, 23))):\(two(n(0, 59)))'",
                ]))
            }
            let args = ([value] + mods).joined(separator: ", ")
            exprs.append(pick(["datetime", "date", "time", "julianday", "unixepoch"]) + "(\(args))")
            exprs.append("strftime('%Y-%m-%d %H:%M:%f %j %J %s %w %W', \(args))")
        }
        try expectSame(exprs, seed: rng.seed)
    }

    @Test func checkConstraintsRefuseNowLocaltimeAndUTC() throws {
        guard Oracle.isAvailable else { return }
        var statements: [String] = []
        for (k, c) in ["a < date()", "a < current_date", "a < strftime('%Y','now')", "a < julianday('NOW')",
                       "a < unixepoch('2000-01-01','utc')", "a < time('12:00','utc','localtime')",
                       "a < date('2000-01-01','+1 day')", "a < coalesce(datetime('now'), 1)"].enumerated() {
            statements.append("CREATE TABLE t\(k)(a CHECK (\(c)))")
            statements.append("INSERT INTO t\(k) VALUES ('1999')")
            statements.append("UPDATE t\(k) SET a = '1998'")
            statements.append("SELECT count(*) FROM t\(k)")
        }
        try expectMatchesSQLite(statements, limit: .max)
    }

    /// 'now' comes from the connection's VFS clock (SimVFS: a virtual clock that ticks one
    /// millisecond per reading) and is read once per step.
    @Test func nowComesFromTheVFSClockOncePerStep() throws {
        let vfs = SimVFS(seed: 7)
        let pager = try Pager(vfs: vfs, path: "now.db")
        let context = ExecutionContext(btree: BTree(pager: pager))
        func row(_ sql: String) throws -> [Value] {
            guard let stmt = try Compiler.prepare(sql, from: 0, schema: Schema()) else { return [] }
            let vm = VM(program: stmt.program, context: context)
            guard try vm.step() else { return [] }
            return (0 ..< vm.columnCount).map { vm.column($0) }
        }
        let first = try row("SELECT datetime('now'), strftime('%f'), julianday('now') = julianday(), unixepoch()")
        #expect(first == [.text("2023-11-14 22:13:20"), .text("20.001"), .integer(1), .integer(1_700_000_000)])
        // The next statement reads the clock again: one millisecond later.
        let second = try row("SELECT strftime('%f', 'now'), time(), date(), CURRENT_TIMESTAMP")
        #expect(second == [.text("20.002"), .text("22:13:20"), .text("2023-11-14"), .text("2023-11-14 22:13:20")])
    }
}
