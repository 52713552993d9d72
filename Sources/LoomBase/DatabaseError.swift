// This file implements DatabaseError, the one error value every layer of Loom throws.
// Layer: base (below L0). Spec: Spec/errors.md.

/// An error from Loom: a result code that mirrors SQLite's, SQLite's message text, and
/// where known the SQL and the byte offset in it that the error concerns.
///
/// ```swift
/// do { try db.execute("INSERT INTO t VALUES(1)") }
/// catch let error as DatabaseError where error.code == .constraint { print(error.message) }
/// ```
/// Corresponds to SQLite's `sqlite3_errcode`, `sqlite3_errmsg` and `sqlite3_error_offset`.
public struct DatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The result code (primary or extended).
    public var code: ResultCode
    /// SQLite's message text, e.g. `near "SELEC": syntax error`.
    public var message: String
    /// The SQL of the statement that failed, when there is one.
    public var sql: String?
    /// The byte offset in `sql` of the token the error is about (`sqlite3_error_offset`).
    public var offset: Int?
    /// The operating-system error number behind an I/O error.
    public var osErrno: Int32?

    public init(_ code: ResultCode, _ message: String? = nil, sql: String? = nil,
                offset: Int? = nil, osErrno: Int32? = nil) {
        self.code = code
        self.message = message ?? code.message
        self.sql = sql
        self.offset = offset
        self.osErrno = osErrno
    }

    /// A `corrupt` error naming the page and the source location that detected it.
    /// The message stays SQLite's; the location is for us.
    public static func corrupt(page: UInt32? = nil, _ detail: String = "",
                               file: StaticString = #fileID, line: UInt = #line) -> DatabaseError {
        var e = DatabaseError(.corrupt)
        e.detail = "\(detail.isEmpty ? "" : detail + " ")page \(page.map(String.init) ?? "?") at \(file):\(line)"
        return e
    }

    /// Where a `corrupt` error was detected (not part of SQLite's message).
    public var detail: String? = nil

    public var description: String {
        var s = "\(message) (code \(code.rawValue))"
        if let detail { s += " [\(detail)]" }
        if let sql { s += " in \"\(sql)\"" }
        return s
    }
}
