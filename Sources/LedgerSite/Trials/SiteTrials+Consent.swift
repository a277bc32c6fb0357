import LedgerConsent
import LedgerCore
import LedgerTrials

/// A participant's consent to one trial, as the protocol chain judges it (Specs/trials.md §5.3, §5.4).
public struct TrialConsentRow: Sendable, Hashable {
    /// The participant's consent state for the trial.
    public enum State: String, Sendable, Hashable {
        /// Consented under the version in force, or one no re-consent version has replaced.
        case current
        /// Consented under a version a later, re-consent version has replaced.
        case needsReconsent = "needs_reconsent"
        /// Every consent bound to the trial is inactive or rejected.
        case withdrawn
    }

    /// The participant.
    public let participant: PatientPseudonym
    /// The consent (FHIR logical id) that decides.
    public let consentId: String
    /// The protocol version it was given under (nil when withdrawn without an active head).
    public let protocolVersion: String?
    /// The state.
    public let state: State
    /// The consent version ids (ledger entry ids) bound to the trial: the proof.
    public let versionIds: [Hash32]
    /// One line for people.
    public let reason: String
}

extension SiteTrials {
    /// The participant's consent to `trial` at `millis`, from the heads of their consents bound
    /// to it; nil when none is bound (Specs/trials.md §5.3).
    ///
    /// Per consent, a withdrawing head (inactive, rejected) beats an active one (deny-overrides);
    /// among active consents, the one under the latest version in chain order decides.
    public func consentState(patient: PatientPseudonym, trial: String, at millis: Int64, engine: ConsentEngine) -> TrialConsentRow? {
        let chain = self.chain
        let order = chain.versions(trial: trial).map(\.version)
        func bound(_ version: RecordedConsentVersion) -> String? {
            version.content.policies.lazy.compactMap { TrialProtocolBinding(uri: $0) }.first { $0.trial == trial }?.version
        }
        var active: [(key: ConsentKey, label: String, ids: [Hash32])] = []
        var withdrawn: [(key: ConsentKey, ids: [Hash32])] = []
        for (key, heads) in engine.heads(patient: patient).sorted(by: { $0.key < $1.key }) {
            let boundHeads = heads.filter { bound($0) != nil }
            guard !boundHeads.isEmpty else { continue }
            let ids = boundHeads.map(\.id).sorted()
            if boundHeads.contains(where: { $0.content.status == .inactive || $0.content.status == .rejected }) {
                withdrawn.append((key, ids))
                continue
            }
            let labels = boundHeads.filter { $0.content.status == .active }.compactMap(bound)
            guard let label = labels.max(by: { (order.firstIndex(of: $0) ?? -1) < (order.firstIndex(of: $1) ?? -1) }) else { continue }
            active.append((key, label, ids))
        }
        if let best = active.max(by: { (order.firstIndex(of: $0.label) ?? -1) < (order.firstIndex(of: $1.label) ?? -1) }) {
            let status = chain.reconsentStatus(trial: trial, consentedUnder: best.label, at: millis)
            let state: TrialConsentRow.State
            switch status {
            case .needsReconsent: state = .needsReconsent
            case .current, .unknownVersion: state = .current
            }
            return TrialConsentRow(participant: patient, consentId: best.key.consentId, protocolVersion: best.label, state: state,
                                   versionIds: best.ids, reason: status.reason)
        }
        if let first = withdrawn.first {
            return TrialConsentRow(participant: patient, consentId: first.key.consentId, protocolVersion: nil, state: .withdrawn,
                                   versionIds: withdrawn.flatMap(\.ids).sorted(), reason: "consent to trial \(trial) withdrawn")
        }
        return nil
    }

    /// Every participant with a consent bound to `trial`, by state then pseudonym (Specs/trials.md §5.4).
    /// - Throws: only when the log cannot be read.
    public func consentReport(trial: String, at millis: Int64, engine: ConsentEngine) throws -> [TrialConsentRow] {
        var participants = Set<PatientPseudonym>()
        try ledger.forEachEntry { _, entry in
            guard entry.kind == ConsentVersionPayload.kind, let content = try? ConsentVersionPayload.decode(entry.payload),
                  content.policies.contains(where: { TrialProtocolBinding(uri: $0)?.trial == trial }) else { return }
            participants.insert(content.key.patient)
        }
        let rank: [TrialConsentRow.State: Int] = [.current: 0, .needsReconsent: 1, .withdrawn: 2]
        return participants.compactMap { consentState(patient: $0, trial: trial, at: millis, engine: engine) }
            .sorted { (rank[$0.state] ?? 3, $0.participant) < (rank[$1.state] ?? 3, $1.participant) }
    }

    /// The access decision for research under a trial: the consents decide first; a permit
    /// then needs a consent bound to the trial under a version no re-consent version has
    /// replaced (Specs/trials.md §5.3). With `record`, the final decision is written as the
    /// `access.decision` entry.
    /// - Throws: ``SiteError`` `.invalidRequest` for a break-glass request; ledger errors when
    ///   the entry cannot be written.
    public func check(_ request: AccessRequest, trial: String, consent: SiteConsent, record: Bool = false) throws -> SiteConsent.Check {
        guard !request.emergency else {
            throw SiteError(.invalidRequest, "break-glass is for treatment; a trial check cannot be an emergency")
        }
        var decision = consent.engine.check(try consent.ledgerRequest(request))
        if decision.outcome == .permit {
            if let row = consentState(patient: request.patient, trial: trial, at: request.time, engine: consent.engine) {
                decision.basis = Array(Set(row.versionIds)).sorted()
                switch row.state {
                case .current:
                    decision.reason += "; trial \(trial) protocol \(row.protocolVersion ?? "?")"
                case .needsReconsent, .withdrawn:
                    decision.outcome = .deny
                    decision.reason = row.reason
                }
            } else {
                decision.outcome = .deny
                decision.reason = "no consent bound to trial \(trial)"
            }
        }
        guard record else { return SiteConsent.Check(decision: decision, entry: nil) }
        let entries = try ledger.append(kind: AccessDecisionPayload.kind, payloads: [AccessDecisionPayload.encode(decision)])
        return SiteConsent.Check(decision: decision, entry: entries.first)
    }
}
