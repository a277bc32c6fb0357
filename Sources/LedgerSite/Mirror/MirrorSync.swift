import Dispatch
import Foundation
import LedgerCore
import LedgerIndex
import LedgerNet
import LedgerStorage

/// What one `sync --mirror` did (Specs/static-log.md §11).
public struct MirrorSyncOutcome: Sendable, Equatable {
    /// The log's origin.
    public var origin: String
    /// The checkpoint's tree size: the log is ingested up to it.
    public var treeSize: UInt64
    /// Leaves ingested before this run.
    public var previousIngestedSize: UInt64
    /// Entries passed to ingest in this run.
    public var entriesIngested = 0
    /// Of those, entries newly stored (including released from quarantine).
    public var imported = 0
    /// Of those, entries this site held already.
    public var alreadyHad = 0
    /// Of those, entries held in quarantine.
    public var quarantined = 0
    /// Bundles fetched from the source in this run.
    public var bundlesDownloaded = 0
    /// Bundles read from the spool (fetched by a run that was stopped) instead.
    public var bundlesFromSpool = 0
    /// Bytes fetched from the source in this run (checkpoint, tiles, bundles).
    public var bytesDownloaded = 0
    /// Wall-clock seconds.
    public var seconds = 0.0
    /// Derived files not written after a batch was stored.
    public var warnings: [String] = []
    /// Where the catch-up's pipeline waited.
    public var pipeline = MirrorPipelineWaits()
}

/// Where a catch-up's stages waited, in seconds (Specs/static-log.md §11.3): the figures that
/// tell whether the downloads, the verify threads or the storing thread held the others back.
public struct MirrorPipelineWaits: Sendable, Equatable, Codable {
    /// Verify threads idle (summed over them) with room in the window: waiting for downloads.
    public var verifyWaitingOnDownloads = 0.0
    /// Verify threads idle (summed) with the window full of verified bundles: waiting for the store.
    public var verifyWaitingOnStore = 0.0
    /// The storing thread waiting for its next bundle (downloaded and verified).
    public var storeWaiting = 0.0
    /// The storing thread storing batches (ingest, arrivals, progress record, spool).
    public var storing = 0.0

    /// No waits.
    public init() {}
}

/// Catches a site up from a static log published by a member (Specs/static-log.md §11):
/// checkpoint, signature, consistency, then the missing entry bundles fetched a window at
/// a time, each checked against the tiles and ingested through the site's normal ingest.
public enum MirrorSync {
    /// Entries ingested per batch (one ingest call, one progress record): 32 full bundles.
    /// Each batch costs the site's commit and the record's fsyncs, so a larger batch spends
    /// less of the catch-up waiting on the disk; memory holds about two batches.
    public static let defaultBatchEntries = 8192

    /// Batches the window holds past the one being stored (downloaded, verified or waiting
    /// for the storing thread): a batch whose store is slow (its commit's and the record's
    /// fsyncs, a WAL checkpoint) leaves the verify threads more work before they wait on it.
    /// Each batch held costs about 10 MB.
    static let windowBatches = 3

