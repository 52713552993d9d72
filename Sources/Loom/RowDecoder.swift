// This file implements the Decoders that build a Decodable record from a Row: each property
// reads its column; a nested Decodable value reads JSON text from its column.
// Layer: L7. Spec: Spec/L7-api.md §Records.
import Glibc

/// Decodes a record from a row: the top-level keyed container reads columns by name.
/// It holds only its state (one reference: cheap to box in `any Decoder`).
struct RowDecoder: Decoder {
    let state: RowDecodingState
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// A decoder for `row` on its own.
    init(row: Row) { state = RowDecodingState(row: row) }

    /// A decoder for a record built from `row`: bound to the row's fetch context when it
    /// may be (see RowDecodingState), else on its own.
    init(decoding row: Row) {
        if let context = row.decodingContext, context.bind(row) {
            state = context
        } else {
            state = RowDecodingState(row: row)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if state.isFetchContext { return state.boundContainer(keyedBy: Key.self) }
        return KeyedDecodingContainer(RowKeyedContainer<Key>(state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        JSONUnkeyedContainer(items: state.values.map(\.jsonForDecoding), codingPath: [])
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        let values = state.values
        guard values.count == 1 else {
            throw RowDecodingError.decodingFailed(type: "single value", detail: "a row of \(values.count) columns is not a single value")
        }
        return ColumnDecoder(value: values[0], column: state.layout.names[0], codingPath: [])
    }
}

/// What a keyed row container reads: the current row, and a memo of the column each key
/// request found, in request order (Spec/L7-api.md §Records, decoding invariants).
///
/// Two kinds. A *standalone* state belongs to one container over one row (decoding a `Row`
/// you hold). A *fetch context* is made once per `fetchAll` or record cursor and shared by
/// its rows: it keeps one container per fetch (the `KeyedDecodingContainer` box, allocated
/// on the first row) and rebinds it to each row, and its memo turns the by-name lookup of
/// each property into one string comparison (the n-th request of a record is nearly always
/// the same key as on the previous row; a different key falls back to the lookup).
///
/// Thread confinement: only the thread that created a fetch context binds it or touches its
/// mutable state; a row carrying it that reaches another thread, that is decoded after its
/// fetch ended, or while the shared container is already in use (a nested decode) gets a
/// standalone state instead. That is why `@unchecked Sendable` holds.
final class RowDecodingState: @unchecked Sendable {
    /// The column names of the rows it reads.
    let layout: RowLayout
    /// The values of the row the container reads (a fetch context: of the bound row, empty
    /// between rows). Kept apart from the layout so a property read copies one reference.
    private(set) var values: [DatabaseValue]
    /// True for a fetch context (memo on, container shared).
    let isFetchContext: Bool
    /// The thread that may bind a fetch context.
    private let owner: pthread_t
    /// Memo: request `i` of a record asked for `slotNames[i]` and found `slotColumns[i]`
    /// (-1: no such column).
    private var slotNames: [String] = []
    private var slotColumns: [Int] = []
    private var nextSlot = 0
    /// The shared container is bound to a row whose record is being decoded.
    private var inUse = false
    /// The fetch ended: no more binding (and the container's reference cycle is broken).
    private var finished = false
    /// The shared container (a `ContainerHolder<Key>`) and its key type.
    private var containerKey: ObjectIdentifier?
    private var container: AnyObject?

    /// A standalone state reading `row`.
    init(row: Row) {
        self.layout = row.layout
        self.values = row.databaseValues
        self.isFetchContext = false
        self.owner = pthread_self()
    }

    /// A fetch context for rows of `layout`, on the calling thread.
    init(fetchContextFor layout: RowLayout) {
        self.layout = layout
        self.values = []
        self.isFetchContext = true
        self.owner = pthread_self()
    }

    /// The row being read, as a `Row` (for error messages and super decoders).
    var row: Row { Row(layout: layout, values: values) }

    /// Binds the shared container to `row`; false when it may not be used (see above).
    func bind(_ row: Row) -> Bool {
        guard isFetchContext, !inUse, !finished, row.layout.names.count == layout.names.count,
              pthread_equal(owner, pthread_self()) != 0 else { return false }
        inUse = true
        values = row.databaseValues
        nextSlot = 0
        return true
    }

    /// The shared container (after a successful `bind`), made on the first record (and
    /// again when a record asks for another key type).
    func boundContainer<Key: CodingKey>(keyedBy: Key.Type) -> KeyedDecodingContainer<Key> {
        if let container, containerKey == ObjectIdentifier(Key.self) {
            // Only a ContainerHolder<Key> is ever stored under ObjectIdentifier(Key.self).
            return unsafeDowncast(container, to: ContainerHolder<Key>.self).container
        }
        let holder = ContainerHolder(KeyedDecodingContainer(RowKeyedContainer<Key>(state: self)))
        container = holder
        containerKey = ObjectIdentifier(Key.self)
        return holder.container
    }

    /// The record of the bound row is decoded: the container is free again, and the row's
    /// values are released (so the fetch's value buffer is unique again for the next row).
    func endRecord() {
        inUse = false
        values = []
    }

    /// The fetch ended: drop the container (it references this state).
    func finish() {
        finished = true
        container = nil
        containerKey = nil
        values = []
    }

    /// The column the next key request of this record reads, or nil when the row has no
    /// column of that name.
    @inline(__always)
    func column(named name: String) -> Int? {
        guard isFetchContext else { return layout.index(of: name) }
        let slot = nextSlot
        nextSlot = slot &+ 1
        if slot < slotNames.count, slotNames[slot] == name {
            let c = slotColumns[slot]
            return c < 0 ? nil : c
        }
        return remember(name, slot: slot)
    }

    @inline(never)
    private func remember(_ name: String, slot: Int) -> Int? {
        let found = layout.index(of: name)
        if slot < slotNames.count {
            slotNames[slot] = name
            slotColumns[slot] = found ?? -1
        } else if slot == slotNames.count, slot < 4096 {
            slotNames.append(name)
            slotColumns.append(found ?? -1)
        }
        return found
    }

    /// The value at `index` (a column the lookup found) converted to `V`.
    @inline(__always)
    func decode<V: DatabaseValueConvertible>(_ type: V.Type, at index: Int) throws -> V {
        let value = values[index]
        if let converted = V.fromDatabaseValue(value) { return converted }
        throw RowDecodingError.conversionFailed(value, to: V.self, column: layout.names[index])
    }
}

/// Holds a shared container as a class reference (RowDecodingState.bind).
private final class ContainerHolder<Key: CodingKey> {
    let container: KeyedDecodingContainer<Key>
    init(_ container: KeyedDecodingContainer<Key>) { self.container = container }
}

private struct RowKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let state: RowDecodingState
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { state.layout.names.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { state.layout.index(of: key.stringValue) != nil }

    @inline(__always)
    func index(_ key: Key) throws -> Int {
        let name = key.stringValue
        guard let i = state.column(named: name) else {
            throw RowDecodingError.columnNotFound(name, available: state.layout.names)
        }
        return i
    }

    @inline(__always)
    func value<V: DatabaseValueConvertible>(_ type: V.Type, _ key: Key) throws -> V {
        try state.decode(V.self, at: index(key))
    }

    func decodeNil(forKey key: Key) throws -> Bool { state.values[try index(key)].isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(type, key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let i = try index(key)
        return try ColumnDecoder.decode(T.self, from: state.values[i], column: state.layout.names[i], codingPath: [key])
    }

    // Missing columns and NULLs decode as nil (the defaults would throw on a missing column
    // only through `decodeNil`; these skip the second lookup).
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(type, key) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(type, key) }

    @inline(__always)
    func optional<V: DatabaseValueConvertible>(_ type: V.Type, _ key: Key) throws -> V? {
        guard let i = state.column(named: key.stringValue) else { return nil }
        if state.values[i].isNull { return nil }
        return try state.decode(V.self, at: i)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let i = try index(key)
        return try ColumnDecoder(value: state.values[i], column: state.layout.names[i], codingPath: [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let i = try index(key)
        return try ColumnDecoder(value: state.values[i], column: state.layout.names[i], codingPath: [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: state.row) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        let i = try index(key)
        return ColumnDecoder(value: state.values[i], column: state.layout.names[i], codingPath: [key])
    }
}

/// Decodes one column value: a convertible type converts directly; any other type decodes
/// from it as a single value, or from the JSON text it holds when it asks for a container.
struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    let value: DatabaseValue
    let column: String
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// `T` from one column value.
    static func decode<T: Decodable>(_ type: T.Type, from value: DatabaseValue, column: String,
                                     codingPath: [any CodingKey]) throws -> T {
        if let convertible = T.self as? any DatabaseValueConvertible.Type {
            if let result = convertible.fromDatabaseValue(value) as? T { return result }
            throw RowDecodingError.conversionFailed(value, to: T.self, column: column)
        }
        return try T(from: ColumnDecoder(value: value, column: column, codingPath: codingPath))
    }

    /// The column's JSON (text or blob holding JSON text).
    func json() throws -> JSONValue {
        do {
            switch value {
            case .text(let s): return try JSONValue.parse(s)
            case .blob(let b): return try JSONValue.parse(bytes: b)
            default:
                throw RowDecodingError.valueMismatch(value, type: "JSON", column: column)
            }
        } catch let error as JSONSyntaxError {
            throw RowDecodingError.decodingFailed(type: "JSON", detail: "column \(column): \(error)")
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if case .null = value { throw RowDecodingError.conversionFailed(value, to: Key.self, column: column) }
        return try JSONDecoderNode(value: json(), codingPath: codingPath).container(keyedBy: type)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        if case .null = value { throw RowDecodingError.conversionFailed(value, to: [Any].self, column: column) }
        return try JSONDecoderNode(value: json(), codingPath: codingPath).unkeyedContainer()
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value.isNull }

    func convert<V: DatabaseValueConvertible>(_ type: V.Type) throws -> V {
        if let v = V.fromDatabaseValue(value) { return v }
        throw RowDecodingError.conversionFailed(value, to: V.self, column: column)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try convert(type) }
    func decode(_ type: String.Type) throws -> String { try convert(type) }
    func decode(_ type: Double.Type) throws -> Double { try convert(type) }
    func decode(_ type: Float.Type) throws -> Float { try convert(type) }
    func decode(_ type: Int.Type) throws -> Int { try convert(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try convert(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try convert(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try convert(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try convert(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try convert(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try convert(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try convert(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try convert(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try convert(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ColumnDecoder.decode(T.self, from: value, column: column, codingPath: codingPath)
    }
}

extension DatabaseValue {
    /// The value as a JSON scalar (for decoding a row as an unkeyed container).
    var jsonForDecoding: JSONValue {
        switch self {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .real(let d): return .double(d)
        case .text(let s): return .string(s)
        case .blob(let b): return .array(b.map { .integer(Int64($0)) })
        }
    }
}

extension JSONValue {
    /// The value as a database value, for convertible types nested in JSON (nil for objects
    /// and for arrays that are not byte arrays).
    var databaseValue: DatabaseValue? {
        switch self {
        case .null: return .null
        case .bool(let b): return .integer(b ? 1 : 0)
        case .integer(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .array(let items):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(items.count)
            for item in items {
                guard case .integer(let i) = item, let b = UInt8(exactly: i) else { return nil }
                bytes.append(b)
            }
            return .blob(bytes)
        case .object: return nil
        }
    }

    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Decodes from a parsed JSON value (nested values of a record).
struct JSONDecoderNode: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch<T>(_ type: T.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(value.kindName)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw mismatch([String: Any].self) }
        return KeyedDecodingContainer(JSONKeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([Any].self) }
        return JSONUnkeyedContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch value {
        case .bool(let b): return b
        case .integer(let i): return i != 0
        default: throw mismatch(type)
        }
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch(type) }
        return s
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: throw mismatch(type)
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        switch value {
        case .integer(let i): if let v = I(exactly: i) { return v }
        case .double(let d): if let v = I(exactly: d) { return v }
        default: break
        }
        throw mismatch(type)
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoderNode.decode(type, from: value, codingPath: codingPath)
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, codingPath: [any CodingKey]) throws -> T {
        if let convertible = T.self as? any DatabaseValueConvertible.Type,
           let dbValue = value.databaseValue,
           let result = convertible.fromDatabaseValue(dbValue) as? T {
            return result
        }
        return try T(from: JSONDecoderNode(value: value, codingPath: codingPath))
    }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func node(_ key: Key) throws -> JSONDecoderNode {
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no key \(key.stringValue)"))
        }
        return JSONDecoderNode(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try node(key).decodeNil() }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try node(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try node(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try node(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder {
        JSONDecoderNode(value: object["super"] ?? .null, codingPath: codingPath)
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { try node(key) }
}

private struct JSONUnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    mutating func next() throws -> JSONDecoderNode {
        guard currentIndex < items.count else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array ended"))
        }
        defer { currentIndex += 1 }
        return JSONDecoderNode(value: items[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < items.count else { return false }
        if items[currentIndex] == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}
