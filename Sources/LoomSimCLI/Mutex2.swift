// This file implements a small lock-protected box for loom-sim's worker threads.
// Layer: tools. Spec: Spec/testing.md ("Simulation").
import Foundation

final class Mutex2<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func with<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
