import LedgerCore

/// One protocol version label of one trial, as every entry naming it says (Specs/trials.md §4).
public struct ProtocolVersionState: Sendable, Hashable {
    /// The trial.
    public let trial: String
    /// The version label.
    public let version: String
    /// Every entry naming this label, sorted by entry id.
    public let entries: [RecordedProtocolVersion]
    /// One entry per distinct content, sorted by entry id: more than one is a conflict.
    public let heads: [RecordedProtocolVersion]

    /// Whether two sites added this label with different contents (different documents,
    /// dates, approvals or re-consent flags).
    public var isConflicted: Bool { heads.count > 1 }

    /// The entry that speaks for the label: the head with the smallest entry id, so every
    /// site holding the same entries picks the same one.
    public var current: RecordedProtocolVersion { heads[0] }
}

/// A protocol label added with different contents at two or more sites.
public struct ProtocolConflict: Sendable, Hashable {
    /// The trial.
    public let trial: String
    /// The version label.
    public let version: String
    /// The conflicting entries (one per distinct content), sorted by id.
    public let entries: [Hash32]
}

/// What a participant's consent means under the protocol in force (Specs/trials.md §5.3).
public enum ReconsentStatus: Sendable, Hashable {
    /// No later version requiring re-consent is in force.
    case current(consentedUnder: String)
    /// A later version marked re-consent is in force.
    case needsReconsent(consentedUnder: String, requiring: String, since: Int64)
    /// The consent names a version the ledger does not hold.
    case unknownVersion(consentedUnder: String)
}

/// Every protocol version of every trial a site holds: a pure function of the set of
/// `trial.protocol` entries, so two sites holding the same entries answer the same, in
/// whatever order the entries arrived (Specs/trials.md §4).
public struct ProtocolChain: Sendable {
    private var byTrial: [String: [ProtocolVersionState]] = [:]

    /// Builds the chains from recorded versions, in any order.
    public init(_ versions: some Sequence<RecordedProtocolVersion>) {
        var grouped: [String: [String: [RecordedProtocolVersion]]] = [:]
        var seen = Set<Hash32>()
        for version in versions where seen.insert(version.entryId).inserted {
            grouped[version.payload.trial, default: [:]][version.payload.version, default: []].append(version)
        }
        for (trial, labels) in grouped {
            var states: [ProtocolVersionState] = []
            for (label, entries) in labels {
                let sorted = entries.sorted { $0.entryId < $1.entryId }
                var heads: [RecordedProtocolVersion] = []
                for entry in sorted where !heads.contains(where: { $0.payload == entry.payload }) { heads.append(entry) }
                states.append(ProtocolVersionState(trial: trial, version: label, entries: sorted, heads: heads))
            }
            byTrial[trial] = states.sorted(by: Self.chainOrder)
        }
    }

    /// Chain order: by effective time, then by version label (Specs/trials.md §4.2).
    static func chainOrder(_ a: ProtocolVersionState, _ b: ProtocolVersionState) -> Bool {
        let ea = a.current.payload.effective, eb = b.current.payload.effective
        if ea != eb { return ea < eb }
        return ProtocolVersionOrder.precedes(a.version, b.version)
    }

    /// The trials with at least one protocol version, sorted.
    public var trials: [String] { byTrial.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    /// The trial's versions in chain order.
    public func versions(trial: String) -> [ProtocolVersionState] { byTrial[trial] ?? [] }

    /// The state of one label, if any entry names it.
    public func version(trial: String, label: String) -> ProtocolVersionState? {
        versions(trial: trial).first { $0.version == label }
    }

    /// The version in force at `millis`: the last in chain order whose effective time is not
    /// after it; nil before the first.
    public func inForce(trial: String, at millis: Int64) -> ProtocolVersionState? {
        versions(trial: trial).last { $0.current.payload.effective <= millis }
    }

    /// Labels added with different contents, by trial then label (every trial when nil).
    public func conflicts(trial: String? = nil) -> [ProtocolConflict] {
        let chosen = trial.map { [$0] } ?? trials
        return chosen.flatMap { t in
            versions(trial: t).filter(\.isConflicted).map { ProtocolConflict(trial: t, version: $0.version, entries: $0.heads.map(\.entryId)) }
        }
    }

    /// Whether a participant who consented under `label` must consent again at `millis`: yes
    /// when a version later in the chain, marked re-consent, is in force then.
    public func reconsentStatus(trial: String, consentedUnder label: String, at millis: Int64) -> ReconsentStatus {
        let chain = versions(trial: trial)
        guard let position = chain.firstIndex(where: { $0.version == label }) else { return .unknownVersion(consentedUnder: label) }
        let later = chain[(position + 1)...].filter { $0.current.payload.effective <= millis }
        guard let requiring = later.first(where: { state in state.heads.contains { $0.payload.reconsent } }) else {
            return .current(consentedUnder: label)
        }
        return .needsReconsent(consentedUnder: label, requiring: requiring.version, since: requiring.current.payload.effective)
    }
}

extension ReconsentStatus {
    /// The reason a check gives, e.g. `re-consent needed: consented under protocol v1, v2
    /// (requires re-consent) in force since 2026-12-01` (Specs/trials.md §5.3).
    public var reason: String {
        switch self {
        case .current(let label): return "consented under protocol \(label), the version in force or one it still covers"
        case .needsReconsent(let label, let requiring, let since):
            return "re-consent needed: consented under protocol \(label), \(requiring) (requires re-consent) in force since \(RFC3339.string(fromMillis: since).prefix(10))"
        case .unknownVersion(let label): return "consented under protocol \(label), which this site does not hold"
        }
    }
}
