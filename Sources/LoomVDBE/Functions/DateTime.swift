// This file implements SQLite's date and time functions (lang_datefunc.html, as 3.40.1
// behaves): date, time, datetime, julianday, unixepoch, strftime, their time values and
// modifiers. Layer: L4. Spec: Spec/L4-vdbe.md (§Functions, date and time).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LoomBase
import LoomRecord

/// Milliseconds from the Julian epoch to 1970-01-01 00:00:00 UTC.
private let unixEpochMs: Int64 = 210_866_760_000_000
/// The largest instant the functions accept: 9999-12-31 23:59:59.999.
private let maximumInstantMs: Int64 = 464_269_060_799_999
private let msPerDay: Int64 = 86_400_000

/// A moment being computed, held as any of: an instant (ms since the Julian epoch), a
/// calendar date, a clock time, a time zone offset, or a bare number not yet interpreted.
/// Each form is filled in from the others on demand, as SQLite's date.c does, so that
/// `datetime('2000-02-30')` still prints the date it was given.
struct DateTimeValue {
    var instant: Int64 = 0
    var year = 0, month = 0, day = 0
    var hour = 0, minute = 0
    var second: Double = 0
    /// Zone offset in minutes (the `±HH:MM` suffix).
    var zoneMinutes = 0
    var hasInstant = false
    /// A bare number whose meaning (Julian day or Unix time) a modifier may still choose.
    var isRawNumber = false
    var hasDate = false, hasTime = false, hasZone = false
    /// The value is known to be UTC (a `Z`/offset suffix or a `utc` modifier ran).
    var zoneSettled = false
    var failed = false

    mutating func fail() {
        self = DateTimeValue()
        failed = true
    }

    /// Interprets a bare number as a Julian day when it is in range.
    mutating func setRawNumber(_ r: Double) {
        second = r
        isRawNumber = true
        if r >= 0, r < 5_373_484.5 {
            instant = Int64(r * 86_400_000 + 0.5)
            hasInstant = true
        }
    }

    static func isValidInstant(_ ms: Int64) -> Bool { ms >= 0 && ms <= maximumInstantMs }

    /// The instant from the calendar fields (2000-01-01 when there is no date).
    mutating func computeInstant() {
        if hasInstant { return }
        var y = 2000, m = 1
        let d = hasDate ? day : 1
        if hasDate { y = year; m = month }
        if y < -4713 || y > 9999 || isRawNumber {
            fail()
            return
        }
        if m <= 2 { y -= 1; m += 12 }
        // Gregorian day count (Meeus, "Astronomical Algorithms", ch. 7).
        let century = y / 100
        let leapFix = 2 - century + century / 4
        let yearDays = 36525 * (y + 4716) / 100
        let monthDays = 306_001 * (m + 1) / 10000
        instant = Int64((Double(yearDays + monthDays + d + leapFix) - 1524.5) * 86_400_000)
        hasInstant = true
        if hasTime {
            instant += Int64(hour) * 3_600_000 + Int64(minute) * 60000 + Int64(second * 1000 + 0.5)
        }
        if hasZone {
            instant -= Int64(zoneMinutes) * 60000
            hasDate = false
            hasTime = false
            hasZone = false
        }
    }

    /// The calendar date from the instant.
    mutating func computeDate() {
        if hasDate { return }
        if !hasInstant {
            year = 2000; month = 1; day = 1
        } else if !Self.isValidInstant(instant) {
            fail()
            return
        } else {
            let z = Int((instant + 43_200_000) / msPerDay)
            let alpha = Int((Double(z) - 1_867_216.25) / 36524.25)
            let a = z + 1 + alpha - alpha / 4
            let b = a + 1524
            let c = Int((Double(b) - 122.1) / 365.25)
            let dayOfCycle = (36525 * (c & 32767)) / 100
            let e = Int(Double(b - dayOfCycle) / 30.6001)
            day = b - dayOfCycle - Int(30.6001 * Double(e))
            month = e < 14 ? e - 1 : e - 13
            year = month > 2 ? c - 4716 : c - 4715
        }
        hasDate = true
    }

    /// The clock time from the instant.
    mutating func computeTime() {
        if hasTime { return }
        computeInstant()
        let msOfDay = Int((instant + 43_200_000) % msPerDay)
        var s = Double(msOfDay) / 1000
        var whole = Int(s)
        s -= Double(whole)
        hour = whole / 3600
        whole -= hour * 3600
        minute = whole / 60
        s += Double(whole - minute * 60)
        second = s
        isRawNumber = false
        hasTime = true
    }

