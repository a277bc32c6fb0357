import Foundation
import LedgerConsent
import Testing
import TestSupport

/// Runs Tests/Tools/fhir_validate.py (the independent `fhir.resources` implementation).
enum PythonValidator {
    static let script = FHIRFx.repoRoot.appendingPathComponent("Tests/Tools/fhir_validate.py").path

    /// Runs `python3 args…`; returns the exit status and combined output, nil if python3 cannot start.
    static func run(_ args: [String]) -> (Int32, String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Whether python3 and fhir.resources with R4B models are importable here.
    static let available: Bool = run(["-c", "import fhir.resources.R4B.consent, fhir.resources.R4B.bundle"])?.0 == 0
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
