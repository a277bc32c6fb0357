extension SiteLedger {
    /// The entry kinds of the dispute process (Specs/charter.md §6).
    public enum DisputeKind {
        /// A member contests an entry.
        public static let open = "dispute.open"
        /// A governance site decides a dispute (a proposal under a quorum).
        public static let resolve = "dispute.resolve"
    }

    /// Writes a `dispute.open` entry about a trusted entry this site holds. Any member may.
    /// - Throws: `CoreError` `.notPermitted` when this site is not (or no longer) a member,
    ///   `.notFound` when it holds no trusted entry with that id.
    public func openDispute(about entryID: Hash32, reason: String) throws -> Entry {
        guard case .member = charter.status(of: siteKey, at: clock.last) else {
            throw CoreError(.notPermitted, "this site (\(metadata.name)) is not an admitted member; only members open disputes")
        }
        guard try entry(id: entryID) != nil else {
            throw CoreError(.notFound, "this site holds no trusted entry \(entryID.hex); `careledger log` lists the entries (sync first if it was written elsewhere)")
        }
        let payload = DisputeOpenPayload(entry: entryID, reason: reason)
        return try append(kind: DisputeKind.open, payloads: [try CanonicalJSON.encode(payload)])[0]
    }

    /// Writes a `dispute.resolve` entry. Only a governance member may; under a quorum it is a
    /// proposal that other governance sites approve with `members approve`.
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance, `.notFound`
    ///   when it holds no such dispute, `.alreadyExists` when a resolution is in effect.
    public func resolveDispute(_ id: Hash32, outcome: DisputeOutcome, note: String) throws -> Entry {
        try requireGovernance()
        guard let dispute = charter.disputes[id] else {
            throw CoreError(.notFound, "this site holds no dispute \(id.hex); `careledger dispute list` lists them (sync first if it was opened elsewhere)")
        }
        if let outcome = dispute.outcome {
            throw CoreError(.alreadyExists, "dispute \(id.hex) is already resolved (\(outcome.rawValue))")
        }
        let payload = DisputeResolvePayload(dispute: id, outcome: outcome, note: note)
        return try append(kind: DisputeKind.resolve, payloads: [try CanonicalJSON.encode(payload)])[0]
    }
}
