import Foundation
import LedgerCore

/// The payload of a `witness.cosignature` entry (Specs/static-log.md §8.3): a member site's
/// C2SP cosignature of another member's checkpoint, written by the witness so it travels to
/// every site like any entry and the publisher can gather it into its checkpoints.
public struct WitnessCosignaturePayload: Codable, Sendable, Equatable {
    /// The entry kind.
    public static let kind = "witness.cosignature"
    /// The payload format written in `format`.
    public static let formatVersion = 1

    /// The payload format, 1.
    public var format: Int
    /// The cosigned log's origin (the checkpoint's first line).
    public var origin: String
    /// The log's note verifier key (`<origin>+<key ID>+<base64 key>`).
    public var logKey: String
    /// The cosigned tree size.
    public var treeSize: UInt64
    /// The cosigned root, 64 lowercase hex digits.
    public var rootHash: String
    /// The cosignature's timestamp, POSIX seconds (also inside the signature line).
    public var timestamp: UInt64
    /// The C2SP cosignature/v1 signature line, without its newline.
    public var cosignature: String
    /// The cosigner's verifier key (`<name>+<key ID>+<base64(0x04 || key)>`); its key is the entry's author.
    public var cosignerKey: String

    /// A payload; `format` is 1 unless a newer format is meant.
    public init(format: Int = formatVersion, origin: String, logKey: String, treeSize: UInt64, rootHash: String, timestamp: UInt64,
                cosignature: String, cosignerKey: String) {
        self.format = format; self.origin = origin; self.logKey = logKey; self.treeSize = treeSize; self.rootHash = rootHash
        self.timestamp = timestamp; self.cosignature = cosignature; self.cosignerKey = cosignerKey
    }

    enum CodingKeys: String, CodingKey {
        case format, origin, logKey = "log_key", treeSize = "tree_size", rootHash = "root_hash", timestamp, cosignature
        case cosignerKey = "cosigner_key"
    }

    /// The checkpoint text the cosignature signs: origin, size and base64 root (§4.1).
    public var checkpointText: [UInt8]? {
        Hash32(hex: rootHash).map { Checkpoint(origin: origin, treeSize: treeSize, rootHash: $0).noteText }
    }

    /// Whether the signature line is a valid cosignature by `cosignerKey` of this payload's
    /// checkpoint at `timestamp`, and that key is `author`'s.
    public func verifies(author: Hash32) -> Bool {
        guard let key = CosignerKey(verifierKey: cosignerKey), key.publicKey == author, let text = checkpointText else { return false }
        let note = text + Array("\n\(cosignature)\n".utf8)
        return ((try? Cosignature.verify(note, name: key.name, publicKey: key.publicKey)) ?? nil) == timestamp
    }
}

/// The payload of a `witness.split_view` entry (Specs/static-log.md §8.3): two checkpoints of
/// one log, both signed by its key, that a witness found cannot both be true. Written when
/// `witness cosign` refuses, it travels to every site like any entry.
public struct WitnessSplitViewPayload: Codable, Sendable, Equatable {
    /// The entry kind.
    public static let kind = "witness.split_view"
    /// The payload format written in `format`.
    public static let formatVersion = 1

    /// How the two checkpoints conflict.
    public enum Conflict: String, Codable, Sendable {
        /// One size, two roots: conclusive from the two notes alone.
        case sameSizeFork = "same_size_fork"
        /// The refused checkpoint is larger, but its tiles give another root at the cosigned size.
        case fork
        /// The refused checkpoint is smaller than the one cosigned before.
        case rollback
    }

    /// The payload format, 1.
    public var format: Int
    /// The log's origin.
    public var origin: String
    /// The log's note verifier key.
    public var logKey: String
    /// The checkpoint this witness cosigned before, as received (a signed note).
    public var cosigned: String
    /// The checkpoint it refused, as received.
    public var refused: String
    /// The kind of conflict.
    public var conflict: Conflict
    /// The witness's description of the consistency failure.
    public var reason: String
    /// For a `fork` or `rollback`: the root, hex, that the larger checkpoint's tiles give at the
    /// smaller one's size (another root than the smaller one states). Absent for a same-size fork.
    public var prefixRoot: String?
    /// For a `fork` or `rollback`: the RFC 9162 consistency proof, hex hashes, from the smaller
    /// size (root `prefix_root`) to the larger checkpoint, built from its tiles.
    public var proof: [String]?

