// This file implements the WAL PRAGMAs: journal_mode=WAL (and back to a rollback mode),
// wal_checkpoint[(PASSIVE|FULL|RESTART|TRUNCATE)], wal_autocheckpoint, journal_size_limit.
// Layer: L6. Spec: Spec/L6-session.md (§PRAGMAs), Spec/L1-pager.md (section "WAL").
import LoomBase
import LoomPager
import LoomRecord
import LoomVDBE
import LoomSQL

extension Connection {
    /// The WAL pragma `name` (already lower-cased) applied at prepare time, as a program
    /// returning its rows; nil when `name` is not one of them (or, for journal_mode, when
    /// neither the old nor the new mode is WAL).
    func walPragma(name: String, value: String?, prepared: PreparedStatement) throws -> PreparedStatement? {
        var columns = [name]
        var rows: [[Value]] = []
        switch name {
        case "journal_mode":
            guard let value, let mode = JournalMode(rawValue: value.lowercasedASCII),
                  mode == .wal || pager.journalMode == .wal else { return nil }
            if mode == .wal {
                if !isInMemory && pager.journalMode != .wal {
                    // Page 1 must exist (a new database gets it here), then the header
                    // switches to WAL and the log opens.
                    try withWriteTransaction {}
                    try pager.enterWALMode()
                }
            } else {
                try pager.leaveWALMode(to: mode)
            }
            rows = [[.text(pager.journalMode.rawValue)]]
        case "wal_checkpoint":
            let modes: [String: CheckpointMode] = ["passive": .passive, "full": .full, "restart": .restart, "truncate": .truncate]
            let mode = value.flatMap { modes[$0.lowercasedASCII] } ?? .passive
            guard context.transactionState == .none else { throw DatabaseError(.locked, "database table is locked") }
            let r = try pager.checkpoint(mode)
            columns = ["busy", "log", "checkpointed"]
            rows = [[.integer(r.busy ? 1 : 0), .integer(Int64(r.logFrames)), .integer(Int64(r.checkpointedFrames))]]
        case "wal_autocheckpoint":
            if let value, let n = Int(value) { pager.walAutocheckpoint = max(0, n) }
            rows = [[.integer(Int64(pager.walAutocheckpoint))]]
        case "journal_size_limit":
            if let value, let n = Int64(value) { pager.setJournalSizeLimit(n) }
            rows = [[.integer(pager.journalSizeLimit)]]
        default:
            return nil
        }
        var result = prepared
        var code: [Instruction] = [.initialize(target: 1)]
        for row in rows {
            for (i, v) in row.enumerated() {
                switch v {
                case .integer(let n): code.append(.int64(value: n, dest: i))
                case .text(let s): code.append(.string8(value: s, dest: i))
                default: code.append(.null(dest: i))
                }
            }
            code.append(.resultRow(start: 0, count: row.count))
        }
        code.append(.halt())
        result.program = Program(instructions: code, registerCount: max(1, columns.count), cursorCount: 0,
                                 columnNames: columns, isReadOnly: true)
        return result
    }
}
