/// An `access.decision` payload as a dictionary key: hashed as one run of bytes, compared whole.
///
/// Why: `[UInt8]` as a key hashes byte by byte (one `Hasher` call per byte), and the group
/// commit's known decisions are looked up by their payloads (a few hundred bytes each) for
/// every decision the index applies (Specs/fhir-api.md §4.3).
struct DecisionPayloadKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
