// This file implements generate_series(start, stop, step), the eponymous table of SQLite's
// series extension as the sqlite3 3.40 shell has it: column `value`, hidden start/stop/step.
// Layer: L4. Spec: Spec/L4-vdbe.md §Virtual tables (built-in modules).
import LoomBase
import LoomRecord

/// `generate_series`: an integer sequence from start to stop by step.
///
/// Behaviour (checked against sqlite3 3.40): start is required ("first argument to
/// "generate_series()" missing or unusable" otherwise); stop defaults to 4294967295 and
/// step to 1; step 0 counts as 1; a negative step walks from the largest value down; any
/// NULL argument gives no rows; arguments are read as integers (`'a'` → 0, `1.5` → 1).
/// ORDER BY value (ASC or DESC) is consumed when start and stop are both given. Loom stops
/// at the Int64 range's end (sqlite3 3.40 wraps around).
final class SeriesModule: VirtualTableModule {
    var kind: VirtualTableModuleKind { .eponymousOnly }
    func connect(_ context: VirtualTableContext) throws -> any VirtualTable { SeriesTable() }
}

final class SeriesTable: VirtualTable {
    var declaredSchema: String { "CREATE TABLE x(value,start hidden,stop hidden,step hidden)" }

    /// idxNum bits: 1 start, 2 stop, 4 step given; 8 descending, 16 ascending order asked.
    func bestIndex(_ info: inout IndexInfo) throws {
        var slot: [Int?] = [nil, nil, nil]
        var unusable = 0
        for (i, c) in info.constraints.enumerated() where c.column >= 1 && c.column <= 3 && c.op == .eq {
            let bit = 1 << (c.column - 1)
            if !c.usable { unusable |= bit; continue }
            slot[c.column - 1] = i
        }
        var idx: Int32 = 0
        var argv = 0
        for k in 0..<3 {
            guard let i = slot[k] else { continue }
            argv += 1
            idx |= Int32(1 << k)
            info.constraintUsage[i] = IndexInfo.ConstraintUsage(argvIndex: argv, omit: true)
        }
        if unusable & ~Int(idx) != 0 { throw VirtualTableConstraintError() }
        if idx & 1 == 0 {
            throw DatabaseError(.error, "first argument to \"generate_series()\" missing or unusable")
        }
        if idx & 3 == 3 {
            info.estimatedCost = idx & 4 != 0 ? 1 : 2
            info.estimatedRows = 1000
            if let first = info.orderBy.first, first.column == 0 {
                idx |= first.descending ? 8 : 16
                info.orderByConsumed = true
            }
        } else {
            info.estimatedRows = 2_147_483_647
        }
        info.indexNumber = idx
    }

    func open() throws -> any VirtualTableCursor { SeriesCursor() }
}

final class SeriesCursor: VirtualTableCursor {
    private var start: Int64 = 0, stop: Int64 = 0, step: Int64 = 1
    private var first: Int64 = 0, last: Int64 = 0
    private var current: Int64 = 0
    private var descending = false
    private var row: Int64 = 1
    private(set) var eof = true

    func filter(indexNumber: Int32, indexString: String?, arguments: [Value]) throws {
        var k = 0
        func take() -> Value? { defer { k += 1 }; return k < arguments.count ? arguments[k] : nil }
        start = 0; stop = 4_294_967_295; step = 1
        var sawNull = false
        func integer(_ v: Value) -> Int64 {
            if v.isNull { sawNull = true }
            return v.integerValue
        }
        if indexNumber & 1 != 0, let v = take() { start = integer(v) }
        if indexNumber & 2 != 0, let v = take() { stop = integer(v) }
        var negative = false
        if indexNumber & 4 != 0, let v = take() {
            step = integer(v)
            if step == 0 { step = 1 }
            if step < 0 { negative = true; step = step == Int64.min ? Int64.max : -step }
        }
        descending = indexNumber & 8 != 0 ? true : indexNumber & 16 != 0 ? false : negative
        row = 1
        eof = sawNull || start > stop
        if eof { return }
        first = start
        // The largest start + k·step ≤ stop (in UInt64 so the span cannot overflow).
        let span = UInt64(bitPattern: stop &- start)
        let steps = span / UInt64(step)
        last = start &+ Int64(bitPattern: steps &* UInt64(step))
        current = descending ? last : first
    }

    func next() throws {
        guard !eof else { return }
        row &+= 1
        if descending {
            if current == first { eof = true; return }
            current &-= step
        } else {
            if current == last { eof = true; return }
            current &+= step
        }
    }

    func column(_ i: Int) throws -> Value {
        switch i {
        case 0: return .integer(current)
        case 1: return .integer(start)
        case 2: return .integer(stop)
        default: return .integer(step)
        }
    }

    func rowid() throws -> Int64 { row }
}
