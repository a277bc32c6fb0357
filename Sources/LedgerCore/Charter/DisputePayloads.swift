/// How a dispute ends (Specs/charter.md §6).
public enum DisputeOutcome: String, Codable, Sendable, CaseIterable {
    /// The complaint stands: a disputed consent version stops counting (Specs/consent.md §5.5).
    case upheld
    /// The complaint is dismissed: the entry counts as before.
    case rejected
}

/// The payload of a `dispute.open` entry: a member contests one entry of the ledger.
public struct DisputeOpenPayload: Codable, Sendable, Equatable {
    /// The id of the contested entry (a consent version, an access decision, a custody event…).
    public var entry: Hash32
    /// Why (no patient data).
    public var reason: String

    /// Creates a dispute.
    public init(entry: Hash32, reason: String) { self.entry = entry; self.reason = reason }
}

/// The payload of a `dispute.resolve` entry: a governance site decides a dispute. Under a
/// quorum it is a proposal that `charter.approve` entries approve (Specs/charter.md §5–§6).
public struct DisputeResolvePayload: Codable, Sendable, Equatable {
    /// The id of the `dispute.open` entry.
    public var dispute: Hash32
    /// The decision.
    public var outcome: DisputeOutcome
    /// The reasoning, for the audit trail (no patient data).
    public var note: String

    /// Creates a resolution.
    public init(dispute: Hash32, outcome: DisputeOutcome, note: String) {
        self.dispute = dispute; self.outcome = outcome; self.note = note
    }
}
