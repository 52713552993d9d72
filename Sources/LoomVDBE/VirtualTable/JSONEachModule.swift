// This file implements json_each and json_tree, the JSON table-valued functions: one row per
// child (json_each) or per node of the subtree (json_tree) with SQLite 3.40's key, value,
// type, atom, id, parent, fullkey and path columns and hidden json/root arguments.
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables (built-in modules).
import LoomBase
import LoomRecord

/// json_each / json_tree (json1.html §4.20, behaviour checked against sqlite3 3.40):
/// - `id` numbers the nodes of the whole document in pre-order, an object member's label
///   counting as a node before its value (so ids match SQLite's parse array).
/// - json_each: `fullkey` is the root path as written plus `.label` / `[i]`; `path` the
///   root path; `parent` NULL. A scalar at the root path gives one row with key NULL.
/// - json_tree: `fullkey`/`path` are rebuilt from the tree (`$."a"` prints as `$.a`); array
///   indexes of the start node and its ancestors print as `[0]` (3.40 prints the index of
///   the array's walk, never started there); the start row's key is its label when it is a
///   container inside an object, else NULL; its parent is NULL.
/// - Labels print bare when they are ASCII letter + letters/digits, else `."raw label"`.
final class JSONEachModule: VirtualTableModule {
    let recursive: Bool
    init(recursive: Bool) { self.recursive = recursive }
    var kind: VirtualTableModuleKind { .eponymousOnly }
    func connect(_ context: VirtualTableContext) throws -> any VirtualTable { JSONEachTable(recursive: recursive) }
}

final class JSONEachTable: VirtualTable {
    let recursive: Bool
    init(recursive: Bool) { self.recursive = recursive }

    var declaredSchema: String {
        "CREATE TABLE x(key,value,type,atom,id,parent,fullkey,path,json HIDDEN,root HIDDEN)"
    }

    static let jsonColumn = 8, rootColumn = 9

    /// idxNum: 0 no JSON (no rows, cost 1e99), 1 json, 3 json and root.
    func bestIndex(_ info: inout IndexInfo) throws {
        var json: Int?, root: Int?
        var unusable = 0
        for (i, c) in info.constraints.enumerated() where c.op == .eq {
            guard c.column == Self.jsonColumn || c.column == Self.rootColumn else { continue }
            let bit = c.column == Self.jsonColumn ? 1 : 2
            if !c.usable { unusable |= bit; continue }
            if c.column == Self.jsonColumn { json = json ?? i } else { root = root ?? i }
        }
        var have = 0
        if json != nil { have |= 1 }
        if root != nil { have |= 2 }
        if unusable & ~have != 0 { throw VirtualTableConstraintError() }
        guard let json else {
            info.indexNumber = 0
            info.estimatedCost = 1e99
            return
        }
        info.estimatedCost = 1
        info.constraintUsage[json] = IndexInfo.ConstraintUsage(argvIndex: 1, omit: true)
        if let root {
            info.constraintUsage[root] = IndexInfo.ConstraintUsage(argvIndex: 2, omit: true)
            info.indexNumber = 3
        } else {
            info.indexNumber = 1
        }
    }

    func open() throws -> any VirtualTableCursor { JSONEachCursor(recursive: recursive) }

    func columnIsJSON(_ column: Int, cursor: any VirtualTableCursor) -> Bool {
        guard column == 1, let c = cursor as? JSONEachCursor else { return false }
        return c.currentIsContainer
    }
}

final class JSONEachCursor: VirtualTableCursor {
    /// One node of the document in pre-order.
    struct Flat {
        var node: JSONNode
        var id: Int
        /// Index in `flat` of the container holding it (-1 for the root).
        var parent: Int
        /// The label node (object members) or the element index (arrays).
        var label: JSONNode?
        var index: Int
    }
    struct Row {
        var flat: Int
        var key: Value
        var fullkey: String
        var path: String
        var parent: Value
    }

    let recursive: Bool
    private var flat: [Flat] = []
    private var rows: [Row] = []
    private var position = 0
    private var jsonText: Value = .null
    private var rootText: Value = .null

    init(recursive: Bool) { self.recursive = recursive }

