import LedgerConsent
import LedgerCore
import LedgerIndex

/// `GET /fhir/Consent?…` (Specs/fhir-api.md §4.2, §4.5).
extension APIContext {
    /// The search parameters of a Consent search (§4.2); any other is refused (§4.5).
    static let consentSearchParameters: Set<String> = ["patient", "status", "date", "actor", "purpose", "_count", "_offset"]

    /// `GET /fhir/Consent?[patient=][&status=][&date=…][&actor=][&purpose=][&_count=][&_offset=]`:
    /// the current consents (one resource per consent, its newest head) that match every
    /// parameter given, ordered by patient pseudonym then logical id, paged with `next` links.
    /// With `patient`, from that patient's versions (as `GET /fhir/Consent/{id}` reads them);
    /// without, from the index's search tables (Specs/fhir-api.md §4.2), or every patient held
    /// when the site has no derived state.
    mutating func searchConsents(_ request: APIRequest) -> APIResponse {
        if let unknown = SearchParameters.unknown(in: request, allowed: Self.consentSearchParameters) { return unknown }
        var patient: PatientPseudonym?
        if let patientText = request.parameter("patient") {
            do { patient = try state.consent.pseudonym(of: patientText) } catch {
                return .outcome(400, code: "value", "patient: \(error)", expression: "patient")
            }
        }
        let page: SearchPage
        let bounds: [DateBound]
        switch (SearchPage.parse(request), DateBound.parseAll(request)) {
        case (.failure(let failure), _): return failure.response
        case (_, .failure(let failure)): return failure.response
        case (.success(let parsedPage), .success(let parsedBounds)): (page, bounds) = (parsedPage, parsedBounds)
        }
        let purpose = request.parameter("purpose").map(TokenValue.init)
        let found: (page: [RecordedConsentVersion], total: Int)
        do {
            if patient == nil, let index = state.index {
                var filter = SiteIndex.ConsentSearchFilter(status: request.parameter("status"), actor: request.parameter("actor"),
                                                          purposeCode: purpose?.code, purposeSystem: purpose?.system)
                (filter.earliest, filter.latest) = DateBound.interval(bounds)
                let hits = try index.consentSearch(filter, offset: page.offset, limit: page.count)
                found = (try hits.ordinals.compactMap(recordedVersion(at:)), hits.total)
            } else {
                if let patient { try state.load([patient], from: ledger) }
                let matches = heldCurrentVersions(of: patient.map { [$0] } ?? state.consent.engine.patientPseudonyms).filter {
                    Self.matches($0.content, status: request.parameter("status"), bounds: bounds, actor: request.parameter("actor"), purpose: purpose)
                }
                found = (Array(matches.dropFirst(page.offset).prefix(page.count)), matches.count)
            }
        } catch {
            return .outcome(500, code: "exception", "the site could not read its consents: \(error)")
        }
        let resources = found.page.map { state.consent.fhirResource($0) }
        return APIResponse(status: 200, json: Self.bundle(type: "searchset", resources, total: found.total,
                                                          links: Self.pageLinks(request, page: page, total: found.total)))
    }

    /// The current version (newest head) of each consent of `patients` the engine holds, in
    /// key order.
    private func heldCurrentVersions(of patients: [PatientPseudonym]) -> [RecordedConsentVersion] {
        patients.flatMap { patient in
            state.consent.engine.heads(patient: patient).sorted { $0.key < $1.key }.compactMap { _, versions in
                versions.max { $1.isLater(than: $0) }
            }
        }
    }

    /// The version the `consent.version` entry at `ordinal` records.
    private func recordedVersion(at ordinal: Int) throws -> RecordedConsentVersion? {
        let entry = try ledger.entry(at: ordinal)
        guard let content = try? ConsentVersionPayload.decode(entry.payload) else { return nil }
        return RecordedConsentVersion(id: entry.id, time: entry.timestamp, author: entry.author, content: content)
    }

    /// Whether `content` matches every search parameter given (the table of §4.2).
    static func matches(_ content: ConsentVersionContent, status: String?, bounds: [DateBound], actor: String?, purpose: TokenValue?) -> Bool {
        if let status, content.status.rawValue != status { return false }
        if !bounds.isEmpty {
            guard let time = content.dateTime, bounds.allSatisfy({ $0.holds(time) }) else { return false }
        }
        if let actor, !(content.provision?.anyProvision { $0.actors.contains { $0.reference == actor } } ?? false) { return false }
        if let purpose, !(content.provision?.anyProvision { $0.purposes.contains(where: purpose.matches) } ?? false) { return false }
        return true
    }

    /// `self` and, when more matches follow the page, `next` (§4.5): the request's own
    /// parameters in order with `_offset` set to the next page's start.
    static func pageLinks(_ request: APIRequest, page: SearchPage, total: Int) -> [(relation: String, url: String)] {
        func url(offset: Int) -> String {
            var query = request.query.filter { $0.name != "_offset" && $0.name != "_count" }
            query.append((name: "_count", value: String(page.count)))
            query.append((name: "_offset", value: String(offset)))
            return request.path + "?" + query.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&")
        }
        var links = [(relation: "self", url: url(offset: page.offset))]
        if page.offset + page.count < total { links.append((relation: "next", url: url(offset: page.offset + page.count))) }
        return links
    }

    /// `text` with every byte but RFC 3986's unreserved characters percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
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
