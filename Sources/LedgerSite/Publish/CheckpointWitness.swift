import Foundation
import LedgerCore

extension SiteError.Code {
    /// A log showed this witness two checkpoints that cannot both be true (a fork, a rollback):
    /// both are kept as evidence and nothing is cosigned.
    public static let splitView = SiteError.Code("split_view")
    /// A witness was shown a checkpoint older than one it cosigned, consistent with it (or not
    /// checkable): refused, but no evidence against the log.
    public static let staleCheckpoint = SiteError.Code("stale_checkpoint")
}

/// What ``CheckpointWitness/cosign(_:note:logKey:fetch:timestamp:)`` did.
public struct WitnessCosigning: Sendable, Equatable {
    /// The cosigned log's origin.
    public var origin: String
    /// The cosigned tree size.
    public var treeSize: UInt64
    /// The size this witness had cosigned for the log before (0 when none).
    public var previousTreeSize: UInt64
    /// The cosignature's signature line (no newline).
    public var cosignature: String
    /// The checkpoint with the cosignature line appended.
    public var cosignedNote: [UInt8]
    /// The witness's cosigner verifier key (signature type 0x04).
    public var cosignerKey: String
    /// The `witness.cosignature` entry written.
    public var entryID: Hash32
    /// Its payload.
    public var payload: WitnessCosignaturePayload
}

/// A member site as a witness of another member's published log (Specs/static-log.md §8.2):
/// it cosigns a checkpoint only when it is consistent with the largest one it cosigned for
/// that log before, checked from the log's tiles alone.
///
/// A cosignature is written as a `witness.cosignature` entry and a refusal as a
/// `witness.split_view` entry (§8.3), so both travel to every site by stick or sync. What this
/// witness cosigned is also remembered in its history (`history/witness-cosigned.jsonl`),
/// written before the entry: the next check reads it without scanning the log, and a crash
/// between the two never lets the witness forget a checkpoint it signed.
public enum CheckpointWitness {
    /// The history file of cosigned checkpoints.
    public static let cosignedHistory = "witness-cosigned.jsonl"

    /// The history file of checkpoints refused as split views (their SHA-256), so one is written as evidence once.
    public static let refusedHistory = "witness-refused.jsonl"

    /// A checkpoint refused as a split view, as remembered: the SHA-256 (hex) of the note as received.
    struct RefusedNote: Codable {
        var note: String
    }

    /// One cosigned checkpoint, as remembered.
    public struct Record: Codable, Sendable, Equatable {
        /// The log's origin.
        public var origin: String
        /// The log's Ed25519 key, hex.
        public var logKey: String
        /// The cosigned size.
        public var treeSize: UInt64
        /// The cosigned root, hex.
        public var rootHash: String
        /// The checkpoint as received.
        public var note: String
        /// When it was cosigned (seconds since the epoch).
        public var time: UInt64
    }

    /// Checks `note` and cosigns it with `ledger`'s key (opened for writing), appending a
    /// `witness.cosignature` entry.
    /// - Parameters:
    ///   - logKey: the log's note key; its public key must be an active member of the network.
    ///   - fetch: reads the log's published files (tiles) by path.
    ///   - timestamp: the cosignature's time, seconds since the epoch.
    /// - Throws: `SiteError` `.splitView` (a `witness.split_view` entry written, nothing cosigned),
    ///   `.staleCheckpoint` (older than the one cosigned and consistent with it, or not checkable),
    ///   `.invalidRequest` (a bad signature, a non-member log key, missing or wrong tiles);
    ///   `CoreError` when the entry cannot be appended.
    public static func cosign(_ ledger: SiteLedger, note: [UInt8], logKey: NoteVerifierKey, fetch: @escaping TileTree.Fetch,
                              timestamp: UInt64 = UInt64(Date().timeIntervalSince1970)) throws -> WitnessCosigning {
        // The cosigned message holds the note's whole text, extension lines included (tlog-cosignature).
        let (checkpoint, text): (Checkpoint, [UInt8])
        do {
            (checkpoint, text) = try Checkpoint.openNote(note, verifiedBy: logKey)
        } catch let error as SiteError where error.code == .checkpointOriginMismatch {
            throw SiteError(.invalidRequest, "\(error.message): a witness cosigns a log's checkpoints under the log's own key name only; nothing was cosigned",
                            underlying: error)
        }
        guard let member = ledger.charter.members[logKey.publicKey], member.revokedFrom == nil else {
            throw SiteError(.invalidRequest, "the log key \(logKey.publicKey.hex) is not an active member of this network; a witness cosigns members' logs only")
        }
        guard logKey.publicKey != ledger.siteKey else {
            throw SiteError(.invalidRequest, "a site does not witness its own log")
        }
        let previous = ledger.readHistory(Record.self, from: cosignedHistory)
            .last { $0.origin == checkpoint.origin && $0.logKey == logKey.publicKey.hex }
        if let previous, previous.treeSize > checkpoint.treeSize {
            try refuseOlder(checkpoint, note: note, than: previous, logKey: logKey, fetch: fetch, in: ledger)
        }
        // One size, two roots: proven by the two notes alone, whatever the tiles say.
        if let previous, previous.treeSize == checkpoint.treeSize, previous.rootHash != checkpoint.rootHash.hex {
            try refuse(checkpoint, note: note, cosigned: previous, logKey: logKey, conflict: .sameSizeFork,
                       reason: "another root at the cosigned size \(previous.treeSize) (a fork)", in: ledger)
        }
        var tree = try TileTree(checkpoint: checkpoint, fetch: fetch)
        if let previous, case let prefix = try tree.root(atSize: previous.treeSize), prefix.hex != previous.rootHash {
            try refuse(checkpoint, note: note, cosigned: previous, logKey: logKey, conflict: .fork,
                       reason: "its tiles give another root at the cosigned size \(previous.treeSize) (a fork; the consistency check from the tiles fails)",
                       prefix: (prefix, try tree.consistencyProof(from: previous.treeSize)), in: ledger)
        }
        // Evidence another witness (or this one) wrote: a log proven split gets no cosignature (§8.6).
        try WitnessEvidence.refuseContradicted(checkpoint, logKey: logKey, in: ledger, then: "nothing was cosigned")
        let name = LogOrigin(network: ledger.networkID, site: ledger.siteKey).cosignerName
        let line = try Cosignature.sign(checkpointText: text, name: name, timestamp: timestamp, with: ledger.signingKeyForBundles)
        try ledger.appendHistory(Record(origin: checkpoint.origin, logKey: logKey.publicKey.hex, treeSize: checkpoint.treeSize,
                                        rootHash: checkpoint.rootHash.hex, note: String(decoding: note, as: UTF8.self), time: timestamp),
                                 to: cosignedHistory)
        let cosignerKey = Cosignature.verifierKey(name: name, publicKey: ledger.siteKey)
        let payload = WitnessCosignaturePayload(
            format: WitnessCosignaturePayload.formatVersion, origin: checkpoint.origin, logKey: logKey.verifierKey,
            treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash.hex, timestamp: timestamp, cosignature: line,
            cosignerKey: cosignerKey)
        let written = try ledger.append(kind: WitnessCosignaturePayload.kind, payloads: [try CanonicalJSON.encode(payload)])
        guard let entry = written.first else { throw SiteError(.unusableSite, "the cosignature entry was not written") }
        return WitnessCosigning(origin: checkpoint.origin, treeSize: checkpoint.treeSize, previousTreeSize: previous?.treeSize ?? 0,
                                cosignature: line, cosignedNote: (note.last == 0x0a ? note : note + [0x0a]) + Array((line + "\n").utf8),
                                cosignerKey: cosignerKey, entryID: entry.id, payload: payload)
    }

