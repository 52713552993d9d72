// This file implements the in-process bookkeeping of shared-memory (WAL index) locks, used
// by every VFS, and the heap-backed shared memory of MemoryVFS and SimVFS.
// Layer: L0. Spec: Spec/L0-vfs.md (section "Shared memory").
import LoomBase
import Synchronization

/// The slots one handle holds, as bit masks over the 8 lock slots.
struct ShmHandleLocks: Sendable {
    var shared: UInt8 = 0
    var exclusive: UInt8 = 0

    static func mask(_ slots: Range<Int>) -> UInt8 {
        var m: UInt8 = 0
        for s in slots where s >= 0 && s < shmLockSlots { m |= 1 << UInt8(s) }
        return m
    }
}

/// Shared-memory lock counts of one database inside this process.
///
/// Invariants: `shared[s]` counts the handles holding slot `s` shared; `exclusive` has bit `s`
/// set when one handle holds slot `s` exclusively, and then `shared[s] == 0`. A slot is held
/// by this process at the OS level (fcntl for PosixVFS) exactly when it is held here.
struct ShmLockTable: Sendable {
    var shared = [Int](repeating: 0, count: shmLockSlots)
    var exclusive: UInt8 = 0

    /// Takes `slots` for `handle`. `os(range, exclusive)` takes the OS-level lock when this
    /// process did not hold it yet and returns false when another process refuses it.
    mutating func lock(_ slots: Range<Int>, _ mode: ShmLockMode, handle: inout ShmHandleLocks,
                       os: (Range<Int>, Bool) throws -> Bool) throws {
        precondition(slots.lowerBound >= 0 && slots.upperBound <= shmLockSlots && !slots.isEmpty, "bad shm lock range")
        let bits = ShmHandleLocks.mask(slots)
        switch mode {
        case .shared:
            // Shared locks are taken one slot at a time (as SQLite does).
            precondition(slots.count == 1, "shared shm locks cover one slot")
            let s = slots.lowerBound
            if handle.shared & bits != 0 { return }
            if exclusive & bits != 0 { throw DatabaseError(.busy) }
            if shared[s] == 0, try !os(slots, false) { throw DatabaseError(.busy) }
            shared[s] += 1
            handle.shared |= bits
        case .exclusive:
            precondition(handle.shared & bits == 0, "shm slot upgraded from shared to exclusive")
            if handle.exclusive & bits == bits { return }
            for s in slots {
                if exclusive & (1 << UInt8(s)) != 0 || shared[s] > 0 { throw DatabaseError(.busy) }
            }
            if try !os(slots, true) { throw DatabaseError(.busy) }
            exclusive |= bits
            handle.exclusive |= bits
        }
    }

    /// Releases `slots` held by `handle` in `mode`. `os(range)` releases the OS-level lock
    /// when this process no longer holds the slot.
    mutating func unlock(_ slots: Range<Int>, _ mode: ShmLockMode, handle: inout ShmHandleLocks,
                         os: (Range<Int>) throws -> Void) throws {
        switch mode {
        case .shared:
            for s in slots where s >= 0 && s < shmLockSlots && handle.shared & (1 << UInt8(s)) != 0 {
                handle.shared &= ~(1 << UInt8(s))
                shared[s] -= 1
                if shared[s] == 0 { try os(s..<(s + 1)) }
            }
        case .exclusive:
            let held = handle.exclusive & ShmHandleLocks.mask(slots)
            guard held != 0 else { return }
            handle.exclusive &= ~held
            exclusive &= ~held
            for s in slots where held & (1 << UInt8(s)) != 0 { try os(s..<(s + 1)) }
        }
    }

    /// Releases everything `handle` holds (unmap, close, or a dead handle).
    mutating func releaseAll(_ handle: inout ShmHandleLocks, os: (Range<Int>) throws -> Void) {
        try? unlock(0..<shmLockSlots, .shared, handle: &handle, os: os)
        try? unlock(0..<shmLockSlots, .exclusive, handle: &handle, os: os)
    }
}

/// Shared memory kept on the heap: the regions and lock table of one database, shared by
/// every handle of a MemoryVFS or SimVFS on it. Regions are allocated zeroed and freed only
/// when the last handle lets go of this object, so a pointer stays valid while its handle
/// lives (even after a simulated power loss replaced the object for new handles).
final class HeapSharedMemory: Sendable {
    struct Inner: Sendable {
        /// Region base addresses (as integers, so the state is Sendable) and their size.
        var regions: [UInt] = []
        var regionSize = 0
        var locks = ShmLockTable()
        var users = 0
    }

    let inner = Mutex(Inner())

    init() {}

    deinit {
        inner.withLock { state in
            for address in state.regions {
                UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
            }
            state.regions = []
        }
    }

    func attach() { inner.withLock { $0.users += 1 } }

    /// Detaches a handle (releasing its locks); returns true when it was the last user.
    func detach(_ handle: inout ShmHandleLocks) -> Bool {
        var h = handle
        let last = inner.withLock { state -> Bool in
            state.locks.releaseAll(&h) { _ in }
            state.users -= 1
            guard state.users <= 0 else { return false }
            // The last user leaves: the memory is gone (as a -shm file is reset by the next
            // first opener), so the next user starts from zeroed regions.
            for address in state.regions { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
            state.regions = []
            state.regionSize = 0
            state.users = 0
            return true
        }
        handle = h
        return last
    }

    func map(region: Int, size: Int, extend: Bool) throws -> UnsafeMutableRawPointer? {
        guard region >= 0, size > 0 else { throw DatabaseError(.ioErrorShmMap) }
        let address = try inner.withLock { state -> UInt? in
            if state.regionSize == 0 { state.regionSize = size }
            guard state.regionSize == size else { throw DatabaseError(.ioErrorShmSize) }
            if region < state.regions.count { return state.regions[region] }
            guard extend else { return nil }
            while state.regions.count <= region {
                let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
                p.initializeMemory(as: UInt8.self, repeating: 0, count: size)
                state.regions.append(UInt(bitPattern: p))
            }
            return state.regions[region]
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    func lock(_ slots: Range<Int>, _ mode: ShmLockMode, handle: inout ShmHandleLocks) throws {
        var h = handle
        defer { handle = h }
        try inner.withLock { state in
            try state.locks.lock(slots, mode, handle: &h) { _, _ in true }
        }
    }

    func unlock(_ slots: Range<Int>, _ mode: ShmLockMode, handle: inout ShmHandleLocks) throws {
        var h = handle
        defer { handle = h }
        try inner.withLock { state in
            try state.locks.unlock(slots, mode, handle: &h) { _ in }
        }
    }
}
