import ArgumentParser
import LedgerCore
import LedgerIndex
import LedgerSite

/// `careledger reindex`: rebuilds the derived-state database from the log.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the derived-state database (index.sqlite) from the log; any command rebuilds it when it is missing.")
    @OptionGroup var options: SiteOptions

    struct Output: Encodable { let entries: Int, index: String }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            // A snapshot: it works beside a running writer, which applies its own commits on top.
            let ledger = try openSite(options, access: .read)
            let bar = ProgressBar(label: "reindex", total: ledger.entryCount)
            do {
                try ledger.rebuildDerivedStateIndex { bar.advance(by: $0) }
            } catch let error as CoreError {
                bar.finish()
                throw CLIFailure.from(error)
            }
            bar.finish()
            let output = Output(entries: ledger.entryCount, index: ledger.layout.index)
            try CommandOutput(json: options.json).emit(output) {
                print("Rebuilt \(output.index) from \(output.entries) entries")
            }
        }
    }
}