    mutating func computeDateAndTime() {
        computeDate()
        computeTime()
    }

    mutating func forgetFields() {
        hasDate = false
        hasTime = false
        hasZone = false
    }
}

// MARK: Parsing time values

private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0d) }

/// Reads exactly `width` digits at `i` into a number in `lo ... hi`.
private func fixedNumber(_ b: [UInt8], _ i: inout Int, width: Int, lo: Int, hi: Int) -> Int? {
    guard i + width <= b.count else { return nil }
    var v = 0
    for k in i ..< i + width {
        guard isDigit(b[k]) else { return nil }
        v = v * 10 + Int(b[k] - 0x30)
    }
    guard v >= lo, v <= hi else { return nil }
    i += width
    return v
}

private func expect(_ b: [UInt8], _ i: inout Int, _ c: UInt8) -> Bool {
    guard i < b.count, b[i] == c else { return false }
    i += 1
    return true
}

/// `[ ]*(Z | [+-]HH:MM)?[ ]*` to the end of the text.
private func parseZone(_ b: [UInt8], _ start: Int, into v: inout DateTimeValue) -> Bool {
    var i = start
    while i < b.count, isSpace(b[i]) { i += 1 }
    v.zoneMinutes = 0
    if i < b.count {
        let c = b[i]
        if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
            i += 1
        } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            i += 1
            guard let h = fixedNumber(b, &i, width: 2, lo: 0, hi: 14), expect(b, &i, UInt8(ascii: ":")),
                  let m = fixedNumber(b, &i, width: 2, lo: 0, hi: 59) else { return false }
            v.zoneMinutes = (c == UInt8(ascii: "-") ? -1 : 1) * (h * 60 + m)
        } else {
            return false
        }
        while i < b.count, isSpace(b[i]) { i += 1 }
        v.zoneSettled = true
    }
    return i == b.count
}

/// `HH:MM[:SS[.SSS…]]` plus an optional zone, to the end of the text.
private func parseClock(_ b: [UInt8], _ start: Int, into v: inout DateTimeValue) -> Bool {
    var i = start
    guard let h = fixedNumber(b, &i, width: 2, lo: 0, hi: 24), expect(b, &i, UInt8(ascii: ":")),
          let m = fixedNumber(b, &i, width: 2, lo: 0, hi: 59) else { return false }
    var s = 0.0
    if i < b.count, b[i] == UInt8(ascii: ":") {
        i += 1
        guard let whole = fixedNumber(b, &i, width: 2, lo: 0, hi: 59) else { return false }
        s = Double(whole)
        if i + 1 < b.count, b[i] == UInt8(ascii: "."), isDigit(b[i + 1]) {
            i += 1
            var fraction = 0.0, scale = 1.0
            while i < b.count, isDigit(b[i]) {
                fraction = fraction * 10 + Double(b[i] - 0x30)
                scale *= 10
                i += 1
            }
            s += fraction / scale
        }
    }
    v.hasInstant = false
    v.isRawNumber = false
    v.hasTime = true
    v.hour = h
    v.minute = m
    v.second = s
    guard parseZone(b, i, into: &v) else { return false }
    v.hasZone = v.zoneMinutes != 0
    return true
}

/// `[-]YYYY-MM-DD` then optional spaces/`T` and a clock time.
private func parseDate(_ b: [UInt8], into v: inout DateTimeValue) -> Bool {
    var i = 0
    let negative = !b.isEmpty && b[0] == UInt8(ascii: "-")
    if negative { i = 1 }
    guard let y = fixedNumber(b, &i, width: 4, lo: 0, hi: 9999), expect(b, &i, UInt8(ascii: "-")),
          let m = fixedNumber(b, &i, width: 2, lo: 1, hi: 12), expect(b, &i, UInt8(ascii: "-")),
          let d = fixedNumber(b, &i, width: 2, lo: 1, hi: 31) else { return false }
    while i < b.count, isSpace(b[i]) || b[i] == UInt8(ascii: "T") { i += 1 }
    if !parseClock(b, i, into: &v) {
        if i != b.count { return false }
        v.hasTime = false
    }
    v.hasInstant = false
    v.hasDate = true
    v.year = negative ? -y : y
    v.month = m
    v.day = d
    if v.hasZone { v.computeInstant() }
    return true
}

