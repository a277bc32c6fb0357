import LedgerCore

/// The last summary each peer sent this site (`peers/<key>.summary`, Specs/site-layout.md §6),
/// kept through the site's file seam so the fault sweep and crash replay reach it.
extension SiteLedger {
    /// The summary kept for `peer`, or nil when none is kept or the file does not decode
    /// (a damaged summary only makes the next bundle carry more).
    public func storedPeerSummary(of peer: Hash32) -> PeerSummaryRecord? {
        guard let bytes = try? files.contents(of: layout.peerSummary(peer), limit: 64 << 20) else { return nil }
        return try? PeerSummaryRecord(decoding: bytes)
    }

    /// Keeps `summary` if it is newer than the one held (atomic replace).
    /// - Throws: `CoreError.Code.io` or `.noSpace`; `.notPermitted` when opened read-only.
    public func keepPeerSummary(_ summary: PeerSummaryRecord) throws {
        let kept = summary.keepingNewer(storedPeerSummary(of: summary.peer))
        try writePeerFile(kept.encoded(), to: layout.peerSummary(summary.peer))
    }
}
