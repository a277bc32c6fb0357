extension NetworkCharter {
    /// A dispute about one entry and where it stands (Specs/charter.md §6).
    public struct Dispute: Sendable, Equatable {
        /// The id of the `dispute.open` entry.
        public var id: Hash32
        /// The member that opened it.
        public var opener: Hash32
        /// When it was opened.
        public var timestamp: HybridTimestamp
        /// The contested entry and why.
        public var subject: DisputeOpenPayload
        /// The outcome of the resolution in effect, nil while the dispute is open.
        public var outcome: DisputeOutcome?
        /// The id of the resolution in effect, and its note.
        public var resolution: Hash32?
        /// The note of the resolution in effect.
        public var note: String?
        /// Resolutions written by governance that wait for approvals, oldest first.
        public var pendingResolutions: [Hash32]

        /// `open`, `upheld` or `rejected`.
        public var state: String { outcome?.rawValue ?? "open" }
    }

    /// Disputes not resolved yet, oldest first.
    public var openDisputes: [Dispute] {
        disputes.values.filter { $0.outcome == nil }.sorted { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
    }

    /// The entries under an upheld dispute: a consent version among them stops counting
    /// (Specs/consent.md §5.5).
    public var upheldEntries: Set<Hash32> {
        Set(disputes.values.filter { $0.outcome == .upheld }.map(\.subject.entry))
    }

    /// The disputes the held events describe: every `dispute.open` (its author was a trusted
    /// member, or the entry would not be here), decided by the resolution in effect with
    /// the greatest `(timestamp, entry id)` — a pure function of the set, like membership.
    static func disputes(from events: [Event], proposals: [Hash32: Proposal]) -> [Hash32: Dispute] {
        var result: [Hash32: Dispute] = [:]
        for event in events {
            guard case .disputeOpen(let payload) = event.change else { continue }
            result[event.entryID] = Dispute(id: event.entryID, opener: event.author, timestamp: event.timestamp, subject: payload,
                                            outcome: nil, resolution: nil, note: nil, pendingResolutions: [])
        }
        let resolutions = proposals.values.compactMap { proposal -> (Proposal, DisputeResolvePayload)? in
            if case .disputeResolve(let payload) = proposal.change { return (proposal, payload) }
            return nil
        }.sorted { ($0.0.timestamp, $0.0.entryID) < ($1.0.timestamp, $1.0.entryID) }
        for (proposal, payload) in resolutions where result[payload.dispute] != nil {
            if proposal.inEffect {
                result[payload.dispute]?.outcome = payload.outcome
                result[payload.dispute]?.resolution = proposal.entryID
                result[payload.dispute]?.note = payload.note
            } else {
                result[payload.dispute]?.pendingResolutions.append(proposal.entryID)
            }
        }
        return result
    }
}
