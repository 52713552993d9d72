// This file implements SQLite's built-in core scalar functions (lang_corefunc.html).
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions). printf: Printf.swift; LIKE/GLOB: Patterns.swift.
import LoomBase
import LoomRecord

private typealias Args = ArraySlice<Value>

@inline(__always)
private func arg(_ a: Args, _ i: Int) -> Value {
    let j = a.startIndex + i
    return j < a.endIndex ? a[j] : .null
}

/// Argument `i` as a function that wants text reads it: in a UTF-16 database a blob's bytes
/// are text in that encoding (other values unchanged).
private func textArg(_ a: Args, _ i: Int, _ c: FunctionCallContext) -> Value {
    let v = arg(a, i)
    guard case .blob = v else { return v }
    let e = c.textEncoding
    return e == .utf8 ? v : (v.textValue(in: e).map { .text($0) } ?? .null)
}

/// length(X): NULL for NULL, bytes of a BLOB, characters of text up to the first NUL (as
/// SQLite counts), characters of a number's text form. (Also the VM's Length fast op.)
func lengthValue(_ v: Value) -> Value {
    switch v {
    case .null: return .null
    case .blob(let b): return .integer(Int64(b.count))
    case .text(let s):
        // A String is valid UTF-8: its scalars are its bytes that are not continuation
        // bytes (10xxxxxx). Counting bytes is ~10x cheaper than decoding scalars.
        var n: Int64 = 0
        for b in s.utf8 { if b == 0 { break }; if b & 0xC0 != 0x80 { n += 1 } }
        return .integer(n)
    case let v: return .integer(Int64((v.textValue ?? "").unicodeScalars.count))
    }
}

private func scalar(_ name: String, _ argc: Int, min: Int = 0, deterministic: Bool = true,
                    subtypes: Bool = false, _ body: @escaping ScalarImplementation) -> FunctionDefinition {
    FunctionDefinition(name: name, argumentCount: argc, minimumArgumentCount: min,
                       isDeterministic: deterministic, usesSubtypes: subtypes, body: .scalar(body))
}

/// The unicode scalars of a value's text form.
private func scalars(_ v: Value) -> [Unicode.Scalar] { Array((v.textValue ?? "").unicodeScalars) }

/// The scalars of `v`'s text up to its first NUL: LIKE, GLOB and ESCAPE read their operands
/// as C strings in SQLite, so text after a NUL takes no part.
private func cStringScalars(_ v: Value) -> [Unicode.Scalar] {
    Array((v.textValue ?? "").unicodeScalars.prefix { $0.value != 0 })
}

private func string(_ s: some Sequence<Unicode.Scalar>) -> String {
    var out = String.UnicodeScalarView()
    out.append(contentsOf: s)
    return String(out)
}