/// A number written as the whole text (spaces around allowed), as `sqlite3AtoF` accepts.
private func wholeNumber(_ s: String) -> Double? {
    guard let n = parseNumericText(s) else { return nil }
    switch n {
    case .integer(let i): return Double(i)
    case .real(let d): return d
    default: return nil
    }
}

private func asciiEqualFold(_ b: ArraySlice<UInt8>, _ word: String) -> Bool {
    let w = Array(word.utf8)
    guard b.count == w.count else { return false }
    for (x, y) in zip(b, w) where (x >= 0x41 && x <= 0x5A ? x | 0x20 : x) != y { return false }
    return true
}

private func hasPrefixFold(_ b: [UInt8], _ word: String) -> Bool {
    let w = word.utf8.count
    return b.count >= w && asciiEqualFold(b[0 ..< w], word)
}

// MARK: Local time

/// The local calendar fields of an instant via `localtime_r` (TZ of the process). Outside
/// 1970-01-01 … 2038-01-18 the year is mapped into 2000…2003 (same leap cycle) and back,
/// as SQLite does. Returns false when the C library cannot convert.
private func toLocalTime(_ v: inout DateTimeValue) -> Bool {
    v.computeInstant()
    var yearShift = 0
    var unixSeconds: Int64
    if v.instant < unixEpochMs || v.instant > 213_014_145_600_000 {
        var x = v
        x.computeDateAndTime()
        yearShift = (2000 + x.year % 4) - x.year
        x.year += yearShift
        x.hasInstant = false
        x.computeInstant()
        unixSeconds = x.instant / 1000 - unixEpochMs / 1000
    } else {
        unixSeconds = v.instant / 1000 - unixEpochMs / 1000
    }
    tzset()
    var t = time_t(unixSeconds)
    var parts = tm()
    guard localtime_r(&t, &parts) != nil else { return false }
    let fraction = Double(v.instant % 1000) * 0.001
    v.year = Int(parts.tm_year) + 1900 - yearShift
    v.month = Int(parts.tm_mon) + 1
    v.day = Int(parts.tm_mday)
    v.hour = Int(parts.tm_hour)
    v.minute = Int(parts.tm_min)
    v.second = Double(parts.tm_sec) + fraction
    v.hasDate = true
    v.hasTime = true
    v.hasInstant = false
    v.isRawNumber = false
    v.hasZone = false
    v.failed = false
    return true
}

private let localTimeUnavailable = DatabaseError(.error, "local time unavailable")

// MARK: Modifiers

/// Units of `±NNN unit[s]`: name, exclusive limit of NNN, seconds per unit.
private let modifierUnits: [(name: String, limit: Double, seconds: Double)] = [
    ("second", 4.6427e14, 1), ("minute", 7.7379e12, 60), ("hour", 1.2897e11, 3600),
    ("day", 5_373_485, 86400), ("month", 176_546, 2_592_000), ("year", 14713, 31_536_000),
]

