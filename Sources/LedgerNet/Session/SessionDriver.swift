import Crypto
import LedgerCore
import NIOConcurrencyHelpers
import NIOCore

/// Runs one session over a configured channel: the Noise XX handshake, admission through the
/// authorizer, then the conversation loop (Specs/sync-transport.md §4–§6).
///
/// Shared by client and server; the only difference is who initiates the handshake. The
/// driver never blocks an event loop: it runs in the session's task and talks to NIO through
/// `NIOAsyncChannel`.
struct SessionDriver {
    let role: NoiseXXHandshake.Role
    let configuration: TransportConfiguration
    let localStatic: Curve25519.KeyAgreement.PrivateKey
    let authorizer: PeerAuthorizer
    /// What the session moved, filled in even when it fails.
    private(set) var statistics = SessionStatistics()
    /// The peer's proven static key, once known.
    private(set) var peerKey: Hash32?
    /// Extra counters from the conversation for the log line.
    private(set) var conversationSummary: [String: String] = [:]
    /// Called once the peer is authenticated and authorized, before the conversation starts;
    /// the server uses it to move the connection from pending to a session slot (§7.4) and
    /// throws `serverBusy` (or the error that already closed the connection) to refuse it.
    var onAuthenticated: (@Sendable (PeerIdentity) throws -> Void)?

    init(role: NoiseXXHandshake.Role, configuration: TransportConfiguration,
         localStatic: Curve25519.KeyAgreement.PrivateKey, authorizer: @escaping PeerAuthorizer) {
        self.role = role
        self.configuration = configuration
        self.localStatic = localStatic
        self.authorizer = authorizer
    }

    /// Runs the session to its end and closes the channel.
    /// - Returns: the conversation after its last step.
    /// - Throws: `TransportError` always (other failures are classified into one).
    mutating func run<Conversation: SyncConversation>(
        on session: SessionChannel,
        makeConversation: (PeerIdentity) async throws -> Conversation
    ) async throws -> Conversation {
        let started = ContinuousClock.now
        defer { statistics.duration = Self.seconds(ContinuousClock.now - started) }
        do {
            return try await session.channel.executeThenClose { inbound, outbound in
                var io = SessionIO(inbound: inbound, outbound: outbound, session: session)
                defer { statistics = io.statistics.with(peer: statistics.peer, duration: 0) }
                do {
                    let identity = try await handshake(&io)
                    statistics.peer = identity
                    try onAuthenticated?(identity)
                    return try await converse(&io, identity: identity, makeConversation: makeConversation)
                } catch {
                    let failure = classify(error, session: session)
                    switch failure.code {
                    case .peerNotAuthorized:
                        io.sendFarewell(.notAuthorized)
                        if role == .responder { await io.drainUntilClosed() }
                    case .serverBusy where role == .responder:
                        io.sendFarewell(.busy)
                        await io.drainUntilClosed()
                    case .handshakeTimeout, .pendingEvicted:
                        break
                    case _ where failure.code.category == .timedOut || failure.code == .connectionClosed:
                        break
                    case .refusedByPeer, .serverBusy, .peerFailed:
                        break
                    default:
                        io.sendFarewell(CloseCode(for: failure))
                    }
                    throw failure
                }
            }
        } catch {
            throw classify(error, session: session).attributed(address: session.peerAddress, key: peerKey)
        }
    }

    // MARK: - Handshake (§4)

    private mutating func handshake(_ io: inout SessionIO) async throws -> PeerIdentity {
        var noise = NoiseXXHandshake(role: role, localStatic: localStatic, prologue: configuration.prologue)
        switch role {
        case .initiator:
            try await io.send([Frame(kind: .handshake, body: try noise.writeMessage())])
            let payload = try noise.readMessage(try await io.nextHandshakeMessage())
            let identity = try await admit(noise.remoteStaticKey, payload: payload)
            try await io.send([Frame(kind: .handshake, body: try noise.writeMessage(payload: try await localPayload()))])
            try installKeys(&io, noise)
            return identity
        case .responder:
            _ = try noise.readMessage(try await io.nextHandshakeMessage())
            try await io.send([Frame(kind: .handshake, body: try noise.writeMessage(payload: try await localPayload()))])
            let payload = try noise.readMessage(try await io.nextHandshakeMessage())
            try installKeys(&io, noise)
            return try await admit(noise.remoteStaticKey, payload: payload)
        }
    }

    private func installKeys(_ io: inout SessionIO, _ noise: NoiseXXHandshake) throws {
        let keys = try noise.finish()
        io.records = RecordLayer(sender: keys.sender, receiver: keys.receiver,
                                 maximumFrameLength: configuration.maximumFrameLength,
                                 maximumMessageSize: configuration.maximumMessageSize)
    }

