// This file implements the JSON document model behind the JSON functions: SQLite 3.40's
// RFC-7159 text parser (no JSON5), minified rendering, path lookup with append, and
// RFC-7396 merge patch. Layer: L4. Spec: Spec/L4-vdbe.md (§Functions, JSON).
import LoomBase
import LoomRecord

/// One parsed JSON element. Strings and numbers keep the bytes they were written with
/// (SQLite prints `"\u0041"` and `1.0e5` back unchanged); strings built from SQL text are
/// `isRaw` (unescaped, escaped when printed). Edits mark nodes instead of rebuilding.
final class JSONNode {
    enum Kind { case null, `true`, `false`, integer, real, string, array, object }
    var kind: Kind
    /// Number text, or string content between the quotes (escaped form unless `isRaw`).
    var text: [UInt8]
    var isRaw = false
    /// Array elements, or object member values.
    var children: [JSONNode] = []
    /// Object member labels (string nodes), parallel to `children`.
    var labels: [JSONNode] = []
    /// json_remove / json_patch deleted it: not printed, not counted by array indexes.
    var removed = false
    /// json_set / json_replace / json_insert: printed as this SQL value instead.
    var replacement: (value: Value, isJSON: Bool)?
    /// json_patch: the object's members as parsed (members past it were added by a patch).
    var patchBase: Int?

    init(_ kind: Kind, _ text: [UInt8] = []) {
        self.kind = kind
        self.text = text
    }

    var isContainer: Bool { kind == .array || kind == .object }
}

/// SQLite's error for text that is not JSON.
let malformedJSON = DatabaseError(.error, "malformed JSON")
let jsonBlobError = DatabaseError(.error, "JSON cannot hold BLOB values")

/// The deepest nesting SQLite accepts (JSON_MAX_DEPTH).
private let maximumDepth = 2000

@inline(__always) private func isJSONSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) private func isAlnum(_ c: UInt8) -> Bool {
    isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A)
}
@inline(__always) private func isHex(_ c: UInt8) -> Bool {
    isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66)
}

// MARK: Parsing

/// Parses a whole JSON text; nil when malformed (surrounding whitespace allowed).
func parseJSON(_ b: [UInt8]) -> JSONNode? {
    var i = 0
    let n = b.count
    func at(_ k: Int) -> UInt8 { k < n ? b[k] : 0 }
    func skipSpace() { while i < n, isJSONSpace(b[i]) { i += 1 } }

    /// A scalar at `i` (string, number, literal), advancing past it.
    func scalar() -> JSONNode? {
        let c = at(i)
        if c == UInt8(ascii: "\"") {
            var j = i + 1
            while true {
                let d = at(j)
                if d < 0x20 { return nil }  // control characters and the end of the text
                if d == UInt8(ascii: "\\") {
                    j += 1
                    let e = at(j)
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        break
                    case UInt8(ascii: "u"):
                        guard isHex(at(j + 1)), isHex(at(j + 2)), isHex(at(j + 3)), isHex(at(j + 4)) else { return nil }
                        j += 4
                    default:
                        return nil
                    }
                } else if d == UInt8(ascii: "\"") {
                    break
                }
                j += 1
            }
            let node = JSONNode(.string, Array(b[(i + 1) ..< j]))
            i = j + 1
            return node
        }
        if c == UInt8(ascii: "n") || c == UInt8(ascii: "t") || c == UInt8(ascii: "f") {
            let (word, kind): (StaticString, JSONNode.Kind) =
                c == UInt8(ascii: "n") ? ("null", .null) : (c == UInt8(ascii: "t") ? ("true", .true) : ("false", .false))
            let count = word.utf8CodeUnitCount
            let matches = word.withUTF8Buffer { w in
                i + count <= n && b[i ..< i + count].elementsEqual(w)
            }
            guard matches, !isAlnum(at(i + count)) else { return nil }
            i += count
            return JSONNode(kind)
        }
        guard c == UInt8(ascii: "-") || isDigit(c) else { return nil }
        let lead = c == UInt8(ascii: "-") ? i + 1 : i
        if at(lead) == UInt8(ascii: "0"), isDigit(at(lead + 1)) { return nil }
        var j = i + 1
        var seenPoint = false, seenExponent = false
        while true {
            let d = at(j)
            if isDigit(d) { j += 1; continue }
            if d == UInt8(ascii: ".") {
                if b[j - 1] == UInt8(ascii: "-") || seenPoint { return nil }
                seenPoint = true
                j += 1
                continue
            }
            if d == UInt8(ascii: "e") || d == UInt8(ascii: "E") {
                if b[j - 1] < UInt8(ascii: "0") || seenExponent { return nil }
                seenPoint = true
                seenExponent = true
                var e = at(j + 1)
                if e == UInt8(ascii: "+") || e == UInt8(ascii: "-") {
                    j += 1
                    e = at(j + 1)
                }
                if !isDigit(e) { return nil }
                j += 1
                continue
            }
            break
        }
        if b[j - 1] < UInt8(ascii: "0") { return nil }
        let node = JSONNode(seenPoint ? .real : .integer, Array(b[i ..< j]))
        i = j
        return node
    }

    // Iterative descent: `open` holds the containers being filled.
    var open: [JSONNode] = []
    var pendingLabel: [JSONNode?] = []
    var root: JSONNode?
    /// Reads `"label" :` inside an object.
    func label() -> JSONNode? {
        skipSpace()
        guard at(i) == UInt8(ascii: "\""), let l = scalar() else { return nil }
        skipSpace()
        guard at(i) == UInt8(ascii: ":") else { return nil }
        i += 1
        return l
    }
    parsing: while true {
        skipSpace()
        var value: JSONNode
        let c = at(i)
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
            let container = JSONNode(c == UInt8(ascii: "{") ? .object : .array)
            i += 1
            guard open.count < maximumDepth else { return nil }
            skipSpace()
            let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            if at(i) == close {
                i += 1
                value = container
            } else {
                open.append(container)
                if container.kind == .object {
                    guard let l = label() else { return nil }
                    pendingLabel.append(l)
                } else {
                    pendingLabel.append(nil)
                }
                continue parsing
            }
        } else {
            guard let s = scalar() else { return nil }
            value = s
        }
        // A value is complete: attach it, then close as many containers as end here.
        while true {
            guard let top = open.last else {
                root = value
                break parsing
            }
            if let l = pendingLabel[pendingLabel.count - 1] { top.labels.append(l) }
            top.children.append(value)
            skipSpace()
            let d = at(i)
            if d == UInt8(ascii: ",") {
                i += 1
                if top.kind == .object {
                    guard let l = label() else { return nil }
                    pendingLabel[pendingLabel.count - 1] = l
                }
                continue parsing
            }
            guard d == (top.kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
            i += 1
            open.removeLast()
            pendingLabel.removeLast()
            value = top
        }
    }
    skipSpace()
    return i == n ? root : nil
}

