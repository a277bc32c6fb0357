import Crypto
import LedgerCore

/// The payload of an `anchor` entry: a clinical record's SHA-256 and reference, never the
/// record itself, so a site can later prove ("attest") that this exact record existed.
public struct AnchorPayload: Codable, Sendable, Equatable {
    /// The entry kind that carries an anchor.
    public static let kind = "anchor"

    /// The record's SHA-256, 64 lowercase hex digits.
    public var sha256: String
    /// The record's size in bytes.
    public var size: Int
    /// The record's system (e.g. an EHR's base URL), if given.
    public var system: String?
    /// The record's resource type, if given.
    public var type: String?
    /// The record's id, if given.
    public var id: String?
    /// The record's version, if given.
    public var version: String?

    /// The anchor of `record`: its digest and size, with the reference given.
    public init(record: [UInt8], system: String? = nil, type: String? = nil, id: String? = nil, version: String? = nil) {
        self.init(sha256: Self.digest(record), size: record.count, system: system, type: type, id: id, version: version)
    }

    /// An anchor from a digest already computed.
    public init(sha256: String, size: Int, system: String? = nil, type: String? = nil, id: String? = nil, version: String? = nil) {
        self.sha256 = sha256
        self.size = size
        self.system = system
        self.type = type
        self.id = id
        self.version = version
    }

    /// The SHA-256 of `record`, as an anchor states it (64 lowercase hex digits).
    public static func digest(_ record: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: record))
    }
}

extension SiteLedger {
    /// Writes an `anchor` entry for a record (canonical JSON payload).
    /// - Returns: the entry written.
    public func anchor(_ payload: AnchorPayload) throws -> Entry {
        let entries = try append(kind: AnchorPayload.kind, payloads: [try CanonicalJSON.encode(payload)])
        guard let entry = entries.first else { throw SiteError(.unusableSite, "the anchor entry was not written") }
        return entry
    }

    /// The first trusted `anchor` entry holding `sha256` (a record's digest), if any: the
    /// answer to "is this exact record anchored?".
    /// - Throws: only when the log cannot be read.
    public func anchorEntry(sha256: String) throws -> Entry? {
        var found: Entry?
        try forEachEntry { _, entry in
            guard found == nil, entry.kind == AnchorPayload.kind,
                  let payload = try? CanonicalJSON.decode(AnchorPayload.self, from: entry.payload),
                  payload.sha256 == sha256 else { return }
            found = entry
        }
        return found
    }
}
