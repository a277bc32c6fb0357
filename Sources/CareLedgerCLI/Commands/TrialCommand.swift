import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite
import LedgerTrials

/// `careledger trial …`: clinical-trial records (Specs/trials.md).
struct TrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial", abstract: "Clinical-trial records: protocol versions, consent proof, product custody (EPCIS 2.0).",
        subcommands: [TrialProtocolCommand.self, TrialConsentReportCommand.self, TrialCustodyCommand.self])
}

extension NumericOptions {
    /// `trial custody record --quantity`: units of a lot in one event (Specs/trials.md §3.2).
    static let quantity = NumericOption<Int>.count(1...CustodyEventPayload.maxQuantity)
}

/// Parses `--effective`/`--date`/`--time` values: an RFC 3339 time, or a date `YYYY-MM-DD`
/// meaning its start (00:00 UTC).
func parseTrialTime(_ text: String, flag: String) throws -> Int64 {
    if text.utf8.count == 10, let millis = RFC3339.millis(from: text + "T00:00:00Z") { return millis }
    guard let millis = RFC3339.millis(from: text) else {
        throw CLIFailure.usage("\(flag) must be a date YYYY-MM-DD or an RFC 3339 time such as 2026-11-25T09:00:00Z")
    }
    return millis
}

/// Maps a trials-layer error to a usage failure naming the field.
extension CLIFailure {
    static func from(_ error: TrialError) -> CLIFailure { .usage(error.description) }
}

extension CustodyStep: ExpressibleByArgument {}
