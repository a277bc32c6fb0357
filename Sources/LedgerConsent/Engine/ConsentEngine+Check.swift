import LedgerCore

/// The access check (Specs/consent.md §5.3): per consent, combine its heads by the network
/// rule; across the patient's consents, any deny wins, then any permit, then the default.
extension ConsentEngine {
    /// One consent's answer after combining its heads.
    struct ConsentAnswer {
        enum Kind { case permit, deny, withdrawn, notApplicable }
        var kind: Kind
        var basis: [Hash32]
        var reason: String
    }

    /// Answers an access request by the consents alone. O(versions of that patient);
    /// independent of ledger size.
    ///
    /// This path writes nothing, so it never grants break-glass access: a request flagged
    /// `emergency` is answered as the same request without the flag (the decision's
    /// `emergency` is false and a denial stays a denial). Break-glass is granted only by
    /// `LedgerSite`'s `SiteConsent.check`, which writes the emergency audit entry
    /// (Specs/consent.md §5.3).
    public func check(_ request: AccessRequest) -> AccessDecision {
        guard request.emergency else { return decide(request) }
        var plain = request
        plain.emergency = false
        return decide(plain)
    }

    /// The full decision, break-glass included: for the caller that records an emergency
    /// decision as its audit entry (LedgerSite's `SiteConsent`), and for tests.
    package func decide(_ request: AccessRequest) -> AccessDecision {
        let evaluator = ProvisionEvaluator(request)
        let histories = patients[request.patient] ?? []
        var answers: [ConsentAnswer] = []
        answers.reserveCapacity(histories.count)
        for history in histories { answers.append(answer(history, evaluator)) }
        // Deterministic order for reasons: by basis (version ids are global and unique).
        answers.sort { ($0.basis.first ?? .zero) < ($1.basis.first ?? .zero) }
        let base = combine(answers, anyVersions: !histories.isEmpty, request: request)
        guard request.emergency else { return base }
        var decision = base
        decision.emergency = true
        if base.outcome == .deny {
            if PurposeOfUse.treatment.contains(request.purpose) {
                decision.outcome = .permit
                decision.reason = "break-glass: emergency access for treatment overrides: \(base.reason)"
            } else {
                decision.reason = "break-glass is only for treatment (TREAT, ETREAT, BTG): \(base.reason)"
            }
        }
        return decision
    }

    private func combine(_ answers: [ConsentAnswer], anyVersions: Bool, request: AccessRequest) -> AccessDecision {
        func decide(_ outcome: AccessOutcome, _ kind: ConsentAnswer.Kind) -> AccessDecision {
            let chosen = answers.filter { $0.kind == kind }
            return AccessDecision(request: request, outcome: outcome, basis: chosen.flatMap(\.basis), reason: chosen[0].reason, emergency: false)
        }
        if answers.contains(where: { $0.kind == .deny }) { return decide(.deny, .deny) }
        if answers.contains(where: { $0.kind == .permit }) { return decide(.permit, .permit) }
        let inert = answers.filter { $0.kind == .withdrawn } + answers.filter { $0.kind == .notApplicable }
        let basis = inert.flatMap(\.basis)
        switch policy.defaultAccess {
        case .optIn:
            let reason = anyVersions && !inert.isEmpty ? "no applicable consent: \(inert[0].reason)" : "no consent on record"
            return AccessDecision(request: request, outcome: .deny, basis: basis, reason: reason, emergency: false)
        case .optOut:
            let reason = anyVersions && !inert.isEmpty
                ? "opt-out network, no applicable refusal: \(inert[0].reason)" : "opt-out network, no refusal on record"
            return AccessDecision(request: request, outcome: .permit, basis: basis, reason: reason, emergency: false)
        }
    }

    /// Combines one consent's heads by the network rule (Specs/consent.md §5.1).
    func answer(_ history: ConsentHistory, _ evaluator: ProvisionEvaluator) -> ConsentAnswer {
        let considered = history.consideredHeads
        guard !considered.isEmpty else {
            return ConsentAnswer(kind: .notApplicable, basis: history.heads.map(\.id), reason: "consent entered in error")
        }
        switch policy.rule {
        case .latestWins:
            // `considered` is non-empty, so there is a latest version.
            guard let winner = ConsentHistory.latest(considered) else { break }
            var result = single(winner, evaluator)
            if considered.count > 1 { result.reason += " (latest-wins over \(considered.count) concurrent versions)" }
            return result
        case .denyOverrides:
            let results = considered.map { single($0, evaluator) }
            // A grant concurrent with a revocation is a conflict the revocation wins as a
            // deny, not as "withdrawn": withdrawn falls back to the network default, which
            // in an opt-out network would turn the revocation into a permit.
            let withdrawing = results.filter { $0.kind == .withdrawn }
            if !results.contains(where: { $0.kind == .deny }), var first = withdrawing.first,
               results.contains(where: { $0.kind == .permit }) {
                first.kind = .deny
                first.basis = withdrawing.flatMap(\.basis)
                first.reason += ", which overrides a concurrent grant (deny-overrides over \(considered.count) concurrent versions)"
                return first
            }
            for kind in [ConsentAnswer.Kind.deny, .withdrawn, .permit, .notApplicable] {
                let chosen = results.filter { $0.kind == kind }
                guard var first = chosen.first else { continue }
                first.basis = chosen.flatMap(\.basis)
                if considered.count > 1, kind == .deny || kind == .withdrawn {
                    first.reason += " (deny-overrides over \(considered.count) concurrent versions)"
                }
                return first
            }
        }
        return ConsentAnswer(kind: .notApplicable, basis: [], reason: "no version in force")
    }

    private func single(_ version: RecordedConsentVersion, _ evaluator: ProvisionEvaluator) -> ConsentAnswer {
        switch evaluator.verdict(version.content) {
        case .permit(let r): return ConsentAnswer(kind: .permit, basis: [version.id], reason: r)
        case .deny(let r): return ConsentAnswer(kind: .deny, basis: [version.id], reason: r)
        case .withdrawn(let r): return ConsentAnswer(kind: .withdrawn, basis: [version.id], reason: r)
        case .notApplicable(let r): return ConsentAnswer(kind: .notApplicable, basis: [version.id], reason: r)
        }
    }
}
