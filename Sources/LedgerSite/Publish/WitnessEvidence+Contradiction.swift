import LedgerCore

/// Acting on another witness's split-view evidence (Specs/static-log.md §8.6): a log proven
/// to have signed two conflicting checkpoints gets no cosignature, and no catch-up, for a
/// checkpoint at or past the smaller of the two sizes.
extension WitnessEvidence {
    /// The proven evidence `ledger` holds (from any witness) against the log `origin` signed
    /// by `logKey` that a checkpoint of `treeSize` contradicts, with the size it applies from;
    /// nil when none does. Read through the derived state (entries of one kind) when the site
    /// has it, else by a scan of the log.
    ///
    /// Why every size from the smaller one: the two checkpoints of proven evidence cannot both
    /// be prefixes of one tree, so any tree of at least the smaller size contradicts one of them
    /// (its root at the smaller size differs from that checkpoint's, or it is consistent with
    /// the smaller and so cannot extend the larger). A smaller checkpoint may be the honest
    /// common prefix and is left to the other checks.
    /// - Throws: only when the log or the derived state cannot be read.
    public static func contradicted(by treeSize: UInt64, origin: String, logKey: NoteVerifierKey,
                                    in ledger: SiteLedger) throws -> (evidence: WitnessEvidence, fromSize: UInt64)? {
        var found: (evidence: WitnessEvidence, fromSize: UInt64)?
        try ledger.forEachEntry(ofKinds: [WitnessSplitViewPayload.kind]) { _, entry in
            guard found == nil, let payload = try? CanonicalJSON.decode(WitnessSplitViewPayload.self, from: entry.payload),
                  payload.origin == origin, NoteVerifierKey(verifierKey: payload.logKey)?.publicKey == logKey.publicKey,
                  payload.check() == .proven, let sizes = payload.sizes(under: logKey), treeSize >= sizes.smaller else { return }
            found = (WitnessEvidence(entryID: entry.id, author: entry.author, payload: payload, finding: .proven), sizes.smaller)
        }
        return found
    }

    /// Refuses a checkpoint that held evidence contradicts (``contradicted(by:origin:logKey:in:)``):
    /// `SiteError` `.splitView` naming the evidence entry and its witness; `then` says what was
    /// not done. Returns when no evidence applies.
    /// - Throws: `.splitView`, or the reading errors.
    public static func refuseContradicted(_ checkpoint: Checkpoint, logKey: NoteVerifierKey, in ledger: SiteLedger, then: String) throws {
        guard let (evidence, from) = try contradicted(by: checkpoint.treeSize, origin: checkpoint.origin, logKey: logKey, in: ledger) else { return }
        throw SiteError(.splitView, """
            \(checkpoint.origin): the \(WitnessSplitViewPayload.kind) entry \(evidence.entryID.hex) by witness \(evidence.author.hex) \
            proves this log signed two conflicting checkpoints (\(evidence.payload.conflict.rawValue)); a checkpoint of size \
            \(checkpoint.treeSize), at or past \(from), contradicts one of them; \(then)
            """)
    }
}

extension WitnessSplitViewPayload {
    /// The two checkpoints' sizes, smaller first, when both open under `key`.
    func sizes(under key: NoteVerifierKey) -> (smaller: UInt64, larger: UInt64)? {
        guard let a = try? Checkpoint.open(Array(cosigned.utf8), verifiedBy: key),
              let b = try? Checkpoint.open(Array(refused.utf8), verifiedBy: key) else { return nil }
        return (min(a.treeSize, b.treeSize), max(a.treeSize, b.treeSize))
    }
}
