import Foundation
import LedgerConsent
import LedgerCore
import Testing

/// The models behind Tests/Vectors/consent-version-format3.json, by name.
private func format3Model(_ name: String) -> ConsentVersionContent? {
    let anchor = Hash32(hex: String(repeating: "ab", count: 32))
    switch name {
    case "original-only":
        return ConsentVersionContent(key: Fx.key, status: .active, scope: Fx.privacy, category: Fx.category, provision: nil, original: anchor)
    case "format3-everything":
        let deny = ConsentProvision(type: .deny, data: [
            ProvisionData(meaning: .instance, reference: "DocumentReference/d1"),
            ProvisionData(meaning: .related, reference: "Task/example3"),
        ])
        let root = ConsentProvision(
            type: .permit, actors: [ProvisionActor(role: Concept(codings: [], text: "grantor"), reference: PseudonymKey.actorToken(Fx.patient))],
            provisions: [deny])
        return ConsentVersionContent(
            key: Fx.key, status: .active, scope: Fx.privacy, category: Fx.category, provision: root,
            policies: ["urn:careledger:trial:T0:protocol:v1"],
            policyReferences: [PolicyReference(uri: "http://hl7.org/fhir/ConsentPolicy/opt-out"),
                               PolicyReference(authority: "https://www.canada.ca/en/health-canada.html")],
            original: anchor)
    default: return nil
    }
}

@Suite("Consent payload format 3")
struct PayloadFormat3Tests {
    @Test("format-3 vectors encode byte for byte and decode back")
    func valid() throws {
        let file = try VectorFile.load("consent-version-format3.json")
        #expect(file.valid.count == 2)
        for vector in file.valid {
            let model = try #require(format3Model(vector.name))
            let encoded = ConsentVersionPayload.encode(model)
            #expect(Hex.encode(encoded) == vector.payload_hex, "\(vector.name): \(String(decoding: encoded, as: UTF8.self))")
            #expect(try ConsentVersionPayload.decode(bytes(hex: vector.payload_hex)) == model)
        }
    }

    @Test("format-3 negative vectors are refused with their code and path")
    func invalid() throws {
        let file = try VectorFile.load("consent-version-format3.json")
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

    @Test("content without format-3 members keeps format 1 or 2, so older payloads stay byte-identical")
    func lowestFormat() {
        var content = ConsentVersionContent(key: Fx.key, status: .active, scope: Fx.privacy, category: Fx.category, provision: nil)
        #expect(ConsentVersionPayload.format(of: content) == 1)
        content.policies = ["urn:careledger:trial:T0:protocol:v1"]
        #expect(ConsentVersionPayload.format(of: content) == 2)
        content.provision = ConsentProvision(data: [ProvisionData(meaning: .instance, reference: "Observation/1")])
        #expect(ConsentVersionPayload.format(of: content) == 3)
    }

    @Test("a decision about a named record is recorded in access.decision format 2; one without stays format 1")
    func decisionRecordsTheRecord() throws {
        var request = Fx.request(purpose: "TREAT", classes: ["Observation"])
        let plain = AccessDecision(request: request, outcome: .deny, basis: [], reason: "r", emergency: false)
        #expect(String(decoding: AccessDecisionPayload.encode(plain), as: UTF8.self).contains(#""format":1"#))
        request.resource = "Observation/o1"
        request.referencedBy = ["Task/t1"]
        let named = AccessDecision(request: request, outcome: .deny, basis: [], reason: "r", emergency: false)
        let bytes = AccessDecisionPayload.encode(named)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""format":2"#) && text.contains(#""referenced_by":["Task/t1"]"#) && text.contains(#""resource":"Observation/o1""#))
        #expect(try AccessDecisionPayload.decode(bytes) == named)
        let downgraded = Array(text.replacingOccurrences(of: #""format":2"#, with: #""format":1"#).utf8)
        #expect(throws: ConsentError.self) { try AccessDecisionPayload.decode(downgraded) }
    }

    @Test("a record named in the request decides provision.data: instance by itself, related also through a referrer")
    func dataEvaluated() throws {
        let deny = ConsentProvision(type: .deny, data: [
            ProvisionData(meaning: .instance, reference: "DocumentReference/d1"),
            ProvisionData(meaning: .related, reference: "Task/t1"),
        ])
        let content = ConsentVersionContent(key: Fx.key, status: .active, scope: Fx.privacy, category: Fx.category,
                                            provision: ConsentProvision(type: .permit, provisions: [deny]))
        var engine = ConsentEngine()
        _ = try engine.ingest(entryId: Fx.id("v"), time: HybridTimestamp(wallMillis: 1, counter: 0), author: Fx.id("a"),
                              payload: ConsentVersionPayload.encode(content))
        func outcome(_ resource: String?, _ referencedBy: [String] = []) -> AccessOutcome {
            var request = Fx.request(purpose: "TREAT", classes: ["Observation"])
            request.resource = resource
            request.referencedBy = referencedBy
            return engine.check(request).outcome
        }
        #expect(outcome("DocumentReference/d1") == .deny)
        #expect(outcome("DocumentReference/d2") == .permit)
        #expect(outcome("Observation/o1", ["Task/t1"]) == .deny)
        #expect(outcome("Observation/o1", ["DocumentReference/d1"]) == .permit)  // instance does not reach referrers
        #expect(outcome("Task/t1") == .deny)
        #expect(outcome(nil) == .deny)  // an unnamed record: a deny on data is assumed to cover it
    }
}
