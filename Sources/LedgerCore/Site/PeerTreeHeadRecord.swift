import LedgerPrimitives

/// The newest signed tree head a site holds from one peer, and the newest time it heard from
/// that peer: what a later head from the peer is judged against (Specs/site-layout.md §6).
///
/// A site's log only grows, so each head it signs covers at least as much as the ones it
/// signed before. A later message from the peer that carries a smaller head says its log
/// was rolled back (restored from a backup, or its key is in other hands); a head of the
/// same size with another root says it keeps two histories. Both are refused by `admit`.
/// Without a consistency proof a *larger* head cannot be checked against the one held, so
/// it is accepted and kept.
public struct PeerTreeHeadRecord: Hashable, Sendable {
    /// The largest head seen from the peer (its signer is the peer).
    public let head: SignedTreeHead
    /// The newest sending time (a bundle's `created`) of anything accepted from the peer.
    public let lastHeard: HybridTimestamp

    /// The record's format version (byte 0 of `encoded()`).
    public static let formatVersion: UInt8 = 1
    /// Bytes in an encoded record: version, head, last-heard millis and counter.
    public static let encodedSize = 1 + SignedTreeHead.encodedSize + 12

    /// Creates a record.
    public init(head: SignedTreeHead, lastHeard: HybridTimestamp) {
        self.head = head
        self.lastHeard = lastHeard
    }

    /// The peer: the head's signer.
    public var peer: Hash32 { head.signer }

    /// Judges a head the peer sent at `sentAt` against `held`, the record kept so far.
    ///
    /// The rule (Specs/bundle-format.md §5.1): a larger head is kept; an equal one (same
    /// size and root) is fine; the same size with another root is a fork; a smaller head is
    /// a rollback when it was sent at or after `held.lastHeard`, and otherwise simply an
    /// older message arriving late (a re-ordered or replayed bundle), which changes nothing.
    /// A fork or a rollback is evidence, never a refusal: both heads are returned as
    /// ``RollbackEvidence`` and the new head is kept from then on, so the peer's later
    /// heads are judged against the history it now keeps (a restored site heals instead of
    /// going silent).
    /// - Parameters:
    ///   - head: a head whose signature the caller has verified, signed by the peer.
    ///   - sentAt: when the peer sent it (the signed `created` time of the bundle).
    ///   - held: the record held for the peer, if any.
    /// - Returns: what to keep.
    public static func admit(_ head: SignedTreeHead, sentAt: HybridTimestamp,
                             held: PeerTreeHeadRecord?) -> TreeHeadVerdict {
        guard let held else { return TreeHeadVerdict(record: PeerTreeHeadRecord(head: head, lastHeard: sentAt)) }
        let heard = max(held.lastHeard, sentAt)
        if head.treeSize > held.head.treeSize { return TreeHeadVerdict(record: PeerTreeHeadRecord(head: head, lastHeard: heard)) }
        if head.treeSize == held.head.treeSize {
            guard head.rootHash == held.head.rootHash else {
                return TreeHeadVerdict(record: PeerTreeHeadRecord(head: head, lastHeard: heard),
                                       evidence: RollbackEvidence(kind: .fork, kept: held.head, new: head))
            }
            return TreeHeadVerdict(record: heard == held.lastHeard ? nil : PeerTreeHeadRecord(head: held.head, lastHeard: heard))
        }
        guard sentAt < held.lastHeard else {
            return TreeHeadVerdict(record: PeerTreeHeadRecord(head: head, lastHeard: heard),
                                   evidence: RollbackEvidence(kind: .rollback, kept: held.head, new: head))
        }
        return TreeHeadVerdict(record: nil)
    }

    /// The `encodedSize` bytes of `peers/<key>.head` (Specs/site-layout.md §6).
    public func encoded() -> [UInt8] {
        var out = ByteWriter(.bigEndian, capacity: Self.encodedSize)
        out.u8(Self.formatVersion)
        out.raw(head.encoded)
        out.timestamp(lastHeard)
        return out.bytes
    }

    /// Reads bytes written by `encoded()`; does not verify the head's signature.
    /// - Throws: `CoreError` `.truncated`, `.trailingBytes`, `.unsupportedVersion`.
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= 1 + SignedTreeHead.encodedSize + 12 else {
            throw CoreError(.truncated, "a peer tree head record has \(bytes.count) of \(Self.encodedSize) bytes", offset: bytes.count)
        }
        guard bytes[0] == Self.formatVersion else {
            throw CoreError(.unsupportedVersion, "peer tree head record version \(bytes[0]) is not supported", offset: 0)
        }
        guard bytes.count == Self.encodedSize else {
            throw CoreError(.trailingBytes, "\(bytes.count - Self.encodedSize) bytes follow the peer tree head record", offset: Self.encodedSize)
        }
        let headEnd = 1 + SignedTreeHead.encodedSize
        head = try SignedTreeHead.decode(Array(bytes[1..<headEnd]))
        lastHeard = try bytes.withUnsafeBytes { raw in
            var reader = EntryReader(raw, byteOrder: .bigEndian, from: headEnd)
            return try reader.timestamp("last-heard time")
        }
    }
}

extension CoreError.Code {
    /// A peer's signed tree head is missing, does not decode, is not the peer's, or does not verify.
    public static let treeHeadInvalid = CoreError.Code("tree_head_invalid")
}
