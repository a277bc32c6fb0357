import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import LedgerSync
import Testing
import TestSupport

/// Tests/Vectors/fhir-consent-r4/manifest.json: real-world FHIR R4 Consents and the requests each is asked.
struct CorpusManifest: Decodable {
    struct Request: Decodable {
        let actor: String, purpose: String, classes: [String], at: String, expect: String, narrative: String
        let note: String?, data_time: String?, resource: String?, referenced_by: [String]?
    }
    struct Refusal: Decodable { let path: String, code: String }
    struct File: Decodable {
        let file: String, origin: String, licence: String, network: String, requests: [Request], refused: Refusal?
    }
    let files: [File]

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors/fhir-consent-r4")

    static func load() throws -> CorpusManifest {
        try JSONDecoder().decode(CorpusManifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }

    static func bytes(_ file: String) throws -> [UInt8] { Array(try Data(contentsOf: folder.appendingPathComponent(file))) }
}

/// Runs Tests/Tools/fhir_validate.py (`fhir.resources`, an independent reading of FHIR R4).
enum CorpusValidator {
    static let script = CorpusManifest.folder.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tools/fhir_validate.py").path

    /// Exit status and combined output of `python3 args…`; nil when python3 cannot start.
    static func run(_ args: [String]) -> (Int32, String)? {
        Python.run(args).map { ($0.status, $0.output) }
    }

    /// Whether python3 and fhir.resources with R4B models are importable here.
    static let available: Bool = Python.canImport("fhir.resources.R4B.consent, fhir.resources.R4B.bundle")
}

/// A JSON object without its `meta`, for "equal to the original modulo meta".
private func withoutMeta(_ object: [String: Any]) -> NSDictionary {
    var copy = object
    copy["meta"] = nil
    return copy as NSDictionary
}

@Suite("Real-world FHIR R4 Consents")
struct FHIRCorpusTests {
    @Test("the corpus holds at least 20 valid R4 Consents, each with its origin, licence and requests")
    func corpusIsComplete() throws {
        let manifest = try CorpusManifest.load()
        let accepted = manifest.files.filter { $0.refused == nil }
        #expect(accepted.count >= 20)
        for file in manifest.files {
            #expect(!file.origin.isEmpty && !file.licence.isEmpty, "\(file.file)")
            if file.refused == nil { #expect(file.requests.count >= 2, "\(file.file)") }
        }
        let listed = Set(manifest.files.map(\.file))
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: CorpusManifest.folder.path).filter { $0.hasSuffix(".json") && $0 != "manifest.json" })
        #expect(listed == present)
    }

    @Test("each Consent imports (or is refused only for a data meaning CareLedger cannot evaluate) and decides its requests as the manifest says")
    func decisions() throws {
        let sites = try TwoSites()
        let key = try sites.central.pseudonymKey()
        let importer = FHIRConsentImporter(pseudonymKey: key)
        for file in try CorpusManifest.load().files {
            let bytes = try CorpusManifest.bytes(file.file)
            if let refused = file.refused {
                do {
                    _ = try importer.read(bytes) { _ in [] }
                    Issue.record("\(file.file) was imported")
                } catch {
                    #expect(error.path == refused.path && error.code.rawValue == refused.code, "\(file.file): \(error)")
                }
                continue
            }
            let imported = try importer.read(bytes) { _ in [] }
            let consent = try #require(imported.first, "\(file.file)")
            var engine = ConsentEngine(policy: ConsentPolicy(defaultAccess: DefaultAccess(rawValue: file.network) ?? .optIn))
            _ = try engine.ingest(entryId: Hash32(bytes: Array(repeating: 7, count: 32)) ?? .zero,
                                  time: HybridTimestamp(wallMillis: 1, counter: 0), author: .zero,
                                  payload: ConsentVersionPayload.encode(consent.content))
            for (i, r) in file.requests.enumerated() {
                let request = AccessRequest(
                    patient: consent.content.key.patient, actor: key.ledgerActor(r.actor), purpose: r.purpose, classes: r.classes,
                    time: try #require(FHIRDateTime.parse(r.at)), dataTime: r.data_time.flatMap { FHIRDateTime.parse($0) },
                    resource: r.resource, referencedBy: r.referenced_by ?? [])
                let decision = engine.check(request)
                #expect(decision.outcome.rawValue == r.expect, "\(file.file) request \(i): \(decision.reason)")
                if r.narrative != "none", r.narrative != r.expect {
                    #expect(r.note != nil, "\(file.file) request \(i): a decision that differs from the narrative needs a note")
                }
            }
        }
    }

