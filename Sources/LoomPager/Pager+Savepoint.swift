// This file implements the pager's savepoints: nested marks inside a write transaction that
// can be rolled back to (SAVEPOINT / ROLLBACK TO / RELEASE). Layer: L1.
// Spec: Spec/L1-pager.md (§Savepoints).
import LoomBase

/// One open savepoint: the page count when it opened and, for each page first changed
/// while it was the innermost savepoint, the content the page had then (SQLite's
/// sub-journal, kept in memory).
struct SavepointState {
    let serial: UInt64
    let pageCount: UInt32
    var saved: [UInt32: [UInt8]] = [:]
}

extension Pager {
    /// Number of open savepoints.
    package var savepointCount: Int { savepoints.count }

    /// Opens a savepoint (innermost). Requires a write transaction.
    package func openSavepoint() {
        precondition(state == .write, "openSavepoint outside a write transaction")
        nextSavepointSerial &+= 1
        savepoints.append(SavepointState(serial: nextSavepointSerial, pageCount: pageCount))
    }

    /// Saves the page's current content into the innermost savepoint (first change of the
    /// page since that savepoint opened).
    func saveForSavepoint(_ page: Page) {
        guard let last = savepoints.indices.last else { return }
        page.savepointSerial = savepoints[last].serial
        let n = page.number.rawValue
        guard n <= savepoints[last].pageCount, savepoints[last].saved[n] == nil else { return }
        savepoints[last].saved[n] = page.withBytes { Array($0) }
    }

    /// Before a shrink: saves the pages about to be cut off (they existed when the innermost
    /// savepoint opened and have not been saved yet), so a rollback can bring them back.
    func saveTruncatedPagesForSavepoint(newCount: UInt32) {
        guard let last = savepoints.indices.last else { return }
        let limit = min(pageCount, savepoints[last].pageCount)
        guard newCount < limit else { return }
        for n in (newCount + 1)...limit where savepoints[last].saved[n] == nil {
            if let p = cache.lookup(PageNumber(n)) {
                savepoints[last].saved[n] = p.withBytes { Array($0) }
            } else if let p = try? page(PageNumber(n)) {
                savepoints[last].saved[n] = p.withBytes { Array($0) }
            }
        }
    }

    /// Releases savepoint `index` and every newer one; their saved pages move into the
    /// enclosing savepoint (an older saved copy wins).
    package func releaseSavepoint(_ index: Int) {
        guard index >= 0, index < savepoints.count else { return }
        if index > 0 {
            for released in savepoints[index...] {
                for (n, bytes) in released.saved where n <= savepoints[index - 1].pageCount
                    && savepoints[index - 1].saved[n] == nil {
                    savepoints[index - 1].saved[n] = bytes
                }
            }
        }
        savepoints.removeSubrange(index...)
    }

    /// Rolls the database back to the state when savepoint `index` opened; that savepoint
    /// stays open (empty), newer ones are released. Pages handed out before must not be used
    /// again (`generation` is bumped).
    package func rollbackToSavepoint(_ index: Int) throws {
        try checkUsable()
        guard state == .write, index >= 0, index < savepoints.count else { return }
        // Oldest copy wins: apply from the innermost savepoint outwards.
        var restore: [UInt32: [UInt8]] = [:]
        for sp in savepoints[index...].reversed() {
            for (n, bytes) in sp.saved { restore[n] = bytes }
        }
        let target = savepoints[index].pageCount
        savepoints.removeSubrange(index...)
        if target < pageCount { removeCachedPages(after: target) }
        pageCount = target
        for (n, bytes) in restore.sorted(by: { $0.key < $1.key }) where n <= target {
            let p = try page(PageNumber(n))
            if !p.isWritable { try journalForWrite(p) }
            p.setBytes(bytes, at: 0)
        }
        generation &+= 1
        cache.forEach { $0.generation = generation }
        nextSavepointSerial &+= 1
        savepoints.append(SavepointState(serial: nextSavepointSerial, pageCount: pageCount))
    }
}
