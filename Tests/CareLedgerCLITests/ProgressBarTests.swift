import Foundation
@testable import CareLedgerCLI
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

    @Test("bundle export and import draw bars counting entries on a terminal, and print nothing on a piped stderr",
          .enabled(if: ProgressBarTests.script != nil && CLI.binary != nil))
    func bundleBarsOnlyOnATerminal() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        let lines = (0..<3000).map { "{\"n\":\($0)}" }.joined(separator: "\n")
        try Data(lines.utf8).write(to: URL(fileURLWithPath: cli.path("e.jsonl")))
        try cli.run(["append", "--dir", "central", "--kind", "x", "--jsonl", "e.jsonl", "--batch", "500"])
        let binary = try #require(CLI.binary)

        let exported = try Self.underTerminal("\(binary) bundle export --dir central --to clinic-a --out b.clbundle", in: cli.folder.path)
        #expect(exported.contains("export ["), "no bar on a terminal: \(exported)")
        #expect(exported.range(of: #"(\d+)/\1 entries"#, options: .regularExpression) != nil, "the bar ends at its total of entries: \(exported)")
        let imported = try Self.underTerminal("\(binary) bundle import --dir clinic-a b.clbundle", in: cli.folder.path)
        #expect(imported.contains("import ["), "no bar on a terminal: \(imported)")
        #expect(imported.contains("1/1 bundles, "), "the bar counts bundles: \(imported)")
        #expect(imported.range(of: #"[0-9]{4} entries"#, options: .regularExpression) != nil, "and the entries in them: \(imported)")

        let pipedExport = try cli.run(["bundle", "export", "--dir", "central", "--to", "clinic-a", "--out", "c.clbundle"])
        #expect(pipedExport.status == 0 && pipedExport.stderr.isEmpty, "stderr is not a terminal, so nothing extra: \(pipedExport)")
        let pipedImport = try cli.run(["bundle", "import", "--dir", "clinic-a", "c.clbundle"])
        #expect(pipedImport.status == 0 && pipedImport.stderr.isEmpty, "\(pipedImport)")
    }

    @Test("sync --folder and sync --peer draw bars on a terminal, and print nothing on a piped stderr",
          .enabled(if: ProgressBarTests.script != nil && CLI.binary != nil))
    func syncBarsOnlyOnATerminal() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a", "clinic-b"], admitted: ["clinic-a", "clinic-b"])
        try TCPSyncTests.append(cli, site: "clinic-a", count: 500)
        try FileManager.default.createDirectory(atPath: cli.path("stick"), withIntermediateDirectories: true)
        let binary = try #require(CLI.binary)

        let folder = try Self.underTerminal("\(binary) sync --dir central --folder stick", in: cli.folder.path)
        #expect(folder.contains("export ["), "no bar on a terminal: \(folder)")
        #expect(folder.contains("bundles, "), "\(folder)")
        let pipedFolder = try cli.run(["sync", "--dir", "clinic-b", "--folder", "stick"])
        #expect(pipedFolder.status == 0 && pipedFolder.stderr.isEmpty, "\(pipedFolder)")

        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { server.stop() }
        let peer = try Self.underTerminal("\(binary) sync --dir clinic-a --peer 127.0.0.1:\(server.port)", in: cli.folder.path)
        #expect(peer.contains("sync "), "no bar on a terminal: \(peer)")
        #expect(peer.range(of: #"[0-9]+ in, [0-9]+ out"#, options: .regularExpression) != nil, "the bar counts entries each way: \(peer)")
        let pipedPeer = try cli.run(["sync", "--dir", "clinic-b", "--peer", "127.0.0.1:\(server.port)"])
        #expect(pipedPeer.status == 0 && pipedPeer.stderr.isEmpty, "\(pipedPeer)")
    }

    @Test("a bar with a second count shows both counts, the rate of the second and an ETA; no ETA before any progress or without a total")
    func renderShowsBothCounts() {
        let bundles = ProgressBar.render(label: "import", done: 1, total: 4, elapsed: 2, unit: "bundles", items: 3000)
        #expect(bundles == "import [######------------------] 1/4 bundles, 3000 entries 1.5k entries/s ETA 6s")
        let sync = ProgressBar.render(label: "sync", done: 40, total: 0, elapsed: 2, unit: "entries", detail: "30 in, 10 out")
        #expect(sync == "sync 40 entries (30 in, 10 out) 20 entries/s")
        #expect(ProgressBar.render(label: "append", done: 5, total: 10, elapsed: 1) == "append [############------------] 5/10 5/s ETA 1s")
        #expect(ProgressBar.render(label: "import", done: 0, total: 2, elapsed: 1, unit: "bundles", items: 0, detail: "b.clbundle")
                == "import [------------------------] 0/2 bundles, 0 entries (b.clbundle) 0 entries/s ETA --")
    }
}
