// This file implements MemoryVFS: files that live in memory, for `:memory:` databases and
// named in-memory files. Layer: L0. Spec: Spec/L0-vfs.md.
import LoomBase
import Synchronization

/// A VFS whose files are byte arrays in memory, shared by name within one `MemoryVFS`.
///
/// ```swift
/// let vfs = MemoryVFS()
/// let db = try vfs.open("a.db", flags: [.readWrite, .create])
/// ```
/// SKELETON: no locking between handles yet.
public final class MemoryVFS: VFS {
    final class Storage: @unchecked Sendable {  // guarded by MemoryVFS.files' mutex
        var bytes: [UInt8] = []
    }
    private let files = Mutex<[String: Storage]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}
    public var name: String { "memory" }

    public func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        let key = path ?? "\u{0}temp-\(counter.add(1, ordering: .relaxed).newValue)"
        let storage: Storage? = files.withLock { files in
            if let s = files[key] { return s }
            guard flags.contains(.create) else { return nil }
            let s = Storage()
            files[key] = s
            return s
        }
        guard let storage else { throw DatabaseError(.cannotOpen) }
        return MemoryFile(storage: storage, lock: files)
    }

    public func delete(_ path: String, syncDirectory: Bool) throws {
        let removed = files.withLock { $0.removeValue(forKey: path) }
        if removed == nil { throw DatabaseError(.ioErrorDeleteNoEntry) }
    }

    public func access(_ path: String, _ check: AccessCheck) throws -> Bool {
        files.withLock { $0[path] != nil }
    }

    public func fullPathname(_ path: String) throws -> String { path }

    public func randomness(_ buffer: UnsafeMutableRawBufferPointer) {
        var g = SystemRandomNumberGenerator()
        for i in buffer.indices { buffer[i] = UInt8.random(in: 0...255, using: &g) }
    }

    public func sleep(microseconds: Int) -> Int { microseconds }

    public func currentTimeMilliseconds() -> Int64 { 210_866_760_000_000 }
}

final class MemoryFile: VFSFile {
    private let storage: MemoryVFS.Storage
    private let mutex: Mutex<[String: MemoryVFS.Storage]>
    private(set) var lockLevel: LockLevel = .none

    init(storage: MemoryVFS.Storage, lock: borrowing Mutex<[String: MemoryVFS.Storage]>) {
        self.storage = storage
        self.mutex = Mutex([:])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let bytes = storage.bytes
        let start = Int(clamping: offset)
        let available = max(0, min(buffer.count, bytes.count - start))
        if available > 0 {
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + start, byteCount: available)
            }
        }
        if available < buffer.count {
            (buffer.baseAddress! + available).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - available)
        }
        return available
    }

    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        let start = Int(offset)
        let end = start + buffer.count
        if storage.bytes.count < end { storage.bytes.append(contentsOf: repeatElement(0, count: end - storage.bytes.count)) }
        storage.bytes.withUnsafeMutableBytes { dst in
            if buffer.count > 0 { (dst.baseAddress! + start).copyMemory(from: buffer.baseAddress!, byteCount: buffer.count) }
        }
    }

    func truncate(to size: Int64) throws {
        let n = Int(size)
        if storage.bytes.count > n { storage.bytes.removeSubrange(n...) }
    }

    func sync(_ flags: SyncFlags) throws {}
    func size() throws -> Int64 { Int64(storage.bytes.count) }
    func lock(_ level: LockLevel) throws { if level > lockLevel { lockLevel = level } }
    func unlock(to level: LockLevel) throws { if level < lockLevel { lockLevel = level } }
    func checkReservedLock() throws -> Bool { false }
    var sectorSize: Int { 512 }
    var deviceCharacteristics: DeviceCharacteristics { [] }
    func close() throws {}
}