/// The JSON argument of a function: NULL gives nil (a NULL result), bad text throws.
/// The tree is the caller's to edit.
func jsonArgument(_ v: Value) throws -> JSONNode? {
    guard let text = v.isNull ? nil : v.blobValue else { return nil }
    guard let node = parseJSON(text) else { throw malformedJSON }
    return node
}

/// `jsonArgument` for functions that never modify the tree: served from the VM's cache of
/// the last few documents parsed.
func jsonArgumentForReading(_ v: Value, _ c: FunctionCallContext) throws -> JSONNode? {
    guard let text = v.isNull ? nil : v.blobValue else { return nil }
    let cache = c.scratch
    if let hit = cache.jsonCache.lastIndex(where: { $0.text == text }) { return cache.jsonCache[hit].root }
    guard let node = parseJSON(text) else { throw malformedJSON }
    if cache.jsonCache.count >= 4 { cache.jsonCache.removeFirst() }
    cache.jsonCache.append((text, node))
    return node
}

// MARK: Rendering

private let hexDigits = Array("0123456789abcdef".utf8)

/// SQL text as a JSON string literal (SQLite's jsonAppendString).
func appendJSONString<S: Sequence>(_ s: S, into out: inout [UInt8]) where S.Element == UInt8 {
    out.append(UInt8(ascii: "\""))
    for c in s {
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
        case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
        case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
        case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
        case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
        case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
        case 0 ..< 0x20:
            out.append(contentsOf: Array("\\u00".utf8))
            out.append(hexDigits[Int(c >> 4)])
            out.append(hexDigits[Int(c & 15)])
        default: out.append(c)
        }
    }
    out.append(UInt8(ascii: "\""))
}

/// An SQL value as JSON (SQLite's jsonAppendValue): text is quoted unless it carries the
/// JSON subtype; BLOBs are an error.
func appendSQLValueAsJSON(_ v: Value, isJSON: Bool, into out: inout [UInt8]) throws {
    switch v {
    case .null: out.append(contentsOf: Array("null".utf8))
    case .integer(let i): out.append(contentsOf: Array(String(i).utf8))
    case .real(let d): out.append(contentsOf: Array(renderReal(d).utf8))
    case .text(let s):
        if isJSON { out.append(contentsOf: s.utf8) } else { appendJSONString(s.utf8, into: &out) }
    case .blob: throw jsonBlobError
    }
}

