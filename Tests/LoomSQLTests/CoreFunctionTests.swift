// This file tests printf()/format() conversions, flags, widths and precisions, and the
// compile-option functions, against sqlite3 3.40. Layer: L4 functions through L5.
// Spec: Spec/L4-vdbe.md (§Functions).
import Foundation
import Testing
import LoomBase
import LoomRecord
import LoomVDBE
import LoomTestSupport
@testable import LoomSQL

@Suite("printf and other core functions")
struct CoreFunctionTests {
    static let printfExpressions: [String] = [
        #"printf('%p', 255)"#,
        #"printf('%p', -1)"#,
        #"printf('%#p', 255)"#,
        #"printf('%10p|', 255)"#,
        #"printf('%T', 1)"#,
        #"printf('%S', 'x')"#,
        #"printf('%r', 1)"#,
        #"printf('%n', 1)"#,
        #"printf('%y', 1)"#,
        #"printf('%', 1)"#,
        #"printf('%5', 1)"#,
        #"printf('abc%')"#,
        #"printf('%-5d|', 3)"#,
        #"printf('%05.1f', -2.345)"#,
        #"printf('%,d', 1234567)"#,
        #"printf('%,d', -1234567)"#,
        #"printf('%!.3g', 1.0)"#,
        #"printf('%x', -1)"#,
        #"printf('%o', 8)"#,
        #"printf('%#x', 255)"#,
        #"printf('%#o', 8)"#,
        #"printf('%e', 12345.678)"#,
        #"printf('%.0e', 12345.678)"#,
        #"printf('%g', 100000)"#,
        #"printf('%g', 1000000)"#,
        #"printf('%G', 1e-10)"#,
        #"printf('%#g', 1.0)"#,
        #"printf('%.20f', 0.1)"#,
        #"printf('%5c|', 'x')"#,
        #"printf('%.3c', 'x')"#,
        #"printf('%q', 'it''s')"#,
        #"printf('%Q', 'it''s')"#,
        #"printf('%w', 'a"b')"#,
        #"printf('%.2q', 'abc')"#,
        #"printf('%s %s', 1)"#,
        #"printf('%d', '12abc')"#,
        #"printf('%d', 1.9)"#,
        #"printf('%i', -1.9)"#,
        #"printf('%u', -1)"#,
        #"printf('%lld %ld %hd', 1, 2, 3)"#,
        #"printf('%*d|', 5, 1)"#,
        #"printf('%-*d|', 5, 1)"#,
        #"printf('%.*f', 2, 3.14159)"#,
        #"printf('%*d|', -5, 1)"#,
        #"printf('%+d % d', 5, 5)"#,
        #"printf('%f', 1e300)"#,
        #"printf('%f', 1e400)"#,
        #"printf('%f', -1e400)"#,
        #"printf('%e', 0)"#,
        #"printf('%g', 0.0001)"#,
        #"printf('%.100f', 1)"#,
        #"printf('%200d|', 1)"#,
        #"printf('%s', x'414243')"#,
        #"printf('%z', 'abc')"#,
        #"printf('%5s|', 'é')"#,
        #"printf('%d')"#,
        #"printf(null)"#,
        #"printf(1, 2)"#,
        #"format('%s and %d', 'x', 3)"#,
        #"printf('%!f', 1.0)"#,
        #"printf('%!e', 1.0)"#,
        #"printf('%!.0f', 1.0)"#,
        #"printf('%#.0f', 1.0)"#,
        #"printf('%#x', 0)"#,
        #"printf('%-#10x|', 255)"#,
        #"printf('%010.3f', 3.14159)"#,
        #"printf('%+.2e', 12345.6789)"#,
        #"printf('%s', 1e20)"#,
        #"printf('%s', 0.1)"#,
        #"printf('%d', 9223372036854775807)"#,
        #"printf('%d', -9223372036854775808)"#,
        #"printf('%x', -9223372036854775808)"#,
        #"printf('%.3d', 5)"#,
        #"printf('%08.3d', 5)"#,
        #"printf('%,.2f', 1234567.891)"#,
        #"printf('%,x', 1234567)"#,
        #"printf('%g', 123456789.0)"#,
        #"printf('%.15g', 0.1)"#,
        #"printf('%.17g', 0.1)"#,
        #"printf('%.30g', 0.1)"#,
        #"printf('%d')"#,
        #"printf('')"#,
        #"printf('%s','')"#,
        #"printf('%n')"#,
        #"printf('%.*f', -2, 3.14159)"#,
        #"printf('%*.*f|', -8, -2, 3.14159)"#,
        #"printf('%5-d', 1)"#,
        #"printf('%-5.2ld|', 1)"#,
        #"printf('%.2l5d', 1)"#,
        #"printf('%,010d', 12345)"#,
        #"printf('%010,d', 12345)"#,
        #"printf('%r %r %r %r %r %r', 1, 2, 3, 11, 112, -23)"#,
        #"hex(printf('%c', null))"#,
        #"hex(printf('%c', ''))"#,
        #"printf('%5.3c|', 'é')"#,
        #"printf('%-5.3c|', 'é')"#,
        #"printf('%!5s|', 'éé')"#,
        #"printf('%!.1s|', 'éé')"#,
        #"printf('%!.2q|', 'é''é')"#,
        #"printf('%.4q|', 'a''''b')"#,
        #"printf('%10q|', 'a')"#,
        #"printf('%.3Q', null)"#,
        #"printf('%-10Q|', 'ab')"#,
        #"printf('%#.3e', 1)"#,
        #"printf('%.3e', 9.9996)"#,
        #"printf('%g', 1e-5)"#,
        #"printf('%g', 123456.5)"#,
        #"printf('%#g', 100)"#,
        #"printf('%e', 1e-300)"#,
        #"printf('%E', 1.5e100)"#,
        #"printf('%010e', -1.5)"#,
        #"printf('%+g', 0.0)"#,
        #"printf('%g', -0.0)"#,
        #"printf('% f', 1.5)"#,
        #"printf('%08.2f', -1e400)"#,
        #"printf('%.0f', 0.5)"#,
        #"printf('%.0f', 1.5)"#,
        #"printf('%.0f', 2.5)"#,
        #"printf('%.1f', 0.05)"#,
        #"printf('%.16g', 0.1)"#,
        #"printf('%.20e', 0.1)"#,
        #"printf('%!.20e', 0.1)"#,
        #"printf('%!.30f', 0.1)"#,
        #"printf('%.3f', 123456789012345678)"#,
        #"printf('%d %s', 1)"#,
        #"printf('%#o %#x %#X', 0, 0, 0)"#,
        #"printf('%.5x', 255)"#,
        #"printf('%-#8o|', 8)"#,
        #"printf('%,r', 1234)"#,
        #"printf('%,x', 1234567)"#,
        #"printf('%,u', 1234567)"#,
        #"printf('%,o', 1234567)"#,
        #"printf('%5%|')"#,
        #"printf('%-5%|')"#,
        #"printf('%.0e', 5)"#,
        #"printf('%.0g', 15)"#,
        #"printf('%.0g', 5)"#,
        #"printf('%#.0f', 5)"#,
        #"printf('%#.0e', 5)"#,
        #"printf('%g', 1e15)"#,
        #"printf('%g', 1e16)"#,
        #"printf('%.20g', 1e16)"#,
        #"printf('%!.20g', 1/3.0)"#,
        #"printf('%f', 1e-320)"#,
        #"printf('%e', 4.9e-324)"#,
        #"printf('%g', 2.2250738585072014e-308)"#,
        #"printf('%.3f', 2.0005)"#,
        #"printf('%.2f', 1.005)"#,
        #"printf('%.2f', 0.125)"#,
        #"printf('%.2f', 0.375)"#,
        #"printf('%.10f', 1.0/3)"#,
        #"printf('%.15f', 0.1)"#,
        #"printf('%.17f', 0.1)"#,
        #"printf('%f', 123456789.123456789)"#,
        #"printf('%f', 9.9999999)"#,
        #"printf('%.3g', 9.9999)"#,
        #"printf('%10.4g|', 3.14159)"#,
        #"printf('%-10.4g|', 3.14159)"#,
        #"printf('%+010.4g|', 3.14159)"#,
        #"printf('%010.4g|', -3.14159)"#,
        #"printf('%x', 3.9)"#,
        #"printf('%d', '0x10')"#,
        #"printf('%c%c%c', 'a', 'b', 'c')"#,
        #"printf('%s%%%s', 'a', 'b')"#,
        #"printf('%q', 'a''b''''c')"#,
        #"printf('%Q', 'a''b')"#,
        #"printf('%w', 'a"b')"#,
        #"printf('%Q', 12)"#,
        #"printf('%q', 1.5)"#,
        #"printf('%s', 1.0)"#,
        #"printf('%s', null)"#,
        #"printf('%.0s|', 'abc')"#,
        #"printf('%5.0s|', 'abc')"#,
        #"printf('%!5.2s|', 'aéb')"#,
        #"printf('%!-5.2s|', 'aéb')"#,
        #"printf('%-5s|%5s|', 'ab', 'cd')"#,
        #"printf('%*s|', 3, 'abcdef')"#,
        #"printf('%*s|', null, 'x')"#,
        #"printf('%.*s|', null, 'x')"#,
        #"printf('%*s|', '4', 'x')"#,
        #"printf('%ll5d', 1)"#,
        #"printf('%lld', 1)"#,
        #"printf('%lllld', 1)"#,
        #"printf('%l', 1)"#,
        #"printf('%#-10.3f|', 1)"#,
        #"printf('%-010d|', 5)"#,
        #"printf('%+-5d|', 5)"#,
        #"printf('% 05d|', 5)"#,
        #"printf('%+5.3d|', 5)"#,
        #"printf('%p', 0)"#,
        #"printf('%#p', 0)"#,
        #"printf('%o', -1)"#,
        #"printf('%X', -255)"#,
        #"printf('%,d', 0)"#,
        #"printf('%,d', 999)"#,
        #"printf('%,d', 1000)"#,
        #"printf('%,.5d', 12)"#,
        #"printf('%,-12d|', 1234567)"#,
        #"printf('%,+d', 1234)"#,
    ]

