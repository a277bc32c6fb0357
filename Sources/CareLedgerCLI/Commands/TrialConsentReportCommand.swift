import ArgumentParser
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerTrials

/// `careledger trial consent-report --trial ID`: participants (pseudonyms) by consent state,
/// with the consent version ids that prove it (Specs/trials.md §5.4).
struct TrialConsentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent-report", abstract: "Participants (pseudonyms) by consent state: current, needs re-consent, withdrawn.")
    @OptionGroup var options: SiteOptions
    @Option(help: "The trial id.") var trial: String
    @Option(help: "The time to judge at: YYYY-MM-DD or RFC 3339 (default: now).") var at: String?

    struct Row: Encodable { let participant: String, consentId: String, protocolVersion: String?, versionIds: [String], reason: String }
    struct Output: Encodable { let trial: String, at: String, current: [Row], needsReconsent: [Row], withdrawn: [Row] }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let millis = try at.map { try parseTrialTime($0, flag: "--at") } ?? RFC3339.millis(of: Date())
            let ledger = try openSite(options, access: .read)
            let consent = try SiteConsent(ledger)
            let trials = try SiteTrials(ledger)
            printWarnings(consent.warnings + trials.warnings)
            let rows = try trials.consentReport(trial: trial, at: millis, engine: consent.engine)
            func group(_ state: TrialConsentRow.State) -> [Row] {
                rows.filter { $0.state == state }.map {
                    Row(participant: $0.participant.hex, consentId: $0.consentId, protocolVersion: $0.protocolVersion,
                        versionIds: $0.versionIds.map(\.hex), reason: $0.reason)
                }
            }
            let output = Output(trial: trial, at: RFC3339.string(fromMillis: millis), current: group(.current),
                                needsReconsent: group(.needsReconsent), withdrawn: group(.withdrawn))
            try CommandOutput(json: options.json).emit(output) {
                for (title, rows) in [("current", output.current), ("needs re-consent", output.needsReconsent), ("withdrawn", output.withdrawn)] {
                    print("\(title): \(rows.count)")
                    for row in rows {
                        print("  \(row.participant)  \(row.consentId)  protocol \(row.protocolVersion ?? "-")  versions \(row.versionIds.joined(separator: ","))")
                    }
                }
            }
        }
    }
}
