import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import Testing

@Suite("Consent through the library")
struct SiteConsentTests {
    @Test("a break-glass check writes its emergency audit entry even when recording was not asked for")
    func breakGlassIsAlwaysRecorded() throws {
        let sites = try TwoSites()
        let consent = try SiteConsent(sites.central)
        let before = sites.central.entryCount
        let checked = try consent.check(try TwoSites.request(consent, mrn: "mrn-1", purpose: "ETREAT", emergency: true), record: false)
        #expect(checked.decision.outcome == .permit)
        #expect(checked.decision.emergency)
        let entry = try #require(checked.entry)
        #expect(entry.kind == AccessDecisionPayload.kind)
        #expect(sites.central.entryCount == before + 1)
        let recorded = try TwoSites.decisions(sites.central)
        #expect(recorded.count == 1)
        #expect(recorded.first?.emergency == true)
        #expect(recorded.first?.outcome == .permit)
    }

    @Test("the consent engine alone, which writes nothing, never grants break-glass")
    func engineAloneCannotBreakGlass() throws {
        let sites = try TwoSites()
        let consent = try SiteConsent(sites.central)
        let request = try TwoSites.request(consent, mrn: "mrn-1", purpose: "ETREAT", emergency: true)
        let decision = consent.engine.check(request)
        #expect(decision.outcome == .deny)
        #expect(!decision.emergency)
        #expect(try TwoSites.decisions(sites.central).isEmpty)
    }

    @Test("a plain check writes nothing unless recording is asked for, and one entry when it is")
    func plainChecksAreRecordedOnRequest() throws {
        let sites = try TwoSites()
        let consent = try SiteConsent(sites.central)
        let before = sites.central.entryCount
        let quiet = try consent.check(try TwoSites.request(consent, mrn: "mrn-1"))
        #expect(quiet.entry == nil)
        #expect(quiet.decision.outcome == .deny)
        #expect(sites.central.entryCount == before)
        let recorded = try consent.check(try TwoSites.request(consent, mrn: "mrn-1"), record: true)
        #expect(recorded.entry != nil)
        #expect(sites.central.entryCount == before + 1)
    }

    @Test("imported FHIR consents decide checks: permitted for the purpose, denied for the excepted label")
    func importedConsentsDecide() throws {
        let sites = try TwoSites()
        var consent = try SiteConsent(sites.central)
        let imported = try consent.importFHIR([("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))])
        #expect(imported.entries.count == 1)
        #expect(imported.entries.first?.kind == ConsentVersionPayload.kind)
        let permit = try consent.check(try TwoSites.request(consent, mrn: "mrn-1"))
        #expect(permit.decision.outcome == .permit)
        #expect(permit.decision.basis == imported.entries.map(\.id))
        let hiv = try consent.check(try TwoSites.request(consent, mrn: "mrn-1", classes: ["Observation", "HIV"]))
        #expect(hiv.decision.outcome == .deny)
        // A new value reads the same versions back from the ledger.
        #expect(try SiteConsent(sites.central).check(try TwoSites.request(consent, mrn: "mrn-1")).decision.outcome == .permit)
    }

    @Test("one consent carried by two files is refused, naming the file, and nothing is written")
    func duplicateAcrossFilesIsRefused() throws {
        let sites = try TwoSites()
        var consent = try SiteConsent(sites.central)
        let before = sites.central.entryCount
        let documents = [("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1")), ("b.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))]
        let error = try #require(throws: SiteError.self) { try consent.importFHIR(documents) }
        #expect(error.code == .invalidRequest)
        #expect(error.message.hasPrefix("b.json: "))
        #expect(error.message.hasSuffix("; nothing was imported"))
        #expect(sites.central.entryCount == before)
    }

    @Test("an unreadable consent file is named and nothing is imported, even after a good one")
    func unreadableFileImportsNothing() throws {
        let sites = try TwoSites()
        let good = sites.folder.path + "/good.json"
        try Data(TwoSites.consent(id: "c1", mrn: "mrn-1")).write(to: URL(fileURLWithPath: good))
        var consent = try SiteConsent(sites.central)
        let before = sites.central.entryCount
        let missing = sites.folder.path + "/missing.json"
        let error = try #require(throws: SiteError.self) { try consent.importFHIR(files: [good, missing]) }
        #expect(error.code == .unreadableInput)
        #expect(error.message == "cannot read \(missing): no such file or not readable; nothing was imported")
        #expect(sites.central.entryCount == before)
    }

    @Test("the network's conflict rule reaches the engine from the charter")
    func policyComesFromTheCharter() throws {
        let sites = try TwoSites()
        #expect(sites.central.consentPolicy.rule == sites.central.charter.genesis.conflictRule)
        #expect(sites.central.consentPolicy.defaultAccess == .optIn)
    }
}
