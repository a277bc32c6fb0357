import LedgerCore

/// Limits and timeouts of the TCP transport (Specs/sync-transport.md §7).
///
/// Why explicit: every bound here is what keeps a misbehaving or slow peer from tying up the
/// server: frame and message caps bound memory, timeouts bound time, the session cap bounds
/// concurrency. Tests set them small; the defaults suit a rural link.
public struct TransportConfiguration: Sendable {
    /// The network id, bound into the handshake prologue: sites of different networks cannot
    /// complete a handshake with each other.
    public var networkID: Hash32
    /// The largest frame length prefix accepted (kind byte plus body). At most 65,536, the
    /// Noise message limit plus the kind byte; at least 64.
    public var maximumFrameLength: Int
    /// The largest reassembled conversation message, in bytes.
    public var maximumMessageSize: Int
    /// How long we wait for the peer's next bytes while we expect some, in seconds
    /// (kept within ``timeoutRange``, see ``boundedSeconds(_:)``).
    public var idleTimeout: Double { didSet { idleTimeout = Self.boundedSeconds(idleTimeout) } }
    /// How long a whole session may take, handshake included, in seconds (kept within ``timeoutRange``).
    public var exchangeTimeout: Double { didSet { exchangeTimeout = Self.boundedSeconds(exchangeTimeout) } }
    /// How long to wait for the TCP connection to be established (client), in seconds
    /// (kept within ``timeoutRange``).
    public var connectTimeout: Double { didSet { connectTimeout = Self.boundedSeconds(connectTimeout) } }
    /// The most authenticated sessions a server runs at once; a member beyond it gets CLOSE(busy)
    /// right after its handshake. Pending connections never count here (§7.4).
    public var maximumConcurrentSessions: Int
    /// The server's limits on connections that have not authenticated yet (§7.4).
    public var admission = AdmissionLimits()
    /// This side's payload for its handshake message (message 2 for a server, 3 for a
    /// client; §4.4), asked once per session: the site's ``HandshakeIdentity`` with its
    /// current signed tree head. Nil sends an empty payload.
    public var handshakePayload: (@Sendable () async throws -> [UInt8])?

    /// The hard upper bound for `maximumFrameLength`.
    public static let frameLengthLimit = 65_536

    /// The timeouts honoured, in seconds: 1 ms to a year. A timer is scheduled in whole
    /// nanoseconds (`Int64`), so an unbounded, infinite or NaN value would trap there.
    public static let timeoutRange: ClosedRange<Double> = 0.001...31_536_000

    /// `seconds` within ``timeoutRange``: clamped to its bounds, and NaN (a timeout that
    /// cannot be read) to the shortest, so it fails closed instead of trapping.
    public static func boundedSeconds(_ seconds: Double) -> Double {
        seconds.isNaN ? timeoutRange.lowerBound : min(max(seconds, timeoutRange.lowerBound), timeoutRange.upperBound)
    }

    /// Creates a configuration; out-of-range values (timeouts too: ``boundedSeconds(_:)``)
    /// are clamped to their bounds.
    public init(networkID: Hash32,
                maximumFrameLength: Int = TransportConfiguration.frameLengthLimit,
                maximumMessageSize: Int = 16 << 20,
                idleTimeout: Double = 60,
                exchangeTimeout: Double = 600,
                connectTimeout: Double = 10,
                maximumConcurrentSessions: Int = 256) {
        self.networkID = networkID
        self.maximumFrameLength = min(max(maximumFrameLength, 64), Self.frameLengthLimit)
        self.maximumMessageSize = max(maximumMessageSize, 1)
        self.idleTimeout = Self.boundedSeconds(idleTimeout)
        self.exchangeTimeout = Self.boundedSeconds(exchangeTimeout)
        self.connectTimeout = Self.boundedSeconds(connectTimeout)
        self.maximumConcurrentSessions = max(maximumConcurrentSessions, 1)
    }

    /// The Noise prologue (§4.1): "careledger-sync/1" then the 32-byte network id.
    package var prologue: [UInt8] { Array("careledger-sync/1".utf8) + networkID.bytes }
}
