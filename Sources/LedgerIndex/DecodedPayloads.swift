import LedgerConsent
import LedgerCore

/// The consent-version and access-decision payloads of entries about to be indexed, decoded
/// ahead on other threads (a catch-up's verify threads, Specs/static-log.md §11.3), by
/// payload bytes.
///
/// Why: the index decodes each such payload on the one thread that stores (about 19 µs per
/// consent version); in a stretch of the log made of them that thread, not verification,
/// set the catch-up's pace and the verify threads waited. Each value is what
/// `decode` gives for its key (only ``add(_:)`` fills them), so the rows are the same.
public struct DecodedPayloads: Sendable {
    /// Access decisions by payload.
    private(set) var decisions: [PayloadKey: AccessDecision] = [:]
    /// Consent versions by payload.
    private(set) var consentVersions: [PayloadKey: ConsentVersionContent] = [:]

    /// None.
    public init() {}

    /// Whether nothing is held.
    public var isEmpty: Bool { decisions.isEmpty && consentVersions.isEmpty }

    /// Decodes `entry`'s payload when it is a consent version or an access decision that
    /// decodes (one that does not is left to the index, which records it as it does).
    public mutating func add(_ entry: Entry) {
        switch entry.kind {
        case ConsentVersionPayload.kind:
            if let content = try? ConsentVersionPayload.decode(entry.payload) { consentVersions[PayloadKey(entry.payload)] = content }
        case AccessDecisionPayload.kind:
            if let decision = try? AccessDecisionPayload.decode(entry.payload) { decisions[PayloadKey(entry.payload)] = decision }
        default:
            break
        }
    }

    /// The access decision held for `payload`, if one is.
    public func decision(for payload: [UInt8]) -> AccessDecision? { decisions[PayloadKey(payload)] }

    /// The consent version held for `payload`, if one is.
    public func consentVersion(for payload: [UInt8]) -> ConsentVersionContent? { consentVersions[PayloadKey(payload)] }

    /// Takes in what `other` holds.
    public mutating func merge(_ other: DecodedPayloads) {
        decisions.merge(other.decisions) { first, _ in first }
        consentVersions.merge(other.consentVersions) { first, _ in first }
    }

    /// Forgets everything, keeping the room.
    public mutating func removeAll() {
        decisions.removeAll(keepingCapacity: true)
        consentVersions.removeAll(keepingCapacity: true)
    }
}
