import ArgumentParser
import LedgerCore

/// `careledger head`: the latest signed tree head.
struct HeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "head", abstract: "Show the latest signed tree head.")
    @OptionGroup var options: SiteOptions

    struct Output: Encodable { let treeSize: UInt64, rootHash: String, timestamp: String, signature: String, siteKey: String }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let ledger = try openSite(options, access: .read)
            let head = try ledger.signTreeHead()
            let output = Output(treeSize: head.treeSize, rootHash: head.rootHash.hex, timestamp: RFC3339.string(from: head.timestamp),
                                signature: Hex.encode(head.signature), siteKey: ledger.siteKey.hex)
            try CommandOutput(json: options.json).emit(output) {
                CommandOutput.table([("tree size", "\(output.treeSize)"), ("root hash", output.rootHash),
                                     ("timestamp", output.timestamp), ("site key", output.siteKey), ("signature", output.signature)])
            }
        }
    }
}
