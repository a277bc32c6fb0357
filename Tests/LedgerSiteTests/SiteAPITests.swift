import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerSync
import Testing

/// The FHIR / CDS Hooks API as a library (Specs/fhir-api.md), without HTTP: issue 15.
@Suite("The site's FHIR API through the library")
struct SiteAPITests {
    /// A site with one API token, and the API over it.
    struct Fixture {
        let sites: TwoSites
        let api: SiteAPI
        let token: String

        init() throws {
            sites = try TwoSites()
            var tokens = APITokens()
            token = try tokens.create(name: "ehr-1")
            try tokens.save(to: sites.central.layout)
            api = SiteAPI(service: try LedgerSyncService(ledger: sites.central), layout: sites.central.layout, siteName: "central")
        }

        func call(_ method: String, _ path: String, query: [(name: String, value: String)] = [], body: [UInt8] = [],
                  token: String? = nil) async -> APIResponse {
            await api.respond(to: APIRequest(method: method, path: path, query: query,
                                             authorization: "Bearer \(token ?? self.token)", body: body))
        }

        static func consult(mrn: String, actor: String = "Organization/clinic", purpose: String = "TREAT") -> [UInt8] {
            Array("""
            {"hook": "patient-consent-consult", "hookInstance": "t-1",
             "context": {"patientId": [{"system": "urn:test:mrn", "value": "\(mrn)"}], "scope": "patient-privacy",
                         "purposeOfUse": ["\(purpose)"], "actor": [{"system": "urn:ietf:rfc:3986", "value": "\(actor)"}],
                         "class": ["Observation"]}}
            """.utf8)
        }
    }

    static func member(_ json: JSONValue?, _ path: String...) -> JSONValue? {
        member(json, path: path)
    }

    /// The value at `path` (object keys, array indices as decimal) in `json`, nil when absent.
    static func member(_ json: JSONValue?, path: [String]) -> JSONValue? {
        var current = json
        for key in path {
            switch current {
            case .object(let members)?: current = members.first { $0.0 == key }?.1
            case .array(let items)?: current = Int(key).flatMap { $0 < items.count ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    static func header(_ response: APIResponse, _ name: String) -> String? {
        response.headers.first { $0.name == name }?.value
    }

    @Test("metadata and CDS discovery are public; everything else needs a live bearer token, and a revoked one is refused at once")
    func tokensGuardTheAPI() async throws {
        let fixture = try Fixture()
        let anonymous = APIRequest(method: "GET", path: "/fhir/metadata")
        #expect(await fixture.api.respond(to: anonymous).status == 200)
        #expect(await fixture.api.respond(to: APIRequest(method: "GET", path: "/cds-services")).status == 200)
        let search = APIRequest(method: "GET", path: "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")])
        let refused = await fixture.api.respond(to: search)
        #expect(refused.status == 401)
        #expect(Self.header(refused, "WWW-Authenticate") == "Bearer")
        #expect(await fixture.call("GET", "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")], token: "clt_wrong").status == 401)
        #expect(await fixture.call("GET", "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")]).status == 200)
        var tokens = try APITokens.load(from: fixture.sites.central.layout)
        try tokens.revoke(name: "ehr-1")
        try tokens.save(to: fixture.sites.central.layout)
        #expect(await fixture.call("GET", "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")]).status == 401)
        // The name given again: its new token is accepted, the old one (known to the API's cache) stays refused.
        let renewed = try tokens.create(name: "ehr-1")
        try tokens.save(to: fixture.sites.central.layout)
        #expect(await fixture.call("GET", "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")], token: renewed).status == 200)
        #expect(await fixture.call("GET", "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")]).status == 401)
        let mode = try FileManager.default.attributesOfItem(atPath: APITokens.path(of: fixture.sites.central.layout))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("create, read, search, revoke, search again: the consult answers permit, then deny, and both decisions are AuditEvents")
    func consentLifecycle() async throws {
        let fixture = try Fixture()
        let created = await fixture.call("POST", "/fhir/Consent", body: TwoSites.consent(id: "c-1", mrn: "m1"))
        #expect(created.status == 201)
        let version = try #require(Self.member(created.json, "meta", "versionId").flatMap { if case .string(let s) = $0 { s } else { nil } })
        #expect(Self.header(created, "Location") == "/fhir/Consent/c-1/_history/\(version)")
        #expect(Self.header(created, "ETag") == "W/\"\(version)\"")
        let read = await fixture.call("GET", "/fhir/Consent/c-1")
        #expect(read.status == 200)
        #expect(Self.member(read.json, "status") == .string("active"))
        let permit = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m1"))
        #expect(permit.status == 200)
        #expect(Self.member(permit.json, "cards", "0", "summary") == .string("CONSENT_PERMIT"))
        #expect(Self.member(permit.json, "cards", "0", "extension", "basis", "0") == .string(version))

        var revoked = String(decoding: TwoSites.consent(id: "c-1", mrn: "m1"), as: UTF8.self)
        revoked = revoked.replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"inactive\"")
        #expect(await fixture.call("PUT", "/fhir/Consent/c-1", body: Array(revoked.utf8)).status == 201)
        let search = await fixture.call("GET", "/fhir/Consent", query: [("patient", "urn:test:mrn|m1")])
        #expect(Self.member(search.json, "total") == .number(JSONNumber(1)))
        #expect(Self.member(search.json, "entry", "0", "resource", "status") == .string("inactive"))
        let history = await fixture.call("GET", "/fhir/Consent/c-1/_history")
        #expect(Self.member(history.json, "total") == .number(JSONNumber(2)))
        let deny = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m1"))
        #expect(Self.member(deny.json, "cards", "0", "summary") == .string("CONSENT_DENY"))

        let audit = await fixture.call("GET", "/fhir/AuditEvent", query: [("patient", "urn:test:mrn|m1")])
        #expect(Self.member(audit.json, "total") == .number(JSONNumber(2)))
        #expect(Self.member(audit.json, "entry", "0", "resource", "outcome") == .string("4"))
        #expect(Self.member(audit.json, "entry", "1", "resource", "outcome") == .string("0"))
        #expect(Self.member(audit.json, "entry", "0", "resource", "subtype", "0", "code") == .string("AuthZ-Consent"))
        let onlyPermits = await fixture.call("GET", "/fhir/AuditEvent", query: [("outcome", "0")])
        #expect(Self.member(onlyPermits.json, "total") == .number(JSONNumber(1)))
        // Both decisions are ledger entries, offered to the next sync.
        #expect(try TwoSites.decisions(fixture.sites.central).map(\.outcome) == [.permit, .deny])
        let set = try await fixture.api.service.withLedger { ledger, set in set.count }
        #expect(set == fixture.sites.central.entryCount)
    }

    @Test("a consent that arrives by sync while the API runs is answered from at once")
    func entriesFromElsewhereAreSeen() async throws {
        let fixture = try Fixture()
        #expect(Self.member((await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m2"))).json,
                            "cards", "0", "summary") == .string("NO_CONSENT"))
        // Written behind the API's back, as a sync session or the control socket would.
        _ = try await fixture.api.service.withLedger { ledger, _ in
            var consent = try SiteConsent(ledger)
            return try consent.importFHIR([(name: "elsewhere", bytes: TwoSites.consent(id: "c-2", mrn: "m2"))]).entries.count
        }
        let answer = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m2"))
        #expect(Self.member(answer.json, "cards", "0", "summary") == .string("CONSENT_PERMIT"))
        #expect(await fixture.call("GET", "/fhir/Consent/c-2").status == 200)
    }

