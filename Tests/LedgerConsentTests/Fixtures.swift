import LedgerConsent
import LedgerCore

/// Small builders shared by the consent tests.
enum Fx {
    /// A stable 32-byte id derived from a label (FNV-1a, four lanes); distinct labels, distinct ids.
    static func id(_ label: String) -> Hash32 {
        func lane(_ salt: UInt64) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
            for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            return h
        }
        return Hash32(w0: lane(1), w1: lane(2), w2: lane(3), w3: lane(4))
    }

    static let patient = PatientPseudonym(id("patient-1"))
    static let otherPatient = PatientPseudonym(id("patient-2"))
    static let key = ConsentKey(patient: patient, consentId: "c1")
    static let author = id("site-a")

    static let day: Int64 = 86_400_000
    /// 2026-01-01T00:00:00Z.
    static let jan2026: Int64 = 1_767_225_600_000

    static let privacy = Concept(system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy")
    static let research = Concept(system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "research")
    static let category = [Concept(system: "http://loinc.org", code: "59284-0")]
    static let role = Concept(system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "PRCP")

    static func purpose(_ code: String) -> Coding { Coding(system: PurposeOfUse.system, code: code) }
    static func actor(_ ref: String) -> ProvisionActor { ProvisionActor(role: role, reference: ref) }
    static func resource(_ type: String) -> Coding { Coding(system: "http://hl7.org/fhir/resource-types", code: type) }
    static func label(_ code: String) -> Coding { Coding(system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: code) }

    /// Permit clinic-b to use Observations for treatment, with a nested deny for HIV-labelled data.
    static let permitWithNestedDeny = ConsentProvision(
        type: .permit, actors: [actor("Organization/clinic-b")], purposes: [purpose("TREAT")],
        classes: [resource("Observation")],
        provisions: [ConsentProvision(type: .deny, securityLabels: [label("HIV")])])

    static let permitAll = ConsentProvision(type: .permit)
    static let denyAll = ConsentProvision(type: .deny)

    static func content(
        _ key: ConsentKey = key, status: ConsentStatus = .active, scope: Concept = privacy,
        provision: ConsentProvision? = permitAll, supersedes: [String] = []
    ) -> ConsentVersionContent {
        ConsentVersionContent(
            key: key, status: status, scope: scope, category: category, provision: provision,
            supersedes: supersedes.map(id))
    }

    static func version(
        _ label: String, _ content: ConsentVersionContent, at wall: UInt64 = 1000, counter: UInt32 = 0
    ) -> RecordedConsentVersion {
        RecordedConsentVersion(id: id(label), time: HybridTimestamp(wallMillis: wall, counter: counter), author: author, content: content)
    }

    static func request(
        actor: String = "Organization/clinic-b", purpose: String = "TREAT", classes: [String] = ["Observation"],
        at: Int64 = jan2026, patient: PatientPseudonym = patient, dataTime: Int64? = nil, emergency: Bool = false
    ) -> AccessRequest {
        AccessRequest(patient: patient, actor: actor, purpose: purpose, classes: classes, time: at, dataTime: dataTime, emergency: emergency)
    }
}
