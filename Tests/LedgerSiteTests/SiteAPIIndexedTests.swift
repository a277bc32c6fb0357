import CanonicalJSON
import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// The API over a site with derived state answers from the index, loading only the patients
/// asked about (Specs/fhir-api.md §3); it must answer exactly as the API that reads the log.
@Suite("The site's FHIR API from the derived state")
struct SiteAPIIndexedTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Every read the comparison makes, after the writes.
    static let reads: [(path: String, query: [(name: String, value: String)])] = [
        ("/fhir/Consent/c-a", []), ("/fhir/Consent/c-b", []), ("/fhir/Consent/c-c", []), ("/fhir/Consent/none", []),
        ("/fhir/Consent/c-a/_history", []), ("/fhir/Consent/shared", []),
        ("/fhir/Consent", [("patient", "urn:test:mrn|m1")]), ("/fhir/Consent", [("patient", "urn:test:mrn|m2")]),
        ("/fhir/Consent", [("patient", "urn:test:mrn|m1"), ("actor", "Organization/clinic"), ("date", "ge2026-02")]),
        ("/fhir/AuditEvent", []), ("/fhir/AuditEvent", [("_count", "2"), ("_offset", "1")]),
        ("/fhir/AuditEvent", [("patient", "urn:test:mrn|m1")]), ("/fhir/AuditEvent", [("outcome", "4")]),
        ("/fhir/AuditEvent", [("outcome", "permit"), ("patient", "urn:test:mrn|m2")]),
        ("/fhir/AuditEvent", [("agent", "ehr-1")]), ("/fhir/AuditEvent", [("agent", "ehr-1"), ("_count", "1"), ("_offset", "1")]),
        ("/fhir/AuditEvent", [("agent", "Organization/clinic")]), ("/fhir/AuditEvent", [("agent", "Organization/other")]),
        ("/fhir/AuditEvent", [("date", "ge2026-01-01"), ("date", "le2100-01-01")]), ("/fhir/AuditEvent", [("date", "lt2026-01-01")]),
        // Across patients (the index's search tables against every patient the log gives).
        ("/fhir/Consent", []), ("/fhir/Consent", [("status", "active")]), ("/fhir/Consent", [("status", "inactive")]),
        ("/fhir/Consent", [("actor", "Organization/other")]), ("/fhir/Consent", [("actor", "Organization/clinic"), ("status", "active")]),
        ("/fhir/Consent", [("purpose", "TREAT")]), ("/fhir/Consent", [("purpose", "|TREAT")]),
        ("/fhir/Consent", [("purpose", "http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT")]),
        ("/fhir/Consent", [("date", "ge2026-02")]), ("/fhir/Consent", [("date", "lt2026-02")]),
        ("/fhir/Consent", [("_count", "2")]), ("/fhir/Consent", [("_count", "2"), ("_offset", "2")]),
        ("/fhir/Consent", [("_count", "2"), ("_offset", "4")]),
    ]

    static func call(_ api: SiteAPI, _ method: String, _ path: String, query: [(name: String, value: String)] = [],
                     body: [UInt8] = [], token: String) async -> APIResponse {
        await api.respond(to: APIRequest(method: method, path: path, query: query, authorization: "Bearer \(token)", body: body))
    }

    @Test("consents, consults and audit searches through the index give byte for byte the answers of the API that reads the log, also when it holds one patient at a time",
          arguments: [SiteAPI.defaultPatientCapacity, 1])
    func indexedAnswersEqualLogAnswers(patientCapacity: Int) async throws {
        let folder = try TemporaryDirectory(prefix: "careledger-api-index")
        let path = folder.path + "/central"
        let token: String
        let dated = String(decoding: TwoSites.consent(id: "c-a", mrn: "m1"), as: UTF8.self)
            .replacingOccurrences(of: "\"status\": \"active\",", with: "\"status\": \"active\", \"dateTime\": \"2026-03-01T00:00:00Z\",")
        do {
            let founder = try SiteLedger.foundNetwork(at: path, siteName: "central", networkName: "test", logger: Self.quiet)
            var tokens = APITokens()
            token = try tokens.create(name: "ehr-1")
            try tokens.save(to: founder.layout)
            // Written before the API runs, so the API holds it only once it loads patient m1.
            var consent = try SiteConsent(founder)
            #expect(try consent.importFHIR([(name: "c-a", bytes: Array(dated.utf8))]).entries.count == 1)
        }
        var indexedAnswers: [String] = []
        do {
            let ledger = try SiteAccess.openExclusive(at: path, wait: .seconds(5), logger: Self.quiet)
            #expect(try ledger.currentIndex() != nil)
            let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "central",
                              patientCapacity: patientCapacity)
            // First a new version of c-a: the API must supersede the version it has not loaded yet.
            let revoked = dated.replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"inactive\"")
            #expect(await Self.call(api, "PUT", "/fhir/Consent/c-a", body: Array(revoked.utf8), token: token).status == 201)
            let writes: [(String, String, [UInt8])] = [
                ("POST", "/fhir/Consent", TwoSites.consent(id: "c-b", mrn: "m1", actor: "Organization/other")),
                ("POST", "/fhir/Consent", TwoSites.consent(id: "c-c", mrn: "m2")),
                ("POST", "/fhir/Consent", TwoSites.consent(id: "shared", mrn: "m2")),
                ("POST", "/fhir/Consent", TwoSites.consent(id: "shared", mrn: "m3")),
                ("POST", "/cds-services/patient-consent-consult", SiteAPITests.Fixture.consult(mrn: "m1")),
                ("POST", "/cds-services/patient-consent-consult", SiteAPITests.Fixture.consult(mrn: "m2", actor: "Organization/other")),
                ("POST", "/cds-services/patient-consent-consult", SiteAPITests.Fixture.consult(mrn: "m4")),
            ]
            for (method, route, body) in writes {
                let response = await Self.call(api, method, route, body: body, token: token)
                #expect([200, 201].contains(response.status), "\(method) \(route): \(String(decoding: response.body, as: UTF8.self))")
            }
            let afterRevocation = await Self.call(api, "GET", "/fhir/Consent/c-a", token: token)
            #expect(SiteAPITests.header(afterRevocation, "X-CareLedger-Heads") == nil, "the revocation superseded the loaded version: one head")
            let deny = await Self.call(api, "POST", "/cds-services/patient-consent-consult", body: SiteAPITests.Fixture.consult(mrn: "m1"), token: token)
            #expect(SiteAPITests.member(deny.json, "cards", "0", "summary") != .string("CONSENT_PERMIT"))
            for read in Self.reads {
                indexedAnswers.append(String(decoding: await Self.call(api, "GET", read.path, query: read.query, token: token).body, as: UTF8.self))
            }
        }
        // A fresh API over the same folder, from a ledger opened without derived state: it reads the log.
        let ledger = try SiteLedger.open(at: path, logger: Self.quiet, lockTimeout: .seconds(5))
        let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "central")
        for (read, indexed) in zip(Self.reads, indexedAnswers) {
            let fromLog = String(decoding: await Self.call(api, "GET", read.path, query: read.query, token: token).body, as: UTF8.self)
            #expect(fromLog == indexed, "\(read.path) \(read.query)")
        }
        #expect(indexedAnswers[0].contains("\"inactive\""), "c-a's newest version is the revocation")
        #expect(indexedAnswers[14].contains("\"total\": 4") || indexedAnswers[14].contains("\"total\":4"), "\(indexedAnswers[14])")
        let everyConsent = try #require(Self.reads.firstIndex { $0.path == "/fhir/Consent" && $0.query.isEmpty })
        #expect(indexedAnswers[everyConsent].contains("\"total\": 5") || indexedAnswers[everyConsent].contains("\"total\":5"),
                "c-a, c-b, c-c and shared of two patients: \(indexedAnswers[everyConsent])")
    }
}
