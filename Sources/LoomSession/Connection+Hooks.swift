// This file implements the connection's update hook: the observer L4's Insert/Delete
// instructions report each row to. Layer: L6. Spec: Spec/L6-session.md (§Hooks).
import LoomPager
import LoomVDBE

extension Connection {
    /// Sets (nil removes) the observer told of every row an INSERT, UPDATE or DELETE writes,
    /// trigger bodies and foreign-key actions included (`sqlite3_update_hook`). It runs while
    /// the statement runs and must not use the connection.
    package func setUpdateHook(_ hook: ((RowChange) -> Void)?) {
        context.rowChangeObserver = hook
    }
}

extension Connection {
    /// The counters of every open database's pager (main, temp, attached), summed.
    package var pagerCounters: PagerCounters {
        var sum = PagerCounters()
        for case let handle? in context.databases { sum = sum + handle.btree.pager.counters }
        return sum
    }
}