func builtinScalarFunctions() -> [FunctionDefinition] {
    var f: [FunctionDefinition] = []

    f.append(scalar("abs", 1) { a, _ in
        switch arg(a, 0) {
        case .null: return .null
        case .integer(let i):
            if i == Int64.min { throw DatabaseError(.error, "integer overflow") }
            return .integer(i < 0 ? -i : i)
        case let v: return .real(Swift.abs(v.realValue))
        }
    })
    f.append(scalar("changes", 0, deterministic: false) { _, c in .integer(Int64(c.connection.changes)) })
    f.append(scalar("total_changes", 0, deterministic: false) { _, c in .integer(Int64(c.connection.totalChanges)) })
    f.append(scalar("last_insert_rowid", 0, deterministic: false) { _, c in .integer(c.connection.lastInsertRowID) })
    f.append(scalar("sqlite_version", 0) { _, _ in .text("3.40.1") })
    f.append(scalar("char", -1) { a, _ in
        var out = String.UnicodeScalarView()
        for v in a {
            let x = v.integerValue
            let s = (x >= 0 && x <= 0x10FFFF) ? Unicode.Scalar(UInt32(x)) : nil
            out.append(s ?? "\u{FFFD}")
        }
        return .text(String(out))
    })
    f.append(scalar("coalesce", -1, min: 2) { a, _ in a.first(where: { !$0.isNull }) ?? .null })
    f.append(scalar("ifnull", 2) { a, _ in a.first(where: { !$0.isNull }) ?? .null })
    f.append(scalar("iif", 3) { a, _ in (Operators.truth(arg(a, 0)) ?? false) ? arg(a, 1) : arg(a, 2) })
    // nullif/min/max return an argument as it is, JSON subtype included (sqlite3_result_value).
    f.append(scalar("nullif", 2, subtypes: true) { a, c in
        if compareValues(arg(a, 0), arg(a, 1), collation: c.collation) == 0 { return .null }
        if c.argumentIsJSON(0) { c.setResultJSON() }
        return arg(a, 0)
    })
    for name in ["likely", "unlikely"] { f.append(scalar(name, 1) { a, _ in arg(a, 0) }) }
    f.append(scalar("likelihood", 2) { a, _ in
        let p = arg(a, 1)
        let d: Double? = { switch p { case .integer(let i): return Double(i); case .real(let r): return r; default: return nil } }()
        guard let d, d >= 0, d <= 1 else {
            throw DatabaseError(.error, "second argument to likelihood() must be a constant between 0.0 and 1.0")
        }
        return arg(a, 0)
    })
    f.append(scalar("typeof", 1) { a, _ in
        switch arg(a, 0) {
        case .null: return .text("null")
        case .integer: return .text("integer")
        case .real: return .text("real")
        case .text: return .text("text")
        case .blob: return .text("blob")
        }
    })
    var length = scalar("length", 1) { a, _ in lengthValue(arg(a, 0)) }
    length.builtin = .length
    f.append(length)
    f.append(scalar("lower", 1) { a, c in
        let v = textArg(a, 0, c)
        guard let b = v.isNull ? nil : v.blobValue else { return .null }
        return .text(String(decoding: b.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self))
    })
    f.append(scalar("upper", 1) { a, c in
        let v = textArg(a, 0, c)
        guard let b = v.isNull ? nil : v.blobValue else { return .null }
        return .text(String(decoding: b.map { $0 >= 0x61 && $0 <= 0x7A ? $0 & ~0x20 : $0 }, as: UTF8.self))
    })
    f.append(scalar("hex", 1) { a, c in
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        // Text is hexed in the database's encoding; numbers as their UTF-8 text (as sqlite3).
        let v = arg(a, 0)
        let bytes: [UInt8]
        if case .text = v { bytes = v.blobValue(in: c.textEncoding) ?? [] } else { bytes = v.blobValue ?? [] }
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return .text(String(decoding: out, as: UTF8.self))
    })
    f.append(scalar("quote", 1) { a, _ in .text(sqlQuote(arg(a, 0))) })
    f.append(scalar("random", 0, deterministic: false) { _, _ in
        var g = SystemRandomNumberGenerator()
        return .integer(Int64(bitPattern: g.next()))
    })
    f.append(scalar("randomblob", 1, deterministic: false) { a, _ in
        let n = Swift.max(1, Swift.min(arg(a, 0).integerValue, 1_000_000_000))
        var g = SystemRandomNumberGenerator()
        return .blob((0 ..< Int(n)).map { _ in UInt8.random(in: 0 ... 255, using: &g) })
    })
    f.append(scalar("zeroblob", 1) { a, _ in
        let n = Swift.max(0, arg(a, 0).integerValue)
        guard n <= 1_000_000_000 else { throw DatabaseError(.tooBig, "string or blob too big") }
        return .blob([UInt8](repeating: 0, count: Int(n)))
    })
    f.append(scalar("unicode", 1) { a, c in
        guard let s = textArg(a, 0, c).textValue, let u = s.unicodeScalars.first else { return .null }
        return .integer(Int64(u.value))
    })
    f.append(scalar("instr", 2) { a, c in
        if arg(a, 0).isNull || arg(a, 1).isNull { return .null }
        if case .blob(let hb) = arg(a, 0), case .blob(let nb) = arg(a, 1) {
            return .integer(Int64(byteFind(hb, nb).map { $0 + 1 } ?? 0))
        }
        let h = textArg(a, 0, c), n = textArg(a, 1, c)
        let hs = scalars(h), ns = scalars(n)
        if ns.isEmpty { return .integer(1) }
        if ns.count > hs.count { return .integer(0) }
        for i in 0 ... hs.count - ns.count where hs[i ..< i + ns.count].elementsEqual(ns) {
            return .integer(Int64(i + 1))
        }
        return .integer(0)
    })
    f.append(scalar("replace", 3) { a, c in
        let x = textArg(a, 0, c), y = textArg(a, 1, c), z = textArg(a, 2, c)
        if x.isNull || y.isNull || z.isNull { return .null }
        let xb = x.blobValue ?? [], yb = y.blobValue ?? [], zb = z.blobValue ?? []
        if yb.isEmpty { return .text(String(decoding: xb, as: UTF8.self)) }
        var out: [UInt8] = []
        var i = 0
        while i < xb.count {
            if i + yb.count <= xb.count, xb[i] == yb[0], xb[i ..< i + yb.count].elementsEqual(yb) {
                out.append(contentsOf: zb)
                i += yb.count
            } else {
                out.append(xb[i])
                i += 1
            }
        }
        return .text(String(decoding: out, as: UTF8.self))
    })
    for (name, left, right) in [("trim", true, true), ("ltrim", true, false), ("rtrim", false, true)] {
        for argc in [1, 2] {
            f.append(scalar(name, argc) { a, c in
                let x = textArg(a, 0, c)
                if x.isNull { return .null }
                let set: [Unicode.Scalar]
                if argc == 2 {
                    let y = textArg(a, 1, c)
                    if y.isNull { return .null }
                    set = scalars(y)
                } else {
                    set = [" "]
                }
                var s = scalars(x)[...]
                if left { while let c = s.first, set.contains(c) { s = s.dropFirst() } }
                if right { while let c = s.last, set.contains(c) { s = s.dropLast() } }
                return .text(string(s))
            })
        }
    }
    for name in ["substr", "substring"] {
        for argc in [2, 3] {
            f.append(scalar(name, argc) { a, _ in try substr(a, argc) })
        }
    }
    for argc in [1, 2] {
        f.append(scalar("round", argc) { a, _ in
            let x = arg(a, 0)
            if x.isNull { return .null }
            var n: Int64 = 0
            if argc == 2 {
                if arg(a, 1).isNull { return .null }
                n = Swift.min(Swift.max(arg(a, 1).integerValue, 0), 30)
            }
            return .real(sqlRound(x.realValue, Int(n)))
        })
    }
    f.append(scalar("sign", 1) { a, _ in
        switch numericType(arg(a, 0)) {
        case .integer(let i): return .integer(i > 0 ? 1 : (i < 0 ? -1 : 0))
        case .real(let d): return .integer(d > 0 ? 1 : (d < 0 ? -1 : 0))
        default: return .null
        }
    })
    for (name, isMax) in [("max", true), ("min", false)] {
        f.append(scalar(name, -1, min: 2, subtypes: true) { a, c in
            var best: Value = .null
            var bestIndex = 0
            for (i, v) in a.enumerated() {
                if v.isNull { return .null }
                if i == 0 { best = v; continue }
                let cmp = compareValues(v, best, collation: c.collation)
                // Ties: min() takes the later argument, max() keeps the earlier (SQLite's
                // choice, visible as min(0.0, 0) = 0 but max(0.0, 0) = 0.0).
                if isMax ? cmp > 0 : cmp <= 0 { best = v; bestIndex = i }
            }
            if c.argumentIsJSON(bestIndex) { c.setResultJSON() }
            return best
        })
    }
    for argc in [2, 3] {
        var like = scalar("like", argc) { a, c in
            let p = arg(a, 0), s = arg(a, 1)
            // The oracle build has SQLITE_LIKE_DOESNT_MATCH_BLOBS: a blob operand never
            // matches, even against NULL (checked before anything else).
            if case .blob = p { return .integer(0) }
            if case .blob = s { return .integer(0) }
            var escape: Unicode.Scalar? = nil
            if argc == 3 {
                let e = arg(a, 2)
                if e.isNull { return .null }
                let es = cStringScalars(e)
                guard es.count == 1 else {
                    throw DatabaseError(.error, "ESCAPE expression must be a single character")
                }
                escape = es[0]
            }
            if p.isNull || s.isNull { return .null }
            let caseSensitive = c.connection.pragmaSettings["case_sensitive_like", default: 0] != 0
            if case .text(let pt) = p, case .text(let st) = s {
                return .integer(likeMatchText(pattern: pt, string: st, escape: escape, caseSensitive: caseSensitive) ? 1 : 0)
            }
            return .integer(likeMatch(pattern: cStringScalars(p), string: cStringScalars(s), escape: escape,
                                      caseSensitive: caseSensitive) ? 1 : 0)
        }
        if argc == 2 { like.builtin = .like }
        f.append(like)
    }
    f.append(scalar("glob", 2) { a, _ in
        let p = arg(a, 0), s = arg(a, 1)
        if case .blob = p { return .integer(0) }
        if case .blob = s { return .integer(0) }
        if p.isNull || s.isNull { return .null }
        return .integer(globMatch(pattern: cStringScalars(p), string: cStringScalars(s)) ? 1 : 0)
    })
    for name in ["printf", "format"] {
        f.append(scalar(name, -1, min: 1) { a, _ in
            let fmt = arg(a, 0)
            if fmt.isNull { return .null }
            return sqlPrintfResult(fmt.textValue ?? "", Array(a.dropFirst())).map { .text($0) } ?? .null
        })
    }
    return f
}

