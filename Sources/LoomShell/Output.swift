// This file implements the shell's byte sinks and line sources: where `loom` writes its
// output and reads its input, so tests can capture both in memory.
// Layer: tools (LoomShell). Spec: Spec/tools.md (loom).
import Glibc

/// Where the shell writes bytes: standard output, standard error, or a buffer in a test.
///
/// ```swift
/// let out = BufferSink()
/// out.write("hello\n")
/// out.text   // "hello\n"
/// ```
public protocol OutputSink: AnyObject {
    /// Appends `bytes` to the sink.
    func write(_ bytes: [UInt8])
    /// Pushes buffered bytes to their destination.
    func flush()
}

extension OutputSink {
    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) { write(Array(text.utf8)) }
}

/// A sink that keeps everything in memory (tests).
public final class BufferSink: OutputSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }
    public func flush() {}
    /// The bytes written so far, decoded as UTF-8 (invalid bytes become U+FFFD).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A buffered sink over a file descriptor (1 = standard output, 2 = standard error).
/// With `unbuffered` every write goes straight to the descriptor, as C's stderr does.
public final class FileDescriptorSink: OutputSink {
    private let fd: Int32
    private let unbuffered: Bool
    private var buffer: [UInt8] = []

    public init(fd: Int32, unbuffered: Bool = false) {
        self.fd = fd
        self.unbuffered = unbuffered
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if unbuffered || buffer.count >= 1 << 16 { flush() }
    }

    public func flush() {
        var start = 0
        while start < buffer.count {
            let n = buffer.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(fd, base + start, raw.count - start)
            }
            if n < 0 {
                if errno == EINTR { continue }
                break  // nowhere left to report a failing output stream
            }
            start += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A file opened for `.output` / `.once`.
final class FileSink: OutputSink {
    private var fd: Int32
    private let sink: FileDescriptorSink

    /// Opens (creating or truncating) `path`; nil when it cannot be opened.
    init?(path: String) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        self.fd = fd
        sink = FileDescriptorSink(fd: fd)
    }

    func write(_ bytes: [UInt8]) { sink.write(bytes) }
    func flush() { sink.flush() }

    func close() {
        guard fd >= 0 else { return }
        sink.flush()
        _ = Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}

/// Where the shell reads input lines from.
public protocol LineSource: AnyObject {
    /// The next line without its line terminator (`\n`, or `\r\n`), or nil at end of input.
    func nextLine() -> String?
}

/// Lines from a string (tests, `.read` of a file already in memory).
public final class StringLineSource: LineSource {
    private var lines: [ArraySlice<UInt8>]
    private var index = 0

    public init(_ text: String) {
        var parts = Array(text.utf8).split(separator: 10, omittingEmptySubsequences: false)
        // A final "\n" ends the last line; it does not start an empty one.
        if parts.last?.isEmpty == true { parts.removeLast() }
        lines = parts
    }

    public func nextLine() -> String? {
        guard index < lines.count else { return nil }
        defer { index += 1 }
        return stripCR(lines[index])
    }
}

/// Lines read from a file descriptor with `read(2)`, buffered.
public final class FileDescriptorLineSource: LineSource {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    public init(fd: Int32) { self.fd = fd }

    public func nextLine() -> String? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 10) {
                let line = buffer[start..<nl]
                start = nl + 1
                return stripCR(line)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return stripCR(line)
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(fd, base, raw.count)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { atEnd = true } else { buffer.append(contentsOf: chunk[0..<n]) }
        }
    }
}

/// Decodes one line, dropping one trailing carriage return as sqlite3 does for CR LF input.
private func stripCR(_ line: ArraySlice<UInt8>) -> String {
    String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
}
