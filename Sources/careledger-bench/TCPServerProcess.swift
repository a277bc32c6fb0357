import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The central site's server as a child `careledger-bench tcp-serve` process (see
/// ``TCPServeChildCommand``), started and stopped by `tcp-load`.
///
/// Nothing here waits without a bound: the port file must appear within `readyTimeout`, the
/// child must exit within `stopTimeout` of its stdin closing, and ``killIfRunning()`` (for the
/// caller's `defer`) ends a child that is still running whatever happened.
final class TCPServerProcess {
    /// What the child prints on its last stdout line.
    struct Report: Decodable {
        /// The child's own VmHWM in MB.
        var serverPeakRSSMegabytes: Double
        /// The most sessions the server ran at once.
        var peakConcurrentSessions: Int

        enum CodingKeys: String, CodingKey {
            case serverPeakRSSMegabytes = "server_peak_rss_mb"
            case peakConcurrentSessions = "peak_concurrent_sessions"
        }
    }

    /// Why the server could not be started, stopped or read.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The port the child listens on, on 127.0.0.1.
    let port: Int
    private let process: Process
    private let stdin: Pipe
    private let stdout: Pipe
    private let logPath: String

    /// Starts `tcp-serve` on `directory` and returns once it listens.
    /// - Parameters:
    ///   - scratch: a folder for the port file and the child's log (stderr).
    ///   - arguments: further `tcp-serve` options (timeouts, session limit).
    /// - Throws: ``Failure`` when the child cannot start, exits early, or names no port in time.
    init(directory: String, scratch: String, arguments: [String], readyTimeout: Double = 60) async throws {
        let portFile = scratch + "/server.port"
        logPath = scratch + "/server.log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
              let log = FileHandle(forWritingAtPath: logPath) else { throw Failure(description: "cannot create \(logPath)") }
        process = Process()
        process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["tcp-serve", "--dir", directory, "--port-file", portFile] + arguments
        stdin = Pipe()
        stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start the server child (\(process.executableURL?.path ?? "?")): \(error)")
        }
        try? log.close()

        do {
            port = try await Self.waitForPort(portFile, of: process, logPath: logPath, timeout: readyTimeout)
        } catch {
            Self.forceKill(process)
            throw error
        }
    }

    /// Polls for the port file until it appears, the child exits, or `timeout` passes.
    private static func waitForPort(_ portFile: String, of process: Process, logPath: String, timeout: Double) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw Failure(description: "the server child wrote no port to \(portFile): \(text)")
                }
                return port
            }
            if !process.isRunning {
                throw Failure(description: "the server child exited (status \(process.terminationStatus)) before listening\(tail(logPath))")
            }
            if ContinuousClock.now >= deadline {
                throw Failure(description: "the server child named no port within \(Int(timeout)) s\(tail(logPath))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Closes the child's stdin, waits for it to exit and returns what it reported.
    /// - Throws: ``Failure`` when it does not exit within `stopTimeout` (it is killed), exits
    ///   with a failure, or prints no report.
    func stop(stopTimeout: Double = 60) async throws -> Report {
        try? stdin.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(stopTimeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                Self.forceKill(process)
                throw Failure(description: "the server child did not exit within \(Int(stopTimeout)) s of its stdin closing\(Self.tail(logPath))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The report is one short line, well inside a pipe's buffer, so the child never blocked on it.
        let output = (try? stdout.fileHandleForReading.readToEnd()) ?? Data()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(description: "the server child failed (status \(process.terminationStatus))\(Self.tail(logPath))")
        }
        guard let line = output.split(separator: 0x0a).last,
              let report = try? JSONDecoder().decode(Report.self, from: Data(line)) else {
            throw Failure(description: "the server child printed no report: \(String(decoding: output, as: UTF8.self))")
        }
        return report
    }

    /// Ends the child at once if it still runs (for `defer`; harmless after ``stop(stopTimeout:)``).
    func killIfRunning() { Self.forceKill(process) }

    private static func forceKill(_ process: Process) {
        guard process.isRunning else { return }
        _ = kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The last lines of the child's log, for an error message ("" when empty).
    private static func tail(_ path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else { return "" }
        return "; its log ends:\n" + text.split(separator: "\n").suffix(5).joined(separator: "\n")
    }
}
