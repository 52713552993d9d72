// This file implements ResultCode: SQLite's primary and extended result codes with Swift names.
// Layer: base (below L0), shared by every layer. Spec: Spec/errors.md.

/// A SQLite result code, primary or extended.
///
/// ```swift
/// catch let error as DatabaseError where error.code == .constraint { … }  // also matches constraintUnique
/// ```
/// A primary code matches every extended code built on it in `switch` and `~=` patterns,
/// as in GRDB. Corresponds to SQLite's `SQLITE_*` result codes.
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (the low 8 bits).
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xff) }
    public var isExtended: Bool { rawValue > 0xff }

    /// `SQLITE_OK` (0)
    public static let ok = ResultCode(rawValue: 0)
    /// `SQLITE_ERROR` (1)
    public static let error = ResultCode(rawValue: 1)
    /// `SQLITE_INTERNAL` (2)
    public static let `internal` = ResultCode(rawValue: 2)
    /// `SQLITE_PERM` (3)
    public static let permission = ResultCode(rawValue: 3)
    /// `SQLITE_ABORT` (4)
    public static let abort = ResultCode(rawValue: 4)
    /// `SQLITE_BUSY` (5)
    public static let busy = ResultCode(rawValue: 5)
    /// `SQLITE_LOCKED` (6)
    public static let locked = ResultCode(rawValue: 6)
    /// `SQLITE_NOMEM` (7)
    public static let noMemory = ResultCode(rawValue: 7)
    /// `SQLITE_READONLY` (8)
    public static let readonly = ResultCode(rawValue: 8)
    /// `SQLITE_INTERRUPT` (9)
    public static let interrupt = ResultCode(rawValue: 9)
    /// `SQLITE_IOERR` (10)
    public static let ioError = ResultCode(rawValue: 10)
    /// `SQLITE_CORRUPT` (11)
    public static let corrupt = ResultCode(rawValue: 11)
    /// `SQLITE_NOTFOUND` (12)
    public static let notFound = ResultCode(rawValue: 12)
    /// `SQLITE_FULL` (13)
    public static let full = ResultCode(rawValue: 13)
    /// `SQLITE_CANTOPEN` (14)
    public static let cannotOpen = ResultCode(rawValue: 14)
    /// `SQLITE_PROTOCOL` (15)
    public static let `protocol` = ResultCode(rawValue: 15)
    /// `SQLITE_EMPTY` (16)
    public static let empty = ResultCode(rawValue: 16)
    /// `SQLITE_SCHEMA` (17)
    public static let schema = ResultCode(rawValue: 17)
    /// `SQLITE_TOOBIG` (18)
    public static let tooBig = ResultCode(rawValue: 18)
    /// `SQLITE_CONSTRAINT` (19)
    public static let constraint = ResultCode(rawValue: 19)
    /// `SQLITE_MISMATCH` (20)
    public static let mismatch = ResultCode(rawValue: 20)
    /// `SQLITE_MISUSE` (21)
    public static let misuse = ResultCode(rawValue: 21)
    /// `SQLITE_NOLFS` (22)
    public static let noLargeFileSupport = ResultCode(rawValue: 22)
    /// `SQLITE_AUTH` (23)
    public static let authDenied = ResultCode(rawValue: 23)
    /// `SQLITE_FORMAT` (24)
    public static let format = ResultCode(rawValue: 24)
    /// `SQLITE_RANGE` (25)
    public static let range = ResultCode(rawValue: 25)
    /// `SQLITE_NOTADB` (26)
    public static let notADatabase = ResultCode(rawValue: 26)
    /// `SQLITE_NOTICE` (27)
    public static let notice = ResultCode(rawValue: 27)
    /// `SQLITE_WARNING` (28)
    public static let warning = ResultCode(rawValue: 28)
    /// `SQLITE_ROW` (100)
    public static let row = ResultCode(rawValue: 100)
    /// `SQLITE_DONE` (101)
    public static let done = ResultCode(rawValue: 101)

    // Extended codes (primary | n << 8).
    /// `SQLITE_IOERR_READ` (266)
    public static let ioErrorRead = ResultCode(rawValue: 10 | 1 << 8)
    /// `SQLITE_IOERR_SHORT_READ` (522)
    public static let ioErrorShortRead = ResultCode(rawValue: 10 | 2 << 8)
    /// `SQLITE_IOERR_WRITE` (778)
    public static let ioErrorWrite = ResultCode(rawValue: 10 | 3 << 8)
    /// `SQLITE_IOERR_FSYNC` (1034)
    public static let ioErrorFsync = ResultCode(rawValue: 10 | 4 << 8)
    /// `SQLITE_IOERR_DIR_FSYNC` (1290)
    public static let ioErrorDirFsync = ResultCode(rawValue: 10 | 5 << 8)
    /// `SQLITE_IOERR_TRUNCATE` (1546)
    public static let ioErrorTruncate = ResultCode(rawValue: 10 | 6 << 8)
    /// `SQLITE_IOERR_FSTAT` (1802)
    public static let ioErrorFstat = ResultCode(rawValue: 10 | 7 << 8)
    /// `SQLITE_IOERR_UNLOCK` (2058)
    public static let ioErrorUnlock = ResultCode(rawValue: 10 | 8 << 8)
    /// `SQLITE_IOERR_RDLOCK` (2314)
    public static let ioErrorReadLock = ResultCode(rawValue: 10 | 9 << 8)
    /// `SQLITE_IOERR_DELETE` (2570)
    public static let ioErrorDelete = ResultCode(rawValue: 10 | 10 << 8)
    /// `SQLITE_IOERR_NOMEM` (3082)
    public static let ioErrorNoMemory = ResultCode(rawValue: 10 | 12 << 8)
    /// `SQLITE_IOERR_ACCESS` (3338)
    public static let ioErrorAccess = ResultCode(rawValue: 10 | 13 << 8)
    /// `SQLITE_IOERR_CHECKRESERVEDLOCK` (3594)
    public static let ioErrorCheckReservedLock = ResultCode(rawValue: 10 | 14 << 8)
    /// `SQLITE_IOERR_LOCK` (3850)
    public static let ioErrorLock = ResultCode(rawValue: 10 | 15 << 8)
    /// `SQLITE_IOERR_CLOSE` (4106)
    public static let ioErrorClose = ResultCode(rawValue: 10 | 16 << 8)
    /// `SQLITE_IOERR_SHMOPEN` (4618)
    public static let ioErrorShmOpen = ResultCode(rawValue: 10 | 18 << 8)
    /// `SQLITE_IOERR_SHMSIZE` (4874)
    public static let ioErrorShmSize = ResultCode(rawValue: 10 | 19 << 8)
    /// `SQLITE_IOERR_SHMLOCK` (5130)
    public static let ioErrorShmLock = ResultCode(rawValue: 10 | 20 << 8)
    /// `SQLITE_IOERR_SHMMAP` (5386)
    public static let ioErrorShmMap = ResultCode(rawValue: 10 | 21 << 8)
    /// `SQLITE_IOERR_SEEK` (5642)
    public static let ioErrorSeek = ResultCode(rawValue: 10 | 22 << 8)
    /// `SQLITE_IOERR_DELETE_NOENT` (5898)
    public static let ioErrorDeleteNoEntry = ResultCode(rawValue: 10 | 23 << 8)
    /// `SQLITE_BUSY_RECOVERY` (261)
    public static let busyRecovery = ResultCode(rawValue: 5 | 1 << 8)
    /// `SQLITE_BUSY_SNAPSHOT` (517)
    public static let busySnapshot = ResultCode(rawValue: 5 | 2 << 8)
    /// `SQLITE_CANTOPEN_ISDIR` (526)
    public static let cannotOpenIsDirectory = ResultCode(rawValue: 14 | 2 << 8)
    /// `SQLITE_CORRUPT_INDEX` (779)
    public static let corruptIndex = ResultCode(rawValue: 11 | 3 << 8)
    /// `SQLITE_READONLY_ROLLBACK` (776)
    public static let readonlyRollback = ResultCode(rawValue: 8 | 3 << 8)
    /// `SQLITE_CONSTRAINT_CHECK` (275)
    public static let constraintCheck = ResultCode(rawValue: 19 | 1 << 8)
    /// `SQLITE_CONSTRAINT_FOREIGNKEY` (787)
    public static let constraintForeignKey = ResultCode(rawValue: 19 | 3 << 8)
    /// `SQLITE_CONSTRAINT_NOTNULL` (1299)
    public static let constraintNotNull = ResultCode(rawValue: 19 | 5 << 8)
    /// `SQLITE_CONSTRAINT_PRIMARYKEY` (1555)
    public static let constraintPrimaryKey = ResultCode(rawValue: 19 | 6 << 8)
    /// `SQLITE_CONSTRAINT_TRIGGER` (1811)
    public static let constraintTrigger = ResultCode(rawValue: 19 | 7 << 8)
    /// `SQLITE_CONSTRAINT_UNIQUE` (2067)
    public static let constraintUnique = ResultCode(rawValue: 19 | 8 << 8)
    /// `SQLITE_CONSTRAINT_ROWID` (2579)
    public static let constraintRowID = ResultCode(rawValue: 19 | 10 << 8)
    /// `SQLITE_CONSTRAINT_DATATYPE` (3091)
    public static let constraintDatatype = ResultCode(rawValue: 19 | 12 << 8)

    /// A primary code pattern matches its extended codes: `case .constraint:` catches
    /// `.constraintUnique` too. An extended pattern matches only itself.
    public static func ~= (pattern: ResultCode, value: ResultCode) -> Bool {
        pattern.isExtended ? pattern == value : pattern == value.primary
    }

    /// SQLite's English text for the code (`sqlite3_errstr`).
    public var message: String {
        switch primary.rawValue {
        case 0: return "not an error"
        case 1: return "SQL logic error"
        case 2: return "internal logic error"
        case 3: return "access permission denied"
        case 4: return "query aborted"
        case 5: return "database is locked"
        case 6: return "database table is locked"
        case 7: return "out of memory"
        case 8: return "attempt to write a readonly database"
        case 9: return "interrupted"
        case 10: return "disk I/O error"
        case 11: return "database disk image is malformed"
        case 12: return "unknown operation"
        case 13: return "database or disk is full"
        case 14: return "unable to open database file"
        case 15: return "locking protocol"
        case 17: return "database schema has changed"
        case 18: return "string or blob too big"
        case 19: return "constraint failed"
        case 20: return "datatype mismatch"
        case 21: return "bad parameter or other API misuse"
        case 22: return "large file support is disabled"
        case 23: return "authorization denied"
        case 25: return "column index out of range"
        case 26: return "file is not a database"
        case 27: return "notification message"
        case 28: return "warning message"
        case 100: return "another row available"
        case 101: return "no more rows available"
        default: return "unknown error"
        }
    }

    public var description: String { "\(rawValue)" }
}
