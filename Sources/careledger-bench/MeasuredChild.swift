import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process run to its end with its peak resident size taken from the kernel
/// (`wait4`'s `ru_maxrss`), for `sync-memory`.
///
/// Why not `Process`: Foundation reaps its children itself and does not expose their
/// resource usage; the peak RSS of a process that has exited is only known to `wait4`
/// (``MeasuredProcess`` spawns and reaps; this keeps what the child printed).
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
        let outPath = directory + "/.measured-child-\(getpid()).out"
        defer { unlink(outPath) }
        let run: MeasuredProcess.Run
        do {
            run = try MeasuredProcess.run(executable, arguments, stdoutPath: outPath, stderrPath: stderrPath, appendingStderr: true)
        } catch let failure as MeasuredProcess.Failure {
            throw Failure(description: failure.description)
        }
        return Result(status: run.status, peakRSSMegabytes: run.peakRSSMegabytes, seconds: run.milliseconds / 1000,
                      output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }

    /// CPU time (user + system) the process has used so far, in milliseconds, from
    /// /proc/PID/stat; nil where it cannot be read.
    static func cpuMilliseconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? (user + system) / ticks * 1000 : nil
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
