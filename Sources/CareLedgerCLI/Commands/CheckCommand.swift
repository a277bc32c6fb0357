import ArgumentParser
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// `careledger check`: may this actor, for this purpose, see this class of this patient's data?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "The access decision (permit or deny) with the consent versions that decided it.")
    @OptionGroup var options: SiteOptions
    @OptionGroup var lock: WaitOption
    @Option(help: "The patient as consent import names it: an identifier token system|value or a reference such as Patient/123 (both pseudonymised here), or a 64-hex-digit pseudonym.") var patient: String
    @Option(help: "The actor, a FHIR reference such as Organization/clinic-b.") var actor: String
    @Option(help: "The purpose of use, a v3-ActReason code such as TREAT or HRESCH.") var purpose: String
    @Option(name: .customLong("class"), help: "The data class: a resource type, code or security label (repeatable).") var classes: [String]
    @Option(help: "When access happens, RFC 3339 (default: now).") var at: String?
    @Flag(help: "Write the decision to the ledger as an access.decision entry.") var record = false
    @Flag(help: "Break-glass: permit for treatment with a mandatory audit entry flagged as emergency.") var emergency = false
    @Option(help: "The record asked for, TYPE/ID (matched against provision.data).") var resource: String?
    @Option(name: .customLong("referenced-by"), help: "A record TYPE/ID that refers to --resource (matched by provision.data meaning related; repeatable).") var referencedBy: [String] = []
    @Option(help: "A trial id: a permit also needs a consent bound to the trial under a protocol version still in force (Specs/trials.md §5.3).") var trial: String?

    struct Output: Encodable {
        let decision: String, basis: [String], reason: String, emergency: Bool, patient: String, entryId: String?
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard !classes.isEmpty else { throw CLIFailure.usage("give at least one --class") }
            var time = Date()
            if let at {
                guard let parsed = RFC3339.date(from: at) else { throw CLIFailure.usage("--at must be an RFC 3339 time such as 2026-11-25T09:00:00Z") }
                time = parsed
            }
            let ledger = try openSite(options, access: .read, wait: lock.duration)
            let pseudonym: PatientPseudonym
            do { pseudonym = try ledger.pseudonymKey().resolve(patient: patient) } catch let error as ConsentError { throw CLIFailure.from(error) }
            let consent = try SiteConsent(ledger, patients: [pseudonym])
            printWarnings(consent.warnings)
            let request = AccessRequest(patient: pseudonym, actor: actor, purpose: purpose, classes: classes,
                                        time: Int64(time.timeIntervalSince1970 * 1000), emergency: emergency,
                                        resource: resource, referencedBy: referencedBy)
            // Break-glass access is permitted only with its audit entry: the library always records it.
            let checked = try trial.map { try SiteTrials(ledger).check(request, trial: $0, consent: consent, record: record) }
                ?? consent.check(request, record: record)
            let decision = checked.decision, entryID = checked.entry?.id
            let output = Output(decision: decision.outcome.rawValue, basis: decision.basis.map(\.hex), reason: decision.reason,
                                emergency: decision.emergency, patient: pseudonym.hex, entryId: entryID?.hex)
            try CommandOutput(json: options.json).emit(output) {
                print("\(output.decision.uppercased()): \(output.reason)")
                for id in output.basis { print("  basis \(id)") }
                if decision.emergency { print("  break-glass access: recorded as emergency audit entry \(entryID?.hex ?? "?")") }
                else if let entryID { print("  recorded as entry \(entryID.hex)") }
            }
        }
    }
}
