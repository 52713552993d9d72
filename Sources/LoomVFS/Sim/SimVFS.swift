// This file implements SimVFS: a deterministic simulated file system with a virtual clock,
// seeded randomness, a call trace, injected faults and a power-loss (crash) model.
// Layer: L0. Spec: Spec/L0-vfs.md (section "SimVFS").
import LoomBase
import Synchronization

/// A simulated file system for testing code that runs on a `VFS`, deterministic from a seed.
///
/// ```swift
/// let vfs = SimVFS(seed: 42)
/// vfs.inject(SimVFS.Fault(.sync, nth: 3, kind: .powerLoss))
/// // … run a workload; the third sync loses power instead …
/// let db = try Database(path: "a.db", vfs: vfs)   // recovers from what the disk holds
/// ```
/// Every write lands in the file's live bytes at once (reads see it) but stays *pending* until
/// the file is synced. A power loss (`powerLoss()`, a `.powerLoss` fault, or
/// `SimVFS(crashing: snapshot, seed:)`) keeps each pending write applied, dropped or torn
/// (its sectors partly new, old, or garbage). Creating and deleting files change the live
/// directory only; a directory sync makes them durable. As SQLite's unix VFS, the first
/// sync of a newly created journal (`.mainJournal`, `.superJournal`, `.wal`) also syncs its
/// directory. Corresponds to SQLite's crash-test VFS (`test6.c`) and fault-injecting VFSs.
public final class SimVFS: VFS {
    /// The VFS operations, for faults and the trace.
    public enum Operation: String, Sendable, CaseIterable {
        case open, delete, access, read, write, truncate, sync, size, lock, unlock
        case checkReservedLock, close
    }

    /// What an injected fault does.
    public enum FaultKind: Sendable, Equatable {
        /// The operation throws its I/O error code (`ioErrorRead`, `ioErrorWrite`, …).
        case ioError
        /// A read returns only the first half of the bytes that exist (the rest zero-filled).
        case shortRead
        /// A write stores its first half, then throws `ioErrorWrite`.
        case shortWrite
        /// A write stores its first half, then throws `full`.
        case diskFull
        /// A sync makes nothing durable and throws `ioErrorFsync`.
        case syncFailure
        /// An open throws `cannotOpen`.
        case cannotOpen
        /// The power fails just before the operation: the disk becomes a crash outcome, every
        /// open handle dies, and the operation throws `ioError` ("simulated power loss").
        case powerLoss
    }

    /// A fault injected at the `nth` (1-based) call of `operation` (nil: of any operation),
    /// optionally only on paths containing `pathContains`; `persistent` repeats it on every
    /// later matching call.
    public struct Fault: Sendable, Equatable {
        public var operation: Operation?
        public var nth: Int
        public var kind: FaultKind
        public var persistent: Bool
        public var pathContains: String?
        public init(_ operation: Operation?, nth: Int, kind: FaultKind, persistent: Bool = false,
                    pathContains: String? = nil) {
            self.operation = operation
            self.nth = nth
            self.kind = kind
            self.persistent = persistent
            self.pathContains = pathContains
        }
    }

    /// Counters since creation.
    public struct Statistics: Sendable, Equatable {
        public var calls: [Operation: Int] = [:]
        public var faultsFired = 0
        public var powerLosses = 0
    }

    /// A frozen copy of the whole file system (live and durable state), from which crash
    /// outcomes can be computed without disturbing the running simulation.
    public struct Snapshot: Sendable {
        let state: DiskState
        /// A label: the operation and call number it was taken before.
        public let label: String
    }

    /// One pending (unsynced) change to a file.
    enum PendingChange: Sendable {
        case write(offset: Int, bytes: [UInt8])
        case truncate(Int)
    }

    struct Inode: Sendable {
        var live: [UInt8] = []
        var durable: [UInt8] = []
        var pending: [PendingChange] = []
        var locks = InProcessLocks()
    }

    /// The disk: inodes and the live / durable directory. Value type (cheap to snapshot).
    struct DiskState: Sendable {
        var inodes: [Int: Inode] = [:]
        var live: [String: Int] = [:]
        var durable: [String: Int] = [:]
        var nextInode = 1
    }

