// libFuzzer harness: the bundle reader (Specs/bundle-format.md §7) with the fixed recipient
// of Tests/Vectors/bundle-vectors.json, so seeds built from that vector get past the
// recipient check and the fuzzer reaches decryption, decompression and payload parsing.
import Crypto
import LedgerCore
import LedgerSync

/// libFuzzer's entry point: opens the input as a bundle addressed to the vector's recipient.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let agreement = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: 0x33, count: 32)),
          let siteKey = Hash32(hex: "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0") else {
        fatalError("fixed test keys rejected")
    }
    let reader = BundleReader(siteKey: siteKey, agreementKey: agreement, compressor: LZ4BundleCompressor(),
                              maxDecompressedBytes: 8 << 20)
    _ = try? reader.open(bytes, fileName: "fuzz.clb")
    return 0
}
