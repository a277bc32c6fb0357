import ArgumentParser
import LedgerCore

/// `careledger network create|genesis|amend`: found a network, hand its genesis to joiners,
/// change a setting it was founded with.
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Found a network, export its genesis for joiners, or amend its charter.",
        subcommands: [Create.self, Genesis.self, Amend.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", 
            abstract: "Create a site that founds a new network; its key becomes the first governance key.")
        @OptionGroup var options: SiteOptions
        @Option(help: "This site's name.") var site: String
        @Option(help: "The network's name.") var name: String
        @Option(help: "Consent conflict rule: deny-overrides or latest-wins.") var conflictRule: String = "deny-overrides"
        @Flag(help: "Opt-out network: no consent on record permits.") var optOut = false
        @Option(parsing: .unconditional,
                help: NumericOptions.quorum.help("Distinct governance sites that must approve an admission, revocation, role change or dispute resolution.", default: "1"),
                transform: NumericOptions.quorum.parse) var quorum: Int = 1
        @Option(parsing: .unconditional, help: NumericOptions.witnesses.help("The network's default for sync --mirror --witnesses (Specs/static-log.md §8.5).", default: "0"),
                transform: NumericOptions.witnesses.parse) var witnesses: Int = 0

        struct Output: Encodable { let networkId: String, siteId: String, siteKey: String }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let rule = ConflictRule(rawValue: conflictRule) else {
                    throw CLIFailure.usage("--conflict-rule must be deny-overrides or latest-wins, not \(conflictRule)")
                }
                let ledger: SiteLedger
                do {
                    ledger = try SiteLedger.foundNetwork(at: options.directory, siteName: site, networkName: name,
                                                         conflictRule: rule, optOut: optOut, quorum: quorum, witnesses: witnesses)
                } catch let error as CoreError { throw CLIFailure.from(error) }
                let key = ledger.siteKey.hex
                try CommandOutput(json: options.json).emit(Output(networkId: ledger.networkID.hex, siteId: key, siteKey: key)) {
                    print("Founded network \(name) (\(ledger.networkID.hex)) in \(options.directory)")
                    CommandOutput.table([("site", site), ("site key", key), ("network id", ledger.networkID.hex)])
                }
            }
        }
    }

    struct Genesis: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "genesis", 
            abstract: "Write the network's genesis (and pseudonym key) to a file for joining sites; mode 0600.")
        @OptionGroup var options: SiteOptions
        @Option(help: "Where to write the genesis file.") var out: String

        struct Output: Encodable { let networkId: String, out: String }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                let ledger = try openSite(options, access: .read)
                try ledger.writeGenesis(to: out)
                try CommandOutput(json: options.json).emit(Output(networkId: ledger.networkID.hex, out: out)) {
                    print("Wrote the genesis of network \(ledger.networkID.hex) to \(out) (keep it private: it holds the pseudonym key)")
                }
            }
        }
    }

    struct Amend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "amend",
            abstract: "Change the network's witnesses default (a charter.amend entry; under a quorum, a proposal to approve).")
        @OptionGroup var options: SiteOptions
        @OptionGroup var lock: WaitOption
        @Option(parsing: .unconditional,
                help: NumericOptions.witnesses.help("Cosignatures sync --mirror requires by default from now on."),
                transform: NumericOptions.witnesses.parse) var witnesses: Int

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                try MembersCommand.writeEntry(options, wait: lock, { try $0.amendWitnesses(witnesses) }) { entry in
                    "Amended the charter: sync --mirror now requires \(witnesses) witness cosignature(s) by default (entry \(entry.id.hex))"
                }
            }
        }
    }
}
