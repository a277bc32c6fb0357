import LedgerConsent
import LedgerCore

/// `GET /fhir/Consent?…` (Specs/fhir-api.md §4.2, §4.5).
extension APIContext {
    /// The search parameters of a Consent search (§4.2); any other is refused (§4.5).
    static let consentSearchParameters: Set<String> = ["patient", "status", "date", "actor", "purpose", "_count", "_offset"]

    /// `GET /fhir/Consent?patient=…[&status=][&date=…][&actor=][&purpose=][&_count=][&_offset=]`:
    /// the patient's current consents (one resource per consent, its newest head) that match
    /// every parameter given, paged.
    mutating func searchConsents(_ request: APIRequest) -> APIResponse {
        if let unknown = SearchParameters.unknown(in: request, allowed: Self.consentSearchParameters) { return unknown }
        guard let patientText = request.parameter("patient") else {
            return .outcome(400, code: "required", "Consent search needs patient=system|value (or a pseudonym)", expression: "patient")
        }
        let patient: PatientPseudonym
        do { patient = try state.consent.pseudonym(of: patientText) } catch {
            return .outcome(400, code: "value", "patient: \(error)", expression: "patient")
        }
        let page: SearchPage
        let bounds: [DateBound]
        switch (SearchPage.parse(request), DateBound.parseAll(request)) {
        case (.failure(let failure), _): return failure.response
        case (_, .failure(let failure)): return failure.response
        case (.success(let parsedPage), .success(let parsedBounds)): (page, bounds) = (parsedPage, parsedBounds)
        }
        do { try state.load([patient], from: ledger) } catch {
            return .outcome(500, code: "exception", "the site could not read its consents: \(error)")
        }
        let status = request.parameter("status")
        let actor = request.parameter("actor")
        let purpose = request.parameter("purpose").map(TokenValue.init)
        let heads = state.consent.engine.heads(patient: patient).sorted { $0.key < $1.key }.compactMap { _, versions in
            versions.max { $1.isLater(than: $0) }
        }.filter { version in
            let content = version.content
            if let status, content.status.rawValue != status { return false }
            if !bounds.isEmpty {
                guard let time = content.dateTime, bounds.allSatisfy({ $0.holds(time) }) else { return false }
            }
            if let actor, !(content.provision?.anyProvision { $0.actors.contains { $0.reference == actor } } ?? false) { return false }
            if let purpose, !(content.provision?.anyProvision { $0.purposes.contains(where: purpose.matches) } ?? false) { return false }
            return true
        }
        let resources = heads.dropFirst(page.offset).prefix(page.count).map(FHIRConsentExporter.resource)
        return APIResponse(status: 200, json: Self.bundle(type: "searchset", Array(resources), total: heads.count))
    }
}

extension ConsentProvision {
    /// Whether this provision or one nested in it satisfies `test` (FHIR search looks at every level).
    func anyProvision(_ test: (ConsentProvision) -> Bool) -> Bool {
        test(self) || provisions.contains { $0.anyProvision(test) }
    }
}

/// A FHIR token search value: `code`, `system|code`, or `|code` (a coding without a system).
struct TokenValue {
    let system: String??
    let code: String

    init(_ text: String) {
        if let bar = text.firstIndex(of: "|") {
            let system = String(text[..<bar])
            self.system = .some(system.isEmpty ? nil : system)
            code = String(text[text.index(after: bar)...])
        } else {
            system = nil
            code = text
        }
    }

    func matches(_ coding: Coding) -> Bool {
        guard coding.code == code else { return false }
        guard case .some(let wanted) = system else { return true }
        return coding.system == wanted
    }
}

/// What a search does with a parameter it does not know (§4.5): refuses it, so a misspelt
/// filter never widens an answer about consents or audit trails (FHIR's strict handling).
enum SearchParameters {
    /// A 400 naming the first parameter of `request` not in `allowed`, or nil.
    static func unknown(in request: APIRequest, allowed: Set<String>) -> APIResponse? {
        guard let name = request.query.first(where: { !allowed.contains($0.name) })?.name else { return nil }
        return .outcome(400, code: "not-supported", "search parameter \(name) is not supported here (supported: \(allowed.sorted().joined(separator: ", ")))",
                        expression: name)
    }
}