    struct Handle {
        var inode: Int
        var path: String?
        var generation: Int
        var lockLevel: LockLevel = .none
        var deleteOnClose: Bool
        var readOnly: Bool
        var syncDirectoryOnFirstSync: Bool
        /// The shared memory this handle mapped, and the shm lock slots it holds.
        var shm: HeapSharedMemory? = nil
        var shmLocks = ShmHandleLocks()
    }

    struct State {
        var disk = DiskState()
        var handles: [Int: Handle] = [:]
        var nextHandle = 1
        var generation = 0
        var random: SimRandom
        var crashRandom: SimRandom
        var clockMilliseconds: Int64 = 210_866_760_000_000 + 1_700_000_000_000
        var clockMicroRemainder = 0
        var faults: [Fault] = []
        var anyCalls = 0
        var stats = Statistics()
        var tracing: Bool
        var trace: [String] = []
        var snapshotAtSync = false
        var snapshotWriteEvery = 0
        var snapshots: [Snapshot] = []
        /// Shared memory (WAL index) per database path. Heap memory: a power loss forgets it.
        var shm: [String: HeapSharedMemory] = [:]
    }

    private let state: Mutex<State>
    /// Sector size reported by every file and used to tear writes.
    public let sectorSize: Int
    /// The seed this VFS was built from.
    public let seed: UInt64

    /// A fresh, empty file system. `tracing` records every call in `trace`.
    public init(seed: UInt64, sectorSize: Int = 512, tracing: Bool = false) {
        self.seed = seed
        self.sectorSize = max(1, sectorSize)
        state = Mutex(State(random: SimRandom(seed: seed), crashRandom: SimRandom(seed: seed ^ 0x5eed_c4a5_b00c_f00d),
                            tracing: tracing))
    }

    /// The file system a power loss at `snapshot` could leave, chosen by `seed`: each pending
    /// write applied, dropped or torn; each unsynced directory change kept or lost.
    public convenience init(crashing snapshot: Snapshot, seed: UInt64, sectorSize: Int = 512, tracing: Bool = false) {
        self.init(seed: seed, sectorSize: sectorSize, tracing: tracing)
        state.withLock { s in
            s.disk = SimVFS.crashOutcome(of: snapshot.state, random: &s.crashRandom, sectorSize: self.sectorSize)
        }
    }

    public var name: String { "sim" }

    // MARK: Control

    /// Adds a fault; counting starts from the calls made so far (nth counts from now).
    public func inject(_ fault: Fault) {
        state.withLock { s in
            var f = fault
            let base = f.operation.map { s.stats.calls[$0] ?? 0 } ?? s.anyCalls
            f.nth += base
            s.faults.append(f)
        }
    }

    /// Removes every pending fault.
    public func clearFaults() { state.withLock { $0.faults = [] } }

    /// When on, every `sync` call first stores a snapshot (see `takeSnapshots`).
    public func setSnapshotAtSync(_ on: Bool) { state.withLock { $0.snapshotAtSync = on } }

    /// When `every > 0`, every `every`-th write call first stores a snapshot.
    public func setSnapshotAtWrites(every: Int) { state.withLock { $0.snapshotWriteEvery = max(0, every) } }

    /// A hash of the live directory and file contents (equal disks, equal fingerprints).
    public func fingerprint() -> UInt64 {
        state.withLock { s in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            for (name, ino) in s.disk.live.sorted(by: { $0.key < $1.key }) {
                for b in name.utf8 { mix(b) }
                mix(0)
                let bytes = s.disk.inodes[ino]?.live ?? []
                for b in bytes { mix(b) }
                for i in 0..<8 { mix(UInt8(truncatingIfNeeded: bytes.count >> (i * 8))) }
            }
            return h
        }
    }

    /// A snapshot of the file system as it is now.
    public func snapshot(label: String = "manual") -> Snapshot {
        state.withLock { Snapshot(state: $0.disk, label: label) }
    }

    /// Returns and forgets the snapshots stored so far.
    public func takeSnapshots() -> [Snapshot] {
        state.withLock { s in
            defer { s.snapshots = [] }
            return s.snapshots
        }
    }

    /// Simulates a power loss now: the disk becomes a crash outcome, every handle dies.
    public func powerLoss() { state.withLock { s in crashInPlace(&s) } }

    /// The recorded trace (empty unless built with `tracing: true`).
    public var trace: [String] { state.withLock { $0.trace } }

    public var statistics: Statistics { state.withLock { $0.stats } }

