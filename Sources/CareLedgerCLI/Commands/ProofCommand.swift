import ArgumentParser
import LedgerCore

/// `careledger proof inclusion|consistency`: RFC 9162 proofs over this site's log.
struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "RFC 9162 inclusion and consistency proofs.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "inclusion", abstract: "Prove an entry is in the log at a tree size.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The entry id (hex).") var entry: String
        @Option(parsing: .unconditional, help: NumericOptions.treeSize.help("The tree size (default: the latest signed head's)."),
                transform: NumericOptions.treeSize.parse) var treeSize: UInt64?

        struct Output: ProofOutput {
            let leafIndex: UInt64, treeSize: UInt64, leafHash: String, rootHash: String, auditPath: [String]
            var rows: [(String, String)] {
                [("leaf index", "\(leafIndex)"), ("tree size", "\(treeSize)"), ("leaf hash", leafHash), ("root hash", rootHash)]
            }
            var hashes: [String] { auditPath }
        }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                guard let id = Hash32(hex: entry) else { throw CLIFailure.usage("--entry must be a 64-hex-digit entry id") }
                try ProofCommand.emit(options, size: treeSize, hashLabel: "path") { ledger, size in
                    let proof = try ledger.inclusionProof(for: id, treeSize: size)
                    return Output(leafIndex: proof.leafIndex, treeSize: proof.treeSize, leafHash: proof.leafHash.hex,
                                  rootHash: proof.rootHash.hex, auditPath: proof.auditPath.map(\.hex))
                }
            }
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "consistency", abstract: "Prove the log at --to extends the log at --from.")
        @OptionGroup var options: SiteOptions
        @Option(parsing: .unconditional, help: NumericOptions.treeSize.help("The earlier tree size."),
                transform: NumericOptions.treeSize.parse) var from: UInt64
        @Option(parsing: .unconditional, help: NumericOptions.treeSize.help("The later tree size (default: the latest signed head's)."),
                transform: NumericOptions.treeSize.parse) var to: UInt64?

        struct Output: ProofOutput {
            let firstSize: UInt64, secondSize: UInt64, firstRoot: String, secondRoot: String, proof: [String]
            var rows: [(String, String)] {
                [("first size", "\(firstSize)"), ("second size", "\(secondSize)"), ("first root", firstRoot), ("second root", secondRoot)]
            }
            var hashes: [String] { proof }
        }

        func run() async throws {
            try await runReportingFailures(json: options.json) {
                try ProofCommand.emit(options, size: to, hashLabel: "proof") { ledger, second in
                    let proof = try ledger.consistencyProof(from: from, to: second)
                    return Output(firstSize: proof.firstSize, secondSize: proof.secondSize, firstRoot: proof.firstRoot.hex,
                                  secondRoot: proof.secondRoot.hex, proof: proof.path.map(\.hex))
                }
            }
        }
    }

    /// What both proofs do around their own request: open the site, default the size to the
    /// latest signed head's, turn the log's refusal into the contract's exit code, and print
    /// the figures as a table and then the hashes one a line (or the JSON object).
    static func emit<Output: ProofOutput>(_ options: SiteOptions, size: UInt64?, hashLabel: String,
                                          prove: (SiteLedger, UInt64) throws -> Output) throws {
        let ledger = try openSite(options, access: .read)
        let size = try size ?? ledger.signTreeHead().treeSize
        let output: Output
        do { output = try prove(ledger, size) } catch let error as CoreError { throw CLIFailure.from(error) }
        try CommandOutput(json: options.json).emit(output) {
            CommandOutput.table(output.rows)
            for (i, hash) in output.hashes.enumerated() { print("\(hashLabel)[\(i)]  \(hash)") }
        }
    }
}

/// A proof as `proof` prints it: JSON, or its figures as a table and then its hashes.
protocol ProofOutput: Encodable {
    /// The figures, as `label  value` rows.
    var rows: [(String, String)] { get }
    /// The proof's hashes, in order.
    var hashes: [String] { get }
}
