// This file implements MemoryVFS: files that live in memory, for `:memory:` databases, named
// in-memory files and tests. Layer: L0. Spec: Spec/L0-vfs.md (sections "MemoryVFS", "Locks").
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LoomBase
import Synchronization

/// A VFS whose files are byte arrays in memory, shared by name within one `MemoryVFS`.
///
/// ```swift
/// let vfs = MemoryVFS()
/// let db = try vfs.open("a.db", flags: [.readWrite, .create])
/// ```
/// Handles on the same name share bytes and lock state, so two pagers on one `MemoryVFS`
/// exclude each other exactly as two connections on one file do. Thread-safe: each file's
/// bytes and locks sit behind one mutex. Corresponds to SQLite's `memdb` VFS.
public final class MemoryVFS: VFS {
    struct FileState {
        var bytes = ChunkedBytes()
        var locks = InProcessLocks()
    }

    /// One named file: its bytes and lock counts.
    final class Storage: Sendable {
        let state = Mutex(FileState())
        /// The shared memory (WAL index) of the database stored under this name.
        let shm = HeapSharedMemory()
    }

    private let files = Mutex<[String: Storage]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}
    public var name: String { "memory" }

    public func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        let key = path ?? "\u{0}temp-\(counter.add(1, ordering: .relaxed).newValue)"
        let storage: Storage? = files.withLock { files in
            if let s = files[key] {
                return flags.contains(.exclusive) && flags.contains(.create) ? nil : s
            }
            guard flags.contains(.create) || path == nil else { return nil }
            let s = Storage()
            files[key] = s
            return s
        }
        guard let storage else { throw DatabaseError(.cannotOpen) }
        let deleteOnClose = flags.contains(.deleteOnClose) || path == nil
        return MemoryFile(storage: storage, name: key, vfs: self, deleteOnClose: deleteOnClose,
                          readOnly: flags.contains(.readOnly) && !flags.contains(.readWrite))
    }

    public func delete(_ path: String, syncDirectory: Bool) throws {
        let removed = files.withLock { $0.removeValue(forKey: path) }
        if removed == nil { throw DatabaseError(.ioErrorDeleteNoEntry) }
    }

    /// `.exists` is true only for a file with at least one byte, as SQLite's unix VFS answers.
    public func access(_ path: String, _ check: AccessCheck) throws -> Bool {
        guard let s = files.withLock({ $0[path] }) else { return false }
        switch check {
        case .exists: return s.state.withLock { !$0.bytes.isEmpty }
        case .read, .readWrite: return true
        }
    }

    public func fullPathname(_ path: String) throws -> String { path }

    public func randomness(_ buffer: UnsafeMutableRawBufferPointer) {
        var g = SystemRandomNumberGenerator()
        for i in buffer.indices { buffer[i] = UInt8.random(in: 0...255, using: &g) }
    }

    public func sleep(microseconds: Int) -> Int { microseconds }

    /// The wall clock, as the default VFS gives it to SQLite's in-memory databases
    /// (`date('now')` on `:memory:` is today). Milliseconds since the Julian epoch.
    public func currentTimeMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return 210_866_760_000_000 + Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    func removeIfSame(_ name: String, _ storage: Storage) {
        files.withLock { files in
            if files[name] === storage { files.removeValue(forKey: name) }
        }
    }
}

/// A handle on a MemoryVFS file. Used by one owner at a time.
final class MemoryFile: VFSFile {
    private let storage: MemoryVFS.Storage
    private let name: String
    private let vfs: MemoryVFS
    private let deleteOnClose: Bool
    private let readOnly: Bool
    private var closed = false
    private(set) var lockLevel: LockLevel = .none
    private var shmAttached = false
    private var shmLocks = ShmHandleLocks()

    init(storage: MemoryVFS.Storage, name: String, vfs: MemoryVFS, deleteOnClose: Bool, readOnly: Bool) {
        self.storage = storage
        self.name = name
        self.vfs = vfs
        self.deleteOnClose = deleteOnClose
        self.readOnly = readOnly
    }

    deinit { if !closed { try? close() } }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0 else { throw DatabaseError(.ioErrorRead) }
        let available: Int = storage.state.withLock { state in
            guard offset < Int64(state.bytes.count) else { return 0 }
            return state.bytes.read(into: buffer, at: Int(offset))
        }
        if available < buffer.count, let base = buffer.baseAddress {
            (base + available).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - available)
        }
        return available
    }

    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard !readOnly else { throw DatabaseError(.readonly) }
        guard offset >= 0, offset <= Int64(Int.max) - Int64(buffer.count) else { throw DatabaseError(.ioErrorWrite) }
        let start = Int(offset)
        storage.state.withLock { state in state.bytes.write(buffer, at: start) }
    }

    func truncate(to size: Int64) throws {
        guard size >= 0 else { throw DatabaseError(.ioErrorTruncate) }
        storage.state.withLock { state in
            let n = Int(clamping: size)
            state.bytes.truncate(to: n)
        }
    }

    func sync(_ flags: SyncFlags) throws {}
    func size() throws -> Int64 { storage.state.withLock { Int64($0.bytes.count) } }

    func lock(_ level: LockLevel) throws {
        guard level > lockLevel else { return }
        let granted = storage.state.withLock { state in state.locks.raise(&lockLevel, to: level) }
        if !granted { throw DatabaseError(.busy) }
    }

    func unlock(to level: LockLevel) throws {
        guard level < lockLevel else { return }
        storage.state.withLock { state in state.locks.lower(&lockLevel, to: level) }
    }

    func checkReservedLock() throws -> Bool {
        storage.state.withLock { $0.locks.level >= .reserved }
    }

    var sectorSize: Int { 4096 }
    var deviceCharacteristics: DeviceCharacteristics { [.powersafeOverwrite] }

    func close() throws {
        guard !closed else { return }
        closed = true
        if shmAttached { try? shmUnmap(delete: false) }
        try unlock(to: .none)
        if deleteOnClose { vfs.removeIfSame(name, storage) }
    }
}

extension MemoryFile: VFSSharedMemory {
    func shmMap(region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        if !shmAttached {
            storage.shm.attach()
            shmAttached = true
        }
        return try storage.shm.map(region: region, size: size, extend: extend)
    }

    func shmLock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {
        try storage.shm.lock(slots, mode, handle: &shmLocks)
    }

    func shmUnlock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {
        try storage.shm.unlock(slots, mode, handle: &shmLocks)
    }

    func shmBarrier() { atomicMemoryFence(ordering: .sequentiallyConsistent) }

    func shmUnmap(delete: Bool) throws {
        guard shmAttached else { return }
        shmAttached = false
        _ = storage.shm.detach(&shmLocks)
    }
}
