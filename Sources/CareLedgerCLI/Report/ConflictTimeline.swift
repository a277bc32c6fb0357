import LedgerCore

/// One consent version as the conflict time line needs it: its consent, time and parents.
struct VersionNode: Equatable {
    /// The consent, as `careledger conflicts` names it (PSEUDONYM/CONSENT-ID).
    var consent: String
    var id: Hash32
    var time: HybridTimestamp
    var supersedes: [Hash32]
}

/// A consent conflict from the moment concurrent heads appeared to the version that superseded them.
struct ConflictEpisode: Encodable, Equatable {
    var consent: String
    var openedAt: String
    /// Nil while the conflict is open.
    var resolvedAt: String?
    /// The most concurrent heads the consent had during the episode.
    var heads: Int
    /// The version whose arrival left one head.
    var resolvedBy: String?
    /// How long it stayed open, when it is resolved.
    var openMs: Int64?
}

/// Derives conflicts opened and resolved from the `supersedes` DAG of consent versions.
///
/// Per consent, versions are replayed in hybrid-logical-clock order (then by id). A version
/// always carries a later clock than the versions it supersedes, because its author held
/// them when it wrote it, so the replay sees every parent before its child. After each
/// version the heads are the versions nothing replayed so far supersedes (the rule of
/// Specs/consent.md §5.1): a conflict opens when the heads go from one to several and is
/// resolved when a version brings them back to one. The result is a function of the set
/// of versions, like the engine's own conflict list, and ends with the same open conflicts.
enum ConflictTimeline {
    /// The episodes of every consent, ordered by opening time, then consent.
    static func episodes(_ versions: [VersionNode]) -> [ConflictEpisode] {
        let byConsent = Dictionary(grouping: versions, by: \.consent)
        var episodes: [(HybridTimestamp, ConflictEpisode)] = []
        for consent in byConsent.keys.sorted() {
            episodes += replay(consent: consent, byConsent[consent] ?? [])
        }
        return episodes.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.consent < $1.1.consent }.map(\.1)
    }

    private static func replay(consent: String, _ versions: [VersionNode]) -> [(HybridTimestamp, ConflictEpisode)] {
        var seen = Set<Hash32>()
        var superseded = Set<Hash32>()
        var heads = Set<Hash32>()
        var out: [(HybridTimestamp, ConflictEpisode)] = []
        var current: (start: HybridTimestamp, episode: ConflictEpisode)?
        let ordered = versions.sorted { $0.time != $1.time ? $0.time < $1.time : $0.id < $1.id }
        for version in ordered where seen.insert(version.id).inserted {
            for parent in version.supersedes where parent != version.id {
                superseded.insert(parent)
                heads.remove(parent)
            }
            if !superseded.contains(version.id) { heads.insert(version.id) }
            if heads.count > 1 {
                var open = current ?? (version.time, ConflictEpisode(consent: consent, openedAt: version.time.rfc3339, heads: heads.count))
                open.episode.heads = max(open.episode.heads, heads.count)
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