    @Test("at the importing site every export equals its original modulo meta; elsewhere it names the original's anchor; both validate and attest")
    func exports() throws {
        let sites = try TwoSites()
        let manifest = try CorpusManifest.load()
        let accepted = manifest.files.filter { $0.refused == nil }
        var central = try SiteConsent(sites.central)
        let documents = try accepted.map { ($0.file, try CorpusManifest.bytes($0.file)) }
        let imported = try central.importFHIR(documents)
        #expect(imported.entries.count == accepted.count)

        // Sync the versions (not the originals) to the clinic.
        let bundle = try sites.central.writeBundle(to: [try sites.central.member("clinic")])
        let path = sites.folder.path + "/to-clinic.clbundle"
        try BundleFiles.write(bundle.bytes, to: path)
        #expect(try BundleImporter.importFiles([path], into: sites.clinic).rejected.isEmpty)
        let clinic = try SiteConsent(sites.clinic)
        let key = try sites.central.pseudonymKey()

        for (name, bytes) in documents {
            let original = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            let id = try #require(original["id"] as? String)
            let patient = try #require(try FHIRConsentImporter(pseudonymKey: key).read(bytes) { _ in [] }.first?.content.key.patient)
            for (site, holdsOriginal) in [(central, true), (clinic, false)] {
                let exported = site.exportFHIR(patient: patient)
                let file = sites.folder.path + "/export-\(holdsOriginal ? "central" : "clinic")-\(name)"
                try Data(exported).write(to: URL(fileURLWithPath: file))
                let root = try #require(try JSONSerialization.jsonObject(with: Data(exported)) as? [String: Any])
                let resources = (root["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
                let resource = try #require(resources.first { $0["id"] as? String == id }, "\(name)")
                let versionId = (resource["meta"] as? [String: Any])?["versionId"] as? String
                #expect(versionId?.count == 64, "\(name)")
                if holdsOriginal {
                    #expect(withoutMeta(resource) == withoutMeta(original), "\(name): the importing site gives back the original")
                } else {
                    let extensions = resource["extension"] as? [[String: Any]] ?? []
                    let anchor = extensions.first { $0["url"] as? String == FHIRConsentImporter.originalExtensionURL }?["valueString"] as? String
                    #expect(anchor?.count == 64, "\(name): the ledger's view names the original's anchor")
                    // The ledger's view carries no patient-identifying element.
                    for element in ["text", "identifier", "performer", "verification", "sourceAttachment", "sourceReference"] {
                        #expect(resource[element] == nil, "\(name): \(element) stays at the importing site")
                    }
                }
                if CorpusValidator.available {
                    let (status, output) = try #require(CorpusValidator.run([CorpusValidator.script, file]))
                    #expect(status == 0, "\(name): \(output)")
                }
            }
            // attest proves the original at either site: both hold the network key, neither needs the file.
            #expect(try !central.versions(anchoring: bytes).isEmpty, "\(name)")
            #expect(try !clinic.versions(anchoring: bytes).isEmpty, "\(name)")
        }
        // A changed original is not attested.
        var changed = try CorpusManifest.bytes(accepted[0].file)
        if let brace = changed.lastIndex(of: UInt8(ascii: "}")) {
            changed.insert(contentsOf: Array(#","language":"en""#.utf8), at: brace)
        }
        #expect(try central.versions(anchoring: changed).isEmpty)
    }

    @Test("originals are stored mode 0600 in the site's originals folder, and re-importing an export stores nothing new")
    func originalsStore() throws {
        let sites = try TwoSites()
        var central = try SiteConsent(sites.central)
        let bytes = try CorpusManifest.bytes("Consent-consent-example-signature.json")
        let first = try central.importFHIR([("signature.json", bytes)])
        let originals = try ConsentOriginals(sites.central)
        let names = try FileManager.default.contentsOfDirectory(atPath: originals.folder)
        #expect(names.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: originals.folder + "/" + names[0])
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(originals.damaged().isEmpty)
        let content = try ConsentVersionPayload.decode(try #require(first.entries.first).payload)
        let exported = central.exportFHIR(patient: content.key.patient)
        let again = try central.importFHIR([("export.json", exported)])
        #expect(again.entries.isEmpty && again.skipped == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: originals.folder).count == 1)
        // A changed original is found (verify reports it).
        let path = originals.folder + "/" + names[0]
        var stored = try Data(contentsOf: URL(fileURLWithPath: path))
        stored.append(contentsOf: Array(" ".utf8))
        try stored.write(to: URL(fileURLWithPath: path))
        #expect(originals.damaged() == [names[0]])
    }
}
