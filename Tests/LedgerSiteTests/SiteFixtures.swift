import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import Logging
import TestSupport

/// Two sites of one network in a temporary folder: `central` (founder) and an admitted `clinic`.
struct TwoSites {
    let folder: TemporaryDirectory
    let central: SiteLedger
    let clinic: SiteLedger

    /// - Parameter witnesses: the genesis's witnesses default (Specs/charter.md §2).
    init(witnesses: Int = 0) throws {
        folder = try TemporaryDirectory(prefix: "careledger-site-test")
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        central = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "test",
                                              witnesses: witnesses, logger: quiet)
        try central.writeGenesis(to: folder.path + "/genesis.json")
        clinic = try SiteLedger.join(at: folder.path + "/clinic", siteName: "clinic", role: .clinic,
                                     genesisPath: folder.path + "/genesis.json", logger: quiet)
        _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: "clinic", role: .clinic))
    }

    /// A FHIR R4 Consent: `actor` may read `purpose` data of patient `mrn`, except HIV-labelled data.
    static func consent(id: String, mrn: String, actor: String = "Organization/clinic", purpose: String = "TREAT") -> [UInt8] {
        Array("""
        {"resourceType": "Consent", "id": "\(id)", "status": "active",
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
         "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
         "patient": {"identifier": {"system": "urn:test:mrn", "value": "\(mrn)"}},
         "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
         "provision": {"type": "permit",
           "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
                      "reference": {"reference": "\(actor)"}}],
           "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "\(purpose)"}],
           "provision": [{"type": "deny", "securityLabel": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV"}]}]}}
        """.utf8)
    }

    /// A request by `actor` for `purpose` about patient `mrn`, now.
    static func request(_ consent: SiteConsent, mrn: String, actor: String = "Organization/clinic", purpose: String = "TREAT",
                        classes: [String] = ["Observation"], emergency: Bool = false) throws -> AccessRequest {
        AccessRequest(patient: try consent.pseudonym(of: "urn:test:mrn|\(mrn)"), actor: actor, purpose: purpose, classes: classes,
                      time: Int64(Date().timeIntervalSince1970 * 1000), emergency: emergency)
    }

    /// The `access.decision` entries of `ledger`, decoded.
    static func decisions(_ ledger: SiteLedger) throws -> [AccessDecision] {
        var out: [AccessDecision] = []
        try ledger.forEachEntry { _, entry in
            if entry.kind == AccessDecisionPayload.kind { out.append(try AccessDecisionPayload.decode(entry.payload)) }
        }
        return out
    }
}

/// The mirror tests' common start (`MirrorSyncTests`, `MirrorTileFetchTests`): ``TwoSites``,
/// `entries` anchors appended at central (payloads `{"<tag>":i}`), its log published into
/// `<folder>/pub`.
struct PublishedCentral {
    let sites: TwoSites
    /// The published folder.
    let out: String
    /// What the publish reported.
    let published: StaticLogPublication

    init(entries: Int, tag: String = "n") throws {
        sites = try TwoSites()
        out = sites.folder.path + "/pub"
        do {
            _ = try sites.central.append(kind: "anchor", payloads: (0..<entries).map { Array("{\"\(tag)\":\($0)}".utf8) })
            published = try StaticLogPublisher.publish(sites.central, to: out)
        } catch {
            sites.folder.remove()
            throw error
        }
    }
}
