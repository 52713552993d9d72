// This file implements the adaptation of a compiled program to a UTF-16 database: every
// BINARY comparison (explicit, or the default of a nil collation) becomes UTF-16 BINARY.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Program), Spec/L2-record.md (§Text encodings, E3).
import LoomBase
import LoomRecord

extension Program {
    /// This program as it must run on a database of text encoding `encoding`: for UTF-16,
    /// BINARY in comparison operands, key infos, CollSeq, window keys and the functions'
    /// default collation becomes `Collation.binary(for: encoding)` (SQLite's BINARY is a
    /// memcmp() of the text in the database's encoding). UTF-8 programs are returned as is.
    package func adapted(to encoding: TextEncoding) -> Program {
        let binary = Collation.binary(for: encoding)
        guard binary != .binary, binaryCollation == .binary else { return self }
        func map(_ c: Collation?) -> Collation {
            guard let c, c != .binary else { return binary }
            return c
        }
        func map(_ k: KeyInfo?, columns: Int) -> KeyInfo? {
            guard var k else { return nil }
            k.collations = k.collations.map { map($0) }
            return k
        }
        func map(_ keys: [WindowProgram.Key]) -> [WindowProgram.Key] {
            keys.map { var k = $0; k.collation = map(k.collation); return k }
        }
        var out = self
        out.binaryCollation = binary
        out.textEncoding = encoding
        out.instructions = instructions.map { ins in
            switch ins {
            case let .openRead(cursor, root, columnCount, keyInfo, rootInRegister, database):
                return .openRead(cursor: cursor, root: root, columnCount: columnCount,
                                 keyInfo: map(keyInfo, columns: columnCount),
                                 rootInRegister: rootInRegister, database: database)
            case let .openWrite(cursor, root, columnCount, keyInfo, rootInRegister, database):
                return .openWrite(cursor: cursor, root: root, columnCount: columnCount,
                                  keyInfo: map(keyInfo, columns: columnCount),
                                  rootInRegister: rootInRegister, database: database)
            case let .openEphemeral(cursor, columnCount, keyInfo):
                // Fields past the key info's arrays compare BINARY: spell them out.
                guard var k = keyInfo else { return ins }
                k.collations = k.collations.map { map($0) }
                if k.collations.count < columnCount {
                    k.collations += Array(repeating: binary, count: columnCount - k.collations.count)
                }
                return .openEphemeral(cursor: cursor, columnCount: columnCount, keyInfo: k)
            case let .sorterOpen(cursor, columnCount, keyInfo):
                // The sorter compares as many fields as the arrays are long: no padding.
                var k = keyInfo
                k.collations = k.collations.map { map($0) }
                return .sorterOpen(cursor: cursor, columnCount: columnCount, keyInfo: k)
            case let .eq(l, r, t, a, c, j, n):
                return .eq(lhs: l, rhs: r, target: t, affinity: a, collation: map(c), jumpIfNull: j, nullEq: n)
            case let .ne(l, r, t, a, c, j, n):
                return .ne(lhs: l, rhs: r, target: t, affinity: a, collation: map(c), jumpIfNull: j, nullEq: n)
            case let .lt(l, r, t, a, c, j):
                return .lt(lhs: l, rhs: r, target: t, affinity: a, collation: map(c), jumpIfNull: j)
            case let .le(l, r, t, a, c, j):
                return .le(lhs: l, rhs: r, target: t, affinity: a, collation: map(c), jumpIfNull: j)
            case let .gt(l, r, t, a, c, j):
                return .gt(lhs: l, rhs: r, target: t, affinity: a, collation: map(c), jumpIfNull: j)
            case let .ge(l, r, t, a, c, j):
                return .ge(lhs: l, rhs: r, target: t, affinity: a, collation: map(c), jumpIfNull: j)
            case let .compare(l, r, count, keyInfo, permuted):
                var k = keyInfo
                k.collations = k.collations.map { map($0) }
                if k.collations.count < count {
                    k.collations += Array(repeating: binary, count: count - k.collations.count)
                }
                return .compare(lhs: l, rhs: r, count: count, keyInfo: k, permuted: permuted)
            case let .collSeq(c):
                return .collSeq(collation: map(c))
            case let .windowCompute(state, program):
                var p = program
                p.functions = p.functions.map { f in
                    var f = f
                    f.collation = map(f.collation)
                    f.window.partition = map(f.window.partition)
                    f.window.order = map(f.window.order)
                    return f
                }
                return .windowCompute(state: state, program: p)
            default:
                return ins
            }
        }
        // Trigger bodies and foreign-key actions compare text as the statement does.
        out.subPrograms = subPrograms.map { $0.adapted(to: encoding) }
        out.fast = FastProgram(out.instructions)
        return out
    }
}
