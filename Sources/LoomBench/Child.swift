// This file implements one timed child run: posix_spawn with the script on stdin, wall time
// from spawn to exit, peak RSS, a kill after the timeout, and timestamps of the marker lines
// the child prints. Layer: tools (loom-bench). Spec: Spec/tools.md, section loom-bench.
//
// Peak RSS: wait4's ru_maxrss is useless here, because Linux records the pre-exec memory of
// a vfork'd child (this process, tens of MiB) into it. So the child runs under GNU time
// (`/usr/bin/time -f %M`, forked from a ~2 MiB process), or when that is missing the child's
// VmHWM is polled from /proc every 5 ms.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one child run measured.
public struct ChildResult: Sendable {
    /// Wall seconds from spawn to exit.
    public var seconds: Double
    /// Peak resident set size in KiB (`ru_maxrss`).
    public var maxRSSKiB: Int
    /// Exit status, or nil when killed by a signal.
    public var exitStatus: Int32?
    public var signal: Int32?
    public var timedOut: Bool
    /// Marker tags (text after `loom-bench-mark `) with seconds since spawn.
    public var marks: [(tag: String, time: Double)]

    public var ok: Bool { !timedOut && exitStatus == 0 }

    /// A short note for anything but a clean exit.
    public var note: String? {
        if timedOut { return "timed out" }
        if let signal { return "killed by signal \(signal)" }
        if let s = exitStatus, s != 0 { return "exit status \(s)" }
        return nil
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

final class KillSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private(set) var fired = false
    let pid: pid_t
    init(pid: pid_t) { self.pid = pid }
    func finish() { lock.lock(); done = true; lock.unlock() }
    func fire() {
        lock.lock()
        // The child leads its own process group: kill it with everything it started.
        if !done { kill(-pid, SIGKILL); fired = true }
        lock.unlock()
    }
    var isDone: Bool { lock.lock(); defer { lock.unlock() }; return done }
    var didFire: Bool { lock.lock(); defer { lock.unlock() }; return fired }
}

public enum SpawnError: Error, CustomStringConvertible {
    case failed(String, Int32)
    public var description: String {
        if case .failed(let p, let e) = self { return "cannot run \(p): \(String(cString: strerror(e)))" }
        return ""
    }
}

/// Runs `executable arguments…` with `stdinPath` on standard input and standard error
/// discarded. Standard output goes to /dev/null, or, with `captureMarks`, through a pipe
/// whose `loom-bench-mark` lines are timestamped as they arrive.
public func runChild(executable: String, arguments: [String], stdinPath: String,
                     captureMarks: Bool, timeout: Double,
                     gnuTime: String? = findGNUTime()) throws -> ChildResult {
    var executable = executable
    var arguments = arguments
    var rssFile: String? = nil
    if let gnuTime {
        let f = NSTemporaryDirectory() + "loom-bench-rss-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        rssFile = f
        arguments = ["-f", "%M", "-o", f, executable] + arguments
        executable = gnuTime
    }
    defer { if let rssFile { unlink(rssFile) } }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
    var fds: [Int32] = [-1, -1]
    if captureMarks {
        guard pipe(&fds) == 0 else { throw SpawnError.failed("pipe", errno) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let start = monotonicSeconds()
    let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    if captureMarks { close(fds[1]) }
    guard rc == 0 else {
        if captureMarks { close(fds[0]) }
        throw SpawnError.failed(executable, rc)
    }
    let killSwitch = KillSwitch(pid: pid)
    if timeout > 0 {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { killSwitch.fire() }
    }
    let poller = HighWaterPoller()
    if rssFile == nil {
        let childPID = pid
        let t = Thread {
            while !killSwitch.isDone {
                poller.sample(pid: childPID)
                usleep(5000)
            }
        }
        t.start()
    }

    var marks: [(tag: String, time: Double)] = []
    if captureMarks {
        let key = Array((benchMark + " ").utf8)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, 65536) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            let now = monotonicSeconds() - start
            pending.append(contentsOf: chunk[0..<n])
            // Keep only the unfinished last line; scan complete lines for the marker.
            guard let lastNewline = pending.lastIndex(of: 0x0A) else { continue }
            var lineStart = 0
            for i in 0...lastNewline where pending[i] == 0x0A {
                let line = pending[lineStart..<i]
                if line.count > key.count, let r = firstRange(of: key, in: line) {
                    let tag = String(decoding: line[r.upperBound...], as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    marks.append((tag, now))
                }
                lineStart = i + 1
            }
            pending.removeFirst(lastNewline + 1)
        }
        close(fds[0])
    }

    // Wait without reaping, so the kill switch can never hit a recycled pid.
    var info = siginfo_t()
    while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
    let seconds = monotonicSeconds() - start
    killSwitch.finish()
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let signalled = status & 0x7f
    var exitStatus: Int32? = signalled == 0 ? (status >> 8) & 0xff : nil
    var signal: Int32? = signalled == 0 ? nil : signalled
    var rss = poller.value
    if let rssFile, let text = try? String(contentsOfFile: rssFile, encoding: .utf8) {
        // GNU time: an optional "Command exited with non-zero status N" or "Command
        // terminated by signal N" line, then the KiB figure.
        let lines = text.split(separator: "\n")
        rss = lines.last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        for line in lines where line.hasPrefix("Command terminated by signal ") {
            signal = Int32(line.dropFirst("Command terminated by signal ".count))
            exitStatus = nil
        }
    }
    return ChildResult(seconds: seconds, maxRSSKiB: rss, exitStatus: exitStatus, signal: signal,
                       timedOut: killSwitch.didFire, marks: marks)
}

/// GNU time at /usr/bin/time, if installed (it must understand -f and -o).
public func findGNUTime() -> String? {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil
}

/// The largest VmHWM (KiB) seen in /proc/<pid>/status.
final class HighWaterPoller: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    func sample(pid: pid_t) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") ?? 0
            lock.lock(); peak = max(peak, kib); lock.unlock()
        }
    }
    var value: Int { lock.lock(); defer { lock.unlock() }; return peak }
}

private func firstRange(of key: [UInt8], in line: ArraySlice<UInt8>) -> Range<Int>? {
    var i = line.startIndex
    while i + key.count <= line.endIndex {
        if line[i] == key[0] && line[i..<(i + key.count)].elementsEqual(key) { return i..<(i + key.count) }
        i += 1
    }
    return nil
}

/// The first executable named `name` on PATH.
public func findOnPath(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}
