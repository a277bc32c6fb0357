import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import Testing

/// Who asked (the API client in the audit entry) and the search parameters of the API
/// (Specs/fhir-api.md §2, §4.2, §4.4, §4.5; Specs/consent.md §6): issue 15.
@Suite("The site's FHIR API: the client in the audit trail, and search")
struct SiteAPISearchTests {
    typealias Fixture = SiteAPITests.Fixture

    static func member(_ json: JSONValue?, _ path: String...) -> JSONValue? {
        SiteAPITests.member(json, path: path)
    }

    static func total(_ response: APIResponse) -> Int? {
        guard case .number(let n)? = member(response.json, "total") else { return nil }
        return Int(n.description)
    }

    /// Consent `id` of patient `mrn` with a `dateTime`, an actor and a purpose.
    static func consent(id: String, mrn: String, actor: String, purpose: String, dateTime: String) -> [UInt8] {
        let text = String(decoding: TwoSites.consent(id: id, mrn: mrn, actor: actor, purpose: purpose), as: UTF8.self)
            .replacingOccurrences(of: "\"status\": \"active\",", with: "\"status\": \"active\", \"dateTime\": \"\(dateTime)\",")
        return Array(text.utf8)
    }

    @Test("a consult through the API records the token's name, never the token, and its AuditEvent shows it as the client agent")
    func theClientIsRecorded() async throws {
        let fixture = try Fixture()
        #expect(await fixture.call("POST", "/fhir/Consent", body: TwoSites.consent(id: "c-1", mrn: "m1")).status == 201)
        let consult = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m1"))
        #expect(Self.member(consult.json, "cards", "0", "summary") == .string("CONSENT_PERMIT"))

        var payloads: [String] = []
        try fixture.sites.central.forEachEntry { _, entry in
            if entry.kind == AccessDecisionPayload.kind { payloads.append(String(decoding: entry.payload, as: UTF8.self)) }
        }
        #expect(payloads.count == 1)
        let payload = try #require(payloads.first)
        #expect(payload.contains(#""client":"ehr-1""#) && payload.contains(#""format":3"#))
        #expect(!payload.contains(fixture.token) && !payload.contains(String(fixture.token.dropFirst(APITokens.prefix.count))))
        #expect(try TwoSites.decisions(fixture.sites.central).map(\.request.client) == ["ehr-1"])

        let audit = await fixture.call("GET", "/fhir/AuditEvent", query: [("patient", "urn:test:mrn|m1")])
        let agents = Self.member(audit.json, "entry", "0", "resource", "agent")
        guard case .array(let list)? = agents else { Issue.record("no agents"); return }
        let client = list.first { Self.member($0, "type", "coding", "0", "code") == .string("110153") }
        #expect(Self.member(client, "who", "identifier", "system") == .string("urn:careledger:api-client"))
        #expect(Self.member(client, "who", "identifier", "value") == .string("ehr-1"))
        #expect(Self.member(client, "requestor") == .bool(false))
        #expect(Self.total(await fixture.call("GET", "/fhir/AuditEvent", query: [("agent", "ehr-1")])) == 1)
        #expect(Self.total(await fixture.call("GET", "/fhir/AuditEvent", query: [("agent", "ehr-2")])) == 0)
    }

    @Test("a check recorded at the site itself names no client, keeps format 1, and its AuditEvent has no client agent")
    func aSiteCheckHasNoClient() async throws {
        let fixture = try Fixture()
        _ = try await fixture.api.service.withLedger { ledger, _ in
            let consent = try SiteConsent(ledger)
            return try consent.check(try TwoSites.request(consent, mrn: "m4"), record: true).decision.outcome
        }
        var payloads: [String] = []
        try fixture.sites.central.forEachEntry { _, entry in
            if entry.kind == AccessDecisionPayload.kind { payloads.append(String(decoding: entry.payload, as: UTF8.self)) }
        }
        #expect(payloads.count == 1 && payloads[0].contains(#""format":1"#) && !payloads[0].contains("client"))
        let audit = await fixture.call("GET", "/fhir/AuditEvent", query: [("patient", "urn:test:mrn|m4")])
        guard case .array(let list)? = Self.member(audit.json, "entry", "0", "resource", "agent") else { Issue.record("no agents"); return }
        #expect(list.count == 2)
    }

