/// The payload of a `charter.amend` entry: a governance site proposes a new value for one of
/// the network's settings the genesis founded it with (Specs/charter.md §7).
///
/// It is a proposal like an admission: in effect once the quorum approved it (§5). Of the
/// amendments in effect, the one with the greatest `(timestamp, entry id)` decides; without
/// one the genesis's value holds. Format version 1 amends only `witnesses`.
public struct AmendPayload: Codable, Sendable, Equatable {
    /// The network's default for `sync --mirror --witnesses` (Specs/static-log.md §8.5), 0–64;
    /// 0 requires no witness.
    public var witnesses: Int

    /// The values an amendment may state; a payload outside them changes nothing.
    public static let witnessesRange = 0...64

    /// Creates an amendment of the witnesses default.
    public init(witnesses: Int) { self.witnesses = witnesses }

    /// Whether the amendment states a value the charter accepts (a decoded payload outside the
    /// range is kept on the ledger, like any payload that does not decode, and changes nothing).
    public var isValid: Bool { Self.witnessesRange.contains(witnesses) }
}

extension NetworkCharter {
    /// The amendment of the witnesses default in effect: the applied `charter.amend` with the
    /// greatest `(timestamp, entry id)`, or nil when the genesis's value holds (Specs/charter.md §7).
    public var witnessesAmendment: Proposal? {
        proposals.values.filter { proposal in
            guard proposal.inEffect, case .amend = proposal.change else { return false }
            return true
        }.max { ($0.timestamp, $0.entryID) < ($1.timestamp, $1.entryID) }
    }

    /// The network's default K for `sync --mirror --witnesses` in force under the charter
    /// entries this charter holds: the latest amendment in effect (quorum-approved, by a
    /// governance key), else the genesis's `witnesses`, else 0 (Specs/static-log.md §8.5).
    public var witnessesDefault: Int {
        if let amendment = witnessesAmendment, case .amend(let payload) = amendment.change { return payload.witnesses }
        return genesis.witnesses ?? 0
    }
}
