import LedgerConsent
import LedgerCore
import Testing
import TestSupport

/// A Consent as JSON text with each part replaceable, for building malformed inputs.
private func consent(
    id: String = #""c1""#, status: String = #""active""#,
    scope: String = #"{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]}"#,
    category: String = #"[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}]"#,
    patient: String = #"{"identifier":{"system":"urn:oid:1.2.3","value":"sample-mrn-9"}}"#,
    provision: String = #"{"type":"permit","period":{"start":"2026-01-01"},"actor":[{"role":{"coding":[{"code":"PRCP"}]},"reference":{"reference":"Organization/clinic-b"}}],"purpose":[{"code":"TREAT"}],"provision":[{"type":"deny","securityLabel":[{"code":"HIV"}]}]}"#,
    policyRule: String? = #"{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]}"#,
    extra: String = ""
) -> String {
    let rule = policyRule.map { #","policyRule":\#($0)"# } ?? ""
    return #"{"resourceType":"Consent","id":\#(id),"status":\#(status),"scope":\#(scope),"category":\#(category),"patient":\#(patient)\#(rule),"provision":\#(provision)\#(extra)}"#
}

private func bundle(_ resources: [String], entryExtra: String = "") -> String {
    #"{"resourceType":"Bundle","type":"collection","entry":["# + resources.map { #"{"resource":\#($0)\#(entryExtra)}"# }.joined(separator: ",") + "]}"
}

struct MalformedCase: CustomTestStringConvertible, Sendable {
    let name: String
    let json: String
    let path: String?
    let code: ConsentError.Code
    var testDescription: String { name }
}

private let permitProvision = #"{"type":"permit","period":{"start":"2026-13-01"}}"#

let malformedCases: [MalformedCase] = [
    MalformedCase(name: "a bad period start deep in a bundle",
                  json: bundle([consent(id: #""a""#), consent(id: #""b""#), consent(id: #""c""#, provision: permitProvision)]),
                  path: "Bundle.entry[2].resource.provision.period.start", code: .invalidValue),
    MalformedCase(name: "an unknown status", json: consent(status: #""approved""#), path: "Consent.status", code: .invalidValue),
    MalformedCase(name: "a status that is not a string", json: consent(status: "1"), path: "Consent.status", code: .invalidValue),
    MalformedCase(name: "a missing scope", json: consent().replacingOccurrences(of: #""scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},"#, with: ""),
                  path: "Consent.scope", code: .missingElement),
    MalformedCase(name: "an empty category", json: consent(category: "[]"), path: "Consent.category", code: .invalidValue),
    MalformedCase(name: "a category that is not a CodeableConcept", json: consent(category: #"[{"coding":[{"code":"x"}]},"y"]"#),
                  path: "Consent.category[1]", code: .invalidValue),
    MalformedCase(name: "an unknown Consent element", json: consent(extra: #","grantee":[{"reference":"Organization/x"}]"#),
                  path: "Consent.grantee", code: .unsupportedElement),
    MalformedCase(name: "implicitRules, a FHIR modifier", json: consent(extra: #","implicitRules":"https://example.org/rules""#),
                  path: "Consent.implicitRules", code: .unsupportedElement),
    MalformedCase(name: "an identifier that is not a list of objects", json: consent(extra: #","identifier":{"value":"x"}"#),
                  path: "Consent.identifier", code: .invalidValue),
    MalformedCase(name: "a modifier extension on a provision",
                  json: consent(provision: #"{"type":"deny","modifierExtension":[{"url":"urn:x","valueBoolean":true}]}"#),
                  path: "Consent.provision.modifierExtension", code: .unsupportedElement),
    MalformedCase(name: "a modifier extension", json: consent(extra: #","modifierExtension":[{"url":"urn:x","valueBoolean":true}]"#),
                  path: "Consent.modifierExtension", code: .unsupportedElement),
    MalformedCase(name: "an extension without a url", json: consent(extra: #","extension":[{"valueString":"x"}]"#),
                  path: "Consent.extension[0].url", code: .missingElement),
    MalformedCase(name: "a bad nested provision type",
                  json: consent(provision: #"{"type":"permit","provision":[{"type":"deny"},{"type":"maybe"}]}"#),
                  path: "Consent.provision.provision[1].type", code: .invalidValue),
    MalformedCase(name: "a contained reference as an actor",
                  json: consent(provision: ##"{"actor":[{"role":{"text":"x"},"reference":{"reference":"#p1"}}]}"##),
                  path: "Consent.provision.actor[0].reference.reference", code: .unsupportedElement),
    MalformedCase(name: "an actor reference spelled as a pseudonym token without one (fuzz crash-5a3f5ca1)",
                  json: consent(provision: #"{"actor":[{"role":{"text":"x"},"reference":{"reference":"urn:careledger:patient-pseudonym|https://example.org/Location/FZZ111-A"}}]}"#),
                  path: "Consent.provision.actor[0].reference.reference", code: .invalidValue),
    MalformedCase(name: "an actor without a role",
                  json: consent(provision: #"{"actor":[{"reference":{"reference":"Organization/x"}}]}"#),
                  path: "Consent.provision.actor[0].role", code: .missingElement),
    MalformedCase(name: "a purpose without a code", json: consent(provision: #"{"purpose":[{"system":"urn:x"}]}"#),
                  path: "Consent.provision.purpose[0].code", code: .missingElement),
    MalformedCase(name: "provision data with a meaning CareLedger cannot evaluate",
                  json: consent(provision: #"{"data":[{"meaning":"dependents","reference":{"reference":"Observation/1"}}]}"#),
                  path: "Consent.provision.data[0].meaning", code: .unsupportedElement),
    MalformedCase(name: "provision data naming the patient",
                  json: consent(provision: #"{"data":[{"meaning":"instance","reference":{"reference":"Patient/1"}}]}"#),
                  path: "Consent.provision.data[0].reference.reference", code: .unsupportedElement),
    MalformedCase(name: "a coding with an unknown element", json: consent(provision: #"{"class":[{"code":"Observation","weight":1}]}"#),
                  path: "Consent.provision.class[0].weight", code: .unsupportedElement),
    MalformedCase(name: "a patient with neither identifier nor reference", json: consent(patient: "{}"),
                  path: "Consent.patient", code: .missingElement),
    MalformedCase(name: "a patient identifier value that is a number", json: consent(patient: #"{"identifier":{"system":"urn:x","value":42}}"#),
                  path: "Consent.patient.identifier.value", code: .invalidValue),
    MalformedCase(name: "a period that ends before it starts",
                  json: consent(provision: #"{"period":{"start":"2026-02-01","end":"2026-01-01"}}"#),
                  path: "Consent.provision.period.end", code: .invalidValue),
    MalformedCase(name: "an invalid logical id", json: consent(id: #""a b""#), path: "Consent.id", code: .invalidValue),
    MalformedCase(name: "a resource that is not a Consent", json: #"{"resourceType":"Patient","id":"p"}"#,
                  path: "resourceType", code: .unsupportedElement),
    MalformedCase(name: "a bundle entry that is not a Consent", json: bundle([consent(), #"{"resourceType":"Patient","id":"p"}"#]),
                  path: "Bundle.entry[1].resource.resourceType", code: .unsupportedElement),
    MalformedCase(name: "a bundle entry with a request", json: bundle([consent()], entryExtra: #","request":{"method":"POST","url":"Consent"}"#),
                  path: "Bundle.entry[0].request", code: .unsupportedElement),
    MalformedCase(name: "a bundle without a type", json: #"{"resourceType":"Bundle","entry":[]}"#, path: "Bundle.type", code: .missingElement),
    MalformedCase(name: "the same consent twice in one input", json: bundle([consent(), consent()]),
                  path: "Bundle.entry[1].resource.id", code: .invalidValue),
    MalformedCase(name: "provisions nested too deeply",
                  json: consent(provision: String(repeating: #"{"provision":["#, count: 16) + "{}" + String(repeating: "]}", count: 16)),
                  path: "Consent.provision" + String(repeating: ".provision[0]", count: 16), code: .unsupportedElement),
    MalformedCase(name: "a Consent with neither policy nor policyRule (FHIR R4 ppc-1)", json: consent(policyRule: nil),
                  path: "Consent.policyRule", code: .missingElement),
    MalformedCase(name: "a Bundle whose second Consent has neither policy nor policyRule",
                  json: bundle([consent(id: #""a""#), consent(id: #""b""#, policyRule: nil)]),
                  path: "Bundle.entry[1].resource.policyRule", code: .missingElement),
    MalformedCase(name: "a policy with neither authority nor uri", json: consent(policyRule: nil, extra: #","policy":[{}]"#),
                  path: "Consent.policy[0]", code: .missingElement),
    MalformedCase(name: "truncated JSON", json: String(consent().dropLast(5)), path: nil, code: .malformedJSON),
    MalformedCase(name: "a duplicate member", json: consent(extra: #","status":"active""#), path: nil, code: .malformedJSON),
    MalformedCase(name: "a bad CareLedger version id",
                  json: consent(extra: #","extension":[{"url":"urn:careledger:fhir:consent-version","extension":[{"url":"versionId","valueString":"ABC"}]}]"#),
                  path: "Consent.extension[0].extension[0].valueString", code: .invalidValue),
]

@Suite("FHIR import of malformed input")
struct FHIRMalformedTests {
    @Test("each malformed input is refused with the exact JSON path at fault", arguments: malformedCases)
    func refused(_ c: MalformedCase) throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        do {
            let got = try importer.read(Array(c.json.utf8), engine: ConsentEngine())
            Issue.record("accepted \(got.count) resources")
        } catch {
            #expect(error.code == c.code, "\(error)")
            #expect(error.path == c.path, "\(error)")
            #expect(!error.description.contains("sample-mrn"))
            if c.code == .malformedJSON { #expect(error.offset != nil) }
        }
    }

    @Test("the unmodified template is accepted, so the refusals above are about their one change")
    func templateAccepted() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        #expect(try importer.read(Array(consent().utf8), engine: ConsentEngine()).count == 1)
        #expect(try importer.read(Array(bundle([consent(id: #""a""#), consent(id: #""b""#)]).utf8), engine: ConsentEngine()).count == 2)
    }

    @Test("decision-free elements a real EHR sends are accepted: identifier, policy, performer, verification, source, extensions, a searchset's search")
    func decisionFreeElementsAccepted() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        let extra = #","identifier":[{"system":"urn:oid:1.2.3","value":"form-9","type":{"text":"MR"}}]"#
            + #","policy":[{"authority":"https://privacy.example.org","uri":"https://privacy.example.org/act"}]"#
            + #","performer":[{"reference":"Patient/p1","display":"A. Patient"}]"#
            + #","verification":[{"verified":true,"verifiedWith":{"reference":"Patient/p1"}}]"#
            + #","sourceAttachment":{"title":"Signed form"}"#
            + #","extension":[{"url":"http://example.org/witness","valueString":"x"}]"#
            + #","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}"#
        let read = try importer.read(Array(consent(policyRule: nil, extra: extra).utf8), engine: ConsentEngine())
        let content = try #require(read.first?.content)
        #expect(content.policyReferences == [PolicyReference(authority: "https://privacy.example.org", uri: "https://privacy.example.org/act")])
        #expect(content.original != nil && read.first?.original != nil)
        let payload = String(decoding: ConsentVersionPayload.encode(content), as: UTF8.self)
        for value in ["form-9", "A. Patient", "Patient/p1", "Signed form", "witness"] { #expect(!payload.contains(value), "\(value)") }
        let searchset = #"{"resourceType":"Bundle","type":"searchset","total":1,"link":[{"relation":"self","url":"https://ehr.example.org/Consent"}],"entry":[{"fullUrl":"https://ehr.example.org/Consent/c1","resource":"# + consent() + #","search":{"mode":"match"}}]}"#
        #expect(try importer.read(Array(searchset.utf8), engine: ConsentEngine()).count == 1)
    }

    @Test("every strict prefix of a sample is refused as malformed JSON")
    func prefixes() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        var bytes = try FHIRFx.sample("permit-with-nested-deny.json")
        while bytes.last == 0x0A || bytes.last == 0x20 { bytes.removeLast() }
        #expect(try importer.read(bytes, engine: ConsentEngine()).count == 1)
        for end in 0..<bytes.count {
            do {
                _ = try importer.read(Array(bytes[..<end]), engine: ConsentEngine())
                Issue.record("prefix of \(end) bytes accepted")
            } catch {
                #expect(error.code == .malformedJSON, "prefix \(end): \(error)")
            }
        }
    }

    @Test("random byte mutations of a sample are refused or imported, never half-imported or crashing")
    func mutations() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        let bytes = try FHIRFx.sample("consents-bundle.json")
        var rng = SeededGenerator(seed: 0xF41E)
        var refused = 0
        for _ in 0..<2000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let got = try importer.read(mutated, engine: ConsentEngine())
                #expect(got.count == 2, "seed \(rng.seed)")
            } catch {
                refused += 1
                #expect(!error.description.contains("sample-mrn"), "seed \(rng.seed)")
            }
        }
        #expect(refused > 1000)
    }
}
