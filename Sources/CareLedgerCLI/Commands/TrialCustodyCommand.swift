import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite
import LedgerTrials

/// `careledger trial custody record|import|export|verify`: investigational-product custody as
/// EPCIS 2.0 ObjectEvents, and its verification (Specs/trials.md §3.2, §6, §7).
struct TrialCustodyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody", abstract: "Custody of investigational product: record, import, export, verify.",
        subcommands: [Record.self, Import.self, Export.self, Verify.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record one custody event (an EPCIS 2.0 ObjectEvent) at this site.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The trial id.") var trial: String
        @Option(help: "The lot code.") var lot: String
        @Option(help: "The CBV business step: commissioning, shipping, receiving, dispensing, returning, destroying.") var step: CustodyStep
        @Option(name: .customLong("serial"), help: "A serialised unit (SGTIN EPC URI); repeatable.") var serials: [String] = []
        @Option(parsing: .unconditional, help: NumericOptions.quantity.help("Units of the lot not listed by serial."), transform: NumericOptions.quantity.parse)
        var quantity: Int?
        @Option(help: "The site product comes from.") var from: String?
        @Option(help: "The site product goes to (needed for shipping and returning).") var to: String?
        @Option(help: "The participant (pseudonym, or FHIR token system|value pseudonymised here) for a dispensing.") var subject: String?
        @Option(help: "When it happened, RFC 3339 (default: now).") var time: String?

        struct Output: Encodable { let entryId: String, eventId: String, alreadyHeld: Bool }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let millis = try time.map { try parseTrialTime($0, flag: "--time") } ?? RFC3339.millis(of: Date())
                let ledger = try openSite(options, access: .write, wait: lock.duration)
                var trials = try SiteTrials(ledger)
                printWarnings(trials.warnings)
                let pseudonym = try subject.map { try ledger.pseudonymKey().resolve(patient: $0).hex }
                let here = ledger.metadata.name
                let event = CustodyEventPayload(
                    trial: trial, lot: lot, eventTime: millis, bizStep: step, readPoint: here,
                    serials: serials, quantity: quantity,
                    source: from ?? (step.sends ? here : nil), destination: to, subject: pseudonym)
                guard let recorded = try trials.record([event]).first else { throw CLIFailure.unusableSite("the trial.custody entry was not written") }
                try CommandOutput(json: options.json).emit(Output(entryId: recorded.entryId.hex, eventId: recorded.eventId, alreadyHeld: recorded.alreadyHeld)) {
                    print((recorded.alreadyHeld ? "Already on the ledger: " : "Recorded ") + "\(step.rawValue) of lot \(lot) as entry \(recorded.entryId.hex)")
                    print("  event id \(recorded.eventId)")
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", 
            abstract: "Verify a lot's chain of custody; exit 1 with one line per incident when it does not hold.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The lot code.") var lot: String

        struct Incident: Encodable { let kind: String, lot: String, serial: String?, sites: [String], entries: [String], doubleCustody: Bool }
        struct Holding: Encodable { let site: String, units: Int }
        struct Output: Encodable {
            let ok: Bool, lot: String, events: Int, duplicates: Int, incidents: [Incident], onHand: [Holding]
        }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let trials = try SiteTrials(try openSite(options, access: .read))
                printWarnings(trials.warnings)
                let report = trials.verify(lot: lot)
                let output = Output(
                    ok: report.ok, lot: lot, events: report.events, duplicates: report.duplicates,
                    incidents: report.incidents.map {
                        Incident(kind: $0.kind.rawValue, lot: $0.lot, serial: $0.serial, sites: $0.sites, entries: $0.entries.map(\.hex), doubleCustody: $0.kind.isDoubleCustody)
                    },
                    onHand: report.onHand.map { Holding(site: $0.site, units: $0.units) })
                try CommandOutput(json: options.json).emit(output) {
                    for incident in report.incidents { print(incident.line) }
                    print(report.ok ? "OK: lot \(lot): \(report.events) events, chain of custody holds"
                                    : "FAIL: lot \(lot): \(report.incidents.count) incident(s) in \(report.events) events")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", 
            abstract: "Import an EPCIS 2.0 JSON document of ObjectEvents; all events or none, duplicates skipped.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The trial for events without a careledger:trial field.") var trial: String?
        @Argument(help: "The EPCIS 2.0 JSON document.") var file: String

        struct Output: Encodable { let imported: Int, alreadyHeld: Int, entryIds: [String], eventIds: [String] }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                var trials = try SiteTrials(try openSite(options, access: .write, wait: lock.duration))
                printWarnings(trials.warnings)
                let recorded = try trials.importEPCIS(file: file, trial: trial)
                let fresh = recorded.filter { !$0.alreadyHeld }
                let output = Output(imported: fresh.count, alreadyHeld: recorded.count - fresh.count,
                                    entryIds: fresh.map(\.entryId.hex), eventIds: recorded.map(\.eventId))
                try CommandOutput(json: options.json).emit(output) {
                    print("Imported \(output.imported) custody event(s)" + (output.alreadyHeld > 0 ? ", \(output.alreadyHeld) already on the ledger" : ""))
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "A lot's custody events as an EPCIS 2.0 JSON document on stdout (or --out).")
        @OptionGroup var options: SiteOptions
        @Option(help: "The lot code.") var lot: String
        @Option(help: "Write the document to this file instead of stdout.") var out: String?

        struct Output: Encodable { let events: Int, out: String }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let trials = try SiteTrials(try openSite(options, access: .read))
                printWarnings(trials.warnings)
                let document = Data(trials.exportEPCIS(lot: lot, created: RFC3339.millis(of: Date())) + Array("\n".utf8))
                let count = trials.events(lot: lot).count
                if let out {
                    // Durably, under its final name only once whole (as bundles are written).
                    try BundleFiles.write(Array(document), to: out)
                    try CommandOutput(json: options.json).emit(Output(events: count, out: out)) { print("Wrote \(count) event(s) of lot \(lot) to \(out)") }
                } else {
                    guard !options.json else { throw CLIFailure.usage("export writes the EPCIS document itself on stdout; use --out FILE with --json") }
                    FileHandle.standardOutput.write(document)
                }
            }
        }
    }
}
