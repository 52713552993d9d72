// This file implements RegisterFile: the VM's registers as one owned buffer of Values.
// Layer: L4. Spec: Spec/L4-vdbe.md (§Register and cursor model, invariant V1).
import LoomRecord

/// The registers of one VM frame: `count` Values, all NULL at first.
///
/// Why not a `ContiguousArray<Value>` stored in the VM: every register read and write in the
/// dispatch loop went through the array's accessor (a non-inlined call with a uniqueness check,
/// retaining the array's buffer around slices). A final class fencing one allocation gives
/// inlined loads and stores that touch only the Value itself.
final class RegisterFile {
    // Unsafe: `base` points to `capacity` initialised Values, allocated in init, owned by this
    // object alone and released in deinit. Every access is checked against `count`
    // (register numbers come from codegen: an out-of-range one is our bug, so a trap).
    // Registers `count ..< capacity` are always NULL (a recycled file, `reuse(count:)`).
    private let base: UnsafeMutablePointer<Value>
    private(set) var count: Int
    let capacity: Int

    init(count: Int) {
        let n = max(count, 1)
        base = UnsafeMutablePointer<Value>.allocate(capacity: n)
        base.initialize(repeating: .null, count: n)
        self.count = n
        capacity = n
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }

    /// Readies a cleared file (every register NULL) for a program of `n` registers, `n` at
    /// most `capacity` (ExecutionContext's recycling of VM parts).
    func reuse(count n: Int) {
        precondition(n <= capacity, "register file too small")
        count = max(n, 1)
    }

    var indices: Range<Int> { 0 ..< count }

    subscript(i: Int) -> Value {
        @inline(__always) get {
            precondition(i >= 0 && i < count, "register out of range")
            // NULL and numbers are rebuilt from their payload: no outlined Value copy call.
            let p = base + i
            switch p.pointee {
            case .null: return .null
            case .integer(let x): return .integer(x)
            case .real(let d): return .real(d)
            default: return p.pointee
            }
        }
        @inline(__always) set {
            precondition(i >= 0 && i < count, "register out of range")
            let p = base + i
            // Most registers hold NULL or a number: overwriting one needs no release, so the
            // tag test here skips the outlined Value destroy call (~20 instructions a write).
            switch p.pointee {
            case .null, .integer, .real: p.initialize(to: newValue)
            default: p.pointee = newValue
            }
        }
    }

    /// Register `i` is NULL (a tag test: no copy of a TEXT or BLOB value).
    @inline(__always)
    func isNull(_ i: Int) -> Bool {
        precondition(i >= 0 && i < count, "register out of range")
        if case .null = (base + i).pointee { return true }
        return false
    }

    /// The INTEGER held by register `i`, nil for any other type (a tag test in place: the
    /// comparison and aggregate fast paths read two integers without copying a Value).
    @inline(__always)
    func integer(_ i: Int) -> Int64? {
        precondition(i >= 0 && i < count, "register out of range")
        if case .integer(let x) = (base + i).pointee { return x }
        return nil
    }

    /// The REAL held by register `i`, nil for any other type (likewise in place).
    @inline(__always)
    func real(_ i: Int) -> Double? {
        precondition(i >= 0 && i < count, "register out of range")
        if case .real(let d) = (base + i).pointee { return d }
        return nil
    }

    /// A copy of the registers in `range` (cold paths: virtual tables, windows, keys).
    subscript(range: Range<Int>) -> ArraySlice<Value> {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "register range out of range")
        return ArraySlice(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// The registers `start ..< start + n` in place, valid only during `body`, which must not
    /// write registers (callers check the range first).
    @inline(__always)
    func withRange<R>(_ start: Int, _ n: Int, _ body: (UnsafeBufferPointer<Value>) throws -> R) rethrows -> R {
        precondition(start >= 0 && n >= 0 && start <= count - n, "register range out of range")
        return try body(UnsafeBufferPointer(start: base + start, count: n))
    }

    /// Sets every register to NULL.
    func clear() {
        for i in 0 ..< count {
            switch base[i] {
            // Nothing to release: overwritten in place (an assignment called Value's
            // outlined destroy, ~40 instructions per register).
            case .null: continue
            case .integer, .real: (base + i).initialize(to: .null)
            case .text, .blob: base[i] = .null
            }
        }
    }
}
