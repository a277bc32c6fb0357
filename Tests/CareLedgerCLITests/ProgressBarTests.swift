import Foundation
import Testing

/// Long work shows a progress bar on a terminal and nothing extra when stderr is piped
/// (shared/CLI.md); `script` gives the command a pseudo-terminal.
@Suite("Progress bars")
struct ProgressBarTests {
    static let script: String? = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs a shell command line under `script -q -c` (a pseudo-terminal) and returns what the terminal showed.
    static func underTerminal(_ commandLine: String, in folder: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(script))
        process.arguments = ["-q", "-e", "-c", commandLine, "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(commandLine): \(String(decoding: data, as: UTF8.self))")
        return String(decoding: data, as: UTF8.self)
    }

    @Test("append and verify draw a bar with counts and rate on a terminal, and print nothing on a piped stderr",
          .enabled(if: ProgressBarTests.script != nil && CLI.binary != nil))
    func barOnlyOnATerminal() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "site", "--site", "central", "--name", "Net"])
        let lines = (0..<3000).map { "{\"n\":\($0)}" }.joined(separator: "\n")
        try Data(lines.utf8).write(to: URL(fileURLWithPath: cli.path("e.jsonl")))
        let binary = try #require(CLI.binary)

        let shown = try Self.underTerminal("\(binary) append --dir site --kind x --jsonl e.jsonl --batch 500", in: cli.folder.path)
        #expect(shown.contains("append ["), "no bar on a terminal: \(shown)")
        #expect(shown.contains("3000/3000"), "the bar ends at the total: \(shown)")
        let verified = try Self.underTerminal("\(binary) verify --dir site", in: cli.folder.path)
        #expect(verified.contains("verify ["), "no bar on a terminal: \(verified)")

        let piped = try cli.run(["append", "--dir", "site", "--kind", "x", "--jsonl", "e.jsonl", "--batch", "500"])
        #expect(piped.status == 0)
        #expect(piped.stderr.isEmpty, "stderr is not a terminal, so nothing extra: \(piped.stderr)")
        let pipedVerify = try cli.run(["verify", "--dir", "site"])
        #expect(pipedVerify.stderr.isEmpty, "\(pipedVerify.stderr)")
    }
}
