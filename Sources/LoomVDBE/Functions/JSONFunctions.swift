// This file implements SQLite 3.40's JSON SQL functions (json1.html): json, json_array,
// json_array_length, json_extract, -> and ->>, json_insert/replace/set, json_remove,
// json_object, json_patch, json_type, json_valid, json_quote and the json_group_array /
// json_group_object aggregates' steps. Layer: L4. Spec: Spec/L4-vdbe.md (§Functions, JSON).
import LoomBase
import LoomRecord

private typealias Args = ArraySlice<Value>

@inline(__always)
private func arg(_ a: Args, _ i: Int) -> Value {
    let j = a.startIndex + i
    return j < a.endIndex ? a[j] : .null
}

private func json(_ name: String, _ argc: Int, min: Int = 0,
                  _ body: @escaping ScalarImplementation) -> FunctionDefinition {
    FunctionDefinition(name: name, argumentCount: argc, minimumArgumentCount: min,
                       usesSubtypes: true, body: .scalar(body))
}

/// A text result carrying the JSON subtype.
private func jsonResult(_ out: [UInt8], _ c: FunctionCallContext) -> Value {
    c.setResultJSON()
    return .text(String(decoding: out, as: UTF8.self))
}

private func jsonResult(_ node: JSONNode, _ c: FunctionCallContext) throws -> Value {
    var out: [UInt8] = []
    try node.render(into: &out)
    return jsonResult(out, c)
}

/// A path argument's bytes (nil for NULL).
private func pathBytes(_ v: Value) -> [UInt8]? { v.isNull ? nil : v.blobValue }

/// json_insert / json_replace / json_set.
private func edit(_ name: String, create: Bool, overwrite: Bool) -> FunctionDefinition {
    json(name, -1) { a, c in
        if a.isEmpty { return .null }
        if a.count % 2 == 0 { throw DatabaseError(.error, "\(name)() needs an odd number of arguments") }
        guard let root = try jsonArgument(arg(a, 0)) else { return .null }
        var walker = JSONPathWalker()
        walker.appending = create
        var k = 1
        while k + 1 < a.count {
            if let path = pathBytes(arg(a, k)), let node = try walker.lookup(root, path) {
                if walker.appended || overwrite {
                    node.replacement = (arg(a, k + 1), c.argumentIsJSON(k + 1))
                }
            }
            k += 2
        }
        if let r = root.replacement {
            if r.isJSON { c.setResultJSON() }
            return r.value
        }
        return try jsonResult(root, c)
    }
}

/// `->` and `->>`: the right operand may be a path, a label or an array index.
private func arrow(_ name: String, asJSON: Bool) -> FunctionDefinition {
    json(name, 2) { a, c in
        guard let root = try jsonArgumentForReading(arg(a, 0), c), var path = pathBytes(arg(a, 1)) else { return .null }
        if path.first != UInt8(ascii: "$") {
            if let f = path.first, f >= 0x30 && f <= 0x39 {
                path = Array("$[".utf8) + path + Array("]".utf8)
            } else {
                path = (path.first == UInt8(ascii: "[") ? Array("$".utf8) : Array("$.".utf8)) + path
            }
        }
        var walker = JSONPathWalker()
        guard let node = try walker.lookup(root, path) else { return .null }
        if asJSON { return try jsonResult(node, c) }
        return try node.sqlValue().0
    }
}

