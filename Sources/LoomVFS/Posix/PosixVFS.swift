// This file implements PosixVFS: files, POSIX advisory locks, time and randomness on a POSIX
// system. Every system call Loom makes lives in this file. Layer: L0.
// Spec: Spec/L0-vfs.md (sections "PosixVFS", "Locks", "Errors").
import Glibc
import LoomBase
import Synchronization

/// The operating system's file system, locked compatibly with SQLite's unix VFS.
///
/// ```swift
/// let vfs = PosixVFS()
/// let file = try vfs.open("/tmp/a.db", flags: [.readWrite, .create, .mainDatabase])
/// ```
/// Locks are POSIX advisory locks on SQLite's lock bytes, so a Loom process and a `sqlite3`
/// process on the same file exclude each other. Corresponds to SQLite's `unix` VFS.
public final class PosixVFS: VFS {
    public init() {}
    public var name: String { "unix" }

    public func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        var oflags = O_CLOEXEC
        let writable = flags.contains(.readWrite)
        oflags |= writable ? O_RDWR : O_RDONLY
        if flags.contains(.create) && writable { oflags |= O_CREAT }
        if flags.contains(.exclusive) && flags.contains(.create) { oflags |= O_EXCL }
        let resolved: String
        var deleteNow = flags.contains(.deleteOnClose)
        if let path {
            resolved = path
        } else {
            resolved = Posix.temporaryName(self)
            oflags |= O_CREAT | O_EXCL | O_RDWR
            deleteNow = true
        }
        let existedBefore = Glibc.access(resolved, F_OK) == 0
        let fd = try Posix.openFile(resolved, oflags)
        if deleteNow { _ = unlink(resolved) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            _ = Glibc.close(fd)
            throw DatabaseError(.cannotOpen, osErrno: e)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            _ = Glibc.close(fd)
            throw DatabaseError(.cannotOpenIsDirectory)
        }
        let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        Posix.inodes.withLock { table in table[id, default: InodeEntry()].openHandles += 1 }
        let syncDirectory = (flags.contains(.mainJournal) || flags.contains(.wal)) && flags.contains(.create) && !existedBefore && !deleteNow
        return PosixFile(fd: fd, path: resolved, id: id, syncDirectoryOnFirstSync: syncDirectory)
    }

    public func delete(_ path: String, syncDirectory: Bool) throws {
        while unlink(path) != 0 {
            let e = errno
            if e == EINTR { continue }
            if e == ENOENT { throw DatabaseError(.ioErrorDeleteNoEntry, osErrno: e) }
            throw DatabaseError(.ioErrorDelete, osErrno: e)
        }
        if syncDirectory { try Posix.syncDirectory(of: path) }
    }

    /// `.exists` answers true only for a file with content (or a non-regular file), as
    /// SQLite's unix VFS does, so an empty journal is not a journal.
    public func access(_ path: String, _ check: AccessCheck) throws -> Bool {
        switch check {
        case .exists:
            var st = stat()
            guard stat(path, &st) == 0 else {
                let e = errno
                if e == ENOENT || e == ENOTDIR || e == EACCES { return false }
                throw DatabaseError(.ioErrorAccess, osErrno: e)
            }
            return (st.st_mode & S_IFMT) != S_IFREG || st.st_size > 0
        case .read:
            return Glibc.access(path, R_OK) == 0
        case .readWrite:
            return Glibc.access(path, R_OK | W_OK) == 0
        }
    }

    /// The absolute path: relative paths are joined to the working directory, and the
    /// directory part is resolved with `realpath` when it exists.
    public func fullPathname(_ path: String) throws -> String {
        var absolute = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else {
                throw DatabaseError(.cannotOpen, osErrno: errno)
            }
            let cwd = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            absolute = cwd == "/" ? "/" + path : cwd + "/" + path
        }
        guard let slash = absolute.lastIndex(of: "/") else { return absolute }
        let directory = slash == absolute.startIndex ? "/" : String(absolute[..<slash])
        let leaf = String(absolute[absolute.index(after: slash)...])
        guard let real = realpath(directory, nil) else { return absolute }
        defer { free(real) }
        let dir = String(cString: real)
        return dir == "/" ? "/" + leaf : dir + "/" + leaf
    }

    /// Random bytes from `/dev/urandom` (falling back to the standard library's generator,
    /// which uses `getrandom`).
    public func randomness(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var done = 0
        let fd = Glibc.open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            while done < buffer.count {
                let n = Glibc.read(fd, base + done, buffer.count - done)
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
            _ = Glibc.close(fd)
        }
        if done < buffer.count {
            var g = SystemRandomNumberGenerator()
            for i in done..<buffer.count { buffer[i] = UInt8.random(in: 0...255, using: &g) }
        }
    }

    public func sleep(microseconds: Int) -> Int {
        guard microseconds > 0 else { return 0 }
        _ = usleep(UInt32(clamping: microseconds))
        return microseconds
    }

    /// Milliseconds since the Julian epoch: Unix milliseconds + 210866760000000.
    public func currentTimeMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return 210_866_760_000_000 + Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// A file's identity: POSIX locks belong to a process and an inode, not to a descriptor.
