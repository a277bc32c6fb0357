import Foundation
import LedgerCore

extension SiteError.Code {
    /// A log showed this witness two checkpoints that cannot both be true (a fork, a rollback):
    /// both are kept as evidence and nothing is cosigned.
    public static let splitView = SiteError.Code("split_view")
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
}

/// A member site as a witness of another member's published log (Specs/static-log.md §8.2):
/// it cosigns a checkpoint only when it is consistent with the largest one it cosigned for
/// that log before, checked from the log's tiles alone.
///
/// What it cosigned is remembered in the site's history (`history/witness-cosigned.jsonl`);
/// two checkpoints that conflict go to `history/witness-evidence.jsonl`. Both are operational
/// state of this site, not ledger entries (yet: issue 19's cosignatures as entries remain).
public enum CheckpointWitness {
    /// The history file of cosigned checkpoints.
    public static let cosignedHistory = "witness-cosigned.jsonl"
    /// The history file of split-view evidence.
    public static let evidenceHistory = "witness-evidence.jsonl"

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

    /// Two checkpoints of one log that cannot both be true.
    public struct Evidence: Codable, Sendable, Equatable {
        /// The log's origin.
        public var origin: String
        /// The log's Ed25519 key, hex.
        public var logKey: String
        /// The checkpoint cosigned before.
        public var cosigned: String
        /// The checkpoint refused.
        public var refused: String
        /// Why they conflict.
        public var reason: String
    }

    /// The name a site cosigns under: `careledger.invalid/<network id>/<site key>/witness`.
    public static func cosignerName(networkID: Hash32, siteKey: Hash32) -> String {
        "careledger.invalid/\(networkID.hex)/\(siteKey.hex)/witness"
    }

    /// Checks `note` and cosigns it with `ledger`'s key.
    /// - Parameters:
    ///   - logKey: the log's note key; its public key must be an active member of the network.
    ///   - fetch: reads the log's published files (tiles) by path.
    ///   - timestamp: the cosignature's time, seconds since the epoch.
    /// - Throws: `SiteError` `.splitView` (evidence recorded, nothing cosigned), `.invalidRequest`
    ///   (a bad signature, a non-member log key, missing or wrong tiles).
    public static func cosign(_ ledger: SiteLedger, note: [UInt8], logKey: NoteVerifierKey, fetch: @escaping TileTree.Fetch,
                              timestamp: UInt64 = UInt64(Date().timeIntervalSince1970)) throws -> WitnessCosigning {
        let checkpoint = try Checkpoint.open(note, verifiedBy: logKey)
        // The cosigned message holds the note's whole text, extension lines included (tlog-cosignature).
        let text = try SignedNote.open(note, verifiedBy: logKey)
        guard let member = ledger.charter.members[logKey.publicKey], member.revokedFrom == nil else {
            throw SiteError(.invalidRequest, "the log key \(logKey.publicKey.hex) is not an active member of this network; a witness cosigns members' logs only")
        }
        var tree = try TileTree(checkpoint: checkpoint, fetch: fetch)
        let previous = ledger.readHistory(Record.self, from: cosignedHistory)
            .last { $0.origin == checkpoint.origin && $0.logKey == logKey.publicKey.hex }
        if let previous {
            let conflict: String?
            if previous.treeSize > checkpoint.treeSize {
                conflict = "tree size \(checkpoint.treeSize) is below the \(previous.treeSize) already cosigned (a rollback)"
            } else if try tree.root(atSize: previous.treeSize).hex != previous.rootHash {
                conflict = "its tiles give another root at the cosigned size \(previous.treeSize) (a fork)"
            } else {
                conflict = nil
            }
            if let conflict {
                try ledger.appendHistory(Evidence(origin: checkpoint.origin, logKey: logKey.publicKey.hex, cosigned: previous.note,
                                                  refused: String(decoding: note, as: UTF8.self), reason: conflict), to: evidenceHistory)
                throw SiteError(.splitView, "\(checkpoint.origin): \(conflict); both checkpoints are kept in history/\(evidenceHistory) and nothing was cosigned")
            }
        }
        let name = cosignerName(networkID: ledger.networkID, siteKey: ledger.siteKey)
        let line = try Cosignature.sign(checkpointText: text, name: name, timestamp: timestamp, with: ledger.signingKeyForBundles)
        try ledger.appendHistory(Record(origin: checkpoint.origin, logKey: logKey.publicKey.hex, treeSize: checkpoint.treeSize,
                                        rootHash: checkpoint.rootHash.hex, note: String(decoding: note, as: UTF8.self), time: timestamp),
                                 to: cosignedHistory)
        return WitnessCosigning(origin: checkpoint.origin, treeSize: checkpoint.treeSize, previousTreeSize: previous?.treeSize ?? 0,
                                cosignature: line, cosignedNote: (note.last == 0x0a ? note : note + [0x0a]) + Array((line + "\n").utf8),
                                cosignerKey: Cosignature.verifierKey(name: name, publicKey: ledger.siteKey))
    }
}
