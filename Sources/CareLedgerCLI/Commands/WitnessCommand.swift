import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite

/// `careledger witness cosign`: this site checks another member's published checkpoint
/// against the largest one it cosigned for that log, from the log's tiles, and cosigns it
/// (C2SP tlog-cosignature; Specs/static-log.md §8.2).
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness", abstract: "Witness other members' published logs (C2SP tlog-cosignature).",
        subcommands: [WitnessCosignCommand.self])
}

/// `careledger witness cosign --checkpoint FILE --log DIR --log-key VKEY`.
struct WitnessCosignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "Cosign a member's checkpoint if it is consistent with the last one this site cosigned for that log (exit 1 and evidence kept otherwise).")
    @OptionGroup var options: SiteOptions
    @Option(help: "The checkpoint file (a signed note).") var checkpoint: String
    @Option(help: "The log's published folder (what `careledger publish --to` wrote), for its tiles.") var log: String
    @Option(name: .customLong("log-key"), help: "The log's note verifier key, as `careledger publish` prints it.") var logKey: String

    struct Output: Encodable {
        let origin: String, treeSize: UInt64, previousTreeSize: UInt64, cosignature: String, cosignerKey: String, note: String
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard let key = NoteVerifierKey(verifierKey: logKey) else {
                throw CLIFailure.usage("--log-key is not an Ed25519 note verifier key (name+keyid+base64)")
            }
            guard let note = FileManager.default.contents(atPath: checkpoint) else {
                throw CLIFailure.usage("cannot read \(checkpoint)")
            }
            let ledger = try openSite(options, access: .read)
            let folder = log
            let cosigning: WitnessCosigning
            do {
                cosigning = try CheckpointWitness.cosign(ledger, note: Array(note), logKey: key) { path in
                    FileManager.default.contents(atPath: folder + "/" + path).map(Array.init)
                }
            } catch let error as SiteError where error.code == .splitView {
                throw CLIFailure(kind: .checkFailed, message: error.message, code: error.code.name)
            }
            let output = Output(origin: cosigning.origin, treeSize: cosigning.treeSize, previousTreeSize: cosigning.previousTreeSize,
                                cosignature: cosigning.cosignature, cosignerKey: cosigning.cosignerKey,
                                note: String(decoding: cosigning.cosignedNote, as: UTF8.self))
            try CommandOutput(json: options.json).emit(output) { print(output.note, terminator: "") }
        }
    }
}
