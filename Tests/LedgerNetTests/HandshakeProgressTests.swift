import Crypto
import LedgerCore
@testable import LedgerNet
import LedgerNetTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

/// Issue 18, item 1: a member's handshake progress counts from the moment its message 1 is
/// decoded, not when the server's session task gets to read it (Specs/sync-transport.md §7.4).
@Suite("Handshake progress is marked in the pipeline")
struct HandshakeProgressTests {
    /// A pipeline like the server's up to the async channel: frame decoder, then the watcher.
    static func pipeline() throws -> (EmbeddedChannel, HandshakeProgress) {
        let channel = EmbeddedChannel()
        let progress = HandshakeProgress()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maximumFrameLength: 65_536)))
        try channel.pipeline.syncOperations.addHandler(HandshakeProgressHandler(progress: progress))
        return (channel, progress)
    }

    static func messageOne() throws -> [UInt8] {
        var noise = NoiseXXHandshake(role: .initiator, localStatic: Curve25519.KeyAgreement.PrivateKey(), prologue: [])
        return try noise.writeMessage()
    }

    static func write(_ bytes: [UInt8], to channel: EmbeddedChannel) throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try channel.writeInbound(buffer)
    }

    @Test("a valid message 1 raises progress as soon as its last byte is decoded, and the frame passes on unchanged")
    func validMessageOneRaisesProgress() throws {
        let (channel, progress) = try Self.pipeline()
        let frame = Frame(kind: .handshake, body: try Self.messageOne())
        let wire = frame.encoded
        try Self.write(Array(wire.dropLast()), to: channel)
        #expect(!progress.isRaised)
        try Self.write([wire[wire.count - 1]], to: channel)
        #expect(progress.isRaised)
        #expect(try channel.readInbound(as: Frame.self) == frame)
        _ = try channel.finish()
    }

    @Test("a first frame that is not a valid message 1 never raises progress, even if a valid one follows")
    func invalidFirstFrameDoesNotCount() throws {
        for first in [Frame(kind: .data, body: [UInt8](repeating: 7, count: 48)),
                      Frame(kind: .abort, body: [0, 1]),
                      Frame(kind: .handshake, body: [UInt8](repeating: 1, count: 31))] {
            let (channel, progress) = try Self.pipeline()
            try Self.write(first.encoded + Frame(kind: .handshake, body: try Self.messageOne()).encoded, to: channel)
            #expect(!progress.isRaised, "first frame kind \(first.kind) of \(first.body.count) bytes")
            _ = try channel.finish()
        }
    }

    @Test("the server's action runs exactly once, whether it is armed before or after message 1 arrives")
    func actionRunsOnceInEitherOrder() {
        for armFirst in [true, false] {
            let progress = HandshakeProgress()
            let runs = NIOLockedValueBox(0)
            if armFirst { progress.whenRaised { runs.withLockedValue { $0 += 1 } } }
            progress.raise()
            progress.raise()
            if !armFirst { progress.whenRaised { runs.withLockedValue { $0 += 1 } } }
            #expect(runs.withLockedValue { $0 } == 1, "armed first: \(armFirst)")
        }
    }

    @Test("while the server's sessions have not started, a member whose message 1 arrived outlives a flood of silent strangers")
    func memberSurvivesFloodBeforeItsSessionRuns() async throws {
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        // Clocks that only guard against a hang: in the full suite the test process's cooperative
        // pool can be held for minutes by tests that wait on child processes, and this test's
        // tasks (the member's connect, the polling) wait with it.
        let configuration = ConnectionAdmissionTCPTests.configuration(handshake: 600, pending: 4, perAddress: 4)
        var generator = SeededGenerator(seed: 0x51A7)
        let store = ItemSet(randomItems(5, using: &generator))
        // Bound but not yet running: no session task exists, as on a process too busy to run them.
        let server = try await SyncServer.bind(host: "127.0.0.1", port: 0, configuration: configuration,
                                               staticKey: central.agreementKey, authorizer: roster.authorizer) { _ in
            SetUnionConversation(role: .responder, store: store)
        }
        let member = Task {
            try await TCPSessionTests.sync(clinic, roster: roster, store: ItemSet(), port: server.port,
                                           configuration: configuration)
        }
        #expect(try await ConnectionAdmissionTCPTests.eventually(within: 600) { server.pendingConnectionsWithProgress == 1 })
        let strangers = try await UnauthenticatedFlood.open(count: 10, port: server.port, sources: ["127.0.0.1"], trickle: nil)
        #expect(try await ConnectionAdmissionTCPTests.eventually(within: 600) { strangers.closedCount == 7 })
        #expect(server.pendingConnections == 4)
        let running = Task { try await server.run() }
        let outcome = try await member.value
        #expect(outcome.statistics.peer?.name == "central")
        #expect(outcome.conversation.received == 5)
        await strangers.close()
        await server.shutdown()
        try await running.value
    }
}