struct FileID: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}

/// What this process knows about one inode: its open handles, the in-process lock counts,
/// and descriptors whose close waits until no lock is held (closing any descriptor drops
/// every POSIX lock the process holds on the inode).
struct InodeEntry: Sendable {
    var openHandles = 0
    var locks = InProcessLocks()
    var deferredCloses: [Int32] = []
}

enum Posix {
    /// The process-wide inode table. Every lock change happens under this mutex, so the
    /// in-process counts and the fcntl locks move together.
    static let inodes = Mutex<[FileID: InodeEntry]>([:])

    /// The shared memory of each database (keyed by the database file's inode) mapped in
    /// this process: one `-shm` descriptor, its mappings and the in-process lock counts.
    /// The table is consulted only when a handle attaches or detaches; lock calls go to the
    /// node the handle keeps.
    static let shmNodes = Mutex<[FileID: ShmNode]>([:])

    /// One database's `-shm` file as mapped in this process. Every field is read and written
    /// under `mutex` (attach and detach also hold `shmNodes`, taken first), so the
    /// in-process counts and the fcntl locks move together.
    final class ShmNode: @unchecked Sendable {
        let fd: Int32
        let path: String
        let mutex = PosixMutex()
        /// Base addresses of the mapped regions.
        var regions: [UInt] = []
        var regionSize = 0
        var locks = ShmLockTable()
        var users = 0

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }
    }

    /// First byte of the shm lock slots in the `-shm` file (`UNIX_SHM_BASE`); the byte after
    /// the 8 slots is the "dead man switch" every user holds shared (`UNIX_SHM_DMS`).
    static let shmLockBase: Int64 = 120
    static let shmDeadManSwitch: Int64 = 128

    /// Opens the `-shm` file. The first user of the database anywhere (nobody holds the
    /// dead-man-switch byte) truncates it, so a stale index is rebuilt; then every user holds
    /// that byte shared while attached, as SQLite's unix VFS.
    static func openShm(_ path: String) throws -> ShmNode {
        let fd: Int32
        do {
            fd = try openFile(path, O_RDWR | O_CREAT | O_CLOEXEC)
        } catch let error as DatabaseError {
            throw DatabaseError(.ioErrorShmOpen, osErrno: error.osErrno)
        }
        if setLock(fd, F_WRLCK, shmDeadManSwitch, 1) == 0 {
            while ftruncate(fd, 0) != 0 {
                let e = errno
                if e == EINTR { continue }
                _ = Glibc.close(fd)
                throw DatabaseError(.ioErrorShmOpen, osErrno: e)
            }
        }
        let e = setLock(fd, F_RDLCK, shmDeadManSwitch, 1)
        if e != 0 {
            _ = Glibc.close(fd)
            throw lockError(e, .ioErrorShmLock)
        }
        return ShmNode(fd: fd, path: path)
    }

    static func openFile(_ path: String, _ oflags: Int32) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, oflags, 0o644)
            if fd >= 0 { return fd }
            let e = errno
            if e == EINTR { continue }
            if e == EISDIR { throw DatabaseError(.cannotOpenIsDirectory, osErrno: e) }
            throw DatabaseError(.cannotOpen, osErrno: e)
        }
    }

    static func temporaryName(_ vfs: PosixVFS) -> String {
        var bytes = [UInt8](repeating: 0, count: 8)
        bytes.withUnsafeMutableBytes { vfs.randomness($0) }
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return dir + "/etilqs_" + hex
    }

    static func syncDirectory(of path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = Glibc.open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }  // SQLite ignores a directory it cannot open
        defer { _ = Glibc.close(fd) }
        while fsync(fd) != 0 {
            let e = errno
            if e == EINTR { continue }
            if e == EINVAL { return }  // file systems that cannot sync directories
            throw DatabaseError(.ioErrorDirFsync, osErrno: e)
        }
    }

    /// One fcntl F_SETLK call. Returns 0 or the errno.
    static func setLock(_ fd: Int32, _ type: Int32, _ start: Int64, _ length: Int64) -> Int32 {
        var fl = flock()
        fl.l_type = Int16(type)
        fl.l_whence = Int16(SEEK_SET)
        fl.l_start = off_t(start)
        fl.l_len = off_t(length)
        while fcntl(fd, F_SETLK, &fl) != 0 {
            let e = errno
            if e == EINTR { continue }
            return e
        }
        return 0
    }

    /// Maps a failed lock attempt: contention is `busy`, anything else an I/O error.
    static func lockError(_ e: Int32, _ code: ResultCode = .ioErrorLock) -> DatabaseError {
        if e == EAGAIN || e == EACCES { return DatabaseError(.busy, osErrno: e) }
        return DatabaseError(code, osErrno: e)
    }
}

