// This file implements a minimal binding to the system's libsqlite3 loaded with dlopen, so
// loom-bench can drive SQLite through its C API in threads (the same harness as Loom's
// DatabasePool). Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench (--concurrency).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few `sqlite3_*` entry points the concurrency benchmark needs, looked up at run time
/// (nil when no libsqlite3 is installed). Connections are opened with SQLITE_OPEN_NOMUTEX:
/// each is used by one thread, as a DatabasePool connection is.
final class SQLiteLibrary: @unchecked Sendable {
    typealias DB = OpaquePointer
    typealias Stmt = OpaquePointer
    let openV2: @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<DB?>?, Int32, UnsafePointer<CChar>?) -> Int32
    let closeV2: @convention(c) (DB?) -> Int32
    let exec: @convention(c) (DB?, UnsafePointer<CChar>?, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    let prepareV2: @convention(c) (DB?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<Stmt?>?, OpaquePointer?) -> Int32
    let bindInt64: @convention(c) (Stmt?, Int32, Int64) -> Int32
    let step: @convention(c) (Stmt?) -> Int32
    let reset: @convention(c) (Stmt?) -> Int32
    let finalize: @convention(c) (Stmt?) -> Int32
    let columnInt64: @convention(c) (Stmt?, Int32) -> Int64
    let busyTimeout: @convention(c) (DB?, Int32) -> Int32
    let errmsg: @convention(c) (DB?) -> UnsafePointer<CChar>?
    let libversion: @convention(c) () -> UnsafePointer<CChar>?

    static let ok: Int32 = 0, row: Int32 = 100, done: Int32 = 101

    init?() {
        guard let h = dlopen("libsqlite3.so.0", RTLD_NOW) ?? dlopen("libsqlite3.so", RTLD_NOW) else { return nil }
        func f<T>(_ name: String, _: T.Type) -> T? {
            guard let p = dlsym(h, name) else { return nil }
            return unsafeBitCast(p, to: T.self)
        }
        guard let openV2 = f("sqlite3_open_v2", type(of: openV2)), let closeV2 = f("sqlite3_close_v2", type(of: closeV2)),
              let exec = f("sqlite3_exec", type(of: exec)), let prepareV2 = f("sqlite3_prepare_v2", type(of: prepareV2)),
              let bindInt64 = f("sqlite3_bind_int64", type(of: bindInt64)), let step = f("sqlite3_step", type(of: step)),
              let reset = f("sqlite3_reset", type(of: reset)), let finalize = f("sqlite3_finalize", type(of: finalize)),
              let columnInt64 = f("sqlite3_column_int64", type(of: columnInt64)),
              let busyTimeout = f("sqlite3_busy_timeout", type(of: busyTimeout)),
              let errmsg = f("sqlite3_errmsg", type(of: errmsg)), let libversion = f("sqlite3_libversion", type(of: libversion))
        else { return nil }
        self.openV2 = openV2; self.closeV2 = closeV2; self.exec = exec; self.prepareV2 = prepareV2
        self.bindInt64 = bindInt64; self.step = step; self.reset = reset; self.finalize = finalize
        self.columnInt64 = columnInt64; self.busyTimeout = busyTimeout; self.errmsg = errmsg
        self.libversion = libversion
    }

    var version: String { libversion().map { String(cString: $0) } ?? "?" }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// One connection, used by one thread; statements are prepared once and reused.
    final class Connection {
        let lib: SQLiteLibrary
        var db: DB?
        var statements: [String: Stmt] = [:]

        init(_ lib: SQLiteLibrary, path: String) throws {
            self.lib = lib
            // READWRITE | CREATE | NOMUTEX
            let rc = lib.openV2(path, &db, 0x2 | 0x4 | 0x8000, nil)
            guard rc == SQLiteLibrary.ok else { throw Failure(description: "sqlite3_open_v2: \(rc)") }
            _ = lib.busyTimeout(db, 10_000)
        }

        deinit {
            for s in statements.values { _ = lib.finalize(s) }
            _ = lib.closeV2(db)
        }

        func fail(_ what: String) -> Failure {
            Failure(description: "\(what): " + (lib.errmsg(db).map { String(cString: $0) } ?? "?"))
        }

        func execute(_ sql: String) throws {
            guard lib.exec(db, sql, nil, nil, nil) == SQLiteLibrary.ok else { throw fail(sql) }
        }

        /// Runs the cached statement for `sql` with integer parameters, stepping every row.
        func run(_ sql: String, _ parameters: [Int64] = []) throws {
            var s = statements[sql]
            if s == nil {
                guard lib.prepareV2(db, sql, -1, &s, nil) == SQLiteLibrary.ok, let made = s else { throw fail(sql) }
                statements[sql] = made
            }
            for (i, p) in parameters.enumerated() { _ = lib.bindInt64(s, Int32(i + 1), p) }
            var rc = lib.step(s)
            while rc == SQLiteLibrary.row {
                _ = lib.columnInt64(s, 0)
                rc = lib.step(s)
            }
            _ = lib.reset(s)
            guard rc == SQLiteLibrary.done else { throw fail(sql) }
        }
    }
}
