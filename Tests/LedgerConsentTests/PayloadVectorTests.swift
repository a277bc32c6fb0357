import Foundation
import LedgerConsent
import LedgerCore
import Testing

/// The models behind the positive vectors in Tests/Vectors/consent-*.json, by name.
enum VectorModels {
    static func version(_ name: String) -> ConsentVersionContent? {
        switch name {
        case "minimal":
            return ConsentVersionContent(key: Fx.key, status: .active, scope: Fx.privacy, category: Fx.category, provision: nil)
        case "nested-deny":
            var provision = Fx.permitWithNestedDeny
            provision.period = ConsentPeriod(start: Fx.jan2026, end: Fx.jan2026 + 365 * Fx.day - 1)
            provision.actions = [Concept(codings: [], text: "access")]
            provision.codes = [Concept(system: "http://loinc.org", code: "8480-6")]
            provision.dataPeriod = ConsentPeriod(end: Fx.jan2026)
            return ConsentVersionContent(
                key: ConsentKey(patient: Fx.patient, consentId: "privacy-clinic-b"), status: .inactive, scope: Fx.privacy,
                category: [Concept(codings: [Coding(system: "http://loinc.org", code: "59284-0", display: "Zustimmung \"ärztlich\"\n\u{1}")])],
                dateTime: Fx.jan2026 - 1, policyRule: Concept(system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "OPTIN"),
                organizations: ["Organization/clinic-a"], provision: provision, supersedes: [Fx.id("v2"), Fx.id("v1")])
        default: return nil
        }
    }

    static func decision(_ name: String) -> AccessDecision? {
        switch name {
        case "emergency-permit":
            let request = Fx.request(purpose: "ETREAT", classes: ["Observation", "HIV"], dataTime: Fx.jan2026 - Fx.day, emergency: true)
            return AccessDecision(request: request, outcome: .permit, basis: [Fx.id("v1")],
                                  reason: "break-glass: emergency access for treatment overrides: denied by the consent's provision", emergency: true)
        case "no-consent":
            return AccessDecision(request: Fx.request(), outcome: .deny, basis: [], reason: "no consent on record", emergency: false)
        case "api-client":
            var request = Fx.request()
            request.client = "ehr-1"
            return AccessDecision(request: request, outcome: .deny, basis: [], reason: "no consent on record", emergency: false)
        default: return nil
        }
    }
}

/// A vector file: positive payloads (exact bytes) and negative ones (expected code and path).
struct VectorFile: Decodable {
    struct Valid: Decodable { let name: String; let payload_hex: String }
    struct Invalid: Decodable { let name: String; let payload: String; let code: String; let path: String? }
    let valid: [Valid]
    let invalid: [Invalid]

    static func load(_ name: String) throws -> VectorFile {
        let url = FHIRFx.repoRoot.appendingPathComponent("Tests/Vectors/\(name)")
        return try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url))
    }
}

func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
}

@Suite("Canonical payload vectors")
struct PayloadVectorTests {
    @Test("consent.version vectors encode byte for byte and decode back")
    func consentVersionValid() throws {
        let file = try VectorFile.load("consent-version.json")
        #expect(file.valid.count >= 2)
        for vector in file.valid {
            let model = try #require(VectorModels.version(vector.name))
            let encoded = ConsentVersionPayload.encode(model)
            #expect(Hex.encode(encoded) == vector.payload_hex, "\(vector.name): \(String(decoding: encoded, as: UTF8.self))")
            #expect(try ConsentVersionPayload.decode(bytes(hex: vector.payload_hex)) == model)
        }
    }

    @Test("consent.version negative vectors are refused with their code and path")
    func consentVersionInvalid() throws {
        let file = try VectorFile.load("consent-version.json")
        #expect(file.invalid.count >= 8)
        for vector in file.invalid {
            do {
                _ = try ConsentVersionPayload.decode(Array(vector.payload.utf8))
                Issue.record("\(vector.name) accepted")
            } catch {
                #expect(error.code.rawValue == vector.code, "\(vector.name): \(error)")
                #expect(error.path == vector.path, "\(vector.name): \(error)")
            }
        }
    }

    @Test("access.decision vectors encode byte for byte, decode back, and negatives are refused")
    func accessDecision() throws {
        let file = try VectorFile.load("consent-access-decision.json")
        for vector in file.valid {
            let model = try #require(VectorModels.decision(vector.name))
            let encoded = AccessDecisionPayload.encode(model)
            #expect(Hex.encode(encoded) == vector.payload_hex, "\(vector.name): \(String(decoding: encoded, as: UTF8.self))")
            #expect(try AccessDecisionPayload.decode(bytes(hex: vector.payload_hex)) == model)
        }
        for vector in file.invalid {
            do {
                _ = try AccessDecisionPayload.decode(Array(vector.payload.utf8))
                Issue.record("\(vector.name) accepted")
            } catch {
                #expect(error.code.rawValue == vector.code, "\(vector.name): \(error)")
                #expect(error.path == vector.path, "\(vector.name): \(error)")
            }
        }
    }

    @Test("every strict prefix of a payload is refused, fed one byte longer each time")
    func prefixes() throws {
        let file = try VectorFile.load("consent-version.json")
        for vector in file.valid {
            let full = bytes(hex: vector.payload_hex)
            for end in 0..<full.count {
                #expect(throws: ConsentError.self) { try ConsentVersionPayload.decode(Array(full[..<end])) }
            }
        }
    }

    @Test("payloads of engine-generated versions round-trip through the strict decoder")
    func simulatedRoundTrip() throws {
        var sim = ConvergenceSimulation(seed: 99)
        sim.run(steps: 60)
        #expect(!sim.all.isEmpty)
        for v in sim.all {
            #expect(try ConsentVersionPayload.decode(ConsentVersionPayload.encode(v.content)) == v.content)
        }
    }
}
