import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite
import LedgerSync

/// `careledger sync --folder PATH` (a USB mailbox) or `--peer HOST:PORT` (TCP).
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Two-way sync through a shared folder (a USB stick) or with a peer over TCP.")
    @OptionGroup var options: SiteOptions
    @Option(help: "A shared folder (a USB stick): import what is new here, write one bundle for every member with what the stick lacks.") var folder: String?
    @Option(parsing: .unconditional,
            help: NumericOptions.stickBytes.help("With --folder: write at most this many bytes of bundles.", default: "the folder's free space less 1 MiB and 2%"),
            transform: NumericOptions.stickBytes.parse) var maxBytes: Int?
    @Option(help: "With --folder: write bundles only for these members (name or key; repeatable).") var to: [String] = []
    @Option(help: "A peer to sync with over TCP, HOST:PORT.") var peer: String?
    @Option(parsing: .unconditional, help: NumericOptions.timeout.help("With --peer: seconds before an idle or overlong exchange is abandoned.", default: "30"),
            transform: NumericOptions.timeout.parse) var timeout: Double = 30
    @Option(help: "Catch up from a member's published static log: a folder or an http(s):// prefix (Specs/static-log.md §11).") var mirror: String?
    @Option(help: "With --mirror or verify --mirror: the log's verifier key as publish prints it (default: the member the checkpoint's origin names).") var logKey: String?
    @Option(parsing: .unconditional, help: NumericOptions.connections.help("With --mirror: bundles fetched at once.", default: "4"),
            transform: NumericOptions.connections.parse) var connections: Int = 4
    @Option(parsing: .unconditional, help: NumericOptions.witnesses.help("With --mirror: cosignatures of distinct member sites the checkpoint must carry (Specs/static-log.md §8.5).", default: "the charter's, else 0"), transform: NumericOptions.witnesses.parse) var witnesses: Int?

    func validate() throws {
        if maxBytes != nil, folder == nil { throw ValidationError("--max-bytes goes with --folder") }
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            if let mirror {
                guard folder == nil, peer == nil else { throw CLIFailure.usage("give exactly one of --folder, --peer or --mirror") }
                return try MirrorCLI.sync(options: options, mirror: mirror, logKey: logKey, connections: connections, witnesses: witnesses)
            }
            switch (folder, peer) {
            case (let folder?, nil):
                try syncFolder(folder)
            case (nil, let peer?):
                try await TCPSync.run(options: options, peer: peer, timeout: timeout)
            default:
                throw CLIFailure.usage("give exactly one of --folder PATH, --peer HOST:PORT or --mirror URL")
            }
        }
    }

    private func syncFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIFailure.usage("\(folder) is not a folder; mount the stick or create the folder first")
        }
        let ledger = try openSite(options, access: .exclusive)
        let onlyTo = try to.isEmpty ? nil : to.map { try ledger.member($0).key }
        let trustBefore = TrustStatus(ledger)
        let result = try FolderSync.run(
            ledger, folder: folder, onlyTo: onlyTo, maxBytes: maxBytes,
            importProgress: ProgressBar.handler(label: "import", unit: "bundles", itemUnit: "entries"),
            exportProgress: ProgressBar.handler(label: "export", unit: "bundles", itemUnit: "entries"))
        printWarnings(result.warnings)
        try CommandOutput(json: options.json).emit(result) {
            print("Imported \(result.imported) entries from \(result.bundlesRead) bundle(s); wrote \(result.bundlesWritten) bundle(s) with \(result.exported) entries to \(folder)")
            for rejected in result.rejected { print("REJECTED \(rejected.file): \(rejected.why)") }
            if result.bundlesRemoved > 0 { print("Removed \(result.bundlesRemoved) bundle(s) every recipient holds") }
            if result.didNotFit > 0 { print("\(result.didNotFit) entries did not fit in \(result.maxBytes) bytes; they go on the next visit (free space on the stick or pass a larger --max-bytes)") }
            for name in result.skippedRecipients { print("skipped \(name): its key-agreement key is not known yet") }
            for line in TrustStatus(ledger).news(since: trustBefore) { print(line) }
        }
        printRejections(result.rejected)
        if !result.rejected.isEmpty { throw ExitCode(1) }
    }
}

extension NumericOptions {
    /// `sync --max-bytes`: bytes of bundles one pass may write to the stick (up to 1 PiB).
    static let stickBytes = NumericOption<Int>.count(0...(1 << 50))
}