    @Test("Consent search filters the current versions by date (with prefixes), provision actor and provision purpose")
    func consentSearchParameters() async throws {
        let fixture = try Fixture()
        #expect(await fixture.call("POST", "/fhir/Consent", body: Self.consent(
            id: "c-a", mrn: "m1", actor: "Organization/a", purpose: "TREAT", dateTime: "2026-01-10T09:00:00Z")).status == 201)
        #expect(await fixture.call("POST", "/fhir/Consent", body: Self.consent(
            id: "c-b", mrn: "m1", actor: "Organization/b", purpose: "HRESCH", dateTime: "2026-03-01T00:00:00Z")).status == 201)
        #expect(await fixture.call("POST", "/fhir/Consent", body: TwoSites.consent(id: "c-other", mrn: "m2", actor: "Organization/a")).status == 201)
        let patient = ("patient", "urn:test:mrn|m1")
        let cases: [(query: [(String, String)], ids: [String])] = [
            ([], ["c-a", "c-b"]),
            ([("actor", "Organization/a")], ["c-a"]),
            ([("actor", "Organization/zzz")], []),
            ([("purpose", "HRESCH")], ["c-b"]),
            ([("purpose", "http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT")], ["c-a"]),
            ([("purpose", "urn:other|TREAT")], []),
            ([("purpose", "|TREAT")], []),
            ([("date", "2026-01")], ["c-a"]),
            ([("date", "eq2026-01-10")], ["c-a"]),
            ([("date", "ge2026-02-01")], ["c-b"]),
            ([("date", "lt2026-02-01")], ["c-a"]),
            ([("date", "gt2026-01-10")], ["c-b"]),
            ([("date", "ge2026-01-01"), ("date", "le2026-12-31")], ["c-a", "c-b"]),
            ([("date", "ge2026-01-01"), ("actor", "Organization/b"), ("status", "active")], ["c-b"]),
            ([("status", "inactive")], []),
        ]
        for c in cases {
            let query = [patient] + c.query
            let response = await fixture.call("GET", "/fhir/Consent", query: query.map { (name: $0.0, value: $0.1) })
            #expect(response.status == 200, "\(c.query)")
            var ids: [String] = []
            if case .array(let entries)? = Self.member(response.json, "entry") {
                ids = entries.compactMap { if case .string(let id)? = Self.member($0, "resource", "id") { id } else { nil } }
            }
            #expect(ids.sorted() == c.ids, "\(c.query)")
            #expect(Self.total(response) == c.ids.count, "\(c.query)")
        }
    }

    /// The `url` of the Bundle link `relation`, if any.
    static func link(_ response: APIResponse, _ relation: String) -> String? {
        guard case .array(let links)? = member(response.json, "link") else { return nil }
        for link in links where member(link, "relation") == .string(relation) {
            if case .string(let url)? = member(link, "url") { return url }
        }
        return nil
    }

    /// `path?a=b&c=d` back into a path and percent-decoded parameters.
    static func split(_ url: String) -> (path: String, query: [(name: String, value: String)]) {
        let parts = url.split(separator: "?", maxSplits: 1)
        var query: [(name: String, value: String)] = []
        for pair in parts.count < 2 ? [] : parts[1].split(separator: "&") {
            let nameValue = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            query.append((name: nameValue[0], value: nameValue.count > 1 ? nameValue[1] : ""))
        }
        return (String(parts[0]), query)
    }

    @Test("Consent search without a patient searches every patient's current consents, paged in a stable order by its next links")
    func consentSearchAcrossPatients() async throws {
        let fixture = try Fixture()
        let posts: [(String, String, String)] = [("c-1", "m1", "Organization/a"), ("c-2", "m2", "Organization/b"), ("c-3", "m3", "Organization/a"),
                                                 ("c-4", "m1", "Organization/b"), ("c-5", "m4", "Organization/a")]
        for (id, mrn, actor) in posts {
            #expect(await fixture.call("POST", "/fhir/Consent", body: TwoSites.consent(id: id, mrn: mrn, actor: actor)).status == 201)
        }
        let revoked = String(decoding: TwoSites.consent(id: "c-3", mrn: "m3", actor: "Organization/a"), as: UTF8.self)
            .replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"inactive\"")
        #expect(await fixture.call("PUT", "/fhir/Consent/c-3", body: Array(revoked.utf8)).status == 201)

        func ids(_ response: APIResponse) -> [String] {
            guard case .array(let entries)? = Self.member(response.json, "entry") else { return [] }
            return entries.compactMap { if case .string(let id)? = Self.member($0, "resource", "id") { id } else { nil } }
        }
        let all = await fixture.call("GET", "/fhir/Consent", query: [])
        #expect(all.status == 200 && Self.total(all) == 5 && Set(ids(all)) == ["c-1", "c-2", "c-3", "c-4", "c-5"])
        #expect(Self.link(all, "next") == nil && Self.link(all, "self") == "/fhir/Consent?_count=50&_offset=0")

        // Following `next` from a page of 2 visits every match once, in the order of the whole answer.
        var visited: [String] = []
        var response = await fixture.call("GET", "/fhir/Consent", query: [("actor", "Organization/a"), ("_count", "2")])
        var pages = 0
        while true {
            #expect(response.status == 200 && Self.total(response) == 3)
            visited += ids(response)
            pages += 1
            guard let next = Self.link(response, "next"), pages < 10 else { break }
            #expect(next.hasPrefix("/fhir/Consent?actor=Organization%2Fa&_count=2&_offset="), "\(next)")
            let (path, query) = Self.split(next)
            response = await fixture.call("GET", path, query: query)
        }
        #expect(pages == 2 && visited.count == 3 && Set(visited) == ["c-1", "c-3", "c-5"])
        let whole = await fixture.call("GET", "/fhir/Consent", query: [("actor", "Organization/a")])
        #expect(ids(whole) == visited, "the pages put together are the whole answer, in its order")

        let active = await fixture.call("GET", "/fhir/Consent", query: [("status", "active"), ("purpose", "TREAT")])
        #expect(Self.total(active) == 4 && !ids(active).contains("c-3"), "c-3's current version is the revocation")
        let inactive = await fixture.call("GET", "/fhir/Consent", query: [("status", "inactive")])
        #expect(ids(inactive) == ["c-3"])
        let past = await fixture.call("GET", "/fhir/Consent", query: [("_offset", "7")])
        #expect(Self.total(past) == 5 && ids(past).isEmpty && Self.link(past, "next") == nil)
    }

    @Test("an unknown or malformed search parameter is a 400 naming it, for Consent and AuditEvent alike")
    func unknownParametersAreRefused() async throws {
        let fixture = try Fixture()
        let cases: [(path: String, query: [(name: String, value: String)], expression: String)] = [
            ("/fhir/Consent", [("patient", "urn:test:mrn|m1"), ("actr", "Organization/a")], "actr"),
            ("/fhir/Consent", [("patient", "urn:test:mrn|m1"), ("date", "ge-soon")], "date"),
            ("/fhir/Consent", [("patient:identifier", "urn:test:mrn|m1")], "patient:identifier"),
            ("/fhir/AuditEvent", [("agnet", "ehr-1")], "agnet"),
            ("/fhir/AuditEvent", [("outcome", "maybe")], "outcome"),
        ]
        for c in cases {
            let response = await fixture.call("GET", c.path, query: c.query)
            #expect(response.status == 400, "\(c.query)")
            #expect(Self.member(response.json, "issue", "0", "expression", "0") == .string(c.expression), "\(c.query)")
        }
    }

    @Test("the CapabilityStatement lists exactly the search parameters the searches accept")
    func capabilityListsTheParameters() async throws {
        let fixture = try Fixture()
        let metadata = await fixture.api.respond(to: APIRequest(method: "GET", path: "/fhir/metadata"))
        guard case .array(let resources)? = Self.member(metadata.json, "rest", "0", "resource") else { Issue.record("no resources"); return }
        var listed: [String: Set<String>] = [:]
        for resource in resources {
            guard case .string(let type)? = Self.member(resource, "type") else { continue }
            if case .array(let parameters)? = Self.member(resource, "searchParam") {
                listed[type] = Set(parameters.compactMap { if case .string(let n)? = Self.member($0, "name") { n } else { nil } })
            }
        }
        #expect(listed["Consent"] == ["patient", "status", "date", "actor", "purpose", "_count", "_offset"])
        #expect(listed["AuditEvent"] == ["patient", "outcome", "agent", "date", "_count", "_offset"])
    }
}
