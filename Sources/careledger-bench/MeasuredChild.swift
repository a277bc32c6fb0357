import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process run to its end with its peak resident size taken from the kernel
/// (`wait4`'s `ru_maxrss`), for `sync-memory`.
///
/// Why not `Process`: Foundation reaps its children itself and does not expose their
/// resource usage; the peak RSS of a process that has exited is only known to `wait4`.
struct MeasuredChild {
    /// What one run did.
    struct Result {
        /// The exit status (128 + signal when killed by a signal).
        var status: Int32
        /// The child's peak resident set size, in MB.
        var peakRSSMegabytes: Double
        /// Wall time, in seconds.
        var seconds: Double
        /// What it wrote on stdout.
        var output: String
    }

    /// Why the child could not be run.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `executable` with `arguments` (paths in them absolute: the child keeps this
    /// process's working directory), stdout to a scratch file in `directory`, stderr to
    /// `stderrPath`, and waits for it.
    static func run(_ executable: String, _ arguments: [String], in directory: String, stderrPath: String) throws -> Result {
        #if canImport(Glibc)
        let outPath = directory + "/.measured-child-\(getpid()).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv + [nil], environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw Failure(description: "wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let elapsed = ContinuousClock.now - started
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        unlink(outPath)
        let exited = status & 0x7f == 0
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
                      peakRSSMegabytes: Double(usage.ru_maxrss) / 1024,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                      output: output)
        #else
        throw Failure(description: "sync-memory needs Linux (posix_spawn, wait4, /proc)")
        #endif
    }

    /// A field of /proc/PID/status (`VmHWM`, `VmRSS`) in MB, or nil where it cannot be read.
    static func statusMegabytes(pid: Int32, field: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        return nil
    }
}
