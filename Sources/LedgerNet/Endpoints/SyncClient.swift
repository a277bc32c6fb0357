import Crypto
import NIOCore
import NIOPosix

/// What a finished client session returns: the conversation after its last step, and counts.
public struct SyncOutcome<Conversation: SyncConversation> {
    /// The conversation, so the caller can read what it received and stored.
    public var conversation: Conversation
    /// Bytes, messages and round trips of the session.
    public var statistics: SessionStatistics
}

extension SyncOutcome: Sendable where Conversation: Sendable {}

/// A TCP sync client: connects to a server, runs the Noise XX handshake as initiator, checks
/// the server's key with the authorizer and runs one conversation.
///
/// Why a value type with no connection state: each `sync` call is one session on its own
/// connection, so one client can run many syncs concurrently (the load benchmark does).
public struct SyncClient: Sendable {
    private let configuration: TransportConfiguration
    private let staticKey: Curve25519.KeyAgreement.PrivateKey
    private let authorizer: PeerAuthorizer
    private let eventLoopGroup: any EventLoopGroup

    /// Creates a client.
    /// - Parameters:
    ///   - staticKey: this site's X25519 agreement key, the Noise static key.
    ///   - authorizer: maps the server's proven key to a member, or nil to refuse it.
    public init(configuration: TransportConfiguration, staticKey: Curve25519.KeyAgreement.PrivateKey,
                authorizer: @escaping PeerAuthorizer,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.staticKey = staticKey
        self.authorizer = authorizer
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects to `host:port` and runs one conversation to its end.
    /// - Parameter conversation: makes the initiator's conversation once the server is admitted.
    /// - Throws: `TransportError`; its `code.category` tells refused, timed out, protocol error,
    ///   conversation failure and connection failure apart.
    public func sync<Conversation: SyncConversation>(
        host: String, port: Int,
        conversation: (PeerIdentity) async throws -> Conversation
    ) async throws -> SyncOutcome<Conversation> {
        let session: SessionChannel
        let configuration = self.configuration
        do {
            session = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.milliseconds(Int64(configuration.connectTimeout * 1000)))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 65_536))
                .connect(host: host, port: port) { channel in
                    SessionChannel.configure(channel, configuration: configuration)
                }
        } catch {
            throw TransportError(.connectFailed, "cannot connect to \(host):\(port)", peerAddress: "\(host):\(port)",
                                 underlying: error)
        }
        var driver = SessionDriver(role: .initiator, configuration: configuration, localStatic: staticKey,
                                   authorizer: authorizer)
        let finished = try await driver.run(on: session, makeConversation: conversation)
        return SyncOutcome(conversation: finished, statistics: driver.statistics)
    }
}
