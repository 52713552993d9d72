// This file implements the connection-level concurrency API of Database: busy timeout and
// busy handler, interrupt, and the shared in-memory databases and `file:` URIs it opens.
// Layer: L7. Spec: Spec/L7-api.md (§Connections, busy handling, interrupt).
import Synchronization
import LoomPager
import LoomVDBE

extension Database {
    /// How long, in milliseconds, a statement waits for a lock another connection holds
    /// before failing with `busy` ("database is locked"); 0 (the default) fails at once.
    ///
    /// ```swift
    /// db.busyTimeout = 2000          // the same as PRAGMA busy_timeout = 2000
    /// ```
    /// The wait sleeps through the connection's VFS (on `SimVFS` it only advances the virtual
    /// clock). A connection that holds a read transaction and needs to write never waits: it
    /// fails at once, as in SQLite, since the writer it waits for may be waiting for it.
    /// Setting it replaces any busy handler. Corresponds to `sqlite3_busy_timeout`.
    public var busyTimeout: Int {
        get { connection.pager.busyTimeout }
        set { connection.pager.setBusyTimeout(newValue) }
    }

    /// Installs a busy handler: called when a lock is refused, with the number of times it
    /// was already called for this lock; return true to try again, false to fail with `busy`.
    /// `nil` removes it. Replaces `busyTimeout` (which then reads 0).
    ///
    /// ```swift
    /// db.setBusyHandler { retries in retries < 3 }   // up to three immediate retries
    /// ```
    /// Corresponds to `sqlite3_busy_handler`.
    public func setBusyHandler(_ handler: ((Int) -> Bool)?) {
        connection.pager.setBusyHandler(handler)
    }

    /// Stops the statements running on this connection as soon as they reach a loop jump:
    /// they fail with `interrupt` ("interrupted"); a statement that writes rolls its whole
    /// transaction back. Statements started later run normally once none is running. Safe to
    /// call from any thread (use ``interruptHandle`` to hand it to another task).
    ///
    /// Corresponds to `sqlite3_interrupt`.
    public func interrupt() {
        connection.context.interruption.set()
    }

    /// A `Sendable` handle whose `interrupt()` interrupts this connection from any thread.
    ///
    /// ```swift
    /// let handle = db.interruptHandle
    /// Task.detached { handle.interrupt() }
    /// ```
    public var interruptHandle: InterruptHandle { InterruptHandle(flag: connection.context.interruption) }
}

/// Interrupts one connection's statements from any thread (see ``Database/interrupt()``).
///
/// ```swift
/// let handle = db.interruptHandle
/// Task.detached { try await Task.sleep(for: .seconds(1)); handle.interrupt() }
/// ```
public struct InterruptHandle: Sendable {
    let flag: InterruptFlag
    /// Corresponds to `sqlite3_interrupt`.
    public func interrupt() { flag.set() }
}

/// The named shared in-memory databases of this process, each with its number of open
/// connections; the database is dropped when the last one closes.
enum SharedMemoryDatabases {
    private static let registry = Mutex<[String: (vfs: MemoryVFS, users: Int)]>([:])

    static func attach(_ name: String) -> MemoryVFS {
        registry.withLock { r in
            var entry = r[name] ?? (MemoryVFS(), 0)
            entry.users += 1
            r[name] = entry
            return entry.vfs
        }
    }

    static func detach(_ name: String) {
        registry.withLock { r in
            guard var entry = r[name] else { return }
            entry.users -= 1
            if entry.users <= 0 { r.removeValue(forKey: name) } else { r[name] = entry }
        }
    }
}

/// A `file:` URI as `sqlite3_open_v2` reads it with `SQLITE_OPEN_URI` (the subset Loom uses):
/// the path (percent-decoded, an `//localhost` or empty authority dropped) and the `mode` and
/// `cache` parameters.
struct DatabaseURI {
    var path: String
    var isMemory = false
    var sharedCache = false
    var readOnly = false

    init?(_ text: String) {
        guard text.hasPrefix("file:") else { return nil }
        var rest = Substring(text.dropFirst(5))
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let authority = rest[rest.startIndex..<slash]
            guard authority.isEmpty || authority == "localhost" else { return nil }
            rest = rest[slash...]
        }
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = DatabaseURI.decode(parts.first.map(String.init) ?? "")
        if path == ":memory:" { isMemory = true }
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = DatabaseURI.decode(String(kv[0]))
                let value = kv.count > 1 ? DatabaseURI.decode(String(kv[1])) : ""
                switch (key, value) {
                case ("mode", "memory"): isMemory = true
                case ("mode", "ro"): readOnly = true
                case ("cache", "shared"): sharedCache = true
                case ("cache", "private"): sharedCache = false
                default: break
                }
            }
        }
    }

    /// `%XX` escapes decoded (invalid ones kept as they are).
    static func decode(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
