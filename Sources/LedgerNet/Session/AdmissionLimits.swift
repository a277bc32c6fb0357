/// The server's limits on connections that have not authenticated yet
/// (Specs/sync-transport.md §7.4, "Connection admission").
///
/// Why separate from the session cap: before this, a stranger holding 256 silent TCP
/// connections took every session slot and locked every member out. Now a connection is
/// *pending* until its Noise handshake and the authorizer succeed; pending connections have
/// their own cap, a per-address cap and a short deadline, and never use a session slot.
public struct AdmissionLimits: Sendable, Equatable {
    /// Seconds a connection may take from accept to a finished handshake and authorization;
    /// past it the server closes the connection (`handshake_timeout`). Default 5.
    public var handshakeTimeout: Double
    /// The most pending connections at once; a new one evicts the oldest (`pending_evicted`).
    /// Default 64.
    public var maximumPending: Int
    /// The most pending connections from one IP address; a new one evicts that address's
    /// oldest (`pending_evicted`). Default 8; never more than `maximumPending`.
    public var maximumPendingPerAddress: Int

    /// The accepted range of `handshakeTimeout`, in seconds.
    public static let handshakeTimeoutRange: ClosedRange<Double> = 0.05...600
    /// The accepted range of `maximumPending` and `maximumPendingPerAddress`.
    public static let pendingRange: ClosedRange<Int> = 1...65_536

    /// Creates limits; out-of-range or non-finite values are clamped into their ranges.
    public init(handshakeTimeout: Double = 5, maximumPending: Int = 64, maximumPendingPerAddress: Int = 8) {
        let timeout = handshakeTimeout.isNaN ? 5 : handshakeTimeout
        self.handshakeTimeout = min(max(timeout, Self.handshakeTimeoutRange.lowerBound), Self.handshakeTimeoutRange.upperBound)
        self.maximumPending = min(max(maximumPending, Self.pendingRange.lowerBound), Self.pendingRange.upperBound)
        self.maximumPendingPerAddress = min(max(maximumPendingPerAddress, 1), self.maximumPending)
    }
}