/// Applies one modifier (`position` 1 = right after the time value). False: the modifier
/// is not understood here, and the function returns NULL.
private func applyModifier(_ text: String, position: Int, to v: inout DateTimeValue) throws -> Bool {
    let b = Array(text.utf8)
    guard let first = b.first else { return false }
    switch first | 0x20 {
    case UInt8(ascii: "a"):
        guard asciiEqualFold(b[...], "auto") else { return false }
        if position > 1 { return false }
        if !v.isRawNumber || v.hasInstant {
            v.isRawNumber = false
            return true
        }
        guard v.second >= -210_866_760_000, v.second <= 253_402_300_799 else { return false }
        let ms = v.second * 1000 + 210_866_760_000_000
        v.forgetFields()
        v.instant = Int64(ms + 0.5)
        v.hasInstant = true
        v.isRawNumber = false
        return true
    case UInt8(ascii: "j"):
        guard asciiEqualFold(b[...], "julianday"), position <= 1 else { return false }
        guard v.hasInstant && v.isRawNumber else { return false }
        v.isRawNumber = false
        return true
    case UInt8(ascii: "l"):
        guard asciiEqualFold(b[...], "localtime") else { return false }
        guard toLocalTime(&v) else { throw localTimeUnavailable }
        return true
    case UInt8(ascii: "u"):
        if asciiEqualFold(b[...], "unixepoch") && v.isRawNumber {
            if position > 1 { return false }
            let ms = v.second * 1000 + 210_866_760_000_000
            guard ms >= 0, ms < 464_269_060_800_000 else { return false }
            v.forgetFields()
            v.instant = Int64(ms + 0.5)
            v.hasInstant = true
            v.isRawNumber = false
            return true
        }
        guard asciiEqualFold(b[...], "utc") else { return false }
        if !v.zoneSettled {
            // Find the UTC instant whose local time is the value: guess, compare, correct
            // (at most four rounds, so a time inside a DST gap settles somewhere near).
            v.computeInstant()
            let original = v.instant
            var guess = original
            var error: Int64 = 0
            var rounds = 0
            repeat {
                guess -= error
                var probe = DateTimeValue()
                probe.instant = guess
                probe.hasInstant = true
                guard toLocalTime(&probe) else { throw localTimeUnavailable }
                probe.computeInstant()
                error = probe.instant - original
                rounds += 1
            } while error != 0 && rounds <= 3
            v = DateTimeValue()
            v.instant = guess
            v.hasInstant = true
            v.zoneSettled = true
        }
        return true
    case UInt8(ascii: "w"):
        guard hasPrefixFold(b, "weekday ") else { return false }
        let rest = String(decoding: b[8...], as: UTF8.self)
        guard let r = wholeNumber(rest), r >= 0, r < 7, r == r.rounded(.towardZero) else { return false }
        let n = Int64(r)
        v.computeDateAndTime()
        v.hasZone = false
        v.hasInstant = false
        v.computeInstant()
        var z = ((v.instant + 129_600_000) / msPerDay) % 7
        if z > n { z -= 7 }
        v.instant += (n - z) * msPerDay
        v.forgetFields()
        return true
    case UInt8(ascii: "s"):
        guard hasPrefixFold(b, "start of ") else { return false }
        guard v.hasInstant || v.hasDate || v.hasTime else { return false }
        v.computeDate()
        v.hasTime = true
        v.hour = 0
        v.minute = 0
        v.second = 0
        v.isRawNumber = false
        v.hasZone = false
        v.hasInstant = false
        let unit = b[9...]
        if asciiEqualFold(unit, "month") {
            v.day = 1
        } else if asciiEqualFold(unit, "year") {
            v.month = 1
            v.day = 1
        } else if !asciiEqualFold(unit, "day") {
            return false
        }
        return true
    case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
        return applyOffset(b, to: &v)
    default:
        return false
    }
}

/// `±NNN unit[s]` or `±HH:MM[:SS[.SSS]]`.
private func applyOffset(_ b: [UInt8], to v: inout DateTimeValue) -> Bool {
    var n = 1
    while n < b.count, b[n] != UInt8(ascii: ":"), !isSpace(b[n]) { n += 1 }
    guard let r = wholeNumber(String(decoding: b[0 ..< n], as: UTF8.self)) else { return false }
    if n < b.count, b[n] == UInt8(ascii: ":") {
        // A clock offset: the time of day of HH:MM… added or subtracted.
        let start = isDigit(b[0]) ? 0 : 1
        var clock = DateTimeValue()
        guard parseClock(b, start, into: &clock) else { return false }
        clock.computeInstant()
        clock.instant -= 43_200_000
        let days = clock.instant / msPerDay
        clock.instant -= days * msPerDay
        if b[0] == UInt8(ascii: "-") { clock.instant = -clock.instant }
        v.computeInstant()
        v.forgetFields()
        v.instant &+= clock.instant
        return true
    }
    var i = n
    while i < b.count, isSpace(b[i]) { i += 1 }
    var unit = b[i...]
    defer { v.forgetFields() }
    guard unit.count >= 3, unit.count <= 10 else { return false }
    if let last = unit.last, last | 0x20 == UInt8(ascii: "s") { unit = unit.dropLast() }
    v.computeInstant()
    guard let k = modifierUnits.firstIndex(where: { asciiEqualFold(unit, $0.name) }),
          r > -modifierUnits[k].limit, r < modifierUnits[k].limit else { return false }
    var amount = r
    let name = modifierUnits[k].name
    if name == "month" {
        v.computeDateAndTime()
        v.month += Int(amount)
        let carry = v.month > 0 ? (v.month - 1) / 12 : (v.month - 12) / 12
        v.year += carry
        v.month -= carry * 12
        v.hasInstant = false
        amount -= Double(Int(amount))
    } else if name == "year" {
        v.computeDateAndTime()
        v.year += Int(amount)
        v.hasInstant = false
        amount -= Double(Int(amount))
    }
    v.computeInstant()
    let rounder = r < 0 ? -0.5 : 0.5
    v.instant &+= Int64(amount * 1000 * modifierUnits[k].seconds + rounder)
    return true
}

