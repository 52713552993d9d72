// This file implements the Foundation conformances of the Swift API: Date and UUID as
// DatabaseValueConvertible, in GRDB's storage formats. A separate library so the engine
// and the `Loom` product stay free of Foundation. Layer: L7 (LoomFoundation).
// Spec: Spec/L7-api.md §Foundation types.
@_exported import Loom
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Date: DatabaseValueConvertible {
    /// Text `yyyy-MM-dd HH:mm:ss.SSS` in UTC (GRDB's format; sorts and compares as text and
    /// is understood by SQLite's date functions).
    ///
    /// ```swift
    /// try db.execute(sql: "INSERT INTO event(at) VALUES (?)", arguments: [Date()])
    /// let at: Date = try row["at"]
    /// ```
    public var databaseValue: DatabaseValue { .text(DatabaseDateFormat.format(self)) }

    /// Reads text in SQLite's date formats (`yyyy-MM-dd`, `yyyy-MM-dd HH:mm`,
    /// `yyyy-MM-dd HH:mm:ss`, fractional seconds, a `T` separator, a trailing `Z` or
    /// `±HH:MM`; times without a zone are UTC), and numbers as Unix time (seconds since
    /// 1970), as GRDB does. Anything else does not convert.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Date? {
        switch dbValue {
        case .integer(let i): return Date(timeIntervalSince1970: TimeInterval(i))
        case .real(let d): return d.isFinite ? Date(timeIntervalSince1970: d) : nil
        case .text(let s): return DatabaseDateFormat.parse(s)
        default: return nil
        }
    }

    /// The date of a julian day number (SQLite's `julianday()`): days since noon UTC on
    /// November 24, 4714 BC.
    ///
    /// ```swift
    /// let date = Date(julianDay: try Double.fetchOne(db, sql: "SELECT julianday('now')")!)
    /// ```
    public init(julianDay: Double) {
        self.init(timeIntervalSince1970: (julianDay - 2_440_587.5) * 86_400)
    }

    /// This date as a julian day number.
    public var julianDay: Double { timeIntervalSince1970 / 86_400 + 2_440_587.5 }
}

extension UUID: DatabaseValueConvertible {
    /// A 16-byte blob (GRDB's format).
    ///
    /// ```swift
    /// try db.execute(sql: "INSERT INTO item(id) VALUES (?)", arguments: [UUID()])
    /// ```
    public var databaseValue: DatabaseValue {
        withUnsafeBytes(of: uuid) { .blob(Array($0)) }
    }

    /// Reads a 16-byte blob, or text in the `E621E1F8-C36C-495A-93FC-0C247A3E6E5F` form.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> UUID? {
        switch dbValue {
        case .blob(let b):
            guard b.count == 16 else { return nil }
            return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                               b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        case .text(let s):
            return UUID(uuidString: s)
        default:
            return nil
        }
    }
}

/// GRDB's date text, written and read without a formatter (civil-calendar arithmetic, UTC).
enum DatabaseDateFormat {
    static func format(_ date: Date) -> String {
        // Milliseconds since 1970, floored, so 23:59:59.9996 never rounds into the next day.
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite, abs(ms) < 1e17 else { return "" }
        let total = Int64(ms)
        var days = total / 86_400_000
        var rem = total % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        let h = rem / 3_600_000, mi = rem / 60_000 % 60, s = rem / 1000 % 60, f = rem % 1000
        func pad(_ v: Int64, _ width: Int) -> String {
            let t = String(v)
            return String(repeating: "0", count: max(0, width - t.count)) + t
        }
        let year = y < 0 ? "-" + pad(-y, 4) : pad(y, 4)
        return "\(year)-\(pad(m, 2))-\(pad(d, 2)) \(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))"
    }

    static func parse(_ text: String) -> Date? {
        var p = Array(text.utf8)[...]
        func number(_ digits: Int) -> Int64? {
            guard p.count >= digits else { return nil }
            var v: Int64 = 0
            for c in p.prefix(digits) {
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            p = p.dropFirst(digits)
            return v
        }
        func take(_ c: UInt8) -> Bool {
            guard p.first == c else { return false }
            p = p.dropFirst()
            return true
        }
        while p.first == 0x20 { p = p.dropFirst() }
        guard let y = number(4), take(0x2D), let m = number(2), take(0x2D), let d = number(2),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        var seconds = Double(days(fromCivil: y, m, d)) * 86_400
        if take(0x20) || take(0x54) {
            guard let h = number(2), take(0x3A), let mi = number(2), h < 24, mi < 60 else { return nil }
            seconds += Double(h * 3600 + mi * 60)
            if take(0x3A) {
                guard let s = number(2), s < 60 else { return nil }
                seconds += Double(s)
                if take(0x2E) {
                    var scale = 0.1
                    var digits = 0
                    while let c = p.first, c >= 0x30, c <= 0x39 {
                        seconds += Double(c - 0x30) * scale
                        scale /= 10
                        digits += 1
                        p = p.dropFirst()
                    }
                    if digits == 0 { return nil }
                }
            }
            while p.first == 0x20 { p = p.dropFirst() }
            if take(0x5A) || take(0x7A) {
                // UTC
            } else if let sign = p.first, sign == 0x2B || sign == 0x2D {
                p = p.dropFirst()
                guard let zh = number(2), take(0x3A), let zm = number(2), zh < 24, zm < 60 else { return nil }
                let offset = Double(zh * 3600 + zm * 60)
                seconds += sign == 0x2B ? -offset : offset
            }
        }
        while p.first == 0x20 { p = p.dropFirst() }
        guard p.isEmpty else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
