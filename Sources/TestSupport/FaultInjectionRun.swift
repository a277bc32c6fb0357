import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where Debian's fiu-utils put `fiu-run`, if installed, and how the tests run under it.
public enum FIU {
    /// The `fiu-run` executable, when fiu-utils is installed.
    public static let run: String? = ["/usr/bin/fiu-run", "/usr/local/bin/fiu-run"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// How one run under `fiu-run` ended.
    public struct Outcome: CustomStringConvertible, Sendable {
        /// The exit status (or the signal number).
        public var status: Int32
        /// Whether it exited or was killed by a signal.
        public var reason: Process.TerminationReason
        /// Everything it wrote to stderr.
        public var stderr: String
        /// Whether a signal ended it.
        public var signaled: Bool { reason == .uncaughtSignal }
        /// One line for test failure messages.
        public var description: String { "exit \(status) (\(reason == .uncaughtSignal ? "signal" : "exit")), stderr: \(stderr.prefix(1500))" }
    }

    /// How long one run may take before it counts as hung: far beyond what a loaded machine
    /// makes of a run that takes a fraction of a second when idle.
    public static let hangGuardSeconds = 120

    /// Runs `binary ARGS` in `folder` under `fiu-run -x -c CONTROL`, or returns nil when it
    /// was still running after ``hangGuardSeconds`` (then it is killed): a libfiu deadlock must
    /// fail the case, never hang the suite.
    /// - Throws: ``Missing`` when fiu-utils is not installed; what starting the process throws.
    public static func runBinary(_ binary: String, fault control: String, arguments: [String], in folder: String) throws -> Outcome? {
        guard let fiu = run else { throw Missing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: fiu)
        process.arguments = ["-x", "-c", control, binary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"  // the backtracer's own writes fail under fiu and it hangs
        environment["CARELEDGER_DIR"] = nil
        process.environment = environment
        let errPath = folder + "/.fiu-err-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        try Data().write(to: URL(fileURLWithPath: errPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? err.close() }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        // Woken by the process's end, not by polling; the deadline only guards against a hang.
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        if ended.wait(timeout: .now() + .seconds(Int(hangGuardSeconds))) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return Outcome(status: process.terminationStatus, reason: process.terminationReason,
                       stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self))
    }

    /// `fiu-run` is not installed.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "fiu-run is not installed (apt-get install fiu-utils)" }
    }
}
