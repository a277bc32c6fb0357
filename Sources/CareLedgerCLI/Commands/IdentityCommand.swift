import ArgumentParser
import LedgerCore

/// `careledger identity`: this site's name, keys, role and network.
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "identity", abstract: "Show this site's identity.")
    @OptionGroup var options: SiteOptions

    struct Output: Encodable {
        let siteId: String, siteKey: String, agreementKey: String, name: String, role: String, networkId: String, status: String
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let ledger = try openSite(options, access: .read)
            let m = ledger.metadata
            let member = ledger.charter.members[m.siteKey]
            let status = member?.status ?? "not yet admitted"
            let output = Output(siteId: m.siteKey.hex, siteKey: m.siteKey.hex, agreementKey: m.agreementKey.hex,
                                name: m.name, role: (member?.role ?? m.role).rawValue, networkId: m.networkID.hex, status: status)
            try CommandOutput(json: options.json).emit(output) {
                CommandOutput.table([("name", output.name), ("role", output.role), ("status", status),
                                     ("site key", output.siteKey), ("agreement key", output.agreementKey),
                                     ("network id", output.networkId)])
            }
        }
    }
}
