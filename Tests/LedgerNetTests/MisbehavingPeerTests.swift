import LedgerNet
import LedgerNetTestSupport
import NIOCore
import NIOPosix
import TestSupport
import Testing

@Suite("Misbehaving peers")
struct MisbehavingPeerTests {
    /// Opens a plain TCP connection that speaks no protocol at all.
    static func rawConnection(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Sends `bytes` and waits until the server closes the connection.
    static func sendAndAwaitClose(_ bytes: [UInt8], port: Int) async throws {
        let channel = try await rawConnection(port: port)
        // The server may close before the whole write is out (that is the point); only the close matters.
        try? await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
        try await channel.closeFuture.get()
    }

    static func frame(_ kind: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length = UInt32(1 + body.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), kind] + body
    }

    @Test("garbage, an oversized frame, a forged handshake and a mid-frame stall are cut off while an honest sync completes")
    func misbehavingClientsAreDisconnected() async throws {
        var generator = SeededGenerator(seed: 0xBAD_C0DE)
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        let serverStore = ItemSet(randomItems(100, using: &generator))
        // Clocks generous enough that the honest sync survives a busy machine (its server task
        // may wait long for a thread of the cooperative pool); the handshake deadline is later
        // than the idle clock, so only the idle clock ends the stalled peer (the test waits 60 s).
        var configuration = TransportConfiguration(networkID: testNetworkID, idleTimeout: 60, exchangeTimeout: 300)
        configuration.admission = AdmissionLimits(handshakeTimeout: 120)
        let server = try await RunningServer.start(site: central, roster: roster, configuration: configuration) { _ in
            SetUnionConversation(role: .responder, store: serverStore)
        }
        let port = server.port

        // Stalls after 10 of the 33 bytes of a handshake frame; only the idle clock can end it.
        let stalled = try await Self.rawConnection(port: port)
        try? await stalled.writeAndFlush(ByteBuffer(bytes: Array(Self.frame(0x01, generator.bytes(32)).prefix(10)))).get()

        let garbage = Self.frame(0x7f, generator.bytes(40))
        let oversized: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0x01] + generator.bytes(100)
        let forged = Self.frame(0x01, generator.bytes(32)) + Self.frame(0x01, generator.bytes(64))
        let clientItems = randomItems(100, using: &generator)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for bytes in [garbage, oversized, forged] {
                group.addTask { try await Self.sendAndAwaitClose(bytes, port: port) }
            }
            group.addTask {
                let clientStore = ItemSet(clientItems)
                let client = SyncClient(configuration: TCPSessionTests.configuration(),
                                        staticKey: clinic.agreementKey, authorizer: roster.authorizer)
                _ = try await client.sync(host: "127.0.0.1", port: port) { _ in
                    SetUnionConversation(role: .initiator, store: clientStore)
                }
                #expect(clientStore.snapshot == serverStore.snapshot)
            }
            try await group.waitForAll()
        }
        try await stalled.closeFuture.get()
        let lines = try await server.stop()
        let outcomes = lines.map { $0.metadata["outcome"] ?? "" }.sorted()
        #expect(outcomes == ["frame_too_large", "handshake_failed", "idle_timeout", "malformed_frame", "ok"],
                "seed \(generator.seed)")
        // Issue 18: every rejection names the remote address (it used to say `unknown`).
        #expect(lines.allSatisfy { $0.metadata["remote"]?.hasPrefix("127.0.0.1:") == true },
                "\(lines.map { $0.metadata["remote"] ?? "-" })")
    }

    @Test("a peer that dribbles bytes slower than the idle clock is still cut off by the total clock")
    func totalTimeout() async throws {
        let central = TestSite("central")
        let configuration = TransportConfiguration(networkID: testNetworkID, idleTimeout: 10, exchangeTimeout: 1)
        let server = try await RunningServer.start(site: central, roster: TestRoster([central]),
                                                   configuration: configuration) { _ in SilentConversation() }
        let channel = try await Self.rawConnection(port: server.port)
        // Two bytes of a length prefix, then nothing: the idle clock (10 s) would not fire in time.
        try? await channel.writeAndFlush(ByteBuffer(bytes: [0, 0])).get()
        try await channel.closeFuture.get()
        let lines = try await server.stop()
        #expect(lines.map { $0.metadata["outcome"] } == ["exchange_timeout"])
    }
}
