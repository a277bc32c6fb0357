import ArgumentParser
import LedgerCore
import LedgerSite

/// `careledger stats`: sizes and counts.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Sizes and counts of this site's ledger.")
    @OptionGroup var options: SiteOptions

    struct Output: Encodable {
        let entries: Int, segments: Int, bytesOnDisk: Int64, bytesRaw: Int64, compressionRatio: Double
        let summaryRoot: String, treeSize: Int, treeRoot: String, quarantined: Int, forks: Int, authors: Int
        /// Each fork: author, sequence and both entry ids (Specs/site-layout.md §4).
        let forkEvidence: [ForkOutput]
        /// Peers' contradicting signed tree heads (rollback or fork), kept as evidence.
        var rollbackEvidence: [RollbackEvidenceOutput] = []
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let ledger = try openSite(options, access: .read)
            let s = ledger.statistics()
            var output = Output(entries: s.entries, segments: s.segments, bytesOnDisk: s.bytesOnDisk, bytesRaw: s.bytesRaw,
                                compressionRatio: s.bytesOnDisk > 0 ? Double(s.bytesRaw) / Double(s.bytesOnDisk) : 0,
                                summaryRoot: try ledger.cachedSummaryRoot().hex, treeSize: s.treeSize, treeRoot: s.treeRoot.hex,
                                quarantined: s.quarantined, forks: s.forks, authors: s.authors,
                                forkEvidence: ForkOutput.list(ledger.forks))
            output.rollbackEvidence = RollbackEvidenceOutput.list(ledger)
            try CommandOutput(json: options.json).emit(output) {
                CommandOutput.table([
                    ("entries", "\(s.entries)"), ("authors", "\(s.authors)"), ("segments", "\(s.segments)"),
                    ("bytes on disk", "\(s.bytesOnDisk)"), ("bytes raw", "\(s.bytesRaw)"),
                    ("tree size", "\(s.treeSize)"), ("tree root", s.treeRoot.hex), ("summary root", output.summaryRoot),
                    ("quarantined", "\(s.quarantined)"), ("forks", "\(s.forks)"),
                ])
                ForkOutput.printList(ledger.forks)
                RollbackEvidenceOutput.printList(ledger)
            }
        }
    }
}