/// An open POSIX file. Used by one owner at a time; lock bookkeeping is process-wide.
final class PosixFile: VFSFile {
    private var fd: Int32
    let path: String
    let id: FileID
    private var syncDirectoryOnFirstSync: Bool
    private(set) var lockLevel: LockLevel = .none
    /// The shared memory this handle is attached to (nil: not attached).
    fileprivate var shmNode: Posix.ShmNode?
    fileprivate var shmLocks = ShmHandleLocks()

    init(fd: Int32, path: String, id: FileID, syncDirectoryOnFirstSync: Bool) {
        self.fd = fd
        self.path = path
        self.id = id
        self.syncDirectoryOnFirstSync = syncDirectoryOnFirstSync
    }

    deinit { if fd >= 0 { try? close() } }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        guard offset >= 0 else { throw DatabaseError(.ioErrorRead) }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if n > 0 { done += n; continue }
            if n == 0 { break }
            let e = errno
            if e == EINTR { continue }
            throw DatabaseError(.ioErrorRead, osErrno: e)
        }
        if done < buffer.count {
            (base + done).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - done)
        }
        return done
    }

    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        guard offset >= 0 else { throw DatabaseError(.ioErrorWrite) }
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if n > 0 { done += n; continue }
            if n == 0 { throw DatabaseError(.full) }
            let e = errno
            if e == EINTR { continue }
            if e == ENOSPC || e == EDQUOT { throw DatabaseError(.full, osErrno: e) }
            throw DatabaseError(.ioErrorWrite, osErrno: e)
        }
    }

    func truncate(to size: Int64) throws {
        guard size >= 0 else { throw DatabaseError(.ioErrorTruncate) }
        while ftruncate(fd, off_t(size)) != 0 {
            let e = errno
            if e == EINTR { continue }
            throw DatabaseError(.ioErrorTruncate, osErrno: e)
        }
    }

    /// `fdatasync` whatever the flags, as SQLite's unix VFS on Linux: it also writes the
    /// metadata needed to read the data back (the file size), which is all a commit needs.
    func sync(_ flags: SyncFlags) throws {
        while fdatasync(fd) != 0 {
            let e = errno
            if e == EINTR { continue }
            throw DatabaseError(.ioErrorFsync, osErrno: e)
        }
        if syncDirectoryOnFirstSync {
            syncDirectoryOnFirstSync = false
            try Posix.syncDirectory(of: path)
        }
    }

    func size() throws -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DatabaseError(.ioErrorFstat, osErrno: errno) }
        return Int64(st.st_size)
    }

    /// Raises the lock following SQLite's protocol (lockingv3.html):
    /// SHARED = read-lock PENDING briefly, read-lock the SHARED range, release PENDING;
    /// RESERVED = write-lock RESERVED; EXCLUSIVE = write-lock PENDING, then the SHARED range.
    func lock(_ level: LockLevel) throws {
        guard level > lockLevel else { return }
        let fd = self.fd
        let id = self.id
        var current = lockLevel
        defer { lockLevel = current }
        try Posix.inodes.withLock { table in
            var entry = table[id, default: InodeEntry()]
            defer { table[id] = entry }
            if current == .none {
                guard entry.locks.mayShare() else { throw DatabaseError(.busy) }
                if entry.locks.holders == 0 {
                    let e1 = Posix.setLock(fd, F_RDLCK, LockBytes.pendingByte, 1)
                    if e1 != 0 { throw Posix.lockError(e1) }
                    let e2 = Posix.setLock(fd, F_RDLCK, LockBytes.sharedFirst, LockBytes.sharedSize)
                    let e3 = Posix.setLock(fd, F_UNLCK, LockBytes.pendingByte, 1)
                    if e2 != 0 { throw Posix.lockError(e2) }
                    if e3 != 0 { throw DatabaseError(.ioErrorUnlock, osErrno: e3) }
                    entry.locks.level = .shared
                }
                entry.locks.holders += 1
                current = .shared
            }
            if level == .shared { return }
            if level == .reserved && current < .reserved {
                guard entry.locks.mayWrite(from: current) else { throw DatabaseError(.busy) }
                let e = Posix.setLock(fd, F_WRLCK, LockBytes.reservedByte, 1)
                if e != 0 { throw Posix.lockError(e) }
                entry.locks.level = .reserved
                current = .reserved
                return
            }
            if current < .pending {
                guard entry.locks.mayWrite(from: current) else { throw DatabaseError(.busy) }
                let e = Posix.setLock(fd, F_WRLCK, LockBytes.pendingByte, 1)
                if e != 0 { throw Posix.lockError(e) }
                entry.locks.level = .pending
                current = .pending
            }
            if level == .pending { return }
            guard entry.locks.holders == 1 else { throw DatabaseError(.busy) }
            let e = Posix.setLock(fd, F_WRLCK, LockBytes.sharedFirst, LockBytes.sharedSize)
            if e != 0 { throw Posix.lockError(e) }
            entry.locks.level = .exclusive
            current = .exclusive
        }
    }

    /// Lowers the lock: EXCLUSIVE downgrades the SHARED range to a read lock, PENDING and
    /// RESERVED bytes are released; NONE releases the SHARED range when this process's
    /// last holder leaves, and then closes descriptors whose close was deferred.
    func unlock(to level: LockLevel) throws {
        guard level < lockLevel else { return }
        let fd = self.fd
        let id = self.id
        var current = lockLevel
        defer { lockLevel = current }
        try Posix.inodes.withLock { table in
            var entry = table[id, default: InodeEntry()]
            defer { table[id] = entry }
            if current > .shared {
                if current == .exclusive {
                    let e = Posix.setLock(fd, F_RDLCK, LockBytes.sharedFirst, LockBytes.sharedSize)
                    if e != 0 { throw DatabaseError(.ioErrorReadLock, osErrno: e) }
                }
                let e = Posix.setLock(fd, F_UNLCK, LockBytes.pendingByte, 2)
                if e != 0 { throw DatabaseError(.ioErrorUnlock, osErrno: e) }
                entry.locks.level = .shared
                current = .shared
            }
            if level == .none && current == .shared {
                entry.locks.holders -= 1
                if entry.locks.holders == 0 {
                    let e = Posix.setLock(fd, F_UNLCK, 0, 0)
                    entry.locks.level = .none
                    for deferred in entry.deferredCloses { _ = Glibc.close(deferred) }
                    entry.deferredCloses.removeAll()
                    current = .none
                    if e != 0 { throw DatabaseError(.ioErrorUnlock, osErrno: e) }
                }
                current = .none
            }
        }
    }

    /// True when any connection (this process or another) holds RESERVED or more.
    func checkReservedLock() throws -> Bool {
        let fd = self.fd
        let id = self.id
        return try Posix.inodes.withLock { table in
            if let entry = table[id], entry.locks.level >= .reserved { return true }
            var fl = flock()
            fl.l_type = Int16(F_WRLCK)
            fl.l_whence = Int16(SEEK_SET)
            fl.l_start = off_t(LockBytes.reservedByte)
            fl.l_len = 1
            while fcntl(fd, F_GETLK, &fl) != 0 {
                let e = errno
                if e == EINTR { continue }
                throw DatabaseError(.ioErrorCheckReservedLock, osErrno: e)
            }
            return fl.l_type != Int16(F_UNLCK)
        }
    }

    var sectorSize: Int { 4096 }
    /// Like SQLite's default build: a write never damages bytes outside its range.
    var deviceCharacteristics: DeviceCharacteristics { [.powersafeOverwrite] }

    /// Releases this handle's locks, then closes the descriptor, or defers the close while
    /// another handle in this process still holds a lock on the same inode.
    func close() throws {
        guard fd >= 0 else { return }
        if shmNode != nil { try? shmUnmap(delete: false) }
        var unlockError: (any Error)?
        do { try unlock(to: .none) } catch { unlockError = error }
        let fd = self.fd
        let id = self.id
        self.fd = -1
        Posix.inodes.withLock { table in
            var entry = table[id, default: InodeEntry()]
            entry.openHandles -= 1
            if entry.locks.holders > 0 {
                entry.deferredCloses.append(fd)
            } else {
                _ = Glibc.close(fd)
            }
            if entry.openHandles <= 0 && entry.locks.holders == 0 {
                for d in entry.deferredCloses { _ = Glibc.close(d) }
                table.removeValue(forKey: id)
            } else {
                table[id] = entry
            }
        }
        if let unlockError { throw unlockError }
    }
}