/// quote(x): SQL literal text of a value.
package func sqlQuote(_ v: Value) -> String {
    switch v {
    case .null: return "NULL"
    case .integer(let i): return String(i)
    case .real(let d):
        return renderRealForQuote(d)
    case .text(let s):
        var out = "'"
        for ch in s.unicodeScalars { out.unicodeScalars.append(ch); if ch == "'" { out += "'" } }
        return out + "'"
    case .blob(let b):
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = Array("X'".utf8)
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        out.append(0x27)
        return String(decoding: out, as: UTF8.self)
    }
}

private func byteFind(_ h: [UInt8], _ n: [UInt8]) -> Int? {
    if n.isEmpty { return 0 }
    if n.count > h.count { return nil }
    for i in 0 ... h.count - n.count where h[i ..< i + n.count].elementsEqual(n) { return i }
    return nil
}

/// substr(X, Y [, Z]) with SQLite's handling of zero, negative start and negative length;
/// characters for text, bytes for blobs.
private func substr(_ a: Args, _ argc: Int) throws -> Value {
    let x = arg(a, 0), y = arg(a, 1)
    if x.isNull || y.isNull { return .null }
    if argc == 3 && arg(a, 2).isNull { return .null }
    // SQLite reads an empty blob as no bytes at all (a null pointer), so the result is NULL.
    if case .blob(let bytes) = x, bytes.isEmpty { return .null }
    let limit: Int64 = 1_000_000_000
    var p1 = Swift.max(Swift.min(y.integerValue, limit), -limit)
    var p2: Int64 = limit
    var negP2 = false
    if argc == 3 {
        p2 = Swift.max(Swift.min(arg(a, 2).integerValue, limit), -limit)
        if p2 < 0 { p2 = -p2; negP2 = true }
    }
    func cut(_ len: Int64) -> (Int, Int) {
        if p1 < 0 {
            p1 += len
            if p1 < 0 { p2 += p1; if p2 < 0 { p2 = 0 }; p1 = 0 }
        } else if p1 > 0 {
            p1 -= 1
        } else if p2 > 0 {
            p2 -= 1
        }
        if negP2 {
            p1 -= p2
            if p1 < 0 { p2 += p1; p1 = 0 }
        }
        if p1 > len { return (Int(len), 0) }
        if p1 + p2 > len { p2 = len - p1; if p2 < 0 { p2 = 0 } }
        return (Int(p1), Int(p2))
    }
    if case .blob(let b) = x {
        let (s, n) = cut(Int64(b.count))
        return .blob(Array(b[s ..< s + n]))
    }
    let chars = scalars(x)
    let (s, n) = cut(Int64(chars.count))
    return .text(string(chars[s ..< s + n]))
}

/// round(): SQLite 3.40's rounding (half away from zero; `%.*f` for n > 0).
package func sqlRound(_ r: Double, _ n: Int) -> Double {
    if r.isNaN || r.isInfinite { return r }
    if r < -4503599627370496.0 || r > 4503599627370496.0 { return r }
    if n == 0 {
        return r >= 0 ? Double(Int64(r + 0.5)) : -Double(Int64(-r + 0.5))
    }
    // The digits from a stack buffer; a result of up to 15 bytes makes a small String
    // (stored inline, no allocation) for the locale-independent parse.
    return withSQLiteFixed(r, precision: n) { Double(String(decoding: $0, as: UTF8.self)) } ?? r
}
