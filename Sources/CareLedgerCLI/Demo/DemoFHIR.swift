import Foundation
import LedgerCore
import LedgerSite

/// The demo's embedded clinical inputs: FHIR R4 Consent resources (the shape of
/// `Samples/fhir/*.json`) and synthetic records whose hashes the clinics anchor.
///
/// Everything is made up: identifiers are `demo-mrn-*` values that only ever reach the
/// ledger as keyed pseudonyms, and the records never leave the process (only their SHA-256).
enum DemoFHIR {
    /// The identifier system of the demo's patient numbers.
    static let mrnSystem = "urn:oid:2.16.840.1.113883.2.4.6.3"
    /// The patient whose consent two clinics edit while offline.
    static let conflictedPatient = "demo-mrn-0001"
    /// The logical id of that consent.
    static let conflictedConsentID = "privacy-demo-0001"

    /// The patient's FHIR token, as `check --patient` takes it.
    static func token(_ mrn: String) -> String { "\(mrnSystem)|\(mrn)" }

    /// The baseline consent registered at central before the clinics go offline: clinic-b
    /// may read observations for treatment, except HIV-related data.
    static let baseline = consent(
        id: conflictedConsentID, mrn: conflictedPatient, status: "active",
        actors: ["Organization/clinic-b"], purposes: ["TREAT"])

    /// Clinic A's offline edit: the patient withdraws the consent (status inactive).
    static let revocation = consentResource(id: conflictedConsentID, mrn: conflictedPatient, status: "inactive", provision: nil)

    /// Clinic B's concurrent offline edit: the consent widened to research and a study team.
    static let widening = consent(
        id: conflictedConsentID, mrn: conflictedPatient, status: "active",
        actors: ["Organization/clinic-a", "Organization/clinic-b", "Organization/malaria-study"],
        purposes: ["TREAT", "HRESCH"])

    /// A Bundle (type collection) of ordinary consents a clinic registers while offline.
    static func clinicBundle(prefix: String, count: Int, actor: String) -> String {
        let entries = (1...max(1, count)).map { n in
            let mrn = String(format: "demo-mrn-%@%02d", prefix, n)
            return "{ \"resource\": \(consent(id: "privacy-\(mrn)", mrn: mrn, status: "active", actors: [actor], purposes: ["TREAT"])) }"
        }
        return "{ \"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [\(entries.joined(separator: ",\n"))] }"
    }

    /// A permit consent with a nested deny for HIV-labelled data (FHIR: the nested
    /// provision is an exception to its parent).
    static func consent(id: String, mrn: String, status: String, actors: [String], purposes: [String]) -> String {
        let actorList = actors.map {
            "{ \"role\": { \"coding\": [{ \"system\": \"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\", \"code\": \"PRCP\" }] }, \"reference\": { \"reference\": \"\($0)\" } }"
        }.joined(separator: ", ")
        let purposeList = purposes.map {
            "{ \"system\": \"http://terminology.hl7.org/CodeSystem/v3-ActReason\", \"code\": \"\($0)\" }"
        }.joined(separator: ", ")
        return consentResource(id: id, mrn: mrn, status: status, provision: """
            {
                "type": "permit",
                "actor": [\(actorList)],
                "purpose": [\(purposeList)],
                "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "Observation" }],
                "provision": [{ "type": "deny", "securityLabel": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV" }] }]
              }
            """)
    }

    /// A Consent resource for the demo's patient-privacy scope, with `provision` (a JSON
    /// object) when given.
    private static func consentResource(id: String, mrn: String, status: String, provision: String?) -> String {
        """
        {
          "resourceType": "Consent",
          "id": "\(id)",
          "status": "\(status)",
          "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
          "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
          "patient": { "identifier": { "system": "\(mrnSystem)", "value": "\(mrn)" } },
          "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] }\(provision.map { ",\n  \"provision\": \($0)" } ?? "")
        }
        """
    }

    /// A synthetic FHIR Observation a clinic's EHR holds; only its hash reaches the ledger.
    static func observation(site: String, number: Int) -> (id: String, bytes: [UInt8]) {
        let id = "\(site)-obs-\(number)"
        let json = "{\"resourceType\":\"Observation\",\"id\":\"\(id)\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"32700-7\",\"display\":\"Malaria smear\"}]},\"valueString\":\"negative\",\"subject\":{\"identifier\":{\"system\":\"\(mrnSystem)\",\"value\":\"demo-mrn-\(number % 40)\"}}}"
        return (id, Array(json.utf8))
    }

    /// An `anchor` payload for a record: its SHA-256 and reference, never the record.
    static func anchorPayload(site: String, number: Int) throws -> [UInt8] {
        let record = observation(site: site, number: number)
        let payload = AnchorPayload(record: record.bytes, system: "urn:demo:\(site):ehr", type: "Observation", id: record.id,
                                    version: "1")
        return try CanonicalJSON.encode(payload)
    }
}
