import ArgumentParser
import LedgerCore

/// `careledger dispute open|resolve|list`: the network's dispute process (Specs/charter.md §6).
struct DisputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute", abstract: "Contest an entry, resolve disputes (governance, under the quorum), list them.",
        subcommands: [Open.self, Resolve.self, List.self])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "open", abstract: "Contest an entry (any member): a consent version, an access decision, a custody event.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The contested entry's id (hex), as `careledger log` prints it.") var entry: String
        @Option(help: "Why (no patient data).") var reason: String

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let id = Hash32(hex: entry) else { throw CLIFailure.usage("--entry must be an entry id of 64 hex digits") }
                try MembersCommand.writeEntry(options, wait: lock) { ledger in
                    try ledger.openDispute(about: id, reason: reason)
                } human: { "Opened dispute \($0.id.hex) about entry \(id.hex)" }
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resolve", abstract: "Decide a dispute (governance sites only; under a quorum, a proposal others approve).")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Argument(help: "The dispute's id, as `careledger dispute list` prints it.") var dispute: String
        @Option(help: "upheld or rejected.") var outcome: String
        @Option(help: "The reasoning (no patient data).") var note: String

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let id = Hash32(hex: dispute) else { throw CLIFailure.usage("DISPUTE must be an entry id of 64 hex digits") }
                guard let outcome = DisputeOutcome(rawValue: outcome) else { throw CLIFailure.usage("--outcome must be upheld or rejected") }
                try MembersCommand.writeEntry(options, wait: lock) { ledger in
                    try ledger.resolveDispute(id, outcome: outcome, note: note)
                } human: { "Resolved dispute \(id.hex): \(outcome.rawValue) (entry \($0.id.hex))" }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Disputes with their state: open, upheld or rejected.")
        @OptionGroup var options: SiteOptions

        struct Row: Encodable {
            let dispute: String, entry: String, reason: String, opener: String, openerName: String?, state: String
            let resolution: String?, note: String?, pendingResolutions: [String]
        }
        struct Output: Encodable { let disputes: [Row] }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let ledger = try openSite(options, access: .read)
                let charter = ledger.charter
                let rows = charter.disputes.values.sorted { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }.map {
                    Row(dispute: $0.id.hex, entry: $0.subject.entry.hex, reason: $0.subject.reason, opener: $0.opener.hex,
                        openerName: charter.members[$0.opener]?.name, state: $0.state, resolution: $0.resolution?.hex,
                        note: $0.note, pendingResolutions: $0.pendingResolutions.map(\.hex))
                }
                try CommandOutput(json: options.json).emit(Output(disputes: rows)) {
                    if rows.isEmpty { print("No disputes.") }
                    for row in rows {
                        let pending = row.pendingResolutions.isEmpty ? "" : " (\(row.pendingResolutions.count) resolution(s) waiting for approvals)"
                        print("\(row.dispute)  \(row.state)\(pending)  entry \(row.entry)  by \(row.openerName ?? row.opener): \(row.reason)")
                    }
                }
            }
        }
    }
}