func builtinJSONFunctions() -> [FunctionDefinition] {
    var f: [FunctionDefinition] = []
    f.append(json("json", 1) { a, c in
        guard let root = try jsonArgumentForReading(arg(a, 0), c) else { return .null }
        return try jsonResult(root, c)
    })
    f.append(json("json_valid", 1) { a, _ in
        guard let b = pathBytes(arg(a, 0)) else { return .integer(0) }
        return .integer(parseJSON(b) == nil ? 0 : 1)
    })
    f.append(json("json_quote", 1) { a, c in
        var out: [UInt8] = []
        try appendSQLValueAsJSON(arg(a, 0), isJSON: c.argumentIsJSON(0), into: &out)
        return jsonResult(out, c)
    })
    f.append(json("json_array", -1) { a, c in
        var out: [UInt8] = [UInt8(ascii: "[")]
        for k in 0 ..< a.count {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            try appendSQLValueAsJSON(arg(a, k), isJSON: c.argumentIsJSON(k), into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return jsonResult(out, c)
    })
    f.append(json("json_object", -1) { a, c in
        if a.count % 2 != 0 { throw DatabaseError(.error, "json_object() requires an even number of arguments") }
        var out: [UInt8] = [UInt8(ascii: "{")]
        var k = 0
        while k < a.count {
            guard case .text(let label) = arg(a, k) else {
                throw DatabaseError(.error, "json_object() labels must be TEXT")
            }
            if k > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(label.utf8, into: &out)
            out.append(UInt8(ascii: ":"))
            try appendSQLValueAsJSON(arg(a, k + 1), isJSON: c.argumentIsJSON(k + 1), into: &out)
            k += 2
        }
        out.append(UInt8(ascii: "}"))
        return jsonResult(out, c)
    })
    for argc in [1, 2] {
        f.append(json("json_array_length", argc) { a, c in
            guard let root = try jsonArgumentForReading(arg(a, 0), c) else { return .null }
            var node: JSONNode? = root
            if argc == 2 {
                guard let path = pathBytes(arg(a, 1)) else { return .null }
                var walker = JSONPathWalker()
                node = try walker.lookup(root, path)
            }
            guard let node else { return .null }
            return .integer(node.kind == .array ? Int64(node.children.count) : 0)
        })
        f.append(json("json_type", argc) { a, c in
            guard let root = try jsonArgumentForReading(arg(a, 0), c) else { return .null }
            var node: JSONNode? = root
            if argc == 2 {
                guard let path = pathBytes(arg(a, 1)) else { return .null }
                var walker = JSONPathWalker()
                node = try walker.lookup(root, path)
            }
            return node.map { .text($0.typeName) } ?? .null
        })
    }
    f.append(json("json_extract", -1) { a, c in
        if a.count < 2 { return .null }
        guard let root = try jsonArgumentForReading(arg(a, 0), c) else { return .null }
        var walker = JSONPathWalker()
        if a.count == 2 {
            guard let path = pathBytes(arg(a, 1)), let node = try walker.lookup(root, path) else { return .null }
            let (v, isJSON) = try node.sqlValue()
            if isJSON { c.setResultJSON() }
            return v
        }
        var out: [UInt8] = [UInt8(ascii: "[")]
        for k in 1 ..< a.count {
            if k > 1 { out.append(UInt8(ascii: ",")) }
            if let path = pathBytes(arg(a, k)), let node = try walker.lookup(root, path) {
                try node.render(into: &out)
            } else {
                out.append(contentsOf: Array("null".utf8))
            }
        }
        out.append(UInt8(ascii: "]"))
        return jsonResult(out, c)
    })
    f.append(arrow("->", asJSON: true))
    f.append(arrow("->>", asJSON: false))
    f.append(edit("json_insert", create: true, overwrite: false))
    f.append(edit("json_replace", create: false, overwrite: true))
    f.append(edit("json_set", create: true, overwrite: true))
    f.append(json("json_remove", -1) { a, c in
        if a.isEmpty { return .null }
        guard let root = try jsonArgument(arg(a, 0)) else { return .null }
        var walker = JSONPathWalker()
        for k in 1 ..< a.count {
            guard let path = pathBytes(arg(a, k)) else { return .null }
            if let node = try walker.lookup(root, path) { node.removed = true }
        }
        if root.removed { return .null }
        return try jsonResult(root, c)
    })
    f.append(json("json_patch", 2) { a, c in
        guard let target = try jsonArgument(arg(a, 0)), let patch = try jsonArgument(arg(a, 1)) else { return .null }
        return try jsonResult(jsonMergePatch(target, patch), c)
    })
    f.append(FunctionDefinition(name: "json_group_array", argumentCount: 1, usesSubtypes: true,
                                body: .aggregate(.jsonGroupArray)))
    f.append(FunctionDefinition(name: "json_group_object", argumentCount: 2, usesSubtypes: true,
                                body: .aggregate(.jsonGroupObject)))
    return f
}

extension AggregateState {
    /// One json_group_array / json_group_object step: the element appended to `text`
    /// (the opening bracket on the first row). A BLOB is remembered and thrown at the end.
    func jsonStep(_ args: ArraySlice<Value>) {
        if jsonError != nil { return }
        text.append(count == 0 ? (kind == .jsonGroupArray ? UInt8(ascii: "[") : UInt8(ascii: "{")) : UInt8(ascii: ","))
        count += 1
        let first = args.first ?? .null
        do {
            if kind == .jsonGroupArray {
                try appendSQLValueAsJSON(first, isJSON: argumentSubtypes.contains(0), into: &text)
            } else {
                if let label = first.isNull ? nil : first.blobValue { appendJSONString(label, into: &text) }
                text.append(UInt8(ascii: ":"))
                let value = args.count > 1 ? args[args.startIndex + 1] : .null
                try appendSQLValueAsJSON(value, isJSON: argumentSubtypes.contains(1), into: &text)
            }
        } catch {
            jsonError = error as? DatabaseError ?? jsonBlobError
        }
    }

    /// The aggregate's JSON text.
    func jsonFinal() throws -> Value {
        if let jsonError { throw jsonError }
        if count == 0 { return .text(kind == .jsonGroupArray ? "[]" : "{}") }
        return .text(String(decoding: text + [kind == .jsonGroupArray ? UInt8(ascii: "]") : UInt8(ascii: "}")], as: UTF8.self))
    }
}
