import LedgerConsent
import LedgerCore
import LedgerIndex

/// `GET /fhir/AuditEvent?…` (Specs/fhir-api.md §4.4, §4.5).
extension APIContext {
    /// The search parameters of an AuditEvent search (§4.4); any other is refused (§4.5).
    static let auditEventSearchParameters: Set<String> = ["patient", "outcome", "agent", "date", "_count", "_offset"]

    /// `GET /fhir/AuditEvent?patient=&outcome=&agent=&date=&_count=&_offset=`: newest first.
    func searchAuditEvents(_ request: APIRequest) -> APIResponse {
        if let unknown = SearchParameters.unknown(in: request, allowed: Self.auditEventSearchParameters) { return unknown }
        var filter = SiteIndex.DecisionFilter()
        if let text = request.parameter("patient") {
            do { filter.patient = try state.consent.pseudonym(of: text) } catch {
                return .outcome(400, code: "value", "patient: \(error)", expression: "patient")
            }
        }
        switch request.parameter("outcome") {
        case nil: break
        case "0"?, "permit"?: filter.outcome = .permit
        case "4"?, "deny"?: filter.outcome = .deny
        default: return .outcome(400, code: "value", "outcome must be 0 (permit) or 4 (deny)", expression: "outcome")
        }
        let bounds: [DateBound]
        switch DateBound.parseAll(request) {
        case .success(let parsed): bounds = parsed
        case .failure(let failure): return failure.response
        }
        (filter.earliest, filter.latest) = DateBound.interval(bounds)
        let page: SearchPage
        switch SearchPage.parse(request) {
        case .success(let parsed): page = parsed
        case .failure(let failure): return failure.response
        }
        let agent = request.parameter("agent")
        let found: (page: [ConsentAPIState.RecordedDecision], total: Int)
        do {
            found = try state.index == nil ? searchHeldDecisions(filter, agent: agent, page: page)
                : searchIndexedDecisions(filter, agent: agent, page: page)
        } catch {
            return .outcome(500, code: "exception", "the site could not read its decisions: \(error)")
        }
        let resources = found.page.map { AuditEventView.resource($0, siteName: siteName) }
        return APIResponse(status: 200, json: Self.bundle(type: "searchset", resources, total: found.total))
    }

    /// Whether `recorded` is one `agent` asked: the requester as recorded, or the API client.
    static func asked(_ recorded: ConsentAPIState.RecordedDecision, by agent: String?) -> Bool {
        guard let agent else { return true }
        return recorded.decision.request.actor == agent || recorded.decision.request.client == agent
    }

    /// Through the derived state: the page's entries only are read from the log; `agent`
    /// matches the recorded requester or the API client (the index holds both).
    private func searchIndexedDecisions(_ filter: SiteIndex.DecisionFilter, agent: String?,
                                        page: SearchPage) throws -> (page: [ConsentAPIState.RecordedDecision], total: Int) {
        guard let index = state.index else { return ([], 0) }
        let end = state.seen
        var filter = filter
        filter.agent = agent
        return try (index.decisionOrdinals(filter, below: end, offset: page.offset, limit: page.count).compactMap(decision(at:)),
                    index.decisionCount(filter, below: end))
    }

    private func decision(at ordinal: Int) throws -> ConsentAPIState.RecordedDecision? {
        ConsentAPIState.RecordedDecision(try ledger.entry(at: ordinal))
    }

    /// Without derived state: the decisions the state holds, all in memory.
    private func searchHeldDecisions(_ filter: SiteIndex.DecisionFilter, agent: String?,
                                     page: SearchPage) -> (page: [ConsentAPIState.RecordedDecision], total: Int) {
        let matches = state.decisions.reversed().filter { recorded in
            let decision = recorded.decision
            if let patient = filter.patient, decision.request.patient != patient { return false }
            if let outcome = filter.outcome, decision.outcome != outcome { return false }
            let time = Int64(clamping: recorded.time.wallMillis)
            if let earliest = filter.earliest, time < earliest { return false }
            if let latest = filter.latest, time > latest { return false }
            return Self.asked(recorded, by: agent)
        }
        return (Array(matches.dropFirst(page.offset).prefix(page.count)), matches.count)
    }
}
