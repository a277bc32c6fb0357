import Crypto
import LedgerCore
import LedgerStorage

/// Publishes a site's log as a C2SP tiled transparency log: hash tiles, entry bundles and a
/// signed checkpoint in a folder any static HTTP server can serve (Specs/static-log.md).
///
/// The published size is the site's, as opened: for a snapshot (what `publish` opens, so it
/// runs beside `serve`), the last signed tree head. Publishing is incremental (only the
/// tiles from the previous checkpoint's partial ones on are written), ordered (tiles and
/// bundles durable before the checkpoint is renamed into place) and resumable (a file that
/// already holds the right bytes is not written again).
public enum StaticLogPublisher {
    /// The file holding the newest checkpoint with the most cosignatures (Specs/static-log.md §8.4).
    public static let witnessedCheckpoint = "checkpoint.witnessed"

    /// The note verifier key of a site's checkpoints under `origin`.
    public static func verifierKey(origin: String, siteKey: Hash32) -> NoteVerifierKey {
        NoteVerifierKey(name: origin, publicKey: siteKey)
    }

    /// Publishes `ledger`'s log into `directory` (created when missing).
    /// - Parameters:
    ///   - origin: the checkpoint's origin and key name; nil for the site's ``LogOrigin``.
    ///     A folder keeps the origin it was first published with.
    ///   - fileSystem: the seam every byte of the folder goes through.
    ///   - progress: `.begin` with the bundles to write, `.advance` per full bundle, `.end`.
    /// - Throws: `SiteError` `.invalidRequest` (an origin that cannot be a key name),
    ///   `.publishedLogConflict`, `.entryTooLargeForTiles`, `.cannotWrite`; `CoreError` from the
    ///   site's log (`.locked` when another publish holds the folder).
    public static func publish(
        _ ledger: SiteLedger, to directory: String, origin: String? = nil,
        fileSystem: any FileSystem = POSIXFileSystem(), progress: SiteProgressHandler? = nil
    ) throws -> StaticLogPublication {
        let origin = origin ?? LogOrigin(network: ledger.networkID, site: ledger.siteKey).text
        guard NoteVerifierKey.isValidName(origin), !origin.lowercased().hasPrefix("careledger-"), !origin.hasPrefix("cosignature/") else {
            throw SiteError(.invalidRequest, "the origin \"\(origin)\" must be printable ASCII without spaces or '+', and not start with \"careledger-\" or \"cosignature/\" (Specs/static-log.md §4.1)")
        }
        let files = FileIO(fileSystem)
        do {
            try files.makeDirectory(directory)
        } catch let error as CoreError {
            throw SiteError(.cannotWrite, "cannot create \(directory): \(error.message)", path: directory, underlying: error)
        }
        return try files.withExclusiveLock(directory + "/.publish.lock", timeout: .zero) {
            var run = PublishRun(ledger: ledger, folder: StaticLogFolder(root: directory, fileSystem: fileSystem),
                                 key: verifierKey(origin: origin, siteKey: ledger.siteKey), progress: progress)
            return try run.publish()
        }
    }
}

/// One publish: reads the folder's checkpoint, writes the tiles, then the checkpoint.
struct PublishRun {
    let ledger: SiteLedger
    var folder: StaticLogFolder
    let key: NoteVerifierKey
    let progress: SiteProgressHandler?
    var tilesWritten = 0
    var bundlesWritten = 0
    /// Full tiles written at the index where the previous checkpoint had a partial one.
    var completed: [TileCoordinates] = []
    /// The `witness.cosignature` entries read while writing tiles: author and payload.
    var received: [(author: Hash32, payload: [UInt8])] = []

    init(ledger: SiteLedger, folder: StaticLogFolder, key: NoteVerifierKey, progress: SiteProgressHandler?) {
        self.ledger = ledger; self.folder = folder; self.key = key; self.progress = progress
    }

