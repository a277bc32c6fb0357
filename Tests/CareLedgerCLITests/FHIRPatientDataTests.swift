import Foundation
import Testing

/// A Consent as an EHR sends it: the patient by reference and by name, an MRN, the patient as
/// performer, verifier and grantee, the signed form. None of it may reach the ledger.
private let consentWithPatientData = #"""
{"resourceType": "Consent", "id": "phi-1",
 "meta": {"lastUpdated": "2026-11-01T09:00:00Z"},
 "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane Q. Testpatient consents</div>"},
 "extension": [{"url": "http://example.org/fhir/witness", "valueString": "Witnessed for Jane Q. Testpatient"}],
 "identifier": [{"system": "http://hospital.example.org/mrn", "value": "MRN-7730042"}],
 "status": "active",
 "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
 "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
 "patient": {"reference": "Patient/pat-0042", "display": "Jane Q. Testpatient"},
 "dateTime": "2026-11-01",
 "performer": [{"reference": "Patient/pat-0042", "display": "Jane Q. Testpatient"}],
 "organization": [{"reference": "Organization/clinic-b"}],
 "sourceAttachment": {"title": "Consent form signed by Jane Q. Testpatient"},
 "policy": [{"authority": "https://privacy.example.org", "uri": "https://privacy.example.org/act-2020"}],
 "verification": [{"verified": true, "verifiedWith": {"reference": "Patient/pat-0042"}, "verificationDate": "2026-11-01"}],
 "provision": {"type": "permit", "period": {"start": "2026-11-01"},
   "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
              "reference": {"reference": "Organization/clinic-b"}},
             {"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
              "reference": {"reference": "Patient/pat-0042", "display": "Jane Q. Testpatient"}}],
   "provision": [{"type": "deny", "data": [{"meaning": "instance", "reference": {"reference": "DocumentReference/psych-note-9"}}]}]}}
