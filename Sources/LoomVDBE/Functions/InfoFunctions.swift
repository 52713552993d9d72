// This file implements soundex() (the oracle build has SQLITE_SOUNDEX), sqlite_source_id(),
// sqlite_compileoption_get/used() and load_extension() (refused, as SQLite does by default).
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import LoomBase
import LoomRecord

/// The check-in of the SQLite release Loom tracks, as `sqlite_source_id()` reports it.
package let trackedSQLiteSourceID = "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd45ae7b9c5e82ad8197f3alt1"

/// The soundex digit of a byte (its low 7 bits): 1-6 for the consonant groups, 0 otherwise.
private func soundexCode(_ byte: UInt8) -> UInt8 {
    switch byte & 0x7f | 0x20 {  // fold to lower case (non-letters map to non-letters)
    case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "p"), UInt8(ascii: "v"): return 1
    case UInt8(ascii: "c"), UInt8(ascii: "g"), UInt8(ascii: "j"), UInt8(ascii: "k"),
         UInt8(ascii: "q"), UInt8(ascii: "s"), UInt8(ascii: "x"), UInt8(ascii: "z"): return 2
    case UInt8(ascii: "d"), UInt8(ascii: "t"): return 3
    case UInt8(ascii: "l"): return 4
    case UInt8(ascii: "m"), UInt8(ascii: "n"): return 5
    case UInt8(ascii: "r"): return 6
    default: return 0
    }
}

private func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }

/// soundex(X): the first ASCII letter, upper-cased, then the digits of the following bytes,
/// a digit written only when it differs from the previous byte's (a byte with digit 0 —
/// vowels, h, w, y, anything else — separates repeats), padded with zeros to four
/// characters; "?000" when X is NULL or has no ASCII letter. Bytes past the first letter
/// count by their low 7 bits, as SQLite's table lookup does (so 'Abéb' is A121).
func soundex(_ v: Value) -> String {
    guard let text = v.textValue else { return "?000" }
    let bytes = Array(text.utf8)
    guard let first = bytes.firstIndex(where: isASCIILetter) else { return "?000" }
    var out: [UInt8] = [bytes[first] & ~0x20]
    var previous = soundexCode(bytes[first])
    var i = first + 1
    while i < bytes.count && out.count < 4 {
        let code = soundexCode(bytes[i])
        if code > 0 && code != previous { out.append(UInt8(ascii: "0") + code) }
        previous = code
        i += 1
    }
    while out.count < 4 { out.append(UInt8(ascii: "0")) }
    return String(decoding: out, as: UTF8.self)
}

/// The compile-time options whose behaviour Loom mirrors from the oracle build, sorted as
/// SQLite lists them (`sqlite_compileoption_get`, `PRAGMA compile_options`). Options for
/// features Loom lacks (FTS, R-tree, sessions, extensions…) are left out.
package let loomCompileOptions: [String] = [
    "DEFAULT_CACHE_SIZE=-2000", "DEFAULT_FILE_FORMAT=4", "DEFAULT_PAGE_SIZE=4096",
    "ENABLE_MATH_FUNCTIONS", "LIKE_DOESNT_MATCH_BLOBS", "MAX_COMPOUND_SELECT=500",
    "MAX_EXPR_DEPTH=1000", "MAX_LENGTH=1000000000", "SOUNDEX",
]

/// sqlite_compileoption_used(X): X, with or without a leading "SQLITE_", is an option's
/// name or its whole "NAME=value" (ASCII case-insensitive).
func compileOptionUsed(_ name: String) -> Bool {
    var x = Array(name.utf8)
    let prefix = Array("sqlite_".utf8)
    if x.count >= prefix.count, zip(x, prefix).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) {
        x.removeFirst(prefix.count)
    }
    func fold(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
    for option in loomCompileOptions {
        let o = Array(option.utf8)
        guard o.count >= x.count, zip(o, x).allSatisfy({ fold($0) == fold($1) }) else { continue }
        if o.count == x.count { return true }
        let next = o[x.count]
        let isIdentifierChar = next == 0x5F || next >= 0x80 || (next >= 0x30 && next <= 0x39) || (next | 0x20 >= 0x61 && next | 0x20 <= 0x7A)
        if !isIdentifierChar { return true }
    }
    return false
}

func builtinInfoFunctions() -> [FunctionDefinition] {
    [
        FunctionDefinition(name: "sqlite_compileoption_used", argumentCount: 1, body: .scalar { args, _ in
            guard let name = args.first?.textValue else { return .null }
            return .integer(compileOptionUsed(name) ? 1 : 0)
        }),
        FunctionDefinition(name: "sqlite_compileoption_get", argumentCount: 1, body: .scalar { args, _ in
            let n = args.first?.integerValue ?? 0
            guard n >= 0, n < Int64(loomCompileOptions.count) else { return .null }
            return .text(loomCompileOptions[Int(n)])
        }),
        // Loom loads no extensions: SQLite's answer when loading is not enabled.
        FunctionDefinition(name: "load_extension", argumentCount: 1, isDeterministic: false, body: .scalar { _, _ in
            throw DatabaseError(.error, "not authorized")
        }),
        FunctionDefinition(name: "load_extension", argumentCount: 2, isDeterministic: false, body: .scalar { _, _ in
            throw DatabaseError(.error, "not authorized")
        }),
        FunctionDefinition(name: "soundex", argumentCount: 1, body: .scalar { args, _ in
            .text(soundex(args.first ?? .null))
        }),
        FunctionDefinition(name: "sqlite_source_id", argumentCount: 0, body: .scalar { _, _ in
            .text(trackedSQLiteSourceID)
        }),
    ]
}