    var eof: Bool { position >= rows.count }
    var currentIsContainer: Bool { !eof && flat[rows[position].flat].node.isContainer }

    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        rows = []
        flat = []
        position = 0
        guard indexNumber != 0, let json = arguments.first, !json.isNull, let bytes = json.blobValue else { return }
        guard let root = parseJSON(bytes) else { throw malformedJSON }
        jsonText = json
        var rootPath: [UInt8] = Array("$".utf8)
        if indexNumber & 2 != 0, arguments.count > 1 {
            guard let r = arguments[1].blobValue, !arguments[1].isNull else { return }
            rootPath = r
        }
        rootText = .text(String(decoding: rootPath, as: UTF8.self))
        var walker = JSONPathWalker()
        guard let start = try walker.lookup(root, rootPath) else { return }
        flatten(root)
        guard let s = flat.firstIndex(where: { $0.node === start }) else { return }
        let pathString = String(decoding: rootPath, as: UTF8.self)
        if recursive {
            walkTree(from: s)
        } else if start.isContainer {
            for k in children(of: s) {
                rows.append(Row(flat: k, key: key(of: k), fullkey: pathString + part(k, index: flat[k].index),
                                path: pathString, parent: .null))
            }
        } else {
            rows.append(Row(flat: s, key: .null, fullkey: pathString, path: pathString, parent: .null))
        }
    }

    /// Pre-order numbering of the whole document (labels take an id of their own).
    private func flatten(_ root: JSONNode) {
        var id = 0
        // Iterative: (node, parent flat index, label, index).
        var stack: [(JSONNode, Int, JSONNode?, Int)] = [(root, -1, nil, 0)]
        while let (node, parent, label, index) = stack.popLast() {
            if label != nil { id += 1 }
            flat.append(Flat(node: node, id: id, parent: parent, label: label, index: index))
            id += 1
            let me = flat.count - 1
            guard node.isContainer else { continue }
            var pending: [(JSONNode, Int, JSONNode?, Int)] = []
            var i = 0
            for (k, child) in node.children.enumerated() where !child.removed {
                pending.append((child, me, node.kind == .object && k < node.labels.count ? node.labels[k] : nil, i))
                i += 1
            }
            stack.append(contentsOf: pending.reversed())
        }
    }

    private func children(of i: Int) -> [Int] {
        // Children follow their container in pre-order; direct ones have it as parent.
        var out: [Int] = []
        var k = i + 1
        while k < flat.count, isDescendant(k, of: i) {
            if flat[k].parent == i { out.append(k) }
            k += 1
        }
        return out
    }

    private func isDescendant(_ k: Int, of i: Int) -> Bool {
        var p = flat[k].parent
        while p >= 0 {
            if p == i { return true }
            if p < i { return false }
            p = flat[p].parent
        }
        return false
    }

    private func key(of k: Int) -> Value {
        let f = flat[k]
        if let label = f.label { return (try? label.sqlValue().0) ?? .null }
        return .integer(Int64(f.index))
    }

    /// `.label`, `."label"` or `[i]` for node `k` inside its container.
    private func part(_ k: Int, index: Int) -> String {
        if let label = flat[k].label {
            let raw = label.text
            let bare = !raw.isEmpty && Self.isAlpha(raw[0]) && raw.allSatisfy { Self.isAlpha($0) || ($0 >= 0x30 && $0 <= 0x39) }
            let text = label.isRaw ? Self.escaped(raw) : String(decoding: raw, as: UTF8.self)
            return bare ? "." + String(decoding: raw, as: UTF8.self) : ".\"" + text + "\""
        }
        return "[\(index)]"
    }

    private static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    private static func escaped(_ raw: [UInt8]) -> String {
        var out: [UInt8] = []
        appendJSONString(raw, into: &out)
        return String(decoding: out.dropFirst().dropLast(), as: UTF8.self)
    }

    /// json_tree's rows: the start node, then its subtree in pre-order.
    private func walkTree(from s: Int) {
        // The start node's fullkey: rebuilt from the root, array indexes as [0].
        var parts: [String] = []
        var k = s
        while flat[k].parent >= 0 {
            parts.append(part(k, index: 0))
            k = flat[k].parent
        }
        let startKey = "$" + parts.reversed().joined()
        let parentKey = flat[s].parent >= 0 ? "$" + parts.dropFirst().reversed().joined() : "$"
        let startNode = flat[s].node
        var key: Value = .null
        if startNode.isContainer, let label = flat[s].label, flat[s].parent >= 0 {
            key = (try? label.sqlValue().0) ?? .null
        }
        rows.append(Row(flat: s, key: key, fullkey: startKey, path: parentKey, parent: .null))
        var fullkeys: [Int: String] = [s: startKey]
        var i = s + 1
        while i < flat.count, isDescendant(i, of: s) {
            let p = flat[i].parent
            let base = fullkeys[p] ?? "$"
            let fk = base + part(i, index: flat[i].index)
            if flat[i].node.isContainer { fullkeys[i] = fk }
            rows.append(Row(flat: i, key: self.key(of: i), fullkey: fk, path: base, parent: .integer(Int64(flat[p].id))))
            i += 1
        }
    }

    func next() throws { position += 1 }

    func column(_ i: Int) throws -> Value {
        guard !eof else { return .null }
        let row = rows[position]
        let node = flat[row.flat].node
        switch i {
        case 0: return row.key
        case 1: return try node.sqlValue().0
        case 2: return .text(node.typeName)
        case 3: return node.isContainer ? .null : try node.sqlValue().0
        case 4: return .integer(Int64(flat[row.flat].id))
        case 5: return row.parent
        case 6: return .text(row.fullkey)
        case 7: return .text(row.path)
        case 8: return jsonText
        case 9: return rootText
        default: return .null
        }
    }

    func rowid() throws -> Int64 { Int64(position) }
}
