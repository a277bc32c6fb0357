import CanonicalJSON

/// The consent layer's entry to the canonical JSON parser: its errors as `ConsentError`.
enum ConsentJSON {
    /// Parses `bytes` as one JSON document (Specs/canonical-json.md §4).
    /// - Throws: `ConsentError` with code `malformedJSON` and the byte offset of the fault.
    static func parse(_ bytes: [UInt8]) throws(ConsentError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw ConsentError(.malformedJSON, "malformed JSON: \(error.message)", offset: error.offset)
        }
    }
}
