// This file implements printf()/format(): SQLite's format conversions %d %i %u %x %X %o
// %f %e %E %g %G %s %z %c %q %Q %w %% with flags, width and precision (`*` allowed).
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import LoomRecord

/// printf(format, args…) as SQLite's SQL function (missing arguments act as NULL).
package func sqlPrintf(_ format: String, _ args: [Value]) -> String {
    let f = Array(format.utf8)
    var out: [UInt8] = []
    var next = 0
    func take() -> Value {
        defer { next += 1 }
        return next < args.count ? args[next] : .null
    }
    var i = 0
    while i < f.count {
        let c = f[i]
        if c != 0x25 { out.append(c); i += 1; continue }
        i += 1
        guard i < f.count else { break }
        var minus = false, plus = false, space = false, zero = false, alt = false, comma = false, bang = false
        flags: while i < f.count {
            switch f[i] {
            case 0x2D: minus = true
            case 0x2B: plus = true
            case 0x20: space = true
            case 0x30: zero = true
            case 0x23: alt = true
            case 0x2C: comma = true
            case 0x21: bang = true
            default: break flags
            }
            i += 1
        }
        var width = 0
        if i < f.count, f[i] == 0x2A {
            let w = take().integerValue
            if w < 0 { minus = true }
            width = Int(min(w.magnitude, 100_000))
            i += 1
        } else {
            while i < f.count, f[i] >= 0x30, f[i] <= 0x39 { width = min(width * 10 + Int(f[i] - 0x30), 100_000); i += 1 }
        }
        var precision: Int? = nil
        if i < f.count, f[i] == 0x2E {
            i += 1
            if i < f.count, f[i] == 0x2A {
                let p = take().integerValue
                precision = p < 0 ? nil : Int(min(p, 100_000))
                i += 1
            } else {
                var p = 0
                while i < f.count, f[i] >= 0x30, f[i] <= 0x39 { p = min(p * 10 + Int(f[i] - 0x30), 100_000); i += 1 }
                precision = p
            }
        }
        // Length modifiers are accepted and ignored.
        while i < f.count, f[i] == 0x6C || f[i] == 0x68 { i += 1 }
        guard i < f.count else { break }
        let type = f[i]
        i += 1
        var body: [UInt8]
        var numericPadZero = false
        switch type {
        case 0x25: // %%
            out.append(0x25)
            continue
        case 0x64, 0x69, 0x75: // d i u
            var v = take().integerValue
            if type == 0x75 && v < 0 { v = 0 }
            let negative = v < 0
            var digits = Array(String(v.magnitude).utf8)
            if let precision, digits.count < precision {
                digits = [UInt8](repeating: 0x30, count: precision - digits.count) + digits
            }
            if comma {
                var grouped: [UInt8] = []
                for (k, d) in digits.enumerated() {
                    if k > 0, (digits.count - k) % 3 == 0 { grouped.append(0x2C) }
                    grouped.append(d)
                }
                digits = grouped
            }
            let sign: [UInt8] = negative ? [0x2D] : (plus ? [0x2B] : (space ? [0x20] : []))
            body = sign + digits
            numericPadZero = zero
            if zero && !minus && body.count < width {
                body = sign + [UInt8](repeating: 0x30, count: width - body.count) + digits
            }
        case 0x78, 0x58, 0x6F: // x X o
            let v = UInt64(bitPattern: take().integerValue)
            var digits = Array(String(v, radix: type == 0x6F ? 8 : 16, uppercase: type == 0x58).utf8)
            if let precision, digits.count < precision {
                digits = [UInt8](repeating: 0x30, count: precision - digits.count) + digits
            }
            if alt && v != 0 { digits = Array((type == 0x6F ? "0" : (type == 0x58 ? "0X" : "0x")).utf8) + digits }
            body = digits
            if zero && !minus && body.count < width {
                body = [UInt8](repeating: 0x30, count: width - body.count) + body
            }
        case 0x66, 0x65, 0x45, 0x67, 0x47: // f e E g G
            let d = take().realValue
            if type == 0x66 && !alt {
                var b = Array(sqliteFixed(d, precision: precision ?? 6).utf8)
                let negative = b.first == 0x2D
                if negative { b.removeFirst() }
                let sign: [UInt8] = negative ? [0x2D] : (plus ? [0x2B] : (space ? [0x20] : []))
                if zero && !minus && sign.count + b.count < width {
                    b = [UInt8](repeating: 0x30, count: width - sign.count - b.count) + b
                }
                body = sign + b
            } else if d.isInfinite || d.isNaN {
                body = Array((d.isNaN ? "NaN" : (d < 0 ? "-Inf" : (plus ? "+Inf" : "Inf"))).utf8)
            } else {
                var spec = "%"
                if plus { spec += "+" }
                if space { spec += " " }
                if alt || (bang && (type == 0x67 || type == 0x47)) { spec += "#" }
                if zero && !minus { spec += "0" }
                if width > 0 && !minus { spec += String(width) }
                spec += "." + String(min(precision ?? 6, 350))
                spec.unicodeScalars.append(Unicode.Scalar(type))
                body = Array(cFormat(spec, [d]).utf8)
            }
        case 0x73, 0x7A: // s z
            let v = take()
            var b = v.isNull ? [] : (v.blobValue ?? [])
            if let precision {
                if bang {
                    let chars = Array(String(decoding: b, as: UTF8.self).unicodeScalars.prefix(precision))
                    var s = String.UnicodeScalarView(); s.append(contentsOf: chars)
                    b = Array(String(s).utf8)
                } else if b.count > precision {
                    b = Array(b.prefix(precision))
                }
            }
            body = b
        case 0x63: // c
            let v = take()
            let first = (v.textValue ?? "").unicodeScalars.first.map { Array(String($0).utf8) } ?? []
            body = []
            for _ in 0 ..< max(precision ?? 1, 1) { body += first }
        case 0x71, 0x51, 0x77: // q Q w
            let v = take()
            let quote: UInt8 = type == 0x77 ? 0x22 : 0x27
            if v.isNull {
                body = Array((type == 0x51 ? "NULL" : "(NULL)").utf8)
            } else {
                var b: [UInt8] = type == 0x51 ? [quote] : []
                for x in v.blobValue ?? [] {
                    b.append(x)
                    if x == quote { b.append(x) }
                }
                if type == 0x51 { b.append(quote) }
                body = b
            }
        default:
            // Unknown conversion: SQLite stops formatting here.
            return String(decoding: out, as: UTF8.self)
        }
        _ = numericPadZero
        if body.count < width {
            let pad = [UInt8](repeating: 0x20, count: width - body.count)
            body = minus ? body + pad : pad + body
        }
        out += body
    }
    return String(decoding: out, as: UTF8.self)
}
