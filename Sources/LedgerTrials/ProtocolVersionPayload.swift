import LedgerCore

/// The payload of a `trial.protocol` entry: one version of a trial's protocol document,
/// anchored by its SHA-256 (the document stays off the ledger) (Specs/trials.md §3.1).
public struct ProtocolVersionPayload: Codable, Sendable, Hashable {
    /// The entry kind that carries a protocol version.
    public static let kind = "trial.protocol"
    /// The payload format version written in member `format`.
    public static let formatVersion = 1
    /// The longest approval reference accepted.
    public static let maxApprovalLength = 256

    /// Always ``formatVersion``.
    public var format: Int
    /// The trial's id (e.g. a registry number such as `NCT01234567`).
    public var trial: String
    /// The version label (`v1`, `2.1`).
    public var version: String
    /// The document's SHA-256, 64 lowercase hex digits.
    public var sha256: String
    /// The document's size in bytes.
    public var size: Int
    /// When the version comes into force, ms since the Unix epoch (UTC).
    public var effective: Int64
    /// The approval reference (an ethics committee decision), if given.
    public var approval: String?
    /// Whether participants consented under an earlier version must consent again.
    public var reconsent: Bool

    /// Creates a payload; call ``validate()`` before writing it.
    public init(trial: String, version: String, sha256: String, size: Int, effective: Int64, approval: String? = nil, reconsent: Bool) {
        self.format = Self.formatVersion
        self.trial = trial
        self.version = version
        self.sha256 = sha256
        self.size = size
        self.effective = effective
        self.approval = approval
        self.reconsent = reconsent
    }

    /// Throws unless every field is within Specs/trials.md §3.1.
    /// - Throws: ``TrialError`` naming the field at fault.
    public func validate() throws(TrialError) {
        guard format == Self.formatVersion else {
            throw TrialError(.invalidValue, "unsupported format \(format) (this build reads \(Self.formatVersion))", field: "format")
        }
        try TrialIdentifier.require(trial, field: "trial")
        try TrialIdentifier.require(version, field: "version")
        guard sha256.utf8.count == 64, sha256 == sha256.lowercased(), Hex.decode(sha256) != nil else {
            throw TrialError(.invalidValue, "must be 64 lowercase hex digits", field: "sha256")
        }
        guard size >= 0 else { throw TrialError(.invalidValue, "must not be negative", field: "size") }
        guard effective >= RFC3339.minMillis, effective <= RFC3339.maxMillis else {
            throw TrialError(.invalidValue, "outside years 0001-9999", field: "effective")
        }
        if let approval, approval.isEmpty || approval.utf8.count > Self.maxApprovalLength {
            throw TrialError(.invalidValue, "must be 1 to \(Self.maxApprovalLength) bytes", field: "approval")
        }
    }

    /// The canonical payload bytes (Specs/canonical-json.md).
    public func encoded() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    /// Decodes and validates a payload, refusing any byte form but the canonical one.
    /// - Throws: ``TrialError`` naming the field at fault.
    public static func decode(_ bytes: [UInt8]) throws(TrialError) -> ProtocolVersionPayload {
        let payload: ProtocolVersionPayload
        do { payload = try CanonicalJSON.decode(ProtocolVersionPayload.self, from: bytes) } catch {
            throw TrialError(.malformedJSON, "not a trial.protocol payload", field: "$")
        }
        try payload.validate()
        guard (try? payload.encoded()) == bytes else {
            throw TrialError(.nonCanonicalPayload, "payload is not in canonical form", field: "$")
        }
        return payload
    }
}

/// A protocol version as it sits on the ledger: its payload and the entry that carries it.
public struct RecordedProtocolVersion: Sendable, Hashable {
    /// The `trial.protocol` entry's id.
    public let entryId: Hash32
    /// The key of the site that wrote it.
    public let author: Hash32
    /// The entry's hybrid logical clock time (when it was added).
    public let time: HybridTimestamp
    /// What the entry says.
    public let payload: ProtocolVersionPayload

    /// Creates a recorded version.
    public init(entryId: Hash32, author: Hash32, time: HybridTimestamp, payload: ProtocolVersionPayload) {
        self.entryId = entryId
        self.author = author
        self.time = time
        self.payload = payload
    }
}
