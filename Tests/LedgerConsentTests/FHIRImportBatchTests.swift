import LedgerConsent
import LedgerCore
import Testing

/// `consent import a.json b.json` reads every file against the same heads, then writes; the
/// batch must treat the files as one input (Specs/consent.md §4.4).
@Suite("FHIR import of several inputs")
struct FHIRImportBatchTests {
    /// permit-with-nested-deny.json and revocation.json are two versions of the same consent.
    static let grant = "permit-with-nested-deny.json", revocation = "revocation.json"

    static func read(_ name: String, _ engine: ConsentEngine) throws -> [ImportedConsent] {
        try FHIRConsentImporter(pseudonymKey: try FHIRFx.key()).read(try FHIRFx.sample(name), engine: engine)
    }

    @Test("two inputs carrying the same consent are refused, naming both, and the batch keeps only what came before")
    func sameConsentInTwoInputs() throws {
        var engine = ConsentEngine()
        _ = FHIRFx.record(try Self.read(Self.grant, engine), into: &engine)
        // Both files are read against the same heads: written together they would be a conflict.
        let first = try Self.read(Self.grant, engine), second = try Self.read(Self.revocation, engine)
        #expect(first[0].content.supersedes == second[0].content.supersedes)
        var batch = FHIRImportBatch()
        try batch.add(first, from: "a.json", engine: engine)
        do {
            try batch.add(second, from: "b.json", engine: engine)
            Issue.record("the second input was accepted")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.path == "Consent.id")
            #expect(error.message.contains("a.json (Consent)"), "\(error)")
            #expect(!error.description.contains("sample-mrn"))
        }
        #expect(batch.consents == first)
        #expect(batch.skipped == 0)
    }

    @Test("a consent inside a Bundle of one input and alone in another is refused at its Bundle path")
    func sameConsentInABundleAndAlone() throws {
        let engine = ConsentEngine()
        let single = try Self.read(Self.grant, engine)
        let wrapped = try FHIRConsentImporter(pseudonymKey: try FHIRFx.key()).read(
            Array(#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":"#.utf8) + (try FHIRFx.sample(Self.revocation)) + Array("}]}".utf8),
            engine: engine)
        var batch = FHIRImportBatch()
        try batch.add(single, from: "one.json", engine: engine)
        #expect(throws: ConsentError.self) { try batch.add(wrapped, from: "bundle.json", engine: engine) }
        do { try batch.add(wrapped, from: "bundle.json", engine: engine) } catch {
            #expect(error.path == "Bundle.entry[0].resource.id", "\(error)")
        }
        #expect(batch.consents.count == 1)
    }

    @Test("different consents in different inputs all go through")
    func differentConsents() throws {
        let engine = ConsentEngine()
        var batch = FHIRImportBatch()
        try batch.add(try Self.read(Self.grant, engine), from: "a.json", engine: engine)
        try batch.add(try Self.read("research-time-bound.json", engine), from: "b.json", engine: engine)
        try batch.add(try Self.read("consents-bundle.json", engine), from: "c.json", engine: engine)
        #expect(batch.consents.count == 4)
    }

    @Test("an export given twice, or already held, is skipped rather than written again")
    func exportedVersionsRepeat() throws {
        var engine = ConsentEngine()
        let recorded = FHIRFx.record(try Self.read(Self.grant, engine), into: &engine)
        let revoked = FHIRFx.record(try Self.read(Self.revocation, engine), into: &engine, startingAt: 1)
        let export = FHIRConsentExporter.bundle(recorded + revoked)
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        // A fresh site: nothing held, the same export in two files.
        let fresh = ConsentEngine()
        var batch = FHIRImportBatch()
        try batch.add(try importer.read(export, engine: fresh), from: "a.json", engine: fresh)
        try batch.add(try importer.read(export, engine: fresh), from: "b.json", engine: fresh)
        #expect(batch.consents.count == 2)
        #expect(batch.skipped == 2)
        // The exporting site: it holds both versions already.
        var home = FHIRImportBatch()
        try home.add(try importer.read(export, engine: engine), from: "a.json", engine: engine)
        #expect(home.consents.isEmpty)
        #expect(home.skipped == 2)
    }

    @Test("an exported version and an update of the same consent in one import are refused")
    func exportedAndUnstamped() throws {
        var engine = ConsentEngine()
        let recorded = FHIRFx.record(try Self.read(Self.grant, engine), into: &engine)
        let export = FHIRConsentExporter.bundle(recorded)
        let fresh = ConsentEngine()
        var batch = FHIRImportBatch()
        try batch.add(try FHIRConsentImporter(pseudonymKey: try FHIRFx.key()).read(export, engine: fresh), from: "export.json", engine: fresh)
        #expect(throws: ConsentError.self) { try batch.add(try Self.read(Self.revocation, fresh), from: "update.json", engine: fresh) }
        #expect(batch.consents.count == 1)
    }

    @Test("a resource reusing an exported version id with other content is refused")
    func forgedVersionId() throws {
        var engine = ConsentEngine()
        let recorded = FHIRFx.record(try Self.read(Self.grant, engine), into: &engine)
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        let export = FHIRConsentExporter.bundle(recorded)
        let altered = Array(String(decoding: export, as: UTF8.self).replacingOccurrences(of: "\"TREAT\"", with: "\"HRESCH\"").utf8)
        #expect(altered != export)
        let fresh = ConsentEngine()
        var batch = FHIRImportBatch()
        try batch.add(try importer.read(export, engine: fresh), from: "a.json", engine: fresh)
        do {
            try batch.add(try importer.read(altered, engine: fresh), from: "b.json", engine: fresh)
            Issue.record("accepted a second version under the same id")
        } catch {
            #expect(error.path == "Bundle.entry[0].resource.extension", "\(error)")
            #expect(error.versionId == recorded[0].id.hex)
        }
    }
}