    @Test func printfMatchesSQLite() throws {
        guard Oracle.isAvailable else { return }
        try expectMatchesSQLite(Self.printfExpressions.map { "SELECT quote(\($0))" })
    }

    @Test func randomPrintfFormatsMatchSQLite() throws {
        guard Oracle.isAvailable else { return }
        var rng = SeededRNG()
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        var statements: [String] = []
        for _ in 0 ..< 300 {
            var spec = "%"
            for _ in 0 ..< Int(rng.next() % 3) { spec += pick(["-", "+", " ", "#", "!", "0", ","]) }
            spec += pick(["", "", "5", "12", "*"])
            spec += pick(["", "", ".0", ".3", ".12", ".*"])
            spec += pick(["d", "i", "u", "x", "X", "o", "f", "e", "E", "g", "G", "s", "q", "Q", "w", "c", "r", "p"])
            let value = pick(["0", "1", "-1", "3.14159", "-2.5e-7", "123456789.987", "1e300", "9223372036854775807",
                              "'abc'", "'it''s'", "'éé'", "NULL", "0.000123", "-0.0", "99.995", "1e21"])
            var args = [value]
            if spec.contains("*") { args.insert(pick(["3", "-4", "0", "20"]), at: 0) }
            if spec.filter({ $0 == "*" }).count == 2 { args.insert(pick(["2", "-7"]), at: 0) }
            // %c of NULL writes a NUL byte, which quote() stops at in SQLite: compare bytes.
            let wrap = spec.hasSuffix("c") ? "hex" : "quote"
            statements.append("SELECT \(wrap)(printf('[\(spec)]', \(args.joined(separator: ", "))))")
        }
        try expectMatchesSQLite(statements, note: " (seed \(rng.seed))")
    }

    @Test func compileOptions() throws {
        let session = try MiniSession()
        let rows = session.run("""
            SELECT sqlite_compileoption_used('SQLITE_SOUNDEX'), sqlite_compileoption_used('soundex'),
                   sqlite_compileoption_used('MAX_LENGTH=1000000000'), sqlite_compileoption_used('MAX_LENGTH='),
                   sqlite_compileoption_used('ENABLE_FTS5'), quote(sqlite_compileoption_used(NULL)),
                   sqlite_compileoption_get(0), quote(sqlite_compileoption_get(-1)), quote(sqlite_compileoption_get(1000));
            SELECT load_extension('x');
            SELECT string_agg('a', ',')
            """)
        #expect(rows.map(\.description) == [
            "1|1|1|0|0|NULL|DEFAULT_CACHE_SIZE=-2000|NULL|NULL",
            "error: not authorized",
            "error: no such function: string_agg",
        ])
    }
}
