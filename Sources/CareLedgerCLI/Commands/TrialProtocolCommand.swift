import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite
import LedgerTrials

/// `careledger trial protocol add|list|at`: protocol versions anchored by their SHA-256.
struct TrialProtocolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol", abstract: "Protocol versions: add one, list them, find the one in force.",
        subcommands: [Add.self, List.self, At.self, Attest.self])

    /// One version as the commands print it.
    struct VersionOutput: Encodable {
        let trial: String, version: String, sha256: String, size: Int, effective: String, approval: String?
        let reconsent: Bool, entryId: String, site: String, conflicted: Bool, conflictEntries: [String]

        init(_ state: ProtocolVersionState, _ trials: SiteTrials) {
            let p = state.current.payload
            trial = p.trial; version = p.version; sha256 = p.sha256; size = p.size
            effective = RFC3339.string(fromMillis: p.effective); approval = p.approval; reconsent = p.reconsent
            entryId = state.current.entryId.hex; site = trials.siteName(state.current.author)
            conflicted = state.isConflicted; conflictEntries = state.isConflicted ? state.heads.map(\.entryId.hex) : []
        }

        var line: String {
            let flags = (reconsent ? " re-consent" : "") + (conflicted ? " CONFLICT(\(conflictEntries.joined(separator: ",")))" : "")
            return "\(version)  effective \(effective.prefix(10))  sha256 \(sha256.prefix(16))…  by \(site)  entry \(entryId)\(approval.map { "  approval \($0)" } ?? "")\(flags)"
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Anchor a protocol document's SHA-256 as a version of a trial.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The trial id (A-Z a-z 0-9 . _ -).") var trial: String
        @Option(help: "The version label, e.g. v2.") var version: String
        @Option(help: "The protocol document (stays off the ledger).") var file: String
        @Option(help: "When it comes into force: YYYY-MM-DD or RFC 3339.") var effective: String
        @Option(help: "The approval reference (ethics committee decision).") var approval: String?
        @Flag(help: "Participants consented under earlier versions must consent again.") var reconsent = false

        struct Output: Encodable { let entryId: String, anchorEntryId: String?, sha256: String, alreadyHeld: Bool }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let millis = try parseTrialTime(effective, flag: "--effective")
                let ledger = try openSite(options, access: .write, wait: lock.duration)
                var trials = try SiteTrials(ledger)
                printWarnings(trials.warnings)
                let added = try trials.addProtocol(trial: trial, version: version, file: file, effective: millis, approval: approval, reconsent: reconsent)
                let sha = (try? ProtocolVersionPayload.decode(added.entry.payload))?.sha256 ?? ""
                try CommandOutput(json: options.json).emit(Output(entryId: added.entry.id.hex, anchorEntryId: added.anchor?.id.hex, sha256: sha, alreadyHeld: added.alreadyHeld)) {
                    print(added.alreadyHeld ? "Already on the ledger: \(trial) \(version) as entry \(added.entry.id.hex)"
                                            : "Added \(trial) \(version) (sha256 \(sha)) as entry \(added.entry.id.hex)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "A trial's protocol versions in chain order, conflicts marked.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The trial id.") var trial: String

        struct Output: Encodable { let trial: String, versions: [VersionOutput], conflicts: Int }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let trials = try SiteTrials(try openSite(options, access: .read))
                printWarnings(trials.warnings)
                let chain = trials.chain
                let versions = chain.versions(trial: trial).map { VersionOutput($0, trials) }
                try CommandOutput(json: options.json).emit(Output(trial: trial, versions: versions, conflicts: chain.conflicts(trial: trial).count)) {
                    if versions.isEmpty { print("No protocol versions of \(trial)") }
                    for version in versions { print(version.line) }
                }
            }
        }
    }

    struct At: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "at", abstract: "The protocol version in force on a date (exit 1 when none is).")
        @OptionGroup var options: SiteOptions
        @Option(help: "The trial id.") var trial: String
        @Option(help: "The date: YYYY-MM-DD or RFC 3339.") var date: String

        struct Output: Encodable { let trial: String, date: String, inForce: VersionOutput? }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let millis = try parseTrialTime(date, flag: "--date")
                let trials = try SiteTrials(try openSite(options, access: .read))
                printWarnings(trials.warnings)
                let state = trials.chain.inForce(trial: trial, at: millis).map { VersionOutput($0, trials) }
                try CommandOutput(json: options.json).emit(Output(trial: trial, date: RFC3339.string(fromMillis: millis), inForce: state)) {
                    print(state.map { "In force: \($0.line)" } ?? "No protocol version of \(trial) in force on \(date)")
                }
                if state == nil { throw ExitCode(1) }
            }
        }
    }

    struct Attest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "attest", 
            abstract: "Is this exact document an anchored protocol version? Names trial and version (exit 0 yes, 1 no).")
        @OptionGroup var options: SiteOptions
        @Option(help: "The document.") var file: String

        struct Match: Encodable { let trial: String, version: String, entryId: String, site: String, effective: String }
        struct Output: Encodable { let anchored: Bool, sha256: String, versions: [Match] }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure.usage("cannot read \(file): no such file or not readable") }
                let digest = AnchorPayload.digest(Array(data))
                let trials = try SiteTrials(try openSite(options, access: .read))
                printWarnings(trials.warnings)
                let matches = trials.protocolVersions(matching: Array(data)).map {
                    Match(trial: $0.payload.trial, version: $0.payload.version, entryId: $0.entryId.hex, site: trials.siteName($0.author),
                          effective: RFC3339.string(fromMillis: $0.payload.effective))
                }
                try CommandOutput(json: options.json).emit(Output(anchored: !matches.isEmpty, sha256: digest, versions: matches)) {
                    if matches.isEmpty { print("Not a protocol version held here: sha256 \(digest)") }
                    for m in matches { print("Protocol \(m.trial) \(m.version): entry \(m.entryId) by \(m.site), effective \(m.effective.prefix(10))") }
                }
                if matches.isEmpty { throw ExitCode(1) }
            }
        }
    }
}
