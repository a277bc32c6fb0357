import LedgerCore

/// The one error type of the TCP transport: a code, a message, the peer it concerns and a cause.
///
/// Why: the CLI maps transport failures to distinct exit codes (refused, timed out, protocol
/// error), and operators need to know which peer failed and how, without ever seeing ledger
/// payload bytes. Messages name the peer's key and the rule broken, never message contents.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of stable codes (Specs/sync-transport.md §8).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name used in logs and JSON output.
        public let name: String
        /// The broad class the CLI maps to an exit code.
        public let category: Category

        private init(_ name: String, _ category: Category) {
            self.name = name
            self.category = category
        }

        /// The peer's static key is not an admitted, non-revoked member: we refused it.
        public static let peerNotAuthorized = Code("peer_not_authorized", .refused)
        /// The peer refused our static key (or we are not a member it knows).
        public static let refusedByPeer = Code("refused_by_peer", .refused)
        /// The server's session slots are all taken by authenticated members; it turned us away.
        public static let serverBusy = Code("server_busy", .refused)
        /// The peer did not finish the handshake and authorization within the server's handshake
        /// deadline (§7.4); the server closed the connection.
        public static let handshakeTimeout = Code("handshake_timeout", .timedOut)
        /// The server closed this not-yet-authenticated connection to make room for a newer one
        /// (pending cap or per-address cap full, §7.4).
        public static let pendingEvicted = Code("pending_evicted", .refused)
        /// No bytes arrived within the idle timeout while we were waiting for the peer.
        public static let idleTimeout = Code("idle_timeout", .timedOut)
        /// The whole exchange took longer than the total-exchange timeout.
        public static let exchangeTimeout = Code("exchange_timeout", .timedOut)
        /// A frame's length prefix exceeds the maximum frame size.
        public static let frameTooLarge = Code("frame_too_large", .protocolError)
        /// A frame is malformed: unknown kind, empty, or not allowed in this state.
        public static let malformedFrame = Code("malformed_frame", .protocolError)
        /// The Noise handshake failed: bad message size, bad key, or authentication failure.
        public static let handshakeFailed = Code("handshake_failed", .protocolError)
        /// A transport message failed to decrypt (tampered, replayed or reordered).
        public static let decryptionFailed = Code("decryption_failed", .protocolError)
        /// A nonce counter reached its reserved maximum; the session must end.
        public static let nonceExhausted = Code("nonce_exhausted", .protocolError)
        /// A reassembled conversation message exceeds the maximum message size.
        public static let messageTooLarge = Code("message_too_large", .protocolError)
        /// The peer broke the session rules (data after close, early close, ...).
        public static let protocolViolation = Code("protocol_violation", .protocolError)
        /// The peer reported that its side of the conversation failed.
        public static let peerFailed = Code("peer_failed", .protocolError)
        /// Our conversation (the sync state machine) threw.
        public static let conversationFailed = Code("conversation_failed", .conversation)
        /// The connection closed before the session finished.
        public static let connectionClosed = Code("connection_closed", .connection)
        /// The TCP connection could not be established.
        public static let connectFailed = Code("connect_failed", .connection)

        /// The stable name.
        public var description: String { name }
    }

    /// Broad classes of failure, one per CLI exit code; extensible, so a `switch` needs a `default`.
    public struct Category: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable string (used in messages, logs and JSON output).
        public let rawValue: String

        /// Creates a category from its stable string; prefer the static members.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The stable string.
        public var description: String { rawValue }

        /// Authentication or admission refused (either side), or the server is full.
        public static let refused = Category(rawValue: "refused")
        /// An idle or total-exchange timeout fired.
        public static let timedOut = Category(rawValue: "timed_out")
        /// The peer sent bytes that break the framing, handshake or session rules.
        public static let protocolError = Category(rawValue: "protocol_error")
        /// The local conversation (sync state machine) failed.
        public static let conversation = Category(rawValue: "conversation")
        /// The network failed: cannot connect, or the connection dropped.
        public static let connection = Category(rawValue: "connection")
    }

    /// The code.
    public var code: Code
    /// A human message naming the rule broken; never payload bytes.
    public var message: String
    /// The peer's static agreement key, when the handshake got far enough to learn it.
    public var peerKey: Hash32?
    /// The peer's address, when known.
    public var peerAddress: String?
    /// The underlying error, when there is one.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, peerKey: Hash32? = nil, peerAddress: String? = nil,
                underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.peerKey = peerKey
        self.peerAddress = peerAddress
        self.underlying = underlying
    }

    /// One line: code, message, peer and cause.
    public var description: String {
        var line = "\(code.name): \(message)"
        if let peerAddress { line += " (peer \(peerAddress))" }
        if let peerKey { line += " (peer key \(peerKey.hex))" }
        if let underlying { line += " (cause: \(underlying))" }
        return line
    }

    /// Returns a copy with the peer's address and key filled in where missing.
    func attributed(address: String?, key: Hash32?) -> TransportError {
        var copy = self
        if copy.peerAddress == nil { copy.peerAddress = address }
        if copy.peerKey == nil { copy.peerKey = key }
        return copy
    }
}
