import ArgumentParser
import LedgerCore

/// `careledger proof inclusion|consistency`: RFC 9162 proofs over this site's log.
struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "RFC 9162 inclusion and consistency proofs.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove an entry is in the log at a tree size.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The entry id (hex).") var entry: String
        @Option(help: "The tree size (default: the latest signed head's).") var treeSize: UInt64?

        struct Output: Encodable { let leafIndex: UInt64, treeSize: UInt64, leafHash: String, rootHash: String, auditPath: [String] }

        func run() async throws {
            try await runReportingFailures {
                guard let id = Hash32(hex: entry) else { throw CLIFailure.usage("--entry must be a 64-hex-digit entry id") }
                let ledger = try openSite(options)
                let size = try treeSize ?? ledger.signTreeHead().treeSize
                let proof: LedgerInclusionProof
                do { proof = try ledger.inclusionProof(for: id, treeSize: size) } catch let error as CoreError { throw CLIFailure.from(error) }
                let output = Output(leafIndex: proof.leafIndex, treeSize: proof.treeSize, leafHash: proof.leafHash.hex,
                                    rootHash: proof.rootHash.hex, auditPath: proof.auditPath.map(\.hex))
                try CommandOutput(json: options.json).emit(output) {
                    CommandOutput.table([("leaf index", "\(output.leafIndex)"), ("tree size", "\(output.treeSize)"),
                                         ("leaf hash", output.leafHash), ("root hash", output.rootHash)])
                    for (i, hash) in output.auditPath.enumerated() { print("path[\(i)]  \(hash)") }
                }
            }
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove the log at --to extends the log at --from.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The earlier tree size.") var from: UInt64
        @Option(help: "The later tree size (default: the latest signed head's).") var to: UInt64?

        struct Output: Encodable { let firstSize: UInt64, secondSize: UInt64, firstRoot: String, secondRoot: String, proof: [String] }

        func run() async throws {
            try await runReportingFailures {
                let ledger = try openSite(options)
                let second = try to ?? ledger.signTreeHead().treeSize
                let proof: LedgerConsistencyProof
                do { proof = try ledger.consistencyProof(from: from, to: second) } catch let error as CoreError { throw CLIFailure.from(error) }
                let output = Output(firstSize: proof.firstSize, secondSize: proof.secondSize, firstRoot: proof.firstRoot.hex,
                                    secondRoot: proof.secondRoot.hex, proof: proof.path.map(\.hex))
                try CommandOutput(json: options.json).emit(output) {
                    CommandOutput.table([("first size", "\(output.firstSize)"), ("second size", "\(output.secondSize)"),
                                         ("first root", output.firstRoot), ("second root", output.secondRoot)])
                    for (i, hash) in output.proof.enumerated() { print("proof[\(i)]  \(hash)") }
                }
            }
        }
    }
}
