import ArgumentParser
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerTrials

/// `careledger conflicts`: consent conflicts still open, with what is effective meanwhile.
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "Consent conflicts still open (concurrent heads) and trial protocol versions added differently at two sites, for human review.")
    @OptionGroup var options: SiteOptions

    struct Row: Encodable { let consent: String, heads: [String], effective: [String], rule: String, summary: String }
    /// A protocol version label added with different documents at two or more sites (Specs/trials.md §4.3).
    struct ProtocolRow: Encodable { let trial: String, version: String, entries: [String] }
    /// `skipped_versions`: consent.version entries left out because they do not decode.
    struct Output: Encodable { let conflicts: [Row], protocolConflicts: [ProtocolRow], skippedVersions: Int }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let ledger = try openSite(options, access: .read)
            let loaded = try ledger.loadConflictedConsent()
            printWarnings(loaded.skippedWarning.map { [$0] } ?? [])
            let rows = loaded.engine.conflicts().map {
                Row(consent: $0.key.description, heads: $0.heads.map(\.hex), effective: $0.effective.map(\.hex),
                    rule: $0.rule.rawValue, summary: $0.summary)
            }
            let trials = try SiteTrials(ledger)
            let protocols = trials.chain.conflicts().map {
                ProtocolRow(trial: $0.trial, version: $0.version, entries: $0.entries.map(\.hex))
            }
            try CommandOutput(json: options.json).emit(Output(conflicts: rows, protocolConflicts: protocols, skippedVersions: loaded.skipped.count)) {
                if rows.isEmpty { print("No open consent conflicts.") }
                for row in protocols {
                    print("trial \(row.trial) protocol \(row.version): \(row.entries.count) different documents under one label (\(row.entries.joined(separator: ", ")))")
                    print("  add the intended document again under a new label with careledger trial protocol add")
                }
                for row in rows {
                    print("\(row.consent): \(row.heads.count) concurrent heads (\(row.rule)): \(row.summary)")
                    for head in row.heads { print("  head \(head)\(row.effective.contains(head) ? "  (effective)" : "")") }
                    print("  resolve with: careledger consent resolve --consent \(row.consent)")
                }
            }
        }
    }
}
