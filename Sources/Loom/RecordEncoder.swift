// This file implements the Encoder that turns an Encodable record into columns: each stored
// property is one column; a nested Encodable value (a struct, an array) is one JSON text column.
// Layer: L7. Spec: Spec/L7-api.md §Records.

/// One encoded value, before it becomes a column or JSON.
enum EncodedNode {
    /// A JSON scalar from a primitive encode (Bool, numbers, String, nil).
    case json(JSONValue)
    /// A DatabaseValueConvertible value (`[UInt8]`, a RawRepresentable enum, …).
    case database(DatabaseValue)
    case object(EncodedObject)
    case array(EncodedArray)
    /// A sub-encoder (superEncoder) whose value is read when the tree is converted.
    case deferred(TreeEncoder)
}

final class EncodedObject {
    var keys: [String] = []
    var nodes: [EncodedNode] = []

    func set(_ key: String, _ node: EncodedNode) {
        if let i = keys.lastIndex(of: key) {
            nodes[i] = node
        } else {
            keys.append(key)
            nodes.append(node)
        }
    }
}

final class EncodedArray {
    var nodes: [EncodedNode] = []
}

extension EncodedNode {
    /// The node as JSON (nested values).
    var json: JSONValue {
        switch self {
        case .json(let v): return v
        case .database(let dv):
            switch dv {
            case .null: return .null
            case .integer(let i): return .integer(i)
            case .real(let d): return .double(d)
            case .text(let s): return .string(s)
            case .blob(let b): return .array(b.map { .integer(Int64($0)) })
            }
        case .object(let o):
            return .object(JSONObject(keys: o.keys, values: o.nodes.map(\.json)))
        case .array(let a):
            return .array(a.nodes.map(\.json))
        case .deferred(let encoder):
            return (encoder.result ?? .object(EncodedObject())).json
        }
    }

    /// The node as one column value: scalars as themselves, nested values as JSON text.
    func databaseValue() throws -> DatabaseValue {
        switch self {
        case .json(let v):
            switch v {
            case .null: return .null
            case .bool(let b): return .integer(b ? 1 : 0)
            case .integer(let i): return .integer(i)
            case .double(let d): return .real(d)
            case .string(let s): return .text(s)
            case .array, .object: return .text(try v.serialized())
            }
        case .database(let dv): return dv
        case .object, .array: return .text(try json.serialized())
        case .deferred(let encoder): return try (encoder.result ?? .object(EncodedObject())).databaseValue()
        }
    }
}

/// Encodes any Encodable value into an `EncodedNode` tree.
final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var result: EncodedNode?

    init(codingPath: [any CodingKey] = []) {
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: EncodedObject
        if case .object(let existing) = result {
            object = existing
        } else {
            object = EncodedObject()
            result = .object(object)
        }
        return KeyedEncodingContainer(TreeKeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: EncodedArray
        if case .array(let existing) = result {
            array = existing
        } else {
            array = EncodedArray()
            result = .array(array)
        }
        return TreeUnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        TreeSingleValueContainer(encoder: self)
    }

    /// The node for `value`: a convertible value as its database value, else its own encoding.
    static func node<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> EncodedNode {
        if let convertible = value as? any DatabaseValueConvertible {
            return .database(convertible.databaseValue)
        }
        let encoder = TreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.result ?? .object(EncodedObject())
    }
}

private struct TreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: EncodedObject
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { object.set(key.stringValue, .json(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { object.set(key.stringValue, .json(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { object.set(key.stringValue, .json(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { object.set(key.stringValue, .json(.double(value))) }
    mutating func encode(_ value: Float, forKey key: Key) throws { object.set(key.stringValue, .json(.double(Double(value)))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { object.set(key.stringValue, .json(.integer(Int64(value)))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { object.set(key.stringValue, .database(value.databaseValue)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { object.set(key.stringValue, .database(value.databaseValue)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(key.stringValue, try TreeEncoder.node(value, codingPath: codingPath + [key]))
    }

    // A nil optional is stored as NULL (the default implementations would leave the column out,
    // and an UPDATE would then keep the old value).
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        object.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        object.set(key.stringValue, .array(nested))
        return TreeUnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath)
        object.set("super", .deferred(encoder))
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath + [key])
        object.set(key.stringValue, .deferred(encoder))
        return encoder
    }
}

private struct TreeUnkeyedContainer: UnkeyedEncodingContainer {
    let array: EncodedArray
    let codingPath: [any CodingKey]
    var count: Int { array.nodes.count }

    mutating func encodeNil() throws { array.nodes.append(.json(.null)) }
    mutating func encode(_ value: Bool) throws { array.nodes.append(.json(.bool(value))) }
    mutating func encode(_ value: String) throws { array.nodes.append(.json(.string(value))) }
    mutating func encode(_ value: Double) throws { array.nodes.append(.json(.double(value))) }
    mutating func encode(_ value: Float) throws { array.nodes.append(.json(.double(Double(value)))) }
    mutating func encode(_ value: Int) throws { array.nodes.append(.json(.integer(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { array.nodes.append(.json(.integer(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        array.nodes.append(try TreeEncoder.node(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        array.nodes.append(.object(nested))
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [IndexKey(count - 1)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        array.nodes.append(.array(nested))
        return TreeUnkeyedContainer(array: nested, codingPath: codingPath + [IndexKey(count - 1)])
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath + [IndexKey(count)])
        array.nodes.append(.deferred(encoder))
        return encoder
    }
}

private struct TreeSingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.result = .json(.null) }
    mutating func encode(_ value: Bool) throws { encoder.result = .json(.bool(value)) }
    mutating func encode(_ value: String) throws { encoder.result = .json(.string(value)) }
    mutating func encode(_ value: Double) throws { encoder.result = .json(.double(value)) }
    mutating func encode(_ value: Float) throws { encoder.result = .json(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { encoder.result = .json(.integer(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { encoder.result = .json(.integer(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { encoder.result = .database(value.databaseValue) }
    mutating func encode(_ value: UInt) throws { encoder.result = .database(value.databaseValue) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.result = try TreeEncoder.node(value, codingPath: codingPath)
    }
}

/// An integer coding key (array positions in coding paths).
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map(String.init) ?? "" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
}

/// A string coding key (JSON object keys in coding paths).
struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
