import ArgumentParser
import Foundation
import LedgerCore

/// `careledger init`: create a site that will join the network in a genesis file.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a site that joins the network whose genesis file is given.")
    @OptionGroup var options: SiteOptions
    @Option(help: "This site's name.") var site: String
    @Option(help: "The genesis file from `careledger network genesis`.") var genesis: String
    @Option(help: "clinic, field, central or auditor.") var role: String = "clinic"

    struct Output: Encodable { let siteId: String, siteKey: String, agreementKey: String, networkId: String }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard let role = MemberRole(rawValue: role), role != .governance else {
                throw CLIFailure.usage("--role must be clinic, field, central or auditor, not \(self.role)")
            }
            guard FileManager.default.isReadableFile(atPath: genesis) else {
                throw CLIFailure.usage("cannot read the genesis file \(genesis): no such file or not readable; get it from a governance site's `careledger network genesis`")
            }
            let ledger: SiteLedger
            do {
                ledger = try SiteLedger.join(at: options.directory, siteName: site, role: role, genesisPath: genesis)
            } catch let error as CoreError { throw CLIFailure.from(error) }
            let key = ledger.siteKey.hex
            try CommandOutput(json: options.json).emit(Output(siteId: key, siteKey: key,
                                                              agreementKey: ledger.metadata.agreementKey.hex,
                                                              networkId: ledger.networkID.hex)) {
                print("Created site \(site) for network \(ledger.networkID.hex) in \(options.directory)")
                CommandOutput.table([("site key", key), ("agreement key", ledger.metadata.agreementKey.hex)])
                print("Ask a governance site to run: careledger members admit --key \(key) --name \(site) --role \(role.rawValue)  (the site key alone admits it; --agreement-key \(ledger.metadata.agreementKey.hex) is an optional cross-check)")
            }
        }
    }
}
