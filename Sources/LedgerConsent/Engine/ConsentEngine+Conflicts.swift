import LedgerCore

/// A consent with concurrent heads, listed for human review until a version supersedes them all.
public struct ConsentConflict: Sendable, Hashable {
    /// Which consent.
    public let key: ConsentKey
    /// The concurrent head version ids, sorted.
    public let heads: [Hash32]
    /// The rule that decides meanwhile.
    public let rule: ConflictRule
    /// The head ids the rule lets decide: the latest head under latest-wins, every
    /// non-entered-in-error head under deny-overrides.
    public let effective: [Hash32]
    /// One line for people: what the effective consent is while the conflict is open.
    public let summary: String
}

extension ConsentEngine {
    /// Open conflicts, sorted by consent key. A pure function of the versions held.
    public func conflicts() -> [ConsentConflict] {
        openConflicts.sorted().compactMap { key in history(key).map(conflict) }
    }

    /// The conflict (or the single head) of one consent as the rule sees it.
    func conflict(_ history: ConsentHistory) -> ConsentConflict {
        let heads = history.heads
        let considered = history.consideredHeads
        let effective: [Hash32]
        let summary: String
        switch policy.rule {
        case .latestWins:
            let winner = ConsentHistory.latest(considered)
            effective = winner.map { [$0.id] } ?? []
            summary = winner.map { "latest-wins: version \($0.id.hex.prefix(12)) (\($0.content.status.rawValue)) decides" }
                ?? "every head is entered-in-error: the consent is ignored"
        case .denyOverrides:
            effective = considered.map(\.id)
            if considered.isEmpty {
                summary = "every head is entered-in-error: the consent is ignored"
            } else if considered.contains(where: { $0.content.status == .inactive || $0.content.status == .rejected }) {
                summary = "deny-overrides: a concurrent head withdraws the consent"
            } else {
                summary = "deny-overrides: a request is denied if any of \(considered.count) heads denies it"
            }
        }
        return ConsentConflict(key: history.key, heads: heads.map(\.id), rule: policy.rule, effective: effective, summary: summary)
    }

    /// Builds the content of a version that resolves a consent's conflict (`consent resolve`).
    ///
    /// The result supersedes every head. With `choosing` (a person's pick), it copies that head;
    /// otherwise it follows the rule: latest-wins copies the winner; deny-overrides copies the
    /// latest withdrawing head if any (a revocation is never lost), else the latest head that
    /// denies something (else the latest head), with every other active head's deny provisions
    /// added to it as exceptions. The caller records it as a new `consent.version` entry.
    /// - Throws: `ConsentError.Code.unknownConsent` when the consent or chosen head is unknown.
    public func resolution(for key: ConsentKey, choosing: Hash32? = nil) throws(ConsentError) -> ConsentVersionContent {
        guard let history = history(key) else {
            throw ConsentError(.unknownConsent, "no consent with this key is on record")
        }
        let heads = history.heads
        var content: ConsentVersionContent
        if let choosing {
            guard let chosen = heads.first(where: { $0.id == choosing }) else {
                throw ConsentError(.unknownConsent, "the chosen version is not a head of this consent", versionId: choosing.hex)
            }
            content = chosen.content
        } else {
            let considered = history.consideredHeads
            guard let latest = ConsentHistory.latest(considered.isEmpty ? heads : considered) else {
                throw ConsentError(.unknownConsent, "the consent has no versions")
            }
            switch policy.rule {
            case .latestWins:
                content = latest.content
            case .denyOverrides:
                let withdrawing = considered.filter { $0.content.status == .inactive || $0.content.status == .rejected }
                let denying = considered.filter { v in
                    v.content.status == .active && v.content.provision.map { !Self.denySubtrees($0, type: $0.type ?? .permit).isEmpty } == true
                }
                if let revocation = ConsentHistory.latest(withdrawing) {
                    content = revocation.content
                } else {
                    let base = ConsentHistory.latest(denying) ?? latest
                    content = base.content
                    if var root = content.provision {
                        for other in considered where other.id != base.id && other.content.status == .active {
                            if let theirs = other.content.provision {
                                root.provisions += Self.denySubtrees(theirs, type: theirs.type ?? .permit)
                            }
                        }
                        guard Self.depth(root) <= ConsentVersionPayload.maxProvisionDepth else {
                            throw ConsentError(.invalidValue, "merged provisions would nest too deeply; choose a head to keep")
                        }
                        content.provision = root
                    }
                }
            }
        }
        content.supersedes = heads.map(\.id)
        return content
    }

    /// The maximal deny provisions of a tree (deny nodes under permit-only ancestors), typed explicitly.
    static func denySubtrees(_ p: ConsentProvision, type: ProvisionType) -> [ConsentProvision] {
        if type == .deny {
            var copy = p
            copy.type = .deny
            return [copy]
        }
        return p.provisions.flatMap { denySubtrees($0, type: $0.type ?? type.opposite) }
    }

    static func depth(_ p: ConsentProvision) -> Int {
        1 + (p.provisions.map(depth).max() ?? 0)
    }
}
