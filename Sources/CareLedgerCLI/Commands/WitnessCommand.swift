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
        subcommands: [WitnessCosignCommand.self, WitnessEvidenceCommand.self])
}

/// `careledger witness cosign --log SOURCE --log-key VKEY [--checkpoint FILE]`.
struct WitnessCosignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "Cosign a member's checkpoint if it is consistent with the last one this site cosigned for that log, as a witness.cosignature entry (exit 1 and a witness.split_view entry otherwise).")
    @OptionGroup var options: SiteOptions
    @OptionGroup var lock: WaitOption
    @Option(help: "The checkpoint file (a signed note); default: the log's `checkpoint`, fetched from --log.") var checkpoint: String?
    @Option(help: "The log's published folder or http(s):// prefix (what `careledger publish --to` wrote), for its tiles.") var log: String
    @Option(name: .customLong("log-key"), help: "The log's note verifier key, as `careledger publish` prints it.") var logKey: String

    struct Output: Encodable {
        let origin: String, treeSize: UInt64, previousTreeSize: UInt64, cosignature: String, cosignerKey: String, note: String
        let entryId: String
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard let key = NoteVerifierKey(verifierKey: logKey) else {
                throw CLIFailure.usage("--log-key is not an Ed25519 note verifier key (name+keyid+base64)")
            }
            let ledger = try openSite(options, access: .write, wait: lock.duration)
            let source = try StaticLogSources.open(log)
            let note: [UInt8]
            if let checkpoint {
                guard let bytes = FileManager.default.contents(atPath: checkpoint) else { throw CLIFailure.usage("cannot read \(checkpoint)") }
                note = Array(bytes)
            } else {
                guard let fetched = try MirrorCLI.mapped({ try source.fetch("checkpoint", limit: SignedNote.maximumBytes) }) else {
                    throw CLIFailure(kind: .syncConnection, message: "\(source.location) has no checkpoint", code: SiteError.Code.mirrorUnreachable.name)
                }
                note = fetched
            }
            let cosigning = try MirrorCLI.mapped {
                try CheckpointWitness.cosign(ledger, note: note, logKey: key) { try source.fetch($0, limit: StaticLogSources.maximumFileBytes) }
            }
            let output = Output(origin: cosigning.origin, treeSize: cosigning.treeSize, previousTreeSize: cosigning.previousTreeSize,
                                cosignature: cosigning.cosignature, cosignerKey: cosigning.cosignerKey,
                                note: String(decoding: cosigning.cosignedNote, as: UTF8.self), entryId: cosigning.entryID.hex)
            try CommandOutput(json: options.json).emit(output) { print(output.note, terminator: "") }
        }
    }
}

/// `careledger witness evidence`: the split-view evidence entries this site holds, each re-checked offline.
struct WitnessEvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "List the witness.split_view entries this site holds, each re-checked offline (exit 1 when one proves a split view).")
    @OptionGroup var options: SiteOptions

    struct Item: Encodable {
        let entryId: String, author: String, origin: String, conflict: String, cosignedTreeSize: UInt64?, refusedTreeSize: UInt64?
        let finding: String, why: String?, reason: String
    }
    struct Output: Encodable { let evidence: [Item], proven: Int }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let ledger = try openSite(options, access: .read)
            let items = try WitnessEvidence.list(ledger).map { evidence -> Item in
                let p = evidence.payload
                let finding: (String, String?)
                switch evidence.finding {
                case .proven: finding = ("proven", nil)
                case .needsTiles: finding = ("needs_tiles", nil)
                case .invalid(let why): finding = ("invalid", why)
                }
                return Item(entryId: evidence.entryID.hex, author: evidence.author.hex, origin: p.origin, conflict: p.conflict.rawValue,
                            cosignedTreeSize: Self.size(p.cosigned), refusedTreeSize: Self.size(p.refused),
                            finding: finding.0, why: finding.1, reason: p.reason)
            }
            let proven = items.filter { $0.finding == "proven" }.count
            try CommandOutput(json: options.json).emit(Output(evidence: items, proven: proven)) {
                if items.isEmpty { print("No split-view evidence on this ledger") }
                for item in items {
                    print("\(item.finding.uppercased()) \(item.conflict) of \(item.origin): cosigned size \(item.cosignedTreeSize.map(String.init) ?? "?"), refused size \(item.refusedTreeSize.map(String.init) ?? "?") (entry \(item.entryId) by \(item.author))\(item.why.map { ": \($0)" } ?? "")")
                }
            }
            if proven > 0 { throw ExitCode(1) }
        }
    }

    /// The tree size line of a checkpoint note, unverified (the finding says whether it verifies).
    static func size(_ note: String) -> UInt64? {
        let lines = note.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        return lines.count > 1 ? UInt64(lines[1]) : nil
    }
}
