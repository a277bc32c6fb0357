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
    /// How long we wait for the peer's next bytes while we expect some, in seconds.
    public var idleTimeout: Double
    /// How long a whole session may take, handshake included, in seconds.
    public var exchangeTimeout: Double
    /// How long to wait for the TCP connection to be established (client), in seconds.
    public var connectTimeout: Double
    /// The most authenticated sessions a server runs at once; a member beyond it gets CLOSE(busy)
    /// right after its handshake. Pending connections never count here (§7.4).
    public var maximumConcurrentSessions: Int
    /// The server's limits on connections that have not authenticated yet (§7.4).
    public var admission = AdmissionLimits()

    /// The hard upper bound for `maximumFrameLength`.
    public static let frameLengthLimit = 65_536

    /// Creates a configuration; out-of-range values are clamped to their bounds.
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
        self.idleTimeout = idleTimeout
        self.exchangeTimeout = exchangeTimeout
        self.connectTimeout = connectTimeout
        self.maximumConcurrentSessions = max(maximumConcurrentSessions, 1)
    }

    /// The Noise prologue (§4.1): "careledger-sync/1" then the 32-byte network id.
    package var prologue: [UInt8] { Array("careledger-sync/1".utf8) + networkID.bytes }
}
