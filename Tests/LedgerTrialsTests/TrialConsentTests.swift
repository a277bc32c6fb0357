import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerTrials
import Testing

@Suite("Consent bound to the trial protocol")
struct TrialConsentTests {
    static let jan: Int64 = 1_767_225_600_000  // 2026-01-01
    static let jun: Int64 = 1_780_272_000_000  // 2026-06-01

    /// A research consent of participant `mrn` given under protocol `version` of trial T1.
    static func consent(mrn: String, version: String, status: String = "active") -> [UInt8] {
        Array("""
        {"resourceType": "Consent", "id": "trial-T1", "status": "\(status)",
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
         "category": [{"coding": [{"system": "http://loinc.org", "code": "57016-8"}]}],
         "patient": {"identifier": {"system": "urn:test:mrn", "value": "\(mrn)"}},
         "policy": [{"uri": "urn:careledger:trial:T1:protocol:\(version)"}],
         "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
         "provision": {"type": "permit",
           "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
                      "reference": {"reference": "Organization/sponsor"}}],
           "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH"}]}}
        """.utf8)
    }

    func request(_ consent: SiteConsent, mrn: String, at: Int64) throws -> AccessRequest {
        AccessRequest(patient: try consent.pseudonym(of: "urn:test:mrn|\(mrn)"), actor: "Organization/sponsor", purpose: "HRESCH",
                      classes: ["Observation"], time: at)
    }

    @Test("Consent.policy's trial binding survives consent import, export and import again")
    func fhirRoundTrip() throws {
        let site = try OneSite()
        defer { site.folder.remove() }
        var consent = try SiteConsent(site.ledger)
        let (entries, _) = try consent.importFHIR([("c.json", Self.consent(mrn: "P1", version: "v1"))])
        let patient = try consent.pseudonym(of: "urn:test:mrn|P1")
        let version = try #require(consent.engine.versions(patient: patient).first)
        #expect(version.content.policies == ["urn:careledger:trial:T1:protocol:v1"])
        #expect(try ConsentVersionPayload.decode(try #require(entries.first).payload).policies == version.content.policies)
        let exported = consent.exportFHIR(patient: patient)
        #expect(String(decoding: exported, as: UTF8.self).contains("urn:careledger:trial:T1:protocol:v1"))
        let reread = try FHIRConsentImporter(pseudonymKey: try site.ledger.pseudonymKey()).read(exported, engine: consent.engine)
        #expect(reread.first?.content == version.content)
    }

    @Test("after v2 (re-consent) is in force, a v1 participant is denied with the re-consent reason and a v2 participant is permitted")
    func reconsentNeeded() throws {
        let site = try OneSite()
        defer { site.folder.remove() }
        var trials = try SiteTrials(site.ledger)
        _ = try trials.addProtocol(trial: "T1", version: "v1", document: Array("one".utf8), effective: Self.jan, approval: "IRB-1", reconsent: false)
        _ = try trials.addProtocol(trial: "T1", version: "v2", document: Array("two".utf8), effective: Self.jun, approval: "IRB-2", reconsent: true)
        var consent = try SiteConsent(site.ledger)
        _ = try consent.importFHIR([("a.json", Self.consent(mrn: "P1", version: "v1")), ("b.json", Self.consent(mrn: "P2", version: "v2"))])

        let before = try trials.check(try request(consent, mrn: "P1", at: Self.jun - 1), trial: "T1", consent: consent)
        #expect(before.decision.outcome == .permit)
        let after = try trials.check(try request(consent, mrn: "P1", at: Self.jun), trial: "T1", consent: consent, record: true)
        #expect(after.decision.outcome == .deny)
        #expect(after.decision.reason == "re-consent needed: consented under protocol v1, v2 (requires re-consent) in force since 2026-06-01")
        #expect(after.entry != nil, "the denial is recorded")
        #expect(try trials.check(try request(consent, mrn: "P2", at: Self.jun), trial: "T1", consent: consent).decision.outcome == .permit)
        #expect(try trials.check(try request(consent, mrn: "P2", at: Self.jun), trial: "T9", consent: consent).decision.reason == "no consent bound to trial T9")

        let report = try trials.consentReport(trial: "T1", at: Self.jun, engine: consent.engine)
        #expect(report.map(\.state) == [.current, .needsReconsent])
        #expect(report.allSatisfy { !$0.versionIds.isEmpty })
    }

    @Test("a withdrawn trial consent is reported as withdrawn and denied")
    func withdrawn() throws {
        let site = try OneSite()
        defer { site.folder.remove() }
        var trials = try SiteTrials(site.ledger)
        _ = try trials.addProtocol(trial: "T1", version: "v1", document: Array("one".utf8), effective: Self.jan, approval: nil, reconsent: false)
        var consent = try SiteConsent(site.ledger)
        _ = try consent.importFHIR([("a.json", Self.consent(mrn: "P1", version: "v1"))])
        _ = try consent.importFHIR([("b.json", Self.consent(mrn: "P1", version: "v1", status: "inactive"))])
        let report = try trials.consentReport(trial: "T1", at: Self.jun, engine: consent.engine)
        #expect(report.map(\.state) == [.withdrawn])
        #expect(try trials.check(try request(consent, mrn: "P1", at: Self.jun), trial: "T1", consent: consent).decision.outcome == .deny)
    }
}

@Suite("The consent.version payload with policies")
struct ConsentPoliciesPayloadTests {
    static let patient = PatientPseudonym(Hash32.sha256(Array("p".utf8)))
    static let scope = Concept(codings: [Coding(system: nil, code: "research", display: nil)], text: nil)

    @Test("a version with policies is written as format 2 with a sorted policies member; one without stays format 1")
    func formats() throws {
        let bound = ConsentVersionContent(key: ConsentKey(patient: Self.patient, consentId: "c1"), status: .active, scope: Self.scope,
                                          category: [], provision: nil, policies: ["urn:careledger:trial:T1:protocol:v2", "urn:careledger:trial:T0:protocol:v1"])
        let text = String(decoding: ConsentVersionPayload.encode(bound), as: UTF8.self)
        #expect(text.contains(#""format":2"#))
        #expect(text.hasSuffix(#""policies":["urn:careledger:trial:T0:protocol:v1","urn:careledger:trial:T1:protocol:v2"],"scope":{"codings":[{"code":"research"}]},"status":"active"}"#))
        #expect(try ConsentVersionPayload.decode(Array(text.utf8)) == bound)
        var plain = bound
        plain.policies = []
        #expect(String(decoding: ConsentVersionPayload.encode(plain), as: UTF8.self).contains(#""format":1"#))
        let forged = text.replacingOccurrences(of: #""format":2"#, with: #""format":1"#)
        #expect(throws: ConsentError.self) { try ConsentVersionPayload.decode(Array(forged.utf8)) }
    }

    @Test("a trial binding URI parses only in its one form")
    func bindingURI() {
        #expect(TrialProtocolBinding(uri: "urn:careledger:trial:T1:protocol:v2") == TrialProtocolBinding(trial: "T1", version: "v2"))
        #expect(TrialProtocolBinding(uri: "urn:careledger:trial:T1:v2") == nil)
        #expect(TrialProtocolBinding(uri: "https://example.org/policy") == nil)
        #expect(TrialProtocolBinding(uri: "urn:careledger:trial:T 1:protocol:v2") == nil)
    }
}