    /// This side's handshake payload (§4.4); empty when none is configured.
    private func localPayload() async throws -> [UInt8] {
        do { return try await configuration.handshakePayload?() ?? [] } catch {
            throw TransportError(.conversationFailed, "this site's handshake identity could not be made", underlying: error)
        }
    }

    /// §4.3–§4.4: the proven static key, and the identity its payload binds to it, must map
    /// to an admitted, non-revoked member.
    private mutating func admit(_ key: [UInt8]?, payload: [UInt8]) async throws -> PeerIdentity {
        guard let key, let hash = Hash32(bytes: key) else {
            throw TransportError(.handshakeFailed, "the handshake ended without the peer's static key")
        }
        peerKey = hash
        guard let identity = try await authorizer(hash, payload) else {
            throw TransportError(.peerNotAuthorized,
                                 "the peer's key is not an admitted, non-revoked member of this network", peerKey: hash)
        }
        return identity
    }

    // MARK: - Conversation (§6)

    private mutating func converse<Conversation: SyncConversation>(
        _ io: inout SessionIO, identity: PeerIdentity,
        makeConversation: (PeerIdentity) async throws -> Conversation
    ) async throws -> Conversation {
        var conversation = try await Self.conversationStep { try await makeConversation(identity) }
        defer { conversationSummary = conversation.logSummary }
        let opening = try await Self.conversationStep { try await conversation.start() }
        var finished = false
        var peerFinished = false
        var awaitingReply = false
        try await reply(opening, conversation: &conversation, io: &io, finished: &finished, awaitingReply: &awaitingReply)
        while !(finished && peerFinished) {
            switch try await io.nextEvent() {
            case .message(let message):
                guard !finished else {
                    throw TransportError(.protocolViolation, "the peer sent a message after our conversation finished")
                }
                io.statistics.messagesIn += 1
                if awaitingReply { io.statistics.roundTrips += 1; awaitingReply = false }
                let step = try await Self.conversationStep { try await conversation.receive(message) }
                try await reply(step, conversation: &conversation, io: &io, finished: &finished, awaitingReply: &awaitingReply)
            case .close(.finished):
                guard finished else { throw CloseCode.finished.errorFromPeer() }
                peerFinished = true
            case .close(let code):
                throw code.errorFromPeer()
            }
        }
        return conversation
    }

    /// Sends `first`, then, while the conversation says `more`, pulls and sends the rest of
    /// its reply a batch at a time: each batch is written (suspending while the socket is not
    /// writable) before the next is pulled, so a large reply is never held whole (§7.3).
    private func reply<Conversation: SyncConversation>(
        _ first: ConversationStep, conversation: inout Conversation, io: inout SessionIO,
        finished: inout Bool, awaitingReply: inout Bool
    ) async throws {
        var step = first
        try await send(step, io: &io, finished: &finished, awaitingReply: &awaitingReply)
        while step.more && !finished {
            step = try await Self.conversationStep { try await conversation.pull() }
            try await send(step, io: &io, finished: &finished, awaitingReply: &awaitingReply)
        }
    }

    private func send(_ step: ConversationStep, io: inout SessionIO, finished: inout Bool,
                      awaitingReply: inout Bool) async throws {
        guard var records = io.records else { return }
        var frames: [Frame] = []
        for message in step.send { frames += try records.seal(message: message) }
        if step.finished { frames.append(try records.seal(close: .finished)) }
        io.records = records
        io.statistics.messagesOut += step.send.count
        if !step.send.isEmpty { awaitingReply = true }
        if step.finished { finished = true }
        try await io.send(frames)
    }

    /// Runs a conversation call, wrapping its errors as `conversationFailed`.
    private static func conversationStep<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as TransportError { throw error } catch {
            throw TransportError(.conversationFailed, "the sync conversation failed", underlying: error)
        }
    }

    // MARK: - Errors

    /// Maps any failure to one `TransportError`; a fired clock wins over the error it caused.
    private func classify(_ error: any Error, session: SessionChannel) -> TransportError {
        if let fired = session.fired.withLockedValue({ $0 }) { return fired }
        if let error = error as? TransportError { return error }
        if error is CancellationError {
            return TransportError(.connectionClosed, "the session was cancelled (shutting down)")
        }
        return TransportError(.connectionClosed, "the connection failed", underlying: error)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension SessionStatistics {
    /// A copy with the peer and duration replaced.
    func with(peer: PeerIdentity?, duration: Double) -> SessionStatistics {
        var copy = self
        copy.peer = peer
        copy.duration = duration
        return copy
    }
}
