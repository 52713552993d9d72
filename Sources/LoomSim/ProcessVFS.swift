// This file implements ProcessVFS: one simulated process's view of a SimVFS, which dies with
// the power. After a power loss its path operations (open, delete, access) fail, so a dead
// connection's error path cannot delete the journal on the disk that came back.
// Layer: tools over L0 (LoomSim). Spec: Spec/testing.md ("Simulation").
import Loom

/// Forwards to a `SimVFS` until the first power loss after its creation; from then on every
/// path operation throws `ioError` ("simulated power loss"), as the process it stands for is
/// gone. Handles it opened already die in SimVFS itself.
///
/// ```swift
/// let disk = SimVFS(seed: 1)
/// var process = ProcessVFS(disk)
/// let db = try Database(path: "a.db", vfs: process)
/// disk.powerLoss()
/// process = ProcessVFS(disk)       // the restarted application
/// ```
public final class ProcessVFS: VFS {
    public let disk: SimVFS
    private let bornAfter: Int

    public init(_ disk: SimVFS) {
        self.disk = disk
        bornAfter = disk.statistics.powerLosses
    }

    /// True once the power failed after this process started.
    public var isDead: Bool { disk.statistics.powerLosses > bornAfter }

    private func alive() throws {
        if isDead { throw DatabaseError(.ioError, "simulated power loss") }
    }

    public var name: String { disk.name }
    public func open(_ path: String?, flags: OpenFlags) throws -> any VFSFile {
        try alive()
        return try disk.open(path, flags: flags)
    }
    public func delete(_ path: String, syncDirectory: Bool) throws {
        try alive()
        try disk.delete(path, syncDirectory: syncDirectory)
    }
    public func access(_ path: String, _ check: AccessCheck) throws -> Bool {
        try alive()
        return try disk.access(path, check)
    }
    public func fullPathname(_ path: String) throws -> String { try disk.fullPathname(path) }
    public func randomness(_ buffer: UnsafeMutableRawBufferPointer) { disk.randomness(buffer) }
    public func sleep(microseconds: Int) -> Int { disk.sleep(microseconds: microseconds) }
    public func currentTimeMilliseconds() -> Int64 { disk.currentTimeMilliseconds() }
}