    /// A payload; `format` is 1 unless a newer format is meant.
    public init(format: Int = formatVersion, origin: String, logKey: String, cosigned: String, refused: String,
                conflict: Conflict, reason: String, prefixRoot: String? = nil, proof: [String]? = nil) {
        self.format = format; self.origin = origin; self.logKey = logKey; self.cosigned = cosigned; self.refused = refused
        self.conflict = conflict; self.reason = reason; self.prefixRoot = prefixRoot; self.proof = proof
    }

    enum CodingKeys: String, CodingKey {
        case format, origin, logKey = "log_key", cosigned, refused, conflict, reason, prefixRoot = "prefix_root", proof
    }

    /// What re-checking the evidence offline shows.
    public enum Finding: Equatable, Sendable {
        /// Both notes verify under the log key and give two roots at one size, or the consistency
        /// proof shows the larger tree's prefix has another root than the smaller note: a split view.
        case proven
        /// Both notes verify under the log key; the conflict (a fork at another size, a rollback)
        /// carries no proof, so the tiles must be fetched to check it again.
        case needsTiles
        /// A note does not verify under the log key, or the two do not conflict as claimed.
        case invalid(String)
    }

    /// Re-checks the evidence with nothing but the two notes and the log's key.
    public func check() -> Finding {
        guard let key = NoteVerifierKey(verifierKey: logKey) else { return .invalid("log_key is not a verifier key") }
        let earlier: Checkpoint, later: Checkpoint
        do {
            earlier = try Checkpoint.open(Array(cosigned.utf8), verifiedBy: key)
            later = try Checkpoint.open(Array(refused.utf8), verifiedBy: key)
        } catch let error as SiteError {
            return .invalid(error.message)
        } catch {
            return .invalid("\(error)")
        }
        guard earlier.origin == origin, later.origin == origin else { return .invalid("a note's origin is not \(origin)") }
        switch conflict {
        case .sameSizeFork:
            return earlier.treeSize == later.treeSize && earlier.rootHash != later.rootHash ? .proven : .invalid("not one size with two roots")
        case .fork:
            return earlier.treeSize < later.treeSize ? checkProof(smaller: earlier, larger: later) : .invalid("the refused checkpoint is not the larger")
        case .rollback:
            return earlier.treeSize > later.treeSize ? checkProof(smaller: later, larger: earlier) : .invalid("the refused checkpoint is not the smaller")
        }
    }

    /// Proven when the proof shows the larger tree's first leaves have `prefix_root`, and that
    /// is not the root the log signed for the smaller size; `needsTiles` without a proof.
    private func checkProof(smaller: Checkpoint, larger: Checkpoint) -> Finding {
        guard let proof, let prefixRoot else { return .needsTiles }
        let path = proof.compactMap { Hash32(hex: $0) }
        guard path.count == proof.count, let prefix = Hash32(hex: prefixRoot) else { return .invalid("the proof is not hex hashes") }
        guard ConsistencyProof(firstSize: smaller.treeSize, secondSize: larger.treeSize, path: path)
            .verify(firstRoot: prefix, secondRoot: larger.rootHash)
        else { return .invalid("the consistency proof does not verify") }
        return prefix != smaller.rootHash ? .proven : .invalid("the larger tree's prefix has the smaller checkpoint's root: no conflict")
    }
}

extension SiteLedger {
    /// Every decodable payload of `kind` in the log with its author, oldest first (a scan of the whole log).
    /// - Throws: only when the log cannot be read.
    public func witnessPayloads<T: Decodable>(_ type: T.Type, kind: String) throws -> [(author: Hash32, payload: T)] {
        var found: [(author: Hash32, payload: T)] = []
        try forEachEntry { _, entry in
            guard entry.kind == kind, let payload = try? CanonicalJSON.decode(T.self, from: entry.payload) else { return }
            found.append((entry.author, payload))
        }
        return found
    }
}
