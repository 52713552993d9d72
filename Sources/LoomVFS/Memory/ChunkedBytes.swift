// This file implements ChunkedBytes, the byte store behind a MemoryVFS file: fixed 64 KiB
// chunks, so a growing file never copies itself (one contiguous array doubled its capacity
// and briefly held old + new copies: a 25 MiB `:memory:` table peaked at ~70 MiB RSS).
// Layer: L0. Spec: Spec/L0-vfs.md ("MemoryVFS").

/// A growable byte sequence stored as equal-sized chunks (the last one partly used).
struct ChunkedBytes {
    static let chunkShift = 16
    static let chunkSize = 1 << chunkShift
    private var chunks: [[UInt8]] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Copies up to `buffer.count` bytes from `offset`; returns how many were available.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard offset >= 0, offset < count, let base = buffer.baseAddress else { return 0 }
        let n = min(buffer.count, count - offset)
        var done = 0
        while done < n {
            let position = offset + done
            let chunk = position >> Self.chunkShift
            let within = position & (Self.chunkSize - 1)
            let take = min(n - done, Self.chunkSize - within)
            chunks[chunk].withUnsafeBytes { src in
                if let s = src.baseAddress { (base + done).copyMemory(from: s + within, byteCount: take) }
            }
            done += take
        }
        return n
    }

    /// Writes `buffer` at `offset`, growing the sequence (with zeros in any gap) as needed.
    mutating func write(_ buffer: UnsafeRawBufferPointer, at offset: Int) {
        precondition(offset >= 0)
        let end = offset + buffer.count
        let neededChunks = (end + Self.chunkSize - 1) >> Self.chunkShift
        while chunks.count < neededChunks { chunks.append([UInt8](repeating: 0, count: Self.chunkSize)) }
        if end > count { count = end }
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let position = offset + done
            let chunk = position >> Self.chunkShift
            let within = position & (Self.chunkSize - 1)
            let take = min(buffer.count - done, Self.chunkSize - within)
            chunks[chunk].withUnsafeMutableBytes { dst in
                if let d = dst.baseAddress { (d + within).copyMemory(from: base + done, byteCount: take) }
            }
            done += take
        }
    }

    /// Shortens the sequence to `size` bytes (no effect when it is not longer).
    mutating func truncate(to size: Int) {
        guard size < count else { return }
        count = max(size, 0)
        let keep = (count + Self.chunkSize - 1) >> Self.chunkShift
        chunks.removeSubrange(keep...)
        // Bytes past the end in the last chunk read as zeros if the file grows again.
        let within = count & (Self.chunkSize - 1)
        if within != 0, let last = chunks.indices.last {
            chunks[last].withUnsafeMutableBytes { dst in
                if let d = dst.baseAddress { (d + within).initializeMemory(as: UInt8.self, repeating: 0, count: Self.chunkSize - within) }
            }
        }
    }
}
