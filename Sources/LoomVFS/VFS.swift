// This file declares the VFS protocol: how every layer above reaches files, locks, time and
// randomness. Layer: L0. Spec: Spec/L0-vfs.md.
import LoomBase

/// SQLite's five file-lock levels, in order.
///
/// Corresponds to `SQLITE_LOCK_NONE` … `SQLITE_LOCK_EXCLUSIVE`.
public enum LockLevel: Int, Comparable, Sendable {
    case none = 0, shared = 1, reserved = 2, pending = 3, exclusive = 4
    public static func < (a: LockLevel, b: LockLevel) -> Bool { a.rawValue < b.rawValue }
}

/// What a file is opened as and how (`SQLITE_OPEN_*`).
public struct OpenFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let readOnly = OpenFlags(rawValue: 0x1)
    public static let readWrite = OpenFlags(rawValue: 0x2)
    public static let create = OpenFlags(rawValue: 0x4)
    public static let deleteOnClose = OpenFlags(rawValue: 0x8)
    public static let exclusive = OpenFlags(rawValue: 0x10)
    public static let mainDatabase = OpenFlags(rawValue: 0x100)
    public static let tempDatabase = OpenFlags(rawValue: 0x200)
    public static let transientDatabase = OpenFlags(rawValue: 0x400)
    public static let mainJournal = OpenFlags(rawValue: 0x800)
    public static let tempJournal = OpenFlags(rawValue: 0x1000)
    public static let subJournal = OpenFlags(rawValue: 0x2000)
    public static let superJournal = OpenFlags(rawValue: 0x4000)
    public static let wal = OpenFlags(rawValue: 0x80000)
}

/// How hard `sync` must push (`SQLITE_SYNC_*`).
public struct SyncFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let normal = SyncFlags(rawValue: 0x2)
    public static let full = SyncFlags(rawValue: 0x3)
    public static let dataOnly = SyncFlags(rawValue: 0x10)
}

/// What a file's device guarantees (`SQLITE_IOCAP_*`).
public struct DeviceCharacteristics: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let atomic = DeviceCharacteristics(rawValue: 0x1)
    public static let safeAppend = DeviceCharacteristics(rawValue: 0x200)
    public static let sequential = DeviceCharacteristics(rawValue: 0x400)
    public static let undeletableWhenOpen = DeviceCharacteristics(rawValue: 0x800)
    public static let powersafeOverwrite = DeviceCharacteristics(rawValue: 0x1000)
}

/// The question `access` answers (`SQLITE_ACCESS_*`).
public enum AccessCheck: Sendable { case exists, readWrite, read }

/// A file system as SQLite sees it.
///
/// ```swift
/// let vfs = MemoryVFS()
/// let file = try vfs.open("test.db", flags: [.readWrite, .create, .mainDatabase])
/// ```
/// Corresponds to SQLite's `sqlite3_vfs`. Implementations: `PosixVFS`, `MemoryVFS`, `SimVFS`.
public protocol VFS: AnyObject, Sendable {
    /// The name this VFS registers under (`"unix"`, `"memory"`, `"sim"`).
    var name: String { get }
    /// Opens (or with `.create`, creates) a file. `path == nil` asks for a temporary file
    /// deleted on close. Throws `cannotOpen`.
    func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile
    /// Deletes a file; with `syncDirectory`, syncs its directory afterwards.
    /// Throws `ioErrorDeleteNoEntry` when there is no such file.
    func delete(_ path: String, syncDirectory: Bool) throws
    /// Whether the file exists / is readable / is writable.
    func access(_ path: String, _ check: AccessCheck) throws -> Bool
    /// The absolute form of `path`.
    func fullPathname(_ path: String) throws -> String
    /// Fills `buffer` with random bytes (deterministic on SimVFS).
    func randomness(_ buffer: UnsafeMutableRawBufferPointer)
    /// Sleeps at least `microseconds`; returns the microseconds actually slept.
    func sleep(microseconds: Int) -> Int
    /// The current time in milliseconds since the Julian epoch (`xCurrentTimeInt64`).
    func currentTimeMilliseconds() -> Int64
}

/// An open file.
///
/// Corresponds to SQLite's `sqlite3_file` / `sqlite3_io_methods`. A file is used by one
/// owner at a time (its pager); it is not `Sendable`.
public protocol VFSFile: AnyObject {
    /// Reads `buffer.count` bytes at `offset`. Returns the number of bytes that existed; the
    /// rest of `buffer` is zero-filled (SQLite's short read, which is not an error).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// Writes all of `buffer` at `offset`, extending the file as needed.
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws
    func truncate(to size: Int64) throws
    func sync(_ flags: SyncFlags) throws
    func size() throws -> Int64
    /// Raises the lock to `level`. Throws `busy` when another holder prevents it.
    func lock(_ level: LockLevel) throws
    /// Lowers the lock to `level` (`.shared` or `.none`).
    func unlock(to level: LockLevel) throws
    /// Whether any connection holds RESERVED or higher on this file.
    func checkReservedLock() throws -> Bool
    var lockLevel: LockLevel { get }
    var sectorSize: Int { get }
    var deviceCharacteristics: DeviceCharacteristics { get }
    func close() throws
}

// MARK: Shared memory (the WAL index)

/// How a shared-memory lock slot is held (`SQLITE_SHM_SHARED` / `SQLITE_SHM_EXCLUSIVE`).
public enum ShmLockMode: Sendable { case shared, exclusive }

/// The number of shared-memory lock slots (`SQLITE_SHM_NLOCK`): WRITE, CKPT, RECOVER and
/// READ(0...4). Slot `n` is byte `120 + n` of the `-shm` file for PosixVFS.
public let shmLockSlots = 8

/// Shared memory between the connections of one database, used by WAL mode for its index.
///
/// ```swift
/// let region = try file.shmMap(region: 0, size: 32768, extend: true)   // zeroed when new
/// try file.shmLock(0..<1, .exclusive)         // WAL_WRITE_LOCK
/// try file.shmUnlock(0..<1, .exclusive)
/// try file.shmUnmap(delete: false)
/// ```
/// Corresponds to `xShmMap`, `xShmLock`, `xShmBarrier`, `xShmUnmap` of
/// `sqlite3_io_methods`. A file type that does not conform has no shared memory, and the
/// pager refuses WAL mode on it. Implemented by PosixVFS (an mmap of the `-shm` file with
/// fcntl locks, compatible with `sqlite3`), MemoryVFS and SimVFS (heap memory).
public protocol VFSSharedMemory {
    /// The `region`-th block of `size` bytes (every call uses the same size). Returns nil when
    /// the region does not exist and `extend` is false; new regions are zero-filled. The
    /// pointer stays valid until `shmUnmap`.
    func shmMap(region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer?
    /// Takes `slots` (within 0..<8) shared or exclusive. Throws `busy` when another connection
    /// holds a conflicting lock; nothing is taken then.
    func shmLock(_ slots: Range<Int>, _ mode: ShmLockMode) throws
    /// Releases `slots` held in `mode` by this handle.
    func shmUnlock(_ slots: Range<Int>, _ mode: ShmLockMode) throws
    /// A full memory barrier between the handle's shared-memory accesses.
    func shmBarrier()
    /// Drops this handle's mapping and locks; `delete` removes the backing store when no
    /// other connection uses it.
    func shmUnmap(delete: Bool) throws
}

extension VFSFile {
    /// Whether this file supports shared memory (WAL mode needs it).
    public var supportsSharedMemory: Bool { self is any VFSSharedMemory }
}