extension JSONNode {
    /// Minified JSON text of the node, edits applied. Iterative: depth costs no stack.
    func render(into out: inout [UInt8]) throws {
        var open: [(node: JSONNode, next: Int, wroteAny: Bool)] = []
        try emit(into: &out, opening: &open)
        while let top = open.last {
            var k = top.next
            let node = top.node
            while k < node.children.count && node.children[k].removed { k += 1 }
            if k >= node.children.count {
                out.append(node.kind == .array ? UInt8(ascii: "]") : UInt8(ascii: "}"))
                open.removeLast()
                continue
            }
            open[open.count - 1].next = k + 1
            if top.wroteAny { out.append(UInt8(ascii: ",")) }
            open[open.count - 1].wroteAny = true
            if node.kind == .object {
                try node.labels[k].emit(into: &out, opening: &open)
                out.append(UInt8(ascii: ":"))
            }
            try node.children[k].emit(into: &out, opening: &open)
        }
    }

    /// Writes a scalar (or a replacement) whole, or a container's opening bracket and
    /// pushes it on `opening` for `render` to fill.
    private func emit(into out: inout [UInt8], opening: inout [(node: JSONNode, next: Int, wroteAny: Bool)]) throws {
        if let r = replacement {
            try appendSQLValueAsJSON(r.value, isJSON: r.isJSON, into: &out)
            return
        }
        switch kind {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .true: out.append(contentsOf: Array("true".utf8))
        case .false: out.append(contentsOf: Array("false".utf8))
        case .integer, .real: out.append(contentsOf: text)
        case .string:
            if isRaw {
                appendJSONString(text, into: &out)
            } else {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: text)
                out.append(UInt8(ascii: "\""))
            }
        case .array, .object:
            out.append(kind == .array ? UInt8(ascii: "[") : UInt8(ascii: "{"))
            opening.append((self, 0, false))
        }
    }

    func renderedText() throws -> String {
        var out: [UInt8] = []
        try render(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The node as an SQL value (SQLite's jsonReturn): numbers as INTEGER/REAL, strings
    /// unescaped, true/false as 1/0, containers as JSON text (`isJSON` then true).
    func sqlValue() throws -> (Value, isJSON: Bool) {
        if let r = replacement { return (r.value, r.isJSON) }
        switch kind {
        case .null: return (.null, false)
        case .true: return (.integer(1), false)
        case .false: return (.integer(0), false)
        case .integer:
            if let i = parseJSONInteger(text) { return (.integer(i), false) }
            return (.real(Double(String(decoding: text, as: UTF8.self)) ?? 0), false)
        case .real:
            return (.real(Double(String(decoding: text, as: UTF8.self)) ?? 0), false)
        case .string:
            if isRaw || !text.contains(UInt8(ascii: "\\")) { return (.text(String(decoding: text, as: UTF8.self)), false) }
            return (.text(String(decoding: unescapeJSONString(text), as: UTF8.self)), false)
        case .array, .object:
            return (.text(try renderedText()), true)
        }
    }

    /// The type name json_type() reports.
    var typeName: String {
        switch kind {
        case .null: return "null"
        case .true: return "true"
        case .false: return "false"
        case .integer: return "integer"
        case .real: return "real"
        case .string: return "text"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON integer that fits Int64 (-9223372036854775808 included); nil otherwise.
private func parseJSONInteger(_ t: [UInt8]) -> Int64? {
    let negative = t.first == UInt8(ascii: "-")
    var magnitude: UInt64 = 0
    for c in t.dropFirst(negative ? 1 : 0) {
        guard isDigit(c) else { return nil }
        let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (m2, o2) = m1.addingReportingOverflow(UInt64(c - 0x30))
        if o1 || o2 { return nil }
        magnitude = m2
    }
    if negative {
        if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
        return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
    }
    return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
}

private func hexValue(_ t: [UInt8], _ k: Int) -> UInt32 {
    var v: UInt32 = 0
    for j in k ..< min(k + 4, t.count) {
        let c = t[j]
        let d: UInt32 = isDigit(c) ? UInt32(c - 0x30) : UInt32((c | 0x20) - 0x61 + 10)
        v = v << 4 | d
    }
    return v
}

/// Decodes a string's escapes to UTF-8 (surrogate pairs joined; `\u0000` ends the text,
/// as in SQLite 3.40).
private func unescapeJSONString(_ t: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(t.count)
    var i = 0
    while i < t.count {
        let c = t[i]
        if c != UInt8(ascii: "\\") {
            out.append(c)
            i += 1
            continue
        }
        i += 1
        guard i < t.count else { break }
        let e = t[i]
        if e == UInt8(ascii: "u") {
            var v = hexValue(t, i + 1)
            i += 4
            if v == 0 { break }
            if v <= 0x7F {
                out.append(UInt8(v))
            } else if v <= 0x7FF {
                out.append(UInt8(0xC0 | (v >> 6)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            } else if v & 0xFC00 == 0xD800, i + 6 < t.count, t[i + 1] == UInt8(ascii: "\\"), t[i + 2] == UInt8(ascii: "u"),
                      hexValue(t, i + 3) & 0xFC00 == 0xDC00 {
                v = ((v & 0x3FF) << 10) + (hexValue(t, i + 3) & 0x3FF) + 0x10000
                i += 6
                out.append(UInt8(0xF0 | (v >> 18)))
                out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            } else {
                out.append(UInt8(0xE0 | (v >> 12)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            }
        } else {
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            default: out.append(e)
            }
        }
        i += 1
    }
    return out
}

// MARK: Paths

/// "JSON path error near '…'" with SQLite's `%q` quoting.
func jsonPathError(_ near: ArraySlice<UInt8>) -> DatabaseError {
    var s = ""
    for ch in String(decoding: near, as: UTF8.self).unicodeScalars {
        s.unicodeScalars.append(ch)
        if ch == "'" { s += "'" }
    }
    return DatabaseError(.error, "JSON path error near '\(s)'")
}

/// Path lookup as SQLite 3.40 does it: the path is checked only as far as the walk gets,
/// so a bad tail after a missing element is no error. Iterative, so long paths cannot
/// exhaust the stack.
struct JSONPathWalker {
    /// Create missing object members and `[#]`/`[0]` array slots on the way (json_set/insert).
    var appending = false
    /// Set when the node returned was created by this walk.
    var appended = false

    /// The node at `path` (which must start with `$`); nil when absent. Throws path errors.
    mutating func lookup(_ root: JSONNode, _ path: [UInt8]) throws -> JSONNode? {
        appended = false
        guard path.first == UInt8(ascii: "$") else { throw jsonPathError(path[...]) }
        var node = root
        var p = path[1...]
        var depth = 0
        while let first = p.first {
            if node.replacement != nil { return nil }
            if first == UInt8(ascii: ".") {
                guard node.kind == .object else { return nil }
                let (key, rest) = try Self.objectKey(p)
                if let k = node.labels.firstIndex(where: { $0.text.elementsEqual(key) }) {
                    node = node.children[k]
                    p = rest
                    depth += 1
                    continue
                }
                guard appending else { return nil }
                return try appendChain(into: node, label: key, rest: rest, depth: depth)
            }
            guard first == UInt8(ascii: "[") else { throw jsonPathError(p) }
            guard let (index, rest) = try Self.arrayIndex(p, in: node) else { return nil }
            guard node.kind == .array else { return nil }
            var remaining = index
            var found: JSONNode?
            for c in node.children where !c.removed {
                if remaining == 0 { found = c; break }
                remaining -= 1
            }
            if let found {
                node = found
                p = rest
                depth += 1
                continue
            }
            guard remaining == 0, appending else { return nil }
            return try appendChain(into: node, label: nil, rest: rest, depth: depth)
        }
        return node
    }

    /// `.key` or `."key"` at the start of `p`: the key bytes and what follows.
    private static func objectKey(_ p: ArraySlice<UInt8>) throws -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        let rest = p.dropFirst()
        if rest.first == UInt8(ascii: "\"") {
            let body = rest.dropFirst()
            guard let close = body.firstIndex(of: UInt8(ascii: "\"")) else { throw jsonPathError(rest) }
            return (body[body.startIndex ..< close], body[(close + 1)...])
        }
        let end = rest.firstIndex(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "[") }) ?? rest.endIndex
        let key = rest[rest.startIndex ..< end]
        if key.isEmpty { throw jsonPathError(rest) }
        return (key, rest[end...])
    }

    /// `[N]`, `[#]` or `[#-N]` at the start of `p`: the element index (counting only elements
    /// not removed) and what follows; nil when `#` is used on a non-array or `#-N` is out
    /// of range.
    private static func arrayIndex(_ p: ArraySlice<UInt8>, in node: JSONNode) throws -> (Int, ArraySlice<UInt8>)? {
        let s = p.startIndex
        func at(_ k: Int) -> UInt8 { s + k < p.endIndex ? p[s + k] : 0 }
        var index = 0
        var j = 1
        while isDigit(at(j)) {
            index = index &* 10 &+ Int(at(j) - 0x30)
            j += 1
        }
        if j < 2 || at(j) != UInt8(ascii: "]") {
            guard at(1) == UInt8(ascii: "#") else { throw jsonPathError(p) }
            guard node.kind == .array else { return nil }
            index = node.children.reduce(0) { $0 + ($1.removed ? 0 : 1) }
            j = 2
            if at(2) == UInt8(ascii: "-"), isDigit(at(3)) {
                var back = 0
                j = 3
                while isDigit(at(j)) {
                    back = back &* 10 &+ Int(at(j) - 0x30)
                    j += 1
                }
                if back > index { return nil }
                index -= back
            }
            if at(j) != UInt8(ascii: "]") { throw jsonPathError(p) }
        }
        return (index, p[(s + j + 1)...])
    }

    /// Builds the missing tail of a path below `parent` (a member `label`, or a new last
    /// element): `.key` makes objects, `[0]` arrays, the end a null leaf to be set. Nothing
    /// is linked unless the whole tail can be built.
    /// `depth`: levels above `parent`. A tail that would nest deeper than 2000 levels (the
    /// parser's limit) is refused with "JSON path too deep" (SQLite overflows its stack).
    private mutating func appendChain(into parent: JSONNode, label: ArraySlice<UInt8>?,
                                      rest: ArraySlice<UInt8>, depth: Int) throws -> JSONNode? {
        appended = true
        var links: [(parent: JSONNode, label: ArraySlice<UInt8>?)] = [(parent, label)]
        var rest = rest
        var made: [JSONNode] = []
        while true {
            let child: JSONNode
            if rest.isEmpty {
                child = JSONNode(.null)
            } else if rest.first == UInt8(ascii: ".") {
                child = JSONNode(.object)
            } else if rest.starts(with: Array("[0]".utf8)) {
                child = JSONNode(.array)
            } else {
                return nil
            }
            made.append(child)
            if depth + made.count > maximumDepth { throw DatabaseError(.error, "JSON path too deep") }
            if rest.isEmpty { break }
            if child.kind == .object {
                let (key, after) = try Self.objectKey(rest)
                links.append((child, key))
                rest = after
            } else {
                links.append((child, nil))
                rest = rest.dropFirst(3)
            }
        }
        for (k, link) in links.enumerated() {
            if let key = link.label {
                let l = JSONNode(.string, Array(key))
                l.isRaw = true
                link.parent.labels.append(l)
            }
            link.parent.children.append(made[k])
        }
        return made.last
    }
}

// MARK: Merge patch

/// RFC 7396 MergePatch as SQLite 3.40 applies it (first matching label only; a label
/// patched by a non-object is not patched again). Returns the node that replaces `target`.
func jsonMergePatch(_ target: JSONNode, _ patch: JSONNode) -> JSONNode {
    guard patch.kind == .object else { return patch }
    guard target.kind == .object else {
        removeAllNulls(patch)
        return patch
    }
    // Only the parsed members are matched; a later patch of the same object that adds
    // members drops those an earlier one added (SQLite 3.40 relinks its append chain).
    let originalCount = target.patchBase ?? target.children.count
    target.patchBase = originalCount
    var addedHere = false
    var replaced = Set<Int>()
    for (k, value) in zip(patch.labels, patch.children) {
        if let j = (0 ..< originalCount).first(where: { target.labels[$0].text == k.text && target.labels[$0].isRaw == k.isRaw }) {
            if target.children[j].removed || replaced.contains(j) { continue }
            if value.kind == .null {
                target.children[j].removed = true
            } else {
                let merged = jsonMergePatch(target.children[j], value)
                if merged !== target.children[j] {
                    target.children[j] = merged
                    replaced.insert(j)
                }
            }
        } else if value.kind != .null {
            removeAllNulls(patch)
            if !addedHere {
                target.labels.removeSubrange(originalCount...)
                target.children.removeSubrange(originalCount...)
                addedHere = true
            }
            target.labels.append(k)
            target.children.append(value)
        }
    }
    return target
}

private func removeAllNulls(_ object: JSONNode) {
    for c in object.children {
        if c.kind == .null { c.removed = true } else if c.kind == .object { removeAllNulls(c) }
    }
}
