import Foundation
import LedgerCore

/// What `verify --mirror` found (Specs/static-log.md §11.6).
public struct MirrorAuditReport: Sendable, Equatable {
    /// The log's origin.
    public var origin: String
    /// The checkpoint's tree size.
    public var treeSize: UInt64
    /// The checkpoint's root, hex.
    public var rootHash: String
    /// Valid cosignatures by the required witnesses on the checkpoint checked.
    public var cosignatures = 0
    /// With a genesis given: the witnesses default in force at the checkpoint's size, from the
    /// charter entries of the checked tree (Specs/charter.md §7).
    public var witnessesInForce: Int?
    /// Entry bundles checked.
    public var bundlesChecked = 0
    /// Entries checked (leaf hash and Ed25519 signature).
    public var entriesChecked = 0
    /// Bytes fetched.
    public var bytesDownloaded = 0
    /// Wall-clock seconds.
    public var seconds = 0.0
}

/// Checks a published static log with nothing but its verifier key, for an auditor who
/// holds no site (Specs/static-log.md §11.6): the checkpoint's signature, every tile up to the
/// root, every bundle against its leaves and every entry's own signature. Memory holds the
/// window of bundles and the tiles of level 1 and up.
public enum MirrorAudit {
    /// Checks the log at `source` under `key`.
    /// - Parameters:
    ///   - connections: bundles fetched (and their entries verified) at once.
    ///   - witnesses: the cosignatures the checkpoint must carry; without enough, the source's
    ///     witnessed checkpoint is checked instead (Specs/static-log.md §8.5).
    ///   - genesis: the network's genesis read from leaf 0 (``MirrorGenesis/read(_:key:)``) when
    ///     `witnesses` is the network's default rather than the auditor's choice: the charter
    ///     entries of the checked tree are then read, and the checkpoint must also carry the
    ///     cosignatures the default in force at its size requires (§11.6).
    /// - Throws: `SiteError` `.mirrorInvalid` naming the first fault (path, entry and leaf index),
    ///   `.mirrorUnreachable`, `.checkpointUnwitnessed`.
    public static func run(_ source: any StaticLogSource, key: NoteVerifierKey, connections: Int = 4,
                           witnesses: WitnessRequirement = WitnessRequirement(count: 0, cosigners: []),
                           genesis: GenesisPayload? = nil,
                           progress: SiteProgressHandler? = nil) throws -> MirrorAuditReport {
        let started = Date()
        let note = try MirrorWitnesses.select(try MirrorCheckpoint.fetchNote(from: source), from: source, requirement: witnesses)
        let counted = BytesCounter(source)
        let (checkpoint, openedTree) = try MirrorCheckpoint.open(note, key: key, source: counted)
        var tree = openedTree
        var report = MirrorAuditReport(origin: checkpoint.origin, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash.hex)
        report.cosignatures = CosignerKey.validCount(in: note, of: witnesses.cosigners)
        let bundles = MirrorSync.needed(from: 0, to: checkpoint.treeSize)
        var charter = genesis.map(MirrorCharter.init)
        progress?(.begin(total: bundles.count))
        defer { progress?(.end) }
        try OrderedWindow<MirrorBundle>.run(count: bundles.count, window: connections, job: { index in
            try MirrorBundle.fetch(bundles[index], from: counted, spooled: nil, checkEntries: true)
        }, consume: { _, fetched in
            try fetched.check(against: &tree)
            if let bad = fetched.badEntry {
                let leaf = fetched.bundle.index * UInt64(TileCoordinates.fullWidth) + UInt64(bad.index)
                throw SiteError(.mirrorInvalid, "\(fetched.bundle.path): entry \(bad.index) (leaf \(leaf)): \(bad.why)")
            }
            charter?.scan(fetched.entries)
            report.bundlesChecked += 1
            report.entriesChecked += fetched.entries.count
            progress?(.advance(units: 1, items: fetched.entries.count))
        })
        // Every tile of level 1 and up, not only those the bundles needed: all must hash up to the root.
        for level in 1..<max(1, TileCoordinates.levels(treeSize: checkpoint.treeSize)) {
            let (full, _) = TileCoordinates.tiles(level: level, treeSize: checkpoint.treeSize)
            for index in 0..<full {
                do { _ = try tree.hashes(level: level, index: index) } catch let error as SiteError where error.code == .invalidRequest {
                    throw SiteError(.mirrorInvalid, error.message, underlying: error)
                }
            }
        }
        if let charter {
            let (inForce, amendment) = try charter.witnessesDefault()
            report.witnessesInForce = inForce
            if report.cosignatures < inForce {
                let by = amendment.map { "the charter.amend entry \($0.hex)" } ?? "the genesis"
                throw SiteError(.checkpointUnwitnessed, "\(source.location): the charter in force at tree size \(checkpoint.treeSize) (\(by)) requires \(inForce) witness cosignature(s); the checkpoint checked carries \(report.cosignatures) by the \(witnesses.cosigners.count) witness key(s) given: check again with --witnesses \(inForce) and \(inForce) distinct --witness-key")
            }
        }
        report.bytesDownloaded = counted.total + note.count
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
