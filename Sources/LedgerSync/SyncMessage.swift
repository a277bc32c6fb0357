import LedgerCore

/// One item the sync layer moves: an entry's id and its encoded bytes, opaque here.
///
/// The integrator derives and checks the id from the bytes in its `SyncItemVerifier`;
/// the sync layer only trusts an item after that verifier accepted it.
public struct SyncItem: Hashable, Sendable {
    /// The item's 32-byte id (for entries: the entry id).
    public let id: Hash32
    /// The item's encoding, opaque to the sync layer.
    public let bytes: [UInt8]

    /// Creates an item.
    public init(id: Hash32, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }
}

/// One statement about a range of the id space inside a HELLO or STEP message
/// (Specs/sync-protocol.md §4.2).
public enum RangeReport: Hashable, Sendable {
    /// "My set differs from yours somewhere in `prefix`; here are my children's
    /// fingerprints." `present` has bit (15 − n) set for each non-empty child n;
    /// `fingerprints` holds one 8-byte salted fingerprint per present child, in nibble order.
    case children(IdPrefix, present: UInt16, fingerprints: [UInt64])
    /// "This is everything I hold in `prefix`", as ascending salted short ids; an empty
    /// list asks for everything the peer holds there.
    case ids(IdPrefix, shortIDs: [UInt64])
    /// "Of the short ids you listed in `prefix`, send me these."
    case need(IdPrefix, shortIDs: [UInt64])

    /// Whether the report obeys §4.2 (the decoder guarantees it; sessions fed values check it).
    public var isWellFormed: Bool {
        switch self {
        case .children(let p, let present, let fps):
            return p.depth < 64 && present != 0 && fps.count == present.nonzeroBitCount
        case .ids(_, let list):
            return zip(list, list.dropFirst()).allSatisfy { $0 < $1 }
        case .need(_, let list):
            return !list.isEmpty && zip(list, list.dropFirst()).allSatisfy { $0 < $1 }
        }
    }

    /// The range the report is about.
    public var prefix: IdPrefix {
        switch self {
        case .children(let p, _, _), .ids(let p, _), .need(let p, _): return p
        }
    }
}

/// The opening message of an interactive exchange (Specs/sync-protocol.md §4.1).
public struct SyncHello: Hashable, Sendable {
    /// The protocol version the initiator speaks.
    public let version: UInt8
    /// 16 random bytes that salt every fingerprint and short id of this exchange.
    public let salt: [UInt8]
    /// The initiator's first reports (its root's children, or its whole set as short ids).
    public let reports: [RangeReport]

    /// Creates a HELLO.
    public init(version: UInt8 = SyncProtocol.version, salt: [UInt8], reports: [RangeReport]) {
        self.version = version
        self.salt = salt
        self.reports = reports
    }
}

/// Every message of the sync protocol; the same messages travel in bundles and over TCP.
public enum SyncMessage: Hashable, Sendable {
    /// Opens an interactive exchange.
    case hello(SyncHello)
    /// Ends a flight: the sender's reports for this turn (empty = the sender is done).
    case step([RangeReport])
    /// Items the receiver is believed to lack; always precede the STEP of their flight.
    case items([SyncItem])
    /// A sender's summary of its whole set (bundles; §4.5).
    case summary(SummarySnapshot)
    /// The sender gives up on the exchange; nothing it sent should be stored.
    case abort(code: UInt16)

    /// The message's type byte (Specs/sync-protocol.md §2.3).
    public var typeByte: UInt8 {
        switch self {
        case .hello: return 0x01
        case .step: return 0x02
        case .items: return 0x03
        case .summary: return 0x04
        case .abort: return 0x05
        }
    }
}

/// Protocol constants (Specs/sync-protocol.md §3–4).
public enum SyncProtocol {
    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    /// Length of the per-exchange salt.
    public static let saltLength = 16
    /// Length of a range fingerprint inside CHILDREN reports.
    public static let fingerprintLength = 8
    /// Length of a range fingerprint inside a summary snapshot.
    public static let summaryFingerprintLength = 16
    /// A side whose range holds at most this many ids lists them instead of descending.
    public static let listThreshold = 32
    /// The HELLO lists the initiator's whole set only up to this many ids, so that an
    /// in-sync exchange stays under 200 bytes (16 × 8 bytes ≈ one CHILDREN report).
    public static let openingListThreshold = 16
    /// 16 fresh bytes from the system's cryptographic generator, for `ReconcileSession.start(salt:)`.
    public static func freshSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<saltLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// ABORT codes.
    public enum AbortCode {
        /// The peer broke the protocol (malformed or unexpected message).
        public static let protocolError: UInt16 = 1
        /// An item failed verification.
        public static let itemRejected: UInt16 = 2
        /// A limit was exceeded.
        public static let limitExceeded: UInt16 = 3
        /// The sender failed locally (e.g. its store).
        public static let localFailure: UInt16 = 4
    }
}

/// Caps that bound what a peer can make this site decode, buffer or stage.
public struct SyncLimits: Sendable, Hashable {
    /// Largest message body accepted (bytes).
    public var maxMessageBytes: Int = 16 << 20
    /// Largest single item accepted (bytes).
    public var maxItemBytes: Int = 1 << 20
    /// Most short ids in one IDS or NEED report.
    public var maxListEntries: Int = 4096
    /// Most reports in one HELLO or STEP.
    public var maxReports: Int = 1 << 20
    /// Most ranges in one summary snapshot.
    public var maxSummaryRanges: Int = 1 << 22
    /// Most flights one side accepts in an exchange.
    public var maxFlights: Int = 64
    /// Most item bytes staged (received, not yet committed) in one exchange; items past it
    /// are verified but left for the next exchange (`SyncOutcome.deferred`).
    public var maxStagedBytes: Int = 1 << 30
    /// An initiator or responder commits what it staged once this many items are staged, so
    /// that memory holds one batch, not the exchange (§5.4); a bundle commits all at its end.
    public var commitBatchItems: Int = 2_048
    /// An initiator or responder commits what it staged once this many item bytes are staged.
    public var commitBatchBytes: Int = 4 << 20

    /// The default limits.
    public init() {}
}
