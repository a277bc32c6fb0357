// libFuzzer harness: FHIR R4 Consent import (Specs/consent.md, FHIRConsentImporter).
// Any input must give consents or a ConsentError with a JSON path; never trap.
import LedgerConsent

/// libFuzzer's entry point: imports the input as a Consent or a Bundle of them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFHIR(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let key = try? PseudonymKey(bytes: [UInt8](repeating: 0x42, count: 32)) else { fatalError("fixed key rejected") }
    let importer = FHIRConsentImporter(pseudonymKey: key)
    _ = try? importer.read(bytes) { _ in [] }
    return 0
}