"""#

/// The values that identify the patient in the Consent above.
private let patientValues = ["Testpatient", "MRN-7730042", "pat-0042", "Jane Q"]

@Suite("Patient data of imported FHIR Consents")
struct FHIRPatientDataTests {
    @Test("no patient-identifying value of an imported Consent reaches a segment, a bundle or log --json, at either site",
          .enabled(if: CLI.binary != nil))
    func patientDataStaysOffTheLedger() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        _ = try cli.json(["network", "genesis", "--dir", "hq", "--out", "genesis.json"])
        let joined = try cli.json(["init", "--dir", "clinic", "--site", "clinic", "--genesis", "genesis.json", "--role", "clinic"])
        let key = try #require(joined["site_key"] as? String), agreement = try #require(joined["agreement_key"] as? String)
        _ = try cli.json(["members", "admit", "--dir", "hq", "--key", key, "--agreement-key", agreement, "--name", "clinic", "--role", "clinic"])
        try Data(consentWithPatientData.utf8).write(to: URL(fileURLWithPath: cli.path("consent.json")))

        let imported = try cli.json(["consent", "import", "--dir", "hq", "consent.json"])
        let version = try #require((imported["versions"] as? [[String: Any]])?.first)
        let pseudonym = try #require(version["patient"] as? String)
        #expect(pseudonym.count == 64)

        // The patient named every way import names it: reference, pseudonym.
        for patient in ["Patient/pat-0042", pseudonym] {
            let check = try cli.json(["check", "--dir", "hq", "--patient", patient, "--actor", "Organization/clinic-b",
                                      "--purpose", "TREAT", "--class", "Observation", "--at", "2026-12-01T00:00:00Z",
                                      "--resource", "Observation/obs-1"])
            #expect(check["decision"] as? String == "permit", "\(patient): \(check)")
            #expect(check["patient"] as? String == pseudonym)
        }
        // The patient as grantee (actor Patient/…), and the record the nested deny names.
        let asActor = try cli.json(["check", "--dir", "hq", "--patient", "Patient/pat-0042", "--actor", "Patient/pat-0042",
                                    "--purpose", "TREAT", "--class", "Observation", "--at", "2026-12-01T00:00:00Z",
                                    "--resource", "Observation/obs-1"])
        #expect(asActor["decision"] as? String == "permit", "\(asActor)")
        // No record named: the nested deny on one record is assumed to cover it (Specs/consent.md §5.2).
        let unnamed = try cli.json(["check", "--dir", "hq", "--patient", "Patient/pat-0042", "--actor", "Organization/clinic-b",
                                    "--purpose", "TREAT", "--class", "Observation", "--at", "2026-12-01T00:00:00Z"])
        #expect(unnamed["decision"] as? String == "deny", "\(unnamed)")
        let record = try cli.json(["check", "--dir", "hq", "--patient", "Patient/pat-0042", "--actor", "Organization/clinic-b",
                                   "--purpose", "TREAT", "--class", "Observation", "--at", "2026-12-01T00:00:00Z",
                                   "--resource", "DocumentReference/psych-note-9"])
        #expect(record["decision"] as? String == "deny", "\(record)")

        // The importing site gives back the original; attest proves it.
        let exported = try cli.run(["consent", "export", "--dir", "hq", "--patient", "Patient/pat-0042"])
        #expect(exported.status == 0, "\(exported)")
        #expect(exported.stdout.contains("MRN-7730042"), "the importing site exports the original")
        #expect(try cli.run(["attest", "--dir", "hq", "--file", "consent.json"]).status == 0)

        _ = try cli.json(["bundle", "export", "--dir", "hq", "--to", "clinic", "--out", "to-clinic.clbundle"])
        _ = try cli.json(["bundle", "import", "--dir", "clinic", "to-clinic.clbundle"])
        let atClinic = try cli.run(["consent", "export", "--dir", "clinic", "--patient", "Patient/pat-0042"])
        #expect(atClinic.status == 0 && atClinic.stdout.contains("urn:careledger:fhir:consent-original"), "\(atClinic)")
        #expect(try cli.run(["attest", "--dir", "clinic", "--file", "consent.json"]).status == 0, "the clinic proves the original it does not hold")

        var haystacks: [(String, String)] = [("clinic export", atClinic.stdout)]
        haystacks.append(("bundle", String(decoding: try Data(contentsOf: URL(fileURLWithPath: cli.path("to-clinic.clbundle"))), as: UTF8.self)))
        for site in ["hq", "clinic"] {
            haystacks.append(("\(site) log --json", try cli.run(["log", "--dir", site, "--json"]).stdout))
            let files = FileManager.default.enumerator(atPath: cli.path(site))?.compactMap { $0 as? String } ?? []
            for file in files where file.contains("segment-") && file.hasSuffix(".lz4") {
                let lz4 = try #require(findTool("lz4"), "the lz4 tool is installed")
                let decompressed = try CLI.runTool(lz4, ["-dc", cli.path("\(site)/\(file)")])
                haystacks.append(("\(site)/\(file) (lz4 -dc)", decompressed))
                #expect(!decompressed.isEmpty)
            }
            for file in files where !file.hasPrefix("originals") && !file.hasSuffix("LOCK") {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: cli.path("\(site)/\(file)"), isDirectory: &isFolder), !isFolder.boolValue else { continue }
                haystacks.append(("\(site)/\(file)", String(decoding: try Data(contentsOf: URL(fileURLWithPath: cli.path("\(site)/\(file)"))), as: UTF8.self)))
            }
        }
        #expect(haystacks.contains { $0.0.contains("lz4 -dc") })
        for (name, text) in haystacks {
            for value in patientValues { #expect(!text.contains(value), "\(value) in \(name)") }
        }
        // The original itself: only at hq, only in originals/, mode 0600.
        let originals = try FileManager.default.contentsOfDirectory(atPath: cli.path("hq/originals"))
        #expect(originals.count == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: cli.path("hq/originals/\(originals[0])"))[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(!FileManager.default.fileExists(atPath: cli.path("clinic/originals")))
    }
}

/// An executable on PATH, or nil.
private func findTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

extension CLI {
    /// Runs a tool (not careledger) and returns its stdout as text.
    static func runTool(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
