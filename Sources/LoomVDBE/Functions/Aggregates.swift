// This file implements the built-in aggregates: count, sum, total, avg, min, max, group_concat.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import LoomBase
import LoomRecord

func builtinAggregateFunctions() -> [FunctionDefinition] {
    [
        FunctionDefinition(name: "count", argumentCount: 0, body: .aggregate(.countStar)),
        FunctionDefinition(name: "count", argumentCount: 1, body: .aggregate(.count)),
        FunctionDefinition(name: "sum", argumentCount: 1, body: .aggregate(.sum)),
        FunctionDefinition(name: "total", argumentCount: 1, body: .aggregate(.total)),
        FunctionDefinition(name: "avg", argumentCount: 1, body: .aggregate(.avg)),
        FunctionDefinition(name: "min", argumentCount: 1, body: .aggregate(.min)),
        FunctionDefinition(name: "max", argumentCount: 1, body: .aggregate(.max)),
        FunctionDefinition(name: "group_concat", argumentCount: 1, body: .aggregate(.groupConcat)),
        FunctionDefinition(name: "group_concat", argumentCount: 2, body: .aggregate(.groupConcat)),
    ]
}

/// The running state of one aggregate call (lives beside its accumulator register).
final class AggregateState {
    let kind: AggregateKind
    var count: Int64 = 0
    var integerSum: Int64 = 0
    var realSum: Double = 0
    /// sum() saw a non-integer: the result is REAL.
    var approximate = false
    var overflow = false
    var best: Value = .null
    var text: [UInt8] = []
    var hasText = false
    /// DISTINCT: argument values already fed.
    var seen: Set<Value>?
    /// JSON aggregates: which arguments of the current step carry the JSON subtype.
    var argumentSubtypes = ArgumentSubtypes()
    /// JSON aggregates: a BLOB argument seen (thrown by `final`).
    var jsonError: DatabaseError?
    /// min/max: the value kept carries the JSON subtype.
    var bestIsJSON = false
    /// DISTINCT under a user collation: values seen, sorted by that collation.
    var seenSorted: [Value] = []
    /// A user-defined aggregate's accumulator.
    var user: (any UserAggregateAccumulator)?
    /// The first error a user-defined step threw (the VM throws it right after the step).
    var userError: DatabaseError? { didSet { failed = userError != nil } }
    /// `userError != nil`, kept as a plain flag: testing the optional itself copied the
    /// error through a generic value witness on every AggStep (~90 instructions a row).
    private(set) var failed = false

    /// The final value carries the JSON subtype.
    var resultIsJSON: Bool {
        switch kind {
        case .jsonGroupArray, .jsonGroupObject: return true
        case .min, .max: return bestIsJSON
        default: return false
        }
    }

    /// `kind.usesSubtypes`, kept (AggStep asks on every row; the enum getter copied `kind`).
    let usesSubtypes: Bool

    init(kind: AggregateKind, distinct: Bool) {
        self.kind = kind
        self.usesSubtypes = kind.usesSubtypes
        if distinct { seen = [] }
        if case .user(let u) = kind { user = u.makeAccumulator() }
    }

    /// Feeds one row. `collation` orders min/max.
    func step(_ args: ArraySlice<Value>, collation: Collation) {
        args.withUnsafeBufferPointer { step($0, collation: collation) }
    }