    /// What should not be left at the end of a test: open handles, held locks, unsynced
    /// writes to named files (unless `includeUnsynced` is false) and (with
    /// `includeDirectory`) unsynced directory changes.
    public func leftovers(includeUnsynced: Bool = true, includeDirectory: Bool = false) -> [String] {
        state.withLock { s in
            var out: [String] = []
            for (id, h) in s.handles.sorted(by: { $0.key < $1.key }) where h.generation == s.generation {
                out.append("open handle #\(id) on \(h.path ?? "(temp)") at \(h.lockLevel)")
            }
            for (path, ino) in s.disk.live.sorted(by: { $0.key < $1.key }) {
                guard let node = s.disk.inodes[ino] else { continue }
                if node.locks.holders > 0 { out.append("lock held on \(path): \(node.locks.level)") }
                if includeUnsynced && !node.pending.isEmpty { out.append("unsynced writes to \(path): \(node.pending.count)") }
            }
            if includeDirectory {
                for name in Set(s.disk.live.keys).union(s.disk.durable.keys).sorted()
                where s.disk.live[name] != s.disk.durable[name] {
                    out.append("unsynced directory entry \(name)")
                }
            }
            return out
        }
    }

    /// The live bytes of `path` (nil when it does not exist).
    public func contents(of path: String) -> [UInt8]? {
        state.withLock { s in s.disk.live[path].flatMap { s.disk.inodes[$0]?.live } }
    }

    /// Creates (or replaces) `path` with `bytes`, durable at once (test setup).
    public func install(_ path: String, bytes: [UInt8]) {
        state.withLock { s in
            let ino = s.disk.nextInode
            s.disk.nextInode += 1
            s.disk.inodes[ino] = Inode(live: bytes, durable: bytes)
            s.disk.live[path] = ino
            s.disk.durable[path] = ino
        }
    }

    /// The names of the live files, sorted.
    public var fileNames: [String] { state.withLock { $0.disk.live.keys.sorted() } }

    // MARK: VFS

