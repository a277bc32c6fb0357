import CanonicalJSON
import Foundation
import LedgerCore
import LedgerIndex
import LedgerSite
import Logging
import TestSupport
import Testing

/// A consent version voided by an upheld dispute (Specs/consent.md §5.5) is never a consent's
/// current version in a Consent search without `patient` (answered from the index's search
/// tables, Specs/fhir-api.md §4.2): the search agrees with `GET /fhir/Consent/{id}` and with a
/// search by patient, before and after the index is rebuilt.
@Suite("The Consent search leaves out versions an upheld dispute voided")
struct SiteAPIVoidedSearchTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Searches without `patient` (each parameter, combinations, pages) and the reads they must agree with.
    static let reads: [(path: String, query: [(name: String, value: String)])] = [
        ("/fhir/Consent", []), ("/fhir/Consent", [("status", "active")]), ("/fhir/Consent", [("status", "inactive")]),
        ("/fhir/Consent", [("actor", "Organization/clinic")]), ("/fhir/Consent", [("actor", "Organization/other")]),
        ("/fhir/Consent", [("actor", "Organization/clinic"), ("status", "active")]),
        ("/fhir/Consent", [("purpose", "TREAT")]), ("/fhir/Consent", [("purpose", "HRESCH")]),
        ("/fhir/Consent", [("date", "ge2026-01")]), ("/fhir/Consent", [("_count", "1"), ("_offset", "1")]),
        ("/fhir/Consent", [("patient", "urn:test:mrn|m1")]), ("/fhir/Consent", [("patient", "urn:test:mrn|m2")]),
        ("/fhir/Consent/c-v", []), ("/fhir/Consent/c-only", []), ("/fhir/Consent/c-keep", []),
    ]

    static func call(_ api: SiteAPI, _ path: String, query: [(name: String, value: String)] = [], method: String = "GET",
                     body: [UInt8] = [], token: String) async -> APIResponse {
        await api.respond(to: APIRequest(method: method, path: path, query: query, authorization: "Bearer \(token)", body: body))
    }

    /// A consent of `mrn` with a `dateTime`, so `date` searches see it.
    static func consent(id: String, mrn: String, status: String = "active", actor: String = "Organization/clinic",
                        purpose: String = "TREAT") -> [UInt8] {
        let text = String(decoding: TwoSites.consent(id: id, mrn: mrn, actor: actor, purpose: purpose), as: UTF8.self)
            .replacingOccurrences(of: "\"status\": \"active\",", with: "\"status\": \"\(status)\", \"dateTime\": \"2026-03-01T00:00:00Z\",")
        return Array(text.utf8)
    }

    static func versionID(_ response: APIResponse) -> String? {
        if case .string(let id)? = SiteAPITests.member(response.json, "meta", "versionId") { return id }
        return nil
    }

    /// The `total` of a search Bundle and the version id of each entry, in order.
    static func found(_ response: APIResponse) -> (total: Int?, versions: [String]) {
        var versions: [String] = []
        while case .string(let id)? = SiteAPITests.member(response.json, path: ["entry", String(versions.count), "resource", "meta", "versionId"]) {
            versions.append(id)
        }
        guard case .number(let total)? = SiteAPITests.member(response.json, "total") else { return (nil, versions) }
        return (Int(total.description), versions)
    }

    /// Every read of ``reads`` through `api`, as text.
    static func answers(_ api: SiteAPI, token: String) async -> [String] {
        var out: [String] = []
        for read in reads { out.append(String(decoding: await call(api, read.path, query: read.query, token: token).body, as: UTF8.self)) }
        return out
    }

    @Test("after a dispute voids a consent's newer version, the search without patient shows the older one as current, exactly as GET by id and the patient search do, and again after the index is rebuilt")
    func voidedVersionLeavesTheSearch() async throws {
        let folder = try TemporaryDirectory(prefix: "careledger-api-voided")
        let path = folder.path + "/central"
        let token: String
        do {
            // The founder is governance with quorum 1: it opens and upholds disputes itself.
            let founder = try SiteLedger.foundNetwork(at: path, siteName: "central", networkName: "test", logger: Self.quiet)
            var tokens = APITokens()
            token = try tokens.create(name: "ehr-1")
            try tokens.save(to: founder.layout)
        }
        let older: String, newer: String, only: String
        var indexed: [String] = []
        do {
            let ledger = try SiteAccess.openExclusive(at: path, wait: .seconds(5), logger: Self.quiet)
            #expect(try ledger.currentIndex() != nil)
            let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "central")
            older = try #require(Self.versionID(await Self.call(api, "/fhir/Consent", method: "POST", body: Self.consent(id: "c-v", mrn: "m1"), token: token)))
            // The newer version of c-v withdraws it, for another actor and purpose.
            let revised = Self.consent(id: "c-v", mrn: "m1", status: "inactive", actor: "Organization/other", purpose: "HRESCH")
            newer = try #require(Self.versionID(await Self.call(api, "/fhir/Consent/c-v", method: "PUT", body: revised, token: token)))
            only = try #require(Self.versionID(await Self.call(api, "/fhir/Consent", method: "POST", body: Self.consent(id: "c-only", mrn: "m2"), token: token)))
            #expect(Self.versionID(await Self.call(api, "/fhir/Consent", method: "POST", body: Self.consent(id: "c-keep", mrn: "m3"), token: token)) != nil)
            #expect(Self.found(await Self.call(api, "/fhir/Consent", query: [("status", "inactive")], token: token)).versions == [newer])

            _ = try await api.service.withLedger { ledger, _ in
                for version in [newer, only] {
                    let dispute = try ledger.openDispute(about: try #require(Hash32(hex: version)), reason: "signed for another patient")
                    _ = try ledger.resolveDispute(dispute.id, outcome: .upheld, note: "patient confirmed")
                }
            }
            let byID = await Self.call(api, "/fhir/Consent/c-v", token: token)
            #expect(Self.versionID(byID) == older, "GET by id falls back to the version in force before the void one")
            #expect(await Self.call(api, "/fhir/Consent/c-only", token: token).status == 404)
            let every = await Self.call(api, "/fhir/Consent", token: token)
            #expect(Self.found(every).total == 2, "c-only's only version is void: the consent drops out")
            let entries = (0..<2).compactMap { SiteAPITests.member(every.json, "entry", String($0), "resource") }
            #expect(entries.filter { SiteAPITests.member($0, "id") == .string("c-v") } == [try #require(byID.json)],
                    "the search's c-v is GET by id's")
            #expect(Self.found(await Self.call(api, "/fhir/Consent", query: [("status", "inactive")], token: token)).total == 0)
            #expect(Self.found(await Self.call(api, "/fhir/Consent", query: [("status", "active")], token: token)).versions.contains(older))
            #expect(Self.found(await Self.call(api, "/fhir/Consent", query: [("actor", "Organization/other")], token: token)).total == 0)
            #expect(Self.found(await Self.call(api, "/fhir/Consent", query: [("purpose", "HRESCH")], token: token)).total == 0)
            #expect(Self.found(await Self.call(api, "/fhir/Consent", query: [("purpose", "TREAT"), ("actor", "Organization/clinic")], token: token)).versions.contains(older))
            indexed = await Self.answers(api, token: token)
            let faults = try await api.service.withLedger { ledger, _ in ledger.verifyDerivedState().map(\.what) }
            #expect(faults.isEmpty, "the index kept by commits equals one rebuilt from the log: \(faults)")
        }
        // The API over the log alone (no derived state) gives the same answers.
        do {
            let ledger = try SiteLedger.open(at: path, logger: Self.quiet, lockTimeout: .seconds(5))
            let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "central")
            let fromLog = await Self.answers(api, token: token)
            for (index, read) in Self.reads.enumerated() { #expect(fromLog[index] == indexed[index], "\(read.path) \(read.query)") }
        }
        // Rebuilt by `reindex`, and from nothing at open (a deleted database, as a schema change does).
        for rebuild in ["reindex", "open"] {
            if rebuild == "open" { SiteIndex.removeFiles(at: SiteLayout(root: path).index) }
            let ledger = try SiteAccess.openExclusive(at: path, wait: .seconds(5), logger: Self.quiet)
            if rebuild == "reindex" { try ledger.rebuildDerivedStateIndex() }
            let api = SiteAPI(service: try LedgerSyncService(ledger: ledger), layout: ledger.layout, siteName: "central")
            let again = await Self.answers(api, token: token)
            for (index, read) in Self.reads.enumerated() { #expect(again[index] == indexed[index], "\(rebuild): \(read.path) \(read.query)") }
        }
    }
}
