// This file implements a tiny POSIX VFS for the B-tree interop tests only (no locking, no
// journal), until the real PosixVFS lands. Layer: L3 tests.
import Foundation
import Glibc
import LoomBase
import LoomVFS

final class PosixTestVFS: VFS, @unchecked Sendable {
    var name: String { "posix-test" }
    func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        guard let path else { throw DatabaseError(.cannotOpen) }
        let fd = Glibc.open(path, flags.contains(.readOnly) ? O_RDONLY : (O_RDWR | O_CREAT), 0o644)
        guard fd >= 0 else { throw DatabaseError(.cannotOpen) }
        return PosixTestFile(fd: fd)
    }
    func delete(_ path: String, syncDirectory: Bool) throws { unlink(path) }
    func access(_ path: String, _ check: AccessCheck) throws -> Bool { Glibc.access(path, F_OK) == 0 }
    func fullPathname(_ path: String) throws -> String { path }
    func randomness(_ buffer: UnsafeMutableRawBufferPointer) {}
    func sleep(microseconds: Int) -> Int { microseconds }
    func currentTimeMilliseconds() -> Int64 { 0 }
}

final class PosixTestFile: VFSFile {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
        guard n >= 0 else { throw DatabaseError(.ioErrorRead) }
        if n < buffer.count { (buffer.baseAddress! + n).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count - n) }
        return n
    }
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws {
        let n = pwrite(fd, buffer.baseAddress, buffer.count, off_t(offset))
        guard n == buffer.count else { throw DatabaseError(.ioErrorWrite) }
    }
    func truncate(to size: Int64) throws { ftruncate(fd, off_t(size)) }
    func sync(_ flags: SyncFlags) throws {}
    func size() throws -> Int64 { Int64(lseek(fd, 0, SEEK_END)) }
    func lock(_ level: LockLevel) throws {}
    func unlock(to level: LockLevel) throws {}
    func checkReservedLock() throws -> Bool { false }
    var lockLevel: LockLevel { .none }
    var sectorSize: Int { 512 }
    var deviceCharacteristics: DeviceCharacteristics { [] }
    func close() throws { Glibc.close(fd) }
}
