import Foundation
import LedgerConsent
import LedgerCore

/// Paths and helpers for the FHIR tests: samples, the pseudonym key, recording imports.
enum FHIRFx {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let samples = repoRoot.appendingPathComponent("Samples/fhir")
    static let sampleNames = ["permit-with-nested-deny.json", "research-time-bound.json", "revocation.json", "consents-bundle.json"]

    /// A fixed key, so pseudonyms in vectors stay stable.
    static func key() throws -> PseudonymKey {
        try PseudonymKey(bytes: [UInt8](repeating: 0x42, count: 32))
    }

    static func sample(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: samples.appendingPathComponent(name)))
    }

    /// Records imported versions as if each became a ledger entry, in order.
    static func record(_ imported: [ImportedConsent], into engine: inout ConsentEngine, startingAt n: Int = 0) -> [RecordedConsentVersion] {
        imported.enumerated().map { i, item in
            let v = RecordedConsentVersion(id: Fx.id("entry-\(n + i)"), time: HybridTimestamp(wallMillis: UInt64(1_000 + n + i), counter: 0),
                                           author: Fx.author, content: item.content)
            engine.ingest(v)
            return v
        }
    }
}
