@testable import LedgerNet
import LedgerNetTestSupport
import NIOCore
import TestSupport
import Testing

@Suite("Peers that misbehave after a genuine handshake")
struct RecordTamperingTests {
    /// Clocks that only guard against a hang, the handshake deadline included (§7.4's default
    /// of 5 s is for strangers; a loaded machine can take longer to finish a genuine handshake).
    static let configuration: TransportConfiguration = {
        var configuration = TransportConfiguration(networkID: testNetworkID, idleTimeout: 600, exchangeTimeout: 1200)
        configuration.admission = AdmissionLimits(handshakeTimeout: 600)
        return configuration
    }()

    @Test("a tampered, a replayed and an unknown record each end the session with its own error")
    func tamperedRecords() async throws {
        let central = TestSite("central"), clinic = TestSite("clinic")
        let roster = TestRoster([central, clinic])
        let server = try await RunningServer.start(site: central, roster: roster, configuration: Self.configuration) { _ in
            SilentConversation()
        }
        // 1. One flipped bit in the ciphertext.
        var peer = try await RawNoisePeer.connect(port: server.port, site: clinic, configuration: Self.configuration)
        var frame = try peer.seal(message: [1, 2, 3])
        frame.body[0] ^= 0x80
        try await peer.write([frame])
        while try await peer.readFrame() != nil {}
        // 2. A record sent twice (replay): the second fails at the next nonce.
        peer = try await RawNoisePeer.connect(port: server.port, site: clinic, configuration: Self.configuration)
        let record = try peer.seal(message: [4])
        try await peer.write([record, record])
        while try await peer.readFrame() != nil {}
        // 3. A well-encrypted record of an unknown type.
        peer = try await RawNoisePeer.connect(port: server.port, site: clinic, configuration: Self.configuration)
        let bogus = try peer.seal(record: [0x09, 1])
        try await peer.write([bogus])
        while try await peer.readFrame() != nil {}
        let outcomes = try await server.stop().map { $0.metadata["outcome"] ?? "" }
        #expect(outcomes == ["decryption_failed", "decryption_failed", "malformed_frame"])
    }

    @Test("a peer that stops reading a large reply is ended by the total clock while an honest sync completes")
    func peerThatNeverReads() async throws {
        var generator = SeededGenerator(seed: 99)
        let central = TestSite("central"), clinic = TestSite("clinic"), honest = TestSite("honest")
        let roster = TestRoster([central, clinic, honest])
        // The total clock must end the stalled peer (so it is shorter than the idle clock) and
        // must leave the honest sync, run on a machine that may be busy, ample time (the test
        // waits for it: 60 s).
        var configuration = TransportConfiguration(networkID: testNetworkID, maximumMessageSize: 1 << 25,
                                                   idleTimeout: 120, exchangeTimeout: 60)
        configuration.admission = AdmissionLimits(handshakeTimeout: 120)
        let reply = [UInt8](repeating: 0xAB, count: 24 << 20) // far more than the socket buffers hold
        let serverStore = ItemSet(randomItems(20, using: &generator))
        let server = try await RunningServer.start(site: central, roster: roster, configuration: configuration) { peer in
            if peer.name == "clinic" { return BlobResponder(reply: reply) }
            return SetUnionConversation(role: .responder, store: serverStore)
        }
        // Under heavy load the server's total clock may fire before this peer is done setting
        // up; the outcome is the same, so set-up failures are tolerated here.
        var peer = try? await RawNoisePeer.connect(port: server.port, site: clinic, configuration: configuration)
        try? await peer?.channel.setOption(.autoRead, value: false).get()
        if let message = try? peer?.seal(message: [0]) { try? await peer?.write([message]) }
        let honestStore = ItemSet(randomItems(20, using: &generator))
        _ = try await TCPSessionTests.sync(honest, roster: roster, store: honestStore, port: server.port)
        #expect(honestStore.snapshot == serverStore.snapshot, "seed \(generator.seed)")
        let lines = try await server.stop() // returns once the stalled session has ended
        try? await peer?.channel.close()
        #expect(lines.map { $0.metadata["outcome"] ?? "" }.sorted() == ["exchange_timeout", "ok"])
        #expect(lines.first { $0.metadata["outcome"] == "ok" }?.metadata["peer"] == "honest")
    }
}

/// A responder that answers any message with one large message.
struct BlobResponder: SyncConversation {
    let reply: [UInt8]

    mutating func start() async throws -> ConversationStep { ConversationStep() }

    mutating func receive(_ message: [UInt8]) async throws -> ConversationStep {
        ConversationStep(send: [reply], finished: true)
    }
}
