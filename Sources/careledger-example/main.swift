// Two sites in a temporary folder: central registers a consent, a bundle carries it to the clinic, the clinic asks.
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

let root = FileManager.default.temporaryDirectory.path + "/careledger-example-\(UUID().uuidString.prefix(8))"
defer { try? FileManager.default.removeItem(atPath: root) }
let central = try SiteLedger.foundNetwork(at: root + "/central", siteName: "central", networkName: "example")
try central.writeGenesis(to: root + "/genesis.json")
let clinic = try SiteLedger.join(at: root + "/clinic", siteName: "clinic", role: .clinic, genesisPath: root + "/genesis.json")
_ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: "clinic", role: .clinic))

// A FHIR R4 Consent: the clinic may see this patient's data for treatment.
let fhir = """
    {"resourceType": "Consent", "id": "c1", "status": "active",
     "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
     "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
     "patient": {"identifier": {"system": "urn:example:mrn", "value": "mrn-42"}},
     "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
     "provision": {"type": "permit", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}],
       "actor": [{"reference": {"reference": "Organization/clinic"},
                  "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]}}]}}
    """
var atCentral = try SiteConsent(central)
_ = try atCentral.importFHIR([("consent.json", Array(fhir.utf8))])

// Export a bundle for the clinic (a file on a USB stick, say); the clinic imports it with every check.
let bundle = root + "/for-clinic.clbundle"
try BundleFiles.write(try central.writeBundle(to: [try central.member("clinic")]).bytes, to: bundle)
let imported = try BundleImporter.importFiles([bundle], into: clinic)
print("clinic imported \(imported.imported) entries, rejected \(imported.rejected.count) bundles")

// May the clinic see the patient's observations for treatment? The answer is recorded for audit.
let consent = try SiteConsent(clinic)
let request = AccessRequest(patient: try consent.pseudonym(of: "urn:example:mrn|mrn-42"), actor: "Organization/clinic",
                            purpose: "TREAT", classes: ["Observation"], time: Int64(Date().timeIntervalSince1970 * 1000))
let answer = try consent.check(request, record: true)
print("\(answer.decision.outcome.rawValue): \(answer.decision.reason); recorded as entry \(answer.entry?.id.hex ?? "-")")
