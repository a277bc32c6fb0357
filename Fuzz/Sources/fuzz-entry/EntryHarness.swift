// libFuzzer harness: the entry decoder (Specs/entry-format.md §5).
// Decoding accepts only canonical encodings, so a decoded entry must re-encode to the input.
import LedgerCore

/// libFuzzer's entry point: decode, and check that decoding is the inverse of encoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let entry = try? Entry.decode(bytes) else { return 0 }
    guard entry.encoded == bytes else { fatalError("a decoded entry does not re-encode to its input") }
    guard let rebuilt = try? Entry(content: entry.content, signature: entry.signature), rebuilt.encoded == bytes,
          rebuilt.id == entry.id else {
        fatalError("an entry rebuilt from its decoded fields differs from the input")
    }
    _ = entry.isSignatureValid()
    return 0
}
