// This file implements SQLBytes, the parser's private copy of the SQL text's UTF-8 bytes.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariant L6).

/// The UTF-8 bytes of a SQL text up to its first NUL, in one heap block that never moves.
///
/// Unsafe by design, fenced here: the parser lexes and slices through `buffer` (no array
/// bounds checks, retains or copy-on-write checks per token). The block lives exactly as
/// long as this object, and the parser holds the object while it uses the buffer.
final class SQLBytes {
    let buffer: UnsafeBufferPointer<UInt8>

    init(_ sql: String) {
        var sql = sql
        buffer = sql.withUTF8 { source in
            let count = Lexer.lengthBeforeNUL(source)
            // (At least one byte: allocating zero bytes may return nil-like addresses.)
            let block = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
            if let from = source.baseAddress, count > 0 { block.initialize(from: from, count: count) }
            return UnsafeBufferPointer(start: block, count: count)
        }
    }

    deinit {
        if let base = buffer.baseAddress { UnsafeMutablePointer(mutating: base).deallocate() }
    }
}
