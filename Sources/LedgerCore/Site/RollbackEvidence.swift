import LedgerPrimitives

/// Two signed tree heads of one peer that cannot both belong to one append-only log: a
/// smaller head sent after a larger one (a rollback: restored from a backup, or its key in
/// other hands) or two roots for one size (a fork, a split view). Both heads carry the peer's
/// signature, so the pair is a proof anyone can check (Specs/bundle-format.md §5.1,
/// Specs/site-layout.md §6.1). It is kept as evidence; it never stops sync.
public struct RollbackEvidence: Hashable, Sendable {
    /// What the two heads show.
    public enum Kind: UInt8, Sendable {
        /// The newer head is smaller than the one kept.
        case rollback = 1
        /// Both heads have one size and different roots.
        case fork = 2

        /// The stable name (`tree_head_rolled_back`, `tree_head_forked`).
        public var code: String { self == .rollback ? "tree_head_rolled_back" : "tree_head_forked" }
    }

    /// Rollback or fork.
    public let kind: Kind
    /// The head kept from the peer before (the larger one for a rollback).
    public let kept: SignedTreeHead
    /// The head the peer sent later.
    public let new: SignedTreeHead

    /// The record's format version (byte 0 of `encoded()`).
    public static let formatVersion: UInt8 = 1
    /// Bytes in one encoded record: version, kind and the two heads.
    public static let encodedSize = 2 + 2 * SignedTreeHead.encodedSize
    /// The most records kept per peer: the first ones prove the point; the file stays small.
    public static let maximumPerPeer = 64

    /// Creates evidence from two heads of one signer.
    public init(kind: Kind, kept: SignedTreeHead, new: SignedTreeHead) {
        self.kind = kind
        self.kept = kept
        self.new = new
    }

    /// The peer whose heads these are.
    public var peer: Hash32 { kept.signer }

    /// Whether the pair is a valid proof: one signer, both signatures verify, one network,
    /// and the sizes and roots are as `kind` says.
    public func isValidProof() -> Bool {
        guard kept.signer == new.signer, kept.networkID == new.networkID,
              kept.isSignatureValid(), new.isSignatureValid() else { return false }
        switch kind {
        case .rollback: return new.treeSize < kept.treeSize
        case .fork: return new.treeSize == kept.treeSize && new.rootHash != kept.rootHash
        }
    }

    /// The `encodedSize` bytes of one record of `peers/<key>.evidence` (Specs/site-layout.md §6.1).
    public func encoded() -> [UInt8] {
        var out = ByteWriter(.bigEndian, capacity: Self.encodedSize)
        out.u8(Self.formatVersion)
        out.u8(kind.rawValue)
        out.raw(kept.encoded)
        out.raw(new.encoded)
        return out.bytes
    }

    /// Reads the records of a `peers/<key>.evidence` file; does not verify signatures.
    /// - Throws: `CoreError` `.truncated`, `.unsupportedVersion`, `.malformedFile`.
    public static func decodeAll(_ bytes: [UInt8]) throws -> [RollbackEvidence] {
        guard bytes.count % encodedSize == 0 else {
            throw CoreError(.truncated, "an evidence file of \(bytes.count) bytes is not a whole number of \(encodedSize)-byte records", offset: bytes.count - bytes.count % encodedSize)
        }
        var records: [RollbackEvidence] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes[offset] == formatVersion else {
                throw CoreError(.unsupportedVersion, "evidence record version \(bytes[offset]) is not supported", offset: offset)
            }
            guard let kind = Kind(rawValue: bytes[offset + 1]) else {
                throw CoreError(.malformedFile, "evidence record kind \(bytes[offset + 1]) is not known", offset: offset + 1)
            }
            let first = offset + 2, second = first + SignedTreeHead.encodedSize
            records.append(RollbackEvidence(
                kind: kind, kept: try SignedTreeHead.decode(Array(bytes[first..<second])),
                new: try SignedTreeHead.decode(Array(bytes[second..<(second + SignedTreeHead.encodedSize)]))))
            offset += encodedSize
        }
        return records
    }
}

/// What judging a peer's signed tree head decided: the record to keep (nil: the kept one
/// stays) and, when the head contradicts the kept one, the evidence to keep.
public struct TreeHeadVerdict: Hashable, Sendable {
    /// The record to keep, or nil when the kept one stays as it is.
    public var record: PeerTreeHeadRecord?
    /// The rollback or fork the head revealed, if any.
    public var evidence: RollbackEvidence?

    /// Creates a verdict.
    public init(record: PeerTreeHeadRecord?, evidence: RollbackEvidence? = nil) {
        self.record = record
        self.evidence = evidence
    }

    /// Whether nothing is to be written.
    public var changesNothing: Bool { record == nil && evidence == nil }
}

extension RollbackEvidence {
    /// One line for people: who, what, both sizes.
    public var line: String {
        switch kind {
        case .rollback:
            return "peer \(peer.hex) rolled its log back from \(kept.treeSize) to \(new.treeSize) entries (restored from a backup, or its key is in other hands); both signed heads kept as evidence, sync goes on"
        case .fork:
            return "peer \(peer.hex) signed two roots for \(new.treeSize) entries (\(kept.rootHash.hex.prefix(16))…, \(new.rootHash.hex.prefix(16))…); both signed heads kept as evidence, sync goes on"
        }
    }
}
