import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite
import LedgerSync

/// `careledger bundle export|import`: sync through files carried on removable media.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Export bundles for other sites and import bundles from them.",
        subcommands: [Export.self, Import.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", 
            abstract: "Write a signed bundle, encrypted to SITE, with what SITE is believed to lack.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The recipient site: a member's name or key.") var to: String
        @Option(help: "The bundle file to write.") var out: String

        struct Output: Encodable { let entries: Int, bytes: Int, recipient: String, out: String }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let ledger = try openSite(options, access: .exclusive)
                let recipient = try ledger.member(to)
                let bundle = try ledger.writeBundle(to: [recipient], progress: ProgressBar.handler(label: "export", unit: "entries"))
                try BundleFiles.write(bundle.bytes, to: out)
                try CommandOutput(json: options.json).emit(Output(entries: bundle.entries, bytes: bundle.bytes.count,
                                                                  recipient: recipient.key.hex, out: out)) {
                    print("Wrote \(out): \(bundle.entries) entries for \(recipient.name), \(bundle.bytes.count) bytes")
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", 
            abstract: "Import bundles atomically and idempotently; a rejected bundle changes nothing (exit 1).")
        @OptionGroup var options: SiteOptions
        @Argument(help: "Bundle files.") var files: [String]

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard !files.isEmpty else { throw CLIFailure.usage("give at least one bundle file") }
                let ledger = try openSite(options, access: .exclusive)
                let outcome = try BundleImporter.importFiles(files, into: ledger, progress: ProgressBar.handler(
                    label: "import", unit: "bundles", itemUnit: "entries"))
                printWarnings(outcome.warnings)
                try CommandOutput(json: options.json).emit(outcome) {
                    print("Imported \(outcome.imported) entries (\(outcome.alreadyHad) already held, \(outcome.quarantined) quarantined) from \(files.count - outcome.rejected.count) bundle(s)")
                    for rejected in outcome.rejected { print("REJECTED \(rejected.file): \(rejected.why)") }
                    for line in outcome.treeHeadEvidence { print("evidence: \(line)") }
                    if outcome.recoveredOwn > 0 { print(ledger.restoreSummary()?.line ?? "") }
                }
                printRejections(outcome.rejected)
                if !outcome.rejected.isEmpty { throw ExitCode(1) }
            }
        }
    }
}