    /// Catches `ledger` (opened for writing) up from `source`.
    /// - Parameters:
    ///   - logKey: the log's key; nil to find it among the members from the checkpoint's origin.
    ///   - connections: bundles fetched at once.
    ///   - batchEntries: entries per ingest. Downloads run a batch ahead of the ingest (the
    ///     window holds up to two batches of bundles), so memory holds about two batches.
    ///   - witnesses: cosignatures of distinct members the checkpoint must carry (0: none; §8.5).
    ///   - progress: `.begin` with the bundles to fetch, `.advance` per bundle, `.end`.
    /// - Throws: `SiteError` `.mirrorInvalid` (a signature, tile, bundle or entry that does not
    ///   verify; nothing of that bundle ingested), `.splitView` (a rollback or fork: evidence
    ///   kept, nothing ingested), `.mirrorUnreachable`, `.invalidRequest` (no member key
    ///   fits); `CoreError` from the site (`.noSpace`, `.io`).
    public static func run(_ ledger: SiteLedger, from source: any StaticLogSource, logKey: NoteVerifierKey? = nil,
                           connections: Int = 4, batchEntries: Int = defaultBatchEntries, witnesses: Int = 0,
                           progress: SiteProgressHandler? = nil) throws -> MirrorSyncOutcome {
        let started = Date()
        // With `witnesses` > 0, the checkpoint carrying that many members' cosignatures (Specs/static-log.md §8.5).
        let (note, key) = try MirrorCheckpoint.fetchNote(from: source, ledger: ledger, given: logKey, witnesses: witnesses)
        let counted = BytesCounter(source)
        let (checkpoint, openedTree) = try MirrorCheckpoint.open(note, key: key, source: counted)
        var tree = openedTree
        let folder = MirrorFolder(ledger, key: key)
        let previous = try folder.progress()
        try MirrorCheckpoint.checkConsistency(checkpoint, note: note, key: key, tree: &tree, previous: previous, ledger: ledger)
        try WitnessEvidence.refuseContradicted(checkpoint, logKey: key, in: ledger, then: "nothing was fetched or ingested")  // §8.6

        // Accepted: remember it before fetching, so a later rollback below it is caught even
        // if this run is stopped.
        var record = previous ?? MirrorProgress(format: MirrorProgress.formatVersion, logKey: key.verifierKey, checkpoint: "",
                                                treeSize: 0, rootHash: "", ingestedSize: 0, bundlesDownloaded: 0,
                                                bytesDownloaded: 0, entriesIngested: 0)
        record.checkpoint = String(decoding: note, as: UTF8.self)
        record.treeSize = checkpoint.treeSize
        record.rootHash = checkpoint.rootHash.hex
        if record != previous { try folder.save(record) }

        var outcome = MirrorSyncOutcome(origin: checkpoint.origin, treeSize: checkpoint.treeSize, previousIngestedSize: record.ingestedSize)
        let bundles = needed(from: record.ingestedSize, to: checkpoint.treeSize)
        let spool = folder.spool
        if !bundles.isEmpty { try folder.makeSpool() }
        spool.prune(keeping: bundles)
        progress?(.begin(total: bundles.count))
        defer { progress?(.end) }
        var batch = VerifiedEntries()
        // The batch's consent-version and access-decision payloads, decoded on the verify threads.
        var batchDecoded = DecodedPayloads()
        var batchBundles: [TileCoordinates] = []
        var consumedSinceRecord = 0
        var renamedSinceFolderSync = false
        func flush() throws {
            guard let last = batchBundles.last else { return }
            let flushStarted = DispatchTime.now().uptimeNanoseconds
            defer { outcome.pipeline.storing += Double(DispatchTime.now().uptimeNanoseconds &- flushStarted) / 1e9 }
            // Every bundle renamed into the spool so far (the window's too) becomes durable.
            if renamedSinceFolderSync {
                try spool.syncFolder()
                renamedSinceFolderSync = false
            }
            let report: IngestReport
            do {
                report = try withDecoded(batchDecoded, ledger) { try ledger.ingest(verified: batch) }
            } catch let error as CoreError where error.code == .wrongNetwork {
                // An entry the tiles vouch for that ingest refuses: the publisher signed a bad log.
                throw SiteError(.mirrorInvalid, "bundles \(batchBundles.first?.path ?? "") to \(last.path): \(error.message)", underlying: error)
            }
            outcome.entriesIngested += batch.count
            outcome.imported += report.imported + report.released
            outcome.alreadyHad += report.alreadyHad
            outcome.quarantined += report.quarantined
            do { try ledger.recordArrivals(entries: report.storedEntries) } catch {
                outcome.warnings.append("entries of \(last.path) are stored, but the arrival history could not be written (\(error))")
            }
            record.ingestedSize = last.index * UInt64(TileCoordinates.fullWidth) + UInt64(last.width)
            record.entriesIngested += batch.count
            // A bundle spooled by a stopped run was not counted then: it is counted once, here.
            record.bundlesDownloaded += consumedSinceRecord
            record.bytesDownloaded = (previous?.bytesDownloaded ?? 0) + counted.total
            consumedSinceRecord = 0
            try folder.save(record)
            spool.remove(batchBundles)
            batch.removeAll(keepingCapacity: true)
            batchDecoded.removeAll()
            batchBundles.removeAll(keepingCapacity: true)
            HeapTrim.releaseFreePages()
        }
        // Each download thread checks its bundle against the checked tiles (a full one
        // against its hash in the level-1 tile: its level-0 tile is not fetched).
        let tiles = CheckedTiles(tree)
        // Batches of 8,192 entries, one after another: the index's writer gets a larger page
        // cache and later checkpoints for the run (`SiteIndex.withBulkApply`).
        try withBulkIndex(ledger) {
            do {
                // While a batch is stored, the next ones download and their signatures are verified
                // on threads of their own, one per core, that never wait on the network or the disk:
                // the window holds `windowBatches` batches past the one being stored. Twice as many
                // download threads as connections: while half of them wait on their spool's fsync,
                // the others keep every connection busy (the HTTP source holds at most `connections`
                // requests in flight; the others wait their turn).
                let window = max(connections, windowBatches * max(1, batchEntries / TileCoordinates.fullWidth))
                let waits = try OrderedWindow<MirrorBundle>.run(count: bundles.count, window: window, concurrency: 2 * connections, job: { index in
                    try MirrorBundle.fetch(bundles[index], from: counted, spool: spool, tiles: tiles)
                }, then: { $0.verifyingEntries() }, processors: EntryBatch.defaultParallelism, consume: { _, fetched in
                    if !fetched.fromSpool { renamedSinceFolderSync = true }
                    if fetched.spooledCopySetAside {
                        outcome.warnings.append("the spooled copy of \(fetched.bundle.path) did not hash to its tile: set aside in \(spool.damagedFolder) and fetched again")
                    }
                    if let mismatch = fetched.mismatch { throw mismatch }
                    let verified: VerifiedEntries
                    do {
                        verified = try fetched.verifiedEntries()
                    } catch let error as CoreError {
                        // An entry the tiles vouch for that does not decode or verify: the publisher
                        // signed a bad log. The bundles before it are ingested (below, on the throw).
                        throw SiteError(.mirrorInvalid, "\(fetched.bundle.path): \(error.message)", underlying: error)
                    }
                    if fetched.fromSpool {
                        outcome.bundlesFromSpool += 1
                    } else {
                        outcome.bundlesDownloaded += 1
                    }
                    consumedSinceRecord += 1
                    batch.append(verified)
                    batchDecoded.merge(fetched.decoded)
                    batchBundles.append(fetched.bundle)
                    progress?(.advance(units: 1, items: verified.count))
                    if batch.count >= batchEntries { try flush() }
                })
                outcome.pipeline.verifyWaitingOnDownloads = waits.processorsOnJobs
                outcome.pipeline.verifyWaitingOnStore = waits.processorsOnCaller
                outcome.pipeline.storeWaiting = waits.caller
                try flush()
            } catch {
                // Bundles checked before the failure are ingested: the next run starts after them.
                if !(error is CoreError) { try? flush() }
                throw error
            }
        }
        if record.ingestedSize != checkpoint.treeSize {
            // Nothing was left to fetch (an unchanged checkpoint at a size already ingested).
            record.ingestedSize = checkpoint.treeSize
            try folder.save(record)
        }
        outcome.bytesDownloaded = counted.total + note.count
        outcome.seconds = Date().timeIntervalSince(started)
        return outcome
    }

