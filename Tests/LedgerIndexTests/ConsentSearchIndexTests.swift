import Foundation
import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSite
import TestSupport
import Testing

/// The Consent search across patients through the derived state (Specs/fhir-api.md §4.2,
/// Specs/site-layout.md §9.2 schema 6): the index's current versions equal the consent
/// engine's newest heads, and no search parameter makes SQLite scan a whole table.
@Suite("The index's Consent search tables")
struct ConsentSearchIndexTests {
    /// The engine's newest head of every consent held, as (key, version id), in key order.
    static func engineCurrent(_ ledger: SiteLedger, _ keep: (ConsentVersionContent) -> Bool) throws -> [Hash32] {
        let engine = try ledger.loadConsent().engine
        return engine.patientPseudonyms.flatMap { patient in
            engine.heads(patient: patient).sorted { $0.key < $1.key }.compactMap { _, versions in versions.max { $1.isLater(than: $0) } }
        }.filter { keep($0.content) }.map(\.id)
    }

    @Test("the current version the index keeps for each consent is the engine's newest head, through concurrent heads, for every filter",
          arguments: [3, 17, 29] as [UInt64])
    func currentVersionsEqualTheEngine(seed: UInt64) throws {
        let network = try IndexedNetwork()
        var generator = SeededGenerator(seed: seed)
        try network.randomTraffic(steps: 60, generator: &generator)
        let ledger = try network.openCentral()
        let index = try #require(try ledger.currentIndex())
        func actors(_ content: ConsentVersionContent) -> Set<String> {
            var found = Set<String>()
            func walk(_ p: ConsentProvision) { found.formUnion(p.actors.map(\.reference)); p.provisions.forEach(walk) }
            content.provision.map(walk)
            return found
        }
        let cases: [(SiteIndex.ConsentSearchFilter, (ConsentVersionContent) -> Bool)] = [
            (.init(), { _ in true }),
            (.init(status: "active"), { $0.status == .active }),
            (.init(status: "inactive"), { $0.status == .inactive }),
            (.init(actor: "Organization/other"), { actors($0).contains("Organization/other") }),
            (.init(actor: "Organization/clinic"), { actors($0).contains("Organization/clinic") }),
            (.init(purposeCode: "TREAT"), { _ in true }),
            (.init(purposeCode: "TREAT", purposeSystem: .some(nil)), { _ in false }),
        ]
        for (filter, keep) in cases {
            let expected = try Self.engineCurrent(ledger, keep)
            let found = try index.consentSearch(filter, offset: 0, limit: 1000)
            let ids = try found.ordinals.map { try ledger.entry(at: $0).id }
            #expect(ids == expected, "seed \(seed), \(filter)")
            #expect(found.total == expected.count, "seed \(seed), \(filter)")
            // Pages of 3 put together give the whole answer, in the same order.
            var paged: [Int] = []
            for offset in stride(from: 0, to: max(found.total, 1), by: 3) {
                paged += try index.consentSearch(filter, offset: offset, limit: 3).ordinals
            }
            #expect(paged == found.ordinals, "seed \(seed), \(filter)")
        }
        #expect(try Self.engineCurrent(ledger) { _ in true }.count > 2, "seed \(seed): the traffic wrote consents")
    }

    @Test("no search parameter, alone or combined, makes SQLite scan a table: each is answered through an index")
    func searchesUseIndexes() throws {
        let network = try IndexedNetwork()
        var generator = SeededGenerator(seed: 5)
        try network.randomTraffic(steps: 20, generator: &generator)
        let ledger = try network.openCentral()
        let index = try #require(try ledger.currentIndex())
        let patient = try ledger.pseudonymKey().resolve(patient: "urn:test:mrn|mrn-1")
        let filters: [SiteIndex.ConsentSearchFilter] = [
            .init(patient: patient), .init(status: "active"), .init(earliest: 1_700_000_000_000), .init(latest: 1_800_000_000_000),
            .init(earliest: 1_700_000_000_000, latest: 1_800_000_000_000), .init(actor: "Organization/clinic"),
            .init(purposeCode: "TREAT"), .init(purposeCode: "TREAT", purposeSystem: "urn:x"), .init(purposeCode: "TREAT", purposeSystem: .some(nil)),
            .init(status: "active", actor: "Organization/clinic"), .init(status: "active", earliest: 1_700_000_000_000, purposeCode: "TREAT"),
            .init(earliest: 1_700_000_000_000, actor: "Organization/clinic"),
        ]
        for filter in filters {
            let plan = try index.consentSearchPlan(filter)
            #expect(!plan.isEmpty)
            #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(filter): \(plan)")
        }
        // An actor drives the search (few rows) even beside a status most consents have.
        #expect(try index.consentSearchPlan(.init(status: "active", actor: "Organization/clinic")).first?.contains("consent_current_ordinal") == true)
        // A date search's page and count read only the date index (covering).
        #expect(try index.consentSearchPlan(.init(earliest: 1_700_000_000_000)).contains { $0.contains("COVERING INDEX consent_current_date") })
        // Every consent, with no filter at all, is read in key order through the primary key (one pass, no sort).
        #expect(try index.consentSearchPlan(.init()).allSatisfy { !$0.contains("TEMP B-TREE") })
    }
}