extension PosixFile: VFSSharedMemory {
    /// Maps region `region` of the `-shm` file (path of the database + "-shm"), growing the
    /// file by writing its last byte when `extend` is set.
    func shmMap(region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        guard region >= 0, size > 0 else { throw DatabaseError(.ioErrorShmMap) }
        if let node = shmNode {
            // Attached: already-mapped regions need only the node's lock.
            let known: UInt? = node.mutex.withLock {
                node.regionSize == size && region < node.regions.count ? node.regions[region] : nil
            }
            if let known { return UnsafeMutableRawPointer(bitPattern: known) }
        }
        let id = self.id
        let shmPath = path + "-shm"
        let attached = shmNode
        let (node, address): (Posix.ShmNode, UInt?) = try Posix.shmNodes.withLock { table in
            let node: Posix.ShmNode
            if let attached {
                node = attached
            } else if let existing = table[id] {
                node = existing
            } else {
                node = try Posix.openShm(shmPath)
                table[id] = node
            }
            return try node.mutex.withLock {
                if attached == nil { node.users += 1 }
                if node.regionSize == 0 { node.regionSize = size }
                guard node.regionSize == size else { throw DatabaseError(.ioErrorShmSize) }
                if region < node.regions.count { return (node, node.regions[region]) }
                var st = stat()
                guard fstat(node.fd, &st) == 0 else { throw DatabaseError(.ioErrorShmSize, osErrno: errno) }
                let needed = Int64(region + 1) * Int64(size)
                if Int64(st.st_size) < needed {
                    guard extend else { return (node, nil) }
                    var zero: UInt8 = 0
                    while pwrite(node.fd, &zero, 1, off_t(needed - 1)) != 1 {
                        let e = errno
                        if e == EINTR { continue }
                        throw DatabaseError(.ioErrorShmSize, osErrno: e)
                    }
                }
                while node.regions.count <= region {
                    let offset = off_t(node.regions.count) * off_t(size)
                    guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, node.fd, offset),
                          p != MAP_FAILED else {
                        throw DatabaseError(.ioErrorShmMap, osErrno: errno)
                    }
                    node.regions.append(UInt(bitPattern: p))
                }
                return (node, node.regions[region])
            }
        }
        shmNode = node
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Locks slots as fcntl locks on bytes 120+slot of the `-shm` file (so `sqlite3`
    /// processes see them), with in-process counts in front (POSIX locks are per process).
    func shmLock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {
        guard let node = shmNode else { throw DatabaseError(.ioErrorShmLock) }
        try node.mutex.withLock {
            let fd = node.fd
            try node.locks.lock(slots, mode, handle: &shmLocks) { range, exclusive in
                let e = Posix.setLock(fd, exclusive ? F_WRLCK : F_RDLCK,
                                      Posix.shmLockBase + Int64(range.lowerBound), Int64(range.count))
                if e == 0 { return true }
                if e == EAGAIN || e == EACCES { return false }
                throw DatabaseError(.ioErrorShmLock, osErrno: e)
            }
        }
    }

    func shmUnlock(_ slots: Range<Int>, _ mode: ShmLockMode) throws {
        guard let node = shmNode else { return }
        try node.mutex.withLock {
            let fd = node.fd
            try node.locks.unlock(slots, mode, handle: &shmLocks) { range in
                let e = Posix.setLock(fd, F_UNLCK, Posix.shmLockBase + Int64(range.lowerBound), Int64(range.count))
                if e != 0 { throw DatabaseError(.ioErrorShmLock, osErrno: e) }
            }
        }
    }

    func shmBarrier() { atomicMemoryFence(ordering: .sequentiallyConsistent) }

    /// Detaches: releases this handle's slots; the last user in the process unmaps, closes
    /// the descriptor (dropping the dead-man-switch lock) and, with `delete`, unlinks the file.
    func shmUnmap(delete: Bool) throws {
        guard let node = shmNode else { return }
        shmNode = nil
        let id = self.id
        Posix.shmNodes.withLock { table in
            let last = node.mutex.withLock { () -> Bool in
                let fd = node.fd
                node.locks.releaseAll(&shmLocks) { range in
                    _ = Posix.setLock(fd, F_UNLCK, Posix.shmLockBase + Int64(range.lowerBound), Int64(range.count))
                }
                node.users -= 1
                guard node.users <= 0 else { return false }
                for address in node.regions {
                    if let p = UnsafeMutableRawPointer(bitPattern: address) { _ = munmap(p, node.regionSize) }
                }
                node.regions = []
                if delete { _ = unlink(node.path) }
                _ = Glibc.close(fd)
                return true
            }
            if last, table[id] === node { table.removeValue(forKey: id) }
        }
    }
}

/// A pthread mutex (blocks in the kernel when contended, without spinning): guards the
/// in-process shm lock counts while the fcntl call that goes with them runs.
final class PosixMutex: @unchecked Sendable {
    private let raw = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        raw.initialize(to: pthread_mutex_t())
        pthread_mutex_init(raw, nil)
    }

    deinit {
        pthread_mutex_destroy(raw)
        raw.deallocate()
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(raw)
        defer { pthread_mutex_unlock(raw) }
        return try body()
    }
}
