import Crypto
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Makes the responder's conversation for a peer the authorizer admitted.
public typealias ConversationFactory = @Sendable (PeerIdentity) async throws -> any SyncConversation

/// A TCP sync server: accepts many peers at once, authenticates each with the Noise XX
/// handshake, admits them through the authorizer and runs one conversation per connection.
///
/// Why a bound object before `run()`: the caller learns the real port (tests bind port 0)
/// before any session starts, and can stop the server from another task with `shutdown()`.
/// Every session, whatever its outcome, ends with one structured log line
/// (Specs/sync-transport.md §9); the logger is the caller's, never a global one.
public final class SyncServer: Sendable {
    /// The port the server listens on (useful after binding port 0).
    public let port: Int
    private let listener: NIOAsyncChannel<SessionChannel, Never>
    private let configuration: TransportConfiguration
    private let staticKey: Curve25519.KeyAgreement.PrivateKey
    private let authorizer: PeerAuthorizer
    private let makeConversation: ConversationFactory
    private let logger: Logger
    private let activeSessions = NIOLockedValueBox(0)
    private let peakSessions = NIOLockedValueBox(0)

    /// Binds `host:port` and returns a server ready to `run()`.
    /// - Parameters:
    ///   - staticKey: this site's X25519 agreement key, the Noise static key.
    ///   - authorizer: maps a proven peer key to a member, or nil to refuse it.
    ///   - logger: where the per-session lines go; by default nowhere.
    ///   - conversation: makes the responder's conversation for each admitted peer.
    /// - Throws: `TransportError.connectFailed` when the address cannot be bound.
    public static func bind(host: String, port: Int, configuration: TransportConfiguration,
                            staticKey: Curve25519.KeyAgreement.PrivateKey,
                            authorizer: @escaping PeerAuthorizer,
                            logger: Logger = Logger(label: "careledger.net", factory: { _ in SwiftLogNoOpLogHandler() }),
                            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            conversation: @escaping ConversationFactory) async throws -> SyncServer {
        let listener: NIOAsyncChannel<SessionChannel, Never>
        do {
            listener = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 512)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 65_536))
                .bind(host: host, port: port) { channel in
                    SessionChannel.configure(channel, configuration: configuration)
                }
        } catch {
            throw TransportError(.connectFailed, "cannot listen on \(host):\(port)", underlying: error)
        }
        return SyncServer(port: listener.channel.localAddress?.port ?? port, listener: listener,
                          configuration: configuration, staticKey: staticKey, authorizer: authorizer,
                          makeConversation: conversation, logger: logger)
    }

    private init(port: Int, listener: NIOAsyncChannel<SessionChannel, Never>, configuration: TransportConfiguration,
                 staticKey: Curve25519.KeyAgreement.PrivateKey, authorizer: @escaping PeerAuthorizer,
                 makeConversation: @escaping ConversationFactory, logger: Logger) {
        self.port = port
        self.listener = listener
        self.configuration = configuration
        self.staticKey = staticKey
        self.authorizer = authorizer
        self.makeConversation = makeConversation
        self.logger = logger
    }

    /// The most sessions that ran at once so far.
    public var peakConcurrentSessions: Int { peakSessions.withLockedValue { $0 } }

    /// Serves until `shutdown()` is called (then in-flight sessions finish, each bounded by its
    /// exchange timeout) or the calling task is cancelled (then in-flight sessions end at once;
    /// whatever their conversations committed stays committed).
    public func run() async throws {
        try await listener.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await session in inbound {
                    let admitted = activeSessions.withLockedValue { count -> Bool in
                        guard count < configuration.maximumConcurrentSessions else { return false }
                        count += 1
                        return true
                    }
                    guard admitted else {
                        group.addTask { await self.turnAway(session) }
                        continue
                    }
                    let current = activeSessions.withLockedValue { $0 }
                    peakSessions.withLockedValue { $0 = max($0, current) }
                    group.addTask {
                        defer { self.activeSessions.withLockedValue { $0 -= 1 } }
                        await self.serve(session)
                    }
                }
            }
        }
    }

    /// Stops accepting connections; `run()` returns once the sessions in flight have ended.
    public func shutdown() async {
        try? await listener.channel.close()
    }

    private func serve(_ session: SessionChannel) async {
        var driver = SessionDriver(role: .responder, configuration: configuration, localStatic: staticKey,
                                   authorizer: authorizer)
        let factory = makeConversation
        var failure: TransportError?
        do {
            _ = try await driver.run(on: session) { peer in AnyConversation(base: try await factory(peer)) }
        } catch let error as TransportError {
            failure = error
        } catch {
            failure = TransportError(.connectionClosed, "the session failed", underlying: error)
        }
        logSession(address: session.peerAddress, driver: driver, failure: failure)
    }

    /// Sends ABORT(busy) to a connection over the session limit, then drops what it sends
    /// until it closes (bounded by the timeouts), so the ABORT is not lost to a TCP reset
    /// caused by closing with unread bytes (Specs/sync-transport.md §4.3).
    private func turnAway(_ session: SessionChannel) async {
        let abort = Frame(kind: .abort, body: CloseCode.busy.bytes)
        var buffer = ByteBuffer()
        abort.encode(into: &buffer)
        let address = session.peerAddress
        try? await session.channel.executeThenClose { inbound, outbound in
            try await outbound.write(buffer)
            session.setWaiting(true)
            for try await _ in inbound {}
        }
        logger.warning("sync session", metadata: [
            "remote": .string(address), "outcome": .string(TransportError.Code.serverBusy.name),
            "bytes_out": .stringConvertible(abort.wireSize),
        ])
    }

    /// §9: one line per session.
    private func logSession(address: String, driver: SessionDriver, failure: TransportError?) {
        let stats = driver.statistics
        var metadata: Logger.Metadata = [
            "peer": .string(stats.peer?.name ?? "-"),
            "peer_key": .string(driver.peerKey?.hex ?? "-"),
            "remote": .string(address),
            "messages_in": .stringConvertible(stats.messagesIn),
            "messages_out": .stringConvertible(stats.messagesOut),
            "bytes_in": .stringConvertible(stats.bytesIn),
            "bytes_out": .stringConvertible(stats.bytesOut),
            "round_trips": .stringConvertible(stats.roundTrips),
            "duration_ms": .string(String(format: "%.1f", stats.duration * 1000)),
            "outcome": .string(failure?.code.name ?? "ok"),
        ]
        for (key, value) in driver.conversationSummary { metadata[key] = .string(value) }
        if let failure {
            metadata["error"] = .string(failure.message)
            logger.warning("sync session", metadata: metadata)
        } else {
            logger.info("sync session", metadata: metadata)
        }
    }
}
