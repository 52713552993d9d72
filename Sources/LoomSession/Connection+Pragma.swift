// This file implements the PRAGMAs that read or set pager and file state (journal_mode,
// page_count, freelist_count, data_version, default_cache_size, encoding, auto_vacuum, incremental_vacuum, integrity_check,
// quick_check); the setting PRAGMAs are in Connection+SettingPragmas.swift. Schema and
// header PRAGMAs compile in L5.
// Layer: L6. Spec: Spec/L6-session.md (§PRAGMAs).
import LoomBase
import LoomPager
import LoomRecord
import LoomBTree
import LoomVDBE
import LoomSQL

extension Connection {
    /// Runs `body` in a write transaction: the open one, or one begun and committed here.
    func withWriteTransaction(_ body: () throws -> Void) throws {
        let state = mainTransactionState
        if state == .write { return try body() }
        guard state == .none else { throw DatabaseError(.error, "cannot change auto-vacuum in a read transaction") }
        try btree.beginTransaction(write: true)
        do {
            try body()
            try btree.commit()
        } catch {
            try? btree.rollback()
            throw error
        }
        btree.endTransaction()
    }

    /// The connection-level PRAGMA at `offset`, compiled to a program that returns its rows,
    /// or nil when the statement is not one of them.
    ///
    /// The pragmas in this file apply their effect when prepared, rather than when stepped
    /// (a deviation from SQLite noted in COMPAT.md); those of Connection+SettingPragmas.swift
    /// apply it when stepped.
    func connectionPragma(_ sql: String, from offset: Int, prepared: PreparedStatement) throws -> PreparedStatement? {
        var parser = Parser(sql: sql)
        guard let (statement, _) = try parser.parseNext(from: offset),
              case .pragma(let pragma) = statement.kind else { return nil }
        if let schema = pragma.schema, context.databaseIndex(named: schema) == nil {
            throw DatabaseError(.error, "unknown database \(schema)", sql: prepared.sql)
        }
        let name = pragma.name.lowercasedASCII
        let value = pragma.value
        // WAL pragmas: Connection+WALPragma.swift.
        if let handled = try walPragma(name: name, value: value, prepared: prepared) { return handled }
        var rows: [[Value]] = []
        switch name {
        case "journal_mode":
            if let value, let mode = JournalMode(rawValue: value.lowercasedASCII), mode != .wal {
                if !isInMemory || mode == .memory || mode == .off { pager.setJournalMode(mode) }
            }
            rows = [[.text(pager.journalMode.rawValue)]]
        case "page_count":
            rows = [[.integer(Int64(try withReadTransaction { () -> UInt32 in
                _ = try btree.getMeta(.schemaCookie)  // starts the read so the count is current
                return pager.pageCount
            }))]]
        case "data_version":
            // 1, plus one for each time this connection found the file changed by another
            // connection when a read began (SQLite's pager data version).
            // The named database's own pager (main when unnamed).
            var handle = context.databases.first ?? nil
            if let schema = pragma.schema, let i = context.databaseIndex(named: schema), i < context.databases.count {
                handle = context.databases[i] ?? handle
            }
            if let handle {
                rows = [[.integer(Int64(try withReadTransaction(on: handle) { () -> Int in
                    _ = try handle.btree.getMeta(.schemaCookie)
                    return 1 &+ handle.btree.pager.externalChanges
                }))]]
            }
        case "default_cache_size":
            // Deprecated: the header's suggested cache size (offset 48), which also sets
            // cache_size; reported as its absolute value, -2000 when 0.
            if let value {
                let n = Connection.int32Prefix(value)
                let size = n == Int64(Int32.min) ? Int64(Int32.max) : abs(n)
                try withWriteTransaction { try btree.setMeta(.defaultCacheSize, UInt32(truncatingIfNeeded: size)) }
                pager.setCacheSize(Int(size))
                context.pragmaSettings["cache_size"] = size
            } else {
                let stored = Int32(bitPattern: try withReadTransaction { try btree.getMeta(.defaultCacheSize) })
                var size = Int64(stored)
                if size <= 0 { size = -size }
                if size <= 0 { size = -2000 }
                rows = [[.integer(size)]]
                var result = prepared
                result.program = constantProgram(columnName: "cache_size", rows: rows)
                return result
            }
        case "freelist_count":
            rows = [[.integer(Int64(try withReadTransaction { try btree.getMeta(.freePageCount) }))]]
        case "auto_vacuum":
            if let value {
                let modes = ["none": 0, "full": 1, "incremental": 2]
                if let mode = modes[value.lowercasedASCII] ?? Int(value) {
                    // VACUUM applies a change of mode (Connection+Vacuum.swift).
                    if (0...2).contains(mode) { context.pragmaSettings["pending_auto_vacuum"] = Int64(mode) }
                    if pager.pageCount == 0 && mainTransactionState == .none {
                        try btree.setAutoVacuumMode(mode)
                    } else {
                        try withWriteTransaction { try btree.setAutoVacuumMode(mode) }
                    }
                }
            } else {
                rows = [[.integer(Int64(try withReadTransaction { () -> Int in
                    _ = try btree.getMeta(.schemaCookie)
                    return try btree.autoVacuumMode()
                }))]]
            }
        case "incremental_vacuum":
            let n = value.flatMap { Int($0) } ?? 0
            try withWriteTransaction { _ = try btree.incrementalVacuum(pages: n) }
        case "encoding" where value != nil:
            // Takes effect only on a database without page 1 (else ignored, as SQLite).
            let name = value ?? ""
            guard let encoding = TextEncoding(pragmaName: name) else {
                throw DatabaseError(.error, "unsupported encoding: \(name)")
            }
            if pager.pageCount == 0 && mainTransactionState == .none {
                btree.textEncodingForNewDatabase = encoding
            }
        case "encoding":
            rows = [[.text(try withReadTransaction { () -> String in
                _ = try btree.getMeta(.schemaCookie)
                return btree.textEncoding.name
            })]]
        case "integrity_check", "quick_check":
            // Connection+IntegrityCheck.swift.
            rows = try integrityCheckRows(pragma, quick: name == "quick_check")
        default:
            return try settingPragma(pragma, prepared: prepared)
        }
        var result = prepared
        result.program = constantProgram(columnName: rows.isEmpty ? nil : name, rows: rows)
        return result
    }

    /// A program that returns `rows` (one column each) and halts.
    private func constantProgram(columnName: String?, rows: [[Value]]) -> Program {
        var code: [Instruction] = [.initialize(target: 1)]
        for row in rows {
            for (i, v) in row.enumerated() {
                switch v {
                case .null: code.append(.null(dest: i))
                case .integer(let n): code.append(.int64(value: n, dest: i))
                case .real(let d): code.append(.real(value: d, dest: i))
                case .text(let s): code.append(.string8(value: s, dest: i))
                case .blob: code.append(.null(dest: i))
                }
            }
            code.append(.resultRow(start: 0, count: row.count))
        }
        code.append(.halt())
        return Program(instructions: code, registerCount: max(1, rows.first?.count ?? 0), cursorCount: 0,
                       columnNames: columnName.map { [$0] } ?? [], isReadOnly: true)
    }
}
