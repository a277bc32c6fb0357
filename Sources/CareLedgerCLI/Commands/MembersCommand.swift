import ArgumentParser
import LedgerCore

/// `careledger members admit|revoke|list`: the network charter's membership.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "Admit, revoke and list the network's member sites.",
        subcommands: [Admit.self, Revoke.self, List.self])

    struct EntryOutput: Encodable { let entryId: String }

    /// What `admit` and `revoke` share: open the site, write one charter entry (the log's
    /// refusal becomes the contract's exit code) and print its id, as JSON or as `human`'s line.
    static func writeEntry(_ options: SiteOptions, wait: WaitOption, _ write: (SiteLedger) throws -> Entry,
                           human: (Entry) -> String) throws {
        let ledger = try openSite(options, access: .write, wait: wait.duration)
        let entry: Entry
        do { entry = try write(ledger) } catch let error as CoreError { throw CLIFailure.from(error) }
        try CommandOutput(json: options.json).emit(EntryOutput(entryId: entry.id.hex)) { print(human(entry)) }
    }

    struct Admit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Admit a site's key (a signed charter entry; it replicates by sync).")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The site's Ed25519 key (hex), as `careledger identity` prints it.") var key: String
        @Option(help: "The site's X25519 key-agreement key (hex); optional: a cross-check for TCP (the handshake binds it to --key), and known before its profile entry arrives for stick bundles.") var agreementKey: String?
        @Option(help: "The site's name.") var name: String
        @Option(help: "clinic, field, central, auditor or governance.") var role: String

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let key = Hash32(hex: key) else { throw CLIFailure.usage("--key must be 64 hex digits") }
                var agreement: Hash32?
                if let agreementKey {
                    guard let parsed = Hash32(hex: agreementKey) else { throw CLIFailure.usage("--agreement-key must be 64 hex digits") }
                    agreement = parsed
                }
                guard let role = MemberRole(rawValue: role) else {
                    throw CLIFailure.usage("--role must be one of \(MemberRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                try MembersCommand.writeEntry(options, wait: lock) { ledger in
                    try ledger.admit(AdmitPayload(key: key, agreementKey: agreement, name: name, role: role))
                } human: { "Admitted \(name) (\(role.rawValue)) as \(key.hex): entry \($0.id.hex)" }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key from now (or --from TIME) on.")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The revoked site's Ed25519 key (hex).") var key: String
        @Option(help: "Why (no patient data).") var reason: String
        @Option(help: "RFC 3339 time from which the key's entries are untrusted (default: now).") var from: String?

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let key = Hash32(hex: key) else { throw CLIFailure.usage("--key must be 64 hex digits") }
                var effective: HybridTimestamp?
                if let from {
                    guard let date = RFC3339.date(from: from) else { throw CLIFailure.usage("--from must be an RFC 3339 time such as 2026-11-25T09:00:00Z") }
                    effective = HybridTimestamp(wallMillis: UInt64(max(0, date.timeIntervalSince1970 * 1000)), counter: 0)
                }
                try MembersCommand.writeEntry(options, wait: lock) { ledger in
                    try ledger.revoke(key: key, reason: reason, effectiveFrom: effective)
                } human: { "Revoked \(key.hex): entry \($0.id.hex)" }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Members with their roles and status, and quarantined authors.")
        @OptionGroup var options: SiteOptions

        struct Row: Encodable { let name: String, key: String, agreementKey: String?, role: String, status: String, revokedFrom: String? }
        struct Quarantined: Encodable { let author: String, entries: Int, reason: String }
        struct Output: Encodable { let members: [Row], quarantined: [Quarantined] }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let ledger = try openSite(options, access: .read)
                let rows = ledger.charter.sortedMembers.map {
                    Row(name: $0.name, key: $0.key.hex, agreementKey: $0.agreementKey?.hex, role: $0.role.rawValue,
                        status: $0.status, revokedFrom: $0.revokedFrom.map { RFC3339.string(from: $0) })
                }
                var byAuthor: [Hash32: (Int, QuarantineReason)] = [:]
                for held in ledger.quarantined {
                    byAuthor[held.entry.author] = ((byAuthor[held.entry.author]?.0 ?? 0) + 1, held.reason)
                }
                let quarantined = byAuthor.sorted { $0.key < $1.key }.map {
                    Quarantined(author: $0.key.hex, entries: $0.value.0, reason: $0.value.1.rawValue)
                }
                try CommandOutput(json: options.json).emit(Output(members: rows, quarantined: quarantined)) {
                    let width = rows.map(\.name.count).max() ?? 4
                    for row in rows {
                        print("\(row.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(row.role.padding(toLength: 10, withPad: " ", startingAt: 0))  \(row.status.padding(toLength: 7, withPad: " ", startingAt: 0))  \(row.key)")
                    }
                    for q in quarantined { print("quarantined: \(q.entries) entries by \(q.author) (\(q.reason))") }
                }
            }
        }
    }
}