    @Test("a dispute upheld while the API runs voids the version at once: the consult answers as if it had never been recorded")
    func upheldDisputeReachesTheRunningAPI() async throws {
        let fixture = try Fixture()
        let created = await fixture.call("POST", "/fhir/Consent", body: TwoSites.consent(id: "c-7", mrn: "m7"))
        guard case .string(let versionText)? = Self.member(created.json, "meta", "versionId"), let version = Hash32(hex: versionText) else {
            Issue.record("no version id in \(String(describing: created.json))"); return
        }
        let before = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m7"))
        #expect(Self.member(before.json, "cards", "0", "summary") == .string("CONSENT_PERMIT"))
        // Central founded the network (quorum 1): it opens and upholds the dispute itself.
        _ = try await fixture.api.service.withLedger { ledger, _ in
            let dispute = try ledger.openDispute(about: version, reason: "signed under duress")
            return try ledger.resolveDispute(dispute.id, outcome: .upheld, note: "patient confirmed").id
        }
        let after = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m7"))
        #expect(Self.member(after.json, "cards", "0", "summary") == .string("NO_CONSENT"))
    }

    @Test("bad requests get an OperationOutcome naming the element at fault, and write nothing")
    func badRequestsNameTheField() async throws {
        let fixture = try Fixture()
        let before = fixture.sites.central.entryCount
        let cases: [(method: String, path: String, query: [(name: String, value: String)], body: [UInt8], status: Int, expression: String?)] = [
            ("POST", "/fhir/Consent", [], Array("not json".utf8), 400, nil),
            ("POST", "/fhir/Consent", [], Array(#"{"resourceType": "Patient"}"#.utf8), 400, "resourceType"),
            ("POST", "/fhir/Consent", [], Array(#"{"resourceType": "Consent", "id": "x", "status": "bogus"}"#.utf8), 422, nil),
            ("PUT", "/fhir/Consent/other", [], TwoSites.consent(id: "c-1", mrn: "m1"), 400, "Consent.id"),
            ("GET", "/fhir/Consent/unknown", [], [], 404, "Consent.id"),
            ("GET", "/fhir/Consent", [("patient", "not a patient")], [], 400, "patient"),
            ("GET", "/fhir/Consent", [("patient", "urn:test:mrn|m1"), ("_count", "0")], [], 400, "_count"),
            ("GET", "/fhir/AuditEvent", [("date", "yesterday")], [], 400, "date"),
            ("POST", "/cds-services/patient-consent-consult", [], Array(#"{"context": {}}"#.utf8), 400, "context.patientId"),
            ("GET", "/fhir/Patient/1", [], [], 404, nil),
            ("GET", "/fhir/Provenance/zz", [], [], 400, "Provenance.id"),
        ]
        for c in cases {
            let response = await fixture.call(c.method, c.path, query: c.query, body: c.body)
            #expect(response.status == c.status, "\(c.method) \(c.path)")
            #expect(Self.member(response.json, "resourceType") == .string("OperationOutcome"), "\(c.method) \(c.path)")
            if let expression = c.expression {
                #expect(Self.member(response.json, "issue", "0", "expression", "0") == .string(expression), "\(c.method) \(c.path)")
            }
        }
        #expect(fixture.sites.central.entryCount == before)
    }

    @Test("a Provenance carries the entry's signer, signature and an inclusion proof that checks against the signed head")
    func provenanceProvesTheEntry() async throws {
        let fixture = try Fixture()
        let consult = await fixture.call("POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m3"))
        guard case .string(let entryID)? = Self.member(consult.json, "cards", "0", "extension", "entry") else {
            Issue.record("no entry id in the card"); return
        }
        let provenance = await fixture.call("GET", "/fhir/Provenance/\(entryID)")
        #expect(provenance.status == 200)
        #expect(Self.member(provenance.json, "agent", "0", "who", "identifier", "value") == .string(fixture.sites.central.siteKey.hex))
        let head = try #require(fixture.sites.central.treeHeads.last)
        #expect(Self.member(provenance.json, "extension", "0", "extension", "2", "valueString") == .string(head.rootHash.hex))
        #expect(await fixture.call("GET", "/fhir/Provenance/\(String(repeating: "0", count: 64))").status == 404)
    }

    @Test("the same consent written differently at two offline sites gives, after a stick round, the same consult answer at both")
    func twoSitesAgreeAfterAStick() async throws {
        let sites = try TwoSites()
        var tokens = APITokens()
        let token = try tokens.create(name: "ehr")
        try tokens.save(to: sites.central.layout)
        try tokens.save(to: sites.clinic.layout)
        let central = SiteAPI(service: try LedgerSyncService(ledger: sites.central), layout: sites.central.layout, siteName: "central")
        let clinic = SiteAPI(service: try LedgerSyncService(ledger: sites.clinic), layout: sites.clinic.layout, siteName: "clinic")
        func call(_ api: SiteAPI, _ method: String, _ path: String, body: [UInt8]) async -> APIResponse {
            await api.respond(to: APIRequest(method: method, path: path, authorization: "Bearer \(token)", body: body))
        }
        // Offline, each site records its own version of consent c-9: a permit at central, a
        // withdrawal at the clinic.
        #expect(await call(central, "POST", "/fhir/Consent", body: TwoSites.consent(id: "c-9", mrn: "m9")).status == 201)
        let withdrawn = String(decoding: TwoSites.consent(id: "c-9", mrn: "m9"), as: UTF8.self)
            .replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"inactive\"")
        #expect(await call(clinic, "POST", "/fhir/Consent", body: Array(withdrawn.utf8)).status == 201)
        let before = await call(central, "POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m9"))
        #expect(Self.member(before.json, "cards", "0", "summary") == .string("CONSENT_PERMIT"))

        let stick = sites.folder.path + "/stick"
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        for api in [central, clinic, central] {
            _ = try await api.service.withLedger { ledger, _ in try FolderSync.run(ledger, folder: stick).imported }
        }
        var answers: [JSONValue?] = []
        for api in [central, clinic] {
            let answer = await call(api, "POST", "/cds-services/patient-consent-consult", body: Fixture.consult(mrn: "m9"))
            answers.append(Self.member(answer.json, "cards", "0", "summary"))
            let read = await call(api, "GET", "/fhir/Consent/c-9", body: [])
            #expect(Self.header(read, "X-CareLedger-Heads")?.split(separator: ",").count == 2, "both heads named")
        }
        #expect(answers == [.string("CONSENT_DENY"), .string("CONSENT_DENY")], "deny-overrides at both sites")
    }
}
