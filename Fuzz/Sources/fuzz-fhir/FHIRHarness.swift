// libFuzzer harness: FHIR R4 Consent import (Specs/consent.md, FHIRConsentImporter).
// Any input must give consents or a ConsentError with a JSON path; never trap. What imports
// must also survive the rest of the path (Specs/consent.md §3.5, §4.5, §4.6): its payload
// (formats 1-3: original anchors, policy references, provision.data) decodes back to the same
// content, and its ledger's view re-imports to the same content.
import CanonicalJSON
import LedgerConsent
import LedgerCore

/// libFuzzer's entry point: imports the input as a Consent or a Bundle of them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFHIR(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let key = try? PseudonymKey(bytes: [UInt8](repeating: 0x42, count: 32)) else { fatalError("fixed key rejected") }
    let importer = FHIRConsentImporter(pseudonymKey: key)
    guard let imported = try? importer.read(bytes, currentHeads: { _ in [] }) else { return 0 }
    for (i, consent) in imported.enumerated() {
        let payload = ConsentVersionPayload.encode(consent.content)
        guard let decoded = try? ConsentVersionPayload.decode(payload), decoded == consent.content else {
            fatalError("an imported consent's payload does not decode back to it")
        }
        let id = Hash32(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 32)) ?? .zero
        let recorded = RecordedConsentVersion(id: id, time: HybridTimestamp(wallMillis: 1, counter: 0), author: .zero, content: consent.content)
        let view = JSONWriter.canonical(FHIRConsentExporter.resource(recorded))
        guard let again = try? importer.read(view, currentHeads: { _ in [] }), again.count == 1, again[0].content == consent.content else {
            fatalError("the ledger's view of an imported consent does not re-import to the same content")
        }
        if let original = consent.original, let value = try? JSONParser.parse(original) {
            let exported = JSONWriter.canonical(FHIRConsentExporter.resource(recorded, original: value))
            guard let fromOriginal = try? importer.read(exported, currentHeads: { _ in [] }), fromOriginal.count == 1,
                  fromOriginal[0].content == consent.content else {
                fatalError("the export of an original does not re-import to the same content")
            }
        }
    }
    return 0
}