    mutating func publish() throws -> StaticLogPublication {
        let size = UInt64(ledger.entryCount)
        let root = size == 0 ? MerkleHash.emptyRoot : try ledger.consistencyProof(from: size, to: size).secondRoot
        let previous = try previousCheckpoint(size: size, root: root)
        let start = previous.flatMap { loadPartials(of: $0) }
        var rebuilt = previous != nil && previous?.treeSize != 0 && start == nil
        defer { progress?(.end) }
        do {
            do {
                try writeTiles(from: start ?? PublishStart(size: 0, partials: []), size: size, root: root)
            } catch is RootMismatch where start != nil {
                // The folder's upper tiles were not what the log says: write everything again.
                rebuilt = true
                try writeTiles(from: PublishStart(size: 0, partials: []), size: size, root: root)
            }
        } catch is RootMismatch {
            throw SiteError(.unusableSite, "the tiles built from this site's log do not hash to its root at size \(size); nothing was published: run `careledger verify`")
        }
        try folder.syncFolders()
        // Cosignatures received as entries: the witnessed checkpoint first, then `checkpoint` (§8.4).
        let (witnessed, latest) = try writeWitnessed(size: size, root: root)
        let note = try self.note(Checkpoint(origin: key.name, treeSize: size, rootHash: root), cosignatures: latest)
        try folder.write(note, to: "checkpoint")
        try folder.syncFolders()
        for tile in completed { folder.removePartials(of: tile.path) }
        return StaticLogPublication(
            origin: key.name, verifierKey: key.verifierKey, treeSize: size, rootHash: root,
            previousTreeSize: previous?.treeSize ?? 0, tilesWritten: tilesWritten, bundlesWritten: bundlesWritten,
            bytesWritten: folder.bytesWritten, filesUnchanged: folder.filesUnchanged, rebuiltFromStart: rebuilt,
            upToDate: folder.filesWritten == 0, witnessedTreeSize: witnessed?.treeSize,
            witnessedCosignatures: witnessed?.lines.count ?? 0, cosignatures: latest.count)
    }

    /// The folder's checkpoint, checked to be one this log extends (nil when there is none).
    func previousCheckpoint(size: UInt64, root: Hash32) throws -> Checkpoint? {
        guard let bytes = try folder.read("checkpoint", limit: 1 << 16) else { return nil }
        let where_ = folder.path("checkpoint")
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.open(bytes, verifiedBy: key)
        } catch let error as SiteError where error.code == .checkpointOriginMismatch {
            throw SiteError(.publishedLogConflict, "\(where_): \(error.message); publish to another folder, or pass the --origin it was published with", path: where_, underlying: error)
        } catch let error as SiteError {
            throw SiteError(.publishedLogConflict, "\(where_) is not a checkpoint of this site under origin \(key.name) (\(error.message)); publish to another folder, or pass the --origin it was published with", path: where_)
        }
        guard checkpoint.treeSize <= size else {
            throw SiteError(.publishedLogConflict, "\(where_) is at tree size \(checkpoint.treeSize), beyond this site's \(size) signed entries: the folder is not this site's past; keep it as evidence and publish elsewhere", path: where_)
        }
        let rootThen: Hash32
        if checkpoint.treeSize == size {
            rootThen = root
        } else if checkpoint.treeSize == 0 {
            rootThen = MerkleHash.emptyRoot
        } else {
            rootThen = try ledger.consistencyProof(from: checkpoint.treeSize, to: size).firstRoot
        }
        guard rootThen == checkpoint.rootHash else {
            throw SiteError(.publishedLogConflict, "\(where_) has root \(checkpoint.rootHash.hex) at tree size \(checkpoint.treeSize), but this site's log has root \(rootThen.hex) there: the published log and this log have forked; keep the folder as evidence", path: where_)
        }
        return checkpoint
    }

    /// The previous checkpoint's partial tiles, when they are all there and hash to its root.
    func loadPartials(of checkpoint: Checkpoint) -> PublishStart? {
        guard checkpoint.treeSize > 0 else { return nil }
        var partials: [[Hash32]] = []
        for level in 0..<TileCoordinates.levels(treeSize: checkpoint.treeSize) {
            let (full, width) = TileCoordinates.tiles(level: level, treeSize: checkpoint.treeSize)
            guard width > 0 else {
                partials.append([])
                continue
            }
            let tile = TileCoordinates(level: level, index: full, width: width)
            guard let bytes = try? folder.read(tile.path, limit: 32 * width), let hashes = TileHashing.decode(bytes),
                  hashes.count == width
            else { return nil }
            partials.append(hashes)
        }
        guard TileHashing.root(partials: partials) == checkpoint.rootHash else { return nil }
        return PublishStart(size: checkpoint.treeSize, partials: partials)
    }
}

/// Where a publish starts: the previous tree size and its partial tiles (level 0 first).
struct PublishStart: Equatable {
    var size: UInt64
    var partials: [[Hash32]]
}

/// The tiles written hash to another root than the site's: a folder tile was wrong.
struct RootMismatch: Error {}
