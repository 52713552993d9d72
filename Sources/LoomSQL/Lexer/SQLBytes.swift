// This file implements SQLBytes, the parser's private copy of the SQL text's UTF-8 bytes.
// Layer: L5 (LoomSQL). Spec: Spec/L5-sql.md, section "Lexer and parser" (invariant L6).

/// The UTF-8 bytes of a SQL text up to its first NUL, stored after the object's header in one
/// heap block (one allocation per parser) that never moves.
///
/// Unsafe by design, fenced here: the parser lexes and slices through `buffer` (no array
/// bounds checks, retains or copy-on-write checks per token). The bytes live exactly as long
/// as this object, and the parser holds the object while it uses the buffer.
final class SQLBytes: ManagedBuffer<Int, UInt8> {
    /// A block holding `sql`'s bytes before its first NUL, and the buffer over them.
    static func make(_ sql: String) -> (owner: SQLBytes, buffer: UnsafeBufferPointer<UInt8>) {
        var sql = sql
        return sql.withUTF8 { source in
            let count = Lexer.lengthBeforeNUL(source)
            let block = SQLBytes.create(minimumCapacity: Swift.max(count, 1)) { _ in count }
            // (`create` returns the class it is called on: the downcast cannot fail.)
            let owner = unsafeDowncast(block, to: SQLBytes.self)
            let start = owner.withUnsafeMutablePointerToElements { elements in
                if let from = source.baseAddress, count > 0 { elements.initialize(from: from, count: count) }
                return UnsafePointer(elements)
            }
            return (owner, UnsafeBufferPointer(start: start, count: count))
        }
    }
}
