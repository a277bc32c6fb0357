/// An entry's payload as a dictionary key: hashed as one run of bytes, compared whole.
///
/// Why: `[UInt8]` as a key hashes byte by byte (one `Hasher` call per byte), and payloads
/// decoded ahead (the group commit's access decisions, Specs/fhir-api.md §4.3; a catch-up's
/// consent versions and decisions, Specs/static-log.md §11.3) are looked up by their bytes,
/// a few hundred each, for every such entry the index applies.
struct PayloadKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
