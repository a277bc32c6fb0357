import ArgumentParser
import LedgerCore

/// `careledger members admit|revoke|role|approve|proposals|list`: the network charter's membership.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "Admit, revoke and list the network's member sites; approve charter proposals.",
        subcommands: [Admit.self, Revoke.self, Role.self, Approve.self, Proposals.self, List.self])

    struct EntryOutput: Encodable {
        let entryId: String
        /// Whether the change applies now; false while a proposal waits for approvals.
        let inEffect: Bool
        let approvals: Int
        let quorum: Int
        /// For a `charter.amend` entry: the witnesses default in force after it (`network amend`).
        var witnessesInForce: Int?
    }

    /// What the charter-writing subcommands share: open the site, write one charter entry (the
    /// log's refusal becomes the contract's exit code) and print its id, as JSON or as
    /// `human`'s line, or, while the change waits for a quorum, as a proposal line.
    static func writeEntry(_ options: SiteOptions, wait: WaitOption, _ write: (SiteLedger) throws -> Entry,
                           human: (Entry) -> String) throws {
        let ledger = try openSite(options, access: .write, wait: wait.duration)
        let entry: Entry
        do { entry = try write(ledger) } catch let error as CoreError { throw CLIFailure.from(error) }
        // An approval reports on the proposal it approves; an admission or revocation on itself.
        var subject = entry.id
        if let approval = try? CanonicalJSON.decode(ApprovePayload.self, from: entry.payload),
           entry.kind == SiteLedger.CharterKind.approve {
            subject = approval.proposal
        }
        let proposal = ledger.charter.proposals[subject]
        let output = EntryOutput(entryId: entry.id.hex, inEffect: proposal?.inEffect ?? true,
                                 approvals: proposal?.approvers.count ?? 1, quorum: ledger.charter.quorum,
                                 witnessesInForce: entry.kind == SiteLedger.CharterKind.amend ? ledger.charter.witnessesDefault : nil)
        try CommandOutput(json: options.json).emit(output) {
            if output.inEffect {
                print(human(entry))
            } else {
                print("Proposal \(subject.hex): \(output.approvals) of \(output.quorum) governance approvals; it applies once `careledger members approve \(subject.hex)` has run at \(output.quorum - output.approvals) more governance site(s) (entry \(entry.id.hex))")
            }
        }
    }

    struct Admit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "admit", abstract: "Admit a site's key (a signed charter entry; it replicates by sync).")
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
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key from now (or --from TIME) on.")
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

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "role", abstract: "Change a member's role (a signed admission with the new role; a proposal under a quorum).")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(help: "The member's Ed25519 key (hex).") var key: String
        @Option(help: "clinic, field, central, auditor or governance.") var role: String

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let key = Hash32(hex: key) else { throw CLIFailure.usage("--key must be 64 hex digits") }
                guard let role = MemberRole(rawValue: role) else {
                    throw CLIFailure.usage("--role must be one of \(MemberRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                try MembersCommand.writeEntry(options, wait: lock) { ledger in
                    try ledger.changeRole(of: key, to: role)
                } human: { "Role of \(key.hex) is now \(role.rawValue): entry \($0.id.hex)" }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a pending admission, revocation or role change (governance sites only).")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Argument(help: "The proposal's entry id, as `careledger members proposals` lists it.") var proposal: String

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let id = Hash32(hex: proposal) else { throw CLIFailure.usage("PROPOSAL must be an entry id of 64 hex digits") }
                try MembersCommand.writeEntry(options, wait: lock) { ledger in
                    try ledger.approve(proposal: id)
                } human: { "Approved \(id.hex): the quorum is reached, the change is in effect (entry \($0.id.hex))" }
            }
        }
    }

    struct Proposals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "proposals", abstract: "Charter changes waiting for governance approvals.")
        @OptionGroup var options: SiteOptions

        struct Row: Encodable {
            let proposal: String, action: String, key: String, name: String?, role: String?
            let proposer: String, approvers: [String], approvals: Int, quorum: Int
            /// For a `resolve` proposal, whose `key` is the dispute's id: `upheld` or `rejected`.
            var outcome: String?
            /// For an `amend` proposal (whose `key` is empty): the witnesses default it sets.
            var witnesses: Int?
        }
        struct Output: Encodable { let quorum: Int, proposals: [Row] }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let ledger = try openSite(options, access: .read)
                let charter = ledger.charter
                let rows = charter.pendingProposals.compactMap { proposal -> Row? in
                    let approvers = proposal.approvers.map(\.hex)
                    switch proposal.change {
                    case .admit(let payload):
                        let action = charter.members[payload.key] == nil ? "admit" : "role"
                        return Row(proposal: proposal.entryID.hex, action: action, key: payload.key.hex, name: payload.name,
                                   role: payload.role.rawValue, proposer: proposal.author.hex, approvers: approvers,
                                   approvals: approvers.count, quorum: charter.quorum)
                    case .revoke(let payload):
                        return Row(proposal: proposal.entryID.hex, action: "revoke", key: payload.key.hex, name: charter.members[payload.key]?.name,
                                   role: nil, proposer: proposal.author.hex, approvers: approvers,
                                   approvals: approvers.count, quorum: charter.quorum)
                    case .disputeResolve(let payload):
                        return Row(proposal: proposal.entryID.hex, action: "resolve", key: payload.dispute.hex, name: nil,
                                   role: nil, proposer: proposal.author.hex, approvers: approvers,
                                   approvals: approvers.count, quorum: charter.quorum, outcome: payload.outcome.rawValue)
                    case .amend(let payload):
                        return Row(proposal: proposal.entryID.hex, action: "amend", key: "", name: nil,
                                   role: nil, proposer: proposal.author.hex, approvers: approvers,
                                   approvals: approvers.count, quorum: charter.quorum, witnesses: payload.witnesses)
                    case .profile, .approve, .disputeOpen:
                        return nil
                    }
                }
                try CommandOutput(json: options.json).emit(Output(quorum: charter.quorum, proposals: rows)) {
                    if rows.isEmpty { print("No pending proposals (quorum \(charter.quorum)).") }
                    for row in rows {
                        let what = [row.action, row.name, row.role, row.outcome, row.witnesses.map { "witnesses \($0)" }]
                            .compactMap { $0 }.joined(separator: " ")
                        print("\(row.proposal)  \(what)  \(row.key)  \(row.approvals) of \(row.quorum) approvals")
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Members with their roles and status, and quarantined authors.")
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