    /// Runs `body` with the index told the payloads decoded ahead
    /// (``SiteIndex/applying(decoded:_:)``) when the site keeps a SQLite index.
    static func withDecoded<T>(_ decoded: DecodedPayloads, _ ledger: SiteLedger, _ body: () throws -> T) throws -> T {
        guard !decoded.isEmpty, let index = ledger.derivedStateIndex as? SiteIndex else { return try body() }
        return try index.applying(decoded: decoded, body)
    }

    /// Runs `body` under ``SiteIndex/withBulkApply(_:)`` when the site keeps a SQLite index.
    static func withBulkIndex(_ ledger: SiteLedger, _ body: () throws -> Void) throws {
        if let index = ledger.derivedStateIndex as? SiteIndex {
            try index.withBulkApply(body)
        } else {
            try body()
        }
    }

    /// The entry bundles holding leaves `[from, to)`, from the one holding leaf `from`.
    static func needed(from: UInt64, to size: UInt64) -> [TileCoordinates] {
        guard from < size else { return [] }
        let (full, width) = TileCoordinates.tiles(level: 0, treeSize: size)
        var out: [TileCoordinates] = []
        var index = from >> 8
        while index < full {
            out.append(TileCoordinates(entriesIndex: index, width: TileCoordinates.fullWidth))
            index += 1
        }
        if width > 0 { out.append(TileCoordinates(entriesIndex: full, width: width)) }
        return out
    }
}

/// A source that counts the bytes it fetched (from several threads).
final class BytesCounter: StaticLogSource, @unchecked Sendable {  // `count` is read and written under `lock`
    private let source: any StaticLogSource
    private let lock = NSLock()
    private var count = 0

    init(_ source: any StaticLogSource) { self.source = source }

    var location: String { source.location }

    /// Bytes fetched so far.
    var total: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }

    func fetch(_ path: String, limit: Int) throws -> [UInt8]? {
        let bytes = try source.fetch(path, limit: limit)
        lock.lock(); defer { lock.unlock() }
        count += bytes?.count ?? 0
        return bytes
    }
}