// MARK: Evaluation

/// Where a date function runs when 'now', localtime and utc are errors (a CHECK
/// constraint); nil elsewhere.
struct PurityRule: Sendable {
    let function: String
    let place: String
    var error: DatabaseError { DatabaseError(.error, "non-deterministic use of \(function)() in \(place)") }
}

/// The moment named by `args` (time value then modifiers); nil for NULL results.
private func evaluate(_ args: ArraySlice<Value>, _ context: FunctionCallContext, pure: PurityRule? = nil) throws -> DateTimeValue? {
    var v = DateTimeValue()
    if args.isEmpty {
        if let pure { throw pure.error }
        let now = context.currentTime()
        guard now > 0 else { return nil }
        v.instant = now
        v.hasInstant = true
    } else {
        switch args[args.startIndex] {
        case .null: return nil
        case .integer(let i): v.setRawNumber(Double(i))
        case .real(let d): v.setRawNumber(d)
        case let other:
            guard let text = other.textValue else { return nil }
            let b = Array(text.utf8)
            if parseDate(b, into: &v) || parseClock(b, 0, into: &v) {
                // parsed
            } else if asciiEqualFold(b[...], "now") {
                if let pure { throw pure.error }
                let now = context.currentTime()
                guard now > 0 else { return nil }
                v.instant = now
                v.hasInstant = true
            } else if let r = wholeNumber(text) {
                v.setRawNumber(r)
            } else {
                return nil
            }
        }
        var position = 1
        for m in args.dropFirst() {
            guard let text = m.textValue else { return nil }
            if let pure, asciiEqualFold(Array(text.utf8)[...], "localtime") || asciiEqualFold(Array(text.utf8)[...], "utc") {
                throw pure.error
            }
            guard try applyModifier(text, position: position, to: &v) else { return nil }
            // Far outside any date: stop before later arithmetic could overflow.
            if v.hasInstant && v.instant.magnitude > 1 << 62 { return nil }
            position += 1
        }
    }
    v.computeInstant()
    if v.failed || !DateTimeValue.isValidInstant(v.instant) { return nil }
    return v
}

/// `%04d` as C prints it (a negative year keeps its sign inside the width).
private func padded(_ n: Int, _ width: Int) -> String {
    let digits = String(n.magnitude)
    let sign = n < 0 ? "-" : ""
    let pad = max(0, width - digits.count - sign.count)
    return sign + String(repeating: "0", count: pad) + digits
}

/// The date part as datetime()/date() print it: a negative year as `-YYYY`.
private func datePart(_ v: DateTimeValue) -> String {
    (v.year < 0 ? "-" + padded(-v.year, 4) : padded(v.year, 4)) + "-" + padded(v.month, 2) + "-" + padded(v.day, 2)
}

private func timePart(_ v: DateTimeValue) -> String {
    padded(v.hour, 2) + ":" + padded(v.minute, 2) + ":" + padded(Int(v.second), 2)
}

/// strftime(): NULL for a conversion SQLite 3.40 does not know.
private func format(_ fmt: [UInt8], _ value: DateTimeValue) -> String? {
    var v = value
    v.computeDateAndTime()
    var out = ""
    var i = 0
    while i < fmt.count {
        let c = fmt[i]
        if c != UInt8(ascii: "%") {
            var j = i
            while j < fmt.count, fmt[j] != UInt8(ascii: "%") { j += 1 }
            out += String(decoding: fmt[i ..< j], as: UTF8.self)
            i = j
            continue
        }
        i += 1
        guard i < fmt.count else { return nil }
        switch fmt[i] {
        case UInt8(ascii: "d"): out += padded(v.day, 2)
        case UInt8(ascii: "f"):
            let s = min(v.second, 59.999)
            out += sqlPrintf("%06.3f", [.real(s)])
        case UInt8(ascii: "H"): out += padded(v.hour, 2)
        case UInt8(ascii: "W"), UInt8(ascii: "j"):
            var jan1 = v
            jan1.month = 1
            jan1.day = 1
            jan1.hasInstant = false
            jan1.computeInstant()
            let dayOfYear = Int((v.instant - jan1.instant + 43_200_000) / msPerDay)
            if fmt[i] == UInt8(ascii: "W") {
                let mondayBased = Int(((v.instant + 43_200_000) / msPerDay) % 7)
                out += padded((dayOfYear + 7 - mondayBased) / 7, 2)
            } else {
                out += padded(dayOfYear + 1, 3)
            }
        case UInt8(ascii: "J"): out += sqlPrintf("%.16g", [.real(Double(v.instant) / 86_400_000)])
        case UInt8(ascii: "m"): out += padded(v.month, 2)
        case UInt8(ascii: "M"): out += padded(v.minute, 2)
        case UInt8(ascii: "s"): out += String(v.instant / 1000 - unixEpochMs / 1000)
        case UInt8(ascii: "S"): out += padded(Int(v.second), 2)
        case UInt8(ascii: "w"): out += String(((v.instant + 129_600_000) / msPerDay) % 7)
        case UInt8(ascii: "Y"): out += padded(v.year, 4)
        case UInt8(ascii: "%"): out += "%"
        default: return nil
        }
        i += 1
    }
    return out
}