    public func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        let id: Int = try state.withLock { s in
            let fault = try begin(&s, .open, path)
            if fault == .cannotOpen || fault == .ioError { throw DatabaseError(.cannotOpen) }
            let ino: Int
            var created = false
            if let path, let existing = s.disk.live[path] {
                if flags.contains(.exclusive) && flags.contains(.create) { throw DatabaseError(.cannotOpen) }
                ino = existing
            } else {
                guard flags.contains(.create) || path == nil else { throw DatabaseError(.cannotOpen) }
                ino = s.disk.nextInode
                s.disk.nextInode += 1
                s.disk.inodes[ino] = Inode()
                if let path { s.disk.live[path] = ino }
                created = true
            }
            let journalKind = flags.contains(.mainJournal) || flags.contains(.superJournal) || flags.contains(.wal)
            let h = Handle(inode: ino, path: path, generation: s.generation,
                           deleteOnClose: flags.contains(.deleteOnClose) || path == nil,
                           readOnly: flags.contains(.readOnly) && !flags.contains(.readWrite),
                           syncDirectoryOnFirstSync: created && journalKind && path != nil)
            let id = s.nextHandle
            s.nextHandle += 1
            s.handles[id] = h
            return id
        }
        return SimFile(vfs: self, id: id)
    }

    public func delete(_ path: String, syncDirectory: Bool) throws {
        try state.withLock { s in
            let fault = try begin(&s, .delete, path)
            if fault == .ioError { throw DatabaseError(.ioErrorDelete) }
            guard s.disk.live.removeValue(forKey: path) != nil else { throw DatabaseError(.ioErrorDeleteNoEntry) }
            if syncDirectory { syncDirectoryOf(path, &s) }
            collect(&s)
        }
    }

    public func access(_ path: String, _ check: AccessCheck) throws -> Bool {
        try state.withLock { s in
            let fault = try begin(&s, .access, path)
            if fault == .ioError { throw DatabaseError(.ioErrorAccess) }
            guard let ino = s.disk.live[path], let node = s.disk.inodes[ino] else { return false }
            switch check {
            case .exists: return !node.live.isEmpty
            case .read, .readWrite: return true
            }
        }
    }

    public func fullPathname(_ path: String) throws -> String { path }

    /// Deterministic bytes from the seed.
    public func randomness(_ buffer: UnsafeMutableRawBufferPointer) {
        state.withLock { s in
            for i in buffer.indices { buffer[i] = UInt8(truncatingIfNeeded: s.random.next()) }
            if s.tracing { s.trace.append("randomness \(buffer.count)") }
        }
    }

    /// Advances the virtual clock; never really sleeps.
    public func sleep(microseconds: Int) -> Int {
        state.withLock { s in
            let us = max(0, microseconds)
            let total = s.clockMicroRemainder + us
            s.clockMilliseconds += Int64(total / 1000)
            s.clockMicroRemainder = total % 1000
            if s.tracing { s.trace.append("sleep \(us)") }
            return us
        }
    }

    /// The virtual clock; each call advances it by one millisecond.
    public func currentTimeMilliseconds() -> Int64 {
        state.withLock { s in
            s.clockMilliseconds += 1
            if s.tracing { s.trace.append("time") }
            return s.clockMilliseconds
        }
    }

    // MARK: File operations (called by SimFile)

    func fileRead(_ id: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let n: Int = try state.withLock { s in
            let h = try live(&s, id, .read, "@\(offset)+\(buffer.count)")
            let fault = try begin(&s, .read, h.path)
            if fault == .ioError { throw DatabaseError(.ioErrorRead) }
            guard offset >= 0, let node = s.disk.inodes[h.inode] else { throw DatabaseError(.ioErrorRead) }
            guard offset < Int64(node.live.count) else { return 0 }
            let start = Int(offset)
            var n = min(buffer.count, node.live.count - start)
            if fault == .shortRead { n /= 2 }
            node.live.withUnsafeBytes { src in
                if n > 0, let d = buffer.baseAddress, let p = src.baseAddress {
                    d.copyMemory(from: p + start, byteCount: n)
                }
            }
            return n
        }
        if n < buffer.count, let base = buffer.baseAddress {
            (base + n).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - n)
        }
        return n
    }

    func fileWrite(_ id: Int, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        try state.withLock { s in
            let h = try live(&s, id, .write, "@\(offset)+\(buffer.count)")
            let writeNumber = (s.stats.calls[.write] ?? 0) + 1
            if s.snapshotWriteEvery > 0 && writeNumber % s.snapshotWriteEvery == 0 {
                s.snapshots.append(Snapshot(state: s.disk, label: "write#\(writeNumber) \(h.path ?? "temp")"))
            }
            let fault = try begin(&s, .write, h.path)
            if h.readOnly { throw DatabaseError(.readonly) }
            guard offset >= 0, offset <= Int64(Int32.max) else { throw DatabaseError(.ioErrorWrite) }
            if fault == .ioError { throw DatabaseError(.ioErrorWrite) }
            var bytes = [UInt8](buffer)
            if fault == .shortWrite || fault == .diskFull { bytes.removeLast(bytes.count - bytes.count / 2) }
            let start = Int(offset)
            if !bytes.isEmpty, var node = s.disk.inodes[h.inode] {
                s.disk.inodes[h.inode] = nil
                SimVFS.apply(bytes, at: start, to: &node.live)
                node.pending.append(.write(offset: start, bytes: bytes))
                s.disk.inodes[h.inode] = node
            }
            if fault == .shortWrite { throw DatabaseError(.ioErrorWrite) }
            if fault == .diskFull { throw DatabaseError(.full) }
        }
    }

    func fileTruncate(_ id: Int, to size: Int64) throws {
        try state.withLock { s in
            let h = try live(&s, id, .truncate, "\(size)")
            let fault = try begin(&s, .truncate, h.path)
            if fault == .ioError || size < 0 { throw DatabaseError(.ioErrorTruncate) }
            guard var node = s.disk.inodes[h.inode] else { return }
            s.disk.inodes[h.inode] = nil
            let n = Int(clamping: size)
            if node.live.count > n { node.live.removeSubrange(n...) }
            node.pending.append(.truncate(n))
            s.disk.inodes[h.inode] = node
        }
    }

    func fileSync(_ id: Int, _ flags: SyncFlags) throws {
        try state.withLock { s in
            let h = try live(&s, id, .sync, "")
            if s.snapshotAtSync {
                s.snapshots.append(Snapshot(state: s.disk, label: "sync#\((s.stats.calls[.sync] ?? 0) + 1) \(h.path ?? "temp")"))
            }
            let fault = try begin(&s, .sync, h.path)
            if fault == .ioError || fault == .syncFailure { throw DatabaseError(.ioErrorFsync) }
            if var node = s.disk.inodes[h.inode] {
                node.durable = node.live
                node.pending = []
                s.disk.inodes[h.inode] = node
            }
            if h.syncDirectoryOnFirstSync, let path = h.path {
                s.handles[id]?.syncDirectoryOnFirstSync = false
                syncDirectoryOf(path, &s)
            }
        }
    }

    func fileSize(_ id: Int) throws -> Int64 {
        try state.withLock { s in
            let h = try live(&s, id, .size, "")
            let fault = try begin(&s, .size, h.path)
            if fault == .ioError { throw DatabaseError(.ioErrorFstat) }
            return Int64(s.disk.inodes[h.inode]?.live.count ?? 0)
        }
    }

    func fileLock(_ id: Int, _ level: LockLevel) throws {
        try state.withLock { s in
            let h = try live(&s, id, .lock, "\(level)")
            let fault = try begin(&s, .lock, h.path)
            if fault == .ioError { throw DatabaseError(.ioErrorLock) }
            guard level > h.lockLevel, var node = s.disk.inodes[h.inode] else { return }
            var current = h.lockLevel
            let granted = node.locks.raise(&current, to: level)
            s.disk.inodes[h.inode] = node
            s.handles[id]?.lockLevel = current
            if !granted { throw DatabaseError(.busy) }
        }
    }

    func fileUnlock(_ id: Int, to level: LockLevel) throws {
        try state.withLock { s in
            guard let h = s.handles[id] else { return }
            if h.generation != s.generation { return }  // a dead handle holds nothing
            _ = try live(&s, id, .unlock, "\(level)")
            let fault = try begin(&s, .unlock, h.path)
            unlockQuietly(&s, id, to: level)
            if fault == .ioError { throw DatabaseError(.ioErrorUnlock) }
        }
    }

    func fileCheckReservedLock(_ id: Int) throws -> Bool {
        try state.withLock { s in
            let h = try live(&s, id, .checkReservedLock, "")
            let fault = try begin(&s, .checkReservedLock, h.path)
            if fault == .ioError { throw DatabaseError(.ioErrorCheckReservedLock) }
            return (s.disk.inodes[h.inode]?.locks.level ?? .none) >= .reserved
        }
    }

    func fileLockLevel(_ id: Int) -> LockLevel {
        state.withLock { s in
            guard let h = s.handles[id], h.generation == s.generation else { return .none }
            return h.lockLevel
        }
    }

    func fileClose(_ id: Int) throws {
        try state.withLock { s in
            guard let h = s.handles[id] else { return }
            defer {
                s.handles[id] = nil
                collect(&s)
            }
            if var hh = s.handles[id], let node = hh.shm {
                if node.detach(&hh.shmLocks), let path = hh.path, s.shm[path] === node { s.shm[path] = nil }
                hh.shm = nil
                s.handles[id] = hh
            }
            guard h.generation == s.generation else { return }
            if s.tracing { s.trace.append("close #\(id) \(h.path ?? "temp")") }
            unlockQuietly(&s, id, to: .none)
            if h.deleteOnClose, let path = h.path, s.disk.live[path] == h.inode {
                s.disk.live[path] = nil
            }
            let fault = try begin(&s, .close, h.path)
            if fault == .ioError { throw DatabaseError(.ioErrorClose) }
        }
    }

    // MARK: Shared memory

    func fileShmMap(_ id: Int, region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        let node: HeapSharedMemory = try state.withLock { s in
            let h = try live(&s, id, .read, "shm-map \(region)")
            if let node = h.shm { return node }
            let key = h.path ?? "temp#\(id)"
            let node = s.shm[key] ?? HeapSharedMemory()
            s.shm[key] = node
            node.attach()
            s.handles[id]?.shm = node
            return node
        }
        return try node.map(region: region, size: size, extend: extend)
    }

    func fileShmLock(_ id: Int, _ slots: Range<Int>, _ mode: ShmLockMode, unlock: Bool) throws {
        try state.withLock { s in
            let h = try live(&s, id, .lock, "shm \(unlock ? "unlock" : "lock") \(slots) \(mode)")
            guard let node = h.shm else { throw DatabaseError(.ioErrorShmLock) }
            var locks = h.shmLocks
            defer { s.handles[id]?.shmLocks = locks }
            if unlock {
                try node.unlock(slots, mode, handle: &locks)
            } else {
                try node.lock(slots, mode, handle: &locks)
            }
        }
    }

    func fileShmUnmap(_ id: Int, delete: Bool) {
        state.withLock { s in
            guard var h = s.handles[id], let node = h.shm else { return }
            if s.tracing && h.generation == s.generation { s.trace.append("shm-unmap #\(id)") }
            if node.detach(&h.shmLocks), delete, let path = h.path, s.shm[path] === node {
                s.shm[path] = nil
            }
            h.shm = nil
            s.handles[id] = h
        }
    }

    // MARK: Internals

    private func unlockQuietly(_ s: inout State, _ id: Int, to level: LockLevel) {
        guard let h = s.handles[id], level < h.lockLevel, var node = s.disk.inodes[h.inode] else { return }
        var current = h.lockLevel
        node.locks.lower(&current, to: level)
        s.disk.inodes[h.inode] = node
        s.handles[id]?.lockLevel = current
    }

    /// The handle, or an error when it is closed or died in a power loss; traces the call.
    private func live(_ s: inout State, _ id: Int, _ op: Operation, _ detail: String) throws -> Handle {
        guard let h = s.handles[id] else { throw DatabaseError(.misuse, "SimVFS: file is closed") }
        guard h.generation == s.generation else { throw DatabaseError(.ioError, "simulated power loss") }
        if s.tracing { s.trace.append("\(op.rawValue) #\(id) \(h.path ?? "temp") \(detail)") }
        return h
    }

    /// Counts the call, fires a matching fault. A power loss crashes and throws here.
    private func begin(_ s: inout State, _ op: Operation, _ path: String?) throws -> FaultKind? {
        s.anyCalls += 1
        let n = (s.stats.calls[op] ?? 0) + 1
        s.stats.calls[op] = n
        if s.tracing && (op == .open || op == .delete || op == .access) {
            s.trace.append("\(op.rawValue) \(path ?? "temp")")
        }
        var fired: FaultKind?
        var i = 0
        while i < s.faults.count {
            let f = s.faults[i]
            let count = f.operation == nil ? s.anyCalls : (f.operation == op ? n : -1)
            let pathOK = f.pathContains.map { p in path.map { $0.contains(p) } ?? false } ?? true
            if pathOK && count >= 0 && (count == f.nth || (f.persistent && count > f.nth)) {
                fired = f.kind
                if !f.persistent { s.faults.remove(at: i); continue }
            }
            i += 1
        }
        guard let fired else { return nil }
        s.stats.faultsFired += 1
        if s.tracing { s.trace.append("fault \(fired) at \(op.rawValue)") }
        if fired == .powerLoss {
            crashInPlace(&s)
            throw DatabaseError(.ioError, "simulated power loss")
        }
        return fired
    }

    private func crashInPlace(_ s: inout State) {
        s.stats.powerLosses += 1
        s.generation += 1
        s.shm = [:]
        s.disk = SimVFS.crashOutcome(of: s.disk, random: &s.crashRandom, sectorSize: sectorSize)
        if s.tracing { s.trace.append("power loss") }
    }

    private func syncDirectoryOf(_ path: String, _ s: inout State) {
        let dir = SimVFS.directory(of: path)
        for name in Set(s.disk.live.keys).union(s.disk.durable.keys) where SimVFS.directory(of: name) == dir {
            s.disk.durable[name] = s.disk.live[name]
        }
    }

    static func directory(of path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return path[..<slash]
    }

    /// Drops inodes no name and no handle refers to.
    private func collect(_ s: inout State) {
        var used = Set(s.disk.live.values).union(s.disk.durable.values)
        for h in s.handles.values where h.generation == s.generation { used.insert(h.inode) }
        for key in Array(s.disk.inodes.keys) where !used.contains(key) { s.disk.inodes[key] = nil }
    }

    static func apply(_ bytes: [UInt8], at start: Int, to data: inout [UInt8]) {
        let end = start + bytes.count
        if data.count < end { data.append(contentsOf: repeatElement(0, count: end - data.count)) }
        data.replaceSubrange(start..<end, with: bytes)
    }

    /// What a disk may hold after power fails in state `disk`.
    static func crashOutcome(of disk: DiskState, random: inout SimRandom, sectorSize: Int) -> DiskState {
        var out = DiskState()
        out.nextInode = disk.nextInode
        // Directory: each unsynced entry change is kept or lost independently.
        let keepAllDir = random.below(4)  // 0: lose all, 1: keep all, else: mix
        for name in Set(disk.live.keys).union(disk.durable.keys).sorted() {
            let l = disk.live[name], d = disk.durable[name]
            let pick: Int?
            if l == d { pick = l } else if keepAllDir == 0 { pick = d } else if keepAllDir == 1 { pick = l } else {
                pick = random.below(2) == 0 ? l : d
            }
            if let pick { out.live[name] = pick; out.durable[name] = pick }
        }
        // Contents: each pending change applied, dropped or torn.
        let mode = random.below(5)  // 0: apply all, 1: drop all, else: mix
        for ino in Set(out.live.values).sorted() {
            guard let node = disk.inodes[ino] else { continue }
            var bytes = node.durable
            for change in node.pending {
                let r = mode == 0 ? 0 : mode == 1 ? 1 : random.below(4)
                switch change {
                case .truncate(let n):
                    if r != 1, bytes.count > n { bytes.removeSubrange(n...) }
                case .write(let offset, let data):
                    if r == 0 || r == 3 { apply(data, at: offset, to: &bytes) } else if r == 2 {
                        tear(data, at: offset, into: &bytes, random: &random, sectorSize: sectorSize)
                    }
                }
            }
            out.inodes[ino] = Inode(live: bytes, durable: bytes)
        }
        return out
    }

    /// A torn write: each sector-sized piece is new, old (or, past the end, zero), or garbage.
    static func tear(_ data: [UInt8], at offset: Int, into bytes: inout [UInt8], random: inout SimRandom, sectorSize: Int) {
        var pos = 0
        while pos < data.count {
            let abs = offset + pos
            let pieceEnd = min(data.count, pos + (sectorSize - abs % sectorSize))
            let piece: [UInt8]
            switch random.below(3) {
            case 0: piece = Array(data[pos..<pieceEnd])
            case 1:
                piece = (abs..<(offset + pieceEnd)).map { $0 < bytes.count ? bytes[$0] : 0 }
            default:
                piece = (pos..<pieceEnd).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            apply(piece, at: abs, to: &bytes)
            pos = pieceEnd
        }
    }
}

