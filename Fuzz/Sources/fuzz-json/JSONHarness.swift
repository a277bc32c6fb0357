// libFuzzer harness: the canonical JSON parser and writer (Specs/canonical-json.md).
// Any input must parse or give a JSONError, never trap; what parses must have a canonical
// form that is a fixed point (parse → write → parse → write gives the same bytes).
import CanonicalJSON

/// libFuzzer's entry point: parses the input as one document and as JSON Lines.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONParser.parse(bytes) {
        let canonical = JSONWriter.canonical(value)
        guard let again = try? JSONParser.parse(canonical), JSONWriter.canonical(again) == canonical else {
            fatalError("canonical form is not a fixed point")
        }
    }
    _ = try? JSONLinesReader.readAll(bytes)
    return 0
}
