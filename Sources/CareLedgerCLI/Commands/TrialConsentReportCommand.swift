import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite
import LedgerTrials

/// `careledger trial consent-report --trial ID`: participants by consent state (placeholder
/// until consent binding lands).
struct TrialConsentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent-report", abstract: "Participants (pseudonyms) by consent state: current, needs re-consent, withdrawn.")
    @OptionGroup var options: SiteOptions
    @Option(help: "The trial id.") var trial: String

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            throw CLIFailure.usage("trial consent-report is not built yet")
        }
    }
}