private func dateFunction(_ name: String, pure: PurityRule? = nil,
                          _ body: @escaping @Sendable (DateTimeValue) -> Value) -> FunctionDefinition {
    FunctionDefinition(name: name, argumentCount: -1, isDeterministic: false, body: .scalar { args, context in
        guard let v = try evaluate(args, context, pure: pure) else { return .null }
        return body(v)
    })
}

/// The date functions, each refusing 'now'/localtime/utc when `place` is given.
func dateTimeFunctions(place: String? = nil) -> [FunctionDefinition] {
    func rule(_ name: String) -> PurityRule? { place.map { PurityRule(function: name, place: $0) } }
    let strftimeRule = rule("strftime")
    return [
        dateFunction("julianday", pure: rule("julianday")) { .real(Double($0.instant) / 86_400_000) },
        dateFunction("unixepoch", pure: rule("unixepoch")) { .integer($0.instant / 1000 - unixEpochMs / 1000) },
        dateFunction("datetime", pure: rule("datetime")) { v in
            var v = v
            v.computeDateAndTime()
            return .text(datePart(v) + " " + timePart(v))
        },
        dateFunction("date", pure: rule("date")) { v in
            var v = v
            v.computeDate()
            return .text(datePart(v))
        },
        dateFunction("time", pure: rule("time")) { v in
            var v = v
            v.computeTime()
            return .text(timePart(v))
        },
        FunctionDefinition(name: "strftime", argumentCount: -1, minimumArgumentCount: 1, isDeterministic: false,
                           body: .scalar { args, context in
            guard let fmt = args.first?.textValue else { return .null }
            guard let v = try evaluate(args.dropFirst(), context, pure: strftimeRule) else { return .null }
            return format(Array(fmt.utf8), v).map { .text($0) } ?? .null
        }),
    ]
}

func builtinDateTimeFunctions() -> [FunctionDefinition] { dateTimeFunctions() }

/// The date functions as a CHECK constraint, an index (key expression or partial-index
/// WHERE) and a generated column see them, keyed by SQLite's name for the place.
private let placeDateFunctions: [String: [String: FunctionDefinition]] = {
    var out: [String: [String: FunctionDefinition]] = [:]
    for place in ["a CHECK constraint", "an index", "a generated column"] {
        var t: [String: FunctionDefinition] = [:]
        for f in dateTimeFunctions(place: place) { t[f.name] = f }
        out[place] = t
    }
    return out
}()

extension FunctionRegistry {
    /// `definition` as called inside a CHECK constraint (or, with `place` "an index" / "a
    /// generated column", there): the date functions then fail on 'now', localtime and utc
    /// with "non-deterministic use of date() in a CHECK constraint" (SQLite's
    /// sqlite3NotPureFunc); every other function is unchanged.
    package static func checkConstraintVariant(of definition: FunctionDefinition,
                                               place: String = "a CHECK constraint") -> FunctionDefinition {
        placeDateFunctions[place]?[definition.name] ?? definition
    }

    /// The date functions: not deterministic (they read the clock for 'now'), but allowed in
    /// index expressions, partial-index WHERE clauses and generated columns, where 'now',
    /// localtime and utc fail at run time instead (SQLite's SQLITE_FUNC_SLOCHNG).
    package static func isSlowChanging(_ definition: FunctionDefinition) -> Bool {
        placeDateFunctions["an index"]?[definition.name] != nil
    }
}