/// A handle on a SimVFS file.
final class SimFile: VFSFile {
    let vfs: SimVFS
    let id: Int
    private var closed = false

    init(vfs: SimVFS, id: Int) {
        self.vfs = vfs
        self.id = id
    }

    deinit { if !closed { try? vfs.fileClose(id) } }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try vfs.fileRead(id, into: buffer, at: offset)
    }
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws { try vfs.fileWrite(id, buffer, at: offset) }
    func truncate(to size: Int64) throws { try vfs.fileTruncate(id, to: size) }
    func sync(_ flags: SyncFlags) throws { try vfs.fileSync(id, flags) }
    func size() throws -> Int64 { try vfs.fileSize(id) }
    func lock(_ level: LockLevel) throws { try vfs.fileLock(id, level) }
    func unlock(to level: LockLevel) throws { try vfs.fileUnlock(id, to: level) }
    func checkReservedLock() throws -> Bool { try vfs.fileCheckReservedLock(id) }
    var lockLevel: LockLevel { vfs.fileLockLevel(id) }
    var sectorSize: Int { vfs.sectorSize }
    var deviceCharacteristics: DeviceCharacteristics { [] }
    func close() throws {
        guard !closed else { return }
        closed = true
        try vfs.fileClose(id)
    }
}

extension SimFile: VFSSharedMemory {
    func shmMap(region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        try vfs.fileShmMap(id, region: region, size: size, extend: extend)
    }
    func shmLock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {
        try vfs.fileShmLock(id, slots, mode, unlock: false)
    }
    func shmUnlock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {
        try vfs.fileShmLock(id, slots, mode, unlock: true)
    }
    func shmBarrier() { atomicMemoryFence(ordering: .sequentiallyConsistent) }
    func shmUnmap(delete: Bool) throws { vfs.fileShmUnmap(id, delete: delete) }
}

/// SplitMix64: small, fast, deterministic (also the simulator's generator, LoomSim).
package struct SimRandom: Sendable {
    package var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    package mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}
