import LedgerConsent
import LedgerCore

/// One consent version as the conflict time line needs it: its consent, time and parents.
public struct VersionNode: Equatable {
    /// Creates a node of the consent-version DAG.
    public init(consent: String, id: Hash32, time: HybridTimestamp, supersedes: [Hash32]) {
        self.consent = consent; self.id = id; self.time = time; self.supersedes = supersedes
    }

    /// The consent, as `careledger conflicts` names it (PSEUDONYM/CONSENT-ID).
    public var consent: String
    /// The version's id.
    public var id: Hash32
    /// Its hybrid logical clock time.
    public var time: HybridTimestamp
    /// The versions it supersedes.
    public var supersedes: [Hash32]
}

/// A consent conflict from the moment concurrent heads appeared to the version that superseded them.
public struct ConflictEpisode: Encodable, Equatable {
    /// The consent (PSEUDONYM/CONSENT-ID).
    public var consent: String
    /// When concurrent heads appeared, RFC 3339.
    public var openedAt: String
    /// Nil while the conflict is open.
    public var resolvedAt: String?
    /// The most concurrent heads the consent had during the episode.
    public var heads: Int
    /// The version whose arrival left one head.
    public var resolvedBy: String?
    /// How long it stayed open, when it is resolved.
    public var openMs: Int64?
}

/// Derives conflicts opened and resolved from the `supersedes` DAG of consent versions.
///
/// Per consent, versions are replayed in hybrid-logical-clock order (then by id). A version
/// always carries a later clock than the versions it supersedes, because its author held
/// them when it wrote it, so the replay sees every parent before its child. After each
/// version the heads are those of the consent engine's own rule (`ConsentHeads`,
/// Specs/consent.md §5.1) over the versions replayed so far: a conflict opens when the heads go from one to several and is
/// resolved when a version brings them back to one. The result is a function of the set
/// of versions, like the engine's own conflict list, and ends with the same open conflicts.
public enum ConflictTimeline {
    /// The episodes of every consent, ordered by opening time, then consent.
    public static func episodes(_ versions: [VersionNode]) -> [ConflictEpisode] {
        let byConsent = Dictionary(grouping: versions, by: \.consent)
        var episodes: [(HybridTimestamp, ConflictEpisode)] = []
        // A consent's only version never makes a second head; the sort below orders the rest.
        for (consent, versions) in byConsent where versions.count > 1 {
            episodes += replay(consent: consent, versions)
        }
        return episodes.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.consent < $1.1.consent }.map(\.1)
    }

    private static func replay(consent: String, _ versions: [VersionNode]) -> [(HybridTimestamp, ConflictEpisode)] {
        var rule = ConsentHeads()
        var out: [(HybridTimestamp, ConflictEpisode)] = []
        var current: (start: HybridTimestamp, episode: ConflictEpisode)?
        let ordered = versions.sorted { $0.time != $1.time ? $0.time < $1.time : $0.id < $1.id }
        for version in ordered where rule.insert(version.id, supersedes: version.supersedes) {
            let heads = rule.heads.count
            if heads > 1 {
                var open = current ?? (version.time, ConflictEpisode(consent: consent, openedAt: version.time.rfc3339, heads: heads))
                open.episode.heads = max(open.episode.heads, heads)
                current = open
            } else if var open = current {
                open.episode.resolvedAt = version.time.rfc3339
                open.episode.resolvedBy = version.id.hex
                open.episode.openMs = Int64(version.time.wallMillis) - Int64(open.start.wallMillis)
                out.append((open.start, open.episode))
                current = nil
            }
        }
        if let open = current { out.append((open.start, open.episode)) }
        return out
    }
}
