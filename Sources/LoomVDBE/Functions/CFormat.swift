// This file implements cFormat: one C printf conversion through Glibc's vsnprintf, used for
// printf()'s %f/%e/%g and real rendering. Layer: L4. Spec: Spec/L4-vdbe.md (§Functions).
import Glibc

/// Formats `args` with the C format `format` (one conversion); output capped at 4096 bytes
/// plus the precision asked for.
func cFormat(_ format: String, _ args: [any CVarArg], capacity: Int = 512) -> String {
    var buf = [CChar](repeating: 0, count: max(capacity, 64))
    let n = withVaList(args) { va in
        buf.withUnsafeMutableBufferPointer { p in vsnprintf(p.baseAddress, p.count, format, va) }
    }
    if n >= buf.count, n < 1 << 20 {
        return cFormat(format, args, capacity: Int(n) + 1)
    }
    let end = buf.firstIndex(of: 0) ?? buf.count
    return String(decoding: buf[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
