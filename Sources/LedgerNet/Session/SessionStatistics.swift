/// What one session moved, reported by the client and logged by the server.
public struct SessionStatistics: Sendable, Equatable {
    /// The authenticated peer.
    public var peer: PeerIdentity?
    /// Bytes read from the socket, framing and handshake included.
    public var bytesIn: Int
    /// Bytes written to the socket, framing and handshake included.
    public var bytesOut: Int
    /// Conversation messages received.
    public var messagesIn: Int
    /// Conversation messages sent.
    public var messagesOut: Int
    /// Conversation round trips: times we sent messages and then received a reply
    /// (the handshake's own 1.5 round trips are not counted).
    public var roundTrips: Int
    /// Wall-clock duration from connection to close, in seconds.
    public var duration: Double

    /// Creates empty statistics.
    public init(peer: PeerIdentity? = nil, bytesIn: Int = 0, bytesOut: Int = 0, messagesIn: Int = 0,
                messagesOut: Int = 0, roundTrips: Int = 0, duration: Double = 0) {
        self.peer = peer
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.roundTrips = roundTrips
        self.duration = duration
    }
}