    /// Feeds one row whose arguments are read in place (the VM passes its registers).
    func step(_ args: UnsafeBufferPointer<Value>, collation: Collation) {
        let first = args.first ?? .null
        if case .custom = collation, seen != nil, kind != .countStar {
            // A user collation has no hashable key: keep the values sorted under it.
            if first.isNull || !insertDistinct(first, collation: collation) { return }
        } else if var seen, kind != .countStar {
            let key = distinctKey(first, collation: collation)
            if first.isNull || seen.contains(key) { return }
            seen.insert(key)
            self.seen = seen
        }
        switch kind {
        case .countStar:
            count += 1
        case .count:
            if !first.isNull { count += 1 }
        case .sum, .total, .avg:
            switch numericType(first) {
            case .null: return
            case .integer(let i): addToSum(i)
            case .real(let d): addToSum(d)
            default:
                count += 1
                realSum += first.realValue
                approximate = true
            }
        case .min, .max:
            if first.isNull { return }
            if count == 0 {
                best = first
                bestIsJSON = argumentSubtypes.contains(0)
            } else {
                let c: Int
                if case .integer(let x) = best, case .integer(let y) = first {
                    c = x < y ? -1 : (x == y ? 0 : 1)
                } else {
                    c = compareValues(best, first, collation: collation)
                }
                if (kind == .max && c < 0) || (kind == .min && c > 0) {
                    best = first
                    bestIsJSON = argumentSubtypes.contains(0)
                }
            }
            count += 1
        case .groupConcat:
            if first.isNull { return }
            if hasText {
                if args.count >= 2, let sep = args[1].blobValue {
                    text.append(contentsOf: sep)
                } else if args.count < 2 {
                    text.append(0x2C)
                }
            }
            text.append(contentsOf: first.blobValue ?? [])
            hasText = true
        case .jsonGroupArray, .jsonGroupObject:
            jsonStep(ArraySlice(args))
        case .user:
            guard !failed else { return }
            do { try user?.step(ArraySlice(args)) } catch {
                userError = error as? DatabaseError ?? DatabaseError(.error, "\(error)")
            }
        }
    }

    /// Inserts `v` into `seenSorted` unless an equal value (under `collation`) is there;
    /// returns whether it was new.
    private func insertDistinct(_ v: Value, collation: Collation) -> Bool {
        var lo = 0, hi = seenSorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = compareValues(seenSorted[mid], v, collation: collation)
            if c == 0 { return false }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        seenSorted.insert(v, at: lo)
        return true
    }

    /// The final value; throws "integer overflow" for sum() past Int64.
    /// sum/total/avg's step for an INTEGER (also the VM's inline AggStep).
    @inline(__always)
    func addToSum(_ i: Int64) {
        count += 1
        realSum += Double(i)
        if !approximate && !overflow {
            let (r, o) = integerSum.addingReportingOverflow(i)
            if o { overflow = true } else { integerSum = r }
        }
    }

    /// sum/total/avg's step for a REAL (also the VM's inline AggStep).
    @inline(__always)
    func addToSum(_ d: Double) {
        count += 1
        realSum += d
        approximate = true
    }

    func final() throws -> Value {
        switch kind {
        case .countStar, .count: return .integer(count)
        case .sum:
            if count == 0 { return .null }
            if overflow { throw DatabaseError(.error, "integer overflow") }
            return approximate ? .real(realSum) : .integer(integerSum)
        case .total: return .real(realSum)
        case .avg: return count == 0 ? .null : .real(realSum / Double(count))
        case .min, .max: return count == 0 ? .null : best
        case .groupConcat: return hasText ? .text(String(decoding: text, as: UTF8.self)) : .null
        case .jsonGroupArray, .jsonGroupObject: return try jsonFinal()
        case .user:
            if let userError { throw userError }
            return try user?.final() ?? .null
        }
    }
}

/// sqlite3_value_numeric_type: text that is wholly a number becomes INTEGER (no '.', 'e')
/// or REAL; other text stays text. Numbers and NULL as they are.
func numericType(_ v: Value) -> Value {
    guard case .text(let s) = v else { return v }
    guard let n = parseNumericText(s) else { return v }
    if case .integer(let i) = n, s.utf8.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) {
        return .real(Double(i))
    }
    return n
}

/// DISTINCT identity: 1 and 1.0 are the same value; text is folded as the collation
/// compares it (NOCASE: ASCII case, RTRIM: trailing spaces).
func distinctKey(_ v: Value, collation: Collation) -> Value {
    switch v {
    case .real(let d) where d == d.rounded(.towardZero) && abs(d) < 9.2e18:
        return .integer(Int64(d))
    case .text(let s) where collation == .nocase:
        return .text(String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self))
    case .text(let s) where collation == .rtrim:
        var b = Array(s.utf8)
        while b.last == 0x20 { b.removeLast() }
        return .text(String(decoding: b, as: UTF8.self))
    default:
        return v
    }
}
