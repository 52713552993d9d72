// This file implements the few file and text helpers the shell needs without Foundation
// (so the `loom` process starts with a small resident set, close to sqlite3's).
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom, "Process baseline").
import Glibc

enum Posix {
    /// The whole content of the file at `path`, or nil when it cannot be opened or read.
    static func contents(atPath path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(max(Int(st.st_size), 0))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base, raw.count)
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Deletes the file at `path`; false when it could not be removed.
    @discardableResult
    static func removeFile(atPath path: String) -> Bool { unlink(path) == 0 }

    /// Changes the process's working directory.
    static func changeDirectory(_ path: String) -> Bool { chdir(path) == 0 }

    /// `value` with exactly `decimals` digits after the point, as C's `%.Nf`.
    static func fixed(_ value: Double, decimals: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let format = "%.\(decimals)f"
        _ = buffer.withUnsafeMutableBufferPointer { out in
            withVaList([value]) { vsnprintf(out.baseAddress, out.count, format, $0) }
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// Every `character` doubled (SQL quoting of `'` and `"`).
    func doubling(_ character: Character) -> String {
        guard contains(character) else { return self }
        var out = ""
        out.reserveCapacity(count + 2)
        for c in self {
            out.append(c)
            if c == character { out.append(c) }
        }
        return out
    }
}
