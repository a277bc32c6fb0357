import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerSync
import Testing

/// The API's Consent reads give what `consent export` gives (Specs/fhir-api.md §4.2,
/// Specs/consent.md §4.6): the original resource at the site that imported it, the ledger's
/// view naming the original's anchor everywhere else.
@Suite("The site's FHIR API: originals at the importing site")
struct SiteAPIOriginalsTests {
    static func member(_ json: JSONValue?, _ path: String...) -> JSONValue? { SiteAPITests.member(json, path: path) }

    /// The resource `consent export` gives for the patient's only version at `ledger`.
    static func exported(_ ledger: SiteLedger, mrn: String) throws -> JSONValue? {
        let consent = try SiteConsent(ledger)
        let bundle = try JSONParser.parse(consent.exportFHIR(patient: try consent.pseudonym(of: "urn:test:mrn|\(mrn)")))
        return member(bundle, "entry", "0", "resource")
    }

    @Test("the importing site's GET, version read, history and search give the original resource with the version's meta; a site that got it by ingest gives the ledger's view; both equal consent export")
    func readsGiveWhatExportGives() async throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        var tokens = APITokens()
        let token = try tokens.create(name: "ehr-1")
        try tokens.save(to: sites.central.layout)
        try tokens.save(to: sites.clinic.layout)
        func call(_ ledger: SiteLedger, _ method: String, _ path: String, query: [(name: String, value: String)] = [],
                  body: [UInt8] = []) async throws -> APIResponse {
            let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "site")
            return await api.respond(to: APIRequest(method: method, path: path, query: query, authorization: "Bearer \(token)", body: body))
        }
        let created = try await call(sites.central, "POST", "/fhir/Consent", body: TwoSites.consent(id: "c-1", mrn: "m1"))
        #expect(created.status == 201)
        guard case .string(let versionID)? = Self.member(created.json, "meta", "versionId") else { Issue.record("no versionId"); return }

        // At central, which imported it: the original, patient identifier and all, with the version's meta.
        let exportedAtCentral = try #require(try Self.exported(sites.central, mrn: "m1"))
        #expect(Self.member(exportedAtCentral, "patient", "identifier", "value") == .string("m1"))
        let reads: [(String, [(name: String, value: String)])] = [
            ("/fhir/Consent/c-1", []), ("/fhir/Consent/c-1/_history/\(versionID)", []),
        ]
        for (path, query) in reads {
            let response = try await call(sites.central, "GET", path, query: query)
            #expect(response.status == 200 && response.json == exportedAtCentral, "\(path)")
            #expect(Self.member(response.json, "meta", "versionId") == .string(versionID))
            #expect(Self.member(response.json, "meta", "lastUpdated") != nil)
        }
        #expect(created.json == exportedAtCentral, "the create answers with the stored resource as a read gives it")
        let history = try await call(sites.central, "GET", "/fhir/Consent/c-1/_history")
        #expect(Self.member(history.json, "entry", "0", "resource") == exportedAtCentral)
        for query in [[(name: "patient", value: "urn:test:mrn|m1")], [(name: "status", value: "active")]] {
            let search = try await call(sites.central, "GET", "/fhir/Consent", query: query)
            #expect(Self.member(search.json, "entry", "0", "resource") == exportedAtCentral, "\(query)")
        }

        // The clinic gets the version as a bundle carries it: the ledger's view, naming the anchor.
        var entries: [[UInt8]] = []
        try sites.central.forEachEntry { _, entry in entries.append(entry.encoded) }
        _ = try sites.clinic.ingest(entries)
        let exportedAtClinic = try #require(try Self.exported(sites.clinic, mrn: "m1"))
        #expect(exportedAtClinic != exportedAtCentral)
        #expect(Self.member(exportedAtClinic, "patient", "identifier", "system") == .string(PseudonymKey.pseudonymSystem))
        for (path, query) in reads {
            let response = try await call(sites.clinic, "GET", path, query: query)
            #expect(response.status == 200 && response.json == exportedAtClinic, "\(path)")
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.contains(FHIRConsentImporter.originalExtensionURL) && !text.contains("\"m1\""), "\(path): \(text)")
        }
    }
}