    /// A checkpoint smaller than the one cosigned before: a split view when the cosigned
    /// one's tiles give another root at its size, else only an older checkpoint (tlog-witness
    /// refuses it too, but it is no evidence against the log).
    /// - Throws: always: `SiteError` `.splitView` (evidence entry written) or `.staleCheckpoint`.
    private static func refuseOlder(_ checkpoint: Checkpoint, note: [UInt8], than previous: Record, logKey: NoteVerifierKey,
                                    fetch: @escaping TileTree.Fetch, in ledger: SiteLedger) throws -> Never {
        let below = "tree size \(checkpoint.treeSize) is below the \(previous.treeSize) already cosigned"
        let rootThen: Hash32, proof: ConsistencyProof
        do {
            let cosigned = try Checkpoint.open(Array(previous.note.utf8), verifiedBy: logKey)
            var tree = try TileTree(checkpoint: cosigned, fetch: fetch)
            rootThen = try tree.root(atSize: checkpoint.treeSize)
            proof = try tree.consistencyProof(from: checkpoint.treeSize)
        } catch let error as SiteError where error.code == .invalidRequest {
            throw SiteError(.staleCheckpoint, "\(checkpoint.origin): \(below), and the tiles of that one cannot be read to check it (\(error.message)); nothing was cosigned")
        }
        guard rootThen != checkpoint.rootHash else {
            throw SiteError(.staleCheckpoint, "\(checkpoint.origin): \(below) and is a prefix of it (an older checkpoint, not a split view); nothing was cosigned")
        }
        try refuse(checkpoint, note: note, cosigned: previous, logKey: logKey, conflict: .rollback,
                   reason: "\(below), whose tiles give another root at \(checkpoint.treeSize) (a rollback to a fork)",
                   prefix: (rootThen, proof), in: ledger)
    }

    /// Writes a `witness.split_view` entry and refuses.
    /// - Throws: always: `SiteError` `.splitView`; `CoreError` when the entry cannot be appended.
    /// - Parameter prefix: for a fork or rollback, the larger tree's root at the smaller size and
    ///   the consistency proof from there, so the evidence is checkable offline.
    private static func refuse(_ checkpoint: Checkpoint, note: [UInt8], cosigned previous: Record, logKey: NoteVerifierKey,
                               conflict: WitnessSplitViewPayload.Conflict, reason: String,
                               prefix: (root: Hash32, proof: ConsistencyProof)? = nil, in ledger: SiteLedger) throws -> Never {
        // The same refused checkpoint again: the evidence is on the ledger already.
        let seen = Hash32.sha256(note).hex
        if ledger.readHistory(RefusedNote.self, from: refusedHistory).contains(where: { $0.note == seen }) {
            throw SiteError(.splitView, "\(checkpoint.origin): \(reason); this checkpoint was refused before and its \(WitnessSplitViewPayload.kind) entry is on the ledger; nothing was cosigned")
        }
        let evidence = WitnessSplitViewPayload(
            origin: checkpoint.origin, logKey: logKey.verifierKey, cosigned: previous.note,
            refused: String(decoding: note, as: UTF8.self), conflict: conflict, reason: reason,
            prefixRoot: prefix?.root.hex, proof: prefix?.proof.path.map(\.hex))
        let written = try ledger.append(kind: WitnessSplitViewPayload.kind, payloads: [try CanonicalJSON.encode(evidence)])
        try ledger.appendHistory(RefusedNote(note: seen), to: refusedHistory)
        let id = written.first.map { " entry \($0.id.hex)" } ?? ""
        throw SiteError(.splitView, "\(checkpoint.origin): \(reason); both checkpoints are kept as a \(WitnessSplitViewPayload.kind)\(id) and nothing was cosigned")
    }
}
