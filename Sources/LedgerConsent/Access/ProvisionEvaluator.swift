/// Evaluates one consent version's provision tree against a request (Specs/consent.md §5.2).
///
/// FHIR semantics: a provision applies when every criterion it states matches; its nested
/// provisions are exceptions, so the deepest applying provision decides. Sibling exceptions
/// that disagree resolve to deny (the safe side).
struct ProvisionEvaluator {
    let purposes: [String]
    let classes: [String]
    let actor: String
    let time: Int64
    let dataTime: Int64?
    let resource: String?
    let referencedBy: [String]

    init(_ request: AccessRequest) {
        purposes = PurposeOfUse.lineage(of: request.purpose)
        classes = request.classes
        actor = request.actor
        time = request.time
        dataTime = request.dataTime
        resource = request.resource
        referencedBy = request.referencedBy
    }

    /// What a version says about the request.
    enum Verdict: Equatable {
        case permit(String)
        case deny(String)
        /// The version does not speak to this request.
        case notApplicable(String)
        /// The version withdraws the consent (status inactive or rejected).
        case withdrawn(String)
    }

    func verdict(_ content: ConsentVersionContent) -> Verdict {
        switch content.status {
        case .inactive: return .withdrawn("consent withdrawn (status inactive)")
        case .rejected: return .withdrawn("consent rejected by the patient")
        case .draft, .proposed: return .notApplicable("consent not in force (status \(content.status.rawValue))")
        case .enteredInError: return .notApplicable("consent entered in error")
        case .active: break
        }
        guard let root = content.provision else { return .notApplicable("consent has no provisions") }
        if let period = root.period {
            if let start = period.start, time < start { return .notApplicable("consent period not yet started") }
            if let end = period.end, time > end { return .notApplicable("consent period expired") }
        }
        let type = root.type ?? .permit
        if let miss = mismatch(root, type: type, checkPeriod: false) {
            return .notApplicable("no provision covers this \(miss)")
        }
        let (decided, depth) = decide(root, type: type, depth: 0)
        switch (decided, depth) {
        case (.permit, 0): return .permit("permitted by the consent's provision")
        case (.deny, 0): return .deny("denied by the consent's provision")
        case (.permit, _): return .permit("permitted by a nested provision (exception to a deny)")
        case (.deny, _): return .deny("denied by a nested provision (exception to a permit)")
        }
    }

    /// The type of the deepest applying provision under `p` (which applies), and its depth.
    private func decide(_ p: ConsentProvision, type: ProvisionType, depth: Int) -> (ProvisionType, Int) {
        var best: (ProvisionType, Int)? = nil
        for child in p.provisions {
            let childType = child.type ?? type.opposite
            guard mismatch(child, type: childType, checkPeriod: true) == nil else { continue }
            let result = decide(child, type: childType, depth: depth + 1)
            if let current = best, current.0 == .deny, result.0 == .permit { continue }
            if let current = best, current.0 == result.0, current.1 >= result.1 { continue }
            best = result
        }
        return best ?? (type, depth)
    }

    /// The first criterion of `p` the request fails, or nil when `p` applies.
    private func mismatch(_ p: ConsentProvision, type: ProvisionType, checkPeriod: Bool) -> String? {
        if checkPeriod, let period = p.period, !period.contains(time) { return "time" }
        if !p.actors.isEmpty, !p.actors.contains(where: { $0.reference == actor }) { return "actor" }
        if !p.purposes.isEmpty, !p.purposes.contains(where: { purposes.contains($0.code) }) { return "purpose" }
        if !p.classes.isEmpty || !p.codes.isEmpty || !p.securityLabels.isEmpty {
            let hit = p.classes.contains { classes.contains($0.code) }
                || p.securityLabels.contains { classes.contains($0.code) }
                || p.codes.contains { $0.codings.contains { classes.contains($0.code) } }
            if !hit { return "data class" }
        }
        if let dataPeriod = p.dataPeriod {
            // Unknown data time: a permit cannot be proven to cover it, a deny is assumed to.
            guard let dataTime else { return type == .permit ? "data period" : nil }
            if !dataPeriod.contains(dataTime) { return "data period" }
        }
        if !p.data.isEmpty {
            // Unnamed record: a permit cannot be proven to cover it, a deny is assumed to.
            guard let resource else { return type == .permit ? "record" : nil }
            let hit = p.data.contains { d in
                d.reference == resource || (d.meaning == .related && referencedBy.contains(d.reference))
            }
            if !hit { return "record" }
        }
        return nil
    }
}
