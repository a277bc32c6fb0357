import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore
import Testing

/// The fuzz target's invariants (Fuzz/Sources/fuzz-fhir) on its committed seeds, so a seed that
/// would crash the fuzzer fails here first.
@Suite("FHIR fuzz seeds")
struct FHIRFuzzSeedTests {
    static let seeds = FHIRFx.repoRoot.appendingPathComponent("Fuzz/corpus/fhir")

    @Test("every seed imports, its payload decodes back, and its ledger's view and original re-import to the same content")
    func seedsSurviveThePath() throws {
        let importer = FHIRConsentImporter(pseudonymKey: try FHIRFx.key())
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.seeds.path).sorted()
        #expect(names.count >= 29)
        var reachedData = false, reachedReferences = false, reachedPatientActor = false
        for name in names {
            let bytes = Array(try Data(contentsOf: Self.seeds.appendingPathComponent(name)))
            guard let imported = try? importer.read(bytes, currentHeads: { _ in [] }) else { continue }
            for consent in imported {
                #expect(try ConsentVersionPayload.decode(ConsentVersionPayload.encode(consent.content)) == consent.content, "\(name)")
                let recorded = RecordedConsentVersion(id: .zero, time: HybridTimestamp(wallMillis: 1, counter: 0), author: .zero, content: consent.content)
                let view = try importer.read(JSONWriter.canonical(FHIRConsentExporter.resource(recorded))) { _ in [] }
                #expect(view.first?.content == consent.content, "\(name): ledger's view")
                if let original = consent.original {
                    let exported = JSONWriter.canonical(FHIRConsentExporter.resource(recorded, original: try JSONParser.parse(original)))
                    #expect(try importer.read(exported) { _ in [] }.first?.content == consent.content, "\(name): original")
                }
                reachedData = reachedData || consent.content.provision?.hasData == true
                reachedReferences = reachedReferences || !consent.content.policyReferences.isEmpty
                reachedPatientActor = reachedPatientActor || (consent.content.provision?.actors.contains { $0.reference.hasPrefix(PseudonymKey.pseudonymSystem) } ?? false)
            }
        }
        #expect(reachedData && reachedReferences && reachedPatientActor, "the seeds reach the format-3 elements")
    }
}
