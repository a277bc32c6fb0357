import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of another program as a separate process, as a person runs it: its wall time from
/// spawn to exit (process start and site opening included) and its own peak RSS.
///
/// Standard output goes to a file (or `/dev/null`), standard error to a file kept for the
/// failure message, standard input from a file or `/dev/null`. Nothing else is inherited.
struct MeasuredProcess {
    /// What one run cost and how it ended.
    struct Run {
        /// Spawn to reaped exit, in milliseconds.
        var milliseconds: Double
        /// The child's peak resident set, in MB: `ru_maxrss`, or with `samplingPeak` the
        /// largest `VmHWM` read from /proc while it ran (`ru_maxrss` of a child spawned by a
        /// large parent starts at the parent's size: exec keeps the old image's high-water mark).
        var peakRSSMegabytes: Double
        /// The exit status (or 128 + signal).
        var status: Int32
        /// User + system CPU seconds the child used (`wait4`'s rusage).
        var cpuSeconds = 0.0
    }

    /// Why a run could not be made or did not succeed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `executable arguments`, waits for it, and returns its time and peak RSS.
    /// - Parameters:
    ///   - stdinPath: a file to read standard input from (default `/dev/null`).
    ///   - stdoutPath: where standard output goes (default `/dev/null`).
    ///   - stderrPath: where standard error goes (default `/dev/null`).
    ///   - appendingStderr: add to `stderrPath` rather than replace it (a log of several runs).
    ///   - samplingPeak: read the peak from /proc every 2 ms instead of `ru_maxrss` (for long runs; adds up to 2 ms).
    static func run(_ executable: String, _ arguments: [String], stdinPath: String = "/dev/null",
                    stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null", appendingStderr: Bool = false,
                    samplingPeak: Bool = false) throws -> Run {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | (appendingStderr ? O_APPEND : O_TRUNC), 0o644)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = (argv + [nil]).withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return posix_spawn(&pid, executable, &actions, nil, base, environ)
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        var sampledKB = 0
        while true {
            let reaped = wait4(pid, &status, samplingPeak ? WNOHANG : 0, &usage)
            if reaped == pid { break }
            if reaped < 0 {
                guard errno == EINTR else { throw Failure(description: "wait4 for \(executable) failed: \(String(cString: strerror(errno)))") }
                continue
            }
            sampledKB = max(sampledKB, Self.highWaterKB(of: pid))
            usleep(2000)
        }
        let elapsed = ContinuousClock.now - start
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let (seconds, attoseconds) = elapsed.components
        return Run(milliseconds: Double(seconds) * 1000 + Double(attoseconds) / 1e15,
                   peakRSSMegabytes: Double(samplingPeak ? sampledKB : usage.ru_maxrss) / 1024, status: exit,
                   cpuSeconds: Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6)
    }

    /// `VmHWM` of a running process in KB (0 when it cannot be read).
    private static func highWaterKB(of pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    /// ``run(_:_:stdinPath:stdoutPath:stderrPath:)`` that throws unless the program exits with
    /// one of `accepted`, quoting the end of its standard error.
    static func runChecked(_ executable: String, _ arguments: [String], accepted: Set<Int32> = [0], scratch: String,
                           stdinPath: String = "/dev/null", stdoutPath: String = "/dev/null", samplingPeak: Bool = false) throws -> Run {
        let stderrPath = scratch + "/last-stderr.txt"
        let run = try run(executable, arguments, stdinPath: stdinPath, stdoutPath: stdoutPath, stderrPath: stderrPath,
                          samplingPeak: samplingPeak)
        guard accepted.contains(run.status) else {
            let message = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw Failure(description: "`\(([executable] + arguments).joined(separator: " "))` exited \(run.status): \(message.suffix(600))")
        }
        return run
    }
}
