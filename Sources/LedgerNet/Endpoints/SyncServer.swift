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
    private let listener: NIOAsyncChannel<PendingConnection, Never>
    private let configuration: TransportConfiguration
    private let staticKey: Curve25519.KeyAgreement.PrivateKey
    private let authorizer: PeerAuthorizer
    private let makeConversation: ConversationFactory
    private let logger: Logger
    /// Pending connections and session slots (§7.4), keyed by accept order.
    private let admission: NIOLockedValueBox<ConnectionAdmission<SessionChannel>>
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
        let listener: NIOAsyncChannel<PendingConnection, Never>
        let admission = NIOLockedValueBox(ConnectionAdmission<SessionChannel>(
            maximumPending: configuration.admission.maximumPending,
            maximumPerAddress: configuration.admission.maximumPendingPerAddress,
            maximumSessions: configuration.maximumConcurrentSessions))
        let acceptOrder = NIOLockedValueBox(0)
        // Accepted connections wait here for `run()` to start their sessions; admission has
        // already counted them, so a slow `run()` neither stops accepting (which would fill the
        // kernel's backlog and make a member's SYN wait a second for its retry) nor lets
        // strangers past the pending caps.
        let waiting = max(configuration.admission.maximumPending, 16) * 4
        do {
            listener = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 512)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 65_536))
                .bind(host: host, port: port,
                      serverBackPressureStrategy: .init(lowWatermark: waiting / 2, highWatermark: waiting)) { channel in
                    SessionChannel.configure(channel, configuration: configuration).map { session in
                        admit(session, admission: admission, acceptOrder: acceptOrder, configuration: configuration)
                    }
                }
        } catch {
            throw TransportError(.connectFailed, "cannot listen on \(host):\(port)", underlying: error)
        }
        return SyncServer(port: listener.channel.localAddress?.port ?? port, listener: listener, admission: admission,
                          configuration: configuration, staticKey: staticKey, authorizer: authorizer,
                          makeConversation: conversation, logger: logger)
    }

    /// §7.4, on the event loop as the connection is accepted: takes it in as pending (evicting
    /// a pending one when a cap is full), starts its handshake deadline, and marks its progress
    /// as soon as its pipeline decodes a valid message 1. Nothing here waits for the session's
    /// task, which a busy process may start long after.
    private static func admit(_ session: SessionChannel, admission: NIOLockedValueBox<ConnectionAdmission<SessionChannel>>,
                              acceptOrder: NIOLockedValueBox<Int>, configuration: TransportConfiguration) -> PendingConnection {
        let id = acceptOrder.withLockedValue { next in
            defer { next += 1 }
            return next
        }
        let evicted = admission.withLockedValue { $0.accept(id, address: session.peerHost, handle: session) }
        evicted?.close(with: TransportError(
            .pendingEvicted, "closed before authenticating to make room for a newer connection"))
        let seconds = configuration.admission.handshakeTimeout
        session.channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            guard let expired = admission.withLockedValue({ $0.expire(id) }) else { return }
            expired.close(with: TransportError(
                .handshakeTimeout, "the peer did not authenticate within the handshake deadline of \(seconds) s"))
        }
        session.handshakeProgress.whenRaised { admission.withLockedValue { $0.progressed(id) } }
        return PendingConnection(id: id, session: session)
    }

    private init(port: Int, listener: NIOAsyncChannel<PendingConnection, Never>,
                 admission: NIOLockedValueBox<ConnectionAdmission<SessionChannel>>, configuration: TransportConfiguration,
                 staticKey: Curve25519.KeyAgreement.PrivateKey, authorizer: @escaping PeerAuthorizer,
                 makeConversation: @escaping ConversationFactory, logger: Logger) {
        self.port = port
        self.listener = listener
        self.configuration = configuration
        self.staticKey = staticKey
        self.authorizer = authorizer
        self.makeConversation = makeConversation
        self.logger = logger
        self.admission = admission
    }

    /// The most sessions that ran at once so far.
    public var peakConcurrentSessions: Int { peakSessions.withLockedValue { $0 } }

    /// The connections that have not authenticated yet, right now (§7.4).
    public var pendingConnections: Int { admission.withLockedValue { $0.pendingCount } }

    /// The pending connections whose valid handshake message 1 has arrived (§7.4): evicted last.
    package var pendingConnectionsWithProgress: Int { admission.withLockedValue { $0.progressedCount } }

    /// Serves until `shutdown()` is called (then in-flight sessions finish, each bounded by its
    /// exchange timeout) or the calling task is cancelled (then in-flight sessions end at once;
    /// whatever their conversations committed stays committed).
    ///
    /// Every accepted connection is pending until it authenticates (§7.4): it has the handshake
    /// deadline to get there, it may evict the oldest pending connection (of its address, or of
    /// all), and only then does it take a session slot, or get CLOSE(busy) when members hold
    /// them all.
    public func run() async throws {
        try await listener.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask {
                        defer { self.admission.withLockedValue { $0.finish(connection.id) } }
                        await self.serve(connection.session, id: connection.id)
                    }
                }
            }
        }
    }

    /// Stops accepting connections; `run()` returns once the sessions in flight have ended.
    public func shutdown() async {
        try? await listener.channel.close()
    }

    /// Moves an authenticated connection from pending to a session slot, or refuses it.
    private func authenticated(_ id: Int, session: SessionChannel) throws {
        switch admission.withLockedValue({ $0.authenticate(id) }) {
        case .session:
            let current = admission.withLockedValue { $0.sessionCount }
            peakSessions.withLockedValue { $0 = max($0, current) }
        case .busy:
            throw TransportError(.serverBusy, "every session slot is taken by authenticated members")
        case .gone:
            throw session.fired.withLockedValue { $0 }
                ?? TransportError(.handshakeTimeout, "the connection was closed before it authenticated")
        }
    }

    private func serve(_ session: SessionChannel, id: Int) async {
        var driver = SessionDriver(role: .responder, configuration: configuration, localStatic: staticKey,
                                   authorizer: authorizer)
        driver.onAuthenticated = { [self] _ in try self.authenticated(id, session: session) }
        let factory = makeConversation
        var failure: TransportError?
        do {
            _ = try await driver.run(on: session) { peer in AnyConversation(base: try await factory(peer)) }
        } catch let error as TransportError {
            failure = error
        } catch {
            failure = TransportError(.connectionClosed, "the session failed", underlying: error)
        }
        // §7.3.2: the session's buffers are freed; give their pages back to the system
        // (before the log line, so a reader of the log sees the server settled).
        HeapTrim.releaseFreePages()
        logSession(address: session.peerAddress, driver: driver, failure: failure)
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

/// A connection accepted and admitted as pending (§7.4), waiting for `run()` to start its session.
struct PendingConnection: Sendable {
    /// Accept order: the admission's key for the connection.
    let id: Int
    let session: SessionChannel
}
