import LedgerCore

/// "The last known summary of peer X": what this site believes X holds, as data the
/// integrator persists (e.g. one file per peer) and hands back when writing X a bundle.
///
/// Sets only grow, so a newer summary always knows more: `keepingNewer` keeps the one
/// with the later bundle time, which makes re-ordered or replayed bundles harmless.
public struct PeerSummaryRecord: Hashable, Sendable {
    /// The peer's site (Ed25519 signing) key.
    public let peer: Hash32
    /// When the peer wrote the bundle that carried the summary (its HLC).
    public let asOf: HybridTimestamp
    /// The peer's summary.
    public let snapshot: SummarySnapshot

    /// Creates a record.
    public init(peer: Hash32, asOf: HybridTimestamp, snapshot: SummarySnapshot) {
        self.peer = peer
        self.asOf = asOf
        self.snapshot = snapshot
    }

    /// Whichever of `self` and `other` (same peer) is newer; `self` on a tie.
    public func keepingNewer(_ other: PeerSummaryRecord?) -> PeerSummaryRecord {
        guard let other, other.peer == peer, asOf < other.asOf else { return self }
        return other
    }

    /// Bytes to persist: peer key, HLC (u64, u32), then the SUMMARY body (Specs/sync-protocol.md §4.5).
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(.bigEndian)
        writer.u8(1)
        writer.hash(peer)
        writer.u64(asOf.wallMillis)
        writer.u32(asOf.counter)
        snapshot.encode(into: &writer)
        return writer.bytes
    }

    /// Reads bytes written by `encoded()`.
    public init(decoding bytes: [UInt8], limits: SyncLimits = SyncLimits()) throws(SyncError) {
        var reader = ByteReader(bytes)
        let version = try reader.u8("record version")
        guard version == 1 else { throw reader.malformed("peer summary record version \(version) is not 1") }
        peer = try reader.hash("peer key")
        asOf = HybridTimestamp(wallMillis: try reader.u64("as-of millis"), counter: try reader.u32("as-of counter"))
        snapshot = try SummarySnapshot.decode(from: &reader, limits: limits)
        try reader.expectEnd("the peer summary record")
    }
}

/// Which ids a bundle should carry (Specs/bundle-format.md §6).
public enum BundleContents {
    /// The ids of `set` that at least one recipient is believed to lack: for each
    /// recipient, all ids in ranges where its last known summary differs from `set`, or
    /// every id when none is known. Ascending, without duplicates.
    public static func ids(from set: ReconcilableSet, lastKnown: [SummarySnapshot?]) -> [Hash32] {
        if lastKnown.contains(where: { $0 == nil }) || lastKnown.isEmpty { return set.sortedIDs }
        var chosen = Set<Hash32>()
        for case let snapshot? in lastKnown { chosen.formUnion(snapshot.idsLacking(from: set)) }
        return chosen.sorted()
    }
}
