import ArgumentParser
import LedgerCore
import LedgerSite

/// `careledger publish`: writes the site's log as C2SP tlog-tiles and a signed checkpoint
/// into a folder any static HTTP server can serve (Specs/static-log.md).
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish the log as static tiles (C2SP tlog-tiles) with a signed checkpoint, incrementally.")
    @OptionGroup var options: SiteOptions

    @Option(name: .long, help: ArgumentHelp("The folder to publish into (created when missing; served as is by any static HTTP server).",
                                            valueName: "folder"))
    var to: String

    @Option(name: .long, help: "The checkpoint's origin line and key name (default: careledger.invalid/<network id>/<site key>); a folder keeps the origin it was first published with.")
    var origin: String?

    struct Output: Encodable {
        let directory: String, origin: String, verifierKey: String, treeSize: UInt64, rootHash: String
        let previousTreeSize: UInt64, tilesWritten: Int, bundlesWritten: Int, bytesWritten: Int, filesUnchanged: Int
        let rebuiltFromStart: Bool, upToDate: Bool
        /// `checkpoint.witnessed`'s size (absent when there is none) and cosignatures; cosignatures on `checkpoint`.
        let witnessedTreeSize: UInt64?, witnessedCosignatures: Int, cosignatures: Int
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            // A snapshot up to the last signed tree head: publishing works beside `serve`.
            let ledger = try openSite(options, access: .read)
            let publication: StaticLogPublication
            do {
                publication = try StaticLogPublisher.publish(
                    ledger, to: to, origin: origin, progress: ProgressBar.handler(label: "publish", unit: "bundles", itemUnit: "entries"))
            } catch let error as SiteError where error.code == .publishedLogConflict {
                throw CLIFailure(kind: .checkFailed, message: error.message, code: error.code.name)
            }
            let output = Output(
                directory: to, origin: publication.origin, verifierKey: publication.verifierKey, treeSize: publication.treeSize,
                rootHash: publication.rootHash.hex, previousTreeSize: publication.previousTreeSize,
                tilesWritten: publication.tilesWritten, bundlesWritten: publication.bundlesWritten,
                bytesWritten: publication.bytesWritten, filesUnchanged: publication.filesUnchanged,
                rebuiltFromStart: publication.rebuiltFromStart, upToDate: publication.upToDate,
                witnessedTreeSize: publication.witnessedTreeSize, witnessedCosignatures: publication.witnessedCosignatures,
                cosignatures: publication.cosignatures)
            try CommandOutput(json: options.json).emit(output) {
                if publication.upToDate {
                    print("\(to) is up to date at tree size \(publication.treeSize)")
                } else {
                    print("Published tree size \(publication.treeSize) (was \(publication.previousTreeSize)) to \(to): \(publication.tilesWritten) tiles, \(publication.bundlesWritten) entry bundles, \(publication.bytesWritten) bytes")
                }
                CommandOutput.table([("origin", publication.origin), ("root hash", publication.rootHash.hex),
                                     ("verifier key", publication.verifierKey)])
                if let size = publication.witnessedTreeSize {
                    print("\(StaticLogPublisher.witnessedCheckpoint): tree size \(size) with \(publication.witnessedCosignatures) witness cosignature(s)")
                }
            }
        }
    }
}
