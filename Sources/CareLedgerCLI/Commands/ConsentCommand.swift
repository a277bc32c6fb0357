import ArgumentParser
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// `careledger consent import|export|resolve`: FHIR R4 Consent in and out, and resolving conflicts.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent", abstract: "Import and export FHIR R4 Consent, resolve consent conflicts.",
        subcommands: [Import.self, Export.self, Resolve.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", 
            abstract: "FHIR R4 Consent resources (or Bundles of them) become consent versions; all files or none.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Argument(help: "FHIR R4 Consent or Bundle JSON files.") var files: [String]

        struct Version: Encodable { let versionId: String, patient: String }
        struct Output: Encodable { let imported: Int, versionIds: [String], versions: [Version], skipped: Int }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard !files.isEmpty else { throw CLIFailure.usage("give at least one FHIR JSON file") }
                let ledger = try openSite(options, access: .write, wait: lock.duration)
                var consent = try SiteConsent(ledger, importing: files)
                printWarnings(consent.warnings)
                // Every file is checked before anything is written: nothing is half-imported.
                let (entries, skipped) = try consent.importFHIR(files: files)
                let versions = entries.map { entry in
                    Version(versionId: entry.id.hex, patient: (try? ConsentVersionPayload.decode(entry.payload))?.key.patient.hex ?? "")
                }
                try CommandOutput(json: options.json).emit(Output(imported: entries.count, versionIds: entries.map(\.id.hex), versions: versions, skipped: skipped)) {
                    print("Imported \(entries.count) consent version(s)" + (skipped > 0 ? ", \(skipped) already on the ledger" : ""))
                    for version in versions { print("  \(version.versionId)  patient \(version.patient)") }
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", 
            abstract: "The patient's consent versions as a FHIR R4 Bundle (type collection) on stdout.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The patient as consent import names it: an identifier token system|value or a reference such as Patient/123 (both pseudonymised here), or a 64-hex-digit pseudonym.") var patient: String

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let ledger = try openSite(options, access: .read)
                let pseudonym: PatientPseudonym
                do { pseudonym = try ledger.pseudonymKey().resolve(patient: patient) } catch let error as ConsentError { throw CLIFailure.from(error) }
                let consent = try SiteConsent(ledger, patients: [pseudonym])
                printWarnings(consent.warnings)
                let bundle = consent.exportFHIR(patient: pseudonym)
                FileHandle.standardOutput.write(Data(bundle))
                FileHandle.standardOutput.write(Data("\n".utf8))
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resolve", 
            abstract: "Write a consent version that supersedes every head of a conflicted consent.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The consent, as `careledger conflicts` prints it (PSEUDONYM/CONSENT-ID).") var consent: String
        @Option(help: "Copy this head instead of applying the network's rule.") var choose: String?

        struct Output: Encodable { let entryId: String, supersedes: [String] }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let parts = consent.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2, let patient = PatientPseudonym(hex: parts[0]) else {
                    throw CLIFailure.usage("--consent must be PSEUDONYM/CONSENT-ID as `careledger conflicts` prints it")
                }
                var chosen: Hash32?
                if let choose {
                    guard let id = Hash32(hex: choose) else { throw CLIFailure.usage("--choose must be a 64-hex-digit version id") }
                    chosen = id
                }
                let ledger = try openSite(options, access: .write, wait: lock.duration)
                var site = try SiteConsent(ledger, patients: [patient])
                printWarnings(site.warnings)
                let entry: Entry
                do {
                    entry = try site.resolve(ConsentKey(patient: patient, consentId: parts[1]), choosing: chosen)
                } catch let error as ConsentError { throw CLIFailure.from(error) }
                let supersedes = (try? ConsentVersionPayload.decode(entry.payload))?.supersedes ?? []
                try CommandOutput(json: options.json).emit(Output(entryId: entry.id.hex, supersedes: supersedes.map(\.hex))) {
                    print("Resolved \(consent) with version \(entry.id.hex), superseding \(supersedes.count) head(s)")
                }
            }
        }
    }
}
