import Foundation
import LedgerConsent
import Testing
import TestSupport

/// Runs Tests/Tools/fhir_validate.py (the independent `fhir.resources` implementation).
enum PythonValidator {
    static let script = FHIRFx.repoRoot.appendingPathComponent("Tests/Tools/fhir_validate.py").path

    /// Exit status and combined output of `python3 args…`; nil when python3 cannot start.
    static func run(_ args: [String]) -> (Int32, String)? {
        Python.run(args).map { ($0.status, $0.output) }
    }

    /// Whether python3 and fhir.resources with R4B models are importable here.
    static let available: Bool = Python.canImport("fhir.resources.R4B.consent, fhir.resources.R4B.bundle")
}

/// The FHIR R4 invariants of Consent (and the base ones every element carries) that
/// `fhir.resources` does not check: it validates structure and cardinality, not FHIRPath
/// constraints. Read with Foundation's JSON parser, not CareLedger's, to stay independent.
enum ConsentInvariants {
    static let scopeSystem = "http://terminology.hl7.org/CodeSystem/consentscope"
    /// ppc-2…5: these scopes need a patient.
    static let scopesNeedingPatient = ["patient-privacy": "ppc-2", "research": "ppc-3", "adr": "ppc-4", "treatment": "ppc-5"]

    /// Faults of one file holding a Consent or a Bundle of them; empty when every invariant holds.
    static func faults(_ data: Data) -> [String] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return ["not a JSON object"] }
        var out = elementFaults(root, "\(root["resourceType"] ?? "?")")
        if root["resourceType"] as? String == "Bundle" {
            for (i, entry) in (root["entry"] as? [[String: Any]] ?? []).enumerated() {
                out += consentFaults(entry["resource"] as? [String: Any] ?? [:], "Bundle.entry[\(i)].resource")
            }
        } else {
            out += consentFaults(root, "Consent")
        }
        return out
    }

    static func consentFaults(_ c: [String: Any], _ path: String) -> [String] {
        var out: [String] = []
        if c["policy"] == nil && c["policyRule"] == nil { out.append("\(path): ppc-1: neither policy nor policyRule") }
        let codings = (c["scope"] as? [String: Any])?["coding"] as? [[String: Any]] ?? []
        for coding in codings where coding["system"] as? String == scopeSystem {
            if let code = coding["code"] as? String, let rule = scopesNeedingPatient[code], c["patient"] == nil {
                out.append("\(path): \(rule): scope \(code) without a patient")
            }
        }
        return out
    }

    /// ele-1 (an element has a value or children: no empty objects, arrays or strings, no
    /// nulls) and ext-1 (an extension has nested extensions or a value, not both), everywhere.
    static func elementFaults(_ value: Any, _ path: String) -> [String] {
        switch value {
        case let object as [String: Any]:
            var out = object.isEmpty ? ["\(path): ele-1: empty element"] : []
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                if name == "extension" || name == "modifierExtension" {
                    for (i, ext) in (member as? [[String: Any]] ?? []).enumerated() {
                        let hasValue = ext.keys.contains { $0.hasPrefix("value") }
                        if hasValue == (ext["extension"] != nil) { out.append("\(path).\(name)[\(i)]: ext-1: needs a value or nested extensions, not both") }
                    }
                }
                out += elementFaults(member, "\(path).\(name)")
            }
            return out
        case let array as [Any]:
            if array.isEmpty { return ["\(path): ele-1: empty array"] }
            return array.enumerated().flatMap { elementFaults($1, "\(path)[\($0)]") }
        case let string as String:
            return string.trimmingCharacters(in: .whitespaces).isEmpty ? ["\(path): ele-1: empty string"] : []
        case is NSNull:
            return ["\(path): ele-1: null"]
        default:
            return []
        }
    }
}

