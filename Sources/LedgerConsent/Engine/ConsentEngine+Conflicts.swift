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
                summary = policy.defaultAccess == .optOut
                    ? "deny-overrides: a concurrent head withdraws the consent, so whatever another head covers is denied"
                    : "deny-overrides: a concurrent head withdraws the consent"
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
    /// added to it as exceptions. In an opt-out network a withdrawal is not a deny (it falls back
    /// to the default permit), so there deny-overrides builds an active version that denies
    /// exactly what the conflict denies instead (Specs/consent.md §5.4). The caller records it
    /// as a new `consent.version` entry.
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
            case .denyOverrides where policy.defaultAccess == .optOut:
                content = try Self.optOutResolution(considered, latest: latest)
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
        // A resolution is CareLedger's content, not an import: it has no original to export
        // in its place (Specs/consent.md §3.5).
        content.original = nil
        return content
    }

    /// A deny-overrides resolution for an opt-out network: what the conflict denies, and nothing more.
    ///
    /// The conflict denies a request when a head denies it, or when a head withdraws the consent
    /// and another head covers the request; everything else gets the default permit. So the
    /// result is an active permit with no criteria (the default, stated) whose exceptions are
    /// the active heads' root provisions: each copied whole with explicit types when nothing
    /// withdraws (the deny-overrides sibling rule then denies what any head denies), or, when
    /// something withdraws, each reduced to its own criteria with a single unconditional deny
    /// beneath it (whatever that head covers is denied). A single head, or no active head with
    /// provisions, is copied as the opt-in rule would.
    static func optOutResolution(
        _ considered: [RecordedConsentVersion], latest: RecordedConsentVersion
    ) throws(ConsentError) -> ConsentVersionContent {
        let withdrawing = considered.filter { $0.content.status == .inactive || $0.content.status == .rejected }
        let active = considered.filter { $0.content.status == .active && $0.content.provision != nil }
            .sorted { $0.id < $1.id }
        let revocation = ConsentHistory.latest(withdrawing)
        guard let newestActive = ConsentHistory.latest(active), active.count > 1 || revocation != nil else {
            return (revocation ?? active.first ?? latest).content
        }
        var content = (revocation ?? newestActive).content
        content.status = .active
        let exceptions = active.compactMap(\.content.provision).map { root -> ConsentProvision in
            let type = root.type ?? .permit
            guard revocation != nil else { return explicitlyTyped(root, type: type) }
            var covering = root
            covering.type = type
            covering.provisions = [ConsentProvision(type: .deny)]
            return covering
        }
        let merged = ConsentProvision(type: .permit, provisions: exceptions)
        guard depth(merged) <= ConsentVersionPayload.maxProvisionDepth else {
            throw ConsentError(.invalidValue, "merged provisions would nest too deeply; choose a head to keep")
        }
        content.provision = merged
        return content
    }

    /// `p` with every type stated, so moving it under another parent does not change its meaning.
    static func explicitlyTyped(_ p: ConsentProvision, type: ProvisionType) -> ConsentProvision {
        var copy = p
        copy.type = type
        copy.provisions = p.provisions.map { explicitlyTyped($0, type: $0.type ?? type.opposite) }
        return copy
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
