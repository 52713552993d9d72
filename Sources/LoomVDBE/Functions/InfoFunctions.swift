// This file implements soundex() (the oracle build has SQLITE_SOUNDEX) and
// sqlite_source_id(). Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
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

func builtinInfoFunctions() -> [FunctionDefinition] {
    [
        FunctionDefinition(name: "soundex", argumentCount: 1, body: .scalar { args, _ in
            .text(soundex(args.first ?? .null))
        }),
        FunctionDefinition(name: "sqlite_source_id", argumentCount: 0, body: .scalar { _, _ in
            .text(trackedSQLiteSourceID)
        }),
    ]
}
