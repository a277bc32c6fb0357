import Foundation

/// The built `careledger` binary, run as a script on a clinic laptop would run it: stdout
/// and stderr go through files (so neither is a terminal), stdin is given bytes or empty,
/// and `CARELEDGER_DIR` is cleared so only `--dir` picks the site.
public enum CareLedgerBinary {
    /// What one run produced.
    public struct Output: Sendable {
        /// The exit status.
        public var status: Int32
        /// Everything written to stdout.
        public var stdout: Data
        /// Everything written to stderr.
        public var stderr: Data
    }

    /// The binary beside the test bundle, or in the package's `.build/debug`; nil when it
    /// was not built.
    public static let path: String? = {
        var candidates: [String] = []
        if let executable = Bundle.main.executablePath {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("careledger").path)
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("careledger").path)
        // This file is Sources/TestSupport/CareLedgerBinary.swift: three levels below the package.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(package.appendingPathComponent(".build/debug/careledger").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `binary ARGS` in `folder` and waits for it.
    ///
    /// - Parameters:
    ///   - input: the bytes on stdin (empty when nil).
    ///   - environment: variables to set on top of this process's environment.
    /// - Throws: when the capture files cannot be made or the process cannot start.
    public static func run(
        _ binary: String, _ arguments: [String], in folder: String, input: Data? = nil, environment: [String: String] = [:]
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var variables = ProcessInfo.processInfo.environment
        variables["CARELEDGER_DIR"] = nil
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let id = UUID().uuidString.prefix(8)
        let outPath = folder + "/.stdout-\(id)", errPath = folder + "/.stderr-\(id)", inPath = folder + "/.stdin-\(id)"
        defer { for file in [outPath, errPath, inPath] { try? FileManager.default.removeItem(atPath: file) } }
        try Data().write(to: URL(fileURLWithPath: outPath))
        try Data().write(to: URL(fileURLWithPath: errPath))
        try (input ?? Data()).write(to: URL(fileURLWithPath: inPath))
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let inp = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        defer { try? out.close(); try? err.close(); try? inp.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: FileManager.default.contents(atPath: outPath) ?? Data(),
                      stderr: FileManager.default.contents(atPath: errPath) ?? Data())
    }
}
