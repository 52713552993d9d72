// This file implements the in-process lock bookkeeping shared by PosixVFS and MemoryVFS: how
// many handles on one file hold SHARED, and the highest level any one of them holds.
// Layer: L0. Spec: Spec/L0-vfs.md (section "Locks").

/// SQLite's lock bytes, at fixed offsets of every database file (lockingv3.html).
///
/// The page holding `pendingByte` (the "lock-byte page") never stores data.
public enum LockBytes {
    /// `PENDING_BYTE`: 0x40000000, one byte.
    public static let pendingByte: Int64 = 0x4000_0000
    /// `RESERVED_BYTE`: the byte after the pending byte.
    public static let reservedByte: Int64 = pendingByte + 1
    /// First byte of the SHARED range (`SHARED_FIRST`).
    public static let sharedFirst: Int64 = pendingByte + 2
    /// Length of the SHARED range (`SHARED_SIZE`, 510 bytes).
    public static let sharedSize: Int64 = 510
}

/// Lock state of one file as seen from inside this process.
///
/// Invariants: `holders` counts handles at SHARED or above; at most one handle is above
/// SHARED, and `level` is that handle's level (or `.shared` / `.none`).
struct InProcessLocks {
    var holders = 0
    var level: LockLevel = .none

    /// Whether a handle at `current` may take SHARED (nobody here is PENDING or EXCLUSIVE).
    func mayShare() -> Bool { level < .pending }

    /// Whether a handle at `current` (below RESERVED) may rise above SHARED.
    func mayWrite(from current: LockLevel) -> Bool { current >= .reserved || level <= .shared }

    /// Raises a handle from `current` towards `requested` using only in-process rules.
    /// Returns false when refused; `current` then holds the highest level reached
    /// (a refused EXCLUSIVE leaves the handle at PENDING, as in SQLite).
    mutating func raise(_ current: inout LockLevel, to requested: LockLevel) -> Bool {
        if current == .none {
            guard mayShare() else { return false }
            holders += 1
            if level < .shared { level = .shared }
            current = .shared
        }
        if requested <= current { return true }
        if current < .reserved {
            guard level <= .shared else { return false }
            level = .reserved
            current = .reserved
        }
        if requested == .reserved { return true }
        if current < .pending { level = .pending; current = .pending }
        if requested == .pending { return true }
        guard holders == 1 else { return false }
        level = .exclusive
        current = .exclusive
        return true
    }

    /// Lowers a handle from `current` to `target` (`.shared` or `.none`).
    mutating func lower(_ current: inout LockLevel, to target: LockLevel) {
        if current > .shared && target <= .shared {
            level = .shared
            current = .shared
        }
        if target == .none && current == .shared {
            holders -= 1
            if holders == 0 { level = .none }
            current = .none
        }
    }
}