@Suite("FHIR validity checked by an independent implementation")
struct FHIRPythonValidationTests {
    @Test("exported Bundles validate with fhir.resources (R4B models)", .enabled(if: PythonValidator.available))
    func exportsAreValid() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        let dir = try TemporaryDirectory(prefix: "consent-fhir")
        defer { dir.remove() }
        var files: [String] = []
        var engine = ConsentEngine()
        for name in FHIRFx.sampleNames {
            let recorded = FHIRFx.record(try importer.read(try FHIRFx.sample(name), engine: engine), into: &engine, startingAt: engine.versionCount)
            let path = "\(dir.path)/export-\(name)"
            try Data(FHIRConsentExporter.bundle(recorded)).write(to: URL(fileURLWithPath: path))
            try Data(FHIRConsentExporter.resourceBytes(recorded[0])).write(to: URL(fileURLWithPath: path + ".consent.json"))
            files += [path, path + ".consent.json"]
        }
        // Every version in one Bundle, as `consent export` writes it.
        let all = "\(dir.path)/all.json"
        try Data(FHIRConsentExporter.bundle(engine.versions(patient: try FHIRFx.key().resolve(patient: "urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0001"))))
            .write(to: URL(fileURLWithPath: all))
        files.append(all)
        let result = try #require(PythonValidator.run([PythonValidator.script] + files))
        #expect(result.0 == 0, "\(result.1)")
    }

    @Test("every exported Consent and every sample satisfies the R4 Consent invariants fhir.resources does not check")
    func exportsSatisfyInvariants() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        var engine = ConsentEngine()
        var checked = 0
        for name in FHIRFx.sampleNames {
            let sample = try FHIRFx.sample(name)
            #expect(ConsentInvariants.faults(Data(sample)) == [], "\(name)")
            let recorded = FHIRFx.record(try importer.read(sample, engine: engine), into: &engine, startingAt: engine.versionCount)
            #expect(ConsentInvariants.faults(Data(FHIRConsentExporter.bundle(recorded))) == [], "export of \(name)")
            for version in recorded {
                #expect(ConsentInvariants.faults(Data(FHIRConsentExporter.resourceBytes(version))) == [], "export of \(name)")
                checked += 1
            }
        }
        #expect(checked == 5)
    }

    @Test("the invariant check catches a Consent with neither policy nor policyRule, and the importer refuses it")
    func invariantCheckCanFail() throws {
        let bad = #"{"resourceType":"Consent","id":"c1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},"category":[{"text":"x"}],"provision":{"type":"permit"},"extension":[{"url":"urn:x","valueString":"a","extension":[]}]}"#
        let faults = ConsentInvariants.faults(Data(bad.utf8))
        #expect(faults.contains("Consent: ppc-1: neither policy nor policyRule"), "\(faults)")
        #expect(faults.contains("Consent: ppc-2: scope patient-privacy without a patient"), "\(faults)")
        #expect(faults.contains { $0.hasPrefix("Consent.extension[0]: ext-1") }, "\(faults)")
        #expect(faults.contains("Consent.extension[0].extension: ele-1: empty array"), "\(faults)")
        let unruled = #"{"resourceType":"Consent","id":"c1","status":"active","scope":{"text":"x"},"category":[{"text":"x"}],"patient":{"reference":"Patient/1"}}"#
        #expect(throws: ConsentError.self) { _ = try FHIRConsentImporter(pseudonymKey: try FHIRFx.key()).read(Array(unruled.utf8), engine: ConsentEngine()) }
    }

    @Test("the samples themselves validate", .enabled(if: PythonValidator.available))
    func samplesAreValid() throws {
        let files = FHIRFx.sampleNames.map { FHIRFx.samples.appendingPathComponent($0).path }
        let result = try #require(PythonValidator.run([PythonValidator.script] + files))
        #expect(result.0 == 0, "\(result.1)")
    }

    @Test("the validator rejects a Consent missing its required scope", .enabled(if: PythonValidator.available))
    func validatorCanFail() throws {
        let dir = try TemporaryDirectory(prefix: "consent-fhir-bad")
        defer { dir.remove() }
        let path = "\(dir.path)/bad.json"
        try Data(#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Consent","status":"active","category":[{"text":"x"}]}}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let result = try #require(PythonValidator.run([PythonValidator.script, path]))
        #expect(result.0 == 1, "\(result.1)")
    }
}
